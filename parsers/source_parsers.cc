// mediawatch/parsers/source_parsers.cc
//
// Sitemaps and OPML go through sitemap_xml.h (libxml2 in its safe
// configuration, copied into a plain tree); HTML link pages through
// charset.h (decoding) and html_tree.h (Gumbo, flat pre-order array, so
// every walk here is a loop). Link patterns are ICU regular expressions run
// with a per-URL time limit and a per-page step budget (see LinkMatcher).
#include "parsers/source_parsers.h"

#include <unicode/regex.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/feed_text.h"
#include "parsers/html_tree.h"
#include "parsers/sitemap_xml.h"
#include "parsers/url.h"

namespace mw {
namespace {

using feed_internal::CollapseWhitespace;
using feed_internal::Shorten;
using feed_internal::TrimXmlSpace;
using feed_internal::TruncateUtf8;
using source_internal::ProblemList;
using source_internal::XmlElement;
using source_internal::XmlTree;

constexpr std::string_view kSitemapNs = "http://www.sitemaps.org/schemas/sitemap/0.9";
// Google's names from before sitemaps.org; still served by old CMSs.
constexpr std::string_view kGoogleSitemap084Ns = "http://www.google.com/schemas/sitemap/0.84";
constexpr std::string_view kGoogleSitemap09Ns = "http://www.google.com/schemas/sitemap/0.9";
constexpr std::string_view kNewsNs = "http://www.google.com/schemas/sitemap-news/0.9";

// 1990-01-01T00:00:00Z: earlier dates are implausible for news (feed_parser.h).
constexpr int64_t kEarliestPlausibleDate = 631152000;
constexpr int64_t kFutureToleranceSeconds = 48 * 3600;
constexpr size_t kMaxKeywordsPerEntry = 100;

// ---- link pattern limits (the header promises a bounded cost per page).
constexpr size_t kMaxPatternBytes = 4096;
// ICU counts match work in ticks of 10,000 steps. A URL that needs more than
// kTicksPerUrl (~1M steps, about 20 ms of backtracking on our build machine)
// is taken as not matching; a page whose URLs need more than kTicksPerPage
// in all (~0.4 s) stops matching there. Both are counted in steps, not time, so results do not
// depend on the machine.
constexpr int32_t kTicksPerUrl = 100;
constexpr int64_t kTicksPerPage = 2000;
// ICU's backtracking stack per match (heap, not the C stack).
constexpr int32_t kRegexStackBytes = 1 << 20;
// <a> elements examined per page; each costs < 1 tick when it does not time
// out, so this bounds the work ICU does without ever reaching the callback.
constexpr size_t kMaxLinksExamined = 20000;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int64_t NowOr(const FeedParseOptions& options) {
  if (options.now) return *options.now;
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// FeedEntry::links holds every link of an entry; ours have only the one.
Link AlternateLink(const std::string& href) {
  Link link;
  link.href = href;
  link.rel = "alternate";
  return link;
}

// A sitemap field: whitespace collapsed, capped at max_field_bytes.
std::string FieldText(const XmlElement& el, const FeedParseOptions& options,
                      const std::string& what, ProblemList* problems) {
  std::string out = CollapseWhitespace(el.text);
  const bool cut = TruncateUtf8(&out, options.max_field_bytes);
  if (cut || el.truncated) {
    problems->Add(what + " truncated to " + std::to_string(options.max_field_bytes) + " bytes");
  }
  return out;
}

// ================================================================== sitemaps

bool IsSitemapNs(std::string_view ns) {
  return ns == kSitemapNs || ns == kGoogleSitemap084Ns || ns == kGoogleSitemap09Ns;
}

class SitemapBuilder {
 public:
  SitemapBuilder(const XmlTree& tree, std::string_view url, const FeedParseOptions& options,
                 ProblemList* problems)
      : tree_(tree),
        root_(tree.elements.front()),
        url_(url),
        options_(options),
        problems_(problems),
        now_(NowOr(options)) {}

  Feed Build() {
    Feed feed;
    feed.encoding = tree_.charset;
    if (!root_.ns.empty() && !IsSitemapNs(root_.ns)) {
      problems_->Add("<" + root_.name + "> in namespace '" + Shorten(root_.ns) +
                     "' read as a sitemap");
    }
    if (root_.name == "sitemapindex") {
      feed.format = FeedFormat::kSitemapIndex;
      feed.version = "sitemapindex";
      BuildIndex(&feed);
    } else {
      feed.format = FeedFormat::kSitemap;
      feed.version = "sitemap";
      BuildUrlset(&feed);
    }
    return feed;
  }

 private:
  // Sitemap vocabulary, namespace-tolerant: no namespace (many sites omit
  // it), the root's own namespace, or one of the known sitemap namespaces.
  bool IsSitemapElement(const XmlElement& el, std::string_view local) const {
    return el.name == local && (el.ns.empty() || el.ns == root_.ns || IsSitemapNs(el.ns));
  }

  // Google News vocabulary: its namespace, or the conventional "news:"
  // prefix left undeclared, or no namespace at all inside <news:news>.
  static bool IsNewsElement(const XmlElement& el, std::string_view local) {
    if (el.name != local) return false;
    if (el.ns == kNewsNs) return true;
    if (el.ns.empty()) return true;
    // Sites mistype the version or scheme of the namespace.
    return el.ns.find("sitemap-news") != std::string::npos;
  }

  const XmlElement* SitemapChild(const XmlElement& parent, std::string_view local) const {
    for (int32_t c : parent.children) {
      if (IsSitemapElement(tree_.elements[c], local)) return &tree_.elements[c];
    }
    return nullptr;
  }

  const XmlElement* NewsChild(const XmlElement& parent, std::string_view local) const {
    for (int32_t c : parent.children) {
      if (IsNewsElement(tree_.elements[c], local)) return &tree_.elements[c];
    }
    return nullptr;
  }

  // The direct <news:news> child of a <url>: in the news namespace, or with
  // the "news" prefix when the namespace was never declared.
  const XmlElement* NewsBlock(const XmlElement& url) const {
    for (int32_t c : url.children) {
      const XmlElement& el = tree_.elements[c];
      if (el.name != "news") continue;
      if (el.ns == kNewsNs || el.ns.find("sitemap-news") != std::string::npos) return &el;
      if (el.ns.empty() && (el.prefix == "news" || el.prefix.empty())) return &el;
    }
    return nullptr;
  }

  // The absolute http(s) URL in a <loc>, or "" (with a problem recorded).
  std::string Location(const XmlElement* loc, const std::string& what) {
    if (loc == nullptr) {
      problems_->Add(what + " has no <loc>; skipped");
      return {};
    }
    const std::string_view raw = TrimXmlSpace(loc->text);
    if (raw.empty()) {
      problems_->Add(what + " has an empty <loc>; skipped");
      return {};
    }
    if (loc->truncated || raw.size() > options_.max_field_bytes) {
      problems_->Add(what + " <loc> longer than max_field_bytes; skipped");
      return {};
    }
    Result<std::string> resolved = ResolveUrl(url_, raw);
    if (!resolved.ok()) {
      problems_->Add(what + " <loc> '" + Shorten(raw) +
                     "' skipped: " + resolved.status().message());
      return {};
    }
    return std::move(resolved).value();
  }

  // A date element, with the plausibility rule of feed_parser.h.
  std::optional<int64_t> Date(const XmlElement* el, const std::string& what, FeedEntry* entry) {
    if (el == nullptr) return std::nullopt;
    const std::string text = CollapseWhitespace(el->text.substr(0, 256));
    if (text.empty()) return std::nullopt;
    std::optional<int64_t> t = ParseAnyDate(text);
    if (!t) {
      problems_->Add(what + ": unparseable date '" + Shorten(text) + "'");
      return std::nullopt;
    }
    if (*t < kEarliestPlausibleDate || *t > now_ + kFutureToleranceSeconds) {
      problems_->Add(what + ": implausible date '" + Shorten(text) +
                     "' replaced by the fetch time");
      entry->date_replaced = true;
      return now_;
    }
    return t;
  }

  void BuildUrlset(Feed* feed) {
    std::set<std::string> seen;
    size_t dropped = 0;
    size_t duplicates = 0;
    size_t index = 0;
    for (int32_t c : root_.children) {
      const XmlElement& url_el = tree_.elements[c];
      if (!IsSitemapElement(url_el, "url")) continue;
      const std::string what = "url[" + std::to_string(index++) + "]";
      if (feed->entries.size() >= options_.max_entries) {
        ++dropped;
        continue;
      }
      FeedEntry entry;
      entry.link = Location(SitemapChild(url_el, "loc"), what);
      if (entry.link.empty()) continue;
      if (!seen.insert(entry.link).second) {
        ++duplicates;
        continue;
      }
      entry.id = entry.link;
      entry.links.push_back(AlternateLink(entry.link));
      entry.updated = Date(SitemapChild(url_el, "lastmod"), what + " lastmod", &entry);
      if (const XmlElement* news = NewsBlock(url_el)) ReadNews(*news, what, feed, &entry);
      // As for feeds (feed_parser.cc): an entry without a publication date
      // is dated by its last modification.
      if (!entry.published) entry.published = entry.updated;
      feed->entries.push_back(std::move(entry));
    }
    if (duplicates > 0) {
      problems_->Add(std::to_string(duplicates) + " duplicate <loc>s skipped");
    }
    if (dropped > 0) {
      problems_->Add(std::to_string(dropped) + " entries beyond max_entries (" +
                     std::to_string(options_.max_entries) + ") dropped");
    }
  }

  void ReadNews(const XmlElement& news, const std::string& what, Feed* feed, FeedEntry* entry) {
    if (const XmlElement* title = NewsChild(news, "title")) {
      entry->title = FieldText(*title, options_, what + " news:title", problems_);
      entry->title_type = std::string(kTextPlain);  // the schema's type
    }
    entry->published =
        Date(NewsChild(news, "publication_date"), what + " news:publication_date", entry);
    if (const XmlElement* publication = NewsChild(news, "publication")) {
      if (const XmlElement* language = NewsChild(*publication, "language")) {
        entry->language = FieldText(*language, options_, what + " news:language", problems_);
      }
      // The publication name is the source's name: the sitemap has no title
      // of its own, so the first name becomes the feed title.
      if (const XmlElement* name = NewsChild(*publication, "name"); name && feed->title.empty()) {
        feed->title = FieldText(*name, options_, what + " news:name", problems_);
      }
    }
    if (const XmlElement* keywords = NewsChild(news, "keywords")) {
      const std::string all = FieldText(*keywords, options_, what + " news:keywords", problems_);
      std::set<std::string> seen;
      size_t start = 0;
      while (start <= all.size() && entry->categories.size() < kMaxKeywordsPerEntry) {
        size_t comma = all.find(',', start);
        if (comma == std::string::npos) comma = all.size();
        std::string keyword =
            CollapseWhitespace(std::string_view(all).substr(start, comma - start));
        if (!keyword.empty() && seen.insert(keyword).second) {
          // feed_parser.h: tags[i].term == categories[i].
          entry->tags.push_back(Tag{keyword, "", ""});
          entry->categories.push_back(std::move(keyword));
        }
        start = comma + 1;
      }
    }
  }

  void BuildIndex(Feed* feed) {
    std::set<std::string> seen;
    size_t dropped = 0;
    size_t index = 0;
    for (int32_t c : root_.children) {
      const XmlElement& sitemap = tree_.elements[c];
      if (!IsSitemapElement(sitemap, "sitemap")) continue;
      const std::string what = "sitemap[" + std::to_string(index++) + "]";
      if (feed->child_sources.size() >= options_.max_entries) {
        ++dropped;
        continue;
      }
      std::string loc = Location(SitemapChild(sitemap, "loc"), what);
      if (!loc.empty() && seen.insert(loc).second) feed->child_sources.push_back(std::move(loc));
    }
    if (dropped > 0) {
      problems_->Add(std::to_string(dropped) + " child sitemaps beyond max_entries (" +
                     std::to_string(options_.max_entries) + ") dropped");
    }
  }

  const XmlTree& tree_;
  const XmlElement& root_;
  std::string_view url_;
  const FeedParseOptions& options_;
  ProblemList* problems_;
  int64_t now_;
};

source_internal::XmlTreeOptions TreeOptions(const FeedParseOptions& options) {
  source_internal::XmlTreeOptions out;
  out.max_bytes = options.max_bytes;
  out.max_depth = options.max_depth;
  // A little past the field cap, so that FieldText sees (and reports) it.
  out.max_text_bytes =
      options.max_field_bytes > SIZE_MAX - 8 ? SIZE_MAX : options.max_field_bytes + 8;
  return out;
}

// ================================================================ link pages

struct TickBudget {
  int64_t ticks_left = kTicksPerPage;
};

// ICU calls this once per tick (10,000 steps) of a match. The context is
// const in ICU's signature; it points to a TickBudget we own and mutate.
UBool U_CALLCONV SpendTick(const void* context, int32_t /*steps*/) {
  auto* budget = const_cast<TickBudget*>(static_cast<const TickBudget*>(context));
  return --budget->ticks_left > 0;
}

// A compiled link pattern with a reusable matcher. Not copyable (the matcher
// points into the pattern and at the budget).
class LinkMatcher {
 public:
  enum class Outcome { kMatch, kNoMatch, kTimedOut, kBudgetSpent, kError };

  static Result<std::unique_ptr<LinkMatcher>> Create(std::string_view pattern) {
    if (pattern.empty()) {
      return Status::InvalidArgument("empty link pattern (use \".\" to keep every link)");
    }
    if (pattern.size() > kMaxPatternBytes) {
      return Status::InvalidArgument("link pattern longer than " +
                                     std::to_string(kMaxPatternBytes) + " bytes");
    }
    auto out = std::unique_ptr<LinkMatcher>(new LinkMatcher());
    UErrorCode status = U_ZERO_ERROR;
    UParseError where{};
    const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
        icu::StringPiece(pattern.data(), static_cast<int32_t>(pattern.size())));
    out->pattern_.reset(icu::RegexPattern::compile(text, 0, where, status));
    if (U_FAILURE(status) || !out->pattern_) {
      return Status::InvalidArgument("invalid link pattern: " + std::string(u_errorName(status)) +
                                     " at offset " + std::to_string(where.offset));
    }
    out->matcher_.reset(out->pattern_->matcher(status));
    if (U_SUCCESS(status) && out->matcher_) {
      out->matcher_->setTimeLimit(kTicksPerUrl, status);
      out->matcher_->setStackLimit(kRegexStackBytes, status);
      out->matcher_->setMatchCallback(&SpendTick, &out->budget_, status);
    }
    if (U_FAILURE(status) || !out->matcher_) {
      return Status::Internal("cannot set up the link pattern matcher: " +
                              std::string(u_errorName(status)));
    }
    return out;
  }

  // Searches `url` for the pattern. Cost: at most kTicksPerUrl ticks, and
  // kBudgetSpent once the page's budget is gone.
  Outcome Match(std::string_view url) {
    if (budget_.ticks_left <= 0) return Outcome::kBudgetSpent;
    // The matcher keeps a reference to its input: `input` outlives find().
    const icu::UnicodeString input = icu::UnicodeString::fromUTF8(
        icu::StringPiece(url.data(), static_cast<int32_t>(url.size())));
    matcher_->reset(input);
    UErrorCode status = U_ZERO_ERROR;
    const bool found = matcher_->find(status);
    if (status == U_REGEX_TIME_OUT) return Outcome::kTimedOut;
    if (status == U_REGEX_STOPPED_BY_CALLER) return Outcome::kBudgetSpent;
    if (U_FAILURE(status)) return Outcome::kError;  // e.g. U_REGEX_STACK_OVERFLOW
    return found ? Outcome::kMatch : Outcome::kNoMatch;
  }

 private:
  LinkMatcher() = default;

  std::unique_ptr<icu::RegexPattern> pattern_;
  std::unique_ptr<icu::RegexMatcher> matcher_;
  TickBudget budget_;
};

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view x : set) {
    if (s == x) return true;
  }
  return false;
}

