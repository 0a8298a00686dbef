#include "watch/watchlist.h"

#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "base/config_files.h"
#include "base/toml_util.h"
#include "watch/query.h"

namespace mw {
namespace {

Status Error(std::string_view source, const toml::node* node, const std::string& message) {
  return TomlError(source, node, message);
}

Status CheckKeys(std::string_view source, const toml::table& table,
                 std::initializer_list<std::string_view> allowed, std::string_view what) {
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Error(source, &node,
                   "unknown key '" + std::string(key.str()) + "' in " + std::string(what) +
                       " (allowed: " + list + ")");
    }
  }
  return Status::Ok();
}

// Reads an optional string key; missing -> "" .
Result<std::string> OptionalString(std::string_view source, const toml::table& table,
                                   std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::string();
  if (!node->is_string()) return Error(source, node, "'" + std::string(key) + "' must be a string");
  return std::string(node->as_string()->get());
}

// Reads an optional boolean key; missing -> `fallback`.
Result<bool> OptionalBool(std::string_view source, const toml::table& table, std::string_view key,
                          bool fallback, std::string_view what) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_boolean()) {
    return Error(source, node,
                 std::string(what) + ": '" + std::string(key) + "' must be true or false");
  }
  return node->as_boolean()->get();
}

int LineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
}

// One element of names/terms: "text" or { text = "...", fold_diacritics = ..,
// word_guard = .. }. `defaults` carries the target's options.
Result<WatchTerm> ParseTerm(std::string_view source, const toml::node& node,
                            const WatchTerm& defaults, std::string_view terms_key,
                            const std::string& what, const WatchlistLimits& limits) {
  WatchTerm term = defaults;
  term.line = LineOf(node);
  const toml::node* text = &node;
  if (const toml::table* table = node.as_table()) {
    MW_RETURN_IF_ERROR(CheckKeys(source, *table,
                                 {"text", "fold_diacritics", "word_guard", "case_sensitive"},
                                 "a term of " + what));
    text = table->get("text");
    if (text == nullptr) return Error(source, &node, what + ": term table needs 'text'");
    if (!text->is_string()) return Error(source, text, what + ": term 'text' must be a string");
    auto fold = OptionalBool(source, *table, "fold_diacritics", defaults.fold_diacritics, what);
    if (!fold.ok()) return fold.status();
    auto guard = OptionalBool(source, *table, "word_guard", defaults.word_guard, what);
    if (!guard.ok()) return guard.status();
    auto exact = OptionalBool(source, *table, "case_sensitive", defaults.case_sensitive, what);
    if (!exact.ok()) return exact.status();
    term.fold_diacritics = *fold;
    term.word_guard = *guard;
    term.case_sensitive = *exact;
  } else if (!node.is_string()) {
    return Error(source, &node,
                 what + ": '" + std::string(terms_key) +
                     "' must contain only strings or { text = \"...\" } tables");
  }
  term.text = std::string(text->as_string()->get());
  if (IsBlank(term.text)) return Error(source, text, what + ": empty term");
  if (term.text.size() > limits.max_term_bytes) {
    return Error(source, text,
                 what + ": term longer than " + std::to_string(limits.max_term_bytes) + " bytes");
  }
  return term;
}

