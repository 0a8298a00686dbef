#include "report/timeline_output.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "parsers/date.h"
#include "report/query_output.h"

namespace mw {
namespace {

constexpr std::string_view kUnknownGroup = "(unknown)";

std::string GroupLabel(const std::string& group) {
  return group.empty() ? std::string(kUnknownGroup) : group;
}

// Right-aligns `text` in `width` terminal cells.
std::string PadLeft(const std::string& text, size_t width) {
  const size_t cells = DisplayWidth(text);
  return std::string(cells < width ? width - cells : 0, ' ') + text;
}

std::string PadRight(const std::string& text, size_t width) {
  const size_t cells = DisplayWidth(text);
  return text + std::string(cells < width ? width - cells : 0, ' ');
}

std::string_view BucketNoun(TimeBucket bucket, bool plural) {
  switch (bucket) {
    case TimeBucket::kWeek:
      return plural ? "weeks" : "week";
    case TimeBucket::kMonth:
      return plural ? "months" : "month";
    case TimeBucket::kDay:
      break;
  }
  return plural ? "days" : "day";
}

int64_t SeriesTotal(const TimelineSeries& series) {
  int64_t total = 0;
  for (const TimelineSeries::Row& row : series.rows) total += row.total;
  return total;
}

// A group name in a table cell: one line, whatever the source was called.
std::string OneLine(const std::string& text) {
  std::string out = text;
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return out;
}

}  // namespace

std::string_view TimeBucketName(TimeBucket bucket) { return BucketNoun(bucket, false); }

std::optional<std::string_view> TimelineSplitName(TimelineSplit split) {
  switch (split) {
    case TimelineSplit::kLanguage:
      return "lang";
    case TimelineSplit::kSource:
      return "source";
    case TimelineSplit::kNone:
      break;
  }
  return std::nullopt;
}

std::string TimelineBucketLabel(TimeBucket bucket, int64_t start) {
  std::string iso = FormatIso8601Utc(start);
  std::string day = iso.substr(0, iso.find('T'));  // "2026-01-28" (years > 9999 stay whole)
  if (bucket == TimeBucket::kMonth && day.size() >= 3) day.resize(day.size() - 3);
  return day;
}

Result<TimelineSeries> BuildTimelineSeries(const std::vector<TimelineCount>& counts,
                                           const TimelineRange& range) {
  if (range.since && range.until && *range.since >= *range.until) {
    return Status::InvalidArgument("--since " + FormatIso8601Utc(*range.since) +
                                   " is not before --until " + FormatIso8601Utc(*range.until));
  }
  TimelineSeries series;
  series.bucket = range.bucket;
  series.split = range.split;

  // Group columns, and the sparse counts keyed by (bucket, group column).
  std::map<std::string, size_t> group_index;
  if (range.split != TimelineSplit::kNone) {
    for (const TimelineCount& c : counts) group_index.emplace(c.group, 0);
    for (auto& [name, index] : group_index) {
      index = series.groups.size();
      series.groups.push_back(name);
    }
  }
  std::map<int64_t, std::vector<int64_t>> by_bucket;
  std::optional<int64_t> first, last;
  for (const TimelineCount& c : counts) {
    if (BucketStart(range.bucket, c.bucket_start) != c.bucket_start) {
      return Status::Internal("the store returned a count for " + FormatIso8601Utc(c.bucket_start) +
                              ", which does not start a " +
                              std::string(TimeBucketName(range.bucket)));
    }
    std::vector<int64_t>& row = by_bucket[c.bucket_start];
    row.resize(std::max<size_t>(series.groups.size(), 1), 0);
    const size_t column = range.split == TimelineSplit::kNone ? 0 : group_index.at(c.group);
    row[column] += c.articles;
    first = std::min(first.value_or(c.bucket_start), c.bucket_start);
    last = std::max(last.value_or(c.bucket_start), c.bucket_start);
  }
  if (range.since) {
    const int64_t start = BucketStart(range.bucket, *range.since);
    first = std::min(first.value_or(start), start);
    if (!last) last = start;
  }
  if (range.until) {
    const int64_t end = BucketStart(range.bucket, *range.until - 1);
    last = std::max(last.value_or(end), end);
    if (!first) first = end;
  }
  if (!first) return series;  // nothing counted, no bounds: no rows

  for (int64_t start = *first; start <= *last;) {
    if (series.rows.size() >= range.max_buckets) {
      return Status::TooLarge(
          "the timeline from " + TimelineBucketLabel(range.bucket, *first) + " to " +
          TimelineBucketLabel(range.bucket, *last) + " has more than " +
          std::to_string(range.max_buckets) + " " + std::string(BucketNoun(range.bucket, true)) +
          ": narrow it with --since/--until or count by a longer period (--by week|month)");
    }
    TimelineSeries::Row row;
    row.start = start;
    auto it = by_bucket.find(start);
    if (it != by_bucket.end()) {
      row.counts = std::move(it->second);
    } else {
      row.counts.assign(std::max<size_t>(series.groups.size(), 1), 0);
    }
    for (int64_t n : row.counts) row.total += n;
    if (range.split == TimelineSplit::kNone) row.counts.clear();
    series.rows.push_back(std::move(row));
    const int64_t next = NextBucketStart(range.bucket, start);
    if (next <= start) {
      return Status::Internal("NextBucketStart did not advance past " + FormatIso8601Utc(start));
    }
    start = next;
  }
  return series;
}

std::string FormatTimelineTable(const TimelineSeries& series) {
  const bool split = series.split != TimelineSplit::kNone;
  std::vector<std::string> header;
  header.push_back(series.bucket == TimeBucket::kDay    ? "DAY"
                   : series.bucket == TimeBucket::kWeek ? "WEEK OF"
                                                        : "MONTH");
  if (split) {
    for (const std::string& g : series.groups) header.push_back(OneLine(GroupLabel(g)));
    header.push_back("TOTAL");
  } else {
    header.push_back("ARTICLES");
  }
  std::vector<std::vector<std::string>> cells;
  for (const TimelineSeries::Row& row : series.rows) {
    std::vector<std::string> line;
    line.push_back(TimelineBucketLabel(series.bucket, row.start));
    for (int64_t n : row.counts) line.push_back(std::to_string(n));
    line.push_back(std::to_string(row.total));
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = DisplayWidth(header[i]);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], DisplayWidth(line[i]));
    }
  }
  auto render = [&](const std::vector<std::string>& line) {
    std::string out = PadRight(line[0], width[0]);
    for (size_t i = 1; i < line.size(); ++i) out += "  " + PadLeft(line[i], width[i]);
    return out + "\n";
  };
  std::string out = render(header);
  for (const auto& line : cells) out += render(line);
  const int64_t total = SeriesTotal(series);
  out += std::to_string(total) + (total == 1 ? " article in " : " articles in ") +
         std::to_string(series.rows.size()) + " " +
         std::string(BucketNoun(series.bucket, series.rows.size() != 1)) + "\n";
  return out;
}

