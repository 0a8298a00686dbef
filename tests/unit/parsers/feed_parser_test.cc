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
#include <optional>
#include <set>
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

TEST(FeedEncoding, WithoutAnyLabelInvalidUtf8IsDetectedAndTheGuessRecorded) {
  // Enough GBK text for ICU's detector to be sure.
  std::string body = "<rss><channel><title>";
  for (int i = 0; i < 20; ++i) {
    body += std::string(kGbkGuanHeng) + "\xd6\xd0\xb9\xfa\xd0\xc2\xce\xc5";  // 关恒中国新闻
  }
  body += "</title></channel></rss>";
  Feed feed = MustParse(body);
  EXPECT_EQ(feed.encoding, "GB18030");
  EXPECT_EQ(feed.title.substr(0, 18), "关恒中国新闻");
  EXPECT_FALSE(AnyCodePoint(feed.title, IsReplacement));
  EXPECT_TRUE(HasProblem(feed, "encoding guessed: GB18030 (confidence ")) << JoinProblems(feed);
}

TEST(FeedEncoding, AShortGuessIsStillRecordedWithItsConfidence) {
  // Six bytes are too few to tell GBK from Latin-1: whatever ICU guesses
  // is flagged as a guess, so nobody mistakes it for a declaration.
  Feed feed = MustParse(GbkFeed(""));
  EXPECT_TRUE(HasProblem(feed, "encoding guessed: ")) << JoinProblems(feed);
  EXPECT_TRUE(HasProblem(feed, "(confidence ")) << JoinProblems(feed);
}

TEST(FeedEncoding, DetectionNeverOverridesADeclarationOrValidUtf8) {
  // Declared: GBK bytes labelled UTF-8 are decoded as UTF-8 (with U+FFFD),
  // not guessed at.
  Feed declared = MustParse(GbkFeed(R"(<?xml version="1.0" encoding="utf-8"?>)"));
  EXPECT_TRUE(AnyCodePoint(declared.title, IsReplacement));
  EXPECT_FALSE(HasProblem(declared, "encoding guessed")) << JoinProblems(declared);
  // Valid UTF-8 without a declaration is UTF-8, however Latin-1 it looks.
  Feed utf8 = MustParse("<rss><channel><title>\xc3\xa9t\xc3\xa9</title></channel></rss>");
  EXPECT_EQ(utf8.title, "été");
  EXPECT_EQ(utf8.encoding, "UTF-8");
  EXPECT_TRUE(utf8.problems.empty()) << JoinProblems(utf8);
}

TEST(FeedEncoding, ThaiTis620IsRecognisedWhereIcuCannot) {
  // A Thai sentence in TIS-620 (news today: the government announces a new
  // policy on education and the economy; many people comment online). ICU
  // has no Thai detector and calls this EUC-KR with confidence 55.
  const std::string body =
      "<rss><channel><title>"
      "\xa2\xe8\xd2\xc7\xc7\xd1\xb9\xb9\xd5\xe9 \xc3\xd1\xb0\xba\xd2\xc5\xe4\xb7\xc2\xbb\xc3\xd0"
      "\xa1\xd2\xc8\xb9\xe2\xc2\xba\xd2\xc2\xe3\xcb\xc1\xe8\xe0\xa1\xd5\xe8\xc2\xc7\xa1\xd1\xba"
      "\xa1\xd2\xc3\xc8\xd6\xa1\xc9\xd2\xe1\xc5\xd0\xe0\xc8\xc3\xc9\xb0\xa1\xd4\xa8\xa2\xcd\xa7"
      "\xbb\xc3\xd0\xe0\xb7\xc8 \xbb\xc3\xd0\xaa\xd2\xaa\xb9\xa8\xd3\xb9\xc7\xb9\xc1\xd2\xa1\xe1"
      "\xca\xb4\xa7\xa4\xc7\xd2\xc1\xa4\xd4\xb4\xe0\xcb\xe7\xb9\xbc\xe8\xd2\xb9\xca\xd7\xe8\xcd"
      "\xca\xd1\xa7\xa4\xc1\xcd\xcd\xb9\xe4\xc5\xb9\xec</title></channel></rss>";
  Feed feed = MustParse(body);
  EXPECT_EQ(feed.encoding, "windows-874");
  EXPECT_EQ(feed.title.substr(0, 30), "ข่าววันนี้");
  EXPECT_TRUE(HasProblem(feed, "encoding guessed: windows-874")) << JoinProblems(feed);
}

