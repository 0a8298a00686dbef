// mediawatch/parsers/feed_encoding.cc
//
// Only the feed-specific part of decoding lives here: which source names the
// encoding (see the header). Label mapping and the conversion itself are
// parsers/charset.h's, shared with HTML pages.
#include "parsers/feed_encoding.h"

#include <unicode/ucsdet.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "parsers/charset.h"
#include "parsers/feed_text.h"

namespace mw::feed_internal {
namespace {

// The XML declaration must fit in this prefix for us to read it.
constexpr size_t kDeclarationWindow = 1024;
// Labels quoted in problems are cut to this many bytes.
constexpr size_t kMaxLabelInProblem = 40;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Quoted(std::string_view label) {
  return "'" + std::string(label.substr(0, kMaxLabelInProblem)) + "'";
}

bool IsUtf16(std::string_view canonical) { return canonical.substr(0, 6) == "UTF-16"; }

// The label of the byte order mark `body` starts with ("" if none). UTF-32LE's
// mark begins with UTF-16LE's, so callers rule UTF-32 out first.
std::string_view BomLabel(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") return "utf-8";
  if (body.substr(0, 2) == "\xFF\xFE") return "utf-16le";
  if (body.substr(0, 2) == "\xFE\xFF") return "utf-16be";
  return {};
}

// UTF-32 byte order marks. UTF-32LE's begins with UTF-16LE's, so this is
// checked first.
std::string_view Utf32Bom(std::string_view body) {
  const std::string_view head = body.substr(0, 4);
  if (head == std::string_view("\xFF\xFE\0\0", 4)) return "UTF-32LE";
  if (head == std::string_view("\0\0\xFE\xFF", 4)) return "UTF-32BE";
  return {};
}

// XML Appendix F: "<" encoded as UTF-32 without a byte order mark.
std::string_view Utf32Sniff(std::string_view body) {
  const std::string_view head = body.substr(0, 4);
  if (head == std::string_view("<\0\0\0", 4)) return "UTF-32LE";
  if (head == std::string_view("\0\0\0<", 4)) return "UTF-32BE";
  return {};
}

// UTF-32 is not a WHATWG encoding (charset.h has no converter for it) but
// XML allows it, and decoding it is four bytes per code point. Code points
// beyond U+10FFFF, surrogates and a trailing partial unit become U+FFFD.
DecodedBody DecodeUtf32(std::string_view body, std::string_view charset, std::string source) {
  DecodedBody out;
  out.charset = std::string(charset);
  out.source = std::move(source);
  const bool little_endian = charset == "UTF-32LE";
  size_t replacements = 0;
  out.utf8.reserve(body.size() / 4);
  size_t i = 0;
  if (!Utf32Bom(body).empty()) i = 4;
  for (; i + 4 <= body.size(); i += 4) {
    const auto b = [&](size_t k) {
      return static_cast<uint32_t>(static_cast<unsigned char>(body[i + k]));
    };
    const uint32_t cp = little_endian ? (b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24)
                                      : (b(3) | b(2) << 8 | b(1) << 16 | b(0) << 24);
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) ++replacements;
    AppendUtf8(cp, &out.utf8);  // writes U+FFFD for the invalid ones
  }
  if (i < body.size()) {
    ++replacements;
    AppendUtf8(0xFFFD, &out.utf8);
  }
  if (replacements > 0) {
    out.problems.push_back(std::to_string(replacements) + " invalid code unit(s) in " +
                           out.charset + " replaced by U+FFFD");
  }
  return out;
}

struct DetectorCloser {
  void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
};
using DetectorPtr = std::unique_ptr<UCharsetDetector, DetectorCloser>;

// Bytes of TIS-620 / windows-874 Thai: consonants, and the vowel and tone
// marks that combine with the letter before them.
bool IsThaiConsonant(unsigned char c) { return c >= 0xA1 && c <= 0xCE; }
bool IsThaiCombiningMark(unsigned char c) {
  return c == 0xD1 || (c >= 0xD4 && c <= 0xDA) || (c >= 0xE7 && c <= 0xEE);
}
// Unassigned in windows-874 (0x80-0xA0 has only a few punctuation marks).
bool IsOutsideWindows874(unsigned char c) {
  if (c >= 0xDB && c <= 0xDE) return true;
  if (c >= 0xFC) return true;
  if (c >= 0x80 && c <= 0xA0) {
    return c != 0x85 && !(c >= 0x91 && c <= 0x97) && c != 0xA0;
  }
  return false;
}

// ICU has no Thai detector. Thai text in TIS-620 has a fingerprint that no
// other legacy encoding's text has:
//   - many combining vowel and tone marks (12% or more of the non-ASCII
//     bytes), each right after a consonant or another mark (95% or more):
//     Latin, Cyrillic, Greek, Arabic and Hebrew text fail this, and so does
//     GB2312 (about 70% "attached");
//   - no bytes from windows-874's unassigned ranges;
//   - the marks fall at odd and even offsets within runs of non-ASCII bytes
//     alike: in EUC-KR, EUC-JP and Big5 text the same byte values are
//     almost always the second byte of a pair (measured on feedparser's
//     chardet samples and our legacy feeds: 100% at odd offsets).
bool LooksLikeThai(std::string_view bytes) {
  size_t high = 0;
  size_t outside = 0;
  size_t marks = 0;
  size_t attached = 0;
  size_t odd_offset = 0;
  size_t run = 0;  // offset within the current run of non-ASCII bytes
  unsigned char previous = 0;
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      ++high;
      if (IsOutsideWindows874(c)) ++outside;
      if (IsThaiCombiningMark(c)) {
        ++marks;
        if (IsThaiConsonant(previous) || IsThaiCombiningMark(previous)) ++attached;
        if (run % 2 == 1) ++odd_offset;
      }
      ++run;
    } else {
      run = 0;
    }
    previous = c;
  }
  return high >= 16 && outside * 100 <= high && marks >= 8 && marks * 100 >= high * 12 &&
         attached * 100 >= marks * 95 && odd_offset * 5 >= marks && odd_offset * 5 <= marks * 4;
}

