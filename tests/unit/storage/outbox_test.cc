// The alert outbox (schema version 6): byte layouts of its keys and
// records, alerts written in the batches of PutArticle and RecordRecheck,
// delivery states, completion into the history, the v5 -> v6 migration, and
// app state records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "storage/codec.h"
#include "storage/rocksdb_store_internal.h"
#include "storage/store.h"
#include "tests/support/test_support.h"
#include "tests/unit/storage/store_fixtures.h"

namespace mw {
namespace {

using ::std::string_literals::operator""s;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace store_fixtures;
namespace si = storage_internal;

constexpr char kId[] = "0123456789abcdef";

AlertRecord FullAlert() {
  AlertRecord a;
  a.watchlist_id = "guan-heng-case";
  a.article_id = kId;
  a.event = "edited";
  a.version = 3;
  a.created_at = -7;                         // before 1970: two's complement
  a.target_ids = {"guan-heng", "", "关恒"};  // an empty element survives
  a.id = AlertIdFor(a.watchlist_id, a.article_id, a.event, a.version);
  a.completed_at = 1769558400;
  a.delivered_to = {"mail", "webhook"};
  return a;
}

void ExpectSameAlert(const AlertRecord& got, const AlertRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.watchlist_id, want.watchlist_id);
  EXPECT_EQ(got.article_id, want.article_id);
  EXPECT_EQ(got.event, want.event);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.target_ids, want.target_ids);
  EXPECT_EQ(got.completed_at, want.completed_at);
  EXPECT_EQ(got.delivered_to, want.delivered_to);
}

std::string Fixed64(uint64_t v) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
  return out;
}

TEST(OutboxCodecTest, AlertIdIsDeterministic) {
  EXPECT_EQ(AlertIdFor("wl", kId, "match", 1), "0123456789abcdef.1.match.wl");
  EXPECT_EQ(AlertIdFor("关恒", kId, "removed", 12), "0123456789abcdef.12.removed.关恒");
  EXPECT_NE(AlertIdFor("wl", kId, "edited", 2), AlertIdFor("wl", kId, "edited", 3));
}

TEST(OutboxCodecTest, AlertRecordRoundTripsAndIsCheckedOnDecode) {
  const AlertRecord a = FullAlert();
  const std::string bytes = si::EncodeAlert(a);
  ASSERT_EQ(bytes[0], si::kValueFormatV1);
  Result<AlertRecord> back = si::DecodeAlert(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameAlert(*back, a);

  // Byte level: the id field, then the watch-list field.
  EXPECT_EQ(bytes.substr(1, 2 + a.id.size()), "\x01"s + static_cast<char>(a.id.size()) + a.id);

  // Every truncation is an error or (at a field boundary) a shorter record,
  // never a crash; unknown tags are skipped.
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<AlertRecord> cut = si::DecodeAlert(bytes.substr(0, n));
    if (!cut.ok()) {
      EXPECT_EQ(cut.status().code(), StatusCode::kCorruption) << n;
    }
  }
  Result<AlertRecord> extended = si::DecodeAlert(bytes + "\x63\x01x"s);
  ASSERT_TRUE(extended.ok());
  ExpectSameAlert(*extended, a);

  AlertRecord bad = a;
  bad.article_id = "0123456789ABCDEF";
  EXPECT_EQ(si::DecodeAlert(si::EncodeAlert(bad)).status().code(), StatusCode::kCorruption);
  for (std::string AlertRecord::*field :
       {&AlertRecord::id, &AlertRecord::watchlist_id, &AlertRecord::event}) {
    bad = a;
    bad.*field = "";
    EXPECT_EQ(si::DecodeAlert(si::EncodeAlert(bad)).status().code(), StatusCode::kCorruption);
  }
  for (const std::string& junk : {""s, "\x02"s, "\x01\x05\x08"s, "\x01\x05\x02\0\0"s,
                                  "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"s}) {
    Result<AlertRecord> r = si::DecodeAlert(junk);
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << ::testing::PrintToString(junk);
  }
  // A version that does not fit an int.
  std::string wide = "\x01"s + "\x05\x08"s + Fixed64(uint64_t{1} << 40);
  EXPECT_THAT(si::DecodeAlert(wide).status().message(), HasSubstr("out of range"));
}

