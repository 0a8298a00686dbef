// mediawatch/report/highlight.h
//
// Where the words that flagged an article are in a piece of its text (a
// match snippet, or the whole text), in the script the text was written in:
// "關恆" is highlighted for the watch-list term "关恒", a Latin-script Uyghur
// name for its Arabic-script term. Shared by the digest (report/digest.h)
// and the JSON API (server/), so that both highlight the same words.
//
//   std::string snippet = RepairUtf8(match.snippet);
//   std::vector<HighlightSpan> spans = FindHighlights(snippet, matches, matcher);
//   for (auto [start, end] : MergeHighlights(spans)) ...  // byte offsets
//
// Thread safety: free functions of their arguments (the matcher's Match is
// const and thread-safe).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/store.h"
#include "watch/matcher.h"

namespace mw {

// One occurrence of a matched target in the text: UTF-8 byte offsets
// [start, end) into the text searched.
struct HighlightSpan {
  size_t start = 0;
  size_t end = 0;
  std::string target_id;
};

// The occurrences in `text` of the targets of `matches` (an article's
// stored matches). First every hit of `matcher` (may be null) whose
// (watch-list, target) is among `matches`: the matcher folds both sides, so
// it finds other spellings of a term. Then, for each entity or keyword of
// `matches` that the matcher did not find (no matcher, or a watch-list that
// changed since), the first plain occurrence of its stored term (exact, else
// ignoring ASCII case). Rules have no term of their own and are only found
// through their entities. Spans come in that order (not sorted; they may
// overlap). Cost: one matcher pass plus O(text x term) per plain search.
std::vector<HighlightSpan> FindHighlights(std::string_view text,
                                          const std::vector<MatchRecord>& matches,
                                          const WatchlistMatcher* matcher);

// The spans sorted by start, with overlapping and touching spans merged:
// disjoint [start, end) byte ranges in increasing order.
std::vector<std::pair<size_t, size_t>> MergeHighlights(const std::vector<HighlightSpan>& spans);

// `s` with every ill-formed UTF-8 sequence replaced by U+FFFD (stored text
// comes from pages, and offsets into it are handed to browsers and mailers).
std::string RepairUtf8(std::string_view s);

}  // namespace mw
