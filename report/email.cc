#include "report/email.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>

#include "report/curl_handles.h"

namespace mw {
namespace {

using report_internal::CurlString;
using report_internal::EasyHandle;
using report_internal::GlobalInitOnce;
using report_internal::Slist;
using report_internal::UrlHandle;

// Header lines must stay under RFC 5322's 998 characters; a subject is a
// line, so we cap what we encode well below that.
constexpr size_t kMaxSubjectBytes = 600;
constexpr size_t kMaxAddressBytes = 254;
constexpr size_t kMaxUrlBytes = 2048;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A part of a URL parsed by libcurl ("" when absent).
std::string UrlPart(CURLU* u, CURLUPart part) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, 0) != CURLUE_OK || out == nullptr) return {};
  CurlString owned(out);
  return std::string(owned.get());
}

bool IsLoopbackHost(std::string host) {
  host = Lower(std::move(host));
  if (host == "localhost") return true;
  if (host == "[::1]" || host == "::1") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return false;
}

// A plain ASCII address "local@domain". The characters refused are those
// that would let an address smuggle another header, recipient or SMTP
// command (CR, LF, '<', '>', ',', spaces...).
Status ValidateAddress(std::string_view field, const std::string& address) {
  auto bad = [&](std::string why) {
    return Status::InvalidArgument("email " + std::string(field) + " address " + why);
  };
  if (address.empty()) return bad("is empty");
  if (address.size() > kMaxAddressBytes) return bad("is longer than 254 bytes");
  size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string::npos) {
    return bad("must be local@domain");
  }
  for (unsigned char c : address) {
    if (c <= 0x20 || c >= 0x7f || std::strchr("<>()[],;:\"\\", c) != nullptr) {
      return bad("may only hold printable ASCII without spaces or <>()[],;:\"\\");
    }
  }
  return Status::Ok();
}

std::string SafeMessageId(std::string_view id) {
  std::string out;
  for (unsigned char c : id.substr(0, 200)) {
    out += (std::isalnum(c) || c == '.' || c == '_' || c == '-') ? static_cast<char>(c) : '-';
  }
  return out;
}

// RFC 5322 date-time in UTC, independent of the process locale.
std::string Rfc5322Date(int64_t unix_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = static_cast<time_t>(unix_seconds);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday % 7],
                utc.tm_mday, kMonths[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return buf;
}

// A boundary that cannot occur in base64 content ('=' followed by '_' is
// never produced by base64), unique per message id.
std::string Boundary(std::string_view message_id) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : message_id) h = (h ^ c) * 1099511628211ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "=_mw_%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void AppendPart(std::string* out, std::string_view type, std::string_view body) {
  *out += "Content-Type: ";
  *out += type;
  *out += "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  *out += report_internal::Base64(report_internal::ValidUtf8(body), 76);
}

struct Upload {
  const std::string* data = nullptr;
  size_t pos = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t room = size * n;
  size_t left = u->data->size() - u->pos;
  size_t take = std::min(room, left);
  std::memcpy(buffer, u->data->data() + u->pos, take);
  u->pos += take;
  return take;
}

size_t DiscardBody(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

namespace report_internal {

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) {
        ok = false;
      } else {
        cp = (cp << 6) | (cc & 0x3f);
      }
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    if (ok && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
               (cp >= 0xd800 && cp <= 0xdfff))) {
      ok = false;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "\xE2\x80\xA6";
}

