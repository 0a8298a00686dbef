// mediawatch/parsers/feed_parser.h
//
// Parses RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1.
// XML goes through libxml2 in its safe configuration: no entity substitution
// (XML_PARSE_NOENT), no DTD loading, no network, no XML_PARSE_HUGE; JSON
// through nlohmann::json without exceptions, after a nesting pre-scan.
// Input is untrusted; every limit in FeedParseOptions is enforced and
// exceeding one is an error, never a crash.
//
//   FeedParseOptions opts;
//   Result<Feed> feed = ParseFeed(body, "application/rss+xml; charset=utf-8",
//                                 "https://example.org/rss.xml", opts);
//   if (!feed.ok()) log(feed.status());
//   for (const FeedEntry& e : feed->entries) Fetch(e.link);
//
// What comes out is safe to show: titles, names and terms are plain text
// (markup stripped); summaries and contents are HTML passed through an
// allow-list sanitizer (no script, no event handlers, no style, only
// http/https/mailto URLs, relative ones resolved). Fields follow
// feedparser's model, and its test corpus is our conformance suite
// (tests/unit/parsers/feed_conformance_test.cc).
//
// Recoverable problems (undeclared entities, bad bytes, a guessed encoding,
// an entry without a link, an implausible date) do not fail the parse: they
// are recorded in Feed::problems, like feedparser's "bozo" flag.
// Thread safety: ParseFeed is reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw {

// What a source document turned out to be. kRss2 covers RSS 0.91-2.0 and
// kAtom1 Atom 0.3 and 1.0; `Feed::version` has the precise feedparser-style
// version. Sitemaps and HTML link pages are sources without a feed
// (parsers/source_parsers.h) that still produce entries.
enum class FeedFormat {
  kUnknown,
  kRss2,
  kRss1,
  kAtom1,
  kJson,          // JSON Feed 1.0 / 1.1
  kSitemap,       // <urlset> (incl. Google News sitemaps)
  kSitemapIndex,  // <sitemapindex>: entries are in Feed::child_sources
  kHtmlLinks,     // an HTML section page whose article links match a pattern
};
std::string_view FeedFormatName(FeedFormat f);

// A person a feed names: Atom <author>/<contributor>, RSS <author> and
// <managingEditor> ("email (Name)"), dc:creator / dc:contributor, JSON Feed
// authors. Any part may be "".
struct Person {
  std::string name;
  std::string email;
  std::string uri;  // absolute http(s) URL: Atom <uri>/<url>, JSON url
};

// A link as declared: Atom <link>, RSS <link> and <enclosure>, JSON Feed
// url/external_url/attachments. Only http(s) links are kept.
struct Link {
  std::string href;    // absolute
  std::string rel;     // "alternate" when not given
  std::string type;    // MIME type as given ("" if none)
  std::string title;   // plain text ("" if none)
  int64_t length = 0;  // bytes as given (0 if none or invalid)
};

// A category with where it comes from: RSS <category domain>, Atom
// <category term scheme label>, dc:subject, JSON Feed tags.
struct Tag {
  std::string term;
  std::string scheme;  // RSS domain / Atom scheme ("" if none)
  std::string label;   // Atom label ("" if none)
};

// The declared type of a text construct, normalised to a MIME type.
inline constexpr std::string_view kTextPlain = "text/plain";
inline constexpr std::string_view kTextHtml = "text/html";
inline constexpr std::string_view kTextXhtml = "application/xhtml+xml";

struct Enclosure {
  std::string url;     // absolute
  std::string type;    // MIME type as given ("" if none)
  int64_t length = 0;  // bytes as given (0 if none or invalid)
};

struct FeedEntry {
  std::string id;                    // guid / atom:id / rdf:about; falls back to link
  std::string title;                 // plain text (markup stripped, entities decoded)
  std::string link;                  // absolute URL (resolved against xml:base / feed URL)
  std::string author;                // first author ("" if none)
  std::vector<std::string> authors;  // all authors, in document order
  // Unix seconds, UTC. A date before 1990 or more than 48 h after
  // FeedParseOptions::now is replaced by `now` and date_replaced is set.
  std::optional<int64_t> published;
  std::optional<int64_t> updated;
  bool date_replaced = false;
  std::string summary;  // sanitized HTML (no script, event handlers, javascript: URLs)
  std::string content;  // content:encoded / atom:content / content_html, sanitized HTML
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  std::string language;  // entry-level xml:lang / dc:language ("" = the feed's)

