// Tests for parsers/feed_parser.h (and its private helpers feed_text.h and
// feed_encoding.h): inline feeds for every format and field, encodings,
// malformed and hostile input, and the corpora in ../shared.
#include "parsers/feed_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/feed_encoding.h"
#include "parsers/feed_text.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

constexpr std::string_view kFeedUrl = "https://example.org/news/feed.xml";

Result<Feed> Parse(std::string_view body, std::string_view content_type = "",
                   const FeedParseOptions& options = {}, std::string_view url = kFeedUrl) {
  return ParseFeed(body, content_type, url, options);
}

// Parses and fails the test on error.
Feed MustParse(std::string_view body, std::string_view content_type = "",
               const FeedParseOptions& options = {}) {
  auto feed = Parse(body, content_type, options);
  EXPECT_TRUE(feed.ok()) << feed.status().ToString();
  return feed.ok() ? std::move(feed).value() : Feed();
}

std::string JoinProblems(const Feed& feed) {
  std::string out;
  for (const std::string& p : feed.problems) out += p + "\n";
  return out;
}

bool HasProblem(const Feed& feed, std::string_view needle) {
  return JoinProblems(feed).find(needle) != std::string::npos;
}

std::string Iso(std::optional<int64_t> t) { return t ? FormatIso8601Utc(*t) : "none"; }

// Code points of a UTF-8 string; nullopt when it is not valid UTF-8.
std::optional<std::u32string> DecodeUtf8(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    size_t len = lead < 0x80           ? 1
                 : (lead >> 5) == 0x6  ? 2
                 : (lead >> 4) == 0xE  ? 3
                 : (lead >> 3) == 0x1E ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    char32_t cp = len == 1 ? lead : lead & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool AnyCodePoint(std::string_view s, bool (*pred)(char32_t)) {
  auto cps = DecodeUtf8(s);
  if (!cps) return false;
  for (char32_t c : *cps) {
    if (pred(c)) return true;
  }
  return false;
}

bool IsCjk(char32_t c) { return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF); }
bool IsArabicScript(char32_t c) {
  return (c >= 0x0600 && c <= 0x06FF) || (c >= 0xFB50 && c <= 0xFDFF) ||
         (c >= 0xFE70 && c <= 0xFEFF);
}
bool IsReplacement(char32_t c) { return c == 0xFFFD; }

bool IsHttpUrl(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// Everything the parser returned, for "this string must not appear" checks.
std::string AllOutput(const Feed& feed) {
  std::string out = feed.title + feed.link + feed.language + JoinProblems(feed);
  for (const FeedEntry& e : feed.entries) {
    out += e.id + e.title + e.link + e.author + e.summary + e.content;
    for (const std::string& c : e.categories) out += c;
  }
  return out;
}

// ====================================================================== RSS 2.0

constexpr std::string_view kRss2Feed = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>  Example   News
    </title>
    <link>https://example.org/</link>
    <language>en-us</language>
    <atom:link rel="self" href="https://example.org/news/feed.xml"/>
    <item>
      <title>First story</title>
      <link>https://example.org/2026/01/first</link>
      <guid isPermaLink="false">urn:example:1</guid>
      <author>editor@example.org (Ed Itor)</author>
      <pubDate>Wed, 28 Jan 2026 09:30:00 GMT</pubDate>
      <description>&lt;p&gt;Short &amp;amp; sweet&lt;/p&gt;</description>
      <content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded>
      <category>Politics</category>
      <category> World </category>
      <category>Politics</category>
    </item>
    <item>
      <title>Second story</title>
      <link>/2026/01/second</link>
      <dc:creator>Reporter Two</dc:creator>
      <dc:date>2026-01-27T08:00:00+08:00</dc:date>
    </item>
  </channel>
</rss>)";

TEST(FeedRss2, ChannelFields) {
  Feed feed = MustParse(kRss2Feed);
  EXPECT_EQ(feed.format, FeedFormat::kRss2);
  EXPECT_EQ(feed.title, "Example News");
  EXPECT_EQ(feed.link, "https://example.org/");
  EXPECT_EQ(feed.language, "en-us");
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
}

TEST(FeedRss2, ItemFields) {
  Feed feed = MustParse(kRss2Feed);
  ASSERT_EQ(feed.entries.size(), 2u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.id, "urn:example:1");
  EXPECT_EQ(e.title, "First story");
  EXPECT_EQ(e.link, "https://example.org/2026/01/first");
  EXPECT_EQ(e.author, "editor@example.org (Ed Itor)");
  EXPECT_EQ(Iso(e.published), "2026-01-28T09:30:00Z");
  EXPECT_EQ(e.updated, std::nullopt);
  EXPECT_EQ(e.summary, "<p>Short &amp; sweet</p>");
  EXPECT_EQ(e.content, "<p>Full <b>text</b></p>");
  EXPECT_EQ(e.categories, (std::vector<std::string>{"Politics", "World"}));
}

TEST(FeedRss2, DublinCoreFallbacksAndRelativeLink) {
  Feed feed = MustParse(kRss2Feed);
  ASSERT_EQ(feed.entries.size(), 2u);
  const FeedEntry& e = feed.entries[1];
  EXPECT_EQ(e.author, "Reporter Two");
  EXPECT_EQ(Iso(e.published), "2026-01-27T00:00:00Z");
  EXPECT_EQ(e.link, "https://example.org/2026/01/second");  // resolved against the feed URL
  EXPECT_EQ(e.id, e.link);                                  // no guid: id falls back to link
}

TEST(FeedRss2, GuidIsPermalinkUnlessSaidOtherwise) {
  Feed feed = MustParse(R"(<rss version="2.0"><channel>
    <item><guid>https://example.org/a</guid></item>
    <item><guid isPermaLink="false">https://example.org/b</guid></item>
    <item><guid>tag:example.org,2026:c</guid></item>
    <item><link>https://example.org/d-link</link><guid>https://example.org/d-guid</guid></item>
  </channel></rss>)");
  ASSERT_EQ(feed.entries.size(), 4u);
  EXPECT_EQ(feed.entries[0].link, "https://example.org/a");
  EXPECT_EQ(feed.entries[1].link, "");
  EXPECT_EQ(feed.entries[1].id, "https://example.org/b");
  EXPECT_EQ(feed.entries[2].link, "");
  EXPECT_EQ(feed.entries[3].link, "https://example.org/d-link");
  EXPECT_EQ(feed.entries[3].id, "https://example.org/d-guid");
  // Entries without a usable link are reported, per the header's contract.
  EXPECT_TRUE(HasProblem(feed, "entries[1] has no link")) << JoinProblems(feed);
  EXPECT_TRUE(HasProblem(feed, "entries[2] has no link")) << JoinProblems(feed);
  EXPECT_FALSE(HasProblem(feed, "entries[0] has no link"));
}

TEST(FeedRss2, UpdatedComesFromDcTermsAndBadDatesAreProblems) {
  Feed feed = MustParse(R"(<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel>
    <item><link>https://example.org/1</link><pubDate>yesterday-ish</pubDate>
      <dcterms:modified>2026-01-02T03:04:05Z</dcterms:modified></item>
  </channel></rss>)");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(Iso(feed.entries[0].updated), "2026-01-02T03:04:05Z");
  // published falls back to updated when its own value cannot be read.
  EXPECT_EQ(Iso(feed.entries[0].published), "2026-01-02T03:04:05Z");
  EXPECT_TRUE(HasProblem(feed, "unparseable date 'yesterday-ish'")) << JoinProblems(feed);
}

