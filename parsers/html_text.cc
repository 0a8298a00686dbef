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
    char32_t c = DecodeUtf8At(s, &pos);
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space && seen_visible) ++m.chars;
    in_space = false;
    seen_visible = true;
    ++m.chars;
    if (IsClausePunctuation(c)) ++m.punctuation;
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
    char32_t c = DecodeUtf8At(s, &pos);
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.append(s.substr(start, pos - start));
  }
  return out;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    DecodeUtf8At(s, &pos);
    ++n;
  }
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
