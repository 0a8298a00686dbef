// Tests for parsers/url.h: resolution, canonical form (the dedup key of
// stored articles) and hosts.

#include "parsers/url.h"

#include <gtest/gtest.h>

#include <string>

namespace mw {
namespace {

std::string Canon(std::string_view url) {
  Result<std::string> c = CanonicalizeUrl(url);
  EXPECT_TRUE(c.ok()) << url << ": " << c.status().ToString();
  return c.ok() ? c.value() : std::string();
}

TEST(CanonicalizeUrl, CaseDefaultPortsFragmentsAndEmptyPath) {
  EXPECT_EQ(Canon("HTTPS://News.Example.COM:443/World/Story.html#top"),
            "https://news.example.com/World/Story.html");
  EXPECT_EQ(Canon("http://example.com:80"), "http://example.com/");
  EXPECT_EQ(Canon("http://example.com:8080/a"), "http://example.com:8080/a");
  // The path keeps its case: servers may tell /A from /a.
  EXPECT_NE(Canon("https://example.com/A"), Canon("https://example.com/a"));
}

TEST(CanonicalizeUrl, TrackingParametersAreRemovedOthersKept) {
  EXPECT_EQ(Canon("https://example.com/a?utm_source=x&id=7&utm_medium=rss&fbclid=abc&gclid=1"),
            "https://example.com/a?id=7");
  EXPECT_EQ(Canon("https://example.com/a?mc_cid=1&mc_eid=2"), "https://example.com/a");
  EXPECT_EQ(Canon("https://example.com/a?page=2&ref=home"),
            "https://example.com/a?page=2&ref=home");
  // Same article from two feeds with different tracking: one key.
  EXPECT_EQ(Canon("https://example.com/story?utm_campaign=feed1"),
            Canon("https://EXAMPLE.com/story?fbclid=zzz#comments"));
}

TEST(CanonicalizeUrl, InternationalizedHostsBecomePunycode) {
  EXPECT_EQ(Canon("https://bücher.example/a"), "https://xn--bcher-kva.example/a");
  EXPECT_EQ(Canon("https://BÜCHER.example/a"), Canon("https://xn--bcher-kva.example/a"));
  EXPECT_EQ(Canon("http://新闻.example/x").rfind("http://xn--", 0), 0u);
}

TEST(CanonicalizeUrl, RefusesWhatIsNotAnHttpUrl) {
  for (std::string_view bad : {"ftp://example.com/a", "javascript:alert(1)", "mailto:a@b.c",
                               "not a url", "", "http://", "https://exa mple.com/"}) {
    EXPECT_FALSE(CanonicalizeUrl(bad).ok()) << bad;
  }
  EXPECT_FALSE(CanonicalizeUrl("https://example.com/" + std::string(9000, 'a')).ok());
}

TEST(ResolveUrl, RelativeAndAbsolute) {
  auto r = ResolveUrl("https://example.com/news/world/story.html", "../img/a.jpg");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "https://example.com/news/img/a.jpg");
  r = ResolveUrl("https://example.com/a", "//cdn.example.org/x.png");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "https://cdn.example.org/x.png");
  EXPECT_FALSE(ResolveUrl("https://example.com/a", "javascript:alert(1)").ok());
}

TEST(UrlHost, LowerCaseHostOrEmpty) {
  EXPECT_EQ(UrlHost("https://News.Example.com:8443/a"), "news.example.com");
  EXPECT_EQ(UrlHost("not a url"), "");
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST(CanonicalizeUrl, InvalidInternationalHostsAreErrors) {
  // A label mixing right-to-left and left-to-right letters breaks the bidi
  // rule; a bare combining mark cannot start a label.
  EXPECT_FALSE(CanonicalizeUrl("https://\xCC\x81"
                               "abc.example/")
                   .ok());
  // Found by the URL fuzzer: U+02DB maps to a label with a space, which
  // must not leave a non-ASCII host behind.
  EXPECT_FALSE(CanonicalizeUrl("https://\xCB\x9B/").ok());
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

// Fuzzer finding (feed_parser): curl decodes "%c3" in a host to a lone byte,
// which made an entry link and id that were not UTF-8.
TEST(ResolveUrlTest, HostEscapesThatDecodeToInvalidUtf8AreRefused) {
  EXPECT_EQ(ResolveUrl("https://a.example/", "https://%c3/example.org/3").status().code(),
            StatusCode::kParseError);
  EXPECT_EQ(ResolveUrl("", "https://%c3/x").status().code(), StatusCode::kParseError);
  EXPECT_TRUE(ResolveUrl("https://a.example/", "/p%c3%a9").ok());  // escapes in paths stay
}

}  // namespace
}  // namespace mw
