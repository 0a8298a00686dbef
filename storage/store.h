// mediawatch/storage/store.h
//
// The index of record: articles, their matches and per-feed state. The API is
// backend-neutral (no RocksDB type appears here) so that a PostgreSQL backend
// can implement the same interface later. The embedded RocksDB backend is
// opened with OpenRocksStore(); its key layout is in docs/storage.md.
//
//   Result<std::unique_ptr<Store>> store = OpenRocksStore("/var/lib/mw", {});
//   if (!store.ok()) return store.status();
//   Result<bool> inserted = (*store)->PutArticle(article, matches);
//
// Thread safety: every method may be called concurrently from any thread.
// Durability: a successful write is in the write-ahead log; PutArticle writes
// the article, its URL index entry, its matches, its fingerprint and
// cluster entries and its alerts in one atomic batch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace mw {

struct ArticleRecord {
  std::string id;           // ArticleIdForUrl(url): 16 lower-case hex digits
  std::string url;          // canonical URL (parsers/url.h CanonicalizeUrl)
  std::string fetched_url;  // the URL actually fetched (after redirects)
  std::string feed_id;
  std::string source;    // outlet name from the feed config
  std::string language;  // "en", "zh", "zh-Hant", "ug", ...
  std::string title;
  std::string text;  // extracted main text, blocks separated by '\n'
  std::string byline;
  std::string charset;               // charset the page was decoded from
  std::optional<int64_t> published;  // Unix seconds, UTC
  int64_t fetched_at = 0;            // Unix seconds, UTC

  // Near-duplicate fingerprint (schema version 4): SimHash64 of the folded
  // title + "\n" + text (text/simhash.h), set by the caller; 0 = none (too
  // short, or stored before version 4). Articles without one never cluster.
  uint64_t simhash = 0;
  // Syndication cluster: the id of the first stored article of the cluster
  // this one joined, or its own id when it started one (so a story stored
  // alone has cluster_id == id, and its later copies point at it). Assigned
  // by PutArticle (a caller's value is ignored); "" when simhash is 0.
  std::string cluster_id;
};

struct MatchRecord {
  std::string watchlist_id;
  std::string target_id;  // entity or keyword id within the watch-list
  std::string kind;       // "entity", "keyword" or "rule" (a watch-list rule that holds)
  std::string term;     // the watch-list term that matched, as written in the list ("" for a rule)
  std::string field;    // "title" or "text" (first field it was found in)
  std::string snippet;  // context around the first occurrence, from the original text
  int count = 0;        // occurrences in title + text
};

// One article to store, with everything written in its atomic batch.
struct ArticleWrite {
  ArticleRecord article;
  std::vector<MatchRecord> matches;
  // Other canonical URLs of the same article (parsers/url.h CanonicalizeUrl):
  // the feed entry's link and the URL fetched after redirects when the page
  // names a different `<link rel=canonical>` on its own site. Each gets a
  // url_index entry pointing at article.id, so the next entry carrying one
  // of them is known without a fetch. URLs already indexed (to this or
  // another article) are left as they are; article.url is skipped.
  std::vector<std::string> alias_urls;
  // The page's bytes as fetched (before decoding), archived when non-empty
  // (GetRawHtml). At most kMaxRawHtmlBytes; larger pages are refused.
  std::string raw_html;
  // When to fetch the article again to notice edits and removals
  // (DueRechecks); std::nullopt = never (the crawler schedules flagged
  // articles only).
  std::optional<int64_t> recheck_at;
};

inline constexpr size_t kMaxRawHtmlBytes = 16u << 20;

// One stored state of an article after the first fetch: an edit, a
// removal, or a restoration (ArticleVersion 1, the text first stored, is the
// article itself).
struct ArticleVersion {
  int number = 0;        // 2, 3, ... in the order found
  int64_t found_at = 0;  // when the re-fetch saw it (Unix s)
  std::string kind;      // "edited", "removed" or "restored"
  std::string title;     // as extracted then ("" when removed)
  std::string text;      // as extracted then ("" when removed)
  std::string diff;      // "edited"/"restored": text/diff.h LineDiff from the previous text
  std::string reason;    // "removed": why ("HTTP 404", "redirected to the home page", ...)
  int http_status = 0;
};

// A change event for alerts and digests: the article, and what happened.
struct ArticleEvent {
  int64_t time = 0;  // ArticleVersion::found_at
  std::string article_id;
  std::string kind;  // as ArticleVersion::kind
  int version = 0;
};

