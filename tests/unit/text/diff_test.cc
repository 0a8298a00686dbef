#include "text/diff.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

TEST(LineDiffTest, SameTextsHaveNoDiff) {
  EXPECT_EQ(LineDiff("a\nb\nc", "a\nb\nc"), "");
  EXPECT_EQ(LineDiff("", ""), "");
  EXPECT_EQ(LineDiff("a\nb\n", "a\nb"), "");  // a trailing newline is not a paragraph
}

TEST(LineDiffTest, ChangedAddedAndRemovedParagraphs) {
  const std::string before =
      "Guan Heng was detained in New York.\n"
      "His lawyers said he faced persecution.\n"
      "Officials declined to comment.\n"
      "The hearing is on Monday.";
  const std::string after =
      "Guan Heng was detained in New York.\n"
      "His lawyers said he would face persecution in China.\n"
      "Officials declined to comment.";
  EXPECT_EQ(LineDiff(before, after),
            "@@ paragraph 2 @@\n"
            "- His lawyers said he faced persecution.\n"
            "+ His lawyers said he would face persecution in China.\n"
            "@@ paragraph 4 @@\n"
            "- The hearing is on Monday.\n");
  EXPECT_EQ(LineDiff("关恒\n新疆", "新疆\n乌干达"),
            "@@ paragraph 1 @@\n- 关恒\n@@ paragraph 3 @@\n+ 乌干达\n");
  EXPECT_EQ(LineDiff("", "new text"), "@@ paragraph 1 @@\n+ new text\n");
}

TEST(LineDiffTest, HugeTextsAreComparedAsOneBlock) {
  std::string a, b;
  for (int i = 0; i < 30; ++i) {
    a += "line " + std::to_string(i) + "\n";
    b += "line " + std::to_string(i == 15 ? 99 : i) + "\n";
  }
  LineDiffOptions small;
  small.max_lines = 10;
  const std::string whole = LineDiff(a, b, small);
  EXPECT_EQ(whole.rfind("@@ paragraph 1 @@\n- line 0\n", 0), 0u) << whole;
  EXPECT_EQ(LineDiff(a, b), "@@ paragraph 16 @@\n- line 15\n+ line 99\n");
}

TEST(CollapseWhitespaceTest, SpacingOnlyChangesCompareEqual) {
  EXPECT_EQ(CollapseWhitespace("  Guan   Heng\t spoke. \n\n\nNext\xc2\xa0 line  "),
            "Guan Heng spoke.\nNext line");
  EXPECT_EQ(CollapseWhitespace("关恒\xe3\x80\x80说"), "关恒 说");
  EXPECT_EQ(CollapseWhitespace("a\xe2\x80\x8b b"), "a b");
  EXPECT_EQ(CollapseWhitespace(""), "");
  // Bytes that only look like the start of a space are kept.
  EXPECT_EQ(CollapseWhitespace("\xe2\x80"), "\xe2\x80");
}

}  // namespace
}  // namespace mw
