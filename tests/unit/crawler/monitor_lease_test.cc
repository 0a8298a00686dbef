// Monitors sharing work by leases (MonitorOptions::worker_id): an
// in-memory lease table in front of a real RocksDB store stands for the
// PostgreSQL one (the same contract: storage/store.h "Sharing work between
// processes"), and a loopback farm of virtual hosts (reached through
// connect_to) records who polled each host and how many requests were in
// flight there at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crawler/monitor.h"
#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/crawler/crawl_fixtures.h"

namespace mw {
namespace {

constexpr int64_t kStart = 1790000000;

// Forwards everything to a real store and keeps leases and workers in
// memory, with the semantics the Store contract states.
class LeaseStore final : public Store {
 public:
  explicit LeaseStore(std::unique_ptr<Store> base) : base_(std::move(base)) {}
  // Calls forwarded to `base_` hold base_mu_: the two monitors share one
  // RocksDB store, whose memtable inserts and reads synchronize inside the
  // uninstrumented library, out of ThreadSanitizer's sight (it reported our
  // decoder reading a value another thread's insert had written). A real
  // multi-worker deployment runs one process per worker on PostgreSQL.

  struct Grant {
    std::string worker;
    std::string key;
    int64_t now = 0;
  };

  Result<std::vector<std::string>> ClaimLeases(std::string_view worker,
                                               const std::vector<std::string>& keys, int64_t now,
                                               int64_t until) override {
    if (worker.empty() || until <= now) return Status::InvalidArgument("bad claim");
    std::lock_guard<std::mutex> lock(mu_);
    ++claim_calls_;
    std::vector<std::string> held;
    for (const std::string& key : keys) {
      if (key.empty()) return Status::InvalidArgument("empty key");
      Lease& l = leases_[key];
      const bool mine = l.worker == worker && l.until > now;
      const bool free = l.worker.empty() || l.worker == worker || l.until <= now;
      if (!free || (!mine && l.not_before > now)) continue;
      if (!mine) grants_.push_back({std::string(worker), key, now});
      l.key = key;
      l.worker = std::string(worker);
      l.until = until;
      held.push_back(key);
    }
    return held;
  }

  Status ReleaseLeases(std::string_view worker, const std::vector<std::string>& keys,
                       int64_t not_before) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, l] : leases_) {
      if (l.worker != worker) continue;
      if (!keys.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
      l.worker.clear();
      l.until = 0;
      l.not_before = not_before;
    }
    return Status::Ok();
  }

