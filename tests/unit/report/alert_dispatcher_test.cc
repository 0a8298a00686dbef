// Tests of alerts.toml parsing and of the dispatcher's delivery rules:
// exactly once per (alert, sink), retries re-send the same message, quiet
// hours and rate limits batch, restarts resume.
#include "report/alert_dispatcher.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "report/alert_config.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"

namespace mw {
namespace {

using store_fixtures::MakeArticle;
using store_fixtures::MakeMatch;
using store_fixtures::OpenOrDie;

// 2026-11-27 00:00:00 UTC.
constexpr int64_t kMidnight = 1795737600;

std::optional<std::string> FakeEnv(const char* name) {
  std::string n(name);
  if (n == "MW_TEST_SECRET") return std::string("s3cret");
  if (n == "MW_TEST_PASSWORD") return std::string("pw");
  return std::nullopt;
}

Result<AlertConfig> Parse(const std::string& text) {
  return ParseAlertConfig(text, "alerts.toml", FakeEnv);
}

TEST(AlertConfigTest, ParsesEverySection) {
  Result<AlertConfig> c = Parse(R"(
[[sink]]
name = "hook"
type = "webhook"
url = "https://hooks.example.org/x"
payload = "slack"
secret_env = "MW_TEST_SECRET"

[[sink]]
name = "mail"
type = "email"
smtp_url = "smtp://mail.example.org:587"
from = "mw@example.org"
to = ["a@example.org", "b@example.org"]
username = "mw"
password_env = "MW_TEST_PASSWORD"

[[sink]]
name = "log"
type = "jsonl"
path = "-"

[[alert]]
watchlist = "guan-heng-case"
targets = ["guan-heng"]
events = ["match", "removed"]
sinks = ["hook", "log"]
quiet_hours = "22:00-07:00"
timezone = "Asia/Shanghai"
rate_limit = "5/1h"

[[digest]]
watchlist = "guan-heng-case"
at = "07:30"
timezone = "Europe/Berlin"
sinks = ["mail"]
)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->sinks.size(), 3u);
  EXPECT_EQ(c->sinks[0].secret, "s3cret");
  EXPECT_EQ(c->sinks[0].payload, "slack");
  EXPECT_EQ(c->sinks[1].to.size(), 2u);
  EXPECT_EQ(c->sinks[1].password, "pw");
  EXPECT_EQ(c->sinks[1].tls, "required");
  ASSERT_EQ(c->alerts.size(), 1u);
  const AlertRule& r = c->alerts[0];
  EXPECT_EQ(r.events, (std::vector<std::string>{"match", "removed"}));
  ASSERT_TRUE(r.quiet_hours.has_value());
  EXPECT_EQ(r.quiet_hours->start_minute, 22 * 60);
  EXPECT_EQ(r.quiet_hours->end_minute, 7 * 60);
  EXPECT_EQ(r.rate_limit_messages, 5);
  EXPECT_EQ(r.rate_limit_seconds, 3600);
  ASSERT_EQ(c->digests.size(), 1u);
  EXPECT_EQ(c->digests[0].at_minute, 7 * 60 + 30);
  EXPECT_EQ(c->digests[0].time_zone, "Europe/Berlin");
}

TEST(AlertConfigTest, DeliveryRetries) {
  Result<AlertConfig> c = Parse("[delivery]\nfirst_retry = \"2s\"\nmax_retry = \"1h\"\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->first_retry_seconds, 2);
  EXPECT_EQ(c->max_retry_seconds, 3600);
  c = Parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->first_retry_seconds, 30);
  EXPECT_EQ(c->max_retry_seconds, 6 * 3600);
  EXPECT_FALSE(Parse("[delivery]\nfirst_retry = \"soon\"\n").ok());
  EXPECT_FALSE(Parse("[delivery]\nfirst_retry = \"2h\"\nmax_retry = \"1h\"\n").ok());
  EXPECT_FALSE(Parse("[delivery]\npatience = \"1h\"\n").ok());
}

// The example shipped in feeds/examples parses (secrets from the fake
// environment, the password file replaced by a variable).
TEST(AlertConfigTest, ShippedExampleParses) {
  std::string text = testing::ReadFileOrDie(std::filesystem::path(MEDIAWATCH_SOURCE_DIR) /
                                            "feeds/examples/alerts.toml");
  const std::string file_key = "password_file = \"/etc/mediawatch/smtp-password\"";
  ASSERT_NE(text.find(file_key), std::string::npos);
  text.replace(text.find(file_key), file_key.size(), "password_env = \"MW_TEST_PASSWORD\"");
  Result<AlertConfig> c = ParseAlertConfig(text, "alerts.toml", [](const char* name) {
    return std::string(name) == "MW_HOOK_SECRET" ? std::optional<std::string>("k") : FakeEnv(name);
  });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sinks.size(), 4u);
  EXPECT_EQ(c->alerts.size(), 2u);
  EXPECT_EQ(c->digests.size(), 1u);
  EXPECT_EQ(c->alerts[1].time_zone, "Asia/Urumqi");
}

