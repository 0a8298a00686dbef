// mediawatch/parsers/charset.cc
//
// Charset selection (HTTP > BOM > prescan > UTF-8 > ICU detection > UTF-8)
// and decoding with ICU.
//
// The prescan follows the HTML Standard's "prescan a byte stream to determine
// its encoding" (13.2.3.2) over the first 1024 bytes, including its fallback
// to the XML declaration ("get an XML encoding") for documents that start with
// `<?xml`. Deviations, all deliberate:
//  - running out of the 1024 bytes inside a tag ends the scan with no result
//    (the spec aborts too), so a <meta> that straddles byte 1024 is ignored;
//  - labels of the WHATWG "replacement" encoding (iso-2022-kr, hz-gb-2312, ...)
//    and ISO-8859-16 (absent from Debian's ICU data) count as unknown;
//  - undeclared bytes that are not UTF-8 get ICU's guess (the HTML Standard
//    leaves this step, "frequency analysis", to the implementation).
//
// Big5 decodes with ICU's Big5-HKSCS converter (ibm-1375_P100-2008). Compared
// code by code with glibc's HKSCS-2008 table, it lacks 38 characters that the
// WHATWG big5 index has too: it maps 36 of them (0x8840 CJK stroke T, 0x8C43
// U+9FA6, ...) to the Private Use Area and rejects 0x87A4 and 0x87AC. Those
// are corrected here (kHkscsFixes), and every other private-use code point it
// yields (the user-defined rows 0x81-0x84, which have no WHATWG index entry)
// becomes a counted U+FFFD. There is no fallback converter: where ibm-1375
// rejects bytes, ICU's windows-950 would only produce private-use code points.
//
// Worst-case costs: the prescan is O(1024); the UTF-8 tally and decoding are
// O(n) in the input; detection is bounded by kCharsetDetectionWindow (one ICU
// pass plus at most kMaxDetectionCandidates trial decodings of the window).

