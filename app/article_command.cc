// `mediawatch article --db DIR ID|URL [--json]`: one stored article — its
// metadata, text, matches and the other members of its syndication cluster.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.h"
#include "parsers/date.h"
#include "parsers/url.h"
#include "storage/store.h"

namespace mw {
namespace {

// Cluster members listed at most (the count is still shown in full).
constexpr size_t kMaxMembersShown = 200;

struct ArticleFlags {
  std::string db_dir;
  std::string key;  // article id (16 hex digits) or URL
  bool json = false;
};

bool LooksLikeId(const std::string& key) {
  if (key.size() != 16) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The article's matches: a point query on its own time, then picked by id
// (an article's matches share its time key, so this reads a few keys).
Result<std::vector<MatchRecord>> MatchesOf(Store& store, const ArticleRecord& a) {
  MatchQuery q;
  const int64_t time = a.published.value_or(a.fetched_at);
  q.since = time;
  q.until = time + 1;
  q.limit = 100000;
  Result<std::vector<MatchHit>> hits = store.QueryMatches(q);
  if (!hits.ok()) return hits.status();
  for (MatchHit& hit : *hits) {
    if (hit.article.id == a.id) return std::move(hit.matches);
  }
  return std::vector<MatchRecord>();
}

std::string TimeText(const ArticleRecord& a) {
  return FormatIso8601Utc(a.published.value_or(a.fetched_at));
}

std::string FormatText(const ArticleRecord& a, const std::vector<MatchRecord>& matches,
                       const std::vector<ArticleRecord>& members, size_t cluster_size) {
  std::string out;
  auto line = [&](const char* label, const std::string& value) {
    if (!value.empty()) out += std::string(label) + value + "\n";
  };
  line("Title:     ", a.title);
  line("URL:       ", a.url);
  if (a.fetched_url != a.url) line("From URL:  ", a.fetched_url);
  line("Id:        ", a.id);
  line("Source:    ", a.source + (a.feed_id.empty() ? "" : " (" + a.feed_id + ")"));
  line("Language:  ", a.language);
  line("Byline:    ", a.byline);
  line("Published: ", a.published ? FormatIso8601Utc(*a.published) : "(unknown)");
  line("Fetched:   ", FormatIso8601Utc(a.fetched_at));
  line("Charset:   ", a.charset);
  if (a.simhash != 0) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(a.simhash));
    line("SimHash:   ", hex);
  }
  out += "\nMATCHES (" + std::to_string(matches.size()) + ")\n";
  if (matches.empty()) out += "  (none)\n";
  for (const MatchRecord& m : matches) {
    out += "  " + m.watchlist_id + "/" + m.target_id + " " + m.kind +
           (m.term.empty() ? "" : " \"" + m.term + "\"") + " in " + m.field + ", " +
           std::to_string(m.count) + "x";
    if (!m.snippet.empty()) out += ": " + m.snippet;
    out += "\n";
  }
  out += "\nCLUSTER";
  if (a.cluster_id.empty()) {
    out += "\n  (no fingerprint: text too short, or stored before clustering)\n";
  } else {
    out += " " + a.cluster_id + " (" + std::to_string(cluster_size) +
           (cluster_size == 1 ? " article" : " articles") + ", oldest first)\n";
    for (const ArticleRecord& m : members) {
      out += std::string(m.id == a.id ? "* " : "  ") + TimeText(m) + "  " +
             (m.source.empty() ? m.feed_id : m.source) + "  " + m.title + "  " + m.url + "\n";
    }
    if (members.size() < cluster_size) {
      out += "  ... " + std::to_string(cluster_size - members.size()) + " more\n";
    }
  }
  out += "\nTEXT\n" + a.text;
  if (!a.text.empty() && a.text.back() != '\n') out += "\n";
  return out;
}

std::string FormatJson(const ArticleRecord& a, const std::vector<MatchRecord>& matches,
                       const std::vector<ArticleRecord>& members, size_t cluster_size) {
  nlohmann::json j;
  j["id"] = a.id;
  j["url"] = a.url;
  j["fetched_url"] = a.fetched_url;
  j["title"] = a.title;
  j["source"] = a.source;
  j["feed"] = a.feed_id;
  j["language"] = a.language;
  j["byline"] = a.byline;
  j["charset"] = a.charset;
  j["published"] = a.published ? nlohmann::json(FormatIso8601Utc(*a.published)) : nlohmann::json();
  j["fetched_at"] = FormatIso8601Utc(a.fetched_at);
  j["time"] = TimeText(a);
  j["text"] = a.text;
  j["cluster"] = a.cluster_id.empty() ? nlohmann::json() : nlohmann::json(a.cluster_id);
  j["cluster_size"] = cluster_size;
  nlohmann::json ms = nlohmann::json::array();
  for (const MatchRecord& m : matches) {
    ms.push_back({{"watchlist", m.watchlist_id},
                  {"target", m.target_id},
                  {"kind", m.kind},
                  {"term", m.term},
                  {"field", m.field},
                  {"count", m.count},
                  {"snippet", m.snippet}});
  }
  j["matches"] = std::move(ms);
  nlohmann::json cs = nlohmann::json::array();
  for (const ArticleRecord& m : members) {
    cs.push_back({{"id", m.id},
                  {"url", m.url},
                  {"title", m.title},
                  {"source", m.source},
                  {"feed", m.feed_id},
                  {"language", m.language},
                  {"time", TimeText(m)}});
  }
  j["cluster_members"] = std::move(cs);
  // Page text may hold invalid UTF-8: never let dump() throw.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int CmdArticle(const ArticleFlags& flags, spdlog::logger& log) {
  StoreOptions so;
  so.read_only = true;
  so.create_if_missing = false;
  auto store = OpenRocksStore(flags.db_dir, so);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.db_dir, store.status().ToString());
    return kExitFailure;
  }
  std::string id = flags.key;
  if (!LooksLikeId(flags.key)) {
    Result<std::string> canonical = CanonicalizeUrl(flags.key);
    if (!canonical.ok()) {
      log.error("'{}' is neither an article id (16 hex digits) nor a URL: {}", flags.key,
                canonical.status().message());
      return kExitUsage;
    }
    id = ArticleIdForUrl(*canonical);
  }
  Result<std::optional<ArticleRecord>> article = (*store)->GetArticle(id);
  if (!article.ok()) {
    log.error("reading article {}: {}", id, article.status().ToString());
    return kExitFailure;
  }
  if (!article->has_value()) {
    log.error("no article {} in {}", flags.key, flags.db_dir);
    return kExitFailure;
  }
  const ArticleRecord& a = **article;
  Result<std::vector<MatchRecord>> matches = MatchesOf(**store, a);
  if (!matches.ok()) {
    log.error("reading matches of {}: {}", id, matches.status().ToString());
    return kExitFailure;
  }
  std::vector<ArticleRecord> members;
  size_t cluster_size = 0;
  if (!a.cluster_id.empty()) {
    // The full count (bounded like query's), then the first members shown.
    Result<std::vector<ArticleRecord>> all =
        (*store)->ClusterMembers(a.cluster_id, kMaxClusterSizeCount);
    if (!all.ok()) {
      log.error("reading cluster {}: {}", a.cluster_id, all.status().ToString());
      return kExitFailure;
    }
    cluster_size = all->size();
    if (all->size() > kMaxMembersShown) all->resize(kMaxMembersShown);
    members = std::move(all).value();
  }
  const std::string out = flags.json ? FormatJson(a, *matches, members, cluster_size)
                                     : FormatText(a, *matches, members, cluster_size);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddArticleCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<ArticleFlags>();
  auto* cmd = app.add_subcommand(
      "article", "One stored article: metadata, text, matches and its syndication cluster.");
  cmd->add_option("--db", flags->db_dir, "Database directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("article", flags->key, "Article id (16 hex digits) or its URL")->required();
  cmd->add_flag("--json", flags->json, "One JSON object instead of text");
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdArticle(*flags, log); }});
}

}  // namespace mw
