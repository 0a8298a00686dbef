// Storage benchmark (issue 6): ingest N synthetic articles (default
// 1,000,000) into a fresh RocksDB store through the public Store API, then
// time queries.
//
//   build/release/bench/ingest_bench [--articles N] [--dir DIR] [--keep]
//
// Articles: multilingual text of realistic size (English, Chinese, Uyghur
// paragraphs, 1.5-4 KB), one per synthetic minute over the last years, 2%
// carrying a match of watch-list "case" (entity "guan-heng"), spread over 40
// feeds and 3 languages, each with its SimHash fingerprint (1 in 25 the
// fingerprint of a recent article: a wire copy, so clusters form). Ingest uses 2 writer
// threads (the machine's cores), as the crawler's article workers do.
//
// Reports: articles per second, bytes on disk per article, and the p50/p99
// latency of `QueryMatches` for one watch-list over 30 days (first page, 50
// results) and over everything, in the same run. The same numbers are the
// targets of the issue: >= 5,000 articles/s, p99 < 20 ms.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "text/simhash.h"

namespace mw {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kEnglish[] = {
    "The court heard arguments on Tuesday about the detention of the journalist, whose lawyers "
    "said he faced persecution if returned. ",
    "Officials declined to comment on the case, citing privacy rules, while supporters gathered "
    "outside the building with banners. ",
    "Rights groups said the footage showed facilities that the authorities describe as "
    "vocational training centres. ",
    "Markets were calm after the announcement, and analysts expected little change in the coming "
    "weeks. "};
const char* const kChinese[] = {
    "法院周二就这名记者的拘留问题听取了辩论，他的律师说他如果被遣返将面临迫害。",
    "官员以隐私规定为由拒绝对此案发表评论，支持者举着横幅聚集在大楼外。",
    "人权组织说，这些画面显示了当局称为职业技能教育培训中心的设施。",
    "公告发布后市场平稳，分析人士预计未来几周不会有太大变化。"};
const char* const kUyghur[] = {
    "سوت سەيشەنبە كۈنى مۇخبىرنىڭ قولغا ئېلىنىشى توغرىسىدىكى مۇنازىرىلەرنى ئاڭلىدى. ",
    "ئەمەلدارلار بۇ دېلوغا باھا بېرىشنى رەت قىلدى، قوللىغۇچىلار بىنا سىرتىدا توپلاندى. ",
    "كىشىلىك ھوقۇق تەشكىلاتلىرى سىن كۆرۈنۈشلىرىنىڭ لاگېرلارنى كۆرسىتىدىغانلىقىنى ئېيتتى. "};

std::string Text(std::mt19937_64& rng, int language) {
  std::string out;
  size_t target = 1500 + rng() % 2500;
  while (out.size() < target) {
    switch (language) {
      case 0:
        out += kEnglish[rng() % 4];
        break;
      case 1:
        out += kChinese[rng() % 4];
        break;
      default:
        out += kUyghur[rng() % 3];
        break;
    }
    if (rng() % 4 == 0) out += "\n";
  }
  return out;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

uint64_t DirBytes(const std::filesystem::path& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

int Run(int argc, char** argv) {
  size_t n = 1000000;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "mw_ingest_bench";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--articles" && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: ingest_bench [--articles N] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  auto store = OpenRocksStore(dir.string(), {});
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const int64_t now = 1795000000;  // 2026-11
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  auto worker = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<uint64_t> recent;  // fingerprints of this worker's latest articles
    for (size_t i = next.fetch_add(1); i < n && !failed; i = next.fetch_add(1)) {
      ArticleRecord a;
      a.url = "https://outlet" + std::to_string(i % 40) + ".example/news/" + std::to_string(i);
      a.id = ArticleIdForUrl(a.url);
      a.fetched_url = a.url;
      a.feed_id = "feed-" + std::to_string(i % 40);
      a.source = "Outlet " + std::to_string(i % 40);
      int language = static_cast<int>(i % 4 == 3 ? 2 : i % 4 == 2 ? 1 : 0);
      a.language = language == 0 ? "en" : language == 1 ? "zh" : "ug";
      a.title = "Story " + std::to_string(i);
      a.text = Text(rng, language);
      // The crawler fingerprints the folded text; the synthetic text is
      // lower-case enough for the cost to be the same. Every 25th article is
      // a wire copy: it takes the fingerprint of one of the worker's recent
      // articles, so clusters form as they do in a crawl.
      if (i % 25 == 24 && !recent.empty()) {
        a.simhash = recent[rng() % recent.size()];
      } else {
        a.simhash = SimHash64(a.text);
        if (recent.size() == 64) recent.erase(recent.begin());
        recent.push_back(a.simhash);
      }
      a.charset = "UTF-8";
      a.published = now - static_cast<int64_t>(n - i) * 60;
      a.fetched_at = *a.published + 120;
      std::vector<MatchRecord> matches;
      if (i % 50 == 0) {
        matches.push_back({"case", "guan-heng", "entity", "Guan Heng", "text",
                           "The court heard Guan Heng's case.", 2});
      }
      Result<bool> put = (*store)->PutArticle(a, matches);
      if (!put.ok()) {
        std::fprintf(stderr, "put: %s\n", put.status().ToString().c_str());
        failed = true;
      }
    }
  };
  std::thread t1(worker, 1);
  std::thread t2(worker, 2);
  t1.join();
  t2.join();
  if (failed) return 1;
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  store->reset();  // flush and close, then measure the files
  uint64_t bytes = DirBytes(dir);
  auto reopened = OpenRocksStore(dir.string(), {.read_only = true});
  if (!reopened.ok()) {
    std::fprintf(stderr, "reopen: %s\n", reopened.status().ToString().c_str());
    return 1;
  }
  std::vector<double> month;
  std::vector<double> all;
  std::mt19937_64 rng(3);
  const int64_t first = now - static_cast<int64_t>(n) * 60;
  for (int q = 0; q < 200; ++q) {
    MatchQuery query;
    query.watchlist_id = "case";
    query.limit = 50;
    int64_t span = now - first;
    int64_t from = first + static_cast<int64_t>(rng() % static_cast<uint64_t>(std::max<int64_t>(
                                                            1, span - 30 * 86400)));
    query.since = from;
    query.until = from + 30 * 86400;
    auto t = Clock::now();
    auto r = (*reopened)->QueryMatches(query);
    month.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (!r.ok()) return 1;
    MatchQuery everything;
    everything.watchlist_id = "case";
    everything.limit = 50;
    t = Clock::now();
    r = (*reopened)->QueryMatches(everything);
    all.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (!r.ok()) return 1;
  }
  std::printf("articles            %zu\n", n);
  std::printf("ingest              %.0f articles/s (%.1f s, 2 threads)\n", n / seconds, seconds);
  std::printf("on disk             %.0f bytes/article (%.1f MB)\n",
              static_cast<double>(bytes) / static_cast<double>(n), bytes / 1e6);
  std::printf("query 30 days       p50 %.2f ms  p99 %.2f ms (first 50, 200 queries)\n",
              Percentile(month, 0.5), Percentile(month, 0.99));
  std::printf("query newest 50     p50 %.2f ms  p99 %.2f ms\n", Percentile(all, 0.5),
              Percentile(all, 0.99));
  reopened->reset();
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace mw

int main(int argc, char** argv) { return mw::Run(argc, argv); }
