// mediawatch/parsers/json_feed.h  (private to parsers/)
//
// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), the third feed
// format next to RSS and Atom. ParseFeed (feed_parser.h) calls this when
// LooksLikeJsonFeed says so; the result is an ordinary Feed (format kJson,
// version "json1" or "json11", or "json" when the version is missing or
// unknown):
//   feed:  title, home_page_url -> link, feed_url -> links (rel self),
//          description -> subtitle, language, author/authors;
//   items: id, url -> link, external_url -> links (rel related), title,
//          content_html -> content (sanitized), content_text -> content
//          (escaped) when there is no content_html, summary (escaped),
//          date_published/date_modified, author/authors, tags,
//          attachments -> enclosures (and links, rel enclosure), language.
//
// Hostile input: the body is parsed with nlohmann::json without exceptions
// (parse(..., nullptr, false)), after a linear pre-scan that rejects
// nesting deeper than FeedParseOptions::max_depth, so a 10,000-deep "[[[["
// never reaches the parser. Size, entry and field limits are those of
// FeedParseOptions. JSON is UTF-8 (RFC 8259 section 8.1): invalid sequences
// are replaced by U+FFFD and recorded as a problem.
//
// Date plausibility (FeedParseOptions::now) is ParseFeed's, applied to
// every format alike; this parser only reads the dates.
// Thread safety: reentrant.
#pragma once

#include <string_view>

#include "base/status.h"
#include "parsers/feed_parser.h"
#include "parsers/feed_text.h"

namespace mw::feed_internal {

// True when the first byte of `body` after an optional UTF-8 byte order
// mark and white space is '{', or, unless that byte is '<' (markup wins
// over a wrong label), when `content_type` is a JSON media type
// (application/json, application/feed+json, anything +json).
bool LooksLikeJsonFeed(std::string_view body, std::string_view content_type);

// Deepest nesting of arrays and objects in `json`, scanning strings
// correctly; stops counting once `limit` is exceeded. O(n), no recursion.
int JsonNestingDepth(std::string_view json, int limit);

// Parses a JSON Feed. `feed_url` resolves relative URLs. Recoverable
// problems go to `problems` (Feed::problems is left empty for the caller
// to fill from it).
// Errors: kTooLarge (body over max_bytes, nesting over max_depth),
// kParseError (not JSON, or JSON that is not a JSON Feed object).
Result<Feed> ParseJsonFeed(std::string_view body, std::string_view feed_url,
                           const FeedParseOptions& options, ProblemLog* problems);

}  // namespace mw::feed_internal
