#include "text/uyghur.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_support.h"

namespace mw {
namespace {

constexpr UyghurScript kUey = UyghurScript::kArabic;
constexpr UyghurScript kUly = UyghurScript::kLatin;
constexpr UyghurScript kUsy = UyghurScript::kCyrillic;
constexpr UyghurScript kAllScripts[] = {kUey, kUly, kUsy};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, '\t')) fields.push_back(f);
  return fields;
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  std::string w;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) words.push_back(w);
  return words;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    *out += static_cast<char>(c);
  } else if (c < 0x800) {
    *out += static_cast<char>(0xC0 | (c >> 6));
    *out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *out += static_cast<char>(0xE0 | (c >> 12));
    *out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (c >> 18));
    *out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Decodes valid UTF-8 (test data only).
std::u32string Utf32(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; k < n && i + k < s.size(); ++k) c = (c << 6) | (s[i + k] & 0x3F);
    out += c;
    i += n;
  }
  return out;
}

// The \uXXXX escapes of uyghur-normalization-vectors.tsv.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 5 < s.size() && s[i + 1] == 'u') {
      AppendUtf8(static_cast<char32_t>(std::stoul(std::string(s.substr(i + 2, 4)), nullptr, 16)),
                 &out);
      i += 5;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Upper-cases ULY letters (ASCII and é ö ü).
std::string UlyUpper(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] >= 'a' && s[i] <= 'z') {
      out += static_cast<char>(s[i] - 'a' + 'A');
    } else if (s.substr(i, 2) == "é" || s.substr(i, 2) == "ö" || s.substr(i, 2) == "ü") {
      out += s.substr(i, 2) == "é" ? "É" : s.substr(i, 2) == "ö" ? "Ö" : "Ü";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsUeyVowel(char32_t c) {
  return c == U'ا' || c == U'ە' || c == U'و' || c == U'ۇ' || c == U'ۆ' || c == U'ۈ' || c == U'ې' ||
         c == U'ى';
}
bool IsUeyConsonant(char32_t c) {
  return c >= 0x0620 && c <= 0x06FF && !IsUeyVowel(c) && c != U'ئ';
}

// The item titles of the RFA Uyghur feed (the channel title is skipped), and
// the text of the item descriptions and bodies (content:encoded, escaped HTML).
struct RfaUyghur {
  std::vector<std::string> titles;
  std::vector<std::string> texts;
};

// The contents of every <name ...>...</name> after the first <item>.
std::vector<std::string> ElementTexts(const std::string& xml, const std::string& name) {
  std::vector<std::string> out;
  const std::string close = "</" + name + ">";
  size_t pos = xml.find("<item ");
  while (pos != std::string::npos && (pos = xml.find("<" + name, pos)) != std::string::npos) {
    const size_t start = xml.find('>', pos);
    const size_t end = start == std::string::npos ? start : xml.find(close, start);
    if (end == std::string::npos) break;
    out.push_back(xml.substr(start + 1, end - start - 1));
    pos = end;
  }
  return out;
}

// Escaped HTML (the feed uses only &lt; and &gt;) to text: tags become spaces.
std::string HtmlText(std::string_view escaped) {
  std::string out;
  bool in_tag = false;
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped.substr(i, 4) == "&lt;") {
      in_tag = true;
      out += ' ';
      i += 3;
    } else if (escaped.substr(i, 4) == "&gt;") {
      in_tag = false;
      i += 3;
    } else if (!in_tag) {
      out += escaped[i];
    }
  }
  return out;
}

RfaUyghur ReadRfaUyghur() {
  const std::string xml = testing::ReadFileOrDie(testing::SharedDir() / "corpora" / "multilingual" /
                                                 "rss" / "rfa-uyghur-nuus.xml");
  RfaUyghur rfa;
  rfa.titles = ElementTexts(xml, "title");
  rfa.texts = ElementTexts(xml, "description");
  for (const std::string& html : ElementTexts(xml, "content:encoded")) {
    rfa.texts.push_back(HtmlText(html));
  }
  return rfa;
}

class UyghurTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto t = UyghurTransliterator::Create();
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    translit_ = std::move(t).value();
  }
  static void TearDownTestSuite() { translit_.reset(); }

  static std::string Conv(std::string_view s, UyghurScript from, UyghurScript to) {
    return translit_->Convert(s, from, to);
  }

  // All six directions between the three spellings of the same text.
  static void ExpectSame(const std::string& uey, const std::string& uly, const std::string& usy) {
    SCOPED_TRACE("UEY " + uey + " | ULY " + uly + " | USY " + usy);
    EXPECT_EQ(Conv(uey, kUey, kUly), uly);
    EXPECT_EQ(Conv(uey, kUey, kUsy), usy);
    EXPECT_EQ(Conv(uly, kUly, kUey), uey);
    EXPECT_EQ(Conv(uly, kUly, kUsy), usy);
    EXPECT_EQ(Conv(usy, kUsy, kUey), uey);
    EXPECT_EQ(Conv(usy, kUsy, kUly), uly);
  }

  static std::unique_ptr<UyghurTransliterator> translit_;
};

std::unique_ptr<UyghurTransliterator> UyghurTest::translit_;

TEST(UyghurScriptNameTest, Names) {
  EXPECT_EQ(UyghurScriptName(kUey), "UEY");
  EXPECT_EQ(UyghurScriptName(kUly), "ULY");
  EXPECT_EQ(UyghurScriptName(kUsy), "USY");
}

// Every row of uyghur-alphabet.tsv, in all six directions: consonants alone
// and before a vowel, vowels word-initially (with ئ in UEY) and after a
// consonant, and ULY input in upper case.
TEST_F(UyghurTest, AlphabetTsvEveryLetterAllDirections) {
  MW_REQUIRE_SHARED();
  std::ifstream in(testing::SharedDir() / "text" / "uyghur-alphabet.tsv");
  ASSERT_TRUE(in) << "uyghur-alphabet.tsv missing";
  const std::set<std::string> uly_vowels = {"a", "e", "é", "i", "o", "ö", "u", "ü"};
  std::string line;
  std::getline(in, line);  // header
  int rows = 0, vowels = 0;
  bool saw_hamza = false;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = SplitTabs(line);
    if (f.size() < 5) continue;
    ++rows;
    const std::string& uey = f[0];
    SCOPED_TRACE(line);
    // The code point column agrees with the letter.
    const std::u32string cps = Utf32(uey);
    ASSERT_EQ(cps.size(), 1u);
    ASSERT_EQ(static_cast<unsigned long>(cps[0]), std::stoul(f[1].substr(2), nullptr, 16));
    if (uey == "ئ") {
      // "' (word-initial: dropped)" / "(dropped)".
      saw_hamza = true;
      ASSERT_EQ(f[3].substr(0, 1), "'");
      ASSERT_EQ(f[4], "(dropped)");
      ExpectSame("ئا", "a", "а");
      EXPECT_EQ(Conv("سائەت", kUey, kUly), "sa'et");
      EXPECT_EQ(Conv("sa'et", kUly, kUey), "سائەت");
      EXPECT_EQ(Conv("سائەت", kUey, kUsy), "саәт");
      continue;
    }
    const std::string& uly = f[3];
    const std::string& usy = f[4];
    if (uly_vowels.count(uly) != 0) {
      ++vowels;
      ExpectSame("ئ" + uey, uly, usy);
      ExpectSame("ب" + uey, "b" + uly, "б" + usy);
      EXPECT_EQ(Conv(UlyUpper(uly), kUly, kUey), "ئ" + uey);
    } else {
      ExpectSame(uey, uly, usy);
      ExpectSame(uey + "ە", uly + "e", usy + "ә");
      EXPECT_EQ(Conv(UlyUpper(uly), kUly, kUey), uey);
      EXPECT_EQ(Conv(UlyUpper(uly) + "e", kUly, kUsy), usy + "ә");
    }
  }
  EXPECT_EQ(rows, 33);
  EXPECT_EQ(vowels, 8);
  EXPECT_TRUE(saw_hamza);
}

