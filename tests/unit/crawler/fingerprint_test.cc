// Fingerprints in the crawl pipeline: the same wire story at two outlets
// (other URL, other feed, new headline, appended boilerplate) lands in one
// syndication cluster; short texts and unrelated stories do not.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "crawler/pipeline.h"
#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/crawler/crawl_fixtures.h"
#include "text/normalizer.h"
#include "text/simhash.h"
#include "watch/matcher.h"

namespace mw {
namespace {

std::string Paragraphs(const std::string& seed_words, int sentences) {
  // Varied sentences: a counter word keeps shingles from repeating.
  static const char* const kNumbers[] = {"one",    "two",    "three",    "four",    "five",
                                         "six",    "seven",  "eight",    "nine",    "ten",
                                         "eleven", "twelve", "thirteen", "fourteen"};
  std::string html;
  for (int i = 0; i < sentences; ++i) {
    html += "<p>" + seed_words + " in paragraph " + kNumbers[i % 14] + " witnesses counted " +
            std::to_string(i * 7 + 3) + " vehicles near the " + kNumbers[(i * 5) % 14] +
            " gate.</p>";
  }
  return html;
}

std::string Page(const std::string& title, const std::string& body) {
  return "<html><head><title>" + title + "</title></head><body><article><h1>" + title + "</h1>" +
         body + "</article></body></html>";
}

std::string Rss(const std::string& link) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>" + link +
         "</channel></rss>";
}

std::string Item(const std::string& path) {
  return "<item><title>x</title><link>" + path + "</link></item>";
}

class FingerprintPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string story = Paragraphs(
        "Guan Heng who filmed the detention camps told the immigration court on Monday that he "
        "would face prison if returned",
        12);
    const std::string other = Paragraphs(
        "Heavy rain flooded the southern river valley overnight and farmers moved their "
        "livestock to higher ground before dawn",
        12);
    Serve("/wire.xml", Rss(Item("/wire/story.html") + Item("/wire/short.html")),
          "application/rss+xml");
    Serve("/paper.xml",
          Rss(Item("/paper/2026/copy.html?utm_source=x") + Item("/paper/floods.html") +
              Item("/paper/short.html")),
          "application/rss+xml");
    Serve("/wire/story.html", Page("Activist tells court of prison fear", story), "text/html");
    Serve("/paper/2026/copy.html",
          Page("Filmmaker fears jail if deported",
               story + "<p>Copyright 2026 Paper Example. All rights reserved. Reuse only with "
                       "permission.</p>"),
          "text/html");
    Serve("/paper/floods.html", Page("Floods in the south", other), "text/html");
    // Short texts: identical, yet too short to be fingerprinted.
    Serve("/wire/short.html", Page("Brief", "<p>Court hearing set for Monday.</p>"), "text/html");
    Serve("/paper/short.html", Page("Brief", "<p>Court hearing set for Monday.</p>"), "text/html");
    ASSERT_TRUE(server_.Start());
    crawl_fixtures::GuanHengMatcher m = crawl_fixtures::MakeGuanHengMatcher();
    ASSERT_NE(m.matcher, nullptr);
    normalizer_ = std::move(m.normalizer);
    matcher_ = std::move(m.matcher);
  }

  void Serve(const std::string& path, const std::string& body, const std::string& type) {
    server_.http().Get(path, [body, type](const httplib::Request&, httplib::Response& res) {
      res.set_content(body, type + "; charset=utf-8");
    });
  }

  FeedConfig Feed(const std::string& id, const std::string& path) {
    return crawl_fixtures::EnglishFeed(id, server_.Url(path));
  }

  std::optional<ArticleRecord> Get(Store& store, const std::string& path) {
    Result<std::optional<ArticleRecord>> got = store.GetArticle(ArticleIdForUrl(server_.Url(path)));
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : std::nullopt;
  }

  void CheckWireCopies(const TextNormalizer* fingerprint_normalizer);

  testing::LoopbackServer server_;
  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
};

