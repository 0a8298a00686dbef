// mediawatch/report/json_fields.h — report's JSON building blocks, for report/,
// server/ and app/.
//
// The JSON objects that describe an article, shared by `query --format
// jsonl`, `export`, `article --json` and the JSON API of `serve` so that one
// field has one spelling and one meaning everywhere (schema in README.md and
// docs/api.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/store.h"

namespace mw::report_internal {

// [{"watchlist","target","kind","term","field","count","snippet"}, ...]
nlohmann::json MatchesJson(const std::vector<MatchRecord>& matches);

// The query JSONL object: "id","url","title","source","feed","language",
// "published" (null when unknown),"fetched_at","time","cluster" (null without
// a fingerprint),"cluster_size","matches". `time` is published, else fetched.
nlohmann::json ArticleSummaryJson(const ArticleRecord& a, int64_t time, size_t cluster_size,
                                  const std::vector<MatchRecord>& matches);

// Adds the rest of the record to a summary: "fetched_url","byline",
// "charset","simhash" (16 hex digits, null when none) and "text".
void AddArticleDetailsJson(const ArticleRecord& a, nlohmann::json* j);

// Serializes without throwing: text from pages may hold invalid UTF-8, which
// becomes U+FFFD. indent < 0: one line.
std::string DumpJson(const nlohmann::json& j, int indent);

// The StoreStats as one object: "schema_version","disk_bytes","articles",
// "matches","feeds","alerts_pending","per_feed":{feed:n},"per_language":
// {tag:n} ("" = unknown),"per_watchlist":{id:{"articles":n,"targets":
// {target:n}}}.
nlohmann::json StatsJson(const StoreStats& s);

// "0123456789abcdef" for a SimHash.
std::string SimHashHex(uint64_t simhash);

}  // namespace mw::report_internal
