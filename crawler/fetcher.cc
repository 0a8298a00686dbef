#include "crawler/fetcher.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <queue>
#include <unordered_map>

#include "crawler/http_util.h"
#include "parsers/url.h"

namespace mw {
namespace {

using Clock = std::chrono::steady_clock;

// should_stop is polled at least this often.
constexpr auto kMaxPollWait = std::chrono::milliseconds(200);
constexpr size_t kMaxProxyUrlBytes = 2048;
// Politeness delays are clamped to a day: a hostile Crawl-delay must not
// overflow time arithmetic, and a day is "never" within one Run().
constexpr long kMaxHostDelayMs = 24L * 3600 * 1000;

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

// `name` is lower case. On a match, `value` is the trimmed field value.
bool HeaderIs(std::string_view line, std::string_view name, std::string* value) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  *value = Trim(line.substr(name.size() + 1));
  return true;
}

bool IsRedirectStatus(long code) {
  return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

// Accepts "scheme://host[:port]" for the proxy kinds we support; libcurl
// would otherwise guess (a bare "host:port" is HTTP, "socks4://" works too).
Status ValidateProxy(const std::string& proxy) {
  if (proxy.size() > kMaxProxyUrlBytes) return Status::InvalidArgument("proxy URL too long");
  if (std::any_of(proxy.begin(), proxy.end(),
                  [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    return Status::InvalidArgument("proxy URL contains spaces or control characters");
  }
  size_t sep = proxy.find("://");
  std::string scheme = proxy.substr(0, sep);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (sep == std::string::npos || sep + 3 == proxy.size() ||
      (scheme != "http" && scheme != "https" && scheme != "socks5" && scheme != "socks5h")) {
    return Status::InvalidArgument("proxy '" + proxy.substr(0, 200) +
                                   "' must be http://, https://, socks5:// or socks5h://HOST:PORT");
  }
  return Status::Ok();
}

// The SSRF guard's decision data, shared read-only by every transfer.
struct AddressPolicy {
  bool block_private = true;
  std::vector<Cidr> allowed;

  // "" when connecting to `ip` is allowed, else the reason.
  std::string Refusal(const IpAddress& ip) const {
    if (!block_private) return {};
    AddressClass c = ClassifyAddress(ip);
    if (c == AddressClass::kPublic) return {};
    for (const Cidr& block : allowed) {
      if (CidrContains(block, ip)) return {};
    }
    return "refusing to connect to " + FormatIpAddress(ip) + " (" +
           std::string(AddressClassName(c)) + "); allow it with --allow-cidr";
  }
};

std::optional<IpAddress> FromSockaddr(const curl_sockaddr& address) {
  IpAddress ip;
  if (address.family == AF_INET && address.addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    std::memcpy(&in, &address.addr, sizeof in);
    std::memcpy(ip.bytes.data(), &in.sin_addr, 4);
    return ip;
  }
  if (address.family == AF_INET6 && address.addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, &address.addr, sizeof in6);
    ip.is_v6 = true;
    std::memcpy(ip.bytes.data(), &in6.sin6_addr, 16);
    return ip;
  }
  return std::nullopt;
}

// Per-host politeness state. Lives in Fetcher::Impl::hosts, whose nodes never
// move, so transfers and heap entries point at it.
struct HostState {
  std::deque<FetchRequest> queue;  // waiting requests, FIFO
  size_t in_flight = 0;
  bool started_once = false;
  Clock::time_point last_start{};
  std::optional<long> delay_override_ms;  // SetHostDelay
  bool in_heap = false;                   // has a live entry in the ready heap
  uint64_t heap_generation = 0;           // entries with another generation are stale
  uint32_t warm_streak = 0;               // requests started in a row on a just-freed slot
};

// A host that may start a request at `ready_at`. Warm entries first (a host
// whose transfer just ended, already ready: its connection is idle now),
// then by time, then by insertion so hosts that are ready alike take turns.
struct HeapEntry {
  Clock::time_point ready_at;
  uint64_t seq;
  uint64_t generation;
  HostState* host;
  bool warm = false;
  bool operator>(const HeapEntry& o) const {
    if (warm != o.warm) return o.warm;
    return ready_at != o.ready_at ? ready_at > o.ready_at : seq > o.seq;
  }
};

// Requests a host may start in a row on the slot its last transfer freed,
// ahead of hosts waiting longer, before it takes its turn like the others.
constexpr uint32_t kMaxWarmStreak = 16;

// Per-transfer state, reachable from callbacks through CURLOPT_PRIVATE and
// the callbacks' user pointers.
struct Transfer {
  FetchRequest request;
  FetchResult result;
  EasyHandle easy;
  Slist headers;
  HostState* host = nullptr;
  const AddressPolicy* policy = nullptr;
  size_t max_body = 0;
  size_t max_headers = 0;
  size_t header_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  bool out_of_memory = false;
  // Set by the SSRF guard when it refused an address.
  std::string refused;
  // Fields of the latest response (reset at each status line).
  std::string retry_after, cache_control, expires, date;
  // Redirect responses seen, and the index among them of the first one that
  // was not permanent (-1: none), to judge the hops libcurl followed.
  int redirect_responses = 0;
  int first_temporary_redirect = -1;
  char error[CURL_ERROR_SIZE] = {};
  Clock::time_point started;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  if (t->result.body.size() + bytes > t->max_body) {
    t->body_too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  try {
    t->result.body.append(data, bytes);
  } catch (...) {  // never throw through libcurl
    t->out_of_memory = true;
    return 0;
  }
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
  try {
    std::string_view line(data, bytes);
    FetchResult& r = t->result;
    std::string value;
    if (line.rfind("HTTP/", 0) == 0) {
      // A new response (after a redirect or a 100 Continue): forget the old one's fields.
      r.etag.clear();
      r.last_modified.clear();
      t->retry_after.clear();
      t->cache_control.clear();
      t->expires.clear();
      t->date.clear();
    } else if (line == "\r\n" || line == "\n") {
      // End of one response's headers: libcurl has parsed its status code.
      long code = 0;
      curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &code);
      if (IsRedirectStatus(code)) {
        if (code != 301 && code != 308 && t->first_temporary_redirect < 0) {
          t->first_temporary_redirect = t->redirect_responses;
        }
        ++t->redirect_responses;
      }
    } else if (HeaderIs(line, "etag", &value)) {
      r.etag = std::move(value);
    } else if (HeaderIs(line, "last-modified", &value)) {
      r.last_modified = std::move(value);
    } else if (HeaderIs(line, "retry-after", &value)) {
      t->retry_after = std::move(value);
    } else if (HeaderIs(line, "cache-control", &value)) {
      // Repeated fields are one comma-separated list (RFC 9110 5.3).
      if (!t->cache_control.empty()) t->cache_control += ", ";
      t->cache_control += value;
    } else if (HeaderIs(line, "expires", &value)) {
      t->expires = std::move(value);
    } else if (HeaderIs(line, "date", &value)) {
      t->date = std::move(value);
    }
  } catch (...) {
    t->out_of_memory = true;
    return 0;
  }
  return bytes;
}

// CURLOPT_OPENSOCKETFUNCTION: the SSRF guard. libcurl calls it with the
// address it is about to connect to, after DNS, for every connection
// (redirects and connect_to included), so a name that resolves (or
// re-resolves) to a private address is caught here.
curl_socket_t OpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  try {
    std::optional<IpAddress> ip = FromSockaddr(*address);
    if (!ip) {
      if (t->refused.empty()) t->refused = "refusing to connect to a non-IP address";
      return CURL_SOCKET_BAD;
    }
    std::string refusal = t->policy->Refusal(*ip);
    if (!refusal.empty()) {
      // With several addresses libcurl tries the next; the first refusal is
      // the one reported if none succeeds.
      if (t->refused.empty()) t->refused = std::move(refusal);
      return CURL_SOCKET_BAD;
    }
  } catch (...) {
    t->out_of_memory = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct Fetcher::Impl {
  FetcherOptions options;
  AddressPolicy policy;
  Status options_status;  // an invalid option fails every Run()
  Slist connect_to;       // "::HOST:PORT" when options.connect_to is set
  MultiHandle multi;
  std::vector<EasyHandle> idle;  // reused easy handles keep their connection caches warm

  // Politeness scheduling. Every host with queued work that may start a
  // request (in_flight < max_per_host) has exactly one live entry in
  // `ready`; starting a request costs O(log hosts) whatever the queue sizes.
  std::unordered_map<std::string, HostState> hosts;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> ready;
  uint64_t next_seq = 0;
  size_t queued = 0;  // requests in all host queues

  long DelayMs(const HostState& h) const {
    return std::clamp(h.delay_override_ms.value_or(options.min_host_delay_ms), 0L, kMaxHostDelayMs);
  }

  Clock::time_point ReadyAt(const HostState& h) const {
    if (!h.started_once) return Clock::time_point::min();
    return h.last_start + std::chrono::milliseconds(DelayMs(h));
  }

  // Gives `h` a (new) heap entry when it has work and a free slot. With
  // `force`, an existing entry is replaced (its ready time changed).
  void Schedule(HostState& h, bool force = false, bool warm = false) {
    if (h.queue.empty() || h.in_flight >= options.max_per_host) return;
    if (h.in_heap && !force) return;
    h.in_heap = true;
    ready.push({ReadyAt(h), next_seq++, ++h.heap_generation, &h, warm});
  }

  // After one of `h`'s transfers ended. Keep-alive: when `h` has more work
  // and its delay has passed, it goes ahead of the other hosts, so its next
  // request takes the connection that just went idle. Plain turn-taking
  // over more hosts than open connections (max_concurrency) would close
  // every connection before its host came round again: a new TCP (and TLS)
  // handshake per request. After kMaxWarmStreak such starts it takes its
  // turn like the others, so one busy host cannot hold the slots.
  void TransferEnded(HostState& h, Clock::time_point now) {
    --h.in_flight;
    const bool warm = !h.queue.empty() && ReadyAt(h) <= now && h.warm_streak < kMaxWarmStreak;
    h.warm_streak = warm ? h.warm_streak + 1 : 0;
    Schedule(h, /*force=*/warm, warm);
  }

  // Forgets hosts whose delay has passed and that have no override: a crawl
  // over millions of one-off hosts must not grow this map forever.
  void PruneHosts(Clock::time_point now) {
    for (auto it = hosts.begin(); it != hosts.end();) {
      const HostState& h = it->second;
      bool idle_host = h.queue.empty() && h.in_flight == 0 && !h.delay_override_ms;
      if (idle_host && ReadyAt(h) <= now) {
        it = hosts.erase(it);
      } else {
        ++it;
      }
    }
  }

  void DropQueued() {
    for (auto& [name, h] : hosts) {
      h.queue.clear();
      h.in_flight = 0;
      h.in_heap = false;
    }
    ready = {};
    queued = 0;
  }

  EasyHandle TakeEasy() {
    if (!idle.empty()) {
      EasyHandle h = std::move(idle.back());
      idle.pop_back();
      curl_easy_reset(h.get());
      return h;
    }
    return EasyHandle(curl_easy_init());
  }

  void Configure(Transfer* t) {
    CURL* e = t->easy.get();
    curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, options.max_redirects);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, options.total_timeout_ms);
    if (options.low_speed_limit > 0 && options.low_speed_time_s > 0) {
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_limit);
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, options.low_speed_time_s);
    }
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &WriteHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    // The compressed size is capped too, so a server can't make us read forever.
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
    if (connect_to) curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to.get());
    // An explicit "" also stops libcurl from reading http_proxy & co. from the
    // environment: where requests go is decided by the options alone.
    const std::string& proxy = !t->request.proxy.empty() ? t->request.proxy : options.proxy;
    curl_easy_setopt(e, CURLOPT_PROXY, proxy.c_str());
    // A proxy's CONNECT response is not the server's: keep it out of the
    // header callback (validators, redirect tracking).
    curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
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
  }

  // Turns libcurl's outcome into the result's status and derived fields.
  void Finish(Transfer& t, CURLcode code) {
    CURL* easy = t.easy.get();
    FetchResult& r = t.result;
    r.seconds = std::chrono::duration<double>(Clock::now() - t.started).count();
    char* final_url = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &final_url);
    r.final_url = final_url ? final_url : r.url;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.http_status);
    long redirects = 0;
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
    r.redirects = static_cast<int>(redirects);
    char* ctype = nullptr;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ctype);
    if (ctype) r.content_type = ctype;
    std::string detail = t.error[0] ? std::string(t.error) : curl_easy_strerror(code);

    if (code != CURLE_OK && !t.refused.empty()) {
      r.status = Status::Forbidden(t.refused);
    } else if (t.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
      r.status = Status::TooLarge("body exceeds the " + std::to_string(options.max_body_bytes) +
                                  "-byte limit");
    } else if (t.headers_too_large) {
      r.status = Status::TooLarge("response headers exceed the " +
                                  std::to_string(options.max_header_bytes) + "-byte limit");
    } else if (t.out_of_memory) {
      r.status = Status::TooLarge("out of memory while receiving the response");
    } else if (code == CURLE_UNSUPPORTED_PROTOCOL) {
      r.status = Status::Unsupported("redirect or URL to a forbidden scheme: " + detail);
    } else if (code == CURLE_TOO_MANY_REDIRECTS) {
      r.status =
          Status::NetworkError("more than " + std::to_string(options.max_redirects) + " redirects");
    } else if (code != CURLE_OK) {
      r.status = Status::NetworkError(detail);
    }
    if (!r.status.ok()) {
      std::string().swap(r.body);  // release the partial body now
      return;
    }
    int64_t now = options.now ? options.now() : SystemNow();
    if ((r.http_status == 429 || r.http_status == 503) && !t.retry_after.empty()) {
      r.retry_after_seconds = ParseRetryAfter(t.retry_after, now);
    }
    r.max_age_seconds = FreshnessLifetime(t.cache_control, t.expires, t.date, now);
    // libcurl followed the first `redirects` redirect responses.
    if (redirects > 0 &&
        (t.first_temporary_redirect < 0 || t.first_temporary_redirect >= redirects)) {
      r.permanent_redirect_url = r.final_url;
    }
  }
};

