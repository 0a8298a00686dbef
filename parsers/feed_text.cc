// mediawatch/parsers/feed_text.cc
#include "parsers/feed_text.h"

#include <libxml/HTMLparser.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "parsers/date.h"

namespace mw::feed_internal {
namespace {

constexpr uint32_t kReplacementChar = 0xFFFD;
// Longest named reference we look up; HTML 4 names are at most 8 letters.
constexpr size_t kMaxEntityName = 32;

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoreCase(std::string_view s, size_t pos, std::string_view prefix) {
  if (pos + prefix.size() > s.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(s[pos + i]) != prefix[i]) return false;
  }
  return true;
}

// Decodes the character reference starting at s[pos] == '&'. On success
// appends the character and returns the number of bytes consumed; returns 0
// when this '&' does not start a reference we know (it is then literal text).
size_t DecodeCharRef(std::string_view s, size_t pos, std::string* out) {
  size_t i = pos + 1;
  if (i < s.size() && s[i] == '#') {
    ++i;
    const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
    if (hex) ++i;
    const size_t digits_start = i;
    uint32_t cp = 0;
    while (i < s.size() && (hex ? IsHexDigit(s[i]) : IsAsciiDigit(s[i]))) {
      const char c = AsciiLower(s[i]);
      const uint32_t digit =
          IsAsciiDigit(c) ? static_cast<uint32_t>(c - '0') : static_cast<uint32_t>(c - 'a' + 10);
      // Saturate instead of overflowing; anything this large is invalid anyway.
      cp = cp > 0x10FFFF ? cp : cp * (hex ? 16 : 10) + digit;
      ++i;
    }
    if (i == digits_start) return 0;
    if (i < s.size() && s[i] == ';') ++i;
    AppendUtf8(cp == 0 ? kReplacementChar : cp, out);
    return i - pos;
  }
  const size_t name_start = i;
  while (i < s.size() && i - name_start <= kMaxEntityName &&
         (IsAsciiAlpha(s[i]) || IsAsciiDigit(s[i]))) {
    ++i;
  }
  if (i == name_start || i >= s.size() || s[i] != ';') return 0;
  const uint32_t cp = HtmlEntityCodePoint(s.substr(name_start, i - name_start));
  if (cp == 0) return 0;
  AppendUtf8(cp, out);
  return i + 1 - pos;
}

// Tags after which a renderer starts a new line; we turn them into a space so
// that "a<br>b" does not become "ab".
bool IsBreakingTag(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kTags = {
      "br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr"};
  for (std::string_view t : kTags) {
    if (name == t) return true;
  }
  return false;
}

// Position of the '>' closing a tag whose name starts at `from`, skipping
// quoted attribute values (alt="a<br>b"). A quote opens only right after
// '=', so a stray apostrophe cannot swallow the document; without a match we
// fall back to the first '>'.
size_t FindTagEnd(std::string_view html, size_t from) {
  char quote = 0;
  char last = 0;  // previous non-space character outside quotes
  for (size_t i = from; i < html.size(); ++i) {
    const char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if ((c == '"' || c == '\'') && last == '=') {
      quote = c;
    } else if (c == '>') {
      return i;
    }
    if (!IsXmlSpace(c)) last = c;
  }
  return html.find('>', from);
}

// Skips the tag starting at html[pos] == '<'. Returns the position after it,
// or npos when this '<' does not open a tag (then it is literal text).
size_t SkipTag(std::string_view html, size_t pos, std::string* out) {
  if (html.compare(pos, 4, "<!--") == 0) {
    const size_t end = html.find("-->", pos + 4);
    return end == std::string_view::npos ? html.size() : end + 3;
  }
  const size_t next = pos + 1;
  if (next >= html.size()) return std::string_view::npos;
  const char c = html[next];
  if (!IsAsciiAlpha(c) && c != '/' && c != '!' && c != '?') return std::string_view::npos;
  const size_t close = FindTagEnd(html, next);
  if (close == std::string_view::npos) return std::string_view::npos;
  const size_t name_start = c == '/' ? next + 1 : next;
  size_t name_end = name_start;
  while (name_end < close && (IsAsciiAlpha(html[name_end]) || IsAsciiDigit(html[name_end]))) {
    ++name_end;
  }
  std::string name(html.substr(name_start, name_end - name_start));
  for (char& ch : name) ch = AsciiLower(ch);
  if (IsBreakingTag(name)) out->push_back(' ');
  if (c != '/' && (name == "script" || name == "style")) {
    // Their contents are code, not text: skip to the matching end tag.
    for (size_t i = close + 1; i < html.size(); ++i) {
      i = html.find("</", i);
      if (i == std::string_view::npos) break;
      if (StartsWithIgnoreCase(html, i + 2, name)) {
        const size_t end = html.find('>', i);
        return end == std::string_view::npos ? html.size() : end + 1;
      }
    }
    return html.size();
  }
  return close + 1;
}

// Length of the UTF-8 sequence starting at s[i] if well formed, else 0.
size_t WellFormedSequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;  // no overlongs
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return len;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // '-' and '_': the URL-safe alphabet
  if (c == '/' || c == '_') return 63;
  return -1;
}

