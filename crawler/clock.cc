#include "crawler/clock.h"

#include <time.h>

#include <chrono>
#include <thread>

namespace mw {
namespace {

class RealClock final : public Clock {
 public:
  int64_t Now() override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  bool SleepUntil(int64_t time, const std::atomic<bool>& stop) override {
    // Short slices: a signal handler can only set `stop`, and shutdown must
    // not wait for the next feed to be due.
    while (!stop.load() && Now() < time) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return !stop.load();
  }
};

}  // namespace

Clock* SystemClock() {
  static RealClock clock;  // stateless
  return &clock;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace mw
