// Conformance of parsers/feed_parser.h against feedparser's test corpus in
// ../shared/corpora/feedparser (see its README for the file formats):
//   - core_simple.jsonl: 489 cases of field checks, every one run; feedparser
//     field names are mapped onto ours (the alias table is MapPath below), and
//     a check of a field we do not model fails;
//   - date_vectors.json: all 72 date vectors through ParseFeedDate;
//   - subsets.json encoding subsets (BOM/declaration, HTTP Content-Type,
//     CJK and legacy, and their union): each case's Expect expression is
//     evaluated by a small interpreter for the forms those cases use;
//   - subsets.json "sanitize": 745 hostile feeds that must parse without a
//     crash and leave no script, event handler or javascript: URL anywhere.
// Each set must pass at least 95%; every failure is printed with what was
// expected and what we produced.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/feed_encoding.h"
#include "parsers/feed_parser.h"
#include "parsers/feed_text.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;

// The upstream harness serves the files from a local web server.
constexpr std::string_view kServedAt = "http://127.0.0.1:8097/";
// All feedparser fixtures date from before 2026; a fixed fetch time keeps the
// plausibility rule out of the comparisons and the test independent of the
// clock.
constexpr int64_t kNow = 1798761600;  // 2027-01-01T00:00:00Z

std::filesystem::path CorpusDir() { return testing::SharedDir() / "corpora/feedparser"; }

Result<Feed> ParseCorpusFile(const std::string& path, std::string_view content_type = "") {
  const std::string body = testing::ReadFileOrDie(CorpusDir() / path);
  FeedParseOptions options;
  options.now = kNow;
  return ParseFeed(body, content_type, std::string(kServedAt) + path, options);
}

// feedparser's "bozo": the document was not well-formed XML (libxml2's
// errors, undeclared entities) or its encoding was unknown, guessed or
// contradicted by its bytes, or it was not served as XML. Our other problems (no <channel>, an
// entry without a link, an unreadable date, <feed> in a foreign namespace) are about content, which
// feedparser does not flag.
bool Bozo(const Feed& feed) {
  for (const std::string& p : feed.problems) {
    for (std::string_view sign : {"XML line", "more XML errors", "undeclared entit", "entity &",
                                  "encoding", "charset", "U+FFFD", "not an XML media type"}) {
      if (p.find(sign) != std::string::npos) return true;
    }
  }
  return false;
}

std::string Problems(const Feed& feed) {
  std::string out;
  for (const std::string& p : feed.problems) out += (out.empty() ? "" : " | ") + p;
  return out;
}

// ------------------------------------------------------------ text helpers

std::string Collapse(std::string_view s) { return feed_internal::CollapseWhitespace(s); }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Text of an HTML fragment: tags removed, references decoded, whitespace
// collapsed. Used on both sides when comparing markup fields: feedparser
// re-serializes its sanitized HTML differently from us (attribute order,
// <br /> vs <br>, which elements it keeps), but the text must agree.
std::string TextOfHtml(std::string_view html) {
  std::string text;
  for (size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '<') {
      const size_t close = html.find('>', i);
      if (close != std::string_view::npos) {
        i = close;
        continue;
      }
    }
    text.push_back(html[i]);
  }
  return Collapse(feed_internal::DecodeCharacterReferences(text));
}

std::string Iso(std::optional<int64_t> t) { return t ? FormatIso8601Utc(*t) : "none"; }

std::string ExpectedIso(const json& tuple) {
  if (!tuple.is_array() || tuple.size() < 6) return "none";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tuple[0].get<int>(),
                tuple[1].get<int>(), tuple[2].get<int>(), tuple[3].get<int>(), tuple[4].get<int>(),
                tuple[5].get<int>());
  return buf;
}

// ================================================================ core_simple

// How an expected value is compared with ours.
enum class Compare {
  kExact,       // string equality
  kText,        // our plain text vs feedparser's value, as is or as text of HTML
  kMarkup,      // our sanitized HTML vs feedparser's, by text (see TextOfHtml)
  kDateTuple,   // feedparser's *_parsed struct_time vs our instant
  kDateString,  // feedparser keeps the raw date string; we keep the instant
  kObject,      // a dict (link, person, enclosure): exact, on the keys given
};

