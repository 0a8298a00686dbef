// Tests for parsers/json_feed.h: JSON Feed 1.0 and 1.1 fields, hostile and
// malformed JSON, limits. Through ParseFeed where the public behaviour is
// what matters, directly where the helper is the unit.
#include "parsers/json_feed.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parsers/date.h"
#include "parsers/feed_parser.h"

namespace mw {
namespace {

using feed_internal::JsonNestingDepth;
using feed_internal::LooksLikeJsonFeed;
using feed_internal::ParseJsonFeed;

constexpr std::string_view kFeedUrl = "https://example.org/feed.json";

std::string Problems(const Feed& feed) {
  std::string out;
  for (const std::string& p : feed.problems) out += p + "\n";
  return out;
}

bool HasProblem(const Feed& feed, std::string_view needle) {
  return Problems(feed).find(needle) != std::string::npos;
}

Feed MustParse(std::string_view body, const FeedParseOptions& options = {}) {
  Result<Feed> feed = ParseFeed(body, "application/feed+json", kFeedUrl, options);
  EXPECT_TRUE(feed.ok()) << feed.status().ToString();
  return feed.ok() ? std::move(feed).value() : Feed();
}

std::string Iso(std::optional<int64_t> t) { return t ? FormatIso8601Utc(*t) : "none"; }

constexpr std::string_view kFeed11 = R"json({
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Uyghur Desk &amp; <b>friends</b>",
  "home_page_url": "https://example.org/",
  "feed_url": "https://example.org/feed.json",
  "description": "News <about> things",
  "language": "ug",
  "authors": [{"name": "Desk", "url": "https://example.org/desk"}],
  "items": [
    {
      "id": "2026-01-28-1",
      "url": "/2026/01/28/story",
      "external_url": "https://other.example/source",
      "title": "Guan Heng <script>x()</script>interviewed",
      "content_html": "<p onclick=\"x()\">Full <a href=\"javascript:alert(1)\">text</a> <img src=\"/i.jpg\"></p><script>alert(1)</script>",
      "summary": "Short & <plain>",
      "date_published": "2026-01-28T09:30:00+08:00",
      "date_modified": "2026-01-28T10:00:00Z",
      "authors": [{"name": "Reporter"}, {"url": "mailto:tips@example.org"}],
      "tags": ["China", "Uyghur", "China", 42],
      "language": "zh-Hans",
      "attachments": [
        {"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg", "title": "Audio",
         "size_in_bytes": 1234, "duration_in_seconds": 60},
        {"url": "javascript:alert(1)", "mime_type": "audio/mpeg"}
      ]
    },
    {
      "id": 17,
      "url": "https://example.org/2",
      "content_text": "Plain <b>text</b> & more"
    },
    "not an object",
    {"content_text": "no url"}
  ]
})json";

TEST(JsonFeed, FeedFieldsOfVersion11) {
  Feed feed = MustParse(kFeed11);
  EXPECT_EQ(feed.format, FeedFormat::kJson);
  EXPECT_EQ(feed.version, "json11");
  EXPECT_EQ(feed.encoding, "UTF-8");
  EXPECT_EQ(feed.title, "Uyghur Desk &amp; <b>friends</b>");  // plain text, kept as written
  EXPECT_EQ(feed.title_type, "text/plain");
  EXPECT_EQ(feed.link, "https://example.org/");
  ASSERT_EQ(feed.links.size(), 2u);
  EXPECT_EQ(feed.links[1].rel, "self");
  EXPECT_EQ(feed.subtitle, "News &lt;about&gt; things");
  EXPECT_EQ(feed.subtitle_type, "text/plain");
  EXPECT_EQ(feed.language, "ug");
  EXPECT_EQ(feed.author, "Desk");
  ASSERT_EQ(feed.author_details.size(), 1u);
  EXPECT_EQ(feed.author_details[0].uri, "https://example.org/desk");
}

