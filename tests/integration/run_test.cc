// `mediawatch run` as a child process against a loopback feed farm: killed
// with SIGKILL at random moments and at named failpoints (after fetch,
// before commit, after commit) over seeded rounds, restarted until all work
// is done; then the database must hold exactly the served articles, each
// once, with its matches, and no feed may be stuck. Also: a clean stop on
// SIGTERM, JSON-lines logs, the Prometheus endpoint and `mediawatch status`.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "storage/store.h"
#include "tests/support/loopback_server.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using testing::CommandResult;
using testing::RunCommand;
using testing::TempDir;

constexpr int kFeeds = 8;
constexpr int kEntries = 6;

// kFeeds feeds of kEntries stories; every other story names Guan Heng.
// Article pages answer after a short delay so that kills land mid-pass.
class Farm {
 public:
  Farm() {
    for (int f = 0; f < kFeeds; ++f) {
      const std::string feed = "feed" + std::to_string(f);
      server_.http().Get(
          "/" + feed + ".xml", [this, feed](const httplib::Request&, httplib::Response& res) {
            std::string rss =
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + feed + "</title>";
            for (int e = 0; e < kEntries; ++e) {
              const std::string id = feed + "-" + std::to_string(e);
              rss += "<item><title>" + id + "</title><link>" + server_.Url("/a/" + id + ".html") +
                     "</link></item>";
            }
            res.set_content(rss + "</channel></rss>", "application/rss+xml");
          });
    }
    server_.http().Get(
        R"(/a/(feed\d+)-(\d+)\.html)", [this](const httplib::Request& req, httplib::Response& res) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          const int e = std::stoi(req.matches[2]);
          const std::string text = e % 2 == 0 ? "Guan Heng spoke about the camps in Xinjiang."
                                              : "Markets were calm and trading was thin.";
          res.set_content("<html><body><article><h1>" + req.matches[1].str() + " story " +
                              std::to_string(e) + "</h1><p>" + text + "</p><p>" + text +
                              "</p></article></body></html>",
                          "text/html; charset=utf-8");
          std::lock_guard<std::mutex> lock(mu_);
          ++page_requests_;
        });
    EXPECT_TRUE(server_.Start());
  }

  std::string Url(const std::string& path) const { return server_.Url(path); }
  std::set<std::string> Served() const {
    std::set<std::string> urls;
    for (int f = 0; f < kFeeds; ++f) {
      for (int e = 0; e < kEntries; ++e) {
        urls.insert(Url("/a/feed" + std::to_string(f) + "-" + std::to_string(e) + ".html"));
      }
    }
    return urls;
  }

 private:
  testing::LoopbackServer server_;
  std::mutex mu_;
  int page_requests_ = 0;
};

// A `mediawatch run` child with `env` added to its environment.
struct Child {
  pid_t pid = -1;

  // Exit status as waitpid reports it.
  int Wait() {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    pid = -1;
    return status;
  }
  // True when it ended by itself within `seconds` (status in *status).
  bool WaitFor(int seconds, int* status) {
    if (!testing::WaitForExit(pid, seconds, status)) return false;
    pid = -1;
    return true;
  }
};

Child Spawn(const std::vector<std::string>& args, const std::string& env,
            const std::string& log_path) {
  return Child{testing::SpawnProcess(args, log_path, env)};
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.path() / "config";
    db_ = (dir_.path() / "db").string();
    log_ = (dir_.path() / "run.log").string();
    std::string feeds;
    for (int f = 0; f < kFeeds; ++f) {
      const std::string id = "feed" + std::to_string(f);
      feeds += "[[feed]]\nid = \"" + id + "\"\nurl = \"" + farm_.Url("/" + id + ".xml") +
               "\"\nlanguage = \"en\"\nsource = \"Outlet " + id + "\"\n\n";
    }
    testing::WriteFile(config_ / "feeds.toml", feeds);
    testing::WriteFile(config_ / "watchlists" / "case.toml",
                       "id = \"case\"\n[[entity]]\nid = \"guan-heng\"\nnames = [\"Guan Heng\"]\n");
  }

  std::vector<std::string> RunArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {MEDIAWATCH_BINARY,
                                     "run",
                                     "--config",
                                     config_.string(),
                                     "--db",
                                     db_,
                                     "--allow-cidr",
                                     "127.0.0.0/8",
                                     "--host-delay-ms",
                                     "0",
                                     "--ignore-robots",
                                     "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::string Log() {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TempDir dir_;
  Farm farm_;
  std::filesystem::path config_;
  std::string db_;
  std::string log_;
};

