#include "parsers/xml_safe.h"

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>

#include "parsers/feed_text.h"

namespace mw::xml_internal {
namespace {

constexpr int kXmlParseOptions = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                                 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC;

struct ParserCtxtDeleter {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};
using ParserCtxtPtr = std::unique_ptr<xmlParserCtxt, ParserCtxtDeleter>;

void Add(XmlErrorLog* log, const xmlError& error) {
  ++log->count;
  const std::string_view text =
      feed_internal::TrimXmlSpace(error.message ? error.message : "unknown XML error");
  // libxml2 2.9 reports its own nesting limit (xmlParserMaxDepth) as an
  // internal error; only the message tells it apart.
  if (error.code == XML_ERR_INTERNAL_ERROR && text.find("depth") != std::string_view::npos) {
    log->depth_exceeded = true;
  }
  if ((error.code == XML_ERR_UNDECLARED_ENTITY || error.code == XML_WAR_UNDECLARED_ENTITY) &&
      error.str1 != nullptr &&
      log->undeclared_entities.size() < XmlErrorLog::kMaxUndeclaredEntityNames) {
    log->undeclared_entities.insert(error.str1);
  }
  if (log->messages.size() < log->max_messages) {
    log->messages.push_back("XML line " + std::to_string(error.line) + ": " +
                            feed_internal::Shorten(text, XmlErrorLog::kMaxMessageBytes));
  }
}

// libxml2 calls this with the parser context as `user_data` (the default
// userData of a context is the context itself, and the sub-contexts it makes
// for entity content copy _private from their parent).
void CollectXmlError(void* user_data, xmlErrorPtr error) noexcept {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(user_data);
  if (ctxt == nullptr || error == nullptr || ctxt->_private == nullptr) return;
  try {
    Add(static_cast<XmlErrorLog*>(ctxt->_private), *error);
  } catch (...) {
    // Out of memory while recording an error: drop it rather than unwind
    // through C frames.
  }
}

// Deepest element nesting under `root` (root is 1); stops as soon as
// `limit` is exceeded.
int MaxElementDepth(const xmlNode* root, int limit) {
  int max_depth = 0;
  int depth = 1;
  const xmlNode* cur = root;
  while (cur != nullptr) {
    if (cur->type == XML_ELEMENT_NODE) {
      if (depth > max_depth) max_depth = depth;
      if (max_depth > limit) return max_depth;
      if (cur->children != nullptr) {
        cur = cur->children;
        ++depth;
        continue;
      }
    }
    while (cur != root && cur->next == nullptr) {
      cur = cur->parent;
      --depth;
    }
    if (cur == root) break;
    cur = cur->next;
  }
  return max_depth;
}

}  // namespace

Result<const xmlNode*> CheckedRoot(const ParsedXml& parsed, int max_depth) {
  const XmlErrorLog& errors = parsed.errors;
  if (errors.depth_exceeded) {
    return Status::TooLarge(
        "element nesting deeper than libxml2's limit (256 without XML_PARSE_HUGE, which we "
        "never set)");
  }
  const xmlNode* root = parsed.doc ? xmlDocGetRootElement(parsed.doc.get()) : nullptr;
  if (root == nullptr) {
    return Status::ParseError("not XML: " + (errors.messages.empty()
                                                 ? std::string("no root element")
                                                 : errors.messages.front()));
  }
  if (MaxElementDepth(root, max_depth) > max_depth) {
    return Status::TooLarge("element nesting deeper than max_depth (" + std::to_string(max_depth) +
                            ")");
  }
  return root;
}

std::string EntityExpander::Append(const xmlNode* ref, std::string* out) {
  const char* raw_name = reinterpret_cast<const char*>(ref->name);
  const std::string_view name = raw_name ? raw_name : "";
  const xmlEntity* ent = xmlGetDocEntity(doc_, ref->name);
  auto content = [](const xmlEntity* e) {
    return e->content ? std::string_view(reinterpret_cast<const char*>(e->content))
                      : std::string_view();
  };
  if (ent != nullptr && ent->etype == XML_INTERNAL_PREDEFINED_ENTITY) {
    *out += content(ent);
    return {};
  }
  const std::string quoted = "&" + feed_internal::Shorten(name, 40) + ";";
  if (ent != nullptr && ent->etype == XML_INTERNAL_GENERAL_ENTITY) {
    const std::string_view text = content(ent);
    if (text.find_first_of("&<") == std::string_view::npos && text.size() <= budget_) {
      budget_ -= text.size();
      *out += text;
      return {};
    }
    return ReportOnce(name, "entity " + quoted +
                                " not expanded (it nests other entities or markup, or the "
                                "expansion budget is spent)");
  }
  if (ent != nullptr) return ReportOnce(name, "external entity " + quoted + " not loaded");
  if (const uint32_t cp = feed_internal::HtmlEntityCodePoint(name); cp != 0) {
    feed_internal::AppendUtf8(cp, out);
    return {};
  }
  return ReportOnce(name, "unknown entity " + quoted + " dropped");
}

std::string EntityExpander::ReportOnce(std::string_view name, std::string message) {
  if (reported_.size() >= kMaxReportedNames) return {};
  if (!reported_.insert(std::string(name)).second) return {};
  return message;
}

Result<ParsedXml> ParseXmlSafely(std::string_view utf8, size_t max_messages) {
  if (utf8.size() > static_cast<size_t>(INT_MAX)) {
    return Status::TooLarge("decoded document larger than 2 GiB");
  }
  ParserCtxtPtr ctxt(xmlNewParserCtxt());
  if (!ctxt || ctxt->sax == nullptr) return Status::Internal("xmlNewParserCtxt failed");
  ParsedXml out;
  out.errors.max_messages = max_messages;
  ctxt->_private = &out.errors;
  ctxt->sax->serror = &CollectXmlError;
  out.doc.reset(xmlCtxtReadMemory(ctxt.get(), utf8.data(), static_cast<int>(utf8.size()),
                                  /*URL=*/nullptr, "UTF-8", kXmlParseOptions));
  ctxt->_private = nullptr;  // `out` is about to move
  return out;
}

}  // namespace mw::xml_internal
