#include "crawler/monitor.h"

#include <algorithm>
#include <unordered_map>

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
  RunState copy = stats();
  return store_->PutRunState(copy);
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
  Crawler crawler(store_, matcher_, crawl);
  Status failure;
  for (int64_t pass = 0; !stop.load(); ++pass) {
    Result<CrawlSummary> summary = crawler.CrawlOnce(feeds);
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
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_.next_due_at = *next == INT64_MAX ? 0 : *next;
      snapshot = state_;
    }
    MW_RETURN_IF_ERROR(WriteState());
    if (options_.on_pass) options_.on_pass(snapshot, *summary);
    if (options_.max_passes > 0 && pass + 1 >= options_.max_passes) break;
    if (options_.stop_when_idle && *next > clock_->Now()) break;
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