TEST(FeedEncoding, KoreanAndChineseAreNotMistakenForThai) {
  // EUC-KR: the Thai mark values occur, but only as second bytes of pairs.
  // "한국어 뉴스 오늘의 소식" (Korean news, today's news) repeated.
  std::string korean = "<rss><channel><title>";
  for (int i = 0; i < 6; ++i) {
    korean +=
        "\xc7\xd1\xb1\xb9\xbe\xee \xb4\xba\xbd\xba \xbf\xc0\xb4\xc3\xc0\xc7 "
        "\xbc\xd2\xbd\xc4 ";
  }
  korean += "</title></channel></rss>";
  EXPECT_FALSE(feed_internal::GuessCharset(korean)->label == "windows-874");
  EXPECT_NE(MustParse(korean).encoding, "windows-874");
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

TEST(FeedEncoding, Utf32WithAndWithoutBomIsDecoded) {
  // Not a WHATWG encoding, but XML 1.0 Appendix F names it.
  const std::u32string text = U"<rss><channel><title>关 t</title></channel></rss>";
  std::string utf32le("\xff\xfe\0\0", 4);
  std::string utf32be("\0\0\xfe\xff", 4);
  for (char32_t c : text) {
    for (int k = 0; k < 4; ++k) utf32le.push_back(static_cast<char>((c >> (8 * k)) & 0xFF));
    for (int k = 3; k >= 0; --k) utf32be.push_back(static_cast<char>((c >> (8 * k)) & 0xFF));
  }
  for (const auto& [body, charset] :
       {std::pair{utf32le, "UTF-32LE"}, std::pair{utf32le.substr(4), "UTF-32LE"},
        std::pair{utf32be, "UTF-32BE"}, std::pair{utf32be.substr(4), "UTF-32BE"}}) {
    Feed feed = MustParse(body);
    EXPECT_EQ(feed.title, "关 t");
    EXPECT_EQ(feed.encoding, charset);
    EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
  }
  // A code point beyond U+10FFFF and a trailing partial unit: U+FFFD, counted.
  std::string bad("\xff\xfe\0\0", 4);
  auto append_le = [&](char32_t c) {
    for (int k = 0; k < 4; ++k) bad.push_back(static_cast<char>((c >> (8 * k)) & 0xFF));
  };
  for (char32_t c : std::u32string(U"<rss><channel><title>a")) append_le(c);
  append_le(0x110000);
  for (char32_t c : std::u32string(U"</title></channel></rss>")) append_le(c);
  bad += "\n\0";
  Feed feed = MustParse(bad);
  EXPECT_EQ(feed.title, "a\uFFFD");
  EXPECT_TRUE(HasProblem(feed, "2 invalid code unit(s) in UTF-32LE")) << JoinProblems(feed);
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
  // CDATA is not rewritten; the sanitizer reads &eacute; as HTML does.
  EXPECT_EQ(feed.entries[0].summary, "keep é here");
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
  for (std::string_view body : {"", "   \n", "hello world", "[1, 2]"}) {
    auto feed = Parse(body);
    ASSERT_FALSE(feed.ok()) << body;
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError);
    EXPECT_NE(feed.status().message().find("not XML"), std::string::npos)
        << feed.status().message();
  }
  // A '{' means JSON: a JSON object that is no JSON Feed is refused as such.
  for (std::string_view body : {"{\"version\": \"other\"}", "{not json"}) {
    auto feed = Parse(body);
    ASSERT_FALSE(feed.ok()) << body;
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError);
    EXPECT_NE(feed.status().message().find("not a JSON Feed"), std::string::npos)
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
  auto feed = Parse(R"(<?xml version="1.0"?><opml version="2.0"><body/></opml>)");
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().message(), "not an RSS/Atom feed: root element <opml>");
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

TEST(FeedLimits, LinksAndAuthorsAreCappedPerEntry) {
  std::string item = "<item><link>http://e.com/1</link>";
  for (int i = 0; i < 300; ++i) {
    item += "<atom:link rel=\"related\" href=\"http://e.com/r" + std::to_string(i) +
            "\"/><dc:creator>A" + std::to_string(i) + "</dc:creator>";
  }
  item += "</item>";
  Feed feed = MustParse(
      "<rss xmlns:atom=\"http://www.w3.org/2005/Atom\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>" +
      item + "</channel></rss>");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].links.size(), 100u);
  EXPECT_EQ(feed.entries[0].authors.size(), 50u);
  EXPECT_EQ(feed.entries[0].author_details.size(), 50u);
  EXPECT_TRUE(HasProblem(feed, "entries[0]: more than 100 links; the rest dropped"))
      << JoinProblems(feed);
  EXPECT_TRUE(HasProblem(feed, "entries[0]: more than 50 authors; the rest dropped"))
      << JoinProblems(feed);
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

// ====================================================================== versions

