// End-to-end: `mediawatch watchlist check FILE` on valid and invalid
// watch-lists — generated variants (Uyghur scripts, swapped name order,
// boundary flags), canonical rules, error messages with file:line, exit
// codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/command_test.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;
using testing::CommandResult;

// شىنجاڭ (Xinjiang, UEY): its ULY and USY forms are shinjang and шинҗаң.
constexpr std::string_view kValidList = R"(id = "test-case"
name = "Test case"

[[entity]]
id = "guan-heng"
name = "Guan Heng"
names = ["Guan Heng", "关恒"]
swap_name_order = true

[[entity]]
id = "zhou-fengsuo"
names = ["Zhou Fengsuo"]

[[keyword]]
id = "xinjiang"
terms = ["شىنجاڭ", "新疆"]

[[keyword]]
id = "deportation"
terms = ["deport*", { text = "Müller", fold_diacritics = true }, { text = "遣返", word_guard = true }]

[[rule]]
id = "gh-xinjiang"
name = "Guan Heng and Xinjiang"
query = 'guan-heng AND xinjiang OR "filmed camps"'

[[rule]]
id = "gh-deportation"
query = 'title:guan-heng AND NOT zhou-fengsuo NEAR/5 deportation'
)";

class WatchlistCheckTest : public testing::CommandTest {
 protected:
  WatchlistCheckTest() : CommandTest({"watchlist", "check"}) {}
};

// The target `id` of a check --json object (null when absent).
json Target(const json& j, std::string_view id) {
  for (const json& t : j["targets"]) {
    if (t["id"] == id) return t;
  }
  return json();
}

// The variants of term `text` of `target` (null when absent).
json Variants(const json& target, std::string_view text) {
  for (const json& t : target["terms"]) {
    if (t["text"] == text) return t["variants"];
  }
  return json();
}

// The variant folded to `folded` (null when absent).
json Variant(const json& variants, std::string_view folded) {
  for (const json& v : variants) {
    if (v["folded"] == folded) return v;
  }
  return json();
}

