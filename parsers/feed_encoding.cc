// mediawatch/parsers/feed_encoding.cc
#include "parsers/feed_encoding.h"

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <array>
#include <cstddef>

#include "parsers/feed_text.h"

namespace mw::feed_internal {
namespace {

constexpr std::string_view kUtf8 = "UTF-8";
// The XML declaration must fit in this prefix for us to read it.
constexpr size_t kDeclarationWindow = 1024;
constexpr size_t kMaxLabelLength = 40;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string NormalizeLabel(std::string_view label) {
  label = TrimXmlSpace(label);
  if (label.size() >= 2 && (label.front() == '"' || label.front() == '\'') &&
      label.back() == label.front()) {
    label = TrimXmlSpace(label.substr(1, label.size() - 2));
  }
  std::string out(label);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

struct LabelGroup {
  std::array<std::string_view, 17> labels;  // unused slots are empty
  std::string_view primary;
  std::string_view fallback;
};

// A subset of the WHATWG Encoding Standard label table: the encodings seen in
// Chinese, Uyghur, Arabic and Western feeds. Other labels go to iconv as-is.
// Where WHATWG names a Windows superset of an ISO/EUC charset we decode with
// the superset, and fall back to the base table for the bytes it leaves
// undefined (so 0x81 in "iso-8859-1" is U+0081, as in browsers).
constexpr std::array<LabelGroup, 9> kLabelGroups = {{
    {{"utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"},
     "UTF-8",
     ""},
    {{"gb2312", "gbk", "x-gbk", "gb_2312", "gb_2312-80", "chinese", "csgb2312", "csiso58gb231280",
      "iso-ir-58", "gb18030", "euc-cn", "cp936", "windows-936"},
     "GB18030",
     ""},
    {{"big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5", "x-big5", "cp950"},
     "BIG5-HKSCS",
     "CP950"},
    {{"iso-8859-1", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "latin1", "l1",
      "us-ascii", "ascii", "ansi_x3.4-1968", "cp819", "ibm819", "iso-ir-100", "csisolatin1",
      "windows-1252", "cp1252", "x-cp1252"},
     "CP1252",
     "ISO-8859-1"},
    {{"utf-16", "utf-16le", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff"},
     "UTF-16LE",
     ""},
    {{"utf-16be", "unicodefffe"}, "UTF-16BE", ""},
    {{"shift_jis", "shift-jis", "sjis", "ms_kanji", "windows-31j", "x-sjis", "csshiftjis", "ms932"},
     "CP932",
     "SHIFT_JIS"},
    {{"euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "windows-949", "cseuckr", "korean", "ksc5601",
      "ksc_5601", "iso-ir-149", "csksc56011987"},
     "CP949",
     "EUC-KR"},
    {{"iso-8859-9", "iso8859-9", "iso88599", "iso_8859-9", "latin5", "l5", "windows-1254",
      "cp1254"},
     "CP1254",
     "ISO-8859-9"},
}};

bool IsSafeLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  for (char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// Owns an iconv descriptor converting to UTF-8.
class IconvToUtf8 {
 public:
  explicit IconvToUtf8(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
  ~IconvToUtf8() {
    if (ok()) iconv_close(cd_);
  }
  IconvToUtf8(const IconvToUtf8&) = delete;
  IconvToUtf8& operator=(const IconvToUtf8&) = delete;

  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  void Reset() { iconv(cd_, nullptr, nullptr, nullptr, nullptr); }

  // Converts as much of [*in, *in + *left) as possible, appending to `out`.
  // Returns 0 when everything was converted, else the errno that stopped it
  // (EILSEQ or EINVAL) with *in at the offending byte.
  int Convert(char** in, size_t* left, std::string* out) {
    std::array<char, 4096> buf;
    while (*left > 0) {
      char* dst = buf.data();
      size_t room = buf.size();
      const size_t rc = iconv(cd_, in, left, &dst, &room);
      const int err = rc == static_cast<size_t>(-1) ? errno : 0;
      out->append(buf.data(), static_cast<size_t>(dst - buf.data()));
      if (err == E2BIG) continue;
      if (err != 0) return err;
    }
    char* dst = buf.data();
    size_t room = buf.size();
    iconv(cd_, nullptr, nullptr, &dst, &room);  // flush a stateful encoding's shift state
    out->append(buf.data(), static_cast<size_t>(dst - buf.data()));
    return 0;
  }

  // Tries to decode exactly one character of 1..4 bytes at `in`. Returns the
  // bytes used, or 0.
  size_t DecodeOne(const char* in, size_t left, std::string* out) {
    for (size_t len = 1; len <= 4 && len <= left; ++len) {
      Reset();
      std::array<char, 32> buf;
      char* src = const_cast<char*>(in);
      size_t src_left = len;
      char* dst = buf.data();
      size_t room = buf.size();
      if (iconv(cd_, &src, &src_left, &dst, &room) != static_cast<size_t>(-1) && src_left == 0) {
        out->append(buf.data(), static_cast<size_t>(dst - buf.data()));
        return len;
      }
    }
    return 0;
  }

 private:
  iconv_t cd_;
};

size_t CodeUnitSize(std::string_view charset) {
  if (charset.rfind("UTF-16", 0) == 0) return 2;
  if (charset.rfind("UTF-32", 0) == 0) return 4;
  return 1;
}

// Decodes `in` with the plan; invalid bytes become U+FFFD. Returns the number
// of replacements, or nullopt when iconv cannot open the primary charset.
std::optional<size_t> DecodeWithIconv(std::string_view in, const CharsetPlan& plan,
                                      std::string* out) {
  IconvToUtf8 primary(plan.primary);
  if (!primary.ok()) return std::nullopt;
  std::optional<IconvToUtf8> fallback;
  if (!plan.fallback.empty()) fallback.emplace(plan.fallback);
  out->reserve(in.size() * 2);
  char* src = const_cast<char*>(in.data());  // iconv's API is not const-correct; it only reads
  size_t left = in.size();
  size_t replacements = 0;
  while (left > 0) {
    if (primary.Convert(&src, &left, out) == 0) break;
    size_t used = 0;
    if (fallback && fallback->ok()) used = fallback->DecodeOne(src, left, out);
    if (used == 0) {
      // Skip one code unit only, so an ASCII byte after a bad lead byte
      // survives and UTF-16/32 stay aligned.
      AppendUtf8(0xFFFD, out);
      ++replacements;
      used = std::min(left, CodeUnitSize(plan.primary));
    }
    src += used;
    left -= used;
    primary.Reset();
  }
  return replacements;
}

struct Bom {
  size_t length;
  std::string_view charset;
};

std::optional<Bom> SniffBom(std::string_view b) {
  if (b.substr(0, 3) == "\xEF\xBB\xBF") return Bom{3, "UTF-8"};
  if (b.substr(0, 4) == std::string_view("\xFF\xFE\x00\x00", 4)) return Bom{4, "UTF-32LE"};
  if (b.substr(0, 4) == std::string_view("\x00\x00\xFE\xFF", 4)) return Bom{4, "UTF-32BE"};
  if (b.substr(0, 2) == "\xFF\xFE") return Bom{2, "UTF-16LE"};
  if (b.substr(0, 2) == "\xFE\xFF") return Bom{2, "UTF-16BE"};
  return std::nullopt;
}

bool IsUtf16(const CharsetPlan& plan) { return plan.primary.rfind("UTF-16", 0) == 0; }

}  // namespace

std::string CharsetParameter(std::string_view content_type) {
  size_t pos = 0;
  while ((pos = content_type.find(';', pos)) != std::string_view::npos) {
    ++pos;
    size_t end = content_type.find(';', pos);
    if (end == std::string_view::npos) end = content_type.size();
    const std::string_view param = TrimXmlSpace(content_type.substr(pos, end - pos));
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && NormalizeLabel(param.substr(0, eq)) == "charset") {
      return NormalizeLabel(param.substr(eq + 1));
    }
  }
  return {};
}

std::optional<CharsetPlan> PlanForLabel(std::string_view label) {
  const std::string normalized = NormalizeLabel(label);
  for (const LabelGroup& group : kLabelGroups) {
    for (std::string_view l : group.labels) {
      if (!l.empty() && l == normalized) {
        return CharsetPlan{std::string(group.primary), std::string(group.fallback)};
      }
    }
  }
  // UTF-7 can smuggle markup past filters; browsers dropped it and so do we.
  if (!IsSafeLabel(normalized) || normalized == "utf-7" || normalized == "csunicode11utf7") {
    return std::nullopt;
  }
  CharsetPlan plan{normalized, ""};
  if (!IconvToUtf8(plan.primary).ok()) return std::nullopt;
  return plan;
}

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
  return NormalizeLabel(decl.substr(i + 1, close - i - 1));
}

DecodedBody DecodeFeedBody(std::string_view body, std::string_view content_type) {
  DecodedBody out;
  std::optional<CharsetPlan> plan;
  if (auto bom = SniffBom(body)) {
    body.remove_prefix(bom->length);
    plan = CharsetPlan{std::string(bom->charset), ""};
    out.source = "bom";
  }
  if (!plan) {
    const std::string label = CharsetParameter(content_type);
    if (!label.empty()) {
      plan = PlanForLabel(label);
      if (plan) {
        out.source = "http";
      } else {
        out.problems.push_back("unknown charset '" + label.substr(0, 40) +
                               "' in Content-Type; ignored");
      }
    }
  }
  if (!plan) {
    if (body.substr(0, 4) == std::string_view("<\0?\0", 4)) plan = CharsetPlan{"UTF-16LE", ""};
    if (body.substr(0, 4) == std::string_view("\0<\0?", 4)) plan = CharsetPlan{"UTF-16BE", ""};
    if (plan) out.source = "utf16-sniff";
  }
  if (!plan) {
    const std::string label = XmlDeclarationEncoding(body);
    if (!label.empty()) {
      plan = PlanForLabel(label);
      if (plan && IsUtf16(*plan)) {
        // We read the declaration as ASCII, so the bytes cannot be UTF-16.
        out.problems.push_back("document declares " + label + " but is not UTF-16; read as UTF-8");
        plan.reset();
      } else if (plan) {
        out.source = "xml-declaration";
      } else {
        out.problems.push_back("unknown encoding '" + label.substr(0, 40) +
                               "' in XML declaration; read as UTF-8");
      }
    }
  }
  if (!plan) {
    plan = CharsetPlan{std::string(kUtf8), ""};
    out.source = "default";
  }
  out.charset = plan->primary;
  std::optional<size_t> replacements;
  if (plan->primary == kUtf8) {
    replacements = RepairUtf8(body, &out.utf8);
  } else {
    replacements = DecodeWithIconv(body, *plan, &out.utf8);
    if (!replacements) {
      out.problems.push_back("cannot decode " + plan->primary + "; read as UTF-8");
      out.charset = kUtf8;
      out.utf8.clear();
      replacements = RepairUtf8(body, &out.utf8);
    }
  }
  if (*replacements > 0) {
    out.problems.push_back(std::to_string(*replacements) + " invalid byte sequence(s) in " +
                           out.charset + " replaced by U+FFFD");
  }
  return out;
}

}  // namespace mw::feed_internal
