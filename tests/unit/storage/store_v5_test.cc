// Schema version 5 features of the store: alias URLs, the raw HTML archive,
// per-feed article counts in the article's batch, cursors, unflagged
// articles, timelines, backups, and the v4 -> v5 migration of band keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "storage/codec.h"
#include "storage/rocksdb_store_internal.h"
#include "storage/store.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"
#include "text/simhash.h"

namespace mw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace store_fixtures;
namespace si = storage_internal;

constexpr int64_t kDay = 86400;
// 2026-01-28 00:00:00 UTC, a Wednesday.
constexpr int64_t kJan28 = 1769558400;

TEST(AliasTest, AliasUrlsFindTheArticleAndAreNotOverwritten) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ArticleWrite write;
  write.article = MakeArticle("https://news.example/2026/01/story", 100);
  write.alias_urls = {"https://news.example/?p=991", "https://feeds.example/r/991",
                      "https://news.example/?p=991", write.article.url};
  Result<PutResult> put = store->PutArticle(write);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(put->inserted);
  EXPECT_EQ(put->article_id, write.article.id);
  for (const char* url : {"https://news.example/2026/01/story", "https://news.example/?p=991",
                          "https://feeds.example/r/991"}) {
    EXPECT_EQ(*store->FindArticleIdByUrl(url), std::optional<std::string>(write.article.id)) << url;
    EXPECT_TRUE(*store->HasArticleUrl(url)) << url;
  }
  EXPECT_FALSE(store->FindArticleIdByUrl("https://news.example/other")->has_value());
  EXPECT_THAT(*store->UrlsOf(write.article.id),
              ElementsAre("https://news.example/2026/01/story", "https://feeds.example/r/991",
                          "https://news.example/?p=991"));

  // Another article claiming an indexed alias does not take it over, and
  // storing the same canonical URL again records only the new aliases.
  ArticleWrite other;
  other.article = MakeArticle("https://other.example/x", 200);
  other.alias_urls = {"https://feeds.example/r/991"};
  ASSERT_TRUE(store->PutArticle(other)->inserted);
  EXPECT_EQ(**store->FindArticleIdByUrl("https://feeds.example/r/991"), write.article.id);

  ArticleWrite again;
  again.article = MakeArticle("https://news.example/2026/01/story", 300);
  again.article.title = "changed";
  again.alias_urls = {"https://news.example/amp/story"};
  Result<PutResult> dup = store->PutArticle(again);
  ASSERT_TRUE(dup.ok());
  EXPECT_FALSE(dup->inserted);
  EXPECT_EQ(dup->article_id, write.article.id);
  EXPECT_EQ(**store->FindArticleIdByUrl("https://news.example/amp/story"), write.article.id);
  EXPECT_EQ((*store->GetArticle(write.article.id))->title, write.article.title);
  EXPECT_EQ(store->Stats()->articles, 2);

  write.alias_urls = {""};
  EXPECT_EQ(store->PutArticle(write).status().code(), StatusCode::kInvalidArgument);
}

TEST(RawHtmlTest, ArchivedPageRoundTripsAndIsCapped) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ArticleWrite write;
  write.article = MakeArticle("https://e.com/page", 1);
  // Raw bytes, not UTF-8: GBK "关恒" and a NUL.
  write.raw_html = std::string("<html><body>\xb9\xd8\xba\xe3\0</body></html>", 30);
  ASSERT_TRUE(store->PutArticle(write)->inserted);
  EXPECT_EQ(*store->GetRawHtml(write.article.id), std::optional<std::string>(write.raw_html));

  const ArticleRecord plain = MakeArticle("https://e.com/plain", 2);
  ASSERT_TRUE(*store->PutArticle(plain, {}));
  EXPECT_FALSE(store->GetRawHtml(plain.id)->has_value());
  EXPECT_FALSE(store->GetRawHtml("not-an-id")->has_value());

  ArticleWrite huge;
  huge.article = MakeArticle("https://e.com/huge", 3);
  huge.raw_html.assign(kMaxRawHtmlBytes + 1, 'x');
  Result<PutResult> refused = store->PutArticle(huge);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(*store->HasArticleUrl(huge.article.url));
}

