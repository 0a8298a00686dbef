// `mediawatch digest --db DIR --watchlist ID`: one watch-list's digest for
// a local day (or any period) as e-mail-ready HTML, Markdown or JSON
// (report/digest.h).
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "report/digest.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/watchlist.h"

namespace mw {
namespace {

struct DigestFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  std::string watchlist;
  std::string date;
  std::string since;
  std::string until;
  std::string format = "html";
  std::string time_zone = "UTC";
  std::string config_dir;
  std::string templates_dir;
  std::string output;
};

// The period [since, until) in UTC seconds from --date or --since/--until;
// default: yesterday in the zone.
Result<std::pair<int64_t, int64_t>> Period(const DigestFlags& flags) {
  if (!flags.date.empty() && (!flags.since.empty() || !flags.until.empty())) {
    return Status::InvalidArgument("--date cannot be combined with --since/--until");
  }
  if (!flags.since.empty() || !flags.until.empty()) {
    if (flags.since.empty() || flags.until.empty()) {
      return Status::InvalidArgument("--since and --until go together");
    }
    Result<int64_t> since = ParseLocalTime(flags.since, flags.time_zone);
    if (!since.ok()) return since.status().WithContext("--since");
    Result<int64_t> until = ParseLocalTime(flags.until, flags.time_zone);
    if (!until.ok()) return until.status().WithContext("--until");
    if (*since >= *until) {
      return Status::InvalidArgument("--since " + flags.since + " is not before --until " +
                                     flags.until);
    }
    return std::make_pair(*since, *until);
  }
  if (!flags.date.empty()) {
    Result<std::pair<int64_t, int64_t>> day = LocalDayRange(flags.date, flags.time_zone);
    if (!day.ok()) return day.status().WithContext("--date");
    return day;
  }
  Result<std::pair<int64_t, int64_t>> today =
      LocalDayRange(LocalDate(std::time(nullptr), flags.time_zone), flags.time_zone);
  if (!today.ok()) return today.status();
  return LocalDayRange(LocalDate(today->first - 1, flags.time_zone), flags.time_zone);
}

// Writes `text` to `path` through a temporary file, so an existing file is
// replaced only by a complete digest.
Status WriteOutput(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot write " + tmp);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) return Status::IoError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::IoError("cannot write " + path);
  }
  return Status::Ok();
}

int CmdDigest(const DigestFlags& flags, spdlog::logger& log) {
  if (Status zone = CheckTimeZone(flags.time_zone); !zone.ok()) {
    log.error("--tz: {}", zone.message());
    return kExitUsage;
  }
  Result<DigestFormat> format = ParseDigestFormat(flags.format);
  if (!format.ok()) {
    log.error("{}", format.status().message());
    return kExitUsage;
  }
  Result<std::pair<int64_t, int64_t>> period = Period(flags);
  if (!period.ok()) {
    log.error("{}", period.status().message());
    return kExitUsage;
  }

  // The watch-list files give names and the matcher for highlighting; a
  // digest without them still works with ids.
  std::string config_dir = flags.config_dir;
  if (config_dir.empty() && std::filesystem::is_directory("feeds")) config_dir = "feeds";
  std::vector<Watchlist> watchlists;
  if (!config_dir.empty()) {
    Result<std::vector<Watchlist>> loaded =
        LoadWatchlistDir(std::filesystem::path(config_dir) / "watchlists");
    if (!loaded.ok()) {
      log.error("invalid configuration: {}", loaded.status().message());
      return kExitUsage;
    }
    watchlists = std::move(loaded).value();
  }
  bool known = false;
  for (const Watchlist& w : watchlists) known = known || w.id == flags.watchlist;

  std::unique_ptr<Store> store = OpenStoreForReading(flags.store.location, log);
  if (!store) return kExitFailure;
  if (!known) {
    MatchQuery any;
    any.watchlist_id = flags.watchlist;
    any.limit = 1;
    Result<std::vector<MatchHit>> hits = store->QueryMatches(any);
    if (!hits.ok()) {
      log.error("query failed: {}", hits.status().ToString());
      return kExitFailure;
    }
    if (hits->empty()) {
      log.error("watch-list '{}' is not in {} and flagged nothing in {}", flags.watchlist,
                config_dir.empty() ? std::string("any configuration (no --config)")
                                   : config_dir + "/watchlists",
                flags.store.display);
      return kExitFailure;
    }
    log.warn("watch-list '{}' is not in {}: showing ids, highlighting by plain search",
             flags.watchlist, config_dir.empty() ? "--config" : config_dir + "/watchlists");
  }
  std::unique_ptr<TextNormalizer> normalizer;
  if (known) {
    Result<std::unique_ptr<TextNormalizer>> n = TextNormalizer::Create({});
    if (n.ok()) {
      normalizer = std::move(n).value();
    } else {
      log.warn("text normalizer unavailable ({}): highlighting by plain search",
               n.status().message());
    }
  }

  DigestOptions options;
  options.watchlist_id = flags.watchlist;
  options.since = period->first;
  options.until = period->second;
  options.time_zone = flags.time_zone;
  Result<Digest> digest = BuildDigest(*store, watchlists, normalizer.get(), options);
  if (!digest.ok()) {
    log.error("digest failed: {}", digest.status().ToString());
    return kExitFailure;
  }
  Result<std::string> text = RenderDigest(*digest, *format, flags.templates_dir);
  if (!text.ok()) {
    log.error("{}", text.status().message());
    return text.status().code() == StatusCode::kIoError ? kExitFailure : kExitUsage;
  }
  if (flags.output.empty() || flags.output == "-") {
    std::fwrite(text->data(), 1, text->size(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }
  if (Status written = WriteOutput(flags.output, *text); !written.ok()) {
    log.error("{}", written.message());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void AddDigestCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<DigestFlags>();
  auto* cmd = app.add_subcommand(
      "digest",
      "One watch-list's digest of a local day or period: totals, 30-day sparklines, every "
      "flagged story once (copies folded, matched words highlighted), edits and removals.");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  cmd->add_option("--watchlist", flags->watchlist, "Watch-list id")->required();
  cmd->add_option("--date", flags->date,
                  "Local calendar day YYYY-MM-DD in --tz (default: yesterday in --tz)");
  cmd->add_option("--since", flags->since,
                  "Period start: a local date, a local date-time (2026-01-28T09:30) or an ISO "
                  "8601 date-time with Z/offset; with --until");
  cmd->add_option("--until", flags->until, "Period end (exclusive), as --since");
  cmd->add_option("--format", flags->format,
                  "html (default; e-mail-ready, inline CSS), md (Markdown, also the plain-text "
                  "part) or json")
      ->check(CLI::IsMember({"html", "md", "json"}));
  cmd->add_option("--tz", flags->time_zone,
                  "IANA time zone for the period and the times shown (default: UTC), e.g. "
                  "Asia/Shanghai, America/New_York");
  cmd->add_option("--config", flags->config_dir,
                  "Configuration directory with watchlists/*.toml, for names and highlighting "
                  "(default: ./feeds when it exists)");
  cmd->add_option("--templates", flags->templates_dir,
                  "Directory with digest.html.mustache / digest.md.mustache overriding the "
                  "built-in templates");
  cmd->add_option("-o,--output", flags->output,
                  "Write to FILE (replaced only when the digest succeeds; default: stdout)");
  cmd->footer(
      "Sparklines count flagged articles per local day in --tz over the 30 days ending with "
      "the period. Exit 1 when the database cannot be read or the watch-list is neither "
      "configured nor in the database, 2 for bad arguments.");
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdDigest(*flags, log); }});
}

}  // namespace mw
