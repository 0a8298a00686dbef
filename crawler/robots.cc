#include "crawler/robots.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include "parsers/url.h"

namespace mw {
namespace {

// ---------------------------------------------------------------------------
// Characters

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// RFC 3986 §2.3.
bool IsUnreserved(unsigned char c) {
  return IsAlpha(static_cast<char>(c)) || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// RFC 9309's WS is space and tab; vertical tab and form feed are trimmed too,
// as google/robotstxt does. CR and LF never reach here (they end lines).
constexpr std::string_view kWhitespace = " \t\v\f";

std::string_view Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kWhitespace);
  return s.substr(begin, end - begin + 1);
}

// ---------------------------------------------------------------------------
// Percent-encoding normalisation (see robots.h, "Normalisation").

enum class Side { kPath, kPattern };

void AppendEscaped(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// Appends the normalised form of `in` to `out`. On the pattern side `*` stays
// a wildcard (runs of it collapse to one: same language, less matching work);
// on the path side it is the literal `%2A`. `$` is literal on both sides: the
// caller removes a pattern's final anchoring `$` before calling.
// Cost: linear; the output is at most 3x the input.
void AppendNormalized(std::string_view in, Side side, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      if (i + 2 < in.size() && IsHexDigit(in[i + 1]) && IsHexDigit(in[i + 2])) {
        const unsigned char decoded =
            static_cast<unsigned char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
        if (IsUnreserved(decoded)) {
          out->push_back(static_cast<char>(decoded));
        } else {
          AppendEscaped(decoded, out);
        }
        i += 2;
      } else {
        AppendEscaped('%', out);  // a stray '%' stands for itself
      }
    } else if (c >= 0x80 || c <= 0x20 || c == 0x7F || c == '$') {
      AppendEscaped(c, out);
    } else if (c == '*') {
      if (side == Side::kPath) {
        AppendEscaped(c, out);
      } else if (out->empty() || out->back() != '*') {
        out->push_back('*');
      }
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

// ---------------------------------------------------------------------------
// Rules and matching

struct Rule {
  // Normalised; `*` is the wildcard and a final `$` the end anchor. Its size
  // in octets is the rule's priority (RFC 9309 §2.2.2 "most octets").
  std::string pattern;
  bool allow = false;
  // For patterns containing `*`: the KMP failure function of each
  // `*`-separated segment, stored at the segment's offsets in `pattern`
  // (fail[i] is the length of the longest proper border of
  // segment[0..i]). Empty for patterns without `*`.
  std::vector<uint32_t> fail;
};

void BuildFailureTable(Rule* rule) {
  const std::string& p = rule->pattern;
  if (p.find('*') == std::string::npos) return;
  rule->fail.assign(p.size(), 0);
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = std::min(p.find('*', start), p.size());
    uint32_t k = 0;
    for (size_t i = start + 1; i < end; ++i) {
      while (k > 0 && p[i] != p[start + k]) k = rule->fail[start + k - 1];
      if (p[i] == p[start + k]) ++k;
      rule->fail[i] = k;
    }
    start = end + 1;
  }
}

// First position >= from where `segment` occurs in `text` (npos if none),
// with `fail` its KMP failure function. O(text.size() - from + segment.size()):
// text positions are never revisited.
size_t KmpFind(std::string_view text, size_t from, std::string_view segment, const uint32_t* fail) {
  if (segment.empty()) return from;
  size_t k = 0;
  for (size_t i = from; i < text.size(); ++i) {
    while (k > 0 && text[i] != segment[k]) k = fail[k - 1];
    if (text[i] == segment[k]) ++k;
    if (k == segment.size()) return i + 1 - segment.size();
  }
  return std::string_view::npos;
}

// Whether normalised `path` matches `rule` (anchored at the path's start).
//
// The pattern is split at its `*`s into literal segments S0*S1*...*Sn. S0 must
// be a prefix; each later segment is taken at its LEFTMOST occurrence after
// the previous one. Greedy is exact here because `*` is the only wildcard:
// an earlier placement of Si leaves a superset of the choices for S(i+1).
// With a final `$` the last segment must instead be a suffix starting at or
// after the current position. Each segment search resumes where the previous
// one ended and KMP never steps back, so one call is O(path + pattern) —
// there is no backtracking, whatever the number of `*`.
bool Matches(std::string_view path, const Rule& rule) {
  std::string_view pattern = rule.pattern;
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);

  size_t star = pattern.find('*');
  if (star == std::string_view::npos) {
    return anchored ? path == pattern : path.starts_with(pattern);
  }
  if (!path.starts_with(pattern.substr(0, star))) return false;
  size_t cur = star;  // path position after the matched prefix
  size_t seg_begin = star + 1;
  while (true) {
    const size_t seg_end = std::min(pattern.find('*', seg_begin), pattern.size());
    const std::string_view segment = pattern.substr(seg_begin, seg_end - seg_begin);
    const bool last = seg_end == pattern.size();
    if (last && anchored) {
      return path.size() >= cur + segment.size() && path.ends_with(segment);
    }
    const size_t found = KmpFind(path, cur, segment, rule.fail.data() + seg_begin);
    if (found == std::string_view::npos) return false;
    if (last) return true;
    cur = found + segment.size();
    seg_begin = seg_end + 1;
  }
}

// The normalised pattern of an allow/disallow value, or nullopt when the rule
// is to be ignored (empty, not starting with '/' or '*', or an over-long
// allow). See robots.h deviations 4 and 5.
std::optional<std::string> NormalizePattern(std::string_view value, bool allow, size_t max_bytes) {
  if (value.empty() || (value.front() != '/' && value.front() != '*')) return std::nullopt;
  const bool anchored = value.back() == '$';
  if (anchored) value.remove_suffix(1);
  std::string out;
  out.reserve(value.size() + 1);
  AppendNormalized(value, Side::kPattern, &out);
  if (anchored) out.push_back('$');
  if (out.size() <= max_bytes) return out;
  if (allow) return std::nullopt;
  // Truncating a disallow widens it, which errs on the polite side. Never cut
  // inside a %XX escape ('%' only ever starts one after normalisation); the
  // final '$' is necessarily cut off.
  size_t keep = max_bytes;
  if (keep >= 1 && out[keep - 1] == '%') {
    keep -= 1;
  } else if (keep >= 2 && out[keep - 2] == '%') {
    keep -= 2;
  }
  out.resize(keep);
  if (out.empty()) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------------------
// Lines and records

enum class Key { kUserAgent, kAllow, kDisallow, kSitemap, kCrawlDelay, kUnknown };

Key ClassifyKey(std::string_view key) {
  struct Spelling {
    std::string_view text;
    Key key;
  };
  // Canonical names first, then the frequent typos google/robotstxt accepts.
  static constexpr Spelling kSpellings[] = {
      {"user-agent", Key::kUserAgent},   {"useragent", Key::kUserAgent},
      {"user agent", Key::kUserAgent},   {"allow", Key::kAllow},
      {"disallow", Key::kDisallow},      {"dissallow", Key::kDisallow},
      {"dissalow", Key::kDisallow},      {"disalow", Key::kDisallow},
      {"diasllow", Key::kDisallow},      {"disallaw", Key::kDisallow},
      {"sitemap", Key::kSitemap},        {"site-map", Key::kSitemap},
      {"crawl-delay", Key::kCrawlDelay}, {"crawldelay", Key::kCrawlDelay},
  };
  for (const Spelling& s : kSpellings) {
    if (EqualsIgnoreCase(key, s.text)) return s.key;
  }
  return Key::kUnknown;
}

// Splits a line into key and value: `key : value`, or `key value` when the
// colon is missing and the line is exactly two words. Comments are removed.
// False for lines that are blank or do not parse.
bool SplitRecord(std::string_view line, std::string_view* key, std::string_view* value) {
  line = Trim(line.substr(0, line.find('#')));
  if (line.empty()) return false;
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    *key = Trim(line.substr(0, colon));
    *value = Trim(line.substr(colon + 1));
  } else {
    size_t space = line.find_first_of(kWhitespace);
    if (space == std::string_view::npos) return false;
    *key = line.substr(0, space);
    *value = Trim(line.substr(space));
    if (value->find_first_of(kWhitespace) != std::string_view::npos) return false;
  }
  return !key->empty();
}

// The leading run of [A-Za-z_-]: the product token of a user-agent value
// (RFC 9309 §2.2.1), e.g. "mediawatch" in "mediawatch/0.1 (+url)".
std::string_view ProductToken(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && (IsAlpha(s[n]) || s[n] == '-' || s[n] == '_')) ++n;
  return s.substr(0, n);
}

