#include "report/sinks.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "parsers/date.h"
#include "report/curl_handles.h"
#include "report/email.h"
#include "report/json_fields.h"

namespace mw {
namespace {

using nlohmann::json;
using report_internal::CurlString;
using report_internal::EasyHandle;
using report_internal::GlobalInitOnce;
using report_internal::Slist;
using report_internal::TruncateUtf8;
using report_internal::UrlHandle;
using report_internal::ValidUtf8;

constexpr const char* kUserAgent = "mediawatch/0.1 (alerts)";
constexpr size_t kMaxUrlBytes = 4096;
// Receivers cap what they show; a batch may hold hundreds of items, so the
// chat payloads list the first ones and count the rest.
constexpr size_t kMaxChatItems = 40;
constexpr size_t kMaxTitleBytes = 300;
constexpr size_t kMaxSnippetBytes = 500;
// ntfy turns a body above 4096 bytes into an attachment.
constexpr size_t kMaxNtfyBodyBytes = 4000;
// An atom sidecar larger than this is not one we wrote (100,000 entries of
// ~2 KB would still fit).
constexpr uintmax_t kMaxSidecarBytes = 256u << 20;
constexpr size_t kMaxAtomEntries = 100000;

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() may carry (NFS, quotas).
  bool Close() {
    int fd = fd_;
    fd_ = -1;
    return fd < 0 || ::close(fd) == 0;
  }

 private:
  int fd_;
};

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

bool IsHttpUrl(std::string_view url) {
  auto starts = [&](std::string_view p) {
    if (url.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != p[i]) return false;
    }
    return true;
  };
  return (starts("http://") || starts("https://")) && !HasControl(url) &&
         url.find(' ') == std::string_view::npos;
}

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

// Ids in URNs, file names and headers: [A-Za-z0-9._-], others -> '-'.
std::string SafeToken(std::string_view id) {
  std::string out;
  for (unsigned char c : id.substr(0, 200)) {
    out += (std::isalnum(c) || c == '.' || c == '_' || c == '-') ? static_cast<char>(c) : '-';
  }
  return out;
}

std::string WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// ---------------------------------------------------------------------------
// Text shared by the payloads.

// An escaping syntax: what stands for each ASCII character that may not
// appear as itself (nullptr: copied as is), and whether the characters XML
// 1.0 forbids (C0 controls but tab and newline, U+FFFE, U+FFFF) are dropped.
struct EscapeRules {
  std::array<const char*, 128> replacement{};
  bool drop_non_xml = false;
};

constexpr EscapeRules MakeEscapeRules(
    std::initializer_list<std::pair<char, const char*>> replacements, bool drop_non_xml = false) {
  EscapeRules rules;
  for (const auto& [c, with] : replacements) {
    rules.replacement[static_cast<unsigned char>(c)] = with;
  }
  rules.drop_non_xml = drop_non_xml;
  return rules;
}

constexpr EscapeRules kHtmlRules = MakeEscapeRules(
    {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}});
// Character data and attribute values for XML 1.0, without the characters
// XML forbids, which would make the whole feed unreadable.
constexpr EscapeRules kXmlRules = MakeEscapeRules(
    {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&apos;"}},
    /*drop_non_xml=*/true);
// Slack mrkdwn: only &, < and > are control characters.
constexpr EscapeRules kSlackRules = MakeEscapeRules({{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}});
// A URL inside Slack's <url|text>: the characters that would end it are
// percent-encoded.
constexpr EscapeRules kSlackUrlRules = MakeEscapeRules({{'<', "%3C"}, {'>', "%3E"}, {'|', "%7C"}});

// Bytes are copied except those `rules` replace or drop; multi-byte UTF-8
// sequences pass through (only U+FFFE and U+FFFF are recognised, to drop).
std::string Escape(std::string_view s, const EscapeRules& rules) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (rules.drop_non_xml) {
      if (u == 0xEF && i + 2 < s.size() && s[i + 1] == '\xBF' &&
          (s[i + 2] == '\xBE' || s[i + 2] == '\xBF')) {
        i += 2;
        continue;
      }
      if (u < 0x20 && c != '\t' && c != '\n') continue;
    }
    const char* with = u < rules.replacement.size() ? rules.replacement[u] : nullptr;
    if (with != nullptr) {
      out += with;
    } else {
      out += c;
    }
  }
  return out;
}

