#include "crawler/schedule.h"

#include <algorithm>

namespace mw {
namespace {

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return std::max(lo, std::min(v, hi)); }

int64_t Backoff(const ScheduleOptions& o, int failures, double random01) {
  // base * 2^(failures-1), computed without overflow.
  int64_t delay = std::max<int64_t>(1, o.backoff_base_seconds);
  for (int i = 1; i < failures && delay < o.backoff_max_seconds; ++i) delay *= 2;
  delay = std::min(delay, o.backoff_max_seconds);
  const double factor = 1.0 + o.jitter * (2.0 * random01 - 1.0);
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(delay) * factor));
}

}  // namespace

void ScheduleNextPoll(const ScheduleOptions& o, const PollOutcome& outcome, double random01,
                      FeedState* state) {
  const int64_t lo = std::max<int64_t>(1, o.min_interval_seconds);
  const int64_t hi = std::max(lo, o.max_interval_seconds);
  int64_t interval = state->interval_seconds > 0 ? state->interval_seconds : o.interval_seconds;
  interval = Clamp(interval, lo, hi);

  switch (outcome.result) {
    case PollResult::kGone:
      state->retired = true;
      state->next_poll_at = 0;
      state->interval_seconds = interval;
      return;
    case PollResult::kFailed: {
      int64_t delay = Backoff(o, std::max(1, state->consecutive_failures), random01);
      if (outcome.retry_after_seconds) {
        delay = Clamp(*outcome.retry_after_seconds, 1, kMaxHintSeconds);
      }
      state->next_poll_at = outcome.now + delay;
      state->interval_seconds = interval;
      return;
    }
    case PollResult::kNewEntries:
      interval = Clamp(interval / 2, lo, hi);
      break;
    case PollResult::kNoNewEntries:
      interval = Clamp(interval + interval / 2, lo, hi);
      break;
  }
  state->interval_seconds = interval;
  int64_t delay = interval;
  if (outcome.hint_seconds)
    delay = std::max(delay, Clamp(*outcome.hint_seconds, 0, kMaxHintSeconds));
  state->next_poll_at = outcome.now + delay;
}

bool IsDue(const FeedState& state, int64_t now) {
  return !state.retired && state.next_poll_at <= now;
}

}  // namespace mw
