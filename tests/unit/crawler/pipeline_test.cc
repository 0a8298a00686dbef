// The crawl pipeline driven directly (no CLI), so its options can be varied:
// the background article worker must store exactly what the inline path
// stores, whatever the queue size.
#include "crawler/pipeline.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/crawler/crawl_fixtures.h"

namespace mw {
namespace {

class PipelineTest : public ::testing::TestWithParam<std::pair<size_t, size_t>> {
 protected:
  void SetUp() override {
    std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
    for (int i = 0; i < 40; ++i) {
      std::string n = std::to_string(i);
      rss += "<item><title>Story " + n + "</title><link>/a/" + n + ".html</link></item>";
    }
    rss += "</channel></rss>";
    server_.http().Get("/rss.xml", [rss](const httplib::Request&, httplib::Response& res) {
      res.set_content(rss, "application/rss+xml");
    });
    server_.http().Get(
        R"(/a/(\d+)\.html)", [](const httplib::Request& req, httplib::Response& res) {
          int n = std::stoi(req.matches[1]);
          std::string text = n % 4 == 0 ? "Guan Heng spoke about Xinjiang." : "Markets were calm.";
          res.set_content("<html><body><article><h1>Story " + std::to_string(n) + "</h1><p>" +
                              text + "</p><p>" + text + "</p></article></body></html>",
                          "text/html; charset=utf-8");
        });
    ASSERT_TRUE(server_.Start());
    crawl_fixtures::GuanHengMatcher m = crawl_fixtures::MakeGuanHengMatcher();
    ASSERT_NE(m.matcher, nullptr);
    normalizer_ = std::move(m.normalizer);
    matcher_ = std::move(m.matcher);
  }

  testing::LoopbackServer server_;
  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
};

TEST_P(PipelineTest, WorkerAndInlinePathsStoreTheSameArticles) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  FeedConfig feed;
  feed.id = "f";
  feed.url = server_.Url("/rss.xml");
  feed.language = "en";
  feed.source = "S";
  CrawlOptions o;
  o.fetcher.allowed_cidrs = {"127.0.0.0/8"};
  o.fetcher.min_host_delay_ms = 0;
  o.background_workers = GetParam().first;
  o.worker_queue_capacity = GetParam().second;
  Crawler crawler(store->get(), matcher_.get(), o);
  auto summary = crawler.CrawlOnce({feed});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->articles_fetched, 40u);
  EXPECT_EQ(summary->articles_stored, 40u);
  EXPECT_EQ(summary->matched_articles, 10u);
  ASSERT_EQ(summary->feeds.size(), 1u);
  EXPECT_EQ(summary->feeds[0].new_articles, 40u);
  EXPECT_EQ((*store)->Stats()->articles, 40);
  auto state = (*store)->GetFeedState("f");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->articles_stored, 40);  // feed state written after all its articles
  auto hits = (*store)->QueryMatches({});
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 10u);
  // CPU by stage, whichever threads processed the pages: all four ran, and
  // parsing 40 pages costs more than decoding them (already UTF-8).
  EXPECT_GT(summary->cpu_decode, 0);
  EXPECT_GT(summary->cpu_extract, summary->cpu_decode);
  EXPECT_GT(summary->cpu_match, 0);
  EXPECT_GT(summary->cpu_store, 0);

  // A second pass over the same feed stores nothing.
  o.poll_all = true;
  Crawler again(store->get(), matcher_.get(), o);
  auto second = again.CrawlOnce({feed});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->articles_stored, 0u);
  EXPECT_EQ((*store)->Stats()->articles, 40);
}

INSTANTIATE_TEST_SUITE_P(Workers, PipelineTest,
                         ::testing::Values(std::make_pair(size_t{0}, size_t{256}),
                                           std::make_pair(size_t{1}, size_t{256}),
                                           std::make_pair(size_t{1}, size_t{1}),
                                           std::make_pair(size_t{1}, size_t{0}),
                                           std::make_pair(size_t{3}, size_t{4})));

}  // namespace
}  // namespace mw
