// mediawatch/parsers/article_extractor.cc
//
// Readability-style extraction over the flat pre-order tree of html_tree.h:
//
//  1. Analyse: mark invisible and boilerplate nodes (by tag, by class/id/role
//     tokens, by hidden styles) and aggregate per-node text statistics in
//     code points with one reverse pass (no recursion).
//  2. Score: every paragraph-like run of text of at least 25 code points adds
//     1 + clause punctuation + min(chars / 100, 3) to its container and, with
//     decaying weights, to four more ancestors; candidates start from a tag
//     bonus and a class weight and end multiplied by (1 - link density).
//  3. Choose: the best candidate, moved up to a common ancestor when several
//     strong candidates share one, or replaced by an <article> /
//     itemprop=articleBody / .article-body container that scores well.
//     Siblings of the winner that look like article text are kept.
//  4. Render: blocks of the chosen containers, one per line, whitespace
//     collapsed, without the h1, bylines, link lists and other clutter.
//
// If the strict pass (boilerplate removal by class) yields little text, the
// pass is retried with fewer removals, as Readability does.
//
// Input size is capped (ExtractOptions::max_bytes) and nesting is pre-checked
// before Gumbo runs (html_tree.h); after that every step is O(nodes) except
// the candidate ancestor walk, O(candidates * depth).

#include "parsers/article_extractor.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "parsers/html_metadata.h"
#include "parsers/html_text.h"
#include "parsers/html_tree.h"
#include "text/normalizer.h"

namespace mw {
namespace {

using html::HtmlNode;
using html::HtmlTree;

constexpr int64_t kMinParagraphChars = 25;
constexpr int64_t kRetryBelowChars = 250;

bool TagIn(std::string_view tag, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), tag) != set.end();
}

bool Contains(const HtmlTree& tree, int32_t ancestor, int32_t node) {
  return node >= ancestor && node < tree.nodes[ancestor].subtree_end;
}

bool IsBlockTag(std::string_view tag) {
  return TagIn(tag,
               {"address",    "article", "aside",  "blockquote", "body",   "center", "dd",
                "details",    "dialog",  "dir",    "div",        "dl",     "dt",     "fieldset",
                "figcaption", "figure",  "footer", "form",       "h1",     "h2",     "h3",
                "h4",         "h5",      "h6",     "header",     "hgroup", "hr",     "html",
                "li",         "main",    "menu",   "nav",        "ol",     "p",      "pre",
                "section",    "summary", "table",  "tbody",      "td",     "tfoot",  "th",
                "thead",      "tr",      "ul",     "caption",    "br",     "option", "legend"});
}

// Never text: scripts, styles, embedded and interactive content, <head>.
bool IsNonContentTag(std::string_view tag) {
  return TagIn(tag, {"script",   "style",  "noscript", "template", "iframe", "svg",    "object",
                     "embed",    "canvas", "audio",    "video",    "button", "select", "input",
                     "textarea", "head",   "title",    "meta",     "link",   "map",    "dialog"});
}

// Page furniture by element type.
bool IsStructuralBoilerplateTag(std::string_view tag) {
  return TagIn(tag, {"nav", "header", "footer", "aside", "form", "menu"});
}

// Calls f(token) for each lower-case token of `attr` split at
// non-alphanumerics ("post-share_bar" -> post, share, bar).
template <typename F>
void ForEachToken(std::string_view attr, F&& f) {
  std::string current;
  for (char c : attr) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      current.push_back(static_cast<char>(std::tolower(u)));
    } else if (!current.empty()) {
      f(current);
      current.clear();
    }
  }
  if (!current.empty()) f(current);
}

bool TokenMatches(const std::string& token, std::initializer_list<std::string_view> exact,
                  std::initializer_list<std::string_view> prefixes) {
  for (std::string_view e : exact) {
    if (token == e) return true;
  }
  for (std::string_view p : prefixes) {
    if (token.size() >= p.size() && std::string_view(token).substr(0, p.size()) == p) return true;
  }
  return false;
}

