// mediawatch/storage/rocksdb_store.cc
//
// The RocksDB implementation of Store. Key and value layouts are in
// storage/codec.h and documented in docs/storage.md; this file owns the
// database lifetime, the options, the schema check and the queries.
//
// RocksDB never throws; every rocksdb::Status is converted with FromRocks()
// before it leaves this file, and no RocksDB type appears in a public header.
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "storage/codec.h"
#include "storage/rocksdb_store_internal.h"
#include "storage/store.h"
#include "text/simhash.h"

namespace mw {
namespace storage_internal {
namespace {

// Column family indexes into OpenedDb::handles; the order of kCfNames.
enum CfIndex : size_t {
  kMeta = 0,
  kArticles,
  kUrlIndex,
  kMatches,
  kArticlesByTime,
  kFeedState,
  kHostState,
  kMatchesByTarget,
  kArticlesByLanguage,
  kArticlesBySource,
  kArticleText,
  kFingerprints,
  kRawHtml,
  kVersions,
  kRechecks,
  kEvents,
  kAlerts,
  kNumCfs,
};
constexpr std::array<std::string_view, kNumCfs> kCfNames = {kMetaCf,
                                                            kArticlesCf,
                                                            kUrlIndexCf,
                                                            kMatchesCf,
                                                            kArticlesByTimeCf,
                                                            kFeedStateCf,
                                                            kHostStateCf,
                                                            kMatchesByTargetCf,
                                                            kArticlesByLanguageCf,
                                                            kArticlesBySourceCf,
                                                            kArticleTextCf,
                                                            kFingerprintsCf,
                                                            kRawHtmlCf,
                                                            kVersionsCf,
                                                            kRechecksCf,
                                                            kEventsCf,
                                                            kAlertsCf};

bool IsOurFamily(std::string_view name) {
  return std::find(kCfNames.begin(), kCfNames.end(), name) != kCfNames.end();
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(context) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(message));
  if (s.IsNotFound()) return Status::NotFound(std::move(message));
  if (s.IsNotSupported()) return Status::Unsupported(std::move(message));
  // RocksDB's InvalidArgument means we misused it, not that the caller did.
  if (s.IsInvalidArgument()) return Status::Internal(std::move(message));
  return Status::IoError(std::move(message));
}

// Open errors get a message an operator can act on; the lock case is the
// common one (a second `mediawatch crawl` on the same directory).
Status OpenError(const rocksdb::Status& s, const std::string& dir) {
  const std::string text = s.ToString();
  if (s.IsIOError() && (text.find("While lock file") != std::string::npos ||
                        text.find("lock hold by current process") != std::string::npos)) {
    return Status::IoError("database " + dir + " is locked by another mediawatch process (" + text +
                           ")");
  }
  return FromRocks(s, "cannot open database " + dir);
}

// The best compression this librocksdb build offers for article text.
rocksdb::CompressionType TextCompression() {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType type) {
    return std::find(supported.begin(), supported.end(), type) != supported.end();
  };
  if (has(rocksdb::kZSTD)) return rocksdb::kZSTD;
  if (has(rocksdb::kLZ4Compression)) return rocksdb::kLZ4Compression;
  if (has(rocksdb::kSnappyCompression)) return rocksdb::kSnappyCompression;
  return rocksdb::kNoCompression;
}

// The codec for the levels above the bottommost: LZ4 when the build has it,
// else `strong`.
rocksdb::CompressionType FastCompression(rocksdb::CompressionType strong) {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()) {
    return rocksdb::kLZ4Compression;
  }
  return strong;
}

struct DbConfig {
  rocksdb::DBOptions db;
  rocksdb::ColumnFamilyOptions base;      // families read by key (Get)
  rocksdb::ColumnFamilyOptions scan;      // base without Bloom filters
  rocksdb::ColumnFamilyOptions articles;  // base + stronger compression
  rocksdb::ColumnFamilyOptions text;      // articles + larger blocks, no filters

  const rocksdb::ColumnFamilyOptions& For(std::string_view name) const {
    if (name == kArticlesCf) return articles;
    if (name == kArticleTextCf || name == kRawHtmlCf || name == kVersionsCf) return text;
    if (name == kFingerprintsCf || name == kMatchesCf || name == kMatchesByTargetCf ||
        name == kArticlesByTimeCf || name == kRechecksCf || name == kEventsCf) {
      return scan;
    }
    return base;
  }
};

// Sized for a small always-on machine: a crawler stores a few thousand
// articles a day, so memory matters more than write throughput.
DbConfig MakeConfig(bool read_only, bool create_if_missing) {
  DbConfig c;
  c.db.create_if_missing = create_if_missing && !read_only;
  c.db.create_missing_column_families = !read_only;
  c.db.paranoid_checks = true;
  c.db.max_open_files = 512;
  c.db.max_background_jobs = 2;
  c.db.db_write_buffer_size = 32 << 20;  // all memtables together
  c.db.keep_log_file_num = 4;
  c.db.max_log_file_size = 4 << 20;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(16 << 20);  // shared by all families
  // Point lookups dominate (url_index on every fetched URL, articles by id):
  // Bloom filters make the common "not stored yet" answer cheap.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  c.base.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  c.base.write_buffer_size = 4 << 20;
  c.base.max_write_buffer_number = 2;
  c.base.target_file_size_base = 8 << 20;
  c.base.max_bytes_for_level_base = 64 << 20;
  c.base.level_compaction_dynamic_level_bytes = true;

  // Families only ever read by iterators (prefix and range scans) get no
  // Bloom filter: a filter serves Get alone, yet costs CPU in every flush
  // and compaction and room in the shared block cache, where it competes
  // with the url_index and articles filters that every new article's
  // "already stored?" lookups need. The fingerprint bands alone hold ten
  // keys per article. bench/ingest_bench, 1M articles, 2 threads, two
  // alternating runs each: 5,859 and 5,874 articles/s (280 and 285 us CPU
  // per article) without these filters, 4,793 and 5,708 (338 and 292 us)
  // with them.
  rocksdb::BlockBasedTableOptions scan_table = table;
  scan_table.filter_policy.reset();
  c.scan = c.base;
  c.scan.table_factory.reset(rocksdb::NewBlockBasedTableFactory(scan_table));

  // Records and text: the strong codec (zstd) only where data comes to rest,
  // in the bottommost level; flushes and the compactions above it use a
  // fast one (LZ4). With zstd at every level, compressing the same bytes
  // again on each compaction was a third of the ingest CPU.
  c.articles = c.base;
  c.articles.bottommost_compression = TextCompression();
  c.articles.compression = FastCompression(c.articles.bottommost_compression);

  // Article text is read whole and rarely (article view, export), never by
  // queries: 32 KiB blocks hold several articles each, which compresses
  // news prose (and CJK in UTF-8) much better than 4 KiB blocks. Most
  // lookups are hits, so no Bloom filter.
  rocksdb::BlockBasedTableOptions text_table = table;
  text_table.filter_policy.reset();
  text_table.block_size = 32 << 10;
  c.text = c.articles;
  c.text.table_factory.reset(rocksdb::NewBlockBasedTableFactory(text_table));
  // Text is most of the bytes written (several KB per article against
  // ~100 B per index key): with the base 4 MB memtable it was flushed every
  // few hundred articles, and the L0 files compacted again and again into
  // the zstd bottommost level. A 16 MB memtable (still within the 32 MB
  // db_write_buffer_size shared by all families) flushes a quarter as
  // often: bench/run_load_bench, cold pass of 40,000 articles, RocksDB
  // background CPU 0.19 -> 0.07-0.08 ms per article, crawler CPU 2.94 ->
  // 2.78-2.80 ms per article. A 32 MB one (with a 64 MB budget) gained
  // nothing more and cost 35 MB of RSS.
  c.text.write_buffer_size = 16 << 20;
  return c;
}

using HandlePtr = std::unique_ptr<rocksdb::ColumnFamilyHandle>;

// An open database. Members are destroyed in reverse order, so the column
// family handles are released before the DB, as RocksDB requires.
struct OpenedDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<HandlePtr> handles;  // kCfNames order, then families we don't know

  rocksdb::ColumnFamilyHandle* cf(CfIndex i) const { return handles[i].get(); }
};

// A non-empty `secondary_path` opens a RocksDB secondary instance (a
// follower, StoreOptions::follow) keeping its own files there.
Result<OpenedDb> OpenWithDescriptors(const std::string& dir, const rocksdb::DBOptions& options,
                                     bool read_only,
                                     std::vector<rocksdb::ColumnFamilyDescriptor> descriptors,
                                     const std::string& secondary_path = std::string()) {
  rocksdb::DB* raw_db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  rocksdb::Status s;
  if (!secondary_path.empty()) {
    s = rocksdb::DB::OpenAsSecondary(options, dir, secondary_path, descriptors, &raw_handles,
                                     &raw_db);
  } else if (read_only) {
    s = rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &raw_handles, &raw_db);
  } else {
    s = rocksdb::DB::Open(options, dir, descriptors, &raw_handles, &raw_db);
  }
  OpenedDb opened;
  opened.db.reset(raw_db);
  for (rocksdb::ColumnFamilyHandle* handle : raw_handles) opened.handles.emplace_back(handle);
  if (!s.ok()) return OpenError(s, dir);
  if (opened.db == nullptr || opened.handles.size() != descriptors.size()) {
    return Status::Internal("RocksDB opened " + dir + " without all column family handles");
  }
  return opened;
}

// Opens exactly the column families `dir` has, creating nothing: for the
// schema probe and the test hooks. handles[i] is the family existing[i].
Result<OpenedDb> OpenExisting(const std::string& dir, bool read_only,
                              std::vector<std::string>* names) {
  const DbConfig config = MakeConfig(/*read_only=*/true, /*create_if_missing=*/false);
  rocksdb::DBOptions options = config.db;
  options.create_missing_column_families = false;
  const rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, dir, names);
  if (!s.ok()) return OpenError(s, dir);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : *names) {
    descriptors.emplace_back(name, config.For(name));
  }
  return OpenWithDescriptors(dir, options, read_only, std::move(descriptors));
}

// Opens the database in `dir` (which must exist unless creating) with every
// column family of this build plus any the directory has that we do not know
// (a newer build's). Writable opens create missing families; callers decide
// with ProbeSchema() first whether that is allowed. A non-empty
// `secondary_path` opens a read-only follower (StoreOptions::follow).
Result<OpenedDb> OpenDb(const std::string& dir, bool read_only, bool create_if_missing,
                        const std::string& secondary_path = std::string()) {
  DbConfig config = MakeConfig(read_only, create_if_missing);
  if (!secondary_path.empty()) {
    // RocksDB requires it of a secondary: it keeps every table file it uses
    // open, so the writer's compactions can delete them under it.
    config.db.max_open_files = -1;
    // Each catch-up logs several INFO lines; a follower refreshing every
    // few seconds would fill its private directory with them.
    config.db.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kNumCfs; ++i) {
    descriptors.emplace_back(std::string(kCfNames[i]), config.For(kCfNames[i]));
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(std::filesystem::path(dir) / "CURRENT", ec)) {
    std::vector<std::string> existing;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(config.db, dir, &existing);
    if (!s.ok()) return OpenError(s, dir);
    for (const std::string& name : existing) {
      if (!IsOurFamily(name)) descriptors.emplace_back(name, config.base);
    }
    if (read_only) {
      for (std::string_view name : kCfNames) {
        if (std::find(existing.begin(), existing.end(), name) == existing.end()) {
          return Status::Corruption("database " + dir + " lacks column family " +
                                    std::string(name) + "; open it once for writing to repair");
        }
      }
    }
  }
  return OpenWithDescriptors(dir, config.db, read_only, std::move(descriptors), secondary_path);
}

