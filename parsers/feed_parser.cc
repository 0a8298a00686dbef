// mediawatch/parsers/feed_parser.cc
//
// ParseFeed runs in five steps, each bounded by the input size:
//   1. size check (before any work), then decoding to UTF-8 (feed_encoding);
//   2. libxml2 parse in recover mode on a private parser context, its errors
//      collected through the context's structured-error hook (2.9.14 has no
//      xmlCtxtSetErrorHandler; sax->serror is the per-context equivalent);
//   3. if libxml2 reported undeclared entities that are HTML 4 names
//      (&eacute; in an RSS 0.91 feed), one reparse with those references
//      rewritten as numeric ones, as feedparser does;
//   4. an iterative depth check and root-element sniffing;
//   5. a read-only walk that fills Feed.
//
// Entities: the document is parsed without XML_PARSE_NOENT, so references
// stay as nodes in the tree. We never call libxml2 helpers that expand them
// recursively (xmlNodeGetContent, xmlGetProp); TreeReader resolves each
// reference one level deep, only when the replacement text is plain text,
// within a per-document byte budget. Billion-laughs and quadratic-blowup
// documents therefore cost at most their own size plus that budget, and
// external entities are never read.
#include "parsers/feed_parser.h"

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <memory>
#include <set>

#include "parsers/date.h"
#include "parsers/feed_encoding.h"
#include "parsers/feed_text.h"
#include "parsers/url.h"