TEST(FeedRss2, Rss091WithoutNamespacesAndItemsOutsideChannel) {
  Feed feed = MustParse(R"(<rss version="0.91"><channel><title>Old</title></channel>
    <item><title>Stray</title><link>http://example.com/stray</link></item></rss>)");
  EXPECT_EQ(feed.format, FeedFormat::kRss2);
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].link, "http://example.com/stray");
}

// ====================================================================== RSS 1.0

constexpr std::string_view kRdfFeed = R"(<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/"
         xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel rdf:about="https://example.org/rss">
    <title>RDF News</title>
    <link>https://example.org/</link>
    <dc:language>ug</dc:language>
    <items><rdf:Seq><rdf:li rdf:resource="https://example.org/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://example.org/1">
    <title>ئۇيغۇر خەۋەر</title>
    <link>https://example.org/1</link>
    <description>Summary one</description>
    <content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded>
    <dc:creator>Muxbir</dc:creator>
    <dc:date>2019-08-01T10:00:00+08:00</dc:date>
    <dc:subject>Xinjiang</dc:subject>
  </item>
  <item rdf:about="https://example.org/2"><title>Two</title></item>
</rdf:RDF>)";

TEST(FeedRss1, ItemsAreSiblingsOfTheChannel) {
  Feed feed = MustParse(kRdfFeed);
  EXPECT_EQ(feed.format, FeedFormat::kRss1);
  EXPECT_EQ(feed.title, "RDF News");
  EXPECT_EQ(feed.link, "https://example.org/");
  EXPECT_EQ(feed.language, "ug");
  ASSERT_EQ(feed.entries.size(), 2u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.id, "https://example.org/1");  // rdf:about
  EXPECT_EQ(e.title, "ئۇيغۇر خەۋەر");
  EXPECT_EQ(e.summary, "Summary one");
  EXPECT_EQ(e.content, "<p>Body</p>");
  EXPECT_EQ(e.author, "Muxbir");
  EXPECT_EQ(Iso(e.published), "2019-08-01T02:00:00Z");
  EXPECT_EQ(e.categories, std::vector<std::string>{"Xinjiang"});
  EXPECT_EQ(feed.entries[1].id, "https://example.org/2");
}

TEST(FeedRss1, Rss090Namespace) {
  Feed feed = MustParse(R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://my.netscape.com/rdf/simple/0.9/">
    <channel><title>Netscape</title><link>http://example.com/</link></channel>
    <item><title>Item title</title><link>http://example.com/i</link></item></rdf:RDF>)");
  EXPECT_EQ(feed.format, FeedFormat::kRss1);
  EXPECT_EQ(feed.title, "Netscape");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "Item title");
}

// ====================================================================== Atom

constexpr std::string_view kAtomFeed = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
  <title type="html">Atom &amp;lt;News&amp;gt;</title>
  <link rel="self" href="https://example.org/atom.xml"/>
  <link rel="alternate" type="text/html" href="https://example.org/"/>
  <author><name>Desk</name></author>
  <id>urn:uuid:feed</id>
  <updated>2026-01-28T10:00:00Z</updated>
  <entry>
    <title type="text">History of the &lt;blink&gt; tag</title>
    <link rel="enclosure" href="https://example.org/a.mp3"/>
    <link rel="alternate" href="https://example.org/story/1"/>
    <id>tag:example.org,2026:1</id>
    <author><name>Guan Heng</name><email>gh@example.org</email></author>
    <published>2026-01-28T09:30:00+08:00</published>
    <updated>2026-01-28T11:00:00Z</updated>
    <summary type="html">&lt;p&gt;Summary&lt;/p&gt;</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>关恒 <b>新闻</b> &amp; more</p></div></content>
    <category term="china" label="China"/>
    <category label="Only label"/>
  </entry>
  <entry>
    <title>No dates but updated</title>
    <link href="https://example.org/story/2"/>
    <id>tag:example.org,2026:2</id>
    <updated>2026-01-27T00:00:00Z</updated>
  </entry>
</feed>)";

TEST(FeedAtom, FeedFields) {
  Feed feed = MustParse(kAtomFeed);
  EXPECT_EQ(feed.format, FeedFormat::kAtom1);
  EXPECT_EQ(feed.title, "Atom <News>");  // type="html": markup stripped, entities decoded
  EXPECT_EQ(feed.link, "https://example.org/");
  EXPECT_EQ(feed.language, "zh-CN");
  EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
}

TEST(FeedAtom, EntryFields) {
  Feed feed = MustParse(kAtomFeed);
  ASSERT_EQ(feed.entries.size(), 2u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.title, "History of the <blink> tag");  // type="text" keeps brackets
  EXPECT_EQ(e.link, "https://example.org/story/1");  // rel=alternate, not the enclosure
  EXPECT_EQ(e.id, "tag:example.org,2026:1");
  EXPECT_EQ(e.author, "Guan Heng");
  EXPECT_EQ(Iso(e.published), "2026-01-28T01:30:00Z");
  EXPECT_EQ(Iso(e.updated), "2026-01-28T11:00:00Z");
  EXPECT_EQ(e.summary, "<p>Summary</p>");
  // The XHTML wrapper div is dropped; non-ASCII stays UTF-8, not &#x...;.
  EXPECT_EQ(e.content, "<p>关恒 <b>新闻</b> &amp; more</p>");
  EXPECT_EQ(e.categories, (std::vector<std::string>{"china", "Only label"}));
}

TEST(FeedAtom, PublishedFallsBackToUpdatedAndAuthorIsInherited) {
  Feed feed = MustParse(kAtomFeed);
  ASSERT_EQ(feed.entries.size(), 2u);
  const FeedEntry& e = feed.entries[1];
  EXPECT_EQ(e.link, "https://example.org/story/2");  // a link without rel is alternate
  EXPECT_EQ(Iso(e.published), "2026-01-27T00:00:00Z");
  EXPECT_EQ(Iso(e.updated), "2026-01-27T00:00:00Z");
  EXPECT_EQ(e.author, "Desk");  // RFC 4287 4.2.1
}

TEST(FeedAtom, Atom03EscapedModeIssuedAndBase64) {
  Feed feed = MustParse(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#">
    <title mode="escaped" type="text/html">&lt;b&gt;Old&lt;/b&gt; Atom</title>
    <link rel="alternate" type="text/html" href="http://example.com/"/>
    <entry>
      <title mode="base64">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</title>
      <link rel="alternate" type="text/html">http://example.com/1</link>
      <issued>2004-01-02T03:04:05Z</issued>
      <modified>2004-01-03T00:00:00Z</modified>
      <content type="text/html" mode="escaped">&lt;p&gt;x&lt;/p&gt;</content>
    </entry></feed>)");
  EXPECT_EQ(feed.format, FeedFormat::kAtom1);
  EXPECT_EQ(feed.title, "Old Atom");
  ASSERT_EQ(feed.entries.size(), 1u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.title, "Example <b>Atom</b>");  // base64 text/plain: decoded, not stripped
  EXPECT_EQ(e.link, "http://example.com/1");  // 0.3 feeds sometimes put the URL in the text
  EXPECT_EQ(Iso(e.published), "2004-01-02T03:04:05Z");
  EXPECT_EQ(Iso(e.updated), "2004-01-03T00:00:00Z");
  EXPECT_EQ(e.content, "<p>x</p>");
}

