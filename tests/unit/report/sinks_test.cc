// Tests of report/sinks.h: the webhook sink against a loopback receiver
// (retries, signature, idempotency key, payload shapes, error classes), the
// jsonl file and the Atom feed (parsed back with libxml2).
#include "report/sinks.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/loopback_server.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using ::mw::testing::LoopbackServer;
using ::mw::testing::TempDir;
using nlohmann::json;

constexpr const char* kHostile = "<script>alert(1)</script> & \"quotes\"";
// "Guan Heng" in Uyghur (Arabic script), right to left.
constexpr const char* kUyghur = "گۇەن خېڭ";

AlertItem MakeItem(const std::string& id, const std::string& title, int64_t time,
                   const std::string& event = "match") {
  AlertItem item;
  item.id = id;
  item.watchlist_id = "guan-heng-case";
  item.watchlist_name = "Guan Heng case";
  item.event = event;
  item.version = event == "match" ? 1 : 2;
  item.time = time;
  item.article.id = "a-" + id;
  item.article.url = "https://news.example/" + id + "?q=1&r=2";
  item.article.title = title;
  item.article.source = "Example News";
  item.article.feed_id = "example";
  item.article.language = "ug";
  item.article.published = time - 60;
  item.article.fetched_at = time - 30;
  item.article.cluster_id = "a-" + id;
  item.cluster_size = 2;
  MatchRecord m;
  m.watchlist_id = "guan-heng-case";
  m.target_id = "guan-heng";
  m.kind = "entity";
  m.term = "关恒";
  m.field = "title";
  m.snippet = std::string("snippet ") + kUyghur + " <b>bold</b>";
  m.count = 2;
  item.matches.push_back(m);
  item.also_published_by = {"Other Outlet"};
  if (event == "edited") item.change = "- old line\n+ new line";
  return item;
}

AlertMessage MakeMessage(std::vector<AlertItem> items, std::string id = "") {
  AlertMessage m;
  m.id = id.empty() ? items.front().id : id;
  m.watchlist_id = "guan-heng-case";
  m.watchlist_name = "Guan Heng case";
  m.items = std::move(items);
  return m;
}

std::string HmacHex(const std::string& key, const std::string& body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), md, &len);
  std::ostringstream hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex << "0123456789abcdef"[md[i] >> 4] << "0123456789abcdef"[md[i] & 15];
  }
  return hex.str();
}

SinkSpec WebhookSpec(const std::string& url, const std::string& payload = "generic") {
  SinkSpec spec;
  spec.name = "hook";
  spec.type = SinkType::kWebhook;
  spec.url = url;
  spec.payload = payload;
  spec.timeout_seconds = 5;
  return spec;
}

// What the receiver saw, copied out of the server thread.
struct Received {
  std::mutex mu;
  std::vector<std::string> methods, paths, bodies, keys, signatures, auths, content_types;
  std::vector<std::map<std::string, std::string>> extra;
  void Add(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    methods.push_back(req.method);
    paths.push_back(req.path);
    bodies.push_back(req.body);
    keys.push_back(req.get_header_value("Idempotency-Key"));
    signatures.push_back(req.get_header_value("X-Mediawatch-Signature"));
    auths.push_back(req.get_header_value("Authorization"));
    content_types.push_back(req.get_header_value("Content-Type"));
    extra.push_back({{"X-Title", req.get_header_value("X-Title")},
                     {"X-Tags", req.get_header_value("X-Tags")},
                     {"X-Click", req.get_header_value("X-Click")},
                     {"User-Agent", req.get_header_value("User-Agent")}});
  }
};

// Makes `server` a receiver that records each request to `pattern` (an
// httplib path pattern; POST, or PUT with `put`) in `got` and answers 200,
// then starts it. `got` must outlive the server. False if it cannot listen.
bool StartRecordingReceiver(LoopbackServer* server, const std::string& pattern, Received* got,
                            bool put = false) {
  auto record = [got](const httplib::Request& req, httplib::Response& res) {
    got->Add(req);
    res.status = 200;
  };
  if (put) {
    server->http().Put(pattern, record);
  } else {
    server->http().Post(pattern, record);
  }
  return server->Start();
}