Fetcher::Fetcher(FetcherOptions options) : impl_(std::make_unique<Impl>()) {
  GlobalInitOnce();
  Impl& im = *impl_;
  im.options = std::move(options);
  if (im.options.max_concurrency == 0) im.options.max_concurrency = 1;
  if (im.options.max_per_host == 0) im.options.max_per_host = 1;
  if (!im.options.connect_to.empty()) {
    im.connect_to.reset(curl_slist_append(nullptr, ("::" + im.options.connect_to).c_str()));
  }
  im.policy.block_private = im.options.block_private_addresses;
  for (const std::string& text : im.options.allowed_cidrs) {
    Result<Cidr> block = ParseCidr(text);
    if (!block.ok()) {
      im.options_status = block.status().WithContext("allowed_cidrs");
      break;
    }
    im.policy.allowed.push_back(*block);
  }
  if (im.options_status.ok() && !im.options.proxy.empty()) {
    im.options_status = ValidateProxy(im.options.proxy);
  }
}

Fetcher::~Fetcher() {
  // Easy handles must leave the multi handle before either is cleaned up;
  // Run() never returns with transfers attached, so only the order matters.
  impl_->idle.clear();
  impl_->multi.reset();
}

void Fetcher::SetHostDelay(const std::string& host, long delay_ms) {
  Impl& im = *impl_;
  HostState& h = im.hosts[host];
  h.delay_override_ms = delay_ms;
  // A queued host's ready time moved (either way): replace its heap entry.
  if (h.in_heap) im.Schedule(h, /*force=*/true);
}

