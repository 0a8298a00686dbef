// mediawatch/tests/support/smtp_server.h
//
// A loopback SMTP server for tests: Debian's aiosmtpd (python3-aiosmtpd,
// installed by scripts/install-deps.sh) on 127.0.0.1:<free port>, storing
// every message it receives in a Maildir. Killed on destruction.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mw::testing {

// Debian's interpreter, where python3-aiosmtpd lives (not a pyenv shim).
inline constexpr const char* kSystemPython = "/usr/bin/python3";

class SmtpServer {
 public:
  SmtpServer() = default;
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Starts the server; "" on success, else why not (aiosmtpd missing, did not
  // listen within 10 s, ...). A test that needs it must fail on an error,
  // not skip: the dependency is installed by scripts/install-deps.sh.
  std::string Start(const std::filesystem::path& maildir, const std::filesystem::path& log);
  int port() const { return port_; }
  // Files of the messages received so far (Maildir new/), sorted.
  std::vector<std::filesystem::path> Messages() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::filesystem::path maildir_;
};

// Python's reading of one stored message, as a JSON object: subject,
// message_id, from, to, date, type, parts {content type: decoded text}.
std::string ReadMailAsJson(const std::filesystem::path& message);

}  // namespace mw::testing
