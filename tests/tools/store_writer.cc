// store_writer: the child process of tests/unit/storage/crash_test.cc.
//
//   store_writer DIR FIRST COUNT
//
// Opens the store in DIR and writes articles FIRST .. FIRST+COUNT-1 (each
// large: ~64 KiB of text, ~192 KiB of raw HTML, matches, a fingerprint), one
// PutArticle each, and after each acknowledged write prints "ok N\n" and
// flushes stdout; for the articles of CrashCompletes(N) it then completes
// their alerts (Store::CompleteAlerts) and prints "done N\n". The parent kills it with SIGKILL at
// an arbitrary moment and checks that every acknowledged article is intact. The content of article
// N is a function of N alone (CrashArticle), so the parent can check every byte.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

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
    if (mw::crash_test::CrashCompletes(n)) {
      // Moves the article's alerts from the outbox to the history, as the
      // alert dispatcher does; repeating it after a crash is a no-op.
      std::vector<std::string> ids;
      for (const mw::MatchRecord& m : write.matches) {
        ids.push_back(mw::AlertIdFor(m.watchlist_id, write.article.id, "match", 1));
      }
      const mw::Status done = (*store)->CompleteAlerts(ids, write.article.fetched_at + 60);
      if (!done.ok()) {
        std::fprintf(stderr, "store_writer: completing alerts of %ld: %s\n", n,
                     done.ToString().c_str());
        return 1;
      }
      std::printf("done %ld\n", n);
      std::fflush(stdout);
    }
  }
  return 0;
}