TEST(FeedVersion, FeedparserVersionNames) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"x(<rss version="0.91"><channel/></rss>)x", "rss091u"},
      {R"x(<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
          "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>)x",
       "rss091n"},
      {R"x(<rss version="0.92"/>)x", "rss092"},
      {R"x(<rss version="0.93"/>)x", "rss093"},
      {R"x(<rss version="0.94"/>)x", "rss094"},
      {R"x(<rss version="2.0"/>)x", "rss20"},
      {R"x(<rss version="2.01"/>)x", "rss20"},
      {R"x(<rss/>)x", "rss"},
      {R"x(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
          xmlns="http://purl.org/rss/1.0/"><channel/></rdf:RDF>)x",
       "rss10"},
      {R"x(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
          xmlns="http://my.netscape.com/rdf/simple/0.9/"/>)x",
       "rss090"},
      {R"x(<feed xmlns="http://www.w3.org/2005/Atom"/>)x", "atom10"},
      {R"x(<feed version="0.3" xmlns="http://purl.org/atom/ns#"/>)x", "atom03"},
      {R"x(<feed xmlns="http://example.com/other"/>)x", "atom"},
      {R"x({"version": "https://jsonfeed.org/version/1", "items": []})x", "json1"},
      {R"x({"version": "https://jsonfeed.org/version/1.1", "items": []})x", "json11"},
  };
  for (const auto& [body, version] : cases) {
    auto feed = Parse(body);
    ASSERT_TRUE(feed.ok()) << body << ": " << feed.status().ToString();
    EXPECT_EQ(feed->version, version) << body;
  }
}

// ====================================================================== metadata

TEST(FeedMetadata, RssChannelFields) {
  Feed feed = MustParse(R"x(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:dcterms="http://purl.org/dc/terms/" xmlns:atom="http://www.w3.org/2005/Atom">
    <channel>
      <title>Desk</title>
      <link>https://example.org/</link>
      <atom:link rel="self" href="https://example.org/rss"/>
      <description>&lt;p&gt;News &lt;script&gt;x()&lt;/script&gt;&lt;/p&gt;</description>
      <managingEditor>desk@example.org (The Desk)</managingEditor>
      <dc:contributor>Night Shift</dc:contributor>
      <category domain="https://example.org/cats">World</category>
      <dc:subject>China</dc:subject>
      <pubDate>Tue, 27 Jan 2026 08:00:00 GMT</pubDate>
      <lastBuildDate>Wed, 28 Jan 2026 09:00:00 GMT</lastBuildDate>
      <dcterms:created>2020-01-01T00:00:00Z</dcterms:created>
      <ttl>90</ttl>
    </channel>
  </rss>)x");
  EXPECT_EQ(feed.version, "rss20");
  EXPECT_EQ(feed.encoding, "UTF-8");
  EXPECT_EQ(feed.subtitle, "<p>News </p>");
  EXPECT_EQ(feed.subtitle_type, "text/html");
  EXPECT_EQ(feed.title_type, "text/plain");
  EXPECT_EQ(feed.author, "desk@example.org (The Desk)");
  ASSERT_EQ(feed.author_details.size(), 1u);
  EXPECT_EQ(feed.author_details[0].name, "The Desk");
  EXPECT_EQ(feed.author_details[0].email, "desk@example.org");
  ASSERT_EQ(feed.contributors.size(), 1u);
  EXPECT_EQ(feed.contributors[0].name, "Night Shift");
  ASSERT_EQ(feed.tags.size(), 2u);
  EXPECT_EQ(feed.tags[0].term, "World");
  EXPECT_EQ(feed.tags[0].scheme, "https://example.org/cats");
  EXPECT_EQ(feed.tags[1].term, "China");
  EXPECT_EQ(Iso(feed.published), "2026-01-27T08:00:00Z");
  EXPECT_EQ(Iso(feed.updated), "2026-01-28T09:00:00Z");
  EXPECT_EQ(Iso(feed.created), "2020-01-01T00:00:00Z");
  EXPECT_EQ(feed.ttl_seconds, 90 * 60);
  ASSERT_EQ(feed.links.size(), 2u);
  EXPECT_EQ(feed.links[0].href, "https://example.org/");
  EXPECT_EQ(feed.links[0].rel, "alternate");
  EXPECT_EQ(feed.links[1].rel, "self");
  EXPECT_EQ(feed.links[1].type, "application/atom+xml");  // feedparser's default for self
  EXPECT_EQ(feed.link, "https://example.org/");
}

std::string RssChannel(std::string_view inside) {
  return R"x(<rss xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>)x" +
         std::string(inside) + "</channel></rss>";
}

TEST(FeedMetadata, PollingHintsFromTtlAndSyndicationModule) {
  EXPECT_EQ(MustParse(RssChannel("<ttl>15</ttl>")).ttl_seconds, 900);
  EXPECT_EQ(MustParse(RssChannel("<sy:updatePeriod>hourly</sy:updatePeriod>"
                                 "<sy:updateFrequency>2</sy:updateFrequency>"))
                .ttl_seconds,
            1800);
  EXPECT_EQ(MustParse(RssChannel("<sy:updatePeriod>weekly</sy:updatePeriod>")).ttl_seconds,
            7 * 86400);
  // sy:updateFrequency alone: the period defaults to daily.
  EXPECT_EQ(MustParse(RssChannel("<sy:updateFrequency>4</sy:updateFrequency>")).ttl_seconds, 21600);
  // <ttl> wins over the module.
  EXPECT_EQ(
      MustParse(RssChannel("<ttl>5</ttl><sy:updatePeriod>daily</sy:updatePeriod>")).ttl_seconds,
      300);
  EXPECT_EQ(MustParse(RssChannel("")).ttl_seconds, std::nullopt);
  for (std::string_view bad :
       {"<ttl>soon</ttl>", "<ttl>-5</ttl>", "<ttl>0</ttl>", "<ttl>99999999999</ttl>",
        "<sy:updatePeriod>fortnightly</sy:updatePeriod>",
        "<sy:updateFrequency>0</sy:updateFrequency>"}) {
    Feed feed = MustParse(RssChannel(bad));
    EXPECT_EQ(feed.ttl_seconds, std::nullopt) << bad;
    EXPECT_FALSE(feed.problems.empty()) << bad;
  }
}

TEST(FeedMetadata, AtomFeedFields) {
  Feed feed =
      MustParse(R"x(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/">
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Desk <b>news</b></div></title>
    <subtitle type="text">Reports &amp; &lt;analysis&gt;</subtitle>
    <id>urn:uuid:desk</id>
    <link rel="self" href="atom.xml"/>
    <link href="/" type="text/html" title="Home" length="123"/>
    <link rel="http://example.org/rel/custom" href="x"/>
    <author><name>Ed</name><email>ed@example.org</email><uri>/ed</uri></author>
    <author><name>Jo</name></author>
    <contributor><name>Al</name><uri>https://al.example/</uri></contributor>
    <category term="world" scheme="https://example.org/s" label="World"/>
    <updated>2026-01-28T10:00:00Z</updated>
  </feed>)x");
  EXPECT_EQ(feed.version, "atom10");
  EXPECT_EQ(feed.title, "Desk news");
  EXPECT_EQ(feed.title_type, "application/xhtml+xml");
  EXPECT_EQ(feed.subtitle, "Reports &amp; &lt;analysis&gt;");  // text, escaped as HTML
  EXPECT_EQ(feed.subtitle_type, "text/plain");
  EXPECT_EQ(feed.id, "urn:uuid:desk");
  ASSERT_EQ(feed.links.size(), 3u);
  EXPECT_EQ(feed.links[0].href, "https://example.org/atom.xml");
  EXPECT_EQ(feed.links[0].type, "application/atom+xml");
  EXPECT_EQ(feed.links[1].rel, "alternate");
  EXPECT_EQ(feed.links[1].title, "Home");
  EXPECT_EQ(feed.links[1].length, 123);
  EXPECT_EQ(feed.links[2].rel, "http://example.org/rel/custom");
  EXPECT_EQ(feed.link, "https://example.org/");
  EXPECT_EQ(feed.author, "Ed");
  ASSERT_EQ(feed.author_details.size(), 2u);
  EXPECT_EQ(feed.author_details[0].email, "ed@example.org");
  EXPECT_EQ(feed.author_details[0].uri, "https://example.org/ed");
  EXPECT_EQ(feed.author_details[1].name, "Jo");
  ASSERT_EQ(feed.contributors.size(), 1u);
  EXPECT_EQ(feed.contributors[0].uri, "https://al.example/");
  ASSERT_EQ(feed.tags.size(), 1u);
  EXPECT_EQ(feed.tags[0].label, "World");
  EXPECT_EQ(Iso(feed.updated), "2026-01-28T10:00:00Z");
}

// ====================================================================== entry fields

TEST(FeedEntryFields, RssPeopleEnclosuresTagsAndLanguage) {
  Feed feed = MustParse(R"x(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:dcterms="http://purl.org/dc/terms/"><channel><language>en</language>
    <item xml:lang="ug">
      <title>Bir</title>
      <link>https://example.org/1</link>
      <dc:creator>First Author</dc:creator>
      <dc:creator>Second Author</dc:creator>
      <enclosure url="/a.mp3" length="1234" type="audio/mpeg"/>
      <enclosure url="javascript:alert(1)" type="audio/mpeg"/>
      <category domain="https://example.org/t">Uyghur</category>
      <category>Uyghur</category>
      <dcterms:created>2026-01-01T00:00:00Z</dcterms:created>
    </item>
    <item><title>Two</title><link>https://example.org/2</link>
      <author>Reporter &lt;rep@example.org&gt;</author><dc:language>zh-TW</dc:language></item>
    <item><title>Three</title><link>https://example.org/3</link></item>
  </channel></rss>)x");
  ASSERT_EQ(feed.entries.size(), 3u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.author, "First Author");
  EXPECT_EQ(e.authors, (std::vector<std::string>{"First Author", "Second Author"}));
  ASSERT_EQ(e.author_details.size(), 2u);
  EXPECT_EQ(e.author_details[1].name, "Second Author");
  ASSERT_EQ(e.enclosures.size(), 1u);  // the javascript: one is dropped
  EXPECT_EQ(e.enclosures[0].url, "https://example.org/a.mp3");
  EXPECT_EQ(e.enclosures[0].length, 1234);
  EXPECT_EQ(e.enclosures[0].type, "audio/mpeg");
  ASSERT_EQ(e.links.size(), 2u);
  EXPECT_EQ(e.links[0].rel, "alternate");
  EXPECT_EQ(e.links[1].rel, "enclosure");
  ASSERT_EQ(e.tags.size(), 1u);  // duplicates by term are dropped
  EXPECT_EQ(e.tags[0].scheme, "https://example.org/t");
  EXPECT_EQ(e.categories, (std::vector<std::string>{"Uyghur"}));
  EXPECT_EQ(e.language, "ug");
  EXPECT_EQ(Iso(e.created), "2026-01-01T00:00:00Z");
  EXPECT_TRUE(HasProblem(feed, "entries[0] enclosure 'javascript:alert(1)' unusable"))
      << JoinProblems(feed);
  const FeedEntry& two = feed.entries[1];
  EXPECT_EQ(two.author, "Reporter <rep@example.org>");
  ASSERT_EQ(two.author_details.size(), 1u);
  EXPECT_EQ(two.author_details[0].name, "Reporter");
  EXPECT_EQ(two.author_details[0].email, "rep@example.org");
  EXPECT_EQ(two.language, "zh-TW");
  EXPECT_EQ(feed.entries[2].language, "");  // the feed's
  EXPECT_EQ(feed.language, "en");
}

TEST(FeedEntryFields, AtomLinksEnclosuresContributorsAndTypes) {
  Feed feed = MustParse(R"x(<feed xmlns="http://www.w3.org/2005/Atom"><entry xml:lang="zh-CN">
    <title type="html">A &amp;amp; B</title>
    <link rel="enclosure" href="https://example.org/v.mp4" type="video/mp4" length="42301"/>
    <link rel="alternate" href="https://example.org/1"/>
    <link rel="related" href="https://other.example/"/>
    <author><uri>https://example.org/anon</uri></author>
    <contributor><name>C1</name><email>c1@example.org</email></contributor>
    <summary>Plain &lt;summary&gt;</summary>
    <content type="html">&lt;p onclick="x()"&gt;Body&lt;/p&gt;</content>
    <category term="a" scheme="s" label="L"/>
  </entry></feed>)x");
  ASSERT_EQ(feed.entries.size(), 1u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.title, "A & B");
  EXPECT_EQ(e.title_type, "text/html");
  EXPECT_EQ(e.link, "https://example.org/1");
  ASSERT_EQ(e.links.size(), 3u);
  EXPECT_EQ(e.links[2].rel, "related");
  ASSERT_EQ(e.enclosures.size(), 1u);
  EXPECT_EQ(e.enclosures[0].length, 42301);
  EXPECT_EQ(e.enclosures[0].type, "video/mp4");
  ASSERT_EQ(e.author_details.size(), 1u);  // a person with only a URI still counts
  EXPECT_EQ(e.author_details[0].uri, "https://example.org/anon");
  ASSERT_EQ(e.contributors.size(), 1u);
  EXPECT_EQ(e.contributors[0].email, "c1@example.org");
  EXPECT_EQ(e.summary, "Plain &lt;summary&gt;");
  EXPECT_EQ(e.summary_type, "text/plain");
  EXPECT_EQ(e.content, "<p>Body</p>");
  EXPECT_EQ(e.content_type, "text/html");
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_EQ(e.tags[0].scheme, "s");
  EXPECT_EQ(e.tags[0].label, "L");
  EXPECT_EQ(e.language, "zh-CN");
}

TEST(FeedEntryFields, MadeUpRssElementsFeedparserReads) {
  Feed feed = MustParse(R"x(<rss><channel>
    <item><summary>First</summary><description>Second</description><link>http://e.com/1</link>
      <tags>one, two</tags><category>three</category></item>
    <item><fullitem>&lt;p&gt;Full&lt;/p&gt;</fullitem><link>http://e.com/2</link></item>
  </channel></rss>)x");
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_EQ(feed.entries[0].summary, "First");
  EXPECT_EQ(feed.entries[0].content, "Second");
  EXPECT_EQ(feed.entries[0].categories, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(feed.entries[1].content, "<p>Full</p>");
}

TEST(FeedEntryFields, RepeatedSingleValuedDatesKeepTheLast) {
  Feed feed = MustParse(R"x(<feed xmlns="http://www.w3.org/2005/Atom"><entry>
    <link href="http://e.com/1"/>
    <updated>2010-12-01T10:14:55Z</updated><updated>2003-12-31T10:14:55Z</updated>
  </entry></feed>)x");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(Iso(feed.entries[0].updated), "2003-12-31T10:14:55Z");
}

// ====================================================================== plausible dates

constexpr int64_t kFetchTime = 1769590800;  // 2026-01-28T09:00:00Z

std::string RssWithDate(std::string_view date) {
  return "<rss><channel><lastBuildDate>" + std::string(date) +
         "</lastBuildDate><item><link>http://e.com/1</link><pubDate>" + std::string(date) +
         "</pubDate></item></channel></rss>";
}

TEST(FeedDates, ImplausibleDatesAreReplacedByTheFetchTime) {
  FeedParseOptions options;
  options.now = kFetchTime;
  struct Case {
    std::string_view date;
    bool replaced;
  };
  for (const Case& c :
       {Case{"Thu, 01 Jan 1970 00:00:00 GMT", true}, Case{"Sun, 31 Dec 1989 23:59:59 GMT", true},
        Case{"Mon, 01 Jan 1990 00:00:00 GMT", false},
        Case{"Fri, 30 Jan 2026 08:59:59 GMT", false},  // 47:59:59 ahead
        Case{"Fri, 30 Jan 2026 09:00:01 GMT", true},   // 48 h + 1 s ahead
        Case{"Thu, 01 Jan 2099 00:00:00 GMT", true}}) {
    SCOPED_TRACE(c.date);
    Feed feed = MustParse(RssWithDate(c.date), "", options);
    ASSERT_EQ(feed.entries.size(), 1u);
    const FeedEntry& e = feed.entries[0];
    EXPECT_EQ(e.date_replaced, c.replaced);
    EXPECT_EQ(feed.date_replaced, c.replaced);
    if (c.replaced) {
      EXPECT_EQ(e.published, kFetchTime);
      EXPECT_EQ(feed.updated, kFetchTime);
      EXPECT_TRUE(HasProblem(feed, "entries[0] published")) << JoinProblems(feed);
      EXPECT_TRUE(HasProblem(feed, "is implausible")) << JoinProblems(feed);
    } else {
      EXPECT_EQ(e.published, ParseAnyDate(c.date));
      EXPECT_TRUE(feed.problems.empty()) << JoinProblems(feed);
    }
  }
}

TEST(FeedDates, TheDefaultFetchTimeIsTheSystemClock) {
  const int64_t before = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  Feed feed = MustParse(RssWithDate("Fri, 01 Jan 2100 00:00:00 GMT"));
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_TRUE(feed.entries[0].date_replaced);
  ASSERT_TRUE(feed.entries[0].published.has_value());
  EXPECT_GE(*feed.entries[0].published, before);
  EXPECT_LT(*feed.entries[0].published, before + 3600);
}

TEST(FeedDates, LocalizedAndLegacyFormsFeedparserReads) {
  using feed_internal::ParseFeedDate;
  auto iso = [](std::string_view text) { return Iso(ParseFeedDate(text)); };
  EXPECT_EQ(iso("Κυρ, 11 Ιούλ 2004 12:00:00 EST"), "2004-07-11T17:00:00Z");
  EXPECT_EQ(iso("2004-július-13T9:15-05:00"), "2004-07-13T14:15:00Z");
  EXPECT_EQ(iso("2004년 05월 28일  01:31:15"), "2004-05-27T16:31:15Z");
  EXPECT_EQ(iso("2004-05-25 오후 11:23:17"), "2004-05-25T14:23:17Z");
  EXPECT_EQ(iso("2004-05-25 오전 12:23:17"), "2004-05-24T15:23:17Z");  // 12 a.m. is 0 h
  EXPECT_EQ(iso("Fri, 2006/09/15 08:19:53 EDT"), "2006-09-15T12:19:53Z");
  EXPECT_EQ(iso("031231"), "2003-12-31T00:00:00Z");
  EXPECT_EQ(iso("03-12-31"), "2003-12-31T00:00:00Z");
  EXPECT_EQ(iso("-0312"), "2003-12-01T00:00:00Z");
  EXPECT_EQ(iso("-03-12"), "2003-12-01T00:00:00Z");
  EXPECT_EQ(iso("2003-012-31T10:14:55+00:00"), "2003-12-31T10:14:55Z");
  // Near misses are not dates.
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "", "22013", "03335", "Κυρ, 11 Xyz 2004 12:00:00 EST", "2004-juillet-13T9:15-05:00",
           "2004년 05월 28일", "2004-05-25 오후 13:23:17", "Fri, 2006/13/15 08:19:53 EDT",
           "2003-112-31T10:14:55Z", std::string_view("\xce\x9a\xcf\x85\xcf", 5)}) {
    EXPECT_EQ(iso(bad), "none") << bad;
  }
  EXPECT_EQ(iso(std::string(300, '1')), "none");
  // In a feed.
  Feed feed = MustParse(RssWithDate("Κυρ, 11 Ιούλ 2004 12:00:00 EST"));
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(Iso(feed.entries[0].published), "2004-07-11T17:00:00Z");
}

// ====================================================================== sanitizing

TEST(FeedSanitize, SummaryAndContentKeepSafeHtmlOnly) {
  Feed feed = MustParse(R"x(<rss xmlns:content="http://purl.org/rss/1.0/modules/content/"
      xml:base="https://example.org/news/"><channel><item>
    <link>https://example.org/1</link>
    <description><![CDATA[<p class="x" style="color:red" onclick="steal()">Hi <a href="JaVa&#x09;ScRiPt:alert(1)">x</a>
      <a href="../story">rel</a> <img src="data:image/png;base64,AAA" alt="d"><script>alert(1)</script>
      <iframe src="https://evil.example/"></iframe><b>bold</b></p>]]></description>
    <content:encoded><![CDATA[<div><a href="mailto:desk@example.org">mail</a>
      <img src="/p.jpg" onerror="x()" alt="pic"><style>p{}</style><form><input></form></div>]]></content:encoded>
  </item></channel></rss>)x");
  ASSERT_EQ(feed.entries.size(), 1u);
  const FeedEntry& e = feed.entries[0];
  EXPECT_EQ(e.summary,
            "<p>Hi <a>x</a>\n      <a href=\"https://example.org/story\">rel</a> <img alt=\"d\" "
            "/>\n      <b>bold</b></p>");
  EXPECT_EQ(e.content,
            "<div><a href=\"mailto:desk@example.org\">mail</a>\n      <img "
            "src=\"https://example.org/p.jpg\" alt=\"pic\" /></div>");
}

TEST(FeedSanitize, TitlesArePlainTextAndEscapedMarkupCannotComeBack) {
  Feed feed = MustParse(R"x(<feed xmlns="http://www.w3.org/2005/Atom">
    <entry><title type="html">A &lt;b&gt;bold&lt;/b&gt; move</title><link href="http://e.com/1"/></entry>
    <entry><title type="html">x &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; y</title>
      <link href="http://e.com/2"/></entry>
    <entry><title type="text">&lt;img src=x onerror=alert(1)&gt;Cat</title><link href="http://e.com/3"/></entry>
    <entry><title type="text">Why &lt;blink&gt; died</title><link href="http://e.com/4"/></entry>
    <entry><title>x</title><summary type="text">&lt;script&gt;alert(1)&lt;/script&gt;ok</summary>
      <link href="http://e.com/5"/></entry>
  </feed>)x");
  ASSERT_EQ(feed.entries.size(), 5u);
  EXPECT_EQ(feed.entries[0].title, "A bold move");
  EXPECT_EQ(feed.entries[1].title, "x y");               // escaped twice: still a script
  EXPECT_EQ(feed.entries[2].title, "Cat");               // a tag with a handler, written as text
  EXPECT_EQ(feed.entries[3].title, "Why <blink> died");  // text with harmless brackets
  EXPECT_EQ(feed.entries[4].summary, "ok");
}

TEST(FeedSanitize, TooDeepMarkupIsKeptAsText) {
  std::string deep;
  for (int i = 0; i < 2000; ++i) deep += "<div>";
  deep += "deep text";
  Feed feed = MustParse("<rss><channel><item><link>http://e.com/1</link><description><![CDATA[" +
                        deep + "]]></description></item></channel></rss>");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].summary, "deep text");
  EXPECT_TRUE(HasProblem(feed, "markup nested too deeply")) << JoinProblems(feed);
}

