// mediawatch/watch/matcher.cc
//
// Compile: every term -> variants (folded strings with boundary rules) ->
// distinct literals -> one Hyperscan literal database (and a second one for
// variants that strip Latin diacritics, scanned over a second fold of the
// text, only when some term asks for it). Literal patterns need no
// start-of-match tracking: a hit starts at its end minus the literal's
// length.
//
// Match: fold title and text with offsets, scan, check each hit's
// boundaries in the folded text, map spans back to the original, drop hits
// inside longer hits of the same target, count, snippet, then evaluate the
// rules over the hits.

#include "watch/matcher.h"

#include <hs/hs.h>
#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "text/uyghur.h"
#include "watch/query.h"

namespace mw {
namespace {

constexpr size_t kSnippetBytes = 240;
constexpr size_t kNoTarget = static_cast<size_t>(-1);

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;

// Scratch spaces for concurrent scans, cloned on demand and reused.
class ScratchPool {
 public:
  ScratchPool() = default;
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;
  ~ScratchPool() {
    for (hs_scratch_t* s : free_) hs_free_scratch(s);
    if (prototype_ != nullptr) hs_free_scratch(prototype_);
  }
  Status Init(const std::vector<const hs_database_t*>& dbs) {
    for (const hs_database_t* db : dbs) {
      if (db == nullptr) continue;
      if (hs_alloc_scratch(db, &prototype_) != HS_SUCCESS) {
        return Status::Internal("cannot allocate Hyperscan scratch space");
      }
    }
    return Status::Ok();
  }
  hs_scratch_t* Acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      hs_scratch_t* s = free_.back();
      free_.pop_back();
      return s;
    }
    hs_scratch_t* s = nullptr;
    if (prototype_ == nullptr || hs_clone_scratch(prototype_, &s) != HS_SUCCESS) return nullptr;
    return s;
  }
  void Release(hs_scratch_t* s) {
    if (s == nullptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(s);
  }

 private:
  std::mutex mu_;
  hs_scratch_t* prototype_ = nullptr;
  std::vector<hs_scratch_t*> free_;
};

char32_t FirstCodePoint(std::string_view s) {
  size_t pos = 0;
  return s.empty() ? 0 : DecodeUtf8At(s, &pos);
}

char32_t LastCodePoint(std::string_view s) {
  if (s.empty()) return 0;
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return FirstCodePoint(s.substr(start));
}

// The code point that ends just before `pos` (0 at the start).
char32_t CodePointBefore(std::string_view s, size_t pos) {
  if (pos == 0) return 0;
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return FirstCodePoint(s.substr(start, pos - start));
}

char32_t CodePointAt(std::string_view s, size_t pos) {
  return pos >= s.size() ? 0 : FirstCodePoint(s.substr(pos));
}

size_t LetterCount(std::string_view s) {
  size_t n = 0;
  size_t pos = 0;
  while (pos < s.size()) n += IsWordCodePoint(DecodeUtf8At(s, &pos)) ? 1 : 0;
  return n;
}

bool IsSpacedScriptText(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (IsScriptWithoutSpaces(DecodeUtf8At(s, &pos))) return false;
  }
  return true;
}

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

// Whether the word is written in capitals only (at least one letter, no
// lower-case letter).
bool IsUpperWord(std::string_view word) {
  bool letter = false;
  size_t pos = 0;
  while (pos < word.size()) {
    char32_t c = DecodeUtf8At(word, &pos);
    if (u_islower(static_cast<UChar32>(c))) return false;
    letter = letter || u_isupper(static_cast<UChar32>(c));
  }
  return letter;
}

// Whether original[begin, end) stands in a run of three or more words in
// capitals ("ICE ON BRIDGES", a shouted headline): there an all-capitals
// term is not an acronym.
bool InShoutedRun(std::string_view original, size_t begin, size_t end) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  int run = 1;
  size_t pos = begin;  // words before
  for (int k = 0; k < 2 && pos > 0; ++k) {
    size_t e = pos;
    while (e > 0 && is_space(original[e - 1])) --e;
    if (e == pos || e == 0) break;
    size_t b = e;
    while (b > 0 && !is_space(original[b - 1])) --b;
    if (!IsUpperWord(original.substr(b, e - b))) break;
    ++run;
    pos = b;
  }
  pos = end;  // words after
  for (int k = 0; k < 2 && pos < original.size(); ++k) {
    size_t b = pos;
    while (b < original.size() && is_space(original[b])) ++b;
    if (b == pos || b == original.size()) break;
    size_t e = b;
    while (e < original.size() && !is_space(original[e])) ++e;
    if (!IsUpperWord(original.substr(b, e - b))) break;
    ++run;
    pos = e;
  }
  return run >= 3;
}

