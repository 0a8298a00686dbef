// The Store contract (storage/store.h) against the RocksDB backend.
#include "storage/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

#include "storage/rocksdb_store_internal.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"

namespace mw {
namespace {

using store_fixtures::ExpectSameArticle;
using store_fixtures::HitUrls;
using store_fixtures::MakeArticle;
using store_fixtures::MakeMatch;
using store_fixtures::MatchTargets;
using store_fixtures::OpenOrDie;
using store_fixtures::ReadOnly;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ArticleIdForUrlTest, Fnv1a64KnownVectors) {
  EXPECT_EQ(ArticleIdForUrl(""), "cbf29ce484222325");
  EXPECT_EQ(ArticleIdForUrl("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(ArticleIdForUrl("foobar"), "85944171f73967e8");
  EXPECT_EQ(ArticleIdForUrl("https://example.com/x"), ArticleIdForUrl("https://example.com/x"));
  EXPECT_NE(ArticleIdForUrl("https://example.com/x"), ArticleIdForUrl("https://example.com/y"));
}

TEST(RocksStoreTest, RoundTripsEveryField) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);

  ArticleRecord zh = MakeArticle("https://news.example.cn/2024/01/a.html", 1700000100, 1700000000);
  zh.language = "zh-Hant";
  zh.title = "新疆新聞：維吾爾族";
  zh.text = "第一段。\n第二段，包含「引號」。";
  zh.byline = "記者 王小明";
  zh.charset = "big5";
  ArticleRecord ug = MakeArticle("https://ug.example.com/xewer/1", 1700000200);
  ug.language = "ug";
  ug.title = "ئۇيغۇر تىلىدىكى خەۋەر";
  ug.text = "بىرىنچى بۆلەك\nئىككىنچى بۆلەك";
  ug.published.reset();  // optional: absent stays absent

  ASSERT_TRUE(*store->PutArticle(zh, {MakeMatch("wl", "t")}));
  ASSERT_TRUE(*store->PutArticle(ug, {}));

  for (const ArticleRecord* want : {&zh, &ug}) {
    Result<std::optional<ArticleRecord>> got = store->GetArticle(want->id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value());
    ExpectSameArticle(**got, *want);
    EXPECT_TRUE(*store->HasArticleUrl(want->url));
  }
  EXPECT_FALSE(*store->HasArticleUrl("https://unknown.example.com/"));
  EXPECT_FALSE(*store->HasArticleUrl(""));
  EXPECT_FALSE(store->GetArticle(ArticleIdForUrl("https://unknown.example.com/"))->has_value());
  EXPECT_FALSE(store->GetArticle("not-an-id")->has_value());

  Result<std::vector<MatchHit>> hits = store->QueryMatches({});
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  const MatchRecord& m = (*hits)[0].matches.at(0);
  EXPECT_EQ(m.watchlist_id, "wl");
  EXPECT_EQ(m.target_id, "t");
  EXPECT_EQ(m.kind, "keyword");
  EXPECT_EQ(m.term, "term-t");
  EXPECT_EQ(m.field, "text");
  EXPECT_EQ(m.snippet, "... t ...");
  EXPECT_EQ(m.count, 2);
}

TEST(RocksStoreTest, SameUrlIsStoredOnce) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  const ArticleRecord first = MakeArticle("https://example.com/a", 100);
  ASSERT_TRUE(*store->PutArticle(first, {MakeMatch("wl", "t1")}));

  ArticleRecord again = first;
  again.title = "changed";
  Result<bool> second = store->PutArticle(again, {MakeMatch("wl", "t2"), MakeMatch("wl2", "t")});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(*second);

  EXPECT_EQ((*store->GetArticle(first.id))->title, first.title);
  Result<StoreStats> stats = store->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->articles, 1);
  EXPECT_EQ(stats->matches, 1);
  Result<std::vector<MatchHit>> hits = store->QueryMatches({});
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_THAT(MatchTargets((*hits)[0]), ElementsAre("wl/t1"));
}

