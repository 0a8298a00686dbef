#include "report/json_fields.h"

#include <cstdio>

#include "parsers/date.h"

namespace mw::report_internal {

nlohmann::json MatchesJson(const std::vector<MatchRecord>& matches) {
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
  return ms;
}

nlohmann::json ArticleSummaryJson(const ArticleRecord& a, int64_t time, size_t cluster_size,
                                  const std::vector<MatchRecord>& matches) {
  nlohmann::json j;
  j["id"] = a.id;
  j["url"] = a.url;
  j["title"] = a.title;
  j["source"] = a.source;
  j["feed"] = a.feed_id;
  j["language"] = a.language;
  j["published"] = a.published ? nlohmann::json(FormatIso8601Utc(*a.published)) : nlohmann::json();
  j["fetched_at"] = FormatIso8601Utc(a.fetched_at);
  j["time"] = FormatIso8601Utc(time);
  j["cluster"] = a.cluster_id.empty() ? nlohmann::json() : nlohmann::json(a.cluster_id);
  j["cluster_size"] = cluster_size;
  j["matches"] = MatchesJson(matches);
  return j;
}

void AddArticleDetailsJson(const ArticleRecord& a, nlohmann::json* j) {
  (*j)["fetched_url"] = a.fetched_url;
  (*j)["byline"] = a.byline;
  (*j)["charset"] = a.charset;
  (*j)["simhash"] = a.simhash == 0 ? nlohmann::json() : nlohmann::json(SimHashHex(a.simhash));
  (*j)["text"] = a.text;
}

std::string DumpJson(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json StatsJson(const StoreStats& s) {
  nlohmann::json j;
  j["schema_version"] = s.schema_version;
  j["disk_bytes"] = s.disk_bytes;
  j["articles"] = s.articles;
  j["matches"] = s.matches;
  j["feeds"] = s.feeds;
  j["alerts_pending"] = s.alerts_pending;
  j["per_feed"] = nlohmann::json::object();
  for (const auto& [name, count] : s.articles_per_feed) j["per_feed"][name] = count;
  j["per_language"] = nlohmann::json::object();
  for (const auto& [name, count] : s.articles_per_language) j["per_language"][name] = count;
  j["per_watchlist"] = nlohmann::json::object();
  for (const auto& [watchlist, count] : s.articles_per_watchlist) {
    j["per_watchlist"][watchlist] = {{"articles", count}, {"targets", nlohmann::json::object()}};
  }
  for (const auto& [key, count] : s.articles_per_target) {
    j["per_watchlist"][key.first]["targets"][key.second] = count;
  }
  return j;
}

std::string SimHashHex(uint64_t simhash) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(simhash));
  return hex;
}

}  // namespace mw::report_internal
