// Edits and removals: flagged articles are fetched again 1 h, 6 h, 24 h and
// 7 d after they were stored; a loopback server edits one story, deletes
// others in the ways outlets do (404, redirect home or to the section, a
// stub page), changes only the spacing of one, and brings a deleted one
// back. Each real change must become one version with its event; nothing
// else may.
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
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1790000000;
constexpr int64_t kHour = 3600;

std::string Page(const std::vector<std::string>& paragraphs) {
  std::string body = "<html><body><nav><a href=\"/\">Home</a></nav><article><h1>Story</h1>";
  for (const std::string& p : paragraphs) body += "<p>" + p + "</p>";
  return body + "</article><footer>Copyright</footer></body></html>";
}

const std::vector<std::string> kOriginal = {
    "Guan Heng, who filmed the camps in Xinjiang, was detained in New York on Monday.",
    "His lawyers said that deportation would expose him to persecution in China.",
    "Immigration officials declined to comment on the case, citing privacy rules.",
    "Supporters gathered outside the detention centre with banners and candles."};

class RecheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The feed lists stories a..g; g does not mention the watched name.
    server_.http().Get("/feed.xml", [this](const httplib::Request&, httplib::Response& res) {
      std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
      for (char c = 'a'; c <= 'g'; ++c) {
        rss += "<item><title>Story " + std::string(1, c) + "</title><link>" +
               server_.Url("/world/2026/story-" + std::string(1, c)) + "</link></item>";
      }
      res.set_content(rss + "</channel></rss>", "application/rss+xml");
    });
    server_.http().Get(
        R"(/world/2026/story-(\w))", [this](const httplib::Request& req, httplib::Response& res) {
          const char c = req.matches[1].str()[0];
          std::lock_guard<std::mutex> lock(mu_);
          ++hits_[c];
          const std::string mode = mode_.count(c) ? mode_[c] : "original";
          if (mode == "503") {
            res.status = 503;
            res.set_content("busy", "text/plain");
          } else if (mode == "404") {
            res.status = 404;
            res.set_content("not found", "text/plain");
          } else if (mode == "home") {
            res.set_redirect("/", 301);
          } else if (mode == "section") {
            res.set_redirect("/world", 302);
          } else if (mode == "stub") {
            res.set_content(Page({"This article is no longer available."}), "text/html");
          } else if (mode == "edited") {
            std::vector<std::string> edited = kOriginal;
            edited[1] = "His lawyers said that deportation to Uganda would expose him to danger.";
            edited.pop_back();
            res.set_content(Page(edited), "text/html");
          } else if (mode == "spacing") {
            std::vector<std::string> spaced = kOriginal;
            for (std::string& p : spaced) p = "  " + p + " \n ";
            spaced[0].replace(spaced[0].find(" who"), 4, "   who");
            res.set_content(Page(spaced), "text/html");
          } else {
            std::vector<std::string> text = kOriginal;
            if (c == 'g')
              text = {"Markets were calm today.", "Trading was thin before the holiday."};
            res.set_content(Page(text), "text/html");
          }
        });
    server_.http().Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Page({"Welcome to the front page."}), "text/html");
    });
    server_.http().Get("/world", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Page({"World news."}), "text/html");
    });
    ASSERT_TRUE(server_.Start());
    crawl_fixtures::GuanHengMatcher m = crawl_fixtures::MakeGuanHengMatcher();
    ASSERT_NE(m.matcher, nullptr);
    normalizer_ = std::move(m.normalizer);
    matcher_ = std::move(m.matcher);
  }

  void SetMode(char story, const std::string& mode) {
    std::lock_guard<std::mutex> lock(mu_);
    mode_[story] = mode;
  }
  int Hits(char story) {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_[story];
  }

  // One pass at simulated time `now`.
  CrawlSummary PassAt(Store* store, int64_t now) {
    CrawlOptions o = crawl_fixtures::LoopbackCrawlOptions();
    o.now = [now] { return now; };
    FeedConfig feed;
    feed.id = "f";
    feed.url = server_.Url("/feed.xml");
    feed.language = "en";
    Crawler crawler(store, matcher_.get(), o);
    auto summary = crawler.CrawlOnce({feed});
    EXPECT_TRUE(summary.ok()) << summary.status().ToString();
    return summary.ok() ? *summary : CrawlSummary{};
  }

  std::string Id(char story) {
    return ArticleIdForUrl(
        *CanonicalizeUrl(server_.Url("/world/2026/story-" + std::string(1, story))));
  }

  std::vector<std::string> Kinds(Store* store, char story) {
    std::vector<std::string> kinds;
    Result<std::vector<ArticleVersion>> versions = store->GetVersions(Id(story));
    EXPECT_TRUE(versions.ok());
    if (!versions.ok()) return kinds;
    for (const ArticleVersion& v : *versions) kinds.push_back(v.kind);
    return kinds;
  }

  testing::LoopbackServer server_;
  std::mutex mu_;
  std::map<char, std::string> mode_;
  std::map<char, int> hits_;
  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
};

