// mediawatch/text/normalizer.cc
//
// The input is cut into normalization segments (a code point with a
// boundary before it plus the combining marks that follow). Each segment is
// case-folded and NFKC-normalized on its own: ASCII inline, other BMP code
// points through a table computed once in Create(), combining sequences
// through ICU. Every resulting code point remembers the original bytes of
// its segment; the later steps work code point by code point (or Han run by
// run for OpenCC), so the map stays exact at segment granularity.

#include "text/normalizer.h"

#include <opencc.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <bitset>
#include <mutex>

namespace mw {
namespace {

struct OpenccCloser {
  void operator()(void* handle) const {
    if (handle != nullptr && handle != reinterpret_cast<void*>(-1)) opencc_close(handle);
  }
};
using OpenccHandle = std::unique_ptr<void, OpenccCloser>;

// A code point and the original bytes it came from.
struct Unit {
  char32_t c;
  uint32_t start;
  uint32_t end;
};

bool IsNameSeparator(char32_t c) {
  // Middle dots between the parts of transliterated names (莱汉·阿萨特,
  // 萊漢・阿薩特, 热依汗•阿萨特).
  return c == 0x00B7 || c == 0x30FB || c == 0xFF65 || c == 0x2022 || c == 0x2027 || c == 0x2219 ||
         c == 0x22C5;
}

// Punctuation with an ASCII equivalent for tokenizing (0 if none).
char32_t UnifiedPunctuation(char32_t c) {
  switch (c) {
    case 0x060C:  // ، Arabic comma
      return ',';
    case 0x061B:  // ؛
      return ';';
    case 0x061F:  // ؟
      return '?';
    case 0x06D4:  // ۔ Arabic full stop
      return '.';
    case 0x00AB:  // « »
    case 0x00BB:
    case 0x201C:  // “ ” „
    case 0x201D:
    case 0x201E:
      return '"';
    case 0x2018:  // ‘ ’ ‚
    case 0x2019:
    case 0x201A:
      return '\'';
    default:
      return (c >= 0x2010 && c <= 0x2015) ? U'-' : 0;
  }
}

bool IsHan(char32_t c) {
  if (c < 0x2E80) return false;  // fast path: everything below is not Han
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(static_cast<UChar32>(c), &status) == USCRIPT_HAN;
}

bool IsArabicLetter(char32_t c) { return c >= 0x0620 && c <= 0x06FF && u_isalpha(c); }

// Uyghur vowel letters: ا ە و ۇ ۆ ۈ ې ى.
bool IsUyghurVowel(char32_t c) {
  return c == 0x0627 || c == 0x06D5 || c == 0x0648 || c == 0x06C7 || c == 0x06C6 || c == 0x06C8 ||
         c == 0x06D0 || c == 0x0649;
}

void AppendUtf8(std::string* out, char32_t c) {
  char buf[4];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, static_cast<UChar32>(c), error);
  if (error) {
    out->append("\xEF\xBF\xBD");
    return;
  }
  out->append(buf, static_cast<size_t>(len));
}

// Step 1 for one normalization segment (a code point with a boundary before
// it and what follows without one): NFKC_Casefold, after composing ALEF
// MAKSURA + HAMZA ABOVE, which NFC leaves apart. `segment` is modified;
// `scratch` is a reusable buffer; the result replaces `*out`.
// Tatweels the folding produced (medial-form presentation characters such
// as ﳳ = ـ + damma + shadda) are removed and the rest folded again: the
// marks after a tatweel are ordered relative to it, and must be ordered
// (and composed) relative to the letter before it, as a second fold would.
void FoldSegment(const icu::Normalizer2& nfkc_cf, std::u32string* segment,
                 icu::UnicodeString* scratch, std::u32string* out) {
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t m = 0; m + 1 < segment->size(); ++m) {
      if ((*segment)[m] == 0x0649 && (*segment)[m + 1] == 0x0654) {
        (*segment)[m] = 0x0626;
        segment->erase(m + 1, 1);
      }
    }
    scratch->remove();
    for (char32_t c : *segment) scratch->append(static_cast<UChar32>(c));
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString folded = nfkc_cf.normalize(*scratch, status);
    if (U_FAILURE(status)) folded = *scratch;
    out->clear();
    bool tatweel = false;
    for (int32_t m = 0; m < folded.length();) {
      UChar32 f = folded.char32At(m);
      m += U16_LENGTH(f);
      if (f == 0x0640) {
        tatweel = true;
        continue;
      }
      out->push_back(static_cast<char32_t>(f));
    }
    // Folding text without tatweel or compatibility characters produces
    // neither, so a second pass is the last.
    if (!tatweel) break;
    *segment = *out;
  }
}