struct Mapped {
  json actual;  // string, or object for kObject
  Compare compare = Compare::kExact;
  // kMarkup: the type we declared for the field (a text/plain field holds
  // escaped text, so feedparser's value is compared as text, not HTML).
  std::string declared_type;
  // kExact alternatives (feedparser's "Name (email)" author form).
  std::vector<std::string> also;
};

json PersonObject(const Person& p) {
  json o = json::object();
  if (!p.name.empty()) o["name"] = p.name;
  if (!p.email.empty()) o["email"] = p.email;
  if (!p.uri.empty()) o["href"] = p.uri;
  return o;
}

json LinkObject(const Link& l) {
  json o = json::object();
  o["href"] = l.href;
  o["rel"] = l.rel;
  if (!l.type.empty()) o["type"] = l.type;
  if (!l.title.empty()) o["title"] = l.title;
  if (l.length > 0) o["length"] = std::to_string(l.length);
  return o;
}

json EnclosureObject(const Enclosure& e) {
  json o = json::object();
  o["href"] = e.url;
  if (!e.type.empty()) o["type"] = e.type;
  if (e.length > 0) o["length"] = std::to_string(e.length);
  return o;
}

// feedparser's person keys: name, email, href (alias url).
std::optional<std::string> PersonField(const Person& p, const std::string& key) {
  if (key == "name") return p.name;
  if (key == "email") return p.email;
  if (key == "href" || key == "url") return p.uri;
  return std::nullopt;
}

// The fields a feed and an entry have in common, looked up by feedparser
// name. Returns nullopt for names we do not model.
struct Common {
  std::string title, title_type, link, author, id, body, body_type;
  std::optional<int64_t> updated, published, created;
  const std::vector<Person>* authors;
  const std::vector<Person>* contributors;
  const std::vector<Link>* links;
  const std::vector<Tag>* tags;
};

// feedparser's author string: RSS as written, Atom "Name (email)".
std::vector<std::string> AuthorForms(const Common& c) {
  std::vector<std::string> forms = {c.author};
  if (!c.authors->empty()) {
    const Person& p = c.authors->front();
    if (!p.name.empty() && !p.email.empty()) forms.push_back(p.name + " (" + p.email + ")");
  }
  return forms;
}

