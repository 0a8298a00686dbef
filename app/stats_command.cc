// `mediawatch stats`: what the index holds (counts per feed, language,
// watch-list and target), its schema version and its size on disk.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "report/json_fields.h"
#include "report/query_output.h"
#include "storage/store.h"

namespace mw {
namespace {

struct StatsFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  std::string format = "table";
};

std::string HumanBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return buf;
}

// "name" padded to `width` terminal cells (CJK and Uyghur names align too).
std::string Pad(const std::string& name, size_t width) {
  const size_t cells = DisplayWidth(name);
  return name + std::string(cells < width ? width - cells : 1, ' ');
}

std::string FormatTable(const std::string& dir, const StoreStats& s) {
  std::string out;
  auto line = [&](const std::string& label, const std::string& value) {
    out += Pad(label, 18) + value + "\n";
  };
  line("Database", dir);
  line("Schema version", std::to_string(s.schema_version));
  line("Size on disk", HumanBytes(s.disk_bytes) + " (" + std::to_string(s.disk_bytes) + " bytes)");
  line("Articles", std::to_string(s.articles));
  line("Match records", std::to_string(s.matches));
  line("Feeds", std::to_string(s.feeds));

  auto section = [&](const std::string& title, const std::map<std::string, int64_t>& counts,
                     const std::string& empty_name) {
    out += "\n" + title + "\n";
    if (counts.empty()) out += "  (none)\n";
    for (const auto& [name, count] : counts) {
      out += "  " + Pad(name.empty() ? empty_name : name, 30) + std::to_string(count) + "\n";
    }
  };
  section("ARTICLES PER FEED", s.articles_per_feed, "(no feed)");
  section("ARTICLES PER LANGUAGE", s.articles_per_language, "(unknown)");

  out += "\nFLAGGED ARTICLES PER WATCH-LIST AND TARGET\n";
  if (s.articles_per_watchlist.empty()) out += "  (none)\n";
  for (const auto& [watchlist, count] : s.articles_per_watchlist) {
    out += "  " + Pad(watchlist, 30) + std::to_string(count) + "\n";
    for (auto it = s.articles_per_target.lower_bound({watchlist, ""});
         it != s.articles_per_target.end() && it->first.first == watchlist; ++it) {
      out += "    " + Pad(it->first.second, 28) + std::to_string(it->second) + "\n";
    }
  }
  return out;
}

std::string FormatJson(const std::string& dir, const StoreStats& s) {
  nlohmann::json j = report_internal::StatsJson(s);
  j["database"] = dir;
  // Ids come from configuration files and pages: never let bad UTF-8 throw.
  return report_internal::DumpJson(j, 2) + "\n";
}

int CmdStats(const StatsFlags& flags, spdlog::logger& log) {
  StoreOptions so;
  so.read_only = true;
  so.create_if_missing = false;
  auto store = OpenStoreAt(flags.store.location, so);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.store.display, store.status().ToString());
    return kExitFailure;
  }
  auto stats = (*store)->Stats();
  if (!stats.ok()) {
    log.error("stats failed: {}", stats.status().ToString());
    return kExitFailure;
  }
  const std::string out = flags.format == "json" ? FormatJson(flags.store.display, *stats)
                                                 : FormatTable(flags.store.display, *stats);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddStatsCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<StatsFlags>();
  auto* cmd = app.add_subcommand(
      "stats", "Counts per feed, language, watch-list and target; schema version; size on disk.");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  cmd->add_option("--format", flags->format, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdStats(*flags, log); }});
}

}  // namespace mw
