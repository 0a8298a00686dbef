// mediawatch/report/alert_config.h
//
// DIR/alerts.toml: where alerts go (`[[sink]]`), which matches alert and
// when (`[[alert]]`), and when digests are sent (`[[digest]]`). The format
// is documented in docs/alerts.md. A missing file is an empty
// configuration: alerts are recorded in the outbox and completed without
// being sent.
//
//   Result<AlertConfig> config = LoadAlertConfig("feeds/alerts.toml");
//
// Secrets (webhook signing keys and tokens, SMTP credentials) are read from
// environment variables or files named in the configuration, never written
// in it; errors name the variable or file, never its value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "report/alert.h"

namespace mw {

// Daily quiet hours in a time zone: alerts that fall due in [start, end)
// local time wait until `end`, and go out together as one message.
// start > end spans midnight ("22:00"-"07:00").
struct QuietHours {
  int start_minute = 0;  // minutes after local midnight, 0..1439
  int end_minute = 0;
};

// Which alerts of a watch-list go to which sinks.
struct AlertRule {
  std::string watchlist_id;
  // Entity, keyword or rule ids whose matches alert; empty = any match.
  std::vector<std::string> targets;
  // Events that alert: "match", "edited", "removed", "restored".
  // Default: all four.
  std::vector<std::string> events;
  std::vector<std::string> sinks;  // names of [[sink]] tables, at least one
  std::optional<QuietHours> quiet_hours;
  std::string time_zone = "UTC";  // IANA name, for quiet hours
  // At most `rate_limit_messages` messages per `rate_limit_seconds` to each
  // sink; alerts beyond wait and go out together as one message. 0 = none.
  int rate_limit_messages = 0;
  int64_t rate_limit_seconds = 0;
};

// A digest sent by `mediawatch run` every day at a local time.
struct DigestSchedule {
  std::string watchlist_id;
  int at_minute = 8 * 60;  // local time of day; Default: 08:00
  std::string time_zone = "UTC";
  // E-mail sinks to send it to (html with a plain-text part).
  std::vector<std::string> sinks;
  // And/or a directory to write digest-<watchlist>-<date>.html into.
  std::string directory;
};

struct AlertConfig {
  // `[delivery]`: the wait before the first retry of a failed delivery
  // (doubling after each failure) and its cap. Defaults: 30 s and 6 h.
  int64_t first_retry_seconds = 30;
  int64_t max_retry_seconds = 6 * 3600;
  std::vector<SinkSpec> sinks;
  std::vector<AlertRule> alerts;
  std::vector<DigestSchedule> digests;

  const SinkSpec* FindSink(std::string_view name) const;
};

inline constexpr std::string_view kAlertsFileName = "alerts.toml";

// Parses alerts TOML. `source_name` prefixes error messages ("file:line:
// ..."). `getenv` resolves *_env keys (tests pass their own); files named by
// *_file keys are read (at most 64 KiB). Errors: kInvalidArgument (syntax,
// unknown keys, a rule naming an unknown sink, a bad time zone, an unset
// environment variable, ...).
using EnvLookup = std::optional<std::string> (*)(const char* name);
Result<AlertConfig> ParseAlertConfig(std::string_view toml_text, std::string_view source_name,
                                     EnvLookup getenv_fn = nullptr);

// Loads `path`; a missing file gives an empty configuration.
Result<AlertConfig> LoadAlertConfig(const std::filesystem::path& path);

// True when the IANA time zone id is known to ICU ("UTC", "Asia/Urumqi").
bool IsKnownTimeZone(std::string_view zone);

// The offset of `zone` from UTC at `time` (Unix s), in seconds (DST
// included). Precondition: IsKnownTimeZone(zone).
int64_t ZoneOffsetSeconds(std::string_view zone, int64_t time);

}  // namespace mw