TEST(FeedAtom, OutOfLineContentAndOtherMediaTypes) {
  Feed feed = MustParse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry>
    <link href="http://example.com/1"/>
    <summary type="application/octet-stream">aGVsbG8=</summary>
    <content src="http://example.com/body.html" type="text/html"/>
  </entry></feed>)");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].summary, "hello");
  EXPECT_EQ(feed.entries[0].content, "");
}

// ====================================================================== links

TEST(FeedLinks, XmlBaseStacksFromFeedToLink) {
  Feed feed =
      MustParse(R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example/a/">
    <link href="home"/>
    <entry xml:base="b/"><link href="c.html"/></entry>
    <entry><link xml:base="/root/" href="d.html"/></entry>
    <entry><link href="https://absolute.example/x"/></entry>
    <entry xml:base="//other.example/p/"><link href="../q?x=1#frag"/></entry>
  </feed>)");
  EXPECT_EQ(feed.link, "https://base.example/a/home");
  ASSERT_EQ(feed.entries.size(), 4u);
  EXPECT_EQ(feed.entries[0].link, "https://base.example/a/b/c.html");
  EXPECT_EQ(feed.entries[1].link, "https://base.example/root/d.html");
  EXPECT_EQ(feed.entries[2].link, "https://absolute.example/x");
  EXPECT_EQ(feed.entries[3].link, "https://other.example/q?x=1#frag");
}

TEST(FeedLinks, RelativeRssLinksUseTheFeedUrl) {
  auto feed = Parse(R"(<rss><channel><link>../</link>
    <item><link>story.html</link></item></channel></rss>)",
                    "", {}, "http://news.example.com/section/rss/index.xml");
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->link, "http://news.example.com/section/");
  ASSERT_EQ(feed->entries.size(), 1u);
  EXPECT_EQ(feed->entries[0].link, "http://news.example.com/section/rss/story.html");
}

TEST(FeedLinks, NonHttpAndUnresolvableLinksAreDroppedWithAProblem) {
  auto feed = Parse(R"(<rss><channel>
    <item><link>javascript:alert(1)</link></item>
    <item><link>relative/only</link></item>
  </channel></rss>)",
                    "", {}, /*url=*/"");
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->entries.size(), 2u);
  EXPECT_EQ(feed->entries[0].link, "");
  EXPECT_EQ(feed->entries[1].link, "");
  EXPECT_TRUE(HasProblem(*feed, "link 'javascript:alert(1)' unusable")) << JoinProblems(*feed);
  EXPECT_TRUE(HasProblem(*feed, "link 'relative/only' unusable")) << JoinProblems(*feed);
}

// ====================================================================== text

TEST(FeedText, CdataEntitiesAndEscapedHtmlInTitles) {
  Feed feed = MustParse(R"(<rss><channel>
    <item><title><![CDATA[CDATA <em>title</em> & more]]></title></item>
    <item><title>AT&amp;amp;T &#x5173;&#24658; &lt;b&gt;bold&lt;/b&gt;</title></item>
    <item><title>Tom &amp; Jerry &lt; 3</title></item>
    <item><title>
        Multi
        line	title   </title></item>
    <item><title>Naked <b>markup</b> title</title></item>
  </channel></rss>)");
  ASSERT_EQ(feed.entries.size(), 5u);
  EXPECT_EQ(feed.entries[0].title, "CDATA title & more");
  EXPECT_EQ(feed.entries[1].title, "AT&T 关恒 bold");
  EXPECT_EQ(feed.entries[2].title, "Tom & Jerry < 3");  // not HTML: left alone
  EXPECT_EQ(feed.entries[3].title, "Multi line title");
  EXPECT_EQ(feed.entries[4].title, "Naked markup title");
}

TEST(FeedText, UnescapedMarkupInDescriptionIsKeptAsMarkup) {
  Feed feed = MustParse(R"(<rss><channel><item><link>http://e.com/</link>
    <description>  <p>Para <a href="http://e.com/?a=1&amp;b=2">link</a></p>  </description>
  </item></channel></rss>)");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].summary, R"(<p>Para <a href="http://e.com/?a=1&amp;b=2">link</a></p>)");
}

TEST(FeedText, HtmlToTextHelper) {
  using feed_internal::HtmlToText;
  EXPECT_EQ(HtmlToText("<p>a</p><p>b</p>"), "a b");
  EXPECT_EQ(HtmlToText("H<sub>2</sub>O"), "H2O");
  EXPECT_EQ(HtmlToText("x<script>var a = '<b>';</script>y<style>p{}</style>z"), "xyz");
  EXPECT_EQ(HtmlToText("a <!-- hidden --> b"), "a b");
  EXPECT_EQ(HtmlToText("&eacute;&nbsp;&#233;&#xE9;&apos;&bogus; &#0; &#x110000;"),
            "é\u00a0éé'&bogus; \uFFFD \uFFFD");
  EXPECT_EQ(HtmlToText("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
  EXPECT_EQ(HtmlToText("<unclosed"), "<unclosed");
  EXPECT_EQ(HtmlToText(R"(<img alt="cat<br />dog" src="x.jpg" />caption)"), "caption");
  EXPECT_EQ(HtmlToText("<a title=it's>x</a> y"), "x y");
}

TEST(FeedText, Utf8AndBase64Helpers) {
  std::string s = "关恒";  // 6 bytes
  EXPECT_TRUE(feed_internal::TruncateUtf8(&s, 4));
  EXPECT_EQ(s, "关");
  std::string repaired;
  EXPECT_EQ(feed_internal::RepairUtf8("a\xC0\xAF"
                                      "b\xED\xA0\x80"
                                      "c\xF0\x9F",
                                      &repaired),
            7u);
  EXPECT_EQ(repaired, "a\uFFFD\uFFFDb\uFFFD\uFFFD\uFFFDc\uFFFD\uFFFD");
  EXPECT_EQ(feed_internal::DecodeBase64(" aGVs\nbG8= "), std::optional<std::string>("hello"));
  EXPECT_EQ(feed_internal::DecodeBase64("aGVsbG8=x"), std::nullopt);
  EXPECT_EQ(feed_internal::DecodeBase64("a*b"), std::nullopt);
}

// ====================================================================== namespaces

TEST(FeedNamespaces, OddPrefixesAreMatchedByUri) {
  Feed feed = MustParse(R"(<r:rss version="2.0" xmlns:r="http://backend.userland.com/rss2"
      xmlns:creator="http://purl.org/dc/elements/1.1/"
      xmlns:c="http://purl.org/rss/1.0/modules/content/">
    <r:channel><r:title>Userland</r:title>
      <r:item><r:title>Prefixed</r:title><r:link>http://e.com/1</r:link>
        <creator:creator>Odd Prefix</creator:creator>
        <c:encoded>body</c:encoded></r:item>
    </r:channel></r:rss>)");
  EXPECT_EQ(feed.title, "Userland");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "Prefixed");
  EXPECT_EQ(feed.entries[0].author, "Odd Prefix");
  EXPECT_EQ(feed.entries[0].content, "body");
}

TEST(FeedNamespaces, FamiliarPrefixWithForeignUriIsNotDublinCore) {
  Feed feed = MustParse(R"(<rss xmlns:dc="http://example.com/not-dublin-core"><channel>
    <item><link>http://e.com/1</link><dc:creator>Impostor</dc:creator>
      <dc:date>2026-01-01T00:00:00Z</dc:date></item></channel></rss>)");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].author, "");
  EXPECT_EQ(feed.entries[0].published, std::nullopt);
}

TEST(FeedNamespaces, PrefixedAtomRoot) {
  Feed feed = MustParse(R"(<a:feed xmlns:a="http://www.w3.org/2005/Atom">
    <a:title>Prefixed Atom</a:title>
    <a:entry><a:title>E</a:title><a:link href="http://e.com/e"/></a:entry></a:feed>)");
  EXPECT_EQ(feed.format, FeedFormat::kAtom1);
  EXPECT_EQ(feed.title, "Prefixed Atom");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].link, "http://e.com/e");
}