// Class/id tokens of page furniture. Elements carrying one are dropped in
// the strict pass unless they also carry a content token or hold prose.
bool IsBoilerplateToken(const std::string& t) {
  return TokenMatches(
      t, {"nav",        "menu",        "menus",     "share",    "sharing", "footer",  "sidebar",
          "consent",    "gdpr",        "ad",        "ads",      "adv",     "byline",  "author",
          "authors",    "meta",        "caption",   "masthead", "banner",  "popup",   "modal",
          "pagination", "pager",       "toolbar",   "tags",     "widget",  "widgets", "signup",
          "login",      "recommended", "trending",  "popular",  "print",   "rss",     "skip",
          "dateline",   "timestamp",   "copyright", "hidden",   "hide",    "toc",     "gallery",
          "slideshow",  "carousel",    "legends",   "credits"},
      {"navbar", "navigation", "footer", "popup", "widget", "recommend", "adsby", "adslot", "dfp"});
}

// Tokens of clutter that is dropped even when the element also looks like
// content ("related-articles", "comment-body").
bool IsStrongBoilerplateToken(const std::string& t) {
  return TokenMatches(
      t,
      {"related", "comment", "comments", "social", "cookie", "cookies", "newsletter", "advert",
       "promo", "promos", "breadcrumb", "breadcrumbs", "outbrain", "taboola", "disqus", "subscribe",
       "sponsor", "sponsored"},
      {"related", "comment", "social", "cookie", "newsletter", "advert", "breadcrumb", "outbrain",
       "taboola", "disqus", "subscri", "sponsor", "promo"});
}

// Tokens that mark a container as the page's content: boilerplate tokens on
// the same element are then not trusted ("main-sidebar-content").
bool IsContentToken(const std::string& t) {
  return TokenMatches(t,
                      {"article", "articlebody", "body", "content", "main", "story", "entry",
                       "post", "text", "column", "page", "hentry"},
                      {"article", "story", "content"});
}

bool IsPositiveWeightToken(const std::string& t) {
  return TokenMatches(t,
                      {"article", "articlebody", "body", "content", "entry", "hentry", "main",
                       "page", "post", "text", "blog", "story", "artibody", "prose"},
                      {"article", "story", "content"});
}

bool IsNegativeWeightToken(const std::string& t) {
  return TokenMatches(
      t,
      {"hidden", "banner",   "combx",    "comment", "comments",   "com",      "contact",  "foot",
       "footer", "footnote", "masthead", "media",   "meta",       "outbrain", "promo",    "related",
       "scroll", "share",    "shoutbox", "sidebar", "skyscraper", "sponsor",  "shopping", "tags",
       "tool",   "widget",   "nav",      "menu",    "ad",         "ads",      "byline",   "author"},
      {"comment", "share", "social", "sidebar", "related", "footer"});
}

bool IsBylineToken(const std::string& t) {
  return t == "byline" || t == "author" || t == "dateline" || t == "byl";
}

// What an element's class and id say, and what its own text measures;
// computed once per node and shared by every extraction pass.
struct ClassSignals {
  bool strong_boilerplate = false;  // IsStrongBoilerplateToken
  bool boilerplate = false;         // IsBoilerplateToken
  bool content = false;             // IsContentToken
  bool byline = false;              // IsBylineToken
  bool byline_class = false;        // exactly "byline"
  bool positive = false;            // IsPositiveWeightToken
  bool negative = false;            // IsNegativeWeightToken
  bool is_block = false;            // IsBlockTag (elements)
  int weight = 0;                   // Readability-like: +25 content-looking, -25 clutter-looking
  html::TextMeasure text;           // text nodes: MeasureText of the text

  void Merge(const ClassSignals& o) {
    strong_boilerplate |= o.strong_boilerplate;
    boilerplate |= o.boilerplate;
    content |= o.content;
    byline |= o.byline;
    byline_class |= o.byline_class;
    positive |= o.positive;
    negative |= o.negative;
  }
};

ClassSignals SignalsOf(std::string_view attr) {
  ClassSignals c;
  ForEachToken(attr, [&c](const std::string& t) {
    c.strong_boilerplate |= IsStrongBoilerplateToken(t);
    c.boilerplate |= IsBoilerplateToken(t);
    c.content |= IsContentToken(t);
    c.byline |= IsBylineToken(t);
    c.byline_class |= t == "byline";
    c.positive |= IsPositiveWeightToken(t);
    c.negative |= IsNegativeWeightToken(t);
  });
  return c;
}

