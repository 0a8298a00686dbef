// mediawatch/report/alert_dispatcher.h
//
// Delivers the store's outbox (Store::PendingAlerts) to the configured
// sinks, exactly once per (alert, sink) as the receiver sees it:
//
//   1. An alert goes to the sinks of every [[alert]] rule that selects it
//      (its watch-list, targets and event). With none it is completed at
//      once (kept in the history, sent nowhere).
//   2. Before the first attempt the message an alert travels in is fixed
//      and recorded (AlertDelivery::batch_id = AlertMessage::id): a retry,
//      also after a restart, re-sends the same message with the same id.
//   3. A sink's acknowledgement marks every alert of the message delivered
//      to that sink in one atomic write; a delivered (alert, sink) is never
//      sent again. An alert delivered to all of its sinks is completed.
//   4. A failed attempt is retried after a backoff (30 s doubling up to
//      6 h), for ever: `mediawatch alerts pending` shows what is stuck.
//
// The one window left is a crash after the receiver acknowledged and
// before step 3 committed: the message is then sent again, with the same
// id (webhook Idempotency-Key, e-mail Message-ID, jsonl/atom "id"), so
// the receiver can tell. The Atom sink drops repeated ids itself.
//
// Quiet hours: alerts that fall due during a rule's quiet hours wait until
// they end and then go out together as one message. Rate limits: at most N
// messages per window per (rule, sink); when more alerts are due than
// messages remain, the last message carries all the rest. The window's
// count lives in memory (a restart starts a fresh window).
//
// Thread safety: one thread calls RunOnce at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "report/alert.h"
#include "report/alert_config.h"
#include "storage/store.h"

namespace mw {

struct DispatchOptions {
  size_t max_alerts_per_round = 1000;  // pending alerts read per RunOnce
  size_t max_items_per_message = 50;   // a batch larger than this is split
  int64_t first_backoff_seconds = 30;
  int64_t max_backoff_seconds = 6 * 3600;
};

struct DispatchSummary {
  size_t messages_sent = 0;     // acknowledged messages
  size_t alerts_delivered = 0;  // (alert, sink) pairs acknowledged
  size_t attempts_failed = 0;
  size_t alerts_completed = 0;  // left the outbox (all sinks done, or none configured)
  size_t alerts_waiting = 0;    // still pending after this round
  // When the next attempt, quiet-hours end or rate-limit window is due
  // (Unix s); 0 when nothing waits.
  int64_t next_due_at = 0;
  std::string last_error;  // of the last failed attempt ("" if none)
};

class AlertDispatcher {
 public:
  // `sinks` by name; every sink named in `config.alerts` must be present.
  // `watchlist_names` maps watch-list ids to display names (may be empty).
  AlertDispatcher(Store* store, AlertConfig config,
                  std::map<std::string, std::unique_ptr<AlertSink>> sinks,
                  std::map<std::string, std::string> watchlist_names, DispatchOptions options = {});

  // Delivers what is due at `now` (Unix s). Errors: only store errors;
  // failed deliveries are counted in the summary and retried later.
  Result<DispatchSummary> RunOnce(int64_t now);

  // Builds the AlertItem of an outbox record (article, its matches in the
  // watch-list, cluster, change). Exposed for `alerts test` and tests.
  Result<AlertItem> BuildItem(const AlertRecord& alert);

 private:
  struct Group;
  const AlertRule* RuleFor(const AlertRecord& alert, const std::string& sink) const;
  bool InQuietHours(const AlertRule& rule, int64_t time) const;
  int64_t QuietHoursEnd(const AlertRule& rule, int64_t time) const;
  // One attempt of one message. On success `sink` leaves each alert's
  // entry in `needed`; an alert with no sink left is appended to `complete`.
  Status SendGroup(const std::string& sink, const std::vector<const PendingAlert*>& alerts,
                   const std::string& batch_id, int attempts_so_far, int64_t now,
                   std::map<std::string, std::set<std::string>>* needed,
                   std::vector<std::string>* complete, DispatchSummary* summary);

  Store* store_;
  AlertConfig config_;
  std::map<std::string, std::unique_ptr<AlertSink>> sinks_;
  std::map<std::string, std::string> watchlist_names_;
  DispatchOptions options_;
  // Send times per (rule index, sink), for rate limits.
  std::map<std::pair<size_t, std::string>, std::deque<int64_t>> sent_;
};

// The AlertMessage id of a batch of alert ids: the id itself for one,
// else "batch-" + 16 hex digits of a hash of the sorted ids.
std::string BatchIdFor(std::vector<std::string> alert_ids);

}  // namespace mw