#include "parsers/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucsdet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace mw {
namespace {

constexpr size_t kPrescanBytes = 1024;

// ---------------------------------------------------------------------------
// Label table (WHATWG Encoding Standard, section 4.2), mapped to names that
// ICU 72 opens to the matching converter.

struct LabelEntry {
  std::string_view label;  // lower case
  std::string_view name;   // canonical name, accepted by ucnv_open()
};

// Names. Big5-HKSCS opens ibm-1375_P100-2008; GB18030 decodes every GBK and
// GB2312 byte sequence (the WHATWG "gbk" decoder is the gb18030 decoder).
constexpr std::string_view kUtf8 = "UTF-8";
constexpr std::string_view kUtf16Le = "UTF-16LE";
constexpr std::string_view kUtf16Be = "UTF-16BE";
constexpr std::string_view kGb18030 = "GB18030";
constexpr std::string_view kBig5 = "Big5-HKSCS";
constexpr std::string_view kWin1252 = "windows-1252";

constexpr std::array kLabels = {
    // UTF-8
    LabelEntry{"unicode-1-1-utf-8", kUtf8},
    LabelEntry{"unicode11utf8", kUtf8},
    LabelEntry{"unicode20utf8", kUtf8},
    LabelEntry{"utf-8", kUtf8},
    LabelEntry{"utf8", kUtf8},
    LabelEntry{"x-unicode20utf8", kUtf8},
    // UTF-16
    LabelEntry{"unicodefffe", kUtf16Be},
    LabelEntry{"utf-16be", kUtf16Be},
    LabelEntry{"csunicode", kUtf16Le},
    LabelEntry{"iso-10646-ucs-2", kUtf16Le},
    LabelEntry{"ucs-2", kUtf16Le},
    LabelEntry{"unicode", kUtf16Le},
    LabelEntry{"unicodefeff", kUtf16Le},
    LabelEntry{"utf-16", kUtf16Le},
    LabelEntry{"utf-16le", kUtf16Le},
    // Chinese
    LabelEntry{"chinese", kGb18030},
    LabelEntry{"csgb2312", kGb18030},
    LabelEntry{"csiso58gb231280", kGb18030},
    LabelEntry{"gb2312", kGb18030},
    LabelEntry{"gb_2312", kGb18030},
    LabelEntry{"gb_2312-80", kGb18030},
    LabelEntry{"gbk", kGb18030},
    LabelEntry{"iso-ir-58", kGb18030},
    LabelEntry{"x-gbk", kGb18030},
    LabelEntry{"gb18030", kGb18030},
    LabelEntry{"big5", kBig5},
    LabelEntry{"big5-hkscs", kBig5},
    LabelEntry{"cn-big5", kBig5},
    LabelEntry{"csbig5", kBig5},
    LabelEntry{"x-x-big5", kBig5},
    // Japanese, Korean
    LabelEntry{"cseucpkdfmtjapanese", "EUC-JP"},
    LabelEntry{"euc-jp", "EUC-JP"},
    LabelEntry{"x-euc-jp", "EUC-JP"},
    LabelEntry{"csiso2022jp", "ISO-2022-JP"},
    LabelEntry{"iso-2022-jp", "ISO-2022-JP"},
    LabelEntry{"csshiftjis", "Shift_JIS"},
    LabelEntry{"ms932", "Shift_JIS"},
    LabelEntry{"ms_kanji", "Shift_JIS"},
    LabelEntry{"shift-jis", "Shift_JIS"},
    LabelEntry{"shift_jis", "Shift_JIS"},
    LabelEntry{"sjis", "Shift_JIS"},
    LabelEntry{"windows-31j", "Shift_JIS"},
    LabelEntry{"x-sjis", "Shift_JIS"},
    LabelEntry{"cseuckr", "windows-949"},
    LabelEntry{"csksc56011987", "windows-949"},
    LabelEntry{"euc-kr", "windows-949"},
    LabelEntry{"iso-ir-149", "windows-949"},
    LabelEntry{"korean", "windows-949"},
    LabelEntry{"ks_c_5601-1987", "windows-949"},
    LabelEntry{"ks_c_5601-1989", "windows-949"},
    LabelEntry{"ksc5601", "windows-949"},
    LabelEntry{"ksc_5601", "windows-949"},
    LabelEntry{"windows-949", "windows-949"},
    // Latin-1 family: WHATWG decodes all of these as windows-1252.
    LabelEntry{"ansi_x3.4-1968", kWin1252},
    LabelEntry{"ascii", kWin1252},
    LabelEntry{"cp1252", kWin1252},
    LabelEntry{"cp819", kWin1252},
    LabelEntry{"csisolatin1", kWin1252},
    LabelEntry{"ibm819", kWin1252},
    LabelEntry{"iso-8859-1", kWin1252},
    LabelEntry{"iso-ir-100", kWin1252},
    LabelEntry{"iso8859-1", kWin1252},
    LabelEntry{"iso88591", kWin1252},
    LabelEntry{"iso_8859-1", kWin1252},
    LabelEntry{"iso_8859-1:1987", kWin1252},
    LabelEntry{"l1", kWin1252},
    LabelEntry{"latin1", kWin1252},
    LabelEntry{"us-ascii", kWin1252},
    LabelEntry{"windows-1252", kWin1252},
    LabelEntry{"x-cp1252", kWin1252},
    // Arabic
    LabelEntry{"cp1256", "windows-1256"},
    LabelEntry{"windows-1256", "windows-1256"},
    LabelEntry{"x-cp1256", "windows-1256"},
    LabelEntry{"arabic", "ISO-8859-6"},
    LabelEntry{"asmo-708", "ISO-8859-6"},
    LabelEntry{"csiso88596e", "ISO-8859-6"},
    LabelEntry{"csiso88596i", "ISO-8859-6"},
    LabelEntry{"csisolatinarabic", "ISO-8859-6"},
    LabelEntry{"ecma-114", "ISO-8859-6"},
    LabelEntry{"iso-8859-6", "ISO-8859-6"},
    LabelEntry{"iso-8859-6-e", "ISO-8859-6"},
    LabelEntry{"iso-8859-6-i", "ISO-8859-6"},
    LabelEntry{"iso-ir-127", "ISO-8859-6"},
    LabelEntry{"iso8859-6", "ISO-8859-6"},
    LabelEntry{"iso88596", "ISO-8859-6"},
    LabelEntry{"iso_8859-6", "ISO-8859-6"},
    LabelEntry{"iso_8859-6:1987", "ISO-8859-6"},
    // Other windows-125x
    LabelEntry{"cp1250", "windows-1250"},
    LabelEntry{"windows-1250", "windows-1250"},
    LabelEntry{"x-cp1250", "windows-1250"},
    LabelEntry{"cp1251", "windows-1251"},
    LabelEntry{"windows-1251", "windows-1251"},
    LabelEntry{"x-cp1251", "windows-1251"},
    LabelEntry{"cp1253", "windows-1253"},
    LabelEntry{"windows-1253", "windows-1253"},
    LabelEntry{"x-cp1253", "windows-1253"},
    LabelEntry{"cp1254", "windows-1254"},
    LabelEntry{"csisolatin5", "windows-1254"},
    LabelEntry{"iso-8859-9", "windows-1254"},
    LabelEntry{"iso-ir-148", "windows-1254"},
    LabelEntry{"iso8859-9", "windows-1254"},
    LabelEntry{"iso88599", "windows-1254"},
    LabelEntry{"iso_8859-9", "windows-1254"},
    LabelEntry{"iso_8859-9:1989", "windows-1254"},
    LabelEntry{"l5", "windows-1254"},
    LabelEntry{"latin5", "windows-1254"},
    LabelEntry{"windows-1254", "windows-1254"},
    LabelEntry{"x-cp1254", "windows-1254"},
    LabelEntry{"cp1255", "windows-1255"},
    LabelEntry{"windows-1255", "windows-1255"},
    LabelEntry{"x-cp1255", "windows-1255"},
    LabelEntry{"cp1257", "windows-1257"},
    LabelEntry{"windows-1257", "windows-1257"},
    LabelEntry{"x-cp1257", "windows-1257"},
    LabelEntry{"cp1258", "windows-1258"},
    LabelEntry{"windows-1258", "windows-1258"},
    LabelEntry{"x-cp1258", "windows-1258"},
    LabelEntry{"dos-874", "windows-874"},
    LabelEntry{"iso-8859-11", "windows-874"},
    LabelEntry{"iso8859-11", "windows-874"},
    LabelEntry{"iso885911", "windows-874"},
    LabelEntry{"tis-620", "windows-874"},
    LabelEntry{"windows-874", "windows-874"},
    // ISO-8859-x
    LabelEntry{"csisolatin2", "ISO-8859-2"},
    LabelEntry{"iso-8859-2", "ISO-8859-2"},
    LabelEntry{"iso-ir-101", "ISO-8859-2"},
    LabelEntry{"iso8859-2", "ISO-8859-2"},
    LabelEntry{"iso88592", "ISO-8859-2"},
    LabelEntry{"iso_8859-2", "ISO-8859-2"},
    LabelEntry{"iso_8859-2:1987", "ISO-8859-2"},
    LabelEntry{"l2", "ISO-8859-2"},
    LabelEntry{"latin2", "ISO-8859-2"},
    LabelEntry{"csisolatin3", "ISO-8859-3"},
    LabelEntry{"iso-8859-3", "ISO-8859-3"},
    LabelEntry{"iso-ir-109", "ISO-8859-3"},
    LabelEntry{"iso8859-3", "ISO-8859-3"},
    LabelEntry{"iso88593", "ISO-8859-3"},
    LabelEntry{"iso_8859-3", "ISO-8859-3"},
    LabelEntry{"l3", "ISO-8859-3"},
    LabelEntry{"latin3", "ISO-8859-3"},
    LabelEntry{"csisolatin4", "ISO-8859-4"},
    LabelEntry{"iso-8859-4", "ISO-8859-4"},
    LabelEntry{"iso-ir-110", "ISO-8859-4"},
    LabelEntry{"iso8859-4", "ISO-8859-4"},
    LabelEntry{"iso88594", "ISO-8859-4"},
    LabelEntry{"iso_8859-4", "ISO-8859-4"},
    LabelEntry{"l4", "ISO-8859-4"},
    LabelEntry{"latin4", "ISO-8859-4"},
    LabelEntry{"csisolatincyrillic", "ISO-8859-5"},
    LabelEntry{"cyrillic", "ISO-8859-5"},
    LabelEntry{"iso-8859-5", "ISO-8859-5"},
    LabelEntry{"iso-ir-144", "ISO-8859-5"},
    LabelEntry{"iso8859-5", "ISO-8859-5"},
    LabelEntry{"iso88595", "ISO-8859-5"},
    LabelEntry{"iso_8859-5", "ISO-8859-5"},
    LabelEntry{"csisolatingreek", "ISO-8859-7"},
    LabelEntry{"ecma-118", "ISO-8859-7"},
    LabelEntry{"elot_928", "ISO-8859-7"},
    LabelEntry{"greek", "ISO-8859-7"},
    LabelEntry{"greek8", "ISO-8859-7"},
    LabelEntry{"iso-8859-7", "ISO-8859-7"},
    LabelEntry{"iso-ir-126", "ISO-8859-7"},
    LabelEntry{"iso8859-7", "ISO-8859-7"},
    LabelEntry{"iso88597", "ISO-8859-7"},
    LabelEntry{"iso_8859-7", "ISO-8859-7"},
    LabelEntry{"sun_eu_greek", "ISO-8859-7"},
    LabelEntry{"csiso88598e", "ISO-8859-8"},
    LabelEntry{"csisolatinhebrew", "ISO-8859-8"},
    LabelEntry{"hebrew", "ISO-8859-8"},
    LabelEntry{"iso-8859-8", "ISO-8859-8"},
    LabelEntry{"iso-8859-8-e", "ISO-8859-8"},
    LabelEntry{"iso-ir-138", "ISO-8859-8"},
    LabelEntry{"iso8859-8", "ISO-8859-8"},
    LabelEntry{"iso88598", "ISO-8859-8"},
    LabelEntry{"iso_8859-8", "ISO-8859-8"},
    LabelEntry{"visual", "ISO-8859-8"},
    LabelEntry{"csiso88598i", "ISO-8859-8-I"},
    LabelEntry{"iso-8859-8-i", "ISO-8859-8-I"},
    LabelEntry{"logical", "ISO-8859-8-I"},
    LabelEntry{"csisolatin6", "ISO-8859-10"},
    LabelEntry{"iso-8859-10", "ISO-8859-10"},
    LabelEntry{"iso-ir-157", "ISO-8859-10"},
    LabelEntry{"iso8859-10", "ISO-8859-10"},
    LabelEntry{"iso885910", "ISO-8859-10"},
    LabelEntry{"l6", "ISO-8859-10"},
    LabelEntry{"latin6", "ISO-8859-10"},
    LabelEntry{"iso-8859-13", "ISO-8859-13"},
    LabelEntry{"iso8859-13", "ISO-8859-13"},
    LabelEntry{"iso885913", "ISO-8859-13"},
    LabelEntry{"iso-8859-14", "ISO-8859-14"},
    LabelEntry{"iso8859-14", "ISO-8859-14"},
    LabelEntry{"iso885914", "ISO-8859-14"},
    LabelEntry{"csisolatin9", "ISO-8859-15"},
    LabelEntry{"iso-8859-15", "ISO-8859-15"},
    LabelEntry{"iso8859-15", "ISO-8859-15"},
    LabelEntry{"iso885915", "ISO-8859-15"},
    LabelEntry{"iso_8859-15", "ISO-8859-15"},
    LabelEntry{"l9", "ISO-8859-15"},
    // Cyrillic and Mac
    LabelEntry{"866", "IBM866"},
    LabelEntry{"cp866", "IBM866"},
    LabelEntry{"csibm866", "IBM866"},
    LabelEntry{"ibm866", "IBM866"},
    LabelEntry{"cskoi8r", "KOI8-R"},
    LabelEntry{"koi", "KOI8-R"},
    LabelEntry{"koi8", "KOI8-R"},
    LabelEntry{"koi8-r", "KOI8-R"},
    LabelEntry{"koi8_r", "KOI8-R"},
    LabelEntry{"koi8-ru", "KOI8-U"},
    LabelEntry{"koi8-u", "KOI8-U"},
    LabelEntry{"csmacintosh", "macintosh"},
    LabelEntry{"mac", "macintosh"},
    LabelEntry{"macintosh", "macintosh"},
    LabelEntry{"x-mac-roman", "macintosh"},
    LabelEntry{"x-mac-cyrillic", "x-mac-cyrillic"},
};

bool IsHtmlSpace(unsigned char c) {
  return c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x20;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool IsAsciiAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && IsHtmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsHtmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Case-insensitive prefix test; `prefix` must be lower case.
bool StartsWithNoCase(std::string_view s, size_t pos, std::string_view prefix) {
  if (pos > s.size() || s.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(s[pos + i]) != prefix[i]) return false;
  }
  return true;
}

bool IsUtf16(std::string_view name) { return name == kUtf16Le || name == kUtf16Be; }

// ---------------------------------------------------------------------------
// WHATWG prescan over a window of at most kPrescanBytes.

class Prescanner {
 public:
  explicit Prescanner(std::string_view html)
      : in_(html.substr(0, std::min(html.size(), kPrescanBytes))) {}