// A webhook sink with `payload` aimed at a recording receiver of POSTs to
// `path` on `server` (see StartRecordingReceiver).
Result<std::unique_ptr<AlertSink>> RecordedWebhookSink(LoopbackServer* server, Received* got,
                                                       const std::string& path,
                                                       const std::string& payload) {
  if (!StartRecordingReceiver(server, path, got)) {
    return Status::Internal("loopback receiver did not start");
  }
  return MakeSink(WebhookSpec(server->Url(path), payload));
}

// A jsonl or atom sink named `name` writing to `path`, other fields default.
SinkSpec FileSinkSpec(SinkType type, const std::string& name, const std::filesystem::path& path) {
  SinkSpec spec;
  spec.name = name;
  spec.type = type;
  spec.path = path.string();
  return spec;
}

TEST(WebhookSinkTest, RetriesUntilAcceptedWithSameKeyAndValidSignature) {
  Received got;
  std::atomic<int> calls{0};
  LoopbackServer server;
  server.http().Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    got.Add(req);
    res.status = ++calls <= 2 ? 503 : 200;
  });
  ASSERT_TRUE(server.Start());
  SinkSpec spec = WebhookSpec(server.Url("/hook"));
  spec.secret = "s3cret-key";
  spec.bearer_token = "tok-123";
  auto sink = MakeSink(spec);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  AlertMessage msg = MakeMessage(
      {MakeItem("it1", kHostile, 1769592600), MakeItem("it2", kUyghur, 1769592700, "edited")},
      "batch-00ff");

  Status s1 = (*sink)->Deliver(msg);
  EXPECT_EQ(s1.code(), StatusCode::kNetworkError) << s1.ToString();
  EXPECT_TRUE(IsTransientSinkError(s1));
  EXPECT_NE(s1.message().find("503"), std::string::npos);
  Status s2 = (*sink)->Deliver(msg);
  EXPECT_TRUE(IsTransientSinkError(s2)) << s2.ToString();
  Status s3 = (*sink)->Deliver(msg);
  EXPECT_TRUE(s3.ok()) << s3.ToString();
  // Secrets never appear in errors.
  for (const Status& s : {s1, s2}) {
    EXPECT_EQ(s.message().find("s3cret"), std::string::npos);
    EXPECT_EQ(s.message().find("tok-123"), std::string::npos);
  }

  std::lock_guard<std::mutex> lock(got.mu);
  ASSERT_EQ(got.bodies.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got.methods[i], "POST");
    EXPECT_EQ(got.keys[i], "batch-00ff");
    EXPECT_EQ(got.signatures[i], "sha256=" + HmacHex("s3cret-key", got.bodies[i]));
    EXPECT_EQ(got.auths[i], "Bearer tok-123");
    EXPECT_EQ(got.content_types[i], "application/json");
    EXPECT_EQ(got.extra[i]["User-Agent"].rfind("mediawatch/", 0), 0u);
    EXPECT_EQ(got.bodies[i], got.bodies[0]);  // a retry is the same message
  }
  // The signature really depends on the key.
  EXPECT_NE(got.signatures[0], "sha256=" + HmacHex("other", got.bodies[0]));

  json j = json::parse(got.bodies[0]);
  EXPECT_EQ(j["id"], "batch-00ff");
  EXPECT_EQ(j["watchlist"], "guan-heng-case");
  EXPECT_EQ(j["watchlist_name"], "Guan Heng case");
  ASSERT_EQ(j["items"].size(), 2u);
  const json& item = j["items"][0];
  EXPECT_EQ(item["id"], "it1");
  EXPECT_EQ(item["event"], "match");
  EXPECT_EQ(item["version"], 1);
  EXPECT_EQ(item["time"], "2026-01-28T09:30:00Z");
  EXPECT_EQ(item["article"]["title"], kHostile);
  EXPECT_EQ(item["article"]["url"], "https://news.example/it1?q=1&r=2");
  EXPECT_EQ(item["article"]["language"], "ug");
  EXPECT_EQ(item["article"]["cluster_size"], 2);
  EXPECT_EQ(item["matches"][0]["term"], "关恒");
  EXPECT_EQ(item["matches"][0]["count"], 2);
  EXPECT_FALSE(item["matches"][0].contains("watchlist"));
  EXPECT_EQ(item["also_published_by"][0], "Other Outlet");
  EXPECT_EQ(j["items"][1]["event"], "edited");
  EXPECT_EQ(j["items"][1]["change"], "- old line\n+ new line");
  EXPECT_EQ(j["items"][1]["article"]["title"], kUyghur);
  // JSON-escaped, not HTML-escaped: the raw bytes hold no unescaped quote.
  EXPECT_NE(got.bodies[0].find("<script>alert(1)</script> & \\\"quotes\\\""), std::string::npos);
}

