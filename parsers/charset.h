// mediawatch/parsers/charset.h
//
// Decodes fetched HTML bytes to UTF-8 with ICU converters.
// Precedence (a declaration always beats a guess):
//   1. the HTTP Content-Type charset;
//   2. a byte order mark;
//   3. <meta charset> / http-equiv found by a WHATWG-style prescan of the
//      first 1024 bytes (or, failing that, the XML declaration);
//   4. nothing declared, bytes UTF-8: UTF-8 ("default"). "UTF-8" here means
//      valid UTF-8 (pure ASCII included), or mostly valid: at most one
//      invalid sequence per 10 well-formed multi-byte sequences (ICU's own
//      "probably UTF-8" ratio) - a UTF-8 page with a stray byte is still UTF-8,
//      while legacy CJK, Arabic or Cyrillic text has several invalid
//      sequences for every accidental valid one (3:1 to 400:1 measured on
//      the legacy-encodings corpus). A truncated sequence at the very end is
//      not counted (capped downloads end mid-character);
//   5. nothing declared, bytes not UTF-8: ICU's charset detector (see
//      DetectCharset) ("detected");
//   6. no confident guess: UTF-8 with U+FFFD replacements ("default").
// Labels are mapped the WHATWG way (gb2312/gbk/x-gbk -> GB18030, big5 ->
// Big5-HKSCS, iso-8859-1/latin1/us-ascii -> windows-1252, ...). Big5 decodes
// with ICU's Big5-HKSCS converter, corrected to the WHATWG big5 index for the
// HKSCS-2008 codes it lacks (see charset.cc). Invalid byte sequences become
// U+FFFD; the count is reported. parsers/feed_encoding.h decodes feeds with
// these labels and DecodeWithCharset.
//
// Thread safety: every function is reentrant (each call opens its own ICU
// converters and detector; nothing is shared or global).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

struct DecodedText {
  std::string utf8;
  std::string charset;  // canonical name actually used, e.g. "GB18030", "Big5-HKSCS", "UTF-8"
  // Where `charset` came from: "http", "bom", "meta", "detected" (ICU's
  // guess, step 5), "default" (UTF-8, steps 4 and 6) or, for
  // DecodeWithCharset, "explicit".
  std::string charset_source;
  size_t replacements = 0;  // invalid sequences replaced with U+FFFD
  int confidence = 0;       // ICU's 0..100 when charset_source is "detected", else 0
};

// Returns the charset parameter of a Content-Type header value ("" if none).
std::string CharsetFromContentType(std::string_view content_type);

// Maps an encoding label to the ICU converter name we decode with, following
// the WHATWG Encoding Standard's label table. Returns "" for unknown labels.
std::string CanonicalCharset(std::string_view label);

// WHATWG prescan of the first 1024 bytes for <meta charset=...> or
// <meta http-equiv="Content-Type" content="...charset=...">. Returns the raw
// label ("" if none).
std::string PrescanMetaCharset(std::string_view html);

// ICU's charset detector only looks at about 8 KiB of text (its internal
// buffer, after stripping markup); this many raw bytes leave room for that
// much text on markup-heavy pages while bounding the detector's pass and the
// trial decodings below. The window starts kCharsetDetectionContext bytes
// before the first byte >= 0x80 or ESC (or at 0): a page whose first
// non-ASCII text comes after 100 KiB of inline script is still read where
// its text is, with the ASCII words of its paragraph, which the single-byte
// recognisers score by language.
inline constexpr size_t kCharsetDetectionWindow = 64u << 10;
inline constexpr size_t kCharsetDetectionContext = 1024;
// No guess is made from less text than this (bytes of the window outside
// <...>, whitespace not counted): on random bytes ICU reaches confidence 20
// for a third to a half of 4-16 byte inputs (up to 98), for 1 in 500 at 128
// bytes (max 24), for none of 500 from 256 bytes on. An article has far
// more; a lone sentence may not be guessed.
inline constexpr size_t kMinDetectionTextBytes = 128;
// Guesses below this ICU confidence (0..100) are refused. Measured with the
// markup filter on: the corpus GBK and Big5 pages score 92-100 for their
// true encoding, the two undeclared Arabic pages 75-76, the test's synthetic
// pages 44-100 (two sentences of windows-1251 or KOI8-R 44, a Hebrew verse
// 45 as ISO-8859-8-I, ISO-2022-JP 90, Shift_JIS and EUC-KR 100), a Persian
// windows-1256 paragraph 20; ICU's "no idea" answers are 10-16 (its fixed
// 10 for short multi-byte input, three Russian words repeated under 20,
// 256 bytes or more of random bytes at most 13).
inline constexpr int kMinDetectionConfidence = 20;
// At most this many candidates are trial-decoded (see DetectCharset).
inline constexpr size_t kMaxDetectionCandidates = 4;

struct DetectedCharset {
  std::string charset;  // a canonical name (as CanonicalCharset returns)
  int confidence = 0;   // ICU's, 0..100
};

// Guesses the legacy encoding of `bytes`, which the caller has found not to
// be UTF-8 (UTF-8, UTF-16 and UTF-32 are never returned: a BOM or the UTF-8
// check decides those). Runs ICU's detector with its markup filter on (tags
// are ASCII and would only dilute the statistics) over the window described
// above, if it holds kMinDetectionTextBytes of text, and keeps ICU's
// candidates, best first, whose names CanonicalCharset knows (so
// ISO-2022-KR/CN, IBM420/424 are dropped) with confidence >=
// kMinDetectionConfidence. Each ISO-8859-7/8(-I) candidate is followed by its
// Windows counterpart (windows-1253/1255), which has letters the ISO table
// lacks (Hebrew points, for one): ICU names those only when it sees C1
// bytes.
// The choice: the best candidate, unless decoding the window with it yields
// more than one U+FFFD per 200 non-ASCII bytes (at least 1 is tolerated:
// the window may cut a character); then the first other candidate, of at
// least a third of the best one's confidence, that decodes within that
// tolerance; else still the best. A clean decoding alone never picks an
// encoding (Big5 text decodes as GBK without one error): it only arbitrates
// among the detector's own candidates. At most kMaxDetectionCandidates
// trials over the window.
// A window that is all 7-bit (an ESC in it) can only be ISO-2022-JP.
// Returns nullopt when there is no non-ASCII byte or ESC, too little text,
// ICU fails, or no candidate qualifies. Cost: a search for the first
// non-ASCII byte, then O(kCharsetDetectionWindow) work.
std::optional<DetectedCharset> DetectCharset(std::string_view bytes);

// Decodes HTML `bytes` to UTF-8 following the precedence above.
// Errors: kTooLarge when bytes exceed max_bytes; kUnsupported never (unknown
// labels fall through to the next source; a failed detection falls back to
// UTF-8). Cost: O(n) plus DetectCharset's bounded work.
Result<DecodedText> DecodeHtml(std::string_view bytes, std::string_view content_type,
                               size_t max_bytes = 32u << 20);

// Decodes bytes known to be in `charset` (a label) to UTF-8; a leading byte
// order mark of that same encoding is dropped.
// Errors: kUnsupported for a label CanonicalCharset does not know.
Result<DecodedText> DecodeWithCharset(std::string_view bytes, std::string_view charset);

}  // namespace mw
