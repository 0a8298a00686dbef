// End-to-end: `mediawatch feed parse` on files in a temporary directory —
// JSON output schema, legacy encodings, link pages, and exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/command_test.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RunCommand;

class FeedParseCommandTest : public testing::CommandTest {
 protected:
  FeedParseCommandTest() : CommandTest({"feed", "parse"}) {}
};

constexpr std::string_view kRss = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Test Outlet</title>
    <link>https://news.example.org/</link>
    <language>en</language>
    <lastBuildDate>Wed, 28 Jan 2026 10:00:00 GMT</lastBuildDate>
    <item>
      <title>Filmmaker Guan Heng detained</title>
      <link>/en/guan-heng.html</link>
      <guid isPermaLink="false">story-1</guid>
      <dc:creator>A. Reporter</dc:creator>
      <pubDate>Wed, 28 Jan 2026 09:30:00 +0000</pubDate>
      <description>&lt;p&gt;He filmed the camps.&lt;/p&gt;</description>
      <category>Xinjiang</category>
      <category>Asylum</category>
    </item>
    <item>
      <title>Second story</title>
      <link>https://news.example.org/en/second.html</link>
    </item>
  </channel>
</rss>)";

TEST_F(FeedParseCommandTest, JsonHasTheDocumentedFields) {
  const std::string file = Write("feed.xml", kRss);
  const json j = RunJson({file, "--url", "https://news.example.org/rss/feed.xml"});
  for (const char* key : {"version", "encoding", "bozo", "problems", "feed", "entries"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["encoding"], "UTF-8");
  EXPECT_EQ(j["bozo"], false);
  EXPECT_EQ(j["problems"], json::array());
  EXPECT_EQ(j["feed"]["title"], "Test Outlet");
  EXPECT_EQ(j["feed"]["link"], "https://news.example.org/");
  EXPECT_EQ(j["feed"]["language"], "en");
  EXPECT_EQ(j["feed"]["updated"], "2026-01-28T10:00:00Z");
  ASSERT_EQ(j["entries"].size(), 2u);
  const json& e = j["entries"][0];
  for (const char* key :
       {"id", "title", "link", "author", "published", "updated", "summary", "content", "tags"}) {
    EXPECT_TRUE(e.contains(key)) << key;
  }
  EXPECT_EQ(e["id"], "story-1");
  EXPECT_EQ(e["title"], "Filmmaker Guan Heng detained");
  // Relative links resolve against --url.
  EXPECT_EQ(e["link"], "https://news.example.org/en/guan-heng.html");
  EXPECT_EQ(e["author"], "A. Reporter");
  EXPECT_EQ(e["published"], "2026-01-28T09:30:00Z");
  EXPECT_TRUE(e["updated"].is_null());
  EXPECT_NE(e["summary"].get<std::string>().find("He filmed the camps."), std::string::npos);
  EXPECT_EQ(e["tags"], json::array({"Xinjiang", "Asylum"}));
  EXPECT_TRUE(j["entries"][1]["published"].is_null());
}

TEST_F(FeedParseCommandTest, DefaultUrlIsLocalhostAndProblemsSetBozo) {
  const std::string file = Write("my feed.xml",
                                 "<rss version=\"2.0\"><channel><title>T</title><item>"
                                 "<title>x &unknownentity; y</title><link>a/b.html</link>"
                                 "</item></channel></rss>");
  const json j = RunJson({file});
  ASSERT_EQ(j["entries"].size(), 1u);
  EXPECT_EQ(j["entries"][0]["link"], "http://localhost/a/b.html");
  EXPECT_EQ(j["bozo"], true);
  EXPECT_FALSE(j["problems"].empty());
}

TEST_F(FeedParseCommandTest, Gb2312FeedShowsGb18030AndChineseTitles) {
  // 新闻 (d0c2 cec5) and 记者关恒 (bcc7 d5df b9d8 bae3) in GB2312 bytes.
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"gb2312\"?><rss version=\"2.0\"><channel>"
      "<title>\xd0\xc2\xce\xc5</title><link>http://zh.example.org/</link><item>"
      "<title>\xbc\xc7\xd5\xdf\xb9\xd8\xba\xe3</title><link>http://zh.example.org/1.html</link>"
      "</item></channel></rss>";
  const std::string file = Write("gb.xml", body);
  const json j = RunJson({file});
  EXPECT_EQ(j["encoding"], "GB18030");
  EXPECT_EQ(j["feed"]["title"], "新闻");
  ASSERT_EQ(j["entries"].size(), 1u);
  EXPECT_EQ(j["entries"][0]["title"], "记者关恒");

  // The readable summary says the same.
  const CommandResult text = Run({file});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("GB18030"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("记者关恒"), std::string::npos) << text.out;

  // Without a declaration, --content-type supplies the charset.
  const std::string bare = Write(
      "bare.xml", "<rss version=\"2.0\"><channel><title>\xd0\xc2\xce\xc5</title></channel></rss>");
  const json declared = RunJson({bare, "--content-type", "application/rss+xml; charset=gbk"});
  EXPECT_EQ(declared["encoding"], "GB18030");
  EXPECT_EQ(declared["feed"]["title"], "新闻");
}

TEST_F(FeedParseCommandTest, SitemapsAreParsedToo) {
  const std::string news = Write("sitemap.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://zh.example.org/guan-heng.html</loc><lastmod>2026-01-28</lastmod>
    <news:news><news:publication><news:name>示例</news:name><news:language>zh</news:language>
    </news:publication><news:publication_date>2026-01-28T09:30:00Z</news:publication_date>
    <news:title>记者关恒</news:title></news:news></url>
</urlset>)");
  const json j = RunJson({news});
  EXPECT_EQ(j["version"], "sitemap");
  ASSERT_EQ(j["entries"].size(), 1u) << j.dump();
  EXPECT_EQ(j["entries"][0]["title"], "记者关恒");
  EXPECT_EQ(j["entries"][0]["published"], "2026-01-28T09:30:00Z");
  EXPECT_EQ(j["entries"][0]["updated"], "2026-01-28T00:00:00Z");

  const std::string index =
      Write("index.xml",
            "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
            "<sitemap><loc>https://zh.example.org/sitemap-1.xml</loc></sitemap></sitemapindex>");
  const json i = RunJson({index});
  EXPECT_EQ(i["version"], "sitemapindex");
  EXPECT_EQ(i["child_sources"], json::array({"https://zh.example.org/sitemap-1.xml"}));
}

TEST_F(FeedParseCommandTest, BrokenFileExits1) {
  for (std::string_view body :
       {std::string_view("this is not a feed at all"),
        std::string_view("<html><body>hello</body></html>"), std::string_view("")}) {
    const std::string file = Write("broken.xml", body);
    const CommandResult r = Run({file, "--json"});
    EXPECT_EQ(r.exit_code, 1) << body << "\n" << r.out;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("broken.xml"), std::string::npos) << r.err;
  }
  // Larger than the 16 MiB feed limit.
  const std::string big = Write("big.xml", std::string((16u << 20) + 1, ' '));
  const CommandResult r = Run({big});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("larger than"), std::string::npos) << r.err;
}