// ---------------------------------------------------------------- dates

constexpr size_t kMaxFeedDateBytes = 256;

// Reads exactly `count` ASCII digits at s[*pos], advancing *pos.
std::optional<int> Digits(std::string_view s, size_t* pos, size_t min_count, size_t max_count) {
  size_t i = *pos;
  int value = 0;
  while (i < s.size() && i - *pos < max_count && IsAsciiDigit(s[i])) {
    value = value * 10 + (s[i] - '0');
    ++i;
  }
  if (i - *pos < min_count) return std::nullopt;
  *pos = i;
  return value;
}

bool Consume(std::string_view s, size_t* pos, std::string_view token) {
  if (s.substr(*pos, token.size()) != token) return false;
  *pos += token.size();
  return true;
}

void SkipSpaces(std::string_view s, size_t* pos) {
  while (*pos < s.size() && IsXmlSpace(s[*pos])) ++*pos;
}

std::string TwoDigits(int v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02d", v);
  return buf;
}

std::string FourDigits(int v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d", v);
  return buf;
}

// RFC 5322 section 4.3's reading of two-digit years.
int ExpandYear(int yy) { return yy < 50 ? 2000 + yy : 1900 + yy; }

// "2004년 05월 28일  01:31:15" (the OnBlog form): KST.
std::optional<int64_t> ParseKoreanOnblog(std::string_view s) {
  size_t i = 0;
  const auto year = Digits(s, &i, 4, 4);
  if (!year || !Consume(s, &i, "\xEB\x85\x84")) return std::nullopt;  // 년
  SkipSpaces(s, &i);
  const auto month = Digits(s, &i, 1, 2);
  if (!month || !Consume(s, &i, "\xEC\x9B\x94")) return std::nullopt;  // 월
  SkipSpaces(s, &i);
  const auto day = Digits(s, &i, 1, 2);
  if (!day || !Consume(s, &i, "\xEC\x9D\xBC")) return std::nullopt;  // 일
  SkipSpaces(s, &i);
  const auto hour = Digits(s, &i, 1, 2);
  if (!hour || !Consume(s, &i, ":")) return std::nullopt;
  const auto minute = Digits(s, &i, 2, 2);
  if (!minute || !Consume(s, &i, ":")) return std::nullopt;
  const auto second = Digits(s, &i, 2, 2);
  if (!second || i != s.size()) return std::nullopt;
  return ParseIso8601Date(FourDigits(*year) + "-" + TwoDigits(*month) + "-" + TwoDigits(*day) +
                          "T" + TwoDigits(*hour) + ":" + TwoDigits(*minute) + ":" +
                          TwoDigits(*second) + "+09:00");
}

// "2004-05-25 오후 11:23:17" (the Nate form): KST, 오전 a.m. / 오후 p.m.
std::optional<int64_t> ParseKoreanNate(std::string_view s) {
  size_t i = 0;
  const auto year = Digits(s, &i, 4, 4);
  if (!year || !Consume(s, &i, "-")) return std::nullopt;
  const auto month = Digits(s, &i, 1, 2);
  if (!month || !Consume(s, &i, "-")) return std::nullopt;
  const auto day = Digits(s, &i, 1, 2);
  if (!day) return std::nullopt;
  SkipSpaces(s, &i);
  bool pm = false;
  if (Consume(s, &i, "\xEC\x98\xA4\xED\x9B\x84")) {  // 오후
    pm = true;
  } else if (!Consume(s, &i, "\xEC\x98\xA4\xEC\xA0\x84")) {  // 오전
    return std::nullopt;
  }
  SkipSpaces(s, &i);
  auto hour = Digits(s, &i, 1, 2);
  if (!hour || *hour < 1 || *hour > 12 || !Consume(s, &i, ":")) return std::nullopt;
  const auto minute = Digits(s, &i, 2, 2);
  if (!minute || !Consume(s, &i, ":")) return std::nullopt;
  const auto second = Digits(s, &i, 2, 2);
  if (!second || i != s.size()) return std::nullopt;
  const int h24 = (*hour % 12) + (pm ? 12 : 0);
  return ParseIso8601Date(FourDigits(*year) + "-" + TwoDigits(*month) + "-" + TwoDigits(*day) +
                          "T" + TwoDigits(h24) + ":" + TwoDigits(*minute) + ":" +
                          TwoDigits(*second) + "+09:00");
}

