#include "parsers/url.h"

#include <curl/curl.h>
#include <unicode/bytestream.h>
#include <unicode/idna.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "parsers/feed_text.h"

namespace mw {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlStrDeleter {
  void operator()(char* p) const { curl_free(p); }
};
using CurlStr = std::unique_ptr<char, CurlStrDeleter>;

constexpr size_t kMaxUrlBytes = 8192;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Returns the part as a string, or "" when absent.
std::string GetPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, flags) != CURLUE_OK || raw == nullptr) return {};
  CurlStr owned(raw);
  return std::string(raw);
}

// UTS #46 (IDNA 2008, nontransitional) ToASCII of a UTF-8 host name.
Result<std::string> HostToAscii(const std::string& host) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::IDNA> idna(icu::IDNA::createUTS46Instance(
      UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_CHECK_BIDI | UIDNA_USE_STD3_RULES, status));
  if (U_FAILURE(status) || !idna) return Status::Internal("ICU IDNA unavailable");
  std::string out;
  icu::StringByteSink<std::string> sink(&out);
  icu::IDNAInfo info;
  idna->nameToASCII_UTF8(icu::StringPiece(host.data(), static_cast<int32_t>(host.size())), sink,
                         info, status);
  if (U_FAILURE(status) || info.hasErrors() || out.empty()) {
    return Status::ParseError("invalid international host name '" + host + "'");
  }
  return out;
}

bool HasControlOrSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

