// Fuzz target: DecodeHtml (parsers/charset.h), the HTTP charset > BOM >
// <meta> prescan > UTF-8 check > ICU detection chain for fetched pages.
//
// Input: byte 0 picks the HTTP Content-Type (none, a charset, an unknown
// label...); the rest is the page.
//
// Invariants (the input is far below max_bytes, so decoding never fails):
//   - the output is valid UTF-8 and names a charset and where it came from;
//   - each replacement wrote one U+FFFD, so the output holds at least
//     `replacements` of them (more when the page itself had some);
//   - decoding the page again with DecodeWithCharset and the charset that
//     was chosen gives the same text and the same count;
//   - a page read as UTF-8 that is valid UTF-8 comes out byte for byte
//     (minus a UTF-8 BOM), with no replacement;
//   - ICU's confidence is 0..100, and 0 unless the charset was detected.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parsers/charset.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using mw::fuzz::IsValidUtf8;

constexpr std::array<std::string_view, 16> kContentTypes = {
    "",
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=gbk",
    "text/html; charset=big5",
    "text/html; charset=windows-1256",
    "text/html; charset=shift_jis",
    "text/html; charset=utf-16le",
    "text/html; charset=iso-2022-jp",
    "text/html; charset=euc-kr",
    "text/html; charset=koi8-r",
    "text/html; charset=x-user-defined",
    "text/html; charset=\"GB2312\"",
    "text/html; charset=no-such-charset",
    "text/html;charset=UTF-16BE",
    "text/html; charset=iso-8859-1",
};

size_t CountReplacementChars(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; (i = s.find("\xEF\xBF\xBD", i)) != std::string_view::npos; i += 3) ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mw::fuzz::FuzzInput in(data, size);
  const std::string_view content_type = kContentTypes[in.TakeByte() % kContentTypes.size()];
  const std::string_view bytes = in.rest();

  mw::Result<mw::DecodedText> d = mw::DecodeHtml(bytes, content_type);
  MW_FUZZ_CHECK(d.ok());
  MW_FUZZ_CHECK(IsValidUtf8(d->utf8));
  MW_FUZZ_CHECK(!d->charset.empty());
  const std::string& source = d->charset_source;
  MW_FUZZ_CHECK(source == "http" || source == "bom" || source == "meta" || source == "detected" ||
                source == "default");
  MW_FUZZ_CHECK(d->confidence >= 0 && d->confidence <= 100);
  if (source != "detected") MW_FUZZ_CHECK(d->confidence == 0);
  MW_FUZZ_CHECK(CountReplacementChars(d->utf8) >= d->replacements);

  mw::Result<mw::DecodedText> again = mw::DecodeWithCharset(bytes, d->charset);
  MW_FUZZ_CHECK(again.ok());
  MW_FUZZ_CHECK(again->charset == d->charset);
  MW_FUZZ_CHECK(again->utf8 == d->utf8);
  MW_FUZZ_CHECK(again->replacements == d->replacements);

  if (d->charset == "UTF-8") {
    std::string_view body = bytes;
    if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
    if (IsValidUtf8(body)) {
      MW_FUZZ_CHECK(d->utf8 == body);
      MW_FUZZ_CHECK(d->replacements == 0);
    } else {
      MW_FUZZ_CHECK(d->replacements > 0);
    }
  }

  // The label helpers on their own: total functions of any input.
  const std::string label = mw::CanonicalCharset(mw::CharsetFromContentType(content_type));
  if (!label.empty()) MW_FUZZ_CHECK(mw::CanonicalCharset(label) == label);
  (void)mw::PrescanMetaCharset(bytes);
  return 0;
}
