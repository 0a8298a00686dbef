// Article extraction throughput over the readability-pages corpus in
// ../shared, single thread, in pages per second:
//
//   BM_GumboParseOnly      gumbo_parse + gumbo_destroy_output of each page
//                          (the baseline: the cost of parsing the page at all)
//   BM_DecodeParseExtract  DecodeHtml + ExtractArticle (our whole path)
//
// The target is BM_DecodeParseExtract >= 80% of BM_GumboParseOnly's pages/s,
// measured in the same run. Run:
//   build/release/bench/extract_bench [--benchmark_repetitions=3]
// The corpus is read from $MEDIAWATCH_SHARED_DIR or <source>/../shared.
//
// The baseline calls Gumbo directly on purpose: it measures the library
// itself, not a wrapper of ours.
#include <benchmark/benchmark.h>
#include <gumbo.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/article_extractor.h"
#include "parsers/charset.h"
#include "parsers/html_tree.h"

namespace mw {
namespace {

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("MEDIAWATCH_SHARED_DIR"); env && *env) return env;
  return std::filesystem::path(MW_SOURCE_DIR) / ".." / "shared";
}

// Pages are loaded once; a missing corpus aborts the run loudly.
const std::vector<std::string>& Pages() {
  static const std::vector<std::string> pages = [] {
    std::vector<std::string> out;
    std::filesystem::path root = SharedDir() / "corpora" / "readability-pages" / "pages";
    std::error_code ec;
    std::vector<std::filesystem::path> dirs;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    for (const auto& dir : dirs) {
      std::ifstream in(dir / "source.html", std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      if (!s.str().empty()) out.push_back(s.str());
    }
    if (out.empty()) {
      std::fprintf(stderr, "extract_bench: no pages under %s\n", root.c_str());
      std::exit(1);
    }
    return out;
  }();
  return pages;
}

int64_t TotalBytes() {
  int64_t n = 0;
  for (const std::string& p : Pages()) n += static_cast<int64_t>(p.size());
  return n;
}

void BM_GumboParseOnly(benchmark::State& state) {
  const std::vector<std::string>& pages = Pages();
  for (auto _ : state) {
    for (const std::string& page : pages) {
      GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, page.data(), page.size());
      benchmark::DoNotOptimize(out->root);
      gumbo_destroy_output(&kGumboDefaultOptions, out);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pages.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes());
  state.counters["pages/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * pages.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GumboParseOnly)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// For locating costs: Gumbo plus the copy into our flat tree (no decoding,
// no extraction). Not part of the target.
void BM_ParseTreeOnly(benchmark::State& state) {
  const std::vector<std::string>& pages = Pages();
  for (auto _ : state) {
    for (const std::string& page : pages) {
      benchmark::DoNotOptimize(html::ParseHtmlTree(page, {.max_depth = 512}));
    }
  }
  state.counters["pages/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * pages.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseTreeOnly)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_DecodeParseExtract(benchmark::State& state) {
  const std::vector<std::string>& pages = Pages();
  size_t failures = 0;
  for (auto _ : state) {
    for (const std::string& page : pages) {
      Result<DecodedText> decoded = DecodeHtml(page, "");
      if (!decoded.ok()) {
        ++failures;
        continue;
      }
      Result<ExtractedArticle> a = ExtractArticle(decoded->utf8, "http://fakehost/test/page.html");
      if (!a.ok()) ++failures;
      benchmark::DoNotOptimize(a);
    }
  }
  if (failures > 0) state.SkipWithError("extraction failed on some pages");
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pages.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes());
  state.counters["pages/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * pages.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeParseExtract)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace mw
