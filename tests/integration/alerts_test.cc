// Alerts and digests end to end: `mediawatch run` crawls a loopback feed,
// delivers each new match to a signed webhook, a JSON-lines file and an
// Atom feed exactly once — across a SIGKILL between the receiver's
// acknowledgement and the outbox update, and through a receiver that
// fails its first attempts — and e-mails the daily digest to a loopback
// SMTP server (aiosmtpd) once. Also `alerts pending|history|test|deliver`.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "tests/support/loopback_server.h"
#include "tests/support/smtp_server.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RunCommand;
using testing::TempDir;

constexpr int kEntries = 4;  // entries 0..2 name Guan Heng, 3 does not
constexpr const char* kSecret = "it-hook-secret";

std::string HmacHex(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

std::string Rfc822(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

std::string UtcDate(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &utc);
  return buf;
}

struct HookRequest {
  std::string key;
  std::string body;
  bool signature_ok = false;
  int answered = 0;
};

// One feed whose stories were published yesterday (UTC noon), and a webhook
// receiver that answers 503 to its first `fail_first` requests.
class World {
 public:
  explicit World(int fail_first) : fail_first_(fail_first) {
    yesterday_noon_ = (static_cast<int64_t>(std::time(nullptr)) / 86400 - 1) * 86400 + 12 * 3600;
    server_.http().Get("/feed.xml", [this](const httplib::Request&, httplib::Response& res) {
      std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>f</title>";
      for (int e = 0; e < kEntries; ++e) {
        rss += "<item><title>Story " + std::to_string(e) + "</title><link>" +
               server_.Url("/a/" + std::to_string(e) + ".html") + "</link><pubDate>" +
               Rfc822(yesterday_noon_ + e * 60) + "</pubDate></item>";
      }
      res.set_content(rss + "</channel></rss>", "application/rss+xml");
    });
    server_.http().Get(R"(/a/(\d)\.html)", [](const httplib::Request& req, httplib::Response& res) {
      const int e = std::stoi(req.matches[1]);
      const std::string text = e < 3 ? "Guan Heng spoke again about the camps in Xinjiang."
                                     : "Markets were calm and trading was thin today.";
      res.set_content("<html><body><article><h1>Story " + std::to_string(e) +
                          (e == 1 ? " <script>alert(1)</script>" : "") + "</h1><p>" + text +
                          "</p><p>" + text + "</p></article></body></html>",
                      "text/html; charset=utf-8");
    });
    server_.http().Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      HookRequest r;
      r.key = req.get_header_value("Idempotency-Key");
      r.body = req.body;
      r.signature_ok =
          req.get_header_value("X-Mediawatch-Signature") == "sha256=" + HmacHex(kSecret, req.body);
      r.answered = static_cast<int>(hooks_.size()) < fail_first_ ? 503 : 200;
      res.status = r.answered;
      res.set_content("{}", "application/json");
      hooks_.push_back(r);
    });
    EXPECT_TRUE(server_.Start());
  }

  std::string Url(const std::string& path) const { return server_.Url(path); }
  std::vector<HookRequest> Hooks() {
    std::lock_guard<std::mutex> lock(mu_);
    return hooks_;
  }
  int64_t yesterday_noon() const { return yesterday_noon_; }

 private:
  testing::LoopbackServer server_;
  std::mutex mu_;
  std::vector<HookRequest> hooks_;
  int fail_first_;
  int64_t yesterday_noon_ = 0;
};

class AlertsTest : public ::testing::Test {
 protected:
  void Configure(World& world) {
    config_ = dir_.path() / "config";
    db_ = (dir_.path() / "db").string();
    out_ = dir_.path() / "out";
    std::filesystem::create_directories(out_);
    ASSERT_EQ(smtp_.Start(dir_.path() / "maildir", dir_.path() / "smtpd.log"), "");
    testing::WriteFile(config_ / "feeds.toml",
                       "[[feed]]\nid = \"f\"\nurl = \"" + world.Url("/feed.xml") +
                           "\"\nlanguage = \"en\"\nsource = \"Outlet F\"\n");
    testing::WriteFile(config_ / "watchlists" / "case.toml",
                       "id = \"case\"\nname = \"The Case\"\n[[entity]]\nid = \"guan-heng\"\n"
                       "names = [\"Guan Heng\"]\n");
    WriteAlerts(world, /*digest=*/false);
    setenv("MW_IT_HOOK_SECRET", kSecret, 1);
  }

