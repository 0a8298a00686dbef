// Several `mediawatch run` workers sharing one PostgreSQL store (issue 11):
// three processes against a loopback farm of virtual hosts, one killed with
// SIGKILL mid-run while it holds host leases. Every served article is
// stored once, every alert delivered once (the webhook's Idempotency-Key
// is the alert id), no host sees more requests at once than one fetcher's
// per-host limit, and the dead worker's hosts are polled again by another
// after its leases expired.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/pg_store.h"
#include "storage/store.h"
#include "tests/support/loopback_server.h"
#include "tests/support/pg_server.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

constexpr int kHosts = 10;
constexpr int kFeedsPerHost = 3;
constexpr int kArticles = 10;  // per feed; n % 3 == 0 names Guan Heng
constexpr int kPerHost = 2;    // --per-host
constexpr int kRequestMs = 60;

std::string HostName(int h) { return "h" + std::to_string(h) + ".test"; }

// The farm: feeds /fN.xml and pages /fN-M.html on every virtual host, and
// the alert webhook. Counts requests in flight per Host header.
class Farm {
 public:
  Farm() {
    server_.http().Get(
        R"(/(f\d+)\.xml)", [this](const httplib::Request& req, httplib::Response& res) {
          const std::string host = HostOf(req);
          Enter(host, /*feed=*/true);
          std::string rss =
              "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + host + "</title>";
          for (int n = 0; n < kArticles; ++n) {
            rss += "<item><title>" + req.matches[1].str() + " " + std::to_string(n) +
                   "</title><link>/" + req.matches[1].str() + "-" + std::to_string(n) +
                   ".html</link></item>";
          }
          res.set_content(rss + "</channel></rss>", "application/rss+xml");
          Leave(host);
        });
    server_.http().Get(
        R"(/(f\d+)-(\d+)\.html)", [this](const httplib::Request& req, httplib::Response& res) {
          const std::string host = HostOf(req);
          Enter(host, /*feed=*/false);
          const int n = std::stoi(req.matches[2]);
          const std::string text =
              n % 6 == 0   ? "关恒在新疆拍摄了拘留营，后来在美国面临遣返。"
              : n % 3 == 0 ? "Guan Heng filmed the camps in Xinjiang and fought deportation."
                           : "Markets were calm and trading was thin on " + host + ".";
          res.set_content("<html><body><article><h1>" + host + " " + req.matches[1].str() + " " +
                              std::to_string(n) + "</h1><p>" + text + "</p><p>" + text +
                              "</p></article></body></html>",
                          "text/html; charset=utf-8");
          Leave(host);
        });
    server_.http().Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++deliveries_[req.get_header_value("Idempotency-Key")];
      res.set_content("{}", "application/json");
    });
    EXPECT_TRUE(server_.Start());
  }

  int port() const { return server_.port(); }
  std::string HookUrl() const { return server_.Url("/hook"); }

  static std::string HostOf(const httplib::Request& req) {
    std::string host = req.get_header_value("Host");
    return host.substr(0, host.find(':'));
  }

  void Enter(const std::string& host, bool feed) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      int& now = in_flight_[host];
      ++now;
      max_in_flight_[host] = std::max(max_in_flight_[host], now);
      if (feed) {
        feed_times_[host].push_back(std::chrono::steady_clock::now());
      } else {
        ++pages_[host];
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kRequestMs));
  }
  void Leave(const std::string& host) {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_[host];
  }

  std::mutex mu_;
  std::map<std::string, int> in_flight_, max_in_flight_, pages_;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> feed_times_;
  std::map<std::string, int> deliveries_;  // by Idempotency-Key

 private:
  testing::LoopbackServer server_;
};

pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  return testing::SpawnProcess(args, log_path);
}

// The pid in a worker id "<hostname>:<pid>:<start>".
pid_t PidOf(const std::string& worker) {
  const size_t last = worker.rfind(':');
  const size_t first = last == std::string::npos ? std::string::npos : worker.rfind(':', last - 1);
  if (first == std::string::npos) return -1;
  return static_cast<pid_t>(std::stol(worker.substr(first + 1, last - first - 1)));
}

