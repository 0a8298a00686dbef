// mediawatch/app/demo_server.h
//
// A loopback HTTP server for the offline demo snapshot (feeds/demo/site).
// It picks the directory by the request's Host header, so feeds keep
// realistic absolute URLs (http://pacific-ledger.test/...) while the fetcher
// sends every connection to 127.0.0.1:port (FetcherOptions::connect_to).
// Serves GET/HEAD only, never outside the site root, with strong ETags and
// If-None-Match support. Binds 127.0.0.1 only.
#pragma once

#include <filesystem>
#include <memory>

#include "base/status.h"

namespace mw {

class DemoServer {
 public:
  // Starts serving `site_root` on 127.0.0.1 at a free port.
  // Errors: kInvalidArgument (no such directory), kIoError (cannot bind).
  static Result<std::unique_ptr<DemoServer>> Start(const std::filesystem::path& site_root);
  ~DemoServer();  // stops the server and joins its thread
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  int port() const;
  size_t requests_served() const;

 private:
  struct Impl;
  explicit DemoServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw
