// mediawatch/parsers/feed_encoding.h
//
// Private to parsers/: turns the raw bytes of a feed into UTF-8 before
// libxml2 sees them. Precedence (RFC 7303 section 3, XML 1.0 Appendix F):
//   1. a byte order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE);
//   2. the charset parameter of the HTTP Content-Type (a text/* type without
//      one is NOT read as US-ASCII: RFC 7303 dropped RFC 3023's rule);
//   3. XML Appendix F: UTF-32 or UTF-16 without BOM ("<" or "<?" encoded in
//      them), then the encoding declaration;
//   4. when nothing above names an encoding: UTF-8 if the bytes are valid
//      UTF-8, else a guess (ICU's charset detector, plus a check for Thai
//      TIS-620, which ICU cannot detect), recorded as the problem
//      "encoding guessed: X (confidence N) by ICU" (or "by Thai ...");
//   5. UTF-8 (invalid sequences become U+FFFD).
// We never decide an encoding because the bytes "decoded without errors":
// Big5 decodes as GBK without a single error, and so do many other pairs.
// Labels and decoding are parsers/charset.h's: WHATWG labels (gb2312/gbk ->
// GB18030, big5 -> Big5-HKSCS, iso-8859-1/us-ascii -> windows-1252, ...)
// decoded with ICU. Unknown labels are recorded as problems and skipped.
// Invalid byte sequences become U+FFFD and are counted. UTF-32 (not a WHATWG
// encoding, but XML allows it) is decoded here.
//
// Why decode here rather than hand libxml2 the label: libxml2 2.9 stops at the
// first byte its converter rejects (the rest of the feed is lost, and real
// Big5 feeds have such bytes), reads a declared "gb2312" as strict EUC-CN, and
// reports conversion failures on the global error channel instead of the
// parser context. The parser is then given UTF-8 and told to ignore the
// declaration.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw::feed_internal {

// The encoding pseudo-attribute of a leading XML declaration, trimmed and
// lower-cased ("" if none).
std::string XmlDeclarationEncoding(std::string_view body);

struct DecodedBody {
  std::string utf8;     // without BOM
  std::string charset;  // the converter used (CanonicalCharset), e.g. "GB18030", "UTF-8"
  // "bom", "http", "xml-declaration", "utf16-sniff", "utf32-sniff",
  // "detected" or "default".
  std::string source;
  std::vector<std::string> problems;
};

// Decodes `body` following the precedence above. O(n); detection reads at
// most the first kDetectionWindow bytes.
// Errors: kInternal only if ICU cannot open a converter it should have.
inline constexpr size_t kDetectionWindow = 64u << 10;
Result<DecodedBody> DecodeFeedBody(std::string_view body, std::string_view content_type);

// The guess of step 4 for bytes that are not valid UTF-8: an encoding label
// CanonicalCharset knows and a confidence in 0..100, or nullopt when nothing
// usable was detected.
struct CharsetGuess {
  std::string label;
  int confidence = 0;
  // "ICU", or "Thai letter patterns (ICU's best guess: X, confidence N)".
  std::string how;
};
std::optional<CharsetGuess> GuessCharset(std::string_view bytes);

}  // namespace mw::feed_internal
