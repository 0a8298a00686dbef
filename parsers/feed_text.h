// mediawatch/parsers/feed_text.h
//
// Private to parsers/: small pure string helpers used by the feed parser
// (whitespace, HTML-to-text, base64, UTF-8 repair and truncation). Every
// function is linear in its input and allocation-bounded by it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mw::feed_internal {

// Replaces each run of XML whitespace (space, tab, CR, LF) by one space and
// trims both ends.
std::string CollapseWhitespace(std::string_view s);

// Trims XML whitespace from both ends.
std::string_view TrimXmlSpace(std::string_view s);

// True when `s` holds something an HTML renderer would treat as markup: a
// tag such as "<b>" or "</p>", or a character reference such as "&amp;".
bool LooksLikeHtml(std::string_view s);

// Renders an HTML fragment as plain text: tags and comments removed (the
// contents of <script> and <style> too), character references decoded, block
// tags turned into spaces, whitespace collapsed.
std::string HtmlToText(std::string_view html);

// The code point of an HTML 4 named character reference without '&' and ';'
// ("eacute" -> 0xE9), or 0 when the name is unknown.
uint32_t HtmlEntityCodePoint(std::string_view name);

// Appends the UTF-8 encoding of `cp`; invalid code points become U+FFFD.
void AppendUtf8(uint32_t cp, std::string* out);

// Copies `in` to `out`, replacing every ill-formed UTF-8 sequence (overlongs,
// surrogates, > U+10FFFF, truncated sequences) by U+FFFD. Returns how many
// replacements were made.
size_t RepairUtf8(std::string_view in, std::string* out);

// Shortens `s` to at most `max_bytes` without splitting a UTF-8 sequence.
// Returns true when something was cut.
bool TruncateUtf8(std::string* s, size_t max_bytes);

// Decodes RFC 4648 base64, ignoring whitespace. nullopt on any other
// character or bad padding.
std::optional<std::string> DecodeBase64(std::string_view s);

}  // namespace mw::feed_internal
