#include "crawler/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "base/config_files.h"
#include "base/toml_util.h"
#include "parsers/source_parsers.h"
#include "parsers/url.h"

namespace mw {
namespace {

constexpr size_t kMaxConfigFileBytes = 4u << 20;
constexpr size_t kMaxFeeds = 100000;

std::string Where(std::string_view source, const toml::node* node) {
  return TomlWhere(source, node);
}

Status Error(std::string_view source, const toml::node* node, const std::string& message) {
  return TomlError(source, node, message);
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

Result<toml::table> ParseToml(std::string_view text, std::string_view source_name) {
  return ParseTomlText(text, source_name);
}

// An interval key given as seconds or "30m"; `lo`/`hi` bound it.
Result<int64_t> IntervalKey(std::string_view source, const toml::node* node,
                            const std::string& what, std::string_view key, int64_t lo, int64_t hi) {
  Result<int64_t> seconds = Status::InvalidArgument(
      "'" + std::string(key) + "' must be a number of seconds or a string like \"30m\"");
  if (node->is_integer()) seconds = node->as_integer()->get();
  if (node->is_string()) seconds = ParseInterval(node->as_string()->get());
  if (!seconds.ok()) return Error(source, node, what + ": " + seconds.status().message());
  if (*seconds < lo || *seconds > hi) {
    return Error(source, node,
                 what + ": '" + std::string(key) + "' must be between " + std::to_string(lo) +
                     " s and " + std::to_string(hi) + " s");
  }
  return seconds;
}

Result<int64_t> DelayKey(std::string_view source, const toml::node* node, const std::string& what,
                         std::string_view key) {
  Result<int64_t> ms = Status::InvalidArgument("'" + std::string(key) +
                                               "' must be seconds or a string like \"500ms\"");
  if (node->is_integer()) ms = node->as_integer()->get() * 1000;
  if (node->is_floating_point()) ms = static_cast<int64_t>(node->as_floating_point()->get() * 1000);
  if (node->is_string()) ms = ParseDurationMs(node->as_string()->get());
  if (!ms.ok()) return Error(source, node, what + ": " + ms.status().message());
  if (*ms < 0 || *ms > 3600 * 1000) {
    return Error(source, node, what + ": '" + std::string(key) + "' must be between 0 and 1 h");
  }
  return ms;
}

Status CheckProxy(std::string_view source, const toml::node* node, const std::string& what,
                  const std::string& proxy) {
  static constexpr std::string_view kSchemes[] = {"http://",    "https://",  "socks5://",
                                                  "socks5h://", "socks4://", "socks4a://"};
  for (std::string_view scheme : kSchemes) {
    if (proxy.rfind(scheme, 0) == 0 && proxy.size() > scheme.size()) return Status::Ok();
  }
  return Error(source, node,
               what + ": proxy '" + proxy +
                   "' must start with http://, https://, socks5://, socks5h:// or socks4(a)://");
}

Status ParseSourceOptions(std::string_view source, const toml::table& t, const std::string& what,
                          FeedConfig* feed) {
  if (const toml::node* node = t.get("type")) {
    std::string type = node->is_string() ? std::string(node->as_string()->get()) : "";
    if (type == "feed" || type == "sitemap") {
      feed->type = SourceType::kFeed;
    } else if (type == "html") {
      feed->type = SourceType::kHtml;
    } else {
      return Error(source, node, what + ": 'type' must be \"feed\", \"sitemap\" or \"html\"");
    }
  }
  if (const toml::node* node = t.get("link_pattern")) {
    if (!node->is_string()) return Error(source, node, what + ": 'link_pattern' must be a string");
    feed->link_pattern = std::string(node->as_string()->get());
    std::string problem = CheckLinkPattern(feed->link_pattern);
    if (!problem.empty()) return Error(source, node, what + ": bad link_pattern: " + problem);
  }
  if (feed->type == SourceType::kHtml && feed->link_pattern.empty()) {
    return Error(source, &t, what + ": type = \"html\" needs a link_pattern");
  }
  if (feed->type != SourceType::kHtml && !feed->link_pattern.empty()) {
    return Error(source, t.get("link_pattern"), what + ": link_pattern needs type = \"html\"");
  }
  if (const toml::node* node = t.get("min_interval")) {
    auto v = IntervalKey(source, node, what, "min_interval", 60, 7 * 86400);
    if (!v.ok()) return v.status();
    feed->min_interval_seconds = *v;
  }
  if (const toml::node* node = t.get("max_interval")) {
    auto v = IntervalKey(source, node, what, "max_interval", 60, 30 * 86400);
    if (!v.ok()) return v.status();
    feed->max_interval_seconds = *v;
  }
  if (feed->min_interval_seconds && feed->max_interval_seconds &&
      feed->min_interval_seconds > feed->max_interval_seconds) {
    return Error(source, t.get("min_interval"), what + ": min_interval is above max_interval");
  }
  if (const toml::node* node = t.get("host_delay")) {
    auto v = DelayKey(source, node, what, "host_delay");
    if (!v.ok()) return v.status();
    feed->host_delay_ms = *v;
  }
  if (const toml::node* node = t.get("proxy")) {
    if (!node->is_string()) return Error(source, node, what + ": 'proxy' must be a string");
    feed->proxy = std::string(node->as_string()->get());
    MW_RETURN_IF_ERROR(CheckProxy(source, node, what, feed->proxy));
  }
  if (const toml::node* node = t.get("fetch_articles")) {
    if (!node->is_boolean()) {
      return Error(source, node, what + ": 'fetch_articles' must be true or false");
    }
    feed->fetch_articles = node->as_boolean()->get();
  }
  return Status::Ok();
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
  static constexpr std::string_view kAllowed[] = {
      "id",           "url",          "language",   "source", "interval",
      "tags",         "checked",      "notes",      "type",   "link_pattern",
      "min_interval", "max_interval", "host_delay", "proxy",  "fetch_articles"};
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
  MW_RETURN_IF_ERROR(ParseSourceOptions(source, t, what, &feed));
  return feed;
}

}  // namespace

Result<int64_t> ParseDurationMs(std::string_view text) {
  static const std::regex kDuration("\\s*([0-9]{1,7}(\\.[0-9]{1,3})?)\\s*(ms|s|m)?\\s*");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, kDuration)) {
    return Status::InvalidArgument("duration '" + std::string(text) +
                                   "' is not like \"500ms\", \"1s\", \"1.5s\" or \"2m\"");
  }
  const double n = std::stod(m[1].str());
  const std::string unit = m[3].str();
  if (unit == "ms") return static_cast<int64_t>(n);
  if (unit == "m") return static_cast<int64_t>(n * 60000);
  return static_cast<int64_t>(n * 1000);
}