// ====================================================================== encodings

// "关恒" in GBK/GB2312, and U+4E02 "丂" (GBK 0x8140, not in GB2312).
constexpr std::string_view kGbkGuanHeng = "\xb9\xd8\xba\xe3";
constexpr std::string_view kGbkOnly = "\x81\x40";

std::string GbkFeed(std::string_view declaration) {
  return std::string(declaration) + "<rss><channel><title>" + std::string(kGbkGuanHeng) + " " +
         std::string(kGbkOnly) + "</title><item><title>" + std::string(kGbkGuanHeng) +
         "</title><link>http://e.com/1</link></item></channel></rss>";
}

TEST(FeedEncoding, Gb2312DeclarationIsReadAsGb18030) {
  // Strict GB2312 would reject 0x8140; WHATWG reads gb2312 labels as GB18030.
  Feed feed = MustParse(GbkFeed(R"(<?xml version="1.0" encoding="gb2312"?>)"));
  EXPECT_EQ(feed.title, "关恒 丂");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "关恒");
  EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
}

TEST(FeedEncoding, Gb2312DeclarationWithAGbkOnlyCharacter) {
  // 喆 is GBK 0x86B4 (`printf '喆' | iconv -t GBK`), outside GB2312's rows.
  const std::string body = std::string(R"(<?xml version="1.0" encoding="gb2312"?>)") +
                           "<rss><channel><title>\xb9\xd8\x86\xb4</title></channel></rss>";
  Feed feed = MustParse(body);
  EXPECT_EQ(feed.title, "关喆");
  EXPECT_FALSE(AnyCodePoint(feed.title, IsReplacement));
  EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
}

TEST(FeedEncoding, CharsetOnlyInContentType) {
  Feed feed = MustParse(GbkFeed(""), "application/rss+xml; charset=\"GBK\"");
  EXPECT_EQ(feed.title, "关恒 丂");
}

TEST(FeedEncoding, ContentTypeCharsetBeatsTheDeclaration) {
  // RFC 7303 section 3: the charset parameter is authoritative.
  Feed feed =
      MustParse(GbkFeed(R"(<?xml version="1.0" encoding="utf-8"?>)"), "text/xml;charset=gb2312");
  EXPECT_EQ(feed.title, "关恒 丂");
}

TEST(FeedEncoding, WithoutAnyLabelGbkBytesAreInvalidUtf8) {
  Feed feed = MustParse(GbkFeed(""));
  EXPECT_TRUE(AnyCodePoint(feed.title, IsReplacement));
  EXPECT_TRUE(HasProblem(feed, "replaced by U+FFFD")) << JoinProblems(feed);
}

TEST(FeedEncoding, Big5WithHkscsAndCp950Codes) {
  // 中文 (A4A4 A4E5), ／ (A1FE: CP950 only) and ㇀ (8840: HKSCS only).
  const std::string body = std::string(R"(<?xml version="1.0" encoding="big5"?>)") +
                           "<rss><channel><title>\xa4\xa4\xa4\xe5 \xa1\xfe \x88\x40</title>"
                           "</channel></rss>";
  Feed feed = MustParse(body);
  EXPECT_EQ(feed.title, "中文 ／ ㇀");
  EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
}

TEST(FeedEncoding, Big5Hkscs2008CodesAndTheUserDefinedArea) {
  // 龗 (87A4) and Ê̄ (8862, two code points) are HKSCS-2008; 8140 is in the
  // user-defined area, which has no standard character.
  const std::string body = std::string(R"(<?xml version="1.0" encoding="big5"?>)") +
                           "<rss><channel><title>\x87\xa4\x88\x62 \x81\x40</title>"
                           "</channel></rss>";
  Feed feed = MustParse(body);
  EXPECT_EQ(feed.title, "龗\u00ca\u0304 \uFFFD");
  EXPECT_TRUE(HasProblem(feed, "1 invalid byte sequence(s) in Big5-HKSCS")) << JoinProblems(feed);
}

TEST(FeedEncoding, InvalidBytesInLegacyCharsetDoNotCutTheFeed) {
  // 0xFF is not a Big5 lead byte: one U+FFFD, and the rest still parses.
  const std::string body = std::string(R"(<?xml version="1.0" encoding="big5"?>)") +
                           "<rss><channel><title>a\xff"
                           "b</title><item><link>http://e.com/"
                           "</link></item></channel></rss>";
  Feed feed = MustParse(body);
  EXPECT_EQ(feed.title, "a\uFFFDb");
  EXPECT_EQ(feed.entries.size(), 1u);
  EXPECT_TRUE(HasProblem(feed, "1 invalid byte sequence(s) in Big5-HKSCS")) << JoinProblems(feed);
}

TEST(FeedEncoding, Latin1LabelMeansWindows1252) {
  Feed feed = MustParse(
      "<?xml version='1.0' encoding='iso-8859-1'?><rss><channel><title>"
      "\x93quoted\x94 caf\xe9 \x81</title></channel></rss>");
  EXPECT_EQ(feed.title, "\u201cquoted\u201d caf\u00e9 \u0081");
}

TEST(FeedEncoding, Utf16WithBomAndUtf8Bom) {
  const std::string xml = "<rss><channel><title>\xe5\x85\xb3</title></channel></rss>";  // 关
  std::string utf16le = "\xff\xfe";
  const std::u32string code_points = DecodeUtf8(xml).value();
  for (char32_t c : code_points) {
    utf16le.push_back(static_cast<char>(c & 0xFF));
    utf16le.push_back(static_cast<char>(c >> 8));
  }
  EXPECT_EQ(MustParse(utf16le).title, "关");
  // A BOM beats a wrong Content-Type charset.
  EXPECT_EQ(MustParse("\xef\xbb\xbf" + xml, "text/xml; charset=iso-8859-1").title, "关");
}

TEST(FeedEncoding, Utf16WithoutBomIsSniffed) {
  // XML Appendix F: "<?" in UTF-16BE, then a declaration the sniff overrides.
  const std::string xml =
      "<?xml version='1.0' encoding='utf-16'?><rss><channel><title>\xe5\x85\xb3</title>"
      "</channel></rss>";
  const std::u32string code_points = DecodeUtf8(xml).value();
  std::string utf16be;
  for (char32_t c : code_points) {
    utf16be.push_back(static_cast<char>(c >> 8));
    utf16be.push_back(static_cast<char>(c & 0xFF));
  }
  Feed feed = MustParse(utf16be);
  EXPECT_EQ(feed.title, "关");
  EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
}

