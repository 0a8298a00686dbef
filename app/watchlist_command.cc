// `mediawatch watchlist check FILE`: loads one watch-list as the crawler
// would, compiles it into the matcher, and explains what it will look for:
// every term with every variant the matcher generated from it (folded form,
// how it was made, boundary rules), and every rule in its canonical,
// fully parenthesised form. With --json, one JSON object.
//
// Exit codes: 0 the watch-list is valid, 1 the file cannot be read (missing,
// a directory, no permission) or the text folder cannot start, 2 the
// watch-list is invalid (TOML syntax, unknown keys, bad ids, rule queries,
// terms that fold to nothing; the message names the file and line).
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "app/cli.h"
#include "app/input.h"
#include "text/normalizer.h"
#include "watch/matcher.h"
#include "watch/query.h"
#include "watch/watchlist.h"

namespace mw {
namespace {

using Json = nlohmann::ordered_json;

struct WatchlistCheckFlags {
  std::string file;
  bool json = false;
};

// "mediawatch watchlist: message" on stderr, unaffected by --quiet: it is the
// command's answer, not a log record.
void PrintError(std::string_view message) {
  std::fprintf(stderr, "mediawatch watchlist: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

// The message of a matcher error, prefixed with the file unless it already
// names it (the loader's and the rule parser's messages do; the matcher's
// term errors name only the watch-list id).
std::string WithFile(const std::string& file, const std::string& message) {
  if (message.rfind(file, 0) == 0) return message;
  return file + ": " + message;
}

// "word start, any suffix, word guard": the boundary rules of a variant, in
// the words of docs/watchlists.md.
std::string BoundaryFlags(const TermVariant& v) {
  std::string out = v.word_start ? "word start" : "any prefix";
  out += v.word_end ? ", word end" : ", any suffix";
  if (v.word_guard) out += ", word guard";
  if (v.strip_diacritics) out += ", diacritics folded";
  return out;
}

// variants()[i] grouped by target and term of the first watch-list: what
// check prints under each term. Variants of rule phrases have no target and
// are left out (the canonical query shows the phrases).
std::vector<std::vector<std::vector<const TermVariant*>>> VariantsByTerm(
    const Watchlist& list, const std::vector<TermVariant>& variants) {
  std::vector<std::vector<std::vector<const TermVariant*>>> out(list.targets.size());
  for (size_t t = 0; t < list.targets.size(); ++t) out[t].resize(list.targets[t].terms.size());
  for (const TermVariant& v : variants) {
    if (v.watchlist != 0 || v.target >= out.size() || v.term >= out[v.target].size()) continue;
    out[v.target][v.term].push_back(&v);
  }
  return out;
}

// A query may span lines in TOML; one line reads better in a listing.
std::string OneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Count(size_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

std::string ReportText(const Watchlist& list, const std::vector<TermVariant>& variants,
                       const std::vector<Query>& queries) {
  const auto by_term = VariantsByTerm(list, variants);
  std::string out = "watch-list " + list.id + ": " + list.name + "\n";
  out += "file: " + list.source + "\n";
  size_t entities = 0;
  size_t keywords = 0;
  size_t terms = 0;
  size_t variant_count = 0;
  for (size_t t = 0; t < list.targets.size(); ++t) {
    const WatchTarget& target = list.targets[t];
    (target.kind == TargetKind::kEntity ? entities : keywords) += 1;
    out += "\n" + std::string(TargetKindName(target.kind)) + " " + target.id + " " +
           Quoted(target.name);
    if (target.line > 0) out += " (line " + std::to_string(target.line) + ")";
    if (target.swap_name_order) out += ", swap_name_order";
    out += "\n";
    for (size_t k = 0; k < target.terms.size(); ++k) {
      ++terms;
      out += "  term " + Quoted(target.terms[k].text) + "\n";
      for (const TermVariant* v : by_term[t][k]) {
        ++variant_count;
        out += "    " + Quoted(v->folded) + "  " + v->how + " [" + BoundaryFlags(*v) + "]\n";
      }
    }
  }
  for (size_t r = 0; r < list.rules.size(); ++r) {
    const WatchRule& rule = list.rules[r];
    out += "\nrule " + rule.id + " " + Quoted(rule.name);
    if (rule.line > 0) out += " (line " + std::to_string(rule.line) + ")";
    out += "\n  query:     " + OneLine(rule.query) + "\n";
    out += "  canonical: " + (r < queries.size() ? queries[r].ToString() : std::string()) + "\n";
  }
  out += "\nvalid: " + Count(entities, "entity", "entities") + ", " +
         Count(keywords, "keyword", "keywords") + ", " + Count(terms, "term", "terms") + ", " +
         Count(variant_count, "variant", "variants") + ", " +
         Count(list.rules.size(), "rule", "rules") + "\n";
  return out;
}

Json ReportJson(const Watchlist& list, const std::vector<TermVariant>& variants,
                const std::vector<Query>& queries) {
  const auto by_term = VariantsByTerm(list, variants);
  Json targets = Json::array();
  for (size_t t = 0; t < list.targets.size(); ++t) {
    const WatchTarget& target = list.targets[t];
    Json terms = Json::array();
    for (size_t k = 0; k < target.terms.size(); ++k) {
      Json out_variants = Json::array();
      for (const TermVariant* v : by_term[t][k]) {
        Json jv;
        jv["folded"] = v->folded;
        jv["how"] = v->how;
        jv["word_start"] = v->word_start;
        jv["word_end"] = v->word_end;
        jv["word_guard"] = v->word_guard;
        jv["strip_diacritics"] = v->strip_diacritics;
        out_variants.push_back(std::move(jv));
      }
      Json jt;
      jt["text"] = target.terms[k].text;
      jt["variants"] = std::move(out_variants);
      terms.push_back(std::move(jt));
    }
    Json jtarget;
    jtarget["id"] = target.id;
    jtarget["kind"] = std::string(TargetKindName(target.kind));
    jtarget["name"] = target.name;
    jtarget["terms"] = std::move(terms);
    targets.push_back(std::move(jtarget));
  }
  Json rules = Json::array();
  for (size_t r = 0; r < list.rules.size(); ++r) {
    Json jr;
    jr["id"] = list.rules[r].id;
    jr["name"] = list.rules[r].name;
    jr["query"] = list.rules[r].query;
    jr["canonical"] = r < queries.size() ? queries[r].ToString() : std::string();
    rules.push_back(std::move(jr));
  }
  Json out;
  out["id"] = list.id;
  out["name"] = list.name;
  out["targets"] = std::move(targets);
  out["rules"] = std::move(rules);
  return out;
}

int CmdWatchlistCheck(const WatchlistCheckFlags& flags) {
  if (std::optional<std::string> reason = UnreadableReason(flags.file)) {
    PrintError(flags.file + ": " + *reason);
    return kExitFailure;
  }
  Result<Watchlist> list = LoadWatchlistFile(flags.file);
  if (!list.ok()) {
    PrintError(list.status().message());
    return kExitUsage;
  }
  // The loader has already parsed the queries; parsing them again here gives
  // the canonical forms.
  Result<std::vector<Query>> queries = ParseRuleQueries(*list);
  if (!queries.ok()) {
    PrintError(queries.status().message());
    return kExitUsage;
  }
  Result<std::unique_ptr<TextNormalizer>> normalizer = TextNormalizer::Create({});
  if (!normalizer.ok()) {
    PrintError(normalizer.status().message());
    return kExitFailure;
  }
  std::vector<Watchlist> lists;
  lists.push_back(std::move(list).value());
  Result<std::unique_ptr<WatchlistMatcher>> matcher =
      WatchlistMatcher::Create(std::move(lists), normalizer->get());
  if (!matcher.ok()) {
    // kInternal (the automaton cannot be built) is ours, not the file's.
    PrintError(WithFile(flags.file, matcher.status().message()));
    return matcher.status().code() == StatusCode::kInternal ? kExitFailure : kExitUsage;
  }
  const Watchlist& loaded = (*matcher)->watchlists().front();
  const std::vector<TermVariant>& variants = (*matcher)->variants();
  std::string out;
  if (flags.json) {
    out = ReportJson(loaded, variants, *queries)
              .dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace) +
          "\n";
  } else {
    out = ReportText(loaded, variants, *queries);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddWatchlistCommand(CLI::App& app, std::vector<Command>* commands) {
  auto* watchlist_cmd = app.add_subcommand("watchlist", "Watch-list tools.");
  watchlist_cmd->require_subcommand(1);
  auto flags = std::make_shared<WatchlistCheckFlags>();
  auto* check = watchlist_cmd->add_subcommand(
      "check",
      "Validate a watch-list file (format: docs/watchlists.md) and list what the matcher\n"
      "will look for: every entity and keyword with each term and every variant generated\n"
      "from it (folded form; how it was made: name order swapped, '·' as a space, Uyghur\n"
      "in the other scripts (ULY/USY/UEY); boundary rules: word start or any prefix, word\n"
      "end or any suffix, word guard, diacritics folded), then every rule with its query\n"
      "and its canonical, fully parenthesised form. Errors name the file and line.\n"
      "With --json, one JSON object: id, name, targets [{id, kind, name, terms [{text,\n"
      "variants [{folded, how, word_start, word_end, word_guard, strip_diacritics}]}]},\n"
      "rules [{id, name, query, canonical}].\n"
      "Exit codes: 0 valid, 1 the file cannot be read, 2 the watch-list is invalid.");
  check->add_option("FILE", flags->file, "The watch-list (TOML, at most 4 MiB)")->required();
  check->add_flag("--json", flags->json, "Print one JSON object instead of a listing");
  commands->push_back({check, [flags](spdlog::logger&) { return CmdWatchlistCheck(*flags); }});
}

}  // namespace mw
