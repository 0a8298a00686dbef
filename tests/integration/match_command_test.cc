// End-to-end: `mediawatch match --watchlist FILE [FILE|-]` — hits in any
// script with exact byte offsets into the original title and text, rules,
// --html (offsets into the extracted text), stdin, the input size limit,
// invalid UTF-8, exit codes.
#include <gtest/gtest.h>

#include <algorithm>
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
using testing::RunCommand;

constexpr std::string_view kList = R"(id = "test-case"
name = "Test case"

[[entity]]
id = "guan-heng"
names = ["Guan Heng", "关恒"]
swap_name_order = true

[[keyword]]
id = "xinjiang"
terms = ["شىنجاڭ", "新疆"]

[[keyword]]
id = "deportation"
terms = ["deport*", "遣返"]

[[keyword]]
id = "sports"
terms = ["football"]

[[rule]]
id = "gh-xinjiang"
query = 'guan-heng AND xinjiang'

[[rule]]
id = "gh-deportation"
query = 'guan-heng AND deportation AND NOT sports'

[[rule]]
id = "gh-lead"
query = 'title:guan-heng'
)";

// Traditional Chinese, upper case, a Uyghur word with a case suffix
// (شىنجاڭدىكى "in Xinjiang") and the ULY spelling; "Guan Hengyu" must not
// match (whole words only).
constexpr std::string_view kText =
    "關恆 filmed the camps.\n"
    "GUAN HENG said that شىنجاڭدىكى camps and Shinjang are the same place. "
    "Guan Hengyu is someone else.";

// One expected hit.
struct Hit {
  std::string id;
  std::string kind;
  std::string term;
  std::string field;
  size_t start = 0;
  size_t end = 0;
};

// The span of the first occurrence of `needle` in `haystack` (from `from`).
Hit At(std::string id, std::string kind, std::string term, std::string field,
       std::string_view haystack, std::string_view needle, size_t from = 0) {
  const size_t start = haystack.find(needle, from);
  EXPECT_NE(start, std::string_view::npos) << needle;
  return {std::move(id),    std::move(kind), std::move(term),
          std::move(field), start,           start + needle.size()};
}

void ExpectHits(const json& j, const std::vector<Hit>& expected) {
  ASSERT_TRUE(j["matches"].is_array()) << j.dump(2);
  ASSERT_EQ(j["matches"].size(), expected.size()) << j.dump(2);
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& m = j["matches"][i];
    const Hit& e = expected[i];
    SCOPED_TRACE("match " + std::to_string(i) + ": " + m.dump());
    EXPECT_EQ(m["id"], e.id);
    EXPECT_EQ(m["watchlist"], "test-case");
    EXPECT_EQ(m["kind"], e.kind);
    EXPECT_EQ(m["term"], e.term);
    EXPECT_EQ(m["field"], e.field);
    EXPECT_EQ(m["start"], e.start);
    EXPECT_EQ(m["end"], e.end);
    EXPECT_TRUE(m["snippet"].is_string());
  }
}

std::vector<std::string> Rules(const json& j) {
  EXPECT_TRUE(j["rules"].is_array()) << j.dump(2);
  return j["rules"].get<std::vector<std::string>>();
}

class MatchCommandTest : public testing::CommandTest {
 protected:
  MatchCommandTest() : CommandTest({"match"}) {}

  std::string List() { return Write("list.toml", kList); }

  // `mediawatch match ARGS < input` through /bin/sh (RunCommand's stdin is
  // /dev/null).
  CommandResult RunWithStdin(const std::vector<std::string>& args, const std::string& input) {
    std::vector<std::string> argv = {"/bin/sh", "-c",  "f=$1; shift; exec \"$@\" < \"$f\"",
                                     "sh",      input, MEDIAWATCH_BINARY,
                                     "match"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, 60);
  }
};

