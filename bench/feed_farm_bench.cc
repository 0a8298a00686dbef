// Feed-farm benchmark: one loopback server plays N feeds x E entries spread
// over H virtual hosts (Host header; the crawler's connect_to sends every
// host to the farm), and the real `mediawatch crawl` binary polls it:
//   1. baseline: the bare Fetcher downloads every feed once (no parsing, no
//      storage) in this process — the cost of HTTP alone;
//   2. cold pass: `crawl --once` into a fresh database (entries carry their
//      text, fetch_articles = false, so a pass is feeds + storage);
//   3. 304 pass: `crawl --once --all` again: every feed answers 304.
// For each pass: wall seconds, CPU seconds per 1,000 feeds, peak RSS of the
// crawler process, and the ratio to the baseline.
//
// Run: build/release/bench/feed_farm_bench [--feeds 10000] [--entries 20] [--hosts 300]
#include <httplib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "crawler/fetcher.h"

namespace {

struct Args {
  int feeds = 10000;
  int entries = 20;
  int hosts = 300;
  std::string binary = MEDIAWATCH_BINARY;
};

std::string FeedBody(int feed, int entries, const std::string& host) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" "
      "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Feed " +
      std::to_string(feed) + "</title><link>http://" + host + "/</link><ttl>5</ttl>\n";
  for (int i = 0; i < entries; ++i) {
    std::string id = std::to_string(feed) + "-" + std::to_string(i);
    out += "<item><title>Story " + id + (i % 7 == 0 ? " on Guan Heng" : " on the economy") +
           "</title><link>http://" + host + "/a/" + id + ".html</link><guid>" + id +
           "</guid><pubDate>Tue, 16 Dec 2025 10:" + std::to_string(10 + i % 50) +
           ":00 GMT</pubDate><content:encoded><![CDATA[<p>Reporters in the region said the "
           "situation in story " +
           id +
           " had developed over several weeks, with officials "
           "declining to comment on details.</p><p>" +
           (i % 7 == 0 ? "Supporters of Guan Heng, who filmed camps in Xinjiang, gathered again."
                       : "Markets were calm and traders expected little change this week.") +
           "</p>]]></content:encoded></item>\n";
  }
  return out + "</channel></rss>\n";
}

struct Farm {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::vector<std::string> bodies;  // by feed index
  std::vector<std::string> etags;
  std::atomic<long> requests{0};
};

std::string HostOf(int feed, const Args& a) {
  return "h" + std::to_string(feed % a.hosts) + ".bench.test";
}

struct PassResult {
  double wall = 0;
  double cpu = 0;
  long max_rss_kb = 0;
  int exit_code = -1;
};

