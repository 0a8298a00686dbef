#include "text/normalizer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_support.h"

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

TEST_F(NormalizerTest, NameSeparatorsBecomeOneMiddleDot) {
  EXPECT_EQ(Fold("莱汉·阿萨特"), Fold("萊漢・阿薩特"));
  EXPECT_EQ(Fold("热依汗•阿萨特"), "热依汗\u00B7阿萨特");
  EXPECT_EQ(Fold("萊漢‧阿薩特"), "莱汉\u00B7阿萨特");
}

TEST_F(NormalizerTest, PunctuationIsUnified) {
  EXPECT_EQ(Fold("ئۇيغۇر، خىتاي؟"), "ئۇيغۇر, خىتاي?");
  EXPECT_EQ(Fold("«جازا لاگېرى» “quoted” ‘single’ – dash"),
            "\"جازا لاگېرى\" \"quoted\" 'single' - dash");
}

TEST_F(NormalizerTest, UyghurLookAlikesFold) {
  EXPECT_EQ(Fold("شینجاڭ"), "شىنجاڭ");      // Farsi yeh before a consonant -> ى
  EXPECT_EQ(Fold("یاخشى"), "ياخشى");        // before a vowel -> ي
  EXPECT_EQ(Fold("کامپ"), "كامپ");          // keheh -> kaf
  EXPECT_EQ(Fold("مۇهاجىر"), "مۇھاجىر");    // heh inside a word -> ھ
  EXPECT_EQ(Fold("مەكتەپته"), "مەكتەپتە");  // heh at the end -> ە
}

