// mediawatch/app/workers_command.cc
//
// `mediawatch workers`: the crawler processes sharing a server-based store
// (Store::ListWorkers), their throughput and the leases each holds
// (Store::ListLeases). A RocksDB directory belongs to one process, so it has
// no such registry (`mediawatch status` describes its one crawler).
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "report/json_fields.h"
#include "storage/store.h"

namespace mw {
namespace {

// A worker beats every 60 s by default; three missed beats make it stale.
constexpr int64_t kDefaultStaleSeconds = 3 * 60;
// Lease keys shown per worker in the table (all are in --json).
constexpr size_t kKeysShown = 3;

struct WorkersFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  bool all = false;
  bool json = false;
  int64_t stale_seconds = kDefaultStaleSeconds;
};

std::string Iso(int64_t t) {
  if (t <= 0) return "-";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) return std::to_string(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "live", "stale" (no heartbeat for stale_seconds: hung, or killed) or
// "stopped" (a clean exit).
std::string StateOf(const WorkerInfo& w, int64_t now, int64_t stale_seconds) {
  if (w.stopped_at > 0) return "stopped";
  return w.heartbeat_at >= now - stale_seconds ? "live" : "stale";
}

// Articles stored per minute between the start and the last heartbeat.
double PerMinute(const WorkerInfo& w) {
  const int64_t seconds = w.heartbeat_at - w.started_at;
  if (seconds <= 0) return 0;
  return static_cast<double>(w.articles_stored) * 60.0 / static_cast<double>(seconds);
}

int CmdWorkers(const WorkersFlags& flags, spdlog::logger& log) {
  if (!IsServerStore(flags.store.location)) {
    std::printf(
        "%s is a single-process store (RocksDB): it has no workers registry.\n"
        "`mediawatch status --db %s` shows its crawler; several workers need a PostgreSQL "
        "store (docs/postgresql.md).\n",
        flags.store.display.c_str(), flags.store.display.c_str());
    return kExitOk;
  }
  StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  Result<std::unique_ptr<Store>> store = OpenStoreAt(flags.store.location, options);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.store.display, store.status().ToString());
    return kExitFailure;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  Result<std::vector<WorkerInfo>> workers =
      (*store)->ListWorkers(flags.all ? 0 : now - flags.stale_seconds);
  Result<std::vector<Lease>> leases = (*store)->ListLeases();
  if (!workers.ok() || !leases.ok()) {
    const Status& bad = !workers.ok() ? workers.status() : leases.status();
    log.error("cannot read {}: {}", flags.store.display, bad.ToString());
    return kExitFailure;
  }
  // Held leases by worker (sorted by key, as listed); the rest are free.
  std::map<std::string, std::vector<std::string>> held;
  int64_t free_leases = 0;
  for (const Lease& l : *leases) {
    if (l.worker.empty() || l.until <= now) {
      ++free_leases;
    } else {
      held[l.worker].push_back(l.key);
    }
  }
  std::vector<const WorkerInfo*> shown;
  for (const WorkerInfo& w : *workers) {
    if (flags.all || StateOf(w, now, flags.stale_seconds) == "live") shown.push_back(&w);
  }

  if (flags.json) {
    nlohmann::json j;
    j["store"] = flags.store.display;
    j["now"] = Iso(now);
    j["workers"] = nlohmann::json::array();
    for (const WorkerInfo* w : shown) {
      const std::vector<std::string>& keys = held[w->id];
      j["workers"].push_back({{"id", w->id},
                              {"state", StateOf(*w, now, flags.stale_seconds)},
                              {"host", w->host},
                              {"pid", w->pid},
                              {"started_at", Iso(w->started_at)},
                              {"heartbeat_at", Iso(w->heartbeat_at)},
                              {"stopped_at", w->stopped_at > 0 ? nlohmann::json(Iso(w->stopped_at))
                                                               : nlohmann::json()},
                              {"passes", w->passes},
                              {"feeds_polled", w->feeds_polled},
                              {"articles_stored", w->articles_stored},
                              {"matched_articles", w->matched_articles},
                              {"errors", w->errors},
                              {"articles_per_minute", PerMinute(*w)},
                              {"leases", keys}});
    }
    j["leases"] = {{"total", static_cast<int64_t>(leases->size())},
                   {"held", static_cast<int64_t>(leases->size()) - free_leases},
                   {"free_or_expired", free_leases}};
    std::printf("%s\n", report_internal::DumpJson(j, -1).c_str());
    return kExitOk;
  }

  std::printf("%s: %zu %s worker%s; %zu lease%s (%lld held, %lld free or expired)\n",
              flags.store.display.c_str(), shown.size(), flags.all ? "known" : "live",
              shown.size() == 1 ? "" : "s", leases->size(), leases->size() == 1 ? "" : "s",
              static_cast<long long>(static_cast<int64_t>(leases->size()) - free_leases),
              static_cast<long long>(free_leases));
  for (const WorkerInfo* w : shown) {
    const std::vector<std::string>& keys = held[w->id];
    std::printf("\n%s  [%s]\n", w->id.c_str(), StateOf(*w, now, flags.stale_seconds).c_str());
    std::printf("  host %s, pid %lld; started %s; last heartbeat %s (%lld s ago)\n",
                w->host.empty() ? "?" : w->host.c_str(), static_cast<long long>(w->pid),
                Iso(w->started_at).c_str(), Iso(w->heartbeat_at).c_str(),
                static_cast<long long>(now - w->heartbeat_at));
    if (w->stopped_at > 0) std::printf("  stopped %s\n", Iso(w->stopped_at).c_str());
    std::printf(
        "  %lld passes, %lld feeds polled, %lld articles stored (%.1f/min), %lld flagged, "
        "%lld errors\n",
        static_cast<long long>(w->passes), static_cast<long long>(w->feeds_polled),
        static_cast<long long>(w->articles_stored), PerMinute(*w),
        static_cast<long long>(w->matched_articles), static_cast<long long>(w->errors));
    std::string shown_keys;
    for (size_t i = 0; i < keys.size() && i < kKeysShown; ++i) {
      shown_keys += (i == 0 ? ": " : ", ") + keys[i];
    }
    if (keys.size() > kKeysShown) shown_keys += ", ...";
    std::printf("  %zu lease%s%s\n", keys.size(), keys.size() == 1 ? "" : "s", shown_keys.c_str());
  }
  return kExitOk;
}

}  // namespace

void AddWorkersCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<WorkersFlags>();
  auto* cmd = app.add_subcommand(
      "workers",
      "The `mediawatch run` workers sharing a PostgreSQL store: host, pid, start, last\n"
      "heartbeat, passes, feeds polled, articles stored (and per minute since the start), and\n"
      "the leases (hosts, roles) each holds; then how many leases are free or expired. Live\n"
      "workers only (a heartbeat within --stale-after seconds, not stopped) unless --all.\n"
      "A RocksDB directory has one process and no registry: the command says so (exit 0).");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  cmd->add_flag("--all", flags->all, "Also workers that stopped or stopped beating (stale)");
  cmd->add_flag("--json", flags->json, "One JSON document instead of the table");
  cmd->add_option("--stale-after", flags->stale_seconds,
                  "Seconds without a heartbeat after which a worker is stale (default: 180, "
                  "three heartbeats)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400 * 365}));
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdWorkers(*flags, log); }});
}

}  // namespace mw
