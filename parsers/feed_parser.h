// mediawatch/parsers/feed_parser.h
//
// Parses RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0 feeds with libxml2 in
// its safe configuration: no entity substitution (XML_PARSE_NOENT), no DTD
// loading, no network, no XML_PARSE_HUGE. Input is untrusted; every limit in
// FeedParseOptions is enforced and exceeding one is an error, never a crash.
//
//   FeedParseOptions opts;
//   Result<Feed> feed = ParseFeed(body, "application/rss+xml; charset=utf-8",
//                                 "https://example.org/rss.xml", opts);
//   if (!feed.ok()) log(feed.status());
//   for (const FeedEntry& e : feed->entries) Fetch(e.link);
//
// Recoverable problems (undeclared entities, bad bytes, an entry without a
// link) do not fail the parse: they are recorded in Feed::problems, like
// feedparser's "bozo" flag. Thread safety: ParseFeed is reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw {

enum class FeedFormat { kUnknown, kRss2, kRss1, kAtom1 };
std::string_view FeedFormatName(FeedFormat f);

struct FeedEntry {
  std::string id;       // guid / atom:id / rdf:about; falls back to link
  std::string title;    // plain text (markup stripped, entities decoded)
  std::string link;     // absolute URL (resolved against xml:base / feed URL)
  std::string author;
  std::optional<int64_t> published;  // Unix seconds, UTC
  std::optional<int64_t> updated;    // Unix seconds, UTC
  std::string summary;  // as given (may contain HTML)
  std::string content;  // content:encoded / atom:content, as given (may contain HTML)
  std::vector<std::string> categories;
};

struct Feed {
  FeedFormat format = FeedFormat::kUnknown;
  std::string title;
  std::string link;
  std::string language;  // as declared (<language>, dc:language, xml:lang)
  std::vector<FeedEntry> entries;
  // Recoverable problems met while parsing ("bozo"): empty for a clean feed.
  std::vector<std::string> problems;
};

struct FeedParseOptions {
  // Larger bodies are rejected with kTooLarge. Default: 16 MiB.
  size_t max_bytes = 16u << 20;
  // Entries beyond this are dropped and a problem recorded. Default: 5,000.
  size_t max_entries = 5000;
  // Element nesting deeper than this is rejected. Default: 256.
  int max_depth = 256;
  // Per-field size cap in bytes (title, summary, content...); longer values
  // are truncated at a UTF-8 boundary and a problem recorded. Default: 1 MiB.
  size_t max_field_bytes = 1u << 20;
};

// Parses `body` (raw bytes as received). `content_type` is the HTTP
// Content-Type header (may be empty); its charset, the BOM and the XML
// declaration decide the encoding. `feed_url` is the URL the feed was fetched
// from, used to resolve relative links.
// Errors: kTooLarge, kParseError (not XML, or not a recognised feed).
Result<Feed> ParseFeed(std::string_view body, std::string_view content_type,
                       std::string_view feed_url, const FeedParseOptions& options = {});

}  // namespace mw
