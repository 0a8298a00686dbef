#include "crawler/http_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace mw {
namespace {

constexpr std::string_view kOws = " \t";

std::string_view TrimOws(std::string_view s) {
  size_t b = s.find_first_not_of(kOws);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kOws);
  return s.substr(b, e - b + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// 1*DIGIT as a non-negative count, saturating at kMaxHttpDeltaSeconds so
// "99999999999999999999" clamps instead of overflowing.
std::optional<int64_t> ParseDeltaSeconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    if (v < kMaxHttpDeltaSeconds) v = v * 10 + (c - '0');
  }
  return std::min(v, kMaxHttpDeltaSeconds);
}

int64_t ClampDelta(int64_t v) { return std::clamp<int64_t>(v, 0, kMaxHttpDeltaSeconds); }

// A cursor over an HTTP-date. Each method consumes on success only.
class DateCursor {
 public:
  explicit DateCursor(std::string_view s) : s_(s) {}

  bool Done() const { return i_ == s_.size(); }
  bool Peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool Lit(char c) {
    if (!Peek(c)) return false;
    ++i_;
    return true;
  }
  // A run of letters.
  std::string_view Word() {
    size_t b = i_;
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
    return s_.substr(b, i_ - b);
  }
  // Between min and max digits (no sign).
  std::optional<int> Digits(size_t min, size_t max) {
    size_t b = i_;
    int v = 0;
    while (i_ < s_.size() && i_ - b < max && IsDigit(s_[i_])) v = v * 10 + (s_[i_++] - '0');
    if (i_ - b < min || (i_ < s_.size() && IsDigit(s_[i_]))) {
      i_ = b;
      return std::nullopt;
    }
    return v;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

bool IsDayName(std::string_view w) {
  static constexpr std::string_view kShort[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  static constexpr std::string_view kLong[] = {"monday", "tuesday",  "wednesday", "thursday",
                                               "friday", "saturday", "sunday"};
  for (auto d : kShort) {
    if (EqualsIgnoreCase(w, d)) return true;
  }
  for (auto d : kLong) {
    if (EqualsIgnoreCase(w, d)) return true;
  }
  return false;
}

// 1..12, or 0 for an unknown name.
unsigned MonthNumber(std::string_view w) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  for (unsigned i = 0; i < 12; ++i) {
    if (EqualsIgnoreCase(w, kMonths[i])) return i + 1;
  }
  return 0;
}

struct TimeOfDay {
  int h = 0, m = 0, s = 0;
};

std::optional<TimeOfDay> ReadTime(DateCursor& c) {
  TimeOfDay t;
  auto h = c.Digits(2, 2);
  if (!h || !c.Lit(':')) return std::nullopt;
  auto m = c.Digits(2, 2);
  if (!m || !c.Lit(':')) return std::nullopt;
  auto s = c.Digits(2, 2);
  if (!s) return std::nullopt;
  // 60 is a leap second; it is read as :59 rather than rejected.
  if (*h > 23 || *m > 59 || *s > 60) return std::nullopt;
  return TimeOfDay{*h, *m, std::min(*s, 59)};
}

bool ReadGmt(DateCursor& c) {
  std::string_view zone = c.Word();
  return EqualsIgnoreCase(zone, "GMT") || EqualsIgnoreCase(zone, "UTC");
}

std::optional<int64_t> ToUnix(int year, unsigned month, int day, const TimeOfDay& t) {
  if (year < 1900 || year > 9999 || day < 1) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  int64_t days = sys_days(ymd).time_since_epoch().count();
  return days * 86400 + t.h * 3600 + t.m * 60 + t.s;
}

}  // namespace

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  text = TrimOws(text);
  // The longest valid form ("Wednesday, 09-Nov-94 08:49:37 GMT") is 33 bytes.
  if (text.empty() || text.size() > 64) return std::nullopt;
  DateCursor c(text);
  if (!IsDayName(c.Word())) return std::nullopt;
  if (c.Lit(',')) {
    if (!c.Lit(' ')) return std::nullopt;
    auto day = c.Digits(1, 2);
    if (!day) return std::nullopt;
    int year = 0;
    unsigned month = 0;
    if (c.Lit(' ')) {  // IMF-fixdate: 06 Nov 1994
      month = MonthNumber(c.Word());
      if (!month || !c.Lit(' ')) return std::nullopt;
      auto y = c.Digits(4, 4);
      if (!y) return std::nullopt;
      year = *y;
    } else if (c.Lit('-')) {  // RFC 850: 06-Nov-94
      month = MonthNumber(c.Word());
      if (!month || !c.Lit('-')) return std::nullopt;
      auto y = c.Digits(2, 2);
      if (!y) return std::nullopt;
      year = *y < 70 ? 2000 + *y : 1900 + *y;
    } else {
      return std::nullopt;
    }
    if (!c.Lit(' ')) return std::nullopt;
    auto t = ReadTime(c);
    if (!t || !c.Lit(' ') || !ReadGmt(c) || !c.Done()) return std::nullopt;
    return ToUnix(year, month, *day, *t);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  if (!c.Lit(' ')) return std::nullopt;
  unsigned month = MonthNumber(c.Word());
  if (!month || !c.Lit(' ')) return std::nullopt;
  c.Lit(' ');  // a single-digit day is padded with a space
  auto day = c.Digits(1, 2);
  if (!day || !c.Lit(' ')) return std::nullopt;
  auto t = ReadTime(c);
  if (!t || !c.Lit(' ')) return std::nullopt;
  auto year = c.Digits(4, 4);
  if (!year || !c.Done()) return std::nullopt;
  return ToUnix(*year, month, *day, *t);
}

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now) {
  value = TrimOws(value);
  if (value.empty()) return std::nullopt;
  if (IsDigit(value.front())) return ParseDeltaSeconds(value);
  std::optional<int64_t> when = ParseHttpDate(value);
  if (!when) return std::nullopt;
  // Subtracting in int64 cannot overflow: both are within years 1900..9999
  // or a caller's clock.
  return ClampDelta(*when - now);
}

