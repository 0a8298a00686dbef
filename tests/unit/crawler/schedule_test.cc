#include "crawler/schedule.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

PollOutcome Outcome(PollResult r) {
  PollOutcome o;
  o.result = r;
  o.now = kNow;
  return o;
}

TEST(ScheduleTest, StartsFromTheConfiguredInterval) {
  ScheduleOptions o;
  o.interval_seconds = 1800;
  FeedState s;
  ScheduleNextPoll(o, Outcome(PollResult::kNoNewEntries), 0.5, &s);
  EXPECT_EQ(s.interval_seconds, 2700);  // grew by half
  EXPECT_EQ(s.next_poll_at, kNow + 2700);
}

TEST(ScheduleTest, NewEntriesShortenWithinBounds) {
  ScheduleOptions o;
  o.interval_seconds = 3600;
  o.min_interval_seconds = 600;
  FeedState s;
  for (int i = 0; i < 10; ++i) ScheduleNextPoll(o, Outcome(PollResult::kNewEntries), 0.5, &s);
  EXPECT_EQ(s.interval_seconds, 600);
  EXPECT_EQ(s.next_poll_at, kNow + 600);
}

TEST(ScheduleTest, QuietFeedsSlowDownToTheMaximum) {
  ScheduleOptions o;
  o.max_interval_seconds = 6 * 3600;
  FeedState s;
  for (int i = 0; i < 20; ++i) ScheduleNextPoll(o, Outcome(PollResult::kNoNewEntries), 0.5, &s);
  EXPECT_EQ(s.interval_seconds, 6 * 3600);
}

TEST(ScheduleTest, PublisherHintIsALowerBound) {
  ScheduleOptions o;
  o.interval_seconds = 600;
  FeedState s;
  PollOutcome out = Outcome(PollResult::kNewEntries);
  out.hint_seconds = 7200;  // e.g. <ttl>120</ttl>
  ScheduleNextPoll(o, out, 0.5, &s);
  EXPECT_EQ(s.next_poll_at, kNow + 7200);
  // A hostile hint is capped at a week.
  out.hint_seconds = int64_t{10} * 365 * 86400;
  ScheduleNextPoll(o, out, 0.5, &s);
  EXPECT_EQ(s.next_poll_at, kNow + kMaxHintSeconds);
}

TEST(ScheduleTest, FailuresBackOffExponentiallyWithJitter) {
  ScheduleOptions o;
  o.backoff_base_seconds = 60;
  o.backoff_max_seconds = 3600;
  FeedState s;
  std::vector<int64_t> delays;
  for (int f = 1; f <= 8; ++f) {
    s.consecutive_failures = f;
    ScheduleNextPoll(o, Outcome(PollResult::kFailed), 0.5, &s);  // 0.5 = no jitter
    delays.push_back(s.next_poll_at - kNow);
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{60, 120, 240, 480, 960, 1920, 3600, 3600}));
  s.consecutive_failures = 1;
  ScheduleNextPoll(o, Outcome(PollResult::kFailed), 0.0, &s);
  EXPECT_EQ(s.next_poll_at - kNow, 48);  // -20%
  ScheduleNextPoll(o, Outcome(PollResult::kFailed), 0.999999, &s);
  EXPECT_EQ(s.next_poll_at - kNow, 71);  // almost +20%
  s.consecutive_failures = 1000;         // no overflow
  ScheduleNextPoll(o, Outcome(PollResult::kFailed), 0.5, &s);
  EXPECT_EQ(s.next_poll_at - kNow, 3600);
}

TEST(ScheduleTest, RetryAfterWinsOverBackoff) {
  ScheduleOptions o;
  FeedState s;
  s.consecutive_failures = 1;
  PollOutcome out = Outcome(PollResult::kFailed);
  out.retry_after_seconds = 900;
  ScheduleNextPoll(o, out, 0.5, &s);
  EXPECT_EQ(s.next_poll_at, kNow + 900);
}

TEST(ScheduleTest, GoneRetiresTheFeed) {
  FeedState s;
  ScheduleNextPoll({}, Outcome(PollResult::kGone), 0.5, &s);
  EXPECT_TRUE(s.retired);
  EXPECT_FALSE(IsDue(s, kNow + 365 * 86400));
}

TEST(ScheduleTest, Due) {
  FeedState s;
  EXPECT_TRUE(IsDue(s, kNow));  // never polled
  s.next_poll_at = kNow + 1;
  EXPECT_FALSE(IsDue(s, kNow));
  EXPECT_TRUE(IsDue(s, kNow + 1));
}

}  // namespace
}  // namespace mw