  Result<std::vector<Lease>> ListLeases() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Lease> out;
    for (const auto& [key, l] : leases_) out.push_back(l);
    return out;
  }

  Status PutWorker(const WorkerInfo& worker) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++put_worker_calls_;
    workers_[worker.id] = worker;
    return Status::Ok();
  }

  Result<std::vector<WorkerInfo>> ListWorkers(int64_t stale_before) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<WorkerInfo> out;
    for (const auto& [id, w] : workers_) {
      if (w.heartbeat_at >= stale_before) out.push_back(w);
    }
    return out;
  }

  // Gives `key` to `worker` behind its holder's back (a store that lost or
  // expired a lease early).
  void Steal(const std::string& key, const std::string& worker, int64_t until) {
    std::lock_guard<std::mutex> lock(mu_);
    leases_[key] = Lease{key, worker, until, 0};
  }

  std::vector<Grant> grants() {
    std::lock_guard<std::mutex> lock(mu_);
    return grants_;
  }
  int claim_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return claim_calls_;
  }
  int put_worker_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return put_worker_calls_;
  }

  Result<std::optional<std::string>> FindArticleIdByUrl(std::string_view canonical_url) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->FindArticleIdByUrl(canonical_url);
  }
  Result<PutResult> PutArticle(const ArticleWrite& write) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PutArticle(write);
  }
  Result<std::optional<ArticleRecord>> GetArticle(std::string_view id) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetArticle(id);
  }
  Result<std::vector<MatchRecord>> GetMatches(std::string_view id) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetMatches(id);
  }
  Result<std::optional<std::string>> GetRawHtml(std::string_view id) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetRawHtml(id);
  }
  Result<std::vector<std::string>> UrlsOf(std::string_view id) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->UrlsOf(id);
  }
  Status PutFeedState(const FeedState& state) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PutFeedState(state);
  }
  Result<std::optional<FeedState>> GetFeedState(std::string_view feed_id) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetFeedState(feed_id);
  }
  Result<std::vector<FeedState>> ListFeedStates() override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->ListFeedStates();
  }
  Status PutRunState(const RunState& state) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PutRunState(state);
  }
  Result<std::optional<RunState>> GetRunState() override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetRunState();
  }
  Status PutHostState(const HostState& state) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PutHostState(state);
  }
  Result<std::optional<HostState>> GetHostState(std::string_view host) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetHostState(host);
  }
  Result<std::vector<MatchHit>> QueryMatches(const MatchQuery& query) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->QueryMatches(query);
  }
  Result<std::vector<Recheck>> DueRechecks(int64_t now, size_t limit) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->DueRechecks(now, limit);
  }
  Status RecordRecheck(const Recheck& done, const std::optional<ArticleVersion>& change,
                       const std::optional<Recheck>& next) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->RecordRecheck(done, change, next);
  }
  Result<std::vector<ArticleVersion>> GetVersions(std::string_view id) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetVersions(id);
  }
  Result<std::vector<ArticleEvent>> ListEvents(int64_t since, int64_t until,
                                               size_t limit) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->ListEvents(since, until, limit);
  }
  Result<std::vector<TimelineCount>> Timeline(const TimelineQuery& query) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->Timeline(query);
  }
  Result<std::vector<ArticleRecord>> ClusterMembers(std::string_view cluster_id,
                                                    size_t limit) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->ClusterMembers(cluster_id, limit);
  }
  Result<std::vector<ArticleRecord>> ListArticles(size_t limit) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->ListArticles(limit);
  }
  Result<StoreStats> Stats() override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->Stats();
  }
  Status Backup(const std::string& to_dir) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->Backup(to_dir);
  }
  Result<std::vector<PendingAlert>> PendingAlerts(size_t limit) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PendingAlerts(limit);
  }
  Status PutDeliveries(const std::string& alert_id,
                       const std::vector<AlertDelivery>& deliveries) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PutDeliveries(alert_id, deliveries);
  }
  Status PutDeliveriesBatch(
      const std::vector<std::pair<std::string, AlertDelivery>>& updates) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PutDeliveriesBatch(updates);
  }
  Status CompleteAlerts(const std::vector<std::string>& alert_ids, int64_t completed_at) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->CompleteAlerts(alert_ids, completed_at);
  }
  Result<std::vector<AlertRecord>> AlertHistory(std::string_view watchlist_id,
                                                size_t limit) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->AlertHistory(watchlist_id, limit);
  }
  Result<size_t> CountPendingAlerts() override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->CountPendingAlerts();
  }
  Status PutAppState(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->PutAppState(key, value);
  }
  Result<std::optional<std::string>> GetAppState(std::string_view key) override {
    std::lock_guard<std::mutex> lock(base_mu_);
    return base_->GetAppState(key);
  }

 private:
  std::unique_ptr<Store> base_;
  std::mutex base_mu_;  // held around every call to base_
  std::mutex mu_;
  std::map<std::string, Lease> leases_;
  std::map<std::string, WorkerInfo> workers_;
  std::vector<Grant> grants_;
  int claim_calls_ = 0;
  int put_worker_calls_ = 0;
};

// `kHosts` virtual hosts h0.test … with `kFeedsPerHost` feeds of
// `kArticles` articles each; every third article names Guan Heng. Each
// request takes `delay_ms_` so that overlapping requests would show.
class MonitorLeaseTest : public ::testing::Test {
 protected:
  static constexpr int kHosts = 6;
  static constexpr int kFeedsPerHost = 2;
  static constexpr int kArticles = 4;