TEST_F(FeedParseCommandTest, UsageErrorsExit2) {
  const std::string missing = (dir_.path() / "missing.xml").string();
  const CommandResult r = Run({missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.xml"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  EXPECT_EQ(Run({dir_.str()}).exit_code, 2);  // a directory
  EXPECT_EQ(Run({}).exit_code, 2);            // no FILE
  EXPECT_EQ(RunCommand({MEDIAWATCH_BINARY, "feed"}, 60).exit_code, 2);

  const std::string file = Write("feed.xml", kRss);
  const CommandResult bad_url = Run({file, "--url", "ftp://example.org/feed.xml"});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_NE(bad_url.err.find("--url"), std::string::npos) << bad_url.err;
  const CommandResult bad_pattern = Run({file, "--link-pattern", "(unclosed"});
  EXPECT_EQ(bad_pattern.exit_code, 2);
  EXPECT_NE(bad_pattern.err.find("--link-pattern"), std::string::npos) << bad_pattern.err;
}

TEST_F(FeedParseCommandTest, LinkPatternListsMatchingLinks) {
  const std::string page =
      Write("section.html",
            "<!DOCTYPE html><html lang=\"ug\" dir=\"rtl\"><head><meta charset=\"utf-8\">"
            "<title>خەۋەرلەر</title></head><body>"
            "<a href=\"/\">باش بەت</a>"
            "<a href=\"news-101.html\">گۇەن خېڭ</a>"
            "<a href=\"news-101.html#comments\">باھالار</a>"
            "<a href=\"https://uy.example.org/ug/news-102.html\">شىنجاڭ</a>"
            "<a href=\"javascript:void(0)\">js</a>"
            "<a href=\"about.html\">ھەققىدە</a>"
            "</body></html>");
  const std::vector<std::string> args = {page, "--url", "https://uy.example.org/ug/",
                                         "--link-pattern", R"(/ug/news-\d+\.html$)"};
  const json j = RunJson(args);
  EXPECT_EQ(j["version"], "html");
  EXPECT_EQ(j["encoding"], "UTF-8");
  EXPECT_EQ(j["feed"]["title"], "خەۋەرلەر");
  EXPECT_EQ(j["feed"]["language"], "ug");
  ASSERT_EQ(j["entries"].size(), 2u) << j.dump();
  EXPECT_EQ(j["entries"][0]["link"], "https://uy.example.org/ug/news-101.html");
  EXPECT_EQ(j["entries"][0]["title"], "گۇەن خېڭ");
  EXPECT_EQ(j["entries"][1]["link"], "https://uy.example.org/ug/news-102.html");

  const CommandResult text = Run(args);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("https://uy.example.org/ug/news-101.html"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("2 entries"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("about.html"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace mw
