// `mediawatch crawl`: one polling pass over a configuration directory.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/matcher.h"

namespace mw {
namespace {

struct CrawlCommandFlags {
  CrawlFlags crawl;
  bool once = false;
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

// Shared by `crawl` and `demo` (RunCrawl): builds the matcher, opens the
// store with `store_options` (crawl's --html-cache), runs one pass, prints
// the summary.
int RunCrawlWith(const std::vector<FeedConfig>& feeds, std::vector<Watchlist> watchlists,
                 const std::string& db_dir, const StoreOptions& store_options, CrawlOptions options,
                 bool show_progress, spdlog::logger& log) {
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
  // `db_dir` is any store location: a directory or a PostgreSQL URI.
  auto store = OpenStoreAt(db_dir, store_options);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", StoreDisplayName(db_dir), store.status().ToString());
    return kExitFailure;
  }
  LogPipelineTo(log, &options);
  // Made with default options, as fingerprints need: the fingerprint then
  // reuses the text the matcher folded.
  options.fingerprint_normalizer = normalizer->get();
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

}  // namespace

int RunCrawl(const std::vector<FeedConfig>& feeds, std::vector<Watchlist> watchlists,
             const std::string& db_dir, CrawlOptions options, bool show_progress,
             spdlog::logger& log) {
  return RunCrawlWith(feeds, std::move(watchlists), db_dir, {}, std::move(options), show_progress,
                      log);
}

namespace {

int CmdCrawl(const CrawlCommandFlags& command, spdlog::logger& log) {
  const CrawlFlags& flags = command.crawl;
  if (!command.once) {
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
  StoreOptions store_options;
  store_options.raw_html_cache_dir = flags.html_cache;
  return RunCrawlWith(config->feeds, std::move(config->watchlists), flags.store_location,
                      store_options, CrawlOptionsFrom(flags, config->settings), flags.progress,
                      log);
}

}  // namespace

void AddCrawlCommand(CLI::App& app, std::vector<Command>* commands) {
  auto crawl = std::make_shared<CrawlCommandFlags>();
  auto* crawl_cmd = app.add_subcommand(
      "crawl",
      "One polling pass over the feeds in --config that are due: fetch new articles, extract,\n"
      "match and store them. Feeds: DIR/*.toml; watch-lists: DIR/watchlists/*.toml; settings:\n"
      "DIR/mediawatch.toml (docs/config.md). Polite: robots.txt, a delay between requests to\n"
      "one host, Retry-After and backoff; conditional GET; private addresses refused.\n"
      "Flags override the settings file.");
  AddCrawlFlags(crawl_cmd, &crawl->crawl);
  crawl_cmd->add_flag("--once", crawl->once,
                      "One polling pass, then exit (required; `mediawatch run` polls "
                      "continuously)");
  commands->push_back({crawl_cmd, [crawl](spdlog::logger& log) { return CmdCrawl(*crawl, log); }});
}

}  // namespace mw