// White space runs -> one space, trimmed.
std::string CollapseSpaces(std::string_view s) {
  std::string out;
  bool pending = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

// Token starts of a folded field: runs of word code points in spaced
// scripts, and every code point of unspaced scripts.
std::vector<uint32_t> TokenStarts(std::string_view s) {
  std::vector<uint32_t> starts;
  bool in_word = false;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t at = pos;
    char32_t c = DecodeUtf8At(s, &pos);
    if (IsScriptWithoutSpaces(c)) {
      starts.push_back(static_cast<uint32_t>(at));
      in_word = false;
    } else if (IsWordCodePoint(c)) {
      if (!in_word) starts.push_back(static_cast<uint32_t>(at));
      in_word = true;
    } else {
      in_word = false;
    }
  }
  return starts;
}

// The original text around [start, end): its line when short, else a
// window of about kSnippetBytes cut on UTF-8 boundaries.
std::string Snippet(std::string_view text, size_t start, size_t end) {
  size_t line_start = text.rfind('\n', start == 0 ? 0 : start - 1);
  line_start = (line_start == std::string_view::npos || start == 0) ? 0 : line_start + 1;
  if (start > 0 && text[start - 1] == '\n') line_start = start;
  size_t line_end = text.find('\n', end);
  if (line_end == std::string_view::npos) line_end = text.size();
  size_t from = line_start;
  size_t to = line_end;
  if (to - from > kSnippetBytes) {
    size_t half = (kSnippetBytes - std::min(kSnippetBytes, end - start)) / 2;
    from = std::max(line_start, start > half ? start - half : 0);
    to = std::min(line_end, end + half);
    while (from > line_start && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) --from;
    while (to < line_end && (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) ++to;
  }
  std::string out;
  if (from > line_start) out += "…";
  out += text.substr(from, to - from);
  if (to < line_end) out += "…";
  // Trim white space at both ends.
  size_t b = out.find_first_not_of(" \t\r");
  size_t e = out.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

// A distinct folded string and the variants that spell it.
struct Literal {
  std::string text;
  std::vector<size_t> variant_ids;
};

// A field folded for matching.
struct Field {
  std::string_view original;
  FoldedText folded;
  FoldedText stripped;  // folded without Latin diacritics, when needed
};

// ICU word boundaries of a folded text, computed on first use (word_guard).
class WordBoundaries {
 public:
  explicit WordBoundaries(std::string_view text) : text_(text) {}
  WordBoundaries(const WordBoundaries&) = delete;
  WordBoundaries& operator=(const WordBoundaries&) = delete;
  ~WordBoundaries() {
    words_.reset();
    if (utext_ != nullptr) utext_close(utext_);
  }
  bool IsBoundary(size_t offset) {
    if (!words_ && !failed_) {
      UErrorCode status = U_ZERO_ERROR;
      utext_ = utext_openUTF8(nullptr, text_.data(), static_cast<int64_t>(text_.size()), &status);
      words_.reset(icu::BreakIterator::createWordInstance(icu::Locale("zh"), status));
      if (U_SUCCESS(status) && words_) words_->setText(utext_, status);
      failed_ = U_FAILURE(status) || !words_;
    }
    // Without ICU's word data the guard cannot reject anything.
    return failed_ || words_->isBoundary(static_cast<int32_t>(offset));
  }

 private:
  std::string_view text_;
  UText* utext_ = nullptr;
  std::unique_ptr<icu::BreakIterator> words_;
  bool failed_ = false;
};

}  // namespace

struct WatchlistMatcher::Impl {
  std::vector<Watchlist> watchlists;
  const TextNormalizer* normalizer = nullptr;
  MatcherOptions options;
  std::vector<TermVariant> variants;
  // Phrases of rule queries: per watch-list, the phrase texts; their
  // variants have target == kNoTarget and term == phrase index.
  std::vector<std::vector<std::string>> phrases;
  // Parsed rules per watch-list, and their evaluation order.
  std::vector<std::vector<Query>> rules;
  std::vector<std::vector<size_t>> rule_order;
  bool any_rules = false;
  // Distinct literals per database: literal id -> variant indexes.
  std::vector<Literal> literals[2];  // [0] plain fold, [1] diacritics stripped
  HsDatabase db[2];
  mutable ScratchPool scratch[2];
};

WatchlistMatcher::WatchlistMatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WatchlistMatcher::~WatchlistMatcher() = default;

const std::vector<Watchlist>& WatchlistMatcher::watchlists() const { return impl_->watchlists; }
const std::vector<TermVariant>& WatchlistMatcher::variants() const { return impl_->variants; }
const TextNormalizer* WatchlistMatcher::normalizer() const { return impl_->normalizer; }

namespace {

struct Expansion {
  std::string folded;
  std::string how;
  bool uyghur = false;  // Uyghur spelling: suffixes allowed
};

// The variants of one term (see matcher.h).
Result<std::vector<Expansion>> ExpandTerm(std::string_view text, bool strip, bool swap, bool exact,
                                          const TextNormalizer& normalizer,
                                          const UyghurTransliterator& uyghur, bool* wildcard) {
  std::string raw(text);
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.pop_back();
  *wildcard = !raw.empty() && raw.back() == '*';
  if (*wildcard) raw.pop_back();
  FoldOptions fold_options{.strip_latin_diacritics = strip};
  std::string folded = normalizer.Fold(raw, fold_options);
  if (folded.empty() || LetterCount(folded) == 0) {
    return Status::InvalidArgument("term '" + std::string(text) + "' has no letters after folding");
  }
  if (exact) return std::vector<Expansion>{{folded, "as written, exact case", false}};
  std::optional<UyghurScript> script = DetectUyghurScript(raw);
  bool arabic_or_cyrillic =
      script && (*script == UyghurScript::kArabic || *script == UyghurScript::kCyrillic);
  std::vector<Expansion> out = {{folded, "as written", arabic_or_cyrillic}};
  if (swap && IsSpacedScriptText(folded)) {
    size_t space = folded.rfind(' ');
    if (space != std::string::npos) {
      out.push_back({folded.substr(space + 1) + " " + folded.substr(0, space), "name order swapped",
                     out[0].uyghur});
    }
  }
  for (size_t i = 0, n = out.size(); i < n; ++i) {
    if (out[i].folded.find("\xC2\xB7") == std::string::npos) continue;
    out.push_back({ReplaceAll(out[i].folded, "\xC2\xB7", " "), out[i].how + ", '·' as a space",
                   out[i].uyghur});
    out.push_back(
        {ReplaceAll(out[i].folded, "\xC2\xB7", ""), out[i].how + ", '·' dropped", out[i].uyghur});
  }
  // Compounds are written with a space or a hyphen (قايتا-تەربىيەلەش).
  for (size_t i = 0, n = out.size(); i < n; ++i) {
    if (out[i].folded.find(' ') == std::string::npos || !IsSpacedScriptText(out[i].folded)) {
      continue;
    }
    // Every mix of the two for up to three spaces (8 spellings), else all
    // hyphens.
    std::vector<size_t> spaces;
    for (size_t p = out[i].folded.find(' '); p != std::string::npos;
         p = out[i].folded.find(' ', p + 1)) {
      spaces.push_back(p);
    }
    size_t combinations = spaces.size() <= 3 ? (size_t{1} << spaces.size()) : 2;
    for (size_t mask = 1; mask < combinations; ++mask) {
      std::string spelling = out[i].folded;
      for (size_t b = 0; b < spaces.size(); ++b) {
        if (spaces.size() > 3 || (mask >> b) & 1) spelling[spaces[b]] = '-';
      }
      out.push_back({std::move(spelling), out[i].how + ", hyphenated", out[i].uyghur});
    }
  }
  // Uyghur: the same spelling in the other two scripts.
  if (script && (arabic_or_cyrillic || LetterCount(folded) >= 5)) {
    for (size_t i = 0, n = out.size(); i < n; ++i) {
      for (UyghurScript to :
           {UyghurScript::kArabic, UyghurScript::kLatin, UyghurScript::kCyrillic}) {
        if (to == *script) continue;
        std::string converted =
            normalizer.Fold(uyghur.Convert(out[i].folded, *script, to), fold_options);
        if (converted.empty()) continue;
        out.push_back({converted,
                       out[i].how + ", " + std::string(UyghurScriptName(to)) + " from " +
                           std::string(UyghurScriptName(*script)),
                       true});
      }
    }
  }
  // Distinct spellings only.
  std::vector<Expansion> unique;
  for (Expansion& e : out) {
    bool seen = std::any_of(unique.begin(), unique.end(),
                            [&](const Expansion& u) { return u.folded == e.folded; });
    if (!seen) unique.push_back(std::move(e));
  }
  return unique;
}

TermVariant MakeVariant(size_t w, size_t t, size_t k, Expansion e, bool wildcard, bool guard,
                        bool strip) {
  TermVariant v;
  v.watchlist = w;
  v.target = t;
  v.term = k;
  v.word_start = !IsScriptWithoutSpaces(FirstCodePoint(e.folded));
  v.word_end = !IsScriptWithoutSpaces(LastCodePoint(e.folded)) && !wildcard && !e.uyghur;
  v.word_guard = guard;
  v.strip_diacritics = strip;
  v.how = std::move(e.how);
  if (wildcard) v.how += ", any suffix";
  if (e.uyghur && !wildcard) v.how += ", suffixes allowed";
  v.folded = std::move(e.folded);
  return v;
}

Result<HsDatabase> Compile(const std::vector<Literal>& literals) {
  if (literals.empty()) return HsDatabase();
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags(literals.size(), 0);
  std::vector<unsigned> ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    exprs.push_back(literals[i].text.data());
    lens.push_back(literals[i].text.size());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(literals.size()), HS_MODE_BLOCK, nullptr, &db,
                           &error) != HS_SUCCESS) {
    std::string message = error != nullptr && error->message != nullptr ? error->message : "?";
    hs_free_compile_error(error);
    return Status::Internal("cannot compile the watch-list terms: " + message);
  }
  return HsDatabase(db);
}

}  // namespace

