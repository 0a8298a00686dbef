#include "crawler/monitor.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "parsers/url.h"

namespace mw {

Monitor::Monitor(Store* store, const WatchlistMatcher* matcher, MonitorOptions options)
    : store_(store),
      matcher_(matcher),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : SystemClock()) {}

RunState Monitor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

Status Monitor::WriteState() {
  // A shared store has one run state for all workers; each worker's
  // heartbeat is its WorkerInfo instead.
  if (!options_.worker_id.empty()) return store_->PutWorker(Worker());
  RunState copy = stats();
  return store_->PutRunState(copy);
}

WorkerInfo Monitor::Worker() const {
  std::lock_guard<std::mutex> lock(mu_);
  WorkerInfo w;
  w.id = options_.worker_id;
  w.host = state_.host;
  w.pid = state_.pid;
  w.started_at = state_.started_at;
  w.heartbeat_at = state_.heartbeat_at;
  w.stopped_at = state_.stopped_at;
  w.passes = state_.passes;
  w.feeds_polled = state_.feeds_polled;
  w.articles_stored = state_.articles_stored;
  w.matched_articles = state_.matched_articles;
  w.errors = state_.errors;
  return w;
}

void Monitor::Log(LogLevel level, const std::string& message) const {
  if (options_.crawl.log) options_.crawl.log(level, message);
}

bool Monitor::HostHeld(const std::string& host) {
  std::lock_guard<std::mutex> lock(lease_mu_);
  return held_hosts_.count(host) > 0 && lost_hosts_.count(host) == 0;
}

bool Monitor::HostLost(const std::string& host) {
  std::lock_guard<std::mutex> lock(lease_mu_);
  return lost_hosts_.count(host) > 0;
}

namespace {

constexpr std::string_view kHostKeyPrefix = "host:";

int64_t LeaseSeconds(const MonitorOptions& o) { return std::max<int64_t>(3, o.lease_seconds); }

// Whole seconds of a politeness delay, rounded up (leases count seconds).
int64_t DelaySeconds(long ms) { return ms <= 0 ? 0 : (static_cast<int64_t>(ms) + 999) / 1000; }

}  // namespace

void Monitor::RenewLoop() {
  const int64_t lease = LeaseSeconds(options_);
  const auto interval = std::chrono::milliseconds(
      options_.renew_interval_ms > 0 ? options_.renew_interval_ms : lease * 1000 / 3);
  std::unique_lock<std::mutex> lock(lease_mu_);
  while (true) {
    if (lease_cv_.wait_for(lock, interval, [this] { return !pass_running_; })) return;
    std::vector<std::string> keys;
    for (const std::string& key : held_) {
      if (lost_hosts_.count(key.substr(kHostKeyPrefix.size())) == 0) keys.push_back(key);
    }
    lock.unlock();
    const int64_t now = clock_->Now();
    Result<std::vector<std::string>> kept =
        store_->ClaimLeases(options_.worker_id, keys, now, now + lease);
    {
      std::lock_guard<std::mutex> state_lock(mu_);
      state_.heartbeat_at = now;
    }
    Status beat = store_->PutWorker(Worker());
    if (!beat.ok()) Log(LogLevel::kWarn, "worker heartbeat: " + beat.ToString());
    lock.lock();
    if (!kept.ok()) {
      // The leases run on until their expiry; the next renewal tries again.
      Log(LogLevel::kWarn, "renewing host leases: " + kept.status().ToString());
      continue;
    }
    const std::set<std::string> still(kept->begin(), kept->end());
    for (const std::string& key : keys) {
      if (still.count(key) > 0) continue;
      // Another worker may be polling this host now: no new request to it
      // from this one for the rest of the pass (what is in flight finishes).
      lost_hosts_.insert(key.substr(kHostKeyPrefix.size()));
      ++leases_lost_;
      Log(LogLevel::kError, "LOST the lease on " + key +
                                " during a pass (renewal refused: the store expired it or "
                                "another worker holds it); no new requests to that host");
    }
  }
}

