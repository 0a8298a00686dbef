// mediawatch/app/cli.h
//
// The pieces shared by the `mediawatch` subcommands. Each command lives in
// its own file and registers itself on the CLI11 app with an Add*Command
// function; main() parses and runs the one that was given.
#pragma once

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "crawler/config.h"
#include "crawler/pipeline.h"

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
void AddQueryCommand(CLI::App& app, std::vector<Command>* commands);
void AddStatsCommand(CLI::App& app, std::vector<Command>* commands);
// `article ID|URL`: one stored article and its cluster (article_command.cc).
void AddArticleCommand(CLI::App& app, std::vector<Command>* commands);
void AddDemoCommand(CLI::App& app, std::vector<Command>* commands);
// `feed parse FILE`: the feed parser as a debugging tool (feed_command.cc).
void AddFeedCommand(CLI::App& app, std::vector<Command>* commands);
// `feeds status|import|export`: feed health and OPML (feeds_command.cc).
void AddFeedsCommand(CLI::App& app, std::vector<Command>* commands);
// `extract FILE|URL`: the article extractor on one page (extract_command.cc).
void AddExtractCommand(CLI::App& app, std::vector<Command>* commands);
void AddWatchlistCommand(CLI::App& app, std::vector<Command>* commands);
void AddMatchCommand(CLI::App& app, std::vector<Command>* commands);

// One polling pass over `feeds` into the store at `db_dir`, with progress on
// a terminal and a summary on stdout (shared by `crawl` and `demo`).
int RunCrawl(const std::vector<FeedConfig>& feeds, std::vector<Watchlist> watchlists,
             const std::string& db_dir, CrawlOptions options, bool show_progress,
             spdlog::logger& log);

}  // namespace mw