// Elements whose text is never part of a link's visible text.
bool IsInvisible(std::string_view tag) {
  return IsOneOf(tag, {"script", "style", "template", "noscript", "head"});
}

// Text of the element at `i`, collapsed and capped; nested <a> and
// invisible subtrees are skipped, so over all links every text node is read
// at most once. Also returns the first non-empty <img alt> met.
struct LinkText {
  std::string text;
  std::string img_alt;
};

LinkText TextOfLink(const html::HtmlTree& tree, int32_t a, size_t cap) {
  LinkText out;
  std::string raw;
  const int32_t end = tree.nodes[a].subtree_end;
  for (int32_t j = a + 1; j < end && raw.size() <= cap;) {
    const html::HtmlNode& n = tree.nodes[j];
    if (n.is_text) {
      raw += n.text;
      raw += ' ';  // adjacent blocks ("<div>A</div><div>B</div>") must not merge
    } else if (n.tag == "a" || IsInvisible(n.tag)) {
      j = n.subtree_end;
      continue;
    } else if (n.tag == "img" && out.img_alt.empty()) {
      out.img_alt = CollapseWhitespace(n.Attr("alt"));
    } else if (n.tag == "br") {
      raw += ' ';
    }
    ++j;
  }
  out.text = CollapseWhitespace(raw);
  TruncateUtf8(&out.text, cap);
  TruncateUtf8(&out.img_alt, cap);
  return out;
}

