// Tests for parsers/article_extractor.h: boilerplate removal, block
// separation, metadata and hostile input. Corpus quality (F1 against the
// gold texts in ../shared) is in extraction_quality_test.cc.

#include "parsers/article_extractor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/html_metadata.h"
#include "parsers/html_text.h"
#include "parsers/html_tree.h"
#include "tests/support/test_support.h"
#include "text/normalizer.h"

namespace mw {
namespace {

constexpr std::string_view kUrl = "https://news.example.com/world/2026/01/story.html";

// Enough prose to win the scoring on its own.
std::string Prose(std::string_view topic, int sentences = 4) {
  std::string out;
  for (int i = 0; i < sentences; ++i) {
    out += "The report on " + std::string(topic) + " says officials, residents and analysts " +
           "disagree about what happened next, and the details remain contested. ";
  }
  return out;
}

ExtractedArticle ExtractOk(std::string_view html, std::string_view url = kUrl) {
  Result<ExtractedArticle> a = ExtractArticle(html, url);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return a.ok() ? a.value() : ExtractedArticle{};
}

std::string Page(std::string_view head, std::string_view body) {
  return "<!DOCTYPE html><html><head>" + std::string(head) + "</head><body>" + std::string(body) +
         "</body></html>";
}

bool Has(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

// --- Text ------------------------------------------------------------------------------

TEST(ExtractText, ParagraphsAreSeparatedByNewlines) {
  ExtractedArticle a = ExtractOk(Page("", "<article><p>foo</p><p>bar</p></article>"));
  EXPECT_EQ(a.text, "foo\nbar");
}

TEST(ExtractText, BlocksNeverGlueAndWhitespaceCollapses) {
  std::string body = "<article><h2>Section  one</h2><p>" + Prose("rivers") +
                     "</p><ul><li>first\n item</li><li>second</li></ul><p>tail<br>line</p>"
                     "<blockquote>quoted   words</blockquote></article>";
  ExtractedArticle a = ExtractOk(Page("", body));
  EXPECT_TRUE(Has(a.text, "Section one\nThe report on rivers")) << a.text;
  EXPECT_TRUE(Has(a.text, "\nfirst item\nsecond\ntail\nline\nquoted words")) << a.text;
  EXPECT_FALSE(Has(a.text, "  "));
  EXPECT_EQ(a.text.front(), 'S');
  EXPECT_NE(a.text.back(), '\n');
}

TEST(ExtractText, InlineMarkupDoesNotSplitWords) {
  ExtractedArticle a =
      ExtractOk(Page("", "<article><p>Guan <b>Heng</b> filmed<i>,</i> then left. " +
                             Prose("camps") + "</p></article>"));
  EXPECT_TRUE(Has(a.text, "Guan Heng filmed, then left.")) << a.text;
}

TEST(ExtractText, NavigationFooterShareRelatedAndScriptsAreRemoved) {
  std::string body =
      "<header><div class='logo'>SiteLogo</div><nav><a href='/'>Home</a><a "
      "href='/world'>World</a></nav></header>"
      "<div id='main'><article><h1>Headline here</h1>"
      "<div class='byline'>By Jane Reporter</div>"
      "<div class='share-tools'><a href='#'>Share on Facebook</a> ShareText</div>"
      "<p>" +
      Prose("the flood") +
      "</p><script>var x = 'ScriptText';</script>"
      "<style>.a{color:red}</style><p>" +
      Prose("the rescue") +
      "</p>"
      "<div class='related-articles'><h3>RelatedText</h3><p>Other story about stuff and "
      "things that is long enough to count as a paragraph.</p></div>"
      "<div id='comments'><p>CommentText: I disagree with this article, strongly, and "
      "at length.</p></div>"
      "</article><aside class='sidebar'><p>SidebarText with enough words to be a "
      "paragraph, or close to it.</p></aside></div>"
      "<div class='cookie-banner'>CookieText accept</div>"
      "<footer><p>FooterText copyright</p></footer>";
  ExtractedArticle a = ExtractOk(Page("<title>Headline here - Example News</title>", body));
  EXPECT_TRUE(Has(a.text, "The report on the flood")) << a.text;
  EXPECT_TRUE(Has(a.text, "The report on the rescue")) << a.text;
  for (std::string_view junk :
       {"SiteLogo", "Home", "Headline here", "Jane Reporter", "ShareText", "ScriptText",
        "color:red", "RelatedText", "CommentText", "SidebarText", "CookieText", "FooterText"}) {
    EXPECT_FALSE(Has(a.text, junk)) << junk << " in:\n" << a.text;
  }
  EXPECT_EQ(a.title, "Headline here");
}

TEST(ExtractText, HiddenElementsAreRemoved) {
  std::string body = "<article><p>" + Prose("votes") +
                     "</p><p style='display: none'>HiddenStyle</p><div hidden>HiddenAttr</div>"
                     "<p aria-hidden='true'>HiddenAria</p></article>";
  ExtractedArticle a = ExtractOk(Page("", body));
  EXPECT_FALSE(Has(a.text, "Hidden")) << a.text;
}

TEST(ExtractText, ChoosesTheProseContainerOverLinkLists) {
  std::string links;
  for (int i = 0; i < 40; ++i) {
    links += "<li><a href='/s" + std::to_string(i) + "'>Another headline number " +
             std::to_string(i) + ", with commas, and more</a></li>";
  }
  std::string body = "<div class='col'><ul>" + links + "</ul></div><div class='col'><p>" +
                     Prose("the verdict") + "</p><p>" + Prose("the appeal") + "</p></div>";
  ExtractedArticle a = ExtractOk(Page("", body));
  EXPECT_TRUE(Has(a.text, "the verdict")) << a.text;
  EXPECT_FALSE(Has(a.text, "Another headline")) << a.text;
}

TEST(ExtractText, IncludesSiblingParagraphsOfTheTopCandidate) {
  // Readability-style: prose split over sibling containers is kept.
  std::string body = "<div id='wrap'><div class='part'><p>" + Prose("part one", 6) +
                     "</p></div><p>A sibling paragraph that is long enough to be kept, since "
                     "it has plenty of words and very few links in it.</p><div class='part'><p>" +
                     Prose("part two", 3) +
                     "</p></div><div class='x'><a href='/a'>Link "
                     "only box</a></div></div>";
  ExtractedArticle a = ExtractOk(Page("", body));
  EXPECT_TRUE(Has(a.text, "part one")) << a.text;
  EXPECT_TRUE(Has(a.text, "A sibling paragraph")) << a.text;
  EXPECT_TRUE(Has(a.text, "part two")) << a.text;
  EXPECT_FALSE(Has(a.text, "Link only box")) << a.text;
}

TEST(ExtractText, PrefersArticleBodyContainer) {
  std::string body = "<div class='page'><div itemprop='articleBody'><p>" + Prose("budget") +
                     "</p><p>" + Prose("taxes") + "</p></div><div class='teasers'><p>" +
                     Prose("a different story", 2) + "</p></div></div>";
  ExtractedArticle a = ExtractOk(Page("", body));
  EXPECT_TRUE(Has(a.text, "budget")) << a.text;
  EXPECT_FALSE(Has(a.text, "a different story")) << a.text;
}

TEST(ExtractText, ChinesePageWithoutSpaces) {
  std::string body =
      "<div class='nav'><a href='/'>首页</a><a href='/n'>新闻</a></div>"
      "<div class='article'><h1>关恒案开庭</h1><div class='author'>记者：王明</div>"
      "<p>　　据报道，关恒于二零二一年前往新疆拍摄，记录了当地的情况。他随后离开中国，"
      "前往厄瓜多尔，再乘船抵达美国。</p>"
      "<p>　　律师表示，此案涉及庇护申请、移民拘留以及证据保全等多个问题；法院尚未作出裁决。</p>"
      "<p>　　多名学者认为，这些影像资料具有重要的历史价值，应当妥善保存并公开。</p>"
      "</div><div class='footer'>版权所有</div>";
  ExtractedArticle a = ExtractOk(Page("<title>关恒案开庭_国际新闻_示例网</title>", body));
  EXPECT_EQ(
      a.text,
      "据报道，关恒于二零二一年前往新疆拍摄，记录了当地的情况。他随后离开中国，前往厄瓜多尔，"
      "再乘船抵达美国。\n律师表示，此案涉及庇护申请、移民拘留以及证据保全等多个问题；"
      "法院尚未作出裁决。\n多名学者认为，这些影像资料具有重要的历史价值，应当妥善保存并公开。");
  EXPECT_EQ(a.title, "关恒案开庭");
}

TEST(ExtractText, UyghurRightToLeftPage) {
  std::string p1 =
      "گۇەن خېڭ شىنجاڭدىكى لاگېرلارنى سىنغا ئالغان، ئاندىن ئامېرىكىغا قېچىپ "
      "كەلگەن؛ ئۇ ھازىر سوتنى ساقلاۋاتىدۇ.";
  std::string p2 =
      "ئادۋوكاتلار، كىشىلىك ھوقۇق تەشكىلاتلىرى ۋە ئائىلە تاۋابىئاتلىرى ئۇنىڭ "
      "قويۇپ بېرىلىشىنى تەلەپ قىلدى؟";
  std::string body = "<nav><a href='/'>باش بەت</a></nav><article><h1>گۇەن خېڭ</h1><p>" + p1 +
                     "</p><p>" + p2 + "</p></article>";
  std::string html =
      "<!DOCTYPE html><html lang='ug' dir='rtl'><head><meta charset='utf-8'>"
      "<title>گۇەن خېڭ - ئەركىن ئاسىيا</title></head><body>" +
      body + "</body></html>";
  ExtractedArticle a = ExtractOk(html);
  EXPECT_EQ(a.text, p1 + "\n" + p2);
  EXPECT_EQ(a.language, "ug");
  EXPECT_EQ(a.title, "گۇەن خېڭ");
}

TEST(ExtractText, ShortPageStillYieldsText) {
  ExtractedArticle a = ExtractOk(Page("<title>Note</title>", "<div>Just one line.</div>"));
  EXPECT_EQ(a.text, "Just one line.");
  EXPECT_EQ(a.title, "Note");
}

TEST(ExtractText, WholePageInsideFormIsNotDropped) {
  // ASP.NET sites wrap everything in one <form>.
  std::string body = "<form id='aspnetForm'><div class='content'><p>" + Prose("elections") +
                     "</p><p>" + Prose("turnout") + "</p></div></form>";
  ExtractedArticle a = ExtractOk(Page("", body));
  EXPECT_TRUE(Has(a.text, "elections")) << a.text;
}

// --- Metadata --------------------------------------------------------------------------

TEST(ExtractMeta, TitlePrefersOgTitle) {
  ExtractedArticle a = ExtractOk(
      Page("<title>Page title | Site</title><meta property='og:title' content='OG &amp; title'>"
           "<meta property='og:site_name' content='Example Daily'>",
           "<h1>H1 title</h1><p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.title, "OG & title");
  EXPECT_EQ(a.site_name, "Example Daily");
}

TEST(ExtractMeta, OgTitleLosesSiteNameSuffix) {
  ExtractedArticle a =
      ExtractOk(Page("<meta property='og:title' content='Floods hit the coast - Example Daily'>"
                     "<meta property='og:site_name' content='Example Daily'>",
                     "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.title, "Floods hit the coast");
}

TEST(ExtractMeta, TitleFromH1ThenTitleTag) {
  ExtractedArticle a = ExtractOk(Page("<title>Court hears the case - Example News</title>",
                                      "<h1>Court hears the case</h1><p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.title, "Court hears the case");
  for (const auto& [raw, want] : std::vector<std::pair<std::string, std::string>>{
           {"Court hears the case - Example News", "Court hears the case"},
           {"Court hears the case | Example News", "Court hears the case"},
           {"Court hears the case _ Example", "Court hears the case"},
           {"法院审理关恒案——示例网", "法院审理关恒案"},
           {"法院审理关恒案_国际_示例网", "法院审理关恒案_国际"},
           {"Short - Site", "Short - Site"},  // too little would be left
           {"Why we love the new python_3 release notes",
            "Why we love the new python_3 release notes"},
           {"Elections in Xinjiang | RFA", "Elections in Xinjiang"},
           {"No separator at all", "No separator at all"}}) {
    ExtractedArticle b = ExtractOk(Page("<title>" + raw + "</title>", "<p>" + Prose("x") + "</p>"));
    EXPECT_EQ(b.title, want) << raw;
  }
}

TEST(ExtractMeta, LanguageBylineCanonicalSite) {
  std::string html =
      "<html lang='zh-CN'><head><meta name='author' content='Li Wei'>"
      "<link rel='canonical' href='/world/2026/01/story.html?ref=canon'>"
      "<meta property='og:site_name' content='Example'></head><body><p>" +
      Prose("x") + "</p></body></html>";
  ExtractedArticle a = ExtractOk(html);
  EXPECT_EQ(a.language, "zh-CN");
  EXPECT_EQ(a.byline, "Li Wei");
  EXPECT_EQ(a.canonical_url, "https://news.example.com/world/2026/01/story.html?ref=canon");
  EXPECT_EQ(a.site_name, "Example");
}

TEST(ExtractMeta, LanguageFallsBackToMeta) {
  ExtractedArticle a = ExtractOk(
      Page("<meta http-equiv='Content-Language' content='ug'>", "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.language, "ug");
  ExtractedArticle b =
      ExtractOk(Page("<meta property='og:locale' content='zh_TW'>", "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(b.language, "zh-TW");
}

TEST(ExtractMeta, BylineFromRelAuthorOrClass) {
  ExtractedArticle a =
      ExtractOk(Page("", "<article><p>By <a rel='author' href='/a'>Sam Writer</a></p><p>" +
                             Prose("x") + "</p></article>"));
  EXPECT_EQ(a.byline, "Sam Writer");
  ExtractedArticle b = ExtractOk(
      Page("", "<article><div class='byline'>By Kim Doe</div><p>" + Prose("x") + "</p></article>"));
  EXPECT_EQ(b.byline, "Kim Doe");
  EXPECT_FALSE(Has(b.text, "Kim Doe")) << b.text;
}

TEST(ExtractMeta, CanonicalIgnoredWhenUnresolvable) {
  ExtractedArticle a = ExtractOk(
      Page("<link rel='canonical' href='javascript:alert(1)'>", "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.canonical_url, "");
}

// 2026-01-28T09:30:00Z
constexpr int64_t kJan28 = 1769592600;

TEST(ExtractMeta, PublishedFromMetaProperty) {
  ExtractedArticle a =
      ExtractOk(Page("<meta property='article:published_time' content='2026-01-28T09:30:00Z'>",
                     "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.published, kJan28);
}

TEST(ExtractMeta, PublishedFromItempropJsonLdAndTime) {
  ExtractedArticle a = ExtractOk(
      Page("",
           "<article><span itemprop='datePublished' content='2026-01-28T10:30:00+01:00'>Jan "
           "28</span><p>" +
               Prose("x") + "</p></article>"));
  EXPECT_EQ(a.published, kJan28);
  ExtractedArticle b = ExtractOk(
      Page("<script type='application/ld+json'>{\"@type\":\"NewsArticle\", \"datePublished\" : "
           "\"2026-01-28T09:30:00Z\"}</script>",
           "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(b.published, kJan28);
  ExtractedArticle c =
      ExtractOk(Page("", "<article><time datetime='2026-01-28T09:30:00Z'>Jan 28</time><p>" +
                             Prose("x") + "</p></article>"));
  EXPECT_EQ(c.published, kJan28);
  ExtractedArticle none = ExtractOk(Page("", "<p>" + Prose("x") + "</p>"));
  EXPECT_FALSE(none.published.has_value());
}

TEST(ExtractMeta, JsonLdArticleFields) {
  // A @graph with a WebSite, an Organization and the NewsArticle; CDATA
  // wrapper; authors as objects; image as an ImageObject.
  std::string ld = R"(<script type="application/ld+json">//<![CDATA[
    {"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "Example Daily"},
      {"@type": ["NewsArticle"], "headline": "Guan Heng faces deportation",
       "author": [{"@type": "Person", "name": "Jane Roe"}, {"@type": "Person", "name": "Li Wei"}],
       "datePublished": "2026-01-28T09:30:00Z", "dateModified": "2026-01-29T10:00:00+01:00",
       "description": "The court hears the case.",
       "image": {"@type": "ImageObject", "url": "/img/lead.jpg"},
       "publisher": {"@type": "Organization", "name": "Example Daily"},
       "inLanguage": "en-GB"}]}
    //]]></script>)";
  ExtractedArticle a = ExtractOk(Page(ld + "<title>Other | Example Daily</title>",
                                      "<article><p>" + Prose("x") + "</p></article>"));
  EXPECT_EQ(a.title, "Guan Heng faces deportation");
  EXPECT_EQ(a.authors, (std::vector<std::string>{"Jane Roe", "Li Wei"}));
  EXPECT_EQ(a.byline, "Jane Roe, Li Wei");
  EXPECT_EQ(a.published, kJan28);
  EXPECT_EQ(a.modified, kJan28 + 86400 - 3600 + 1800);  // 2026-01-29T09:00:00Z
  EXPECT_EQ(a.description, "The court hears the case.");
  EXPECT_EQ(a.image_url, "https://news.example.com/img/lead.jpg");
  EXPECT_EQ(a.site_name, "Example Daily");
  EXPECT_EQ(a.language, "en-GB");
  EXPECT_EQ(a.language_source, "meta");
}

TEST(ExtractMeta, JsonLdNameThatIsTheSiteOrASummaryIsNotTheTitle) {
  ExtractedArticle a = ExtractOk(
      Page(R"(<script type="application/ld+json">{"@type":"NewsArticle","name":"Example Daily",
             "publisher":{"name":"Example Daily"}}</script>
             <meta property="og:title" content="Floods hit the coast | Example Daily">)",
           "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.title, "Floods hit the coast");
  ExtractedArticle b =
      ExtractOk(Page(R"(<title>New Zealand - Wikipedia</title><script type="application/ld+json">
             {"@type":"Article","name":"New Zealand","headline":"country in Oceania"}</script>)",
                     "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(b.title, "New Zealand");
}

TEST(ExtractMeta, BrokenOrHostileJsonLdIsIgnored) {
  std::string deep(5000, '[');
  for (std::string_view body :
       {std::string_view("{\"@type\":\"NewsArticle\",\"headline\":"), std::string_view(deep),
        std::string_view("{\"@type\":\"NewsArticle\",\"headline\":42,\"author\":{\"name\":[1]}}"),
        std::string_view("null"), std::string_view("")}) {
    ExtractedArticle a =
        ExtractOk(Page("<title>Plain title here now</title>"
                       "<script type='application/ld+json'>" +
                           std::string(body) + "</script>",
                       "<p>" + Prose("x") + "</p>"));
    EXPECT_EQ(a.title, "Plain title here now");
  }
}

TEST(ExtractMeta, TitleIgnoresSiteNameH1) {
  // The <h1> is the site's logo; the <title> ends with it.
  ExtractedArticle a =
      ExtractOk(Page("<title>Court hears the Guan Heng case · Example</title>",
                     "<header><h1>Example</h1></header><p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.title, "Court hears the Guan Heng case");
}

TEST(ExtractMeta, AuthorsSplitAndByRemoved) {
  ExtractedArticle a = ExtractOk(Page("<meta name='author' content='By Jane Roe and John Smith'>",
                                      "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.authors, (std::vector<std::string>{"Jane Roe", "John Smith"}));
  ExtractedArticle b =
      ExtractOk(Page("<meta name='author' content='张三、李四'>", "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(b.authors, (std::vector<std::string>{"张三", "李四"}));
  // A URL is not a name (article:author often is a profile link).
  ExtractedArticle c =
      ExtractOk(Page("<meta property='article:author' content='https://facebook.com/x'>",
                     "<p>" + Prose("x") + "</p>"));
  EXPECT_TRUE(c.authors.empty());
  // itemprop=author wrapping itemprop=name.
  ExtractedArticle d =
      ExtractOk(Page("",
                     "<article><span itemprop='author'><span itemprop='name'>Ayşe Yılmaz</span>"
                     "<span>Staff</span></span><p>" +
                         Prose("x") + "</p></article>"));
  EXPECT_EQ(d.byline, "Ayşe Yılmaz");
}

TEST(ExtractMeta, DescriptionImageModified) {
  ExtractedArticle a =
      ExtractOk(Page("<base href='https://cdn.example.org/news/'>"
                     "<meta name='description' content='  Plain   description '>"
                     "<meta property='og:image' content='lead.png'>"
                     "<meta property='article:modified_time' content='2026-01-28T09:30:00Z'>",
                     "<p>" + Prose("x") + "</p>"));
  EXPECT_EQ(a.description, "Plain description");
  EXPECT_EQ(a.image_url, "https://cdn.example.org/news/lead.png");
  EXPECT_EQ(a.modified, kJan28);
  EXPECT_FALSE(a.published.has_value());
  // Without metadata: the first sizeable image of the article, not icons,
  // pixels or data: URIs.
  ExtractedArticle b = ExtractOk(
      Page("",
           "<header><img src='/logo.png' width='300'></header><article>"
           "<img src='/icon.png' width='16' height='16'><img src='data:image/gif;base64,R0lGOD'>"
           "<img data-src='/photos/court.jpg' width='800'><p>" +
               Prose("x") + "</p></article>"));
  EXPECT_EQ(b.image_url, "https://news.example.com/photos/court.jpg");
}

TEST(ExtractMeta, PublishedFromTheUrlAsALastResort) {
  ExtractedArticle a =
      ExtractOk(Page("", "<p>" + Prose("x") + "</p>"), "https://example.com/2026/01/28/story");
  EXPECT_EQ(a.published, kJan28 - 9 * 3600 - 1800);  // midnight UTC
  ExtractedArticle b =
      ExtractOk(Page("<meta property='article:published_time' content='2026-01-28T09:30:00Z'>",
                     "<p>" + Prose("x") + "</p>"),
                "https://example.com/2020/01/01/story");
  EXPECT_EQ(b.published, kJan28);  // metadata wins
}

TEST(ExtractMeta, DateFromUrl) {
  const int64_t day = 1769558400;  // 2026-01-28T00:00:00Z
  for (std::string_view url :
       {"https://e.com/2026/01/28/story.html", "https://e.com/news/2026-01-28/story",
        "https://e.com/a/20260128/x.html", "https://e.com/a/202601/28/WS123.html",
        "http://www.news.cn/world/2026-01/28/c_1130.htm", "https://e.com/2026/0128/123.shtml",
        "https://e.com/art/t20260128_123.html", "https://e.com/2026/1/28/story"}) {
    EXPECT_EQ(html::DateFromUrl(url), day) << url;
  }
  for (std::string_view url :
       {"https://e.com/story", "https://e.com/2026/13/45/x", "https://e.com/2026/02/30/x",
        "https://e.com/item/12345678", "https://20260128.e.com/x", "https://e.com/x?d=2026-01-28",
        "https://e.com/1850/01/01/x", "https://e.com/2026/01/x", "not a url"}) {
    EXPECT_FALSE(html::DateFromUrl(url).has_value()) << url;
  }
}

TEST(ExtractMeta, LanguageGuessedFromTextWhenUnstated) {
  struct Case {
    std::string paragraph;
    std::string want;
  };
  const std::vector<Case> cases = {
      {Prose("the court"), "en"},
      {"记者关恒在新疆拍摄了拘留营的画面，这些画面后来在网上广泛传播。他说这是为了让世界看到真相。"
       "美国移民法院审理了他的庇护申请，他的律师说这个问题关系到他的生命安全。",
       "zh-Hans"},
      {"記者關恆在新疆拍攝了拘留營的畫面，這些畫面後來在網上廣泛傳播。他說這是為了讓世界看到真相。"
       "美國移民法院審理了他的庇護申請，他的律師說這個問題關係到他的生命安全。",
       "zh-Hant"},
      {"گۇەن خېڭ شىنجاڭدىكى لاگېرلارنى سىنغا ئالغان. ئۇ ئامېرىكىدا پاناھلىق تىلىدى. ئۇيغۇرلار "
       "ھەققىدىكى خەۋەرلەر دۇنيادا كەڭ تارقالدى.",
       "ug"},
      {"Guen Xéng Shinjangdiki lagérlarni sin'gha alghan. U Amérikida panahliq tilidi we bu "
       "heqqide nurghun xewer bar. Uyghurlar üchün bu muhim.",
       "ug-Latn"},
      {"Гуән Хең Шинҗаңдики лагерларни синға алған. У Америкида панаһлиқ тилиди. Уйғурлар "
       "һәққидики хәвәрләр дуняда кәң тарқалди.",
       "ug-Cyrl"},
      {"أعلنت المحكمة في نيويورك أنها ستنظر في قضية الصحفي الذي صور معسكرات الاحتجاز في شينجيانغ "
       "وقال محاميه إن ترحيله يعرض حياته للخطر.",
       "ar"},
      {"Суд в Нью-Йорке рассмотрит дело журналиста, который снимал лагеря в Синьцзяне. Он "
       "говорит, что это было опасно, и что его депортация была бы ошибкой.",
       "ru"},
  };
  for (const Case& c : cases) {
    ExtractedArticle a = ExtractOk(
        Page("", "<article><p>" + c.paragraph + "</p><p>" + c.paragraph + "</p></article>"));
    EXPECT_EQ(a.language, c.want) << c.paragraph;
    EXPECT_EQ(a.language_source, "text");
  }
  // Too little text to tell.
  ExtractedArticle none = ExtractOk(Page("<title>Hi there</title>", "<p>12 34</p>"));
  EXPECT_EQ(none.language, "");
  EXPECT_EQ(none.language_source, "");
  // A stated language wins over the text; garbage is not a language.
  ExtractedArticle stated =
      ExtractOk("<html lang='ug'><body><p>" + Prose("x") + "</p></body></html>");
  EXPECT_EQ(stated.language, "ug");
  EXPECT_EQ(stated.language_source, "html");
  ExtractedArticle junk =
      ExtractOk("<html lang='<script>'><body><p>" + Prose("x") + "</p></body></html>");
  EXPECT_EQ(junk.language, "en");
  EXPECT_EQ(junk.language_source, "text");
}

TEST(ExtractLimits, TimeBudgetIsEnforced) {
  std::string html = "<html><body>";
  while (html.size() < (4u << 20)) html += "<div><p>" + Prose("x", 1) + "</p></div>";
  ExtractOptions tight;
  tight.time_budget_ms = 1;  // parsing 4 MiB takes far longer
  Result<ExtractedArticle> a = ExtractArticle(html, kUrl, tight);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(Has(a.status().message(), "time budget")) << a.status().message();
}

// --- Limits and hostile input -------------------------------------------------------

// Gumbo 0.10 is quadratic (and worse) in nesting depth: these must be
// refused before parsing. (How fast is a benchmark question; a regression
// here shows up as a test timeout, not as a timing assertion.)
TEST(ExtractLimits, TenThousandDeepNestingIsRejected) {
  for (std::string_view tag : {"div", "span", "b", "font", "table", "blockquote", "x-custom"}) {
    SCOPED_TRACE(tag);
    std::string html;
    for (int i = 0; i < 10000; ++i) html += "<" + std::string(tag) + ">";
    html += "deep";
    Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), StatusCode::kTooLarge);
    EXPECT_TRUE(Has(a.status().message(), "deeper")) << a.status().message();
  }
  std::string hundred_k;
  for (int i = 0; i < 100000; ++i) hundred_k += "<div>";
  EXPECT_EQ(ExtractArticle(hundred_k, kUrl).status().code(), StatusCode::kTooLarge);
}

TEST(ExtractLimits, MisnestedFormattingTagsAreRejected) {
  // Each pattern, repeated 5,000 times, makes Gumbo's adoption agency and
  // formatting reconstruction nest ever deeper: 0.5 s to minutes unchecked.
  for (std::string_view unit :
       {"<a href=x><div>y</a>", "<em><strong>x</em>", "<b>x<table><tr><td></b>",
        "<font><b><i><u><s>", "<b><i>x</b>", "<div></span>", "<div></x>", "<span></b>"}) {
    SCOPED_TRACE(unit);
    std::string html = "<html><body><p>" + Prose("x") + "</p>";
    for (int i = 0; i < 5000; ++i) html += unit;
    Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), StatusCode::kTooLarge);
  }
}

TEST(ExtractLimits, MisnestedButClosedMarkupStillParses) {
  // Common real-world misnesting that does not accumulate must not be
  // refused.
  for (std::string_view unit :
       {"<p><b>x<i>y</b>z</i></p>", "<b><i>x</b></i>", "<b><p>x</b>y</p>", "<div><span>x</div>",
        "<a href=x>one<a href=y>two</a>", "<table><b>x</b><tr><td>y</td></tr></table>"}) {
    SCOPED_TRACE(unit);
    std::string html = "<html><body><article><p>" + Prose("x") + "</p>";
    for (int i = 0; i < 5000; ++i) html += unit;
    html += "</article></body></html>";
    Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
  }
}

TEST(ExtractLimits, SelfClosingDivsStillCountAsNesting) {
  // "<div/>" does not close in HTML, so this nests as deeply as "<div>".
  std::string html;
  for (int i = 0; i < 5000; ++i) html += "<div/>";
  Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kTooLarge);
}

TEST(ExtractLimits, ModerateNestingParsesAndIsCappedByMaxDepth) {
  std::string html = "<body>";
  for (int i = 0; i < 900; ++i) html += "<div>";
  html += "<p>" + Prose("deep text") + "</p>";
  for (int i = 0; i < 900; ++i) html += "</div>";
  html += "<p>" + Prose("shallow text") + "</p></body>";
  Result<ExtractedArticle> a = ExtractArticle(html, kUrl);  // max_depth 512 drops the deep part
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(Has(a->text, "shallow text")) << a->text;
  EXPECT_FALSE(Has(a->text, "deep text"));
  ExtractOptions wide;
  wide.max_depth = 2000;
  a = ExtractArticle(html, kUrl, wide);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(Has(a->text, "deep text"));
}

TEST(ExtractLimits, ManyUnclosedParagraphsAndSvgPathsAreNotDeep) {
  std::string html = "<body><svg>";
  for (int i = 0; i < 1500; ++i) html += "<path d='M0 0'/>";
  html += "</svg>";
  for (int i = 0; i < 1500; ++i)
    html += "<p>" + Prose("para", 1) + "<a href=x>link<li>item<br><img src=x>";
  Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
}

TEST(ExtractLimits, HugeInputIsRejected) {
  ExtractOptions small;
  small.max_bytes = 1000;
  Result<ExtractedArticle> a = ExtractArticle(std::string(1001, 'x'), kUrl, small);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kTooLarge);
  Result<ExtractedArticle> big = ExtractArticle(std::string((8u << 20) + 1, ' '), kUrl);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kTooLarge);
}

TEST(ExtractLimits, NothingUsableIsParseError) {
  for (std::string_view html :
       {"", "   ", "<html><head></head><body></body></html>", "<script>only()</script>"}) {
    Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
    ASSERT_FALSE(a.ok()) << html;
    EXPECT_EQ(a.status().code(), StatusCode::kParseError);
  }
}

TEST(ExtractLimits, GarbageBytesDoNotCrash) {
  uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<char>(state >> 24);
  };
  const std::string_view pieces[] = {
      "<div", "</div>", "<p>",     "<!--", "-->",   "<script>", "</script>", "<a href='", "\"",
      ">",    "<svg>",  "<table>", "<td>", "&amp;", "&#x",      "\xE4\xB8",  "\xFF",      "<meta "};
  for (int round = 0; round < 200; ++round) {
    std::string html;
    int len = 50 + (static_cast<unsigned char>(next()) % 400);
    for (int i = 0; i < len; ++i) {
      unsigned char r = static_cast<unsigned char>(next());
      if (r < 100) {
        html += pieces[r % std::size(pieces)];
      } else {
        html.push_back(next());
      }
    }
    Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
    if (a.ok()) {
      EXPECT_FALSE(a->text.empty() && a->title.empty());
    }
  }
}

}  // namespace
}  // namespace mw
