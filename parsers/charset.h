// mediawatch/parsers/charset.h
//
// Decodes fetched HTML bytes to UTF-8 with ICU converters.
// Precedence: HTTP Content-Type charset > BOM > <meta charset> / http-equiv
// found by a WHATWG-style prescan of the first 1024 bytes > UTF-8.
// Labels are mapped the WHATWG way (gb2312/gbk/x-gbk -> GB18030, big5 ->
// Big5-HKSCS, iso-8859-1/latin1/us-ascii -> windows-1252, ...). Big5 decodes
// with ICU's Big5-HKSCS converter, corrected to the WHATWG big5 index for the
// HKSCS-2008 codes it lacks (see charset.cc). Invalid byte sequences become
// U+FFFD; the count is reported. parsers/feed_encoding.h decodes feeds with
// these labels and DecodeWithCharset.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

struct DecodedText {
  std::string utf8;
  std::string charset;  // canonical name actually used, e.g. "GB18030", "Big5-HKSCS", "UTF-8"
  std::string charset_source;  // "http", "bom", "meta", "default"
  size_t replacements = 0;     // invalid sequences replaced with U+FFFD
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

// Decodes HTML `bytes` to UTF-8 following the precedence above.
// Errors: kTooLarge when bytes exceed max_bytes; kUnsupported never (unknown
// labels fall through to the next source).
Result<DecodedText> DecodeHtml(std::string_view bytes, std::string_view content_type,
                               size_t max_bytes = 32u << 20);

// Decodes bytes known to be in `charset` (a label) to UTF-8; a leading byte
// order mark of that same encoding is dropped.
// Errors: kUnsupported for a label CanonicalCharset does not know.
Result<DecodedText> DecodeWithCharset(std::string_view bytes, std::string_view charset);

}  // namespace mw
