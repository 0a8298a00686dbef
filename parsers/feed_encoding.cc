// mediawatch/parsers/feed_encoding.cc
//
// Only the feed-specific part of decoding lives here: which source names the
// encoding (see the header). Label mapping and the conversion itself are
// parsers/charset.h's, shared with HTML pages.
#include "parsers/feed_encoding.h"

#include <cstddef>
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

// UTF-32, which we refuse: a byte order mark, or (XML Appendix F, no mark)
// "<" encoded as UTF-32. Returns what was seen, "" when neither.
std::string_view Utf32Bom(std::string_view body) {
  const std::string_view head = body.substr(0, 4);
  if (head == std::string_view("\xFF\xFE\0\0", 4)) return "a UTF-32LE byte order mark";
  if (head == std::string_view("\0\0\xFE\xFF", 4)) return "a UTF-32BE byte order mark";
  return {};
}

std::string_view Utf32Sniff(std::string_view body) {
  const std::string_view head = body.substr(0, 4);
  if (head == std::string_view("<\0\0\0", 4)) return "'<' in UTF-32LE";
  if (head == std::string_view("\0\0\0<", 4)) return "'<' in UTF-32BE";
  return {};
}

Status Utf32Unsupported(std::string_view seen) {
  return Status::ParseError("unsupported encoding: the feed starts with " + std::string(seen) +
                            ", and UTF-32 is not a WHATWG encoding");
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

Result<DecodedBody> DecodeFeedBody(std::string_view body, std::string_view content_type) {
  if (const std::string_view utf32 = Utf32Bom(body); !utf32.empty()) {
    return Utf32Unsupported(utf32);
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
      return Utf32Unsupported(utf32);
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