// An article due for a re-fetch.
struct Recheck {
  std::string article_id;
  int64_t due_at = 0;
  int step = 0;  // how many re-fetches were done before this one
};

// What PutArticle did.
struct PutResult {
  bool inserted = false;  // false: the canonical URL was already stored
  // The id stored under article.url: article.id when inserted, else the id
  // of the article that had the URL (its aliases are still recorded).
  std::string article_id;
};

struct FeedState {
  std::string feed_id;
  std::string url;
  std::string etag;           // from the last 200 response ("" if none)
  std::string last_modified;  // from the last 200 response ("" if none)
  int64_t last_fetch_at = 0;  // Unix seconds
  int64_t last_success_at = 0;
  int last_http_status = 0;  // 0 when no HTTP response was received
  std::string last_error;    // "" after a success
  int consecutive_failures = 0;
  // Articles stored from this feed (ArticleRecord::feed_id). Kept by the
  // store: PutArticle increments it in the article's own batch (creating the
  // feed's record if needed), and PutFeedState keeps the stored count, so it
  // always equals the articles committed, whatever crashed when.
  int64_t articles_stored = 0;

  // Scheduling (crawler/schedule.h). The URL the feed was configured with;
  // `url` differs from it after a permanent redirect (301/308), and is what
  // gets polled while the configuration keeps `config_url`.
  std::string config_url;
  int64_t next_poll_at = 0;       // Unix s; 0 = due now
  int64_t interval_seconds = 0;   // current adaptive interval (0 = not yet known)
  int64_t last_new_entry_at = 0;  // when a poll last found new entries
  int64_t polls = 0;              // successful polls (200 or 304)
  bool retired = false;           // 410 Gone: not polled again until its config changes
};

// Per-host state shared by the feeds of one host: the cached robots.txt.
struct HostState {
  std::string host;         // lower-case host[:port] as in the URL
  std::string robots_body;  // raw robots.txt (capped), "" when none
  int robots_status = 0;    // HTTP status of the robots.txt fetch, 0 = unreachable
  int64_t robots_fetched_at = 0;
  int64_t robots_expires_at = 0;  // refetch after this (Unix s)
};

// A position in QueryMatches' newest-first order: the (time, article id) of
// the last hit of the previous page (MatchHit::time, article.id).
struct QueryCursor {
  int64_t time = 0;
  std::string article_id;
};

// What the running (or last) `mediawatch run` reported about itself, for
// `mediawatch status`. One record per database. Counts are since started_at.
struct RunState {
  int64_t pid = 0;
  std::string host;          // host name of the machine it runs on
  int64_t started_at = 0;    // Unix s
  int64_t heartbeat_at = 0;  // last update (after every pass, and while idle)
  int64_t stopped_at = 0;    // a clean exit; 0 while running or after a crash
  int64_t passes = 0;        // polling passes completed
  int64_t feeds_polled = 0;
  int64_t articles_stored = 0;
  int64_t matched_articles = 0;
  int64_t errors = 0;         // failed feeds + failed articles
  int64_t feeds_failing = 0;  // feeds whose last poll failed (at the last pass)
  int64_t next_due_at = 0;    // when the next feed is due (Unix s)
  std::string last_error;     // the last pass-level error ("" if none)
};

// A lease on a unit of shared work (Store::ClaimLeases): "host:<host>" (all
// polling of one host: its feeds, their articles, its re-fetches, so that
// one worker at a time talks to a host and its politeness holds across
// workers) or "role:<name>" (a singleton job such as "role:alerts").
struct Lease {
  std::string key;         // 1..kMaxLeaseKeySize bytes, valid UTF-8
  std::string worker;      // the holder (WorkerInfo::id)
  int64_t until = 0;       // expiry (Unix s); after it anyone may claim the key
  int64_t not_before = 0;  // no new claim before this time (politeness hand-over)
};

inline constexpr size_t kMaxLeaseKeySize = 1024;

// A crawler process sharing a database with others (`mediawatch workers`).
struct WorkerInfo {
  std::string id;  // unique per process: "<hostname>:<pid>:<start time>"
  std::string host;
  int64_t pid = 0;
  int64_t started_at = 0;
  int64_t heartbeat_at = 0;  // last PutWorker; a worker is live while recent
  int64_t stopped_at = 0;    // a clean exit; 0 while running or after a crash
  int64_t passes = 0;
  int64_t feeds_polled = 0;
  int64_t articles_stored = 0;
  int64_t matched_articles = 0;
  int64_t errors = 0;
};

