// mediawatch/crawler/fetcher.h
//
// Concurrent HTTP fetching with the libcurl multi interface: many transfers
// in flight on one thread, HTTP/1.1 and HTTP/2, gzip/br/zstd, at most 5
// redirects, http/https only, connect, total and low-speed timeouts, and a cap
// on the DECODED body size enforced in the write callback (a compressed body
// cannot expand past it). Conditional GET is supported through FetchRequest's
// validators.
//
// Politeness: at most `max_per_host` transfers in flight to one host AND at
// least `min_host_delay_ms` (or the SetHostDelay override) between the starts
// of two requests to it. "Host" is the URL's lower-case host name (UrlHost),
// port ignored. Requests to one host start in FIFO order. Hosts take turns,
// except that a host whose transfer just ended and whose delay has passed
// starts its next request first (up to 16 in a row), on the connection that
// just went idle: HTTP keep-alive instead of a new connection (and TLS
// handshake) per request when more hosts have work than max_concurrency
// connections can stay open for. Cost: each host has
// a FIFO queue, and hosts with work wait in a min-heap keyed by the time they
// may next start, so starting a request is O(log hosts) however many are
// queued; when only delays hold work back, the loop sleeps until the earliest
// host is ready (no busy loop).
//
// SSRF guard: every address libcurl is about to connect to (after DNS, for
// every redirect hop, and the real target of connect_to) is classified by
// ClassifyAddress (crawler/http_util.h); non-public addresses are refused
// unless inside allowed_cidrs, and the result is kForbidden naming the address.
// With a proxy, only the proxy's address is checked: the proxy makes the
// onward connection, and with socks5h:// even resolves the name.
//
//   Fetcher fetcher(FetcherOptions{});
//   Status s = fetcher.Run({{.url = "https://example.org/rss.xml"}},
//       [](FetchResult&& r, const Fetcher::Enqueue& enqueue) { ... enqueue(next); });
//
// Thread safety: one Fetcher runs one Run() at a time, on the caller's
// thread; callbacks run on that thread. Different Fetchers may run on
// different threads. No CURL type leaves this folder.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace mw {

struct FetcherOptions {
  // Transfers in flight, and open connections (CURLMOPT_MAX_TOTAL_CONNECTIONS).
  size_t max_concurrency = 32;          // Default: 32
  size_t max_per_host = 2;              // transfers in flight per host. Default: 2
  long connect_timeout_ms = 10000;      // Default: 10 s
  long total_timeout_ms = 60000;        // whole transfer. Default: 60 s
  size_t max_body_bytes = 16u << 20;    // decoded body cap. Default: 16 MiB
  size_t max_header_bytes = 64u << 10;  // all response headers. Default: 64 KiB
  long max_redirects = 5;               // Default: 5
  std::string user_agent = "mediawatch/0.1 (+https://github.com/mediawatch; news monitoring)";
  // When non-empty ("127.0.0.1:8080"), every connection goes to this address
  // whatever the URL's host, like `curl --connect-to ::HOST:PORT`. Used by the
  // offline demo and tests so feeds can keep realistic host names. Default: "".
  std::string connect_to;

  // Politeness: the minimum time between the starts of two requests to one
  // host, in milliseconds (0 = none; negative is read as 0, more than a day
  // as a day; the same holds for SetHostDelay). Per-host
  // overrides (robots.txt Crawl-delay, a feed's own setting) go through
  // Fetcher::SetHostDelay. The last start per host is remembered across
  // Run() calls of one Fetcher. Default: 1000.
  long min_host_delay_ms = 1000;

  // SSRF guard: refuse to connect to loopback, private (RFC 1918, ULA),
  // link-local, CGNAT (100.64/10), multicast, unspecified, broadcast and
  // other reserved addresses, IPv4 and IPv6 (incl. IPv4-mapped). Checked on
  // every resolved address right before connecting, so redirects and DNS
  // rebinding are covered. A refused connection fails with kForbidden.
  // Default: true.
  bool block_private_addresses = true;
  // CIDR blocks that are allowed even when blocked above, e.g. "127.0.0.0/8"
  // (tests, the demo) or "10.1.2.0/24" (an intranet outlet); a bare address
  // is a /32 or /128. An IPv4 block also allows the IPv4-mapped IPv6 forms.
  // Syntax as ParseCidr (crawler/http_util.h); an invalid entry makes Run()
  // fail with kInvalidArgument before any traffic. Default: none.
  std::vector<std::string> allowed_cidrs;