// RFC 3986 section 6.2.2.1: "%c3" and "%C3" are the same octet. Link
// resolution escapes raw non-ASCII paths itself, pages often pre-escape
// them: both must give one deduplication key.
std::string UpperCasePercentEscapes(std::string url) {
  for (size_t i = 0; i + 2 < url.size(); ++i) {
    if (url[i] != '%') continue;
    for (size_t k = i + 1; k <= i + 2; ++k) {
      if (url[k] >= 'a' && url[k] <= 'f') url[k] = static_cast<char>(url[k] - 'a' + 'A');
    }
  }
  return url;
}

// True when `href` starts with a scheme (RFC 3986 section 3.1) other than
// http or https: javascript:, mailto:, tel:, data: ... links.
bool HasOtherScheme(std::string_view href) {
  size_t i = 0;
  while (i < href.size() &&
         ((href[i] >= 'a' && href[i] <= 'z') || (href[i] >= 'A' && href[i] <= 'Z') ||
          (i > 0 && ((href[i] >= '0' && href[i] <= '9') || href[i] == '+' || href[i] == '-' ||
                     href[i] == '.')))) {
    ++i;
  }
  if (i == 0 || i == href.size() || href[i] != ':') return false;
  const std::string scheme = LowerAscii(href.substr(0, i));
  return scheme != "http" && scheme != "https";
}