// The escapers of text take any bytes: invalid UTF-8 becomes U+FFFD first.
std::string HtmlEscape(std::string_view raw) { return Escape(ValidUtf8(raw), kHtmlRules); }
std::string XmlEscape(std::string_view raw) { return Escape(ValidUtf8(raw), kXmlRules); }
std::string SlackEscape(std::string_view raw) { return Escape(ValidUtf8(raw), kSlackRules); }
std::string SlackUrl(std::string_view url) { return Escape(url, kSlackUrlRules); }

std::string EventPrefix(std::string_view event) {
  if (event == "match") return "";
  if (event == "edited") return "Edited: ";
  if (event == "removed") return "Removed: ";
  if (event == "restored") return "Restored: ";
  return std::string(event) + ": ";
}

std::string WatchlistLabel(const AlertMessage& m) {
  return m.watchlist_name.empty() ? m.watchlist_id : m.watchlist_name;
}

// "2 new stories", "story edited", "3 stories removed", "4 alerts".
std::string WhatHappened(const AlertMessage& m) {
  size_t n = m.items.size();
  std::string event = n ? m.items.front().event : "match";
  bool same = std::all_of(m.items.begin(), m.items.end(),
                          [&](const AlertItem& i) { return i.event == event; });
  if (!same) return std::to_string(n) + " alerts";
  if (event == "match") return n == 1 ? "1 new story" : std::to_string(n) + " new stories";
  return (n == 1 ? "story " : std::to_string(n) + " stories ") + event;
}

// "[mediawatch] Guan Heng case: 2 new stories"
std::string Headline(const AlertMessage& m) {
  return "[mediawatch] " + WatchlistLabel(m) + ": " + WhatHappened(m);
}

std::string ItemTitle(const AlertItem& item) {
  std::string title = item.article.title.empty() ? item.article.url : item.article.title;
  return EventPrefix(item.event) + TruncateUtf8(ValidUtf8(title), kMaxTitleBytes);
}

// The matched terms, each once, in match order ("关恒, Guan Heng").
std::string MatchedTerms(const AlertItem& item) {
  std::string out;
  std::set<std::string> seen;
  for (const MatchRecord& m : item.matches) {
    const std::string& t = m.term.empty() ? m.target_id : m.term;
    if (t.empty() || !seen.insert(t).second) continue;
    if (!out.empty()) out += ", ";
    out += t;
  }
  return ValidUtf8(out);
}

std::string FirstSnippet(const AlertItem& item) {
  for (const MatchRecord& m : item.matches) {
    if (!m.snippet.empty()) return TruncateUtf8(ValidUtf8(m.snippet), kMaxSnippetBytes);
  }
  return {};
}

std::string ItemTime(const AlertItem& item) {
  return FormatIso8601Utc(item.article.published.value_or(item.article.fetched_at));
}

// "BBC 中文 · zh · 2026-01-28T09:30:00Z"
std::string ItemByline(const AlertItem& item) {
  std::string out = item.article.source.empty() ? item.article.feed_id : item.article.source;
  if (!item.article.language.empty()) out += " · " + item.article.language;
  out += " · " + ItemTime(item);
  return ValidUtf8(out);
}

// The plain-text form used by e-mail, Matrix and ntfy.
std::string PlainSummary(const AlertMessage& m, size_t max_items) {
  std::string out = Headline(m) + "\n";
  size_t shown = 0;
  for (const AlertItem& item : m.items) {
    if (shown++ == max_items) {
      out += "\n… and " + std::to_string(m.items.size() - max_items) + " more\n";
      break;
    }
    out += "\n" + ItemTitle(item) + "\n" + ItemByline(item) + "\n" + ValidUtf8(item.article.url) +
           "\n";
    std::string terms = MatchedTerms(item);
    if (!terms.empty()) out += "Matched: " + terms + "\n";
    std::string snippet = FirstSnippet(item);
    if (!snippet.empty()) out += "“" + snippet + "”\n";
    if (!item.change.empty()) {
      out += "Change: " + TruncateUtf8(ValidUtf8(item.change), kMaxSnippetBytes) + "\n";
    }
  }
  return out;
}