TEST(OutboxCodecTest, DeliveryRecordBytesAndDamage) {
  AlertDelivery d;
  d.sink = "s";
  d.attempts = 1;
  d.next_attempt_at = 2;
  d.delivered_at = 0;
  const std::string bytes = si::EncodeDelivery(d);
  // Format byte, sink, three integers; the empty batch id and error are
  // omitted.
  EXPECT_EQ(bytes, "\x01"s + "\x01\x01s"s + "\x02\x08"s + Fixed64(1) + "\x03\x08"s + Fixed64(2) +
                       "\x04\x08"s + Fixed64(0));
  d.batch_id = "batch-00ff";
  d.last_error = "HTTP 503\n";
  d.delivered_at = 1769558400;
  Result<AlertDelivery> back = si::DecodeDelivery(si::EncodeDelivery(d));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->sink, d.sink);
  EXPECT_EQ(back->attempts, 1);
  EXPECT_EQ(back->next_attempt_at, 2);
  EXPECT_EQ(back->delivered_at, d.delivered_at);
  EXPECT_EQ(back->batch_id, d.batch_id);
  EXPECT_EQ(back->last_error, d.last_error);

  d.sink.clear();
  EXPECT_EQ(si::DecodeDelivery(si::EncodeDelivery(d)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(si::DecodeDelivery("").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(si::DecodeDelivery(bytes.substr(0, bytes.size() - 1)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(si::DecodeDelivery("\x01\x01\x01s\x02\x07" + Fixed64(1).substr(1)).status().code(),
            StatusCode::kCorruption);
}

TEST(OutboxCodecTest, KeyLayouts) {
  const std::string id = AlertIdFor("wl", kId, "match", 1);
  // 'p' + time + id: oldest first, ties by id.
  EXPECT_EQ(si::AlertPendingKey(10, id), "p\x80\0\0\0\0\0\0\x0a"s + id);
  EXPECT_LT(si::AlertPendingKey(-1, "z"), si::AlertPendingKey(0, "a"));
  EXPECT_LT(si::AlertPendingKey(5, "a"), si::AlertPendingKey(5, "b"));
  const std::string pending_key = si::AlertPendingKey(10, id);  // the parts view into it
  std::optional<si::AlertPendingKeyParts> p = si::DecodeAlertPendingKey(pending_key);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->created_at, 10);
  EXPECT_EQ(p->alert_id, id);
  EXPECT_FALSE(si::DecodeAlertPendingKey("p"s + si::EncodeTime(1)).has_value());  // no id
  EXPECT_FALSE(si::DecodeAlertPendingKey("q"s + si::EncodeTime(1) + "x").has_value());
  EXPECT_FALSE(si::DecodeAlertPendingKey("").has_value());

  EXPECT_EQ(si::AlertIndexKey(id), "i" + id);

  // 'd' + u32 length + id + sink: one alert's keys share a prefix no other
  // alert's key starts with, even when one id is a prefix of another.
  EXPECT_EQ(si::AlertDeliveryKey("a.1", "mail"), "d\0\0\0\x03"s + "a.1mail");
  EXPECT_FALSE(si::AlertDeliveryKey("a.1x", "s").starts_with(si::AlertDeliveryPrefix("a.1")));
  const std::string delivery_key = si::AlertDeliveryKey(id, "webhook");
  std::optional<si::AlertDeliveryKeyParts> d = si::DecodeAlertDeliveryKey(delivery_key);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->alert_id, id);
  EXPECT_EQ(d->sink, "webhook");
  EXPECT_FALSE(si::DecodeAlertDeliveryKey(si::AlertDeliveryPrefix(id)).has_value());  // no sink
  EXPECT_FALSE(si::DecodeAlertDeliveryKey("d\0\0\0\0s"s).has_value());                // no id
  EXPECT_FALSE(si::DecodeAlertDeliveryKey("d\xff\xff\xff\xffxy"s).has_value());
  EXPECT_FALSE(si::DecodeAlertDeliveryKey("d\0\0"s).has_value());

  // 'h' + LengthPrefixed(watch-list) + ~time + id: newest first.
  EXPECT_EQ(si::AlertHistoryKey("wl", 10, id),
            "h\0\x02wl"s + "\x7f\xff\xff\xff\xff\xff\xff\xf5"s + id);
  EXPECT_LT(si::AlertHistoryKey("wl", 11, "b"), si::AlertHistoryKey("wl", 10, "a"));
  EXPECT_FALSE(si::AlertHistoryKey("wlx", 1, "a").starts_with(si::AlertHistoryPrefix("wl")));
  const std::string history_key = si::AlertHistoryKey("关恒", -3, id);
  std::optional<si::AlertHistoryKeyParts> h = si::DecodeAlertHistoryKey(history_key);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->watchlist_id, "关恒");
  EXPECT_EQ(h->created_at, -3);
  EXPECT_EQ(h->alert_id, id);
  EXPECT_FALSE(si::DecodeAlertHistoryKey("h\0\x09wl"s + si::EncodeTime(1) + "x").has_value());
  EXPECT_FALSE(si::DecodeAlertHistoryKey("h\0\x02wl"s + si::EncodeTime(1)).has_value());
  EXPECT_FALSE(si::DecodeAlertHistoryKey("h\0\0"s + si::EncodeTime(1) + "x").has_value());

  // App state keys cannot collide with the other meta records.
  EXPECT_EQ(si::AppStateKey("digest/wl/2026-01-28"), "app/digest/wl/2026-01-28");
  for (std::string_view meta :
       {si::kSchemaVersionKey, si::kArticleCountKey, si::kMatchCountKey, si::kRunStateKey}) {
    EXPECT_FALSE(meta.starts_with(si::kAppStatePrefix)) << meta;
  }
}

// --- The store --------------------------------------------------------------

std::vector<std::string> Ids(const std::vector<PendingAlert>& pending) {
  std::vector<std::string> ids;
  for (const PendingAlert& p : pending) ids.push_back(p.alert.id);
  return ids;
}

std::vector<std::string> Ids(const std::vector<AlertRecord>& alerts) {
  std::vector<std::string> ids;
  for (const AlertRecord& a : alerts) ids.push_back(a.id);
  return ids;
}

std::vector<PendingAlert> Pending(Store& store, size_t limit = 1000) {
  Result<std::vector<PendingAlert>> pending = store.PendingAlerts(limit);
  EXPECT_TRUE(pending.ok()) << pending.status().ToString();
  return pending.ok() ? std::move(pending).value() : std::vector<PendingAlert>();
}

AlertDelivery Delivery(const std::string& sink, int attempts, int64_t delivered_at = 0) {
  AlertDelivery d;
  d.sink = sink;
  d.attempts = attempts;
  d.next_attempt_at = 100 + attempts;
  d.delivered_at = delivered_at;
  d.batch_id = "batch-" + sink;
  d.last_error = delivered_at == 0 ? "HTTP 503" : "";
  return d;
}

TEST(OutboxStoreTest, InsertedArticleWritesOneMatchAlertPerWatchlist) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  ArticleRecord a = MakeArticle("https://e.com/a", 500, 400);
  ASSERT_TRUE(*store->PutArticle(
      a, {MakeMatch("wl", "t2"), MakeMatch("wl", "t1"), MakeMatch("case", "guan")}));
  std::vector<PendingAlert> pending = Pending(*store);
  ASSERT_EQ(pending.size(), 2u);
  // Same created_at (fetched_at, not published): ordered by id.
  const AlertRecord& first = pending[0].alert;
  const AlertRecord& second = pending[1].alert;
  EXPECT_EQ(first.id, AlertIdFor("case", a.id, "match", 1));
  EXPECT_EQ(first.watchlist_id, "case");
  EXPECT_EQ(first.article_id, a.id);
  EXPECT_EQ(first.event, "match");
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.created_at, 500);
  EXPECT_THAT(first.target_ids, ElementsAre("guan"));
  EXPECT_EQ(second.id, AlertIdFor("wl", a.id, "match", 1));
  EXPECT_THAT(second.target_ids, ElementsAre("t1", "t2"));
  EXPECT_TRUE(pending[0].deliveries.empty());
  EXPECT_EQ(first.completed_at, 0);
  EXPECT_EQ(*store->CountPendingAlerts(), 2u);
  EXPECT_EQ(store->Stats()->alerts_pending, 2);

  // The same URL again (even with other matches) writes no alert; an
  // article without matches writes none.
  ArticleWrite again;
  again.article = MakeArticle("https://e.com/a", 900);
  again.matches = {MakeMatch("other", "x")};
  again.alias_urls = {"https://e.com/a?amp"};
  ASSERT_FALSE(store->PutArticle(again)->inserted);
  ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/quiet", 600), {}));
  EXPECT_EQ(*store->CountPendingAlerts(), 2u);

  // A refused article writes nothing either.
  ArticleRecord bad = MakeArticle("https://e.com/bad", 700);
  bad.id = kId;
  EXPECT_FALSE(store->PutArticle(bad, {MakeMatch("wl", "t")}).ok());
  EXPECT_EQ(*store->CountPendingAlerts(), 2u);
}

