// Tests of report/email.h and the e-mail sink: messages go to a loopback
// aiosmtpd (Debian python3-aiosmtpd, installed by scripts/install-deps.sh)
// that stores them in a Maildir; Python's email module reads them back, so
// the MIME structure and RFC 2047 subject are checked by an independent
// decoder. (The Maildir stores LF line ends, so CRLF is checked on
// BuildEmailText.)
#include "report/email.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "report/sinks.h"
#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace mw {
namespace {

using ::mw::testing::RunCommand;
using ::mw::testing::TempDir;
using nlohmann::json;

// Debian's interpreter, where python3-aiosmtpd lives (not a pyenv shim).
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kHostile = "<script>alert(1)</script>";
constexpr const char* kUyghur = "گۇەن خېڭ";

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

// aiosmtpd on 127.0.0.1:<free port> storing into a Maildir; killed (by its
// pid) on destruction.
class SmtpServer {
 public:
  ~SmtpServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  // "" on success, else why not.
  std::string Start(const std::filesystem::path& maildir, const std::filesystem::path& log) {
    port_ = ::mw::testing::UnusedLoopbackPort();
    std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args = {
        kPython,         "-m", "aiosmtpd", "-n", "-l", listen, "-c", "aiosmtpd.handlers.Mailbox",
        maildir.string()};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, kPython, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return std::string("cannot start ") + kPython + ": " + std::strerror(rc);
    }
    // Python needs a moment to import asyncio; poll until it listens.
    for (int i = 0; i < 500; ++i) {
      if (CanConnect(port_)) return {};
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "aiosmtpd exited: " + ::mw::testing::ReadFileOrDie(log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "aiosmtpd did not listen within 10 s";
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Python's reading of one stored message as JSON.
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

class EmailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CommandResult probe = RunCommand({kPython, "-c", "import aiosmtpd"}, 60);
    ASSERT_EQ(probe.exit_code, 0)
        << "python3-aiosmtpd is missing (" << kPython << " cannot import aiosmtpd): install it "
        << "with scripts/install-deps.sh (apt-get install python3-aiosmtpd). " << probe.err;
    std::string err = server_.Start(dir_.path() / "maildir", dir_.path() / "smtpd.log");
    ASSERT_EQ(err, "");
  }

  SinkSpec Spec() const {
    SinkSpec spec;
    spec.name = "mail";
    spec.type = SinkType::kEmail;
    spec.smtp_url = "smtp://127.0.0.1:" + std::to_string(server_.port());
    spec.tls = "none";
    spec.from = "mediawatch@example.org";
    spec.to = {"analyst@example.org", "desk@example.org"};
    spec.timeout_seconds = 10;
    return spec;
  }

  // The messages stored so far, as Python reads them.
  std::vector<json> Received() {
    std::vector<json> out;
    std::filesystem::path dir = dir_.path() / "maildir" / "new";
    if (!std::filesystem::is_directory(dir)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      CommandResult r = RunCommand({kPython, "-c", kReadMessage, entry.path().string()}, 60);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      out.push_back(json::parse(r.out, nullptr, false));
    }
    return out;
  }

  using CommandResult = ::mw::testing::CommandResult;
  TempDir dir_;
  SmtpServer server_;
};

AlertMessage UyghurMessage() {
  AlertItem item;
  item.id = "0123abcd";
  item.watchlist_id = "guan-heng-case";
  item.watchlist_name = std::string("Guan Heng 关恒 ") + kUyghur;
  item.event = "match";
  item.time = 1769592600;
  item.article.url = "https://news.example/ug/1";
  item.article.title = std::string(kHostile) + " " + kUyghur;
  item.article.source = "Uyghur Outlet";
  item.article.language = "ug";
  item.article.fetched_at = 1769592500;
  MatchRecord m;
  m.target_id = "guan-heng";
  m.kind = "entity";
  m.term = kUyghur;
  m.field = "title";
  m.snippet = std::string("… ") + kUyghur + " <img src=x onerror=alert(2)> …";
  m.count = 1;
  item.matches.push_back(m);
  AlertMessage msg;
  msg.id = item.id;
  msg.watchlist_id = item.watchlist_id;
  msg.watchlist_name = item.watchlist_name;
  msg.items.push_back(item);
  return msg;
}

TEST_F(EmailTest, SinkSendsMultipartMessageWithEncodedSubject) {
  auto sink = MakeSink(Spec());
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  Status s = (*sink)->Deliver(UyghurMessage());
  ASSERT_TRUE(s.ok()) << s.ToString();

  std::vector<json> got = Received();
  ASSERT_EQ(got.size(), 1u);
  const json& m = got[0];
  ASSERT_FALSE(m.is_discarded());
  EXPECT_EQ(m["subject"], std::string("[mediawatch] Guan Heng 关恒 ") + kUyghur + ": 1 new story");
  EXPECT_EQ(std::string(m["raw_subject"]).find("=?UTF-8?B?"), 1u) << m["raw_subject"];
  EXPECT_EQ(m["message_id"], "<0123abcd@mediawatch>");
  EXPECT_EQ(m["from"], "mediawatch@example.org");
  EXPECT_EQ(m["to"], "analyst@example.org, desk@example.org");
  EXPECT_EQ(m["type"], "multipart/alternative");
  std::string text = m["parts"]["text/plain"];
  std::string html = m["parts"]["text/html"];
  EXPECT_NE(text.find(std::string(kHostile) + " " + kUyghur), std::string::npos) << text;
  EXPECT_NE(text.find("https://news.example/ug/1"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_NE(html.find(std::string("&lt;script&gt;alert(1)&lt;/script&gt; ") + kUyghur),
            std::string::npos);
  EXPECT_NE(html.find("dir=\"auto\""), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://news.example/ug/1\""), std::string::npos);
}

TEST_F(EmailTest, SendEmailTextOnlyAndLongSubject) {
  EmailMessage mail;
  // Long enough to need several encoded-words, each within 75 characters.
  for (int i = 0; i < 12; ++i) mail.subject += kUyghur;
  mail.text = std::string("line one\nline two ") + kUyghur + "\n.\n.leading dot\n";
  mail.message_id = "digest/2026-01-28";  // '/' is not kept in a Message-ID
  ASSERT_TRUE(SendEmail(Spec(), mail).ok());
  std::vector<json> got = Received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["subject"], mail.subject);
  EXPECT_EQ(got[0]["type"], "text/plain");
  EXPECT_EQ(got[0]["message_id"], "<digest-2026-01-28@mediawatch>");
  std::string text = got[0]["parts"]["text/plain"];
  EXPECT_NE(text.find(".leading dot"), std::string::npos) << text;  // dot-stuffing round trip
  EXPECT_NE(text.find(kUyghur), std::string::npos);
}

TEST_F(EmailTest, RequiredTlsFailsWithoutStarttls) {
  SinkSpec spec = Spec();
  spec.tls = "required";
  spec.username = "user";
  spec.password = "hunter2-secret";
  EmailMessage mail;
  mail.subject = "x";
  mail.text = "y";
  Status s = SendEmail(spec, mail);
  EXPECT_EQ(s.code(), StatusCode::kForbidden) << s.ToString();
  EXPECT_NE(s.message().find("STARTTLS"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos);
  EXPECT_TRUE(Received().empty());
}

TEST(EmailSpecTest, PlainSmtpOnlyForLoopbackAndAddressesChecked) {
  SinkSpec spec;
  spec.name = "mail";
  spec.type = SinkType::kEmail;
  spec.smtp_url = "smtp://smtp.example.com:25";
  spec.tls = "none";
  spec.from = "a@example.org";
  spec.to = {"b@example.org"};
  auto r = MakeSink(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("loopback"), std::string::npos);
  spec.tls = "required";
  EXPECT_TRUE(MakeSink(spec).ok());
  spec.smtp_url = "smtp://[::1]:2525";
  spec.tls = "none";
  EXPECT_TRUE(MakeSink(spec).ok());
  spec.smtp_url = "smtps://127.0.0.1";
  EXPECT_FALSE(MakeSink(spec).ok());  // none contradicts smtps
  spec.smtp_url = "smtp://user:pw@127.0.0.1";
  EXPECT_FALSE(MakeSink(spec).ok());
  EXPECT_EQ(MakeSink(spec).status().message().find("pw"), std::string::npos);
  spec.smtp_url = "http://127.0.0.1";
  EXPECT_FALSE(MakeSink(spec).ok());
  spec.smtp_url = "smtp://127.0.0.1";
  spec.tls = "maybe";
  EXPECT_FALSE(MakeSink(spec).ok());
  spec.tls = "none";
  for (std::string bad : {"", "no-at", "a@b\r\nRCPT TO:<x@y>", "<a@b>", "a b@c", "a@b,c@d"}) {
    spec.to = {bad};
    EXPECT_EQ(ValidateEmailSpec(spec).code(), StatusCode::kInvalidArgument) << bad;
  }
  spec.to = {};
  EXPECT_FALSE(ValidateEmailSpec(spec).ok());
}

TEST(EmailTextTest, HeadersAndCrlf) {
  SinkSpec spec;
  spec.from = "a@example.org";
  spec.to = {"b@example.org"};
  EmailMessage mail;
  mail.subject = "Plain =? subject\r\nBcc: evil@example.org";
  mail.text = "t\n";
  mail.html = "<p>h</p>";
  mail.message_id = "abc";
  std::string text = BuildEmailText(spec, mail, 1769592600);
  EXPECT_NE(text.find("Date: Wed, 28 Jan 2026 09:30:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(text.find("Message-ID: <abc@mediawatch>\r\n"), std::string::npos);
  EXPECT_NE(text.find("MIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(text.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
  EXPECT_EQ(text.find("\r\nBcc:"), std::string::npos);  // no header injection
  EXPECT_NE(text.find("Subject: =?UTF-8?B?"), std::string::npos);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  EXPECT_EQ(report_internal::Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(report_internal::Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(report_internal::Base64("f"), "Zg==");
  EXPECT_EQ(report_internal::ValidUtf8("a\xff\xc3"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(report_internal::EncodeHeaderText("plain"), "plain");
}

}  // namespace
}  // namespace mw
