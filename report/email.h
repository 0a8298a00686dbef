// mediawatch/report/email.h
//
// Sending one e-mail through SMTP (libcurl): alerts (the "email" sink of
// report/sinks.h) and daily digests.
//
//   EmailMessage m;
//   m.subject = "[mediawatch] Guan Heng case: 2 new stories";
//   m.text = "...";
//   m.html = "<html>...";  // optional: multipart/alternative when set
//   m.message_id = alert_message.id;
//   Status s = SendEmail(spec, m);
//
// The message is RFC 5322 / MIME: Date, From, To, Subject (RFC 2047
// encoded-words when not plain ASCII), Message-ID "<id@mediawatch>",
// MIME-Version, and a text/plain part — with the html, a
// multipart/alternative of both — each UTF-8 and base64 encoded, CRLF line
// ends. Invalid UTF-8 in any text becomes U+FFFD. Addresses are plain ASCII
// "local@domain" (no display names, no SMTPUTF8).
//
// Transport security (SinkSpec::tls): "required" (default) fails unless
// the server offers STARTTLS (or the URL is smtps://); "try" uses STARTTLS
// when offered; "none" never does and is only accepted for a loopback
// host (localhost, 127.0.0.0/8, [::1]). Certificates are verified.
//
// Errors (credentials never appear in them, nor in any log):
//   kInvalidArgument  bad spec (URL, scheme, tls, addresses) — nothing sent
//   kNetworkError     transient: connect/DNS/timeout, SMTP 4xx reply
//   kHttpError        the server refused the message (SMTP 5xx reply)
//   kForbidden        tls = "required" and the server offers no STARTTLS
//
// Thread safety: SendEmail may be called from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "report/alert.h"

namespace mw {

struct EmailMessage {
  std::string subject;  // UTF-8; RFC 2047-encoded in the header when not ASCII
  std::string text;     // text/plain part (UTF-8)
  std::string html;     // text/html part ("" = text only); multipart/alternative
  // Stable id -> "Message-ID: <id@mediawatch>" (receivers dedup). Characters
  // other than [A-Za-z0-9._-] are replaced with '-'. "" = no Message-ID.
  std::string message_id;
  // Reserved for inline images (cid -> bytes); not sent yet.
  std::vector<std::pair<std::string, std::string>> related;
};

// Checks an e-mail spec without connecting anywhere: smtp_url is
// smtp:// or smtps:// with a host and no user-info, tls is
// "required"/"try"/"none" ("none" only for a loopback host, and not with
// smtps://), `from` and each `to` (at least one) are plain addresses.
Status ValidateEmailSpec(const SinkSpec& spec);

// Sends `message` from spec.from to every spec.to (one SMTP transaction;
// SMTP AUTH when spec.username is set). Timeout: spec.timeout_seconds
// (at least 1). Ok = the server accepted the message for delivery.
Status SendEmail(const SinkSpec& spec, const EmailMessage& message);

// The message exactly as SendEmail uploads it, dated `date_unix` (Unix
// seconds, UTC). Precondition: ValidateEmailSpec(spec) is Ok.
std::string BuildEmailText(const SinkSpec& spec, const EmailMessage& message, int64_t date_unix);

namespace report_internal {

// `text` with invalid UTF-8 sequences replaced by U+FFFD.
std::string ValidUtf8(std::string_view text);

// At most `max_bytes` of valid UTF-8 `text`, cut at a character boundary,
// with "…" appended when something was cut.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

// A header value: `text` as is when it is printable ASCII without "=?",
// else RFC 2047 "=?UTF-8?B?...?=" encoded-words of at most 75 characters,
// joined by `separator` (CRLF SP folds a mail header; HTTP headers, which
// must not fold, use " "). Control characters become spaces.
std::string EncodeHeaderText(std::string_view text, std::string_view separator = "\r\n ");

// Standard base64 (RFC 4648), optionally broken into CRLF-terminated lines
// of `line_length` characters (0 = one line, no CRLF).
std::string Base64(std::string_view bytes, size_t line_length = 0);

}  // namespace report_internal
}  // namespace mw
