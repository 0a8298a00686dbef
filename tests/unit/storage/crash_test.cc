// Crash safety: a child process (tests/tools/store_writer) writes large
// articles and acknowledges each committed one on stdout; the test kills it
// with SIGKILL at seeded random moments — between writes, in the middle of
// a write, during memtable flushes — over several rounds on one database,
// and after each kill checks that the database opens and that every
// acknowledged article is intact, byte for byte, with its indexes, and has
// exactly one alert per watch-list: pending, or in the history once the
// writer acknowledged completing it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "storage/store.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/crash_article.h"

namespace mw {
namespace {

using crash_test::CrashArticle;
using crash_test::CrashCompletes;

// A running store_writer and the read end of its stdout.
struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child Spawn(const std::string& dir, long first, long count) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const std::string first_arg = std::to_string(first);
  const std::string count_arg = std::to_string(count);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(STORE_WRITER_BINARY, STORE_WRITER_BINARY, dir.c_str(), first_arg.c_str(),
          count_arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fdopen(fds[0], "r")};
}

// Checks article n as the writer stored it.
void ExpectIntact(Store& store, long n) {
  const ArticleWrite want = CrashArticle(n);
  Result<std::optional<ArticleRecord>> got = store.GetArticle(want.article.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value()) << "acknowledged article " << n << " is missing";
  const ArticleRecord& a = **got;
  EXPECT_EQ(a.url, want.article.url);
  EXPECT_EQ(a.title, want.article.title);
  EXPECT_EQ(a.language, want.article.language);
  EXPECT_EQ(a.published, want.article.published);
  EXPECT_EQ(a.simhash, want.article.simhash);
  EXPECT_FALSE(a.cluster_id.empty());
  EXPECT_TRUE(a.text == want.article.text) << "text of article " << n << " differs";
  Result<std::optional<std::string>> html = store.GetRawHtml(want.article.id);
  ASSERT_TRUE(html.ok() && html->has_value()) << n;
  EXPECT_TRUE(**html == want.raw_html) << "raw HTML of article " << n << " differs";
  EXPECT_EQ(*store.FindArticleIdByUrl(want.alias_urls[0]),
            std::optional<std::string>(want.article.id));
  Result<std::vector<MatchRecord>> matches = store.GetMatches(want.article.id);
  ASSERT_TRUE(matches.ok());
  EXPECT_EQ(matches->size(), want.matches.size()) << n;
}

// Reads an "ok N" or "done N" line into the sets.
void Acknowledge(const char* line, std::set<long>* stored, std::set<long>* completed, long* next) {
  long n = 0;
  if (std::sscanf(line, "ok %ld", &n) == 1) {
    stored->insert(n);
    *next = std::max(*next, n + 1);
  } else if (std::sscanf(line, "done %ld", &n) == 1) {
    completed->insert(n);
  }
}

// The outbox after a kill: every alert belongs to a stored article, and
// each acknowledged flagged article has exactly one alert per watch-list —
// in the history when its completion was acknowledged, else pending or (a
// completion committed but not acknowledged) in the history.
void ExpectAlertsExactlyOnce(Store& store, const std::set<long>& stored,
                             const std::set<long>& completed) {
  Result<std::vector<PendingAlert>> pending = store.PendingAlerts(1000000);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  Result<std::vector<AlertRecord>> history = store.AlertHistory("", 1000000);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_EQ(*store.CountPendingAlerts(), pending->size());
  std::map<std::string, int> pending_ids, history_ids;
  for (const PendingAlert& p : *pending) {
    ++pending_ids[p.alert.id];
    EXPECT_TRUE((*store.GetArticle(p.alert.article_id)).has_value()) << p.alert.id;
  }
  for (const AlertRecord& a : *history) ++history_ids[a.id];
  size_t expected = 0;
  for (long n : stored) {
    const ArticleWrite want = CrashArticle(n);
    for (const MatchRecord& m : want.matches) {
      ++expected;
      const std::string id = AlertIdFor(m.watchlist_id, want.article.id, "match", 1);
      const int in_outbox = pending_ids.count(id) ? pending_ids[id] : 0;
      const int in_history = history_ids.count(id) ? history_ids[id] : 0;
      EXPECT_EQ(in_outbox + in_history, 1) << "article " << n << ", alert " << id;
      if (completed.count(n)) {
        EXPECT_EQ(in_history, 1) << "article " << n;
      }
    }
  }
  for (const PendingAlert& p : *pending) {
    EXPECT_EQ(p.alert.event, "match");
    EXPECT_EQ(p.alert.version, 1);
    EXPECT_FALSE(p.alert.target_ids.empty());
  }
  // Beyond the acknowledged ones, at most the alerts of the one article in
  // flight (two watch-lists).
  EXPECT_GE(pending->size() + history->size(), expected);
  EXPECT_LE(pending->size() + history->size(), expected + 2);
}

TEST(CrashTest, SigkillMidWriteLosesNoAcknowledgedArticle) {
  testing::TempDir dir;
  const std::string db = dir.str() + "/db";
  std::mt19937 rng(20261127);
  std::set<long> acknowledged;
  std::set<long> completed;  // articles whose alerts the writer completed
  long next = 0;
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Child child = Spawn(db, next, 1000);
    ASSERT_GT(child.pid, 0);
    ASSERT_NE(child.out, nullptr);
    // Wait for the open, then for a random number of acknowledgements, then
    // a random few hundred microseconds into the following write(s).
    const int acks_before_kill = std::uniform_int_distribution<int>(3, 30)(rng);
    const int delay_us = std::uniform_int_distribution<int>(0, 3000)(rng);
    char line[64];
    int acks = 0;
    while (acks < acks_before_kill && std::fgets(line, sizeof line, child.out) != nullptr) {
      Acknowledge(line, &acknowledged, &completed, &next);
      if (std::strncmp(line, "ok ", 3) == 0) ++acks;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    ASSERT_EQ(kill(child.pid, SIGKILL), 0);
    // Acknowledgements already in the pipe were committed too.
    while (std::fgets(line, sizeof line, child.out) != nullptr) {
      Acknowledge(line, &acknowledged, &completed, &next);
    }
    std::fclose(child.out);
    int status = 0;
    ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "the writer ended before it was killed (status " << status << ")";
    ASSERT_EQ(acks, acks_before_kill);

    // Recovery: a writable open replays the log.
    Result<std::unique_ptr<Store>> store = OpenRocksStore(db, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (long n : acknowledged) ExpectIntact(**store, n);
    // At most the one article in flight beyond those acknowledged, and the
    // counters agree with what is stored.
    Result<StoreStats> stats = (*store)->Stats();
    ASSERT_TRUE(stats.ok());
    const int64_t stored = stats->articles;
    EXPECT_GE(stored, static_cast<int64_t>(acknowledged.size()));
    EXPECT_LE(stored, static_cast<int64_t>(acknowledged.size()) + 1);
    int64_t per_feed = 0;
    for (const auto& [feed, count] : stats->articles_per_feed) per_feed += count;
    EXPECT_EQ(per_feed, stored);
    int64_t feed_counts = 0;
    Result<std::vector<FeedState>> feeds = (*store)->ListFeedStates();
    ASSERT_TRUE(feeds.ok());
    for (const FeedState& f : *feeds) feed_counts += f.articles_stored;
    EXPECT_EQ(feed_counts, stored);
    MatchQuery all;
    all.flagged_only = false;
    all.limit = 100000;
    EXPECT_EQ(static_cast<int64_t>((*store)->QueryMatches(all)->size()), stored);
    ExpectAlertsExactlyOnce(**store, acknowledged, completed);
    EXPECT_EQ(stats->alerts_pending, static_cast<int64_t>(*(*store)->CountPendingAlerts()));
    if (HasFailure()) return;
  }
  EXPECT_GE(acknowledged.size(), static_cast<size_t>(kRounds * 3));
  EXPECT_FALSE(completed.empty());
}

}  // namespace
}  // namespace mw
