// Tests for watch/matcher.h beyond the basics: spans in the original text,
// Uyghur across scripts, name order, middle dots, wildcards, diacritics, the
// Chinese word guard, nested hits, rules, and many terms.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "watch/matcher.h"

namespace mw {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class VariantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = TextNormalizer::Create({});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value();
  }

  std::unique_ptr<WatchlistMatcher> Compile(std::string_view toml) {
    auto w = ParseWatchlist(toml, "w.toml");
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    if (!w.ok()) return nullptr;
    auto m = WatchlistMatcher::Create({*w}, normalizer_.get());
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(m).value() : nullptr;
  }

  static std::vector<std::string> Ids(const WatchlistMatcher& m, std::string_view title,
                                      std::string_view text) {
    std::vector<std::string> ids;
    for (const TermMatch& t : m.Match(title, text)) ids.push_back(t.target_id);
    return ids;
  }

  std::unique_ptr<TextNormalizer> normalizer_;
};

TEST_F(VariantsTest, SpansPointIntoTheOriginalText) {
  auto m = Compile(R"(id = "w"
[[entity]]
id = "g"
names = ["Guan Heng", "关恒"]
)");
  ASSERT_TRUE(m);
  std::string title = "ＧＵＡＮ　ＨＥＮＧ";
  std::string text = "記者關恆說。\nThen  GUAN\tHENG spoke.";
  auto hits = m->Match(title, text);
  ASSERT_EQ(hits.size(), 1u);
  ASSERT_EQ(hits[0].hits.size(), 3u);
  EXPECT_TRUE(hits[0].hits[0].in_title);
  EXPECT_EQ(title.substr(hits[0].hits[0].start, hits[0].hits[0].end - hits[0].hits[0].start),
            title);
  const TermHit& zh = hits[0].hits[1];
  EXPECT_EQ(text.substr(zh.start, zh.end - zh.start), "關恆");
  EXPECT_EQ(hits[0].term, "Guan Heng");  // the first hit (in the title)
  const TermHit& en = hits[0].hits[2];
  EXPECT_EQ(text.substr(en.start, en.end - en.start), "GUAN\tHENG");
  EXPECT_EQ(hits[0].snippet, "記者關恆說。");
}

TEST_F(VariantsTest, UyghurTermsMatchInAllThreeScripts) {
  auto m = Compile(R"(id = "w"
[[keyword]]
id = "xinjiang"
terms = ["شىنجاڭ"]
[[keyword]]
id = "uyghur-latin"
terms = ["Uyghur"]
[[keyword]]
id = "camp"
terms = ["لاگېر"]
)");
  ASSERT_TRUE(m);
  EXPECT_THAT(Ids(*m, "", "Shinjang Uyghur Aptonom Rayoni"),
              ElementsAre("xinjiang", "uyghur-latin"));
  EXPECT_THAT(Ids(*m, "", "Шинҗаң һәққидә"), ElementsAre("xinjiang"));
  EXPECT_THAT(Ids(*m, "", "شىنجاڭدىكى"), ElementsAre("xinjiang"));
  EXPECT_THAT(Ids(*m, "", "ئۇيغۇرلار"), ElementsAre("uyghur-latin"));
  EXPECT_THAT(Ids(*m, "", "lagérlarda"), ElementsAre("camp"));
  // An English word only in its own script: "Uyghur" as written is a whole
  // word in Latin text.
  EXPECT_THAT(Ids(*m, "", "Uyghurstan"), IsEmpty());
  // The variants are listed.
  bool cyrillic = false;
  for (const TermVariant& v : m->variants()) cyrillic |= v.folded == "шинҗаң";
  EXPECT_TRUE(cyrillic);
}

TEST_F(VariantsTest, SwappedNameOrderAndMiddleDots) {
  auto m = Compile(R"(id = "w"
[[entity]]
id = "g"
names = ["Guan Heng"]
swap_name_order = true
[[entity]]
id = "r"
names = ["莱汉·阿萨特"]
[[entity]]
id = "n"
names = ["Ng Kin"]
)");
  ASSERT_TRUE(m);
  EXPECT_THAT(Ids(*m, "", "Heng Guan, a former worker"), ElementsAre("g"));
  EXPECT_THAT(Ids(*m, "", "Kin Ng said"), IsEmpty());  // no swap asked
  EXPECT_THAT(Ids(*m, "", "律师萊漢・阿薩特说"), ElementsAre("r"));
  EXPECT_THAT(Ids(*m, "", "律师莱汉 阿萨特说"), ElementsAre("r"));
  EXPECT_THAT(Ids(*m, "", "律师莱汉阿萨特说"), ElementsAre("r"));
}

TEST_F(VariantsTest, WildcardsDiacriticsAndTheChineseWordGuard) {
  auto m = Compile(R"(id = "w"
[[keyword]]
id = "deport"
terms = ["deport*"]
[[entity]]
id = "muller"
names = [{ text = "Müller", fold_diacritics = true }]
[[entity]]
id = "xeng"
names = ["Xéng"]
[[entity]]
id = "guan"
names = [{ text = "关恒", word_guard = true }]
)");
  ASSERT_TRUE(m);
  auto hits = m->Match("", "He was deported; deportation looms, not a deport-ee.");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].count, 3);
  const std::string text = "He was deported; deportation looms, not a deport-ee.";
  EXPECT_EQ(text.substr(hits[0].hits[0].start, hits[0].hits[0].end - hits[0].hits[0].start),
            "deported");
  EXPECT_THAT(Ids(*m, "", "Undeported"), IsEmpty());
  EXPECT_THAT(Ids(*m, "", "Herr Muller und Frau MÜLLER"), ElementsAre("muller"));
  EXPECT_THAT(Ids(*m, "", "Xeng"), IsEmpty());  // diacritics matter unless asked
  EXPECT_THAT(Ids(*m, "", "Xéng"), ElementsAre("xeng"));
  EXPECT_THAT(Ids(*m, "", "记者关恒在美国"), ElementsAre("guan"));
  EXPECT_THAT(Ids(*m, "", "有关恒大集团的消息"), IsEmpty());  // 有关 / 恒大
}

