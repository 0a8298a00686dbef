#include "crawler/pipeline.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/failpoint.h"
#include "crawler/clock.h"
#include "crawler/robots.h"
#include "parsers/charset.h"
#include "parsers/source_parsers.h"
#include "parsers/url.h"
#include "text/diff.h"
#include "text/simhash.h"

namespace mw {
namespace {

// Tokens carry the kind of request in their top byte and an index below it.
enum class Kind : uint64_t {
  kFeed = 1,
  kArticle = 2,
  kRobots = 3,
  kChildSitemap = 4,
  kRecheck = 5
};
constexpr int kKindShift = 56;
constexpr uint64_t kIndexMask = (uint64_t{1} << kKindShift) - 1;

uint64_t MakeToken(Kind kind, size_t index) {
  return (static_cast<uint64_t>(kind) << kKindShift) | static_cast<uint64_t>(index);
}
Kind TokenKind(uint64_t token) { return static_cast<Kind>(token >> kKindShift); }
size_t TokenIndex(uint64_t token) { return static_cast<size_t>(token & kIndexMask); }

constexpr int64_t kRobotsTtlSeconds = 24 * 3600;
constexpr int64_t kRobotsErrorTtlSeconds = 3600;

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool RetryableHttpStatus(long code) { return code == 408 || code == 429 || code >= 500; }

struct FeedJob {
  const FeedConfig* config = nullptr;
  FeedState state;       // as loaded (or fresh), updated in Finalize
  std::string poll_url;  // the URL fetched this pass
  FeedOutcome outcome;
  std::string new_etag;
  std::string new_last_modified;
  bool fetched_ok = false;      // a 200 response was parsed
  bool retry_articles = false;  // an article failed transiently: keep old validators
  size_t new_entries = 0;       // entries not stored before
  std::optional<int64_t> retry_after;
  std::optional<int64_t> hint;  // publisher's poll-interval hint
  size_t pending = 0;           // outstanding requests (articles, child sitemaps)
  bool finalized = false;
};

struct ArticleJob {
  size_t feed_index = 0;
  FeedEntry entry;
  std::string canonical_url;
};

// A flagged article fetched again, and what it looked like last time.
struct RecheckJob {
  Recheck due;
  ArticleRecord article;      // as first stored, with its text
  std::string last_text;      // the text of its latest version that had one
  bool last_removed = false;  // its latest version is "removed"
};

struct ChildJob {
  size_t feed_index = 0;
  std::string url;
};

// robots.txt of one origin, and the requests waiting for it.
struct RobotsEntry {
  bool ready = false;
  bool fetching = false;
  std::string refusal = "disallowed by robots.txt";  // why requests are refused
  RobotsRules rules = RobotsRules::AllowAll();
  std::vector<FetchRequest> parked;
};

// The CPU-heavy part of storing one article — decoding, extraction,
// matching and the RocksDB write — runs here, off the fetcher's thread.
// Everything it needs is copied in; it touches no pass bookkeeping.
struct ArticleWork {
  size_t feed_index = 0;
  std::string log_url;
  ArticleRecord rec;        // metadata from the feed; text still empty
  bool from_entry = false;  // fetch_articles = false: `html` is the entry's content
  bool language_from_page = false;
  std::string html;  // the page's body (raw bytes) or the entry's content
  std::string content_type;
  bool archive_html = false;  // CrawlOptions::archive_html (fetched pages only)
  int64_t recheck_delay = 0;  // first re-fetch this long after storing, if flagged (0 = none)
};

struct ArticleDone {
  size_t feed_index = 0;
  std::string log_url;
  Status status;       // extraction problems (the article is skipped)
  Status store_error;  // the store failed: fatal for the pass
  bool inserted = false;
  size_t matches = 0;
  std::string title;
  std::string source;
  // Thread CPU seconds per stage (CrawlSummary::cpu_*).
  double cpu_decode = 0, cpu_extract = 0, cpu_match = 0, cpu_store = 0;
};

// Adds the CPU time since the last lap to *stage.
class CpuLap {
 public:
  CpuLap() : last_(ThreadCpuSeconds()) {}
  void To(double* stage) {
    const double now = ThreadCpuSeconds();
    *stage += now - last_;
    last_ = now;
  }