TEST(RocksStoreTest, ConcurrentPutOfOneUrlStoresItOnce) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  constexpr int kThreads = 8;
  std::atomic<bool> go{false};
  std::atomic<int> stored{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      ArticleRecord shared = MakeArticle("https://example.com/shared", 100 + i);
      Result<bool> r = store->PutArticle(shared, {MakeMatch("wl", "t" + std::to_string(i))});
      if (!r.ok()) ++errors;
      if (r.ok() && *r) ++stored;
      // Distinct URLs in parallel keep the counters exact.
      Result<bool> own =
          store->PutArticle(MakeArticle("https://example.com/own/" + std::to_string(i), 1), {});
      if (!own.ok() || !*own) ++errors;
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(stored.load(), 1);
  Result<StoreStats> stats = store->Stats();
  EXPECT_EQ(stats->articles, kThreads + 1);
  EXPECT_EQ(stats->matches, 1);
  EXPECT_EQ(store->QueryMatches({})->size(), 1u);
  EXPECT_EQ(store->ListArticles(100)->size(), static_cast<size_t>(kThreads + 1));
}

TEST(RocksStoreTest, RejectsInvalidArticlesWithoutWriting) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ArticleRecord no_url = MakeArticle("https://example.com/a", 1);
  no_url.url.clear();
  ArticleRecord wrong_id = MakeArticle("https://example.com/a", 1);
  wrong_id.id = ArticleIdForUrl("https://example.com/b");
  const ArticleRecord ok = MakeArticle("https://example.com/a", 1);

  EXPECT_EQ(store->PutArticle(no_url, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PutArticle(wrong_id, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PutArticle(ok, {MakeMatch("", "t")}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PutArticle(ok, {MakeMatch("wl", "")}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PutArticle(ok, {MakeMatch("wl", "t"), MakeMatch("wl", "t")}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(*store->HasArticleUrl(ok.url));
  EXPECT_EQ(store->Stats()->articles, 0);

  EXPECT_EQ(store->PutFeedState(FeedState{}).code(), StatusCode::kInvalidArgument);
}

// Articles at times 100..300 in watch-lists "wl", "wl1" (which "wl" prefixes)
// and "wl2".
class QueryMatchesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(dir_.str());
    ASSERT_NE(store_, nullptr);
    // Published wins over fetched_at as the article time.
    Put(MakeArticle("https://e.com/a100", 900, 100),
        {MakeMatch("wl1", "t2"), MakeMatch("wl1", "t1"), MakeMatch("wl2", "t9")});
    Put(MakeArticle("https://e.com/a150", 150), {});
    Put(MakeArticle("https://e.com/a200", 200), {MakeMatch("wl1", "t1")});
    Put(MakeArticle("https://e.com/a250", 250), {MakeMatch("wl", "t1")});
    Put(MakeArticle("https://e.com/a300", 1, 300), {MakeMatch("wl2", "t1")});
  }

  void Put(const ArticleRecord& a, const std::vector<MatchRecord>& matches) {
    Result<bool> r = store_->PutArticle(a, matches);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(*r);
  }

  std::vector<MatchHit> Query(std::optional<std::string> watchlist, std::optional<int64_t> since,
                              std::optional<int64_t> until, size_t limit = 1000) {
    MatchQuery q;
    q.watchlist_id = std::move(watchlist);
    q.since = since;
    q.until = until;
    q.limit = limit;
    Result<std::vector<MatchHit>> hits = store_->QueryMatches(q);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? std::move(hits).value() : std::vector<MatchHit>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(QueryMatchesTest, OneWatchlistNewestFirstGroupedPerArticle) {
  std::vector<MatchHit> hits = Query("wl1", {}, {});
  ASSERT_THAT(HitUrls(hits), ElementsAre("https://e.com/a200", "https://e.com/a100"));
  EXPECT_EQ(hits[0].time, 200);
  EXPECT_EQ(hits[1].time, 100);
  EXPECT_THAT(MatchTargets(hits[1]), ElementsAre("wl1/t1", "wl1/t2"));
  // Metadata without the text.
  EXPECT_EQ(hits[1].article.title, "Title of https://e.com/a100");
  EXPECT_EQ(hits[1].article.published, 100);
  EXPECT_TRUE(hits[1].article.text.empty());
}

TEST_F(QueryMatchesTest, PrefixWatchlistIdsDoNotLeak) {
  EXPECT_THAT(HitUrls(Query("wl", {}, {})), ElementsAre("https://e.com/a250"));
  EXPECT_TRUE(Query("nope", {}, {}).empty());
}

TEST_F(QueryMatchesTest, AllWatchlistsMergeAndGroup) {
  std::vector<MatchHit> hits = Query(std::nullopt, {}, {});
  ASSERT_THAT(HitUrls(hits), ElementsAre("https://e.com/a300", "https://e.com/a250",
                                         "https://e.com/a200", "https://e.com/a100"));
  EXPECT_THAT(MatchTargets(hits[3]), ElementsAre("wl1/t1", "wl1/t2", "wl2/t9"));
  // An empty id also means every watch-list.
  EXPECT_EQ(HitUrls(Query("", {}, {})), HitUrls(hits));
}

TEST_F(QueryMatchesTest, TimeRangeIsSinceInclusiveUntilExclusive) {
  EXPECT_THAT(HitUrls(Query(std::nullopt, 150, 300)),
              ElementsAre("https://e.com/a250", "https://e.com/a200"));
  EXPECT_THAT(HitUrls(Query(std::nullopt, 200, {})),
              ElementsAre("https://e.com/a300", "https://e.com/a250", "https://e.com/a200"));
  EXPECT_THAT(HitUrls(Query("wl1", {}, 200)), ElementsAre("https://e.com/a100"));
  EXPECT_TRUE(Query(std::nullopt, 300, 300).empty());
  EXPECT_TRUE(Query(std::nullopt, 400, 100).empty());
}

TEST_F(QueryMatchesTest, LimitCountsArticlesNotMatches) {
  EXPECT_THAT(HitUrls(Query(std::nullopt, {}, {}, 2)),
              ElementsAre("https://e.com/a300", "https://e.com/a250"));
  std::vector<MatchHit> oldest = Query(std::nullopt, {}, 101, 1);
  ASSERT_EQ(oldest.size(), 1u);
  EXPECT_EQ(oldest[0].matches.size(), 3u);  // all of them, despite limit 1
  EXPECT_TRUE(Query(std::nullopt, {}, {}, 0).empty());
}

TEST_F(QueryMatchesTest, ArticlesWithTheSameTimeStaySeparate) {
  Put(MakeArticle("https://e.com/tie-a", 500), {MakeMatch("wl3", "x"), MakeMatch("wl3", "y")});
  Put(MakeArticle("https://e.com/tie-b", 500), {MakeMatch("wl3", "x"), MakeMatch("wl3", "y")});
  std::vector<MatchHit> hits = Query("wl3", {}, {});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_NE(hits[0].article.id, hits[1].article.id);
  for (const MatchHit& hit : hits) EXPECT_THAT(MatchTargets(hit), ElementsAre("wl3/x", "wl3/y"));
  std::vector<MatchHit> one = Query("wl3", {}, {}, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].article.id, hits[0].article.id);
  EXPECT_EQ(one[0].matches.size(), 2u);
}

TEST_F(QueryMatchesTest, ListArticlesNewestFirstWithText) {
  Result<std::vector<ArticleRecord>> all = store_->ListArticles(100);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> urls;
  for (const ArticleRecord& a : *all) urls.push_back(a.url);
  EXPECT_THAT(urls, ElementsAre("https://e.com/a300", "https://e.com/a250", "https://e.com/a200",
                                "https://e.com/a150", "https://e.com/a100"));
  EXPECT_FALSE((*all)[0].text.empty());
  EXPECT_EQ(store_->ListArticles(2)->size(), 2u);
  EXPECT_TRUE(store_->ListArticles(0)->empty());
}

TEST(RocksStoreTest, FeedStateRoundTripAndListing) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  FeedState b;
  b.feed_id = "feed-b";
  b.url = "https://b.example.com/rss";
  FeedState a;
  a.feed_id = "feed-a";
  a.url = "https://a.example.com/atom.xml";
  a.etag = "\"abc\"";
  a.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  a.last_fetch_at = 1700000000;
  a.last_success_at = 1699999000;
  a.last_http_status = 503;
  a.last_error = "HTTP 503: Service Unavailable";
  a.consecutive_failures = 3;
  a.articles_stored = 42;
  a.config_url = "https://a.example.com/old-atom.xml";
  a.next_poll_at = 1700003600;
  a.interval_seconds = 1800;
  a.last_new_entry_at = 1699990000;
  a.polls = 17;
  a.retired = true;
  ASSERT_TRUE(store->PutFeedState(b).ok());
  ASSERT_TRUE(store->PutFeedState(a).ok());

  Result<std::optional<FeedState>> got = store->GetFeedState("feed-a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->url, a.url);
  EXPECT_EQ((*got)->etag, a.etag);
  EXPECT_EQ((*got)->last_modified, a.last_modified);
  EXPECT_EQ((*got)->last_fetch_at, a.last_fetch_at);
  EXPECT_EQ((*got)->last_success_at, a.last_success_at);
  EXPECT_EQ((*got)->last_http_status, a.last_http_status);
  EXPECT_EQ((*got)->last_error, a.last_error);
  EXPECT_EQ((*got)->consecutive_failures, a.consecutive_failures);
  EXPECT_EQ((*got)->articles_stored, a.articles_stored);
  EXPECT_EQ((*got)->config_url, a.config_url);
  EXPECT_EQ((*got)->next_poll_at, a.next_poll_at);
  EXPECT_EQ((*got)->interval_seconds, a.interval_seconds);
  EXPECT_EQ((*got)->last_new_entry_at, a.last_new_entry_at);
  EXPECT_EQ((*got)->polls, a.polls);
  EXPECT_TRUE((*got)->retired);
  EXPECT_FALSE(store->GetFeedState("feed-z")->has_value());

  a.last_error.clear();  // overwrite: latest state wins
  a.consecutive_failures = 0;
  ASSERT_TRUE(store->PutFeedState(a).ok());
  Result<std::vector<FeedState>> list = store->ListFeedStates();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].feed_id, "feed-a");  // ordered by feed id
  EXPECT_EQ((*list)[0].consecutive_failures, 0);
  EXPECT_EQ((*list)[0].last_error, "");
  EXPECT_EQ((*list)[1].feed_id, "feed-b");
}

TEST(RocksStoreTest, HostStateRoundTrip) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  EXPECT_FALSE(store->GetHostState("example.com")->has_value());
  EXPECT_EQ(store->PutHostState(HostState{}).code(), StatusCode::kInvalidArgument);
  HostState h;
  h.host = "example.com:8080";
  h.robots_body = "User-agent: *\nDisallow: /private\n";
  h.robots_status = 200;
  h.robots_fetched_at = 1700000000;
  h.robots_expires_at = 1700086400;
  ASSERT_TRUE(store->PutHostState(h).ok());
  auto got = store->GetHostState("example.com:8080");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->robots_body, h.robots_body);
  EXPECT_EQ((*got)->robots_status, 200);
  EXPECT_EQ((*got)->robots_fetched_at, h.robots_fetched_at);
  EXPECT_EQ((*got)->robots_expires_at, h.robots_expires_at);
}

