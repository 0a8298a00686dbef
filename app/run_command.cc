// `mediawatch run`: continuous monitoring (crawler/monitor.h) with a live
// status line, text or JSON-lines logs, clean shutdown on SIGINT/SIGTERM
// and an optional Prometheus endpoint.
#include <httplib.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/notifier.h"
#include "app/store_open.h"
#include "crawler/monitor.h"
#include "report/alert_config.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/matcher.h"

namespace mw {
namespace {

struct RunFlags {
  CrawlFlags crawl;
  bool until_idle = false;
  std::string metrics;  // HOST:PORT, "" = none
  std::string log_format = "text";
  int64_t heartbeat_seconds = 60;
  int64_t shutdown_seconds = 30;
  bool sync = false;
  std::string templates_dir;    // digest template overrides
  int64_t lease_seconds = 120;  // host leases when sharing a server store
};

// The alert outbox is delivered by one worker at a time, the holder of this
// lease (renewed every notifier round, at most a minute apart): two workers
// never deliver the same alert in the same round. Long enough that a slow
// round (an SMTP server timing out) does not outlive it.
constexpr std::string_view kAlertsRole = "role:alerts";
constexpr int64_t kAlertsLeaseSeconds = 300;

std::atomic<bool> g_run_stop{false};  // set by the first SIGINT/SIGTERM
std::atomic<int64_t> g_stop_requested_at{0};

void OnRunSignal(int) {
  // A second signal exits at once: every committed article is one atomic
  // write, so the database is consistent whenever the process dies.
  if (g_run_stop.exchange(true)) std::_Exit(130);
  g_stop_requested_at.store(static_cast<int64_t>(std::time(nullptr)));
}

// JSON lines: {"time":"2026-11-27T10:00:00.123Z","level":"info","msg":"..."}.
class JsonLinesSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    const std::time_t seconds = std::chrono::system_clock::to_time_t(msg.time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(ms));
    nlohmann::json line;
    line["time"] = stamp;
    line["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                                spdlog::level::to_string_view(msg.level).size());
    line["msg"] = std::string(msg.payload.data(), msg.payload.size());
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

// Live counters for the status line and the metrics endpoint, updated from
// the pipeline's progress callback (the pass's thread) and read elsewhere.
struct LiveCounters {
  std::atomic<int64_t> fetches{0};
  std::atomic<int64_t> fetch_errors{0};
  std::atomic<int64_t> feeds_in_pass{0};
  std::atomic<int64_t> feeds_done{0};
  std::atomic<int64_t> articles_queued{0};
  std::atomic<int64_t> articles_done{0};
  // CPU microseconds by article stage since the start (CrawlSummary::cpu_*).
  std::atomic<int64_t> cpu_decode_us{0};
  std::atomic<int64_t> cpu_extract_us{0};
  std::atomic<int64_t> cpu_match_us{0};
  std::atomic<int64_t> cpu_store_us{0};
};

std::string Prometheus(const RunState& s, const LiveCounters& live) {
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, int64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  metric("mediawatch_up", "gauge", "1 while mediawatch run is polling.", 1);
  metric("mediawatch_passes_total", "counter", "Polling passes completed.", s.passes);
  metric("mediawatch_feeds_polled_total", "counter", "Feed polls.", s.feeds_polled);
  metric("mediawatch_fetches_total", "counter", "HTTP fetches of feeds and articles.",
         live.fetches.load());
  metric("mediawatch_fetch_errors_total", "counter", "Failed feed and article fetches.",
         live.fetch_errors.load());
  metric("mediawatch_articles_stored_total", "counter", "New articles stored.", s.articles_stored);
  metric("mediawatch_matched_articles_total", "counter", "New articles a watch-list flagged.",
         s.matched_articles);
  metric("mediawatch_errors_total", "counter", "Failed feeds and articles.", s.errors);
  metric("mediawatch_feeds_failing", "gauge", "Feeds whose last poll failed.", s.feeds_failing);
  metric("mediawatch_queue_articles", "gauge",
         "Articles fetched or being fetched and not yet stored (pipeline queue depth).",
         std::max<int64_t>(0, live.articles_queued.load() - live.articles_done.load()));
  metric("mediawatch_pass_feeds_pending", "gauge", "Feeds of the current pass not yet done.",
         std::max<int64_t>(0, live.feeds_in_pass.load() - live.feeds_done.load()));
  out +=
      "# HELP mediawatch_article_cpu_seconds_total CPU time spent on fetched article pages, by "
      "stage (decode: charset; extract: HTML parse and text; match: watch-lists and fingerprint; "
      "store: the commit), since this process started.\n"
      "# TYPE mediawatch_article_cpu_seconds_total counter\n";
  for (const auto& [stage, us] : {std::pair<const char*, int64_t>{"decode", live.cpu_decode_us},
                                  {"extract", live.cpu_extract_us},
                                  {"match", live.cpu_match_us},
                                  {"store", live.cpu_store_us}}) {
    char value[64];
    std::snprintf(value, sizeof value, "%.6f", static_cast<double>(us) / 1e6);
    out += std::string("mediawatch_article_cpu_seconds_total{stage=\"") + stage + "\"} " + value +
           "\n";
  }
  metric("mediawatch_next_due_timestamp_seconds", "gauge", "When the next feed is due (Unix s).",
         s.next_due_at);
  metric("mediawatch_heartbeat_timestamp_seconds", "gauge", "Last heartbeat (Unix s).",
         s.heartbeat_at);
  return out;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

int CmdRun(const RunFlags& flags, spdlog::logger& log) {
  // A daemon says what it does: one line per pass at info level, unless
  // --log-level or -q chose otherwise (warn is the global default).
  if (log.level() == spdlog::level::warn) log.set_level(spdlog::level::info);
  if (flags.log_format == "json") {
    log.sinks().clear();
    log.sinks().push_back(std::make_shared<JsonLinesSink>());
  }
  auto config = LoadConfigDir(flags.crawl.config_dir);
  if (!config.ok()) {
    log.error("invalid configuration: {}", config.status().message());
    return kExitUsage;
  }
  if (config->watchlists.empty()) {
    log.warn("no watch-lists in {}/watchlists: articles are stored but nothing is flagged",
             flags.crawl.config_dir);
  }
  auto normalizer = TextNormalizer::Create({});
  if (!normalizer.ok()) {
    log.error("{}", normalizer.status().ToString());
    return kExitFailure;
  }
  auto alert_config =
      LoadAlertConfig(std::filesystem::path(flags.crawl.config_dir) / std::string(kAlertsFileName));
  if (!alert_config.ok()) {
    log.error("invalid configuration: {}", alert_config.status().message());
    return kExitUsage;
  }
  const std::vector<Watchlist> watchlists = config->watchlists;  // for alerts and digests
  auto matcher = WatchlistMatcher::Create(std::move(config->watchlists), normalizer->get());
  if (!matcher.ok()) {
    log.error("{}", matcher.status().ToString());
    return kExitUsage;
  }
  StoreOptions store_options;
  store_options.sync_writes = flags.sync;
  store_options.raw_html_cache_dir = flags.crawl.html_cache;
  auto store = OpenStoreAt(flags.crawl.store_location, store_options);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.crawl.store_display, store.status().ToString());
    return kExitFailure;
  }
  // A server store may be shared by workers on several machines: they split
  // the work by leases. A directory is locked by one process anyway.
  const bool sharing = IsServerStore(flags.crawl.store_location);
  const std::string worker_id = HostName() + ":" + std::to_string(getpid()) + ":" +
                                std::to_string(static_cast<int64_t>(std::time(nullptr)));
  Store* store_ptr = store->get();
  // Whether this worker delivers alerts now (claims or renews the role).
  std::function<bool()> may_deliver;
  if (sharing) {
    may_deliver = [store_ptr, worker_id, &log] {
      const int64_t now = static_cast<int64_t>(std::time(nullptr));
      Result<std::vector<std::string>> held = store_ptr->ClaimLeases(
          worker_id, {std::string(kAlertsRole)}, now, now + kAlertsLeaseSeconds);
      if (!held.ok()) {
        log.warn("alerts: claiming {}: {}", kAlertsRole, held.status().ToString());
        return false;
      }
      return !held->empty();
    };
  }

  auto notifier = Notifier::Create(store->get(), std::move(alert_config).value(), watchlists,
                                   normalizer->get(), flags.templates_dir, &log);
  if (!notifier.ok()) {
    log.error("{}", notifier.status().message());
    return kExitUsage;
  }

  MonitorOptions options;
  options.crawl = CrawlOptionsFrom(flags.crawl, config->settings);
  LogPipelineTo(log, &options.crawl);
  // Made with default options, as fingerprints need: the fingerprint then
  // reuses the text the matcher folded.
  options.crawl.fingerprint_normalizer = normalizer->get();
  // Two cores: the fetcher's thread parses feeds and drives transfers, one
  // worker decodes, extracts, matches and stores.
  options.crawl.background_workers = std::max<unsigned>(1, std::thread::hardware_concurrency()) > 1
                                         ? std::thread::hardware_concurrency() - 1
                                         : 0;
  options.heartbeat_seconds = flags.heartbeat_seconds;
  options.stop_when_idle = flags.until_idle;
  options.pid = static_cast<int64_t>(getpid());
  options.host = HostName();
  if (sharing) {
    options.worker_id = worker_id;
    options.lease_seconds = flags.lease_seconds;
  }

  auto live = std::make_shared<LiveCounters>();
  const bool tty = flags.crawl.progress && ::isatty(STDERR_FILENO) && flags.log_format == "text";
  Monitor* monitor_ptr = nullptr;
  options.crawl.on_progress = [live, tty, &monitor_ptr](const CrawlProgress& p) {
    live->feeds_in_pass = static_cast<int64_t>(p.feeds_total);
    live->feeds_done = static_cast<int64_t>(p.feeds_done);
    live->articles_queued = static_cast<int64_t>(p.articles_queued);
    live->articles_done = static_cast<int64_t>(p.articles_done);
    if (!tty || monitor_ptr == nullptr) return;
    const RunState s = monitor_ptr->stats();
    const double minutes =
        std::max(1.0 / 60, static_cast<double>(std::time(nullptr) - s.started_at) / 60.0);
    std::fprintf(
        stderr,
        "\r\033[K[pass %lld] feeds %zu/%zu, in flight %zu | stored %lld (%.1f/min), "
        "flagged %lld (%.1f/min) | errors %lld",
        static_cast<long long>(s.passes + 1), p.feeds_done, p.feeds_total,
        p.articles_queued - std::min(p.articles_queued, p.articles_done),
        static_cast<long long>(s.articles_stored + static_cast<int64_t>(p.articles_stored)),
        (s.articles_stored + static_cast<double>(p.articles_stored)) / minutes,
        static_cast<long long>(s.matched_articles + static_cast<int64_t>(p.matched_articles)),
        (s.matched_articles + static_cast<double>(p.matched_articles)) / minutes,
        static_cast<long long>(s.errors + static_cast<int64_t>(p.errors)));
    std::fflush(stderr);
  };
  Notifier* notifier_ptr = notifier->get();
  options.on_pass = [live, tty, &log, notifier_ptr](const RunState& s,
                                                    const CrawlSummary& summary) {
    if (summary.matched_articles > 0 || summary.edits_found > 0 || summary.removals_found > 0) {
      notifier_ptr->Wake();  // new alerts in the outbox
    }
    live->fetches += static_cast<int64_t>(summary.feeds_polled + summary.articles_fetched +
                                          summary.articles_failed);
    live->fetch_errors += static_cast<int64_t>(summary.feeds_failed + summary.articles_failed);
    live->cpu_decode_us += static_cast<int64_t>(summary.cpu_decode * 1e6);
    live->cpu_extract_us += static_cast<int64_t>(summary.cpu_extract * 1e6);
    live->cpu_match_us += static_cast<int64_t>(summary.cpu_match * 1e6);
    live->cpu_store_us += static_cast<int64_t>(summary.cpu_store * 1e6);
    if (tty) std::fprintf(stderr, "\r\033[K");
    char next[32] = "-";
    if (s.next_due_at > 0) {
      const std::time_t t = static_cast<std::time_t>(s.next_due_at);
      std::tm utc{};
      gmtime_r(&t, &utc);
      std::strftime(next, sizeof next, "%Y-%m-%dT%H:%M:%SZ", &utc);
    }
    if (summary.feeds_polled > 0 || s.passes == 1) {
      log.info("pass {}: polled {} feeds ({} failed), {} new articles, {} flagged; next due {}",
               s.passes, summary.feeds_polled, summary.feeds_failed, summary.articles_stored,
               summary.matched_articles, next);
    }
  };

  Monitor monitor(store->get(), matcher->get(), options);
  monitor_ptr = &monitor;

  // Metrics: Prometheus text format on GET /metrics.
  std::unique_ptr<httplib::Server> metrics;
  std::thread metrics_thread;
  if (!flags.metrics.empty()) {
    const size_t colon = flags.metrics.rfind(':');
    const std::string host = colon == std::string::npos ? "" : flags.metrics.substr(0, colon);
    const int port =
        colon == std::string::npos ? 0 : std::atoi(flags.metrics.substr(colon + 1).c_str());
    if (host.empty() || port <= 0 || port > 65535) {
      log.error("--metrics: '{}' is not HOST:PORT (e.g. 127.0.0.1:9464)", flags.metrics);
      return kExitUsage;
    }
    metrics = std::make_unique<httplib::Server>();
    metrics->Get("/metrics", [&monitor, live](const httplib::Request&, httplib::Response& res) {
      res.set_content(Prometheus(monitor.stats(), *live), "text/plain; version=0.0.4");
    });
    if (!metrics->bind_to_port(host, port)) {
      log.error("--metrics: cannot listen on {}", flags.metrics);
      return kExitFailure;
    }
    metrics_thread = std::thread([&metrics] { metrics->listen_after_bind(); });
    log.info("metrics on http://{}/metrics", flags.metrics);
  }

  g_run_stop = false;
  std::signal(SIGINT, OnRunSignal);
  std::signal(SIGTERM, OnRunSignal);
  // Shutdown deadline: in-flight work gets --shutdown-timeout seconds to
  // finish or be abandoned (it is redone on the next start).
  std::atomic<bool> finished{false};
  std::thread watchdog([&finished, &flags] {
    while (!finished.load()) {
      const int64_t asked = g_stop_requested_at.load();
      if (asked > 0 && std::time(nullptr) - asked > flags.shutdown_seconds) std::_Exit(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  if (sharing) {
    log.info("monitoring {} feeds into {} as worker {} (sharing by {} s leases)",
             config->feeds.size(), flags.crawl.store_display, worker_id, flags.lease_seconds);
  } else {
    log.info("monitoring {} feeds into {} (pid {})", config->feeds.size(),
             flags.crawl.store_display, getpid());
  }
  // Alerts and digests go out from their own thread, so a slow mail server
  // never holds up polling.
  std::atomic<bool> notifier_stop{false};
  std::thread notifier_thread([&notifier, &notifier_stop, &may_deliver] {
    (*notifier)->Loop(notifier_stop, 60, may_deliver);
  });
  Status status = monitor.Run(config->feeds, g_run_stop);
  notifier_stop = true;
  (*notifier)->Wake();
  notifier_thread.join();
  if (status.ok() && flags.until_idle && !g_run_stop.load() && (!may_deliver || may_deliver())) {
    // A batch run delivers what it found before it exits (sharing: unless
    // another worker holds the alerts role; it delivers them).
    Result<NotifierRound> round = (*notifier)->RunOnce(static_cast<int64_t>(std::time(nullptr)));
    if (!round.ok()) log.error("alerts: {}", round.status().ToString());
  }
  if (sharing) {
    // The alerts role (the monitor released its hosts already).
    Status released = store_ptr->ReleaseLeases(worker_id, {}, 0);
    if (!released.ok()) log.warn("releasing leases: {}", released.ToString());
  }
  finished = true;
  watchdog.join();
  if (metrics) {
    metrics->stop();
    metrics_thread.join();
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  const RunState s = monitor.stats();
  if (!status.ok()) {
    log.error("stopped: {}", status.ToString());
    return kExitFailure;
  }
  log.info("stopped after {} passes: {} new articles, {} flagged, {} errors", s.passes,
           s.articles_stored, s.matched_articles, s.errors);
  return kExitOk;
}

}  // namespace

void AddRunCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand(
      "run",
      "Monitor continuously: poll every feed in --config when it is due (adaptive intervals,\n"
      "backoff, robots.txt, conditional GET), store and flag new articles, sleep until the next\n"
      "feed is due. SIGINT/SIGTERM stop cleanly (in-flight work finishes or is redone on the\n"
      "next start); a second signal exits at once, still consistent. Safe to kill -9 at any\n"
      "moment: no article is lost once stored, none is stored twice. `mediawatch status --db\n"
      "DIR` shows what a running or stopped instance is doing. docs/operations.md: systemd,\n"
      "logs, backups, upgrades.\n"
      "Alerts and digests: with --config DIR/alerts.toml, new matches, edits and removals are\n"
      "delivered to its sinks (webhook, e-mail, JSON lines, Atom feed) exactly once, retried\n"
      "until acknowledged, also across restarts; scheduled digests are e-mailed at their local\n"
      "time. `mediawatch alerts pending` shows what waits (docs/alerts.md).\n"
      "Several workers: with --store postgresql://... any number of `run` processes, on any\n"
      "machines, share the work: each pass a worker claims a lease on the hosts of a fair share\n"
      "of the due feeds and polls only those, so one worker at a time talks to a host (the\n"
      "per-host limits hold across workers); a worker that dies loses its hosts when its leases\n"
      "expire (--lease-seconds) and the others take them over. One worker at a time (the\n"
      "holder of the role:alerts lease) delivers alerts. `mediawatch workers` lists them\n"
      "(docs/operations.md).");
  AddCrawlFlags(cmd, &flags->crawl);
  cmd->add_flag("--until-idle", flags->until_idle,
                "Stop (exit 0) after a pass that leaves no feed due right away");
  cmd->add_option("--metrics", flags->metrics,
                  "Serve Prometheus metrics on http://HOST:PORT/metrics, e.g. 127.0.0.1:9464 "
                  "(fetches, errors, articles, matches, queue depth, next due)");
  cmd->add_option("--log-format", flags->log_format,
                  "text (default) or json: one JSON object per line on stderr "
                  "{\"time\",\"level\",\"msg\"}")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--heartbeat", flags->heartbeat_seconds,
                  "Seconds between status updates in the database while idle (default: 60)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--shutdown-timeout", flags->shutdown_seconds,
                  "Seconds in-flight work may take after SIGINT/SIGTERM before the process "
                  "exits anyway (default: 30)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--templates", flags->templates_dir,
                  "Directory with digest.html.mustache / digest.md.mustache overriding the "
                  "built-in digest templates");
  cmd->add_option("--lease-seconds", flags->lease_seconds,
                  "With a PostgreSQL --store: how long a worker's claim on a host lasts unless "
                  "renewed (every third of it while a pass runs); a dead worker's hosts are taken "
                  "over after this long (default: 120)")
      ->check(CLI::Range(3, 3600));
  cmd->add_flag("--sync", flags->sync,
                "fsync every write: committed articles also survive power loss (slower)");
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdRun(*flags, log); }});
}

}  // namespace mw
