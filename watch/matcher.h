// mediawatch/watch/matcher.h
//
// Finds watch-list entities, keywords and rules in article titles and
// texts. All terms of all watch-lists are compiled once into one
// multi-pattern automaton (vectorscan/Hyperscan), so matching is linear in
// the text whatever the number of terms.
//
// Both sides are folded with text/normalizer.h (NFKC case folding,
// Traditional -> Simplified, Uyghur look-alikes, ...). Each term expands to
// variants, all listed by variants():
//   - the folded term (with Latin diacritics stripped when the term asks);
//   - entities with swap_name_order: multi-word names with the last word
//     first ("Guan Heng" -> "heng guan");
//   - names joined by a middle dot also with a space and with nothing
//     ("莱汉·阿萨特" -> "莱汉 阿萨特", "莱汉阿萨特");
//   - multi-word terms in spaced scripts also with hyphens for the spaces
//     ("قايتا تەربىيەلەش" -> "قايتا-تەربىيەلەش");
//   - Uyghur terms in the other two scripts (text/uyghur.h): a term in
//     Arabic script or Cyrillic always, a Latin term of five or more letters
//     too ("Shinjang" -> "شىنجاڭ", "шинҗаң").
// Boundaries, by the script at each edge of a variant:
//   - Latin and other spaced scripts: whole words; a trailing '*' in the
//     term allows any suffix ("deport*" finds "deported", "deportation");
//   - Uyghur (Arabic-script terms and their ULY/USY forms): at a word start,
//     any suffix allowed (ئۇيغۇر finds ئۇيغۇرلار, ئۇيغۇرچە);
//   - Han and other unspaced scripts: anywhere; with word_guard, a match
//     must start and end on an ICU word boundary of the folded text.
// A hit that lies inside a longer hit of the same target is not counted
// again ("维吾尔" inside "维吾尔族"), and a hit inside one of the target's
// `exclude` phrases does not count at all. Case-sensitive terms must also
// read exactly as written in the original text ("ICE", not "ice"); an
// all-capitals term does not count inside a run of three or more words in
// capitals ("ICE ON BRIDGES").
//
//   auto m = WatchlistMatcher::Create(watchlists, normalizer);
//   MatchResult r = (*m)->MatchAll(title, text);
//
// Thread safety: Match()/MatchAll() are const and may be called
// concurrently (scratch space comes from an internal pool). The normalizer
// must outlive the matcher.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "text/normalizer.h"
#include "watch/watchlist.h"

namespace mw {

// One occurrence of a term, in the original (unfolded) field.
struct TermHit {
  size_t term_index = 0;  // index into the target's terms (or the rule's phrases)
  bool in_title = false;
  size_t start = 0;  // UTF-8 byte offsets into the original title or text
  size_t end = 0;
  uint32_t token = 0;  // token index of the start within its field (for NEAR)
};

// One watch-list target (entity or keyword) found in an article.
struct TermMatch {
  std::string watchlist_id;
  std::string target_id;
  TargetKind kind = TargetKind::kEntity;
  std::string term;           // the term of the first hit, as written in the list
  std::string field;          // "title" when found in the title, else "text"
  std::string snippet;        // the original text around the first hit in the text (<= ~240 bytes)
  int count = 0;              // occurrences of all the target's terms, title + text
  std::vector<TermHit> hits;  // title hits first, then text, in order (at most 1,000)
};

// A rule of a watch-list whose query holds for the article.
struct RuleMatch {
  std::string watchlist_id;
  std::string rule_id;
};

struct MatchResult {
  std::vector<TermMatch> targets;  // in watch-list then target order
  std::vector<RuleMatch> rules;    // in watch-list then rule order
};

// How a term was expanded (for `mediawatch watchlist check`).
struct TermVariant {
  size_t watchlist = 0;
  size_t target = 0;  // index into Watchlist::targets
  size_t term = 0;    // index into WatchTarget::terms
  std::string folded;
  std::string how;         // "as written", "name order swapped", "ULY from UEY", ...
  bool word_start = true;  // must start at a word boundary
  bool word_end = true;    // must end at a word boundary
  bool word_guard = false;
  bool strip_diacritics = false;
  // Matches only where the original text reads exactly `exact` (white space
  // runs aside): case_sensitive terms, which get no other variants.
  bool case_sensitive = false;
  std::string exact;
  // An exclusion phrase of the target: cancels the target's hits inside it.
  bool exclude = false;
};

// An article's title and text as MatchAll folded them: TextNormalizer::Fold
// with default FoldOptions, by the matcher's normalizer.
struct FoldedFields {
  std::string title;
  std::string text;
};

struct MatcherOptions {
  // Hits kept per target (the count goes on). Default: 1,000.
  size_t max_hits_per_target = 1000;
};

class WatchlistMatcher {
 public:
  // Errors: kInvalidArgument when a term folds to nothing or a rule does not
  // parse; kInternal when the automaton cannot be compiled.
  static Result<std::unique_ptr<WatchlistMatcher>> Create(std::vector<Watchlist> watchlists,
                                                          const TextNormalizer* normalizer,
                                                          const MatcherOptions& options = {});
  ~WatchlistMatcher();

  // Entities and keywords found. O(title + text).
  std::vector<TermMatch> Match(std::string_view title, std::string_view text) const;
  // Entities, keywords and the rules that hold.
  MatchResult MatchAll(std::string_view title, std::string_view text) const;
  // The same, and hands over the folded title and text it computed anyway,
  // so that a caller needing them too (the crawler's fingerprint) does not
  // fold the article a second time. `folded` may be null.
  MatchResult MatchAll(std::string_view title, std::string_view text, FoldedFields* folded) const;

  // The normalizer given to Create (not owned).
  const TextNormalizer* normalizer() const;

  const std::vector<Watchlist>& watchlists() const;
  const std::vector<TermVariant>& variants() const;

 private:
  struct Impl;
  explicit WatchlistMatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw
