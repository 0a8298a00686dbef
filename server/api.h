// mediawatch/server/api.h
//
// The request handling of `mediawatch serve` without sockets: one request
// in, one response out (server/server.h puts it behind cpp-httplib). The
// JSON API under /api/v1/ (docs/api.md: watch-lists, matches, timeline,
// articles, sources, feeds, stats) and the dashboard's static files
// (server/web_assets.h) for every other path.
//
//   Result<std::unique_ptr<Api>> api = Api::Create(store, {});
//   ApiRequest request;
//   request.method = "GET";
//   request.path = "/api/v1/matches";
//   request.params = {{"lang", "ug"}, {"limit", "10"}};
//   ApiResponse response = (*api)->Handle(request);  // 200, JSON body
//
// Every parameter is validated before the store is touched: an unknown
// parameter, one given twice, a bad value or one over kMaxParamBytes gets a
// 400 JSON error naming it ({"error":{"status","code","parameter",
// "message"}}). Every response, errors and static files included, carries
// SecurityHeaders(). The store is only read.
//
// Thread safety: Handle() is const and may be called concurrently (the
// Store is thread-safe, the matcher's Match is const).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/store.h"
#include "watch/watchlist.h"

namespace mw::server {

// Request limits (cpp-httplib also refuses request lines over 8 KiB).
inline constexpr size_t kMaxPathBytes = 8192;
inline constexpr size_t kMaxParamBytes = 1024;  // one parameter value
inline constexpr size_t kMaxParams = 32;
// /api/v1/matches: `limit` is 1..kMaxPageSize, kDefaultPageSize when absent.
inline constexpr size_t kMaxPageSize = 500;
inline constexpr size_t kDefaultPageSize = 50;
// /api/v1/articles/{id}: cluster members listed at most.
inline constexpr size_t kMaxClusterMembersListed = 200;

struct ApiRequest {
  std::string method;  // "GET", "HEAD", ...
  // The percent-decoded path without the query ("/api/v1/matches").
  std::string path;
  // The percent-decoded query parameters in any order (repeats kept).
  std::vector<std::pair<std::string, std::string>> params;
  std::string authorization;  // the Authorization header ("" when none)
  std::string host;           // the Host header ("" when none)
};

struct ApiResponse {
  int status = 200;
  std::string content_type;
  std::string body;  // for HEAD too: the transport leaves it out
  // SecurityHeaders() and, for /api/, Cache-Control: no-store.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The headers of every response: Content-Security-Policy (no inline script
// or style, nothing from another origin), X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer, X-Frame-Options: DENY,
// Cross-Origin-Resource-Policy: same-origin.
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

struct ApiOptions {
  // When non-empty every /api/ request needs "Authorization: Bearer TOKEN"
  // (compared in constant time) or gets 401. Static files stay public: they
  // hold no data. Default: "" (no token; meant for loopback only).
  std::string token;
  // Host header values accepted (ASCII case-insensitive, e.g.
  // "127.0.0.1:8080", "localhost:8080"); others get 403 — a page on another
  // site cannot rebind its name to 127.0.0.1 and read the API. A request
  // without a Host header is accepted (HTTP/1.0 clients). Empty: any host.
  // Default: empty (Server sets it for loopback listening without a token).
  std::vector<std::string> allowed_hosts;
  // The watch-list files (--config): names, target kinds and the listing of
  // targets that matched nothing yet, and the matcher that highlights the
  // original spelling of a term ("關恆" for "关恒"). Without them names are
  // ids and snippets are highlighted by plain search for the stored term.
  std::vector<Watchlist> watchlists;
  // Feed id -> outlet name from the feed lists (--config), for /feeds.
  std::map<std::string, std::string> feed_names;
};

class Api {
 public:
  // `store` must outlive the Api. Errors: kInvalidArgument when a
  // watch-list does not compile into a matcher.
  static Result<std::unique_ptr<Api>> Create(Store* store, ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Never fails: store errors become 500 JSON errors (logged by the
  // caller from the response), everything the client got wrong a 4xx.
  ApiResponse Handle(const ApiRequest& request) const;

 private:
  struct Impl;
  explicit Api(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A JSON error response: {"error":{"status":N,"code":"...","parameter":
// "..." (only when given),"message":"..."}} with SecurityHeaders().
ApiResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                          std::string_view parameter = "");

// The UTF-16 code-unit offset (a JavaScript string index) of every byte
// offset in `byte_offsets` into valid UTF-8 `text`. An offset inside a
// character counts the whole character before it.
std::vector<size_t> Utf16Offsets(std::string_view text, const std::vector<size_t>& byte_offsets);

// "rtl" for a language tag written right to left (Arabic, Persian, Hebrew,
// Uyghur, Urdu, ... unless a Latin or Cyrillic script subtag says
// otherwise: "ug-Latn" is "ltr"), "auto" for an unknown (empty) tag, else
// "ltr".
std::string_view TextDirection(std::string_view language);

// Opaque page cursors of /api/v1/matches: "<time>.<article id>".
std::string EncodeCursor(const QueryCursor& cursor);
Result<QueryCursor> DecodeCursor(std::string_view text);

}  // namespace mw::server