Result<std::unique_ptr<WatchlistMatcher>> WatchlistMatcher::Create(
    std::vector<Watchlist> watchlists, const TextNormalizer* normalizer,
    const MatcherOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->normalizer = normalizer;
  impl->options = options;
  Result<std::unique_ptr<UyghurTransliterator>> uyghur = UyghurTransliterator::Create();
  if (!uyghur.ok()) return uyghur.status();
  std::map<std::string, size_t> literal_ids[2];
  auto add_variant = [&](TermVariant v) {
    size_t index = impl->variants.size();
    int db = v.strip_diacritics ? 1 : 0;
    auto [it, inserted] = literal_ids[db].emplace(v.folded, impl->literals[db].size());
    if (inserted) impl->literals[db].push_back({v.folded, {}});
    impl->literals[db][it->second].variant_ids.push_back(index);
    impl->variants.push_back(std::move(v));
  };
  impl->phrases.resize(watchlists.size());
  impl->rules.resize(watchlists.size());
  impl->rule_order.resize(watchlists.size());
  for (size_t w = 0; w < watchlists.size(); ++w) {
    const Watchlist& list = watchlists[w];
    for (size_t t = 0; t < list.targets.size(); ++t) {
      const WatchTarget& target = list.targets[t];
      bool swap = target.kind == TargetKind::kEntity && target.swap_name_order;
      for (size_t k = 0; k < target.terms.size(); ++k) {
        const WatchTerm& term = target.terms[k];
        bool wildcard = false;
        auto expansions = ExpandTerm(term.text, term.fold_diacritics, swap, term.case_sensitive,
                                     *normalizer, **uyghur, &wildcard);
        if (!expansions.ok()) {
          return Status::InvalidArgument(list.id + "/" + target.id + ": " +
                                         expansions.status().message());
        }
        for (Expansion& e : *expansions) {
          TermVariant v =
              MakeVariant(w, t, k, std::move(e), wildcard, term.word_guard, term.fold_diacritics);
          if (term.case_sensitive) {
            v.case_sensitive = true;
            v.exact = CollapseSpaces(term.text);
            if (wildcard && !v.exact.empty()) v.exact.pop_back();
          }
          add_variant(std::move(v));
        }
      }
      for (size_t k = 0; k < target.exclude.size(); ++k) {
        const WatchTerm& term = target.exclude[k];
        bool wildcard = false;
        auto expansions = ExpandTerm(term.text, term.fold_diacritics, false, false, *normalizer,
                                     **uyghur, &wildcard);
        if (!expansions.ok()) {
          return Status::InvalidArgument(list.id + "/" + target.id +
                                         ": exclude: " + expansions.status().message());
        }
        for (Expansion& e : *expansions) {
          TermVariant v =
              MakeVariant(w, t, k, std::move(e), wildcard, term.word_guard, term.fold_diacritics);
          v.exclude = true;
          v.how += ", exclusion";
          add_variant(std::move(v));
        }
      }
    }
    // Rules: parse, order, and compile their phrases like keyword terms.
    Result<std::vector<Query>> queries = ParseRuleQueries(list);
    if (!queries.ok()) return queries.status();
    for (Query& q : *queries) {
      for (const std::string& phrase : q.phrases()) {
        auto& known = impl->phrases[w];
        if (std::find(known.begin(), known.end(), phrase) != known.end()) continue;
        known.push_back(phrase);
        bool wildcard = false;
        auto expansions = ExpandTerm(phrase, false, false, false, *normalizer, **uyghur, &wildcard);
        if (!expansions.ok()) {
          return Status::InvalidArgument(list.id + ": phrase \"" + phrase +
                                         "\": " + expansions.status().message());
        }
        for (Expansion& e : *expansions) {
          add_variant(
              MakeVariant(w, kNoTarget, known.size() - 1, std::move(e), wildcard, false, false));
        }
      }
      impl->rules[w].push_back(std::move(q));
      impl->any_rules = true;
    }
    Result<std::vector<size_t>> order = OrderRules(list.rules, impl->rules[w], list.source);
    if (!order.ok()) return order.status();
    impl->rule_order[w] = std::move(order).value();
  }
  for (int d = 0; d < 2; ++d) {
    Result<HsDatabase> db = Compile(impl->literals[d]);
    if (!db.ok()) return db.status();
    impl->db[d] = std::move(db).value();
    MW_RETURN_IF_ERROR(impl->scratch[d].Init({impl->db[d].get()}));
  }
  impl->watchlists = std::move(watchlists);
  return std::unique_ptr<WatchlistMatcher>(new WatchlistMatcher(std::move(impl)));
}

