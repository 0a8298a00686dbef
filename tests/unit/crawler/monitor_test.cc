// The monitor loop with a fake clock: a simulated day of polling runs in
// well under a second, with no sleeps, against a loopback server whose feeds
// grow new entries as simulated time passes.
#include "crawler/monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>

#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/crawler/crawl_fixtures.h"

namespace mw {
namespace {

constexpr int64_t kStart = 1790000000;  // 2026-09-21
constexpr int64_t kHour = 3600;

// Two outlets. Feed "fast" gets a new story every simulated hour, feed
// "slow" every six hours; each story page mentions Guan Heng every third time.
class MonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::string name : {"fast", "slow"}) {
      const int64_t every = name == "fast" ? kHour : 6 * kHour;
      server_.http().Get("/" + name + ".xml", [this, name, every](const httplib::Request&,
                                                                  httplib::Response& res) {
        const int64_t stories = (clock_.Now() - kStart) / every + 1;
        std::string rss =
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + name + "</title>";
        for (int64_t i = std::max<int64_t>(0, stories - 10); i < stories; ++i) {
          const std::string id = name + "-" + std::to_string(i);
          rss += "<item><title>" + id + "</title><link>/" + id + ".html</link></item>";
          std::lock_guard<std::mutex> lock(mu_);
          served_.insert(server_.Url("/" + id + ".html"));
        }
        res.set_content(rss + "</channel></rss>", "application/rss+xml");
      });
    }
    server_.http().Get(R"(/(\w+)-(\d+)\.html)", [](const httplib::Request& req,
                                                   httplib::Response& res) {
      const int n = std::stoi(req.matches[2]);
      const std::string text =
          n % 3 == 0 ? "Guan Heng testified about the camps." : "Markets were calm again.";
      res.set_content("<html><body><article><h1>" + req.matches[1].str() + " " + std::to_string(n) +
                          "</h1><p>" + text + "</p><p>" + text + "</p></article></body></html>",
                      "text/html; charset=utf-8");
    });
    ASSERT_TRUE(server_.Start());
    crawl_fixtures::GuanHengMatcher m = crawl_fixtures::MakeGuanHengMatcher();
    ASSERT_NE(m.matcher, nullptr);
    normalizer_ = std::move(m.normalizer);
    matcher_ = std::move(m.matcher);
  }

  std::vector<FeedConfig> Feeds() {
    std::vector<FeedConfig> feeds;
    for (std::string name : {"fast", "slow"}) {
      FeedConfig f;
      f.id = name;
      f.url = server_.Url("/" + name + ".xml");
      f.language = "en";
      f.source = name;
      f.interval_seconds = name == "fast" ? kHour : 6 * kHour;
      feeds.push_back(f);
    }
    return feeds;
  }

  MonitorOptions Options() {
    MonitorOptions o;
    o.clock = &clock_;
    o.crawl.fetcher.allowed_cidrs = {"127.0.0.0/8"};
    o.crawl.fetcher.min_host_delay_ms = 0;
    o.crawl.respect_robots = false;
    o.crawl.schedule.min_interval_seconds = kHour;
    o.crawl.schedule.jitter = 0;
    o.heartbeat_seconds = 600;
    o.pid = 4242;
    o.host = "test-host";
    return o;
  }

  std::set<std::string> Served() {
    std::lock_guard<std::mutex> lock(mu_);
    return served_;
  }

  FakeClock clock_{kStart};
  testing::LoopbackServer server_;
  std::mutex mu_;
  std::set<std::string> served_;
  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
};

TEST_F(MonitorTest, SimulatedDayStoresEveryStoryOnceAndRecordsItsState) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  std::atomic<bool> stop{false};
  MonitorOptions o = Options();
  std::vector<int64_t> pass_times;
  o.on_pass = [&](const RunState& state, const CrawlSummary&) {
    pass_times.push_back(clock_.Now());
    EXPECT_EQ(state.passes, static_cast<int64_t>(pass_times.size()));
    if (clock_.Now() >= kStart + 24 * kHour) stop = true;
  };
  Monitor monitor(store->get(), matcher_.get(), o);
  Status s = monitor.Run(Feeds(), stop);
  ASSERT_TRUE(s.ok()) << s.ToString();

  // Every story any feed listed is stored, once.
  MatchQuery all;
  all.flagged_only = false;
  all.limit = 100000;
  auto hits = (*store)->QueryMatches(all);
  ASSERT_TRUE(hits.ok());
  std::set<std::string> stored;
  for (const MatchHit& h : *hits) EXPECT_TRUE(stored.insert(h.article.url).second) << h.article.url;
  EXPECT_EQ(stored, Served());
  EXPECT_GE(stored.size(), 28u);  // a day of hourly and six-hourly stories
  EXPECT_EQ((*store)->Stats()->articles, static_cast<int64_t>(stored.size()));

  // Passes follow the schedule: about one per simulated hour, never two at
  // the same moment, and the clock only moved by sleeping.
  ASSERT_GE(pass_times.size(), 20u);
  EXPECT_LE(pass_times.size(), 40u);
  for (size_t i = 1; i < pass_times.size(); ++i) EXPECT_GT(pass_times[i], pass_times[i - 1]);

  // The run state says what happened and that it stopped cleanly.
  auto state = (*store)->GetRunState();
  ASSERT_TRUE(state.ok() && state->has_value());
  const RunState& rs = **state;
  EXPECT_EQ(rs.pid, 4242);
  EXPECT_EQ(rs.host, "test-host");
  EXPECT_EQ(rs.started_at, kStart);
  EXPECT_EQ(rs.passes, static_cast<int64_t>(pass_times.size()));
  EXPECT_EQ(rs.articles_stored, static_cast<int64_t>(stored.size()));
  EXPECT_GT(rs.matched_articles, 0);
  EXPECT_EQ(rs.errors, 0);
  EXPECT_EQ(rs.stopped_at, clock_.Now());
  EXPECT_GT(rs.next_due_at, kStart + 24 * kHour - 1);
  EXPECT_EQ(monitor.stats().passes, rs.passes);
}

TEST_F(MonitorTest, StopWhileIdleEndsTheSleepAndFailingFeedsAreCounted) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  std::vector<FeedConfig> feeds = Feeds();
  FeedConfig broken;
  broken.id = "broken";
  broken.url = server_.Url("/missing.xml");
  broken.language = "en";
  feeds.push_back(broken);
  std::atomic<bool> stop{false};
  MonitorOptions o = Options();
  o.max_passes = 3;
  Monitor monitor(store->get(), matcher_.get(), o);
  ASSERT_TRUE(monitor.Run(feeds, stop).ok());
  RunState rs = monitor.stats();
  EXPECT_EQ(rs.passes, 3);
  EXPECT_GE(rs.errors, 1);
  EXPECT_GT(rs.stopped_at, 0);

  // Already stopped: Run returns at once, after one pass at most.
  stop = true;
  Monitor stopped(store->get(), matcher_.get(), Options());
  ASSERT_TRUE(stopped.Run(feeds, stop).ok());
  EXPECT_EQ(stopped.stats().passes, 0);
}

TEST_F(MonitorTest, StopWhenIdleStopsOnceNothingIsDue) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  std::atomic<bool> stop{false};
  MonitorOptions o = Options();
  o.stop_when_idle = true;
  o.clock = SystemClock();  // nothing is due again within the test
  Monitor monitor(store->get(), matcher_.get(), o);
  ASSERT_TRUE(monitor.Run(Feeds(), stop).ok());
  EXPECT_EQ(monitor.stats().articles_stored, 2);  // one story each at the start
}

}  // namespace
}  // namespace mw