TEST(FeedCountTest, ArticleCountMovesWithTheArticleAndSurvivesFeedStateWrites) {
  testing::TempDir dir;
  {
    auto store = OpenOrDie(dir.str());
    FeedState state;
    state.feed_id = "feed-1";
    state.etag = "v1";
    state.articles_stored = 999;  // a stale or wrong caller value
    ASSERT_TRUE(store->PutFeedState(state).ok());
    EXPECT_EQ((*store->GetFeedState("feed-1"))->articles_stored, 999);  // first record: as given
    ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/1", 1), {}));
    ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/2", 2), {}));
    EXPECT_FALSE(*store->PutArticle(MakeArticle("https://e.com/2", 2), {}));
    EXPECT_EQ((*store->GetFeedState("feed-1"))->articles_stored, 1001);
    EXPECT_EQ((*store->GetFeedState("feed-1"))->etag, "v1");
    state.etag = "v2";
    state.articles_stored = 0;
    ASSERT_TRUE(store->PutFeedState(state).ok());
  }
  auto store = OpenOrDie(dir.str());
  const FeedState got = **store->GetFeedState("feed-1");
  EXPECT_EQ(got.etag, "v2");
  EXPECT_EQ(got.articles_stored, 1001);
}

// Ten articles one hour apart, alternating languages and outlets; the even
// ones flagged by watch-list "wl".
std::unique_ptr<Store> TenArticles(const testing::TempDir& dir) {
  auto store = OpenOrDie(dir.str());
  for (int i = 0; i < 10; ++i) {
    ArticleRecord a = MakeArticle("https://e.com/" + std::to_string(i), kJan28 + i * 3600);
    a.language = i % 2 ? "ug" : "zh-Hant";
    a.source = i % 3 ? "RFA" : "VOA";
    a.text = "text " + std::to_string(i);
    std::vector<MatchRecord> matches;
    if (i % 2 == 0) matches.push_back(MakeMatch("wl", "guan-heng"));
    EXPECT_TRUE(*store->PutArticle(a, matches));
  }
  return store;
}

std::vector<std::string> Paged(Store& store, MatchQuery query) {
  std::vector<std::string> urls;
  for (int page = 0; page < 20; ++page) {
    Result<std::vector<MatchHit>> hits = store.QueryMatches(query);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    if (!hits.ok() || hits->empty()) break;
    for (const MatchHit& hit : *hits) urls.push_back(hit.article.url);
    query.after = QueryCursor{hits->back().time, hits->back().article.id};
  }
  return urls;
}