std::string Base64(std::string_view bytes, size_t line_length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(bytes.size() * 4 / 3 + 4 + (line_length ? bytes.size() / line_length * 2 + 2 : 0));
  size_t column = 0;
  auto put = [&](char c) {
    out += c;
    if (line_length != 0 && ++column == line_length) {
      out += "\r\n";
      column = 0;
    }
  };
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    put(kAlphabet[(v >> 18) & 63]);
    put(kAlphabet[(v >> 12) & 63]);
    put(kAlphabet[(v >> 6) & 63]);
    put(kAlphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    put(kAlphabet[(v >> 18) & 63]);
    put(kAlphabet[(v >> 12) & 63]);
    put(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    put('=');
  }
  if (line_length != 0 && column != 0) out += "\r\n";
  return out;
}

std::string EncodeHeaderText(std::string_view raw, std::string_view separator) {
  std::string text = ValidUtf8(raw);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  bool plain =
      text.find("=?") == std::string::npos &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
  if (plain) return text;
  // 45 bytes encode to 60 base64 characters: with "=?UTF-8?B?" and "?=" an
  // encoded-word stays within RFC 2047's 75. Words never split a character.
  constexpr size_t kChunk = 45;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + kChunk);
    while (end < text.size() && end > i + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += separator;
    out += "=?UTF-8?B?" + Base64(std::string_view(text).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

}  // namespace report_internal

Status ValidateEmailSpec(const SinkSpec& spec) {
  if (spec.smtp_url.empty()) return Status::InvalidArgument("email sink needs smtp_url");
  if (spec.smtp_url.size() > kMaxUrlBytes) return Status::InvalidArgument("smtp_url too long");
  if (std::any_of(spec.smtp_url.begin(), spec.smtp_url.end(),
                  [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    return Status::InvalidArgument("smtp_url contains spaces or control characters");
  }
  UrlHandle url(curl_url());
  if (!url) return Status::Internal("out of memory");
  if (curl_url_set(url.get(), CURLUPART_URL, spec.smtp_url.c_str(), 0) != CURLUE_OK) {
    return Status::InvalidArgument("smtp_url is not a URL (smtp://host[:port] or smtps://...)");
  }
  std::string scheme = Lower(UrlPart(url.get(), CURLUPART_SCHEME));
  std::string host = UrlPart(url.get(), CURLUPART_HOST);
  if (scheme != "smtp" && scheme != "smtps") {
    return Status::InvalidArgument("smtp_url must start with smtp:// or smtps://");
  }
  if (host.empty()) return Status::InvalidArgument("smtp_url has no host");
  // Credentials belong in username/password, which are kept out of logs;
  // a URL is printed in too many places.
  if (!UrlPart(url.get(), CURLUPART_USER).empty() ||
      !UrlPart(url.get(), CURLUPART_PASSWORD).empty()) {
    return Status::InvalidArgument("smtp_url must not hold credentials (use username/password)");
  }
  if (spec.tls != "required" && spec.tls != "try" && spec.tls != "none") {
    return Status::InvalidArgument("email tls must be \"required\", \"try\" or \"none\"");
  }
  if (spec.tls == "none") {
    if (scheme == "smtps") {
      return Status::InvalidArgument("email tls = \"none\" contradicts smtps://");
    }
    if (!IsLoopbackHost(host)) {
      return Status::InvalidArgument(
          "email tls = \"none\" is only allowed for a loopback SMTP host (localhost, 127.0.0.0/8, "
          "[::1]); use \"required\" or \"try\"");
    }
  }
  MW_RETURN_IF_ERROR(ValidateAddress("from", spec.from));
  if (spec.to.empty()) return Status::InvalidArgument("email sink needs at least one `to` address");
  for (const std::string& to : spec.to) MW_RETURN_IF_ERROR(ValidateAddress("to", to));
  return Status::Ok();
}

std::string BuildEmailText(const SinkSpec& spec, const EmailMessage& message, int64_t date_unix) {
  std::string out;
  out += "Date: " + Rfc5322Date(date_unix) + "\r\n";
  out += "From: <" + spec.from + ">\r\n";
  out += "To: ";
  for (size_t i = 0; i < spec.to.size(); ++i) {
    out += (i ? ",\r\n <" : "<") + spec.to[i] + ">";
  }
  out += "\r\n";
  std::string subject =
      report_internal::TruncateUtf8(report_internal::ValidUtf8(message.subject), kMaxSubjectBytes);
  out += "Subject: " + report_internal::EncodeHeaderText(subject) + "\r\n";
  std::string id = SafeMessageId(message.message_id);
  if (!id.empty()) out += "Message-ID: <" + id + "@mediawatch>\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  if (message.html.empty()) {
    AppendPart(&out, "text/plain", message.text);
    return out;
  }
  std::string boundary = Boundary(message.message_id + message.subject);
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a MIME message in text and HTML.\r\n";
  out += "--" + boundary + "\r\n";
  AppendPart(&out, "text/plain", message.text);
  out += "--" + boundary + "\r\n";
  AppendPart(&out, "text/html", message.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

Status SendEmail(const SinkSpec& spec, const EmailMessage& message) {
  MW_RETURN_IF_ERROR(ValidateEmailSpec(spec));
  GlobalInitOnce();
  std::string text = BuildEmailText(spec, message, static_cast<int64_t>(std::time(nullptr)));

  EasyHandle easy(curl_easy_init());
  if (!easy) return Status::Internal("curl_easy_init failed");
  CURL* e = easy.get();
  char error[CURL_ERROR_SIZE] = {};
  Upload upload{&text, 0};
  long timeout = std::max(1, spec.timeout_seconds);
  curl_easy_setopt(e, CURLOPT_URL, spec.smtp_url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout);
  // Only the spec decides where mail goes (no *_proxy from the environment).
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  long use_ssl = spec.tls == "none"  ? static_cast<long>(CURLUSESSL_NONE)
                 : spec.tls == "try" ? static_cast<long>(CURLUSESSL_TRY)
                                     : static_cast<long>(CURLUSESSL_ALL);
  curl_easy_setopt(e, CURLOPT_USE_SSL, use_ssl);
  if (!spec.username.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, spec.username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, spec.password.c_str());
  }
  std::string from = "<" + spec.from + ">";
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, from.c_str());
  curl_slist* rcpt = nullptr;
  for (const std::string& to : spec.to) {
    curl_slist* next = curl_slist_append(rcpt, ("<" + to + ">").c_str());
    if (next == nullptr) {
      curl_slist_free_all(rcpt);
      return Status::Internal("out of memory");
    }
    rcpt = next;
  }
  Slist rcpt_owner(rcpt);
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(e, CURLOPT_READDATA, &upload);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &DiscardBody);

  CURLcode code = curl_easy_perform(e);
  if (code == CURLE_OK) return Status::Ok();
  long reply = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply);
  // libcurl's messages name the host and the SMTP reply, never the
  // credentials we handed it.
  std::string detail = error[0] ? std::string(error) : curl_easy_strerror(code);
  if (code == CURLE_USE_SSL_FAILED) {
    return Status::Forbidden("SMTP server offers no STARTTLS and tls = \"required\" (" + detail +
                             ")");
  }
  if (code == CURLE_LOGIN_DENIED) return Status::HttpError("SMTP login refused: " + detail);
  if (reply >= 500 && reply < 600) {
    return Status::HttpError("SMTP server refused the message (" + std::to_string(reply) +
                             "): " + detail);
  }
  return Status::NetworkError("SMTP: " + detail);
}

}  // namespace mw