// Code points in valid UTF-8 `s` (continuation bytes are not counted).
size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char ch : s) n += (static_cast<uint8_t>(ch) & 0xC0) != 0x80;
  return n;
}

// Code point ranges whose characters OpenCC t2s may change.
constexpr char32_t kCjkRanges[][2] = {{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}};

}  // namespace

struct TextNormalizer::Impl {
  const icu::Normalizer2* nfkc_cf = nullptr;
  NormalizerOptions options;
  // NFKC_Casefold of each BMP code point on its own: bmp_begin[c] is kInert
  // when c maps to itself, else where its folding starts in `pool`, and
  // bmp_length[c] its length in code points.
  static constexpr uint32_t kInert = 0xFFFFFFFF;
  std::vector<uint32_t> bmp_begin;  // 0x10000 entries
  // Per BMP code point, what the main loop needs without calling ICU.
  static constexpr uint8_t kNoBoundary = 1;  // !hasBoundaryBefore: joins the previous one
  static constexpr uint8_t kSpace = 2;       // White_Space
  static constexpr uint8_t kPlain = 4;       // kept as is by steps 1 and 2
  static constexpr uint8_t kHan = 8;         // Han script
  std::vector<uint8_t> bmp_flags;
  std::vector<uint16_t> bmp_length;
  std::u32string pool;
  // Latin letters -> base letter without diacritics (0 when none).
  std::vector<char32_t> latin_base;  // indexed by code point < 0x2000
  // CJK code points that t2s changes on their own.
  std::bitset<0x10000> t2s_changes;
  OpenccHandle opencc;
  mutable std::mutex opencc_mu;  // OpenCC converters are not documented as thread-safe
};

TextNormalizer::TextNormalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TextNormalizer::~TextNormalizer() = default;

