// mediawatch/parsers/html_tree.cc
//
// Gumbo is used only here. The parse result is copied into HtmlTree with an
// explicit stack and the Gumbo output is released (its arena reset) before
// returning; the depth pre-check keeps Gumbo's quadratic tree construction
// within bounds.

#include "parsers/html_tree.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "parsers/parse_arena.h"

namespace mw::html {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool IsAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

bool IsNameEnd(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>';
}

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

// Elements that never have contents.
bool IsVoid(std::string_view name) {
  return IsOneOf(
      name, {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image",
             "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"});
}

// Elements whose end tag may be omitted: a second one closes the first, so
// they do not nest into themselves and counting them would only overestimate.
bool HasOptionalEnd(std::string_view name) {
  return IsOneOf(name, {"p",  "li", "dt",    "dd",    "option", "optgroup", "tr",
                        "td", "th", "tbody", "thead", "tfoot",  "colgroup", "caption",
                        "rb", "rt", "rp",    "rtc",   "html",   "head",     "body"});
}

// The HTML formatting elements (the adoption agency algorithm's set).
bool IsFormatting(std::string_view name) {
  return IsOneOf(name, {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike",
                        "strong", "tt", "u"});
}

// Elements whose contents are raw text up to the matching end tag.
bool IsRawText(std::string_view name) {
  return IsOneOf(name,
                 {"script", "style", "textarea", "title", "xmp", "noembed", "noframes", "iframe"});
}

// Finds `needle` (lower case) in s at or after pos, ignoring ASCII case.
// O(n * |needle|).
size_t FindNoCase(std::string_view s, size_t pos, std::string_view needle) {
  if (needle.empty() || s.size() < needle.size()) return std::string_view::npos;
  for (size_t i = pos; i + needle.size() <= s.size(); ++i) {
    if (Lower(s[i]) != needle[0]) continue;
    size_t k = 1;
    while (k < needle.size() && Lower(s[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// ---------------------------------------------------------------------------
// Gumbo ownership.

// Owns a Gumbo parse. Gumbo's string pieces point into the input, so the
// input must outlive this object (ParseHtmlTree copies what it needs first).
// Gumbo allocates from the thread's ParseArena (parse_arena.h); the
// destructor releases the whole output with one ParseArena::Reset() instead
// of gumbo_destroy_output's walk over the tree. One parse per thread at a
// time (ParseHtmlTree does not nest).
class OwnedGumboOutput {
 public:
  explicit OwnedGumboOutput(std::string_view html) : arena_(ParseArena::ForThisThread()) {
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 0;  // we never read parse errors: don't store them
    options.allocator = &ParseArena::GumboAllocate;
    options.deallocator = &ParseArena::GumboDeallocate;
    options.userdata = &arena_;
    output_ = gumbo_parse_with_options(&options, html.data(), html.size());
  }
  ~OwnedGumboOutput() { arena_.Reset(); }
  OwnedGumboOutput(const OwnedGumboOutput&) = delete;
  OwnedGumboOutput& operator=(const OwnedGumboOutput&) = delete;

  const GumboOutput* get() const { return output_; }

 private:
  ParseArena& arena_;
  GumboOutput* output_ = nullptr;
};

std::string TagName(const GumboElement& element) {
  std::string name;
  if (element.tag != GUMBO_TAG_UNKNOWN) {
    return gumbo_normalized_tagname(element.tag);  // lower case already
  } else {
    GumboStringPiece piece = element.original_tag;
    gumbo_tag_from_original_text(&piece);
    name.assign(piece.data == nullptr ? "" : piece.data, piece.length);
  }
  std::transform(name.begin(), name.end(), name.begin(), Lower);
  return name;
}

const GumboVector* ChildrenOf(const GumboNode* node) {
  switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
      return &node->v.document.children;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
      return &node->v.element.children;
    default:
      return nullptr;
  }
}

// Copies Gumbo's tree into `tree` in pre-order with an explicit stack.
// O(nodes + attributes + text).
void CopyTree(const GumboNode* document, int max_depth, HtmlTree* tree) {
  struct Frame {
    const GumboNode* node;
    int32_t parent;
  };
  std::vector<Frame> stack;
  stack.push_back({document, -1});
  while (!stack.empty()) {
    Frame frame = stack.back();
    stack.pop_back();
    const GumboNode* g = frame.node;
    int32_t depth = frame.parent < 0 ? 0 : tree->nodes[frame.parent].depth + 1;
    HtmlNode node;
    node.parent = frame.parent;
    node.depth = depth;
    switch (g->type) {
      case GUMBO_NODE_DOCUMENT:
        break;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE: {
        if (depth > max_depth) {
          ++tree->dropped_deep_elements;
          continue;
        }
        node.tag = TagName(g->v.element);
        const GumboVector& attrs = g->v.element.attributes;
        node.attributes.reserve(attrs.length);
        for (unsigned i = 0; i < attrs.length; ++i) {
          // The tokenizer has lower-cased attribute names already.
          const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
          node.attributes.emplace_back(a->name, a->value);
        }
        break;
      }
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE:
        node.is_text = true;
        node.text = g->v.text.text;
        break;
      case GUMBO_NODE_COMMENT:
        continue;
    }
    auto index = static_cast<int32_t>(tree->nodes.size());
    if (frame.parent >= 0) tree->nodes[frame.parent].children.push_back(index);
    tree->nodes.push_back(std::move(node));
    const GumboVector* children = ChildrenOf(g);
    if (children == nullptr) continue;
    // Push in reverse so the first child is popped (and numbered) first.
    for (unsigned i = children->length; i > 0; --i) {
      stack.push_back({static_cast<const GumboNode*>(children->data[i - 1]), index});
    }
  }
  // subtree_end: a reverse pass, since every child has a larger index.
  for (size_t i = tree->nodes.size(); i > 0; --i) {
    HtmlNode& n = tree->nodes[i - 1];
    n.subtree_end =
        n.children.empty() ? static_cast<int32_t>(i) : tree->nodes[n.children.back()].subtree_end;
  }
}

}  // namespace

std::string_view HtmlNode::Attr(std::string_view name) const {
  for (const auto& [k, v] : attributes) {
    if (k == name) return v;
  }
  return {};
}

bool HtmlNode::HasAttr(std::string_view name) const {
  return std::any_of(attributes.begin(), attributes.end(),
                     [&](const auto& kv) { return kv.first == name; });
}

int ApproximateTagDepth(std::string_view html, int stop_at) {
  // A stack of open element names, kept the way the tree builder would
  // keep it in the cases that matter for depth:
  //  - an end tag closes the nearest open element of that name (within a
  //    window of the top of the stack; further away, or not open at all,
  //    it is ignored, as the parser ignores stray end tags);
  //  - formatting elements above a closed non-formatting element are
  //    reopened ("reconstructed") rather than closed;
  //  - a formatting end tag removes only its element: whatever was opened
  //    inside it stays open (the adoption agency algorithm).
  // Counting start minus end tags instead is defeated by stray end tags
  // ("<div></x>" repeated nests divs while the count stays at zero).
  constexpr size_t kEndTagWindow = 256;
  struct Open {
    std::string name;
    bool formatting;
  };
  std::vector<Open> stack;
  std::unordered_map<std::string, int> open_count;
  int max_depth = 0;
  int foreign = 0;  // open <svg>/<math>: there "/>" really closes
  size_t i = 0;
  const size_t n = html.size();
  std::string name;
  auto push = [&](std::string_view tag) {
    stack.push_back({std::string(tag), IsFormatting(tag)});
    ++open_count[stack.back().name];
    max_depth = std::max(max_depth, static_cast<int>(stack.size()));
  };
  auto close_at = [&](size_t k) {  // closes stack[k] and what is above it
    std::vector<Open> reopen;
    for (size_t m = k + 1; m < stack.size(); ++m) {
      if (stack[m].formatting) reopen.push_back(std::move(stack[m]));
    }
    for (size_t m = k; m < stack.size(); ++m) {
      if (!stack[m].name.empty()) --open_count[stack[m].name];
    }
    stack.resize(k);
    for (Open& o : reopen) {
      ++open_count[o.name];
      stack.push_back(std::move(o));
    }
  };
  while (i < n && max_depth <= stop_at) {
    size_t lt = html.find('<', i);
    if (lt == std::string_view::npos || lt + 1 >= n) break;
    i = lt + 1;
    if (html.substr(lt, 4) == "<!--") {
      size_t end = html.find("-->", lt + 2);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    bool closing = html[i] == '/';
    if (closing) ++i;
    if (i >= n || !IsAlpha(html[i])) continue;  // "<!", "<?", "< ": not a tag
    name.clear();
    while (i < n && !IsNameEnd(html[i]) && name.size() < 32) name.push_back(Lower(html[i++]));
    size_t gt = html.find('>', i);
    if (gt == std::string_view::npos) break;
    bool self_closing = gt > 0 && html[gt - 1] == '/';
    i = gt + 1;
    bool is_foreign_root = name == "svg" || name == "math";
    if (IsVoid(name) || HasOptionalEnd(name)) continue;
    if (closing) {
      if (is_foreign_root && foreign > 0) --foreign;
      auto it = open_count.find(name);
      if (it == open_count.end() || it->second == 0) continue;
      size_t lowest = stack.size() > kEndTagWindow ? stack.size() - kEndTagWindow : 0;
      for (size_t k = stack.size(); k > lowest; --k) {
        if (stack[k - 1].name != name) continue;
        if (stack[k - 1].formatting) {
          --it->second;
          stack.erase(stack.begin() + static_cast<std::ptrdiff_t>(k - 1));
        } else {
          close_at(k - 1);
        }
        break;
      }
      continue;
    }
    if (self_closing && (foreign > 0 || is_foreign_root)) continue;
    if (name == "a" && open_count[name] > 0) {
      // A new <a> ends an open one (adoption agency), so unclosed links do
      // not nest; what was opened inside the old one stays open.
      for (size_t k = stack.size(); k > 0; --k) {
        if (stack[k - 1].name == "a") {
          --open_count[name];
          stack.erase(stack.begin() + static_cast<std::ptrdiff_t>(k - 1));
          break;
        }
      }
    }
    if (IsRawText(name)) {  // "<script/>" is not self-closing in HTML
      std::string end_tag = "</" + name;
      size_t end = FindNoCase(html, i, end_tag);
      if (end == std::string_view::npos) break;
      i = end;  // the end tag itself is read next
    }
    if (is_foreign_root) ++foreign;
    push(name);
  }
  return max_depth;
}

Result<HtmlTree> ParseHtmlTree(std::string_view utf8, const HtmlParseOptions& options) {
  int depth = ApproximateTagDepth(utf8, options.max_markup_depth);
  if (depth > options.max_markup_depth) {
    return Status::TooLarge("HTML nests tags deeper than " +
                            std::to_string(options.max_markup_depth) +
                            " levels (rejected before parsing: the parser is quadratic in depth)");
  }
  OwnedGumboOutput parsed(utf8);
  if (parsed.get() == nullptr || parsed.get()->document == nullptr) {
    return Status::ParseError("HTML parser produced no document");
  }
  HtmlTree tree;
  tree.nodes.reserve(utf8.size() / 64 + 16);  // about one node per 50-100 bytes
  CopyTree(parsed.get()->document, options.max_depth, &tree);
  return tree;
}

}  // namespace mw::html