  // Returns the first known label declared by a <meta>, else the XML
  // declaration's, else "".
  std::string Run() {
    std::optional<std::string> meta = ScanForMeta();
    if (meta) return *meta;
    return XmlDeclarationLabel();
  }

 private:
  struct Attribute {
    std::string name;
    std::string value;
  };

  bool AtEnd() const { return pos_ >= in_.size(); }
  unsigned char Cur() const { return static_cast<unsigned char>(in_[pos_]); }

  // Moves to just past the next `needle` at or after `from`; false at end.
  bool SkipPast(size_t from, std::string_view needle) {
    size_t found = in_.find(needle, from);
    if (found == std::string_view::npos) return false;
    pos_ = found + needle.size();
    return true;
  }

  std::optional<std::string> ScanForMeta() {
    while (!AtEnd()) {
      if (in_.substr(pos_, 4) == "<!--") {
        // "<!-->" closes itself: the "--" of the opener counts.
        if (!SkipPast(pos_ + 2, "-->")) return std::nullopt;
      } else if (StartsWithNoCase(in_, pos_, "<meta") && pos_ + 5 < in_.size() &&
                 (IsHtmlSpace(in_[pos_ + 5]) || in_[pos_ + 5] == '/')) {
        pos_ += 6;
        std::optional<std::string> label = ReadMetaAttributes();
        if (label && !label->empty()) return label;
        if (!label) return std::nullopt;  // ran out of bytes
      } else if (pos_ + 1 < in_.size() && in_[pos_] == '<' &&
                 (IsAsciiAlpha(in_[pos_ + 1]) ||
                  (in_[pos_ + 1] == '/' && pos_ + 2 < in_.size() && IsAsciiAlpha(in_[pos_ + 2])))) {
        if (!SkipTag()) return std::nullopt;
      } else if (pos_ + 1 < in_.size() && in_[pos_] == '<' &&
                 (in_[pos_ + 1] == '!' || in_[pos_ + 1] == '/' || in_[pos_ + 1] == '?')) {
        if (!SkipPast(pos_ + 1, ">")) return std::nullopt;
      } else {
        ++pos_;
      }
    }
    return std::nullopt;
  }

