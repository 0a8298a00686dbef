// What only the PostgreSQL store has: several writers (threads, Store
// objects, processes) on one database, the schema migrations, connection
// errors, PostgreSQL's text rules, and tables that SQL can query.
#include "storage/pg_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "tests/support/pg_server.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"

// libpqxx 6.4 leaks the PGresult of a statement that finds its connection
// broken (its lost-connection check throws before the result is wrapped):
// about 2 KiB per connection lost, which
// ConnectionsKilledByTheServerAreReplaced provokes on purpose. Only that
// allocation site is suppressed.
extern "C" const char* __lsan_default_suppressions() { return "leak:PQmakeEmptyPGresult\n"; }

namespace mw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace store_fixtures;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MW_REQUIRE_POSTGRES(server);
    server_ = server;
    Result<std::string> uri = server->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status().ToString();
    uri_ = *uri;
  }

  std::unique_ptr<Store> OpenPg(const StoreOptions& options = {}) {
    Result<std::unique_ptr<Store>> store = OpenPostgresStore(uri_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // One SQL statement's rows, through a connection of the test's own.
  pqxx::result Sql(const std::string& sql) {
    pqxx::connection c(uri_);
    pqxx::work tx(c);
    pqxx::result r = tx.exec(sql);
    tx.commit();
    return r;
  }

  testing::PgServer* server_ = nullptr;
  std::string uri_;
};

ArticleWrite RaceArticle(int i) {
  ArticleWrite w;
  w.article = MakeArticle("https://race.example/" + std::to_string(i), 1000 + i);
  // Near-duplicates of one another: every lookup meets the others.
  w.article.simhash = 0x0123456789abcdefULL ^ static_cast<uint64_t>(i % 4);
  w.matches = {MakeMatch("wl", "t")};
  // Aliases shared by neighbours, claimed in different orders by the
  // threads: writers wait on each other, and sometimes deadlock (retried).
  w.alias_urls = {"https://race.example/alias/" + std::to_string(i / 2),
                  "https://race.example/" + std::to_string(i) + "?amp"};
  return w;
}

TEST_F(PgStoreTest, ConcurrentWritersStoreEveryUrlExactlyOnce) {
  constexpr int kUrls = 200;
  constexpr int kStores = 2;
  constexpr int kThreadsPerStore = 2;
  std::vector<std::unique_ptr<Store>> stores;
  for (int s = 0; s < kStores; ++s) {
    stores.push_back(OpenPg());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::vector<std::atomic<int>> inserted(kUrls);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kStores * kThreadsPerStore; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int> order(kUrls);
      for (int i = 0; i < kUrls; ++i) order[i] = i;
      std::mt19937 rng(t + 1);
      if (t % 2 == 1) std::shuffle(order.begin(), order.end(), rng);
      Store* store = stores[t % kStores].get();
      for (int i : order) {
        Result<PutResult> put = store->PutArticle(RaceArticle(i));
        if (!put.ok()) {
          ADD_FAILURE() << put.status().ToString();
          ++errors;
          continue;
        }
        EXPECT_EQ(put->article_id, ArticleIdForUrl("https://race.example/" + std::to_string(i)));
        if (put->inserted) ++inserted[i];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(errors.load(), 0);
  for (int i = 0; i < kUrls; ++i) EXPECT_EQ(inserted[i].load(), 1) << i;

  Result<StoreStats> stats = stores[0]->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->articles, kUrls);
  EXPECT_EQ(stats->matches, kUrls);
  EXPECT_EQ(stats->alerts_pending, kUrls);
  EXPECT_EQ((*stores[1]->GetFeedState("feed-1"))->articles_stored, kUrls);
  // The band locks made every lookup see the copies stored before it: one
  // cluster, not several started at once.
  EXPECT_EQ(Sql("SELECT count(DISTINCT cluster_id) FROM articles")[0][0].as<int>(), 1);
  EXPECT_EQ(Sql("SELECT count(*) FROM article_urls")[0][0].as<int>(), kUrls * 2 + kUrls / 2);
}

TEST_F(PgStoreTest, TwoProcessesStoreEveryUrlExactlyOnce) {
  constexpr int kUrls = 100;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child: its own store and connections; the exit code is how many
    // of the URLs it inserted (255: an error). _exit skips gtest.
    int mine = 0;
    Result<std::unique_ptr<Store>> store = OpenPostgresStore(uri_, {});
    if (!store.ok()) ::_exit(255);
    for (int i = kUrls - 1; i >= 0; --i) {
      Result<PutResult> put = (*store)->PutArticle(RaceArticle(i));
      if (!put.ok()) ::_exit(255);
      if (put->inserted) ++mine;
    }
    store->reset();
    ::_exit(mine);
  }
  int mine = 0;
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < kUrls; ++i) {
    Result<PutResult> put = store->PutArticle(RaceArticle(i));
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    if (put->inserted) ++mine;
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  const int theirs = WEXITSTATUS(status);
  ASSERT_NE(theirs, 255) << "the child process failed";
  EXPECT_EQ(mine + theirs, kUrls);
  EXPECT_EQ(store->Stats()->articles, kUrls);
  EXPECT_EQ(*store->CountPendingAlerts(), static_cast<size_t>(kUrls));
}

TEST_F(PgStoreTest, MigrationIsIdempotentAndSerialized) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      Status s = MigratePostgres(uri_);
      if (!s.ok()) {
        ADD_FAILURE() << s.ToString();
        ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(MigratePostgres(uri_).ok());
  EXPECT_EQ(Sql("SELECT count(*) FROM mediawatch_schema")[0][0].as<int>(), kPostgresSchemaVersion);
  EXPECT_EQ(Sql("SELECT max(version) FROM mediawatch_schema")[0][0].as<int>(),
            kPostgresSchemaVersion);
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats()->schema_version, kPostgresSchemaVersion);
}

