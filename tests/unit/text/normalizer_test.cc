#include "text/normalizer.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

class NormalizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = TextNormalizer::Create({});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value();
  }
  std::string Fold(std::string_view s) { return normalizer_->Fold(s); }
  std::unique_ptr<TextNormalizer> normalizer_;
};

TEST_F(NormalizerTest, CaseFoldsLatin) {
  EXPECT_EQ(Fold("GUAN HENG"), "guan heng");
  EXPECT_EQ(Fold("Straße"), "strasse");
}

TEST_F(NormalizerTest, FullWidthToAscii) { EXPECT_EQ(Fold("ＧＵＡＮ　Ｈｅｎｇ"), "guan heng"); }

TEST_F(NormalizerTest, TraditionalToSimplified) {
  EXPECT_EQ(Fold("關恆"), "关恒");
  EXPECT_EQ(Fold("新疆維吾爾自治區"), "新疆维吾尔自治区");
  // Phrase-level conversion: ICU's character-level transform gets this wrong.
  EXPECT_EQ(Fold("烏干達"), "乌干达");
}

TEST_F(NormalizerTest, NameSeparatorsBecomeSpaces) {
  EXPECT_EQ(Fold("莱汉·阿萨特"), Fold("萊漢・阿薩特"));
  EXPECT_EQ(Fold("莱汉·阿萨特"), "莱汉 阿萨特");
}

TEST_F(NormalizerTest, RemovesBidiControlsZeroWidthAndTatweel) {
  // RLM, ZWSP and tatweel inside an Arabic-script word.
  EXPECT_EQ(Fold("\u200Fشىن\u200Bجـاڭ"), "شىنجاڭ");
}

TEST_F(NormalizerTest, CollapsesWhitespace) { EXPECT_EQ(Fold("  a \t\n b  "), "a b"); }

TEST_F(NormalizerTest, InvalidUtf8BecomesReplacementCharacter) {
  std::string out = Fold(std::string("ab\xff\xfe", 4));
  EXPECT_EQ(out.substr(0, 2), "ab");
  EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST_F(NormalizerTest, IdempotentOnMixedScripts) {
  std::string once = Fold("Guan Heng 關恆 ئۇيغۇر Ⅻ ﬁ");
  EXPECT_EQ(Fold(once), once);
}

TEST(TextClassesTest, WordAndScriptClasses) {
  EXPECT_TRUE(IsWordCodePoint(U'a'));
  EXPECT_TRUE(IsWordCodePoint(U'ش'));
  EXPECT_FALSE(IsWordCodePoint(U' '));
  EXPECT_FALSE(IsWordCodePoint(U','));
  EXPECT_TRUE(IsScriptWithoutSpaces(U'关'));
  EXPECT_FALSE(IsScriptWithoutSpaces(U'g'));
  EXPECT_FALSE(IsScriptWithoutSpaces(U'ش'));
}

TEST(TextClassesTest, DecodeUtf8At) {
  std::string s = "a关\xff";
  size_t pos = 0;
  EXPECT_EQ(DecodeUtf8At(s, &pos), U'a');
  EXPECT_EQ(DecodeUtf8At(s, &pos), U'关');
  EXPECT_EQ(DecodeUtf8At(s, &pos), U'\uFFFD');
  EXPECT_EQ(pos, s.size());
}

}  // namespace
}  // namespace mw