  // alerts.toml; with `digest`, yesterday's digest is due (at 00:00 UTC).
  // (Without, so that `run` does not mail it before it has crawled.)
  void WriteAlerts(World& world, bool digest) {
    testing::WriteFile(
        config_ / "alerts.toml",
        "[delivery]\nfirst_retry = \"1s\"\nmax_retry = \"2s\"\n\n"
        "[[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" +
            world.Url("/hook") +
            "\"\nsecret_env = \"MW_IT_HOOK_SECRET\"\n\n"
            "[[sink]]\nname = \"log\"\ntype = \"jsonl\"\npath = \"" +
            (out_ / "alerts.jsonl").string() +
            "\"\n\n"
            "[[sink]]\nname = \"feed\"\ntype = \"atom\"\npath = \"" +
            (out_ / "{watchlist}.xml").string() +
            "\"\n\n"
            "[[sink]]\nname = \"mail\"\ntype = \"email\"\nsmtp_url = \"smtp://127.0.0.1:" +
            std::to_string(smtp_.port()) +
            "\"\ntls = \"none\"\nfrom = \"mw@example.org\"\nto = \"team@example.org\"\n\n"
            "[[alert]]\nwatchlist = \"case\"\nsinks = [\"hook\", \"log\", \"feed\"]\n\n" +
            (digest ? "[[digest]]\nwatchlist = \"case\"\nat = \"00:00\"\ntimezone = \"UTC\"\n"
                      "sinks = [\"mail\"]\ndirectory = \"" +
                          out_.string() + "\"\n"
                    : std::string()));
  }

  CommandResult Mediawatch(std::vector<std::string> args) {
    args.insert(args.begin(), MEDIAWATCH_BINARY);
    return RunCommand(args, 120);
  }

  CommandResult Run() {
    return Mediawatch({"run", "--config", config_.string(), "--db", db_, "--allow-cidr",
                       "127.0.0.0/8", "--host-delay-ms", "0", "--ignore-robots", "--no-progress",
                       "--until-idle"});
  }

  // The alert ids of the three flagged stories.
  std::set<std::string> ExpectedIds(World& world) {
    std::set<std::string> ids;
    for (int e = 0; e < 3; ++e) {
      ids.insert(AlertIdFor("case", ArticleIdForUrl(world.Url("/a/" + std::to_string(e) + ".html")),
                            "match", 1));
    }
    return ids;
  }

  std::vector<json> JsonLines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
  }

  TempDir dir_;
  testing::SmtpServer smtp_;
  std::filesystem::path config_;
  std::filesystem::path out_;
  std::string db_;
};

