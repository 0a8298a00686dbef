#include "server/api.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "parsers/date.h"
#include "report/article_output.h"
#include "report/highlight.h"
#include "report/json_fields.h"
#include "report/timeline_output.h"
#include "server/web_assets.h"
#include "text/normalizer.h"
#include "watch/matcher.h"

namespace mw::server {
namespace {

using nlohmann::json;

constexpr std::string_view kJsonType = "application/json; charset=utf-8";

// /api/v1/sources reads the flagged article records (not their text) page
// by page; past this many it reports what it saw and says so ("truncated").
constexpr size_t kSourcesScanLimit = 1000000;
constexpr size_t kScanPage = 1000;
// /api/v1/watchlists looks up the kind of at most this many targets that
// are in the store but not in a watch-list file (one read each).
constexpr size_t kMaxKindLookups = 1000;

// --- Small pure helpers --------------------------------------------------

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Compares in time that depends only on the lengths, not on where the first
// difference is: a client cannot guess the token byte by byte.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  // Keep the compiler from stopping early on a known difference.
  volatile unsigned char result = diff;
  return result == 0;
}

bool IsValidUtf8(std::string_view s) { return RepairUtf8(s) == s; }

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Ids of watch-lists and targets as they are stored: [A-Za-z0-9._:-].
bool IsIdText(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

bool IsArticleId(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

json TimeOrNull(int64_t t) { return t == 0 ? json() : json(FormatIso8601Utc(t)); }

int64_t ArticleTime(const ArticleRecord& a) { return a.published.value_or(a.fetched_at); }

std::string Outlet(const ArticleRecord& a) { return a.source.empty() ? a.feed_id : a.source; }

ApiResponse JsonResponse(const json& j) {
  ApiResponse r;
  r.status = 200;
  r.content_type = std::string(kJsonType);
  r.body = report_internal::DumpJson(j, -1);
  r.headers = SecurityHeaders();
  return r;
}

ApiResponse StoreError(const Status& status) {
  return ErrorResponse(500, "store_error", "reading the database failed: " + status.ToString());
}

// A parameter or path text shown in an error message: cut, and made valid
// UTF-8 without controls so that the message itself is safe.
std::string Shown(std::string_view s) {
  std::string cut(s.substr(0, 64));
  for (char& c : cut) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return RepairUtf8(cut) + (s.size() > 64 ? "..." : "");
}

// [[start, end], ...] in UTF-16 code units for merged byte spans of `text`.
json HighlightsJson(std::string_view text, const std::vector<HighlightSpan>& spans) {
  const std::vector<std::pair<size_t, size_t>> merged = MergeHighlights(spans);
  std::vector<size_t> offsets;
  offsets.reserve(merged.size() * 2);
  for (const auto& [start, end] : merged) {
    offsets.push_back(start);
    offsets.push_back(end);
  }
  const std::vector<size_t> units = Utf16Offsets(text, offsets);
  json out = json::array();
  for (size_t i = 0; i + 1 < units.size(); i += 2) out.push_back({units[i], units[i + 1]});
  return out;
}

// --- Parameters ------------------------------------------------------------

// A 400 response, or nothing.
using Check = std::optional<ApiResponse>;

Check BadParam(std::string_view name, std::string_view message) {
  return ErrorResponse(400, "bad_parameter", std::string(name) + ": " + std::string(message), name);
}

// The query parameters of one endpoint, checked against its allowed names.
class Params {
 public:
  // Every parameter is known, given once, at most kMaxParamBytes of valid
  // UTF-8 without control characters. An empty value is as if absent.
  Check Read(const ApiRequest& request, std::initializer_list<std::string_view> allowed) {
    if (request.params.size() > kMaxParams) {
      return ErrorResponse(400, "too_many_parameters",
                           "at most " + std::to_string(kMaxParams) + " query parameters");
    }
    for (const auto& [name, value] : request.params) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        std::string names;
        for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
        return BadParam(Shown(name), "unknown parameter (allowed: " +
                                         (names.empty() ? std::string("none") : names) + ")");
      }
      if (values_.count(name) != 0) return BadParam(name, "given more than once");
      if (value.size() > kMaxParamBytes) {
        return BadParam(name, "longer than " + std::to_string(kMaxParamBytes) + " bytes");
      }
      if (!IsValidUtf8(value)) return BadParam(name, "not valid UTF-8");
      if (HasControl(value)) return BadParam(name, "contains a control character");
      values_[name] = value;
    }
    return std::nullopt;
  }

  // "" when absent.
  const std::string& Get(const std::string& name) const {
    static const std::string kEmpty;
    auto it = values_.find(name);
    return it == values_.end() ? kEmpty : it->second;
  }

 private:
  std::map<std::string, std::string> values_;
};

Check ReadTime(const Params& p, const char* name, std::optional<int64_t>* out) {
  const std::string& v = p.Get(name);
  if (v.empty()) return std::nullopt;
  std::optional<int64_t> t = ParseIso8601Date(v);
  if (!t) return BadParam(name, "expected a date (YYYY-MM-DD) or RFC 3339 time");
  *out = *t;
  return std::nullopt;
}

// The filters shared by /matches and /timeline.
Check ReadFilters(const Params& p, MatchQuery* q) {
  const std::string& watchlist = p.Get("watchlist");
  if (!watchlist.empty()) {
    if (!IsIdText(watchlist, 256)) return BadParam("watchlist", "expected a watch-list id");
    q->watchlist_id = watchlist;
  }
  const std::string& match = p.Get("match");
  if (!match.empty()) {
    if (!IsIdText(match, 256)) return BadParam("match", "expected an entity, keyword or rule id");
    q->target_id = match;
  }
  const std::string& lang = p.Get("lang");
  if (!lang.empty()) {
    const bool ok = lang.size() <= 64 && std::all_of(lang.begin(), lang.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '_';
                    });
    if (!ok) return BadParam("lang", "expected a language tag such as en, zh or zh-Hant");
    q->language = lang;
  }
  const std::string& source = p.Get("source");
  if (!source.empty()) q->source = source;
  if (Check bad = ReadTime(p, "since", &q->since)) return bad;
  if (Check bad = ReadTime(p, "until", &q->until)) return bad;
  if (q->since && q->until && *q->since >= *q->until) {
    return BadParam("until", "must be after since");
  }
  return std::nullopt;
}