TEST_F(PgStoreTest, UnmigratedDatabaseIsRefusedUnlessCreating) {
  StoreOptions read_only;
  read_only.read_only = true;
  Result<std::unique_ptr<Store>> store = OpenPostgresStore(uri_, read_only);
  EXPECT_EQ(store.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(store.status().message(), HasSubstr("mediawatch db migrate"));
  StoreOptions follow;
  follow.follow = true;
  EXPECT_EQ(OpenPostgresStore(uri_, follow).status().code(), StatusCode::kUnsupported);
  StoreOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_EQ(OpenPostgresStore(uri_, no_create).status().code(), StatusCode::kUnsupported);
  // Nothing was created by the refused opens.
  EXPECT_TRUE(Sql("SELECT to_regclass('mediawatch_schema')")[0][0].is_null());

  ASSERT_NE(OpenPg(), nullptr);  // creates
  store = OpenPostgresStore(uri_, follow);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->Refresh().ok());
  EXPECT_EQ((*store)->PutAppState("k", "v").code(), StatusCode::kUnsupported);
}

TEST_F(PgStoreTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(MigratePostgres(uri_).ok());
  Sql("INSERT INTO mediawatch_schema (version) VALUES (" +
      std::to_string(kPostgresSchemaVersion + 1) + ")");
  Result<std::unique_ptr<Store>> store = OpenPostgresStore(uri_, {});
  EXPECT_EQ(store.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(store.status().message(), HasSubstr("newer"));
  EXPECT_EQ(MigratePostgres(uri_).code(), StatusCode::kUnsupported);
}

TEST_F(PgStoreTest, UnreachableServerIsAnIoErrorWithoutThePassword) {
  for (const std::string uri :
       {"postgresql://mw:s3cr3t-pw@127.0.0.1:1/mediawatch?connect_timeout=5",
        "postgres://mw:s3cr3t-pw@/mediawatch?host=/nonexistent/socket/dir",
        "postgresql:///mediawatch?host=/nonexistent/dir&user=mw&password=s3cr3t-pw"}) {
    Result<std::unique_ptr<Store>> store = OpenPostgresStore(uri, {});
    EXPECT_EQ(store.status().code(), StatusCode::kIoError) << store.status().ToString();
    EXPECT_THAT(store.status().message(), Not(HasSubstr("s3cr3t-pw")));
    EXPECT_THAT(store.status().message(), HasSubstr("********"));
    const Status migrate = MigratePostgres(uri);
    EXPECT_EQ(migrate.code(), StatusCode::kIoError);
    EXPECT_THAT(migrate.message(), Not(HasSubstr("s3cr3t-pw")));
  }
  EXPECT_EQ(OpenPostgresStore("/var/lib/mediawatch", {}).status().code(),
            StatusCode::kInvalidArgument);
  Result<std::unique_ptr<Store>> bad = OpenPostgresStore("postgresql://u:s3cr3t-pw@[::1/x", {});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("s3cr3t-pw")));
  // A database that does not exist: the server answers, and says so.
  Result<std::unique_ptr<Store>> missing =
      OpenPostgresStore(server_->UriFor("no_such_database"), {});
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_THAT(missing.status().message(), HasSubstr("no_such_database"));
}

