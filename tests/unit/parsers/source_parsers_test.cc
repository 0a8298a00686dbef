// Tests for parsers/source_parsers.h: sitemaps (sitemaps.org 0.9, Google
// News, indexes), HTML link pages (ICU patterns with limits) and OPML, with
// inline documents; hostile and malformed input; and link pages from the
// corpora in ../shared.
#include "parsers/source_parsers.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/url.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

constexpr std::string_view kSitemapUrl = "https://news.example.org/sitemap.xml";
constexpr std::string_view kPageUrl = "https://news.example.org/zh/china/index.html";
// 2026-01-28T12:00:00Z: the fetch time the plausibility rule is judged against.
constexpr int64_t kNow = 1769601600;

FeedParseOptions Opts() {
  FeedParseOptions o;
  o.now = kNow;
  return o;
}

std::string Problems(const Feed& feed) {
  std::string out;
  for (const std::string& p : feed.problems) out += p + "\n";
  return out;
}

bool HasProblem(const Feed& feed, std::string_view needle) {
  return Problems(feed).find(needle) != std::string::npos;
}

std::string Iso(std::optional<int64_t> t) { return t ? FormatIso8601Utc(*t) : "none"; }

Feed MustSitemap(std::string_view body, const FeedParseOptions& options = Opts(),
                 std::string_view content_type = "application/xml") {
  Result<Feed> feed = ParseSitemap(body, content_type, kSitemapUrl, options);
  EXPECT_TRUE(feed.ok()) << feed.status().ToString();
  return feed.ok() ? std::move(feed).value() : Feed();
}

std::string Urlset(const std::string& urls) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)" +
         urls + "</urlset>";
}

std::string UrlElement(const std::string& loc, const std::string& lastmod = "") {
  std::string out = "<url><loc>" + loc + "</loc>";
  if (!lastmod.empty()) out += "<lastmod>" + lastmod + "</lastmod>";
  return out + "</url>\n";
}

// ================================================================= sitemaps

TEST(SitemapTest, UrlsetGivesOneEntryPerUrl) {
  const Feed feed = MustSitemap(
      Urlset(UrlElement("https://news.example.org/a.html", "2026-01-27") +
             UrlElement("https://news.example.org/b.html", "2026-01-27T08:15:00+08:00") +
             "<url><loc>\n  https://news.example.org/c.html\n</loc><changefreq>daily</changefreq>"
             "<priority>0.5</priority></url>"));
  EXPECT_EQ(feed.format, FeedFormat::kSitemap);
  EXPECT_EQ(feed.version, "sitemap");
  EXPECT_EQ(feed.encoding, "UTF-8");
  EXPECT_TRUE(feed.problems.empty()) << Problems(feed);
  ASSERT_EQ(feed.entries.size(), 3u);
  EXPECT_EQ(feed.entries[0].link, "https://news.example.org/a.html");
  EXPECT_EQ(feed.entries[0].id, feed.entries[0].link);
  EXPECT_EQ(Iso(feed.entries[0].updated), "2026-01-27T00:00:00Z");
  // Without a publication date an entry is dated by <lastmod>, as feeds are.
  EXPECT_EQ(Iso(feed.entries[0].published), "2026-01-27T00:00:00Z");
  EXPECT_EQ(Iso(feed.entries[1].updated), "2026-01-27T00:15:00Z");
  EXPECT_EQ(feed.entries[2].link, "https://news.example.org/c.html");
  EXPECT_FALSE(feed.entries[2].updated.has_value());
  EXPECT_TRUE(feed.entries[2].title.empty());
}

TEST(SitemapTest, NamespaceMayBeOmittedOrOld) {
  for (const std::string root :
       {"<urlset>", R"(<urlset xmlns="http://www.google.com/schemas/sitemap/0.84">)"}) {
    const Feed feed =
        MustSitemap(root + UrlElement("http://example.org/x", "2025-12-01") + "</urlset>");
    ASSERT_EQ(feed.entries.size(), 1u) << root;
    EXPECT_EQ(feed.entries[0].link, "http://example.org/x");
    EXPECT_EQ(Iso(feed.entries[0].updated), "2025-12-01T00:00:00Z");
    EXPECT_TRUE(feed.problems.empty()) << Problems(feed);
  }
  // A foreign namespace is still read, and said.
  const Feed odd = MustSitemap(R"(<urlset xmlns="urn:example:other">)" +
                               UrlElement("http://example.org/y") + "</urlset>");
  ASSERT_EQ(odd.entries.size(), 1u);
  EXPECT_TRUE(HasProblem(odd, "read as a sitemap")) << Problems(odd);
}

constexpr std::string_view kNewsSitemap = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example.org/zh/guan-heng.html</loc>
    <lastmod>2026-01-28T10:00:00Z</lastmod>
    <news:news>
      <news:publication>
        <news:name>示例新闻 中文</news:name>
        <news:language>zh-cn</news:language>
      </news:publication>
      <news:publication_date>2026-01-28T09:30:00+08:00</news:publication_date>
      <news:title>记者关恒 &amp; 新疆  拘留营</news:title>
      <news:keywords>关恒, 新疆,人权, 关恒</news:keywords>
    </news:news>
  </url>
  <url>
    <loc>https://news.example.org/ug/camps.html</loc>
    <news:news>
      <news:publication><news:name>Other</news:name><news:language>ug</news:language></news:publication>
      <news:publication_date>2026-01-27</news:publication_date>
      <news:title>شىنجاڭدىكى لاگېرلار</news:title>
    </news:news>
  </url>
</urlset>)";