TEST(OutboxStoreTest, RecordRecheckWritesAnAlertPerMatchedWatchlistWithItsVersion) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  const ArticleRecord a = MakeArticle("https://e.com/a", 100);
  const ArticleRecord quiet = MakeArticle("https://e.com/quiet", 100);
  ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t1"), MakeMatch("case", "guan")}));
  ASSERT_TRUE(*store->PutArticle(quiet, {}));
  // Another article's watch-list must not leak into a's alerts.
  ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/b", 100), {MakeMatch("zzz", "t")}));
  std::vector<std::string> match_ids;
  for (const PendingAlert& p : Pending(*store)) match_ids.push_back(p.alert.id);
  ASSERT_TRUE(store->CompleteAlerts(match_ids, 150).ok());
  ASSERT_EQ(*store->CountPendingAlerts(), 0u);

  // No change: no alert.
  ASSERT_TRUE(store->RecordRecheck({a.id, 0, 0}, std::nullopt, Recheck{a.id, 200, 1}).ok());
  EXPECT_EQ(*store->CountPendingAlerts(), 0u);

  ArticleVersion edit;
  edit.found_at = 3600;
  edit.kind = "edited";
  edit.text = "new";
  ASSERT_TRUE(store->RecordRecheck({a.id, 200, 1}, edit, Recheck{a.id, 300, 2}).ok());
  std::vector<PendingAlert> pending = Pending(*store);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].alert.id, AlertIdFor("case", a.id, "edited", 2));
  EXPECT_EQ(pending[0].alert.event, "edited");
  EXPECT_EQ(pending[0].alert.version, 2);
  EXPECT_EQ(pending[0].alert.created_at, 3600);
  EXPECT_THAT(pending[0].alert.target_ids, ElementsAre("guan"));
  EXPECT_EQ(pending[1].alert.id, AlertIdFor("wl", a.id, "edited", 2));

  ArticleVersion removal;
  removal.found_at = 7200;
  removal.kind = "removed";
  removal.reason = "HTTP 404";
  ASSERT_TRUE(store->RecordRecheck({a.id, 300, 2}, removal, std::nullopt).ok());
  pending = Pending(*store);
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[2].alert.id, AlertIdFor("case", a.id, "removed", 3));
  EXPECT_EQ(pending[3].alert.version, 3);
  EXPECT_EQ(pending[3].alert.created_at, 7200);

  // An article no watch-list flagged gets versions but no alerts.
  ASSERT_TRUE(store->RecordRecheck({quiet.id, 0, 0}, edit, std::nullopt).ok());
  EXPECT_EQ(*store->CountPendingAlerts(), 4u);
  // A refused re-fetch writes nothing.
  ArticleVersion odd = edit;
  odd.kind = "vanished";
  EXPECT_EQ(store->RecordRecheck({a.id, 0, 0}, odd, std::nullopt).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(*store->CountPendingAlerts(), 4u);
}

