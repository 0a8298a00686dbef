// mediawatch/watch/matcher.h
//
// Finds watch-list terms in article titles and texts. Both sides are folded
// with text/normalizer.h (NFKC case folding, Traditional -> Simplified, ...),
// so "GUAN HENG" matches "Guan Heng" and 關恆 matches 关恒. Terms in scripts
// written with spaces (Latin, Arabic, Cyrillic) only match whole words:
// "Guan Heng" does not match "Guan Hengyu"; terms in Han (and other scripts
// written without spaces) match anywhere.
//
//   auto m = WatchlistMatcher::Create(watchlists, normalizer);
//   for (const TermMatch& hit : (*m)->Match(title, text)) ...
//
// Thread safety: Match() is const and may be called concurrently. The
// normalizer must outlive the matcher.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "text/normalizer.h"
#include "watch/watchlist.h"

namespace mw {

// One watch-list target (entity or keyword) found in an article.
struct TermMatch {
  std::string watchlist_id;
  std::string target_id;
  TargetKind kind = TargetKind::kEntity;
  std::string term;     // the first term of the target that was found, as written
  std::string field;    // "title" when found in the title, else "text"
  std::string snippet;  // the original sentence/paragraph around the first hit (<= ~240 bytes)
  int count = 0;        // total occurrences of all the target's terms, title + text
};

class WatchlistMatcher {
 public:
  // Errors: kInvalidArgument when a term folds to nothing.
  static Result<std::unique_ptr<WatchlistMatcher>> Create(std::vector<Watchlist> watchlists,
                                                          const TextNormalizer* normalizer);

  // All targets found, in watch-list then target order.
  // Cost: O(total folded term bytes x text bytes) in the worst case.
  std::vector<TermMatch> Match(std::string_view title, std::string_view text) const;

  const std::vector<Watchlist>& watchlists() const { return watchlists_; }

 private:
  struct CompiledTerm {
    std::string folded;
    bool need_left_boundary = true;
    bool need_right_boundary = true;
    bool duplicate = false;  // folds to the same string as an earlier term of its target
  };
  WatchlistMatcher() = default;

  // Occurrences of `term` in folded `haystack`; *first receives the first
  // offset (or npos).
  static int CountOccurrences(const CompiledTerm& term, std::string_view haystack, size_t* first);
  // The original paragraph of `text` holding the first hit of `term`.
  std::string Snippet(const CompiledTerm& term, std::string_view text) const;

  std::vector<Watchlist> watchlists_;
  // compiled_[w][t][k]: term k of target t of watch-list w.
  std::vector<std::vector<std::vector<CompiledTerm>>> compiled_;
  const TextNormalizer* normalizer_ = nullptr;
};

}  // namespace mw
