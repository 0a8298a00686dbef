// The Store contract (storage/store.h), run against both backends: the
// embedded RocksDB store and the PostgreSQL store. Every test here passes on
// both, which is what "the same API" means: the crawler, the dispatcher and
// the query commands cannot tell them apart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/pg_store.h"
#include "storage/store.h"
#include "tests/support/pg_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"

namespace mw {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using namespace store_fixtures;

enum class Backend { kRocksDb, kPostgres };

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      MW_REQUIRE_POSTGRES(server);
      Result<std::string> uri = server->CreateDatabase();
      ASSERT_TRUE(uri.ok()) << uri.status().ToString();
      uri_ = *uri;
    }
    store_ = Open({});
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> Open(const StoreOptions& options) {
    Result<std::unique_ptr<Store>> store = GetParam() == Backend::kPostgres
                                               ? OpenPostgresStore(uri_, options)
                                               : OpenRocksStore(dir_.str() + "/db", options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Stores `a` with `matches`; expects a new article.
  void Put(const ArticleRecord& a, const std::vector<MatchRecord>& matches = {}) {
    Result<bool> put = store_->PutArticle(a, matches);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_TRUE(*put) << a.url;
  }

  std::vector<MatchHit> Query(const MatchQuery& q) {
    Result<std::vector<MatchHit>> hits = store_->QueryMatches(q);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<MatchHit>();
  }

  testing::TempDir dir_;
  std::string uri_;
  std::unique_ptr<Store> store_;
};

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kPostgres ? "PostgreSQL" : "RocksDB";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         ::testing::Values(Backend::kRocksDb, Backend::kPostgres), BackendName);

ArticleRecord ChineseArticle() {
  ArticleRecord a =
      MakeArticle("https://news.example.cn/2026/01/guan-heng.html", 1769558400, 1769550000);
  a.language = "zh-Hant";
  a.source = "中央社";
  a.title = "關恆案：記者追蹤新疆拘押報導";
  a.text = "第一段。\n第二段：新疆、關恆、「引號」與 emoji 🙂。";
  a.byline = "記者 王小明";
  a.charset = "big5";
  return a;
}

ArticleRecord UyghurArticle() {
  ArticleRecord a = MakeArticle("https://ug.example.org/xewer/42", 1769558500);
  a.language = "ug";
  a.feed_id = "feed-ug";
  a.source = "ئەركىن ئاسىيا";
  a.title = "شىنجاڭدىكى يېڭى ئەھۋال";
  a.text = "بىرىنچى ئابزاس.\nئىككىنچى ئابزاس — «ئۇيغۇر» تېكىستى.";
  a.byline = "مۇخبىر";
  return a;
}

TEST_P(StoreContractTest, EveryFieldRoundTripsInChineseAndUyghur) {
  for (const ArticleRecord& a : {ChineseArticle(), UyghurArticle()}) {
    Put(a, {MakeMatch("wl", "新疆")});
    Result<std::optional<ArticleRecord>> got = store_->GetArticle(a.id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value());
    ExpectSameArticle(**got, a);
    EXPECT_EQ((*got)->simhash, 0u);
    EXPECT_EQ((*got)->cluster_id, "");
    Result<std::optional<std::string>> id = store_->FindArticleIdByUrl(a.url);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, std::optional<std::string>(a.id));
  }
  Result<std::optional<ArticleRecord>> missing = store_->GetArticle("0123456789abcdef");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_FALSE(*store_->HasArticleUrl("https://nowhere.example/"));
  EXPECT_FALSE(*store_->HasArticleUrl(""));
}

TEST_P(StoreContractTest, MatchesAreSortedByWatchlistThenTarget) {
  const ArticleRecord a = ChineseArticle();
  MatchRecord m = MakeMatch("b-list", "關恆");
  m.kind = "entity";
  m.term = "關恆";
  m.field = "title";
  m.snippet = "…關恆案…";
  m.count = 7;
  Put(a, {MakeMatch("z-list", "t1"), m, MakeMatch("b-list", "a-target"), MakeMatch("a", "z")});
  Result<std::vector<MatchRecord>> matches = store_->GetMatches(a.id);
  ASSERT_TRUE(matches.ok()) << matches.status().ToString();
  std::vector<std::string> keys;
  for (const MatchRecord& r : *matches) keys.push_back(r.watchlist_id + "/" + r.target_id);
  EXPECT_THAT(keys, ElementsAre("a/z", "b-list/a-target", "b-list/關恆", "z-list/t1"));
  const MatchRecord& got = (*matches)[2];
  EXPECT_EQ(got.kind, "entity");
  EXPECT_EQ(got.term, "關恆");
  EXPECT_EQ(got.field, "title");
  EXPECT_EQ(got.snippet, "…關恆案…");
  EXPECT_EQ(got.count, 7);
  EXPECT_THAT(*store_->GetMatches("0123456789abcdef"), IsEmpty());
  EXPECT_THAT(*store_->GetMatches("not an id"), IsEmpty());
}