TEST(FeedEncoding, Utf32IsRefusedWithAClearError) {
  // WHATWG has no UTF-32 decoder, so neither do we.
  std::string utf32le("\xff\xfe\0\0", 4);
  for (char c : std::string("<rss><channel><title>t</title></channel></rss>")) {
    utf32le.push_back(c);
    utf32le.append(3, '\0');
  }
  for (const std::string& body : {utf32le, utf32le.substr(4)}) {
    auto feed = Parse(body);
    ASSERT_FALSE(feed.ok());
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError);
    EXPECT_NE(feed.status().message().find("UTF-32LE"), std::string::npos)
        << feed.status().ToString();
  }
}

TEST(FeedEncoding, LabelHelpers) {
  // Feeds use parsers/charset.h for the Content-Type parameter and labels.
  EXPECT_EQ(
      CanonicalCharset(CharsetFromContentType("application/rss+xml; Charset = \"GB2312\" ; q=1")),
      "GB18030");
  EXPECT_EQ(CharsetFromContentType("text/xml"), "");
  EXPECT_EQ(CanonicalCharset("GBK"), "GB18030");
  EXPECT_EQ(CanonicalCharset("big5"), "Big5-HKSCS");
  EXPECT_EQ(CanonicalCharset("US-ASCII"), "windows-1252");
  EXPECT_EQ(CanonicalCharset("windows-1256"), "windows-1256");
  EXPECT_EQ(CanonicalCharset("utf-7"), "");
  EXPECT_EQ(CanonicalCharset("no-such-charset"), "");
  EXPECT_EQ(CanonicalCharset("../../etc/x"), "");
  EXPECT_EQ(feed_internal::XmlDeclarationEncoding("<?xml version='1.0' encoding = 'Big5' ?><a/>"),
            "big5");
  EXPECT_EQ(feed_internal::XmlDeclarationEncoding("<a encoding='big5'/>"), "");
}

TEST(FeedEncoding, UnknownLabelIsAProblemNotAFailure) {
  Feed feed =
      MustParse("<rss><channel><title>ok</title></channel></rss>", "text/xml; charset=x-klingon");
  EXPECT_EQ(feed.title, "ok");
  EXPECT_TRUE(HasProblem(feed, "unknown charset 'x-klingon'")) << JoinProblems(feed);
  // UTF-7 can smuggle markup past filters; it is no WHATWG encoding.
  feed = MustParse(
      "<?xml version='1.0' encoding='UTF-7'?><rss><channel><title>+AGE-</title>"
      "</channel></rss>");
  EXPECT_EQ(feed.title, "+AGE-");
  EXPECT_TRUE(HasProblem(feed, "unknown encoding 'utf-7'")) << JoinProblems(feed);
}

// ====================================================================== malformed

TEST(FeedMalformed, RecoveredWithProblemsRecorded) {
  Feed feed = MustParse(R"(<rss><channel><title>Broken</title>
    <item><title>One <b>bold</title><link>http://e.com/1</link></item>
    <item><title>Two</title><link>http://e.com/2</link></item>)");
  EXPECT_EQ(feed.title, "Broken");
  ASSERT_GE(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title.rfind("One", 0), 0u) << feed.entries[0].title;
  EXPECT_FALSE(feed.problems.empty());
  EXPECT_TRUE(HasProblem(feed, "XML line")) << JoinProblems(feed);
}

TEST(FeedMalformed, UndeclaredHtmlEntitiesAreDecoded) {
  Feed feed = MustParse(R"(<rss><channel><title>Caf&eacute;&nbsp;&amp; co</title>
    <item><link>http://e.com/1</link><title>&ldquo;Quoted&rdquo; &notanentity;</title>
      <description><![CDATA[keep &eacute; here]]></description></item></channel></rss>)");
  EXPECT_EQ(feed.title, "Café\u00a0& co");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "\u201cQuoted\u201d");
  EXPECT_EQ(feed.entries[0].summary, "keep &eacute; here");  // CDATA is not rewritten
  EXPECT_TRUE(HasProblem(feed, "undeclared entities read as HTML")) << JoinProblems(feed);
}

TEST(FeedMalformed, UndeclaredEntitiesWithAnExternalDtdToo) {
  // With an (unread) external DTD libxml2 keeps the references as nodes.
  Feed feed = MustParse(R"(<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
    "http://my.netscape.com/publish/formats/rss-0.91.dtd">
    <rss version="0.91"><channel><title>Fa&ccedil;ade</title></channel></rss>)");
  EXPECT_EQ(feed.title, "Façade");
}

TEST(FeedMalformed, ControlCharactersDoNotStopTheParse) {
  Feed feed = MustParse(
      "<rss><channel><title>a\x0b"
      "b</title><item><link>http://e.com/</link>"
      "</item></channel></rss>");
  EXPECT_EQ(feed.entries.size(), 1u);
  EXPECT_FALSE(feed.problems.empty());
}

// ====================================================================== errors

TEST(FeedErrors, NotXmlOrEmpty) {
  for (std::string_view body : {"", "   \n", "hello world", "{\"version\": \"jsonfeed\"}"}) {
    auto feed = Parse(body);
    ASSERT_FALSE(feed.ok()) << body;
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError);
    EXPECT_NE(feed.status().message().find("not XML"), std::string::npos)
        << feed.status().message();
  }
}

TEST(FeedErrors, HtmlPageIsNotAFeed) {
  auto feed = Parse(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Home</title></head>
<body><p>Welcome&nbsp;home<br></p></body></html>)");
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().code(), StatusCode::kParseError);
  EXPECT_EQ(feed.status().message(), "not an RSS/Atom feed: root element <html>");
}

TEST(FeedErrors, OtherXmlIsNotAFeed) {
  auto feed = Parse(
      R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>)");
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().message(), "not an RSS/Atom feed: root element <urlset>");
  // <feed> in a foreign namespace is read as Atom (like feedparser), with a problem.
  auto other = Parse(R"(<feed xmlns="http://example.com/other"><title>T</title></feed>)");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->title, "T");
  EXPECT_TRUE(HasProblem(*other, "namespace 'http://example.com/other' read as Atom"));
}

TEST(FeedErrors, FormatNames) {
  EXPECT_EQ(FeedFormatName(FeedFormat::kRss2), "rss2");
  EXPECT_EQ(FeedFormatName(FeedFormat::kRss1), "rss1");
  EXPECT_EQ(FeedFormatName(FeedFormat::kAtom1), "atom1");
  EXPECT_EQ(FeedFormatName(FeedFormat::kUnknown), "unknown");
}

// ====================================================================== limits

std::string RssWithItems(int n) {
  std::string body = "<rss><channel><title>Many</title>";
  for (int i = 0; i < n; ++i) {
    body += "<item><title>Item " + std::to_string(i) + "</title><link>http://e.com/" +
            std::to_string(i) + "</link></item>";
  }
  return body + "</channel></rss>";
}

TEST(FeedLimits, OversizedBodyIsRejectedBeforeParsing) {
  FeedParseOptions options;
  options.max_bytes = 100;
  // Not even XML: a TooLarge (not a ParseError) proves no parse was tried.
  auto feed = Parse(std::string(101, 'x'), "", options);
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(Parse(RssWithItems(0), "", options).ok());
}

TEST(FeedLimits, EntriesBeyondTheCapAreDropped) {
  FeedParseOptions options;
  options.max_entries = 3;
  Feed feed = MustParse(RssWithItems(10), "", options);
  ASSERT_EQ(feed.entries.size(), 3u);
  EXPECT_EQ(feed.entries[2].title, "Item 2");  // the first ones are kept
  EXPECT_TRUE(HasProblem(feed, "7 entries beyond max_entries (3) dropped")) << JoinProblems(feed);
}

