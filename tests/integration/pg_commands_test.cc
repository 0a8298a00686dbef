// Built only with MEDIAWATCH_POSTGRES (tests/CMakeLists.txt).
//
// The commands on a PostgreSQL store (`--store postgresql://...`): `db
// migrate`, a crawl of the offline demo snapshot, the read commands on what
// it stored, `workers`, and the usage errors of the store flags.
#include <gtest/gtest.h>
#include <httplib.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "storage/pg_store.h"
#include "storage/store.h"
#include "tests/support/loopback_server.h"
#include "tests/support/pg_server.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::RunCommand;

CommandResult Mw(std::vector<std::string> args) {
  args.insert(args.begin(), MEDIAWATCH_BINARY);
  return RunCommand(args, 60);
}

// Serves feeds/demo/site/<Host>/<path> on loopback, as `mediawatch demo`
// does (the crawler connects every host name here with --connect-to).
class DemoSite {
 public:
  DemoSite() : root_(testing::SourceDir() / "feeds" / "demo" / "site") {
    server_.http().Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::string host = req.get_header_value("Host");
      host = host.substr(0, host.find(':'));
      const fs::path file = root_ / host / req.path.substr(1);
      if (host.empty() || host.find("..") != std::string::npos ||
          req.path.find("..") != std::string::npos || !fs::is_regular_file(file)) {
        res.status = 404;
        return;
      }
      std::ifstream in(file, std::ios::binary);
      std::stringstream body;
      body << in.rdbuf();
      res.set_content(body.str(), "application/octet-stream");
      const std::string ext = file.extension().string();
      if (ext == ".html") res.set_header("Content-Type", "text/html");
      if (ext == ".xml" || ext == ".atom" || ext == ".rss") {
        res.set_header("Content-Type", "application/xml");
      }
    });
  }
  bool Start() { return server_.Start(); }
  int port() const { return server_.port(); }

 private:
  const fs::path root_;
  testing::LoopbackServer server_;
};

class PgCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MW_REQUIRE_POSTGRES(server);
    Result<std::string> uri = server->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status().ToString();
    uri_ = *uri;
  }

  // A configuration directory with the demo's feeds and the example
  // watch-lists.
  fs::path DemoConfig() {
    const fs::path config = dir_.path() / "config";
    fs::create_directories(config);
    fs::copy_file(testing::SourceDir() / "feeds" / "demo" / "feeds.toml", config / "feeds.toml");
    fs::copy(testing::SourceDir() / "feeds" / "watchlists", config / "watchlists",
             fs::copy_options::recursive);
    return config;
  }

  std::string uri_;
  testing::TempDir dir_;
};