TEST_P(StoreContractTest, DuplicateUrlWritesOnlyNewAliases) {
  const ArticleRecord a = MakeArticle("https://example.com/a", 100);
  ArticleWrite first;
  first.article = a;
  first.matches = {MakeMatch("wl", "t")};
  first.alias_urls = {"https://example.com/a?amp=1", a.url};
  first.raw_html = std::string("<html>\0\xff bytes</html>", 22);
  Result<PutResult> put = store_->PutArticle(first);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(put->inserted);
  EXPECT_EQ(put->article_id, a.id);

  // Same URL again, other content and a new alias: nothing but the alias.
  ArticleWrite again = first;
  again.article.title = "changed";
  again.matches = {MakeMatch("wl", "t"), MakeMatch("other", "x")};
  again.alias_urls = {"https://m.example.com/a"};
  again.raw_html = "other";
  put = store_->PutArticle(again);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_FALSE(put->inserted);
  EXPECT_EQ(put->article_id, a.id);

  EXPECT_EQ((*store_->GetArticle(a.id))->title, a.title);
  EXPECT_EQ(store_->GetMatches(a.id)->size(), 1u);
  EXPECT_EQ(**store_->GetRawHtml(a.id), first.raw_html);
  EXPECT_EQ(*store_->CountPendingAlerts(), 1u);
  Result<StoreStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->articles, 1);
  EXPECT_EQ(stats->matches, 1);
  EXPECT_EQ((*store_->GetFeedState("feed-1"))->articles_stored, 1);
  EXPECT_THAT(*store_->UrlsOf(a.id),
              ElementsAre(a.url, "https://example.com/a?amp=1", "https://m.example.com/a"));

  // A new article whose alias is an old URL: the alias keeps pointing at
  // the first article; an article through an alias URL is "already stored".
  ArticleWrite other;
  other.article = MakeArticle("https://example.com/b", 200);
  other.alias_urls = {"https://m.example.com/a", "https://example.com/b?x"};
  put = store_->PutArticle(other);
  ASSERT_TRUE(put.ok());
  EXPECT_TRUE(put->inserted);
  EXPECT_EQ(**store_->FindArticleIdByUrl("https://m.example.com/a"), a.id);
  EXPECT_EQ(**store_->FindArticleIdByUrl("https://example.com/b?x"), other.article.id);
  ArticleWrite via_alias;
  via_alias.article = MakeArticle("https://example.com/a?amp=1", 300);
  put = store_->PutArticle(via_alias);
  ASSERT_TRUE(put.ok());
  EXPECT_FALSE(put->inserted);
  EXPECT_EQ(put->article_id, a.id);
  EXPECT_FALSE(store_->GetRawHtml(other.article.id)->has_value());
  EXPECT_THAT(*store_->UrlsOf("0123456789abcdef"), IsEmpty());
}

TEST_P(StoreContractTest, FeedHostAndRunState) {
  FeedState f;
  f.feed_id = "feed-1";
  f.url = "https://example.com/rss";
  f.etag = "\"abc\xff\"";  // raw header bytes
  f.last_modified = "Tue, 27 Jan 2026 00:00:00 GMT";
  f.last_fetch_at = 10;
  f.last_success_at = 9;
  f.last_http_status = 304;
  f.last_error = "timeout";
  f.consecutive_failures = 2;
  f.articles_stored = 99;  // kept only when no record exists
  f.config_url = "http://example.com/rss";
  f.next_poll_at = 1000;
  f.interval_seconds = 900;
  f.last_new_entry_at = 8;
  f.polls = 5;
  f.retired = true;
  ASSERT_TRUE(store_->PutFeedState(f).ok());
  Result<std::optional<FeedState>> got = store_->GetFeedState("feed-1");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  const FeedState& g = **got;
  EXPECT_EQ(g.url, f.url);
  EXPECT_EQ(g.etag, f.etag);
  EXPECT_EQ(g.last_modified, f.last_modified);
  EXPECT_EQ(g.last_fetch_at, 10);
  EXPECT_EQ(g.last_success_at, 9);
  EXPECT_EQ(g.last_http_status, 304);
  EXPECT_EQ(g.last_error, "timeout");
  EXPECT_EQ(g.consecutive_failures, 2);
  EXPECT_EQ(g.articles_stored, 99);
  EXPECT_EQ(g.config_url, f.config_url);
  EXPECT_EQ(g.next_poll_at, 1000);
  EXPECT_EQ(g.interval_seconds, 900);
  EXPECT_EQ(g.last_new_entry_at, 8);
  EXPECT_EQ(g.polls, 5);
  EXPECT_TRUE(g.retired);

  // The store keeps the article count: PutArticle adds, PutFeedState keeps.
  Put(MakeArticle("https://example.com/1", 1));
  f.articles_stored = 0;
  f.polls = 6;
  ASSERT_TRUE(store_->PutFeedState(f).ok());
  EXPECT_EQ((*store_->GetFeedState("feed-1"))->articles_stored, 100);
  EXPECT_EQ((*store_->GetFeedState("feed-1"))->polls, 6);
  // PutArticle creates the record of an unknown feed.
  ArticleRecord other = MakeArticle("https://example.com/2", 2);
  other.feed_id = "a-feed";
  Put(other);
  Result<std::vector<FeedState>> all = store_->ListFeedStates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].feed_id, "a-feed");
  EXPECT_EQ((*all)[0].articles_stored, 1);
  EXPECT_EQ((*all)[1].feed_id, "feed-1");
  EXPECT_FALSE(store_->GetFeedState("nope")->has_value());
  EXPECT_FALSE(store_->GetFeedState("")->has_value());
  EXPECT_EQ(store_->PutFeedState(FeedState{}).code(), StatusCode::kInvalidArgument);

  HostState h;
  h.host = "example.com:8080";
  h.robots_body = std::string("User-agent: *\nDisallow: /x\n\0\xfe", 29);
  h.robots_status = 200;
  h.robots_fetched_at = 5;
  h.robots_expires_at = 86405;
  ASSERT_TRUE(store_->PutHostState(h).ok());
  Result<std::optional<HostState>> host = store_->GetHostState("example.com:8080");
  ASSERT_TRUE(host.ok() && host->has_value());
  EXPECT_EQ((*host)->robots_body, h.robots_body);
  EXPECT_EQ((*host)->robots_status, 200);
  EXPECT_EQ((*host)->robots_fetched_at, 5);
  EXPECT_EQ((*host)->robots_expires_at, 86405);
  EXPECT_FALSE(store_->GetHostState("other")->has_value());
  EXPECT_EQ(store_->PutHostState(HostState{}).code(), StatusCode::kInvalidArgument);

  EXPECT_FALSE(store_->GetRunState()->has_value());
  RunState r;
  r.pid = 4242;
  r.host = "crawler-1";
  r.started_at = 1;
  r.heartbeat_at = 2;
  r.stopped_at = 3;
  r.passes = 4;
  r.feeds_polled = 5;
  r.articles_stored = 6;
  r.matched_articles = 7;
  r.errors = 8;
  r.feeds_failing = 9;
  r.next_due_at = 10;
  r.last_error = "feed x: HTTP 500";
  ASSERT_TRUE(store_->PutRunState(r).ok());
  r.passes = 40;
  ASSERT_TRUE(store_->PutRunState(r).ok());
  Result<std::optional<RunState>> run = store_->GetRunState();
  ASSERT_TRUE(run.ok() && run->has_value());
  EXPECT_EQ((*run)->pid, 4242);
  EXPECT_EQ((*run)->host, "crawler-1");
  EXPECT_EQ((*run)->passes, 40);
  EXPECT_EQ((*run)->next_due_at, 10);
  EXPECT_EQ((*run)->errors, 8);
  EXPECT_EQ((*run)->last_error, r.last_error);
}