TEST(WebhookSinkTest, SlackPayloadHasTextAndOneSectionPerItem) {
  Received got;
  LoopbackServer server;
  auto sink = RecordedWebhookSink(&server, &got, "/slack", "slack");
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  AlertMessage msg = MakeMessage(
      {MakeItem("i1", kHostile, 1769592600), MakeItem("i2", "Second", 1769592601)}, "batch-1");
  ASSERT_TRUE((*sink)->Deliver(msg).ok());
  std::lock_guard<std::mutex> lock(got.mu);
  ASSERT_EQ(got.bodies.size(), 1u);
  json j = json::parse(got.bodies[0]);
  EXPECT_EQ(j["text"], "[mediawatch] Guan Heng case: 2 new stories");
  ASSERT_EQ(j["blocks"].size(), 3u);
  std::string first = j["blocks"][1]["text"]["text"];
  EXPECT_EQ(j["blocks"][1]["text"]["type"], "mrkdwn");
  EXPECT_NE(first.find("<https://news.example/i1?q=1&r=2|&lt;script&gt;alert(1)&lt;/script&gt;"),
            std::string::npos)
      << first;
  EXPECT_EQ(first.find("<script>"), std::string::npos);
  EXPECT_NE(first.find("关恒"), std::string::npos);
  EXPECT_NE(first.find("Example News"), std::string::npos);
}

TEST(WebhookSinkTest, MatrixPutsToTxnUrlWithEscapedHtml) {
  Received got;
  LoopbackServer server;
  ASSERT_TRUE(StartRecordingReceiver(
      &server, R"(/_matrix/client/v3/rooms/room/send/m\.room\.message/(.*))", &got, /*put=*/true));
  SinkSpec spec =
      WebhookSpec(server.Url("/_matrix/client/v3/rooms/room/send/m.room.message"), "matrix");
  spec.bearer_token = "matrix-token";
  auto sink = MakeSink(spec);
  ASSERT_TRUE(sink.ok());
  AlertMessage msg = MakeMessage({MakeItem("m1", kHostile, 1769592600)});
  ASSERT_TRUE((*sink)->Deliver(msg).ok());
  ASSERT_TRUE((*sink)->Deliver(msg).ok());
  std::lock_guard<std::mutex> lock(got.mu);
  ASSERT_EQ(got.bodies.size(), 2u);
  EXPECT_EQ(got.methods[0], "PUT");
  EXPECT_EQ(got.paths[0], "/_matrix/client/v3/rooms/room/send/m.room.message/m1");
  EXPECT_EQ(got.paths[1], got.paths[0]);  // same txn id: Matrix drops the repeat
  EXPECT_EQ(got.auths[0], "Bearer matrix-token");
  json j = json::parse(got.bodies[0]);
  EXPECT_EQ(j["msgtype"], "m.text");
  EXPECT_EQ(j["format"], "org.matrix.custom.html");
  std::string body = j["body"], html = j["formatted_body"];
  EXPECT_NE(body.find(kHostile), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<a href=\"https://news.example/m1?q=1&amp;r=2\">"), std::string::npos);
}