// The object of one item in jsonl and the generic payload.
json ItemJson(const AlertItem& item) {
  json article = report_internal::ArticleSummaryJson(item.article, item.article.fetched_at,
                                                     item.cluster_size, {});
  article.erase("time");
  article.erase("matches");
  json matches = report_internal::MatchesJson(item.matches);
  for (json& m : matches) m.erase("watchlist");
  json j;
  j["id"] = item.id;
  j["watchlist"] = item.watchlist_id;
  j["watchlist_name"] = item.watchlist_name;
  j["event"] = item.event;
  j["version"] = item.version;
  j["time"] = FormatIso8601Utc(item.time);
  j["article"] = std::move(article);
  j["matches"] = std::move(matches);
  j["also_published_by"] = item.also_published_by;
  j["change"] = item.change;
  return j;
}

// ---------------------------------------------------------------------------
// jsonl

class JsonlSink : public AlertSink {
 public:
  explicit JsonlSink(SinkSpec spec) : spec_(std::move(spec)) {}
  const std::string& name() const override { return spec_.name; }

  Status Deliver(const AlertMessage& message) override {
    std::string lines;
    for (const AlertItem& item : message.items) {
      json j = ItemJson(item);
      j["message_id"] = message.id;
      lines += report_internal::DumpJson(j, -1) + "\n";
    }
    if (spec_.path == "-") {
      std::string err = WriteAll(STDOUT_FILENO, lines);
      if (!err.empty()) return Status::IoError("jsonl sink " + spec_.name + ": stdout: " + err);
      return Status::Ok();
    }
    // One write() of whole lines with O_APPEND: concurrent writers (two
    // processes on one file) interleave lines, not bytes, on local disks.
    Fd fd(::open(spec_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (fd.get() < 0) return IoError("open", errno);
    std::string err = WriteAll(fd.get(), lines);
    if (!err.empty()) return Status::IoError("jsonl sink " + spec_.name + ": write: " + err);
    if (::fsync(fd.get()) != 0) return IoError("fsync", errno);
    if (!fd.Close()) return IoError("close", errno);
    return Status::Ok();
  }

 private:
  Status IoError(const char* what, int err) const {
    return Status::IoError("jsonl sink " + spec_.name + ": " + what + " " + spec_.path + ": " +
                           std::strerror(err));
  }

  SinkSpec spec_;
};

// ---------------------------------------------------------------------------
// webhook

struct HttpRequest {
  bool put = false;
  std::string url;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::string> headers;  // extra "Name: value" lines
};

json GenericPayload(const AlertMessage& m) {
  json items = json::array();
  for (const AlertItem& item : m.items) items.push_back(ItemJson(item));
  return {{"id", m.id},
          {"watchlist", m.watchlist_id},
          {"watchlist_name", m.watchlist_name},
          {"items", std::move(items)}};
}

json SlackPayload(const AlertMessage& m) {
  json blocks = json::array();
  blocks.push_back(
      {{"type", "section"},
       {"text", {{"type", "mrkdwn"}, {"text", "*" + SlackEscape(Headline(m)) + "*"}}}});
  size_t shown = 0;
  for (const AlertItem& item : m.items) {
    if (shown++ == kMaxChatItems) {
      blocks.push_back(
          {{"type", "context"},
           {"elements",
            json::array({{{"type", "mrkdwn"},
                          {"text", "… and " + std::to_string(m.items.size() - kMaxChatItems) +
                                       " more"}}})}});
      break;
    }
    std::string title = SlackEscape(ItemTitle(item));
    std::string text = IsHttpUrl(item.article.url)
                           ? "*<" + SlackUrl(item.article.url) + "|" + title + ">*"
                           : "*" + title + "*";
    text += "\n" + SlackEscape(ItemByline(item)) + " · " + SlackEscape(item.event);
    std::string terms = MatchedTerms(item);
    if (!terms.empty()) text += "\nMatched: " + SlackEscape(terms);
    std::string snippet = FirstSnippet(item);
    if (!snippet.empty()) text += "\n> " + SlackEscape(snippet);
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}});
  }
  return {{"text", Headline(m)}, {"blocks", std::move(blocks)}};
}

