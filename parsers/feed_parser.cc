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
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>
#include <set>

#include "parsers/date.h"
#include "parsers/feed_encoding.h"
#include "parsers/feed_text.h"
#include "parsers/html_sanitizer.h"
#include "parsers/json_feed.h"
#include "parsers/source_parsers.h"
#include "parsers/url.h"
#include "parsers/xml_safe.h"

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
constexpr std::string_view kSyNs = "http://purl.org/rss/1.0/modules/syndication/";
constexpr const char* kXmlNs = "http://www.w3.org/XML/1998/namespace";

// libxml2's messages kept per document (Feed::problems is capped the same
// way, by feed_internal::ProblemLog).
constexpr size_t kMaxProblems = feed_internal::ProblemLog::kMaxMessages;
constexpr size_t kMaxCategoriesPerEntry = 100;
constexpr size_t kMaxLinksPerElement = 100;
constexpr size_t kMaxPeople = 50;
// A year: a longer <ttl> is a typo, not a polling hint.
constexpr int64_t kMaxTtlMinutes = 366 * 24 * 60;
// Dates before this are implausible for news (1990-01-01T00:00:00Z).
constexpr int64_t kEarliestPlausibleDate = 631152000;
// Clocks and time zones are wrong by hours, not by days.
constexpr int64_t kMaxFutureSkewSeconds = 48 * 3600;
constexpr size_t kMaxMessageBytes = 300;
constexpr size_t kMaxDateBytes = 256;

std::string_view AsView(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

using feed_internal::Shorten;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

using feed_internal::ProblemLog;

// ------------------------------------------------------------------ libxml2

struct BufferDeleter {
  void operator()(xmlBuffer* buf) const { xmlBufferFree(buf); }
};
using xml_internal::DocPtr;
using xml_internal::ParsedXml;
using xml_internal::XmlErrorLog;
using BufferPtr = std::unique_ptr<xmlBuffer, BufferDeleter>;

Result<ParsedXml> ParseXml(std::string_view utf8) {
  return xml_internal::ParseXmlSafely(utf8, kMaxProblems);
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
    feed_internal::RepairMisdecodedText(&out);
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
    std::string problem = entities_.Append(ref, out);
    if (!problem.empty()) problems_->Add(std::move(problem));
  }

  xmlDoc* doc_;
  ProblemLog* problems_;
  xml_internal::EntityExpander entities_{doc_};
};

// ------------------------------------------------------------------ walk

enum class Vocab { kFeed, kAtom, kRdf, kDc, kDcTerms, kContent, kXhtml, kSy, kOther };

// How the text of an element is to be read (Atom 1.0 section 3.1 and the
// Atom 0.3 type/mode attributes; RSS elements are kUntyped).
enum class TextKind { kUntyped, kText, kHtml, kXhtml, kXml, kBase64 };

struct TextType {
  TextKind kind = TextKind::kUntyped;
  bool html_payload = false;  // base64 content that decodes to HTML
  // The declared type as a MIME type; "" for kUntyped (the caller knows
  // what RSS means by the element).
  std::string mime;
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

bool IsSitemapRoot(const xmlNode* root) {
  const std::string_view name = AsView(root->name);
  return name == "urlset" || name == "sitemapindex";
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view lower_needle) {
  return LowerAscii(haystack).find(lower_needle) != std::string::npos;
}

// feedparser's version names (its README lists them): rss090, rss091n,
// rss091u, rss092, rss093, rss094, rss20, rss10, rss (unknown RSS),
// atom01..atom03, atom10, atom (unknown Atom).
std::string DetectVersion(const xmlDoc* doc, const xmlNode* root, FeedFormat format,
                          TreeReader* reader) {
  const std::string attr(TrimXmlSpace(reader->AttrOrEmpty(root, "version")));
  switch (format) {
    case FeedFormat::kRss2: {
      // Netscape's 0.91 is told apart from UserLand's by its DOCTYPE.
      const xmlDtd* dtd = doc->intSubset;
      if (dtd != nullptr && (ContainsIgnoreCase(AsView(dtd->ExternalID), "netscape") ||
                             ContainsIgnoreCase(AsView(dtd->SystemID), "netscape"))) {
        return "rss091n";
      }
      if (attr == "0.91") return "rss091u";
      if (attr == "0.92") return "rss092";
      if (attr == "0.93") return "rss093";
      if (attr == "0.94") return "rss094";
      if (attr.rfind("2.", 0) == 0) return "rss20";
      return "rss";
    }
    case FeedFormat::kRss1:
      for (const xmlNs* ns = root->nsDef; ns != nullptr; ns = ns->next) {
        if (AsView(ns->href) == kRss090Ns) return "rss090";
      }
      for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && c->ns != nullptr && AsView(c->ns->href) == kRss090Ns) {
          return "rss090";
        }
      }
      return "rss10";
    case FeedFormat::kAtom1: {
      if (root->ns != nullptr && AsView(root->ns->href) == kAtom10Ns) return "atom10";
      if (attr == "0.1") return "atom01";
      if (attr == "0.2") return "atom02";
      if (attr == "0.3") return "atom03";
      return "atom";
    }
    default:
      return {};
  }
}