TEST(FeedLimits, LongFieldsAreTruncatedOnACharacterBoundary) {
  FeedParseOptions options;
  options.max_field_bytes = 10;
  std::string title;
  for (int i = 0; i < 100; ++i) title += "关";  // 3 bytes each
  Feed feed = MustParse("<rss><channel><item><title>" + title +
                            "</title><link>http://e.com/</link>"
                            "<description>" +
                            std::string(5000, 'd') + "</description></item></channel></rss>",
                        "", options);
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "关关关");  // 9 bytes: a 4th would split a character
  EXPECT_EQ(feed.entries[0].summary, std::string(10, 'd'));
  EXPECT_TRUE(HasProblem(feed, "entries[0] title truncated to 10 bytes")) << JoinProblems(feed);
  EXPECT_TRUE(HasProblem(feed, "entries[0] summary truncated")) << JoinProblems(feed);
}

TEST(FeedLimits, LargeFeedIsLinearAndKeepsTheDefaultCap) {
  // ~4 MB, 6,000 items: every per-entry step must be linear, or this takes
  // minutes instead of well under a second (even with sanitizers).
  std::string body = "<rss><channel><title>Big</title>";
  const std::string description(500, 'x');
  for (int i = 0; i < 6000; ++i) {
    const std::string n = std::to_string(i);
    body += "<item><title>Item &amp; " + n + "</title><link>/a/" + n +
            "</link><pubDate>Wed, 28 Jan 2026 09:30:00 GMT</pubDate><description>&lt;p&gt;" +
            description + "&lt;/p&gt;</description><category>c</category></item>";
  }
  body += "</channel></rss>";
  const auto start = std::chrono::steady_clock::now();
  Feed feed = MustParse(body);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(feed.entries.size(), 5000u);
  EXPECT_EQ(feed.entries[4999].link, "https://example.org/a/4999");
  EXPECT_TRUE(HasProblem(feed, "1000 entries beyond max_entries (5000) dropped"));
}

TEST(FeedLimits, CategoriesAreCappedPerEntry) {
  std::string body = "<rss><channel><item><link>http://e.com/</link>";
  for (int i = 0; i < 150; ++i) body += "<category>c" + std::to_string(i) + "</category>";
  Feed feed = MustParse(body + "</item></channel></rss>");
  ASSERT_EQ(feed.entries.size(), 1u);
  ASSERT_EQ(feed.entries[0].categories.size(), 100u);
  EXPECT_EQ(feed.entries[0].categories.back(), "c99");
  EXPECT_TRUE(HasProblem(feed, "more than 100 categories")) << JoinProblems(feed);
}

std::string Nested(int depth) {
  std::string body = "<rss><channel><item><link>http://e.com/</link><description>";
  for (int i = 0; i < depth; ++i) body += "<div>";
  body += "deep";
  for (int i = 0; i < depth; ++i) body += "</div>";
  return body + "</description></item></channel></rss>";
}

TEST(FeedLimits, NestingDeeperThanMaxDepthIsTooLarge) {
  FeedParseOptions options;
  options.max_depth = 20;
  auto deep = Parse(Nested(30), "", options);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(deep.status().message().find("max_depth (20)"), std::string::npos);
  EXPECT_TRUE(Parse(Nested(10), "", options).ok());
}

TEST(FeedLimits, VeryDeepNestingHitsLibxml2sLimitQuickly) {
  const auto start = std::chrono::steady_clock::now();
  auto deep = Parse(Nested(100000));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kTooLarge) << deep.status().ToString();
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

// ====================================================================== hostile input

TEST(FeedSecurity, BillionLaughsReturnsQuicklyAndSmall) {
  std::string dtd = R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">)";
  std::string prev = "lol";
  for (int i = 1; i <= 9; ++i) {
    const std::string name = "lol" + std::to_string(i);
    dtd += "<!ENTITY " + name + " \"";
    for (int k = 0; k < 10; ++k) dtd += "&" + prev + ";";
    dtd += "\">";
    prev = name;
  }
  dtd += "]>";
  const std::string body = dtd +
                           "<rss><channel><title a=\"&lol9;\">&lol9;</title><item><title>&lol9;"
                           "</title><link>http://e.com/</link></item></channel></rss>";
  const auto start = std::chrono::steady_clock::now();
  auto feed = Parse(body);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  if (feed.ok()) {
    EXPECT_LT(AllOutput(*feed).size(), 10000u);
    EXPECT_FALSE(feed->problems.empty());
  } else {
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError);
  }
}

TEST(FeedSecurity, QuadraticBlowupIsBoundedByTheExpansionBudget) {
  const std::string big(20000, 'x');
  std::string refs;
  for (int i = 0; i < 2000; ++i) refs += "&a;";  // 40 MB if expanded every time
  const std::string body = "<!DOCTYPE rss [<!ENTITY a \"" + big + "\">]><rss><channel><title>" +
                           refs + "</title></channel></rss>";
  auto feed = Parse(body);
  ASSERT_TRUE(feed.ok()) << feed.status().ToString();
  EXPECT_LE(feed->title.size(), 1u << 20);
  EXPECT_GE(feed->title.size(), 20000u);  // plain internal entities are still expanded
  EXPECT_TRUE(HasProblem(*feed, "not expanded")) << JoinProblems(*feed);
}

TEST(FeedSecurity, InternalTextEntitiesAreExpanded) {
  Feed feed = MustParse(R"(<!DOCTYPE rss [<!ENTITY site "Example Site">]>
    <rss><channel><title>&site; news</title></channel></rss>)");
  EXPECT_EQ(feed.title, "Example Site news");
}

TEST(FeedSecurity, ExternalEntitiesAreNeverRead) {
  for (std::string_view body : {
           R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&x;</title><item><title a="&x;">t &x;</title><link>http://e.com/</link><description>&x;</description></item></channel></rss>)",
           R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<rss><channel><title>t</title></channel></rss>)",
           R"(<?xml version="1.0"?><!DOCTYPE rss SYSTEM "file:///etc/passwd">
<rss><channel><title>t</title></channel></rss>)",
           R"(<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">&x;</div></content><link href="http://e.com/"/></entry></feed>)",
       }) {
    auto feed = Parse(body);
    if (!feed.ok()) continue;  // an error is fine too; reading the file is not
    const std::string all = AllOutput(*feed);
    EXPECT_EQ(all.find("root:"), std::string::npos) << all;
  }
}

// ====================================================================== corpora

std::string SourceUrlOf(const std::string& body, const std::string& fallback) {
  const size_t pos = body.find("Source: ");
  if (pos == std::string::npos) return fallback;
  const size_t end = body.find_first_of(" \r\n", pos + 8);
  return body.substr(pos + 8, end - pos - 8);
}

struct CorpusFeed {
  std::string path;  // under corpora/multilingual
  bool (*script)(char32_t);
};

// How many entries have an empty <title></title> in the source itself.
int EmptyTitlesInSource(const std::string& body) {
  int n = 0;
  for (size_t p = body.find("<title></title>"); p != std::string::npos;
       p = body.find("<title></title>", p + 1)) {
    ++n;
  }
  return n;
}