TEST_F(RunTest, KilledAtRandomAndAtFailpointsStoresEveryArticleExactlyOnce) {
  std::mt19937 rng(20261127);
  struct Round {
    std::string failpoint;  // "" = SIGKILL after a random delay
    int delay_ms = 0;
  };
  std::vector<Round> rounds;
  for (const char* fp : {"after_fetch", "before_commit", "after_commit"}) {
    for (int n : {1, 7}) rounds.push_back({std::string(fp) + ":" + std::to_string(n), 0});
  }
  for (int i = 0; i < 4; ++i) {
    rounds.push_back({"", std::uniform_int_distribution<int>(50, 600)(rng)});
  }
  std::shuffle(rounds.begin(), rounds.end(), rng);
  int killed = 0;
  for (const Round& round : rounds) {
    SCOPED_TRACE(round.failpoint.empty() ? "kill after " + std::to_string(round.delay_ms) + " ms"
                                         : "failpoint " + round.failpoint);
    const std::string env =
        round.failpoint.empty() ? "" : "MEDIAWATCH_FAILPOINT=" + round.failpoint;
    Child child = Spawn(RunArgs({"--until-idle", "--all"}), env, log_);
    ASSERT_GT(child.pid, 0);
    int status = 0;
    if (round.failpoint.empty()) {
      if (!child.WaitFor(0, &status)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(round.delay_ms));
        kill(child.pid, SIGKILL);
        status = child.Wait();
      }
    } else {
      ASSERT_TRUE(child.WaitFor(60, &status)) << Log();
    }
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), SIGKILL) << Log();
      ++killed;
    } else {
      // The failpoint was not reached: all work was already done.
      ASSERT_TRUE(WIFEXITED(status)) << Log();
      EXPECT_EQ(WEXITSTATUS(status), 0) << Log();
    }
    // Whatever happened, the database opens and holds no duplicate.
    StoreOptions ro;
    ro.read_only = true;
    auto store = OpenRocksStore(db_, ro);
    if (!store.ok() && store.status().code() == StatusCode::kNotFound) continue;  // killed early
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    MatchQuery all;
    all.flagged_only = false;
    all.limit = 100000;
    auto hits = (*store)->QueryMatches(all);
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    std::set<std::string> urls;
    for (const MatchHit& h : *hits) EXPECT_TRUE(urls.insert(h.article.url).second);
    EXPECT_EQ((*store)->Stats()->articles, static_cast<int64_t>(urls.size()));
  }
  EXPECT_GE(killed, 6) << "too few rounds were interrupted to test anything";

  // Restart until all work is done (no --all: only what is still due).
  CommandResult final_run = RunCommand(RunArgs({"--until-idle"}), 120);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.out << final_run.err;

  StoreOptions ro;
  ro.read_only = true;
  auto store = OpenRocksStore(db_, ro);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  MatchQuery all;
  all.flagged_only = false;
  all.limit = 100000;
  auto hits = (*store)->QueryMatches(all);
  ASSERT_TRUE(hits.ok());
  std::set<std::string> urls;
  size_t flagged = 0;
  for (const MatchHit& h : *hits) {
    EXPECT_TRUE(urls.insert(h.article.url).second) << "stored twice: " << h.article.url;
    const bool should_match = h.article.title.find("story 0") != std::string::npos ||
                              h.article.title.find("story 2") != std::string::npos ||
                              h.article.title.find("story 4") != std::string::npos;
    EXPECT_EQ(h.matches.size(), should_match ? 1u : 0u) << h.article.title;
    flagged += h.matches.empty() ? 0 : 1;
  }
  EXPECT_EQ(urls, farm_.Served());
  EXPECT_EQ(flagged, static_cast<size_t>(kFeeds * kEntries / 2));
  auto stats = (*store)->Stats();
  EXPECT_EQ(stats->articles, kFeeds * kEntries);
  EXPECT_EQ(stats->matches, kFeeds * kEntries / 2);
  // No feed is stuck: each was polled successfully, is scheduled, and its
  // article count is that of its stored articles.
  auto feeds = (*store)->ListFeedStates();
  ASSERT_TRUE(feeds.ok());
  ASSERT_EQ(feeds->size(), static_cast<size_t>(kFeeds));
  for (const FeedState& f : *feeds) {
    EXPECT_GT(f.last_success_at, 0) << f.feed_id;
    EXPECT_EQ(f.consecutive_failures, 0) << f.feed_id;
    EXPECT_GT(f.next_poll_at, f.last_fetch_at) << f.feed_id;
    EXPECT_EQ(f.articles_stored, kEntries) << f.feed_id;
  }
  auto run = (*store)->GetRunState();
  ASSERT_TRUE(run.ok() && run->has_value());
  EXPECT_GT((*run)->stopped_at, 0);
}