TEST(AlertConfigTest, DefaultsAllEvents) {
  Result<AlertConfig> c = Parse(
      "[[sink]]\nname = \"log\"\ntype = \"jsonl\"\npath = \"-\"\n"
      "[[alert]]\nwatchlist = \"w\"\nsinks = \"log\"\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->alerts[0].events.size(), 4u);
  EXPECT_EQ(c->alerts[0].time_zone, "UTC");
}

TEST(AlertConfigTest, RejectsBadInputWithLineNumbers) {
  const std::string log = "[[sink]]\nname = \"log\"\ntype = \"jsonl\"\npath = \"-\"\n";
  struct Case {
    std::string text;
    std::string want;
  } cases[] = {
      {"[[sink]]\nname = \"x\"\ntype = \"carrier-pigeon\"\n", "carrier-pigeon"},
      {"[[sink]]\nname = \"x\"\ntype = \"webhook\"\nurl = \"ftp://x\"\n", "http://"},
      {"[[sink]]\nname = \"x\"\ntype = \"webhook\"\nurl = \"https://x\"\nsecret_env = \"NOPE\"\n",
       "NOPE"},
      {"[[sink]]\nname = \"x\"\ntype = \"jsonl\"\npath = \"-\"\ncolour = 1\n",
       "unknown key 'colour'"},
      {log + log, "duplicate sink"},
      {log + "[[alert]]\nwatchlist = \"w\"\nsinks = [\"nope\"]\n", "unknown sink 'nope'"},
      {log + "[[alert]]\nwatchlist = \"w\"\nsinks = [\"log\"]\ntimezone = \"Mars/Olympus\"\n",
       "unknown time zone"},
      {log + "[[alert]]\nwatchlist = \"w\"\nsinks = [\"log\"]\nquiet_hours = \"22-7\"\n",
       "quiet_hours"},
      {log + "[[alert]]\nwatchlist = \"w\"\nsinks = [\"log\"]\nrate_limit = \"many\"\n",
       "rate_limit"},
      {log + "[[alert]]\nwatchlist = \"w\"\nsinks = [\"log\"]\nevents = [\"liked\"]\n", "liked"},
      {log + "[[digest]]\nwatchlist = \"w\"\nsinks = [\"log\"]\n", "not an email sink"},
      {log + "[[digest]]\nwatchlist = \"w\"\nat = \"25:00\"\ndirectory = \"/tmp\"\n", "08:00"},
      {"[[sink]\n", "alerts.toml"},
      {"sink = 3\n", "[[sink]]"},
      {"colour = 3\n", "unknown top-level key"},
  };
  for (const Case& c : cases) {
    Result<AlertConfig> got = Parse(c.text);
    ASSERT_FALSE(got.ok()) << c.text;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(got.status().message().find(c.want), std::string::npos)
        << got.status().message() << " -- want " << c.want;
    EXPECT_NE(got.status().message().find("alerts.toml:"), std::string::npos)
        << got.status().message();
  }
}

TEST(AlertConfigTest, SecretsNeverInErrors) {
  Result<AlertConfig> got = Parse(
      "[[sink]]\nname = \"m\"\ntype = \"email\"\nsmtp_url = \"smtp://h\"\nfrom = \"a@b\"\n"
      "to = \"c@d\"\npassword_env = \"MW_TEST_PASSWORD\"\n");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("needs a username"), std::string::npos);
  EXPECT_EQ(got.status().message().find("pw\""), std::string::npos);
}

