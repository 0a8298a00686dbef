// Shared by the crawler tests that run passes against a loopback server: a
// matcher for the watch-list they all use, loopback crawl options, and a
// feed entry.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "crawler/config.h"
#include "crawler/pipeline.h"
#include "text/normalizer.h"
#include "watch/matcher.h"
#include "watch/watchlist.h"

namespace mw::crawl_fixtures {

// Watch-list "w" with one entity "g" named "Guan Heng", and the normalizer
// it was compiled with (which must outlive the matcher: keep both).
struct GuanHengMatcher {
  std::unique_ptr<TextNormalizer> normalizer;
  std::unique_ptr<WatchlistMatcher> matcher;
};

inline GuanHengMatcher MakeGuanHengMatcher() {
  GuanHengMatcher out;
  auto n = TextNormalizer::Create({});
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  if (!n.ok()) return out;
  out.normalizer = std::move(n).value();
  auto w =
      ParseWatchlist("id = \"w\"\n[[entity]]\nid = \"g\"\nnames = [\"Guan Heng\"]\n", "w.toml");
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return out;
  auto m = WatchlistMatcher::Create({*w}, out.normalizer.get());
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (m.ok()) out.matcher = std::move(m).value();
  return out;
}

// Options for a pass against 127.0.0.1 servers: no host delay, no robots.txt.
inline CrawlOptions LoopbackCrawlOptions() {
  CrawlOptions o;
  o.fetcher.allowed_cidrs = {"127.0.0.0/8"};
  o.fetcher.min_host_delay_ms = 0;
  o.respect_robots = false;
  return o;
}

// An English feed of outlet "Outlet ID" at `url`.
inline FeedConfig EnglishFeed(const std::string& id, const std::string& url) {
  FeedConfig feed;
  feed.id = id;
  feed.url = url;
  feed.language = "en";
  feed.source = "Outlet " + id;
  return feed;
}

}  // namespace mw::crawl_fixtures
