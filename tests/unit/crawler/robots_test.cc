// Tests for crawler/robots.h, named after the RFC 9309 sections they check.
#include "crawler/robots.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace mw {
namespace {

constexpr std::string_view kToken = "mediawatch";

RobotsRules ParseFor(std::string_view body, std::string_view token = kToken,
                     const RobotsOptions& options = {}) {
  return RobotsRules::Parse(body, token, options);
}

// ---------------------------------------------------------------------------
// §2.2.1 The user-agent line: group selection

TEST(RobotsRfc9309_2_2_1, SpecificGroupWinsOverStar) {
  RobotsRules r = ParseFor(
      "User-agent: *\n"
      "Disallow: /\n"
      "\n"
      "User-agent: mediawatch\n"
      "Disallow: /private/\n");
  EXPECT_EQ(r.group_match(), RobotsGroupMatch::kProductToken);
  EXPECT_TRUE(r.IsAllowed("/news/1"));
  EXPECT_FALSE(r.IsAllowed("/private/x"));

  RobotsRules other = ParseFor(
      "User-agent: *\n"
      "Disallow: /\n"
      "User-agent: mediawatch\n"
      "Disallow: /private/\n",
      "otherbot");
  EXPECT_EQ(other.group_match(), RobotsGroupMatch::kStar);
  EXPECT_FALSE(other.IsAllowed("/news/1"));
}

TEST(RobotsRfc9309_2_2_1, StarGroupWhenNoSpecificGroup) {
  RobotsRules r = ParseFor(
      "User-agent: googlebot\n"
      "Disallow: /\n"
      "User-agent: *\n"
      "Disallow: /tmp/\n");
  EXPECT_EQ(r.group_match(), RobotsGroupMatch::kStar);
  EXPECT_TRUE(r.IsAllowed("/news"));
  EXPECT_FALSE(r.IsAllowed("/tmp/a"));
}

TEST(RobotsRfc9309_2_2_1, NoMatchingGroupAndNoStarAllowsEverything) {
  RobotsRules r = ParseFor("User-agent: googlebot\nDisallow: /\n");
  EXPECT_EQ(r.group_match(), RobotsGroupMatch::kNone);
  EXPECT_TRUE(r.IsAllowed("/anything"));
  EXPECT_EQ(r.rule_count(), 0u);
}

TEST(RobotsRfc9309_2_2_1, ProductTokenIsCaseInsensitive) {
  for (std::string_view agent : {"MediaWatch", "MEDIAWATCH", "mediawatch", "mEdIaWaTcH"}) {
    RobotsRules r = ParseFor("User-agent: " + std::string(agent) + "\nDisallow: /x\n");
    EXPECT_FALSE(r.IsAllowed("/x")) << agent;
  }
  EXPECT_FALSE(ParseFor("User-agent: mediawatch\nDisallow: /x\n", "MediaWatch").IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_2_1, AgentWithVersionOrCommentMatchesItsProductToken) {
  EXPECT_FALSE(ParseFor("User-agent: mediawatch/0.1\nDisallow: /x\n").IsAllowed("/x"));
  EXPECT_FALSE(ParseFor("User-agent: MediaWatch/0.1 (+https://example.org)\nDisallow: /x\n")
                   .IsAllowed("/x"));
  // The caller's token is reduced the same way.
  EXPECT_FALSE(
      ParseFor("User-agent: mediawatch\nDisallow: /x\n", "mediawatch/0.1").IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_2_1, TokenMustMatchWhole) {
  // Neither a longer nor a shorter product token is ours.
  EXPECT_TRUE(ParseFor("User-agent: mediawatchbot\nDisallow: /\n").IsAllowed("/x"));
  EXPECT_TRUE(ParseFor("User-agent: media\nDisallow: /\n").IsAllowed("/x"));
  EXPECT_EQ(ParseFor("User-agent: mediawatchbot\nDisallow: /\n").group_match(),
            RobotsGroupMatch::kNone);
}

TEST(RobotsRfc9309_2_2_1, GroupsForTheSameAgentAreMerged) {
  RobotsRules r = ParseFor(
      "User-agent: mediawatch\n"
      "Disallow: /a/\n"
      "\n"
      "User-agent: *\n"
      "Disallow: /c/\n"
      "\n"
      "User-agent: MediaWatch\n"
      "Disallow: /b/\n");
  EXPECT_FALSE(r.IsAllowed("/a/1"));
  EXPECT_FALSE(r.IsAllowed("/b/1"));
  EXPECT_TRUE(r.IsAllowed("/c/1"));  // the * group is not merged in
  EXPECT_EQ(r.rule_count(), 2u);
}

TEST(RobotsRfc9309_2_2_1, SeveralUserAgentLinesShareOneGroup) {
  const char* body =
      "User-agent: googlebot\n"
      "\n"  // blank lines do not end a group
      "User-agent: mediawatch\n"
      "Disallow: /shared/\n"
      "User-agent: otherbot\n"
      "Disallow: /other/\n";
  RobotsRules r = ParseFor(body);
  EXPECT_FALSE(r.IsAllowed("/shared/1"));
  EXPECT_TRUE(r.IsAllowed("/other/1"));
  EXPECT_FALSE(ParseFor(body, "googlebot").IsAllowed("/shared/1"));
}

TEST(RobotsRfc9309_2_2_1, SpecificGroupWithoutRulesStillWins) {
  RobotsRules r = ParseFor(
      "User-agent: mediawatch\n"
      "Disallow:\n"
      "User-agent: *\n"
      "Disallow: /\n");
  EXPECT_EQ(r.group_match(), RobotsGroupMatch::kProductToken);
  EXPECT_TRUE(r.IsAllowed("/news"));
}

TEST(RobotsRfc9309_2_2_1, RulesBeforeAnyUserAgentAreIgnored) {
  RobotsRules r = ParseFor("Disallow: /\nUser-agent: *\nDisallow: /x\n");
  EXPECT_TRUE(r.IsAllowed("/a"));
  EXPECT_FALSE(r.IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_2_1, StarFollowedByWhitespaceIsGlobal) {
  EXPECT_FALSE(ParseFor("User-agent: * # all\nDisallow: /x\n").IsAllowed("/x"));
  EXPECT_FALSE(ParseFor("User-agent: * robots\nDisallow: /x\n").IsAllowed("/x"));
  // "*bot" is neither `*` nor our token.
  EXPECT_TRUE(ParseFor("User-agent: *bot\nDisallow: /x\n").IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_2_1, NonAgentRecordEndsTheAgentList) {
  // Deviation 3 (as google/robotstxt): a sitemap or crawl-delay line ends the
  // agent list, so "otherbot" starts a new group and "mediawatch"'s group
  // has no rules.
  for (std::string_view record : {"Sitemap: https://example.org/s.xml", "Crawl-delay: 1"}) {
    RobotsRules r = ParseFor("User-agent: mediawatch\n" + std::string(record) +
                             "\n"
                             "User-agent: otherbot\n"
                             "Disallow: /x\n");
    EXPECT_EQ(r.group_match(), RobotsGroupMatch::kProductToken);
    EXPECT_TRUE(r.IsAllowed("/x")) << record;
  }
}

// ---------------------------------------------------------------------------
// §2.2.2 The allow and disallow lines

TEST(RobotsRfc9309_2_2_2, LongestMatchWins) {
  RobotsRules r = ParseFor(
      "User-agent: *\n"
      "Allow: /p\n"
      "Disallow: /p/private\n"
      "Allow: /p/private/open\n"
      "Disallow: /\n");
  EXPECT_TRUE(r.IsAllowed("/p"));
  EXPECT_TRUE(r.IsAllowed("/p/public"));
  EXPECT_FALSE(r.IsAllowed("/p/private/x"));
  EXPECT_TRUE(r.IsAllowed("/p/private/open/1"));
  EXPECT_FALSE(r.IsAllowed("/q"));
}

TEST(RobotsRfc9309_2_2_2, OrderOfRulesDoesNotMatter) {
  RobotsRules a = ParseFor("User-agent: *\nDisallow: /folder\nAllow: /folder/page\n");
  RobotsRules b = ParseFor("User-agent: *\nAllow: /folder/page\nDisallow: /folder\n");
  for (const RobotsRules* r : {&a, &b}) {
    EXPECT_TRUE(r->IsAllowed("/folder/page"));
    EXPECT_FALSE(r->IsAllowed("/folder/other"));
  }
}

TEST(RobotsRfc9309_2_2_2, AllowWinsATie) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /page\nAllow: /page\n");
  EXPECT_TRUE(r.IsAllowed("/page"));
  // Equal octet counts with a wildcard: "/a*" (3) vs "/ab" (3).
  RobotsRules w = ParseFor("User-agent: *\nDisallow: /ab\nAllow: /a*\n");
  EXPECT_TRUE(w.IsAllowed("/abc"));
  // One octet more wins.
  RobotsRules longer = ParseFor("User-agent: *\nDisallow: /abc\nAllow: /a*\n");
  EXPECT_FALSE(longer.IsAllowed("/abc"));
}

TEST(RobotsRfc9309_2_2_2, EmptyDisallowDisallowsNothing) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow:\n");
  EXPECT_EQ(r.group_match(), RobotsGroupMatch::kStar);
  EXPECT_EQ(r.rule_count(), 0u);
  EXPECT_TRUE(r.IsAllowed("/"));
  EXPECT_TRUE(r.IsAllowed("/anything?at=all"));
  // An empty allow does not override a disallow either.
  RobotsRules e = ParseFor("User-agent: *\nAllow:\nDisallow: /\n");
  EXPECT_FALSE(e.IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_2_2, RobotsTxtIsAlwaysAllowed) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /\nDisallow: /robots.txt\n");
  EXPECT_TRUE(r.IsAllowed("/robots.txt"));
  EXPECT_FALSE(r.IsAllowed("/robots.txt.bak"));
  EXPECT_FALSE(r.IsAllowed("/"));
}

TEST(RobotsRfc9309_2_2_2, PathsAreCaseSensitive) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /Private\n");
  EXPECT_FALSE(r.IsAllowed("/Private/a"));
  EXPECT_TRUE(r.IsAllowed("/private/a"));
}

TEST(RobotsRfc9309_2_2_2, QueryIsPartOfThePath) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /search?\nDisallow: /*?sessionid=\n");
  EXPECT_TRUE(r.IsAllowed("/search"));
  EXPECT_FALSE(r.IsAllowed("/search?q=guan+heng"));
  EXPECT_FALSE(r.IsAllowed("/news/1?sessionid=42"));
  EXPECT_TRUE(r.IsAllowed("/news/1?id=42"));
  EXPECT_FALSE(r.IsAllowed("search?q=x")) << "missing leading '/' is supplied";
}

TEST(RobotsRfc9309_2_2_2, EmptyPathMeansSlashAndFragmentIsIgnored) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /$\n");
  EXPECT_FALSE(r.IsAllowed(""));
  EXPECT_FALSE(r.IsAllowed("/"));
  EXPECT_FALSE(r.IsAllowed("/#top"));
  EXPECT_TRUE(r.IsAllowed("/a"));
}

TEST(RobotsRfc9309_2_2_2, PatternsMustStartWithSlashOrStar) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: private\nDisallow: *.pdf$\n");
  EXPECT_EQ(r.rule_count(), 1u);
  EXPECT_TRUE(r.IsAllowed("/private"));
  EXPECT_FALSE(r.IsAllowed("/docs/a.pdf"));
}

// Percent-encoding equivalence: the table in §2.2.2.
TEST(RobotsRfc9309_2_2_2, PercentEncodingOfUtf8IsEquivalentToRawUtf8) {
  RobotsRules raw = ParseFor("User-agent: *\nDisallow: /foo/bar/ツ\n");
  EXPECT_FALSE(raw.IsAllowed("/foo/bar/%E3%83%84"));
  EXPECT_FALSE(raw.IsAllowed("/foo/bar/%e3%83%84"));
  EXPECT_FALSE(raw.IsAllowed("/foo/bar/ツ"));
  EXPECT_TRUE(raw.IsAllowed("/foo/bar/%E3%83%85"));

  RobotsRules encoded = ParseFor("User-agent: *\nDisallow: /foo/bar/%e3%83%84\n");
  EXPECT_FALSE(encoded.IsAllowed("/foo/bar/ツ"));
  EXPECT_FALSE(encoded.IsAllowed("/foo/bar/%E3%83%84"));
}

TEST(RobotsRfc9309_2_2_2, MultilingualPaths) {
  RobotsRules r = ParseFor(
      "User-agent: *\n"
      "Disallow: /新闻/草稿/\n"
      "Disallow: /%D8%A6%DB%87%D9%8A%D8%BA%DB%87%D8%B1/draft\n");  // ئۇيغۇر
  EXPECT_FALSE(r.IsAllowed("/%E6%96%B0%E9%97%BB/%E8%8D%89%E7%A8%BF/1.html"));
  EXPECT_TRUE(r.IsAllowed("/%E6%96%B0%E9%97%BB/1.html"));
  EXPECT_FALSE(r.IsAllowed("/ئۇيغۇر/draft/1"));
}

TEST(RobotsRfc9309_2_2_2, EncodedUnreservedCharactersAreDecoded) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /foo/bar/baz\nDisallow: /%7Euser/\n");
  EXPECT_FALSE(r.IsAllowed("/foo/bar/%62%61%7A"));
  EXPECT_FALSE(r.IsAllowed("/foo/bar/%62%61%7a"));
  EXPECT_FALSE(r.IsAllowed("/~user/x"));
  EXPECT_TRUE(r.IsAllowed("/foo/bar/qux"));
}

TEST(RobotsRfc9309_2_2_2, EncodedReservedCharactersStayDistinct) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /a%2fb\nDisallow: /q?u=https://x\n");
  EXPECT_FALSE(r.IsAllowed("/a%2Fb"));
  EXPECT_TRUE(r.IsAllowed("/a/b"));
  EXPECT_FALSE(r.IsAllowed("/q?u=https://x.org"));
  EXPECT_TRUE(r.IsAllowed("/q?u=https%3A%2F%2Fx.org"));
}

TEST(RobotsRfc9309_2_2_2, StrayPercentSignsCompareAsThemselves) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /100%\nDisallow: /a%zz\n");
  EXPECT_FALSE(r.IsAllowed("/100%"));
  EXPECT_FALSE(r.IsAllowed("/100%25"));
  EXPECT_FALSE(r.IsAllowed("/a%zz/b"));
  EXPECT_TRUE(r.IsAllowed("/100"));
}

// ---------------------------------------------------------------------------
// §2.2.3 Special characters

TEST(RobotsRfc9309_2_2_3, StarMatchesAnySequence) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /*/private/*.html\n");
  EXPECT_FALSE(r.IsAllowed("/a/private/b.html"));
  EXPECT_FALSE(r.IsAllowed("/a/b/private/c/d.html?x=1"));
  EXPECT_FALSE(r.IsAllowed("//private/.html")) << "* matches the empty sequence";
  EXPECT_TRUE(r.IsAllowed("/a/public/b.html"));
  EXPECT_TRUE(r.IsAllowed("/private/b.html"));
}

TEST(RobotsRfc9309_2_2_3, TrailingStarIsImplied) {
  RobotsRules a = ParseFor("User-agent: *\nDisallow: /fish*\n");
  RobotsRules b = ParseFor("User-agent: *\nDisallow: /fish\n");
  for (std::string_view path : {"/fish", "/fish.html", "/fishheads/yummy.html", "/Fish", "/fis"}) {
    EXPECT_EQ(a.IsAllowed(path), b.IsAllowed(path)) << path;
  }
  EXPECT_FALSE(a.IsAllowed("/fishheads"));
}

TEST(RobotsRfc9309_2_2_3, DollarAnchorsAtTheEnd) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /*.php$\nDisallow: /exact$\n");
  EXPECT_FALSE(r.IsAllowed("/index.php"));
  EXPECT_FALSE(r.IsAllowed("/a/b.php"));
  EXPECT_TRUE(r.IsAllowed("/index.php?x=1"));
  EXPECT_TRUE(r.IsAllowed("/index.php5"));
  EXPECT_FALSE(r.IsAllowed("/exact"));
  EXPECT_TRUE(r.IsAllowed("/exact/"));
  // The anchored suffix may not overlap the part matched before the '*'.
  RobotsRules o = ParseFor("User-agent: *\nDisallow: /ab*b$\n");
  EXPECT_TRUE(o.IsAllowed("/ab"));
  EXPECT_FALSE(o.IsAllowed("/abb"));
}

TEST(RobotsRfc9309_2_2_3, DollarElsewhereIsLiteral) {
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /a$b\n");
  EXPECT_FALSE(r.IsAllowed("/a$b"));
  EXPECT_FALSE(r.IsAllowed("/a%24b/c"));
  EXPECT_TRUE(r.IsAllowed("/a"));
}

TEST(RobotsRfc9309_2_2_3, PercentEncodedSpecialCharactersAreLiteral) {
  // The examples of §2.2.3.
  RobotsRules r = ParseFor(
      "User-agent: *\n"
      "Disallow: /path/file-with-a-%2A.html\n"
      "Disallow: /path/foo-%24\n");
  EXPECT_FALSE(r.IsAllowed("/path/file-with-a-*.html"));
  EXPECT_FALSE(r.IsAllowed("/path/file-with-a-%2a.html"));
  EXPECT_TRUE(r.IsAllowed("/path/file-with-a-b.html"));
  EXPECT_FALSE(r.IsAllowed("/path/foo-$"));
  EXPECT_FALSE(r.IsAllowed("/path/foo-$/x")) << "%24 does not anchor";
  EXPECT_TRUE(r.IsAllowed("/path/foo-"));
}

TEST(RobotsRfc9309_2_2_3, PathologicalWildcardsStayLinear) {
  // With backtracking this is astronomically slow (each '*' multiplies the
  // choices by the path length); the greedy segment match is O(path).
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*b\n");
  std::string path = "/" + std::string(200000, 'a');
  EXPECT_TRUE(r.IsAllowed(path));
  EXPECT_FALSE(r.IsAllowed(path + "b"));
  // A repetitive segment: a naive substring search re-scans ~20 bytes per
  // position here; KMP never steps back.
  RobotsRules k = ParseFor("User-agent: *\nDisallow: /*aaaaaaaaaaaaaaaaaaaab\n");
  EXPECT_TRUE(k.IsAllowed(path));
  EXPECT_FALSE(k.IsAllowed(path + "b"));
  EXPECT_FALSE(k.IsAllowed(path + "ba"));
}

TEST(RobotsRfc9309_2_2_3, ManyWildcardRulesAgainstALongPath) {
  std::string body = "User-agent: *\n";
  for (int i = 0; i < 2000; ++i) body += "Disallow: /*a*a*a*" + std::to_string(i) + "*b\n";
  RobotsRules r = ParseFor(body);
  EXPECT_EQ(r.rule_count(), 2000u);
  std::string path = "/" + std::string(5000, 'a');
  EXPECT_TRUE(r.IsAllowed(path));
  EXPECT_FALSE(r.IsAllowed(path + "1999b"));
}

TEST(RobotsRfc9309_2_2_3, SegmentsWithSelfOverlap) {
  // Exercises the KMP failure function: the match starts inside a partial one.
  RobotsRules r = ParseFor("User-agent: *\nDisallow: /*abab*ababc\n");
  EXPECT_FALSE(
      r.IsAllowed("/xabababxabababcx"
                  "ababc"));
  EXPECT_FALSE(r.IsAllowed("/abababababc"));
  EXPECT_TRUE(r.IsAllowed("/ababc"));
  EXPECT_TRUE(r.IsAllowed("/abababab"));
}

// ---------------------------------------------------------------------------
// §2.1 and §2.2 File format: lines, keys, comments

TEST(RobotsRfc9309_2_1, LineEndingsCrLfAndCrLf) {
  for (std::string_view eol : {"\n", "\r\n", "\r"}) {
    std::string body = "User-agent: *" + std::string(eol) + "Disallow: /a" + std::string(eol) +
                       "Allow: /a/b" + std::string(eol) + "Disallow: /c";  // no final EOL
    RobotsRules r = ParseFor(body);
    EXPECT_FALSE(r.IsAllowed("/a/x")) << static_cast<int>(eol[0]) << eol.size();
    EXPECT_TRUE(r.IsAllowed("/a/b"));
    EXPECT_FALSE(r.IsAllowed("/c"));
    EXPECT_EQ(r.rule_count(), 3u);
  }
  RobotsRules mixed = ParseFor("User-agent: *\r\rDisallow: /a\r\n\nDisallow: /b\n\rDisallow: /c");
  EXPECT_EQ(mixed.rule_count(), 3u);
}

TEST(RobotsRfc9309_2_1, ByteOrderMarkIsSkipped) {
  RobotsRules r = ParseFor("\xEF\xBB\xBFUser-agent: *\nDisallow: /x\n");
  EXPECT_FALSE(r.IsAllowed("/x"));
  // Only at the very start.
  RobotsRules mid = ParseFor(
      "User-agent: *\n\xEF\xBB\xBF"
      "Disallow: /x\n");
  EXPECT_TRUE(mid.IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_1, CommentsAndWhitespace) {
  RobotsRules r = ParseFor(
      "# a comment\n"
      "   User-agent  :  *   # trailing comment\n"
      "\tDisallow:\t/a # not part of the path\n"
      "Disallow: /b#c\n");
  EXPECT_FALSE(r.IsAllowed("/a"));
  EXPECT_FALSE(r.IsAllowed("/b"));
  EXPECT_EQ(r.rule_count(), 2u);
}

TEST(RobotsRfc9309_2_1, KeysAreCaseInsensitiveAndTyposAccepted) {
  RobotsRules r = ParseFor(
      "USER-AGENT: *\n"
      "DISALLOW: /a\n"
      "disalow: /b\n"
      "Dissallow: /c\n"
      "dissalow: /d\n"
      "diasllow: /e\n"
      "disallaw: /f\n"
      "aLLow: /a/ok\n"
      "Disallowed: /g\n");  // not a spelling we accept
  for (std::string_view p : {"/a", "/b", "/c", "/d", "/e", "/f"}) EXPECT_FALSE(r.IsAllowed(p)) << p;
  EXPECT_TRUE(r.IsAllowed("/a/ok"));
  EXPECT_TRUE(r.IsAllowed("/g"));
  EXPECT_FALSE(ParseFor("useragent: mediawatch\nDisallow: /x\n").IsAllowed("/x"));
  EXPECT_FALSE(ParseFor("user agent: mediawatch\nDisallow: /x\n").IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_1, MissingColonWhenExactlyTwoWords) {
  RobotsRules r = ParseFor("User-agent mediawatch\nDisallow /private\nDisallow /a /b\n");
  EXPECT_FALSE(r.IsAllowed("/private/1"));
  EXPECT_TRUE(r.IsAllowed("/a")) << "three words: not a record";
  EXPECT_EQ(r.rule_count(), 1u);
}

TEST(RobotsRfc9309_2_1, UnknownLinesAreIgnored) {
  RobotsRules r = ParseFor(
      "User-agent: *\n"
      "Host: example.org\n"
      "Clean-param: ref /articles/\n"
      "Noindex: /x\n"
      "Disallow: /y\n");
  EXPECT_TRUE(r.IsAllowed("/x"));
  EXPECT_FALSE(r.IsAllowed("/y"));
}

// ---------------------------------------------------------------------------
// §2.5 Limits

TEST(RobotsRfc9309_2_5, RulesAfter500KiBAreIgnored) {
  std::string body = "User-agent: *\nDisallow: /early\n";
  while (body.size() < 500 * 1024) body += "# padding padding padding padding padding\n";
  body += "Disallow: /late\n";
  RobotsRules r = ParseFor(body);
  EXPECT_TRUE(r.truncated());
  EXPECT_FALSE(r.IsAllowed("/early"));
  EXPECT_TRUE(r.IsAllowed("/late"));

  // Exactly at the limit: nothing is cut.
  std::string exact = "User-agent: *\nDisallow: /x\n";
  RobotsOptions small;
  small.max_bytes = exact.size();
  RobotsRules whole = ParseFor(exact, kToken, small);
  EXPECT_FALSE(whole.truncated());
  EXPECT_FALSE(whole.IsAllowed("/x"));
}

TEST(RobotsRfc9309_2_5, LineCutByTheLimitIsDropped) {
  // Cutting "Allow: /a/b" to "Allow: /" would allow everything.
  std::string body = "User-agent: *\nDisallow: /\nAllow: /a/b\n";
  RobotsOptions options;
  options.max_bytes = body.size() - 4;  // inside the Allow line
  RobotsRules r = ParseFor(body, kToken, options);
  EXPECT_TRUE(r.truncated());
  EXPECT_FALSE(r.IsAllowed("/b"));
  EXPECT_FALSE(r.IsAllowed("/a/b")) << "the cut allow line must not count";
  EXPECT_EQ(r.rule_count(), 1u);
  // Limit right before the final line break: the last line is complete.
  options.max_bytes = body.size() - 1;
  EXPECT_TRUE(ParseFor(body, kToken, options).IsAllowed("/a/b"));
}

TEST(RobotsRfc9309_2_5, OverLongPatterns) {
  RobotsOptions options;
  options.max_pattern_bytes = 64;
  const std::string long_tail(200, 'x');
  // A long disallow is truncated: it still disallows (a superset).
  RobotsRules d = ParseFor("User-agent: *\nDisallow: /long/" + long_tail + "$\n", kToken, options);
  EXPECT_EQ(d.rule_count(), 1u);
  EXPECT_FALSE(d.IsAllowed("/long/" + long_tail));
  EXPECT_FALSE(d.IsAllowed("/long/" + std::string(100, 'x')));
  // A long allow is dropped.
  RobotsRules a =
      ParseFor("User-agent: *\nDisallow: /\nAllow: /long/" + long_tail + "\n", kToken, options);
  EXPECT_EQ(a.rule_count(), 1u);
  EXPECT_FALSE(a.IsAllowed("/long/" + long_tail));
  // Truncation never splits a %XX escape.
  RobotsRules e = ParseFor("User-agent: *\nDisallow: /" + std::string(100, 'x') + "\n", kToken,
                           RobotsOptions{.max_pattern_bytes = 3});
  EXPECT_FALSE(e.IsAllowed("/xx"));
  // "/ツ" is "/%E3%83%84" (10 bytes); a cap of 7 keeps "/%E3%83"...
  RobotsRules u =
      ParseFor("User-agent: *\nDisallow: /ツ\n", kToken, RobotsOptions{.max_pattern_bytes = 7});
  EXPECT_FALSE(u.IsAllowed("/%E3%83"));
  EXPECT_FALSE(u.IsAllowed("/%E3%83%84"));
  EXPECT_TRUE(u.IsAllowed("/%E3%84"));
  // ...and a cap of 6 ("/%E3%8") backs off to the escape boundary ("/%E3").
  RobotsRules cut =
      ParseFor("User-agent: *\nDisallow: /ツ\n", kToken, RobotsOptions{.max_pattern_bytes = 6});
  EXPECT_FALSE(cut.IsAllowed("/%E3%84"));
  EXPECT_TRUE(cut.IsAllowed("/%E4"));
}

TEST(RobotsRfc9309_2_5, GarbageAndBinaryInputDoNotCrash) {
  std::mt19937 rng(9309);  // deterministic
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 50; ++round) {
    std::string body(4096 + round * 97, '\0');
    for (char& c : body) c = static_cast<char>(byte(rng));
    RobotsRules r = ParseFor(body);
    // Random bytes essentially never form "user-agent:*" + a rule.
    EXPECT_TRUE(r.IsAllowed("/news/1")) << round;
    EXPECT_FALSE(r.crawl_delay_seconds().has_value());
    // Random bytes as a path must not crash either.
    (void)r.IsAllowed(body.substr(0, 512));
  }
  // Valid lines amid garbage still count; garbage lines restrict nothing.
  std::string mixed("\x00\xff\xfe:\x01\x02\n", 7);
  mixed += "User-agent: *\n";
  mixed += std::string("Disallow\x00: /nul\n", 16);
  mixed += "\x80\x81\x82 \x83\x84\n";
  mixed += std::string("Disallow: /x\x00y\n", 15);
  mixed += ":::::\n\n\n: /\n";
  mixed += "Disallow: /z\n";
  RobotsRules r = ParseFor(mixed);
  EXPECT_FALSE(r.IsAllowed("/z"));
  EXPECT_FALSE(r.IsAllowed("/x%00y"));
  EXPECT_TRUE(r.IsAllowed("/nul"));
  EXPECT_TRUE(r.IsAllowed("/other"));
  // Huge single line, no newline at all.
  EXPECT_TRUE(ParseFor(std::string(2 << 20, 'A')).IsAllowed("/"));
  EXPECT_TRUE(ParseFor("").IsAllowed("/"));
}

// ---------------------------------------------------------------------------
// §2.2.4 Other records: crawl-delay and sitemap

TEST(RobotsRfc9309_2_2_4, CrawlDelayParsing) {
  struct Case {
    const char* value;
    std::optional<double> expected;
  };
  const Case cases[] = {
      {"10", 10},
      {"0.5", 0.5},
      {".5", 0.5},
      {"2.", 2},
      {"0", 0},
      {"abc", std::nullopt},
      {"-1", std::nullopt},
      {"1e3", std::nullopt},
      {"inf", std::nullopt},
      {"nan", std::nullopt},
      {"1.2.3", std::nullopt},
      {"10s", std::nullopt},
      {"", std::nullopt},
      {".", std::nullopt},
      {"+5", std::nullopt},
  };
  for (const Case& c : cases) {
    RobotsRules r = ParseFor(std::string("User-agent: *\nCrawl-delay: ") + c.value + "\n");
    EXPECT_EQ(r.crawl_delay_seconds(), c.expected) << c.value;
  }
}

TEST(RobotsRfc9309_2_2_4, CrawlDelayIsCappedAndFromTheApplicableGroup) {
  RobotsRules capped = ParseFor("User-agent: *\nCrawl-delay: 3600\n");
  EXPECT_EQ(capped.crawl_delay_seconds(), 60.0);
  RobotsOptions options;
  options.max_crawl_delay_s = 5;
  EXPECT_EQ(ParseFor("User-agent: *\ncrawl-delay: 7.5\n", kToken, options).crawl_delay_seconds(),
            5.0);

  const char* body =
      "User-agent: *\n"
      "Crawl-delay: 20\n"
      "User-agent: mediawatch\n"
      "Crawl-delay: 2\n"
      "Disallow: /x\n"
      "User-agent: mediawatch\n"
      "Crawl-delay: 3\n";
  EXPECT_EQ(ParseFor(body).crawl_delay_seconds(), 3.0) << "largest of the merged groups";
  EXPECT_EQ(ParseFor(body, "otherbot").crawl_delay_seconds(), 20.0);
  EXPECT_FALSE(ParseFor("User-agent: googlebot\nCrawl-delay: 9\n").crawl_delay_seconds());
  EXPECT_FALSE(ParseFor("Crawl-delay: 9\nUser-agent: *\n").crawl_delay_seconds());
}

TEST(RobotsRfc9309_2_2_4, Sitemaps) {
  RobotsRules r = ParseFor(
      "Sitemap: https://example.org/sitemap.xml\n"
      "User-agent: googlebot\n"
      "Disallow: /\n"
      "sitemap: http://example.org/news.xml # comment\n"
      "Site-map: https://example.org/zh/sitemap.xml\n"
      "Sitemap: /relative.xml\n"
      "Sitemap: ftp://example.org/x.xml\n"
      "Sitemap: https://example.org/sitemap.xml\n"  // duplicate
      "Sitemap:\n");
  const std::vector<std::string> expected = {"https://example.org/sitemap.xml",
                                             "http://example.org/news.xml",
                                             "https://example.org/zh/sitemap.xml"};
  EXPECT_EQ(r.sitemaps(), expected);
  EXPECT_TRUE(r.IsAllowed("/")) << "sitemaps do not depend on groups";

  RobotsOptions options;
  options.max_sitemaps = 2;
  std::string many;
  for (int i = 0; i < 10; ++i) many += "Sitemap: https://e.org/" + std::to_string(i) + ".xml\n";
  EXPECT_EQ(ParseFor(many, kToken, options).sitemaps().size(), 2u);
}

// ---------------------------------------------------------------------------
// §2.3.1 Access results: AllowAll / DisallowAll, and the URL convenience

TEST(RobotsRfc9309_2_3_1, AllowAllAndDisallowAll) {
  RobotsRules allow = RobotsRules::AllowAll();
  EXPECT_TRUE(allow.IsAllowed("/"));
  EXPECT_TRUE(allow.IsAllowed("/private?x"));
  EXPECT_FALSE(allow.crawl_delay_seconds());
  EXPECT_TRUE(allow.sitemaps().empty());
  EXPECT_EQ(allow.group_match(), RobotsGroupMatch::kNone);
  EXPECT_TRUE(RobotsRules().IsAllowed("/x"));

  RobotsRules disallow = RobotsRules::DisallowAll();
  EXPECT_FALSE(disallow.IsAllowed("/"));
  EXPECT_FALSE(disallow.IsAllowed(""));
  EXPECT_FALSE(disallow.IsAllowed("/news/1?x=1"));
  EXPECT_TRUE(disallow.IsAllowed("/robots.txt"));
  EXPECT_EQ(disallow.rule_count(), 1u);
}

TEST(RobotsRfc9309_2_3_1, IsAllowedUrl) {
  RobotsRules r = ParseFor(
      "User-agent: *\n"
      "Disallow: /private\n"
      "Disallow: /*?print=1\n"
      "Disallow: /$\n");
  EXPECT_EQ(r.IsAllowedUrl("https://example.org/news/1").value(), true);
  EXPECT_EQ(r.IsAllowedUrl("https://example.org/private/1#frag").value(), false);
  EXPECT_EQ(r.IsAllowedUrl("http://user:pw@example.org:8080/a?print=1").value(), false);
  EXPECT_EQ(r.IsAllowedUrl("HTTPS://EXAMPLE.ORG/a/../private/x").value(), false);
  EXPECT_EQ(r.IsAllowedUrl("https://example.org").value(), false) << "no path is /";
  EXPECT_EQ(r.IsAllowedUrl("https://example.org?q=1").value(), true);
  EXPECT_EQ(r.IsAllowedUrl("https://[::1]/private").value(), false);
  EXPECT_EQ(r.IsAllowedUrl("https://example.org/robots.txt").value(), true);

  EXPECT_EQ(r.IsAllowedUrl("ftp://example.org/x").status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(r.IsAllowedUrl("not a url").ok());
  EXPECT_FALSE(r.IsAllowedUrl("/relative/path").ok());
  EXPECT_FALSE(r.IsAllowedUrl("https://example.org/" + std::string(20000, 'a')).ok());
}

TEST(RobotsRfc9309_2_4, CopiesShareRulesAndAgree) {
  RobotsRules original = ParseFor("User-agent: *\nDisallow: /x\nCrawl-delay: 4\n");
  RobotsRules copy = original;  // what a per-host cache does
  RobotsRules moved = std::move(original);
  EXPECT_FALSE(copy.IsAllowed("/x"));
  EXPECT_FALSE(moved.IsAllowed("/x"));
  EXPECT_EQ(copy.crawl_delay_seconds(), 4.0);
  EXPECT_EQ(&copy.sitemaps(), &moved.sitemaps()) << "shared, not copied";
}

}  // namespace
}  // namespace mw