TEST_F(PgStoreTest, ConnectionsKilledByTheServerAreReplaced) {
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutArticle(MakeArticle("https://k.example/1", 1), {}).ok());
  // Several pooled connections, then the server ends every one of them
  // (as a restart or an administrator would).
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] { EXPECT_TRUE(store->Stats().ok()); });
  }
  for (std::thread& t : readers) t.join();
  const pqxx::result killed =
      Sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
          " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  EXPECT_GE(killed[0][0].as<int>(), 1);
  for (int i = 0; i < 6; ++i) {
    Result<StoreStats> stats = store->Stats();
    ASSERT_TRUE(stats.ok()) << i << ": " << stats.status().ToString();
    EXPECT_EQ(stats->articles, 1);
  }
  Result<bool> put = store->PutArticle(MakeArticle("https://k.example/2", 2), {});
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(*put);
}

TEST_F(PgStoreTest, UriRecognition) {
  EXPECT_TRUE(IsPostgresUri("postgresql://host/db"));
  EXPECT_TRUE(IsPostgresUri("postgres://host/db"));
  EXPECT_TRUE(IsPostgresUri("postgresql:///db?host=/tmp"));
  EXPECT_FALSE(IsPostgresUri("/var/lib/mediawatch"));
  EXPECT_FALSE(IsPostgresUri("postgresql:/x"));
  EXPECT_FALSE(IsPostgresUri(""));
}

TEST_F(PgStoreTest, TextMustBeUtf8WithoutNul) {
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  ArticleRecord a = MakeArticle("https://t.example/1", 1);
  a.title = "bad \xff byte";
  EXPECT_EQ(store->PutArticle(a, {}).status().code(), StatusCode::kInvalidArgument);
  a.title = std::string("nul \0 byte", 10);
  EXPECT_EQ(store->PutArticle(a, {}).status().code(), StatusCode::kInvalidArgument);
  a.title = "ok";
  MatchRecord m = MakeMatch("wl", "t");
  m.snippet = "\xed\xa0\x80";  // a UTF-16 surrogate
  EXPECT_EQ(store->PutArticle(a, {m}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Stats()->articles, 0);
  Result<std::optional<std::string>> id = store->FindArticleIdByUrl("https://t.example/\xff");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_FALSE(id->has_value());
  EXPECT_FALSE(store->GetFeedState("\xff")->has_value());
  EXPECT_TRUE(store->AlertHistory("\xc0\x80", 5)->empty());
  EXPECT_TRUE(store->CompleteAlerts({"\xff"}, 1).ok());
  EXPECT_EQ(store->PutDeliveries("\xff", {}).code(), StatusCode::kNotFound);
  MatchQuery q;
  q.source = "\xff";
  EXPECT_TRUE(store->QueryMatches(q)->empty());
  // A key PostgreSQL btree rows cannot hold: a clear error, not a crash.
  a = MakeArticle("https://t.example/2", 1);
  std::string noise;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) noise += static_cast<char>('a' + rng() % 26);
  const Result<bool> put = store->PutArticle(a, {MakeMatch(noise, "t")});
  EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument) << put.status().ToString();
  EXPECT_EQ(store->Stats()->articles, 0);
}

