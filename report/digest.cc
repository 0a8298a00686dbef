// Digests (report/digest.h): the Digest is built from store queries, then
// handed to Mustache templates (libmstch) as a context of strings, or
// serialized as JSON.
#include "report/digest.h"

#include <unicode/calendar.h>
#include <unicode/gregocal.h>
#include <unicode/timezone.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mstch/mstch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "digest_templates.h"  // generated from report/templates/ (report/CMakeLists.txt)
#include "parsers/date.h"
#include "report/highlight.h"
#include "report/json_fields.h"
#include "watch/matcher.h"

namespace mw {
namespace {

constexpr size_t kQueryPage = 1000;
constexpr size_t kMaxTemplateBytes = 1u << 20;
constexpr size_t kMaxAlsoPublishedBy = 10;
// Cluster members read per story for "also published by": enough for the
// names shown and a count of the rest, bounded for huge wire clusters.
constexpr size_t kClusterMembersRead = 200;
constexpr size_t kMaxEventDetailBytes = 400;

// ---------------------------------------------------------------------------
// Local time through ICU.

// A Gregorian calendar in one zone. Not thread-safe; one per call.
class LocalClock {
 public:
  static Result<LocalClock> Create(std::string_view zone) {
    MW_RETURN_IF_ERROR(CheckTimeZone(zone));
    icu::TimeZone* tz = icu::TimeZone::createTimeZone(
        icu::UnicodeString::fromUTF8(icu::StringPiece(zone.data(), zone.size())));
    if (tz == nullptr) return Status::Internal("ICU could not create time zone");
    UErrorCode status = U_ZERO_ERROR;
    // The calendar adopts `tz`, also when construction fails.
    auto cal = std::make_unique<icu::GregorianCalendar>(tz, status);
    if (U_FAILURE(status)) {
      return Status::Internal(std::string("ICU calendar: ") + u_errorName(status));
    }
    cal->setLenient(true);  // day -3 of a month is the 3rd-last of the one before
    return LocalClock(std::move(cal));
  }

  // Start of local day y-m-d (fields may overflow: day 0 is the last of the
  // month before). A midnight skipped by a DST change resolves to the first
  // existing time after it.
  int64_t Midnight(int year, int month, int day) { return LocalTime(year, month, day, 0, 0, 0); }

  int64_t LocalTime(int year, int month, int day, int hour, int minute, int second) {
    cal_->clear();
    cal_->set(year, month - 1, day, hour, minute, second);
    UErrorCode status = U_ZERO_ERROR;
    const UDate ms = cal_->getTime(status);
    if (U_FAILURE(status)) return 0;
    return static_cast<int64_t>(std::floor(ms / 1000.0));
  }

  struct Fields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0;
    int offset_minutes = 0;  // from UTC
  };
  Fields At(int64_t time) {
    Fields f;
    UErrorCode status = U_ZERO_ERROR;
    cal_->setTime(static_cast<UDate>(time) * 1000.0, status);
    f.year = cal_->get(UCAL_EXTENDED_YEAR, status);
    f.month = cal_->get(UCAL_MONTH, status) + 1;
    f.day = cal_->get(UCAL_DATE, status);
    f.hour = cal_->get(UCAL_HOUR_OF_DAY, status);
    f.minute = cal_->get(UCAL_MINUTE, status);
    f.offset_minutes =
        (cal_->get(UCAL_ZONE_OFFSET, status) + cal_->get(UCAL_DST_OFFSET, status)) / 60000;
    return f;
  }

  std::string Date(int64_t time) {
    const Fields f = At(time);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", f.year, f.month, f.day);
    return buf;
  }
  // "2026-01-28 09:30"
  std::string DateTime(int64_t time) {
    const Fields f = At(time);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", f.year, f.month, f.day, f.hour,
                  f.minute);
    return buf;
  }
  // "2026-01-28T09:30:00+08:00"
  std::string Iso(int64_t time) {
    const Fields f = At(time);
    const int off = std::abs(f.offset_minutes);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", f.year, f.month,
                  f.day, f.hour, f.minute, static_cast<int>(((time % 60) + 60) % 60),
                  f.offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
  }
  bool IsMidnight(int64_t time) {
    const Fields f = At(time);
    return f.hour == 0 && f.minute == 0 && ((time % 60) + 60) % 60 == 0;
  }

