// mediawatch/parsers/xml_safe.h
//
// Private to parsers/: the one place that decides how libxml2 reads
// untrusted XML (feeds, sitemaps, OPML), so every reader gets the same safe
// options. Never XML_PARSE_NOENT (it substitutes external entities, reading
// local files even with NONET), DTDLOAD, DTDATTR or HUGE; NONET; the input is
// already UTF-8 and its declaration is ignored. Errors are collected through
// the context's structured-error hook (libxml2 2.9.14 has no
// xmlCtxtSetErrorHandler; sax->serror is the per-context equivalent), so
// nothing reaches libxml2's global error channel.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw::xml_internal {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

// What libxml2 reported while parsing one document.
struct XmlErrorLog {
  std::vector<std::string> messages;          // the first `max_messages`, "XML line N: ..."
  size_t count = 0;                           // all errors, kept or not
  bool depth_exceeded = false;                // libxml2's own nesting limit was hit
  std::set<std::string> undeclared_entities;  // names, at most kMaxUndeclaredEntityNames

  static constexpr size_t kMaxUndeclaredEntityNames = 64;
  static constexpr size_t kMaxMessageBytes = 300;
  size_t max_messages = 100;
};

struct ParsedXml {
  DocPtr doc;  // null when nothing could be recovered
  XmlErrorLog errors;
};

// Parses UTF-8 `utf8` with the safe options and RECOVER. Errors:
// kTooLarge (over 2 GiB), kInternal (libxml2 could not make a context).
Result<ParsedXml> ParseXmlSafely(std::string_view utf8, size_t max_messages = 100);

// The root element of a parsed document whose element nesting is at most
// `max_depth`. Errors: kTooLarge (libxml2's own limit or max_depth),
// kParseError ("not XML: ..." when nothing could be recovered). The depth is
// measured with a parent-pointer walk (no recursion), stopping at the limit.
Result<const xmlNode*> CheckedRoot(const ParsedXml& parsed, int max_depth);

// Expands entity references met while walking a tree parsed without
// XML_PARSE_NOENT. Predefined entities always; a declared internal entity
// only when its text is plain (no '&' or '<': one level, so "billion laughs"
// cannot grow) and fits what is left of a per-document budget; HTML 4 names
// (&eacute;) that feeds use without declaring them; never an external one.
// One per document; not thread-safe.
class EntityExpander {
 public:
  static constexpr size_t kBudgetBytes = 1u << 20;  // added by expansions, per document
  static constexpr size_t kMaxReportedNames = 64;

  explicit EntityExpander(xmlDoc* doc) : doc_(doc) {}

  // Appends the expansion of entity-reference node `ref` to `out`. Returns a
  // problem to record the first time a name is not expanded, else "".
  std::string Append(const xmlNode* ref, std::string* out);

 private:
  std::string ReportOnce(std::string_view name, std::string message);

  xmlDoc* doc_;
  size_t budget_ = kBudgetBytes;
  std::set<std::string> reported_;
};

}  // namespace mw::xml_internal
