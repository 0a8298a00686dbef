// Every spelling in ../shared/text/watchlist-terms.tsv, put in running text
// of its language, is found by the concept it belongs to in the example
// watch-list (feeds/watchlists/guan-heng.toml); and text that merely
// contains the same letters does not fire: other names with the same
// syllables, substrings inside longer Chinese words, longer Latin words.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/test_support.h"
#include "tests/unit/watch/example_watchlist_fixture.h"
#include "watch/matcher.h"

namespace mw {
namespace {

// The TSV's concept names -> ids in guan-heng.toml.
const std::map<std::string, std::string>& ConceptIds() {
  static const std::map<std::string, std::string> ids = {{"Guan Heng", "guan-heng"},
                                                         {"Rayhan Asat", "rayhan-asat"},
                                                         {"Zhou Fengsuo", "zhou-fengsuo"},
                                                         {"Xinjiang", "xinjiang"},
                                                         {"Uyghur", "uyghur"},
                                                         {"East Turkistan", "east-turkistan"},
                                                         {"detention camp", "detention-camp"},
                                                         {"asylum", "asylum"},
                                                         {"deportation", "deportation"},
                                                         {"DHS", "dhs"},
                                                         {"ICE", "ice"},
                                                         {"Uganda", "uganda"}};
  return ids;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(' ');
  size_t e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "a / b ; c (+suffixes d, e) (note)" -> a, b, c, d, e.
std::vector<std::string> Forms(std::string column) {
  std::vector<std::string> forms;
  size_t open;
  while ((open = column.find('(')) != std::string::npos) {
    size_t close = column.find(')', open);
    if (close == std::string::npos) close = column.size() - 1;
    std::string note = column.substr(open + 1, close - open - 1);
    if (note.rfind("+suffixes ", 0) == 0) {
      std::string rest = note.substr(10);
      size_t start = 0;
      while (start <= rest.size()) {
        size_t comma = rest.find(',', start);
        if (comma == std::string::npos) comma = rest.size();
        forms.push_back(Trim(rest.substr(start, comma - start)));
        start = comma + 1;
      }
    }
    column.erase(open, close - open + 1);
  }
  for (char& c : column) {
    if (c == ';') c = '/';
  }
  size_t start = 0;
  while (start <= column.size()) {
    size_t slash = column.find('/', start);
    if (slash == std::string::npos) slash = column.size();
    std::string form = Trim(column.substr(start, slash - start));
    if (!form.empty()) forms.push_back(form);
    start = slash + 1;
  }
  return forms;
}

// A sentence of the form's language around it.
std::string InRunningText(const std::string& lang, const std::string& form) {
  if (lang.rfind("zh", 0) == 0) return "周二，" + form + "再次成为新闻焦点。";
  if (lang.find("Latn") != std::string::npos) {
    return "Seyshenbe küni " + form + " yene xewerlerde boldi.";
  }
  if (lang.rfind("ug", 0) == 0 &&
      form.find_first_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
          std::string::npos) {
    return "سەيشەنبە كۈنى " + form + " يەنە خەۋەرلەردە بولدى.";
  }
  return "On Tuesday " + form + " was in the news again.";
}

class WatchlistTermsTest : public testing::ExampleWatchlistTest {
 protected:
  std::vector<std::string> Ids(std::string_view text) const {
    std::vector<std::string> ids;
    for (const TermMatch& m : matcher_->Match("", text)) ids.push_back(m.target_id);
    return ids;
  }
};

TEST_F(WatchlistTermsTest, EverySpellingIsFoundByItsConcept) {
  MW_REQUIRE_SHARED();
  std::ifstream in(testing::SharedDir() / "text" / "watchlist-terms.tsv");
  ASSERT_TRUE(in) << "watchlist-terms.tsv missing";
  std::string line;
  std::getline(in, line);  // header
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cols;
    size_t start = 0;
    while (start <= line.size()) {
      size_t tab = line.find('\t', start);
      if (tab == std::string::npos) tab = line.size();
      cols.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    ASSERT_GE(cols.size(), 3u) << line;
    auto id = ConceptIds().find(cols[0]);
    ASSERT_NE(id, ConceptIds().end()) << "unknown concept " << cols[0];
    for (const std::string& form : Forms(cols[2])) {
      std::string text = InRunningText(cols[1], form);
      EXPECT_THAT(Ids(text), ::testing::Contains(id->second)) << cols[0] << ": " << text;
      ++checked;
    }
  }
  EXPECT_GE(checked, 75);
}

TEST_F(WatchlistTermsTest, LookAlikesDoNotFire) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Chef Guan Hengyu opened a restaurant on Guanheng Road.", "guan-heng"},
      {"Heng Guanzhong and Guan Hengli met.", "guan-heng"},
      {"有关恒大集团的债务问题", "guan-heng"},    // 有关 / 恒大
      {"美国驱逐舰驶过台湾海峡", "deportation"},  // destroyer
      {"流浪动物庇护所需要志愿者", "asylum"},     // shelter
      {"东突然下起大雨", "east-turkistan"},       // 东 / 突然
      {"思维族群的研究", "uyghur"},               // 思维 / 族群
      {"Icelandic roads had ice; Ice hockey resumed.", "ice"},
      {"Victorian asylums were closed.", "asylum"},
      {"Deportivo won the cup.", "deportation"},
      {"بالىلار ياز لاگېرىغا باردى", "detention-camp"},  // summer camp
      {"ئۇ پاناھ ئىزدىدى", "asylum"},                    // refuge, not asylum
      {"ماشىنجاڭ", "xinjiang"},                          // not at a word start
  };
  for (const auto& [text, id] : cases) {
    EXPECT_THAT(Ids(text), ::testing::Not(::testing::Contains(id))) << text;
  }
}

}  // namespace
}  // namespace mw
