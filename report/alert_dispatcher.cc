// mediawatch/report/alert_dispatcher.cc
#include "report/alert_dispatcher.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/failpoint.h"

namespace mw {
namespace {

constexpr size_t kMaxAlsoPublishedBy = 10;
constexpr size_t kMaxChangeBytes = 600;
constexpr int64_t kDay = 86400;

// 64-bit FNV-1a: stable across builds and machines.
uint64_t Fnv1a(std::string_view bytes, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Cuts `text` to at most `max` bytes at a UTF-8 character boundary.
std::string Truncate(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text += "…";
  return text;
}

// The changed lines of a LineDiff ("+ " / "- " prefixed), up to the cap.
std::string DiffExcerpt(const std::string& diff) {
  std::string out;
  size_t pos = 0;
  while (pos < diff.size() && out.size() < kMaxChangeBytes) {
    size_t end = diff.find('\n', pos);
    if (end == std::string::npos) end = diff.size();
    std::string_view line(diff.data() + pos, end - pos);
    if (line.rfind("+ ", 0) == 0 || line.rfind("- ", 0) == 0) {
      if (!out.empty()) out += '\n';
      out += line;
    }
    pos = end + 1;
  }
  return Truncate(std::move(out), kMaxChangeBytes);
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

int64_t Backoff(const DispatchOptions& options, int attempts, bool transient) {
  int64_t delay = options.first_backoff_seconds;
  // A permanent-looking error (a 4xx, a refused recipient) is retried too, as
  // the receiver may be fixed, but it starts further along the curve.
  int steps = attempts - 1 + (transient ? 0 : 4);
  for (int i = 0; i < steps && delay < options.max_backoff_seconds; ++i) delay *= 2;
  return std::min(delay, options.max_backoff_seconds);
}

}  // namespace

std::string BatchIdFor(std::vector<std::string> alert_ids) {
  if (alert_ids.size() == 1) return alert_ids[0];
  std::sort(alert_ids.begin(), alert_ids.end());
  uint64_t h = Fnv1a("batch");
  for (const std::string& id : alert_ids) {
    h = Fnv1a(id, h);
    h = Fnv1a(std::string_view("\0", 1), h);
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return std::string("batch-") + hex;
}

// Undelivered work for one sink: an alert and, when it was attempted
// before, its delivery state.
struct AlertDispatcher::Group {
  const PendingAlert* pending = nullptr;
  const AlertDelivery* delivery = nullptr;  // nullptr: never attempted
  size_t rule = 0;                          // index into config_.alerts
};

AlertDispatcher::AlertDispatcher(Store* store, AlertConfig config,
                                 std::map<std::string, std::unique_ptr<AlertSink>> sinks,
                                 std::map<std::string, std::string> watchlist_names,
                                 DispatchOptions options)
    : store_(store),
      config_(std::move(config)),
      sinks_(std::move(sinks)),
      watchlist_names_(std::move(watchlist_names)),
      options_(options) {}

bool AlertDispatcher::InQuietHours(const AlertRule& rule, int64_t time) const {
  if (!rule.quiet_hours.has_value()) return false;
  int64_t local = time + ZoneOffsetSeconds(rule.time_zone, time);
  int minute = static_cast<int>(((local % kDay) + kDay) % kDay / 60);
  const QuietHours& q = *rule.quiet_hours;
  if (q.start_minute < q.end_minute) return minute >= q.start_minute && minute < q.end_minute;
  return minute >= q.start_minute || minute < q.end_minute;  // spans midnight
}

int64_t AlertDispatcher::QuietHoursEnd(const AlertRule& rule, int64_t time) const {
  // Step a minute at a time from the next minute boundary: exact across DST
  // changes, and at most a day of steps.
  int64_t t = time - ((time % 60) + 60) % 60 + 60;
  for (int i = 0; i < 24 * 60 + 120; ++i, t += 60) {
    if (!InQuietHours(rule, t)) return t;
  }
  return time + kDay;
}

Result<AlertItem> AlertDispatcher::BuildItem(const AlertRecord& alert) {
  AlertItem item;
  item.id = alert.id;
  item.watchlist_id = alert.watchlist_id;
  auto name = watchlist_names_.find(alert.watchlist_id);
  if (name != watchlist_names_.end()) item.watchlist_name = name->second;
  item.event = alert.event;
  item.version = alert.version;
  item.time = alert.created_at;
  Result<std::optional<ArticleRecord>> article = store_->GetArticle(alert.article_id);
  if (!article.ok()) return article.status();
  if (!article->has_value()) {
    return Status::NotFound("alert " + alert.id + ": article " + alert.article_id +
                            " is not stored");
  }
  item.article = std::move(**article);
  item.article.text.clear();
  Result<std::vector<MatchRecord>> matches = store_->GetMatches(alert.article_id);
  if (!matches.ok()) return matches.status();
  for (MatchRecord& m : *matches) {
    if (m.watchlist_id == alert.watchlist_id) item.matches.push_back(std::move(m));
  }
  if (!item.article.cluster_id.empty()) {
    Result<std::vector<ArticleRecord>> members =
        store_->ClusterMembers(item.article.cluster_id, kMaxClusterSizeCount);
    if (!members.ok()) return members.status();
    item.cluster_size = members->size();
    std::set<std::string> seen = {item.article.source};
    for (const ArticleRecord& m : *members) {
      std::string outlet = m.source.empty() ? m.feed_id : m.source;
      if (item.also_published_by.size() >= kMaxAlsoPublishedBy) break;
      if (seen.insert(outlet).second) item.also_published_by.push_back(outlet);
    }
  }
  if (alert.event != "match") {
    Result<std::vector<ArticleVersion>> versions = store_->GetVersions(alert.article_id);
    if (!versions.ok()) return versions.status();
    for (const ArticleVersion& v : *versions) {
      if (v.number != alert.version) continue;
      item.change = v.kind == "removed" ? v.reason : DiffExcerpt(v.diff);
      if (v.kind != "removed" && !v.title.empty()) item.article.title = v.title;
    }
  }
  return item;
}

const AlertRule* AlertDispatcher::RuleFor(const AlertRecord& alert, const std::string& sink) const {
  for (const AlertRule& rule : config_.alerts) {
    if (rule.watchlist_id != alert.watchlist_id || !Contains(rule.events, alert.event)) continue;
    if (!Contains(rule.sinks, sink)) continue;
    if (!rule.targets.empty()) {
      bool any = false;
      for (const std::string& t : alert.target_ids) any = any || Contains(rule.targets, t);
      if (!any) continue;
    }
    return &rule;
  }
  return nullptr;
}

Status AlertDispatcher::SendGroup(const std::string& sink,
                                  const std::vector<const PendingAlert*>& alerts,
                                  const std::string& batch_id, int attempts_so_far, int64_t now,
                                  std::map<std::string, std::set<std::string>>* needed,
                                  std::vector<std::string>* complete, DispatchSummary* summary) {
  AlertMessage message;
  message.id = batch_id;
  message.watchlist_id = alerts.front()->alert.watchlist_id;
  auto name = watchlist_names_.find(message.watchlist_id);
  if (name != watchlist_names_.end()) message.watchlist_name = name->second;
  for (const PendingAlert* p : alerts) {
    Result<AlertItem> item = BuildItem(p->alert);
    if (!item.ok()) {
      // The article is gone (it cannot be, short of a damaged database):
      // send what the outbox knows rather than block the queue for ever.
      if (item.status().code() != StatusCode::kNotFound) return item.status();
      AlertItem bare;
      bare.id = p->alert.id;
      bare.watchlist_id = p->alert.watchlist_id;
      bare.event = p->alert.event;
      bare.version = p->alert.version;
      bare.time = p->alert.created_at;
      bare.article.id = p->alert.article_id;
      item = std::move(bare);
    }
    message.items.push_back(std::move(item).value());
  }
  Status delivered = sinks_.at(sink)->Deliver(message);
  std::vector<std::pair<std::string, AlertDelivery>> updates;
  for (const PendingAlert* p : alerts) {
    AlertDelivery d;
    d.sink = sink;
    d.attempts = attempts_so_far + 1;
    d.batch_id = batch_id;
    if (delivered.ok()) {
      d.delivered_at = now;
    } else {
      bool transient = delivered.code() == StatusCode::kNetworkError;
      d.next_attempt_at = now + Backoff(options_, d.attempts, transient);
      d.last_error = delivered.message();
    }
    updates.emplace_back(p->alert.id, std::move(d));
  }
  if (delivered.ok()) {
    // Crash-test hook: the receiver has the message, the outbox does not
    // know yet (the window the message id covers).
    Failpoint("after_deliver");
    ++summary->messages_sent;
    summary->alerts_delivered += alerts.size();
    for (const PendingAlert* p : alerts) {
      std::set<std::string>& left = (*needed)[p->alert.id];
      if (left.erase(sink) == 1 && left.empty()) complete->push_back(p->alert.id);
    }
  } else {
    ++summary->attempts_failed;
    summary->last_error = sink + ": " + delivered.message();
    int64_t next = updates.front().second.next_attempt_at;
    if (summary->next_due_at == 0 || next < summary->next_due_at) summary->next_due_at = next;
  }
  return store_->PutDeliveriesBatch(updates);
}

Result<DispatchSummary> AlertDispatcher::RunOnce(int64_t now) {
  DispatchSummary summary;
  Result<std::vector<PendingAlert>> pending = store_->PendingAlerts(options_.max_alerts_per_round);
  if (!pending.ok()) return pending.status();
  auto note_due = [&summary](int64_t t) {
    if (summary.next_due_at == 0 || t < summary.next_due_at) summary.next_due_at = t;
  };

  // Which sinks each alert still needs; alerts needing none are complete.
  std::vector<std::string> complete;
  std::map<std::string, std::vector<Group>> by_sink;
  std::map<std::string, std::set<std::string>> needed;  // alert id -> sinks left
  for (const PendingAlert& p : *pending) {
    std::set<std::string>& left = needed[p.alert.id];
    for (size_t r = 0; r < config_.alerts.size(); ++r) {
      for (const std::string& sink : config_.alerts[r].sinks) {
        if (RuleFor(p.alert, sink) != &config_.alerts[r] || left.count(sink) != 0) continue;
        const AlertDelivery* d = nullptr;
        for (const AlertDelivery& x : p.deliveries) {
          if (x.sink == sink) d = &x;
        }
        if (d != nullptr && d->delivered_at != 0) continue;
        left.insert(sink);
        by_sink[sink].push_back(Group{&p, d, r});
      }
    }
    if (left.empty()) complete.push_back(p.alert.id);
  }

  for (auto& [sink, groups] : by_sink) {
    // Messages fixed by an earlier attempt: retried as they were.
    std::map<std::string, std::vector<const Group*>> batched;
    std::map<size_t, std::vector<const Group*>> fresh;  // by rule, oldest first
    for (const Group& g : groups) {
      if (g.delivery != nullptr && !g.delivery->batch_id.empty()) {
        batched[g.delivery->batch_id].push_back(&g);
      } else {
        fresh[g.rule].push_back(&g);
      }
    }
    for (const auto& [batch_id, members] : batched) {
      int64_t due = 0;
      int attempts = 0;
      for (const Group* g : members) {
        due = std::max(due, g->delivery->next_attempt_at);
        attempts = std::max(attempts, g->delivery->attempts);
      }
      if (due > now) {
        note_due(due);
        continue;
      }
      std::vector<const PendingAlert*> alerts;
      for (const Group* g : members) alerts.push_back(g->pending);
      MW_RETURN_IF_ERROR(
          SendGroup(sink, alerts, batch_id, attempts, now, &needed, &complete, &summary));
    }

    for (const auto& [rule_index, members] : fresh) {
      const AlertRule& rule = config_.alerts[rule_index];
      if (InQuietHours(rule, now)) {
        note_due(QuietHoursEnd(rule, now));
        continue;
      }
      // Alerts held back by quiet hours go out together.
      std::vector<const PendingAlert*> held;
      std::vector<const PendingAlert*> rest;
      for (const Group* g : members) {
        (InQuietHours(rule, g->pending->alert.created_at) ? held : rest).push_back(g->pending);
      }
      std::vector<std::vector<const PendingAlert*>> messages;
      if (!held.empty()) messages.push_back(held);
      std::deque<int64_t>& sent = sent_[{rule_index, sink}];
      while (!sent.empty() && sent.front() <= now - rule.rate_limit_seconds) sent.pop_front();
      size_t slots = rest.size() + messages.size();
      if (rule.rate_limit_messages > 0) {
        size_t limit = static_cast<size_t>(rule.rate_limit_messages);
        slots = sent.size() >= limit ? 0 : limit - sent.size();
      }
      if (slots <= messages.size()) {
        // No message left in the window for the rest: they wait.
        if (!rest.empty()) note_due(sent.front() + rule.rate_limit_seconds);
        if (slots == 0) messages.clear();
      } else {
        size_t singles = std::min(rest.size(), slots - messages.size());
        if (singles < rest.size()) --singles;  // the last slot carries the rest
        for (size_t i = 0; i < singles; ++i) messages.push_back({rest[i]});
        if (singles < rest.size()) {
          messages.emplace_back(rest.begin() + static_cast<std::ptrdiff_t>(singles), rest.end());
        }
      }
      for (const std::vector<const PendingAlert*>& message : messages) {
        for (size_t start = 0; start < message.size(); start += options_.max_items_per_message) {
          size_t end = std::min(message.size(), start + options_.max_items_per_message);
          std::vector<const PendingAlert*> part(
              message.begin() + static_cast<std::ptrdiff_t>(start),
              message.begin() + static_cast<std::ptrdiff_t>(end));
          std::vector<std::string> ids;
          for (const PendingAlert* p : part) ids.push_back(p->alert.id);
          std::string batch_id = BatchIdFor(ids);
          // Fix the message before the first attempt, so that a retry —
          // after a failure or a crash — sends exactly this message again.
          std::vector<std::pair<std::string, AlertDelivery>> fix;
          for (const PendingAlert* p : part) {
            AlertDelivery d;
            d.sink = sink;
            d.batch_id = batch_id;
            fix.emplace_back(p->alert.id, std::move(d));
          }
          MW_RETURN_IF_ERROR(store_->PutDeliveriesBatch(fix));
          sent.push_back(now);
          MW_RETURN_IF_ERROR(SendGroup(sink, part, batch_id, 0, now, &needed, &complete, &summary));
        }
      }
    }
  }

  // Alerts every sink has acknowledged (before or in this round) leave the
  // outbox.
  if (!complete.empty()) MW_RETURN_IF_ERROR(store_->CompleteAlerts(complete, now));
  summary.alerts_completed = complete.size();
  Result<size_t> waiting = store_->CountPendingAlerts();
  if (!waiting.ok()) return waiting.status();
  summary.alerts_waiting = *waiting;
  if (pending->size() == options_.max_alerts_per_round) note_due(now);  // more to read
  return summary;
}

}  // namespace mw