// O(nodes + text bytes + distinct class/id bytes): pages repeat a few
// class attributes thousands of times, so their signals are memoized.
std::vector<ClassSignals> ClassifyElements(const HtmlTree& tree) {
  std::vector<ClassSignals> out(tree.nodes.size());
  std::unordered_map<std::string_view, ClassSignals> by_class;
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    const HtmlNode& node = tree.nodes[i];
    ClassSignals& c = out[i];
    if (node.is_text) {
      c.text = html::MeasureText(node.text);
      continue;
    }
    c.is_block = IsBlockTag(node.tag);
    std::string_view cls = node.Attr("class");
    if (!cls.empty()) {
      auto it = by_class.find(cls);
      if (it == by_class.end()) it = by_class.emplace(cls, SignalsOf(cls)).first;
      c.Merge(it->second);
    }
    std::string_view id = node.Attr("id");
    if (!id.empty()) c.Merge(SignalsOf(id));
    c.weight = (c.positive ? 25 : 0) - (c.negative ? 25 : 0);
  }
  return out;
}

bool IsBoilerplateRole(std::string_view role) {
  return TagIn(html::AsciiLower(role),
               {"navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "search",
                "dialog", "alert", "alertdialog", "tablist"});
}

bool IsHidden(const HtmlNode& node) {
  if (node.HasAttr("hidden")) return true;
  if (html::AsciiLower(node.Attr("aria-hidden")) == "true") return true;
  std::string style = html::AsciiLower(node.Attr("style"));
  style.erase(std::remove_if(style.begin(), style.end(),
                             [](char c) { return c == ' ' || c == '\t' || c == '\n'; }),
              style.end());
  return style.find("display:none") != std::string::npos ||
         style.find("visibility:hidden") != std::string::npos;
}

// Author lines: rel/itemprop=author or a byline-like class, and short (an
// <article class="author-jane"> is not a byline).
bool IsBylineNode(const HtmlNode& node, const ClassSignals& cls, int64_t chars) {
  if (chars > 200) return false;
  if (cls.byline) return true;
  return html::AsciiLower(node.Attr("rel")) == "author" ||
         html::AsciiLower(node.Attr("itemprop")) == "author";
}

// ---------------------------------------------------------------------------
// Analysis.

enum class Mode {
  kStrict,      // structural and class/id boilerplate removed
  kStructural,  // only structural tags (nav, header, footer, aside, form, menu)
  kLenient,     // only invisible and non-content elements
};

struct NodeInfo {
  bool removed = false;  // the node or an ancestor is not article text
  bool in_link = false;
  bool is_block = false;  // a block-level element
  int32_t block = 0;      // nearest block-level ancestor-or-self
  // Over the visible subtree:
  int64_t chars = 0;
  int64_t link_chars = 0;
  int32_t punctuation = 0;
  int32_t paragraphs = 0;
  int32_t list_items = 0;
  bool has_block_descendant = false;
  // Inline text whose nearest block is this node:
  int64_t own_chars = 0;
  int32_t own_punctuation = 0;
  // Scoring.
  bool scored = false;
  double score = 0;

  double LinkDensity() const {
    return chars == 0 ? 0.0 : static_cast<double>(link_chars) / static_cast<double>(chars);
  }
};

struct Analysis {
  std::vector<NodeInfo> info;
  int32_t body = 0;
  const std::vector<ClassSignals>* cls = nullptr;  // per node; outlives the analysis
};

int32_t FindBody(const HtmlTree& tree) {
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    if (tree.nodes[i].tag == "body") return static_cast<int32_t>(i);
  }
  return 0;
}

// Number of direct children of `i` that read as prose paragraphs in the
// lenient analysis `raw`. O(children).
int ProseChildren(const HtmlTree& tree, const Analysis& raw, int32_t i) {
  int prose = 0;
  for (int32_t c : tree.nodes[i].children) {
    const NodeInfo& info = raw.info[c];
    if (tree.nodes[c].is_text) continue;
    const std::string& tag = tree.nodes[c].tag;
    bool paragraph = tag == "p" || (TagIn(tag, {"div", "section", "blockquote"}) &&
                                    !info.has_block_descendant && info.punctuation >= 2);
    if (paragraph && info.chars - info.link_chars >= 40 && info.LinkDensity() < 0.3) {
      ++prose;
    }
  }
  return prose;
}