 private:
  explicit LocalClock(std::unique_ptr<icu::Calendar> cal) : cal_(std::move(cal)) {}
  std::unique_ptr<icu::Calendar> cal_;
};

bool ParseDigits(std::string_view s, int* out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// "YYYY-MM-DD", years 1900..9999.
bool ParseDate(std::string_view s, int* y, int* m, int* d) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!ParseDigits(s.substr(0, 4), y) || !ParseDigits(s.substr(5, 2), m) ||
      !ParseDigits(s.substr(8, 2), d)) {
    return false;
  }
  return *y >= 1900 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= DaysInMonth(*y, *m);
}

// ---------------------------------------------------------------------------
// Building.

// `s` cut to at most `max` bytes at a code point boundary.
void TruncateUtf8(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) --cut;
  s->resize(cut);
}

// The story's snippet split at the highlighted spans (report/highlight.h),
// and what was found for each of its matches (DigestMatch::found).
void HighlightSnippet(const std::string& snippet, const std::vector<MatchRecord>& matches,
                      const WatchlistMatcher* matcher, DigestStory* story) {
  const std::vector<HighlightSpan> spans = FindHighlights(snippet, matches, matcher);
  std::map<std::string, std::string> found;
  for (const HighlightSpan& s : spans) {
    found.emplace(s.target_id, snippet.substr(s.start, s.end - s.start));
  }
  for (DigestMatch& m : story->matches) {
    auto it = found.find(m.target_id);
    if (it != found.end()) m.found = it->second;
  }
  size_t at = 0;
  for (const auto& [start, end] : MergeHighlights(spans)) {
    if (start > at) story->snippet.push_back({snippet.substr(at, start - at), false});
    story->snippet.push_back({snippet.substr(start, end - start), true});
    at = end;
  }
  if (at < snippet.size()) story->snippet.push_back({snippet.substr(at), false});
}

// Reads every flagged article of `query` (newest first), at most `max`.
// Returns whether more were left.
Result<bool> ForEachHit(Store& store, MatchQuery query, size_t max,
                        const std::function<Status(MatchHit&)>& fn) {
  size_t seen = 0;
  for (;;) {
    // One more than still wanted, to tell "exactly max" from "more".
    const size_t left = max - seen;
    query.limit = left < kQueryPage ? left + 1 : kQueryPage;
    Result<std::vector<MatchHit>> page = store.QueryMatches(query);
    if (!page.ok()) return page.status();
    const size_t got = page->size();
    for (MatchHit& hit : *page) {
      if (seen == max) return true;
      MW_RETURN_IF_ERROR(fn(hit));
      ++seen;
    }
    if (got < query.limit) return false;
    query.after = QueryCursor{page->back().time, page->back().article.id};
  }
}

std::string EventDetail(const ArticleVersion& v) {
  std::string detail = v.kind == "removed" ? v.reason : v.diff;
  if (detail.size() > kMaxEventDetailBytes) {
    TruncateUtf8(&detail, kMaxEventDetailBytes);
    detail += "…";
  }
  return RepairUtf8(detail);
}

}  // namespace

Status CheckTimeZone(std::string_view zone) {
  if (zone.empty() || zone.size() > 64) {
    return Status::InvalidArgument("unknown time zone '" + std::string(zone) +
                                   "' (use an IANA name such as Asia/Shanghai or UTC)");
  }
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(
      icu::UnicodeString::fromUTF8(icu::StringPiece(zone.data(), zone.size()))));
  icu::UnicodeString id;
  if (tz != nullptr) tz->getID(id);
  // ICU answers an id it does not know with the zone "Etc/Unknown".
  if (tz == nullptr || id == icu::UnicodeString(u"Etc/Unknown")) {
    return Status::InvalidArgument("unknown time zone '" + std::string(zone) +
                                   "' (use an IANA name such as Asia/Shanghai or UTC)");
  }
  return Status::Ok();
}

Result<DigestFormat> ParseDigestFormat(std::string_view name) {
  if (name == "html") return DigestFormat::kHtml;
  if (name == "md" || name == "markdown") return DigestFormat::kMarkdown;
  if (name == "json") return DigestFormat::kJson;
  return Status::InvalidArgument("unknown digest format '" + std::string(name) +
                                 "' (html, md or json)");
}

