#include "crawler/http_util.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace mw {
namespace {

// 1994-11-06T08:49:37Z, the example of RFC 9110 5.6.7.
constexpr int64_t kRfcExample = 784111777;

// --- HTTP-date (RFC 9110 5.6.7) ----------------------------------------------

TEST(HttpDate, Rfc9110_5_6_7_AllThreeFormats) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcExample);
}

TEST(HttpDate, ToleratesCaseWhitespaceAndTwoDigitYearsAfter2000) {
  EXPECT_EQ(ParseHttpDate("  sun, 06 NOV 1994 08:49:37 gmt "), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun, 6 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"), kRfcExample);
  // RFC 850 years below 70 are 20xx.
  EXPECT_EQ(ParseHttpDate("Thursday, 01-Jan-26 00:00:00 GMT"), 1767225600);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  // A leap second is read as :59.
  EXPECT_EQ(ParseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT"), 1483228799);
}

TEST(HttpDate, RejectsGarbageAndImpossibleDates) {
  const char* bad[] = {
      "",
      "0",
      "-1",
      "yesterday",
      "Sun, 06 Nov 1994 08:49:37",      // no zone
      "Sun, 06 Nov 1994 08:49:37 PST",  // only GMT
      "Sun, 06 Nov 1994 08:49 GMT",     // no seconds
      "Sun, 30 Feb 1994 08:49:37 GMT",  // no such day
      "Sun, 06 Nov 1994 24:00:00 GMT",  // hour 24
      "Sun, 06 Nov 1994 08:61:00 GMT",
      "Sun, 06 Foo 1994 08:49:37 GMT",
      "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 19945 08:49:37 GMT",
      "Sun, 06 Nov 0994 08:49:37 GMT",  // before 1900
      "Sun, 06 Nov 1994 08:49:37 GMT trailing",
      "Sun Nov  6 08:49:37 1994 GMT",
      "1994-11-06T08:49:37Z",  // ISO 8601 is not an HTTP-date
  };
  for (const char* text : bad) EXPECT_EQ(ParseHttpDate(text), std::nullopt) << text;
  EXPECT_EQ(ParseHttpDate(std::string(10000, 'S')), std::nullopt);
  EXPECT_EQ(ParseHttpDate(std::string("Sun,\0 06 Nov 1994 08:49:37 GMT", 30)), std::nullopt);
}

// --- Retry-After (RFC 9110 10.2.3) -------------------------------------------

TEST(RetryAfter, Rfc9110_10_2_3_DelaySeconds) {
  EXPECT_EQ(ParseRetryAfter("120", 0), 120);
  EXPECT_EQ(ParseRetryAfter(" 0 ", 0), 0);
}

TEST(RetryAfter, Rfc9110_10_2_3_HttpDateIsRelativeToNow) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample - 90), 90);
  // A date in the past means "now".
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample + 3600), 0);
}

TEST(RetryAfter, HugeValuesClampToOneYear) {
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999999999", 0), kMaxHttpDeltaSeconds);
  EXPECT_EQ(ParseRetryAfter("31536001", 0), kMaxHttpDeltaSeconds);
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", 0), kMaxHttpDeltaSeconds);
}

TEST(RetryAfter, GarbageAndNegativeAreIgnored) {
  for (const char* bad : {"", "  ", "-5", "+5", "1.5", "12abc", "soon", "0x10", "1e9"}) {
    EXPECT_EQ(ParseRetryAfter(bad, 1000), std::nullopt) << bad;
  }
}

// --- Cache-Control max-age and Expires (RFC 9111) ----------------------------

TEST(MaxAge, Rfc9111_5_2_2_1_MaxAge) {
  EXPECT_EQ(ParseMaxAge("max-age=300"), 300);
  EXPECT_EQ(ParseMaxAge("public, MAX-AGE=60, must-revalidate"), 60);
  EXPECT_EQ(ParseMaxAge("max-age=\"45\""), 45);
  EXPECT_EQ(ParseMaxAge("  max-age = 10 "), 10);
  EXPECT_EQ(ParseMaxAge("max-age=0"), 0);
}