Result<WatchTarget> ParseTarget(std::string_view source, const toml::table& table, TargetKind kind,
                                size_t index, const WatchlistLimits& limits) {
  std::string_view terms_key = kind == TargetKind::kEntity ? "names" : "terms";
  std::string what = std::string(TargetKindName(kind)) + " #" + std::to_string(index + 1);
  if (kind == TargetKind::kKeyword) {
    if (const toml::node* swap = table.get("swap_name_order")) {
      return Error(source, swap,
                   what + ": 'swap_name_order' applies only to [[entity]] names, not keywords");
    }
    MW_RETURN_IF_ERROR(CheckKeys(source, table,
                                 {"id", "name", "terms", "notes", "fold_diacritics", "word_guard",
                                  "case_sensitive", "exclude"},
                                 what));
  } else {
    MW_RETURN_IF_ERROR(CheckKeys(source, table,
                                 {"id", "name", "names", "notes", "swap_name_order",
                                  "fold_diacritics", "word_guard", "case_sensitive", "exclude"},
                                 what));
  }
  WatchTarget target;
  target.kind = kind;
  target.line = LineOf(table);
  auto id = OptionalString(source, table, "id");
  if (!id.ok()) return id.status();
  if (!IsValidId(*id)) {
    return Error(
        source, &table,
        what + ": 'id' is required and must match [a-z0-9][a-z0-9_-]* (got '" + *id + "')");
  }
  target.id = *id;
  what += " '" + target.id + "'";
  auto name = OptionalString(source, table, "name");
  if (!name.ok()) return name.status();
  auto notes = OptionalString(source, table, "notes");
  if (!notes.ok()) return notes.status();
  auto swap = OptionalBool(source, table, "swap_name_order", false, what);
  if (!swap.ok()) return swap.status();
  target.swap_name_order = *swap;
  WatchTerm defaults;
  auto fold = OptionalBool(source, table, "fold_diacritics", false, what);
  if (!fold.ok()) return fold.status();
  defaults.fold_diacritics = *fold;
  auto guard = OptionalBool(source, table, "word_guard", false, what);
  if (!guard.ok()) return guard.status();
  defaults.word_guard = *guard;
  auto exact = OptionalBool(source, table, "case_sensitive", false, what);
  if (!exact.ok()) return exact.status();
  defaults.case_sensitive = *exact;
  if (const toml::node* exclude = table.get("exclude")) {
    if (!exclude->is_array()) {
      return Error(source, exclude,
                   what + ": 'exclude' must be an array of strings or { text = \"...\" } tables");
    }
    if (exclude->as_array()->size() > limits.max_terms) {
      return Error(source, exclude,
                   what + ": more than " + std::to_string(limits.max_terms) + " exclusions");
    }
    for (const toml::node& t : *exclude->as_array()) {
      auto term = ParseTerm(source, t, defaults, "exclude", what, limits);
      if (!term.ok()) return term.status();
      target.exclude.push_back(std::move(term).value());
    }
  }

  const toml::node* terms = table.get(terms_key);
  if (terms == nullptr || !terms->is_array() || terms->as_array()->empty()) {
    return Error(source, terms ? terms : &table,
                 what + ": '" + std::string(terms_key) +
                     "' must be a non-empty array of strings or { text = \"...\" } tables");
  }
  const toml::array& arr = *terms->as_array();
  if (arr.size() > limits.max_terms) {
    return Error(source, terms,
                 what + ": more than " + std::to_string(limits.max_terms) + " terms");
  }
  for (const toml::node& t : arr) {
    auto term = ParseTerm(source, t, defaults, terms_key, what, limits);
    if (!term.ok()) return term.status();
    target.terms.push_back(std::move(term).value());
  }
  target.name = name->empty() ? target.terms.front().text : *name;
  return target;
}

Result<WatchRule> ParseRule(std::string_view source, const toml::table& table, size_t index,
                            const WatchlistLimits& limits) {
  std::string what = "rule #" + std::to_string(index + 1);
  MW_RETURN_IF_ERROR(CheckKeys(source, table, {"id", "name", "query", "notes"}, what));
  WatchRule rule;
  rule.line = LineOf(table);
  auto id = OptionalString(source, table, "id");
  if (!id.ok()) return id.status();
  if (!IsValidId(*id)) {
    return Error(
        source, &table,
        what + ": 'id' is required and must match [a-z0-9][a-z0-9_-]* (got '" + *id + "')");
  }
  rule.id = *id;
  what = "rule '" + rule.id + "'";
  auto name = OptionalString(source, table, "name");
  if (!name.ok()) return name.status();
  rule.name = name->empty() ? rule.id : *name;
  auto notes = OptionalString(source, table, "notes");
  if (!notes.ok()) return notes.status();
  const toml::node* query = table.get("query");
  if (query == nullptr) return Error(source, &table, what + ": 'query' is required");
  if (!query->is_string()) return Error(source, query, what + ": 'query' must be a string");
  rule.query = std::string(query->as_string()->get());
  if (IsBlank(rule.query)) return Error(source, query, what + ": empty query");
  if (rule.query.size() > limits.max_query_bytes) {
    return Error(source, query,
                 what + ": query longer than " + std::to_string(limits.max_query_bytes) + " bytes");
  }
  return rule;
}