TEST(CursorTest, PagesCoverEveryArticleOnceNewestFirst) {
  testing::TempDir dir;
  auto store = TenArticles(dir);
  MatchQuery flagged;
  flagged.limit = 2;
  EXPECT_THAT(Paged(*store, flagged),
              ElementsAre("https://e.com/8", "https://e.com/6", "https://e.com/4",
                          "https://e.com/2", "https://e.com/0"));
  MatchQuery all;
  all.limit = 3;
  all.flagged_only = false;
  std::vector<std::string> urls = Paged(*store, all);
  ASSERT_EQ(urls.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(urls[i], "https://e.com/" + std::to_string(9 - i));

  // Each driving index pages the same way.
  MatchQuery by_language = all;
  by_language.language = "ug";
  EXPECT_THAT(Paged(*store, by_language),
              ElementsAre("https://e.com/9", "https://e.com/7", "https://e.com/5",
                          "https://e.com/3", "https://e.com/1"));
  MatchQuery by_source = all;
  by_source.source = "VOA";
  EXPECT_THAT(Paged(*store, by_source), ElementsAre("https://e.com/9", "https://e.com/6",
                                                    "https://e.com/3", "https://e.com/0"));
  MatchQuery by_target = flagged;
  by_target.target_id = "guan-heng";
  by_target.limit = 1;
  EXPECT_EQ(Paged(*store, by_target).size(), 5u);

  MatchQuery bad = all;
  bad.after = QueryCursor{kJan28, "zz"};
  EXPECT_EQ(store->QueryMatches(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(CursorTest, ArticlesWithOneTimePageById) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  std::set<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ArticleRecord a = MakeArticle("https://same.example/" + std::to_string(i), kJan28);
    ids.insert(a.id);
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
  }
  MatchQuery q;
  q.limit = 2;
  std::vector<std::string> urls = Paged(*store, q);
  std::set<std::string> seen;
  for (const std::string& url : urls) seen.insert(ArticleIdForUrl(url));
  EXPECT_EQ(urls.size(), 7u);
  EXPECT_EQ(seen, ids);
}

TEST(UnflaggedTest, AllArticlesWithTextAndTheirMatches) {
  testing::TempDir dir;
  auto store = TenArticles(dir);
  MatchQuery q;
  q.flagged_only = false;
  q.with_text = true;
  q.since = kJan28 + 3 * 3600;
  q.until = kJan28 + 6 * 3600;
  Result<std::vector<MatchHit>> hits = store->QueryMatches(q);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].article.url, "https://e.com/5");
  EXPECT_EQ((*hits)[0].article.text, "text 5");
  EXPECT_TRUE((*hits)[0].matches.empty());
  EXPECT_EQ((*hits)[1].article.url, "https://e.com/4");
  EXPECT_THAT(MatchTargets((*hits)[1]), ElementsAre("wl/guan-heng"));
  // The default leaves text out and lists flagged articles only.
  MatchQuery flagged;
  Result<std::vector<MatchHit>> flagged_hits = store->QueryMatches(flagged);
  ASSERT_EQ(flagged_hits->size(), 5u);
  EXPECT_EQ((*flagged_hits)[0].article.text, "");
  // A watch-list filter implies flagged.
  q.watchlist_id = "wl";
  EXPECT_EQ(store->QueryMatches(q)->size(), 1u);
  // GetMatches reads one article's matches in every watch-list.
  EXPECT_THAT(*store->GetMatches(ArticleIdForUrl("https://e.com/4")), ::testing::SizeIs(1));
  EXPECT_THAT(*store->GetMatches(ArticleIdForUrl("https://e.com/5")), ::testing::IsEmpty());
  EXPECT_THAT(*store->GetMatches("nonsense"), ::testing::IsEmpty());
}

TEST(BucketTest, DaysIsoWeeksAndMonthsInUtc) {
  EXPECT_EQ(BucketStart(TimeBucket::kDay, kJan28 + 86399), kJan28);
  EXPECT_EQ(BucketStart(TimeBucket::kDay, -1), -kDay);
  EXPECT_EQ(NextBucketStart(TimeBucket::kDay, kJan28), kJan28 + kDay);
  // Wednesday 2026-01-28 is in the week of Monday 2026-01-26.
  EXPECT_EQ(BucketStart(TimeBucket::kWeek, kJan28), kJan28 - 2 * kDay);
  EXPECT_EQ(BucketStart(TimeBucket::kWeek, kJan28 - 2 * kDay), kJan28 - 2 * kDay);
  EXPECT_EQ(BucketStart(TimeBucket::kWeek, kJan28 - 2 * kDay - 1), kJan28 - 9 * kDay);
  EXPECT_EQ(BucketStart(TimeBucket::kWeek, 0), -3 * kDay);  // Monday 1969-12-29
  EXPECT_EQ(NextBucketStart(TimeBucket::kWeek, kJan28 - 2 * kDay), kJan28 + 5 * kDay);
  EXPECT_EQ(BucketStart(TimeBucket::kMonth, kJan28), kJan28 - 27 * kDay);  // 2026-01-01
  // 2026-02-01, then 2026-03-01 (28 days later), 2024-02-01 -> 2024-03-01 (29).
  EXPECT_EQ(NextBucketStart(TimeBucket::kMonth, kJan28 - 27 * kDay), kJan28 + 4 * kDay);
  EXPECT_EQ(NextBucketStart(TimeBucket::kMonth, kJan28 + 4 * kDay), kJan28 + 32 * kDay);
  EXPECT_EQ(NextBucketStart(TimeBucket::kMonth, 1706745600) - 1706745600, 29 * kDay);
  EXPECT_EQ(BucketStart(TimeBucket::kMonth, -1), -31 * kDay);  // 1969-12-01
  // Hostile times are clamped, not overflowed.
  for (TimeBucket b : {TimeBucket::kDay, TimeBucket::kWeek, TimeBucket::kMonth}) {
    EXPECT_LT(BucketStart(b, INT64_MIN), 0);
    EXPECT_GT(BucketStart(b, INT64_MAX), 0);
    EXPECT_GT(NextBucketStart(b, INT64_MAX), 0);
  }
}

