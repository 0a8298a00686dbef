// mediawatch/parsers/html_tree.h  (private to parsers/)
//
// A parsed HTML document as a flat array of nodes in document (pre-)order,
// built with Gumbo and detached from it: the Gumbo tree is destroyed before
// ParseHtmlTree returns, so callers never see Gumbo types.
//
// Because nodes are stored in pre-order, a node's subtree is the index range
// [i, subtree_end), children always follow their parent, and bottom-up
// aggregation is a reverse loop over the array: no recursion anywhere.
//
//   Result<HtmlTree> tree = ParseHtmlTree(utf8, {.max_depth = 512});
//   for (const HtmlNode& n : tree->nodes) ...
//
// Thread safety: reentrant; an HtmlTree is an immutable value after parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace mw::html {

struct HtmlNode {
  bool is_text = false;
  // Lower-case tag name for elements ("" for text and the document node).
  std::string tag;
  // Attribute names are lower case; values as written (entities decoded).
  std::vector<std::pair<std::string, std::string>> attributes;
  // Text nodes only (entities decoded, whitespace kept).
  std::string text;
  int32_t parent = -1;
  int32_t depth = 0;
  // One past the last index of this node's subtree.
  int32_t subtree_end = 0;
  std::vector<int32_t> children;

  // The attribute's value, or "" when absent.
  std::string_view Attr(std::string_view name) const;
  bool HasAttr(std::string_view name) const;
};

struct HtmlTree {
  // nodes[0] is the document node (tag "").
  std::vector<HtmlNode> nodes;
  // Elements (with their subtrees) deeper than max_depth that were dropped.
  size_t dropped_deep_elements = 0;
};

struct HtmlParseOptions {
  // Elements deeper than this are dropped with their subtree. Default: 512.
  int max_depth = 512;
  // Input whose approximate tag nesting (see ApproximateTagDepth) exceeds
  // this is rejected with kTooLarge before Gumbo sees it: Gumbo 0.10.1 is
  // quadratic in nesting depth.
  // Default: 1000.
  int max_markup_depth = 1000;
};

// A cheap estimate of how deep Gumbo will nest elements, from a stack of
// open element names maintained roughly as the HTML tree builder does: an
// end tag closes the nearest open element of its name (stray end tags are
// ignored, so "<div></x>" repeated still counts as nesting); formatting
// elements (<b>, <font>, <a>...) left open by a misnested end tag stay open,
// as Gumbo reconstructs them, and a formatting end tag removes only its own
// element (adoption agency). Ignored: void elements, self-closing tags in
// SVG/MathML, elements whose end tag is optional (p, li, td, tr, ...),
// comments and raw-text contents (script, style, textarea, title). The real
// depth is usually a few levels more (html, body, p, li); nested tables can
// make it up to ~4x the estimate. Stops early once the depth exceeds
// `stop_at`. O(n * min(depth, 256)) in the worst case, O(n) on real pages.
int ApproximateTagDepth(std::string_view html, int stop_at);

// Parses UTF-8 HTML. Errors: kTooLarge when ApproximateTagDepth exceeds
// options.max_markup_depth. Cost: O(n) given the depth cap.
Result<HtmlTree> ParseHtmlTree(std::string_view utf8, const HtmlParseOptions& options);

}  // namespace mw::html
