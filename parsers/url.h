// mediawatch/parsers/url.h
//
// URL helpers built on libcurl's URL API (RFC 3986 parsing). Only http and
// https URLs are accepted anywhere in mediawatch.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

// Resolves `href` (absolute or relative) against `base`. Errors: kParseError
// for unparsable input, kUnsupported for schemes other than http/https.
Result<std::string> ResolveUrl(std::string_view base, std::string_view href);

// The form under which an article URL is stored and deduplicated: lower-case
// scheme and host, IDN host names in punycode, default port dropped, fragment dropped, empty path
// -> "/", tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, ...) removed.
Result<std::string> CanonicalizeUrl(std::string_view url);

// Lower-case host of an absolute http(s) URL ("" when it has none).
std::string UrlHost(std::string_view url);

// Whether two absolute http(s) URLs are on the same site: their hosts are
// equal once a leading "www.", "m.", "mobile." or "amp." label is removed
// from each (www.rfa.org = rfa.org = m.rfa.org). Deliberately no wider: a
// subdomain may belong to someone else (user.blogspot.com), so a page's
// <link rel=canonical> is only trusted within its own site. False when
// either URL has no host.
bool SameSite(std::string_view a, std::string_view b);

}  // namespace mw
