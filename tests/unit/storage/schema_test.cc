// Schema versions on open: stamping, the version 1 -> 2 migration, and
// refusing newer, foreign and damaged directories without changing them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "storage/codec.h"
#include "storage/rocksdb_store_internal.h"
#include "storage/store.h"
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

namespace si = storage_internal;

// Every file under `dir` with its contents: "changes nothing" means equal.
std::map<std::string, std::string> Snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[std::filesystem::relative(entry.path(), dir).string()] =
          testing::ReadFileOrDie(entry.path());
    }
  }
  return files;
}

void PutRaw(const std::string& dir, std::string_view cf, const std::string& key,
            const std::string& value) {
  ASSERT_TRUE(si::WriteRawForTesting(dir, cf, key, value).ok()) << cf;
}

// A database as the version-1 code wrote it: its seven column families and
// records built with the codec, exactly as the old PutArticle did.
void WriteV1Database(const std::string& dir, const std::vector<ArticleRecord>& articles,
                     const std::vector<std::vector<MatchRecord>>& matches) {
  ASSERT_TRUE(si::CreateDatabaseForTesting(dir, {"articles", "url_index", "matches",
                                                 "articles_by_time", "feed_state", "host_state"})
                  .ok());
  size_t match_count = 0;
  for (size_t i = 0; i < articles.size(); ++i) {
    const ArticleRecord& a = articles[i];
    const int64_t time = si::ArticleTime(a);
    PutRaw(dir, si::kArticlesCf, a.id, si::EncodeArticle(a));
    PutRaw(dir, si::kUrlIndexCf, a.url, a.id);
    PutRaw(dir, si::kArticlesByTimeCf, si::ArticleTimeKey(time, a.id), "");
    for (const MatchRecord& m : matches[i]) {
      PutRaw(dir, si::kMatchesCf, si::MatchKey(m.watchlist_id, time, a.id, m.target_id),
             si::EncodeMatchValue(m));
      ++match_count;
    }
  }
  PutRaw(dir, si::kMetaCf, std::string(si::kArticleCountKey), std::to_string(articles.size()));
  PutRaw(dir, si::kMetaCf, std::string(si::kMatchCountKey), std::to_string(match_count));
  PutRaw(dir, si::kMetaCf, std::string(si::kSchemaVersionKey), "1");
}

std::optional<std::string> RawVersion(const std::string& dir) {
  Result<std::optional<std::string>> v =
      si::ReadRawForTesting(dir, si::kMetaCf, si::kSchemaVersionKey);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : std::nullopt;
}

TEST(SchemaTest, Version1DatabaseIsMigratedInPlace) {
  testing::TempDir dir;
  ArticleRecord zh = MakeArticle("https://e.com/zh", 900, 100);
  zh.language = "zh-Hant";
  zh.feed_id = "f-zh";
  zh.source = "關恆新聞";
  ArticleRecord en = MakeArticle("https://e.com/en", 200);
  ArticleRecord quiet = MakeArticle("https://e.com/quiet", 300);
  quiet.language = "zh";
  quiet.feed_id = "f-zh";
  WriteV1Database(
      dir.str(), {zh, en, quiet},
      {{MakeMatch("wl", "guan"), MakeMatch("wl2", "guan")}, {MakeMatch("wl", "camp")}, {}});
  ASSERT_EQ(RawVersion(dir.str()), "1");

  // Read-only cannot migrate: a clear refusal naming both versions.
  Result<std::unique_ptr<Store>> ro = OpenRocksStore(dir.str(), ReadOnly());
  EXPECT_EQ(ro.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(ro.status().message(), HasSubstr("schema version 1 is older than this build's (6)"));

  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
  }
  EXPECT_EQ(RawVersion(dir.str()), "6");

  // The text moved out of the record into article_text (version 3).
  Result<std::optional<std::string>> record =
      si::ReadRawForTesting(dir.str(), si::kArticlesCf, zh.id);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ(si::DecodeArticle(**record)->text, "");
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kArticleTextCf, zh.id), zh.text);

  auto check = [&](Store& store) {
    ExpectSameArticle(**store.GetArticle(zh.id), zh);
    ExpectSameArticle(**store.GetArticle(en.id), en);
    EXPECT_EQ(store.ListArticles(10)->at(2).text, zh.text);
    MatchQuery q;
    q.target_id = "guan";
    Result<std::vector<MatchHit>> hits = store.QueryMatches(q);
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    EXPECT_THAT(HitUrls(*hits), ElementsAre(zh.url));
    EXPECT_THAT(MatchTargets((*hits)[0]), ElementsAre("wl/guan", "wl2/guan"));
    q = MatchQuery();
    q.language = "zh";
    EXPECT_THAT(HitUrls(*store.QueryMatches(q)), ElementsAre(zh.url));
    q = MatchQuery();
    q.source = "關恆新聞";
    EXPECT_THAT(HitUrls(*store.QueryMatches(q)), ElementsAre(zh.url));
    q.source = "feed-1";  // en's feed
    EXPECT_THAT(HitUrls(*store.QueryMatches(q)), ElementsAre(en.url));
    EXPECT_THAT(HitUrls(*store.QueryMatches({})), ElementsAre(en.url, zh.url));
    Result<StoreStats> stats = store.Stats();
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->articles, 3);
    EXPECT_EQ(stats->matches, 3);
    EXPECT_EQ(stats->schema_version, si::kSchemaVersion);
    EXPECT_EQ(stats->articles_per_feed,
              (std::map<std::string, int64_t>{{"f-zh", 2}, {"feed-1", 1}}));
    EXPECT_EQ(stats->articles_per_watchlist,
              (std::map<std::string, int64_t>{{"wl", 2}, {"wl2", 1}}));
  };
  {
    auto store = OpenOrDie(dir.str(), ReadOnly());
    ASSERT_NE(store, nullptr);
    check(*store);
  }

  // A 2 -> 3 step interrupted after en's text moved but before zh's: zh's
  // record still has its text. The step resumes and finishes.
  PutRaw(dir.str(), si::kMetaCf, std::string(si::kSchemaVersionKey), "2");
  PutRaw(dir.str(), si::kArticlesCf, zh.id, si::EncodeArticle(zh));
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kArticleTextCf, zh.id, std::nullopt).ok());
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    check(*store);
  }
  EXPECT_EQ(RawVersion(dir.str()), "6");
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kArticleTextCf, zh.id), zh.text);

  // An interrupted migration leaves version 1; running it again rewrites
  // the same entries (idempotent), nothing is duplicated.
  PutRaw(dir.str(), si::kMetaCf, std::string(si::kSchemaVersionKey), "1");
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    check(*store);
    // New articles after the migration use the same indexes.
    ArticleRecord later = MakeArticle("https://e.com/later", 400);
    later.language = "zh-Hans";
    ASSERT_TRUE(*store->PutArticle(later, {MakeMatch("wl", "guan")}));
    MatchQuery q;
    q.target_id = "guan";
    q.language = "zh";
    EXPECT_THAT(HitUrls(*store->QueryMatches(q)), ElementsAre(later.url, zh.url));
  }
}

