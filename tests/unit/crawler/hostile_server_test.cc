// Hostile servers: each one tries to make the fetcher hang, run out of
// memory or connect somewhere it must not. Every transfer must end quickly
// with the right error class and a body no larger than the cap, and good
// transfers running alongside must be unaffected.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crawler/fetcher.h"
#include "tests/support/loopback_server.h"

namespace mw {
namespace {

using testing::LoopbackServer;

constexpr size_t kBodyCap = 1u << 20;       // what the fetcher may hold
constexpr size_t kBombBytes = 100u << 20;   // what the bombs expand to
constexpr size_t kHugeBytes = 50u << 20;    // the plain oversized body
constexpr size_t kSmallBytes = 512u << 10;  // bombs' controls, under the cap

// Streams `total` zero bytes through a gzip encoder, 1 MiB at a time, so the
// 100 MiB never exist in memory. Z_RLE finds the same maximal matches in
// zeros as the default strategy, several times faster.
std::string GzipZeros(size_t total) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_RLE);
  const std::string zeros(1u << 20, '\0');
  std::string out;
  char buf[1 << 16];
  size_t left = total;
  int flush = Z_NO_FLUSH;
  while (flush != Z_FINISH) {
    size_t n = std::min(left, zeros.size());
    left -= n;
    flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(n);
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      deflate(&zs, flush);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0);
  }
  deflateEnd(&zs);
  return out;
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// One deflate stream expands at most ~1030x, so a 1 KB gzip bomb is two
// layers ("Content-Encoding: gzip, gzip"): 100 MiB of zeros -> ~100 KB of
// very repetitive gzip -> a few hundred bytes. libcurl decodes both layers.
std::string DoubleGzipZeros(size_t total) { return Gzip(GzipZeros(total)); }

// zstd encodes each 128 KiB block of zeros as a ~4-byte RLE block: 100 MiB
// in ~3 KB, one layer.
std::string ZstdZeros(size_t total) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  const std::string zeros(1u << 20, '\0');
  std::string out;
  char buf[1 << 16];
  for (size_t done = 0; done < total;) {
    size_t n = std::min(zeros.size(), total - done);
    done += n;
    bool last = done == total;
    ZSTD_inBuffer in{zeros.data(), n, 0};
    ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    size_t remaining = 0;
    do {
      ZSTD_outBuffer o{buf, sizeof buf, 0};
      remaining = ZSTD_compressStream2(cctx, &o, &in, mode);
      out.append(buf, o.pos);
    } while (last ? remaining != 0 : in.pos < in.size);
  }
  ZSTD_freeCCtx(cctx);
  return out;
}

const std::string& GzipBomb() {
  static const std::string bomb = DoubleGzipZeros(kBombBytes);
  return bomb;
}

const std::string& ZstdBomb() {
  static const std::string bomb = ZstdZeros(kBombBytes);
  return bomb;
}

// Decoded sizes, counted with the libraries directly (64 KiB at a time).
size_t GunzipSize(const std::string& gz) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::vector<char> buf(1 << 16);
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
  }
  size_t total = rc == Z_STREAM_END ? zs.total_out : 0;
  inflateEnd(&zs);
  return total;
}

std::string Gunzip(const std::string& gz) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  inflateEnd(&zs);
  return out;
}

size_t UnzstdSize(const std::string& z) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  std::vector<char> buf(1 << 16);
  size_t total = 0;
  size_t rc = 1;
  while (rc != 0 && !ZSTD_isError(rc)) {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(dctx, &out, &in);
    total += out.pos;
    if (out.pos == 0 && in.pos == in.size && rc != 0) break;  // truncated
  }
  ZSTD_freeDCtx(dctx);
  return ZSTD_isError(rc) || rc != 0 ? 0 : total;
}

// A TCP server on 127.0.0.2 that accepts connections and never reads or
// writes: the fetcher must give up on its own. Stops (closing every
// connection) on destruction.
class SilentServer {
 public:
  SilentServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(0x7f000002);  // 127.0.0.2
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::pipe(wake_) != 0) {
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~SilentServer() {
    if (thread_.joinable()) {
      char byte = 0;
      (void)!::write(wake_[1], &byte, 1);
      thread_.join();
    }
    for (int fd : accepted_) ::close(fd);
    for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.2:" + std::to_string(port_) + path;
  }
  int accepted() const { return accepted_count_.load(); }

 private:
  void Loop() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      if (fds[0].revents & POLLIN) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          accepted_.push_back(fd);  // held open, never served
          ++accepted_count_;
        }
      }
    }
  }

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::vector<int> accepted_;  // touched by the server thread only until join
  std::atomic<int> accepted_count_{0};
  std::thread thread_;
};

class HostileServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& http = hostile_.http();
    http.new_task_queue = [] { return new httplib::ThreadPool(16); };
    // 1 byte per second, for at most 30 s (the fetcher must leave long before).
    http.Get("/drip", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "application/octet-stream", [this](size_t, httplib::DataSink& sink) {
            for (int i = 0; i < 30 && !stopping_; ++i) {
              if (!sink.is_writable() || !sink.write("x", 1)) return false;
              for (int j = 0; j < 10 && !stopping_; ++j) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
              }
            }
            sink.done();
            return true;
          });
    });
    http.Get("/gzip-bomb", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Encoding", "gzip, gzip");
      res.set_content(GzipBomb(), "application/octet-stream");
    });
    http.Get("/zstd-bomb", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Encoding", "zstd");
      res.set_content(ZstdBomb(), "application/octet-stream");
    });
    // The controls: the same construction, small enough to decode fully.
    http.Get("/gzip-small", [](const httplib::Request&, httplib::Response& res) {
      static const std::string body = DoubleGzipZeros(kSmallBytes);
      res.set_header("Content-Encoding", "gzip, gzip");
      res.set_content(body, "application/octet-stream");
    });
    http.Get("/zstd-small", [](const httplib::Request&, httplib::Response& res) {
      static const std::string body = ZstdZeros(kSmallBytes);
      res.set_header("Content-Encoding", "zstd");
      res.set_content(body, "application/octet-stream");
    });
    http.Get("/loop", [this](const httplib::Request&, httplib::Response& res) {
      res.set_redirect(hostile_.Url("/loop"));
    });
    // 50 MiB announced in Content-Length, and the same without a length
    // (chunked): both are streamed, never built in memory.
    auto huge = [](bool chunked) {
      return [chunked](const httplib::Request&, httplib::Response& res) {
        static const std::string block(1u << 16, 'x');
        auto provide = [](size_t offset, httplib::DataSink& sink) {
          if (offset >= kHugeBytes) {
            sink.done();
            return true;
          }
          size_t n = std::min(block.size(), kHugeBytes - offset);
          return sink.write(block.data(), n);
        };
        if (chunked) {
          res.set_chunked_content_provider(
              "application/octet-stream",
              [provide, sent = size_t{0}](size_t, httplib::DataSink& sink) mutable {
                bool ok = provide(sent, sink);
                sent += block.size();
                return ok;
              });
        } else {
          res.set_content_provider(kHugeBytes, "application/octet-stream",
                                   [provide](size_t offset, size_t, httplib::DataSink& sink) {
                                     return provide(offset, sink);
                                   });
        }
      };
    };
    http.Get("/huge", huge(false));
    http.Get("/huge-chunked", huge(true));
    http.Get("/to-blocked", [this](const httplib::Request&, httplib::Response& res) {
      res.set_redirect(blocked_.Url("/secret"));
    });
    http.Get("/wrong-type", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<rss version=\"2.0\"><channel><title>t</title></channel></rss>",
                      "image/png");
    });
    http.Get(R"(/good/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("good " + std::string(req.matches[1]), "application/octet-stream");
    });
    ASSERT_TRUE(hostile_.Start("127.0.0.2"));

    // 127.0.0.1: not allowed, must never be reached.
    blocked_.http().Get("/secret", [this](const httplib::Request&, httplib::Response& res) {
      ++blocked_hits_;
      res.set_content("internal secret", "text/plain");
    });
    ASSERT_TRUE(blocked_.Start("127.0.0.1"));
  }

  void TearDown() override {
    stopping_ = true;
    hostile_.Stop();
    blocked_.Stop();
  }

  // Only 127.0.0.2 is allowed. Small low-speed settings so drip-feeding and
  // silent servers are dropped within a few seconds; the total timeout is a
  // backstop far above that, so the low-speed check is what ends them.
  static FetcherOptions Options() {
    FetcherOptions o;
    o.allowed_cidrs = {"127.0.0.2/32"};
    o.min_host_delay_ms = 0;
    o.max_per_host = 16;
    o.max_body_bytes = kBodyCap;
    o.low_speed_limit = 100;
    o.low_speed_time_s = 2;
    o.total_timeout_ms = 30000;
    return o;
  }

  FetchResult Fetch(const std::string& url) {
    Fetcher fetcher(Options());
    std::vector<FetchResult> results;
    Status s = fetcher.Run({{url}}, [&](FetchResult&& r, const Fetcher::Enqueue&) {
      results.push_back(std::move(r));
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(results.size(), 1u);
    FetchResult r = results.empty() ? FetchResult{} : std::move(results[0]);
    EXPECT_LE(r.body.size(), kBodyCap) << url;
    return r;
  }

  LoopbackServer hostile_;
  LoopbackServer blocked_;
  SilentServer silent_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> blocked_hits_{0};
};

bool Mentions(const Status& s, std::string_view what) {
  return s.message().find(what) != std::string::npos;
}

TEST_F(HostileServerTest, BombsAreWhatTheyClaim) {
  // Guards the fixtures themselves: ~1 KB and ~3 KB on the wire, 100 MiB
  // decoded (gzip: both layers).
  EXPECT_LT(GzipBomb().size(), 1024u);
  EXPECT_LT(ZstdBomb().size(), 4096u);
  EXPECT_EQ(GunzipSize(Gunzip(GzipBomb())), kBombBytes);
  EXPECT_EQ(UnzstdSize(ZstdBomb()), kBombBytes);
}

TEST_F(HostileServerTest, DripFeedIsDroppedByTheLowSpeedLimit) {
  FetchResult r = Fetch(hostile_.Url("/drip"));
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError) << r.status.ToString();
  EXPECT_TRUE(Mentions(r.status, "too slow")) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HostileServerTest, SilentServerIsDroppedByTheLowSpeedLimit) {
  FetchResult r = Fetch(silent_.Url("/feed.xml"));
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError) << r.status.ToString();
  EXPECT_TRUE(Mentions(r.status, "too slow")) << r.status.ToString();
  EXPECT_GE(silent_.accepted(), 1);
}