Check ReadLimit(const Params& p, size_t* limit) {
  const std::string& v = p.Get("limit");
  *limit = kDefaultPageSize;
  if (v.empty()) return std::nullopt;
  const std::string range = "expected a number from 1 to " + std::to_string(kMaxPageSize);
  if (v.size() > 4 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return BadParam("limit", range);
  }
  const size_t n = std::stoul(v);
  if (n < 1 || n > kMaxPageSize) return BadParam("limit", range);
  *limit = n;
  return std::nullopt;
}

Check ReadBool(const Params& p, const char* name, bool* out) {
  const std::string& v = p.Get(name);
  if (v.empty()) return std::nullopt;
  if (v == "1" || v == "true") {
    *out = true;
  } else if (v == "0" || v == "false") {
    *out = false;
  } else {
    return BadParam(name, "expected 1, 0, true or false");
  }
  return std::nullopt;
}

}  // namespace

// --- Public helpers --------------------------------------------------------

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
  return kHeaders;
}

ApiResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                          std::string_view parameter) {
  json error = {{"status", status}, {"code", code}, {"message", message}};
  if (!parameter.empty()) error["parameter"] = parameter;
  ApiResponse r = JsonResponse({{"error", std::move(error)}});
  r.status = status;
  return r;
}

std::vector<size_t> Utf16Offsets(std::string_view text, const std::vector<size_t>& byte_offsets) {
  // One pass over the text for offsets in any order: sort their positions.
  std::vector<size_t> order(byte_offsets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return byte_offsets[a] < byte_offsets[b]; });
  std::vector<size_t> out(byte_offsets.size(), 0);
  size_t pos = 0;
  size_t units = 0;
  size_t next = 0;
  while (next < order.size()) {
    const size_t want = byte_offsets[order[next]];
    if (pos >= want || pos >= text.size()) {
      out[order[next++]] = units;
      continue;
    }
    const char32_t cp = DecodeUtf8At(text, &pos);
    units += cp >= 0x10000 ? 2 : 1;
  }
  return out;
}

