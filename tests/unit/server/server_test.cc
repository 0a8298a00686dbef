// `mediawatch serve` over loopback (server/server.h): a real listener on
// 127.0.0.1 with httplib::Client — headers on every response, HEAD, methods,
// the library's own errors as JSON, tokens, the Host check, many clients on
// a small pool, and the listen-address and token checks (a non-loopback
// address is only ever an argument that must be refused before binding).
#include "server/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/server/api_fixture.h"

namespace mw {
namespace {

using nlohmann::json;

class ServerTest : public testing::ApiSuite {
 protected:
  std::unique_ptr<server::Server> Start(server::ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    Result<std::unique_ptr<server::Server>> s = server::Server::Start(db_->store.get(), options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  static httplib::Client Client(const server::Server& s) {
    httplib::Client c("127.0.0.1", s.port());
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    return c;
  }
  static void ExpectSecurityHeaders(const httplib::Response& r) {
    EXPECT_THAT(r.get_header_value("Content-Security-Policy"),
                ::testing::HasSubstr("default-src 'none'"));
    EXPECT_EQ(r.get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.get_header_value("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(r.get_header_value_count("Content-Security-Policy"), 1u);
  }
};

TEST_F(ServerTest, ServesTheApiAndTheDashboardWithHeaders) {
  auto s = Start();
  ASSERT_NE(s, nullptr);
  EXPECT_GT(s->port(), 0);
  EXPECT_EQ(s->url(), "http://127.0.0.1:" + std::to_string(s->port()) + "/");
  httplib::Client c = Client(*s);
  auto r = c.Get("/api/v1/matches?lang=ug&limit=1");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  ExpectSecurityHeaders(*r);
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  json j = json::parse(r->body);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["items"][0]["source"], "ئەركىن ئاسىيا");

  // Percent-encoded UTF-8 parameters arrive decoded.
  r = c.Get(
      "/api/v1/"
      "matches?source=%D8%A6%DB%95%D8%B1%D9%83%D9%89%D9%86%20%D8%A6%D8%A7%D8%B3%D9%89%D9%8A%D8%A7");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["items"].size(), 1u) << r->body;

  r = c.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->get_header_value("Content-Type"), ::testing::StartsWith("text/html"));
  ExpectSecurityHeaders(*r);

  r = c.Get("/api/v1/articles/0123456789abcdef");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  ExpectSecurityHeaders(*r);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "not_found");
}

TEST_F(ServerTest, HeadHasNoBodyAndOtherMethodsAre405) {
  auto s = Start();
  ASSERT_NE(s, nullptr);
  httplib::Client c = Client(*s);
  auto get = c.Get("/api/v1/stats");
  auto head = c.Head("/api/v1/stats");
  ASSERT_TRUE(get && head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(get->body.size()));
  ExpectSecurityHeaders(*head);
  auto post = c.Post("/api/v1/stats", "x=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  ExpectSecurityHeaders(*post);
  EXPECT_EQ(json::parse(post->body)["error"]["code"], "method_not_allowed");
  auto del = c.Delete("/api/v1/stats");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
}

TEST_F(ServerTest, HostileRequestsGetJsonErrorsWithHeaders) {
  auto s = Start();
  ASSERT_NE(s, nullptr);
  httplib::Client c = Client(*s);
  // Over the library's request-line limit (8 KiB): 414, still JSON with CSP.
  auto r = c.Get("/api/v1/matches?source=" + std::string(9000, 'a'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 414);
  ExpectSecurityHeaders(*r);
  EXPECT_EQ(json::parse(r->body)["error"]["status"], 414);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "uri_too_long");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  // A value over 1 KiB but within the line limit: 400 naming it.
  r = c.Get("/api/v1/matches?source=" + std::string(2000, 'a'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["error"]["parameter"], "source");
  for (const char* path : {"/api/v1/matches?source=%00", "/api/v1/matches?source=%ff%fe",
                           "/api/v1/matches?lang=%0d%0aSet-Cookie:%20x"}) {
    r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 400) << path;
    EXPECT_FALSE(r->has_header("Set-Cookie"));
    ExpectSecurityHeaders(*r);
  }
  for (const char* path : {"/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                           "/%2E%2E/index.html", "/index.html%00.js", "/%5c..%5cetc"}) {
    r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    ExpectSecurityHeaders(*r);
    EXPECT_THAT(r->body, ::testing::Not(::testing::HasSubstr("root:")));
  }
}

TEST_F(ServerTest, RawRequestLinesWithTraversalAreRefused) {
  auto s = Start();
  ASSERT_NE(s, nullptr);
  // httplib::Client normalizes nothing, but send the bytes ourselves to be sure.
  for (const std::string& target :
       std::vector<std::string>{"/../../etc/passwd", "/..", "/./../index.html"}) {
    httplib::Client c = Client(*s);
    httplib::Request req;
    req.method = "GET";
    req.path = target;
    auto r = c.send(req);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << target;
    EXPECT_THAT(r->body, ::testing::Not(::testing::HasSubstr("root:")));
  }
}

TEST_F(ServerTest, TokenRequiredAcceptedAndRejected) {
  server::ServerOptions options;
  options.token = "a-long-enough-token-42";
  auto s = Start(options);
  ASSERT_NE(s, nullptr);
  httplib::Client c = Client(*s);
  auto r = c.Get("/api/v1/stats");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  ExpectSecurityHeaders(*r);
  r = c.Get("/api/v1/stats", {{"Authorization", "Bearer wrong-token-but-long-1"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = c.Get("/api/v1/stats", {{"Authorization", "Bearer a-long-enough-token-42"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  c.set_bearer_token_auth("a-long-enough-token-42");
  r = c.Get("/api/v1/watchlists");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // With a token the Host check is off (a name of the machine is fine).
  r = c.Get("/api/v1/stats", {{"Host", "monitor.example.org:8080"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, LoopbackWithoutTokenChecksTheHostHeader) {
  auto s = Start();
  ASSERT_NE(s, nullptr);
  httplib::Client c = Client(*s);
  const std::string port = std::to_string(s->port());
  for (const std::string& host :
       std::vector<std::string>{"127.0.0.1:" + port, "localhost:" + port}) {
    auto r = c.Get("/api/v1/stats", {{"Host", host}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << host;
  }
  auto r = c.Get("/api/v1/stats", {{"Host", "attacker.example:" + port}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "bad_host");
}

TEST_F(ServerTest, ManyClientsOnASmallPool) {
  server::ServerOptions options;
  options.threads = 2;
  options.max_queued_connections = 2;
  auto s = Start(options);
  ASSERT_NE(s, nullptr);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 12; ++i) {
    clients.emplace_back([&] {
      httplib::Client c = Client(*s);
      c.set_keep_alive(false);
      for (int k = 0; k < 3; ++k) {
        auto r = c.Get("/api/v1/matches?limit=5");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), 36);
  s->Stop();
  s->Wait();
  s->Stop();  // idempotent
}

TEST_F(ServerTest, StartRefusesWhatIsUnsafe) {
  server::ServerOptions options;
  // TEST-NET-1 (RFC 5737): refused before any socket is made.
  options.host = "192.0.2.1";
  options.port = 0;
  Result<std::unique_ptr<server::Server>> s = server::Server::Start(db_->store.get(), options);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("token"));
  options.host = "0.0.0.0";
  EXPECT_EQ(server::Server::Start(db_->store.get(), options).status().code(),
            StatusCode::kInvalidArgument);
  options.host = "127.0.0.1";
  options.token = "short";
  EXPECT_EQ(server::Server::Start(db_->store.get(), options).status().code(),
            StatusCode::kInvalidArgument);
  options.token = "";
  options.port = 70000;
  EXPECT_EQ(server::Server::Start(db_->store.get(), options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ServerTest, BindingAPortInUseFails) {
  auto first = Start();
  ASSERT_NE(first, nullptr);
  server::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = first->port();
  Result<std::unique_ptr<server::Server>> second = server::Server::Start(db_->store.get(), options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIoError);
}

TEST(ListenAddressTest, Parses) {
  auto ok = [](const char* text, const char* host, int port) {
    Result<std::pair<std::string, int>> a = server::ParseListenAddress(text);
    ASSERT_TRUE(a.ok()) << text << ": " << a.status().ToString();
    EXPECT_EQ(a->first, host);
    EXPECT_EQ(a->second, port);
  };
  ok("127.0.0.1:8080", "127.0.0.1", 8080);
  ok("127.0.0.1:0", "127.0.0.1", 0);
  ok("localhost:80", "localhost", 80);
  ok("[::1]:9000", "::1", 9000);
  ok("0.0.0.0:8080", "0.0.0.0", 8080);
  for (const char* bad : {"", "8080", "127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:65536",
                          "127.0.0.1:-1", "127.0.0.1:80a", "::1:80", "[::1]80", "[nothing]:80",
                          "example.org:80", "127.0.0.1:0000008080", "[::1]:"}) {
    EXPECT_FALSE(server::ParseListenAddress(bad).ok()) << bad;
  }
}

TEST(ListenAddressTest, Loopback) {
  for (const char* yes : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"}) {
    EXPECT_TRUE(server::IsLoopbackHost(yes)) << yes;
  }
  for (const char* no : {"0.0.0.0", "192.0.2.1", "128.0.0.1", "::", "example.org", "",
                         "127.0.0.1.example.org", "localhost.example.org"}) {
    EXPECT_FALSE(server::IsLoopbackHost(no)) << no;
  }
}

TEST(TokenTest, Checks) {
  EXPECT_TRUE(server::CheckToken("0123456789abcdef").ok());
  EXPECT_FALSE(server::CheckToken("0123456789abcde").ok());
  EXPECT_FALSE(server::CheckToken(std::string(1025, 'a')).ok());
  EXPECT_FALSE(server::CheckToken("0123456789 abcdef").ok());
  EXPECT_FALSE(server::CheckToken("0123456789abcdef\n").ok());
  EXPECT_FALSE(server::CheckToken("0123456789abcdéf").ok());
  Status s = server::CheckToken("short-secret");
  EXPECT_THAT(s.message(), ::testing::Not(::testing::HasSubstr("short-secret")));
}

}  // namespace
}  // namespace mw
