// mediawatch/parsers/html_text.cc

#include "parsers/html_text.h"

#include "text/normalizer.h"

namespace mw::html {

bool IsSpace(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

bool IsClausePunctuation(char32_t c) {
  switch (c) {
    case U',':
    case U';':
    case U'\uFF0C':  // ，
    case U'\u3002':  // 。
    case U'\u3001':  // 、
    case U'\uFF1B':  // ；
    case U'\uFF1A':  // ：
    case U'\uFF1F':  // ？
    case U'\uFF01':  // ！
    case U'\u060C':  // ، Arabic comma
    case U'\u061B':  // ؛ Arabic semicolon
    case U'\u061F':  // ؟ Arabic question mark
    case U'\u06D4':  // ۔ Arabic full stop (Uyghur, Urdu)
      return true;
    default:
      return false;
  }
}

TextMeasure MeasureText(std::string_view s) {
  TextMeasure m;
  bool in_space = false;
  bool seen_visible = false;
  size_t pos = 0;
  while (pos < s.size()) {
    // ASCII inline: most text, and nearly all of the indentation between
    // tags, is ASCII.
    char32_t c = static_cast<unsigned char>(s[pos]);
    bool space;
    if (c < 0x80) {
      ++pos;
      space = c == 0x20 || (c >= 0x09 && c <= 0x0D);
    } else {
      c = DecodeUtf8At(s, &pos);
      space = IsSpace(c);
    }
    if (space) {
      in_space = true;
      continue;
    }
    if (in_space && seen_visible) ++m.chars;
    in_space = false;
    seen_visible = true;
    ++m.chars;
    if (c < 0x80 ? (c == ',' || c == ';') : IsClausePunctuation(c)) ++m.punctuation;
  }
  m.trailing_space = in_space && seen_visible;
  return m;
}

std::string CollapseWhitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t start = pos;
    unsigned char b = static_cast<unsigned char>(s[pos]);
    bool space;
    if (b < 0x80) {
      ++pos;
      space = b == 0x20 || (b >= 0x09 && b <= 0x0D);
    } else {
      space = IsSpace(DecodeUtf8At(s, &pos));
    }
    if (space) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    if (pos - start == 1) {
      out.push_back(static_cast<char>(b));
    } else {
      out.append(s.substr(start, pos - start));
    }
  }
  return out;
}

size_t CodePointCount(std::string_view s) {
  // Every byte that is not a UTF-8 continuation byte starts a code point
  // (an invalid byte counts as one, as DecodeUtf8At reads it).
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

}  // namespace mw::html