// Greek abbreviations (with and without accents) and their English forms.
constexpr std::array<std::pair<std::string_view, std::string_view>, 27> kGreekNames = {{
    {"\xCE\x9A\xCF\x85\xCF\x81", "Sun"},          // Κυρ
    {"\xCE\x94\xCE\xB5\xCF\x85", "Mon"},          // Δευ
    {"\xCE\xA4\xCF\x81\xCE\xB9", "Tue"},          // Τρι
    {"\xCE\xA4\xCE\xB5\xCF\x84", "Wed"},          // Τετ
    {"\xCE\xA0\xCE\xB5\xCE\xBC", "Thu"},          // Πεμ
    {"\xCE\xA0\xCE\xB1\xCF\x81", "Fri"},          // Παρ
    {"\xCE\xA3\xCE\xB1\xCE\xB2", "Sat"},          // Σαβ
    {"\xCE\x99\xCE\xB1\xCE\xBD", "Jan"},          // Ιαν
    {"\xCE\xA6\xCE\xB5\xCE\xB2", "Feb"},          // Φεβ
    {"\xCE\x9C\xCE\xAC\xCF\x8E", "Mar"},          // Μάώ
    {"\xCE\x9C\xCE\xB1\xCF\x8E", "Mar"},          // Μαώ
    {"\xCE\x9C\xCE\xAC\xCF\x81", "Mar"},          // Μάρ
    {"\xCE\x9C\xCE\xB1\xCF\x81", "Mar"},          // Μαρ
    {"\xCE\x91\xCF\x80\xCF\x81", "Apr"},          // Απρ
    {"\xCE\x9C\xCE\xAC\xCE\xB9", "May"},          // Μάι
    {"\xCE\x9C\xCE\xB1\xCF\x8A", "May"},          // Μαϊ
    {"\xCE\x9C\xCE\xB1\xCE\xB9", "May"},          // Μαι
    {"\xCE\x99\xCE\xBF\xCF\x8D\xCE\xBD", "Jun"},  // Ιούν
    {"\xCE\x99\xCE\xBF\xCE\xBD", "Jun"},          // Ιον
    {"\xCE\x99\xCE\xBF\xCF\x8D\xCE\xBB", "Jul"},  // Ιούλ
    {"\xCE\x99\xCE\xBF\xCE\xBB", "Jul"},          // Ιολ
    {"\xCE\x91\xCF\x8D\xCE\xB3", "Aug"},          // Αύγ
    {"\xCE\x91\xCF\x85\xCE\xB3", "Aug"},          // Αυγ
    {"\xCE\xA3\xCE\xB5\xCF\x80", "Sep"},          // Σεπ
    {"\xCE\x9F\xCE\xBA\xCF\x84", "Oct"},          // Οκτ
    {"\xCE\x9D\xCE\xBF\xCE\xAD", "Nov"},          // Νοέ
    {"\xCE\x94\xCE\xB5\xCE\xBA", "Dec"},          // Δεκ
}};

// RFC 822 with Greek names: every non-ASCII word must be a known name.
std::optional<int64_t> ParseGreekRfc822(std::string_view s) {
  std::string english;
  bool replaced = false;
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      english += s[i++];
      continue;
    }
    size_t end = i;
    while (end < s.size() && static_cast<unsigned char>(s[end]) >= 0x80) ++end;
    const std::string_view word = s.substr(i, end - i);
    const auto it = std::find_if(kGreekNames.begin(), kGreekNames.end(),
                                 [&](const auto& kv) { return kv.first == word; });
    // "Νοε" (Nov without the accent) shares its first letters with Νοέ.
    if (it == kGreekNames.end()) {
      if (word != "\xCE\x9D\xCE\xBF\xCE\xB5") return std::nullopt;
      english += "Nov";
    } else {
      english += it->second;
    }
    replaced = true;
    i = end;
  }
  if (!replaced) return std::nullopt;
  return ParseRfc822Date(english);
}

