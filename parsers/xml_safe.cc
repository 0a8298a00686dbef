#include "parsers/xml_safe.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>

namespace mw::xml_internal {
namespace {

constexpr int kXmlParseOptions = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                                 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC;

struct ParserCtxtDeleter {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};
using ParserCtxtPtr = std::unique_ptr<xmlParserCtxt, ParserCtxtDeleter>;

std::string_view TrimXml(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Cuts at a UTF-8 boundary, adding "..." when cut.
std::string Shorten(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

void Add(XmlErrorLog* log, const xmlError& error) {
  ++log->count;
  const std::string_view text = TrimXml(error.message ? error.message : "unknown XML error");
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
                            Shorten(text, XmlErrorLog::kMaxMessageBytes));
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

}  // namespace

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
