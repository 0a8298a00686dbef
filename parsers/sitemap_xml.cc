// mediawatch/parsers/sitemap_xml.cc
//
// libxml2 reads the document through parsers/xml_safe.h (the same safe
// options and per-context error capture as feeds). The tree is then copied
// with a parent-pointer walk (no recursion) and freed before ParseXmlTree
// returns.
#include "parsers/sitemap_xml.h"

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <cstdint>
#include <memory>

#include "parsers/feed_encoding.h"
#include "parsers/feed_text.h"
#include "parsers/xml_safe.h"

namespace mw::source_internal {
namespace {

using feed_internal::CollapseWhitespace;
using feed_internal::Shorten;
using feed_internal::TrimXmlSpace;
using feed_internal::TruncateUtf8;

constexpr size_t kMaxMessageBytes = 300;

std::string_view AsView(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

using xml_internal::ParsedXml;
using xml_internal::XmlErrorLog;

Result<ParsedXml> ParseUtf8(std::string_view utf8) {
  return xml_internal::ParseXmlSafely(utf8, kMaxProblems);
}

// Copies a libxml2 tree into an XmlTree, reading character data with the
// entity policy in the header.
class TreeCopier {
 public:
  TreeCopier(xmlDoc* doc, const XmlTreeOptions& options, ProblemList* problems)
      : doc_(doc), options_(options), problems_(problems) {}

  // Pre-order walk with parent pointers and an explicit stack of the open
  // elements' indices. O(nodes + text).
  void Copy(const xmlNode* root, XmlTree* tree) {
    std::vector<int32_t> open;
    const xmlNode* cur = root;
    while (cur != nullptr) {
      if (cur->type == XML_ELEMENT_NODE) {
        const int32_t index = static_cast<int32_t>(tree->elements.size());
        tree->elements.push_back(MakeElement(cur, open));
        if (!open.empty()) tree->elements[open.back()].children.push_back(index);
        if (cur->children != nullptr) {
          open.push_back(index);
          cur = cur->children;
          continue;
        }
      } else if (!open.empty() &&
                 (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE)) {
        AppendCapped(AsView(cur->content), &tree->elements[open.back()]);
      } else if (!open.empty() && cur->type == XML_ENTITY_REF_NODE) {
        // An entity reference's children are its declaration: never descend.
        std::string expansion;
        AppendEntity(cur, &expansion);
        AppendCapped(expansion, &tree->elements[open.back()]);
      }
      while (cur != root && cur->next == nullptr) {
        cur = cur->parent;
        open.pop_back();
      }
      if (cur == root) break;
      cur = cur->next;
    }
  }

 private:
  XmlElement MakeElement(const xmlNode* node, const std::vector<int32_t>& open) {
    XmlElement el;
    SplitName(AsView(node->name), &el.prefix, &el.name);
    if (node->ns != nullptr) {
      el.ns = std::string(AsView(node->ns->href));
      if (node->ns->prefix != nullptr) el.prefix = std::string(AsView(node->ns->prefix));
    }
    el.parent = open.empty() ? -1 : open.back();
    el.depth = static_cast<int32_t>(open.size());
    for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
      std::string prefix;
      std::string name;
      SplitName(AsView(a->name), &prefix, &name);
      std::string value;
      for (const xmlNode* c = a->children; c != nullptr; c = c->next) {
        if (c->type == XML_TEXT_NODE) value += AsView(c->content);
        if (c->type == XML_ENTITY_REF_NODE) AppendEntity(c, &value);
        if (value.size() > options_.max_text_bytes) break;
      }
      if (TruncateUtf8(&value, options_.max_text_bytes)) el.truncated = true;
      el.attributes.emplace_back(std::move(name), std::move(value));
    }
    return el;
  }

  static void SplitName(std::string_view qname, std::string* prefix, std::string* local) {
    const size_t colon = qname.find(':');
    if (colon == std::string_view::npos) {
      *local = std::string(qname);
      return;
    }
    *prefix = std::string(qname.substr(0, colon));
    *local = std::string(qname.substr(colon + 1));
  }

  void AppendCapped(std::string_view text, XmlElement* el) {
    if (text.empty()) return;
    const size_t cap = options_.max_text_bytes;
    if (el->text.size() >= cap) {
      el->truncated = true;
      return;
    }
    // Copy a little past the cap, then cut precisely at a UTF-8 boundary.
    const size_t room = cap - el->text.size();
    el->text.append(text.substr(0, room > SIZE_MAX - 4 ? SIZE_MAX : room + 4));
    if (TruncateUtf8(&el->text, cap)) el->truncated = true;
  }

  void AppendEntity(const xmlNode* ref, std::string* out) {
    std::string problem = entities_.Append(ref, out);
    if (!problem.empty()) problems_->Add(std::move(problem));
  }

  xmlDoc* doc_;
  const XmlTreeOptions& options_;
  ProblemList* problems_;
  xml_internal::EntityExpander entities_{doc_};
};

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is
// ill-formed (overlong, surrogate, > U+10FFFF, truncated). Sets *cp.
size_t DecodeUtf8At(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

void ProblemList::Add(std::string message) {
  if (messages_.size() < kMaxProblems) {
    messages_.push_back(std::move(message));
  } else {
    ++dropped_;
  }
}

std::vector<std::string> ProblemList::Take() {
  if (dropped_ > 0) messages_.push_back("... and " + std::to_string(dropped_) + " more problems");
  dropped_ = 0;
  return std::move(messages_);
}

const std::string* XmlElement::Attr(std::string_view wanted) const {
  for (const auto& [name, value] : attributes) {
    if (name.size() != wanted.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = LowerAscii(name[i]) == LowerAscii(wanted[i]);
    }
    if (same) return &value;
  }
  return nullptr;
}

Result<XmlTree> ParseXmlTree(std::string_view body, std::string_view content_type,
                             const XmlTreeOptions& options) {
  if (body.size() > options.max_bytes) {
    return Status::TooLarge("document of " + std::to_string(body.size()) +
                            " bytes exceeds max_bytes (" + std::to_string(options.max_bytes) + ")");
  }
  if (TrimXmlSpace(body).empty()) return Status::ParseError("not XML: the body is empty");
  xmlInitParser();

  ProblemList problems;
  Result<feed_internal::DecodedBody> decoded = feed_internal::DecodeFeedBody(body, content_type);
  if (!decoded.ok()) return decoded.status();
  for (std::string& p : decoded->problems) problems.Add(std::move(p));

  Result<ParsedXml> parsed = ParseUtf8(decoded->utf8);
  if (!parsed.ok()) return parsed.status();
  const XmlErrorLog& errors = parsed->errors;
  auto checked_root = xml_internal::CheckedRoot(*parsed, options.max_depth);
  if (!checked_root.ok()) return checked_root.status();
  const xmlNode* root = *checked_root;
  for (const std::string& message : errors.messages) problems.Add(message);
  if (errors.count > errors.messages.size()) {
    problems.Add(std::to_string(errors.count - errors.messages.size()) + " more XML errors");
  }

  XmlTree tree;
  tree.charset = decoded->charset;
  TreeCopier(parsed->doc.get(), options, &problems).Copy(root, &tree);
  tree.problems = problems.Take();
  return tree;
}

void AppendXmlEscaped(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8At(s, i, &cp);
    if (len == 0) {
      *out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    const std::string_view seq = s.substr(i, len);
    i += len;
    switch (cp) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        *out += "&quot;";
        break;
      case '\t':
        *out += "&#9;";
        break;
      case '\n':
        *out += "&#10;";
        break;
      case '\r':
        *out += "&#13;";
        break;
      default:
        // XML 1.0 section 2.2: other C0 controls, U+FFFE and U+FFFF are not
        // characters at all.
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) break;
        *out += seq;
    }
  }
}

}  // namespace mw::source_internal
