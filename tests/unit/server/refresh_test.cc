// ServerOptions::refresh_interval_ms (server/server.h): a server over a
// follower store (StoreOptions::follow) shows what a writer stores after it
// started, refreshes no more often than asked, and keeps serving when a
// refresh fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/server.h"
#include "storage/store.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;

ArticleRecord Article(int n) {
  ArticleRecord a;
  a.url = "https://news.example.org/story/" + std::to_string(n);
  a.id = ArticleIdForUrl(a.url);
  a.feed_id = "feed";
  a.source = "Example";
  a.language = "en";
  a.title = "Story " + std::to_string(n);
  a.text = "Guan Heng filmed the camps.";
  a.fetched_at = 1769644800 + n;
  return a;
}

MatchRecord Match() {
  MatchRecord m;
  m.watchlist_id = "case";
  m.target_id = "guan-heng";
  m.kind = "entity";
  m.term = "Guan Heng";
  m.field = "text";
  m.snippet = "Guan Heng filmed the camps.";
  m.count = 1;
  return m;
}

class RefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> writer = OpenRocksStore(dir_.str(), {});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer_ = std::move(writer).value();
    ASSERT_TRUE(*writer_->PutArticle(Article(1), {Match()}));
  }

  std::unique_ptr<Store> Open(StoreOptions options) {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(dir_.str(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static std::unique_ptr<server::Server> Start(Store* store, server::ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    Result<std::unique_ptr<server::Server>> s = server::Server::Start(store, std::move(options));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // GET path on the server as JSON; null (and a test failure) when not 200.
  static json Get(const server::Server& s, const std::string& path) {
    httplib::Client c("127.0.0.1", s.port());
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    auto r = c.Get(path);
    EXPECT_TRUE(r) << path << ": " << httplib::to_string(r.error());
    if (!r) return nullptr;
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    if (r->status != 200) return nullptr;
    return json::parse(r->body);
  }

  static size_t Items(const server::Server& s) {
    const json page = Get(s, "/api/v1/matches?limit=100");
    return page.is_object() ? page["items"].size() : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> writer_;
};

TEST_F(RefreshTest, ShowsArticlesStoredAfterItStarted) {
  StoreOptions follow;
  follow.follow = true;
  auto follower = Open(follow);
  ASSERT_NE(follower, nullptr);
  server::ServerOptions options;
  options.refresh_interval_ms = 0;  // before every API request
  auto s = Start(follower.get(), options);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(Get(*s, "/api/v1/stats")["articles"], 1);
  EXPECT_EQ(Items(*s), 1u);

  ASSERT_TRUE(*writer_->PutArticle(Article(2), {Match()}));
  ASSERT_TRUE(*writer_->PutArticle(Article(3), {}));

  const json stats = Get(*s, "/api/v1/stats");
  EXPECT_EQ(stats["articles"], 3);
  EXPECT_EQ(stats["per_watchlist"]["case"]["articles"], 2);
  EXPECT_EQ(Items(*s), 2u);
  const json article = Get(*s, "/api/v1/articles/" + Article(3).id);
  ASSERT_TRUE(article.is_object());
}

TEST_F(RefreshTest, RefreshesAtMostOncePerInterval) {
  StoreOptions follow;
  follow.follow = true;
  auto follower = Open(follow);
  ASSERT_NE(follower, nullptr);
  server::ServerOptions options;
  options.refresh_interval_ms = 3600 * 1000;  // not within this test
  auto s = Start(follower.get(), options);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(*writer_->PutArticle(Article(2), {Match()}));
  EXPECT_EQ(Get(*s, "/api/v1/stats")["articles"], 1);  // the view as of the start
  EXPECT_EQ(Items(*s), 1u);

  // A negative interval never refreshes.
  s.reset();
  options.refresh_interval_ms = -1;
  s = Start(follower.get(), options);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(Get(*s, "/api/v1/stats")["articles"], 1);
}

// A store whose refresh fails (a read-only one cannot refresh): the error
// is reported once, and the API keeps answering from the view it has.
TEST_F(RefreshTest, AFailedRefreshIsReportedOnceAndServingGoesOn) {
  writer_.reset();
  StoreOptions read_only;
  read_only.read_only = true;
  auto store = Open(read_only);
  ASSERT_NE(store, nullptr);
  std::mutex mu;
  std::vector<Status> reported;
  server::ServerOptions options;
  options.refresh_interval_ms = 0;
  options.on_refresh_error = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    reported.push_back(s);
  };
  auto s = Start(store.get(), options);
  ASSERT_NE(s, nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(*s, "/api/v1/stats")["articles"], 1);
  // Static files do not refresh at all.
  httplib::Client c("127.0.0.1", s->port());
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace mw