constexpr std::array<std::string_view, 12> kHungarianMonths = {"janu\xC3\xA1r",
                                                               "febru\xC3\xA1r",
                                                               "m\xC3\xA1rcius",
                                                               "\xC3\xA1prilis",
                                                               "m\xC3\xA1jus",
                                                               "j\xC3\xBAnius",
                                                               "j\xC3\xBAlius",
                                                               "augusztus",
                                                               "szeptember",
                                                               "okt\xC3\xB3"
                                                               "ber",
                                                               "november",
                                                               "december"};

// "2004-július-13T9:15-05:00": W3C-DTF with a Hungarian month name and a
// one-digit hour.
std::optional<int64_t> ParseHungarianIso(std::string_view s) {
  size_t i = 0;
  const auto year = Digits(s, &i, 4, 4);
  if (!year || !Consume(s, &i, "-")) return std::nullopt;
  const size_t dash = s.find('-', i);
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view name = s.substr(i, dash - i);
  const auto it = std::find(kHungarianMonths.begin(), kHungarianMonths.end(), name);
  if (it == kHungarianMonths.end()) return std::nullopt;
  const int month = static_cast<int>(it - kHungarianMonths.begin()) + 1;
  i = dash + 1;
  const auto day = Digits(s, &i, 1, 2);
  if (!day) return std::nullopt;
  std::string iso = FourDigits(*year) + "-" + TwoDigits(month) + "-" + TwoDigits(*day);
  if (i < s.size()) {
    if (!Consume(s, &i, "T")) return std::nullopt;
    const auto hour = Digits(s, &i, 1, 2);
    if (!hour) return std::nullopt;
    iso += "T" + TwoDigits(*hour) + std::string(s.substr(i));
  }
  return ParseIso8601Date(iso);
}

constexpr std::array<std::string_view, 12> kEnglishMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Fri, 2006/09/15 08:19:53 EDT" (Perforce): rewritten as RFC 822.
std::optional<int64_t> ParsePerforce(std::string_view s) {
  size_t i = 0;
  if (s.size() > 5 && IsAsciiAlpha(s[0]) && s[3] == ',') {
    i = 4;
    SkipSpaces(s, &i);
  }
  const auto year = Digits(s, &i, 4, 4);
  if (!year || !Consume(s, &i, "/")) return std::nullopt;
  const auto month = Digits(s, &i, 1, 2);
  if (!month || *month < 1 || *month > 12 || !Consume(s, &i, "/")) return std::nullopt;
  const auto day = Digits(s, &i, 1, 2);
  if (!day || i >= s.size() || !IsXmlSpace(s[i])) return std::nullopt;
  return ParseRfc822Date(TwoDigits(*day) + " " +
                         std::string(kEnglishMonths[static_cast<size_t>(*month - 1)]) + " " +
                         FourDigits(*year) + std::string(s.substr(i)));
}

// ISO 8601:1988 truncated forms with two-digit years, and "YYYY-0MM-...".
std::optional<int64_t> ParseIsoTruncated(std::string_view s) {
  const auto all_digits = [](std::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), IsAsciiDigit);
  };
  const auto num = [](std::string_view t) {
    int v = 0;
    for (char c : t) v = v * 10 + (c - '0');
    return v;
  };
  std::string iso;
  if (s.size() == 5 && s[0] == '-' && all_digits(s.substr(1))) {  // -YYMM
    iso = FourDigits(ExpandYear(num(s.substr(1, 2)))) + "-" + std::string(s.substr(3, 2));
  } else if (s.size() == 6 && s[0] == '-' && s[3] == '-' && all_digits(s.substr(1, 2)) &&
             all_digits(s.substr(4, 2))) {  // -YY-MM
    iso = FourDigits(ExpandYear(num(s.substr(1, 2)))) + "-" + std::string(s.substr(4, 2));
  } else if (s.size() == 6 && all_digits(s)) {  // YYMMDD
    iso = FourDigits(ExpandYear(num(s.substr(0, 2)))) + "-" + std::string(s.substr(2, 2)) + "-" +
          std::string(s.substr(4, 2));
  } else if (s.size() == 8 && s[2] == '-' && s[5] == '-' && all_digits(s.substr(0, 2)) &&
             all_digits(s.substr(3, 2)) && all_digits(s.substr(6, 2))) {  // YY-MM-DD
    iso = FourDigits(ExpandYear(num(s.substr(0, 2)))) + "-" + std::string(s.substr(3, 5));
  } else if (s.size() > 9 && all_digits(s.substr(0, 4)) && s[4] == '-' && s[5] == '0' &&
             all_digits(s.substr(6, 2)) && s[8] == '-') {  // YYYY-0MM-DD...
    iso = std::string(s.substr(0, 5)) + std::string(s.substr(6));
  } else {
    return std::nullopt;
  }
  return ParseIso8601Date(iso);
}

}  // namespace