TEST(WorkersTest, ThreeWorkersShareTheFarmAndOneKilledIsTakenOver) {
  MW_REQUIRE_POSTGRES(server);
  Result<std::string> uri = server->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  ASSERT_TRUE(MigratePostgres(*uri).ok());

  Farm farm;
  testing::TempDir dir;
  const std::filesystem::path config = dir.path() / "config";
  std::string feeds;
  std::set<std::string> served;
  for (int h = 0; h < kHosts; ++h) {
    for (int f = 0; f < kFeedsPerHost; ++f) {
      const std::string name = "f" + std::to_string(h * kFeedsPerHost + f);
      const std::string base = "http://" + HostName(h) + ":" + std::to_string(farm.port()) + "/";
      feeds += "[[feed]]\nid = \"h" + std::to_string(h) + "-" + name + "\"\nurl = \"" + base +
               name + ".xml\"\nlanguage = \"en\"\nsource = \"" + HostName(h) + "\"\n\n";
      for (int n = 0; n < kArticles; ++n) {
        served.insert(base + name + "-" + std::to_string(n) + ".html");
      }
    }
  }
  testing::WriteFile(config / "feeds.toml", feeds);
  testing::WriteFile(config / "watchlists" / "case.toml",
                     "id = \"case\"\nname = \"The Case\"\n[[entity]]\nid = \"guan-heng\"\n"
                     "names = [\"Guan Heng\", \"关恒\"]\n");
  testing::WriteFile(config / "alerts.toml",
                     "[[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" + farm.HookUrl() +
                         "\"\n\n[[alert]]\nwatchlist = \"case\"\nsinks = [\"hook\"]\n");

  const std::vector<std::string> args = {MEDIAWATCH_BINARY,
                                         "run",
                                         "--config",
                                         config.string(),
                                         "--store",
                                         *uri,
                                         "--allow-cidr",
                                         "127.0.0.0/8",
                                         "--connect-to",
                                         "127.0.0.1:" + std::to_string(farm.port()),
                                         "--host-delay-ms",
                                         "0",
                                         "--per-host",
                                         std::to_string(kPerHost),
                                         "--ignore-robots",
                                         "--no-progress",
                                         "--until-idle",
                                         "--lease-seconds",
                                         "3"};
  std::vector<pid_t> pids;
  std::vector<std::string> logs;
  for (int i = 0; i < 3; ++i) {
    logs.push_back((dir.path() / ("worker" + std::to_string(i) + ".log")).string());
    pids.push_back(Spawn(args, logs.back()));
  }
  // No worker outlives the test, whatever fails; their logs show why.
  struct Reaper {
    std::vector<pid_t>* pids;
    std::vector<std::string>* logs;
    ~Reaper() {
      for (pid_t pid : *pids) testing::KillProcess(pid);
      if (::testing::Test::HasFailure()) {
        for (const std::string& log : *logs) {
          std::string text = testing::ReadFileOrDie(log);
          if (text.size() > 6000) text = "..." + text.substr(text.size() - 6000);
          std::fprintf(stderr, "--- %s\n%s\n", log.c_str(), text.c_str());
        }
      }
    }
  } reaper{&pids, &logs};
  auto reader = OpenPostgresStore(*uri, {});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();

  // Kill a worker that holds hosts it has not finished (and not the alerts
  // role, whose lease of minutes would outlast the test).
  pid_t victim = -1;
  std::set<std::string> victim_hosts;
  std::chrono::steady_clock::time_point killed_at;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (victim < 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto leases = (*reader)->ListLeases();
    ASSERT_TRUE(leases.ok()) << leases.status().ToString();
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    std::map<pid_t, std::set<std::string>> hosts_of;
    std::set<pid_t> alerts_role;
    for (const Lease& l : *leases) {
      if (l.worker.empty() || l.until <= now) continue;
      if (l.key == "role:alerts") alerts_role.insert(PidOf(l.worker));
      if (l.key.rfind("host:", 0) == 0) hosts_of[PidOf(l.worker)].insert(l.key.substr(5));
    }
    std::lock_guard<std::mutex> lock(farm.mu_);
    for (const auto& [pid, hosts] : hosts_of) {
      if (alerts_role.count(pid) > 0) continue;
      bool midway = false;
      for (const std::string& h : hosts) {
        const int pages = farm.pages_[h];
        midway = midway || (pages >= 4 && pages < kFeedsPerHost * kArticles - 4);
      }
      if (!midway) continue;
      victim = pid;
      victim_hosts = hosts;
      ASSERT_EQ(kill(victim, SIGKILL), 0);
      killed_at = std::chrono::steady_clock::now();
      break;
    }
  }
  ASSERT_GT(victim, 0) << "no worker was caught midway through a host";
  int status = 0;
  ASSERT_EQ(waitpid(victim, &status, 0), victim);
  for (pid_t& pid : pids) pid = pid == victim ? -1 : pid;

  // The others finish the farm (waiting for the dead worker's leases) and
  // exit by themselves.
  for (pid_t& pid : pids) {
    if (pid < 0) continue;
    const bool exited = testing::WaitForExit(pid, 90, &status);
    const pid_t was = pid;
    if (exited) pid = -1;  // reaped
    ASSERT_TRUE(exited) << "worker " << was << " did not finish";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }

  // Every served article stored once.
  MatchQuery all;
  all.flagged_only = false;
  all.limit = 100000;
  auto hits = (*reader)->QueryMatches(all);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  std::multiset<std::string> stored;
  std::set<std::string> expected_alerts;
  for (const MatchHit& hit : *hits) {
    stored.insert(hit.article.url);
    if (!hit.matches.empty()) {
      expected_alerts.insert(AlertIdFor("case", hit.article.id, "match", 1));
    }
  }
  EXPECT_EQ(stored.size(), served.size());
  EXPECT_EQ(std::set<std::string>(stored.begin(), stored.end()), served);
  EXPECT_EQ(expected_alerts.size(), static_cast<size_t>(kHosts * kFeedsPerHost * 4));

  std::lock_guard<std::mutex> lock(farm.mu_);
  // Alerts: each once.
  std::set<std::string> delivered;
  for (const auto& [key, count] : farm.deliveries_) {
    EXPECT_EQ(count, 1) << key;
    delivered.insert(key);
  }
  EXPECT_EQ(delivered, expected_alerts);
  // Politeness across workers.
  for (const auto& [host, most] : farm.max_in_flight_) EXPECT_LE(most, kPerHost) << host;
  // Taken over: a host the dead worker held had a feed polled again after
  // its death (its unfinished feeds kept their state, so stayed due).
  int repolled = 0;
  for (const std::string& h : victim_hosts) {
    for (const auto& t : farm.feed_times_[h]) repolled += t > killed_at ? 1 : 0;
  }
  EXPECT_GT(repolled, 0) << "the dead worker's hosts were not polled again";
  // The survivors stopped cleanly; the dead one did not.
  auto workers = (*reader)->ListWorkers(0);
  ASSERT_TRUE(workers.ok());
  int clean = 0;
  for (const WorkerInfo& w : *workers) {
    if (PidOf(w.id) == victim) {
      EXPECT_EQ(w.stopped_at, 0);
    } else {
      clean += w.stopped_at > 0 ? 1 : 0;
    }
  }
  EXPECT_EQ(clean, 2);
}

}  // namespace
}  // namespace mw