TEST(RocksStoreTest, StatsCountArticlesMatchesFeeds) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  EXPECT_EQ(store->Stats()->articles, 0);
  ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/1", 1),
                                 {MakeMatch("a", "x"), MakeMatch("b", "x")}));
  ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/2", 2), {MakeMatch("a", "y")}));
  FeedState f;
  f.feed_id = "f";
  ASSERT_TRUE(store->PutFeedState(f).ok());
  ASSERT_TRUE(store->PutFeedState(f).ok());
  ArticleRecord other = MakeArticle("https://e.com/3", 3);
  other.feed_id = "feed-2";
  other.language = "zh-Hant";
  ASSERT_TRUE(*store->PutArticle(other, {MakeMatch("a", "x")}));
  ArticleRecord unknown = MakeArticle("https://e.com/4", 4);
  unknown.feed_id.clear();
  unknown.language.clear();
  ASSERT_TRUE(*store->PutArticle(unknown, {}));
  Result<StoreStats> stats = store->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->articles, 4);
  EXPECT_EQ(stats->matches, 4);
  // "f", and feed-1 and feed-2, whose records PutArticle created to count
  // their articles.
  EXPECT_EQ(stats->feeds, 3);
  EXPECT_EQ((*store->GetFeedState("feed-1"))->articles_stored, 2);
  EXPECT_EQ((*store->GetFeedState("feed-2"))->articles_stored, 1);
  EXPECT_EQ((*store->GetFeedState("f"))->articles_stored, 0);
  EXPECT_EQ(stats->schema_version, storage_internal::kSchemaVersion);
  EXPECT_GT(stats->disk_bytes, 0);
  using Counts = std::map<std::string, int64_t>;
  EXPECT_EQ(stats->articles_per_feed, (Counts{{"feed-1", 2}, {"feed-2", 1}}));
  EXPECT_EQ(stats->articles_per_language, (Counts{{"", 1}, {"en", 2}, {"zh-Hant", 1}}));
  EXPECT_EQ(stats->articles_per_watchlist, (Counts{{"a", 3}, {"b", 1}}));
  using TargetCounts = std::map<std::pair<std::string, std::string>, int64_t>;
  EXPECT_EQ(stats->articles_per_target,
            (TargetCounts{{{"a", "x"}, 2}, {{"a", "y"}, 1}, {{"b", "x"}, 1}}));
}