TEST_F(PgStoreTest, BackupPointsAtPgDump) {
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  const Status backup = store->Backup("/tmp/x");
  EXPECT_EQ(backup.code(), StatusCode::kUnsupported);
  EXPECT_THAT(backup.message(), HasSubstr("pg_dump"));
  EXPECT_TRUE(store->Refresh().ok());
}

// The research queries of docs/postgresql.md run against a stored corpus.
TEST_F(PgStoreTest, TablesAnswerTheDocumentedQueries) {
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  ArticleRecord ug = MakeArticle("https://ug.example/1", 1769558400);
  ug.language = "ug";
  ug.title = "ئۇيغۇر";
  ArticleWrite w;
  w.article = ug;
  w.matches = {MakeMatch("uyghur-detention", "guan-heng")};
  w.recheck_at = 1769600000;
  ASSERT_TRUE(store->PutArticle(w).ok());
  ArticleRecord zh = MakeArticle("https://zh.example/1", 1769558500, 1769500000);
  zh.language = "zh-Hans";
  ASSERT_TRUE(store->PutArticle(zh, {MakeMatch("uyghur-detention", "xinjiang")}).ok());
  ArticleVersion removed;
  removed.found_at = 1769600001;
  removed.kind = "removed";
  removed.reason = "HTTP 404";
  ASSERT_TRUE(store->RecordRecheck(Recheck{ug.id, 1769600000, 0}, removed, std::nullopt).ok());

  const pqxx::result per_day = Sql(R"SQL(
    SELECT to_timestamp(a.article_time)::date AS day, a.language, count(DISTINCT a.id) AS articles
    FROM articles a JOIN matches m ON m.article_id = a.id
    WHERE m.watchlist_id = 'uyghur-detention'
    GROUP BY 1, 2 ORDER BY 1, 2)SQL");
  ASSERT_EQ(per_day.size(), 2u);
  EXPECT_EQ(per_day[0][1].as<std::string>(), "zh-Hans");
  EXPECT_EQ(per_day[1][1].as<std::string>(), "ug");

  const pqxx::result uyghur = Sql(R"SQL(
    SELECT a.url, a.title, string_agg(m.target_id, ', ' ORDER BY m.target_id) AS targets
    FROM articles a JOIN matches m ON m.article_id = a.id
    WHERE a.language_primary = 'ug'
    GROUP BY a.id, a.url, a.title ORDER BY max(a.article_time) DESC)SQL");
  ASSERT_EQ(uyghur.size(), 1u);
  EXPECT_EQ(uyghur[0][1].as<std::string>(), "ئۇيغۇر");
  EXPECT_EQ(uyghur[0][2].as<std::string>(), "guan-heng");

  const pqxx::result changes = Sql(R"SQL(
    SELECT a.url, v.number, v.kind, v.reason, to_timestamp(v.found_at) AS found
    FROM versions v JOIN articles a ON a.id = v.article_id
    WHERE v.kind IN ('edited', 'removed') ORDER BY v.found_at DESC)SQL");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0][2].as<std::string>(), "removed");
  EXPECT_EQ(changes[0][3].as<std::string>(), "HTTP 404");

  const pqxx::result alerts = Sql(R"SQL(
    SELECT id, event, array_to_string(target_ids, ',') FROM alerts ORDER BY created_at, id)SQL");
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[2][1].as<std::string>(), "removed");

  const pqxx::result urls =
      Sql("SELECT article_id FROM article_urls WHERE url = 'https://ug.example/1'");
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0][0].as<std::string>(), ug.id);

  // Every ```sql block of the documentation runs (read-only) as written.
  const std::string doc = testing::ReadFileOrDie(testing::SourceDir() / "docs" / "postgresql.md");
  int blocks = 0;
  for (size_t start = doc.find("```sql\n"); start != std::string::npos;
       start = doc.find("```sql\n", start + 1)) {
    const size_t body = start + 7;
    const size_t end = doc.find("```", body);
    ASSERT_NE(end, std::string::npos);
    const std::string sql = doc.substr(body, end - body);
    pqxx::connection c(uri_);
    pqxx::transaction<pqxx::read_committed, pqxx::read_only> tx(c);
    EXPECT_NO_THROW(tx.exec(sql)) << sql;
    ++blocks;
  }
  EXPECT_GE(blocks, 4);
}

