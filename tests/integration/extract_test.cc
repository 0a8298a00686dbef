// End-to-end: `mediawatch extract` on files, stdin and loopback URLs — JSON
// fields, legacy encodings, redirects and the address guard, hostile and
// broken input, exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/command_test.h"
#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RunCommand;

// A realistic news page: navigation, header, share bar, article, related
// links, footer. The nav/footer phrases must not reach the text.
constexpr std::string_view kNewsPage = R"(<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Filmmaker who documented Xinjiang camps fights deportation - Example News</title>
  <meta name="author" content="Jane Reporter">
  <meta property="og:site_name" content="Example News">
  <meta property="og:title" content="Filmmaker who documented Xinjiang camps fights deportation">
  <meta property="article:published_time" content="2024-05-01T12:00:00Z">
  <meta name="description" content="Guan Heng filmed detention camps and fled to the US.">
  <link rel="canonical" href="https://news.example.org/world/guan-heng-deportation">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <header class="site-header">
    <nav class="main-nav">
      <ul>
        <li><a href="/">Home</a></li>
        <li><a href="/world">World navigation zebra</a></li>
        <li><a href="/business">Business</a></li>
        <li><a href="/sport">Sport</a></li>
      </ul>
    </nav>
  </header>
  <main>
    <article class="story">
      <h1>Filmmaker who documented Xinjiang camps fights deportation</h1>
      <p class="byline">By Jane Reporter</p>
      <div class="share-bar"><a href="#">Share on social media</a></div>
      <div class="story-body">
        <p>Guan Heng, a Chinese citizen who secretly filmed detention facilities in the Xinjiang
        region in 2020, is fighting an order that would send him back to China, his lawyers said
        on Wednesday.</p>
        <p>The footage, which he published online after leaving the country, showed several
        compounds that researchers later matched with satellite images of facilities used to hold
        Uyghurs and members of other mostly Muslim minorities.</p>
        <p>Human rights groups have urged the authorities not to deport him, arguing that he
        would face arrest and likely imprisonment because of the videos he made public.</p>
        <p>His asylum case is expected to be heard again next month. Supporters plan to attend
        the hearing and have collected thousands of signatures on a petition.</p>
      </div>
    </article>
    <aside class="related">
      <h2>Related stories</h2>
      <ul><li><a href="/other">Unrelated sidebar headline</a></li></ul>
    </aside>
  </main>
  <footer class="site-footer">
    <p>Copyright Example News footer platypus. All rights reserved.</p>
    <a href="/privacy">Privacy policy</a>
  </footer>
</body>
</html>
)";

// Chinese sentences in GBK (no charset in the page itself).
// 关恒拍摄了新疆拘留营的视频。
constexpr std::string_view kGbk1 =
    "\xB9\xD8\xBA\xE3\xC5\xC4\xC9\xE3\xC1\xCB\xD0\xC2\xBD\xAE\xBE\xD0\xC1\xF4\xD3\xAA\xB5\xC4"
    "\xCA\xD3\xC6\xB5\xA1\xA3";
// 他在美国申请庇护，面临被遣返的风险。
constexpr std::string_view kGbk2 =
    "\xCB\xFB\xD4\xDA\xC3\xC0\xB9\xFA\xC9\xEA\xC7\xEB\xB1\xD3\xBB\xA4\xA3\xAC\xC3\xE6\xC1\xD9"
    "\xB1\xBB\xC7\xB2\xB7\xB5\xB5\xC4\xB7\xE7\xCF\xD5\xA1\xA3";
// 人权组织呼吁美国政府不要将他遣返。
constexpr std::string_view kGbk3 =
    "\xC8\xCB\xC8\xA8\xD7\xE9\xD6\xAF\xBA\xF4\xD3\xF5\xC3\xC0\xB9\xFA\xD5\xFE\xB8\xAE\xB2\xBB"
    "\xD2\xAA\xBD\xAB\xCB\xFB\xC7\xB2\xB7\xB5\xA1\xA3";
