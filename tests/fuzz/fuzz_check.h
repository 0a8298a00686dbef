// mediawatch/tests/fuzz/fuzz_check.h
//
// Helpers shared by the libFuzzer targets of tests/fuzz (one *_fuzzer.cc per
// parser; see docs/security.md, "Fuzzing"). Header-only: each target is one
// translation unit plus the libraries it fuzzes.
//
// A target checks invariants, not only "no crash": MW_FUZZ_CHECK prints the
// violated condition and aborts, which libFuzzer reports as a crash and saves
// the input as crash-<sha1> (scripts/fuzz.sh prints its path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mw::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line, what);
  std::abort();
}

// Like assert(), but also in builds with NDEBUG, and with a message.
#define MW_FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::mw::fuzz::Fail(__FILE__, __LINE__, #cond))

// Strict UTF-8 (Unicode table 3-7): no overlong forms, no surrogates, nothing
// above U+10FFFF, no truncated sequence. O(n).
inline bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Position of `needle` (lower-case ASCII) in `hay`, ignoring ASCII case, at or
// after `from`; npos when absent. O(n * |needle|), fine for fuzz inputs.
inline size_t FindNoCase(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && LowerAscii(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

inline bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  return FindNoCase(hay, needle) != std::string_view::npos;
}

inline bool StartsWithNoCase(std::string_view s, std::string_view prefix_lower) {
  return s.size() >= prefix_lower.size() &&
         FindNoCase(s.substr(0, prefix_lower.size()), prefix_lower) == 0;
}

// Where the HTML tokenizer ends a tag name: "<scriptx>" is an element named
// "scriptx", "<script/x>" and "<script\tx>" are scripts.
inline bool EndsTagName(char c) {
  return c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '/' || c == '>';
}

// An absolute http or https URL (scheme compared without case).
inline bool IsHttpUrl(std::string_view s) {
  return StartsWithNoCase(s, "http://") || StartsWithNoCase(s, "https://");
}

// Reads a fuzz input front to back: selector bytes first, then fields split at
// a separator. Taking past the end yields 0 / "" (never an error: every input
// is a valid test case).
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t TakeByte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  // The bytes up to the first `sep` (consumed, not returned), or everything
  // left when there is none.
  std::string_view TakeUntil(char sep) {
    const size_t pos = rest_.find(sep);
    std::string_view field = rest_.substr(0, pos);
    rest_.remove_prefix(pos == std::string_view::npos ? rest_.size() : pos + 1);
    return field;
  }

  bool empty() const { return rest_.empty(); }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace mw::fuzz