// Number of <p> in the subtree of `root` that read as prose and are not list
// items or table cells (gallery captions). O(subtree).
int ProseParagraphs(const HtmlTree& tree, const Analysis& raw, int32_t root) {
  int prose = 0;
  for (int32_t i = root; i < tree.nodes[root].subtree_end; ++i) {
    const HtmlNode& node = tree.nodes[i];
    const NodeInfo& info = raw.info[i];
    if (node.tag != "p" || info.removed) continue;
    if (TagIn(tree.nodes[node.parent].tag, {"li", "td", "dd", "th"})) continue;
    if (info.chars - info.link_chars >= 40 && info.LinkDensity() < 0.3) ++prose;
  }
  return prose;
}

// What the strict passes may not remove: containers of the lenient pass's
// winner when that winner reads as prose (some sites wrap the whole page in
// <form>, or give the layout wrapper a "sidebar" class). Elements with only
// weak boilerplate tokens are also kept when they hold prose themselves (a
// share plugin's id on the article body); strong tokens always remove.
struct Protection {
  const Analysis* raw = nullptr;
  int32_t top = -1;  // protected with its ancestors, or -1
};

// Whether `node` is removed by itself (ancestors aside) in `mode`.
bool RemovedBySelf(const HtmlTree& tree, const ClassSignals& cls, int32_t i, Mode mode,
                   const Protection& protect) {
  const HtmlNode& node = tree.nodes[i];
  if (node.is_text || i == 0) return false;
  if (IsNonContentTag(node.tag) || IsHidden(node)) return true;
  if (mode == Mode::kLenient) return false;
  bool holds_top = protect.top >= 0 && Contains(tree, i, protect.top);
  if (IsStructuralBoilerplateTag(node.tag) || IsBoilerplateRole(node.Attr("role"))) {
    return !holds_top;
  }
  if (mode != Mode::kStrict || TagIn(node.tag, {"body", "html", "article", "main"})) return false;
  if (cls.strong_boilerplate) return true;
  if (!cls.boilerplate || cls.content || holds_top) return false;
  return protect.raw == nullptr || ProseChildren(tree, *protect.raw, i) < 3;
}

// Two passes over the pre-order array: flags top-down, sums bottom-up.
// O(nodes + text bytes).
Analysis Analyze(const HtmlTree& tree, const std::vector<ClassSignals>& cls, Mode mode,
                 const Protection& protect) {
  const size_t n = tree.nodes.size();
  Analysis a;
  a.info.resize(n);
  a.body = FindBody(tree);
  a.cls = &cls;
  for (size_t i = 1; i < n; ++i) {
    const HtmlNode& node = tree.nodes[i];
    NodeInfo& info = a.info[i];
    const NodeInfo& parent = a.info[node.parent];
    info.removed =
        parent.removed || RemovedBySelf(tree, cls[i], static_cast<int32_t>(i), mode, protect);
    info.in_link = parent.in_link || node.tag == "a";
    info.is_block = cls[i].is_block;
    info.block = info.is_block ? static_cast<int32_t>(i) : parent.block;
  }
  for (size_t i = n; i-- > 1;) {
    const HtmlNode& node = tree.nodes[i];
    NodeInfo& info = a.info[i];
    if (info.removed) continue;
    if (node.is_text) {
      const html::TextMeasure& m = cls[i].text;
      info.chars = m.chars + (m.trailing_space ? 1 : 0);
      info.punctuation = m.punctuation;
      if (info.in_link) info.link_chars = info.chars;
      NodeInfo& block = a.info[info.block];
      block.own_chars += info.chars;
      block.own_punctuation += info.punctuation;
    } else {
      if (node.tag == "p") ++info.paragraphs;
      if (node.tag == "li") ++info.list_items;
    }
    NodeInfo& parent = a.info[node.parent];
    parent.chars += info.chars;
    parent.link_chars += info.link_chars;
    parent.punctuation += info.punctuation;
    parent.paragraphs += info.paragraphs;
    parent.list_items += info.list_items;
    if (info.is_block || info.has_block_descendant) {
      parent.has_block_descendant = true;
    }
  }
  return a;
}

