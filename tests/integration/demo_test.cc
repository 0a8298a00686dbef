// `mediawatch demo` end to end: serves feeds/demo on loopback, crawls it, and
// must store exactly the articles and flags that feeds/demo/EXPECTED.toml
// (written by hand with the snapshot) says.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <map>
#include <set>

#include "parsers/url.h"
#include "storage/store.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

struct Expected {
  std::string url;
  std::string title;
  std::string language;
  std::set<std::string> matches;
};

std::vector<Expected> LoadExpected() {
  std::vector<Expected> out;
  auto path = testing::SourceDir() / "feeds" / "demo" / "EXPECTED.toml";
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    ADD_FAILURE() << path << ": " << e.description();
    return out;
  }
  const toml::array* articles = root["article"].as_array();
  if (articles == nullptr) {
    ADD_FAILURE() << path << " has no [[article]] tables";
    return out;
  }
  for (const toml::node& n : *articles) {
    const toml::table& t = *n.as_table();
    Expected e;
    e.url = t["url"].value_or(std::string());
    e.title = t["title"].value_or(std::string());
    e.language = t["language"].value_or(std::string());
    if (const toml::array* ms = t["matches"].as_array()) {
      for (const toml::node& m : *ms) e.matches.insert(m.value_or(std::string()));
    }
    out.push_back(std::move(e));
  }
  return out;
}

TEST(DemoTest, CrawlsTheSnapshotAndFlagsExactlyTheExpectedStories) {
  std::vector<Expected> expected = LoadExpected();
  ASSERT_GE(expected.size(), 12u);
  testing::TempDir dir;
  std::string db = (dir.path() / "demo-db").string();
  testing::CommandResult r = testing::RunCommand({MEDIAWATCH_BINARY, "demo", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Flagged stories"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Database: " + db), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 failed"), std::string::npos) << r.out;

  StoreOptions o;
  o.read_only = true;
  auto store = OpenRocksStore(db, o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto stats = (*store)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->articles, static_cast<int64_t>(expected.size()));

  std::map<std::string, std::set<std::string>> flagged;  // article id -> target ids
  std::map<std::string, std::set<std::string>> rules;    // article id -> rule ids
  auto hits = (*store)->QueryMatches({});
  ASSERT_TRUE(hits.ok());
  for (const MatchHit& h : *hits) {
    for (const MatchRecord& m : h.matches) {
      (m.kind == "rule" ? rules : flagged)[h.article.id].insert(m.target_id);
    }
  }

  std::set<std::string> languages;
  bool saw_big5 = false;
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.url);
    auto canonical = CanonicalizeUrl(e.url);
    ASSERT_TRUE(canonical.ok());
    std::string id = ArticleIdForUrl(*canonical);
    auto article = (*store)->GetArticle(id);
    ASSERT_TRUE(article.ok());
    ASSERT_TRUE(article->has_value()) << "not stored";
    const ArticleRecord& a = **article;
    EXPECT_EQ(a.title, e.title);
    EXPECT_EQ(a.language, e.language);
    EXPECT_FALSE(a.text.empty());
    EXPECT_EQ(a.text.find("\xEF\xBF\xBD"), std::string::npos) << "replacement characters in text";
    EXPECT_EQ(flagged[id], e.matches);
    // The example list's rules: guan-heng-deportation is a plain boolean of
    // the matched ids; the other two need the name (and more) as well.
    auto has = [&](const char* t) { return e.matches.count(t) > 0; };
    bool deportation = has("guan-heng") && (has("deportation") || has("asylum") || has("uganda") ||
                                            has("ice") || has("dhs"));
    EXPECT_EQ(rules[id].count("guan-heng-deportation") > 0, deportation);
    if (!has("guan-heng")) {
      EXPECT_TRUE(rules[id].empty());
    }
    languages.insert(e.language);
    if (a.charset.find("Big5") != std::string::npos ||
        a.charset.find("big5") != std::string::npos ||
        a.charset.find("1375") != std::string::npos) {
      saw_big5 = true;
    }
  }
  EXPECT_TRUE(saw_big5) << "no article was decoded from Big5";
  EXPECT_GE(languages.size(), 4u);  // en, zh, zh-Hant, ug
  size_t matching = 0;
  for (const Expected& e : expected) matching += e.matches.empty() ? 0 : 1;
  EXPECT_EQ(hits->size(), matching);
}

TEST(DemoTest, RefusesANonEmptyDatabaseDirectory) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "something", "x");
  testing::CommandResult r = testing::RunCommand({MEDIAWATCH_BINARY, "demo", "--db", dir.str()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mw