 private:
  double last_;
};

// The fingerprint of an article as stored (CrawlOptions::fingerprints);
// 0 = none (no normalizer, or too short to be trusted).
uint64_t Fingerprint(const ArticleRecord& rec, const TextNormalizer* normalizer) {
  if (normalizer == nullptr) return 0;
  return FingerprintOfFolded(normalizer->Fold(rec.title), normalizer->Fold(rec.text));
}

// Whether a canonical URL is a site's root ("https://host/"): pages of
// broken sites name their home page as every article's rel=canonical.
bool IsSiteRoot(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const size_t path = url.find('/', scheme + 3);
  return path == std::string_view::npos || url.substr(path) == "/";
}

// The path of a canonical URL, without query or fragment ("/" at least).
std::string_view UrlPath(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "/";
  const size_t start = url.find('/', scheme + 3);
  if (start == std::string_view::npos) return "/";
  std::string_view path = url.substr(start);
  return path.substr(0, path.find_first_of("?#"));
}

// Whether a story at `article_url` that now redirects to `target` (both
// canonical, different) was taken down: outlets send removed stories to
// the home page or to the section they were in — the root, a path ending
// in '/', or a path that the story's path extends ("/world/2026/story" ->
// "/world"). A redirect to another story URL (a changed slug) is not a
// removal.
bool RedirectedToSection(std::string_view article_url, std::string_view target) {
  if (IsSiteRoot(target)) return true;
  if (!SameSite(article_url, target)) return false;
  const std::string_view path = UrlPath(target);
  if (!path.empty() && path.back() == '/') return true;
  const std::string_view story = UrlPath(article_url);
  return story.size() > path.size() && story.substr(0, path.size()) == path &&
         story[path.size()] == '/';
}

// The URL an article is stored under, and the others that lead to it.
// `rec.url` arrives as the feed entry's canonical link. The page's
// <link rel=canonical> wins when it is on the site of the page as fetched
// (parsers/url.h SameSite) and is not the site's home page; else the URL
// the fetch ended at after redirects (a feed's tracking redirector leads to
// the outlet's own URL), unless that is a home page (where outlets send
// removed stories). So the same story linked from two feeds, or through a
// redirector, is one article. The entry's link and the fetched URL become
// aliases, so the next poll knows the story without fetching it again.
void ChooseArticleUrl(std::string_view page_canonical, ArticleRecord* rec,
                      std::vector<std::string>* aliases) {
  const std::string entry_url = rec->url;
  Result<std::string> fetched = CanonicalizeUrl(rec->fetched_url);
  std::string chosen;
  if (!page_canonical.empty()) {
    Result<std::string> canonical = CanonicalizeUrl(page_canonical);
    if (canonical.ok() && !IsSiteRoot(*canonical) && SameSite(*canonical, rec->fetched_url)) {
      chosen = std::move(canonical).value();
    }
  }
  if (chosen.empty() && fetched.ok() && !IsSiteRoot(*fetched)) chosen = *fetched;
  if (!chosen.empty() && chosen != rec->url) {
    rec->url = std::move(chosen);
    rec->id = ArticleIdForUrl(rec->url);
  }
  const std::string* fetched_url = fetched.ok() ? &*fetched : nullptr;
  for (const std::string* url : {&entry_url, fetched_url}) {
    if (url == nullptr || *url == rec->url) continue;
    if (std::find(aliases->begin(), aliases->end(), *url) == aliases->end()) {
      aliases->push_back(*url);
    }
  }
}

ArticleDone ProcessArticle(ArticleWork w, Store* store, const WatchlistMatcher* matcher,
                           const ExtractOptions& extract_options,
                           const TextNormalizer* fingerprint_normalizer) {
  ArticleDone done;
  done.feed_index = w.feed_index;
  done.log_url = std::move(w.log_url);
  ArticleRecord& rec = w.rec;
  ArticleWrite write;
  CpuLap lap;
  if (w.from_entry) {
    if (!w.html.empty()) {
      auto extracted = ExtractArticle(w.html, rec.fetched_url, extract_options);
      if (extracted.ok()) rec.text = std::move(extracted->text);
    }
    rec.charset = "UTF-8";
    lap.To(&done.cpu_extract);
  } else {
    auto decoded = DecodeHtml(w.html, w.content_type);
    lap.To(&done.cpu_decode);
    if (!decoded.ok()) {
      done.status = decoded.status();
      return done;
    }
    auto extracted = ExtractArticle(decoded->utf8, rec.fetched_url, extract_options);
    lap.To(&done.cpu_extract);
    if (!extracted.ok()) {
      done.status = extracted.status();
      return done;
    }
    if (w.language_from_page) rec.language = extracted->language;
    if (!extracted->title.empty()) rec.title = extracted->title;
    rec.text = std::move(extracted->text);
    if (!extracted->byline.empty()) rec.byline = extracted->byline;
    rec.charset = decoded->charset;
    if (extracted->published) rec.published = extracted->published;
    ChooseArticleUrl(extracted->canonical_url, &rec, &write.alias_urls);
    if (w.archive_html && w.html.size() <= kMaxRawHtmlBytes) write.raw_html = std::move(w.html);
  }
  std::vector<MatchRecord> matches;
  // The matcher folds title and text anyway; when the fingerprint's
  // normalizer is the matcher's, the fingerprint reuses them (a fold of the
  // whole article less: ~40 us of a page's ~2.6 ms).
  const bool reuse_folded =
      fingerprint_normalizer != nullptr && fingerprint_normalizer == matcher->normalizer();
  FoldedFields folded;
  MatchResult result = matcher->MatchAll(rec.title, rec.text, reuse_folded ? &folded : nullptr);
  for (TermMatch& m : result.targets) {
    MatchRecord mr;
    mr.watchlist_id = std::move(m.watchlist_id);
    mr.target_id = std::move(m.target_id);
    mr.kind = std::string(TargetKindName(m.kind));
    mr.term = std::move(m.term);
    mr.field = std::move(m.field);
    mr.snippet = std::move(m.snippet);
    mr.count = m.count;
    matches.push_back(std::move(mr));
  }
  // A rule that holds is stored like a target, kind "rule", with the
  // snippet of the list's first match.
  for (RuleMatch& r : result.rules) {
    MatchRecord mr;
    mr.watchlist_id = std::move(r.watchlist_id);
    mr.target_id = std::move(r.rule_id);
    mr.kind = "rule";
    for (const MatchRecord& m : matches) {
      if (m.watchlist_id != mr.watchlist_id || m.kind == "rule") continue;
      mr.field = m.field;
      mr.snippet = m.snippet;
      break;
    }
    mr.count = 1;
    matches.push_back(std::move(mr));
  }
  rec.simhash = reuse_folded ? FingerprintOfFolded(folded.title, folded.text)
                             : Fingerprint(rec, fingerprint_normalizer);
  if (!matches.empty() && w.recheck_delay > 0) write.recheck_at = rec.fetched_at + w.recheck_delay;
  write.article = std::move(rec);
  write.matches = std::move(matches);
  lap.To(&done.cpu_match);
  Failpoint("before_commit");
  auto put = store->PutArticle(write);
  lap.To(&done.cpu_store);
  if (put.ok()) Failpoint("after_commit");
  ArticleRecord& stored = write.article;
  if (!put.ok()) {
    done.store_error = put.status().WithContext("storing " + stored.url);
    return done;
  }
  done.inserted = put->inserted;
  done.matches = write.matches.size();
  done.title = std::move(stored.title);
  done.source = std::move(stored.source);
  return done;
}

// Background threads sharing one bounded input queue. When the queue is
// full the caller processes the work itself: backpressure without unbounded
// buffering, and no deadlock.
class ArticleWorker {
 public:
  using Fn = std::function<ArticleDone(ArticleWork)>;
  ArticleWorker(Fn fn, size_t capacity, size_t threads) : fn_(std::move(fn)), capacity_(capacity) {
    for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
      threads_.emplace_back([this] { Loop(); });
    }
  }
  ~ArticleWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  // False when the queue is full (the caller then does the work).
  bool TrySubmit(ArticleWork&& w) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.size() >= capacity_) return false;
      queue_.push_back(std::move(w));
      ++outstanding_;
    }
    work_cv_.notify_one();
    return true;
  }

  std::vector<ArticleDone> Drain() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ArticleDone> out = std::move(done_);
    done_.clear();
    return out;
  }

  // Waits until every submitted work item is done, then drains.
  std::vector<ArticleDone> Finish() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [this] { return outstanding_ == 0; });
    std::vector<ArticleDone> out = std::move(done_);
    done_.clear();
    return out;
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      ArticleWork w = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      ArticleDone d = fn_(std::move(w));
      lock.lock();
      done_.push_back(std::move(d));
      if (--outstanding_ == 0) idle_cv_.notify_all();
    }
  }

  Fn fn_;
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<ArticleWork> queue_;
  std::vector<ArticleDone> done_;
  size_t outstanding_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// State of one CrawlOnce call.