// With `fingerprint_normalizer` null the crawler folds the article itself;
// with the matcher's normalizer it reuses what the matcher folded. Both must
// give SimHash64(Fold(title + "\n" + text)).
void FingerprintPipelineTest::CheckWireCopies(const TextNormalizer* fingerprint_normalizer) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  CrawlOptions o;
  o.fetcher.allowed_cidrs = {"127.0.0.0/8"};
  o.fetcher.min_host_delay_ms = 0;
  o.fingerprint_normalizer = fingerprint_normalizer;
  Crawler crawler(store->get(), matcher_.get(), o);
  // The wire first, then the paper: the wire's copy founds the cluster.
  ASSERT_TRUE(crawler.CrawlOnce({Feed("wire", "/wire.xml")}).ok());
  auto summary = crawler.CrawlOnce({Feed("paper", "/paper.xml")});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ((*store)->Stats()->articles, 5);

  auto wire = Get(**store, "/wire/story.html");
  auto copy = Get(**store, "/paper/2026/copy.html");
  auto floods = Get(**store, "/paper/floods.html");
  ASSERT_TRUE(wire && copy && floods);
  EXPECT_NE(wire->simhash, 0u);
  EXPECT_EQ(wire->simhash, SimHash64(normalizer_->Fold(wire->title + "\n" + wire->text)));
  EXPECT_EQ(wire->cluster_id, wire->id);
  EXPECT_EQ(copy->cluster_id, wire->id);
  EXPECT_EQ(floods->cluster_id, floods->id);

  for (const char* path : {"/wire/short.html", "/paper/short.html"}) {
    auto brief = Get(**store, path);
    ASSERT_TRUE(brief);
    EXPECT_EQ(brief->simhash, 0u) << path;
    EXPECT_EQ(brief->cluster_id, "") << path;
  }

  auto hits = (*store)->QueryMatches({});
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  for (const MatchHit& hit : *hits) EXPECT_EQ(hit.cluster_size, 2u);
}

TEST_F(FingerprintPipelineTest, WireCopiesAtTwoOutletsShareACluster) { CheckWireCopies(nullptr); }

TEST_F(FingerprintPipelineTest, WithTheMatchersNormalizerTheFoldedTextIsReused) {
  ASSERT_EQ(matcher_->normalizer(), normalizer_.get());
  CheckWireCopies(normalizer_.get());
}

TEST_F(FingerprintPipelineTest, FingerprintsCanBeTurnedOff) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  CrawlOptions o;
  o.fetcher.allowed_cidrs = {"127.0.0.0/8"};
  o.fetcher.min_host_delay_ms = 0;
  o.fingerprints = false;
  Crawler crawler(store->get(), matcher_.get(), o);
  ASSERT_TRUE(crawler.CrawlOnce({Feed("wire", "/wire.xml")}).ok());
  auto wire = Get(**store, "/wire/story.html");
  ASSERT_TRUE(wire);
  EXPECT_EQ(wire->simhash, 0u);
  EXPECT_EQ(wire->cluster_id, "");
}