Result<std::pair<int64_t, int64_t>> LocalDayRange(std::string_view date, std::string_view zone) {
  int y = 0, m = 0, d = 0;
  if (!ParseDate(date, &y, &m, &d)) {
    return Status::InvalidArgument("'" + std::string(date) + "' is not a date like 2026-01-28");
  }
  Result<LocalClock> clock = LocalClock::Create(zone);
  if (!clock.ok()) return clock.status();
  return std::make_pair(clock->Midnight(y, m, d), clock->Midnight(y, m, d + 1));
}

Result<int64_t> ParseLocalTime(std::string_view text, std::string_view zone) {
  Result<LocalClock> clock = LocalClock::Create(zone);
  if (!clock.ok()) return clock.status();
  int y = 0, m = 0, d = 0;
  if (text.size() == 10) {
    if (!ParseDate(text, &y, &m, &d)) {
      return Status::InvalidArgument("'" + std::string(text) + "' is not a date like 2026-01-28");
    }
    return clock->Midnight(y, m, d);
  }
  // A local date-time: no zone designator after the time.
  if ((text.size() == 16 || text.size() == 19) && (text[10] == 'T' || text[10] == ' ') &&
      ParseDate(text.substr(0, 10), &y, &m, &d)) {
    int hh = 0, mm = 0, ss = 0;
    const bool ok =
        text[13] == ':' && ParseDigits(text.substr(11, 2), &hh) &&
        ParseDigits(text.substr(14, 2), &mm) &&
        (text.size() == 16 || (text[16] == ':' && ParseDigits(text.substr(17, 2), &ss)));
    if (ok && hh < 24 && mm < 60 && ss < 60) return clock->LocalTime(y, m, d, hh, mm, ss);
  }
  std::optional<int64_t> t = ParseIso8601Date(text);
  if (!t) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a date like 2026-01-28 or a date-time like "
                                   "2026-01-28T09:30 (local) or 2026-01-28T09:30:00Z");
  }
  return *t;
}

std::string LocalDate(int64_t time, std::string_view zone) {
  Result<LocalClock> clock = LocalClock::Create(zone);
  return clock.ok() ? clock->Date(time) : std::string();
}

