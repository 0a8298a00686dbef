// store_writer: the child process of tests/unit/storage/crash_test.cc.
//
//   store_writer DIR FIRST COUNT
//
// Opens the store in DIR and writes articles FIRST .. FIRST+COUNT-1 (each
// large: ~64 KiB of text, ~192 KiB of raw HTML, matches, a fingerprint), one
// PutArticle each, and after each acknowledged write prints "ok N\n" and
// flushes stdout. The parent kills it with SIGKILL at an arbitrary moment
// and checks that every acknowledged article is intact. The content of
// article N is a function of N alone (CrashArticle), so the parent can check
// every byte.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/store.h"
#include "tests/unit/storage/crash_article.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: store_writer DIR FIRST COUNT\n");
    return 2;
  }
  const std::string dir = argv[1];
  const long first = std::strtol(argv[2], nullptr, 10);
  const long count = std::strtol(argv[3], nullptr, 10);
  auto store = mw::OpenRocksStore(dir, {});
  if (!store.ok()) {
    std::fprintf(stderr, "store_writer: %s\n", store.status().ToString().c_str());
    return 1;
  }
  std::printf("open\n");
  std::fflush(stdout);
  for (long n = first; n < first + count; ++n) {
    const mw::ArticleWrite write = mw::crash_test::CrashArticle(n);
    auto put = (*store)->PutArticle(write);
    // Already stored is fine: the previous writer may have committed it and
    // died before acknowledging (at-least-once).
    if (!put.ok() || put->article_id != write.article.id) {
      std::fprintf(stderr, "store_writer: article %ld: %s\n", n,
                   put.ok() ? "stored under another id" : put.status().ToString().c_str());
      return 1;
    }
    std::printf("ok %ld\n", n);
    std::fflush(stdout);
  }
  return 0;
}