TEST(SitemapTest, GoogleNewsFields) {
  const Feed feed = MustSitemap(kNewsSitemap);
  EXPECT_TRUE(feed.problems.empty()) << Problems(feed);
  // The first publication name is the source's name.
  EXPECT_EQ(feed.title, "示例新闻 中文");
  ASSERT_EQ(feed.entries.size(), 2u);
  const FeedEntry& zh = feed.entries[0];
  EXPECT_EQ(zh.title, "记者关恒 & 新疆 拘留营");
  EXPECT_EQ(zh.language, "zh-cn");
  EXPECT_EQ(Iso(zh.published), "2026-01-28T01:30:00Z");
  EXPECT_EQ(Iso(zh.updated), "2026-01-28T10:00:00Z");
  EXPECT_EQ(zh.categories, (std::vector<std::string>{"关恒", "新疆", "人权"}));
  ASSERT_EQ(zh.tags.size(), 3u);
  EXPECT_EQ(zh.tags[2].term, "人权");
  ASSERT_EQ(zh.links.size(), 1u);
  EXPECT_EQ(zh.links[0].href, zh.link);
  EXPECT_EQ(zh.links[0].rel, "alternate");
  const FeedEntry& ug = feed.entries[1];
  EXPECT_EQ(ug.title, "شىنجاڭدىكى لاگېرلار");
  EXPECT_EQ(ug.language, "ug");
  EXPECT_EQ(Iso(ug.published), "2026-01-27T00:00:00Z");
  EXPECT_FALSE(ug.updated.has_value());
}

TEST(SitemapTest, NewsPrefixWithoutNamespaceDeclaration) {
  // Sites forget xmlns:news; libxml2 complains but keeps "news:title".
  const Feed feed = MustSitemap(R"(<urlset>
    <url><loc>https://x.example/1</loc>
      <news:news><news:publication><news:name>X</news:name><news:language>en</news:language>
      </news:publication><news:title>Headline</news:title>
      <news:publication_date>2026-01-02T03:04:05Z</news:publication_date></news:news>
    </url></urlset>)");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "Headline");
  EXPECT_EQ(feed.entries[0].language, "en");
  EXPECT_EQ(Iso(feed.entries[0].published), "2026-01-02T03:04:05Z");
  EXPECT_EQ(feed.title, "X");
  EXPECT_TRUE(HasProblem(feed, "XML line")) << "the namespace error is recorded";
}

TEST(SitemapTest, IndexListsChildSitemaps) {
  const Feed feed = MustSitemap(R"(<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example.org/sitemap-2026-01.xml</loc><lastmod>2026-01-28</lastmod></sitemap>
  <sitemap><loc>/sitemap-news.xml</loc></sitemap>
  <sitemap><loc>ftp://news.example.org/old.xml</loc></sitemap>
  <sitemap><loc>https://news.example.org/sitemap-2026-01.xml</loc></sitemap>
  <sitemap><lastmod>2026-01-28</lastmod></sitemap>
</sitemapindex>)");
  EXPECT_EQ(feed.format, FeedFormat::kSitemapIndex);
  EXPECT_EQ(feed.version, "sitemapindex");
  EXPECT_TRUE(feed.entries.empty());
  EXPECT_EQ(feed.child_sources,
            (std::vector<std::string>{"https://news.example.org/sitemap-2026-01.xml",
                                      "https://news.example.org/sitemap-news.xml"}));
  EXPECT_TRUE(HasProblem(feed, "sitemap[2] <loc> 'ftp://news.example.org/old.xml' skipped"))
      << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "sitemap[4] has no <loc>")) << Problems(feed);
}

TEST(SitemapTest, OnlyHttpLocationsAreKept) {
  const Feed feed = MustSitemap(
      Urlset(UrlElement("ftp://example.org/a") + UrlElement("javascript:alert(1)") +
             UrlElement("file:///etc/passwd") + UrlElement("mailto:x@example.org") +
             UrlElement("https://example.org/ok") + UrlElement("") +
             "<url><lastmod>2026-01-01</lastmod></url>" + UrlElement("/relative/path.html") +
             UrlElement("http://exa mple.org/bad host")));
  std::vector<std::string> links;
  for (const FeedEntry& e : feed.entries) links.push_back(e.link);
  // A relative <loc> breaks the protocol but is unambiguous: resolved
  // against the sitemap's URL.
  EXPECT_EQ(links, (std::vector<std::string>{"https://example.org/ok",
                                             "https://news.example.org/relative/path.html"}))
      << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "url[0] <loc> 'ftp://example.org/a' skipped"));
  EXPECT_TRUE(HasProblem(feed, "url[1] <loc> 'javascript:alert(1)' skipped"));
  EXPECT_TRUE(HasProblem(feed, "url[2]"));
  EXPECT_TRUE(HasProblem(feed, "url[5] has an empty <loc>"));
  EXPECT_TRUE(HasProblem(feed, "url[6] has no <loc>"));
}