// A new directory of its own under the system temp directory ($TMPDIR, else
// /tmp; mode 0700), removed with its contents on destruction: a follower's
// RocksDB working directory. mkdtemp makes the name unique, so followers in
// several processes (or one) never share one.
class PrivateDir {
 public:
  static Result<std::unique_ptr<PrivateDir>> Create(const std::string& prefix) {
    std::error_code ec;
    const std::filesystem::path temp = std::filesystem::temp_directory_path(ec);
    if (ec) return Status::IoError("no temporary directory: " + ec.message());
    std::string pattern = (temp / (prefix + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Status::IoError("cannot create a directory in " + temp.string() + ": " +
                             std::generic_category().message(errno));
    }
    return std::unique_ptr<PrivateDir>(new PrivateDir(std::move(pattern)));
  }
  ~PrivateDir() {
    std::error_code ec;  // best effort: nothing to report it to
    std::filesystem::remove_all(path_, ec);
  }
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit PrivateDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Strict decimal: meta records are written by us, anything else is damage.
std::optional<int64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

Result<std::optional<std::string>> GetRaw(const OpenedDb& db, const rocksdb::ReadOptions& ro,
                                          CfIndex cf, std::string_view key) {
  std::string value;
  const rocksdb::Status s = db.db->Get(ro, db.cf(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading " + std::string(kCfNames[cf]));
  return std::optional<std::string>(std::move(value));
}

Result<int64_t> CountKeys(const OpenedDb& db, const rocksdb::ReadOptions& ro, CfIndex cf) {
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.cf(cf)));
  int64_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  MW_RETURN_IF_ERROR(FromRocks(it->status(), "counting " + std::string(kCfNames[cf])));
  return count;
}

// The schema version record: a positive decimal, else damage.
Result<int> ParseVersion(const std::string& text, const std::string& dir) {
  const std::optional<int64_t> number = ParseDecimal(text);
  if (!number.has_value() || *number < 1 || *number > 1000000) {
    return Status::Corruption("unreadable schema version record \"" + text + "\" in " + dir +
                              " (this build reads version " + std::to_string(kSchemaVersion) + ")");
  }
  return static_cast<int>(*number);
}

Status NewerVersionError(int version) {
  return Status::Unsupported("database schema version " + std::to_string(version) +
                             " is newer than this build supports (" +
                             std::to_string(kSchemaVersion) + "); upgrade mediawatch");
}

Status OlderReadOnlyError(int version) {
  return Status::Unsupported("database schema version " + std::to_string(version) +
                             " is older than this build's (" + std::to_string(kSchemaVersion) +
                             "); open it once for writing (e.g. mediawatch crawl) to migrate it");
}

// What a read-only look at an existing database found.
struct Probe {
  int version = 0;  // 0: an empty database without a version record
};

// Looks at an existing database without changing a byte (read-only open,
// no families created) and decides whether this build may open it. Errors:
// kInvalidArgument for a foreign RocksDB, kUnsupported for a newer version,
// kCorruption for damage.
Result<Probe> ProbeSchema(const std::string& dir) {
  std::vector<std::string> names;
  Result<OpenedDb> db = OpenExisting(dir, /*read_only=*/true, &names);
  if (!db.ok()) return db.status();
  // handles[i] belongs to names[i]; "default" is always there.
  auto handle = [&](std::string_view name) -> rocksdb::ColumnFamilyHandle* {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return db->handles[i].get();
    }
    return nullptr;
  };
  const rocksdb::ReadOptions ro;
  std::string value;
  rocksdb::Status s = db->db->Get(ro, handle(kMetaCf), ToSlice(kSchemaVersionKey), &value);
  if (s.ok()) {
    Result<int> version = ParseVersion(value, dir);
    if (!version.ok()) return version.status();
    if (*version > kSchemaVersion) return NewerVersionError(*version);
    return Probe{*version};
  }
  if (!s.IsNotFound()) return FromRocks(s, "reading the schema version of " + dir);

  // No version record. Every database this project ever wrote got one in its
  // first writable open, so this is either a shell whose first open died
  // before stamping it (our families, all empty: adopt it) or not ours.
  std::string foreign;
  for (const std::string& name : names) {
    if (!IsOurFamily(name)) foreign += (foreign.empty() ? "" : ", ") + name;
  }
  if (!foreign.empty()) {
    return Status::InvalidArgument("database " + dir +
                                   " is not a mediawatch database (no schema version record; "
                                   "unknown column families: " +
                                   foreign + "); nothing was changed");
  }
  for (const std::string& name : names) {
    std::unique_ptr<rocksdb::Iterator> it(db->db->NewIterator(ro, handle(name)));
    it->SeekToFirst();
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading " + name));
    if (!it->Valid()) continue;
    if (names.size() == 1) {
      return Status::InvalidArgument("database " + dir +
                                     " is not a mediawatch database (no schema version record, "
                                     "data in the default column family only); nothing was "
                                     "changed");
    }
    return Status::Corruption("database " + dir + " holds data in " + name +
                              " but no schema version record");
  }
  return Probe{0};
}

// The watch-lists among `matches`, sorted and distinct.
std::vector<std::string> WatchlistsOf(const std::vector<MatchRecord>& matches) {
  std::set<std::string> ids;
  for (const MatchRecord& m : matches) ids.insert(m.watchlist_id);
  return std::vector<std::string>(ids.begin(), ids.end());
}

// The articles_by_language and articles_by_source entries of one article
// (schema version 2). Puts are idempotent, which the migration relies on.
void PutArticleIndexes(const OpenedDb& db, const ArticleRecord& article,
                       const std::vector<std::string>& watchlists, rocksdb::WriteBatch* batch) {
  const int64_t time = ArticleTime(article);
  batch->Put(db.cf(kArticlesByLanguage), LanguageIndexKey(article.language, time, article.id),
             article.language);
  const std::string flagged_by = EncodeWatchlistSet(watchlists);
  if (!article.feed_id.empty()) {
    batch->Put(db.cf(kArticlesBySource),
               SourceIndexKey(kSourceKindFeed, article.feed_id, time, article.id), flagged_by);
  }
  if (!article.source.empty()) {
    batch->Put(db.cf(kArticlesBySource),
               SourceIndexKey(kSourceKindOutlet, article.source, time, article.id), flagged_by);
  }
}

// Flushes `batch` every this many entries during a migration: bounded memory
// whatever the size of the database.
constexpr int kMigrationBatchEntries = 1000;

Status FlushMigrationBatch(const OpenedDb& db, rocksdb::WriteBatch* batch) {
  if (batch->Count() == 0) return Status::Ok();
  Status s = FromRocks(db.db->Write(rocksdb::WriteOptions(), batch), "migrating");
  batch->Clear();
  return s;
}

// Version 1 -> 2: builds matches_by_target, articles_by_language and
// articles_by_source from the matches and articles families. Idempotent: if
// it is interrupted the version stays 1 and the next writable open redoes it
// from the start, rewriting the same entries.
Status MigrateV1ToV2(const OpenedDb& db) {
  const rocksdb::ReadOptions ro;
  rocksdb::WriteBatch batch;
  // Article id -> the watch-lists that flagged it. Only flagged articles
  // (a few percent) are in it.
  std::map<std::string, std::set<std::string>> flagged;
  {
    std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.cf(kMatches)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::optional<MatchKeyParts> parts = DecodeMatchKey(ToView(it->key()));
      if (!parts.has_value()) return Status::Corruption("malformed key in matches (migration)");
      batch.Put(
          db.cf(kMatchesByTarget),
          TargetIndexKey(parts->target_id, parts->time, parts->article_id, parts->watchlist_id),
          rocksdb::Slice());
      flagged[std::string(parts->article_id)].emplace(parts->watchlist_id);
      if (batch.Count() >= kMigrationBatchEntries) {
        MW_RETURN_IF_ERROR(FlushMigrationBatch(db, &batch));
      }
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "migrating matches"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.cf(kArticles)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Result<ArticleRecord> article = DecodeArticle(ToView(it->value()));
      if (!article.ok()) return article.status().WithContext("migrating");
      std::vector<std::string> watchlists;
      if (auto found = flagged.find(article->id); found != flagged.end()) {
        watchlists.assign(found->second.begin(), found->second.end());
      }
      PutArticleIndexes(db, *article, watchlists, &batch);
      if (batch.Count() >= kMigrationBatchEntries) {
        MW_RETURN_IF_ERROR(FlushMigrationBatch(db, &batch));
      }
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "migrating articles"));
  }
  MW_RETURN_IF_ERROR(FlushMigrationBatch(db, &batch));
  return Status::Ok();
}

// Version 2 -> 3: moves each article's text out of its record into
// article_text. The two puts of one article share a batch, so an article is
// always complete; records already without text are skipped, so an
// interrupted migration resumes where it stopped when it is run again.
Status MigrateV2ToV3(const OpenedDb& db) {
  const rocksdb::ReadOptions ro;
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.cf(kArticles)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Result<ArticleRecord> article = DecodeArticle(ToView(it->value()));
    if (!article.ok()) return article.status().WithContext("migrating");
    if (article->text.empty()) continue;
    batch.Put(db.cf(kArticleText), article->id, article->text);
    article->text.clear();
    batch.Put(db.cf(kArticles), article->id, EncodeArticle(*article));
    if (batch.Count() >= kMigrationBatchEntries) {
      MW_RETURN_IF_ERROR(FlushMigrationBatch(db, &batch));
    }
  }
  MW_RETURN_IF_ERROR(FromRocks(it->status(), "migrating article text"));
  return FlushMigrationBatch(db, &batch);
}

// Version 3 -> 4: the fingerprints family, which the writable open has
// already created. Stored articles have no fingerprint (their text was not
// kept folded, and re-fingerprinting needs the normalizer, which storage does
// not own), so there is nothing to write: they stay out of clusters.
Status MigrateV3ToV4(const OpenedDb&) { return Status::Ok(); }

// Version 4 -> 5: the raw_html family (created by the writable open, empty)
// and newest-first band keys: each 'b' key becomes an 'n' key with the time
// bytes complemented, deleted and put in one batch. A resumed migration
// finds only the 'b' keys it had not done yet.
Status MigrateV4ToV5(const OpenedDb& db) {
  const rocksdb::ReadOptions ro;
  rocksdb::WriteBatch batch;
  const std::string lower(1, kFingerprintBandKindV4);
  const std::string upper = PrefixSuccessor(lower);
  const rocksdb::Slice upper_slice = ToSlice(upper);
  rocksdb::ReadOptions bounded = ro;
  bounded.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(bounded, db.cf(kFingerprints)));
  for (it->Seek(ToSlice(lower)); it->Valid(); it->Next()) {
    const std::string_view key = ToView(it->key());
    if (key.size() != 1 + 8 + 8 + kArticleIdSize) {
      return Status::Corruption("malformed version 4 band key in fingerprints (migration)");
    }
    const std::optional<int64_t> time = DecodeTime(key.substr(9, 8));
    std::string moved(1, kFingerprintBandKind);
    moved.append(key.substr(1, 8));
    moved += NewestFirstTime(*time);
    moved.append(key.substr(17));
    batch.Delete(db.cf(kFingerprints), it->key());
    batch.Put(db.cf(kFingerprints), moved, it->value());
    if (batch.Count() >= kMigrationBatchEntries) {
      MW_RETURN_IF_ERROR(FlushMigrationBatch(db, &batch));
    }
  }
  MW_RETURN_IF_ERROR(FromRocks(it->status(), "migrating fingerprints"));
  return FlushMigrationBatch(db, &batch);
}

// Version 5 -> 6: the alerts family, which the writable open has already
// created. Articles and changes stored before get no alerts: the outbox is
// for what happens from now on, and alerting on a backlog would flood the
// sinks with old news.
Status MigrateV5ToV6(const OpenedDb&) { return Status::Ok(); }

// The outbox entries of `alert` (its id set here): the record under its
// 'p' key and the 'i' key that finds it.
void PutPendingAlert(const OpenedDb& db, AlertRecord alert, rocksdb::WriteBatch* batch) {
  alert.id = AlertIdFor(alert.watchlist_id, alert.article_id, alert.event, alert.version);
  std::sort(alert.target_ids.begin(), alert.target_ids.end());
  batch->Put(db.cf(kAlerts), AlertPendingKey(alert.created_at, alert.id), EncodeAlert(alert));
  batch->Put(db.cf(kAlerts), AlertIndexKey(alert.id), EncodeTime(alert.created_at));
}

// One alert per watch-list among `matches`, with that watch-list's target
// ids.
std::vector<AlertRecord> AlertsFor(const std::vector<MatchRecord>& matches,
                                   const std::string& article_id, std::string_view event,
                                   int version, int64_t created_at) {
  std::map<std::string, std::vector<std::string>> targets;
  for (const MatchRecord& m : matches) targets[m.watchlist_id].push_back(m.target_id);
  std::vector<AlertRecord> alerts;
  for (auto& [watchlist, ids] : targets) {
    AlertRecord a;
    a.watchlist_id = watchlist;
    a.article_id = article_id;
    a.event.assign(event);
    a.version = version;
    a.created_at = created_at;
    a.target_ids = std::move(ids);
    alerts.push_back(std::move(a));
  }
  return alerts;
}

