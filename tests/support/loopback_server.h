// mediawatch/tests/support/loopback_server.h
//
// A cpp-httplib server on 127.0.0.1 (or another 127.0.0.0/8 address) at a
// free port, run on its own thread for the lifetime of the object. Tests
// register handlers before Start().
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
  // TCP_NODELAY on, as production servers set it for keep-alive
  // connections: otherwise a response written in two parts waits for the
  // client's delayed ACK (~40 ms) on every reused connection.
  LoopbackServer() { server_.set_tcp_nodelay(true); }
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  httplib::Server& http() { return server_; }
  // Binds <host>:<free port> and starts serving. `host` must be a 127.0.0.0/8
  // address (tests never listen elsewhere); 127.0.0.2 etc. let tests tell
  // servers apart by address. False when binding failed.
  bool Start(const std::string& host = "127.0.0.1");
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  std::string Url(const std::string& path) const;
  void Stop();

 private:
  httplib::Server server_;
  std::thread thread_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
};

// A port on 127.0.0.1 with nothing listening (bound, then closed).
int UnusedLoopbackPort();

}  // namespace mw::testing