TEST(SitemapTest, DuplicateLocationsAreSkipped) {
  const Feed feed =
      MustSitemap(Urlset(UrlElement("https://example.org/a") + UrlElement("https://example.org/b") +
                         UrlElement("https://example.org/a")));
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_TRUE(HasProblem(feed, "1 duplicate")) << Problems(feed);
}

TEST(SitemapTest, NotASitemap) {
  for (std::string_view body :
       {std::string_view("<rss version=\"2.0\"><channel/></rss>"), std::string_view("<html/>")}) {
    Result<Feed> feed = ParseSitemap(body, "", kSitemapUrl, Opts());
    ASSERT_FALSE(feed.ok()) << body;
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError);
    EXPECT_NE(feed.status().message().find("not a sitemap"), std::string::npos);
  }
  for (std::string_view garbage :
       {std::string_view(""), std::string_view("   \n"), std::string_view("just some text"),
        std::string_view("\x00\x01\x02garbage", 10), std::string_view("<<<>>>&&&")}) {
    Result<Feed> feed = ParseSitemap(garbage, "", kSitemapUrl, Opts());
    ASSERT_FALSE(feed.ok());
    EXPECT_EQ(feed.status().code(), StatusCode::kParseError) << feed.status().ToString();
  }
}

TEST(SitemapTest, BrokenXmlIsRecoveredWithProblems) {
  const Feed feed = MustSitemap(
      "<urlset><url><loc>https://example.org/1</loc></url><url><loc>https://example.org/2</loc>"
      "<lastmod>2026-01-01</lastmod>");  // truncated transfer
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_EQ(feed.entries[1].link, "https://example.org/2");
  EXPECT_FALSE(feed.problems.empty());
}

TEST(SitemapTest, OversizedBodyIsRejected) {
  FeedParseOptions o = Opts();
  o.max_bytes = 100;
  const std::string body =
      Urlset(UrlElement("https://example.org/a") + UrlElement("https://example.org/b"));
  ASSERT_GT(body.size(), 100u);
  Result<Feed> feed = ParseSitemap(body, "", kSitemapUrl, o);
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().code(), StatusCode::kTooLarge);
}

TEST(SitemapTest, MaxEntriesIsRespected) {
  std::string urls;
  for (int i = 0; i < 10; ++i) urls += UrlElement("https://example.org/" + std::to_string(i));
  FeedParseOptions o = Opts();
  o.max_entries = 3;
  const Feed feed = MustSitemap(Urlset(urls), o);
  ASSERT_EQ(feed.entries.size(), 3u);
  EXPECT_EQ(feed.entries[2].link, "https://example.org/2");
  EXPECT_TRUE(HasProblem(feed, "7 entries beyond max_entries (3) dropped")) << Problems(feed);
}

TEST(SitemapTest, FiftyThousandUrlsFit) {
  // The sitemaps.org maximum per file.
  std::string urls;
  urls.reserve(50000 * 60);
  for (int i = 0; i < 50000; ++i) urls += UrlElement("https://example.org/a/" + std::to_string(i));
  FeedParseOptions o = Opts();
  o.max_entries = 50000;
  const Feed feed = MustSitemap(Urlset(urls), o);
  ASSERT_EQ(feed.entries.size(), 50000u);
  EXPECT_EQ(feed.entries.back().link, "https://example.org/a/49999");
  EXPECT_TRUE(feed.problems.empty()) << Problems(feed);
}

TEST(SitemapTest, FieldsAreCappedAtUtf8Boundaries) {
  FeedParseOptions o = Opts();
  o.max_field_bytes = 20;
  const Feed feed = MustSitemap(
      R"(<urlset xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://e.org/1</loc>
      <news:news><news:title>关恒关恒关恒关恒关恒关恒关恒关恒</news:title></news:news></url>
      <url><loc>https://e.org/this/location/is/far/too/long/for/the/cap</loc></url></urlset>)",
      o);
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "关恒关恒关恒");  // 18 bytes: the 7th character would split
  EXPECT_TRUE(HasProblem(feed, "news:title truncated to 20 bytes")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "url[1] <loc> longer than max_field_bytes")) << Problems(feed);
}

TEST(SitemapTest, GzipFilesAreRefusedClearly) {
  const std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", 18);
  Result<Feed> feed = ParseSitemap(gz, "application/gzip", "https://e.org/sitemap.xml.gz", Opts());
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(feed.status().message().find("gzip-compressed sitemap files are not supported"),
            std::string::npos);
}

TEST(SitemapTest, LegacyEncodingsAreDecoded) {
  // <news:title>关恒</news:title> in GB2312 bytes, declared in the XML declaration.
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"gb2312\"?><urlset "
      "xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>https://e.org/"
      "1</loc><news:news><news:title>\xb9\xd8\xba\xe3</news:title></news:news></url></urlset>";
  const Feed feed = MustSitemap(body, Opts(), "");
  EXPECT_EQ(feed.encoding, "GB18030");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "关恒");
  // The HTTP charset wins over the declaration (RFC 7303).
  const Feed big5 = MustSitemap("<urlset><url><loc>https://e.org/\xc3\xf6</loc></url></urlset>",
                                Opts(), "text/xml; charset=big5");
  EXPECT_EQ(big5.encoding, "Big5-HKSCS");
}

