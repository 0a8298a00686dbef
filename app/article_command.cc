// `mediawatch article --db DIR ID|URL [--json|--html]`: one stored article —
// every URL that leads to it, its metadata, matches, syndication cluster,
// archived page and text (formatted by report/article_output.h).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "parsers/url.h"
#include "report/article_output.h"
#include "storage/store.h"

namespace mw {
namespace {

struct ArticleFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  std::string key;   // article id (16 hex digits) or URL
  bool json = false;
  bool html = false;
  std::string html_cache;  // --html-cache DIR (a PostgreSQL worker's pages)
};

bool LooksLikeId(const std::string& key) {
  if (key.size() != 16) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The article id for `key`: the id itself, else the article stored under the
// canonical form of the URL — as its own URL or as an alias (a feed link or
// redirect that led to a page with another rel=canonical). nullopt when no
// article has the URL.
Result<std::optional<std::string>> ResolveArticleId(Store& store, const std::string& key) {
  if (LooksLikeId(key)) return std::optional<std::string>(key);
  Result<std::string> canonical = CanonicalizeUrl(key);
  if (!canonical.ok()) {
    return Status::InvalidArgument(
        "'" + key +
        "' is neither an article id (16 hex digits) nor a URL: " + canonical.status().message());
  }
  return store.FindArticleIdByUrl(*canonical);
}

int CmdArticle(const ArticleFlags& flags, spdlog::logger& log) {
  std::unique_ptr<Store> store;
  if (flags.html_cache.empty()) {
    store = OpenStoreForReading(flags.store.location, log);
  } else {
    StoreOptions options;
    options.read_only = true;
    options.create_if_missing = false;
    options.raw_html_cache_dir = flags.html_cache;
    Result<std::unique_ptr<Store>> opened = OpenStoreAt(flags.store.location, options);
    if (!opened.ok()) {
      log.error("cannot open database {} with HTML cache {}: {}", flags.store.display,
                flags.html_cache, opened.status().ToString());
      return kExitFailure;
    }
    store = std::move(opened).value();
  }
  if (!store) return kExitFailure;
  Result<std::optional<std::string>> id = ResolveArticleId(*store, flags.key);
  if (!id.ok()) {
    log.error("{}", id.status().message());
    return id.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (!id->has_value()) {
    log.error("no article {} in {}", flags.key, flags.store.display);
    return kExitFailure;
  }
  if (flags.html) {
    // The archived bytes exactly as fetched (any charset): for a browser or
    // a re-extraction, not for a terminal.
    Result<std::optional<std::string>> html = store->GetRawHtml(**id);
    if (!html.ok()) {
      log.error("reading the archived page of {}: {}", **id, html.status().ToString());
      return kExitFailure;
    }
    if (!html->has_value()) {
      Result<std::optional<ArticleRecord>> exists = store->GetArticle(**id);
      const bool stored = exists.ok() && exists->has_value();
      if (stored) {
        log.error(
            "article {} has no archived page (stored without raw HTML{})", flags.key,
            flags.html_cache.empty() && IsServerStore(flags.store.location)
                ? ", or archived in a worker's --html-cache: give it with --html-cache DIR"
                : (flags.html_cache.empty() ? "" : ", or archived in another worker's cache"));
      } else {
        log.error("no article {} in {}", flags.key, flags.store.display);
      }
      return kExitFailure;
    }
    std::fwrite((*html)->data(), 1, (*html)->size(), stdout);
    return kExitOk;
  }
  Result<std::optional<ArticleView>> view = LoadArticleView(*store, **id);
  if (!view.ok()) {
    log.error("{}", view.status().ToString());
    return kExitFailure;
  }
  if (!view->has_value()) {
    log.error("no article {} in {}", flags.key, flags.store.display);
    return kExitFailure;
  }
  const std::string out = flags.json ? FormatArticleJson(**view) : FormatArticleText(**view);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddArticleCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<ArticleFlags>();
  auto* cmd = app.add_subcommand(
      "article",
      "One stored article: its URLs, metadata, matches, syndication cluster, archived page and "
      "text.");
  AddHtmlCacheReadFlags(cmd, &flags->store, &flags->html_cache);
  cmd->add_option("article", flags->key,
                  "Article id (16 hex digits) or any URL that led to it (canonicalized: "
                  "tracking parameters such as utm_* are dropped)")
      ->required();
  auto* json = cmd->add_flag("--json", flags->json, "One JSON object instead of text");
  cmd->add_flag("--html", flags->html,
                "Print the archived page as fetched (raw bytes); exit 1 if none was archived")
      ->excludes(json);
  cmd->footer(
      "Versions: the first fetch, then every edit (with a diff), removal or restoration that "
      "the re-fetches of flagged articles found.");
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdArticle(*flags, log); }});
}

}  // namespace mw
