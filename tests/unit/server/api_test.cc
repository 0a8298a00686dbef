// The request handling of `mediawatch serve` without sockets (server/api.h):
// every endpoint on a small store, paging, filters, highlights, parameter
// validation, tokens, the Host check and the security headers.
#include "server/api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/server/api_fixture.h"

namespace mw {
namespace {

using nlohmann::json;
using server::ApiRequest;
using server::ApiResponse;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

ApiRequest Get(const std::string& path,
               std::vector<std::pair<std::string, std::string>> params = {}) {
  ApiRequest r;
  r.method = "GET";
  r.path = path;
  r.params = std::move(params);
  return r;
}

std::string Header(const ApiResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

void ExpectSecurityHeaders(const ApiResponse& r) {
  EXPECT_THAT(Header(r, "Content-Security-Policy"),
              ::testing::HasSubstr("default-src 'none'; script-src 'self'"));
  EXPECT_THAT(Header(r, "Content-Security-Policy"), ::testing::HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
}

json Body(const ApiResponse& r) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.body;
  return j;
}

class ApiTest : public testing::ApiSuite {
 protected:
  // A 200 JSON response's body.
  json Ok(const server::Api& api, const ApiRequest& request) {
    ApiResponse r = api.Handle(request);
    EXPECT_EQ(r.status, 200) << request.path << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
    ExpectSecurityHeaders(r);
    return Body(r);
  }
  // A JSON error with `status` naming `parameter` ("" = none).
  void ExpectError(const server::Api& api, const ApiRequest& request, int status,
                   const std::string& parameter) {
    ApiResponse r = api.Handle(request);
    EXPECT_EQ(r.status, status) << request.path << ": " << r.body;
    ExpectSecurityHeaders(r);
    json j = Body(r);
    ASSERT_TRUE(j.contains("error")) << r.body;
    EXPECT_EQ(j["error"]["status"], status);
    EXPECT_TRUE(j["error"]["message"].is_string());
    if (parameter.empty()) {
      EXPECT_FALSE(j["error"].contains("parameter")) << r.body;
    } else {
      EXPECT_EQ(j["error"].value("parameter", ""), parameter) << r.body;
      EXPECT_THAT(j["error"]["message"].get<std::string>(), ::testing::StartsWith(parameter));
    }
  }
  std::vector<std::string> Ids(const json& matches) {
    std::vector<std::string> ids;
    for (const json& item : matches["items"]) ids.push_back(item["id"]);
    return ids;
  }
};

TEST_F(ApiTest, WatchlistsFromTheStoreAndTheConfig) {
  auto api = MakeApi();
  json j = Ok(*api, Get("/api/v1/watchlists"));
  ASSERT_EQ(j["watchlists"].size(), 2u) << j.dump();
  for (const json& w : j["watchlists"]) {
    if (w["id"] == "case") {
      EXPECT_EQ(w["name"], "case");  // no config: the id
      EXPECT_EQ(w["matched_articles"], 5);
      ASSERT_EQ(w["targets"].size(), 2u);
      for (const json& t : w["targets"]) {
        if (t["id"] == "guan-heng") {
          EXPECT_EQ(t["kind"], "entity");  // read from the match records
          EXPECT_EQ(t["matched_articles"], 5);
        } else {
          EXPECT_EQ(t["id"], "camps");
          EXPECT_EQ(t["kind"], "keyword");
          EXPECT_EQ(t["matched_articles"], 1);
        }
      }
    } else {
      EXPECT_EQ(w["id"], "bulk");
      EXPECT_EQ(w["matched_articles"], 23);
    }
  }
  server::ApiOptions options;
  options.watchlists = {testing::CaseWatchlist()};
  auto named = MakeApi(options);
  j = Ok(*named, Get("/api/v1/watchlists"));
  ASSERT_GE(j["watchlists"].size(), 1u);
  EXPECT_EQ(j["watchlists"][0]["id"], "case");  // configured lists first
  EXPECT_EQ(j["watchlists"][0]["name"], "Guan Heng case");
  EXPECT_EQ(j["watchlists"][0]["targets"][0]["name"], "Guan Heng");
}

TEST_F(ApiTest, MatchesNewestFirstWithEveryField) {
  auto api = MakeApi();
  json j = Ok(*api, Get("/api/v1/matches", {{"watchlist", "case"}}));
  EXPECT_THAT(Ids(j), ElementsAre(db_->ids["ug"], db_->ids["zh-Hant"], db_->ids["zh"],
                                  db_->ids["copy"], db_->ids["en"]));
  EXPECT_TRUE(j["next_cursor"].is_null());
  const json& ug = j["items"][0];
  EXPECT_EQ(ug["language"], "ug");
  EXPECT_EQ(ug["direction"], "rtl");
  EXPECT_EQ(ug["source"], "ئەركىن ئاسىيا");
  EXPECT_EQ(ug["feed_id"], "rfa-ug");
  EXPECT_EQ(ug["time"], "2026-03-02T12:00:00Z");
  EXPECT_EQ(ug["time_unix"], testing::At("2026-03-02T12:00:00Z"));
  EXPECT_EQ(ug["url"], "http://rfa-ug.test/1");
  EXPECT_EQ(ug["matches"][0]["term"], "گۇەن خېڭ");
  EXPECT_EQ(ug["matches"][0]["kind"], "entity");
  EXPECT_EQ(ug["snippet"], "گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى.");
  EXPECT_EQ(ug["highlights"], json::parse("[[0,8]]"));  // 8 UTF-16 units
  EXPECT_EQ(ug["cluster_id"], db_->ids["ug"]);
  EXPECT_EQ(ug["cluster_size"], 1);
  const json& en = j["items"][4];
  EXPECT_EQ(en["direction"], "ltr");
  EXPECT_EQ(en["cluster_size"], 2);  // the copy at Daily
  // Both targets highlighted: "Guan Heng" and "camps".
  EXPECT_EQ(en["snippet"], "Guan Heng filmed the camps in Xinjiang.");
  EXPECT_EQ(en["highlights"], json::parse("[[0,9],[21,26]]"));
  EXPECT_EQ(en["title_highlights"], json::parse("[[0,9]]"));
}

TEST_F(ApiTest, HighlightsFindOtherSpellingsWithTheWatchlistsAndCountUtf16Units) {
  auto plain = MakeApi();
  json j = Ok(*plain, Get("/api/v1/matches", {{"lang", "zh-Hant"}}));
  ASSERT_EQ(j["items"].size(), 1u);
  // The stored term 关恒 is not in the Traditional text: nothing to mark.
  EXPECT_EQ(j["items"][0]["highlights"], json::array());

  server::ApiOptions options;
  options.watchlists = {testing::CaseWatchlist()};
  auto folded = MakeApi(options);
  j = Ok(*folded, Get("/api/v1/matches", {{"lang", "zh-Hant"}}));
  ASSERT_EQ(j["items"].size(), 1u);
  // "𠀀" is two UTF-16 code units (a JavaScript string index), 關恆 the next two.
  EXPECT_EQ(j["items"][0]["snippet"], "𠀀關恆在聽證會上說明。");
  EXPECT_EQ(j["items"][0]["highlights"], json::parse("[[2,4]]"));
  EXPECT_EQ(j["items"][0]["title_highlights"], json::parse("[[0,2]]"));
}

TEST_F(ApiTest, PagingWalksEveryArticleOnceInOrder) {
  auto api = MakeApi();
  for (const char* limit : {"1", "4", "5", "22", "23", "500"}) {
    std::vector<std::string> seen;
    std::vector<int64_t> times;
    std::string cursor;
    for (int page = 0; page < 30; ++page) {
      std::vector<std::pair<std::string, std::string>> params = {{"watchlist", "bulk"},
                                                                 {"limit", limit}};
      if (!cursor.empty()) params.emplace_back("cursor", cursor);
      json j = Ok(*api, Get("/api/v1/matches", params));
      EXPECT_LE(j["items"].size(), std::stoul(limit));
      for (const json& item : j["items"]) {
        seen.push_back(item["id"]);
        times.push_back(item["time_unix"]);
      }
      if (j["next_cursor"].is_null()) break;
      cursor = j["next_cursor"];
      EXPECT_FALSE(j["items"].empty()) << "a cursor after an empty page";
    }
    EXPECT_EQ(seen.size(), 23u) << "limit " << limit;
    EXPECT_THAT(
        std::set<std::string>(seen.begin(), seen.end()),
        ::testing::ContainerEq(std::set<std::string>(db_->bulk_ids.begin(), db_->bulk_ids.end())))
        << "limit " << limit;
    EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend())) << "limit " << limit;
  }
}

TEST_F(ApiTest, MatchFilters) {
  auto api = MakeApi();
  auto ids = [&](std::vector<std::pair<std::string, std::string>> params) {
    return Ids(Ok(*api, Get("/api/v1/matches", std::move(params))));
  };
  EXPECT_EQ(ids({}).size(), 28u);
  EXPECT_EQ(ids({{"all", "1"}}).size(), 29u);  // the unflagged weather too
  EXPECT_EQ(ids({{"all", "false"}}).size(), 28u);
  EXPECT_THAT(ids({{"match", "camps"}}), ElementsAre(db_->ids["en"]));
  EXPECT_THAT(ids({{"lang", "zh"}}), ElementsAre(db_->ids["zh-Hant"], db_->ids["zh"]));
  EXPECT_THAT(ids({{"lang", "zh-Hant"}}), ElementsAre(db_->ids["zh-Hant"]));
  EXPECT_THAT(ids({{"source", "Daily"}}), ElementsAre(db_->ids["copy"]));
  EXPECT_THAT(ids({{"source", "daily"}, {"all", "1"}}),
              ElementsAre(db_->ids["weather"], db_->ids["copy"]));
  EXPECT_THAT(ids({{"source", "ئەركىن ئاسىيا"}}), ElementsAre(db_->ids["ug"]));
  EXPECT_THAT(ids({{"since", "2026-02-01"}, {"watchlist", "case"}}),
              ElementsAre(db_->ids["ug"], db_->ids["zh-Hant"]));
  EXPECT_THAT(ids({{"since", "2026-01-26T12:00:00Z"}, {"until", "2026-02-01"}}),
              ElementsAre(db_->ids["zh"], db_->ids["copy"]));
  // An empty value is as if absent (forms send them).
  EXPECT_EQ(ids({{"lang", ""}, {"cursor", ""}, {"limit", ""}}).size(), 28u);
}

TEST_F(ApiTest, TimelineSplitsAndBuckets) {
  auto api = MakeApi();
  json j = Ok(*api, Get("/api/v1/timeline", {{"match", "guan-heng"}, {"split", "lang"}}));
  EXPECT_EQ(j["by"], "day");
  EXPECT_EQ(j["split"], "lang");
  EXPECT_EQ(j["total"], 5);
  std::map<std::string, int64_t> per_group;
  for (const json& s : j["series"]) {
    for (const json& p : s["points"]) per_group[s["group"]] += p["count"].get<int64_t>();
  }
  EXPECT_EQ(per_group,
            (std::map<std::string, int64_t>{{"en", 2}, {"ug", 1}, {"zh", 1}, {"zh-Hant", 1}}));
  ASSERT_EQ(j["series"][0]["group"], "en");
  EXPECT_EQ(j["series"][0]["points"],
            json::parse(R"([{"start":"2026-01-26","start_unix":)" +
                        std::to_string(testing::At("2026-01-26")) + R"(,"count":2}])"));

  j = Ok(*api, Get("/api/v1/timeline", {{"watchlist", "case"}, {"by", "month"}}));
  EXPECT_EQ(j["split"], "none");
  ASSERT_EQ(j["series"].size(), 1u);
  EXPECT_EQ(j["series"][0]["group"], "");
  std::vector<std::string> starts;
  for (const json& p : j["series"][0]["points"]) starts.push_back(p["start"]);
  EXPECT_THAT(starts, ElementsAre("2026-01", "2026-02", "2026-03"));

  j = Ok(*api, Get("/api/v1/timeline", {{"split", "source"}, {"lang", "ug"}, {"by", "week"}}));
  ASSERT_EQ(j["series"].size(), 1u);
  EXPECT_EQ(j["series"][0]["group"], "ئەركىن ئاسىيا");
  EXPECT_EQ(j["series"][0]["points"][0]["start"], "2026-03-02");  // a Monday

  j = Ok(*api, Get("/api/v1/timeline", {{"match", "nothing-matches-this"}}));
  EXPECT_EQ(j["series"], json::array());
  EXPECT_EQ(j["total"], 0);
}

TEST_F(ApiTest, ArticleWithVersionsClusterAndHighlights) {
  auto api = MakeApi();
  json j = Ok(*api, Get("/api/v1/articles/" + db_->ids["en"]));
  EXPECT_EQ(j["id"], db_->ids["en"]);
  EXPECT_EQ(j["title"], "Guan Heng speaks");
  EXPECT_THAT(j["urls"].get<std::vector<std::string>>(), ElementsAre("http://wire.test/guan-heng"));
  EXPECT_EQ(j["published"], "2026-01-26T09:00:00Z");
  EXPECT_EQ(j["fetched"], "2026-01-26T09:01:00Z");
  EXPECT_EQ(j["direction"], "ltr");
  EXPECT_EQ(j["text"], "Guan Heng filmed the camps in Xinjiang.\nSecond paragraph.");
  EXPECT_EQ(j["highlights"], json::parse("[[0,9],[21,26]]"));
  EXPECT_EQ(j["matches"].size(), 2u);
  ASSERT_EQ(j["versions"].size(), 2u);
  EXPECT_EQ(j["versions"][0]["kind"], "original");
  EXPECT_EQ(j["versions"][1]["version"], 2);
  EXPECT_EQ(j["versions"][1]["kind"], "edited");
  EXPECT_EQ(j["versions"][1]["time"], "2026-01-27T09:00:00Z");
  EXPECT_THAT(j["versions"][1]["diff"].get<std::string>(),
              ::testing::HasSubstr("+ Guan Heng filmed the camps."));
  ASSERT_TRUE(j["cluster"].is_object());
  EXPECT_EQ(j["cluster"]["id"], db_->ids["en"]);
  std::vector<std::string> members;
  for (const json& m : j["cluster"]["members"]) members.push_back(m["id"]);
  EXPECT_THAT(members, ElementsAre(db_->ids["en"], db_->ids["copy"]));  // oldest first
  EXPECT_EQ(j["cluster"]["truncated"], false);

  json weather = Ok(*api, Get("/api/v1/articles/" + db_->ids["weather"]));
  EXPECT_TRUE(weather["cluster"].is_null());  // no fingerprint
  EXPECT_EQ(weather["matches"], json::array());
  EXPECT_EQ(weather["versions"].size(), 1u);
}

TEST_F(ApiTest, UnknownArticleIs404AndBadIdsAre400) {
  auto api = MakeApi();
  ExpectError(*api, Get("/api/v1/articles/0123456789abcdef"), 404, "");
  for (const std::string& bad : std::vector<std::string>{
           "0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "", "../../etc/passwd",
           "0123456789abcde\xff", std::string("0123456789abcde\0", 16), "0123456789abcdef/x"}) {
    ExpectError(*api, Get("/api/v1/articles/" + bad), 400, "id");
  }
  ExpectError(*api, Get("/api/v1/articles/" + db_->ids["en"], {{"x", "1"}}), 400, "x");
}

TEST_F(ApiTest, SourcesFeedsAndStats) {
  auto api = MakeApi();
  json j = Ok(*api, Get("/api/v1/sources"));
  EXPECT_EQ(j["truncated"], false);
  std::map<std::string, json> by_name;
  for (const json& s : j["sources"]) by_name[s["source"]] = s;
  ASSERT_EQ(by_name.count("Daily"), 1u) << j.dump();
  EXPECT_EQ(by_name["Daily"]["feed_ids"], json::parse(R"(["daily"])"));
  EXPECT_EQ(by_name["Daily"]["articles"], 2);
  EXPECT_EQ(by_name["Daily"]["matched_articles"], 1);
  // Per outlet only the flagged articles are read: one of Daily's two.
  EXPECT_EQ(by_name["Daily"]["matched_languages"], json::parse(R"({"en":1})"));
  EXPECT_EQ(by_name["Bulk"]["articles"], 23);
  EXPECT_EQ(by_name["臺灣快報"]["matched_languages"], json::parse(R"({"zh-Hant":1})"));
  // Every stored article per language, from the index.
  EXPECT_EQ(j["languages"]["zh-Hant"], 1);
  EXPECT_GE(j["languages"]["en"].get<int>(), 2);

  j = Ok(*api, Get("/api/v1/feeds"));
  std::map<std::string, json> feeds;
  for (const json& f : j["feeds"]) feeds[f["id"]] = f;
  EXPECT_EQ(feeds["wire"]["status"], "ok");
  EXPECT_EQ(feeds["wire"]["last_ok"], "2026-03-02T12:00:00Z");
  EXPECT_EQ(feeds["daily"]["status"], "failing");
  EXPECT_EQ(feeds["daily"]["consecutive_failures"], 3);
  EXPECT_EQ(feeds["daily"]["last_error"], "HTTP 503");
  EXPECT_EQ(feeds["daily"]["articles"], 2);
  EXPECT_TRUE(feeds["daily"]["title"].is_null());
  EXPECT_EQ(j["run"]["pid"], 4242);
  EXPECT_EQ(j["run"]["passes"], 7);
  EXPECT_TRUE(j["run"]["stopped"].is_null());

  server::ApiOptions options;
  options.feed_names = {{"daily", "The Daily"}};
  j = Ok(*MakeApi(options), Get("/api/v1/feeds"));
  for (const json& f : j["feeds"]) {
    if (f["id"] == "daily") {
      EXPECT_EQ(f["title"], "The Daily");
    }
  }

  j = Ok(*api, Get("/api/v1/stats"));
  EXPECT_EQ(j["articles"], db_->total);
  EXPECT_EQ(j["per_language"]["zh-Hant"], 1);
  EXPECT_EQ(j["per_watchlist"]["case"]["targets"]["guan-heng"], 5);
}

TEST_F(ApiTest, EveryBadParameterIs400NamingIt) {
  auto api = MakeApi();
  const std::string huge(server::kMaxParamBytes + 1, 'a');
  struct Case {
    const char* path;
    std::vector<std::pair<std::string, std::string>> params;
    const char* parameter;
  };
  const std::vector<Case> cases = {
      {"/api/v1/matches", {{"limit", "0"}}, "limit"},
      {"/api/v1/matches", {{"limit", "501"}}, "limit"},
      {"/api/v1/matches", {{"limit", "-1"}}, "limit"},
      {"/api/v1/matches", {{"limit", "1e2"}}, "limit"},
      {"/api/v1/matches", {{"limit", "99999999999999999999"}}, "limit"},
      {"/api/v1/matches", {{"since", "yesterday"}}, "since"},
      {"/api/v1/matches", {{"since", "2026-02-30"}}, "since"},
      {"/api/v1/matches", {{"until", "2026-13-01"}}, "until"},
      {"/api/v1/matches", {{"since", "2026-02-01"}, {"until", "2026-01-01"}}, "until"},
      {"/api/v1/matches", {{"cursor", "nonsense"}}, "cursor"},
      {"/api/v1/matches", {{"cursor", "12.0123456789ABCDEF"}}, "cursor"},
      {"/api/v1/matches", {{"cursor", "1.0123456789abcdef.x"}}, "cursor"},
      {"/api/v1/matches", {{"cursor", "99999999999999999999.0123456789abcdef"}}, "cursor"},
      {"/api/v1/matches", {{"all", "yes"}}, "all"},
      {"/api/v1/matches", {{"watchlist", "a b"}}, "watchlist"},
      {"/api/v1/matches", {{"match", "<script>"}}, "match"},
      {"/api/v1/matches", {{"lang", "en;drop"}}, "lang"},
      {"/api/v1/matches", {{"source", huge}}, "source"},
      {"/api/v1/matches", {{"source", std::string("a\0b", 3)}}, "source"},
      {"/api/v1/matches", {{"source", "\xc3\x28"}}, "source"},
      {"/api/v1/matches", {{"source", "\xed\xa0\x80"}}, "source"},  // a UTF-16 surrogate
      {"/api/v1/matches", {{"lang", "en"}, {"lang", "zh"}}, "lang"},
      {"/api/v1/matches", {{"flagged_only", "0"}}, "flagged_only"},
      {"/api/v1/matches", {{"limt", "5"}}, "limt"},
      {"/api/v1/timeline", {{"by", "year"}}, "by"},
      {"/api/v1/timeline", {{"split", "feed"}}, "split"},
      {"/api/v1/timeline", {{"limit", "5"}}, "limit"},
      {"/api/v1/timeline", {{"since", "2026-01-01T25:00:00Z"}}, "since"},
      {"/api/v1/watchlists", {{"x", "1"}}, "x"},
      {"/api/v1/sources", {{"x", "1"}}, "x"},
      {"/api/v1/feeds", {{"x", "1"}}, "x"},
      {"/api/v1/stats", {{"x", "1"}}, "x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.path) + " " + c.parameter);
    ExpectError(*api, Get(c.path, c.params), 400, c.parameter);
  }
  // A hostile parameter name is shown cut and without controls.
  ApiResponse r = api->Handle(Get("/api/v1/stats", {{std::string(5000, '\x01'), "1"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_LT(r.body.size(), 1000u);
  std::vector<std::pair<std::string, std::string>> many;
  for (size_t i = 0; i <= server::kMaxParams; ++i) many.emplace_back("lang", "en");
  ExpectError(*api, Get("/api/v1/matches", many), 400, "");
}

TEST_F(ApiTest, MethodsPathsAndStaticFiles) {
  auto api = MakeApi();
  ApiRequest post = Get("/api/v1/stats");
  post.method = "POST";
  ApiResponse r = api->Handle(post);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Header(r, "Allow"), "GET, HEAD");
  ExpectSecurityHeaders(r);
  for (const char* method : {"PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "get", ""}) {
    post.method = method;
    EXPECT_EQ(api->Handle(post).status, 405) << method;
  }
  ApiRequest head = Get("/api/v1/stats");
  head.method = "HEAD";
  EXPECT_EQ(api->Handle(head).status, 200);

  ExpectError(*api, Get("/api/v1/nothing"), 404, "");
  ExpectError(*api, Get("/api/v2/matches"), 404, "");
  ExpectError(*api, Get("/api"), 404, "");
  ExpectError(*api, Get("/api/v1/matches/"), 404, "");

  r = api->Handle(Get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.content_type, ::testing::StartsWith("text/html"));
  ExpectSecurityHeaders(r);
  EXPECT_EQ(api->Handle(Get("/index.html")).body, r.body);
  for (const std::string& path : std::vector<std::string>{
           "/../../etc/passwd", "/..", "/%2e%2e/%2e%2e/etc/passwd", "/./index.html", "//index.html",
           "/web/../index.html", "/..\\..\\etc\\passwd", std::string("/index.html\0.png", 15),
           "/\xff", "etc/passwd", "", "/nothing.js"}) {
    SCOPED_TRACE(path);
    r = api->Handle(Get(path));
    EXPECT_EQ(r.status, 404);
    ExpectSecurityHeaders(r);
    EXPECT_TRUE(Body(r).contains("error"));
  }
  ExpectError(*api, Get(std::string(server::kMaxPathBytes + 1, '/')), 414, "");
}

TEST_F(ApiTest, TokenRequiredOnTheApiOnly) {
  server::ApiOptions options;
  options.token = "s3cret-token-0123456789";
  auto api = MakeApi(options);
  ApiRequest r = Get("/api/v1/stats");
  ApiResponse denied = api->Handle(r);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(Header(denied, "WWW-Authenticate"), "Bearer");
  ExpectSecurityHeaders(denied);
  EXPECT_EQ(Body(denied)["error"]["code"], "unauthorized");
  for (const char* wrong : {"Bearer s3cret-token-012345678", "Bearer s3cret-token-01234567890",
                            "bearer s3cret-token-0123456789", "s3cret-token-0123456789", "Bearer ",
                            "Basic czNjcmV0", "Bearer S3cret-token-0123456789"}) {
    r.authorization = wrong;
    EXPECT_EQ(api->Handle(r).status, 401) << wrong;
  }
  r.authorization = "Bearer s3cret-token-0123456789";
  EXPECT_EQ(api->Handle(r).status, 200);
  // Unknown API paths do not tell an unauthenticated client what exists.
  ApiRequest unknown = Get("/api/v1/nothing");
  EXPECT_EQ(api->Handle(unknown).status, 401);
  // Static files stay public: they hold no data.
  EXPECT_EQ(api->Handle(Get("/")).status, 200);
}

TEST_F(ApiTest, HostHeaderMustNameTheServer) {
  server::ApiOptions options;
  options.allowed_hosts = {"127.0.0.1:8080", "localhost:8080"};
  auto api = MakeApi(options);
  ApiRequest r = Get("/api/v1/stats");
  for (const char* ok : {"127.0.0.1:8080", "LOCALHOST:8080", ""}) {
    r.host = ok;
    EXPECT_EQ(api->Handle(r).status, 200) << ok;
  }
  for (const char* bad : {"evil.example:8080", "127.0.0.1:8081", "127.0.0.1", "localhost"}) {
    r.host = bad;
    ApiResponse denied = api->Handle(r);
    EXPECT_EQ(denied.status, 403) << bad;
    EXPECT_EQ(Body(denied)["error"]["code"], "bad_host");
  }
  ApiRequest page = Get("/");
  page.host = "rebound.example:8080";
  EXPECT_EQ(api->Handle(page).status, 403);
}

TEST(ApiHelpersTest, Utf16Offsets) {
  // "a" (1 unit), "é" (1), "𠀀" (2), "关" (1).
  const std::string text = "a\xc3\xa9\xf0\xa0\x80\x80\xe5\x85\xb3";
  EXPECT_THAT(server::Utf16Offsets(text, {0, 1, 3, 7, 10}), ElementsAre(0, 1, 2, 4, 5));
  EXPECT_THAT(server::Utf16Offsets(text, {10, 0, 7}), ElementsAre(5, 0, 4));  // any order
  EXPECT_THAT(server::Utf16Offsets(text, {99}), ElementsAre(5));              // clamped
  EXPECT_THAT(server::Utf16Offsets("", {0}), ElementsAre(0));
}

TEST(ApiHelpersTest, TextDirection) {
  EXPECT_EQ(server::TextDirection("ug"), "rtl");
  EXPECT_EQ(server::TextDirection("ug-Arab"), "rtl");
  EXPECT_EQ(server::TextDirection("ug-Latn"), "ltr");
  EXPECT_EQ(server::TextDirection("ug_CYRL"), "ltr");
  EXPECT_EQ(server::TextDirection("AR"), "rtl");
  EXPECT_EQ(server::TextDirection("fa-IR"), "rtl");
  EXPECT_EQ(server::TextDirection("zh-Hant"), "ltr");
  EXPECT_EQ(server::TextDirection("en"), "ltr");
  EXPECT_EQ(server::TextDirection(""), "auto");
}

TEST(ApiHelpersTest, CursorsRoundTrip) {
  for (const QueryCursor& c :
       {QueryCursor{1769646600, "0123456789abcdef"}, QueryCursor{0, "ffffffffffffffff"},
        QueryCursor{-5, "0000000000000000"}}) {
    Result<QueryCursor> back = server::DecodeCursor(server::EncodeCursor(c));
    ASSERT_TRUE(back.ok()) << server::EncodeCursor(c);
    EXPECT_EQ(back->time, c.time);
    EXPECT_EQ(back->article_id, c.article_id);
  }
  for (const char* bad : {"", ".", "1.", ".0123456789abcdef", "a.0123456789abcdef",
                          "--1.0123456789abcdef", "1.0123456789abcdeg", "- .0123456789abcdef"}) {
    EXPECT_FALSE(server::DecodeCursor(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace mw
