#include "report/query_output.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <nlohmann/json.hpp>

#include "parsers/date.h"

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
  out += std::to_string(hits.size()) +
         (hits.size() == 1 ? " flagged article\n" : " flagged articles\n");
  return out;
}

std::string FormatMatchesJsonl(const std::vector<MatchHit>& hits) {
  std::string out;
  for (const MatchHit& hit : hits) {
    const ArticleRecord& a = hit.article;
    nlohmann::json j;
    j["id"] = a.id;
    j["url"] = a.url;
    j["title"] = a.title;
    j["source"] = a.source;
    j["feed"] = a.feed_id;
    j["language"] = a.language;
    j["published"] =
        a.published ? nlohmann::json(FormatIso8601Utc(*a.published)) : nlohmann::json();
    j["fetched_at"] = FormatIso8601Utc(a.fetched_at);
    j["time"] = FormatIso8601Utc(hit.time);
    j["cluster"] = a.cluster_id.empty() ? nlohmann::json() : nlohmann::json(a.cluster_id);
    j["cluster_size"] = hit.cluster_size;
    nlohmann::json ms = nlohmann::json::array();
    for (const MatchRecord& m : hit.matches) {
      ms.push_back({{"watchlist", m.watchlist_id},
                    {"target", m.target_id},
                    {"kind", m.kind},
                    {"term", m.term},
                    {"field", m.field},
                    {"count", m.count},
                    {"snippet", m.snippet}});
    }
    j["matches"] = std::move(ms);
    // Invalid UTF-8 from a hostile page must not make dump() throw.
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

std::string FormatMatchesCsv(const std::vector<MatchHit>& hits) {
  constexpr std::string_view kEol = "\r\n";
  std::string out = "time,source,language,title,url,matches,snippet,cluster,cluster_size";
  out += kEol;
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
    out += kEol;
  }
  return out;
}

}  // namespace mw