std::string MatrixHtml(const AlertMessage& m) {
  std::string out = "<p><strong>" + HtmlEscape(Headline(m)) + "</strong></p>";
  size_t shown = 0;
  for (const AlertItem& item : m.items) {
    if (shown++ == kMaxChatItems) {
      out += "<p>… and " + std::to_string(m.items.size() - kMaxChatItems) + " more</p>";
      break;
    }
    std::string title = HtmlEscape(ItemTitle(item));
    out += "<p>";
    out += IsHttpUrl(item.article.url)
               ? "<a href=\"" + HtmlEscape(item.article.url) + "\">" + title + "</a>"
               : title;
    out += "<br>" + HtmlEscape(ItemByline(item));
    std::string terms = MatchedTerms(item);
    if (!terms.empty()) out += "<br>Matched: " + HtmlEscape(terms);
    out += "</p>";
    std::string snippet = FirstSnippet(item);
    if (!snippet.empty()) out += "<blockquote>" + HtmlEscape(snippet) + "</blockquote>";
  }
  return out;
}

json MatrixPayload(const AlertMessage& m) {
  return {{"msgtype", "m.text"},
          {"body", PlainSummary(m, kMaxChatItems)},
          {"format", "org.matrix.custom.html"},
          {"formatted_body", MatrixHtml(m)}};
}

// Tags that ntfy shows as emoji, then the event.
std::string NtfyTags(const AlertMessage& m) {
  std::string event = m.items.empty() ? "match" : m.items.front().event;
  return "newspaper," + SafeToken(event);
}

class WebhookSink : public AlertSink {
 public:
  explicit WebhookSink(SinkSpec spec) : spec_(std::move(spec)) {}
  const std::string& name() const override { return spec_.name; }

  Status Deliver(const AlertMessage& message) override {
    HttpRequest r = BuildRequest(message);
    if (r.url.empty()) return Status::Internal("webhook " + spec_.name + ": cannot build URL");
    return Send(r, message.id);
  }

 private:
  HttpRequest BuildRequest(const AlertMessage& m) const {
    HttpRequest r;
    r.url = spec_.url;
    if (spec_.payload == "slack") {
      r.body = report_internal::DumpJson(SlackPayload(m), -1);
    } else if (spec_.payload == "matrix") {
      // Matrix's send endpoint is PUT .../send/m.room.message/{txnId}; the
      // message id as txnId makes a retry the same event.
      r.put = true;
      CurlString txn(curl_easy_escape(nullptr, m.id.data(), static_cast<int>(m.id.size())));
      if (!txn) return {};
      while (!r.url.empty() && r.url.back() == '/') r.url.pop_back();
      r.url += "/" + std::string(txn.get());
      r.body = report_internal::DumpJson(MatrixPayload(m), -1);
    } else if (spec_.payload == "ntfy") {
      r.content_type = "text/plain; charset=utf-8";
      r.body = TruncateUtf8(PlainSummary(m, kMaxChatItems), kMaxNtfyBodyBytes);
      std::string title = m.items.size() == 1 ? ItemTitle(m.items.front()) : Headline(m);
      // ntfy decodes RFC 2047 in X-Title; HTTP headers carry no raw UTF-8.
      r.headers.push_back("X-Title: " + report_internal::EncodeHeaderText(title, " "));
      r.headers.push_back("X-Tags: " + NtfyTags(m));
      if (!m.items.empty() && IsHttpUrl(m.items.front().article.url) &&
          IsPrintableAscii(m.items.front().article.url)) {
        r.headers.push_back("X-Click: " + m.items.front().article.url);
      }
    } else {
      r.body = report_internal::DumpJson(GenericPayload(m), -1);
    }
    return r;
  }

  Status Send(const HttpRequest& r, const std::string& message_id) {
    GlobalInitOnce();
    // One handle per sink keeps the connection to the receiver alive
    // between deliveries; reset forgets the previous request's options.
    if (!easy_) {
      easy_.reset(curl_easy_init());
      if (!easy_) return Status::Internal("curl_easy_init failed");
    } else {
      curl_easy_reset(easy_.get());
    }
    CURL* e = easy_.get();
    char error[CURL_ERROR_SIZE] = {};
    long timeout = std::max(1, spec_.timeout_seconds);
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(e, CURLOPT_USERAGENT, kUserAgent);
    // Only the configuration decides where alerts go: no *_proxy variables.
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    if (r.put) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &DiscardBody);