TEST(JsonFeed, ItemFields) {
  Feed feed = MustParse(kFeed11);
  ASSERT_EQ(feed.entries.size(), 3u);  // the string item is skipped
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.id, "2026-01-28-1");
  EXPECT_EQ(e.link, "https://example.org/2026/01/28/story");
  ASSERT_EQ(e.links.size(), 3u);
  EXPECT_EQ(e.links[1].rel, "related");
  EXPECT_EQ(e.links[1].href, "https://other.example/source");
  EXPECT_EQ(e.links[2].rel, "enclosure");
  EXPECT_EQ(e.title, "Guan Heng interviewed");
  EXPECT_EQ(e.content, "<p>Full <a>text</a> <img src=\"https://example.org/i.jpg\" /></p>");
  EXPECT_EQ(e.content_type, "text/html");
  EXPECT_EQ(e.summary, "Short &amp; &lt;plain&gt;");
  EXPECT_EQ(e.summary_type, "text/plain");
  EXPECT_EQ(Iso(e.published), "2026-01-28T01:30:00Z");
  EXPECT_EQ(Iso(e.updated), "2026-01-28T10:00:00Z");
  EXPECT_EQ(e.authors, (std::vector<std::string>{"Reporter", "tips@example.org"}));
  ASSERT_EQ(e.author_details.size(), 2u);
  EXPECT_EQ(e.author_details[1].email, "tips@example.org");
  EXPECT_EQ(e.author, "Reporter");
  EXPECT_EQ(e.categories, (std::vector<std::string>{"China", "Uyghur"}));
  ASSERT_EQ(e.tags.size(), 2u);
  EXPECT_EQ(e.language, "zh-Hans");
  ASSERT_EQ(e.enclosures.size(), 1u);
  EXPECT_EQ(e.enclosures[0].url, "https://example.org/a.mp3");
  EXPECT_EQ(e.enclosures[0].type, "audio/mpeg");
  EXPECT_EQ(e.enclosures[0].length, 1234);

  const FeedEntry& second = feed.entries[1];
  EXPECT_EQ(second.id, "17");  // numbers are accepted as ids
  EXPECT_EQ(second.content, "Plain &lt;b&gt;text&lt;/b&gt; &amp; more");
  EXPECT_EQ(second.content_type, "text/plain");
  EXPECT_EQ(second.author, "Desk");  // 1.1: items inherit the feed's authors
  EXPECT_EQ(second.published, std::nullopt);

  EXPECT_EQ(feed.entries[2].link, "");
  EXPECT_TRUE(HasProblem(feed, "entries[2] is not an object; skipped")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "entries[3] has no link")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "entries[0] tag is not a string")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "attachment url 'javascript:alert(1)' unusable")) << Problems(feed);
}

TEST(JsonFeed, Version1AuthorObjectAndVersionNames) {
  Feed feed = MustParse(R"json({"version": "https://jsonfeed.org/version/1", "title": "T",
      "author": {"name": "Old style"},
      "items": [{"id": "1", "url": "https://example.org/1", "author": {"name": "Item author"}}]})json");
  EXPECT_EQ(feed.version, "json1");
  EXPECT_EQ(feed.author, "Old style");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].author, "Item author");
  EXPECT_TRUE(feed.problems.empty()) << Problems(feed);

  EXPECT_EQ(MustParse(R"({"version": "http://jsonfeed.org/version/1.1/", "items": []})").version,
            "json11");
  Feed unknown = MustParse(R"({"version": "https://jsonfeed.org/version/9", "items": []})");
  EXPECT_EQ(unknown.version, "json");
  EXPECT_TRUE(HasProblem(unknown, "unknown JSON Feed version")) << Problems(unknown);
  Feed missing = MustParse(R"({"items": [{"url": "https://example.org/1"}]})");
  EXPECT_EQ(missing.version, "json");
  EXPECT_TRUE(HasProblem(missing, "without a \"version\"")) << Problems(missing);
  EXPECT_EQ(missing.entries.size(), 1u);
}

TEST(JsonFeed, WrongTypesAreProblemsNotCrashes) {
  Feed feed = MustParse(R"json({"version": "https://jsonfeed.org/version/1.1",
      "title": 5, "home_page_url": ["x"], "authors": "me", "language": {"a": 1},
      "items": [{"id": {"x": 1}, "url": 3.5, "title": null, "tags": "one",
                 "attachments": [{"url": "https://example.org/a", "size_in_bytes": "big"}, 7],
                 "date_published": 20260128, "date_modified": "yesterday",
                 "content_html": false, "authors": [1, {"name": ["x"]}]}]})json");
  EXPECT_EQ(feed.title, "");
  EXPECT_EQ(feed.link, "");
  ASSERT_EQ(feed.entries.size(), 1u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.link, "");
  EXPECT_EQ(e.content, "");
  ASSERT_EQ(e.enclosures.size(), 1u);
  EXPECT_EQ(e.enclosures[0].length, 0);
  EXPECT_EQ(e.published, std::nullopt);
  EXPECT_TRUE(HasProblem(feed, "feed title is not a string")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "unparseable date 'yesterday'")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "date_published is not a string")) << Problems(feed);
}

TEST(JsonFeed, NotAJsonFeed) {
  for (std::string_view body :
       {"{", "{\"items\": [}", "[]", "{\"title\": \"no version, no items\"}", "{} trailing",
        "{\"version\": \"x\", \"items\": [] /* comment */}"}) {
    feed_internal::ProblemLog problems;
    Result<Feed> feed = ParseJsonFeed(body, kFeedUrl, {}, &problems);
    ASSERT_FALSE(feed.ok()) << body;
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError) << body;
    EXPECT_NE(feed.status().message().find("not a JSON Feed"), std::string::npos)
        << feed.status().message();
  }
  // "items" that is not an array: a feed without entries, and a problem.
  Feed odd = MustParse(R"({"version": "https://jsonfeed.org/version/1", "items": {}})");
  EXPECT_TRUE(odd.entries.empty());
  EXPECT_TRUE(HasProblem(odd, "no \"items\" array")) << Problems(odd);
}

