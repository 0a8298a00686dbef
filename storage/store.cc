// mediawatch/storage/store.cc
//
// The backend-neutral parts of storage/store.h: timeline buckets, alert ids.
#include "storage/store.h"

#include <chrono>

namespace mw {
namespace {

namespace chrono = std::chrono;

constexpr int64_t kSecondsPerDay = 86400;
// Times are clamped to about +-28,000 years, within what std::chrono's
// calendar types represent, so hostile dates cannot overflow.
constexpr int64_t kMaxBucketTime = 880'000'000'000;

int64_t Clamp(int64_t time) {
  return time < -kMaxBucketTime ? -kMaxBucketTime : time > kMaxBucketTime ? kMaxBucketTime : time;
}

// Floor division: days before 1970 belong to the day that starts before
// them, not after.
int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t DayStart(int64_t time) { return FloorDiv(time, kSecondsPerDay) * kSecondsPerDay; }

int64_t ToUnix(chrono::sys_days day) {
  return static_cast<int64_t>(day.time_since_epoch().count()) * kSecondsPerDay;
}

chrono::year_month_day ToDate(int64_t time) {
  return chrono::year_month_day(chrono::sys_days(chrono::days(FloorDiv(time, kSecondsPerDay))));
}

}  // namespace

int64_t BucketStart(TimeBucket bucket, int64_t time) {
  time = Clamp(time);
  switch (bucket) {
    case TimeBucket::kDay:
      return DayStart(time);
    case TimeBucket::kWeek: {
      // 1970-01-01 was a Thursday: Monday 1969-12-29 is day -3.
      const int64_t days = FloorDiv(time, kSecondsPerDay);
      return (FloorDiv(days + 3, 7) * 7 - 3) * kSecondsPerDay;
    }
    case TimeBucket::kMonth: {
      const chrono::year_month_day date = ToDate(time);
      return ToUnix(chrono::sys_days(date.year() / date.month() / 1));
    }
  }
  return DayStart(time);
}

int64_t NextBucketStart(TimeBucket bucket, int64_t start) {
  start = Clamp(start);
  switch (bucket) {
    case TimeBucket::kDay:
      return DayStart(start) + kSecondsPerDay;
    case TimeBucket::kWeek:
      return BucketStart(TimeBucket::kWeek, start) + 7 * kSecondsPerDay;
    case TimeBucket::kMonth: {
      const chrono::year_month_day date = ToDate(start);
      const chrono::year_month next = date.year() / date.month() + chrono::months(1);
      return ToUnix(chrono::sys_days(next / 1));
    }
  }
  return DayStart(start) + kSecondsPerDay;
}

std::string AlertIdFor(std::string_view watchlist_id, std::string_view article_id,
                       std::string_view event, int version) {
  std::string id(article_id);
  id += '.';
  id += std::to_string(version);
  id += '.';
  id.append(event);
  id += '.';
  id.append(watchlist_id);
  return id;
}

}  // namespace mw
