// mediawatch/app/notifier.cc
#include "app/notifier.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "report/digest.h"
#include "report/email.h"
#include "report/sinks.h"

namespace mw {
namespace {

constexpr int64_t kDigestRetrySeconds = 300;

// "08:00" for minute 480.
std::string Clock(int minute) {
  const int h = (minute / 60) % 24;
  const int m = minute % 60;
  return std::string{static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10), ':',
                     static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10)};
}

// The app-state key remembering the last local day a schedule was sent for.
std::string DigestStateKey(const DigestSchedule& d) {
  return "digest-sent/" + d.watchlist_id + "@" + Clock(d.at_minute) + " " + d.time_zone;
}

// Writes `content` to `path` atomically (temporary file, fsync, rename).
Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IoError("cannot write " + tmp.string());
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return Status::IoError("cannot write " + path.string());
  }
  return Status::Ok();
}

}  // namespace

Notifier::Notifier(Store* store, AlertConfig config, std::vector<Watchlist> watchlists,
                   const TextNormalizer* normalizer, std::string templates_dir, spdlog::logger* log,
                   std::unique_ptr<AlertDispatcher> dispatcher)
    : store_(store),
      config_(std::move(config)),
      watchlists_(std::move(watchlists)),
      normalizer_(normalizer),
      templates_dir_(std::move(templates_dir)),
      log_(log),
      dispatcher_(std::move(dispatcher)) {}

Result<std::unique_ptr<Notifier>> Notifier::Create(Store* store, AlertConfig config,
                                                   std::vector<Watchlist> watchlists,
                                                   const TextNormalizer* normalizer,
                                                   std::string templates_dir, spdlog::logger* log) {
  std::map<std::string, std::string> names;
  for (const Watchlist& w : watchlists) names[w.id] = w.name;
  for (const AlertRule& rule : config.alerts) {
    if (names.count(rule.watchlist_id) == 0) {
      log->warn("alerts.toml: no watch-list '{}' is loaded; its alert rule never fires",
                rule.watchlist_id);
    }
  }
  std::map<std::string, std::unique_ptr<AlertSink>> sinks;
  for (const SinkSpec& spec : config.sinks) {
    Result<std::unique_ptr<AlertSink>> sink = MakeSink(spec);
    if (!sink.ok()) {
      return Status(sink.status().code(),
                    "alerts.toml: sink '" + spec.name + "': " + sink.status().message());
    }
    sinks[spec.name] = std::move(sink).value();
  }
  DispatchOptions options;
  options.first_backoff_seconds = config.first_retry_seconds;
  options.max_backoff_seconds = config.max_retry_seconds;
  auto dispatcher =
      std::make_unique<AlertDispatcher>(store, config, std::move(sinks), std::move(names), options);
  return std::unique_ptr<Notifier>(new Notifier(store, std::move(config), std::move(watchlists),
                                                normalizer, std::move(templates_dir), log,
                                                std::move(dispatcher)));
}