void CheckCorpusFeed(const CorpusFeed& c, bool all_titles_in_script) {
  SCOPED_TRACE(c.path);
  const std::string body =
      testing::ReadFileOrDie(testing::SharedDir() / "corpora/multilingual" / c.path);
  ASSERT_FALSE(body.empty());
  auto feed = Parse(body, "", {}, SourceUrlOf(body, "https://feeds.example/" + c.path));
  ASSERT_TRUE(feed.ok()) << feed.status().ToString();
  ASSERT_GT(feed->entries.size(), 0u);
  int in_script = 0;
  int empty_titles = 0;
  for (const FeedEntry& e : feed->entries) {
    if (e.title.empty()) ++empty_titles;
    EXPECT_TRUE(IsHttpUrl(e.link)) << "'" << e.link << "' in " << e.title;
    EXPECT_TRUE(DecodeUtf8(e.title).has_value()) << e.title;
    EXPECT_FALSE(AnyCodePoint(e.title, IsReplacement)) << e.title;
    EXPECT_FALSE(AnyCodePoint(e.summary + e.content, IsReplacement)) << e.title;
    if (AnyCodePoint(e.title, c.script)) ++in_script;
  }
  // cnblog.org has one item with <title></title>; every other title is set.
  EXPECT_EQ(empty_titles, EmptyTitlesInSource(body));
  EXPECT_FALSE(HasProblem(*feed, "unparseable date")) << JoinProblems(*feed);
  if (all_titles_in_script) {
    EXPECT_EQ(in_script, static_cast<int>(feed->entries.size()));
  } else {
    EXPECT_GT(in_script, 0);
  }
  std::printf("[ corpus ] %s: %s, %zu entries, %d titles in script, %zu problems\n", c.path.c_str(),
              std::string(FeedFormatName(feed->format)).c_str(), feed->entries.size(), in_script,
              feed->problems.size());
}

TEST(FeedCorpus, RfaRdfFeedsInUyghurMandarinAndEnglish) {
  MW_REQUIRE_SHARED();
  for (const CorpusFeed& c : {CorpusFeed{"rss/rfa-uyghur-nuus.xml", IsArabicScript},
                              CorpusFeed{"rss/rfa-mandarin-nuus.xml", IsCjk}}) {
    CheckCorpusFeed(c, /*all_titles_in_script=*/true);
  }
  const std::string body = testing::ReadFileOrDie(testing::SharedDir() /
                                                  "corpora/multilingual/rss/rfa-english-nuus.xml");
  auto feed = Parse(body, "application/rdf+xml", {}, "https://www.rfa.org/english/RSS");
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->format, FeedFormat::kRss1);
  ASSERT_GT(feed->entries.size(), 0u);
  for (const FeedEntry& e : feed->entries) {
    EXPECT_FALSE(e.title.empty());
    EXPECT_TRUE(IsHttpUrl(e.link)) << e.link;
    EXPECT_FALSE(e.content.empty()) << e.title;  // the RFA feeds carry full content:encoded
    EXPECT_TRUE(e.published.has_value()) << e.title;
  }
}

TEST(FeedCorpus, LegacyGbAndBig5Feeds) {
  MW_REQUIRE_SHARED();
  // Only the feeds: the folder also holds HTML pages (jb51-homepage-gbk.html)
  // and Arabic pages, which are not ours to parse.
  const std::vector<CorpusFeed> feeds = {
      {"legacy-encodings/GB2312/acnnewswire.net.xml", IsCjk},
      {"legacy-encodings/GB2312/cnblog.org.xml", IsCjk},
      {"legacy-encodings/GB2312/softsea.net.xml", IsCjk},
      {"legacy-encodings/GB2312/w3cn.org.xml", IsCjk},
      {"legacy-encodings/Big5/coolloud.org.tw.xml", IsCjk},
      {"legacy-encodings/Big5/digitalwall.com.xml", IsCjk},
      {"legacy-encodings/Big5/sinica.edu.tw.xml", IsCjk},
      {"legacy-encodings/Big5/upsaid.com.xml", IsCjk},
  };
  for (const CorpusFeed& c : feeds) CheckCorpusFeed(c, /*all_titles_in_script=*/false);
}

// ---------------------------------------------------------------- feedparser

// Renders expected feedparser values as plain text: feedparser keeps
// (sanitized) HTML in titles, while our titles are plain text.
std::string PlainTextOf(std::string_view html) {
  std::string text;
  for (size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '<') {
      const size_t close = html.find('>', i);
      if (close != std::string_view::npos) {
        i = close;
        continue;
      }
    }
    text.push_back(html[i]);
  }
  // Numeric references to ASCII, then the named ones, "&amp;" last.
  for (size_t p = text.find("&#"); p != std::string::npos; p = text.find("&#", p + 1)) {
    const size_t semi = text.find(';', p);
    if (semi == std::string::npos || semi - p > 8) continue;
    const bool hex = text[p + 2] == 'x' || text[p + 2] == 'X';
    const long cp = std::strtol(text.c_str() + p + (hex ? 3 : 2), nullptr, hex ? 16 : 10);
    if (cp > 0 && cp < 0x80) text.replace(p, semi + 1 - p, std::string(1, static_cast<char>(cp)));
  }
  static const std::vector<std::pair<std::string, std::string>> kRefs = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [ref, ch] : kRefs) {
    for (size_t p = text.find(ref); p != std::string::npos; p = text.find(ref, p + ch.size())) {
      text.replace(p, ref.size(), ch);
    }
  }
  std::string collapsed;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !collapsed.empty();
      continue;
    }
    if (space) collapsed.push_back(' ');
    space = false;
    collapsed.push_back(c);
  }
  return collapsed;
}

enum class Compare { kExact, kText, kMarkup, kDate, kFormat };

struct Mapped {
  std::optional<std::string> actual;  // nullopt: the path does not exist in our result
  Compare compare = Compare::kExact;
};

