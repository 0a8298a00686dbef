#include "report/query_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

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

// A strict RFC 4180 reader (section 2): records end with CRLF; a field is
// either unquoted (no comma, quote, CR or LF) or quoted with inner quotes
// doubled. Anything else fails the test, so the writer cannot get away with
// output only a lenient reader accepts.
std::vector<std::vector<std::string>> ParseRfc4180(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return records;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\r') {
        if (text[i] == '"' || text[i] == '\n') {
          ADD_FAILURE() << "quote or bare LF in an unquoted field at byte " << i;
          return records;
        }
        field += text[i++];
      }
    }
    record.push_back(std::move(field));
    field.clear();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (text.compare(i, 2, "\r\n") != 0) {
      ADD_FAILURE() << "record does not end with CRLF at byte " << i;
      return records;
    }
    i += 2;
    records.push_back(std::move(record));
    record.clear();
  }
  return records;
}

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

}  // namespace
}  // namespace mw