TEST(AlertConfigTest, MissingFileIsEmptyAndZonesWork) {
  Result<AlertConfig> c = LoadAlertConfig("/nonexistent/alerts.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->sinks.empty());
  EXPECT_TRUE(IsKnownTimeZone("Asia/Urumqi"));
  EXPECT_FALSE(IsKnownTimeZone("Not/AZone"));
  EXPECT_EQ(ZoneOffsetSeconds("Asia/Shanghai", kMidnight), 8 * 3600);
  // New York: EDT (-4 h) in July, EST (-5 h) in November.
  EXPECT_EQ(ZoneOffsetSeconds("America/New_York", 1783000000), -4 * 3600);
  EXPECT_EQ(ZoneOffsetSeconds("America/New_York", kMidnight), -5 * 3600);
}

// A sink that records what it received and fails while told to.
class FakeSink : public AlertSink {
 public:
  explicit FakeSink(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  Status Deliver(const AlertMessage& message) override {
    attempts.push_back(message);
    if (fail_next > 0) {
      --fail_next;
      return Status(fail_code, "receiver said no");
    }
    received.push_back(message);
    return Status::Ok();
  }

  std::string name_;
  int fail_next = 0;
  StatusCode fail_code = StatusCode::kNetworkError;
  std::vector<AlertMessage> attempts;
  std::vector<AlertMessage> received;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenOrDie(dir_.path().string()); }

  // Stores an article flagged by `targets` of watch-list "w" at `time`.
  std::string Put(int n, int64_t time, std::vector<std::string> targets = {"guan-heng"}) {
    ArticleRecord a = MakeArticle("https://news.example/" + std::to_string(n), time, time);
    a.title = "Story " + std::to_string(n);
    std::vector<MatchRecord> matches;
    for (const std::string& t : targets) matches.push_back(MakeMatch("w", t));
    EXPECT_TRUE(store_->PutArticle(a, matches).ok());
    return a.id;
  }

  AlertConfig Config(const std::string& rule_extra, std::vector<std::string> sinks = {"a"}) {
    std::string text;
    for (const std::string& s : sinks) {
      text += "[[sink]]\nname = \"" + s + "\"\ntype = \"jsonl\"\npath = \"-\"\n";
    }
    text += "[[alert]]\nwatchlist = \"w\"\nsinks = [";
    for (size_t i = 0; i < sinks.size(); ++i) text += (i ? ", \"" : "\"") + sinks[i] + "\"";
    text += "]\n" + rule_extra;
    Result<AlertConfig> c = Parse(text);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }

  // A dispatcher over fake sinks named in `config`; pointers in fakes_.
  std::unique_ptr<AlertDispatcher> Make(const AlertConfig& config) {
    std::map<std::string, std::unique_ptr<AlertSink>> sinks;
    fakes_.clear();
    for (const SinkSpec& s : config.sinks) {
      auto fake = std::make_unique<FakeSink>(s.name);
      fakes_[s.name] = fake.get();
      sinks[s.name] = std::move(fake);
    }
    return std::make_unique<AlertDispatcher>(store_.get(), config, std::move(sinks),
                                             std::map<std::string, std::string>{{"w", "Watch W"}});
  }

  DispatchSummary Run(AlertDispatcher& d, int64_t now) {
    Result<DispatchSummary> s = d.RunOnce(now);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : DispatchSummary{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::map<std::string, FakeSink*> fakes_;
};

TEST_F(DispatcherTest, DeliversEachAlertOnceToEverySink) {
  std::string id1 = Put(1, kMidnight + 10);
  Put(2, kMidnight + 20);
  auto d = Make(Config("", {"a", "b"}));
  DispatchSummary s = Run(*d, kMidnight + 100);
  EXPECT_EQ(s.messages_sent, 4u);
  EXPECT_EQ(s.alerts_completed, 2u);
  EXPECT_EQ(s.alerts_waiting, 0u);
  ASSERT_EQ(fakes_["a"]->received.size(), 2u);
  ASSERT_EQ(fakes_["b"]->received.size(), 2u);
  const AlertMessage& m = fakes_["a"]->received[0];
  ASSERT_EQ(m.items.size(), 1u);
  EXPECT_EQ(m.id, AlertIdFor("w", id1, "match", 1));
  EXPECT_EQ(m.items[0].id, m.id);
  EXPECT_EQ(m.watchlist_name, "Watch W");
  EXPECT_EQ(m.items[0].article.title, "Story 1");
  EXPECT_EQ(m.items[0].event, "match");
  ASSERT_EQ(m.items[0].matches.size(), 1u);
  EXPECT_EQ(m.items[0].matches[0].target_id, "guan-heng");
  // A second round sends nothing; the history has both, delivered to a and b.
  s = Run(*d, kMidnight + 200);
  EXPECT_EQ(s.messages_sent, 0u);
  EXPECT_EQ(fakes_["a"]->attempts.size(), 2u);
  Result<std::vector<AlertRecord>> history = store_->AlertHistory("w", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].delivered_to, (std::vector<std::string>{"a", "b"}));
}

TEST_F(DispatcherTest, NoRuleCompletesWithoutSending) {
  Put(1, kMidnight);
  auto d = Make(Config("targets = [\"someone-else\"]\n"));
  DispatchSummary s = Run(*d, kMidnight + 100);
  EXPECT_EQ(s.messages_sent, 0u);
  EXPECT_EQ(s.alerts_completed, 1u);
  EXPECT_TRUE(fakes_["a"]->attempts.empty());
  Result<std::vector<AlertRecord>> history = store_->AlertHistory("w", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_TRUE((*history)[0].delivered_to.empty());
}

TEST_F(DispatcherTest, FailedSinkRetriesSameMessageWithBackoffOtherSinkUnaffected) {
  Put(1, kMidnight);
  auto d = Make(Config("", {"a", "b"}));
  fakes_["a"]->fail_next = 2;
  DispatchSummary s = Run(*d, kMidnight + 100);
  EXPECT_EQ(s.attempts_failed, 1u);
  EXPECT_EQ(s.messages_sent, 1u);  // b
  EXPECT_EQ(s.alerts_waiting, 1u);
  EXPECT_EQ(s.next_due_at, kMidnight + 100 + 30);
  EXPECT_NE(s.last_error.find("receiver said no"), std::string::npos);
  // Not due yet: nothing is attempted.
  Run(*d, kMidnight + 120);
  EXPECT_EQ(fakes_["a"]->attempts.size(), 1u);
  s = Run(*d, kMidnight + 130);  // second failure: backoff doubles
  EXPECT_EQ(s.next_due_at, kMidnight + 130 + 60);
  s = Run(*d, kMidnight + 190);
  EXPECT_EQ(s.messages_sent, 1u);
  EXPECT_EQ(s.alerts_completed, 1u);
  ASSERT_EQ(fakes_["a"]->attempts.size(), 3u);
  for (const AlertMessage& m : fakes_["a"]->attempts) {
    EXPECT_EQ(m.id, fakes_["a"]->attempts[0].id);
  }
  EXPECT_EQ(fakes_["b"]->attempts.size(), 1u);  // never re-sent after success
}

TEST_F(DispatcherTest, PermanentErrorsBackOffLonger) {
  Put(1, kMidnight);
  auto d = Make(Config(""));
  fakes_["a"]->fail_next = 1;
  fakes_["a"]->fail_code = StatusCode::kHttpError;
  DispatchSummary s = Run(*d, kMidnight);
  EXPECT_EQ(s.next_due_at, kMidnight + 30 * 16);
}

TEST_F(DispatcherTest, RestartResumesWithoutResending) {
  Put(1, kMidnight);
  Put(2, kMidnight + 1);
  {
    auto d = Make(Config("", {"a", "b"}));
    fakes_["b"]->fail_next = 1;
    Run(*d, kMidnight + 10);
    EXPECT_EQ(fakes_["a"]->received.size(), 2u);
  }
  // Reopen the store (a restart): a is done, b gets only its retry.
  store_.reset();
  store_ = OpenOrDie(dir_.path().string());
  auto d = Make(Config("", {"a", "b"}));
  DispatchSummary s = Run(*d, kMidnight + 1000);
  EXPECT_TRUE(fakes_["a"]->attempts.empty());
  EXPECT_EQ(fakes_["b"]->received.size(), 1u);
  EXPECT_EQ(s.alerts_waiting, 0u);
}

TEST_F(DispatcherTest, QuietHoursHoldThenBatch) {
  // Quiet 22:00-07:00 in Shanghai (UTC+8) = 14:00-23:00 UTC.
  auto d = Make(Config("quiet_hours = \"22:00-07:00\"\ntimezone = \"Asia/Shanghai\"\n"));
  const int64_t quiet = kMidnight + 15 * 3600;  // 23:00 in Shanghai
  Put(1, quiet);
  Put(2, quiet + 60);
  Put(3, quiet + 120);
  DispatchSummary s = Run(*d, quiet + 200);
  EXPECT_EQ(s.messages_sent, 0u);
  EXPECT_EQ(s.next_due_at, kMidnight + 23 * 3600);  // 07:00 in Shanghai
  s = Run(*d, kMidnight + 23 * 3600);
  EXPECT_EQ(s.messages_sent, 1u);
  ASSERT_EQ(fakes_["a"]->received.size(), 1u);
  const AlertMessage& m = fakes_["a"]->received[0];
  EXPECT_EQ(m.items.size(), 3u);
  EXPECT_EQ(m.id.rfind("batch-", 0), 0u) << m.id;
  EXPECT_EQ(s.alerts_completed, 3u);
}

TEST_F(DispatcherTest, RateLimitBatchesTheRest) {
  auto d = Make(Config("rate_limit = \"2/1h\"\n"));
  for (int i = 0; i < 6; ++i) Put(i, kMidnight + i);
  DispatchSummary s = Run(*d, kMidnight + 100);
  // Two messages in the window: one single, then one carrying the other 5.
  EXPECT_EQ(s.messages_sent, 2u);
  ASSERT_EQ(fakes_["a"]->received.size(), 2u);
  EXPECT_EQ(fakes_["a"]->received[0].items.size(), 1u);
  EXPECT_EQ(fakes_["a"]->received[1].items.size(), 5u);
  // Window full: a new alert waits for the window to free up.
  Put(10, kMidnight + 200);
  s = Run(*d, kMidnight + 300);
  EXPECT_EQ(s.messages_sent, 0u);
  EXPECT_EQ(s.next_due_at, kMidnight + 100 + 3600);
  s = Run(*d, kMidnight + 100 + 3600);
  EXPECT_EQ(s.messages_sent, 1u);
}

TEST_F(DispatcherTest, BatchFailureRetriesTheSameBatch) {
  auto d = Make(Config("rate_limit = \"1/1h\"\n"));
  for (int i = 0; i < 3; ++i) Put(i, kMidnight + i);
  fakes_["a"]->fail_next = 1;
  Run(*d, kMidnight + 10);
  // A new alert arrives before the retry; the retry keeps its composition.
  Put(9, kMidnight + 20);
  Run(*d, kMidnight + 40);
  ASSERT_EQ(fakes_["a"]->attempts.size(), 2u);
  EXPECT_EQ(fakes_["a"]->attempts[0].id, fakes_["a"]->attempts[1].id);
  EXPECT_EQ(fakes_["a"]->attempts[1].items.size(), 3u);
}

TEST_F(DispatcherTest, EditAndRemovalEventsCarryTheChange) {
  std::string id = Put(1, kMidnight);
  auto d = Make(Config("events = [\"edited\", \"removed\"]\n"));
  Run(*d, kMidnight + 1);  // the match alert is not selected: completed unsent
  EXPECT_TRUE(fakes_["a"]->attempts.empty());
  ArticleVersion edit;
  edit.found_at = kMidnight + 3600;
  edit.kind = "edited";
  edit.title = "Story 1 (updated)";
  edit.text = "First block.\nA new block.";
  edit.diff = "  First block.\n- Second block.\n+ A new block.";
  ASSERT_TRUE(store_->RecordRecheck(Recheck{id, kMidnight + 3600, 0}, edit, std::nullopt).ok());
  ArticleVersion gone;
  gone.found_at = kMidnight + 7200;
  gone.kind = "removed";
  gone.reason = "HTTP 404";
  gone.http_status = 404;
  ASSERT_TRUE(store_->RecordRecheck(Recheck{id, kMidnight + 7200, 1}, gone, std::nullopt).ok());
  Run(*d, kMidnight + 8000);
  ASSERT_EQ(fakes_["a"]->received.size(), 2u);
  const AlertItem& e = fakes_["a"]->received[0].items[0];
  EXPECT_EQ(e.event, "edited");
  EXPECT_EQ(e.version, 2);
  EXPECT_EQ(e.article.title, "Story 1 (updated)");
  EXPECT_EQ(e.change, "- Second block.\n+ A new block.");
  const AlertItem& r = fakes_["a"]->received[1].items[0];
  EXPECT_EQ(r.event, "removed");
  EXPECT_EQ(r.change, "HTTP 404");
}

TEST_F(DispatcherTest, ClusterOutletsAreListed) {
  ArticleRecord a = MakeArticle("https://a.example/1", kMidnight, kMidnight);
  a.source = "Outlet A";
  a.simhash = 0x123456789abcdefull;
  ArticleRecord b = MakeArticle("https://b.example/1", kMidnight + 60, kMidnight + 60);
  b.source = "Outlet B";
  b.simhash = a.simhash;
  ASSERT_TRUE(store_->PutArticle(a, {}).ok());
  ASSERT_TRUE(store_->PutArticle(b, {MakeMatch("w", "guan-heng")}).ok());
  auto d = Make(Config(""));
  Run(*d, kMidnight + 100);
  ASSERT_EQ(fakes_["a"]->received.size(), 1u);
  const AlertItem& item = fakes_["a"]->received[0].items[0];
  EXPECT_EQ(item.cluster_size, 2u);
  EXPECT_EQ(item.also_published_by, (std::vector<std::string>{"Outlet A"}));
}

TEST(BatchIdTest, StableAndOrderFree) {
  EXPECT_EQ(BatchIdFor({"x"}), "x");
  EXPECT_EQ(BatchIdFor({"a", "b"}), BatchIdFor({"b", "a"}));
  EXPECT_NE(BatchIdFor({"a", "b"}), BatchIdFor({"a", "c"}));
  EXPECT_NE(BatchIdFor({"ab", "c"}), BatchIdFor({"a", "bc"}));
}

}  // namespace
}  // namespace mw