// ---------------------------------------------------------------------------
// Scoring.

double TagBonus(std::string_view tag) {
  if (tag == "article") return 10;
  if (TagIn(tag, {"div", "main", "section"})) return 5;
  if (TagIn(tag, {"pre", "td", "blockquote"})) return 3;
  if (TagIn(tag, {"address", "ol", "ul", "dl", "dd", "dt", "li", "form"})) return -3;
  if (TagIn(tag, {"h1", "h2", "h3", "h4", "h5", "h6", "th"})) return -5;
  return 0;
}

void InitCandidate(const HtmlTree& tree, const Analysis& a, int32_t i, NodeInfo* info) {
  if (info->scored) return;
  info->scored = true;
  info->score = TagBonus(tree.nodes[i].tag) + (*a.cls)[i].weight;
}

// Elements whose own text does not make a paragraph.
bool IsUnscoredTag(std::string_view tag) {
  return TagIn(tag, {"h1", "li",     "dt",     "dd",      "th",    "caption", "figcaption",
                     "ul", "ol",     "dl",     "table",   "tbody", "thead",   "tfoot",
                     "tr", "option", "legend", "summary", "hr",    "br",      "html"});
}

// Adds the paragraph scores to ancestors. O(paragraphs * 5).
void ScoreParagraphs(const HtmlTree& tree, Analysis* a) {
  const size_t n = tree.nodes.size();
  for (size_t idx = 1; idx < n; ++idx) {
    auto i = static_cast<int32_t>(idx);
    const HtmlNode& node = tree.nodes[i];
    const NodeInfo& info = a->info[i];
    if (info.removed || !info.is_block || IsUnscoredTag(node.tag)) continue;
    int64_t chars = 0;
    int32_t punctuation = 0;
    int32_t start = 0;
    if (!info.has_block_descendant) {
      chars = info.chars - info.link_chars;
      punctuation = info.punctuation;
      start = node.parent;
    } else {
      chars = info.own_chars;
      punctuation = info.own_punctuation;
      start = i;  // the inline text is a paragraph inside this node
    }
    if (chars < kMinParagraphChars) continue;
    double score = 1.0 + punctuation + std::min(static_cast<double>(chars) / 100.0, 3.0);
    int level = 0;
    for (int32_t anc = start; anc > 0 && level < 5; anc = tree.nodes[anc].parent, ++level) {
      NodeInfo& target = a->info[anc];
      InitCandidate(tree, *a, anc, &target);
      double divider = level == 0 ? 1.0 : (level == 1 ? 2.0 : level * 3.0);
      target.score += score / divider;
    }
  }
  for (NodeInfo& info : a->info) {
    if (info.scored) info.score *= 1.0 - info.LinkDensity();
  }
}

// The top candidate, moved up to an ancestor shared by most strong rivals.
int32_t ChooseTopCandidate(const HtmlTree& tree, const Analysis& a) {
  std::vector<int32_t> ranked;
  for (size_t i = 1; i < a.info.size(); ++i) {
    if (a.info[i].scored && !a.info[i].removed) ranked.push_back(static_cast<int32_t>(i));
  }
  if (ranked.empty()) return -1;
  std::partial_sort(ranked.begin(), ranked.begin() + std::min<size_t>(ranked.size(), 5),
                    ranked.end(),
                    [&](int32_t x, int32_t y) { return a.info[x].score > a.info[y].score; });
  ranked.resize(std::min<size_t>(ranked.size(), 5));
  int32_t top = ranked[0];
  double top_score = a.info[top].score;
  std::vector<int32_t> rivals;
  for (size_t k = 1; k < ranked.size(); ++k) {
    if (a.info[ranked[k]].score >= 0.75 * top_score) rivals.push_back(ranked[k]);
  }
  if (rivals.size() >= 3) {
    for (int32_t anc = tree.nodes[top].parent; anc > 0 && anc != a.body;
         anc = tree.nodes[anc].parent) {
      int shared = 0;
      for (int32_t r : rivals) shared += Contains(tree, anc, r) ? 1 : 0;
      if (shared >= 3) {
        top = anc;
        break;
      }
    }
  }
  // An only child carries no more than its parent.
  for (;;) {
    int32_t parent = tree.nodes[top].parent;
    if (parent <= 0 || parent == a.body || tree.nodes[parent].tag == "html") break;
    int element_children = 0;
    for (int32_t c : tree.nodes[parent].children) {
      if (!tree.nodes[c].is_text && !a.info[c].removed) ++element_children;
    }
    if (element_children != 1) break;
    top = parent;
  }
  return top;
}

