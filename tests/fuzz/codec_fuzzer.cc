// Fuzz target: the RocksDB record decoders (storage/codec.h). Stored bytes
// may be damaged (disk, a crashed writer, an older or newer build), and
// every Decode* must turn any bytes into a value or an error.
//
// Input: byte 0 picks the decoder; the rest is the stored value or key.
// Bytes below 0xF0 pick the original seven decoders (byte % 7, so the older
// corpus keeps its meaning); 0xF0 and up pick the alert outbox decoders of
// schema version 6 ((byte - 0xF0) % 5: alert record, delivery record,
// outbox key, delivery key, history key).
//
// Invariants:
//   - values (article, feed state, host state, match): a decoded value
//     re-encodes to bytes that decode to the same value, field by field, and
//     re-encode to the same bytes; a failed DecodeMatchValue leaves its
//     output untouched, a successful one leaves watchlist_id/target_id
//     alone; decoded articles have a valid id and a url;
//   - keys (match key, article time key, time, alert outbox, delivery and
//     history keys): a decoded key re-encodes to exactly the input bytes
//     (the layouts have no redundancy);
//   - alert and delivery records round-trip like the values above; decoded
//     alerts have an id, a watch-list, an event and a valid article id,
//     decoded deliveries a sink.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace si = mw::storage_internal;

bool Same(const mw::ArticleRecord& a, const mw::ArticleRecord& b) {
  return a.id == b.id && a.url == b.url && a.fetched_url == b.fetched_url &&
         a.feed_id == b.feed_id && a.source == b.source && a.language == b.language &&
         a.title == b.title && a.text == b.text && a.byline == b.byline && a.charset == b.charset &&
         a.published == b.published && a.fetched_at == b.fetched_at;
}

bool Same(const mw::FeedState& a, const mw::FeedState& b) {
  return a.feed_id == b.feed_id && a.url == b.url && a.etag == b.etag &&
         a.last_modified == b.last_modified && a.last_fetch_at == b.last_fetch_at &&
         a.last_success_at == b.last_success_at && a.last_http_status == b.last_http_status &&
         a.last_error == b.last_error && a.consecutive_failures == b.consecutive_failures &&
         a.articles_stored == b.articles_stored && a.config_url == b.config_url &&
         a.next_poll_at == b.next_poll_at && a.interval_seconds == b.interval_seconds &&
         a.last_new_entry_at == b.last_new_entry_at && a.polls == b.polls && a.retired == b.retired;
}

bool Same(const mw::HostState& a, const mw::HostState& b) {
  return a.host == b.host && a.robots_body == b.robots_body && a.robots_status == b.robots_status &&
         a.robots_fetched_at == b.robots_fetched_at && a.robots_expires_at == b.robots_expires_at;
}

bool Same(const mw::MatchRecord& a, const mw::MatchRecord& b) {
  return a.watchlist_id == b.watchlist_id && a.target_id == b.target_id && a.kind == b.kind &&
         a.term == b.term && a.field == b.field && a.snippet == b.snippet && a.count == b.count;
}

bool Same(const mw::AlertRecord& a, const mw::AlertRecord& b) {
  return a.id == b.id && a.watchlist_id == b.watchlist_id && a.article_id == b.article_id &&
         a.event == b.event && a.version == b.version && a.created_at == b.created_at &&
         a.target_ids == b.target_ids && a.completed_at == b.completed_at &&
         a.delivered_to == b.delivered_to;
}

bool Same(const mw::AlertDelivery& a, const mw::AlertDelivery& b) {
  return a.sink == b.sink && a.attempts == b.attempts && a.next_attempt_at == b.next_attempt_at &&
         a.delivered_at == b.delivered_at && a.batch_id == b.batch_id &&
         a.last_error == b.last_error;
}

