// mediawatch/report/alert.h
//
// Alerts as they leave mediawatch: what a sink receives (AlertMessage), the
// sink interface, and how a sink is configured (SinkSpec, from the
// `[[sink]]` tables of DIR/alerts.toml; docs/alerts.md).
//
// Delivery model: the store's outbox holds one alert per (watch-list,
// article, event), written in the batch that stored the match or the
// change. The dispatcher (report/alert_dispatcher.h) turns due alerts into
// AlertMessages — one alert, or several when a rate limit or quiet hours
// held a burst back — and calls AlertSink::Deliver once per attempt. An Ok
// return is the receiver's acknowledgement: the message is never sent to
// that sink again. Any error is retried later with backoff, with the same
// AlertMessage::id, so a receiver that keeps ids (the webhook
// Idempotency-Key header, the e-mail Message-ID, the jsonl "id") sees each
// message once.
//
// Thread safety: a sink is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace mw {

// One alert: an event of one article, for one watch-list.
struct AlertItem {
  // Stable id of (watch-list, article, event, version): the same on every
  // retry, restart and machine.
  std::string id;
  std::string watchlist_id;
  std::string watchlist_name;  // as in the watch-list file ("" if unknown)
  // "match" (first stored with matches), "edited", "removed" or "restored".
  std::string event;
  int version = 1;                             // 1 for "match"; the ArticleVersion number otherwise
  int64_t time = 0;                            // when mediawatch committed the event (Unix s, UTC)
  ArticleRecord article;                       // text omitted
  std::vector<MatchRecord> matches;            // the article's matches in this watch-list
  size_t cluster_size = 0;                     // stored copies of the story (0 = no fingerprint)
  std::vector<std::string> also_published_by;  // outlets of the other copies (at most 10)
  // "edited"/"restored": the first changed lines of the diff (<= ~600 bytes);
  // "removed": why ("HTTP 404", "redirected to the home page", ...).
  std::string change;
};

// What one delivery attempt sends: one alert, or a batch.
struct AlertMessage {
  // Idempotency key: the item's id for one item, else "batch-" + a hash of
  // the item ids. Unchanged across retries.
  std::string id;
  std::string watchlist_id;
  std::string watchlist_name;
  std::vector<AlertItem> items;  // at least one, oldest first
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual const std::string& name() const = 0;
  // One attempt. Ok = acknowledged by the receiver. Errors are retried by
  // the caller with the same message (kNetworkError: transient, e.g. a
  // timeout, a refused connection, HTTP 408/429/5xx; other codes, e.g.
  // kHttpError for another 4xx: still retried, but after longer waits).
  virtual Status Deliver(const AlertMessage& message) = 0;
};

enum class SinkType { kJsonl, kWebhook, kEmail, kAtom };

// A configured sink. Secrets are resolved when the configuration is loaded
// (from the environment or a file) and are never logged or printed.
struct SinkSpec {
  std::string name;
  SinkType type = SinkType::kJsonl;

  // jsonl: a file to append one JSON object per alert to ("-" = stdout).
  // atom: the feed file, rewritten atomically on each delivery; "{watchlist}"
  // in it is replaced by the watch-list id (one feed per watch-list).
  std::string path;
  size_t atom_entries = 100;  // atom: newest entries kept in the feed

  // webhook: http(s) URL to POST to.
  std::string url;
  // webhook payload shape: "generic" (documented JSON), "slack", "matrix"
  // or "ntfy".
  std::string payload = "generic";
  // webhook: HMAC-SHA256 key; when set, each request carries
  // "X-Mediawatch-Signature: sha256=<hex of HMAC(body)>".
  std::string secret;
  // webhook: "Authorization: Bearer <token>" when set (Matrix, ntfy).
  std::string bearer_token;
  int timeout_seconds = 15;

  // email: smtp://host[:port] (STARTTLS) or smtps://host[:port].
  std::string smtp_url;
  // email: "required" (default; fail unless STARTTLS succeeds), "try", or
  // "none" (plain SMTP: only accepted for loopback hosts).
  std::string tls = "required";
  std::string from;
  std::vector<std::string> to;
  std::string username;  // "" = no SMTP AUTH
  std::string password;
};

}  // namespace mw