    std::vector<std::string> lines = r.headers;
    lines.push_back("Content-Type: " + r.content_type);
    lines.push_back("Idempotency-Key: " + SafeToken(message_id));
    lines.push_back("Expect:");  // no 100-continue round trip
    if (!spec_.secret.empty()) lines.push_back("X-Mediawatch-Signature: sha256=" + Hmac(r.body));
    if (!spec_.bearer_token.empty()) lines.push_back("Authorization: Bearer " + spec_.bearer_token);
    Slist headers;
    for (const std::string& line : lines) {
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next == nullptr) return Status::Internal("out of memory");
      headers.release();
      headers.reset(next);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());

    CURLcode code = curl_easy_perform(e);
    // The header list dies with this scope: unhook it from the handle.
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, nullptr);
    std::string who = "webhook " + spec_.name;
    if (code != CURLE_OK) {
      // libcurl's messages name host and port, not the URL's path (which
      // may be the secret of a Slack-style hook) nor our headers.
      return Status::NetworkError(who + ": " +
                                  (error[0] ? std::string(error) : curl_easy_strerror(code)));
    }
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return Status::Ok();
    std::string what = who + ": HTTP " + std::to_string(status);
    if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
      return Status::NetworkError(what);
    }
    if (status >= 300 && status < 400) what += " (redirects are not followed)";
    return Status::HttpError(what);
  }

  std::string Hmac(const std::string& body) const {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), spec_.secret.data(), static_cast<int>(spec_.secret.size()),
             reinterpret_cast<const unsigned char*>(body.data()), body.size(), md,
             &len) == nullptr) {
      return {};
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
      hex += kHex[md[i] >> 4];
      hex += kHex[md[i] & 15];
    }
    return hex;
  }

  static size_t DiscardBody(char*, size_t size, size_t n, void*) { return size * n; }

  SinkSpec spec_;
  EasyHandle easy_;
};

// ---------------------------------------------------------------------------
// email

std::string EmailHtml(const AlertMessage& m) {
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + HtmlEscape(Headline(m)) +
      "</title></head>\n<body style=\"font-family:Arial,Helvetica,sans-serif;color:#222;"
      "margin:0;padding:16px;\">\n<h1 style=\"font-size:18px;margin:0 0 12px;\">" +
      HtmlEscape(Headline(m)) + "</h1>\n";
  for (const AlertItem& item : m.items) {
    out += "<div style=\"border-top:1px solid #ddd;padding:12px 0;\">\n";
    std::string title = HtmlEscape(ItemTitle(item));
    out += "<p dir=\"auto\" style=\"font-size:16px;font-weight:bold;margin:0 0 4px;\">";
    out += IsHttpUrl(item.article.url) ? "<a href=\"" + HtmlEscape(item.article.url) +
                                             "\" style=\"color:#0645ad;\">" + title + "</a>"
                                       : title;
    out += "</p>\n<p style=\"font-size:13px;color:#555;margin:0 0 4px;\">" +
           HtmlEscape(ItemByline(item)) + "</p>\n";
    std::string terms = MatchedTerms(item);
    if (!terms.empty()) {
      out += "<p style=\"font-size:13px;margin:0 0 4px;\">Matched: <span dir=\"auto\">" +
             HtmlEscape(terms) + "</span></p>\n";
    }
    std::string snippet = FirstSnippet(item);
    if (!snippet.empty()) {
      out +=
          "<p dir=\"auto\" style=\"font-size:14px;margin:4px 0;padding-left:8px;"
          "border-left:3px solid #ccc;\">" +
          HtmlEscape(snippet) + "</p>\n";
    }
    if (!item.also_published_by.empty()) {
      std::string also;
      for (const std::string& s : item.also_published_by) also += (also.empty() ? "" : ", ") + s;
      out += "<p dir=\"auto\" style=\"font-size:13px;color:#555;margin:0;\">Also published by: " +
             HtmlEscape(also) + "</p>\n";
    }
    if (!item.change.empty()) {
      out += "<pre dir=\"auto\" style=\"font-size:12px;white-space:pre-wrap;margin:4px 0;\">" +
             HtmlEscape(TruncateUtf8(ValidUtf8(item.change), kMaxSnippetBytes)) + "</pre>\n";
    }
    out += "</div>\n";
  }
  out += "<p style=\"font-size:12px;color:#888;\">Sent by mediawatch (alert " +
         HtmlEscape(SafeToken(m.id)) + ").</p>\n</body></html>\n";
  return out;
}

