// mediawatch: the command-line front end.
//
//   mediawatch crawl --config DIR --db DIR --once   one polling pass
//   mediawatch query --db DIR [--watchlist ID] [--format table|jsonl]
//   mediawatch demo                                  the offline demo
//
// Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "app/demo_server.h"
#include "crawler/config.h"
#include "crawler/pipeline.h"
#include "parsers/date.h"
#include "report/query_output.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/matcher.h"

namespace mw {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct GlobalFlags {
  std::string log_level = "warn";
  bool quiet = false;
};

struct CrawlFlags {
  std::string config_dir;
  std::string db_dir;
  bool once = false;
  size_t concurrency = 32;
  size_t per_host = 2;
  size_t max_articles = 200;
  long timeout_s = 60;
  size_t max_body_mb = 16;
  bool progress = true;
};

struct QueryFlags {
  std::string db_dir;
  std::string watchlist;
  std::string format = "table";
  std::string since;
  std::string until;
  size_t limit = 1000;
};

struct DemoFlags {
  std::string feeds_dir;
  std::string db_dir;
};

std::shared_ptr<spdlog::logger> MakeLogger(const GlobalFlags& flags) {
  auto logger = spdlog::stderr_color_st("mediawatch");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S %^%l%$ %v");
  logger->set_level(flags.quiet ? spdlog::level::err : spdlog::level::from_str(flags.log_level));
  return logger;
}

std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM; the only signal-safe channel

void OnSignal(int) {
  if (g_stop.exchange(true)) std::_Exit(130);  // a second signal exits at once
}

std::string Plural(size_t n, std::string_view word) {
  std::string out = std::to_string(n) + " " + std::string(word);
  if (n == 1) return out;
  return out + (word.back() == 'h' ? "es" : "s");
}

// Shared by `crawl` and `demo`: builds the matcher, runs one pass, prints the summary.
int RunCrawl(const std::vector<FeedConfig>& feeds, std::vector<Watchlist> watchlists,
             const std::string& db_dir, CrawlOptions options, bool show_progress,
             spdlog::logger& log) {
  auto normalizer = TextNormalizer::Create({});
  if (!normalizer.ok()) {
    log.error("{}", normalizer.status().ToString());
    return kExitFailure;
  }
  auto matcher = WatchlistMatcher::Create(std::move(watchlists), normalizer->get());
  if (!matcher.ok()) {
    log.error("{}", matcher.status().ToString());
    return kExitUsage;
  }
  auto store = OpenRocksStore(db_dir, {});
  if (!store.ok()) {
    log.error("cannot open database {}: {}", db_dir, store.status().ToString());
    return kExitFailure;
  }
  options.log = [&log](LogLevel level, const std::string& message) {
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
  const bool tty = show_progress && ::isatty(STDERR_FILENO);
  if (tty) {
    options.on_progress = [](const CrawlProgress& p) {
      std::fprintf(stderr,
                   "\r\033[K[feeds %zu/%zu] articles %zu/%zu stored %zu flagged %zu errors %zu",
                   p.feeds_done, p.feeds_total, p.articles_done, p.articles_queued,
                   p.articles_stored, p.matched_articles, p.errors);
      std::fflush(stderr);
    };
  }
  options.cancel = &g_stop;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  Crawler crawler(store->get(), matcher->get(), std::move(options));
  auto summary = crawler.CrawlOnce(feeds);
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!summary.ok()) {
    log.error("crawl failed: {}", summary.status().ToString());
    return kExitFailure;
  }
  const CrawlSummary& s = *summary;
  std::printf("Crawled %s in %.1f s: %zu ok, %zu not modified, %zu failed.\n",
              Plural(s.feeds_total, "feed").c_str(), s.seconds, s.feeds_ok, s.feeds_not_modified,
              s.feeds_failed);
  std::printf("Articles: %zu fetched, %zu new, %zu already stored, %zu failed; %zu flagged (%s).\n",
              s.articles_fetched, s.articles_stored, s.articles_duplicate, s.articles_failed,
              s.matched_articles, Plural(s.matches, "match").c_str());
  for (const FeedOutcome& f : s.feeds) {
    if (!f.error.empty()) std::printf("  failed: %s: %s\n", f.feed_id.c_str(), f.error.c_str());
  }
  if (g_stop.load()) {
    std::printf("Interrupted: unfinished feeds will be fetched again next time.\n");
    return kExitFailure;
  }
  // Every feed failing means something is wrong beyond one outlet.
  return (s.feeds_total > 0 && s.feeds_failed == s.feeds_total) ? kExitFailure : kExitOk;
}

CrawlOptions OptionsFrom(const CrawlFlags& f) {
  CrawlOptions o;
  o.fetcher.max_concurrency = f.concurrency;
  o.fetcher.max_per_host = f.per_host;
  o.fetcher.total_timeout_ms = f.timeout_s * 1000;
  o.fetcher.max_body_bytes = f.max_body_mb << 20;
  o.feed_parse.max_bytes = o.fetcher.max_body_bytes;
  o.max_articles_per_feed = f.max_articles;
  return o;
}

int CmdCrawl(const CrawlFlags& flags, spdlog::logger& log) {
  if (!flags.once) {
    log.error("continuous polling is not available yet: pass --once for one polling pass");
    return kExitUsage;
  }
  auto config = LoadConfigDir(flags.config_dir);
  if (!config.ok()) {
    log.error("invalid configuration: {}", config.status().message());
    return kExitUsage;
  }
  if (config->watchlists.empty()) {
    log.warn("no watch-lists in {}/watchlists: articles are stored but nothing is flagged",
             flags.config_dir);
  }
  return RunCrawl(config->feeds, std::move(config->watchlists), flags.db_dir, OptionsFrom(flags),
                  flags.progress, log);
}

Result<std::optional<int64_t>> ParseTimeFlag(const std::string& text, const char* name) {
  if (text.empty()) return std::optional<int64_t>();
  auto t = ParseIso8601Date(text);
  if (!t)
    return Status::InvalidArgument(std::string(name) + ": '" + text +
                                   "' is not a date like 2026-01-28 or 2026-01-28T09:30:00Z");
  return std::optional<int64_t>(*t);
}

int CmdQuery(const QueryFlags& flags, spdlog::logger& log) {
  MatchQuery q;
  if (!flags.watchlist.empty()) q.watchlist_id = flags.watchlist;
  auto since = ParseTimeFlag(flags.since, "--since");
  auto until = ParseTimeFlag(flags.until, "--until");
  if (!since.ok() || !until.ok()) {
    log.error("{}", (!since.ok() ? since.status() : until.status()).message());
    return kExitUsage;
  }
  q.since = *since;
  q.until = *until;
  q.limit = flags.limit;
  StoreOptions so;
  so.read_only = true;
  so.create_if_missing = false;
  auto store = OpenRocksStore(flags.db_dir, so);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.db_dir, store.status().ToString());
    return kExitFailure;
  }
  auto hits = (*store)->QueryMatches(q);
  if (!hits.ok()) {
    log.error("query failed: {}", hits.status().ToString());
    return kExitFailure;
  }
  std::string out = flags.format == "jsonl" ? FormatMatchesJsonl(*hits) : FormatMatchesTable(*hits);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

