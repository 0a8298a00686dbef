// mediawatch/parsers/language.cc
//
// Script counts decide the family; within a script, letters that only one
// language uses (Uyghur ۇ ۆ ۈ ې ڭ, Kazakh ұ і, ...) or the share of
// stop words decide the language. Thresholds are shares of the letters or
// words seen, so short texts need proportionally clear evidence.

#include "parsers/language.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "parsers/feed_text.h"
#include "text/normalizer.h"

namespace mw {
namespace {

constexpr size_t kMaxBytes = 64 * 1024;
constexpr int kMinLetters = 20;
constexpr int kMinHan = 8;

bool In(std::u32string_view set, char32_t c) { return set.find(c) != std::u32string_view::npos; }

// Frequent characters that exist in only one of the two written forms of
// Chinese (pairs at the same positions).
constexpr std::u32string_view kSimplifiedOnly =
    U"这们个说国会时来为对学发关过经还点开间当体问题机动现实长没东车书见门头马语话让认进觉应该写"
    U"边华务产电网报记闻业专传亲从众军农办县号员响围图场声处备够宁导将层岁岛师帮带广张弹归录总战"
    U"护择担拥据";
constexpr std::u32string_view kTraditionalOnly =
    U"這們個說國會時來為對學發關過經還點開間當體問題機動現實長沒東車書見門頭馬語話讓認進覺應該寫"
    U"邊華務產電網報記聞業專傳親從眾軍農辦縣號員響圍圖場聲處備夠寧導將層歲島師幫帶廣張彈歸錄總戰"
    U"護擇擔擁據";

struct Profile {
  const char* language;
  std::initializer_list<std::string_view> words;
};

// The most frequent function words of each language, lower case.
const std::array<Profile, 10>& LatinProfiles() {
  static const std::array<Profile, 10> profiles = {{
      {"en", {"the",  "and",  "of", "to",   "in", "is",   "that", "for",  "it",  "was",
              "on",   "with", "as", "he",   "by", "at",   "said", "from", "his", "are",
              "have", "has",  "be", "this", "an", "they", "were", "not",  "who", "which"}},
      {"fr", {"le",   "la",   "les",  "des", "et",    "du",  "un",   "une",  "est", "que",
              "qui",  "dans", "pour", "pas", "sur",   "au",  "avec", "il",   "ce",  "par",
              "sont", "plus", "a",    "ont", "cette", "aux", "leur", "mais", "ses", "elle"}},
      {"de", {"der",  "die",  "das",   "und", "ist", "nicht", "den", "von",  "zu",   "mit",
              "sich", "des",  "auf",   "für", "im",  "dem",   "ein", "eine", "auch", "es",
              "als",  "wird", "wurde", "sie", "er",  "nach",  "bei", "aus",  "noch", "einer"}},
      {"es", {"el",  "los", "las",  "de",   "que", "y",    "en",    "del",   "se",      "por",
              "un",  "una", "con",  "para", "es",  "al",   "lo",    "como",  "más",     "su",
              "fue", "sus", "pero", "este", "ha",  "esta", "entre", "sobre", "también", "ya"}},
      {"pt", {"o",   "os",   "as",  "de",  "que", "e",   "do",  "da",     "em",  "um",
              "uma", "para", "com", "não", "no",  "na",  "por", "mais",   "dos", "das",
              "se",  "foi",  "ao",  "ele", "à",   "seu", "sua", "também", "são", "pelo"}},
      {"it", {"il",   "lo",  "gli",   "le",  "di",   "che",  "è",     "un",     "una",   "per",
              "non",  "del", "della", "con", "sono", "da",   "al",    "si",     "ha",    "nel",
              "alla", "dei", "anche", "più", "ma",   "come", "delle", "questo", "nella", "stato"}},
      {"nl", {"de",   "het",  "een",  "en",  "van", "is",   "dat", "op",  "te",    "in",
              "niet", "zijn", "voor", "met", "die", "er",   "ook", "aan", "om",    "wordt",
              "naar", "bij",  "maar", "hij", "ze",  "werd", "nog", "dit", "heeft", "geen"}},
      {"tr", {"ve",   "bir",        "bu",      "da",    "de",   "için",  "ile",   "olarak",
              "çok",  "daha",       "olan",    "gibi",  "ama",  "değil", "sonra", "kadar",
              "ise",  "var",        "ne",      "her",   "o",    "en",    "mi",    "ya",
              "veya", "tarafından", "yılında", "ancak", "göre", "oldu"}},
      {"id", {"yang", "dan",   "di",     "ini",     "itu",      "dengan", "untuk",  "tidak",
              "dari", "dalam", "akan",   "pada",    "juga",     "ke",     "karena", "ada",
              "oleh", "saya",  "mereka", "telah",   "para",     "atau",   "sudah",  "bisa",
              "kami", "kata",  "lebih",  "sebagai", "tersebut", "bahwa"}},
      {"ug-Latn",
       {"we",    "bilen",   "üchün", "bu",     "bir",     "bolup",  "boyiche", "hem",
        "qilip", "qilish",  "dep",   "mu",     "yaki",    "emes",   "bolsa",   "kéyin",
        "dégen", "bolghan", "shu",   "özi",    "hökümet", "xitay",  "uyghur",  "uyghurlar",
        "lagér", "nurghun", "ular",  "bolidu", "qilghan", "heqqide"}},
  }};
  return profiles;
}

std::string LowerWord(std::string_view word) {
  std::string out;
  size_t pos = 0;
  while (pos < word.size()) {
    UChar32 c = u_tolower(static_cast<UChar32>(DecodeUtf8At(word, &pos)));
    feed_internal::AppendUtf8(static_cast<uint32_t>(c), &out);
  }
  return out;
}

// Lower-case words of letters (and marks) in `text`.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  size_t pos = 0;
  size_t start = std::string_view::npos;
  while (pos <= text.size()) {
    size_t before = pos;
    bool letter = false;
    if (pos < text.size()) {
      char32_t c = DecodeUtf8At(text, &pos);
      letter = IsWordCodePoint(c) || c == '\'' || c == 0x2019;
    } else {
      ++pos;
    }
    if (letter && start == std::string_view::npos) start = before;
    if (!letter && start != std::string_view::npos) {
      words.push_back(LowerWord(text.substr(start, before - start)));
      start = std::string_view::npos;
    }
  }
  return words;
}

std::string GuessLatin(std::string_view text) {
  std::vector<std::string> words = Words(text);
  if (words.size() < 8) return {};
  const auto& profiles = LatinProfiles();
  static const auto* sets = [&profiles] {
    auto* out = new std::array<std::unordered_set<std::string_view>, 10>();
    for (size_t p = 0; p < profiles.size(); ++p) {
      (*out)[p].insert(profiles[p].words.begin(), profiles[p].words.end());
    }
    return out;
  }();
  std::array<int, 10> hits{};
  for (size_t p = 0; p < profiles.size(); ++p) {
    for (const std::string& w : words) hits[p] += (*sets)[p].count(w) ? 1 : 0;
  }
  size_t best = 0;
  for (size_t p = 1; p < hits.size(); ++p) {
    if (hits[p] > hits[best]) best = p;
  }
  int second = 0;
  for (size_t p = 0; p < hits.size(); ++p) {
    if (p != best) second = std::max(second, hits[p]);
  }
  // At least 3 hits, a tenth of the words, and a clear lead.
  if (hits[best] < 3 || hits[best] * 10 < static_cast<int>(words.size()) ||
      hits[best] * 4 < second * 5) {
    return {};
  }
  return profiles[best].language;
}

std::string GuessCyrillic(std::string_view text, int letters) {
  int uyghur = 0;     // ә ө ү ң һ җ
  int kazakh = 0;     // ұ і (Uyghur Cyrillic has neither)
  int ukrainian = 0;  // ї є ґ
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t c = static_cast<char32_t>(u_tolower(static_cast<UChar32>(DecodeUtf8At(text, &pos))));
    if (In(U"әөүңһҗ", c)) ++uyghur;
    if (In(U"ұі", c)) ++kazakh;
    if (In(U"їєґ", c)) ++ukrainian;
  }
  if (kazakh * 100 >= letters) return "kk";
  if (ukrainian * 200 >= letters) return "uk";
  if (uyghur * 50 >= letters) return "ug-Cyrl";
  int russian = 0;
  for (const std::string& w : Words(text)) {
    static const std::unordered_set<std::string_view> kRussian = {
        "что", "это", "как", "его", "был", "была", "были", "он", "она", "они", "не", "на"};
    russian += kRussian.count(w) ? 1 : 0;
  }
  return russian >= 3 ? "ru" : "";
}

