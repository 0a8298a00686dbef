// `mediawatch digest` through the real binary, on the database `mediawatch
// demo` crawls from the offline snapshot (four outlets in en, zh, zh-Hant
// and ug) with the example watch-list: local days in several zones, every
// format, --output, and bad arguments.
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
using ::testing::Not;
using testing::RunMw;

// The demo's Taiwanese story 關恆庇護案開庭 was published 2026-01-29T00:30Z:
// on 01-29 in Shanghai and on 01-28 in New York.
constexpr char kTaiwanTitle[] = "關恆庇護案開庭";

class DigestCommandTest : public testing::DemoDbSuite {
 protected:
  static testing::CommandResult Digest(std::vector<std::string> flags) {
    std::vector<std::string> args = {"digest", "--db", db_, "--watchlist", "guan-heng-case"};
    args.insert(args.end(), flags.begin(), flags.end());
    return RunMw(args);
  }
  static std::string Config() { return (testing::SourceDir() / "feeds").string(); }
  static nlohmann::json Json(std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--format", "json", "--config", Config()});
    testing::CommandResult r = Digest(flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
};

TEST_F(DigestCommandTest, LocalDayFollowsTheTimeZone) {
  nlohmann::json shanghai = Json({"--date", "2026-01-29", "--tz", "Asia/Shanghai"});
  ASSERT_TRUE(shanghai.is_object());
  EXPECT_EQ(shanghai["watchlist_name"], "Guan Heng case");
  EXPECT_EQ(shanghai["since"], "2026-01-28T16:00:00Z");
  ASSERT_EQ(shanghai["stories"].size(), 1u);
  EXPECT_THAT(shanghai["stories"][0]["title"].get<std::string>(), HasSubstr(kTaiwanTitle));
  EXPECT_EQ(shanghai["stories"][0]["local_time"], "2026-01-29T08:30:00+08:00");
  EXPECT_EQ(shanghai["sparklines"][0]["counts"].size(), 30u);

  nlohmann::json new_york = Json({"--date", "2026-01-28", "--tz", "America/New_York"});
  ASSERT_EQ(new_york["stories"].size(), 1u);
  EXPECT_EQ(new_york["stories"][0]["local_time"], "2026-01-28T19:30:00-05:00");
  nlohmann::json utc = Json({"--date", "2026-01-28"});
  EXPECT_EQ(utc["stories"].size(), 0u);
}

TEST_F(DigestCommandTest, PeriodOfSeveralDaysInEveryFormat) {
  const std::vector<std::string> period = {"--since", "2025-12-01",    "--until",  "2026-02-01",
                                           "--tz",    "Asia/Shanghai", "--config", Config()};
  nlohmann::json j = Json({"--since", "2025-12-01", "--until", "2026-02-01"});
  EXPECT_EQ(j["stories_count"], 9);
  EXPECT_EQ(j["languages"], nlohmann::json({{"en", 2}, {"ug", 2}, {"zh", 3}, {"zh-Hant", 2}}));

  std::vector<std::string> html_flags = period;
  testing::CommandResult html = Digest(html_flags);
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_TRUE(html.out.starts_with("<!DOCTYPE html>")) << html.out.substr(0, 200);
  EXPECT_THAT(html.out, HasSubstr(kTaiwanTitle));
  EXPECT_THAT(html.out, HasSubstr("<mark"));
  EXPECT_THAT(html.out, HasSubstr("role=\"img\""));
  EXPECT_THAT(html.out, HasSubstr("lang=\"ug\" dir=\"rtl\""));
  EXPECT_THAT(html.out, Not(HasSubstr("<script")));
  EXPECT_THAT(html.out, Not(HasSubstr("src=")));

  std::vector<std::string> md_flags = period;
  md_flags.insert(md_flags.end(), {"--format", "md"});
  testing::CommandResult md = Digest(md_flags);
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(
      md.out.starts_with("# Guan Heng case: digest for 2025-12-01 to 2026-01-31 "
                         "(Asia/Shanghai)\n"))
      << md.out.substr(0, 200);
  EXPECT_THAT(md.out, HasSubstr("**關恆**"));
}

TEST_F(DigestCommandTest, OutputFileAndTemplates) {
  testing::TempDir dir;
  const std::string out = (dir.path() / "digest.md").string();
  testing::WriteFile(dir.path() / "tpl" / "digest.md.mustache",
                     "{{{watchlist_name}}}|{{{story_count}}}|{{#stories}}{{{language}}} "
                     "{{/stories}}\n");
  testing::CommandResult r =
      Digest({"--date", "2026-01-29", "--tz", "Asia/Shanghai", "--format", "md", "--config",
              Config(), "--templates", (dir.path() / "tpl").string(), "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(testing::ReadFileOrDie(out), "Guan Heng case|1|zh-Hant \n");
}

TEST_F(DigestCommandTest, WithoutTheWatchlistFileIdsAreShown) {
  testing::TempDir empty;
  testing::CommandResult r = Digest({"--date", "2026-01-29", "--tz", "Asia/Shanghai", "--format",
                                     "json", "--config", empty.str()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_EQ(j["watchlist_name"], "guan-heng-case");
  EXPECT_EQ(j["stories"].size(), 1u);
}

TEST_F(DigestCommandTest, BadArgumentsExit2) {
  const std::vector<std::vector<std::string>> bad = {
      {"--tz", "Mars/Olympus_Mons"},
      {"--date", "2026-02-30"},
      {"--date", "2026-01-28", "--since", "2026-01-01", "--until", "2026-01-02"},
      {"--since", "2026-01-01"},
      {"--since", "2026-01-05", "--until", "2026-01-01"},
      {"--format", "pdf"},
  };
  for (const auto& flags : bad) {
    testing::CommandResult r = Digest(flags);
    EXPECT_EQ(r.exit_code, 2) << flags[0] << " " << flags[1] << ": " << r.err;
  }
  testing::CommandResult zone = Digest({"--tz", "Mars/Olympus_Mons"});
  EXPECT_THAT(zone.err, HasSubstr("unknown time zone 'Mars/Olympus_Mons'"));
}

TEST_F(DigestCommandTest, MissingWatchlistExit1) {
  testing::CommandResult r = RunMw({"digest", "--db", db_, "--watchlist", "no-such-list",
                                    "--config", Config(), "--date", "2026-01-28"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("watch-list 'no-such-list' is not in"));
  testing::TempDir dir;
  r = RunMw({"digest", "--db", (dir.path() / "none").string(), "--watchlist", "x"});
  EXPECT_EQ(r.exit_code, 2);  // --db must exist
}

}  // namespace
}  // namespace mw