  // Everything below refines the fields above; all are optional in feeds.
  // Person records of `authors`, same order and size (name/email/uri split).
  std::vector<Person> author_details;
  std::vector<Person> contributors;
  // Every link of the entry in document order (the alternate one is also in
  // `link`; enclosures also appear here with rel "enclosure").
  std::vector<Link> links;
  // Categories with scheme and label; tags[i].term == categories[i].
  std::vector<Tag> tags;
  // Atom 0.3 <created>, dcterms:created (Unix s), plausibility-checked like
  // `published`.
  std::optional<int64_t> created;
  // What the feed declared the text to be (kTextPlain, kTextHtml or
  // kTextXhtml; "" when the field is absent). `title` is always plain text
  // and `summary`/`content` always sanitized HTML whatever was declared: a
  // text/plain summary is HTML-escaped.
  std::string title_type;
  std::string summary_type;
  std::string content_type;
};

struct Feed {
  FeedFormat format = FeedFormat::kUnknown;
  std::string version;   // feedparser-style: "rss20", "rss10", "atom10", "json11", "sitemap", ...
  std::string encoding;  // charset the document was decoded from ("UTF-8", "GB18030", ...)
  std::string title;
  std::string link;
  std::string language;            // as declared (<language>, dc:language, xml:lang)
  std::optional<int64_t> updated;  // lastBuildDate / atom:updated / ... (Unix s)
  // The publisher's hint on how often to poll, in seconds: RSS <ttl>, or
  // sy:updatePeriod / sy:updateFrequency. nullopt when absent.
  std::optional<int64_t> ttl_seconds;
  std::vector<FeedEntry> entries;
  // For a sitemap index: the absolute URLs of the child sitemaps to fetch.
  std::vector<std::string> child_sources;
  // Recoverable problems met while parsing ("bozo"): empty for a clean feed.
  std::vector<std::string> problems;

  // Feed-level metadata (all optional in feeds).
  std::string subtitle;       // sanitized HTML: RSS <description>, Atom <subtitle>/<tagline>
  std::string title_type;     // as FeedEntry::title_type
  std::string subtitle_type;  // as FeedEntry::summary_type
  std::string id;             // atom:id ("" if none)
  std::string author;         // first author, as FeedEntry::author
  std::vector<Person> author_details;
  std::vector<Person> contributors;
  std::vector<Link> links;
  std::vector<Tag> tags;
  // RSS <pubDate>, dcterms:issued / dcterms:created (Unix s).
  std::optional<int64_t> published;
  std::optional<int64_t> created;
  // Set when `updated`, `published` or `created` was implausible and
  // replaced by FeedParseOptions::now (a problem says which).
  bool date_replaced = false;
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
  // The fetch time (Unix s) used to judge dates: before 1990 or more than
  // 48 h after it is implausible. Default: nullopt = the system clock.
  std::optional<int64_t> now;
};

// Parses `body` (raw bytes as received): RSS, Atom, JSON Feed, and — detected
// by their root element — sitemaps and sitemap indexes (delegated to
// ParseSitemap in parsers/source_parsers.h). JSON is recognised by a '{' as
// the first byte (after a BOM and white space), or by a JSON Content-Type
// when the body does not start with '<'. `content_type` is the HTTP
// Content-Type header (may be empty); its charset, the BOM and the XML
// declaration decide the encoding (parsers/feed_encoding.h; ICU detection
// only when none declares one and the bytes are not UTF-8). `feed_url` is
// the URL the feed was fetched from, used to resolve relative links.
// Errors: kTooLarge (max_bytes, max_depth), kParseError (not a recognised
// feed, or JSON that is no JSON Feed), and ParseSitemap's for sitemaps.
Result<Feed> ParseFeed(std::string_view body, std::string_view content_type,
                       std::string_view feed_url, const FeedParseOptions& options = {});

}  // namespace mw