// ====================================================================== text repair

TEST(FeedText, MisdecodedTextIsRepaired) {
  auto repaired = [](std::string s) {
    feed_internal::RepairMisdecodedText(&s);
    return s;
  };
  EXPECT_EQ(repaired("don\u0092t"), "don\u2019t");      // windows-1252 read as Latin-1
  EXPECT_EQ(repaired("\u00e2\u0080\u00a6"), "\u2026");  // UTF-8 read as Latin-1
  EXPECT_EQ(repaired("caf\u00c3\u00a9"), "caf\u00e9");
  EXPECT_EQ(repaired("caf\u00e9 \u00e0 la cr\u00e8me"), "caf\u00e9 \u00e0 la cr\u00e8me");
  EXPECT_EQ(repaired("关恒 \u00e2\u0080\u00a6"), "关恒 \u00e2\u20ac\u00a6");  // not all Latin-1
  EXPECT_EQ(repaired("plain"), "plain");
  Feed feed =
      MustParse("<rss><channel><title>don&#146;t &#226;&#128;&#166;</title></channel></rss>");
  EXPECT_EQ(feed.title, "don\u2019t \u00e2\u20ac\u00a6");
  Feed mojibake = MustParse("<rss><channel><title>&#226;&#128;&#166;</title></channel></rss>");
  EXPECT_EQ(mojibake.title, "\u2026");
}