std::string_view TextDirection(std::string_view language) {
  if (language.empty()) return "auto";
  std::string tag = Lower(language);
  std::replace(tag.begin(), tag.end(), '_', '-');
  const size_t dash = tag.find('-');
  const std::string primary = tag.substr(0, dash);
  // A script subtag decides when present ("ug-latn", "az-arab").
  size_t at = dash;
  while (at != std::string::npos) {
    const size_t end = tag.find('-', at + 1);
    const std::string sub =
        tag.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    if (sub.size() == 4) {
      static const std::set<std::string> kRtlScripts = {"arab", "hebr", "syrc", "thaa",
                                                        "nkoo", "adlm", "rohg"};
      return kRtlScripts.count(sub) != 0 ? "rtl" : "ltr";
    }
    at = end;
  }
  static const std::set<std::string> kRtlLanguages = {"ar", "arc", "ckb", "dv", "fa", "he",
                                                      "iw", "ks",  "ps",  "sd", "ug", "ur",
                                                      "yi", "syr", "prs", "pnb"};
  return kRtlLanguages.count(primary) != 0 ? "rtl" : "ltr";
}

std::string EncodeCursor(const QueryCursor& cursor) {
  return std::to_string(cursor.time) + "." + cursor.article_id;
}

Result<QueryCursor> DecodeCursor(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 20) {
    return Status::InvalidArgument("expected a next_cursor value from a previous page");
  }
  std::string_view number = text.substr(0, dot);
  const bool negative = number.front() == '-';
  if (negative) number.remove_prefix(1);
  if (number.empty() || number.size() > 18 ||
      !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("expected a next_cursor value from a previous page");
  }
  const std::string_view id = text.substr(dot + 1);
  if (!IsArticleId(id)) {
    return Status::InvalidArgument("expected a next_cursor value from a previous page");
  }
  QueryCursor c;
  c.time = std::stoll(std::string(number)) * (negative ? -1 : 1);
  c.article_id = std::string(id);
  return c;
}

// --- The handler -------------------------------------------------------------

struct Api::Impl {
  Store* store = nullptr;
  ApiOptions options;
  std::unique_ptr<TextNormalizer> normalizer;
  std::unique_ptr<WatchlistMatcher> matcher;  // null without watch-lists

  ApiResponse Route(const ApiRequest& request) const;
  ApiResponse Watchlists(const ApiRequest& request) const;
  ApiResponse Matches(const ApiRequest& request) const;
  ApiResponse Timeline(const ApiRequest& request) const;
  ApiResponse Article(const ApiRequest& request, std::string_view id) const;
  ApiResponse Sources(const ApiRequest& request) const;
  ApiResponse Feeds(const ApiRequest& request) const;
  ApiResponse Stats(const ApiRequest& request) const;
  ApiResponse Static(const ApiRequest& request) const;

  // The snippet of an article's matches (an entity's first: names are what
  // a reader looks for) and its highlights.
  void AddSnippet(const std::vector<MatchRecord>& matches, json* item) const;
};

