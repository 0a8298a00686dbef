// StoreOptions::follow and Store::Refresh (storage/store.h): a read-only
// follower beside a live writer on the same database. RocksDB allows a
// primary and a secondary instance in one process, so the writer here is
// an ordinary store in the same test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocksdb_store_internal.h"
#include "storage/store.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"

namespace mw {
namespace {

using store_fixtures::HitUrls;
using store_fixtures::MakeArticle;
using store_fixtures::MakeMatch;
using store_fixtures::OpenOrDie;
using store_fixtures::ReadOnly;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

StoreOptions Follow() {
  StoreOptions options;
  options.follow = true;
  return options;
}

// Points $TMPDIR (where a follower keeps its working directory) at a test
// directory for the scope, so the test can watch that directory.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const std::string& dir) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (old_) {
      ::setenv("TMPDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }
  ScopedTmpdir(const ScopedTmpdir&) = delete;
  ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;

 private:
  std::optional<std::string> old_;
};

std::vector<std::string> Entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

int64_t Articles(Store& store) {
  Result<StoreStats> stats = store.Stats();
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  return stats.ok() ? stats->articles : -1;
}

TEST(FollowerTest, SeesTheWritersArticlesAfterRefreshOnly) {
  testing::TempDir dir;
  auto writer = OpenOrDie(dir.str());
  ASSERT_NE(writer, nullptr);
  const ArticleRecord first = MakeArticle("https://news.example.com/1", 1700000000, 1700000000);
  ASSERT_TRUE(*writer->PutArticle(first, {MakeMatch("wl", "guan-heng")}));

  // Opens while the writer holds the database (and its lock).
  auto follower = OpenOrDie(dir.str(), Follow());
  ASSERT_NE(follower, nullptr);
  EXPECT_EQ(Articles(*follower), 1);

  ArticleRecord second = MakeArticle("https://news.example.com/2", 1700086400, 1700086400);
  second.language = "ug";
  ASSERT_TRUE(*writer->PutArticle(second, {MakeMatch("wl", "guan-heng"), MakeMatch("wl", "x")}));

  // Not yet: the follower's view is as of its open.
  Result<std::optional<ArticleRecord>> missing = follower->GetArticle(second.id);
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_FALSE(missing->has_value());
  MatchQuery query;
  query.watchlist_id = "wl";
  Result<std::vector<MatchHit>> hits = follower->QueryMatches(query);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_THAT(HitUrls(*hits), ElementsAre(first.url));
  EXPECT_EQ(Articles(*follower), 1);

  ASSERT_TRUE(follower->Refresh().ok());

  Result<std::optional<ArticleRecord>> got = follower->GetArticle(second.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->title, second.title);
  EXPECT_EQ((*got)->text, second.text);
  Result<std::optional<std::string>> by_url = follower->FindArticleIdByUrl(second.url);
  ASSERT_TRUE(by_url.ok());
  EXPECT_EQ(*by_url, std::optional<std::string>(second.id));

  hits = follower->QueryMatches(query);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_THAT(HitUrls(*hits), ElementsAre(second.url, first.url));

  Result<StoreStats> stats = follower->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->articles, 2);
  EXPECT_EQ(stats->matches, 3);
  EXPECT_EQ(stats->articles_per_watchlist["wl"], 2);
  EXPECT_EQ(stats->articles_per_language["ug"], 1);
  EXPECT_EQ(stats->articles_per_feed["feed-1"], 2);

  TimelineQuery timeline;
  timeline.filters.target_id = "guan-heng";
  timeline.split = TimelineSplit::kLanguage;
  Result<std::vector<TimelineCount>> counts = follower->Timeline(timeline);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].group, "en");
  EXPECT_EQ((*counts)[1].group, "ug");
  EXPECT_EQ((*counts)[1].bucket_start, BucketStart(TimeBucket::kDay, 1700086400));

  // A refresh with nothing new changes nothing.
  ASSERT_TRUE(follower->Refresh().ok());
  EXPECT_EQ(Articles(*follower), 2);
}

