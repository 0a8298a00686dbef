// `mediawatch match --watchlist FILE [FILE|-]`: runs the watch-list matcher
// on one text (or, with --html, on the article extracted from one page) and
// prints every hit with its byte span and the rules that fired; with --json
// one JSON object for scripts.
//
// Exit codes: 0 matched (whether or not anything was found), 1 the input or
// a watch-list file cannot be read (or the page has no article), 2 a
// watch-list is invalid, or two have the same id.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "app/cli.h"
#include "app/input.h"
#include "parsers/article_extractor.h"
#include "parsers/charset.h"
#include "text/normalizer.h"
#include "watch/matcher.h"
#include "watch/watchlist.h"

namespace mw {
namespace {

using Json = nlohmann::ordered_json;

// The largest input read: the extractor's own limit, so that plain text and
// --html accept the same files.
constexpr size_t kMaxInputBytes = 8u << 20;
// Bytes of context on each side of a hit in the listing.
constexpr size_t kContextBytes = 60;

struct MatchFlags {
  std::vector<std::string> watchlists;
  std::string input = "-";
  std::string title;
  bool json = false;
  bool html = false;
};

// Outcome of a step: on failure, the exit code and a one-line reason.
struct Failure {
  int exit_code = kExitFailure;
  std::string reason;
};

// "mediawatch match: message" on stderr, unaffected by --quiet: it is the
// command's answer, not a log record.
void PrintError(std::string_view message) {
  std::fprintf(stderr, "mediawatch match: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

std::optional<Failure> LoadWatchlists(const std::vector<std::string>& files,
                                      std::vector<Watchlist>* out) {
  std::set<std::string> ids;
  for (const std::string& file : files) {
    if (std::optional<std::string> reason = UnreadableReason(file)) {
      return Failure{kExitFailure, file + ": " + *reason};
    }
    Result<Watchlist> list = LoadWatchlistFile(file);
    if (!list.ok()) return Failure{kExitUsage, list.status().message()};
    // Hits and rules are reported by watch-list id: two lists with one id
    // could not be told apart (LoadWatchlistDir refuses them too).
    if (!ids.insert(list->id).second) {
      return Failure{kExitUsage, file + ": watch-list id '" + list->id +
                                     "' is already used by another --watchlist file"};
    }
    out->push_back(std::move(list).value());
  }
  return std::nullopt;
}

std::optional<Failure> ReadInput(const std::string& input, std::string* out) {
  Result<std::string> bytes = ReadInputCapped(
      input, kMaxInputBytes, "the limit of 8 MiB (" + std::to_string(kMaxInputBytes) + " bytes)");
  if (!bytes.ok()) return Failure{kExitFailure, bytes.status().message()};
  *out = std::move(bytes).value();
  return std::nullopt;
}

// Replaces ill-formed UTF-8 with U+FFFD, one per maximal ill-formed
// subsequence (ICU's UTF-8 decoder: the same text that WHATWG decoders and
// Python's errors="replace" produce), so that offsets and snippets refer to
// a text a reader of the output can reproduce, and the JSON is valid UTF-8.
// Valid input is left untouched; a leading BOM, which DecodeWithCharset
// drops, is kept, so valid bytes keep their offsets. Returns how many
// sequences were replaced. O(n).
size_t RepairUtf8Text(std::string* text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  const bool bom = std::string_view(*text).substr(0, kBom.size()) == kBom;
  Result<DecodedText> decoded =
      DecodeWithCharset(std::string_view(*text).substr(bom ? kBom.size() : 0), "utf-8");
  if (!decoded.ok() || decoded->replacements == 0) return 0;  // "utf-8" is always known
  *text = (bom ? std::string(kBom) : std::string()) + decoded->utf8;
  return decoded->replacements;
}

// Moves `pos` back to the start of the UTF-8 sequence it is in.
size_t SequenceStart(std::string_view s, size_t pos) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

// Appends `s` with every run of white space (newlines included) as one space.
void AppendOneLine(std::string_view s, std::string* out) {
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v') {
      space = true;
      continue;
    }
    if (space) *out += ' ';
    space = false;
    *out += c;
  }
  if (space) *out += ' ';
}

// "...before [hit] after...": the hit with up to kContextBytes on each side,
// cut on code point boundaries, on one line.
std::string HitContext(std::string_view field, size_t start, size_t end) {
  if (start > end || end > field.size()) return std::string();
  const size_t from = SequenceStart(field, start > kContextBytes ? start - kContextBytes : 0);
  const size_t to = SequenceStart(field, std::min(field.size(), end + kContextBytes));
  std::string out = from > 0 ? "..." : "";
  AppendOneLine(field.substr(from, start - from), &out);
  out += '[';
  AppendOneLine(field.substr(start, end - start), &out);
  out += ']';
  AppendOneLine(field.substr(end, to - end), &out);
  if (to < field.size()) {
    out += "...";
  } else {
    while (!out.empty() && out.back() == ' ') out.pop_back();  // the field's trailing newline
  }
  return out;
}

// The term of a hit as written in the list ("" if the index is out of range,
// which the matcher does not produce).
std::string_view HitTerm(const std::vector<Watchlist>& lists, const TermMatch& m,
                         const TermHit& hit) {
  for (const Watchlist& list : lists) {
    if (list.id != m.watchlist_id) continue;
    for (const WatchTarget& target : list.targets) {
      if (target.id != m.target_id) continue;
      return hit.term_index < target.terms.size()
                 ? std::string_view(target.terms[hit.term_index].text)
                 : std::string_view();
    }
  }
  return {};
}

Json ResultJson(const MatchResult& result, const std::vector<Watchlist>& lists) {
  Json matches = Json::array();
  for (const TermMatch& m : result.targets) {
    for (const TermHit& hit : m.hits) {
      Json j;
      j["id"] = m.target_id;
      j["watchlist"] = m.watchlist_id;
      j["kind"] = std::string(TargetKindName(m.kind));
      j["term"] = std::string(HitTerm(lists, m, hit));
      j["field"] = hit.in_title ? "title" : "text";
      j["start"] = hit.start;
      j["end"] = hit.end;
      j["snippet"] = m.snippet;
      matches.push_back(std::move(j));
    }
  }
  Json rules = Json::array();
  for (const RuleMatch& r : result.rules) rules.push_back(r.rule_id);
  Json out;
  out["matches"] = std::move(matches);
  out["rules"] = std::move(rules);
  return out;
}

std::string ResultText(const MatchResult& result, const std::vector<Watchlist>& lists,
                       std::string_view title, std::string_view text) {
  // With one watch-list its id is noise; with several, ids may repeat across
  // lists and are qualified.
  const bool qualify = lists.size() > 1;
  std::string out;
  size_t hits = 0;
  for (const TermMatch& m : result.targets) {
    for (const TermHit& hit : m.hits) {
      ++hits;
      out += hit.in_title ? "title " : "text ";
      out += std::to_string(hit.start) + "-" + std::to_string(hit.end) + " ";
      out += qualify ? m.watchlist_id + "/" + m.target_id : m.target_id;
      out += " \"" + std::string(HitTerm(lists, m, hit)) + "\": ";
      out += HitContext(hit.in_title ? title : text, hit.start, hit.end);
      out += '\n';
    }
  }
  if (hits == 0) out += "no matches\n";
  out += "rules:";
  if (result.rules.empty()) out += " none";
  for (size_t i = 0; i < result.rules.size(); ++i) {
    const RuleMatch& r = result.rules[i];
    out += i == 0 ? " " : ", ";
    out += qualify ? r.watchlist_id + "/" + r.rule_id : r.rule_id;
  }
  out += '\n';
  return out;
}

int CmdMatch(const MatchFlags& flags) {
  const std::string display = flags.input == "-" ? std::string("<stdin>") : flags.input;
  // The watch-lists first: a configuration error is reported before stdin is
  // consumed.
  std::vector<Watchlist> lists;
  if (std::optional<Failure> f = LoadWatchlists(flags.watchlists, &lists)) {
    PrintError(f->reason);
    return f->exit_code;
  }
  Result<std::unique_ptr<TextNormalizer>> normalizer = TextNormalizer::Create({});
  if (!normalizer.ok()) {
    PrintError(normalizer.status().message());
    return kExitFailure;
  }
  Result<std::unique_ptr<WatchlistMatcher>> matcher =
      WatchlistMatcher::Create(std::move(lists), normalizer->get());
  if (!matcher.ok()) {
    // kInternal (the automaton cannot be built) is ours, not the lists'.
    PrintError(matcher.status().message());
    return matcher.status().code() == StatusCode::kInternal ? kExitFailure : kExitUsage;
  }

  std::string bytes;
  if (std::optional<Failure> f = ReadInput(flags.input, &bytes)) {
    PrintError(display + ": " + f->reason);
    return f->exit_code;
  }
  std::string title;
  std::string text;
  if (flags.html) {
    Result<DecodedText> decoded = DecodeHtml(bytes, "", kMaxInputBytes);
    if (!decoded.ok()) {
      PrintError(display + ": " + decoded.status().message());
      return kExitFailure;
    }
    Result<ExtractedArticle> article = ExtractArticle(decoded->utf8, "");
    if (!article.ok()) {
      PrintError(display + ": " + article.status().message());
      return kExitFailure;
    }
    title = std::move(article->title);
    text = std::move(article->text);
  } else {
    title = flags.title;
    text = std::move(bytes);
    if (size_t n = RepairUtf8Text(&text); n > 0) {
      PrintError(display + ": " + std::to_string(n) + " invalid UTF-8 sequence" +
                 (n == 1 ? "" : "s") + " replaced with U+FFFD; offsets refer to the repaired text");
    }
    if (size_t n = RepairUtf8Text(&title); n > 0) {
      PrintError("--title: " + std::to_string(n) + " invalid UTF-8 sequence" + (n == 1 ? "" : "s") +
                 " replaced with U+FFFD");
    }
  }

  const MatchResult result = (*matcher)->MatchAll(title, text);
  std::string out;
  if (flags.json) {
    out = ResultJson(result, (*matcher)->watchlists())
              .dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace) +
          "\n";
  } else {
    out = ResultText(result, (*matcher)->watchlists(), title, text);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddMatchCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<MatchFlags>();
  auto* cmd = app.add_subcommand(
      "match",
      "Match watch-lists against one text, as the crawler matches an article's title and\n"
      "text. INPUT is a UTF-8 text file or '-' for stdin (at most 8 MiB); the whole input is\n"
      "the text and --title gives the title. Invalid UTF-8 sequences are replaced with U+FFFD\n"
      "(one per maximal ill-formed sequence, as WHATWG decoders and Python's\n"
      "errors='replace' do), with a warning on stderr. With --html, INPUT is a page: it is\n"
      "decoded (charset from BOM, <meta> or detection) and the article extracted as\n"
      "`mediawatch extract` does; title and text are then the extracted ones.\n"
      "Prints one line per hit: FIELD START-END ID \"TERM\": context, then 'rules: ...'\n"
      "(the rules that fired, or 'none'). With --json, one JSON object:\n"
      "{\"matches\":[{\"id\",\"watchlist\",\"kind\",\"term\",\"field\",\"start\",\"end\","
      "\"snippet\"}],\n"
      "\"rules\":[ids of the rules that fired]}, one match per occurrence (grouped by\n"
      "entity/keyword, title hits first); \"term\" is the term as written in the list,\n"
      "\"snippet\" the original text around the entity's/keyword's first hit in the text\n"
      "(else in the title).\n"
      "START-END are UTF-8 byte offsets into the title or text: the input as given (after\n"
      "U+FFFD replacement, if any), or with --html the extracted title or text.\n"
      "Exit codes: 0 done, whether or not anything matched; 1 the input or a watch-list file\n"
      "cannot be read (or --html finds no article); 2 usage, or an invalid watch-list.");
  cmd->add_option("INPUT", flags->input, "FILE, or '-' for stdin (default)");
  cmd->add_option("--watchlist", flags->watchlists,
                  "A watch-list file (TOML, docs/watchlists.md); repeatable")
      ->required()
      ->allow_extra_args(false);
  cmd->add_flag("--json", flags->json, "Print one JSON object instead of a listing");
  auto* html = cmd->add_flag("--html", flags->html,
                             "INPUT is an HTML page: match its extracted title and text");
  cmd->add_option("--title", flags->title, "The title to match with the text (default: none)")
      ->excludes(html);
  commands->push_back({cmd, [flags](spdlog::logger&) { return CmdMatch(*flags); }});
}

}  // namespace mw