Result<Digest> BuildDigest(Store& store, const std::vector<Watchlist>& watchlists,
                           const TextNormalizer* normalizer, const DigestOptions& options) {
  if (options.watchlist_id.empty()) return Status::InvalidArgument("no watch-list id");
  if (options.since >= options.until) {
    return Status::InvalidArgument("the period is empty: since must be before until");
  }
  if (options.sparkline_days < 1 || options.sparkline_days > 366) {
    return Status::InvalidArgument("sparkline_days must be 1..366");
  }
  Result<LocalClock> clock = LocalClock::Create(options.time_zone);
  if (!clock.ok()) return clock.status();

  Digest digest;
  digest.watchlist_id = options.watchlist_id;
  digest.watchlist_name = options.watchlist_id;
  digest.time_zone = options.time_zone;
  digest.since = options.since;
  digest.until = options.until;
  digest.generated_at = options.generated_at != 0 ? options.generated_at : std::time(nullptr);

  // Names and order of the targets from the watch-list file, when known.
  const Watchlist* list = nullptr;
  for (const Watchlist& w : watchlists) {
    if (w.id == options.watchlist_id) list = &w;
  }
  std::vector<std::string> order;
  if (list != nullptr) {
    digest.watchlist_name = list->name.empty() ? list->id : list->name;
    for (const WatchTarget& t : list->targets) {
      order.push_back(t.id);
      digest.target_names[t.id] = t.name.empty() ? t.id : t.name;
      digest.target_kinds[t.id] = std::string(TargetKindName(t.kind));
    }
    for (const WatchRule& r : list->rules) {
      order.push_back(r.id);
      digest.target_names[r.id] = r.name.empty() ? r.id : r.name;
      digest.target_kinds[r.id] = "rule";
    }
  }
  // Without a matcher (no file, no normalizer, or a list that no longer
  // compiles) snippets are highlighted by plain search for the stored term.
  std::unique_ptr<WatchlistMatcher> matcher;
  if (list != nullptr && normalizer != nullptr) {
    Result<std::unique_ptr<WatchlistMatcher>> m = WatchlistMatcher::Create({*list}, normalizer);
    if (m.ok()) matcher = std::move(m).value();
  }
  auto note_target = [&](const MatchRecord& m) {
    if (digest.target_names.count(m.target_id) == 0) {
      digest.target_names[m.target_id] = m.target_id;
      digest.target_kinds[m.target_id] = m.kind;
    }
  };

  // The period's stories.
  MatchQuery query;
  query.watchlist_id = options.watchlist_id;
  query.since = options.since;
  query.until = options.until;
  std::map<std::string, int64_t> per_target;
  std::map<std::string, size_t> story_of_cluster;
  Result<bool> more = ForEachHit(store, query, options.max_articles, [&](MatchHit& hit) -> Status {
    ++digest.articles;
    ++digest.per_language[hit.article.language];
    for (const MatchRecord& m : hit.matches) {
      ++per_target[m.target_id];
      note_target(m);
    }
    const std::string cluster = hit.article.cluster_id;  // hit.article is moved below
    if (!cluster.empty()) {
      auto it = story_of_cluster.find(cluster);
      if (it != story_of_cluster.end()) {
        const ArticleRecord& a = hit.article;
        digest.stories[it->second].copies.push_back(
            {a.id, a.source.empty() ? a.feed_id : a.source, a.title, a.url, a.language, hit.time});
        return Status::Ok();
      }
      story_of_cluster[cluster] = digest.stories.size();
    }
    DigestStory story;
    story.article = std::move(hit.article);
    story.time = hit.time;
    story.cluster_size = hit.cluster_size;
    const MatchRecord* with_snippet = nullptr;
    for (const MatchRecord& m : hit.matches) {
      story.matches.push_back(
          {m.target_id, digest.target_names[m.target_id], m.kind, m.term, "", m.count});
      if (m.snippet.empty()) continue;
      // An entity's snippet first: names are what a reader looks for.
      if (with_snippet == nullptr || (with_snippet->kind != "entity" && m.kind == "entity")) {
        with_snippet = &m;
      }
    }
    if (with_snippet != nullptr) {
      HighlightSnippet(RepairUtf8(with_snippet->snippet), hit.matches, matcher.get(), &story);
    }
    if (hit.cluster_size > 1 && !cluster.empty()) {
      Result<std::vector<ArticleRecord>> members =
          store.ClusterMembers(cluster, kClusterMembersRead);
      if (!members.ok()) return members.status();
      const std::string own =
          story.article.source.empty() ? story.article.feed_id : story.article.source;
      std::set<std::string> seen = {own};
      for (const ArticleRecord& a : *members) {
        const std::string outlet = a.source.empty() ? a.feed_id : a.source;
        if (a.id == story.article.id || outlet.empty() || !seen.insert(outlet).second) continue;
        if (story.also_published_by.size() < kMaxAlsoPublishedBy) {
          story.also_published_by.push_back(outlet);
        } else {
          ++story.also_published_more;
        }
      }
    }
    digest.stories.push_back(std::move(story));
    return Status::Ok();
  });
  if (!more.ok()) return more.status();
  digest.truncated = *more;
  digest.story_count = static_cast<int64_t>(digest.stories.size());

  // Per-target totals in watch-list order, then the ids the file lacks.
  for (const auto& [id, n] : per_target) {
    if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
  }
  for (const std::string& id : order) {
    auto it = per_target.find(id);
    if (it != per_target.end()) digest.per_target.emplace_back(id, it->second);
  }

  // Sparklines: local days, counted from the article times (Store::Timeline
  // buckets are UTC days, which would misplace a story published at 02:00
  // in Shanghai).
  const LocalClock::Fields last = clock->At(options.until - 1);
  const int days = options.sparkline_days;
  std::vector<int64_t> bounds;
  for (int i = 0; i <= days; ++i) {
    bounds.push_back(clock->Midnight(last.year, last.month, last.day - (days - 1) + i));
  }
  digest.sparkline_first_day = clock->Date(bounds.front());
  digest.sparkline_last_day = clock->Date(bounds[days - 1]);
  std::map<std::string, std::vector<int64_t>> daily;
  MatchQuery window;
  window.watchlist_id = options.watchlist_id;
  window.since = bounds.front();
  window.until = bounds.back();
  Result<bool> window_more =
      ForEachHit(store, window, options.max_sparkline_articles, [&](MatchHit& hit) -> Status {
        auto at = std::upper_bound(bounds.begin(), bounds.end(), hit.time);
        if (at == bounds.begin() || at == bounds.end()) return Status::Ok();
        const size_t day = static_cast<size_t>(at - bounds.begin()) - 1;
        for (const MatchRecord& m : hit.matches) {
          note_target(m);
          std::vector<int64_t>& counts = daily[m.target_id];
          counts.resize(days, 0);
          ++counts[day];
        }
        return Status::Ok();
      });
  if (!window_more.ok()) return window_more.status();
  for (const auto& [id, counts] : daily) {
    if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
  }
  for (const std::string& id : order) {
    auto it = daily.find(id);
    if (it == daily.end()) continue;
    DigestSparkline s;
    s.target_id = id;
    s.name = digest.target_names[id];
    s.kind = digest.target_kinds[id];
    s.counts = it->second;
    for (int64_t n : s.counts) {
      s.max = std::max(s.max, n);
      s.total += n;
    }
    digest.sparklines.push_back(std::move(s));
  }

  // Edits, removals and restorations of articles this watch-list flagged.
  Result<std::vector<ArticleEvent>> events =
      store.ListEvents(options.since, options.until, options.max_events + 1);
  if (!events.ok()) return events.status();
  if (events->size() > options.max_events) {
    events->resize(options.max_events);
    digest.truncated = true;
  }
  for (auto it = events->rbegin(); it != events->rend(); ++it) {
    const ArticleEvent& e = *it;
    Result<std::vector<MatchRecord>> matches = store.GetMatches(e.article_id);
    if (!matches.ok()) return matches.status();
    const bool flagged = std::any_of(matches->begin(), matches->end(), [&](const MatchRecord& m) {
      return m.watchlist_id == options.watchlist_id;
    });
    if (!flagged) continue;
    Result<std::optional<ArticleRecord>> article = store.GetArticle(e.article_id);
    if (!article.ok()) return article.status();
    if (!article->has_value()) continue;
    const ArticleRecord& a = **article;
    DigestEvent out{e.time, e.kind,     e.version,
                    a.id,   a.title,    a.source.empty() ? a.feed_id : a.source,
                    a.url,  a.language, ""};
    Result<std::vector<ArticleVersion>> versions = store.GetVersions(e.article_id);
    if (!versions.ok()) return versions.status();
    for (const ArticleVersion& v : *versions) {
      if (v.number == e.version) out.detail = EventDetail(v);
    }
    digest.events.push_back(std::move(out));
  }
  return digest;
}

