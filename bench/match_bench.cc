// Normalization + matching throughput (MB/s of original text) with 100 and
// with 10,000 watch-list terms, against `grep -F -f TERMS` over the same
// text with the same terms, in one run:
//
//   BM_Fold                  folding with the offset map alone
//   BM_FoldAndMatch/N        MatchAll (fold title + text, scan, check
//                            boundaries, map spans, snippets) with N terms
//   BM_GrepF/N               grep -F -c -f terms text (a child process;
//                            wall time, includes its start-up)
//
// The text is the real RFA English, Mandarin and Uyghur feeds of
// ../shared: 45 articles (title + content as plain text, 2-17 KB each),
// matched one article at a time as the crawler does, repeated to ~4 MB of
// mixed-language text per iteration. grep gets the same text as one file. Terms: the example
// watch-list's terms plus generated names in Latin, Chinese and Uyghur script, so that larger term
// sets are realistic alphabets rather than one repeated prefix. Run:
// build/release/bench/match_bench
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/feed_parser.h"
#include "parsers/feed_text.h"
#include "watch/matcher.h"

namespace mw {
namespace {

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("MEDIAWATCH_SHARED_DIR"); env && *env) return env;
  return std::filesystem::path(MW_SOURCE_DIR) / ".." / "shared";
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Article {
  std::string title;
  std::string text;
};

// The articles, repeated to about 4 MB.
const std::vector<Article>& Articles() {
  static const std::vector<Article> articles = [] {
    std::vector<Article> one;
    for (const char* f : {"rfa-english-nuus.xml", "rfa-mandarin-nuus.xml", "rfa-uyghur-nuus.xml"}) {
      std::string xml = ReadFile(SharedDir() / "corpora" / "multilingual" / "rss" / f);
      Result<Feed> feed = ParseFeed(xml, "application/rss+xml", "https://www.rfa.org/");
      if (!feed.ok()) {
        std::fprintf(stderr, "match_bench: cannot read %s\n", f);
        std::exit(1);
      }
      for (const FeedEntry& e : feed->entries) {
        one.push_back(
            {e.title, feed_internal::HtmlToText(e.content.empty() ? e.summary : e.content)});
      }
    }
    std::vector<Article> out;
    size_t bytes = 0;
    while (bytes < (4u << 20)) {
      for (const Article& a : one) {
        out.push_back(a);
        bytes += a.title.size() + a.text.size();
      }
    }
    return out;
  }();
  return articles;
}

int64_t TotalBytes() {
  int64_t n = 0;
  for (const Article& a : Articles()) n += static_cast<int64_t>(a.title.size() + a.text.size());
  return n;
}

// All articles as one text (for grep).
std::string AllText() {
  std::string out;
  for (const Article& a : Articles()) out += a.title + "\n" + a.text + "\n";
  return out;
}

// `n` terms: the example list's keyword terms first, then generated names.
std::vector<std::string> Terms(size_t n) {
  std::vector<std::string> terms = {"Guan Heng", "关恒",           "گۇەن خېڭ", "Xinjiang",
                                    "新疆",      "شىنجاڭ",         "Uyghur",   "ئۇيغۇر",
                                    "维吾尔",    "detention camp", "集中营",   "جازا لاگېرى",
                                    "asylum",    "deport*",        "遣返"};
  std::mt19937 rng(42);
  const std::vector<std::string> latin = {"ka", "li",  "mo",  "ren", "su",  "tan", "vel", "xi",
                                          "yo", "zen", "bar", "dor", "fen", "gal", "hu",  "jin"};
  const std::vector<std::string> han = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                        "明", "华", "强", "伟", "芳", "军", "平", "东", "海", "林"};
  const std::vector<std::string> uey = {"ئا", "با", "تو", "را", "سە", "مۇ", "نى", "قا",
                                        "لې", "دۈ", "شا", "خې", "يۈ", "جا", "پو", "كې"};
  while (terms.size() < n) {
    size_t kind = terms.size() % 3;
    std::string t;
    if (kind == 0) {
      for (int i = 0; i < 3; ++i) t += latin[rng() % latin.size()];
      t += " ";
      for (int i = 0; i < 2; ++i) t += latin[rng() % latin.size()];
    } else if (kind == 1) {
      for (int i = 0; i < 3; ++i) t += han[rng() % han.size()];
    } else {
      for (int i = 0; i < 3; ++i) t += uey[rng() % uey.size()];
    }
    terms.push_back(std::move(t));
  }
  terms.resize(n);
  return terms;
}

std::string WatchlistToml(const std::vector<std::string>& terms) {
  std::string toml = "id = \"bench\"\n";
  for (size_t i = 0; i < terms.size(); ++i) {
    toml += "[[keyword]]\nid = \"k" + std::to_string(i) + "\"\nterms = [\"" + terms[i] + "\"]\n";
  }
  return toml;
}

const TextNormalizer& Normalizer() {
  static const std::unique_ptr<TextNormalizer> n = [] {
    auto r = TextNormalizer::Create({});
    if (!r.ok()) std::exit(1);
    return std::move(r).value();
  }();
  return *n;
}

void BM_Fold(benchmark::State& state) {
  for (auto _ : state) {
    for (const Article& a : Articles()) {
      benchmark::DoNotOptimize(Normalizer().FoldWithOffsets(a.title));
      benchmark::DoNotOptimize(Normalizer().FoldWithOffsets(a.text));
    }
  }
  state.SetBytesProcessed(state.iterations() * TotalBytes());
}
BENCHMARK(BM_Fold)->Unit(benchmark::kMillisecond);

void BM_FoldAndMatch(benchmark::State& state) {
  auto list = ParseWatchlist(WatchlistToml(Terms(static_cast<size_t>(state.range(0)))), "bench");
  if (!list.ok()) {
    state.SkipWithError(list.status().ToString().c_str());
    return;
  }
  auto matcher = WatchlistMatcher::Create({*list}, &Normalizer());
  if (!matcher.ok()) {
    state.SkipWithError(matcher.status().ToString().c_str());
    return;
  }
  size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    for (const Article& a : Articles()) {
      MatchResult r = (*matcher)->MatchAll(a.title, a.text);
      hits += r.targets.size();
      benchmark::DoNotOptimize(r);
    }
  }
  state.counters["targets_hit"] = static_cast<double>(hits);
  state.SetBytesProcessed(state.iterations() * TotalBytes());
}
BENCHMARK(BM_FoldAndMatch)->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_GrepF(benchmark::State& state) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "mw_match_bench";
  std::filesystem::create_directories(dir);
  std::filesystem::path text_path = dir / "text.txt";
  std::filesystem::path terms_path = dir / ("terms" + std::to_string(state.range(0)) + ".txt");
  {
    std::ofstream(text_path, std::ios::binary) << AllText();
    std::ofstream out(terms_path, std::ios::binary);
    for (const std::string& t : Terms(static_cast<size_t>(state.range(0)))) {
      out << (t.back() == '*' ? t.substr(0, t.size() - 1) : t) << "\n";
    }
  }
  std::string command =
      "grep -F -i -c -f '" + terms_path.string() + "' '" + text_path.string() + "' > /dev/null";
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    int rc = std::system(command.c_str());
    auto end = std::chrono::steady_clock::now();
    if (rc == -1) state.SkipWithError("cannot run grep");
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
  state.SetBytesProcessed(state.iterations() * TotalBytes());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_GrepF)->Arg(100)->Arg(10000)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mw