TEST(OutboxStoreTest, PendingAlertsOldestFirstWithLimit) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  const ArticleRecord late = MakeArticle("https://e.com/late", 300);
  const ArticleRecord early = MakeArticle("https://e.com/early", -20);
  const ArticleRecord mid = MakeArticle("https://e.com/mid", 100, 99999);  // published is ignored
  for (const ArticleRecord& a : {late, early, mid}) {
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
  }
  EXPECT_THAT(Ids(Pending(*store)), ElementsAre(AlertIdFor("wl", early.id, "match", 1),
                                                AlertIdFor("wl", mid.id, "match", 1),
                                                AlertIdFor("wl", late.id, "match", 1)));
  EXPECT_THAT(Ids(Pending(*store, 2)), ElementsAre(AlertIdFor("wl", early.id, "match", 1),
                                                   AlertIdFor("wl", mid.id, "match", 1)));
  EXPECT_TRUE(Pending(*store, 0).empty());
}

TEST(OutboxStoreTest, DeliveriesAreUpsertedPerSinkAndRefusedForUnknownAlerts) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  const ArticleRecord a = MakeArticle("https://e.com/a", 1);
  const ArticleRecord b = MakeArticle("https://e.com/b", 2);
  ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
  ASSERT_TRUE(*store->PutArticle(b, {MakeMatch("wl", "t")}));
  const std::string ida = AlertIdFor("wl", a.id, "match", 1);
  const std::string idb = AlertIdFor("wl", b.id, "match", 1);

  ASSERT_TRUE(store->PutDeliveries(ida, {Delivery("webhook", 1), Delivery("mail", 1)}).ok());
  ASSERT_TRUE(store->PutDeliveries(ida, {Delivery("webhook", 2, 50)}).ok());
  std::vector<PendingAlert> pending = Pending(*store);
  ASSERT_EQ(pending.size(), 2u);
  ASSERT_EQ(pending[0].deliveries.size(), 2u);
  EXPECT_EQ(pending[0].deliveries[0].sink, "mail");  // sorted by sink
  EXPECT_EQ(pending[0].deliveries[0].attempts, 1);
  EXPECT_EQ(pending[0].deliveries[0].last_error, "HTTP 503");
  EXPECT_EQ(pending[0].deliveries[1].sink, "webhook");
  EXPECT_EQ(pending[0].deliveries[1].attempts, 2);
  EXPECT_EQ(pending[0].deliveries[1].delivered_at, 50);
  EXPECT_EQ(pending[0].deliveries[1].next_attempt_at, 102);
  EXPECT_EQ(pending[0].deliveries[1].batch_id, "batch-webhook");
  EXPECT_TRUE(pending[1].deliveries.empty());

  // Unknown alert: kNotFound, nothing written.
  EXPECT_EQ(store->PutDeliveries("nope", {Delivery("mail", 9)}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->PutDeliveries("", {}).code(), StatusCode::kNotFound);
  // The batch is all or nothing.
  EXPECT_EQ(store
                ->PutDeliveriesBatch({{idb, Delivery("mail", 5, 60)},
                                      {"0000000000000000.1.match.wl", Delivery("mail", 5, 60)}})
                .code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(Pending(*store)[1].deliveries.empty());
  // Bad sinks and duplicates are refused before anything is written.
  EXPECT_EQ(store->PutDeliveries(idb, {Delivery("", 1)}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PutDeliveries(idb, {Delivery(std::string(kMaxSinkNameSize + 1, 's'), 1)}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PutDeliveries(idb, {Delivery("mail", 1), Delivery("mail", 2)}).code(),
            StatusCode::kInvalidArgument);
  AlertDelivery huge = Delivery("mail", 1);
  huge.last_error.assign(kMaxDeliveryFieldSize + 1, 'e');
  EXPECT_EQ(store->PutDeliveries(idb, {huge}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Pending(*store)[1].deliveries.empty());

  // One acknowledged batch message marks both alerts at once.
  ASSERT_TRUE(
      store->PutDeliveriesBatch({{ida, Delivery("mail", 2, 70)}, {idb, Delivery("mail", 1, 70)}})
          .ok());
  pending = Pending(*store);
  EXPECT_EQ(pending[0].deliveries[0].delivered_at, 70);
  ASSERT_EQ(pending[1].deliveries.size(), 1u);
  EXPECT_EQ(pending[1].deliveries[0].delivered_at, 70);
  EXPECT_TRUE(store->PutDeliveriesBatch({}).ok());

  // Completed alerts are no longer pending.
  ASSERT_TRUE(store->CompleteAlerts({ida}, 80).ok());
  EXPECT_EQ(store->PutDeliveries(ida, {Delivery("mail", 3)}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->PutDeliveriesBatch({{idb, Delivery("x", 1)}, {ida, Delivery("x", 1)}}).code(),
            StatusCode::kNotFound);
  ASSERT_EQ(Pending(*store).size(), 1u);
  EXPECT_EQ(Pending(*store)[0].deliveries.size(), 1u);
}

TEST(OutboxStoreTest, CompleteAlertsMovesThemToTheHistoryOnce) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/a", 10);
  const ArticleRecord b = MakeArticle("https://e.com/b", 20);
  const ArticleRecord c = MakeArticle("https://e.com/c", 30);
  const std::string a_wl = AlertIdFor("wl", a.id, "match", 1);
  const std::string a_case = AlertIdFor("case", a.id, "match", 1);
  const std::string b_wl = AlertIdFor("wl", b.id, "match", 1);
  const std::string c_wl = AlertIdFor("wl", c.id, "match", 1);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t"), MakeMatch("case", "guan")}));
    ASSERT_TRUE(*store->PutArticle(b, {MakeMatch("wl", "t")}));
    ASSERT_TRUE(*store->PutArticle(c, {MakeMatch("wl", "t")}));
    ASSERT_TRUE(store->PutDeliveries(a_wl, {Delivery("mail", 1, 15), Delivery("webhook", 4)}).ok());
    ASSERT_TRUE(store->PutDeliveries(b_wl, {Delivery("webhook", 1, 25)}).ok());

    ASSERT_TRUE(store->CompleteAlerts({a_wl, b_wl, a_case, "unknown", a_wl}, 1000).ok());
    EXPECT_THAT(Ids(Pending(*store)), ElementsAre(c_wl));
    // Idempotent: completing again changes nothing.
    ASSERT_TRUE(store->CompleteAlerts({a_wl, b_wl}, 2000).ok());
    ASSERT_TRUE(store->CompleteAlerts({}, 2000).ok());

    Result<std::vector<AlertRecord>> wl = store->AlertHistory("wl", 10);
    ASSERT_TRUE(wl.ok()) << wl.status().ToString();
    EXPECT_THAT(Ids(*wl), ElementsAre(b_wl, a_wl));  // newest created first
    EXPECT_EQ((*wl)[1].completed_at, 1000);
    EXPECT_THAT((*wl)[1].delivered_to, ElementsAre("mail"));  // webhook never acknowledged
    EXPECT_THAT((*wl)[1].target_ids, ElementsAre("t"));
    EXPECT_THAT((*wl)[0].delivered_to, ElementsAre("webhook"));
    EXPECT_THAT(Ids(*store->AlertHistory("case", 10)), ElementsAre(a_case));
    EXPECT_TRUE(store->AlertHistory("case", 10)->at(0).delivered_to.empty());
    EXPECT_TRUE(store->AlertHistory("w", 10)->empty());  // a prefix of "wl"
    EXPECT_THAT(Ids(*store->AlertHistory("", 10)), ElementsAre(b_wl, a_case, a_wl));
    EXPECT_THAT(Ids(*store->AlertHistory("", 2)), ElementsAre(b_wl, a_case));
    EXPECT_THAT(Ids(*store->AlertHistory("wl", 1)), ElementsAre(b_wl));
    EXPECT_TRUE(store->AlertHistory("", 0)->empty());
  }
  // The delivery keys of completed alerts are gone; the rest survives a
  // reopen.
  for (std::string_view sink : {"mail", "webhook"}) {
    EXPECT_FALSE(si::ReadRawForTesting(dir.str(), si::kAlertsCf, si::AlertDeliveryKey(a_wl, sink))
                     ->has_value());
  }
  EXPECT_FALSE(
      si::ReadRawForTesting(dir.str(), si::kAlertsCf, si::AlertIndexKey(a_wl))->has_value());
  auto store = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(Ids(Pending(*store)), ElementsAre(c_wl));
  EXPECT_THAT(Ids(*store->AlertHistory("", 10)), ElementsAre(b_wl, a_case, a_wl));
  EXPECT_EQ(store->Stats()->alerts_pending, 1);
  // A read-only store refuses outbox writes.
  EXPECT_EQ(store->CompleteAlerts({c_wl}, 1).code(), StatusCode::kUnsupported);
  EXPECT_EQ(store->PutDeliveries(c_wl, {Delivery("mail", 1)}).code(), StatusCode::kUnsupported);
  EXPECT_EQ(store->PutAppState("k", "v").code(), StatusCode::kUnsupported);
}

TEST(OutboxStoreTest, PendingAlertsAndDeliveriesSurviveReopen) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/a", 10);
  const std::string id = AlertIdFor("wl", a.id, "match", 1);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
    ASSERT_TRUE(store->PutDeliveries(id, {Delivery("mail", 3)}).ok());
  }
  auto store = OpenOrDie(dir.str());
  ASSERT_NE(store, nullptr);
  std::vector<PendingAlert> pending = Pending(*store);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].alert.id, id);
  ASSERT_EQ(pending[0].deliveries.size(), 1u);
  EXPECT_EQ(pending[0].deliveries[0].attempts, 3);
  EXPECT_EQ(*store->CountPendingAlerts(), 1u);
}

