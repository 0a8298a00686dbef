// The articles of the crash test (crash_test.cc, tests/tools/store_writer.cc):
// article N's every field, text and raw HTML are a function of N, so the
// test can check each acknowledged article byte for byte after a SIGKILL,
// and its alerts.
#pragma once

#include <cstdint>
#include <string>

#include "storage/store.h"

namespace mw::crash_test {

inline std::string CrashUrl(long n) { return "https://crash.example/story/" + std::to_string(n); }

// Deterministic filler: lower-case "words" from a xorshift stream seeded by
// n and `salt` (8 letters or separators per step: cheap in debug builds).
inline std::string Filler(long n, uint64_t salt, size_t bytes) {
  uint64_t x = 0x9e3779b97f4a7c15ULL ^ (static_cast<uint64_t>(n) * 0xbf58476d1ce4e5b9ULL) ^ salt;
  std::string out(bytes, ' ');
  for (size_t i = 0; i < bytes; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    for (size_t j = 0; j < 8 && i + j < bytes; ++j) {
      const unsigned v = (x >> (8 * j)) & 0xFF;
      out[i + j] = v < 26 * 9 ? static_cast<char>('a' + v % 26) : (v % 2 ? ' ' : '\n');
    }
  }
  return out;
}

inline ArticleWrite CrashArticle(long n) {
  ArticleWrite w;
  ArticleRecord& a = w.article;
  a.url = CrashUrl(n);
  a.id = ArticleIdForUrl(a.url);
  a.fetched_url = a.url;
  a.feed_id = "feed-" + std::to_string(n % 3);
  a.source = "Outlet " + std::to_string(n % 3);
  a.language = n % 2 ? "zh" : "ug";
  a.title = "Story " + std::to_string(n);
  a.text = Filler(n, 1, 64 << 10);
  a.published = 1769558400 + n * 60;
  a.fetched_at = 1769558400 + n * 60 + 5;
  // Fingerprints far apart (no clusters needed here, but the band keys are
  // written in the same batch and must survive too).
  a.simhash = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(n + 1) | 1;
  w.raw_html = "<html><body>" + Filler(n, 2, 192 << 10) + "</body></html>";
  w.alias_urls = {a.url + "?amp=1"};
  if (n % 4 == 0) {
    MatchRecord m;
    m.watchlist_id = "case";
    m.target_id = "guan-heng";
    m.kind = "entity";
    m.term = "Guan Heng";
    m.field = "text";
    m.snippet = "... Guan Heng " + std::to_string(n) + " ...";
    m.count = 1;
    w.matches.push_back(m);
    // Every other flagged article is in a second watch-list too: two
    // alerts in its batch.
    if (n % 8 == 0) {
      m.watchlist_id = "digest";
      m.target_id = "camps";
      m.term = "camps";
      w.matches.push_back(m);
    }
  }
  return w;
}

// The writer completes the alerts of these articles after storing them
// (and prints "done N" when that is committed).
inline bool CrashCompletes(long n) { return n % 8 == 4; }

}  // namespace mw::crash_test