TEST(SitemapTest, ImplausibleDatesAreReplacedByNow) {
  const Feed feed = MustSitemap(Urlset(UrlElement("https://e.org/old", "1970-01-01") +
                                       UrlElement("https://e.org/future", "2031-01-01") +
                                       UrlElement("https://e.org/ok", "2026-01-29T11:00:00Z") +
                                       UrlElement("https://e.org/bad", "yesterday")));
  ASSERT_EQ(feed.entries.size(), 4u);
  EXPECT_EQ(feed.entries[0].updated, kNow);
  EXPECT_TRUE(feed.entries[0].date_replaced);
  EXPECT_EQ(feed.entries[1].updated, kNow);
  EXPECT_TRUE(feed.entries[1].date_replaced);
  EXPECT_EQ(Iso(feed.entries[2].updated), "2026-01-29T11:00:00Z");  // < 48 h ahead: fine
  EXPECT_FALSE(feed.entries[2].date_replaced);
  EXPECT_FALSE(feed.entries[3].updated.has_value());
  EXPECT_TRUE(HasProblem(feed, "url[0] lastmod: implausible date '1970-01-01'")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "url[3] lastmod: unparseable date 'yesterday'")) << Problems(feed);
}

TEST(SitemapTest, EntitiesAreNeverExpandedRecursively) {
  // Billion laughs: each level only refers to the one below; nothing is
  // expanded except plain text within the budget.
  std::string dtd = "<!DOCTYPE urlset [<!ENTITY a \"aaaaaaaaaa\">";
  std::string prev = "a";
  for (int i = 0; i < 10; ++i) {
    const std::string name = "e" + std::to_string(i);
    dtd += "<!ENTITY " + name + " \"&" + prev + ";&" + prev + ";&" + prev + ";&" + prev + ";&" +
           prev + ";&" + prev + ";&" + prev + ";&" + prev + ";&" + prev + ";&" + prev + ";\">";
    prev = name;
  }
  dtd += "<!ENTITY ext SYSTEM \"file:///etc/passwd\">]>";
  const Feed feed =
      MustSitemap(dtd +
                  "<urlset xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>"
                  "https://e.org/&a;</loc><news:news><news:title>&" +
                  prev + ";&ext;</news:title></news:news></url></urlset>");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].link, "https://e.org/aaaaaaaaaa");
  EXPECT_LT(feed.entries[0].title.size(), 100u);
  EXPECT_EQ(feed.entries[0].title.find("root:"), std::string::npos);
  // libxml2 itself refuses the amplification ("entity reference loop").
  EXPECT_TRUE(HasProblem(feed, "entit")) << Problems(feed);
}

TEST(SitemapTest, DeepNestingIsRejected) {
  std::string body = "<urlset><url><loc>https://e.org/</loc>";
  for (int i = 0; i < 300; ++i) body += "<x>";
  body += "</url></urlset>";
  Result<Feed> feed = ParseSitemap(body, "", kSitemapUrl, Opts());
  ASSERT_FALSE(feed.ok());
  EXPECT_EQ(feed.status().code(), StatusCode::kTooLarge);

  FeedParseOptions o = Opts();
  o.max_depth = 3;
  Result<Feed> shallow = ParseSitemap(kNewsSitemap, "", kSitemapUrl, o);
  ASSERT_FALSE(shallow.ok());
  EXPECT_EQ(shallow.status().code(), StatusCode::kTooLarge);
}

// =============================================================== link pages

Feed MustLinks(std::string_view html, std::string_view pattern,
               std::string_view content_type = "text/html",
               const FeedParseOptions& options = Opts(), std::string_view url = kPageUrl) {
  Result<Feed> feed = ParseLinkPage(html, content_type, url, pattern, options);
  EXPECT_TRUE(feed.ok()) << feed.status().ToString();
  return feed.ok() ? std::move(feed).value() : Feed();
}

std::vector<std::string> Links(const Feed& feed) {
  std::vector<std::string> out;
  for (const FeedEntry& e : feed.entries) out.push_back(e.link);
  return out;
}

// A Chinese section page in GBK, declared by <meta charset="gb2312"> only.
// Titles: 关恒 (b9d8 bae3), 新疆 (d0c2 bdae), 上海 (c9cf baa3).
constexpr std::string_view kChinesePageGbk =
    "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"gb2312\">"
    "<title>\xd6\xd0\xb9\xfa \xd0\xc2\xce\xc5</title></head><body>"
    "<nav><a href=\"/\">home</a> <a href=\"#top\">top</a> <a href=\"javascript:void(0)\">js</a>"
    " <a href=\"mailto:tips@example.org\">mail</a></nav>"
    "<ul>"
    "<li><a href=\"../news/2026/0128/100.html\"><img src=\"t.jpg\" alt=\"thumb\"></a>"
    "<a href=\"../news/2026/0128/100.html#comments\"> \xb9\xd8\xba\xe3\n  <b>\xd0\xc2\xbd\xae</b> "
    "</a></li>"
    "<li><a href=\"https://news.example.org/news/2026/0128/101.html?utm_source=rss\" "
    "title=\"\xc9\xcf\xba\xa3\"></a></li>"
    "<li><a href=\"https://news.example.org/news/2026/0128/101.html\"><img src=x></a></li>"
    "<li><a href=\"http://other.example.com/news/2026/0128/102.html\">other host</a></li>"
    "<li><a href=\"/news/2026/0128/103.html\"><script>var x='no';</script>  </a></li>"
    "<li><a href=\"//news.example.org/news/2026/0127/099.html\">\xd7\xf2\xcc\xec</a></li>"
    "<li><a href=\"/news/about.html\">about</a></li>"
    "</ul></body></html>";