// A corpus for the query tests: five articles over three days.
class QueryCorpus {
 public:
  static constexpr int64_t kDay = 86400;
  static constexpr int64_t kT0 = 1769558400;  // 2026-01-28 00:00 UTC, a Wednesday

  static void Fill(Store* store) {
    auto put = [&](ArticleRecord a, std::vector<MatchRecord> m) {
      Result<bool> r = store->PutArticle(a, m);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    };
    ArticleRecord a1 = MakeArticle("https://a.example/1", kT0 + 100);
    a1.language = "zh";
    a1.feed_id = "feed-a";
    a1.source = "Outlet A";
    put(a1, {MakeMatch("wl1", "t1"), MakeMatch("wl2", "t9")});
    ArticleRecord a2 = MakeArticle("https://a.example/2", kT0 + 50, kT0 + kDay + 10);
    a2.language = "zh-Hant";
    a2.feed_id = "feed-a";
    a2.source = "Outlet A";
    put(a2, {MakeMatch("wl1", "t2")});
    ArticleRecord a3 = MakeArticle("https://b.example/3", kT0 + 2 * kDay + 5);
    a3.language = "EN_us";
    a3.feed_id = "feed-b";
    a3.source = "";
    put(a3, {MakeMatch("wl1", "t1")});
    ArticleRecord a4 = MakeArticle("https://b.example/4", kT0 + 2 * kDay + 6);
    a4.language = "ug";
    a4.feed_id = "feed-b";
    a4.source = "Outlet B";
    put(a4, {});  // not flagged
    ArticleRecord a5 = MakeArticle("https://b.example/5", kT0 - 40 * kDay);
    a5.language = "ug";
    a5.feed_id = "feed-c";
    a5.source = "Outlet A";
    put(a5, {MakeMatch("wl2", "t1")});
  }
};

TEST_P(StoreContractTest, QueryMatchesFiltersAndOrder) {
  QueryCorpus::Fill(store_.get());
  constexpr int64_t kT0 = QueryCorpus::kT0, kDay = QueryCorpus::kDay;
  MatchQuery q;
  std::vector<MatchHit> hits = Query(q);
  EXPECT_THAT(HitUrls(hits), ElementsAre("https://b.example/3", "https://a.example/2",
                                         "https://a.example/1", "https://b.example/5"));
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[1].time, kT0 + kDay + 10);  // published wins over fetched_at
  EXPECT_THAT(MatchTargets(hits[2]), ElementsAre("wl1/t1", "wl2/t9"));
  EXPECT_EQ(hits[0].article.text, "");
  EXPECT_EQ(hits[0].cluster_size, 0u);

  q.watchlist_id = "wl1";
  hits = Query(q);
  EXPECT_THAT(HitUrls(hits),
              ElementsAre("https://b.example/3", "https://a.example/2", "https://a.example/1"));
  EXPECT_THAT(MatchTargets(hits[2]), ElementsAre("wl1/t1"));  // only the queried list

  q = {};
  q.target_id = "t1";
  hits = Query(q);
  EXPECT_THAT(HitUrls(hits),
              ElementsAre("https://b.example/3", "https://a.example/1", "https://b.example/5"));
  EXPECT_THAT(MatchTargets(hits[1]), ElementsAre("wl1/t1", "wl2/t9"));  // all of its matches
  q.watchlist_id = "wl2";
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://b.example/5"));

  q = {};
  q.language = "zh";
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://a.example/2", "https://a.example/1"));
  q.language = "ZH_hant";
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://a.example/2"));
  q.language = "en-US";
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://b.example/3"));
  q.language = "ug";
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://b.example/5"));
  q.flagged_only = false;
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://b.example/4", "https://b.example/5"));

  q = {};
  q.source = "Outlet A";  // outlet name
  EXPECT_THAT(HitUrls(Query(q)),
              ElementsAre("https://a.example/2", "https://a.example/1", "https://b.example/5"));
  q.source = "feed-b";  // feed id
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://b.example/3"));
  q.flagged_only = false;
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://b.example/4", "https://b.example/3"));
  q.source = "feed-a";
  q.flagged_only = true;
  q.watchlist_id = "wl2";
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://a.example/1"));

  q = {};
  q.since = kT0 + 50;
  q.until = kT0 + 2 * kDay + 5;  // exclusive
  EXPECT_THAT(HitUrls(Query(q)), ElementsAre("https://a.example/2", "https://a.example/1"));
  q.since = q.until;
  EXPECT_THAT(Query(q), IsEmpty());

  q = {};
  q.flagged_only = false;
  q.with_text = true;
  hits = Query(q);
  EXPECT_THAT(HitUrls(hits),
              ElementsAre("https://b.example/4", "https://b.example/3", "https://a.example/2",
                          "https://a.example/1", "https://b.example/5"));
  EXPECT_EQ(hits[0].article.text, "First block.\nSecond block.");
  EXPECT_THAT(hits[0].matches, IsEmpty());

  q = {};
  q.watchlist_id = "no-such-list";
  EXPECT_THAT(Query(q), IsEmpty());
  q = {};
  q.limit = 0;
  EXPECT_THAT(Query(q), IsEmpty());
  q = {};
  q.watchlist_id = std::string(70000, 'w');
  EXPECT_THAT(Query(q), IsEmpty());
}