TEST(OutboxStoreTest, DamagedOutboxEntriesAreCorruptionNotACrash) {
  testing::TempDir dir;
  const ArticleRecord a = MakeArticle("https://e.com/a", 10);
  const std::string id = AlertIdFor("wl", a.id, "match", 1);
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(a, {MakeMatch("wl", "t")}));
  }
  // A record whose id is not its key's.
  AlertRecord other;
  other.id = "something.else";
  other.watchlist_id = "wl";
  other.article_id = a.id;
  other.event = "match";
  other.created_at = 10;
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kAlertsCf, si::AlertPendingKey(10, id),
                                     si::EncodeAlert(other))
                  .ok());
  {
    auto store = OpenOrDie(dir.str());
    EXPECT_EQ(store->PendingAlerts(10).status().code(), StatusCode::kCorruption);
    EXPECT_EQ(store->CompleteAlerts({id}, 1).code(), StatusCode::kCorruption);
  }
  ASSERT_TRUE(
      si::WriteRawForTesting(dir.str(), si::kAlertsCf, si::AlertPendingKey(10, id), "\x01\x01\xff")
          .ok());
  {
    auto store = OpenOrDie(dir.str());
    Result<std::vector<PendingAlert>> pending = store->PendingAlerts(10);
    EXPECT_EQ(pending.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(pending.status().message(), HasSubstr("corrupt alert record"));
  }
  // A damaged delivery record.
  ArticleRecord b = MakeArticle("https://e.com/b", 20);
  ASSERT_TRUE(
      si::WriteRawForTesting(dir.str(), si::kAlertsCf, si::AlertPendingKey(10, id), std::nullopt)
          .ok());
  ASSERT_TRUE(
      si::WriteRawForTesting(dir.str(), si::kAlertsCf, si::AlertIndexKey(id), std::nullopt).ok());
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_TRUE(*store->PutArticle(b, {MakeMatch("wl", "t")}));
  }
  const std::string idb = AlertIdFor("wl", b.id, "match", 1);
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kAlertsCf, si::AlertDeliveryKey(idb, "mail"),
                                     si::EncodeDelivery(Delivery("webhook", 1)))
                  .ok());
  // An index entry whose record is lost.
  ASSERT_TRUE(si::WriteRawForTesting(dir.str(), si::kAlertsCf, si::AlertIndexKey("ghost"),
                                     si::EncodeTime(5))
                  .ok());
  auto store = OpenOrDie(dir.str());
  EXPECT_EQ(store->PendingAlerts(10).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(store->CompleteAlerts({"ghost"}, 1).code(), StatusCode::kCorruption);
}