// ---------------------------------------------------------------------------
// Rendering.

namespace {

// How string values enter the template context. HTML templates use {{x}}
// (mstch HTML-escapes); Markdown templates use {{{x}}} on values escaped
// here for Markdown.
enum class Escape { kNone, kMarkdown };

std::string MarkdownEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      // Values never start a line (the templates put them after a prefix),
      // so only inline syntax needs escaping: emphasis, code, links, raw
      // HTML and entities, tables, strikethrough, a heading's closing #s.
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '#':
      case '|':
      case '~':
      case '&':
        out += '\\';
        out += c;
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';  // a value never starts a Markdown block
        break;
      default:
        out += c;
    }
  }
  return out;
}

// http(s) URLs only (a stored URL is canonical http(s), but the digest is
// mailed: never a javascript: link).
std::string SafeUrl(std::string_view url, Escape escape) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) return "";
  if (escape == Escape::kNone) return std::string(url);
  // Markdown link destination: characters that end or break it are
  // percent-encoded.
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : url) {
    if (c <= 0x20 || c == '(' || c == ')' || c == '<' || c == '>' || c == '\\' || c == '`' ||
        c == 0x7F) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A BCP 47-looking tag, or "" (a stored language comes from the page).
std::string LangAttr(std::string_view tag) {
  if (tag.size() > 35) return "";
  for (char c : tag) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return "";
    }
  }
  std::string out(tag);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

// "rtl" when the first strong character is right-to-left (Uyghur, Arabic,
// Hebrew), else "auto": e-mail clients ignore dir="auto" more often than an
// explicit direction.
std::string TextDir(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = DecodeUtf8At(text, &pos);
    const UCharDirection d = u_charDirection(static_cast<UChar32>(cp));
    if (d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC) return "rtl";
    if (d == U_LEFT_TO_RIGHT) return "auto";
  }
  return "auto";
}

std::string Num(int64_t n) { return std::to_string(n); }

