// mediawatch/parsers/feed_text.h
//
// Private to parsers/: small pure helpers shared by the feed parsers (XML and
// JSON) and the HTML sanitizer: whitespace, HTML-to-text, markup that must
// not survive in text, base64, UTF-8 repair and truncation, mis-decoded
// text, feed dates in every form feedparser reads, and the capped problem
// log. Every function is linear in its input and allocation-bounded by it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::feed_internal {

// Recoverable problems of one parse ("bozo" messages): the first
// kMaxMessages, then one "... and N more problems" line, so a feed with
// millions of errors cannot grow the result without bound.
class ProblemLog {
 public:
  static constexpr size_t kMaxMessages = 100;
  void Add(std::string message);
  // The messages (plus the count line), leaving the log empty.
  std::vector<std::string> Take();

 private:
  std::vector<std::string> messages_;
  size_t dropped_ = 0;
};

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

// Repairs two kinds of mis-decoded text in place (valid UTF-8 in, valid
// UTF-8 out), returning true when something changed:
//   - UTF-8 read as ISO-8859-1 somewhere upstream ("â€¦" for "…", often
//     written as &#226;&#128;&#166;): when every code point is below U+0100,
//     at least one is not ASCII, and their values as bytes are valid UTF-8,
//     the text is re-read as UTF-8. Real Latin-1 text practically never
//     passes this test: it would need "Ã", "Â", ... followed by C1
//     controls or symbols in every non-ASCII position;
//   - C1 controls U+0080..U+009F, which no feed means: they are windows-1252
//     bytes read as ISO-8859-1, or &#128;..&#159; references, which HTML
//     itself reads as windows-1252 (WHATWG numeric character reference
//     rules); they become the windows-1252 characters (U+0092 -> U+2019).
// O(n).
bool RepairMisdecodedText(std::string* text);

// Shortens `s` to at most `max_bytes` without splitting a UTF-8 sequence.
// Returns true when something was cut.
bool TruncateUtf8(std::string* s, size_t max_bytes);

// `s` shortened to about `max_bytes` (at a UTF-8 boundary) with "..." added
// when cut: for quoting untrusted text in messages.
std::string Shorten(std::string_view s, size_t max_bytes = 80);

// Decodes RFC 4648 base64, ignoring whitespace. nullopt on any other
// character or bad padding.
std::optional<std::string> DecodeBase64(std::string_view s);

// Text with any markup that would act if the text were ever rendered as
// HTML (see HasActiveMarkup), also when hidden behind one or two levels of
// character references, removed with HtmlToText (at most kMaxMarkupPasses
// times; what still remains then loses every '<' and '&'). Text without such
// markup is returned unchanged, angle brackets included ("History of the
// <blink> tag"). Used on text that is shown: titles, names, text nodes and
// attribute values in sanitized HTML, text-typed summaries. O(n) per pass.
inline constexpr int kMaxMarkupPasses = 3;
std::string StripActiveMarkup(std::string_view text);

// Plain text for a field shown as text (titles, names, category terms):
// StripActiveMarkup, whitespace collapsed.
std::string MarkupFreeText(std::string_view text);

// True when `text` contains a tag of an element that runs or embeds
// something (script, style, iframe, object, embed, svg, math, img, form,
// link, meta, ...) or any tag with attributes ("<a href=...>",
// "<b onclick=...>"). Attribute-less tags of other names ("<b>", "<News>")
// are not active. O(n).
bool HasActiveMarkup(std::string_view text);

// `s` with its HTML character references decoded and nothing else changed.
std::string DecodeCharacterReferences(std::string_view s);

// True when `s` is well-formed UTF-8 (see RepairUtf8). O(n).
bool IsValidUtf8(std::string_view s);

// A feed date in any form feedparser reads, as Unix seconds (UTC):
// ParseAnyDate's RFC 822 and ISO 8601 / W3C-DTF, then these forms, each
// matched as a whole:
//   - Greek day and month abbreviations in RFC 822 ("Κυρ, 11 Ιούλ 2004 ...");
//   - Hungarian month names in ISO 8601 ("2004-július-13T9:15-05:00");
//   - Korean forms without a zone, read as KST (UTC+9): "2004년 05월 28일
//     01:31:15" and "2004-05-25 오후 11:23:17" (오전 = a.m., 오후 = p.m.);
//   - Perforce's "Fri, 2006/09/15 08:19:53 EDT";
//   - ISO 8601:1988 truncated forms with a two-digit year (-YYMM, -YY-MM,
//     YYMMDD, YY-MM-DD; 00-49 = 20xx, 50-99 = 19xx) and a three-digit month
//     with a leading zero ("2003-012-31"). Ordinal dates with a two-digit
//     year ("03335") are not read: a bare five-digit number is too often
//     something else.
// nullopt for anything else. Inputs over 256 bytes are rejected. O(n).
std::optional<int64_t> ParseFeedDate(std::string_view text);

}  // namespace mw::feed_internal