// A database as the version 5 code left it: every family but `alerts`.
TEST(OutboxMigrationTest, Version5DatabaseGainsAnEmptyOutbox) {
  testing::TempDir dir;
  ASSERT_TRUE(si::CreateDatabaseForTesting(
                  dir.str(),
                  {"articles", "url_index", "matches", "articles_by_time", "feed_state",
                   "host_state", "matches_by_target", "articles_by_language", "articles_by_source",
                   "article_text", "fingerprints", "raw_html", "versions", "rechecks", "events"})
                  .ok());
  const ArticleRecord old = MakeArticle("https://e.com/old", 100);
  const MatchRecord m = MakeMatch("wl", "t");
  ArticleRecord record = old;
  record.text.clear();
  for (const auto& [cf, key, value] :
       std::vector<std::tuple<std::string_view, std::string, std::string>>{
           {si::kArticlesCf, old.id, si::EncodeArticle(record)},
           {si::kArticleTextCf, old.id, old.text},
           {si::kUrlIndexCf, old.url, old.id},
           {si::kArticlesByTimeCf, si::ArticleTimeKey(100, old.id), ""},
           {si::kMatchesCf, si::MatchKey("wl", 100, old.id, "t"), si::EncodeMatchValue(m)},
           {si::kMetaCf, std::string(si::kArticleCountKey), "1"},
           {si::kMetaCf, std::string(si::kMatchCountKey), "1"},
           {si::kMetaCf, std::string(si::kSchemaVersionKey), "5"}}) {
    ASSERT_TRUE(si::WriteRawForTesting(dir.str(), cf, key, value).ok()) << cf;
  }
  Result<std::unique_ptr<Store>> ro = OpenRocksStore(dir.str(), ReadOnly());
  EXPECT_EQ(ro.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(ro.status().message(), HasSubstr("schema version 5 is older than this build's (6)"));
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->Stats()->schema_version, 6);
    // The stored article got no alert, but a change found later does.
    EXPECT_EQ(*store->CountPendingAlerts(), 0u);
    ExpectSameArticle(**store->GetArticle(old.id), old);
    ArticleVersion edit;
    edit.found_at = 500;
    edit.kind = "edited";
    ASSERT_TRUE(store->RecordRecheck({old.id, 0, 0}, edit, std::nullopt).ok());
    EXPECT_THAT(Ids(Pending(*store)), ElementsAre(AlertIdFor("wl", old.id, "edited", 2)));
    ASSERT_TRUE(*store->PutArticle(MakeArticle("https://e.com/new", 600), {m}));
    EXPECT_EQ(*store->CountPendingAlerts(), 2u);
  }
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kMetaCf, si::kSchemaVersionKey),
            std::optional<std::string>("6"));
  auto store = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->CountPendingAlerts(), 2u);
}

