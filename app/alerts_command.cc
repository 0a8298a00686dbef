// `mediawatch alerts pending|history|deliver|test`: the alert outbox and
// its sinks (report/alert_dispatcher.h, docs/alerts.md).
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/notifier.h"
#include "app/store_open.h"
#include "parsers/date.h"
#include "report/alert_config.h"
#include "report/sinks.h"
#include "text/normalizer.h"

namespace mw {
namespace {

struct AlertsFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  std::string config_dir = "feeds";
  std::string watchlist;
  std::string sink;
  std::string templates_dir;
  size_t limit = 100;
  bool json = false;
};

std::string TimeOrDash(int64_t t) { return t == 0 ? "-" : FormatIso8601Utc(t); }

Result<AlertConfig> LoadAlerts(const AlertsFlags& flags) {
  const std::filesystem::path path = std::filesystem::path(flags.config_dir) / kAlertsFileName;
  Result<AlertConfig> config = LoadAlertConfig(path);
  if (!config.ok()) return config.status();
  return config;
}

int CmdPending(const AlertsFlags& flags, spdlog::logger& log) {
  std::unique_ptr<Store> store = OpenStoreForReading(flags.store.location, log);
  if (!store) return kExitFailure;
  Result<std::vector<PendingAlert>> pending = store->PendingAlerts(flags.limit);
  if (!pending.ok()) {
    log.error("{}", pending.status().ToString());
    return kExitFailure;
  }
  Result<size_t> total = store->CountPendingAlerts();
  if (!total.ok()) {
    log.error("{}", total.status().ToString());
    return kExitFailure;
  }
  if (flags.json) {
    for (const PendingAlert& p : *pending) {
      nlohmann::json j = {{"id", p.alert.id},
                          {"watchlist", p.alert.watchlist_id},
                          {"article", p.alert.article_id},
                          {"event", p.alert.event},
                          {"version", p.alert.version},
                          {"created_at", FormatIso8601Utc(p.alert.created_at)},
                          {"targets", p.alert.target_ids},
                          {"deliveries", nlohmann::json::array()}};
      for (const AlertDelivery& d : p.deliveries) {
        j["deliveries"].push_back(
            {{"sink", d.sink},
             {"attempts", d.attempts},
             {"next_attempt_at", d.next_attempt_at == 0
                                     ? nlohmann::json(nullptr)
                                     : nlohmann::json(FormatIso8601Utc(d.next_attempt_at))},
             {"delivered_at", d.delivered_at == 0
                                  ? nlohmann::json(nullptr)
                                  : nlohmann::json(FormatIso8601Utc(d.delivered_at))},
             {"message", d.batch_id},
             {"last_error", d.last_error}});
      }
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    return kExitOk;
  }
  std::printf("%zu alerts pending%s\n", *total,
              *total > pending->size()
                  ? (" (the oldest " + std::to_string(pending->size()) + " shown)").c_str()
                  : "");
  for (const PendingAlert& p : *pending) {
    std::printf("%s  %s  %s v%d  %s\n", FormatIso8601Utc(p.alert.created_at).c_str(),
                p.alert.watchlist_id.c_str(), p.alert.event.c_str(), p.alert.version,
                p.alert.article_id.c_str());
    for (const AlertDelivery& d : p.deliveries) {
      if (d.delivered_at != 0) {
        std::printf("    %-16s delivered %s\n", d.sink.c_str(), TimeOrDash(d.delivered_at).c_str());
      } else {
        std::printf("    %-16s %d attempts, next %s%s%s\n", d.sink.c_str(), d.attempts,
                    TimeOrDash(d.next_attempt_at).c_str(), d.last_error.empty() ? "" : ": ",
                    d.last_error.c_str());
      }
    }
  }
  return kExitOk;
}

int CmdHistory(const AlertsFlags& flags, spdlog::logger& log) {
  std::unique_ptr<Store> store = OpenStoreForReading(flags.store.location, log);
  if (!store) return kExitFailure;
  Result<std::vector<AlertRecord>> history = store->AlertHistory(flags.watchlist, flags.limit);
  if (!history.ok()) {
    log.error("{}", history.status().ToString());
    return kExitFailure;
  }
  for (const AlertRecord& a : *history) {
    if (flags.json) {
      nlohmann::json j = {{"id", a.id},
                          {"watchlist", a.watchlist_id},
                          {"article", a.article_id},
                          {"event", a.event},
                          {"version", a.version},
                          {"created_at", FormatIso8601Utc(a.created_at)},
                          {"completed_at", FormatIso8601Utc(a.completed_at)},
                          {"targets", a.target_ids},
                          {"delivered_to", a.delivered_to}};
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      continue;
    }
    std::string to;
    for (const std::string& s : a.delivered_to) to += (to.empty() ? "" : ",") + s;
    std::printf("%s  %s  %s v%d  %s  -> %s\n", FormatIso8601Utc(a.created_at).c_str(),
                a.watchlist_id.c_str(), a.event.c_str(), a.version, a.article_id.c_str(),
                to.empty() ? "(no sink)" : to.c_str());
  }
  return kExitOk;
}

int CmdDeliver(const AlertsFlags& flags, spdlog::logger& log) {
  Result<AlertConfig> config = LoadAlerts(flags);
  if (!config.ok()) {
    log.error("invalid configuration: {}", config.status().message());
    return kExitUsage;
  }
  Result<std::vector<Watchlist>> watchlists =
      LoadWatchlistDir(std::filesystem::path(flags.config_dir) / "watchlists");
  if (!watchlists.ok()) {
    log.error("invalid configuration: {}", watchlists.status().message());
    return kExitUsage;
  }
  auto normalizer = TextNormalizer::Create({});
  if (!normalizer.ok()) {
    log.error("{}", normalizer.status().ToString());
    return kExitFailure;
  }
  StoreOptions options;
  options.create_if_missing = false;
  Result<std::unique_ptr<Store>> store = OpenStoreAt(flags.store.location, options);
  if (!store.ok()) {
    log.error("cannot open database {}: {}", flags.store.display, store.status().ToString());
    return kExitFailure;
  }
  Result<std::unique_ptr<Notifier>> notifier =
      Notifier::Create(store->get(), std::move(config).value(), std::move(watchlists).value(),
                       normalizer->get(), flags.templates_dir, &log);
  if (!notifier.ok()) {
    log.error("{}", notifier.status().message());
    return kExitUsage;
  }
  Result<NotifierRound> round = (*notifier)->RunOnce(static_cast<int64_t>(std::time(nullptr)));
  if (!round.ok()) {
    log.error("{}", round.status().ToString());
    return kExitFailure;
  }
  const DispatchSummary& a = round->alerts;
  std::printf(
      "%zu messages delivered (%zu alert deliveries), %zu attempts failed, %zu alerts completed, "
      "%zu waiting; %zu digests sent, %zu failed\n",
      a.messages_sent, a.alerts_delivered, a.attempts_failed, a.alerts_completed, a.alerts_waiting,
      round->digests_sent, round->digests_failed);
  if (!a.last_error.empty()) std::printf("last error: %s\n", a.last_error.c_str());
  return a.attempts_failed > 0 || round->digests_failed > 0 ? kExitFailure : kExitOk;
}

// A sample alert that shows what a real one looks like: English, both
// Chinese scripts and Uyghur, through the same sink code as real alerts.
AlertMessage SampleMessage(const std::string& watchlist) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  AlertItem item;
  item.id = "test." + std::to_string(now) + "." + watchlist;
  item.watchlist_id = watchlist;
  item.watchlist_name = "Test alert (" + watchlist + ")";
  item.event = "match";
  item.time = now;
  item.article.id = "0000000000000000";
  item.article.url = "https://example.org/mediawatch-test-alert";
  item.article.title = "mediawatch test alert: 关恒 / 關恆 / گۇەن خېڭ";
  item.article.source = "mediawatch";
  item.article.feed_id = "test";
  item.article.language = "en";
  item.article.fetched_at = now;
  item.article.published = now;
  MatchRecord m;
  m.watchlist_id = watchlist;
  m.target_id = "guan-heng";
  m.kind = "entity";
  m.term = "Guan Heng";
  m.field = "text";
  m.snippet = "This is a test of the alert sink: Guan Heng (关恒 / 關恆) matched.";
  m.count = 1;
  item.matches.push_back(m);
  AlertMessage message;
  message.id = item.id;
  message.watchlist_id = watchlist;
  message.watchlist_name = item.watchlist_name;
  message.items.push_back(std::move(item));
  return message;
}

int CmdTest(const AlertsFlags& flags, spdlog::logger& log) {
  Result<AlertConfig> config = LoadAlerts(flags);
  if (!config.ok()) {
    log.error("invalid configuration: {}", config.status().message());
    return kExitUsage;
  }
  const SinkSpec* spec = config->FindSink(flags.sink);
  if (spec == nullptr) {
    log.error("no sink '{}' in {}/{}", flags.sink, flags.config_dir, kAlertsFileName);
    return kExitUsage;
  }
  Result<std::unique_ptr<AlertSink>> sink = MakeSink(*spec);
  if (!sink.ok()) {
    log.error("sink '{}': {}", flags.sink, sink.status().message());
    return kExitUsage;
  }
  AlertMessage message = SampleMessage(flags.watchlist.empty() ? "test" : flags.watchlist);
  Status status = (*sink)->Deliver(message);
  if (!status.ok()) {
    std::printf("sink '%s': FAILED: %s\n", flags.sink.c_str(), status.message().c_str());
    return kExitFailure;
  }
  std::printf("sink '%s': test alert %s delivered\n", flags.sink.c_str(), message.id.c_str());
  return kExitOk;
}

}  // namespace

void AddAlertsCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<AlertsFlags>();
  CLI::App* alerts = app.add_subcommand(
      "alerts",
      "The alert outbox: alerts waiting for delivery, delivered ones, a delivery round, and a\n"
      "test message to one sink. Sinks and rules are in CONFIG/alerts.toml (docs/alerts.md);\n"
      "`run` delivers continuously.");
  alerts->require_subcommand(1);

  CLI::App* pending = alerts->add_subcommand(
      "pending",
      "Alerts not yet delivered to every sink, oldest first, with each sink's\n"
      "attempts, next attempt and last error.");
  AddStoreFlags(pending, &flags->store, StoreDirRule::kMustExist);
  pending->add_option("--limit", flags->limit, "show at most N (default 100)");
  pending->add_flag("--json", flags->json, "one JSON object per alert");
  commands->push_back({pending, [flags](spdlog::logger& log) { return CmdPending(*flags, log); }});

  CLI::App* history = alerts->add_subcommand(
      "history", "Completed alerts, newest first, with the sinks that acknowledged them.");
  AddStoreFlags(history, &flags->store, StoreDirRule::kMustExist);
  history->add_option("--watchlist", flags->watchlist, "only this watch-list");
  history->add_option("--limit", flags->limit, "show at most N (default 100)");
  history->add_flag("--json", flags->json, "one JSON object per alert");
  commands->push_back({history, [flags](spdlog::logger& log) { return CmdHistory(*flags, log); }});

  CLI::App* deliver = alerts->add_subcommand(
      "deliver",
      "One delivery round: send the alerts that are due and the digests whose time has come\n"
      "(for use after `crawl --once` from cron; `run` does this by itself). Exit 1 when a\n"
      "delivery failed (it is retried on the next round).");
  AddStoreFlags(deliver, &flags->store, StoreDirRule::kMustExist);
  deliver->add_option("--config", flags->config_dir,
                      "configuration directory with alerts.toml and watchlists/ (default: feeds)");
  deliver->add_option("--templates", flags->templates_dir,
                      "directory with digest.html.mustache / digest.md.mustache overrides");
  commands->push_back({deliver, [flags](spdlog::logger& log) { return CmdDeliver(*flags, log); }});

  CLI::App* test = alerts->add_subcommand(
      "test",
      "Send a sample alert (English, Chinese and Uyghur text) to one sink and report\n"
      "whether the receiver acknowledged it. Nothing is read from or written to a database.");
  test->add_option("--sink", flags->sink, "sink name in alerts.toml")->required();
  test->add_option("--config", flags->config_dir,
                   "configuration directory with alerts.toml (default: feeds)");
  test->add_option("--watchlist", flags->watchlist, "watch-list id to put in the sample");
  commands->push_back({test, [flags](spdlog::logger& log) { return CmdTest(*flags, log); }});
}

}  // namespace mw