class Pass {
 public:
  Pass(Store* store, const WatchlistMatcher* matcher, const CrawlOptions& options,
       const TextNormalizer* fingerprint_normalizer)
      : store_(store),
        matcher_(matcher),
        options_(options),
        fingerprint_normalizer_(fingerprint_normalizer),
        fetcher_(options.fetcher) {
    if (options.background_workers > 0) {
      worker_ = std::make_unique<ArticleWorker>(
          [store, matcher, &options, fingerprint_normalizer](ArticleWork w) {
            return ProcessArticle(std::move(w), store, matcher, options.extract,
                                  fingerprint_normalizer);
          },
          options.worker_queue_capacity, options.background_workers);
    }
  }

  Result<CrawlSummary> Run(const std::vector<FeedConfig>& feeds) {
    auto started = std::chrono::steady_clock::now();
    now_ = Now();
    rng_.seed(static_cast<uint32_t>(now_));
    summary_.feeds_total = feeds.size();
    progress_.feeds_total = feeds.size();
    std::vector<size_t> to_poll;
    for (size_t i = 0; i < feeds.size(); ++i) {
      FeedJob job;
      MW_RETURN_IF_ERROR(Prepare(feeds[i], &job));
      if (job.outcome.polled) to_poll.push_back(i);
      jobs_.push_back(std::move(job));
    }
    for (size_t i = 0; i < jobs_.size(); ++i) {
      const FeedConfig& cfg = *jobs_[i].config;
      if (cfg.host_delay_ms >= 0) {
        std::string host = UrlHost(jobs_[i].poll_url);
        host_delay_ms_[host] = cfg.host_delay_ms;
        fetcher_.SetHostDelay(host, static_cast<long>(cfg.host_delay_ms));
      }
    }
    summary_.feeds_polled = to_poll.size();

    std::vector<FetchRequest> initial;
    Fetcher::Enqueue collect = [&initial](FetchRequest r) { initial.push_back(std::move(r)); };
    for (size_t i : to_poll) {
      FetchRequest req;
      req.url = jobs_[i].poll_url;
      req.token = MakeToken(Kind::kFeed, i);
      req.proxy = jobs_[i].config->proxy;
      if (!jobs_[i].state.url.empty() && jobs_[i].state.url == jobs_[i].poll_url) {
        req.if_none_match = jobs_[i].state.etag;
        req.if_modified_since = jobs_[i].state.last_modified;
      }
      Submit(std::move(req), collect);
      if (!fatal_.ok()) return fatal_;
    }
    MW_RETURN_IF_ERROR(QueueRechecks(collect));
    // Requests refused before fetching (robots.txt from the cache) completed
    // synchronously inside Submit; what is left goes to the fetcher.
    Status run = fetcher_.Run(
        std::move(initial),
        [this](FetchResult&& r, const Fetcher::Enqueue& enqueue) {
          Dispatch(std::move(r), enqueue);
        },
        [this] {
          if (worker_) ApplyAll(worker_->Drain());
          return !fatal_.ok() || (options_.cancel && options_.cancel->load());
        });
    if (worker_) ApplyAll(worker_->Finish());
    if (!fatal_.ok()) return fatal_;
    if (!run.ok()) return run;
    // A cancelled pass leaves unfinished feeds as they were, so the next pass
    // fetches them again.
    for (FeedJob& job : jobs_) {
      if (job.outcome.polled && !job.finalized && job.pending == 0) (void)Finalize(&job);
    }
    if (!fatal_.ok()) return fatal_;
    for (FeedJob& job : jobs_) summary_.feeds.push_back(std::move(job.outcome));
    summary_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary_;
  }

 private:
  int64_t Now() const { return options_.now ? options_.now() : SystemNow(); }

  void Log(LogLevel level, const std::string& message) const {
    if (options_.log) options_.log(level, message);
  }