std::vector<TermMatch> WatchlistMatcher::Match(std::string_view title,
                                               std::string_view text) const {
  return MatchAll(title, text).targets;
}

namespace {

// A checked hit in folded coordinates of its field.
struct RawHit {
  size_t variant;
  bool in_title;
  size_t start;  // folded bytes
  size_t end;
};

struct ScanContext {
  const std::vector<Literal>* literals;
  const std::vector<TermVariant>* variants;
  // Folded title + '\n' + folded text (the fold never produces '\n', so no
  // literal spans the two): one scan per article.
  std::string_view text;
  size_t text_offset;            // where the folded text starts
  const FoldedText* folded[2];   // title, text
  std::string_view original[2];  // title, text
  WordBoundaries* words;
  std::vector<RawHit>* hits;
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  auto* ctx = static_cast<ScanContext*>(context);
  const auto& literal = (*ctx->literals)[id];
  size_t end = static_cast<size_t>(to);
  size_t start = end - literal.text.size();
  for (size_t v : literal.variant_ids) {
    const TermVariant& variant = (*ctx->variants)[v];
    if (variant.word_start && IsWordCodePoint(CodePointBefore(ctx->text, start))) continue;
    size_t hit_end = end;
    if (variant.word_end) {
      if (IsWordCodePoint(CodePointAt(ctx->text, end))) continue;
    } else if (!IsScriptWithoutSpaces(LastCodePoint(literal.text))) {
      // A suffix belongs to the hit: extend to the end of the word.
      while (hit_end < ctx->text.size()) {
        size_t pos = hit_end;
        char32_t c = DecodeUtf8At(ctx->text, &pos);
        if (!IsWordCodePoint(c) || IsScriptWithoutSpaces(c)) break;
        hit_end = pos;
      }
    }
    if (variant.word_guard && (!ctx->words->IsBoundary(start) || !ctx->words->IsBoundary(end))) {
      continue;
    }
    bool in_title = start < ctx->text_offset;
    size_t shift = in_title ? 0 : ctx->text_offset;
    int f = in_title ? 0 : 1;
    if (variant.case_sensitive) {
      auto [b, e] = ctx->folded[f]->OriginalSpan(start - shift, end - shift);
      if (CollapseSpaces(ctx->original[f].substr(b, e - b)) != variant.exact) continue;
      if (IsUpperWord(variant.exact) && InShoutedRun(ctx->original[f], b, e)) continue;
    }
    ctx->hits->push_back({v, in_title, start - shift, hit_end - shift});
  }
  return 0;  // continue scanning
}

}  // namespace

