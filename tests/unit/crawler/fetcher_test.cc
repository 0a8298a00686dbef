#include "crawler/fetcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/loopback_server.h"

namespace mw {
namespace {

using testing::LoopbackServer;

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Options for talking to the loopback servers: loopback allowed past the
// SSRF guard, no politeness delay (tests that check the delay set their own).
FetcherOptions Loopback() {
  FetcherOptions o;
  o.allowed_cidrs = {"127.0.0.0/8"};
  o.min_host_delay_ms = 0;
  return o;
}

std::vector<FetchResult> FetchAll(Fetcher& fetcher, std::vector<FetchRequest> requests) {
  std::vector<FetchResult> results;
  Status s = fetcher.Run(std::move(requests), [&](FetchResult&& r, const Fetcher::Enqueue&) {
    results.push_back(std::move(r));
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return results;
}

FetchResult FetchOne(const FetcherOptions& options, const std::string& url, FetchRequest req = {}) {
  Fetcher fetcher(options);
  req.url = url;
  auto results = FetchAll(fetcher, {req});
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? FetchResult{} : results[0];
}

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& http = server_.http();
    http.Get("/hello", [this](const httplib::Request&, httplib::Response& res) {
      ++hello_hits_;
      res.set_header("ETag", "\"v1\"");
      res.set_header("Last-Modified", "Tue, 16 Dec 2025 10:00:00 GMT");
      res.set_content("hello world", "text/plain; charset=utf-8");
    });
    http.Get("/conditional", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_if_none_match_ = req.get_header_value("If-None-Match");
      seen_if_modified_since_ = req.get_header_value("If-Modified-Since");
      if (seen_if_none_match_ == "\"v1\"") {
        res.status = 304;
        return;
      }
      res.set_header("ETag", "\"v1\"");
      res.set_content("body", "text/plain");
    });
    http.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("nope", "text/plain");
    });
    http.Get("/bomb", [](const httplib::Request&, httplib::Response& res) {
      // 8 MiB of zeros compress to a few KiB: the cap must count decoded bytes.
      static const std::string bomb = Gzip(std::string(8u << 20, '\0'));
      res.set_header("Content-Encoding", "gzip");
      res.set_content(bomb, "application/octet-stream");
    });
    http.Get("/gzip", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Encoding", "gzip");
      res.set_content(Gzip("compressed hello"), "application/octet-stream");
    });
    http.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(2u << 20, 'x'), "application/octet-stream");
    });
    http.Get(R"(/redirect/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      int n = std::stoi(req.matches[1]);
      if (n == 0) {
        res.set_content("arrived", "text/plain");
      } else {
        res.set_redirect(server_.Url("/redirect/" + std::to_string(n - 1)));
      }
    });
    http.Get("/to-ftp", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("ftp://127.0.0.1/file");
    });
    http.Get("/to-file", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("file:///etc/passwd");
    });
    http.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("late", "text/plain");
    });
    http.Get(R"(/counted/(\d+))", [this](const httplib::Request&, httplib::Response& res) {
      int now = ++in_flight_;
      int prev = max_in_flight_.load();
      while (now > prev && !max_in_flight_.compare_exchange_weak(prev, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      --in_flight_;
      res.set_content("ok", "text/plain");
    });
    http.Get("/headers", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(
          req.get_header_value("User-Agent") + "|" + req.get_header_value("Accept-Encoding"),
          "text/plain");
    });
    http.Get("/stamp", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      arrivals_.push_back(std::chrono::steady_clock::now());
      res.set_content("stamped", "text/plain");
    });
    http.Get("/retry", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", "120");
      res.set_content("busy", "text/plain");
    });
    http.Get("/retry-date", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT");
      res.set_content("slow down", "text/plain");
    });
    http.Get("/retry-ok", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Retry-After", "120");  // meaningless on a 200
      res.set_content("fine", "text/plain");
    });
    http.Get("/cache", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "public");
      res.set_header("Cache-Control", "max-age=300");
      res.set_header("Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
      res.set_content("cached", "text/plain");
    });
    http.Get("/expires", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
      res.set_header("Expires", "Sun, 06 Nov 1994 09:19:37 GMT");
      res.set_content("expires", "text/plain");
    });
    // /chain/301,308 answers 301 to /chain/308, which answers 308 to /chain/.
    http.Get(R"(/chain/([0-9,]*))", [this](const httplib::Request& req, httplib::Response& res) {
      std::string codes = req.matches[1];
      if (codes.empty()) {
        res.set_content("end of chain", "text/plain");
        return;
      }
      size_t comma = codes.find(',');
      int code = std::stoi(codes.substr(0, comma));
      std::string rest = comma == std::string::npos ? "" : codes.substr(comma + 1);
      res.set_redirect(server_.Url("/chain/" + rest), code);
    });
    ASSERT_TRUE(server_.Start());
  }

  // Gaps between the arrivals of /stamp requests, in milliseconds.
  std::vector<long> ArrivalGapsMs() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<long> gaps;
    for (size_t i = 1; i < arrivals_.size(); ++i) {
      gaps.push_back(static_cast<long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(arrivals_[i] - arrivals_[i - 1])
              .count()));
    }
    return gaps;
  }

  LoopbackServer server_;
  std::mutex mu_;
  std::string seen_if_none_match_;
  std::string seen_if_modified_since_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  std::atomic<int> hello_hits_{0};
  std::vector<std::chrono::steady_clock::time_point> arrivals_;
};