// --- Leases and workers ---

std::vector<std::string> RaceKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("host:h" + std::to_string(i) + ".example");
  return keys;
}

// Every other key of `keys` gets a lease of a worker that died (expired by
// ClaimAll's time, 1000), so a race takes both paths: inserting new keys
// and taking over existing rows.
void SeedExpiredLeases(Store& store, const std::vector<std::string>& keys) {
  std::vector<std::string> half;
  for (size_t i = 0; i < keys.size(); i += 2) half.push_back(keys[i]);
  Result<std::vector<std::string>> got = store.ClaimLeases("dead", half, 0, 500);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), half.size());
}

// Claims every key of `keys`, in a random order and batches of 7 (so that
// batches of different claimers overlap in every way); the keys `worker`
// won. Claims never expire during the test (until far ahead).
Result<std::set<std::string>> ClaimAll(Store& store, const std::string& worker,
                                       std::vector<std::string> keys, unsigned seed) {
  std::mt19937 rng(seed);
  std::shuffle(keys.begin(), keys.end(), rng);
  std::set<std::string> won;
  for (size_t i = 0; i < keys.size(); i += 7) {
    const std::vector<std::string> batch(keys.begin() + i,
                                         keys.begin() + std::min(keys.size(), i + 7));
    Result<std::vector<std::string>> got = store.ClaimLeases(worker, batch, 1000, 1000000);
    if (!got.ok()) return got.status();
    won.insert(got->begin(), got->end());
  }
  return won;
}

TEST_F(PgStoreTest, ConcurrentClaimersFromThreadsGetEveryKeyOnce) {
  constexpr int kKeys = 100;
  const std::vector<std::string> keys = RaceKeys(kKeys);
  // Two workers, each a Store of its own (own connections) used by two
  // threads, all claiming every key at once.
  std::unique_ptr<Store> stores[2] = {OpenPg(), OpenPg()};
  ASSERT_NE(stores[0], nullptr);
  ASSERT_NE(stores[1], nullptr);
  SeedExpiredLeases(*stores[0], keys);
  std::set<std::string> won[4];
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Result<std::set<std::string>> got =
          ClaimAll(*stores[t % 2], "w" + std::to_string(t % 2), keys, 17 + t);
      if (!got.ok()) {
        ADD_FAILURE() << got.status().ToString();
        ++failures;
        return;
      }
      won[t] = *got;
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<std::string> by_worker[2];
  for (int t = 0; t < 4; ++t) by_worker[t % 2].insert(won[t].begin(), won[t].end());
  for (const std::string& key : by_worker[0]) EXPECT_EQ(by_worker[1].count(key), 0u) << key;
  EXPECT_EQ(by_worker[0].size() + by_worker[1].size(), static_cast<size_t>(kKeys));
  Result<std::vector<Lease>> leases = stores[0]->ListLeases();
  ASSERT_TRUE(leases.ok()) << leases.status().ToString();
  ASSERT_EQ(leases->size(), static_cast<size_t>(kKeys));
  for (const Lease& l : *leases) {
    ASSERT_TRUE(l.worker == "w0" || l.worker == "w1") << l.worker;
    EXPECT_EQ(by_worker[l.worker == "w0" ? 0 : 1].count(l.key), 1u) << l.key;
  }
}