std::string KindLabel(const std::string& kind) {
  if (kind == "entity") return "entity";
  if (kind == "keyword") return "keyword";
  if (kind == "rule") return "rule";
  return kind;
}

std::string PeriodLabel(const Digest& d, LocalClock& clock) {
  std::string label;
  if (clock.IsMidnight(d.since) && clock.IsMidnight(d.until)) {
    const std::string first = clock.Date(d.since);
    const std::string last = clock.Date(d.until - 1);
    label = first == last ? first : first + " to " + last;
  } else {
    label = clock.DateTime(d.since) + " to " + clock.DateTime(d.until);
  }
  return label + " (" + d.time_zone + ")";
}

// The sparkline as SVG geometry: 5 px per day, 24 px high.
constexpr int kSparkStep = 5;
constexpr int kSparkHeight = 24;

std::string SparkPoints(const DigestSparkline& s) {
  std::string points;
  for (size_t i = 0; i < s.counts.size(); ++i) {
    const double y = s.max == 0 ? kSparkHeight - 2
                                : kSparkHeight - 2 -
                                      (kSparkHeight - 4) * static_cast<double>(s.counts[i]) /
                                          static_cast<double>(s.max);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%d,%.1f", i == 0 ? "" : " ",
                  static_cast<int>(i) * kSparkStep + 2, y);
    points += buf;
  }
  return points;
}

std::string SparkBlocks(const DigestSparkline& s) {
  static const char* const kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  for (int64_t n : s.counts) {
    const int level = s.max == 0 || n == 0 ? 0 : 1 + static_cast<int>(6 * n / s.max);
    out += kBlocks[std::min(level, 7)];
  }
  return out;
}