TEST_F(NormalizerTest, LatinDiacriticsOnlyWhenAsked) {
  EXPECT_EQ(Fold("Müller Xéng"), "müller xéng");
  EXPECT_EQ(normalizer_->Fold("Müller Xéng Łódź", {.strip_latin_diacritics = true}),
            "muller xeng łodz");
  // Decomposed input too; Cyrillic й keeps its breve.
  EXPECT_EQ(normalizer_->Fold("Mu\u0308ller й", {.strip_latin_diacritics = true}), "muller й");
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

// Fold may be called from several threads at once (normalizer.h); run
// under ThreadSanitizer by scripts/tsan.sh. Every thread's result must be the
// single-threaded one.
TEST_F(NormalizerTest, ConcurrentFoldsAgree) {
  const std::string input = "記者關恆說 GUAN Heng 薴麻 ئۇيغۇر شینجاڭ Müller ﬁ";
  const FoldedText expected = normalizer_->FoldWithOffsets(input);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        FoldedText f = normalizer_->FoldWithOffsets(input, {.strip_latin_diacritics = t % 2 == 1});
        std::string plain = normalizer_->Fold(input);
        if (t % 2 == 0 && (f.text != expected.text || f.starts != expected.starts)) ++mismatches;
        if (plain != expected.text) ++mismatches;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// --- Offset map ---------------------------------------------------------------------

std::string Original(std::string_view input, const FoldedText& f, size_t begin, size_t end) {
  auto [b, e] = f.OriginalSpan(begin, end);
  return std::string(input.substr(b, e - b));
}

TEST_F(NormalizerTest, OffsetsMapFoldedSpansBackToTheOriginal) {
  std::string input = "  記者關恆\u200F說： GUAN  HENG،  ﻿شىنـجاڭ Straße";
  FoldedText f = normalizer_->FoldWithOffsets(input);
  ASSERT_EQ(f.text, normalizer_->Fold(input));
  ASSERT_EQ(f.starts.size(), f.text.size());
  ASSERT_EQ(f.ends.size(), f.text.size());
  auto span_of = [&](std::string_view folded_needle) {
    size_t at = f.text.find(folded_needle);
    EXPECT_NE(at, std::string::npos) << folded_needle;
    return Original(input, f, at, at + folded_needle.size());
  };
  // The RLM after 恆 has no normalization boundary before it: it belongs to
  // the segment of 恆, so the span includes it (it is invisible anyway).
  EXPECT_EQ(span_of("关恒"), "關恆\u200F");
  EXPECT_EQ(span_of("guan heng"), "GUAN  HENG");
  EXPECT_EQ(span_of("شىنجاڭ"), "شىنـجاڭ");
  EXPECT_EQ(span_of("strasse"), "Straße");
  EXPECT_EQ(span_of("ss"), "ß");  // one original letter, two folded ones
  EXPECT_EQ(Original(input, f, 0, f.text.size()), input.substr(2));
  EXPECT_EQ(f.OriginalSpan(3, 3), (std::pair<size_t, size_t>{0, 0}));
  EXPECT_EQ(f.OriginalSpan(0, f.text.size() + 1), (std::pair<size_t, size_t>{0, 0}));
}

TEST_F(NormalizerTest, OffsetInvariantsOnHostileInput) {
  uint32_t state = 7;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  const std::string_view pieces[] = {
      "A",  "ß", "關",        "恆", "\u0649\u0654", "\u064A\u0654", "\u200F",   "ـ", " ",
      "\t", "ﻻ", "Ⅻ",         "ﬁ",  "e\u0301",      "\xFF",         "\xE4\xB8", "•", "«",
      "ی",  "ه", "\U0001F600"};
  for (int round = 0; round < 300; ++round) {
    std::string input;
    int len = static_cast<int>(next() % 40);
    for (int i = 0; i < len; ++i) input += pieces[next() % std::size(pieces)];
    FoldedText f = normalizer_->FoldWithOffsets(input);
    ASSERT_EQ(f.starts.size(), f.text.size());
    for (size_t i = 0; i < f.text.size(); ++i) {
      ASSERT_LE(f.starts[i], f.ends[i]);
      ASSERT_LE(f.ends[i], input.size());
      if (i > 0) {
        ASSERT_LE(f.starts[i - 1], f.starts[i]) << input;
      }
    }
    // Valid UTF-8 out, and folding is idempotent.
    size_t pos = 0;
    while (pos < f.text.size()) {
      size_t before = pos;
      char32_t c = DecodeUtf8At(f.text, &pos);
      ASSERT_FALSE(c == U'\uFFFD' && f.text.compare(before, 3, "\xEF\xBF\xBD") != 0) << input;
    }
    ASSERT_EQ(normalizer_->Fold(f.text), f.text) << input;
  }
}

// Found by the normalizer fuzzer (tests/fuzz/regressions/normalizer): each
// broke Fold(Fold(x)) == Fold(x).
TEST_F(NormalizerTest, FuzzRegressionsStayIdempotent) {
  for (std::string_view input : {std::string_view("\xDB\x8C\xD9\x94"),     // ی + hamza above
                                 std::string_view("\xD9\x87\xD9\x94")}) {  // ه + hamza above
    std::string once = normalizer_->Fold(input);
    EXPECT_EQ(normalizer_->Fold(once), once);
  }
  EXPECT_EQ(normalizer_->Fold("\xDB\x8C\xD9\x94"), "\xD8\xA6");  // -> ئ
  // ه + DOT BELOW (ccc 220) + HAMZA ABOVE (ccc 230): ه becomes ە at the end of
  // a word, and ە composes with the hamza across the mark of another class
  // (regressions/normalizer/heh-mark-then-hamza-above).
  for (std::string_view input :
       {"\u0647\u065C\u0654", "\u06CC\u065C\u0654 x", "\u0647\u0654\u065C\u0628"}) {
    std::string folded = normalizer_->Fold(input);
    EXPECT_EQ(normalizer_->Fold(folded), folded) << input;
  }
  EXPECT_EQ(normalizer_->Fold("\u0647\u065C\u0654"), "\u06C0\u065C");  // ۀ + dot below
  FoldOptions strip{.strip_latin_diacritics = true};
  std::string once = normalizer_->Fold("a \xCC\x81", strip);  // a, space, combining acute
  EXPECT_EQ(normalizer_->Fold(once, strip), once);
}

// Removing a tatweel between two combining marks must not leave them out of
// canonical order (KASRA ccc 32 before FATHA ccc 30), nor keep apart a letter
// and a mark that compose (ALEF + HAMZA ABOVE = أ): a second fold would
// reorder or compose them (tests/fuzz/regressions/normalizer/tatweel-between-marks).
TEST_F(NormalizerTest, TatweelBetweenMarksFoldsAsIfAbsent) {
  const std::string beh_kasra_tatweel_fatha = "\u0628\u0650\u0640\u064E";
  EXPECT_EQ(Fold(beh_kasra_tatweel_fatha), "\u0628\u064E\u0650");
  EXPECT_EQ(Fold(beh_kasra_tatweel_fatha), Fold("\u0628\u0650\u064E"));
  EXPECT_EQ(Fold("\u0627\u0640\u0654"), "\u0623");        // ا ـ ٔ -> أ
  EXPECT_EQ(Fold("\u0649\u0640\u0640\u0654"), "\u0626");  // ى ـ ـ ٔ -> ئ
  EXPECT_EQ(Fold("\u0640\u064E"), "\u064E");              // leading tatweel
  for (std::string_view input :
       {std::string_view(beh_kasra_tatweel_fatha), std::string_view("x \u0640\u064E\u0640\u0650"),
        std::string_view("A\u0640\u0301"), std::string_view("\u0640")}) {
    std::string once = Fold(input);
    EXPECT_EQ(Fold(once), once) << input;
    FoldedText f = normalizer_->FoldWithOffsets(input);
    EXPECT_EQ(f.text, once);
    ASSERT_EQ(f.starts.size(), f.text.size());
    for (size_t i = 0; i < f.text.size(); ++i) EXPECT_LE(f.ends[i], input.size());
  }
  // Medial-form marks fold to a tatweel and marks (ﳳ = ـ + damma + shadda):
  // the tatweel goes and the marks are ordered with those before it
  // (regressions/normalizer/mark-then-medial-form-ligature).
  for (std::string_view input :
       {"\u0333\uFCF3", "\u0628\u0650\uFCF3", "x\uFE77\u0650", "\uFCF3", "\u0649\uFE7D\u0654"}) {
    std::string once = Fold(input);
    EXPECT_EQ(Fold(once), once) << input;
    EXPECT_EQ(once.find("\u0640"), std::string::npos) << input;
  }
  EXPECT_EQ(Fold("\u0628\u0650\uFCF3"), Fold("\u0628\u0650\u064F\u0651"));
  // The folded letter and marks map back to the whole original sequence.
  FoldedText f = normalizer_->FoldWithOffsets("x " + beh_kasra_tatweel_fatha);
  EXPECT_EQ(Original("x " + beh_kasra_tatweel_fatha, f, 2, f.text.size()), beh_kasra_tatweel_fatha);
}

// OpenCC t2s is not idempotent: 薴 -> 苧, which t2s maps again to 苎. Folding
// converts until nothing changes (tests/fuzz/regressions/normalizer/opencc-t2s-chain).
TEST_F(NormalizerTest, TraditionalToSimplifiedReachesAFixpoint) {
  EXPECT_EQ(Fold("\u85B4"), "\u82CE");  // 薴 -> 苎
  EXPECT_EQ(Fold("\u82E7"), "\u82CE");  // 苧 -> 苎
  for (std::string_view input :
       {std::string_view("\u85B4"), std::string_view("關恆說薴麻和苧麻")}) {
    std::string once = Fold(input);
    EXPECT_EQ(Fold(once), once) << input;
  }
  // Same length after both passes: each character keeps its own offsets.
  const std::string input = "ab\u85B4\u95DC";  // ab薴關
  FoldedText f = normalizer_->FoldWithOffsets(input);
  ASSERT_EQ(f.text, "ab\u82CE\u5173");  // ab苎关
  EXPECT_EQ(Original(input, f, 2, 5), "\u85B4");
  EXPECT_EQ(Original(input, f, 5, 8), "\u95DC");
}

// --- The shared normalization vectors ------------------------------------------------

// "\uXXXX" escapes -> UTF-8.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s.substr(i, 2) == "\\u" && i + 6 <= s.size()) {
      char32_t c = static_cast<char32_t>(std::stoul(std::string(s.substr(i + 2, 4)), nullptr, 16));
      char buf[5] = {};
      if (c < 0x80) {
        buf[0] = static_cast<char>(c);
      } else if (c < 0x800) {
        buf[0] = static_cast<char>(0xC0 | (c >> 6));
        buf[1] = static_cast<char>(0x80 | (c & 0x3F));
      } else {
        buf[0] = static_cast<char>(0xE0 | (c >> 12));
        buf[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        buf[2] = static_cast<char>(0x80 | (c & 0x3F));
      }
      out += buf;
      i += 6;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

TEST(NormalizationVectors, EveryVectorPasses) {
  MW_REQUIRE_SHARED();
  std::ifstream in(testing::SharedDir() / "text" / "uyghur-normalization-vectors.tsv");
  ASSERT_TRUE(in) << "uyghur-normalization-vectors.tsv missing";
  auto plain = TextNormalizer::Create({});
  auto hack = TextNormalizer::Create({.uyghur_font_hack = true});
  ASSERT_TRUE(plain.ok() && hack.ok());
  std::string line;
  int rows = 0;
  int font_hack_rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab1 = line.find('\t');
    size_t tab2 = line.find('\t', tab1 + 1);
    ASSERT_NE(tab2, std::string::npos) << line;
    std::string input = Unescape(line.substr(0, tab1));
    std::string expected = Unescape(line.substr(tab1 + 1, tab2 - tab1 - 1));
    std::string what = line.substr(tab2 + 1);
    bool font_hack = what.find("font hack") != std::string::npos;
    const TextNormalizer& n = font_hack ? **hack : **plain;
    EXPECT_EQ(n.Fold(input), expected) << what;
    if (font_hack) {
      ++font_hack_rows;
      EXPECT_NE((*plain)->Fold(input), expected) << "the font hack must be off by default";
    }
    ++rows;
  }
  EXPECT_EQ(rows, 18);
  EXPECT_EQ(font_hack_rows, 1);
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
