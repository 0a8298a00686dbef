// Extraction quality against the gold corpora in ../shared, with the metric
// of the public article-extraction benchmarks (so numbers compare with
// published ones):
//
//   tokens   \w+ runs (Unicode letters, numbers and '_', as Python's re)
//   shingles every run of 4 consecutive tokens (fewer than 4 tokens: one
//            shingle of all of them)
//   F1       precision and recall over the multisets of shingles, per page,
//            then averaged over pages
//
// For unspaced scripts (Chinese) a \w+ run is a whole clause, so a
// character-level F1 (multisets of \w code points) is reported too and is
// the one asserted for Chinese pages.
//
// The tests print a table. Do not tune the extractor to individual pages:
// it is judged on pages it has never seen.

#include <gtest/gtest.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "parsers/article_extractor.h"
#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/html_text.h"
#include "parsers/html_tree.h"
#include "tests/support/test_support.h"
#include "text/normalizer.h"

namespace mw {
namespace {

// Python's re \w: str.isalnum() (letters L*, numbers N*) or '_'.
bool IsPythonWordChar(char32_t c) {
  if (c == '_') return true;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return true;
    default:
      return false;
  }
}

std::vector<std::string> WordTokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    char32_t c = DecodeUtf8At(text, &pos);
    if (IsPythonWordChar(c)) {
      word.append(text.substr(start, pos - start));
    } else if (!word.empty()) {
      tokens.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) tokens.push_back(std::move(word));
  return tokens;
}

std::vector<std::string> CharTokens(std::string_view text) {
  std::vector<std::string> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    if (IsPythonWordChar(DecodeUtf8At(text, &pos))) {
      tokens.emplace_back(text.substr(start, pos - start));
    }
  }
  return tokens;
}

std::vector<std::string> Shingles(const std::vector<std::string>& tokens, size_t n = 4) {
  std::vector<std::string> out;
  if (tokens.empty()) return out;
  size_t count = tokens.size() >= n ? tokens.size() - n + 1 : 1;
  for (size_t i = 0; i < count; ++i) {
    std::string s;
    for (size_t k = i; k < std::min(tokens.size(), i + n); ++k) {
      s += tokens[k];
      s += '\x1f';
    }
    out.push_back(std::move(s));
  }
  return out;
}

double MultisetF1(const std::vector<std::string>& ours, const std::vector<std::string>& gold) {
  if (ours.empty() && gold.empty()) return 1.0;
  if (ours.empty() || gold.empty()) return 0.0;
  std::unordered_map<std::string, int> counts;
  for (const std::string& g : gold) ++counts[g];
  size_t common = 0;
  for (const std::string& o : ours) {
    auto it = counts.find(o);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++common;
    }
  }
  if (common == 0) return 0.0;
  double precision = static_cast<double>(common) / static_cast<double>(ours.size());
  double recall = static_cast<double>(common) / static_cast<double>(gold.size());
  return 2 * precision * recall / (precision + recall);
}

double ShingleF1(std::string_view ours, std::string_view gold) {
  return MultisetF1(Shingles(WordTokens(ours)), Shingles(WordTokens(gold)));
}

double CharF1(std::string_view ours, std::string_view gold) {
  return MultisetF1(CharTokens(ours), CharTokens(gold));
}

TEST(ExtractionMetric, TokensAreUnicodeWordRuns) {
  EXPECT_EQ(WordTokens("Guan Heng's case, 2024-05-01"),
            (std::vector<std::string>{"Guan", "Heng", "s", "case", "2024", "05", "01"}));
  // A Han clause is one token; Arabic-script words split at spaces and
  // punctuation.
  EXPECT_EQ(WordTokens("关恒在新疆。گۇەن خېڭ،"),
            (std::vector<std::string>{"关恒在新疆", "گۇەن", "خېڭ"}));
  EXPECT_EQ(CharTokens("关恒，a1"), (std::vector<std::string>{"关", "恒", "a", "1"}));
}

TEST(ExtractionMetric, ShingleF1) {
  EXPECT_DOUBLE_EQ(ShingleF1("a b c d e", "a b c d e"), 1.0);
  EXPECT_DOUBLE_EQ(ShingleF1("", ""), 1.0);
  EXPECT_DOUBLE_EQ(ShingleF1("a b c d", ""), 0.0);
  // 2 of our 3 shingles are in the gold's 2: P = 2/3, R = 1.
  EXPECT_NEAR(ShingleF1("a b c d e f", "a b c d e"), 2 * (2.0 / 3) / (2.0 / 3 + 1), 1e-9);
  // Order matters for shingles, not for the character metric.
  EXPECT_DOUBLE_EQ(ShingleF1("d c b a", "a b c d"), 0.0);
  EXPECT_DOUBLE_EQ(CharF1("恒关", "关恒"), 1.0);
  EXPECT_NEAR(CharF1("关恒案", "关恒"), 0.8, 1e-9);
}