TEST_F(PgStoreTest, ConcurrentClaimersFromTwoProcessesGetEveryKeyOnce) {
  constexpr int kKeys = 100;
  const std::vector<std::string> keys = RaceKeys(kKeys);
  {
    std::unique_ptr<Store> seed = OpenPg();
    ASSERT_NE(seed, nullptr);
    SeedExpiredLeases(*seed, keys);
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit code: how many keys the child won (255: an error).
    Result<std::unique_ptr<Store>> store = OpenPostgresStore(uri_, {});
    if (!store.ok()) ::_exit(255);
    Result<std::set<std::string>> got = ClaimAll(**store, "child", keys, 5);
    if (!got.ok()) ::_exit(255);
    store->reset();
    ::_exit(static_cast<int>(got->size()));
  }
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  Result<std::set<std::string>> mine = ClaimAll(*store, "parent", keys, 6);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  ASSERT_TRUE(WIFEXITED(status));
  const int theirs = WEXITSTATUS(status);
  ASSERT_NE(theirs, 255) << "the child process failed";
  EXPECT_EQ(static_cast<int>(mine->size()) + theirs, kKeys);
  Result<std::vector<Lease>> leases = store->ListLeases();
  ASSERT_TRUE(leases.ok()) << leases.status().ToString();
  ASSERT_EQ(leases->size(), static_cast<size_t>(kKeys));
  int held_by_child = 0;
  for (const Lease& l : *leases) {
    if (l.worker == "child") {
      ++held_by_child;
      EXPECT_EQ(mine->count(l.key), 0u) << l.key;
    } else {
      EXPECT_EQ(l.worker, "parent");
      EXPECT_EQ(mine->count(l.key), 1u) << l.key;
    }
  }
  EXPECT_EQ(held_by_child, theirs);
}

// The first lease on record (by key); a default Lease, and a failure, when
// there is none.
Lease FirstLease(Store& store) {
  Result<std::vector<Lease>> leases = store.ListLeases();
  if (!leases.ok() || leases->empty()) {
    ADD_FAILURE() << "no lease: " << leases.status().ToString();
    return Lease{};
  }
  return (*leases)[0];
}

TEST_F(PgStoreTest, LeasesExpireRenewAndWaitForNotBefore) {
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> k = {"host:a.example"};
  auto claim = [&](const char* worker, int64_t now, int64_t until) {
    Result<std::vector<std::string>> got = store->ClaimLeases(worker, k, now, until);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() && got->size() == 1;
  };
  EXPECT_TRUE(claim("w1", 100, 160));
  EXPECT_FALSE(claim("w2", 150, 210));  // held
  EXPECT_TRUE(claim("w1", 150, 210));   // renewed by the holder
  EXPECT_FALSE(claim("w2", 209, 270));  // the renewal holds past 160
  EXPECT_TRUE(claim("w2", 210, 300));   // expired: taken over
  EXPECT_FALSE(claim("w1", 211, 300));  // w1 lost it
  // A release by a worker that does not hold the key changes nothing.
  ASSERT_TRUE(store->ReleaseLeases("w1", k, 5000).ok());
  EXPECT_EQ(FirstLease(*store).worker, "w2");
  EXPECT_EQ(FirstLease(*store).not_before, 0);
  // Released with a not_before: nobody, the releaser included, until then.
  ASSERT_TRUE(store->ReleaseLeases("w2", k, 400).ok());
  const Lease released = FirstLease(*store);
  EXPECT_EQ(released.worker, "");
  EXPECT_EQ(released.until, 0);
  EXPECT_EQ(released.not_before, 400);
  EXPECT_FALSE(claim("w1", 350, 460));
  EXPECT_FALSE(claim("w2", 399, 460));
  EXPECT_TRUE(claim("w1", 400, 460));
  EXPECT_EQ(FirstLease(*store).worker, "w1");
  EXPECT_EQ(FirstLease(*store).until, 460);
}

