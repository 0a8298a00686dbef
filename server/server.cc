#include "server/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "server/api.h"

namespace mw::server {
namespace {

// cpp-httplib's ThreadPool queues accepted connections without a bound;
// this one makes the accepting thread wait when `max_queued` connections
// already wait for a worker, so a flood of connections backs up in the
// kernel's listen backlog instead of in memory.
class BoundedPool final : public httplib::TaskQueue {
 public:
  BoundedPool(size_t threads, size_t max_queued) : max_queued_(std::max<size_t>(1, max_queued)) {
    for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
      workers_.emplace_back([this] { Work(); });
    }
  }
  ~BoundedPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    // Workers always make progress (every connection has read and write
    // timeouts), so this wait ends.
    space_.wait(lock, [&] { return jobs_.size() < max_queued_ || stopping_; });
    jobs_.push_back(std::move(fn));
    work_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ && workers_.empty()) return;
      stopping_ = true;
    }
    work_.notify_all();
    space_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_.wait(lock, [&] { return !jobs_.empty() || stopping_; });
        if (jobs_.empty()) return;  // stopping, and nothing left to serve
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        space_.notify_one();
      }
      fn();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Store::Refresh() at most once per interval, for the /api/ requests
// (ServerOptions::refresh_interval_ms). A request that finds another one
// refreshing goes on without waiting here: its reads wait inside the store
// until the new view is in place, and the interval is not spent twice.
class Refresher {
 public:
  Refresher(Store* store, int interval_ms, std::function<void(const Status&)> report)
      : store_(store),
        interval_(std::chrono::milliseconds(interval_ms)),
        report_(std::move(report)),
        last_(std::chrono::steady_clock::now()) {}  // a store is current when opened

  void MaybeRefresh() {
    if (interval_.count() < 0) return;
    std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < interval_) return;
    // Counted from the attempt: a failing refresh is retried once per
    // interval, not on every request.
    last_ = now;
    const Status status = store_->Refresh();
    if (status.ok() == healthy_) return;
    healthy_ = status.ok();
    if (report_) report_(status);
  }

 private:
  Store* const store_;
  const std::chrono::milliseconds interval_;
  const std::function<void(const Status&)> report_;
  std::mutex mu_;  // one refresh at a time; guards the members below
  std::chrono::steady_clock::time_point last_;
  bool healthy_ = true;
};

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// The Host header values a browser sends for this loopback listener.
std::vector<std::string> LoopbackHostNames(const std::string& host, int port) {
  std::vector<std::string> names = {UrlHost(host)};
  if (host == "localhost") {
    names.push_back("127.0.0.1");
    names.push_back("[::1]");
  } else {
    names.push_back("localhost");
  }
  std::vector<std::string> out;
  for (const std::string& n : names) {
    out.push_back(n + ":" + std::to_string(port));
    if (port == 80) out.push_back(n);
  }
  return out;
}

ApiRequest ToApiRequest(const httplib::Request& req) {
  ApiRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [name, value] : req.params) r.params.emplace_back(name, value);
  r.authorization = req.get_header_value("Authorization");
  r.host = req.get_header_value("Host");
  return r;
}

void CopyResponse(const ApiResponse& from, httplib::Response* to) {
  to->status = from.status;
  for (const auto& [name, value] : from.headers) {
    // The default headers (the same security headers) are already there.
    if (!to->has_header(name.c_str())) to->set_header(name.c_str(), value);
  }
  to->set_content(from.body, from.content_type.c_str());
}

}  // namespace

struct Server::Impl {
  std::unique_ptr<Refresher> refresher;
  std::unique_ptr<Api> api;
  std::unique_ptr<httplib::Server> http;
  std::thread thread;
  std::string host;
  int port = 0;
  std::mutex mu;  // guards joining `thread`
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Stop();
  Wait();
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr addr{};
  const std::string h(host);
  if (inet_pton(AF_INET, h.c_str(), &addr) != 1) return false;
  return (ntohl(addr.s_addr) >> 24) == 127;
}

Result<std::pair<std::string, int>> ParseListenAddress(std::string_view text) {
  const std::string shown(text.substr(0, 200));
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--listen '" + shown + "': " + why +
                                   " (expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:0)");
  };
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("bad [IPv6]:PORT");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    in6_addr addr{};
    if (inet_pton(AF_INET6, host.c_str(), &addr) != 1) return bad("not an IPv6 address");
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return bad("an IPv6 address needs brackets");
    in_addr addr{};
    if (host != "localhost" && inet_pton(AF_INET, host.c_str(), &addr) != 1) {
      return bad("the host must be an IP address or localhost");
    }
  }
  if (host.empty()) return bad("no host");
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("the port must be a number from 0 to 65535");
  }
  const int port = std::stoi(std::string(port_text));
  if (port > 65535) return bad("the port must be a number from 0 to 65535");
  return std::make_pair(host, port);
}