std::vector<std::tuple<int64_t, std::string, int64_t>> Flat(
    const std::vector<TimelineCount>& counts) {
  std::vector<std::tuple<int64_t, std::string, int64_t>> flat;
  for (const TimelineCount& c : counts) flat.emplace_back(c.bucket_start, c.group, c.articles);
  return flat;
}

TEST(TimelineTest, CountsPerBucketAndGroupWithFilters) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  // Day 0: 3 flagged (2 zh-Hant at RFA, 1 ug at VOA), one unflagged; day 2:
  // 1 flagged zh at RFA with two matches (counted once); day 40: 1 flagged.
  struct Row {
    int64_t time;
    const char* lang;
    const char* source;
    std::vector<std::string> targets;
  };
  const std::vector<Row> rows = {{kJan28 + 10, "zh-Hant", "RFA", {"guan-heng"}},
                                 {kJan28 + 20, "zh-Hant", "RFA", {"guan-heng"}},
                                 {kJan28 + 30, "ug", "VOA", {"guan-heng"}},
                                 {kJan28 + 40, "en", "VOA", {}},
                                 {kJan28 + 2 * kDay, "zh", "RFA", {"guan-heng", "xinjiang"}},
                                 {kJan28 + 40 * kDay, "en", "", {"xinjiang"}}};
  for (size_t i = 0; i < rows.size(); ++i) {
    ArticleRecord a = MakeArticle("https://t.example/" + std::to_string(i), rows[i].time);
    a.language = rows[i].lang;
    a.source = rows[i].source;
    a.feed_id = "feed-" + std::to_string(i % 2);
    std::vector<MatchRecord> matches;
    for (const std::string& t : rows[i].targets) matches.push_back(MakeMatch("case", t));
    ASSERT_TRUE(*store->PutArticle(a, matches));
  }
  TimelineQuery q;
  q.filters.target_id = "guan-heng";
  EXPECT_THAT(Flat(*store->Timeline(q)), ElementsAre(std::make_tuple(kJan28, "", 3),
                                                     std::make_tuple(kJan28 + 2 * kDay, "", 1)));
  q.split = TimelineSplit::kLanguage;
  EXPECT_THAT(Flat(*store->Timeline(q)),
              ElementsAre(std::make_tuple(kJan28, "ug", 1), std::make_tuple(kJan28, "zh-Hant", 2),
                          std::make_tuple(kJan28 + 2 * kDay, "zh", 1)));
  q.split = TimelineSplit::kSource;
  q.bucket = TimeBucket::kMonth;
  q.filters.target_id.reset();
  q.filters.watchlist_id = "case";
  const int64_t jan = kJan28 - 27 * kDay;
  const int64_t mar = jan + 59 * kDay;
  // The March article has no outlet: its feed id stands in.
  EXPECT_THAT(Flat(*store->Timeline(q)),
              ElementsAre(std::make_tuple(jan, "RFA", 3), std::make_tuple(jan, "VOA", 1),
                          std::make_tuple(mar, "feed-1", 1)));
  q.split = TimelineSplit::kNone;
  q.bucket = TimeBucket::kWeek;
  q.filters.language = "zh";
  q.filters.until = kJan28 + kDay;
  EXPECT_THAT(Flat(*store->Timeline(q)), ElementsAre(std::make_tuple(kJan28 - 2 * kDay, "", 2)));
  q.filters.since = q.filters.until;
  EXPECT_TRUE(store->Timeline(q)->empty());
  // Without filters: every flagged article; a limit does not apply.
  TimelineQuery everything;
  everything.filters.limit = 1;
  everything.bucket = TimeBucket::kMonth;
  EXPECT_THAT(Flat(*store->Timeline(everything)),
              ElementsAre(std::make_tuple(jan, "", 4), std::make_tuple(mar, "", 1)));
  TimelineQuery none;
  none.filters.target_id = "nobody";
  EXPECT_TRUE(store->Timeline(none)->empty());
}

