// mediawatch/parsers/json_feed.cc
//
// nlohmann::json is used without exceptions: parse(..., nullptr, false)
// returns a "discarded" value on error, and every access below checks the
// type first (is_string() before get_ref, find() instead of operator[] on
// const values), so nothing here can throw but std::bad_alloc.
#include "parsers/json_feed.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "parsers/feed_text.h"
#include "parsers/html_sanitizer.h"
#include "parsers/url.h"

namespace mw::feed_internal {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxTagsPerItem = 100;
constexpr size_t kMaxAuthors = 50;
constexpr size_t kMaxAttachments = 50;
constexpr size_t kMaxDateBytes = 256;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Shorten(std::string_view s, size_t max_bytes = 80) {
  std::string out(s);
  if (TruncateUtf8(&out, max_bytes)) out += "...";
  return out;
}

// Builds one Feed from a parsed document, collecting problems.
class JsonFeedBuilder {
 public:
  JsonFeedBuilder(std::string_view feed_url, const FeedParseOptions& options, ProblemLog* problems)
      : feed_url_(feed_url), options_(options), problems_(problems) {}

  Feed Build(const Json& doc) {
    Feed feed;
    feed.format = FeedFormat::kJson;
    feed.encoding = "UTF-8";
    feed.version = Version(doc);
    if (const Json* title = Member(doc, "title")) {
      feed.title = Plain(*title, "feed title");
      feed.title_type = std::string(kTextPlain);
    }
    if (const Json* home = Member(doc, "home_page_url")) {
      feed.link = Url(*home, "feed home_page_url");
      if (!feed.link.empty()) feed.links.push_back({feed.link, "alternate", "text/html", "", 0});
    }
    if (const Json* self = Member(doc, "feed_url")) {
      std::string url = Url(*self, "feed feed_url");
      if (!url.empty())
        feed.links.push_back({std::move(url), "self", "application/feed+json", "", 0});
    }
    if (const Json* description = Member(doc, "description")) {
      feed.subtitle = html::EscapeHtml(Plain(*description, "feed description"));
      feed.subtitle_type = std::string(kTextPlain);
    }
    if (const Json* language = Member(doc, "language")) {
      feed.language = Plain(*language, "feed language");
    }
    Authors(doc, &feed.author_details, "feed");
    if (!feed.author_details.empty()) feed.author = Display(feed.author_details.front());

    const Json* items = Member(doc, "items");
    if (items == nullptr || !items->is_array()) {
      Problem("JSON Feed has no \"items\" array");
    } else {
      size_t count = items->size();
      if (count > options_.max_entries) {
        Problem(std::to_string(count - options_.max_entries) + " entries beyond max_entries (" +
                std::to_string(options_.max_entries) + ") dropped");
        count = options_.max_entries;
      }
      feed.entries.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        const std::string what = "entries[" + std::to_string(i) + "]";
        const Json& item = (*items)[i];
        if (!item.is_object()) {
          Problem(what + " is not an object; skipped");
          continue;
        }
        feed.entries.push_back(Item(item, feed, what));
      }
    }
    return feed;
  }

 private:
  void Problem(std::string message) { problems_->Add(std::move(message)); }

