#include "report/query_output.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>

#include "parsers/date.h"
#include "report/json_fields.h"

namespace mw {
namespace {

int CellWidth(UChar32 c) {
  if (c < 0) return 1;
  int8_t type = u_charType(c);
  if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_FORMAT_CHAR) return 0;
  int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
  return (ea == U_EA_WIDE || ea == U_EA_FULLWIDTH) ? 2 : 1;
}

// Cuts `text` to at most `width` cells, adding "…" when cut; pads with spaces.
std::string FitCells(std::string_view text, size_t width) {
  const bool cut = DisplayWidth(text) > width;
  const size_t budget = cut ? width - 1 : width;
  std::string out;
  size_t used = 0;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    size_t w = static_cast<size_t>(CellWidth(c));
    if (used + w > budget) break;
    if (c == '\n' || c == '\t' || c == '\r') {
      out += ' ';
    } else if (c < 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.substr(start, i - start));
    }
    used += w;
  }
  if (cut) {
    out += "…";
    ++used;
  }
  out.append(used < width ? width - used : 0, ' ');
  return out;
}

// Valid UTF-8 without NUL: what CSV readers decode without complaint.
std::string CleanUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c <= 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

std::string FormatDay(int64_t t) { return FormatIso8601Utc(t).substr(0, 16).replace(10, 1, " "); }

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    width += static_cast<size_t>(CellWidth(c));
  }
  return width;
}

std::string FormatByteSize(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string ClusterMarker(const MatchHit& hit) {
  if (hit.cluster_size < 2) return "";
  if (hit.cluster_size >= kMaxClusterSizeCount) {
    return "[" + std::to_string(kMaxClusterSizeCount) + "+] ";
  }
  return "[" + std::to_string(hit.cluster_size) + "] ";
}

std::string FormatMatchesTable(const std::vector<MatchHit>& hits, const TableOptions& options) {
  std::string out;
  out += FitCells("TIME (UTC)", 17) + " " + FitCells("LANG", 7) + " " + FitCells("SOURCE", 18) +
         " " + FitCells("TITLE", options.title_width) + " MATCHES\n";
  for (const MatchHit& hit : hits) {
    std::string ids;
    for (const MatchRecord& m : hit.matches) {
      if (!ids.empty()) ids += ",";
      ids += m.target_id;
    }
    std::string line = FitCells(FormatDay(hit.time), 17) + " " + FitCells(hit.article.language, 7) +
                       " " + FitCells(hit.article.source, 18) + " " +
                       FitCells(ClusterMarker(hit) + hit.article.title, options.title_width) + " " +
                       ids;
    out += line + "\n";
  }
  size_t flagged = 0;
  for (const MatchHit& hit : hits) flagged += hit.matches.empty() ? 0 : 1;
  if (flagged == hits.size()) {
    out += std::to_string(hits.size()) +
           (hits.size() == 1 ? " flagged article\n" : " flagged articles\n");
  } else {
    out += std::to_string(hits.size()) + (hits.size() == 1 ? " article (" : " articles (") +
           std::to_string(flagged) + " flagged)\n";
  }
  return out;
}

std::string FormatMatchesJsonl(const std::vector<MatchHit>& hits, const JsonlOptions& options) {
  std::string out;
  for (const MatchHit& hit : hits) {
    nlohmann::json j =
        report_internal::ArticleSummaryJson(hit.article, hit.time, hit.cluster_size, hit.matches);
    if (options.full_record) report_internal::AddArticleDetailsJson(hit.article, &j);
    out += report_internal::DumpJson(j, -1);
    out += '\n';
  }
  return out;
}

std::string CsvField(std::string_view value) {
  std::string clean = CleanUtf8(value);
  if (clean.find_first_of(",\"\r\n") == std::string::npos) return clean;
  std::string out = "\"";
  for (char c : clean) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string FormatMatchesCsv(const std::vector<MatchHit>& hits, const CsvOptions& options) {
  constexpr std::string_view kEol = "\r\n";
  std::string out;
  if (options.header) {
    out = "time,source,language,title,url,matches,snippet,cluster,cluster_size";
    if (options.with_text) out += ",text";
    out += kEol;
  }
  for (const MatchHit& hit : hits) {
    const ArticleRecord& a = hit.article;
    std::string ids;
    std::string_view snippet;
    for (const MatchRecord& m : hit.matches) {
      if (!ids.empty()) ids += ';';
      ids += m.watchlist_id + "/" + m.target_id;
      if (snippet.empty()) snippet = m.snippet;
    }
    out += CsvField(FormatIso8601Utc(hit.time)) + "," +
           CsvField(a.source.empty() ? a.feed_id : a.source) + "," + CsvField(a.language) + "," +
           CsvField(a.title) + "," + CsvField(a.url) + "," + CsvField(ids) + "," +
           CsvField(snippet) + "," + CsvField(a.cluster_id) + "," +
           std::to_string(hit.cluster_size);
    if (options.with_text) out += "," + CsvField(a.text);
    out += kEol;
  }
  return out;
}

}  // namespace mw
