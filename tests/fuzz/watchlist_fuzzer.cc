// Fuzz target: ParseWatchlist (watch/watchlist.h), watch-list TOML files.
//
// Input: the TOML text.
//
// Invariants when the list loads (watchlist.h, docs/watchlists.md):
//   - ids match [a-z0-9][a-z0-9-_]*, entity/keyword/rule ids are unique,
//     names are never empty (they default to the id / first term);
//   - targets list entities before keywords; every target has terms, every
//     term is non-empty valid UTF-8 within max_term_bytes; the counts are
//     within the limits;
//   - the rules were validated at load: ParseRuleQueries and OrderRules
//     succeed, OrderRules is a permutation, and each rule's canonical form
//     parses back to itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_check.h"
#include "watch/query.h"
#include "watch/watchlist.h"

namespace {

using mw::fuzz::IsValidUtf8;

bool IsId(std::string_view id) {
  if (id.empty()) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id.front())) return false;
  return std::all_of(id.begin(), id.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_'; });
}

void CheckTerm(const mw::WatchTerm& t, const mw::WatchlistLimits& limits) {
  MW_FUZZ_CHECK(!t.text.empty());
  MW_FUZZ_CHECK(t.text.size() <= limits.max_term_bytes);
  MW_FUZZ_CHECK(IsValidUtf8(t.text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view toml(reinterpret_cast<const char*>(data), size);
  const mw::WatchlistLimits limits;
  mw::Result<mw::Watchlist> list = mw::ParseWatchlist(toml, "fuzz.toml", limits);
  if (!list.ok()) {
    MW_FUZZ_CHECK(list.status().code() == mw::StatusCode::kInvalidArgument);
    return 0;
  }

  MW_FUZZ_CHECK(IsId(list->id));
  MW_FUZZ_CHECK(!list->name.empty() && IsValidUtf8(list->name));
  MW_FUZZ_CHECK(IsValidUtf8(list->description));
  MW_FUZZ_CHECK(list->targets.size() <= limits.max_targets);
  MW_FUZZ_CHECK(list->rules.size() <= limits.max_rules);

  std::set<std::string> ids;
  bool seen_keyword = false;
  for (const mw::WatchTarget& t : list->targets) {
    MW_FUZZ_CHECK(IsId(t.id));
    MW_FUZZ_CHECK(ids.insert(t.id).second);
    MW_FUZZ_CHECK(!t.name.empty() && IsValidUtf8(t.name));
    if (t.kind == mw::TargetKind::kKeyword) seen_keyword = true;
    MW_FUZZ_CHECK(!(seen_keyword && t.kind == mw::TargetKind::kEntity));
    MW_FUZZ_CHECK(!t.terms.empty());
    MW_FUZZ_CHECK(t.terms.size() <= limits.max_terms);
    for (const mw::WatchTerm& term : t.terms) CheckTerm(term, limits);
    for (const mw::WatchTerm& term : t.exclude) CheckTerm(term, limits);
  }
  for (const mw::WatchRule& r : list->rules) {
    MW_FUZZ_CHECK(IsId(r.id));
    MW_FUZZ_CHECK(ids.insert(r.id).second);
    MW_FUZZ_CHECK(!r.name.empty() && IsValidUtf8(r.name));
    MW_FUZZ_CHECK(r.query.size() <= limits.max_query_bytes);
  }

  mw::Result<std::vector<mw::Query>> queries = mw::ParseRuleQueries(*list);
  MW_FUZZ_CHECK(queries.ok());
  MW_FUZZ_CHECK(queries->size() == list->rules.size());
  mw::Result<std::vector<size_t>> order = mw::OrderRules(list->rules, *queries, list->source);
  MW_FUZZ_CHECK(order.ok());
  std::vector<size_t> sorted = *order;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) MW_FUZZ_CHECK(sorted[i] == i);
  MW_FUZZ_CHECK(sorted.size() == list->rules.size());

  // Canonical forms: the ids are the list's own.
  std::set<std::string, std::less<>> targets;
  std::set<std::string, std::less<>> rules;
  for (const mw::WatchTarget& t : list->targets) targets.insert(t.id);
  for (const mw::WatchRule& r : list->rules) rules.insert(r.id);
  const auto is_target = [&](std::string_view id) { return targets.count(id) > 0; };
  const auto is_rule = [&](std::string_view id) { return rules.count(id) > 0; };
  for (const mw::Query& q : *queries) {
    const std::string canonical = q.ToString();
    mw::Result<mw::Query> again = mw::Query::Parse(canonical, is_target, is_rule);
    MW_FUZZ_CHECK(again.ok());
    MW_FUZZ_CHECK(again->ToString() == canonical);
  }
  return 0;
}