Result<CrawlSummary> Monitor::SharedPass(Crawler& crawler, const std::vector<FeedConfig>& feeds,
                                         bool poll_all, int64_t* retry_at, bool* left_free) {
  const std::string& me = options_.worker_id;
  const int64_t lease = LeaseSeconds(options_);
  const CrawlOptions& crawl = options_.crawl;
  const int64_t now = clock_->Now();
  *retry_at = INT64_MAX;
  *left_free = false;

  // The due feeds by host, as the pipeline will judge them (it reads the
  // states again after the claim, so a feed another worker polled in the
  // meantime is skipped there).
  Result<std::vector<FeedState>> states = store_->ListFeedStates();
  if (!states.ok()) return states.status();
  std::unordered_map<std::string, const FeedState*> by_id;
  for (const FeedState& s : *states) by_id.emplace(s.feed_id, &s);
  std::map<std::string, std::vector<size_t>> feeds_by_host;
  std::map<std::string, long> delay_ms;  // politeness delay per host
  for (size_t i = 0; i < feeds.size(); ++i) {
    const FeedConfig& feed = feeds[i];
    auto found = by_id.find(feed.id);
    const FeedState* s = found == by_id.end() ? nullptr : found->second;
    const bool fresh = s == nullptr || s->config_url != feed.url;  // the pipeline restarts it
    if (!fresh && s->retired) continue;
    if (!poll_all && !fresh && !IsDue(*s, now)) continue;
    const std::string host = UrlHost(!fresh && !s->url.empty() ? s->url : feed.url);
    feeds_by_host[host].push_back(i);
    const long delay = feed.host_delay_ms >= 0 ? static_cast<long>(feed.host_delay_ms)
                                               : crawl.fetcher.min_host_delay_ms;
    delay_ms[host] = std::max(delay_ms.count(host) > 0 ? delay_ms[host] : 0L, delay);
  }
  // Hosts of the flagged articles due for a re-fetch: they need the lease
  // too, or a re-fetch could overlap another worker's polling.
  std::set<std::string> hosts;
  for (const auto& [host, indexes] : feeds_by_host) hosts.insert(host);
  if (!crawl.recheck_delays.empty() && crawl.max_rechecks_per_pass > 0) {
    Result<std::vector<Recheck>> due = store_->DueRechecks(now, crawl.max_rechecks_per_pass);
    if (!due.ok()) return due.status();
    for (const Recheck& r : *due) {
      Result<std::optional<ArticleRecord>> article = store_->GetArticle(r.article_id);
      if (!article.ok()) return article.status();
      if (!article->has_value()) continue;
      const std::string host = UrlHost((*article)->url);
      hosts.insert(host);
      if (delay_ms.count(host) == 0) delay_ms[host] = crawl.fetcher.min_host_delay_ms;
    }
  }
  CrawlSummary empty;
  empty.feeds_total = feeds.size();
  if (hosts.empty()) return empty;

  // Skip the hosts another worker holds or that wait for their politeness
  // delay; remember when they may be free.
  Result<std::vector<Lease>> leases = store_->ListLeases();
  if (!leases.ok()) return leases.status();
  std::unordered_map<std::string, const Lease*> lease_by_key;
  for (const Lease& l : *leases) lease_by_key.emplace(l.key, &l);
  std::vector<std::string> free_keys;
  for (const std::string& host : hosts) {
    std::string key = std::string(kHostKeyPrefix) + host;
    auto found = lease_by_key.find(key);
    if (found != lease_by_key.end()) {
      const Lease& l = *found->second;
      const bool other = l.worker != me && l.until > now;
      if (other || l.not_before > now) {
        *retry_at = std::min(*retry_at, std::max(other ? l.until : now, l.not_before));
        continue;
      }
    }
    free_keys.push_back(std::move(key));
  }

  // A fair share: the due hosts divided among the live workers, so that the
  // first worker to look does not take everything while others idle.
  const int64_t stale = 2 * std::max(options_.heartbeat_seconds, lease);
  Result<std::vector<WorkerInfo>> workers = store_->ListWorkers(now - stale);
  if (!workers.ok()) return workers.status();
  size_t live = 1;
  for (const WorkerInfo& w : *workers) {
    if (w.id != me && w.stopped_at == 0) ++live;
  }
  const size_t share = (hosts.size() + live - 1) / live;
  std::mt19937_64 rng(shuffle_seed_ ^ static_cast<uint64_t>(now));
  std::shuffle(free_keys.begin(), free_keys.end(), rng);
  std::vector<std::string> held;
  size_t pos = 0;
  while (held.size() < share && pos < free_keys.size()) {
    const size_t take = std::min(share - held.size(), free_keys.size() - pos);
    std::vector<std::string> chunk(free_keys.begin() + static_cast<std::ptrdiff_t>(pos),
                                   free_keys.begin() + static_cast<std::ptrdiff_t>(pos + take));
    pos += take;
    Result<std::vector<std::string>> got = store_->ClaimLeases(me, chunk, now, now + lease);
    if (!got.ok()) return got.status();
    // Keys lost to a concurrent claim: look again soon.
    if (got->size() < chunk.size()) *retry_at = std::min(*retry_at, now + 1);
    held.insert(held.end(), got->begin(), got->end());
  }
  *left_free = pos < free_keys.size();
  if (held.empty()) return empty;

  std::vector<FeedConfig> mine;
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    held_ = held;
    held_hosts_.clear();
    lost_hosts_.clear();
    for (const std::string& key : held) held_hosts_.insert(key.substr(kHostKeyPrefix.size()));
    pass_running_ = true;
    for (const auto& [host, indexes] : feeds_by_host) {
      if (held_hosts_.count(host) == 0) continue;
      for (size_t i : indexes) mine.push_back(feeds[i]);
    }
  }
  std::thread renewal([this] { RenewLoop(); });
  Result<CrawlSummary> summary = crawler.CrawlOnce(mine);
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    pass_running_ = false;
  }
  lease_cv_.notify_all();
  renewal.join();

  // Hand the hosts over, each after its politeness delay.
  const int64_t end = clock_->Now();
  std::map<int64_t, std::vector<std::string>> by_not_before;
  for (const std::string& key : held) {
    auto delay = delay_ms.find(key.substr(kHostKeyPrefix.size()));
    const long ms = delay != delay_ms.end() ? delay->second : crawl.fetcher.min_host_delay_ms;
    by_not_before[end + DelaySeconds(ms)].push_back(key);
  }
  for (const auto& [not_before, keys] : by_not_before) {
    Status released = store_->ReleaseLeases(me, keys, not_before);
    // Unreleased leases expire by themselves.
    if (!released.ok()) Log(LogLevel::kWarn, "releasing host leases: " + released.ToString());
  }
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    held_.clear();
    held_hosts_.clear();
    lost_hosts_.clear();
  }
  if (summary.ok()) summary->feeds_total = feeds.size();
  return summary;
}