bool IsStarAgent(std::string_view value) {
  return !value.empty() && value[0] == '*' &&
         (value.size() == 1 || kWhitespace.find(value[1]) != std::string_view::npos);
}

// Non-negative decimal seconds ("10", "0.5", ".5", "2."); nullopt otherwise.
// The length cap keeps from_chars' result finite and the input sane.
std::optional<double> ParseDelay(std::string_view value) {
  if (value.empty() || value.size() > 32) return std::nullopt;
  int dots = 0;
  int digits = 0;
  for (char c : value) {
    if (c == '.') {
      ++dots;
    } else if (c >= '0' && c <= '9') {
      ++digits;
    } else {
      return std::nullopt;
    }
  }
  if (dots > 1 || digits == 0) return std::nullopt;
  double seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return seconds;
}

bool IsAbsoluteHttpUrl(std::string_view url) {
  if (!StartsWithIgnoreCase(url, "http://") && !StartsWithIgnoreCase(url, "https://")) {
    return false;
  }
  return std::none_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F;
  });
}

// parsers/url.h's cap on URLs; a longer Sitemap value is not one we'd fetch.
constexpr size_t kMaxSitemapUrlBytes = 8192;

// Rules and delay collected for one kind of group (ours, or `*`).
struct GroupRules {
  bool seen = false;
  std::vector<Rule> rules;
  std::optional<double> crawl_delay;
};