TEST_F(FetcherTest, FetchesBodyHeadersAndValidators) {
  FetchResult r = FetchOne(Loopback(), server_.Url("/hello"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.etag, "\"v1\"");
  EXPECT_EQ(r.last_modified, "Tue, 16 Dec 2025 10:00:00 GMT");
  EXPECT_EQ(r.final_url, server_.Url("/hello"));
}

TEST_F(FetcherTest, SendsUserAgentAndAcceptsCompression) {
  FetchResult r = FetchOne(Loopback(), server_.Url("/headers"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_NE(r.body.find("mediawatch/"), std::string::npos);
  EXPECT_NE(r.body.find("gzip"), std::string::npos);
  EXPECT_NE(r.body.find("br"), std::string::npos);
  EXPECT_NE(r.body.find("zstd"), std::string::npos);
}

TEST_F(FetcherTest, DecodesGzip) {
  FetchResult r = FetchOne(Loopback(), server_.Url("/gzip"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "compressed hello");
}

TEST_F(FetcherTest, ConditionalGetSendsValidatorsAndSees304) {
  FetchRequest req;
  req.if_none_match = "\"v1\"";
  req.if_modified_since = "Tue, 16 Dec 2025 10:00:00 GMT";
  FetchResult r = FetchOne(Loopback(), server_.Url("/conditional"), req);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.http_status, 304);
  EXPECT_TRUE(r.body.empty());
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(seen_if_none_match_, "\"v1\"");
  EXPECT_EQ(seen_if_modified_since_, "Tue, 16 Dec 2025 10:00:00 GMT");
}

TEST_F(FetcherTest, ValidatorsWithLineBreaksAreNotSent) {
  FetchRequest req;
  req.if_none_match = "\"v1\"\r\nX-Injected: 1";
  FetchResult r = FetchOne(Loopback(), server_.Url("/conditional"), req);
  EXPECT_EQ(r.http_status, 200);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(seen_if_none_match_, "");
}

TEST_F(FetcherTest, HttpErrorsAreResponsesNotTransportErrors) {
  FetchResult r = FetchOne(Loopback(), server_.Url("/missing"));
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.http_status, 404);
}

TEST_F(FetcherTest, DecodedSizeCapStopsCompressionBombs) {
  FetcherOptions o = Loopback();
  o.max_body_bytes = 1u << 20;
  FetchResult r = FetchOne(o, server_.Url("/bomb"));
  EXPECT_EQ(r.status.code(), StatusCode::kTooLarge) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
}

TEST_F(FetcherTest, PlainBodyOverCapIsTooLarge) {
  FetcherOptions o = Loopback();
  o.max_body_bytes = 1u << 20;
  FetchResult r = FetchOne(o, server_.Url("/big"));
  EXPECT_EQ(r.status.code(), StatusCode::kTooLarge) << r.status.ToString();
}

TEST_F(FetcherTest, FollowsUpToFiveRedirects) {
  FetchResult ok = FetchOne(Loopback(), server_.Url("/redirect/5"));
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.body, "arrived");
  EXPECT_EQ(ok.final_url, server_.Url("/redirect/0"));
  FetchResult too_many = FetchOne(Loopback(), server_.Url("/redirect/6"));
  EXPECT_EQ(too_many.status.code(), StatusCode::kNetworkError);
  EXPECT_NE(too_many.status.message().find("redirects"), std::string::npos);
}

TEST_F(FetcherTest, RefusesRedirectsToOtherSchemes) {
  EXPECT_FALSE(FetchOne(Loopback(), server_.Url("/to-ftp")).status.ok());
  FetchResult file = FetchOne(Loopback(), server_.Url("/to-file"));
  EXPECT_FALSE(file.status.ok());
  EXPECT_EQ(file.body.find("root:"), std::string::npos);
}

TEST_F(FetcherTest, RefusesNonHttpUrls) {
  FetchResult r = FetchOne(Loopback(), "file:///etc/passwd");
  EXPECT_EQ(r.status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(FetcherTest, UnreachableHostIsNetworkError) {
  FetchResult r = FetchOne(
      Loopback(), "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) + "/");
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError);
}

TEST_F(FetcherTest, TotalTimeout) {
  FetcherOptions o = Loopback();
  o.total_timeout_ms = 300;
  FetchResult r = FetchOne(o, server_.Url("/slow"));
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError);
}

TEST_F(FetcherTest, PerHostLimitIsRespected) {
  FetcherOptions o = Loopback();
  o.max_per_host = 2;
  o.max_concurrency = 16;
  Fetcher fetcher(o);
  std::vector<FetchRequest> reqs;
  for (int i = 0; i < 10; ++i)
    reqs.push_back(
        {server_.Url("/counted/" + std::to_string(i)), "", "", static_cast<uint64_t>(i)});
  auto results = FetchAll(fetcher, reqs);
  ASSERT_EQ(results.size(), 10u);
  for (const auto& r : results) EXPECT_EQ(r.http_status, 200);
  EXPECT_LE(max_in_flight_.load(), 2);
  EXPECT_GE(max_in_flight_.load(), 1);
}

TEST_F(FetcherTest, ConcurrencyAcrossHosts) {
  // 127.0.0.1 and localhost are different hosts to the politeness limit.
  FetcherOptions o = Loopback();
  o.max_per_host = 1;
  Fetcher fetcher(o);
  std::string port = std::to_string(server_.port());
  std::vector<FetchRequest> reqs;
  for (int i = 0; i < 4; ++i) {
    reqs.push_back({"http://127.0.0.1:" + port + "/counted/" + std::to_string(i), "", "", 0});
    reqs.push_back({"http://localhost:" + port + "/counted/" + std::to_string(i), "", "", 0});
  }
  auto results = FetchAll(fetcher, reqs);
  EXPECT_EQ(results.size(), 8u);
  EXPECT_LE(max_in_flight_.load(), 2);
}

TEST_F(FetcherTest, CallbacksCanEnqueueMoreWork) {
  Fetcher fetcher(Loopback());
  std::vector<std::string> bodies;
  Status s = fetcher.Run({{server_.Url("/hello"), "", "", 1}},
                         [&](FetchResult&& r, const Fetcher::Enqueue& enqueue) {
                           bodies.push_back(r.body);
                           if (r.token == 1) enqueue({server_.Url("/redirect/0"), "", "", 2});
                         });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(bodies, (std::vector<std::string>{"hello world", "arrived"}));
}

TEST_F(FetcherTest, ConnectToSendsEveryHostToTheGivenAddress) {
  FetcherOptions o = Loopback();
  o.connect_to = "127.0.0.1:" + std::to_string(server_.port());
  // A .test host never resolves; connect_to routes it to the loopback server.
  FetchResult r = FetchOne(o, "http://outlet.example.test/hello");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "hello world");
}

TEST_F(FetcherTest, StopAbortsPendingWork) {
  Fetcher fetcher(Loopback());
  std::vector<FetchRequest> reqs;
  for (int i = 0; i < 6; ++i) reqs.push_back({server_.Url("/slow"), "", "", 0});
  size_t done = 0;
  auto started = std::chrono::steady_clock::now();
  Status s = fetcher.Run(
      reqs, [&](FetchResult&&, const Fetcher::Enqueue&) { ++done; }, [] { return true; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(done, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

// --- Politeness delay -------------------------------------------------------

// The delay is measured where it matters, at the server. The first request
// also pays for connecting, so a gap can look up to a few ms shorter than the
// delay between the starts; 200 ms apart vs. ~0 without the delay.
constexpr long kDelayMs = 200;
constexpr long kDelaySlackMs = 15;

TEST_F(FetcherTest, MinHostDelaySpacesRequestStartsToOneHost) {
  FetcherOptions o = Loopback();
  o.min_host_delay_ms = kDelayMs;
  o.max_per_host = 4;  // the delay, not the in-flight limit, must do the spacing
  Fetcher fetcher(o);
  auto results = FetchAll(
      fetcher, {{server_.Url("/stamp")}, {server_.Url("/stamp")}, {server_.Url("/stamp")}});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  std::vector<long> gaps = ArrivalGapsMs();
  ASSERT_EQ(gaps.size(), 2u);
  for (long gap : gaps) EXPECT_GE(gap, kDelayMs - kDelaySlackMs);
}

TEST_F(FetcherTest, WithoutDelayRequestsToOneHostOverlap) {
  // The control for the test above: the same requests, no delay.
  FetcherOptions o = Loopback();
  o.max_per_host = 4;
  Fetcher fetcher(o);
  auto results = FetchAll(
      fetcher, {{server_.Url("/stamp")}, {server_.Url("/stamp")}, {server_.Url("/stamp")}});
  ASSERT_EQ(results.size(), 3u);
  std::vector<long> gaps = ArrivalGapsMs();
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_LT(gaps[0] + gaps[1], 2 * (kDelayMs - kDelaySlackMs));
}

TEST_F(FetcherTest, SetHostDelayOverridesTheDefault) {
  FetcherOptions o = Loopback();
  o.min_host_delay_ms = 60000;  // would make this test take two minutes
  Fetcher fetcher(o);
  fetcher.SetHostDelay("127.0.0.1", kDelayMs);
  size_t done = 0;
  auto started = std::chrono::steady_clock::now();
  Status s = fetcher.Run(
      {{server_.Url("/stamp")}, {server_.Url("/stamp")}, {server_.Url("/stamp")}},
      [&](FetchResult&& r, const Fetcher::Enqueue&) {
        EXPECT_TRUE(r.status.ok()) << r.status.ToString();
        ++done;
      },
      // A safety net so a broken override fails instead of hanging.
      [&] { return std::chrono::steady_clock::now() - started > std::chrono::seconds(15); });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(done, 3u);
  for (long gap : ArrivalGapsMs()) EXPECT_GE(gap, kDelayMs - kDelaySlackMs);
}

TEST_F(FetcherTest, SetHostDelayFromACallbackDelaysTheNextStart) {
  Fetcher fetcher(Loopback());
  int done = 0;
  Status s = fetcher.Run({{server_.Url("/stamp"), "", "", 1}},
                         [&](FetchResult&& r, const Fetcher::Enqueue& enqueue) {
                           ++done;
                           if (r.token == 1) {
                             // As the pipeline does after reading robots.txt.
                             fetcher.SetHostDelay("127.0.0.1", kDelayMs + 100);
                             enqueue({server_.Url("/stamp"), "", "", 2});
                           }
                         });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(done, 2);
  std::vector<long> gaps = ArrivalGapsMs();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_GE(gaps[0], kDelayMs + 100 - kDelaySlackMs);
}

TEST_F(FetcherTest, StopIsHonouredWhileWaitingForAHostDelay) {
  FetcherOptions o = Loopback();
  o.min_host_delay_ms = 60000;
  Fetcher fetcher(o);
  int done = 0;
  auto started = std::chrono::steady_clock::now();
  Status s = fetcher.Run(
      {{server_.Url("/stamp")}, {server_.Url("/stamp")}},
      [&](FetchResult&&, const Fetcher::Enqueue&) { ++done; }, [&] { return done >= 1; });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(done, 1);
  // Not a performance bound: without the stop, Run would wait a minute.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(FetcherTest, HugeHostDelayIsClampedNotOverflowed) {
  // A hostile Crawl-delay passed on as-is: the time arithmetic must not
  // overflow (UBSan checks), and the second request simply waits.
  Fetcher fetcher(Loopback());
  fetcher.SetHostDelay("127.0.0.1", std::numeric_limits<long>::max());
  int done = 0;
  Status s = fetcher.Run(
      {{server_.Url("/stamp")}, {server_.Url("/stamp")}},
      [&](FetchResult&&, const Fetcher::Enqueue&) { ++done; }, [&] { return done >= 1; });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(done, 1);
}

TEST_F(FetcherTest, ManyHostsEachKeepTheirOwnLimit) {
  // 400 requests to 100 host names, all routed to one server: every request
  // succeeds, each host gets its 4, and no host ever has 2 in flight.
  LoopbackServer many;
  std::mutex mu;
  std::map<std::string, int> in_flight, max_in_flight, served;
  int total_in_flight = 0, max_total_in_flight = 0;
  many.http().new_task_queue = [] { return new httplib::ThreadPool(16); };
  many.http().Get("/item", [&](const httplib::Request& req, httplib::Response& res) {
    std::string host = req.get_header_value("Host");
    {
      std::lock_guard<std::mutex> lock(mu);
      int now = ++in_flight[host];
      max_in_flight[host] = std::max(max_in_flight[host], now);
      ++served[host];
      max_total_in_flight = std::max(max_total_in_flight, ++total_in_flight);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    {
      std::lock_guard<std::mutex> lock(mu);
      --in_flight[host];
      --total_in_flight;
    }
    res.set_content("item", "application/octet-stream");
  });
  ASSERT_TRUE(many.Start());
  FetcherOptions o = Loopback();
  o.max_per_host = 1;
  o.max_concurrency = 16;
  o.connect_to = "127.0.0.1:" + std::to_string(many.port());
  Fetcher fetcher(o);
  std::vector<FetchRequest> reqs;
  for (int round = 0; round < 4; ++round) {
    for (int h = 0; h < 100; ++h) {
      reqs.push_back({"http://h" + std::to_string(h) + ".example.test/item"});
    }
  }
  auto results = FetchAll(fetcher, reqs);
  ASSERT_EQ(results.size(), 400u);
  for (const auto& r : results) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(served.size(), 100u);
  for (const auto& [host, n] : served) EXPECT_EQ(n, 4) << host;
  for (const auto& [host, n] : max_in_flight) EXPECT_EQ(n, 1) << host;
  // The per-host limit is per host name, not per address connected to:
  // with connect_to, libcurl's own per-host limit held all 100 hosts
  // together to one transfer at a time.
  EXPECT_GT(max_total_in_flight, 1);
}

// A server on loopback that records, per request, the Host header and the
// client port (one port = one TCP connection), and keeps connections alive.
class ConnectionLog {
 public:
  ConnectionLog() {
    server_.http().set_keep_alive_max_count(1000);
    server_.http().Get("/page", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      hosts_.push_back(req.get_header_value("Host"));
      ports_.insert(req.remote_port);
      res.set_content("page", "text/plain");
    });
  }
  bool Start() { return server_.Start(); }
  // Fetches `reqs` with one transfer at a time (max_concurrency and
  // max_per_host 1), every host sent to this server; expects all to succeed.
  void FetchOneAtATime(std::vector<FetchRequest> reqs) {
    FetcherOptions o = Loopback();
    o.connect_to = "127.0.0.1:" + std::to_string(server_.port());
    o.max_concurrency = 1;
    o.max_per_host = 1;
    Fetcher fetcher(o);
    const size_t n = reqs.size();
    auto results = FetchAll(fetcher, std::move(reqs));
    ASSERT_EQ(results.size(), n);
    for (const auto& r : results) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  }
  std::vector<std::string> hosts() {
    std::lock_guard<std::mutex> lock(mu_);
    return hosts_;
  }
  size_t connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return ports_.size();
  }

 private:
  LoopbackServer server_;
  std::mutex mu_;
  std::vector<std::string> hosts_;
  std::set<int> ports_;
};

TEST_F(FetcherTest, KeepAliveWhenMoreHostsThanConnections) {
  // One connection at a time, two hosts with 10 requests each queued in
  // turn: taking strict turns would close the connection for every request.
  ConnectionLog log;
  ASSERT_TRUE(log.Start());
  std::vector<FetchRequest> reqs;
  for (int i = 0; i < 10; ++i) {
    for (const char* host : {"a.example.test", "b.example.test"}) {
      reqs.push_back({"http://" + std::string(host) + "/page?i=" + std::to_string(i)});
    }
  }
  log.FetchOneAtATime(std::move(reqs));
  EXPECT_LE(log.connections(), 3u);
}

TEST_F(FetcherTest, ABusyHostDoesNotHoldTheSlotsForever) {
  // Host a has 40 requests queued before host b's one: a keeps its
  // connection for a while, then b gets its turn well before a is done.
  ConnectionLog log;
  ASSERT_TRUE(log.Start());
  std::vector<FetchRequest> reqs;
  for (int i = 0; i < 40; ++i) {
    reqs.push_back({"http://a.example.test/page?i=" + std::to_string(i)});
  }
  reqs.push_back({"http://b.example.test/page"});
  log.FetchOneAtATime(std::move(reqs));
  std::vector<std::string> order = log.hosts();
  auto b = std::find(order.begin(), order.end(), "b.example.test");
  ASSERT_NE(b, order.end());
  EXPECT_LE(b - order.begin(), 17);  // a's first request, then at most 16 in a row
  EXPECT_GE(b - order.begin(), 2);   // ... but a did keep its connection
}

// --- SSRF guard ---------------------------------------------------------------

TEST_F(FetcherTest, LoopbackIsRefusedByDefault) {
  FetcherOptions o;  // defaults: private addresses blocked, none allowed
  o.min_host_delay_ms = 0;
  FetchResult r = FetchOne(o, server_.Url("/hello"));
  EXPECT_EQ(r.status.code(), StatusCode::kForbidden) << r.status.ToString();
  EXPECT_EQ(r.status.message(),
            "refusing to connect to 127.0.0.1 (loopback address); allow it with --allow-cidr");
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(hello_hits_.load(), 0);
}

TEST_F(FetcherTest, AllowedCidrLetsLoopbackThrough) {
  FetcherOptions o;
  o.min_host_delay_ms = 0;
  o.allowed_cidrs = {"127.0.0.0/8"};
  FetchResult r = FetchOne(o, server_.Url("/hello"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(hello_hits_.load(), 1);
  // A block that does not contain the address does not help.
  o.allowed_cidrs = {"127.0.0.2/32", "10.0.0.0/8", "::1/128"};
  EXPECT_EQ(FetchOne(o, server_.Url("/hello")).status.code(), StatusCode::kForbidden);
  EXPECT_EQ(hello_hits_.load(), 1);
}

TEST_F(FetcherTest, GuardCanBeSwitchedOff) {
  FetcherOptions o;
  o.min_host_delay_ms = 0;
  o.block_private_addresses = false;
  EXPECT_TRUE(FetchOne(o, server_.Url("/hello")).status.ok());
}

TEST_F(FetcherTest, NamesThatResolveToLoopbackAreRefused) {
  // The check is on the resolved address, whatever the name.
  FetcherOptions o;
  o.min_host_delay_ms = 0;
  FetchResult r = FetchOne(o, "http://localhost:" + std::to_string(server_.port()) + "/hello");
  EXPECT_EQ(r.status.code(), StatusCode::kForbidden) << r.status.ToString();
  EXPECT_NE(r.status.message().find("loopback address"), std::string::npos);
  EXPECT_EQ(hello_hits_.load(), 0);
}

TEST_F(FetcherTest, ConnectToTargetIsChecked) {
  FetcherOptions o;
  o.min_host_delay_ms = 0;
  o.connect_to = "127.0.0.1:" + std::to_string(server_.port());
  FetchResult r = FetchOne(o, "http://outlet.example.test/hello");
  EXPECT_EQ(r.status.code(), StatusCode::kForbidden) << r.status.ToString();
  EXPECT_EQ(hello_hits_.load(), 0);
}

TEST_F(FetcherTest, RedirectFromAllowedToBlockedAddressIsForbidden) {
  // Only 127.0.0.2 is allowed; it redirects to 127.0.0.1, which is not.
  LoopbackServer front;
  front.http().Get("/go", [this](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(server_.Url("/hello"));
  });
  front.http().Get("/fine", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("front", "text/plain");
  });
  ASSERT_TRUE(front.Start("127.0.0.2"));
  FetcherOptions o;
  o.min_host_delay_ms = 0;
  o.allowed_cidrs = {"127.0.0.2/32"};
  FetchResult ok = FetchOne(o, front.Url("/fine"));
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  FetchResult r = FetchOne(o, front.Url("/go"));
  EXPECT_EQ(r.status.code(), StatusCode::kForbidden) << r.status.ToString();
  EXPECT_NE(r.status.message().find("127.0.0.1 (loopback address)"), std::string::npos);
  EXPECT_EQ(hello_hits_.load(), 0);
}

TEST_F(FetcherTest, InvalidAllowedCidrFailsRunBeforeAnyTraffic) {
  FetcherOptions o = Loopback();
  o.allowed_cidrs = {"127.0.0.0/8", "10.0.0.1/8"};
  Fetcher fetcher(o);
  int done = 0;
  Status s = fetcher.Run({{server_.Url("/hello")}},
                         [&](FetchResult&&, const Fetcher::Enqueue&) { ++done; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("10.0.0.1/8"), std::string::npos) << s.message();
  EXPECT_EQ(done, 0);
  EXPECT_EQ(hello_hits_.load(), 0);
}

// --- Retry-After, freshness, permanent redirects -----------------------------

TEST_F(FetcherTest, RetryAfterSecondsAndDates) {
  FetcherOptions o = Loopback();
  o.now = [] { return int64_t{784111777 - 90}; };  // 90 s before the date served
  FetchResult seconds = FetchOne(o, server_.Url("/retry"));
  ASSERT_TRUE(seconds.status.ok());
  EXPECT_EQ(seconds.http_status, 503);
  EXPECT_EQ(seconds.retry_after_seconds, 120);
  FetchResult date = FetchOne(o, server_.Url("/retry-date"));
  EXPECT_EQ(date.http_status, 429);
  EXPECT_EQ(date.retry_after_seconds, 90);
  EXPECT_EQ(FetchOne(o, server_.Url("/retry-ok")).retry_after_seconds, std::nullopt);
  EXPECT_EQ(FetchOne(o, server_.Url("/hello")).retry_after_seconds, std::nullopt);
}

TEST_F(FetcherTest, FreshnessFromMaxAgeOrExpires) {
  FetcherOptions o = Loopback();
  o.now = [] { return int64_t{2000000000}; };  // far from the served Date
  // Two Cache-Control fields are one list; max-age beats Expires.
  EXPECT_EQ(FetchOne(o, server_.Url("/cache")).max_age_seconds, 300);
  // Expires - Date, not Expires - now.
  EXPECT_EQ(FetchOne(o, server_.Url("/expires")).max_age_seconds, 1800);
  EXPECT_EQ(FetchOne(o, server_.Url("/missing")).max_age_seconds, std::nullopt);
}

TEST_F(FetcherTest, PermanentRedirectUrlOnlyWhenEveryHopIsPermanent) {
  FetchResult both = FetchOne(Loopback(), server_.Url("/chain/301,308"));
  ASSERT_TRUE(both.status.ok()) << both.status.ToString();
  EXPECT_EQ(both.body, "end of chain");
  EXPECT_EQ(both.redirects, 2);
  EXPECT_EQ(both.permanent_redirect_url, server_.Url("/chain/"));
  EXPECT_EQ(both.final_url, server_.Url("/chain/"));
  for (const char* mixed : {"301,302", "302,301", "308,307", "303", "301,301,307,301"}) {
    FetchResult r = FetchOne(Loopback(), server_.Url(std::string("/chain/") + mixed));
    ASSERT_TRUE(r.status.ok()) << mixed << ": " << r.status.ToString();
    EXPECT_EQ(r.body, "end of chain") << mixed;
    EXPECT_EQ(r.permanent_redirect_url, "") << mixed;
  }
  FetchResult none = FetchOne(Loopback(), server_.Url("/hello"));
  EXPECT_EQ(none.permanent_redirect_url, "");
  EXPECT_EQ(none.redirects, 0);
}

// --- Proxies --------------------------------------------------------------------

// microsocks (Debian package, installed by scripts/install-deps.sh) as a
// child process: a SOCKS5 proxy on 127.0.0.5 (an address no other test
// listens on, so a port taken between picking and binding is noticed) whose
// outgoing connections come from `bind_address`, so the target server can
// tell proxied connections from direct ones.
class Microsocks {
 public:
  static constexpr const char* kBinary = "/usr/bin/microsocks";
  static constexpr const char* kListenAddress = "127.0.0.5";

  ~Microsocks() { Stop(); }

  // "" on success, else what went wrong.
  std::string Start(const std::string& bind_address) {
    if (::access(kBinary, X_OK) != 0) {
      return std::string(kBinary) +
             " is missing: the SOCKS5 tests need Debian's microsocks (scripts/install-deps.sh)";
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = testing::UnusedLoopbackPort();
      std::string port = std::to_string(port_);
      std::vector<std::string> args = {kBinary, "-i", kListenAddress, "-p",
                                       port,    "-b", bind_address};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      // Its per-connection log lines go to /dev/null, not the test output.
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
      int rc = posix_spawn(&pid_, kBinary, &actions, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      if (rc != 0) {
        pid_ = -1;
        return "posix_spawn failed";
      }
      if (WaitUntilListening()) return "";
      Stop();  // the port was taken in between: try another
    }
    return "microsocks did not start listening";
  }

  // "127.0.0.5:PORT"
  std::string where() const { return std::string(kListenAddress) + ":" + std::to_string(port_); }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  bool WaitUntilListening() {
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // exited (bind failed)
      }
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      ::inet_pton(AF_INET, kListenAddress, &addr.sin_addr);
      addr.sin_port = htons(static_cast<uint16_t>(port_));
      bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      if (up) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  pid_t pid_ = -1;
  int port_ = 0;
};

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The target echoes the address the connection came from.
    target_.http().Get("/whoami", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits_;
      res.set_content(req.remote_addr, "text/plain");
    });
    ASSERT_TRUE(target_.Start("127.0.0.2"));
  }

  // Only the proxies' addresses (127.0.0.5 for microsocks, 127.0.0.1 for the
  // others) are allowed: the target (127.0.0.2) is reachable only through a
  // proxy.
  FetcherOptions ProxyOptions(const std::string& proxy) {
    FetcherOptions o;
    o.min_host_delay_ms = 0;
    o.allowed_cidrs = {"127.0.0.1/32", "127.0.0.5/32"};
    o.proxy = proxy;
    return o;
  }

  LoopbackServer target_;
  std::atomic<int> hits_{0};
};

TEST_F(ProxyTest, Socks5hAndSocks5GoThroughTheProxy) {
  Microsocks socks;
  std::string error = socks.Start("127.0.0.3");
  ASSERT_EQ(error, "");
  std::string where = socks.where();
  // Directly, the guard refuses the target...
  EXPECT_EQ(FetchOne(ProxyOptions(""), target_.Url("/whoami")).status.code(),
            StatusCode::kForbidden);
  EXPECT_EQ(hits_.load(), 0);
  // ...through the proxy only the proxy's address is checked, and the target
  // sees the connection come from microsocks' bind address.
  for (const std::string scheme : {"socks5h://", "socks5://"}) {
    FetchResult r = FetchOne(ProxyOptions(scheme + where), target_.Url("/whoami"));
    ASSERT_TRUE(r.status.ok()) << scheme << ": " << r.status.ToString();
    EXPECT_EQ(r.body, "127.0.0.3") << scheme;
  }
  EXPECT_EQ(hits_.load(), 2);
}

TEST_F(ProxyTest, RequestProxyOverridesTheDefault) {
  Microsocks socks;
  ASSERT_EQ(socks.Start("127.0.0.4"), "");
  FetcherOptions o =
      ProxyOptions("socks5h://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()));
  FetchRequest req;
  req.proxy = "socks5h://" + socks.where();
  FetchResult r = FetchOne(o, target_.Url("/whoami"), req);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "127.0.0.4");
}

TEST_F(ProxyTest, DeadProxyIsANetworkErrorAndNothingLeaksDirectly) {
  int dead = testing::UnusedLoopbackPort();
  FetchResult r =
      FetchOne(ProxyOptions("socks5h://127.0.0.1:" + std::to_string(dead)), target_.Url("/whoami"));
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError) << r.status.ToString();
  EXPECT_EQ(hits_.load(), 0);
}

TEST_F(ProxyTest, HttpProxyReceivesTheAbsoluteUrl) {
  // A loopback server playing an HTTP proxy: it gets the absolute URL.
  LoopbackServer proxy;
  std::mutex mu;
  std::string seen_path;
  proxy.http().Get(R"(.*)", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    seen_path = req.path;
    res.set_content("from the proxy", "text/plain");
  });
  ASSERT_TRUE(proxy.Start());
  // The .test name never resolves: only the proxy can have answered.
  FetchResult r = FetchOne(ProxyOptions("http://127.0.0.1:" + std::to_string(proxy.port())),
                           "http://outlet.example.test/feed.xml");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "from the proxy");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen_path, "http://outlet.example.test/feed.xml");
}