  static const Json* Member(const Json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  std::string Version(const Json& doc) {
    const Json* version = Member(doc, "version");
    if (version == nullptr || !version->is_string()) {
      Problem("JSON Feed without a \"version\"");
      return "json";
    }
    std::string v = version->get_ref<const std::string&>();
    std::transform(v.begin(), v.end(), v.begin(), AsciiLower);
    while (!v.empty() && v.back() == '/') v.pop_back();
    for (std::string_view scheme : {"https://", "http://"}) {
      if (v.rfind(scheme, 0) == 0) v.erase(0, scheme.size());
    }
    if (v == "jsonfeed.org/version/1") return "json1";
    if (v == "jsonfeed.org/version/1.1") return "json11";
    Problem("unknown JSON Feed version '" + Shorten(version->get_ref<const std::string&>()) + "'");
    return "json";
  }

  // A string member as given, capped. Integers are accepted where
  // `allow_integer` (ids: the spec says string, feeds write numbers).
  std::string Raw(const Json& value, const std::string& what, bool allow_integer = false) {
    std::string out;
    if (value.is_string()) {
      out = value.get_ref<const std::string&>();
    } else if (allow_integer && (value.is_number_integer() || value.is_number_unsigned())) {
      out = value.dump();
    } else {
      Problem(what + " is not a string; ignored");
      return {};
    }
    if (TruncateUtf8(&out, options_.max_field_bytes)) {
      Problem(what + " truncated to " + std::to_string(options_.max_field_bytes) + " bytes");
    }
    return out;
  }

  // Text shown as text: markup-free, whitespace collapsed.
  std::string Plain(const Json& value, const std::string& what) {
    return MarkupFreeText(Raw(value, what));
  }

  std::string Url(const Json& value, const std::string& what) {
    const std::string raw(TrimXmlSpace(Raw(value, what)));
    if (raw.empty()) return {};
    Result<std::string> resolved = ResolveUrl(feed_url_, raw);
    if (!resolved.ok()) {
      Problem(what + " '" + Shorten(raw) + "' unusable: " + resolved.status().message());
      return {};
    }
    return std::move(resolved).value();
  }

  std::string Html(const Json& value, const std::string& what) {
    html::SanitizerOptions sanitizer;
    sanitizer.base_url = feed_url_;
    html::SanitizedHtml clean = html::SanitizeHtml(Raw(value, what), sanitizer);
    if (clean.reduced_to_text) Problem(what + ": markup nested too deeply; kept as text");
    std::string out = std::move(clean.html);
    if (TruncateUtf8(&out, options_.max_field_bytes)) {
      // Every '<' and '&' in sanitized output starts a tag or a reference.
      const size_t lt = out.rfind('<');
      if (lt != std::string::npos && out.find('>', lt) == std::string::npos) out.resize(lt);
      const size_t amp = out.rfind('&');
      if (amp != std::string::npos && out.find(';', amp) == std::string::npos) out.resize(amp);
      Problem(what + " truncated to " + std::to_string(options_.max_field_bytes) + " bytes");
    }
    return out;
  }

  std::optional<int64_t> Date(const Json& value, const std::string& what) {
    if (!value.is_string()) {
      Problem(what + " is not a string; ignored");
      return std::nullopt;
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (auto t = ParseFeedDate(text.substr(0, kMaxDateBytes))) return t;
    Problem(what + ": unparseable date '" + Shorten(text) + "'");
    return std::nullopt;
  }

  // As for Atom: the name, else the email.
  static std::string Display(const Person& p) { return p.name.empty() ? p.email : p.name; }

  // JSON Feed 1.1 "authors" (array), else 1.0 "author" (object).
  void Authors(const Json& object, std::vector<Person>* out, const std::string& what) {
    std::vector<const Json*> people;
    if (const Json* authors = Member(object, "authors");
        authors != nullptr && authors->is_array()) {
      for (const Json& a : *authors) people.push_back(&a);
    } else if (const Json* author = Member(object, "author")) {
      people.push_back(author);
    }
    for (const Json* a : people) {
      if (out->size() >= kMaxAuthors) break;
      if (!a->is_object()) {
        Problem(what + " author is not an object; ignored");
        continue;
      }
      Person p;
      if (const Json* name = Member(*a, "name")) p.name = Plain(*name, what + " author name");
      if (const Json* url = Member(*a, "url")) {
        // JSON Feed allows mailto: here; Person::uri is http(s) only.
        const std::string raw(TrimXmlSpace(Raw(*url, what + " author url")));
        if (raw.rfind("mailto:", 0) == 0) {
          p.email = raw.substr(7);
        } else {
          p.uri = Url(*url, what + " author url");
        }
      }
      if (!p.name.empty() || !p.email.empty() || !p.uri.empty()) out->push_back(std::move(p));
    }
  }

  FeedEntry Item(const Json& item, const Feed& feed, const std::string& what) {
    FeedEntry e;
    if (const Json* id = Member(item, "id"))
      e.id = std::string(TrimXmlSpace(Raw(*id, what + " id", /*allow_integer=*/true)));
    if (const Json* url = Member(item, "url")) {
      e.link = Url(*url, what + " url");
      if (!e.link.empty()) e.links.push_back({e.link, "alternate", "text/html", "", 0});
    }
    if (const Json* external = Member(item, "external_url")) {
      std::string url = Url(*external, what + " external_url");
      if (!url.empty()) e.links.push_back({std::move(url), "related", "", "", 0});
    }
    if (const Json* title = Member(item, "title")) {
      e.title = Plain(*title, what + " title");
      e.title_type = std::string(kTextPlain);
    }
    if (const Json* content = Member(item, "content_html")) {
      e.content = Html(*content, what + " content_html");
      e.content_type = std::string(kTextHtml);
    } else if (const Json* text = Member(item, "content_text")) {
      e.content = html::EscapeHtml(StripActiveMarkup(Raw(*text, what + " content_text")));
      e.content_type = std::string(kTextPlain);
    }
    if (const Json* summary = Member(item, "summary")) {
      e.summary = html::EscapeHtml(Plain(*summary, what + " summary"));
      e.summary_type = std::string(kTextPlain);
    }
    if (const Json* published = Member(item, "date_published")) {
      e.published = Date(*published, what + " date_published");
    }
    if (const Json* modified = Member(item, "date_modified")) {
      e.updated = Date(*modified, what + " date_modified");
    }
    Authors(item, &e.author_details, what);
    // JSON Feed 1.1: items without authors inherit the feed's.
    if (e.author_details.empty()) e.author_details = feed.author_details;
    for (const Person& p : e.author_details) e.authors.push_back(Display(p));
    if (!e.authors.empty()) e.author = e.authors.front();
    if (const Json* tags = Member(item, "tags"); tags != nullptr && tags->is_array()) {
      std::set<std::string> seen;
      for (const Json& tag : *tags) {
        if (e.tags.size() >= kMaxTagsPerItem) {
          Problem(what + ": more than " + std::to_string(kMaxTagsPerItem) +
                  " tags; the rest dropped");
          break;
        }
        std::string term = Plain(tag, what + " tag");
        if (term.empty() || !seen.insert(term).second) continue;
        e.categories.push_back(term);
        e.tags.push_back({std::move(term), "", ""});
      }
    }
    if (const Json* attachments = Member(item, "attachments");
        attachments != nullptr && attachments->is_array()) {
      for (const Json& a : *attachments) {
        if (e.enclosures.size() >= kMaxAttachments) break;
        const Json* url = Member(a, "url");
        if (url == nullptr) continue;
        Enclosure enclosure;
        enclosure.url = Url(*url, what + " attachment url");
        if (enclosure.url.empty()) continue;
        if (const Json* type = Member(a, "mime_type")) {
          enclosure.type = Plain(*type, what + " attachment mime_type");
        }
        if (const Json* size = Member(a, "size_in_bytes");
            size != nullptr && size->is_number_integer() && size->get<int64_t>() > 0) {
          enclosure.length = size->get<int64_t>();
        }
        std::string title;
        if (const Json* t = Member(a, "title")) title = Plain(*t, what + " attachment title");
        e.links.push_back(
            {enclosure.url, "enclosure", enclosure.type, std::move(title), enclosure.length});
        e.enclosures.push_back(std::move(enclosure));
      }
    }
    if (const Json* language = Member(item, "language")) {
      e.language = Plain(*language, what + " language");
    }
    if (e.id.empty()) e.id = e.link;
    if (!e.published) e.published = e.updated;
    if (e.link.empty()) Problem(what + " has no link");
    return e;
  }

  std::string_view feed_url_;
  const FeedParseOptions& options_;
  ProblemLog* problems_;
};

}  // namespace

bool LooksLikeJsonFeed(std::string_view body, std::string_view content_type) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  body = TrimXmlSpace(body);
  // The body decides when it can: servers label feeds wrongly all the time.
  if (!body.empty() && body.front() == '{') return true;
  if (!body.empty() && body.front() == '<') return false;
  std::string type(TrimXmlSpace(content_type.substr(0, content_type.find(';'))));
  std::transform(type.begin(), type.end(), type.begin(), AsciiLower);
  return type == "application/json" || type == "application/feed+json" || type.ends_with("+json");
}

