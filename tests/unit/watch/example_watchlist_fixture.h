// A test fixture holding a matcher for the bundled example watch-list
// (feeds/watchlists/guan-heng.toml), shared by the watch tests that check it
// against real text.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/test_support.h"
#include "watch/matcher.h"

namespace mw::testing {

class ExampleWatchlistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = TextNormalizer::Create({});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value();
    auto list = LoadWatchlistFile(SourceDir() / "feeds" / "watchlists" / "guan-heng.toml");
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    auto m = WatchlistMatcher::Create({*list}, normalizer_.get());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    matcher_ = std::move(m).value();
  }

  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<WatchlistMatcher> matcher_;
};

}  // namespace mw::testing