bool IsPreferredContainer(const HtmlNode& node) {
  if (node.tag == "article") return true;
  if (html::AsciiLower(node.Attr("itemprop")) == "articlebody") return true;
  std::string cls = html::AsciiLower(node.Attr("class")) + " " + html::AsciiLower(node.Attr("id"));
  for (std::string_view marker :
       {"articlebody", "article-body", "article_body", "article__body", "article-content",
        "articlecontent", "article_content", "story-body", "storybody", "story-content",
        "post-content", "post-body", "entry-content", "artibody", "article-text", "articletext"}) {
    if (cls.find(marker) != std::string::npos) return true;
  }
  return false;
}

double ScoreOf(const NodeInfo& info) { return info.scored ? info.score : 0.0; }

// A preferred container (<article>, articleBody, .article-body) that holds
// the top candidate, or sits inside it with at least half its text, or
// outscores it. Returns -1 when none qualifies. O(nodes).
int32_t ChoosePreferred(const HtmlTree& tree, const Analysis& a, int32_t top) {
  int32_t best = -1;
  double best_score = -1;
  const NodeInfo& t = a.info[top];
  int64_t top_text = t.chars - t.link_chars;
  for (size_t idx = 1; idx < tree.nodes.size(); ++idx) {
    auto i = static_cast<int32_t>(idx);
    const NodeInfo& info = a.info[i];
    if (info.removed || tree.nodes[i].is_text || !IsPreferredContainer(tree.nodes[i])) continue;
    int64_t text = info.chars - info.link_chars;
    if (text < kMinParagraphChars * 4 || info.LinkDensity() > 0.4) continue;
    bool ok = false;
    if (Contains(tree, i, top)) {
      ok = text <= top_text * 3;  // not a page-wide wrapper
    } else if (Contains(tree, top, i)) {
      ok = text * 2 >= top_text;
    } else {
      ok = ScoreOf(info) >= ScoreOf(t);
    }
    // Nested qualifying containers: the one with the most text wins (an
    // <article> holding several .article-body-text parts).
    if (ok && static_cast<double>(text) > best_score) {
      best = i;
      best_score = static_cast<double>(text);
    }
  }
  return best;
}

bool EndsLikeSentence(std::string_view text) {
  std::string collapsed = html::CollapseWhitespace(text);
  for (std::string_view end : {".", "!", "?", "\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F",
                               "\xD8\x9F", "\xE2\x80\x9D", "\""}) {
    if (collapsed.size() >= end.size() &&
        collapsed.compare(collapsed.size() - end.size(), end.size(), end) == 0) {
      return true;
    }
  }
  return false;
}

// Inline text of a node's subtree (for short sibling checks).
std::string SubtreeText(const HtmlTree& tree, const Analysis& a, int32_t root) {
  std::string out;
  for (int32_t i = root; i < tree.nodes[root].subtree_end; ++i) {
    if (tree.nodes[i].is_text && !a.info[i].removed) out += tree.nodes[i].text;
  }
  return out;
}

