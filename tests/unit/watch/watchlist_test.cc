#include "watch/watchlist.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"
#include "watch/query.h"

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

constexpr std::string_view kFull = R"toml(id = "full"

[[entity]]
id = "guan-heng"
swap_name_order = true
notes = "the whistleblower"
names = [
  "Guan Heng",
  { text = "Müller", fold_diacritics = true },
  { text = "关恒", word_guard = true },
]

[[entity]]
id = "plain"
fold_diacritics = true
word_guard = true
names = ["José", { text = "关恒大", word_guard = false }, { text = "Zoë", fold_diacritics = false }]

[[keyword]]
id = "deportation"
name = "Deportation"
word_guard = true
notes = "n"
terms = ["deport", { text = "遣返" }]

[[rule]]
id = "guan-heng-deportation"
name = "Guan Heng and deportation"
query = 'guan-heng AND (deportation OR "removal") AND NOT plain'
notes = "the core story"

[[rule]]
id = "headline"
query = """
title:guan-heng
  OR (guan-heng-deportation AND guan-heng NEAR/10 deportation)"""
)toml";

TEST(WatchlistTest, ParsesTermOptionsRulesAndLines) {
  auto w = ParseWatchlist(kFull, "full.toml");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_EQ(w->targets.size(), 3u);

  const WatchTarget& guan = w->targets[0];
  EXPECT_EQ(guan.line, 3);
  EXPECT_TRUE(guan.swap_name_order);
  ASSERT_EQ(guan.terms.size(), 3u);
  EXPECT_EQ(guan.terms[0].text, "Guan Heng");
  EXPECT_FALSE(guan.terms[0].fold_diacritics);
  EXPECT_FALSE(guan.terms[0].word_guard);
  EXPECT_EQ(guan.terms[0].line, 8);
  EXPECT_EQ(guan.terms[1].text, "Müller");
  EXPECT_TRUE(guan.terms[1].fold_diacritics);
  EXPECT_FALSE(guan.terms[1].word_guard);
  EXPECT_EQ(guan.terms[1].line, 9);
  EXPECT_EQ(guan.terms[2].text, "关恒");
  EXPECT_TRUE(guan.terms[2].word_guard);
  EXPECT_EQ(guan.terms[2].line, 10);

  // The target's options are the defaults of its terms; a term table overrides them.
  const WatchTarget& plain = w->targets[1];
  EXPECT_EQ(plain.line, 13);
  EXPECT_FALSE(plain.swap_name_order);
  ASSERT_EQ(plain.terms.size(), 3u);
  EXPECT_TRUE(plain.terms[0].fold_diacritics);
  EXPECT_TRUE(plain.terms[0].word_guard);
  EXPECT_TRUE(plain.terms[1].fold_diacritics);
  EXPECT_FALSE(plain.terms[1].word_guard);
  EXPECT_FALSE(plain.terms[2].fold_diacritics);
  EXPECT_TRUE(plain.terms[2].word_guard);
  EXPECT_EQ(plain.terms[2].line, 17);

  const WatchTarget& deportation = w->targets[2];
  EXPECT_EQ(deportation.kind, TargetKind::kKeyword);
  EXPECT_EQ(deportation.line, 19);
  EXPECT_FALSE(deportation.swap_name_order);
  EXPECT_TRUE(deportation.terms[1].word_guard);
  EXPECT_FALSE(deportation.terms[1].fold_diacritics);
  EXPECT_EQ(deportation.terms[1].text, "遣返");

  ASSERT_EQ(w->rules.size(), 2u);
  EXPECT_EQ(w->rules[0].id, "guan-heng-deportation");
  EXPECT_EQ(w->rules[0].name, "Guan Heng and deportation");
  EXPECT_EQ(w->rules[0].query, R"(guan-heng AND (deportation OR "removal") AND NOT plain)");
  EXPECT_EQ(w->rules[0].line, 26);
  EXPECT_EQ(w->rules[1].id, "headline");
  EXPECT_EQ(w->rules[1].name, "headline");  // defaults to the id
  EXPECT_EQ(w->rules[1].line, 32);

  auto queries = ParseRuleQueries(*w);
  ASSERT_TRUE(queries.ok()) << queries.status().message();
  EXPECT_EQ((*queries)[0].phrases(), std::vector<std::string>{"removal"});
  EXPECT_EQ((*queries)[1].rule_ids(), std::vector<std::string>{"guan-heng-deportation"});
  auto order = OrderRules(w->rules, *queries);
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(*order, (std::vector<size_t>{0, 1}));
}