TEST_F(AlertsTest, ExactlyOnceAcrossAKillBetweenAckAndCommitAndDigestMailedOnce) {
  World world(/*fail_first=*/0);
  Configure(world);
  // The second acknowledged delivery kills the process before the outbox
  // records it (sinks go in name order: "feed", then "hook").
  setenv("MEDIAWATCH_FAILPOINT", "after_deliver:5", 1);
  CommandResult killed = Run();
  unsetenv("MEDIAWATCH_FAILPOINT");
  EXPECT_NE(killed.exit_code, 0) << killed.err;
  ASSERT_EQ(world.Hooks().size(), 2u) << killed.err;

  CommandResult second = Run();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  // Nothing left to deliver; yesterday's digest goes out once.
  WriteAlerts(world, /*digest=*/true);
  CommandResult deliver =
      Mediawatch({"alerts", "deliver", "--config", config_.string(), "--db", db_});
  EXPECT_EQ(deliver.exit_code, 0) << deliver.out << deliver.err;
  EXPECT_NE(deliver.out.find("0 messages delivered"), std::string::npos) << deliver.out;
  EXPECT_NE(deliver.out.find("1 digests sent"), std::string::npos) << deliver.out;
  deliver = Mediawatch({"alerts", "deliver", "--config", config_.string(), "--db", db_});
  EXPECT_NE(deliver.out.find("0 digests sent"), std::string::npos) << deliver.out;

  const std::set<std::string> want = ExpectedIds(world);
  // Webhook: every alert, each key once except the one whose acknowledgement
  // the kill cut off, which came again with the same key and body.
  std::vector<HookRequest> hooks = world.Hooks();
  std::map<std::string, std::vector<std::string>> bodies;
  for (const HookRequest& h : hooks) {
    EXPECT_TRUE(h.signature_ok) << h.body;
    bodies[h.key].push_back(h.body);
  }
  std::set<std::string> keys;
  for (const auto& [k, b] : bodies) keys.insert(k);
  EXPECT_EQ(keys, want);
  EXPECT_EQ(hooks.size(), 4u);
  ASSERT_EQ(bodies[hooks[1].key].size(), 2u);
  EXPECT_EQ(bodies[hooks[1].key][0], bodies[hooks[1].key][1]);
  json first = json::parse(hooks[0].body);
  EXPECT_EQ(first["watchlist"], "case");
  ASSERT_EQ(first["items"].size(), 1u);
  EXPECT_EQ(first["items"][0]["event"], "match");
  EXPECT_EQ(first["items"][0]["matches"][0]["target"], "guan-heng");

  // JSON lines: three alerts, once each (its delivery was never cut off).
  std::vector<json> lines = JsonLines(testing::ReadFileOrDie(out_ / "alerts.jsonl"));
  std::set<std::string> line_ids;
  for (const json& j : lines) line_ids.insert(j["id"].get<std::string>());
  EXPECT_EQ(lines.size(), 3u);
  EXPECT_EQ(line_ids, want);

  // Atom: three entries, the hostile title escaped.
  std::string atom = testing::ReadFileOrDie(out_ / "case.xml");
  size_t entries = 0;
  for (size_t p = atom.find("<entry"); p != std::string::npos; p = atom.find("<entry", p + 1)) {
    ++entries;
  }
  EXPECT_EQ(entries, 3u);
  EXPECT_EQ(atom.find("<script>"), std::string::npos);

  // History: all three, acknowledged by all three sinks; nothing pending.
  CommandResult history = Mediawatch({"alerts", "history", "--db", db_, "--json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  std::vector<json> done = JsonLines(history.out);
  ASSERT_EQ(done.size(), 3u) << history.out;
  for (const json& j : done) {
    EXPECT_EQ(j["delivered_to"], json({"feed", "hook", "log"})) << j.dump();
  }
  CommandResult pending = Mediawatch({"alerts", "pending", "--db", db_});
  EXPECT_EQ(pending.exit_code, 0);
  EXPECT_NE(pending.out.find("0 alerts pending"), std::string::npos) << pending.out;

  // The digest of yesterday: mailed once, and written as a file.
  std::vector<std::filesystem::path> mails = smtp_.Messages();
  ASSERT_EQ(mails.size(), 1u);
  json mail = json::parse(testing::ReadMailAsJson(mails[0]));
  const std::string day = UtcDate(world.yesterday_noon());
  EXPECT_EQ(mail["subject"], "[mediawatch] The Case: digest for " + day + " (3 stories)");
  std::string html = mail["parts"]["text/html"];
  EXPECT_NE(html.find("Story 0"), std::string::npos);
  EXPECT_NE(html.find("Story 2"), std::string::npos);
  EXPECT_EQ(html.find("Story 3"), std::string::npos);  // not flagged
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(std::string(mail["parts"]["text/plain"]).find("Story 1"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out_ / ("digest-case-" + day + ".html")));
}

TEST_F(AlertsTest, FailingReceiverIsRetriedUntilItAcknowledges) {
  World world(/*fail_first=*/2);
  Configure(world);
  // `crawl` stores without delivering, and one `alerts deliver` round makes
  // exactly one attempt per alert (with `run`, how many retries its thread
  // makes before it exits depends on the machine's speed).
  CommandResult crawl =
      Mediawatch({"crawl", "--config", config_.string(), "--db", db_, "--once", "--allow-cidr",
                  "127.0.0.0/8", "--host-delay-ms", "0", "--ignore-robots", "--no-progress"});
  ASSERT_EQ(crawl.exit_code, 0) << crawl.err;
  CommandResult first =
      Mediawatch({"alerts", "deliver", "--config", config_.string(), "--db", db_});
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  // Two alerts wait with the receiver's error.
  CommandResult pending = Mediawatch({"alerts", "pending", "--db", db_, "--json"});
  ASSERT_EQ(pending.exit_code, 0) << pending.err;
  std::vector<json> waiting = JsonLines(pending.out);
  ASSERT_EQ(waiting.size(), 2u) << pending.out;
  bool saw_error = false;
  for (const json& d : waiting[0]["deliveries"]) {
    if (d["sink"] == "hook") {
      EXPECT_EQ(d["attempts"], 1);
      saw_error = std::string(d["last_error"]).find("503") != std::string::npos;
    }
  }
  EXPECT_TRUE(saw_error) << pending.out;
  // Retried until acknowledged (first retry after 1 s).
  int rounds = 0;
  for (; rounds < 20; ++rounds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    CommandResult deliver =
        Mediawatch({"alerts", "deliver", "--config", config_.string(), "--db", db_});
    if (deliver.exit_code == 0 && deliver.out.find(", 0 waiting") != std::string::npos) break;
  }
  ASSERT_LT(rounds, 20);
  std::vector<HookRequest> hooks = world.Hooks();
  EXPECT_EQ(hooks.size(), 5u);
  std::map<std::string, int> acked;
  for (const HookRequest& h : hooks) {
    EXPECT_TRUE(h.signature_ok);
    if (h.answered == 200) ++acked[h.key];
  }
  EXPECT_EQ(acked.size(), 3u);
  for (const auto& [key, n] : acked) EXPECT_EQ(n, 1) << key;
}

TEST_F(AlertsTest, TestCommandAndBadConfiguration) {
  World world(/*fail_first=*/0);
  Configure(world);
  CommandResult ok = Mediawatch({"alerts", "test", "--config", config_.string(), "--sink", "hook"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  ASSERT_EQ(world.Hooks().size(), 1u);
  EXPECT_TRUE(world.Hooks()[0].signature_ok);
  EXPECT_NE(world.Hooks()[0].body.find("关恒"), std::string::npos);

  CommandResult mail =
      Mediawatch({"alerts", "test", "--config", config_.string(), "--sink", "mail"});
  EXPECT_EQ(mail.exit_code, 0) << mail.out << mail.err;
  EXPECT_EQ(smtp_.Messages().size(), 1u);

  CommandResult unknown =
      Mediawatch({"alerts", "test", "--config", config_.string(), "--sink", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no sink 'nope'"), std::string::npos) << unknown.err;

  // A secret that is not in the environment: a usage error naming the
  // variable, for `run` and `alerts deliver` alike.
  unsetenv("MW_IT_HOOK_SECRET");
  CommandResult run = Run();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("MW_IT_HOOK_SECRET"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(kSecret), std::string::npos);
  setenv("MW_IT_HOOK_SECRET", kSecret, 1);
  testing::WriteFile(config_ / "alerts.toml", "[[alert]]\nwatchlist = \"case\"\nsinks = [\"x\"]\n");
  CommandResult bad = Run();
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("alerts.toml:3"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("unknown sink 'x'"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace mw