TEST(WebhookSinkTest, NtfyPostsPlainTextWithHeaders) {
  Received got;
  LoopbackServer server;
  auto sink = RecordedWebhookSink(&server, &got, "/alerts", "ntfy");
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  ASSERT_TRUE((*sink)->Deliver(MakeMessage({MakeItem("n1", kUyghur, 1769592600)})).ok());
  std::lock_guard<std::mutex> lock(got.mu);
  ASSERT_EQ(got.bodies.size(), 1u);
  EXPECT_EQ(got.content_types[0], "text/plain; charset=utf-8");
  EXPECT_EQ(got.keys[0], "n1");
  // Non-ASCII title: RFC 2047, which ntfy decodes.
  EXPECT_EQ(got.extra[0]["X-Title"].rfind("=?UTF-8?B?", 0), 0u) << got.extra[0]["X-Title"];
  EXPECT_EQ(got.extra[0]["X-Tags"], "newspaper,match");
  EXPECT_EQ(got.extra[0]["X-Click"], "https://news.example/n1?q=1&r=2");
  EXPECT_NE(got.bodies[0].find("[mediawatch] Guan Heng case: 1 new story"), std::string::npos);
  EXPECT_NE(got.bodies[0].find(kUyghur), std::string::npos);
}

TEST(WebhookSinkTest, ClientErrorIsNotTransient) {
  LoopbackServer server;
  server.http().Post("/bad",
                     [](const httplib::Request&, httplib::Response& res) { res.status = 400; });
  server.http().Post("/moved", [](const httplib::Request&, httplib::Response& res) {
    res.status = 301;
    res.set_header("Location", "/elsewhere");
  });
  server.http().Post("/slow-down",
                     [](const httplib::Request&, httplib::Response& res) { res.status = 429; });
  ASSERT_TRUE(server.Start());
  AlertMessage msg = MakeMessage({MakeItem("x", "t", 1769592600)});
  Status bad = (*MakeSink(WebhookSpec(server.Url("/bad"))))->Deliver(msg);
  EXPECT_EQ(bad.code(), StatusCode::kHttpError);
  EXPECT_FALSE(IsTransientSinkError(bad));
  EXPECT_NE(bad.message().find("400"), std::string::npos);
  Status moved = (*MakeSink(WebhookSpec(server.Url("/moved"))))->Deliver(msg);
  EXPECT_EQ(moved.code(), StatusCode::kHttpError) << moved.ToString();
  EXPECT_NE(moved.message().find("301"), std::string::npos);
  EXPECT_TRUE(
      IsTransientSinkError((*MakeSink(WebhookSpec(server.Url("/slow-down"))))->Deliver(msg)));
}

TEST(WebhookSinkTest, DeadPortIsTransient) {
  int port = ::mw::testing::UnusedLoopbackPort();
  auto sink = MakeSink(WebhookSpec("http://127.0.0.1:" + std::to_string(port) + "/hook"));
  ASSERT_TRUE(sink.ok());
  Status s = (*sink)->Deliver(MakeMessage({MakeItem("x", "t", 1769592600)}));
  EXPECT_EQ(s.code(), StatusCode::kNetworkError) << s.ToString();
  EXPECT_TRUE(IsTransientSinkError(s));
}