std::optional<Mapped> MapCommon(const Common& c, const json& path, size_t at) {
  auto key = [&](size_t i) {
    return i < path.size() && path[i].is_string() ? path[i].get<std::string>() : std::string();
  };
  auto index = [&](size_t i) -> std::optional<size_t> {
    return i < path.size() && path[i].is_number() ? std::optional(path[i].get<size_t>())
                                                  : std::nullopt;
  };
  const std::string k = key(at);
  const std::string sub = key(at + 1);
  const bool last = path.size() == at + 1;
  if (k == "title" || (k == "title_detail" && sub == "value")) {
    return Mapped{c.title, Compare::kText};
  }
  if (k == "title_detail" && sub == "type") return Mapped{c.title_type};
  if (k == "link" && last) return Mapped{c.link};
  if (k == "id" || k == "guid") return Mapped{c.id};
  // Summary (feed: subtitle) and its aliases.
  if (k == "summary" || k == "description" || k == "subtitle" || k == "tagline" ||
      ((k == "summary_detail" || k == "subtitle_detail") && sub == "value")) {
    return Mapped{c.body, Compare::kMarkup, c.body_type};
  }
  if ((k == "summary_detail" || k == "subtitle_detail") && sub == "type") {
    return Mapped{c.body_type};
  }
  if (k == "author" && last) {
    std::vector<std::string> forms = AuthorForms(c);
    return Mapped{forms.front(), Compare::kExact, "", forms};
  }
  if (k == "author_detail" && !c.authors->empty()) {
    if (auto v = PersonField(c.authors->front(), sub)) return Mapped{*v};
    return std::nullopt;
  }
  if (k == "author_detail") return Mapped{""};
  for (const auto& [name, people] :
       {std::pair{"authors", c.authors}, std::pair{"contributors", c.contributors}}) {
    if (k != name) continue;
    const auto i = index(at + 1);
    if (!i) return std::nullopt;
    if (*i >= people->size()) return Mapped{"<none>"};
    if (path.size() == at + 2) return Mapped{PersonObject((*people)[*i]), Compare::kObject};
    if (auto v = PersonField((*people)[*i], key(at + 2))) return Mapped{*v};
    return std::nullopt;
  }
  if (k == "links") {
    const auto i = index(at + 1);
    if (!i) return std::nullopt;
    if (*i >= c.links->size()) return Mapped{"<none>"};
    const json link = LinkObject((*c.links)[*i]);
    if (path.size() == at + 2) return Mapped{link, Compare::kObject};
    const std::string field = key(at + 2);
    if (link.contains(field)) return Mapped{link[field]};
    if (field == "title" || field == "type" || field == "length") return Mapped{""};
    return std::nullopt;
  }
  if (k == "tags" || k == "category") {
    const size_t i = k == "category" ? 0 : index(at + 1).value_or(SIZE_MAX);
    if (i == SIZE_MAX) return std::nullopt;
    if (i >= c.tags->size()) return Mapped{"<none>"};
    const Tag& tag = (*c.tags)[i];
    const std::string field = k == "category" ? "term" : key(at + 2);
    if (field == "term") return Mapped{tag.term};
    if (field == "scheme") return Mapped{tag.scheme};
    if (field == "label") return Mapped{tag.label};
    return std::nullopt;
  }
  // Dates: feedparser keeps the raw string under the plain name and a
  // struct_time under *_parsed. Aliases: modified = updated, issued =
  // published; feedparser's updated falls back to published.
  struct DateName {
    std::string_view name;
    std::optional<int64_t> value;
  };
  const std::optional<int64_t> updated = c.updated ? c.updated : c.published;
  for (const DateName& d : {DateName{"updated", updated}, DateName{"modified", updated},
                            DateName{"published", c.published}, DateName{"issued", c.published},
                            DateName{"created", c.created}}) {
    if (k == d.name) return Mapped{Iso(d.value), Compare::kDateString};
    if (k == std::string(d.name) + "_parsed") return Mapped{Iso(d.value), Compare::kDateTuple};
  }
  return std::nullopt;
}

std::optional<Mapped> MapPath(const Feed& feed, const json& path) {
  auto key = [&](size_t i) {
    return i < path.size() && path[i].is_string() ? path[i].get<std::string>() : std::string();
  };
  const std::string k0 = key(0);
  if (k0 == "version" && path.size() == 1) return Mapped{feed.version};
  if (k0 == "encoding" && path.size() == 1) return Mapped{feed.encoding};
  if (k0 == "feed") {
    if (key(1) == "language") return Mapped{feed.language};
    Common c{feed.title,           feed.title_type,    feed.link,    feed.author,    feed.id,
             feed.subtitle,        feed.subtitle_type, feed.updated, feed.published, feed.created,
             &feed.author_details, &feed.contributors, &feed.links,  &feed.tags};
    return MapCommon(c, path, 1);
  }
  if (k0 != "entries" || path.size() < 3 || !path[1].is_number()) return std::nullopt;
  const size_t i = path[1].get<size_t>();
  if (i >= feed.entries.size()) return Mapped{"<no such entry>"};
  const FeedEntry& e = feed.entries[i];
  const std::string k2 = key(2);
  if (k2 == "content") {
    if (path.size() < 5 || !path[3].is_number() || path[3].get<size_t>() != 0) return std::nullopt;
    if (key(4) == "value") return Mapped{e.content, Compare::kMarkup, e.content_type};
    if (key(4) == "type") return Mapped{e.content_type};
    return std::nullopt;
  }
  if (k2 == "enclosures") {
    if (path.size() < 4 || !path[3].is_number()) return std::nullopt;
    const size_t n = path[3].get<size_t>();
    if (n >= e.enclosures.size()) return Mapped{"<none>"};
    const json enclosure = EnclosureObject(e.enclosures[n]);
    if (path.size() == 4) return Mapped{enclosure, Compare::kObject};
    const std::string field = key(4) == "url" ? "href" : key(4);
    if (enclosure.contains(field)) return Mapped{enclosure[field]};
    return Mapped{""};
  }
  if (k2 == "language") return Mapped{e.language};
  // feedparser copies content into a missing summary.
  const bool body_is_content = e.summary.empty() && !e.content.empty();
  Common c{e.title,
           e.title_type,
           e.link,
           e.author,
           e.id,
           body_is_content ? e.content : e.summary,
           body_is_content ? e.content_type : e.summary_type,
           e.updated,
           e.published,
           e.created,
           &e.author_details,
           &e.contributors,
           &e.links,
           &e.tags};
  return MapCommon(c, path, 2);
}

