// mediawatch/parsers/feed_encoding.h
//
// Private to parsers/: turns the raw bytes of a feed into UTF-8 before
// libxml2 sees them. Precedence (RFC 7303 section 3, XML 1.0 Appendix F):
//   1. a byte order mark (UTF-8, UTF-16LE/BE);
//   2. the charset parameter of the HTTP Content-Type;
//   3. XML Appendix F: UTF-16 without BOM, then the encoding declaration;
//   4. UTF-8.
// Labels and decoding are parsers/charset.h's: WHATWG labels (gb2312/gbk ->
// GB18030, big5 -> Big5-HKSCS, iso-8859-1/us-ascii -> windows-1252, ...)
// decoded with ICU. Unknown labels are recorded as problems and skipped.
// Invalid byte sequences become U+FFFD and are counted. UTF-32, recognised in
// steps 1 and 3 by its BOM or by "<" in UTF-32, is refused: WHATWG has no
// UTF-32 decoder.
//
// Why decode here rather than hand libxml2 the label: libxml2 2.9 stops at the
// first byte its converter rejects (the rest of the feed is lost, and real
// Big5 feeds have such bytes), reads a declared "gb2312" as strict EUC-CN, and
// reports conversion failures on the global error channel instead of the
// parser context. The parser is then given UTF-8 and told to ignore the
// declaration.
#pragma once

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
  std::string source;   // "bom", "http", "xml-declaration", "utf16-sniff" or "default"
  std::vector<std::string> problems;
};

// Decodes `body` following the precedence above. O(n).
// Errors: kParseError for UTF-32 input, which we cannot decode.
Result<DecodedBody> DecodeFeedBody(std::string_view body, std::string_view content_type);

}  // namespace mw::feed_internal
