// mediawatch/parsers/html_metadata.cc

#include "parsers/html_metadata.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "parsers/date.h"
#include "parsers/html_text.h"
#include "parsers/json_feed.h"
#include "parsers/language.h"
#include "parsers/url.h"
#include "text/normalizer.h"

namespace mw::html {

using Json = nlohmann::json;

namespace {

constexpr size_t kMaxMetaChars = 1000;
constexpr size_t kMaxJsonLdBytes = 1u << 20;
constexpr int kMaxJsonLdDepth = 64;
constexpr size_t kMaxJsonLdValues = 10000;
constexpr size_t kMaxAuthors = 20;

bool IsTextContainer(std::string_view tag) {
  return tag != "script" && tag != "style" && tag != "noscript" && tag != "template";
}

// The collapsed text under node i, without script/style contents.
// O(subtree).
std::string NodeText(const HtmlTree& tree, int32_t i) {
  std::string out;
  for (int32_t k = i; k < tree.nodes[i].subtree_end; ++k) {
    const HtmlNode& node = tree.nodes[k];
    if (node.is_text && IsTextContainer(tree.nodes[node.parent].tag)) out += node.text;
    if (out.size() > 4 * kMaxMetaChars) break;
  }
  return CleanMetaText(out);
}

std::string ChildText(const HtmlTree& tree, const HtmlNode& node) {
  std::string t;
  for (int32_t c : node.children) t += tree.nodes[c].text;
  return t;
}

// The article object of a JSON-LD block, reduced to the fields we read.
struct JsonLdArticle {
  std::string headline;
  std::string name;
  std::vector<std::string> authors;
  std::string published;
  std::string modified;
  std::string description;
  std::string image;
  std::string publisher;
  std::string language;
};

bool IsArticleType(std::string_view type) {
  static constexpr std::array<std::string_view, 14> kTypes = {"Article",
                                                              "NewsArticle",
                                                              "ReportageNewsArticle",
                                                              "AnalysisNewsArticle",
                                                              "OpinionNewsArticle",
                                                              "BackgroundNewsArticle",
                                                              "ReviewNewsArticle",
                                                              "BlogPosting",
                                                              "LiveBlogPosting",
                                                              "SocialMediaPosting",
                                                              "ScholarlyArticle",
                                                              "TechArticle",
                                                              "Report",
                                                              "DiscussionForumPosting"};
  // "schema:NewsArticle", "http://schema.org/NewsArticle" too.
  size_t cut = type.find_last_of(":/");
  if (cut != std::string_view::npos) type = type.substr(cut + 1);
  return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

bool HasArticleType(const Json& object) {
  auto it = object.find("@type");
  if (it == object.end()) return false;
  if (it->is_string()) return IsArticleType(it->get_ref<const std::string&>());
  if (it->is_array()) {
    for (const Json& t : *it) {
      if (t.is_string() && IsArticleType(t.get_ref<const std::string&>())) return true;
    }
  }
  return false;
}

std::string JsonString(const Json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return CleanMetaText(it->get_ref<const std::string&>());
  return {};
}

// "name" of an object, a plain string, or the first of an array of either.
std::string NameOf(const Json& value, std::string_view key = "name") {
  if (value.is_string()) return CleanMetaText(value.get_ref<const std::string&>());
  if (value.is_object()) return JsonString(value, key);
  if (value.is_array() && !value.empty()) return NameOf(value.front(), key);
  return {};
}

JsonLdArticle ReadArticle(const Json& object) {
  JsonLdArticle a;
  a.headline = JsonString(object, "headline");
  a.name = JsonString(object, "name");
  if (auto it = object.find("author"); it != object.end()) {
    if (it->is_array()) {
      for (const Json& author : *it) {
        if (a.authors.size() >= kMaxAuthors) break;
        std::string name = NameOf(author);
        if (!name.empty()) a.authors.push_back(std::move(name));
      }
    } else {
      std::string name = NameOf(*it);
      if (!name.empty()) a.authors.push_back(std::move(name));
    }
  }
  a.published = JsonString(object, "datePublished");
  if (a.published.empty()) a.published = JsonString(object, "dateCreated");
  a.modified = JsonString(object, "dateModified");
  a.description = JsonString(object, "description");
  if (auto it = object.find("image"); it != object.end()) a.image = NameOf(*it, "url");
  if (auto it = object.find("publisher"); it != object.end()) a.publisher = NameOf(*it);
  if (auto it = object.find("inLanguage"); it != object.end()) a.language = NameOf(*it);
  return a;
}

// Finds article objects in a JSON-LD document: top level, arrays, @graph,
// and one level of mainEntity / mainEntityOfPage nesting. Iterative, with a
// cap on the values visited.
void FindArticles(const Json& root, std::vector<JsonLdArticle>* out) {
  std::vector<const Json*> stack = {&root};
  size_t visited = 0;
  while (!stack.empty() && visited < kMaxJsonLdValues) {
    const Json* v = stack.back();
    stack.pop_back();
    ++visited;
    if (v->is_array()) {
      for (auto it = v->rbegin(); it != v->rend(); ++it) stack.push_back(&*it);
      continue;
    }
    if (!v->is_object()) continue;
    if (HasArticleType(*v)) out->push_back(ReadArticle(*v));
    for (std::string_view key : {"@graph", "mainEntity", "mainEntityOfPage", "hasPart"}) {
      auto it = v->find(key);
      if (it != v->end() && (it->is_array() || it->is_object())) stack.push_back(&*it);
    }
  }
}

}  // namespace

struct MetaSources {
  std::map<std::string, std::string, std::less<>> meta;  // first value per lower-case key
  std::string html_lang;
  std::string title_tag;
  std::vector<int32_t> h1s;
  std::string canonical_href;
  std::string image_src_href;  // <link rel=image_src>
  std::string base_href;
  std::vector<JsonLdArticle> json_ld;
  std::vector<int32_t> times;           // <time> elements
  std::vector<int32_t> date_published;  // itemprop=datePublished elements
  std::vector<int32_t> date_modified;   // itemprop=dateModified elements
  std::vector<int32_t> rel_author;      // rel=author / itemprop=author elements
  std::vector<int32_t> byline_nodes;
  std::vector<int32_t> images;  // <img> elements
};

std::string CleanMetaText(std::string_view s) {
  std::string out = CollapseWhitespace(s.substr(0, 8 * kMaxMetaChars));
  if (out.size() > kMaxMetaChars) {
    size_t cut = kMaxMetaChars;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

namespace {

void AddMeta(MetaSources* m, std::string_view key, std::string_view value) {
  if (key.empty() || value.empty()) return;
  // property="og:title twitter:title" names two properties.
  size_t pos = 0;
  while (pos < key.size()) {
    size_t end = key.find_first_of(" \t\n", pos);
    if (end == std::string_view::npos) end = key.size();
    if (end > pos) m->meta.emplace(AsciiLower(key.substr(pos, end - pos)), CleanMetaText(value));
    pos = end + 1;
  }
}

// Drops the wrappers pages put around script contents for old parsers:
// "<![CDATA[ ... ]]>", "//<![CDATA[ ... //]]>", "<!-- ... -->".
std::string_view StripScriptWrappers(std::string_view text) {
  auto trim = [](std::string_view t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    return t;
  };
  text = trim(text);
  for (int round = 0; round < 2; ++round) {
    // Longest forms first: "]]>" is also the end of "//]]>".
    for (auto [open, close] :
         {std::pair<std::string_view, std::string_view>{"//<![CDATA[", "//]]>"},
          {"/*<![CDATA[*/", "/*]]>*/"},
          {"<![CDATA[", "]]>"},
          {"<!--", "-->"}}) {
      if (text.substr(0, open.size()) == open) text = trim(text.substr(open.size()));
      if (text.size() >= close.size() && text.substr(text.size() - close.size()) == close) {
        text = trim(text.substr(0, text.size() - close.size()));
      }
    }
  }
  return text;
}

void ParseJsonLd(std::string_view text, MetaSources* m) {
  text = StripScriptWrappers(text);
  if (text.size() > kMaxJsonLdBytes) return;
  if (feed_internal::JsonNestingDepth(text, kMaxJsonLdDepth) > kMaxJsonLdDepth) return;
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return;
  FindArticles(doc, &m->json_ld);
}

bool HasRel(const HtmlNode& node, std::string_view rel) {
  std::string padded(" ");
  padded += AsciiLower(node.Attr("rel"));
  padded += ' ';
  std::string want(" ");
  want += rel;
  want += ' ';
  return padded.find(want) != std::string::npos;
}

}  // namespace

void MetaSourcesDeleter::operator()(MetaSources* sources) const { delete sources; }

MetaSourcesPtr CollectMetaSources(const HtmlTree& tree, const std::vector<int32_t>& byline_nodes) {
  MetaSourcesPtr m(new MetaSources());
  m->byline_nodes = byline_nodes;
  for (size_t idx = 1; idx < tree.nodes.size(); ++idx) {
    auto i = static_cast<int32_t>(idx);
    const HtmlNode& node = tree.nodes[i];
    if (node.is_text) continue;
    const std::string& tag = node.tag;
    if (tag == "html" && m->html_lang.empty()) {
      m->html_lang = CleanMetaText(node.Attr("lang"));
      if (m->html_lang.empty()) m->html_lang = CleanMetaText(node.Attr("xml:lang"));
    } else if (tag == "meta") {
      std::string_view content = node.Attr("content");
      AddMeta(m.get(), node.Attr("property"), content);
      AddMeta(m.get(), node.Attr("name"), content);
      if (!node.Attr("http-equiv").empty()) {
        AddMeta(m.get(), "http-equiv:" + AsciiLower(node.Attr("http-equiv")), content);
      }
    } else if (tag == "title" && m->title_tag.empty()) {
      m->title_tag = CleanMetaText(ChildText(tree, node));
    } else if (tag == "h1") {
      m->h1s.push_back(i);
    } else if (tag == "link") {
      if (m->canonical_href.empty() && HasRel(node, "canonical")) {
        m->canonical_href = CleanMetaText(node.Attr("href"));
      }
      if (m->image_src_href.empty() && HasRel(node, "image_src")) {
        m->image_src_href = CleanMetaText(node.Attr("href"));
      }
    } else if (tag == "base" && m->base_href.empty()) {
      m->base_href = CleanMetaText(node.Attr("href"));
    } else if (tag == "script" &&
               AsciiLower(node.Attr("type")).find("ld+json") != std::string::npos) {
      ParseJsonLd(ChildText(tree, node), m.get());
    } else if (tag == "time") {
      m->times.push_back(i);
    } else if (tag == "img") {
      m->images.push_back(i);
    }
    std::string_view itemprop_raw = node.Attr("itemprop");
    if (itemprop_raw.empty() && !node.HasAttr("rel")) continue;
    std::string itemprop = AsciiLower(itemprop_raw);
    if (tag == "meta") {
      AddMeta(m.get(), itemprop, node.Attr("content"));
      continue;
    }
    if (itemprop == "datepublished") m->date_published.push_back(i);
    if (itemprop == "datemodified") m->date_modified.push_back(i);
    if ((HasRel(node, "author") || itemprop == "author") && tag != "link") {
      m->rel_author.push_back(i);
    }
  }
  return m;
}

namespace {

std::string MetaValue(const MetaSources& m, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    auto it = m.meta.find(k);
    if (it != m.meta.end() && !it->second.empty()) return it->second;
  }
  return {};
}

template <typename Field>
std::string FromJsonLd(const MetaSources& m, Field field) {
  for (const JsonLdArticle& a : m.json_ld) {
    if (!(a.*field).empty()) return a.*field;
  }
  return {};
}

// Site-name separators. The bare "_" and "|" are tried only when no spaced
// one occurs, and trusted only after CJK headlines ("标题_频道_网站").
constexpr std::array<std::string_view, 9> kSpacedTitleSeparators = {
    " | ",  " - ",        " \xE2\x80\x93 ", " \xE2\x80\x94 ", " _ ", "\xE2\x80\x94\xE2\x80\x94",
    " :: ", " \xC2\xBB ", " \xC2\xB7 "};
constexpr std::array<std::string_view, 2> kBareTitleSeparators = {"_", "|"};

bool StartsWithCjk(std::string_view s) {
  size_t pos = 0;
  return !s.empty() && IsScriptWithoutSpaces(DecodeUtf8At(s, &pos));
}

// "Headline - Site" -> "Headline": cuts at the rightmost separator when the
// headline part stays substantial (three words, or six code points of CJK)
// and is longer than the cut part. When `site` is given, only a suffix
// naming it is removed. O(n).
std::string StripTitleSuffix(const std::string& title, std::string_view site) {
  size_t best = std::string::npos;
  size_t sep_len = 0;
  bool bare = false;
  auto consider = [&](std::string_view sep, bool is_bare) {
    size_t pos = title.rfind(sep);
    if (pos == std::string::npos || pos == 0) return;
    if (best == std::string::npos || pos > best) {
      best = pos;
      sep_len = sep.size();
      bare = is_bare;
    }
  };
  for (std::string_view sep : kSpacedTitleSeparators) consider(sep, false);
  if (best == std::string::npos) {
    for (std::string_view sep : kBareTitleSeparators) consider(sep, true);
  }
  if (best == std::string::npos) return title;
  std::string head = CleanMetaText(title.substr(0, best));
  std::string tail = CleanMetaText(title.substr(best + sep_len));
  bool cjk = StartsWithCjk(head);
  if (bare && !cjk) return title;
  if (!site.empty()) {
    // "Site" matches og:site_name "Site Inc" and "Site.cz - Motto" too.
    std::string t = AsciiLower(tail);
    std::string s = AsciiLower(site);
    if (t.empty() || (s.rfind(t, 0) != 0 && t.rfind(s, 0) != 0)) return title;
  }
  size_t words = std::count(head.begin(), head.end(), ' ') + 1;
  bool substantial = words >= 3 || (cjk && CodePointCount(head) >= 6);
  if (!substantial || CodePointCount(tail) > CodePointCount(head)) return title;
  return head;
}

std::string SiteName(const MetaSources& m) {
  std::string site = MetaValue(m, {"og:site_name"});
  if (site.empty()) site = FromJsonLd(m, &JsonLdArticle::publisher);
  if (site.empty()) site = MetaValue(m, {"application-name"});
  return site;
}

bool LooksLikeUrl(std::string_view s) {
  return s.substr(0, 7) == "http://" || s.substr(0, 8) == "https://" || s.substr(0, 2) == "//";
}

std::string StripBy(std::string s) {
  for (std::string_view prefix : {"by ", "by: ", "written by "}) {
    if (s.size() > prefix.size() && AsciiLower(s.substr(0, prefix.size())) == prefix) {
      return CleanMetaText(s.substr(prefix.size()));
    }
  }
  return s;
}

// "Jane Doe and John Smith", "Jane Doe, John Smith", "张三、李四" -> names.
// Parts of more than six words are not names: the text is kept whole.
std::vector<std::string> SplitAuthors(const std::string& byline) {
  std::string s = StripBy(byline);
  for (std::string_view sep :
       {" and ", " & ", ";", "\xE3\x80\x81" /* 、 */, "\xEF\xBC\x8C" /* ， */, " | "}) {
    size_t pos = 0;
    while ((pos = s.find(sep, pos)) != std::string::npos) s.replace(pos, sep.size(), ",");
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string part = CleanMetaText(s.substr(start, comma - start));
    if (!part.empty()) {
      if (std::count(part.begin(), part.end(), ' ') >= 6) return {StripBy(byline)};
      out.push_back(std::move(part));
    }
    start = comma + 1;
  }
  return out;
}

void AddAuthors(const std::vector<std::string>& names, std::vector<std::string>* authors) {
  for (const std::string& name : names) {
    if (name.empty() || LooksLikeUrl(name) || authors->size() >= kMaxAuthors) continue;
    if (CodePointCount(name) > 120) continue;
    if (std::find(authors->begin(), authors->end(), name) == authors->end()) {
      authors->push_back(name);
    }
  }
}

std::vector<std::string> ChooseAuthors(const HtmlTree& tree, const MetaSources& m) {
  std::vector<std::string> authors;
  for (const JsonLdArticle& a : m.json_ld) {
    for (const std::string& name : a.authors) AddAuthors(SplitAuthors(name), &authors);
    if (!authors.empty()) return authors;
  }
  for (std::string_view key : {"author", "article:author", "byl", "dc.creator", "sailthru.author",
                               "parsely-author", "dcterms.creator", "citation_author"}) {
    std::string v = MetaValue(m, {key});
    if (!v.empty() && !LooksLikeUrl(v)) AddAuthors(SplitAuthors(v), &authors);
    if (!authors.empty()) return authors;
  }
  for (int32_t i : m.rel_author) {
    // itemprop=author may wrap itemprop=name; take the name when present.
    std::string v;
    for (int32_t k = i + 1; k < tree.nodes[i].subtree_end && v.empty(); ++k) {
      if (AsciiLower(tree.nodes[k].Attr("itemprop")) == "name") {
        v = tree.nodes[k].tag == "meta" ? CleanMetaText(tree.nodes[k].Attr("content"))
                                        : NodeText(tree, k);
      }
    }
    if (v.empty()) v = NodeText(tree, i);
    if (v.empty()) v = CleanMetaText(tree.nodes[i].Attr("content"));
    AddAuthors(SplitAuthors(v), &authors);
  }
  if (!authors.empty()) return authors;
  for (int32_t i : m.byline_nodes) {
    std::string v = NodeText(tree, i);
    if (!v.empty() && CodePointCount(v) <= 120) {
      AddAuthors(SplitAuthors(v), &authors);
      if (!authors.empty()) return authors;
    }
  }
  return authors;
}

std::optional<int64_t> FirstDate(std::initializer_list<std::string> values) {
  for (const std::string& v : values) {
    if (v.empty()) continue;
    if (std::optional<int64_t> t = ParseAnyDate(v)) return t;
  }
  return std::nullopt;
}

std::optional<int64_t> DateOfElements(const HtmlTree& tree, const std::vector<int32_t>& nodes) {
  for (int32_t i : nodes) {
    const HtmlNode& node = tree.nodes[i];
    if (auto t = FirstDate({CleanMetaText(node.Attr("content")),
                            CleanMetaText(node.Attr("datetime")), NodeText(tree, i)})) {
      return t;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> ChoosePublished(const HtmlTree& tree, const MetaSources& m,
                                       int32_t container, std::string_view url) {
  for (const JsonLdArticle& a : m.json_ld) {
    if (auto t = FirstDate({a.published})) return t;
  }
  for (std::string_view key :
       {"article:published_time", "og:published_time", "article:published", "datepublished",
        "published_time", "pubdate", "publishdate", "publish-date", "publish_date",
        "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date",
        "dcterms.date", "dcterms.created", "citation_publication_date", "date"}) {
    if (auto t = FirstDate({MetaValue(m, {key})})) return t;
  }
  if (auto t = DateOfElements(tree, m.date_published)) return t;
  // <time datetime>: inside the article first, then one marked pubdate.
  for (bool inside : {true, false}) {
    for (int32_t i : m.times) {
      const HtmlNode& node = tree.nodes[i];
      if (inside && (container < 0 || i < container || i >= tree.nodes[container].subtree_end)) {
        continue;
      }
      if (!inside && !node.HasAttr("pubdate")) continue;
      if (auto t = FirstDate({CleanMetaText(node.Attr("datetime"))})) return t;
    }
  }
  return DateFromUrl(url);
}

std::optional<int64_t> ChooseModified(const HtmlTree& tree, const MetaSources& m) {
  for (const JsonLdArticle& a : m.json_ld) {
    if (auto t = FirstDate({a.modified})) return t;
  }
  for (std::string_view key : {"article:modified_time", "og:updated_time", "article:modified",
                               "datemodified", "modified_time", "last-modified", "dcterms.modified",
                               "dc.date.modified", "parsely-updated", "lastmod"}) {
    if (auto t = FirstDate({MetaValue(m, {key})})) return t;
  }
  return DateOfElements(tree, m.date_modified);
}

std::string Resolve(std::string_view base, std::string_view href) {
  if (href.empty() || href.substr(0, 5) == "data:" || href.substr(0, 11) == "javascript:")
    return {};
  Result<std::string> resolved = ResolveUrl(base.empty() ? href : base, href);
  return resolved.ok() ? resolved.value() : std::string();
}

// The page's base URL: <base href> resolved against the page URL.
std::string BaseUrl(const MetaSources& m, std::string_view page_url) {
  if (m.base_href.empty()) return std::string(page_url);
  std::string base = Resolve(page_url, m.base_href);
  return base.empty() ? std::string(page_url) : base;
}

long AttrNumber(const HtmlNode& node, std::string_view name) {
  std::string_view v = node.Attr(name);
  long n = 0;
  size_t k = 0;
  while (k < v.size() && k < 6 && std::isdigit(static_cast<unsigned char>(v[k]))) {
    n = n * 10 + (v[k] - '0');
    ++k;
  }
  return k == 0 ? -1 : n;
}

std::string ChooseImage(const HtmlTree& tree, const MetaSources& m, std::string_view base,
                        int32_t container) {
  std::string href = MetaValue(
      m, {"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"});
  if (href.empty()) href = FromJsonLd(m, &JsonLdArticle::image);
  if (href.empty()) href = m.image_src_href;
  if (href.empty()) href = MetaValue(m, {"image", "thumbnailurl"});
  if (std::string url = Resolve(base, href); !url.empty()) return url;
  // The first <img> of the article that is not an icon or a tracking pixel.
  for (int32_t i : m.images) {
    if (container < 0 || i < container || i >= tree.nodes[container].subtree_end) continue;
    const HtmlNode& img = tree.nodes[i];
    long width = AttrNumber(img, "width");
    long height = AttrNumber(img, "height");
    if ((width >= 0 && width < 100) || (height >= 0 && height < 80)) continue;
    for (std::string_view attr : {"src", "data-src", "data-original", "data-lazy-src"}) {
      if (std::string url = Resolve(base, CleanMetaText(img.Attr(attr))); !url.empty()) {
        return url;
      }
    }
  }
  return {};
}

void ChooseLanguage(const MetaSources& m, ExtractedArticle* article) {
  std::string lang = m.html_lang;
  std::string source = "html";
  if (lang.empty()) {
    lang = MetaValue(m, {"http-equiv:content-language", "og:locale", "language", "dc.language",
                         "content-language", "inlanguage"});
    if (lang.empty()) lang = FromJsonLd(m, &JsonLdArticle::language);
    source = "meta";
  }
  size_t comma = lang.find(',');
  if (comma != std::string::npos) lang = CleanMetaText(lang.substr(0, comma));
  std::replace(lang.begin(), lang.end(), '_', '-');
  // A tag is letters, digits and '-'; anything else is not a language.
  bool valid =
      !lang.empty() && lang.size() <= 35 && std::all_of(lang.begin(), lang.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      });
  if (!valid) {
    lang = GuessLanguage(article->text);
    source = lang.empty() ? "" : "text";
  }
  article->language = lang;
  article->language_source = source;
}

}  // namespace

// og:title etc.; else an <h1> that the <title> repeats (the headline
// without the site name), or the first <h1> when there is no <title>; else
// the <title> without its site suffix. A lone <h1> that disagrees with the
// <title> is more often a logo or section name than the headline.
std::string ChooseTitle(const HtmlTree& tree, const MetaSources& m) {
  std::string site = SiteName(m);
  std::string og = MetaValue(m, {"og:title"});
  std::string lower_title = AsciiLower(m.title_tag);
  std::string headline;
  for (const JsonLdArticle& a : m.json_ld) {
    // Some sites put the headline in "name" and a summary in "headline"
    // (Wikipedia): when both exist, the one the <title> repeats wins.
    // A "name" that is the site's name is not a headline.
    std::string name = a.name;
    if (AsciiLower(name) == AsciiLower(site) || AsciiLower(name) == AsciiLower(a.publisher)) {
      name.clear();
    }
    headline = a.headline.empty() ? name : a.headline;
    if (!name.empty() && !a.headline.empty() && name != a.headline &&
        lower_title.find(AsciiLower(a.headline)) == std::string::npos &&
        lower_title.find(AsciiLower(name)) != std::string::npos) {
      headline = name;
    }
    if (!headline.empty()) break;
  }
  // Google truncates JSON-LD headlines; a longer og:title that starts
  // with the headline is the full one.
  if (!headline.empty() && !(og.size() > headline.size() && og.rfind(headline, 0) == 0)) {
    return site.empty() ? headline : StripTitleSuffix(headline, site);
  }
  std::string meta = MetaValue(m, {"dc:title", "dcterm:title", "dcterms.title", "dc.title",
                                   "og:title", "twitter:title", "parsely-title", "sailthru.title"});
  if (!meta.empty()) return site.empty() ? meta : StripTitleSuffix(meta, site);
  std::string first_h1;
  size_t title_length = CodePointCount(m.title_tag);
  for (int32_t h : m.h1s) {
    std::string text = NodeText(tree, h);
    if (text.empty()) continue;
    // The <title> repeats the headline at its start ("Headline - Site") or
    // as most of it ("Site: Headline"); a short <h1> at its end is the
    // site's name.
    size_t at = lower_title.find(AsciiLower(text));
    if (at != std::string::npos && (at == 0 || CodePointCount(text) * 2 >= title_length)) {
      return text;
    }
    if (first_h1.empty()) first_h1 = text;
  }
  if (!m.title_tag.empty()) return StripTitleSuffix(m.title_tag, "");
  return first_h1;
}

void FillMetadata(const HtmlTree& tree, const MetaSources& m, std::string_view page_url,
                  int32_t container, ExtractedArticle* article) {
  std::string base = BaseUrl(m, page_url);
  article->authors = ChooseAuthors(tree, m);
  article->byline.clear();
  for (const std::string& a : article->authors) {
    if (!article->byline.empty()) article->byline += ", ";
    article->byline += a;
  }
  article->site_name = SiteName(m);
  std::string canonical = m.canonical_href.empty() ? MetaValue(m, {"og:url"}) : m.canonical_href;
  article->canonical_url = Resolve(base, canonical);
  article->description = MetaValue(m, {"og:description", "description", "twitter:description",
                                       "dc.description", "dcterms.description"});
  if (article->description.empty()) {
    article->description = FromJsonLd(m, &JsonLdArticle::description);
  }
  article->image_url = ChooseImage(tree, m, base, container);
  article->published = ChoosePublished(tree, m, container, page_url);
  article->modified = ChooseModified(tree, m);
  ChooseLanguage(m, article);
}

std::optional<int64_t> DateFromUrl(std::string_view url) {
  // Only the path: hosts and queries carry too many unrelated numbers.
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (path == std::string_view::npos) return std::nullopt;
  url = url.substr(path, url.find_first_of("?#", path) - path);
  // Runs of digits and the separator before each.
  struct Run {
    int value;
    size_t digits;
    char before;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < url.size() && runs.size() < 64;) {
    if (!std::isdigit(static_cast<unsigned char>(url[i]))) {
      ++i;
      continue;
    }
    size_t start = i;
    long long v = 0;
    while (i < url.size() && std::isdigit(static_cast<unsigned char>(url[i]))) {
      if (i - start < 9) v = v * 10 + (url[i] - '0');
      ++i;
    }
    runs.push_back({static_cast<int>(std::min<long long>(v, 999999999)), i - start,
                    start > 0 ? url[start - 1] : '/'});
  }
  auto make = [](int y, int mo, int d) -> std::optional<int64_t> {
    if (y < 1990 || y > 2099 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
    return ParseAnyDate(buf);  // rejects Feb 30 and the like
  };
  for (size_t k = 0; k < runs.size(); ++k) {
    const Run& r = runs[k];
    bool sep = r.before == '/' || r.before == '-' || r.before == '_' || r.before == 't';
    if (!sep) continue;
    if (r.digits == 8) {  // 20260128
      if (auto t = make(r.value / 10000, r.value / 100 % 100, r.value % 100)) return t;
    }
    if (r.digits == 6 && k + 1 < runs.size() && runs[k + 1].digits <= 2) {  // 202601/28
      if (auto t = make(r.value / 100, r.value % 100, runs[k + 1].value)) return t;
    }
    if (r.digits == 4 && k + 1 < runs.size()) {
      const Run& m = runs[k + 1];
      if (m.digits == 4 && m.before == '/') {  // 2026/0128
        if (auto t = make(r.value, m.value / 100, m.value % 100)) return t;
      }
      if (m.digits <= 2 && k + 2 < runs.size() && runs[k + 2].digits <= 2 &&
          m.before == runs[k + 2].before) {  // 2026/01/28, 2026-01-28
        if (auto t = make(r.value, m.value, runs[k + 2].value)) return t;
      }
      if (m.digits <= 2 && m.before == '-' && k + 2 < runs.size() && runs[k + 2].digits <= 2 &&
          runs[k + 2].before == '/') {  // 2026-01/28
        if (auto t = make(r.value, m.value, runs[k + 2].value)) return t;
      }
    }
  }
  return std::nullopt;
}

}  // namespace mw::html