mstch::map Context(const Digest& d, Escape escape, LocalClock& clock) {
  auto text = [escape](std::string_view s) {
    std::string repaired = RepairUtf8(s);
    return escape == Escape::kMarkdown ? MarkdownEscape(repaired) : repaired;
  };
  auto name_of = [&d](const std::string& id) {
    auto it = d.target_names.find(id);
    return it != d.target_names.end() ? it->second : id;
  };
  auto kind_of = [&d](const std::string& id) {
    auto it = d.target_kinds.find(id);
    return it != d.target_kinds.end() ? it->second : std::string();
  };
  mstch::map ctx;
  ctx["watchlist_id"] = text(d.watchlist_id);
  ctx["watchlist_name"] = text(d.watchlist_name);
  ctx["time_zone"] = text(d.time_zone);
  ctx["period"] = text(PeriodLabel(d, clock));
  ctx["generated"] = text(clock.DateTime(d.generated_at) + " (" + d.time_zone + ")");
  ctx["articles"] = Num(d.articles);
  ctx["story_count"] = Num(d.story_count);
  ctx["truncated"] = d.truncated;
  ctx["has_stories"] = !d.stories.empty();

  mstch::array targets;
  for (const auto& [id, n] : d.per_target) {
    targets.push_back(mstch::map{{"id", text(id)},
                                 {"name", text(name_of(id))},
                                 {"kind", text(KindLabel(kind_of(id)))},
                                 {"count", Num(n)}});
  }
  ctx["targets"] = targets;
  mstch::array languages;
  for (const auto& [lang, n] : d.per_language) {
    languages.push_back(mstch::map{{"language", text(lang.empty() ? "unknown" : lang)},
                                   {"sep", std::string(languages.empty() ? "" : ", ")},
                                   {"count", Num(n)}});
  }
  ctx["languages"] = languages;

  mstch::array sparklines;
  for (const DigestSparkline& s : d.sparklines) {
    std::string numbers;
    for (int64_t n : s.counts) numbers += (numbers.empty() ? "" : " ") + Num(n);
    const std::string aria = s.name + ": flagged articles per day, " + d.sparkline_first_day +
                             " to " + d.sparkline_last_day + ", max " + Num(s.max) + ", total " +
                             Num(s.total) + ": " + numbers;
    sparklines.push_back(mstch::map{
        {"id", text(s.target_id)},
        {"name", text(s.name)},
        {"kind", text(KindLabel(s.kind))},
        {"points", SparkPoints(s)},
        {"width", Num(static_cast<int64_t>(s.counts.size()) * kSparkStep + 2)},
        {"height", Num(kSparkHeight)},
        {"aria_label", text(aria)},
        {"blocks", SparkBlocks(s)},
        {"max", Num(s.max)},
        {"total", Num(s.total)},
    });
  }
  ctx["sparklines"] = sparklines;
  ctx["has_sparklines"] = !sparklines.empty();
  ctx["sparkline_first_day"] = text(d.sparkline_first_day);
  ctx["sparkline_last_day"] = text(d.sparkline_last_day);

  mstch::array stories;
  for (const DigestStory& s : d.stories) {
    const ArticleRecord& a = s.article;
    std::string snippet_plain;
    mstch::array parts;
    for (const DigestSnippetPart& p : s.snippet) {
      snippet_plain += p.text;
      parts.push_back(mstch::map{{"text", text(p.text)}, {"mark", p.highlight}});
    }
    mstch::array matches;
    for (const DigestMatch& m : s.matches) {
      matches.push_back(mstch::map{
          {"id", text(m.target_id)},
          {"name", text(m.target_name)},
          {"kind", text(KindLabel(m.kind))},
          {"term", text(m.term)},
          {"found", text(m.found)},
          // "matched 关恒" when the text read otherwise (關恆).
          {"show_term", !m.term.empty() && m.term != m.found},
          {"count", Num(m.count)},
          {"sep", std::string(matches.empty() ? "" : "; ")},
      });
    }
    std::string also;
    for (const std::string& outlet : s.also_published_by) {
      also += (also.empty() ? "" : ", ") + outlet;
    }
    if (s.also_published_more > 0) also += " and " + Num(s.also_published_more) + " more";
    mstch::array copies;
    for (const DigestCopy& c : s.copies) {
      copies.push_back(mstch::map{
          {"source", text(c.source)},
          {"title", text(c.title)},
          {"url", SafeUrl(c.url, escape)},
          {"lang", LangAttr(c.language)},
          {"dir", TextDir(c.title)},
          {"local_time", clock.DateTime(c.time)},
      });
    }
    const std::string source = a.source.empty() ? a.feed_id : a.source;
    stories.push_back(mstch::map{
        {"id", a.id},
        {"title", text(a.title.empty() ? "(no title)" : a.title)},
        {"url", SafeUrl(a.url, escape)},
        {"source", text(source)},
        {"source_dir", TextDir(source)},
        {"language", text(a.language.empty() ? "unknown" : a.language)},
        {"lang", LangAttr(a.language)},
        {"title_dir", TextDir(a.title)},
        {"snippet_dir", TextDir(snippet_plain)},
        {"local_time", clock.DateTime(s.time)},
        {"has_snippet", !parts.empty()},
        {"snippet", parts},
        {"matches", matches},
        {"cluster_size", Num(static_cast<int64_t>(s.cluster_size))},
        {"has_also", !also.empty()},
        {"also_published_by", text(also)},
        {"has_copies", !copies.empty()},
        {"copies", copies},
    });
  }
  ctx["stories"] = stories;

  mstch::array events;
  for (const DigestEvent& e : d.events) {
    events.push_back(mstch::map{
        {"kind", text(e.kind)},
        {"version", Num(e.version)},
        {"local_time", clock.DateTime(e.time)},
        {"title", text(e.title.empty() ? "(no title)" : e.title)},
        {"url", SafeUrl(e.url, escape)},
        {"source", text(e.source)},
        {"lang", LangAttr(e.language)},
        {"title_dir", TextDir(e.title)},
        {"detail", text(e.detail)},
        {"detail_dir", TextDir(e.detail)},
        {"has_detail", !e.detail.empty()},
    });
  }
  ctx["events"] = events;
  ctx["has_events"] = !events.empty();
  return ctx;
}

