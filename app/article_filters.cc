// The article filters of `query`, `timeline` and `export` (app/cli.h): one
// spelling and one meaning of every filter flag across the commands.
#include <optional>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "parsers/date.h"

namespace mw {
namespace {

Result<std::optional<int64_t>> ParseTimeFlag(const std::string& text, const char* name) {
  if (text.empty()) return std::optional<int64_t>();
  std::optional<int64_t> t = ParseIso8601Date(text);
  if (!t) {
    return Status::InvalidArgument(std::string(name) + ": '" + text +
                                   "' is not a date like 2026-01-28 or 2026-01-28T09:30:00Z");
  }
  return t;
}

}  // namespace

void AddArticleFilterOptions(CLI::App* cmd, ArticleFilterFlags* flags) {
  cmd->add_option("--watchlist", flags->watchlist, "Only this watch-list id");
  cmd->add_option("--match", flags->match,
                  "Only articles matching this entity, keyword or rule id");
  cmd->add_option("--lang", flags->language,
                  "Only this language: 'zh' matches zh, zh-Hant, ...; 'zh-Hant' only itself");
  cmd->add_option("--source", flags->source, "Only this feed id or outlet name (exact)");
  cmd->add_option("--since", flags->since,
                  "Articles at or after this UTC date/time (ISO 8601: 2026-01-28, "
                  "2026-01-28T09:30:00Z); an article's time is its published time, else when "
                  "it was fetched");
  cmd->add_option("--until", flags->until, "Articles before this UTC date/time (ISO 8601)");
}

Result<MatchQuery> MatchQueryFromFlags(const ArticleFilterFlags& flags) {
  MatchQuery q;
  if (!flags.watchlist.empty()) q.watchlist_id = flags.watchlist;
  if (!flags.match.empty()) q.target_id = flags.match;
  if (!flags.language.empty()) q.language = flags.language;
  if (!flags.source.empty()) q.source = flags.source;
  Result<std::optional<int64_t>> since = ParseTimeFlag(flags.since, "--since");
  if (!since.ok()) return since.status();
  Result<std::optional<int64_t>> until = ParseTimeFlag(flags.until, "--until");
  if (!until.ok()) return until.status();
  if (*since && *until && **since >= **until) {
    return Status::InvalidArgument("--since " + flags.since + " is not before --until " +
                                   flags.until + ": no article can match");
  }
  q.since = *since;
  q.until = *until;
  return q;
}

// `db_dir` is any store location (a directory or a PostgreSQL URI).
std::unique_ptr<Store> OpenStoreForReading(const std::string& db_dir, spdlog::logger& log) {
  StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  Result<std::unique_ptr<Store>> store = OpenStoreAt(db_dir, options);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", StoreDisplayName(db_dir), store.status().ToString());
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace mw