// XML Appendix F: "<?" in UTF-16 without a byte order mark.
std::string_view Utf16Sniff(std::string_view body) {
  const std::string_view head = body.substr(0, 4);
  if (head == std::string_view("<\0?\0", 4)) return "utf-16le";
  if (head == std::string_view("\0<\0?", 4)) return "utf-16be";
  return {};
}

}  // namespace

std::string XmlDeclarationEncoding(std::string_view body) {
  std::string_view head = body.substr(0, kDeclarationWindow);
  while (!head.empty() && IsXmlSpace(head.front())) head.remove_prefix(1);
  if (head.substr(0, 5) != "<?xml") return {};
  const size_t end = head.find("?>");
  if (end == std::string_view::npos) return {};
  const std::string_view decl = head.substr(5, end - 5);
  const size_t key = decl.find("encoding");
  if (key == std::string_view::npos) return {};
  size_t i = key + 8;
  while (i < decl.size() && IsXmlSpace(decl[i])) ++i;
  if (i >= decl.size() || decl[i] != '=') return {};
  ++i;
  while (i < decl.size() && IsXmlSpace(decl[i])) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return {};
  const char quote = decl[i];
  const size_t close = decl.find(quote, i + 1);
  if (close == std::string_view::npos) return {};
  std::string label(TrimXmlSpace(decl.substr(i + 1, close - i - 1)));
  for (char& c : label) c = AsciiLower(c);
  return label;
}

std::optional<CharsetGuess> GuessCharset(std::string_view bytes) {
  bytes = bytes.substr(0, kDetectionWindow);
  UErrorCode status = U_ZERO_ERROR;
  DetectorPtr detector(ucsdet_open(&status));
  if (U_FAILURE(status) || !detector) return std::nullopt;
  // Markup is ASCII and would only dilute the statistics.
  ucsdet_enableInputFilter(detector.get(), true);
  ucsdet_setText(detector.get(), bytes.data(), static_cast<int32_t>(bytes.size()), &status);
  int32_t count = 0;
  const UCharsetMatch** matches = ucsdet_detectAll(detector.get(), &count, &status);
  if (U_FAILURE(status)) count = 0;
  std::string best_name;
  int best_confidence = 0;
  for (int32_t i = 0; i < count; ++i) {
    UErrorCode match_status = U_ZERO_ERROR;
    const char* name = ucsdet_getName(matches[i], &match_status);
    const int confidence = ucsdet_getConfidence(matches[i], &match_status);
    if (U_FAILURE(match_status) || name == nullptr) continue;
    // A UTF-16/32 document without a BOM was already sniffed by its "<";
    // bytes that only look like UTF-16 here are something else. Labels
    // WHATWG does not know (IBM424_rtl, ...) or maps to the "replacement"
    // encoding (ISO-2022-KR/CN) cannot be decoded usefully.
    const std::string_view view(name);
    if (view.substr(0, 4) == "UTF-") continue;
    const std::string canonical = CanonicalCharset(view);
    if (canonical.empty() || canonical == "replacement") continue;
    best_name = view;
    best_confidence = confidence;
    break;
  }
  // ICU offers no Thai candidate, and fooled by Thai it may even claim
  // EUC-KR with confidence: the fingerprint comes first.
  if (LooksLikeThai(bytes)) {
    std::string how = "Thai letter patterns";
    if (!best_name.empty()) {
      how += " (ICU's best guess: " + best_name + ", confidence " +
             std::to_string(best_confidence) + ")";
    }
    return CharsetGuess{"windows-874", 60, std::move(how)};
  }
  if (best_name.empty()) return std::nullopt;
  return CharsetGuess{best_name, best_confidence, "ICU"};
}

