// One story, many URLs: two feeds on a loopback server link the same
// articles with different tracking parameters, through a redirector, and
// through pages whose <link rel=canonical> names the story's real URL. Each
// story must be stored once, under its canonical URL, and not be fetched
// again on the next pass.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>

#include "crawler/pipeline.h"
#include "parsers/url.h"
#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/crawler/crawl_fixtures.h"

namespace mw {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

std::string Rss(const std::vector<std::string>& links) {
  std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (size_t i = 0; i < links.size(); ++i) {
    rss +=
        "<item><title>Entry " + std::to_string(i) + "</title><link>" + links[i] + "</link></item>";
  }
  return rss + "</channel></rss>";
}

// A page of one story; `canonical` goes into <link rel=canonical> when set.
std::string Page(const std::string& story, const std::string& canonical) {
  std::string head = "<title>" + story + "</title>";
  if (!canonical.empty()) head += "<link rel=\"canonical\" href=\"" + canonical + "\">";
  std::string body = "<article><h1>" + story + "</h1>";
  for (int i = 0; i < 4; ++i) {
    body += "<p>" + story + " was reported by several outlets today, paragraph " +
            std::to_string(i) + ", with quotes from officials and rights groups.</p>";
  }
  return "<html><head>" + head + "</head><body>" + body + "</article></body></html>";
}

class DedupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Feed A links directly; feed B through trackers, a redirector and an
    // AMP page.
    server_.http().Get("/a.xml", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Rss({"/story/1?utm_source=a&amp;utm_medium=rss", "/news?id=2", "/story/3",
                           "/story/5", "/cross/6", "/home-canonical/7"}),
                      "application/rss+xml");
    });
    server_.http().Get("/b.xml", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Rss({"/story/1?utm_source=b&amp;fbclid=xyz#comments", "/amp/story-2", "/go/3",
                           "/STORY/5"}),
                      "application/rss+xml");
    });
    // Story 1: tracking parameters only.
    Serve("/story/1", "Story one", "");
    // Story 2: two URLs naming one canonical, relative and absolute.
    Serve("/news", "Story two", "/2026/01/story-2");
    Serve("/amp/story-2", "Story two", "absolute:/2026/01/story-2");
    // Story 3: a redirector in front of the story.
    server_.http().Get("/go/3", [this](const httplib::Request&, httplib::Response& res) {
      Count("/go/3");
      res.set_redirect("/story/3", 302);
    });
    Serve("/story/3", "Story three", "");
    // Story 5: path case differs: a different URL (paths are case-sensitive).
    Serve("/story/5", "Story five", "");
    Serve("/STORY/5", "Story five upper", "");
    // Story 6 names a canonical on another site: not trusted.
    Serve("/cross/6", "Story six", "https://elsewhere.example/taken-over");
    // Story 7 names the home page as canonical: ignored.
    Serve("/home-canonical/7", "Story seven", "/");
    ASSERT_TRUE(server_.Start());
  }

  void Serve(const std::string& path, const std::string& story, const std::string& canonical) {
    server_.http().Get(
        path, [this, path, story, canonical](const httplib::Request&, httplib::Response& res) {
          Count(path);
          // "absolute:PATH": the server's own absolute URL (its port is
          // known only once it runs).
          const std::string kAbsolute = "absolute:";
          const std::string href = canonical.rfind(kAbsolute, 0) == 0
                                       ? server_.Url(canonical.substr(kAbsolute.size()))
                                       : canonical;
          res.set_content(Page(story, href), "text/html; charset=utf-8");
        });
  }

  void Count(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    ++hits_[path];
  }

  std::map<std::string, int> Hits() {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_;
  }

  std::string Canonical(const std::string& path) { return *CanonicalizeUrl(server_.Url(path)); }

  FeedConfig Feed(const std::string& id, const std::string& path) {
    return crawl_fixtures::EnglishFeed(id, server_.Url(path));
  }

  CrawlOptions Options() {
    CrawlOptions o = crawl_fixtures::LoopbackCrawlOptions();
    o.poll_all = true;
    return o;
  }

  testing::LoopbackServer server_;
  crawl_fixtures::GuanHengMatcher matcher_ = crawl_fixtures::MakeGuanHengMatcher();
  std::mutex mu_;
  std::map<std::string, int> hits_;
};

TEST_F(DedupTest, SameStoryFromTwoFeedsIsStoredOnceUnderItsCanonicalUrl) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  CrawlOptions o = Options();
  o.archive_html = true;
  Crawler crawler(store->get(), matcher_.matcher.get(), o);
  auto summary = crawler.CrawlOnce({Feed("a", "/a.xml"), Feed("b", "/b.xml")});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  MatchQuery all;
  all.flagged_only = false;
  auto hits = (*store)->QueryMatches(all);
  ASSERT_TRUE(hits.ok());
  std::vector<std::string> urls;
  for (const MatchHit& hit : *hits) urls.push_back(hit.article.url);
  EXPECT_THAT(urls, UnorderedElementsAre(Canonical("/story/1"), Canonical("/2026/01/story-2"),
                                         Canonical("/story/3"), Canonical("/story/5"),
                                         Canonical("/STORY/5"), Canonical("/cross/6"),
                                         Canonical("/home-canonical/7")));
  EXPECT_EQ(summary->articles_stored, 7u);
  // Stories 2 and 3 were fetched twice (two URLs each) and stored once;
  // story 1 was fetched once (same canonical link in both feeds).
  EXPECT_EQ(summary->articles_duplicate, 2u);

  // Every URL that led to a story finds it.
  Store& s = **store;
  const std::string two = ArticleIdForUrl(Canonical("/2026/01/story-2"));
  EXPECT_EQ(**s.FindArticleIdByUrl(Canonical("/news?id=2")), two);
  EXPECT_EQ(**s.FindArticleIdByUrl(Canonical("/amp/story-2")), two);
  const std::string three = ArticleIdForUrl(Canonical("/story/3"));
  EXPECT_EQ(**s.FindArticleIdByUrl(Canonical("/go/3")), three);
  EXPECT_FALSE(s.FindArticleIdByUrl("https://elsewhere.example/taken-over")->has_value());
  // The archive holds the page as served.
  EXPECT_EQ(**s.GetRawHtml(ArticleIdForUrl(Canonical("/story/5"))), Page("Story five", ""));
  // Per-feed counts are those of the stored articles.
  const int64_t a = (*s.GetFeedState("a"))->articles_stored;
  const int64_t b = (*s.GetFeedState("b"))->articles_stored;
  EXPECT_EQ(a + b, 7);

  // The next pass fetches none of the stories again.
  const std::map<std::string, int> before = Hits();
  Crawler again(store->get(), matcher_.matcher.get(), Options());
  auto second = again.CrawlOnce({Feed("a", "/a.xml"), Feed("b", "/b.xml")});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->articles_stored, 0u);
  EXPECT_EQ(second->articles_fetched, 0u);
  EXPECT_EQ(Hits(), before);
  EXPECT_EQ((*s.GetFeedState("a"))->articles_stored + (*s.GetFeedState("b"))->articles_stored, 7);
}

TEST_F(DedupTest, WithoutArchiveNoRawHtmlIsKept) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  Crawler crawler(store->get(), matcher_.matcher.get(), Options());
  ASSERT_TRUE(crawler.CrawlOnce({Feed("a", "/a.xml")}).ok());
  EXPECT_FALSE((*store)->GetRawHtml(ArticleIdForUrl(Canonical("/story/5")))->has_value());
  EXPECT_TRUE((*store)->HasArticleUrl(Canonical("/story/5")).value());
}

}  // namespace
}  // namespace mw
