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

struct CrawlFlags {
  std::string config_dir;
  std::string db_dir;
  bool all = false;
  bool no_robots = false;
  bool archive_html = false;
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

// Registers --config, --db and the crawler flags on `cmd`, writing to
// `flags` (which must outlive the parse).
void AddCrawlFlags(CLI::App* cmd, CrawlFlags* flags);

// The pass options: flags over settings over defaults.
CrawlOptions CrawlOptionsFrom(const CrawlFlags& flags, const CrawlSettings& settings);

// Routes the pipeline's log lines to `log` (which must outlive `options`).
void LogPipelineTo(spdlog::logger& log, CrawlOptions* options);

}  // namespace mw