Status CheckToken(std::string_view token) {
  if (token.size() < 16) return Status::InvalidArgument("the token is shorter than 16 characters");
  if (token.size() > 1024)
    return Status::InvalidArgument("the token is longer than 1024 characters");
  for (char c : token) {
    if (c <= 0x20 || c >= 0x7f) {
      return Status::InvalidArgument(
          "the token may only hold printable ASCII characters without spaces");
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Server>> Server::Start(Store* store, ServerOptions options) {
  if (!options.token.empty()) MW_RETURN_IF_ERROR(CheckToken(options.token));
  const bool loopback = IsLoopbackHost(options.host);
  if (!loopback && options.token.empty()) {
    return Status::InvalidArgument("listening on " + options.host +
                                   " (not loopback) needs a token (--token-env or --token-file)");
  }
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("port " + std::to_string(options.port) + " is out of range");
  }
  std::string host = options.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }

  auto impl = std::make_unique<Impl>();
  impl->host = host;
  impl->http = std::make_unique<httplib::Server>();
  httplib::Server& http = *impl->http;
  const size_t threads = options.threads;
  const size_t queued = options.max_queued_connections;
  http.new_task_queue = [threads, queued] { return new BoundedPool(threads, queued); };
  http.set_read_timeout(options.read_timeout_seconds, 0);
  http.set_write_timeout(options.write_timeout_seconds, 0);
  http.set_keep_alive_timeout(options.keep_alive_seconds);
  http.set_keep_alive_max_count(100);
  // Nothing is ever uploaded: refuse request bodies beyond a few bytes.
  http.set_payload_max_length(1024);
  // SO_REUSEADDR only: not SO_REUSEPORT, which would let another process
  // of this user bind the same port and take half of the requests.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  httplib::Headers defaults;
  for (const auto& [name, value] : SecurityHeaders()) defaults.emplace(name, value);
  http.set_default_headers(defaults);

  // Bind first: the Host check needs the port.
  int port = options.port;
  if (port == 0) {
    port = http.bind_to_any_port(host);
    if (port < 0) return Status::IoError("cannot listen on " + UrlHost(host) + ":0");
  } else if (!http.bind_to_port(host, port)) {
    return Status::IoError("cannot listen on " + UrlHost(host) + ":" + std::to_string(port) +
                           " (in use, or not an address of this machine)");
  }
  impl->port = port;

  ApiOptions api_options;
  api_options.token = options.token;
  api_options.watchlists = std::move(options.watchlists);
  api_options.feed_names = std::move(options.feed_names);
  if (loopback && options.token.empty()) api_options.allowed_hosts = LoopbackHostNames(host, port);
  Result<std::unique_ptr<Api>> api = Api::Create(store, std::move(api_options));
  if (!api.ok()) return api.status();
  impl->api = std::move(api).value();

  impl->refresher = std::make_unique<Refresher>(store, options.refresh_interval_ms,
                                                std::move(options.on_refresh_error));

  // Every request goes through the Api (routing, methods, errors); the
  // library's own routes stay empty.
  const Api* handler = impl->api.get();
  Refresher* refresher = impl->refresher.get();
  http.set_pre_routing_handler(
      [handler, refresher](const httplib::Request& req, httplib::Response& res) {
        // Static files hold no data: only the API needs a current view.
        if (req.path.rfind("/api/", 0) == 0) refresher->MaybeRefresh();
        const ApiResponse response = handler->Handle(ToApiRequest(req));
        CopyResponse(response, &res);
        if (req.method != "GET" && req.method != "HEAD") {
          // A body may follow that nobody read: do not parse it as a request.
          res.set_header("Connection", "close");
        }
        return httplib::Server::HandlerResponse::Handled;
      });
  // Errors found by the library before routing (a malformed request line,
  // 414 URI too long, 413 payload too large) get a JSON body too.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const char* code = res.status == 414   ? "uri_too_long"
                           : res.status == 413 ? "payload_too_large"
                                               : "bad_request";
        ApiResponse response = ErrorResponse(
            res.status, code,
            std::string("the request was refused: HTTP ") + std::to_string(res.status));
        response.headers.emplace_back("Cache-Control", "no-store");
        CopyResponse(response, &res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        const ApiResponse response = ErrorResponse(500, "internal", "internal error");
        res.headers.clear();
        CopyResponse(response, &res);
      });

  httplib::Server* raw = impl->http.get();
  impl->thread = std::thread([raw] { raw->listen_after_bind(); });
  // Stop() only reaches a listener that runs: wait for the loop to start.
  for (int i = 0; i < 5000 && !raw->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::url() const {
  return "http://" + UrlHost(impl_->host) + ":" + std::to_string(impl_->port) + "/";
}

void Server::Stop() { impl_->http->stop(); }

void Server::Wait() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace mw::server
