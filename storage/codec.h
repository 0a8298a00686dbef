// mediawatch/storage/codec.h
//
// Private to storage/: the byte layouts of the RocksDB keys and values that
// docs/storage.md documents. Kept apart from the store so that the layouts can
// be unit-tested byte by byte, and so that decoding of damaged bytes is tested
// without a database.
//
// Every Decode* function accepts arbitrary bytes: damage yields kCorruption
// (or std::nullopt for keys), never a crash, an exception or a partial record.
//
// Thread safety: stateless functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace mw::storage_internal {

// First byte of every encoded value (articles, matches, feed_state). A value
// format that old builds cannot read gets a new byte *and* a schema version
// bump; adding a field (a new tag) needs neither, old builds skip unknown tags.
inline constexpr char kValueFormatV1 = 0x01;

// Article ids are 16 lower-case hex digits (ArticleIdForUrl).
inline constexpr size_t kArticleIdSize = 16;
bool IsValidArticleId(std::string_view id);

// The time an article is filed under: published, else fetched_at.
int64_t ArticleTime(const ArticleRecord& article);

// --- Values ---------------------------------------------------------------

std::string EncodeArticle(const ArticleRecord& article);
Result<ArticleRecord> DecodeArticle(std::string_view bytes);

std::string EncodeFeedState(const FeedState& state);
Result<FeedState> DecodeFeedState(std::string_view bytes);
// Article versions (schema version 5): key article id (16) + number (4 BE).
std::string EncodeVersion(const ArticleVersion& version);
Result<ArticleVersion> DecodeVersion(std::string_view bytes);
std::string VersionKey(std::string_view article_id, int number);
// rechecks: key due time (8) + article id (16), value: step, ASCII decimal.
std::string RecheckKey(int64_t due_at, std::string_view article_id);
std::optional<Recheck> DecodeRecheck(std::string_view key, std::string_view value);
// events: key time (8) + article id (16) + kind, value: version, ASCII decimal.
std::string EventKey(int64_t time, std::string_view article_id, std::string_view kind);
std::optional<ArticleEvent> DecodeEvent(std::string_view key, std::string_view value);

std::string EncodeRunState(const RunState& state);
Result<RunState> DecodeRunState(std::string_view bytes);
std::string EncodeHostState(const HostState& state);
Result<HostState> DecodeHostState(std::string_view bytes);

// Only the fields that are not part of the match key (kind, term, field,
// snippet, count); watchlist_id and target_id live in the key.
std::string EncodeMatchValue(const MatchRecord& match);
// Fills the value fields of `match`, leaving watchlist_id/target_id alone.
Status DecodeMatchValue(std::string_view bytes, MatchRecord* match);

// --- Keys -----------------------------------------------------------------

// 8 bytes, big-endian, sign bit flipped: byte order == numeric order, also
// for times before 1970.
std::string EncodeTime(int64_t time);
std::optional<int64_t> DecodeTime(std::string_view bytes);  // exactly 8 bytes

// Watch-list ids longer than this cannot be stored (2-byte length prefix).
inline constexpr size_t kMaxWatchlistIdSize = 0xFFFF;

// [u16 BE length][watch-list id]: every key of one watch-list, and no key of
// another, starts with this. Precondition: size <= kMaxWatchlistIdSize.
std::string MatchKeyPrefix(std::string_view watchlist_id);
// MatchKeyPrefix + EncodeTime(time) + article id (16) + target id (rest).
std::string MatchKey(std::string_view watchlist_id, int64_t time, std::string_view article_id,
                     std::string_view target_id);

struct MatchKeyParts {
  std::string_view watchlist_id;
  int64_t time = 0;
  std::string_view article_id;
  std::string_view target_id;
};
// Views into `key`; std::nullopt when the key is malformed.
std::optional<MatchKeyParts> DecodeMatchKey(std::string_view key);

// EncodeTime(time) + article id (16 bytes).
std::string ArticleTimeKey(int64_t time, std::string_view article_id);
struct ArticleTimeKeyParts {
  int64_t time = 0;
  std::string_view article_id;
};
std::optional<ArticleTimeKeyParts> DecodeArticleTimeKey(std::string_view key);

