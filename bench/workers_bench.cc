// Several `mediawatch run` workers on one PostgreSQL store (issue 11's
// benchmark): the same loopback farm crawled by 1, 2 and 3 workers started
// together, each time into a fresh database; articles per second, speed-up,
// and the CPU per article of the workers and of the PostgreSQL server.
//
//   build/release/bench/workers_bench [--feeds 300] [--entries 20] [--hosts 60]
//       [--workers 1,2,3] [--host-delay-ms 0] [--per-host 2] [--lease-seconds S]
//       [--farm-threads 32]
//       [--dir DIR] [--keep]
//
// What runs:
//   * A throw-away PostgreSQL cluster (tests/support/pg_server.h: initdb in a
//     temporary directory, Unix socket only, fsync and synchronous_commit
//     off, run as the `postgres` user when we are root).
//   * The farm: a forked child process (cpp-httplib on 127.0.0.1, a pool of
//     --farm-threads threads), so its CPU is not the workers'. F feeds (RSS
//     2.0 with an ETag) spread over H virtual hosts hN.test, each listing E
//     stories; every story is a 20-40 KB news page (head with metadata and
//     inline scripts, navigation, byline, figure, paragraphs, related links,
//     sidebar, comments, footer) in English, Chinese or Uyghur (Arabic
//     script) by host, one story in ten naming Guan Heng in its language.
//     Pages are generated and gzipped (level 1, as nginx's default) before
//     the farm announces its port, as a site's cache would hold them: the
//     farm's CPU during the run is serving only.
//   * For each N of --workers: CREATE DATABASE, `mediawatch db migrate`, then
//     N `mediawatch run --store URI --until-idle` processes started together
//     (every host sent to the farm with --connect-to, robots.txt ignored),
//     with the watch-list feeds/watchlists/guan-heng.toml.
//
// Measures, per N: wall time from the first start to the last exit (it
// includes each worker's start-up and the monitor's 2 s startup grace, in
// which workers started together see each other before claiming hosts);
// articles stored (SELECT on the store); workers' CPU (wait4 rusage of each);
// the PostgreSQL server's CPU over the run (utime+stime of the postmaster and
// its live children from /proc, plus the postmaster's cutime+cstime, which
// holds the backends that exited; before and after); page requests the farm
// served. Checks that every served story is stored exactly once (the set of
// stored URLs equals the farm's, no URL twice) and that no page was fetched
// twice. Exit 1 when a check fails or a worker failed.
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// After the system headers: cpp-httplib pulls in its own.
#include <httplib.h>

#include "parsers/html_sanitizer.h"
#include "tests/support/pg_server.h"
#include "tests/support/process.h"

namespace mw {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

struct Args {
  int feeds = 300;
  int entries = 20;
  int hosts = 60;
  std::vector<int> workers = {1, 2, 3};
  // 0: the workers' throughput, not the politeness delay, is measured.
  int host_delay_ms = 0;
  int per_host = 2;
  int farm_threads = 32;
  // --lease-seconds of the workers; 0 = mediawatch's default (120). A worker
  // that finished its hosts while others still hold theirs re-checks every
  // lease_seconds / 3, so the last exit trails the crawl by up to that.
  int lease_seconds = 0;
  std::string dir;  // default: a new directory under the system temp dir
  bool keep = false;
};

// ---------------------------------------------------------------------------
// Deterministic text.

uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(Mix(seed + 1)) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix(state_);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<size_t>(hi - lo + 1)));
  }

 private:
  uint64_t state_;
};

enum Lang { kEn = 0, kZh = 1, kUg = 2 };
constexpr const char* kLangTag[] = {"en", "zh", "ug"};

constexpr const char* kEnglishWords =
    "the of and to in a for on with as by at from that this was were will would could said says "
    "after before during over under about between among through across around government "
    "minister officials city council residents workers company market prices budget report plan "
    "project school students teachers hospital doctors water river bridge road rail station "
    "airport flight weather storm rain winter summer harvest farmers village town province "
    "region national local economy growth trade exports factory energy power solar wind fuel "
    "costs tax bank loans rates wages jobs union talks agreement vote election party court judge "
    "case ruling appeal police museum festival music film library football team season coach "
    "players stadium science researchers study data survey university climate forest coast "
    "island port ships traffic housing rent homes construction service internet network "
    "software technology funding community families children parents new old large small early "
    "late recent final first last next week month year morning evening Monday Friday weekend "
    "again still also only more most less many several some other each announced expected "
    "reported confirmed planned opened closed raised cut increased reduced approved rejected "
    "delayed completed started visited met discussed warned promised agreed decided launched";

// Common Simplified characters, none of a watch-list term's.
constexpr const char* kChineseChars =
    "的一是不了人我在有他这中大来上个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她"
    "里"
    "后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老"
    "从"
    "动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机"
    "给"
    "等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少并内加化由却代产入先"
    "山"
    "五太水万市眼体别处总才场师书比住员九笑性通目华报立马张活难数件安表原车白应路期叫常提感金何更反"
    "合"
    "放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风干接它许八特觉望直服林题建南度统色"
    "字"
    "请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言往展该领传近留红"
    "治"
    "决周保达办运半候七必城父强步完深区即求品士转量空甚众技轻程告江语英基派满式李息写识极令黄德收脸"
    "钱";

constexpr const char* kUyghurConsonants[] = {"ب", "پ", "ت", "ج", "چ", "د", "ر", "ز", "س", "ش",
                                             "غ", "ف", "ق", "ك", "ل", "م", "ن", "ھ", "ۋ", "ي"};
constexpr const char* kUyghurVowels[] = {"ا", "ە", "و", "ۇ", "ۆ", "ۈ", "ې", "ى"};

// Sentences naming Guan Heng, as coverage in each language would.
constexpr const char* kMentions[3] = {
    "Guan Heng, who filmed detention sites in 2021, spoke to reporters again on Tuesday.",
    "关恒曾拍摄相关画面，他的律师本周再次发表声明。", "گۇەن خېڭ ھەققىدىكى خەۋەر كەڭ تارقالدى."};

std::vector<std::string> SplitUtf8(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

struct Vocabulary {
  std::vector<std::string> english;
  std::vector<std::string> han;
};

Vocabulary MakeVocabulary() {
  Vocabulary v;
  std::istringstream in{std::string(kEnglishWords)};
  for (std::string w; in >> w;) v.english.push_back(w);
  v.han = SplitUtf8(kChineseChars);
  return v;
}

std::string Sentence(const Vocabulary& v, Lang lang, Rng& rng) {
  std::string s;
  if (lang == kEn) {
    const int n = rng.Between(10, 24);
    for (int i = 0; i < n; ++i) {
      std::string w = v.english[rng.Below(v.english.size())];
      if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      if (i > 0) s += (rng.Below(9) == 0 ? ", " : " ");
      s += w;
    }
    return s + ".";
  }
  if (lang == kZh) {
    const int n = rng.Between(14, 40);
    for (int i = 0; i < n; ++i) {
      s += v.han[rng.Below(v.han.size())];
      if (i > 4 && i + 3 < n && rng.Below(11) == 0) s += "，";
    }
    return s + "。";
  }
  const int n = rng.Between(6, 14);
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += (rng.Below(10) == 0 ? "، " : " ");
    const int syllables = rng.Between(1, 3);
    for (int j = 0; j < syllables; ++j) {
      s += kUyghurConsonants[rng.Below(std::size(kUyghurConsonants))];
      s += kUyghurVowels[rng.Below(std::size(kUyghurVowels))];
      if (rng.Below(3) == 0) s += kUyghurConsonants[rng.Below(std::size(kUyghurConsonants))];
    }
  }
  return s + ".";
}

std::string Title(const Vocabulary& v, Lang lang, Rng& rng) {
  std::string s = Sentence(v, lang, rng);
  const std::vector<std::string> chars = SplitUtf8(s);
  const size_t keep = std::min<size_t>(chars.size() - 1, lang == kZh ? 16 : 60);
  std::string t;
  for (size_t i = 0; i < keep; ++i) t += chars[i];
  return t;
}

// ---------------------------------------------------------------------------
// The farm's content: feed f lives on host f % hosts; its story k is
// /news/F/K.html. The host's language is h % 3.

struct Site {
  const Args* args;
  int port;
  Vocabulary vocab;

  int HostOf(int f) const { return f % args->hosts; }
  Lang LangOf(int f) const { return static_cast<Lang>(HostOf(f) % 3); }
  std::string Base(int f) const {
    return "http://h" + std::to_string(HostOf(f)) + ".test:" + std::to_string(port);
  }
  std::string FeedUrl(int f) const { return Base(f) + "/feeds/" + std::to_string(f) + ".xml"; }
  std::string StoryUrl(int f, int k) const {
    return Base(f) + "/news/" + std::to_string(f) + "/" + std::to_string(k) + ".html";
  }
  static bool Mentions(int f, int k) {
    return Mix(static_cast<uint64_t>(f) * 1000003 + k) % 10 == 0;
  }
  std::string StoryTitle(int f, int k) const {
    Rng rng(static_cast<uint64_t>(f) * 7919 + k * 31 + 5);
    return Title(vocab, LangOf(f), rng);
  }

  std::string Page(int f, int k) const {
    const Lang lang = LangOf(f);
    const std::string title = StoryTitle(f, k);
    const std::string url = StoryUrl(f, k);
    const std::string outlet = "Outlet " + std::to_string(HostOf(f));
    const std::string when =
        "2026-03-" + std::to_string(10 + k % 18) + "T0" + std::to_string(k % 10) + ":15:00Z";
    Rng rng(static_cast<uint64_t>(f) * 104729 + k);
    const size_t target = 20 * 1024 + rng.Below(20 * 1024);
    std::string html;
    html.reserve(target + 4096);
    html += "<!DOCTYPE html>\n<html lang=\"";
    html += kLangTag[lang];
    html += lang == kUg ? "\" dir=\"rtl\">\n" : "\">\n";
    html += "<head>\n<meta charset=\"utf-8\">\n<title>" + html::EscapeHtml(title) + " | " + outlet +
            "</title>\n<meta property=\"og:title\" content=\"" + html::EscapeHtml(title) +
            "\">\n<meta property=\"og:site_name\" content=\"" + outlet +
            "\">\n<meta property=\"article:published_time\" content=\"" + when +
            "\">\n<link rel=\"canonical\" href=\"" + url +
            "\">\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n<script>";
    // Inline analytics and ad scripts, as news pages carry (bytes the
    // extractor skips).
    for (int i = 0; i < 24; ++i) {
      html += "window.dl=window.dl||[];dl.push({ev:'v" + std::to_string(rng.Below(100000)) +
              "',t:" + std::to_string(rng.Below(1000000)) + "});";
    }
    html += "</script>\n</head>\n<body class=\"article\">\n<header><nav><ul>";
    for (int i = 0; i < 24; ++i) {
      html += "<li><a href=\"/section/" + std::to_string(i) + "\">" +
              html::EscapeHtml(Title(vocab, lang, rng).substr(0, 24)) + "</a></li>";
    }
    html += "</ul></nav></header>\n<main>\n<article>\n<h1>" + html::EscapeHtml(title) +
            "</h1>\n<div class=\"byline\">" + outlet + " &middot; <time datetime=\"" + when +
            "\">" + when.substr(0, 10) + "</time></div>\n<figure><img src=\"/img/" +
            std::to_string(f) + "-" + std::to_string(k) +
            ".jpg\" width=\"800\" height=\"450\" alt=\"\"><figcaption>" +
            html::EscapeHtml(Sentence(vocab, lang, rng)) +
            "</figcaption></figure>\n<div class=\"body\">\n";
    const bool mention = Mentions(f, k);
    const size_t body_end = html.size() + target / 2;
    int paragraph = 0;
    while (html.size() < body_end) {
      html += "<p>";
      const int sentences = rng.Between(2, 6);
      for (int s = 0; s < sentences; ++s) {
        if (s > 0 && lang != kZh) html += " ";
        html += html::EscapeHtml(mention && paragraph == 2 && s == 1 ? std::string(kMentions[lang])
                                                                     : Sentence(vocab, lang, rng));
      }
      html += "</p>\n";
      if (++paragraph == 3) {
        html += "<div class=\"related\"><a href=\"/news/" + std::to_string(f) + "/" +
                std::to_string(rng.Below(100)) + ".html\">" +
                html::EscapeHtml(Title(vocab, lang, rng)) + "</a></div>\n";
      }
    }
    html += "</div>\n</article>\n<aside><h2>Most read</h2><ol>\n";
    for (int i = 0; i < 8; ++i) {
      html += "<li><a href=\"/news/" + std::to_string(rng.Below(args->feeds)) + "/" +
              std::to_string(rng.Below(args->entries)) + ".html\">" +
              html::EscapeHtml(Title(vocab, lang, rng)) + "</a></li>\n";
    }
    html += "</ol></aside>\n<section class=\"comments\"><h2>Comments</h2>\n";
    while (html.size() + 600 < target) {
      html += "<div class=\"comment\"><span class=\"user\">reader" +
              std::to_string(rng.Below(5000)) + "</span><p>" +
              html::EscapeHtml(Sentence(vocab, lang, rng)) + "</p></div>\n";
    }
    html += "</section>\n</main>\n<footer><p>&copy; 2026 " + outlet +
            "</p><a href=\"/about\">About</a> <a href=\"/contact\">Contact</a> <a "
            "href=\"/privacy\">Privacy</a></footer>\n</body>\n</html>\n";
    return html;
  }

  std::string Feed(int f) const {
    std::string rss =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Outlet " +
        std::to_string(HostOf(f)) + " feed " + std::to_string(f) + "</title><link>" + Base(f) +
        "/</link><language>" + kLangTag[LangOf(f)] + "</language>\n";
    for (int k = args->entries - 1; k >= 0; --k) {
      rss += "<item><title>" + html::EscapeHtml(StoryTitle(f, k)) + "</title><link>" +
             StoryUrl(f, k) + "</link><guid>" + StoryUrl(f, k) + "</guid><pubDate>Tue, " +
             std::to_string(10 + k % 18) + " Mar 2026 0" + std::to_string(k % 10) +
             ":15:00 GMT</pubDate></item>\n";
    }
    return rss + "</channel></rss>\n";
  }
};

std::string Gzip(const std::string& in, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

// Counters the farm child shares with the parent (an anonymous shared
// mapping made before the fork).
struct FarmCounters {
  std::atomic<int64_t> feeds{0};
  std::atomic<int64_t> pages{0};
  std::atomic<int64_t> bytes{0};
  // CLOCK_MONOTONIC ns when the last page request was answered.
  std::atomic<int64_t> last_page_ns{0};
};

int64_t MonoNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// cpp-httplib is built with zlib and Brotli: it would compress a response
// again (Brotli at quality 11, ~60 ms of CPU per page) for a client that
// accepts it. The farm sends its own gzip, so hide the header from it.
bool TakeAcceptsGzip(const httplib::Request& req) {
  const bool gzip = req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
  const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
  return gzip;
}

// The farm child: binds, generates every page, reports its port (and the
// page bytes) on `fd`, serves until killed.
[[noreturn]] void RunFarm(const Args& args, int fd, FarmCounters* counters) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  httplib::Server server;
  const int threads = args.farm_threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) _exit(2);
  Site site{&args, port, MakeVocabulary()};
  std::vector<std::vector<std::string>> gz(args.feeds);
  std::vector<std::string> feeds(args.feeds);
  int64_t raw_bytes = 0;
  for (int f = 0; f < args.feeds; ++f) {
    feeds[f] = site.Feed(f);
    for (int k = 0; k < args.entries; ++k) {
      const std::string page = site.Page(f, k);
      raw_bytes += static_cast<int64_t>(page.size());
      gz[f].push_back(Gzip(page, 1));
    }
  }
  server.Get(R"(/feeds/(\d+)\.xml)", [&](const httplib::Request& req, httplib::Response& res) {
    const int f = std::atoi(req.matches[1].str().c_str());
    if (f < 0 || f >= args.feeds) {
      res.status = 404;
      return;
    }
    TakeAcceptsGzip(req);
    counters->feeds.fetch_add(1);
    const std::string etag = "\"f" + std::to_string(f) + "\"";
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    res.set_content(feeds[f], "application/rss+xml; charset=utf-8");
  });
  server.Get(R"(/news/(\d+)/(\d+)\.html)",
             [&](const httplib::Request& req, httplib::Response& res) {
               const int f = std::atoi(req.matches[1].str().c_str());
               const int k = std::atoi(req.matches[2].str().c_str());
               if (f < 0 || f >= args.feeds || k < 0 || k >= args.entries) {
                 res.status = 404;
                 return;
               }
               counters->pages.fetch_add(1);
               counters->last_page_ns.store(MonoNs());
               if (TakeAcceptsGzip(req)) {
                 res.set_header("Content-Encoding", "gzip");
                 res.set_header("Vary", "Accept-Encoding");
                 counters->bytes.fetch_add(static_cast<int64_t>(gz[f][k].size()));
                 res.set_content(gz[f][k], "text/html; charset=utf-8");
               } else {
                 std::string page = site.Page(f, k);
                 counters->bytes.fetch_add(static_cast<int64_t>(page.size()));
                 res.set_content(std::move(page), "text/html; charset=utf-8");
               }
             });
  const int64_t hello[2] = {port, raw_bytes};
  if (write(fd, hello, sizeof(hello)) != sizeof(hello)) _exit(3);
  close(fd);
  server.listen_after_bind();
  _exit(0);
}

// ---------------------------------------------------------------------------
// Processes.

// `mediawatch` as a child (tests/support/process.h: output in the log,
// killed if the bench dies).
pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  return testing::SpawnProcess(args, log_path);
}

double TvSeconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

// utime, stime, cutime, cstime of a process in seconds; ppid in *ppid.
bool ProcTimes(pid_t pid, double t[4], pid_t* ppid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream rest(line.substr(paren + 2));
  std::vector<std::string> fields;  // from field 3 (state)
  for (std::string s; rest >> s;) fields.push_back(s);
  if (fields.size() < 15) return false;
  *ppid = static_cast<pid_t>(std::atol(fields[1].c_str()));
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (int i = 0; i < 4; ++i) t[i] = std::atof(fields[11 + i].c_str()) / hz;
  return true;
}

// The PostgreSQL server's CPU seconds so far: the postmaster's own and its
// reaped children's (exited backends), plus its live children's.
double PostgresCpu(pid_t postmaster) {
  double t[4];
  pid_t ppid = 0;
  if (!ProcTimes(postmaster, t, &ppid)) return -1;
  double total = t[0] + t[1] + t[2] + t[3];
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    if (pid != postmaster && ProcTimes(pid, t, &ppid) && ppid == postmaster) total += t[0] + t[1];
  }
  return total;
}

// utime + stime of a process (all its threads).
double ProcessCpu(pid_t pid) {
  double t[4];
  pid_t ppid = 0;
  return ProcTimes(pid, t, &ppid) ? t[0] + t[1] : -1;
}

pid_t PostmasterPid(const std::string& data_dir) {
  std::ifstream in(data_dir + "/postmaster.pid");
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::vector<int> ParseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    const int n = std::atoi(item.c_str());
    if (n > 0) out.push_back(n);
  }
  return out;
}

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&](const char** out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    const char* v = nullptr;
    if (flag == "--keep") {
      a->keep = true;
    } else if (flag == "--feeds" && value(&v)) {
      a->feeds = std::atoi(v);
    } else if (flag == "--entries" && value(&v)) {
      a->entries = std::atoi(v);
    } else if (flag == "--hosts" && value(&v)) {
      a->hosts = std::atoi(v);
    } else if (flag == "--workers" && value(&v)) {
      a->workers = ParseList(v);
    } else if (flag == "--host-delay-ms" && value(&v)) {
      a->host_delay_ms = std::atoi(v);
    } else if (flag == "--per-host" && value(&v)) {
      a->per_host = std::atoi(v);
    } else if (flag == "--lease-seconds" && value(&v)) {
      a->lease_seconds = std::atoi(v);
    } else if (flag == "--farm-threads" && value(&v)) {
      a->farm_threads = std::atoi(v);
    } else if (flag == "--dir" && value(&v)) {
      a->dir = v;
    } else {
      std::fprintf(stderr, "unknown or incomplete flag: %s\n", flag.c_str());
      return false;
    }
  }
  if (a->feeds < 1 || a->feeds > 100000 || a->entries < 1 || a->entries > 1000 || a->hosts < 1 ||
      a->workers.empty() || a->per_host < 1 || a->farm_threads < 1) {
    std::fprintf(stderr, "bad sizes (feeds 1..100000, entries 1..1000, hosts >= 1, workers)\n");
    return false;
  }
  a->hosts = std::min(a->hosts, a->feeds);
  return true;
}

struct RunResult {
  int workers = 0;
  bool ok = true;
  double wall_s = 0;
  double crawl_s = 0;  // to the last page served
  double farm_cpu_s = 0;
  double workers_cpu_s = 0;
  double pg_cpu_s = 0;
  int64_t stored = 0;
  int64_t unique_urls = 0;
  int64_t flagged = 0;
  int64_t pages_served = 0;
  int64_t feeds_served = 0;
  bool same_set = false;
};

int Main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) return 2;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const std::string load = LoadAverage();

  // Work directory: config (feeds, watch-list) and the workers' logs.
  fs::path dir = args.dir;
  if (dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "workers-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  std::error_code ec;
  fs::create_directories(dir / "config" / "watchlists", ec);
  fs::copy_file(fs::path(MW_SOURCE_DIR) / "feeds/watchlists/guan-heng.toml",
                dir / "config/watchlists/guan-heng.toml", fs::copy_options::overwrite_existing, ec);
  if (ec) {
    std::fprintf(stderr, "cannot set up %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }

  // The farm.
  void* shared = mmap(nullptr, sizeof(FarmCounters), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return 1;
  FarmCounters* counters = new (shared) FarmCounters;
  int fds[2];
  if (pipe(fds) != 0) return 1;
  const auto farm_started = Steady::now();
  const pid_t farm = fork();
  if (farm == 0) {
    close(fds[0]);
    RunFarm(args, fds[1], counters);
  }
  close(fds[1]);
  int64_t hello[2] = {0, 0};
  pollfd pfd{fds[0], POLLIN, 0};
  if (poll(&pfd, 1, 600 * 1000) != 1 || read(fds[0], hello, sizeof(hello)) != sizeof(hello)) {
    std::fprintf(stderr, "the farm did not start\n");
    kill(farm, SIGKILL);
    waitpid(farm, nullptr, 0);
    return 1;
  }
  close(fds[0]);
  const int port = static_cast<int>(hello[0]);
  Site site{&args, port, {}};
  std::set<std::string> served;
  std::string feeds_toml;
  for (int f = 0; f < args.feeds; ++f) {
    feeds_toml += "[[feed]]\nid = \"feed-" + std::to_string(f) + "\"\nurl = \"" + site.FeedUrl(f) +
                  "\"\nlanguage = \"" + kLangTag[site.LangOf(f)] + "\"\nsource = \"Outlet " +
                  std::to_string(site.HostOf(f)) + "\"\n\n";
    for (int k = 0; k < args.entries; ++k) served.insert(site.StoryUrl(f, k));
  }
  std::ofstream(dir / "config" / "feeds.toml") << feeds_toml;
  const int64_t total = static_cast<int64_t>(served.size());
  std::printf(
      "workers_bench: %d feeds x %d entries = %lld stories on %d hosts; %d cores, load %s\n",
      args.feeds, args.entries, static_cast<long long>(total), args.hosts, cores, load.c_str());
  std::printf(
      "farm: pid %d, port %d, %.1f KB per page on average (gzip level 1), ready in %.1f s\n", farm,
      port, hello[1] / 1024.0 / static_cast<double>(total),
      std::chrono::duration<double>(Steady::now() - farm_started).count());

  // PostgreSQL.
  auto server = testing::PgServer::Start();
  if (!server.ok()) {
    std::fprintf(stderr, "PostgreSQL: %s\n", server.status().ToString().c_str());
    kill(farm, SIGKILL);
    waitpid(farm, nullptr, 0);
    return 1;
  }
  const pid_t postmaster = PostmasterPid((*server)->socket_dir() + "/data");
  std::printf("PostgreSQL: postmaster pid %d, socket in %s (fsync off)\n", postmaster,
              (*server)->socket_dir().c_str());
  std::fflush(stdout);

  std::vector<RunResult> results;
  bool all_ok = true;
  for (int n : args.workers) {
    RunResult r;
    r.workers = n;
    auto uri = (*server)->CreateDatabase();
    if (!uri.ok()) {
      std::fprintf(stderr, "%s\n", uri.status().ToString().c_str());
      all_ok = false;
      break;
    }
    const std::string log_prefix = (dir / ("n" + std::to_string(n) + "-")).string();
    {
      const pid_t m =
          Spawn({MEDIAWATCH_BINARY, "db", "migrate", "--store", *uri}, log_prefix + "migrate.log");
      int status = 0;
      waitpid(m, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "db migrate failed: see %smigrate.log\n", log_prefix.c_str());
        all_ok = false;
        break;
      }
    }
    std::vector<std::string> worker_args = {MEDIAWATCH_BINARY, "run",
                                            "--config",        (dir / "config").string(),
                                            "--store",         *uri,
                                            "--allow-cidr",    "127.0.0.0/8",
                                            "--connect-to",    "127.0.0.1:" + std::to_string(port),
                                            "--host-delay-ms", std::to_string(args.host_delay_ms),
                                            "--per-host",      std::to_string(args.per_host),
                                            "--ignore-robots", "--no-progress",
                                            "--until-idle"};
    if (args.lease_seconds > 0) {
      worker_args.push_back("--lease-seconds");
      worker_args.push_back(std::to_string(args.lease_seconds));
    }
    const int64_t pages_before = counters->pages.load();
    const int64_t feeds_before = counters->feeds.load();
    const double pg_before = PostgresCpu(postmaster);
    const double farm_before = ProcessCpu(farm);
    const auto t0 = Steady::now();
    const int64_t t0_ns = MonoNs();
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
      pids.push_back(Spawn(worker_args, log_prefix + "worker" + std::to_string(i) + ".log"));
    }
    for (size_t done = 0; done < pids.size(); ++done) {
      int status = 0;
      rusage ru{};
      const pid_t pid = wait4(-1, &status, 0, &ru);
      if (pid == farm) {
        std::fprintf(stderr, "the farm died\n");
        return 1;
      }
      r.workers_cpu_s += TvSeconds(ru.ru_utime) + TvSeconds(ru.ru_stime);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "worker %d failed (status %d): see %sworker*.log\n", pid, status,
                     log_prefix.c_str());
        r.ok = false;
      }
    }
    r.wall_s = std::chrono::duration<double>(Steady::now() - t0).count();
    // The backends exit once their clients closed; let the postmaster reap
    // them so their CPU lands in its cutime/cstime.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    r.pg_cpu_s = PostgresCpu(postmaster) - pg_before;
    r.farm_cpu_s = ProcessCpu(farm) - farm_before;
    r.crawl_s = static_cast<double>(counters->last_page_ns.load() - t0_ns) / 1e9;
    r.pages_served = counters->pages.load() - pages_before;
    r.feeds_served = counters->feeds.load() - feeds_before;
    try {
      pqxx::connection c(*uri);
      pqxx::nontransaction tx(c);
      const pqxx::row counts = tx.exec1("SELECT count(*), count(DISTINCT url) FROM articles");
      r.stored = counts[0].as<int64_t>();
      r.unique_urls = counts[1].as<int64_t>();
      r.flagged = tx.exec1("SELECT count(DISTINCT article_id) FROM matches")[0].as<int64_t>();
      std::set<std::string> urls;
      for (const pqxx::row& row : tx.exec("SELECT url FROM articles")) {
        urls.insert(row[0].as<std::string>());
      }
      r.same_set = urls == served;
      if (!r.same_set) {
        int shown = 0;
        for (const std::string& u : served) {
          if (urls.count(u) == 0 && shown++ < 3)
            std::fprintf(stderr, "not stored: %s\n", u.c_str());
        }
        shown = 0;
        for (const std::string& u : urls) {
          if (served.count(u) == 0 && shown++ < 3)
            std::fprintf(stderr, "not served: %s\n", u.c_str());
        }
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "counting the store: %s\n", e.what());
      r.ok = false;
    }
    r.ok = r.ok && r.same_set && r.stored == total && r.unique_urls == total &&
           r.pages_served == total;
    all_ok = all_ok && r.ok;
    std::printf(
        "  %d worker(s): %lld stored (%lld unique URLs, %lld flagged), %lld pages and %lld feeds "
        "served, wall %.2f s (last page at %.2f s), CPU s: workers %.2f, PostgreSQL %.2f, farm "
        "%.2f; "
        "load %s%s\n",
        n, static_cast<long long>(r.stored), static_cast<long long>(r.unique_urls),
        static_cast<long long>(r.flagged), static_cast<long long>(r.pages_served),
        static_cast<long long>(r.feeds_served), r.wall_s, r.crawl_s, r.workers_cpu_s, r.pg_cpu_s,
        r.farm_cpu_s, LoadAverage().c_str(), r.ok ? "" : "  CHECK FAILED");
    std::fflush(stdout);
    results.push_back(r);
  }

  kill(farm, SIGKILL);
  waitpid(farm, nullptr, 0);
  server->reset();  // stops PostgreSQL, removes its cluster

  std::printf(
      "\n%d cores, load average at start %s; %lld stories, %d hosts, --per-host %d, "
      "--host-delay-ms %d, --lease-seconds %s\n",
      cores, load.c_str(), static_cast<long long>(total), args.hosts, args.per_host,
      args.host_delay_ms,
      args.lease_seconds > 0 ? std::to_string(args.lease_seconds).c_str() : "default");
  // articles/s and speed-up over the wall time to the last exit, and over
  // the time to the last page served ("crawl"): the difference is the
  // workers' idle tail (see --lease-seconds) and start-up.
  std::printf("%-7s %8s %7s %7s %10s %8s %10s %8s %14s %11s %12s %6s\n", "workers", "articles",
              "wall s", "crawl s", "art/s wall", "speed-up", "art/s crawl", "speed-up",
              "workers ms/art", "PG ms/art", "farm ms/art", "checks");
  double base_wall = 0;
  double base_crawl = 0;
  for (const RunResult& r : results) {
    const double a = r.stored > 0 ? static_cast<double>(r.stored) : 1;
    const double per_wall = r.wall_s > 0 ? static_cast<double>(r.stored) / r.wall_s : 0;
    const double per_crawl = r.crawl_s > 0 ? static_cast<double>(r.stored) / r.crawl_s : 0;
    if (base_wall == 0) base_wall = per_wall;
    if (base_crawl == 0) base_crawl = per_crawl;
    std::printf("%-7d %8lld %7.2f %7.2f %10.1f %7.2fx %11.1f %7.2fx %14.2f %11.2f %12.2f %6s\n",
                r.workers, static_cast<long long>(r.stored), r.wall_s, r.crawl_s, per_wall,
                base_wall > 0 ? per_wall / base_wall : 0, per_crawl,
                base_crawl > 0 ? per_crawl / base_crawl : 0, 1000 * r.workers_cpu_s / a,
                1000 * r.pg_cpu_s / a, 1000 * r.farm_cpu_s / a, r.ok ? "ok" : "FAILED");
  }
  std::printf(
      "(wall includes process start-up and the monitor's 2 s startup grace; checks: "
      "stored URLs == served, none twice, every page fetched once)\n");
  if (args.keep) {
    std::printf("kept %s (config, worker logs)\n", dir.c_str());
  } else {
    fs::remove_all(dir, ec);
  }
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace mw

int main(int argc, char** argv) { return mw::Main(argc, argv); }