TEST_F(UyghurTest, RealWords) {
  ExpectSame("ئۇيغۇر", "uyghur", "уйғур");
  ExpectSame("ئۇيغۇرلار", "uyghurlar", "уйғурлар");
  ExpectSame("شىنجاڭ", "shinjang", "шинҗаң");
  ExpectSame("شەرقىي تۈركىستان", "sherqiy türkistan", "шәрқий түркистан");
  ExpectSame("لاگېر", "lagér", "лагер");
  ExpectSame("جازا لاگېرى", "jaza lagéri", "җаза лагери");
  ExpectSame("ئۈرۈمچى", "ürümchi", "үрүмчи");
  ExpectSame("قايتۇرۇش", "qayturush", "қайтуруш");
  ExpectSame("ئامېرىكا-خىتاي", "amérika-xitay", "америка-хитай");
  ExpectSame("سىياسىي پاناھلىق", "siyasiy panahliq", "сиясий панаһлиқ");
  // USY я and ю.
  ExpectSame("ئايال", "ayal", "аял");
  ExpectSame("يۇرت", "yurt", "юрт");
  ExpectSame("ئىيۇن", "iyun", "июн");
  // Hamza between vowels: ULY apostrophe, nothing in USY.
  ExpectSame("سائەت", "sa'et", "саәт");
  ExpectSame("مۇئاۋىن", "mu'awin", "муавин");
  ExpectSame("پائالىيەت", "pa'aliyet", "паалийәт");
}

// n+g, n+gh, s+h, z+h and g+h would be read as the digraphs ng, ngh, sh, zh,
// gh: ULY separates them with an apostrophe.
TEST_F(UyghurTest, DigraphSeparatorApostrophe) {
  ExpectSame("قىلىنغان", "qilin'ghan", "қилинған");  // n+gh, RFA Uyghur feed
  ExpectSame("ئاسمانغا", "asman'gha", "асманға");
  ExpectSame("ئەنگلىيە", "en'gliye", "әнглийә");  // n+g, RFA Uyghur feed
  ExpectSame("سىنگاپور", "sin'gapor", "сингапор");
  ExpectSame("ۋاشىنگتون", "washin'gton", "вашингтон");
  ExpectSame("ئىسھاق", "is'haq", "исһақ");  // s+h
  ExpectSame("ئىزھار", "iz'har", "изһар");  // z+h
  ExpectSame("ئاگھ", "ag'h", "агһ");        // g+h (made up: no real word found)
  // Without the apostrophe the digraph is read.
  EXPECT_EQ(Conv("singapor", kUly, kUey), "سىڭاپور");
  EXPECT_EQ(Conv("ishaq", kUly, kUey), "ئىشاق");
  // Sequences that read back correctly left to right need no apostrophe.
  ExpectSame("جۇڭگو", "junggo", "җуңго");   // ng+g
  ExpectSame("مىڭغا", "minggha", "миңға");  // ng+gh
  ExpectSame("ئاڭھ", "angh", "аңһ");        // ng+h
  ExpectSame("ئاسش", "assh", "асш");        // s+sh
  // ULY apostrophe spelled ’ or ʼ.
  EXPECT_EQ(Conv("sin’gapor", kUly, kUey), "سىنگاپور");
  EXPECT_EQ(Conv("saʼet", kUly, kUey), "سائەت");
  EXPECT_EQ(Conv("sin’gapor", kUly, kUsy), "сингапор");
  // Apostrophes that are not between letters are quotes and stay.
  EXPECT_EQ(Conv("'uyghur'", kUly, kUey), "'ئۇيغۇر'");
  EXPECT_EQ(Conv("'uyghur'", kUly, kUsy), "'уйғур'");
}

