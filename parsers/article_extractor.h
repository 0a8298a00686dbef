// mediawatch/parsers/article_extractor.h
//
// Extracts the article from a news page with Gumbo: title and main text as
// paragraphs (one '\n' between blocks, so words of adjacent blocks never glue
// together), without navigation, headers, footers, scripts, styles, forms,
// share bars, comments or the headline itself, plus basic metadata.
// Input is UTF-8 (see charset.h). Untrusted: size and depth are capped.
//
//   Result<DecodedText> html = DecodeHtml(bytes, content_type);
//   Result<ExtractedArticle> a = ExtractArticle(html->utf8, url);
//
// Thread safety: reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw {

struct ExtractedArticle {
  std::string title;  // og:title, else <h1> if <title> repeats it, else <title> - site
  std::string text;   // main text, blocks separated by '\n'
  // BCP 47 tag as the page states it (<html lang>, else og:locale /
  // content-language meta, '_' -> '-'), else guessed from the script and
  // statistics of the text ("" when unknown).
  std::string language;
  std::string language_source;       // "html", "meta", "text" or "" (unknown)
  std::string byline;                // authors joined with ", " ("" if none)
  std::vector<std::string> authors;  // JSON-LD / meta author / rel=author / .byline
  std::string canonical_url;         // <link rel=canonical> / og:url resolved against the page URL
  std::string site_name;             // og:site_name / JSON-LD publisher ("" if none)
  std::string description;           // og:description / meta description ("" if none)
  std::string image_url;  // og:image / twitter:image / JSON-LD image, resolved ("" if none)
  std::optional<int64_t> published;  // Unix seconds: JSON-LD, meta, <time>, date in the URL
  std::optional<int64_t> modified;   // Unix seconds: JSON-LD dateModified, article:modified_time
};

struct ExtractOptions {
  // Larger inputs are rejected with kTooLarge. Default: 8 MiB.
  size_t max_bytes = 8u << 20;
  // Elements nested deeper than this are ignored (Gumbo itself is quadratic
  // on very deep nesting, so the input is also pre-checked). Default: 512.
  int max_depth = 512;
  // Input whose approximate tag nesting (start tags minus end tags, ignoring
  // void and optional-end elements) exceeds this is rejected with kTooLarge
  // before parsing: Gumbo 0.10.1 needs ~36 s for 40,000 nested <div>s and
  // frees its tree recursively. Default: 1000.
  int max_markup_depth = 1000;
  // Wall-clock budget for one page, checked between stages (parse,
  // metadata, each extraction pass); over it the page fails with kTooLarge.
  // Parsing itself cannot be interrupted: max_bytes and max_markup_depth
  // are what bound it. 0 disables the check. Default: 5,000 ms.
  int64_t time_budget_ms = 5000;
};

// Metadata sources and their precedence are listed in html_metadata.h.
// Errors: kTooLarge (size, nesting depth, time budget); kParseError when
// nothing usable could be found (no text and no title).
Result<ExtractedArticle> ExtractArticle(std::string_view utf8_html, std::string_view page_url,
                                        const ExtractOptions& options = {});

}  // namespace mw
