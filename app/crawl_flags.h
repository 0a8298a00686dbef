// mediawatch/app/crawl_flags.h
//
// The flags shared by `crawl` (one pass) and `run` (continuous): where the
// configuration and database are, and the crawler settings a flag can
// override. Unset flags come from CONFIG/mediawatch.toml [crawler], then
// from the built-in defaults (docs/config.md).
#pragma once

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crawler/config.h"
#include "crawler/pipeline.h"

namespace mw {

// --- Where the store is (every command that opens one) ---
//
// `--db DIR` (the embedded RocksDB store in a directory) or `--store
// LOCATION` (a directory, or a PostgreSQL connection URI
// postgresql://...): exactly one of the two. The choice is checked when the
// command line is parsed; a violation is a usage error (exit 2) naming both
// flags. `crawl` and `run` (AddCrawlFlags) fall back to the `store` key of
// CONFIG/mediawatch.toml [crawler] when neither flag is given.

// Whether the store must exist before the command runs (a directory is
// checked at parse time; a server's database at the open).
enum class StoreDirRule {
  kMayCreate,  // crawl, run: a missing directory is created by the open
  kMustExist,  // readers
};

struct StoreFlags {
  std::string db_dir;  // --db DIR
  std::string store;   // --store LOCATION
  // Set by the parse: what to open (OpenStoreAt), and how messages name it
  // (a URI's password replaced by ********).
  std::string location;
  std::string display;
};

// Registers --db and --store on `cmd`, writing to `flags` (which must
// outlive the parse), and the parse-time check that fills flags->location.
void AddStoreFlags(CLI::App* cmd, StoreFlags* flags, StoreDirRule rule);

// AddStoreFlags (kMustExist) plus `--html-cache DIR` (into `html_cache`):
// where readers find the pages a PostgreSQL worker archived in its local
// cache (StoreOptions::raw_html_cache_dir). With a directory store the flag
// is a usage error (exit 2).
void AddHtmlCacheReadFlags(CLI::App* cmd, StoreFlags* flags, std::string* html_cache);

// `location` as messages may name it: a URI's password replaced by ********
// (a URI that does not parse is named "the PostgreSQL store").
std::string StoreDisplayName(const std::string& location);

// --- Crawling (`crawl` and `run`) ---

struct CrawlFlags {
  std::string config_dir;
  // --db DIR, and the store location after the parse when it is a directory
  // ("" for a PostgreSQL store): kept for code that opens a directory.
  std::string db_dir;
  // --store LOCATION as given.
  std::string store;
  // After the parse: the store to open with OpenStoreAt (--store, else
  // --db), and its name for messages (a URI's password replaced).
  std::string store_location;
  std::string store_display;
  bool all = false;
  bool no_robots = false;
  bool archive_html = false;
  // --html-cache DIR: with --archive-html and a PostgreSQL store, the local
  // directory for the archived pages (StoreOptions::raw_html_cache_dir).
  // Checked at the parse: with a directory store, or without
  // --archive-html, a usage error (exit 2). "" = pages go to the store.
  std::string html_cache;
  std::optional<int64_t> concurrency;
  std::optional<int64_t> per_host;
  std::optional<int64_t> max_articles;
  std::optional<int64_t> timeout_s;
  std::optional<int64_t> max_body_mb;
  std::optional<int64_t> host_delay_ms;
  std::optional<std::string> proxy;
  std::vector<std::string> allow_cidrs;
  std::string connect_to;
  bool progress = true;
};

// Registers --config, --db/--store (as AddStoreFlags, kMayCreate) and the
// crawler flags on `cmd`, writing to `flags` (which must outlive the
// parse).
void AddCrawlFlags(CLI::App* cmd, CrawlFlags* flags);

// The pass options: flags over settings over defaults.
CrawlOptions CrawlOptionsFrom(const CrawlFlags& flags, const CrawlSettings& settings);

// Routes the pipeline's log lines to `log` (which must outlive `options`).
void LogPipelineTo(spdlog::logger& log, CrawlOptions* options);

}  // namespace mw
