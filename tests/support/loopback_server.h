// mediawatch/tests/support/loopback_server.h
//
// A cpp-httplib server on 127.0.0.1 at a free port, run on its own thread for
// the lifetime of the object. Tests register handlers before Start().
//
//   LoopbackServer server;
//   server.http().Get("/rss.xml", [](const httplib::Request&, httplib::Response& res) {...});
//   ASSERT_TRUE(server.Start());
//   std::string url = server.Url("/rss.xml");
#pragma once

#include <httplib.h>

#include <string>
#include <thread>

namespace mw::testing {

class LoopbackServer {
 public:
  LoopbackServer() = default;
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  httplib::Server& http() { return server_; }
  // Binds 127.0.0.1:<free port> and starts serving. False when binding failed.
  bool Start();
  int port() const { return port_; }
  std::string Url(const std::string& path) const;
  void Stop();

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

// A port on 127.0.0.1 with nothing listening (bound, then closed).
int UnusedLoopbackPort();

}  // namespace mw::testing
