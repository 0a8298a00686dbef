// Throughput of the per-article pipeline stages on synthetic multilingual
// input. Run: build/release/bench/mediawatch_bench
// Compare stages against each other (e.g. extraction vs. a bare fold of the
// same bytes) in the same run, not against absolute numbers.
#include <benchmark/benchmark.h>

#include <string>

#include "parsers/article_extractor.h"
#include "parsers/charset.h"
#include "parsers/feed_parser.h"
#include "text/normalizer.h"
#include "watch/matcher.h"

namespace mw {
namespace {

std::string MixedParagraphs(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += "The court in New York heard the case of Guan Heng on day " + std::to_string(i) +
           ". 記者關恆在新疆拍攝了拘留營的畫面。 شىنجاڭدىكى لاگېرلار ھەققىدە خەۋەر.\n";
  }
  return out;
}

std::string Page(int paragraphs) {
  std::string body;
  std::string text = MixedParagraphs(paragraphs);
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    body += "<p>" + text.substr(start, nl - start) + "</p>\n";
    start = nl + 1;
  }
  return "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Story - "
         "Outlet</title></head><body>"
         "<nav><a href=\"/\">Home</a></nav><article><h1>Story</h1>" +
         body + "</article><footer>(c) Outlet</footer></body></html>";
}

std::string Rss(int items) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (int i = 0; i < items; ++i) {
    out += "<item><title>Story " + std::to_string(i) + " 關恆</title><link>http://example.test/" +
           std::to_string(i) +
           ".html</link><pubDate>Tue, 16 Dec 2025 10:00:00 GMT</pubDate>"
           "<description>&lt;p&gt;Summary of the story&lt;/p&gt;</description></item>";
  }
  return out + "</channel></rss>";
}

void BM_Fold(benchmark::State& state) {
  auto n = TextNormalizer::Create({});
  std::string text = MixedParagraphs(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize((*n)->Fold(text));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_Fold)->Arg(20)->Arg(200);

// English-only text skips the Traditional -> Simplified step.
void BM_FoldLatinOnly(benchmark::State& state) {
  auto n = TextNormalizer::Create({});
  std::string text;
  for (int i = 0; i < state.range(0); ++i) {
    text += "The court in New York heard the case of Guan Heng on day " + std::to_string(i) +
            ", while lawyers argued about removal to Uganda.\n";
  }
  for (auto _ : state) benchmark::DoNotOptimize((*n)->Fold(text));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_FoldLatinOnly)->Arg(200);

void BM_Match(benchmark::State& state) {
  auto n = TextNormalizer::Create({});
  auto list = ParseWatchlist(R"(
id = "w"
[[entity]]
id = "guan-heng"
names = ["Guan Heng", "Heng Guan", "关恒", "گۇەن خېڭ"]
[[keyword]]
id = "xinjiang"
terms = ["Xinjiang", "新疆", "شىنجاڭ", "شىنجاڭدىكى"]
[[keyword]]
id = "camps"
terms = ["detention camp", "拘留营", "لاگېرلار"]
)",
                             "bench.toml");
  auto m = WatchlistMatcher::Create({*list}, n->get());
  std::string text = MixedParagraphs(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize((*m)->Match("Story", text));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_Match)->Arg(20)->Arg(200);

void BM_ParseFeed(benchmark::State& state) {
  std::string feed = Rss(static_cast<int>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(ParseFeed(feed, "application/rss+xml", "http://example.test/rss"));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(feed.size()));
}
BENCHMARK(BM_ParseFeed)->Arg(50)->Arg(500);

void BM_DecodeAndExtract(benchmark::State& state) {
  std::string page = Page(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto decoded = DecodeHtml(page, "text/html");
    benchmark::DoNotOptimize(ExtractArticle(decoded->utf8, "http://example.test/a.html"));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(page.size()));
}
BENCHMARK(BM_DecodeAndExtract)->Arg(20)->Arg(200);

}  // namespace
}  // namespace mw