void ProblemLog::Add(std::string message) {
  if (messages_.size() < kMaxMessages) {
    messages_.push_back(std::move(message));
  } else {
    ++dropped_;
  }
}

std::vector<std::string> ProblemLog::Take() {
  if (dropped_ > 0) messages_.push_back("... and " + std::to_string(dropped_) + " more problems");
  dropped_ = 0;
  return std::move(messages_);
}

std::string Shorten(std::string_view s, size_t max_bytes) {
  std::string out(s);
  if (TruncateUtf8(&out, max_bytes)) out += "...";
  return out;
}

std::string_view TrimXmlSpace(std::string_view s) {
  while (!s.empty() && IsXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string CollapseWhitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : TrimXmlSpace(s)) {
    if (IsXmlSpace(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool LooksLikeHtml(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      const size_t next = i + 1;
      if (next < s.size() && (IsAsciiAlpha(s[next]) || s[next] == '/' || s[next] == '!') &&
          s.find('>', next) != std::string_view::npos) {
        return true;
      }
    } else if (s[i] == '&') {
      std::string scratch;
      if (DecodeCharRef(s, i, &scratch) > 0) return true;
    }
  }
  return false;
}

std::string HtmlToText(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      const size_t after = SkipTag(html, i, &out);
      if (after != std::string_view::npos) {
        i = after;
        continue;
      }
    } else if (c == '&') {
      const size_t used = DecodeCharRef(html, i, &out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return CollapseWhitespace(out);
}

uint32_t HtmlEntityCodePoint(std::string_view name) {
  if (name.empty() || name.size() > kMaxEntityName) return 0;
  if (name == "apos") return '\'';  // XML's, missing from HTML 4
  const std::string terminated(name);
  const htmlEntityDesc* desc =
      htmlEntityLookup(reinterpret_cast<const xmlChar*>(terminated.c_str()));
  return desc == nullptr ? 0 : desc->value;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t RepairUtf8(std::string_view in, std::string* out) {
  out->reserve(out->size() + in.size());
  size_t replacements = 0;
  size_t run_start = 0;  // valid bytes are copied in runs, not one by one
  size_t i = 0;
  while (i < in.size()) {
    if (static_cast<unsigned char>(in[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t len = WellFormedSequenceLength(in, i);
    if (len > 0) {
      i += len;
      continue;
    }
    out->append(in.data() + run_start, i - run_start);
    AppendUtf8(kReplacementChar, out);
    ++replacements;
    run_start = ++i;
  }
  out->append(in.data() + run_start, in.size() - run_start);
  return replacements;
}

bool TruncateUtf8(std::string* s, size_t max_bytes) {
  if (s->size() <= max_bytes) return false;
  size_t cut = max_bytes;
  // Back up over continuation bytes so the cut lands on a sequence start.
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) --cut;
  s->resize(cut);
  return true;
}

std::optional<std::string> DecodeBase64(std::string_view s) {
  std::string out;
  out.reserve(s.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : s) {
    if (IsXmlSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int v = Base64Value(c);
    if (v < 0 || padding > 0) return std::nullopt;  // data after padding is invalid too
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (padding > 2 || bits >= 6) return std::nullopt;
  return out;
}

bool HasActiveMarkup(std::string_view text) {
  static constexpr std::array<std::string_view, 33> kActive = {
      "script",    "style",  "iframe", "frame",    "frameset", "object",   "embed",
      "applet",    "svg",    "math",   "link",     "meta",     "base",     "form",
      "input",     "button", "select", "textarea", "template", "noscript", "xmp",
      "plaintext", "img",    "image",  "video",    "audio",    "source",   "marquee",
      "isindex",   "html",   "head",   "body",     "portal"};
  for (size_t lt = text.find('<'); lt != std::string_view::npos; lt = text.find('<', lt + 1)) {
    size_t i = lt + 1;
    if (i < text.size() && text[i] == '/') ++i;
    const size_t name_start = i;
    while (i < text.size() && (IsAsciiAlpha(text[i]) || IsAsciiDigit(text[i]))) ++i;
    if (i == name_start) continue;
    std::string name(text.substr(name_start, i - name_start));
    for (char& c : name) c = AsciiLower(c);
    if (std::find(kActive.begin(), kActive.end(), name) != kActive.end()) return true;
    // Attributes: an '=' before the tag ends (or before the next tag, for a
    // tag that never closes; browsers would still read its attributes).
    const size_t end = text.find_first_of("<>", i);
    const std::string_view rest =
        text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (rest.find('=') != std::string_view::npos) return true;
  }
  return false;
}

std::string DecodeCharacterReferences(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      const size_t used = DecodeCharRef(s, i, &out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

namespace {

// HasActiveMarkup on `text` and on `text` with its references decoded once
// and twice.
bool HasActiveMarkupMaybeEscaped(std::string_view text) {
  if (HasActiveMarkup(text)) return true;
  if (text.find('&') == std::string_view::npos) return false;
  const std::string once = DecodeCharacterReferences(text);
  if (HasActiveMarkup(once)) return true;
  return once.find('&') != std::string::npos && HasActiveMarkup(DecodeCharacterReferences(once));
}

}  // namespace

std::string StripActiveMarkup(std::string_view text) {
  if (!HasActiveMarkupMaybeEscaped(text)) return std::string(text);
  std::string out(text);
  for (int pass = 0; pass < kMaxMarkupPasses; ++pass) {
    out = HtmlToText(out);
    if (!HasActiveMarkupMaybeEscaped(out)) return out;
  }
  // Escaped more than kMaxMarkupPasses times: nobody means that as text.
  // Without '<' and '&' nothing can become a tag again.
  out.erase(std::remove_if(out.begin(), out.end(), [](char c) { return c == '<' || c == '&'; }),
            out.end());
  return out;
}

namespace {

// windows-1252's characters for 0x80..0x9F (0 where it has none).
constexpr std::array<uint16_t, 32> kWindows1252C1 = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// The code points of valid UTF-8 `s`.
std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? lead : lead & (0x7F >> len);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

}  // namespace

bool RepairMisdecodedText(std::string* text) {
  // Fast path: ASCII, or nothing in U+0080..U+00FF (lead bytes C2/C3).
  if (text->find_first_of("\xC2\xC3") == std::string::npos) return false;
  const std::u32string cps = CodePoints(*text);
  bool all_latin1 = true;
  bool has_c1 = false;
  for (char32_t c : cps) {
    if (c > 0xFF) all_latin1 = false;
    if (c >= 0x80 && c <= 0x9F) has_c1 = true;
  }
  if (all_latin1) {
    std::string bytes;
    bytes.reserve(cps.size());
    for (char32_t c : cps) bytes.push_back(static_cast<char>(c));
    if (bytes != *text && IsValidUtf8(bytes)) {
      *text = std::move(bytes);
      return true;
    }
  }
  if (!has_c1) return false;
  std::string out;
  out.reserve(text->size() + 8);
  for (char32_t c : cps) {
    const uint32_t mapped = c >= 0x80 && c <= 0x9F ? kWindows1252C1[c - 0x80] : 0;
    AppendUtf8(mapped != 0 ? mapped : static_cast<uint32_t>(c), &out);
  }
  *text = std::move(out);
  return true;
}

std::string MarkupFreeText(std::string_view text) {
  return CollapseWhitespace(StripActiveMarkup(text));
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t len = WellFormedSequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::optional<int64_t> ParseFeedDate(std::string_view text) {
  const std::string_view s = TrimXmlSpace(text);
  if (s.empty() || s.size() > kMaxFeedDateBytes) return std::nullopt;
  if (auto t = ParseAnyDate(s)) return t;
  for (auto* parse : {&ParseKoreanOnblog, &ParseKoreanNate, &ParseGreekRfc822, &ParseHungarianIso,
                      &ParsePerforce, &ParseIsoTruncated}) {
    if (auto t = parse(s)) return t;
  }
  return std::nullopt;
}

}  // namespace mw::feed_internal
