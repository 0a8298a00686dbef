// `mediawatch query`: flagged articles from the index.
#include <cstdio>
#include <memory>
#include <optional>

#include "app/cli.h"
#include "parsers/date.h"
#include "report/query_output.h"
#include "storage/store.h"

namespace mw {
namespace {

struct QueryFlags {
  std::string db_dir;
  std::string watchlist;
  std::string match;     // entity, keyword or rule id
  std::string language;  // "zh" (any zh-*) or an exact tag "zh-Hant"
  std::string source;    // feed id or outlet name
  std::string format = "table";
  std::string since;
  std::string until;
  size_t limit = 1000;
};

Result<std::optional<int64_t>> ParseTimeFlag(const std::string& text, const char* name) {
  if (text.empty()) return std::optional<int64_t>();
  auto t = ParseIso8601Date(text);
  if (!t)
    return Status::InvalidArgument(std::string(name) + ": '" + text +
                                   "' is not a date like 2026-01-28 or 2026-01-28T09:30:00Z");
  return std::optional<int64_t>(*t);
}

int CmdQuery(const QueryFlags& flags, spdlog::logger& log) {
  MatchQuery q;
  if (!flags.watchlist.empty()) q.watchlist_id = flags.watchlist;
  if (!flags.match.empty()) q.target_id = flags.match;
  if (!flags.language.empty()) q.language = flags.language;
  if (!flags.source.empty()) q.source = flags.source;
  auto since = ParseTimeFlag(flags.since, "--since");
  auto until = ParseTimeFlag(flags.until, "--until");
  if (!since.ok() || !until.ok()) {
    log.error("{}", (!since.ok() ? since.status() : until.status()).message());
    return kExitUsage;
  }
  q.since = *since;
  q.until = *until;
  q.limit = flags.limit;
  StoreOptions so;
  so.read_only = true;
  so.create_if_missing = false;
  auto store = OpenRocksStore(flags.db_dir, so);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.db_dir, store.status().ToString());
    return kExitFailure;
  }
  auto hits = (*store)->QueryMatches(q);
  if (!hits.ok()) {
    log.error("query failed: {}", hits.status().ToString());
    return kExitFailure;
  }
  std::string out;
  if (flags.format == "jsonl") {
    out = FormatMatchesJsonl(*hits);
  } else if (flags.format == "csv") {
    out = FormatMatchesCsv(*hits);
  } else {
    out = FormatMatchesTable(*hits);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddQueryCommand(CLI::App& app, std::vector<Command>* commands) {
  auto query = std::make_shared<QueryFlags>();
  auto* query_cmd = app.add_subcommand("query", "List flagged articles, newest first.");
  query_cmd->add_option("--db", query->db_dir, "Database directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  query_cmd->add_option("--watchlist", query->watchlist, "Only this watch-list id");
  query_cmd->add_option("--match", query->match,
                        "Only articles matching this entity, keyword or rule id");
  query_cmd->add_option("--lang", query->language,
                        "Only this language: 'zh' matches zh, zh-Hant, ...; 'zh-Hant' only itself");
  query_cmd->add_option("--source", query->source, "Only this feed id or outlet name (exact)");
  query_cmd
      ->add_option("--format", query->format,
                   "table (default), jsonl or csv (RFC 4180, UTF-8, CRLF)")
      ->check(CLI::IsMember({"table", "jsonl", "csv"}));
  query_cmd->add_option("--since", query->since,
                        "Articles at or after this UTC date/time (ISO 8601)");
  query_cmd->add_option("--until", query->until, "Articles before this UTC date/time (ISO 8601)");
  query_cmd->add_option("--limit", query->limit, "At most this many articles (default: 1000)")
      ->check(CLI::Range(1, 10000000));
  commands->push_back({query_cmd, [query](spdlog::logger& log) { return CmdQuery(*query, log); }});
}

}  // namespace mw