std::string_view WithoutFragment(std::string_view url) {
  const size_t hash = url.find('#');
  return hash == std::string_view::npos ? url : url.substr(0, hash);
}

// Page metadata: the document base (first <base href>, resolved against the
// page URL), <title> and <html lang>.
struct PageInfo {
  std::string base;
  std::string title;
  std::string language;
};

PageInfo ReadPageInfo(const html::HtmlTree& tree, std::string_view url,
                      const FeedParseOptions& options, ProblemList* problems) {
  PageInfo info;
  info.base = std::string(url);
  bool base_seen = false;
  bool title_seen = false;
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    const html::HtmlNode& n = tree.nodes[i];
    if (n.is_text) continue;
    if (n.tag == "html" && info.language.empty()) {
      info.language = CollapseWhitespace(n.Attr("lang"));
      TruncateUtf8(&info.language, 64);
    } else if (n.tag == "base" && !base_seen && n.HasAttr("href")) {
      // HTML: only the first <base> with an href counts, wherever it is.
      base_seen = true;
      Result<std::string> base = ResolveUrl(url, n.Attr("href"));
      if (base.ok()) {
        info.base = std::move(base).value();
      } else {
        problems->Add("<base href='" + Shorten(n.Attr("href")) +
                      "'> ignored: " + base.status().message());
      }
    } else if (n.tag == "title" && !title_seen) {
      title_seen = true;
      std::string raw;
      for (int32_t c : n.children) {
        if (tree.nodes[c].is_text) raw += tree.nodes[c].text;
      }
      info.title = CollapseWhitespace(raw);
      TruncateUtf8(&info.title, options.max_field_bytes);
    }
  }
  return info;
}