TEST_F(ProxyTest, BadProxiesAreRejected) {
  for (const char* bad : {"127.0.0.1:1080", "socks4://127.0.0.1:1080", "ftp://127.0.0.1:21",
                          "socks5h://", "http://proxy\r\n:8080"}) {
    Fetcher fetcher(ProxyOptions(bad));
    Status s =
        fetcher.Run({{target_.Url("/whoami")}}, [](FetchResult&&, const Fetcher::Enqueue&) {});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    FetchRequest req;
    req.proxy = bad;
    FetchResult r = FetchOne(ProxyOptions(""), target_.Url("/whoami"), req);
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(hits_.load(), 0);
}

TEST_F(ProxyTest, ProxyEnvironmentVariablesAreIgnored) {
  // With http_proxy pointing nowhere, a direct request still works.
  LoopbackServer direct;
  direct.http().Get("/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("direct", "text/plain");
  });
  ASSERT_TRUE(direct.Start());
  std::string dead = "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort());
  ::setenv("http_proxy", dead.c_str(), 1);
  ::setenv("ALL_PROXY", dead.c_str(), 1);
  FetchResult r = FetchOne(Loopback(), direct.Url("/x"));
  ::unsetenv("http_proxy");
  ::unsetenv("ALL_PROXY");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "direct");
}

}  // namespace
}  // namespace mw