bool IsHtmlType(std::string_view type) {
  return type.empty() || type == kTextHtml || type == kTextXhtml;
}

bool Matches(const Mapped& m, const json& expected) {
  switch (m.compare) {
    case Compare::kExact:
      if (!expected.is_string()) return false;
      if (m.actual == expected) return true;
      return std::find(m.also.begin(), m.also.end(), expected.get<std::string>()) != m.also.end();
    case Compare::kObject:
      return m.actual == expected;
    case Compare::kText: {
      // Our titles are plain text; feedparser's may be (sanitized) HTML.
      if (!expected.is_string() || !m.actual.is_string()) return false;
      const std::string want = expected.get<std::string>();
      const std::string ours = m.actual.get<std::string>();
      return ours == Collapse(want) || ours == TextOfHtml(want);
    }
    case Compare::kMarkup: {
      if (!expected.is_string() || !m.actual.is_string()) return false;
      const std::string want = expected.get<std::string>();
      const std::string ours = m.actual.get<std::string>();
      if (ours == want) return true;
      // A text/plain field: feedparser has the text, we have it escaped.
      const std::string want_text = IsHtmlType(m.declared_type) ? TextOfHtml(want) : Collapse(want);
      return TextOfHtml(ours) == want_text;
    }
    case Compare::kDateTuple:
      return m.actual == ExpectedIso(expected);
    case Compare::kDateString: {
      if (!expected.is_string()) return false;
      return m.actual == Iso(feed_internal::ParseFeedDate(expected.get<std::string>()));
    }
  }
  return false;
}

TEST(FeedConformance, CoreSimpleCases) {
  MW_REQUIRE_SHARED();
  std::istringstream lines(testing::ReadFileOrDie(CorpusDir() / "core_simple.jsonl"));
  std::string line;
  int cases = 0;
  int passed = 0;
  int checks = 0;
  int checks_passed = 0;
  std::vector<std::string> failures;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++cases;
    const json row = json::parse(line);
    const std::string file = row.at("file").get<std::string>();
    const Result<Feed> feed = ParseCorpusFile(file);
    bool ok = feed.ok();
    std::string why;
    if (!feed.ok()) why = "parse failed: " + feed.status().ToString();
    if (feed.ok() && row.at("bozo_must_be_false").get<bool>() && Bozo(*feed)) {
      ok = false;
      why += " bozo (must not be): " + Problems(*feed) + ";";
    }
    for (const json& check : row.at("checks")) {
      ++checks;
      std::optional<Mapped> mapped = feed.ok() ? MapPath(*feed, check.at("path")) : std::nullopt;
      if (mapped && Matches(*mapped, check.at("equals"))) {
        ++checks_passed;
        continue;
      }
      ok = false;
      why += " " + check.at("path").dump() + ": want " + check.at("equals").dump() + ", got " +
             (!feed.ok() ? "(no feed)"
              : mapped   ? mapped->actual.dump()
                         : "(field not modelled)") +
             ";";
    }
    if (ok) {
      ++passed;
    } else {
      failures.push_back(file + ":" + why);
    }
  }
  std::printf("[ core_simple ] %d/%d cases passed (%.1f%%), %d/%d checks\n", passed, cases,
              100.0 * passed / std::max(cases, 1), checks_passed, checks);
  for (const std::string& f : failures) std::printf("    FAIL %s\n", f.c_str());
  // Measured: 487 of 489. The two failures are deliberate: "<!DOCTYPE" and
  // "<!' ..." in a description are a doctype and a bogus comment to an HTML5
  // parser (Gumbo, like browsers), so the sanitizer drops them; feedparser's
  // SGML-era sanitizer keeps them as text.
  EXPECT_EQ(cases, 489);
  EXPECT_GE(passed * 100, cases * 95) << passed << " of " << cases;
}