std::string FormatTimelineCsv(const TimelineSeries& series) {
  constexpr std::string_view kEol = "\r\n";
  const bool split = series.split != TimelineSplit::kNone;
  std::string out = "bucket";
  if (split) {
    for (const std::string& g : series.groups) out += "," + CsvField(GroupLabel(g));
    out += ",total";
  } else {
    out += ",articles";
  }
  out += kEol;
  for (const TimelineSeries::Row& row : series.rows) {
    out += TimelineBucketLabel(series.bucket, row.start);
    for (int64_t n : row.counts) out += "," + std::to_string(n);
    out += "," + std::to_string(row.total);
    out += kEol;
  }
  return out;
}

std::string FormatTimelineJson(const TimelineSeries& series, std::string_view match,
                               std::string_view watchlist) {
  nlohmann::ordered_json j;
  j["match"] = std::string(match);
  j["watchlist"] =
      watchlist.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(std::string(watchlist));
  j["by"] = std::string(TimeBucketName(series.bucket));
  const std::optional<std::string_view> split = TimelineSplitName(series.split);
  j["split"] = split ? nlohmann::ordered_json(std::string(*split)) : nlohmann::ordered_json();
  j["groups"] = series.groups;
  j["total"] = SeriesTotal(series);
  nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
  for (const TimelineSeries::Row& row : series.rows) {
    nlohmann::ordered_json counts = nlohmann::ordered_json::object();
    for (size_t i = 0; i < row.counts.size() && i < series.groups.size(); ++i) {
      counts[series.groups[i]] = row.counts[i];
    }
    buckets.push_back({{"start", TimelineBucketLabel(series.bucket, row.start)},
                       {"counts", std::move(counts)},
                       {"total", row.total}});
  }
  j["buckets"] = std::move(buckets);
  // Keys in reading order (match, by, split, ..., buckets) for people reading it.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace mw