std::string UserAgentFor(const CrawlSettings& settings) {
  return "mediawatch/0.1 (+" + settings.contact + ")";
}

Result<CrawlSettings> ParseSettings(std::string_view toml_text, std::string_view source_name) {
  auto parsed = ParseToml(toml_text, source_name);
  if (!parsed.ok()) return parsed.status();
  toml::table& root = *parsed;
  for (const auto& [key, node] : root) {
    if (key.str() != "crawler") {
      return Error(source_name, &node,
                   "unknown table '" + std::string(key.str()) +
                       "' (the settings file holds a [crawler] table)");
    }
  }
  CrawlSettings s;
  const toml::table* t = root["crawler"].as_table();
  if (t == nullptr) return s;
  const std::string what = "[crawler]";
  for (const auto& [key, node] : *t) {
    const std::string k(key.str());
    // `node` is a structured binding: clang before 16 cannot capture one, so
    // the lambda takes it through an init-capture.
    auto integer = [&, &node = node](int64_t lo, int64_t hi, int64_t* out) -> Status {
      if (!node.is_integer())
        return Error(source_name, &node, what + ": '" + k + "' must be an integer");
      int64_t v = node.as_integer()->get();
      if (v < lo || v > hi) {
        return Error(source_name, &node,
                     what + ": '" + k + "' must be between " + std::to_string(lo) + " and " +
                         std::to_string(hi));
      }
      *out = v;
      return Status::Ok();
    };
    if (k == "contact") {
      if (!node.is_string() || node.as_string()->get().empty() ||
          node.as_string()->get().find_first_of("()\r\n") != std::string::npos) {
        return Error(source_name, &node, what + ": 'contact' must be a URL or e-mail address");
      }
      s.contact = std::string(node.as_string()->get());
    } else if (k == "concurrency") {
      MW_RETURN_IF_ERROR(integer(1, 1024, &s.concurrency));
    } else if (k == "per_host") {
      MW_RETURN_IF_ERROR(integer(1, 16, &s.per_host));
    } else if (k == "timeout") {
      MW_RETURN_IF_ERROR(integer(1, 3600, &s.timeout_seconds));
    } else if (k == "max_body_mb") {
      MW_RETURN_IF_ERROR(integer(1, 1024, &s.max_body_mb));
    } else if (k == "max_articles_per_feed") {
      MW_RETURN_IF_ERROR(integer(1, 100000, &s.max_articles_per_feed));
    } else if (k == "host_delay") {
      auto v = DelayKey(source_name, &node, what, "host_delay");
      if (!v.ok()) return v.status();
      s.host_delay_ms = *v;
    } else if (k == "min_interval" || k == "max_interval") {
      auto v = IntervalKey(source_name, &node, what, k, 60, 30 * 86400);
      if (!v.ok()) return v.status();
      (k == "min_interval" ? s.min_interval_seconds : s.max_interval_seconds) = *v;
    } else if (k == "store") {
      // A directory or a postgresql:// URI; `crawl` and `run` use it when
      // neither --db nor --store is given (app/crawl_flags.cc checks it).
      if (!node.is_string() || node.as_string()->get().empty() ||
          node.as_string()->get().find_first_of(std::string_view("\0\r\n", 3)) !=
              std::string::npos) {
        return Error(source_name, &node,
                     what + ": 'store' must be a database directory or a postgresql:// URI");
      }
      s.store = std::string(node.as_string()->get());
    } else if (k == "proxy") {
      if (!node.is_string()) return Error(source_name, &node, what + ": 'proxy' must be a string");
      s.proxy = std::string(node.as_string()->get());
      MW_RETURN_IF_ERROR(CheckProxy(source_name, &node, what, s.proxy));
    } else if (k == "allow_cidrs") {
      if (!node.is_array())
        return Error(source_name, &node, what + ": 'allow_cidrs' must be an array");
      for (const toml::node& c : *node.as_array()) {
        if (!c.is_string()) return Error(source_name, &c, what + ": 'allow_cidrs' holds strings");
        s.allow_cidrs.emplace_back(c.as_string()->get());
      }
    } else if (k == "respect_robots") {
      if (!node.is_boolean())
        return Error(source_name, &node, what + ": 'respect_robots' must be true or false");
      s.respect_robots = node.as_boolean()->get();
    } else if (k == "max_crawl_delay") {
      if (!node.is_number())
        return Error(source_name, &node, what + ": 'max_crawl_delay' must be seconds");
      s.max_crawl_delay_seconds = node.is_integer() ? static_cast<double>(node.as_integer()->get())
                                                    : node.as_floating_point()->get();
      if (s.max_crawl_delay_seconds < 0 || s.max_crawl_delay_seconds > 3600) {
        return Error(source_name, &node, what + ": 'max_crawl_delay' must be between 0 and 3600");
      }
    } else {
      return Error(source_name, &node,
                   what + ": unknown key '" + k +
                       "' (allowed: store, contact, concurrency, per_host, host_delay, timeout, "
                       "max_body_mb, max_articles_per_feed, min_interval, max_interval, proxy, "
                       "allow_cidrs, respect_robots, max_crawl_delay)");
    }
  }
  if (s.min_interval_seconds > s.max_interval_seconds) {
    return Status::InvalidArgument(std::string(source_name) +
                                   ": min_interval is above max_interval");
  }
  return s;
}

Result<std::vector<FeedConfig>> ParseFeedList(std::string_view toml_text,
                                              std::string_view source_name) {
  auto parsed = ParseToml(toml_text, source_name);
  if (!parsed.ok()) return parsed.status();
  toml::table& root = *parsed;
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
    if (file.filename() == kSettingsFileName || file.filename() == kAlertsConfigFileName) continue;
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

Result<CrawlSettings> LoadSettings(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / kSettingsFileName, ec)) return CrawlSettings();
  auto text = ReadConfigFile(dir / kSettingsFileName, kMaxConfigFileBytes);
  if (!text.ok()) return text.status();
  return ParseSettings(*text, (dir / kSettingsFileName).string());
}

Result<CrawlConfig> LoadConfigDir(const std::filesystem::path& dir) {
  CrawlConfig config;
  auto settings = LoadSettings(dir);
  if (!settings.ok()) return settings.status();
  config.settings = std::move(settings).value();
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