// Visible text of a gold HTML fragment: text nodes in the same block join
// without a space (so "<b>W</b>ord" stays one word), different blocks and
// <br> are separated.
std::string GoldText(std::string_view html) {
  Result<html::HtmlTree> tree = html::ParseHtmlTree(html, {.max_depth = 2000});
  EXPECT_TRUE(tree.ok());
  if (!tree.ok()) return {};
  static constexpr std::string_view kInline[] = {
      "a",    "abbr", "b",    "bdi",  "bdo", "cite", "code", "data",   "dfn",  "em",
      "font", "i",    "kbd",  "mark", "q",   "s",    "samp", "small",  "span", "strong",
      "sub",  "sup",  "time", "u",    "var", "del",  "ins",  "strike", "tt",   "big"};
  auto is_inline = [](const std::string& tag) {
    return std::find(std::begin(kInline), std::end(kInline), tag) != std::end(kInline);
  };
  std::string out;
  int32_t last_block = -1;
  size_t breaks_seen = 0;
  size_t breaks_at_last_text = 0;
  for (size_t i = 0; i < tree->nodes.size(); ++i) {
    const html::HtmlNode& n = tree->nodes[i];
    if (!n.is_text) {
      if (n.tag == "br" || n.tag == "img" || n.tag == "hr") ++breaks_seen;
      continue;
    }
    const std::string& parent = tree->nodes[n.parent].tag;
    if (parent == "script" || parent == "style" || parent == "title") continue;
    int32_t block = n.parent;
    while (block > 0 && is_inline(tree->nodes[block].tag)) block = tree->nodes[block].parent;
    if (block != last_block || breaks_seen != breaks_at_last_text) out += '\n';
    out += n.text;
    last_block = block;
    breaks_at_last_text = breaks_seen;
  }
  return out;
}

TEST(ExtractionMetric, GoldTextKeepsInlineWordsWhole) {
  EXPECT_EQ(WordTokens(GoldText("<p><b>W</b>ord and <i>more</i></p><p>next</p>")),
            (std::vector<std::string>{"Word", "and", "more", "next"}));
  EXPECT_EQ(WordTokens(GoldText("<div>one<br>two<div>three</div>four</div>")),
            (std::vector<std::string>{"one", "two", "three", "four"}));
}

