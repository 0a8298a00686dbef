// mediawatch/crawler/http_util.h
//
// Pure helpers for the fetcher, kept apart so they can be tested without a
// network:
//   - HTTP dates and the header fields that carry delays (RFC 9110 5.6.7,
//     10.2.3) and freshness (RFC 9111 5.2.2.1 max-age, 5.3 Expires);
//   - IP addresses, CIDR blocks and the address classes the SSRF guard
//     refuses to connect to (RFC 6890 special-purpose registries).
//
//   std::optional<int64_t> wait = ParseRetryAfter("120", now);        // 120
//   auto addr = ParseIpAddress("::ffff:10.0.0.1");                     // mapped v4
//   ClassifyAddress(*addr) == AddressClass::kPrivate;                  // checks the v4
//   Result<Cidr> allow = ParseCidr("10.1.2.0/24");
//
// Every function here is pure (no clock, no locale, no global state) and
// safe to call from any thread. Inputs are untrusted header text: every
// parser accepts arbitrary bytes, is linear in its input and never throws;
// numbers are clamped rather than allowed to overflow.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

// Delays and lifetimes derived from headers are clamped to this (one year):
// a server cannot make us wait longer, or make int64 arithmetic overflow.
inline constexpr int64_t kMaxHttpDeltaSeconds = 365LL * 24 * 3600;

// --- Dates and delays --------------------------------------------------------

// An HTTP-date (RFC 9110 5.6.7) as Unix seconds (UTC). Accepts the three
// formats recipients must read: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT"; two-digit years 70-99 are 19xx,
// 00-69 are 20xx) and asctime ("Sun Nov  6 08:49:37 1994"). The weekday is
// not checked against the date. nullopt for anything else, for impossible
// dates (Feb 30, hour 24) and for years outside 1900..9999.
std::optional<int64_t> ParseHttpDate(std::string_view text);

// Retry-After (RFC 9110 10.2.3): delay-seconds ("120") or an HTTP-date.
// Returns seconds to wait from `now` (Unix seconds): a date in the past gives
// 0, values above kMaxHttpDeltaSeconds are clamped to it. nullopt when the
// value is empty, negative, or neither form.
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now);

// The first max-age directive of a Cache-Control value ("public, max-age=300"
// -> 300). Directive names are case-insensitive; a quoted value is accepted;
// s-maxage and other directives are ignored. Clamped to kMaxHttpDeltaSeconds.
// nullopt when there is no max-age or its value is not a delta-seconds.
std::optional<int64_t> ParseMaxAge(std::string_view cache_control);

// The freshness lifetime the response declared, in seconds (RFC 9111 4.2.1):
// max-age from `cache_control` when present, else `expires` minus `date`
// (or minus `now` when `date` is absent or unparsable), never negative,
// clamped to kMaxHttpDeltaSeconds. An Expires that is present but invalid
// (such as "0" or "-1") means "already expired": 0 (RFC 9111 5.3). nullopt
// when neither field is present. Empty strings mean "header absent".
std::optional<int64_t> FreshnessLifetime(std::string_view cache_control, std::string_view expires,
                                         std::string_view date, int64_t now);

// --- Addresses ---------------------------------------------------------------

// An IPv4 or IPv6 address in network byte order. IPv4 uses bytes[0..3].
struct IpAddress {
  bool is_v6 = false;
  std::array<uint8_t, 16> bytes{};

  static IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  bool operator==(const IpAddress&) const = default;
};

// Dotted-quad IPv4 ("10.0.0.1"; exactly four decimal parts 0..255, no
// leading zeros, which some resolvers read as octal) or RFC 4291 IPv6 text
// ("::1", "fe80::1", "::ffff:10.0.0.1"; no zone index, no brackets).
// nullopt otherwise.
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// "10.0.0.1", "2001:db8::1" (RFC 5952: lower case, longest zero run
// compressed), "::ffff:10.0.0.1" for IPv4-mapped addresses.
std::string FormatIpAddress(const IpAddress& address);

// A CIDR block such as "10.1.2.0/24" or "fc00::/7". A bare address is a
// single-host block (/32 or /128).
struct Cidr {
  IpAddress network;  // host bits cleared
  int prefix_len = 0;
};

// Errors: kInvalidArgument naming the text, for a bad address, a prefix
// length out of range (v4: 0..32, v6: 0..128) or non-zero host bits
// ("10.0.0.1/8" is rejected: it is more often a typo than intended).
Result<Cidr> ParseCidr(std::string_view text);

// True when `address` lies in `block`. An IPv4 block also contains the
// IPv4-mapped IPv6 form of its addresses (::ffff:a.b.c.d), so allowing
// "127.0.0.0/8" allows ::ffff:127.0.0.1 too.
bool CidrContains(const Cidr& block, const IpAddress& address);

// Why an address is refused by the SSRF guard (or kPublic when it is not).
enum class AddressClass {
  kPublic = 0,
  kUnspecified,    // 0.0.0.0/8, ::
  kLoopback,       // 127.0.0.0/8, ::1
  kPrivate,        // 10/8, 172.16/12, 192.168/16
  kSharedCgnat,    // 100.64.0.0/10
  kLinkLocal,      // 169.254/16, fe80::/10
  kUniqueLocal,    // fc00::/7
  kMulticast,      // 224.0.0.0/4, ff00::/8
  kBroadcast,      // 255.255.255.255
  kReserved,       // 240.0.0.0/4, 192.0.0.0/24 (IETF protocol assignments)
  kDocumentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32
  kBenchmarking,   // 198.18.0.0/15
  kNat64,          // 64:ff9b::/96 (translates to arbitrary IPv4, incl. private)
};

// "private address", "loopback address", ... for error messages.
std::string_view AddressClassName(AddressClass c);

// The class of `address`. IPv6 forms that embed an IPv4 address are judged by
// that address: IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96 (deprecated)
// and 6to4 2002::/16 (2002:0a00:0001:: embeds 10.0.0.1 and is kPrivate).
AddressClass ClassifyAddress(const IpAddress& address);

}  // namespace mw