int JsonNestingDepth(std::string_view json, int limit) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

Result<Feed> ParseJsonFeed(std::string_view body, std::string_view feed_url,
                           const FeedParseOptions& options, ProblemLog* problems) {
  if (body.size() > options.max_bytes) {
    return Status::TooLarge("feed body of " + std::to_string(body.size()) +
                            " bytes exceeds max_bytes (" + std::to_string(options.max_bytes) + ")");
  }
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  // nlohmann's parser is iterative, but its values are trees and the walk
  // below is not: refuse deep nesting before parsing.
  if (JsonNestingDepth(body, options.max_depth) > options.max_depth) {
    return Status::TooLarge("JSON nesting deeper than max_depth (" +
                            std::to_string(options.max_depth) + ")");
  }
  std::string utf8;
  if (const size_t bad = RepairUtf8(body, &utf8); bad > 0) {
    problems->Add(std::to_string(bad) +
                  " invalid byte sequence(s) in UTF-8 replaced by U+FFFD (JSON must be UTF-8)");
  }
  const Json doc = Json::parse(utf8, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::ParseError("not a JSON Feed: invalid JSON");
  if (!doc.is_object()) return Status::ParseError("not a JSON Feed: the document is not an object");
  const auto version = doc.find("version");
  const bool says_json_feed =
      version != doc.end() && version->is_string() &&
      version->get_ref<const std::string&>().find("jsonfeed.org") != std::string::npos;
  if (!says_json_feed && doc.find("items") == doc.end()) {
    return Status::ParseError(
        "not a JSON Feed: no \"version\" naming jsonfeed.org and no \"items\"");
  }
  return JsonFeedBuilder(feed_url, options, problems).Build(doc);
}

}  // namespace mw::feed_internal