std::optional<int64_t> ParseMaxAge(std::string_view cache_control) {
  // Directives are separated by commas outside quoted strings
  // (RFC 9111 5.2: token [ "=" ( token / quoted-string ) ]).
  size_t i = 0;
  const size_t n = cache_control.size();
  while (i <= n) {
    size_t start = i;
    bool quoted = false;
    for (; i < n; ++i) {
      char ch = cache_control[i];
      if (quoted && ch == '\\') {
        ++i;  // skip the escaped character
      } else if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        break;
      }
    }
    std::string_view directive = cache_control.substr(start, std::min(i, n) - start);
    ++i;  // past the comma (or past the end, ending the loop)
    size_t eq = directive.find('=');
    std::string_view name = TrimOws(directive.substr(0, eq));
    if (!EqualsIgnoreCase(name, "max-age")) continue;
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view value = TrimOws(directive.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    // The first max-age decides (RFC 9111 4.2.1), valid or not.
    return ParseDeltaSeconds(value);
  }
  return std::nullopt;
}

std::optional<int64_t> FreshnessLifetime(std::string_view cache_control, std::string_view expires,
                                         std::string_view date, int64_t now) {
  if (std::optional<int64_t> max_age = ParseMaxAge(cache_control)) return max_age;
  if (TrimOws(expires).empty()) return std::nullopt;
  std::optional<int64_t> expiry = ParseHttpDate(expires);
  if (!expiry) return 0;
  int64_t base = ParseHttpDate(date).value_or(now);
  return ClampDelta(*expiry - base);
}

IpAddress IpAddress::V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  // INET6_ADDRSTRLEN (46) covers every valid form; longer input is not one.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  // glibc's inet_pton reads strict dotted quads (no octal, hex or short
  // forms, unlike inet_aton) and RFC 4291 IPv6 text without zone indexes.
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1) return std::nullopt;
    return ip;
  }
  ip.is_v6 = true;
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
  return ip;
}

std::string FormatIpAddress(const IpAddress& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(address.is_v6 ? AF_INET6 : AF_INET, address.bytes.data(), buf, sizeof buf) ==
      nullptr) {
    return "?";
  }
  return buf;
}

namespace {

bool IsV4Mapped(const IpAddress& a) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return a.is_v6 && std::memcmp(a.bytes.data(), kPrefix, 12) == 0;
}

IpAddress EmbeddedV4(const IpAddress& a, size_t offset) {
  return IpAddress::V4(a.bytes[offset], a.bytes[offset + 1], a.bytes[offset + 2],
                       a.bytes[offset + 3]);
}

