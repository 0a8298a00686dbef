// Syndication clusters (schema version 4): fingerprints stored by PutArticle,
// lightly edited copies joining the first article's cluster, unrelated
// stories staying apart, the lookup window, the fingerprints key layouts and
// the version 3 -> 4 migration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "storage/codec.h"
#include "storage/rocksdb_store_internal.h"
#include "storage/store.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"
#include "text/normalizer.h"
#include "text/simhash.h"

namespace mw {
namespace {

using store_fixtures::MakeArticle;
using store_fixtures::MakeMatch;
using store_fixtures::OpenOrDie;
using store_fixtures::ReadOnly;
using ::testing::ElementsAre;

namespace si = storage_internal;

// A deterministic ~`words`-word English story: words drawn from a
// vocabulary by a seeded LCG, in sentences, so that two seeds give unrelated
// texts that still share every word of the vocabulary.
std::string Story(uint32_t seed, int words) {
  static const char* const kWords[] = {
      "the",        "court",    "hearing",  "activist",  "detention", "camps",    "video",
      "asylum",     "judge",    "lawyer",   "said",      "on",        "monday",   "after",
      "federal",    "agents",   "filmed",   "region",    "families",  "release",  "statement",
      "government", "official", "reported", "border",    "appeal",    "decision", "case",
      "human",      "rights",   "group",    "called",    "for",       "his",      "immediate",
      "protection", "from",     "removal",  "to",        "china",     "where",    "he",
      "faces",      "prison",   "a",        "spokesman", "declined",  "comment",  "week"};
  const size_t n = sizeof(kWords) / sizeof(kWords[0]);
  uint32_t state = seed * 2654435761u + 12345u;
  std::string text;
  for (int i = 0; i < words; ++i) {
    state = state * 1664525u + 1013904223u;
    text += kWords[(state >> 8) % n];
    text += (i % 17 == 16) ? ".\n" : " ";
  }
  return text;
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TextNormalizer>> n = TextNormalizer::Create({});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value();
  }

  // The fingerprint as the crawler computes it.
  uint64_t Fingerprint(const ArticleRecord& a) const {
    return SimHash64(normalizer_->Fold(a.title + "\n" + a.text));
  }

  ArticleRecord Article(const std::string& url, int64_t time, const std::string& title,
                        const std::string& text, const std::string& feed) const {
    ArticleRecord a = MakeArticle(url, time);
    a.title = title;
    a.text = text;
    a.feed_id = feed;
    a.source = "Outlet " + feed;
    a.simhash = Fingerprint(a);
    return a;
  }

  std::unique_ptr<TextNormalizer> normalizer_;
};

TEST_F(ClusterTest, LightlyEditedCopiesJoinTheFirstArticlesCluster) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);

  const std::string story = Story(1, 400);
  const int64_t t0 = 1767225600;  // 2026-01-01
  std::vector<ArticleRecord> copies = {
      Article("https://wire.example/story", t0, "Activist faces removal", story, "wire"),
      // Another outlet, another URL, a tracking-free path: the same text.
      Article("https://daily.example/2026/01/activist", t0 + 3600, "Activist faces removal", story,
              "daily"),
      // A changed headline.
      Article("https://post.example/a/991", t0 + 7200, "Judge hears asylum case of filmmaker",
              story, "post"),
      // Boilerplate appended.
      Article("https://times.example/news?id=5", t0 + 10800, "Activist faces removal",
              story + "\nCopyright 2026 Times Example. All rights reserved.", "times"),
  };
  // The copies are within the store's threshold, or the test proves nothing.
  for (const ArticleRecord& c : copies) {
    ASSERT_LE(HammingDistance(c.simhash, copies[0].simhash), kSimHashMaxDistance) << c.url;
  }
  ArticleRecord unrelated = Article("https://daily.example/other", t0 + 60, "Floods in the south",
                                    Story(2, 400), "daily");
  ASSERT_GT(HammingDistance(unrelated.simhash, copies[0].simhash), kSimHashMaxDistance);

  // A caller's cluster id is ignored: the store assigns it.
  copies[1].cluster_id = "ffffffffffffffff";
  for (const ArticleRecord& c : copies) {
    ASSERT_TRUE(*store->PutArticle(c, {MakeMatch("wl", "guan")})) << c.url;
  }
  ASSERT_TRUE(*store->PutArticle(unrelated, {MakeMatch("wl", "guan")}));

  const std::string cluster = copies[0].id;
  for (const ArticleRecord& c : copies) {
    Result<std::optional<ArticleRecord>> got = store->GetArticle(c.id);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->simhash, c.simhash);
    EXPECT_EQ((*got)->cluster_id, cluster) << c.url;
  }
  EXPECT_EQ((*store->GetArticle(unrelated.id))->cluster_id, unrelated.id);

  Result<std::vector<ArticleRecord>> members = store->ClusterMembers(cluster, 100);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  std::vector<std::string> urls;
  for (const ArticleRecord& m : *members) {
    urls.push_back(m.url);
    EXPECT_TRUE(m.text.empty());
  }
  // Oldest first: who published first.
  EXPECT_THAT(urls, ElementsAre(copies[0].url, copies[1].url, copies[2].url, copies[3].url));
  EXPECT_EQ(store->ClusterMembers(cluster, 2)->size(), 2u);
  EXPECT_TRUE(store->ClusterMembers(cluster, 0)->empty());
  EXPECT_TRUE(store->ClusterMembers("0123456789abcdef", 10)->empty());
  EXPECT_TRUE(store->ClusterMembers("not an id", 10)->empty());
  EXPECT_EQ(store->ClusterMembers(unrelated.id, 10)->size(), 1u);

  Result<std::vector<MatchHit>> hits = store->QueryMatches({});
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 5u);
  for (const MatchHit& hit : *hits) {
    EXPECT_EQ(hit.cluster_size, hit.article.id == unrelated.id ? 1u : 4u) << hit.article.url;
    EXPECT_EQ(hit.article.cluster_id, hit.article.id == unrelated.id ? unrelated.id : cluster);
  }

  // A read-only store sees the same clusters.
  store.reset();
  auto ro = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->ClusterMembers(cluster, 100)->size(), 4u);
}