// The smallest key greater than every key starting with `prefix`, or "" when
// there is none (prefix empty or all 0xFF).
std::string PrefixSuccessor(std::string_view prefix);

// --- Secondary indexes (schema version 2) ----------------------------------
//
// Every index key starts with a *named time prefix*: [u16 BE length][name]
// [time 8], then the article id (16), then an optional suffix. One name's keys
// are contiguous and time-ordered, so "name X between since and until" is one
// range scan. Names longer than kMaxIndexNameSize cannot be indexed; the store
// refuses such articles.
inline constexpr size_t kMaxIndexNameSize = 0xFFFF;

// [u16 BE length][name]. Precondition: name.size() <= kMaxIndexNameSize.
std::string LengthPrefixed(std::string_view name);

struct IndexKeyParts {
  std::string_view name;
  int64_t time = 0;
  std::string_view article_id;
  std::string_view suffix;  // what follows the article id ("" if nothing)
};
// Views into `key`; std::nullopt when the key is too short or the id is not
// 16 lower-case hex digits.
std::optional<IndexKeyParts> DecodeIndexKey(std::string_view key);

// matches_by_target: LengthPrefixed(target) + time + article id + watch-list.
std::string TargetIndexKey(std::string_view target_id, int64_t time, std::string_view article_id,
                           std::string_view watchlist_id);

// articles_by_language: LengthPrefixed(primary subtag) + time + article id;
// the value is the full language tag as stored in the article.
std::string LanguageIndexKey(std::string_view language, int64_t time, std::string_view article_id);

// articles_by_source: kind byte + LengthPrefixed(name) + time + article id.
// An article has one key for its feed id and one for its outlet name.
inline constexpr char kSourceKindFeed = 'f';
inline constexpr char kSourceKindOutlet = 's';
std::string SourceIndexKey(char kind, std::string_view name, int64_t time,
                           std::string_view article_id);

// The value of an articles_by_source entry: the watch-lists that flagged the
// article, each as LengthPrefixed(id), in the order given. Empty when none.
std::string EncodeWatchlistSet(const std::vector<std::string>& watchlists);
std::optional<std::vector<std::string>> DecodeWatchlistSet(std::string_view bytes);

// The primary subtag of a BCP 47 tag, ASCII lower-cased: "zh-Hant" -> "zh",
// "EN_us" -> "en", "" -> "".
std::string PrimaryLanguageSubtag(std::string_view tag);

// The query's language filter: a bare primary subtag ("zh") matches every tag
// with that primary subtag ("zh", "zh-Hant"); a filter with subtags matches
// that tag only. ASCII case-insensitive, '_' equals '-'.
bool LanguageMatches(std::string_view filter, std::string_view tag);

// --- Fingerprints (schema version 4; band keys newest first since 5) --------
//
// The `fingerprints` family holds two kinds of keys, told apart by their
// first byte:
//   'n' band(8 BE) ~time(8) article id(16) -> simhash(8 BE) cluster id(16)
//       one key per SimHashBands() key of a fingerprinted article; a band's
//       keys are contiguous and ordered newest first (the time bytes are
//       complemented), so "the newest articles near time t sharing this
//       band" is one bounded *forward* range scan — forward because a
//       memtable iterator's Prev() is a fresh search, and the store reads 9
//       bands per insert — and the value gives the candidate's fingerprint
//       and cluster without a read. (Schema version 4 had the same keys
//       with kind 'b' and the time bytes uncomplemented; the v4 -> v5
//       migration rewrites them, so an interrupted one resumes.)
//   'c' cluster id(16) time(8) article id(16) -> empty
//       one key per fingerprinted article: the members of a cluster, oldest
//       first.
inline constexpr char kFingerprintBandKind = 'n';
inline constexpr char kFingerprintBandKindV4 = 'b';
inline constexpr char kFingerprintClusterKind = 'c';

// EncodeTime(time) with every bit complemented: byte order is newest first.
std::string NewestFirstTime(int64_t time);

// 'n' + band key (8 bytes big-endian): every key of one band starts with it.
std::string FingerprintBandPrefix(uint64_t band);
std::string FingerprintBandKey(uint64_t band, int64_t time, std::string_view article_id);
struct FingerprintBandKeyParts {
  uint64_t band = 0;
  int64_t time = 0;
  std::string_view article_id;
};
// Views into `key`; std::nullopt when malformed (size, kind, id).
std::optional<FingerprintBandKeyParts> DecodeFingerprintBandKey(std::string_view key);

