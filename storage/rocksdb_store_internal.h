// mediawatch/storage/rocksdb_store_internal.h
//
// Private to storage/ and its tests: constants of the RocksDB layout and raw
// access hooks that let tests plant a bogus schema version or damaged bytes
// without linking RocksDB themselves. Production code must not call the
// *ForTesting functions.
//
// Thread safety: the hooks open the database themselves, so no Store may be
// open on `dir` while they run (they fail with kIoError if one is).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw::storage_internal {

// The key layout version this build reads and writes (docs/storage.md).
// Older versions are migrated in place on a writable open: 1 (no secondary
// indexes) -> 2 (indexes) -> 3 (article text in its own column family) -> 4
// (fingerprints: syndication clusters) -> 5 (raw HTML archive; fingerprint
// band keys newest first; versions, re-fetch schedule and change events) ->
// 6 (the alert outbox and history).
inline constexpr int kSchemaVersion = 6;
inline constexpr int kOldestMigratableVersion = 1;

// Column family names.
inline constexpr std::string_view kMetaCf = "default";
inline constexpr std::string_view kArticlesCf = "articles";
inline constexpr std::string_view kUrlIndexCf = "url_index";
inline constexpr std::string_view kMatchesCf = "matches";
inline constexpr std::string_view kArticlesByTimeCf = "articles_by_time";
inline constexpr std::string_view kFeedStateCf = "feed_state";
inline constexpr std::string_view kHostStateCf = "host_state";
// Since schema version 2.
inline constexpr std::string_view kMatchesByTargetCf = "matches_by_target";
inline constexpr std::string_view kArticlesByLanguageCf = "articles_by_language";
inline constexpr std::string_view kArticlesBySourceCf = "articles_by_source";
// Since schema version 3.
inline constexpr std::string_view kArticleTextCf = "article_text";
// Since schema version 4.
inline constexpr std::string_view kFingerprintsCf = "fingerprints";
// Since schema version 5.
inline constexpr std::string_view kRawHtmlCf = "raw_html";
inline constexpr std::string_view kVersionsCf = "versions";
inline constexpr std::string_view kRechecksCf = "rechecks";
inline constexpr std::string_view kEventsCf = "events";
// Since schema version 6.
inline constexpr std::string_view kAlertsCf = "alerts";

// The compression of article_text in this librocksdb build: "zstd", else
// "lz4", "snappy" or "none" (docs/storage.md).
std::string TextCompressionName();

// Keys in the meta (default) column family.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kArticleCountKey = "count.articles";
inline constexpr std::string_view kMatchCountKey = "count.matches";
inline constexpr std::string_view kRunStateKey = "run_state";
// App state records are kAppStatePrefix ("app/", storage/codec.h) + key.

// Creates a new RocksDB database in `dir` with exactly the column families
// "default" + `column_families` and nothing in them: the shell of a database
// written by an older build, or a foreign one.
Status CreateDatabaseForTesting(const std::string& dir,
                                const std::vector<std::string>& column_families);

// Writes `value` (or deletes the key when std::nullopt) in an existing
// database, bypassing every check of the store. Opens the column families
// the database has, and creates none.
Status WriteRawForTesting(const std::string& dir, std::string_view column_family,
                          std::string_view key, std::optional<std::string_view> value);

// Reads one raw value; std::nullopt when the key is absent.
Result<std::optional<std::string>> ReadRawForTesting(const std::string& dir,
                                                     std::string_view column_family,
                                                     std::string_view key);

}  // namespace mw::storage_internal