// The top candidate plus siblings that read like part of the article.
std::vector<int32_t> ChooseRoots(const HtmlTree& tree, const Analysis& a, int32_t top) {
  int32_t parent = tree.nodes[top].parent;
  if (parent <= 0) return {top};
  double top_score = ScoreOf(a.info[top]);
  double threshold = std::max(10.0, top_score * 0.2);
  std::string top_class(tree.nodes[top].Attr("class"));
  std::vector<int32_t> roots;
  for (int32_t s : tree.nodes[parent].children) {
    const NodeInfo& info = a.info[s];
    if (s == top) {
      roots.push_back(s);
      continue;
    }
    if (tree.nodes[s].is_text || info.removed) continue;
    double bonus =
        (!top_class.empty() && tree.nodes[s].Attr("class") == top_class) ? top_score * 0.2 : 0.0;
    if (info.scored && ScoreOf(info) + bonus >= threshold) {
      roots.push_back(s);
      continue;
    }
    // Article text split over sibling sections that sit too deep for their
    // paragraphs' scores to reach them.
    if (info.LinkDensity() < 0.25 && ProseParagraphs(tree, a, s) >= 3) {
      roots.push_back(s);
      continue;
    }
    if (tree.nodes[s].tag != "p") continue;
    int64_t text = info.chars;
    double density = info.LinkDensity();
    if ((text > 80 && density < 0.25) ||
        (text > 0 && text <= 80 && density == 0 && EndsLikeSentence(SubtreeText(tree, a, s)))) {
      roots.push_back(s);
    }
  }
  return roots;
}

// ---------------------------------------------------------------------------
// Rendering.

// Link lists and other low-prose containers inside the chosen content.
bool IsClutter(const HtmlTree& tree, const Analysis& a, int32_t i) {
  const HtmlNode& node = tree.nodes[i];
  if (!TagIn(node.tag, {"div", "section", "ul", "ol", "table", "dl", "figure", "aside", "form",
                        "fieldset", "center"})) {
    return false;
  }
  const NodeInfo& info = a.info[i];
  if (info.punctuation >= 10) return false;
  int weight = (*a.cls)[i].weight;
  if (weight < 0) return true;
  double density = info.LinkDensity();
  if (density > 0.5) return true;
  if (node.tag == "ul" || node.tag == "ol") {
    // A list of links, not a list of statements that cite links.
    int64_t text = info.chars - info.link_chars;
    return density > 0.3 && text < 30 * std::max<int64_t>(info.list_items, 1);
  }
  return density > 0.2 && weight < 25 && info.paragraphs == 0;
}

class Renderer {
 public:
  Renderer(const HtmlTree& tree, const Analysis& a, std::string_view title)
      : tree_(tree), a_(a), title_(title) {}

  // Appends the blocks of `root`'s subtree. Explicit stack; O(subtree).
  void Render(int32_t root) {
    struct Frame {
      int32_t node;
      bool exit;
    };
    std::vector<Frame> stack{{root, false}};
    while (!stack.empty()) {
      Frame f = stack.back();
      stack.pop_back();
      const HtmlNode& node = tree_.nodes[f.node];
      if (f.exit) {
        Flush();
        continue;
      }
      if (a_.info[f.node].removed) continue;
      if (node.is_text) {
        line_ += node.text;
        continue;
      }
      if (Skip(f.node, f.node == root)) continue;
      if (node.tag == "br" || node.tag == "hr") {
        Flush();
        continue;
      }
      if (a_.info[f.node].is_block) {
        Flush();
        stack.push_back({f.node, true});
      } else if (node.tag == "img") {
        continue;
      }
      for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) {
        stack.push_back({*it, false});
      }
    }
    Flush();
  }

  std::string Take() { return std::move(out_); }

 private:
  bool Skip(int32_t i, bool is_root) const {
    const HtmlNode& node = tree_.nodes[i];
    if (node.tag == "h1") return true;
    if (IsBylineNode(node, (*a_.cls)[i], a_.info[i].chars)) return true;
    return !is_root && IsClutter(tree_, a_, i);
  }

  void Flush() {
    if (line_.empty()) return;
    std::string block = html::CollapseWhitespace(line_);
    line_.clear();
    if (block.empty()) return;
    if (!title_seen_ && !title_.empty() && block == title_) {
      title_seen_ = true;
      return;
    }
    if (!out_.empty()) out_.push_back('\n');
    out_ += block;
  }

  const HtmlTree& tree_;
  const Analysis& a_;
  std::string_view title_;
  bool title_seen_ = false;
  std::string line_;
  std::string out_;
};