TEST(RocksStoreTest, ReopenKeepsData) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/kept", 10, 5);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
    FeedState f;
    f.feed_id = "f";
    f.etag = "e";
    ASSERT_TRUE(store->PutFeedState(f).ok());
  }
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  ExpectSameArticle(**store->GetArticle(a.id), a);
  EXPECT_EQ((*store->GetFeedState("f"))->etag, "e");
  EXPECT_FALSE(*store->PutArticle(a, {}));  // dedup survives the restart
  Result<StoreStats> stats = store->Stats();
  EXPECT_EQ(stats->articles, 1);
  EXPECT_EQ(stats->matches, 1);
  EXPECT_EQ(stats->feeds, 2);  // "f" and the article's feed-1
  ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/new", 20), {MakeMatch("wl", "t")}));
  EXPECT_EQ(store->QueryMatches({})->size(), 2u);
}

TEST(RocksStoreTest, ReadOnlyOpenReadsAndRefusesWrites) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/ro", 10);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
  }
  auto store = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(store, nullptr);
  ExpectSameArticle(**store->GetArticle(a.id), a);
  EXPECT_EQ(store->QueryMatches({})->size(), 1u);
  EXPECT_EQ(store->ListArticles(10)->size(), 1u);
  EXPECT_EQ(store->Stats()->articles, 1);

  Result<bool> put = store->PutArticle(MakeArticle("https://e.com/other", 1), {});
  EXPECT_EQ(put.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(put.status().message(), HasSubstr("read-only"));
  FeedState f;
  f.feed_id = "f";
  EXPECT_EQ(store->PutFeedState(f).code(), StatusCode::kUnsupported);
}

