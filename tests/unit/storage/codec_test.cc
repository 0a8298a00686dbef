// Byte layouts of storage/codec.h: the documented key formats, and decoding
// of damaged values (kCorruption, never a crash).
#include "storage/codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace mw::storage_internal {
namespace {

using ::std::string_literals::operator""s;

ArticleRecord FullArticle() {
  ArticleRecord a;
  a.url = "https://example.com/a";
  a.id = ArticleIdForUrl(a.url);
  a.fetched_url = "https://example.com/a?utm=x";
  a.feed_id = "feed";
  a.source = "Example";
  a.language = "ug";
  a.title = "ئۇيغۇر";
  a.text = "line one\nline two";
  a.byline = "by me";
  a.charset = "utf-8";
  a.published = -5;  // before 1970: integers are two's complement
  a.fetched_at = 1700000000;
  return a;
}

TEST(CodecTest, TimeKeysSortNumerically) {
  const int64_t times[] = {std::numeric_limits<int64_t>::min(), -1, 0, 1, 1700000000,
                           std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < std::size(times); ++i) {
    EXPECT_LT(EncodeTime(times[i]), EncodeTime(times[i + 1])) << times[i];
  }
  EXPECT_EQ(EncodeTime(0), "\x80\0\0\0\0\0\0\0"s);
  EXPECT_EQ(EncodeTime(1), "\x80\0\0\0\0\0\0\x01"s);
  for (int64_t t : times) EXPECT_EQ(DecodeTime(EncodeTime(t)), t);
  EXPECT_EQ(DecodeTime("short"), std::nullopt);
}

TEST(CodecTest, MatchKeyLayout) {
  const std::string id = "0123456789abcdef";
  const std::string key = MatchKey("wl", 1, id, "t1");
  EXPECT_EQ(key, "\0\x02wl"s + EncodeTime(1) + id + "t1");
  std::optional<MatchKeyParts> parts = DecodeMatchKey(key);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->watchlist_id, "wl");
  EXPECT_EQ(parts->time, 1);
  EXPECT_EQ(parts->article_id, id);
  EXPECT_EQ(parts->target_id, "t1");
  // A watch-list whose id is a prefix of another's has a disjoint key range.
  EXPECT_FALSE(MatchKey("wlx", 1, id, "t").starts_with(MatchKeyPrefix("wl")));
  EXPECT_EQ(DecodeMatchKey(""), std::nullopt);
  EXPECT_EQ(DecodeMatchKey(key.substr(0, key.size() - 2)), std::nullopt);  // no target
  EXPECT_EQ(DecodeMatchKey("\xff\xff" + key.substr(2)), std::nullopt);
}

TEST(CodecTest, ArticleTimeKeyLayout) {
  const std::string id = "0123456789abcdef";
  const std::string key = ArticleTimeKey(-3, id);
  EXPECT_EQ(key, EncodeTime(-3) + id);
  std::optional<ArticleTimeKeyParts> parts = DecodeArticleTimeKey(key);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->time, -3);
  EXPECT_EQ(parts->article_id, id);
  EXPECT_EQ(DecodeArticleTimeKey(key + "x"), std::nullopt);
  EXPECT_EQ(DecodeArticleTimeKey(EncodeTime(1) + "0123456789ABCDEF"), std::nullopt);
}

TEST(CodecTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor("a\xff"), "b");
  EXPECT_EQ(PrefixSuccessor("\xff\xff"), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

TEST(CodecTest, ArticleRoundTripsIncludingInvalidUtf8) {
  ArticleRecord a = FullArticle();
  a.text += "\xff\xfe not UTF-8";  // stored byte-exact, not validated
  Result<ArticleRecord> back = DecodeArticle(EncodeArticle(a));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->text, a.text);
  EXPECT_EQ(back->title, a.title);
  EXPECT_EQ(back->published, a.published);
  EXPECT_EQ(back->fetched_at, a.fetched_at);

  a.published.reset();
  back = DecodeArticle(EncodeArticle(a));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->published.has_value());
}

TEST(CodecTest, UnknownFieldsAreSkipped) {
  // A newer build's tag 99 with a 3-byte payload, appended to a record.
  const std::string bytes = EncodeArticle(FullArticle()) + "\x63\x03xyz";
  Result<ArticleRecord> back = DecodeArticle(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->url, "https://example.com/a");
}

TEST(CodecTest, EveryTruncationOrFlipIsCorruptionOrValid) {
  const std::string good = EncodeArticle(FullArticle());
  for (size_t n = 0; n < good.size(); ++n) {
    Result<ArticleRecord> r = DecodeArticle(good.substr(0, n));
    // A cut on a field boundary may still decode; anything else must be
    // reported as corruption.
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << n;
    }
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Result<ArticleRecord> r = DecodeArticle(bad);
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
      }
    }
  }
  EXPECT_EQ(DecodeArticle("").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeArticle("\x02").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeArticle("\x01").status().code(), StatusCode::kCorruption);  // no id/url
  // An overlong varint and a length past the end.
  EXPECT_EQ(DecodeArticle("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01").status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeArticle("\x01\x02\x7f"
                          "abc")
                .status()
                .code(),
            StatusCode::kCorruption);
}

