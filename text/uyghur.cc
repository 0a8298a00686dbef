// mediawatch/text/uyghur.cc
//
// Six ICU rule-based transliterators, one per direction, written for this
// project. Each rule set is assembled from
//   1. a preparation pass: fold look-alikes (UEY input) or normalize to NFC
//      and lower-case (ULY and USY input), ended by "::Null;" so that the
//      main pass sees the folded letters in its contexts;
//   2. the contextual rules written out below (hamza, apostrophes, ya/yu,
//      word-initial vowels), which ICU tries before
//   3. the letter-for-letter rules generated from kLetters, a transcription of
//      ../shared/text/uyghur-alphabet.tsv, and the punctuation rules.
//
// Two properties of ICU's rule engine the rules rely on (both checked by the
// tests): rules are tried in the order written, the first that matches wins;
// and a "before context" (x { y > z) is matched against the text already
// converted, so "after an Arabic vowel" is written with Arabic letters even
// in the ULY -> UEY rules. ICU rejects a rule set in which an earlier rule
// hides a later one, so longer and context-bearing rules come first.

#include "text/uyghur.h"

#include <unicode/parseerr.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <mutex>

namespace mw {
namespace {

// One letter of the alphabet (uyghur-alphabet.tsv minus its hamza row, which
// is handled by the contextual rules).
struct Letter {
  const char* uey;  // one Arabic code point
  const char* uly;  // one letter or a digraph
  const char* usy;  // one Cyrillic letter
  bool vowel;
};

// UEY writes vowels; these are the eight vowel letters (TSV rows ا ە و ۇ ۆ ۈ ې ى).
constexpr Letter kLetters[] = {
    {"\u0627", "a", "а", true},       // ا ALEF
    {"\u06D5", "e", "ә", true},       // ە AE
    {"\u0628", "b", "б", false},      // ب BEH
    {"\u067E", "p", "п", false},      // پ PEH
    {"\u062A", "t", "т", false},      // ت TEH
    {"\u062C", "j", "җ", false},      // ج JEEM
    {"\u0686", "ch", "ч", false},     // چ TCHEH
    {"\u062E", "x", "х", false},      // خ KHAH
    {"\u062F", "d", "д", false},      // د DAL
    {"\u0631", "r", "р", false},      // ر REH
    {"\u0632", "z", "з", false},      // ز ZAIN
    {"\u0698", "zh", "ж", false},     // ژ JEH
    {"\u0633", "s", "с", false},      // س SEEN
    {"\u0634", "sh", "ш", false},     // ش SHEEN
    {"\u063A", "gh", "ғ", false},     // غ GHAIN
    {"\u0641", "f", "ф", false},      // ف FEH
    {"\u0642", "q", "қ", false},      // ق QAF
    {"\u0643", "k", "к", false},      // ك KAF
    {"\u06AF", "g", "г", false},      // گ GAF
    {"\u06AD", "ng", "ң", false},     // ڭ NG
    {"\u0644", "l", "л", false},      // ل LAM
    {"\u0645", "m", "м", false},      // م MEEM
    {"\u0646", "n", "н", false},      // ن NOON
    {"\u06BE", "h", "һ", false},      // ھ HEH DOACHASHMEE
    {"\u0648", "o", "о", true},       // و WAW
    {"\u06C7", "u", "у", true},       // ۇ U
    {"\u06C6", "\u00F6", "ө", true},  // ۆ OE      ö
    {"\u06C8", "\u00FC", "ү", true},  // ۈ YU      ü
    {"\u06CB", "w", "в", false},      // ۋ VE
    {"\u06D0", "\u00E9", "е", true},  // ې E       é
    {"\u0649", "i", "и", true},       // ى ALEF MAKSURA
    {"\u064A", "y", "й", false},      // ي YEH
};

enum class Side { kUey, kUly, kUsy };

const char* Spelling(const Letter& l, Side side) {
  switch (side) {
    case Side::kUey:
      return l.uey;
    case Side::kUly:
      return l.uly;
    case Side::kUsy:
      return l.usy;
  }
  return "";
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Escapes ASCII punctuation, which ICU reserves for its rule syntax.
std::string Lit(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool ascii = static_cast<unsigned char>(c) < 0x80;
    if (ascii && !IsAsciiLetter(c) && !(c >= '0' && c <= '9')) out += '\\';
    out += c;
  }
  return out;
}

// A set of the given side's vowel letters, e.g. "[aeoué...]".
std::string VowelSet(Side side) {
  std::string set = "[";
  for (const Letter& l : kLetters) {
    if (l.vowel) set += Spelling(l, side);
  }
  return set + "]";
}

// Variables shared by the main passes. $wordchar is what continues a word:
// a letter or combining mark of the three scripts (already converted or not).
// Han and other scripts count as word breaks: they never carry Uyghur words.
std::string CommonVariables() {
  std::string v;
  v += "$wordchar = [[[:L:][:M:]] & [[:Latin:][:Arabic:][:Cyrillic:][:Inherited:]]] ;\n";
  v += "$apos = [\\'\\u2019\\u02BC] ;\n";  // ' ’ ʼ
  v += "$ueyVowel = " + VowelSet(Side::kUey) + " ;\n";
  v += "$ulyVowel = " + VowelSet(Side::kUly) + " ;\n";
  v += "$usyVowel = " + VowelSet(Side::kUsy) + " ;\n";
  return v;
}

// Pass 1 for UEY input: the look-alikes TextNormalizer folds, handled here
// too so that unfolded input converts sensibly (never required for correct
// input). Ends with ::Null so the main pass sees base letters.
std::string UeyPreparation() {
  return
      // Presentation forms (legacy fonts, PDF copy-paste) -> base letters;
      // U+FEFF (BOM) is not one.
      "::[[\\uFB50-\\uFDFF][\\uFE70-\\uFEFE]] Any-NFKC ;\n"
      "$v = [\\u0627\\u06D5\\u0648\\u06C7\\u06C6\\u06C8\\u06D0\\u0649] ;\n"
      "$c = [\\u0628\\u067E\\u062A\\u062C\\u0686\\u062E\\u062F\\u0631\\u0632\\u0698\\u0633"
      "\\u0634\\u063A\\u0641\\u0642\\u0643\\u06A9\\u06AF\\u06AD\\u0644\\u0645\\u0646\\u06BE"
      "\\u06CB\\u064A] ;\n"
      // ى/ي/ی + combining hamza above (ى+hamza does not compose under NFC),
      // and a standalone hamza, are the hamza letter ئ.
      "[\\u0649\\u064A\\u06CC] \\u0654 > \\u0626 ;\n"
      "\\u0621 > \\u0626 ;\n"
      // Tatweel and joiners only shape Arabic letters.
      "[\\u0640\\u200C\\u200D] > ;\n"
      // Keheh is Persian kaf.
      "\\u06A9 > \\u0643 ;\n"
      // Farsi yeh stands for both ي (y) and ى (i): a consonant next to a vowel
      // (ئۇیغۇر, قایتا), a vowel between consonants (شینجاڭ).
      "$v { \\u06CC > \\u064A ;\n"
      "\\u06CC } $v > \\u064A ;\n"
      "\\u06CC > \\u0649 ;\n"
      // Plain heh stands for both ە (e) and ھ (h): a vowel after ئ, between
      // two consonants and at a word end; h elsewhere (مۇهاجىر).
      "\\u0626 { \\u0647 > \\u06D5 ;\n"
      "$c { \\u0647 } $c > \\u06D5 ;\n"
      "\\u0647 } [[:L:][:M:]] > \\u06BE ;\n"
      "\\u0647 > \\u06D5 ;\n"
      "::Null ;\n";
}

// Pass 1 for ULY/USY input: composed letters (é may arrive as e + U+0301, й as
// и + U+0306) and lower case, for this script's letters only so that other
// text passes through unchanged.
std::string CasedPreparation(std::string_view script) {
  std::string s;
  s += "::[[:" + std::string(script) + ":][\\u0300-\\u036F]] Any-NFC ;\n";
  s += "::[[:" + std::string(script) + ":] & [[:Lu:][:Lt:]]] Any-Lower ;\n";
  return s;
}

// Letter-for-letter rules from one side to another, digraphs first (ICU
// rejects "n > ن; ng > ڭ;" because the first rule hides the second). With
// `skip_vowels`, vowels are left to the caller, which writes them with context.
void AppendLetterRules(Side from, Side to, bool skip_vowels, std::string* rules) {
  for (int pass = 0; pass < 2; ++pass) {
    for (const Letter& l : kLetters) {
      if (skip_vowels && l.vowel) continue;
      const std::string src = Spelling(l, from);
      const bool digraph = src.size() == 2 && IsAsciiLetter(src[0]) && IsAsciiLetter(src[1]);
      if (digraph != (pass == 0)) continue;
      *rules += Lit(src) + " > " + Lit(Spelling(l, to)) + " ;\n";
    }
  }
}

// Vowels converted to UEY. At a word start UEY writes ئ before the vowel
// (word-initial a -> ئا); inside a word the bare vowel. With
// `hamza_between_vowels` (USY input, which never writes the hamza) also ئ
// after another vowel: most such words are Uyghur or Arabic-Persian ones
// spelled with it (саәт -> سائەت, муавин -> مۇئاۋىن). ULY writes that hamza as
// an apostrophe, so adjacent ULY vowels stay adjacent (yüen -> يۈەن, as UEY
// spells Chinese loans).
void AppendVowelsToUey(Side from, bool hamza_between_vowels, std::string* rules) {
  for (const Letter& l : kLetters) {
    if (!l.vowel) continue;
    const std::string src = Lit(Spelling(l, from));
    if (hamza_between_vowels) *rules += "$ueyVowel { " + src + " > \\u0626" + l.uey + " ;\n";
    *rules += "$wordchar { " + src + " > " + l.uey + " ;\n";
    *rules += src + " > \\u0626" + l.uey + " ;\n";
  }
}

// Arabic punctuation and digits -> ASCII (ULY and USY use ASCII ones).
void AppendPunctuationFromUey(std::string* rules) {
  *rules +=
      "\\u060C > \\, ;\n"   // ، comma
      "\\u061B > \\; ;\n"   // ؛ semicolon
      "\\u061F > \\? ;\n"   // ؟ question mark
      "\\u066A > \\% ;\n"   // ٪ percent
      "\\u06D4 > \\. ;\n";  // ۔ full stop
  for (int d = 0; d < 10; ++d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "\\u%04X > %d ;\n\\u%04X > %d ;\n", 0x0660 + d, d, 0x06F0 + d,
                  d);
    *rules += buf;
  }
}

void AppendPunctuationToUey(std::string* rules) {
  *rules += "\\, > \\u060C ;\n\\; > \\u061B ;\n\\? > \\u061F ;\n";
}

// USY letters of Russian loanwords (not in the alphabet): nearest Uyghur
// spelling, so no Cyrillic is left in the output. USY does not write the
// hamza (uyghur-alphabet.tsv), but some texts mark it after a consonant as
// the Uzbek and Tajik alphabets do, with ъ or an apostrophe (сәнъәт, мәс'ул):
// read either before a vowel as ئ. (To ULY an apostrophe passes through as
// it is, which ULY reads the same way.)
void AppendRussianLetters(Side to, std::string* rules) {
  if (to == Side::kUey) {
    *rules +=
        "я > \\u064A\\u0627 ;\n"  // يا
        "ю > \\u064A\\u06C7 ;\n"  // يۇ
        "ё > \\u064A\\u0648 ;\n"  // يو
        "ц > \\u062A\\u0633 ;\n"  // تس
        "щ > \\u0634\\u0686 ;\n"  // شچ
        "$wordchar { [ъ$apos] } $usyVowel > \\u0626 ;\n"
        "[ъь] > ;\n";
  } else {
    *rules +=
        "я > ya ;\nю > yu ;\nё > yo ;\nц > ts ;\nщ > shch ;\n"
        "$wordchar { ъ } $usyVowel > \\' ;\n"
        "[ъь] > ;\n";
  }
}

std::string UeyToUly() {
  std::string r = UeyPreparation() + CommonVariables();
  r +=
      // Hamza: dropped at a word start, an apostrophe inside a word (sa'et,
      // mes'ul, xelq'ara).
      "$wordchar { \\u0626 > \\' ;\n"
      "\\u0626 > ;\n"
      // Letter pairs ULY would read as a digraph get the separating
      // apostrophe: n'g n'gh (ئەنگلىيە en'gliye, قىلىنغان qilin'ghan), s'h, z'h,
      // g'h. (ULY has no c, so c'h cannot arise; ڭ+غ "nggh", س+ش "ssh" and the
      // like read back correctly left to right.)
      "\\u0646 } [\\u06AF\\u063A] > n\\' ;\n"
      "\\u0633 } \\u06BE > s\\' ;\n"
      "\\u0632 } \\u06BE > z\\' ;\n"
      "\\u06AF } \\u06BE > g\\' ;\n";
  AppendLetterRules(Side::kUey, Side::kUly, false, &r);
  AppendPunctuationFromUey(&r);
  return r;
}

std::string UeyToUsy() {
  std::string r = UeyPreparation() + CommonVariables();
  r +=
      // USY writes no hamza.
      "\\u0626 > ;\n"
      // يا -> я, يۇ -> ю (سىياسىي сиясий, ئايال аял).
      "\\u064A\\u0627 > я ;\n"
      "\\u064A\\u06C7 > ю ;\n";
  AppendLetterRules(Side::kUey, Side::kUsy, false, &r);
  AppendPunctuationFromUey(&r);
  return r;
}

std::string UlyToUey() {
  std::string r = CasedPreparation("Latin") + CommonVariables();
  r +=
      // An apostrophe between letters: before a vowel it is the hamza
      // (sa'et سائەت), before a consonant a digraph separator (sin'gapor).
      // Elsewhere (quotes) it stays.
      "$wordchar { $apos } $ulyVowel > \\u0626 ;\n"
      "$wordchar { $apos } $wordchar > ;\n";
  AppendLetterRules(Side::kUly, Side::kUey, true, &r);
  AppendVowelsToUey(Side::kUly, /*hamza_between_vowels=*/false, &r);
  r += "v > \\u06CB ;\n";  // v for w in loanwords
  AppendPunctuationToUey(&r);
  return r;
}

std::string UsyToUey() {
  std::string r = CasedPreparation("Cyrillic") + CommonVariables();
  AppendRussianLetters(Side::kUey, &r);
  // Russian ы and э are vowels for the hamza rules too.
  r += "$ueyVowel { ы > \\u0626\\u0649 ;\n$wordchar { ы > \\u0649 ;\nы > \\u0626\\u0649 ;\n"
       "$ueyVowel { э > \\u0626\\u06D5 ;\n$wordchar { э > \\u06D5 ;\nэ > \\u0626\\u06D5 ;\n";
  AppendLetterRules(Side::kUsy, Side::kUey, true, &r);
  AppendVowelsToUey(Side::kUsy, /*hamza_between_vowels=*/true, &r);
  AppendPunctuationToUey(&r);
  return r;
}

std::string UlyToUsy() {
  std::string r = CasedPreparation("Latin") + CommonVariables();
  r +=
      // USY writes neither hamza nor digraph separators.
      "$wordchar { $apos } $wordchar > ;\n"
      "ya > я ;\n"
      "yu > ю ;\n";
  AppendLetterRules(Side::kUly, Side::kUsy, false, &r);
  r += "v > в ;\n";
  return r;
}

std::string UsyToUly() {
  std::string r = CasedPreparation("Cyrillic") + CommonVariables();
  AppendRussianLetters(Side::kUly, &r);
  r +=
      // The digraph separators UEY -> ULY writes (синга -> sin'ga).
      "н } [гғ] > n\\' ;\n"
      "с } һ > s\\' ;\n"
      "з } һ > z\\' ;\n"
      "г } һ > g\\' ;\n"
      "$ulyVowel { ы > \\'i ;\n"
      "ы > i ;\n"
      "$ulyVowel { э > \\'e ;\n"
      "э > e ;\n";
  // Two adjacent vowels had a hamza between them in UEY: ULY writes it as an
  // apostrophe (саәт -> sa'et), as UsyToUey writes ئ.
  for (const Letter& l : kLetters) {
    if (l.vowel) r += std::string("$ulyVowel { ") + l.usy + " > \\'" + Lit(l.uly) + " ;\n";
  }
  AppendLetterRules(Side::kUsy, Side::kUly, false, &r);
  return r;
}

constexpr int kDirections = 6;

struct DirectionSpec {
  UyghurScript from;
  UyghurScript to;
  std::string (*rules)();
};

constexpr DirectionSpec kDirectionSpecs[kDirections] = {
    {UyghurScript::kArabic, UyghurScript::kLatin, UeyToUly},
    {UyghurScript::kArabic, UyghurScript::kCyrillic, UeyToUsy},
    {UyghurScript::kLatin, UyghurScript::kArabic, UlyToUey},
    {UyghurScript::kLatin, UyghurScript::kCyrillic, UlyToUsy},
    {UyghurScript::kCyrillic, UyghurScript::kArabic, UsyToUey},
    {UyghurScript::kCyrillic, UyghurScript::kLatin, UsyToUly},
};

// Input is converted in pieces of at most this many bytes, cut after ASCII
// whitespace. ICU transliterates in place in a UTF-16 buffer and moves the
// rest of the buffer whenever a replacement changes length (ش -> sh), so the
// cost grows with the square of the piece: 4 KiB pieces keep a conversion
// linear (1 MiB: 64 KiB pieces 3.2 s under ASan, 4 KiB pieces 0.36 s). No rule
// looks across whitespace, so the result is the same as in one piece; and a
// long conversion holds its direction's mutex only briefly at a time.
constexpr size_t kChunkBytes = 4 * 1024;

// Where to end the piece that starts at `start`.
size_t ChunkEnd(std::string_view text, size_t start) {
  if (text.size() - start <= kChunkBytes) return text.size();
  const size_t limit = start + kChunkBytes;
  for (size_t i = limit; i > start + kChunkBytes / 2; --i) {
    const char c = text[i - 1];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') return i;
  }
  // No whitespace in the last 2 KiB (not a real word): cut before a UTF-8
  // lead byte; rules spanning the cut then see a word break where there is
  // none (ULY -> UEY writes ئ before a vowel that starts the next piece).
  size_t i = limit;
  while (i > start + 1 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80 && limit - i < 4) {
    --i;
  }
  return i;
}

}  // namespace