TEST(BackupTest, CheckpointOpensAsADatabaseAndLeavesTheOriginalAlone) {
  testing::TempDir dir;
  testing::TempDir parent;
  const std::string backup = parent.str() + "/backup";
  {
    auto store = TenArticles(dir);
    ASSERT_TRUE(store->Backup(backup).ok());
    // Written after the backup: only in the original.
    ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/later", kJan28 + kDay), {}));
    Status again = store->Backup(backup);
    EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(again.message(), HasSubstr("already exists"));
    EXPECT_FALSE(store->Backup(parent.str() + "/missing/parent/backup").ok());
  }
  auto restored = OpenOrDie(backup, ReadOnly());
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(restored->Stats()->articles, 10);
  EXPECT_FALSE(*restored->HasArticleUrl("https://e.com/later"));
  EXPECT_EQ((*restored->GetArticle(ArticleIdForUrl("https://e.com/3")))->text, "text 3");
  MatchQuery q;
  EXPECT_EQ(restored->QueryMatches(q)->size(), 5u);
  restored.reset();
  auto original = OpenOrDie(dir.str(), ReadOnly());
  EXPECT_EQ(original->Stats()->articles, 11);
  // A read-only store can back up too (the crawler may hold the database).
  const std::string second = parent.str() + "/second";
  Status from_read_only = original->Backup(second);
  ASSERT_TRUE(from_read_only.ok()) << from_read_only.ToString();
  EXPECT_EQ(OpenOrDie(second, ReadOnly())->Stats()->articles, 11);
}

TEST(SyncWritesTest, SyncedStoreWritesAndReads) {
  testing::TempDir dir;
  StoreOptions options;
  options.sync_writes = true;
  auto store = OpenOrDie(dir.str(), options);
  ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/s", 1), {MakeMatch("wl", "t")}));
  FeedState f;
  f.feed_id = "feed-1";
  ASSERT_TRUE(store->PutFeedState(f).ok());
  EXPECT_EQ((*store->GetFeedState("feed-1"))->articles_stored, 1);
}

// The version 4 form of a band key: kind 'b', time bytes not complemented.
std::string V4BandKey(uint64_t band, int64_t time, const std::string& id) {
  std::string key(1, si::kFingerprintBandKindV4);
  key += si::FingerprintBandPrefix(band).substr(1);
  key += si::EncodeTime(time);
  key += id;
  return key;
}

TEST(MigrationV5Test, Version4BandKeysBecomeNewestFirstAndClustersStillForm) {
  testing::TempDir dir;
  ArticleRecord old = MakeArticle("https://wire.example/old", kJan28);
  old.simhash = 0x0123456789abcdefULL;
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(old, {}));
  }
  // Turn it into a version 4 database: old-layout band keys.
  const std::vector<uint64_t> bands = SimHashBands(old.simhash, kSimHashMaxDistance);
  ASSERT_GT(bands.size(), 1u);
  for (uint64_t band : bands) {
    const std::string v5 = si::FingerprintBandKey(band, kJan28, old.id);
    Result<std::optional<std::string>> value =
        si::ReadRawForTesting(dir.str(), si::kFingerprintsCf, v5);
    ASSERT_TRUE(value.ok() && value->has_value());
    ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kFingerprintsCf, v5, std::nullopt).ok());
    ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kFingerprintsCf,
                                       V4BandKey(band, kJan28, old.id), **value)
                    .ok());
  }
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kMetaCf, si::kSchemaVersionKey, "4").ok());
  EXPECT_EQ(OpenRocksStore(dir.str(), ReadOnly()).status().code(), StatusCode::kUnsupported);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->Stats()->schema_version, 6);
    // A copy 3 bits away a day later joins the migrated article's cluster.
    ArticleRecord copy = MakeArticle("https://daily.example/copy", kJan28 + kDay);
    copy.simhash = old.simhash ^ 0x7;
    ASSERT_TRUE(*store->PutArticle(copy, {}));
    EXPECT_EQ((*store->GetArticle(copy.id))->cluster_id, old.id);
  }
  for (uint64_t band : bands) {
    EXPECT_FALSE(
        si::ReadRawForTesting(dir.str(), si::kFingerprintsCf, V4BandKey(band, kJan28, old.id))
            ->has_value());
    EXPECT_TRUE(si::ReadRawForTesting(dir.str(), si::kFingerprintsCf,
                                      si::FingerprintBandKey(band, kJan28, old.id))
                    ->has_value());
  }
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kMetaCf, si::kSchemaVersionKey),
            std::optional<std::string>("6"));
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

