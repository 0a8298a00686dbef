// mediawatch/crawler/pipeline.h
//
// One polling pass over a set of feeds: fetch every feed (conditional GET with
// the validators remembered in the store), parse it, fetch each entry's
// article that is not stored yet, decode and extract it, match it against the
// watch-lists, and store article + matches atomically. A failure of one feed
// or one article is recorded and logged; it never stops the others.
//
// A feed's new validators (ETag / Last-Modified) are stored only after all of
// its new articles were handled, and only when none of them failed in a way
// worth retrying, so a crash or a transient error never hides an entry
// behind a 304 on the next pass.
//
//   Crawler crawler(store.get(), matcher.get(), CrawlOptions{});
//   Result<CrawlSummary> summary = crawler.CrawlOnce(config.feeds);
//
// Thread safety: one CrawlOnce at a time per Crawler; store and matcher must
// outlive it and be safe for concurrent use (both are). Articles are
// processed on `background_workers` threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "crawler/config.h"
#include "crawler/fetcher.h"
#include "crawler/schedule.h"
#include "parsers/article_extractor.h"
#include "parsers/feed_parser.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/matcher.h"

namespace mw {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct CrawlProgress {
  size_t feeds_total = 0;
  size_t feeds_done = 0;
  size_t articles_queued = 0;
  size_t articles_done = 0;
  size_t articles_stored = 0;
  size_t matched_articles = 0;
  size_t errors = 0;
};

struct CrawlOptions {
  FetcherOptions fetcher;
  FeedParseOptions feed_parse;
  ExtractOptions extract;
  // New articles fetched per feed per pass (newest entries first). Default: 200.
  size_t max_articles_per_feed = 200;
  // Scheduling defaults; a feed's own interval/min/max override them.
  ScheduleOptions schedule;
  // Poll every configured feed now, ignoring the schedule and backoff (a
  // retired feed stays retired). Default: false = only feeds that are due.
  bool poll_all = false;
  // robots.txt (RFC 9309): fetched once per origin, cached in the store for
  // 24 h (1 h after a server error). Default: true.
  bool respect_robots = true;
  std::string robots_token = "mediawatch";  // product token matched in robots.txt
  double max_crawl_delay_seconds = 30;      // cap on robots.txt Crawl-delay
  // Child sitemaps fetched from one sitemap index per pass. Default: 50.
  size_t max_child_sitemaps = 50;
  // Threads that decode, extract, match and store articles while the
  // fetcher's thread keeps transfers going (0 = all on the fetcher's
  // thread). Default: 1 (two cores: one fetching and parsing feeds, one
  // storing articles).
  size_t background_workers = 1;
  // Articles waiting for the worker; when full, the fetcher's thread does the
  // work itself (backpressure). Default: 256.
  size_t worker_queue_capacity = 256;
  // Log sink (the pipeline never writes to stdout/stderr itself). Default: none.
  std::function<void(LogLevel, const std::string&)> log;
  // Called after every feed and article. Default: none.
  std::function<void(const CrawlProgress&)> on_progress;
  // Wall clock in Unix seconds. Default: system clock.
  std::function<int64_t()> now;
  // Set to true (e.g. from a signal handler thread) to stop the pass early.
  const std::atomic<bool>* cancel = nullptr;
  // Near-duplicate fingerprints (ArticleRecord::simhash, storage clusters):
  // SimHash64(normalizer.Fold(title + "\n" + text)) for every article whose
  // folded title + text has at least kMinFingerprintTokens tokens. Must be
  // made with default NormalizerOptions, so that fingerprints stay comparable
  // whatever normalizer the watch-lists use. Not owned; must outlive the
  // Crawler. When it is the matcher's own normalizer, the fingerprint
  // reuses the title and text the matcher folded (FingerprintOfFolded).
  // Default: none = the Crawler creates its own on first use.
  const TextNormalizer* fingerprint_normalizer = nullptr;
  // Off: articles are stored without a fingerprint (no clustering).
  // Default: true.
  bool fingerprints = true;
  // Keep each fetched page's raw bytes in the store's archive
  // (Store::GetRawHtml): evidence of what was published, and re-extraction
  // after an extractor fix. Costs about the page size (compressed) per
  // article. Default: false.
  bool archive_html = false;
  // Flagged articles are fetched again after each of these delays (seconds
  // since they were stored) to notice edits and removals (Store::
  // DueRechecks, GetVersions). Empty: never. Default: 1 h, 6 h, 24 h, 7 d.
  std::vector<int64_t> recheck_delays = {3600, 6 * 3600, 24 * 3600, 7 * 24 * 3600};
  // Re-fetches per pass at most (the most overdue first). Default: 200.
  size_t max_rechecks_per_pass = 200;
  // Work shared with other processes by host leases (crawler/monitor.h).
  // `fetch_host`: a request to a host (UrlHost) for which it returns false
  // is not sent; it fails as a network error, so its feed keeps its old
  // validators and the work is redone on a later pass (the monitor refuses
  // the hosts whose lease it lost mid-pass). `recheck_host`: flagged
  // articles are re-fetched only on hosts for which it returns true; the
  // others stay due for the worker holding their host. Both are called on
  // the pass's thread and must be cheap. Default: none = every host.
  std::function<bool(const std::string& host)> fetch_host;
  std::function<bool(const std::string& host)> recheck_host;
};

// Texts with fewer tokens (words; Han characters one each) get no
// fingerprint: one edit moves a short text's SimHash too far for
// kSimHashMaxDistance to mean "same story" (text/simhash.h), and teasers or
// empty extractions would otherwise cluster with each other.
inline constexpr size_t kMinFingerprintTokens = 50;

// Whether `folded_text` has at least `min_tokens` SimHash tokens (stops
// counting there). Exposed for tests.
bool HasFingerprintTokens(std::string_view folded_text, size_t min_tokens);

// The fingerprint of an article from its title and text each folded with
// default FoldOptions (FoldedFields, as WatchlistMatcher::MatchAll hands
// them over): SimHash64 of the two joined by one space, which is what
// folding title + "\n" + text gives (white space runs fold to one space,
// none at the ends). 0 under kMinFingerprintTokens tokens.
uint64_t FingerprintOfFolded(std::string_view folded_title, std::string_view folded_text);

struct FeedOutcome {
  std::string feed_id;
  std::string url;  // the URL polled (after an earlier permanent redirect, the new one)
  long http_status = 0;
  bool polled = false;   // false: not due, or retired
  bool retired = false;  // 410 Gone now or earlier
  bool not_modified = false;
  std::string moved_to;      // permanent redirect seen this pass ("" if none)
  int64_t next_poll_at = 0;  // when it is due again (Unix s)
  size_t entries = 0;        // entries in the feed document
  size_t new_articles = 0;   // stored this pass
  size_t failed_articles = 0;
  std::string error;                  // "" when the feed itself was fetched and parsed
  std::vector<std::string> problems;  // recoverable parse problems
};

struct CrawlSummary {
  size_t feeds_total = 0;
  size_t feeds_polled = 0;
  size_t feeds_not_due = 0;
  size_t feeds_retired = 0;
  size_t feeds_ok = 0;            // fetched and parsed (200)
  size_t feeds_not_modified = 0;  // 304
  size_t feeds_failed = 0;
  size_t articles_fetched = 0;
  size_t articles_stored = 0;
  size_t articles_duplicate = 0;  // already stored (same canonical URL)
  size_t articles_failed = 0;
  size_t matched_articles = 0;
  size_t matches = 0;
  size_t robots_refused = 0;  // requests robots.txt disallowed
  size_t rechecks = 0;        // flagged articles fetched again (edits, removals)
  size_t edits_found = 0;     // of those, with changed text ("edited" or "restored")
  size_t removals_found = 0;  // of those, gone (404/410, redirected away, text gone)
  // CPU seconds of the threads that processed fetched article pages, by
  // stage (summed over the pass's thread and its background workers):
  // charset decoding, extraction (HTML parse, metadata, text), watch-list
  // matching with the fingerprint, and the store's commit.
  double cpu_decode = 0;
  double cpu_extract = 0;
  double cpu_match = 0;
  double cpu_store = 0;
  double seconds = 0;
  std::vector<FeedOutcome> feeds;  // in config order
};

class Crawler {
 public:
  Crawler(Store* store, const WatchlistMatcher* matcher, CrawlOptions options);

  // Errors: only failures that make the whole pass meaningless (the store
  // failing, libcurl failing to initialise). Per-feed problems are in the
  // summary.
  Result<CrawlSummary> CrawlOnce(const std::vector<FeedConfig>& feeds);

 private:
  Store* store_;
  const WatchlistMatcher* matcher_;
  CrawlOptions options_;
  std::unique_ptr<TextNormalizer> own_normalizer_;  // when none was given
};

}  // namespace mw