// ====================================================================== OPML

constexpr size_t kMaxOpmlCategoryDepth = 64;

// An absolute http(s) URL as given (trimmed), or "" when it is anything else.
std::string AbsoluteHttpUrl(const std::string* raw) {
  if (raw == nullptr) return {};
  const std::string_view trimmed = TrimXmlSpace(*raw);
  if (trimmed.empty()) return {};
  // An empty base makes ResolveUrl accept only absolute URLs.
  Result<std::string> url = ResolveUrl("", trimmed);
  return url.ok() ? std::move(url).value() : std::string();
}

std::vector<std::string> CategorySegments(std::string_view category) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= category.size() && out.size() < kMaxOpmlCategoryDepth) {
    size_t slash = category.find('/', start);
    if (slash == std::string_view::npos) slash = category.size();
    std::string segment = CollapseWhitespace(category.substr(start, slash - start));
    if (!segment.empty()) out.push_back(std::move(segment));
    start = slash + 1;
  }
  return out;
}

void AppendAttribute(std::string_view name, std::string_view value, std::string* out) {
  *out += ' ';
  *out += name;
  *out += "=\"";
  source_internal::AppendXmlEscaped(value, out);
  *out += '"';
}

}  // namespace

// ================================================================ public API

Result<Feed> ParseSitemap(std::string_view body, std::string_view content_type,
                          std::string_view url, const FeedParseOptions& options) {
  if (body.size() > options.max_bytes) {
    return Status::TooLarge("sitemap of " + std::to_string(body.size()) +
                            " bytes exceeds max_bytes (" + std::to_string(options.max_bytes) + ")");
  }
  // A .xml.gz file served as application/gzip or octet-stream (no
  // Content-Encoding) reaches us still compressed. Decompressing here would
  // need its own bomb guard; servers always have the plain file too.
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
      static_cast<unsigned char>(body[1]) == 0x8b) {
    return Status::Unsupported(
        "gzip-compressed sitemap files are not supported (fetch the uncompressed .xml, or serve "
        "it with Content-Encoding: gzip)");
  }
  Result<XmlTree> tree = source_internal::ParseXmlTree(body, content_type, TreeOptions(options));
  if (!tree.ok()) return tree.status();
  const XmlElement& root = tree->elements.front();
  if (root.name != "urlset" && root.name != "sitemapindex") {
    return Status::ParseError("not a sitemap: root element <" + Shorten(root.name, 40) + ">");
  }
  ProblemList problems;
  for (std::string& p : tree->problems) problems.Add(std::move(p));
  Feed feed = SitemapBuilder(*tree, url, options, &problems).Build();
  feed.problems = problems.Take();
  return feed;
}