TEST(WatchlistTest, RulesMayComeBeforeWhatTheyReference) {
  auto w = ParseWatchlist(R"(id = "w"
[[rule]]
id = "both"
query = 'either AND k'
[[rule]]
id = "either"
query = 'e OR k'
[[entity]]
id = "e"
names = ["E"]
[[keyword]]
id = "k"
terms = ["K"]
)",
                          "w.toml");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto queries = ParseRuleQueries(*w);
  ASSERT_TRUE(queries.ok());
  auto order = OrderRules(w->rules, *queries);
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(*order, (std::vector<size_t>{1, 0}));
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
        BadCase{"entity_not_table", "id = \"x\"\nentity = \"a\"\n", "[[entity]]"},
        // Term options and inline-table terms.
        BadCase{"swap_on_keyword",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\nswap_name_order = true\n",
                "bad.toml:5: keyword #1: 'swap_name_order' applies only to [[entity]] names"},
        BadCase{"swap_not_bool",
                "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[\"a\"]\nswap_name_order = \"yes\"\n",
                "bad.toml:5: entity #1 'a': 'swap_name_order' must be true or false"},
        BadCase{"fold_not_bool",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\nfold_diacritics = 1\n",
                "bad.toml:5: keyword #1 'a': 'fold_diacritics' must be true or false"},
        BadCase{"term_table_unknown_key",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\",\n {text=\"b\", colour=1}]\n",
                "bad.toml:5: unknown key 'colour' in a term of keyword #1 'a' (allowed: text, "
                "fold_diacritics, word_guard, case_sensitive)"},
        BadCase{"term_table_without_text",
                "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[{word_guard=true}]\n",
                "bad.toml:4: entity #1 'a': term table needs 'text'"},
        BadCase{"term_table_text_not_string",
                "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[{text=3}]\n",
                "bad.toml:4: entity #1 'a': term 'text' must be a string"},
        BadCase{"term_table_blank_text", "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[{text=\" \"}]\n",
                "bad.toml:4: entity "
                "#1 'a': empty term"},
        BadCase{"term_table_bool_not_bool",
                "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[{text=\"a\", word_guard=\"no\"}]\n",
                "'word_guard' must be true or false"},
        BadCase{"term_array_of_arrays", "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[[\"a\"]]\n",
                "bad.toml:4: entity #1 'a': 'names' must contain only strings or { text"},
        // Rules.
        BadCase{"rule_without_query",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"r\"\n",
                "bad.toml:5: rule 'r': 'query' is required"},
        BadCase{"rule_query_not_string",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"r\"\nquery=[\"a\"]\n",
                "bad.toml:7: rule 'r': 'query' must be a string"},
        BadCase{"rule_blank_query",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"r\"\nquery=\"  \"\n",
                "bad.toml:7: rule 'r': empty query"},
        BadCase{"rule_unknown_key",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"r\"\nquery=\"a\"\nterms=[\"b\"]\n",
                "bad.toml:8: unknown key 'terms' in rule #1 (allowed: id, name, query, notes)"},
        BadCase{"rule_bad_id",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"R 1\"\nquery=\"a\"\n",
                "bad.toml:5: rule #1: 'id' is required and must match"},
        BadCase{"rule_not_table",
                "id = \"x\"\nrule = \"a AND b\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n",
                "bad.toml:2: 'rule' must be written as [[rule]] tables"},
        BadCase{"rule_syntax",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"r\"\nquery='a AND (a OR'\n",
                "bad.toml:5: rule 'r': column 12: expected an id, a quoted phrase, 'title:', "
                "'NOT' or '(' after 'OR', found the end of the query"},
        BadCase{"rule_unknown_id",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"r\"\nquery='a AND sports'\n",
                "bad.toml:5: rule 'r': column 7: unknown id 'sports'"},
        BadCase{"rule_near_over_rule",
                "id = \"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
                "[[rule]]\nid=\"r\"\nquery='a'\n"
                "[[rule]]\nid=\"s\"\nquery='r NEAR/2 a'\n",
                "bad.toml:8: rule 's': column 1: NEAR operand cannot be rule 'r'"},
        BadCase{"rule_cycle",
                "id = \"x\"\n[[keyword]]\nid=\"k\"\nterms=[\"k\"]\n"
                "[[rule]]\nid=\"a\"\nquery='k AND b'\n"
                "[[rule]]\nid=\"b\"\nquery='NOT a'\n",
                "bad.toml:5: rule 'a': reference cycle a -> b -> a"},
        BadCase{"rule_self_reference",
                "id = \"x\"\n[[keyword]]\nid=\"k\"\nterms=[\"k\"]\n"
                "[[rule]]\nid=\"a\"\nquery='k OR a'\n",
                "bad.toml:5: rule 'a': reference cycle a -> a"},
        BadCase{"rule_duplicates_entity",
                "id = \"x\"\n[[entity]]\nid=\"a\"\nnames=[\"a\"]\n"
                "[[rule]]\nid=\"a\"\nquery='a'\n",
                "bad.toml:5: duplicate id 'a': rule, already the entity at line 2"},
        BadCase{"rule_duplicates_keyword",
                "id = \"x\"\n[[keyword]]\nid=\"k\"\nterms=[\"k\"]\n"
                "[[rule]]\nid=\"k\"\nquery='k'\n",
                "bad.toml:5: duplicate id 'k': rule, already the keyword at line 2"},
        BadCase{"rule_duplicates_rule",
                "id = \"x\"\n[[keyword]]\nid=\"k\"\nterms=[\"k\"]\n"
                "[[rule]]\nid=\"r\"\nquery='k'\n"
                "[[rule]]\nid=\"r\"\nquery='k'\n",
                "bad.toml:8: duplicate id 'r': rule, already the rule at line 5"},
        BadCase{"rules_without_targets", "id = \"x\"\n[[rule]]\nid=\"r\"\nquery='r'\n",
                "a watch-list needs at least one [[entity]] or [[keyword]]"}),
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

  limits = {};
  limits.max_term_bytes = 4;
  w = ParseWatchlist("id=\"x\"\n[[keyword]]\nid=\"a\"\nterms=[{ text = \"toolong\" }]\n", "l.toml",
                     limits);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("l.toml:4: keyword #1 'a': term longer than 4 bytes"),
            std::string::npos)
      << w.status().message();
  // Rule phrases are terms too.
  w = ParseWatchlist(
      "id=\"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n[[rule]]\nid=\"r\"\n"
      "query='a OR \"toolong\"'\n",
      "l.toml", limits);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("l.toml:5: rule 'r': phrase longer than 4 bytes"),
            std::string::npos)
      << w.status().message();

  const std::string rules =
      "id=\"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n"
      "[[rule]]\nid=\"r1\"\nquery='a'\n[[rule]]\nid=\"r2\"\nquery='a'\n"
      "[[rule]]\nid=\"r3\"\nquery='a   AND   a'\n";
  EXPECT_TRUE(ParseWatchlist(rules, "l.toml").ok());
  limits = {};
  limits.max_rules = 2;
  w = ParseWatchlist(rules, "l.toml", limits);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("l.toml:11: more than 2 rules"), std::string::npos)
      << w.status().message();
  limits = {};
  limits.max_query_bytes = 9;
  w = ParseWatchlist(rules, "l.toml", limits);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("l.toml:13: rule 'r3': query longer than 9 bytes"),
            std::string::npos)
      << w.status().message();
  // The default query limit is 4 KiB.
  std::string big = "id=\"x\"\n[[keyword]]\nid=\"a\"\nterms=[\"a\"]\n[[rule]]\nid=\"r\"\nquery='a" +
                    std::string(4096, ' ') + "'\n";
  w = ParseWatchlist(big, "l.toml");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("query longer than 4096 bytes"), std::string::npos)
      << w.status().message();
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
  ASSERT_EQ(w->targets[0].id, "guan-heng");
  EXPECT_TRUE(w->targets[0].swap_name_order);
}

TEST(WatchlistTest, ExampleRulesValidateAgainstTheBundledWatchlist) {
  auto w = LoadWatchlistFile(testing::SourceDir() / "feeds" / "watchlists" / "guan-heng.toml");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_EQ(w->rules.size(), 3u);
  auto queries = ParseRuleQueries(*w);
  ASSERT_TRUE(queries.ok()) << queries.status().message();
  auto order = OrderRules(w->rules, *queries);
  ASSERT_TRUE(order.ok()) << order.status().message();
  EXPECT_EQ(*order, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ((*queries)[2].rule_ids(), std::vector<std::string>{"guan-heng-deportation"});
}

}  // namespace
}  // namespace mw