std::string_view UyghurScriptName(UyghurScript s) {
  switch (s) {
    case UyghurScript::kArabic:
      return "UEY";
    case UyghurScript::kLatin:
      return "ULY";
    case UyghurScript::kCyrillic:
      return "USY";
  }
  return "?";
}

struct UyghurTransliterator::Impl {
  struct Direction {
    std::unique_ptr<icu::Transliterator> transliterator;
    // ICU does not promise that one Transliterator may be used from two
    // threads at once.
    mutable std::mutex mu;
  };
  std::array<Direction, kDirections> directions;

  const Direction* Find(UyghurScript from, UyghurScript to) const {
    for (int i = 0; i < kDirections; ++i) {
      if (kDirectionSpecs[i].from == from && kDirectionSpecs[i].to == to) return &directions[i];
    }
    return nullptr;
  }
};

UyghurTransliterator::UyghurTransliterator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UyghurTransliterator::~UyghurTransliterator() = default;

Result<std::unique_ptr<UyghurTransliterator>> UyghurTransliterator::Create() {
  auto impl = std::make_unique<Impl>();
  for (int i = 0; i < kDirections; ++i) {
    const DirectionSpec& spec = kDirectionSpecs[i];
    const std::string name = std::string("mw-") + std::string(UyghurScriptName(spec.from)) + "-" +
                             std::string(UyghurScriptName(spec.to));
    const std::string rules = spec.rules();
    UParseError parse_error{};
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(icu::Transliterator::createFromRules(
        icu::UnicodeString::fromUTF8(name), icu::UnicodeString::fromUTF8(rules), UTRANS_FORWARD,
        parse_error, status));
    if (U_FAILURE(status) || t == nullptr) {
      std::string context;
      icu::UnicodeString(parse_error.preContext).toUTF8String(context);
      context += "<here>";
      icu::UnicodeString(parse_error.postContext).toUTF8String(context);
      return Status::Internal(name + ": ICU rejected the rules: " + u_errorName(status) +
                              " at rule line " + std::to_string(parse_error.line) + ", offset " +
                              std::to_string(parse_error.offset) + ", near '" + context + "'");
    }
    impl->directions[i].transliterator = std::move(t);
  }
  return std::unique_ptr<UyghurTransliterator>(new UyghurTransliterator(std::move(impl)));
}