  // Any other tag: skip its name and attributes. False when bytes run out.
  bool SkipTag() {
    while (!AtEnd() && !IsHtmlSpace(Cur()) && Cur() != '>') ++pos_;
    for (;;) {
      std::optional<Attribute> attr;
      bool more = ReadAttribute(&attr);
      if (!more) return false;
      if (!attr) break;
    }
    ++pos_;  // past '>'
    return true;
  }

  // Parses the attributes of a <meta>. Returns nullopt when bytes run out, ""
  // when this meta declares nothing usable, else the label.
  std::optional<std::string> ReadMetaAttributes() {
    std::vector<std::string> seen;
    bool got_pragma = false;
    std::optional<bool> need_pragma;
    std::optional<std::string> charset;  // a known label, or "" for unknown
    for (;;) {
      std::optional<Attribute> attr;
      if (!ReadAttribute(&attr)) return std::nullopt;
      if (!attr) break;
      if (std::find(seen.begin(), seen.end(), attr->name) != seen.end()) continue;
      seen.push_back(attr->name);
      if (attr->name == "http-equiv") {
        if (attr->value == "content-type") got_pragma = true;
      } else if (attr->name == "content") {
        if (!charset) {
          std::optional<std::string> from_content = CharsetFromMetaContent(attr->value);
          if (from_content) {
            charset = *from_content;
            need_pragma = true;
          }
        }
      } else if (attr->name == "charset") {
        if (!charset) {
          charset = attr->value;
          need_pragma = false;
        }
      }
    }
    ++pos_;  // past '>'
    if (!need_pragma || !charset) return std::string();
    if (*need_pragma && !got_pragma) return std::string();
    std::string_view trimmed = TrimSpaces(*charset);
    if (CanonicalCharset(trimmed).empty()) return std::string();
    return std::string(trimmed);
  }

  // "Get an attribute". Sets *attr (nullopt at the closing '>', which is left
  // unconsumed). Returns false when the bytes run out.
  bool ReadAttribute(std::optional<Attribute>* attr) {
    while (!AtEnd() && (IsHtmlSpace(Cur()) || Cur() == '/')) ++pos_;
    if (AtEnd()) return false;
    if (Cur() == '>') {
      attr->reset();
      return true;
    }
    Attribute a;
    // Name.
    for (;;) {
      if (AtEnd()) return false;
      unsigned char c = Cur();
      if (c == '=' && !a.name.empty()) break;
      if (IsHtmlSpace(c)) {
        while (!AtEnd() && IsHtmlSpace(Cur())) ++pos_;
        if (AtEnd()) return false;
        if (Cur() != '=') {
          *attr = std::move(a);
          return true;
        }
        break;
      }
      if (c == '/' || c == '>') {
        *attr = std::move(a);
        return true;
      }
      a.name.push_back(AsciiLower(static_cast<char>(c)));
      ++pos_;
    }
    ++pos_;  // past '='
    while (!AtEnd() && IsHtmlSpace(Cur())) ++pos_;
    if (AtEnd()) return false;
    // Value.
    unsigned char first = Cur();
    if (first == '"' || first == '\'') {
      ++pos_;
      for (;;) {
        if (AtEnd()) return false;
        if (Cur() == first) {
          ++pos_;
          *attr = std::move(a);
          return true;
        }
        a.value.push_back(AsciiLower(in_[pos_]));
        ++pos_;
      }
    }
    if (first == '>') {
      *attr = std::move(a);
      return true;
    }
    for (;;) {
      if (AtEnd()) return false;
      if (IsHtmlSpace(Cur()) || Cur() == '>') {
        *attr = std::move(a);
        return true;
      }
      a.value.push_back(AsciiLower(in_[pos_]));
      ++pos_;
    }
  }