TEST_F(WatchlistCheckTest, JsonListsEveryTermWithItsVariants) {
  const json j = RunJson({Write("test.toml", kValidList)});
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["id"], "test-case");
  EXPECT_EQ(j["name"], "Test case");
  ASSERT_TRUE(j["targets"].is_array());
  ASSERT_EQ(j["targets"].size(), 4u) << j.dump(2);
  for (const json& t : j["targets"]) {
    for (const char* key : {"id", "kind", "name", "terms"}) EXPECT_TRUE(t.contains(key)) << key;
    for (const json& term : t["terms"]) {
      ASSERT_TRUE(term["text"].is_string());
      ASSERT_TRUE(term["variants"].is_array());
      EXPECT_FALSE(term["variants"].empty()) << term["text"];
      for (const json& v : term["variants"]) {
        EXPECT_TRUE(v["folded"].is_string());
        EXPECT_TRUE(v["how"].is_string());
        for (const char* flag : {"word_start", "word_end", "word_guard", "strip_diacritics"}) {
          EXPECT_TRUE(v[flag].is_boolean()) << flag;
        }
      }
    }
  }

  const json guan = Target(j, "guan-heng");
  EXPECT_EQ(guan["kind"], "entity");
  EXPECT_EQ(guan["name"], "Guan Heng");
  const json names = Variants(guan, "Guan Heng");
  const json as_written = Variant(names, "guan heng");
  ASSERT_TRUE(as_written.is_object()) << names.dump(2);
  EXPECT_EQ(as_written["how"], "as written");
  EXPECT_TRUE(as_written["word_start"]);
  EXPECT_TRUE(as_written["word_end"]);
  const json swapped = Variant(names, "heng guan");
  ASSERT_TRUE(swapped.is_object()) << names.dump(2);
  EXPECT_EQ(swapped["how"], "name order swapped");

  // Without swap_name_order there is no swapped variant.
  const json zhou = Variants(Target(j, "zhou-fengsuo"), "Zhou Fengsuo");
  EXPECT_TRUE(Variant(zhou, "zhou fengsuo").is_object()) << zhou.dump(2);
  EXPECT_TRUE(Variant(zhou, "fengsuo zhou").is_null()) << zhou.dump(2);
  EXPECT_EQ(Target(j, "zhou-fengsuo")["name"], "Zhou Fengsuo");  // defaults to the first name

  // The Arabic-script Uyghur term in its Latin and Cyrillic forms, at a word
  // start with any suffix.
  const json xinjiang = Target(j, "xinjiang");
  EXPECT_EQ(xinjiang["kind"], "keyword");
  const json uey = Variants(xinjiang, "شىنجاڭ");
  ASSERT_TRUE(uey.is_array());
  for (const char* folded : {"شىنجاڭ", "shinjang", "шинҗаң"}) {
    const json v = Variant(uey, folded);
    ASSERT_TRUE(v.is_object()) << folded << "\n" << uey.dump(2);
    EXPECT_TRUE(v["word_start"]) << folded;
    EXPECT_FALSE(v["word_end"]) << folded;
  }
  EXPECT_NE(Variant(uey, "shinjang")["how"].get<std::string>().find("ULY from UEY"),
            std::string::npos);
  EXPECT_NE(Variant(uey, "шинҗаң")["how"].get<std::string>().find("USY from UEY"),
            std::string::npos);

  // Han: no word boundaries.
  const json han = Variant(Variants(xinjiang, "新疆"), "新疆");
  ASSERT_TRUE(han.is_object());
  EXPECT_FALSE(han["word_start"]);
  EXPECT_FALSE(han["word_end"]);
  EXPECT_FALSE(han["word_guard"]);

  // Per-term options.
  const json deportation = Target(j, "deportation");
  const json wildcard = Variant(Variants(deportation, "deport*"), "deport");
  ASSERT_TRUE(wildcard.is_object()) << deportation.dump(2);
  EXPECT_TRUE(wildcard["word_start"]);
  EXPECT_FALSE(wildcard["word_end"]);
  const json muller = Variant(Variants(deportation, "Müller"), "muller");
  ASSERT_TRUE(muller.is_object()) << deportation.dump(2);
  EXPECT_TRUE(muller["strip_diacritics"]);
  const json guarded = Variant(Variants(deportation, "遣返"), "遣返");
  ASSERT_TRUE(guarded.is_object()) << deportation.dump(2);
  EXPECT_TRUE(guarded["word_guard"]);

  // Rules: as written and in canonical form.
  ASSERT_TRUE(j["rules"].is_array());
  ASSERT_EQ(j["rules"].size(), 2u);
  EXPECT_EQ(j["rules"][0]["id"], "gh-xinjiang");
  EXPECT_EQ(j["rules"][0]["name"], "Guan Heng and Xinjiang");
  EXPECT_EQ(j["rules"][0]["query"], "guan-heng AND xinjiang OR \"filmed camps\"");
  EXPECT_EQ(j["rules"][0]["canonical"], "((guan-heng AND xinjiang) OR \"filmed camps\")");
  EXPECT_EQ(j["rules"][1]["id"], "gh-deportation");
  EXPECT_EQ(j["rules"][1]["name"], "gh-deportation");  // defaults to the id
  EXPECT_EQ(j["rules"][1]["canonical"],
            "(title:guan-heng AND NOT (zhou-fengsuo NEAR/5 deportation))");
}

