#include "watch/watchlist.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace mw {
namespace {

constexpr std::string_view kGood = R"(
id = "guan-heng-case"
name = "Guan Heng case"

[[entity]]
id = "guan-heng"
names = ["Guan Heng", "关恒", "關恆"]

[[keyword]]
id = "xinjiang"
name = "Xinjiang"
terms = ["Xinjiang", "新疆"]
)";

TEST(WatchlistTest, ParsesEntitiesAndKeywords) {
  auto w = ParseWatchlist(kGood, "good.toml");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->id, "guan-heng-case");
  EXPECT_EQ(w->name, "Guan Heng case");
  ASSERT_EQ(w->targets.size(), 2u);
  EXPECT_EQ(w->targets[0].kind, TargetKind::kEntity);
  EXPECT_EQ(w->targets[0].name, "Guan Heng");  // defaults to the first name
  EXPECT_EQ(w->targets[0].terms.size(), 3u);
  EXPECT_EQ(w->targets[1].kind, TargetKind::kKeyword);
  EXPECT_EQ(w->targets[1].terms[1].text, "新疆");
}

struct BadCase {
  const char* name;
  std::string toml;
  const char* expected;  // substring of the error message
};

class WatchlistErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(WatchlistErrorTest, RejectsWithFileLineAndReason) {
  auto w = ParseWatchlist(GetParam().toml, "bad.toml");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(w.status().message().find(GetParam().expected), std::string::npos)
      << w.status().message();
  EXPECT_EQ(w.status().message().rfind("bad.toml", 0), 0u) << w.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WatchlistErrorTest,
    ::testing::Values(
        BadCase{"syntax", "id = \"x\"\n[[entity]\n", "bad.toml:2"},
        BadCase{"missing_id", "name = \"x\"\n[[entity]]\nid=\"a\"\nnames=[\"a\"]\n",
                "'id' is required"},
        BadCase{"bad_id", "id = \"Has Space\"\n[[entity]]\nid=\"a\"\nnames=[\"a\"]\n",
                "must match"},
        BadCase{"unknown_key", "id = \"x\"\ncolour = 1\n[[entity]]\nid=\"a\"\nnames=[\"a\"]\n",
                "bad.toml:2: unknown key 'colour'"},
        BadCase{"unknown_target_key", "id = \"x\"\n[[entity]]\nid=\"a\"\nterms=[\"a\"]\n",
                "unknown key 'terms'"},
        BadCase{"empty_names", "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[]\n", "non-empty array"},
        BadCase{"non_string", "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\", 3]\n",
                "only strings"},
        BadCase{"blank_term", "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"  \"]\n", "empty term"},
        BadCase{
            "duplicate",
            "id = "
            "\"x\"\n[[entity]]\nid=\"a\"\nnames=[\"a\"]\n[[keyword]]\nid=\"a\"\nterms=[\"b\"]\n",
            "duplicate target id 'a'"},
        BadCase{"no_targets", "id = \"x\"\n", "at least one"},
        BadCase{"entity_not_table", "id = \"x\"\nentity = \"a\"\n", "[[entity]]"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(WatchlistTest, LimitsAreEnforced) {
  WatchlistLimits limits;
  limits.max_term_bytes = 4;
  auto w =
      ParseWatchlist("id=\"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"toolong\"]\n", "l.toml", limits);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("longer than 4 bytes"), std::string::npos);
  limits = {};
  limits.max_file_bytes = 10;
  EXPECT_FALSE(ParseWatchlist(kGood, "big.toml", limits).ok());
}

TEST(WatchlistTest, LoadsDirectorySortedAndRejectsDuplicateIds) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "b.toml", kGood);
  testing::WriteFile(dir.path() / "a.toml", "id=\"other\"\n[[keyword]]\nid=\"k\"\nterms=[\"x\"]\n");
  testing::WriteFile(dir.path() / "notes.txt", "ignored");
  auto lists = LoadWatchlistDir(dir.path());
  ASSERT_TRUE(lists.ok()) << lists.status().ToString();
  ASSERT_EQ(lists->size(), 2u);
  EXPECT_EQ((*lists)[0].id, "other");
  EXPECT_EQ((*lists)[1].id, "guan-heng-case");

  testing::WriteFile(dir.path() / "c.toml", kGood);
  auto dup = LoadWatchlistDir(dir.path());
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("already used"), std::string::npos);
}

TEST(WatchlistTest, MissingDirectoryIsEmpty) {
  testing::TempDir dir;
  auto lists = LoadWatchlistDir(dir.path() / "nope");
  ASSERT_TRUE(lists.ok());
  EXPECT_TRUE(lists->empty());
}

TEST(WatchlistTest, BundledExampleWatchlistLoads) {
  auto w = LoadWatchlistFile(testing::SourceDir() / "feeds" / "watchlists" / "guan-heng.toml");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_GE(w->targets.size(), 3u);
}

}  // namespace
}  // namespace mw