TEST(FeedText, ActiveMarkupHelpers) {
  using feed_internal::HasActiveMarkup;
  using feed_internal::StripActiveMarkup;
  EXPECT_TRUE(HasActiveMarkup("<script>x</script>"));
  EXPECT_TRUE(HasActiveMarkup("a <SCRIPT src=x>"));
  EXPECT_TRUE(HasActiveMarkup("<b onclick=x>"));
  EXPECT_TRUE(HasActiveMarkup("<a href='javascript:x'>"));
  EXPECT_TRUE(HasActiveMarkup("</style>"));
  EXPECT_TRUE(HasActiveMarkup("<svg/onload=alert(1)>"));
  EXPECT_FALSE(HasActiveMarkup("History of the <blink> tag"));
  EXPECT_FALSE(HasActiveMarkup("a < b > c, x<y"));
  EXPECT_FALSE(HasActiveMarkup("5 <= 6"));
  EXPECT_EQ(StripActiveMarkup("Why <blink> died"), "Why <blink> died");
  EXPECT_EQ(StripActiveMarkup("a<script>x()</script>b"), "ab");
  EXPECT_EQ(StripActiveMarkup("&lt;script&gt;x()&lt;/script&gt;ok"), "ok");
  EXPECT_EQ(StripActiveMarkup("&amp;lt;script&amp;gt;x()&amp;lt;/script&amp;gt;ok"), "ok");
  // Three levels of escaping display as escaped text: harmless, kept.
  EXPECT_EQ(StripActiveMarkup("&amp;amp;lt;b&amp;amp;gt;"), "&amp;amp;lt;b&amp;amp;gt;");
  // Still active after kMaxMarkupPasses passes: no '<' or '&' survives.
  const std::string deep =
      StripActiveMarkup("&amp;amp;lt;script&amp;amp;gt;<script></script>&amp;lt;b x=1&amp;gt;");
  EXPECT_EQ(deep.find_first_of("<&"), std::string::npos) << deep;
}

