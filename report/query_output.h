// mediawatch/report/query_output.h
//
// Renders query results for people (an aligned table that accounts for the
// double width of CJK characters) and for programs (JSON lines, one article
// per line, and RFC 4180 CSV; schemas in README.md). `query` prints one
// result page; `export` calls the JSONL and CSV formatters once per page
// (CsvOptions::header on the first only), so the output of many pages is
// the output of one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/store.h"

namespace mw {

struct TableOptions {
  // Maximum display width of the title column (in terminal cells). Default: 60.
  size_t title_width = 60;
};

// One row per article: time, language, source, title, matched ids. An
// article with stored copies (MatchHit::cluster_size >= 2) has its title
// prefixed with ClusterMarker(), e.g. "[12] " for a story stored 12 times.
// The last line counts the rows: "N flagged articles", or "N articles (M
// flagged)" when some have no match (MatchQuery::flagged_only = false).
std::string FormatMatchesTable(const std::vector<MatchHit>& hits, const TableOptions& options = {});

struct JsonlOptions {
  // Also "fetched_url", "byline", "charset", "simhash" (16 hex digits, null
  // when none) and "text" (MatchHit::article.text: query it with
  // MatchQuery::with_text). Default: false.
  bool full_record = false;
};

// One JSON object per line: {"id","url","title","source","feed","language",
// "published","fetched_at","time","cluster","cluster_size","matches":[{
// "watchlist","target","kind","term","field","count","snippet"}]}. "cluster"
// is the syndication cluster id (null when the article has no fingerprint),
// "cluster_size" the stored members of that cluster, the article included
// (1 = no copy; 0 = no fingerprint; at most kMaxClusterSizeCount).
// "matches" is [] for an article no watch-list flagged.
std::string FormatMatchesJsonl(const std::vector<MatchHit>& hits, const JsonlOptions& options = {});

struct CsvOptions {
  // Start with the header record. Default: true.
  bool header = true;
  // A last column `text` with the article text (blocks separated by LF, so
  // the field is quoted). Default: false.
  bool with_text = false;
};

// RFC 4180 CSV for spreadsheets, pandas and R: UTF-8 without a BOM, CRLF
// after every record (the header too), a field quoted when it contains a
// comma, a double quote, CR or LF, with inner quotes doubled. Header:
//   time,source,language,title,url,matches,snippet,cluster,cluster_size
// time is ISO 8601 UTC ("2026-01-28T09:30:00Z"); source is the outlet name,
// else the feed id; matches are "watchlist/id" joined with ';'; snippet is
// the first non-empty snippet of the article's matches; cluster and
// cluster_size as in JSONL (cluster empty when none). Invalid UTF-8 and
// NUL bytes become U+FFFD so that every reader accepts the file. With
// options.with_text the header ends with ",text".
std::string FormatMatchesCsv(const std::vector<MatchHit>& hits, const CsvOptions& options = {});

// "[N] " when the article's cluster has N >= 2 stored members ("[100+] "
// at the counting cap), else "".
std::string ClusterMarker(const MatchHit& hit);

// One CSV field as FormatMatchesCsv writes it (quoted only when needed).
std::string CsvField(std::string_view value);

// "512 B", "1.5 KiB", "12.3 MiB", "2.0 GiB" (binary units, one decimal).
std::string FormatByteSize(int64_t bytes);

// Terminal cells needed to show UTF-8 `text` (East Asian wide/fullwidth = 2,
// combining marks = 0, everything else = 1).
size_t DisplayWidth(std::string_view text);

}  // namespace mw
