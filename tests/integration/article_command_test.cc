// `mediawatch article --db DIR ID|URL [--json]` through the real binary: on
// the demo database (built once by `mediawatch demo`), and on a database with
// a syndication cluster written through the Store API, which `query` must
// mark with the number of copies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/integration/sample_db.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using ::testing::HasSubstr;

using testing::RunMw;

class ArticleCommandTest : public testing::DemoDbSuite {
 protected:
  // The newest flagged demo article, as `query --format jsonl` shows it.
  static nlohmann::json FirstHit() {
    testing::CommandResult r = RunMw({"query", "--db", db_, "--format", "jsonl", "--limit", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    std::getline(lines, line);
    return nlohmann::json::parse(line);
  }
};

TEST_F(ArticleCommandTest, ShowsMetadataMatchesClusterAndTextById) {
  const nlohmann::json hit = FirstHit();
  const std::string id = hit["id"];
  testing::CommandResult r = RunMw({"article", "--db", db_, id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Title:     " + hit["title"].get<std::string>()));
  EXPECT_THAT(r.out, HasSubstr("URL:       " + hit["url"].get<std::string>()));
  EXPECT_THAT(r.out, HasSubstr("MATCHES (" + std::to_string(hit["matches"].size()) + ")"));
  EXPECT_THAT(r.out, HasSubstr("guan-heng-case/guan-heng entity"));
  EXPECT_THAT(r.out, HasSubstr("CLUSTER " + id + " (1 article, oldest first)"));
  EXPECT_THAT(r.out, HasSubstr("\nTEXT (as first stored)\n"));
}

TEST_F(ArticleCommandTest, JsonByUrlWithTrackingParameters) {
  const nlohmann::json hit = FirstHit();
  // The URL is canonicalized as the crawler stores it: utm_* dropped.
  const std::string url = hit["url"].get<std::string>() + "?utm_source=newsletter";
  testing::CommandResult r = RunMw({"article", "--db", db_, url, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["id"], hit["id"]);
  EXPECT_EQ(j["title"], hit["title"]);
  EXPECT_EQ(j["time"], hit["time"]);
  EXPECT_FALSE(j["text"].get<std::string>().empty());
  EXPECT_EQ(j["matches"], hit["matches"]);
  EXPECT_EQ(j["cluster"], hit["id"]);
  EXPECT_EQ(j["cluster_size"], 1);
  ASSERT_EQ(j["cluster_members"].size(), 1u);
  EXPECT_EQ(j["cluster_members"][0]["id"], hit["id"]);
  EXPECT_EQ(j["cluster_members"][0]["url"], hit["url"]);
}

TEST_F(ArticleCommandTest, UnknownArticleAndBadInput) {
  testing::CommandResult missing = RunMw({"article", "--db", db_, "0123456789abcdef"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no article 0123456789abcdef"));
  testing::CommandResult unknown_url = RunMw({"article", "--db", db_, "http://nowhere.test/x"});
  EXPECT_EQ(unknown_url.exit_code, 1);
  testing::CommandResult bad = RunMw({"article", "--db", db_, "not a url"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("neither an article id"));
  testing::TempDir empty;
  EXPECT_EQ(RunMw({"article", "--db", empty.str(), "0123456789abcdef"}).exit_code, 1);
  EXPECT_EQ(RunMw({"article", "--db", db_}).exit_code, 2);
}

// Three copies of one wire story at three outlets and one other story,
// stored through the Store API with their fingerprints.
TEST(ArticleClusterTest, ArticleListsCopiesAndQueryMarksThem) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  const char* const sources[] = {"Wire", "Daily", "Evening"};
  std::vector<std::string> ids;
  {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(db, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 4; ++i) {
      ArticleRecord a;
      a.url = "http://outlet" + std::to_string(i) + ".test/story.html";
      a.id = ArticleIdForUrl(a.url);
      a.source = i < 3 ? sources[i] : "Other";
      a.feed_id = "feed" + std::to_string(i);
      a.language = "en";
      a.title = i < 3 ? "Wire story at " + a.source : "Another story";
      a.text = "Text of " + a.title;
      a.fetched_at = 1767225600 + i * 3600;
      // Copies 2 and 4 bits from the first; the other story far away.
      a.simhash = i == 0   ? 0x0123456789abcdefULL
                  : i == 1 ? 0x0123456789abcdecULL
                  : i == 2 ? 0x0123456789abc0efULL
                           : 0xfedcba9876543210ULL;
      MatchRecord m;
      m.watchlist_id = "case";
      m.target_id = "story";
      m.kind = "keyword";
      m.term = "story";
      m.field = "title";
      m.count = 1;
      ASSERT_TRUE(*(*store)->PutArticle(a, {m}));
      ids.push_back(a.id);
    }
  }
  testing::CommandResult r = RunMw({"article", "--db", db, ids[2], "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cluster"], ids[0]);
  EXPECT_EQ(j["cluster_size"], 3);
  ASSERT_EQ(j["cluster_members"].size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(j["cluster_members"][i]["id"], ids[i]);  // oldest first
    EXPECT_EQ(j["cluster_members"][i]["source"], sources[i]);
  }
  testing::CommandResult text = RunMw({"article", "--db", db, ids[1]});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("CLUSTER " + ids[0] + " (3 articles, oldest first)"));
  EXPECT_THAT(text.out, HasSubstr("* 2026-01-01T01:00:00Z  Daily  Wire story at Daily"));

  testing::CommandResult table = RunMw({"query", "--db", db});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("[3] Wire story at Evening"));
  EXPECT_THAT(table.out, HasSubstr("[3] Wire story at Wire"));
  EXPECT_THAT(table.out, HasSubstr(" Another story"));
  EXPECT_EQ(table.out.find("] Another story"), std::string::npos);

  testing::CommandResult csv = RunMw({"query", "--db", db, "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, HasSubstr("," + ids[0] + ",3\r\n"));
  EXPECT_THAT(csv.out, HasSubstr("," + ids[3] + ",1\r\n"));
}

// On the sample database: alias URLs, the archived page, matches in two
// watch-lists, an unflagged article.
class ArticleSampleTest : public testing::SampleDbSuite {
 protected:
  static nlohmann::json Json(const std::string& key) {
    testing::CommandResult r = RunMw({"article", "--db", db_->dir, key, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
};

TEST_F(ArticleSampleTest, AnAliasUrlFindsTheArticle) {
  const std::string wire = db_->ids.at("wire");
  // The feed's link, which led to a page naming another rel=canonical; also
  // with tracking parameters, which canonicalization drops.
  EXPECT_EQ(Json("http://feeds.wire.test/item?id=17")["id"], wire);
  EXPECT_EQ(Json("http://feeds.wire.test/item?id=17&utm_source=x")["id"], wire);
  EXPECT_EQ(Json("HTTP://WIRE.test:80/2026/guan-heng.html#top")["id"], wire);
  const nlohmann::json j = Json(wire);
  EXPECT_EQ(j["urls"], nlohmann::json({"http://wire.test/2026/guan-heng.html",
                                       "http://feeds.wire.test/item?id=17"}));
  EXPECT_EQ(j["raw_html_bytes"], testing::SampleRawHtml().size());
  EXPECT_EQ(j["versions"], nlohmann::json::parse(
                               R"([{"number":1,"kind":"first","time":"2026-01-26T09:05:00Z"}])"));
  EXPECT_EQ(j["text"], db_->articles.at("wire").text);
  EXPECT_EQ(j["cluster_size"], 2);
  EXPECT_EQ(j["cluster_members"][1]["id"], db_->ids.at("daily"));

  testing::CommandResult text = RunMw({"article", "--db", db_->dir, wire});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out,
              HasSubstr("URL:       http://wire.test/2026/guan-heng.html\n"
                        "Also at:   http://feeds.wire.test/item?id=17\n"
                        "From URL:  http://wire.test/2026/guan-heng.html?utm_source=feed\n"));
  EXPECT_THAT(text.out, HasSubstr("Versions:  1 (first fetched 2026-01-26T09:05:00Z)"));
  EXPECT_THAT(text.out, HasSubstr("Raw HTML:  " + std::to_string(testing::SampleRawHtml().size()) +
                                  " bytes archived"));
  EXPECT_THAT(text.out, HasSubstr("CLUSTER " + wire + " (2 articles, oldest first)\n* "));
}

TEST_F(ArticleSampleTest, HtmlPrintsTheArchivedBytesExactly) {
  testing::CommandResult r = RunMw({"article", "--db", db_->dir, db_->ids.at("wire"), "--html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, testing::SampleRawHtml());  // GB18030 bytes, not re-encoded

  r = RunMw({"article", "--db", db_->dir, db_->ids.at("bbc"), "--html"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("has no archived page"));
  EXPECT_TRUE(r.out.empty());
  r = RunMw({"article", "--db", db_->dir, "0123456789abcdef", "--html"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no article 0123456789abcdef"));
  EXPECT_EQ(RunMw({"article", "--db", db_->dir, db_->ids.at("wire"), "--html", "--json"}).exit_code,
            2);
  testing::CommandResult text = RunMw({"article", "--db", db_->dir, db_->ids.at("bbc")});
  EXPECT_THAT(text.out, HasSubstr("Raw HTML:  (not archived)\n"));
}

TEST_F(ArticleSampleTest, MatchesInEveryWatchlistAndUnflaggedArticles) {
  const nlohmann::json uyghur = Json(db_->ids.at("uyghur"));
  ASSERT_EQ(uyghur["matches"].size(), 2u);
  EXPECT_EQ(uyghur["matches"][0]["watchlist"], "case");
  EXPECT_EQ(uyghur["matches"][1]["watchlist"], "other");
  EXPECT_EQ(uyghur["matches"][1]["term"], "لاگېر");
  EXPECT_TRUE(uyghur["published"].is_null());
  EXPECT_EQ(uyghur["time"], "2026-03-02T12:00:00Z");

  const nlohmann::json weather = Json(db_->ids.at("weather"));
  EXPECT_EQ(weather["matches"], nlohmann::json::array());
  EXPECT_TRUE(weather["cluster"].is_null());
  EXPECT_EQ(weather["cluster_size"], 0);
  testing::CommandResult text = RunMw({"article", "--db", db_->dir, db_->ids.at("weather")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("MATCHES (0)\n  (none)\n"));
  EXPECT_THAT(text.out, HasSubstr("CLUSTER\n  (no fingerprint"));
}

TEST(ArticleDatabaseTest, EmptyAndForeignDatabases) {
  testing::TempDir dir;
  const std::string empty = (dir.path() / "empty").string();
  { ASSERT_TRUE(OpenRocksStore(empty, {}).ok()); }
  testing::CommandResult r = RunMw({"article", "--db", empty, "http://a.test/x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no article http://a.test/x"));
  testing::WriteFile(dir.path() / "foreign" / "notes.txt", "keep me");
  r = RunMw({"article", "--db", (dir.path() / "foreign").string(), "0123456789abcdef"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot open database"));
  EXPECT_EQ(testing::ReadFileOrDie(dir.path() / "foreign" / "notes.txt"), "keep me");
}

}  // namespace
}  // namespace mw