// ====================================================================== delegation

TEST(FeedDelegation, JsonFeedsAreRecognisedByTheirFirstByteOrContentType) {
  constexpr std::string_view kJson =
      R"x({"version": "https://jsonfeed.org/version/1.1", "title": "J",
          "items": [{"id": "1", "url": "https://example.org/1", "title": "One"}]})x";
  for (const auto& [body, type] :
       {std::pair{std::string(kJson), ""}, std::pair{"\xef\xbb\xbf \n" + std::string(kJson), ""},
        std::pair{std::string(kJson), "application/feed+json"}}) {
    Feed feed = MustParse(body, type);
    EXPECT_EQ(feed.format, FeedFormat::kJson);
    EXPECT_EQ(feed.version, "json11");
    EXPECT_EQ(feed.encoding, "UTF-8");
    ASSERT_EQ(feed.entries.size(), 1u);
    EXPECT_EQ(feed.entries[0].link, "https://example.org/1");
  }
  // Markup wins over a wrong label, which is recorded.
  Feed xml = MustParse("<rss><channel><title>X</title></channel></rss>", "application/json");
  EXPECT_EQ(xml.format, FeedFormat::kRss2);
  EXPECT_TRUE(HasProblem(xml, "served as 'application/json', not an XML media type"))
      << JoinProblems(xml);
  // A JSON label on neither markup nor an object: a clear error.
  auto other = Parse("[1, 2]", "application/feed+json");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("not a JSON Feed"), std::string::npos)
      << other.status().ToString();
}