TEST(FollowerTest, FollowsAWriterThatRestarts) {
  testing::TempDir dir;
  auto writer = OpenOrDie(dir.str());
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(*writer->PutArticle(MakeArticle("https://a.example/1", 1700000000), {}));
  auto follower = OpenOrDie(dir.str(), Follow());
  ASSERT_NE(follower, nullptr);

  // Each `mediawatch crawl --once` is a new writer: it flushes on close and
  // starts a new WAL and MANIFEST on open.
  for (int round = 2; round <= 4; ++round) {
    writer.reset();
    writer = OpenOrDie(dir.str());
    ASSERT_NE(writer, nullptr);
    const ArticleRecord a = MakeArticle("https://a.example/" + std::to_string(round), 1700000000);
    FeedState feed;
    feed.feed_id = "feed-" + std::to_string(round);
    ASSERT_TRUE(writer->PutFeedState(feed).ok());
    ASSERT_TRUE(*writer->PutArticle(a, {MakeMatch("wl", "t")}));
    Status refreshed = follower->Refresh();
    ASSERT_TRUE(refreshed.ok()) << refreshed.ToString();
    EXPECT_EQ(Articles(*follower), round);
    Result<std::optional<ArticleRecord>> got = follower->GetArticle(a.id);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->has_value()) << "round " << round;
    Result<std::optional<FeedState>> state = follower->GetFeedState(feed.feed_id);
    ASSERT_TRUE(state.ok());
    EXPECT_TRUE(state->has_value());
  }
}

TEST(FollowerTest, RefusesEveryWrite) {
  testing::TempDir dir;
  const ArticleRecord stored = MakeArticle("https://a.example/1", 1700000000);
  {
    auto writer = OpenOrDie(dir.str());
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(*writer->PutArticle(stored, {MakeMatch("wl", "t")}));
  }
  auto follower = OpenOrDie(dir.str(), Follow());
  ASSERT_NE(follower, nullptr);

  const auto unsupported = [](const Status& s) {
    EXPECT_EQ(s.code(), StatusCode::kUnsupported) << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr("read-only"));
  };
  ArticleWrite write;
  write.article = MakeArticle("https://a.example/2", 1700000000);
  unsupported(follower->PutArticle(write).status());
  FeedState feed;
  feed.feed_id = "f";
  unsupported(follower->PutFeedState(feed));
  unsupported(follower->PutRunState(RunState{}));
  HostState host;
  host.host = "a.example";
  unsupported(follower->PutHostState(host));
  unsupported(follower->RecordRecheck({stored.id, 1, 0}, std::nullopt, std::nullopt));
  Result<std::vector<PendingAlert>> pending = follower->PendingAlerts(10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 1u);  // the match alert, read through the follower
  AlertDelivery delivery;
  delivery.sink = "file";
  unsupported(follower->PutDeliveries(pending->front().alert.id, {delivery}));
  unsupported(follower->PutDeliveriesBatch({{pending->front().alert.id, delivery}}));
  unsupported(follower->CompleteAlerts({pending->front().alert.id}, 1700000001));
  unsupported(follower->PutAppState("k", "v"));

  testing::TempDir backup_parent;
  const Status backup = follower->Backup((backup_parent.path() / "copy").string());
  EXPECT_EQ(backup.code(), StatusCode::kUnsupported) << backup.ToString();
  EXPECT_FALSE(std::filesystem::exists(backup_parent.path() / "copy"));

  // Nothing reached the database.
  follower.reset();
  auto reader = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Articles(*reader), 1);
  Result<size_t> still_pending = reader->CountPendingAlerts();
  ASSERT_TRUE(still_pending.ok());
  EXPECT_EQ(*still_pending, 1u);
  Result<std::optional<std::string>> app = reader->GetAppState("k");
  ASSERT_TRUE(app.ok());
  EXPECT_FALSE(app->has_value());
}

TEST(FollowerTest, WorkingDirectoryIsPrivateAndRemovedOnClose) {
  testing::TempDir dir;
  testing::TempDir tmp;
  { ASSERT_NE(OpenOrDie(dir.str()), nullptr); }
  const ScopedTmpdir scoped(tmp.str());

  auto one = OpenOrDie(dir.str(), Follow());
  auto two = OpenOrDie(dir.str(), Follow());
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  const std::vector<std::string> both = Entries(tmp.path());
  ASSERT_EQ(both.size(), 2u);  // one each, never shared
  for (const std::string& name : both) {
    EXPECT_THAT(name, StartsWith("mediawatch-follower-"));
    const auto perms = std::filesystem::status(tmp.path() / name).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_all) << name;
  }
  // Nothing of the follower's lands in the database directory.
  for (const std::string& name : Entries(dir.path())) {
    EXPECT_THAT(name, ::testing::Not(HasSubstr("follower"))) << name;
  }

  one.reset();
  EXPECT_EQ(Entries(tmp.path()).size(), 1u);
  two.reset();
  EXPECT_TRUE(Entries(tmp.path()).empty());
}