// ================================================================ dates

TEST(FeedConformance, DateVectors) {
  MW_REQUIRE_SHARED();
  const json doc = json::parse(testing::ReadFileOrDie(CorpusDir() / "date_vectors.json"));
  const json& vectors = doc.at("vectors");
  int run = 0;
  int passed = 0;
  std::vector<std::string> failures;
  for (const json& v : vectors) {
    ++run;
    const std::string input = v.at("input").get<std::string>();
    const std::string want = ExpectedIso(v.at("expected_utc_struct_time"));
    const std::string got = Iso(feed_internal::ParseFeedDate(input));
    if (got == want) {
      ++passed;
    } else {
      failures.push_back(v.at("parser").get<std::string>() + " '" + input + "': want " + want +
                         ", got " + got);
    }
  }
  std::printf("[ date vectors ] %d/%d passed (%.1f%%)\n", passed, run, 100.0 * passed / run);
  for (const std::string& f : failures) std::printf("    FAIL %s\n", f.c_str());
  // Measured: 71 of 72. "03335" (two-digit year, day of year) is not read on
  // purpose: a bare five-digit number is too often something else, and the
  // w3dtf vector "22013" must not be a date.
  EXPECT_EQ(run, 72);
  EXPECT_GE(passed * 100, run * 95);
  // The README's extra vector: an offset of -9999 is no offset.
  EXPECT_EQ(feed_internal::ParseFeedDate("Sun, 31 Dec 9999 23:59:59 -9999"), std::nullopt);
}

// ================================================================ encodings

// Reads a Python string literal ('...' or "..."), with \x, \u, \n, \t and
// quote escapes, starting at s[*pos]. nullopt when there is none.
std::optional<std::string> PythonString(std::string_view s, size_t* pos) {
  size_t i = *pos;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return std::nullopt;
  const char quote = s[i++];
  std::string out;
  while (i < s.size() && s[i] != quote) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    const char e = s[i + 1];
    i += 2;
    const size_t hex_digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (hex_digits > 0) {
      feed_internal::AppendUtf8(
          static_cast<uint32_t>(std::stoul(std::string(s.substr(i, hex_digits)), nullptr, 16)),
          &out);
      i += hex_digits;
    } else {
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
    }
  }
  *pos = i + 1;
  return out;
}

// The one code point of a UTF-8 string (Python's ord()), or -1.
long OrdOf(std::string_view s) {
  std::string repaired;
  if (s.empty()) return -1;
  const auto b0 = static_cast<unsigned char>(s[0]);
  const size_t len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  if (s.size() != len) return -1;
  long cp = len == 1 ? b0 : b0 & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[k]) & 0x3F);
  return cp;
}

struct EncodingCase {
  std::string path;
  std::string expect;
  std::string content_type;
};

// How a case went: pass, pass by equivalence (names differ, the document
// decodes to the same text), or a failure with its reason.
enum class Verdict { kPass, kEquivalent, kFail };