TEST(RocksStoreTest, ReadOnlyOpenWhileAWriterHoldsTheDatabase) {
  testing::TempDir dir;
  auto writer = OpenOrDie(dir.str());
  const ArticleRecord a = MakeArticle("https://e.com/live", 10);
  ASSERT_TRUE(*writer->PutArticle(a, {}));
  auto reader = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(*reader->HasArticleUrl(a.url));  // recovered from the writer's WAL
}

TEST(RocksStoreTest, MissingDatabaseIsNotFoundUnlessCreating) {
  testing::TempDir dir;
  const std::string missing = (dir.path() / "absent").string();
  Result<std::unique_ptr<Store>> ro = OpenRocksStore(missing, ReadOnly());
  EXPECT_EQ(ro.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(ro.status().message(), HasSubstr(missing));
  EXPECT_FALSE(std::filesystem::exists(missing));  // read-only never creates

  StoreOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_EQ(OpenRocksStore(missing, no_create).status().code(), StatusCode::kNotFound);
  EXPECT_NE(OpenOrDie(missing), nullptr);  // default: create
}

TEST(RocksStoreTest, UnusableDirectoryIsAnIoError) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "file";
  testing::WriteFile(file, "not a directory");
  Result<std::unique_ptr<Store>> store = OpenRocksStore(file.string(), {});
  EXPECT_EQ(store.status().code(), StatusCode::kIoError) << store.status().ToString();
}

