// mediawatch/app/cli.h
//
// The pieces shared by the `mediawatch` subcommands. Each command lives in
// its own file and registers itself on the CLI11 app with an Add*Command
// function; main() parses and runs the one that was given.
#pragma once

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "crawler/config.h"
#include "crawler/pipeline.h"
#include "storage/store.h"

namespace mw {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// A registered subcommand and what runs it.
struct Command {
  CLI::App* app = nullptr;
  std::function<int(spdlog::logger&)> run;
};

void AddCrawlCommand(CLI::App& app, std::vector<Command>* commands);
// `run`: continuous monitoring (run_command.cc); `status`: what it is doing
// (status_command.cc).
void AddRunCommand(CLI::App& app, std::vector<Command>* commands);
void AddStatusCommand(CLI::App& app, std::vector<Command>* commands);
void AddQueryCommand(CLI::App& app, std::vector<Command>* commands);
void AddStatsCommand(CLI::App& app, std::vector<Command>* commands);
// `article ID|URL`: one stored article and its cluster (article_command.cc).
void AddArticleCommand(CLI::App& app, std::vector<Command>* commands);
// `timeline --match ID`: article counts per day/week/month (timeline_command.cc).
void AddTimelineCommand(CLI::App& app, std::vector<Command>* commands);
// `export --format jsonl|csv`: every article passing the filters, with its
// text, streamed page by page (export_command.cc).
void AddExportCommand(CLI::App& app, std::vector<Command>* commands);
// `backup --to DIR`: a consistent copy of the database (backup_command.cc).
void AddBackupCommand(CLI::App& app, std::vector<Command>* commands);
// `digest --watchlist ID`: a watch-list's digest of a local day or period
// (digest_command.cc).
void AddDigestCommand(CLI::App& app, std::vector<Command>* commands);
// `alerts pending|history|deliver|test`: the alert outbox (alerts_command.cc).
void AddAlertsCommand(CLI::App& app, std::vector<Command>* commands);
// `serve`: the web dashboard and the JSON API (serve_command.cc, server/).
void AddServeCommand(CLI::App& app, std::vector<Command>* commands);
void AddDemoCommand(CLI::App& app, std::vector<Command>* commands);
// `feed parse FILE`: the feed parser as a debugging tool (feed_command.cc).
void AddFeedCommand(CLI::App& app, std::vector<Command>* commands);
// `feeds status|import|export`: feed health and OPML (feeds_command.cc).
void AddFeedsCommand(CLI::App& app, std::vector<Command>* commands);
// `extract FILE|URL`: the article extractor on one page (extract_command.cc).
void AddExtractCommand(CLI::App& app, std::vector<Command>* commands);
void AddWatchlistCommand(CLI::App& app, std::vector<Command>* commands);
void AddMatchCommand(CLI::App& app, std::vector<Command>* commands);
// `db migrate`: create or upgrade a store's schema (db_command.cc).
void AddDbCommand(CLI::App& app, std::vector<Command>* commands);
// `workers`: the live workers of a shared store and their leases
// (workers_command.cc).
void AddWorkersCommand(CLI::App& app, std::vector<Command>* commands);

// The article filters shared by `query`, `timeline` and `export`
// (app/article_filters.cc), as given on the command line.
struct ArticleFilterFlags {
  std::string watchlist;  // watch-list id
  std::string match;      // entity, keyword or rule id
  std::string language;   // "zh" (any zh-*) or an exact tag "zh-Hant"
  std::string source;     // feed id or outlet name
  std::string since;      // ISO 8601 date or date-time, UTC
  std::string until;
};

// Registers --watchlist, --match, --lang, --source, --since and --until on
// `cmd`, writing into `flags` (which must outlive the parse).
void AddArticleFilterOptions(CLI::App* cmd, ArticleFilterFlags* flags);

// The MatchQuery for `flags` (other fields at their defaults). Errors:
// kInvalidArgument naming the flag for a date that does not parse, or when
// --since is not before --until.
Result<MatchQuery> MatchQueryFromFlags(const ArticleFilterFlags& flags);

// Opens the store at `db_dir` (a directory or a postgresql:// URI:
// OpenStoreAt) read-only, without creating anything; on failure logs
// "cannot open database ...: ..." (a URI's password redacted) and returns
// nullptr.
std::unique_ptr<Store> OpenStoreForReading(const std::string& db_dir, spdlog::logger& log);

// One polling pass over `feeds` into the store at `db_dir` (a directory or
// a postgresql:// URI), with progress on a terminal and a summary on stdout
// (shared by `crawl` and `demo`).
int RunCrawl(const std::vector<FeedConfig>& feeds, std::vector<Watchlist> watchlists,
             const std::string& db_dir, CrawlOptions options, bool show_progress,
             spdlog::logger& log);

}  // namespace mw