std::filesystem::path DefaultFeedsDir() {
  if (const char* env = std::getenv("MEDIAWATCH_FEEDS_DIR"); env && *env) return env;
  return MEDIAWATCH_DEFAULT_DEMO_DIR;
}

int CmdDemo(const DemoFlags& flags, spdlog::logger& log) {
  std::filesystem::path feeds_dir =
      flags.feeds_dir.empty() ? DefaultFeedsDir() : std::filesystem::path(flags.feeds_dir);
  std::filesystem::path demo_dir = feeds_dir / "demo";
  auto feeds = LoadFeedFile(demo_dir / "feeds.toml");
  if (!feeds.ok()) {
    log.error("invalid demo configuration: {}", feeds.status().message());
    return kExitUsage;
  }
  auto watchlists = LoadWatchlistDir(feeds_dir / "watchlists");
  if (!watchlists.ok()) {
    log.error("invalid watch-list: {}", watchlists.status().message());
    return kExitUsage;
  }
  std::string db_dir = flags.db_dir;
  std::error_code ec;
  if (db_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mediawatch-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      log.error("cannot create a temporary directory for the demo database");
      return kExitFailure;
    }
    db_dir = tmpl;
  } else if (std::filesystem::exists(db_dir, ec) && !std::filesystem::is_empty(db_dir, ec)) {
    log.error("--db {} is not empty: the demo crawls into a fresh database", db_dir);
    return kExitUsage;
  }
  auto server = DemoServer::Start(demo_dir / "site");
  if (!server.ok()) {
    log.error("{}", server.status().ToString());
    return kExitFailure;
  }
  std::printf("Serving the offline demo snapshot (%s) on 127.0.0.1:%d\n", demo_dir.c_str(),
              (*server)->port());
  std::printf("Watch-lists: ");
  for (size_t i = 0; i < watchlists->size(); ++i) {
    std::printf("%s%s", i ? ", " : "", (*watchlists)[i].id.c_str());
  }
  std::printf("\n\n");
  CrawlOptions options;
  options.fetcher.connect_to = "127.0.0.1:" + std::to_string((*server)->port());
  options.fetcher.total_timeout_ms = 20000;
  int rc = RunCrawl(*feeds, std::move(watchlists).value(), db_dir, std::move(options), true, log);
  if (rc != kExitOk) return rc;

  StoreOptions so;
  so.read_only = true;
  auto store = OpenRocksStore(db_dir, so);
  if (!store.ok()) {
    log.error("cannot reopen {}: {}", db_dir, store.status().ToString());
    return kExitFailure;
  }
  auto hits = (*store)->QueryMatches({});
  if (!hits.ok()) {
    log.error("query failed: {}", hits.status().ToString());
    return kExitFailure;
  }
  std::printf("\nFlagged stories:\n\n%s", FormatMatchesTable(*hits).c_str());
  for (const MatchHit& hit : *hits) {
    std::printf("\n* %s\n  %s\n", hit.article.title.c_str(), hit.article.url.c_str());
    for (const MatchRecord& m : hit.matches) {
      std::printf("  - %s/%s (\"%s\", %dx): %s\n", m.watchlist_id.c_str(), m.target_id.c_str(),
                  m.term.c_str(), m.count, m.snippet.c_str());
    }
  }
  std::error_code ec_exe;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec_exe);
  std::string binary = ec_exe ? std::string("mediawatch") : self.string();
  std::printf("\nDatabase: %s\nExplore it with: %s query --db %s [--format jsonl]\n",
              db_dir.c_str(), binary.c_str(), db_dir.c_str());
  return kExitOk;
}

}  // namespace
}  // namespace mw