// Evaluates the conjunction `expect` against our result. The terms used by
// the encoding cases: bozo / not bozo / 1, encoding == 'X',
// entries[0]['description'] / entries[0].summary / feed['title'] == '...',
// ord(entries[0]['description']) == N, and isinstance(bozo_exception,
// feedparser.CharacterEncodingOverride).
Verdict Evaluate(const EncodingCase& c, const Feed& feed, const std::string& body,
                 std::string* why) {
  Verdict verdict = Verdict::kPass;
  std::string rest = c.expect;
  std::vector<std::string> terms;
  for (size_t pos = 0;;) {
    const size_t and_at = rest.find(" and ", pos);
    terms.push_back(
        Collapse(rest.substr(pos, and_at == std::string::npos ? std::string::npos : and_at - pos)));
    if (and_at == std::string::npos) break;
    pos = and_at + 5;
  }
  auto fail = [&](const std::string& term, const std::string& got) {
    *why += " [" + term + "] got " + got + ";";
    return Verdict::kFail;
  };
  auto description = [&]() -> std::pair<std::string, std::string> {
    if (feed.entries.empty()) return {"", ""};
    const FeedEntry& e = feed.entries[0];
    if (e.summary.empty() && !e.content.empty()) return {e.content, e.content_type};
    return {e.summary, e.summary_type};
  };
  for (const std::string& term : terms) {
    if (term == "1") continue;
    if (term == "bozo") {
      if (!Bozo(feed)) verdict = fail(term, "no problems");
      continue;
    }
    if (term == "not bozo") {
      if (Bozo(feed)) verdict = fail(term, Problems(feed));
      continue;
    }
    if (term.rfind("isinstance(bozo_exception", 0) == 0) {
      // feedparser (RFC 3023): text/xml without charset is US-ASCII, which
      // the declared UTF-8 bytes then contradict. RFC 7303 reads the
      // declaration instead: nothing to override.
      if (Problems(feed).find("encoding") == std::string::npos) {
        verdict = fail(term, "no encoding override (RFC 7303 reads the declaration)");
      }
      continue;
    }
    size_t pos = term.find("==");
    if (pos == std::string::npos) {
      verdict = fail(term, "(term not understood)");
      continue;
    }
    const std::string lhs = Collapse(term.substr(0, pos));
    pos += 2;
    if (lhs.rfind("ord(", 0) == 0) {
      const long want = std::stol(term.substr(pos));
      const std::string text = TextOfHtml(description().first);
      if (OrdOf(text) != want) verdict = fail(term, "'" + text + "'");
      continue;
    }
    const std::optional<std::string> want = PythonString(term, &pos);
    if (!want) {
      verdict = fail(term, "(literal not understood)");
      continue;
    }
    if (lhs == "encoding") {
      if (LowerAscii(feed.encoding) == LowerAscii(*want)) continue;
      const std::string canonical = CanonicalCharset(*want);
      if (!canonical.empty() && LowerAscii(canonical) == LowerAscii(feed.encoding)) continue;
      // Names differ: equivalent when both decode this document alike.
      auto ours = feed_internal::DecodeFeedBody(body, c.content_type);
      auto theirs = DecodeWithCharset(body, *want);
      if (ours.ok() && theirs.ok() && ours->utf8 == theirs->utf8) {
        if (verdict == Verdict::kPass) verdict = Verdict::kEquivalent;
        *why += " [" + term + "] ours " + feed.encoding + ", same text;";
        continue;
      }
      verdict = fail(term, feed.encoding);
      continue;
    }
    std::string got;
    std::string type = std::string(kTextPlain);
    if (lhs == "entries[0]['description']" || lhs == "entries[0].summary") {
      std::tie(got, type) = description();
    } else if (lhs == "feed['title']") {
      got = feed.title;
    } else {
      verdict = fail(term, "(field not understood)");
      continue;
    }
    const std::string want_text = IsHtmlType(type) ? TextOfHtml(*want) : Collapse(*want);
    if (got != *want && TextOfHtml(got) != want_text) verdict = fail(term, "'" + got + "'");
  }
  return verdict;
}

