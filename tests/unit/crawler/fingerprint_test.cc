// Fingerprints in the crawl pipeline: the same wire story at two outlets
// (other URL, other feed, new headline, appended boilerplate) lands in one
// syndication cluster; short texts and unrelated stories do not.
#include <gtest/gtest.h>

#include <string>

#include "crawler/pipeline.h"
#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/crawler/crawl_fixtures.h"
#include "text/simhash.h"

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

  testing::LoopbackServer server_;
  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
};

TEST_F(FingerprintPipelineTest, WireCopiesAtTwoOutletsShareACluster) {
  testing::TempDir dir;
  auto store = OpenRocksStore(dir.str(), {});
  ASSERT_TRUE(store.ok());
  CrawlOptions o;
  o.fetcher.allowed_cidrs = {"127.0.0.0/8"};
  o.fetcher.min_host_delay_ms = 0;
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

}  // namespace
}  // namespace mw