// "Name (email)", "email (Name)", "Name <email>", "email": the parts of an
// RSS author string.
Person ParsePersonString(std::string_view raw) {
  Person p;
  std::string text = CollapseWhitespace(raw);
  const size_t at = text.find('@');
  if (at != std::string::npos) {
    const auto is_email_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
             c == '+' || c == '%' || static_cast<unsigned char>(c) >= 0x80;
    };
    size_t start = at;
    while (start > 0 && is_email_char(text[start - 1])) --start;
    size_t end = at + 1;
    while (end < text.size() && is_email_char(text[end])) ++end;
    if (start < at && end > at + 1) {
      p.email = text.substr(start, end - start);
      text.erase(start, end - start);
    }
  }
  // What is left is the name, possibly wrapped in (), <> or "mailto:".
  std::string name;
  for (char c : text) {
    if (c != '(' && c != ')' && c != '<' && c != '>') name += c;
  }
  name = CollapseWhitespace(name);
  if (name.rfind("mailto:", 0) == 0) name.erase(0, 7);
  p.name = CollapseWhitespace(name);
  return p;
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

  Feed Build(const xmlDoc* doc) {
    Feed feed;
    feed.format = format_;
    feed.version = DetectVersion(doc, root_, format_, &reader_);
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
    if (href == kSyNs) return Vocab::kSy;
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

  // The last matching child: feedparser keeps the last of repeated
  // single-valued elements (two <updated>), and so do we.
  const xmlNode* LastChild(const xmlNode* parent, Vocab v, std::string_view local) const {
    const xmlNode* found = nullptr;
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (Is(c, v, local)) found = c;
    }
    return found;
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

  // CapField for sanitized HTML: a cut must not leave half a tag or half a
  // character reference behind (every '<' and '&' in sanitized output
  // starts one, since text is escaped).
  void CapHtml(std::string* html, const std::string& what) {
    if (!feed_internal::TruncateUtf8(html, options_.max_field_bytes)) return;
    const size_t lt = html->rfind('<');
    if (lt != std::string::npos && html->find('>', lt) == std::string::npos) html->resize(lt);
    const size_t amp = html->rfind('&');
    if (amp != std::string::npos && html->find(';', amp) == std::string::npos) html->resize(amp);
    problems_->Add(what + " truncated to " + std::to_string(options_.max_field_bytes) + " bytes");
  }

  TextType AtomTextType(const xmlNode* el) {
    const std::string type = LowerAscii(TrimXmlSpace(reader_.AttrOrEmpty(el, "type")));
    const std::string mode = LowerAscii(TrimXmlSpace(reader_.AttrOrEmpty(el, "mode")));
    const bool html = type == "html" || type == "text/html";
    const bool xhtml = type == "xhtml" || type == "application/xhtml+xml";
    const bool plain = type.empty() || type == "text" || type == "text/plain";
    std::string mime = plain   ? std::string(kTextPlain)
                       : html  ? std::string(kTextHtml)
                       : xhtml ? std::string(kTextXhtml)
                               : type;
    if (mode == "base64") return {TextKind::kBase64, html || xhtml, std::move(mime)};
    if (mode == "escaped") {
      return {html || xhtml ? TextKind::kHtml : TextKind::kText, false, std::move(mime)};
    }
    if (plain) return {TextKind::kText, false, std::move(mime)};
    if (html) return {TextKind::kHtml, false, std::move(mime)};
    if (xhtml) return {TextKind::kXhtml, false, std::move(mime)};
    const bool xml_type = type.size() > 4 && (type.ends_with("+xml") || type.ends_with("/xml"));
    if (xml_type) return {TextKind::kXml, false, std::move(mime)};
    if (type.rfind("text/", 0) == 0) return {TextKind::kText, false, std::move(mime)};
    // RFC 4287 section 4.1.3.3: any other media type is base64-encoded.
    return {TextKind::kBase64, false, std::move(mime)};
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

  // A title-like field as plain text: HTML (declared, or escaped HTML in
  // RSS) loses its tags; text keeps harmless angle brackets, but never
  // markup that would act if rendered (feed_internal::MarkupFreeText).
  std::string PlainText(const xmlNode* el, const TextType& type, const std::string& what) {
    std::string out;
    switch (type.kind) {
      case TextKind::kUntyped: {
        // RSS says nothing about markup in titles; feeds escape it anyway.
        out = reader_.Text(el, ReadLimit());
        if (!HasElementChildren(el) && feed_internal::LooksLikeHtml(out)) out = HtmlToText(out);
        break;
      }
      case TextKind::kHtml:
        out = HtmlToText(reader_.Text(el, ReadLimit()));
        break;
      case TextKind::kBase64:
        if (auto decoded = DecodeBase64Field(el, what)) {
          out = type.html_payload ? HtmlToText(*decoded) : std::move(*decoded);
          break;
        }
        [[fallthrough]];
      case TextKind::kText:
      case TextKind::kXhtml:
      case TextKind::kXml:
        // For inline XHTML the markup disappears with the tags: only text
        // nodes are read.
        out = reader_.Text(el, ReadLimit());
        break;
    }
    // Text keeps its angle brackets, unless they would act as markup.
    out = feed_internal::MarkupFreeText(out);
    CapField(&out, what);
    return out;
  }

  // The declared type of an RSS title: feedparser's guess, since RSS does
  // not say.
  static std::string GuessedTitleType(std::string_view text) {
    return feed_internal::LooksLikeHtml(text) ? std::string(kTextHtml) : std::string(kTextPlain);
  }

  struct RawMarkup {
    std::string text;
    bool is_html = true;        // false: plain text, to be escaped
    bool naked_markup = false;  // declared text, but holds elements
  };

  // A summary/content field as given: HTML stays HTML, inline XHTML is
  // serialized (without the wrapping <div> Atom requires).
  RawMarkup Markup(const xmlNode* el, const TextType& type, const std::string& what) {
    RawMarkup out;
    switch (type.kind) {
      case TextKind::kXhtml: {
        const xmlNode* div = SoleElementChild(el);
        // Atom wraps XHTML in a <div> that is not part of the content.
        const bool wrapper = div != nullptr && AsView(div->name) == "div";
        out.text = reader_.InnerXml(wrapper ? div : el);
        break;
      }
      case TextKind::kXml:
        out.text = reader_.InnerXml(el);
        break;
      case TextKind::kBase64:
        if (auto decoded = DecodeBase64Field(el, what)) {
          out.text = std::move(*decoded);
          out.is_html = type.html_payload;
        }
        break;
      case TextKind::kText:
        // Text with child elements is markup whatever the type says (Atom
        // 0.3 feeds write it unescaped).
        if (HasElementChildren(el)) {
          out.text = reader_.InnerXml(el);
          out.naked_markup = true;
        } else {
          out.text = reader_.Text(el, ReadLimit());
          out.is_html = false;
        }
        break;
      case TextKind::kUntyped:
      case TextKind::kHtml:
        // Unescaped markup inside <description> is still markup: keep it.
        // Neither an XHTML <div> inside type="html" content: its text is
        // escaped HTML (typepad writes that), so it is read as text.
        if (HasElementChildren(el) && type.kind == TextKind::kUntyped) {
          out.text = reader_.InnerXml(el);
        } else {
          out.text = reader_.Text(el, ReadLimit());
        }
        break;
    }
    out.text = std::string(TrimXmlSpace(out.text));
    return out;
  }

  // Markup() sanitized (html_sanitizer.h) or escaped, and capped. Sets
  // *declared to the type to report: the declared one, text/html for
  // untyped RSS and for text that turned out to hold markup.
  std::string Html(const xmlNode* el, const TextType& type, const std::string& what,
                   std::string* declared) {
    RawMarkup raw = Markup(el, type, what);
    *declared = raw.naked_markup || type.mime.empty() ? std::string(kTextHtml) : type.mime;
    // Cap the input first: the sanitizer's cost follows it.
    CapField(&raw.text, what);
    std::string out;
    if (raw.is_html) {
      const std::string base = BaseOf(el);
      html::SanitizerOptions sanitizer;
      sanitizer.base_url = base;
      html::SanitizedHtml clean = html::SanitizeHtml(raw.text, sanitizer);
      if (clean.reduced_to_text) problems_->Add(what + ": markup nested too deeply; kept as text");
      out = std::move(clean.html);
    } else {
      out = html::EscapeHtml(feed_internal::StripActiveMarkup(raw.text));
    }
    CapHtml(&out, what);
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

  // A short text shown to people (names, terms, link titles): markup-free.
  std::string ShownText(std::string_view raw, const std::string& what) {
    std::string out = feed_internal::MarkupFreeText(raw);
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

  static int64_t ParseLength(std::string_view text) {
    text = TrimXmlSpace(text);
    if (text.empty() || text.size() > 18) return 0;
    int64_t value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return 0;
      value = value * 10 + (c - '0');
    }
    return value;
  }

  // An Atom <link> (RFC 4287 section 4.2.7). Some feeds put the URL in the
  // element's text instead of href.
  std::optional<Link> AtomLink(const xmlNode* el, const std::string& what) {
    Link link;
    auto href = reader_.Attr(el, "href");
    if (!href) href = reader_.Text(el, ReadLimit());
    link.href = Resolve(el, *href, what);
    if (link.href.empty()) return std::nullopt;
    link.rel = LowerAscii(TrimXmlSpace(reader_.AttrOrEmpty(el, "rel")));
    // IANA registered relations are case-insensitive; extension relations
    // are URIs and kept as written.
    if (link.rel.find(':') != std::string::npos) {
      link.rel = std::string(TrimXmlSpace(reader_.AttrOrEmpty(el, "rel")));
    }
    if (link.rel.empty()) link.rel = "alternate";
    link.type = std::string(TrimXmlSpace(reader_.AttrOrEmpty(el, "type")));
    if (link.type.empty() && link.rel == "self") link.type = "application/atom+xml";
    link.title = ShownText(reader_.AttrOrEmpty(el, "title"), what + " title");
    link.length = ParseLength(reader_.AttrOrEmpty(el, "length"));
    return link;
  }

  // Collects `parent`'s links in document order: RSS <link> (alternate),
  // atom:link, RSS <enclosure>. Enclosures go to `enclosures` too.
  void CollectLinks(const xmlNode* parent, std::vector<Link>* links,
                    std::vector<Enclosure>* enclosures, const std::string& what) {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (links->size() >= kMaxLinksPerElement) {
        problems_->Add(what + ": more than " + std::to_string(kMaxLinksPerElement) +
                       " links; the rest dropped");
        return;
      }
      if (format_ != FeedFormat::kAtom1 && Is(c, Vocab::kFeed, "link") && !HasElementChildren(c)) {
        Link link;
        link.href = Resolve(c, reader_.Text(c, ReadLimit()), what + " link");
        if (link.href.empty()) continue;
        link.rel = "alternate";
        link.type = std::string(kTextHtml);
        links->push_back(std::move(link));
      } else if (Is(c, Vocab::kAtom, "link")) {
        auto link = AtomLink(c, what + " link");
        if (!link) continue;
        if (link->rel == "enclosure" && enclosures != nullptr) {
          enclosures->push_back({link->href, link->type, link->length});
        }
        links->push_back(std::move(*link));
      } else if (format_ != FeedFormat::kAtom1 && Is(c, Vocab::kFeed, "enclosure")) {
        Enclosure enclosure;
        enclosure.url = Resolve(c, reader_.AttrOrEmpty(c, "url"), what + " enclosure");
        if (enclosure.url.empty()) continue;
        enclosure.type = std::string(TrimXmlSpace(reader_.AttrOrEmpty(c, "type")));
        enclosure.length = ParseLength(reader_.AttrOrEmpty(c, "length"));
        links->push_back({enclosure.url, "enclosure", enclosure.type, "", enclosure.length});
        if (enclosures != nullptr) enclosures->push_back(std::move(enclosure));
      }
    }
  }

  // The href of the first alternate link.
  static std::string AlternateOf(const std::vector<Link>& links) {
    for (const Link& link : links) {
      if (link.rel == "alternate") return link.href;
    }
    return {};
  }

  // ---- dates

  struct DateSource {
    Vocab vocab;
    std::string_view name;
  };

  // The first of `sources` present under `parent` that parses (the last
  // element of that name, when repeated).
  std::optional<int64_t> FirstDate(const xmlNode* parent, std::initializer_list<DateSource> sources,
                                   const std::string& what) {
    for (const DateSource& source : sources) {
      const xmlNode* el = LastChild(parent, source.vocab, source.name);
      if (el == nullptr) continue;
      const std::string text = CollapseWhitespace(reader_.Text(el, kMaxDateBytes));
      if (text.empty()) continue;
      if (auto t = feed_internal::ParseFeedDate(text)) return t;
      problems_->Add(what + ": unparseable date '" + Shorten(text) + "'");
    }
    return std::nullopt;
  }

  // ---- categories

  struct CategoryState {
    std::set<std::string> seen;
    bool full = false;
  };

  // Adds a trimmed, non-empty, not yet seen category (to `categories`, when
  // given, and `tags`), up to kMaxCategoriesPerEntry (then reports once and
  // ignores the rest).
  void AddCategory(std::string_view raw, std::string_view scheme, std::string_view label,
                   std::vector<std::string>* categories, std::vector<Tag>* tags,
                   CategoryState* state, const std::string& what) {
    if (state->full) return;
    std::string value = ShownText(raw, what + " category");
    if (value.empty()) return;
    if (!state->seen.insert(value).second) return;
    if (tags->size() == kMaxCategoriesPerEntry) {
      state->full = true;
      problems_->Add(what + ": more than " + std::to_string(kMaxCategoriesPerEntry) +
                     " categories; the rest dropped");
      return;
    }
    Tag tag;
    tag.term = value;
    tag.scheme = CollapseWhitespace(scheme);
    CapField(&tag.scheme, what + " category scheme");
    tag.label = ShownText(label, what + " category label");
    tags->push_back(std::move(tag));
    if (categories != nullptr) categories->push_back(std::move(value));
  }

  // Categories of `parent` in document order: RSS <category domain>,
  // dc:subject, Atom <category term scheme label>, and the <tags> element
  // some RSS feeds make up (comma-separated).
  void CollectTags(const xmlNode* parent, std::vector<std::string>* categories,
                   std::vector<Tag>* tags, const std::string& what) {
    CategoryState state;
    for (const xmlNode* c = parent->children; c != nullptr && !state.full; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (Is(c, Vocab::kAtom, "category")) {
        std::string term = reader_.AttrOrEmpty(c, "term");
        const std::string label = reader_.AttrOrEmpty(c, "label");
        if (TrimXmlSpace(term).empty()) term = label;
        AddCategory(term, reader_.AttrOrEmpty(c, "scheme"), label, categories, tags, &state, what);
      } else if (format_ != FeedFormat::kAtom1 && Is(c, Vocab::kFeed, "category")) {
        AddCategory(reader_.Text(c, ReadLimit()), reader_.AttrOrEmpty(c, "domain"), "", categories,
                    tags, &state, what);
      } else if (Is(c, Vocab::kDc, "subject")) {
        AddCategory(reader_.Text(c, ReadLimit()), "", "", categories, tags, &state, what);
      } else if (format_ != FeedFormat::kAtom1 && Is(c, Vocab::kFeed, "tags")) {
        const std::string list = reader_.Text(c, ReadLimit());
        size_t start = 0;
        while (start <= list.size() && !state.full) {
          size_t comma = list.find(',', start);
          if (comma == std::string::npos) comma = list.size();
          AddCategory(std::string_view(list).substr(start, comma - start), "", "", categories, tags,
                      &state, what);
          start = comma + 1;
        }
      }
    }
  }

  // ---- people

  Person AtomPerson(const xmlNode* el, const std::string& what) {
    Person p;
    if (const xmlNode* name = Child(el, Vocab::kAtom, "name")) {
      p.name = ShownText(reader_.Text(name, ReadLimit()), what);
    }
    if (const xmlNode* email = Child(el, Vocab::kAtom, "email")) {
      p.email = SimpleText(email, what + " email");
    }
    // Atom 1.0 <uri>; Atom 0.3 <url> and <homepage>.
    for (std::string_view part : {"uri", "url", "homepage"}) {
      if (const xmlNode* uri = Child(el, Vocab::kAtom, part)) {
        p.uri = Resolve(uri, reader_.Text(uri, ReadLimit()), what + " uri");
        if (!p.uri.empty()) break;
      }
    }
    // A person element with bare text (not allowed, but written).
    if (p.name.empty() && p.email.empty() && !HasElementChildren(el)) {
      p = ParsePersonString(ShownText(reader_.Text(el, ReadLimit()), what));
    }
    return p;
  }

  struct People {
    std::vector<std::string> display;
    std::vector<Person> details;
    std::vector<Person> contributors;
    bool capped = false;  // kMaxPeople reached and reported
  };

  // Authors and contributors of `parent` in document order: atom:author,
  // RSS <author> / <managingEditor>, dc:creator / dc:author; atom:contributor
  // and dc:contributor.
  People CollectPeople(const xmlNode* parent, bool is_feed, const std::string& what) {
    People people;
    auto add_author = [&](std::string display, Person person) {
      if (display.empty() && person.name.empty() && person.email.empty() && person.uri.empty()) {
        return;
      }
      if (people.details.size() >= kMaxPeople) {
        if (people.details.size() == kMaxPeople && !people.capped) {
          people.capped = true;
          problems_->Add(what + ": more than " + std::to_string(kMaxPeople) +
                         " authors; the rest dropped");
        }
        return;
      }
      people.display.push_back(std::move(display));
      people.details.push_back(std::move(person));
    };
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (Is(c, Vocab::kAtom, "author")) {
        Person p = AtomPerson(c, what + " author");
        // Atom's display form is the name (the email is in the details).
        std::string display = p.name.empty() ? p.email : p.name;
        add_author(std::move(display), std::move(p));
      } else if (Is(c, Vocab::kAtom, "contributor")) {
        if (people.contributors.size() < kMaxPeople) {
          people.contributors.push_back(AtomPerson(c, what + " contributor"));
        }
      } else if (format_ != FeedFormat::kAtom1 &&
                 (Is(c, Vocab::kFeed, "author") ||
                  (is_feed && Is(c, Vocab::kFeed, "managingEditor")))) {
        std::string text = ShownText(reader_.Text(c, ReadLimit()), what + " author");
        Person p = ParsePersonString(text);
        add_author(std::move(text), std::move(p));
      } else if (Is(c, Vocab::kDc, "creator") || Is(c, Vocab::kDc, "author")) {
        std::string text = ShownText(reader_.Text(c, ReadLimit()), what + " author");
        Person p = ParsePersonString(text);
        add_author(std::move(text), std::move(p));
      } else if (Is(c, Vocab::kDc, "contributor")) {
        if (people.contributors.size() < kMaxPeople) {
          people.contributors.push_back(
              ParsePersonString(ShownText(reader_.Text(c, ReadLimit()), what + " contributor")));
        }
      }
    }
    return people;
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

  // The language `el` itself declares: its xml:lang or a dc:language child
  // ("" when it only inherits one).
  std::string OwnLanguage(const xmlNode* el, const std::string& what) {
    if (const xmlNode* dc = Child(el, Vocab::kDc, "language")) {
      std::string lang = SimpleText(dc, what + " language");
      if (!lang.empty()) return lang;
    }
    if (auto lang = reader_.Attr(el, "lang", kXmlNs)) {
      std::string value = CollapseWhitespace(*lang);
      CapField(&value, what + " language");
      return value;
    }
    return {};
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

  // RSS <ttl> (minutes), else sy:updatePeriod / sy:updateFrequency.
  std::optional<int64_t> PollHint(const xmlNode* channel) {
    if (const xmlNode* ttl = Child(channel, Vocab::kFeed, "ttl")) {
      const std::string text = CollapseWhitespace(reader_.Text(ttl, kMaxDateBytes));
      const int64_t minutes = ParseLength(text);
      if (minutes > 0 && minutes <= kMaxTtlMinutes) return minutes * 60;
      problems_->Add("feed ttl '" + Shorten(text) + "' is not a number of minutes in 1.." +
                     std::to_string(kMaxTtlMinutes) + "; ignored");
    }
    const xmlNode* period = Child(channel, Vocab::kSy, "updatePeriod");
    const xmlNode* frequency = Child(channel, Vocab::kSy, "updateFrequency");
    if (period == nullptr && frequency == nullptr) return std::nullopt;
    int64_t period_seconds = 86400;  // the module's default: daily
    if (period != nullptr) {
      const std::string name = LowerAscii(CollapseWhitespace(reader_.Text(period, kMaxDateBytes)));
      if (name == "hourly") {
        period_seconds = 3600;
      } else if (name == "daily") {
        period_seconds = 86400;
      } else if (name == "weekly") {
        period_seconds = 7 * 86400;
      } else if (name == "monthly") {
        period_seconds = 30 * 86400;
      } else if (name == "yearly") {
        period_seconds = 365 * 86400;
      } else {
        problems_->Add("sy:updatePeriod '" + Shorten(name) + "' unknown; ignored");
        return std::nullopt;
      }
    }
    int64_t times = 1;  // the module's default
    if (frequency != nullptr) {
      const std::string text = CollapseWhitespace(reader_.Text(frequency, kMaxDateBytes));
      times = ParseLength(text);
      if (times <= 0 || times > period_seconds) {
        problems_->Add("sy:updateFrequency '" + Shorten(text) + "' invalid; ignored");
        return std::nullopt;
      }
    }
    return period_seconds / times;
  }

  // ---- RSS 0.9x / 2.0 and RSS 1.0 (RDF)

  void BuildRss(Feed* feed) {
    const xmlNode* channel = Child(root_, Vocab::kFeed, "channel");
    if (channel == nullptr) {
      problems_->Add("no <channel> element");
      channel = root_;
    }
    const xmlNode* title = Child(channel, Vocab::kFeed, "title");
    if (title == nullptr) title = Child(channel, Vocab::kDc, "title");
    if (title != nullptr) {
      feed->title = PlainText(title, {}, "feed title");
      feed->title_type = GuessedTitleType(reader_.Text(title, ReadLimit()));
    }
    CollectLinks(channel, &feed->links, nullptr, "feed");
    feed->link = AlternateOf(feed->links);
    feed->language = Language(channel);
    const xmlNode* description = Child(channel, Vocab::kFeed, "description");
    if (description == nullptr) description = Child(channel, Vocab::kDc, "description");
    if (description != nullptr) {
      feed->subtitle = Html(description, {}, "feed description", &feed->subtitle_type);
    }
    People people = CollectPeople(channel, /*is_feed=*/true, "feed");
    if (!people.display.empty()) feed->author = people.display.front();
    feed->author_details = std::move(people.details);
    feed->contributors = std::move(people.contributors);
    CollectTags(channel, nullptr, &feed->tags, "feed");
    feed->updated = FirstDate(channel,
                              {{Vocab::kFeed, "lastBuildDate"},
                               {Vocab::kDc, "date"},
                               {Vocab::kDcTerms, "modified"},
                               {Vocab::kAtom, "updated"}},
                              "feed");
    feed->published =
        FirstDate(channel, {{Vocab::kFeed, "pubDate"}, {Vocab::kDcTerms, "issued"}}, "feed");
    feed->created = FirstDate(channel, {{Vocab::kDcTerms, "created"}}, "feed");
    feed->ttl_seconds = PollHint(channel);

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
    const xmlNode* title = Child(item, Vocab::kFeed, "title");
    if (title == nullptr) title = Child(item, Vocab::kDc, "title");
    if (title != nullptr) {
      e.title = PlainText(title, {}, what + " title");
      e.title_type = GuessedTitleType(reader_.Text(title, ReadLimit()));
    }
    CollectLinks(item, &e.links, &e.enclosures, what);
    e.link = AlternateOf(e.links);
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
    People people = CollectPeople(item, /*is_feed=*/false, what);
    if (!people.display.empty()) e.author = people.display.front();
    e.authors = std::move(people.display);
    e.author_details = std::move(people.details);
    e.contributors = std::move(people.contributors);
    e.published = FirstDate(item,
                            {{Vocab::kFeed, "pubDate"},
                             {Vocab::kDc, "date"},
                             {Vocab::kDcTerms, "issued"},
                             {Vocab::kDcTerms, "created"},
                             {Vocab::kAtom, "published"}},
                            what);
    e.updated = FirstDate(item, {{Vocab::kDcTerms, "modified"}, {Vocab::kAtom, "updated"}}, what);
    e.created = FirstDate(item, {{Vocab::kDcTerms, "created"}}, what);
    RssBodies(item, &e, what);
    CollectTags(item, &e.categories, &e.tags, what);
    e.language = OwnLanguage(item, what);
    FinishEntry(&e, what);
    return e;
  }

  // Summary and content of an RSS item. The first of <description> and
  // the made-up <summary> is the summary; the other becomes the content
  // when no content:encoded, xhtml:body, <fullitem> or atom:content exists
  // (feedparser reads them the same way).
  void RssBodies(const xmlNode* item, FeedEntry* e, const std::string& what) {
    const xmlNode* first = nullptr;
    const xmlNode* second = nullptr;
    for (const xmlNode* c = item->children; c != nullptr; c = c->next) {
      if (Is(c, Vocab::kFeed, "description") || Is(c, Vocab::kDc, "description") ||
          Is(c, Vocab::kFeed, "summary") || Is(c, Vocab::kAtom, "summary")) {
        if (first == nullptr) {
          first = c;
        } else if (second == nullptr && AsView(c->name) != AsView(first->name)) {
          second = c;
        }
      }
    }
    auto summary_type = [&](const xmlNode* el) {
      return Is(el, Vocab::kAtom, "summary") ? AtomTextType(el) : TextType{};
    };
    if (first != nullptr) {
      const TextType type = summary_type(first);
      e->summary = Html(first, type, what + " summary", &e->summary_type);
    }
    if (const xmlNode* encoded = Child(item, Vocab::kContent, "encoded")) {
      e->content = Html(encoded, {}, what + " content", &e->content_type);
    } else if (const xmlNode* body = Child(item, Vocab::kXhtml, "body")) {
      e->content = Html(body, {TextKind::kXml, false, std::string(kTextXhtml)}, what + " content",
                        &e->content_type);
    } else if (const xmlNode* fullitem = Child(item, Vocab::kFeed, "fullitem")) {
      e->content = Html(fullitem, {}, what + " content", &e->content_type);
    } else if (const xmlNode* atom_content = Child(item, Vocab::kAtom, "content")) {
      const TextType type = AtomTextType(atom_content);
      e->content = Html(atom_content, type, what + " content", &e->content_type);
    } else if (second != nullptr) {
      const TextType type = summary_type(second);
      e->content = Html(second, type, what + " content", &e->content_type);
    }
  }

  // ---- Atom 1.0 (and 0.3)

  void BuildAtom(Feed* feed) {
    const std::string_view ns = root_->ns != nullptr ? AsView(root_->ns->href) : "";
    if (ns != kAtom10Ns && ns != kAtom03Ns) {
      problems_->Add("<feed> in namespace '" + Shorten(ns) + "' read as Atom");
    }
    if (const xmlNode* title = Child(root_, Vocab::kAtom, "title")) {
      const TextType type = AtomTextType(title);
      feed->title = PlainText(title, type, "feed title");
      feed->title_type = type.mime;
    }
    const xmlNode* subtitle = Child(root_, Vocab::kAtom, "subtitle");
    if (subtitle == nullptr) subtitle = Child(root_, Vocab::kAtom, "tagline");  // Atom 0.3
    if (subtitle != nullptr) {
      const TextType type = AtomTextType(subtitle);
      feed->subtitle = Html(subtitle, type, "feed subtitle", &feed->subtitle_type);
    }
    if (const xmlNode* id = Child(root_, Vocab::kAtom, "id")) feed->id = SimpleText(id, "feed id");
    CollectLinks(root_, &feed->links, nullptr, "feed");
    feed->link = AlternateOf(feed->links);
    feed->language = Language(root_);
    People people = CollectPeople(root_, /*is_feed=*/true, "feed");
    if (!people.display.empty()) feed->author = people.display.front();
    feed->author_details = std::move(people.details);
    feed->contributors = std::move(people.contributors);
    CollectTags(root_, nullptr, &feed->tags, "feed");
    feed->updated = FirstDate(
        root_,
        {{Vocab::kAtom, "updated"}, {Vocab::kAtom, "modified"}, {Vocab::kDcTerms, "modified"}},
        "feed");
    feed->published =
        FirstDate(root_, {{Vocab::kAtom, "published"}, {Vocab::kAtom, "issued"}}, "feed");
    feed->created = FirstDate(root_, {{Vocab::kAtom, "created"}}, "feed");
    std::vector<const xmlNode*> entries = CapEntries(ChildrenNamed(root_, Vocab::kAtom, "entry"));
    feed->entries.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      feed->entries.push_back(AtomEntry(entries[i], *feed, "entries[" + std::to_string(i) + "]"));
    }
  }

  FeedEntry AtomEntry(const xmlNode* entry, const Feed& feed, const std::string& what) {
    FeedEntry e;
    if (const xmlNode* title = Child(entry, Vocab::kAtom, "title")) {
      const TextType type = AtomTextType(title);
      e.title = PlainText(title, type, what + " title");
      e.title_type = type.mime;
    }
    CollectLinks(entry, &e.links, &e.enclosures, what);
    e.link = AlternateOf(e.links);
    if (const xmlNode* id = Child(entry, Vocab::kAtom, "id")) e.id = SimpleText(id, what + " id");
    People people = CollectPeople(entry, /*is_feed=*/false, what);
    // RFC 4287 section 4.2.1: an entry without an author inherits the feed's.
    if (people.display.empty() && !feed.author.empty()) {
      people.display.push_back(feed.author);
      if (!feed.author_details.empty()) people.details.push_back(feed.author_details.front());
    }
    if (!people.display.empty()) e.author = people.display.front();
    e.authors = std::move(people.display);
    e.author_details = std::move(people.details);
    e.contributors = std::move(people.contributors);
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
    e.created = FirstDate(entry, {{Vocab::kAtom, "created"}, {Vocab::kDcTerms, "created"}}, what);
    if (const xmlNode* summary = Child(entry, Vocab::kAtom, "summary")) {
      const TextType type = AtomTextType(summary);
      e.summary = Html(summary, type, what + " summary", &e.summary_type);
    }
    if (const xmlNode* content = Child(entry, Vocab::kAtom, "content")) {
      const TextType type = AtomTextType(content);
      e.content_type = type.mime;
      // Out-of-line content (src="...") has no text here.
      if (!reader_.Attr(content, "src")) {
        e.content = Html(content, type, what + " content", &e.content_type);
      }
    }
    CollectTags(entry, &e.categories, &e.tags, what);
    e.language = OwnLanguage(entry, what);
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

// The media type of a Content-Type value, lower-cased, without parameters.
std::string MediaType(std::string_view content_type) {
  return LowerAscii(TrimXmlSpace(content_type.substr(0, content_type.find(';'))));
}

// RFC 7303 XML media types (and their +xml suffix, which covers rss+xml,
// atom+xml and rdf+xml).
bool IsXmlMediaType(std::string_view type) {
  return type == "text/xml" || type == "application/xml" || type.ends_with("+xml") ||
         type == "application/xml-dtd" || type == "application/xml-external-parsed-entity" ||
         type == "text/xml-external-parsed-entity";
}

// Replaces a date before 1990 or more than 48 h after `now` by `now`. Such
// dates are typos, zero values and broken clocks; left alone they would sort
// an entry to the top of every listing (a future date) or hide it (1970).
bool ReplaceIfImplausible(std::optional<int64_t>* date, int64_t now, const std::string& what,
                          ProblemLog* problems) {
  if (!date->has_value()) return false;
  const int64_t t = **date;
  if (t >= kEarliestPlausibleDate && t <= now + kMaxFutureSkewSeconds) return false;
  problems->Add(what + " " + FormatIso8601Utc(t) + " is implausible (" +
                (t < kEarliestPlausibleDate ? "before 1990" : "more than 48 h in the future") +
                "); replaced by the fetch time " + FormatIso8601Utc(now));
  *date = now;
  return true;
}

void ReplaceImplausibleDates(Feed* feed, int64_t now, ProblemLog* problems) {
  bool replaced = ReplaceIfImplausible(&feed->updated, now, "feed updated", problems);
  replaced |= ReplaceIfImplausible(&feed->published, now, "feed published", problems);
  replaced |= ReplaceIfImplausible(&feed->created, now, "feed created", problems);
  feed->date_replaced = replaced;
  for (size_t i = 0; i < feed->entries.size(); ++i) {
    FeedEntry& e = feed->entries[i];
    const std::string what = "entries[" + std::to_string(i) + "]";
    bool entry_replaced = ReplaceIfImplausible(&e.published, now, what + " published", problems);
    entry_replaced |= ReplaceIfImplausible(&e.updated, now, what + " updated", problems);
    entry_replaced |= ReplaceIfImplausible(&e.created, now, what + " created", problems);
    e.date_replaced = entry_replaced;
  }
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
  const int64_t now = options.now.value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());

  if (feed_internal::LooksLikeJsonFeed(body, content_type)) {
    ProblemLog problems;
    Result<Feed> json = feed_internal::ParseJsonFeed(body, feed_url, options, &problems);
    if (!json.ok()) return json.status();
    ReplaceImplausibleDates(&json.value(), now, &problems);
    json->problems = problems.Take();
    return json;
  }

  xmlInitParser();
  ProblemLog problems;
  if (const std::string type = MediaType(content_type); !type.empty() && !IsXmlMediaType(type)) {
    // Parsed anyway (servers get this wrong all the time), but worth
    // knowing: the same server may send an error page the next time.
    problems.Add("served as '" + Shorten(type, 60) + "', not an XML media type");
  }
  Result<feed_internal::DecodedBody> decoded = feed_internal::DecodeFeedBody(body, content_type);
  if (!decoded.ok()) return decoded.status();
  for (std::string& p : decoded->problems) problems.Add(std::move(p));

  auto parsed = ParseWithEntityRecovery(decoded->utf8, &problems);
  if (!parsed.ok()) return parsed.status();
  const XmlErrorLog& errors = parsed->errors;
  auto checked_root = xml_internal::CheckedRoot(*parsed, options.max_depth);
  if (!checked_root.ok()) return checked_root.status();
  const xmlNode* root = *checked_root;
  // Sitemaps are sources without a feed: their parser owns them (it decodes
  // the body the same way).
  if (IsSitemapRoot(root)) return ParseSitemap(body, content_type, feed_url, options);
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
  Feed feed = builder.Build(parsed->doc.get());
  feed.encoding = decoded->charset;
  ReplaceImplausibleDates(&feed, now, &problems);
  feed.problems = problems.Take();
  return feed;
}

}  // namespace mw
