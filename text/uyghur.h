// mediawatch/text/uyghur.h
//
// Conversion between the three scripts Uyghur is written in, so that a
// watch-list term written in any of them can be matched in text written in
// any other:
//
//   UEY  Uyghur Ereb Yéziqi   Arabic script   ئۇيغۇر   شىنجاڭ
//   ULY  Uyghur Latin Yéziqi  Latin script    uyghur    shinjang
//   USY  Uyghur Siril Yéziqi  Cyrillic script уйғур     шинҗаң
//
//   Result<std::unique_ptr<UyghurTransliterator>> t = UyghurTransliterator::Create();
//   std::string latin = (*t)->Convert("شىنجاڭ", UyghurScript::kArabic,
//                                     UyghurScript::kLatin);  // "shinjang"
//
// The letter correspondences are those of ../shared/text/uyghur-alphabet.tsv
// (32 letters; UEY writes every vowel). The rules are ICU rule-based
// transliterators written for this project (ICU 72 has no Uyghur transform;
// its "ug-Latn" silently falls back to a generic Arabic one). What is not a
// one-to-one letter mapping:
//
//  * Hamza ئ. UEY writes it before every word-initial vowel and at the start
//    of a vowel-initial syllable inside a word (سائەت "hour", مەسئۇل
//    "responsible"). ULY drops the word-initial one and writes the medial one
//    as an apostrophe (sa'et, mes'ul); USY drops both (саәт, мәсул).
//    Converting to UEY writes ئ before a word-initial vowel and for an ULY
//    apostrophe before a vowel; from USY, which cannot mark it, also between
//    two adjacent vowels (саәт -> سائەت). So a hamza after a consonant is lost
//    through USY (мәсул -> مەسۇل), unless the USY text marks it with ъ or an
//    apostrophe as some do (сәнъәт -> سەنئەت); and Chinese loans that UEY
//    writes with adjacent vowels gain one (يۈەن -> йүән -> يۈئەن), while ULY
//    keeps them apart (yüen -> يۈەن).
//  * ULY digraphs ch gh ng sh zh are read as one letter unless an apostrophe
//    separates them (sin'gapor سىنگاپور, qilin'ghan قىلىنغان, is'haq ئىسھاق);
//    converting to ULY writes that apostrophe after n before g/gh and between
//    s, z or g and h, so the output reads back as written.
//  * USY я = ya (يا) and ю = yu (يۇ), both ways (سىياسىي <-> сиясий).
//
// Input of any case is accepted; Latin and Cyrillic output is lower-case
// (UEY has no case, and the matcher folds case anyway). ULY input may write
// é ö ü precomposed or with combining marks, and the apostrophe as ' ’ or ʼ;
// v is read as w (ۋ); c, not a ULY letter, passes through. USY input may contain the Russian
// letters of loanwords (ц щ ё ы э ъ ь), converted to their nearest Uyghur spelling. Punctuation:
// Arabic ، ؛ ؟ ٪ ۔ and Arabic-Indic digits become , ; ? % . and 0-9 in ULY and
// USY; , ; ? become ، ؛ ؟ in UEY. Everything else (digits, spaces, other
// punctuation, Han, letters of other scripts, Latin inside UEY text) passes
// through unchanged.
//
// UEY input is expected to have been folded by TextNormalizer first, but
// look-alike code points are handled rather than passed through: Arabic
// presentation forms (NFKC), tatweel and ZWJ/ZWNJ (dropped), U+06A9 keheh (as
// ك), U+06CC Farsi yeh (ي next to a vowel, else ى), U+0647 plain heh (ە after
// ئ, between consonants and at a word end, else ھ), ى/ي/ی + combining hamza
// and standalone hamza U+0621 (as ئ). The legacy-font hack that writes ى as
// ص (uygur.com) is not undone: it needs page-level detection.
//
// Round trips. UEY -> ULY -> UEY is the identity on correctly spelled UEY,
// except for ASCII , ; ? in UEY text (they come back as ، ؛ ؟), Latin words in
// UEY text (CNN comes back as cنن: ULY input is read as ULY) and misspellings
// (a word-initial vowel without ئ gains it). UEY -> USY -> UEY also loses ئ
// after consonants and adds it between adjacent vowels (above). Of the ~3,000
// distinct words of the RFA Uyghur feed (2019), 4 with Latin acronyms do not come
// back through ULY (CNN, NBA, SNN), 25 words through USY (24 with ئ after a consonant, such
// as خەلقئارا "international" and جەمئىيەت "society", and يۈەندىن).
// ULY <-> USY are converted directly (not through UEY), with the same result
// as going through UEY.
//
// Thread safety: Convert() may be called from several threads at once. ICU
// does not promise that one Transliterator may be used concurrently, so each
// of the six directions holds its own transliterator behind its own mutex:
// concurrent calls for the same direction are serialized, calls for different
// directions run in parallel.
//
// Cost: linear in the input, which is converted in pieces of at most 4 KiB
// cut at whitespace (ICU's in-place replacement is quadratic in the length of
// one piece); memory is about three times the input. No size limit: callers
// convert watch-list terms, and 1 MiB takes well under 0.1 s (release build).
// Create() compiles the rules (tens of milliseconds): create once, share.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

enum class UyghurScript { kArabic, kLatin, kCyrillic };

// "UEY", "ULY" or "USY".
std::string_view UyghurScriptName(UyghurScript s);

class UyghurTransliterator {
 public:
  // Compiles the six rule sets.
  // Errors: kInternal when ICU rejects the rules (a bug; the message names the
  // direction and includes ICU's error code and parse position).
  static Result<std::unique_ptr<UyghurTransliterator>> Create();
  ~UyghurTransliterator();
  UyghurTransliterator(const UyghurTransliterator&) = delete;
  UyghurTransliterator& operator=(const UyghurTransliterator&) = delete;

  // Returns UTF-8 `utf8`, written in script `from`, converted to script `to`.
  // from == to: returns the input unchanged (byte for byte). Otherwise invalid
  // UTF-8 sequences become U+FFFD. Never fails.
  std::string Convert(std::string_view utf8, UyghurScript from, UyghurScript to) const;

 private:
  struct Impl;
  explicit UyghurTransliterator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The script a term is written in when it can be Uyghur: kArabic for
// Arabic-script text (Uyghur letters, or plain Arabic letters: Uyghur is the
// only Arabic-script language we watch), kCyrillic for Cyrillic, kLatin for
// Latin. Only letters count (digits, punctuation, spaces and combining marks
// are ignored). std::nullopt when there is no letter, when letters of two of
// these scripts are mixed, or when any letter is of another script (Han...).
// Invalid UTF-8 sequences are ignored.
std::optional<UyghurScript> DetectUyghurScript(std::string_view utf8);

}  // namespace mw