TEST(JsonFeed, TenThousandNestedArraysAreRejectedBeforeParsing) {
  const std::string deep =
      "{\"version\": \"https://jsonfeed.org/version/1\", \"items\": " + std::string(10000, '[') +
      std::string(10000, ']') + "}";
  Result<Feed> feed = ParseFeed(deep, "", kFeedUrl);
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(feed.status().message().find("nesting deeper than max_depth (256)"), std::string::npos)
      << feed.status().message();
  // Unbalanced: only opening brackets.
  Result<Feed> open = ParseFeed("{" + std::string(100000, '['), "", kFeedUrl);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().code(), StatusCode::kTooLarge);
  // The limit is an option.
  FeedParseOptions options;
  options.max_depth = 3;
  EXPECT_FALSE(ParseFeed(R"({"items": [{"tags": []}]})", "", kFeedUrl, options).ok());
  EXPECT_TRUE(ParseFeed(R"({"items": [{}]})", "", kFeedUrl, options).ok());
}

TEST(JsonFeed, NestingDepthScanner) {
  EXPECT_EQ(JsonNestingDepth("", 10), 0);
  EXPECT_EQ(JsonNestingDepth("{}", 10), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a": [1, {"b": []}]})", 10), 4);
  // Brackets inside strings, also after escaped quotes, do not count.
  EXPECT_EQ(JsonNestingDepth(R"({"a": "[[[[{{{{", "b": "\"[[[["})", 10), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a": "\\"}[[)", 10), 2);
  // Stops counting past the limit.
  EXPECT_EQ(JsonNestingDepth(std::string(1000, '['), 5), 6);
  // Stray closers do not go negative.
  EXPECT_EQ(JsonNestingDepth("]]]][", 10), 1);
}

TEST(JsonFeed, DetectionByFirstByteOrContentType) {
  EXPECT_TRUE(LooksLikeJsonFeed("{}", ""));
  EXPECT_TRUE(LooksLikeJsonFeed("\xef\xbb\xbf\r\n\t {", "text/xml"));
  EXPECT_TRUE(LooksLikeJsonFeed("[]", "application/feed+json; charset=utf-8"));
  EXPECT_TRUE(LooksLikeJsonFeed("", "Application/JSON"));
  EXPECT_TRUE(LooksLikeJsonFeed("x", "application/vnd.api+json"));
  EXPECT_FALSE(LooksLikeJsonFeed("<rss/>", "application/json"));
  EXPECT_FALSE(LooksLikeJsonFeed("<rss/>", ""));
  EXPECT_FALSE(LooksLikeJsonFeed("[]", "text/plain"));
  EXPECT_FALSE(LooksLikeJsonFeed("", ""));
}

TEST(JsonFeed, InvalidUtf8IsRepairedAndRecorded) {
  const std::string body = "{\"version\": \"https://jsonfeed.org/version/1\", \"title\": \"a\xff" +
                           std::string("b\xc3\"") + ", \"items\": []}";
  Feed feed = MustParse(body);
  EXPECT_EQ(feed.title, "a\uFFFDb\uFFFD");
  EXPECT_TRUE(HasProblem(feed, "2 invalid byte sequence(s) in UTF-8")) << Problems(feed);
}

TEST(JsonFeed, LimitsApply) {
  std::string items;
  for (int i = 0; i < 20; ++i) {
    items += std::string(i ? "," : "") + R"({"id": ")" + std::to_string(i) +
             R"(", "url": "https://example.org/)" + std::to_string(i) + R"("})";
  }
  const std::string body = R"({"version": "https://jsonfeed.org/version/1.1", "title": ")" +
                           std::string(5000, 'x') + R"(", "items": [)" + items + "]}";
  FeedParseOptions options;
  options.max_entries = 5;
  options.max_field_bytes = 100;
  Feed feed = MustParse(body, options);
  EXPECT_EQ(feed.entries.size(), 5u);
  EXPECT_EQ(feed.title.size(), 100u);
  EXPECT_TRUE(HasProblem(feed, "15 entries beyond max_entries (5) dropped")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "feed title truncated to 100 bytes")) << Problems(feed);
  options.max_bytes = body.size() - 1;
  Result<Feed> too_large = ParseFeed(body, "", kFeedUrl, options);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().code(), StatusCode::kTooLarge);
}

TEST(JsonFeed, ManyProblemsAreCapped) {
  std::string items;
  for (int i = 0; i < 500; ++i) items += std::string(i ? "," : "") + "1";
  Feed feed =
      MustParse(R"({"version": "https://jsonfeed.org/version/1", "items": [)" + items + "]}");
  ASSERT_EQ(feed.problems.size(), 101u);
  EXPECT_EQ(feed.problems.back(), "... and 400 more problems");
}

TEST(JsonFeed, HostileContentHtmlIsSanitized) {
  Feed feed = MustParse(R"json({"version": "https://jsonfeed.org/version/1.1", "items": [{
      "url": "https://example.org/1",
      "content_html": "<svg><script>alert(1)</script><a xlink:href=\"javascript:alert(2)\">x</a></svg><iframe src=x></iframe><a href=\"  JAVA\tSCRIPT:alert(3)\">y</a><style>*{}</style><b style=\"x\" onmouseover=\"y\">z</b>"
  }]})json");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].content, "x<a>y</a><b>z</b>");  // SVG keeps only its text
}

}  // namespace
}  // namespace mw
