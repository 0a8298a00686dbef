// `mediawatch feeds status|import|export`: feed health from the database and
// OPML exchange with feed readers.
#include <toml++/toml.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "base/config_files.h"
#include "parsers/date.h"
#include "parsers/source_parsers.h"
#include "parsers/url.h"
#include "report/query_output.h"
#include "storage/store.h"

namespace mw {
namespace {

struct StatusFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  std::string config_dir;
  std::string format = "table";
  bool failing_only = false;
};

struct ImportFlags {
  std::string opml_file;
  std::string config_dir;
  std::string output = "imported.toml";
  std::string language = "und";
};

struct ExportFlags {
  std::string config_dir;
  std::string output;  // "" = stdout
};

std::string When(int64_t t) {
  if (t <= 0) return "-";
  return FormatIso8601Utc(t).substr(0, 16).replace(10, 1, " ");
}

std::string Pad(std::string_view s, size_t width) {
  std::string out(s);
  size_t w = DisplayWidth(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

int CmdStatus(const StatusFlags& flags, spdlog::logger& log) {
  StoreOptions so;
  so.read_only = true;
  auto store = OpenStoreAt(flags.store.location, so);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.store.display, store.status().ToString());
    return kExitFailure;
  }
  auto states = (*store)->ListFeedStates();
  if (!states.ok()) {
    log.error("{}", states.status().ToString());
    return kExitFailure;
  }
  std::map<std::string, FeedState> by_id;
  for (FeedState& s : *states) by_id[s.feed_id] = std::move(s);
  std::vector<FeedConfig> configured;
  if (!flags.config_dir.empty()) {
    auto feeds = LoadFeedDir(flags.config_dir);
    if (!feeds.ok()) {
      log.error("invalid configuration: {}", feeds.status().message());
      return kExitUsage;
    }
    configured = std::move(feeds).value();
    for (const FeedConfig& f : configured) {
      if (!by_id.count(f.id)) {
        FeedState never;
        never.feed_id = f.id;
        never.url = f.url;
        by_id[f.id] = never;  // configured but never polled
      }
    }
  }
  if (flags.format == "json") {
    for (const auto& [id, s] : by_id) {
      if (flags.failing_only && s.consecutive_failures == 0 && !s.retired) continue;
      nlohmann::json j = {
          {"feed", id},
          {"url", s.url},
          {"config_url", s.config_url},
          {"last_fetch_at", s.last_fetch_at ? FormatIso8601Utc(s.last_fetch_at) : ""},
          {"last_success_at", s.last_success_at ? FormatIso8601Utc(s.last_success_at) : ""},
          {"last_http_status", s.last_http_status},
          {"last_error", s.last_error},
          {"consecutive_failures", s.consecutive_failures},
          {"next_poll_at", s.next_poll_at ? FormatIso8601Utc(s.next_poll_at) : ""},
          {"interval_seconds", s.interval_seconds},
          {"polls", s.polls},
          {"articles_stored", s.articles_stored},
          {"retired", s.retired}};
      std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      std::printf("%s\n", line.c_str());
    }
    return kExitOk;
  }
  std::printf("%s %s %s %s %s %s %s %s\n", Pad("FEED", 24).c_str(), Pad("STATE", 8).c_str(),
              Pad("LAST SUCCESS", 16).c_str(), Pad("FAILS", 5).c_str(), Pad("HTTP", 4).c_str(),
              Pad("NEXT POLL", 16).c_str(), Pad("ARTICLES", 8).c_str(), "LAST ERROR");
  size_t shown = 0, failing = 0, retired = 0;
  for (const auto& [id, s] : by_id) {
    if (s.consecutive_failures > 0) ++failing;
    if (s.retired) ++retired;
    if (flags.failing_only && s.consecutive_failures == 0 && !s.retired) continue;
    std::string state = s.retired                    ? "retired"
                        : s.last_fetch_at == 0       ? "new"
                        : s.consecutive_failures > 0 ? "failing"
                                                     : "ok";
    std::string error = s.last_error.substr(0, 100);
    if (s.url != s.config_url && !s.config_url.empty()) error += " [moved to " + s.url + "]";
    std::printf("%s %s %s %s %s %s %s %s\n", Pad(id, 24).c_str(), Pad(state, 8).c_str(),
                Pad(When(s.last_success_at), 16).c_str(),
                Pad(std::to_string(s.consecutive_failures), 5).c_str(),
                Pad(s.last_http_status ? std::to_string(s.last_http_status) : "-", 4).c_str(),
                Pad(s.retired ? "never" : When(s.next_poll_at), 16).c_str(),
                Pad(std::to_string(s.articles_stored), 8).c_str(), error.c_str());
    ++shown;
  }
  std::printf("%zu feeds: %zu failing, %zu retired\n", by_id.size(), failing, retired);
  (void)shown;
  return kExitOk;
}

// A feed id from an outline's title or URL: lower-case ASCII letters and
// digits joined by '-', unique among `taken`.
std::string MakeId(const OpmlOutline& o, std::set<std::string>* taken) {
  std::string base;
  for (const std::string& source : {o.title, UrlHost(o.xml_url)}) {
    base.clear();
    for (char c : source) {
      unsigned char u = static_cast<unsigned char>(c);
      if (std::isalnum(u) && u < 0x80) {
        base += static_cast<char>(std::tolower(u));
      } else if (!base.empty() && base.back() != '-') {
        base += '-';
      }
      if (base.size() >= 48) break;
    }
    while (!base.empty() && base.back() == '-') base.pop_back();
    if (IsValidId(base)) break;
  }
  if (!IsValidId(base)) base = "feed";
  std::string id = base;
  for (int n = 2; taken->count(id); ++n) id = base + "-" + std::to_string(n);
  taken->insert(id);
  return id;
}

int CmdImport(const ImportFlags& flags, spdlog::logger& log) {
  auto body = ReadConfigFile(flags.opml_file, 16u << 20);
  if (!body.ok()) {
    log.error("{}", body.status().message());
    return kExitUsage;
  }
  auto outlines = ParseOpml(*body);
  if (!outlines.ok()) {
    log.error("{}: {}", flags.opml_file, outlines.status().ToString());
    return kExitFailure;
  }
  std::filesystem::path out = std::filesystem::path(flags.config_dir) / flags.output;
  if (out.extension() != ".toml" || flags.output.find('/') != std::string::npos) {
    log.error("--output must be a file name ending in .toml");
    return kExitUsage;
  }
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    log.error("{} exists: choose another --output", out.string());
    return kExitUsage;
  }
  auto existing = LoadFeedDir(flags.config_dir);
  if (!existing.ok()) {
    log.error("invalid configuration: {}", existing.status().message());
    return kExitUsage;
  }
  std::set<std::string> ids, urls;
  for (const FeedConfig& f : *existing) {
    ids.insert(f.id);
    auto c = CanonicalizeUrl(f.url);
    if (c.ok()) urls.insert(*c);
  }
  toml::array feeds;
  size_t skipped = 0;
  for (const OpmlOutline& o : *outlines) {
    auto canonical = CanonicalizeUrl(o.xml_url);
    if (!canonical.ok() || !urls.insert(*canonical).second) {
      ++skipped;
      continue;
    }
    toml::table t;
    t.insert("id", MakeId(o, &ids));
    t.insert("url", o.xml_url);
    t.insert("language", o.language.empty() ? flags.language : o.language);
    t.insert("source", o.title.empty() ? UrlHost(o.xml_url) : o.title);
    if (!o.category.empty()) t.insert("tags", toml::array{o.category});
    t.insert("checked", false);
    t.insert("notes", "imported from " +
                          std::filesystem::path(flags.opml_file).filename().string() +
                          (o.html_url.empty() ? "" : "; site " + o.html_url));
    feeds.push_back(std::move(t));
  }
  toml::table root;
  root.insert("feed", std::move(feeds));
  std::ostringstream text;
  text << "# Imported from " << flags.opml_file << " by `mediawatch feeds import`.\n"
       << "# Check each language tag (\"und\" = undetermined) and set checked = true once a\n"
       << "# feed has been fetched successfully.\n\n"
       << root << "\n";
  // Re-read what we are about to write: the file must load like any other.
  auto check = ParseFeedList(text.str(), out.string());
  if (!check.ok()) {
    log.error("imported feeds do not validate: {}", check.status().message());
    return kExitFailure;
  }
  std::ofstream file(out, std::ios::binary);
  file << text.str();
  if (!file) {
    log.error("cannot write {}", out.string());
    return kExitFailure;
  }
  std::printf("Imported %zu feeds into %s (%zu skipped: already configured or not http(s)).\n",
              check->size(), out.c_str(), skipped);
  return kExitOk;
}