TEST_F(RunTest, SigtermStopsCleanlyWithJsonLogsMetricsAndStatus) {
  const int port = testing::UnusedLoopbackPort();
  const std::string metrics = "127.0.0.1:" + std::to_string(port);
  Child child =
      Spawn(RunArgs({"--log-format", "json", "--metrics", metrics, "--heartbeat", "1"}), "", log_);
  ASSERT_GT(child.pid, 0);
  // Wait for the first pass to store everything.
  bool done = false;
  for (int i = 0; i < 600 && !done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    done = Log().find("\"pass 1:") != std::string::npos;
  }
  ASSERT_TRUE(done) << Log();

  // Metrics over loopback.
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << "no metrics endpoint";
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("mediawatch_articles_stored_total " + std::to_string(kFeeds * kEntries)),
            std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("mediawatch_passes_total 1"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("# TYPE mediawatch_queue_articles gauge"), std::string::npos);
  // CPU by article stage: every stage ran on the stored pages, extraction
  // (an HTML parse per page) more than charset decoding.
  std::map<std::string, double> stage_cpu;
  for (const char* stage : {"decode", "extract", "match", "store"}) {
    const std::string key =
        std::string("mediawatch_article_cpu_seconds_total{stage=\"") + stage + "\"} ";
    const size_t at = res->body.find(key);
    ASSERT_NE(at, std::string::npos) << key << "\n" << res->body;
    stage_cpu[stage] = std::strtod(res->body.c_str() + at + key.size(), nullptr);
    EXPECT_GT(stage_cpu[stage], 0) << stage;
  }
  EXPECT_GT(stage_cpu["extract"], stage_cpu["decode"]) << res->body;

  // Status while running (read-only open beside the writer).
  CommandResult running = RunCommand({MEDIAWATCH_BINARY, "status", "--db", db_, "--json"});
  ASSERT_EQ(running.exit_code, 0) << running.err;
  auto j = nlohmann::json::parse(running.out);
  EXPECT_EQ(j["state"], "running") << running.out;
  EXPECT_EQ(j["pid"], child.pid);
  EXPECT_EQ(j["database"]["articles"], kFeeds * kEntries);

  ASSERT_EQ(kill(child.pid, SIGTERM), 0);
  int status = 0;
  ASSERT_TRUE(child.WaitFor(30, &status)) << Log();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << Log();

  // Every log line is a JSON object with time, level and msg.
  std::istringstream lines(Log());
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto obj = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(obj.is_discarded()) << line;
    EXPECT_TRUE(obj.contains("time") && obj.contains("level") && obj.contains("msg")) << line;
    ++parsed;
  }
  EXPECT_GE(parsed, 3);

  CommandResult stopped = RunCommand({MEDIAWATCH_BINARY, "status", "--db", db_});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.out.find("Monitor           stopped"), std::string::npos) << stopped.out;
  EXPECT_NE(stopped.out.find("Articles stored   48"), std::string::npos) << stopped.out;
}

TEST_F(RunTest, StatusAfterKillSaysStoppedUncleanlyAndBadFlagsAreUsageErrors) {
  Child child = Spawn(RunArgs(), "MEDIAWATCH_FAILPOINT=after_commit:3", log_);
  int status = 0;
  ASSERT_TRUE(child.WaitFor(60, &status)) << Log();
  ASSERT_TRUE(WIFSIGNALED(status)) << Log();
  CommandResult r = RunCommand({MEDIAWATCH_BINARY, "status", "--db", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stopped uncleanly"), std::string::npos) << r.out;

  EXPECT_EQ(RunCommand(RunArgs({"--metrics", "nonsense"})).exit_code, 2);
  EXPECT_EQ(RunCommand(RunArgs({"--log-format", "xml"})).exit_code, 2);
  TempDir empty;
  CommandResult no_db = RunCommand({MEDIAWATCH_BINARY, "status", "--db", empty.str()});
  EXPECT_EQ(no_db.exit_code, 1);
  EXPECT_NE(no_db.err.find("no mediawatch database"), std::string::npos) << no_db.err;
}

}  // namespace
}  // namespace mw