// Sorts most specific first (allow first on equal length, so the first
// matching rule decides), drops duplicates and builds the matcher tables.
std::vector<Rule> Finalize(std::vector<Rule> rules) {
  std::sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) {
    if (a.pattern.size() != b.pattern.size()) return a.pattern.size() > b.pattern.size();
    if (a.allow != b.allow) return a.allow;
    return a.pattern < b.pattern;
  });
  auto same = [](const Rule& a, const Rule& b) {
    return a.allow == b.allow && a.pattern == b.pattern;
  };
  rules.erase(std::unique(rules.begin(), rules.end(), same), rules.end());
  for (Rule& rule : rules) BuildFailureTable(&rule);
  return rules;
}

// The body limited to max_bytes, cut back to the end of its last complete
// line when the limit falls inside one (robots.h deviation 6).
std::string_view LimitBody(std::string_view body, size_t max_bytes, bool* truncated) {
  *truncated = body.size() > max_bytes;
  if (!*truncated) return body;
  const char next = body[max_bytes];
  std::string_view kept = body.substr(0, max_bytes);
  if (next == '\n' || next == '\r') return kept;
  const size_t last_break = kept.find_last_of("\r\n");
  return last_break == std::string_view::npos ? std::string_view() : kept.substr(0, last_break);
}

}  // namespace

struct RobotsRules::Data {
  std::vector<Rule> rules;  // most specific first; allow before disallow on ties
  std::optional<double> crawl_delay;
  std::vector<std::string> sitemaps;
  RobotsGroupMatch group = RobotsGroupMatch::kNone;
  bool truncated = false;
};