Status ParseTargets(std::string_view source, const toml::table& root, std::string_view key,
                    TargetKind kind, const WatchlistLimits& limits, Watchlist* out) {
  auto array = TomlTableArray(source, root, key);
  if (!array.ok()) return array.status();
  if (*array == nullptr) return Status::Ok();
  size_t index = 0;
  for (const toml::node& element : **array) {
    auto target = ParseTarget(source, *element.as_table(), kind, index++, limits);
    if (!target.ok()) return target.status();
    out->targets.push_back(std::move(target).value());
    if (out->targets.size() > limits.max_targets) {
      return Error(source, &element,
                   "more than " + std::to_string(limits.max_targets) + " targets");
    }
  }
  return Status::Ok();
}

Status ParseRules(std::string_view source, const toml::table& root, const WatchlistLimits& limits,
                  Watchlist* out) {
  auto array = TomlTableArray(source, root, "rule");
  if (!array.ok()) return array.status();
  if (*array == nullptr) return Status::Ok();
  size_t index = 0;
  for (const toml::node& element : **array) {
    if (index >= limits.max_rules) {
      return Error(source, &element, "more than " + std::to_string(limits.max_rules) + " rules");
    }
    auto rule = ParseRule(source, *element.as_table(), index++, limits);
    if (!rule.ok()) return rule.status();
    out->rules.push_back(std::move(rule).value());
  }
  return Status::Ok();
}

// Ids of entities, keywords and rules share one namespace.
Status CheckUniqueIds(const Watchlist& list) {
  std::map<std::string_view, std::string> seen;  // id -> "entity at line N"
  auto at = [&](std::string_view what, int line) {
    std::string where = list.source;
    if (line > 0) where += ":" + std::to_string(line);
    return std::pair<std::string, std::string>(
        where, std::string(what) + (line > 0 ? " at line " + std::to_string(line) : ""));
  };
  for (const WatchTarget& t : list.targets) {
    auto [where, what] = at(TargetKindName(t.kind), t.line);
    auto [it, inserted] = seen.emplace(t.id, what);
    if (!inserted) {
      return Status::InvalidArgument(where + ": duplicate target id '" + t.id + "' (already the " +
                                     it->second +
                                     "; entity, keyword and rule ids share one namespace)");
    }
  }
  for (const WatchRule& r : list.rules) {
    auto [where, what] = at("rule", r.line);
    auto [it, inserted] = seen.emplace(r.id, what);
    if (!inserted) {
      return Status::InvalidArgument(where + ": duplicate id '" + r.id + "': rule, already the " +
                                     it->second +
                                     " (entity, keyword and rule ids share one namespace)");
    }
  }
  return Status::Ok();
}

