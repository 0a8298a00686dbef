// mediawatch/parsers/html_text.h  (private to parsers/)
//
// Small pure helpers for measuring and normalising extracted text, in code
// points rather than bytes so CJK and Arabic-script pages measure fairly.
// UTF-8 is decoded with mw::DecodeUtf8At (text/normalizer.h); invalid
// sequences count as one code point and are never fatal.
//
// Thread safety: all functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mw::html {

// Unicode white space: ASCII space/controls, U+00A0, U+1680, U+2000..U+200A,
// U+2028/9, U+202F, U+205F, U+3000, U+FEFF.
bool IsSpace(char32_t c);

// Sentence and clause punctuation: Latin , ; CJK ，。、；：？！ Arabic ، ؛ ؟ ۔.
bool IsClausePunctuation(char32_t c);

struct TextMeasure {
  // Code points after whitespace collapsing: visible code points plus one
  // per run of white space between them.
  int64_t chars = 0;
  int32_t punctuation = 0;  // IsClausePunctuation code points
  // White space after the last visible code point (it separates this text
  // from the next node's).
  bool trailing_space = false;
};

// O(n).
TextMeasure MeasureText(std::string_view s);

// Collapses runs of white space to one ASCII space and trims both ends.
std::string CollapseWhitespace(std::string_view s);

// Number of code points: bytes that are not UTF-8 continuation bytes (a
// truncated sequence counts as one, a stray continuation byte as none).
size_t CodePointCount(std::string_view s);

// ASCII lower case; other bytes unchanged.
std::string AsciiLower(std::string_view s);

}  // namespace mw::html
