// `mediawatch timeline` through the real binary, on the sample database
// (tests/integration/sample_db.h): counts per day, ISO week and month, split
// by language and outlet, with the filters, every output format, and bad
// input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/sample_db.h"

namespace mw {
namespace {

using ::testing::HasSubstr;
using testing::ReadCsv;
using testing::RunMw;
using Records = std::vector<std::vector<std::string>>;

class TimelineCommandTest : public testing::SampleDbSuite {
 protected:
  static testing::CommandResult Timeline(std::vector<std::string> flags) {
    std::vector<std::string> args = {"timeline", "--db", db_->dir};
    args.insert(args.end(), flags.begin(), flags.end());
    return RunMw(args);
  }
  static Records Csv(std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--format", "csv"});
    testing::CommandResult r = Timeline(flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ReadCsv(r.out);
  }
  static nlohmann::json Json(std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--format", "json"});
    testing::CommandResult r = Timeline(flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
};

TEST_F(TimelineCommandTest, PerDayWithEveryEmptyDayBetween) {
  const Records csv = Csv({"--match", "guan-heng"});
  // 2026-01-26 .. 2026-03-02: 36 days, and the header.
  ASSERT_EQ(csv.size(), 37u);
  EXPECT_EQ(csv[0], (std::vector<std::string>{"bucket", "articles"}));
  EXPECT_EQ(csv[1], (std::vector<std::string>{"2026-01-26", "2"}));  // the wire story and its copy
  EXPECT_EQ(csv[2], (std::vector<std::string>{"2026-01-27", "0"}));  // only an unflagged article
  EXPECT_EQ(csv[3], (std::vector<std::string>{"2026-01-28", "2"}));
  EXPECT_EQ(csv[9], (std::vector<std::string>{"2026-02-03", "1"}));
  // The Uyghur story has no published date: its fetch time counts.
  EXPECT_EQ(csv[36], (std::vector<std::string>{"2026-03-02", "1"}));
  int total = 0;
  for (size_t i = 1; i < csv.size(); ++i) total += std::stoi(csv[i][1]);
  EXPECT_EQ(total, 6);

  const nlohmann::json j = Json({"--match", "guan-heng"});
  EXPECT_EQ(j["match"], "guan-heng");
  EXPECT_EQ(j["by"], "day");
  EXPECT_TRUE(j["split"].is_null());
  EXPECT_EQ(j["total"], 6);
  ASSERT_EQ(j["buckets"].size(), 36u);
  EXPECT_EQ(j["buckets"][0],
            nlohmann::json(
                {{"start", "2026-01-26"}, {"counts", nlohmann::json::object()}, {"total", 2}}));

  testing::CommandResult table = Timeline({"--match", "guan-heng"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(table.out.starts_with("DAY         ARTICLES\n2026-01-26         2\n")) << table.out;
  EXPECT_TRUE(table.out.ends_with("6 articles in 36 days\n")) << table.out;
}

TEST_F(TimelineCommandTest, PerIsoWeekSplitByLanguage) {
  const Records csv = Csv({"--match", "guan-heng", "--by", "week", "--split", "lang"});
  ASSERT_EQ(csv.size(), 7u);
  EXPECT_EQ(csv[0], (std::vector<std::string>{"bucket", "(unknown)", "en", "ug", "zh", "zh-Hant",
                                              "total"}));
  EXPECT_EQ(csv[1], (std::vector<std::string>{"2026-01-26", "1", "2", "0", "1", "0", "4"}));
  EXPECT_EQ(csv[2], (std::vector<std::string>{"2026-02-02", "0", "0", "0", "0", "1", "1"}));
  EXPECT_EQ(csv[3], (std::vector<std::string>{"2026-02-09", "0", "0", "0", "0", "0", "0"}));
  EXPECT_EQ(csv[6], (std::vector<std::string>{"2026-03-02", "0", "0", "1", "0", "0", "1"}));

  const nlohmann::json j = Json({"--match", "guan-heng", "--by", "week", "--split", "lang"});
  EXPECT_EQ(j["split"], "lang");
  EXPECT_EQ(j["groups"], nlohmann::json({"", "en", "ug", "zh", "zh-Hant"}));
  EXPECT_EQ(j["buckets"][0]["counts"],
            nlohmann::json({{"", 1}, {"en", 2}, {"ug", 0}, {"zh", 1}, {"zh-Hant", 0}}));
}

TEST_F(TimelineCommandTest, PerMonthSplitByOutlet) {
  const Records csv = Csv({"--match", "guan-heng", "--by", "month", "--split", "source"});
  ASSERT_EQ(csv.size(), 4u);
  // Outlet name, else the feed id ("misc" has no outlet name).
  EXPECT_EQ(csv[0], (std::vector<std::string>{"bucket", "BBC 中文", "Daily", "Wire News", "misc",
                                              "ئەركىن ئاسىيا", "臺灣快報", "total"}));
  EXPECT_EQ(csv[1], (std::vector<std::string>{"2026-01", "1", "1", "1", "1", "0", "0", "4"}));
  EXPECT_EQ(csv[2], (std::vector<std::string>{"2026-02", "0", "0", "0", "0", "0", "1", "1"}));
  EXPECT_EQ(csv[3], (std::vector<std::string>{"2026-03", "0", "0", "0", "0", "1", "0", "1"}));

  testing::CommandResult table =
      Timeline({"--match", "guan-heng", "--by", "month", "--split", "source"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("MONTH  "));
  EXPECT_THAT(table.out, HasSubstr("臺灣快報  TOTAL\n"));
  EXPECT_THAT(table.out, HasSubstr("6 articles in 3 months\n"));
}

TEST_F(TimelineCommandTest, FiltersAsInQuery) {
  // zh matches zh and zh-Hant.
  EXPECT_EQ(Csv({"--match", "guan-heng", "--lang", "zh", "--by", "month"}),
            (Records{{"bucket", "articles"}, {"2026-01", "1"}, {"2026-02", "1"}}));
  EXPECT_EQ(Csv({"--match", "guan-heng", "--lang", "zh-Hant", "--by", "month"}),
            (Records{{"bucket", "articles"}, {"2026-02", "1"}}));
  EXPECT_EQ(Csv({"--match", "xinjiang", "--source", "BBC 中文", "--by", "month"}),
            (Records{{"bucket", "articles"}, {"2026-01", "1"}, {"2026-02", "1"}}));
  EXPECT_EQ(Csv({"--match", "camps", "--watchlist", "other", "--by", "month"}),
            (Records{{"bucket", "articles"}, {"2026-03", "1"}}));
  EXPECT_EQ(Csv({"--match", "camps", "--watchlist", "case", "--by", "month"}),
            (Records{{"bucket", "articles"}}));
  EXPECT_EQ(Json({"--match", "camps", "--watchlist", "other"})["watchlist"], "other");

  // --since/--until set the rows (until exclusive), zeros included.
  const Records week =
      Csv({"--match", "guan-heng", "--since", "2026-01-24", "--until", "2026-01-30"});
  EXPECT_EQ(week, (Records{{"bucket", "articles"},
                           {"2026-01-24", "0"},
                           {"2026-01-25", "0"},
                           {"2026-01-26", "2"},
                           {"2026-01-27", "0"},
                           {"2026-01-28", "2"},
                           {"2026-01-29", "0"}}));
  // No article in the range: a row of zeros per day, not an empty output.
  EXPECT_EQ(Csv({"--match", "guan-heng", "--since", "2025-06-01", "--until", "2025-06-03"}),
            (Records{{"bucket", "articles"}, {"2025-06-01", "0"}, {"2025-06-02", "0"}}));
  EXPECT_EQ(Csv({"--match", "no-such-target"}), (Records{{"bucket", "articles"}}));
}

TEST_F(TimelineCommandTest, BadInputIsAUsageError) {
  const std::vector<std::vector<std::string>> bad = {
      {},  // --match is required
      {"--match", "guan-heng", "--by", "year"},
      {"--match", "guan-heng", "--split", "feed"},
      {"--match", "guan-heng", "--format", "xml"},
      {"--match", "guan-heng", "--since", "last tuesday"},
      {"--match", "guan-heng", "--until", "2026-13-45"},
      {"--match", "guan-heng", "--since", "2026-02-01", "--until", "2026-01-01"},
  };
  for (const auto& flags : bad) {
    testing::CommandResult r = Timeline(flags);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(flags) << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  testing::CommandResult date = Timeline({"--match", "guan-heng", "--since", "last tuesday"});
  EXPECT_THAT(date.err, HasSubstr("--since: 'last tuesday' is not a date"));
  // Centuries by day would be millions of zero rows: refused, with a way out.
  testing::CommandResult huge =
      Timeline({"--match", "guan-heng", "--since", "1970-01-01", "--until", "2300-01-01"});
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_THAT(huge.err, HasSubstr("more than 100000 days"));
  EXPECT_TRUE(huge.out.empty());
  testing::CommandResult months =
      Timeline({"--match", "guan-heng", "--since", "1970-01-01", "--until", "2300-01-01", "--by",
                "month", "--format", "csv"});
  EXPECT_EQ(months.exit_code, 0) << months.err;
}

TEST(TimelineDatabaseTest, EmptyAndForeignDatabases) {
  testing::TempDir dir;
  const std::string empty = (dir.path() / "empty").string();
  { ASSERT_TRUE(OpenRocksStore(empty, {}).ok()); }
  testing::CommandResult table = RunMw({"timeline", "--db", empty, "--match", "guan-heng"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out, "DAY  ARTICLES\n0 articles in 0 days\n");
  testing::CommandResult csv =
      RunMw({"timeline", "--db", empty, "--match", "guan-heng", "--format", "csv"});
  EXPECT_EQ(csv.out, "bucket,articles\r\n");
  testing::CommandResult json =
      RunMw({"timeline", "--db", empty, "--match", "guan-heng", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(json.out)["buckets"], nlohmann::json::array());

  const std::filesystem::path foreign = dir.path() / "thesis";
  std::filesystem::create_directory(foreign);
  testing::WriteFile(foreign / "notes.txt", "keep me");
  testing::CommandResult r = RunMw({"timeline", "--db", foreign.string(), "--match", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot open database"));
  EXPECT_EQ(testing::ReadFileOrDie(foreign / "notes.txt"), "keep me");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(foreign),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_EQ(
      RunMw({"timeline", "--db", (dir.path() / "missing").string(), "--match", "x"}).exit_code,
      2);  // --db must be an existing directory
}

}  // namespace
}  // namespace mw
