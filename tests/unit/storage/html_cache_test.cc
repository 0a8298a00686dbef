// The worker-local raw-page cache (storage/html_cache.h): round trips,
// persistence, limits, and refusing directories that are not caches.
#include "storage/html_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<HtmlCache> OpenOk(const std::string& dir, bool read_only = false) {
  HtmlCacheOptions options;
  options.read_only = read_only;
  Result<std::unique_ptr<HtmlCache>> cache = HtmlCache::Open(dir, options);
  EXPECT_TRUE(cache.ok()) << cache.status().ToString();
  return cache.ok() ? std::move(cache).value() : nullptr;
}

TEST(HtmlCacheTest, PutGetRoundTripsBytes) {
  testing::TempDir tmp;
  std::unique_ptr<HtmlCache> cache = OpenOk((tmp.path() / "cache").string());
  ASSERT_NE(cache, nullptr);
  const char kPage[] = "<html>\0\xff\xfe bytes</html>";
  const std::string page(kPage, sizeof(kPage) - 1);
  ASSERT_TRUE(cache->Put("0123456789abcdef", page).ok());
  Result<std::optional<std::string>> got = cache->Get("0123456789abcdef");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, page);
  EXPECT_FALSE(cache->Get("fedcba9876543210")->has_value());
  // Ids Put refuses are never found, not even the marker's key.
  EXPECT_FALSE(cache->Get("")->has_value());
  EXPECT_FALSE(cache->Get(std::string_view("\0mediawatch.html_cache", 22))->has_value());
  EXPECT_EQ(cache->Put("", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache->Put(std::string_view("\0x", 2), "x").code(), StatusCode::kInvalidArgument);
  // Replacing a page keeps the last one.
  ASSERT_TRUE(cache->Put("0123456789abcdef", "second").ok());
  EXPECT_EQ(**cache->Get("0123456789abcdef"), "second");
}

TEST(HtmlCacheTest, PagesSurviveReopen) {
  testing::TempDir tmp;
  const std::string dir = (tmp.path() / "cache").string();
  {
    std::unique_ptr<HtmlCache> cache = OpenOk(dir);
    ASSERT_NE(cache, nullptr);
    ASSERT_TRUE(cache->Put("aaaaaaaaaaaaaaaa", "<p>kept</p>").ok());
  }
  std::unique_ptr<HtmlCache> again = OpenOk(dir);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(**again->Get("aaaaaaaaaaaaaaaa"), "<p>kept</p>");
  again.reset();
  std::unique_ptr<HtmlCache> reader = OpenOk(dir, /*read_only=*/true);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(**reader->Get("aaaaaaaaaaaaaaaa"), "<p>kept</p>");
  EXPECT_EQ(reader->Put("bbbbbbbbbbbbbbbb", "x").code(), StatusCode::kUnsupported);
}

TEST(HtmlCacheTest, RefusesOversizePages) {
  testing::TempDir tmp;
  std::unique_ptr<HtmlCache> cache = OpenOk((tmp.path() / "cache").string());
  ASSERT_NE(cache, nullptr);
  const Status s = cache->Put("aaaaaaaaaaaaaaaa", std::string(kMaxRawHtmlBytes + 1, 'h'));
  EXPECT_EQ(s.code(), StatusCode::kTooLarge) << s.ToString();
  EXPECT_FALSE(cache->Get("aaaaaaaaaaaaaaaa")->has_value());
}

TEST(HtmlCacheTest, RefusesWhatIsNotACache) {
  testing::TempDir tmp;
  EXPECT_EQ(HtmlCache::Open("", {}).status().code(), StatusCode::kInvalidArgument);

  const std::filesystem::path file = tmp.path() / "file";
  std::ofstream(file) << "not a directory";
  Result<std::unique_ptr<HtmlCache>> on_file = HtmlCache::Open(file.string(), {});
  EXPECT_EQ(on_file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(on_file.status().message(), HasSubstr("not a directory"));

  const std::filesystem::path other = tmp.path() / "other";
  std::filesystem::create_directories(other);
  std::ofstream(other / "notes.txt") << "mine";
  Result<std::unique_ptr<HtmlCache>> on_other = HtmlCache::Open(other.string(), {});
  EXPECT_EQ(on_other.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(on_other.status().message(), HasSubstr("not a mediawatch HTML cache"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(other), {}), 1);

  // A mediawatch store is a RocksDB database too, but not a cache.
  const std::string store_dir = (tmp.path() / "store").string();
  {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(store_dir, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  Result<std::unique_ptr<HtmlCache>> on_store = HtmlCache::Open(store_dir, {});
  EXPECT_EQ(on_store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(on_store.status().message(), HasSubstr("not a mediawatch HTML cache"));
  // ... and stays a working store.
  Result<std::unique_ptr<Store>> reopened = OpenRocksStore(store_dir, {});
  EXPECT_TRUE(reopened.ok()) << reopened.status().ToString();

  // Read-only needs an existing cache.
  HtmlCacheOptions read_only;
  read_only.read_only = true;
  EXPECT_EQ(HtmlCache::Open((tmp.path() / "missing").string(), read_only).status().code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "missing"));
}

TEST(HtmlCacheTest, OneWriterPerDirectory) {
  testing::TempDir tmp;
  const std::string dir = (tmp.path() / "cache").string();
  std::unique_ptr<HtmlCache> first = OpenOk(dir);
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<HtmlCache>> second = HtmlCache::Open(dir, {});
  EXPECT_EQ(second.status().code(), StatusCode::kIoError);
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
}

TEST(HtmlCacheTest, ConcurrentPutsAndGets) {
  testing::TempDir tmp;
  std::unique_ptr<HtmlCache> cache = OpenOk((tmp.path() / "cache").string());
  ASSERT_NE(cache, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        const std::string page = "<html>" + id + std::string(1000, 'x') + "</html>";
        EXPECT_TRUE(cache->Put(id, page).ok());
        Result<std::optional<std::string>> got = cache->Get(id);
        EXPECT_TRUE(got.ok() && got->has_value() && **got == page) << id;
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace
}  // namespace mw