Result<std::unique_ptr<TextNormalizer>> TextNormalizer::Create(const NormalizerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  UErrorCode status = U_ZERO_ERROR;
  impl->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || impl->nfkc_cf == nullptr) {
    return Status::Internal(std::string("ICU NFKC_Casefold unavailable: ") + u_errorName(status));
  }
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || nfd == nullptr) {
    return Status::Internal(std::string("ICU NFD unavailable: ") + u_errorName(status));
  }
  // The per-code-point table (~65k lookups; a few milliseconds).
  impl->bmp_begin.assign(0x10000, Impl::kInert);
  impl->bmp_length.assign(0x10000, 0);
  for (UChar32 c = 0x80; c < 0x10000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    if (impl->nfkc_cf->isInert(c)) continue;
    icu::UnicodeString folded = impl->nfkc_cf->normalize(icu::UnicodeString(c), status);
    if (U_FAILURE(status)) return Status::Internal("ICU normalization failed");
    impl->bmp_begin[c] = static_cast<uint32_t>(impl->pool.size());
    for (int32_t i = 0; i < folded.length();) {
      UChar32 f = folded.char32At(i);
      impl->pool.push_back(static_cast<char32_t>(f));
      i += U16_LENGTH(f);
    }
    impl->bmp_length[c] = static_cast<uint16_t>(impl->pool.size() - impl->bmp_begin[c]);
  }
  impl->bmp_flags.assign(0x10000, 0);
  for (UChar32 c = 0; c < 0x10000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    uint8_t f = 0;
    if (!impl->nfkc_cf->hasBoundaryBefore(c)) f |= Impl::kNoBoundary;
    if (u_isUWhiteSpace(c)) f |= Impl::kSpace;
    UErrorCode script_status = U_ZERO_ERROR;
    if (c >= 0x2E80 && uscript_getScript(c, &script_status) == USCRIPT_HAN) f |= Impl::kHan;
    bool inert = c < 0x80 ? !(c >= 'A' && c <= 'Z') : impl->bmp_begin[c] == Impl::kInert;
    if (inert && !(f & Impl::kSpace) && c != 0x0640 && !IsNameSeparator(static_cast<char32_t>(c)) &&
        UnifiedPunctuation(static_cast<char32_t>(c)) == 0) {
      f |= Impl::kPlain;
    }
    // Tatweel is removed, so what follows it must be normalized together
    // with what precedes it, as a second fold would see them: ب ِ ـ َ folds
    // to ب َ ِ (canonical order), ا ـ ٔ to أ. Joining it to the previous
    // segment (and dropping it there) does that; the same for characters
    // whose folding starts with a tatweel (medial-form marks: ﹷ ﳳ).
    bool makes_tatweel = c == 0x0640;
    if (impl->bmp_begin[c] != Impl::kInert) {
      for (uint32_t m = 0; m < impl->bmp_length[c]; ++m) {
        makes_tatweel = makes_tatweel || impl->pool[impl->bmp_begin[c] + m] == 0x0640;
      }
    }
    if (makes_tatweel) f |= Impl::kNoBoundary;
    impl->bmp_flags[c] = f;
  }
  impl->latin_base.assign(0x2000, 0);
  for (UChar32 c = 0xC0; c < 0x2000; ++c) {
    UErrorCode script_status = U_ZERO_ERROR;
    if (uscript_getScript(c, &script_status) != USCRIPT_LATIN || !u_isalpha(c)) continue;
    icu::UnicodeString decomposed = nfd->normalize(icu::UnicodeString(c), status);
    if (U_FAILURE(status)) return Status::Internal("ICU normalization failed");
    UChar32 base = decomposed.char32At(0);
    if (decomposed.length() > U16_LENGTH(base) && base < 0x80) {
      impl->latin_base[c] = static_cast<char32_t>(base);
    }
  }
  if (options.fold_chinese) {
    opencc_t handle = opencc_open(options.opencc_config.c_str());
    if (handle == reinterpret_cast<opencc_t>(-1) || handle == nullptr) {
      return Status::Internal("cannot open OpenCC config '" + options.opencc_config +
                              "': " + opencc_error());
    }
    impl->opencc.reset(handle);
    // Which CJK characters t2s changes on their own: one conversion of all
    // of them, one per line (phrases never span a line break).
    std::string all;
    std::vector<char32_t> order;
    for (const auto& range : kCjkRanges) {
      for (char32_t c = range[0]; c <= range[1]; ++c) {
        AppendUtf8(&all, c);
        all.push_back('\n');
        order.push_back(c);
      }
    }
    char* converted = opencc_convert_utf8(handle, all.data(), all.size());
    if (converted == nullptr) return Status::Internal("OpenCC conversion failed");
    std::string_view out(converted);
    size_t k = 0;
    size_t line_start = 0;
    while (k < order.size() && line_start < out.size()) {
      size_t nl = out.find('\n', line_start);
      if (nl == std::string_view::npos) break;
      size_t pos = line_start;
      char32_t first = DecodeUtf8At(out.substr(0, nl), &pos);
      if (first != order[k] || pos != nl) impl->t2s_changes.set(order[k]);
      line_start = nl + 1;
      ++k;
    }
    bool complete = k == order.size();
    opencc_convert_utf8_free(converted);
    if (!complete) {
      // Unexpected output shape: convert every Han run.
      impl->t2s_changes.set();
    }
  }
  return std::unique_ptr<TextNormalizer>(new TextNormalizer(std::move(impl)));
}

std::string TextNormalizer::Fold(std::string_view text, const FoldOptions& options) const {
  FoldedText out;
  FoldInto(text, options, &out, /*offsets=*/false);
  return std::move(out.text);
}

FoldedText TextNormalizer::FoldWithOffsets(std::string_view text,
                                           const FoldOptions& options) const {
  FoldedText out;
  FoldInto(text, options, &out, /*offsets=*/true);
  return out;
}

