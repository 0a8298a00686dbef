// Fuzz target: ExtractArticle (parsers/article_extractor.h) on any page.
//
// Input: the page. It is decoded as UTF-8 first (invalid bytes -> U+FFFD),
// as the crawler always decodes before extracting (parsers/charset.h).
// The wall-clock budget is off, so that slow inputs show up as libFuzzer
// timeouts instead of hiding behind kTooLarge.
//
// Invariants when an article comes out:
//   - it has a title or text (else kParseError), and every text field is
//     valid UTF-8;
//   - no script survives: the text never contains "<script". A literal
//     "<script" can only reach text nodes through a character reference
//     (&lt;), a raw-text element (<textarea>, <xmp>, <title>...), <plaintext>,
//     CDATA, or a NUL inside the tag name ("<\0script": '<' not followed by
//     a letter is text, and the HTML tree builder drops NULs from text in
//     <body>), so the check is skipped for inputs with any of those;
//   - the canonical and image URLs are absolute http(s) URLs when present;
//   - language_source is one of "html", "meta", "text" or "".
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parsers/article_extractor.h"
#include "parsers/charset.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using mw::fuzz::ContainsNoCase;
using mw::fuzz::IsHttpUrl;
using mw::fuzz::IsValidUtf8;

// True when `html` has a way to put a literal "<script" into a text node
// without a script element (see the file comment).
bool MayHaveLiteralScriptText(std::string_view html) {
  if (html.find('&') != std::string_view::npos) return true;
  if (html.find('\0') != std::string_view::npos) return true;
  static constexpr std::array<std::string_view, 10> kTextElements = {
      "<textarea", "<xmp",      "<title",  "<plaintext", "<noembed",
      "<noframes", "<noscript", "<iframe", "<style",     "<![cdata["};
  for (std::string_view tag : kTextElements) {
    if (ContainsNoCase(html, tag)) return true;
  }
  return false;
}

void CheckUrl(std::string_view url) {
  MW_FUZZ_CHECK(IsValidUtf8(url));
  if (!url.empty()) MW_FUZZ_CHECK(IsHttpUrl(url));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  mw::Result<mw::DecodedText> html = mw::DecodeWithCharset(bytes, "utf-8");
  MW_FUZZ_CHECK(html.ok());

  mw::ExtractOptions options;
  options.time_budget_ms = 0;
  mw::Result<mw::ExtractedArticle> a =
      mw::ExtractArticle(html->utf8, "http://fuzz.test/2026/01/05/story.html", options);
  if (!a.ok()) return 0;

  MW_FUZZ_CHECK(!a->title.empty() || !a->text.empty());
  MW_FUZZ_CHECK(IsValidUtf8(a->title));
  MW_FUZZ_CHECK(IsValidUtf8(a->text));
  MW_FUZZ_CHECK(IsValidUtf8(a->language));
  MW_FUZZ_CHECK(IsValidUtf8(a->byline));
  for (const std::string& author : a->authors) MW_FUZZ_CHECK(IsValidUtf8(author));
  MW_FUZZ_CHECK(IsValidUtf8(a->site_name));
  MW_FUZZ_CHECK(IsValidUtf8(a->description));
  CheckUrl(a->canonical_url);
  CheckUrl(a->image_url);
  const std::string& source = a->language_source;
  MW_FUZZ_CHECK(source.empty() || source == "html" || source == "meta" || source == "text");
  if (!MayHaveLiteralScriptText(html->utf8)) MW_FUZZ_CHECK(!ContainsNoCase(a->text, "<script"));
  return 0;
}