TEST_F(ClusterTest, ChineseCopiesInTraditionalScriptCluster) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  std::string zh;
  for (int i = 0; i < 12; ++i) {
    zh +=
        "关恒因拍摄新疆拘留营的视频而在美国申请庇护，移民法官周一举行听证会。"
        "人权组织呼吁当局不要将他遣返中国，他在那里可能面临监禁。";
    zh += std::to_string(i) + "\n";
  }
  std::string hant;
  for (int i = 0; i < 12; ++i) {
    hant +=
        "關恆因拍攝新疆拘留營的視頻而在美國申請庇護，移民法官週一舉行聽證會。"
        "人權組織呼籲當局不要將他遣返中國，他在那裡可能面臨監禁。";
    hant += std::to_string(i) + "\n";
  }
  ArticleRecord a = Article("https://zh.example/1", 1000, "关恒听证会", zh, "zh");
  ArticleRecord b = Article("https://hk.example/1", 2000, "關恆聽證會", hant, "hk");
  ASSERT_TRUE(*store->PutArticle(a, {}));
  ASSERT_TRUE(*store->PutArticle(b, {}));
  EXPECT_EQ((*store->GetArticle(b.id))->cluster_id, a.id);
}

TEST_F(ClusterTest, WithoutFingerprintNoCluster) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  ArticleRecord a = MakeArticle("https://e.com/short", 10);
  a.cluster_id = "0123456789abcdef";  // ignored
  ASSERT_EQ(a.simhash, 0u);
  ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
  ArticleRecord b = MakeArticle("https://e.com/short2", 11);
  ASSERT_TRUE(*store->PutArticle(b, {MakeMatch("wl", "t")}));
  EXPECT_EQ((*store->GetArticle(a.id))->cluster_id, "");
  EXPECT_EQ((*store->GetArticle(b.id))->cluster_id, "");
  Result<std::vector<MatchHit>> hits = store->QueryMatches({});
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  for (const MatchHit& hit : *hits) EXPECT_EQ(hit.cluster_size, 0u);
  EXPECT_TRUE(store->ClusterMembers(a.id, 10)->empty());
}

