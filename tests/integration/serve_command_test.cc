// `mediawatch serve` end to end: the real binary on the demo database,
// listening on 127.0.0.1 at a port it picks, queried over loopback, stopped
// with SIGTERM/SIGINT (exit 0); usage errors exit 2 before anything is
// bound (a non-loopback address is only ever an argument to refuse). And
// serve following a live database: a `mediawatch crawl` process stores
// articles (from a loopback feed) while serve runs, and serve shows them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/sample_db.h"
#include "tests/support/loopback_server.h"

namespace mw::testing {
namespace {

using nlohmann::json;

// A running `mediawatch serve`, its stdout on a pipe, stderr in a file.
class ServeProcess {
 public:
  ServeProcess(std::vector<std::string> args, const std::string& err_path,
               const std::string& env = "") {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      // Stopped cleanly (removing its follower directory) even when the
      // test process dies without running destructors (an ASan abort).
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (!env.empty()) putenv(const_cast<char*>(env.c_str()));
      dup2(out[1], STDOUT_FILENO);
      const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err >= 0) dup2(err, STDERR_FILENO);
      close(out[0]);
      args.insert(args.begin(), {MEDIAWATCH_BINARY, "serve"});
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }

  // The first stdout line (without the newline), waiting at most `seconds`;
  // "" on timeout or end of output.
  std::string ReadLine(int seconds) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      if (read(out_, &c, 1) != 1) return "";
      if (c == '\n') return line;
      line += c;
    }
    return "";
  }

  // Sends `sig` and returns the exit code (-1: killed by a signal or still
  // running after `seconds`).
  int Stop(int sig, int seconds) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    return Wait(seconds);
  }
  int Wait(int seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// The port of "listening on http://127.0.0.1:PORT/" (0 when not that).
int PortOf(const std::string& line) {
  const std::string prefix = "listening on http://127.0.0.1:";
  if (line.rfind(prefix, 0) != 0 || line.back() != '/') return 0;
  return std::atoi(line.substr(prefix.size()).c_str());
}

class ServeCommandTest : public DemoDbSuite {
 protected:
  std::string Err() const { return ReadFileOrDie(err_path_); }
  TempDir dir_;
  std::string err_path_ = (dir_.path() / "serve.err").string();
};

TEST_F(ServeCommandTest, ServesTheDemoDatabaseAndStopsOnSigterm) {
  const std::string config = (SourceDir() / "feeds").string();
  ServeProcess serve({"--db", db_, "--listen", "127.0.0.1:0", "--config", config}, err_path_);
  const std::string line = serve.ReadLine(30);
  const int port = PortOf(line);
  ASSERT_GT(port, 0) << "stdout: '" << line << "' stderr: " << Err();

  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20);
  auto r = c.Get("/api/v1/matches?match=guan-heng&limit=500");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  json j = json::parse(r->body);
  std::set<std::string> languages;
  for (const json& item : j["items"]) {
    const std::string lang = item["language"];
    languages.insert(lang.substr(0, lang.find('-')));
    if (lang == "ug") {
      EXPECT_EQ(item["direction"], "rtl");
    }
    EXPECT_FALSE(item["highlights"].empty()) << item.dump();  // --config: folded highlighting
  }
  for (const char* want : {"en", "zh", "ug"}) {
    EXPECT_EQ(languages.count(want), 1u)
        << want << " missing: Guan Heng coverage in every language";
  }
  ASSERT_FALSE(j["items"].empty());

  auto article = c.Get("/api/v1/articles/" + j["items"][0]["id"].get<std::string>());
  ASSERT_TRUE(article);
  EXPECT_EQ(article->status, 200);
  EXPECT_FALSE(json::parse(article->body)["text"].get<std::string>().empty());

  r = c.Get("/api/v1/timeline?match=guan-heng&split=lang");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  std::set<std::string> groups;
  const json timeline = json::parse(r->body);
  for (const json& s : timeline["series"]) groups.insert(s["group"]);
  for (const char* want : {"en", "ug", "zh", "zh-Hant"}) EXPECT_EQ(groups.count(want), 1u) << want;

  r = c.Get("/api/v1/watchlists");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["watchlists"][0]["name"], "Guan Heng case");

  r = c.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = c.Get("/api/v1/matches?limit=9999");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  EXPECT_EQ(serve.Stop(SIGTERM, 20), 0) << Err();
}