Api::Api(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Api::~Api() = default;

Result<std::unique_ptr<Api>> Api::Create(Store* store, ApiOptions options) {
  if (store == nullptr) return Status::InvalidArgument("no store");
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->options = std::move(options);
  if (!impl->options.watchlists.empty()) {
    Result<std::unique_ptr<TextNormalizer>> normalizer = TextNormalizer::Create({});
    if (!normalizer.ok()) return normalizer.status().WithContext("text normalizer");
    impl->normalizer = std::move(normalizer).value();
    Result<std::unique_ptr<WatchlistMatcher>> matcher =
        WatchlistMatcher::Create(impl->options.watchlists, impl->normalizer.get());
    if (!matcher.ok()) return matcher.status().WithContext("watch-lists");
    impl->matcher = std::move(matcher).value();
  }
  return std::unique_ptr<Api>(new Api(std::move(impl)));
}

ApiResponse Api::Handle(const ApiRequest& request) const {
  ApiResponse response = impl_->Route(request);
  if (request.path.rfind("/api/", 0) == 0 || request.path == "/api") {
    response.headers.emplace_back("Cache-Control", "no-store");
  } else {
    response.headers.emplace_back("Cache-Control", "no-cache");
  }
  return response;
}

ApiResponse Api::Impl::Route(const ApiRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    ApiResponse r = ErrorResponse(405, "method_not_allowed", "only GET and HEAD are allowed");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (request.path.size() > kMaxPathBytes) {
    return ErrorResponse(414, "uri_too_long",
                         "the path is longer than " + std::to_string(kMaxPathBytes) + " bytes");
  }
  if (!options.allowed_hosts.empty() && !request.host.empty()) {
    const std::string host = Lower(request.host);
    const bool allowed = std::any_of(options.allowed_hosts.begin(), options.allowed_hosts.end(),
                                     [&](const std::string& h) { return Lower(h) == host; });
    if (!allowed) {
      return ErrorResponse(403, "bad_host",
                           "Host '" + Shown(request.host) +
                               "' is not this server's address (open the URL that serve printed)");
    }
  }
  const std::string& path = request.path;
  if (path != "/api" && path.rfind("/api/", 0) != 0) return Static(request);

  if (!options.token.empty()) {
    const std::string_view prefix = "Bearer ";
    const std::string_view given = request.authorization;
    const bool ok = given.size() > prefix.size() && given.substr(0, prefix.size()) == prefix &&
                    ConstantTimeEquals(given.substr(prefix.size()), options.token);
    if (!ok) {
      ApiResponse r = ErrorResponse(401, "unauthorized",
                                    "this server needs 'Authorization: Bearer TOKEN' (the token "
                                    "serve was started with)");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
  }
  if (path == "/api/v1/watchlists") return Watchlists(request);
  if (path == "/api/v1/matches") return Matches(request);
  if (path == "/api/v1/timeline") return Timeline(request);
  if (path == "/api/v1/sources") return Sources(request);
  if (path == "/api/v1/feeds") return Feeds(request);
  if (path == "/api/v1/stats") return Stats(request);
  const std::string_view articles = "/api/v1/articles/";
  if (path.rfind(articles, 0) == 0)
    return Article(request, std::string_view(path).substr(articles.size()));
  return ErrorResponse(404, "not_found", "no API endpoint " + Shown(path) + " (see docs/api.md)");
}

ApiResponse Api::Impl::Static(const ApiRequest& request) const {
  const std::string& path = request.path;
  // The assets are a fixed table compiled into the binary, so no path can
  // reach a file; still, refuse what could only be an attack or a mistake.
  const bool plausible =
      !path.empty() && path.front() == '/' && path.size() <= 256 &&
      path.find("..") == std::string::npos && path.find('\\') == std::string::npos &&
      path.find("//") == std::string::npos && !HasControl(path) && IsValidUtf8(path);
  const WebAsset* asset = plausible ? FindWebAsset(path) : nullptr;
  if (asset == nullptr) return ErrorResponse(404, "not_found", "no such file: " + Shown(path));
  ApiResponse r;
  r.status = 200;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->body);
  r.headers = SecurityHeaders();
  return r;
}

void Api::Impl::AddSnippet(const std::vector<MatchRecord>& matches, json* item) const {
  const MatchRecord* with_snippet = nullptr;
  for (const MatchRecord& m : matches) {
    if (m.snippet.empty()) continue;
    if (with_snippet == nullptr || (with_snippet->kind != "entity" && m.kind == "entity")) {
      with_snippet = &m;
    }
  }
  if (with_snippet == nullptr) {
    (*item)["snippet"] = "";
    (*item)["highlights"] = json::array();
    return;
  }
  const std::string snippet = RepairUtf8(with_snippet->snippet);
  (*item)["snippet"] = snippet;
  (*item)["highlights"] = HighlightsJson(snippet, FindHighlights(snippet, matches, matcher.get()));
}

ApiResponse Api::Impl::Watchlists(const ApiRequest& request) const {
  Params p;
  if (Check bad = p.Read(request, {})) return *bad;
  Result<StoreStats> stats = store->Stats();
  if (!stats.ok()) return StoreError(stats.status());

  struct Target {
    std::string kind, name;
    int64_t matched = 0;
  };
  struct List {
    std::string name;
    int64_t matched = 0;
    std::vector<std::string> order;  // target ids: file order, then the stored ones
    std::map<std::string, Target> targets;
  };
  std::vector<std::string> order;
  std::map<std::string, List> lists;
  for (const Watchlist& w : options.watchlists) {
    if (lists.count(w.id) != 0) continue;
    order.push_back(w.id);
    List& l = lists[w.id];
    l.name = w.name.empty() ? w.id : w.name;
    for (const WatchTarget& t : w.targets) {
      l.order.push_back(t.id);
      l.targets[t.id] = {std::string(TargetKindName(t.kind)), t.name.empty() ? t.id : t.name, 0};
    }
    for (const WatchRule& r : w.rules) {
      l.order.push_back(r.id);
      l.targets[r.id] = {"rule", r.name.empty() ? r.id : r.name, 0};
    }
  }
  for (const auto& [id, n] : stats->articles_per_watchlist) {
    if (lists.count(id) == 0) {
      order.push_back(id);
      lists[id].name = id;
    }
    lists[id].matched = n;
  }
  size_t lookups = 0;
  for (const auto& [key, n] : stats->articles_per_target) {
    List& l = lists[key.first];
    if (l.name.empty()) {  // a target without a watch-list count: cannot happen, but be total
      order.push_back(key.first);
      l.name = key.first;
    }
    auto it = l.targets.find(key.second);
    if (it == l.targets.end()) {
      Target t{"", key.second, 0};
      if (lookups++ < kMaxKindLookups) {
        // The kind is in the match records: read one.
        MatchQuery q;
        q.watchlist_id = key.first;
        q.target_id = key.second;
        q.limit = 1;
        Result<std::vector<MatchHit>> hits = store->QueryMatches(q);
        if (!hits.ok()) return StoreError(hits.status());
        for (const MatchHit& h : *hits) {
          for (const MatchRecord& m : h.matches) {
            if (m.watchlist_id == key.first && m.target_id == key.second) t.kind = m.kind;
          }
        }
      }
      l.order.push_back(key.second);
      it = l.targets.emplace(key.second, std::move(t)).first;
    }
    it->second.matched = n;
  }
  json out = json::array();
  for (const std::string& id : order) {
    const List& l = lists[id];
    json targets = json::array();
    for (const std::string& t : l.order) {
      const Target& target = l.targets.at(t);
      targets.push_back({{"id", t},
                         {"name", target.name},
                         {"kind", target.kind},
                         {"matched_articles", target.matched}});
    }
    out.push_back(
        {{"id", id}, {"name", l.name}, {"matched_articles", l.matched}, {"targets", targets}});
  }
  return JsonResponse({{"watchlists", std::move(out)}});
}

ApiResponse Api::Impl::Matches(const ApiRequest& request) const {
  Params p;
  if (Check bad = p.Read(request, {"watchlist", "match", "since", "until", "lang", "source",
                                   "limit", "cursor", "all"})) {
    return *bad;
  }
  MatchQuery q;
  if (Check bad = ReadFilters(p, &q)) return *bad;
  size_t limit = 0;
  if (Check bad = ReadLimit(p, &limit)) return *bad;
  bool all = false;
  if (Check bad = ReadBool(p, "all", &all)) return *bad;
  if (!p.Get("cursor").empty()) {
    Result<QueryCursor> cursor = DecodeCursor(p.Get("cursor"));
    if (!cursor.ok()) return *BadParam("cursor", cursor.status().message());
    q.after = *cursor;
  }
  q.flagged_only = !all;
  q.limit = limit + 1;  // one more tells whether there is a next page
  Result<std::vector<MatchHit>> hits = store->QueryMatches(q);
  if (!hits.ok()) return StoreError(hits.status());
  const bool more = hits->size() > limit;
  if (more) hits->resize(limit);

  json items = json::array();
  for (const MatchHit& hit : *hits) {
    const ArticleRecord& a = hit.article;
    const std::string title = RepairUtf8(a.title);
    json item = {{"id", a.id},
                 {"time", FormatIso8601Utc(hit.time)},
                 {"time_unix", hit.time},
                 {"published", a.published ? json(FormatIso8601Utc(*a.published)) : json()},
                 {"fetched", FormatIso8601Utc(a.fetched_at)},
                 {"source", a.source},
                 {"feed_id", a.feed_id},
                 {"language", a.language},
                 {"direction", TextDirection(a.language)},
                 {"title", title},
                 {"title_highlights",
                  HighlightsJson(title, FindHighlights(title, hit.matches, matcher.get()))},
                 {"url", a.url},
                 {"matches", report_internal::MatchesJson(hit.matches)},
                 {"cluster_id", a.cluster_id.empty() ? json() : json(a.cluster_id)},
                 {"cluster_size", hit.cluster_size}};
    AddSnippet(hit.matches, &item);
    items.push_back(std::move(item));
  }
  json next;
  if (more && !hits->empty()) next = EncodeCursor({hits->back().time, hits->back().article.id});
  return JsonResponse({{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

ApiResponse Api::Impl::Timeline(const ApiRequest& request) const {
  Params p;
  if (Check bad = p.Read(
          request, {"watchlist", "match", "since", "until", "lang", "source", "by", "split"})) {
    return *bad;
  }
  TimelineQuery query;
  if (Check bad = ReadFilters(p, &query.filters)) return *bad;
  const std::string& by = p.Get("by");
  if (by.empty() || by == "day") {
    query.bucket = TimeBucket::kDay;
  } else if (by == "week") {
    query.bucket = TimeBucket::kWeek;
  } else if (by == "month") {
    query.bucket = TimeBucket::kMonth;
  } else {
    return *BadParam("by", "expected day, week or month");
  }
  const std::string& split = p.Get("split");
  if (split.empty() || split == "none") {
    query.split = TimelineSplit::kNone;
  } else if (split == "lang") {
    query.split = TimelineSplit::kLanguage;
  } else if (split == "source") {
    query.split = TimelineSplit::kSource;
  } else {
    return *BadParam("split", "expected none, lang or source");
  }
  Result<std::vector<TimelineCount>> counts = store->Timeline(query);
  if (!counts.ok()) return StoreError(counts.status());

  // Counts come oldest bucket first, then by group: one series per group.
  std::map<std::string, json> series;
  int64_t total = 0;
  for (const TimelineCount& c : *counts) {
    json& points = series[c.group];
    if (points.is_null()) points = json::array();
    points.push_back({{"start", TimelineBucketLabel(query.bucket, c.bucket_start)},
                      {"start_unix", c.bucket_start},
                      {"count", c.articles}});
    total += c.articles;
  }
  json out = json::array();
  for (auto& [group, points] : series) {
    out.push_back({{"group", RepairUtf8(group)}, {"points", std::move(points)}});
  }
  const std::optional<std::string_view> split_name = TimelineSplitName(query.split);
  return JsonResponse({{"by", TimeBucketName(query.bucket)},
                       {"split", split_name ? *split_name : "none"},
                       {"series", std::move(out)},
                       {"total", total}});
}

ApiResponse Api::Impl::Article(const ApiRequest& request, std::string_view id) const {
  Params p;
  if (Check bad = p.Read(request, {})) return *bad;
  if (!IsArticleId(id)) {
    return ErrorResponse(400, "bad_parameter", "id: expected an article id (16 hex digits)", "id");
  }
  LoadArticleOptions load;
  load.max_cluster_members = kMaxClusterMembersListed;
  load.raw_html_size = false;
  Result<std::optional<ArticleView>> view = LoadArticleView(*store, std::string(id), load);
  if (!view.ok()) return StoreError(view.status());
  if (!view->has_value()) return ErrorResponse(404, "not_found", "no article " + std::string(id));
  const ArticleView& v = **view;
  const ArticleRecord& a = v.article;
  const std::string text = RepairUtf8(a.text);
  const std::string title = RepairUtf8(a.title);

  json versions = json::array();
  versions.push_back({{"version", 1},
                      {"time", FormatIso8601Utc(a.fetched_at)},
                      {"time_unix", a.fetched_at},
                      {"kind", "original"}});
  for (const ArticleVersion& version : v.versions) {
    versions.push_back({{"version", version.number},
                        {"time", FormatIso8601Utc(version.found_at)},
                        {"time_unix", version.found_at},
                        {"kind", version.kind},
                        {"reason", version.reason},
                        {"http_status", version.http_status},
                        {"title", version.title},
                        {"diff", version.diff}});
  }
  json cluster;
  if (!a.cluster_id.empty()) {
    json members = json::array();
    for (const ArticleRecord& m : v.cluster_members) {
      members.push_back({{"id", m.id},
                         {"title", m.title},
                         {"source", m.source},
                         {"feed_id", m.feed_id},
                         {"language", m.language},
                         {"direction", TextDirection(m.language)},
                         {"time", FormatIso8601Utc(ArticleTime(m))},
                         {"time_unix", ArticleTime(m)},
                         {"url", m.url}});
    }
    cluster = {{"id", a.cluster_id},
               {"members", std::move(members)},
               {"truncated", v.cluster_members_truncated}};
  }
  json out = {
      {"id", a.id},
      {"url", a.url},
      {"urls", v.urls},
      {"fetched_url", a.fetched_url},
      {"title", title},
      {"title_highlights", HighlightsJson(title, FindHighlights(title, v.matches, matcher.get()))},
      {"source", a.source},
      {"feed_id", a.feed_id},
      {"language", a.language},
      {"direction", TextDirection(a.language)},
      {"published", a.published ? json(FormatIso8601Utc(*a.published)) : json()},
      {"fetched", FormatIso8601Utc(a.fetched_at)},
      {"time", FormatIso8601Utc(ArticleTime(a))},
      {"time_unix", ArticleTime(a)},
      {"byline", a.byline},
      {"authors", a.byline.empty() ? json::array() : json::array({a.byline})},
      {"text", text},
      {"matches", report_internal::MatchesJson(v.matches)},
      {"highlights", HighlightsJson(text, FindHighlights(text, v.matches, matcher.get()))},
      {"versions", std::move(versions)},
      {"cluster", std::move(cluster)}};
  return JsonResponse(out);
}

ApiResponse Api::Impl::Sources(const ApiRequest& request) const {
  Params p;
  if (Check bad = p.Read(request, {})) return *bad;
  // Article counts come from the store's indexes (Stats), not from reading
  // every article: on a database of a million articles that read took
  // minutes. Only the flagged articles, a small share, are read.
  Result<StoreStats> stats = store->Stats();
  if (!stats.ok()) return StoreError(stats.status());
  struct Source {
    std::set<std::string> feeds;
    int64_t articles = 0, matched = 0;
    std::map<std::string, int64_t> matched_languages;
  };
  std::map<std::string, Source> sources;
  // A feed's outlet: the outlet name of its newest article (what the
  // `source` filter matches; one indexed read per feed), else its
  // configured name, else its id.
  std::map<std::string, std::string> outlet_of_feed;
  for (const auto& [feed, articles] : stats->articles_per_feed) {
    MatchQuery newest;
    newest.source = feed;
    newest.flagged_only = false;
    newest.limit = 1;
    Result<std::vector<MatchHit>> hit = store->QueryMatches(newest);
    if (!hit.ok()) return StoreError(hit.status());
    std::string name = feed;
    if (!hit->empty() && !hit->front().article.source.empty()) {
      name = hit->front().article.source;
    } else if (auto configured = options.feed_names.find(feed);
               configured != options.feed_names.end()) {
      name = configured->second;
    }
    outlet_of_feed[feed] = name;
    Source& s = sources[name];
    s.feeds.insert(feed);
    s.articles += articles;
  }
  MatchQuery q;  // flagged articles only
  q.limit = kScanPage;
  size_t seen = 0;
  bool truncated = false;
  for (;;) {
    Result<std::vector<MatchHit>> page = store->QueryMatches(q);
    if (!page.ok()) return StoreError(page.status());
    for (const MatchHit& hit : *page) {
      auto feed = outlet_of_feed.find(hit.article.feed_id);
      Source& s = sources[feed != outlet_of_feed.end() ? feed->second : Outlet(hit.article)];
      ++s.matched;
      // Articles without a feed (`crawl --url`) are in no feed's count.
      if (feed == outlet_of_feed.end()) ++s.articles;
      ++s.matched_languages[hit.article.language];
    }
    seen += page->size();
    if (page->size() < kScanPage) break;
    if (seen >= kSourcesScanLimit) {
      truncated = true;
      break;
    }
    q.after = QueryCursor{page->back().time, page->back().article.id};
  }
  json out = json::array();
  for (const auto& [name, s] : sources) {
    out.push_back({{"source", RepairUtf8(name)},
                   {"feed_ids", s.feeds},
                   {"articles", s.articles},
                   {"matched_articles", s.matched},
                   {"matched_languages", s.matched_languages}});
  }
  json languages = json::object();
  for (const auto& [language, n] : stats->articles_per_language) {
    languages[RepairUtf8(language)] = n;
  }
  return JsonResponse(
      {{"sources", std::move(out)}, {"languages", std::move(languages)}, {"truncated", truncated}});
}

ApiResponse Api::Impl::Feeds(const ApiRequest& request) const {
  Params p;
  if (Check bad = p.Read(request, {})) return *bad;
  Result<std::vector<FeedState>> states = store->ListFeedStates();
  if (!states.ok()) return StoreError(states.status());
  Result<std::optional<RunState>> run = store->GetRunState();
  if (!run.ok()) return StoreError(run.status());
  json feeds = json::array();
  for (const FeedState& f : *states) {
    const char* status = f.retired                    ? "retired"
                         : f.last_fetch_at == 0       ? "never"
                         : f.consecutive_failures > 0 ? "failing"
                                                      : "ok";
    auto name = options.feed_names.find(f.feed_id);
    feeds.push_back({{"id", f.feed_id},
                     {"url", f.url},
                     {"config_url", f.config_url},
                     {"title", name == options.feed_names.end() ? json() : json(name->second)},
                     {"status", status},
                     {"last_polled", TimeOrNull(f.last_fetch_at)},
                     {"last_ok", TimeOrNull(f.last_success_at)},
                     {"last_http_status", f.last_http_status},
                     {"consecutive_failures", f.consecutive_failures},
                     {"last_error", f.last_error},
                     {"next_due", TimeOrNull(f.next_poll_at)},
                     {"interval_seconds", f.interval_seconds},
                     {"last_new_entry", TimeOrNull(f.last_new_entry_at)},
                     {"polls", f.polls},
                     {"articles", f.articles_stored},
                     {"retired", f.retired}});
  }
  json run_json;
  if (run->has_value()) {
    const RunState& r = **run;
    run_json = {{"pid", r.pid},
                {"host", r.host},
                {"started", TimeOrNull(r.started_at)},
                {"heartbeat", TimeOrNull(r.heartbeat_at)},
                {"stopped", TimeOrNull(r.stopped_at)},
                {"passes", r.passes},
                {"feeds_polled", r.feeds_polled},
                {"articles_stored", r.articles_stored},
                {"matched_articles", r.matched_articles},
                {"errors", r.errors},
                {"feeds_failing", r.feeds_failing},
                {"next_due", TimeOrNull(r.next_due_at)},
                {"last_error", r.last_error}};
  }
  return JsonResponse({{"feeds", std::move(feeds)}, {"run", std::move(run_json)}});
}

ApiResponse Api::Impl::Stats(const ApiRequest& request) const {
  Params p;
  if (Check bad = p.Read(request, {})) return *bad;
  Result<StoreStats> stats = store->Stats();
  if (!stats.ok()) return StoreError(stats.status());
  return JsonResponse(report_internal::StatsJson(*stats));
}

}  // namespace mw::server