// What the scripts cannot say: conversions that do not come back.
TEST_F(UyghurTest, DocumentedLosses) {
  // USY writes no hamza, so a hamza after a consonant is lost...
  EXPECT_EQ(Conv("مەسئۇل", kUey, kUly), "mes'ul");
  EXPECT_EQ(Conv("mes'ul", kUly, kUey), "مەسئۇل");
  EXPECT_EQ(Conv("مەسئۇل", kUey, kUsy), "мәсул");
  EXPECT_EQ(Conv("мәсул", kUsy, kUey), "مەسۇل");
  EXPECT_EQ(Conv("хәлқара", kUsy, kUey), "خەلقارا");
  // ...unless the USY text marks it with ъ or an apostrophe.
  EXPECT_EQ(Conv("сәнъәт", kUsy, kUey), "سەنئەت");
  EXPECT_EQ(Conv("сәнъәт", kUsy, kUly), "sen'et");
  EXPECT_EQ(Conv("мәс'ул", kUsy, kUey), "مەسئۇل");
  // Adjacent vowels are read as hamza + vowel from USY, which is wrong for
  // Chinese loans that UEY writes without it (يۈەن yuan). ULY keeps them apart.
  EXPECT_EQ(Conv("ئالدىنئالا", kUey, kUly), "aldin'ala");
  EXPECT_EQ(Conv("aldin'ala", kUly, kUey), "ئالدىنئالا");
  EXPECT_EQ(Conv("ئالدىنئالا", kUey, kUsy), "алдинала");
  EXPECT_EQ(Conv("алдинала", kUsy, kUey), "ئالدىنالا");
  EXPECT_EQ(Conv("يۈەن", kUey, kUly), "yüen");
  EXPECT_EQ(Conv("yüen", kUly, kUey), "يۈەن");
  EXPECT_EQ(Conv("يۈەن", kUey, kUsy), "йүән");
  EXPECT_EQ(Conv("йүән", kUsy, kUey), "يۈئەن");
  EXPECT_EQ(Conv("йүән", kUsy, kUly), "yü'en");
  // Latin words inside UEY text pass through to ULY, and are then read as ULY.
  EXPECT_EQ(Conv("CNN ئۇيغۇر", kUey, kUly), "CNN uyghur");
  EXPECT_EQ(Conv("CNN uyghur", kUly, kUey), "cنن ئۇيغۇر");
}

TEST_F(UyghurTest, CaseAndCompositionOfInput) {
  EXPECT_EQ(Conv("UYGHUR", kUly, kUey), "ئۇيغۇر");
  EXPECT_EQ(Conv("Shinjang", kUly, kUsy), "шинҗаң");
  EXPECT_EQ(Conv("ÜRÜMCHI", kUly, kUey), "ئۈرۈمچى");
  EXPECT_EQ(Conv("Sherqiy Türkistan", kUly, kUey), "شەرقىي تۈركىستان");
  // é ö ü as base letter + combining mark.
  EXPECT_EQ(Conv("u\u0308ru\u0308mchi lage\u0301r", kUly, kUey), "ئۈرۈمچى لاگېر");
  EXPECT_EQ(Conv("U\u0308RU\u0308MCHI", kUly, kUsy), "үрүмчи");
  EXPECT_EQ(Conv("УЙҒУР", kUsy, kUey), "ئۇيغۇر");
  EXPECT_EQ(Conv("Шинҗаң", kUsy, kUly), "shinjang");
  // й as и + combining breve.
  EXPECT_EQ(Conv("уи\u0306ғур", kUsy, kUly), "uyghur");
  // The whole Cyrillic alphabet in upper case reads as in lower case.
  const std::string lower = "аәбвгғдежҗзийкқлмнңоөпрстуүфхһчшюя";
  const std::string upper = "АӘБВГҒДЕЖҖЗИЙКҚЛМНҢОӨПРСТУҮФХҺЧШЮЯ";
  EXPECT_EQ(Conv(upper, kUsy, kUly), Conv(lower, kUsy, kUly));
  EXPECT_EQ(Conv(upper, kUsy, kUey), Conv(lower, kUsy, kUey));
  // Output is lower case.
  EXPECT_EQ(Conv("УЙҒУР", kUsy, kUly), "uyghur");
  EXPECT_EQ(Conv("UYGHUR", kUly, kUsy), "уйғур");
  // v is read as w.
  EXPECT_EQ(Conv("vaqit", kUly, kUey), "ۋاقىت");
}

