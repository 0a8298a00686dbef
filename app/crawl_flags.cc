// mediawatch/app/crawl_flags.cc
#include "app/crawl_flags.h"

namespace mw {

void AddCrawlFlags(CLI::App* cmd, CrawlFlags* flags) {
  cmd->add_option("--config", flags->config_dir, "Configuration directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--db", flags->db_dir, "Database directory (created if missing)")->required();
  cmd->add_flag("--all", flags->all,
                "Poll every feed now, ignoring the schedule and backoff (retired feeds "
                "stay retired)");
  cmd->add_flag("--archive-html", flags->archive_html,
                "Keep each fetched page's raw bytes in the database (mediawatch article "
                "--html shows them): evidence of what was published; costs about the "
                "compressed page size per article");
  cmd->add_flag("--ignore-robots", flags->no_robots,
                "Do not fetch or obey robots.txt (only for sites you run)");
  cmd->add_option("--proxy", flags->proxy,
                  "Proxy for every request: http://, socks5:// or socks5h://HOST:PORT "
                  "(socks5h resolves names through the proxy, e.g. Tor)");
  cmd->add_option("--concurrency", flags->concurrency, "Transfers in flight (default: 32)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--per-host", flags->per_host, "Transfers in flight per host (default: 2)")
      ->check(CLI::Range(1, 16));
  cmd->add_option("--max-articles", flags->max_articles,
                  "New articles per feed per pass (default: 200)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--timeout", flags->timeout_s, "Seconds per transfer (default: 60)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--allow-cidr", flags->allow_cidrs,
                  "Allow connections to this otherwise blocked (private, loopback...) address "
                  "block, e.g. 127.0.0.0/8; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--host-delay-ms", flags->host_delay_ms,
                  "Minimum milliseconds between two requests to one host (default: 1000)")
      ->check(CLI::Range(0, 3600000));
  cmd->add_option("--max-body-mb", flags->max_body_mb,
                  "Largest decoded response body in MiB (default: 16)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("!--no-progress", flags->progress, "No progress line on a terminal");
  cmd->add_option("--connect-to", flags->connect_to,
                  "Send every connection to HOST:PORT whatever the URL's host, like curl "
                  "--connect-to (for test farms; the address guard still applies)");
}

CrawlOptions CrawlOptionsFrom(const CrawlFlags& f, const CrawlSettings& settings) {
  CrawlOptions o;
  o.fetcher.max_concurrency = static_cast<size_t>(f.concurrency.value_or(settings.concurrency));
  o.fetcher.max_per_host = static_cast<size_t>(f.per_host.value_or(settings.per_host));
  o.fetcher.total_timeout_ms = f.timeout_s.value_or(settings.timeout_seconds) * 1000;
  o.fetcher.max_body_bytes = static_cast<size_t>(f.max_body_mb.value_or(settings.max_body_mb))
                             << 20;
  o.feed_parse.max_bytes = o.fetcher.max_body_bytes;
  o.fetcher.allowed_cidrs = settings.allow_cidrs;
  o.fetcher.allowed_cidrs.insert(o.fetcher.allowed_cidrs.end(), f.allow_cidrs.begin(),
                                 f.allow_cidrs.end());
  o.fetcher.min_host_delay_ms = f.host_delay_ms.value_or(settings.host_delay_ms);
  o.fetcher.proxy = f.proxy.value_or(settings.proxy);
  o.fetcher.user_agent = UserAgentFor(settings);
  o.fetcher.connect_to = f.connect_to;
  o.max_articles_per_feed =
      static_cast<size_t>(f.max_articles.value_or(settings.max_articles_per_feed));
  o.schedule.min_interval_seconds = settings.min_interval_seconds;
  o.schedule.max_interval_seconds = settings.max_interval_seconds;
  o.poll_all = f.all;
  o.respect_robots = settings.respect_robots && !f.no_robots;
  o.archive_html = f.archive_html;
  o.max_crawl_delay_seconds = settings.max_crawl_delay_seconds;
  return o;
}

void LogPipelineTo(spdlog::logger& log, CrawlOptions* options) {
  options->log = [&log](LogLevel level, const std::string& message) {
    switch (level) {
      case LogLevel::kDebug:
        log.debug("{}", message);
        break;
      case LogLevel::kInfo:
        log.info("{}", message);
        break;
      case LogLevel::kWarn:
        log.warn("{}", message);
        break;
      case LogLevel::kError:
        log.error("{}", message);
        break;
    }
  };
}

}  // namespace mw
