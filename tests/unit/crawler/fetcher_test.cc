#include "crawler/fetcher.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

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
    http.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
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
    ASSERT_TRUE(server_.Start());
  }

  LoopbackServer server_;
  std::mutex mu_;
  std::string seen_if_none_match_;
  std::string seen_if_modified_since_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

TEST_F(FetcherTest, FetchesBodyHeadersAndValidators) {
  FetchResult r = FetchOne({}, server_.Url("/hello"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.etag, "\"v1\"");
  EXPECT_EQ(r.last_modified, "Tue, 16 Dec 2025 10:00:00 GMT");
  EXPECT_EQ(r.final_url, server_.Url("/hello"));
}

TEST_F(FetcherTest, SendsUserAgentAndAcceptsCompression) {
  FetchResult r = FetchOne({}, server_.Url("/headers"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_NE(r.body.find("mediawatch/"), std::string::npos);
  EXPECT_NE(r.body.find("gzip"), std::string::npos);
  EXPECT_NE(r.body.find("br"), std::string::npos);
  EXPECT_NE(r.body.find("zstd"), std::string::npos);
}

TEST_F(FetcherTest, DecodesGzip) {
  FetchResult r = FetchOne({}, server_.Url("/gzip"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "compressed hello");
}

TEST_F(FetcherTest, ConditionalGetSendsValidatorsAndSees304) {
  FetchRequest req;
  req.if_none_match = "\"v1\"";
  req.if_modified_since = "Tue, 16 Dec 2025 10:00:00 GMT";
  FetchResult r = FetchOne({}, server_.Url("/conditional"), req);
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
  FetchResult r = FetchOne({}, server_.Url("/conditional"), req);
  EXPECT_EQ(r.http_status, 200);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(seen_if_none_match_, "");
}

TEST_F(FetcherTest, HttpErrorsAreResponsesNotTransportErrors) {
  FetchResult r = FetchOne({}, server_.Url("/missing"));
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.http_status, 404);
}

TEST_F(FetcherTest, DecodedSizeCapStopsCompressionBombs) {
  FetcherOptions o;
  o.max_body_bytes = 1u << 20;
  FetchResult r = FetchOne(o, server_.Url("/bomb"));
  EXPECT_EQ(r.status.code(), StatusCode::kTooLarge) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
}

TEST_F(FetcherTest, PlainBodyOverCapIsTooLarge) {
  FetcherOptions o;
  o.max_body_bytes = 1u << 20;
  FetchResult r = FetchOne(o, server_.Url("/big"));
  EXPECT_EQ(r.status.code(), StatusCode::kTooLarge) << r.status.ToString();
}

TEST_F(FetcherTest, FollowsUpToFiveRedirects) {
  FetchResult ok = FetchOne({}, server_.Url("/redirect/5"));
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.body, "arrived");
  EXPECT_EQ(ok.final_url, server_.Url("/redirect/0"));
  FetchResult too_many = FetchOne({}, server_.Url("/redirect/6"));
  EXPECT_EQ(too_many.status.code(), StatusCode::kNetworkError);
  EXPECT_NE(too_many.status.message().find("redirects"), std::string::npos);
}

TEST_F(FetcherTest, RefusesRedirectsToOtherSchemes) {
  EXPECT_FALSE(FetchOne({}, server_.Url("/to-ftp")).status.ok());
  FetchResult file = FetchOne({}, server_.Url("/to-file"));
  EXPECT_FALSE(file.status.ok());
  EXPECT_EQ(file.body.find("root:"), std::string::npos);
}

TEST_F(FetcherTest, RefusesNonHttpUrls) {
  FetchResult r = FetchOne({}, "file:///etc/passwd");
  EXPECT_EQ(r.status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(FetcherTest, UnreachableHostIsNetworkError) {
  FetchResult r =
      FetchOne({}, "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) + "/");
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError);
}

TEST_F(FetcherTest, TotalTimeout) {
  FetcherOptions o;
  o.total_timeout_ms = 300;
  FetchResult r = FetchOne(o, server_.Url("/slow"));
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError);
}

TEST_F(FetcherTest, PerHostLimitIsRespected) {
  FetcherOptions o;
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
  FetcherOptions o;
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
  Fetcher fetcher({});
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
  FetcherOptions o;
  o.connect_to = "127.0.0.1:" + std::to_string(server_.port());
  // A .test host never resolves; connect_to routes it to the loopback server.
  FetchResult r = FetchOne(o, "http://outlet.example.test/hello");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "hello world");
}

TEST_F(FetcherTest, StopAbortsPendingWork) {
  Fetcher fetcher({});
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

}  // namespace
}  // namespace mw
