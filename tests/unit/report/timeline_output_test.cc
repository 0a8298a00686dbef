#include "report/timeline_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/date.h"
#include "report/query_output.h"
#include "tests/unit/report/rfc4180.h"

namespace mw {
namespace {

using testing::ParseRfc4180;

int64_t T(const char* iso) {
  std::optional<int64_t> t = ParseIso8601Date(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

TimelineCount Count(const char* start, int64_t articles, std::string group = "") {
  return TimelineCount{T(start), std::move(group), articles};
}

TimelineSeries Build(const std::vector<TimelineCount>& counts, TimelineRange range) {
  Result<TimelineSeries> series = BuildTimelineSeries(counts, range);
  EXPECT_TRUE(series.ok()) << series.status().ToString();
  return series.ok() ? *series : TimelineSeries{};
}

std::vector<std::string> Labels(const TimelineSeries& s) {
  std::vector<std::string> labels;
  for (const auto& row : s.rows) labels.push_back(TimelineBucketLabel(s.bucket, row.start));
  return labels;
}

std::vector<int64_t> Totals(const TimelineSeries& s) {
  std::vector<int64_t> totals;
  for (const auto& row : s.rows) totals.push_back(row.total);
  return totals;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(TimelineSeriesTest, EmptyBucketsBetweenFirstAndLastAreZero) {
  const TimelineSeries s = Build({Count("2026-01-29", 3), Count("2026-01-26", 2)}, TimelineRange{});
  EXPECT_EQ(Labels(s),
            (std::vector<std::string>{"2026-01-26", "2026-01-27", "2026-01-28", "2026-01-29"}));
  EXPECT_EQ(Totals(s), (std::vector<int64_t>{2, 0, 0, 3}));
  EXPECT_TRUE(s.groups.empty());
  for (const auto& row : s.rows) EXPECT_TRUE(row.counts.empty());
}

TEST(TimelineSeriesTest, SinceAndUntilBoundTheRowsUntilExclusive) {
  TimelineRange range;
  range.since = T("2026-01-24T12:00:00Z");  // mid-day: its day is the first row
  range.until = T("2026-01-31");            // exclusive: the 30th is the last row
  const TimelineSeries s = Build({Count("2026-01-26", 2), Count("2026-01-29", 1)}, range);
  EXPECT_EQ(Labels(s).front(), "2026-01-24");
  EXPECT_EQ(Labels(s).back(), "2026-01-30");
  EXPECT_EQ(Totals(s), (std::vector<int64_t>{0, 0, 2, 0, 0, 1, 0}));

  // One bound: the other end comes from the data.
  range.until.reset();
  EXPECT_EQ(Labels(Build({Count("2026-01-26", 2)}, range)).back(), "2026-01-26");
  // Bounds and no data: a row of zeros per bucket.
  range.until = T("2026-01-27");
  EXPECT_EQ(Totals(Build({}, range)), (std::vector<int64_t>{0, 0, 0}));
}

TEST(TimelineSeriesTest, CountsOutsideTheBoundsAreNotDropped) {
  TimelineRange range;
  range.since = T("2026-01-27");
  range.until = T("2026-01-28");
  const TimelineSeries s = Build({Count("2026-01-25", 4)}, range);
  EXPECT_EQ(Labels(s), (std::vector<std::string>{"2026-01-25", "2026-01-26", "2026-01-27"}));
  EXPECT_EQ(Totals(s), (std::vector<int64_t>{4, 0, 0}));
}

TEST(TimelineSeriesTest, IsoWeeksStartOnMondayAcrossTheYearEnd) {
  TimelineRange range;
  range.bucket = TimeBucket::kWeek;
  // 2025-12-29 is the Monday of ISO week 2026-W01; 2026-01-26 of W05.
  const TimelineSeries s = Build({Count("2025-12-29", 1), Count("2026-01-26", 5)}, range);
  EXPECT_EQ(Labels(s), (std::vector<std::string>{"2025-12-29", "2026-01-05", "2026-01-12",
                                                 "2026-01-19", "2026-01-26"}));
  EXPECT_EQ(Totals(s), (std::vector<int64_t>{1, 0, 0, 0, 5}));
  range.since = T("2026-02-01");  // a Sunday: its week started on Monday the 26th
  EXPECT_EQ(Labels(Build({}, range)).front(), "2026-01-26");
}

TEST(TimelineSeriesTest, MonthsHaveTheirOwnLengths) {
  TimelineRange range;
  range.bucket = TimeBucket::kMonth;
  const TimelineSeries s = Build({Count("2023-12-01", 1), Count("2024-03-01", 2)}, range);
  EXPECT_EQ(Labels(s), (std::vector<std::string>{"2023-12", "2024-01", "2024-02", "2024-03"}));
  EXPECT_EQ(Totals(s), (std::vector<int64_t>{1, 0, 0, 2}));
  EXPECT_EQ(s.rows[2].start, T("2024-02-01"));
  EXPECT_EQ(s.rows[3].start, T("2024-03-01"));  // 29 days after: a leap year
}

TEST(TimelineSeriesTest, SplitHasAColumnPerGroupAndATotal) {
  TimelineRange range;
  range.split = TimelineSplit::kLanguage;
  const TimelineSeries s = Build({Count("2026-01-26", 2, "zh"), Count("2026-01-26", 1, "en"),
                                  Count("2026-01-28", 4, "zh-Hant"), Count("2026-01-28", 1, "")},
                                 range);
  EXPECT_EQ(s.groups, (std::vector<std::string>{"", "en", "zh", "zh-Hant"}));
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[0].counts, (std::vector<int64_t>{0, 1, 2, 0}));
  EXPECT_EQ(s.rows[1].counts, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(s.rows[2].counts, (std::vector<int64_t>{1, 0, 0, 4}));
  EXPECT_EQ(Totals(s), (std::vector<int64_t>{3, 0, 5}));
}

TEST(TimelineSeriesTest, TooManyBucketsIsAClearError) {
  TimelineRange range;
  range.max_buckets = 10;
  range.since = T("2026-01-01");
  range.until = T("2026-01-11");
  EXPECT_EQ(Build({}, range).rows.size(), 10u);
  range.until = T("2026-01-12");
  Result<TimelineSeries> s = BuildTimelineSeries({}, range);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(s.status().message().find("more than 10 days"), std::string::npos);
  EXPECT_NE(s.status().message().find("--by week|month"), std::string::npos);
  // The default cap: centuries by day are refused, by month accepted.
  range = TimelineRange{};
  range.since = T("1990-01-01");
  range.until = T("2300-01-01");
  EXPECT_EQ(BuildTimelineSeries({}, range).status().code(), StatusCode::kTooLarge);
  range.bucket = TimeBucket::kMonth;
  EXPECT_EQ(Build({}, range).rows.size(), 310u * 12);
}

TEST(TimelineSeriesTest, BadRangesAndCounts) {
  TimelineRange range;
  range.since = T("2026-01-28");
  range.until = T("2026-01-28");
  EXPECT_EQ(BuildTimelineSeries({}, range).status().code(), StatusCode::kInvalidArgument);
  // A count that does not start a bucket is a store bug, not a silent shift.
  EXPECT_EQ(
      BuildTimelineSeries({Count("2026-01-28T05:00:00Z", 1)}, TimelineRange{}).status().code(),
      StatusCode::kInternal);
}

TEST(TimelineOutputTest, EmptySeries) {
  const TimelineSeries s = Build({}, TimelineRange{});
  EXPECT_EQ(FormatTimelineCsv(s), "bucket,articles\r\n");
  EXPECT_EQ(FormatTimelineTable(s), "DAY  ARTICLES\n0 articles in 0 days\n");
  const auto j = nlohmann::json::parse(FormatTimelineJson(s, "guan-heng", ""));
  EXPECT_EQ(j["buckets"], nlohmann::json::array());
  EXPECT_EQ(j["total"], 0);
  EXPECT_TRUE(j["watchlist"].is_null());
  EXPECT_TRUE(j["split"].is_null());
}

TEST(TimelineOutputTest, CsvIsWideRfc4180WithIsoLabels) {
  TimelineRange range;
  range.bucket = TimeBucket::kMonth;
  range.split = TimelineSplit::kSource;
  const TimelineSeries s =
      Build({Count("2026-01-01", 2, "BBC 中文, 香港"), Count("2026-03-01", 1, "ئەركىن \"ئاسىيا\""),
             Count("2026-03-01", 1, "")},
            range);
  const auto records = ParseRfc4180(FormatTimelineCsv(s));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"bucket", "(unknown)", "BBC 中文, 香港",
                                                  "ئەركىن \"ئاسىيا\"", "total"}));
  EXPECT_EQ(records[1], (std::vector<std::string>{"2026-01", "0", "2", "0", "2"}));
  EXPECT_EQ(records[2], (std::vector<std::string>{"2026-02", "0", "0", "0", "0"}));
  EXPECT_EQ(records[3], (std::vector<std::string>{"2026-03", "1", "0", "1", "2"}));

  const TimelineSeries days = Build({Count("2026-01-28", 7)}, TimelineRange{});
  EXPECT_EQ(FormatTimelineCsv(days), "bucket,articles\r\n2026-01-28,7\r\n");
}

TEST(TimelineOutputTest, JsonListsEveryGroupInEveryBucket) {
  TimelineRange range;
  range.bucket = TimeBucket::kWeek;
  range.split = TimelineSplit::kLanguage;
  const TimelineSeries s =
      Build({Count("2026-01-19", 2, "zh"), Count("2026-01-26", 3, "ug")}, range);
  const auto j = nlohmann::json::parse(FormatTimelineJson(s, "guan-heng", "guan-heng-case"));
  EXPECT_EQ(j["match"], "guan-heng");
  EXPECT_EQ(j["watchlist"], "guan-heng-case");
  EXPECT_EQ(j["by"], "week");
  EXPECT_EQ(j["split"], "lang");
  EXPECT_EQ(j["groups"], nlohmann::json({"ug", "zh"}));
  EXPECT_EQ(j["total"], 5);
  ASSERT_EQ(j["buckets"].size(), 2u);
  EXPECT_EQ(
      j["buckets"][0],
      nlohmann::json({{"start", "2026-01-19"}, {"counts", {{"ug", 0}, {"zh", 2}}}, {"total", 2}}));
  EXPECT_EQ(j["buckets"][1]["counts"]["ug"], 3);
}

TEST(TimelineOutputTest, TableColumnsAlignWithWideGroupNames) {
  TimelineRange range;
  range.split = TimelineSplit::kSource;
  const TimelineSeries s =
      Build({Count("2026-01-26", 12345, "臺灣快報"), Count("2026-01-27", 1, "Radio Free Asia"),
             Count("2026-01-27", 2, "ئازاد ئاسىيا")},
            range);
  const std::vector<std::string> lines = Lines(FormatTimelineTable(s));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0].starts_with("DAY")) << lines[0];
  EXPECT_TRUE(lines[0].ends_with("TOTAL")) << lines[0];
  // Right-aligned numbers: every line ends at the same terminal column, and
  // so does every column (the first row's wide count sets its width).
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(DisplayWidth(lines[i]), DisplayWidth(lines[0])) << lines[i];
  }
  const size_t col =
      DisplayWidth(lines[0].substr(0, lines[0].find("臺灣快報") + std::string("臺灣快報").size()));
  EXPECT_EQ(DisplayWidth(lines[1].substr(0, lines[1].find("12345") + 5)), col);
  EXPECT_EQ(lines[3], "12348 articles in 2 days");
}

TEST(TimelineOutputTest, Labels) {
  EXPECT_EQ(TimelineBucketLabel(TimeBucket::kDay, T("2026-01-28")), "2026-01-28");
  EXPECT_EQ(TimelineBucketLabel(TimeBucket::kWeek, T("2026-01-26")), "2026-01-26");
  EXPECT_EQ(TimelineBucketLabel(TimeBucket::kMonth, T("2026-01-01")), "2026-01");
  EXPECT_EQ(TimeBucketName(TimeBucket::kMonth), "month");
  EXPECT_EQ(TimelineSplitName(TimelineSplit::kSource), "source");
  EXPECT_FALSE(TimelineSplitName(TimelineSplit::kNone).has_value());
}

}  // namespace
}  // namespace mw
