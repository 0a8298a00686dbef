// `mediawatch query` filters and CSV, and `mediawatch stats`, through the real
// binary on a database built once by `mediawatch demo` (the offline snapshot:
// 2 flagged stories per outlet in en, zh, zh-Hant and ug).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "storage/store.h"
#include "tests/integration/sample_db.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using ::testing::HasSubstr;

class QueryCommandTest : public testing::DemoDbSuite {
 protected:
  static testing::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), MEDIAWATCH_BINARY);
    return testing::RunCommand(args);
  }

  // query --format jsonl with extra flags: one parsed object per article.
  static std::vector<nlohmann::json> Query(std::vector<std::string> flags) {
    std::vector<std::string> args = {"query", "--db", db_, "--format", "jsonl"};
    args.insert(args.end(), flags.begin(), flags.end());
    testing::CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<nlohmann::json> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  static std::set<std::string> Field(const std::vector<nlohmann::json>& rows, const char* key) {
    std::set<std::string> values;
    for (const nlohmann::json& row : rows) values.insert(row[key].get<std::string>());
    return values;
  }
};

// The oracle: the unfiltered result, filtered here.
std::vector<std::string> Ids(const std::vector<nlohmann::json>& rows,
                             const std::function<bool(const nlohmann::json&)>& keep) {
  std::vector<std::string> ids;
  for (const nlohmann::json& row : rows) {
    if (keep(row)) ids.push_back(row["id"].get<std::string>());
  }
  return ids;
}

bool HasTarget(const nlohmann::json& row, const std::string& target) {
  for (const nlohmann::json& m : row["matches"]) {
    if (m["target"] == target) return true;
  }
  return false;
}

TEST_F(QueryCommandTest, FiltersByMatchLanguageAndSource) {
  const std::vector<nlohmann::json> all = Query({});
  ASSERT_GE(all.size(), 8u);
  auto all_ids = [&](const std::function<bool(const nlohmann::json&)>& keep) {
    return Ids(all, keep);
  };
  auto ids = [](const std::vector<nlohmann::json>& rows) {
    return Ids(rows, [](const nlohmann::json&) { return true; });
  };
  // Newest first.
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(all[i - 1]["time"].get<std::string>(), all[i]["time"].get<std::string>());
  }

  const std::vector<nlohmann::json> rayhan = Query({"--match", "rayhan-asat"});
  EXPECT_EQ(ids(rayhan), all_ids([](const auto& r) { return HasTarget(r, "rayhan-asat"); }));
  EXPECT_GE(rayhan.size(), 3u);
  for (const nlohmann::json& row : rayhan) {
    EXPECT_GT(row["matches"].size(), 1u);  // all of the article's matches are listed
  }

  auto language = [](const nlohmann::json& r) { return r["language"].get<std::string>(); };
  const auto zh = Query({"--lang", "zh"});
  EXPECT_EQ(ids(zh), all_ids([&](const auto& r) {
              return language(r) == "zh" || language(r).starts_with("zh-");
            }));
  EXPECT_EQ(Field(zh, "language"), (std::set<std::string>{"zh", "zh-Hant"}));
  EXPECT_EQ(ids(Query({"--lang", "zh-hant"})),
            all_ids([&](const auto& r) { return language(r) == "zh-Hant"; }));
  EXPECT_EQ(ids(Query({"--lang", "ug"})),
            all_ids([&](const auto& r) { return language(r) == "ug"; }));

  const auto taiwan = Query({"--source", "臺灣快報"});
  EXPECT_FALSE(taiwan.empty());
  EXPECT_EQ(ids(taiwan), all_ids([](const auto& r) { return r["source"] == "臺灣快報"; }));
  EXPECT_EQ(ids(Query({"--source", "huayu-daily"})),
            all_ids([](const auto& r) { return r["feed"] == "huayu-daily"; }));

  const auto combined = Query({"--match", "rayhan-asat", "--lang", "zh"});
  EXPECT_EQ(ids(combined), all_ids([&](const auto& r) {
              return HasTarget(r, "rayhan-asat") && language(r).starts_with("zh");
            }));
  EXPECT_FALSE(combined.empty());
  EXPECT_EQ(Query({"--match", "rayhan-asat", "--lang", "zh", "--limit", "1"}).size(), 1u);
  EXPECT_TRUE(Query({"--match", "guan-heng", "--source", "no-such-feed"}).empty());
  EXPECT_TRUE(Query({"--match", "guan-heng", "--watchlist", "no-such-list"}).empty());
  EXPECT_TRUE(Query({"--until", "1990-01-01"}).empty());
}