TEST(FeedConformance, EncodingSubsets) {
  MW_REQUIRE_SHARED();
  const json subsets = json::parse(testing::ReadFileOrDie(CorpusDir() / "subsets.json"));
  const json all = json::parse(testing::ReadFileOrDie(CorpusDir() / "cases.json"));
  std::map<std::string, EncodingCase> cases;
  for (const json& c : all.at("cases")) {
    EncodingCase e{c.at("path").get<std::string>(), c.at("expect").get<std::string>(), ""};
    if (c.at("http_headers").is_object()) {
      for (const auto& [name, value] : c.at("http_headers").items()) {
        if (LowerAscii(name) == "content-type") e.content_type = value.get<std::string>();
      }
    }
    cases.emplace(e.path, std::move(e));
  }
  std::map<std::string, Verdict> verdicts;
  std::map<std::string, std::string> reasons;
  for (const json& p : subsets.at("encoding_all")) {
    const EncodingCase& c = cases.at(p.get<std::string>());
    const std::string body = testing::ReadFileOrDie(CorpusDir() / c.path);
    FeedParseOptions options;
    options.now = kNow;
    const Result<Feed> feed =
        ParseFeed(body, c.content_type, std::string(kServedAt) + c.path, options);
    std::string why;
    Verdict v = Verdict::kFail;
    if (!feed.ok()) {
      // "1": the case only asks for no crash.
      v = c.expect == "1" ? Verdict::kPass : Verdict::kFail;
      why = " parse failed: " + feed.status().ToString();
    } else {
      v = Evaluate(c, *feed, body, &why);
    }
    verdicts[c.path] = v;
    reasons[c.path] = "expect `" + c.expect + "`" +
                      (c.content_type.empty() ? "" : " (Content-Type: " + c.content_type + ")") +
                      ":" + why;
  }
  for (const std::string subset : {"encoding_bom_decl", "encoding_http_content_type",
                                   "encoding_cjk_and_legacy", "encoding_all"}) {
    int run = 0;
    int passed = 0;
    int equivalent = 0;
    std::vector<std::string> failures;
    for (const json& p : subsets.at(subset)) {
      const std::string path = p.get<std::string>();
      ++run;
      if (verdicts.at(path) == Verdict::kFail) {
        failures.push_back(path + ": " + reasons.at(path));
      } else {
        ++passed;
        if (verdicts.at(path) == Verdict::kEquivalent) ++equivalent;
      }
    }
    std::printf("[ %s ] %d/%d passed (%.1f%%), %d of them by equivalent decoding\n", subset.c_str(),
                passed, run, 100.0 * passed / run, equivalent);
    if (subset != "encoding_all") {
      for (const std::string& f : failures) std::printf("    FAIL %s\n", f.c_str());
    }
    // Measured: 33/34, 47/48, 15/15, 88/90. The failures are deliberate:
    // bozo_linenoise expects feedparser's windows-1252 mojibake of bytes
    // that are broken UTF-8 (we keep the UTF-8 and mark the bad bytes);
    // bozo_http_i18n expects RFC 3023's "text/xml means US-ASCII", which
    // RFC 7303 replaced by reading the document's own declaration. The
    // "equivalent" passes are the same rule: feedparser names US-ASCII for
    // text/xml without charset, we read these ASCII documents as UTF-8.
    EXPECT_GE(passed * 100, run * 95) << subset;
  }
}

// ================================================================ sanitize

