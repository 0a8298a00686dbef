// mediawatch: the command-line front end. Each subcommand is in its own
// *_command.cc file (see app/cli.h).
//
// Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app/cli.h"

namespace mw {

namespace {

struct GlobalFlags {
  std::string log_level = "warn";
  bool quiet = false;
};

std::shared_ptr<spdlog::logger> MakeLogger(const GlobalFlags& flags) {
  auto logger = spdlog::stderr_color_st("mediawatch");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S %^%l%$ %v");
  logger->set_level(flags.quiet ? spdlog::level::err : spdlog::level::from_str(flags.log_level));
  return logger;
}

}  // namespace
}  // namespace mw

int main(int argc, char** argv) {
  using namespace mw;
  CLI::App app{
      "mediawatch: multilingual media monitoring. Polls news feeds, extracts articles in any\n"
      "script (English, Chinese, Uyghur...), flags those that match your watch-lists, and\n"
      "stores everything in a local RocksDB index (--db DIR) or, for several machines, in\n"
      "PostgreSQL (--store postgresql://...).\n\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.",
      "mediawatch"};
  app.set_version_flag("--version", std::string("mediawatch ") + MEDIAWATCH_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  GlobalFlags global;
  app.add_option("--log-level", global.log_level, "trace|debug|info|warn|error (default: warn)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("-q,--quiet", global.quiet, "Only log errors");

  std::vector<Command> commands;
  AddCrawlCommand(app, &commands);
  AddRunCommand(app, &commands);
  AddStatusCommand(app, &commands);
  AddQueryCommand(app, &commands);
  AddStatsCommand(app, &commands);
  AddArticleCommand(app, &commands);
  AddTimelineCommand(app, &commands);
  AddExportCommand(app, &commands);
  AddBackupCommand(app, &commands);
  AddDigestCommand(app, &commands);
  AddAlertsCommand(app, &commands);
  AddServeCommand(app, &commands);
  AddDemoCommand(app, &commands);
  AddFeedCommand(app, &commands);
  AddFeedsCommand(app, &commands);
  AddExtractCommand(app, &commands);
  AddWatchlistCommand(app, &commands);
  AddMatchCommand(app, &commands);
  AddDbCommand(app, &commands);
  AddWorkersCommand(app, &commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  auto log = MakeLogger(global);
  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run(*log);
  }
  return kExitUsage;
}
