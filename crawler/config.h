// mediawatch/crawler/config.h
//
// The crawl configuration directory:
//   DIR/*.toml             feed lists ([[feed]] tables, see docs/config.md)
//   DIR/watchlists/*.toml  watch-lists (watch/watchlist.h)
//
//   [[feed]]
//   id = "bbc-zhongwen-simp"
//   url = "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml"
//   language = "zh"
//   source = "BBC 中文"
//   interval = "30m"      # optional: seconds, or "90s" / "30m" / "2h"
//   tags = ["broadcaster"]  # optional
//
// Loading is strict and happens before any network traffic: unknown keys,
// bad URLs, duplicate ids and the like are errors that name file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"  // ParseInterval, used with the config
#include "base/status.h"
#include "watch/watchlist.h"

namespace mw {

// What a configured source is.
enum class SourceType {
  kFeed,  // RSS / Atom / JSON Feed / sitemap / sitemap index (detected from the body)
  kHtml,  // an HTML section page; article links picked by `link_pattern`
};

struct FeedConfig {
  std::string id;                   // [a-z0-9][a-z0-9_-]*, unique across all files
  std::string url;                  // absolute http(s) URL
  std::string language;             // BCP 47-like tag: "en", "zh", "zh-Hant", "ug", "ug-Latn"
  std::string source;               // outlet name
  int64_t interval_seconds = 3600;  // Default: 1 hour; at least 60
  std::vector<std::string> tags;
  bool checked = false;  // whether a human verified the URL live
  std::string notes;
  std::string file;  // "path:line" where it was defined

  SourceType type = SourceType::kFeed;  // `type = "feed" | "sitemap" | "html"`
  std::string link_pattern;             // ICU regex over absolute URLs (type = "html")
  // Adaptive scheduling bounds (crawler/schedule.h); 0 = the global setting.
  int64_t min_interval_seconds = 0;
  int64_t max_interval_seconds = 0;
  // Minimum ms between two requests to this feed's host; -1 = global setting.
  int64_t host_delay_ms = -1;
  std::string proxy;           // overrides the global proxy ("" = global)
  bool fetch_articles = true;  // false: store the entry's own content, fetch no page
};

// Global crawler settings: DIR/mediawatch.toml, table [crawler]. Every field
// has a default; command-line flags override them.
struct CrawlSettings {
  // Where `crawl` and `run` store, when neither --db nor --store is given:
  // a database directory or a PostgreSQL URI ("postgresql://…"). Default: ""
  // (a flag is required).
  std::string store;
  // Contact URL or e-mail put in the User-Agent so site owners can reach the
  // operator: "mediawatch/0.1 (+CONTACT)". Default: the project's URL.
  std::string contact = "https://github.com/mediawatch/mediawatch";
  int64_t concurrency = 32;
  int64_t per_host = 2;
  int64_t host_delay_ms = 1000;  // politeness delay per host. Default: 1 s
  int64_t timeout_seconds = 60;
  int64_t max_body_mb = 16;
  std::string proxy;                     // "http://", "socks5://", "socks5h://" ("" = none)
  std::vector<std::string> allow_cidrs;  // opened holes in the SSRF guard
  bool respect_robots = true;
  double max_crawl_delay_seconds = 30;  // cap on robots.txt Crawl-delay
  int64_t min_interval_seconds = 300;
  int64_t max_interval_seconds = 86400;
  int64_t max_articles_per_feed = 200;
};

struct CrawlConfig {
  CrawlSettings settings;
  std::vector<FeedConfig> feeds;
  std::vector<Watchlist> watchlists;
};

// The settings file inside a configuration directory; it is not a feed list.
inline constexpr std::string_view kSettingsFileName = "mediawatch.toml";
// DIR/alerts.toml configures alerts and digests (report/alert_config.h); it
// is not a feed list either.
inline constexpr std::string_view kAlertsConfigFileName = "alerts.toml";

// Parses the settings file's text. Errors: kInvalidArgument ("file:line: ...").
Result<CrawlSettings> ParseSettings(std::string_view toml_text, std::string_view source_name);

// Parses one feed-list file's text. Errors: kInvalidArgument ("file:line: ...").
Result<std::vector<FeedConfig>> ParseFeedList(std::string_view toml_text,
                                              std::string_view source_name);

// Loads DIR/mediawatch.toml alone (the defaults when there is none).
// Errors: kInvalidArgument, as ParseSettings.
Result<CrawlSettings> LoadSettings(const std::filesystem::path& dir);

// Loads DIR/mediawatch.toml (settings, optional), DIR/*.toml (feeds) and
// DIR/watchlists/*.toml. Errors:
// kInvalidArgument for any problem, including a directory with no feeds.
Result<CrawlConfig> LoadConfigDir(const std::filesystem::path& dir);

// Loads one feed-list file.
Result<std::vector<FeedConfig>> LoadFeedFile(const std::filesystem::path& path);

// Loads only the feed lists in `dir` (every *.toml, sorted). Duplicate feed
// ids across files are an error.
Result<std::vector<FeedConfig>> LoadFeedDir(const std::filesystem::path& dir);

// "250ms" / "1s" / "1.5s" / "2m" -> milliseconds.
Result<int64_t> ParseDurationMs(std::string_view text);

// The User-Agent string for `settings`.
std::string UserAgentFor(const CrawlSettings& settings);

}  // namespace mw