// Filters of QueryMatches; an unset or empty filter does not restrict. All
// filters must hold (AND).
struct MatchQuery {
  std::optional<std::string> watchlist_id;  // all watch-lists when empty
  // Only articles with a match of this entity, keyword or rule id (in the
  // queried watch-list(s)). Results still list all of the article's matches.
  std::optional<std::string> target_id;
  // Language: a primary subtag ("zh") matches every tag with it ("zh",
  // "zh-Hant"); a tag with subtags ("zh-Hant") matches only itself. ASCII
  // case-insensitive, '_' equals '-'.
  std::optional<std::string> language;
  // Feed id or outlet name (ArticleRecord::feed_id or ::source), exact bytes.
  std::optional<std::string> source;
  std::optional<int64_t> since;  // article time >= since (Unix s)
  std::optional<int64_t> until;  // article time < until (Unix s)
  // Only hits after this position in newest-first order (strictly older, or
  // as old with a smaller id): the next page.
  std::optional<QueryCursor> after;
  size_t limit = 1000;  // Default: 1000
  // Without a watch-list or target filter: false also returns the articles
  // that no watch-list flagged (with no matches). Default: true.
  bool flagged_only = true;
  // Include the article text in the hits (one more read per hit).
  bool with_text = false;
};

// Timeline buckets, in UTC: days, ISO weeks (starting Monday 00:00) and
// calendar months.
enum class TimeBucket { kDay, kWeek, kMonth };
// The start (Unix s, UTC) of the bucket holding `time`.
int64_t BucketStart(TimeBucket bucket, int64_t time);
// The start of the bucket after the one starting at `start`.
int64_t NextBucketStart(TimeBucket bucket, int64_t start);

// How Timeline splits each bucket's count: not at all, by the language tag
// as stored ("zh-Hant" apart from "zh"; "" when unknown), or by outlet
// (ArticleRecord::source, else feed id).
enum class TimelineSplit { kNone, kLanguage, kSource };

struct TimelineQuery {
  // The articles counted: those QueryMatches would return for these filters
  // with no limit (`after`, `limit` and `with_text` are ignored).
  MatchQuery filters;
  TimeBucket bucket = TimeBucket::kDay;
  TimelineSplit split = TimelineSplit::kNone;
};

struct TimelineCount {
  int64_t bucket_start = 0;  // BucketStart of the bucket
  std::string group;         // "" with TimelineSplit::kNone
  int64_t articles = 0;      // distinct articles, > 0
};

// One flagged article with all of its matches for the queried watch-list(s).
struct MatchHit {
  ArticleRecord article;  // text omitted (empty) to keep results small
  int64_t time = 0;       // published, else fetched_at
  std::vector<MatchRecord> matches;
  // Stored members of article.cluster_id, this article included (1 = no
  // copy found), counted up to kMaxClusterSizeCount; 0 when the article has
  // no fingerprint.
  size_t cluster_size = 0;
};

// Near-duplicate lookup bounds of PutArticle (see there).
inline constexpr int64_t kClusterWindowSeconds = 14 * 24 * 3600;
inline constexpr size_t kClusterCandidatesPerBand = 16;

// QueryMatches counts cluster members up to this many (a bound on the work
// per result row: a page of 50 results reads at most 50 x 100 member keys;
// with 10,000 a query took ~400 ms on a database with huge clusters). Larger
// clusters show as "100+"; `mediawatch article` lists the members.
inline constexpr size_t kMaxClusterSizeCount = 100;

struct StoreStats {
  int64_t articles = 0;
  int64_t matches = 0;  // match records (one per article, watch-list and target)
  int64_t feeds = 0;    // feeds with a stored state
  int schema_version = 0;
  // Bytes of every file in the database directory (0 when the backend
  // cannot tell, e.g. a remote server).
  int64_t disk_bytes = 0;
  // Stored articles per feed id (articles without a feed id are not listed).
  std::map<std::string, int64_t> articles_per_feed;
  // Stored articles per language tag as stored ("" = unknown).
  std::map<std::string, int64_t> articles_per_language;
  // Flagged articles per watch-list id.
  std::map<std::string, int64_t> articles_per_watchlist;
  // Flagged articles per (watch-list id, target id).
  std::map<std::pair<std::string, std::string>, int64_t> articles_per_target;
  // Alerts in the outbox (Store::CountPendingAlerts).
  int64_t alerts_pending = 0;
};