TEST_F(MatchCommandTest, JsonHasEveryHitWithOffsetsIntoTheOriginalText) {
  const std::string text(kText);
  const json j = RunJson({"--watchlist", List(), Write("story.txt", text)});
  ASSERT_TRUE(j.is_object());
  ExpectHits(j, {
                    At("guan-heng", "entity", "关恒", "text", text, "關恆"),
                    At("guan-heng", "entity", "Guan Heng", "text", text, "GUAN HENG"),
                    // A Uyghur suffix belongs to the hit.
                    At("xinjiang", "keyword", "شىنجاڭ", "text", text, "شىنجاڭدىكى"),
                    At("xinjiang", "keyword", "شىنجاڭ", "text", text, "Shinjang"),
                });
  EXPECT_EQ(Rules(j), std::vector<std::string>{"gh-xinjiang"});
  // The snippet is the original text around the target's first hit.
  EXPECT_NE(j["matches"][0]["snippet"].get<std::string>().find("關恆"), std::string::npos);
  EXPECT_NE(j["matches"][2]["snippet"].get<std::string>().find("شىنجاڭدىكى"), std::string::npos);
}

TEST_F(MatchCommandTest, TitleHitsComeFirstAndRulesSeeTheTitle) {
  const std::string text(kText);
  const std::string title = "Heng Guan deported";
  const std::string list = List();
  const std::string story = Write("story.txt", text);
  const json j = RunJson({"--watchlist", list, "--title", title, story});
  ExpectHits(j, {
                    At("guan-heng", "entity", "Guan Heng", "title", title, "Heng Guan"),
                    At("guan-heng", "entity", "关恒", "text", text, "關恆"),
                    At("guan-heng", "entity", "Guan Heng", "text", text, "GUAN HENG"),
                    At("xinjiang", "keyword", "شىنجاڭ", "text", text, "شىنجاڭدىكى"),
                    At("xinjiang", "keyword", "شىنجاڭ", "text", text, "Shinjang"),
                    At("deportation", "keyword", "deport*", "title", title, "deported"),
                });
  EXPECT_EQ(Rules(j), (std::vector<std::string>{"gh-xinjiang", "gh-deportation", "gh-lead"}));

  // NOT sports: a football story does not fire gh-deportation.
  const json sports = RunJson({"--watchlist", list, "--title", title,
                               Write("sports.txt", text + " The football season starts.")});
  EXPECT_EQ(Rules(sports), (std::vector<std::string>{"gh-xinjiang", "gh-lead"}));
}

TEST_F(MatchCommandTest, TextOutputHasOneLinePerHitAndTheRules) {
  const std::string text(kText);
  const CommandResult r =
      Run({"--watchlist", List(), "--title", "Heng Guan deported", Write("story.txt", text)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Hit uyghur = At("xinjiang", "keyword", "شىنجاڭ", "text", text, "شىنجاڭدىكى");
  for (const std::string& line : {
           std::string("title 0-9 guan-heng \"Guan Heng\": [Heng Guan] deported\n"),
           std::string("text 0-6 guan-heng \"关恒\": [關恆] filmed the camps. GUAN HENG"),
           "text " + std::to_string(uyghur.start) + "-" + std::to_string(uyghur.end) +
               " xinjiang \"شىنجاڭ\": ",
           std::string("[شىنجاڭدىكى]"),
           std::string("title 10-18 deportation \"deport*\": Heng Guan [deported]\n"),
       }) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("\nrules: gh-xinjiang, gh-deportation, gh-lead\n"), std::string::npos)
      << r.out;
  // The listing is one line per hit: 6 hits and the rules line.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 7) << r.out;
}

TEST_F(MatchCommandTest, NothingFoundStillExits0) {
  const std::string list = List();
  const std::string story = Write("other.txt", "A story about something else entirely.");
  const json j = RunJson({"--watchlist", list, story});
  EXPECT_TRUE(j["matches"].is_array() && j["matches"].empty()) << j.dump();
  EXPECT_TRUE(Rules(j).empty());
  const CommandResult r = Run({"--watchlist", list, story});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "no matches\nrules: none\n");
}

