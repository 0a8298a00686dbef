#include "report/query_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/report/rfc4180.h"

namespace mw {
namespace {

MatchHit Hit(std::string title, std::string language, std::optional<int64_t> published) {
  MatchHit h;
  h.article.id = "0123456789abcdef";
  h.article.url = "http://example.test/a.html";
  h.article.title = std::move(title);
  h.article.language = std::move(language);
  h.article.source = "Outlet";
  h.article.feed_id = "feed";
  h.article.published = published;
  h.article.fetched_at = 1765879200;
  h.time = published.value_or(h.article.fetched_at);
  MatchRecord m;
  m.watchlist_id = "case";
  m.target_id = "guan-heng";
  m.kind = "entity";
  m.term = "关恒";
  m.field = "title";
  m.snippet = "记者关恒";
  m.count = 2;
  h.matches.push_back(m);
  return h;
}

TEST(DisplayWidthTest, CountsTerminalCells) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("关恒"), 4u);      // wide
  EXPECT_EQ(DisplayWidth("ＧＵＡＮ"), 8u);  // full-width
  EXPECT_EQ(DisplayWidth("شىنجاڭ"), 6u);    // Arabic script: one cell each
  EXPECT_EQ(DisplayWidth("e\u0301"), 1u);   // combining mark
}

TEST(TableTest, AlignsMixedScriptsAndTruncates) {
  TableOptions options;
  options.title_width = 10;
  std::string out = FormatMatchesTable(
      {Hit("关恒关恒关恒关恒关恒关恒", "zh", 1765879200), Hit("Short", "en", std::nullopt)},
      options);
  std::istringstream lines(out);
  std::string header, row1, row2, footer;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  std::getline(lines, footer);
  // The MATCHES column starts at the same terminal column on every line.
  size_t col = DisplayWidth(header.substr(0, header.find("MATCHES")));
  EXPECT_EQ(DisplayWidth(row1.substr(0, row1.find("guan-heng"))), col);
  EXPECT_EQ(DisplayWidth(row2.substr(0, row2.find("guan-heng"))), col);
  EXPECT_NE(row1.find("…"), std::string::npos);  // cut, with an ellipsis
  EXPECT_NE(row1.find("2025-12-16 10:00"), std::string::npos);
  EXPECT_EQ(footer, "2 flagged articles");
}

TEST(TableTest, NewlinesInTitlesDoNotBreakRows) {
  std::string out = FormatMatchesTable({Hit("line one\nline two", "en", 0)});
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3);
}

TEST(JsonlTest, OneObjectPerArticleWithAllFields) {
  std::string out =
      FormatMatchesJsonl({Hit("关恒", "zh", 1765879200), Hit("x", "en", std::nullopt)});
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["title"], "关恒");
  EXPECT_EQ(j["published"], "2025-12-16T10:00:00Z");
  EXPECT_EQ(j["time"], "2025-12-16T10:00:00Z");
  ASSERT_EQ(j["matches"].size(), 1u);
  EXPECT_EQ(j["matches"][0]["target"], "guan-heng");
  EXPECT_EQ(j["matches"][0]["count"], 2);
  std::getline(lines, line);
  auto k = nlohmann::json::parse(line);
  EXPECT_TRUE(k["published"].is_null());
}

TEST(JsonlTest, ClusterFields) {
  MatchHit alone = Hit("x", "en", 0);
  MatchHit copied = Hit("y", "en", 0);
  copied.article.cluster_id = "fedcba9876543210";
  copied.cluster_size = 12;
  std::istringstream lines(FormatMatchesJsonl({alone, copied}));
  std::string line;
  std::getline(lines, line);
  auto a = nlohmann::json::parse(line);
  EXPECT_TRUE(a["cluster"].is_null());
  EXPECT_EQ(a["cluster_size"], 0);
  std::getline(lines, line);
  auto b = nlohmann::json::parse(line);
  EXPECT_EQ(b["cluster"], "fedcba9876543210");
  EXPECT_EQ(b["cluster_size"], 12);
}