struct FingerprintValue {
  uint64_t simhash = 0;
  std::string_view cluster_id;
};
std::string EncodeFingerprintValue(uint64_t simhash, std::string_view cluster_id);
// std::nullopt unless 24 bytes with a non-zero hash and a valid cluster id.
std::optional<FingerprintValue> DecodeFingerprintValue(std::string_view bytes);

// 'c' + cluster id (16).
std::string ClusterMemberPrefix(std::string_view cluster_id);
std::string ClusterMemberKey(std::string_view cluster_id, int64_t time,
                             std::string_view article_id);
struct ClusterMemberKeyParts {
  std::string_view cluster_id;
  int64_t time = 0;
  std::string_view article_id;
};
std::optional<ClusterMemberKeyParts> DecodeClusterMemberKey(std::string_view key);

// --- Alert outbox (schema version 6) ---------------------------------------
//
// The `alerts` family holds four kinds of keys, told apart by their first
// byte (docs/storage.md):
//   'p' time(created_at) alert id (rest)          -> alert record
//       the outbox: oldest created first, ties by id;
//   'i' alert id (rest)                            -> time(created_at) (8)
//       finds an alert's 'p' key from its id;
//   'd' u32 BE length + alert id, sink (rest)      -> delivery record
//       an alert's delivery states, by sink;
//   'h' LengthPrefixed(watch-list) ~time(created_at) alert id (rest)
//                                                  -> alert record with
//       completed_at and delivered_to: the history, newest first per
//       watch-list.
// Alert ids may be longer than 65535 bytes (they embed the watch-list id),
// hence the 4-byte length in 'd' keys.
inline constexpr char kAlertPendingKind = 'p';
inline constexpr char kAlertIndexKind = 'i';
inline constexpr char kAlertDeliveryKind = 'd';
inline constexpr char kAlertHistoryKind = 'h';

// Alert records: every AlertRecord field (completed_at and delivered_to
// only in history records). Decoding requires a non-empty id, watch-list and
// event and a valid article id.
std::string EncodeAlert(const AlertRecord& alert);
Result<AlertRecord> DecodeAlert(std::string_view bytes);

// Delivery records: every AlertDelivery field; the sink must be non-empty.
std::string EncodeDelivery(const AlertDelivery& delivery);
Result<AlertDelivery> DecodeDelivery(std::string_view bytes);

std::string AlertPendingKey(int64_t created_at, std::string_view alert_id);
struct AlertPendingKeyParts {
  int64_t created_at = 0;
  std::string_view alert_id;
};
// Views into `key`; std::nullopt when malformed (kind, size, empty id).
std::optional<AlertPendingKeyParts> DecodeAlertPendingKey(std::string_view key);

std::string AlertIndexKey(std::string_view alert_id);

// 'd' + u32 BE length + alert id: every delivery key of the alert, and no
// key of another alert, starts with it.
std::string AlertDeliveryPrefix(std::string_view alert_id);
std::string AlertDeliveryKey(std::string_view alert_id, std::string_view sink);
struct AlertDeliveryKeyParts {
  std::string_view alert_id;
  std::string_view sink;
};
std::optional<AlertDeliveryKeyParts> DecodeAlertDeliveryKey(std::string_view key);

// 'h' + LengthPrefixed(watch-list). Precondition: size <= kMaxWatchlistIdSize.
std::string AlertHistoryPrefix(std::string_view watchlist_id);
std::string AlertHistoryKey(std::string_view watchlist_id, int64_t created_at,
                            std::string_view alert_id);
struct AlertHistoryKeyParts {
  std::string_view watchlist_id;
  int64_t created_at = 0;
  std::string_view alert_id;
};
std::optional<AlertHistoryKeyParts> DecodeAlertHistoryKey(std::string_view key);

// --- App state ---------------------------------------------------------------

// Meta (default) family key of app state record `key`: kAppStatePrefix +
// key. No other meta key starts with the prefix.
inline constexpr std::string_view kAppStatePrefix = "app/";
std::string AppStateKey(std::string_view key);

}  // namespace mw::storage_internal