// Runs one extraction pass. Returns the text ("" when nothing scored) and
// the chosen container through *container.
std::string ExtractText(const HtmlTree& tree, const Analysis& a, std::string_view title,
                        int32_t* container) {
  int32_t top = ChooseTopCandidate(tree, a);
  std::vector<int32_t> roots;
  if (top < 0) {
    top = a.body;
    roots.push_back(a.body);
  } else {
    int32_t preferred = ChoosePreferred(tree, a, top);
    if (preferred >= 0) {
      top = preferred;
      roots.push_back(preferred);
    } else {
      roots = ChooseRoots(tree, a, top);
    }
  }
  *container = top;
  Renderer renderer(tree, a, title);
  for (int32_t r : roots) renderer.Render(r);
  return renderer.Take();
}

// kTooLarge once the time budget is spent (checked between stages: each
// stage is linear in the page, so it cannot overrun by much).
Status CheckBudget(std::chrono::steady_clock::time_point start, const ExtractOptions& options,
                   std::string_view stage) {
  if (options.time_budget_ms <= 0) return Status::Ok();
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
  if (elapsed <= options.time_budget_ms) return Status::Ok();
  return Status::TooLarge("extraction time budget of " + std::to_string(options.time_budget_ms) +
                          " ms exceeded while " + std::string(stage) + " (" +
                          std::to_string(elapsed) + " ms)");
}

}  // namespace

Result<ExtractedArticle> ExtractArticle(std::string_view utf8_html, std::string_view page_url,
                                        const ExtractOptions& options) {
  if (utf8_html.size() > options.max_bytes) {
    return Status::TooLarge("HTML of " + std::to_string(utf8_html.size()) +
                            " bytes exceeds the limit of " + std::to_string(options.max_bytes));
  }
  auto start = std::chrono::steady_clock::now();
  Result<HtmlTree> parsed = html::ParseHtmlTree(
      utf8_html, {.max_depth = options.max_depth, .max_markup_depth = options.max_markup_depth});
  if (!parsed.ok()) return parsed.status();
  const HtmlTree& tree = parsed.value();
  MW_RETURN_IF_ERROR(CheckBudget(start, options, "parsing"));

  std::vector<ClassSignals> cls = ClassifyElements(tree);
  std::vector<int32_t> byline_nodes;
  for (size_t i = 0; i < cls.size(); ++i) {
    if (cls[i].byline_class) byline_nodes.push_back(static_cast<int32_t>(i));
  }
  html::MetaSourcesPtr meta = html::CollectMetaSources(tree, byline_nodes);
  ExtractedArticle article;
  article.title = html::ChooseTitle(tree, *meta);
  MW_RETURN_IF_ERROR(CheckBudget(start, options, "reading metadata"));

  // The lenient pass first: its winner protects its ancestors from removal
  // in the stricter passes, which are tried first for the text.
  Analysis raw = Analyze(tree, cls, Mode::kLenient, {});
  ScoreParagraphs(tree, &raw);
  Protection protect{&raw, ChooseTopCandidate(tree, raw)};
  if (protect.top >= 0 && ProseParagraphs(tree, raw, protect.top) < 2 &&
      raw.info[protect.top].own_chars < 200) {
    protect.top = -1;
  }
  int32_t container = -1;
  std::string best_text;
  for (Mode mode : {Mode::kStrict, Mode::kStructural, Mode::kLenient}) {
    Analysis strict;
    if (mode != Mode::kLenient) {
      strict = Analyze(tree, cls, mode, protect);
      ScoreParagraphs(tree, &strict);
    }
    const Analysis& a = mode == Mode::kLenient ? raw : strict;
    int32_t chosen = -1;
    std::string text = ExtractText(tree, a, article.title, &chosen);
    if (html::CodePointCount(text) > html::CodePointCount(best_text) || container < 0) {
      best_text = std::move(text);
      container = chosen;
    }
    if (static_cast<int64_t>(html::CodePointCount(best_text)) >= kRetryBelowChars) break;
    MW_RETURN_IF_ERROR(CheckBudget(start, options, "extracting text"));
  }
  article.text = std::move(best_text);
  html::FillMetadata(tree, *meta, page_url, container, &article);
  if (article.text.empty() && article.title.empty()) {
    return Status::ParseError("no article text or title found");
  }
  return article;
}

}  // namespace mw
