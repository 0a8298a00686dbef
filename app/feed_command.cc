// `mediawatch feed parse FILE`: runs the feed parser (or, with
// --link-pattern, the HTML link-page parser) on a local file and prints what
// mediawatch sees: a readable summary, or one JSON object with --json.
//
// Exit codes: 0 parsed (problems or not), 1 the parser refused the document
// (not a feed, too large...), 2 usage (missing or unreadable file, bad --url
// or --link-pattern).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>

#include "app/cli.h"
#include "parsers/date.h"
#include "parsers/feed_parser.h"
#include "parsers/source_parsers.h"
#include "parsers/url.h"

namespace mw {
namespace {

using Json = nlohmann::ordered_json;

struct FeedParseFlags {
  std::string file;
  std::string url;
  std::string content_type;
  bool json = false;
  std::string link_pattern;
  CLI::Option* link_pattern_option = nullptr;  // owned by the CLI::App
};

enum class ReadError { kNone, kUsage, kTooLarge };

// Reads at most `max_bytes` of `path`; one byte more means too large.
ReadError ReadCapped(const std::filesystem::path& path, size_t max_bytes, std::string* out,
                     std::string* message) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    *message = "no such file: " + path.string();
    return ReadError::kUsage;
  }
  if (std::filesystem::is_directory(status)) {
    *message = path.string() + " is a directory";
    return ReadError::kUsage;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *message = "cannot read " + path.string();
    return ReadError::kUsage;
  }
  // Read in chunks rather than trusting the file size: FILE may be a pipe.
  constexpr size_t kChunk = 64 << 10;
  std::string data;
  while (in && data.size() <= max_bytes) {
    const size_t old_size = data.size();
    data.resize(old_size + kChunk);
    in.read(data.data() + old_size, static_cast<std::streamsize>(kChunk));
    data.resize(old_size + static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    *message = "cannot read " + path.string();
    return ReadError::kUsage;
  }
  if (data.size() > max_bytes) {
    *message = path.string() + " is larger than the feed size limit (" + std::to_string(max_bytes) +
               " bytes)";
    return ReadError::kTooLarge;
  }
  *out = std::move(data);
  return ReadError::kNone;
}

// "http://localhost/<file name>", percent-encoded by URL resolution; only
// http(s) URLs exist in mediawatch, so there is no file:// default.
std::string DefaultUrl(const std::filesystem::path& file) {
  constexpr std::string_view kBase = "http://localhost/";
  // "./" keeps a name like "a:b.xml" from being read as a scheme.
  Result<std::string> url = ResolveUrl(kBase, "./" + file.filename().string());
  return url.ok() ? std::move(url).value() : std::string(kBase);
}

Json DateOrNull(const std::optional<int64_t>& t) {
  return t ? Json(FormatIso8601Utc(*t)) : Json(nullptr);
}

Json FeedToJson(const Feed& feed) {
  Json out;
  out["version"] = feed.version;
  out["format"] = std::string(FeedFormatName(feed.format));
  out["encoding"] = feed.encoding;
  out["bozo"] = !feed.problems.empty();
  out["problems"] = feed.problems;
  out["feed"] = {{"title", feed.title},
                 {"link", feed.link},
                 {"language", feed.language},
                 {"updated", DateOrNull(feed.updated)}};
  Json entries = Json::array();
  for (const FeedEntry& e : feed.entries) {
    entries.push_back({{"id", e.id},
                       {"title", e.title},
                       {"link", e.link},
                       {"author", e.author},
                       {"published", DateOrNull(e.published)},
                       {"updated", DateOrNull(e.updated)},
                       {"summary", e.summary},
                       {"content", e.content},
                       {"tags", e.categories},
                       {"language", e.language}});
  }
  out["entries"] = std::move(entries);
  out["child_sources"] = feed.child_sources;
  return out;
}

std::string DateOrDash(const std::optional<int64_t>& t) {
  return t ? FormatIso8601Utc(*t) : std::string("-");
}

std::string Summary(const Feed& feed, const std::string& file) {
  std::string out = file + ": " + (feed.version.empty() ? "?" : feed.version) + " (" +
                    std::string(FeedFormatName(feed.format)) + "), encoding " +
                    (feed.encoding.empty() ? "?" : feed.encoding) + ", " +
                    std::to_string(feed.entries.size()) + " entries\n";
  auto line = [&out](std::string_view label, const std::string& value) {
    if (!value.empty()) out += std::string(label) + value + "\n";
  };
  line("title:    ", feed.title);
  line("link:     ", feed.link);
  line("language: ", feed.language);
  if (feed.updated) line("updated:  ", FormatIso8601Utc(*feed.updated));
  if (!feed.problems.empty()) {
    out += "problems (" + std::to_string(feed.problems.size()) + "):\n";
    for (const std::string& p : feed.problems) out += "  - " + p + "\n";
  }
  if (!feed.child_sources.empty()) {
    out += "child sitemaps (" + std::to_string(feed.child_sources.size()) + "):\n";
    for (const std::string& s : feed.child_sources) out += "  " + s + "\n";
  }
  for (size_t i = 0; i < feed.entries.size(); ++i) {
    const FeedEntry& e = feed.entries[i];
    out += "\n[" + std::to_string(i + 1) + "] " + (e.title.empty() ? "(no title)" : e.title) + "\n";
    out += "    link:      " + (e.link.empty() ? std::string("-") : e.link) + "\n";
    if (e.id != e.link) out += "    id:        " + e.id + "\n";
    out +=
        "    published: " + DateOrDash(e.published) + "   updated: " + DateOrDash(e.updated) + "\n";
    if (!e.author.empty()) out += "    author:    " + e.author + "\n";
    if (!e.language.empty()) out += "    language:  " + e.language + "\n";
    if (!e.categories.empty()) {
      out += "    tags:     ";
      for (const std::string& c : e.categories) out += " " + c + ";";
      out.back() = '\n';
    }
  }
  return out;
}

int CmdFeedParse(const FeedParseFlags& flags, spdlog::logger& log) {
  const FeedParseOptions options;
  const bool link_page = flags.link_pattern_option != nullptr && flags.link_pattern_option->count();
  if (link_page) {
    if (std::string problem = CheckLinkPattern(flags.link_pattern); !problem.empty()) {
      log.error("--link-pattern: {}", problem);
      return kExitUsage;
    }
  }
  std::string url = flags.url;
  if (url.empty()) {
    url = DefaultUrl(flags.file);
  } else if (Result<std::string> checked = ResolveUrl("", url); !checked.ok()) {
    log.error("--url '{}': {}", url, checked.status().message());
    return kExitUsage;
  }

  std::string body;
  std::string message;
  switch (ReadCapped(flags.file, options.max_bytes, &body, &message)) {
    case ReadError::kNone:
      break;
    case ReadError::kUsage:
      log.error("{}", message);
      return kExitUsage;
    case ReadError::kTooLarge:
      log.error("{}", message);
      return kExitFailure;
  }

  Result<Feed> feed =
      link_page ? ParseLinkPage(body, flags.content_type, url, flags.link_pattern, options)
                : ParseFeed(body, flags.content_type, url, options);
  if (!feed.ok()) {
    log.error("{}: {}", flags.file, feed.status().ToString());
    return kExitFailure;
  }
  std::string out;
  if (flags.json) {
    // Feeds carry arbitrary bytes; replace rather than throw on bad UTF-8.
    out = FeedToJson(*feed).dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  } else {
    out = Summary(*feed, flags.file);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddFeedCommand(CLI::App& app, std::vector<Command>* commands) {
  auto* feed_cmd = app.add_subcommand("feed", "Feed tools for debugging sources.");
  feed_cmd->require_subcommand(1);
  auto flags = std::make_shared<FeedParseFlags>();
  auto* parse = feed_cmd->add_subcommand(
      "parse",
      "Parse a local file as mediawatch would parse it when fetched: RSS, Atom, JSON Feed,\n"
      "sitemap or sitemap index, or (with --link-pattern) an HTML section page.\n"
      "With --json, prints one JSON object: version, format, encoding, bozo, problems,\n"
      "feed {title, link, language, updated}, entries [{id, title, link, author, published,\n"
      "updated, summary, content, tags, language}], child_sources; dates are ISO 8601 UTC or\n"
      "null.\nExit codes: 0 parsed, 1 the document was refused, 2 usage (e.g. missing file).");
  parse->add_option("FILE", flags->file, "The document (at most 16 MiB)")->required();
  parse->add_option("--url", flags->url,
                    "URL the document came from, to resolve relative links; http(s) only "
                    "(default: http://localhost/FILENAME)");
  parse->add_option("--content-type", flags->content_type,
                    "HTTP Content-Type to assume, e.g. 'application/rss+xml; charset=gbk' "
                    "(its charset overrides the document's declaration)");
  parse->add_flag("--json", flags->json, "Print one JSON object instead of a summary");
  flags->link_pattern_option = parse->add_option(
      "--link-pattern", flags->link_pattern,
      "Read FILE as an HTML page and list the links whose absolute URL matches this ICU "
      "regular expression");
  commands->push_back({parse, [flags](spdlog::logger& log) { return CmdFeedParse(*flags, log); }});
}

}  // namespace mw