  // Loads the feed's state and decides whether it is polled in this pass.
  Status Prepare(const FeedConfig& cfg, FeedJob* job) {
    job->config = &cfg;
    job->outcome.feed_id = cfg.id;
    auto state = store_->GetFeedState(cfg.id);
    if (!state.ok()) return state.status();
    if (*state) job->state = **state;
    FeedState& s = job->state;
    s.feed_id = cfg.id;
    // A changed configured URL starts the feed afresh (and un-retires it).
    if (s.config_url != cfg.url) {
      const bool known = !s.config_url.empty() || !s.url.empty();
      if (known && s.url != cfg.url) {
        s.etag.clear();
        s.last_modified.clear();
      }
      s.config_url = cfg.url;
      s.url = cfg.url;
      s.retired = false;
      s.next_poll_at = 0;
    }
    job->poll_url = s.url.empty() ? cfg.url : s.url;
    job->outcome.url = job->poll_url;
    job->outcome.next_poll_at = s.next_poll_at;
    if (s.retired) {
      job->outcome.retired = true;
      ++summary_.feeds_retired;
      return Status::Ok();
    }
    if (!options_.poll_all && !IsDue(s, now_)) {
      ++summary_.feeds_not_due;
      return Status::Ok();
    }
    job->outcome.polled = true;
    return Status::Ok();
  }

  // Sends `req` through robots.txt: fetched when allowed, answered with a
  // kForbidden result when not, parked while the origin's robots.txt loads.
  void Submit(FetchRequest req, const Fetcher::Enqueue& enqueue) {
    if (options_.fetch_host && !options_.fetch_host(UrlHost(req.url))) {
      FetchResult refused;
      refused.token = req.token;
      refused.url = req.url;
      refused.final_url = req.url;
      refused.status = Status::NetworkError("not sent: this worker lost its lease on the host");
      Dispatch(std::move(refused), enqueue);
      return;
    }
    if (!options_.respect_robots) {
      enqueue(std::move(req));
      return;
    }
    auto robots_url = ResolveUrl(req.url, "/robots.txt");
    if (!robots_url.ok()) {  // a bad URL: let the fetcher report it
      enqueue(std::move(req));
      return;
    }
    RobotsEntry& entry = robots_[*robots_url];
    if (!entry.ready && !entry.fetching) LoadCachedRobots(*robots_url, &entry);
    if (entry.ready) {
      Release(std::move(req), entry, enqueue);
      return;
    }
    entry.parked.push_back(std::move(req));
    if (!entry.fetching) {
      entry.fetching = true;
      robots_order_.push_back(*robots_url);
      FetchRequest robots;
      robots.url = *robots_url;
      robots.proxy = entry.parked.front().proxy;
      robots.token = MakeToken(Kind::kRobots, robots_order_.size() - 1);
      enqueue(std::move(robots));
    }
  }

  void LoadCachedRobots(const std::string& robots_url, RobotsEntry* entry) {
    auto cached = store_->GetHostState(robots_url);
    if (!cached.ok()) {
      Log(LogLevel::kWarn, "robots cache for " + robots_url + ": " + cached.status().ToString());
      return;
    }
    if (!*cached || (*cached)->robots_expires_at <= now_) return;
    ApplyRobots(robots_url, (*cached)->robots_status, (*cached)->robots_body, entry);
  }

  void ApplyRobots(const std::string& robots_url, int status, const std::string& body,
                   RobotsEntry* entry) {
    RobotsOptions ro;
    ro.max_crawl_delay_s = options_.max_crawl_delay_seconds;
    if (status >= 200 && status < 300) {
      entry->rules = RobotsRules::Parse(body, options_.robots_token, ro);
    } else if (status >= 400 && status < 500) {
      entry->rules = RobotsRules::AllowAll();  // RFC 9309 2.3.1.3: "unavailable"
    } else {
      entry->rules = RobotsRules::DisallowAll();  // 2.3.1.4: "unreachable"
    }
    entry->ready = true;
    if (auto delay = entry->rules.crawl_delay_seconds()) {
      std::string host = UrlHost(robots_url);
      long ms = static_cast<long>(*delay * 1000);
      auto configured = host_delay_ms_.find(host);
      long base = configured != host_delay_ms_.end() ? static_cast<long>(configured->second)
                                                     : options_.fetcher.min_host_delay_ms;
      fetcher_.SetHostDelay(host, std::max(ms, base));
    }
  }

  void Release(FetchRequest req, const RobotsEntry& entry, const Fetcher::Enqueue& enqueue) {
    Result<bool> allowed = entry.rules.IsAllowedUrl(req.url);
    if (!allowed.ok() || *allowed) {  // a bad URL: the fetcher reports it
      enqueue(std::move(req));
      return;
    }
    ++summary_.robots_refused;
    FetchResult refused;
    refused.token = req.token;
    refused.url = req.url;
    refused.final_url = req.url;
    refused.status = Status::Forbidden(entry.refusal);
    Dispatch(std::move(refused), enqueue);
  }

  void Dispatch(FetchResult&& r, const Fetcher::Enqueue& enqueue) {
    const size_t index = TokenIndex(r.token);
    switch (TokenKind(r.token)) {
      case Kind::kFeed:
        OnFeed(index, std::move(r), enqueue);
        break;
      case Kind::kArticle:
        OnArticle(index, std::move(r));
        break;
      case Kind::kRobots:
        OnRobots(index, std::move(r), enqueue);
        break;
      case Kind::kChildSitemap:
        OnChildSitemap(index, std::move(r), enqueue);
        break;
      case Kind::kRecheck:
        OnRecheck(index, std::move(r));
        break;
    }
    if (options_.on_progress) options_.on_progress(progress_);
  }