  // "Extracting a character encoding from a meta element" over a content
  // attribute value (already lower case).
  static std::optional<std::string> CharsetFromMetaContent(std::string_view s) {
    size_t pos = 0;
    for (;;) {
      size_t found = s.find("charset", pos);
      if (found == std::string_view::npos) return std::nullopt;
      pos = found + 7;
      while (pos < s.size() && IsHtmlSpace(s[pos])) ++pos;
      if (pos < s.size() && s[pos] == '=') break;
    }
    ++pos;
    while (pos < s.size() && IsHtmlSpace(s[pos])) ++pos;
    if (pos >= s.size()) return std::nullopt;
    char c = s[pos];
    if (c == '"' || c == '\'') {
      size_t close = s.find(c, pos + 1);
      if (close == std::string_view::npos) return std::nullopt;
      return std::string(s.substr(pos + 1, close - pos - 1));
    }
    size_t end = pos;
    while (end < s.size() && !IsHtmlSpace(s[end]) && s[end] != ';') ++end;
    return std::string(s.substr(pos, end - pos));
  }

  // "Get an XML encoding": only for input starting with `<?xml`, reading the
  // declaration up to its first '>'.
  std::string XmlDeclarationLabel() const {
    if (in_.substr(0, 5) != "<?xml") return {};
    size_t close = in_.find('>');
    if (close == std::string_view::npos) return {};
    std::string_view decl = in_.substr(0, close);
    size_t pos = decl.find("encoding");
    if (pos == std::string_view::npos) return {};
    pos += 8;
    while (pos < decl.size() && static_cast<unsigned char>(decl[pos]) <= 0x20) ++pos;
    if (pos >= decl.size() || decl[pos] != '=') return {};
    ++pos;
    while (pos < decl.size() && static_cast<unsigned char>(decl[pos]) <= 0x20) ++pos;
    if (pos >= decl.size() || (decl[pos] != '"' && decl[pos] != '\'')) return {};
    size_t end = decl.find(decl[pos], pos + 1);
    if (end == std::string_view::npos) return {};
    std::string_view label = decl.substr(pos + 1, end - pos - 1);
    if (std::any_of(label.begin(), label.end(), [](unsigned char c) { return c <= 0x20; })) {
      return {};
    }
    if (CanonicalCharset(label).empty()) return {};
    return std::string(label);
  }

