// Fuzz target: ParseFeed (parsers/feed_parser.h), i.e. RSS 0.9x/1.0/2.0,
// Atom, JSON Feed and sitemaps as the crawler receives them.
//
// Input: byte 0 picks the HTTP Content-Type (its charset decides the
// encoding, its type the JSON/XML choice); the rest is the body.
//
// Invariants when the feed parses (errors are fine, crashes and hangs not):
//   - every text field is valid UTF-8 (the document was decoded);
//   - titles, names and terms are plain text: no "<script ...>" tag;
//   - summaries and contents are sanitized HTML: every '<' opens a tag the
//     sanitizer wrote, never script/style/iframe/... nor an on* handler or a
//     style attribute, and href/src/cite are http(s) or mailto: URLs;
//   - links, enclosures, person URIs and child sitemaps are http(s) URLs;
//   - the limits hold: entries and child sitemaps <= max_entries, capped
//     fields <= max_field_bytes, dates within [1990, now + 48 h];
//   - the parallel arrays agree (tags/categories, author_details/authors).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "parsers/feed_parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using mw::fuzz::EndsTagName;
using mw::fuzz::FindNoCase;
using mw::fuzz::IsHttpUrl;
using mw::fuzz::IsValidUtf8;
using mw::fuzz::StartsWithNoCase;

constexpr std::array<std::string_view, 16> kContentTypes = {
    "",
    "application/rss+xml",
    "application/atom+xml; charset=utf-8",
    "application/xml",
    "text/xml; charset=gb2312",
    "application/rss+xml; charset=big5",
    "application/feed+json",
    "application/json; charset=utf-8",
    "text/xml; charset=windows-1256",
    "text/html; charset=iso-8859-1",
    "application/rdf+xml; charset=utf-16",
    "text/plain; charset=x-no-such-label",
    "application/xml; charset=shift_jis",
    "text/xml; charset=\"utf-8\"",
    "application/json",
    "application/xml; charset=koi8-r",
};

// Dates are judged against a fixed clock so that runs are reproducible.
constexpr int64_t kNow = 1767225600;    // 2026-01-01T00:00:00Z
constexpr int64_t k1990 = 631152000;    // 1990-01-01T00:00:00Z
constexpr int64_t kFuture = 48 * 3600;  // "more than 48 h ahead" is implausible

// Small limits so that inputs of a few KiB reach the truncation paths.
mw::FeedParseOptions Options() {
  mw::FeedParseOptions o;
  o.max_entries = 32;
  o.max_field_bytes = 2048;
  o.max_depth = 64;
  o.now = kNow;
  return o;
}

void CheckDate(const std::optional<int64_t>& t) {
  if (t.has_value()) MW_FUZZ_CHECK(*t >= k1990 && *t <= kNow + kFuture);
}

// Plain text: a "<script" start tag with a '>' after it would be a script
// if the text were ever rendered as HTML; StripActiveMarkup removes those.
void CheckPlain(std::string_view s) {
  MW_FUZZ_CHECK(IsValidUtf8(s));
  for (size_t at = 0; (at = FindNoCase(s, "<script", at)) != std::string_view::npos; ++at) {
    const size_t next = at + 7;
    if (next < s.size() && !EndsTagName(s[next])) continue;  // "<scripts>": another name
    MW_FUZZ_CHECK(s.find('>', at) == std::string_view::npos);
  }
}

bool IsTagNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Sanitized HTML as html_sanitizer.cc writes it: text escaped, so every '<'
// starts a tag `<name( attr="value")*( /)?>` or `</name>`.
void CheckSanitized(std::string_view html) {
  MW_FUZZ_CHECK(IsValidUtf8(html));
  static constexpr std::array<std::string_view, 19> kForbidden = {
      "script", "style",    "iframe", "frame",    "frameset", "object", "embed",
      "applet", "svg",      "math",   "form",     "base",     "link",   "meta",
      "input",  "textarea", "button", "template", "noscript"};
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    const size_t end = html.find('>', i);
    MW_FUZZ_CHECK(end != std::string_view::npos);
    std::string_view tag = html.substr(i + 1, end - i - 1);
    i = end + 1;
    if (!tag.empty() && tag.front() == '/') tag.remove_prefix(1);
    size_t n = 0;
    while (n < tag.size() && IsTagNameChar(tag[n])) ++n;
    MW_FUZZ_CHECK(n > 0);
    const std::string_view name = tag.substr(0, n);
    for (std::string_view bad : kForbidden) {
      MW_FUZZ_CHECK(!(name.size() == bad.size() && StartsWithNoCase(name, bad)));
    }
    // Attributes: ` name="value"`, values escaped (no raw '"' inside).
    std::string_view attrs = tag.substr(n);
    while (true) {
      while (!attrs.empty() && attrs.front() == ' ') attrs.remove_prefix(1);
      if (attrs.empty() || attrs == "/") break;
      const size_t eq = attrs.find("=\"");
      MW_FUZZ_CHECK(eq != std::string_view::npos);
      const std::string_view attr = attrs.substr(0, eq);
      const size_t close = attrs.find('"', eq + 2);
      MW_FUZZ_CHECK(close != std::string_view::npos);
      const std::string_view value = attrs.substr(eq + 2, close - eq - 2);
      attrs.remove_prefix(close + 1);
      MW_FUZZ_CHECK(!StartsWithNoCase(attr, "on"));
      MW_FUZZ_CHECK(!(attr.size() == 5 && StartsWithNoCase(attr, "style")));
      const bool url = (attr.size() == 4 && StartsWithNoCase(attr, "href")) ||
                       (attr.size() == 3 && StartsWithNoCase(attr, "src")) ||
                       (attr.size() == 4 && StartsWithNoCase(attr, "cite"));
      if (url) MW_FUZZ_CHECK(IsHttpUrl(value) || StartsWithNoCase(value, "mailto:"));
    }
  }
  // Markup the feed wrote as text ("&lt;script&gt;") is removed too: no run
  // of text between two tags has an escaped "<script" start tag with an
  // escaped '>' after it. (Attribute values are not text: an escaped '<' in
  // a URL is harmless.)
  size_t text_start = 0;
  while (text_start < html.size()) {
    const size_t lt = html.find('<', text_start);
    const std::string_view text = html.substr(text_start, lt - text_start);
    for (size_t at = 0; (at = FindNoCase(text, "&lt;script", at)) != std::string_view::npos; ++at) {
      const std::string_view after = text.substr(at + 10);
      if (!after.empty() && !EndsTagName(after.front()) && !after.starts_with("&gt;")) continue;
      MW_FUZZ_CHECK(text.find("&gt;", at) == std::string_view::npos);
    }
    if (lt == std::string_view::npos) break;
    text_start = html.find('>', lt) + 1;  // found: checked above
  }
}