std::string CheckLinkPattern(std::string_view pattern) {
  Result<std::unique_ptr<LinkMatcher>> matcher = LinkMatcher::Create(pattern);
  return matcher.ok() ? std::string() : matcher.status().message();
}

Result<Feed> ParseLinkPage(std::string_view body, std::string_view content_type,
                           std::string_view url, std::string_view pattern,
                           const FeedParseOptions& options) {
  Result<std::unique_ptr<LinkMatcher>> matcher = LinkMatcher::Create(pattern);
  if (!matcher.ok()) return matcher.status();
  if (body.size() > options.max_bytes) {
    return Status::TooLarge("HTML page of " + std::to_string(body.size()) +
                            " bytes exceeds max_bytes (" + std::to_string(options.max_bytes) + ")");
  }
  Result<DecodedText> decoded = DecodeHtml(body, content_type, options.max_bytes);
  if (!decoded.ok()) return decoded.status();
  // HtmlParseOptions' defaults: section pages nest deeper than feeds, so
  // FeedParseOptions::max_depth (meant for XML) does not apply here.
  Result<html::HtmlTree> tree = html::ParseHtmlTree(decoded->utf8, html::HtmlParseOptions{});
  if (!tree.ok()) return tree.status();

  ProblemList problems;
  if (decoded->replacements > 0) {
    problems.Add(std::to_string(decoded->replacements) + " invalid " + decoded->charset +
                 " byte sequences replaced by U+FFFD");
  }
  if (tree->dropped_deep_elements > 0) {
    problems.Add(std::to_string(tree->dropped_deep_elements) +
                 " elements nested too deeply were dropped");
  }
  const PageInfo page = ReadPageInfo(*tree, url, options, &problems);

  Feed feed;
  feed.format = FeedFormat::kHtmlLinks;
  feed.version = "html";
  feed.encoding = decoded->charset;
  feed.title = page.title;
  feed.link = std::string(url);
  feed.language = page.language;

  std::map<std::string, size_t> entry_by_key;  // canonical URL -> index in entries
  std::vector<int> title_strength;             // per entry: 0 none, 1 attribute/alt, 2 text
  size_t examined = 0;
  size_t unresolvable = 0;
  size_t timed_out = 0;
  size_t dropped = 0;
  bool budget_spent = false;
  std::string first_unresolvable;
  for (size_t i = 0; i < tree->nodes.size() && !budget_spent; ++i) {
    const html::HtmlNode& a = tree->nodes[i];
    if (a.is_text || a.tag != "a" || !a.HasAttr("href")) continue;
    const std::string_view href = TrimXmlSpace(a.Attr("href"));
    // Fragment-only links point into this page.
    if (href.empty() || href.front() == '#') continue;
    if (++examined > kMaxLinksExamined) {
      problems.Add("more than " + std::to_string(kMaxLinksExamined) +
                   " links; the rest were not examined");
      break;
    }
    // javascript:, mailto:, tel: ... are on every page: not worth a problem.
    if (HasOtherScheme(href)) continue;
    Result<std::string> resolved = ResolveUrl(page.base, href);
    if (!resolved.ok()) {
      if (unresolvable++ == 0) first_unresolvable = Shorten(href);
      continue;
    }
    const std::string link(WithoutFragment(*resolved));
    switch ((*matcher)->Match(link)) {
      case LinkMatcher::Outcome::kMatch:
        break;
      case LinkMatcher::Outcome::kNoMatch:
        continue;
      case LinkMatcher::Outcome::kTimedOut:
      case LinkMatcher::Outcome::kError:
        if (timed_out++ == 0) {
          problems.Add("link pattern exceeded its match limit on '" + Shorten(link) +
                       "' (taken as no match); simplify the pattern");
        }
        continue;
      case LinkMatcher::Outcome::kBudgetSpent:
        budget_spent = true;
        problems.Add("link pattern exceeded its budget for the page; links after '" +
                     Shorten(link) + "' were not matched");
        continue;
    }
    // Link text beats the title attribute and image alt text (a story is
    // often linked twice: thumbnail first, then headline).
    const LinkText text = TextOfLink(*tree, static_cast<int32_t>(i), options.max_field_bytes);
    std::string title = text.text;
    int strength = title.empty() ? 0 : 2;
    if (title.empty()) title = CollapseWhitespace(a.Attr("title"));
    if (title.empty()) title = text.img_alt;
    if (strength == 0 && !title.empty()) strength = 1;
    TruncateUtf8(&title, options.max_field_bytes);

    Result<std::string> canonical = CanonicalizeUrl(link);
    const std::string key = UpperCasePercentEscapes(canonical.ok() ? *canonical : link);
    if (auto it = entry_by_key.find(key); it != entry_by_key.end()) {
      // Keep the first position, and the best title seen.
      if (strength > title_strength[it->second]) {
        feed.entries[it->second].title = std::move(title);
        title_strength[it->second] = strength;
      }
      continue;
    }
    if (feed.entries.size() >= options.max_entries) {
      ++dropped;
      continue;
    }
    FeedEntry entry;
    entry.id = link;
    entry.link = link;
    entry.links.push_back(AlternateLink(link));
    entry.title = std::move(title);
    entry_by_key.emplace(key, feed.entries.size());
    title_strength.push_back(strength);
    feed.entries.push_back(std::move(entry));
  }
  if (timed_out > 1) {
    problems.Add(std::to_string(timed_out) + " links in all exceeded the pattern's match limit");
  }
  if (unresolvable > 0) {
    problems.Add(std::to_string(unresolvable) + " links could not be resolved (first: '" +
                 first_unresolvable + "')");
  }
  if (dropped > 0) {
    problems.Add(std::to_string(dropped) + " matching links beyond max_entries (" +
                 std::to_string(options.max_entries) + ") dropped");
  }
  feed.problems = problems.Take();
  return feed;
}