TEST_F(UyghurTest, RussianLettersInUsy) {
  EXPECT_EQ(Conv("цирк", kUsy, kUly), "tsirk");
  EXPECT_EQ(Conv("ёлка", kUsy, kUly), "yolka");
  EXPECT_EQ(Conv("мың", kUsy, kUly), "ming");
  EXPECT_EQ(Conv("мэр", kUsy, kUey), "مەر");
  EXPECT_EQ(Conv("пьеса", kUsy, kUly), "pésa");
  EXPECT_EQ(Conv("цирк", kUsy, kUey), "تسىرك");
}

// ULY <-> USY are converted directly; the result is the one going through UEY.
TEST_F(UyghurTest, LatinCyrillicDirectAgreesWithPivot) {
  const std::vector<std::string> uly = {
      "a b ch d e é f g gh h i j k l m n ng o ö p q r s sh t u ü w x y z zh",
      "Sherqiy Türkistan, ÜRÜMCHI; sin'gapor qilin’ghan is'haq sa'et mes'ul yüen",
      "ya yu yo iyun ayal siyasiy nggh ngg n'g'h a'i 'quote' v"};
  for (const std::string& s : uly) {
    EXPECT_EQ(Conv(s, kUly, kUsy), Conv(Conv(s, kUly, kUey), kUey, kUsy)) << s;
  }
  const std::vector<std::string> usy = {
      "а ә б в г ғ д е ж җ з и й к қ л м н ң о ө п р с т у ү ф х һ ч ш ю я",
      "Шәрқий Түркистан, ҮРҮМЧИ; сингапор қилинған исһақ саәт мәсул йүән",
      "цирк ёлка мың пьеса мэр съезд сәнъәт мәс'ул аы аэ июн"};
  for (const std::string& s : usy) {
    EXPECT_EQ(Conv(s, kUsy, kUly), Conv(Conv(s, kUsy, kUey), kUey, kUly)) << s;
  }
}

// UEY look-alikes the normalizer folds are handled here too.
TEST_F(UyghurTest, ArabicLookAlikes) {
  EXPECT_EQ(Conv("ئۇیغۇر شینجاڭ", kUey, kUly), "uyghur shinjang");  // Farsi yeh
  EXPECT_EQ(Conv("قایتا خىتای بولدی", kUey, kUly), "qayta xitay boldi");
  EXPECT_EQ(Conv("کامپ", kUey, kUly), "kamp");        // keheh
  EXPECT_EQ(Conv("مۇهاجىر", kUey, kUly), "muhajir");  // plain heh between vowels
  EXPECT_EQ(Conv("ئهمهس سهن", kUey, kUly), "emes sen");
  EXPECT_EQ(Conv("شىنــجاڭ", kUey, kUsy), "шинҗаң");  // tatweel
  EXPECT_EQ(Conv("\u0649\u0654\u06C7\u064A\u063A\u06C7\u0631", kUey, kUly), "uyghur");
  EXPECT_EQ(Conv("\u064A\u0654\u06C7\u064A\u063A\u06C7\u0631", kUey, kUly), "uyghur");
  EXPECT_EQ(Conv("\uFE8B\uFBD8\uFEF3\uFED0\uFBD8\uFEAD", kUey, kUly), "uyghur");
  EXPECT_EQ(Conv("\uFEFB", kUey, kUsy), "ла");
}