  std::string_view in_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Big5: the HKSCS-2008 codes ibm-1375 gets wrong (see the file comment).

struct HkscsFix {
  uint16_t bytes;    // lead << 8 | trail
  char16_t icu_pua;  // what ibm-1375 decodes them to; 0 when it rejects them
  char16_t first;    // the HKSCS-2008 / WHATWG decoding...
  char16_t second;   // ...and its combining mark, 0 for a single code point
};

// Sorted by `bytes` (and so by `icu_pua`). Checked against the WHATWG big5
// index and glibc's BIG5-HKSCS; the four two-code-point decodings are the
// WHATWG big5 decoder's special cases (pointers 1133, 1135, 1164 and 1166).
constexpr std::array<HkscsFix, 38> kHkscsFixes = {{
    {0x87A4, 0, 0x9F97, 0},           {0x87AC, 0, 0x9F96, 0},
    {0x8840, 0xF303, 0x31C0, 0},      {0x8841, 0xF304, 0x31C1, 0},
    {0x8842, 0xF305, 0x31C2, 0},      {0x8843, 0xF306, 0x31C3, 0},
    {0x8844, 0xF307, 0x31C4, 0},      {0x8846, 0xF309, 0x31C5, 0},
    {0x8849, 0xF30C, 0x31C6, 0},      {0x884A, 0xF30D, 0x31C7, 0},
    {0x884D, 0xF310, 0x31C8, 0},      {0x884F, 0xF312, 0x31C9, 0},
    {0x8850, 0xF313, 0x31CA, 0},      {0x8851, 0xF314, 0x31CB, 0},
    {0x8852, 0xF315, 0x31CC, 0},      {0x8854, 0xF317, 0x31CD, 0},
    {0x8855, 0xF318, 0x31CE, 0},      {0x8862, 0xF325, 0x00CA, 0x0304},
    {0x8864, 0xF327, 0x00CA, 0x030C}, {0x88A3, 0xF344, 0x00EA, 0x0304},
    {0x88A5, 0xF346, 0x00EA, 0x030C}, {0x88A9, 0xF34A, 0x23DA, 0},
    {0x88AA, 0xF34B, 0x23DB, 0},      {0x8C43, 0xF57A, 0x9FA6, 0},
    {0x8C6D, 0xF5A4, 0x9FA7, 0},      {0x8C74, 0xF5AB, 0x9FA8, 0},
    {0x8CB7, 0xF5CC, 0x9FA9, 0},      {0x8CB9, 0xF5CE, 0x9FAA, 0},
    {0x8CBB, 0xF5D0, 0x9FAB, 0},      {0x8CC0, 0xF5D5, 0x9FAC, 0},
    {0x8CD7, 0xF5EC, 0x9FAD, 0},      {0x8CD8, 0xF5ED, 0x9FAE, 0},
    {0x8CDA, 0xF5EF, 0x9FAF, 0},      {0x8CED, 0xF602, 0x9FB2, 0},
    {0x8D48, 0xF61C, 0x9FB3, 0},      {0xC879, 0xF7E5, 0x31CF, 0},
    {0xC8A1, 0xF7EB, 0x9FB0, 0},      {0xC8A3, 0xF7ED, 0x9FB1, 0},
}};

const HkscsFix* FindHkscsFixForBytes(uint16_t bytes) {
  auto it = std::lower_bound(kHkscsFixes.begin(), kHkscsFixes.end(), bytes,
                             [](const HkscsFix& f, uint16_t b) { return f.bytes < b; });
  return it != kHkscsFixes.end() && it->bytes == bytes ? &*it : nullptr;
}

const HkscsFix* FindHkscsFixForPua(char16_t pua) {
  auto it = std::find_if(kHkscsFixes.begin(), kHkscsFixes.end(),
                         [pua](const HkscsFix& f) { return f.icu_pua == pua; });
  return it != kHkscsFixes.end() ? &*it : nullptr;
}

// Appends a BMP code point as UTF-8.
void AppendBmpUtf8(char16_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Rewrites the private-use code points ibm-1375 produced in `utf8` (valid
// UTF-8): the kHkscsFixes ones become their HKSCS-2008 characters, the rest
// U+FFFD. Returns how many U+FFFD were written. O(n).
size_t RepairBig5PrivateUse(std::string* utf8) {
  const std::string& in = *utf8;
  // The private-use code point starting at `i`, else 0. U+E000..U+F8FF is
  // EE xx xx or EF 80..A3 xx, and EE and EF are only ever lead bytes.
  auto pua_at = [&in](size_t i) -> char16_t {
    if (i + 2 >= in.size()) return 0;
    const auto b0 = static_cast<unsigned char>(in[i]);
    const auto b1 = static_cast<unsigned char>(in[i + 1]);
    const auto b2 = static_cast<unsigned char>(in[i + 2]);
    if (b0 != 0xEE && (b0 != 0xEF || b1 > 0xA3)) return 0;
    return static_cast<char16_t>(((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F));
  };
  size_t i = 0;
  while (i < in.size() && pua_at(i) == 0) ++i;
  if (i == in.size()) return 0;
  std::string out = in.substr(0, i);
  out.reserve(in.size() + in.size() / 8);
  size_t replaced = 0;
  while (i < in.size()) {
    const char16_t pua = pua_at(i);
    if (pua == 0) {
      out.push_back(in[i++]);
      continue;
    }
    if (const HkscsFix* fix = FindHkscsFixForPua(pua)) {
      AppendBmpUtf8(fix->first, &out);
      if (fix->second != 0) AppendBmpUtf8(fix->second, &out);
    } else {
      AppendBmpUtf8(0xFFFD, &out);
      ++replaced;
    }
    i += 3;
  }
  *utf8 = std::move(out);
  return replaced;
}

// ---------------------------------------------------------------------------
// ICU decoding.

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
// Owns one UConverter; not shareable between threads.
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

Result<ConverterPtr> OpenConverter(std::string_view name) {
  UErrorCode err = U_ZERO_ERROR;
  std::string z(name);
  ConverterPtr cnv(ucnv_open(z.c_str(), &err));
  if (U_FAILURE(err) || !cnv) {
    return Status::Unsupported("ICU cannot open converter '" + z + "': " + u_errorName(err));
  }
  return cnv;
}

struct ToUnicodeState {
  size_t replacements = 0;
  bool big5 = false;  // bytes ibm-1375 rejects may be in kHkscsFixes
};

// Counts invalid or unmappable input and writes U+FFFD for each (ICU's own
// substitute would be U+001A for single-byte charsets).
void CountingToUnicodeCallback(const void* context, UConverterToUnicodeArgs* args,
                               const char* code_units, int32_t length,
                               UConverterCallbackReason reason, UErrorCode* err) {
  if (reason > UCNV_IRREGULAR) return;  // reset, close, clone: nothing to do
  auto* state = static_cast<ToUnicodeState*>(const_cast<void*>(context));
  *err = U_ZERO_ERROR;
  if (state->big5 && length == 2) {
    const uint16_t bytes = static_cast<uint16_t>((static_cast<unsigned char>(code_units[0]) << 8) |
                                                 static_cast<unsigned char>(code_units[1]));
    if (const HkscsFix* fix = FindHkscsFixForBytes(bytes)) {
      const UChar chars[2] = {fix->first, fix->second};
      ucnv_cbToUWriteUChars(args, chars, fix->second != 0 ? 2 : 1, 0, err);
      return;
    }
  }
  ++state->replacements;
  static constexpr UChar kReplacement = 0xFFFD;
  ucnv_cbToUWriteUChars(args, &kReplacement, 1, 0, err);
}

// Converts `bytes` from converter `name` to UTF-8 and counts replacements.
// O(n) time; output grows geometrically.
Status ConvertToUtf8(std::string_view bytes, std::string_view name, DecodedText* out) {
  Result<ConverterPtr> source = OpenConverter(name);
  if (!source.ok()) return source.status();
  Result<ConverterPtr> utf8 = OpenConverter(kUtf8);
  if (!utf8.ok()) return utf8.status();

  ToUnicodeState state;
  state.big5 = name == kBig5;
  UErrorCode err = U_ZERO_ERROR;
  ucnv_setToUCallBack(source->get(), CountingToUnicodeCallback, &state, nullptr, nullptr, &err);
  if (U_FAILURE(err))
    return Status::Internal(std::string("ucnv_setToUCallBack: ") + u_errorName(err));

  std::array<UChar, 4096> pivot{};
  UChar* pivot_source = pivot.data();
  UChar* pivot_target = pivot.data();
  std::array<char, 16384> chunk{};
  const char* src = bytes.data();
  const char* src_limit = bytes.data() + bytes.size();
  out->utf8.clear();
  out->utf8.reserve(bytes.size() + bytes.size() / 2);
  bool reset = true;
  for (;;) {
    char* target = chunk.data();
    err = U_ZERO_ERROR;
    ucnv_convertEx(utf8->get(), source->get(), &target, chunk.data() + chunk.size(), &src,
                   src_limit, pivot.data(), &pivot_source, &pivot_target,
                   pivot.data() + pivot.size(), reset, /*flush=*/true, &err);
    reset = false;
    out->utf8.append(chunk.data(), static_cast<size_t>(target - chunk.data()));
    if (err == U_BUFFER_OVERFLOW_ERROR) continue;
    if (U_FAILURE(err)) {
      return Status::Internal(std::string("ICU conversion from ") + std::string(name) +
                              " failed: " + u_errorName(err));
    }
    break;
  }
  out->replacements = state.replacements;
  if (state.big5) out->replacements += RepairBig5PrivateUse(&out->utf8);
  return Status::Ok();
}

// The encoding a byte order mark announces, and its length.
struct Bom {
  std::string_view name;
  size_t length = 0;
};

Bom DetectBom(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") return {kUtf8, 3};
  if (bytes.substr(0, 2) == "\xFE\xFF") return {kUtf16Be, 2};
  if (bytes.substr(0, 2) == "\xFF\xFE") return {kUtf16Le, 2};
  return {};
}

Result<DecodedText> Decode(std::string_view bytes, std::string_view name, std::string_view source) {
  Bom bom = DetectBom(bytes);
  if (!bom.name.empty() && bom.name == name) bytes.remove_prefix(bom.length);
  DecodedText out;
  out.charset = std::string(name);
  out.charset_source = std::string(source);
  MW_RETURN_IF_ERROR(ConvertToUtf8(bytes, name, &out));
  return out;
}

// ---------------------------------------------------------------------------
// Undeclared bytes: UTF-8 or a guess.

// Counts of a UTF-8 well-formedness scan (Unicode 15, table 3-7).
struct Utf8Tally {
  size_t multibyte = 0;  // well-formed sequences of 2-4 bytes
  // Ill-formed sequences, each maximal subpart counted once (as ICU's UTF-8
  // decoder writes one U+FFFD for each), except a sequence cut by the end.
  size_t invalid = 0;
  bool escape = false;  // an ESC (0x1B) byte: ISO-2022-JP is 7-bit
};

// The number of bytes of the sequence at `i` that are a well-formed prefix,
// and the sequence's full length (0 for a byte that cannot start one).
struct Utf8Prefix {
  size_t matched = 0;
  size_t length = 0;
};

Utf8Prefix MatchUtf8Sequence(std::string_view s, size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  Utf8Prefix p;
  unsigned char lo = 0x80;  // bounds of the second byte
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    p.length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    p.length = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    p.length = 4;
    if (lead == 0xF0) lo = 0x90;  // no overlongs
    if (lead == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return p;
  }
  p.matched = 1;
  while (p.matched < p.length && i + p.matched < s.size()) {
    const auto c = static_cast<unsigned char>(s[i + p.matched]);
    const bool second = p.matched == 1;
    if (c < (second ? lo : 0x80) || c > (second ? hi : 0xBF)) break;
    ++p.matched;
  }
  return p;
}

Utf8Tally TallyUtf8(std::string_view s) {
  Utf8Tally t;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == 0x1B) t.escape = true;
      ++i;
      continue;
    }
    const Utf8Prefix p = MatchUtf8Sequence(s, i);
    if (p.length != 0 && p.matched == p.length) {
      ++t.multibyte;
    } else if (p.length == 0 || i + p.matched < s.size()) {
      ++t.invalid;
    }  // else: a well-formed start cut by the end of the input
    i += std::max<size_t>(1, p.matched);
  }
  return t;
}

struct DetectorCloser {
  void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
};
// Owns one ICU charset detector (and the matches it hands out); not
// shareable between threads.
using DetectorPtr = std::unique_ptr<UCharsetDetector, DetectorCloser>;

// The Windows superset ICU would have named had it seen C1 bytes.
std::string_view WindowsVariant(std::string_view canonical) {
  if (canonical == "ISO-8859-7") return "windows-1253";
  if (canonical == "ISO-8859-8" || canonical == "ISO-8859-8-I") return "windows-1255";
  return {};
}

// ICU's usable candidates for `window`, best first (see DetectCharset).
std::vector<DetectedCharset> DetectorCandidates(std::string_view window, bool seven_bit) {
  std::vector<DetectedCharset> out;
  UErrorCode err = U_ZERO_ERROR;
  DetectorPtr detector(ucsdet_open(&err));
  if (U_FAILURE(err) || !detector) return out;
  ucsdet_enableInputFilter(detector.get(), true);
  // ICU keeps a pointer to `window`, which outlives `detector`.
  ucsdet_setText(detector.get(), window.data(), static_cast<int32_t>(window.size()), &err);
  int32_t count = 0;
  const UCharsetMatch** matches = ucsdet_detectAll(detector.get(), &count, &err);
  if (U_FAILURE(err) || matches == nullptr) return out;
  auto add = [&out](std::string_view name, int confidence) {
    if (out.size() >= kMaxDetectionCandidates) return;
    for (const DetectedCharset& c : out) {
      if (c.charset == name) return;  // ISO-8859-1 and windows-1252 are one
    }
    out.push_back(DetectedCharset{std::string(name), confidence});
  };
  for (int32_t i = 0; i < count && out.size() < kMaxDetectionCandidates; ++i) {
    UErrorCode match_err = U_ZERO_ERROR;
    const char* name = ucsdet_getName(matches[i], &match_err);
    const int confidence = ucsdet_getConfidence(matches[i], &match_err);
    if (U_FAILURE(match_err) || name == nullptr) continue;
    // Sorted by decreasing confidence: nothing further qualifies.
    if (confidence < kMinDetectionConfidence) break;
    const std::string_view view(name);
    // The UTF-8 tally decided UTF-8; UTF-16/32 need a BOM in HTML.
    if (view.substr(0, 4) == "UTF-") continue;
    const std::string canonical = CanonicalCharset(view);
    if (canonical.empty()) continue;
    if (seven_bit && canonical != "ISO-2022-JP") continue;
    add(canonical, confidence);
    if (std::string_view variant = WindowsVariant(canonical); !variant.empty()) {
      add(variant, confidence);
    }
  }
  return out;
}

// Bytes outside <...> (roughly what ICU's markup filter keeps), not counting
// HTML whitespace. O(n).
size_t TextBytes(std::string_view s) {
  size_t text = 0;
  bool in_tag = false;
  for (char c : s) {
    if (c == '<') {
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag && !IsHtmlSpace(static_cast<unsigned char>(c))) {
      ++text;
    }
  }
  return text;
}

// U+FFFD count of decoding `window` as `name`; SIZE_MAX if ICU fails.
size_t TrialReplacements(std::string_view window, std::string_view name) {
  DecodedText trial;
  if (!ConvertToUtf8(window, name, &trial).ok()) return SIZE_MAX;
  return trial.replacements;
}

}  // namespace

std::string CharsetFromContentType(std::string_view content_type) {
  size_t pos = content_type.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = content_type.substr(pos + 1);
    size_t next = rest.find(';');
    std::string_view param = TrimSpaces(rest.substr(0, next));
    pos = next == std::string_view::npos ? next : pos + 1 + next;
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = TrimSpaces(param.substr(0, eq));
    if (key.size() != 7 || !StartsWithNoCase(key, 0, "charset")) continue;
    std::string_view value = TrimSpaces(param.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = TrimSpaces(value.substr(1, value.size() - 2));
    }
    return std::string(value);
  }
  return {};
}

