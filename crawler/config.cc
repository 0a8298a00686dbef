#include "crawler/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "base/config_files.h"
#include "parsers/url.h"

namespace mw {
namespace {

constexpr size_t kMaxConfigFileBytes = 4u << 20;
constexpr size_t kMaxFeeds = 100000;

std::string Where(std::string_view source, const toml::node* node) {
  std::string out(source);
  if (node != nullptr && node->source().begin.line > 0) {
    out += ":" + std::to_string(node->source().begin.line);
  }
  return out;
}

Status Error(std::string_view source, const toml::node* node, const std::string& message) {
  return Status::InvalidArgument(Where(source, node) + ": " + message);
}

bool ValidLanguage(std::string_view tag) {
  static const std::regex kTag("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*");
  return tag.size() <= 35 && std::regex_match(tag.begin(), tag.end(), kTag);
}

Result<std::string> RequiredString(std::string_view source, const toml::table& t,
                                   std::string_view key, std::string_view what) {
  const toml::node* node = t.get(key);
  if (node == nullptr)
    return Error(source, &t, std::string(what) + ": missing '" + std::string(key) + "'");
  if (!node->is_string())
    return Error(source, node, std::string(what) + ": '" + std::string(key) + "' must be a string");
  std::string value(node->as_string()->get());
  if (value.empty())
    return Error(source, node, std::string(what) + ": '" + std::string(key) + "' is empty");
  return value;
}

Result<FeedConfig> ParseFeed(std::string_view source, const toml::table& t, size_t index) {
  std::string what = "feed #" + std::to_string(index + 1);
  FeedConfig feed;
  feed.file = Where(source, &t);
  auto id = RequiredString(source, t, "id", what);
  if (!id.ok()) return id.status();
  if (!IsValidId(*id))
    return Error(source, t.get("id"), what + ": id '" + *id + "' must match [a-z0-9][a-z0-9_-]*");
  feed.id = *id;
  what = "feed '" + feed.id + "'";
  static constexpr std::string_view kAllowed[] = {"id",       "url",  "language", "source",
                                                  "interval", "tags", "checked",  "notes"};
  for (const auto& [key, node] : t) {
    if (std::find(std::begin(kAllowed), std::end(kAllowed), key.str()) == std::end(kAllowed)) {
      return Error(source, &node,
                   what + ": unknown key '" + std::string(key.str()) +
                       "' (allowed: id, url, language, source, interval, tags, "
                       "checked, notes)");
    }
  }

  auto url = RequiredString(source, t, "url", what);
  if (!url.ok()) return url.status();
  auto canonical = CanonicalizeUrl(*url);
  if (!canonical.ok()) {
    return Error(source, t.get("url"), what + ": bad url: " + canonical.status().message());
  }
  feed.url = *url;

  auto language = RequiredString(source, t, "language", what);
  if (!language.ok()) return language.status();
  if (!ValidLanguage(*language)) {
    return Error(
        source, t.get("language"),
        what + ": language '" + *language + "' is not a language tag like en, zh-Hant, ug");
  }
  feed.language = *language;

  auto outlet = RequiredString(source, t, "source", what);
  if (!outlet.ok()) return outlet.status();
  feed.source = *outlet;

  if (const toml::node* node = t.get("interval")) {
    Result<int64_t> seconds =
        Status::InvalidArgument("interval must be a number of seconds or a string like \"30m\"");
    if (node->is_integer()) seconds = node->as_integer()->get();
    if (node->is_string()) seconds = ParseInterval(node->as_string()->get());
    if (!seconds.ok()) return Error(source, node, what + ": " + seconds.status().message());
    if (*seconds < 60 || *seconds > 7 * 86400) {
      return Error(source, node, what + ": interval must be between 60 s and 7 days");
    }
    feed.interval_seconds = *seconds;
  }
  if (const toml::node* node = t.get("tags")) {
    if (!node->is_array())
      return Error(source, node, what + ": 'tags' must be an array of strings");
    for (const toml::node& tag : *node->as_array()) {
      if (!tag.is_string()) return Error(source, &tag, what + ": 'tags' must contain only strings");
      feed.tags.emplace_back(tag.as_string()->get());
    }
  }
  if (const toml::node* node = t.get("checked")) {
    if (!node->is_boolean()) return Error(source, node, what + ": 'checked' must be true or false");
    feed.checked = node->as_boolean()->get();
  }
  if (const toml::node* node = t.get("notes")) {
    if (!node->is_string()) return Error(source, node, what + ": 'notes' must be a string");
    feed.notes = std::string(node->as_string()->get());
  }
  return feed;
}

}  // namespace

Result<int64_t> ParseInterval(std::string_view text) {
  static const std::regex kInterval("\\s*([0-9]{1,7})\\s*([smhd]?)\\s*");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, kInterval)) {
    return Status::InvalidArgument("interval '" + std::string(text) +
                                   "' is not like 90, \"90s\", \"30m\", \"2h\" or \"1d\"");
  }
  int64_t n = std::stoll(m[1].str());
  switch (m[2].str().empty() ? 's' : m[2].str()[0]) {
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    default:
      return n;
  }
}

