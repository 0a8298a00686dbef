// mediawatch/parsers/source_parsers.h
//
// Sources that are not feeds but still produce feed entries, for outlets
// without RSS (several Uyghur outlets have none), and OPML feed lists.
//
//   Result<Feed> s = ParseSitemap(body, content_type, "https://x.org/sitemap.xml", opts);
//   Result<Feed> h = ParseLinkPage(html, "text/html", "https://x.org/ug/",
//                                  R"(^https://x\.org/ug/news-\d+\.html$)", opts);
//
// Thread safety: reentrant. Limits: FeedParseOptions (size, entries, fields).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "parsers/feed_parser.h"

namespace mw {

// sitemaps.org 0.9 <urlset> (entry per <url>: link = <loc>, updated =
// <lastmod>; Google News sitemaps' <news:news> give title, published
// (<news:publication_date>), language and source name) and <sitemapindex>
// (format kSitemapIndex, Feed::child_sources = the <loc>s). Decoding as in
// ParseFeed. Only http(s) locations are kept.
// Errors: kTooLarge, kParseError (not a sitemap).
Result<Feed> ParseSitemap(std::string_view body, std::string_view content_type,
                          std::string_view url, const FeedParseOptions& options = {});

// An HTML section page: every <a href> whose absolute URL matches `pattern`
// (an ICU regular expression, searched anywhere in the URL; anchor it with ^
// and $ for a full match) becomes an entry with link = the URL (fragment
// dropped, duplicates removed, document order) and title = the link text
// (or its title attribute). Matching has a time limit per URL, so a bad
// pattern cannot hang the crawler. Format kHtmlLinks.
// Errors: kInvalidArgument (bad pattern), kTooLarge, kParseError.
Result<Feed> ParseLinkPage(std::string_view body, std::string_view content_type,
                           std::string_view url, std::string_view pattern,
                           const FeedParseOptions& options = {});

// Checks a pattern for ParseLinkPage without using it ("" when valid, else
// the problem), so configuration can be validated before any fetch.
std::string CheckLinkPattern(std::string_view pattern);

// One feed in an OPML file (OPML 1.0/2.0 <outline type="rss" xmlUrl=...>,
// nested outlines flattened; `category` is the path of enclosing outline
// titles joined with "/").
struct OpmlOutline {
  std::string title;     // text or title attribute
  std::string xml_url;   // the feed URL (absolute http/https)
  std::string html_url;  // the site ("" if none)
  std::string language;  // "language" attribute ("" if none)
  std::string category;
};

// Errors: kParseError (not OPML), kTooLarge (> options.max_bytes).
Result<std::vector<OpmlOutline>> ParseOpml(std::string_view body,
                                           const FeedParseOptions& options = {});

// OPML 2.0 document listing `outlines` (UTF-8, escaped properly).
std::string WriteOpml(const std::vector<OpmlOutline>& outlines, std::string_view title);

}  // namespace mw