Result<UrlHandle> ParseAbsolute(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return Status::TooLarge("URL longer than 8192 bytes");
  if (HasControlOrSpace(url)) return Status::ParseError("URL contains control characters");
  UrlHandle u(curl_url());
  if (!u) return Status::Internal("curl_url() failed");
  std::string s(url);
  CURLUcode rc =
      curl_url_set(u.get(), CURLUPART_URL, s.c_str(), CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE);
  if (rc != CURLUE_OK) {
    return Status::ParseError(std::string("bad URL '") + s.substr(0, 200) +
                              "': " + curl_url_strerror(rc));
  }
  std::string scheme = Lower(GetPart(u.get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return Status::Unsupported("only http and https URLs are allowed, got '" + scheme + "'");
  }
  return u;
}

bool IsTrackingParam(std::string_view name) {
  std::string n = Lower(name);
  if (n.rfind("utm_", 0) == 0) return true;
  static constexpr std::string_view kNames[] = {"fbclid", "gclid", "dclid",  "msclkid", "mc_cid",
                                                "mc_eid", "yclid", "igshid", "_ga",     "_gl"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

}  // namespace

namespace {

// curl decodes percent-escapes in host names ("https://%c3/x" has host
// "\xc3"), which can leave bytes that are not UTF-8 in the URL; such a URL
// names no real host and would carry invalid text into every record.
Result<std::string> ValidUtf8Url(std::string url) {
  if (!feed_internal::IsValidUtf8(url))
    return Status::ParseError("URL is not valid UTF-8 (bad host escapes)");
  return url;
}

// `url` (libcurl's rendering of a parsed URL) parsed once more. libcurl
// normalizes a numeric host only when it parses one, so a host that percent-
// decoding made numeric ("http:/333%333" renders as http://33333/) changes
// on the next parse (http://0.0.130.53/). The second parse makes the result
// a fixed point: resolving it again gives it back (the url fuzzer's
// invariant).
Result<std::string> Reparsed(std::string url) {
  Result<std::string> valid = ValidUtf8Url(std::move(url));
  if (!valid.ok()) return valid;
  auto again = ParseAbsolute(*valid);
  if (!again.ok()) return again.status();
  return ValidUtf8Url(GetPart(again->get(), CURLUPART_URL));
}

}  // namespace

Result<std::string> ResolveUrl(std::string_view base, std::string_view href) {
  // Trim ASCII whitespace around href, as browsers do.
  while (!href.empty() && (href.front() == ' ' || href.front() == '\t' || href.front() == '\n' ||
                           href.front() == '\r'))
    href.remove_prefix(1);
  while (!href.empty() &&
         (href.back() == ' ' || href.back() == '\t' || href.back() == '\n' || href.back() == '\r'))
    href.remove_suffix(1);
  if (href.size() > kMaxUrlBytes) return Status::TooLarge("URL longer than 8192 bytes");
  if (HasControlOrSpace(href)) return Status::ParseError("URL contains control characters");
  auto b = ParseAbsolute(base);
  if (!b.ok()) {
    // A relative href needs a valid base; an absolute href can stand alone.
    auto alone = ParseAbsolute(href);
    if (!alone.ok()) return alone.status();
    return Reparsed(GetPart(alone->get(), CURLUPART_URL));
  }
  if (href.empty()) return Reparsed(GetPart(b->get(), CURLUPART_URL));
  std::string h(href);
  CURLUcode rc =
      curl_url_set(b->get(), CURLUPART_URL, h.c_str(), CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE);
  if (rc != CURLUE_OK) {
    return Status::ParseError("bad link '" + h.substr(0, 200) + "': " + curl_url_strerror(rc));
  }
  std::string scheme = Lower(GetPart(b->get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return Status::Unsupported("only http and https URLs are allowed, got '" + scheme + "'");
  }
  return Reparsed(GetPart(b->get(), CURLUPART_URL));
}

Result<std::string> CanonicalizeUrl(std::string_view url) {
  auto parsed = ParseAbsolute(url);
  if (!parsed.ok()) return parsed.status();
  CURLU* u = parsed->get();
  std::string scheme = Lower(GetPart(u, CURLUPART_SCHEME));
  std::string host = Lower(GetPart(u, CURLUPART_HOST));
  if (host.empty()) return Status::ParseError("URL has no host");
  // IDN host names are stored in their ASCII (punycode) form, so that
  // "bücher.example" and "xn--bcher-kva.example" are one site.
  if (std::any_of(host.begin(), host.end(), [](char c) { return (c & 0x80) != 0; })) {
    Result<std::string> ascii = HostToAscii(host);
    if (!ascii.ok()) return ascii.status();
    host = std::move(ascii).value();
  }
  curl_url_set(u, CURLUPART_SCHEME, scheme.c_str(), 0);
  if (curl_url_set(u, CURLUPART_HOST, host.c_str(), 0) != CURLUE_OK) {
    return Status::ParseError("invalid host name '" + host + "'");
  }
  std::string port = GetPart(u, CURLUPART_PORT);
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) {
    curl_url_set(u, CURLUPART_PORT, nullptr, 0);
  }
  curl_url_set(u, CURLUPART_FRAGMENT, nullptr, 0);
  std::string query = GetPart(u, CURLUPART_QUERY);
  if (!query.empty()) {
    std::string kept;
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      if (amp == std::string::npos) amp = query.size();
      std::string_view param(query.data() + start, amp - start);
      std::string_view name = param.substr(0, param.find('='));
      if (!param.empty() && !IsTrackingParam(name)) {
        if (!kept.empty()) kept += '&';
        kept += param;
      }
      start = amp + 1;
    }
    curl_url_set(u, CURLUPART_QUERY, kept.empty() ? nullptr : kept.c_str(), 0);
  }
  std::string path = GetPart(u, CURLUPART_PATH);
  if (path.empty()) curl_url_set(u, CURLUPART_PATH, "/", 0);
  // Parsed once more, as in ResolveUrl (Reparsed): a host made numeric by
  // percent-decoding is normalized only then, and canonical URLs must be a
  // fixed point.
  auto again = ParseAbsolute(GetPart(u, CURLUPART_URL));
  if (!again.ok()) return again.status();
  return GetPart(again->get(), CURLUPART_URL);
}

std::string UrlHost(std::string_view url) {
  auto parsed = ParseAbsolute(url);
  if (!parsed.ok()) return {};
  return Lower(GetPart(parsed->get(), CURLUPART_HOST));
}

namespace {

std::string_view SiteHost(std::string_view host) {
  for (std::string_view label : {"www.", "m.", "mobile.", "amp."}) {
    if (host.size() > label.size() && host.substr(0, label.size()) == label) {
      return host.substr(label.size());
    }
  }
  return host;
}

}  // namespace

bool SameSite(std::string_view a, std::string_view b) {
  const std::string host_a = UrlHost(a);
  const std::string host_b = UrlHost(b);
  if (host_a.empty() || host_b.empty()) return false;
  return SiteHost(host_a) == SiteHost(host_b);
}

}  // namespace mw