void TextNormalizer::FoldInto(std::string_view text, const FoldOptions& options, FoldedText* out,
                              bool offsets) const {
  const Impl& impl = *impl_;
  if (text.size() > 0xFFFFFFF0u) text = text.substr(0, 0xFFFFFFF0u);
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());

  // Steps 1 and 2: segments -> NFKC_CF -> removals, spaces, separators.
  std::vector<Unit> units;
  units.reserve(text.size());
  bool pending_space = false;
  uint32_t space_start = 0;
  uint32_t space_end = 0;
  auto emit = [&](char32_t c, uint32_t start, uint32_t end) {
    if (c == 0x0640) return;  // tatweel
    bool space = c < 0x80      ? (c == ' ' || (c >= 0x09 && c <= 0x0D))
                 : c < 0x10000 ? (impl.bmp_flags[c] & Impl::kSpace) != 0
                               : u_isUWhiteSpace(static_cast<UChar32>(c));
    if (space) {
      if (!pending_space) space_start = start;
      space_end = end;
      pending_space = true;
      return;
    }
    if (pending_space) {
      if (!units.empty()) units.push_back({U' ', space_start, space_end});
      pending_space = false;
    }
    if (c >= 0x80) {
      if (IsNameSeparator(c)) {
        c = 0x00B7;
      } else if (char32_t p = UnifiedPunctuation(c); p != 0) {
        c = p;
      }
    }
    units.push_back({c, start, end});
  };

  std::u32string segment;  // code points of a combining sequence
  std::u32string folded_segment;
  icu::UnicodeString useg;
  auto boundary_before = [&impl](char32_t c) {
    return c < 0x10000 ? !(impl.bmp_flags[c] & Impl::kNoBoundary)
                       : impl.nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(c));
  };
  int32_t i = 0;
  while (i < n) {
    uint32_t start = static_cast<uint32_t>(i);
    if (bytes[i] < 0x80) {
      char32_t c = bytes[i];
      if (c >= 'A' && c <= 'Z') c += 32;
      ++i;
      // An ASCII letter followed by a combining mark is a sequence.
      if (i >= n || bytes[i] < 0x80) {
        emit(c, start, static_cast<uint32_t>(i));
        continue;
      }
      i = static_cast<int32_t>(start);
    }
    // Fast path: a BMP code point kept as is, followed by one that starts a
    // new segment (ASCII, or a BMP code point with a boundary before it).
    {
      int32_t k = i;
      UChar32 c = 0;
      U8_NEXT(bytes, k, n, c);
      if (c >= 0x80 && c < 0x10000 && (impl.bmp_flags[c] & Impl::kPlain)) {
        bool boundary_next = k >= n || bytes[k] < 0x80;
        if (!boundary_next) {
          int32_t k2 = k;
          UChar32 next = 0;
          U8_NEXT(bytes, k2, n, next);
          boundary_next =
              next < 0 || (next < 0x10000 && !(impl.bmp_flags[next] & Impl::kNoBoundary));
        }
        if (boundary_next) {
          emit(static_cast<char32_t>(c), start, static_cast<uint32_t>(k));
          i = k;
          continue;
        }
      }
    }
    // The segment: this code point and what follows without a boundary.
    segment.clear();
    int32_t k = i;
    while (k < n) {
      int32_t before = k;
      UChar32 c = 0;
      U8_NEXT(bytes, k, n, c);
      if (c < 0) c = 0xFFFD;
      if (!segment.empty() && boundary_before(static_cast<char32_t>(c))) {
        k = before;
        break;
      }
      segment.push_back(static_cast<char32_t>(c));
    }
    uint32_t end = static_cast<uint32_t>(k);
    i = k;
    if (segment.size() > 1) {
      segment.erase(std::remove(segment.begin(), segment.end(), U'\u0640'), segment.end());
      if (segment.empty()) continue;
    }
    if (segment.size() == 1 && segment[0] < 0x10000) {
      char32_t c = segment[0];
      if (c < 0x80) {
        emit(c >= 'A' && c <= 'Z' ? c + 32 : c, start, end);
      } else if (impl.bmp_begin[c] == Impl::kInert) {
        emit(c, start, end);
      } else {
        for (uint32_t m = 0; m < impl.bmp_length[c]; ++m) {
          emit(impl.pool[impl.bmp_begin[c] + m], start, end);
        }
      }
      continue;
    }
    FoldSegment(*impl.nfkc_cf, &segment, &useg, &folded_segment);
    for (char32_t f : folded_segment) emit(f, start, end);
  }

  // Step 3: Uyghur look-alikes, by context. Step 5: Latin diacritics.
  for (size_t u = 0; u < units.size(); ++u) {
    char32_t& c = units[u].c;
    if (c >= 0x0620 && c <= 0x06FF) {
      char32_t next = u + 1 < units.size() ? units[u + 1].c : 0;
      char32_t before = c;
      if (c == 0x06CC) {
        c = IsUyghurVowel(next) ? 0x064A : 0x0649;
      } else if (c == 0x06A9) {
        c = 0x0643;
      } else if (c == 0x0647) {
        c = IsArabicLetter(next) ? 0x06BE : 0x06D5;
      } else if (c == 0x0635 && impl.options.uyghur_font_hack) {
        c = 0x0649;
      }
      // A letter changed here may now compose with a combining mark after
      // it (ى/ي + hamza above = ئ, ە + hamza above = ۀ, also across a mark
      // of another class: ە + dot below + hamza above = ۀ + dot below), as
      // a second fold would: fold the letter and the marks that follow it
      // again now, so folding stays idempotent.
      if (c != before && next != 0 && !boundary_before(next)) {
        size_t v = u + 1;
        uint32_t end = units[u].end;
        segment.assign(1, c);
        for (; v < units.size() && !boundary_before(units[v].c); ++v) {
          segment.push_back(units[v].c);
          end = std::max(end, units[v].end);
        }
        FoldSegment(*impl.nfkc_cf, &segment, &useg, &folded_segment);
        bool same = folded_segment.size() == v - u;
        for (size_t m = 0; same && m < folded_segment.size(); ++m) {
          same = folded_segment[m] == units[u + m].c;
        }
        if (!same && !folded_segment.empty()) {
          const uint32_t start = units[u].start;
          units.erase(units.begin() + static_cast<std::ptrdiff_t>(u),
                      units.begin() + static_cast<std::ptrdiff_t>(v));
          std::vector<Unit> replacement;
          for (char32_t f : folded_segment) replacement.push_back({f, start, end});
          units.insert(units.begin() + static_cast<std::ptrdiff_t>(u), replacement.begin(),
                       replacement.end());
          u += replacement.size() - 1;  // the folded units need no further step 3
          continue;
        }
      }
    } else if (options.strip_latin_diacritics && c >= 0xC0 && c < 0x2000 && impl.latin_base[c]) {
      c = impl.latin_base[c];
    }
  }
  if (options.strip_latin_diacritics) {
    // Combining marks left after a Latin base (sequences NFKC kept apart).
    std::vector<Unit> kept;
    kept.reserve(units.size());
    for (const Unit& unit : units) {
      if (!kept.empty() && kept.back().c < 0x250 &&
          u_isalpha(static_cast<UChar32>(kept.back().c)) &&
          u_charType(unit.c) == U_NON_SPACING_MARK) {
        kept.back().end = unit.end;
        continue;
      }
      kept.push_back(unit);
    }
    units.swap(kept);
  }

  // Step 4 and output: UTF-8 with per-byte origins; Han runs that contain
  // a character t2s changes go through OpenCC.
  // Buffers sized for the worst case (4 bytes per code point; OpenCC
  // output is re-checked below), written through raw pointers, cut to size
  // at the end.
  std::string& result = out->text;
  size_t capacity = units.size() * 4;
  result.resize(capacity);
  if (offsets) {
    out->starts.resize(capacity);
    out->ends.resize(capacity);
  }
  char* dst = result.data();
  uint32_t* dst_start = offsets ? out->starts.data() : nullptr;
  uint32_t* dst_end = offsets ? out->ends.data() : nullptr;
  size_t written = 0;
  auto put = [&](char32_t c, uint32_t start, uint32_t end) {
    if (written + 4 > capacity) {  // only after OpenCC lengthened a run
      capacity = capacity * 2 + 16;
      result.resize(capacity);
      dst = result.data();
      if (offsets) {
        out->starts.resize(capacity);
        out->ends.resize(capacity);
        dst_start = out->starts.data();
        dst_end = out->ends.data();
      }
    }
    size_t n;
    if (c < 0x80) {
      dst[written] = static_cast<char>(c);
      n = 1;
    } else if (c < 0x800) {
      dst[written] = static_cast<char>(0xC0 | (c >> 6));
      dst[written + 1] = static_cast<char>(0x80 | (c & 0x3F));
      n = 2;
    } else if (c < 0x10000) {
      if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
      dst[written] = static_cast<char>(0xE0 | (c >> 12));
      dst[written + 1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      dst[written + 2] = static_cast<char>(0x80 | (c & 0x3F));
      n = 3;
    } else if (c < 0x110000) {
      dst[written] = static_cast<char>(0xF0 | (c >> 18));
      dst[written + 1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      dst[written + 2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      dst[written + 3] = static_cast<char>(0x80 | (c & 0x3F));
      n = 4;
    } else {
      dst[written] = static_cast<char>(0xEF);
      dst[written + 1] = static_cast<char>(0xBF);
      dst[written + 2] = static_cast<char>(0xBD);
      n = 3;
    }
    if (offsets) {
      for (size_t b = 0; b < n; ++b) {
        dst_start[written + b] = start;
        dst_end[written + b] = end;
      }
    }
    written += n;
  };
  size_t u = 0;
  while (u < units.size()) {
    auto is_han = [&impl](char32_t c) {
      return c < 0x10000 ? (impl.bmp_flags[c] & Impl::kHan) != 0 : IsHan(c);
    };
    if (!impl.opencc || !is_han(units[u].c)) {
      put(units[u].c, units[u].start, units[u].end);
      ++u;
      continue;
    }
    size_t run_end = u;
    bool changes = false;
    while (run_end < units.size() && is_han(units[run_end].c)) {
      char32_t c = units[run_end].c;
      changes = changes || c >= 0x10000 || impl.t2s_changes.test(c);
      ++run_end;
    }
    if (!changes) {
      for (; u < run_end; ++u) put(units[u].c, units[u].start, units[u].end);
      continue;
    }
    std::string run;
    for (size_t m = u; m < run_end; ++m) AppendUtf8(&run, units[m].c);
    // t2s is not idempotent: a few Traditional characters map to another
    // Traditional one that t2s maps again (薴 -> 苧 -> 苎). Converting until
    // a second fold would leave the run alone keeps Fold(Fold(x)) == Fold(x):
    // another pass only when the output still holds a character that a
    // second fold would convert (the test above), and it changed something.
    // Ordinary text costs one pass; the cap bounds the cost should the
    // dictionaries ever hold a cycle.
    auto would_convert = [&impl](std::string_view utf8) {
      for (size_t pos = 0; pos < utf8.size();) {
        char32_t c = DecodeUtf8At(utf8, &pos);
        if (c >= 0x10000 || impl.t2s_changes.test(c)) return true;
      }
      return false;
    };
    constexpr int kMaxT2sPasses = 4;
    std::string converted = run;
    bool same_length = true;  // every pass kept the number of code points
    {
      std::lock_guard<std::mutex> lock(impl.opencc_mu);
      for (int pass = 0; pass < kMaxT2sPasses; ++pass) {
        char* c = opencc_convert_utf8(impl.opencc.get(), converted.data(), converted.size());
        if (c == nullptr) break;
        std::string next(c);
        opencc_convert_utf8_free(c);
        if (next == converted) break;
        same_length = same_length && CodePointCount(next) == CodePointCount(converted);
        converted = std::move(next);
        if (!would_convert(converted)) break;
      }
    }
    std::u32string cps;
    for (size_t pos = 0; pos < converted.size();) cps.push_back(DecodeUtf8At(converted, &pos));
    if (same_length && cps.size() == run_end - u) {
      for (size_t m = 0; m < cps.size(); ++m) put(cps[m], units[u + m].start, units[u + m].end);
    } else {  // a phrase changed length: the whole run maps to the whole run
      for (char32_t c : cps) put(c, units[u].start, units[run_end - 1].end);
    }
    u = run_end;
  }
  result.resize(written);
  if (offsets) {
    out->starts.resize(written);
    out->ends.resize(written);
  }
}

bool IsWordCodePoint(char32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  UChar32 cp = static_cast<UChar32>(c);
  return u_isalnum(cp) || u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) ||
         u_charType(cp) == U_NON_SPACING_MARK || u_charType(cp) == U_COMBINING_SPACING_MARK;
}

bool IsScriptWithoutSpaces(char32_t c) {
  if (c < 0x0E00) return false;  // fast path: no such script below Thai
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &status);
  if (U_FAILURE(status)) return false;
  switch (script) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR:
    case USCRIPT_TIBETAN:
    case USCRIPT_YI:
      return true;
    default:
      return false;
  }
}

char32_t DecodeUtf8At(std::string_view text, size_t* pos) {
  int32_t i = static_cast<int32_t>(*pos);
  UChar32 c = 0;
  U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), i, static_cast<int32_t>(text.size()), c);
  *pos = static_cast<size_t>(i);
  return c < 0 ? U'\uFFFD' : static_cast<char32_t>(c);
}

}  // namespace mw
