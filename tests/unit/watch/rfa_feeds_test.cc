// The example watch-list (feeds/watchlists/guan-heng.toml) over the real RFA
// English, Mandarin and Uyghur feeds of 2019 in ../shared. Guan Heng's story
// is from 2021-2026, so his name must not fire; the region, the people and
// the camps must, in all three languages. The expected counts were checked
// by hand against the feeds (see the comment at each number) and with an
// independent regex count: python3 tests/tools/rfa_crosscheck.py.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "parsers/feed_parser.h"
#include "parsers/feed_text.h"
#include "tests/support/test_support.h"
#include "tests/unit/watch/example_watchlist_fixture.h"
#include "watch/matcher.h"

namespace mw {
namespace {

struct Counts {
  int entries = 0;  // entries in which the target or rule fired
  int hits = 0;     // occurrences (targets only)
};

std::map<std::string, Counts> RunFeed(const WatchlistMatcher& matcher, const std::string& file,
                                      int* entries) {
  std::string xml =
      testing::ReadFileOrDie(testing::SharedDir() / "corpora" / "multilingual" / "rss" / file);
  Result<Feed> feed = ParseFeed(xml, "application/rss+xml", "https://www.rfa.org/");
  EXPECT_TRUE(feed.ok()) << file << ": " << feed.status().ToString();
  std::map<std::string, Counts> counts;
  if (!feed.ok()) return counts;
  *entries = static_cast<int>(feed->entries.size());
  for (const FeedEntry& e : feed->entries) {
    std::string text =
        feed_internal::HtmlToText(e.content.empty() ? std::string_view(e.summary) : e.content);
    MatchResult r = matcher.MatchAll(e.title, text);
    for (const TermMatch& m : r.targets) {
      ++counts[m.target_id].entries;
      counts[m.target_id].hits += m.count;
    }
    for (const RuleMatch& m : r.rules) ++counts["rule:" + m.rule_id].entries;
  }
  std::printf("%s: %d entries\n", file.c_str(), *entries);
  for (const auto& [id, c] : counts) {
    std::printf("  %-32s entries %3d  hits %4d\n", id.c_str(), c.entries, c.hits);
  }
  return counts;
}

class RfaFeedsTest : public testing::ExampleWatchlistTest {};

// Each expected {entries, hits} pair was checked against an independent
// count: regular expressions over the feed's titles and content (word start
// for Uyghur, whole words for English, substrings for Chinese), no folding
// beyond case. The only differences that needed a decision are noted.
void ExpectCounts(const std::map<std::string, Counts>& got,
                  const std::map<std::string, std::pair<int, int>>& want) {
  for (const auto& [id, c] : got) {
    auto it = want.find(id);
    ASSERT_NE(it, want.end()) << "unexpected match: " << id;
    EXPECT_EQ(c.entries, it->second.first) << id << " entries";
    EXPECT_EQ(c.hits, it->second.second) << id << " hits";
  }
  for (const auto& [id, w] : want) EXPECT_EQ(got.count(id), 1u) << "missing: " << id;
}

TEST_F(RfaFeedsTest, English) {
  MW_REQUIRE_SHARED();
  int entries = 0;
  auto c = RunFeed(*matcher_, "rfa-english-nuus.xml", &entries);
  EXPECT_EQ(entries, 15);
  // One story on the camps carries them all: Uyghur(s)/Uighur 23 times,
  // Xinjiang 4, "detention camp(s)" 2, deport/deported/deportation 3.
  ExpectCounts(c, {{"uyghur", {1, 23}},
                   {"xinjiang", {1, 4}},
                   {"detention-camp", {1, 2}},
                   {"deportation", {1, 3}}});
}

TEST_F(RfaFeedsTest, Mandarin) {
  MW_REQUIRE_SHARED();
  int entries = 0;
  auto c = RunFeed(*matcher_, "rfa-mandarin-nuus.xml", &entries);
  EXPECT_EQ(entries, 15);
  // 新疆 six times in two stories; 维族 once, in a link "维族医师揭露器官移植黑幕"
  // (Enver Tohti); no 维吾尔/維吾爾, no 关恒 (a 2019 feed).
  ExpectCounts(c, {{"xinjiang", {2, 6}}, {"uyghur", {1, 1}}});
}

TEST_F(RfaFeedsTest, Uyghur) {
  MW_REQUIRE_SHARED();
  int entries = 0;
  auto c = RunFeed(*matcher_, "rfa-uyghur-nuus.xml", &entries);
  EXPECT_EQ(entries, 15);
  // ئۇيغۇر at a word start, with any suffix: 164 in 13 stories. The camps:
  // every word starting with لاگېر (no summer/training/sports camp in this
  // feed), 82 in 11 stories; the compounds (جازا لاگېرى, قايتا-تەربىيەلەش
  // لاگېرلىرى with a hyphen, ...) are counted once, as the longer hit.
  // Asylum: پاناھلىق forms 4 in 2; East Turkistan 2 in 2; شىنجاڭ 2 in 2.
  ExpectCounts(c, {{"uyghur", {13, 164}},
                   {"detention-camp", {11, 82}},
                   {"asylum", {2, 4}},
                   {"east-turkistan", {2, 2}},
                   {"xinjiang", {2, 2}}});
}

}  // namespace
}  // namespace mw