TEST(RocksStoreTest, SecondWritableOpenIsRefusedAsLocked) {
  testing::TempDir dir;
  auto first = OpenOrDie(dir.str());
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<Store>> second = OpenRocksStore(dir.str(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIoError);
  EXPECT_THAT(second.status().message(), HasSubstr("locked by another mediawatch process"));
  // The first store is unaffected.
  EXPECT_TRUE(*first->PutArticle(MakeArticle("https://e.com/still", 1), {}));
}

TEST(RocksStoreTest, NewerSchemaVersionIsRefused) {
  testing::TempDir dir;
  OpenOrDie(dir.str()).reset();
  Result<std::optional<std::string>> version = storage_internal::ReadRawForTesting(
      dir.str(), storage_internal::kMetaCf, storage_internal::kSchemaVersionKey);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, std::optional<std::string>("6"));

  ASSERT_TRUE(storage_internal::WriteRawForTesting(dir.str(), storage_internal::kMetaCf,
                                                   storage_internal::kSchemaVersionKey, "7")
                  .ok());
  for (const StoreOptions& options : {StoreOptions{}, ReadOnly()}) {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(dir.str(), options);
    EXPECT_EQ(store.status().code(), StatusCode::kUnsupported);
    EXPECT_EQ(store.status().message(),
              "database schema version 7 is newer than this build supports (6); upgrade "
              "mediawatch");
  }

  ASSERT_TRUE(storage_internal::WriteRawForTesting(dir.str(), storage_internal::kMetaCf,
                                                   storage_internal::kSchemaVersionKey, "one")
                  .ok());
  EXPECT_EQ(OpenRocksStore(dir.str(), {}).status().code(), StatusCode::kCorruption);

  // Data without any version record is not silently adopted.
  ASSERT_TRUE(storage_internal::WriteRawForTesting(dir.str(), storage_internal::kMetaCf,
                                                   storage_internal::kSchemaVersionKey,
                                                   std::nullopt)
                  .ok());
  ASSERT_TRUE(
      storage_internal::WriteRawForTesting(dir.str(), storage_internal::kFeedStateCf, "f", "x")
          .ok());
  EXPECT_EQ(OpenRocksStore(dir.str(), {}).status().code(), StatusCode::kCorruption);
}

TEST(RocksStoreTest, CorruptValuesAreReportedNotFatal) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/c", 10);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
    FeedState f;
    f.feed_id = "f";
    ASSERT_TRUE(store->PutFeedState(f).ok());
  }
  const std::string garbage("\x01\xff\xff\x00garbage", 11);
  namespace si = storage_internal;
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kArticlesCf, a.id, garbage).ok());
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kFeedStateCf, "f", "\x07").ok());

  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetArticle(a.id).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->ListArticles(10).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->QueryMatches({}).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->GetFeedState("f").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->ListFeedStates().status().code(), StatusCode::kCorruption);
  // The URL is still known, so the damaged article is not re-stored.
  EXPECT_FALSE(*store->PutArticle(a, {}));
}

TEST(RocksStoreTest, CorruptMatchValueIsReported) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/m", 10);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
  }
  namespace si = storage_internal;
  // Overwrite the only match value: build its key as docs/storage.md says.
  std::string key("\x00\x02wl", 4);
  key += std::string("\x80\x00\x00\x00\x00\x00\x00\x0a", 8) + a.id + "t";
  Result<std::optional<std::string>> before = si::ReadRawForTesting(dir.str(), si::kMatchesCf, key);
  ASSERT_TRUE(before.ok() && before->has_value()) << "match key layout changed?";
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kMatchesCf, key,
                                     "\x01\x05\x03"
                                     "abc")
                  .ok());
  auto store = OpenOrDie(dir.str());
  EXPECT_EQ(store->QueryMatches({}).status().code(), StatusCode::kCorruption);
}

TEST(RocksStoreTest, LostUrlIndexAndIdCollisionDoNotOverwrite) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/a", 10);
  const ArticleRecord b = MakeArticle("https://e.com/b", 20);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(a, {}));
  }
  namespace si = storage_internal;
  // Simulate a hash collision: a's record also sits under b's id.
  Result<std::optional<std::string>> raw = si::ReadRawForTesting(dir.str(), si::kArticlesCf, a.id);
  ASSERT_TRUE(raw.ok() && raw->has_value());
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kArticlesCf, b.id, **raw).ok());
  // And a lost url_index entry for a.
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kUrlIndexCf, a.url, std::nullopt).ok());

  auto store = OpenOrDie(dir.str());
  EXPECT_EQ(store->PutArticle(b, {}).status().code(), StatusCode::kInternal);
  EXPECT_EQ(store->PutArticle(a, {}).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->Stats()->articles, 1);
}

