// Storage benchmark (issue 6): ingest N synthetic articles (default
// 1,000,000) into a fresh RocksDB store through the public Store API, then
// time queries.
//
//   build/release/bench/ingest_bench [--articles N] [--dir DIR] [--keep]
//
// Articles: multilingual text of realistic size (English, Chinese, Uyghur
// paragraphs, 1.5-4 KB), one per synthetic minute over the last years, 2%
// carrying a match of watch-list "case" (entity "guan-heng"), spread over 40
// feeds and 3 languages, each with its SimHash fingerprint (1 in 25 a
// copy of a recent story with a sentence added: a wire copy, so clusters form). Ingest uses 2
// writer threads (the machine's cores), as the crawler's article workers do.
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
#include <ctime>
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

// Sentence pools: each article is 1.5-4 KB of sentences drawn from a pool of
// kPoolSentences per language, each sentence 8-20 words drawn from a
// vocabulary of kVocabulary made-up words (Latin letters for English,
// two Han characters for Chinese, Arabic-script syllables for Uyghur). Two
// articles then share few sentences, so their fingerprints are as far apart
// as two real stories' (about 32 bits), and clusters form only from copies.
constexpr size_t kPoolSentences = 20000;
constexpr size_t kVocabulary = 8000;

std::string Utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

std::vector<std::string> Vocabulary(std::mt19937_64& rng, int language) {
  static const char32_t kUyghurLetters[] = {0x627, 0x628, 0x67E, 0x62A, 0x62C, 0x686, 0x62E, 0x62F,
                                            0x631, 0x632, 0x633, 0x634, 0x63A, 0x641, 0x642, 0x643,
                                            0x6AF, 0x644, 0x645, 0x646, 0x6BE, 0x648, 0x6C7, 0x6C6,
                                            0x6C8, 0x6CB, 0x6D0, 0x649, 0x64A, 0x6D5};
  std::vector<std::string> words;
  words.reserve(kVocabulary);
  for (size_t i = 0; i < kVocabulary; ++i) {
    std::string w;
    const size_t letters = 3 + rng() % 7;
    for (size_t j = 0; j < letters; ++j) {
      if (language == 0) {
        w += static_cast<char>('a' + rng() % 26);
      } else if (language == 1) {
        if (j == 2) break;  // two-character words
        w += Utf8(0x4E00 + static_cast<char32_t>(rng() % 0x51A5));
      } else {
        w += Utf8(kUyghurLetters[rng() % std::size(kUyghurLetters)]);
      }
    }
    words.push_back(std::move(w));
  }
  return words;
}

std::vector<std::string> SentencePool(std::mt19937_64& rng, int language) {
  const std::vector<std::string> words = Vocabulary(rng, language);
  std::vector<std::string> pool;
  pool.reserve(kPoolSentences);
  for (size_t i = 0; i < kPoolSentences; ++i) {
    std::string sentence;
    const size_t n = 8 + rng() % 13;
    for (size_t j = 0; j < n; ++j) {
      sentence += words[rng() % words.size()];
      if (language != 1) sentence += ' ';
    }
    sentence += language == 1 ? "。" : ". ";
    pool.push_back(std::move(sentence));
  }
  return pool;
}

// An article as sentence indexes into its language's pool.
std::vector<uint32_t> Story(std::mt19937_64& rng) {
  std::vector<uint32_t> story(12 + rng() % 24);
  for (uint32_t& s : story) s = static_cast<uint32_t>(rng() % kPoolSentences);
  return story;
}