void CheckUrl(std::string_view url) {
  MW_FUZZ_CHECK(IsValidUtf8(url));
  if (!url.empty()) MW_FUZZ_CHECK(IsHttpUrl(url));
}

void CheckPerson(const mw::Person& p) {
  CheckPlain(p.name);
  CheckPlain(p.email);
  CheckUrl(p.uri);
}

void CheckLinks(const std::vector<mw::Link>& links) {
  for (const mw::Link& l : links) {
    MW_FUZZ_CHECK(!l.href.empty());
    CheckUrl(l.href);
    MW_FUZZ_CHECK(IsValidUtf8(l.rel) && IsValidUtf8(l.type));
    CheckPlain(l.title);
  }
}

void CheckTags(const std::vector<mw::Tag>& tags) {
  for (const mw::Tag& t : tags) {
    CheckPlain(t.term);
    MW_FUZZ_CHECK(IsValidUtf8(t.scheme));
    CheckPlain(t.label);
  }
}

void CheckEntry(const mw::FeedEntry& e, const mw::FeedParseOptions& o) {
  MW_FUZZ_CHECK(IsValidUtf8(e.id));
  CheckPlain(e.title);
  CheckUrl(e.link);
  CheckPlain(e.author);
  for (const std::string& a : e.authors) CheckPlain(a);
  CheckSanitized(e.summary);
  CheckSanitized(e.content);
  for (const std::string& c : e.categories) CheckPlain(c);
  for (const mw::Enclosure& enc : e.enclosures) {
    MW_FUZZ_CHECK(!enc.url.empty());
    CheckUrl(enc.url);
    MW_FUZZ_CHECK(IsValidUtf8(enc.type));
  }
  MW_FUZZ_CHECK(IsValidUtf8(e.language));
  MW_FUZZ_CHECK(e.title.size() <= o.max_field_bytes);
  MW_FUZZ_CHECK(e.summary.size() <= o.max_field_bytes);
  MW_FUZZ_CHECK(e.content.size() <= o.max_field_bytes);
  CheckDate(e.published);
  CheckDate(e.updated);
  CheckDate(e.created);
  MW_FUZZ_CHECK(e.author_details.size() == e.authors.size());
  for (const mw::Person& p : e.author_details) CheckPerson(p);
  for (const mw::Person& p : e.contributors) CheckPerson(p);
  CheckLinks(e.links);
  MW_FUZZ_CHECK(e.tags.size() == e.categories.size());
  for (size_t i = 0; i < e.tags.size(); ++i) MW_FUZZ_CHECK(e.tags[i].term == e.categories[i]);
  CheckTags(e.tags);
}

void CheckFeed(const mw::Feed& f, const mw::FeedParseOptions& o) {
  MW_FUZZ_CHECK(f.format != mw::FeedFormat::kUnknown);
  MW_FUZZ_CHECK(IsValidUtf8(f.version) && IsValidUtf8(f.encoding));
  CheckPlain(f.title);
  CheckUrl(f.link);
  MW_FUZZ_CHECK(IsValidUtf8(f.language));
  CheckSanitized(f.subtitle);
  MW_FUZZ_CHECK(f.title.size() <= o.max_field_bytes);
  MW_FUZZ_CHECK(f.subtitle.size() <= o.max_field_bytes);
  MW_FUZZ_CHECK(IsValidUtf8(f.id));
  CheckPlain(f.author);
  for (const mw::Person& p : f.author_details) CheckPerson(p);
  for (const mw::Person& p : f.contributors) CheckPerson(p);
  CheckLinks(f.links);
  CheckTags(f.tags);
  CheckDate(f.updated);
  CheckDate(f.published);
  CheckDate(f.created);
  if (f.ttl_seconds.has_value()) MW_FUZZ_CHECK(*f.ttl_seconds >= 0);
  MW_FUZZ_CHECK(f.entries.size() <= o.max_entries);
  MW_FUZZ_CHECK(f.child_sources.size() <= o.max_entries);
  for (const std::string& s : f.child_sources) {
    MW_FUZZ_CHECK(!s.empty());
    CheckUrl(s);
  }
  for (const mw::FeedEntry& e : f.entries) CheckEntry(e, o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mw::fuzz::FuzzInput in(data, size);
  const std::string_view content_type = kContentTypes[in.TakeByte() % kContentTypes.size()];
  const mw::FeedParseOptions options = Options();
  mw::Result<mw::Feed> feed =
      mw::ParseFeed(in.rest(), content_type, "http://fuzz.test/news/feed.xml", options);
  if (feed.ok()) CheckFeed(*feed, options);
  return 0;
}
