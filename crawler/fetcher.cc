#include "crawler/fetcher.h"

#include <curl/curl.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

#include "parsers/url.h"

namespace mw {
namespace {

// libcurl must be initialised once before any thread uses it.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool HasCrLf(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

bool HeaderNameIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

// Per-transfer state, reachable from callbacks through CURLOPT_PRIVATE.
struct Transfer {
  FetchRequest request;
  FetchResult result;
  EasyHandle easy;
  Slist headers;
  std::string host;
  size_t max_body = 0;
  size_t max_headers = 0;
  size_t header_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  std::chrono::steady_clock::time_point started;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  if (t->result.body.size() + bytes > t->max_body) {
    t->body_too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->result.body.append(data, bytes);
  return bytes;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  t->header_bytes += bytes;
  if (t->header_bytes > t->max_headers) {
    t->headers_too_large = true;
    return 0;
  }
  std::string_view line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a redirect or a 100 Continue): forget the old one's validators.
    t->result.etag.clear();
    t->result.last_modified.clear();
  } else if (HeaderNameIs(line, "etag")) {
    t->result.etag = Trim(line.substr(5));
  } else if (HeaderNameIs(line, "last-modified")) {
    t->result.last_modified = Trim(line.substr(14));
  }
  return bytes;
}

}  // namespace

struct Fetcher::Impl {
  FetcherOptions options;
  MultiHandle multi;
  std::vector<EasyHandle> idle;  // reused easy handles keep their connection caches warm

  EasyHandle TakeEasy() {
    if (!idle.empty()) {
      EasyHandle h = std::move(idle.back());
      idle.pop_back();
      curl_easy_reset(h.get());
      return h;
    }
    return EasyHandle(curl_easy_init());
  }

  Status Configure(Transfer* t) {
    CURL* e = t->easy.get();
    curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, options.max_redirects);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, options.total_timeout_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &WriteHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    // The compressed size is capped too, so a server can't make us read forever.
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
    if (connect_to) curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to.get());
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers,
                                "Accept: application/rss+xml, application/atom+xml, "
                                "application/xml;q=0.9, text/html;q=0.9, */*;q=0.8");
    if (!t->request.if_none_match.empty() && !HasCrLf(t->request.if_none_match)) {
      headers = curl_slist_append(headers, ("If-None-Match: " + t->request.if_none_match).c_str());
    }
    if (!t->request.if_modified_since.empty() && !HasCrLf(t->request.if_modified_since)) {
      headers = curl_slist_append(headers,
                                  ("If-Modified-Since: " + t->request.if_modified_since).c_str());
    }
    t->headers.reset(headers);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    return Status::Ok();
  }

  Slist connect_to;  // "::HOST:PORT" when options.connect_to is set
};

Fetcher::Fetcher(FetcherOptions options) : impl_(std::make_unique<Impl>()) {
  GlobalInitOnce();
  impl_->options = std::move(options);
  if (impl_->options.max_concurrency == 0) impl_->options.max_concurrency = 1;
  if (impl_->options.max_per_host == 0) impl_->options.max_per_host = 1;
  if (!impl_->options.connect_to.empty()) {
    impl_->connect_to.reset(curl_slist_append(nullptr, ("::" + impl_->options.connect_to).c_str()));
  }
}

Fetcher::~Fetcher() = default;