TEST_P(StoreContractTest, QueryMatchesPagesWithACursor) {
  // Ten articles, two per second: ties on time are ordered by id.
  for (int i = 0; i < 10; ++i) {
    Put(MakeArticle("https://p.example/" + std::to_string(i), 1000 + i / 2),
        {MakeMatch("wl", "t")});
  }
  MatchQuery q;
  q.limit = 3;
  std::vector<std::string> all;
  for (int page = 0; page < 10; ++page) {
    std::vector<MatchHit> hits = Query(q);
    for (const MatchHit& h : hits) all.push_back(h.article.id);
    if (hits.size() < q.limit) break;
    q.after = QueryCursor{hits.back().time, hits.back().article.id};
  }
  ASSERT_EQ(all.size(), 10u);
  MatchQuery everything;
  std::vector<std::string> expected;
  for (const MatchHit& h : Query(everything)) expected.push_back(h.article.id);
  EXPECT_EQ(all, expected);
  // Newest first; ties on time by the larger id first.
  std::vector<MatchHit> hits = Query(everything);
  for (size_t i = 1; i < hits.size(); ++i) {
    EXPECT_TRUE(hits[i - 1].time > hits[i].time ||
                (hits[i - 1].time == hits[i].time && hits[i - 1].article.id > hits[i].article.id));
  }
  q.after = QueryCursor{5, "not-hex"};
  EXPECT_EQ(store_->QueryMatches(q).status().code(), StatusCode::kInvalidArgument);
  q.since = 10;
  q.until = 10;  // an empty range is empty before the cursor is looked at
  Result<std::vector<MatchHit>> none = store_->QueryMatches(q);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_THAT(*none, IsEmpty());
}

TEST_P(StoreContractTest, TimelineBucketsAndSplits) {
  QueryCorpus::Fill(store_.get());
  constexpr int64_t kT0 = QueryCorpus::kT0, kDay = QueryCorpus::kDay;
  TimelineQuery q;
  Result<std::vector<TimelineCount>> t = store_->Timeline(q);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::vector<std::tuple<int64_t, std::string, int64_t>> got;
  for (const TimelineCount& c : *t) got.emplace_back(c.bucket_start, c.group, c.articles);
  EXPECT_THAT(
      got, ElementsAre(std::make_tuple(kT0 - 40 * kDay, "", 1), std::make_tuple(kT0, "", 1),
                       std::make_tuple(kT0 + kDay, "", 1), std::make_tuple(kT0 + 2 * kDay, "", 1)));

  q.bucket = TimeBucket::kWeek;
  q.split = TimelineSplit::kLanguage;
  t = store_->Timeline(q);
  ASSERT_TRUE(t.ok());
  got.clear();
  for (const TimelineCount& c : *t) got.emplace_back(c.bucket_start, c.group, c.articles);
  const int64_t monday = kT0 - 2 * kDay;
  EXPECT_THAT(got,
              ElementsAre(std::make_tuple(BucketStart(TimeBucket::kWeek, kT0 - 40 * kDay), "ug", 1),
                          std::make_tuple(monday, "EN_us", 1), std::make_tuple(monday, "zh", 1),
                          std::make_tuple(monday, "zh-Hant", 1)));

  q.bucket = TimeBucket::kMonth;
  q.split = TimelineSplit::kSource;
  q.filters.flagged_only = false;
  t = store_->Timeline(q);
  ASSERT_TRUE(t.ok());
  got.clear();
  for (const TimelineCount& c : *t) got.emplace_back(c.bucket_start, c.group, c.articles);
  EXPECT_THAT(got, ElementsAre(std::make_tuple(BucketStart(TimeBucket::kMonth, kT0 - 40 * kDay),
                                               "Outlet A", 1),
                               std::make_tuple(BucketStart(TimeBucket::kMonth, kT0), "Outlet A", 2),
                               std::make_tuple(BucketStart(TimeBucket::kMonth, kT0), "Outlet B", 1),
                               std::make_tuple(BucketStart(TimeBucket::kMonth, kT0), "feed-b", 1)));

  q = {};
  q.filters.target_id = "t1";
  q.filters.since = kT0;
  q.filters.after = QueryCursor{0, "ignored"};
  q.filters.limit = 1;  // ignored too
  t = store_->Timeline(q);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  got.clear();
  for (const TimelineCount& c : *t) got.emplace_back(c.bucket_start, c.group, c.articles);
  EXPECT_THAT(got,
              ElementsAre(std::make_tuple(kT0, "", 1), std::make_tuple(kT0 + 2 * kDay, "", 1)));
}