std::string CanonicalCharset(std::string_view label) {
  label = TrimSpaces(label);
  if (label.empty() || label.size() > 64) return {};
  std::string lower(label);
  std::transform(lower.begin(), lower.end(), lower.begin(), AsciiLower);
  for (const LabelEntry& e : kLabels) {
    if (e.label == lower) return std::string(e.name);
  }
  return {};
}

std::string PrescanMetaCharset(std::string_view html) { return Prescanner(html).Run(); }

std::optional<DetectedCharset> DetectCharset(std::string_view bytes) {
  const auto first = std::find_if(bytes.begin(), bytes.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x80 || c == 0x1B;
  });
  if (first == bytes.end()) return std::nullopt;
  const auto first_offset = static_cast<size_t>(first - bytes.begin());
  const size_t start =
      first_offset > kCharsetDetectionContext ? first_offset - kCharsetDetectionContext : 0;
  const std::string_view window = bytes.substr(start, kCharsetDetectionWindow);
  if (TextBytes(window) < kMinDetectionTextBytes) return std::nullopt;
  const size_t high = static_cast<size_t>(std::count_if(
      window.begin(), window.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
  const std::vector<DetectedCharset> candidates = DetectorCandidates(window, high == 0);
  if (candidates.empty()) return std::nullopt;
  const size_t tolerance = std::max<size_t>(1, high / 200);
  const size_t best = TrialReplacements(window, candidates[0].charset);
  if (best <= tolerance) return candidates[0];
  for (size_t i = 1; i < candidates.size(); ++i) {
    if (candidates[i].confidence * 3 < candidates[0].confidence) continue;
    const size_t r = TrialReplacements(window, candidates[i].charset);
    if (r <= tolerance && r < best) return candidates[i];
  }
  return candidates[0];
}

Result<DecodedText> DecodeHtml(std::string_view bytes, std::string_view content_type,
                               size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    return Status::TooLarge("HTML body of " + std::to_string(bytes.size()) +
                            " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  std::string http = CanonicalCharset(CharsetFromContentType(content_type));
  if (!http.empty()) return Decode(bytes, http, "http");
  Bom bom = DetectBom(bytes);
  if (!bom.name.empty()) return Decode(bytes, bom.name, "bom");
  std::string meta = CanonicalCharset(PrescanMetaCharset(bytes));
  // A document that declares UTF-16 in ASCII-compatible bytes is not UTF-16.
  if (IsUtf16(meta)) meta = std::string(kUtf8);
  if (!meta.empty()) return Decode(bytes, meta, "meta");
  const Utf8Tally utf8 = TallyUtf8(bytes);
  const bool seven_bit_escapes = utf8.multibyte == 0 && utf8.invalid == 0 && utf8.escape;
  const bool is_utf8 = utf8.invalid == 0 ? !seven_bit_escapes : utf8.invalid * 10 <= utf8.multibyte;
  if (!is_utf8) {
    if (std::optional<DetectedCharset> guess = DetectCharset(bytes)) {
      Result<DecodedText> d = Decode(bytes, guess->charset, "detected");
      if (d.ok()) d->confidence = guess->confidence;
      return d;
    }
  }
  return Decode(bytes, kUtf8, "default");
}

Result<DecodedText> DecodeWithCharset(std::string_view bytes, std::string_view charset) {
  std::string name = CanonicalCharset(charset);
  if (name.empty()) {
    return Status::Unsupported("unknown charset label '" + std::string(charset.substr(0, 64)) +
                               "'");
  }
  return Decode(bytes, name, "explicit");
}

}  // namespace mw
