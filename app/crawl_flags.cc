// mediawatch/app/crawl_flags.cc
#include "app/crawl_flags.h"

#include <filesystem>
#include <functional>
#include <string>
#include <system_error>
#include <utility>

#include "app/store_open.h"

#ifdef MEDIAWATCH_HAVE_POSTGRES
#include "storage/pg_store.h"
#endif

namespace mw {
namespace {

// Where the parse writes: the fields of StoreFlags or of CrawlFlags.
struct StoreFlagTargets {
  std::string* db_dir;
  std::string* store;
  std::string* location;
  std::string* display;
};

// The location to open for `db_dir` / `store` (as given), and its display
// name. Errors: a usage message.
Result<std::pair<std::string, std::string>> ResolveStore(const std::string& db_dir,
                                                         const std::string& store,
                                                         StoreDirRule rule) {
  if (!db_dir.empty() && !store.empty()) {
    return Status::InvalidArgument(
        "give either --db DIR or --store LOCATION, not both (--store takes a directory too)");
  }
  if (db_dir.empty() && store.empty()) {
    return Status::InvalidArgument(
        "no store given: --db DIR, or --store LOCATION (a directory or a postgresql:// URI; "
        "crawl and run also read store = \"…\" from CONFIG/mediawatch.toml [crawler])");
  }
  const std::string& location = store.empty() ? db_dir : store;
  if (IsServerStore(location)) {
#ifdef MEDIAWATCH_HAVE_POSTGRES
    Result<std::string> display = RedactedPostgresUri(location);
    if (!display.ok()) return Status::InvalidArgument("--store: " + display.status().message());
    return std::make_pair(location, *display);
#else
    return Status::InvalidArgument(
        "--store: this build of mediawatch has no PostgreSQL backend (configure with "
        "-DMEDIAWATCH_POSTGRES=ON)");
#endif
  }
  if (location.find("://") != std::string::npos) {
    return Status::InvalidArgument("--store " + location +
                                   ": neither a directory nor a postgresql:// URI");
  }
  std::error_code ec;
  if (rule == StoreDirRule::kMustExist && !std::filesystem::is_directory(location, ec)) {
    return Status::InvalidArgument((store.empty() ? "--db " : "--store ") + location +
                                   ": no such directory");
  }
  return std::make_pair(location, location);
}

// `config_dir` (crawl, run; may be null): when neither flag is given, the
// `store` key of CONFIG/mediawatch.toml [crawler] names the store.
// `then` (may be empty): further checks of the command line, given the
// resolved location; they throw CLI::ValidationError.
void RegisterStoreFlags(CLI::App* cmd, StoreFlagTargets t, StoreDirRule rule,
                        const std::string* config_dir = nullptr,
                        std::function<void(const std::string&)> then = {}) {
  cmd->add_option("--db", *t.db_dir,
                  rule == StoreDirRule::kMayCreate
                      ? "Database directory (created if missing); or use --store"
                      : "Database directory; or use --store");
  cmd->add_option("--store", *t.store,
                  "The store: a database directory, or a PostgreSQL URI "
                  "postgresql://USER@HOST/DB (several machines; docs/postgresql.md)");
  // Checked once the command line is complete, so that the error is a
  // usage error (exit 2) like any other.
  cmd->parse_complete_callback([t, rule, config_dir, then] {
    if (t.db_dir->empty() && t.store->empty() && config_dir != nullptr && !config_dir->empty()) {
      Result<CrawlSettings> settings = LoadSettings(*config_dir);
      if (!settings.ok()) throw CLI::ValidationError(settings.status().message());
      if (!settings->store.empty()) {
        Result<std::pair<std::string, std::string>> where = ResolveStore("", settings->store, rule);
        if (!where.ok()) {
          throw CLI::ValidationError("store in " + *config_dir +
                                     "/mediawatch.toml: " + where.status().message());
        }
        *t.store = settings->store;
      }
    }
    Result<std::pair<std::string, std::string>> where = ResolveStore(*t.db_dir, *t.store, rule);
    if (!where.ok()) throw CLI::ValidationError(where.status().message());
    *t.location = where->first;
    *t.display = where->second;
    // Code that opens db_dir sees a --store directory there too.
    if (!IsServerStore(where->first)) *t.db_dir = where->first;
    if (then) then(where->first);
  });
}

// --html-cache DIR: a PostgreSQL store's local page cache
// (StoreOptions::raw_html_cache_dir). `archive_html` is null for readers.
void CheckHtmlCache(const std::string& html_cache, const bool* archive_html,
                    const std::string& location) {
  if (html_cache.empty()) return;
  if (!IsServerStore(location)) {
    throw CLI::ValidationError(
        "--html-cache is only for a PostgreSQL store: a directory store keeps archived pages "
        "on local disk already (drop --html-cache)");
  }
  if (archive_html != nullptr && !*archive_html) {
    throw CLI::ValidationError(
        "--html-cache keeps the pages --archive-html archives: give --archive-html too, or "
        "drop --html-cache");
  }
}

}  // namespace

std::string StoreDisplayName(const std::string& location) {
  if (!IsServerStore(location)) return location;
#ifdef MEDIAWATCH_HAVE_POSTGRES
  Result<std::string> display = RedactedPostgresUri(location);
  if (display.ok()) return *display;
#endif
  return "the PostgreSQL store";
}

void AddStoreFlags(CLI::App* cmd, StoreFlags* flags, StoreDirRule rule) {
  RegisterStoreFlags(cmd, {&flags->db_dir, &flags->store, &flags->location, &flags->display}, rule);
}

void AddHtmlCacheReadFlags(CLI::App* cmd, StoreFlags* flags, std::string* html_cache) {
  RegisterStoreFlags(cmd, {&flags->db_dir, &flags->store, &flags->location, &flags->display},
                     StoreDirRule::kMustExist, nullptr, [html_cache](const std::string& location) {
                       CheckHtmlCache(*html_cache, nullptr, location);
                     });
  cmd->add_option("--html-cache", *html_cache,
                  "With a PostgreSQL store: also look for archived pages in this worker's "
                  "local cache (the --html-cache DIR of its crawl or run)")
      ->check(CLI::ExistingDirectory);
}

void AddCrawlFlags(CLI::App* cmd, CrawlFlags* flags) {
  cmd->add_option("--config", flags->config_dir, "Configuration directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  RegisterStoreFlags(
      cmd, {&flags->db_dir, &flags->store, &flags->store_location, &flags->store_display},
      StoreDirRule::kMayCreate, &flags->config_dir, [flags](const std::string& location) {
        CheckHtmlCache(flags->html_cache, &flags->archive_html, location);
      });
  cmd->add_flag("--all", flags->all,
                "Poll every feed now, ignoring the schedule and backoff (retired feeds "
                "stay retired)");
  cmd->add_flag("--archive-html", flags->archive_html,
                "Keep each fetched page's raw bytes in the database (mediawatch article "
                "--html shows them): evidence of what was published; costs about the "
                "compressed page size per article");
  cmd->add_option("--html-cache", flags->html_cache,
                  "With --archive-html and a PostgreSQL store: keep the archived pages in this "
                  "local directory (created if missing; one worker per directory) instead of on "
                  "the server, which stays the index of record; mediawatch article --html "
                  "--html-cache DIR reads them");
  cmd->add_flag("--ignore-robots", flags->no_robots,
                "Do not fetch or obey robots.txt (only for sites you run)");
  cmd->add_option("--proxy", flags->proxy,
                  "Proxy for every request: http://, socks5:// or socks5h://HOST:PORT "
                  "(socks5h resolves names through the proxy, e.g. Tor)");
  cmd->add_option("--concurrency", flags->concurrency, "Transfers in flight (default: 32)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--per-host", flags->per_host, "Transfers in flight per host (default: 2)")
      ->check(CLI::Range(1, 16));
  cmd->add_option("--max-articles", flags->max_articles,
                  "New articles per feed per pass (default: 200)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--timeout", flags->timeout_s, "Seconds per transfer (default: 60)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--allow-cidr", flags->allow_cidrs,
                  "Allow connections to this otherwise blocked (private, loopback...) address "
                  "block, e.g. 127.0.0.0/8; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--host-delay-ms", flags->host_delay_ms,
                  "Minimum milliseconds between two requests to one host (default: 1000)")
      ->check(CLI::Range(0, 3600000));
  cmd->add_option("--max-body-mb", flags->max_body_mb,
                  "Largest decoded response body in MiB (default: 16)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("!--no-progress", flags->progress, "No progress line on a terminal");
  cmd->add_option("--connect-to", flags->connect_to,
                  "Send every connection to HOST:PORT whatever the URL's host, like curl "
                  "--connect-to (for test farms; the address guard still applies)");
}

CrawlOptions CrawlOptionsFrom(const CrawlFlags& f, const CrawlSettings& settings) {
  CrawlOptions o;
  o.fetcher.max_concurrency = static_cast<size_t>(f.concurrency.value_or(settings.concurrency));
  o.fetcher.max_per_host = static_cast<size_t>(f.per_host.value_or(settings.per_host));
  o.fetcher.total_timeout_ms = f.timeout_s.value_or(settings.timeout_seconds) * 1000;
  o.fetcher.max_body_bytes = static_cast<size_t>(f.max_body_mb.value_or(settings.max_body_mb))
                             << 20;
  o.feed_parse.max_bytes = o.fetcher.max_body_bytes;
  o.fetcher.allowed_cidrs = settings.allow_cidrs;
  o.fetcher.allowed_cidrs.insert(o.fetcher.allowed_cidrs.end(), f.allow_cidrs.begin(),
                                 f.allow_cidrs.end());
  o.fetcher.min_host_delay_ms = f.host_delay_ms.value_or(settings.host_delay_ms);
  o.fetcher.proxy = f.proxy.value_or(settings.proxy);
  o.fetcher.user_agent = UserAgentFor(settings);
  o.fetcher.connect_to = f.connect_to;
  o.max_articles_per_feed =
      static_cast<size_t>(f.max_articles.value_or(settings.max_articles_per_feed));
  o.schedule.min_interval_seconds = settings.min_interval_seconds;
  o.schedule.max_interval_seconds = settings.max_interval_seconds;
  o.poll_all = f.all;
  o.respect_robots = settings.respect_robots && !f.no_robots;
  o.archive_html = f.archive_html;
  o.max_crawl_delay_seconds = settings.max_crawl_delay_seconds;
  return o;
}

void LogPipelineTo(spdlog::logger& log, CrawlOptions* options) {
  options->log = [&log](LogLevel level, const std::string& message) {
    switch (level) {
      case LogLevel::kDebug:
        log.debug("{}", message);
        break;
      case LogLevel::kInfo:
        log.info("{}", message);
        break;
      case LogLevel::kWarn:
        log.warn("{}", message);
        break;
      case LogLevel::kError:
        log.error("{}", message);
        break;
    }
  };
}

}  // namespace mw