int main(int argc, char** argv) {
  using namespace mw;
  CLI::App app{
      "mediawatch: multilingual media monitoring. Polls news feeds, extracts articles in any\n"
      "script (English, Chinese, Uyghur...), flags those that match your watch-lists, and\n"
      "stores everything in a local RocksDB index.\n\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.",
      "mediawatch"};
  app.set_version_flag("--version", std::string("mediawatch ") + MEDIAWATCH_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  GlobalFlags global;
  app.add_option("--log-level", global.log_level, "trace|debug|info|warn|error (default: warn)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("-q,--quiet", global.quiet, "Only log errors");

  CrawlFlags crawl;
  auto* crawl_cmd = app.add_subcommand(
      "crawl",
      "Poll every feed in --config once: fetch new articles, extract, match and store them.\n"
      "Feeds are read from DIR/*.toml, watch-lists from DIR/watchlists/*.toml (docs/config.md).\n"
      "A second pass sends conditional requests (ETag/Last-Modified) and stores nothing twice.");
  crawl_cmd->add_option("--config", crawl.config_dir, "Configuration directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  crawl_cmd->add_option("--db", crawl.db_dir, "Database directory (created if missing)")
      ->required();
  crawl_cmd->add_flag("--once", crawl.once, "One polling pass, then exit (required for now)");
  crawl_cmd->add_option("--concurrency", crawl.concurrency, "Transfers in flight (default: 32)")
      ->check(CLI::Range(1, 1024));
  crawl_cmd->add_option("--per-host", crawl.per_host, "Transfers in flight per host (default: 2)")
      ->check(CLI::Range(1, 16));
  crawl_cmd
      ->add_option("--max-articles", crawl.max_articles,
                   "New articles per feed per pass (default: 200)")
      ->check(CLI::Range(1, 100000));
  crawl_cmd->add_option("--timeout", crawl.timeout_s, "Seconds per transfer (default: 60)")
      ->check(CLI::Range(1, 3600));
  crawl_cmd
      ->add_option("--max-body-mb", crawl.max_body_mb,
                   "Largest decoded response body in MiB (default: 16)")
      ->check(CLI::Range(1, 1024));
  crawl_cmd->add_flag("!--no-progress", crawl.progress, "No progress line on a terminal");

  QueryFlags query;
  auto* query_cmd = app.add_subcommand("query", "List flagged articles, newest first.");
  query_cmd->add_option("--db", query.db_dir, "Database directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  query_cmd->add_option("--watchlist", query.watchlist, "Only this watch-list id");
  query_cmd->add_option("--format", query.format, "table (default) or jsonl")
      ->check(CLI::IsMember({"table", "jsonl"}));
  query_cmd->add_option("--since", query.since,
                        "Articles at or after this UTC date/time (ISO 8601)");
  query_cmd->add_option("--until", query.until, "Articles before this UTC date/time (ISO 8601)");
  query_cmd->add_option("--limit", query.limit, "At most this many articles (default: 1000)")
      ->check(CLI::Range(1, 10000000));

  DemoFlags demo;
  auto* demo_cmd = app.add_subcommand(
      "demo",
      "Run the offline demo: serve the bundled snapshot (feeds/demo) on a loopback port,\n"
      "crawl it into a fresh database, and print the flagged stories. No internet needed.");
  demo_cmd->add_option("--feeds-dir", demo.feeds_dir,
                       "The feeds/ directory holding demo/ and watchlists/ (default: the source "
                       "tree's, or $MEDIAWATCH_FEEDS_DIR)");
  demo_cmd->add_option(
      "--db", demo.db_dir,
      "Database directory (must be new or empty; default: a fresh temporary directory)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  auto log = MakeLogger(global);
  if (crawl_cmd->parsed()) return CmdCrawl(crawl, *log);
  if (query_cmd->parsed()) return CmdQuery(query, *log);
  if (demo_cmd->parsed()) return CmdDemo(demo, *log);
  return kExitUsage;
}