// --- The alert outbox (schema version 6) -----------------------------------
//
// One alert per (watch-list, article, event) is written in the same atomic
// write that stores the match or the change (PutArticle, RecordRecheck), so
// a crash can neither lose nor duplicate one. A dispatcher reads the pending
// alerts, records per-sink delivery state (PutDeliveries*), and completes
// them (CompleteAlerts), which moves them to the alert history.

// An alert waiting in (or completed from) the outbox.
struct AlertRecord {
  std::string id;  // AlertIdFor(...) below; set by the store
  std::string watchlist_id;
  std::string article_id;
  std::string event;       // "match", "edited", "removed" or "restored"
  int version = 1;         // 1 for "match", else the ArticleVersion number
  int64_t created_at = 0;  // match: article.fetched_at; change: ArticleVersion::found_at
  // The article's matched target/rule ids in this watch-list, sorted: as
  // stored when the alert was written.
  std::vector<std::string> target_ids;
  // Set only in AlertHistory results: when CompleteAlerts removed it from
  // the outbox, and the sinks that had acknowledged it (sorted; empty when
  // it was completed without a delivery, e.g. no sink was configured).
  int64_t completed_at = 0;
  std::vector<std::string> delivered_to;
};

// Deterministic: article id + "." + version + "." + event + "." +
// watch-list id, e.g. "0123456789abcdef.1.match.guan-heng-case". The same
// on every retry, restart and machine.
std::string AlertIdFor(std::string_view watchlist_id, std::string_view article_id,
                       std::string_view event, int version);

// Per-sink delivery state of one alert.
struct AlertDelivery {
  std::string sink;  // non-empty, at most kMaxSinkNameSize bytes
  int attempts = 0;
  int64_t next_attempt_at = 0;  // 0 = as soon as possible
  int64_t delivered_at = 0;     // 0 = not acknowledged yet
  // The AlertMessage id it was (or will be) sent in; "" = not yet batched.
  std::string batch_id;
  std::string last_error;
};

inline constexpr size_t kMaxSinkNameSize = 1024;
// PutDeliveries*: batch_id and last_error longer than this are refused.
inline constexpr size_t kMaxDeliveryFieldSize = 64u << 10;

struct PendingAlert {
  AlertRecord alert;
  std::vector<AlertDelivery> deliveries;  // sorted by sink
};

// App state records (Store::PutAppState): small named values the daemon
// keeps across restarts ("digest for watch-list X sent for date D").
inline constexpr size_t kMaxAppStateKeySize = 1024;
inline constexpr size_t kMaxAppStateValueSize = 64u << 10;

class Store {
 public:
  virtual ~Store() = default;

  // True when an article with this canonical URL (or alias) is stored.
  Result<bool> HasArticleUrl(std::string_view canonical_url) {
    Result<std::optional<std::string>> id = FindArticleIdByUrl(canonical_url);
    if (!id.ok()) return id.status();
    return id->has_value();
  }

  // The id of the article stored under this canonical URL, as its own URL
  // or as an alias (ArticleWrite::alias_urls); std::nullopt when none.
  virtual Result<std::optional<std::string>> FindArticleIdByUrl(std::string_view canonical_url) = 0;

  // Stores `article` (its id must be ArticleIdForUrl(article.url)) and its
  // matches atomically. Returns true when stored, false when an article with
  // the same canonical URL was already there (then nothing is written).
  //
  // Clustering: when article.simhash != 0 the store looks for stored
  // articles whose fingerprint is within kSimHashMaxDistance (text/simhash.h)
  // and whose article time is within kClusterWindowSeconds of this one's,
  // reading at most kClusterCandidatesPerBand of the nearest-in-time
  // candidates of each band key (newest first). The nearest (smallest
  // distance; ties: the first found) gives its cluster_id; with none the
  // article starts its own cluster. The stored record carries the assigned
  // cluster_id (GetArticle shows it). A copy that only an older, unread
  // candidate would have matched starts a new cluster: bounded lookups
  // trade a rare split for a constant cost per article.
  //
  // Everything of `write` (record, text, raw HTML, URL and alias entries,
  // matches, indexes, fingerprints, the feed's article count, and one
  // "match" alert per watch-list among the matches: see AlertRecord) is one
  // atomic batch. When the URL was already stored only the new aliases are
  // written.
  virtual Result<PutResult> PutArticle(const ArticleWrite& write) = 0;