// Maps a feedparser result path onto our Feed. nullopt when the field has no
// counterpart here; `reason` then says why (the skip categories).
std::optional<Mapped> MapPath(const Feed& feed, const nlohmann::json& path, std::string* reason) {
  auto key = [&](size_t i) {
    return i < path.size() && path[i].is_string() ? path[i].get<std::string>() : std::string();
  };
  auto str = [](const std::string& s) { return std::optional<std::string>(s); };
  const std::string k0 = key(0);
  if (k0 == "version")
    return Mapped{str(std::string(FeedFormatName(feed.format))), Compare::kFormat};
  if (k0 == "feed") {
    const std::string k1 = key(1);
    if (k1 == "title" || (k1 == "title_detail" && key(2) == "value"))
      return Mapped{str(feed.title), Compare::kText};
    if (k1 == "link") return Mapped{str(feed.link), Compare::kExact};
    if (k1 == "language") return Mapped{str(feed.language), Compare::kExact};
    // subtitle/description, author(s), contributors, id, links, tags, rights,
    // dates: Feed keeps only title, link and language.
    *reason = "feed." + k1 + ": Feed has title, link and language only";
    if (k1.ends_with("_detail")) *reason = "feed." + k1 + "." + key(2) + ": no such Feed field";
    return std::nullopt;
  }
  if (k0 != "entries" || path.size() < 3 || !path[1].is_number()) {
    *reason = k0 + ": not a feed or entry field";
    return std::nullopt;
  }
  const size_t index = path[1].get<size_t>();
  const FeedEntry* e = index < feed.entries.size() ? &feed.entries[index] : nullptr;
  auto field = [&](auto get) -> std::optional<std::string> {
    return e ? std::optional<std::string>(get(*e)) : std::nullopt;
  };
  const std::string k2 = key(2);
  if (k2 == "title" || (k2 == "title_detail" && key(3) == "value")) {
    return Mapped{field([](const FeedEntry& x) { return x.title; }), Compare::kText};
  }
  if (k2 == "link")
    return Mapped{field([](const FeedEntry& x) { return x.link; }), Compare::kExact};
  if (k2 == "id" || k2 == "guid")
    return Mapped{field([](const FeedEntry& x) { return x.id; }), Compare::kExact};
  if (k2 == "author")
    return Mapped{field([](const FeedEntry& x) { return x.author; }), Compare::kExact};
  if (k2 == "summary" || k2 == "description" || (k2 == "summary_detail" && key(3) == "value")) {
    return Mapped{field([](const FeedEntry& x) { return x.summary; }), Compare::kMarkup};
  }
  if (k2 == "content" && key(4) == "value") {
    return Mapped{field([](const FeedEntry& x) { return x.content; }), Compare::kMarkup};
  }
  if (k2 == "published_parsed" || k2 == "updated_parsed") {
    // feedparser's `updated` falls back to `published`, and ours the other way.
    const bool published = k2 == "published_parsed";
    return Mapped{field([&](const FeedEntry& x) {
                    auto t = published ? x.published : (x.updated ? x.updated : x.published);
                    return t ? FormatIso8601Utc(*t) : std::string("none");
                  }),
                  Compare::kDate};
  }
  if ((k2 == "tags" && path.size() >= 5 && path[3].is_number() && key(4) == "term") ||
      k2 == "category") {
    const size_t t = k2 == "category" ? 0 : path[3].get<size_t>();
    return Mapped{field([&](const FeedEntry& x) {
                    return t < x.categories.size() ? x.categories[t] : std::string("<none>");
                  }),
                  Compare::kExact};
  }
  // *_detail.type, links[], enclosures[], authors[]/author_detail,
  // contributors[], tags[].scheme/label, created(_parsed), raw date strings:
  // FeedEntry keeps one link, one author string, category terms and parsed
  // published/updated instants only.
  std::string name = "entries[]";
  for (size_t i = 2; i < path.size(); ++i) name += path[i].is_string() ? "." + key(i) : "[]";
  *reason = name + ": no such FeedEntry field";
  return std::nullopt;
}

std::string FormatOfFeedparserVersion(const std::string& v) {
  if (v.rfind("atom", 0) == 0) return "atom1";
  if (v == "rss090" || v == "rss10") return "rss1";
  if (v.rfind("rss", 0) == 0) return "rss2";
  return "unknown";
}

bool Matches(const Mapped& m, const nlohmann::json& expected) {
  if (!m.actual) return false;
  const std::string& actual = *m.actual;
  switch (m.compare) {
    case Compare::kFormat:
      return expected.is_string() &&
             actual == FormatOfFeedparserVersion(expected.get<std::string>());
    case Compare::kDate: {
      if (!expected.is_array() || expected.size() < 6) return false;
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", expected[0].get<int>(),
                    expected[1].get<int>(), expected[2].get<int>(), expected[3].get<int>(),
                    expected[4].get<int>(), expected[5].get<int>());
      return actual == buf;
    }
    case Compare::kExact:
      return expected.is_string() && actual == expected.get<std::string>();
    case Compare::kText: {
      // Our titles are plain text; feedparser's may be HTML.
      if (!expected.is_string()) return false;
      const std::string want = expected.get<std::string>();
      return actual == want || actual == PlainTextOf(want);
    }
    case Compare::kMarkup: {
      // feedparser sanitizes and re-serializes HTML; the text must agree.
      if (!expected.is_string()) return false;
      const std::string want = expected.get<std::string>();
      return actual == want || PlainTextOf(actual) == PlainTextOf(want);
    }
  }
  return false;
}

TEST(FeedCorpus, FeedparserCoreSimpleChecks) {
  MW_REQUIRE_SHARED();
  const auto dir = testing::SharedDir() / "corpora/feedparser";
  std::istringstream lines(testing::ReadFileOrDie(dir / "core_simple.jsonl"));
  std::string line;
  int rows = 0;
  int run = 0;
  int passed = 0;
  std::map<std::string, int> skipped;
  std::vector<std::string> failures;
  std::vector<std::string> xml_errors_on_wellformed;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++rows;
    const nlohmann::json row = nlohmann::json::parse(line);
    const std::string file = row.at("file").get<std::string>();
    const std::string body = testing::ReadFileOrDie(dir / file);
    // The upstream harness serves the files from a local web server.
    auto feed = Parse(body, "", {}, "http://127.0.0.1:8097/" + file);
    // A feed feedparser finds well-formed must not make libxml2 complain.
    if (row.at("bozo_must_be_false").get<bool>() && feed.ok() &&
        (HasProblem(*feed, "XML line") || HasProblem(*feed, "undeclared"))) {
      xml_errors_on_wellformed.push_back(file + ": " + JoinProblems(*feed));
    }
    for (const auto& check : row.at("checks")) {
      std::string reason;
      auto mapped = feed.ok() ? MapPath(*feed, check.at("path"), &reason) : std::nullopt;
      if (feed.ok() && !mapped) {
        ++skipped[reason];
        continue;
      }
      ++run;
      if (mapped && Matches(*mapped, check.at("equals"))) {
        ++passed;
      } else {
        failures.push_back(
            file + " " + check.at("path").dump() + ": want " + check.at("equals").dump() +
            ", got " +
            (feed.ok() ? (mapped && mapped->actual ? "\"" + *mapped->actual + "\"" : "missing")
                       : feed.status().ToString()));
      }
    }
  }
  // bozo_must_be_false is not compared: Feed::problems also reports entries
  // without links (most of these snippets have none), which feedparser does
  // not count as bozo.
  EXPECT_EQ(rows, 489);
  int total_skipped = 0;
  for (const auto& [category, n] : skipped) total_skipped += n;
  std::printf("[ feedparser ] %d/%d mapped checks passed (%.1f%%), %d skipped:\n", passed, run,
              100.0 * passed / std::max(run, 1), total_skipped);
  for (const auto& [category, n] : skipped) std::printf("    skip %3d  %s\n", n, category.c_str());
  for (const std::string& f : failures) std::printf("    FAIL %s\n", f.c_str());
  // Measured: 280 of 296 (94.6%). The 16 failures are deliberate differences:
  //  - feedparser writes an Atom author as "name (email)"; we keep the name (2);
  //  - with several <updated>, feedparser keeps the last, we the first (1);
  //  - feedparser copies Atom content into a missing summary ("description"),
  //    and reads made-up RSS elements (<summary>, <fullitem>, <tags>,
  //    <dc:author>) that we do not (11);
  //  - typepad's escaped HTML inside an XHTML <div> in type="html" content,
  //    and a "<!'" that is not a doctype: the text differs by markup (2).
  EXPECT_EQ(run, 296);
  EXPECT_GE(passed, 280);
  EXPECT_TRUE(xml_errors_on_wellformed.empty())
      << xml_errors_on_wellformed.size() << " well-formed feeds with XML problems, first: "
      << (xml_errors_on_wellformed.empty() ? "" : xml_errors_on_wellformed.front());
}

}  // namespace
}  // namespace mw