std::string UyghurTransliterator::Convert(std::string_view utf8, UyghurScript from,
                                          UyghurScript to) const {
  if (from == to) return std::string(utf8);
  const Impl::Direction* d = impl_->Find(from, to);
  if (d == nullptr) return std::string(utf8);  // unreachable: all six exist
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 4);
  for (size_t start = 0; start < utf8.size();) {
    const size_t end = ChunkEnd(utf8, start);
    // fromUTF8 replaces invalid sequences with U+FFFD.
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(utf8.data() + start, static_cast<int32_t>(end - start)));
    {
      std::lock_guard<std::mutex> lock(d->mu);
      d->transliterator->transliterate(u);
    }
    u.toUTF8String(out);
    start = end;
  }
  return out;
}

std::optional<UyghurScript> DetectUyghurScript(std::string_view utf8) {
  std::optional<UyghurScript> found;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  // U8_NEXT takes int32_t lengths; longer text is judged by its first 2 GiB.
  const int32_t length =
      static_cast<int32_t>(std::min<size_t>(utf8.size(), static_cast<size_t>(INT32_MAX)));
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0 || !u_isalpha(c)) continue;
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &status);
    if (U_FAILURE(status)) return std::nullopt;
    UyghurScript this_script;
    switch (script) {
      case USCRIPT_COMMON:  // e.g. ʼ U+02BC, the ULY apostrophe
      case USCRIPT_INHERITED:
        continue;
      case USCRIPT_ARABIC:
        this_script = UyghurScript::kArabic;
        break;
      case USCRIPT_LATIN:
        this_script = UyghurScript::kLatin;
        break;
      case USCRIPT_CYRILLIC:
        this_script = UyghurScript::kCyrillic;
        break;
      default:
        return std::nullopt;  // Han, Greek, ...
    }
    if (found.has_value() && *found != this_script) return std::nullopt;
    found = this_script;
  }
  return found;
}

}  // namespace mw