constexpr std::string_view kNewsPattern = R"(/news/\d{4}/\d{4}/\d+\.html)";

TEST(LinkPageTest, ChinesePageRelativeLinksAndDuplicates) {
  const Feed feed = MustLinks(kChinesePageGbk, kNewsPattern);
  EXPECT_EQ(feed.format, FeedFormat::kHtmlLinks);
  EXPECT_EQ(feed.version, "html");
  EXPECT_EQ(feed.encoding, "GB18030");
  EXPECT_EQ(feed.title, "中国 新闻");
  EXPECT_EQ(feed.language, "zh-CN");
  EXPECT_EQ(feed.link, kPageUrl);
  EXPECT_EQ(Links(feed), (std::vector<std::string>{
                             "https://news.example.org/zh/news/2026/0128/100.html",
                             "https://news.example.org/news/2026/0128/101.html?utm_source=rss",
                             "http://other.example.com/news/2026/0128/102.html",
                             "https://news.example.org/news/2026/0128/103.html",
                             "https://news.example.org/news/2026/0127/099.html",
                         }))
      << Problems(feed);
  ASSERT_EQ(feed.entries.size(), 5u);
  // The thumbnail link came first (alt text only); the headline's text wins.
  EXPECT_EQ(feed.entries[0].title, "关恒 新疆");
  EXPECT_EQ(feed.entries[1].title, "上海");  // the title attribute of an empty link
  EXPECT_EQ(feed.entries[3].title, "");      // script text is not link text
  EXPECT_EQ(feed.entries[4].title, "昨天");
  EXPECT_EQ(feed.entries[0].id, feed.entries[0].link);
  EXPECT_TRUE(feed.problems.empty()) << Problems(feed);
}

TEST(LinkPageTest, LinkTextIsCollapsedAndFirstNonEmptyTitleWins) {
  const Feed feed = MustLinks(
      "<a href='/n/1.html'></a><a href='/n/1.html#x'> 关恒\n <b>新疆</b> </a>"
      "<a href='/n/2.html'><div>A</div><div>B</div></a>",
      R"(/n/\d+\.html$)");
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_EQ(feed.entries[0].link, "https://news.example.org/n/1.html");
  EXPECT_EQ(feed.entries[0].title, "关恒 新疆");
  EXPECT_EQ(feed.entries[1].title, "A B");
}

TEST(LinkPageTest, BaseHrefIsHonoured) {
  const std::string html =
      "<html><head><base href=\"https://cdn.example.net/ug/\"><base href=\"/ignored/\"></head>"
      "<body><a href=\"news-1.html\">1</a><a href=\"/news-2.html\">2</a>"
      "<a href=\"https://news.example.org/news-3.html\">3</a></body></html>";
  const Feed feed = MustLinks(html, "news-\\d");
  EXPECT_EQ(Links(feed), (std::vector<std::string>{"https://cdn.example.net/ug/news-1.html",
                                                   "https://cdn.example.net/news-2.html",
                                                   "https://news.example.org/news-3.html"}));
  // A relative <base> resolves against the page URL; a bad one is ignored.
  const Feed relative = MustLinks("<base href=\"../ug/\"><a href=\"news-1.html\">1</a>", "news");
  EXPECT_EQ(Links(relative),
            (std::vector<std::string>{"https://news.example.org/zh/ug/news-1.html"}));
  const Feed bad =
      MustLinks("<base href=\"javascript:alert(1)\"><a href=\"news-1.html\">1</a>", "news");
  EXPECT_EQ(Links(bad),
            (std::vector<std::string>{"https://news.example.org/zh/china/news-1.html"}));
  EXPECT_TRUE(HasProblem(bad, "<base href='javascript:alert(1)'> ignored")) << Problems(bad);
}

// A Uyghur (Arabic script, right-to-left) section page in UTF-8, with
// Arabic-script path segments and bidi controls in the link text.
constexpr std::string_view kUyghurPage =
    "<!DOCTYPE html><html lang=\"ug\" dir=\"rtl\"><head><meta charset=\"utf-8\">"
    "<title>خەۋەرلەر</title></head><body>"
    "<a href=\"/ug/خەۋەر/2026/01/28/1001.html\">\xe2\x80\x8f"
    "گۇەن خېڭ ئامېرىكىدا پاناھلىق تىلىدى</a>"
    "<a href=\"/ug/%D8%AE%DB%95%DB%8B%DB%95%D8%B1/2026/01/28/1001.html\">same story, encoded</a>"
    "<a href=\"/ug/خەۋەر/2026/01/27/1000.html\" title=\"شىنجاڭ\"><img src=\"x.jpg\"></a>"
    "<a href=\"/ug/بەت/ھەققىدە.html\">ھەققىدە</a>"
    "<a href=\"#\">#</a>"
    "</body></html>";