TEST(MakeSinkTest, RefusesBadSpecs) {
  auto invalid = [](const SinkSpec& spec) {
    auto r = MakeSink(spec);
    return !r.ok() && r.status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid(WebhookSpec("")));
  EXPECT_TRUE(invalid(WebhookSpec("ftp://127.0.0.1/x")));
  EXPECT_TRUE(invalid(WebhookSpec("file:///etc/passwd")));
  EXPECT_TRUE(invalid(WebhookSpec("not a url")));
  EXPECT_TRUE(invalid(WebhookSpec("http://127.0.0.1/x", "teams")));
  SinkSpec token = WebhookSpec("http://127.0.0.1/x");
  token.bearer_token = "abc\r\nX-Injected: 1";
  EXPECT_TRUE(invalid(token));
  EXPECT_EQ(MakeSink(token).status().message().find("abc"), std::string::npos);
  EXPECT_FALSE(invalid(WebhookSpec("https://hooks.example/services/x", "slack")));

  SinkSpec jsonl;
  jsonl.type = SinkType::kJsonl;
  EXPECT_TRUE(invalid(jsonl));
  SinkSpec atom;
  atom.type = SinkType::kAtom;
  EXPECT_TRUE(invalid(atom));
  atom.path = "/tmp/x.xml";
  atom.atom_entries = 0;
  EXPECT_TRUE(invalid(atom));
}

TEST(JsonlSinkTest, AppendsOneLinePerItemAndCreatesFile0644) {
  TempDir dir;
  SinkSpec spec = FileSinkSpec(SinkType::kJsonl, "log", dir.path() / "alerts.jsonl");
  auto sink = MakeSink(spec);
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Deliver(MakeMessage({MakeItem("j1", kHostile, 1769592600)})).ok());
  ASSERT_TRUE((*sink)
                  ->Deliver(MakeMessage({MakeItem("j2", kUyghur, 1769592700, "edited"),
                                         MakeItem("j3", "three", 1769592800, "removed")},
                                        "batch-2"))
                  .ok());
  struct stat st;
  ASSERT_EQ(::stat(spec.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::istringstream in(::mw::testing::ReadFileOrDie(spec.path));
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    lines.push_back(j);
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["id"], "j1");
  EXPECT_EQ(lines[0]["message_id"], "j1");
  EXPECT_EQ(lines[1]["message_id"], "batch-2");
  EXPECT_EQ(lines[2]["event"], "removed");
  for (const json& j : lines) {
    for (const char* key : {"id", "message_id", "watchlist", "watchlist_name", "event", "version",
                            "time", "article", "matches", "also_published_by", "change"}) {
      EXPECT_TRUE(j.contains(key)) << key;
    }
    for (const char* key : {"id", "url", "title", "source", "feed", "language", "published",
                            "fetched_at", "cluster", "cluster_size"}) {
      EXPECT_TRUE(j["article"].contains(key)) << key;
    }
    for (const char* key : {"target", "kind", "term", "field", "count", "snippet"}) {
      EXPECT_TRUE(j["matches"][0].contains(key)) << key;
    }
  }
  EXPECT_EQ(lines[1]["article"]["title"], kUyghur);
  EXPECT_EQ(lines[0]["article"]["published"], "2026-01-28T09:29:00Z");
}

// The entries of an Atom file parsed with libxml2: (id, title, lang, link).
struct ParsedEntry {
  std::string id, title, lang, link;
};

bool ParseAtom(const std::string& xml, std::vector<ParsedEntry>* out) {
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "feed.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) return false;
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> owner(doc, xmlFreeDoc);
  xmlNodePtr root = xmlDocGetRootElement(doc);
  if (root == nullptr || std::string(reinterpret_cast<const char*>(root->name)) != "feed") {
    return false;
  }
  auto text = [](xmlNodePtr n) {
    xmlChar* c = xmlNodeGetContent(n);
    std::string s = c ? reinterpret_cast<const char*>(c) : "";
    xmlFree(c);
    return s;
  };
  for (xmlNodePtr e = root->children; e; e = e->next) {
    if (e->type != XML_ELEMENT_NODE ||
        std::string(reinterpret_cast<const char*>(e->name)) != "entry") {
      continue;
    }
    ParsedEntry p;
    xmlChar* lang = xmlNodeGetLang(e);
    if (lang) p.lang = reinterpret_cast<const char*>(lang);
    xmlFree(lang);
    for (xmlNodePtr c = e->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      std::string name = reinterpret_cast<const char*>(c->name);
      if (name == "id") p.id = text(c);
      if (name == "title") p.title = text(c);
      if (name == "link") {
        xmlChar* href = xmlGetProp(c, reinterpret_cast<const xmlChar*>("href"));
        if (href) p.link = reinterpret_cast<const char*>(href);
        xmlFree(href);
      }
    }
    out->push_back(p);
  }
  return true;
}