TEST_F(WatchlistCheckTest, TextListsVariantsFlagsAndRules) {
  const CommandResult r = Run({Write("test.toml", kValidList)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("watch-list test-case: Test case\n", 0), 0u) << r.out;
  for (const char* piece :
       {"\nentity guan-heng \"Guan Heng\"", "\n  term \"Guan Heng\"\n",
        "\n    \"heng guan\"  name order swapped [word start, word end]\n", "\nkeyword xinjiang ",
        "\n  term \"شىنجاڭ\"\n", "\"shinjang\"  as written, ULY from UEY",
        "\"шинҗаң\"  as written, USY from UEY", "[word start, any suffix]",
        "\n    \"新疆\"  as written [any prefix, any suffix]\n", "word guard]",
        "diacritics folded]", "\nrule gh-xinjiang \"Guan Heng and Xinjiang\"",
        "\n  canonical: ((guan-heng AND xinjiang) OR \"filmed camps\")\n",
        "\nvalid: 2 entities, 2 keywords, 8 terms, "}) {
    EXPECT_NE(r.out.find(piece), std::string::npos) << piece << "\n" << r.out;
  }
}

TEST_F(WatchlistCheckTest, ExampleWatchlistIsValid) {
  const std::string example = (testing::SourceDir() / "feeds/watchlists/guan-heng.toml").string();
  const CommandResult r = Run({example});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nvalid: "), std::string::npos) << r.out;
}

TEST_F(WatchlistCheckTest, SyntaxErrorNamesFileAndLineAndExits2) {
  const std::string file = Write("broken.toml",
                                 "id = \"x\"\n"
                                 "[[keyword]]\n"
                                 "id = \"a\"\n"
                                 "terms = [\"foo\"\n");
  for (bool json_flag : {false, true}) {
    const CommandResult r = json_flag ? Run({file, "--json"}) : Run({file});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("mediawatch watchlist: " + file + ":4:", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

TEST_F(WatchlistCheckTest, UnknownIdInRuleNamesFileLineAndColumn) {
  const std::string file = Write("rule.toml",
                                 "id = \"x\"\n"
                                 "[[keyword]]\n"
                                 "id = \"asylum\"\n"
                                 "terms = [\"asylum\"]\n"
                                 "\n"
                                 "[[rule]]\n"
                                 "id = \"r\"\n"
                                 "query = 'asylum AND asylm'\n");
  const CommandResult r = Run({file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(file + ":6: rule 'r': column 12: unknown id 'asylm'"), std::string::npos)
      << r.err;
}

TEST_F(WatchlistCheckTest, OtherInvalidListsExit2) {
  // A term with no letters is refused by the matcher, not the loader.
  const CommandResult no_letters =
      Run({Write("dots.toml", "id = \"x\"\n[[keyword]]\nid = \"a\"\nterms = [\"...\"]\n")});
  EXPECT_EQ(no_letters.exit_code, 2);
  EXPECT_NE(no_letters.err.find("no letters"), std::string::npos) << no_letters.err;
  EXPECT_NE(no_letters.err.find("dots.toml"), std::string::npos) << no_letters.err;

  const CommandResult unknown_key = Run({Write(
      "key.toml", "id = \"x\"\n[[keyword]]\nid = \"a\"\nterms = [\"a\"]\nlangauge = \"en\"\n")});
  EXPECT_EQ(unknown_key.exit_code, 2);
  EXPECT_NE(unknown_key.err.find("key.toml:5:"), std::string::npos) << unknown_key.err;

  const CommandResult cycle = Run({Write("cycle.toml",
                                         "id = \"x\"\n[[keyword]]\nid = \"a\"\nterms = [\"a\"]\n"
                                         "[[rule]]\nid = \"r1\"\nquery = 'a AND r2'\n"
                                         "[[rule]]\nid = \"r2\"\nquery = 'r1'\n")});
  EXPECT_EQ(cycle.exit_code, 2);
  EXPECT_NE(cycle.err.find("cycle"), std::string::npos) << cycle.err;
}

TEST_F(WatchlistCheckTest, UnreadableFileExits1) {
  const CommandResult missing = Run({(dir_.path() / "missing.toml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("missing.toml: no such file"), std::string::npos) << missing.err;
  const CommandResult directory = Run({dir_.str()});
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_NE(directory.err.find("is a directory"), std::string::npos) << directory.err;
}

TEST_F(WatchlistCheckTest, UsageErrorsExit2AndHelpMentionsJson) {
  EXPECT_EQ(Run({}).exit_code, 2);
  EXPECT_EQ(Run({Write("a.toml", kValidList), "--frobnicate"}).exit_code, 2);
  const CommandResult help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--json"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace mw
