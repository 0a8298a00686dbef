// mediawatch/report/query_output.h
//
// Renders query results for people (an aligned table that accounts for the
// double width of CJK characters) and for programs (JSON lines, one flagged
// article per line, schema in README.md).
#pragma once

#include <string>
#include <vector>

#include "storage/store.h"

namespace mw {

struct TableOptions {
  // Maximum display width of the title column (in terminal cells). Default: 60.
  size_t title_width = 60;
};

// One row per flagged article: time, language, source, title, matched ids.
std::string FormatMatchesTable(const std::vector<MatchHit>& hits, const TableOptions& options = {});

// One JSON object per line: {"id","url","title","source","feed","language",
// "published","fetched_at","time","matches":[{"watchlist","target","kind",
// "term","field","count","snippet"}]}.
std::string FormatMatchesJsonl(const std::vector<MatchHit>& hits);

// Terminal cells needed to show UTF-8 `text` (East Asian wide/fullwidth = 2,
// combining marks = 0, everything else = 1).
size_t DisplayWidth(std::string_view text);

}  // namespace mw