TEST_P(StoreContractTest, NearDuplicatesJoinOneCluster) {
  constexpr uint64_t kHash = 0x0123456789abcdefULL;
  ArticleRecord first = MakeArticle("https://c.example/1", 10000);
  first.simhash = kHash;
  first.cluster_id = "ignored";
  Put(first, {MakeMatch("wl", "t")});
  ArticleRecord copy = MakeArticle("https://c.example/2", 10100);
  copy.simhash = kHash ^ 0x7;  // distance 3
  Put(copy, {MakeMatch("wl", "t")});
  ArticleRecord far = MakeArticle("https://c.example/3", 10200);
  far.simhash = ~kHash;
  Put(far, {MakeMatch("wl", "t")});
  ArticleRecord late = MakeArticle("https://c.example/4", 10100 + kClusterWindowSeconds + 1);
  late.simhash = kHash;  // identical, but outside the window of every copy
  Put(late, {MakeMatch("wl", "t")});
  ArticleRecord earlier = MakeArticle("https://c.example/5", 9000);
  earlier.simhash = kHash ^ 0x100;  // joins although older (within the window)
  Put(earlier);

  auto cluster_of = [&](const ArticleRecord& a) { return (*store_->GetArticle(a.id))->cluster_id; };
  EXPECT_EQ(cluster_of(first), first.id);
  EXPECT_EQ(cluster_of(copy), first.id);
  EXPECT_EQ(cluster_of(far), far.id);
  EXPECT_EQ(cluster_of(late), late.id);
  EXPECT_EQ(cluster_of(earlier), first.id);
  EXPECT_EQ((*store_->GetArticle(copy.id))->simhash, copy.simhash);
  EXPECT_EQ((*store_->GetArticle(far.id))->simhash, far.simhash);  // high bit set

  Result<std::vector<ArticleRecord>> members = store_->ClusterMembers(first.id, 10);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  std::vector<std::string> urls;
  for (const ArticleRecord& m : *members) {
    urls.push_back(m.url);
    EXPECT_EQ(m.text, "");
  }
  EXPECT_THAT(urls, ElementsAre(earlier.url, first.url, copy.url));
  EXPECT_EQ(store_->ClusterMembers(first.id, 2)->size(), 2u);
  EXPECT_THAT(*store_->ClusterMembers("0123456789abcdef", 10), IsEmpty());
  EXPECT_THAT(*store_->ClusterMembers("bad", 10), IsEmpty());

  std::map<std::string, size_t> sizes;
  for (const MatchHit& h : Query(MatchQuery{})) sizes[h.article.url] = h.cluster_size;
  EXPECT_EQ(sizes[first.url], 3u);
  EXPECT_EQ(sizes[copy.url], 3u);
  EXPECT_EQ(sizes[far.url], 1u);
  EXPECT_EQ(sizes[late.url], 1u);
}

TEST_P(StoreContractTest, RechecksVersionsEventsAndChangeAlerts) {
  ArticleWrite w;
  w.article = MakeArticle("https://r.example/1", 500);
  w.matches = {MakeMatch("wl-b", "t2"), MakeMatch("wl-a", "t1"), MakeMatch("wl-b", "t1")};
  w.recheck_at = 1000;
  ASSERT_TRUE(store_->PutArticle(w).ok());
  Put(MakeArticle("https://r.example/2", 600));  // no schedule
  ArticleWrite w3;
  w3.article = MakeArticle("https://r.example/3", 700);
  w3.recheck_at = 900;
  ASSERT_TRUE(store_->PutArticle(w3).ok());

  EXPECT_THAT(*store_->DueRechecks(899, 10), IsEmpty());
  Result<std::vector<Recheck>> due = store_->DueRechecks(1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].article_id, w3.article.id);
  EXPECT_EQ((*due)[0].due_at, 900);
  EXPECT_EQ((*due)[1].article_id, w.article.id);
  EXPECT_EQ((*due)[1].step, 0);
  EXPECT_EQ(store_->DueRechecks(1000, 1)->size(), 1u);
  EXPECT_THAT(*store_->DueRechecks(1000, 0), IsEmpty());

  ArticleVersion edit;
  edit.number = 99;  // ignored
  edit.found_at = 1001;
  edit.kind = "edited";
  edit.title = "新標題";
  edit.text = "改過的正文";
  edit.diff = "-old\n+new";
  edit.http_status = 200;
  ASSERT_TRUE(store_->RecordRecheck((*due)[1], edit, Recheck{"", 5000, 1}).ok());
  ArticleVersion removed;
  removed.found_at = 5001;
  removed.kind = "removed";
  removed.reason = "HTTP 404";
  removed.http_status = 404;
  ASSERT_TRUE(store_->RecordRecheck(Recheck{w.article.id, 5000, 1}, removed, std::nullopt).ok());
  // No change: only the schedule moves.
  ASSERT_TRUE(store_->RecordRecheck((*due)[0], std::nullopt, Recheck{"", 2000, 3}).ok());

  Result<std::vector<Recheck>> later = store_->DueRechecks(INT64_MAX, 10);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].article_id, w3.article.id);
  EXPECT_EQ((*later)[0].due_at, 2000);
  EXPECT_EQ((*later)[0].step, 3);

  Result<std::vector<ArticleVersion>> versions = store_->GetVersions(w.article.id);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].number, 2);
  EXPECT_EQ((*versions)[0].title, "新標題");
  EXPECT_EQ((*versions)[0].text, "改過的正文");
  EXPECT_EQ((*versions)[0].diff, "-old\n+new");
  EXPECT_EQ((*versions)[0].http_status, 200);
  EXPECT_EQ((*versions)[1].number, 3);
  EXPECT_EQ((*versions)[1].kind, "removed");
  EXPECT_EQ((*versions)[1].reason, "HTTP 404");
  EXPECT_THAT(*store_->GetVersions(w3.article.id), IsEmpty());
  EXPECT_THAT(*store_->GetVersions("zz"), IsEmpty());

  Result<std::vector<ArticleEvent>> events = store_->ListEvents(0, 10000, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].time, 1001);
  EXPECT_EQ((*events)[0].kind, "edited");
  EXPECT_EQ((*events)[0].version, 2);
  EXPECT_EQ((*events)[1].kind, "removed");
  EXPECT_EQ((*events)[1].version, 3);
  EXPECT_EQ(store_->ListEvents(1002, 10000, 10)->size(), 1u);
  EXPECT_EQ(store_->ListEvents(0, 5001, 10)->size(), 1u);  // until is exclusive
  EXPECT_EQ(store_->ListEvents(0, 10000, 1)->size(), 1u);
  EXPECT_THAT(*store_->ListEvents(10, 10, 10), IsEmpty());

  // Alerts: one "match" per watch-list at insert, then one per watch-list
  // per change, each with the watch-list's sorted targets.
  Result<std::vector<PendingAlert>> pending = store_->PendingAlerts(100);
  ASSERT_TRUE(pending.ok());
  std::vector<std::string> ids;
  for (const PendingAlert& p : *pending) ids.push_back(p.alert.id);
  const std::string& id = w.article.id;
  EXPECT_THAT(ids,
              ElementsAre(id + ".1.match.wl-a", id + ".1.match.wl-b", id + ".2.edited.wl-a",
                          id + ".2.edited.wl-b", id + ".3.removed.wl-a", id + ".3.removed.wl-b"));
  EXPECT_EQ((*pending)[1].alert.created_at, 500);
  EXPECT_THAT((*pending)[1].alert.target_ids, ElementsAre("t1", "t2"));
  EXPECT_EQ((*pending)[3].alert.event, "edited");
  EXPECT_EQ((*pending)[3].alert.version, 2);
  EXPECT_EQ((*pending)[3].alert.created_at, 1001);

  // Errors: unknown article, bad id, bad kind, bad step.
  EXPECT_EQ(
      store_->RecordRecheck(Recheck{"0123456789abcdef", 1, 0}, std::nullopt, std::nullopt).code(),
      StatusCode::kNotFound);
  EXPECT_EQ(store_->RecordRecheck(Recheck{"nope", 1, 0}, std::nullopt, std::nullopt).code(),
            StatusCode::kInvalidArgument);
  ArticleVersion bad = edit;
  bad.kind = "vanished";
  EXPECT_EQ(store_->RecordRecheck(Recheck{id, 1, 0}, bad, std::nullopt).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RecordRecheck(Recheck{id, 1, 0}, std::nullopt, Recheck{"", 1, -1}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetVersions(id)->size(), 2u);
}