// Decode -> encode -> decode -> encode for one value type.
template <typename T, typename Decode, typename Encode>
void RoundTrip(std::string_view bytes, Decode decode, Encode encode) {
  mw::Result<T> first = decode(bytes);
  if (!first.ok()) {
    MW_FUZZ_CHECK(first.status().code() == mw::StatusCode::kCorruption);
    return;
  }
  const std::string encoded = encode(*first);
  mw::Result<T> second = decode(encoded);
  MW_FUZZ_CHECK(second.ok());
  MW_FUZZ_CHECK(Same(*first, *second));
  MW_FUZZ_CHECK(encode(*second) == encoded);
}

void FuzzArticle(std::string_view bytes) {
  RoundTrip<mw::ArticleRecord>(
      bytes, [](std::string_view b) { return si::DecodeArticle(b); },
      [](const mw::ArticleRecord& a) { return si::EncodeArticle(a); });
  mw::Result<mw::ArticleRecord> a = si::DecodeArticle(bytes);
  if (a.ok()) {
    MW_FUZZ_CHECK(si::IsValidArticleId(a->id));
    MW_FUZZ_CHECK(!a->url.empty());
  }
}

void FuzzMatchValue(std::string_view bytes) {
  mw::MatchRecord sentinel;
  sentinel.watchlist_id = "wl";
  sentinel.target_id = "target";
  sentinel.kind = "sentinel-kind";
  sentinel.term = "sentinel-term";
  sentinel.field = "sentinel-field";
  sentinel.snippet = "sentinel-snippet";
  sentinel.count = -7;
  mw::MatchRecord m = sentinel;
  const mw::Status s = si::DecodeMatchValue(bytes, &m);
  if (!s.ok()) {
    MW_FUZZ_CHECK(s.code() == mw::StatusCode::kCorruption);
    MW_FUZZ_CHECK(Same(m, sentinel));
    return;
  }
  MW_FUZZ_CHECK(m.watchlist_id == sentinel.watchlist_id && m.target_id == sentinel.target_id);
  const std::string encoded = si::EncodeMatchValue(m);
  mw::MatchRecord again = sentinel;
  MW_FUZZ_CHECK(si::DecodeMatchValue(encoded, &again).ok());
  MW_FUZZ_CHECK(Same(m, again));
  MW_FUZZ_CHECK(si::EncodeMatchValue(again) == encoded);
}

void FuzzMatchKey(std::string_view bytes) {
  const std::optional<si::MatchKeyParts> k = si::DecodeMatchKey(bytes);
  if (!k.has_value()) return;
  MW_FUZZ_CHECK(k->watchlist_id.size() <= si::kMaxWatchlistIdSize);
  MW_FUZZ_CHECK(si::MatchKey(k->watchlist_id, k->time, k->article_id, k->target_id) == bytes);
  const std::string prefix = si::MatchKeyPrefix(k->watchlist_id);
  MW_FUZZ_CHECK(bytes.substr(0, prefix.size()) == prefix);
  const std::string successor = si::PrefixSuccessor(prefix);
  if (!successor.empty()) MW_FUZZ_CHECK(std::string(bytes) < successor);
}

void FuzzArticleTimeKey(std::string_view bytes) {
  const std::optional<si::ArticleTimeKeyParts> k = si::DecodeArticleTimeKey(bytes);
  if (!k.has_value()) return;
  MW_FUZZ_CHECK(si::ArticleTimeKey(k->time, k->article_id) == bytes);
}

void FuzzTime(std::string_view bytes) {
  const std::optional<int64_t> t = si::DecodeTime(bytes);
  MW_FUZZ_CHECK(t.has_value() == (bytes.size() == 8));
  if (t.has_value()) MW_FUZZ_CHECK(si::EncodeTime(*t) == bytes);
}

void FuzzAlert(std::string_view bytes) {
  RoundTrip<mw::AlertRecord>(
      bytes, [](std::string_view b) { return si::DecodeAlert(b); },
      [](const mw::AlertRecord& a) { return si::EncodeAlert(a); });
  mw::Result<mw::AlertRecord> a = si::DecodeAlert(bytes);
  if (a.ok()) {
    MW_FUZZ_CHECK(!a->id.empty() && !a->watchlist_id.empty() && !a->event.empty());
    MW_FUZZ_CHECK(si::IsValidArticleId(a->article_id));
  }
}

