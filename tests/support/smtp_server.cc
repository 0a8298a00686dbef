// mediawatch/tests/support/smtp_server.cc
#include "tests/support/smtp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace mw::testing {
namespace {

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

constexpr const char* kReadMessage = R"PY(
import email, email.policy, json, sys
raw = open(sys.argv[1], 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.default)
parts = {}
for p in m.walk():
    if p.get_content_maintype() == 'text':
        parts[p.get_content_type()] = p.get_content()
print(json.dumps({
    'subject': str(m['subject']), 'message_id': str(m['message-id']),
    'from': str(m['from']), 'to': str(m['to']), 'date': str(m['date']),
    'type': m.get_content_type(), 'parts': parts,
    'raw_subject': raw.split(b'Subject:', 1)[1].split(b'\nMessage-ID', 1)[0].decode('ascii'),
}))
)PY";

}  // namespace

SmtpServer::~SmtpServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string SmtpServer::Start(const std::filesystem::path& maildir,
                              const std::filesystem::path& log) {
  CommandResult probe = RunCommand({kSystemPython, "-c", "import aiosmtpd"}, 60);
  if (probe.exit_code != 0) {
    return std::string("python3-aiosmtpd is missing (") + kSystemPython +
           " cannot import aiosmtpd): install it with scripts/install-deps.sh "
           "(apt-get install python3-aiosmtpd). " +
           probe.err;
  }
  maildir_ = maildir;
  port_ = UnusedLoopbackPort();
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::vector<std::string> args = {
      kSystemPython,   "-m", "aiosmtpd", "-n", "-l", listen, "-c", "aiosmtpd.handlers.Mailbox",
      maildir.string()};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int rc = posix_spawn(&pid_, kSystemPython, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return std::string("cannot start ") + kSystemPython + ": " + std::strerror(rc);
  }
  // Python needs a moment to import asyncio; poll until it listens.
  for (int i = 0; i < 500; ++i) {
    if (CanConnect(port_)) return {};
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return "aiosmtpd exited: " + ReadFileOrDie(log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "aiosmtpd did not listen within 10 s";
}

std::vector<std::filesystem::path> SmtpServer::Messages() const {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(maildir_ / "new", ec)) {
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadMailAsJson(const std::filesystem::path& message) {
  CommandResult r = RunCommand({kSystemPython, "-c", kReadMessage, message.string()}, 60);
  return r.exit_code == 0 ? r.out : "";
}

}  // namespace mw::testing