// Parses every rule's query against the list's ids and refuses reference
// cycles; the loader keeps only the text (the matcher compiles it again).
Status ValidateRules(const Watchlist& list, const WatchlistLimits& limits) {
  if (list.rules.empty()) return Status::Ok();
  QueryLimits query_limits;
  query_limits.max_bytes = limits.max_query_bytes;
  auto queries = ParseRuleQueries(list, query_limits);
  if (!queries.ok()) return queries.status();
  for (size_t i = 0; i < list.rules.size(); ++i) {
    for (const std::string& phrase : (*queries)[i].phrases()) {
      if (phrase.size() > limits.max_term_bytes) {
        return Status::InvalidArgument(list.source + ":" + std::to_string(list.rules[i].line) +
                                       ": rule '" + list.rules[i].id + "': phrase longer than " +
                                       std::to_string(limits.max_term_bytes) + " bytes");
      }
    }
  }
  auto order = OrderRules(list.rules, *queries, list.source);
  return order.ok() ? Status::Ok() : order.status();
}

}  // namespace

std::string_view TargetKindName(TargetKind kind) {
  return kind == TargetKind::kEntity ? "entity" : "keyword";
}

Result<Watchlist> ParseWatchlist(std::string_view toml_text, std::string_view source_name,
                                 const WatchlistLimits& limits) {
  if (toml_text.size() > limits.max_file_bytes) {
    return Status::InvalidArgument(std::string(source_name) + ": file larger than " +
                                   std::to_string(limits.max_file_bytes) + " bytes");
  }
  Result<toml::table> parsed = ParseTomlText(toml_text, source_name);
  if (!parsed.ok()) return parsed.status();
  const toml::table& root = *parsed;
  MW_RETURN_IF_ERROR(CheckKeys(source_name, root,
                               {"id", "name", "description", "entity", "keyword", "rule", "notes"},
                               "watch-list"));
  Watchlist list;
  list.source = std::string(source_name);
  auto id = OptionalString(source_name, root, "id");
  if (!id.ok()) return id.status();
  if (!IsValidId(*id)) {
    return Status::InvalidArgument(std::string(source_name) +
                                   ": top-level 'id' is required and must match "
                                   "[a-z0-9][a-z0-9_-]* (got '" +
                                   *id + "')");
  }
  list.id = *id;
  auto name = OptionalString(source_name, root, "name");
  if (!name.ok()) return name.status();
  list.name = name->empty() ? list.id : *name;
  auto description = OptionalString(source_name, root, "description");
  if (!description.ok()) return description.status();
  list.description = *description;
  auto notes = OptionalString(source_name, root, "notes");
  if (!notes.ok()) return notes.status();

  MW_RETURN_IF_ERROR(ParseTargets(source_name, root, "entity", TargetKind::kEntity, limits, &list));
  MW_RETURN_IF_ERROR(
      ParseTargets(source_name, root, "keyword", TargetKind::kKeyword, limits, &list));
  if (list.targets.empty()) {
    return Status::InvalidArgument(std::string(source_name) +
                                   ": a watch-list needs at least one [[entity]] or [[keyword]]");
  }
  MW_RETURN_IF_ERROR(ParseRules(source_name, root, limits, &list));
  MW_RETURN_IF_ERROR(CheckUniqueIds(list));
  MW_RETURN_IF_ERROR(ValidateRules(list, limits));
  return list;
}

Result<Watchlist> LoadWatchlistFile(const std::filesystem::path& path,
                                    const WatchlistLimits& limits) {
  auto text = ReadConfigFile(path, limits.max_file_bytes);
  if (!text.ok()) return text.status();
  return ParseWatchlist(*text, path.string(), limits);
}

Result<std::vector<Watchlist>> LoadWatchlistDir(const std::filesystem::path& dir,
                                                const WatchlistLimits& limits) {
  std::vector<Watchlist> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  auto files = ListConfigFiles(dir, ".toml");
  if (!files.ok()) return files.status();
  std::set<std::string> ids;
  for (const auto& file : *files) {
    auto list = LoadWatchlistFile(file, limits);
    if (!list.ok()) return list.status();
    if (!ids.insert(list->id).second) {
      return Status::InvalidArgument(file.string() + ": watch-list id '" + list->id +
                                     "' is already used by another file");
    }
    out.push_back(std::move(list).value());
  }
  return out;
}

}  // namespace mw