PassResult RunCrawler(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  std::fflush(stdout);  // or the child inherits unflushed output
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  PassResult r;
  r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
          ru.ru_stime.tv_usec / 1e6;
  r.max_rss_kb = ru.ru_maxrss;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--feeds")
      a.feeds = std::atoi(argv[i + 1]);
    else if (k == "--entries")
      a.entries = std::atoi(argv[i + 1]);
    else if (k == "--hosts")
      a.hosts = std::atoi(argv[i + 1]);
    else if (k == "--binary")
      a.binary = argv[i + 1];
  }
  Farm farm;
  for (int f = 0; f < a.feeds; ++f) {
    farm.bodies.push_back(FeedBody(f, a.entries, HostOf(f, a)));
    farm.etags.push_back("\"f" + std::to_string(f) + "\"");
  }
  farm.server.new_task_queue = [] { return new httplib::ThreadPool(96); };
  farm.server.Get(R"(/feed/(\d+)\.xml)", [&](const httplib::Request& req, httplib::Response& res) {
    ++farm.requests;
    int f = std::atoi(req.matches[1].str().c_str());
    if (f < 0 || f >= a.feeds) {
      res.status = 404;
      return;
    }
    res.set_header("ETag", farm.etags[f]);
    if (req.get_header_value("If-None-Match") == farm.etags[f]) {
      res.status = 304;
      return;
    }
    res.set_content(farm.bodies[f], "application/rss+xml");
  });
  farm.server.Get("/robots.txt", [&](const httplib::Request&, httplib::Response& res) {
    ++farm.requests;
    res.set_content("User-agent: *\nDisallow: /private/\n", "text/plain");
  });
  farm.port = farm.server.bind_to_any_port("127.0.0.1");
  farm.thread = std::thread([&] { farm.server.listen_after_bind(); });
  while (!farm.server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  auto dir =
      std::filesystem::temp_directory_path() / ("mediawatch-farm-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "config" / "watchlists");
  {
    std::ofstream feeds(dir / "config" / "feeds.toml");
    for (int f = 0; f < a.feeds; ++f) {
      feeds << "[[feed]]\nid = \"f" << f << "\"\nurl = \"http://" << HostOf(f, a) << "/feed/" << f
            << ".xml\"\nlanguage = \"en\"\nsource = \"Farm " << f % a.hosts
            << "\"\nfetch_articles = false\n\n";
    }
    std::ofstream w(dir / "config" / "watchlists" / "w.toml");
    w << "id = \"bench\"\n[[entity]]\nid = \"guan-heng\"\nnames = [\"Guan Heng\", \"关恒\"]\n"
         "[[keyword]]\nid = \"xinjiang\"\nterms = [\"Xinjiang\", \"新疆\"]\n";
    std::ofstream s(dir / "config" / "mediawatch.toml");
    s << "[crawler]\nconcurrency = 64\nper_host = 2\nhost_delay = 0\nallow_cidrs = "
         "[\"127.0.0.0/8\"]\nmax_articles_per_feed = 100\n";
  }
  std::printf("farm: %d feeds x %d entries over %d hosts on 127.0.0.1:%d\n", a.feeds, a.entries,
              a.hosts, farm.port);

  // 1. Baseline: bare HTTP.
  mw::FetcherOptions fo;
  fo.max_concurrency = 64;
  fo.max_per_host = 2;
  fo.min_host_delay_ms = 0;
  fo.allowed_cidrs = {"127.0.0.0/8"};
  fo.connect_to = "127.0.0.1:" + std::to_string(farm.port);
  std::vector<mw::FetchRequest> reqs;
  for (int f = 0; f < a.feeds; ++f) {
    reqs.push_back({"http://" + HostOf(f, a) + "/feed/" + std::to_string(f) + ".xml", "", "",
                    static_cast<uint64_t>(f)});
  }
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  auto t0 = std::chrono::steady_clock::now();
  long ok = 0;
  mw::Fetcher fetcher(fo);
  (void)fetcher.Run(
      reqs, [&](mw::FetchResult&& r, const mw::Fetcher::Enqueue&) { ok += r.http_status == 200; });
  double base_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  getrusage(RUSAGE_SELF, &after);
  std::printf("baseline (bare fetch, %ld/%d ok): %.2f s wall\n", ok, a.feeds, base_wall);

  std::string db = (dir / "db").string();
  std::string connect = "127.0.0.1:" + std::to_string(farm.port);
  std::vector<std::string> cmd = {a.binary,   "crawl",
                                  "--config", (dir / "config").string(),
                                  "--db",     db,
                                  "--once",   "--no-progress",
                                  "-q",       "--connect-to",
                                  connect};
  PassResult cold = RunCrawler(cmd);
  long after_cold = farm.requests.load();
  cmd.push_back("--all");
  PassResult warm = RunCrawler(cmd);
  auto report = [&](const char* name, const PassResult& r) {
    std::printf(
        "%-10s exit %d: %6.2f s wall (%.1fx baseline), %.2f CPU s per 1,000 feeds, peak RSS %.0f "
        "MB\n",
        name, r.exit_code, r.wall, r.wall / base_wall, r.cpu * 1000.0 / a.feeds,
        r.max_rss_kb / 1024.0);
  };
  report("cold", cold);
  report("304 pass", warm);
  std::printf("requests served: %ld (cold pass %ld)\n", farm.requests.load(), after_cold);
  farm.server.stop();
  farm.thread.join();
  std::filesystem::remove_all(dir);
  return cold.exit_code == 0 && warm.exit_code == 0 ? 0 : 1;
}
