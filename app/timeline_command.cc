// `mediawatch timeline --db DIR --match ID`: how coverage of one target rose
// and fell — articles per day, ISO week or month, optionally split by
// language or outlet, with the empty buckets shown as zero.
#include <cstdio>
#include <memory>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "report/timeline_output.h"
#include "storage/store.h"

namespace mw {
namespace {

struct TimelineFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  ArticleFilterFlags filters;
  std::string by = "day";
  std::string split;  // "", "lang" or "source"
  std::string format = "table";
};

int CmdTimeline(const TimelineFlags& flags, spdlog::logger& log) {
  Result<MatchQuery> filters = MatchQueryFromFlags(flags.filters);
  if (!filters.ok()) {
    log.error("{}", filters.status().message());
    return kExitUsage;
  }
  TimelineQuery query;
  query.filters = *filters;
  query.bucket = flags.by == "week"    ? TimeBucket::kWeek
                 : flags.by == "month" ? TimeBucket::kMonth
                                       : TimeBucket::kDay;
  query.split = flags.split == "lang"     ? TimelineSplit::kLanguage
                : flags.split == "source" ? TimelineSplit::kSource
                                          : TimelineSplit::kNone;
  TimelineRange range;
  range.bucket = query.bucket;
  range.split = query.split;
  range.since = filters->since;
  range.until = filters->until;

  std::unique_ptr<Store> store = OpenStoreForReading(flags.store.location, log);
  if (!store) return kExitFailure;
  Result<std::vector<TimelineCount>> counts = store->Timeline(query);
  if (!counts.ok()) {
    log.error("timeline failed: {}", counts.status().ToString());
    return kExitFailure;
  }
  Result<TimelineSeries> series = BuildTimelineSeries(*counts, range);
  if (!series.ok()) {
    log.error("{}", series.status().message());
    return series.status().code() == StatusCode::kInternal ? kExitFailure : kExitUsage;
  }
  std::string out;
  if (flags.format == "csv") {
    out = FormatTimelineCsv(*series);
  } else if (flags.format == "json") {
    out = FormatTimelineJson(*series, flags.filters.match, flags.filters.watchlist);
  } else {
    out = FormatTimelineTable(*series);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddTimelineCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<TimelineFlags>();
  auto* cmd = app.add_subcommand(
      "timeline",
      "Articles matching one entity, keyword or rule per day, week or month (UTC), oldest "
      "first; buckets without articles are shown as 0.");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  AddArticleFilterOptions(cmd, &flags->filters);
  cmd->get_option("--match")->required();
  cmd->add_option("--by", flags->by,
                  "day (default), week (ISO weeks from Monday, labelled by their Monday) or "
                  "month")
      ->check(CLI::IsMember({"day", "week", "month"}));
  cmd->add_option("--split", flags->split,
                  "One column per language tag ('lang') or outlet ('source'), and a total")
      ->check(CLI::IsMember({"lang", "source"}));
  cmd->add_option("--format", flags->format,
                  "table (default), csv (wide: bucket,<group>...,total; RFC 4180) or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->footer(
      "The rows run from --since to --until when given, else from the first to the last "
      "bucket with an article (at most 100,000 rows). Labels: 2026-01-28 (day; a week's "
      "Monday), 2026-01 (month).");
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdTimeline(*flags, log); }});
}

}  // namespace mw