TEST(CodecTest, FeedStateAndMatchValues) {
  FeedState s;
  s.feed_id = "f";
  s.last_http_status = 304;
  s.consecutive_failures = 2;
  s.articles_stored = 1LL << 40;
  Result<FeedState> back = DecodeFeedState(EncodeFeedState(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->last_http_status, 304);
  EXPECT_EQ(back->articles_stored, 1LL << 40);
  EXPECT_EQ(DecodeFeedState("\x01").status().code(), StatusCode::kCorruption);  // no feed id

  MatchRecord m;
  m.kind = "keyword";
  m.count = 3;
  MatchRecord out;
  out.watchlist_id = "kept";
  ASSERT_TRUE(DecodeMatchValue(EncodeMatchValue(m), &out).ok());
  EXPECT_EQ(out.kind, "keyword");
  EXPECT_EQ(out.count, 3);
  EXPECT_EQ(out.watchlist_id, "kept");
  // An int field outside int's range is damage, not a silent truncation.
  std::string wide = "\x01\x05\x08"s + "\x00\x00\x00\x01\x00\x00\x00\x00"s;
  EXPECT_EQ(DecodeMatchValue(wide, &out).code(), StatusCode::kCorruption);
}

TEST(CodecTest, IndexKeyLayouts) {
  const std::string id = "0123456789abcdef";
  EXPECT_EQ(LengthPrefixed("ab"), "\0\x02"s + "ab");
  EXPECT_EQ(LengthPrefixed(""), "\0\0"s);

  const std::string target = TargetIndexKey("guan-heng", 10, id, "wl");
  EXPECT_EQ(target, "\0\x09guan-heng"s + EncodeTime(10) + id + "wl");
  std::optional<IndexKeyParts> parts = DecodeIndexKey(target);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->name, "guan-heng");
  EXPECT_EQ(parts->time, 10);
  EXPECT_EQ(parts->article_id, id);
  EXPECT_EQ(parts->suffix, "wl");

  // The language index is keyed by the primary subtag, lower case.
  const std::string lang = LanguageIndexKey("ZH-Hant", -1, id);
  EXPECT_EQ(lang, "\0\x02"s + "zh" + EncodeTime(-1) + id);
  parts = DecodeIndexKey(lang);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->name, "zh");
  EXPECT_EQ(parts->suffix, "");
  EXPECT_EQ(LanguageIndexKey("", 0, id), "\0\0"s + EncodeTime(0) + id);

  EXPECT_EQ(SourceIndexKey(kSourceKindFeed, "bbc-zh", 5, id),
            "f\0\x06"s + "bbc-zh" + EncodeTime(5) + id);
  EXPECT_EQ(SourceIndexKey(kSourceKindOutlet, "BBC 中文", 5, id),
            "s\0\x0a"s + "BBC 中文" + EncodeTime(5) + id);

  // A name that is a prefix of another has a disjoint range.
  EXPECT_FALSE(TargetIndexKey("guan-heng2", 1, id, "w").starts_with(LengthPrefixed("guan-heng")));

  EXPECT_EQ(DecodeIndexKey(""), std::nullopt);
  EXPECT_EQ(DecodeIndexKey("\0\x05"s + "ab"), std::nullopt);  // name runs past the end
  EXPECT_EQ(DecodeIndexKey(lang.substr(0, lang.size() - 1)), std::nullopt);  // short id
  EXPECT_EQ(DecodeIndexKey("\0\0"s + EncodeTime(0) + "0123456789ABCDEF"), std::nullopt);
}

TEST(CodecTest, WatchlistSetRoundTripAndDamage) {
  EXPECT_EQ(EncodeWatchlistSet({}), "");
  EXPECT_EQ(DecodeWatchlistSet(""), std::vector<std::string>{});
  const std::vector<std::string> ids = {"a", "guan-heng-case"};
  const std::string bytes = EncodeWatchlistSet(ids);
  EXPECT_EQ(bytes, "\0\x01"s + "a" + "\0\x0e"s + "guan-heng-case");
  EXPECT_EQ(DecodeWatchlistSet(bytes), ids);
  for (size_t n = 1; n < bytes.size(); ++n) {
    if (n == 3) continue;  // a cut after the first id is a valid shorter set
    EXPECT_EQ(DecodeWatchlistSet(bytes.substr(0, n)), std::nullopt) << n;
  }
  EXPECT_EQ(DecodeWatchlistSet("\0\0"s), std::nullopt);  // empty ids are never written
}

TEST(CodecTest, LanguageSubtagsAndMatching) {
  EXPECT_EQ(PrimaryLanguageSubtag("zh-Hant"), "zh");
  EXPECT_EQ(PrimaryLanguageSubtag("EN_us"), "en");
  EXPECT_EQ(PrimaryLanguageSubtag("ug"), "ug");
  EXPECT_EQ(PrimaryLanguageSubtag(""), "");

  EXPECT_TRUE(LanguageMatches("zh", "zh"));
  EXPECT_TRUE(LanguageMatches("zh", "zh-Hant"));
  EXPECT_TRUE(LanguageMatches("ZH", "zh-hans"));
  EXPECT_FALSE(LanguageMatches("zh", "zhx"));
  EXPECT_FALSE(LanguageMatches("zh", "en"));
  EXPECT_TRUE(LanguageMatches("zh-Hant", "zh-hant"));
  EXPECT_TRUE(LanguageMatches("zh_Hant", "zh-Hant"));
  EXPECT_FALSE(LanguageMatches("zh-Hant", "zh"));
  EXPECT_FALSE(LanguageMatches("zh-Hant", "zh-Hans"));
  EXPECT_FALSE(LanguageMatches("", "zh"));
}

}  // namespace
}  // namespace mw::storage_internal