// Every string of the result a consumer might show or follow.
std::vector<std::string> AllStrings(const Feed& feed) {
  std::vector<std::string> out = {feed.title, feed.subtitle, feed.link,    feed.language,
                                  feed.id,    feed.author,   feed.version, feed.encoding};
  auto people = [&](const std::vector<Person>& list) {
    for (const Person& p : list) {
      out.push_back(p.name);
      out.push_back(p.email);
      out.push_back(p.uri);
    }
  };
  auto links = [&](const std::vector<Link>& list) {
    for (const Link& l : list) {
      out.push_back(l.href);
      out.push_back(l.rel);
      out.push_back(l.type);
      out.push_back(l.title);
    }
  };
  auto tags = [&](const std::vector<Tag>& list) {
    for (const Tag& t : list) {
      out.push_back(t.term);
      out.push_back(t.scheme);
      out.push_back(t.label);
    }
  };
  people(feed.author_details);
  people(feed.contributors);
  links(feed.links);
  tags(feed.tags);
  for (const std::string& c : feed.child_sources) out.push_back(c);
  for (const FeedEntry& e : feed.entries) {
    for (const std::string* s : {&e.id, &e.title, &e.link, &e.author, &e.summary, &e.content,
                                 &e.language, &e.title_type, &e.summary_type, &e.content_type}) {
      out.push_back(*s);
    }
    for (const std::string& a : e.authors) out.push_back(a);
    for (const std::string& c : e.categories) out.push_back(c);
    for (const Enclosure& enc : e.enclosures) {
      out.push_back(enc.url);
      out.push_back(enc.type);
    }
    people(e.author_details);
    people(e.contributors);
    links(e.links);
    tags(e.tags);
  }
  return out;
}

// What must never survive, looked for after decoding character references
// (twice, for markup escaped twice) with ASCII case folded: a script tag,
// an on* event handler attribute inside a tag, a javascript: URL (also
// with tabs, newlines or control characters spliced in).
std::string Dangerous(std::string s) {
  for (int i = 0; i < 2; ++i) s = feed_internal::DecodeCharacterReferences(s);
  s = LowerAscii(s);
  if (s.find("<script") != std::string::npos) return "<script";
  static const std::regex kHandler(R"(<[a-z][^>]*[\s/"']on[a-z]+\s*=)");
  if (std::regex_search(s, kHandler)) return "on*= handler";
  std::string squeezed;
  for (char c : s) {
    if (static_cast<unsigned char>(c) > 0x20) squeezed += c;
  }
  if (squeezed.find("javascript:") != std::string::npos) return "javascript: URL";
  return {};
}

// The check below must be able to fail.
TEST(FeedConformance, DangerousContentDetectorCatchesWhatItShould) {
  EXPECT_EQ(Dangerous("<SCRIPT>x</SCRIPT>"), "<script");
  EXPECT_EQ(Dangerous("&lt;script&gt;"), "<script");
  EXPECT_EQ(Dangerous("&amp;lt;script&amp;gt;"), "<script");
  EXPECT_EQ(Dangerous("<b class=x onClick = 'y'>"), "on*= handler");
  EXPECT_EQ(Dangerous("<img/onerror=x>"), "on*= handler");
  EXPECT_EQ(Dangerous("<a href=\"java\tscript:x\">"), "javascript: URL");
  EXPECT_EQ(Dangerous("<a href=\"&#106;avascript:x\">"), "javascript: URL");
  EXPECT_EQ(Dangerous("<p>Safe <b>text</b> about scripts; honest = true</p>"), "");
}

TEST(FeedConformance, SanitizeCasesLeaveNothingActive) {
  MW_REQUIRE_SHARED();
  const json subsets = json::parse(testing::ReadFileOrDie(CorpusDir() / "subsets.json"));
  int run = 0;
  int parsed = 0;
  int clean = 0;
  std::vector<std::string> failures;
  for (const json& p : subsets.at("sanitize")) {
    const std::string path = p.get<std::string>();
    ++run;
    const Result<Feed> feed = ParseCorpusFile(path);
    if (!feed.ok()) {
      // Rejecting hostile input is fine; crashing is not (ASan would say).
      ++clean;
      continue;
    }
    ++parsed;
    std::string found;
    for (const std::string& s : AllStrings(*feed)) {
      found = Dangerous(s);
      if (!found.empty()) {
        failures.push_back(path + ": " + found + " in '" + s.substr(0, 300) + "'");
        break;
      }
    }
    if (found.empty()) ++clean;
  }
  std::printf("[ sanitize ] %d/%d cases clean (%d parsed, %d rejected)\n", clean, run, parsed,
              run - parsed);
  for (const std::string& f : failures) std::printf("    FAIL %s\n", f.c_str());
  EXPECT_EQ(run, 745);
  EXPECT_EQ(clean, run);
}

}  // namespace
}  // namespace mw