TEST(LinkPageTest, UyghurRtlPage) {
  const Feed feed = MustLinks(kUyghurPage, R"(/ug/[^/]+/\d{4}/\d{2}/\d{2}/\d+\.html$)", "text/html",
                              Opts(), "https://uy.example.org/ug/");
  EXPECT_EQ(feed.encoding, "UTF-8");
  EXPECT_EQ(feed.language, "ug");
  EXPECT_EQ(feed.title, "خەۋەرلەر");
  ASSERT_EQ(feed.entries.size(), 2u) << Problems(feed);
  // Non-ASCII paths are percent-encoded by URL resolution; the raw and the
  // pre-encoded spelling are the same article.
  EXPECT_EQ(feed.entries[0].link,
            "https://uy.example.org/ug/%d8%ae%db%95%db%8b%db%95%d8%b1/2026/01/28/1001.html")
      << "(case of the escapes is libcurl's)";
  EXPECT_EQ(feed.entries[0].title,
            "\xe2\x80\x8f"
            "گۇەن خېڭ ئامېرىكىدا پاناھلىق تىلىدى");
  EXPECT_EQ(feed.entries[1].title, "شىنجاڭ");
}

TEST(LinkPageTest, PatternIsSearchedAnywhereUnlessAnchored) {
  const std::string html =
      "<a href='https://a.example/x/news/1'>1</a><a href='https://a.example/news/2'>2</a>";
  EXPECT_EQ(MustLinks(html, "/news/\\d").entries.size(), 2u);
  EXPECT_EQ(MustLinks(html, "^https://a\\.example/news/\\d$").entries.size(), 1u);
  EXPECT_EQ(MustLinks(html, "(?i)/NEWS/").entries.size(), 2u);
  EXPECT_EQ(MustLinks(html, "/NEWS/").entries.size(), 0u);
}

TEST(LinkPageTest, BadPatternsAreInvalidArgument) {
  EXPECT_EQ(CheckLinkPattern(R"(^https://x\.org/ug/news-\d+\.html$)"), "");
  EXPECT_EQ(CheckLinkPattern("."), "");
  for (std::string_view bad : {"(abc", "[a-", "a{2,1}", "*x", "\\", ""}) {
    const std::string problem = CheckLinkPattern(bad);
    EXPECT_FALSE(problem.empty()) << bad;
    Result<Feed> feed = ParseLinkPage("<a href='/x'>x</a>", "", kPageUrl, bad, Opts());
    ASSERT_FALSE(feed.ok()) << bad;
    EXPECT_EQ(feed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(feed.status().message(), problem);
  }
  EXPECT_NE(CheckLinkPattern("(abc").find("offset"), std::string::npos);
  EXPECT_FALSE(CheckLinkPattern(std::string(5000, 'a')).empty());
}

TEST(LinkPageTest, CatastrophicBacktrackingEndsAsNoMatch) {
  // Documented behaviour: a URL on which the pattern exceeds its step limit
  // does not match (and a problem says so); the page still parses.
  const std::string evil_path = std::string(3000, 'a') + "!";
  std::string html = "<a href='/ok/aaaa'>ok</a>";
  for (int i = 0; i < 3; ++i) html += "<a href='/" + evil_path + std::to_string(i) + "'>evil</a>";
  const Feed feed = MustLinks(html, "^https://[^/]+/(a+)+$|/ok/");
  EXPECT_EQ(Links(feed), (std::vector<std::string>{"https://news.example.org/ok/aaaa"}));
  EXPECT_TRUE(HasProblem(feed, "exceeded its match limit")) << Problems(feed);
  EXPECT_TRUE(HasProblem(feed, "3 links in all")) << Problems(feed);
  // The classic form on a long URL: anchored at the scheme, it fails fast.
  EXPECT_TRUE(MustLinks(html, "^(a+)+$").entries.empty());
}

TEST(LinkPageTest, PageBudgetStopsMatching) {
  // Many links each timing out: the page budget ends the matching early.
  std::string html;
  for (int i = 0; i < 200; ++i)
    html += "<a href='/" + std::string(2000, 'a') + "!" + std::to_string(i) + "'>x</a>";
  html += "<a href='/aaa'>late</a>";
  const Feed feed = MustLinks(html, "^https://[^/]+/(a+)+$");
  EXPECT_TRUE(feed.entries.empty());
  EXPECT_TRUE(HasProblem(feed, "exceeded its budget for the page")) << Problems(feed);
}

TEST(LinkPageTest, LimitsAndHostileMarkup) {
  FeedParseOptions small = Opts();
  small.max_bytes = 64;
  Result<Feed> big = ParseLinkPage(std::string(100, 'x'), "", kPageUrl, ".", small);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kTooLarge);

  FeedParseOptions few = Opts();
  few.max_entries = 2;
  const Feed capped = MustLinks(
      "<a href='/1'>1</a><a href='/2'>2</a><a href='/3'>3</a><a href='/2'>2</a>", ".", "", few);
  EXPECT_EQ(capped.entries.size(), 2u);
  EXPECT_TRUE(HasProblem(capped, "1 matching links beyond max_entries (2) dropped"))
      << Problems(capped);

  // Gumbo is quadratic on deep nesting: such pages are refused up front.
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<div>";
  deep += "<a href='/x'>x</a>";
  Result<Feed> nested = ParseLinkPage(deep, "", kPageUrl, ".", Opts());
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().code(), StatusCode::kTooLarge);

  // Garbage is a page, not an error: Gumbo turns the control character into
  // U+FFFD, which makes a (percent-encoded) relative link.
  const Feed garbage = MustLinks(std::string("\x00\xff\xfe", 3) + "<a href=\x01>", ".");
  EXPECT_EQ(Links(garbage),
            (std::vector<std::string>{"https://news.example.org/zh/china/%ef%bf%bd"}));
  EXPECT_TRUE(HasProblem(garbage, "invalid UTF-8 byte sequences replaced")) << Problems(garbage);
  const Feed weird = MustLinks(
      "<a href='http://[::1'>v6</a><a href='http://exa mple.org/'>space</a>"
      "<a href='  https://e.org/ok  '>ok</a><a href='data:text/html,x'>data</a>",
      ".");
  EXPECT_EQ(Links(weird), (std::vector<std::string>{"https://e.org/ok"})) << Problems(weird);
}

