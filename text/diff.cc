#include "text/diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace mw {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    const size_t stop = end == std::string_view::npos ? text.size() : end;
    lines.push_back(text.substr(start, stop - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Length in bytes of a UTF-8 space at `s[i]`, else 0.
size_t SpaceAt(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') return 1;
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) return 2;
  if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
    const unsigned char d = static_cast<unsigned char>(s[i + 2]);
    if (d <= 0x8B) return 3;  // U+2000..U+200B
  }
  if (c == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      static_cast<unsigned char>(s[i + 2]) == 0x80) {
    return 3;  // U+3000
  }
  return 0;
}

}  // namespace

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::string_view line : Lines(text)) {
    std::string collapsed;
    bool pending_space = false;
    for (size_t i = 0; i < line.size();) {
      if (const size_t n = SpaceAt(line, i)) {
        pending_space = true;
        i += n;
        continue;
      }
      if (pending_space && !collapsed.empty()) collapsed += ' ';
      pending_space = false;
      collapsed += line[i++];
    }
    if (collapsed.empty()) continue;
    if (!out.empty()) out += '\n';
    out += collapsed;
  }
  return out;
}

std::string LineDiff(std::string_view old_text, std::string_view new_text,
                     const LineDiffOptions& options) {
  std::vector<std::string_view> a = Lines(old_text);
  std::vector<std::string_view> b = Lines(new_text);
  if (a == b) return "";
  if (a.size() > options.max_lines || b.size() > options.max_lines) {
    a = {old_text};
    b = {new_text};
  }
  // Common prefix and suffix first: edits are usually local.
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  const size_t n = a.size() - head - tail;
  const size_t m = b.size() - head - tail;
  // Longest common subsequence of the middle parts.
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[head + i] == b[head + j] ? lcs[i + 1][j + 1] + 1
                                             : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  bool in_hunk = false;
  auto open_hunk = [&](size_t old_index) {
    if (in_hunk) return;
    out += "@@ paragraph " + std::to_string(old_index + 1) + " @@\n";
    in_hunk = true;
  };
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] == b[head + j]) {
      in_hunk = false;
      ++i;
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      open_hunk(head + i);  // removed lines before the added ones
      out += "- ";
      out.append(a[head + i]);
      out += '\n';
      ++i;
    } else {
      open_hunk(head + i);
      out += "+ ";
      out.append(b[head + j]);
      out += '\n';
      ++j;
    }
  }
  return out;
}

}  // namespace mw
