#include "text/normalizer.h"

#include <opencc.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <mutex>

namespace mw {
namespace {

struct OpenccCloser {
  void operator()(void* handle) const {
    if (handle != nullptr && handle != reinterpret_cast<void*>(-1)) opencc_close(handle);
  }
};
using OpenccHandle = std::unique_ptr<void, OpenccCloser>;

bool IsRemovedCodePoint(UChar32 c) {
  // NFKC_Casefold already drops default-ignorables (ZWSP, ZWJ/ZWNJ, bidi
  // controls, soft hyphen, BOM). Tatweel is a letter-like filler used to
  // stretch Arabic-script words; it carries no meaning for matching.
  return c == 0x0640;
}

bool IsNameSeparator(UChar32 c) {
  // Middle dots used between the parts of transliterated names
  // (莱汉·阿萨特, 萊漢・阿薩特) are equivalent to a space.
  return c == 0x00B7 || c == 0x30FB || c == 0xFF65 || c == 0x2022 || c == 0x2027 || c == 0x2219 ||
         c == 0x22C5;
}

bool IsHan(UChar32 c) {
  if (c < 0x2E80) return false;  // fast path: everything below is not Han
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(c, &status) == USCRIPT_HAN;
}

void AppendUtf8(std::string* out, UChar32 c) {
  char buf[4];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, c, error);
  if (error) {
    out->append("\xEF\xBF\xBD");
    return;
  }
  out->append(buf, static_cast<size_t>(len));
}

}  // namespace

struct TextNormalizer::Impl {
  const icu::Normalizer2* nfkc_cf = nullptr;
  OpenccHandle opencc;
  mutable std::mutex opencc_mu;  // OpenCC converters are not documented as thread-safe
};

TextNormalizer::TextNormalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TextNormalizer::~TextNormalizer() = default;

Result<std::unique_ptr<TextNormalizer>> TextNormalizer::Create(const NormalizerOptions& options) {
  auto impl = std::make_unique<Impl>();
  UErrorCode status = U_ZERO_ERROR;
  impl->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || impl->nfkc_cf == nullptr) {
    return Status::Internal(std::string("ICU NFKC_Casefold unavailable: ") + u_errorName(status));
  }
  if (options.fold_chinese) {
    opencc_t handle = opencc_open(options.opencc_config.c_str());
    if (handle == reinterpret_cast<opencc_t>(-1) || handle == nullptr) {
      return Status::Internal("cannot open OpenCC config '" + options.opencc_config +
                              "': " + opencc_error());
    }
    impl->opencc.reset(handle);
  }
  return std::unique_ptr<TextNormalizer>(new TextNormalizer(std::move(impl)));
}

std::string TextNormalizer::Fold(std::string_view text) const {
  icu::UnicodeString src = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = impl_->nfkc_cf->normalize(src, status);
  if (U_FAILURE(status)) folded = src;

  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  bool has_han = false;  // OpenCC is the slowest step: skip it for text without Han
  for (int32_t i = 0; i < folded.length();) {
    UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (IsRemovedCodePoint(c)) continue;
    if (IsNameSeparator(c) || u_isUWhiteSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    has_han = has_han || IsHan(c);
    AppendUtf8(&out, c);
  }

  if (impl_->opencc && has_han) {
    std::lock_guard<std::mutex> lock(impl_->opencc_mu);
    char* converted = opencc_convert_utf8(impl_->opencc.get(), out.data(), out.size());
    if (converted != nullptr) {
      out.assign(converted);
      opencc_convert_utf8_free(converted);
    }
  }
  return out;
}

bool IsWordCodePoint(char32_t c) {
  UChar32 cp = static_cast<UChar32>(c);
  return u_isalnum(cp) || u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) ||
         u_charType(cp) == U_NON_SPACING_MARK || u_charType(cp) == U_COMBINING_SPACING_MARK;
}

bool IsScriptWithoutSpaces(char32_t c) {
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