  // PutArticle without aliases or raw HTML; true when inserted.
  Result<bool> PutArticle(const ArticleRecord& article, const std::vector<MatchRecord>& matches) {
    ArticleWrite write;
    write.article = article;
    write.matches = matches;
    Result<PutResult> put = PutArticle(write);
    if (!put.ok()) return put.status();
    return put->inserted;
  }

  virtual Result<std::optional<ArticleRecord>> GetArticle(std::string_view id) = 0;

  // The stored matches of article `id`, in every watch-list, sorted by
  // (watch-list, target). Empty when none (or no such article).
  virtual Result<std::vector<MatchRecord>> GetMatches(std::string_view id) = 0;

  // The archived page of article `id` (ArticleWrite::raw_html); std::nullopt
  // when none was archived.
  virtual Result<std::optional<std::string>> GetRawHtml(std::string_view id) = 0;

  // The URLs that lead to article `id`: its own first, then its aliases
  // (sorted). Cost: a scan of the URL index (seconds for millions of URLs);
  // meant for `mediawatch article`, not for queries.
  virtual Result<std::vector<std::string>> UrlsOf(std::string_view id) = 0;

  virtual Status PutFeedState(const FeedState& state) = 0;
  virtual Result<std::optional<FeedState>> GetFeedState(std::string_view feed_id) = 0;
  virtual Result<std::vector<FeedState>> ListFeedStates() = 0;

  virtual Status PutRunState(const RunState& state) = 0;
  virtual Result<std::optional<RunState>> GetRunState() = 0;

  virtual Status PutHostState(const HostState& state) = 0;
  virtual Result<std::optional<HostState>> GetHostState(std::string_view host) = 0;

  // Flagged articles, newest first, grouped per article.
  virtual Result<std::vector<MatchHit>> QueryMatches(const MatchQuery& query) = 0;

  // Up to `limit` articles whose re-fetch is due at or before `now`, most
  // overdue first.
  virtual Result<std::vector<Recheck>> DueRechecks(int64_t now, size_t limit) = 0;

  // Records the outcome of `done`'s re-fetch in one atomic write: removes
  // its schedule entry, stores `change` (numbered after the stored versions;
  // its `number` is ignored) with its event when given, and schedules
  // `next` (its due_at and step; article_id ignored) when given. With a
  // change, the same write adds one alert (event = change->kind, version =
  // the assigned number, created_at = change->found_at) per watch-list
  // among the article's stored matches. Errors: kNotFound when the article
  // is not stored.
  virtual Status RecordRecheck(const Recheck& done, const std::optional<ArticleVersion>& change,
                               const std::optional<Recheck>& next) = 0;

  // The versions of article `id` after the first, oldest first.
  virtual Result<std::vector<ArticleVersion>> GetVersions(std::string_view id) = 0;

  // Change events with since <= time < until, oldest first, at most `limit`.
  virtual Result<std::vector<ArticleEvent>> ListEvents(int64_t since, int64_t until,
                                                       size_t limit) = 0;

  // Flagged-article counts per time bucket (and group), oldest bucket first,
  // then by group. Buckets without articles are left out.
  virtual Result<std::vector<TimelineCount>> Timeline(const TimelineQuery& query) = 0;

  // The members of syndication cluster `cluster_id` (an ArticleRecord::
  // cluster_id), oldest first (ties by id), at most `limit`, text omitted.
  // Empty when there is no such cluster (or the id is malformed).
  virtual Result<std::vector<ArticleRecord>> ClusterMembers(std::string_view cluster_id,
                                                            size_t limit) = 0;

  // All articles, newest first (text included), at most `limit`.
  virtual Result<std::vector<ArticleRecord>> ListArticles(size_t limit) = 0;

  // Counts and the per-feed/language/watch-list breakdowns. Cost: a scan of
  // the index keys (no article is read), so seconds for millions of articles.
  virtual Result<StoreStats> Stats() = 0;

  // A consistent copy of the whole database in `to_dir`, which must not
  // exist (its parent must). The copy is itself a database: open it to
  // restore. Unchanged files are hard-linked when `to_dir` is on the same
  // file system. Backends that cannot (a remote server) return kUnsupported.
  virtual Status Backup(const std::string& to_dir) = 0;