nlohmann::json DigestJson(const Digest& d, LocalClock& clock) {
  using nlohmann::json;
  json targets = json::array();
  for (const auto& [id, n] : d.per_target) {
    auto name = d.target_names.find(id);
    auto kind = d.target_kinds.find(id);
    targets.push_back({{"id", id},
                       {"name", name != d.target_names.end() ? name->second : id},
                       {"kind", kind != d.target_kinds.end() ? kind->second : ""},
                       {"articles", n}});
  }
  json languages = json::object();
  for (const auto& [lang, n] : d.per_language) languages[lang] = n;
  json sparklines = json::array();
  for (const DigestSparkline& s : d.sparklines) {
    sparklines.push_back({{"id", s.target_id},
                          {"name", s.name},
                          {"kind", s.kind},
                          {"counts", s.counts},
                          {"max", s.max},
                          {"total", s.total}});
  }
  json stories = json::array();
  for (const DigestStory& s : d.stories) {
    const ArticleRecord& a = s.article;
    json matches = json::array();
    for (const DigestMatch& m : s.matches) {
      matches.push_back({{"id", m.target_id},
                         {"name", m.target_name},
                         {"kind", m.kind},
                         {"term", m.term},
                         {"found", m.found},
                         {"count", m.count}});
    }
    json snippet = json::array();
    for (const DigestSnippetPart& p : s.snippet) {
      snippet.push_back({{"text", p.text}, {"highlight", p.highlight}});
    }
    json copies = json::array();
    for (const DigestCopy& c : s.copies) {
      copies.push_back({{"id", c.article_id},
                        {"source", c.source},
                        {"title", c.title},
                        {"url", c.url},
                        {"language", c.language},
                        {"time", FormatIso8601Utc(c.time)}});
    }
    stories.push_back({{"id", a.id},
                       {"url", a.url},
                       {"title", a.title},
                       {"source", a.source},
                       {"feed", a.feed_id},
                       {"language", a.language},
                       {"time", FormatIso8601Utc(s.time)},
                       {"local_time", clock.Iso(s.time)},
                       {"cluster", a.cluster_id.empty() ? json(nullptr) : json(a.cluster_id)},
                       {"cluster_size", s.cluster_size},
                       {"matches", matches},
                       {"snippet", snippet},
                       {"also_published_by", s.also_published_by},
                       {"also_published_more", s.also_published_more},
                       {"copies", copies}});
  }
  json events = json::array();
  for (const DigestEvent& e : d.events) {
    events.push_back({{"time", FormatIso8601Utc(e.time)},
                      {"local_time", clock.Iso(e.time)},
                      {"kind", e.kind},
                      {"version", e.version},
                      {"id", e.article_id},
                      {"title", e.title},
                      {"source", e.source},
                      {"url", e.url},
                      {"language", e.language},
                      {"detail", e.detail}});
  }
  return {{"watchlist", d.watchlist_id},
          {"watchlist_name", d.watchlist_name},
          {"time_zone", d.time_zone},
          {"since", FormatIso8601Utc(d.since)},
          {"until", FormatIso8601Utc(d.until)},
          {"since_local", clock.Iso(d.since)},
          {"until_local", clock.Iso(d.until)},
          {"generated_at", FormatIso8601Utc(d.generated_at)},
          {"articles", d.articles},
          {"stories_count", d.story_count},
          {"truncated", d.truncated},
          {"targets", targets},
          {"languages", languages},
          {"sparkline_days", {{"first", d.sparkline_first_day}, {"last", d.sparkline_last_day}}},
          {"sparklines", sparklines},
          {"stories", stories},
          {"events", events}};
}

Result<std::string> ReadTemplate(const std::string& dir, const char* name) {
  const std::filesystem::path path = std::filesystem::path(dir) / name;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound("cannot read template " + path.string() + ": " + ec.message());
  if (size > kMaxTemplateBytes) {
    return Status::TooLarge("template " + path.string() + " is larger than 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in.good() && !in.eof()) return Status::IoError("cannot read template " + path.string());
  return buf.str();
}

}  // namespace

Result<std::string> RenderDigest(const Digest& digest, DigestFormat format,
                                 const std::string& templates_dir) {
  Result<LocalClock> clock = LocalClock::Create(digest.time_zone);
  if (!clock.ok()) return clock.status();
  if (format == DigestFormat::kJson) {
    return report_internal::DumpJson(DigestJson(digest, *clock), -1) + "\n";
  }
  const bool html = format == DigestFormat::kHtml;
  std::string tmpl(html ? kDigestHtmlTemplate : kDigestMdTemplate);
  if (!templates_dir.empty()) {
    Result<std::string> t =
        ReadTemplate(templates_dir, html ? "digest.html.mustache" : "digest.md.mustache");
    if (!t.ok()) return t.status();
    tmpl = std::move(t).value();
  }
  const mstch::map ctx = Context(digest, html ? Escape::kNone : Escape::kMarkdown, *clock);
  // mstch reports template errors by throwing; they stop here.
  try {
    return mstch::render(tmpl, ctx);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("digest template does not render: ") + e.what());
  }
}

}  // namespace mw