RobotsRules RobotsRules::Parse(std::string_view body, std::string_view user_agent_token,
                               const RobotsOptions& options) {
  auto data = std::make_shared<Data>();
  body = LimitBody(body, options.max_bytes, &data->truncated);
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  const std::string_view token = ProductToken(user_agent_token);

  GroupRules ours;  // groups naming `token`
  GroupRules star;  // `*` groups
  // The group being read: whether its agents include us / `*`, and whether
  // we are still in its run of user-agent lines.
  bool group_is_ours = false;
  bool group_is_star = false;
  bool reading_agents = false;
  std::unordered_set<std::string> sitemaps_seen;

  // One pass over the lines; each byte is looked at a constant number of
  // times (find_first_of, then the record's trim/split/normalise).
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find_first_of("\r\n", pos);
    if (eol == std::string_view::npos) eol = body.size();
    const std::string_view line = body.substr(pos, eol - pos);
    pos = eol + 1;
    if (eol + 1 < body.size() && body[eol] == '\r' && body[eol + 1] == '\n') ++pos;

    std::string_view key_text;
    std::string_view value;
    if (!SplitRecord(line, &key_text, &value)) continue;
    const Key key = ClassifyKey(key_text);

    if (key == Key::kUserAgent) {
      if (!reading_agents) {  // a new group starts
        group_is_ours = group_is_star = false;
        reading_agents = true;
      }
      if (IsStarAgent(value)) {
        group_is_star = star.seen = true;
      } else if (!token.empty() && EqualsIgnoreCase(ProductToken(value), token)) {
        group_is_ours = ours.seen = true;
      }
      continue;
    }
    reading_agents = false;

    switch (key) {
      case Key::kAllow:
      case Key::kDisallow: {
        if (!group_is_ours && !group_is_star) break;
        const bool allow = key == Key::kAllow;
        std::optional<std::string> pattern =
            NormalizePattern(value, allow, options.max_pattern_bytes);
        if (!pattern) break;
        if (group_is_ours) ours.rules.push_back({*pattern, allow, {}});
        if (group_is_star) star.rules.push_back({std::move(*pattern), allow, {}});
        break;
      }
      case Key::kCrawlDelay: {
        const std::optional<double> delay = ParseDelay(value);
        if (!delay) break;
        auto raise = [&](GroupRules& g) {
          g.crawl_delay = std::max(g.crawl_delay.value_or(0), *delay);
        };
        if (group_is_ours) raise(ours);
        if (group_is_star) raise(star);
        break;
      }
      case Key::kSitemap:
        if (data->sitemaps.size() < options.max_sitemaps && value.size() <= kMaxSitemapUrlBytes &&
            IsAbsoluteHttpUrl(value) && sitemaps_seen.emplace(value).second) {
          data->sitemaps.emplace_back(value);
        }
        break;
      case Key::kUserAgent:
      case Key::kUnknown:
        break;
    }
  }

  GroupRules* applicable = nullptr;
  if (ours.seen) {
    applicable = &ours;
    data->group = RobotsGroupMatch::kProductToken;
  } else if (star.seen) {
    applicable = &star;
    data->group = RobotsGroupMatch::kStar;
  }
  if (applicable != nullptr) {
    data->rules = Finalize(std::move(applicable->rules));
    if (applicable->crawl_delay) {
      data->crawl_delay = std::min(*applicable->crawl_delay, options.max_crawl_delay_s);
    }
  }
  return RobotsRules(std::move(data));
}

RobotsRules RobotsRules::AllowAll() { return RobotsRules(); }

RobotsRules RobotsRules::DisallowAll() {
  auto data = std::make_shared<Data>();
  data->rules.push_back({"/", /*allow=*/false, {}});
  return RobotsRules(std::move(data));
}

bool RobotsRules::IsAllowed(std::string_view path) const {
  if (data_ == nullptr) return true;
  path = path.substr(0, path.find('#'));
  std::string normalized;
  normalized.reserve(path.size() + 1);
  if (path.empty() || path.front() != '/') normalized.push_back('/');
  AppendNormalized(path, Side::kPath, &normalized);
  if (normalized == "/robots.txt") return true;  // RFC 9309 §2.2.2
  for (const Rule& rule : data_->rules) {
    if (Matches(normalized, rule)) return rule.allow;
  }
  return true;
}

Result<bool> RobotsRules::IsAllowedUrl(std::string_view absolute_url) const {
  // An absolute URL "resolved" against no base comes back parsed and
  // normalised the way the fetcher will send it.
  Result<std::string> url = ResolveUrl(/*base=*/"", absolute_url);
  if (!url.ok()) return url.status();
  // After normalisation the authority holds no '/', '?' or '#', so the path
  // starts at the first of them after "://".
  std::string_view rest = *url;
  const size_t scheme_end = rest.find("://");
  rest.remove_prefix(scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  const size_t path_begin = rest.find_first_of("/?#");
  rest.remove_prefix(path_begin == std::string_view::npos ? rest.size() : path_begin);
  return IsAllowed(rest);  // IsAllowed drops the fragment and supplies "/"
}

std::optional<double> RobotsRules::crawl_delay_seconds() const {
  return data_ == nullptr ? std::nullopt : data_->crawl_delay;
}

const std::vector<std::string>& RobotsRules::sitemaps() const {
  static const std::vector<std::string> kNone;
  return data_ == nullptr ? kNone : data_->sitemaps;
}

RobotsGroupMatch RobotsRules::group_match() const {
  return data_ == nullptr ? RobotsGroupMatch::kNone : data_->group;
}

size_t RobotsRules::rule_count() const { return data_ == nullptr ? 0 : data_->rules.size(); }

bool RobotsRules::truncated() const { return data_ != nullptr && data_->truncated; }

}  // namespace mw