class EmailSink : public AlertSink {
 public:
  explicit EmailSink(SinkSpec spec) : spec_(std::move(spec)) {}
  const std::string& name() const override { return spec_.name; }

  Status Deliver(const AlertMessage& message) override {
    EmailMessage mail;
    mail.subject = Headline(message);
    mail.text = PlainSummary(message, message.items.size());
    mail.html = EmailHtml(message);
    mail.message_id = message.id;
    Status s = SendEmail(spec_, mail);
    return s.ok() ? s : s.WithContext("email sink " + spec_.name);
  }

 private:
  SinkSpec spec_;
};

// ---------------------------------------------------------------------------
// atom

struct AtomEntry {
  std::string id;  // the AlertItem id
  std::string title;
  std::string link;
  int64_t updated = 0;
  std::string summary;
  std::string lang;
};

bool IsLanguageTag(std::string_view s) {
  return !s.empty() && s.size() <= 35 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-';
  });
}

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  auto fail = [&](const char* what) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::IoError(std::string(what) + " " + tmp.string() + ": " + std::strerror(err));
  };
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return fail("open");
    std::string err = WriteAll(fd.get(), data);
    if (!err.empty()) {
      ::unlink(tmp.c_str());
      return Status::IoError("write " + tmp.string() + ": " + err);
    }
    if (::fsync(fd.get()) != 0) return fail("fsync");
    if (!fd.Close()) return fail("close");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  // The rename itself is durable once the directory is synced.
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
  return Status::Ok();
}

class AtomSink : public AlertSink {
 public:
  explicit AtomSink(SinkSpec spec) : spec_(std::move(spec)) {}
  const std::string& name() const override { return spec_.name; }

  Status Deliver(const AlertMessage& message) override {
    Result<std::filesystem::path> path = FeedPath(message.watchlist_id);
    if (!path.ok()) return path.status();
    std::filesystem::path sidecar = *path;
    sidecar += ".entries.json";
    Result<std::vector<AtomEntry>> old = LoadSidecar(sidecar);
    if (!old.ok()) return old.status();

    std::set<std::string> known;
    for (const AtomEntry& e : *old) known.insert(e.id);
    std::vector<AtomEntry> entries;
    // Items are oldest first; the feed is newest first.
    for (auto it = message.items.rbegin(); it != message.items.rend(); ++it) {
      if (!known.insert(it->id).second) continue;
      entries.push_back(EntryFor(*it));
    }
    entries.insert(entries.end(), old->begin(), old->end());
    std::stable_sort(entries.begin(), entries.end(),
                     [](const AtomEntry& a, const AtomEntry& b) { return a.updated > b.updated; });
    if (entries.size() > spec_.atom_entries) entries.resize(spec_.atom_entries);

    // Sidecar first: after a crash between the two renames the next
    // delivery regenerates the feed from it.
    MW_RETURN_IF_ERROR(
        WriteFileAtomically(sidecar, report_internal::DumpJson(SidecarJson(message, entries), -1))
            .WithContext("atom sink " + spec_.name));
    return WriteFileAtomically(*path, FeedXml(message, entries))
        .WithContext("atom sink " + spec_.name);
  }

 private:
  Result<std::filesystem::path> FeedPath(const std::string& watchlist_id) const {
    const std::string kPlaceholder = "{watchlist}";
    std::string path = spec_.path;
    if (path.find(kPlaceholder) == std::string::npos) return std::filesystem::path(path);
    if (watchlist_id.empty() || watchlist_id.size() > 200 || watchlist_id.front() == '.' ||
        watchlist_id.find('/') != std::string::npos || HasControl(watchlist_id)) {
      return Status::InvalidArgument("atom sink " + spec_.name + ": watch-list id '" +
                                     SafeToken(watchlist_id) + "' is not safe in a file name");
    }
    for (size_t pos = 0; (pos = path.find(kPlaceholder, pos)) != std::string::npos;) {
      path.replace(pos, kPlaceholder.size(), watchlist_id);
      pos += watchlist_id.size();
    }
    return std::filesystem::path(path);
  }