  // --- Alert outbox (see AlertRecord) ---
  //
  // Alerts are written by PutArticle (an *inserted* article: one "match"
  // alert per watch-list among its matches; none when the URL was already
  // stored or nothing matched) and by RecordRecheck (with a change: one
  // alert per watch-list among the article's stored matches, event =
  // change kind, version = the number assigned), each in that call's batch.

  // Up to `limit` pending alerts, oldest created first (ties by id), each
  // with its delivery states. One consistent snapshot.
  virtual Result<std::vector<PendingAlert>> PendingAlerts(size_t limit) = 0;

  // Upserts the given per-sink states of pending alert `alert_id` (other
  // sinks' states are kept) in one atomic write. Errors: kNotFound when the
  // alert is not pending (nothing written); kInvalidArgument for an empty or
  // over-long sink name, a sink named twice, or fields over
  // kMaxDeliveryFieldSize.
  virtual Status PutDeliveries(const std::string& alert_id,
                               const std::vector<AlertDelivery>& deliveries) = 0;

  // PutDeliveries for many alerts in ONE atomic write (a batched message
  // acknowledged marks all of its alerts delivered at once). Any id not
  // pending: kNotFound and nothing is written.
  virtual Status PutDeliveriesBatch(
      const std::vector<std::pair<std::string, AlertDelivery>>& updates) = 0;

  // In one atomic write: removes each alert from the outbox with its
  // delivery states and adds it to the alert history (record,
  // `completed_at`, the sinks whose delivered_at != 0). Idempotent: ids
  // that are not pending (completed before, or unknown) are skipped.
  virtual Status CompleteAlerts(const std::vector<std::string>& alert_ids,
                                int64_t completed_at) = 0;

  // Completed alerts of `watchlist_id` ("" = all watch-lists), newest
  // created first (ties by id), at most `limit`; completed_at and
  // delivered_to are set.
  virtual Result<std::vector<AlertRecord>> AlertHistory(std::string_view watchlist_id,
                                                        size_t limit) = 0;

  // Alerts in the outbox. Cost: a scan of the outbox's keys.
  virtual Result<size_t> CountPendingAlerts() = 0;

  // --- App state ---
  //
  // Stores `value` under `key` (overwriting). Keys are 1..kMaxAppStateKeySize
  // bytes, values at most kMaxAppStateValueSize; else kInvalidArgument.
  virtual Status PutAppState(std::string_view key, std::string_view value) = 0;
  // The value stored under `key`, std::nullopt when none. kInvalidArgument
  // for a key PutAppState would refuse.
  virtual Result<std::optional<std::string>> GetAppState(std::string_view key) = 0;

  // --- Sharing work between processes ---
  //
  // Several `mediawatch run` workers may share one server-based store
  // (PostgreSQL). They split the work by leases: each pass a worker claims
  // the keys it wants (the hosts of its due feeds, roles) and only does the
  // work of the keys it holds. A lease expires at `until` unless renewed (a
  // later claim by the same worker); a worker that dies loses its leases at
  // expiry and another takes the work over. Every effect stays idempotent
  // (canonical-URL keys, deterministic alert ids), so work redone after an
  // expiry stores nothing twice.
  //
  // The defaults are for backends one process owns at a time (RocksDB
  // takes a lock on its directory): every claim succeeds, nothing is
  // recorded, and ListWorkers/ListLeases are empty.

  // Claims for `worker` each of `keys` that is free at `now`: not held, or
  // held by `worker` itself, or its lease expired (until <= now), and whose
  // not_before <= now. Claimed keys get until = `until`. Returns the keys
  // `worker` now holds, in the order given. Concurrent claims of one key by
  // several workers: exactly one wins. Errors: kInvalidArgument for an
  // empty or over-long key or worker id, or until <= now.
  virtual Result<std::vector<std::string>> ClaimLeases(std::string_view worker,
                                                       const std::vector<std::string>& keys,
                                                       int64_t now, int64_t until) {
    (void)worker;
    (void)now;
    (void)until;
    return keys;
  }

  // Gives up `worker`'s leases on `keys` (all of its leases when empty);
  // a key may not be claimed again before `not_before` (0 = at once), by
  // anyone (hosts: the politeness delay after the last request). Keys
  // `worker` does not hold are left alone.
  virtual Status ReleaseLeases(std::string_view worker, const std::vector<std::string>& keys,
                               int64_t not_before) {
    (void)worker;
    (void)keys;
    (void)not_before;
    return Status::Ok();
  }