TEST(FollowerTest, NeedsAnExistingDatabase) {
  testing::TempDir parent;
  testing::TempDir tmp;
  const ScopedTmpdir scoped(tmp.str());
  const std::string absent = (parent.path() / "nothing-here").string();
  Result<std::unique_ptr<Store>> store = OpenRocksStore(absent, Follow());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(store.status().message(), HasSubstr("no mediawatch database in " + absent));
  EXPECT_FALSE(std::filesystem::exists(absent));  // follow never creates one

  // An empty directory: the same, even though creating is allowed by default.
  store = OpenRocksStore(parent.str(), Follow());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(parent.path()));
  EXPECT_TRUE(Entries(tmp.path()).empty());  // no working directory left behind
}

TEST(FollowerTest, SchemaIsCheckedOnOpenAndRefresh) {
  testing::TempDir dir;
  { ASSERT_NE(OpenOrDie(dir.str()), nullptr); }
  auto follower = OpenOrDie(dir.str(), Follow());
  ASSERT_NE(follower, nullptr);

  // A newer build migrated the database while we followed it.
  const std::string newer = std::to_string(storage_internal::kSchemaVersion + 1);
  ASSERT_TRUE(storage_internal::WriteRawForTesting(dir.str(), storage_internal::kMetaCf,
                                                   storage_internal::kSchemaVersionKey, newer)
                  .ok());
  const Status refreshed = follower->Refresh();
  EXPECT_EQ(refreshed.code(), StatusCode::kUnsupported) << refreshed.ToString();
  EXPECT_THAT(refreshed.message(), HasSubstr("newer"));
  follower.reset();

  Result<std::unique_ptr<Store>> reopened = OpenRocksStore(dir.str(), Follow());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kUnsupported);
}

TEST(FollowerTest, RefreshOfOtherOpens) {
  testing::TempDir dir;
  auto writer = OpenOrDie(dir.str());
  ASSERT_NE(writer, nullptr);
  EXPECT_TRUE(writer->Refresh().ok());  // always current
  writer.reset();
  auto reader = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(reader, nullptr);
  const Status s = reader->Refresh();
  EXPECT_EQ(s.code(), StatusCode::kUnsupported) << s.ToString();
}

// Readers on several threads while the writer writes and a thread
// refreshes: no read fails (an index entry always finds its article: each
// read method sees one whole view), counts never go back, and the last
// refresh sees everything.
TEST(FollowerTest, ConcurrentReadsAndRefreshes) {
  testing::TempDir dir;
  auto writer = OpenOrDie(dir.str());
  ASSERT_NE(writer, nullptr);
  auto follower = OpenOrDie(dir.str(), Follow());
  ASSERT_NE(follower, nullptr);
  constexpr int kArticles = 150;

  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      int64_t last_seen = 0;
      while (!done.load()) {
        MatchQuery query;
        query.limit = 20;
        Result<std::vector<MatchHit>> hits = follower->QueryMatches(query);
        Result<StoreStats> stats = follower->Stats();
        if (!hits.ok() || !stats.ok() || stats->articles < last_seen ||
            stats->articles_per_watchlist["wl"] != stats->articles) {
          ++failures;
          continue;
        }
        last_seen = stats->articles;
      }
    });
  }
  std::thread refresher([&] {
    while (!done.load()) {
      if (!follower->Refresh().ok()) ++failures;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (int i = 0; i < kArticles; ++i) {
    const ArticleRecord a =
        MakeArticle("https://c.example/" + std::to_string(i), 1700000000 + i, 1700000000 + i);
    ASSERT_TRUE(*writer->PutArticle(a, {MakeMatch("wl", "t")}));
  }
  done = true;
  refresher.join();
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);

  ASSERT_TRUE(follower->Refresh().ok());
  EXPECT_EQ(Articles(*follower), kArticles);
  MatchQuery query;
  query.limit = 1000;
  Result<std::vector<MatchHit>> hits = follower->QueryMatches(query);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), static_cast<size_t>(kArticles));
}

}  // namespace
}  // namespace mw
