// `mediawatch export` through the real binary: every article (flagged or
// not) with its text, as JSON lines and as RFC 4180 CSV read back by a
// strict reader and by Python's csv module; the filters; --output; paging
// through a database larger than one page with many articles sharing a
// timestamp; bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/sample_db.h"

namespace mw {
namespace {

using ::testing::HasSubstr;
using testing::ParseJsonLines;
using testing::ReadCsv;
using testing::RunMw;

class ExportCommandTest : public testing::SampleDbSuite {
 protected:
  static std::vector<nlohmann::json> Jsonl(std::vector<std::string> flags) {
    std::vector<std::string> args = {"export", "--db", db_->dir, "--format", "jsonl"};
    args.insert(args.end(), flags.begin(), flags.end());
    testing::CommandResult r = RunMw(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ParseJsonLines(r.out);
  }

  static std::set<std::string> Names(const std::vector<nlohmann::json>& rows) {
    std::set<std::string> names;
    for (const nlohmann::json& row : rows) {
      for (const auto& [name, id] : db_->ids) {
        if (row["id"] == id) names.insert(name);
      }
    }
    EXPECT_EQ(names.size(), rows.size());
    return names;
  }
};

TEST_F(ExportCommandTest, JsonlHasEveryArticleWithAllFieldsAndText) {
  const std::vector<nlohmann::json> rows = Jsonl({});
  ASSERT_EQ(rows.size(), db_->ids.size());  // the unflagged article too
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GE(rows[i - 1]["time"].get<std::string>(), rows[i]["time"].get<std::string>());
  }
  for (const nlohmann::json& row : rows) {
    const std::string name = *Names({row}).begin();
    const ArticleRecord& a = db_->articles.at(name);
    EXPECT_EQ(row["url"], a.url) << name;
    EXPECT_EQ(row["title"], a.title) << name;
    EXPECT_EQ(row["text"], a.text) << name;
    EXPECT_EQ(row["source"], a.source) << name;
    EXPECT_EQ(row["feed"], a.feed_id) << name;
    EXPECT_EQ(row["language"], a.language) << name;
    EXPECT_EQ(row["fetched_url"], a.fetched_url) << name;
    EXPECT_EQ(row["charset"], a.charset) << name;
    EXPECT_TRUE(row.contains("byline") && row.contains("simhash") && row.contains("published"));
    EXPECT_EQ(row["cluster"].is_null(), a.cluster_id.empty()) << name;
  }
  const auto by_name = [&](const std::string& name) {
    for (const nlohmann::json& row : rows) {
      if (row["id"] == db_->ids.at(name)) return row;
    }
    return nlohmann::json();
  };
  EXPECT_EQ(by_name("weather")["matches"], nlohmann::json::array());
  EXPECT_EQ(by_name("bbc")["matches"].size(), 2u);
  EXPECT_TRUE(by_name("uyghur")["published"].is_null());
  EXPECT_EQ(by_name("uyghur")["time"], "2026-03-02T12:00:00Z");
  // The wire story and its copy at another outlet form one cluster.
  EXPECT_EQ(by_name("daily")["cluster"], db_->ids.at("wire"));
  EXPECT_EQ(by_name("daily")["cluster_size"], 2);
  EXPECT_EQ(by_name("wire")["simhash"], "0123456789abcdef");
}

TEST_F(ExportCommandTest, CsvRoundTripsCommasQuotesNewlinesChineseAndUyghur) {
  testing::CommandResult r = RunMw({"export", "--db", db_->dir, "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.starts_with("\xEF\xBB\xBF"));  // no BOM
  const std::vector<std::vector<std::string>> records = ReadCsv(r.out);
  ASSERT_EQ(records.size(), 1 + db_->ids.size());
  EXPECT_EQ(records[0],
            (std::vector<std::string>{"time", "source", "language", "title", "url", "matches",
                                      "snippet", "cluster", "cluster_size", "text"}));
  std::set<std::string> seen;
  for (size_t i = 1; i < records.size(); ++i) {
    ASSERT_EQ(records[i].size(), 10u);
    for (const auto& [name, a] : db_->articles) {
      if (records[i][4] != a.url) continue;
      seen.insert(name);
      EXPECT_EQ(records[i][3], a.title) << name;
      EXPECT_EQ(records[i][9], a.text) << name;  // CRLF and LF inside the field survive
      EXPECT_EQ(records[i][1], a.source.empty() ? a.feed_id : a.source) << name;
      EXPECT_EQ(records[i][2], a.language) << name;
    }
  }
  EXPECT_EQ(seen.size(), db_->ids.size());
  EXPECT_THAT(r.out, HasSubstr("\"关恒说：\"\"我拍摄了\"\"，\n第二段，新疆。\""));
}

TEST_F(ExportCommandTest, FiltersAsInQueryAndUnflaggedByDefault) {
  using Set = std::set<std::string>;
  EXPECT_EQ(Names(Jsonl({"--match", "guan-heng"})),
            (Set{"wire", "daily", "bbc", "misc", "taiwan", "uyghur"}));
  EXPECT_EQ(Names(Jsonl({"--lang", "en"})), (Set{"wire", "daily", "weather"}));
  EXPECT_EQ(Names(Jsonl({"--lang", "en", "--flagged-only"})), (Set{"wire", "daily"}));
  EXPECT_EQ(Names(Jsonl({"--lang", "zh"})), (Set{"bbc", "taiwan", "xinjiang"}));
  EXPECT_EQ(Names(Jsonl({"--source", "Daily"})), (Set{"daily", "weather"}));
  EXPECT_EQ(Names(Jsonl({"--watchlist", "other"})), (Set{"uyghur"}));
  EXPECT_EQ(Names(Jsonl({"--since", "2026-01-27", "--until", "2026-01-28T12:00:00Z"})),
            (Set{"weather", "bbc"}));
  EXPECT_TRUE(Jsonl({"--match", "no-such-target"}).empty());
}

TEST_F(ExportCommandTest, OutputFileIsWrittenWhole) {
  testing::TempDir out_dir;
  const std::string path = (out_dir.path() / "all.jsonl").string();
  testing::WriteFile(path, "old contents\n");
  testing::CommandResult r =
      RunMw({"export", "--db", db_->dir, "--format", "jsonl", "--output", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_THAT(r.err, HasSubstr("exported 8 articles (7 flagged) to " + path));
  EXPECT_EQ(ParseJsonLines(testing::ReadFileOrDie(path)).size(), 8u);
  // Nothing else is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out_dir.path()),
                          std::filesystem::directory_iterator()),
            1);
  // -q: no summary.
  r = RunMw({"export", "--db", db_->dir, "--format", "csv", "-o", path, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_EQ(ReadCsv(testing::ReadFileOrDie(path)).size(), 9u);

  const std::string nowhere = (out_dir.path() / "missing" / "x.csv").string();
  r = RunMw({"export", "--db", db_->dir, "--format", "csv", "--output", nowhere});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot write " + nowhere));
}

TEST_F(ExportCommandTest, BadInput) {
  for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
           {},  // --format is required
           {"--format", "xml"},
           {"--format", "jsonl", "--since", "yesterday"},
           {"--format", "jsonl", "--since", "2026-02-01", "--until", "2026-02-01"},
       }) {
    std::vector<std::string> args = {"export", "--db", db_->dir};
    args.insert(args.end(), flags.begin(), flags.end());
    testing::CommandResult r = RunMw(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(flags) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST(ExportDatabaseTest, EmptyAndForeignDatabases) {
  testing::TempDir dir;
  const std::string empty = (dir.path() / "empty").string();
  { ASSERT_TRUE(OpenRocksStore(empty, {}).ok()); }
  testing::CommandResult r = RunMw({"export", "--db", empty, "--format", "jsonl"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  r = RunMw({"export", "--db", empty, "--format", "csv"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "time,source,language,title,url,matches,snippet,cluster,cluster_size,text\r\n");

  testing::WriteFile(dir.path() / "foreign" / "notes.txt", "keep me");
  r = RunMw({"export", "--db", (dir.path() / "foreign").string(), "--format", "csv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot open database"));
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(testing::ReadFileOrDie(dir.path() / "foreign" / "notes.txt"), "keep me");
}

// More articles than one page (500), in runs of 7 sharing a timestamp so
// that page boundaries fall inside a run: each article exactly once, in
// (time, id) descending order.
TEST(ExportPagingTest, EveryArticleExactlyOnceAcrossPages) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  constexpr int kArticles = 1203;
  std::set<std::string> written;
  {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(db, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < kArticles; ++i) {
      ArticleRecord a;
      a.url = "http://bulk.test/" + std::to_string(i);
      a.id = ArticleIdForUrl(a.url);
      a.source = i % 2 ? "Odd" : "Even";
      a.feed_id = "bulk";
      a.language = i % 3 ? "en" : "zh";
      a.title = "Article, \"" + std::to_string(i) + "\"";
      a.text = "Text\n" + std::to_string(i);
      a.published = 1767225600 + (i / 7) * 60;
      a.fetched_at = *a.published;
      std::vector<MatchRecord> matches;
      if (i % 5 == 0) matches.push_back(testing::SampleMatch("case", "bulk", "Article"));
      ASSERT_TRUE(*(*store)->PutArticle(a, matches));
      written.insert(a.id);
    }
  }
  testing::CommandResult r = RunMw({"export", "--db", db, "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<nlohmann::json> rows = ParseJsonLines(r.out);
  ASSERT_EQ(rows.size(), static_cast<size_t>(kArticles));
  std::set<std::string> exported;
  for (size_t i = 0; i < rows.size(); ++i) {
    exported.insert(rows[i]["id"].get<std::string>());
    if (i == 0) continue;
    const auto key = [](const nlohmann::json& row) {
      return std::make_pair(row["time"].get<std::string>(), row["id"].get<std::string>());
    };
    EXPECT_GT(key(rows[i - 1]), key(rows[i])) << "row " << i;
  }
  EXPECT_EQ(exported, written);

  r = RunMw({"export", "--db", db, "--format", "csv", "--match", "bulk"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ParseRfc4180(r.out).size(), 1u + (kArticles + 4) / 5);
}

}  // namespace
}  // namespace mw
