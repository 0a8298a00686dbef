// mediawatch/report/sinks.h
//
// The alert sinks of docs/alerts.md ("## Sinks"): where an AlertMessage
// goes once the dispatcher (report/alert_dispatcher.h) hands it over.
//
//   Result<std::unique_ptr<AlertSink>> sink = MakeSink(spec);
//   if (!sink.ok()) return sink.status();
//   Status s = (*sink)->Deliver(message);  // one attempt
//
//   jsonl    one JSON object per AlertItem appended to a file (O_APPEND,
//            created 0644, fsync'd before Ok) or "-" = stdout.
//   webhook  an HTTP POST (PUT for Matrix) of the "generic", "slack",
//            "matrix" or "ntfy" payload, with Idempotency-Key = message id,
//            optional HMAC-SHA256 signature and bearer token. Redirects
//            are not followed; only http and https.
//   email    one e-mail per message (report/email.h SendEmail), text and
//            HTML, Message-ID from the message id.
//   atom     an Atom 1.0 feed file per watch-list, newest spec.atom_entries
//            entries, rewritten atomically; a JSON sidecar
//            "<file>.entries.json" keeps the entries between deliveries.
//            An item already in the feed is not added again.
//
// Errors of Deliver (the dispatcher retries every error; transient ones
// sooner — see IsTransientSinkError):
//   kNetworkError  transient: connect/DNS/TLS failure, timeout, HTTP 408,
//                  429 or 5xx, SMTP 4xx
//   kHttpError     the receiver refused: any other non-2xx HTTP status
//                  (named in the message), SMTP 5xx
//   kForbidden     e-mail: tls = "required" and no STARTTLS offered
//   kIoError       a local file could not be written (jsonl, atom)
//   kCorruption    atom: the sidecar file is not ours (delete it to start
//                  a fresh feed)
//   kInvalidArgument  atom: the watch-list id is not safe in a file name
// Messages never contain secrets (webhook secret and token, SMTP
// password) nor the webhook URL (Slack-style URLs are secrets).
//
// Thread safety: a sink is used by one thread at a time (AlertSink);
// distinct sinks may be used from different threads.
#pragma once

#include <memory>

#include "base/status.h"
#include "report/alert.h"

namespace mw {

// Creates the sink `spec` describes; nothing is connected or written yet.
// kInvalidArgument for a bad spec: jsonl/atom without path, webhook
// without an http(s) url or with an unknown payload shape, e-mail specs
// that ValidateEmailSpec refuses (e.g. tls = "none" for a non-loopback
// host), atom_entries of 0.
Result<std::unique_ptr<AlertSink>> MakeSink(const SinkSpec& spec);

// True for the errors worth retrying soon (kNetworkError): the receiver
// may well accept the same message on the next attempt.
bool IsTransientSinkError(const Status& status);

}  // namespace mw