TEST_F(QueryCommandTest, CsvIsRfc4180WithAHeaderAndOneRecordPerArticle) {
  testing::CommandResult r = Run({"query", "--db", db_, "--format", "csv", "--lang", "ug"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(
      r.out.starts_with("time,source,language,title,url,matches,snippet,cluster,cluster_size\r\n"))
      << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\n"));
  // Every LF is part of a CRLF or inside a quoted field; with the quoted
  // fields removed, the records are the CRLF-separated lines.
  std::string unquoted;
  bool quoted = false;
  for (char c : r.out) {
    if (c == '"') quoted = !quoted;
    if (!quoted && c != '"') unquoted += c;
  }
  EXPECT_FALSE(quoted);
  size_t records = 0;
  for (size_t pos = 0; (pos = unquoted.find("\r\n", pos)) != std::string::npos; pos += 2) {
    ++records;
  }
  EXPECT_EQ(records, 1 + Query({"--lang", "ug"}).size());  // header + the Uyghur stories
  EXPECT_GE(records, 3u);
  EXPECT_EQ(unquoted.find('\n'), unquoted.find("\r\n") + 1);
  EXPECT_THAT(r.out, HasSubstr(",ug,"));
  EXPECT_THAT(r.out, HasSubstr("guan-heng-case/guan-heng"));
}

// The demo's outlets each wrote their own stories (no syndicated copies), so
// every flagged article is fingerprinted and alone in its cluster.
TEST_F(QueryCommandTest, DemoStoriesAreEachAloneInTheirCluster) {
  const std::vector<nlohmann::json> rows = Query({});
  ASSERT_FALSE(rows.empty());
  for (const nlohmann::json& row : rows) {
    EXPECT_EQ(row["cluster"], row["id"]) << row.dump();
    EXPECT_EQ(row["cluster_size"], 1) << row.dump();
  }
}

TEST_F(QueryCommandTest, StatsCountsWhatTheStoreHolds) {
  StoreOptions o;
  o.read_only = true;
  Result<std::unique_ptr<Store>> store = OpenRocksStore(db_, o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<StoreStats> want = (*store)->Stats();
  ASSERT_TRUE(want.ok());
  store->reset();

  testing::CommandResult r = Run({"stats", "--db", db_, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], want->schema_version);
  EXPECT_GE(want->schema_version, 5);
  EXPECT_EQ(j["articles"], want->articles);
  EXPECT_EQ(j["feeds"], want->feeds);
  EXPECT_GE(want->feeds, 4);
  EXPECT_GT(j["disk_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(j["per_feed"]["taiwan-dispatch"], want->articles_per_feed.at("taiwan-dispatch"));
  EXPECT_EQ(j["per_language"]["zh-Hant"], want->articles_per_language.at("zh-Hant"));
  // The same counts as `query` lists.
  EXPECT_EQ(j["per_watchlist"]["guan-heng-case"]["articles"], Query({}).size());
  EXPECT_EQ(j["per_watchlist"]["guan-heng-case"]["targets"]["rayhan-asat"],
            Query({"--match", "rayhan-asat"}).size());

  r = Run({"stats", "--db", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Schema version    " + std::to_string(want->schema_version)));
  EXPECT_THAT(r.out, HasSubstr("ARTICLES PER LANGUAGE"));
  EXPECT_THAT(r.out, HasSubstr("taiwan-dispatch"));
}

TEST_F(QueryCommandTest, ForeignDirectoryIsAnErrorAndStaysUntouched) {
  testing::TempDir other;
  testing::WriteFile(other.path() / "thesis.txt", "keep me");
  for (const char* cmd : {"query", "stats"}) {
    testing::CommandResult r = Run({cmd, "--db", other.str()});
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_THAT(r.err, HasSubstr("no mediawatch database")) << cmd;
  }
  EXPECT_EQ(testing::ReadFileOrDie(other.path() / "thesis.txt"), "keep me");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(other.path()),
                          std::filesystem::directory_iterator()),
            1);
}

// --all, --with-text and bad filters, on the sample database.
class QuerySampleTest : public testing::SampleDbSuite {
 protected:
  static testing::CommandResult Query(std::vector<std::string> flags) {
    std::vector<std::string> args = {"query", "--db", db_->dir};
    args.insert(args.end(), flags.begin(), flags.end());
    return testing::RunMw(args);
  }
};

TEST_F(QuerySampleTest, AllIncludesUnflaggedArticles) {
  testing::CommandResult flagged = Query({"--format", "jsonl"});
  ASSERT_EQ(flagged.exit_code, 0) << flagged.err;
  EXPECT_EQ(testing::ParseJsonLines(flagged.out).size(), 7u);
  testing::CommandResult all = Query({"--format", "jsonl", "--all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const std::vector<nlohmann::json> rows = testing::ParseJsonLines(all.out);
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [](const nlohmann::json& r) { return r["matches"].empty(); }),
            1);
  EXPECT_FALSE(rows[0].contains("text"));
  // Filters still apply.
  EXPECT_EQ(testing::ParseJsonLines(Query({"--format", "jsonl", "--all", "--source", "Daily"}).out)
                .size(),
            2u);
  testing::CommandResult table = Query({"--all"});
  EXPECT_THAT(table.out, HasSubstr("Weather, today"));
  EXPECT_TRUE(table.out.ends_with("8 articles (7 flagged)\n")) << table.out;
}

TEST_F(QuerySampleTest, WithTextAddsTheTextToJsonlAndCsv) {
  testing::CommandResult jsonl =
      Query({"--format", "jsonl", "--with-text", "--match", "guan-heng", "--lang", "zh"});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  const std::vector<nlohmann::json> rows = testing::ParseJsonLines(jsonl.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["text"], db_->articles.at("taiwan").text);
  EXPECT_EQ(rows[1]["text"], db_->articles.at("bbc").text);

  testing::CommandResult csv = Query({"--format", "csv", "--with-text", "--lang", "ug"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto records = testing::ReadCsv(csv.out);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].back(), "text");
  EXPECT_EQ(records[1].back(), db_->articles.at("uyghur").text);
  EXPECT_EQ(records[1][3], db_->articles.at("uyghur").title);

  testing::CommandResult table = Query({"--with-text"});
  EXPECT_EQ(table.exit_code, 2);
  EXPECT_THAT(table.err, HasSubstr("--with-text needs --format jsonl or csv"));
}

TEST_F(QuerySampleTest, BadFiltersAreUsageErrors) {
  for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
           {"--since", "2026-02-30x"},
           {"--until", "tomorrow"},
           {"--since", "2026-02-01", "--until", "2026-01-01"},
           {"--format", "xml"},
           {"--limit", "0"},
       }) {
    testing::CommandResult r = Query(flags);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(flags) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST(QueryDatabaseTest, EmptyDatabase) {
  testing::TempDir dir;
  const std::string empty = (dir.path() / "empty").string();
  { ASSERT_TRUE(OpenRocksStore(empty, {}).ok()); }
  testing::CommandResult r = testing::RunMw({"query", "--db", empty, "--all"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 flagged articles"));
  r = testing::RunMw({"query", "--db", empty, "--format", "csv"});
  EXPECT_EQ(r.out, "time,source,language,title,url,matches,snippet,cluster,cluster_size\r\n");
}

}  // namespace
}  // namespace mw
