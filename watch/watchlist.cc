#include "watch/watchlist.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "base/config_files.h"

namespace mw {
namespace {

std::string Where(std::string_view source, const toml::source_region& region) {
  std::string out(source);
  if (region.begin.line > 0) out += ":" + std::to_string(region.begin.line);
  return out;
}

Status Error(std::string_view source, const toml::node* node, const std::string& message) {
  std::string where = node ? Where(source, node->source()) : std::string(source);
  return Status::InvalidArgument(where + ": " + message);
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

Result<WatchTarget> ParseTarget(std::string_view source, const toml::table& table, TargetKind kind,
                                size_t index, const WatchlistLimits& limits) {
  std::string_view terms_key = kind == TargetKind::kEntity ? "names" : "terms";
  std::string what = std::string(TargetKindName(kind)) + " #" + std::to_string(index + 1);
  MW_RETURN_IF_ERROR(CheckKeys(source, table, {"id", "name", terms_key, "notes"}, what));
  WatchTarget target;
  target.kind = kind;
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

  const toml::node* terms = table.get(terms_key);
  if (terms == nullptr || !terms->is_array() || terms->as_array()->empty()) {
    return Error(source, terms ? terms : &table,
                 what + ": '" + std::string(terms_key) + "' must be a non-empty array of strings");
  }
  const toml::array& arr = *terms->as_array();
  if (arr.size() > limits.max_terms) {
    return Error(source, terms,
                 what + ": more than " + std::to_string(limits.max_terms) + " terms");
  }
  for (const toml::node& t : arr) {
    if (!t.is_string()) {
      return Error(source, &t,
                   what + ": '" + std::string(terms_key) + "' must contain only strings");
    }
    std::string term(t.as_string()->get());
    bool blank = std::all_of(term.begin(), term.end(),
                             [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n'; });
    if (blank) return Error(source, &t, what + ": empty term");
    if (term.size() > limits.max_term_bytes) {
      return Error(source, &t,
                   what + ": term longer than " + std::to_string(limits.max_term_bytes) + " bytes");
    }
    target.terms.push_back(
        {.text = std::move(term), .line = static_cast<int>(t.source().begin.line)});
  }
  target.name = name->empty() ? target.terms.front().text : *name;
  return target;
}

Status ParseTargets(std::string_view source, const toml::table& root, std::string_view key,
                    TargetKind kind, const WatchlistLimits& limits, Watchlist* out) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return Status::Ok();
  if (!node->is_array_of_tables()) {
    return Error(
        source, node,
        "'" + std::string(key) + "' must be written as [[" + std::string(key) + "]] tables");
  }
  size_t index = 0;
  for (const toml::node& element : *node->as_array()) {
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
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(Where(source_name, e.source()) + ": " +
                                   std::string(e.description()));
  }
  MW_RETURN_IF_ERROR(CheckKeys(source_name, root,
                               {"id", "name", "description", "entity", "keyword", "notes"},
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
  std::set<std::string> seen;
  for (const WatchTarget& t : list.targets) {
    if (!seen.insert(t.id).second) {
      return Status::InvalidArgument(std::string(source_name) + ": duplicate target id '" + t.id +
                                     "' (entity and keyword ids share one namespace)");
    }
  }
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
