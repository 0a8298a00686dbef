// `mediawatch crawl`: one polling pass over a configuration directory.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "app/cli.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/matcher.h"

namespace mw {
namespace {

// Values given on the command line; unset ones come from
// CONFIG/mediawatch.toml [crawler], then from the built-in defaults.
struct CrawlFlags {
  std::string config_dir;
  std::string db_dir;
  bool once = false;
  bool all = false;
  bool no_robots = false;
  bool archive_html = false;
  std::optional<int64_t> concurrency;
  std::optional<int64_t> per_host;
  std::optional<int64_t> max_articles;
  std::optional<int64_t> timeout_s;
  std::optional<int64_t> max_body_mb;
  std::optional<int64_t> host_delay_ms;
  std::optional<std::string> proxy;
  std::vector<std::string> allow_cidrs;
  std::string connect_to;
  bool progress = true;
};

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
}  // namespace

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
  std::printf("Crawled %zu of %s in %.1f s: %zu ok, %zu not modified, %zu failed.\n",
              s.feeds_polled, Plural(s.feeds_total, "feed").c_str(), s.seconds, s.feeds_ok,
              s.feeds_not_modified, s.feeds_failed);
  if (s.feeds_not_due > 0 || s.feeds_retired > 0) {
    std::printf("Skipped: %zu not due yet, %zu retired (410 Gone). --all polls every feed.\n",
                s.feeds_not_due, s.feeds_retired);
  }
  std::printf("Articles: %zu fetched, %zu new, %zu already stored, %zu failed; %zu flagged (%s).\n",
              s.articles_fetched, s.articles_stored, s.articles_duplicate, s.articles_failed,
              s.matched_articles, Plural(s.matches, "match").c_str());
  if (s.robots_refused > 0) {
    std::printf("robots.txt disallowed %s.\n", Plural(s.robots_refused, "request").c_str());
  }
  for (const FeedOutcome& f : s.feeds) {
    if (!f.error.empty()) std::printf("  failed: %s: %s\n", f.feed_id.c_str(), f.error.c_str());
    if (!f.moved_to.empty()) {
      std::printf("  moved: %s: now polled at %s\n", f.feed_id.c_str(), f.moved_to.c_str());
    }
  }
  if (g_stop.load()) {
    std::printf("Interrupted: unfinished feeds will be fetched again next time.\n");
    return kExitFailure;
  }
  // Every feed failing means something is wrong beyond one outlet.
  return (s.feeds_polled > 0 && s.feeds_failed == s.feeds_polled) ? kExitFailure : kExitOk;
}

namespace {

CrawlOptions OptionsFrom(const CrawlFlags& f, const CrawlSettings& settings) {
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
  return RunCrawl(config->feeds, std::move(config->watchlists), flags.db_dir,
                  OptionsFrom(flags, config->settings), flags.progress, log);
}

}  // namespace

void AddCrawlCommand(CLI::App& app, std::vector<Command>* commands) {
  auto crawl = std::make_shared<CrawlFlags>();
  auto* crawl_cmd = app.add_subcommand(
      "crawl",
      "One polling pass over the feeds in --config that are due: fetch new articles, extract,\n"
      "match and store them. Feeds: DIR/*.toml; watch-lists: DIR/watchlists/*.toml; settings:\n"
      "DIR/mediawatch.toml (docs/config.md). Polite: robots.txt, a delay between requests to\n"
      "one host, Retry-After and backoff; conditional GET; private addresses refused.\n"
      "Flags override the settings file.");
  crawl_cmd->add_option("--config", crawl->config_dir, "Configuration directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  crawl_cmd->add_option("--db", crawl->db_dir, "Database directory (created if missing)")
      ->required();
  crawl_cmd->add_flag("--once", crawl->once, "One polling pass, then exit (required for now)");
  crawl_cmd->add_flag("--all", crawl->all,
                      "Poll every feed now, ignoring the schedule and backoff (retired feeds "
                      "stay retired)");
  crawl_cmd->add_flag("--archive-html", crawl->archive_html,
                      "Keep each fetched page's raw bytes in the database (mediawatch article "
                      "--html shows them): evidence of what was published; costs about the "
                      "compressed page size per article");
  crawl_cmd->add_flag("--ignore-robots", crawl->no_robots,
                      "Do not fetch or obey robots.txt (only for sites you run)");
  crawl_cmd->add_option("--proxy", crawl->proxy,
                        "Proxy for every request: http://, socks5:// or socks5h://HOST:PORT "
                        "(socks5h resolves names through the proxy, e.g. Tor)");
  crawl_cmd->add_option("--concurrency", crawl->concurrency, "Transfers in flight (default: 32)")
      ->check(CLI::Range(1, 1024));
  crawl_cmd->add_option("--per-host", crawl->per_host, "Transfers in flight per host (default: 2)")
      ->check(CLI::Range(1, 16));
  crawl_cmd
      ->add_option("--max-articles", crawl->max_articles,
                   "New articles per feed per pass (default: 200)")
      ->check(CLI::Range(1, 100000));
  crawl_cmd->add_option("--timeout", crawl->timeout_s, "Seconds per transfer (default: 60)")
      ->check(CLI::Range(1, 3600));
  crawl_cmd
      ->add_option("--allow-cidr", crawl->allow_cidrs,
                   "Allow connections to this otherwise blocked (private, loopback...) address "
                   "block, e.g. 127.0.0.0/8; repeatable")
      ->allow_extra_args(false);
  crawl_cmd
      ->add_option("--host-delay-ms", crawl->host_delay_ms,
                   "Minimum milliseconds between two requests to one host (default: 1000)")
      ->check(CLI::Range(0, 3600000));
  crawl_cmd
      ->add_option("--max-body-mb", crawl->max_body_mb,
                   "Largest decoded response body in MiB (default: 16)")
      ->check(CLI::Range(1, 1024));
  crawl_cmd->add_flag("!--no-progress", crawl->progress, "No progress line on a terminal");
  crawl_cmd->add_option("--connect-to", crawl->connect_to,
                        "Send every connection to HOST:PORT whatever the URL's host, like curl "
                        "--connect-to (for test farms; the address guard still applies)");
  commands->push_back({crawl_cmd, [crawl](spdlog::logger& log) { return CmdCrawl(*crawl, log); }});
}

}  // namespace mw