  void OnRobots(size_t index, FetchResult&& r, const Fetcher::Enqueue& enqueue) {
    const std::string robots_url = robots_order_[index];  // copy: the vector may grow below
    RobotsEntry& entry = robots_[robots_url];
    int status = r.status.ok() ? static_cast<int>(r.http_status) : 0;
    if (!r.status.ok() && r.status.code() == StatusCode::kTooLarge) status = 200;  // parse the cap
    HostState host;
    host.host = robots_url;
    host.robots_status = status;
    host.robots_body = status >= 200 && status < 300 ? r.body : std::string();
    host.robots_fetched_at = now_;
    host.robots_expires_at =
        now_ + ((status >= 200 && status < 500) ? kRobotsTtlSeconds : kRobotsErrorTtlSeconds);
    // A refusal by our own SSRF guard says nothing about the site: don't
    // cache it, or allowing the address later would not take effect.
    if (r.status.code() != StatusCode::kForbidden) {
      Status stored = store_->PutHostState(host);
      if (!stored.ok()) Log(LogLevel::kWarn, "caching " + robots_url + ": " + stored.ToString());
    }
    if (status == 0 || status >= 500) {
      std::string why =
          r.status.ok() ? "HTTP " + std::to_string(r.http_status) : r.status.ToString();
      // Our own address guard's refusal is passed on as it is; a site that
      // cannot serve robots.txt is not crawled for an hour (RFC 9309 2.3.1.4).
      entry.refusal =
          r.status.code() == StatusCode::kForbidden
              ? why
              : "robots.txt unreachable (" + why + "): not crawling the site for an hour";
      Log(LogLevel::kWarn, robots_url + ": " + entry.refusal);
    }
    ApplyRobots(robots_url, status, host.robots_body, &entry);
    entry.fetching = false;
    std::vector<FetchRequest> parked = std::move(entry.parked);
    entry.parked.clear();
    for (FetchRequest& req : parked) Release(std::move(req), entry, enqueue);
  }

  void FeedFailed(FeedJob* job, const std::string& error) {
    job->outcome.error = error;
    ++summary_.feeds_failed;
    ++progress_.errors;
    Log(LogLevel::kWarn, "feed " + job->config->id + " (" + job->poll_url + "): " + error);
  }

  void OnFeed(size_t index, FetchResult&& r, const Fetcher::Enqueue& enqueue) {
    FeedJob& job = jobs_[index];
    job.outcome.http_status = r.http_status;
    ++progress_.feeds_done;
    if (!r.status.ok()) {
      FeedFailed(&job, r.status.ToString());
    } else if (r.http_status == 304) {
      job.outcome.not_modified = true;
      job.hint = r.max_age_seconds;
      ++summary_.feeds_not_modified;
      Log(LogLevel::kDebug, "feed " + job.config->id + ": not modified");
    } else if (r.http_status == 410) {
      job.outcome.retired = true;
      FeedFailed(&job, "HTTP 410 Gone: the feed is retired (change its url to revive it)");
    } else if (r.http_status != 200) {
      if (r.http_status == 429 || r.http_status == 503) job.retry_after = r.retry_after_seconds;
      FeedFailed(&job, "HTTP " + std::to_string(r.http_status));
    } else {
      job.outcome.moved_to = r.permanent_redirect_url;
      job.hint = r.max_age_seconds;
      auto feed = ParseSource(*job.config, r);
      if (!feed.ok()) {
        FeedFailed(&job, feed.status().ToString());
      } else if (feed->entries.empty() && feed->child_sources.empty() && !feed->problems.empty()) {
        // Recovery salvaged nothing: for the user this feed is broken.
        FeedFailed(&job, "malformed feed: " + feed->problems.front());
      } else {
        job.fetched_ok = true;
        job.new_etag = r.etag;
        job.new_last_modified = r.last_modified;
        ++summary_.feeds_ok;
        if (feed->ttl_seconds) job.hint = std::max(job.hint.value_or(0), *feed->ttl_seconds);
        ReportProblems(job, *feed);
        QueueChildSitemaps(index, *feed, enqueue);
        QueueEntries(index, std::move(feed).value(), enqueue);
      }
    }
    if (job.pending == 0) (void)Finalize(&job);
  }

  Result<Feed> ParseSource(const FeedConfig& cfg, const FetchResult& r) const {
    FeedParseOptions po = options_.feed_parse;
    po.now = now_;
    if (cfg.type == SourceType::kHtml) {
      return ParseLinkPage(r.body, r.content_type, r.final_url, cfg.link_pattern, po);
    }
    return ParseFeed(r.body, r.content_type, r.final_url, po);
  }

  void ReportProblems(FeedJob& job, const Feed& feed) {
    job.outcome.problems.insert(job.outcome.problems.end(), feed.problems.begin(),
                                feed.problems.end());
    if (!feed.problems.empty()) {
      Log(LogLevel::kWarn, "feed " + job.config->id + ": recovered from " +
                               std::to_string(feed.problems.size()) +
                               " problem(s), first: " + feed.problems.front());
    }
  }

  void QueueChildSitemaps(size_t feed_index, const Feed& feed, const Fetcher::Enqueue& enqueue) {
    FeedJob& job = jobs_[feed_index];
    size_t n = 0;
    for (const std::string& url : feed.child_sources) {
      if (n++ >= options_.max_child_sitemaps) {
        job.outcome.problems.push_back("sitemap index lists more than " +
                                       std::to_string(options_.max_child_sitemaps) +
                                       " sitemaps; the rest wait for the next pass");
        break;
      }
      children_.push_back({feed_index, url});
      FetchRequest req;
      req.url = url;
      req.proxy = job.config->proxy;
      req.token = MakeToken(Kind::kChildSitemap, children_.size() - 1);
      ++job.pending;
      Submit(std::move(req), enqueue);
    }
  }

