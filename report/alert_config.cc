// mediawatch/report/alert_config.cc
#include "report/alert_config.h"

#include <toml++/toml.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <cstdlib>
#include <set>

#include "base/config_files.h"
#include "base/duration.h"
#include "base/toml_util.h"
#include "report/digest.h"

namespace mw {
namespace {

constexpr size_t kMaxAlertFileBytes = 1u << 20;
constexpr size_t kMaxSecretFileBytes = 64u << 10;

const std::set<std::string, std::less<>> kEvents = {"match", "edited", "removed", "restored"};

Status Error(std::string_view source, const toml::node* node, const std::string& message) {
  return TomlError(source, node, message);
}

std::optional<std::string> RealGetenv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Reads one table's keys, checking types and refusing unknown keys.
class TableReader {
 public:
  TableReader(std::string_view source, const toml::table& table, std::string what)
      : source_(source), table_(table), what_(std::move(what)) {}

  Result<std::optional<std::string>> String(std::string_view key) {
    const toml::node* node = Use(key);
    if (node == nullptr) return std::optional<std::string>();
    if (!node->is_string()) return Fail(node, "'" + std::string(key) + "' must be a string");
    return std::optional<std::string>(std::string(node->as_string()->get()));
  }

  Result<std::string> RequiredString(std::string_view key) {
    Result<std::optional<std::string>> value = String(key);
    if (!value.ok()) return value.status();
    if (!value->has_value() || (*value)->empty()) {
      return Fail(&table_, "missing '" + std::string(key) + "'");
    }
    return **value;
  }

  Result<std::optional<int64_t>> Integer(std::string_view key, int64_t lo, int64_t hi) {
    const toml::node* node = Use(key);
    if (node == nullptr) return std::optional<int64_t>();
    if (!node->is_integer()) return Fail(node, "'" + std::string(key) + "' must be an integer");
    int64_t v = node->as_integer()->get();
    if (v < lo || v > hi) {
      return Fail(node, "'" + std::string(key) + "' must be between " + std::to_string(lo) +
                            " and " + std::to_string(hi));
    }
    return std::optional<int64_t>(v);
  }

  // A string or an array of strings.
  Result<std::vector<std::string>> Strings(std::string_view key) {
    const toml::node* node = Use(key);
    std::vector<std::string> out;
    if (node == nullptr) return out;
    if (node->is_string()) {
      out.emplace_back(node->as_string()->get());
      return out;
    }
    if (!node->is_array()) {
      return Fail(node, "'" + std::string(key) + "' must be a string or an array of strings");
    }
    for (const toml::node& item : *node->as_array()) {
      if (!item.is_string()) return Fail(&item, "'" + std::string(key) + "' holds a non-string");
      out.emplace_back(item.as_string()->get());
    }
    return out;
  }

  // A secret given as `<key>_env` (an environment variable) or `<key>_file`
  // (a file whose content, trailing newline removed, is the secret).
  Result<std::string> Secret(std::string_view key, EnvLookup getenv_fn) {
    std::string env_key = std::string(key) + "_env";
    std::string file_key = std::string(key) + "_file";
    Result<std::optional<std::string>> env = String(env_key);
    if (!env.ok()) return env.status();
    Result<std::optional<std::string>> file = String(file_key);
    if (!file.ok()) return file.status();
    if (env->has_value() && file->has_value()) {
      return Fail(&table_, "give '" + env_key + "' or '" + file_key + "', not both");
    }
    if (env->has_value()) {
      std::optional<std::string> value = getenv_fn((*env)->c_str());
      if (!value.has_value() || value->empty()) {
        return Fail(table_.get(env_key),
                    "environment variable " + **env + " (" + env_key + ") is not set");
      }
      return *value;
    }
    if (file->has_value()) {
      Result<std::string> text = ReadConfigFile(**file, kMaxSecretFileBytes);
      if (!text.ok()) return Fail(table_.get(file_key), text.status().message());
      std::string value = std::move(text).value();
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
      if (value.empty()) return Fail(table_.get(file_key), **file + " is empty");
      return value;
    }
    return std::string();
  }