TEST_P(StoreContractTest, AlertOutboxDeliveriesAndHistory) {
  ArticleRecord a = MakeArticle("https://o.example/1", 300);
  Put(a, {MakeMatch("wl1", "x"), MakeMatch("wl2", "y")});
  ArticleRecord b = MakeArticle("https://o.example/2", 200);
  Put(b, {MakeMatch("wl1", "z")});
  Put(MakeArticle("https://o.example/3", 100));  // no match, no alert
  EXPECT_EQ(*store_->CountPendingAlerts(), 3u);
  Result<std::vector<PendingAlert>> pending = store_->PendingAlerts(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  const std::string b1 = AlertIdFor("wl1", b.id, "match", 1);
  const std::string a1 = AlertIdFor("wl1", a.id, "match", 1);
  const std::string a2 = AlertIdFor("wl2", a.id, "match", 1);
  EXPECT_EQ((*pending)[0].alert.id, b1);  // oldest created first
  EXPECT_EQ((*pending)[1].alert.id, a1);
  EXPECT_EQ((*pending)[2].alert.id, a2);
  EXPECT_THAT((*pending)[0].deliveries, IsEmpty());
  EXPECT_EQ(store_->PendingAlerts(2)->size(), 2u);

  AlertDelivery mail;
  mail.sink = "mail";
  mail.attempts = 1;
  mail.next_attempt_at = 400;
  mail.last_error = "421 try later\xff";
  AlertDelivery hook;
  hook.sink = "hook";
  hook.attempts = 1;
  hook.delivered_at = 350;
  hook.batch_id = "batch-1";
  ASSERT_TRUE(store_->PutDeliveries(a1, {mail, hook}).ok());
  mail.attempts = 2;
  mail.delivered_at = 410;
  ASSERT_TRUE(store_->PutDeliveries(a1, {mail}).ok());  // upsert; hook kept
  pending = store_->PendingAlerts(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ((*pending)[1].deliveries.size(), 2u);
  EXPECT_EQ((*pending)[1].deliveries[0].sink, "hook");
  EXPECT_EQ((*pending)[1].deliveries[0].batch_id, "batch-1");
  EXPECT_EQ((*pending)[1].deliveries[1].sink, "mail");
  EXPECT_EQ((*pending)[1].deliveries[1].attempts, 2);
  EXPECT_EQ((*pending)[1].deliveries[1].next_attempt_at, 400);
  EXPECT_EQ((*pending)[1].deliveries[1].delivered_at, 410);
  EXPECT_EQ((*pending)[1].deliveries[1].last_error, mail.last_error);

  // Batches are all or nothing.
  AlertDelivery batch;
  batch.sink = "digest";
  batch.delivered_at = 500;
  EXPECT_EQ(store_->PutDeliveriesBatch({{b1, batch}, {"no-such-alert", batch}}).code(),
            StatusCode::kNotFound);
  EXPECT_THAT((*store_->PendingAlerts(1))[0].deliveries, IsEmpty());
  EXPECT_EQ(store_->PutDeliveries("no-such-alert", {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->PutDeliveries("", {batch}).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->PutDeliveriesBatch({{b1, batch}, {a2, batch}}).ok());
  EXPECT_EQ((*store_->PendingAlerts(1))[0].deliveries.size(), 1u);

  // Bad delivery states.
  AlertDelivery bad;
  EXPECT_EQ(store_->PutDeliveries(b1, {bad}).code(), StatusCode::kInvalidArgument);
  bad.sink = std::string(kMaxSinkNameSize + 1, 's');
  EXPECT_EQ(store_->PutDeliveries(b1, {bad}).code(), StatusCode::kInvalidArgument);
  bad.sink = "s";
  bad.last_error = std::string(kMaxDeliveryFieldSize + 1, 'e');
  EXPECT_EQ(store_->PutDeliveries(b1, {bad}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutDeliveries(b1, {batch, batch}).code(), StatusCode::kInvalidArgument);

  // Completion moves alerts to the history; again is a no-op.
  ASSERT_TRUE(store_->CompleteAlerts({a1, b1, "unknown", ""}, 1000).ok());
  ASSERT_TRUE(store_->CompleteAlerts({a1, b1}, 2000).ok());
  EXPECT_EQ(*store_->CountPendingAlerts(), 1u);
  EXPECT_EQ(store_->PutDeliveries(a1, {batch}).code(), StatusCode::kNotFound);
  Result<std::vector<AlertRecord>> history = store_->AlertHistory("", 10);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].id, a1);  // newest created first
  EXPECT_EQ((*history)[0].completed_at, 1000);
  EXPECT_THAT((*history)[0].delivered_to, ElementsAre("hook", "mail"));
  EXPECT_THAT((*history)[0].target_ids, ElementsAre("x"));
  EXPECT_EQ((*history)[1].id, b1);
  EXPECT_THAT((*history)[1].delivered_to, ElementsAre("digest"));
  EXPECT_EQ(store_->AlertHistory("wl2", 10)->size(), 0u);
  EXPECT_EQ(store_->AlertHistory("wl1", 1)->size(), 1u);
  ASSERT_TRUE(store_->CompleteAlerts({a2}, 3000).ok());
  history = store_->AlertHistory("wl2", 10);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_THAT((*history)[0].delivered_to, ElementsAre("digest"));
  EXPECT_EQ(*store_->CountPendingAlerts(), 0u);
  EXPECT_EQ(store_->Stats()->alerts_pending, 0);
  ASSERT_TRUE(store_->CompleteAlerts({}, 1).ok());
}

TEST_P(StoreContractTest, AppStateAndItsLimits) {
  EXPECT_FALSE(store_->GetAppState("digest/wl1")->has_value());
  ASSERT_TRUE(store_->PutAppState("digest/wl1", "2026-01-28").ok());
  ASSERT_TRUE(store_->PutAppState("digest/wl1", std::string("v\0\xff", 3)).ok());
  EXPECT_EQ(**store_->GetAppState("digest/wl1"), std::string("v\0\xff", 3));
  ASSERT_TRUE(store_
                  ->PutAppState(std::string(kMaxAppStateKeySize, 'k'),
                                std::string(kMaxAppStateValueSize, 'v'))
                  .ok());
  EXPECT_EQ(store_->GetAppState(std::string(kMaxAppStateKeySize, 'k'))->value().size(),
            kMaxAppStateValueSize);
  EXPECT_EQ(store_->PutAppState("", "v").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutAppState(std::string(kMaxAppStateKeySize + 1, 'k'), "v").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutAppState("k", std::string(kMaxAppStateValueSize + 1, 'v')).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetAppState("").status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, StatsCountsAndBreakdowns) {
  QueryCorpus::Fill(store_.get());
  FeedState f;
  f.feed_id = "feed-z";
  ASSERT_TRUE(store_->PutFeedState(f).ok());
  Result<StoreStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->articles, 5);
  EXPECT_EQ(stats->matches, 5);
  EXPECT_EQ(stats->feeds, 4);  // feed-a, feed-b, feed-c (counted), feed-z
  EXPECT_GT(stats->schema_version, 0);
  EXPECT_GT(stats->disk_bytes, 0);
  EXPECT_THAT(stats->articles_per_feed,
              ElementsAre(Pair("feed-a", 2), Pair("feed-b", 2), Pair("feed-c", 1)));
  EXPECT_THAT(stats->articles_per_language,
              ElementsAre(Pair("EN_us", 1), Pair("ug", 2), Pair("zh", 1), Pair("zh-Hant", 1)));
  EXPECT_THAT(stats->articles_per_watchlist, ElementsAre(Pair("wl1", 3), Pair("wl2", 2)));
  EXPECT_THAT(stats->articles_per_target,
              ElementsAre(Pair(Pair("wl1", "t1"), 2), Pair(Pair("wl1", "t2"), 1),
                          Pair(Pair("wl2", "t1"), 1), Pair(Pair("wl2", "t9"), 1)));
  EXPECT_EQ(stats->alerts_pending, 5);  // one per watch-list per flagged article

  Result<std::vector<ArticleRecord>> list = store_->ListArticles(2);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].url, "https://b.example/4");
  EXPECT_EQ((*list)[0].text, "First block.\nSecond block.");
  EXPECT_EQ((*list)[1].url, "https://b.example/3");
  EXPECT_THAT(*store_->ListArticles(0), IsEmpty());
  EXPECT_EQ(store_->ListArticles(100)->size(), 5u);
}

TEST_P(StoreContractTest, BadInputIsAnErrorNotACrash) {
  ArticleRecord a = MakeArticle("https://bad.example/1", 1);
  a.id = "0123456789abcdef";  // not ArticleIdForUrl(url)
  EXPECT_EQ(store_->PutArticle(a, {}).status().code(), StatusCode::kInvalidArgument);
  a = MakeArticle("", 1);
  EXPECT_EQ(store_->PutArticle(a, {}).status().code(), StatusCode::kInvalidArgument);
  a = MakeArticle("https://bad.example/2", 1);
  a.feed_id = std::string(70000, 'f');
  EXPECT_EQ(store_->PutArticle(a, {}).status().code(), StatusCode::kInvalidArgument);
  a = MakeArticle("https://bad.example/3", 1);
  EXPECT_EQ(store_->PutArticle(a, {MakeMatch("", "t")}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutArticle(a, {MakeMatch("wl", "")}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutArticle(a, {MakeMatch("wl", "t"), MakeMatch("wl", "t")}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutArticle(a, {MakeMatch(std::string(70000, 'w'), "t")}).status().code(),
            StatusCode::kInvalidArgument);
  ArticleWrite w;
  w.article = a;
  w.raw_html = std::string(kMaxRawHtmlBytes + 1, 'h');
  EXPECT_EQ(store_->PutArticle(w).status().code(), StatusCode::kInvalidArgument);
  w.raw_html.clear();
  w.alias_urls = {""};
  EXPECT_EQ(store_->PutArticle(w).status().code(), StatusCode::kInvalidArgument);
  // Nothing of the refused writes was stored.
  EXPECT_EQ(store_->Stats()->articles, 0);
  EXPECT_FALSE(*store_->HasArticleUrl(a.url));

  // Lookups of malformed ids find nothing.
  EXPECT_FALSE(store_->GetArticle("")->has_value());
  EXPECT_FALSE(store_->GetArticle("0123456789ABCDEF")->has_value());
  EXPECT_FALSE(store_->GetArticle("'; DROP TABLE articles; --")->has_value());
  EXPECT_FALSE(store_->GetRawHtml("x")->has_value());
  EXPECT_FALSE(store_->FindArticleIdByUrl("'; DROP TABLE articles; --")->has_value());
  // A large (but valid) page is archived whole.
  w.alias_urls.clear();
  w.raw_html = std::string(kMaxRawHtmlBytes, '\0');
  Result<PutResult> put = store_->PutArticle(w);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(store_->GetRawHtml(a.id)->value().size(), kMaxRawHtmlBytes);
}

// One worker alone sees the same on both backends: its claims succeed, a
// renewal keeps its keys, a release and a re-claim work. What a second
// worker sees differs, as store.h documents: the RocksDB store belongs to
// one process (its defaults grant every claim and record nothing), the
// PostgreSQL store arbitrates.
TEST_P(StoreContractTest, LeasesAndWorkers) {
  const bool shared = GetParam() == Backend::kPostgres;
  const std::vector<std::string> keys = {"role:alerts", "host:news.example.cn", "host:ug.example"};
  Result<std::vector<std::string>> got = store_->ClaimLeases("w1", keys, 100, 160);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, keys);  // in the order given
  got = store_->ClaimLeases("w1", {"host:ug.example", "role:alerts"}, 150, 210);  // renewal
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_THAT(*got, ElementsAre("host:ug.example", "role:alerts"));
  EXPECT_THAT(*store_->ClaimLeases("w1", {}, 150, 210), IsEmpty());

  // Another worker while w1 holds the keys.
  got = store_->ClaimLeases("w2", {"host:news.example.cn", "host:new.example"}, 155, 215);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  if (shared) {
    EXPECT_THAT(*got, ElementsAre("host:new.example"));
  } else {
    EXPECT_THAT(*got, ElementsAre("host:news.example.cn", "host:new.example"));
  }

  ASSERT_TRUE(store_->ReleaseLeases("w1", {"role:alerts"}, 0).ok());
  got = store_->ClaimLeases("w1", {"role:alerts"}, 156, 216);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_THAT(*got, ElementsAre("role:alerts"));

  WorkerInfo w;
  w.id = "host-a:42:100";
  w.host = "host-a";
  w.pid = 42;
  w.started_at = 100;
  w.heartbeat_at = 156;
  w.passes = 3;
  ASSERT_TRUE(store_->PutWorker(w).ok());

  Result<std::vector<Lease>> leases = store_->ListLeases();
  ASSERT_TRUE(leases.ok()) << leases.status().ToString();
  Result<std::vector<WorkerInfo>> workers = store_->ListWorkers(0);
  ASSERT_TRUE(workers.ok()) << workers.status().ToString();
  if (!shared) {
    EXPECT_THAT(*leases, IsEmpty());
    EXPECT_THAT(*workers, IsEmpty());
    ASSERT_TRUE(store_->ReleaseLeases("w1", {}, 500).ok());
    return;
  }
  std::vector<std::string> summary;
  for (const Lease& l : *leases) {
    summary.push_back(l.key + " " + l.worker + " " + std::to_string(l.until) + " " +
                      std::to_string(l.not_before));
  }
  EXPECT_THAT(summary, ElementsAre("host:new.example w2 215 0", "host:news.example.cn w1 160 0",
                                   "host:ug.example w1 210 0", "role:alerts w1 216 0"));
  ASSERT_EQ(workers->size(), 1u);
  EXPECT_EQ((*workers)[0].id, w.id);
  EXPECT_EQ((*workers)[0].passes, 3);

  // Releasing all of w1's leases leaves w2's alone.
  ASSERT_TRUE(store_->ReleaseLeases("w1", {}, 500).ok());
  summary.clear();
  leases = store_->ListLeases();
  ASSERT_TRUE(leases.ok()) << leases.status().ToString();
  for (const Lease& l : *leases) {
    summary.push_back(l.key + " " + l.worker + " " + std::to_string(l.until) + " " +
                      std::to_string(l.not_before));
  }
  EXPECT_THAT(summary, ElementsAre("host:new.example w2 215 0", "host:news.example.cn  0 500",
                                   "host:ug.example  0 500", "role:alerts  0 500"));
}

TEST_P(StoreContractTest, ReadOnlyOpenRefusesWrites) {
  Put(MakeArticle("https://ro.example/1", 1), {MakeMatch("wl", "t")});
  const std::string alert = AlertIdFor("wl", ArticleIdForUrl("https://ro.example/1"), "match", 1);
  store_.reset();  // the RocksDB store allows one writer
  std::unique_ptr<Store> ro = Open(ReadOnly());
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->Stats()->articles, 1);
  EXPECT_EQ(ro->PutArticle(MakeArticle("https://ro.example/2", 1), {}).status().code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(ro->PutFeedState(FeedState{"f"}).code(), StatusCode::kUnsupported);
  EXPECT_EQ(ro->PutRunState(RunState{}).code(), StatusCode::kUnsupported);
  EXPECT_EQ(ro->PutAppState("k", "v").code(), StatusCode::kUnsupported);
  EXPECT_EQ(ro->CompleteAlerts({alert}, 1).code(), StatusCode::kUnsupported);
  EXPECT_EQ(ro->PutDeliveries(alert, {}).code(), StatusCode::kUnsupported);
  EXPECT_EQ(ro->RecordRecheck(Recheck{ArticleIdForUrl("https://ro.example/1"), 1, 0}, std::nullopt,
                              std::nullopt)
                .code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(ro->CountPendingAlerts().value(), 1u);
}

}  // namespace
}  // namespace mw
