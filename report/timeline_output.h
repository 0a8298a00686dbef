// mediawatch/report/timeline_output.h
//
// Renders Store::Timeline counts (storage/store.h) as a dense series: every
// bucket between the first and the last one (or the queried --since/--until
// range) gets a row, the empty ones with zero, so a plot of the output shows
// the gaps in coverage instead of joining the points around them.
//
//   Result<TimelineSeries> series = BuildTimelineSeries(*counts, range);
//   if (!series.ok()) return series.status();  // kTooLarge past max_buckets
//   std::string csv = FormatTimelineCsv(*series);
//
// Bucket labels are ISO dates in UTC: "2026-01-28" for a day, the Monday
// ("2026-01-26") for an ISO week, "2026-01" for a month.
//
// Pure functions of their arguments; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace mw {

// Default cap on the buckets of one series (100,000 days are 273 years): a
// typo in --since or --until must give an error, not a gigabyte of zeros.
inline constexpr size_t kMaxTimelineBuckets = 100000;

// What BuildTimelineSeries covers.
struct TimelineRange {
  TimeBucket bucket = TimeBucket::kDay;
  TimelineSplit split = TimelineSplit::kNone;
  // The queried bounds (Unix s): the series starts at the bucket holding
  // `since` and ends with the bucket holding `until - 1` (`until` is
  // exclusive, as in MatchQuery). Unset: the first (last) bucket with a
  // count. A count outside the bounds still widens the series: nothing the
  // store returned is dropped.
  std::optional<int64_t> since;
  std::optional<int64_t> until;
  // Default: kMaxTimelineBuckets.
  size_t max_buckets = kMaxTimelineBuckets;
};

// A dense table of counts: rows are consecutive buckets, columns the groups.
struct TimelineSeries {
  TimeBucket bucket = TimeBucket::kDay;
  TimelineSplit split = TimelineSplit::kNone;
  // The groups (TimelineCount::group) in byte order; "" is the unknown
  // language or source. Empty with TimelineSplit::kNone.
  std::vector<std::string> groups;
  struct Row {
    int64_t start = 0;            // BucketStart of the bucket
    std::vector<int64_t> counts;  // one per group (parallel to `groups`)
    int64_t total = 0;            // articles in the bucket
  };
  std::vector<Row> rows;  // oldest first, no gaps
};

// Builds the dense series from Store::Timeline's sparse counts (any order).
// No counts and no bounds give an empty series. Errors: kInvalidArgument
// when since >= until, kTooLarge when the series would exceed
// range.max_buckets (the message says how to narrow it), kInternal when a
// count's bucket_start is not a bucket start.
Result<TimelineSeries> BuildTimelineSeries(const std::vector<TimelineCount>& counts,
                                           const TimelineRange& range);

// "2026-01-28" (day, week) or "2026-01" (month) for a bucket start.
std::string TimelineBucketLabel(TimeBucket bucket, int64_t start);

// "day", "week", "month"; "lang", "source" (nullopt for kNone): the names
// the command line and the JSON output use.
std::string_view TimeBucketName(TimeBucket bucket);
std::optional<std::string_view> TimelineSplitName(TimelineSplit split);

// An aligned table: a header, then one row per bucket; without a split the
// columns are the bucket and ARTICLES, with one a column per group (the
// unknown group shown as "(unknown)") and TOTAL. Numbers are right-aligned;
// CJK and Arabic-script group names are measured in terminal cells. Ends
// with a summary line ("N articles in M days").
std::string FormatTimelineTable(const TimelineSeries& series);

// RFC 4180 CSV in wide format (as FormatMatchesCsv: UTF-8 without a BOM,
// CRLF, quoted when needed): the header is `bucket,articles` without a split
// and `bucket,<group>...,total` with one (the unknown group is "(unknown)"),
// then one record per bucket with the label and the counts.
std::string FormatTimelineCsv(const TimelineSeries& series);

// One JSON object (with a trailing newline):
//   {"match":"guan-heng","watchlist":null,"by":"day","split":"lang",
//    "groups":["en","zh"],"total":5,
//    "buckets":[{"start":"2026-01-28","counts":{"en":3,"zh":0},"total":3},...]}
// `watchlist` is null when empty; "split" is null and every "counts" is {}
// without a split; with one, "counts" has every group (zeros too) under its
// stored name ("" for the unknown group).
std::string FormatTimelineJson(const TimelineSeries& series, std::string_view match,
                               std::string_view watchlist);

}  // namespace mw