Result<std::vector<OpmlOutline>> ParseOpml(std::string_view body, const FeedParseOptions& options) {
  if (body.size() > options.max_bytes) {
    return Status::TooLarge("OPML document of " + std::to_string(body.size()) +
                            " bytes exceeds max_bytes (" + std::to_string(options.max_bytes) + ")");
  }
  Result<XmlTree> parsed = source_internal::ParseXmlTree(body, "", TreeOptions(options));
  if (!parsed.ok()) return parsed.status();
  const std::vector<XmlElement>& elements = parsed->elements;
  if (elements.front().name != "opml") {
    return Status::ParseError("not OPML: root element <" + Shorten(elements.front().name, 40) +
                              ">");
  }
  std::vector<OpmlOutline> out;
  int32_t body_index = -1;
  for (int32_t c : elements.front().children) {
    if (elements[c].name == "body") {
      body_index = c;
      break;
    }
  }
  if (body_index < 0) return out;

  // Elements are in pre-order, so <body>'s subtree is the run of elements
  // after it that are deeper; `path` holds the enclosing outlines (depth,
  // title), popped as the walk leaves them. O(elements).
  struct Open {
    int32_t depth;
    std::string title;
  };
  std::vector<Open> path;
  const int32_t body_depth = elements[body_index].depth;
  for (size_t i = static_cast<size_t>(body_index) + 1;
       i < elements.size() && elements[i].depth > body_depth && out.size() < options.max_entries;
       ++i) {
    const XmlElement& el = elements[i];
    if (el.name != "outline") continue;
    while (!path.empty() && path.back().depth >= el.depth) path.pop_back();

    const std::string* text = el.Attr("text");
    if (text == nullptr || TrimXmlSpace(*text).empty()) text = el.Attr("title");
    std::string title = text == nullptr ? std::string() : CollapseWhitespace(*text);
    TruncateUtf8(&title, options.max_field_bytes);

    const std::string type = LowerAscii(TrimXmlSpace(el.Attr("type") ? *el.Attr("type") : ""));
    const std::string* feed_url = el.Attr("xmlUrl");
    if (feed_url == nullptr && (type == "rss" || type == "atom")) feed_url = el.Attr("url");
    if (feed_url != nullptr) {
      std::string xml_url = AbsoluteHttpUrl(feed_url);
      // Relative and non-http(s) feed URLs cannot be fetched: skipped.
      if (!xml_url.empty() && xml_url.size() <= options.max_field_bytes) {
        OpmlOutline outline;
        outline.title = title;
        outline.xml_url = std::move(xml_url);
        outline.html_url = AbsoluteHttpUrl(el.Attr("htmlUrl"));
        if (outline.html_url.size() > options.max_field_bytes) outline.html_url.clear();
        if (const std::string* language = el.Attr("language")) {
          outline.language = CollapseWhitespace(*language);
          TruncateUtf8(&outline.language, options.max_field_bytes);
        }
        for (const Open& o : path) {
          if (o.title.empty()) continue;
          if (!outline.category.empty()) outline.category += '/';
          outline.category += o.title;
        }
        TruncateUtf8(&outline.category, options.max_field_bytes);
        out.push_back(std::move(outline));
      }
    }
    path.push_back({el.depth, std::move(title)});
  }
  return out;
}