TEST_F(HostileServerTest, GzipBombStopsAtTheDecodedCap) {
  FetchResult r = Fetch(hostile_.Url("/gzip-bomb"));
  EXPECT_EQ(r.status.code(), StatusCode::kTooLarge) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HostileServerTest, ZstdBombStopsAtTheDecodedCap) {
  FetchResult r = Fetch(hostile_.Url("/zstd-bomb"));
  EXPECT_EQ(r.status.code(), StatusCode::kTooLarge) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HostileServerTest, SmallBombsDecodeFully) {
  // The control: built the same way but under the cap, they decode to zeros,
  // so the cap is what stops the big ones, not a decoding failure.
  for (const char* path : {"/gzip-small", "/zstd-small"}) {
    FetchResult r = Fetch(hostile_.Url(path));
    ASSERT_TRUE(r.status.ok()) << path << ": " << r.status.ToString();
    EXPECT_EQ(r.body.size(), kSmallBytes) << path;
    EXPECT_EQ(r.body.find_first_not_of('\0'), std::string::npos) << path;
  }
}

TEST_F(HostileServerTest, EndlessRedirectLoopStopsAtTheRedirectLimit) {
  FetchResult r = Fetch(hostile_.Url("/loop"));
  EXPECT_EQ(r.status.code(), StatusCode::kNetworkError) << r.status.ToString();
  EXPECT_TRUE(Mentions(r.status, "more than 5 redirects")) << r.status.ToString();
}

TEST_F(HostileServerTest, HugeBodyIsCutAtTheCap) {
  for (const char* path : {"/huge", "/huge-chunked"}) {
    FetchResult r = Fetch(hostile_.Url(path));
    EXPECT_EQ(r.status.code(), StatusCode::kTooLarge) << path << ": " << r.status.ToString();
    EXPECT_TRUE(r.body.empty()) << path;
  }
}

TEST_F(HostileServerTest, RedirectToABlockedAddressIsForbidden) {
  FetchResult r = Fetch(hostile_.Url("/to-blocked"));
  EXPECT_EQ(r.status.code(), StatusCode::kForbidden) << r.status.ToString();
  EXPECT_TRUE(Mentions(r.status, "127.0.0.1")) << r.status.ToString();
  EXPECT_EQ(blocked_hits_.load(), 0);
}

TEST_F(HostileServerTest, WrongContentTypeIsFetchedAsIs) {
  // Judging types is the caller's business; the fetcher reports what it got.
  FetchResult r = Fetch(hostile_.Url("/wrong-type"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.content_type, "image/png");
  EXPECT_NE(r.body.find("<rss"), std::string::npos);
}

TEST_F(HostileServerTest, AllAtOnceInOneRunWithGoodUrlsAlongside) {
  struct Case {
    std::string url;
    StatusCode expected;
  };
  const std::vector<Case> cases = {
      {hostile_.Url("/drip"), StatusCode::kNetworkError},
      {silent_.Url("/feed.xml"), StatusCode::kNetworkError},
      {hostile_.Url("/gzip-bomb"), StatusCode::kTooLarge},
      {hostile_.Url("/zstd-bomb"), StatusCode::kTooLarge},
      {hostile_.Url("/loop"), StatusCode::kNetworkError},
      {hostile_.Url("/huge"), StatusCode::kTooLarge},
      {hostile_.Url("/huge-chunked"), StatusCode::kTooLarge},
      {hostile_.Url("/to-blocked"), StatusCode::kForbidden},
      {hostile_.Url("/wrong-type"), StatusCode::kOk},
      {hostile_.Url("/good/1"), StatusCode::kOk},
      {hostile_.Url("/good/2"), StatusCode::kOk},
  };
  std::vector<FetchRequest> requests;
  for (size_t i = 0; i < cases.size(); ++i) requests.push_back({cases[i].url, "", "", i});
  Fetcher fetcher(Options());
  std::map<uint64_t, FetchResult> results;
  Status s = fetcher.Run(std::move(requests), [&](FetchResult&& r, const Fetcher::Enqueue&) {
    uint64_t token = r.token;
    results.emplace(token, std::move(r));
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(results.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const FetchResult& r = results[i];
    EXPECT_EQ(r.status.code(), cases[i].expected) << cases[i].url << ": " << r.status.ToString();
    EXPECT_LE(r.body.size(), kBodyCap) << cases[i].url;
  }
  EXPECT_EQ(results[9].body, "good 1");
  EXPECT_EQ(results[10].body, "good 2");
  EXPECT_EQ(blocked_hits_.load(), 0);
}

}  // namespace
}  // namespace mw