std::string GuessArabicScript(std::string_view text, int letters) {
  int uyghur = 0;   // ۇ ۆ ۈ ې ڭ ۋ
  int sorani = 0;   // ێ ڵ ڕ
  int urdu = 0;     // ے ٹ ڈ ڑ ں
  int persian = 0;  // ی ک (Farsi yeh, keheh)
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t c = DecodeUtf8At(text, &pos);
    if (In(U"\u06C7\u06C6\u06C8\u06D0\u06AD\u06CB", c)) ++uyghur;
    if (In(U"\u06CE\u06B5\u0695", c)) ++sorani;
    if (In(U"\u06D2\u0679\u0688\u0691\u06BA", c)) ++urdu;
    if (In(U"\u06CC\u06A9", c)) ++persian;
  }
  if (sorani * 100 >= letters) return "ckb";
  if (uyghur * 50 >= letters) return "ug";
  if (urdu * 100 >= letters) return "ur";
  if (persian * 30 >= letters) return "fa";
  return "ar";
}

}  // namespace

std::string GuessLanguage(std::string_view utf8) {
  if (utf8.size() > kMaxBytes) {
    size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(utf8[cut]) & 0xC0) == 0x80) --cut;
    utf8 = utf8.substr(0, cut);
  }
  int han = 0, kana = 0, hangul = 0, simplified = 0, traditional = 0, letters = 0;
  std::array<int, USCRIPT_CODE_LIMIT> by_script{};
  size_t pos = 0;
  while (pos < utf8.size()) {
    char32_t c = DecodeUtf8At(utf8, &pos);
    if (!u_isalpha(static_cast<UChar32>(c))) continue;
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &status);
    if (U_FAILURE(status) || script < 0 || script >= USCRIPT_CODE_LIMIT) continue;
    ++letters;
    ++by_script[script];
    if (script == USCRIPT_HAN) {
      ++han;
      simplified += In(kSimplifiedOnly, c) ? 1 : 0;
      traditional += In(kTraditionalOnly, c) ? 1 : 0;
    } else if (script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA) {
      ++kana;
    } else if (script == USCRIPT_HANGUL) {
      ++hangul;
    }
  }
  if (hangul >= kMinHan && hangul * 2 >= letters) return "ko";
  if (kana >= 3 && (han + kana) * 2 >= letters && kana * 10 >= han + kana) return "ja";
  if (han >= kMinHan && han * 2 >= letters) {
    if (simplified >= 3 && simplified >= traditional * 4) return "zh-Hans";
    if (traditional >= 3 && traditional >= simplified * 4) return "zh-Hant";
    return "zh";
  }
  if (letters < kMinLetters) return {};
  int best = 0;
  for (int s = 1; s < USCRIPT_CODE_LIMIT; ++s) {
    if (by_script[s] > by_script[best]) best = s;
  }
  if (by_script[best] * 2 < letters) return {};
  switch (static_cast<UScriptCode>(best)) {
    case USCRIPT_LATIN:
      return GuessLatin(utf8);
    case USCRIPT_CYRILLIC:
      return GuessCyrillic(utf8, by_script[best]);
    case USCRIPT_ARABIC:
      return GuessArabicScript(utf8, by_script[best]);
    case USCRIPT_HEBREW:
      return "he";
    case USCRIPT_GREEK:
      return "el";
    case USCRIPT_THAI:
      return "th";
    case USCRIPT_DEVANAGARI:
      return "hi";
    case USCRIPT_GEORGIAN:
      return "ka";
    case USCRIPT_ARMENIAN:
      return "hy";
    case USCRIPT_TIBETAN:
      return "bo";
    case USCRIPT_KHMER:
      return "km";
    case USCRIPT_LAO:
      return "lo";
    case USCRIPT_MYANMAR:
      return "my";
    default:
      return {};
  }
}

}  // namespace mw