  // Every lease on record (held or expired), sorted by key.
  virtual Result<std::vector<Lease>> ListLeases() { return std::vector<Lease>{}; }

  // Records `worker` (upsert by id): the heartbeat of a running worker.
  virtual Status PutWorker(const WorkerInfo& worker) {
    (void)worker;
    return Status::Ok();
  }

  // Workers on record, by id; those whose heartbeat_at is older than
  // `stale_before` are left out (0 = all).
  virtual Result<std::vector<WorkerInfo>> ListWorkers(int64_t stale_before) {
    (void)stale_before;
    return std::vector<WorkerInfo>{};
  }

  // --- Following a live writer ---
  //
  // Brings this store's view up to date with what another process (or
  // another store in this process) has committed to the same database since
  // the open or the last Refresh: after an Ok return every method reads the
  // newer data, counts of Stats() included. Meant for a long-running reader
  // (`mediawatch serve`) beside `mediawatch run`.
  //
  // Ok and nothing to do where the view is always current (a writable
  // store, a server-based backend: this default). The RocksDB backend opened
  // with StoreOptions::follow catches up with the writer; opened read_only
  // without follow it returns kUnsupported (its view stays as of its open).
  // Cost: proportional to what was written since the last call. Calls from
  // several threads are serialized; reads in flight finish on the view they
  // started with, and reads wait while a refresh switches views. On an
  // error the store keeps serving the view it had.
  virtual Status Refresh() { return Status::Ok(); }
};

struct StoreOptions {
  // Create the database when the directory holds none. Default: true.
  bool create_if_missing = true;
  // Open without write access (query commands). Default: false.
  bool read_only = false;
  // Open as a read-only follower of a database that a writer (`mediawatch
  // run` in another process) may be changing: reads see the database as of
  // the open, then as of the last Store::Refresh(), which catches up with
  // the writer. Implies read_only (every write returns kUnsupported;
  // create_if_missing is ignored) and, like it, takes no lock: it works
  // while the writer holds the database. The database must exist (else
  // kNotFound) and have this build's schema version (else kUnsupported, as
  // for read_only). RocksDB: a secondary instance, which keeps its working
  // files (an info log) in a private directory under the system temp
  // directory ($TMPDIR, else /tmp), created at open and removed when the
  // store is destroyed; so any number of followers may run at once. Backup
  // is refused (kUnsupported). Default: false.
  bool follow = false;
  // fsync the write-ahead log on every write, so a committed article also
  // survives power loss or an OS crash. Without it (the default) a
  // committed article survives the process being killed (kill -9), not a
  // power cut: the last writes may be in the OS cache. Costs a disk flush
  // per article.
  bool sync_writes = false;
  // PostgreSQL backend: keep archived raw pages (ArticleWrite::raw_html) in
  // a local RocksDB directory here instead of the server's raw_html table —
  // a per-worker cache, so the shared server holds no page bytes. The
  // directory is created if missing; it must be empty or a cache an earlier
  // open created (else the open fails with kInvalidArgument: a file, a
  // mediawatch store, other files). A page is cached after its article's
  // transaction committed and only when this store inserted the article.
  // GetRawHtml reads the cache first, then the server's table (pages
  // archived without a cache, or before one was configured); pages that
  // other workers archived in their own caches are not found (nullopt).
  // Writable opens lock the directory (one worker per cache; a second gets
  // kIoError); read_only/follow opens read it as of the open, without a
  // lock. RocksDB backend: ignored (its pages are local already). Default:
  // "" (pages go to the server).
  std::string raw_html_cache_dir;
};

// Opens (creating if allowed) the RocksDB store in `dir`. A database of an
// older schema version is migrated in place by a writable open. Errors:
// kNotFound (no database, and not creating), kIoError (cannot open, locked by
// another process), kInvalidArgument (`dir` holds something that is not a
// mediawatch database: it is left untouched), kCorruption, kUnsupported (a
// schema version newer than this build, or an older one opened read-only).
Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir, const StoreOptions& options);

// Deterministic article id for a canonical URL: 16 lower-case hex digits of a
// 64-bit FNV-1a hash. Same URL -> same id on every machine and build.
std::string ArticleIdForUrl(std::string_view canonical_url);

}  // namespace mw