TEST_F(VariantsTest, AHitInsideALongerHitOfTheSameTargetCountsOnce) {
  auto m = Compile(R"(id = "w"
[[keyword]]
id = "uyghur"
terms = ["维吾尔", "维吾尔族", "新疆维吾尔自治区"]
)");
  ASSERT_TRUE(m);
  auto hits = m->Match("", "新疆维吾尔自治区的维吾尔族和维吾尔人");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].count, 3);
}

TEST_F(VariantsTest, RulesCombineTargetsPhrasesAndNear) {
  auto m = Compile(R"(id = "w"
[[entity]]
id = "guan-heng"
names = ["Guan Heng", "关恒"]
[[keyword]]
id = "deportation"
terms = ["deport*", "遣返"]
[[keyword]]
id = "sports"
terms = ["football"]
[[rule]]
id = "deported"
query = 'guan-heng AND deportation AND NOT sports'
[[rule]]
id = "near"
query = 'guan-heng NEAR/5 "immigration court"'
[[rule]]
id = "headline"
query = 'title:guan-heng AND deported'
)");
  ASSERT_TRUE(m);
  auto rules = [&](std::string_view title, std::string_view text) {
    std::vector<std::string> ids;
    for (const RuleMatch& r : m->MatchAll(title, text).rules) ids.push_back(r.rule_id);
    return ids;
  };
  EXPECT_THAT(rules("", "Guan Heng may be deported."), ElementsAre("deported"));
  EXPECT_THAT(rules("", "关恒可能被遣返"), ElementsAre("deported"));
  EXPECT_THAT(rules("", "Guan Heng may be deported, football fans said."), IsEmpty());
  EXPECT_THAT(rules("", "Guan Heng went to the Immigration Court today."), ElementsAre("near"));
  EXPECT_THAT(rules("", "Guan Heng said many things before the immigration court."), IsEmpty());
  EXPECT_THAT(rules("Guan Heng", "He may be deported."), ElementsAre("deported", "headline"));
}

TEST_F(VariantsTest, BadTermsAreErrors) {
  auto w = ParseWatchlist("id = \"w\"\n[[keyword]]\nid = \"k\"\nterms = [\"***\"]\n", "w.toml");
  ASSERT_TRUE(w.ok());
  auto m = WatchlistMatcher::Create({*w}, normalizer_.get());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), ::testing::HasSubstr("no letters"));
}

TEST_F(VariantsTest, TenThousandTermsCompileAndMatch) {
  std::string toml = "id = \"big\"\n";
  for (int i = 0; i < 9999; ++i) {
    toml += "[[keyword]]\nid = \"k" + std::to_string(i) + "\"\nterms = [\"term" +
            std::to_string(i) + "x\"]\n";
  }
  toml += "[[entity]]\nid = \"g\"\nnames = [\"Guan Heng\"]\n";
  auto m = Compile(toml);
  ASSERT_TRUE(m);
  EXPECT_THAT(Ids(*m, "", "Term42x met Guan Heng; term9998x too, term9999x not."),
              ::testing::UnorderedElementsAre("k42", "k9998", "g"));
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST_F(VariantsTest, CaseSensitiveTermsAndExclusions) {
  auto m = Compile(R"(id = "w"
[[keyword]]
id = "ice"
terms = [{ text = "ICE", case_sensitive = true }, "Immigration and Customs Enforcement"]
[[keyword]]
id = "camp"
terms = ["لاگېر", "驱逐"]
exclude = ["ياز لاگېرى", { text = "驱逐舰" }]
)");
  ASSERT_TRUE(m);
  EXPECT_THAT(Ids(*m, "", "ICE agents detained him."), ElementsAre("ice"));
  EXPECT_THAT(Ids(*m, "", "Thin ice on the lake; Ice cream."), IsEmpty());
  auto hits = m->Match("", "ice and ICE and Ice");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].count, 1);
  EXPECT_THAT(Ids(*m, "", "جازا لاگېرلىرى"), ElementsAre("camp"));
  EXPECT_THAT(Ids(*m, "", "بالىلار ياز لاگېرىغا باردى"), IsEmpty());
  EXPECT_THAT(Ids(*m, "", "美国驱逐舰驶过"), IsEmpty());
  auto both = m->Match("", "驱逐舰和驱逐");
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].count, 1);
  bool exclusion_listed = false;
  for (const TermVariant& v : m->variants()) exclusion_listed |= v.exclude;
  EXPECT_TRUE(exclusion_listed);
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST_F(VariantsTest, AllCapitalsTermsAreNotAcronymsInShoutedText) {
  auto m = Compile(R"(id = "w"
[[keyword]]
id = "ice"
terms = [{ text = "ICE", case_sensitive = true }]
)");
  ASSERT_TRUE(m);
  EXPECT_THAT(Ids(*m, "", "Signs will read “ICE ON BRIDGES” tonight."), IsEmpty());
  EXPECT_THAT(Ids(*m, "BLACK ICE WARNING FOR TONIGHT", ""), IsEmpty());
  EXPECT_THAT(Ids(*m, "", "U.S. ICE agents and DHS, ICE officials"), ElementsAre("ice"));
}

}  // namespace
}  // namespace mw