// FindCluster answers from memory for articles that keep up with the
// newest fingerprints and reads the database for a backfill; both must give
// the same clusters, also after a reopen (empty cache).
TEST(ClusterCacheTest, BackfilledCopyFindsItsOriginalBehindNewerArticles) {
  testing::TempDir dir;
  const uint64_t original_hash = 0x0f0f0f0f12345678ULL;
  ArticleRecord original = MakeArticle("https://wire.example/original", kJan28);
  original.simhash = original_hash;
  // Newer articles sharing most bands with the original but 12 bits away
  // (all in the low 12 bits: one or two bands differ), filling the cache.
  std::vector<ArticleRecord> newer;
  for (int i = 0; i < 20; ++i) {
    ArticleRecord a =
        MakeArticle("https://other.example/" + std::to_string(i), kJan28 + 30 * kDay + i * 60);
    a.simhash = original_hash ^ 0xFFFULL ^ (static_cast<uint64_t>(i) << 40);
    newer.push_back(a);
  }
  ArticleRecord copy = MakeArticle("https://daily.example/copy", kJan28 + kDay);
  copy.simhash = original_hash ^ 0x3ULL;  // 2 bits from the original
  ArticleRecord late_copy = MakeArticle("https://late.example/copy", kJan28 + 30 * kDay + 3600);
  late_copy.simhash = newer[19].simhash ^ 0x1ULL;
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(original, {}));
    for (const ArticleRecord& a : newer) ASSERT_TRUE(*store->PutArticle(a, {}));
    ASSERT_TRUE(*store->PutArticle(copy, {}));
    EXPECT_EQ((*store->GetArticle(copy.id))->cluster_id, original.id);
    for (const ArticleRecord& a : newer) {
      EXPECT_NE((*store->GetArticle(a.id))->cluster_id, original.id) << a.url;
    }
  }
  auto store = OpenOrDie(dir.str());
  ASSERT_TRUE(*store->PutArticle(late_copy, {}));
  EXPECT_EQ((*store->GetArticle(late_copy.id))->cluster_id,
            (*store->GetArticle(newer[19].id))->cluster_id);
  ArticleRecord second_copy = MakeArticle("https://third.example/copy", kJan28 + 2 * kDay);
  second_copy.simhash = original_hash ^ 0x10ULL;
  ASSERT_TRUE(*store->PutArticle(second_copy, {}));
  EXPECT_EQ((*store->GetArticle(second_copy.id))->cluster_id, original.id);
  EXPECT_EQ(store->ClusterMembers(original.id, 10)->size(), 3u);
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST(RunStateTest, RoundTripsAndSurvivesReopen) {
  testing::TempDir dir;
  RunState s;
  s.pid = 12345;
  s.host = "monitor-1";
  s.started_at = kJan28;
  s.heartbeat_at = kJan28 + 60;
  s.passes = 7;
  s.feeds_polled = 70;
  s.articles_stored = 1234;
  s.matched_articles = 12;
  s.errors = 3;
  s.feeds_failing = 1;
  s.next_due_at = kJan28 + 600;
  s.last_error = "disk full";
  {
    auto store = OpenOrDie(dir.str());
    EXPECT_FALSE(store->GetRunState()->has_value());
    ASSERT_TRUE(store->PutRunState(s).ok());
  }
  auto store = OpenOrDie(dir.str(), ReadOnly());
  Result<std::optional<RunState>> got = store->GetRunState();
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(si::EncodeRunState(**got), si::EncodeRunState(s));
  EXPECT_EQ((*got)->last_error, "disk full");
  EXPECT_EQ(store->PutRunState(s).code(), StatusCode::kUnsupported);
  // Damage is reported, not a crash.
  EXPECT_EQ(si::DecodeRunState("\x01\x05").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(si::DecodeRunState("").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST(VersionsTest, RechecksVersionsAndEventsRoundTripAtomically) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ArticleWrite w;
  w.article = MakeArticle("https://e.com/story", kJan28);
  w.matches = {MakeMatch("wl", "t")};
  w.recheck_at = kJan28 + 3600;
  ASSERT_TRUE(store->PutArticle(w)->inserted);
  ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/plain", kJan28), {}));
  EXPECT_TRUE(store->DueRechecks(kJan28 + 3599, 10)->empty());
  auto due = *store->DueRechecks(kJan28 + 3600, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].article_id, w.article.id);
  EXPECT_EQ(due[0].step, 0);

  ArticleVersion edit;
  edit.found_at = kJan28 + 3600;
  edit.kind = "edited";
  edit.title = "New title";
  edit.text = "New text";
  edit.diff = "@@ paragraph 1 @@\n- old\n+ new\n";
  edit.http_status = 200;
  ASSERT_TRUE(store->RecordRecheck(due[0], edit, Recheck{"", kJan28 + 6 * 3600, 1}).ok());
  ArticleVersion gone;
  gone.found_at = kJan28 + 6 * 3600;
  gone.kind = "removed";
  gone.reason = "HTTP 410";
  gone.http_status = 410;
  auto next = *store->DueRechecks(kJan28 + 6 * 3600, 10);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].step, 1);
  ASSERT_TRUE(store->RecordRecheck(next[0], gone, std::nullopt).ok());
  EXPECT_TRUE(store->DueRechecks(INT64_MAX, 10)->empty());

  auto versions = *store->GetVersions(w.article.id);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].number, 2);
  EXPECT_EQ(versions[0].kind, "edited");
  EXPECT_EQ(versions[0].diff, edit.diff);
  EXPECT_EQ(versions[0].text, "New text");
  EXPECT_EQ(versions[1].number, 3);
  EXPECT_EQ(versions[1].reason, "HTTP 410");
  auto events = *store->ListEvents(kJan28, kJan28 + kDay, 10);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "edited");
  EXPECT_EQ(events[0].version, 2);
  EXPECT_EQ(events[1].kind, "removed");
  EXPECT_EQ(events[1].time, kJan28 + 6 * 3600);
  EXPECT_EQ(store->ListEvents(kJan28, kJan28 + 3600, 10)->size(), 0u);
  EXPECT_EQ(store->ListEvents(kJan28, kJan28 + kDay, 1)->size(), 1u);

  // Bad input changes nothing.
  Recheck unknown{"0123456789abcdef", kJan28, 0};
  EXPECT_EQ(store->RecordRecheck(unknown, std::nullopt, std::nullopt).code(),
            StatusCode::kNotFound);
  ArticleVersion bogus = edit;
  bogus.kind = "deleted!";
  EXPECT_EQ(store->RecordRecheck(Recheck{w.article.id, 0, 0}, bogus, std::nullopt).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->RecordRecheck(Recheck{"nope", 0, 0}, std::nullopt, std::nullopt).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetVersions(w.article.id)->size(), 2u);
  EXPECT_TRUE(store->GetVersions("nope")->empty());
  // Damaged records are errors, not crashes.
  EXPECT_EQ(si::DecodeVersion("\x01").status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(si::DecodeRecheck("short", "0").has_value());
  EXPECT_FALSE(si::DecodeRecheck(si::RecheckKey(1, w.article.id), "x").has_value());
  EXPECT_FALSE(si::DecodeEvent(si::EventKey(1, w.article.id, "edited"), "").has_value());
}

}  // namespace
}  // namespace mw
