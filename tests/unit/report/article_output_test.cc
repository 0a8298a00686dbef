#include "report/article_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mw {
namespace {

ArticleRecord Record(std::string id, std::string source, int64_t fetched_at) {
  ArticleRecord a;
  a.id = std::move(id);
  a.url = "http://" + a.id + ".test/story";
  a.source = std::move(source);
  a.feed_id = "feed-" + a.source;
  a.language = "zh";
  a.title = "关恒案 " + a.source;
  a.fetched_at = fetched_at;
  return a;
}

ArticleView View() {
  ArticleView v;
  v.article = Record("0123456789abcdef", "Daily", 1767229200);
  v.article.fetched_url = "http://feed.test/redirect?id=1";
  v.article.text = "第一段。\n第二段。";
  v.article.published = 1767225600;
  v.article.simhash = 0x0123456789abcdefULL;
  v.article.cluster_id = "fedcba9876543210";
  v.article.charset = "gb18030";
  v.urls = {v.article.url, "http://feed.test/alias"};
  MatchRecord m;
  m.watchlist_id = "case";
  m.target_id = "guan-heng";
  m.kind = "entity";
  m.term = "关恒";
  m.field = "title";
  m.count = 2;
  m.snippet = "关恒案";
  v.matches = {m};
  v.cluster_members = {Record("fedcba9876543210", "Wire", 1767225000), v.article};
  v.raw_html_bytes = 123456;
  return v;
}

TEST(ArticleTextTest, ShowsUrlsMatchesClusterArchiveAndText) {
  const std::string out = FormatArticleText(View());
  EXPECT_NE(out.find("Title:     关恒案 Daily\n"), std::string::npos) << out;
  EXPECT_NE(out.find("URL:       http://0123456789abcdef.test/story\n"), std::string::npos);
  EXPECT_NE(out.find("Also at:   http://feed.test/alias\n"), std::string::npos);
  EXPECT_NE(out.find("From URL:  http://feed.test/redirect?id=1\n"), std::string::npos);
  EXPECT_NE(out.find("Published: 2026-01-01T00:00:00Z\n"), std::string::npos);
  EXPECT_NE(out.find("Versions:  1 (first fetched 2026-01-01T01:00:00Z)"), std::string::npos);
  EXPECT_NE(out.find("SimHash:   0123456789abcdef\n"), std::string::npos);
  EXPECT_NE(out.find("Raw HTML:  123,456 bytes archived"), std::string::npos);
  EXPECT_NE(out.find("MATCHES (1)\n  case/guan-heng entity \"关恒\" in title, 2x: 关恒案\n"),
            std::string::npos);
  EXPECT_NE(out.find("CLUSTER fedcba9876543210 (2 articles, oldest first)\n"), std::string::npos);
  EXPECT_NE(
      out.find("  2025-12-31T23:50:00Z  Wire  关恒案 Wire  http://fedcba9876543210.test/story\n"
               "* 2026-01-01T00:00:00Z  Daily"),
      std::string::npos)
      << out;
  EXPECT_TRUE(out.ends_with("\nTEXT (as first stored)\n第一段。\n第二段。\n"));
}

TEST(ArticleTextTest, NothingArchivedNoFingerprintNoMatches) {
  ArticleView v = View();
  v.raw_html_bytes.reset();
  v.article.cluster_id.clear();
  v.cluster_members.clear();
  v.matches.clear();
  v.urls = {v.article.url};
  const std::string out = FormatArticleText(v);
  EXPECT_NE(out.find("Raw HTML:  (not archived)\n"), std::string::npos);
  EXPECT_NE(out.find("MATCHES (0)\n  (none)\n"), std::string::npos);
  EXPECT_NE(out.find("CLUSTER\n  (no fingerprint"), std::string::npos);
  EXPECT_EQ(out.find("Also at:"), std::string::npos);
}

TEST(ArticleTextTest, TruncatedClusterSaysSo) {
  ArticleView v = View();
  v.cluster_members_truncated = true;
  const std::string out = FormatArticleText(v);
  EXPECT_NE(out.find("(2+ articles, oldest first)"), std::string::npos);
  EXPECT_NE(out.find("... and more"), std::string::npos);
}

// A page may carry terminal escape sequences; printing it must not run them.
TEST(ArticleTextTest, ControlCharactersCannotReachTheTerminal) {
  ArticleView v = View();
  v.article.title = "Title\x1b]0;pwned\x07\x1b[2J\rX";
  v.article.text =
      "para one\x1b[31m red\nline two\xc2\x9b"
      "1m";
  v.matches[0].snippet = "snip\npet";
  const std::string out = FormatArticleText(v);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\x07'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(out.find("Title:     Title ]0;pwned  [2J X\n"), std::string::npos) << out;
  EXPECT_NE(out.find("para one [31m red\nline two 1m\n"), std::string::npos);  // LF kept in text
  EXPECT_NE(out.find(": snip pet\n"), std::string::npos);  // not in one-line fields
}

TEST(ArticleJsonTest, IsTheExportRecordPlusUrlsClusterArchiveAndVersions) {
  const auto j = nlohmann::json::parse(FormatArticleJson(View()));
  EXPECT_EQ(j["id"], "0123456789abcdef");
  EXPECT_EQ(j["text"], "第一段。\n第二段。");
  EXPECT_EQ(j["published"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(j["time"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(j["fetched_url"], "http://feed.test/redirect?id=1");
  EXPECT_EQ(j["charset"], "gb18030");
  EXPECT_EQ(j["simhash"], "0123456789abcdef");
  EXPECT_EQ(j["urls"],
            nlohmann::json({"http://0123456789abcdef.test/story", "http://feed.test/alias"}));
  EXPECT_EQ(j["matches"][0]["target"], "guan-heng");
  EXPECT_EQ(j["cluster"], "fedcba9876543210");
  EXPECT_EQ(j["cluster_size"], 2);
  ASSERT_EQ(j["cluster_members"].size(), 2u);
  EXPECT_EQ(j["cluster_members"][0]["source"], "Wire");
  EXPECT_EQ(j["cluster_members_truncated"], false);
  EXPECT_EQ(j["raw_html_bytes"], 123456);
  ASSERT_EQ(j["versions"].size(), 1u);
  EXPECT_EQ(j["versions"][0]["time"], "2026-01-01T01:00:00Z");
  EXPECT_EQ(j["versions"][0]["kind"], "first");

  ArticleView bare = View();
  bare.raw_html_bytes.reset();
  bare.article.cluster_id.clear();
  bare.cluster_members.clear();
  bare.article.title = "bad \xff utf-8";
  const auto k = nlohmann::json::parse(FormatArticleJson(bare));
  EXPECT_TRUE(k["raw_html_bytes"].is_null());
  EXPECT_TRUE(k["cluster"].is_null());
  EXPECT_EQ(k["cluster_size"], 0);
  EXPECT_EQ(k["title"], "bad \xEF\xBF\xBD utf-8");
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST(ArticleVersionsTest, EditsRemovalsAndRestorationsAreListedWithDiffs) {
  ArticleView v = View();
  ArticleVersion edited;
  edited.number = 2;
  edited.kind = "edited";
  edited.found_at = 1767232800;  // 2026-01-01T02:00:00Z
  edited.title = "New title\x1b[2J";
  edited.text = "第一段。\n第三段。";
  edited.diff = "@@ paragraph 2 @@\n- 第二段。\n+ 第三段。\n";
  edited.http_status = 200;
  ArticleVersion removed;
  removed.number = 3;
  removed.kind = "removed";
  removed.found_at = 1767250800;
  removed.reason = "HTTP 404";
  removed.http_status = 404;
  v.versions = {edited, removed};
  const std::string out = FormatArticleText(v);
  EXPECT_NE(out.find("Versions:  3 (first fetched 2026-01-01T01:00:00Z; edited "
                     "2026-01-01T02:00:00Z; removed 2026-01-01T07:00:00Z)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\nVERSIONS (3)\n  v1 first fetched 2026-01-01T01:00:00Z\n"
                     "  v2 edited 2026-01-01T02:00:00Z (title: New title [2J)\n"
                     "@@ paragraph 2 @@\n- 第二段。\n+ 第三段。\n"
                     "  v3 removed 2026-01-01T07:00:00Z: HTTP 404\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);

  auto j = nlohmann::json::parse(FormatArticleJson(v));
  ASSERT_EQ(j["versions"].size(), 3u);
  EXPECT_EQ(j["versions"][1]["kind"], "edited");
  EXPECT_EQ(j["versions"][1]["diff"], edited.diff);
  EXPECT_EQ(j["versions"][1]["text"], edited.text);
  EXPECT_EQ(j["versions"][2]["reason"], "HTTP 404");
  EXPECT_EQ(j["versions"][2]["http_status"], 404);
  EXPECT_FALSE(j["versions"][2].contains("text"));
}

}  // namespace
}  // namespace mw
