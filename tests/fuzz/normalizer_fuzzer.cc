// Fuzz target: TextNormalizer::Fold and FoldWithOffsets (text/normalizer.h),
// which every watch-list term and article text goes through.
//
// Input: byte 0 picks the options (bit 0: strip Latin diacritics; bit 1: the
// normalizer with uyghur_font_hack); the rest is the text, any bytes.
//
// Invariants (normalizer.h):
//   - the folded text is valid UTF-8 (invalid input becomes U+FFFD);
//   - FoldWithOffsets(x).text == Fold(x), and folding is idempotent:
//     Fold(Fold(x)) == Fold(x);
//   - the offset map has one entry per folded byte, every range lies inside
//     the original (start <= end <= x.size()) and starts never decrease.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_check.h"
#include "text/normalizer.h"

namespace {

using mw::fuzz::IsValidUtf8;

// Built once: ICU and OpenCC set-up takes far longer than one input. The
// normalizers are immutable and outlive every input.
struct Normalizers {
  std::unique_ptr<mw::TextNormalizer> plain;
  std::unique_ptr<mw::TextNormalizer> font_hack;
};

const Normalizers& GetNormalizers() {
  static const Normalizers* const normalizers = [] {
    auto* n = new Normalizers;
    mw::Result<std::unique_ptr<mw::TextNormalizer>> plain = mw::TextNormalizer::Create({});
    MW_FUZZ_CHECK(plain.ok());
    n->plain = std::move(plain).value();
    mw::NormalizerOptions hack_options;
    hack_options.uyghur_font_hack = true;
    mw::Result<std::unique_ptr<mw::TextNormalizer>> hack = mw::TextNormalizer::Create(hack_options);
    MW_FUZZ_CHECK(hack.ok());
    n->font_hack = std::move(hack).value();
    return n;
  }();
  return *normalizers;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)GetNormalizers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mw::fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.TakeByte();
  const std::string_view text = in.rest();
  const Normalizers& n = GetNormalizers();
  const mw::TextNormalizer& normalizer = (flags & 2) != 0 ? *n.font_hack : *n.plain;
  mw::FoldOptions options;
  options.strip_latin_diacritics = (flags & 1) != 0;

  const mw::FoldedText f = normalizer.FoldWithOffsets(text, options);
  MW_FUZZ_CHECK(IsValidUtf8(f.text));
  MW_FUZZ_CHECK(f.starts.size() == f.text.size());
  MW_FUZZ_CHECK(f.ends.size() == f.text.size());
  for (size_t i = 0; i < f.text.size(); ++i) {
    MW_FUZZ_CHECK(f.starts[i] <= f.ends[i]);
    MW_FUZZ_CHECK(f.ends[i] <= text.size());
    if (i > 0) MW_FUZZ_CHECK(f.starts[i - 1] <= f.starts[i]);
  }

  const std::string folded = normalizer.Fold(text, options);
  MW_FUZZ_CHECK(folded == f.text);
  MW_FUZZ_CHECK(normalizer.Fold(folded, options) == folded);
  return 0;
}