// Ensures the database speaks our key layout: stamps a brand-new one,
// migrates an older one (writable opens only), refuses a newer one.
Status CheckSchema(const OpenedDb& db, const std::string& dir, bool read_only) {
  const rocksdb::ReadOptions ro;
  Result<std::optional<std::string>> raw = GetRaw(db, ro, kMeta, kSchemaVersionKey);
  if (!raw.ok()) return raw.status();
  rocksdb::WriteOptions synced;
  synced.sync = true;  // Later opens rely on the version record being there.
  if (raw->has_value()) {
    Result<int> version = ParseVersion(**raw, dir);
    if (!version.ok()) return version.status();
    if (*version > kSchemaVersion) return NewerVersionError(*version);
    if (*version == kSchemaVersion) return Status::Ok();
    if (read_only) return OlderReadOnlyError(*version);
    if (*version < kOldestMigratableVersion) {
      return Status::Unsupported(
          "database schema version " + std::to_string(*version) +
          " is too old to migrate (this build: " + std::to_string(kSchemaVersion) + ")");
    }
    // One step per version; each stamps its own version so that a crash
    // between steps resumes at the next one.
    for (int from = *version; from < kSchemaVersion; ++from) {
      if (from == 1) MW_RETURN_IF_ERROR(MigrateV1ToV2(db));
      if (from == 2) MW_RETURN_IF_ERROR(MigrateV2ToV3(db));
      if (from == 3) MW_RETURN_IF_ERROR(MigrateV3ToV4(db));
      if (from == 4) MW_RETURN_IF_ERROR(MigrateV4ToV5(db));
      if (from == 5) MW_RETURN_IF_ERROR(MigrateV5ToV6(db));
      rocksdb::WriteBatch stamp;
      stamp.Put(db.cf(kMeta), ToSlice(kSchemaVersionKey), std::to_string(from + 1));
      MW_RETURN_IF_ERROR(FromRocks(db.db->Write(synced, &stamp), "stamping schema version"));
    }
    return Status::Ok();
  }

  // No version record: only acceptable for a database that holds nothing
  // (created just now, or a first open that died before stamping it).
  for (size_t i = 0; i < kNumCfs; ++i) {
    Result<int64_t> keys = CountKeys(db, ro, static_cast<CfIndex>(i));
    if (!keys.ok()) return keys.status();
    if (*keys > 0) {
      return Status::Corruption("database " + dir + " holds data but no schema version record");
    }
  }
  if (read_only) return Status::Ok();
  rocksdb::WriteBatch batch;
  batch.Put(db.cf(kMeta), ToSlice(kSchemaVersionKey), std::to_string(kSchemaVersion));
  batch.Put(db.cf(kMeta), ToSlice(kArticleCountKey), "0");
  batch.Put(db.cf(kMeta), ToSlice(kMatchCountKey), "0");
  return FromRocks(db.db->Write(synced, &batch), "writing schema version to " + dir);
}

// A counter from the meta family; recounted from `cf` if the record is
// missing so that Stats() never lies after manual repair.
Result<int64_t> LoadCounter(const OpenedDb& db, std::string_view key, CfIndex cf) {
  const rocksdb::ReadOptions ro;
  Result<std::optional<std::string>> raw = GetRaw(db, ro, kMeta, key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return CountKeys(db, ro, cf);
  const std::optional<int64_t> value = ParseDecimal(**raw);
  if (!value.has_value()) {
    return Status::Corruption("unreadable counter " + std::string(key) + ": \"" + **raw + "\"");
  }
  return *value;
}

Status ValidateArticle(const ArticleRecord& article, const std::vector<MatchRecord>& matches) {
  if (article.url.empty()) return Status::InvalidArgument("article has an empty url");
  const std::string expected = ArticleIdForUrl(article.url);
  if (article.id != expected) {
    return Status::InvalidArgument("article id \"" + article.id + "\" is not ArticleIdForUrl(" +
                                   article.url + ") = " + expected);
  }
  for (const std::string* name : {&article.feed_id, &article.source, &article.language}) {
    if (name->size() > kMaxIndexNameSize) {
      return Status::InvalidArgument("article " + article.url +
                                     ": feed id, source or language longer than 65535 bytes");
    }
  }
  // Two records with one (watch-list, target) would share a key and the
  // second would silently replace the first.
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const MatchRecord& m : matches) {
    if (m.watchlist_id.empty()) return Status::InvalidArgument("match with an empty watchlist_id");
    if (m.watchlist_id.size() > kMaxWatchlistIdSize) {
      return Status::InvalidArgument("watchlist_id longer than 65535 bytes");
    }
    if (m.target_id.empty() || m.target_id.size() > kMaxIndexNameSize) {
      return Status::InvalidArgument("match in watch-list " + m.watchlist_id +
                                     " with an empty or over-long target_id");
    }
    if (!seen.emplace(m.watchlist_id, m.target_id).second) {
      return Status::InvalidArgument("duplicate match for watch-list " + m.watchlist_id +
                                     " target " + m.target_id);
    }
  }
  return Status::Ok();
}

class RocksStore final : public Store {
 public:
  // `secondary_dir`: a follower's working directory (StoreOptions::follow),
  // null for other opens; a follower is read-only.
  RocksStore(OpenedDb db, std::string dir, bool read_only, bool sync, int64_t articles,
             int64_t matches, std::unique_ptr<PrivateDir> secondary_dir = nullptr)
      : secondary_dir_(std::move(secondary_dir)),
        db_(std::move(db)),
        dir_(std::move(dir)),
        read_only_(read_only || secondary_dir_ != nullptr),
        follower_(secondary_dir_ != nullptr),
        sync_(sync),
        article_count_(articles),
        match_count_(matches) {}

  ~RocksStore() override {
    db_.handles.clear();  // before the DB, as RocksDB requires
    db_.db.reset();
    secondary_dir_.reset();  // after the DB, which writes its log there
  }

  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  Result<std::optional<std::string>> FindArticleIdByUrl(std::string_view canonical_url) override {
    if (canonical_url.empty()) return std::optional<std::string>();
    const ReadView view(this, /*consistent=*/false);
    return GetRaw(db_, view.options(), kUrlIndex, canonical_url);
  }

  Result<PutResult> PutArticle(const ArticleWrite& write) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    const ArticleRecord& article = write.article;
    const std::vector<MatchRecord>& matches = write.matches;
    MW_RETURN_IF_ERROR(ValidateArticle(article, matches));
    if (write.raw_html.size() > kMaxRawHtmlBytes) {
      return Status::InvalidArgument("raw HTML of " + article.url + " is larger than " +
                                     std::to_string(kMaxRawHtmlBytes) + " bytes");
    }
    for (const std::string& alias : write.alias_urls) {
      if (alias.empty()) return Status::InvalidArgument("empty alias URL of " + article.url);
    }

    const int64_t time = ArticleTime(article);
    rocksdb::WriteBatch batch;
    if (!article.text.empty()) batch.Put(db_.cf(kArticleText), article.id, article.text);
    if (!write.raw_html.empty()) batch.Put(db_.cf(kRawHtml), article.id, write.raw_html);
    if (write.recheck_at) {
      batch.Put(db_.cf(kRechecks), RecheckKey(*write.recheck_at, article.id), "0");
    }
    batch.Put(db_.cf(kUrlIndex), article.url, article.id);
    batch.Put(db_.cf(kArticlesByTime), ArticleTimeKey(time, article.id), rocksdb::Slice());
    for (const MatchRecord& m : matches) {
      batch.Put(db_.cf(kMatches), MatchKey(m.watchlist_id, time, article.id, m.target_id),
                EncodeMatchValue(m));
      batch.Put(db_.cf(kMatchesByTarget),
                TargetIndexKey(m.target_id, time, article.id, m.watchlist_id), rocksdb::Slice());
    }
    PutArticleIndexes(db_, article, WatchlistsOf(matches), &batch);
    // Written only with the article itself: a known URL returns below
    // before this batch is written.
    for (AlertRecord& alert : AlertsFor(matches, article.id, "match", 1, article.fetched_at)) {
      PutPendingAlert(db_, std::move(alert), &batch);
    }

    // Check and insert under one lock: without it two crawler threads that
    // fetched the same URL could both see "absent" and both count it.
    std::lock_guard<std::mutex> lock(write_mu_);
    const rocksdb::ReadOptions ro;
    Result<std::optional<std::string>> indexed = GetRaw(db_, ro, kUrlIndex, article.url);
    if (!indexed.ok()) return indexed.status();
    if (indexed->has_value()) {
      // A known story reached through another URL: remember that URL too.
      rocksdb::WriteBatch aliases;
      MW_RETURN_IF_ERROR(PutNewAliases(ro, write, **indexed, &aliases));
      if (aliases.Count() > 0) {
        MW_RETURN_IF_ERROR(FromRocks(db_.db->Write(WriteOpts(), &aliases),
                                     "storing aliases of article " + **indexed));
      }
      return PutResult{false, **indexed};
    }

