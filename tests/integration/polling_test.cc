// Polling behaviour of `mediawatch crawl` end to end against loopback sites:
// robots.txt, the SSRF guard, Retry-After, permanent redirects, 410, sources
// without RSS (sitemaps, HTML section pages), feeds without article fetches,
// `feeds status` and OPML import/export.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "storage/store.h"
#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using testing::CommandResult;
using testing::RunCommand;

std::string Rss(const std::vector<std::pair<std::string, std::string>>& items,
                std::string extra = "") {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>" + extra;
  for (const auto& [title, link] : items) {
    out += "<item><title>" + title + "</title><link>" + link + "</link></item>";
  }
  return out + "</channel></rss>";
}

std::string Article(const std::string& title, const std::string& text) {
  return "<html lang=\"en\"><head><title>" + title + "</title></head><body><article><h1>" + title +
         "</h1><p>" + text + "</p><p>" + text + "</p></article></body></html>";
}

class PollingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& http = server_.http();
    Serve("/robots.txt", "text/plain",
          "User-agent: *\nDisallow: /private/\n\nUser-agent: mediawatch\nDisallow: /secret/\n");
    Serve("/ok/rss.xml", "application/rss+xml",
          Rss({{"Guan Heng story", "/a/guan.html"}, {"Secret", "/secret/s.html"}}));
    Serve("/a/guan.html", "text/html", Article("Guan Heng story", "Guan Heng was detained."));
    Serve("/secret/s.html", "text/html", Article("Secret", "not for crawlers"));
    Serve("/secret/feed.xml", "application/rss+xml", Rss({}));
    http.Get("/busy.xml", [this](const httplib::Request&, httplib::Response& res) {
      Count("/busy.xml");
      res.status = 429;
      res.set_header("Retry-After", "7200");
    });
    http.Get("/old.xml", [this](const httplib::Request&, httplib::Response& res) {
      Count("/old.xml");
      res.status = 301;
      res.set_header("Location", server_.Url("/new.xml"));
    });
    Serve("/new.xml", "application/rss+xml", Rss({{"Moved story", "/a/moved.html"}}));
    Serve("/a/moved.html", "text/html", Article("Moved story", "A story from a moved feed."));
    http.Get("/gone.xml", [this](const httplib::Request&, httplib::Response& res) {
      Count("/gone.xml");
      res.status = 410;
    });
    // Bodies that name the server's own URL are built per request: the port
    // is only known once the server has started.
    http.Get("/sitemap.xml", [this](const httplib::Request&, httplib::Response& res) {
      Count("/sitemap.xml");
      res.set_content(
          "<?xml version=\"1.0\"?><sitemapindex "
          "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
          "<sitemap><loc>" +
              server_.Url("/news-sitemap.xml") + "</loc></sitemap></sitemapindex>",
          "application/xml");
    });
    http.Get("/news-sitemap.xml", [this](const httplib::Request&, httplib::Response& res) {
      Count("/news-sitemap.xml");
      res.set_content(
          "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
          "xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>" +
              server_.Url("/ug/news-1.html") +
              "</loc><news:news><news:publication><news:name>Awazi</news:name>"
              "<news:language>ug</news:language></news:publication>"
              "<news:publication_date>2026-01-05T10:00:00Z</news:publication_date>"
              "<news:title>شىنجاڭ خەۋىرى</news:title></news:news></url></urlset>",
          "application/xml");
    });
    Serve("/ug/news-1.html", "text/html; charset=utf-8",
          "<html lang=\"ug\" dir=\"rtl\"><body><article><h1>شىنجاڭ خەۋىرى</h1><p>شىنجاڭ ھەققىدە "
          "يېڭى خەۋەر. شىنجاڭ ھەققىدە يېڭى خەۋەر.</p></article></body></html>");
    Serve("/ug/section.html", "text/html; charset=utf-8",
          "<html><body><nav><a href=\"/about.html\">About</a></nav><ul>"
          "<li><a href=\"/ug/news-2.html\">خەۋەر 2</a></li>"
          "<li><a href=\"news-3.html#top\">خەۋەر 3</a></li>"
          "<li><a href=\"/ug/news-2.html\">again</a></li></ul></body></html>");
    Serve("/ug/news-2.html", "text/html; charset=utf-8",
          "<html lang=\"ug\"><body><article><h1>خەۋەر 2</h1><p>بىرىنچى خەۋەر مەزمۇنى.</p>"
          "</article></body></html>");
    Serve("/ug/news-3.html", "text/html; charset=utf-8",
          "<html lang=\"ug\"><body><article><h1>خەۋەر 3</h1><p>ئىككىنچى خەۋەر مەزمۇنى.</p>"
          "</article></body></html>");
    Serve("/full/rss.xml", "application/rss+xml",
          "<?xml version=\"1.0\"?><rss version=\"2.0\" "
          "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>F</title>"
          "<item><title>Full text</title><link>/full/never-fetched.html</link>"
          "<content:encoded><![CDATA[<p>Xinjiang full text in the feed.</p>"
          "<script>alert(1)</script>]]></content:encoded></item></channel></rss>");
    // Hostile feeds.
    Serve("/hostile/laughs.xml", "application/rss+xml",
          "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
          "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
          "\"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
          "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e "
          "\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
          "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g "
          "\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
          "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i "
          "\"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
          "<rss version=\"2.0\"><channel><title>&i;</title><item><title>&i;</title>"
          "<link>/a/laughs.html</link></item></channel></rss>");
    Serve("/hostile/xxe.xml", "application/rss+xml",
          "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
          "<rss version=\"2.0\"><channel><title>x</title><item><title>&x;</title>"
          "<link>/a/xxe.html</link><description>&x;</description></item></channel></rss>");
    Serve("/a/laughs.html", "text/html", Article("Laughs", "plain"));
    Serve("/a/xxe.html", "text/html", Article("XXE", "plain"));
    Serve("/hostile/wrong-type.xml", "text/plain",
          Rss({{"Guan Heng typed wrong", "/a/wrong.html"}}));
    Serve("/a/wrong.html", "text/html", Article("Guan Heng typed wrong", "Guan Heng again."));
    server_.http().Get(
        "/hostile/to-blocked.xml", [this](const httplib::Request&, httplib::Response& res) {
          Count("/hostile/to-blocked.xml");
          // 127.0.0.2 is outside the allowed 127.0.0.1/32 in this test: the guard
          // must refuse the redirect target before connecting.
          res.set_redirect("http://127.0.0.2:" + std::to_string(server_.port()) + "/ok/rss.xml");
        });
    ASSERT_TRUE(server_.Start());
  }

  void Serve(const std::string& path, const std::string& type, std::string body) {
    server_.http().Get(path,
                       [this, path, type, body](const httplib::Request&, httplib::Response& res) {
                         Count(path);
                         res.set_content(body, type.c_str());
                       });
  }
  void Count(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[path];
  }
  int Requests(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_[path];
  }

  void WriteConfig(const std::string& feeds) {
    testing::WriteFile(config_ / "feeds.toml", feeds);
    testing::WriteFile(config_ / "watchlists" / "w.toml",
                       "id = \"w\"\n[[entity]]\nid = \"guan-heng\"\nnames = [\"Guan Heng\"]\n"
                       "[[keyword]]\nid = \"xinjiang\"\nterms = [\"Xinjiang\", \"شىنجاڭ\"]\n");
  }

  std::string Feed(const std::string& id, const std::string& path, const std::string& extra = "") {
    return "[[feed]]\nid = \"" + id + "\"\nurl = \"" + server_.Url(path) +
           "\"\nlanguage = \"en\"\nsource = \"S\"\n" + extra + "\n";
  }

  CommandResult Crawl(std::vector<std::string> extra = {}, bool allow_loopback = true) {
    std::vector<std::string> args = {
        MEDIAWATCH_BINARY, "crawl",           "--config", config_.string(), "--db", db_,
        "--once",          "--host-delay-ms", "0",        "--timeout",      "20"};
    if (allow_loopback) {
      args.push_back("--allow-cidr");
      args.push_back("127.0.0.0/8");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(args);
  }

  std::map<std::string, FeedState> States() {
    StoreOptions o;
    o.read_only = true;
    auto store = OpenRocksStore(db_, o);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    std::map<std::string, FeedState> out;
    if (!store.ok()) return out;
    auto states = (*store)->ListFeedStates();
    if (!states.ok()) return out;
    for (const FeedState& s : *states) out[s.feed_id] = s;
    return out;
  }

  std::vector<ArticleRecord> Articles() {
    StoreOptions o;
    o.read_only = true;
    auto store = OpenRocksStore(db_, o);
    if (!store.ok()) return {};
    auto articles = (*store)->ListArticles(1000);
    return articles.ok() ? *articles : std::vector<ArticleRecord>{};
  }

  testing::LoopbackServer server_;
  testing::TempDir dir_;
  std::filesystem::path config_ = dir_.path() / "config";
  std::string db_ = (dir_.path() / "db").string();
  std::mutex mu_;
  std::map<std::string, int> requests_;
};

