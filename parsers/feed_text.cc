// mediawatch/parsers/feed_text.cc
#include "parsers/feed_text.h"

#include <libxml/HTMLparser.h>

#include <array>

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

}  // namespace

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

}  // namespace mw::feed_internal
