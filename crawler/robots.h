// mediawatch/crawler/robots.h
//
// robots.txt parsing and matching per RFC 9309 (Robots Exclusion Protocol,
// https://www.rfc-editor.org/rfc/rfc9309). Shaped after google/robotstxt.
//
//   RobotsRules rules = RobotsRules::Parse(body, "mediawatch");  // 2xx
//   // or RobotsRules::AllowAll() on 4xx, RobotsRules::DisallowAll() on 5xx
//   // or a network error (RFC 9309 §2.3.1.3, §2.3.1.4).
//   Result<bool> ok = rules.IsAllowedUrl("https://example.org/news/1?x=2");
//   if (ok.ok() && !*ok) { /* skip: refused by robots.txt */ }
//   if (auto d = rules.crawl_delay_seconds()) fetcher.SetHostDelay(host, *d);
//
// What RFC 9309 says and this implementation does:
//   - §2.1, §2.2.1: a group is one or more `user-agent` lines followed by
//     rules. The crawler obeys every group naming its product token
//     (case-insensitive; such groups are merged), else every `*` group
//     (merged), else nothing applies. Rules before any user-agent are ignored.
//   - §2.2.2: `allow`/`disallow` with path patterns; the matching rule with the
//     most octets wins, `allow` wins a tie; an empty `disallow:` (or `allow:`)
//     is ignored; `/robots.txt` is always allowed. Comparison is on
//     percent-encoding-normalised forms (see "Normalisation" below).
//   - §2.2.3: `*` matches any sequence of characters, `$` at the end of a
//     pattern anchors it at the end of the path; elsewhere `$` is literal.
//   - §2.2.4: other records (`sitemap`, `crawl-delay`) are accepted.
//   - §2.5: at least 500 KiB are parsed (RobotsOptions::max_bytes).
//   - Lines end with CR, LF or CR LF; `#` starts a comment; keys are
//     case-insensitive; a UTF-8 BOM at the start is skipped; lines that do not
//     parse are ignored (they restrict nothing).
//
// Where it deviates or chooses (mostly as google/robotstxt does):
//   1. Key typos are accepted (`useragent`, `user agent`, `disalow`,
//      `dissallow`, `dissalow`, `diasllow`, `disallaw`, `site-map`,
//      `crawldelay`), and a missing colon is tolerated when the line is
//      exactly two words (`Disallow /private`).
//   2. A user-agent value counts by its product token, the leading run of
//      [A-Za-z_-] (`MediaWatch/0.1 (+url)` names `mediawatch`); a value of `*`,
//      alone or followed by whitespace, names the `*` group. The token given
//      to Parse() is reduced the same way, so "mediawatch/0.1" works too.
//   3. Group boundaries: any record other than `user-agent` (a rule, but also
//      `sitemap`, `crawl-delay` or an unknown key) ends the list of agents of
//      the current group, so a later `user-agent` line starts a new group.
//      Blank lines do not end groups (RFC 9309 has no blank-line rule).
//   4. Patterns must start with `/` or `*` (RFC 9309's ABNF only has `/`;
//      `*` is common in the wild); other values are ignored.
//   5. Over-long patterns (> max_pattern_bytes after normalisation) are made
//      safe rather than exact: a `disallow` is truncated (it then matches a
//      superset of what it said), an `allow` is dropped.
//   6. Only lines that END within max_bytes are parsed: a line cut by the
//      limit is dropped, so `Allow: /a/b` cut to `Allow: /` cannot widen.
//   7. `crawl-delay` (non-standard): decimal seconds (`10`, `0.5`), from the
//      applicable groups only; several values -> the largest; capped at
//      max_crawl_delay_s; malformed values are ignored.
//   8. `sitemap` lines are collected wherever they appear (they belong to no
//      group); only absolute http(s) URLs are kept, duplicates once.
//   9. Google's `index.html` -> `/$` special case is not implemented.
//
// Normalisation (both the URL path and the patterns, §2.2.2): `%xx` of an
// unreserved character (ALPHA, DIGIT, `-._~`) is decoded; other `%xx` get
// upper-case hex; bytes >= 0x80 (UTF-8), controls, space and DEL are
// percent-encoded; a `%` not followed by two hex digits becomes `%25`. In the
// PATH a literal `*` or `$` is compared as `%2A`/`%24`, which is how a
// pattern spells them literally (§2.2.3 examples). Reserved characters are
// otherwise compared as written: `/a%2Fb` and `/a/b` are different paths.
//
// Not this class's job (the caller's, crawler/pipeline.cc): fetching
// /robots.txt per scheme+host+port, following up to 5 redirects (§2.3.1.2),
// caching at most 24 h (§2.4), the 4xx/5xx choice above, and checking that a
// URL belongs to the host whose rules are asked.
//
// Costs (the file and the URLs are both chosen by the site, so worst cases
// are designed for): Parse is linear in min(body, max_bytes) plus sorting the
// kept rules. Memory: about 5 bytes per pattern byte for patterns with `*`
// (pattern + matcher tables), 1 byte otherwise; rules of groups that do not
// apply to us are not kept. IsAllowed(path) normalises the path (linear) and
// tries the kept rules from most to least specific, stopping at the first
// match; one rule costs O(pattern) without `*` and O(path + pattern) with
// `*` (greedy segment search with KMP: no backtracking, so a pattern like
// `/*a*a*a*a*b` cannot blow up). Worst case per call: O(rules x path + total
// pattern bytes).
//
// Thread safety: a RobotsRules is immutable after construction; const methods
// may be called from any number of threads. Copies are cheap (they share the
// parsed rules through a shared_ptr), so it can be stored by value in caches.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw {

struct RobotsOptions {
  // Bytes of the body that are parsed; the rest is ignored. RFC 9309 §2.5
  // asks for at least 500 KiB. Default: 500 KiB.
  size_t max_bytes = 500 * 1024;
  // Cap on the returned Crawl-delay, in seconds. Default: 60.
  double max_crawl_delay_s = 60;
  // Longest pattern kept, in bytes after normalisation (see deviation 5).
  // Longer than any URL mediawatch fetches (parsers/url.h caps them at
  // 8 KiB). Default: 8192.
  size_t max_pattern_bytes = 8192;
  // Most Sitemap URLs kept; later ones are ignored. Default: 1000.
  size_t max_sitemaps = 1000;
};

// Which groups of the file applied to the crawler.
enum class RobotsGroupMatch {
  kNone,          // no group named us and there was no `*` group: all allowed
  kStar,          // the `*` group(s)
  kProductToken,  // group(s) naming our product token
};

class RobotsRules {
 public:
  // Allows everything (same as AllowAll()).
  RobotsRules() = default;

  // Parses a robots.txt `body` (raw bytes, expected UTF-8) for the crawler
  // whose product token is `user_agent_token`, e.g. "mediawatch" (anything
  // after the leading [A-Za-z_-] run is ignored; an empty token matches only
  // `*` groups). Never fails: hostile or binary input yields the rules of the
  // lines that did parse.
  static RobotsRules Parse(std::string_view body, std::string_view user_agent_token,
                           const RobotsOptions& options = {});

  // For a robots.txt that is "unavailable" (4xx, RFC 9309 §2.3.1.3).
  static RobotsRules AllowAll();
  // For one that is "unreachable" (5xx, network error, §2.3.1.4): everything
  // but /robots.txt is disallowed.
  static RobotsRules DisallowAll();

  // `path` is the URL's path, plus "?" and the query when there is one, as
  // sent on the wire (percent-encoded; raw UTF-8 is tolerated and encoded).
  // "" means "/"; a missing leading "/" is added; anything from a '#' on
  // (a fragment) is ignored.
  bool IsAllowed(std::string_view path) const;

  // Convenience for an absolute http(s) URL: extracts path and query (after
  // the same normalisation as parsers/url.h, e.g. dot segments removed) and
  // calls IsAllowed. Errors: those of ResolveUrl (kParseError, kTooLarge,
  // kUnsupported for other schemes). Does not check the host.
  Result<bool> IsAllowedUrl(std::string_view absolute_url) const;

  // The Crawl-delay of the applicable groups, capped at max_crawl_delay_s;
  // nullopt when none was given.
  std::optional<double> crawl_delay_seconds() const;

  // Absolute URLs from `Sitemap:` lines, in file order, without duplicates.
  // The reference lives as long as this object or any copy of it.
  const std::vector<std::string>& sitemaps() const;

  // Diagnostics, e.g. for logs. AllowAll() and DisallowAll() report kNone,
  // 0 rules (1 for DisallowAll) and not truncated.
  RobotsGroupMatch group_match() const;
  // Allow/disallow rules kept for the applicable groups (after removing
  // duplicates).
  size_t rule_count() const;
  // True when the body was longer than max_bytes and its tail was ignored.
  bool truncated() const;

 private:
  struct Data;  // defined in robots.cc
  explicit RobotsRules(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

  // Null means "allow everything, no sitemaps, no delay".
  std::shared_ptr<const Data> data_;
};

}  // namespace mw