  void OnChildSitemap(size_t index, FetchResult&& r, const Fetcher::Enqueue& enqueue) {
    const ChildJob& child = children_[index];
    FeedJob& job = jobs_[child.feed_index];
    if (!r.status.ok() || r.http_status != 200) {
      std::string why =
          r.status.ok() ? "HTTP " + std::to_string(r.http_status) : r.status.ToString();
      job.outcome.problems.push_back("child sitemap " + child.url + ": " + why);
      if (r.status.code() == StatusCode::kNetworkError || RetryableHttpStatus(r.http_status)) {
        job.retry_articles = true;
      }
    } else {
      FeedParseOptions po = options_.feed_parse;
      po.now = now_;
      auto feed = ParseFeed(r.body, r.content_type, r.final_url, po);
      if (!feed.ok()) {
        job.outcome.problems.push_back("child sitemap " + child.url + ": " +
                                       feed.status().ToString());
      } else {
        // An index inside an index is not followed: sitemaps.org forbids it,
        // and following it would let a site make us crawl without end.
        QueueEntries(child.feed_index, std::move(feed).value(), enqueue);
      }
    }
    --job.pending;
    if (job.pending == 0) (void)Finalize(&job);
  }

  void QueueEntries(size_t feed_index, Feed feed, const Fetcher::Enqueue& enqueue) {
    FeedJob& job = jobs_[feed_index];
    job.outcome.entries += feed.entries.size();
    // Newest first, so a cap keeps the most recent stories.
    std::stable_sort(feed.entries.begin(), feed.entries.end(),
                     [](const FeedEntry& a, const FeedEntry& b) {
                       return a.published.value_or(a.updated.value_or(0)) >
                              b.published.value_or(b.updated.value_or(0));
                     });
    for (FeedEntry& entry : feed.entries) {
      if (job.new_entries >= options_.max_articles_per_feed) break;
      if (entry.link.empty()) continue;  // the parser already recorded the problem
      auto canonical = CanonicalizeUrl(entry.link);
      if (!canonical.ok()) {
        job.outcome.problems.push_back("entry link '" + entry.link +
                                       "': " + canonical.status().message());
        continue;
      }
      if (!seen_urls_.insert(*canonical).second) continue;  // another feed has it this pass
      auto stored = store_->HasArticleUrl(*canonical);
      if (!stored.ok()) {
        fatal_ = stored.status();
        return;
      }
      if (*stored) {
        ++summary_.articles_duplicate;
        continue;
      }
      ++job.new_entries;
      ArticleJob article;
      article.feed_index = feed_index;
      article.canonical_url = *canonical;
      article.entry = std::move(entry);
      if (!job.config->fetch_articles) {
        ArticleWork w;
        w.feed_index = feed_index;
        w.log_url = article.entry.link;
        w.rec = BaseRecord(article, job);
        w.rec.fetched_url = article.entry.link;
        w.from_entry = true;
        w.html = article.entry.content.empty() ? std::move(article.entry.summary)
                                               : std::move(article.entry.content);
        ++job.pending;
        Process(std::move(w));
        if (!fatal_.ok()) return;
        continue;
      }
      FetchRequest req;
      req.url = article.entry.link;
      req.proxy = job.config->proxy;
      req.token = MakeToken(Kind::kArticle, articles_.size());
      articles_.push_back(std::move(article));
      ++job.pending;
      ++progress_.articles_queued;
      Submit(std::move(req), enqueue);
    }
  }

  // Fetches the flagged articles whose re-fetch is due (most overdue first),
  // with the same politeness as everything else.
  Status QueueRechecks(const Fetcher::Enqueue& enqueue) {
    if (options_.recheck_delays.empty() || options_.max_rechecks_per_pass == 0) {
      return Status::Ok();
    }
    Result<std::vector<Recheck>> due = store_->DueRechecks(now_, options_.max_rechecks_per_pass);
    if (!due.ok()) return due.status();
    for (Recheck& r : *due) {
      Result<std::optional<ArticleRecord>> article = store_->GetArticle(r.article_id);
      if (!article.ok()) return article.status();
      if (!article->has_value()) {
        MW_RETURN_IF_ERROR(store_->RecordRecheck(r, std::nullopt, std::nullopt));
        continue;
      }
      if (options_.recheck_host && !options_.recheck_host(UrlHost((*article)->url))) continue;
      Result<std::vector<ArticleVersion>> versions = store_->GetVersions(r.article_id);
      if (!versions.ok()) return versions.status();
      RecheckJob job;
      job.due = std::move(r);
      job.article = std::move(**article);
      job.last_text = job.article.text;
      for (const ArticleVersion& v : *versions) {
        job.last_removed = v.kind == "removed";
        if (!job.last_removed) job.last_text = v.text;
      }
      FetchRequest req;
      req.url = job.article.url;
      req.token = MakeToken(Kind::kRecheck, rechecks_.size());
      rechecks_.push_back(std::move(job));
      Submit(std::move(req), enqueue);
      if (!fatal_.ok()) return fatal_;
    }
    return Status::Ok();
  }