    // The URL is new, so its id should be too. If not, either url_index lost
    // an entry or two URLs share a 64-bit hash; overwriting would destroy
    // the stored article in both cases.
    Result<std::optional<std::string>> existing = GetRaw(db_, ro, kArticles, article.id);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      Result<ArticleRecord> stored = DecodeArticle(**existing);
      if (!stored.ok()) return stored.status();
      if (stored->url == article.url) {
        return Status::Corruption("article " + article.id + " is stored but url_index lacks " +
                                  article.url);
      }
      return Status::Internal("article id " + article.id + " of " + article.url +
                              " collides with stored URL " + stored->url);
    }
    MW_RETURN_IF_ERROR(PutNewAliases(ro, write, article.id, &batch));

    // The record holds the metadata and the cluster, which needs the lookup
    // under the lock (a concurrent copy must be seen); the text went to
    // article_text, which queries never read.
    ArticleRecord metadata = article;
    metadata.text.clear();
    metadata.cluster_id.clear();
    if (article.simhash != 0) {
      Result<std::string> cluster = FindCluster(ro, article.simhash, time);
      if (!cluster.ok()) return cluster.status();
      metadata.cluster_id = cluster->empty() ? article.id : *cluster;
      const std::string value = EncodeFingerprintValue(article.simhash, metadata.cluster_id);
      for (uint64_t band : SimHashBands(article.simhash, kSimHashMaxDistance)) {
        batch.Put(db_.cf(kFingerprints), FingerprintBandKey(band, time, article.id), value);
      }
      batch.Put(db_.cf(kFingerprints), ClusterMemberKey(metadata.cluster_id, time, article.id),
                rocksdb::Slice());
    }
    batch.Put(db_.cf(kArticles), article.id, EncodeArticle(metadata));

    // The feed's article count moves with the article (store.h FeedState).
    if (!article.feed_id.empty()) {
      Result<std::optional<FeedState>> feed = GetFeedState(article.feed_id);
      if (!feed.ok()) return feed.status();
      FeedState state;
      if (feed->has_value()) {
        state = std::move(**feed);
      } else {
        state.feed_id = article.feed_id;
      }
      ++state.articles_stored;
      batch.Put(db_.cf(kFeedState), state.feed_id, EncodeFeedState(state));
    }

    const int64_t articles = article_count_ + 1;
    const int64_t match_total = match_count_ + static_cast<int64_t>(matches.size());
    batch.Put(db_.cf(kMeta), ToSlice(kArticleCountKey), std::to_string(articles));
    batch.Put(db_.cf(kMeta), ToSlice(kMatchCountKey), std::to_string(match_total));
    MW_RETURN_IF_ERROR(
        FromRocks(db_.db->Write(WriteOpts(), &batch), "storing article " + article.id));
    if (article.simhash != 0) {
      CacheFingerprint(article.simhash, time, article.id, metadata.cluster_id);
    }
    article_count_ = articles;
    match_count_ = match_total;
    return PutResult{true, article.id};
  }

  Result<std::vector<Recheck>> DueRechecks(int64_t now, size_t limit) override {
    std::vector<Recheck> due;
    if (limit == 0) return due;
    const std::string upper = EncodeTime(now == INT64_MAX ? now : now + 1);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    const ReadView view(this, /*consistent=*/false);
    rocksdb::ReadOptions ro = view.options();
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kRechecks)));
    for (it->SeekToFirst(); it->Valid() && due.size() < limit; it->Next()) {
      std::optional<Recheck> r = DecodeRecheck(ToView(it->key()), ToView(it->value()));
      if (!r.has_value()) return Status::Corruption("malformed entry in rechecks");
      due.push_back(std::move(*r));
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading rechecks"));
    return due;
  }

  Status RecordRecheck(const Recheck& done, const std::optional<ArticleVersion>& change,
                       const std::optional<Recheck>& next) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    if (!IsValidArticleId(done.article_id)) {
      return Status::InvalidArgument("malformed article id \"" + done.article_id + "\"");
    }
    if (change && change->kind != "edited" && change->kind != "removed" &&
        change->kind != "restored") {
      return Status::InvalidArgument("unknown version kind \"" + change->kind + "\"");
    }
    std::lock_guard<std::mutex> lock(write_mu_);
    const rocksdb::ReadOptions ro;
    Result<std::optional<std::string>> stored = GetRaw(db_, ro, kArticles, done.article_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      return Status::NotFound("article " + done.article_id + " is not stored");
    }
    rocksdb::WriteBatch batch;
    batch.Delete(db_.cf(kRechecks), RecheckKey(done.due_at, done.article_id));
    if (change) {
      Result<std::vector<ArticleVersion>> versions = ReadVersions(ro, done.article_id);
      if (!versions.ok()) return versions.status();
      ArticleVersion v = *change;
      v.number = versions->empty() ? 2 : versions->back().number + 1;
      batch.Put(db_.cf(kVersions), VersionKey(done.article_id, v.number), EncodeVersion(v));
      batch.Put(db_.cf(kEvents), EventKey(v.found_at, done.article_id, v.kind),
                std::to_string(v.number));
      // One alert per watch-list that flagged the article, in this batch.
      Result<ArticleRecord> article = DecodeArticle(**stored);
      if (!article.ok()) return article.status().WithContext("article " + done.article_id);
      Result<std::vector<std::string>> scope = ListWatchlists(ro);
      if (!scope.ok()) return scope.status();
      std::vector<MatchRecord> matches;
      MW_RETURN_IF_ERROR(
          FillMatches(ro, *scope, {ArticleTime(*article), done.article_id}, &matches));
      for (AlertRecord& alert : AlertsFor(matches, done.article_id, v.kind, v.number, v.found_at)) {
        PutPendingAlert(db_, std::move(alert), &batch);
      }
    }
    if (next) {
      if (next->step < 0 || next->step > 1000000) {
        return Status::InvalidArgument("re-fetch step out of range");
      }
      batch.Put(db_.cf(kRechecks), RecheckKey(next->due_at, done.article_id),
                std::to_string(next->step));
    }
    return FromRocks(db_.db->Write(WriteOpts(), &batch), "recording a re-fetch");
  }

  Result<std::vector<ArticleVersion>> GetVersions(std::string_view id) override {
    if (!IsValidArticleId(id)) return std::vector<ArticleVersion>();
    const ReadView view(this, /*consistent=*/false);
    return ReadVersions(view.options(), id);
  }

  Result<std::vector<ArticleEvent>> ListEvents(int64_t since, int64_t until,
                                               size_t limit) override {
    std::vector<ArticleEvent> events;
    if (limit == 0 || since >= until) return events;
    const std::string lower = EncodeTime(since);
    const std::string upper = EncodeTime(until);
    const rocksdb::Slice lower_slice = ToSlice(lower);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    const ReadView view(this, /*consistent=*/false);
    rocksdb::ReadOptions ro = view.options();
    ro.iterate_lower_bound = &lower_slice;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kEvents)));
    for (it->SeekToFirst(); it->Valid() && events.size() < limit; it->Next()) {
      std::optional<ArticleEvent> e = DecodeEvent(ToView(it->key()), ToView(it->value()));
      if (!e.has_value()) return Status::Corruption("malformed entry in events");
      events.push_back(std::move(*e));
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading events"));
    return events;
  }

  Result<std::vector<MatchRecord>> GetMatches(std::string_view id) override {
    std::vector<MatchRecord> matches;
    if (!IsValidArticleId(id)) return matches;
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& ro = view.options();
    Result<std::optional<ArticleRecord>> article = ReadArticle(ro, id, /*with_text=*/false);
    if (!article.ok()) return article.status();
    if (!article->has_value()) return matches;
    Result<std::vector<std::string>> scope = ListWatchlists(ro);
    if (!scope.ok()) return scope.status();
    MW_RETURN_IF_ERROR(
        FillMatches(ro, *scope, {ArticleTime(**article), std::string(id)}, &matches));
    SortMatches(&matches);
    return matches;
  }

  Result<std::optional<std::string>> GetRawHtml(std::string_view id) override {
    if (!IsValidArticleId(id)) return std::optional<std::string>();
    const ReadView view(this, /*consistent=*/false);
    return GetRaw(db_, view.options(), kRawHtml, id);
  }

  Result<std::vector<std::string>> UrlsOf(std::string_view id) override {
    std::vector<std::string> urls;
    if (!IsValidArticleId(id)) return urls;
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& ro = view.options();
    Result<std::optional<ArticleRecord>> article = ReadArticle(ro, id, /*with_text=*/false);
    if (!article.ok()) return article.status();
    if (!article->has_value()) return urls;
    urls.push_back((*article)->url);
    MW_RETURN_IF_ERROR(WalkAll(ro, kUrlIndex, [&](std::string_view url, std::string_view value) {
      if (value == id && url != urls.front()) urls.emplace_back(url);
      return Status::Ok();
    }));
    return urls;
  }

  Status Backup(const std::string& to_dir) override {
    if (follower_) {
      // A secondary instance cannot list its live files, which a
      // checkpoint needs; the writer's view is the one to copy anyway.
      return Status::Unsupported("database " + dir_ +
                                 " was opened as a follower; back it up with a normal or "
                                 "read-only open (mediawatch backup)");
    }
    std::error_code ec;
    if (to_dir.empty()) return Status::InvalidArgument("empty backup directory");
    if (std::filesystem::exists(to_dir, ec)) {
      return Status::InvalidArgument("backup directory " + to_dir +
                                     " already exists; give a new one");
    }
    rocksdb::Checkpoint* raw = nullptr;
    MW_RETURN_IF_ERROR(
        FromRocks(rocksdb::Checkpoint::Create(db_.db.get(), &raw), "preparing a backup"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // Flushes the memtables first (0 = always), so the copy has no WAL to
    // replay and opens read-only at once.
    return FromRocks(checkpoint->CreateCheckpoint(to_dir, /*log_size_for_flush=*/0),
                     "backing up " + dir_ + " to " + to_dir);
  }

  Result<std::vector<ArticleRecord>> ClusterMembers(std::string_view cluster_id,
                                                    size_t limit) override {
    std::vector<ArticleRecord> members;
    if (limit == 0 || !IsValidArticleId(cluster_id)) return members;
    // One view: the member keys and records are written in one batch.
    const ReadView view(this, /*consistent=*/true);
    Status status = ReadClusterMembers(view.options(), cluster_id, limit, &members);
    if (!status.ok()) return status;
    return members;
  }

  Result<std::optional<ArticleRecord>> GetArticle(std::string_view id) override {
    if (!IsValidArticleId(id)) return std::optional<ArticleRecord>();
    const ReadView view(this, /*consistent=*/false);
    return ReadArticle(view.options(), id, /*with_text=*/true);
  }

  Status PutFeedState(const FeedState& state) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    if (state.feed_id.empty()) return Status::InvalidArgument("feed state with an empty feed_id");
    // Under the write lock: PutArticle updates the same record.
    std::lock_guard<std::mutex> lock(write_mu_);
    Result<std::optional<FeedState>> stored = GetFeedState(state.feed_id);
    if (!stored.ok()) return stored.status();
    FeedState merged = state;
    if (stored->has_value()) merged.articles_stored = (*stored)->articles_stored;
    return FromRocks(
        db_.db->Put(WriteOpts(), db_.cf(kFeedState), state.feed_id, EncodeFeedState(merged)),
        "storing feed state " + state.feed_id);
  }

  Result<std::optional<FeedState>> GetFeedState(std::string_view feed_id) override {
    if (feed_id.empty()) return std::optional<FeedState>();
    const ReadView view(this, /*consistent=*/false);
    Result<std::optional<std::string>> raw = GetRaw(db_, view.options(), kFeedState, feed_id);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<FeedState>();
    Result<FeedState> state = DecodeFeedStateFor(feed_id, **raw);
    if (!state.ok()) return state.status();
    return std::optional<FeedState>(std::move(state).value());
  }

  Status PutRunState(const RunState& state) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    return FromRocks(
        db_.db->Put(WriteOpts(), db_.cf(kMeta), ToSlice(kRunStateKey), EncodeRunState(state)),
        "storing the run state");
  }

  Result<std::optional<RunState>> GetRunState() override {
    const ReadView view(this, /*consistent=*/false);
    Result<std::optional<std::string>> raw = GetRaw(db_, view.options(), kMeta, kRunStateKey);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<RunState>();
    Result<RunState> state = DecodeRunState(**raw);
    if (!state.ok()) return state.status();
    return std::optional<RunState>(std::move(state).value());
  }

  Status PutHostState(const HostState& state) override {
    if (state.host.empty()) return Status::InvalidArgument("host state without a host");
    MW_RETURN_IF_ERROR(CheckWritable());
    return FromRocks(
        db_.db->Put(WriteOpts(), db_.cf(kHostState), state.host, EncodeHostState(state)),
        "writing host state");
  }

  Result<std::optional<HostState>> GetHostState(std::string_view host) override {
    if (host.empty()) return std::optional<HostState>();
    const ReadView view(this, /*consistent=*/false);
    Result<std::optional<std::string>> raw = GetRaw(db_, view.options(), kHostState, host);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<HostState>();
    Result<HostState> state = DecodeHostState(**raw);
    if (!state.ok()) return state.status().WithContext("host " + std::string(host));
    return std::optional<HostState>(std::move(state).value());
  }

  Result<std::vector<FeedState>> ListFeedStates() override {
    std::vector<FeedState> states;
    const ReadView view(this, /*consistent=*/false);
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(view.options(), db_.cf(kFeedState)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Result<FeedState> state = DecodeFeedStateFor(ToView(it->key()), ToView(it->value()));
      if (!state.ok()) return state.status();
      states.push_back(std::move(state).value());
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "listing feed states"));
    return states;
  }

  Result<std::vector<MatchHit>> QueryMatches(const MatchQuery& query) override {
    std::vector<MatchHit> hits;
    if (query.limit == 0) return hits;
    // One view for indexes and records: PutArticle writes them all in
    // one batch, so every index entry seen here has its article.
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& ro = view.options();
    std::vector<std::string> scope;  // the watch-lists whose matches are reported
    Grouped grouped;
    MW_RETURN_IF_ERROR(Collect(ro, query, query.limit, /*want_matches=*/true, &scope, &grouped));

    hits.reserve(grouped.size());
    for (auto& [key, matches] : grouped) {
      if (matches.empty()) MW_RETURN_IF_ERROR(FillMatches(ro, scope, key, &matches));
      if (matches.empty() && Flagged(query)) {
        return Status::Corruption("an index lists article " + key.second +
                                  " as flagged, but it has no matches");
      }
      Result<std::optional<ArticleRecord>> article = ReadArticle(ro, key.second, query.with_text);
      if (!article.ok()) return article.status();
      if (!article->has_value()) {
        return Status::Corruption("an index refers to article " + key.second +
                                  ", which is not stored");
      }
      MatchHit hit;
      hit.article = std::move(**article);
      hit.time = key.first;
      hit.matches = std::move(matches);
      if (!hit.article.cluster_id.empty()) {
        Result<size_t> size = CountClusterMembers(ro, hit.article.cluster_id);
        if (!size.ok()) return size.status();
        hit.cluster_size = *size;
      }
      SortMatches(&hit.matches);
      hits.push_back(std::move(hit));
    }
    return hits;
  }

  Result<std::vector<TimelineCount>> Timeline(const TimelineQuery& query) override {
    std::vector<TimelineCount> counts;
    MatchQuery filters = query.filters;
    filters.after.reset();
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& ro = view.options();
    std::vector<std::string> scope;
    Grouped grouped;
    MW_RETURN_IF_ERROR(Collect(ro, filters, SIZE_MAX, /*want_matches=*/false, &scope, &grouped));

    std::map<std::pair<int64_t, std::string>, int64_t> buckets;
    for (const auto& [key, unused] : grouped) {
      std::string group;
      if (query.split != TimelineSplit::kNone) {
        Result<std::optional<ArticleRecord>> article =
            ReadArticle(ro, key.second, /*with_text=*/false);
        if (!article.ok()) return article.status();
        if (!article->has_value()) {
          return Status::Corruption("an index refers to article " + key.second +
                                    ", which is not stored");
        }
        const ArticleRecord& a = **article;
        if (query.split == TimelineSplit::kLanguage) {
          group = a.language;
        } else {
          group = a.source.empty() ? a.feed_id : a.source;
        }
      }
      ++buckets[{BucketStart(query.bucket, key.first), std::move(group)}];
    }
    counts.reserve(buckets.size());
    for (auto& [key, n] : buckets) counts.push_back({key.first, key.second, n});
    return counts;
  }

  Result<std::vector<ArticleRecord>> ListArticles(size_t limit) override {
    std::vector<ArticleRecord> articles;
    if (limit == 0) return articles;
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& ro = view.options();
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kArticlesByTime)));
    for (it->SeekToLast(); it->Valid() && articles.size() < limit; it->Prev()) {
      const std::optional<ArticleTimeKeyParts> parts = DecodeArticleTimeKey(ToView(it->key()));
      if (!parts.has_value()) return Status::Corruption("malformed key in articles_by_time");
      Result<std::optional<ArticleRecord>> article =
          ReadArticle(ro, parts->article_id, /*with_text=*/true);
      if (!article.ok()) return article.status();
      if (!article->has_value()) {
        return Status::Corruption("articles_by_time refers to article " +
                                  std::string(parts->article_id) + ", which is not stored");
      }
      articles.push_back(std::move(**article));
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "listing articles"));
    return articles;
  }

  Result<StoreStats> Stats() override {
    StoreStats stats;
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& ro = view.options();
    Result<int64_t> feeds = CountKeys(db_, ro, kFeedState);
    if (!feeds.ok()) return feeds.status();
    stats.feeds = *feeds;
    stats.schema_version = kSchemaVersion;

    MW_RETURN_IF_ERROR(WalkAll(ro, kArticlesByLanguage, [&](std::string_view, std::string_view v) {
      ++stats.articles_per_language[std::string(v)];
      return Status::Ok();
    }));
    MW_RETURN_IF_ERROR(WalkAll(ro, kArticlesBySource, [&](std::string_view k, std::string_view) {
      if (k.empty() || k[0] != kSourceKindFeed) return Status::Ok();
      const std::optional<IndexKeyParts> parts = DecodeIndexKey(k.substr(1));
      if (!parts.has_value()) return Status::Corruption("malformed key in articles_by_source");
      ++stats.articles_per_feed[std::string(parts->name)];
      return Status::Ok();
    }));
    // Keys are ordered by watch-list, time, article, target: one article's
    // keys within a watch-list are adjacent.
    std::string previous;
    MW_RETURN_IF_ERROR(WalkAll(ro, kMatches, [&](std::string_view k, std::string_view) {
      const std::optional<MatchKeyParts> parts = DecodeMatchKey(k);
      if (!parts.has_value()) return Status::Corruption("malformed key in matches");
      ++stats
            .articles_per_target[{std::string(parts->watchlist_id), std::string(parts->target_id)}];
      const std::string_view article_key = k.substr(0, k.size() - parts->target_id.size());
      if (article_key != previous) {
        ++stats.articles_per_watchlist[std::string(parts->watchlist_id)];
        previous.assign(article_key);
      }
      return Status::Ok();
    }));

    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code size_ec;
      if (!it->is_regular_file(size_ec)) continue;
      const uintmax_t size = it->file_size(size_ec);
      // Files come and go while RocksDB compacts; a vanished one counts 0.
      if (!size_ec) stats.disk_bytes += static_cast<int64_t>(size);
    }

    Result<size_t> pending = CountPending(ro);
    if (!pending.ok()) return pending.status();
    stats.alerts_pending = static_cast<int64_t>(*pending);

    std::lock_guard<std::mutex> lock(write_mu_);
    stats.articles = article_count_;
    stats.matches = match_count_;
    return stats;
  }

  Result<std::vector<PendingAlert>> PendingAlerts(size_t limit) override {
    std::vector<PendingAlert> alerts;
    if (limit == 0) return alerts;
    // One view: an alert and its delivery states are written together.
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& base = view.options();
    const std::string lower(1, kAlertPendingKind);
    const std::string upper = PrefixSuccessor(lower);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kAlerts)));
    for (it->Seek(ToSlice(lower)); it->Valid() && alerts.size() < limit; it->Next()) {
      Result<AlertRecord> alert = DecodePendingEntry(ToView(it->key()), ToView(it->value()));
      if (!alert.ok()) return alert.status();
      PendingAlert pending;
      pending.alert = std::move(alert).value();
      MW_RETURN_IF_ERROR(ReadDeliveries(base, pending.alert.id, &pending.deliveries));
      alerts.push_back(std::move(pending));
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading the alert outbox"));
    return alerts;
  }

  Status PutDeliveries(const std::string& alert_id,
                       const std::vector<AlertDelivery>& deliveries) override {
    std::vector<std::pair<std::string, AlertDelivery>> updates;
    updates.reserve(deliveries.size());
    for (const AlertDelivery& d : deliveries) updates.emplace_back(alert_id, d);
    return WriteDeliveries({alert_id}, updates);
  }

  Status PutDeliveriesBatch(
      const std::vector<std::pair<std::string, AlertDelivery>>& updates) override {
    std::set<std::string> ids;
    for (const auto& [id, unused] : updates) ids.insert(id);
    return WriteDeliveries(ids, updates);
  }

  Status CompleteAlerts(const std::vector<std::string>& alert_ids, int64_t completed_at) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    const std::set<std::string> ids(alert_ids.begin(), alert_ids.end());
    // Every write to the alerts family holds write_mu_, so plain reads under
    // it see a stable outbox.
    std::lock_guard<std::mutex> lock(write_mu_);
    const rocksdb::ReadOptions ro;
    rocksdb::WriteBatch batch;
    for (const std::string& id : ids) {
      if (id.empty()) continue;
      Result<std::optional<std::string>> indexed = GetRaw(db_, ro, kAlerts, AlertIndexKey(id));
      if (!indexed.ok()) return indexed.status();
      if (!indexed->has_value()) continue;  // completed before, or never pending
      const std::optional<int64_t> created_at = DecodeTime(**indexed);
      if (!created_at.has_value()) return Status::Corruption("malformed outbox index of " + id);
      const std::string pending_key = AlertPendingKey(*created_at, id);
      Result<std::optional<std::string>> raw = GetRaw(db_, ro, kAlerts, pending_key);
      if (!raw.ok()) return raw.status();
      if (!raw->has_value()) {
        return Status::Corruption("the outbox index lists alert " + id + ", which is not pending");
      }
      Result<AlertRecord> alert = DecodePendingEntry(pending_key, **raw);
      if (!alert.ok()) return alert.status();
      std::vector<AlertDelivery> deliveries;
      MW_RETURN_IF_ERROR(ReadDeliveries(ro, id, &deliveries));
      for (const AlertDelivery& d : deliveries) {
        batch.Delete(db_.cf(kAlerts), AlertDeliveryKey(id, d.sink));
        if (d.delivered_at != 0) alert->delivered_to.push_back(d.sink);
      }
      batch.Delete(db_.cf(kAlerts), pending_key);
      batch.Delete(db_.cf(kAlerts), AlertIndexKey(id));
      alert->completed_at = completed_at;
      batch.Put(db_.cf(kAlerts), AlertHistoryKey(alert->watchlist_id, alert->created_at, id),
                EncodeAlert(*alert));
    }
    if (batch.Count() == 0) return Status::Ok();
    return FromRocks(db_.db->Write(WriteOpts(), &batch), "completing alerts");
  }

  Result<std::vector<AlertRecord>> AlertHistory(std::string_view watchlist_id,
                                                size_t limit) override {
    std::vector<AlertRecord> history;
    if (limit == 0 || watchlist_id.size() > kMaxWatchlistIdSize) return history;
    const ReadView view(this, /*consistent=*/true);
    const rocksdb::ReadOptions& ro = view.options();
    if (!watchlist_id.empty()) {
      MW_RETURN_IF_ERROR(ReadHistory(ro, watchlist_id, limit, &history));
      return history;
    }
    // Each watch-list's `limit` newest, found by hopping from one prefix to
    // the next, then merged.
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kAlerts)));
    it->Seek(ToSlice(std::string(1, kAlertHistoryKind)));
    while (it->Valid() && !it->key().empty() && it->key()[0] == kAlertHistoryKind) {
      const std::optional<AlertHistoryKeyParts> parts = DecodeAlertHistoryKey(ToView(it->key()));
      if (!parts.has_value()) return Status::Corruption("malformed history key in alerts");
      const std::string watchlist(parts->watchlist_id);
      MW_RETURN_IF_ERROR(ReadHistory(ro, watchlist, limit, &history));
      const std::string next = PrefixSuccessor(AlertHistoryPrefix(watchlist));
      if (next.empty()) break;
      it->Seek(next);
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading the alert history"));
    std::sort(history.begin(), history.end(), [](const AlertRecord& a, const AlertRecord& b) {
      return a.created_at != b.created_at ? a.created_at > b.created_at : a.id < b.id;
    });
    if (history.size() > limit) history.resize(limit);
    return history;
  }

  Result<size_t> CountPendingAlerts() override {
    const ReadView view(this, /*consistent=*/false);
    return CountPending(view.options());
  }

  Status PutAppState(std::string_view key, std::string_view value) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(CheckAppStateKey(key));
    if (value.size() > kMaxAppStateValueSize) {
      return Status::InvalidArgument("app state value of " + std::to_string(value.size()) +
                                     " bytes (at most " + std::to_string(kMaxAppStateValueSize) +
                                     ")");
    }
    return FromRocks(db_.db->Put(WriteOpts(), db_.cf(kMeta), AppStateKey(key), ToSlice(value)),
                     "storing app state");
  }

  Result<std::optional<std::string>> GetAppState(std::string_view key) override {
    MW_RETURN_IF_ERROR(CheckAppStateKey(key));
    const ReadView view(this, /*consistent=*/false);
    return GetRaw(db_, view.options(), kMeta, AppStateKey(key));
  }

  Status Refresh() override {
    if (!follower_) {
      if (read_only_) {
        return Status::Unsupported("database " + dir_ +
                                   " was opened read-only; open it with follow to refresh");
      }
      return Status::Ok();  // the writer's own view is always current
    }
    // Exclusive: no read runs while the view moves, so every read method
    // sees one whole view (ReadView).
    std::unique_lock<std::shared_mutex> view_lock(view_mu_);
    MW_RETURN_IF_ERROR(
        FromRocks(db_.db->TryCatchUpWithPrimary(), "catching up with the writer of " + dir_));
    // A newer build may have migrated the database under us.
    const rocksdb::ReadOptions ro;
    Result<std::optional<std::string>> raw = GetRaw(db_, ro, kMeta, kSchemaVersionKey);
    if (!raw.ok()) return raw.status();
    if (raw->has_value()) {
      Result<int> version = ParseVersion(**raw, dir_);
      if (!version.ok()) return version.status();
      if (*version > kSchemaVersion) return NewerVersionError(*version);
    }
    // The counters mirror records the writer updates in each article's
    // batch: reload them, as an open does.
    Result<int64_t> articles = LoadCounter(db_, kArticleCountKey, kArticles);
    if (!articles.ok()) return articles.status();
    Result<int64_t> matches = LoadCounter(db_, kMatchCountKey, kMatches);
    if (!matches.ok()) return matches.status();
    std::lock_guard<std::mutex> lock(write_mu_);
    article_count_ = *articles;
    match_count_ = *matches;
    // Only PutArticle fills it, which a follower refuses; cleared so that
    // no stale fingerprint could ever outlive a refresh.
    band_cache_.clear();
    return Status::Ok();
  }

 private:
  // (article time, article id) -> its matches; newest first, like the hits.
  using Grouped = std::map<std::pair<int64_t, std::string>, std::vector<MatchRecord>,
                           std::greater<std::pair<int64_t, std::string>>>;

  // The query's filters, "" where unset.
  struct Filters {
    std::string watchlist, target, language, source;
    static Filters From(const MatchQuery& q) {
      return {q.watchlist_id.value_or(""), q.target_id.value_or(""), q.language.value_or(""),
              q.source.value_or("")};
    }
  };

  Status WalkAll(const rocksdb::ReadOptions& ro, CfIndex cf,
                 const std::function<Status(std::string_view, std::string_view)>& visit) {
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      MW_RETURN_IF_ERROR(visit(ToView(it->key()), ToView(it->value())));
    }
    return FromRocks(it->status(), "reading " + std::string(kCfNames[cf]));
  }

  // Walks the keys starting with `prefix` whose time (right after the
  // prefix) is within the query's [since, until), newest first, until
  // `visit` returns false.
  Status ScanRangeBackwards(
      const rocksdb::ReadOptions& base, CfIndex cf, const std::string& prefix,
      const MatchQuery& query,
      const std::function<Result<bool>(std::string_view, std::string_view)>& visit) {
    const std::string lower = query.since ? prefix + EncodeTime(*query.since) : prefix;
    std::string upper = query.until ? prefix + EncodeTime(*query.until) : PrefixSuccessor(prefix);
    if (query.after) {
      // Keys are prefix + time + article id + suffix: this bound excludes
      // the cursor's article and everything newer.
      std::string cursor = prefix + EncodeTime(query.after->time) + query.after->article_id;
      if (upper.empty() || cursor < upper) upper = std::move(cursor);
    }
    // The bounds must outlive the iterator.
    const rocksdb::Slice lower_slice = ToSlice(lower);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_lower_bound = &lower_slice;
    ro.iterate_upper_bound = upper.empty() ? nullptr : &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(cf)));
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      Result<bool> more = visit(ToView(it->key()), ToView(it->value()));
      if (!more.ok()) return more.status();
      if (!*more) break;
    }
    return FromRocks(it->status(), "scanning " + std::string(kCfNames[cf]));
  }

  static bool Flagged(const MatchQuery& q) {
    return q.flagged_only || (q.watchlist_id && !q.watchlist_id->empty()) ||
           (q.target_id && !q.target_id->empty());
  }

  // The (time, id) of the `limit` newest articles passing `query`'s filters
  // into `grouped` (with their matches when the driving scan reads them and
  // `want_matches`), and the watch-lists whose matches are reported into
  // `scope`.
  Status Collect(const rocksdb::ReadOptions& ro, const MatchQuery& query, size_t limit,
                 bool want_matches, std::vector<std::string>* scope, Grouped* grouped) {
    if (query.since && query.until && *query.since >= *query.until) return Status::Ok();
    const Filters f = Filters::From(query);
    // Such ids cannot have been stored, so nothing matches them.
    if (f.watchlist.size() > kMaxWatchlistIdSize || f.target.size() > kMaxIndexNameSize ||
        f.source.size() > kMaxIndexNameSize || f.language.size() > kMaxIndexNameSize) {
      return Status::Ok();
    }
    if (query.after && !IsValidArticleId(query.after->article_id)) {
      return Status::InvalidArgument("malformed cursor: article id \"" + query.after->article_id +
                                     "\"");
    }
    if (f.watchlist.empty()) {
      Result<std::vector<std::string>> listed = ListWatchlists(ro);
      if (!listed.ok()) return listed.status();
      *scope = std::move(listed).value();
    } else {
      scope->push_back(f.watchlist);
    }

    // The most selective index drives the scan (a target's matches; one
    // outlet's articles; else the flagged articles of each watch-list, or
    // every article of a language or time range); the other filters are
    // point lookups in the other indexes. Each scanned range contributes its
    // `limit` newest passing articles: the global `limit` newest are among
    // them.
    const bool flagged = Flagged(query);
    auto trim = [&] {
      while (grouped->size() > limit) grouped->erase(std::prev(grouped->end()));
    };
    if (!f.target.empty()) return ScanTarget(ro, f, query, limit, grouped);
    if (!f.source.empty()) {
      for (char kind : {kSourceKindFeed, kSourceKindOutlet}) {
        MW_RETURN_IF_ERROR(ScanSource(ro, kind, f, query, limit, flagged, grouped));
        trim();
      }
      return Status::Ok();
    }
    if (flagged) {
      for (const std::string& watchlist : *scope) {
        MW_RETURN_IF_ERROR(ScanWatchlist(ro, watchlist, f, query, limit, want_matches, grouped));
        trim();
      }
      return Status::Ok();
    }
    if (!f.language.empty()) return ScanLanguage(ro, f, query, limit, grouped);
    return ScanTime(ro, query, limit, grouped);
  }

  // Every article of f.language's primary subtag (flagged or not).
  Status ScanLanguage(const rocksdb::ReadOptions& ro, const Filters& f, const MatchQuery& query,
                      size_t limit, Grouped* grouped) {
    size_t articles = 0;
    return ScanRangeBackwards(
        ro, kArticlesByLanguage, LengthPrefixed(PrimaryLanguageSubtag(f.language)), query,
        [&](std::string_view key, std::string_view tag) -> Result<bool> {
          const std::optional<IndexKeyParts> parts = DecodeIndexKey(key);
          if (!parts.has_value() || !parts->suffix.empty()) {
            return Status::Corruption("malformed key in articles_by_language");
          }
          if (!LanguageMatches(f.language, tag)) return true;
          if (articles == limit) return false;
          ++articles;
          (*grouped)[{parts->time, std::string(parts->article_id)}];
          return true;
        });
  }

  // Every article (flagged or not) in the time range.
  Status ScanTime(const rocksdb::ReadOptions& ro, const MatchQuery& query, size_t limit,
                  Grouped* grouped) {
    size_t articles = 0;
    return ScanRangeBackwards(ro, kArticlesByTime, "", query,
                              [&](std::string_view key, std::string_view) -> Result<bool> {
                                const std::optional<ArticleTimeKeyParts> parts =
                                    DecodeArticleTimeKey(key);
                                if (!parts.has_value()) {
                                  return Status::Corruption("malformed key in articles_by_time");
                                }
                                if (articles == limit) return false;
                                ++articles;
                                (*grouped)[{parts->time, std::string(parts->article_id)}];
                                return true;
                              });
  }

  // Language and (unless the scan is driven by it) source filters, as point
  // lookups of the article's index keys: Bloom filters make misses cheap.
  Result<bool> PassesArticleFilters(const rocksdb::ReadOptions& ro, const Filters& f,
                                    bool check_source, int64_t time, std::string_view id) {
    if (!f.language.empty()) {
      Result<std::optional<std::string>> tag =
          GetRaw(db_, ro, kArticlesByLanguage, LanguageIndexKey(f.language, time, id));
      if (!tag.ok()) return tag.status();
      if (!tag->has_value() || !LanguageMatches(f.language, **tag)) return false;
    }
    if (check_source && !f.source.empty()) {
      bool found = false;
      for (char kind : {kSourceKindFeed, kSourceKindOutlet}) {
        Result<std::optional<std::string>> entry =
            GetRaw(db_, ro, kArticlesBySource, SourceIndexKey(kind, f.source, time, id));
        if (!entry.ok()) return entry.status();
        found = found || entry->has_value();
      }
      if (!found) return false;
    }
    return true;
  }

  // Articles with a match of f.target (in f.watchlist, if set).
  Status ScanTarget(const rocksdb::ReadOptions& ro, const Filters& f, const MatchQuery& query,
                    size_t limit, Grouped* grouped) {
    size_t articles = 0;
    std::optional<std::pair<int64_t, std::string>> current;
    return ScanRangeBackwards(
        ro, kMatchesByTarget, LengthPrefixed(f.target), query,
        [&](std::string_view key, std::string_view) -> Result<bool> {
          const std::optional<IndexKeyParts> parts = DecodeIndexKey(key);
          if (!parts.has_value() || parts->name != f.target || parts->suffix.empty()) {
            return Status::Corruption("malformed key in matches_by_target");
          }
          if (!f.watchlist.empty() && parts->suffix != f.watchlist) return true;
          // Keys of one article (one per watch-list) are adjacent.
          if (current && current->first == parts->time && current->second == parts->article_id) {
            return true;
          }
          if (articles == limit) return false;
          current.emplace(parts->time, std::string(parts->article_id));
          Result<bool> pass = PassesArticleFilters(ro, f, true, parts->time, parts->article_id);
          if (!pass.ok()) return pass.status();
          if (*pass) {
            ++articles;
            (*grouped)[*current];
          }
          return true;
        });
  }

  // Flagged articles (by f.watchlist, if set) of one feed id or outlet name.
  Status ScanSource(const rocksdb::ReadOptions& ro, char kind, const Filters& f,
                    const MatchQuery& query, size_t limit, bool flagged, Grouped* grouped) {
    size_t articles = 0;
    return ScanRangeBackwards(
        ro, kArticlesBySource, std::string(1, kind) + LengthPrefixed(f.source), query,
        [&](std::string_view key, std::string_view value) -> Result<bool> {
          const std::optional<IndexKeyParts> parts = DecodeIndexKey(key.substr(1));
          const std::optional<std::vector<std::string>> watchlists = DecodeWatchlistSet(value);
          if (!parts.has_value() || parts->name != f.source || !parts->suffix.empty() ||
              !watchlists.has_value()) {
            return Status::Corruption("malformed entry in articles_by_source");
          }
          if (flagged && watchlists->empty()) return true;
          if (!f.watchlist.empty() &&
              std::find(watchlists->begin(), watchlists->end(), f.watchlist) == watchlists->end()) {
            return true;
          }
          if (articles == limit) return false;
          Result<bool> pass = PassesArticleFilters(ro, f, false, parts->time, parts->article_id);
          if (!pass.ok()) return pass.status();
          if (*pass) {
            ++articles;
            (*grouped)[{parts->time, std::string(parts->article_id)}];
          }
          return true;
        });
  }

  // The matches of one article in each watch-list of `scope`: one short
  // range per watch-list (the key prefix up to the article id is unique).
  Status FillMatches(const rocksdb::ReadOptions& base, const std::vector<std::string>& scope,
                     const std::pair<int64_t, std::string>& article,
                     std::vector<MatchRecord>* out) {
    for (const std::string& watchlist : scope) {
      const std::string prefix =
          MatchKeyPrefix(watchlist) + EncodeTime(article.first) + article.second;
      const std::string upper = PrefixSuccessor(prefix);
      const rocksdb::Slice upper_slice = ToSlice(upper);
      rocksdb::ReadOptions ro = base;
      ro.iterate_upper_bound = &upper_slice;
      std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kMatches)));
      for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
        const std::optional<MatchKeyParts> parts = DecodeMatchKey(ToView(it->key()));
        if (!parts.has_value() || parts->watchlist_id != watchlist) {
          return Status::Corruption("malformed key in matches (watch-list " + watchlist + ")");
        }
        MatchRecord match;
        match.watchlist_id = watchlist;
        match.target_id.assign(parts->target_id);
        Status decoded = DecodeMatchValue(ToView(it->value()), &match);
        if (!decoded.ok()) return decoded.WithContext("watch-list " + watchlist);
        out->push_back(std::move(match));
      }
      MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading matches of " + watchlist));
    }
    return Status::Ok();
  }

  // The newest stored fingerprints of one band key, as the band's keys
  // order them (newest first, ties by article id): what FindCluster reads.
  struct BandCandidate {
    int64_t time = 0;
    std::string article_id;
    uint64_t simhash = 0;
    std::string cluster_id;
  };
  using BandEntries = std::vector<BandCandidate>;

  // Up to kClusterCandidatesPerBand entries of `band` with oldest_time <=
  // time <= newest_time (no upper limit with std::nullopt), newest first.
  Status ReadBand(rocksdb::Iterator* it, uint64_t band, std::optional<int64_t> newest_time,
                  int64_t oldest_time, BandEntries* out) {
    const std::string prefix = FingerprintBandPrefix(band);
    const std::string lower = newest_time ? prefix + NewestFirstTime(*newest_time) : prefix;
    const std::string upper = oldest_time == INT64_MIN ? PrefixSuccessor(prefix)
                                                       : prefix + NewestFirstTime(oldest_time - 1);
    for (it->Seek(ToSlice(lower));
         it->Valid() && out->size() < kClusterCandidatesPerBand && ToView(it->key()) < upper;
         it->Next()) {
      const std::optional<FingerprintBandKeyParts> key =
          DecodeFingerprintBandKey(ToView(it->key()));
      const std::optional<FingerprintValue> value = DecodeFingerprintValue(ToView(it->value()));
      if (!key.has_value() || key->band != band || !value.has_value()) {
        return Status::Corruption("malformed entry in fingerprints");
      }
      out->push_back({key->time, std::string(key->article_id), value->simhash,
                      std::string(value->cluster_id)});
    }
    return FromRocks(it->status(), "reading fingerprints");
  }

  // The cluster of the nearest stored fingerprint within
  // kSimHashMaxDistance among the bounded candidates (store.h PutArticle);
  // "" when there is none. Called under write_mu_.
  //
  // Each band's kClusterCandidatesPerBand newest entries are kept in memory
  // (band_cache_, loaded on first use, updated after each committed write).
  // For an article whose window reaches the band's newest entry — every
  // article of a crawl that keeps up — those are exactly the entries the
  // lookup reads, so it costs no read at all. Older articles (a backfill)
  // read the band from the database.
  Result<std::string> FindCluster(const rocksdb::ReadOptions& base, uint64_t simhash,
                                  int64_t time) {
    std::string best_cluster;
    int best_distance = kSimHashMaxDistance + 1;
    const int64_t newest =
        time > INT64_MAX - kClusterWindowSeconds ? INT64_MAX : time + kClusterWindowSeconds;
    const int64_t oldest =
        time < INT64_MIN + kClusterWindowSeconds + 1 ? INT64_MIN : time - kClusterWindowSeconds;
    std::unique_ptr<rocksdb::Iterator> it;  // one for every band: creating one costs most
    auto iterator = [&] {
      if (!it) it.reset(db_.db->NewIterator(base, db_.cf(kFingerprints)));
      return it.get();
    };
    for (uint64_t band : SimHashBands(simhash, kSimHashMaxDistance)) {
      auto cached = band_cache_.find(band);
      if (cached == band_cache_.end()) {
        BandEntries entries;
        MW_RETURN_IF_ERROR(ReadBand(iterator(), band, std::nullopt, INT64_MIN, &entries));
        cached = band_cache_.emplace(band, std::move(entries)).first;
      }
      const BandEntries* entries = &cached->second;
      BandEntries read;
      if (!entries->empty() && entries->front().time > newest) {
        MW_RETURN_IF_ERROR(ReadBand(iterator(), band, newest, oldest, &read));
        entries = &read;
      }
      for (const BandCandidate& c : *entries) {
        if (c.time < oldest) break;
        const int distance = HammingDistance(simhash, c.simhash);
        if (distance < best_distance) {
          best_distance = distance;
          best_cluster = c.cluster_id;
        }
      }
    }
    return best_cluster;
  }

  // Adds a committed article's fingerprint to the loaded bands of
  // band_cache_. Called under write_mu_.
  void CacheFingerprint(uint64_t simhash, int64_t time, const std::string& id,
                        const std::string& cluster_id) {
    for (uint64_t band : SimHashBands(simhash, kSimHashMaxDistance)) {
      auto cached = band_cache_.find(band);
      if (cached == band_cache_.end()) continue;  // read whole when first used
      BandEntries& entries = cached->second;
      // Band key order: newest first, then by id.
      auto pos = std::find_if(entries.begin(), entries.end(), [&](const BandCandidate& c) {
        return c.time < time || (c.time == time && c.article_id > id);
      });
      if (pos == entries.end() && entries.size() >= kClusterCandidatesPerBand) continue;
      entries.insert(pos, BandCandidate{time, id, simhash, cluster_id});
      if (entries.size() > kClusterCandidatesPerBand) entries.pop_back();
    }
  }

  // Member keys of `cluster_id`, oldest first: their article ids, at most
  // `limit`.
  Result<std::vector<std::string>> ClusterMemberIds(const rocksdb::ReadOptions& base,
                                                    std::string_view cluster_id, size_t limit) {
    std::vector<std::string> ids;
    const std::string prefix = ClusterMemberPrefix(cluster_id);
    const std::string upper = PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kFingerprints)));
    for (it->Seek(ToSlice(prefix)); it->Valid() && ids.size() < limit; it->Next()) {
      const std::optional<ClusterMemberKeyParts> parts = DecodeClusterMemberKey(ToView(it->key()));
      if (!parts.has_value() || parts->cluster_id != cluster_id) {
        return Status::Corruption("malformed cluster key in fingerprints");
      }
      ids.emplace_back(parts->article_id);
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading cluster " + std::string(cluster_id)));
    return ids;
  }

  // Member keys of `cluster_id`, up to kMaxClusterSizeCount.
  Result<size_t> CountClusterMembers(const rocksdb::ReadOptions& base,
                                     std::string_view cluster_id) {
    const std::string prefix = ClusterMemberPrefix(cluster_id);
    const std::string upper = PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kFingerprints)));
    size_t count = 0;
    for (it->Seek(ToSlice(prefix)); it->Valid() && count < kMaxClusterSizeCount; it->Next()) {
      ++count;
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "counting cluster " + std::string(cluster_id)));
    return count;
  }

  Status ReadClusterMembers(const rocksdb::ReadOptions& ro, std::string_view cluster_id,
                            size_t limit, std::vector<ArticleRecord>* members) {
    Result<std::vector<std::string>> ids = ClusterMemberIds(ro, cluster_id, limit);
    if (!ids.ok()) return ids.status();
    for (const std::string& id : *ids) {
      Result<std::optional<ArticleRecord>> article = ReadArticle(ro, id, /*with_text=*/false);
      if (!article.ok()) return article.status();
      if (!article->has_value()) {
        return Status::Corruption("cluster " + std::string(cluster_id) + " lists missing article " +
                                  id);
      }
      members->push_back(std::move(**article));
    }
    return Status::Ok();
  }

  Result<std::vector<ArticleVersion>> ReadVersions(const rocksdb::ReadOptions& base,
                                                   std::string_view id) {
    std::vector<ArticleVersion> versions;
    const std::string prefix(id);
    const std::string upper = PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kVersions)));
    for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
      Result<ArticleVersion> v = DecodeVersion(ToView(it->value()));
      if (!v.ok()) return v.status().WithContext("article " + std::string(id));
      versions.push_back(std::move(v).value());
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "reading versions"));
    return versions;
  }

  static Status CheckAppStateKey(std::string_view key) {
    if (key.empty() || key.size() > kMaxAppStateKeySize) {
      return Status::InvalidArgument("app state key of " + std::to_string(key.size()) +
                                     " bytes (1 to " + std::to_string(kMaxAppStateKeySize) + ")");
    }
    return Status::Ok();
  }

  // The record under a 'p' key, checked against the key.
  static Result<AlertRecord> DecodePendingEntry(std::string_view key, std::string_view value) {
    const std::optional<AlertPendingKeyParts> parts = DecodeAlertPendingKey(key);
    if (!parts.has_value()) return Status::Corruption("malformed outbox key in alerts");
    Result<AlertRecord> alert = DecodeAlert(value);
    if (!alert.ok()) return alert.status().WithContext("alert " + std::string(parts->alert_id));
    if (alert->id != parts->alert_id || alert->created_at != parts->created_at) {
      return Status::Corruption("record stored under alert " + std::string(parts->alert_id) +
                                " carries alert " + alert->id);
    }
    return alert;
  }

  // The delivery states of alert `id`, by sink.
  Status ReadDeliveries(const rocksdb::ReadOptions& base, std::string_view id,
                        std::vector<AlertDelivery>* out) {
    const std::string prefix = AlertDeliveryPrefix(id);
    const std::string upper = PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kAlerts)));
    for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
      const std::optional<AlertDeliveryKeyParts> parts = DecodeAlertDeliveryKey(ToView(it->key()));
      if (!parts.has_value() || parts->alert_id != id) {
        return Status::Corruption("malformed delivery key in alerts");
      }
      Result<AlertDelivery> d = DecodeDelivery(ToView(it->value()));
      if (!d.ok()) return d.status().WithContext("alert " + std::string(id));
      if (d->sink != parts->sink) {
        return Status::Corruption("delivery record of sink " + std::string(parts->sink) +
                                  " names sink " + d->sink);
      }
      out->push_back(std::move(d).value());
    }
    return FromRocks(it->status(), "reading alert deliveries");
  }

  // Upserts `updates` in one batch after checking that every alert of
  // `ids` (which holds those of `updates`) is pending.
  Status WriteDeliveries(const std::set<std::string>& ids,
                         const std::vector<std::pair<std::string, AlertDelivery>>& updates) {
    MW_RETURN_IF_ERROR(CheckWritable());
    std::set<std::pair<std::string_view, std::string_view>> seen;
    for (const auto& [id, d] : updates) {
      if (d.sink.empty() || d.sink.size() > kMaxSinkNameSize) {
        return Status::InvalidArgument("delivery of alert " + id +
                                       " with an empty or over-long sink name");
      }
      if (d.batch_id.size() > kMaxDeliveryFieldSize ||
          d.last_error.size() > kMaxDeliveryFieldSize) {
        return Status::InvalidArgument("delivery of alert " + id + " to " + d.sink +
                                       ": batch id or error too long");
      }
      if (!seen.emplace(id, d.sink).second) {
        return Status::InvalidArgument("two delivery states of alert " + id + " for sink " +
                                       d.sink);
      }
    }
    // Under the lock: CompleteAlerts must not remove an alert between the
    // check and the write (its delivery keys would be left behind).
    std::lock_guard<std::mutex> lock(write_mu_);
    const rocksdb::ReadOptions ro;
    for (const std::string& id : ids) {
      Result<std::optional<std::string>> indexed =
          id.empty() ? Result<std::optional<std::string>>(std::optional<std::string>())
                     : GetRaw(db_, ro, kAlerts, AlertIndexKey(id));
      if (!indexed.ok()) return indexed.status();
      if (!indexed->has_value()) return Status::NotFound("alert " + id + " is not pending");
    }
    if (updates.empty()) return Status::Ok();
    rocksdb::WriteBatch batch;
    for (const auto& [id, d] : updates) {
      batch.Put(db_.cf(kAlerts), AlertDeliveryKey(id, d.sink), EncodeDelivery(d));
    }
    return FromRocks(db_.db->Write(WriteOpts(), &batch), "storing alert deliveries");
  }

  // Up to `limit` history records of one watch-list, newest first.
  Status ReadHistory(const rocksdb::ReadOptions& base, std::string_view watchlist, size_t limit,
                     std::vector<AlertRecord>* out) {
    const std::string prefix = AlertHistoryPrefix(watchlist);
    const std::string upper = PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kAlerts)));
    size_t read = 0;
    for (it->Seek(ToSlice(prefix)); it->Valid() && read < limit; it->Next(), ++read) {
      const std::optional<AlertHistoryKeyParts> parts = DecodeAlertHistoryKey(ToView(it->key()));
      if (!parts.has_value() || parts->watchlist_id != watchlist) {
        return Status::Corruption("malformed history key in alerts");
      }
      Result<AlertRecord> alert = DecodeAlert(ToView(it->value()));
      if (!alert.ok()) return alert.status().WithContext("alert " + std::string(parts->alert_id));
      if (alert->id != parts->alert_id || alert->watchlist_id != watchlist ||
          alert->created_at != parts->created_at) {
        return Status::Corruption("history record stored under alert " +
                                  std::string(parts->alert_id) + " carries alert " + alert->id);
      }
      out->push_back(std::move(alert).value());
    }
    return FromRocks(it->status(), "reading the alert history");
  }

  Result<size_t> CountPending(const rocksdb::ReadOptions& base) {
    const std::string lower(1, kAlertPendingKind);
    const std::string upper = PrefixSuccessor(lower);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kAlerts)));
    size_t count = 0;
    for (it->Seek(ToSlice(lower)); it->Valid(); it->Next()) ++count;
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "counting pending alerts"));
    return count;
  }

  rocksdb::WriteOptions WriteOpts() const {
    rocksdb::WriteOptions wo;
    wo.sync = sync_;
    return wo;
  }

  // url_index entries for the aliases of `write` that no article has yet,
  // pointing at `id`. Called under write_mu_.
  Status PutNewAliases(const rocksdb::ReadOptions& ro, const ArticleWrite& write,
                       const std::string& id, rocksdb::WriteBatch* batch) {
    std::set<std::string_view> done{write.article.url};
    for (const std::string& alias : write.alias_urls) {
      if (!done.insert(alias).second) continue;
      Result<std::optional<std::string>> known = GetRaw(db_, ro, kUrlIndex, alias);
      if (!known.ok()) return known.status();
      if (!known->has_value()) batch->Put(db_.cf(kUrlIndex), alias, id);
    }
    return Status::Ok();
  }

  static void SortMatches(std::vector<MatchRecord>* matches) {
    std::sort(matches->begin(), matches->end(), [](const MatchRecord& a, const MatchRecord& b) {
      return std::tie(a.watchlist_id, a.target_id) < std::tie(b.watchlist_id, b.target_id);
    });
  }

  Status CheckWritable() const {
    if (follower_) {
      return Status::Unsupported("database " + dir_ + " was opened read-only (as a follower)");
    }
    if (read_only_) return Status::Unsupported("database " + dir_ + " was opened read-only");
    return Status::Ok();
  }

  // The view one public read method reads through (every one holds one for
  // its whole run, and calls no other public method). A follower's view
  // moves only in Refresh(), which takes view_mu_ exclusively, so holding
  // it shared keeps the view still: all reads of the method see the same
  // committed batches. A follower takes no snapshot (RocksDB secondaries
  // refuse iterators with one, and need none while the view is still);
  // other instances take one when `consistent` (methods that read an index
  // and then the records it names).
  class ReadView {
   public:
    ReadView(const RocksStore* store, bool consistent) {
      if (store->follower_) {
        lock_ = std::shared_lock<std::shared_mutex>(store->view_mu_);
      } else if (consistent) {
        snapshot_.emplace(store->db_.db.get());
        options_.snapshot = snapshot_->snapshot();
      }
    }
    ReadView(const ReadView&) = delete;
    ReadView& operator=(const ReadView&) = delete;

    const rocksdb::ReadOptions& options() const { return options_; }

   private:
    std::shared_lock<std::shared_mutex> lock_;
    std::optional<rocksdb::ManagedSnapshot> snapshot_;
    rocksdb::ReadOptions options_;
  };

  // The record of article `id`; its text from article_text when asked for.
  Result<std::optional<ArticleRecord>> ReadArticle(const rocksdb::ReadOptions& ro,
                                                   std::string_view id, bool with_text) {
    Result<std::optional<std::string>> raw = GetRaw(db_, ro, kArticles, id);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<ArticleRecord>();
    Result<ArticleRecord> article = DecodeArticle(**raw);
    if (!article.ok()) return article.status().WithContext("article " + std::string(id));
    if (article->id != id) {
      return Status::Corruption("record stored under article " + std::string(id) + " carries id " +
                                article->id);
    }
    if (with_text) {
      Result<std::optional<std::string>> text = GetRaw(db_, ro, kArticleText, id);
      if (!text.ok()) return text.status();
      // An article without text has no entry.
      if (text->has_value()) article->text = std::move(**text);
    } else {
      article->text.clear();
    }
    return std::optional<ArticleRecord>(std::move(article).value());
  }

  static Result<FeedState> DecodeFeedStateFor(std::string_view feed_id, std::string_view bytes) {
    Result<FeedState> state = DecodeFeedState(bytes);
    if (!state.ok()) return state.status().WithContext("feed " + std::string(feed_id));
    if (state->feed_id != feed_id) {
      return Status::Corruption("record stored under feed " + std::string(feed_id) +
                                " carries feed id " + state->feed_id);
    }
    return state;
  }

  // Distinct watch-list ids, found by hopping from one key prefix to the
  // next instead of reading every match.
  Result<std::vector<std::string>> ListWatchlists(const rocksdb::ReadOptions& ro) {
    std::vector<std::string> watchlists;
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kMatches)));
    it->SeekToFirst();
    while (it->Valid()) {
      const std::optional<MatchKeyParts> parts = DecodeMatchKey(ToView(it->key()));
      if (!parts.has_value()) return Status::Corruption("malformed key in matches");
      watchlists.emplace_back(parts->watchlist_id);
      const std::string next = PrefixSuccessor(MatchKeyPrefix(parts->watchlist_id));
      if (next.empty()) break;
      it->Seek(next);
    }
    MW_RETURN_IF_ERROR(FromRocks(it->status(), "listing watch-lists"));
    return watchlists;
  }

  // Adds the matches of the `query.limit` newest articles of one watch-list
  // within [since, until) that pass the language and source filters to
  // `grouped`, walking its key range backwards.
  Status ScanWatchlist(const rocksdb::ReadOptions& ro, const std::string& watchlist,
                       const Filters& f, const MatchQuery& query, size_t limit, bool want_matches,
                       Grouped* grouped) {
    size_t articles = 0;
    std::optional<std::pair<int64_t, std::string>> current;
    bool current_passes = false;
    return ScanRangeBackwards(
        ro, kMatches, MatchKeyPrefix(watchlist), query,
        [&](std::string_view key, std::string_view value) -> Result<bool> {
          const std::optional<MatchKeyParts> parts = DecodeMatchKey(key);
          if (!parts.has_value() || parts->watchlist_id != watchlist) {
            return Status::Corruption("malformed key in matches (watch-list " + watchlist + ")");
          }
          if (!current || current->first != parts->time || current->second != parts->article_id) {
            if (articles == limit) return false;
            current.emplace(parts->time, std::string(parts->article_id));
            Result<bool> pass = PassesArticleFilters(ro, f, true, parts->time, parts->article_id);
            if (!pass.ok()) return pass.status();
            current_passes = *pass;
            if (current_passes) ++articles;
            if (current_passes && !want_matches) (*grouped)[*current];
          }
          if (!current_passes || !want_matches) return true;
          MatchRecord match;
          match.watchlist_id = watchlist;
          match.target_id.assign(parts->target_id);
          Status decoded = DecodeMatchValue(value, &match);
          if (!decoded.ok()) return decoded.WithContext("watch-list " + watchlist);
          (*grouped)[*current].push_back(std::move(match));
          return true;
        });
  }

  // A follower's RocksDB working directory (null otherwise). Declared
  // before db_ so that it outlives the DB, which logs into it.
  std::unique_ptr<PrivateDir> secondary_dir_;
  OpenedDb db_;
  const std::string dir_;
  const bool read_only_;
  const bool follower_;  // StoreOptions::follow: a RocksDB secondary
  const bool sync_;      // StoreOptions::sync_writes
  // A follower's view lock (ReadView, Refresh); unused otherwise.
  mutable std::shared_mutex view_mu_;
  // Serializes PutArticle's check-and-insert; guards the counters, which
  // mirror the count.* records written in the same batches.
  std::mutex write_mu_;
  int64_t article_count_;
  int64_t match_count_;
  // FindCluster's in-memory view of the newest entries of each band key
  // used so far (at most ~1,200 keys x kClusterCandidatesPerBand entries).
  std::unordered_map<uint64_t, BandEntries> band_cache_;
};

