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
//
// Details:
//  - Feed::version is "sitemap" or "sitemapindex"; Feed::encoding the
//    charset decoded from. The first <news:publication><news:name> becomes
//    Feed::title (a sitemap has no title of its own); <news:keywords> become
//    the entry's categories. id = link; published falls back to updated, as
//    in ParseFeed. Dates before 1990 or > 48 h after options.now are
//    replaced by now (FeedEntry::date_replaced).
//  - Namespace-tolerant: elements in no namespace, in the root's namespace
//    or Google's older sitemap namespaces are read; so is an undeclared
//    "news:" prefix.
//  - A <loc> that is not http(s) or longer than max_field_bytes is skipped
//    with a problem; a relative <loc> (against the protocol) is resolved
//    against `url`. Repeated <loc>s are kept once. At most max_entries
//    entries (or child sitemaps); the rest are counted in a problem.
//  - A body starting with the gzip magic bytes (a .xml.gz file served
//    without Content-Encoding) is refused with kUnsupported
//    ("gzip-compressed sitemap files are not supported ..."): decompression
//    belongs to the HTTP layer, which caps the decoded size.
// Cost: O(n) time and memory in the body size.
// Errors: kTooLarge (size, depth), kParseError (not a sitemap), kUnsupported
// (gzip).
Result<Feed> ParseSitemap(std::string_view body, std::string_view content_type,
                          std::string_view url, const FeedParseOptions& options = {});

// An HTML section page: every <a href> whose absolute URL matches `pattern`
// (an ICU regular expression, searched anywhere in the URL; anchor it with ^
// and $ for a full match) becomes an entry with link = the URL (fragment
// dropped, duplicates removed, document order) and title = the link text
// (or its title attribute). Matching has a time limit per URL, so a bad
// pattern cannot hang the crawler. Format kHtmlLinks.
//
// Details:
//  - Decoding: DecodeHtml (HTTP charset > BOM > <meta> > UTF-8 > ICU
//    detection, see charset.h), capped at
//    options.max_bytes; parsing: html_tree.h with its default depth limits
//    (pages nesting deeper than ~1000 are refused with kTooLarge).
//  - Links resolve against the first <base href> (itself resolved against
//    `url`), else `url`. The pattern sees the resolved URL without its
//    fragment, as libcurl writes it: non-ASCII is percent-encoded
//    (lower-case hex), so write non-ASCII path parts percent-encoded
//    ("%d8%ae"; (?i) ignores the hex case). Links to "#..." and with other schemes (javascript:,
//    mailto:, data:) are ignored silently; unparsable ones are counted in a problem.
//  - Duplicates: same CanonicalizeUrl form (tracking parameters and
//    fragment dropped, percent-escape case ignored). The first occurrence
//    keeps its place; its title is replaced when a later link has a better
//    one (link text > title attribute > <img alt>).
//  - Pattern limits: a URL on which the pattern needs more than ~1M match
//    steps is taken as NOT matching, with a problem ("exceeded its match
//    limit"); after ~20M steps for the whole page the remaining links are
//    not matched (problem "exceeded its budget"). At most 20,000 links are
//    examined per page. Steps, not time: results do not depend on the
//    machine. So ^https://[^/]+/(a+)+$ on a long URL returns promptly as no
//    match; it is not an error.
// Errors: kInvalidArgument (bad pattern: the message is CheckLinkPattern's),
// kTooLarge, kParseError.
Result<Feed> ParseLinkPage(std::string_view body, std::string_view content_type,
                           std::string_view url, std::string_view pattern,
                           const FeedParseOptions& options = {});

// Checks a pattern for ParseLinkPage without using it ("" when valid, else
// the problem), so configuration can be validated before any fetch. An
// empty pattern or one longer than 4096 bytes is invalid (use "." to keep
// every link).
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

// An outline is a feed when it has an xmlUrl attribute (any type; the name
// is matched case-insensitively, as OPML writers vary), or type "rss"/"atom"
// with a url attribute. Feeds whose URL is not an absolute http(s) URL are
// skipped (a relative URL has nothing to resolve against); so is an invalid
// htmlUrl (left ""). Untitled enclosing outlines add nothing to `category`.
// At most options.max_entries outlines; deeper than options.max_depth is
// kTooLarge. Decoding as in ParseFeed; libxml2 in its safe configuration.
// Errors: kParseError (not OPML), kTooLarge (> options.max_bytes).
Result<std::vector<OpmlOutline>> ParseOpml(std::string_view body,
                                           const FeedParseOptions& options = {});

// OPML 2.0 document listing `outlines` (UTF-8, escaped properly).
// Outlines are grouped into nested <outline text="..."> elements by their
// category split at "/" (empty segments dropped, at most 64 levels), in
// order of first appearance, so ParseOpml gives back the same outlines
// (grouped by category; titles with whitespace collapsed). Text that cannot
// be in XML (C0 controls, ill-formed UTF-8) is dropped or replaced by U+FFFD.
std::string WriteOpml(const std::vector<OpmlOutline>& outlines, std::string_view title);

}  // namespace mw