namespace mw {
namespace {

using feed_internal::CollapseWhitespace;
using feed_internal::HtmlToText;
using feed_internal::TrimXmlSpace;

constexpr std::string_view kAtom10Ns = "http://www.w3.org/2005/Atom";
constexpr std::string_view kAtom03Ns = "http://purl.org/atom/ns#";
constexpr std::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kRss10Ns = "http://purl.org/rss/1.0/";
constexpr std::string_view kRss090Ns = "http://my.netscape.com/rdf/simple/0.9/";
constexpr std::string_view kDc11Ns = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kDc10Ns = "http://purl.org/dc/elements/1.0/";
constexpr std::string_view kDcTermsNs = "http://purl.org/dc/terms/";
constexpr std::string_view kContentNs = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kXhtmlNs = "http://www.w3.org/1999/xhtml";
constexpr const char* kXmlNs = "http://www.w3.org/XML/1998/namespace";

// NOENT, DTDLOAD, DTDATTR and HUGE are deliberately absent (see the header).
// The body handed to libxml2 is already UTF-8, so the declaration is ignored.
constexpr int kXmlParseOptions = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                                 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC;

// Feed::problems keeps the first kMaxProblems and then a count, so a feed
// with millions of errors cannot grow the result without bound.
constexpr size_t kMaxProblems = 100;
// Bytes that internal-entity references may add to the whole document.
constexpr size_t kEntityExpansionBudget = 1u << 20;
constexpr size_t kMaxCategoriesPerEntry = 100;
constexpr size_t kMaxUndeclaredEntityNames = 64;
constexpr size_t kMaxMessageBytes = 300;
constexpr size_t kMaxDateBytes = 256;

std::string_view AsView(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

std::string Shorten(std::string_view s, size_t max_bytes = 80) {
  std::string out(s);
  if (feed_internal::TruncateUtf8(&out, max_bytes)) out += "...";
  return out;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Recoverable problems, capped at kMaxProblems.
class ProblemLog {
 public:
  void Add(std::string message) {
    if (messages_.size() < kMaxProblems) {
      messages_.push_back(std::move(message));
    } else {
      ++dropped_;
    }
  }
  std::vector<std::string> Take() {
    if (dropped_ > 0) messages_.push_back("... and " + std::to_string(dropped_) + " more problems");
    dropped_ = 0;
    return std::move(messages_);
  }

 private:
  std::vector<std::string> messages_;
  size_t dropped_ = 0;
};

// ------------------------------------------------------------------ libxml2

struct ParserCtxtDeleter {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};
struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
struct BufferDeleter {
  void operator()(xmlBuffer* buf) const { xmlBufferFree(buf); }
};
using ParserCtxtPtr = std::unique_ptr<xmlParserCtxt, ParserCtxtDeleter>;
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;
using BufferPtr = std::unique_ptr<xmlBuffer, BufferDeleter>;

// What libxml2 reported while parsing one document.
struct XmlErrorLog {
  std::vector<std::string> messages;  // the first kMaxProblems
  size_t count = 0;
  bool depth_exceeded = false;
  std::set<std::string> undeclared_entities;

  void Add(const xmlError& error) {
    ++count;
    std::string text(TrimXmlSpace(error.message ? error.message : "unknown XML error"));
    // libxml2 2.9 reports its own nesting limit (xmlParserMaxDepth) as an
    // internal error; only the message tells it apart.
    if (error.code == XML_ERR_INTERNAL_ERROR && text.find("depth") != std::string::npos) {
      depth_exceeded = true;
    }
    if ((error.code == XML_ERR_UNDECLARED_ENTITY || error.code == XML_WAR_UNDECLARED_ENTITY) &&
        error.str1 != nullptr && undeclared_entities.size() < kMaxUndeclaredEntityNames) {
      undeclared_entities.insert(error.str1);
    }
    if (messages.size() < kMaxProblems) {
      messages.push_back("XML line " + std::to_string(error.line) + ": " +
                         Shorten(text, kMaxMessageBytes));
    }
  }
};

// libxml2 calls this with the parser context as `user_data` (the default
// userData of a context is the context itself, and the sub-contexts it makes
// for entity content copy _private from their parent).
void CollectXmlError(void* user_data, xmlErrorPtr error) noexcept {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(user_data);
  if (ctxt == nullptr || error == nullptr || ctxt->_private == nullptr) return;
  try {
    static_cast<XmlErrorLog*>(ctxt->_private)->Add(*error);
  } catch (...) {
    // Out of memory while recording an error: drop it rather than unwind
    // through C frames.
  }
}

struct ParsedXml {
  DocPtr doc;
  XmlErrorLog errors;
};

Result<ParsedXml> ParseXml(std::string_view utf8) {
  if (utf8.size() > static_cast<size_t>(INT_MAX)) {
    return Status::TooLarge("decoded feed larger than 2 GiB");
  }
  ParserCtxtPtr ctxt(xmlNewParserCtxt());
  if (!ctxt || ctxt->sax == nullptr) return Status::Internal("xmlNewParserCtxt failed");
  ParsedXml out;
  ctxt->_private = &out.errors;
  ctxt->sax->serror = &CollectXmlError;
  out.doc.reset(xmlCtxtReadMemory(ctxt.get(), utf8.data(), static_cast<int>(utf8.size()),
                                  /*URL=*/nullptr, "UTF-8", kXmlParseOptions));
  ctxt->_private = nullptr;  // `out` is about to move
  return out;
}

// Rewrites references to the given undeclared entity names as numeric
// character references with their HTML 4 meaning. CDATA sections, comments
// and processing instructions are copied unchanged. Returns how many
// references were rewritten.
size_t RewriteUndeclaredEntities(std::string_view xml, const std::set<std::string>& names,
                                 std::string* out) {
  out->reserve(xml.size());
  size_t rewritten = 0;
  size_t i = 0;
  auto copy_through = [&](std::string_view close) {
    const size_t end = xml.find(close, i);
    const size_t stop = end == std::string_view::npos ? xml.size() : end + close.size();
    out->append(xml.substr(i, stop - i));
    i = stop;
  };
  while (i < xml.size()) {
    const std::string_view rest = xml.substr(i);
    if (rest.substr(0, 9) == "<![CDATA[") {
      copy_through("]]>");
    } else if (rest.substr(0, 4) == "<!--") {
      copy_through("-->");
    } else if (rest.substr(0, 2) == "<?") {
      copy_through("?>");
    } else if (rest[0] == '&') {
      size_t end = 1;
      while (end < rest.size() && end <= 33 &&
             std::isalnum(static_cast<unsigned char>(rest[end]))) {
        ++end;
      }
      const std::string name(rest.substr(1, end - 1));
      const uint32_t cp = feed_internal::HtmlEntityCodePoint(name);
      if (end < rest.size() && rest[end] == ';' && cp != 0 && names.count(name) > 0) {
        *out += "&#" + std::to_string(cp) + ";";
        ++rewritten;
        i += end + 1;
      } else {
        out->push_back('&');
        ++i;
      }
    } else {
      const size_t next = xml.find_first_of("<&", i + 1);
      const size_t stop = next == std::string_view::npos ? xml.size() : next;
      out->append(xml.substr(i, stop - i));
      i = stop;
    }
  }
  return rewritten;
}

// Deepest element nesting under `root` (root is 1), walking with parent
// pointers instead of recursion; stops as soon as `limit` is exceeded.
int MaxElementDepth(const xmlNode* root, int limit) {
  int max_depth = 0;
  int depth = 1;
  const xmlNode* cur = root;
  while (cur != nullptr) {
    if (cur->type == XML_ELEMENT_NODE) {
      max_depth = std::max(max_depth, depth);
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

bool HasElementChildren(const xmlNode* el) {
  for (const xmlNode* c = el->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return true;
  }
  return false;
}

// ------------------------------------------------------------------ text

// Reads character data out of the tree with the entity policy described at
// the top of this file.
class TreeReader {
 public:
  TreeReader(xmlDoc* doc, ProblemLog* problems) : doc_(doc), problems_(problems) {}

  // Concatenated character data of `el`'s descendants, in document order.
  // Stops after `limit` bytes (the caller truncates precisely).
  std::string Text(const xmlNode* el, size_t limit) {
    std::string out;
    const xmlNode* cur = el->children;
    while (cur != nullptr && out.size() <= limit) {
      if (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) {
        out += AsView(cur->content);
      } else if (cur->type == XML_ENTITY_REF_NODE) {
        AppendEntity(cur, &out);
      } else if (cur->type == XML_ELEMENT_NODE && cur->children != nullptr) {
        cur = cur->children;
        continue;
      }
      // An entity reference's `children` is its declaration: never descend.
      while (cur != el && cur->next == nullptr) cur = cur->parent;
      cur = cur == el ? nullptr : cur->next;
    }
    return out;
  }

  // The attribute `name` in namespace `ns` (nullptr: no namespace).
  std::optional<std::string> Attr(const xmlNode* el, std::string_view name,
                                  const char* ns = nullptr) {
    for (const xmlAttr* a = el->properties; a != nullptr; a = a->next) {
      if (AsView(a->name) != name) continue;
      const char* href = a->ns != nullptr ? reinterpret_cast<const char*>(a->ns->href) : nullptr;
      if ((ns == nullptr) != (href == nullptr)) continue;
      if (ns != nullptr && std::strcmp(ns, href) != 0) continue;
      std::string value;
      for (const xmlNode* c = a->children; c != nullptr; c = c->next) {
        if (c->type == XML_TEXT_NODE) value += AsView(c->content);
        if (c->type == XML_ENTITY_REF_NODE) AppendEntity(c, &value);
      }
      return value;
    }
    return std::nullopt;
  }

  std::string AttrOrEmpty(const xmlNode* el, std::string_view name, const char* ns = nullptr) {
    return Attr(el, name, ns).value_or(std::string());
  }

  // `el`'s children serialized as XML, in UTF-8 (for inline XHTML).
  std::string InnerXml(const xmlNode* el) {
    BufferPtr buf(xmlBufferCreate());
    if (!buf) return {};
    for (xmlNode* c = el->children; c != nullptr; c = c->next) {
      xmlNodeDump(buf.get(), doc_, c, 0, 0);
    }
    const xmlChar* content = xmlBufferContent(buf.get());
    const int length = xmlBufferLength(buf.get());
    if (content == nullptr || length <= 0) return {};
    return std::string(reinterpret_cast<const char*>(content), static_cast<size_t>(length));
  }

 private:
  void AppendEntity(const xmlNode* ref, std::string* out) {
    const std::string_view name = AsView(ref->name);
    const xmlEntity* ent = xmlGetDocEntity(doc_, ref->name);
    if (ent != nullptr && ent->etype == XML_INTERNAL_PREDEFINED_ENTITY) {
      *out += AsView(ent->content);
      return;
    }
    if (ent != nullptr && ent->etype == XML_INTERNAL_GENERAL_ENTITY) {
      const std::string_view text = AsView(ent->content);
      const bool plain = text.find_first_of("&<") == std::string_view::npos;
      if (plain && text.size() <= entity_budget_) {
        entity_budget_ -= text.size();
        *out += text;
      } else {
        ReportOnce(name, "entity &" + std::string(name) +
                             "; not expanded (it nests other entities or markup, or the "
                             "expansion budget is spent)");
      }
      return;
    }
    if (ent != nullptr) {
      ReportOnce(name, "external entity &" + std::string(name) + "; not loaded");
      return;
    }
    if (const uint32_t cp = feed_internal::HtmlEntityCodePoint(name); cp != 0) {
      feed_internal::AppendUtf8(cp, out);
      return;
    }
    ReportOnce(name, "unknown entity &" + std::string(name) + "; dropped");
  }

  void ReportOnce(std::string_view name, std::string message) {
    if (reported_.size() >= kMaxUndeclaredEntityNames) return;
    if (reported_.insert(std::string(name)).second) problems_->Add(std::move(message));
  }

  xmlDoc* doc_;
  ProblemLog* problems_;
  size_t entity_budget_ = kEntityExpansionBudget;
  std::set<std::string> reported_;
};

// ------------------------------------------------------------------ walk

enum class Vocab { kFeed, kAtom, kRdf, kDc, kDcTerms, kContent, kXhtml, kOther };

// How the text of an element is to be read (Atom 1.0 section 3.1 and the
// Atom 0.3 type/mode attributes; RSS elements are kUntyped).
enum class TextKind { kUntyped, kText, kHtml, kXhtml, kXml, kBase64 };

struct TextType {
  TextKind kind = TextKind::kUntyped;
  bool html_payload = false;  // base64 content that decodes to HTML
};

FeedFormat DetectFormat(const xmlNode* root) {
  const std::string_view name = AsView(root->name);
  const std::string_view ns = root->ns != nullptr ? AsView(root->ns->href) : std::string_view();
  if (name == "rss") return FeedFormat::kRss2;
  if (name == "RDF" && (ns == kRdfNs || ns.empty())) return FeedFormat::kRss1;
  // Like feedparser, any <feed> is read as Atom; BuildAtom reports a foreign
  // namespace as a problem.
  if (name == "feed") return FeedFormat::kAtom1;
  return FeedFormat::kUnknown;
}

class FeedBuilder {
 public:
  FeedBuilder(xmlDoc* doc, const xmlNode* root, FeedFormat format, std::string_view feed_url,
              const FeedParseOptions& options, ProblemLog* problems)
      : root_(root),
        format_(format),
        feed_url_(feed_url),
        options_(options),
        problems_(problems),
        reader_(doc, problems) {
    // The feed's own vocabulary: RSS 2.0 is sometimes put in a namespace of
    // its own ("http://backend.userland.com/rss2"); RSS 1.0 elements live in
    // the RSS 1.0 namespace (or none), not in the root's RDF namespace.
    if (format != FeedFormat::kRss1 && root->ns != nullptr) feed_ns_ = AsView(root->ns->href);
  }

  Feed Build() {
    Feed feed;
    feed.format = format_;
    if (format_ == FeedFormat::kAtom1) {
      BuildAtom(&feed);
    } else {
      BuildRss(&feed);
    }
    return feed;
  }

 private:
  // ---- element matching

  Vocab VocabOf(const xmlNode* n) const {
    if (n->ns == nullptr || n->ns->href == nullptr) return Vocab::kFeed;
    const std::string_view href = AsView(n->ns->href);
    if (!feed_ns_.empty() && href == feed_ns_) {
      return format_ == FeedFormat::kAtom1 ? Vocab::kAtom : Vocab::kFeed;
    }
    if (href == kRss10Ns || href == kRss090Ns) return Vocab::kFeed;
    if (href == kAtom10Ns || href == kAtom03Ns) return Vocab::kAtom;
    if (href == kDc11Ns || href == kDc10Ns) return Vocab::kDc;
    if (href == kDcTermsNs) return Vocab::kDcTerms;
    if (href == kContentNs) return Vocab::kContent;
    if (href == kRdfNs) return Vocab::kRdf;
    if (href == kXhtmlNs) return Vocab::kXhtml;
    return Vocab::kOther;
  }

  bool Is(const xmlNode* n, Vocab v, std::string_view local) const {
    if (n->type != XML_ELEMENT_NODE || AsView(n->name) != local) return false;
    const Vocab actual = VocabOf(n);
    // Unqualified elements in an Atom document are read as Atom (lenient).
    if (v == Vocab::kAtom && format_ == FeedFormat::kAtom1 && actual == Vocab::kFeed) return true;
    return actual == v;
  }

  const xmlNode* Child(const xmlNode* parent, Vocab v, std::string_view local) const {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (Is(c, v, local)) return c;
    }
    return nullptr;
  }

  std::vector<const xmlNode*> ChildrenNamed(const xmlNode* parent, Vocab v,
                                            std::string_view local) const {
    std::vector<const xmlNode*> out;
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (Is(c, v, local)) out.push_back(c);
    }
    return out;
  }

  // ---- text fields

  size_t ReadLimit() const {
    // A little past the cap so that CapField sees (and reports) the overflow.
    return options_.max_field_bytes > SIZE_MAX - 8 ? SIZE_MAX : options_.max_field_bytes + 8;
  }

  void CapField(std::string* value, const std::string& what) {
    if (feed_internal::TruncateUtf8(value, options_.max_field_bytes)) {
      problems_->Add(what + " truncated to " + std::to_string(options_.max_field_bytes) + " bytes");
    }
  }

  TextType AtomTextType(const xmlNode* el) {
    const std::string type = LowerAscii(TrimXmlSpace(reader_.AttrOrEmpty(el, "type")));
    const std::string mode = LowerAscii(TrimXmlSpace(reader_.AttrOrEmpty(el, "mode")));
    const bool html = type == "html" || type == "text/html";
    const bool xhtml = type == "xhtml" || type == "application/xhtml+xml";
    if (mode == "base64") return {TextKind::kBase64, html || xhtml};
    if (mode == "escaped") return {html || xhtml ? TextKind::kHtml : TextKind::kText, false};
    if (type.empty() || type == "text" || type == "text/plain") return {TextKind::kText, false};
    if (html) return {TextKind::kHtml, false};
    if (xhtml) return {TextKind::kXhtml, false};
    const bool xml_type = type.size() > 4 && (type.ends_with("+xml") || type.ends_with("/xml"));
    if (xml_type) return {TextKind::kXml, false};
    if (type.rfind("text/", 0) == 0) return {TextKind::kText, false};
    // RFC 4287 section 4.1.3.3: any other media type is base64-encoded.
    return {TextKind::kBase64, false};
  }

  std::optional<std::string> DecodeBase64Field(const xmlNode* el, const std::string& what) {
    // Base64 needs 4 characters per 3 bytes; read twice the cap (saturating).
    const size_t limit = ReadLimit() > SIZE_MAX / 2 ? SIZE_MAX : ReadLimit() * 2;
    auto bytes = feed_internal::DecodeBase64(reader_.Text(el, limit));
    if (!bytes) {
      problems_->Add(what + ": invalid base64");
      return std::nullopt;
    }
    std::string utf8;
    if (feed_internal::RepairUtf8(*bytes, &utf8) > 0) {
      problems_->Add(what + ": base64 content is not UTF-8");
    }
    return utf8;
  }

  // A title-like field as plain text.
  std::string PlainText(const xmlNode* el, TextType type, const std::string& what) {
    std::string out;
    switch (type.kind) {
      case TextKind::kUntyped: {
        // RSS says nothing about markup in titles; feeds escape it anyway.
        const std::string text = reader_.Text(el, ReadLimit());
        out = !HasElementChildren(el) && feed_internal::LooksLikeHtml(text)
                  ? HtmlToText(text)
                  : CollapseWhitespace(text);
        break;
      }
      case TextKind::kHtml:
        out = HtmlToText(reader_.Text(el, ReadLimit()));
        break;
      case TextKind::kBase64:
        if (auto decoded = DecodeBase64Field(el, what)) {
          out = type.html_payload ? HtmlToText(*decoded) : CollapseWhitespace(*decoded);
          break;
        }
        [[fallthrough]];
      case TextKind::kText:
      case TextKind::kXhtml:
      case TextKind::kXml:
        // For inline XHTML the markup disappears with the tags: only text nodes are read.
        out = CollapseWhitespace(reader_.Text(el, ReadLimit()));
        break;
    }
    CapField(&out, what);
    return out;
  }

  // A summary/content field as given: HTML stays HTML, inline XHTML is
  // serialized (without the wrapping <div> Atom requires).
  std::string Markup(const xmlNode* el, TextType type, const std::string& what) {
    std::string out;
    switch (type.kind) {
      case TextKind::kXhtml: {
        const xmlNode* div = SoleElementChild(el);
        // Atom wraps XHTML in a <div> that is not part of the content.
        const bool wrapper = div != nullptr && AsView(div->name) == "div";
        out = reader_.InnerXml(wrapper ? div : el);
        break;
      }
      case TextKind::kXml:
        out = reader_.InnerXml(el);
        break;
      case TextKind::kBase64:
        if (auto decoded = DecodeBase64Field(el, what)) {
          out = std::move(*decoded);
          break;
        }
        [[fallthrough]];
      case TextKind::kUntyped:
      case TextKind::kText:
      case TextKind::kHtml:
        // Unescaped markup inside <description> is still markup: keep it.
        out = HasElementChildren(el) ? reader_.InnerXml(el) : reader_.Text(el, ReadLimit());
        break;
    }
    out = std::string(TrimXmlSpace(out));
    CapField(&out, what);
    return out;
  }

  static const xmlNode* SoleElementChild(const xmlNode* el) {
    const xmlNode* found = nullptr;
    for (const xmlNode* c = el->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) {
        if (found != nullptr) return nullptr;
        found = c;
      } else if (c->type != XML_TEXT_NODE || !TrimXmlSpace(AsView(c->content)).empty()) {
        return nullptr;
      }
    }
    return found;
  }

  std::string SimpleText(const xmlNode* el, const std::string& what) {
    std::string out = CollapseWhitespace(reader_.Text(el, ReadLimit()));
    CapField(&out, what);
    return out;
  }

  // ---- links

  // The base URI in effect at `el`: the feed URL, refined by every xml:base
  // from the root down to `el` itself (RFC 3986 resolution at each step).
  std::string BaseOf(const xmlNode* el) {
    std::vector<std::string> bases;
    for (const xmlNode* n = el; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
      if (auto base = reader_.Attr(n, "base", kXmlNs)) bases.push_back(std::move(*base));
    }
    std::string base(feed_url_);
    for (auto it = bases.rbegin(); it != bases.rend(); ++it) {
      auto resolved = ResolveUrl(base, *it);
      if (resolved.ok()) base = std::move(*resolved);
    }
    return base;
  }

  std::string Resolve(const xmlNode* el, std::string_view href, const std::string& what) {
    href = TrimXmlSpace(href);
    if (href.empty()) return {};
    auto resolved = ResolveUrl(BaseOf(el), href);
    if (!resolved.ok()) {
      problems_->Add(what + " '" + Shorten(href) + "' unusable: " + resolved.status().message());
      return {};
    }
    std::string out = std::move(*resolved);
    CapField(&out, what);
    return out;
  }

  // The first Atom link with rel="alternate" (or no rel) under `parent`.
  std::string AtomAlternateLink(const xmlNode* parent, const std::string& what) {
    for (const xmlNode* link : ChildrenNamed(parent, Vocab::kAtom, "link")) {
      const std::string rel = LowerAscii(TrimXmlSpace(reader_.AttrOrEmpty(link, "rel")));
      if (!rel.empty() && rel != "alternate") continue;
      // Some Atom 0.3 feeds put the URL in the element text instead of href.
      auto href = reader_.Attr(link, "href");
      if (!href) href = reader_.Text(link, ReadLimit());
      std::string resolved = Resolve(link, *href, what);
      if (!resolved.empty()) return resolved;
    }
    return {};
  }

  // ---- dates

  struct DateSource {
    Vocab vocab;
    std::string_view name;
  };

  // The first of `sources` present under `parent` that parses.
  std::optional<int64_t> FirstDate(const xmlNode* parent, std::initializer_list<DateSource> sources,
                                   const std::string& what) {
    for (const DateSource& source : sources) {
      const xmlNode* el = Child(parent, source.vocab, source.name);
      if (el == nullptr) continue;
      const std::string text = CollapseWhitespace(reader_.Text(el, kMaxDateBytes));
      if (text.empty()) continue;
      if (auto t = ParseAnyDate(text)) return t;
      problems_->Add(what + ": unparseable date '" + Shorten(text) + "'");
    }
    return std::nullopt;
  }

  // ---- categories

  struct CategoryState {
    std::set<std::string> seen;
    bool full = false;
  };

  // Adds a trimmed, non-empty, not yet seen category, up to
  // kMaxCategoriesPerEntry (then reports once and ignores the rest).
  void AddCategory(std::string_view raw, FeedEntry* entry, CategoryState* state,
                   const std::string& what) {
    if (state->full) return;
    std::string value = CollapseWhitespace(raw);
    if (value.empty()) return;
    CapField(&value, what + " category");
    if (!state->seen.insert(value).second) return;
    if (entry->categories.size() == kMaxCategoriesPerEntry) {
      state->full = true;
      problems_->Add(what + ": more than " + std::to_string(kMaxCategoriesPerEntry) +
                     " categories; the rest dropped");
      return;
    }
    entry->categories.push_back(std::move(value));
  }

  // ---- entries common

  void FinishEntry(FeedEntry* entry, const std::string& what) {
    if (entry->id.empty()) entry->id = entry->link;
    if (!entry->published) entry->published = entry->updated;
    if (entry->link.empty()) problems_->Add(what + " has no link");
  }

  // Keeps the first max_entries item nodes.
  std::vector<const xmlNode*> CapEntries(std::vector<const xmlNode*> items) {
    if (items.size() > options_.max_entries) {
      problems_->Add(std::to_string(items.size() - options_.max_entries) +
                     " entries beyond max_entries (" + std::to_string(options_.max_entries) +
                     ") dropped");
      items.resize(options_.max_entries);
    }
    return items;
  }

  std::string Language(const xmlNode* channel) {
    if (const xmlNode* el = Child(channel, Vocab::kFeed, "language")) {
      std::string lang = SimpleText(el, "feed language");
      if (!lang.empty()) return lang;
    }
    if (const xmlNode* el = Child(channel, Vocab::kDc, "language")) {
      std::string lang = SimpleText(el, "feed language");
      if (!lang.empty()) return lang;
    }
    for (const xmlNode* n = channel; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
      if (auto lang = reader_.Attr(n, "lang", kXmlNs)) {
        std::string value = CollapseWhitespace(*lang);
        CapField(&value, "feed language");
        if (!value.empty()) return value;
      }
    }
    return {};
  }

  // ---- RSS 0.9x / 2.0 and RSS 1.0 (RDF)

  void BuildRss(Feed* feed) {
    const xmlNode* channel = Child(root_, Vocab::kFeed, "channel");
    if (channel == nullptr) {
      problems_->Add("no <channel> element");
      channel = root_;
    }
    if (const xmlNode* title = Child(channel, Vocab::kFeed, "title")) {
      feed->title = PlainText(title, {}, "feed title");
    } else if (const xmlNode* dc_title = Child(channel, Vocab::kDc, "title")) {
      feed->title = PlainText(dc_title, {}, "feed title");
    }
    if (const xmlNode* link = Child(channel, Vocab::kFeed, "link")) {
      feed->link = Resolve(link, reader_.Text(link, ReadLimit()), "feed link");
    }
    if (feed->link.empty()) feed->link = AtomAlternateLink(channel, "feed link");
    feed->language = Language(channel);

    // RSS 2.0 puts items in <channel>, RSS 1.0 next to it; feeds mix both up.
    std::vector<const xmlNode*> items = ChildrenNamed(channel, Vocab::kFeed, "item");
    if (channel != root_) {
      for (const xmlNode* item : ChildrenNamed(root_, Vocab::kFeed, "item")) items.push_back(item);
    }
    items = CapEntries(std::move(items));
    feed->entries.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      feed->entries.push_back(RssEntry(items[i], "entries[" + std::to_string(i) + "]"));
    }
  }

  FeedEntry RssEntry(const xmlNode* item, const std::string& what) {
    FeedEntry e;
    if (const xmlNode* title = Child(item, Vocab::kFeed, "title")) {
      e.title = PlainText(title, {}, what + " title");
    } else if (const xmlNode* dc_title = Child(item, Vocab::kDc, "title")) {
      e.title = PlainText(dc_title, {}, what + " title");
    }
    if (const xmlNode* link = Child(item, Vocab::kFeed, "link")) {
      e.link = Resolve(link, reader_.Text(link, ReadLimit()), what + " link");
    }
    if (e.link.empty()) e.link = AtomAlternateLink(item, what + " link");
    const xmlNode* guid = Child(item, Vocab::kFeed, "guid");
    if (guid != nullptr) {
      e.id = SimpleText(guid, what + " id");
      // RSS 2.0: a guid is the item's permalink unless isPermaLink="false".
      const std::string permalink =
          LowerAscii(TrimXmlSpace(reader_.AttrOrEmpty(guid, "isPermaLink")));
      const std::string lower_id = LowerAscii(e.id);
      const bool url_like = lower_id.rfind("http://", 0) == 0 || lower_id.rfind("https://", 0) == 0;
      if (e.link.empty() && permalink != "false" && url_like) {
        e.link = Resolve(guid, e.id, what + " link");
      }
    }
    if (e.id.empty()) {
      e.id = CollapseWhitespace(reader_.AttrOrEmpty(item, "about", kRdfNs.data()));
      CapField(&e.id, what + " id");
    }
    if (const xmlNode* author = Child(item, Vocab::kFeed, "author")) {
      e.author = SimpleText(author, what + " author");
    }
    if (e.author.empty()) {
      if (const xmlNode* creator = Child(item, Vocab::kDc, "creator")) {
        e.author = SimpleText(creator, what + " author");
      }
    }
    if (e.author.empty()) e.author = AtomPersonName(item, "author", what + " author");
    e.published = FirstDate(item,
                            {{Vocab::kFeed, "pubDate"},
                             {Vocab::kDc, "date"},
                             {Vocab::kDcTerms, "issued"},
                             {Vocab::kDcTerms, "created"},
                             {Vocab::kAtom, "published"}},
                            what);
    e.updated = FirstDate(item, {{Vocab::kDcTerms, "modified"}, {Vocab::kAtom, "updated"}}, what);
    if (const xmlNode* description = Child(item, Vocab::kFeed, "description")) {
      e.summary = Markup(description, {}, what + " summary");
    } else if (const xmlNode* dc_description = Child(item, Vocab::kDc, "description")) {
      e.summary = Markup(dc_description, {}, what + " summary");
    }
    if (const xmlNode* encoded = Child(item, Vocab::kContent, "encoded")) {
      e.content = Markup(encoded, {}, what + " content");
    } else if (const xmlNode* body = Child(item, Vocab::kXhtml, "body")) {
      e.content = Markup(body, {TextKind::kXml, false}, what + " content");
    } else if (const xmlNode* atom_content = Child(item, Vocab::kAtom, "content")) {
      e.content = Markup(atom_content, AtomTextType(atom_content), what + " content");
    }
    CategoryState categories;
    for (const xmlNode* c = item->children; c != nullptr && !categories.full; c = c->next) {
      if (Is(c, Vocab::kFeed, "category") || Is(c, Vocab::kDc, "subject")) {
        AddCategory(reader_.Text(c, ReadLimit()), &e, &categories, what);
      }
    }
    FinishEntry(&e, what);
    return e;
  }

  // ---- Atom 1.0 (and 0.3)

  // name (else email) of the first atom:<role> under `parent`.
  std::string AtomPersonName(const xmlNode* parent, std::string_view role,
                             const std::string& what) {
    const xmlNode* person = Child(parent, Vocab::kAtom, role);
    if (person == nullptr) return {};
    for (std::string_view part : {"name", "email"}) {
      if (const xmlNode* el = Child(person, Vocab::kAtom, part)) {
        std::string value = SimpleText(el, what);
        if (!value.empty()) return value;
      }
    }
    return {};
  }

  void BuildAtom(Feed* feed) {
    const std::string_view ns = root_->ns != nullptr ? AsView(root_->ns->href) : "";
    if (ns != kAtom10Ns && ns != kAtom03Ns) {
      problems_->Add("<feed> in namespace '" + Shorten(ns) + "' read as Atom");
    }
    if (const xmlNode* title = Child(root_, Vocab::kAtom, "title")) {
      feed->title = PlainText(title, AtomTextType(title), "feed title");
    }
    feed->link = AtomAlternateLink(root_, "feed link");
    feed->language = Language(root_);
    const std::string feed_author = AtomPersonName(root_, "author", "feed author");
    std::vector<const xmlNode*> entries = CapEntries(ChildrenNamed(root_, Vocab::kAtom, "entry"));
    feed->entries.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      feed->entries.push_back(
          AtomEntry(entries[i], feed_author, "entries[" + std::to_string(i) + "]"));
    }
  }

  FeedEntry AtomEntry(const xmlNode* entry, const std::string& feed_author,
                      const std::string& what) {
    FeedEntry e;
    if (const xmlNode* title = Child(entry, Vocab::kAtom, "title")) {
      e.title = PlainText(title, AtomTextType(title), what + " title");
    }
    e.link = AtomAlternateLink(entry, what + " link");
    if (const xmlNode* id = Child(entry, Vocab::kAtom, "id")) e.id = SimpleText(id, what + " id");
    e.author = AtomPersonName(entry, "author", what + " author");
    if (e.author.empty()) {
      if (const xmlNode* creator = Child(entry, Vocab::kDc, "creator")) {
        e.author = SimpleText(creator, what + " author");
      }
    }
    // RFC 4287 section 4.2.1: an entry without an author inherits the feed's.
    if (e.author.empty()) e.author = feed_author;
    e.published = FirstDate(entry,
                            {{Vocab::kAtom, "published"},
                             {Vocab::kAtom, "issued"},
                             {Vocab::kAtom, "created"},
                             {Vocab::kDc, "date"},
                             {Vocab::kDcTerms, "issued"}},
                            what);
    e.updated = FirstDate(
        entry,
        {{Vocab::kAtom, "updated"}, {Vocab::kAtom, "modified"}, {Vocab::kDcTerms, "modified"}},
        what);
    if (const xmlNode* summary = Child(entry, Vocab::kAtom, "summary")) {
      e.summary = Markup(summary, AtomTextType(summary), what + " summary");
    }
    if (const xmlNode* content = Child(entry, Vocab::kAtom, "content")) {
      // Out-of-line content (src="...") has no text here.
      if (!reader_.Attr(content, "src")) {
        e.content = Markup(content, AtomTextType(content), what + " content");
      }
    }
    CategoryState categories;
    for (const xmlNode* c = entry->children; c != nullptr && !categories.full; c = c->next) {
      if (Is(c, Vocab::kAtom, "category")) {
        std::string term = reader_.AttrOrEmpty(c, "term");
        if (TrimXmlSpace(term).empty()) term = reader_.AttrOrEmpty(c, "label");
        AddCategory(term, &e, &categories, what);
      } else if (Is(c, Vocab::kDc, "subject")) {
        AddCategory(reader_.Text(c, ReadLimit()), &e, &categories, what);
      }
    }
    FinishEntry(&e, what);
    return e;
  }

  const xmlNode* root_;
  FeedFormat format_;
  std::string_view feed_url_;
  const FeedParseOptions& options_;
  ProblemLog* problems_;
  TreeReader reader_;
  std::string_view feed_ns_;
};

// Parses, and reparses once with HTML entity names rewritten when libxml2
// dropped undeclared references it could have decoded.
Result<ParsedXml> ParseWithEntityRecovery(const std::string& utf8, ProblemLog* problems) {
  auto parsed = ParseXml(utf8);
  if (!parsed.ok() || parsed->errors.undeclared_entities.empty()) return parsed;
  std::string rewritten;
  const size_t count =
      RewriteUndeclaredEntities(utf8, parsed->errors.undeclared_entities, &rewritten);
  if (count == 0) return parsed;
  auto reparsed = ParseXml(rewritten);
  if (!reparsed.ok() || reparsed->doc == nullptr) return parsed;
  std::string names;
  for (const std::string& name : parsed->errors.undeclared_entities) {
    if (feed_internal::HtmlEntityCodePoint(name) == 0) continue;
    names += (names.empty() ? "&" : ", &") + name + ";";
  }
  problems->Add("undeclared entities read as HTML: " + names + " (" + std::to_string(count) +
                " references)");
  return reparsed;
}

}  // namespace

std::string_view FeedFormatName(FeedFormat f) {
  switch (f) {
    case FeedFormat::kRss2:
      return "rss2";
    case FeedFormat::kRss1:
      return "rss1";
    case FeedFormat::kAtom1:
      return "atom1";
    case FeedFormat::kJson:
      return "json";
    case FeedFormat::kSitemap:
      return "sitemap";
    case FeedFormat::kSitemapIndex:
      return "sitemapindex";
    case FeedFormat::kHtmlLinks:
      return "html";
    case FeedFormat::kUnknown:
      break;
  }
  return "unknown";
}

Result<Feed> ParseFeed(std::string_view body, std::string_view content_type,
                       std::string_view feed_url, const FeedParseOptions& options) {
  if (body.size() > options.max_bytes) {
    return Status::TooLarge("feed body of " + std::to_string(body.size()) +
                            " bytes exceeds max_bytes (" + std::to_string(options.max_bytes) + ")");
  }
  if (TrimXmlSpace(body).empty()) return Status::ParseError("not XML: the body is empty");
  xmlInitParser();

  ProblemLog problems;
  Result<feed_internal::DecodedBody> decoded = feed_internal::DecodeFeedBody(body, content_type);
  if (!decoded.ok()) return decoded.status();
  for (std::string& p : decoded->problems) problems.Add(std::move(p));

  auto parsed = ParseWithEntityRecovery(decoded->utf8, &problems);
  if (!parsed.ok()) return parsed.status();
  const XmlErrorLog& errors = parsed->errors;
  if (errors.depth_exceeded) {
    return Status::TooLarge(
        "element nesting deeper than libxml2's limit (256 without "
        "XML_PARSE_HUGE, which we never set)");
  }
  const xmlNode* root = parsed->doc ? xmlDocGetRootElement(parsed->doc.get()) : nullptr;
  if (root == nullptr) {
    return Status::ParseError("not XML: " + (errors.messages.empty()
                                                 ? std::string("no root element")
                                                 : errors.messages.front()));
  }
  if (MaxElementDepth(root, options.max_depth) > options.max_depth) {
    return Status::TooLarge("element nesting deeper than max_depth (" +
                            std::to_string(options.max_depth) + ")");
  }
  const FeedFormat format = DetectFormat(root);
  if (format == FeedFormat::kUnknown) {
    return Status::ParseError("not an RSS/Atom feed: root element <" +
                              Shorten(AsView(root->name), 40) + ">");
  }
  for (const std::string& message : errors.messages) problems.Add(message);
  if (errors.count > errors.messages.size()) {
    problems.Add(std::to_string(errors.count - errors.messages.size()) + " more XML errors");
  }

  FeedBuilder builder(parsed->doc.get(), root, format, feed_url, options, &problems);
  Feed feed = builder.Build();
  feed.problems = problems.Take();
  return feed;
}

}  // namespace mw