TEST(HasFingerprintTokensTest, CountsWordsAndHanCharacters) {
  EXPECT_FALSE(HasFingerprintTokens("", 1));
  EXPECT_TRUE(HasFingerprintTokens("", 0));
  EXPECT_TRUE(HasFingerprintTokens("one two, three", 3));
  EXPECT_FALSE(HasFingerprintTokens("one two, three", 4));
  EXPECT_FALSE(HasFingerprintTokens(" ... !!! ", 1));
  // Han characters are one token each; a word next to them is one more.
  EXPECT_TRUE(HasFingerprintTokens("关恒说abc", 4));
  EXPECT_FALSE(HasFingerprintTokens("关恒说abc", 5));
  // Uyghur in Arabic script: words separated by spaces.
  EXPECT_TRUE(HasFingerprintTokens("گۇەن خېڭ ئامېرىكا", 3));
  EXPECT_FALSE(HasFingerprintTokens("گۇەن خېڭ ئامېرىكا", 4));
  // Invalid UTF-8 separates tokens and never crashes.
  EXPECT_TRUE(
      HasFingerprintTokens("a\xff"
                           "b\xc3",
                           2));
  std::string many;
  for (int i = 0; i < 60; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_TRUE(HasFingerprintTokens(many, kMinFingerprintTokens));
}

// FingerprintOfFolded(Fold(title), Fold(text)) must be the fingerprint of
// one fold of title + "\n" + text, so that articles stored with and without
// the matcher's folded text cluster together. Returns how many of `cases`
// were long enough to get a fingerprint.
size_t CheckFingerprintOfFolded(const std::vector<std::pair<std::string, std::string>>& cases) {
  auto normalizer = TextNormalizer::Create({});
  EXPECT_TRUE(normalizer.ok());
  if (!normalizer.ok()) return 0;
  const TextNormalizer& n = **normalizer;
  size_t fingerprinted = 0;
  for (const auto& [title, text] : cases) {
    const std::string folded = n.Fold(title + "\n" + text);
    const uint64_t expected =
        HasFingerprintTokens(folded, kMinFingerprintTokens) ? SimHash64(folded) : 0;
    EXPECT_EQ(FingerprintOfFolded(n.Fold(title), n.Fold(text)), expected)
        << "title: " << title << "\ntext: " << text.substr(0, 200);
    if (expected != 0) ++fingerprinted;
  }
  return fingerprinted;
}

TEST(FingerprintOfFoldedTest, EqualsTheFingerprintOfOneFoldAtTheJoin) {
  std::string body;
  for (int i = 0; i < 40; ++i) body += "Paragraph " + std::to_string(i) + " of the hearing. ";
  const std::string han =
      "關恆在紐約移民法庭出庭，他說如果被遣返將面臨牢獄之災。這段影片記錄了新疆的拘留營。";
  const size_t fingerprinted = CheckFingerprintOfFolded({
      {"Guan Heng", body},
      {"", body},
      {body, ""},
      {"Title with trailing spaces \t ", "  \n leading spaces " + body},
      {"關恆", han + han},
      {"Ending in a mark e\u0301", body},
      {"Tatweel \u0640", "\u0640" + body},
      {"No\u00A0break\u00A0space\u00A0", "\u3000" + han + body},
      {"گۇەن خېڭ", "گۇەن خېڭ ئامېرىكىدا سوتقا چىقتى. " + body},
      {"short", "too few words"},
  });
  EXPECT_EQ(fingerprinted, 9u);
}

// Real multilingual text from the shared corpora (the multilingual article
// texts: English, Chinese, Arabic; the Uyghur and Chinese text vectors):
// every line as a title, the next 30 lines as the text.
TEST(FingerprintOfFoldedTest, EqualsTheFingerprintOfOneFoldOnTheCorpus) {
  MW_REQUIRE_SHARED();
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           testing::SharedDir() / "corpora" / "multilingual")) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  for (const char* name : {"uyghur-normalization-vectors.tsv", "watchlist-terms.tsv"}) {
    files.push_back(testing::SharedDir() / "text" / name);
  }
  std::vector<std::pair<std::string, std::string>> cases;
  for (const std::filesystem::path& file : files) {
    std::vector<std::string> lines;
    std::istringstream in(testing::ReadFileOrDie(file));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string text;
      for (size_t k = i + 1; k < lines.size() && k <= i + 30; ++k) text += lines[k] + "\n";
      cases.emplace_back(lines[i], text);
    }
  }
  ASSERT_GE(cases.size(), 100u) << "too little text in the shared corpora";
  EXPECT_GE(CheckFingerprintOfFolded(cases), 50u);
}

// What MatchAll hands over is the matcher's normalizer's Fold of each field,
// and asking for it changes nothing else.
TEST(FingerprintOfFoldedTest, MatchAllHandsOverItsFoldedFields) {
  crawl_fixtures::GuanHengMatcher m = crawl_fixtures::MakeGuanHengMatcher();
  ASSERT_NE(m.matcher, nullptr);
  ASSERT_EQ(m.matcher->normalizer(), m.normalizer.get());
  const std::string title = "關恆 GUAN HENG Ｆｕｌｌｗｉｄｔｈ";
  const std::string text = "Guan Heng, who filmed camps in Xinjiang, spoke. 关恒说。 گۇەن خېڭ";
  FoldedFields folded;
  MatchResult with = m.matcher->MatchAll(title, text, &folded);
  MatchResult without = m.matcher->MatchAll(title, text);
  EXPECT_EQ(folded.title, m.normalizer->Fold(title));
  EXPECT_EQ(folded.text, m.normalizer->Fold(text));
  ASSERT_FALSE(with.targets.empty());
  ASSERT_EQ(with.targets.size(), without.targets.size());
  for (size_t i = 0; i < with.targets.size(); ++i) {
    EXPECT_EQ(with.targets[i].target_id, without.targets[i].target_id);
    EXPECT_EQ(with.targets[i].count, without.targets[i].count);
    EXPECT_EQ(with.targets[i].snippet, without.targets[i].snippet);
  }
  EXPECT_EQ(with.rules.size(), without.rules.size());
}

}  // namespace
}  // namespace mw
