// mediawatch/text/normalizer.h
//
// Folds text for matching: ICU NFKC with case folding (which also maps
// full-width forms to ASCII), removal of bidi controls, zero-width characters
// and tatweel, unification of name separators (· ・ • ‧ -> space) and
// Traditional -> Simplified Chinese with OpenCC (phrase-level, t2s).
// Watch-list terms and article text go through the same fold, so a term
// written in any of these forms matches text written in any other.
//
//   Result<std::unique_ptr<TextNormalizer>> n = TextNormalizer::Create({});
//   std::string folded = (*n)->Fold("關恆 GUAN HENG");  // "关恒 guan heng"
//
// Thread safety: Fold() may be called concurrently (OpenCC calls are
// serialised internally).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

struct NormalizerOptions {
  // OpenCC configuration used for Traditional -> Simplified.
  // Default: "t2s.json" (found in OpenCC's data directory).
  std::string opencc_config = "t2s.json";
  // Convert Traditional to Simplified Chinese. Default: true.
  bool fold_chinese = true;
};

class TextNormalizer {
 public:
  // Errors: kInternal when ICU or OpenCC cannot be initialised.
  static Result<std::unique_ptr<TextNormalizer>> Create(const NormalizerOptions& options);
  ~TextNormalizer();
  TextNormalizer(const TextNormalizer&) = delete;
  TextNormalizer& operator=(const TextNormalizer&) = delete;

  // Returns the folded form of UTF-8 `text`. Invalid UTF-8 sequences become
  // U+FFFD. Runs of whitespace collapse to one ASCII space.
  std::string Fold(std::string_view text) const;

 private:
  struct Impl;
  explicit TextNormalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True when the code point is a letter or digit (ICU properties): used to
// decide word boundaries around Latin/Arabic-script terms.
bool IsWordCodePoint(char32_t c);

// True for code points of scripts written without spaces between words (Han,
// Hiragana, Katakana, Thai...): matches inside them need no word boundary.
bool IsScriptWithoutSpaces(char32_t c);

// Decodes one UTF-8 code point at `text[*pos]`, advancing *pos; returns
// U+FFFD for an invalid sequence (advancing by one byte).
char32_t DecodeUtf8At(std::string_view text, size_t* pos);

}  // namespace mw
