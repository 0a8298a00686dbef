// mediawatch/server/server.h
//
// `mediawatch serve`: the JSON API and the dashboard (server/api.h) on an
// HTTP/1.1 listener (cpp-httplib, kept out of this header).
//
//   ServerOptions options;
//   options.port = 0;  // any free port
//   Result<std::unique_ptr<Server>> server = Server::Start(store.get(), options);
//   if (!server.ok()) return server.status();
//   std::printf("listening on %s\n", (*server)->url().c_str());
//   ... (*server)->Stop(); (*server)->Wait();
//
// Safety: a listener on anything but loopback needs a token (Start refuses
// otherwise); a loopback listener without a token accepts only Host headers
// naming the loopback address it is on (no DNS rebinding). A bounded pool of
// worker threads serves the connections, each socket with read and write
// timeouts, so slow or many clients cannot grow memory or threads without
// bound.
//
// Following a live database: before answering an /api/ request the server
// calls Store::Refresh() when the last call is refresh_interval_ms old, so
// a store opened with StoreOptions::follow shows what a concurrently
// running `mediawatch run` stored (at most that interval late). One request
// refreshes while the others go on (they read the new view once it is in
// place); a failed refresh is reported through on_refresh_error and the
// store keeps serving the view it had.
//
// Thread safety: port(), url(), Stop() and Wait() may be called from any
// thread; Stop() is idempotent. The destructor stops and waits.
#pragma once

#include <cstddef>
#include <functional>
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

struct ServerOptions {
  // Address to listen on: an IPv4 or IPv6 literal or "localhost".
  // Default: "127.0.0.1".
  std::string host = "127.0.0.1";
  // 0 picks a free port (Server::port() tells which). Default: 8080.
  int port = 8080;
  // "Authorization: Bearer TOKEN" required on /api/ when non-empty
  // (CheckToken); required for a host that is not loopback. Default: "".
  std::string token;
  // Watch-list files and feed names (see ApiOptions). Default: none.
  std::vector<Watchlist> watchlists;
  std::map<std::string, std::string> feed_names;
  // Worker threads: at most this many requests are handled at once.
  // Default: 8.
  size_t threads = 8;
  // Accepted connections waiting for a worker; past it the listener stops
  // accepting until one is free (the kernel's backlog holds the rest).
  // Default: 64.
  size_t max_queued_connections = 64;
  // Per-socket read and write timeouts, and how long an idle keep-alive
  // connection may hold a worker. Defaults: 10 s, 10 s, 2 s.
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_seconds = 2;
  // Store::Refresh() before an /api/ request when the last refresh (or the
  // start) is at least this many milliseconds ago; 0 = before every /api/
  // request, negative = never. Default: 2000.
  int refresh_interval_ms = 2000;
  // Called (on a worker thread, one call at a time) with the error of a
  // failed refresh when the previous refresh succeeded (so a lasting
  // failure is reported once, not every interval), and with Status::Ok()
  // when refreshing works again. Default: none.
  std::function<void(const Status&)> on_refresh_error;
};

class Server {
 public:
  // Validates `options`, binds and starts serving on background threads.
  // `store` must outlive the Server and is only read (and refreshed, see
  // above). Errors:
  // kInvalidArgument (a non-loopback host without a token, a bad token or
  // port, watch-lists that do not compile), kIoError (cannot bind: the
  // message names the address).
  static Result<std::unique_ptr<Server>> Start(Store* store, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port bound (the chosen one when options.port was 0).
  int port() const;
  // "http://HOST:PORT/" (an IPv6 host in brackets).
  std::string url() const;
  // Stops accepting and ends the serving thread; in-flight requests finish.
  void Stop();
  // Blocks until the serving thread has ended (after Stop()).
  void Wait();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8 literals, "::1" (also "[::1]") and "localhost".
bool IsLoopbackHost(std::string_view host);

// "HOST:PORT" or "[IPv6]:PORT" -> (host without brackets, port 0..65535).
// Errors: kInvalidArgument naming what is wrong.
Result<std::pair<std::string, int>> ParseListenAddress(std::string_view text);

// A token must be 16..1024 printable ASCII characters (no spaces): long
// enough not to be guessed, and sendable in a header. Errors:
// kInvalidArgument saying why (never quoting the token).
Status CheckToken(std::string_view token);

}  // namespace mw::server