TEST_F(RecheckTest, EditsRemovalsAndRestorationsBecomeVersionsAndEvents) {
  testing::TempDir dir;
  auto opened = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(opened.ok());
  Store* store = opened->get();

  CrawlSummary first = PassAt(store, kT0);
  EXPECT_EQ(first.articles_stored, 7u);
  EXPECT_EQ(first.matched_articles, 6u);
  EXPECT_EQ(first.rechecks, 0u);

  // Before the first re-fetch is due nothing is fetched again.
  PassAt(store, kT0 + kHour - 1);
  EXPECT_EQ(Hits('a'), 1);

  SetMode('a', "edited");
  SetMode('b', "404");
  SetMode('c', "home");
  SetMode('d', "spacing");
  SetMode('e', "stub");
  SetMode('f', "section");
  CrawlSummary second = PassAt(store, kT0 + kHour);
  EXPECT_EQ(second.rechecks, 6u);
  EXPECT_EQ(second.edits_found, 1u);
  EXPECT_EQ(second.removals_found, 4u);
  EXPECT_EQ(Hits('g'), 1) << "an unflagged article is never fetched again";

  auto a = *store->GetVersions(Id('a'));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].number, 2);
  EXPECT_EQ(a[0].kind, "edited");
  EXPECT_EQ(a[0].found_at, kT0 + kHour);
  EXPECT_THAT(a[0].text, HasSubstr("deportation to Uganda"));
  EXPECT_EQ(a[0].diff,
            "@@ paragraph 2 @@\n"
            "- His lawyers said that deportation would expose him to persecution in China.\n"
            "+ His lawyers said that deportation to Uganda would expose him to danger.\n"
            "@@ paragraph 4 @@\n"
            "- Supporters gathered outside the detention centre with banners and candles.\n");
  auto b = *store->GetVersions(Id('b'));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].kind, "removed");
  EXPECT_EQ(b[0].reason, "HTTP 404");
  EXPECT_EQ(b[0].http_status, 404);
  EXPECT_THAT((*store->GetVersions(Id('c')))[0].reason, HasSubstr("home page"));
  EXPECT_THAT(Kinds(store, 'd'), ElementsAre()) << "spacing is not an edit";
  EXPECT_THAT((*store->GetVersions(Id('e')))[0].reason, HasSubstr("text disappeared"));
  EXPECT_THAT((*store->GetVersions(Id('f')))[0].reason, HasSubstr("/world"));

  // Events for alerts and digests, in time order.
  auto events = *store->ListEvents(kT0, kT0 + 2 * kHour, 100);
  ASSERT_EQ(events.size(), 5u);
  for (const ArticleEvent& e : events) EXPECT_EQ(e.time, kT0 + kHour);

  // 6 h: b comes back (restored), c is still gone (no second event), a is
  // edited no further.
  SetMode('b', "original");
  CrawlSummary third = PassAt(store, kT0 + 6 * kHour);
  EXPECT_EQ(third.rechecks, 6u);
  EXPECT_EQ(third.edits_found, 1u);
  EXPECT_EQ(third.removals_found, 0u);
  auto restored = *store->GetVersions(Id('b'));
  ASSERT_EQ(restored.size(), 2u);
  EXPECT_EQ(restored[1].kind, "restored");
  EXPECT_EQ(restored[1].number, 3);
  EXPECT_EQ(restored[1].diff, "") << "restored as it was";
  EXPECT_THAT(Kinds(store, 'c'), ElementsAre("removed"));
  EXPECT_THAT(Kinds(store, 'a'), ElementsAre("edited"));

  // 24 h and 7 d, then no more.
  PassAt(store, kT0 + 24 * kHour);
  PassAt(store, kT0 + 7 * 24 * kHour);
  EXPECT_EQ(Hits('a'), 5);
  EXPECT_TRUE(store->DueRechecks(INT64_MAX, 100)->empty());
  CrawlSummary later = PassAt(store, kT0 + 30 * 24 * kHour);
  EXPECT_EQ(later.rechecks, 0u);
  EXPECT_EQ(Hits('a'), 5);
}

TEST_F(RecheckTest, ServerErrorsRetryTheSameStepAndNoDelaysMeansNoRechecks) {
  testing::TempDir dir;
  auto opened = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(opened.ok());
  Store* store = opened->get();
  PassAt(store, kT0);
  SetMode('a', "503");
  // Only story a answers 503 now: it is retried an hour later at the same
  // step; no version is recorded.
  CrawlSummary s = PassAt(store, kT0 + kHour);
  EXPECT_EQ(s.removals_found, 0u);
  EXPECT_TRUE(store->GetVersions(Id('a'))->empty());
  auto due = *store->DueRechecks(kT0 + 2 * kHour, 100);
  bool found = false;
  for (const Recheck& r : due) {
    if (r.article_id == Id('a')) {
      found = true;
      EXPECT_EQ(r.step, 0);
      EXPECT_EQ(r.due_at, kT0 + 2 * kHour);
    }
  }
  EXPECT_TRUE(found);

  testing::TempDir other;
  auto fresh = OpenRocksStore(other.str(), {});
  ASSERT_TRUE(fresh.ok());
  CrawlOptions o = crawl_fixtures::LoopbackCrawlOptions();
  o.recheck_delays.clear();
  FeedConfig feed;
  feed.id = "f";
  feed.url = server_.Url("/feed.xml");
  Crawler crawler(fresh->get(), matcher_.get(), o);
  ASSERT_TRUE(crawler.CrawlOnce({feed}).ok());
  EXPECT_TRUE((*fresh)->DueRechecks(INT64_MAX, 100)->empty());
}

}  // namespace
}  // namespace mw
