// mediawatch/parsers/feed_encoding.h
//
// Private to parsers/: turns the raw bytes of a feed into UTF-8 before
// libxml2 sees them. Precedence (RFC 7303 section 3, WHATWG for labels):
//   1. a byte order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE);
//   2. the charset parameter of the HTTP Content-Type;
//   3. XML Appendix F: UTF-16 without BOM, then the encoding declaration;
//   4. UTF-8.
// Labels are mapped the WHATWG way (gb2312/gbk -> GB18030, big5 -> Big5-HKSCS
// with CP950 for the codes glibc's HKSCS table lacks, iso-8859-1/us-ascii ->
// windows-1252, ...). Invalid byte sequences become U+FFFD and are counted.
//
// Why decode here rather than hand libxml2 the label: libxml2 2.9 stops at the
// first byte its iconv converter rejects (the rest of the feed is lost, and
// real Big5 feeds have such bytes), reads a declared "gb2312" as strict
// EUC-CN, and reports conversion failures on the global error channel instead
// of the parser context. The parser is then given UTF-8 and told to ignore the
// declaration.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::feed_internal {

// How to decode one charset with iconv: `primary`, and for bytes it rejects,
// `fallback` (may be empty) before giving up with U+FFFD.
struct CharsetPlan {
  std::string primary;
  std::string fallback;
};

// The charset parameter of a Content-Type value, lower-cased and unquoted
// ("" when absent).
std::string CharsetParameter(std::string_view content_type);

// Maps an encoding label to iconv names; nullopt for labels iconv cannot
// decode (or that we refuse, such as UTF-7).
std::optional<CharsetPlan> PlanForLabel(std::string_view label);

// The encoding pseudo-attribute of a leading XML declaration ("" if none).
std::string XmlDeclarationEncoding(std::string_view body);

struct DecodedBody {
  std::string utf8;     // without BOM
  std::string charset;  // the iconv name used, e.g. "GB18030" ("UTF-8" when none)
  std::string source;   // "bom", "http", "xml-declaration", "utf16-sniff" or "default"
  std::vector<std::string> problems;
};

DecodedBody DecodeFeedBody(std::string_view body, std::string_view content_type);

}  // namespace mw::feed_internal