Result<int64_t> Monitor::NextDue(const std::vector<FeedConfig>& feeds, int64_t now) {
  Result<std::vector<FeedState>> states = store_->ListFeedStates();
  if (!states.ok()) return states.status();
  std::unordered_map<std::string, const FeedState*> by_id;
  for (const FeedState& s : *states) by_id.emplace(s.feed_id, &s);
  int64_t next = INT64_MAX;
  for (const FeedConfig& feed : feeds) {
    auto found = by_id.find(feed.id);
    if (found == by_id.end()) return now;  // never polled: due now
    const FeedState& s = *found->second;
    // A retired feed (410) whose URL is unchanged is never due again; the
    // pipeline re-activates it when its configured URL changes.
    if (s.retired && s.config_url == feed.url) continue;
    next = std::min(next, std::max(now, s.next_poll_at));
  }
  // Flagged articles due for a re-fetch (edits, removals) wake it up too.
  if (!options_.crawl.recheck_delays.empty()) {
    Result<std::vector<Recheck>> rechecks = store_->DueRechecks(INT64_MAX, 1);
    if (!rechecks.ok()) return rechecks.status();
    if (!rechecks->empty()) next = std::min(next, std::max(now, rechecks->front().due_at));
  }
  return next;
}

Status Monitor::Run(const std::vector<FeedConfig>& feeds, const std::atomic<bool>& stop) {
  const bool sharing = !options_.worker_id.empty();
  shuffle_seed_ = std::hash<std::string>()(options_.worker_id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = RunState();
    state_.pid = options_.pid;
    state_.host = options_.host;
    state_.started_at = clock_->Now();
    state_.heartbeat_at = state_.started_at;
  }
  MW_RETURN_IF_ERROR(WriteState());
  CrawlOptions crawl = options_.crawl;
  Clock* clock = clock_;
  crawl.now = [clock] { return clock->Now(); };
  crawl.cancel = &stop;
  if (sharing) {
    crawl.fetch_host = [this](const std::string& host) { return !HostLost(host); };
    crawl.recheck_host = [this](const std::string& host) { return HostHeld(host); };
  }
  Crawler crawler(store_, matcher_, crawl);
  Status failure;
  // Workers started together see each other before the first claim, so
  // the fair share splits the first round too.
  if (sharing && options_.startup_grace_seconds > 0) {
    clock_->SleepUntil(clock_->Now() + options_.startup_grace_seconds, stop);
  }
  for (int64_t pass = 0; !stop.load(); ++pass) {
    int64_t retry_at = INT64_MAX;
    bool left_free = false;
    Result<CrawlSummary> summary =
        sharing ? SharedPass(crawler, feeds, crawl.poll_all, &retry_at, &left_free)
                : crawler.CrawlOnce(feeds);
    if (!summary.ok()) {
      failure = summary.status();
      break;
    }
    RunState snapshot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++state_.passes;
      state_.feeds_polled += static_cast<int64_t>(summary->feeds_polled);
      state_.articles_stored += static_cast<int64_t>(summary->articles_stored);
      state_.matched_articles += static_cast<int64_t>(summary->matched_articles);
      state_.errors += static_cast<int64_t>(summary->feeds_failed + summary->articles_failed);
      if (summary->feeds_polled > 0) {
        state_.feeds_failing = static_cast<int64_t>(summary->feeds_failed);
      }
      state_.heartbeat_at = clock_->Now();
    }
    const int64_t now = clock_->Now();
    Result<int64_t> next = NextDue(feeds, now);
    if (!next.ok()) {
      failure = next.status();
      break;
    }
    // Sharing: what is due may be another worker's (held, or waiting for
    // its politeness delay). Look again when it may be free, and at least
    // every min(lease_seconds / 3, 5 s) — the holder releases its hosts
    // (and its feeds stop being due) as soon as its pass ends, and waiting
    // a third of a 120 s lease kept `run --until-idle` workers alive ~40 s
    // after the last poll (bench/workers_bench) — unless free hosts were
    // left for lack of a fair share (then at once).
    const int64_t due_anywhere = *next;
    if (sharing && *next <= now && !left_free) {
      const int64_t most = std::clamp<int64_t>(LeaseSeconds(options_) / 3, 1, 5);
      *next = now + std::clamp<int64_t>(retry_at == INT64_MAX ? most : retry_at - now, 1, most);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_.next_due_at = *next == INT64_MAX ? 0 : *next;
      snapshot = state_;
    }
    MW_RETURN_IF_ERROR(WriteState());
    if (options_.on_pass) options_.on_pass(snapshot, *summary);
    if (options_.max_passes > 0 && pass + 1 >= options_.max_passes) break;
    // Idle: nothing due, by anyone (with sharing, feeds due on another
    // worker's hosts keep this one waiting: it takes them over if that
    // worker dies).
    if (options_.stop_when_idle && due_anywhere > clock_->Now()) break;
    // The first pass may poll everything (--all); later ones follow the
    // schedule.
    if (crawl.poll_all) {
      crawl.poll_all = false;
      crawler = Crawler(store_, matcher_, crawl);
    }
    // Sleep until the next feed is due, waking for heartbeats.
    while (!stop.load()) {
      const int64_t wake = std::min(*next, clock_->Now() + options_.heartbeat_seconds);
      if (!clock_->SleepUntil(wake, stop)) break;
      if (clock_->Now() >= *next) break;
      {
        std::lock_guard<std::mutex> lock(mu_);
        state_.heartbeat_at = clock_->Now();
      }
      MW_RETURN_IF_ERROR(WriteState());
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.heartbeat_at = clock_->Now();
    if (failure.ok()) {
      state_.stopped_at = state_.heartbeat_at;
    } else {
      state_.last_error = failure.ToString();
    }
  }
  Status written = WriteState();
  if (!failure.ok()) return failure;
  return written;
}

}  // namespace mw
