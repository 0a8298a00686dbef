// mediawatch/crawler/monitor.h
//
// Continuous monitoring (`mediawatch run`): polling passes (crawler/
// pipeline.h) over the feeds that are due, for as long as `stop` stays
// false, sleeping until the next feed is due in between. Every effect is
// one atomic store write per article (storage/store.h), keyed by canonical
// URL, and a feed's state is written only after all of its articles, so a
// process killed at any moment and started again redoes at most the work in
// flight and stores nothing twice.
//
//   std::atomic<bool> stop{false};   // set from a signal handler
//   Monitor monitor(store, matcher, MonitorOptions{});
//   Status s = monitor.Run(feeds, stop);
//
// After each pass, and every `heartbeat_seconds` while idle, the monitor
// writes its RunState (storage/store.h) for `mediawatch status`; on a clean
// stop it records stopped_at.
//
// Sharing the work (MonitorOptions::worker_id set): several monitors, in
// processes on any machines, share one server-based store (PostgreSQL) and
// split the feeds by host leases (Store::ClaimLeases). Each pass a monitor
// finds the feeds that are due, groups them by host, claims "host:<host>"
// for a fair share of those hosts that no other worker holds (due hosts /
// live workers, rounded up; in an order shuffled per worker so workers
// rarely contend for the same key), and polls only the feeds of the hosts
// it holds; flagged articles are re-fetched only on hosts it holds (their
// hosts are claimed too). So at most one worker talks to a host at a time,
// and the fetcher's per-host limits hold across workers. A thread renews
// the held leases every lease_seconds / 3 while the pass runs; after the
// pass the leases are released with not_before = now + the host's
// politeness delay, so the next worker waits as this one would have. A
// worker that dies keeps its hosts until their leases expire; then another
// takes them over (its feeds are still due: their state is written only
// after their articles). Heartbeats go to Store::PutWorker (not to the run
// state, which is one record per database). Host leases are released after
// every pass; other keys of the worker id (the caller's roles) are the
// caller's to release.
//
// Limits of the sharing: article pages on another host than their feed's
// are fetched by the feed's holder without a lease on that host (per-host
// politeness across workers holds per feed host); a robots.txt
// Crawl-delay is honoured within a worker but not carried over in
// not_before.
//
// Thread safety: Run() on one thread; stats() may be read from any thread
// (e.g. a metrics endpoint) while it runs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "crawler/clock.h"
#include "crawler/config.h"
#include "crawler/pipeline.h"
#include "storage/store.h"
#include "watch/matcher.h"

namespace mw {

struct MonitorOptions {
  // Options of every pass. `now` and `cancel` are set by the monitor (from
  // `clock` and Run's `stop`); `poll_all` applies to the first pass only.
  CrawlOptions crawl;
  // Time source. Default: nullptr = SystemClock().
  Clock* clock = nullptr;
  // Longest sleep between two looks at the schedule, and how often the run
  // state is refreshed while idle. Default: 60 s.
  int64_t heartbeat_seconds = 60;
  // Stop after this many passes (0 = until stopped). For tests and the
  // load benchmark. Default: 0.
  int64_t max_passes = 0;
  // Stop after a pass that leaves no feed due right away: one round of all
  // the work there is (tests, and `mediawatch run --until-idle`).
  // Default: false.
  bool stop_when_idle = false;
  // Called after every pass with the running totals. Default: none.
  std::function<void(const RunState&, const CrawlSummary&)> on_pass;
  // pid and host recorded in the run state. Default: 0 / "".
  int64_t pid = 0;
  std::string host;

  // --- Sharing the work with other processes (see above) ---
  // This process's worker id (WorkerInfo::id, "<hostname>:<pid>:<start>"),
  // at most kMaxLeaseKeySize bytes. Empty: not sharing — every due feed is
  // polled, the run state is written, no lease is claimed. Default: "".
  std::string worker_id;
  // Lifetime of a host lease; renewed every lease_seconds / 3 during a
  // pass. A dead worker's hosts are taken over this long after its last
  // renewal at most. At least 3. Default: 120.
  int64_t lease_seconds = 120;
  // Real time between two renewals (milliseconds). 0 = lease_seconds * 1000
  // / 3. Tests with a FakeClock set it small. Default: 0.
  int64_t renew_interval_ms = 0;
  // Wait this long after announcing the worker (PutWorker) before the first
  // claim, so that workers started at the same time count each other in the
  // fair share. Default: 2.
  int64_t startup_grace_seconds = 2;
};

class Monitor {
 public:
  // `store` and `matcher` are not owned and must outlive the monitor.
  Monitor(Store* store, const WatchlistMatcher* matcher, MonitorOptions options);

  // Polls until `stop` is set (or max_passes / stop_when_idle). Returns OK
  // after a clean stop; an error when the store fails (a pass cannot be
  // recorded) — then the run state names it.
  Status Run(const std::vector<FeedConfig>& feeds, const std::atomic<bool>& stop);

  // The totals so far (a copy).
  RunState stats() const;

  // Host leases a renewal failed to keep (another worker got the host: the
  // store lost or expired the lease). Should stay 0; each is logged as an
  // error and the host gets no new request for the rest of the pass.
  int64_t leases_lost() const { return leases_lost_.load(); }

 private:
  // The earliest next_poll_at among `feeds` (now for a feed never polled).
  Result<int64_t> NextDue(const std::vector<FeedConfig>& feeds, int64_t now);
  Status WriteState();
  // Sharing: claims the hosts of the due feeds (and due re-fetches), runs
  // `crawler` over the feeds of the held hosts with a renewal thread, and
  // releases the leases. Sets *retry_at to when hosts held by others may
  // be free (INT64_MAX when none was refused), *left_free when due hosts
  // were left unclaimed only because of the fair share.
  Result<CrawlSummary> SharedPass(Crawler& crawler, const std::vector<FeedConfig>& feeds,
                                  bool poll_all, int64_t* retry_at, bool* left_free);
  void RenewLoop();
  bool HostHeld(const std::string& host);
  bool HostLost(const std::string& host);
  WorkerInfo Worker() const;
  void Log(LogLevel level, const std::string& message) const;

  Store* store_;
  const WatchlistMatcher* matcher_;
  MonitorOptions options_;
  Clock* clock_;
  mutable std::mutex mu_;  // guards state_
  RunState state_;

  // Sharing: the keys held during a pass, those a renewal lost, and the
  // renewal thread's wake-up.
  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  bool pass_running_ = false;
  std::vector<std::string> held_;
  std::unordered_set<std::string> held_hosts_;
  std::unordered_set<std::string> lost_hosts_;
  std::atomic<int64_t> leases_lost_{0};
  uint64_t shuffle_seed_ = 0;
};

}  // namespace mw