// True when the first `bits` bits of `a` and `b` (16-byte arrays) agree.
bool PrefixEquals(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

AddressClass ClassifyV4(const IpAddress& ip) {
  const uint8_t a = ip.bytes[0], b = ip.bytes[1], c = ip.bytes[2], d = ip.bytes[3];
  if (a == 0) return AddressClass::kUnspecified;
  if (a == 10) return AddressClass::kPrivate;
  if (a == 100 && (b & 0xc0) == 64) return AddressClass::kSharedCgnat;
  if (a == 127) return AddressClass::kLoopback;
  if (a == 169 && b == 254) return AddressClass::kLinkLocal;
  if (a == 172 && (b & 0xf0) == 16) return AddressClass::kPrivate;
  if (a == 192 && b == 0 && c == 0) return AddressClass::kReserved;
  if (a == 192 && b == 0 && c == 2) return AddressClass::kDocumentation;
  if (a == 192 && b == 168) return AddressClass::kPrivate;
  if (a == 198 && (b & 0xfe) == 18) return AddressClass::kBenchmarking;
  if (a == 198 && b == 51 && c == 100) return AddressClass::kDocumentation;
  if (a == 203 && b == 0 && c == 113) return AddressClass::kDocumentation;
  if (a == 255 && b == 255 && c == 255 && d == 255) return AddressClass::kBroadcast;
  if ((a & 0xf0) == 224) return AddressClass::kMulticast;
  if ((a & 0xf0) == 240) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

}  // namespace

Result<Cidr> ParseCidr(std::string_view text) {
  std::string shown(text.substr(0, 64));
  size_t slash = text.find('/');
  std::optional<IpAddress> ip = ParseIpAddress(text.substr(0, slash));
  if (!ip) return Status::InvalidArgument("'" + shown + "' is not an IP address or CIDR block");
  const int max_len = ip->is_v6 ? 128 : 32;
  int len = max_len;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), IsDigit)) {
      return Status::InvalidArgument("'" + shown + "': bad prefix length");
    }
    len = 0;
    for (char ch : digits) len = len * 10 + (ch - '0');
    if (len > max_len) {
      return Status::InvalidArgument("'" + shown + "': prefix length above " +
                                     std::to_string(max_len));
    }
  }
  const int total_bits = ip->is_v6 ? 128 : 32;
  // Host bits must be zero: compare the address with its own prefix.
  IpAddress network = *ip;
  for (int bit = len; bit < total_bits; ++bit) {
    network.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  if (network != *ip) {
    return Status::InvalidArgument("'" + shown + "': host bits set (did you mean " +
                                   FormatIpAddress(network) + "/" + std::to_string(len) + "?)");
  }
  return Cidr{network, len};
}

bool CidrContains(const Cidr& block, const IpAddress& address) {
  if (block.network.is_v6 == address.is_v6) {
    return PrefixEquals(block.network.bytes, address.bytes, block.prefix_len);
  }
  if (!block.network.is_v6 && IsV4Mapped(address)) {
    return PrefixEquals(block.network.bytes, EmbeddedV4(address, 12).bytes, block.prefix_len);
  }
  return false;
}

std::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public address";
    case AddressClass::kUnspecified:
      return "unspecified address";
    case AddressClass::kLoopback:
      return "loopback address";
    case AddressClass::kPrivate:
      return "private address";
    case AddressClass::kSharedCgnat:
      return "shared (CGNAT) address";
    case AddressClass::kLinkLocal:
      return "link-local address";
    case AddressClass::kUniqueLocal:
      return "unique local address";
    case AddressClass::kMulticast:
      return "multicast address";
    case AddressClass::kBroadcast:
      return "broadcast address";
    case AddressClass::kReserved:
      return "reserved address";
    case AddressClass::kDocumentation:
      return "documentation address";
    case AddressClass::kBenchmarking:
      return "benchmarking address";
    case AddressClass::kNat64:
      return "NAT64 address";
  }
  return "unknown address";
}

AddressClass ClassifyAddress(const IpAddress& address) {
  if (!address.is_v6) return ClassifyV4(address);
  const auto& b = address.bytes;
  static constexpr std::array<uint8_t, 16> kZero{};
  if (PrefixEquals(b, kZero, 128)) return AddressClass::kUnspecified;
  if (PrefixEquals(b, kZero, 120) && b[15] == 1) return AddressClass::kLoopback;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): the v4 is what the
  // kernel ends up talking to.
  if (IsV4Mapped(address) || PrefixEquals(b, kZero, 96)) return ClassifyV4(EmbeddedV4(address, 12));
  // 64:ff9b::/96 (well-known) and 64:ff9b:1::/48 (local-use, RFC 8215).
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    bool well_known = std::all_of(b.begin() + 4, b.begin() + 12, [](uint8_t x) { return x == 0; });
    bool local_use = b[4] == 0x00 && b[5] == 0x01;
    if (well_known || local_use) return AddressClass::kNat64;
  }
  if (b[0] == 0x20 && b[1] == 0x02) {  // 6to4: 2002:AABB:CCDD::/48
    AddressClass inner = ClassifyV4(EmbeddedV4(address, 2));
    if (inner != AddressClass::kPublic) return inner;
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
    return AddressClass::kDocumentation;
  }
  // 100::/64 is discard-only (RFC 6666).
  if (b[0] == 0x01 && std::all_of(b.begin() + 1, b.begin() + 8, [](uint8_t x) { return x == 0; })) {
    return AddressClass::kReserved;
  }
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kUniqueLocal;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;
  // fec0::/10: deprecated site-local, still routed inside some networks.
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::kReserved;
  if (b[0] == 0xff) return AddressClass::kMulticast;
  return AddressClass::kPublic;
}

}  // namespace mw