TEST(FeedDelegation, JsonFeedDatesAreCheckedForPlausibilityToo) {
  FeedParseOptions options;
  options.now = kFetchTime;
  Feed feed = MustParse(R"x({"version": "https://jsonfeed.org/version/1", "items": [
      {"id": "1", "url": "https://example.org/1", "date_published": "1970-01-01T00:00:00Z"}]})x",
                        "", options);
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_TRUE(feed.entries[0].date_replaced);
  EXPECT_EQ(feed.entries[0].published, kFetchTime);
}

TEST(FeedDelegation, SitemapsAreHandedToParseSitemap) {
  auto sitemap = Parse(R"x(<?xml version="1.0" encoding="UTF-8"?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://example.org/a</loc><lastmod>2026-01-27</lastmod></url>
    </urlset>)x");
  ASSERT_TRUE(sitemap.ok()) << sitemap.status().ToString();
  EXPECT_EQ(sitemap->format, FeedFormat::kSitemap);
  ASSERT_EQ(sitemap->entries.size(), 1u);
  EXPECT_EQ(sitemap->entries[0].link, "https://example.org/a");
  auto index = Parse(R"x(<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://example.org/s1.xml</loc></sitemap></sitemapindex>)x");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(index->format, FeedFormat::kSitemapIndex);
  EXPECT_EQ(index->child_sources, (std::vector<std::string>{"https://example.org/s1.xml"}));
}

}  // namespace
}  // namespace mw