// The converters give the same result on the raw and on the normalized side of
// every letter-folding row of uyghur-normalization-vectors.tsv.
TEST_F(UyghurTest, NormalizationVectorsConvertAlike) {
  MW_REQUIRE_SHARED();
  std::ifstream in(testing::SharedDir() / "text" / "uyghur-normalization-vectors.tsv");
  ASSERT_TRUE(in);
  // Not letter folds: bidi marks and quotes pass through the converters (the
  // normalizer removes or unifies them), and the legacy-font hack needs
  // page-level detection.
  const std::vector<std::string> skipped = {"trailing LRM", "RLM between", "guillemets",
                                            "legacy font hack"};
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = SplitTabs(line);
    if (f.size() < 3) continue;
    const std::string input = Unescape(f[0]);
    const std::string expected = Unescape(f[1]);
    if (DetectUyghurScript(expected) != kUey) continue;  // Chinese rows
    bool skip = false;
    for (const std::string& s : skipped) skip = skip || f[2].rfind(s, 0) == 0;
    if (skip) continue;
    SCOPED_TRACE(f[2]);
    for (UyghurScript to : {kUly, kUsy}) {
      EXPECT_EQ(Conv(input, kUey, to), Conv(expected, kUey, to));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST_F(UyghurTest, PunctuationDigitsAndOtherScriptsPassThrough) {
  EXPECT_EQ(Conv("2019-يىلى 13-ماي، 新疆 (CNN) ١٢٣ ۴۵ ٪50 «ئۇ»؟", kUey, kUly),
            "2019-yili 13-may, 新疆 (CNN) 123 45 %50 «u»?");
  EXPECT_EQ(Conv("2019-يىلى 13-ماي، 新疆 (CNN)؛", kUey, kUsy), "2019-йили 13-май, 新疆 (CNN);");
  EXPECT_EQ(Conv("ya, ma; yoq? 新疆 3.5 — «a»", kUly, kUey), "يا، ما؛ يوق؟ 新疆 3.5 — «ئا»");
  EXPECT_EQ(Conv("я, ма; йоқ? 新疆 3.5", kUsy, kUey), "يا، ما؛ يوق؟ 新疆 3.5");
  EXPECT_EQ(Conv("ya, ma; yoq? 新疆", kUly, kUsy), "я, ма; йоқ? 新疆");
  EXPECT_EQ(Conv("я, ма; йоқ? 新疆", kUsy, kUly), "ya, ma; yoq? 新疆");
  // Other scripts' letters stay as they are.
  EXPECT_EQ(Conv("уйғур ئۇيغۇر αβγ", kUly, kUey), "уйғур ئۇيغۇر αβγ");
  EXPECT_EQ(Conv("uyghur уйғур", kUey, kUly), "uyghur уйғур");
  EXPECT_EQ(Conv("uyghur ئۇيغۇر", kUsy, kUly), "uyghur ئۇيغۇر");
  // Bidi marks are not this converter's business (the normalizer drops them).
  EXPECT_EQ(Conv("ئۇيغۇر\u200E", kUey, kUly), "uyghur\u200E");
}

TEST_F(UyghurTest, EmptyAndSameScript) {
  for (UyghurScript from : kAllScripts) {
    for (UyghurScript to : kAllScripts) EXPECT_EQ(Conv("", from, to), "");
  }
  EXPECT_EQ(Conv("ئۇيغۇر", kUey, kUey), "ئۇيغۇر");
  EXPECT_EQ(Conv("UYGHUR", kUly, kUly), "UYGHUR");
  // Byte for byte, invalid UTF-8 included.
  EXPECT_EQ(Conv("a\xFF", kUsy, kUsy), "a\xFF");
}

TEST_F(UyghurTest, InvalidUtf8BecomesReplacementCharacter) {
  const std::string bad = "ئۇ\xFF \xD8 a\xE2\x82 \xC0\xAF";
  for (UyghurScript from : kAllScripts) {
    for (UyghurScript to : kAllScripts) {
      if (from == to) continue;
      const std::string out = Conv(bad, from, to);
      EXPECT_NE(out.find("\uFFFD"), std::string::npos) << out;
      EXPECT_EQ(out.find('\xFF'), std::string::npos);
    }
  }
  EXPECT_EQ(Conv("ئۇ\xFF", kUey, kUly), "u\uFFFD");
  EXPECT_EQ(Conv("\xFFuyghur", kUly, kUey), "\uFFFDئۇيغۇر");
}

// Past the 64 KiB pieces Convert() works in, with and without whitespace to
// cut at.
TEST_F(UyghurTest, OneMegabyteInput) {
  const std::string word = "شىنجاڭ ئۇيغۇر سائەت قىلىنغان، ";
  std::string text, expected_uly, expected_usy;
  while (text.size() < (1u << 20)) {
    text += word;
    expected_uly += "shinjang uyghur sa'et qilin'ghan, ";
    expected_usy += "шинҗаң уйғур саәт қилинған, ";
  }
  EXPECT_EQ(Conv(text, kUey, kUly), expected_uly);
  EXPECT_EQ(Conv(text, kUey, kUsy), expected_usy);
  EXPECT_EQ(Conv(expected_uly, kUly, kUey), text);
  EXPECT_EQ(Conv(expected_usy, kUsy, kUly), expected_uly);

  // One 1 MiB "word": cut between code points, never inside one.
  std::string one_word;
  while (one_word.size() < (1u << 20)) one_word += "شى";
  const std::string out = Conv(one_word, kUey, kUly);
  EXPECT_EQ(out.size(), one_word.size() / 4 * 3);  // 4 bytes "شى" -> 3 bytes "shi"
  EXPECT_EQ(out.find("\uFFFD"), std::string::npos);
}

TEST_F(UyghurTest, ConcurrentCallsAgree) {
  const std::string text = "شەرقىي تۈركىستان ئۇيغۇر جازا لاگېرى";
  const std::string uly = Conv(text, kUey, kUly);
  const std::string usy = Conv(text, kUey, kUsy);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (Conv(text, kUey, t % 2 ? kUly : kUsy) != (t % 2 ? uly : usy)) ++failures[t];
        if (Conv(uly, kUly, kUey) != text) ++failures[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// Real text: the item titles of the RFA Uyghur feed (2019) go UEY -> ULY ->
// UEY and UEY -> USY -> UEY. ULY loses nothing. USY, which writes no hamza,
// loses the ones after consonants: خەلقئارا (international), مەسئۇل
// (responsible), جەمئىيەت (society) come back as خەلقارا, مەسۇل, جەمىيەت.
TEST_F(UyghurTest, RfaTitlesRoundTrip) {
  MW_REQUIRE_SHARED();
  const RfaUyghur rfa = ReadRfaUyghur();
  ASSERT_EQ(rfa.titles.size(), 15u);
  std::string paragraph;
  for (const std::string& t : rfa.titles) paragraph += t + "\n";

  const std::string uly = Conv(paragraph, kUey, kUly);
  EXPECT_EQ(DetectUyghurScript(uly), kUly);
  EXPECT_EQ(Conv(uly, kUly, kUey), paragraph);
  // ULY <-> USY directly agree with going through UEY.
  const std::string usy = Conv(paragraph, kUey, kUsy);
  EXPECT_EQ(DetectUyghurScript(usy), kUsy);
  EXPECT_EQ(Conv(uly, kUly, kUsy), usy);
  EXPECT_EQ(Conv(usy, kUsy, kUly), Conv(Conv(usy, kUsy, kUey), kUey, kUly));

  const std::vector<std::string> words = SplitWords(paragraph);
  const std::vector<std::string> back = SplitWords(Conv(usy, kUsy, kUey));
  ASSERT_EQ(words.size(), back.size());
  std::set<std::string> lost;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] != back[i]) lost.insert(words[i]);
  }
  EXPECT_EQ(lost, (std::set<std::string>{"خەلقئارا", "خەلقئارالىق", "مەسئۇللىرىنى", "جەمئىيىتى"}));
  EXPECT_EQ(words.size(), 154u);
}

// The same over every word of the feed's titles, descriptions and bodies: ULY round
// trips all but the Latin acronyms in the text (CNN, NBA, SNN: UEY -> ULY
// keeps them, ULY -> UEY reads them as ULY); every word USY does not round
// trip has a hamza after a consonant, or two adjacent vowels (a Chinese loan
// written without hamza, which USY -> UEY puts back).
TEST_F(UyghurTest, RfaAllWordsRoundTrip) {
  MW_REQUIRE_SHARED();
  const RfaUyghur rfa = ReadRfaUyghur();
  std::set<std::string> unique;
  for (const auto* list : {&rfa.titles, &rfa.texts}) {
    for (const std::string& text : *list) {
      for (const std::string& w : SplitWords(text)) unique.insert(w);
    }
  }
  std::string all;
  for (const std::string& w : unique) all += w + "\n";
  const std::vector<std::string> words = SplitWords(all);
  const std::vector<std::string> via_uly = SplitWords(Conv(Conv(all, kUey, kUly), kUly, kUey));
  const std::vector<std::string> via_usy = SplitWords(Conv(Conv(all, kUey, kUsy), kUsy, kUey));
  ASSERT_EQ(via_uly.size(), words.size());
  ASSERT_EQ(via_usy.size(), words.size());
  std::set<std::string> uly_lost;
  int usy_lost = 0, usy_hamza_after_consonant = 0, usy_adjacent_vowels = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    if (via_uly[i] != words[i]) uly_lost.insert(words[i]);
    if (via_usy[i] == words[i]) continue;
    ++usy_lost;
    const std::u32string w = Utf32(words[i]);
    bool explained = false;
    for (size_t k = 1; k < w.size(); ++k) {
      if (w[k] == U'ئ' && IsUeyConsonant(w[k - 1])) {
        ++usy_hamza_after_consonant;
        explained = true;
        break;
      }
      if (IsUeyVowel(w[k]) && IsUeyVowel(w[k - 1])) {
        ++usy_adjacent_vowels;
        explained = true;
        break;
      }
    }
    EXPECT_TRUE(explained) << words[i] << " -> " << via_usy[i];
  }
  EXPECT_EQ(uly_lost, (std::set<std::string>{"(NBA)", "CNN", "NBA", "SNN"}));
  EXPECT_GT(words.size(), 1500u);
  EXPECT_EQ(usy_hamza_after_consonant, 24);
  EXPECT_EQ(usy_adjacent_vowels, 1);  // يۈەندىن
  EXPECT_EQ(usy_lost, 25);
}

