// `mediawatch query`: articles from the index, newest first — the flagged
// ones, or with --all every stored article.
#include <cstdio>
#include <memory>
#include <optional>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "report/query_output.h"
#include "storage/store.h"

namespace mw {
namespace {

struct QueryFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  ArticleFilterFlags filters;
  std::string format = "table";
  size_t limit = 1000;
  bool all = false;
  bool with_text = false;
};

int CmdQuery(const QueryFlags& flags, spdlog::logger& log) {
  Result<MatchQuery> q = MatchQueryFromFlags(flags.filters);
  if (!q.ok()) {
    log.error("{}", q.status().message());
    return kExitUsage;
  }
  if (flags.with_text && flags.format == "table") {
    log.error("--with-text needs --format jsonl or csv (the table has no room for text)");
    return kExitUsage;
  }
  q->limit = flags.limit;
  q->flagged_only = !flags.all;
  q->with_text = flags.with_text;
  std::unique_ptr<Store> store = OpenStoreForReading(flags.store.location, log);
  if (!store) return kExitFailure;
  Result<std::vector<MatchHit>> hits = store->QueryMatches(*q);
  if (!hits.ok()) {
    log.error("query failed: {}", hits.status().ToString());
    return kExitFailure;
  }
  std::string out;
  if (flags.format == "jsonl") {
    JsonlOptions options;
    options.full_record = flags.with_text;
    out = FormatMatchesJsonl(*hits, options);
  } else if (flags.format == "csv") {
    CsvOptions options;
    options.with_text = flags.with_text;
    out = FormatMatchesCsv(*hits, options);
  } else {
    out = FormatMatchesTable(*hits);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddQueryCommand(CLI::App& app, std::vector<Command>* commands) {
  auto query = std::make_shared<QueryFlags>();
  auto* query_cmd = app.add_subcommand(
      "query",
      "List flagged articles, newest first (--all: every stored article). For every article "
      "without a limit, use `export`.");
  AddStoreFlags(query_cmd, &query->store, StoreDirRule::kMustExist);
  AddArticleFilterOptions(query_cmd, &query->filters);
  query_cmd->add_flag("--all", query->all,
                      "Also articles no watch-list flagged (they have no matches); filters "
                      "still apply");
  query_cmd
      ->add_option("--format", query->format,
                   "table (default), jsonl or csv (RFC 4180, UTF-8, CRLF)")
      ->check(CLI::IsMember({"table", "jsonl", "csv"}));
  query_cmd->add_flag("--with-text", query->with_text,
                      "jsonl: every stored field and the text; csv: a last column 'text'");
  query_cmd->add_option("--limit", query->limit, "At most this many articles (default: 1000)")
      ->check(CLI::Range(1, 10000000));
  commands->push_back({query_cmd, [query](spdlog::logger& log) { return CmdQuery(*query, log); }});
}

}  // namespace mw