  // Compares a re-fetched flagged article with its last version and
  // records an edit, a removal or a restoration, then schedules the next
  // re-fetch. Transient failures (network, 5xx, 429, robots) retry the
  // same step an hour later. Runs on the pass's thread: re-fetches are few
  // (flagged articles only).
  void OnRecheck(size_t index, FetchResult&& r) {
    RecheckJob& job = rechecks_[index];
    const ArticleRecord& a = job.article;
    ++summary_.rechecks;
    std::optional<ArticleVersion> change;
    bool transient = false;
    ArticleVersion v;
    v.found_at = now_;
    v.http_status = static_cast<int>(r.http_status);
    Result<std::string> final_url = CanonicalizeUrl(r.final_url.empty() ? r.url : r.final_url);
    if (!r.status.ok() || (r.http_status != 200 && r.http_status != 404 && r.http_status != 410)) {
      transient = true;
    } else if (r.http_status == 404 || r.http_status == 410) {
      v.kind = "removed";
      v.reason = "HTTP " + std::to_string(r.http_status);
    } else if (final_url.ok() && *final_url != a.url && RedirectedToSection(a.url, *final_url)) {
      v.kind = "removed";
      v.reason =
          (IsSiteRoot(*final_url) ? "redirected to the home page " : "redirected to ") + *final_url;
    } else {
      std::string text, title;
      Status extracted = Status::Ok();
      auto decoded = DecodeHtml(r.body, r.content_type);
      if (!decoded.ok()) {
        extracted = decoded.status();
      } else {
        auto article = ExtractArticle(decoded->utf8, r.final_url, options_.extract);
        if (!article.ok()) {
          extracted = article.status();
        } else {
          text = std::move(article->text);
          title = std::move(article->title);
        }
      }
      const std::string now_text = CollapseWhitespace(text);
      const std::string before = CollapseWhitespace(job.last_text);
      // The page still answers, but its story is gone (replaced by a
      // notice, or stripped to a stub).
      if (!extracted.ok() || now_text.size() * 5 < before.size()) {
        v.kind = "removed";
        v.reason = extracted.ok() ? "the article text disappeared"
                                  : "no article on the page: " + extracted.message();
      } else if (job.last_removed || now_text != before) {
        v.kind = job.last_removed ? "restored" : "edited";
        v.title = std::move(title);
        v.text = std::move(text);
        v.diff = LineDiff(job.last_text, v.text);
      }
    }
    if (!transient && !v.kind.empty() && !(v.kind == "removed" && job.last_removed)) {
      if (v.kind == "removed") {
        ++summary_.removals_found;
      } else {
        ++summary_.edits_found;
      }
      Log(LogLevel::kInfo, "article " + v.kind + ": " + a.title + " <" + a.url + ">" +
                               (v.reason.empty() ? "" : " (" + v.reason + ")"));
      change = std::move(v);
    }
    std::optional<Recheck> next;
    if (transient) {
      next = Recheck{a.id, now_ + 3600, job.due.step};
    } else {
      const size_t step = static_cast<size_t>(job.due.step) + 1;
      if (step < options_.recheck_delays.size()) {
        next = Recheck{a.id, std::max(now_ + 60, a.fetched_at + options_.recheck_delays[step]),
                       static_cast<int>(step)};
      }
    }
    Status recorded = store_->RecordRecheck(job.due, change, next);
    if (!recorded.ok() && fatal_.ok()) fatal_ = recorded.WithContext("recording a re-fetch");
  }

  void ArticleFailed(FeedJob& job, const std::string& url, const Status& s) {
    ++summary_.articles_failed;
    ++job.outcome.failed_articles;
    ++progress_.errors;
    Log(LogLevel::kWarn, "article " + url + " (feed " + job.config->id + "): " + s.ToString());
  }

  void OnArticle(size_t index, FetchResult&& r) {
    ArticleJob& article = articles_[index];
    FeedJob& job = jobs_[article.feed_index];
    ++progress_.articles_done;
    Status s = r.status;
    if (s.ok() && r.http_status != 200)
      s = Status::HttpError("HTTP " + std::to_string(r.http_status));
    if (!s.ok()) {
      if (r.status.code() == StatusCode::kNetworkError || RetryableHttpStatus(r.http_status)) {
        job.retry_articles = true;
      }
      ArticleFailed(job, r.url, s);
      --job.pending;
      if (job.pending == 0) (void)Finalize(&job);
      return;
    }
    ++summary_.articles_fetched;
    Failpoint("after_fetch");
    ArticleWork w;
    w.feed_index = article.feed_index;
    w.log_url = r.url;
    w.rec = BaseRecord(article, job);
    w.rec.fetched_url = r.final_url;
    w.language_from_page = job.config->language.empty();
    w.html = std::move(r.body);
    w.content_type = std::move(r.content_type);
    w.archive_html = options_.archive_html;
    if (!options_.recheck_delays.empty()) w.recheck_delay = options_.recheck_delays.front();
    Process(std::move(w));
  }

  // Hands the work to the background worker, or does it here when there is
  // none or its queue is full.
  void Process(ArticleWork w) {
    if (worker_ && worker_->TrySubmit(std::move(w))) return;
    Apply(
        ProcessArticle(std::move(w), store_, matcher_, options_.extract, fingerprint_normalizer_));
  }

  void ApplyAll(std::vector<ArticleDone> done) {
    for (ArticleDone& d : done) Apply(std::move(d));
  }

  // Bookkeeping for a processed article, on the pass's own thread.
  void Apply(ArticleDone d) {
    FeedJob& job = jobs_[d.feed_index];
    summary_.cpu_decode += d.cpu_decode;
    summary_.cpu_extract += d.cpu_extract;
    summary_.cpu_match += d.cpu_match;
    summary_.cpu_store += d.cpu_store;
    if (!d.store_error.ok()) {
      if (fatal_.ok()) fatal_ = d.store_error;
    } else if (!d.status.ok()) {
      ArticleFailed(job, d.log_url, d.status);
    } else if (!d.inserted) {
      ++summary_.articles_duplicate;
    } else {
      ++summary_.articles_stored;
      ++progress_.articles_stored;
      ++job.outcome.new_articles;
      if (d.matches > 0) {
        ++summary_.matched_articles;
        ++progress_.matched_articles;
        summary_.matches += d.matches;
        Log(LogLevel::kInfo, "match: " + d.title + " [" + d.source + "]");
      }
    }
    --job.pending;
    if (job.pending == 0) (void)Finalize(&job);
  }