Result<DecodedBody> DecodeFeedBody(std::string_view body, std::string_view content_type) {
  if (const std::string_view utf32 = Utf32Bom(body); !utf32.empty()) {
    return DecodeUtf32(body, utf32, "bom");
  }
  DecodedBody out;
  std::string label;  // one CanonicalCharset knows
  if (const std::string_view bom = BomLabel(body); !bom.empty()) {
    label = bom;
    out.source = "bom";
  }
  if (label.empty()) {
    const std::string http = CharsetFromContentType(content_type);
    if (!http.empty() && !CanonicalCharset(http).empty()) {
      label = http;
      out.source = "http";
    } else if (!http.empty()) {
      out.problems.push_back("unknown charset " + Quoted(http) + " in Content-Type; ignored");
    }
  }
  if (label.empty()) {
    if (const std::string_view utf32 = Utf32Sniff(body); !utf32.empty()) {
      DecodedBody decoded = DecodeUtf32(body, utf32, "utf32-sniff");
      out.problems.insert(out.problems.end(), decoded.problems.begin(), decoded.problems.end());
      decoded.problems = std::move(out.problems);
      return decoded;
    }
    label = Utf16Sniff(body);
    if (!label.empty()) out.source = "utf16-sniff";
  }
  if (label.empty()) {
    const std::string declared = XmlDeclarationEncoding(body);
    const std::string canonical = CanonicalCharset(declared);
    if (IsUtf16(canonical)) {
      // We read the declaration as ASCII, so the bytes cannot be UTF-16.
      out.problems.push_back("document declares " + Quoted(declared) +
                             " but is not UTF-16; read as UTF-8");
    } else if (!canonical.empty()) {
      label = declared;
      out.source = "xml-declaration";
    } else if (!declared.empty()) {
      out.problems.push_back("unknown encoding " + Quoted(declared) +
                             " in XML declaration; read as UTF-8");
    }
  }
  if (label.empty() && !IsValidUtf8(body)) {
    // Nothing declared an encoding and the bytes are not UTF-8: a guess
    // beats a page of U+FFFD, but it is still a guess, so it is a problem.
    if (std::optional<CharsetGuess> guess = GuessCharset(body)) {
      label = guess->label;
      out.source = "detected";
      out.problems.push_back("encoding guessed: " + CanonicalCharset(label) + " (confidence " +
                             std::to_string(guess->confidence) + ") by " + guess->how);
    }
  }
  if (label.empty()) {
    label = "utf-8";
    out.source = "default";
  }
  Result<DecodedText> text = DecodeWithCharset(body, label);
  if (!text.ok()) {
    // Not expected: CanonicalCharset only names converters ICU opens.
    out.problems.push_back("cannot decode " + Quoted(label) + " (" + text.status().message() +
                           "); read as UTF-8");
    text = DecodeWithCharset(body, "utf-8");
    if (!text.ok()) return text.status();
  }
  out.utf8 = std::move(text->utf8);
  out.charset = std::move(text->charset);
  if (text->replacements > 0) {
    out.problems.push_back(std::to_string(text->replacements) + " invalid byte sequence(s) in " +
                           out.charset + " replaced by U+FFFD");
  }
  return out;
}

}  // namespace mw::feed_internal
