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

#include "base/status.h"
#include "watch/watchlist.h"

namespace mw {

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
};

struct CrawlConfig {
  std::vector<FeedConfig> feeds;
  std::vector<Watchlist> watchlists;
};

// Parses one feed-list file's text. Errors: kInvalidArgument ("file:line: ...").
Result<std::vector<FeedConfig>> ParseFeedList(std::string_view toml_text,
                                              std::string_view source_name);

// Loads DIR/*.toml (feeds) and DIR/watchlists/*.toml. Errors:
// kInvalidArgument for any problem, including a directory with no feeds.
Result<CrawlConfig> LoadConfigDir(const std::filesystem::path& dir);

// Loads one feed-list file.
Result<std::vector<FeedConfig>> LoadFeedFile(const std::filesystem::path& path);

// Loads only the feed lists in `dir` (every *.toml, sorted). Duplicate feed
// ids across files are an error.
Result<std::vector<FeedConfig>> LoadFeedDir(const std::filesystem::path& dir);

// "90" / "90s" / "30m" / "2h" / "1d" -> seconds; nullopt-like error otherwise.
Result<int64_t> ParseInterval(std::string_view text);

}  // namespace mw
