// mediawatch/app/notifier.h
//
// The part of `mediawatch run` (and of `alerts deliver`) that talks to
// people: it delivers the alert outbox through the sinks of alerts.toml
// (report/alert_dispatcher.h) and sends the scheduled daily digests
// (report/digest.h) at their local time, once per day and watch-list, also
// across restarts (the last day sent is kept in the store's app state).
//
// Thread safety: RunOnce is called from one thread at a time; Wake and
// Loop's stop flag may be used from any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "report/alert_config.h"
#include "report/alert_dispatcher.h"
#include "storage/store.h"
#include "text/normalizer.h"
#include "watch/watchlist.h"

namespace mw {

struct NotifierRound {
  DispatchSummary alerts;
  size_t digests_sent = 0;
  size_t digests_failed = 0;
  int64_t next_due_at = 0;  // when RunOnce has work again (Unix s)
};

class Notifier {
 public:
  // `store` and `normalizer` must outlive the notifier. `templates_dir`: ""
  // = the built-in digest templates.
  static Result<std::unique_ptr<Notifier>> Create(Store* store, AlertConfig config,
                                                  std::vector<Watchlist> watchlists,
                                                  const TextNormalizer* normalizer,
                                                  std::string templates_dir, spdlog::logger* log);

  // True when alerts.toml configures no alert rule and no digest (alerts
  // are then completed unsent by RunOnce).
  bool idle_config() const { return config_.alerts.empty() && config_.digests.empty(); }

  // Delivers the alerts due at `now` and sends the digests due. Errors:
  // store errors only (failed deliveries are retried later).
  Result<NotifierRound> RunOnce(int64_t now);

  // Calls RunOnce until `stop` is set: again at the next due time, after
  // Wake(), and at least every `max_sleep_seconds`. `may_deliver`, when
  // set, is asked before every round; false skips the round (another
  // worker sharing the store delivers: `mediawatch run` holds the
  // "role:alerts" lease through it) and asks again after
  // `max_sleep_seconds` or a Wake().
  void Loop(const std::atomic<bool>& stop, int max_sleep_seconds = 60,
            const std::function<bool()>& may_deliver = nullptr);
  void Wake();

 private:
  Notifier(Store* store, AlertConfig config, std::vector<Watchlist> watchlists,
           const TextNormalizer* normalizer, std::string templates_dir, spdlog::logger* log,
           std::unique_ptr<AlertDispatcher> dispatcher);
  // Sends the digest of `schedule` for the local day before `today` when its
  // time has come; returns when to look again.
  Result<int64_t> MaybeSendDigest(const DigestSchedule& schedule, int64_t now, bool* sent,
                                  bool* failed);

  Store* store_;
  AlertConfig config_;
  std::vector<Watchlist> watchlists_;
  const TextNormalizer* normalizer_;
  std::string templates_dir_;
  spdlog::logger* log_;
  std::unique_ptr<AlertDispatcher> dispatcher_;
  // Failed digest sends wait before the next try (in memory).
  std::map<std::string, int64_t> digest_retry_at_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
};

}  // namespace mw