TEST(SchemaTest, NewerVersionIsRefusedAndNothingChanges) {
  testing::TempDir dir;
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/a", 1), {}));
  }
  PutRaw(dir.str(), si::kMetaCf, std::string(si::kSchemaVersionKey), "7");
  const auto before = Snapshot(dir.path());
  for (const StoreOptions& options : {StoreOptions{}, ReadOnly()}) {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(dir.str(), options);
    EXPECT_EQ(store.status().code(), StatusCode::kUnsupported);
    EXPECT_EQ(store.status().message(),
              "database schema version 7 is newer than this build supports (6); upgrade "
              "mediawatch");
  }
  EXPECT_EQ(Snapshot(dir.path()), before);

  for (const char* bad : {"0", "-1", "2x", ""}) {
    PutRaw(dir.str(), si::kMetaCf, std::string(si::kSchemaVersionKey), bad);
    Result<std::unique_ptr<Store>> store = OpenRocksStore(dir.str(), {});
    EXPECT_EQ(store.status().code(), StatusCode::kCorruption) << bad;
    EXPECT_THAT(store.status().message(), HasSubstr("this build reads version 6")) << bad;
  }
}

TEST(SchemaTest, ForeignRocksDbIsRefusedAndNothingChanges) {
  testing::TempDir dir;
  ASSERT_TRUE(si::CreateDatabaseForTesting(dir.str(), {"blobs", "users"}).ok());
  PutRaw(dir.str(), "users", "alice", "secret");
  const auto before = Snapshot(dir.path());
  for (const StoreOptions& options : {StoreOptions{}, ReadOnly()}) {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(dir.str(), options);
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(store.status().message(), HasSubstr("is not a mediawatch database"));
    EXPECT_THAT(store.status().message(), HasSubstr("blobs, users"));
  }
  EXPECT_EQ(Snapshot(dir.path()), before);

  // A RocksDB with data in its default family only.
  testing::TempDir plain;
  ASSERT_TRUE(si::CreateDatabaseForTesting(plain.str(), {}).ok());
  PutRaw(plain.str(), si::kMetaCf, "config", "x");
  const auto plain_before = Snapshot(plain.path());
  Result<std::unique_ptr<Store>> store = OpenRocksStore(plain.str(), {});
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr("is not a mediawatch database"));
  EXPECT_EQ(Snapshot(plain.path()), plain_before);
}

TEST(SchemaTest, DirectoryOfOtherFilesIsRefusedAndNothingChanges) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "notes.txt", "my thesis, do not delete");
  std::filesystem::create_directory(dir.path() / "sub");
  testing::WriteFile(dir.path() / "sub" / "data.csv", "a,b\n");
  const auto before = Snapshot(dir.path());
  Result<std::unique_ptr<Store>> store = OpenRocksStore(dir.str(), {});
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr("is not a mediawatch database"));
  EXPECT_EQ(OpenRocksStore(dir.str(), ReadOnly()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Snapshot(dir.path()), before);

  // A damaged RocksDB: CURRENT names a manifest that is not there.
  testing::TempDir damaged;
  testing::WriteFile(damaged.path() / "CURRENT", "MANIFEST-000042\n");
  testing::WriteFile(damaged.path() / "OPTIONS-000007", "garbage");
  const auto damaged_before = Snapshot(damaged.path());
  for (const StoreOptions& options : {StoreOptions{}, ReadOnly()}) {
    Result<std::unique_ptr<Store>> opened = OpenRocksStore(damaged.str(), options);
    EXPECT_FALSE(opened.ok());
    EXPECT_THAT(opened.status().message(), HasSubstr(damaged.str()));
  }
  EXPECT_EQ(Snapshot(damaged.path()), damaged_before);
}

TEST(SchemaTest, EmptyShellWithoutVersionIsAdopted) {
  // A first open that died between creating the families and stamping.
  testing::TempDir dir;
  ASSERT_TRUE(si::CreateDatabaseForTesting(dir.str(), {"articles", "url_index"}).ok());
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats()->schema_version, si::kSchemaVersion);
  store.reset();
  EXPECT_EQ(RawVersion(dir.str()), "6");
}

}  // namespace
}  // namespace mw