TEST(DetectUyghurScriptTest, Scripts) {
  EXPECT_EQ(DetectUyghurScript("ئۇيغۇر"), kUey);
  EXPECT_EQ(DetectUyghurScript("شىنجاڭ 2019-يىلى، «لاگېر»"), kUey);
  EXPECT_EQ(DetectUyghurScript("الجزيرة"), kUey);             // plain Arabic
  EXPECT_EQ(DetectUyghurScript("\uFE8B\uFBD8\uFEF3"), kUey);  // presentation forms
  EXPECT_EQ(DetectUyghurScript("Shinjang"), kUly);
  EXPECT_EQ(DetectUyghurScript("Sin'gapor, ÜRÜMCHI"), kUly);
  EXPECT_EQ(DetectUyghurScript("sinʼgapor"), kUly);  // ʼ is Common script
  EXPECT_EQ(DetectUyghurScript("lage\u0301r"), kUly);
  EXPECT_EQ(DetectUyghurScript("Guan Heng"), kUly);
  EXPECT_EQ(DetectUyghurScript("уйғур"), kUsy);
  EXPECT_EQ(DetectUyghurScript("Шинҗаң, 2019"), kUsy);
}

TEST(DetectUyghurScriptTest, NotUyghur) {
  EXPECT_EQ(DetectUyghurScript(""), std::nullopt);
  EXPECT_EQ(DetectUyghurScript("2019, 13-5 ?!"), std::nullopt);
  EXPECT_EQ(DetectUyghurScript("关恒"), std::nullopt);
  EXPECT_EQ(DetectUyghurScript("Guan Heng 关恒"), std::nullopt);
  EXPECT_EQ(DetectUyghurScript("uyghur ئۇيغۇر"), std::nullopt);
  EXPECT_EQ(DetectUyghurScript("уйғур uyghur"), std::nullopt);
  EXPECT_EQ(DetectUyghurScript("αβγ"), std::nullopt);
  EXPECT_EQ(DetectUyghurScript("ウイグル"), std::nullopt);
  // Invalid bytes are ignored.
  EXPECT_EQ(DetectUyghurScript("\xFFuyghur\xC0"), kUly);
  EXPECT_EQ(DetectUyghurScript("\xFF\xFE"), std::nullopt);
}

}  // namespace
}  // namespace mw