  ArticleRecord BaseRecord(const ArticleJob& article, const FeedJob& job) const {
    ArticleRecord rec;
    rec.url = article.canonical_url;
    rec.id = ArticleIdForUrl(rec.url);
    rec.feed_id = job.config->id;
    rec.source = job.config->source;
    rec.language = job.config->language;
    if (rec.language.empty()) rec.language = article.entry.language;
    rec.title = article.entry.title;
    rec.byline = article.entry.author;
    rec.published = article.entry.published;
    if (!rec.published) rec.published = article.entry.updated;
    rec.fetched_at = now_;
    return rec;
  }

  // Writes the feed's state once all of its work is done.
  Status Finalize(FeedJob* job) {
    if (job->finalized) return Status::Ok();
    job->finalized = true;
    FeedState& s = job->state;
    const FeedConfig& cfg = *job->config;
    s.last_fetch_at = now_;
    s.last_http_status = static_cast<int>(job->outcome.http_status);
    PollOutcome poll;
    poll.now = now_;
    poll.hint_seconds = job->hint;
    if (job->outcome.error.empty()) {
      s.last_error.clear();
      s.consecutive_failures = 0;
      s.last_success_at = now_;
      ++s.polls;
      if (job->fetched_ok && !job->retry_articles) {
        s.etag = job->new_etag;
        s.last_modified = job->new_last_modified;
      }
      if (!job->outcome.moved_to.empty() && job->outcome.moved_to != s.url) {
        Log(LogLevel::kInfo, "feed " + cfg.id + " moved permanently to " + job->outcome.moved_to);
        s.url = job->outcome.moved_to;
        s.etag.clear();  // validators belong to the old URL's response
        s.last_modified.clear();
        if (job->fetched_ok && !job->retry_articles) {
          s.etag = job->new_etag;
          s.last_modified = job->new_last_modified;
        }
      }
      poll.result = job->new_entries > 0 ? PollResult::kNewEntries : PollResult::kNoNewEntries;
      if (job->new_entries > 0) s.last_new_entry_at = now_;
    } else {
      s.last_error = job->outcome.error;
      ++s.consecutive_failures;
      poll.result = job->outcome.retired ? PollResult::kGone : PollResult::kFailed;
      poll.retry_after_seconds = job->retry_after;
    }
    ScheduleOptions so = options_.schedule;
    so.interval_seconds = cfg.interval_seconds;
    if (cfg.min_interval_seconds > 0) so.min_interval_seconds = cfg.min_interval_seconds;
    if (cfg.max_interval_seconds > 0) so.max_interval_seconds = cfg.max_interval_seconds;
    ScheduleNextPoll(so, poll, std::uniform_real_distribution<double>(0.0, 1.0)(rng_), &s);
    job->outcome.next_poll_at = s.next_poll_at;
    job->outcome.url = job->poll_url;
    Status stored = store_->PutFeedState(s);
    if (!stored.ok() && fatal_.ok()) fatal_ = stored.WithContext("storing feed state of " + cfg.id);
    return stored;
  }

  Store* store_;
  const WatchlistMatcher* matcher_;
  const CrawlOptions& options_;
  const TextNormalizer* fingerprint_normalizer_;  // null: no fingerprints
  Fetcher fetcher_;
  int64_t now_ = 0;
  std::mt19937 rng_;
  std::vector<FeedJob> jobs_;
  std::vector<ArticleJob> articles_;
  std::vector<ChildJob> children_;
  std::vector<RecheckJob> rechecks_;
  std::unordered_map<std::string, RobotsEntry> robots_;     // by robots.txt URL
  std::vector<std::string> robots_order_;                   // token index -> robots.txt URL
  std::unordered_map<std::string, int64_t> host_delay_ms_;  // per-feed overrides by host
  std::unordered_set<std::string> seen_urls_;
  CrawlSummary summary_;
  CrawlProgress progress_;
  Status fatal_;
  std::unique_ptr<ArticleWorker> worker_;  // declared last: joined before the state above dies
};

}  // namespace

Crawler::Crawler(Store* store, const WatchlistMatcher* matcher, CrawlOptions options)
    : store_(store), matcher_(matcher), options_(std::move(options)) {}

bool HasFingerprintTokens(std::string_view folded_text, size_t min_tokens) {
  // The tokens of SimHash64: runs of word code points, and single code
  // points of scripts written without spaces.
  size_t tokens = 0;
  bool in_word = false;
  size_t pos = 0;
  while (pos < folded_text.size() && tokens < min_tokens) {
    const char32_t c = DecodeUtf8At(folded_text, &pos);
    if (IsScriptWithoutSpaces(c)) {
      ++tokens;
      in_word = false;
    } else if (IsWordCodePoint(c)) {
      if (!in_word) ++tokens;
      in_word = true;
    } else {
      in_word = false;
    }
  }
  return tokens >= min_tokens;
}

uint64_t FingerprintOfFolded(std::string_view folded_title, std::string_view folded_text) {
  std::string joined;
  joined.reserve(folded_title.size() + 1 + folded_text.size());
  joined.append(folded_title);
  if (!folded_title.empty() && !folded_text.empty()) joined.push_back(' ');
  joined.append(folded_text);
  if (!HasFingerprintTokens(joined, kMinFingerprintTokens)) return 0;
  return SimHash64(joined);
}

Result<CrawlSummary> Crawler::CrawlOnce(const std::vector<FeedConfig>& feeds) {
  const TextNormalizer* normalizer = nullptr;
  if (options_.fingerprints) {
    normalizer = options_.fingerprint_normalizer;
    if (normalizer == nullptr) {
      if (own_normalizer_ == nullptr) {
        Result<std::unique_ptr<TextNormalizer>> created = TextNormalizer::Create({});
        if (!created.ok()) return created.status().WithContext("fingerprint normalizer");
        own_normalizer_ = std::move(created).value();
      }
      normalizer = own_normalizer_.get();
    }
  }
  Pass pass(store_, matcher_, options_, normalizer);
  return pass.Run(feeds);
}

}  // namespace mw