TEST(MaxAge, SMaxAgeAndOtherDirectivesAreIgnored) {
  EXPECT_EQ(ParseMaxAge("s-maxage=600"), std::nullopt);
  EXPECT_EQ(ParseMaxAge("s-maxage=600, max-age=30"), 30);
  EXPECT_EQ(ParseMaxAge("no-cache, no-store"), std::nullopt);
  EXPECT_EQ(ParseMaxAge(""), std::nullopt);
  // A max-age inside another directive's quoted string is not a directive.
  EXPECT_EQ(ParseMaxAge("private=\"x, max-age=5\""), std::nullopt);
  EXPECT_EQ(ParseMaxAge("private=\"x, max-age=5\", max-age=7"), 7);
  EXPECT_EQ(ParseMaxAge("x=\"\\\",max-age=1\", max-age=2"), 2);
}

TEST(MaxAge, FirstOccurrenceDecidesAndGarbageIsNotANumber) {
  EXPECT_EQ(ParseMaxAge("max-age=10, max-age=20"), 10);
  EXPECT_EQ(ParseMaxAge("max-age=-1"), std::nullopt);
  EXPECT_EQ(ParseMaxAge("max-age=abc"), std::nullopt);
  EXPECT_EQ(ParseMaxAge("max-age"), std::nullopt);
  EXPECT_EQ(ParseMaxAge("max-age=1.5"), std::nullopt);
  EXPECT_EQ(ParseMaxAge("max-age=99999999999999999999999"), kMaxHttpDeltaSeconds);
  EXPECT_EQ(ParseMaxAge(std::string(100000, ',') + "max-age=3"), 3);
  EXPECT_EQ(ParseMaxAge(std::string(100000, '"')), std::nullopt);
}

TEST(Freshness, MaxAgeWinsOverExpires) {
  EXPECT_EQ(FreshnessLifetime("max-age=60", "Sun, 06 Nov 1994 08:49:37 GMT", "", 0), 60);
}

TEST(Freshness, Rfc9111_4_2_1_ExpiresMinusDate) {
  EXPECT_EQ(FreshnessLifetime("", "Sun, 06 Nov 1994 09:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT",
                              /*now=*/0),
            3600);
  // Without a (valid) Date the local clock is the base.
  EXPECT_EQ(FreshnessLifetime("", "Sun, 06 Nov 1994 09:49:37 GMT", "", kRfcExample), 3600);
  EXPECT_EQ(FreshnessLifetime("", "Sun, 06 Nov 1994 09:49:37 GMT", "garbage", kRfcExample), 3600);
  // Expires before Date: already stale.
  EXPECT_EQ(
      FreshnessLifetime("", "Sun, 06 Nov 1994 07:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT", 0),
      0);
}

TEST(Freshness, Rfc9111_5_3_InvalidExpiresMeansExpired) {
  EXPECT_EQ(FreshnessLifetime("", "0", "", 1000), 0);
  EXPECT_EQ(FreshnessLifetime("", "-1", "", 1000), 0);
  EXPECT_EQ(FreshnessLifetime("no-cache", "never", "", 1000), 0);
}

TEST(Freshness, AbsentAndHugeValues) {
  EXPECT_EQ(FreshnessLifetime("", "", "", 1000), std::nullopt);
  EXPECT_EQ(FreshnessLifetime("public", "  ", "", 1000), std::nullopt);
  EXPECT_EQ(FreshnessLifetime("", "Fri, 31 Dec 9999 23:59:59 GMT", "", 0), kMaxHttpDeltaSeconds);
}

// --- Addresses and CIDR blocks -----------------------------------------------

