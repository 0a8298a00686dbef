#include "crawler/config.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace mw {
namespace {

TEST(FeedConfigTest, ParsesAllFields) {
  auto feeds = ParseFeedList(R"(
[[feed]]
id = "bbc-zh"
url = "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml"
language = "zh"
source = "BBC 中文"
interval = "30m"
tags = ["broadcaster", "zh"]
checked = true
notes = "seen 2026"

[[feed]]
id = "rfa-ug"
url = "https://www.rfa.org/uyghur/rss2.xml"
language = "ug"
source = "RFA Uyghur"
interval = 7200
)",
                             "feeds.toml");
  ASSERT_TRUE(feeds.ok()) << feeds.status().ToString();
  ASSERT_EQ(feeds->size(), 2u);
  const FeedConfig& a = (*feeds)[0];
  EXPECT_EQ(a.id, "bbc-zh");
  EXPECT_EQ(a.source, "BBC 中文");
  EXPECT_EQ(a.interval_seconds, 1800);
  EXPECT_EQ(a.tags.size(), 2u);
  EXPECT_TRUE(a.checked);
  EXPECT_EQ(a.file, "feeds.toml:2");
  EXPECT_EQ((*feeds)[1].interval_seconds, 7200);
  EXPECT_FALSE((*feeds)[1].checked);
}

struct BadFeed {
  const char* name;
  std::string body;
  const char* expected;
};

class FeedConfigErrorTest : public ::testing::TestWithParam<BadFeed> {};

TEST_P(FeedConfigErrorTest, NamesFileLineAndProblem) {
  std::string toml = "[[feed]]\n" + GetParam().body;
  auto feeds = ParseFeedList(toml, "f.toml");
  ASSERT_FALSE(feeds.ok());
  EXPECT_EQ(feeds.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(feeds.status().message().find(GetParam().expected), std::string::npos)
      << feeds.status().message();
  EXPECT_EQ(feeds.status().message().rfind("f.toml:", 0), 0u) << feeds.status().message();
}

constexpr const char* kRest = "language = \"en\"\nsource = \"X\"\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, FeedConfigErrorTest,
    ::testing::Values(
        BadFeed{"missing_url", std::string("id = \"a\"\n") + kRest, "missing 'url'"},
        BadFeed{"ftp_url", std::string("id = \"a\"\nurl = \"ftp://x.org/f\"\n") + kRest,
                "only http and https"},
        BadFeed{"garbage_url", std::string("id = \"a\"\nurl = \"not a url\"\n") + kRest, "bad url"},
        BadFeed{"bad_id", std::string("id = \"A B\"\nurl = \"http://x.org/\"\n") + kRest,
                "must match"},
        BadFeed{"bad_language",
                "id = \"a\"\nurl = \"http://x.org/\"\nlanguage = \"english!\"\nsource = \"X\"\n",
                "not a language tag"},
        BadFeed{"unknown_key",
                std::string("id = \"a\"\nurl = \"http://x.org/\"\n") + kRest + "colour = \"red\"\n",
                "f.toml:6: feed 'a': unknown key 'colour'"},
        BadFeed{"short_interval",
                std::string("id = \"a\"\nurl = \"http://x.org/\"\n") + kRest + "interval = 5\n",
                "between 60 s"},
        BadFeed{
            "bad_interval",
            std::string("id = \"a\"\nurl = \"http://x.org/\"\n") + kRest + "interval = \"soon\"\n",
            "is not like"},
        BadFeed{"syntax", "id = \"a\n", "f.toml:2"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(FeedConfigTest, DirectoryRejectsDuplicateIdsAcrossFiles) {
  testing::TempDir dir;
  std::string feed =
      "[[feed]]\nid = \"a\"\nurl = \"http://x.org/rss\"\nlanguage = \"en\"\nsource = \"X\"\n";
  testing::WriteFile(dir.path() / "one.toml", feed);
  testing::WriteFile(dir.path() / "two.toml", feed);
  auto feeds = LoadFeedDir(dir.path());
  ASSERT_FALSE(feeds.ok());
  EXPECT_NE(feeds.status().message().find("duplicate feed id 'a'"), std::string::npos);
}

TEST(FeedConfigTest, ConfigDirNeedsFeedsAndLoadsWatchlists) {
  testing::TempDir dir;
  auto empty = LoadConfigDir(dir.path());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no feeds configured"), std::string::npos);

  testing::WriteFile(
      dir.path() / "feeds.toml",
      "[[feed]]\nid = \"a\"\nurl = \"http://x.org/rss\"\nlanguage = \"en\"\nsource = \"X\"\n");
  testing::WriteFile(dir.path() / "watchlists" / "w.toml",
                     "id = \"w\"\n[[keyword]]\nid = \"k\"\nterms = [\"x\"]\n");
  auto config = LoadConfigDir(dir.path());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->feeds.size(), 1u);
  ASSERT_EQ(config->watchlists.size(), 1u);
  EXPECT_EQ(config->watchlists[0].id, "w");

  testing::WriteFile(dir.path() / "watchlists" / "broken.toml", "id = \"b\"\n");
  auto broken = LoadConfigDir(dir.path());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("broken.toml"), std::string::npos);
}

TEST(FeedConfigTest, BundledFeedListsLoad) {
  auto real = LoadFeedDir(testing::SourceDir() / "feeds");
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  EXPECT_GE(real->size(), 10u);
  bool has_en = false, has_zh = false, has_ug = false;
  for (const FeedConfig& f : *real) {
    has_en |= f.language == "en";
    has_zh |= f.language.rfind("zh", 0) == 0;
    has_ug |= f.language.rfind("ug", 0) == 0;
  }
  EXPECT_TRUE(has_en && has_zh && has_ug);
  auto demo = LoadFeedFile(testing::SourceDir() / "feeds" / "demo" / "feeds.toml");
  ASSERT_TRUE(demo.ok()) << demo.status().ToString();
  EXPECT_GE(demo->size(), 4u);
}

TEST(IntervalTest, Units) {
  EXPECT_EQ(*ParseInterval("90"), 90);
  EXPECT_EQ(*ParseInterval("90s"), 90);
  EXPECT_EQ(*ParseInterval("30m"), 1800);
  EXPECT_EQ(*ParseInterval("2h"), 7200);
  EXPECT_EQ(*ParseInterval("1d"), 86400);
  EXPECT_FALSE(ParseInterval("-5m").ok());
  EXPECT_FALSE(ParseInterval("5 weeks").ok());
}

}  // namespace
}  // namespace mw

