// Fuzz target: ResolveUrl and CanonicalizeUrl (parsers/url.h), the link
// resolution and the dedup key of every stored article.
//
// Input: "BASE\nHREF"; without a newline the whole input is the href,
// resolved against a fixed article URL.
//
// Invariants:
//   - a resolved URL is an absolute http(s) URL, and resolving it again
//     (as href, or as base with an empty href) gives it back unchanged;
//   - canonicalization is idempotent: CanonicalizeUrl(c) == c for every c
//     it returned (for the resolved URL and for the raw input);
//   - a canonical URL has a non-empty, ASCII, lower-case host (UrlHost).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parsers/url.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using mw::fuzz::IsHttpUrl;

void CheckCanonical(std::string_view url) {
  mw::Result<std::string> c = mw::CanonicalizeUrl(url);
  if (!c.ok()) return;
  MW_FUZZ_CHECK(IsHttpUrl(*c));
  mw::Result<std::string> twice = mw::CanonicalizeUrl(*c);
  // Percent-encoding may grow a URL past the 8 KiB limit; that is a size
  // error, not a second canonical form.
  if (!twice.ok() && twice.status().code() == mw::StatusCode::kTooLarge) return;
  MW_FUZZ_CHECK(twice.ok());
  MW_FUZZ_CHECK(*twice == *c);
  const std::string host = mw::UrlHost(*c);
  MW_FUZZ_CHECK(!host.empty());
  for (char ch : host) {
    MW_FUZZ_CHECK(static_cast<unsigned char>(ch) < 0x80);
    MW_FUZZ_CHECK(!(ch >= 'A' && ch <= 'Z'));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view base = nl == std::string_view::npos
                                    ? std::string_view("https://fuzz.test/news/world/story.html")
                                    : input.substr(0, nl);
  const std::string_view href = nl == std::string_view::npos ? input : input.substr(nl + 1);

  mw::Result<std::string> r = mw::ResolveUrl(base, href);
  if (r.ok()) {
    MW_FUZZ_CHECK(IsHttpUrl(*r));
    mw::Result<std::string> as_href = mw::ResolveUrl(base, *r);
    if (!(!as_href.ok() && as_href.status().code() == mw::StatusCode::kTooLarge)) {
      MW_FUZZ_CHECK(as_href.ok());
      MW_FUZZ_CHECK(*as_href == *r);
    }
    mw::Result<std::string> as_base = mw::ResolveUrl(*r, "");
    if (!(!as_base.ok() && as_base.status().code() == mw::StatusCode::kTooLarge)) {
      MW_FUZZ_CHECK(as_base.ok());
      MW_FUZZ_CHECK(*as_base == *r);
    }
    CheckCanonical(*r);
  }
  CheckCanonical(href);
  (void)mw::UrlHost(href);
  return 0;
}
