// Tests of report/email.h and the e-mail sink: messages go to a loopback
// aiosmtpd (Debian python3-aiosmtpd, installed by scripts/install-deps.sh)
// that stores them in a Maildir; Python's email module reads them back, so
// the MIME structure and RFC 2047 subject are checked by an independent
// decoder. (The Maildir stores LF line ends, so CRLF is checked on
// BuildEmailText.)
#include "report/email.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "report/sinks.h"
#include "tests/support/loopback_server.h"
#include "tests/support/smtp_server.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using ::mw::testing::TempDir;
using nlohmann::json;

constexpr const char* kHostile = "<script>alert(1)</script>";
constexpr const char* kUyghur = "گۇەن خېڭ";

class EmailTest : public ::testing::Test {
 protected:
  void SetUp() override {
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
    for (const std::filesystem::path& message : server_.Messages()) {
      std::string text = ::mw::testing::ReadMailAsJson(message);
      EXPECT_NE(text, "") << message;
      out.push_back(json::parse(text, nullptr, false));
    }
    return out;
  }

  TempDir dir_;
  ::mw::testing::SmtpServer server_;
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
