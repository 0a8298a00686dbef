// mediawatch/crawler/fetcher.h
//
// Concurrent HTTP fetching with the libcurl multi interface: many transfers
// in flight on one thread, at most `max_per_host` to one host at a time
// (politeness), HTTP/1.1 and HTTP/2, gzip/br/zstd, at most 5 redirects,
// http/https only, connect and total timeouts, and a cap on the DECODED body
// size enforced in the write callback (a compressed body cannot expand past
// it). Conditional GET is supported through FetchRequest's validators.
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
#include <string>
#include <vector>

#include "base/status.h"

namespace mw {

struct FetcherOptions {
  size_t max_concurrency = 32;          // transfers in flight. Default: 32
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
};

struct FetchRequest {
  std::string url;
  std::string if_none_match;      // ETag from an earlier response ("" = none)
  std::string if_modified_since;  // Last-Modified from an earlier response
  uint64_t token = 0;             // caller's tag, returned in the result
};

struct FetchResult {
  uint64_t token = 0;
  std::string url;        // as requested
  std::string final_url;  // after redirects
  // OK when an HTTP response was received (any status code); kNetworkError
  // for transport failures, kTooLarge when a cap was hit, kUnsupported for a
  // redirect to a forbidden scheme.
  Status status;
  long http_status = 0;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string body;  // decoded (decompressed) body
  double seconds = 0;
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
  // without a callback). Errors: kInternal when libcurl itself fails;
  // per-transfer failures are reported in FetchResult.
  Status Run(std::vector<FetchRequest> initial, const OnDone& on_done,
             const std::function<bool()>& should_stop = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw
