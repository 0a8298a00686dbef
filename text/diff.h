// mediawatch/text/diff.h
//
// What changed between two versions of an article's text, for people: a
// line diff (article text keeps one paragraph per line) listing removed
// lines as "- line" and added ones as "+ line", each hunk introduced by
// "@@ paragraph N @@" (1-based, in the old text). Unchanged lines are
// left out.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>

namespace mw {

struct LineDiffOptions {
  // Texts with more lines than this are compared as one block each (the
  // whole text replaced): the diff is quadratic in the line count.
  // Default: 5,000.
  size_t max_lines = 5000;
};

// "" when the texts have the same lines.
std::string LineDiff(std::string_view old_text, std::string_view new_text,
                     const LineDiffOptions& options = {});

// The text with runs of whitespace (ASCII and Unicode spaces encoded in
// UTF-8: U+00A0, U+2000-U+200B, U+3000) collapsed to one space per line and
// blank lines dropped: two versions that differ only in spacing compare
// equal.
std::string CollapseWhitespace(std::string_view text);

}  // namespace mw