  void SetUp() override {
    server_.http().Get(
        R"(/(f\d+)\.xml)", [this](const httplib::Request& req, httplib::Response& res) {
          const std::string host = HostOf(req);
          Enter(host);
          {
            std::lock_guard<std::mutex> lock(mu_);
            feed_pollers_[host].insert(req.get_header_value("User-Agent"));
            feed_poll_times_[host].push_back(clock_.Now());
          }
          std::string rss =
              "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + host + "</title>";
          for (int n = 0; n < kArticles; ++n) {
            rss += "<item><title>" + req.matches[1].str() + " " + std::to_string(n) +
                   "</title><link>/" + req.matches[1].str() + "-" + std::to_string(n) +
                   ".html</link></item>";
          }
          res.set_content(rss + "</channel></rss>", "application/rss+xml");
          Leave(host);
        });
    server_.http().Get(
        R"(/(f\d+)-(\d+)\.html)", [this](const httplib::Request& req, httplib::Response& res) {
          const std::string host = HostOf(req);
          Enter(host);
          if (on_article_) on_article_(host);
          const int n = std::stoi(req.matches[2]);
          const std::string text = n % 3 == 0 ? "Guan Heng testified about the camps in " + host
                                              : "Markets were calm again in " + host;
          res.set_content("<html><body><article><h1>" + host + " " + req.matches[1].str() + " " +
                              std::to_string(n) + "</h1><p>" + text + ".</p><p>" + text +
                              ".</p></article></body></html>",
                          "text/html; charset=utf-8");
          Leave(host);
        });
    ASSERT_TRUE(server_.Start());
    crawl_fixtures::GuanHengMatcher m = crawl_fixtures::MakeGuanHengMatcher();
    ASSERT_NE(m.matcher, nullptr);
    normalizer_ = std::move(m.normalizer);
    matcher_ = std::move(m.matcher);
    auto base = OpenRocksStore(dir_.str(), {});
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    store_ = std::make_unique<LeaseStore>(std::move(base).value());
  }

  static std::string HostOf(const httplib::Request& req) {
    std::string host = req.get_header_value("Host");
    return host.substr(0, host.find(':'));
  }

  void Enter(const std::string& host) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      int& now = in_flight_[host];
      ++now;
      max_in_flight_[host] = std::max(max_in_flight_[host], now);
      ++requests_[host];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
  }
  void Leave(const std::string& host) {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_[host];
  }

  std::string Host(int h) const { return "h" + std::to_string(h) + ".test"; }

  std::vector<FeedConfig> Feeds() const {
    std::vector<FeedConfig> feeds;
    for (int h = 0; h < kHosts; ++h) {
      for (int f = 0; f < kFeedsPerHost; ++f) {
        const std::string name = "f" + std::to_string(h * kFeedsPerHost + f);
        FeedConfig feed = crawl_fixtures::EnglishFeed(
            Host(h) + "-" + name,
            "http://" + Host(h) + ":" + std::to_string(server_.port()) + "/" + name + ".xml");
        feed.interval_seconds = 3600;
        feeds.push_back(feed);
      }
    }
    return feeds;
  }

  MonitorOptions Options(const std::string& worker, Clock* clock) const {
    MonitorOptions o;
    o.clock = clock;
    o.crawl = crawl_fixtures::LoopbackCrawlOptions();
    o.crawl.fetcher.connect_to = "127.0.0.1:" + std::to_string(server_.port());
    o.crawl.fetcher.user_agent = "agent-" + worker;
    o.crawl.schedule.jitter = 0;
    o.heartbeat_seconds = 600;
    o.stop_when_idle = true;
    o.worker_id = worker;
    o.lease_seconds = 120;
    o.startup_grace_seconds = 0;
    o.pid = 1;
    o.host = "test-host";
    return o;
  }

  // Every article the farm lists, as the crawler stores its URL.
  std::set<std::string> Served() const {
    std::set<std::string> urls;
    for (int h = 0; h < kHosts; ++h) {
      for (int f = 0; f < kFeedsPerHost; ++f) {
        for (int n = 0; n < kArticles; ++n) {
          urls.insert("http://" + Host(h) + ":" + std::to_string(server_.port()) + "/f" +
                      std::to_string(h * kFeedsPerHost + f) + "-" + std::to_string(n) + ".html");
        }
      }
    }
    return urls;
  }

  std::multiset<std::string> StoredUrls() {
    MatchQuery all;
    all.flagged_only = false;
    all.limit = 10000;
    std::multiset<std::string> urls;
    auto hits = store_->QueryMatches(all);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    if (hits.ok()) {
      for (const MatchHit& hit : *hits) urls.insert(hit.article.url);
    }
    return urls;
  }

  FakeClock clock_{kStart};
  int delay_ms_ = 20;
  std::function<void(const std::string& host)> on_article_;
  testing::TempDir dir_;
  testing::LoopbackServer server_;
  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
  std::unique_ptr<LeaseStore> store_;
  std::mutex mu_;
  std::map<std::string, std::set<std::string>> feed_pollers_;  // host -> user agents
  std::map<std::string, std::vector<int64_t>> feed_poll_times_;
  std::map<std::string, int> in_flight_, max_in_flight_, requests_;
};