std::string WriteOpml(const std::vector<OpmlOutline>& outlines, std::string_view title) {
  // Category groups as a tree whose items keep the order in which outlines
  // and groups first appear.
  struct Item {
    bool is_group;
    size_t index;  // into `groups` or `outlines`
  };
  struct Group {
    std::string name;
    std::vector<Item> items;
  };
  std::vector<Group> groups(1);  // groups[0]: <body>
  std::map<std::pair<size_t, std::string>, size_t> child_group;
  for (size_t i = 0; i < outlines.size(); ++i) {
    size_t g = 0;
    for (std::string& segment : CategorySegments(outlines[i].category)) {
      auto [it, inserted] = child_group.try_emplace({g, segment}, groups.size());
      if (inserted) {
        groups[g].items.push_back({true, groups.size()});
        groups.push_back({std::move(segment), {}});
      }
      g = it->second;
    }
    groups[g].items.push_back({false, i});
  }

  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    "
      "<title>";
  source_internal::AppendXmlEscaped(title, &out);
  out += "</title>\n  </head>\n  <body>\n";
  // Explicit stack of (group, next item): depth is bounded by
  // kMaxOpmlCategoryDepth anyway, but no recursion is needed.
  struct Frame {
    size_t group;
    size_t next;
  };
  std::vector<Frame> stack;
  stack.push_back({0, 0});
  while (!stack.empty()) {
    Frame& frame = stack.back();
    const std::string indent(2 * (stack.size() + 1), ' ');
    if (frame.next == groups[frame.group].items.size()) {
      stack.pop_back();
      if (!stack.empty()) out += std::string(2 * (stack.size() + 1), ' ') + "</outline>\n";
      continue;
    }
    const Item item = groups[frame.group].items[frame.next++];
    if (item.is_group) {
      out += indent + "<outline";
      AppendAttribute("text", groups[item.index].name, &out);
      AppendAttribute("title", groups[item.index].name, &out);
      out += ">\n";
      stack.push_back({item.index, 0});  // invalidates `frame`
      continue;
    }
    const OpmlOutline& o = outlines[item.index];
    out += indent + "<outline";
    AppendAttribute("type", "rss", &out);
    AppendAttribute("text", o.title, &out);
    AppendAttribute("title", o.title, &out);
    AppendAttribute("xmlUrl", o.xml_url, &out);
    if (!o.html_url.empty()) AppendAttribute("htmlUrl", o.html_url, &out);
    if (!o.language.empty()) AppendAttribute("language", o.language, &out);
    out += "/>\n";
  }
  out += "  </body>\n</opml>\n";
  return out;
}

}  // namespace mw
