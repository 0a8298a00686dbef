// mediawatch/report/digest.h
//
// Daily (or any period's) digests of one watch-list: what was flagged, how
// coverage moved over the last 30 days, and which flagged stories were
// edited or removed. Built from the store into a Digest value, then
// rendered as e-mail-ready HTML, Markdown (also the plain-text part of an
// e-mail) or JSON. Used by `mediawatch digest` and by the daemon, which
// schedules digests and mails them.
//
//   Result<std::pair<int64_t, int64_t>> day = LocalDayRange("2026-01-28", "Asia/Shanghai");
//   DigestOptions options;
//   options.watchlist_id = "guan-heng-case";
//   options.since = day->first;
//   options.until = day->second;
//   options.time_zone = "Asia/Shanghai";
//   Result<Digest> digest = BuildDigest(*store, watchlists, normalizer.get(), options);
//   Result<std::string> html = RenderDigest(*digest, DigestFormat::kHtml, "");
//
// Times: stored times are UTC seconds; the digest shows them in
// DigestOptions::time_zone (an IANA name, through ICU), and its sparklines
// count local calendar days (23 and 25 hours long on DST days).
//
// Stories: each flagged article of the period appears once with all of its
// matches; copies of a story (the same syndication cluster) that were also
// flagged in the period are folded into the newest copy instead of being
// listed again. Text is shown as stored (no translation), snippets with the
// words that matched highlighted in the script the article was written in.
//
// Thread safety: free functions; BuildDigest only reads the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/watchlist.h"

namespace mw {

enum class DigestFormat { kHtml, kMarkdown, kJson };

// "html", "md" (or "markdown"), "json". Errors: kInvalidArgument.
Result<DigestFormat> ParseDigestFormat(std::string_view name);

struct DigestOptions {
  std::string watchlist_id;  // required
  // The period, Unix seconds UTC, [since, until); since < until required.
  int64_t since = 0;
  int64_t until = 0;
  // IANA time zone for everything shown (and the sparkline days). Default: "UTC".
  std::string time_zone = "UTC";
  // The digest's generation time (Unix s). Default: 0 = now.
  int64_t generated_at = 0;
  // Days in each sparkline, ending with the local day holding `until - 1`.
  // Default: 30 (1..366).
  int sparkline_days = 30;
  // Flagged articles read for the period; past it the digest says it was
  // truncated. Default: 5,000.
  size_t max_articles = 5000;
  // Flagged articles read for the sparklines. Default: 100,000.
  size_t max_sparkline_articles = 100000;
  // Change events (edits, removals, restorations) read for the period.
  // Default: 10,000.
  size_t max_events = 10000;
};

// One match of a story, with what was highlighted for it.
struct DigestMatch {
  std::string target_id;
  std::string target_name;  // from the watch-list file; the id when unknown
  std::string kind;         // "entity", "keyword" or "rule"
  std::string term;         // as written in the list ("" for a rule)
  // The original text highlighted for this target in the story's snippet
  // ("關恆" for the term "关恒"); "" when it is not in the snippet.
  std::string found;
  int count = 0;
};

// A piece of a snippet; highlighted pieces are what a term matched.
struct DigestSnippetPart {
  std::string text;
  bool highlight = false;
};

// Another flagged copy of a story within the period, folded into it.
struct DigestCopy {
  std::string article_id;
  std::string source;
  std::string title;
  std::string url;
  std::string language;
  int64_t time = 0;
};

struct DigestStory {
  ArticleRecord article;  // text omitted
  int64_t time = 0;       // published, else fetched_at
  std::vector<DigestMatch> matches;
  std::vector<DigestSnippetPart> snippet;  // empty when no match had one
  size_t cluster_size = 0;                 // as MatchHit::cluster_size
  // Outlets of the other stored copies (distinct, this story's own outlet
  // left out), oldest copy first, at most 10; `also_published_more` more.
  std::vector<std::string> also_published_by;
  size_t also_published_more = 0;
  std::vector<DigestCopy> copies;
};

// An edit, removal or restoration of an article the watch-list flagged.
struct DigestEvent {
  int64_t time = 0;
  std::string kind;  // "edited", "removed", "restored"
  int version = 0;
  std::string article_id;
  std::string title;  // the article's title as first stored
  std::string source;
  std::string url;
  std::string language;
  // "removed": the reason; otherwise the first lines of the diff (<= ~400 bytes).
  std::string detail;
};

struct DigestSparkline {
  std::string target_id;
  std::string name;
  std::string kind;             // "entity", "keyword" or "rule"
  std::vector<int64_t> counts;  // flagged articles per local day, oldest first
  int64_t max = 0;
  int64_t total = 0;
};

struct Digest {
  std::string watchlist_id;
  std::string watchlist_name;  // the id when the watch-list file is unknown
  std::string time_zone;
  int64_t since = 0;
  int64_t until = 0;
  int64_t generated_at = 0;
  // Flagged articles in the period, and stories (articles after folding copies).
  int64_t articles = 0;
  int64_t story_count = 0;
  // Flagged articles per target (entity, keyword, rule) in the period: in
  // watch-list order when the file is known, else by id; zeros left out.
  std::vector<std::pair<std::string, int64_t>> per_target;
  std::map<std::string, std::string> target_names;  // id -> display name
  std::map<std::string, std::string> target_kinds;  // id -> kind
  std::map<std::string, int64_t> per_language;      // "" = unknown
  std::vector<DigestStory> stories;                 // newest first
  std::vector<DigestEvent> events;                  // newest first
  // The sparkline days: the local date of the first and of the last day.
  std::string sparkline_first_day;
  std::string sparkline_last_day;
  std::vector<DigestSparkline> sparklines;  // targets with an article in the days
  bool truncated = false;                   // max_articles or max_events was reached
};

// Builds the digest of options.watchlist_id. `watchlists` are the loaded
// watch-list files (may be empty: names are then ids, and snippets are
// highlighted by plain search for the stored term); `normalizer` (may be
// null: plain search only) must outlive the call. Errors: kInvalidArgument
// (bad period, unknown time zone, no watch-list id), store errors.
Result<Digest> BuildDigest(Store& store, const std::vector<Watchlist>& watchlists,
                           const TextNormalizer* normalizer, const DigestOptions& options);

// Renders `digest`. `templates_dir` "" uses the built-in templates, else
// DIR/digest.html.mustache or DIR/digest.md.mustache (Mustache; the fields
// are listed in docs/alerts.md). JSON ignores templates. Errors: kNotFound /
// kIoError (template file), kTooLarge (a template over 1 MiB),
// kInvalidArgument (the template does not render).
Result<std::string> RenderDigest(const Digest& digest, DigestFormat format,
                                 const std::string& templates_dir);

// The local calendar day `date` ("YYYY-MM-DD") in `zone` as [start, end) in
// UTC seconds: 86,400 s long except on DST change days (23 or 25 h).
// Errors: kInvalidArgument (not a valid date, unknown zone).
Result<std::pair<int64_t, int64_t>> LocalDayRange(std::string_view date, std::string_view zone);

// A time given on the command line: "YYYY-MM-DD" (local midnight in `zone`),
// "YYYY-MM-DDTHH:MM[:SS]" without an offset (local time in `zone`), or an ISO
// 8601 date-time with "Z" or an offset (absolute). Errors: kInvalidArgument.
Result<int64_t> ParseLocalTime(std::string_view text, std::string_view zone);

// The local date ("YYYY-MM-DD") of `time` in `zone`; "" for an unknown zone.
std::string LocalDate(int64_t time, std::string_view zone);

// Errors: kInvalidArgument naming `zone` when ICU does not know it.
Status CheckTimeZone(std::string_view zone);

}  // namespace mw