  // Default proxy for every request: "http://host:port", "https://...",
  // "socks5://..." (we resolve, the proxy connects) or "socks5h://host:port"
  // (DNS through the proxy: the Tor case). The SSRF guard then applies to the
  // proxy's address only. Any other form makes Run() fail with
  // kInvalidArgument. The http_proxy/https_proxy/ALL_PROXY environment
  // variables are ignored: requests go where the options say. Default: "".
  std::string proxy;

  // A transfer slower than this many bytes/s for low_speed_time_s is
  // aborted with kNetworkError (drip-feeding servers, and servers that accept
  // and never answer). Either <= 0 disables the check.
  // Default: 100 bytes/s for 20 s.
  long low_speed_limit = 100;
  long low_speed_time_s = 20;

  // Clock for Retry-After / Expires (Unix seconds). Default: system clock.
  std::function<int64_t()> now;
};

struct FetchRequest {
  std::string url;
  std::string if_none_match;      // ETag from an earlier response ("" = none)
  std::string if_modified_since;  // Last-Modified from an earlier response
  uint64_t token = 0;             // caller's tag, returned in the result
  // Overrides FetcherOptions::proxy when non-empty (same forms; an invalid
  // one fails this request with kInvalidArgument).
  std::string proxy;
};

struct FetchResult {
  uint64_t token = 0;
  std::string url;        // as requested
  std::string final_url;  // after redirects
  // OK when an HTTP response was received (any status code); kNetworkError
  // for transport failures (DNS, connect, TLS, timeouts incl. low speed, too
  // many redirects), kTooLarge when a cap was hit (the body is then empty),
  // kUnsupported for a URL or redirect to a forbidden scheme, kParseError for
  // an unparsable URL, kForbidden when the SSRF guard refused the address
  // ("refusing to connect to 10.0.0.1 (private address); allow it with
  // --allow-cidr"), kInvalidArgument for a bad FetchRequest::proxy.
  Status status;
  long http_status = 0;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string body;  // decoded (decompressed) body
  double seconds = 0;
  int redirects = 0;
  // When every redirect on the way was permanent (301/308): the final URL,
  // which callers may store in place of the requested one. "" when there was
  // no redirect, any hop was temporary (302/303/307), or status is not OK.
  std::string permanent_redirect_url;
  // Retry-After of a 429/503 (seconds, or an HTTP date turned into seconds
  // from FetcherOptions::now, never negative, at most one year). nullopt when
  // absent, unparsable or on another status. See ParseRetryAfter.
  std::optional<int64_t> retry_after_seconds;
  // Freshness the server declared: Cache-Control max-age (s-maxage ignored),
  // else Expires minus Date/now, in seconds (0 for an invalid Expires, at
  // most one year). nullopt when absent. See FreshnessLifetime.
  std::optional<int64_t> max_age_seconds;
};

class Fetcher {
 public:
  using Enqueue = std::function<void(FetchRequest)>;
  using OnDone = std::function<void(FetchResult&&, const Enqueue&)>;

  explicit Fetcher(FetcherOptions options);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Fetches `initial` and everything enqueued from callbacks, until nothing
  // is pending or `should_stop` returns true (it is polled at least every
  // 200 ms; pending requests are then dropped and in-flight ones aborted
  // without a callback). on_done is called exactly once per request that was
  // not dropped, never from inside `enqueue`. Errors: kInvalidArgument for an
  // invalid allowed_cidrs entry or proxy in the options (before any traffic),
  // kInternal when libcurl itself fails; per-transfer failures are reported
  // in FetchResult.
  Status Run(std::vector<FetchRequest> initial, const OnDone& on_done,
             const std::function<bool()>& should_stop = {});

  // Sets the minimum delay between request starts for `host` (lower-case
  // host name, as in UrlHost), e.g. from robots.txt Crawl-delay. The next
  // start to that host is then at least `delay_ms` after its previous start
  // (a shorter delay takes effect at once, a longer one pushes back its
  // queued requests). Kept for the Fetcher's lifetime; callable before Run()
  // and from callbacks (not from other threads).
  void SetHostDelay(const std::string& host, long delay_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw
