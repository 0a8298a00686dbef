// Load benchmark of continuous monitoring (issue 7): the crawler's Monitor
// (crawler/monitor.h), as `mediawatch run` drives it, against a loopback
// farm of F feeds (default 2,000) over H virtual hosts (default 200), each
// listing its 20 newest stories, for a simulated day on an accelerated
// clock, while new stories keep appearing.
//
//   build/release/bench/run_load_bench [--feeds 2000] [--entries 20] [--hosts 200]
//       [--sim-hours 24] [--speedup 288] [--host-delay-ms 0] [--sample 500] [--reps 5]
//       [--dir DIR] [--keep] [--watchlist FILE] [--farm-threads 64]
//       [--compression gzip|gzip6|none|br] [--gzip-level 1] [--no-farm-precompress]
//
// What runs:
//   * The farm is a forked child process (cpp-httplib on 127.0.0.1, a pool
//     of server threads), so its CPU and memory are not the crawler's: the
//     parent's getrusage is the crawler alone. Pages are generated on
//     request from a seed per story: 20-60 KB of HTML (header and
//     navigation, inline scripts, byline, figure, 6-20 paragraphs, related
//     links, sidebar, comments, footer) in English, Chinese or Uyghur
//     (Arabic script), with quotes in another language in a quarter of the
//     stories; 1 in 12 stories mentions Guan Heng (关恒 / گۇەن خېڭ), 1 in 25 is
//     a wire copy of a story other outlets carry too (same text plus a
//     sentence of its own: a syndication cluster). Feeds are RSS 2.0 (every
//     fourth one Atom) with ETag / Last-Modified, so unchanged feeds answer
//     304. Feed f publishes a story every 20 min (5% of feeds), 1 h (25%),
//     2 h (40%) or 4 h (30%), staggered. Article pages are gzipped at
//     level 1 (nginx's default gzip_comp_level); the cold pass's pages are
//     generated and gzipped before the run, as a site's cache would hold
//     them, so that the farm's CPU does not eat into the two cores the
//     crawler is measured on (it shares the machine; real sites don't).
//   * Baseline, in the same run, single thread: DecodeHtml + ExtractArticle
//     over a sample of the same pages (--sample, repeated --reps times),
//     and the whole per-article work (decode, extract, match, fingerprint,
//     store into a scratch RocksDB) over the same sample, per stage; then
//     decode + extract on two threads at once (how the machine's two cores
//     scale on the yardstick itself).
//   * The run: a Monitor over a fresh RocksDB store with the watch-list
//     feeds/watchlists/guan-heng.toml, options as `mediawatch run` sets them
//     (background_workers = cores - 1, fingerprints on; feeds' interval
//     30 min, adaptive between 5 min and 1 day), every host sent to the farm
//     with fetcher.connect_to. The clock is frozen during the first pass (the
//     cold start: every feed's 20 stories at once, the crawler's throughput
//     with a backlog); then simulated time runs at --speedup times real time
//     for --sim-hours (the steady state: new stories as they appear).
//
// Reports: the load average (the machine is shared), per simulated hour the
// passes, feeds polled, articles stored, wall and CPU seconds, queue depths
// and RSS; for the cold pass and the day: articles per second, CPU seconds
// per article (crawler process; the farm's CPU apart) and, for the cold
// pass, per stage (CrawlSummary::cpu_*) beside the baseline's, peak RSS (VmHWM,
// reset after the baseline); that every story any served feed listed is
// stored exactly once and fetched once, that every story mentioning Guan
// Heng was flagged and no other; the ratio of the cold pass's articles per
// second to 2 x single-thread decode+extract pages per second (target >=
// 0.75) and peak RSS against 500 MB. Exit 1 when a story was lost or
// stored twice or the monitor failed (performance targets are reported,
// not enforced).
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
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

// After the system headers: cpp-httplib pulls in its own.
#include <httplib.h>

#include "crawler/clock.h"
#include "crawler/config.h"
#include "crawler/monitor.h"
#include "crawler/pipeline.h"
#include "parsers/article_extractor.h"
#include "parsers/charset.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "text/simhash.h"
#include "watch/matcher.h"
#include "watch/watchlist.h"

namespace mw {
namespace {

using Steady = std::chrono::steady_clock;

// Set by SIGINT/SIGTERM: the monitor stops after its pass, the farm is
// stopped and the temporary directory removed as on a normal end.
std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted.store(true); }

struct Args {
  int feeds = 2000;
  int entries = 20;
  int hosts = 200;
  double sim_hours = 24;
  // A simulated day in 5 minutes of wall time, after the cold pass.
  double speedup = 288;
  long host_delay_ms = 0;
  int sample = 500;
  int reps = 5;
  int farm_threads = 64;
  // How the farm encodes article pages: "gzip" (as most news sites do; the
  // crawler decompresses) at --gzip-level, "gzip6" (cpp-httplib's own gzip,
  // zlib's default level 6: ~0.7 ms of farm CPU per page, which the farm
  // takes from the crawler's two cores), "none", or "br" (cpp-httplib's
  // Brotli runs at quality 11: ~60 ms of farm CPU per page, the farm becomes
  // the bottleneck).
  std::string compression = "gzip";
  // zlib level of "gzip": 1, nginx's default gzip_comp_level, the most
  // common setting of news sites' servers.
  int gzip_level = 1;
  // Gzip the cold pass's pages before the run (PageCache).
  bool farm_precompress = true;
  bool keep = false;
  std::string dir;
  std::string watchlist = std::string(MW_SOURCE_DIR) + "/feeds/watchlists/guan-heng.toml";
};

int64_t MonoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

double Seconds(Steady::time_point since) {
  return std::chrono::duration<double>(Steady::now() - since).count();
}

// Per thread of this process, from /proc/self/task/*/{schedstat,comm}: CPU
// time, and time spent runnable but waiting for a core (the other load on a
// shared machine). Threads come and go (each pass has its own worker), so
// each is remembered by id at its last sample; sample often enough that a
// thread's last stretch is not missed (RocksDB's background threads, whose
// CPU is reported apart, live as long as the store).
class ThreadTimes {
 public:
  void Sample() {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task", ec)) {
      std::ifstream in(e.path() / "schedstat");
      Times t;
      if (!(in >> t.on_cpu_ns >> t.waiting_ns)) continue;
      std::ifstream comm(e.path() / "comm");
      std::string name;
      std::getline(comm, name);
      t.rocksdb = name.rfind("rocksdb", 0) == 0;
      by_tid_[std::atoi(e.path().filename().c_str())] = t;
    }
  }
  // Seconds all threads waited for a core since `earlier` (a copy taken
  // before).
  double WaitedSince(const ThreadTimes& earlier) const {
    return Since(
        earlier, [](const Times& t) { return t.waiting_ns; }, false);
  }
  // CPU seconds of RocksDB's background threads (flushes, compactions).
  double RocksDbCpuSince(const ThreadTimes& earlier) const {
    return Since(
        earlier, [](const Times& t) { return t.on_cpu_ns; }, true);
  }

 private:
  struct Times {
    int64_t on_cpu_ns = 0;
    int64_t waiting_ns = 0;
    bool rocksdb = false;
  };
  template <typename Field>
  double Since(const ThreadTimes& earlier, Field field, bool rocksdb_only) const {
    int64_t total = 0;
    for (const auto& [tid, t] : by_tid_) {
      if (rocksdb_only && !t.rocksdb) continue;
      auto before = earlier.by_tid_.find(tid);
      total += field(t) - (before == earlier.by_tid_.end() ? 0 : field(before->second));
    }
    return static_cast<double>(total) / 1e9;
  }

  std::map<int, Times> by_tid_;
};

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// "VmHWM" (peak) or "VmRSS" (current) of this process, in MB.
double ProcStatusMb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::atof(line.c_str() + n + 1) / 1024.0;  // kB
    }
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so the peak reported for
// the run is not the baseline's page sample.
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// ---------------------------------------------------------------------------
// Deterministic randomness: every page is a function of (feed, story), so the
// farm child and the baseline in the parent generate the same bytes.

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Hash(uint64_t a, uint64_t b, uint64_t c = 0) {
  return Mix(Mix(Mix(a) ^ (b * 0x9e3779b97f4a7c15ULL)) ^ (c + 0x632be59bd9b4e019ULL));
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix(state_);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<size_t>(hi - lo + 1)));
  }
  bool Percent(int p) { return Below(100) < static_cast<size_t>(p); }

 private:
  uint64_t state_;
};

std::string Rfc822(int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

std::string Iso8601(int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

void AppendEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        *out += "&quot;";
        break;
      default:
        *out += c;
    }
  }
}

std::string Escaped(std::string_view text) {
  std::string out;
  AppendEscaped(text, &out);
  return out;
}

// ---------------------------------------------------------------------------
// Text: sentence pools over vocabularies per language. Two stories draw few
// common sentences, so their fingerprints are as far apart as two real
// stories'; pool sentences that any watch-list term matches are dropped, so
// exactly the stories given a mention sentence are flagged.

enum Lang { kEn = 0, kZh = 1, kUg = 2 };
constexpr int kLangs = 3;
constexpr const char* kLangTag[kLangs] = {"en", "zh", "ug"};
constexpr size_t kPoolSentences = 6000;
constexpr size_t kPoolTitles = 3000;

constexpr const char* kEnglishWords =
    "the of and to in a for on with as by at from that this was were will would could said "
    "says after before during over under about against between among through across around "
    "government minister ministry officials city council residents workers company companies "
    "market markets price prices budget report reports plan plans project projects school "
    "schools students teachers hospital doctors patients water river bridge road roads rail "
    "train station airport flight flights weather storm rain heat winter summer harvest farmers "
    "village villages town towns province region regional national local public private "
    "economy economic growth trade exports imports factory factories energy power solar wind "
    "coal oil gas fuel costs tax taxes bank banks loan loans rate rates inflation wages jobs "
    "union strike talks agreement deal vote voters election candidate party parliament court "
    "judge lawyers case ruling appeal police officers investigation museum festival music film "
    "book books library theatre football team season match coach players fans stadium record "
    "science researchers study data survey university climate forest coast island sea fishing "
    "port ships shipping traffic housing rent homes building construction repairs service "
    "services internet phone network digital software technology program funding support "
    "community families children parents older young new old large small major minor early "
    "late recent final first second third last next week month year years morning evening "
    "night Monday Tuesday Wednesday Thursday Friday weekend spring autumn quickly slowly "
    "again still also only more most less many several some few other another each every "
    "announced expected reported confirmed planned opened closed raised cut increased "
    "reduced approved rejected delayed completed started finished visited met discussed "
    "warned promised agreed decided launched released published noted added explained";

// Common Simplified characters (none of a watch-list term's, checked anyway).
constexpr const char* kChineseChars =
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面"
    "公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部"
    "正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少并"
    "内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表"
    "原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风"
    "战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫"
    "连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士"
    "转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持音";

constexpr const char* kUyghurConsonants[] = {"ب", "پ", "ت", "ج", "چ", "خ", "د", "ر",
                                             "ز", "س", "ش", "غ", "ف", "ق", "ك", "گ",
                                             "ڭ", "ل", "م", "ن", "ھ", "ۋ", "ي"};
constexpr const char* kUyghurVowels[] = {"ا", "ە", "و", "ۇ", "ۆ", "ۈ", "ې", "ى"};

// Sentences naming Guan Heng (and, as real coverage does, the camps).
constexpr const char* kMentions[kLangs][3] = {
    {"Guan Heng, who filmed detention camps in Xinjiang in 2021, spoke to reporters again.",
     "Supporters of Guan Heng gathered outside the court on Tuesday.",
     "Lawyers for Heng Guan said the hearing had been moved to next month."},
    {"关恒曾在新疆拍摄拘留营的画面，他的律师本周再次发表声明。", "關恆的支持者周二在法院外聚集。",
     "记者关恒的案件引起了广泛关注。"},
    {"گۇەن خېڭ شىنجاڭدىكى لاگېرلارنى سىنغا ئالغان.",
     "گۇەن خېڭنىڭ ئادۋوكاتى بۇ ھەپتە باياندات ئېلان قىلدى.",
     "گۇەن خېڭ ھەققىدىكى خەۋەر كەڭ تارقالدى."}};

std::vector<std::string> SplitUtf8Chars(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

struct Vocabulary {
  std::vector<std::string> english;
  std::vector<std::string> chinese;  // words of 1-3 characters
  std::vector<std::string> uyghur;
};

Vocabulary MakeVocabulary() {
  Vocabulary v;
  v.english = SplitWords(kEnglishWords);
  const std::vector<std::string> han = SplitUtf8Chars(kChineseChars);
  Rng rng(17);
  for (int i = 0; i < 4000; ++i) {
    std::string w;
    const int n = rng.Percent(20) ? 1 : rng.Percent(80) ? 2 : 3;
    for (int j = 0; j < n; ++j) w += han[rng.Below(han.size())];
    v.chinese.push_back(std::move(w));
  }
  constexpr size_t kC = std::size(kUyghurConsonants);
  constexpr size_t kV = std::size(kUyghurVowels);
  for (int i = 0; i < 4000; ++i) {
    std::string w;
    const int syllables = rng.Between(1, 3);
    for (int s = 0; s < syllables; ++s) {
      if (s == 0 && rng.Percent(25)) {
        w += "ئ";  // a word-initial vowel is written with hamza
      } else {
        w += kUyghurConsonants[rng.Below(kC)];
      }
      w += kUyghurVowels[rng.Below(kV)];
      if (rng.Percent(40)) w += kUyghurConsonants[rng.Below(kC)];
    }
    v.uyghur.push_back(std::move(w));
  }
  return v;
}

std::string MakeSentence(const Vocabulary& v, Lang lang, Rng& rng) {
  std::string s;
  if (lang == kEn) {
    const int n = rng.Between(8, 22);
    for (int i = 0; i < n; ++i) {
      std::string w = v.english[rng.Below(v.english.size())];
      if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      if (i > 0) s += i > 3 && rng.Percent(8) ? ", " : " ";
      s += w;
    }
    return s + ".";
  }
  if (lang == kZh) {
    const int clauses = rng.Between(1, 3);
    for (int c = 0; c < clauses; ++c) {
      if (c > 0) s += "，";
      const int words = rng.Between(3, 8);
      for (int i = 0; i < words; ++i) s += v.chinese[rng.Below(v.chinese.size())];
    }
    return s + "。";
  }
  const int n = rng.Between(6, 14);
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += i > 3 && rng.Percent(8) ? "، " : " ";
    s += v.uyghur[rng.Below(v.uyghur.size())];
  }
  return s + ".";
}

std::string MakeTitle(const Vocabulary& v, Lang lang, Rng& rng) {
  std::string s;
  if (lang == kEn) {
    const int n = rng.Between(5, 11);
    for (int i = 0; i < n; ++i) {
      std::string w = v.english[rng.Below(v.english.size())];
      if (i == 0 || rng.Percent(30)) {
        w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      }
      if (i > 0) s += " ";
      s += w;
    }
    return s;
  }
  if (lang == kZh) {
    const int n = rng.Between(4, 8);
    for (int i = 0; i < n; ++i) s += v.chinese[rng.Below(v.chinese.size())];
    return s;
  }
  const int n = rng.Between(4, 8);
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += " ";
    s += v.uyghur[rng.Below(v.uyghur.size())];
  }
  return s;
}

struct Pools {
  std::vector<std::string> sentences[kLangs];
  std::vector<std::string> titles[kLangs];
  std::vector<std::string> names[kLangs];  // bylines and commenters
  size_t dropped = 0;                      // pool entries a watch-list term matched
};

Pools MakePools(const WatchlistMatcher& matcher) {
  const Vocabulary v = MakeVocabulary();
  Pools p;
  Rng rng(4242);
  for (int l = 0; l < kLangs; ++l) {
    const Lang lang = static_cast<Lang>(l);
    while (p.sentences[l].size() < kPoolSentences) {
      std::string s = MakeSentence(v, lang, rng);
      if (!matcher.Match("", s).empty()) {
        ++p.dropped;
        continue;
      }
      p.sentences[l].push_back(std::move(s));
    }
    while (p.titles[l].size() < kPoolTitles) {
      std::string s = MakeTitle(v, lang, rng);
      if (!matcher.Match(s, "").empty()) {
        ++p.dropped;
        continue;
      }
      p.titles[l].push_back(std::move(s));
    }
    for (int i = 0; i < 300; ++i) {
      std::string name;
      if (lang == kEn) {
        std::string a = v.english[rng.Below(v.english.size())];
        std::string b = v.english[rng.Below(v.english.size())];
        a[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(a[0])));
        b[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(b[0])));
        name = a + " " + b + "son";
      } else if (lang == kZh) {
        name = v.chinese[rng.Below(v.chinese.size())] + v.chinese[rng.Below(v.chinese.size())];
      } else {
        name = v.uyghur[rng.Below(v.uyghur.size())] + " " + v.uyghur[rng.Below(v.uyghur.size())];
      }
      if (!matcher.Match("", name).empty()) {
        ++p.dropped;
        continue;
      }
      p.names[l].push_back(std::move(name));
    }
  }
  return p;
}

// ---------------------------------------------------------------------------
// The world: hosts (outlets with their page chrome), feeds and their
// publication schedules, all fixed before the farm is forked.

struct HostSite {
  std::string name;    // "news12.bench.test"
  std::string outlet;  // "Outlet 12"
  Lang lang = kEn;
  std::string head;    // <style> and the analytics <script>
  std::string header;  // site header and navigation
  std::string footer;  // footer and the trailing script
  std::vector<std::string> sections;
};

struct FeedPlan {
  int host = 0;
  int64_t period = 3600;  // simulated seconds between two stories
  int64_t base = 0;       // story k is published at base + k * period
  bool atom = false;
};

struct World {
  Args args;
  int64_t t0 = 0;       // simulated start (Unix s)
  int64_t end = 0;      // t0 + sim_hours
  int max_stories = 0;  // per feed: stories 0 .. max_stories-1
  Pools pools;
  std::vector<HostSite> hosts;
  std::vector<FeedPlan> feeds;

  int64_t Published(int f, int64_t k) const { return feeds[f].base + k * feeds[f].period; }
  // The newest story of feed f published at `now` (-1: none).
  int64_t NewestAt(int f, int64_t now) const {
    const FeedPlan& p = feeds[f];
    if (now < p.base) return -1;
    return std::min<int64_t>((now - p.base) / p.period, max_stories - 1);
  }
  const HostSite& HostOf(int f) const { return hosts[feeds[f].host]; }
  std::string FeedUrl(int f) const {
    return "http://" + HostOf(f).name + "/feed/" + std::to_string(f) + ".xml";
  }
  std::string ArticleUrl(int f, int64_t k) const {
    return "http://" + HostOf(f).name + "/news/" + std::to_string(f) + "/" + std::to_string(k) +
           ".html";
  }
};

std::string PseudoScript(Rng& rng, size_t bytes) {
  std::string js =
      "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}";
  while (js.size() < bytes) {
    const uint64_t a = rng.Next() % 100000;
    js += "function f" + std::to_string(a) + "(e,t){var n=e+" + std::to_string(a % 97) +
          ";if(t&&t.length>" + std::to_string(a % 13) + "){n=t.map(function(r){return r*" +
          std::to_string(a % 7 + 2) + "}).reduce(function(x,y){return x+y},n)}return n}";
  }
  return js;
}

// At most `max_bytes` of `s`, cut at a character boundary.
std::string TruncateUtf8(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

HostSite MakeHost(int h, const Pools& pools) {
  HostSite site;
  Rng rng(Hash(h, 1000));
  site.name = "news" + std::to_string(h) + ".bench.test";
  site.outlet = "Outlet " + std::to_string(h);
  site.lang = static_cast<Lang>(h % kLangs);
  for (int i = 0; i < 12; ++i) {
    site.sections.push_back(TruncateUtf8(pools.titles[site.lang][rng.Below(kPoolTitles)], 24));
  }
  std::string css = "body{margin:0;font-family:sans-serif}";
  for (int i = 0; i < 60; ++i) {
    css += ".c" + std::to_string(i) + "{padding:" + std::to_string(i % 9) + "px;color:#" +
           std::to_string(100 + i) + "}";
  }
  // 4-30 KB of inline script, as news sites carry (analytics, ads, widgets).
  site.head = "<style>" + css + "</style>\n<script>" + PseudoScript(rng, 4000 + rng.Below(26000)) +
              "</script>\n";
  std::string nav = "<header class=\"site-header\"><div class=\"logo\"><a href=\"/\">" +
                    Escaped(site.outlet) +
                    "</a></div><nav class=\"main-nav\" role=\"navigation\"><ul>";
  for (int i = 0; i < 40; ++i) {
    nav += "<li class=\"nav-item\"><a href=\"/section/" + std::to_string(i) + "\">" +
           Escaped(site.sections[i % site.sections.size()]) + "</a></li>";
  }
  nav +=
      "</ul></nav><form class=\"search\" action=\"/search\"><input name=\"q\" "
      "placeholder=\"Search\"><button>Go</button></form><div class=\"login\"><a "
      "href=\"/account\">Sign in</a> | <a href=\"/subscribe\">Subscribe</a></div></header>\n";
  site.header = std::move(nav);
  std::string footer = "<footer class=\"site-footer\"><div class=\"footer-links\">";
  for (int i = 0; i < 30; ++i) {
    footer += "<a href=\"/about/" + std::to_string(i) + "\">" +
              Escaped(site.sections[(i * 5) % site.sections.size()]) + "</a> ";
  }
  footer += "</div><p class=\"copyright\">&copy; 2026 " + Escaped(site.outlet) +
            ". All rights reserved.</p></footer>\n<script>" + PseudoScript(rng, 1500) +
            "</script>\n";
  site.footer = std::move(footer);
  return site;
}

World MakeWorld(const Args& args, int64_t t0, const WatchlistMatcher& matcher) {
  World w;
  w.args = args;
  w.t0 = t0;
  const int64_t sim_seconds = static_cast<int64_t>(args.sim_hours * 3600);
  w.end = t0 + sim_seconds;
  // The fastest feeds publish every 20 minutes; the margin covers the last
  // pass running past the end of the day.
  w.max_stories = args.entries + static_cast<int>(sim_seconds / 1200) + 64;
  w.pools = MakePools(matcher);
  for (int h = 0; h < args.hosts; ++h) w.hosts.push_back(MakeHost(h, w.pools));
  for (int f = 0; f < args.feeds; ++f) {
    FeedPlan p;
    p.host = f % args.hosts;
    const uint64_t r = Hash(f, 1) % 100;
    p.period = r < 5 ? 1200 : r < 30 ? 3600 : r < 70 ? 7200 : 14400;
    const int64_t offset =
        1 + static_cast<int64_t>(Hash(f, 2) % static_cast<uint64_t>(p.period - 1));
    // Stories 0..entries-1 are out at t0: the feed is full from the start.
    p.base = t0 - static_cast<int64_t>(args.entries) * p.period + offset;
    p.atom = f % 4 == 3;
    w.feeds.push_back(p);
  }
  return w;
}

// What a story is, without its body (feeds need only this).
struct StoryHead {
  Lang lang = kEn;
  uint64_t content_seed = 0;  // the wire story's seed for a wire copy
  bool wire = false;
  bool mentions = false;  // names Guan Heng
  std::string title;
  std::string lead;  // first sentence, also the feed's description
  int64_t published = 0;
};

StoryHead MakeHead(const World& w, int f, int64_t k) {
  StoryHead head;
  head.lang = w.HostOf(f).lang;
  head.published = w.Published(f, k);
  head.wire = Hash(f, k, 2) % 100 < 4;
  if (head.wire) {
    // Up to 8 wire stories an hour; every outlet of a language that carries
    // one that hour carries the same text.
    const uint64_t wire_id = static_cast<uint64_t>(head.published / 3600) * 8 + Hash(f, k, 3) % 8;
    head.content_seed = Hash(wire_id, head.lang, 77);
  } else {
    head.content_seed = Hash(f, k, 5);
  }
  head.mentions = Hash(head.content_seed, 7) % 12 == 0;
  Rng rng(Hash(head.content_seed, 8));
  const Pools& p = w.pools;
  head.title = p.titles[head.lang][rng.Below(kPoolTitles)];
  if (head.mentions && rng.Percent(30)) {
    head.title = (head.lang == kEn   ? std::string("Guan Heng: ")
                  : head.lang == kZh ? std::string("关恒：")
                                     : std::string("گۇەن خېڭ: ")) +
                 head.title;
  }
  head.lead = p.sentences[head.lang][rng.Below(kPoolSentences)];
  return head;
}

struct StoryBody {
  std::vector<std::string> paragraphs;
  std::string author;
};

StoryBody MakeBody(const World& w, int f, int64_t k, const StoryHead& head) {
  StoryBody body;
  const Pools& p = w.pools;
  Rng rng(Hash(head.content_seed, 9));
  body.author = p.names[head.lang][rng.Below(p.names[head.lang].size())];
  const int paragraphs = rng.Between(6, 20);
  const bool quotes = rng.Percent(25);  // a paragraph or two in another language
  const int mention_at = head.mentions ? rng.Between(0, paragraphs - 1) : -1;
  for (int i = 0; i < paragraphs; ++i) {
    Lang lang = head.lang;
    if (quotes && i > 0 && rng.Percent(15))
      lang = static_cast<Lang>((head.lang + 1 + rng.Below(2)) % kLangs);
    std::string para = i == 0 ? head.lead : "";
    const int sentences = rng.Between(2, 6);
    for (int s = 0; s < sentences; ++s) {
      if (!para.empty()) para += lang == kZh ? "" : " ";
      para += p.sentences[lang][rng.Below(kPoolSentences)];
    }
    if (i == mention_at) {
      para += lang == kZh ? "" : " ";
      para += kMentions[head.lang][rng.Below(3)];
    }
    body.paragraphs.push_back(std::move(para));
  }
  if (head.wire) {
    // The outlet's own sentence: a copy is near, not equal, to the others.
    Rng own(Hash(f, k, 10));
    body.paragraphs.push_back(p.sentences[head.lang][own.Below(kPoolSentences)]);
  }
  return body;
}

std::string StoryPage(const World& w, int f, int64_t k) {
  const HostSite& site = w.HostOf(f);
  const StoryHead head = MakeHead(w, f, k);
  const StoryBody body = MakeBody(w, f, k, head);
  const std::string url = w.ArticleUrl(f, k);
  const std::string when = Iso8601(head.published);
  Rng rng(Hash(f, k, 11));  // the page's own chrome: sidebar, comments
  const Pools& p = w.pools;
  std::string html;
  html.reserve(48 << 10);
  html += "<!DOCTYPE html>\n<html lang=\"";
  html += kLangTag[head.lang];
  html += head.lang == kUg ? "\" dir=\"rtl\">\n" : "\">\n";
  html +=
      "<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n";
  html += "<title>" + Escaped(head.title) + " - " + Escaped(site.outlet) + "</title>\n";
  html += "<meta property=\"og:title\" content=\"" + Escaped(head.title) + "\">\n";
  html += "<meta property=\"og:site_name\" content=\"" + Escaped(site.outlet) + "\">\n";
  html += "<meta name=\"description\" content=\"" + Escaped(head.lead) + "\">\n";
  html += "<meta property=\"article:published_time\" content=\"" + when + "\">\n";
  html += "<link rel=\"canonical\" href=\"" + url + "\">\n";
  html += "<link rel=\"stylesheet\" href=\"/static/site.css\">\n";
  html += site.head;
  html +=
      "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":"
      "\"NewsArticle\",\"headline\":\"" +
      Escaped(head.title) + "\",\"datePublished\":\"" + when + "\",\"author\":{\"name\":\"" +
      Escaped(body.author) + "\"}}</script>\n</head>\n<body class=\"article-page\">\n";
  html += site.header;
  const std::string& section = site.sections[rng.Below(site.sections.size())];
  html += "<div class=\"breadcrumbs\"><a href=\"/\">Home</a> &rsaquo; <a href=\"/section/1\">" +
          Escaped(section) + "</a></div>\n<main class=\"content\">\n<article class=\"story\">\n";
  html += "<h1 class=\"headline\">" + Escaped(head.title) + "</h1>\n";
  html += "<div class=\"byline\">By <a rel=\"author\" href=\"/author/" +
          std::to_string(rng.Below(500)) + "\">" + Escaped(body.author) +
          "</a> &middot; <time datetime=\"" + when + "\">" + when.substr(0, 10) + "</time></div>\n";
  html +=
      "<div class=\"share\"><a href=\"https://social.example/share\">Share</a> <a "
      "href=\"mailto:?subject=story\">Email</a> <a href=\"#comments\">Comments</a></div>\n";
  html += "<figure><img src=\"/img/" + std::to_string(f) + "/" + std::to_string(k) +
          ".jpg\" alt=\"\" width=\"800\" height=\"450\"><figcaption>" +
          Escaped(p.sentences[head.lang][rng.Below(kPoolSentences)]) + "</figcaption></figure>\n";
  html += "<div class=\"story-body\">\n";
  for (size_t i = 0; i < body.paragraphs.size(); ++i) {
    html += "<p>";
    AppendEscaped(body.paragraphs[i], &html);
    html += "</p>\n";
    if (i == 2) {
      html += "<div class=\"related-inline\"><strong>Related:</strong> <a href=\"/news/" +
              std::to_string(f) + "/" + std::to_string(rng.Below(100)) + ".html\">" +
              Escaped(p.titles[head.lang][rng.Below(kPoolTitles)]) + "</a></div>\n";
    }
    if (i == 5)
      html += "<div class=\"ad-slot\" data-ad=\"mid\"><script>f1(1,[2,3])</script></div>\n";
  }
  html += "</div>\n<div class=\"tags\">";
  for (int i = 0; i < 5; ++i) {
    html += "<a href=\"/tag/" + std::to_string(rng.Below(1000)) + "\">" +
            Escaped(site.sections[rng.Below(site.sections.size())]) + "</a> ";
  }
  html += "</div>\n</article>\n<aside class=\"sidebar\"><h2>Most read</h2><ol>\n";
  for (int i = 0; i < 10; ++i) {
    html += "<li><a href=\"/news/" + std::to_string(rng.Below(w.feeds.size())) + "/" +
            std::to_string(rng.Below(40)) + ".html\">" +
            Escaped(p.titles[head.lang][rng.Below(kPoolTitles)]) + "</a><p>" +
            Escaped(p.sentences[head.lang][rng.Below(kPoolSentences)]) + "</p></li>\n";
  }
  html += "</ol><div class=\"ad-slot\" data-ad=\"side\"></div></aside>\n";
  const int comments = rng.Between(2, 12);
  html += "<section class=\"comments\" id=\"comments\"><h2>Comments (" + std::to_string(comments) +
          ")</h2>\n";
  for (int i = 0; i < comments; ++i) {
    html += "<div class=\"comment\"><span class=\"user\">" +
            Escaped(p.names[head.lang][rng.Below(p.names[head.lang].size())]) +
            "</span> <span class=\"date\">" + when.substr(0, 10) + "</span><p>" +
            Escaped(p.sentences[head.lang][rng.Below(kPoolSentences)]) + "</p></div>\n";
  }
  html += "</section>\n</main>\n";
  html += site.footer;
  html += "</body>\n</html>\n";
  return html;
}

std::string FeedDocument(const World& w, int f, int64_t newest) {
  const HostSite& site = w.HostOf(f);
  const FeedPlan& plan = w.feeds[f];
  const int64_t oldest = std::max<int64_t>(0, newest - w.args.entries + 1);
  std::string out;
  out.reserve(16 << 10);
  if (plan.atom) {
    out +=
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "
        "xml:lang=\"";
    out += kLangTag[site.lang];
    out += "\"><title>" + Escaped(site.outlet) + " " + std::to_string(f) +
           "</title><id>urn:bench:" + std::to_string(f) +
           "</id><link rel=\"alternate\" href=\"http://" + site.name + "/\"/><updated>" +
           Iso8601(w.Published(f, std::max<int64_t>(newest, 0))) + "</updated>\n";
  } else {
    out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>" +
           Escaped(site.outlet) + " " + std::to_string(f) + "</title><link>http://" + site.name +
           "/</link><description>News</description><language>";
    out += kLangTag[site.lang];
    out += "</language>\n";
  }
  for (int64_t k = newest; k >= oldest; --k) {
    const StoryHead head = MakeHead(w, f, k);
    const std::string url = w.ArticleUrl(f, k);
    if (plan.atom) {
      out += "<entry><title>" + Escaped(head.title) + "</title><link rel=\"alternate\" href=\"" +
             url + "\"/><id>" + url + "</id><published>" + Iso8601(head.published) +
             "</published><updated>" + Iso8601(head.published) + "</updated><summary>" +
             Escaped(head.lead) + "</summary></entry>\n";
    } else {
      out += "<item><title>" + Escaped(head.title) + "</title><link>" + url +
             "</link><guid isPermaLink=\"true\">" + url + "</guid><pubDate>" +
             Rfc822(head.published) + "</pubDate><description>" + Escaped(head.lead) +
             "</description></item>\n";
    }
  }
  out += plan.atom ? "</feed>\n" : "</channel></rss>\n";
  return out;
}

// ---------------------------------------------------------------------------
// State shared with the farm child (an anonymous shared mapping made before
// the fork): the simulated clock's anchor, counters, and per story whether a
// served feed listed it and how often its page was fetched. Lock-free
// atomics work across processes on a shared mapping.

static_assert(std::atomic<int64_t>::is_always_lock_free);
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<uint32_t>::is_always_lock_free);

struct SharedHeader {
  std::atomic<int> port{0};  // > 0 once listening, -1 when bind failed
  std::atomic<int> stop{0};
  // Steady-clock ns at which simulated time started running; 0 = frozen at t0.
  std::atomic<int64_t> anchor_ns{0};
  std::atomic<int64_t> farm_cached{0};       // pages served from the cold-pass cache
  std::atomic<int64_t> farm_cache_pages{0};  // pages in it, and their gzipped bytes
  std::atomic<int64_t> farm_cache_bytes{0};
  std::atomic<int64_t> farm_cpu_us{0};  // the child's user + system CPU, refreshed
  std::atomic<int64_t> feed_200{0};
  std::atomic<int64_t> feed_304{0};
  std::atomic<int64_t> robots{0};
  std::atomic<int64_t> articles{0};
  std::atomic<int64_t> not_found{0};
  std::atomic<int64_t> bytes{0};
};

class Shared {
 public:
  Shared(int feeds, int max_stories)
      : feeds_(feeds),
        max_stories_(max_stories),
        words_(static_cast<size_t>(max_stories + 63) / 64) {
    const size_t listed = static_cast<size_t>(feeds) * words_;
    const size_t fetched = static_cast<size_t>(feeds) * static_cast<size_t>(max_stories);
    size_ = sizeof(SharedHeader) + listed * sizeof(std::atomic<uint64_t>) +
            fetched * sizeof(std::atomic<uint32_t>);
    void* mem = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return;
    mem_ = mem;
    char* at = static_cast<char*>(mem);
    header_ = new (at) SharedHeader();
    at += sizeof(SharedHeader);
    listed_ = reinterpret_cast<std::atomic<uint64_t>*>(at);
    for (size_t i = 0; i < listed; ++i) new (&listed_[i]) std::atomic<uint64_t>(0);
    at += listed * sizeof(std::atomic<uint64_t>);
    fetched_ = reinterpret_cast<std::atomic<uint32_t>*>(at);
    for (size_t i = 0; i < fetched; ++i) new (&fetched_[i]) std::atomic<uint32_t>(0);
  }
  ~Shared() {
    if (mem_ != nullptr) munmap(mem_, size_);
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  bool ok() const { return mem_ != nullptr; }
  SharedHeader& h() { return *header_; }
  void MarkListed(int f, int64_t k) {
    listed_[static_cast<size_t>(f) * words_ + static_cast<size_t>(k) / 64].fetch_or(
        uint64_t{1} << (k % 64), std::memory_order_relaxed);
  }
  bool Listed(int f, int64_t k) const {
    return (listed_[static_cast<size_t>(f) * words_ + static_cast<size_t>(k) / 64].load() >>
            (k % 64)) &
           1;
  }
  void CountFetch(int f, int64_t k) {
    fetched_[static_cast<size_t>(f) * static_cast<size_t>(max_stories_) + static_cast<size_t>(k)]
        .fetch_add(1, std::memory_order_relaxed);
  }
  uint32_t Fetches(int f, int64_t k) const {
    return fetched_[static_cast<size_t>(f) * static_cast<size_t>(max_stories_) +
                    static_cast<size_t>(k)]
        .load();
  }
  int feeds() const { return feeds_; }
  int max_stories() const { return max_stories_; }

 private:
  int feeds_;
  int max_stories_;
  size_t words_;
  size_t size_ = 0;
  void* mem_ = nullptr;
  SharedHeader* header_ = nullptr;
  std::atomic<uint64_t>* listed_ = nullptr;
  std::atomic<uint32_t>* fetched_ = nullptr;
};

int64_t SimNow(const World& w, int64_t anchor_ns) {
  if (anchor_ns == 0) return w.t0;
  const double real = static_cast<double>(MonoNs() - anchor_ns) / 1e9;
  return w.t0 + static_cast<int64_t>(real * w.args.speedup);
}

// Simulated time: frozen at t0 until Start(), then t0 + real seconds since
// Start() x speedup. Sleeps real time / speedup. Reaching the end of the
// simulated period sets the monitor's stop flag (a pass in progress is never
// cancelled: stopping between passes keeps every listed story stored).
class AcceleratedClock final : public Clock {
 public:
  AcceleratedClock(const World& world, Shared* shared, std::atomic<bool>* stop)
      : world_(world), shared_(shared), stop_(stop) {}

  int64_t Now() override { return SimNow(world_, shared_->h().anchor_ns.load()); }
  void Start() { shared_->h().anchor_ns.store(MonoNs()); }
  bool running() { return shared_->h().anchor_ns.load() != 0; }
  bool DayOver() { return running() && Now() >= world_.end; }

  bool SleepUntil(int64_t time, const std::atomic<bool>& stop) override {
    if (!running()) Start();
    while (true) {
      if (stop.load() || g_interrupted.load()) {
        stop_->store(true);
        return false;
      }
      const int64_t now = Now();
      if (now >= world_.end) {
        stop_->store(true);
        return false;
      }
      if (now >= time) return true;
      const double real =
          static_cast<double>(std::min(time, world_.end) - now) / world_.args.speedup;
      const double chunk = std::clamp(real, 0.001, 0.05);
      std::this_thread::sleep_for(std::chrono::duration<double>(chunk));
    }
  }

 private:
  const World& world_;
  Shared* shared_;
  std::atomic<bool>* stop_;
};

// ---------------------------------------------------------------------------
// The farm (child process).

std::string HostWithoutPort(std::string host) {
  const size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  return host;
}

void ServeFeed(const World& w, Shared* shared, const httplib::Request& req,
               httplib::Response& res) {
  SharedHeader& h = shared->h();
  const int f = std::atoi(req.matches[1].str().c_str());
  if (f < 0 || f >= w.args.feeds ||
      HostWithoutPort(req.get_header_value("Host")) != w.HostOf(f).name) {
    h.not_found.fetch_add(1, std::memory_order_relaxed);
    res.status = 404;
    return;
  }
  const int64_t newest = w.NewestAt(f, SimNow(w, h.anchor_ns.load()));
  const std::string etag = "\"" + std::to_string(f) + "-" + std::to_string(newest) + "\"";
  res.set_header("ETag", etag);
  res.set_header("Last-Modified", Rfc822(w.Published(f, std::max<int64_t>(newest, 0))));
  if (req.get_header_value("If-None-Match") == etag) {
    h.feed_304.fetch_add(1, std::memory_order_relaxed);
    res.status = 304;
    return;
  }
  // Marked before the response leaves: whatever the crawler sees listed is
  // known here.
  for (int64_t k = std::max<int64_t>(0, newest - w.args.entries + 1); k <= newest; ++k) {
    shared->MarkListed(f, k);
  }
  h.feed_200.fetch_add(1, std::memory_order_relaxed);
  res.set_content(FeedDocument(w, f, newest), w.feeds[f].atom
                                                  ? "application/atom+xml; charset=utf-8"
                                                  : "application/rss+xml; charset=utf-8");
  h.bytes.fetch_add(static_cast<int64_t>(res.body.size()), std::memory_order_relaxed);
}

// `in` as a gzip member at zlib level `level` (1-9).
bool Gzip(std::string_view in, int level, std::string* out) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out->resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&z, Z_FINISH);
  out->resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

// Story pages of the cold pass (every story out at t0), generated and
// gzipped before the farm starts listening, as a news site's cache or CDN
// holds them: serving one then costs the farm a copy, not ~0.5 ms of CPU
// taken from the crawler's two cores while the throughput is measured.
// Keyed by f * max_stories + k; read-only once built, so the server threads
// share it without a lock. Empty unless --compression gzip with
// --farm-precompress.
using PageCache = std::unordered_map<int64_t, std::string>;

PageCache PrecompressColdPages(const World& w) {
  std::vector<std::pair<int, int64_t>> stories;
  for (int f = 0; f < w.args.feeds; ++f) {
    const int64_t newest = w.NewestAt(f, w.t0);
    for (int64_t k = std::max<int64_t>(0, newest - w.args.entries + 1); k <= newest; ++k) {
      stories.emplace_back(f, k);
    }
  }
  std::vector<std::string> pages(stories.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < stories.size(); i = next++) {
        std::string gz;
        // An exact-size copy: Gzip's buffer keeps deflateBound's capacity
        // (about the page's own size), which would quadruple the cache.
        if (Gzip(StoryPage(w, stories[i].first, stories[i].second), w.args.gzip_level, &gz)) {
          pages[i].assign(gz.data(), gz.size());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  PageCache cache;
  cache.reserve(stories.size());
  for (size_t i = 0; i < stories.size(); ++i) {
    if (pages[i].empty()) continue;
    cache.emplace(stories[i].first * static_cast<int64_t>(w.max_stories) + stories[i].second,
                  std::move(pages[i]));
  }
  return cache;
}

void ServeArticle(const World& w, const PageCache& cache, Shared* shared,
                  const httplib::Request& req, httplib::Response& res) {
  SharedHeader& h = shared->h();
  const int f = std::atoi(req.matches[1].str().c_str());
  const int64_t k = std::atoll(req.matches[2].str().c_str());
  if (f < 0 || f >= w.args.feeds || k < 0 || k >= w.max_stories ||
      HostWithoutPort(req.get_header_value("Host")) != w.HostOf(f).name ||
      w.Published(f, k) > SimNow(w, h.anchor_ns.load())) {
    h.not_found.fetch_add(1, std::memory_order_relaxed);
    res.status = 404;
    return;
  }
  shared->CountFetch(f, k);
  h.articles.fetch_add(1, std::memory_order_relaxed);
  // cpp-httplib compresses text/* itself after the handler returns (gzip
  // at zlib's default level 6, or Brotli at quality 11) whenever the client
  // accepts it. The request is the server's own non-const object, so
  // narrowing what it accepts picks its encoding (--compression br, gzip6);
  // "gzip" compresses here at --gzip-level and hides Accept-Encoding from
  // cpp-httplib so that the body is not compressed twice.
  auto& mutable_req = const_cast<httplib::Request&>(req);
  const bool accepts_gzip =
      req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
  if (w.args.compression != "br") {
    mutable_req.headers.erase("Accept-Encoding");
    if (w.args.compression == "gzip6" && accepts_gzip) {
      mutable_req.headers.emplace("Accept-Encoding", "gzip");
    }
  }
  if (w.args.compression == "gzip" && accepts_gzip) {
    auto cached = cache.find(f * static_cast<int64_t>(w.max_stories) + k);
    if (cached != cache.end()) {
      h.farm_cached.fetch_add(1, std::memory_order_relaxed);
      res.set_header("Content-Encoding", "gzip");
      res.set_content(cached->second, "text/html; charset=utf-8");
      h.bytes.fetch_add(static_cast<int64_t>(res.body.size()), std::memory_order_relaxed);
      return;
    }
  }
  std::string page = StoryPage(w, f, k);
  if (w.args.compression == "gzip" && accepts_gzip) {
    std::string gz;
    if (!Gzip(page, w.args.gzip_level, &gz)) {
      res.status = 500;
      return;
    }
    res.set_header("Content-Encoding", "gzip");
    res.set_content(std::move(gz), "text/html; charset=utf-8");
  } else {
    res.set_content(std::move(page), "text/html; charset=utf-8");
  }
  h.bytes.fetch_add(static_cast<int64_t>(res.body.size()), std::memory_order_relaxed);
}

[[noreturn]] void RunFarm(const World& w, Shared* shared) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
  signal(SIGINT, SIG_IGN);           // the parent stops us through `stop`
  SharedHeader& h = shared->h();
  httplib::Server server;
  const size_t threads = static_cast<size_t>(w.args.farm_threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_max_count(100);
  server.set_keep_alive_timeout(2);
  // As nginx does on keep-alive connections (tcp_nodelay on): otherwise a
  // response written in two parts waits ~40 ms for the client's delayed ACK.
  server.set_tcp_nodelay(true);
  PageCache cache;  // filled after the bind, before the server answers
  server.Get("/robots.txt", [&](const httplib::Request&, httplib::Response& res) {
    h.robots.fetch_add(1, std::memory_order_relaxed);
    res.set_content("User-agent: *\nDisallow: /search\nDisallow: /account\n", "text/plain");
  });
  server.Get(R"(/feed/(\d+)\.xml)",
             [&w, shared](const httplib::Request& req, httplib::Response& res) {
               ServeFeed(w, shared, req, res);
             });
  server.Get(R"(/news/(\d+)/(\d+)\.html)",
             [&w, &cache, shared](const httplib::Request& req, httplib::Response& res) {
               ServeArticle(w, cache, shared, req, res);
             });
  const int port = server.bind_to_any_port("127.0.0.1");
  // Built before the port is published: the parent's baseline waits for it
  // and does not share the cores with this work.
  if (w.args.farm_precompress && w.args.compression == "gzip") cache = PrecompressColdPages(w);
  h.farm_cache_pages.store(static_cast<int64_t>(cache.size()));
  int64_t cache_bytes = 0;
  for (const auto& [key, page] : cache) cache_bytes += static_cast<int64_t>(page.size());
  h.farm_cache_bytes.store(cache_bytes);
  h.port.store(port > 0 ? port : -1);
  if (port <= 0) _exit(1);
  std::thread watcher([&] {
    while (h.stop.load() == 0) {
      h.farm_cpu_us.store(static_cast<int64_t>(CpuSeconds() * 1e6));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    server.stop();
  });
  server.listen_after_bind();
  watcher.join();
  h.farm_cpu_us.store(static_cast<int64_t>(CpuSeconds() * 1e6));
  std::fflush(nullptr);
  _exit(0);
}

// ---------------------------------------------------------------------------
// Baseline: single-thread decode + extract, and the whole per-article work.

struct SamplePage {
  int feed = 0;
  int64_t story = 0;
  std::string url;
  std::string html;
  size_t text_bytes = 0;  // paragraphs as generated
};

struct Baseline {
  double extract_pages_s = 0;  // median over reps
  double extract_min = 0, extract_max = 0;
  double full_pages_s = 0;  // decode + extract + match + fingerprint + store
  double full_min = 0, full_max = 0;
  // Per page, microseconds, medians of the full-work reps.
  double us_decode = 0, us_extract = 0, us_match = 0, us_fingerprint = 0, us_store = 0;
  double page_kb_min = 0, page_kb_median = 0, page_kb_max = 0;
  double mb_per_s = 0;  // decode + extract, median
  // CPU time of this thread per page (the machine is shared: wall time
  // includes waiting for a core), medians.
  double extract_cpu_ms = 0;
  double full_cpu_ms = 0;
  double extracted_ratio = 0;  // extracted text bytes / generated paragraph bytes
  // The same decode + extract on two threads at once, each over the whole
  // sample (median over reps): how this machine's two cores scale on the
  // yardstick itself, with no crawler around it. Reported, not the target's
  // denominator.
  double two_thread_pages_s = 0;
  double two_thread_cpu_ms = 0;  // CPU per page, the two threads together
  size_t empty_extractions = 0;
  size_t failed = 0;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::vector<SamplePage> MakeSample(const World& w) {
  std::vector<SamplePage> sample;
  for (int i = 0; i < w.args.sample; ++i) {
    SamplePage s;
    s.feed = static_cast<int>(Hash(i, 21) % static_cast<uint64_t>(w.args.feeds));
    const int64_t per_day = static_cast<int64_t>(w.args.sim_hours * 3600) / w.feeds[s.feed].period;
    s.story = static_cast<int64_t>(Hash(i, 22) % static_cast<uint64_t>(w.args.entries + per_day));
    s.url = w.ArticleUrl(s.feed, s.story);
    s.html = StoryPage(w, s.feed, s.story);
    const StoryHead head = MakeHead(w, s.feed, s.story);
    for (const std::string& p : MakeBody(w, s.feed, s.story, head).paragraphs) {
      s.text_bytes += p.size() + 1;
    }
    sample.push_back(std::move(s));
  }
  return sample;
}

Result<Baseline> MeasureBaseline(const World& w, const std::vector<SamplePage>& sample,
                                 const WatchlistMatcher& matcher, const std::string& scratch_dir) {
  Baseline b;
  std::vector<double> sizes;
  double total_bytes = 0;
  for (const SamplePage& s : sample) {
    sizes.push_back(static_cast<double>(s.html.size()) / 1024.0);
    total_bytes += static_cast<double>(s.html.size());
  }
  b.page_kb_min = *std::min_element(sizes.begin(), sizes.end());
  b.page_kb_max = *std::max_element(sizes.begin(), sizes.end());
  b.page_kb_median = Median(sizes);

  auto store = OpenRocksStore(scratch_dir, {});
  if (!store.ok()) return store.status().WithContext("scratch store");
  std::vector<double> extract_mb, extract_cpu, full_cpu;
  std::vector<double> extract_rates, full_rates, decode_us, extract_us, match_us, fp_us, store_us;
  double extracted_bytes = 0, generated_bytes = 0;
  for (int rep = 0; rep < w.args.reps; ++rep) {
    // (a) decode + extract, as the issue's yardstick.
    auto start = Steady::now();
    double cpu_start = ThreadCpuSeconds();
    for (const SamplePage& s : sample) {
      auto decoded = DecodeHtml(s.html, "text/html; charset=utf-8");
      if (!decoded.ok()) continue;
      auto article = ExtractArticle(decoded->utf8, s.url);
      if (rep == 0) {
        if (!article.ok()) {
          ++b.failed;
        } else {
          extracted_bytes += static_cast<double>(article->text.size());
          generated_bytes += static_cast<double>(s.text_bytes);
          if (article->text.empty()) ++b.empty_extractions;
        }
      }
    }
    const double secs = Seconds(start);
    extract_rates.push_back(static_cast<double>(sample.size()) / secs);
    extract_mb.push_back(total_bytes / secs / 1e6);
    extract_cpu.push_back((ThreadCpuSeconds() - cpu_start) * 1e3 /
                          static_cast<double>(sample.size()));

    // (b) everything the pipeline does to one fetched page, timed per stage.
    double t_decode = 0, t_extract = 0, t_match = 0, t_fp = 0, t_store = 0;
    auto full_start = Steady::now();
    cpu_start = ThreadCpuSeconds();
    for (const SamplePage& s : sample) {
      auto t = Steady::now();
      auto decoded = DecodeHtml(s.html, "text/html; charset=utf-8");
      t_decode += Seconds(t);
      if (!decoded.ok()) continue;
      t = Steady::now();
      auto article = ExtractArticle(decoded->utf8, s.url);
      t_extract += Seconds(t);
      if (!article.ok()) continue;
      t = Steady::now();
      FoldedFields folded;
      MatchResult matches = matcher.MatchAll(article->title, article->text, &folded);
      t_match += Seconds(t);
      t = Steady::now();
      ArticleWrite write;
      ArticleRecord& rec = write.article;
      rec.title = article->title;
      rec.text = article->text;
      // As the pipeline does with the matcher's normalizer (crawler/pipeline.cc).
      rec.simhash = FingerprintOfFolded(folded.title, folded.text);
      t_fp += Seconds(t);
      t = Steady::now();
      rec.url = s.url + "?rep=" + std::to_string(rep);
      rec.id = ArticleIdForUrl(rec.url);
      rec.feed_id = "f" + std::to_string(s.feed);
      rec.source = w.HostOf(s.feed).outlet;
      rec.language = kLangTag[w.HostOf(s.feed).lang];
      rec.fetched_url = rec.url;
      rec.charset = decoded->charset;
      rec.published = w.Published(s.feed, s.story);
      rec.fetched_at = w.t0;
      for (const TermMatch& m : matches.targets) {
        MatchRecord mr;
        mr.watchlist_id = m.watchlist_id;
        mr.target_id = m.target_id;
        mr.kind = std::string(TargetKindName(m.kind));
        mr.term = m.term;
        mr.field = m.field;
        mr.snippet = m.snippet;
        mr.count = m.count;
        write.matches.push_back(std::move(mr));
      }
      auto put = (*store)->PutArticle(write);
      t_store += Seconds(t);
      if (!put.ok()) return put.status().WithContext("scratch store");
    }
    const double full_secs = Seconds(full_start);
    full_cpu.push_back((ThreadCpuSeconds() - cpu_start) * 1e3 / static_cast<double>(sample.size()));
    full_rates.push_back(static_cast<double>(sample.size()) / full_secs);
    const double n = static_cast<double>(sample.size());
    decode_us.push_back(t_decode / n * 1e6);
    extract_us.push_back(t_extract / n * 1e6);
    match_us.push_back(t_match / n * 1e6);
    fp_us.push_back(t_fp / n * 1e6);
    store_us.push_back(t_store / n * 1e6);
  }
  b.extract_pages_s = Median(extract_rates);
  b.mb_per_s = Median(extract_mb);
  b.extract_cpu_ms = Median(extract_cpu);
  b.full_cpu_ms = Median(full_cpu);
  b.extract_min = *std::min_element(extract_rates.begin(), extract_rates.end());
  b.extract_max = *std::max_element(extract_rates.begin(), extract_rates.end());
  b.full_pages_s = Median(full_rates);
  b.full_min = *std::min_element(full_rates.begin(), full_rates.end());
  b.full_max = *std::max_element(full_rates.begin(), full_rates.end());
  b.us_decode = Median(decode_us);
  b.us_extract = Median(extract_us);
  b.us_match = Median(match_us);
  b.us_fingerprint = Median(fp_us);
  b.us_store = Median(store_us);
  b.extracted_ratio = generated_bytes > 0 ? extracted_bytes / generated_bytes : 0;

  // (c) decode + extract on two threads at once.
  std::vector<double> two_rates, two_cpu;
  for (int rep = 0; rep < w.args.reps; ++rep) {
    double cpu[2] = {0, 0};
    auto work = [&sample](double* cpu_ms) {
      const double cpu_start = ThreadCpuSeconds();
      for (const SamplePage& s : sample) {
        auto decoded = DecodeHtml(s.html, "text/html; charset=utf-8");
        if (decoded.ok()) (void)ExtractArticle(decoded->utf8, s.url);
      }
      *cpu_ms = (ThreadCpuSeconds() - cpu_start) * 1e3;
    };
    const auto start = Steady::now();
    std::thread other(work, &cpu[1]);
    work(&cpu[0]);
    other.join();
    const double pages = 2 * static_cast<double>(sample.size());
    two_rates.push_back(pages / Seconds(start));
    two_cpu.push_back((cpu[0] + cpu[1]) / pages);
  }
  b.two_thread_pages_s = Median(two_rates);
  b.two_thread_cpu_ms = Median(two_cpu);
  return b;
}

// ---------------------------------------------------------------------------
// The run.

// Totals of a stretch of the run (the cold pass, a simulated hour, the day).
struct Stretch {
  int64_t passes = 0;
  int64_t busy_passes = 0;  // passes that polled at least one feed
  int64_t feeds_polled = 0;
  int64_t feeds_304 = 0;
  int64_t stored = 0;
  int64_t flagged = 0;
  int64_t errors = 0;
  int64_t rechecks = 0;     // flagged articles fetched again (edits, removals)
  int64_t edits = 0;        // rechecks that found a changed text (none expected)
  int64_t removals = 0;     // rechecks that found the story gone (none expected)
  double busy_seconds = 0;  // sum of the passes' own durations
  double wall = 0;
  double cpu = 0;
  double farm_cpu = 0;
  double run_queue_wait = 0;   // seconds the crawler's threads waited for a core
  double rocksdb_cpu = 0;      // of `cpu`, RocksDB's background threads
  size_t max_fetch_queue = 0;  // articles queued for fetching, not yet fetched
  size_t max_backlog = 0;      // fetched, not yet decoded/extracted/stored
  double rss_mb = 0;           // VmRSS at the end of the stretch
  // Of `cpu`, the article stages (CrawlSummary::cpu_*).
  double cpu_decode = 0, cpu_extract = 0, cpu_match = 0, cpu_store = 0;

  void Add(const CrawlSummary& s) {
    ++passes;
    if (s.feeds_polled > 0) ++busy_passes;
    feeds_polled += static_cast<int64_t>(s.feeds_polled);
    feeds_304 += static_cast<int64_t>(s.feeds_not_modified);
    stored += static_cast<int64_t>(s.articles_stored);
    flagged += static_cast<int64_t>(s.matched_articles);
    errors += static_cast<int64_t>(s.feeds_failed + s.articles_failed);
    rechecks += static_cast<int64_t>(s.rechecks);
    edits += static_cast<int64_t>(s.edits_found);
    removals += static_cast<int64_t>(s.removals_found);
    busy_seconds += s.seconds;
    cpu_decode += s.cpu_decode;
    cpu_extract += s.cpu_extract;
    cpu_match += s.cpu_match;
    cpu_store += s.cpu_store;
  }
  void Merge(const Stretch& o) {
    passes += o.passes;
    busy_passes += o.busy_passes;
    feeds_polled += o.feeds_polled;
    feeds_304 += o.feeds_304;
    stored += o.stored;
    flagged += o.flagged;
    errors += o.errors;
    rechecks += o.rechecks;
    edits += o.edits;
    removals += o.removals;
    busy_seconds += o.busy_seconds;
    cpu_decode += o.cpu_decode;
    cpu_extract += o.cpu_extract;
    cpu_match += o.cpu_match;
    cpu_store += o.cpu_store;
    wall += o.wall;
    cpu += o.cpu;
    farm_cpu += o.farm_cpu;
    run_queue_wait += o.run_queue_wait;
    rocksdb_cpu += o.rocksdb_cpu;
    max_fetch_queue = std::max(max_fetch_queue, o.max_fetch_queue);
    max_backlog = std::max(max_backlog, o.max_backlog);
    rss_mb = o.rss_mb;
  }
};

// Wall, CPU and farm CPU at one moment, to difference into a Stretch.
struct Mark {
  Steady::time_point wall;
  double cpu = 0;
  double farm_cpu = 0;
  ThreadTimes waited;
};

Mark TakeMark(Shared& shared, ThreadTimes* waited) {
  waited->Sample();
  return {Steady::now(), CpuSeconds(), static_cast<double>(shared.h().farm_cpu_us.load()) / 1e6,
          *waited};
}

void CloseStretch(const Mark& from, Shared& shared, ThreadTimes* waited, Stretch* s) {
  const Mark to = TakeMark(shared, waited);
  s->wall = std::chrono::duration<double>(to.wall - from.wall).count();
  s->cpu = to.cpu - from.cpu;
  s->farm_cpu = to.farm_cpu - from.farm_cpu;
  s->run_queue_wait = to.waited.WaitedSince(from.waited);
  s->rocksdb_cpu = to.waited.RocksDbCpuSince(from.waited);
  s->rss_mb = ProcStatusMb("VmRSS");
}

// Columns: passes (and those that polled a feed), feed polls (answered 200 /
// 304), articles stored and flagged, re-fetches of flagged articles, wall
// seconds, seconds inside passes, crawler and farm CPU seconds, the largest
// fetch queue and fetched-not-stored backlog seen, VmRSS at the end.
void PrintHourHeader() {
  std::printf(
      "  sim h  passes  busy  polls     200    304  stored flagged recheck  wall s  busy s  "
      "cpu s farm cpu  queue backlog RSS MB\n");
}

void PrintStretch(const char* label, const Stretch& s) {
  std::printf("  %-5s %7" PRId64 " %5" PRId64 " %6" PRId64 " %7" PRId64 " %6" PRId64 " %7" PRId64
              " %7" PRId64 " %7" PRId64 " %7.1f %7.1f %6.1f %8.1f %6zu %7zu %6.0f\n",
              label, s.passes, s.busy_passes, s.feeds_polled, s.feeds_polled - s.feeds_304,
              s.feeds_304, s.stored, s.flagged, s.rechecks, s.wall, s.busy_seconds, s.cpu,
              s.farm_cpu, s.max_fetch_queue, s.max_backlog, s.rss_mb);
}

struct RunResult {
  Status status;
  Stretch cold;
  Stretch day;
  double peak_rss_mb = 0;       // VmHWM since the reset after the baseline
  double cold_peak_rss_mb = 0;  // VmHWM at the end of the cold pass
  double sim_hours = 0;
  size_t warnings = 0;
  std::vector<std::string> first_warnings;
  // Day passes that stored and re-fetched nothing: CPU from the previous
  // pass's end to theirs (the monitor's sleep included), and feeds polled.
  std::vector<double> idle_pass_cpu_ms;
  std::vector<double> idle_pass_polls;
};

RunResult RunMonitor(const World& w, Shared& shared, Store* store, const WatchlistMatcher* matcher,
                     std::atomic<bool>& stop) {
  RunResult r;
  AcceleratedClock clock(w, &shared, &stop);
  std::vector<FeedConfig> feeds;
  for (int f = 0; f < w.args.feeds; ++f) {
    FeedConfig c;
    c.id = "f" + std::to_string(f);
    c.url = w.FeedUrl(f);
    c.language = kLangTag[w.HostOf(f).lang];
    c.source = w.HostOf(f).outlet;
    c.interval_seconds = 1800;
    feeds.push_back(std::move(c));
  }
  MonitorOptions mo;
  mo.clock = &clock;
  mo.pid = static_cast<int64_t>(getpid());
  mo.host = "run_load_bench";
  CrawlOptions& co = mo.crawl;
  co.fetcher.connect_to = "127.0.0.1:" + std::to_string(shared.h().port.load());
  co.fetcher.allowed_cidrs = {"127.0.0.0/8"};
  co.fetcher.min_host_delay_ms = w.args.host_delay_ms;
  // As `mediawatch run` sets it (app/run_command.cc).
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  co.background_workers = cores > 1 ? cores - 1 : 0;
  co.fingerprints = true;
  co.fingerprint_normalizer = matcher->normalizer();  // as `mediawatch run` does
  std::mutex log_mu;
  co.log = [&r, &log_mu](LogLevel level, const std::string& message) {
    if (level != LogLevel::kWarn && level != LogLevel::kError) return;
    std::lock_guard<std::mutex> lock(log_mu);
    ++r.warnings;
    if (r.first_warnings.size() < 5) r.first_warnings.push_back(message);
  };

  // Progress is reported on the pass's thread (the monitor's), as on_pass.
  Stretch hour;
  Stretch* current = &r.cold;
  ThreadTimes waited;
  Steady::time_point last_sample = Steady::now();
  co.on_progress = [&current, &waited, &last_sample](const CrawlProgress& p) {
    if (Steady::now() - last_sample > std::chrono::milliseconds(200)) {
      waited.Sample();
      last_sample = Steady::now();
    }
    const size_t queue = p.articles_queued - std::min(p.articles_queued, p.articles_done);
    const size_t finished = p.articles_stored + p.errors;
    const size_t backlog = p.articles_done - std::min(p.articles_done, finished);
    current->max_fetch_queue = std::max(current->max_fetch_queue, queue);
    current->max_backlog = std::max(current->max_backlog, backlog);
  };

  Mark cold_mark = TakeMark(shared, &waited);
  Mark hour_mark = cold_mark;
  int64_t hour_index = 0;
  double last_pass_cpu = 0;
  auto close_hour = [&](int64_t index) {
    CloseStretch(hour_mark, shared, &waited, &hour);
    PrintStretch(std::to_string(index + 1).c_str(), hour);
    std::fflush(stdout);
    r.day.Merge(hour);
    hour = Stretch();
    hour_mark = TakeMark(shared, &waited);
  };
  mo.on_pass = [&](const RunState&, const CrawlSummary& summary) {
    if (!clock.running()) {
      r.cold.Add(summary);
      CloseStretch(cold_mark, shared, &waited, &r.cold);
      r.cold_peak_rss_mb = ProcStatusMb("VmHWM");
      std::printf("cold pass (clock frozen at the start):\n");
      PrintHourHeader();
      PrintStretch("cold", r.cold);
      std::printf("simulated day (%.0fx):\n", w.args.speedup);
      PrintHourHeader();
      std::fflush(stdout);
      current = &hour;
      clock.Start();
      hour_mark = TakeMark(shared, &waited);
      last_pass_cpu = CpuSeconds();
      return;
    }
    hour.Add(summary);
    const double cpu_now = CpuSeconds();
    if (summary.articles_stored == 0 && summary.rechecks == 0) {
      r.idle_pass_cpu_ms.push_back((cpu_now - last_pass_cpu) * 1e3);
      r.idle_pass_polls.push_back(static_cast<double>(summary.feeds_polled));
    }
    last_pass_cpu = cpu_now;
    const int64_t index = (clock.Now() - w.t0) / 3600;
    if (index > hour_index) {
      close_hour(hour_index);
      hour_index = index;
    }
    if (clock.DayOver() || g_interrupted.load()) stop.store(true);
  };

  Monitor monitor(store, matcher, mo);
  r.status = monitor.Run(feeds, stop);
  if (clock.running() && hour.passes > 0) close_hour(hour_index);
  r.sim_hours = clock.running() ? static_cast<double>(clock.Now() - w.t0) / 3600.0 : 0;
  r.peak_rss_mb = ProcStatusMb("VmHWM");
  return r;
}

// ---------------------------------------------------------------------------

struct Verification {
  size_t listed = 0;      // stories some served feed listed
  size_t stored = 0;      // articles in the store
  size_t missing = 0;     // listed, not stored
  size_t unexpected = 0;  // stored, never listed
  size_t duplicates = 0;  // URLs stored more than once
  // Pages fetched again: re-fetches of flagged stories (edits, removals:
  // CrawlOptions::recheck_delays) are expected; of other stories they are
  // wasted work.
  size_t refetched_flagged = 0;      // stories
  size_t extra_fetches_flagged = 0;  // fetches beyond the first
  size_t refetched_other = 0;
  size_t unfetched = 0;       // listed stories whose page was never fetched
  size_t mention_listed = 0;  // listed stories naming Guan Heng
  size_t mention_flagged = 0;
  size_t false_flags = 0;  // flagged without a mention
  size_t wire_listed = 0;
  size_t in_clusters = 0;  // stored articles with a copy (cluster_size > 1)
  std::vector<std::string> examples;
};

Result<Verification> Verify(const World& w, Shared& shared, Store* store) {
  Verification v;
  std::unordered_map<std::string, std::pair<int, int64_t>> expected;
  for (int f = 0; f < w.args.feeds; ++f) {
    for (int64_t k = 0; k < w.max_stories; ++k) {
      if (!shared.Listed(f, k)) {
        if (shared.Fetches(f, k) > 0) ++v.unexpected;  // fetched though never listed
        continue;
      }
      ++v.listed;
      expected.emplace(w.ArticleUrl(f, k), std::make_pair(f, k));
      const uint32_t fetches = shared.Fetches(f, k);
      if (fetches == 0) ++v.unfetched;
      const StoryHead head = MakeHead(w, f, k);
      if (fetches > 1 && head.mentions) {
        ++v.refetched_flagged;
        v.extra_fetches_flagged += fetches - 1;
      } else if (fetches > 1) {
        ++v.refetched_other;
      }
      if (head.mentions) ++v.mention_listed;
      if (head.wire) ++v.wire_listed;
    }
  }
  MatchQuery q;
  q.flagged_only = false;
  q.limit = std::numeric_limits<int32_t>::max();  // everything
  Result<std::vector<MatchHit>> hits = store->QueryMatches(q);
  if (!hits.ok()) return hits.status();
  v.stored = hits->size();
  std::unordered_map<std::string, int> seen;
  for (const MatchHit& hit : *hits) {
    if (++seen[hit.article.url] == 2) ++v.duplicates;
    if (hit.cluster_size > 1) ++v.in_clusters;
    auto found = expected.find(hit.article.url);
    if (found == expected.end()) {
      ++v.unexpected;
      if (v.examples.size() < 5) v.examples.push_back("unexpected " + hit.article.url);
      continue;
    }
    bool flagged = false;
    for (const MatchRecord& m : hit.matches) flagged |= m.target_id == "guan-heng";
    const bool mentions = MakeHead(w, found->second.first, found->second.second).mentions;
    if (flagged && mentions) ++v.mention_flagged;
    if (!hit.matches.empty() && !mentions) ++v.false_flags;
  }
  for (const auto& [url, fk] : expected) {
    if (seen.count(url) == 0) {
      ++v.missing;
      if (v.examples.size() < 10) v.examples.push_back("missing " + url);
    }
  }
  return v;
}

// The reads every pass makes whatever is due, on the database as the run
// left it: the state of every feed (the pass's Prepare), all feed states
// again and the earliest re-fetch (the monitor's NextDue). Median CPU ms of
// 9 rounds.
double ScheduleScanMs(const World& w, Store* store) {
  std::vector<double> ms;
  for (int round = 0; round < 9; ++round) {
    const double start = ThreadCpuSeconds();
    for (int f = 0; f < w.args.feeds; ++f) (void)store->GetFeedState("f" + std::to_string(f));
    (void)store->ListFeedStates();
    (void)store->DueRechecks(INT64_MAX, 1);
    ms.push_back((ThreadCpuSeconds() - start) * 1e3);
  }
  return Median(ms);
}

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--keep") {
      a->keep = true;
      continue;
    }
    if (k == "--no-farm-precompress") {
      a->farm_precompress = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "run_load_bench: %s needs a value\n", k.c_str());
      return false;
    }
    const char* v = argv[++i];
    if (k == "--feeds") {
      a->feeds = std::atoi(v);
    } else if (k == "--entries") {
      a->entries = std::atoi(v);
    } else if (k == "--hosts") {
      a->hosts = std::atoi(v);
    } else if (k == "--sim-hours") {
      a->sim_hours = std::atof(v);
    } else if (k == "--speedup") {
      a->speedup = std::atof(v);
    } else if (k == "--host-delay-ms") {
      a->host_delay_ms = std::atol(v);
    } else if (k == "--sample") {
      a->sample = std::atoi(v);
    } else if (k == "--reps") {
      a->reps = std::atoi(v);
    } else if (k == "--farm-threads") {
      a->farm_threads = std::atoi(v);
    } else if (k == "--compression") {
      a->compression = v;
    } else if (k == "--gzip-level") {
      a->gzip_level = std::atoi(v);
    } else if (k == "--dir") {
      a->dir = v;
    } else if (k == "--watchlist") {
      a->watchlist = v;
    } else {
      std::fprintf(stderr, "run_load_bench: unknown flag %s\n", k.c_str());
      return false;
    }
  }
  if (a->feeds < 1 || a->entries < 1 || a->entries > 1000 || a->hosts < 1 || a->sim_hours <= 0 ||
      a->speedup <= 0 || a->sample < 1 || a->reps < 1 || a->farm_threads < 1 ||
      a->host_delay_ms < 0 || a->gzip_level < 1 || a->gzip_level > 9 ||
      (a->compression != "gzip" && a->compression != "gzip6" && a->compression != "none" &&
       a->compression != "br")) {
    std::fprintf(stderr, "run_load_bench: a flag is out of range\n");
    return false;
  }
  return true;
}