TEST(LinkPageTest, RealPagesFromTheCorpus) {
  MW_REQUIRE_SHARED();
  const auto pages = testing::SharedDir() / "corpora" / "readability-pages" / "pages";
  struct Case {
    std::string page;
    std::string url;
    std::string pattern;
  };
  for (const Case& c : std::vector<Case>{
           {"gmw", "http://guancha.gmw.cn/",
            R"(^http://[a-z]+\.gmw\.cn/\d{4}-\d{2}/\d{2}/content_\d+\.htm$)"},
           {"qq", "http://news.qq.com/", R"(^https?://[a-z]+\.qq\.com/a/\d{8}/\d+\.htm$)"},
           {"pixnet", "http://stevenhgm.pixnet.net/", R"(pixnet\.net/blog/post/\d+)"},
           {"wikipedia", "https://en.wikipedia.org/wiki/Mozilla",
            R"(^https://en\.wikipedia\.org/wiki/[^:]+$)"},
       }) {
    const std::string html = testing::ReadFileOrDie(pages / c.page / "source.html");
    const Feed feed = MustLinks(html, c.pattern, "", Opts(), c.url);
    EXPECT_GT(feed.entries.size(), 3u) << c.page;
    std::set<std::string> canonical;
    for (const FeedEntry& e : feed.entries) {
      EXPECT_TRUE(e.link.rfind("http://", 0) == 0 || e.link.rfind("https://", 0) == 0) << e.link;
      EXPECT_EQ(e.link.find('#'), std::string::npos) << e.link;
      auto key = CanonicalizeUrl(e.link);
      ASSERT_TRUE(key.ok());
      EXPECT_TRUE(canonical.insert(*key).second) << "duplicate " << e.link;
    }
    EXPECT_EQ(CheckLinkPattern(c.pattern), "");
  }
}

// ===================================================================== OPML

constexpr std::string_view kOpml = R"opml(<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Feeds</title></head>
  <body>
    <outline text="English">
      <outline text="BBC" type="rss" xmlUrl="https://feeds.bbci.co.uk/news/rss.xml"
               htmlUrl="https://www.bbc.co.uk/news" language="en"/>
      <outline text="Relative" type="rss" xmlUrl="/feed.xml"/>
      <outline text="Garbage" type="rss" xmlUrl="not a url at all"/>
      <outline text="FTP" type="rss" xmlUrl="ftp://example.org/feed.xml"/>
    </outline>
    <outline title="中文">
      <outline text="">
        <outline text="  RFA   普通话 " type="atom" xmlUrl="https://www.rfa.org/mandarin/atom.xml"
                 htmlUrl="javascript:alert(1)"/>
      </outline>
      <outline text="Untyped" xmlURL="https://example.cn/rss"/>
    </outline>
    <outline text="Top level" type="rss" xmlUrl="https://top.example/feed" />
    <outline text="Just a link" type="link" url="https://example.org/page.html"/>
  </body>
</opml>)opml";

TEST(OpmlTest, NestedOutlinesBecomeCategories) {
  Result<std::vector<OpmlOutline>> outlines = ParseOpml(kOpml);
  ASSERT_TRUE(outlines.ok()) << outlines.status().ToString();
  ASSERT_EQ(outlines->size(), 4u);
  const OpmlOutline& bbc = (*outlines)[0];
  EXPECT_EQ(bbc.title, "BBC");
  EXPECT_EQ(bbc.xml_url, "https://feeds.bbci.co.uk/news/rss.xml");
  EXPECT_EQ(bbc.html_url, "https://www.bbc.co.uk/news");
  EXPECT_EQ(bbc.language, "en");
  EXPECT_EQ(bbc.category, "English");
  const OpmlOutline& rfa = (*outlines)[1];
  EXPECT_EQ(rfa.title, "RFA 普通话");
  EXPECT_EQ(rfa.category, "中文");  // the untitled level adds nothing
  EXPECT_EQ(rfa.html_url, "");      // not http(s)
  const OpmlOutline& untyped = (*outlines)[2];
  EXPECT_EQ(untyped.xml_url, "https://example.cn/rss");
  EXPECT_EQ(untyped.category, "中文");
  EXPECT_EQ((*outlines)[3].category, "");
  EXPECT_EQ((*outlines)[3].title, "Top level");
}

