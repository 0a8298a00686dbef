// mediawatch/parsers/sitemap_xml.h  (private to parsers/)
//
// The XML layer of the source parsers (sitemaps and OPML, source_parsers.cc):
// a document parsed by libxml2 in the same safe configuration as
// feed_parser.cc, then copied into a flat, immutable tree of plain C++ values
// so that no libxml2 type leaves sitemap_xml.cc.
//
//   Result<XmlTree> tree = ParseXmlTree(body, content_type, {.max_bytes = 16 << 20});
//   const XmlElement& root = tree->elements[0];
//   for (int32_t c : root.children) Use(tree->elements[c].name, tree->elements[c].text);
//
// Safety: never XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE; always NONET. An
// internal entity is expanded one level only when its replacement text is
// plain text, within a per-document budget (kEntityExpansionBudget); other
// references are dropped and reported. External entities are never read.
// Decoding to UTF-8 is feed_encoding.h's (BOM > HTTP charset > declaration).
//
// Thread safety: reentrant; an XmlTree is an immutable value after parsing.
// Also the small text helpers (whitespace, UTF-8 truncation, XML escaping)
// the source parsers share, kept here so they do not depend on feed_text.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace mw::source_internal {

// Problem lists keep the first kMaxProblems messages and then a count, so a
// document with millions of errors cannot grow a result without bound.
constexpr size_t kMaxProblems = 100;

class ProblemList {
 public:
  void Add(std::string message);
  // The messages, with a final "... and N more problems" when some were
  // dropped. Leaves the list empty.
  std::vector<std::string> Take();

 private:
  std::vector<std::string> messages_;
  size_t dropped_ = 0;
};

// One element. Names are split at the first ':' so that an element whose
// prefix was never declared ("news:title" without xmlns:news, which libxml2
// keeps as a single name) still has local name "title" and prefix "news".
struct XmlElement {
  std::string name;    // local name
  std::string prefix;  // as written ("" when none)
  std::string ns;      // namespace URI ("" when none or undeclared)
  // Attributes by local name (prefix dropped), values with character and
  // predefined entity references decoded. Values are capped like `text`.
  std::vector<std::pair<std::string, std::string>> attributes;
  // The element's own character data (its text and CDATA children, not its
  // descendants'), at most XmlTreeOptions::max_text_bytes, cut at a UTF-8
  // boundary; `truncated` says that something was cut here or in an
  // attribute value.
  std::string text;
  bool truncated = false;
  int32_t parent = -1;
  int32_t depth = 0;              // the root is 0
  std::vector<int32_t> children;  // element children, in document order

  // The value of the attribute whose local name equals `name` (ASCII
  // case-insensitive: OPML writers spell xmlUrl as xmlurl or xmlURL), or
  // nullptr.
  const std::string* Attr(std::string_view name) const;
};

struct XmlTree {
  // Elements in document (pre-)order; elements[0] is the root element.
  std::vector<XmlElement> elements;
  std::string charset;  // what the bytes were decoded from ("UTF-8", "GB18030"...)
  // Recoverable problems: decoding, libxml2 errors (with line numbers),
  // dropped entity references.
  std::vector<std::string> problems;
};

struct XmlTreeOptions {
  // Larger inputs are rejected with kTooLarge. Default: 16 MiB.
  size_t max_bytes = 16u << 20;
  // Deeper element nesting is rejected with kTooLarge (libxml2's own limit
  // without XML_PARSE_HUGE is 256 and applies too). Default: 256.
  int max_depth = 256;
  // Cap on each element's text and attribute values. Default: 1 MiB.
  size_t max_text_bytes = 1u << 20;
};

// Parses an XML document from raw bytes. Recoverable errors (libxml2's
// recover mode) are recorded in XmlTree::problems.
// Errors: kTooLarge (size or depth), kParseError (no root element, or
// UTF-32 input). Cost: O(n) time and memory.
Result<XmlTree> ParseXmlTree(std::string_view body, std::string_view content_type,
                             const XmlTreeOptions& options);

// Appends `s` escaped for XML character data or a double-quoted attribute
// value: & < > " as entities, tab/LF/CR as character references (so that
// attribute-value normalization keeps them), other C0 controls (not allowed
// in XML 1.0) dropped, ill-formed UTF-8 replaced by U+FFFD.
void AppendXmlEscaped(std::string_view s, std::string* out);

}  // namespace mw::source_internal