// 关恒案
constexpr std::string_view kGbkTitle = "\xB9\xD8\xBA\xE3\xB0\xB8";

// A Chinese page in GBK with `head_extra` in <head> (e.g. a canonical link).
std::string GbkPage(std::string_view head_extra = "") {
  std::string page = "<!DOCTYPE html><html><head><title>";
  page += kGbkTitle;
  page += "</title>";
  page += head_extra;
  page += "</head><body><nav><a href=\"/\">Home</a></nav><article><h1>";
  page += kGbkTitle;
  page += "</h1>";
  for (int i = 0; i < 4; ++i) {
    page += "<p>";
    for (int j = 0; j < 3; ++j) {
      page += kGbk1;
      page += kGbk2;
      page += kGbk3;
    }
    page += "</p>\n";
  }
  page += "</article></body></html>";
  return page;
}

bool IsStringOrNull(const json& j) { return j.is_string() || j.is_null(); }

class ExtractCommandTest : public testing::CommandTest {
 protected:
  ExtractCommandTest() : CommandTest({"extract"}) {}
};

TEST_F(ExtractCommandTest, NewsPageJsonHasArticleAndMetadata) {
  const std::string file = Write("page.html", kNewsPage);
  const json j = RunJson({file});
  ASSERT_TRUE(j.is_object());
  for (const char* key :
       {"title", "byline", "authors", "published", "modified", "lang", "canonical_url", "site_name",
        "description", "image", "text", "charset", "url"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["title"], "Filmmaker who documented Xinjiang camps fights deportation");
  EXPECT_EQ(j["lang"], "en-GB");
  EXPECT_EQ(j["byline"], "Jane Reporter");
  EXPECT_EQ(j["published"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(j["canonical_url"], "https://news.example.org/world/guan-heng-deportation");
  EXPECT_EQ(j["site_name"], "Example News");
  EXPECT_EQ(j["charset"], "UTF-8");
  EXPECT_TRUE(j["url"].is_null()) << j["url"];  // a file without --url: unknown
  // Filled in by newer extractor versions; the keys are there either way.
  EXPECT_TRUE(j["authors"].is_array());
  for (const char* key : {"modified", "description", "image"}) {
    EXPECT_TRUE(IsStringOrNull(j[key])) << key << ": " << j[key];
  }

  ASSERT_TRUE(j["text"].is_string());
  const std::string text = j["text"];
  EXPECT_NE(text.find("secretly filmed detention facilities"), std::string::npos) << text;
  EXPECT_NE(text.find("satellite images"), std::string::npos) << text;
  EXPECT_NE(text.find("thousands of signatures on a petition."), std::string::npos) << text;
  EXPECT_EQ(text.find("navigation zebra"), std::string::npos) << text;
  EXPECT_EQ(text.find("footer platypus"), std::string::npos) << text;
  EXPECT_EQ(text.find("Privacy policy"), std::string::npos) << text;
}

TEST_F(ExtractCommandTest, TextOutputIsHeaderBlankLineAndText) {
  const std::string file = Write("page.html", kNewsPage);
  const CommandResult r = Run({file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Title:", 0), 0u) << r.out;
  for (const char* line : {"\nByline:      Jane Reporter\n",
                           "\nPublished:   2024-05-01T12:00:00Z\n", "\nLanguage:    en-GB",
                           "\nCanonical:   https://news.example.org/world/guan-heng-deportation\n",
                           "\nSite:        Example News\n", "\nCharset:     UTF-8"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  const size_t blank = r.out.find("\n\n");
  ASSERT_NE(blank, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("secretly filmed", blank), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Charset:", blank), std::string::npos) << "header after the text";
}

TEST_F(ExtractCommandTest, RelativeCanonicalNeedsAPageUrl) {
  std::string page(kNewsPage);
  const std::string absolute = "https://news.example.org/world/guan-heng-deportation";
  page.replace(page.find(absolute), absolute.size(), "/world/relative-story?id=7");
  const std::string file = Write("relative.html", page);

  const json with_url = RunJson({file, "--url", "https://news.example.org/a/b.html"});
  EXPECT_EQ(with_url["canonical_url"], "https://news.example.org/world/relative-story?id=7");
  EXPECT_EQ(with_url["url"], "https://news.example.org/a/b.html");

  // Unknown page URL: a relative link cannot be resolved and is left out.
  const json without = RunJson({file});
  EXPECT_TRUE(without["canonical_url"].is_null()) << without["canonical_url"];
  EXPECT_EQ(without["title"], "Filmmaker who documented Xinjiang camps fights deportation");

  EXPECT_EQ(Run({file, "--url", "ftp://news.example.org/x"}).exit_code, 2);
  EXPECT_EQ(Run({file, "--url", "not a url"}).exit_code, 2);
}

TEST_F(ExtractCommandTest, GbkPageDecodedWithContentTypeCharset) {
  const std::string file = Write("gbk.html", GbkPage());
  const json j = RunJson({file, "--content-type", "text/html; charset=gbk"});
  EXPECT_EQ(j["charset"], "GB18030");
  ASSERT_TRUE(j["text"].is_string());
  const std::string text = j["text"];
  EXPECT_NE(text.find("关恒拍摄了新疆拘留营的视频。"), std::string::npos) << text;
  EXPECT_NE(text.find("人权组织呼吁美国政府不要将他遣返。"), std::string::npos) << text;
  EXPECT_EQ(j["title"], "关恒案");

  // The output is UTF-8, not \u escapes.
  const CommandResult raw = Run({file, "--content-type", "text/html; charset=gbk", "--json"});
  EXPECT_NE(raw.out.find("关恒"), std::string::npos) << raw.out;

  // The --content-type charset wins over anything found in the bytes: read
  // as UTF-8, the GBK bytes are invalid and nothing Chinese comes out.
  const json forced = RunJson({file, "--content-type", "text/html; charset=utf-8"});
  EXPECT_EQ(forced["charset"], "UTF-8");
  EXPECT_EQ(forced.dump().find("关恒"), std::string::npos) << forced.dump();
}

TEST_F(ExtractCommandTest, UrlFollowsRedirectAndUsesResponseHeaders) {
  testing::LoopbackServer server;
  const std::string page = GbkPage(R"(<link rel="canonical" href="/canonical/story-1">)");
  server.http().Get("/old/story", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/news/story.html", 302);
  });
  server.http().Get("/news/story.html", [&page](const httplib::Request&, httplib::Response& res) {
    res.set_content(page, "text/html; charset=GBK");
  });
  ASSERT_TRUE(server.Start());

  const json j = RunJson({server.Url("/old/story"), "--allow-cidr", "127.0.0.0/8"});
  EXPECT_EQ(j["url"], server.Url("/news/story.html"));
  EXPECT_EQ(j["canonical_url"], server.Url("/canonical/story-1"));
  EXPECT_EQ(j["charset"], "GB18030");  // from the response's Content-Type
  ASSERT_TRUE(j["text"].is_string());
  EXPECT_NE(j["text"].get<std::string>().find("关恒"), std::string::npos) << j["text"];

  // --url and --content-type override the response.
  const json over =
      RunJson({server.Url("/old/story"), "--allow-cidr", "127.0.0.0/8", "--url",
               "https://news.example.org/zh/a.html", "--content-type", "text/html; charset=big5"});
  EXPECT_EQ(over["url"], "https://news.example.org/zh/a.html");
  EXPECT_EQ(over["canonical_url"], "https://news.example.org/canonical/story-1");
  EXPECT_EQ(over["charset"], "Big5-HKSCS");
}

TEST_F(ExtractCommandTest, UrlFailures) {
  testing::LoopbackServer server;
  server.http().Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("not here", "text/plain");
  });
  server.http().Get("/empty", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("", "text/html");
  });
  ASSERT_TRUE(server.Start());

  // The address guard: loopback is refused unless allowed.
  const CommandResult refused = Run({server.Url("/missing")});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("127.0.0.1"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--allow-cidr"), std::string::npos) << refused.err;
  EXPECT_TRUE(refused.out.empty()) << refused.out;

  const CommandResult missing = Run({server.Url("/missing"), "--allow-cidr", "127.0.0.0/8"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("HTTP 404"), std::string::npos) << missing.err;

  const CommandResult empty = Run({server.Url("/empty"), "--allow-cidr", "127.0.0.0/8"});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;

  const CommandResult unreachable =
      Run({"http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) + "/",
           "--allow-cidr", "127.0.0.0/8", "--timeout", "5"});
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.err;
  EXPECT_NE(unreachable.err.find("mediawatch extract: http://127.0.0.1:"), std::string::npos)
      << unreachable.err;

  EXPECT_EQ(Run({server.Url("/missing"), "--allow-cidr", "not-a-cidr"}).exit_code, 2);
  EXPECT_EQ(Run({"ftp://127.0.0.1/page.html"}).exit_code, 2);
  EXPECT_EQ(Run({"file:///etc/passwd"}).exit_code, 2);
}

TEST_F(ExtractCommandTest, BrokenFilesFailCleanly) {
  const CommandResult empty = Run({Write("empty.html", "")});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("empty.html: "), std::string::npos) << empty.err;
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;

  const CommandResult missing = Run({(dir_.path() / "nope.html").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.html: no such file"), std::string::npos) << missing.err;

  const CommandResult directory = Run({dir_.str()});
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_NE(directory.err.find("directory"), std::string::npos) << directory.err;

  // Markup with no content at all.
  const CommandResult nothing = Run({Write("nothing.html", "<html><body></body></html>")});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("no article text or title found"), std::string::npos) << nothing.err;

  // RunCommand reports -1 for a process killed by a signal (a crash, an
  // ASan abort): garbage may or may not yield text, but must exit normally.
  std::string garbage;
  uint32_t x = 2463534242u;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    garbage.push_back(static_cast<char>(x & 0xff));
  }
  const CommandResult binary = Run({Write("garbage.bin", garbage), "--json"});
  EXPECT_TRUE(binary.exit_code == 0 || binary.exit_code == 1) << binary.exit_code << "\n"
                                                              << binary.err;
  if (binary.exit_code == 0) {
    EXPECT_TRUE(json::parse(binary.out, nullptr, false).is_object()) << binary.out.substr(0, 200);
  }

  std::string deep = "<html><body>";
  for (int i = 0; i < 10000; ++i) deep += "<div>";
  deep += "<p>Deep text.</p></body></html>";
  const CommandResult nested = Run({Write("deep.html", deep)});
  EXPECT_EQ(nested.exit_code, 1);
  EXPECT_NE(nested.err.find("deep.html: HTML nests tags deeper than"), std::string::npos)
      << nested.err;
}

TEST_F(ExtractCommandTest, OversizedInputIsRefused) {
  // One byte over the extractor's 8 MiB limit: refused from the file size.
  std::string big = "<html><body><p>";
  big.resize((8u << 20) + 1, 'a');
  const CommandResult r = Run({Write("big.html", big)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("larger than the extractor's limit"), std::string::npos) << r.err;
}

TEST_F(ExtractCommandTest, StdinAndHelp) {
  // RunCommand's stdin is /dev/null: '-' reads nothing.
  const CommandResult stdin_run = Run({"-"});
  EXPECT_EQ(stdin_run.exit_code, 1);
  EXPECT_NE(stdin_run.err.find("<stdin>: empty input"), std::string::npos) << stdin_run.err;

  const CommandResult help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"--json", "--url", "--content-type", "--allow-cidr", "canonical_url",
                           "published", "Exit codes"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word << "\n" << help.out;
  }
  EXPECT_EQ(Run({}).exit_code, 2);  // INPUT is required
}

}  // namespace
}  // namespace mw