  // Errors on keys that were not read.
  Status CheckAllUsed() {
    for (const auto& [key, node] : table_) {
      if (used_.count(std::string(key.str())) == 0) {
        return Fail(&node, "unknown key '" + std::string(key.str()) + "'");
      }
    }
    return Status::Ok();
  }

  Status Fail(const toml::node* node, const std::string& message) const {
    return Error(source_, node, what_ + ": " + message);
  }

 private:
  const toml::node* Use(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }

  std::string_view source_;
  const toml::table& table_;
  std::string what_;
  std::set<std::string> used_;
};

// "07:30" -> 450.
std::optional<int> ParseClock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  int h = (text[0] - '0') * 10 + (text[1] - '0');
  int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

Result<SinkSpec> ParseSink(std::string_view source, const toml::table& t, size_t index,
                           EnvLookup getenv_fn) {
  SinkSpec spec;
  {
    TableReader first(source, t, "sink #" + std::to_string(index + 1));
    Result<std::string> name = first.RequiredString("name");
    if (!name.ok()) return name.status();
    if (!IsValidId(*name)) {
      return first.Fail(&t, "name '" + *name + "' must match [a-z0-9][a-z0-9_-]*");
    }
    spec.name = *name;
  }
  TableReader r(source, t, "sink '" + spec.name + "'");
  (void)r.RequiredString("name");  // read above; marks the key as known
  Result<std::string> type = r.RequiredString("type");
  if (!type.ok()) return type.status();
  if (*type == "jsonl") {
    spec.type = SinkType::kJsonl;
  } else if (*type == "webhook") {
    spec.type = SinkType::kWebhook;
  } else if (*type == "email") {
    spec.type = SinkType::kEmail;
  } else if (*type == "atom") {
    spec.type = SinkType::kAtom;
  } else {
    return r.Fail(t.get("type"), "type '" + *type + "' is not one of jsonl, webhook, email, atom");
  }

  auto need = [&](std::string_view key, std::string* out) -> Status {
    Result<std::string> v = r.RequiredString(key);
    if (!v.ok()) return v.status();
    *out = *v;
    return Status::Ok();
  };
  switch (spec.type) {
    case SinkType::kJsonl:
      MW_RETURN_IF_ERROR(need("path", &spec.path));
      break;
    case SinkType::kAtom: {
      MW_RETURN_IF_ERROR(need("path", &spec.path));
      Result<std::optional<int64_t>> entries = r.Integer("entries", 1, 10000);
      if (!entries.ok()) return entries.status();
      if (entries->has_value()) spec.atom_entries = static_cast<size_t>(**entries);
      break;
    }
    case SinkType::kWebhook: {
      MW_RETURN_IF_ERROR(need("url", &spec.url));
      if (spec.url.rfind("http://", 0) != 0 && spec.url.rfind("https://", 0) != 0) {
        return r.Fail(t.get("url"), "url must start with http:// or https://");
      }
      Result<std::optional<std::string>> payload = r.String("payload");
      if (!payload.ok()) return payload.status();
      if (payload->has_value()) spec.payload = **payload;
      static const std::set<std::string> kPayloads = {"generic", "slack", "matrix", "ntfy"};
      if (kPayloads.count(spec.payload) == 0) {
        return r.Fail(t.get("payload"),
                      "payload '" + spec.payload + "' is not one of generic, slack, matrix, ntfy");
      }
      Result<std::string> secret = r.Secret("secret", getenv_fn);
      if (!secret.ok()) return secret.status();
      spec.secret = *secret;
      Result<std::string> token = r.Secret("token", getenv_fn);
      if (!token.ok()) return token.status();
      spec.bearer_token = *token;
      Result<std::optional<int64_t>> timeout = r.Integer("timeout", 1, 600);
      if (!timeout.ok()) return timeout.status();
      if (timeout->has_value()) spec.timeout_seconds = static_cast<int>(**timeout);
      break;
    }
    case SinkType::kEmail: {
      MW_RETURN_IF_ERROR(need("smtp_url", &spec.smtp_url));
      if (spec.smtp_url.rfind("smtp://", 0) != 0 && spec.smtp_url.rfind("smtps://", 0) != 0) {
        return r.Fail(t.get("smtp_url"), "smtp_url must start with smtp:// or smtps://");
      }
      MW_RETURN_IF_ERROR(need("from", &spec.from));
      Result<std::vector<std::string>> to = r.Strings("to");
      if (!to.ok()) return to.status();
      if (to->empty()) return r.Fail(&t, "missing 'to'");
      spec.to = *to;
      Result<std::optional<std::string>> tls = r.String("tls");
      if (!tls.ok()) return tls.status();
      if (tls->has_value()) spec.tls = **tls;
      if (spec.tls != "required" && spec.tls != "try" && spec.tls != "none") {
        return r.Fail(t.get("tls"), "tls '" + spec.tls + "' is not one of required, try, none");
      }
      Result<std::optional<std::string>> user = r.String("username");
      if (!user.ok()) return user.status();
      if (user->has_value()) spec.username = **user;
      Result<std::string> user_env = r.Secret("username", getenv_fn);
      if (!user_env.ok()) return user_env.status();
      if (!user_env->empty()) {
        if (!spec.username.empty()) {
          return r.Fail(&t, "give 'username' or 'username_env'/'username_file', not both");
        }
        spec.username = *user_env;
      }
      Result<std::string> password = r.Secret("password", getenv_fn);
      if (!password.ok()) return password.status();
      spec.password = *password;
      if (!spec.password.empty() && spec.username.empty()) {
        return r.Fail(&t, "a password needs a username");
      }
      Result<std::optional<int64_t>> timeout = r.Integer("timeout", 1, 600);
      if (!timeout.ok()) return timeout.status();
      if (timeout->has_value()) spec.timeout_seconds = static_cast<int>(**timeout);
      break;
    }
  }
  MW_RETURN_IF_ERROR(r.CheckAllUsed());
  return spec;
}

Status CheckZone(TableReader& r, const toml::table& t, std::string* zone) {
  Result<std::optional<std::string>> tz = r.String("timezone");
  if (!tz.ok()) return tz.status();
  if (tz->has_value()) *zone = **tz;
  if (!IsKnownTimeZone(*zone)) {
    return r.Fail(t.get("timezone"), "unknown time zone '" + *zone +
                                         "' (use an IANA name such as Asia/Urumqi or UTC)");
  }
  return Status::Ok();
}

Status CheckSinks(TableReader& r, const toml::table& t, const AlertConfig& config,
                  const std::vector<std::string>& sinks) {
  for (const std::string& s : sinks) {
    if (config.FindSink(s) == nullptr) return r.Fail(t.get("sinks"), "unknown sink '" + s + "'");
  }
  return Status::Ok();
}

Result<AlertRule> ParseRule(std::string_view source, const toml::table& t, size_t index,
                            const AlertConfig& config) {
  TableReader r(source, t, "alert #" + std::to_string(index + 1));
  AlertRule rule;
  Result<std::string> wl = r.RequiredString("watchlist");
  if (!wl.ok()) return wl.status();
  rule.watchlist_id = *wl;
  Result<std::vector<std::string>> targets = r.Strings("targets");
  if (!targets.ok()) return targets.status();
  rule.targets = *targets;
  Result<std::vector<std::string>> events = r.Strings("events");
  if (!events.ok()) return events.status();
  rule.events =
      events->empty() ? std::vector<std::string>(kEvents.begin(), kEvents.end()) : *events;
  for (const std::string& e : rule.events) {
    if (kEvents.count(e) == 0) {
      return r.Fail(t.get("events"),
                    "event '" + e + "' is not one of match, edited, removed, restored");
    }
  }
  Result<std::vector<std::string>> sinks = r.Strings("sinks");
  if (!sinks.ok()) return sinks.status();
  if (sinks->empty()) return r.Fail(&t, "missing 'sinks'");
  rule.sinks = *sinks;
  MW_RETURN_IF_ERROR(CheckSinks(r, t, config, rule.sinks));
  MW_RETURN_IF_ERROR(CheckZone(r, t, &rule.time_zone));
  Result<std::optional<std::string>> quiet = r.String("quiet_hours");
  if (!quiet.ok()) return quiet.status();
  if (quiet->has_value()) {
    const std::string& q = **quiet;
    std::optional<int> start =
        q.size() == 11 && q[5] == '-' ? ParseClock(q.substr(0, 5)) : std::nullopt;
    std::optional<int> end = start ? ParseClock(q.substr(6, 5)) : std::nullopt;
    if (!start || !end || *start == *end) {
      return r.Fail(t.get("quiet_hours"),
                    "quiet_hours '" + q + "' must look like \"22:00-07:00\" (start != end)");
    }
    rule.quiet_hours = QuietHours{*start, *end};
  }
  Result<std::optional<std::string>> rate = r.String("rate_limit");
  if (!rate.ok()) return rate.status();
  if (rate->has_value()) {
    const std::string& text = **rate;
    // "N/window": N plain digits, the window a duration.
    const size_t slash = text.find('/');
    const std::string n = slash == std::string::npos ? std::string() : text.substr(0, slash);
    const bool digits =
        !n.empty() && n.size() <= 5 && n.find_first_not_of("0123456789") == std::string::npos;
    const int64_t count = digits ? std::stoll(n) : 0;
    Result<int64_t> parsed_window = ParseInterval(text.substr(slash + 1));
    const int64_t window = digits && parsed_window.ok() ? *parsed_window : int64_t{0};
    if (count < 1 || count > 10000 || window < 1 || window > 7 * 86400) {
      return r.Fail(t.get("rate_limit"), "rate_limit '" + text +
                                             "' must look like \"5/1h\" (1-10000 messages per "
                                             "1 s to 7 d)");
    }
    rule.rate_limit_messages = static_cast<int>(count);
    rule.rate_limit_seconds = window;
  }
  MW_RETURN_IF_ERROR(r.CheckAllUsed());
  return rule;
}

Result<DigestSchedule> ParseDigest(std::string_view source, const toml::table& t, size_t index,
                                   const AlertConfig& config) {
  TableReader r(source, t, "digest #" + std::to_string(index + 1));
  DigestSchedule d;
  Result<std::string> wl = r.RequiredString("watchlist");
  if (!wl.ok()) return wl.status();
  d.watchlist_id = *wl;
  Result<std::optional<std::string>> at = r.String("at");
  if (!at.ok()) return at.status();
  if (at->has_value()) {
    std::optional<int> minute = ParseClock(**at);
    if (!minute) return r.Fail(t.get("at"), "at '" + **at + "' must look like \"08:00\"");
    d.at_minute = *minute;
  }
  MW_RETURN_IF_ERROR(CheckZone(r, t, &d.time_zone));
  Result<std::vector<std::string>> sinks = r.Strings("sinks");
  if (!sinks.ok()) return sinks.status();
  d.sinks = *sinks;
  MW_RETURN_IF_ERROR(CheckSinks(r, t, config, d.sinks));
  for (const std::string& s : d.sinks) {
    if (config.FindSink(s)->type != SinkType::kEmail) {
      return r.Fail(t.get("sinks"), "sink '" + s + "' is not an email sink (digests are e-mailed)");
    }
  }
  Result<std::optional<std::string>> dir = r.String("directory");
  if (!dir.ok()) return dir.status();
  if (dir->has_value()) d.directory = **dir;
  if (d.sinks.empty() && d.directory.empty()) {
    return r.Fail(&t, "give 'sinks' (email) or 'directory', or both");
  }
  MW_RETURN_IF_ERROR(r.CheckAllUsed());
  return d;
}

}  // namespace

const SinkSpec* AlertConfig::FindSink(std::string_view name) const {
  for (const SinkSpec& s : sinks) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// One check of ICU's zone ids for the whole report module (digest.h).
bool IsKnownTimeZone(std::string_view zone) { return CheckTimeZone(zone).ok(); }

int64_t ZoneOffsetSeconds(std::string_view zone, int64_t time) {
  icu::UnicodeString id = icu::UnicodeString::fromUTF8(icu::StringPiece(zone.data(), zone.size()));
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(id));
  int32_t raw = 0;
  int32_t dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  tz->getOffset(static_cast<UDate>(time) * 1000.0, /*local=*/false, raw, dst, status);
  if (U_FAILURE(status)) return 0;
  return (static_cast<int64_t>(raw) + dst) / 1000;
}

Result<AlertConfig> ParseAlertConfig(std::string_view toml_text, std::string_view source_name,
                                     EnvLookup getenv_fn) {
  if (getenv_fn == nullptr) getenv_fn = RealGetenv;
  Result<toml::table> parsed = ParseTomlText(toml_text, source_name);
  if (!parsed.ok()) return parsed.status();
  const toml::table& root = *parsed;
  for (const auto& [key, node] : root) {
    if (key.str() != "sink" && key.str() != "alert" && key.str() != "digest" &&
        key.str() != "delivery") {
      return Error(source_name, &node,
                   "unknown top-level key '" + std::string(key.str()) +
                       "' (alerts.toml holds [delivery], [[sink]], [[alert]] and [[digest]])");
    }
  }
  AlertConfig config;
  if (const toml::node* delivery = root.get("delivery")) {
    if (!delivery->is_table()) return Error(source_name, delivery, "'delivery' must be a table");
    TableReader r(source_name, *delivery->as_table(), "[delivery]");
    for (auto [key, out] :
         {std::pair<const char*, int64_t*>{"first_retry", &config.first_retry_seconds},
          {"max_retry", &config.max_retry_seconds}}) {
      Result<std::optional<std::string>> text = r.String(key);
      if (!text.ok()) return text.status();
      if (!text->has_value()) continue;
      Result<int64_t> seconds = ParseInterval(**text);
      if (!seconds.ok() || *seconds < 1 || *seconds > 7 * 86400) {
        return r.Fail(delivery->as_table()->get(key), std::string(key) + " '" + **text +
                                                          "' must be a duration like \"30s\" or "
                                                          "\"6h\" (1 s to 7 d)");
      }
      *out = *seconds;
    }
    if (config.first_retry_seconds > config.max_retry_seconds) {
      return r.Fail(delivery, "first_retry is longer than max_retry");
    }
    MW_RETURN_IF_ERROR(r.CheckAllUsed());
  }
  Result<const toml::array*> sinks = TomlTableArray(source_name, root, "sink");
  if (!sinks.ok()) return sinks.status();
  if (*sinks != nullptr) {
    for (const toml::node& node : **sinks) {
      Result<SinkSpec> spec =
          ParseSink(source_name, *node.as_table(), config.sinks.size(), getenv_fn);
      if (!spec.ok()) return spec.status();
      if (config.FindSink(spec->name) != nullptr) {
        return Error(source_name, &node, "duplicate sink name '" + spec->name + "'");
      }
      config.sinks.push_back(std::move(spec).value());
    }
  }
  Result<const toml::array*> alerts = TomlTableArray(source_name, root, "alert");
  if (!alerts.ok()) return alerts.status();
  if (*alerts != nullptr) {
    for (const toml::node& node : **alerts) {
      Result<AlertRule> rule =
          ParseRule(source_name, *node.as_table(), config.alerts.size(), config);
      if (!rule.ok()) return rule.status();
      config.alerts.push_back(std::move(rule).value());
    }
  }
  Result<const toml::array*> digests = TomlTableArray(source_name, root, "digest");
  if (!digests.ok()) return digests.status();
  if (*digests != nullptr) {
    for (const toml::node& node : **digests) {
      Result<DigestSchedule> d =
          ParseDigest(source_name, *node.as_table(), config.digests.size(), config);
      if (!d.ok()) return d.status();
      config.digests.push_back(std::move(d).value());
    }
  }
  return config;
}

Result<AlertConfig> LoadAlertConfig(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return AlertConfig{};
  Result<std::string> text = ReadConfigFile(path, kMaxAlertFileBytes);
  if (!text.ok()) return text.status();
  return ParseAlertConfig(*text, path.string());
}

}  // namespace mw