// Articles in several languages, feeds and outlets. "Outlet ZH" has two
// feeds (f-zh and f-ug); a5 is not flagged.
class QueryFiltersTest : public QueryMatchesTest {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(dir_.str());
    ASSERT_NE(store_, nullptr);
    Put(Make("a1", 100, "zh-Hant", "f-zh", "Outlet ZH"),
        {MakeMatch("wl1", "guan"), MakeMatch("wl2", "camp")});
    Put(Make("a2", 200, "zh", "f-zh", "Outlet ZH"), {MakeMatch("wl1", "guan")});
    Put(Make("a3", 300, "en", "f-en", "Outlet EN"), {MakeMatch("wl1", "camp")});
    Put(Make("a4", 400, "ug", "f-ug", "Outlet ZH"), {MakeMatch("wl2", "guan")});
    Put(Make("a5", 500, "zh-Hans", "f-zh", "Outlet ZH"), {});
    Put(Make("a6", 600, "EN-gb", "f-en", "Outlet EN"), {MakeMatch("wl2", "camp")});
  }

  static ArticleRecord Make(const std::string& name, int64_t time, const std::string& language,
                            const std::string& feed, const std::string& source) {
    ArticleRecord a = MakeArticle("https://e.com/" + name, time);
    a.language = language;
    a.feed_id = feed;
    a.source = source;
    return a;
  }

  std::vector<std::string> Names(MatchQuery q) {
    Result<std::vector<MatchHit>> hits = store_->QueryMatches(q);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    std::vector<std::string> names;
    if (!hits.ok()) return names;
    for (const MatchHit& hit : *hits) names.push_back(hit.article.url.substr(14));
    return names;
  }
};

MatchQuery Q(std::optional<std::string> watchlist = {}, std::optional<std::string> target = {},
             std::optional<std::string> language = {}, std::optional<std::string> source = {}) {
  MatchQuery q;
  q.watchlist_id = std::move(watchlist);
  q.target_id = std::move(target);
  q.language = std::move(language);
  q.source = std::move(source);
  return q;
}

TEST_F(QueryFiltersTest, TargetAcrossWatchlistsListsAllMatchesOfEachArticle) {
  EXPECT_THAT(Names(Q({}, "guan")), ElementsAre("a4", "a2", "a1"));
  EXPECT_THAT(Names(Q({}, "camp")), ElementsAre("a6", "a3", "a1"));
  EXPECT_TRUE(Names(Q({}, "gua")).empty());  // exact id, not a prefix
  Result<std::vector<MatchHit>> hits = store_->QueryMatches(Q({}, "guan"));
  ASSERT_TRUE(hits.ok());
  EXPECT_THAT(MatchTargets((*hits)[2]), ElementsAre("wl1/guan", "wl2/camp"));
  EXPECT_EQ((*hits)[2].matches[0].term, "term-guan");  // values come along
  EXPECT_TRUE((*hits)[2].article.text.empty());
}

TEST_F(QueryFiltersTest, TargetWithinOneWatchlist) {
  EXPECT_THAT(Names(Q("wl1", "guan")), ElementsAre("a2", "a1"));
  EXPECT_THAT(Names(Q("wl2", "guan")), ElementsAre("a4"));
  EXPECT_TRUE(Names(Q("wl3", "guan")).empty());
  Result<std::vector<MatchHit>> hits = store_->QueryMatches(Q("wl1", "guan"));
  ASSERT_TRUE(hits.ok());
  EXPECT_THAT(MatchTargets((*hits)[1]), ElementsAre("wl1/guan"));  // only wl1's
}

TEST_F(QueryFiltersTest, LanguagePrimarySubtagOrExactTag) {
  EXPECT_THAT(Names(Q({}, {}, "zh")), ElementsAre("a2", "a1"));  // a5 is not flagged
  EXPECT_THAT(Names(Q({}, {}, "ZH")), ElementsAre("a2", "a1"));
  EXPECT_THAT(Names(Q({}, {}, "zh-hant")), ElementsAre("a1"));
  EXPECT_THAT(Names(Q({}, {}, "en")), ElementsAre("a6", "a3"));
  EXPECT_THAT(Names(Q({}, {}, "en-GB")), ElementsAre("a6"));
  EXPECT_THAT(Names(Q({}, {}, "ug")), ElementsAre("a4"));
  EXPECT_TRUE(Names(Q({}, {}, "fr")).empty());
  EXPECT_THAT(Names(Q("wl2", {}, "zh")), ElementsAre("a1"));
}