namespace mw {
namespace {

TEST(FeedSourceOptionsTest, ParsesTypesIntervalsDelaysAndProxies) {
  auto feeds = ParseFeedList(R"(
[[feed]]
id = "section"
url = "https://x.org/ug/"
language = "ug"
source = "X"
type = "html"
link_pattern = '^https://x\.org/ug/news-\d+\.html$'
min_interval = "10m"
max_interval = "12h"
host_delay = "2.5s"
proxy = "socks5h://127.0.0.1:9050"
fetch_articles = false
)",
                             "f.toml");
  ASSERT_TRUE(feeds.ok()) << feeds.status().ToString();
  const FeedConfig& f = (*feeds)[0];
  EXPECT_EQ(f.type, SourceType::kHtml);
  EXPECT_EQ(f.min_interval_seconds, 600);
  EXPECT_EQ(f.max_interval_seconds, 43200);
  EXPECT_EQ(f.host_delay_ms, 2500);
  EXPECT_EQ(f.proxy, "socks5h://127.0.0.1:9050");
  EXPECT_FALSE(f.fetch_articles);
}

TEST(FeedSourceOptionsTest, RejectsInconsistentSourceOptions) {
  const std::string head =
      "[[feed]]\nid = \"a\"\nurl = \"https://x.org/\"\nlanguage = \"en\"\nsource = \"X\"\n";
  struct Case {
    std::string extra;
    const char* expected;
  } cases[] = {
      {"type = \"html\"\n", "needs a link_pattern"},
      {"link_pattern = \"x\"\n", "needs type = \"html\""},
      {"type = \"html\"\nlink_pattern = \"(unclosed\"\n", "bad link_pattern"},
      {"type = \"rss\"\n", "'type' must be"},
      {"min_interval = \"2h\"\nmax_interval = \"1h\"\n", "above max_interval"},
      {"host_delay = \"soon\"\n", "is not like"},
      {"proxy = \"ftp://p:1\"\n", "must start with"},
      {"fetch_articles = \"no\"\n", "true or false"},
  };
  for (const Case& c : cases) {
    auto feeds = ParseFeedList(head + c.extra, "f.toml");
    ASSERT_FALSE(feeds.ok()) << c.extra;
    EXPECT_NE(feeds.status().message().find(c.expected), std::string::npos)
        << c.extra << " -> " << feeds.status().message();
  }
}

TEST(SettingsTest, ParsesCrawlerTable) {
  auto s = ParseSettings(R"(
[crawler]
contact = "mailto:ops@example.org"
concurrency = 8
per_host = 1
host_delay = "250ms"
timeout = 30
max_body_mb = 4
max_articles_per_feed = 50
min_interval = "15m"
max_interval = "2d"
proxy = "http://127.0.0.1:3128"
allow_cidrs = ["10.1.2.0/24"]
respect_robots = false
max_crawl_delay = 10
)",
                         "mediawatch.toml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->concurrency, 8);
  EXPECT_EQ(s->host_delay_ms, 250);
  EXPECT_EQ(s->min_interval_seconds, 900);
  EXPECT_EQ(s->max_interval_seconds, 172800);
  EXPECT_EQ(s->allow_cidrs, std::vector<std::string>{"10.1.2.0/24"});
  EXPECT_FALSE(s->respect_robots);
  EXPECT_DOUBLE_EQ(s->max_crawl_delay_seconds, 10);
  EXPECT_EQ(UserAgentFor(*s), "mediawatch/0.1 (+mailto:ops@example.org)");
}

TEST(SettingsTest, StoreKeyNamesADirectoryOrAServer) {
  auto s = ParseSettings("[crawler]\nstore = \"postgresql://mw@db.example.org/mw\"\n", "m.toml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->store, "postgresql://mw@db.example.org/mw");
  s = ParseSettings("[crawler]\nstore = \"/var/lib/mediawatch\"\n", "m.toml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->store, "/var/lib/mediawatch");
  EXPECT_TRUE(ParseSettings("[crawler]\n", "m.toml")->store.empty());
  EXPECT_FALSE(ParseSettings("[crawler]\nstore = \"\"\n", "m.toml").ok());
  EXPECT_FALSE(ParseSettings("[crawler]\nstore = 5\n", "m.toml").ok());
  EXPECT_FALSE(ParseSettings("[crawler]\nstore = \"a\\nb\"\n", "m.toml").ok());
}

TEST(SettingsTest, RejectsUnknownKeysAndBadValues) {
  EXPECT_FALSE(ParseSettings("[crawler]\nconcurency = 3\n", "m.toml").ok());
  EXPECT_FALSE(ParseSettings("[crawlr]\n", "m.toml").ok());
  EXPECT_FALSE(ParseSettings("[crawler]\nper_host = 100\n", "m.toml").ok());
  EXPECT_FALSE(ParseSettings("[crawler]\ncontact = \"x) evil\"\n", "m.toml").ok());
  auto bad = ParseSettings("[crawler]\nconcurrency = \"many\"\n", "m.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("m.toml:2:", 0), 0u) << bad.status().message();
}

TEST(SettingsTest, ConfigDirReadsSettingsAndSkipsThemAsFeeds) {
  testing::TempDir dir;
  testing::WriteFile(
      dir.path() / "feeds.toml",
      "[[feed]]\nid = \"a\"\nurl = \"http://x.org/rss\"\nlanguage = \"en\"\nsource = \"X\"\n");
  testing::WriteFile(dir.path() / "mediawatch.toml", "[crawler]\nconcurrency = 4\n");
  auto config = LoadConfigDir(dir.path());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->settings.concurrency, 4);
  EXPECT_EQ(config->feeds.size(), 1u);
}

TEST(DurationTest, Milliseconds) {
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("1s"), 1000);
  EXPECT_EQ(*ParseDurationMs("1.5s"), 1500);
  EXPECT_EQ(*ParseDurationMs("2m"), 120000);
  EXPECT_EQ(*ParseDurationMs("3"), 3000);
  EXPECT_FALSE(ParseDurationMs("fast").ok());
}

}  // namespace
}  // namespace mw