int CmdExport(const ExportFlags& flags, spdlog::logger& log) {
  auto feeds = LoadFeedDir(flags.config_dir);
  if (!feeds.ok()) {
    log.error("invalid configuration: {}", feeds.status().message());
    return kExitUsage;
  }
  std::vector<OpmlOutline> outlines;
  for (const FeedConfig& f : *feeds) {
    OpmlOutline o;
    o.title = f.source;
    o.xml_url = f.url;
    o.language = f.language;
    if (!f.tags.empty()) o.category = f.tags.front();
    outlines.push_back(std::move(o));
  }
  std::string opml = WriteOpml(outlines, "mediawatch feeds");
  if (flags.output.empty()) {
    std::fwrite(opml.data(), 1, opml.size(), stdout);
    return kExitOk;
  }
  std::ofstream file(flags.output, std::ios::binary);
  file << opml;
  if (!file) {
    log.error("cannot write {}", flags.output);
    return kExitFailure;
  }
  std::printf("Exported %zu feeds to %s\n", outlines.size(), flags.output.c_str());
  return kExitOk;
}

}  // namespace

void AddFeedsCommand(CLI::App& app, std::vector<Command>* commands) {
  auto* feeds = app.add_subcommand("feeds", "Feed health and OPML import/export.");
  feeds->require_subcommand(1);

  auto status = std::make_shared<StatusFlags>();
  auto* status_cmd = feeds->add_subcommand(
      "status",
      "Per-feed health from the database: last success, consecutive failures, last error,\n"
      "next poll, articles stored; retired (410) and moved (301/308) feeds.");
  AddStoreFlags(status_cmd, &status->store, StoreDirRule::kMustExist);
  status_cmd->add_option("--config", status->config_dir,
                         "Also list configured feeds that were never polled");
  status_cmd->add_option("--format", status->format, "table (default) or json (JSON lines)")
      ->check(CLI::IsMember({"table", "json"}));
  status_cmd->add_flag("--failing", status->failing_only, "Only failing or retired feeds");
  commands->push_back(
      {status_cmd, [status](spdlog::logger& log) { return CmdStatus(*status, log); }});

  auto import = std::make_shared<ImportFlags>();
  auto* import_cmd = feeds->add_subcommand(
      "import",
      "Add the feeds of an OPML file to --config as a new feed list (skipping known URLs).");
  import_cmd->add_option("FILE", import->opml_file, "OPML file")->required();
  import_cmd->add_option("--config", import->config_dir, "Configuration directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  import_cmd->add_option("--output", import->output,
                         "File name to create in --config (default: imported.toml)");
  import_cmd->add_option("--language", import->language,
                         "Language tag for outlines without one (default: und)");
  commands->push_back(
      {import_cmd, [import](spdlog::logger& log) { return CmdImport(*import, log); }});

  auto exp = std::make_shared<ExportFlags>();
  auto* export_cmd = feeds->add_subcommand("export", "Write the configured feeds as OPML 2.0.");
  export_cmd->add_option("--config", exp->config_dir, "Configuration directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  export_cmd->add_option("--output", exp->output, "Write to this file (default: stdout)");
  commands->push_back({export_cmd, [exp](spdlog::logger& log) { return CmdExport(*exp, log); }});
}

}  // namespace mw