Status Fetcher::Run(std::vector<FetchRequest> initial, const OnDone& on_done,
                    const std::function<bool()>& should_stop) {
  Impl& im = *impl_;
  MW_RETURN_IF_ERROR(im.options_status);
  if (!im.multi) {
    im.multi.reset(curl_multi_init());
    if (!im.multi) return Status::Internal("curl_multi_init failed");
    curl_multi_setopt(im.multi.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    // No CURLMOPT_MAX_HOST_CONNECTIONS: the scheduler above already keeps
    // max_per_host transfers per URL host, and libcurl counts connections per
    // address it connects to, so with connect_to it would hold every host
    // together to max_per_host connections (and close one host's idle
    // connection for each request to another).
    curl_multi_setopt(im.multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(im.options.max_concurrency));
  }
  CURLM* multi = im.multi.get();
  im.PruneHosts(Clock::now());

  // Requests that failed before reaching libcurl (bad URL, bad proxy). They
  // are reported from the main loop, never from inside enqueue, so callbacks
  // do not nest.
  std::deque<std::pair<FetchRequest, Status>> rejected;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;

  // The URL is parsed once here; the host key then travels with the queue.
  auto add = [&](FetchRequest r) {
    std::string host = UrlHost(r.url);
    if (host.empty()) {
      Result<std::string> canonical = CanonicalizeUrl(r.url);
      Status s = canonical.ok() ? Status::ParseError("URL has no host") : canonical.status();
      rejected.emplace_back(std::move(r), std::move(s));
      return;
    }
    if (!r.proxy.empty()) {
      if (Status s = ValidateProxy(r.proxy); !s.ok()) {
        rejected.emplace_back(std::move(r), std::move(s));
        return;
      }
    }
    HostState& h = im.hosts[host];
    h.queue.push_back(std::move(r));
    ++im.queued;
    im.Schedule(h);
  };
  Enqueue enqueue = [&add](FetchRequest r) { add(std::move(r)); };
  for (FetchRequest& r : initial) add(std::move(r));
  initial.clear();

  // Starts requests from hosts whose turn has come, while capacity allows.
  // Returns how long until the next host becomes ready (max() when none is
  // waiting on a delay).
  Clock::duration wait_for_host = Clock::duration::max();
  auto start_ready = [&]() -> Status {
    wait_for_host = Clock::duration::max();
    Clock::time_point now = Clock::now();
    while (active.size() < im.options.max_concurrency && !im.ready.empty()) {
      HeapEntry top = im.ready.top();
      if (!top.host->in_heap || top.generation != top.host->heap_generation) {
        im.ready.pop();  // superseded by a later entry
        continue;
      }
      if (top.ready_at > now) {
        wait_for_host = top.ready_at - now;
        break;
      }
      im.ready.pop();
      HostState& h = *top.host;
      h.in_heap = false;
      auto t = std::make_unique<Transfer>();
      t->request = std::move(h.queue.front());
      h.queue.pop_front();
      --im.queued;
      t->host = &h;
      t->policy = &im.policy;
      t->max_body = im.options.max_body_bytes;
      t->max_headers = im.options.max_header_bytes;
      t->result.token = t->request.token;
      t->result.url = t->request.url;
      t->easy = im.TakeEasy();
      if (!t->easy) return Status::Internal("curl_easy_init failed");
      im.Configure(t.get());
      t->started = now;
      CURLMcode mc = curl_multi_add_handle(multi, t->easy.get());
      if (mc != CURLM_OK) {
        return Status::Internal(std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
      }
      ++h.in_flight;
      h.started_once = true;
      h.last_start = now;
      im.Schedule(h);
      CURL* key = t->easy.get();
      active.emplace(key, std::move(t));
    }
    return Status::Ok();
  };

  auto complete = [&](CURL* easy, CURLcode code) {
    auto node = active.extract(easy);
    std::unique_ptr<Transfer> t = std::move(node.mapped());
    curl_multi_remove_handle(multi, easy);
    im.TransferEnded(*t->host, Clock::now());
    im.Finish(*t, code);
    t->headers.reset();
    im.idle.push_back(std::move(t->easy));
    on_done(std::move(t->result), enqueue);
  };

  auto abort_all = [&]() {
    for (auto& [easy, t] : active) {
      curl_multi_remove_handle(multi, easy);
      im.idle.push_back(std::move(t->easy));
    }
    active.clear();
    rejected.clear();
    im.DropQueued();
  };

  auto report_rejected = [&]() {
    while (!rejected.empty()) {
      auto [r, status] = std::move(rejected.front());
      rejected.pop_front();
      FetchResult res;
      res.token = r.token;
      res.url = r.url;
      res.final_url = r.url;
      res.status = std::move(status);
      on_done(std::move(res), enqueue);
    }
  };

  if (Status s = start_ready(); !s.ok()) {
    abort_all();
    return s;
  }
  while (!active.empty() || im.queued > 0 || !rejected.empty()) {
    if (should_stop && should_stop()) {
      abort_all();
      break;
    }
    report_rejected();
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK) {
      abort_all();
      return Status::Internal(std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
    }
    int msgs_left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &msgs_left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      // The message dies with its handle: copy what we need first.
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      complete(easy, code);
    }
    if (Status s = start_ready(); !s.ok()) {
      abort_all();
      return s;
    }
    if (!rejected.empty()) continue;
    if (active.empty() && im.queued == 0) break;
    // Sleep until a socket is ready, libcurl's next timeout, or the next
    // host's politeness delay ends, whichever comes first; never longer than
    // kMaxPollWait so should_stop stays responsive.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(kMaxPollWait);
    if (active.size() < im.options.max_concurrency && wait_for_host != Clock::duration::max()) {
      // Round up: waking a fraction of a millisecond early would spin.
      auto until_host = std::chrono::ceil<std::chrono::milliseconds>(wait_for_host);
      wait = std::min(wait, std::max(until_host, std::chrono::milliseconds(1)));
    }
    mc = curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
    if (mc != CURLM_OK) {
      abort_all();
      return Status::Internal(std::string("curl_multi_poll: ") + curl_multi_strerror(mc));
    }
  }
  return Status::Ok();
}

}  // namespace mw
