// mediawatch/parsers/language.h
//
// Guesses the language of a text from its script and simple statistics,
// for pages and feed entries that do not state their language. Tuned for
// the languages mediawatch watches (Chinese, Uyghur in its three scripts,
// English) and their neighbours, not a general-purpose identifier:
//
//   Han (+ kana: ja, + Hangul: ko)  "zh-Hans" / "zh-Hant" by the share of
//                                   characters that exist in only one of
//                                   the two forms, "zh" when undecided
//   Arabic script                   "ug" (Uyghur letters ۇ ۆ ۈ ې ڭ ھ),
//                                   "ckb", "ur", "fa", else "ar"
//   Cyrillic                        "ug-Cyrl" (Uyghur letters and words),
//                                   "kk", "uk", "ru"
//   Latin                           stop-word profiles: en fr de es pt it
//                                   nl tr id, "ug-Latn" (Uyghur Latin)
//   single scripts                  he el th hi ka hy bo km lo my
//
// Returns "" when the text is too short or the evidence is weak: a wrong
// guess is worse than none. Looks at no more than the first 64 KiB.
// Thread safety: pure.
#pragma once

#include <string>
#include <string_view>

namespace mw {

// `utf8` is any text (invalid sequences are skipped). O(min(n, 64 KiB)).
std::string GuessLanguage(std::string_view utf8);

}  // namespace mw