TEST_F(MatchCommandTest, HtmlOffsetsReferToTheExtractedTitleAndText) {
  const std::string page =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
      "<title>Guan Heng fights deportation</title></head><body>"
      "<nav><a href=\"/\">Home</a> <a href=\"/x\">Shinjang navigation</a></nav>"
      "<article><h1>Guan Heng fights deportation</h1>"
      "<p>The filmmaker &#38364;&#24646; recorded camps in Shinjang and now faces removal. "
      "He says he will be deported if the court agrees, and many of his supporters gathered "
      "in front of the building on Monday.</p>"
      "<p>Another paragraph of text so that the extractor is sure this is the article, with "
      "more words about the hearing and the lawyers who represent him.</p>"
      "</article></body></html>";
  const std::string file = Write("page.html", page);

  // What extract sees is what match matches.
  const CommandResult extracted = RunCommand({MEDIAWATCH_BINARY, "extract", file, "--json"}, 60);
  ASSERT_EQ(extracted.exit_code, 0) << extracted.err;
  const json article = json::parse(extracted.out);
  const std::string title = article["title"];
  const std::string text = article["text"];
  ASSERT_EQ(title, "Guan Heng fights deportation");
  ASSERT_EQ(text.find("Shinjang navigation"), std::string::npos) << text;

  const json j = RunJson({"--watchlist", List(), "--html", file});
  ExpectHits(j, {
                    At("guan-heng", "entity", "Guan Heng", "title", title, "Guan Heng"),
                    At("guan-heng", "entity", "关恒", "text", text, "關恆"),
                    At("xinjiang", "keyword", "شىنجاڭ", "text", text, "Shinjang"),
                    At("deportation", "keyword", "deport*", "title", title, "deportation"),
                    At("deportation", "keyword", "deport*", "text", text, "deported"),
                });
  EXPECT_EQ(Rules(j), (std::vector<std::string>{"gh-xinjiang", "gh-deportation", "gh-lead"}));

  // The title comes from the page.
  EXPECT_EQ(Run({"--watchlist", List(), "--html", "--title", "x", file}).exit_code, 2);
  // No article: exit 1.
  const CommandResult empty = Run({"--watchlist", List(), "--html", Write("empty.html", "")});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_EQ(empty.err.rfind("mediawatch match: ", 0), 0u) << empty.err;
}