Result<std::vector<FeedConfig>> ParseFeedList(std::string_view toml_text,
                                              std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::string where(source_name);
    if (e.source().begin.line > 0) where += ":" + std::to_string(e.source().begin.line);
    return Status::InvalidArgument(where + ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : root) {
    if (key.str() != "feed") {
      return Error(source_name, &node,
                   "unknown top-level key '" + std::string(key.str()) +
                       "' (a feed list holds [[feed]] tables)");
    }
  }
  std::vector<FeedConfig> feeds;
  const toml::node* list = root.get("feed");
  if (list == nullptr) return feeds;
  if (!list->is_array_of_tables())
    return Error(source_name, list, "'feed' must be written as [[feed]] tables");
  size_t index = 0;
  for (const toml::node& node : *list->as_array()) {
    auto feed = ParseFeed(source_name, *node.as_table(), index++);
    if (!feed.ok()) return feed.status();
    feeds.push_back(std::move(feed).value());
    if (feeds.size() > kMaxFeeds) return Error(source_name, &node, "more than 100,000 feeds");
  }
  return feeds;
}

Result<std::vector<FeedConfig>> LoadFeedFile(const std::filesystem::path& path) {
  auto text = ReadConfigFile(path, kMaxConfigFileBytes);
  if (!text.ok()) return text.status();
  auto feeds = ParseFeedList(*text, path.string());
  if (!feeds.ok()) return feeds.status();
  std::set<std::string> ids;
  for (const FeedConfig& f : *feeds) {
    if (!ids.insert(f.id).second) {
      return Status::InvalidArgument(f.file + ": duplicate feed id '" + f.id + "'");
    }
  }
  return feeds;
}

Result<std::vector<FeedConfig>> LoadFeedDir(const std::filesystem::path& dir) {
  auto files = ListConfigFiles(dir, ".toml");
  if (!files.ok()) return files.status();
  std::vector<FeedConfig> all;
  std::set<std::string> ids;
  for (const auto& file : *files) {
    auto text = ReadConfigFile(file, kMaxConfigFileBytes);
    if (!text.ok()) return text.status();
    auto feeds = ParseFeedList(*text, file.string());
    if (!feeds.ok()) return feeds.status();
    for (FeedConfig& f : *feeds) {
      if (!ids.insert(f.id).second) {
        return Status::InvalidArgument(f.file + ": duplicate feed id '" + f.id + "'");
      }
      all.push_back(std::move(f));
    }
  }
  return all;
}

Result<CrawlConfig> LoadConfigDir(const std::filesystem::path& dir) {
  CrawlConfig config;
  auto feeds = LoadFeedDir(dir);
  if (!feeds.ok()) return feeds.status();
  if (feeds->empty()) {
    return Status::InvalidArgument(dir.string() +
                                   ": no feeds configured (expected [[feed]] tables in " +
                                   (dir / "*.toml").string() + ")");
  }
  config.feeds = std::move(feeds).value();
  auto lists = LoadWatchlistDir(dir / "watchlists");
  if (!lists.ok()) return lists.status();
  config.watchlists = std::move(lists).value();
  return config;
}

}  // namespace mw
