// mediawatch/crawler/clock.h
//
// Time for the monitor loop (crawler/monitor.h). Scheduling is tested with
// FakeClock, which jumps to the time waited for, so a simulated day of
// polling runs in milliseconds and no test sleeps.
//
// Thread safety: SystemClock() is safe from any thread. A FakeClock is
// for one test thread (its time may be read from others).
#pragma once

#include <atomic>
#include <cstdint>

namespace mw {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix seconds, UTC.
  virtual int64_t Now() = 0;
  // Blocks until Now() >= `time` or `stop` becomes true (noticed within
  // 100 ms). Returns false when stopped.
  virtual bool SleepUntil(int64_t time, const std::atomic<bool>& stop) = 0;
};

// The real wall clock. Not owned by the caller.
Clock* SystemClock();

// CPU time the calling thread has used, in seconds (CLOCK_THREAD_CPUTIME_ID):
// what the pipeline's per-stage accounting (CrawlSummary::cpu_*) adds up.
double ThreadCpuSeconds();

// A clock that moves only when told to, or when slept on (to the time slept
// until, at once).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now) : now_(now) {}
  int64_t Now() override { return now_.load(); }
  bool SleepUntil(int64_t time, const std::atomic<bool>& stop) override {
    if (stop.load()) return false;
    if (time > now_.load()) now_.store(time);
    ++sleeps_;
    return !stop.load();
  }
  void Advance(int64_t seconds) { now_ += seconds; }
  int sleeps() const { return sleeps_; }

 private:
  std::atomic<int64_t> now_;
  int sleeps_ = 0;
};

}  // namespace mw