// Lower case, white space collapsed, typographic quotes and dashes unified.
std::string NormalizeTitle(std::string_view s) {
  std::string out = html::AsciiLower(html::CollapseWhitespace(s));
  const std::pair<std::string_view, std::string_view> kUnify[] = {
      {"\xE2\x80\x98", "'"}, {"\xE2\x80\x99", "'"}, {"\xE2\x80\x9C", "\""}, {"\xE2\x80\x9D", "\""},
      {"\xE2\x80\x93", "-"}, {"\xE2\x80\x94", "-"}, {"\xC2\xA0", " "}};
  for (const auto& [from, to] : kUnify) {
    size_t pos = 0;
    while ((pos = out.find(from, pos)) != std::string::npos) {
      out.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return out;
}

// Whether our title agrees with the gold one: equal after NormalizeTitle,
// or equal to it without a site or section name that the gold keeps
// ("Headline | Site", "Site - Headline", "标题_频道_网站"). The issue asks
// for the site-name suffix to be removed; the Readability gold keeps it.
bool TitlesAgree(std::string_view ours, std::string_view gold) {
  std::string a = NormalizeTitle(ours);
  std::string b = NormalizeTitle(gold);
  if (a == b) return true;
  if (a.empty() || a.size() >= b.size()) return false;
  // `rest` is what the gold adds; it must begin (suffix) or end (prefix)
  // with a separator.
  auto separated = [](std::string_view rest, bool at_start) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
    for (std::string_view sep : {"-", "|", "_", "\xC2\xB7", ":", "[", "(", "\xC2\xBB", "/"}) {
      if (rest.size() < sep.size()) continue;
      if (at_start ? rest.substr(0, sep.size()) == sep
                   : rest.substr(rest.size() - sep.size()) == sep) {
        return true;
      }
    }
    return false;
  };
  std::string_view g = b;
  if (g.substr(0, a.size()) == a) return separated(g.substr(a.size()), true);
  if (g.substr(g.size() - a.size()) == a) return separated(g.substr(0, g.size() - a.size()), false);
  return false;
}

// The primary language subtag, lower case: "en-US" -> "en".
std::string PrimaryLanguage(std::string_view tag) {
  std::string lower = html::AsciiLower(tag);
  return lower.substr(0, lower.find_first_of("-_"));
}

struct PageScore {
  std::string name;
  double shingle_f1 = 0;
  double char_f1 = 0;
};

TEST(ExtractionQuality, ReadabilityPages) {
  MW_REQUIRE_SHARED();
  std::filesystem::path root = testing::SharedDir() / "corpora" / "readability-pages" / "pages";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root;
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : std::filesystem::directory_iterator(root)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<PageScore> scores;
  int failures = 0;
  int titles_stated = 0;
  int titles_agree = 0;
  int langs_stated = 0;
  int langs_agree = 0;
  int langs_primary_agree = 0;
  int dates_stated = 0;
  int dates_agree = 0;
  std::vector<std::string> title_misses;
  std::vector<std::string> lang_misses;
  std::vector<std::string> date_misses;
  for (const auto& dir : dirs) {
    std::string name = dir.filename().string();
    std::string source = testing::ReadFileOrDie(dir / "source.html");
    std::string expected = testing::ReadFileOrDie(dir / "expected.html");
    nlohmann::json meta =
        nlohmann::json::parse(testing::ReadFileOrDie(dir / "expected-metadata.json"));
    // The corpus stores every page as UTF-8 whatever its <meta> says (qq
    // declares gb2312), so decode as a server sending that charset would.
    Result<DecodedText> decoded = DecodeHtml(source, "text/html; charset=utf-8");
    ASSERT_TRUE(decoded.ok()) << name;
    Result<ExtractedArticle> a = ExtractArticle(decoded->utf8, "http://fakehost/test/page.html");
    PageScore score{name};
    if (!a.ok()) {
      ++failures;
      scores.push_back(score);
      continue;
    }
    std::string gold = GoldText(expected);
    score.shingle_f1 = ShingleF1(a->text, gold);
    score.char_f1 = CharF1(a->text, gold);
    scores.push_back(score);
    if (meta.contains("title") && meta["title"].is_string() &&
        !meta["title"].get<std::string>().empty()) {
      ++titles_stated;
      if (TitlesAgree(a->title, meta["title"].get<std::string>())) {
        ++titles_agree;
      } else {
        title_misses.push_back(name + ": got \"" + a->title + "\", expected \"" +
                               meta["title"].get<std::string>() + "\"");
      }
    }
    if (meta.contains("lang") && meta["lang"].is_string()) {
      ++langs_stated;
      std::string want = meta["lang"].get<std::string>();
      if (html::AsciiLower(a->language) == html::AsciiLower(want)) ++langs_agree;
      if (PrimaryLanguage(a->language) == PrimaryLanguage(want)) {
        ++langs_primary_agree;
      } else {
        lang_misses.push_back(name + ": got \"" + a->language + "\", expected \"" + want + "\"");
      }
    }
    if (meta.contains("publishedTime") && meta["publishedTime"].is_string()) {
      if (std::optional<int64_t> want = ParseAnyDate(meta["publishedTime"].get<std::string>())) {
        ++dates_stated;
        if (a->published == want) {
          ++dates_agree;
        } else {
          date_misses.push_back(name + ": got " +
                                (a->published ? std::to_string(*a->published) : "none") +
                                ", expected " + std::to_string(*want));
        }
      }
    }
  }
  auto mean = [&](double PageScore::*field) {
    double sum = 0;
    for (const PageScore& s : scores) sum += s.*field;
    return scores.empty() ? 0.0 : sum / static_cast<double>(scores.size());
  };
  double f1 = mean(&PageScore::shingle_f1);
  double char_f1 = mean(&PageScore::char_f1);
  std::sort(scores.begin(), scores.end(),
            [](const PageScore& x, const PageScore& y) { return x.shingle_f1 < y.shingle_f1; });
  std::printf("\nreadability-pages (%zu pages, gold = expected.html)\n", scores.size());
  std::printf("  %-34s %8s\n", "measure", "value");
  std::printf("  %-34s %8.3f\n", "mean 4-shingle token F1", f1);
  std::printf("  %-34s %8.3f\n", "mean character F1", char_f1);
  std::printf("  %-34s %4d/%-3d\n", "title agrees", titles_agree, titles_stated);
  std::printf("  %-34s %4d/%-3d\n", "lang agrees (whole tag)", langs_agree, langs_stated);
  std::printf("  %-34s %4d/%-3d\n", "lang agrees (primary subtag)", langs_primary_agree,
              langs_stated);
  std::printf("  %-34s %4d/%-3d\n", "published time agrees", dates_agree, dates_stated);
  std::printf("  %-34s %8d\n", "extraction failures", failures);
  std::printf("  lowest F1:");
  for (size_t i = 0; i < std::min<size_t>(scores.size(), 10); ++i) {
    std::printf(" %s=%.2f", scores[i].name.c_str(), scores[i].shingle_f1);
  }
  std::printf("\n");
  if (std::getenv("MW_F1_VERBOSE") != nullptr) {
    for (const PageScore& s : scores) {
      std::printf("  %-45s %.3f %.3f\n", s.name.c_str(), s.shingle_f1, s.char_f1);
    }
    for (const std::string& m : title_misses) std::printf("  title %s\n", m.c_str());
    for (const std::string& m : lang_misses) std::printf("  lang %s\n", m.c_str());
    for (const std::string& m : date_misses) std::printf("  published %s\n", m.c_str());
  }
  EXPECT_EQ(scores.size(), 130u);
  EXPECT_EQ(failures, 0);
  EXPECT_GE(f1, 0.90);
  EXPECT_GE(titles_agree * 10, titles_stated * 9);
  EXPECT_GE(langs_agree * 10, langs_stated * 9);
}

TEST(ExtractionQuality, Newspaper4kChineseAndArabic) {
  MW_REQUIRE_SHARED();
  std::filesystem::path root =
      testing::SharedDir() / "corpora" / "multilingual" / "html" / "newspaper4k";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root;
  struct Sum {
    double shingle = 0;
    double chars = 0;
    int pages = 0;
  };
  std::map<std::string, Sum> by_language;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (e.path().extension() == ".html") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::printf("\nnewspaper4k (gold = .txt)\n  %-24s %-10s %8s %8s  %s\n", "page", "charset",
              "shingle", "char", "title");
  int titles_stated = 0;
  int titles_agree = 0;
  for (const std::filesystem::path& path : files) {
    std::filesystem::path gold_path = path;
    gold_path.replace_extension(".txt");
    if (!std::filesystem::exists(gold_path)) continue;
    std::string name = path.stem().string();
    std::string language = name.substr(0, name.find('_'));
    Result<DecodedText> decoded = DecodeHtml(testing::ReadFileOrDie(path), "");
    ASSERT_TRUE(decoded.ok());
    Result<ExtractedArticle> a = ExtractArticle(decoded->utf8, "https://example.com/a.html");
    ASSERT_TRUE(a.ok()) << name << ": " << a.status().ToString();
    std::string gold = testing::ReadFileOrDie(gold_path);
    double shingle = ShingleF1(a->text, gold);
    double chars = CharF1(a->text, gold);
    std::filesystem::path meta_path = path;
    meta_path.replace_extension(".json");
    std::string title_check = "-";
    if (std::filesystem::exists(meta_path)) {
      nlohmann::json meta = nlohmann::json::parse(testing::ReadFileOrDie(meta_path));
      if (meta.contains("title") && meta["title"].is_string()) {
        ++titles_stated;
        bool same = NormalizeTitle(meta["title"].get<std::string>()) == NormalizeTitle(a->title);
        titles_agree += same ? 1 : 0;
        title_check = same ? "agrees" : "differs: " + a->title;
      }
    }
    std::printf("  %-24s %-10s %8.3f %8.3f  %s\n", name.c_str(), decoded->charset.c_str(), shingle,
                chars, title_check.c_str());
    Sum& sum = by_language[language];
    sum.shingle += shingle;
    sum.chars += chars;
    ++sum.pages;
  }
  ASSERT_EQ(by_language.count("chinese"), 1u);
  ASSERT_EQ(by_language.count("arabic"), 1u);
  for (const auto& [language, sum] : by_language) {
    double shingle = sum.shingle / sum.pages;
    double chars = sum.chars / sum.pages;
    std::printf("  %-24s %-10d %8.3f %8.3f  (mean)\n", language.c_str(), sum.pages, shingle, chars);
    // Chinese: character level (a \w+ run is a whole clause there).
    EXPECT_GE(language == "chinese" ? chars : shingle, 0.90) << language;
  }
  EXPECT_EQ(titles_agree, titles_stated);
}

}  // namespace
}  // namespace mw