TEST(AtomSinkTest, KeepsNewestEntriesWithoutDuplicates) {
  TempDir dir;
  SinkSpec spec = FileSinkSpec(SinkType::kAtom, "feed", dir.path() / "alerts-{watchlist}.xml");
  spec.atom_entries = 3;
  auto sink = MakeSink(spec);
  ASSERT_TRUE(sink.ok());
  std::string path = (dir.path() / "alerts-guan-heng-case.xml").string();

  ASSERT_TRUE(
      (*sink)
          ->Deliver(MakeMessage(
              {MakeItem("a1", kHostile, 1000), MakeItem("a2", kUyghur, 2000, "edited")}, "batch-a"))
          .ok());
  std::vector<ParsedEntry> entries;
  ASSERT_TRUE(ParseAtom(::mw::testing::ReadFileOrDie(path), &entries));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].id, "urn:mediawatch:alert:a2");  // newest first
  EXPECT_EQ(entries[0].title, std::string("Edited: ") + kUyghur);
  EXPECT_EQ(entries[0].lang, "ug");
  EXPECT_EQ(entries[1].title, kHostile);  // escaped on disk, intact when parsed
  EXPECT_EQ(entries[1].link, "https://news.example/a1?q=1&r=2");
  std::string raw = ::mw::testing::ReadFileOrDie(path);
  EXPECT_EQ(raw.find("<script>"), std::string::npos);

  // A retry of the same message adds nothing; new items push out the oldest.
  ASSERT_TRUE((*sink)->Deliver(MakeMessage({MakeItem("a1", kHostile, 1000)})).ok());
  ASSERT_TRUE(
      (*sink)
          ->Deliver(MakeMessage(
              {MakeItem("a3", "three", 3000), MakeItem("a4", "four\x01\xff", 4000)}, "batch-b"))
          .ok());
  ASSERT_TRUE((*sink)->Deliver(MakeMessage({MakeItem("a3", "three", 3000)})).ok());
  entries.clear();
  ASSERT_TRUE(ParseAtom(::mw::testing::ReadFileOrDie(path), &entries));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].id, "urn:mediawatch:alert:a4");
  EXPECT_EQ(entries[0].title, "four\xEF\xBF\xBD");  // control dropped, bad byte replaced
  EXPECT_EQ(entries[1].id, "urn:mediawatch:alert:a3");
  EXPECT_EQ(entries[2].id, "urn:mediawatch:alert:a2");
  EXPECT_TRUE(std::filesystem::exists(path + ".entries.json"));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(AtomSinkTest, RefusesUnsafeWatchlistIdsAndForeignSidecar) {
  TempDir dir;
  auto sink = MakeSink(FileSinkSpec(SinkType::kAtom, "feed", dir.path() / "{watchlist}.xml"));
  ASSERT_TRUE(sink.ok());
  for (const char* id : {"../escape", "a/b", ".hidden", ""}) {
    AlertMessage m = MakeMessage({MakeItem("x", "t", 1000)});
    m.watchlist_id = id;
    EXPECT_EQ((*sink)->Deliver(m).code(), StatusCode::kInvalidArgument) << id;
  }
  ::mw::testing::WriteFile(dir.path() / "guan-heng-case.xml.entries.json", "{\"not\":\"ours\"}");
  Status s = (*sink)->Deliver(MakeMessage({MakeItem("x", "t", 1000)}));
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
}

}  // namespace
}  // namespace mw