TEST_F(QueryFiltersTest, SourceIsFeedIdOrOutletName) {
  EXPECT_THAT(Names(Q({}, {}, {}, "f-zh")), ElementsAre("a2", "a1"));
  EXPECT_THAT(Names(Q({}, {}, {}, "Outlet ZH")), ElementsAre("a4", "a2", "a1"));
  EXPECT_THAT(Names(Q({}, {}, {}, "f-en")), ElementsAre("a6", "a3"));
  EXPECT_TRUE(Names(Q({}, {}, {}, "outlet zh")).empty());  // exact
  EXPECT_TRUE(Names(Q({}, {}, {}, "f-")).empty());
  EXPECT_THAT(Names(Q("wl1", {}, {}, "Outlet ZH")), ElementsAre("a2", "a1"));
  EXPECT_THAT(Names(Q({}, {}, "ug", "Outlet ZH")), ElementsAre("a4"));
  Result<std::vector<MatchHit>> hits = store_->QueryMatches(Q({}, {}, {}, "f-zh"));
  ASSERT_TRUE(hits.ok());
  EXPECT_THAT(MatchTargets((*hits)[1]), ElementsAre("wl1/guan", "wl2/camp"));
}

TEST_F(QueryFiltersTest, SourceNamingBothAFeedAndAnOutletListsEachArticleOnce) {
  ArticleRecord same = Make("s1", 700, "en", "X", "X");
  ArticleRecord feed = Make("s2", 710, "en", "X", "Other");
  ArticleRecord outlet = Make("s3", 720, "en", "y", "X");
  Put(same, {MakeMatch("wl9", "t")});
  Put(feed, {MakeMatch("wl9", "t")});
  Put(outlet, {MakeMatch("wl9", "t")});
  EXPECT_THAT(Names(Q({}, {}, {}, "X")), ElementsAre("s3", "s2", "s1"));
  MatchQuery two = Q({}, {}, {}, "X");
  two.limit = 2;
  EXPECT_THAT(Names(two), ElementsAre("s3", "s2"));
}

TEST_F(QueryFiltersTest, EveryFilterTogetherWithTimeRangeAndLimit) {
  MatchQuery q = Q("wl1", "guan", "zh", "f-zh");
  EXPECT_THAT(Names(q), ElementsAre("a2", "a1"));
  q.until = 200;
  EXPECT_THAT(Names(q), ElementsAre("a1"));
  q.until.reset();
  q.since = 101;
  EXPECT_THAT(Names(q), ElementsAre("a2"));
  q.since.reset();
  q.limit = 1;
  EXPECT_THAT(Names(q), ElementsAre("a2"));

  MatchQuery camp = Q({}, "camp");
  camp.since = 300;
  EXPECT_THAT(Names(camp), ElementsAre("a6", "a3"));
  camp.limit = 1;
  EXPECT_THAT(Names(camp), ElementsAre("a6"));
  MatchQuery lang = Q({}, {}, "en");
  lang.until = 600;
  EXPECT_THAT(Names(lang), ElementsAre("a3"));
  MatchQuery source = Q({}, {}, {}, "Outlet ZH");
  source.since = 150;
  source.until = 450;
  EXPECT_THAT(Names(source), ElementsAre("a4", "a2"));
  source.limit = 1;
  EXPECT_THAT(Names(source), ElementsAre("a4"));
  EXPECT_TRUE(Names(Q("wl2", "guan", "zh")).empty());
  EXPECT_TRUE(Names(Q({}, "camp", {}, "f-ug")).empty());
}

TEST(RocksStoreTest, TextLivesInItsOwnZstdFamily) {
  // Debian 12's librocksdb is built with zstd; the issue asks for it.
  EXPECT_EQ(storage_internal::TextCompressionName(), "zstd");
  testing::TempDir dir;
  ArticleRecord a = MakeArticle("https://e.com/text", 10);
  a.text = std::string(5000, 'x') + "\n关恒\n";
  ArticleRecord empty = MakeArticle("https://e.com/empty", 11);
  empty.text.clear();
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
    ASSERT_TRUE(*store->PutArticle(empty, {}));
  }
  namespace si = storage_internal;
  Result<std::optional<std::string>> record =
      si::ReadRawForTesting(dir.str(), si::kArticlesCf, a.id);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_LT((*record)->size(), 300u);  // metadata only
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kArticleTextCf, a.id), a.text);
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kArticleTextCf, empty.id), std::nullopt);

  auto store = OpenOrDie(dir.str(), ReadOnly());
  ExpectSameArticle(**store->GetArticle(a.id), a);
  ExpectSameArticle(**store->GetArticle(empty.id), empty);
  EXPECT_EQ(store->ListArticles(10)->at(1).text, a.text);
  EXPECT_TRUE(store->QueryMatches({})->at(0).article.text.empty());
}

}  // namespace
}  // namespace mw
