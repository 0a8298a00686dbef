// Tests for parsers/article_extractor.h: boilerplate removal, block
// separation, metadata, hostile input, and token-level F1 against the
// Readability and newspaper4k gold texts in ../shared.

#include "parsers/article_extractor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parsers/charset.h"
#include "parsers/date.h"
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

// --- Limits and hostile input -------------------------------------------------------

TEST(ExtractLimits, DeepNestingIsRejectedQuickly) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<div>";
  html += "deep";
  auto start = std::chrono::steady_clock::now();
  Result<ExtractedArticle> a = ExtractArticle(html, kUrl);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(Has(a.status().message(), "deeper")) << a.status().message();
  EXPECT_LT(seconds, 0.5);
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

// --- Corpus F1 ---------------------------------------------------------------------------

// Tokens for F1: Han/kana (scripts without spaces) one per character; others
// split at white space and punctuation; ASCII lower-cased.
std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    char32_t c = DecodeUtf8At(text, &pos);
    bool punct = (c < 0x80 && !std::isalnum(static_cast<int>(c))) || (c >= 0x2000 && c <= 0x206F) ||
                 (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF0F) ||
                 (c >= 0xFF1A && c <= 0xFF20) || c == 0x060C || c == 0x061B || c == 0x061F ||
                 c == 0x06D4 || c == 0xA0 || c == 0xAB || c == 0xBB || html::IsSpace(c);
    if (punct) {
      flush();
    } else if (IsScriptWithoutSpaces(c)) {
      flush();
      tokens.emplace_back(text.substr(start, pos - start));
    } else if (c < 0x80) {
      word.push_back(static_cast<char>(std::tolower(static_cast<int>(c))));
    } else {
      word.append(text.substr(start, pos - start));
    }
  }
  flush();
  return tokens;
}

double TokenF1(std::string_view ours, std::string_view gold) {
  std::map<std::string, int> counts;
  std::vector<std::string> a = Tokenize(ours);
  std::vector<std::string> b = Tokenize(gold);
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  for (const std::string& t : b) ++counts[t];
  size_t common = 0;
  for (const std::string& t : a) {
    auto it = counts.find(t);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++common;
    }
  }
  if (common == 0) return 0.0;
  double precision = static_cast<double>(common) / a.size();
  double recall = static_cast<double>(common) / b.size();
  return 2 * precision * recall / (precision + recall);
}

TEST(ExtractF1, TokenF1Sanity) {
  EXPECT_DOUBLE_EQ(TokenF1("a b c", "a b c"), 1.0);
  EXPECT_DOUBLE_EQ(TokenF1("关恒", "关恒"), 1.0);
  EXPECT_EQ(Tokenize("Guan Heng，关恒。گۇەن خېڭ").size(), 6u);
  EXPECT_NEAR(TokenF1("a b", "a b c d"), 2 * 1.0 * 0.5 / 1.5, 1e-9);
  EXPECT_DOUBLE_EQ(TokenF1("x", "y"), 0.0);
}

// Visible text of an HTML fragment (gold files), via the same parser.
std::string GoldText(std::string_view html) {
  Result<html::HtmlTree> tree = html::ParseHtmlTree(html, {.max_depth = 2000});
  EXPECT_TRUE(tree.ok());
  if (!tree.ok()) return {};
  std::string out;
  for (const html::HtmlNode& n : tree->nodes) {
    if (!n.is_text) continue;
    const std::string& parent = tree->nodes[n.parent].tag;
    if (parent == "script" || parent == "style" || parent == "title") continue;
    out += n.text;
    out += ' ';
  }
  return out;
}

std::string NormalizeTitle(std::string_view s) {
  return html::AsciiLower(html::CollapseWhitespace(s));
}