TEST_F(PollingTest, RobotsTxtIsFetchedOnceAndObeyed) {
  WriteConfig(Feed("ok", "/ok/rss.xml") + Feed("secret", "/secret/feed.xml"));
  CommandResult r = Crawl();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Requests("/robots.txt"), 1);
  EXPECT_EQ(Requests("/secret/s.html"), 0);  // our group disallows /secret/
  EXPECT_EQ(Requests("/secret/feed.xml"), 0);
  EXPECT_EQ(Requests("/a/guan.html"), 1);
  EXPECT_NE(r.out.find("robots.txt disallowed 2 requests"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("disallowed by robots.txt"), std::string::npos) << r.err;
  // The next pass uses the cached robots.txt.
  ASSERT_EQ(Crawl({"--all"}).exit_code, 0);
  EXPECT_EQ(Requests("/robots.txt"), 1);
}

TEST_F(PollingTest, PrivateAddressesAreRefusedUnlessAllowed) {
  WriteConfig(Feed("ok", "/ok/rss.xml"));
  CommandResult r = Crawl({}, /*allow_loopback=*/false);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // every feed failed
  EXPECT_NE(r.out.find("Forbidden"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--allow-cidr"), std::string::npos) << r.out;
  EXPECT_EQ(Requests("/ok/rss.xml"), 0);
  EXPECT_EQ(Requests("/robots.txt"), 0);
}

TEST_F(PollingTest, RetryAfterPostponesTheNextPoll) {
  WriteConfig(Feed("busy", "/busy.xml"));
  CommandResult r = Crawl();
  EXPECT_EQ(r.exit_code, 1);
  auto states = States();
  ASSERT_TRUE(states.count("busy"));
  const FeedState& s = states["busy"];
  EXPECT_EQ(s.last_http_status, 429);
  EXPECT_EQ(s.consecutive_failures, 1);
  EXPECT_GE(s.next_poll_at - s.last_fetch_at, 7200);
  // Not due: a plain pass does not touch it.
  CommandResult again = Crawl();
  EXPECT_NE(again.out.find("1 not due yet"), std::string::npos) << again.out;
  EXPECT_EQ(Requests("/busy.xml"), 1);
}

TEST_F(PollingTest, PermanentRedirectMovesTheFeedAndGoneRetiresIt) {
  WriteConfig(Feed("moved", "/old.xml") + Feed("gone", "/gone.xml"));
  CommandResult r = Crawl();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("moved: moved: now polled at " + server_.Url("/new.xml")), std::string::npos)
      << r.out;
  auto states = States();
  EXPECT_EQ(states["moved"].url, server_.Url("/new.xml"));
  EXPECT_EQ(states["moved"].config_url, server_.Url("/old.xml"));
  EXPECT_TRUE(states["gone"].retired);

  CommandResult second = Crawl({"--all"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(Requests("/old.xml"), 1);  // the new URL is polled directly
  EXPECT_EQ(Requests("/new.xml"), 2);
  EXPECT_EQ(Requests("/gone.xml"), 1);  // retired feeds are not polled
  EXPECT_NE(second.out.find("1 retired"), std::string::npos) << second.out;

  CommandResult status = RunCommand({MEDIAWATCH_BINARY, "feeds", "status", "--db", db_});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("retired"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("moved to"), std::string::npos) << status.out;
  CommandResult json = RunCommand(
      {MEDIAWATCH_BINARY, "feeds", "status", "--db", db_, "--format", "json", "--failing"});
  ASSERT_EQ(json.exit_code, 0);
  auto j = nlohmann::json::parse(json.out.substr(0, json.out.find('\n')));
  EXPECT_EQ(j["feed"], "gone");
  EXPECT_EQ(j["retired"], true);
  EXPECT_EQ(j["last_http_status"], 410);
}

TEST_F(PollingTest, SitemapIndexAndHtmlSectionPagesProduceArticles) {
  WriteConfig(Feed("awazi-sitemap", "/sitemap.xml", "type = \"sitemap\"\nlanguage_note = 1\n"));
  EXPECT_EQ(Crawl().exit_code, 2);  // unknown key: config errors stop everything
  WriteConfig(Feed("awazi-sitemap", "/sitemap.xml", "type = \"sitemap\"\n") +
              Feed("awazi-section", "/ug/section.html",
                   "type = \"html\"\nlink_pattern = "
                   "'^http://127\\.0\\.0\\.1:[0-9]+/ug/news-[0-9]+\\.html$'\n"));
  CommandResult r = Crawl();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, ArticleRecord> by_url;
  for (ArticleRecord& a : Articles()) by_url[a.url] = a;
  ASSERT_TRUE(by_url.count(server_.Url("/ug/news-1.html"))) << r.out << r.err;
  EXPECT_EQ(by_url[server_.Url("/ug/news-1.html")].feed_id, "awazi-sitemap");
  ASSERT_TRUE(by_url.count(server_.Url("/ug/news-2.html")));
  ASSERT_TRUE(by_url.count(server_.Url("/ug/news-3.html")));
  EXPECT_EQ(by_url.count(server_.Url("/about.html")), 0u);
  EXPECT_EQ(Requests("/ug/news-2.html"), 1);  // listed twice, fetched once
}

TEST_F(PollingTest, FeedsWithFullTextNeedNoArticleFetch) {
  WriteConfig(Feed("full", "/full/rss.xml", "fetch_articles = false\n"));
  CommandResult r = Crawl();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Requests("/full/never-fetched.html"), 0);
  auto articles = Articles();
  ASSERT_EQ(articles.size(), 1u);
  EXPECT_NE(articles[0].text.find("Xinjiang full text"), std::string::npos) << articles[0].text;
  EXPECT_EQ(articles[0].text.find("alert"), std::string::npos) << articles[0].text;
}

TEST_F(PollingTest, HostileFeedsFailAloneInOnePass) {
  WriteConfig(Feed("laughs", "/hostile/laughs.xml") + Feed("xxe", "/hostile/xxe.xml") +
              Feed("wrong-type", "/hostile/wrong-type.xml") +
              Feed("to-blocked", "/hostile/to-blocked.xml") + Feed("ok", "/ok/rss.xml"));
  std::vector<std::string> args = {
      MEDIAWATCH_BINARY, "crawl",           "--config", config_.string(), "--db", db_,
      "--once",          "--host-delay-ms", "0",        "--timeout",      "20",   "--allow-cidr",
      "127.0.0.1/32"};
  CommandResult r = RunCommand(args, 60);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("failed: to-blocked: Forbidden"), std::string::npos) << r.out;
  auto articles = Articles();
  std::set<std::string> titles;
  for (const ArticleRecord& a : articles) {
    titles.insert(a.title);
    EXPECT_EQ(a.title.find("root:"), std::string::npos);
    EXPECT_EQ(a.text.find("root:"), std::string::npos);
    EXPECT_LT(a.title.size(), 10000u);  // entities were not expanded into megabytes
  }
  EXPECT_TRUE(titles.count("Guan Heng story")) << r.out << r.err;  // the good feed
  EXPECT_TRUE(titles.count("Guan Heng typed wrong"))
      << r.out << r.err;  // text/plain RSS still read
  auto states = States();
  EXPECT_EQ(states["to-blocked"].consecutive_failures, 1);
  EXPECT_EQ(states["ok"].consecutive_failures, 0);
}

TEST_F(PollingTest, OpmlExportThenImportRoundTrips) {
  WriteConfig(Feed("ok", "/ok/rss.xml") + Feed("moved", "/old.xml"));
  CommandResult exported =
      RunCommand({MEDIAWATCH_BINARY, "feeds", "export", "--config", config_.string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("<opml"), std::string::npos);
  testing::WriteFile(dir_.path() / "feeds.opml", exported.out);

  testing::TempDir other;
  testing::WriteFile(other.path() / "existing.toml", Feed("ok", "/ok/rss.xml"));
  CommandResult imported =
      RunCommand({MEDIAWATCH_BINARY, "feeds", "import", (dir_.path() / "feeds.opml").string(),
                  "--config", other.str(), "--language", "en"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_NE(imported.out.find("Imported 1 feeds"), std::string::npos) << imported.out;
  std::string toml = testing::ReadFileOrDie(other.path() / "imported.toml");
  EXPECT_NE(toml.find(server_.Url("/old.xml")), std::string::npos) << toml;
  // The result is a valid configuration directory.
  testing::WriteFile(other.path() / "watchlists" / "w.toml",
                     "id = \"w\"\n[[keyword]]\nid = \"k\"\nterms = [\"x\"]\n");
  CommandResult again =
      RunCommand({MEDIAWATCH_BINARY, "feeds", "import", (dir_.path() / "feeds.opml").string(),
                  "--config", other.str()});
  EXPECT_EQ(again.exit_code, 2);  // imported.toml exists
  CommandResult garbage =
      RunCommand({MEDIAWATCH_BINARY, "feeds", "import", (config_ / "feeds.toml").string(),
                  "--config", other.str(), "--output", "x.toml"});
  EXPECT_EQ(garbage.exit_code, 1) << garbage.out << garbage.err;
}

}  // namespace
}  // namespace mw
