// `mediawatch status`: what a running or stopped `mediawatch run` is doing,
// read from the database (RunState and the feeds' states).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "storage/store.h"

namespace mw {
namespace {

struct StatusFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  bool json = false;
  int64_t stale_seconds = 300;
};

std::string Iso(int64_t t) {
  if (t <= 0) return "-";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return out;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// "running", "not responding", "stopped", "stopped uncleanly" or "never run".
std::string StateOf(const std::optional<RunState>& run, int64_t now, int64_t stale_seconds) {
  if (!run.has_value()) return "never run";
  if (run->stopped_at > 0) return "stopped";
  // On this machine the process table tells; elsewhere only the heartbeat.
  if (run->host == HostName() && run->pid > 0) {
    const bool alive = ::kill(static_cast<pid_t>(run->pid), 0) == 0 || errno == EPERM;
    if (!alive) return "stopped uncleanly";
  }
  if (now - run->heartbeat_at > stale_seconds) return "not responding";
  return "running";
}

int CmdStatus(const StatusFlags& flags, spdlog::logger& log) {
  std::unique_ptr<Store> store = OpenStoreForReading(flags.store.location, log);
  if (store == nullptr) return kExitFailure;
  auto run = store->GetRunState();
  auto feeds = store->ListFeedStates();
  auto stats = store->Stats();
  if (!run.ok() || !feeds.ok() || !stats.ok()) {
    const Status& bad = !run.ok() ? run.status() : !feeds.ok() ? feeds.status() : stats.status();
    log.error("cannot read {}: {}", flags.store.display, bad.ToString());
    return kExitFailure;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const std::string state = StateOf(*run, now, flags.stale_seconds);
  int64_t due = 0, failing = 0, retired = 0, polled = 0;
  for (const FeedState& f : *feeds) {
    if (f.last_fetch_at > 0) ++polled;
    if (f.retired) {
      ++retired;
      continue;
    }
    if (f.consecutive_failures > 0) ++failing;
    if (f.next_poll_at <= now) ++due;
  }

  if (flags.json) {
    nlohmann::json j;
    j["state"] = state;
    if (run->has_value()) {
      const RunState& r = **run;
      j["pid"] = r.pid;
      j["host"] = r.host;
      j["started_at"] = Iso(r.started_at);
      j["heartbeat_at"] = Iso(r.heartbeat_at);
      j["stopped_at"] = r.stopped_at > 0 ? nlohmann::json(Iso(r.stopped_at)) : nlohmann::json();
      j["passes"] = r.passes;
      j["feeds_polled"] = r.feeds_polled;
      j["articles_stored"] = r.articles_stored;
      j["matched_articles"] = r.matched_articles;
      j["errors"] = r.errors;
      j["next_due_at"] = r.next_due_at > 0 ? nlohmann::json(Iso(r.next_due_at)) : nlohmann::json();
      j["last_error"] = r.last_error;
    }
    j["database"] = {{"articles", stats->articles},
                     {"feeds", static_cast<int64_t>(feeds->size())},
                     {"feeds_due", due},
                     {"feeds_failing", failing},
                     {"feeds_retired", retired}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return kExitOk;
  }

  std::printf("Monitor           %s\n", state.c_str());
  if (run->has_value()) {
    const RunState& r = **run;
    std::printf("Process           pid %lld on %s\n", static_cast<long long>(r.pid),
                r.host.empty() ? "?" : r.host.c_str());
    std::printf("Started           %s\n", Iso(r.started_at).c_str());
    std::printf("Last heartbeat    %s (%lld s ago)\n", Iso(r.heartbeat_at).c_str(),
                static_cast<long long>(now - r.heartbeat_at));
    if (r.stopped_at > 0) std::printf("Stopped           %s\n", Iso(r.stopped_at).c_str());
    std::printf("Passes            %lld (%lld feed polls)\n", static_cast<long long>(r.passes),
                static_cast<long long>(r.feeds_polled));
    std::printf("New articles      %lld (%lld flagged) since start\n",
                static_cast<long long>(r.articles_stored),
                static_cast<long long>(r.matched_articles));
    std::printf("Errors            %lld since start\n", static_cast<long long>(r.errors));
    std::printf("Next feed due     %s\n", Iso(r.next_due_at).c_str());
    if (!r.last_error.empty()) std::printf("Last error        %s\n", r.last_error.c_str());
  }
  std::printf("Articles stored   %lld\n", static_cast<long long>(stats->articles));
  std::printf(
      "Feeds             %zu known, %lld polled, %lld due now, %lld failing, %lld "
      "retired\n",
      feeds->size(), static_cast<long long>(polled), static_cast<long long>(due),
      static_cast<long long>(failing), static_cast<long long>(retired));
  return kExitOk;
}

}  // namespace

void AddStatusCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<StatusFlags>();
  auto* cmd = app.add_subcommand(
      "status",
      "What `mediawatch run` on this database is doing, or did last: running / not responding\n"
      "(no heartbeat for --stale seconds) / stopped / stopped uncleanly (killed or crashed),\n"
      "its totals since it started, and the feeds due, failing and retired. Reads the database\n"
      "read-only, so it works while the monitor runs.");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  cmd->add_flag("--json", flags->json, "One JSON object instead of the table");
  cmd->add_option("--stale", flags->stale_seconds,
                  "Seconds without a heartbeat after which a running monitor counts as not "
                  "responding (default: 300)")
      ->check(CLI::Range(1, 86400 * 30));
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdStatus(*flags, log); }});
}

}  // namespace mw
