#include "report/query_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

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

TEST(JsonlTest, InvalidUtf8FromAPageIsReplacedNotThrown) {
  MatchHit h = Hit(std::string("bad \xff\xfe title"), "en", 0);
  std::string out = FormatMatchesJsonl({h});
  auto j = nlohmann::json::parse(out);
  EXPECT_NE(j["title"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);
}

}  // namespace
}  // namespace mw