TEST(OpmlTest, Opml1WithUrlAttribute) {
  Result<std::vector<OpmlOutline>> outlines = ParseOpml(
      "<opml version=\"1.0\"><body><outline text=\"A\" type=\"rss\" url=\"http://a.example/rss\"/>"
      "<outline text=\"B\" type=\"link\" url=\"http://b.example/\"/></body></opml>");
  ASSERT_TRUE(outlines.ok()) << outlines.status().ToString();
  ASSERT_EQ(outlines->size(), 1u);
  EXPECT_EQ((*outlines)[0].xml_url, "http://a.example/rss");
}

TEST(OpmlTest, NotOpmlAndLimits) {
  for (std::string_view bad : {std::string_view("<rss/>"), std::string_view("garbage"),
                               std::string_view(""), std::string_view("<?xml version='1.0'?>")}) {
    Result<std::vector<OpmlOutline>> r = ParseOpml(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kParseError) << bad;
  }
  FeedParseOptions small;
  small.max_bytes = 10;
  Result<std::vector<OpmlOutline>> big = ParseOpml(kOpml, small);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kTooLarge);

  FeedParseOptions few;
  few.max_entries = 2;
  Result<std::vector<OpmlOutline>> capped = ParseOpml(kOpml, few);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->size(), 2u);

  Result<std::vector<OpmlOutline>> empty = ParseOpml("<opml version='2.0'><head/></opml>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  std::string deep = "<opml><body>";
  for (int i = 0; i < 400; ++i) deep += "<outline text='x'>";
  Result<std::vector<OpmlOutline>> nested = ParseOpml(deep);
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().code(), StatusCode::kTooLarge);
}

bool SameOutline(const OpmlOutline& a, const OpmlOutline& b) {
  return a.title == b.title && a.xml_url == b.xml_url && a.html_url == b.html_url &&
         a.language == b.language && a.category == b.category;
}

TEST(OpmlTest, WriteRoundTripsChineseAndUyghur) {
  const std::vector<OpmlOutline> outlines = {
      {"美国之音 中文 & \"VOA\"", "https://www.voachinese.com/api/zq$omekvi_",
       "https://www.voachinese.com/", "zh-CN", "中文/美国"},
      {"ئەركىن ئاسىيا رادىيوسى", "https://www.rfa.org/uyghur/RSS", "", "ug", "ئۇيغۇرچە"},
      {"<Script> 'quoted' & amp;", "https://e.example/feed?a=1&b=2", "", "", ""},
      {"BBC 中文", "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml",
       "https://www.bbc.com/zhongwen/simp", "zh", "中文/英国"},
      {"關恆 繁體", "https://example.tw/rss.xml", "", "zh-TW", "中文"},
  };
  const std::string xml = WriteOpml(outlines, "mediawatch & 关恒 <feeds>");
  EXPECT_NE(xml.find("<opml version=\"2.0\">"), std::string::npos);
  EXPECT_NE(xml.find("<title>mediawatch &amp; 关恒 &lt;feeds&gt;</title>"), std::string::npos);
  EXPECT_NE(xml.find("a=1&amp;b=2"), std::string::npos);
  EXPECT_EQ(xml.find("<Script>"), std::string::npos);
  Result<std::vector<OpmlOutline>> parsed = ParseOpml(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  // Outlines come back grouped by category, in first-appearance order.
  const std::vector<size_t> order = {0, 3, 4, 1, 2};
  ASSERT_EQ(parsed->size(), outlines.size()) << xml;
  for (size_t i = 0; i < order.size(); ++i) {
    const OpmlOutline& want = outlines[order[i]];
    const OpmlOutline& got = (*parsed)[i];
    EXPECT_TRUE(SameOutline(want, got))
        << i << ": '" << got.title << "' '" << got.xml_url << "' '" << got.html_url << "' '"
        << got.language << "' '" << got.category << "'\n"
        << xml;
  }
}

TEST(OpmlTest, WriteEscapesHostileText) {
  const std::string xml = WriteOpml({{std::string("bad\x01"
                                                  "control \xff\xfe bytes\r\n\tline"),
                                      "https://e.example/f", "", "", "//a//b/"}},
                                    "");
  Result<std::vector<OpmlOutline>> parsed = ParseOpml(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u) << xml;
  // Controls dropped, bad bytes replaced; CR/LF survive as references (the
  // parser then collapses them like any whitespace).
  EXPECT_EQ((*parsed)[0].title, "badcontrol \xef\xbf\xbd\xef\xbf\xbd bytes line");
  EXPECT_NE(xml.find("&#13;&#10;"), std::string::npos);
  // Empty category segments are dropped.
  EXPECT_EQ((*parsed)[0].category, "a/b");
  EXPECT_EQ(WriteOpml({}, "empty").find("<outline"), std::string::npos);
}

}  // namespace
}  // namespace mw