TEST_F(PgStoreTest, LeaseAndWorkerArgumentsAreChecked) {
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  const std::string too_long(kMaxLeaseKeySize + 1, 'k');
  const std::string longest(kMaxLeaseKeySize, 'k');
  for (const std::vector<std::string>& keys : std::vector<std::vector<std::string>>{
           {""}, {too_long}, {"ok", std::string("bad\xff", 4)}, {std::string("nul\0", 4)}}) {
    EXPECT_EQ(store->ClaimLeases("w", keys, 1, 2).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->ReleaseLeases("w", keys, 0).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(store->ClaimLeases("", {"k"}, 1, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ClaimLeases(too_long, {"k"}, 1, 2).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ClaimLeases("w", {"k"}, 2, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ClaimLeases("w", {"k"}, 3, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ReleaseLeases("", {}, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PutWorker(WorkerInfo{}).code(), StatusCode::kInvalidArgument);
  WorkerInfo bad_host;
  bad_host.id = "w";
  bad_host.host = std::string("h\0", 2);
  EXPECT_EQ(store->PutWorker(bad_host).code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(*store->ListLeases(), ::testing::IsEmpty());
  // The longest key and id are fine; quotes and commas too (array literal).
  Result<std::vector<std::string>> got =
      store->ClaimLeases(longest, {longest, "host:\"q\",\\{}"}, 1, 2);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->size(), 2u);
  EXPECT_EQ(FirstLease(*store).key, "host:\"q\",\\{}");

  StoreOptions read_only;
  read_only.read_only = true;
  std::unique_ptr<Store> ro = OpenPg(read_only);
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->ClaimLeases("w", {"k"}, 1, 2).status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ro->ReleaseLeases("w", {}, 0).code(), StatusCode::kUnsupported);
  WorkerInfo w;
  w.id = "w";
  EXPECT_EQ(ro->PutWorker(w).code(), StatusCode::kUnsupported);
  EXPECT_EQ(ro->ListLeases()->size(), 2u);
}

TEST_F(PgStoreTest, WorkersAreUpsertedAndListedByIdWithAStaleFilter) {
  std::unique_ptr<Store> store = OpenPg();
  ASSERT_NE(store, nullptr);
  WorkerInfo a;
  a.id = "b-host:7:100";
  a.host = "b-host";
  a.pid = 7;
  a.started_at = 100;
  a.heartbeat_at = 100;
  WorkerInfo b;
  b.id = "a-host:9:50";
  b.host = "a-host";
  b.pid = 9;
  b.started_at = 50;
  b.heartbeat_at = 60;
  b.stopped_at = 61;
  ASSERT_TRUE(store->PutWorker(a).ok());
  ASSERT_TRUE(store->PutWorker(b).ok());
  a.heartbeat_at = 400;
  a.passes = 5;
  a.feeds_polled = 40;
  a.articles_stored = 12;
  a.matched_articles = 3;
  a.errors = 1;
  ASSERT_TRUE(store->PutWorker(a).ok());  // the heartbeat replaces the row

  Result<std::vector<WorkerInfo>> all = store->ListWorkers(0);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, b.id);
  EXPECT_EQ((*all)[0].stopped_at, 61);
  const WorkerInfo& got = (*all)[1];
  EXPECT_EQ(got.id, a.id);
  EXPECT_EQ(got.host, "b-host");
  EXPECT_EQ(got.pid, 7);
  EXPECT_EQ(got.started_at, 100);
  EXPECT_EQ(got.heartbeat_at, 400);
  EXPECT_EQ(got.stopped_at, 0);
  EXPECT_EQ(got.passes, 5);
  EXPECT_EQ(got.feeds_polled, 40);
  EXPECT_EQ(got.articles_stored, 12);
  EXPECT_EQ(got.matched_articles, 3);
  EXPECT_EQ(got.errors, 1);

  Result<std::vector<WorkerInfo>> live = store->ListWorkers(400);  // heartbeat >= 400
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].id, a.id);
  EXPECT_THAT(*store->ListWorkers(401), ::testing::IsEmpty());
  EXPECT_EQ(store->ListWorkers(int64_t{1} << 40)->size(), 0u);
}

TEST_F(PgStoreTest, SchemaVersionOneIsUpgradedWithLeasesAndWorkers) {
  ASSERT_TRUE(MigratePostgres(uri_).ok());
  // Back to version 1, as a database of the previous build.
  Sql("DROP TABLE leases; DROP TABLE workers; DELETE FROM mediawatch_schema WHERE version = 2");
  StoreOptions no_create;
  no_create.create_if_missing = false;
  Result<std::unique_ptr<Store>> refused = OpenPostgresStore(uri_, no_create);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(refused.status().message(), HasSubstr("older"));
  ASSERT_TRUE(MigratePostgres(uri_).ok());
  EXPECT_EQ(Sql("SELECT max(version) FROM mediawatch_schema")[0][0].as<int>(), 2);
  std::unique_ptr<Store> store = OpenPg(no_create);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ClaimLeases("w", {"role:x"}, 1, 2)->size(), 1u);
}

// StoreOptions::raw_html_cache_dir: pages stay in the worker's local cache.
TEST_F(PgStoreTest, HtmlCacheKeepsPagesOffTheServer) {
  testing::TempDir tmp;
  const std::string cache_dir = (tmp.path() / "html").string();
  StoreOptions cached;
  cached.raw_html_cache_dir = cache_dir;

  // A page archived before the cache was configured stays on the server.
  ArticleWrite before;
  before.article = MakeArticle("https://cache.example/before", 100);
  before.raw_html = "<html>server page</html>";
  {
    std::unique_ptr<Store> plain = OpenPg();
    ASSERT_NE(plain, nullptr);
    ASSERT_TRUE(plain->PutArticle(before).ok());
  }

  std::unique_ptr<Store> store = OpenPg(cached);
  ASSERT_NE(store, nullptr);
  ArticleWrite w;
  w.article = MakeArticle("https://cache.example/a", 200);
  w.raw_html = std::string("<html>\0\xff local</html>", 21);
  Result<PutResult> put = store->PutArticle(w);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(put->inserted);
  Result<std::optional<std::string>> html = store->GetRawHtml(w.article.id);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ASSERT_TRUE(html->has_value());
  EXPECT_EQ(**html, w.raw_html);
  EXPECT_TRUE(Sql("SELECT 1 FROM raw_html WHERE article_id = '" + w.article.id + "'").empty());
  EXPECT_EQ(Sql("SELECT count(*) FROM raw_html")[0][0].as<int>(), 1);
  // The older page is read from the server through the cached store.
  EXPECT_EQ(**store->GetRawHtml(before.article.id), before.raw_html);

  // A duplicate does not replace the cached page.
  ArticleWrite again = w;
  again.raw_html = "later fetch";
  ASSERT_FALSE(store->PutArticle(again)->inserted);
  EXPECT_EQ(**store->GetRawHtml(w.article.id), w.raw_html);

  // Another worker without this cache sees the article but not its page.
  std::unique_ptr<Store> other = OpenPg();
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE((*other->GetArticle(w.article.id)).has_value());
  Result<std::optional<std::string>> elsewhere = other->GetRawHtml(w.article.id);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status().ToString();
  EXPECT_FALSE(elsewhere->has_value());

  // The page survives the worker; a read-only store reads the cache too
  // (without a lock), while the writer still holds it.
  StoreOptions reader = cached;
  reader.read_only = true;
  std::unique_ptr<Store> query = OpenPg(reader);
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(**query->GetRawHtml(w.article.id), w.raw_html);
  store.reset();
  std::unique_ptr<Store> reopened = OpenPg(cached);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(**reopened->GetRawHtml(w.article.id), w.raw_html);
}

TEST_F(PgStoreTest, HtmlCacheRefusesWhatIsNotACache) {
  testing::TempDir tmp;
  StoreOptions options;
  const std::filesystem::path file = tmp.path() / "file";
  std::ofstream(file) << "x";
  options.raw_html_cache_dir = file.string();
  Result<std::unique_ptr<Store>> on_file = OpenPostgresStore(uri_, options);
  EXPECT_EQ(on_file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(on_file.status().message(), HasSubstr("not a directory"));

  const std::string rocks_dir = (tmp.path() / "store").string();
  ASSERT_TRUE(OpenRocksStore(rocks_dir, {}).ok());
  options.raw_html_cache_dir = rocks_dir;
  Result<std::unique_ptr<Store>> on_store = OpenPostgresStore(uri_, options);
  EXPECT_EQ(on_store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(on_store.status().message(), HasSubstr("not a mediawatch HTML cache"));

  // Read-only: the cache must exist already.
  options.raw_html_cache_dir = (tmp.path() / "missing").string();
  options.read_only = true;
  EXPECT_EQ(OpenPostgresStore(uri_, options).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mw