std::string Render(const std::vector<std::string>& pool, const std::vector<uint32_t>& story,
                   std::mt19937_64& rng) {
  std::string out;
  for (uint32_t s : story) {
    out += pool[s];
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
  int threads = 2;
  bool fingerprints = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--articles" && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--no-fingerprints") {
      fingerprints = false;
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: ingest_bench [--articles N] [--threads T] [--no-fingerprints] [--dir "
                   "DIR] [--keep]\n");
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
  std::vector<std::vector<std::string>> pools;
  {
    std::mt19937_64 pool_rng(7);
    for (int language = 0; language < 3; ++language) {
      pools.push_back(SentencePool(pool_rng, language));
    }
  }
  std::atomic<size_t> copies{0};
  auto worker = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    // This worker's latest stories per language: the sources of wire copies.
    std::vector<std::vector<std::vector<uint32_t>>> recent(3);
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
      // Every 25th article is a wire copy of one of the worker's recent
      // stories in its language with the outlet's own closing sentence
      // added, so syndication clusters form as they do in a crawl.
      std::vector<std::vector<uint32_t>>& mine = recent[language];
      std::vector<uint32_t> story;
      if (i % 25 == 24 && !mine.empty()) {
        story = mine[rng() % mine.size()];
        story.push_back(static_cast<uint32_t>(rng() % kPoolSentences));
        ++copies;
      } else {
        story = Story(rng);
        if (mine.size() == 32) mine.erase(mine.begin());
        mine.push_back(story);
      }
      a.text = Render(pools[language], story, rng);
      // The crawler fingerprints the folded text; the synthetic text is
      // already lower-case, so the cost is the same.
      a.simhash = fingerprints ? SimHash64(a.text) : 0;
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
  const auto cpu_start = std::clock();
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) writers.emplace_back(worker, static_cast<uint64_t>(t + 1));
  for (std::thread& t : writers) t.join();
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
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
  // Timelines: one year by day for the entity, plain and split by language.
  std::vector<double> year;
  std::vector<double> year_split;
  int64_t year_articles = 0;
  for (int q = 0; q < 50; ++q) {
    TimelineQuery query;
    query.filters.target_id = "guan-heng";
    const int64_t span = now - first;
    const int64_t from =
        first + static_cast<int64_t>(
                    rng() % static_cast<uint64_t>(std::max<int64_t>(1, span - 365 * 86400)));
    query.filters.since = from;
    query.filters.until = from + 365 * 86400;
    auto t = Clock::now();
    auto r = (*reopened)->Timeline(query);
    year.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (!r.ok()) return 1;
    if (q == 0) {
      for (const TimelineCount& c : *r) year_articles += c.articles;
    }
    query.split = TimelineSplit::kLanguage;
    t = Clock::now();
    r = (*reopened)->Timeline(query);
    year_split.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (!r.ok()) return 1;
  }
  // Clustering: every copy should have joined its original's cluster, and
  // originals should (almost all) be alone.
  size_t copies_checked = 0, copies_joined = 0, originals_checked = 0, originals_alone = 0;
  for (size_t i = 24; i < n && copies_checked < 2000; i += 25 * (1 + n / 50000)) {
    const std::string url =
        "https://outlet" + std::to_string(i % 40) + ".example/news/" + std::to_string(i);
    auto copy = (*reopened)->GetArticle(ArticleIdForUrl(url));
    if (!copy.ok() || !copy->has_value()) return 1;
    ++copies_checked;
    if ((*copy)->cluster_id != (*copy)->id) ++copies_joined;
    const std::string original_url =
        "https://outlet" + std::to_string((i + 1) % 40) + ".example/news/" + std::to_string(i + 1);
    auto original = (*reopened)->GetArticle(ArticleIdForUrl(original_url));
    if (original.ok() && original->has_value()) {
      ++originals_checked;
      if ((*reopened)->ClusterMembers((*original)->cluster_id, 3)->size() <= 2) ++originals_alone;
    }
  }
  std::printf("articles            %zu (%zu wire copies)\n", n, copies.load());
  std::printf("ingest              %.0f articles/s (%.1f s, %d threads; %.0f us CPU/article)\n",
              n / seconds, seconds, threads, cpu_seconds * 1e6 / static_cast<double>(n));
  std::printf("on disk             %.0f bytes/article (%.1f MB)\n",
              static_cast<double>(bytes) / static_cast<double>(n), bytes / 1e6);
  std::printf("query 30 days       p50 %.2f ms  p99 %.2f ms (first 50, 200 queries)\n",
              Percentile(month, 0.5), Percentile(month, 0.99));
  std::printf("query newest 50     p50 %.2f ms  p99 %.2f ms\n", Percentile(all, 0.5),
              Percentile(all, 0.99));
  std::printf("timeline 1 year/day p50 %.2f ms  p99 %.2f ms (%lld articles in the first)\n",
              Percentile(year, 0.5), Percentile(year, 0.99), static_cast<long long>(year_articles));
  std::printf("  split by language p50 %.2f ms  p99 %.2f ms (50 queries each)\n",
              Percentile(year_split, 0.5), Percentile(year_split, 0.99));
  std::printf(
      "clusters            %zu/%zu sampled copies joined a cluster; %zu/%zu sampled "
      "originals have at most one copy\n",
      copies_joined, copies_checked, originals_alone, originals_checked);
  reopened->reset();
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace mw

int main(int argc, char** argv) { return mw::Run(argc, argv); }
