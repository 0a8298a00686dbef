// mediawatch/text/normalizer.h
//
// Folds text for matching, keeping a map from every folded byte back to the
// original bytes (for highlighting and snippets). Steps, in order:
//
//  1. ICU NFKC with case folding (NFKC_Casefold): GUAN = guan, full-width
//     ＡＢＣ = abc, Arabic presentation forms and ligatures -> letters;
//     default-ignorables (bidi controls, zero-width characters, BOM, soft
//     hyphen) disappear. ALEF MAKSURA + HAMZA ABOVE, which NFC leaves
//     apart, becomes YEH WITH HAMZA ABOVE (ئ) as YEH + HAMZA does.
//  2. Tatweel (U+0640) removed (marks after it are normalized with the
//     letter before it, as if it had never been there); runs of white
//     space -> one ASCII space, trimmed at both ends; name separators
//     (· ・ • ‧ ∙ ⋅) -> U+00B7 '·';
//     punctuation unified: Arabic ، ؛ ؟ ۔ -> , ; ? .  guillemets « » and
//     curly quotes -> ASCII quotes, dashes U+2010..U+2015 -> '-'.
//  3. Uyghur look-alikes (uyghur-normalization-vectors.tsv): Farsi yeh ی
//     -> ي before a vowel letter, else ى; keheh ک -> ك; plain heh ه -> ە at
//     the end of a word, else ھ. With uyghur_font_hack, SAD ص -> ى (a
//     legacy-font substitution; off by default, it is only right on pages
//     known to use it).
//  4. Traditional -> Simplified Chinese with OpenCC (phrase level, t2s) on
//     runs of Han characters that contain a character t2s changes, repeated
//     while it changes something (薴 -> 苧 -> 苎; at most 4 passes).
//  5. Optionally (FoldOptions::strip_latin_diacritics), Latin letters lose
//     their diacritics: müller -> muller.
//
// Watch-list terms and article text go through the same fold, so a term
// written in any of these forms matches text written in any other.
//
//   Result<std::unique_ptr<TextNormalizer>> n = TextNormalizer::Create({});
//   FoldedText f = (*n)->FoldWithOffsets("關恆 GUAN HENG");  // f.text == "关恒 guan heng"
//   auto [begin, end] = f.OriginalSpan(7, 16);  // bytes of "GUAN HENG" in the input
//
// Thread safety: Fold() and FoldWithOffsets() may be called concurrently
// (OpenCC calls are serialised internally).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace mw {

struct NormalizerOptions {
  // OpenCC configuration used for Traditional -> Simplified.
  // Default: "t2s.json" (found in OpenCC's data directory).
  std::string opencc_config = "t2s.json";
  // Convert Traditional to Simplified Chinese. Default: true.
  bool fold_chinese = true;
  // Read ARABIC LETTER SAD (ص) as ALEF MAKSURA (ى), undoing a legacy Uyghur
  // font hack. Wrong for ordinary Uyghur and Arabic text. Default: false.
  bool uyghur_font_hack = false;
};

struct FoldOptions {
  // Also remove diacritics from Latin letters (é -> e, ü -> u). Default: false.
  bool strip_latin_diacritics = false;
};

// Folded text and, for each of its bytes, the original bytes it came from.
struct FoldedText {
  std::string text;
  // starts[i], ends[i]: the original byte range that produced text[i]. A
  // range may cover several original code points (a decomposed sequence, a
  // run of white space, a Chinese phrase OpenCC changed in length).
  std::vector<uint32_t> starts;
  std::vector<uint32_t> ends;

  // The original byte range of folded bytes [begin, end) (begin < end <=
  // text.size()); {0, 0} for an empty or invalid range.
  std::pair<size_t, size_t> OriginalSpan(size_t begin, size_t end) const {
    if (begin >= end || end > text.size()) return {0, 0};
    return {starts[begin], ends[end - 1]};
  }
};

class TextNormalizer {
 public:
  // Errors: kInternal when ICU or OpenCC cannot be initialised.
  static Result<std::unique_ptr<TextNormalizer>> Create(const NormalizerOptions& options);
  ~TextNormalizer();
  TextNormalizer(const TextNormalizer&) = delete;
  TextNormalizer& operator=(const TextNormalizer&) = delete;

  // The folded form of UTF-8 `text`. Invalid UTF-8 sequences become
  // U+FFFD. Folding is idempotent: Fold(Fold(x)) == Fold(x). O(n).
  std::string Fold(std::string_view text, const FoldOptions& options = {}) const;

  // Fold() plus the offset map (8 bytes per folded byte). Offsets are
  // 32-bit: inputs over 4 GiB are cut. O(n).
  FoldedText FoldWithOffsets(std::string_view text, const FoldOptions& options = {}) const;

 private:
  struct Impl;
  explicit TextNormalizer(std::unique_ptr<Impl> impl);
  void FoldInto(std::string_view text, const FoldOptions& options, FoldedText* out,
                bool offsets) const;
  std::unique_ptr<Impl> impl_;
};

// True when the code point is a letter, digit or combining mark (ICU
// properties): used to decide word boundaries around spaced-script terms.
bool IsWordCodePoint(char32_t c);

// True for code points of scripts written without spaces between words (Han,
// Hiragana, Katakana, Thai...): matches inside them need no word boundary.
bool IsScriptWithoutSpaces(char32_t c);

// Decodes one UTF-8 code point at `text[*pos]`, advancing *pos; returns
// U+FFFD for an invalid sequence (advancing by one byte).
char32_t DecodeUtf8At(std::string_view text, size_t* pos);

}  // namespace mw