TEST_F(MatchCommandTest, ReadsStdin) {
  const std::string text(kText);
  const std::string input = Write("story.txt", text);
  const std::string list = List();
  for (bool dash : {true, false}) {
    std::vector<std::string> args = {"--watchlist", list, "--json"};
    if (dash) args.push_back("-");
    const CommandResult r = RunWithStdin(args, input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    ExpectHits(j, {
                      At("guan-heng", "entity", "关恒", "text", text, "關恆"),
                      At("guan-heng", "entity", "Guan Heng", "text", text, "GUAN HENG"),
                      At("xinjiang", "keyword", "شىنجاڭ", "text", text, "شىنجاڭدىكى"),
                      At("xinjiang", "keyword", "شىنجاڭ", "text", text, "Shinjang"),
                  });
  }
}

TEST_F(MatchCommandTest, InputOver8MiBIsRefused) {
  constexpr size_t kLimit = 8u << 20;
  // Exactly the limit is accepted (spaces fold fast, even under ASan).
  std::string exact(kLimit - 9, ' ');
  exact += "Guan Heng";
  const std::string list = List();
  const json j = RunJson({"--watchlist", list, Write("exact.txt", exact)});
  ExpectHits(j, {At("guan-heng", "entity", "Guan Heng", "text", exact, "Guan Heng")});

  exact += ' ';
  const std::string over = Write("over.txt", exact);
  const CommandResult file = Run({"--watchlist", list, over});
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_EQ(file.out, "");
  EXPECT_NE(file.err.find("over.txt: file of 8388609 bytes is larger than the limit of 8 MiB"),
            std::string::npos)
      << file.err;
  const CommandResult piped = RunWithStdin({"--watchlist", list}, over);
  EXPECT_EQ(piped.exit_code, 1);
  EXPECT_NE(piped.err.find("<stdin>: input larger than the limit of 8 MiB"), std::string::npos)
      << piped.err;
}

TEST_F(MatchCommandTest, InvalidUtf8IsReplacedAndOffsetsReferToTheRepairedText) {
  // "\xE4\xB8" is a truncated 3-byte sequence: one U+FFFD (3 bytes) for its
  // 2 bytes; "\xFF\xFE" are two ill-formed bytes: two U+FFFD.
  const std::string bad = std::string("ab\xE4\xB8 Guan Heng \xFF\xFE 关恒");
  const std::string repaired = "ab\uFFFD Guan Heng \uFFFD\uFFFD 关恒";
  const CommandResult r = Run({"--watchlist", List(), "--json", Write("bad.txt", bad)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("bad.txt: 3 invalid UTF-8 sequences replaced with U+FFFD"),
            std::string::npos)
      << r.err;
  const json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(j.is_object()) << r.out;
  ExpectHits(j, {
                    At("guan-heng", "entity", "Guan Heng", "text", repaired, "Guan Heng"),
                    At("guan-heng", "entity", "关恒", "text", repaired, "关恒"),
                });
  EXPECT_EQ(j["matches"][0]["start"], 6);  // not 5, its offset in the raw bytes
  EXPECT_EQ(j["matches"][0]["snippet"], repaired);

  // Valid UTF-8 (with a BOM) is not touched: offsets count the BOM.
  const std::string bom = "\xEF\xBB\xBFGuan Heng";
  const CommandResult clean = Run({"--watchlist", List(), "--json", Write("bom.txt", bom)});
  ASSERT_EQ(clean.exit_code, 0);
  EXPECT_EQ(clean.err, "");
  const json k = json::parse(clean.out, nullptr, false);
  ExpectHits(k, {At("guan-heng", "entity", "Guan Heng", "text", bom, "Guan Heng")});
}

TEST_F(MatchCommandTest, SeveralWatchlists) {
  const std::string other = Write("other.toml",
                                  "id = \"other\"\n[[keyword]]\nid = \"camps\"\n"
                                  "terms = [\"camps\"]\n");
  const json j = RunJson({"--watchlist", List(), "--watchlist", other,
                          Write("story.txt", "Guan Heng filmed the camps.")});
  ASSERT_EQ(j["matches"].size(), 2u) << j.dump(2);
  EXPECT_EQ(j["matches"][0]["watchlist"], "test-case");
  EXPECT_EQ(j["matches"][1]["watchlist"], "other");
  EXPECT_EQ(j["matches"][1]["id"], "camps");
  EXPECT_EQ(j["matches"][1]["start"], 21);
  EXPECT_EQ(j["matches"][1]["end"], 26);

  // The same watch-list id twice is a configuration error.
  const CommandResult twice =
      Run({"--watchlist", List(), "--watchlist", List(), Write("s.txt", "x")});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("already used"), std::string::npos) << twice.err;
}

TEST_F(MatchCommandTest, ExitCodes) {
  const std::string story = Write("story.txt", std::string(kText));
  const std::string list = List();

  const CommandResult missing_input = Run({"--watchlist", list, dir_.str() + "/missing.txt"});
  EXPECT_EQ(missing_input.exit_code, 1);
  EXPECT_NE(missing_input.err.find("missing.txt: no such file"), std::string::npos)
      << missing_input.err;
  EXPECT_EQ(Run({"--watchlist", list, dir_.str()}).exit_code, 1);

  const CommandResult missing_list = Run({"--watchlist", dir_.str() + "/none.toml", story});
  EXPECT_EQ(missing_list.exit_code, 1);
  EXPECT_NE(missing_list.err.find("none.toml: no such file"), std::string::npos)
      << missing_list.err;

  const std::string broken =
      Write("broken.toml", "id = \"x\"\n[[keyword]]\nid = \"a\"\nterms = [\n");
  const CommandResult invalid = Run({"--watchlist", broken, story});
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_EQ(invalid.err.rfind("mediawatch match: " + broken + ":", 0), 0u) << invalid.err;

  EXPECT_EQ(Run({story}).exit_code, 2);  // --watchlist is required
  EXPECT_EQ(Run({"--watchlist", list, story, "--frobnicate"}).exit_code, 2);
}

TEST_F(MatchCommandTest, HelpDocumentsJsonOffsetsAndExitCodes) {
  const CommandResult help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* piece : {"--json", "--watchlist", "--html", "--title", "UTF-8 byte offsets",
                            "extracted title or text", "U+FFFD", "8 MiB", "Exit codes: 0"}) {
    EXPECT_NE(help.out.find(piece), std::string::npos) << piece << "\n" << help.out;
  }
}

}  // namespace
}  // namespace mw
