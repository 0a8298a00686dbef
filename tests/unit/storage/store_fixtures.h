// Shared by the storage tests: articles and matches with every field set,
// and small helpers over Store results.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"

namespace mw::store_fixtures {

inline ArticleRecord MakeArticle(const std::string& url, int64_t fetched_at,
                                 std::optional<int64_t> published = std::nullopt) {
  ArticleRecord a;
  a.url = url;
  a.id = ArticleIdForUrl(url);
  a.fetched_url = url + "?from=feed";
  a.feed_id = "feed-1";
  a.source = "Example News";
  a.language = "en";
  a.title = "Title of " + url;
  a.text = "First block.\nSecond block.";
  a.byline = "A. Reporter";
  a.charset = "utf-8";
  a.published = published;
  a.fetched_at = fetched_at;
  return a;
}

inline MatchRecord MakeMatch(const std::string& watchlist, const std::string& target) {
  MatchRecord m;
  m.watchlist_id = watchlist;
  m.target_id = target;
  m.kind = "keyword";
  m.term = "term-" + target;
  m.field = "text";
  m.snippet = "... " + target + " ...";
  m.count = 2;
  return m;
}

inline void ExpectSameArticle(const ArticleRecord& got, const ArticleRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.url, want.url);
  EXPECT_EQ(got.fetched_url, want.fetched_url);
  EXPECT_EQ(got.feed_id, want.feed_id);
  EXPECT_EQ(got.source, want.source);
  EXPECT_EQ(got.language, want.language);
  EXPECT_EQ(got.title, want.title);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(got.byline, want.byline);
  EXPECT_EQ(got.charset, want.charset);
  EXPECT_EQ(got.published, want.published);
  EXPECT_EQ(got.fetched_at, want.fetched_at);
}

inline std::unique_ptr<Store> OpenOrDie(const std::string& dir, StoreOptions options = {}) {
  Result<std::unique_ptr<Store>> store = OpenRocksStore(dir, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

inline StoreOptions ReadOnly() {
  StoreOptions options;
  options.read_only = true;
  return options;
}

inline std::vector<std::string> HitUrls(const std::vector<MatchHit>& hits) {
  std::vector<std::string> urls;
  for (const MatchHit& hit : hits) urls.push_back(hit.article.url);
  return urls;
}

inline std::vector<std::string> MatchTargets(const MatchHit& hit) {
  std::vector<std::string> targets;
  for (const MatchRecord& m : hit.matches) targets.push_back(m.watchlist_id + "/" + m.target_id);
  return targets;
}

}  // namespace mw::store_fixtures
