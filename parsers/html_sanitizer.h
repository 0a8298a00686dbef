// mediawatch/parsers/html_sanitizer.h  (private to parsers/)
//
// An allow-list HTML sanitizer for the HTML that feeds carry (summaries,
// content) and that we keep and later show. The input is parsed with Gumbo
// through parsers/html_tree.h, exactly as a browser would parse it, and the
// tree is re-serialized keeping only:
//   - text (re-escaped, so no markup can come back out of it; text that
//     itself spells out active markup, such as a "&lt;script&gt;" written
//     as text, loses that markup: feed_text.h StripActiveMarkup);
//   - safe formatting elements (p, br, a, em, strong, b, i, u, s, ul, ol, li,
//     dl/dt/dd, blockquote, q, pre, code, h1-h6, img, figure, figcaption,
//     table elements, span, div, sub, sup, ...) with a few harmless
//     attributes (title, lang, dir, alt, width/height, colspan/rowspan, ...);
//   - URLs in href, src and cite whose scheme is http or https (and mailto
//     for href), or relative URLs, which are resolved against the base URL.
// Elements whose content is code or an embedding (script, style, iframe,
// object, embed, applet, form and its controls, noscript, template, ...)
// are dropped with their content; every other element (html, body, font,
// unknown tags, and everything inside svg and math, whose elements are not
// HTML) is unwrapped: its tags go, its text stays. Every
// on* attribute, style, srcset and anything not on the list is dropped.
//
// URL schemes are judged after the parser decoded character references and
// after tabs, newlines and leading control characters or spaces are removed
// (as the WHATWG URL parser does), so "&#106;avascript:", "java\tscript:",
// " \x01javascript:" and "JaVaScRiPt:" are all recognised and removed; a
// URL with control characters or U+FFFD left inside is dropped too.
//
//   SanitizedHtml s = SanitizeHtml(html, {.base_url = "https://example.org/news/"});
//   entry.summary = std::move(s.html);
//
// Limits: markup nested deeper than SanitizerOptions::max_markup_depth (see
// html::ApproximateTagDepth) is not given to Gumbo, which is quadratic in
// depth; the input is then reduced to escaped plain text instead. Cost:
// O(n) in the input given that cap.
// Thread safety: pure functions, reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mw::html {

struct SanitizerOptions {
  // Relative href/src/cite values are resolved against this absolute http(s)
  // URL. Default: "" = relative URLs are dropped (we cannot resolve them).
  std::string_view base_url;
  // Tag nesting (approximate, before parsing) beyond which the input is
  // reduced to escaped text. Default: 512.
  int max_markup_depth = 512;
};

struct SanitizedHtml {
  std::string html;
  // True when the markup nested too deeply to parse and `html` is the
  // input's text, HTML-escaped (tags and script/style contents removed).
  bool reduced_to_text = false;
  // Elements and attributes removed (unwrapped elements are not counted).
  size_t removed_elements = 0;
  size_t removed_attributes = 0;
};

// Sanitizes a UTF-8 HTML fragment as described above. Never fails: hostile
// input yields less output, not an error.
SanitizedHtml SanitizeHtml(std::string_view html, const SanitizerOptions& options = {});

// Escapes text for an HTML text node or a double-quoted attribute value:
// & < > " become &amp; &lt; &gt; &quot;.
std::string EscapeHtml(std::string_view text);

// The URL to keep for an href (allow_mailto) or src/cite value, or "" when
// it must be dropped: see the scheme rules above. `value` has its character
// references already decoded.
std::string SafeUrl(std::string_view value, std::string_view base_url, bool allow_mailto);

}  // namespace mw::html