void FuzzDelivery(std::string_view bytes) {
  RoundTrip<mw::AlertDelivery>(
      bytes, [](std::string_view b) { return si::DecodeDelivery(b); },
      [](const mw::AlertDelivery& d) { return si::EncodeDelivery(d); });
  mw::Result<mw::AlertDelivery> d = si::DecodeDelivery(bytes);
  if (d.ok()) MW_FUZZ_CHECK(!d->sink.empty());
}

void FuzzAlertPendingKey(std::string_view bytes) {
  const std::optional<si::AlertPendingKeyParts> k = si::DecodeAlertPendingKey(bytes);
  if (!k.has_value()) return;
  MW_FUZZ_CHECK(!k->alert_id.empty());
  MW_FUZZ_CHECK(si::AlertPendingKey(k->created_at, k->alert_id) == bytes);
}

void FuzzAlertDeliveryKey(std::string_view bytes) {
  const std::optional<si::AlertDeliveryKeyParts> k = si::DecodeAlertDeliveryKey(bytes);
  if (!k.has_value()) return;
  MW_FUZZ_CHECK(!k->alert_id.empty() && !k->sink.empty());
  MW_FUZZ_CHECK(si::AlertDeliveryKey(k->alert_id, k->sink) == bytes);
  const std::string prefix = si::AlertDeliveryPrefix(k->alert_id);
  MW_FUZZ_CHECK(bytes.substr(0, prefix.size()) == prefix);
}

void FuzzAlertHistoryKey(std::string_view bytes) {
  const std::optional<si::AlertHistoryKeyParts> k = si::DecodeAlertHistoryKey(bytes);
  if (!k.has_value()) return;
  MW_FUZZ_CHECK(!k->watchlist_id.empty() && !k->alert_id.empty());
  MW_FUZZ_CHECK(k->watchlist_id.size() <= si::kMaxWatchlistIdSize);
  MW_FUZZ_CHECK(si::AlertHistoryKey(k->watchlist_id, k->created_at, k->alert_id) == bytes);
  const std::string successor = si::PrefixSuccessor(si::AlertHistoryPrefix(k->watchlist_id));
  if (!successor.empty()) MW_FUZZ_CHECK(std::string(bytes) < successor);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mw::fuzz::FuzzInput in(data, size);
  const uint8_t which = in.TakeByte();
  const std::string_view bytes = in.rest();
  if (which >= 0xF0) {
    switch ((which - 0xF0) % 5) {
      case 0:
        FuzzAlert(bytes);
        break;
      case 1:
        FuzzDelivery(bytes);
        break;
      case 2:
        FuzzAlertPendingKey(bytes);
        break;
      case 3:
        FuzzAlertDeliveryKey(bytes);
        break;
      case 4:
        FuzzAlertHistoryKey(bytes);
        break;
    }
    return 0;
  }
  switch (which % 7) {
    case 0:
      FuzzArticle(bytes);
      break;
    case 1:
      RoundTrip<mw::FeedState>(
          bytes, [](std::string_view b) { return si::DecodeFeedState(b); },
          [](const mw::FeedState& s) { return si::EncodeFeedState(s); });
      break;
    case 2:
      RoundTrip<mw::HostState>(
          bytes, [](std::string_view b) { return si::DecodeHostState(b); },
          [](const mw::HostState& s) { return si::EncodeHostState(s); });
      break;
    case 3:
      FuzzMatchValue(bytes);
      break;
    case 4:
      FuzzMatchKey(bytes);
      break;
    case 5:
      FuzzArticleTimeKey(bytes);
      break;
    case 6:
      FuzzTime(bytes);
      break;
  }
  return 0;
}
