#include "app/demo_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace mw {
namespace {

std::string ContentTypeFor(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  // No charset parameter on purpose: the documents declare their own
  // encoding (XML declaration, <meta charset>), as many real outlets do.
  if (ext == ".xml") return "application/xml";
  if (ext == ".rss") return "application/rss+xml";
  if (ext == ".atom") return "application/atom+xml";
  if (ext == ".html" || ext == ".htm") return "text/html";
  if (ext == ".json") return "application/json";
  if (ext == ".txt") return "text/plain";
  return "application/octet-stream";
}

bool SafeHost(const std::string& host) {
  if (host.empty() || host.size() > 253 || host.front() == '.') return false;
  for (char c : host) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return host.find("..") == std::string::npos;
}

std::string EtagFor(const std::string& body) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: cheap, deterministic, good enough for an ETag
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

struct DemoServer::Impl {
  std::filesystem::path root;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<size_t> served{0};

  void Handle(const httplib::Request& req, httplib::Response& res) {
    ++served;
    std::string host = req.get_header_value("Host");
    host = host.substr(0, host.find(':'));
    for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string path = req.path;
    if (!SafeHost(host) || path.empty() || path[0] != '/' || path.find("..") != std::string::npos ||
        path.find('\0') != std::string::npos) {
      res.status = 400;
      res.set_content("bad request\n", "text/plain");
      return;
    }
    if (path.back() == '/') path += "index.html";
    std::filesystem::path file = root / host / path.substr(1);
    std::ifstream in(file, std::ios::binary);
    if (!std::filesystem::is_regular_file(file) || !in) {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
      return;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string body = ss.str();
    std::string etag = EtagFor(body);
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    res.set_content(body, ContentTypeFor(file).c_str());
  }
};

DemoServer::DemoServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DemoServer::~DemoServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<DemoServer>> DemoServer::Start(const std::filesystem::path& site_root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(site_root, ec)) {
    return Status::InvalidArgument("demo site directory not found: " + site_root.string());
  }
  auto impl = std::make_unique<Impl>();
  impl->root = std::filesystem::canonical(site_root, ec);
  Impl* raw = impl.get();
  auto handler = [raw](const httplib::Request& req, httplib::Response& res) {
    raw->Handle(req, res);
  };
  impl->server.Get(".*", handler);
  impl->port = impl->server.bind_to_any_port("127.0.0.1");
  if (impl->port <= 0) return Status::IoError("cannot bind a loopback port for the demo server");
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it before
  // handing the server out (the socket already queues connections).
  for (int i = 0; i < 5000 && !raw->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<DemoServer>(new DemoServer(std::move(impl)));
}

int DemoServer::port() const { return impl_->port; }
size_t DemoServer::requests_served() const { return impl_->served.load(); }

}  // namespace mw