TEST(TableTest, ClusterMarkerShowsStoredCopies) {
  MatchHit alone = Hit("Alone", "en", 0);
  alone.cluster_size = 1;
  MatchHit copied = Hit("Wire story", "en", 0);
  copied.cluster_size = 12;
  MatchHit capped = Hit("Everywhere", "en", 0);
  capped.cluster_size = kMaxClusterSizeCount;
  EXPECT_EQ(ClusterMarker(alone), "");
  EXPECT_EQ(ClusterMarker(Hit("none", "en", 0)), "");
  EXPECT_EQ(ClusterMarker(copied), "[12] ");
  EXPECT_EQ(ClusterMarker(capped), "[100+] ");
  const std::string out = FormatMatchesTable({alone, copied, capped});
  EXPECT_NE(out.find(" Alone "), std::string::npos);
  EXPECT_EQ(out.find("] Alone"), std::string::npos);
  EXPECT_NE(out.find("[12] Wire story"), std::string::npos);
  EXPECT_NE(out.find("[100+] Everywhere"), std::string::npos);
  // The marker counts toward the title width: columns stay aligned.
  std::istringstream lines(out);
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  const size_t col = DisplayWidth(header.substr(0, header.find("MATCHES")));
  EXPECT_EQ(DisplayWidth(row1.substr(0, row1.find("guan-heng"))), col);
  EXPECT_EQ(DisplayWidth(row2.substr(0, row2.find("guan-heng"))), col);
}

TEST(JsonlTest, InvalidUtf8FromAPageIsReplacedNotThrown) {
  MatchHit h = Hit(std::string("bad \xff\xfe title"), "en", 0);
  std::string out = FormatMatchesJsonl({h});
  auto j = nlohmann::json::parse(out);
  EXPECT_NE(j["title"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);
}

using testing::ParseRfc4180;

TEST(CsvTest, FieldsAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(CsvField("关恒"), "关恒");
  EXPECT_EQ(CsvField(std::string("nul\0byte", 8)),
            "nul\xEF\xBF\xBD"
            "byte");
  EXPECT_EQ(CsvField("bad \xff"), "bad \xEF\xBF\xBD");
}

TEST(CsvTest, HostileTitlesAndSnippetsRoundTripThroughAStrictReader) {
  MatchHit zh = Hit("关恒案：\"驱逐\", 听证会\r\n第二行", "zh-Hant", 1765879200);
  zh.article.source = "BBC 中文, 香港";
  zh.matches[0].snippet = "他说：\"我拍摄了新疆的拘留营\"，\n然后离开。";
  MatchRecord rule;
  rule.watchlist_id = "case";
  rule.target_id = "guan-heng-lead";
  rule.kind = "rule";
  zh.matches.push_back(rule);
  zh.article.cluster_id = "0123456789abcdef";
  zh.cluster_size = 3;
  MatchHit ug = Hit("گۇەن خېڭ، \"لاگېر\"", "ug", std::nullopt);
  ug.article.source.clear();  // falls back to the feed id
  ug.article.url = "http://example.test/ug?a=1,2";
  ug.matches[0].snippet.clear();
  MatchRecord second;
  second.watchlist_id = "other";
  second.target_id = "camps";
  second.snippet = "ئۇيغۇر, \"\" ,";
  ug.matches.push_back(second);
  MatchHit bad = Hit(std::string("broken \xc3 utf-8"), "en", 0);

  const std::string out = FormatMatchesCsv({zh, ug, bad});
  ASSERT_FALSE(out.starts_with("\xEF\xBB\xBF"));  // no BOM
  const auto records = ParseRfc4180(out);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0],
            (std::vector<std::string>{"time", "source", "language", "title", "url", "matches",
                                      "snippet", "cluster", "cluster_size"}));
  EXPECT_EQ(
      records[1],
      (std::vector<std::string>{
          "2025-12-16T10:00:00Z", "BBC 中文, 香港", "zh-Hant", "关恒案：\"驱逐\", 听证会\r\n第二行",
          "http://example.test/a.html", "case/guan-heng;case/guan-heng-lead",
          "他说：\"我拍摄了新疆的拘留营\"，\n然后离开。", "0123456789abcdef", "3"}));
  EXPECT_EQ(records[2],
            (std::vector<std::string>{"2025-12-16T10:00:00Z", "feed", "ug", "گۇەن خېڭ، \"لاگېر\"",
                                      "http://example.test/ug?a=1,2", "case/guan-heng;other/camps",
                                      "ئۇيغۇر, \"\" ,", "", "0"}));
  EXPECT_EQ(records[3][0], "1970-01-01T00:00:00Z");
  EXPECT_EQ(records[3][3], "broken \xEF\xBF\xBD utf-8");
  // Header only when nothing matched.
  EXPECT_EQ(FormatMatchesCsv({}),
            "time,source,language,title,url,matches,snippet,cluster,cluster_size\r\n");
}