Result<rocksdb::ColumnFamilyHandle*> FindFamily(const OpenedDb& db, std::string_view name) {
  for (const HandlePtr& handle : db.handles) {
    if (handle->GetName() == name) return handle.get();
  }
  return Status::NotFound("no column family " + std::string(name));
}

}  // namespace

std::string TextCompressionName() {
  switch (TextCompression()) {
    case rocksdb::kZSTD:
      return "zstd";
    case rocksdb::kLZ4Compression:
      return "lz4";
    case rocksdb::kSnappyCompression:
      return "snappy";
    default:
      return "none";
  }
}

Status CreateDatabaseForTesting(const std::string& dir,
                                const std::vector<std::string>& column_families) {
  DbConfig config = MakeConfig(/*read_only=*/false, /*create_if_missing=*/true);
  config.db.error_if_exists = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(std::string(kMetaCf), config.base);
  for (const std::string& name : column_families) descriptors.emplace_back(name, config.base);
  Result<OpenedDb> db = OpenWithDescriptors(dir, config.db, false, std::move(descriptors));
  return db.status();
}

Status WriteRawForTesting(const std::string& dir, std::string_view column_family,
                          std::string_view key, std::optional<std::string_view> value) {
  std::vector<std::string> names;
  Result<OpenedDb> db = OpenExisting(dir, /*read_only=*/false, &names);
  if (!db.ok()) return db.status();
  Result<rocksdb::ColumnFamilyHandle*> cf = FindFamily(*db, column_family);
  if (!cf.ok()) return cf.status();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const rocksdb::Status s = value.has_value() ? db->db->Put(wo, *cf, ToSlice(key), ToSlice(*value))
                                              : db->db->Delete(wo, *cf, ToSlice(key));
  return FromRocks(s, "raw write");
}