TEST_F(ClusterTest, CopiesOutsideTheWindowStartANewCluster) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  const std::string story = Story(7, 300);
  const int64_t t0 = 1767225600;
  ArticleRecord first = Article("https://a.example/1", t0, "Story", story, "a");
  ArticleRecord inside =
      Article("https://b.example/1", t0 + kClusterWindowSeconds, "Story", story, "b");
  ArticleRecord outside =
      Article("https://c.example/1", t0 - kClusterWindowSeconds - 1, "Story", story, "c");
  ASSERT_TRUE(*store->PutArticle(first, {}));
  ASSERT_TRUE(*store->PutArticle(inside, {}));
  ASSERT_TRUE(*store->PutArticle(outside, {}));
  EXPECT_EQ((*store->GetArticle(inside.id))->cluster_id, first.id);
  // `outside` is 14 days + 1 s before `first` and 28 days before `inside`.
  EXPECT_EQ((*store->GetArticle(outside.id))->cluster_id, outside.id);
}

TEST_F(ClusterTest, DistinctStoriesStayApartAmongMany) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  // 30 unrelated stories, each followed by one copy with a new headline.
  for (uint32_t i = 0; i < 30; ++i) {
    const std::string story = Story(100 + i, 250);
    ArticleRecord a =
        Article("https://a.example/" + std::to_string(i), 1000 + i, "Headline A", story, "a");
    ArticleRecord b = Article("https://b.example/" + std::to_string(i), 5000 + i,
                              "Entirely different words on top", story, "b");
    ASSERT_TRUE(*store->PutArticle(a, {}));
    ASSERT_TRUE(*store->PutArticle(b, {}));
  }
  for (uint32_t i = 0; i < 30; ++i) {
    const std::string a_id = ArticleIdForUrl("https://a.example/" + std::to_string(i));
    const std::string b_id = ArticleIdForUrl("https://b.example/" + std::to_string(i));
    EXPECT_EQ((*store->GetArticle(a_id))->cluster_id, a_id) << i;
    EXPECT_EQ((*store->GetArticle(b_id))->cluster_id, a_id) << i;
    EXPECT_EQ(store->ClusterMembers(a_id, 10)->size(), 2u) << i;
  }
}

TEST(ClusterCodecTest, KeyLayoutsRoundTrip) {
  const std::string id = "0123456789abcdef";
  const std::string band = si::FingerprintBandKey(0x0500000000001234ULL, 10, id);
  ASSERT_EQ(band.size(), 33u);
  // Kind 'n', the band, then the time with every bit complemented.
  EXPECT_EQ(band.substr(0, 17), std::string("n\x05\x00\x00\x00\x00\x00\x12\x34", 9) +
                                    std::string("\x7f\xff\xff\xff\xff\xff\xff\xf5", 8));
  EXPECT_EQ(band.substr(17), id);
  auto parts = si::DecodeFingerprintBandKey(band);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->band, 0x0500000000001234ULL);
  EXPECT_EQ(parts->time, 10);
  EXPECT_EQ(parts->article_id, id);
  EXPECT_EQ(band.substr(0, 9), si::FingerprintBandPrefix(0x0500000000001234ULL));
  // Newest first, also across negative times.
  EXPECT_GT(si::FingerprintBandKey(1, -5, id), si::FingerprintBandKey(1, 3, id));
  EXPECT_GT(si::FingerprintBandKey(1, 3, id), si::FingerprintBandKey(1, 4, id));
  EXPECT_EQ(si::DecodeFingerprintBandKey(si::FingerprintBandKey(1, -5, id))->time, -5);

  const std::string value = si::EncodeFingerprintValue(0xfedcba9876543210ULL, id);
  EXPECT_EQ(value, std::string("\xfe\xdc\xba\x98\x76\x54\x32\x10", 8) + id);
  auto v = si::DecodeFingerprintValue(value);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->simhash, 0xfedcba9876543210ULL);
  EXPECT_EQ(v->cluster_id, id);

  const std::string member = si::ClusterMemberKey(id, 10, "fedcba9876543210");
  EXPECT_EQ(member,
            "c" + id + std::string("\x80\x00\x00\x00\x00\x00\x00\x0a", 8) + "fedcba9876543210");
  auto m = si::DecodeClusterMemberKey(member);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cluster_id, id);
  EXPECT_EQ(m->time, 10);
  EXPECT_EQ(m->article_id, "fedcba9876543210");
  EXPECT_EQ(member.substr(0, 17), si::ClusterMemberPrefix(id));

  // Damage: wrong sizes, kinds, ids, a zero hash.
  EXPECT_FALSE(si::DecodeFingerprintBandKey(band.substr(1)).has_value());
  EXPECT_FALSE(si::DecodeFingerprintBandKey("c" + band.substr(1)).has_value());
  EXPECT_FALSE(si::DecodeFingerprintBandKey(band.substr(0, 17) + "0123456789ABCDEF").has_value());
  EXPECT_FALSE(si::DecodeFingerprintValue(value.substr(1)).has_value());
  EXPECT_FALSE(si::DecodeFingerprintValue(std::string(8, '\0') + id).has_value());
  EXPECT_FALSE(si::DecodeFingerprintValue(value.substr(0, 8) + "xyz3456789abcdef").has_value());
  EXPECT_FALSE(si::DecodeClusterMemberKey(member + "x").has_value());
  EXPECT_FALSE(si::DecodeClusterMemberKey("b" + member.substr(1)).has_value());
  EXPECT_FALSE(si::DecodeClusterMemberKey("").has_value());
}

