// Tests for parsers/language.h: script and statistics based guesses, and
// refusing to guess on weak evidence.

#include "parsers/language.h"

#include <gtest/gtest.h>

#include <string>

namespace mw {
namespace {

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += s;
    out += ' ';
  }
  return out;
}

TEST(GuessLanguage, ScriptsOfTheirOwn) {
  EXPECT_EQ(GuessLanguage(Repeat("関恒氏はウイグルの収容所を撮影した。", 3)), "ja");
  EXPECT_EQ(GuessLanguage(Repeat("관헝은 신장의 수용소를 촬영했다.", 3)), "ko");
  EXPECT_EQ(GuessLanguage(Repeat("בית המשפט בניו יורק דן בתיק של העיתונאי", 2)), "he");
  EXPECT_EQ(GuessLanguage(Repeat("Το δικαστήριο της Νέας Υόρκης εξέτασε την υπόθεση", 2)), "el");
  EXPECT_EQ(GuessLanguage(Repeat("ศาลในนิวยอร์กพิจารณาคดีของนักข่าว", 2)), "th");
}

TEST(GuessLanguage, ArabicScriptLanguages) {
  EXPECT_EQ(GuessLanguage(Repeat("ئۇيغۇرلار ھەققىدىكى خەۋەرلەر دۇنيادا كەڭ تارقالدى", 3)), "ug");
  // (U+200C: the zero-width non-joiner Persian writes inside words.)
  const std::string persian = "دادگاه نیویورک پرونده این روزنامه\u200Cنگار را بررسی کرد که";
  EXPECT_EQ(GuessLanguage(Repeat(persian, 3)), "fa");
  EXPECT_EQ(GuessLanguage(Repeat("نیویارک کی عدالت نے صحافی کے مقدمے کی سماعت کی ہے اور ٹیم", 3)),
            "ur");
  EXPECT_EQ(GuessLanguage(Repeat("نظرت المحكمة في نيويورك في قضية الصحفي الذي صور المعسكرات", 3)),
            "ar");
}

TEST(GuessLanguage, CyrillicLanguages) {
  EXPECT_EQ(GuessLanguage(Repeat("Уйғурлар һәққидики хәвәрләр дуняда кәң тарқалди", 3)), "ug-Cyrl");
  EXPECT_EQ(GuessLanguage(Repeat("Нью-Йорк соты журналистің ісін қарады және ұйғыр", 3)), "kk");
  EXPECT_EQ(GuessLanguage(Repeat("Суд рассмотрел дело, что он был прав, как она и сказала", 3)),
            "ru");
}

TEST(GuessLanguage, LatinLanguagesByFunctionWords) {
  EXPECT_EQ(GuessLanguage(Repeat("Le tribunal de New York a examiné le dossier du journaliste et "
                                 "il a dit que la décision est pour demain",
                                 2)),
            "fr");
  EXPECT_EQ(
      GuessLanguage(Repeat("Das Gericht in New York hat den Fall des Journalisten geprüft und "
                           "die Entscheidung wird nicht vor Montag erwartet",
                           2)),
      "de");
  EXPECT_EQ(GuessLanguage(Repeat("El tribunal de Nueva York examinó el caso del periodista y la "
                                 "decisión se espera para el lunes con los abogados",
                                 2)),
            "es");
  EXPECT_EQ(GuessLanguage(Repeat("Uyghurlar heqqide nurghun xewer bar we bu lagér üchün muhim "
                                 "dep qaraldi, hökümet bilen bolghan",
                                 2)),
            "ug-Latn");
}

TEST(GuessLanguage, WeakEvidenceIsNoGuess) {
  EXPECT_EQ(GuessLanguage(""), "");
  EXPECT_EQ(GuessLanguage("12345 67890 !!! ... ---"), "");
  EXPECT_EQ(GuessLanguage("Hello world"), "");  // too short
  EXPECT_EQ(GuessLanguage("关恒"), "");         // two characters
  // Latin letters without the function words of any profile.
  EXPECT_EQ(GuessLanguage(Repeat("xq zv kw pj", 10)), "");
  // Invalid UTF-8 is skipped, not fatal.
  EXPECT_EQ(GuessLanguage(std::string(100, '\xFF')), "");
}

TEST(GuessLanguage, ChineseFormsAndHugeInput) {
  std::string simplified = Repeat("这个问题关系到他们的国家和经济发展。", 3);
  std::string traditional = Repeat("這個問題關係到他們的國家和經濟發展。", 3);
  EXPECT_EQ(GuessLanguage(simplified), "zh-Hans");
  EXPECT_EQ(GuessLanguage(traditional), "zh-Hant");
  EXPECT_EQ(GuessLanguage(Repeat("中文文本內容", 3)), "zh");  // no telling characters
  // Only the first 64 KiB are read; a cut inside a character is harmless.
  std::string huge = Repeat("这个问题关系到他们", 20000);
  EXPECT_EQ(GuessLanguage(huge), "zh-Hans");
}

}  // namespace
}  // namespace mw