MatchResult WatchlistMatcher::MatchAll(std::string_view title, std::string_view text) const {
  return MatchAll(title, text, nullptr);
}

MatchResult WatchlistMatcher::MatchAll(std::string_view title, std::string_view text,
                                       FoldedFields* folded) const {
  const Impl& impl = *impl_;
  MatchResult result;
  Field fields[2];
  fields[0].original = title;
  fields[1].original = text;
  // Per (watch-list, target or phrase) slot: hits with field and spans.
  struct SlotHit {
    TermHit hit;
    size_t folded_length;
  };
  std::unordered_map<uint64_t, std::vector<SlotHit>> by_slot;
  std::unordered_map<uint64_t, std::vector<TermHit>> exclusions;  // original spans
  auto slot_key = [](size_t w, size_t t, bool phrase) {
    return (static_cast<uint64_t>(w) << 33) | (static_cast<uint64_t>(phrase) << 32) |
           static_cast<uint64_t>(t & 0xFFFFFFFF);
  };
  for (Field& field : fields) field.folded = impl.normalizer->FoldWithOffsets(field.original);
  std::string combined;
  for (int d = 0; d < 2; ++d) {
    if (!impl.db[d]) continue;
    const FoldedText* folded[2] = {&fields[0].folded, &fields[1].folded};
    if (d == 1) {
      for (int f = 0; f < 2; ++f) {
        fields[f].stripped =
            impl.normalizer->FoldWithOffsets(fields[f].original, {.strip_latin_diacritics = true});
        folded[f] = &fields[f].stripped;
      }
    }
    combined.assign(folded[0]->text);
    combined.push_back('\n');
    combined.append(folded[1]->text);
    std::vector<RawHit> hits;
    WordBoundaries words(combined);
    ScanContext ctx{&impl.literals[d],
                    &impl.variants,
                    combined,
                    folded[0]->text.size() + 1,
                    {folded[0], folded[1]},
                    {fields[0].original, fields[1].original},
                    &words,
                    &hits};
    hs_scratch_t* scratch = impl.scratch[d].Acquire();
    if (scratch == nullptr) continue;
    hs_scan(impl.db[d].get(), combined.data(), static_cast<unsigned>(combined.size()), 0, scratch,
            OnMatch, &ctx);
    impl.scratch[d].Release(scratch);
    std::vector<uint32_t> tokens[2];
    bool tokenized[2] = {false, false};
    for (const RawHit& h : hits) {
      const TermVariant& v = impl.variants[h.variant];
      int f = h.in_title ? 0 : 1;
      auto [start, end] = folded[f]->OriginalSpan(h.start, h.end);
      TermHit hit;
      hit.term_index = v.term;
      hit.in_title = h.in_title;
      hit.start = start;
      hit.end = end;
      if (impl.any_rules) {
        if (!tokenized[f]) {
          tokens[f] = TokenStarts(folded[f]->text);
          tokenized[f] = true;
        }
        hit.token = static_cast<uint32_t>(
            std::upper_bound(tokens[f].begin(), tokens[f].end(), h.start) - tokens[f].begin());
        if (hit.token > 0) --hit.token;
      }
      bool phrase = v.target == kNoTarget;
      if (v.exclude) {
        exclusions[slot_key(v.watchlist, v.target, false)].push_back(hit);
        continue;
      }
      by_slot[slot_key(v.watchlist, phrase ? v.term : v.target, phrase)].push_back(
          {hit, h.end - h.start});
    }
  }
  // Drop hits inside the target's exclusion phrases, then hits inside
  // longer hits of the same slot; order title then text.
  for (auto& [key, hits] : by_slot) {
    auto ex = exclusions.find(key);
    if (ex != exclusions.end()) {
      const std::vector<TermHit>& spans = ex->second;
      auto inside_exclusion = [&spans](const SlotHit& h) {
        return std::any_of(spans.begin(), spans.end(), [&h](const TermHit& x) {
          return x.in_title == h.hit.in_title && x.start <= h.hit.start && h.hit.end <= x.end;
        });
      };
      hits.erase(std::remove_if(hits.begin(), hits.end(), inside_exclusion), hits.end());
    }
    std::sort(hits.begin(), hits.end(), [](const SlotHit& a, const SlotHit& b) {
      if (a.hit.in_title != b.hit.in_title) return a.hit.in_title;
      if (a.hit.start != b.hit.start) return a.hit.start < b.hit.start;
      return a.hit.end > b.hit.end;
    });
    std::vector<SlotHit> kept;
    for (const SlotHit& h : hits) {
      if (!kept.empty() && kept.back().hit.in_title == h.hit.in_title &&
          h.hit.end <= kept.back().hit.end) {
        continue;
      }
      kept.push_back(h);
    }
    hits.swap(kept);
  }
  for (size_t w = 0; w < impl.watchlists.size(); ++w) {
    const Watchlist& list = impl.watchlists[w];
    for (size_t t = 0; t < list.targets.size(); ++t) {
      auto it = by_slot.find(slot_key(w, t, false));
      if (it == by_slot.end() || it->second.empty()) continue;
      const WatchTarget& target = list.targets[t];
      TermMatch m;
      m.watchlist_id = list.id;
      m.target_id = target.id;
      m.kind = target.kind;
      m.count = static_cast<int>(it->second.size());
      const TermHit& first = it->second.front().hit;
      m.term = target.terms[first.term_index].text;
      m.field = first.in_title ? "title" : "text";
      const TermHit* first_in_text = nullptr;
      for (const SlotHit& h : it->second) {
        if (!h.hit.in_title && first_in_text == nullptr) first_in_text = &h.hit;
        if (m.hits.size() < impl.options.max_hits_per_target) m.hits.push_back(h.hit);
      }
      m.snippet = first_in_text != nullptr ? Snippet(text, first_in_text->start, first_in_text->end)
                                           : Snippet(title, first.start, first.end);
      result.targets.push_back(std::move(m));
    }
  }
  // Rules below need only the hits.
  if (folded != nullptr) {
    folded->title = std::move(fields[0].folded.text);
    folded->text = std::move(fields[1].folded.text);
  }
  if (!impl.any_rules) return result;
  // Rules, in dependency order.
  for (size_t w = 0; w < impl.watchlists.size(); ++w) {
    const Watchlist& list = impl.watchlists[w];
    std::vector<std::vector<Occurrence>> target_occ(list.targets.size());
    for (const TermMatch& m : result.targets) {
      if (m.watchlist_id != list.id) continue;
      for (size_t t = 0; t < list.targets.size(); ++t) {
        if (list.targets[t].id != m.target_id) continue;
        for (const TermHit& h : m.hits) target_occ[t].push_back({h.in_title, h.token});
      }
    }
    std::vector<std::vector<Occurrence>> phrase_occ(impl.phrases[w].size());
    for (size_t p = 0; p < impl.phrases[w].size(); ++p) {
      auto it = by_slot.find(slot_key(w, p, true));
      if (it == by_slot.end()) continue;
      for (const SlotHit& h : it->second) phrase_occ[p].push_back({h.hit.in_title, h.hit.token});
    }
    std::vector<char> value(list.rules.size(), 0);
    auto targets = [&](std::string_view id) -> const std::vector<Occurrence>* {
      for (size_t t = 0; t < list.targets.size(); ++t) {
        if (list.targets[t].id == id) return &target_occ[t];
      }
      return nullptr;
    };
    auto phrases = [&](std::string_view phrase) -> const std::vector<Occurrence>* {
      for (size_t p = 0; p < impl.phrases[w].size(); ++p) {
        if (impl.phrases[w][p] == phrase) return &phrase_occ[p];
      }
      return nullptr;
    };
    auto rule_value = [&](std::string_view id) {
      for (size_t r = 0; r < list.rules.size(); ++r) {
        if (list.rules[r].id == id) return value[r] != 0;
      }
      return false;
    };
    for (size_t r : impl.rule_order[w]) {
      value[r] = impl.rules[w][r].Evaluate(targets, phrases, rule_value) ? 1 : 0;
    }
    for (size_t r = 0; r < list.rules.size(); ++r) {
      if (value[r]) result.rules.push_back({list.id, list.rules[r].id});
    }
  }
  return result;
}

}  // namespace mw