TEST(CsvTest, PagesWithTextConcatenateIntoOneFile) {
  MatchHit zh = Hit("关恒", "zh", 1765879200);
  zh.article.text = "第一段，\"引文\"\n第二段\r\n第三段";
  MatchHit ug = Hit("گۇەن خېڭ", "ug", 1765879100);
  ug.article.text = "ئۇيغۇر، تېكىست, \"\"";
  MatchHit unflagged = Hit("No match", "en", 1765879000);
  unflagged.matches.clear();
  unflagged.article.text = "";
  CsvOptions first;
  first.with_text = true;
  CsvOptions rest = first;
  rest.header = false;
  const std::string out = FormatMatchesCsv({zh}, first) + FormatMatchesCsv({ug, unflagged}, rest);
  const auto records = ParseRfc4180(out);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].size(), 10u);
  EXPECT_EQ(records[0].back(), "text");
  EXPECT_EQ(records[1][9], "第一段，\"引文\"\n第二段\r\n第三段");
  EXPECT_EQ(records[2][9], "ئۇيغۇر، تېكىست, \"\"");
  EXPECT_EQ(records[3][5], "");  // no matches
  EXPECT_EQ(records[3][9], "");
  for (const auto& record : records) EXPECT_EQ(record.size(), 10u);
  // Without the header and without hits: nothing at all.
  EXPECT_EQ(FormatMatchesCsv({}, rest), "");
}

TEST(JsonlTest, FullRecordAddsEveryStoredFieldAndTheText) {
  MatchHit h = Hit("关恒", "zh", 1765879200);
  h.article.text = "正文\n第二段";
  h.article.fetched_url = "http://example.test/a.html?utm_source=x";
  h.article.byline = "记者 王";
  h.article.charset = "gb18030";
  h.article.simhash = 0x00ff00ff00ff00ffULL;
  JsonlOptions options;
  options.full_record = true;
  const auto j = nlohmann::json::parse(FormatMatchesJsonl({h}, options));
  EXPECT_EQ(j["text"], "正文\n第二段");
  EXPECT_EQ(j["fetched_url"], "http://example.test/a.html?utm_source=x");
  EXPECT_EQ(j["byline"], "记者 王");
  EXPECT_EQ(j["charset"], "gb18030");
  EXPECT_EQ(j["simhash"], "00ff00ff00ff00ff");
  EXPECT_EQ(j["matches"][0]["term"], "关恒");
  h.article.simhash = 0;
  EXPECT_TRUE(nlohmann::json::parse(FormatMatchesJsonl({h}, options))["simhash"].is_null());
  // The default stays the documented query schema: no text.
  EXPECT_FALSE(nlohmann::json::parse(FormatMatchesJsonl({h})).contains("text"));
}

TEST(TableTest, FooterCountsUnflaggedArticlesApart) {
  MatchHit unflagged = Hit("Plain", "en", 0);
  unflagged.matches.clear();
  EXPECT_TRUE(
      FormatMatchesTable({Hit("a", "en", 0), unflagged}).ends_with("2 articles (1 flagged)\n"));
  EXPECT_TRUE(FormatMatchesTable({unflagged}).ends_with("1 article (0 flagged)\n"));
  EXPECT_TRUE(FormatMatchesTable({}).ends_with("0 flagged articles\n"));
  EXPECT_TRUE(FormatMatchesTable({Hit("a", "en", 0)}).ends_with("1 flagged article\n"));
}

TEST(ByteSizeTest, BinaryUnits) {
  EXPECT_EQ(FormatByteSize(0), "0 B");
  EXPECT_EQ(FormatByteSize(1023), "1023 B");
  EXPECT_EQ(FormatByteSize(1536), "1.5 KiB");
  EXPECT_EQ(FormatByteSize(int64_t{5} << 30), "5.0 GiB");
}

}  // namespace
}  // namespace mw