TEST_F(PgCommandsTest, DbMigrateCreatesTheSchemaAndIsIdempotent) {
  for (int i = 0; i < 2; ++i) {
    CommandResult r = Mw({"db", "migrate", "--store", uri_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("PostgreSQL store, schema version"), std::string::npos) << r.out;
  }
  // A directory too (created), and the read commands then open it.
  const std::string db = (dir_.path() / "db").string();
  CommandResult r = Mw({"db", "migrate", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("RocksDB store, schema version"), std::string::npos) << r.out;
  r = Mw({"stats", "--store", db});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Mw({"db", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("migrate"), std::string::npos) << r.out;
}

TEST_F(PgCommandsTest, CrawlIntoPostgresThenEveryReaderFindsTheArticles) {
  DemoSite site;
  ASSERT_TRUE(site.Start());
  const fs::path config = DemoConfig();

  CommandResult r = Mw({"crawl", "--once", "--config", config.string(), "--store", uri_,
                        "--connect-to", "127.0.0.1:" + std::to_string(site.port()), "--allow-cidr",
                        "127.0.0.0/8", "--host-delay-ms", "0", "--timeout", "20", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 failed"), std::string::npos) << r.out;

  // query: the Guan Heng stories in English, Chinese and Uyghur.
  r = Mw({"query", "--store", uri_, "--match", "guan-heng", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::set<std::string> languages;
  std::string some_id;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    const std::string lang = j.value("language", "");
    languages.insert(lang.substr(0, lang.find('-')));
    some_id = j.value("id", "");
  }
  EXPECT_EQ(languages, (std::set<std::string>{"en", "zh", "ug"})) << r.out;
  ASSERT_FALSE(some_id.empty()) << r.out;
  r = Mw({"query", "--store", uri_, "--match", "guan-heng", "--lang", "ug"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("گۇەن خېڭ"), std::string::npos) << r.out;

  r = Mw({"article", some_id, "--store", uri_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(some_id), std::string::npos) << r.out;

  r = Mw({"timeline", "--store", uri_, "--match", "guan-heng", "--by", "month"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2025-12"), std::string::npos) << r.out;

  r = Mw({"stats", "--store", uri_, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json stats = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(stats.is_discarded()) << r.out;
  EXPECT_GE(stats.value("articles", 0), 12) << r.out;
  EXPECT_EQ(stats.value("database", ""), uri_);

  const std::string out = (dir_.path() / "export.jsonl").string();
  r = Mw({"export", "--store", uri_, "--format", "jsonl", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(out);
  int exported = 0;
  for (std::string line; std::getline(in, line);) ++exported;
  EXPECT_EQ(exported, stats.value("articles", 0));

  r = Mw({"feeds", "status", "--store", uri_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("pacific-ledger"), std::string::npos) << r.out;

  // A second crawl stores nothing twice. It takes the store from the
  // settings file (store = "…" under [crawler]) instead of a flag.
  {
    std::ofstream settings(config / "mediawatch.toml");
    settings << "[crawler]\nstore = \"" << uri_ << "\"\n";
  }
  r = Mw({"crawl", "--once", "--all", "--config", config.string(), "--connect-to",
          "127.0.0.1:" + std::to_string(site.port()), "--allow-cidr", "127.0.0.0/8",
          "--host-delay-ms", "0", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" 0 new"), std::string::npos) << r.out;
  // A flag still wins over the file; a bad store in the file is a usage error.
  r = Mw({"crawl", "--once", "--config", config.string(), "--db",
          (dir_.path() / "local-db").string(), "--connect-to",
          "127.0.0.1:" + std::to_string(site.port()), "--allow-cidr", "127.0.0.0/8",
          "--host-delay-ms", "0", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::is_directory(dir_.path() / "local-db"));
  {
    std::ofstream settings(config / "mediawatch.toml");
    settings << "[crawler]\nstore = \"ftp://example.org/x\"\n";
  }
  r = Mw({"crawl", "--once", "--config", config.string(), "--no-progress"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("mediawatch.toml"), std::string::npos) << r.err;

  // backup points at pg_dump.
  r = Mw({"backup", "--store", uri_, "--to", (dir_.path() / "copy").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pg_dump"), std::string::npos) << r.err;
}

TEST_F(PgCommandsTest, WorkersListsLiveWorkersAndTheirLeases) {
  {
    Result<std::unique_ptr<Store>> store = OpenPostgresStore(uri_, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    WorkerInfo live;
    live.id = "box-a:101:" + std::to_string(now - 610);
    live.host = "box-a";
    live.pid = 101;
    live.started_at = now - 610;
    live.heartbeat_at = now - 10;
    live.passes = 10;
    live.feeds_polled = 50;
    live.articles_stored = 30;  // 3 per minute: 10 minutes from start to heartbeat
    WorkerInfo dead = live;
    dead.id = "box-b:202:" + std::to_string(now - 7200);
    dead.host = "box-b";
    dead.pid = 202;
    dead.heartbeat_at = now - 3600;
    ASSERT_TRUE((*store)->PutWorker(live).ok());
    ASSERT_TRUE((*store)->PutWorker(dead).ok());
    ASSERT_TRUE(
        (*store)
            ->ClaimLeases(live.id, {"host:a.test", "host:b.test", "role:alerts"}, now, now + 300)
            .ok());
    ASSERT_TRUE((*store)->ClaimLeases(dead.id, {"host:c.test"}, now - 3600, now - 3000).ok());
  }
  CommandResult r = Mw({"workers", "--store", uri_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 live worker"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("box-a"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("box-b"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 leases: host:a.test, host:b.test, role:alerts"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 free or expired"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(3.0/min)"), std::string::npos) << r.out;

  r = Mw({"workers", "--store", uri_, "--all", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  ASSERT_EQ(j["workers"].size(), 2u) << r.out;
  EXPECT_EQ(j["workers"][0]["host"], "box-a");
  EXPECT_EQ(j["workers"][0]["state"], "live");
  EXPECT_EQ(j["workers"][0]["leases"].size(), 3u);
  EXPECT_EQ(j["workers"][1]["state"], "stale");
  EXPECT_EQ(j["workers"][1]["leases"].size(), 0u);
  EXPECT_EQ(j["leases"]["held"], 3);
  EXPECT_EQ(j["leases"]["free_or_expired"], 1);
  // A directory: no registry, said plainly.
  const std::string db = (dir_.path() / "db").string();
  ASSERT_EQ(Mw({"db", "migrate", "--db", db}).exit_code, 0);
  CommandResult d = Mw({"workers", "--db", db});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("no workers registry"), std::string::npos) << d.out;
  EXPECT_EQ(Mw({"workers", "--help"}).exit_code, 0);
}

TEST_F(PgCommandsTest, HtmlCacheKeepsArchivedPagesOnTheWorker) {
  DemoSite site;
  ASSERT_TRUE(site.Start());
  const fs::path config = DemoConfig();
  const std::string cache = (dir_.path() / "html-cache").string();
  const std::vector<std::string> crawl = {
      "crawl",           "--once",
      "--config",        config.string(),
      "--connect-to",    "127.0.0.1:" + std::to_string(site.port()),
      "--allow-cidr",    "127.0.0.0/8",
      "--host-delay-ms", "0",
      "--timeout",       "20",
      "--no-progress"};

  // Usage errors first: a directory store needs no cache, and a cache
  // without --archive-html has nothing to keep.
  std::vector<std::string> args = crawl;
  args.insert(args.end(),
              {"--store", (dir_.path() / "db").string(), "--archive-html", "--html-cache", cache});
  CommandResult r = Mw(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("only for a PostgreSQL store"), std::string::npos) << r.err;
  args = crawl;
  args.insert(args.end(), {"--store", uri_, "--html-cache", cache});
  r = Mw(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("give --archive-html too"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(cache));

  args = crawl;
  args.insert(args.end(), {"--store", uri_, "--archive-html", "--html-cache", cache});
  r = Mw(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::is_directory(cache));

  r = Mw({"query", "--store", uri_, "--match", "guan-heng", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json first =
      nlohmann::json::parse(r.out.substr(0, r.out.find('\n')), nullptr, false);
  ASSERT_FALSE(first.is_discarded()) << r.out;
  const std::string id = first.value("id", "");
  ASSERT_FALSE(id.empty()) << r.out;

  r = Mw({"article", id, "--html", "--store", uri_, "--html-cache", cache});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("<html"), std::string::npos) << r.out.substr(0, 200);
  // Without the cache the server has no page for it: it was kept local.
  r = Mw({"article", id, "--html", "--store", uri_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("has no archived page"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--html-cache"), std::string::npos) << r.err;
  // A reader's --html-cache with a directory store is a usage error.
  ASSERT_EQ(Mw({"db", "migrate", "--db", (dir_.path() / "db").string()}).exit_code, 0);
  r = Mw({"article", id, "--html", "--db", (dir_.path() / "db").string(), "--html-cache", cache});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("only for a PostgreSQL store"), std::string::npos) << r.err;
}

TEST_F(PgCommandsTest, StoreFlagUsageErrors) {
  const std::string db = (dir_.path() / "db").string();
  ASSERT_EQ(Mw({"db", "migrate", "--db", db}).exit_code, 0);
  // Both, or neither.
  CommandResult r = Mw({"query", "--db", db, "--store", uri_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not both"), std::string::npos) << r.err;
  r = Mw({"stats"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--db DIR, or --store"), std::string::npos) << r.err;
  // Not a URI libpq accepts, or another scheme: usage errors, password hidden.
  r = Mw({"query", "--store", "postgresql://mw:hunter2pw@/db?nonsense=1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad PostgreSQL URI"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter2pw"), std::string::npos) << r.err;
  r = Mw({"timeline", "--store", "mysql://db.example/x", "--match", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("neither a directory nor"), std::string::npos) << r.err;
  r = Mw({"query", "--store", (dir_.path() / "missing").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such directory"), std::string::npos) << r.err;
  // An unreachable server: a runtime error naming it, without the password.
  const std::string unreachable =
      "postgresql://mw:hunter2pw@127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) +
      "/mediawatch?connect_timeout=5";
  for (const char* command : {"query", "workers"}) {
    r = Mw({command, "--store", unreachable});
    EXPECT_EQ(r.exit_code, 1) << command << r.err;
    EXPECT_NE(r.err.find("cannot connect to PostgreSQL"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mw:********@127.0.0.1"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("hunter2pw"), std::string::npos) << r.err;
  }
  r = Mw({"db", "migrate", "--store", unreachable});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("hunter2pw"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mw
