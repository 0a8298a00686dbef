#include "watch/matcher.h"

#include <algorithm>

namespace mw {
namespace {

constexpr size_t kSnippetBytes = 240;

// The code point that ends just before `pos` (U+0000 at the start).
char32_t PreviousCodePoint(std::string_view s, size_t pos) {
  if (pos == 0) return 0;
  size_t start = pos - 1;
  while (start > 0 && pos - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  size_t p = start;
  return DecodeUtf8At(s, &p);
}

char32_t NextCodePoint(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  return DecodeUtf8At(s, &pos);
}

size_t SnapBack(std::string_view s, size_t pos) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

// Cuts `line` to about kSnippetBytes around relative position `ratio`.
std::string Window(std::string_view line, double ratio) {
  if (line.size() <= kSnippetBytes) return std::string(line);
  size_t center = static_cast<size_t>(ratio * static_cast<double>(line.size()));
  size_t begin = center > kSnippetBytes / 3 ? center - kSnippetBytes / 3 : 0;
  size_t end = std::min(line.size(), begin + kSnippetBytes);
  if (end == line.size()) begin = line.size() - kSnippetBytes;
  begin = SnapBack(line, begin);
  end = SnapBack(line, end);
  std::string out;
  if (begin > 0) out += "…";
  out.append(line.substr(begin, end - begin));
  if (end < line.size()) out += "…";
  return out;
}

}  // namespace

Result<std::unique_ptr<WatchlistMatcher>> WatchlistMatcher::Create(
    std::vector<Watchlist> watchlists, const TextNormalizer* normalizer) {
  std::unique_ptr<WatchlistMatcher> m(new WatchlistMatcher());
  m->normalizer_ = normalizer;
  for (const Watchlist& list : watchlists) {
    auto& lists = m->compiled_.emplace_back();
    for (const WatchTarget& target : list.targets) {
      auto& terms = lists.emplace_back();
      for (const WatchTerm& watch_term : target.terms) {
        const std::string& term = watch_term.text;
        CompiledTerm c;
        c.folded = normalizer->Fold(term);
        if (c.folded.empty()) {
          return Status::InvalidArgument(list.source + ": term '" + term + "' of '" + target.id +
                                         "' is empty after normalization");
        }
        // Spellings that fold alike (关恒 / 關恆) would count every hit twice.
        c.duplicate = std::any_of(terms.begin(), terms.end(),
                                  [&](const CompiledTerm& o) { return o.folded == c.folded; });
        char32_t first = NextCodePoint(c.folded, 0);
        char32_t last = PreviousCodePoint(c.folded, c.folded.size());
        c.need_left_boundary = IsWordCodePoint(first) && !IsScriptWithoutSpaces(first);
        c.need_right_boundary = IsWordCodePoint(last) && !IsScriptWithoutSpaces(last);
        terms.push_back(std::move(c));
      }
    }
  }
  m->watchlists_ = std::move(watchlists);
  return m;
}

int WatchlistMatcher::CountOccurrences(const CompiledTerm& term, std::string_view haystack,
                                       size_t* first) {
  *first = std::string_view::npos;
  int count = 0;
  size_t pos = 0;
  while ((pos = haystack.find(term.folded, pos)) != std::string_view::npos) {
    size_t end = pos + term.folded.size();
    bool left_ok = !term.need_left_boundary || !IsWordCodePoint(PreviousCodePoint(haystack, pos));
    bool right_ok = !term.need_right_boundary || !IsWordCodePoint(NextCodePoint(haystack, end));
    if (left_ok && right_ok) {
      if (count == 0) *first = pos;
      ++count;
      pos = end;
    } else {
      ++pos;
    }
  }
  return count;
}

std::vector<TermMatch> WatchlistMatcher::Match(std::string_view title,
                                               std::string_view text) const {
  std::vector<TermMatch> out;
  const std::string folded_title = normalizer_->Fold(title);
  const std::string folded_text = normalizer_->Fold(text);
  for (size_t w = 0; w < watchlists_.size(); ++w) {
    for (size_t t = 0; t < watchlists_[w].targets.size(); ++t) {
      const WatchTarget& target = watchlists_[w].targets[t];
      TermMatch hit;
      const CompiledTerm* first_term_in_text = nullptr;
      bool in_title = false;
      for (size_t k = 0; k < target.terms.size(); ++k) {
        const CompiledTerm& term = compiled_[w][t][k];
        if (term.duplicate) continue;
        size_t first_title = 0, first_text = 0;
        int n_title = CountOccurrences(term, folded_title, &first_title);
        int n_text = CountOccurrences(term, folded_text, &first_text);
        if (n_title + n_text == 0) continue;
        if (hit.count == 0) hit.term = target.terms[k].text;
        hit.count += n_title + n_text;
        in_title = in_title || n_title > 0;
        if (n_text > 0 && first_term_in_text == nullptr) first_term_in_text = &term;
      }
      if (hit.count == 0) continue;
      hit.watchlist_id = watchlists_[w].id;
      hit.target_id = target.id;
      hit.kind = target.kind;
      hit.field = in_title ? "title" : "text";
      hit.snippet = first_term_in_text ? Snippet(*first_term_in_text, text) : std::string(title);
      out.push_back(std::move(hit));
    }
  }
  return out;
}

std::string WatchlistMatcher::Snippet(const CompiledTerm& term, std::string_view text) const {
  // The folded text has no offset map back to the original yet, so find the
  // original line (paragraph) that holds the hit and cut around the hit's
  // relative position within it.
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    std::string folded = normalizer_->Fold(line);
    size_t first = 0;
    if (CountOccurrences(term, folded, &first) > 0) {
      double ratio = folded.empty() ? 0.0 : static_cast<double>(first) / folded.size();
      return Window(line, ratio);
    }
    start = nl + 1;
  }
  return {};
}

}  // namespace mw
