// mediawatch/crawler/schedule.h
//
// When to poll a feed next. Pure functions over FeedState, so the policy is
// unit-tested with a fake clock and shared by `crawl --once` and the daemon.
//
// Policy:
//  - Adaptive: a poll that finds new entries halves the interval, one that
//    finds none grows it by half, always within [min_interval, max_interval]
//    of the feed (the configured interval is the starting point).
//  - Never earlier than the publisher asked: RSS <ttl>, sy:updatePeriod,
//    Cache-Control max-age or Expires (capped at kMaxHintSeconds, so a
//    hostile hint cannot silence a feed for good).
//  - 429/503 with Retry-After: not before that time (capped likewise).
//  - Other failures (5xx, network, parse errors): exponential backoff with
//    jitter, from backoff_base doubling per consecutive failure up to
//    backoff_max.
//  - 410 Gone: the feed is retired and not polled again until its
//    configured URL changes.
#pragma once

#include <cstdint>
#include <optional>

#include "storage/store.h"

namespace mw {

inline constexpr int64_t kMaxHintSeconds = 7 * 86400;

struct ScheduleOptions {
  int64_t interval_seconds = 3600;       // starting interval. Default: 1 h
  int64_t min_interval_seconds = 300;    // Default: 5 min
  int64_t max_interval_seconds = 86400;  // Default: 1 day
  int64_t backoff_base_seconds = 60;     // first retry after a failure. Default: 1 min
  int64_t backoff_max_seconds = 86400;   // Default: 1 day
  double jitter = 0.2;                   // +-20% on backoff delays. Default: 0.2
};

enum class PollResult {
  kNewEntries,    // 200 with at least one entry not seen before
  kNoNewEntries,  // 200 with nothing new, or 304
  kFailed,        // network error, 5xx, unparsable body, robots refusal...
  kGone,          // 410
};

struct PollOutcome {
  PollResult result = PollResult::kNoNewEntries;
  int64_t now = 0;                             // Unix s
  std::optional<int64_t> retry_after_seconds;  // 429/503 Retry-After
  std::optional<int64_t> hint_seconds;         // ttl / updatePeriod / max-age / Expires
};

// Updates state->next_poll_at, interval_seconds and retired from `outcome`.
// `random01` is a uniform number in [0, 1) for the jitter (tests pass a
// constant). Does not touch failure counters: the caller updates
// consecutive_failures before calling (backoff uses it).
void ScheduleNextPoll(const ScheduleOptions& options, const PollOutcome& outcome, double random01,
                      FeedState* state);

// True when the feed should be polled at `now`.
bool IsDue(const FeedState& state, int64_t now);

}  // namespace mw