  Result<std::vector<AtomEntry>> LoadSidecar(const std::filesystem::path& sidecar) const {
    std::vector<AtomEntry> entries;
    std::error_code ec;
    if (!std::filesystem::exists(sidecar, ec)) return entries;
    std::string who = "atom sink " + spec_.name + ": " + sidecar.string();
    uintmax_t size = std::filesystem::file_size(sidecar, ec);
    if (ec) return Status::IoError(who + ": " + ec.message());
    if (size > kMaxSidecarBytes) return Status::Corruption(who + " is too large to be ours");
    Fd fd(::open(sidecar.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Status::IoError(who + ": " + std::strerror(errno));
    std::string data;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IoError(who + ": " + std::strerror(errno));
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (data.size() > kMaxSidecarBytes) return Status::Corruption(who + " is too large");
    }
    json j = json::parse(data, nullptr, /*allow_exceptions=*/false);
    auto corrupt = [&] {
      return Status::Corruption(who + " is not a mediawatch atom sidecar (delete it and " +
                                "the feed to start a fresh feed)");
    };
    if (!j.is_object() || j.value("format", "") != "mediawatch-atom-entries" ||
        !j.contains("entries") || !j["entries"].is_array()) {
      return corrupt();
    }
    for (const json& e : j["entries"]) {
      if (!e.is_object() || !e.contains("id") || !e["id"].is_string() || !e.contains("updated") ||
          !e["updated"].is_number_integer()) {
        return corrupt();
      }
      AtomEntry a;
      a.id = e["id"].get<std::string>();
      a.updated = e["updated"].get<int64_t>();
      auto str = [&](const char* key) {
        auto it = e.find(key);
        return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      a.title = str("title");
      a.link = str("link");
      a.summary = str("summary");
      a.lang = str("lang");
      entries.push_back(std::move(a));
    }
    return entries;
  }

  static AtomEntry EntryFor(const AlertItem& item) {
    AtomEntry e;
    e.id = item.id;
    e.title = ItemTitle(item);
    e.link = IsHttpUrl(item.article.url) ? item.article.url : "";
    e.updated = item.time;
    std::string terms = MatchedTerms(item);
    std::string snippet = FirstSnippet(item);
    e.summary = ItemByline(item);
    if (!terms.empty()) e.summary += "\nMatched: " + terms;
    if (!snippet.empty()) e.summary += "\n" + snippet;
    if (!item.change.empty()) {
      e.summary += "\nChange: " + TruncateUtf8(ValidUtf8(item.change), kMaxSnippetBytes);
    }
    e.lang = IsLanguageTag(item.article.language) ? item.article.language : "";
    return e;
  }

  static json SidecarJson(const AlertMessage& m, const std::vector<AtomEntry>& entries) {
    json list = json::array();
    for (const AtomEntry& e : entries) {
      list.push_back({{"id", e.id},
                      {"title", e.title},
                      {"link", e.link},
                      {"updated", e.updated},
                      {"summary", e.summary},
                      {"lang", e.lang}});
    }
    return {{"format", "mediawatch-atom-entries"},
            {"version", 1},
            {"watchlist", m.watchlist_id},
            {"entries", std::move(list)}};
  }

  static std::string FeedXml(const AlertMessage& m, const std::vector<AtomEntry>& entries) {
    int64_t updated =
        entries.empty() ? static_cast<int64_t>(std::time(nullptr)) : entries.front().updated;
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    out += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    out += "  <id>urn:mediawatch:watchlist:" + XmlEscape(SafeToken(m.watchlist_id)) + "</id>\n";
    out += "  <title>mediawatch: " + XmlEscape(WatchlistLabel(m)) + "</title>\n";
    out += "  <updated>" + FormatIso8601Utc(updated) + "</updated>\n";
    out += "  <author><name>mediawatch</name></author>\n";
    out += "  <generator>mediawatch</generator>\n";
    for (const AtomEntry& e : entries) {
      out += e.lang.empty() ? "  <entry>\n" : "  <entry xml:lang=\"" + XmlEscape(e.lang) + "\">\n";
      out += "    <id>urn:mediawatch:alert:" + XmlEscape(SafeToken(e.id)) + "</id>\n";
      out += "    <title type=\"text\">" + XmlEscape(e.title) + "</title>\n";
      if (!e.link.empty()) {
        out += "    <link rel=\"alternate\" href=\"" + XmlEscape(e.link) + "\"/>\n";
      }
      out += "    <updated>" + FormatIso8601Utc(e.updated) + "</updated>\n";
      out += "    <summary type=\"text\">" + XmlEscape(e.summary) + "</summary>\n";
      out += "  </entry>\n";
    }
    out += "</feed>\n";
    return out;
  }

  SinkSpec spec_;
};

// ---------------------------------------------------------------------------

Status ValidateWebhookSpec(const SinkSpec& spec) {
  std::string who = "webhook sink " + spec.name;
  if (spec.url.empty()) return Status::InvalidArgument(who + " needs a url");
  if (spec.url.size() > kMaxUrlBytes || HasControl(spec.url) ||
      spec.url.find(' ') != std::string::npos) {
    return Status::InvalidArgument(who + ": url too long or with spaces or control characters");
  }
  UrlHandle url(curl_url());
  if (!url) return Status::Internal("out of memory");
  char* scheme = nullptr;
  char* host = nullptr;
  bool parsed = curl_url_set(url.get(), CURLUPART_URL, spec.url.c_str(), 0) == CURLUE_OK &&
                curl_url_get(url.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                curl_url_get(url.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK;
  CurlString scheme_owner(scheme), host_owner(host);
  if (!parsed || host == nullptr || host[0] == '\0' ||
      (std::strcmp(scheme, "http") != 0 && std::strcmp(scheme, "https") != 0)) {
    return Status::InvalidArgument(who + ": url must be http:// or https://HOST/...");
  }
  if (spec.payload != "generic" && spec.payload != "slack" && spec.payload != "matrix" &&
      spec.payload != "ntfy") {
    return Status::InvalidArgument(who + ": payload must be generic, slack, matrix or ntfy");
  }
  // Header injection: a secret is never quoted back, only named.
  if (HasControl(spec.bearer_token)) {
    return Status::InvalidArgument(who + ": bearer token contains control characters");
  }
  if (spec.timeout_seconds <= 0) {
    return Status::InvalidArgument(who + ": timeout must be at least 1 second");
  }
  return Status::Ok();
}

}  // namespace

bool IsTransientSinkError(const Status& status) {
  return status.code() == StatusCode::kNetworkError;
}

Result<std::unique_ptr<AlertSink>> MakeSink(const SinkSpec& spec) {
  switch (spec.type) {
    case SinkType::kJsonl:
      if (spec.path.empty()) {
        return Status::InvalidArgument("jsonl sink " + spec.name + " needs a path (or \"-\")");
      }
      return std::unique_ptr<AlertSink>(new JsonlSink(spec));
    case SinkType::kWebhook:
      MW_RETURN_IF_ERROR(ValidateWebhookSpec(spec));
      return std::unique_ptr<AlertSink>(new WebhookSink(spec));
    case SinkType::kEmail: {
      Status s = ValidateEmailSpec(spec);
      if (!s.ok()) return s.WithContext("email sink " + spec.name);
      return std::unique_ptr<AlertSink>(new EmailSink(spec));
    }
    case SinkType::kAtom:
      if (spec.path.empty() || spec.path == "-" || spec.path.back() == '/') {
        return Status::InvalidArgument("atom sink " + spec.name + " needs a file path");
      }
      if (spec.atom_entries == 0 || spec.atom_entries > kMaxAtomEntries) {
        return Status::InvalidArgument("atom sink " + spec.name +
                                       ": entries must be between 1 and 100000");
      }
      return std::unique_ptr<AlertSink>(new AtomSink(spec));
  }
  return Status::InvalidArgument("unknown sink type");
}

}  // namespace mw