Status Fetcher::Run(std::vector<FetchRequest> initial, const OnDone& on_done,
                    const std::function<bool()>& should_stop) {
  Impl& im = *impl_;
  if (!im.multi) {
    im.multi.reset(curl_multi_init());
    if (!im.multi) return Status::Internal("curl_multi_init failed");
    curl_multi_setopt(im.multi.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(im.multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(im.options.max_per_host));
  }
  CURLM* multi = im.multi.get();

  std::deque<FetchRequest> pending(std::make_move_iterator(initial.begin()),
                                   std::make_move_iterator(initial.end()));
  std::unordered_map<std::string, size_t> active_per_host;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;

  Enqueue enqueue = [&pending](FetchRequest r) { pending.push_back(std::move(r)); };

  auto finish_early = [&](FetchRequest&& r, Status s) {
    FetchResult res;
    res.token = r.token;
    res.url = r.url;
    res.final_url = r.url;
    res.status = std::move(s);
    on_done(std::move(res), enqueue);
  };

  // Starts pending requests while capacity allows, skipping over requests
  // whose host is saturated (they keep their place in the queue).
  auto refill = [&]() {
    for (auto it = pending.begin();
         it != pending.end() && active.size() < im.options.max_concurrency;) {
      auto host_or = CanonicalizeUrl(it->url);
      if (!host_or.ok()) {
        FetchRequest r = std::move(*it);
        it = pending.erase(it);
        finish_early(std::move(r), host_or.status());
        it = pending.begin();  // the callback may have enqueued; restart the scan
        continue;
      }
      std::string host = UrlHost(it->url);
      if (active_per_host[host] >= im.options.max_per_host) {
        ++it;
        continue;
      }
      auto t = std::make_unique<Transfer>();
      t->request = std::move(*it);
      it = pending.erase(it);
      t->host = host;
      t->max_body = im.options.max_body_bytes;
      t->max_headers = im.options.max_header_bytes;
      t->result.token = t->request.token;
      t->result.url = t->request.url;
      t->easy = im.TakeEasy();
      if (!t->easy) return Status::Internal("curl_easy_init failed");
      MW_RETURN_IF_ERROR(im.Configure(t.get()));
      t->started = std::chrono::steady_clock::now();
      CURLMcode mc = curl_multi_add_handle(multi, t->easy.get());
      if (mc != CURLM_OK)
        return Status::Internal(std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
      ++active_per_host[host];
      CURL* key = t->easy.get();
      active.emplace(key, std::move(t));
    }
    return Status::Ok();
  };

  auto complete = [&](CURL* easy, CURLcode code) {
    auto node = active.extract(easy);
    std::unique_ptr<Transfer> t = std::move(node.mapped());
    curl_multi_remove_handle(multi, easy);
    --active_per_host[t->host];
    FetchResult& r = t->result;
    r.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t->started).count();
    char* final_url = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &final_url);
    r.final_url = final_url ? final_url : r.url;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.http_status);
    char* ctype = nullptr;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ctype);
    if (ctype) r.content_type = ctype;
    if (t->body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
      r.status = Status::TooLarge("body exceeds the " + std::to_string(im.options.max_body_bytes) +
                                  "-byte limit");
      r.body.clear();
    } else if (t->headers_too_large) {
      r.status = Status::TooLarge("response headers exceed the limit");
      r.body.clear();
    } else if (code == CURLE_UNSUPPORTED_PROTOCOL) {
      r.status = Status::Unsupported(std::string("redirect or URL to a forbidden scheme: ") +
                                     curl_easy_strerror(code));
    } else if (code == CURLE_TOO_MANY_REDIRECTS) {
      r.status = Status::NetworkError("more than " + std::to_string(im.options.max_redirects) +
                                      " redirects");
    } else if (code != CURLE_OK) {
      r.status = Status::NetworkError(curl_easy_strerror(code));
    }
    t->headers.reset();
    im.idle.push_back(std::move(t->easy));
    on_done(std::move(r), enqueue);
  };

  auto abort_all = [&]() {
    for (auto& [easy, t] : active) {
      curl_multi_remove_handle(multi, easy);
      im.idle.push_back(std::move(t->easy));
    }
    active.clear();
    pending.clear();
  };

  MW_RETURN_IF_ERROR(refill());
  while (!active.empty() || !pending.empty()) {
    if (should_stop && should_stop()) {
      abort_all();
      break;
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK) {
      abort_all();
      return Status::Internal(std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      // The message dies with its handle: copy what we need first.
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      complete(easy, code);
    }
    MW_RETURN_IF_ERROR(refill());
    if (active.empty()) continue;
    mc = curl_multi_poll(multi, nullptr, 0, 200, nullptr);
    if (mc != CURLM_OK) {
      abort_all();
      return Status::Internal(std::string("curl_multi_poll: ") + curl_multi_strerror(mc));
    }
  }
  return Status::Ok();
}

}  // namespace mw