TEST(AppStateTest, RoundTripOverwriteLimitsAndReopen) {
  testing::TempDir dir;
  const std::string key = "digest/guan-heng-case/2026-01-28";
  {
    auto store = OpenOrDie(dir.str());
    ASSERT_NE(store, nullptr);
    EXPECT_FALSE(store->GetAppState(key)->has_value());
    ASSERT_TRUE(store->PutAppState(key, "sent").ok());
    EXPECT_EQ(*store->GetAppState(key), std::optional<std::string>("sent"));
    ASSERT_TRUE(store->PutAppState(key, std::string("\0binary\xff", 8)).ok());
    EXPECT_EQ(*store->GetAppState(key), std::optional<std::string>(std::string("\0binary\xff", 8)));
    ASSERT_TRUE(store->PutAppState("empty", "").ok());
    EXPECT_EQ(*store->GetAppState("empty"), std::optional<std::string>(""));

    // Limits: key 1..1 KiB, value <= 64 KiB.
    const std::string max_key(kMaxAppStateKeySize, 'k');
    const std::string max_value(kMaxAppStateValueSize, 'v');
    ASSERT_TRUE(store->PutAppState(max_key, max_value).ok());
    EXPECT_EQ(**store->GetAppState(max_key), max_value);
    EXPECT_EQ(store->PutAppState("", "v").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->PutAppState(max_key + "k", "v").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->PutAppState("k", max_value + "v").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->GetAppState("").status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->GetAppState(max_key + "k").status().code(), StatusCode::kInvalidArgument);

    // Keys named like the meta records do not touch them.
    ASSERT_TRUE(store->PutAppState(si::kSchemaVersionKey, "999").ok());
    ASSERT_TRUE(store->PutAppState(si::kArticleCountKey, "x").ok());
  }
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kMetaCf, si::kSchemaVersionKey),
            std::optional<std::string>("6"));
  EXPECT_EQ(*si::ReadRawForTesting(dir.str(), si::kMetaCf, "app/" + key),
            std::optional<std::string>(std::string("\0binary\xff", 8)));
  auto store = OpenOrDie(dir.str(), ReadOnly());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->GetAppState(key), std::optional<std::string>(std::string("\0binary\xff", 8)));
  EXPECT_EQ(*store->GetAppState(si::kSchemaVersionKey), std::optional<std::string>("999"));
  EXPECT_EQ(store->Stats()->schema_version, 6);
}

}  // namespace
}  // namespace mw