Result<int64_t> Notifier::MaybeSendDigest(const DigestSchedule& schedule, int64_t now, bool* sent,
                                          bool* failed) {
  const std::string today = LocalDate(now, schedule.time_zone);
  Result<int64_t> send_at =
      ParseLocalTime(today + "T" + Clock(schedule.at_minute), schedule.time_zone);
  if (!send_at.ok()) return send_at.status();
  Result<std::pair<int64_t, int64_t>> today_range = LocalDayRange(today, schedule.time_zone);
  if (!today_range.ok()) return today_range.status();
  // Tomorrow's send time: ample for the next look (DST shifts it by an hour
  // at most, and the loop wakes every minute anyway).
  const int64_t tomorrow = today_range->second + (*send_at - today_range->first);
  const std::string key = DigestStateKey(schedule);
  Result<std::optional<std::string>> last = store_->GetAppState(key);
  if (!last.ok()) return last.status();
  if (now < *send_at || (last->has_value() && **last >= today)) {
    return now < *send_at ? *send_at : tomorrow;
  }
  auto retry = digest_retry_at_.find(key);
  if (retry != digest_retry_at_.end() && now < retry->second) return retry->second;

  // The digest of the local day before today.
  const std::string day = LocalDate(today_range->first - 1, schedule.time_zone);
  Result<std::pair<int64_t, int64_t>> range = LocalDayRange(day, schedule.time_zone);
  if (!range.ok()) return range.status();
  DigestOptions options;
  options.watchlist_id = schedule.watchlist_id;
  options.since = range->first;
  options.until = range->second;
  options.time_zone = schedule.time_zone;
  options.generated_at = now;
  Result<Digest> digest = BuildDigest(*store_, watchlists_, normalizer_, options);
  if (!digest.ok()) return digest.status();
  Result<std::string> html = RenderDigest(*digest, DigestFormat::kHtml, templates_dir_);
  Result<std::string> text = RenderDigest(*digest, DigestFormat::kMarkdown, templates_dir_);
  Status status = !html.ok() ? html.status() : text.status();
  if (status.ok() && !schedule.directory.empty()) {
    std::filesystem::path path = std::filesystem::path(schedule.directory) /
                                 ("digest-" + schedule.watchlist_id + "-" + day + ".html");
    status = WriteFileAtomically(path, *html);
  }
  for (const std::string& sink_name : schedule.sinks) {
    if (!status.ok()) break;
    const SinkSpec* spec = config_.FindSink(sink_name);
    EmailMessage mail;
    mail.subject = "[mediawatch] " + digest->watchlist_name + ": digest for " + day + " (" +
                   std::to_string(digest->story_count) +
                   (digest->story_count == 1 ? " story)" : " stories)");
    mail.text = *text;
    mail.html = *html;
    mail.message_id = "digest." + schedule.watchlist_id + "." + day + "." + sink_name;
    status = SendEmail(*spec, mail);
    if (!status.ok())
      status = Status(status.code(), "sink '" + sink_name + "': " + status.message());
  }
  if (!status.ok()) {
    *failed = true;
    log_->warn("digest of {} for {}: {} (retrying in {} min)", schedule.watchlist_id, day,
               status.message(), kDigestRetrySeconds / 60);
    digest_retry_at_[key] = now + kDigestRetrySeconds;
    return now + kDigestRetrySeconds;
  }
  digest_retry_at_.erase(key);
  MW_RETURN_IF_ERROR(store_->PutAppState(key, today));
  *sent = true;
  log_->info("digest of {} for {} sent ({} stories)", schedule.watchlist_id, day,
             digest->story_count);
  return tomorrow;
}

Result<NotifierRound> Notifier::RunOnce(int64_t now) {
  NotifierRound round;
  Result<DispatchSummary> alerts = dispatcher_->RunOnce(now);
  if (!alerts.ok()) return alerts.status();
  round.alerts = *alerts;
  round.next_due_at = alerts->next_due_at;
  if (alerts->messages_sent > 0 || alerts->attempts_failed > 0) {
    log_->info("alerts: {} messages delivered ({} alerts), {} attempts failed, {} waiting",
               alerts->messages_sent, alerts->alerts_delivered, alerts->attempts_failed,
               alerts->alerts_waiting);
  }
  if (alerts->attempts_failed > 0) log_->warn("alert delivery failed: {}", alerts->last_error);
  for (const DigestSchedule& schedule : config_.digests) {
    bool sent = false;
    bool failed = false;
    Result<int64_t> next = MaybeSendDigest(schedule, now, &sent, &failed);
    if (!next.ok()) return next.status();
    round.digests_sent += sent ? 1 : 0;
    round.digests_failed += failed ? 1 : 0;
    if (round.next_due_at == 0 || *next < round.next_due_at) round.next_due_at = *next;
  }
  return round;
}

void Notifier::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Notifier::Loop(const std::atomic<bool>& stop, int max_sleep_seconds,
                    const std::function<bool()>& may_deliver) {
  while (!stop.load()) {
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    int64_t sleep = max_sleep_seconds;
    Result<NotifierRound> round = NotifierRound{};
    if (!may_deliver || may_deliver()) round = RunOnce(now);
    if (!round.ok()) {
      log_->error("alerts: {}", round.status().ToString());
    } else if (round->next_due_at > 0) {
      sleep = std::clamp<int64_t>(round->next_due_at - now, 1, max_sleep_seconds);
    }
    std::unique_lock<std::mutex> lock(mu_);
    // Wake up early for new alerts, and every 200 ms to notice `stop`.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(sleep);
    while (!woken_ && !stop.load() && std::chrono::steady_clock::now() < deadline) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
    woken_ = false;
  }
}

}  // namespace mw
