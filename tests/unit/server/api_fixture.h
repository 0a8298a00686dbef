// mediawatch/tests/unit/server/api_fixture.h
//
// A small database for the API tests, written through the Store API once
// per suite: flagged articles in English, Simplified and Traditional
// Chinese and Uyghur (Arabic script), an unflagged one, a syndication
// cluster of two, an edited article, feed states and a run state, plus 23
// "bulk" articles (several sharing a timestamp) for paging.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parsers/date.h"
#include "server/api.h"
#include "storage/store.h"
#include "tests/support/test_support.h"
#include "watch/watchlist.h"

namespace mw::testing {

inline int64_t At(const char* iso) {
  std::optional<int64_t> t = ParseIso8601Date(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

inline MatchRecord Hit(const char* watchlist, const char* target, const char* kind,
                       const char* term, const std::string& snippet) {
  MatchRecord m;
  m.watchlist_id = watchlist;
  m.target_id = target;
  m.kind = kind;
  m.term = term;
  m.field = "text";
  m.snippet = snippet;
  m.count = 1;
  return m;
}

// A watch-list like the real one, for names and folded highlighting.
inline Watchlist CaseWatchlist() {
  Watchlist w;
  w.id = "case";
  w.name = "Guan Heng case";
  WatchTarget guan;
  guan.id = "guan-heng";
  guan.name = "Guan Heng";
  guan.kind = TargetKind::kEntity;
  guan.terms = {WatchTerm{"Guan Heng"}, WatchTerm{"关恒"}, WatchTerm{"گۇەن خېڭ"}};
  WatchTarget camps;
  camps.id = "camps";
  camps.name = "Camps";
  camps.kind = TargetKind::kKeyword;
  camps.terms = {WatchTerm{"camps"}};
  w.targets = {guan, camps};
  return w;
}

struct ApiDb {
  std::unique_ptr<Store> store;
  std::map<std::string, std::string> ids;  // name -> article id
  std::vector<std::string> bulk_ids;
  int64_t flagged = 0;  // flagged articles stored
  int64_t total = 0;
};

inline std::string PutOne(Store& store, const std::string& url, const char* source,
                          const char* feed, const char* language, int64_t time,
                          const std::string& title, const std::string& text, uint64_t simhash,
                          std::vector<MatchRecord> matches) {
  ArticleWrite w;
  ArticleRecord& a = w.article;
  a.url = url;
  a.id = ArticleIdForUrl(url);
  a.fetched_url = url;
  a.source = source;
  a.feed_id = feed;
  a.language = language;
  a.published = time;
  a.fetched_at = time + 60;
  a.title = title;
  a.text = text;
  a.simhash = simhash;
  w.matches = std::move(matches);
  Result<PutResult> put = store.PutArticle(w);
  EXPECT_TRUE(put.ok() && put->inserted) << url;
  return a.id;
}

inline void BuildApiDb(const std::string& dir, ApiDb* db) {
  Result<std::unique_ptr<Store>> opened = OpenRocksStore(dir, {});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& s = **opened;
  const std::string en_text = "Guan Heng filmed the camps in Xinjiang.\nSecond paragraph.";
  db->ids["en"] = PutOne(
      s, "http://wire.test/guan-heng", "Wire", "wire", "en", At("2026-01-26T09:00:00Z"),
      "Guan Heng speaks", en_text, 0x0123456789abcdefULL,
      {Hit("case", "guan-heng", "entity", "Guan Heng", "Guan Heng filmed the camps in Xinjiang."),
       Hit("case", "camps", "keyword", "camps", "Guan Heng filmed the camps in Xinjiang.")});
  db->ids["copy"] = PutOne(
      s, "http://daily.test/guan-heng", "Daily", "daily", "en", At("2026-01-26T15:00:00Z"),
      "Guan Heng speaks (Wire)", en_text, 0x0123456789abcdecULL,
      {Hit("case", "guan-heng", "entity", "Guan Heng", "Guan Heng filmed the camps in Xinjiang.")});
  db->ids["zh"] =
      PutOne(s, "http://bbc-zh.test/1", "BBC 中文", "bbc-zh", "zh", At("2026-01-28T03:00:00Z"),
             "关恒：我拍摄了新疆", "关恒说：我拍摄了。", 0x1111000011110000ULL,
             {Hit("case", "guan-heng", "entity", "关恒", "关恒说：我拍摄了。")});
  // Traditional spelling: only the folding matcher finds 關恆 for 关恒.
  db->ids["zh-Hant"] =
      PutOne(s, "http://tw.test/9", "臺灣快報", "taiwan", "zh-Hant", At("2026-02-03T08:00:00Z"),
             "關恆案聽證", "𠀀關恆在聽證會上說明。", 0x2222000022220000ULL,
             {Hit("case", "guan-heng", "entity", "关恒", "𠀀關恆在聽證會上說明。")});
  db->ids["ug"] = PutOne(
      s, "http://rfa-ug.test/1", "ئەركىن ئاسىيا", "rfa-ug", "ug", At("2026-03-02T12:00:00Z"),
      "گۇەن خېڭ", "گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى.", 0x4444000044440000ULL,
      {Hit("case", "guan-heng", "entity", "گۇەن خېڭ", "گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى.")});
  db->ids["weather"] = PutOne(s, "http://daily.test/weather", "Daily", "daily", "en",
                              At("2026-01-27T06:00:00Z"), "Weather", "Rain.", 0, {});
  db->flagged = 5;
  db->total = 6;
  // Paging: 23 flagged articles in another watch-list, three per timestamp.
  for (int i = 0; i < 23; ++i) {
    const std::string url = "http://bulk.test/" + std::to_string(i);
    db->bulk_ids.push_back(PutOne(s, url, "Bulk", "bulk", "en",
                                  At("2025-06-01T00:00:00Z") + (i / 3) * 3600,
                                  "Bulk " + std::to_string(i), "Bulk text.", 0,
                                  {Hit("bulk", "thing", "keyword", "Bulk", "Bulk text.")}));
  }
  db->flagged += 23;
  db->total += 23;

  ArticleVersion edit;
  edit.found_at = At("2026-01-27T09:00:00Z");
  edit.kind = "edited";
  edit.title = "Guan Heng speaks";
  edit.text = "Guan Heng filmed the camps.";
  edit.diff =
      "@@ paragraph 1 @@\n- Guan Heng filmed the camps in Xinjiang.\n+ Guan Heng filmed the "
      "camps.\n";
  EXPECT_TRUE(s.RecordRecheck({db->ids["en"], 0, 0}, edit, std::nullopt).ok());

  FeedState ok;
  ok.feed_id = "wire";
  ok.url = "http://wire.test/rss";
  ok.config_url = ok.url;
  ok.last_fetch_at = At("2026-03-02T12:00:00Z");
  ok.last_success_at = ok.last_fetch_at;
  ok.last_http_status = 200;
  EXPECT_TRUE(s.PutFeedState(ok).ok());
  FeedState failing = ok;
  failing.feed_id = "daily";
  failing.url = "http://daily.test/rss";
  failing.last_error = "HTTP 503";
  failing.last_http_status = 503;
  failing.consecutive_failures = 3;
  EXPECT_TRUE(s.PutFeedState(failing).ok());
  RunState run;
  run.pid = 4242;
  run.host = "box";
  run.started_at = At("2026-03-02T11:00:00Z");
  run.heartbeat_at = At("2026-03-02T12:00:00Z");
  run.passes = 7;
  EXPECT_TRUE(s.PutRunState(run).ok());
  db->store = std::move(opened).value();
}

// One database per suite, and an Api over it (no token, no host check).
class ApiSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = new ApiDb();
    BuildApiDb((dir_->path() / "db").string(), db_);
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(db_->store, nullptr); }

  std::unique_ptr<server::Api> MakeApi(server::ApiOptions options = {}) {
    Result<std::unique_ptr<server::Api>> api = server::Api::Create(db_->store.get(), options);
    EXPECT_TRUE(api.ok()) << api.status().ToString();
    return api.ok() ? std::move(api).value() : nullptr;
  }

  inline static TempDir* dir_ = nullptr;
  inline static ApiDb* db_ = nullptr;
};

}  // namespace mw::testing