Result<std::optional<std::string>> ReadRawForTesting(const std::string& dir,
                                                     std::string_view column_family,
                                                     std::string_view key) {
  std::vector<std::string> names;
  Result<OpenedDb> db = OpenExisting(dir, /*read_only=*/true, &names);
  if (!db.ok()) return db.status();
  Result<rocksdb::ColumnFamilyHandle*> cf = FindFamily(*db, column_family);
  if (!cf.ok()) return cf.status();
  std::string value;
  const rocksdb::Status s = db->db->Get(rocksdb::ReadOptions(), *cf, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "raw read");
  return std::optional<std::string>(std::move(value));
}

Result<std::unique_ptr<Store>> OpenRocksStoreImpl(const std::string& dir,
                                                  const StoreOptions& options) {
  if (dir.empty()) return Status::InvalidArgument("empty database directory");
  const std::filesystem::path path(dir);
  const bool read_only = options.read_only || options.follow;
  std::error_code ec;
  if (std::filesystem::is_regular_file(path / "CURRENT", ec)) {
    // Decide before a writable open, which would add our column families
    // to whatever is there: a foreign or newer database stays untouched.
    Result<Probe> probe = ProbeSchema(dir);
    if (!probe.ok()) return probe.status();
    if (read_only && probe->version != 0 && probe->version < kSchemaVersion) {
      return OlderReadOnlyError(probe->version);
    }
  } else {
    if (read_only || !options.create_if_missing) {
      return Status::NotFound("no mediawatch database in " + dir +
                              (options.follow ? " (a follower needs one: start the writer, e.g. "
                                                "mediawatch crawl or run, first)"
                                              : ""));
    }
    // RocksDB would happily create its files among someone else's.
    if (std::filesystem::is_directory(path, ec) && !std::filesystem::is_empty(path, ec)) {
      return Status::InvalidArgument("directory " + dir +
                                     " is not a mediawatch database (it holds other files); give "
                                     "a new or empty directory");
    }
  }
  std::unique_ptr<PrivateDir> secondary_dir;
  if (options.follow) {
    Result<std::unique_ptr<PrivateDir>> made = PrivateDir::Create("mediawatch-follower-");
    if (!made.ok()) return made.status().WithContext("opening " + dir + " as a follower");
    secondary_dir = std::move(made).value();
  }
  // On an error below, secondary_dir removes itself (after `db` closed).
  Result<OpenedDb> db = OpenDb(dir, read_only, options.create_if_missing,
                               secondary_dir ? secondary_dir->path() : std::string());
  if (!db.ok()) return db.status();
  MW_RETURN_IF_ERROR(CheckSchema(*db, dir, read_only));
  Result<int64_t> articles = LoadCounter(*db, kArticleCountKey, kArticles);
  if (!articles.ok()) return articles.status();
  Result<int64_t> matches = LoadCounter(*db, kMatchCountKey, kMatches);
  if (!matches.ok()) return matches.status();
  return std::unique_ptr<Store>(std::make_unique<RocksStore>(std::move(db).value(), dir, read_only,
                                                             options.sync_writes, *articles,
                                                             *matches, std::move(secondary_dir)));
}

}  // namespace storage_internal

Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir, const StoreOptions& options) {
  return storage_internal::OpenRocksStoreImpl(dir, options);
}

std::string ArticleIdForUrl(std::string_view canonical_url) {
  // FNV-1a, 64-bit: fixed by the format (ids are stored keys), not a choice
  // to revisit without a schema version bump.
  constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t hash = kOffsetBasis;
  for (char c : canonical_url) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    id[i] = kHex[hash & 0xF];
    hash >>= 4;
  }
  return id;
}

}  // namespace mw