const char* Verdict(bool ok) { return ok ? "PASS" : "FAIL"; }

int Main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) return 2;
  const auto started = Steady::now();
  const std::string load_at_start = LoadAverage();

  // Everything the farm needs is built before the fork, so the child shares
  // it and the parent has no threads yet when it forks.
  auto normalizer = TextNormalizer::Create({});
  if (!normalizer.ok()) {
    std::fprintf(stderr, "normalizer: %s\n", normalizer.status().ToString().c_str());
    return 1;
  }
  auto watchlist = LoadWatchlistFile(args.watchlist);
  if (!watchlist.ok()) {
    std::fprintf(stderr, "watch-list: %s\n", watchlist.status().ToString().c_str());
    return 1;
  }
  auto matcher = WatchlistMatcher::Create({*watchlist}, normalizer->get());
  if (!matcher.ok()) {
    std::fprintf(stderr, "matcher: %s\n", matcher.status().ToString().c_str());
    return 1;
  }
  const int64_t t0 = static_cast<int64_t>(std::time(nullptr));
  const World world = MakeWorld(args, t0, **matcher);
  Shared shared(args.feeds, world.max_stories);
  if (!shared.ok()) {
    std::fprintf(stderr, "run_load_bench: mmap failed\n");
    return 1;
  }
  std::fflush(nullptr);
  const pid_t farm = fork();
  if (farm < 0) {
    std::perror("fork");
    return 1;
  }
  if (farm == 0) RunFarm(world, &shared);
  while (shared.h().port.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (shared.h().port.load() < 0) {
    std::fprintf(stderr, "run_load_bench: the farm cannot listen on 127.0.0.1\n");
    return 1;
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);

  namespace fs = std::filesystem;
  const bool own_dir = args.dir.empty();
  const fs::path dir =
      own_dir ? fs::temp_directory_path() / ("mediawatch-run-load-" + std::to_string(getpid()))
              : fs::path(args.dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (fs::exists(dir / "db")) {
    std::fprintf(stderr, "run_load_bench: %s already holds a database\n", (dir / "db").c_str());
    shared.h().stop.store(1);
    waitpid(farm, nullptr, 0);
    return 2;
  }

  std::printf(
      "run_load_bench: %d feeds x %d entries over %d hosts, farm on 127.0.0.1:%d (pid %d, "
      "%d threads)\n",
      args.feeds, args.entries, args.hosts, shared.h().port.load(), farm, args.farm_threads);
  std::printf("machine: %u cores, load average at start %s\n", std::thread::hardware_concurrency(),
              load_at_start.c_str());
  std::printf(
      "simulated %.1f h at %.0fx (%.1f wall minutes after the cold pass), host delay %ld "
      "ms, pages served with compression '%s', database %s\n",
      args.sim_hours, args.speedup, args.sim_hours * 60 / args.speedup, args.host_delay_ms,
      (args.compression == "gzip" ? "gzip level " + std::to_string(args.gzip_level)
                                  : args.compression)
          .c_str(),
      (dir / "db").c_str());
  std::printf("text pools: %zu sentences per language (%zu dropped: a watch-list term matched)\n",
              kPoolSentences, world.pools.dropped);

  // 1. Baseline.
  Baseline base;
  double generation_us = 0;  // the farm's cost of making one page
  {
    const auto generation = Steady::now();
    const std::vector<SamplePage> sample = MakeSample(world);
    generation_us = Seconds(generation) / static_cast<double>(sample.size()) * 1e6;
    auto measured = MeasureBaseline(world, sample, **matcher, (dir / "baseline-db").string());
    fs::remove_all(dir / "baseline-db", ec);
    if (!measured.ok()) {
      std::fprintf(stderr, "baseline: %s\n", measured.status().ToString().c_str());
      shared.h().stop.store(1);
      waitpid(farm, nullptr, 0);
      return 1;
    }
    base = *measured;
  }
  std::printf(
      "\nbaseline, single thread, %d pages x %d reps (page size %.0f / %.0f / %.0f KB min "
      "/ median / max):\n",
      args.sample, args.reps, base.page_kb_min, base.page_kb_median, base.page_kb_max);
  std::printf(
      "  decode+extract:      %7.1f pages/s (median; min %.1f, max %.1f), %.1f MB/s; "
      "%.2f ms CPU per page\n",
      base.extract_pages_s, base.extract_min, base.extract_max, base.mb_per_s, base.extract_cpu_ms);
  std::printf(
      "  whole article work:  %7.1f pages/s (median; min %.1f, max %.1f); %.2f ms CPU per "
      "page; wall per page: decode %.0f us, extract %.0f us, match %.0f us, fingerprint %.0f "
      "us, store %.0f us\n",
      base.full_pages_s, base.full_min, base.full_max, base.full_cpu_ms, base.us_decode,
      base.us_extract, base.us_match, base.us_fingerprint, base.us_store);
  std::printf(
      "  decode+extract on two threads at once: %7.1f pages/s = %.2f x single thread; %.2f ms "
      "CPU per page (this machine's two cores on the yardstick alone)\n",
      base.two_thread_pages_s,
      base.extract_pages_s > 0 ? base.two_thread_pages_s / base.extract_pages_s : 0,
      base.two_thread_cpu_ms);
  std::printf("  extraction: %.2f of the generated paragraph bytes kept, %zu empty, %zu failed\n",
              base.extracted_ratio, base.empty_extractions, base.failed);
  std::printf("  the farm makes a page in %.0f us (before %s compression)\n", generation_us,
              args.compression.c_str());
  std::fflush(stdout);
  const bool hwm_reset = ResetPeakRss();

  // 2. The run.
  std::printf("\n");
  std::atomic<bool> stop{false};
  RunResult run;
  Verification verified;
  Status verify_status;
  double disk_mb = 0;
  double schedule_scan_ms = 0;
  int64_t stored_in_store = 0;
  {
    auto store = OpenRocksStore((dir / "db").string(), {});
    if (!store.ok()) {
      std::fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
      shared.h().stop.store(1);
      waitpid(farm, nullptr, 0);
      return 1;
    }
    run = RunMonitor(world, shared, store->get(), matcher->get(), stop);
    schedule_scan_ms = ScheduleScanMs(world, store->get());
    auto v = Verify(world, shared, store->get());
    if (v.ok()) {
      verified = *v;
    } else {
      verify_status = v.status();
    }
  }
  shared.h().stop.store(1);
  int farm_status = 0;
  rusage farm_ru{};
  wait4(farm, &farm_status, 0, &farm_ru);
  const double farm_cpu_total =
      static_cast<double>(farm_ru.ru_utime.tv_sec + farm_ru.ru_stime.tv_sec) +
      static_cast<double>(farm_ru.ru_utime.tv_usec + farm_ru.ru_stime.tv_usec) / 1e6;
  {
    // Reopened, so the write-ahead log is flushed into table files and the
    // size is what a database of this many articles takes.
    auto store = OpenRocksStore((dir / "db").string(), {});
    if (store.ok()) {
      auto stats = (*store)->Stats();
      if (stats.ok()) {
        disk_mb = static_cast<double>(stats->disk_bytes) / 1e6;
        stored_in_store = stats->articles;
      }
    }
  }
  rusage self{};
  getrusage(RUSAGE_SELF, &self);

  // 3. Report.
  const SharedHeader& h = shared.h();
  std::printf("\nrun: %s after %.2f simulated hours; %" PRId64 " passes\n",
              run.status.ok() ? "stopped cleanly" : run.status.ToString().c_str(), run.sim_hours,
              run.cold.passes + run.day.passes);
  std::printf("farm served: %" PRId64 " feeds (200), %" PRId64 " not modified (304), %" PRId64
              " robots.txt, %" PRId64 " article pages, %" PRId64
              " not found; %.0f MB; farm CPU "
              "%.1f s\n",
              h.feed_200.load(), h.feed_304.load(), h.robots.load(), h.articles.load(),
              h.not_found.load(), static_cast<double>(h.bytes.load()) / 1e6, farm_cpu_total);
  if (h.farm_cache_pages.load() > 0) {
    std::printf("farm cache: the cold pass's %" PRId64
                " pages gzipped before the run (%.0f MB), %" PRId64 " served from it\n",
                h.farm_cache_pages.load(), static_cast<double>(h.farm_cache_bytes.load()) / 1e6,
                h.farm_cached.load());
  }
  if (run.warnings > 0) {
    std::printf("pipeline warnings/errors: %zu, first:\n", run.warnings);
    for (const std::string& m : run.first_warnings) std::printf("  %s\n", m.c_str());
  }
  auto per_article = [](double cpu, int64_t n) { return n > 0 ? cpu / static_cast<double>(n) : 0; };
  const Stretch& c = run.cold;
  const Stretch& d = run.day;
  const double cold_rate = c.wall > 0 ? static_cast<double>(c.stored) / c.wall : 0;
  std::printf("\ncold pass: %" PRId64
              " articles in %.1f s wall = %.1f articles/s; crawler CPU %.1f s "
              "= %.2f ms per article (%.2f cores; RocksDB background threads %.2f ms); its threads "
              "waited %.1f s for a core (so it had %.2f threads runnable on average: the cores it "
              "would use); farm CPU %.1f s\n",
              c.stored, c.wall, cold_rate, c.cpu, per_article(c.cpu, c.stored) * 1e3,
              c.wall > 0 ? c.cpu / c.wall : 0, per_article(c.rocksdb_cpu, c.stored) * 1e3,
              c.run_queue_wait, c.wall > 0 ? (c.cpu + c.run_queue_wait) / c.wall : 0, c.farm_cpu);
  std::printf(
      "  cold pass by stage, ms CPU per article (single-thread baseline in brackets): decode "
      "%.3f (%.3f), extract %.2f (%.2f), match + fingerprint %.3f (%.3f), store %.3f (%.3f); "
      "the rest (fetching, feeds, scheduling, hand-offs, RocksDB background) %.2f\n",
      per_article(c.cpu_decode, c.stored) * 1e3, base.us_decode / 1e3,
      per_article(c.cpu_extract, c.stored) * 1e3, base.us_extract / 1e3,
      per_article(c.cpu_match, c.stored) * 1e3, (base.us_match + base.us_fingerprint) / 1e3,
      per_article(c.cpu_store, c.stored) * 1e3, base.us_store / 1e3,
      per_article(c.cpu - c.cpu_decode - c.cpu_extract - c.cpu_match - c.cpu_store, c.stored) *
          1e3);
  const int64_t day_pages = d.stored + d.rechecks;  // pages fetched and processed
  const double utilization = d.wall > 0 ? d.busy_seconds / d.wall : 0;
  std::printf("simulated day: %" PRId64 " new articles and %" PRId64
              " re-fetches of flagged ones in %.1f s wall (%.1f pages/s), %.1f s inside passes "
              "(%.0f%% of the time; %.1f pages/s); crawler CPU %.1f s = %.2f ms per page (%.2f "
              "cores; RocksDB background threads %.2f ms); its threads waited %.1f s for a core; "
              "farm CPU %.1f s; %" PRId64 " feed polls (%" PRId64 " answered 304)\n",
              d.stored, d.rechecks, d.wall,
              d.wall > 0 ? static_cast<double>(day_pages) / d.wall : 0, d.busy_seconds,
              utilization * 100,
              d.busy_seconds > 0 ? static_cast<double>(day_pages) / d.busy_seconds : 0, d.cpu,
              per_article(d.cpu, day_pages) * 1e3, d.wall > 0 ? d.cpu / d.wall : 0,
              per_article(d.rocksdb_cpu, day_pages) * 1e3, d.run_queue_wait, d.farm_cpu,
              d.feeds_polled, d.feeds_304);
  if (utilization > 0.9) {
    std::printf(
        "  passes ran back to back: at %.0fx the crawler could not keep up on this "
        "machine (lower --speedup to see the steady state)\n",
        args.speedup);
  }
  std::printf(
      "fixed cost of a pass with %d feeds (every feed state read twice, earliest "
      "re-fetch): %.1f ms CPU\n",
      args.feeds, schedule_scan_ms);
  if (!run.idle_pass_cpu_ms.empty()) {
    std::printf("passes of the day that stored and re-fetched nothing: %zu of %" PRId64
                ", median %.1f ms CPU each (from the previous pass's end: schedule scan, sleep, "
                "the pass), median %.0f feeds polled\n",
                run.idle_pass_cpu_ms.size(), d.passes, Median(run.idle_pass_cpu_ms),
                Median(run.idle_pass_polls));
  }
  std::printf(
      "max queue depth: fetch queue %zu (cold) / %zu (day); fetched-not-stored backlog %zu "
      "(cold) / %zu (day)\n",
      c.max_fetch_queue, d.max_fetch_queue, c.max_backlog, d.max_backlog);
  std::printf(
      "peak RSS of the crawler: %.0f MB during the run (%.0f MB at the end of the cold "
      "pass%s), %.0f MB over the whole process (ru_maxrss, baseline included)\n",
      run.peak_rss_mb, run.cold_peak_rss_mb,
      hwm_reset ? "" : "; VmHWM reset failed, baseline included",
      static_cast<double>(self.ru_maxrss) / 1024.0);
  std::printf("database: %" PRId64
              " articles, %.0f MB on disk after reopening = %.2f KB per "
              "article\n",
              stored_in_store, disk_mb,
              stored_in_store > 0 ? disk_mb * 1e3 / static_cast<double>(stored_in_store) : 0);

  bool lost_ok = false;
  if (!verify_status.ok()) {
    std::printf("verification failed: %s\n", verify_status.ToString().c_str());
  } else {
    const Verification& v = verified;
    lost_ok = v.missing == 0 && v.duplicates == 0 && v.unexpected == 0 && v.stored == v.listed &&
              run.status.ok();
    std::printf(
        "\nnothing lost: %zu stories listed by served feeds, %zu stored; missing %zu, "
        "stored twice %zu, unexpected %zu -> %s\n",
        v.listed, v.stored, v.missing, v.duplicates, v.unexpected, Verdict(lost_ok));
    std::printf(
        "fetches: %zu listed stories never fetched; fetched again: %zu flagged stories "
        "(%zu re-fetches; the monitor counted %" PRId64 ", %" PRId64 " edits and %" PRId64
        " removals found, 0 expected), %zu other stories (0 expected)\n",
        v.unfetched, v.refetched_flagged, v.extra_fetches_flagged,
        run.cold.rechecks + run.day.rechecks, run.cold.edits + run.day.edits,
        run.cold.removals + run.day.removals, v.refetched_other);
    std::printf(
        "matching: %zu of %zu stories naming Guan Heng flagged, %zu flagged without "
        "a mention\n",
        v.mention_flagged, v.mention_listed, v.false_flags);
    std::printf("clusters: %zu wire copies listed, %zu stored articles have a stored copy\n",
                v.wire_listed, v.in_clusters);
    for (const std::string& e : v.examples) std::printf("  %s\n", e.c_str());
  }

  const double capacity = 2 * base.extract_pages_s;
  const double ratio = capacity > 0 ? cold_rate / capacity : 0;
  std::printf(
      "\ntarget: end-to-end %.1f articles/s (cold pass) / (2 x %.1f decode+extract "
      "pages/s) = %.2f (>= 0.75: %s); whole single-thread article work would give %.2f\n",
      cold_rate, base.extract_pages_s, ratio, Verdict(ratio >= 0.75),
      capacity > 0 ? 2 * base.full_pages_s / capacity : 0);
  // On a shared machine the crawler does not get its two cores; CPU time per
  // article says what two free cores would give, as long as both of its
  // threads stay busy (the cold pass's worker queue is full throughout).
  const double cold_cpu_ms = per_article(c.cpu, c.stored) * 1e3;
  const double cpu_ratio = cold_cpu_ms > 0 ? base.extract_cpu_ms / cold_cpu_ms : 0;
  std::printf(
      "        by CPU time: decode+extract %.2f ms per page / crawler %.2f ms per article "
      "= %.2f (>= 0.75: %s): on two free cores %.0f articles/s; whole article work "
      "%.2f ms per page single-thread, so the rest (fetch, feeds, scheduling) is %.2f "
      "ms\n",
      base.extract_cpu_ms, cold_cpu_ms, cpu_ratio, Verdict(cpu_ratio >= 0.75),
      cold_cpu_ms > 0 ? 2e3 / cold_cpu_ms : 0, base.full_cpu_ms, cold_cpu_ms - base.full_cpu_ms);
  // The same yardstick run on two threads at once in this process: what
  // this machine's two cores give when both are busy (the host's other load
  // and the cores' shared caches slow each thread), farm idle.
  std::printf(
      "        against decode+extract measured on two threads at once (%.1f pages/s): %.2f\n",
      base.two_thread_pages_s,
      base.two_thread_pages_s > 0 ? cold_rate / base.two_thread_pages_s : 0);
  std::printf("target: peak RSS %.0f MB (< 500 MB: %s)\n", run.peak_rss_mb,
              Verdict(run.peak_rss_mb < 500));
  std::printf("wall %.0f s in all; load average at the end %s\n", Seconds(started),
              LoadAverage().c_str());

  if (!args.keep) {
    if (own_dir) {
      fs::remove_all(dir, ec);
    } else {
      fs::remove_all(dir / "db", ec);
    }
  } else {
    std::printf("kept %s\n", (dir / "db").c_str());
  }
  return lost_ok ? 0 : 1;
}

}  // namespace
}  // namespace mw

int main(int argc, char** argv) { return mw::Main(argc, argv); }