TEST_F(ServeCommandTest, TokenFromAFileAndSigint) {
  const std::string token_path = (dir_.path() / "token").string();
  WriteFile(token_path, "integration-token-0123456789\n");
  chmod(token_path.c_str(), 0600);
  ServeProcess serve({"--db", db_, "--listen", "127.0.0.1:0", "--token-file", token_path},
                     err_path_);
  const int port = PortOf(serve.ReadLine(30));
  ASSERT_GT(port, 0) << Err();
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20);
  auto r = c.Get("/api/v1/stats");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = c.Get("/api/v1/stats", {{"Authorization", "Bearer integration-token-0123456789"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GT(json::parse(r->body)["articles"].get<int64_t>(), 0);
  EXPECT_EQ(serve.Stop(SIGINT, 20), 0) << Err();
}

TEST_F(ServeCommandTest, TokenFromTheEnvironment) {
  ServeProcess serve({"--db", db_, "--listen", "127.0.0.1:0", "--token-env", "MW_TEST_TOKEN"},
                     err_path_, "MW_TEST_TOKEN=environment-token-0123456789");
  const int port = PortOf(serve.ReadLine(30));
  ASSERT_GT(port, 0) << Err();
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20);
  auto r = c.Get("/api/v1/feeds", {{"Authorization", "Bearer environment-token-0123456789"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(serve.Stop(SIGTERM, 20), 0) << Err();
}

// One RSS feed on loopback whose entries the test adds; every story names
// Guan Heng. Pages of stories from `gate_from` on are held until Open():
// a crawl fetching them holds the database (and its lock) meanwhile.
class GatedFeed {
 public:
  GatedFeed() {
    server_.http().Get("/feed.xml", [this](const httplib::Request&, httplib::Response& res) {
      std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>";
      for (int e = 0; e < entries_.load(); ++e) {
        rss += "<item><title>Story " + std::to_string(e) + "</title><link>" +
               server_.Url("/a/" + std::to_string(e) + ".html") + "</link></item>";
      }
      res.set_content(rss + "</channel></rss>", "application/rss+xml");
    });
    server_.http().Get(
        R"(/a/(\d+)\.html)", [this](const httplib::Request& req, httplib::Response& res) {
          const int e = std::stoi(req.matches[1]);
          if (e >= gate_from_.load()) {
            std::unique_lock<std::mutex> lock(mu_);
            ++held_;
            changed_.notify_all();
            // Bounded: a test that fails before Open() must not hang the server.
            changed_.wait_for(lock, std::chrono::seconds(30), [&] { return open_; });
          }
          const std::string text = "Guan Heng filmed the camps in Xinjiang. Story " +
                                   std::to_string(e) + " tells how the footage got out.";
          res.set_content("<html><body><article><h1>Story " + std::to_string(e) + "</h1><p>" +
                              text + "</p><p>" + text + "</p></article></body></html>",
                          "text/html; charset=utf-8");
        });
    EXPECT_TRUE(server_.Start());
  }
  ~GatedFeed() {
    Open();
    server_.Stop();
  }

  std::string Url() const { return server_.Url("/feed.xml"); }
  void SetEntries(int n, int gate_from) {
    entries_ = n;
    gate_from_ = gate_from;
  }
  // True once a page request is held, waiting at most `seconds`.
  bool WaitUntilHeld(int seconds) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(seconds), [&] { return held_ > 0; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  LoopbackServer server_;
  std::atomic<int> entries_{0};
  std::atomic<int> gate_from_{1 << 30};
  std::mutex mu_;
  std::condition_variable changed_;
  int held_ = 0;
  bool open_ = false;
};

// A child process with stdout and stderr in `log_path`.
pid_t SpawnLogged(std::vector<std::string> args, const std::string& log_path) {
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // as ServeProcess
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// GET `path` as JSON; null when the request fails or is not a 200.
json GetJson(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20);
  auto r = c.Get(path);
  if (!r || r->status != 200) return nullptr;
  return json::parse(r->body, nullptr, /*allow_exceptions=*/false);
}

// Polls `port` until /api/v1/stats counts `articles` and /api/v1/matches
// lists `flagged` items, for at most `seconds`. True when it did.
bool WaitForCounts(int port, int64_t articles, size_t flagged, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const json stats = GetJson(port, "/api/v1/stats");
    const json page = GetJson(port, "/api/v1/matches?match=guan-heng&limit=100");
    if (stats.is_object() && page.is_object() && stats["articles"] == articles &&
        page["items"].size() == flagged) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(ServeFollowTest, ShowsWhatACrawlStoresWhileServeRuns) {
  TempDir dir;
  GatedFeed feed;
  const std::filesystem::path config = dir.path() / "config";
  const std::string db = (dir.path() / "db").string();
  WriteFile(config / "feeds.toml", "[[feed]]\nid = \"f\"\nurl = \"" + feed.Url() +
                                       "\"\nlanguage = \"en\"\nsource = \"Loopback\"\n");
  WriteFile(config / "watchlists" / "case.toml",
            "id = \"case\"\n[[entity]]\nid = \"guan-heng\"\nnames = [\"Guan Heng\"]\n");
  const std::vector<std::string> crawl = {MEDIAWATCH_BINARY,
                                          "crawl",
                                          "--config",
                                          config.string(),
                                          "--db",
                                          db,
                                          "--once",
                                          "--all",
                                          "--allow-cidr",
                                          "127.0.0.0/8",
                                          "--ignore-robots",
                                          "--host-delay-ms",
                                          "0",
                                          "--no-progress"};

  // A database with two stories, then serve on it.
  feed.SetEntries(2, /*gate_from=*/1 << 30);
  CommandResult first = RunCommand(crawl, 60);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string err1 = (dir.path() / "serve1.err").string();
  ServeProcess serve1({"--db", db, "--listen", "127.0.0.1:0", "--refresh-ms", "100"}, err1);
  const int port1 = PortOf(serve1.ReadLine(30));
  ASSERT_GT(port1, 0) << ReadFileOrDie(err1);
  ASSERT_TRUE(WaitForCounts(port1, 2, 2, 10)) << GetJson(port1, "/api/v1/stats").dump();

  // Three more stories, crawled by another process while serve runs. Their
  // pages are held, so the crawl has the database open (and locked) ...
  feed.SetEntries(5, /*gate_from=*/2);
  const std::string crawl_log = (dir.path() / "crawl.log").string();
  const pid_t crawler = SpawnLogged(crawl, crawl_log);
  ASSERT_GT(crawler, 0);
  ASSERT_TRUE(feed.WaitUntilHeld(30)) << ReadFileOrDie(crawl_log);

  // ... and a serve started now opens it all the same, with the default
  // refresh interval.
  const std::string err2 = (dir.path() / "serve2.err").string();
  ServeProcess serve2({"--db", db, "--listen", "127.0.0.1:0"}, err2);
  const int port2 = PortOf(serve2.ReadLine(30));
  ASSERT_GT(port2, 0) << ReadFileOrDie(err2);
  EXPECT_TRUE(WaitForCounts(port2, 2, 2, 10)) << GetJson(port2, "/api/v1/stats").dump();

  // Released: the crawl stores them; both servers show them without a
  // restart (serve2 within its default 2 s interval).
  feed.Open();
  EXPECT_TRUE(WaitForCounts(port1, 5, 5, 30))
      << GetJson(port1, "/api/v1/stats").dump() << ReadFileOrDie(crawl_log);
  EXPECT_TRUE(WaitForCounts(port2, 5, 5, 30)) << GetJson(port2, "/api/v1/stats").dump();
  std::string story_id;
  const json page = GetJson(port1, "/api/v1/matches?limit=100");
  ASSERT_TRUE(page.is_object());
  for (const json& item : page["items"]) {
    if (item["title"] == "Story 4") story_id = item["id"];
  }
  ASSERT_FALSE(story_id.empty());
  const json story = GetJson(port1, "/api/v1/articles/" + story_id);
  ASSERT_TRUE(story.is_object());
  EXPECT_NE(story["text"].get<std::string>().find("Story 4"), std::string::npos);

  int status = 0;
  ASSERT_EQ(waitpid(crawler, &status, 0), crawler);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFileOrDie(crawl_log);
  EXPECT_EQ(serve1.Stop(SIGTERM, 20), 0) << ReadFileOrDie(err1);
  EXPECT_EQ(serve2.Stop(SIGTERM, 20), 0) << ReadFileOrDie(err2);
  // Neither server left its follower directory in the database.
  for (const auto& entry : std::filesystem::directory_iterator(db)) {
    EXPECT_EQ(entry.path().filename().string().find("follower"), std::string::npos);
  }
}

TEST_F(ServeCommandTest, UsageErrorsExit2BeforeListening) {
  const std::string short_token = (dir_.path() / "short").string();
  WriteFile(short_token, "short\n");
  const std::vector<std::vector<std::string>> cases = {
      // Not loopback and no token: refused before binding (never bound).
      {"--db", db_, "--listen", "192.0.2.1:0"},
      {"--db", db_, "--listen", "0.0.0.0:0"},
      {"--db", db_, "--listen", "[::]:0"},
      {"--db", db_, "--listen", "nonsense"},
      {"--db", db_, "--listen", "127.0.0.1:99999"},
      {"--db", db_, "--listen", "127.0.0.1:0", "--token-env", "MW_SURELY_UNSET_VARIABLE"},
      {"--db", db_, "--listen", "127.0.0.1:0", "--token-file", short_token},
      {"--db", db_, "--listen", "127.0.0.1:0", "--token-file", "/nonexistent/token"},
      {"--db", db_, "--token-env", "A", "--token-file", short_token},
      {"--db", db_, "--threads", "0"},
      {"--db", db_, "--refresh-ms", "-1"},
      {"--db", db_, "--token", "on-the-command-line-0123"},
  };
  for (const std::vector<std::string>& args : cases) {
    std::vector<std::string> argv = {"serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunMw(argv);
    EXPECT_EQ(r.exit_code, 2) << args[args.size() - 1] << ": " << r.err;
    EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
  }
  CommandResult r = RunMw({"serve", "--db", db_, "--listen", "192.0.2.1:8080"});
  EXPECT_NE(r.err.find("--token-env"), std::string::npos) << r.err;
  r = RunMw({"serve", "--db", (dir_.path() / "missing").string()});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace mw::testing
