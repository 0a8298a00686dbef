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
// Thread safety: Run() on one thread; stats() may be read from any thread
// (e.g. a metrics endpoint) while it runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
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

 private:
  // The earliest next_poll_at among `feeds` (now for a feed never polled).
  Result<int64_t> NextDue(const std::vector<FeedConfig>& feeds, int64_t now);
  Status WriteState();

  Store* store_;
  const WatchlistMatcher* matcher_;
  MonitorOptions options_;
  Clock* clock_;
  mutable std::mutex mu_;  // guards state_
  RunState state_;
};

}  // namespace mw