IpAddress Ip(const std::string& text) {
  std::optional<IpAddress> ip = ParseIpAddress(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

TEST(IpAddress, ParsesAndFormatsBothFamilies) {
  EXPECT_EQ(Ip("10.0.0.1"), IpAddress::V4(10, 0, 0, 1));
  EXPECT_FALSE(Ip("10.0.0.1").is_v6);
  EXPECT_TRUE(Ip("::1").is_v6);
  EXPECT_EQ(FormatIpAddress(Ip("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(FormatIpAddress(Ip("2001:DB8:0:0:0:0:0:1")), "2001:db8::1");
  EXPECT_EQ(FormatIpAddress(Ip("::ffff:10.0.0.1")), "::ffff:10.0.0.1");
  EXPECT_EQ(FormatIpAddress(Ip("::ffff:a00:1")), "::ffff:10.0.0.1");
}

TEST(IpAddress, RejectsAmbiguousAndMalformedText) {
  for (const char* bad : {"", "10.0.0", "10.0.0.1.2", "010.0.0.1", "0x7f.0.0.1", "256.0.0.1",
                          "2130706433", "10.0.0.1 ", " 10.0.0.1", "fe80::1%eth0", "[::1]",
                          ":::", "1::2::3", "12345::", "localhost", "10.0.0.-1"}) {
    EXPECT_EQ(ParseIpAddress(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseIpAddress(std::string(1000, '1')), std::nullopt);
  EXPECT_EQ(ParseIpAddress(std::string("10.0.0.1\0", 9)), std::nullopt);
}

TEST(Cidr, ParsesBlocksAndBareAddresses) {
  Result<Cidr> loop = ParseCidr("127.0.0.0/8");
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  EXPECT_EQ(loop->prefix_len, 8);
  Result<Cidr> host = ParseCidr("127.0.0.2");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->prefix_len, 32);
  Result<Cidr> v6 = ParseCidr("fc00::/7");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->prefix_len, 7);
  EXPECT_TRUE(ParseCidr("::/0").ok());
  EXPECT_TRUE(ParseCidr("0.0.0.0/0").ok());
  EXPECT_TRUE(ParseCidr("::1/128").ok());
}

TEST(Cidr, RejectsBadBlocksWithClearErrors) {
  for (const char* bad :
       {"", "/8", "127.0.0.0/", "127.0.0.0/33", "::/129", "127.0.0.0/8/8", "127.0.0.0/-1",
        "127.0.0.0/ 8", "127.0.0.0/0008", "example.org/24", "10.0.0.1/8", "fc00::1/7"}) {
    Result<Cidr> c = ParseCidr(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  Result<Cidr> host_bits = ParseCidr("10.0.0.1/8");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_NE(host_bits.status().message().find("10.0.0.0/8"), std::string::npos)
      << host_bits.status().message();
}

TEST(Cidr, Containment) {
  Cidr ten = ParseCidr("10.0.0.0/8").value();
  EXPECT_TRUE(CidrContains(ten, Ip("10.255.1.2")));
  EXPECT_FALSE(CidrContains(ten, Ip("11.0.0.1")));
  // A v4 block covers the IPv4-mapped form, not other v6 addresses.
  EXPECT_TRUE(CidrContains(ten, Ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(CidrContains(ten, Ip("::10.1.2.3")));
  EXPECT_FALSE(CidrContains(ten, Ip("2002:a00:1::")));
  Cidr odd = ParseCidr("100.64.0.0/10").value();
  EXPECT_TRUE(CidrContains(odd, Ip("100.127.255.255")));
  EXPECT_FALSE(CidrContains(odd, Ip("100.128.0.0")));
  Cidr one = ParseCidr("127.0.0.2/32").value();
  EXPECT_TRUE(CidrContains(one, Ip("127.0.0.2")));
  EXPECT_FALSE(CidrContains(one, Ip("127.0.0.1")));
  Cidr ula = ParseCidr("fd00::/8").value();
  EXPECT_TRUE(CidrContains(ula, Ip("fd12:3456::1")));
  EXPECT_FALSE(CidrContains(ula, Ip("fc00::1")));
  EXPECT_FALSE(CidrContains(ula, Ip("10.0.0.1")));
  Cidr all = ParseCidr("0.0.0.0/0").value();
  EXPECT_TRUE(CidrContains(all, Ip("8.8.8.8")));
  EXPECT_FALSE(CidrContains(all, Ip("2001:4860::8888")));
}

struct ClassCase {
  const char* address;
  AddressClass expected;
};

// Each blocked range at its edges, and the public neighbours just outside.
TEST(ClassifyAddress, Ipv4SpecialPurposeRanges) {
  const ClassCase cases[] = {
      {"0.0.0.0", AddressClass::kUnspecified},
      {"0.255.255.255", AddressClass::kUnspecified},
      {"1.0.0.0", AddressClass::kPublic},
      {"9.255.255.255", AddressClass::kPublic},
      {"10.0.0.0", AddressClass::kPrivate},
      {"10.255.255.255", AddressClass::kPrivate},
      {"11.0.0.0", AddressClass::kPublic},
      {"100.63.255.255", AddressClass::kPublic},
      {"100.64.0.0", AddressClass::kSharedCgnat},
      {"100.127.255.255", AddressClass::kSharedCgnat},
      {"100.128.0.0", AddressClass::kPublic},
      {"126.255.255.255", AddressClass::kPublic},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.255.254", AddressClass::kLoopback},
      {"128.0.0.0", AddressClass::kPublic},
      {"169.253.255.255", AddressClass::kPublic},
      {"169.254.169.254", AddressClass::kLinkLocal},  // cloud metadata endpoint
      {"169.255.0.0", AddressClass::kPublic},
      {"172.15.255.255", AddressClass::kPublic},
      {"172.16.0.0", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.0", AddressClass::kPublic},
      {"192.0.0.1", AddressClass::kReserved},
      {"192.0.1.1", AddressClass::kPublic},
      {"192.0.2.1", AddressClass::kDocumentation},
      {"192.0.3.1", AddressClass::kPublic},
      {"192.167.255.255", AddressClass::kPublic},
      {"192.168.0.1", AddressClass::kPrivate},
      {"192.168.255.255", AddressClass::kPrivate},
      {"192.169.0.0", AddressClass::kPublic},
      {"198.17.255.255", AddressClass::kPublic},
      {"198.18.0.0", AddressClass::kBenchmarking},
      {"198.19.255.255", AddressClass::kBenchmarking},
      {"198.20.0.0", AddressClass::kPublic},
      {"198.51.100.7", AddressClass::kDocumentation},
      {"198.51.101.7", AddressClass::kPublic},
      {"203.0.113.9", AddressClass::kDocumentation},
      {"203.0.114.9", AddressClass::kPublic},
      {"223.255.255.255", AddressClass::kPublic},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.255", AddressClass::kMulticast},
      {"240.0.0.1", AddressClass::kReserved},
      {"255.255.255.254", AddressClass::kReserved},
      {"255.255.255.255", AddressClass::kBroadcast},
      {"8.8.8.8", AddressClass::kPublic},
      {"93.184.216.34", AddressClass::kPublic},
  };
  for (const ClassCase& c : cases) {
    EXPECT_EQ(ClassifyAddress(Ip(c.address)), c.expected) << c.address;
  }
}

TEST(ClassifyAddress, Ipv6SpecialPurposeRanges) {
  const ClassCase cases[] = {
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"fc00::1", AddressClass::kUniqueLocal},
      {"fdff:ffff::1", AddressClass::kUniqueLocal},
      {"fbff::1", AddressClass::kPublic},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf:ffff::1", AddressClass::kLinkLocal},
      {"fec0::1", AddressClass::kReserved},  // deprecated site-local
      {"ff02::1", AddressClass::kMulticast},
      {"ff0e::101", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kDocumentation},
      {"2001:db8:ffff::1", AddressClass::kDocumentation},
      {"2001:db9::1", AddressClass::kPublic},
      {"64:ff9b::a00:1", AddressClass::kNat64},
      {"64:ff9b::808:808", AddressClass::kNat64},
      {"64:ff9b:1::1", AddressClass::kNat64},
      {"64:ff9b:2::1", AddressClass::kPublic},
      {"100::1", AddressClass::kReserved},  // discard-only
      {"2001:4860:4860::8888", AddressClass::kPublic},
      {"2a00:1450:4001::1", AddressClass::kPublic},
  };
  for (const ClassCase& c : cases) {
    EXPECT_EQ(ClassifyAddress(Ip(c.address)), c.expected) << c.address;
  }
}

TEST(ClassifyAddress, EmbeddedIpv4IsJudgedByItsV4Address) {
  const ClassCase cases[] = {
      // IPv4-mapped ::ffff:0:0/96.
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
      {"::ffff:10.0.0.1", AddressClass::kPrivate},
      {"::ffff:169.254.169.254", AddressClass::kLinkLocal},
      {"::ffff:0.0.0.0", AddressClass::kUnspecified},
      {"::ffff:8.8.8.8", AddressClass::kPublic},
      // IPv4-compatible ::/96 (deprecated).
      {"::10.0.0.1", AddressClass::kPrivate},
      {"::127.0.0.1", AddressClass::kLoopback},
      // 6to4 2002::/16: 2002:AABB:CCDD:: embeds AA.BB.CC.DD.
      {"2002:7f00:1::", AddressClass::kLoopback},
      {"2002:a00:1::1", AddressClass::kPrivate},
      {"2002:c0a8:101::1", AddressClass::kPrivate},
      {"2002:a9fe:a9fe::", AddressClass::kLinkLocal},
      {"2002:808:808::1", AddressClass::kPublic},
  };
  for (const ClassCase& c : cases) {
    EXPECT_EQ(ClassifyAddress(Ip(c.address)), c.expected) << c.address;
  }
}

TEST(ClassifyAddress, NamesForMessages) {
  EXPECT_EQ(AddressClassName(AddressClass::kPrivate), "private address");
  EXPECT_EQ(AddressClassName(AddressClass::kLoopback), "loopback address");
  EXPECT_EQ(AddressClassName(AddressClass::kPublic), "public address");
}

}  // namespace
}  // namespace mw
