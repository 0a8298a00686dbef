// `mediawatch demo`: the offline demo on a loopback server.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "app/cli.h"
#include "app/demo_server.h"
#include "report/query_output.h"
#include "storage/store.h"

namespace mw {
namespace {

struct DemoFlags {
  std::string feeds_dir;
  std::string db_dir;
};

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
  // The snapshot is served on loopback, which the SSRF guard blocks by default.
  options.fetcher.allowed_cidrs = {"127.0.0.0/8"};
  // Politeness towards our own loopback server is not needed.
  options.fetcher.min_host_delay_ms = 0;
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

void AddDemoCommand(CLI::App& app, std::vector<Command>* commands) {
  auto demo = std::make_shared<DemoFlags>();
  auto* demo_cmd = app.add_subcommand(
      "demo",
      "Run the offline demo: serve the bundled snapshot (feeds/demo) on a loopback port,\n"
      "crawl it into a fresh database, and print the flagged stories. No internet needed.");
  demo_cmd->add_option("--feeds-dir", demo->feeds_dir,
                       "The feeds/ directory holding demo/ and watchlists/ (default: the source "
                       "tree's, or $MEDIAWATCH_FEEDS_DIR)");
  demo_cmd->add_option(
      "--db", demo->db_dir,
      "Database directory (must be new or empty; default: a fresh temporary directory)");
  commands->push_back({demo_cmd, [demo](spdlog::logger& log) { return CmdDemo(*demo, log); }});
}

}  // namespace mw
