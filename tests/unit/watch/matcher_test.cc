#include "watch/matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mw {
namespace {

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = TextNormalizer::Create({});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value();
    auto w = ParseWatchlist(R"(
id = "case"
[[entity]]
id = "guan-heng"
names = ["Guan Heng", "Heng Guan", "关恒"]
[[keyword]]
id = "xinjiang"
terms = ["Xinjiang", "新疆", "شىنجاڭ"]
[[keyword]]
id = "uyghur"
terms = ["Uyghur", "ئۇيغۇر"]
)",
                            "case.toml");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    auto m = WatchlistMatcher::Create({*w}, normalizer_.get());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    matcher_ = std::move(m).value();
  }

  std::vector<std::string> Ids(std::string_view title, std::string_view text) {
    std::vector<std::string> ids;
    for (const TermMatch& m : matcher_->Match(title, text)) ids.push_back(m.target_id);
    return ids;
  }

  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(MatcherTest, CaseInsensitiveLatin) {
  EXPECT_THAT(Ids("", "Supporters of GUAN HENG rallied."), ElementsAre("guan-heng"));
  EXPECT_THAT(Ids("", "heng guan said"), ElementsAre("guan-heng"));
}

TEST_F(MatcherTest, LatinNeedsWordBoundaries) {
  EXPECT_THAT(Ids("", "Chef Guan Hengyu opened a restaurant on Guanheng Road."), IsEmpty());
  EXPECT_THAT(Ids("", "Guan Heng's lawyer"), ElementsAre("guan-heng"));
  EXPECT_THAT(Ids("", "(Guan Heng)"), ElementsAre("guan-heng"));
}

TEST_F(MatcherTest, TraditionalChineseMatchesSimplifiedTerm) {
  EXPECT_THAT(Ids("關恆獲釋", ""), ElementsAre("guan-heng"));
  EXPECT_THAT(Ids("", "他在新疆拍攝"), ElementsAre("xinjiang"));
}

TEST_F(MatcherTest, ChineseMatchesInsideRunningText) {
  EXPECT_THAT(Ids("", "记者关恒偷拍了新疆的营地"), ElementsAre("guan-heng", "xinjiang"));
}

TEST_F(MatcherTest, UyghurTermsMatchAtAWordStartWithSuffixes) {
  EXPECT_THAT(Ids("", "شىنجاڭ ھەققىدە"), ElementsAre("xinjiang"));
  EXPECT_THAT(Ids("", "شىنجاڭدىكى لاگېرلار"), ElementsAre("xinjiang"));
  EXPECT_THAT(Ids("", "ئۇيغۇرلار ۋە ئۇيغۇرچە"), ElementsAre("uyghur"));
  EXPECT_THAT(Ids("", "بىز ئۇيغۇر خەلقى"), ElementsAre("uyghur"));
  // Not inside a word.
  EXPECT_THAT(Ids("", "ماشىنجاڭ"), IsEmpty());
}

TEST_F(MatcherTest, ReportsFieldCountTermAndOriginalSnippet) {
  auto hits = matcher_->Match("Guan Heng wins a reprieve",
                              "First paragraph about other things.\n"
                              "A judge said GUAN HENG may stay; Guan Heng thanked supporters.");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].field, "title");
  EXPECT_EQ(hits[0].count, 3);
  EXPECT_EQ(hits[0].term, "Guan Heng");
  EXPECT_EQ(hits[0].kind, TargetKind::kEntity);
  EXPECT_EQ(hits[0].watchlist_id, "case");
  // The snippet is the original paragraph, not the folded text.
  EXPECT_EQ(hits[0].snippet, "A judge said GUAN HENG may stay; Guan Heng thanked supporters.");
}

TEST_F(MatcherTest, LongParagraphSnippetIsCutAroundTheHit) {
  std::string text(2000, 'x');
  text += " Xinjiang ";
  text += std::string(2000, 'y');
  auto hits = matcher_->Match("", text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_LE(hits[0].snippet.size(), 260u);
  EXPECT_NE(hits[0].snippet.find("Xinjiang"), std::string::npos);
}

TEST_F(MatcherTest, NoMatchOnUnrelatedText) {
  EXPECT_THAT(Ids("Weather", "Sunny in Guangzhou, rain in Hengyang."), IsEmpty());
  EXPECT_THAT(Ids("", ""), IsEmpty());
}

TEST_F(MatcherTest, SurvivesInvalidUtf8) {
  std::string junk("\xff\xfe Guan Heng \xc3", 15);
  EXPECT_THAT(Ids("", junk), ElementsAre("guan-heng"));
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST(MatcherDedupTest, SpellingsThatFoldAlikeCountOnce) {
  auto n = TextNormalizer::Create({});
  ASSERT_TRUE(n.ok());
  auto w = ParseWatchlist(
      "id = \"w\"\n[[entity]]\nid = \"g\"\nnames = [\"关恒\", \"關恆\", \"關恒\", \"GUAN HENG\", "
      "\"guan heng\"]\n",
      "w.toml");
  ASSERT_TRUE(w.ok());
  auto m = WatchlistMatcher::Create({*w}, n->get());
  ASSERT_TRUE(m.ok());
  auto hits = (*m)->Match("", "關恆 and Guan Heng");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].count, 2);
  EXPECT_EQ(hits[0].term, "关恒");
}

}  // namespace
}  // namespace mw