TEST(ClusterCodecTest, ArticleRecordCarriesFingerprintAndCluster) {
  ArticleRecord a = MakeArticle("https://e.com/a", 5);
  a.simhash = 0x8000000000000001ULL;  // high bit: stored as a negative int64
  a.cluster_id = "0123456789abcdef";
  Result<ArticleRecord> back = si::DecodeArticle(si::EncodeArticle(a));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->simhash, a.simhash);
  EXPECT_EQ(back->cluster_id, a.cluster_id);

  // Without a fingerprint neither field is written (records stay as before).
  ArticleRecord plain = MakeArticle("https://e.com/a", 5);
  EXPECT_EQ(si::EncodeArticle(plain).find('\x0d'), std::string::npos);
  back = si::DecodeArticle(si::EncodeArticle(plain));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->simhash, 0u);
  EXPECT_EQ(back->cluster_id, "");

  // A cluster id that is not an article id is damage.
  a.cluster_id = "short";
  EXPECT_EQ(si::DecodeArticle(si::EncodeArticle(a)).status().code(), StatusCode::kCorruption);
}

// A version-3 database (no fingerprints family) migrates to 4: its articles
// keep everything and have no fingerprint; new articles cluster as usual.
TEST(ClusterMigrationTest, Version3DatabaseMigratesToTheCurrentVersion) {
  testing::TempDir dir;
  ArticleRecord old = MakeArticle("https://e.com/old", 100);
  ASSERT_TRUE(si::CreateDatabaseForTesting(
                  dir.str(), {"articles", "url_index", "matches", "articles_by_time", "feed_state",
                              "host_state", "matches_by_target", "articles_by_language",
                              "articles_by_source", "article_text"})
                  .ok());
  {
    ArticleRecord record = old;
    record.text.clear();
    for (auto [cf, key, value] :
         std::vector<std::tuple<std::string_view, std::string, std::string>>{
             {si::kMetaCf, std::string(si::kSchemaVersionKey), "3"},
             {si::kArticlesCf, old.id, si::EncodeArticle(record)},
             {si::kArticleTextCf, old.id, old.text},
             {si::kUrlIndexCf, old.url, old.id},
             {si::kArticlesByTimeCf, si::ArticleTimeKey(100, old.id), ""}}) {
      ASSERT_TRUE(si::WriteRawForTesting(dir.str(), cf, key, value).ok()) << cf;
    }
  }
  // Read-only cannot migrate.
  EXPECT_EQ(OpenRocksStore(dir.str(), ReadOnly()).status().code(), StatusCode::kUnsupported);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->Stats()->schema_version, si::kSchemaVersion);
    Result<std::optional<ArticleRecord>> got = store->GetArticle(old.id);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->text, old.text);
    EXPECT_EQ((*got)->simhash, 0u);
    EXPECT_EQ((*got)->cluster_id, "");
    ArticleRecord fresh = MakeArticle("https://e.com/new", 200);
    fresh.simhash = 0x0123456789abcdefULL;
    ArticleRecord copy = MakeArticle("https://f.com/new", 300);
    copy.simhash = fresh.simhash ^ 0x11;  // 2 bits apart
    ASSERT_TRUE(*store->PutArticle(fresh, {}));
    ASSERT_TRUE(*store->PutArticle(copy, {}));
    EXPECT_EQ((*store->GetArticle(copy.id))->cluster_id, fresh.id);
  }
  Result<std::optional<std::string>> version =
      si::ReadRawForTesting(dir.str(), si::kMetaCf, si::kSchemaVersionKey);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, std::optional<std::string>("6"));
  auto ro = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->ClusterMembers(ArticleIdForUrl("https://e.com/new"), 10)->size(), 2u);
}

}  // namespace
}  // namespace mw
