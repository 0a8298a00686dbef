#include "report/highlight.h"

#include <algorithm>
#include <optional>
#include <set>

#include "text/normalizer.h"

namespace mw {
namespace {

// Finds `needle` in `hay`, exactly, else ignoring ASCII case.
std::optional<size_t> FindPlain(std::string_view hay, std::string_view needle) {
  if (needle.empty() || needle.size() > hay.size()) return std::nullopt;
  size_t pos = hay.find(needle);
  if (pos != std::string_view::npos) return pos;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return i;
  }
  return std::nullopt;
}

}  // namespace

std::vector<HighlightSpan> FindHighlights(std::string_view text,
                                          const std::vector<MatchRecord>& matches,
                                          const WatchlistMatcher* matcher) {
  std::vector<HighlightSpan> spans;
  std::set<std::pair<std::string, std::string>> wanted;  // (watch-list, target)
  for (const MatchRecord& m : matches) wanted.emplace(m.watchlist_id, m.target_id);
  std::set<std::string> found;  // target ids
  if (matcher != nullptr) {
    // Hits are offsets into the original text, whatever spelling matched.
    for (const TermMatch& tm : matcher->Match("", text)) {
      if (wanted.count({tm.watchlist_id, tm.target_id}) == 0) continue;
      for (const TermHit& hit : tm.hits) {
        if (hit.in_title || hit.start >= hit.end || hit.end > text.size()) continue;
        spans.push_back({hit.start, hit.end, tm.target_id});
        found.insert(tm.target_id);
      }
    }
  }
  for (const MatchRecord& m : matches) {
    if (m.kind == "rule" || found.count(m.target_id) != 0) continue;
    std::optional<size_t> pos = FindPlain(text, m.term);
    if (!pos) continue;
    spans.push_back({*pos, *pos + m.term.size(), m.target_id});
    found.insert(m.target_id);
  }
  return spans;
}

std::vector<std::pair<size_t, size_t>> MergeHighlights(const std::vector<HighlightSpan>& spans) {
  std::vector<std::pair<size_t, size_t>> sorted;
  sorted.reserve(spans.size());
  for (const HighlightSpan& s : spans) {
    if (s.start < s.end) sorted.emplace_back(s.start, s.end);
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (const auto& [start, end] : sorted) {
    if (!merged.empty() && start <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, end);
    } else {
      merged.emplace_back(start, end);
    }
  }
  return merged;
}

std::string RepairUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    const char32_t cp = DecodeUtf8At(s, &pos);
    if (cp == 0xFFFD && s.substr(start, pos - start) != "\xEF\xBF\xBD") {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s, start, pos - start);
    }
  }
  return out;
}

}  // namespace mw