TEST(ExtractCorpus, ReadabilityPagesF1) {
  MW_REQUIRE_SHARED();
  std::filesystem::path root = testing::SharedDir() / "corpora" / "readability-pages" / "pages";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root;
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : std::filesystem::directory_iterator(root)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  double f1_sum = 0;
  int pages = 0;
  int title_exact = 0;
  int title_relaxed = 0;
  int failures = 0;
  int dates_expected = 0;
  int dates_equal = 0;
  std::vector<std::pair<double, std::string>> worst;
  for (const auto& dir : dirs) {
    std::string source = testing::ReadFileOrDie(dir / "source.html");
    std::string expected = testing::ReadFileOrDie(dir / "expected.html");
    nlohmann::json meta =
        nlohmann::json::parse(testing::ReadFileOrDie(dir / "expected-metadata.json"));
    Result<DecodedText> decoded = DecodeHtml(source, "text/html; charset=utf-8");
    ASSERT_TRUE(decoded.ok());
    Result<ExtractedArticle> a = ExtractArticle(decoded->utf8, "http://fakehost/test/page.html");
    double f1 = 0;
    if (a.ok()) {
      f1 = TokenF1(a->text, GoldText(expected));
      std::string want = meta.contains("title") && meta["title"].is_string()
                             ? meta["title"].get<std::string>()
                             : "";
      std::string got = NormalizeTitle(a->title);
      want = NormalizeTitle(want);
      if (got == want) ++title_exact;
      if (!got.empty() && !want.empty() &&
          (got.find(want) != std::string::npos || want.find(got) != std::string::npos)) {
        ++title_relaxed;
      } else if (got == want) {
        ++title_relaxed;
      }
      std::optional<int64_t> want_date;
      if (meta.contains("publishedTime") && meta["publishedTime"].is_string()) {
        want_date = ParseAnyDate(meta["publishedTime"].get<std::string>());
      }
      if (want_date) {
        ++dates_expected;
        if (a->published == want_date) ++dates_equal;
      }
    } else {
      ++failures;
    }
    f1_sum += f1;
    ++pages;
    worst.emplace_back(f1, dir.filename().string());
  }
  std::sort(worst.begin(), worst.end());
  double mean = f1_sum / pages;
  std::printf("readability-pages: %d pages, mean token F1 %.3f, extraction failures %d\n", pages,
              mean, failures);
  std::printf("  title exact match %d/%d, relaxed (containment) %d/%d\n", title_exact, pages,
              title_relaxed, pages);
  std::printf("  published time equal %d/%d (pages whose expected time ParseAnyDate reads)\n",
              dates_equal, dates_expected);
  std::printf("  lowest:");
  for (size_t i = 0; i < std::min<size_t>(worst.size(), 12); ++i) {
    std::printf(" %s=%.2f", worst[i].second.c_str(), worst[i].first);
  }
  std::printf("\n");
  if (std::getenv("MW_F1_VERBOSE") != nullptr) {
    for (const auto& [f, name] : worst) std::printf("  %-45s %.3f\n", name.c_str(), f);
  }
  // Measured (Debug and Release alike): mean F1 0.969, titles 106 exact /
  // 123 relaxed, published 31/33. The floors leave a small margin.
  EXPECT_EQ(pages, 130);
  EXPECT_EQ(failures, 0);
  EXPECT_GE(mean, 0.94);
  EXPECT_GE(title_exact, 100);
  EXPECT_GE(title_relaxed, 118);
  EXPECT_GE(dates_equal, 29);
}

TEST(ExtractCorpus, Newspaper4kMultilingualF1) {
  MW_REQUIRE_SHARED();
  std::filesystem::path root =
      testing::SharedDir() / "corpora" / "multilingual" / "html" / "newspaper4k";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root;
  std::map<std::string, std::pair<double, int>> by_language;
  int titles[2] = {0, 0};  // matching, differing
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (e.path().extension() != ".html") continue;
    std::filesystem::path gold_path = e.path();
    gold_path.replace_extension(".txt");
    if (!std::filesystem::exists(gold_path)) continue;
    std::string name = e.path().stem().string();
    std::string language = name.substr(0, name.find('_'));
    Result<DecodedText> decoded = DecodeHtml(testing::ReadFileOrDie(e.path()), "");
    ASSERT_TRUE(decoded.ok());
    Result<ExtractedArticle> a = ExtractArticle(decoded->utf8, "https://example.com/a.html");
    ASSERT_TRUE(a.ok()) << name << ": " << a.status().ToString();
    double f1 = TokenF1(a->text, testing::ReadFileOrDie(gold_path));
    std::filesystem::path meta_path = e.path();
    meta_path.replace_extension(".json");
    std::string title_check = "no gold title";
    if (std::filesystem::exists(meta_path)) {
      nlohmann::json meta = nlohmann::json::parse(testing::ReadFileOrDie(meta_path));
      if (meta.contains("title") && meta["title"].is_string()) {
        bool same = NormalizeTitle(meta["title"].get<std::string>()) == NormalizeTitle(a->title);
        title_check = same ? "title matches" : "title differs";
        ++titles[same ? 0 : 1];
      }
    }
    std::printf("newspaper4k %-24s charset %-8s F1 %.3f  %s: %s\n", name.c_str(),
                decoded->charset.c_str(), f1, title_check.c_str(), a->title.c_str());
    EXPECT_GE(f1, 0.85) << name;
    by_language[language].first += f1;
    by_language[language].second += 1;
  }
  ASSERT_FALSE(by_language.empty());
  std::printf("newspaper4k titles: %d match the gold .json, %d differ\n", titles[0], titles[1]);
  EXPECT_EQ(titles[1], 0);
  for (const auto& [language, sum] : by_language) {
    double mean = sum.first / sum.second;
    std::printf("newspaper4k %s: %d pages, mean F1 %.3f\n", language.c_str(), sum.second, mean);
    // Measured: chinese 0.993 (3 pages), arabic 0.914 (1 page; CNN's
    // unmarked comment-policy paragraphs are the loss).
    EXPECT_GE(mean, language == "arabic" ? 0.88 : 0.95) << language;
  }
}

}  // namespace
}  // namespace mw
