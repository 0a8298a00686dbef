// mediawatch/watch/watchlist.h
//
// Watch-lists: named sets of entities (people, organisations: several names
// each, in any script) and keywords (topics: several terms each). Loaded from
// TOML files; the format is documented in docs/watchlists.md:
//
//   id = "guan-heng-case"
//   name = "Guan Heng case"
//   [[entity]]
//   id = "guan-heng"
//   names = ["Guan Heng", "关恒", "گۇەن خېڭ"]
//   [[keyword]]
//   id = "xinjiang"
//   terms = ["Xinjiang", "新疆"]
//   [[rule]]
//   id = "guan-heng-xinjiang"
//   query = 'guan-heng AND xinjiang'
//
// Loading is strict: unknown keys, wrong types, empty or duplicate ids are
// errors naming the file and line. Rule queries are parsed when the list is
// loaded (watch/query.h): syntax errors, unknown ids and reference cycles are
// errors too. Thread safety: values only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw {

enum class TargetKind { kEntity, kKeyword };
std::string_view TargetKindName(TargetKind kind);  // "entity" / "keyword"

// One name or term as written in the list, with its matching options.
// In TOML a term is a string, or an inline table
// { text = "Müller", fold_diacritics = true, word_guard = true }.
struct WatchTerm {
  std::string text;  // as written (never empty)
  // Latin: also match without diacritics ("Müller" finds "Muller").
  // Default: the target's setting (false).
  bool fold_diacritics = false;
  // Chinese: reject a match that straddles ICU word boundaries
  // ("关恒" inside "有关恒大" = "有关 / 恒大"). Default: the target's (false).
  bool word_guard = false;
  // Match only when the original text has exactly this spelling, letter
  // case included ("ICE" the agency, not "ice"). Default: the target's (false).
  bool case_sensitive = false;
  int line = 0;  // line in the source file (0 when unknown)
};

struct WatchTarget {
  TargetKind kind = TargetKind::kEntity;
  std::string id;                // [a-z0-9][a-z0-9-_]* unique within the watch-list
  std::string name;              // display name (defaults to the first term)
  std::vector<WatchTerm> terms;  // names (entity) or terms (keyword), as written
  // Entities: multi-word names in spaced scripts also match with the last
  // word first ("Guan Heng" -> "Heng Guan"). Default: false.
  bool swap_name_order = false;
  // Phrases that cancel a hit of this target lying inside them: "ياز لاگېرى"
  // (summer camp) for a term لاگېر (camp), "驱逐舰" (destroyer) for 驱逐.
  // Folded and matched like terms. Default: none.
  std::vector<WatchTerm> exclude;
  int line = 0;  // line of the [[entity]]/[[keyword]] header (0 when unknown)
};

// A boolean combination of the list's entity/keyword ids (and of other
// rules), written in the query language of watch/query.h:
//   guan-heng AND (deportation OR asylum) AND NOT sports
struct WatchRule {
  std::string id;     // shares the namespace of entity and keyword ids
  std::string name;   // display name (defaults to id)
  std::string query;  // as written; validated when the list is loaded
  int line = 0;       // line of the [[rule]] header (0 when unknown)
};

struct Watchlist {
  std::string id;    // [a-z0-9][a-z0-9-_]*
  std::string name;  // display name (defaults to id)
  std::string description;
  std::string source;                // file it was loaded from ("" when parsed from a string)
  std::vector<WatchTarget> targets;  // entities, then keywords, each in file order
  std::vector<WatchRule> rules;      // in file order; OrderRules() gives the evaluation order
};

struct WatchlistLimits {
  size_t max_file_bytes = 4u << 20;  // Default: 4 MiB
  size_t max_targets = 10000;        // Default: 10,000 entities + keywords
  size_t max_terms = 1000;           // per target. Default: 1,000
  size_t max_term_bytes = 512;       // Default: 512 bytes (also bounds rule phrases)
  size_t max_rules = 1000;           // [[rule]] tables per file. Default: 1,000
  size_t max_query_bytes = 4096;     // per rule query. Default: 4 KiB
};

// Parses watch-list TOML. `source_name` is used in error messages
// ("guan-heng.toml:12: entity #2 'x': 'names' must be a non-empty array ...",
// "guan-heng.toml:40: rule 'y': column 13: unknown id 'asylm' ...").
// Errors: kInvalidArgument.
Result<Watchlist> ParseWatchlist(std::string_view toml_text, std::string_view source_name,
                                 const WatchlistLimits& limits = {});

Result<Watchlist> LoadWatchlistFile(const std::filesystem::path& path,
                                    const WatchlistLimits& limits = {});

// Loads every *.toml in `dir` (sorted by name). A missing directory yields an
// empty list; duplicate watch-list ids across files are an error.
Result<std::vector<Watchlist>> LoadWatchlistDir(const std::filesystem::path& dir,
                                                const WatchlistLimits& limits = {});

}  // namespace mw