TEST_F(MonitorLeaseTest, TwoWorkersSplitTheHostsAndNeverPollOneTogether) {
  // Both workers are known before either looks, so each takes a fair share.
  for (const char* id : {"w1", "w2"}) {
    WorkerInfo w;
    w.id = id;
    w.heartbeat_at = SystemClock()->Now();
    ASSERT_TRUE(store_->PutWorker(w).ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  Status results[2];
  std::thread workers[2];
  int64_t lost[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    workers[i] = std::thread([&, i] {
      MonitorOptions o = Options("w" + std::to_string(i + 1), SystemClock());
      o.lease_seconds = 3;  // a worker waiting for the other's hosts looks again each second
      Monitor monitor(store_.get(), matcher_.get(), o);
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      results[i] = monitor.Run(Feeds(), stop);
      lost[i] = monitor.leases_lost();
    });
  }
  for (std::thread& t : workers) t.join();
  ASSERT_TRUE(results[0].ok()) << results[0].ToString();
  ASSERT_TRUE(results[1].ok()) << results[1].ToString();
  EXPECT_EQ(lost[0] + lost[1], 0);

  // Every article once.
  const std::multiset<std::string> stored = StoredUrls();
  const std::set<std::string> served = Served();
  EXPECT_EQ(stored.size(), served.size());
  EXPECT_EQ(std::set<std::string>(stored.begin(), stored.end()), served);

  // Each host's feeds were polled by one worker only; both did some; no
  // host saw more requests at once than one fetcher allows.
  std::set<std::string> agents;
  std::lock_guard<std::mutex> lock(mu_);
  ASSERT_EQ(feed_pollers_.size(), static_cast<size_t>(kHosts));
  for (const auto& [host, pollers] : feed_pollers_) {
    EXPECT_EQ(pollers.size(), 1u) << host;
    agents.insert(pollers.begin(), pollers.end());
    EXPECT_EQ(feed_poll_times_[host].size(), static_cast<size_t>(kFeedsPerHost)) << host;
  }
  EXPECT_THAT(agents, ::testing::ElementsAre("agent-w1", "agent-w2"));
  for (const auto& [host, most] : max_in_flight_) EXPECT_LE(most, 2) << host;

  // A clean stop hands every lease back and says so in the heartbeat.
  auto leases = store_->ListLeases();
  ASSERT_TRUE(leases.ok());
  for (const Lease& l : *leases) EXPECT_EQ(l.worker, "") << l.key;
  auto workers_after = store_->ListWorkers(0);
  ASSERT_TRUE(workers_after.ok());
  ASSERT_EQ(workers_after->size(), 2u);
  int64_t polled = 0, articles = 0;
  for (const WorkerInfo& w : *workers_after) {
    EXPECT_GT(w.stopped_at, 0) << w.id;
    EXPECT_GE(w.passes, 1) << w.id;
    polled += w.feeds_polled;
    articles += w.articles_stored;
  }
  EXPECT_EQ(polled, kHosts * kFeedsPerHost);
  EXPECT_EQ(articles, static_cast<int64_t>(served.size()));
}

TEST_F(MonitorLeaseTest, ADeadWorkersHostIsTakenOverWhenItsLeaseExpires) {
  // "dead" claimed h0.test at kStart and never renews.
  auto claimed = store_->ClaimLeases("dead", {"host:h0.test"}, kStart, kStart + 120);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  std::atomic<bool> stop{false};
  Monitor monitor(store_.get(), matcher_.get(), Options("w1", &clock_));
  Status s = monitor.Run(Feeds(), stop);
  ASSERT_TRUE(s.ok()) << s.ToString();

  std::lock_guard<std::mutex> lock(mu_);
  // The other hosts at once; h0 only after the lease ran out, then all of it.
  for (int h = 1; h < kHosts; ++h) {
    EXPECT_THAT(feed_poll_times_[Host(h)], ::testing::Each(kStart)) << Host(h);
  }
  ASSERT_EQ(feed_poll_times_["h0.test"].size(), static_cast<size_t>(kFeedsPerHost));
  EXPECT_THAT(feed_poll_times_["h0.test"], ::testing::Each(::testing::Ge(kStart + 120)));
  // Looked again at least every lease_seconds / 3 meanwhile, not in a busy loop.
  EXPECT_LE(feed_poll_times_["h0.test"].front(), kStart + 120 + 40);
  EXPECT_LE(store_->claim_calls(), 10);
  bool taken_over = false;
  for (const LeaseStore::Grant& g : store_->grants()) {
    if (g.key == "host:h0.test" && g.worker == "w1") taken_over = g.now >= kStart + 120;
  }
  EXPECT_TRUE(taken_over);
  EXPECT_EQ(StoredUrls().size(), Served().size());
}

TEST_F(MonitorLeaseTest, RenewalKeepsTheLeasesOfALongPassAndALostOneStopsRequests) {
  // Every article request to h0 moves the clock on 50 s (at most 2 in
  // flight: 100 s), far past the lease of 120 s over the pass; renewals
  // every 2 ms (real time) keep it, so an intruder never gets h0. h1's
  // lease is taken away behind the worker's back at its first article.
  delay_ms_ = 25;
  std::atomic<int> intruder_wins{0};
  std::atomic<bool> stolen{false};
  on_article_ = [&](const std::string& host) {
    if (host == "h0.test") {
      clock_.Advance(50);
      std::this_thread::sleep_for(std::chrono::milliseconds(15));  // several renewals
      auto got = store_->ClaimLeases("intruder", {"host:h0.test"}, clock_.Now(), clock_.Now() + 1);
      if (got.ok() && !got->empty()) ++intruder_wins;
    }
    if (host == "h1.test" && !stolen.exchange(true)) {
      store_->Steal("host:h1.test", "intruder", clock_.Now() + 100000);
    }
  };
  std::atomic<bool> stop{false};
  MonitorOptions o = Options("w1", &clock_);
  o.renew_interval_ms = 2;
  o.max_passes = 1;
  std::vector<std::string> errors;
  std::mutex errors_mu;
  o.crawl.log = [&](LogLevel level, const std::string& message) {
    std::lock_guard<std::mutex> lock(errors_mu);
    if (level == LogLevel::kError) errors.push_back(message);
  };
  Monitor monitor(store_.get(), matcher_.get(), o);
  Status s = monitor.Run(Feeds(), stop);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(intruder_wins.load(), 0);
  EXPECT_EQ(monitor.leases_lost(), 1);
  ASSERT_THAT(errors, ::testing::Contains(::testing::HasSubstr("LOST the lease on host:h1.test")));
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_GE(clock_.Now(), kStart + 50 * kFeedsPerHost * kArticles);
  EXPECT_EQ(requests_["h2.test"], kFeedsPerHost * (1 + kArticles));
}

TEST_F(MonitorLeaseTest, WithoutAWorkerIdNothingIsLeasedAndTheRunStateIsWritten) {
  std::atomic<bool> stop{false};
  MonitorOptions o = Options("", &clock_);
  Monitor monitor(store_.get(), matcher_.get(), o);
  Status s = monitor.Run(Feeds(), stop);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(store_->claim_calls(), 0);
  EXPECT_EQ(store_->put_worker_calls(), 0);
  auto state = store_->GetRunState();
  ASSERT_TRUE(state.ok());
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->passes, 1);
  EXPECT_GT((*state)->stopped_at, 0);
  EXPECT_EQ(StoredUrls().size(), Served().size());
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [host, pollers] : feed_pollers_) {
    EXPECT_THAT(pollers, ::testing::ElementsAre("agent-")) << host;
  }
}

}  // namespace
}  // namespace mw
