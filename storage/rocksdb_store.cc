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
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

#include "storage/codec.h"
#include "storage/rocksdb_store_internal.h"
#include "storage/store.h"

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
  kNumCfs,
};
constexpr std::array<std::string_view, kNumCfs> kCfNames = {
    kMetaCf, kArticlesCf, kUrlIndexCf, kMatchesCf, kArticlesByTimeCf, kFeedStateCf, kHostStateCf};

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

struct DbConfig {
  rocksdb::DBOptions db;
  rocksdb::ColumnFamilyOptions base;      // every column family but articles
  rocksdb::ColumnFamilyOptions articles;  // base + stronger compression
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

  c.articles = c.base;
  c.articles.compression = TextCompression();
  c.articles.bottommost_compression = c.articles.compression;
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

Result<OpenedDb> OpenDb(const std::string& dir, bool read_only, bool create_if_missing) {
  if (dir.empty()) return Status::InvalidArgument("empty database directory");
  std::error_code ec;
  const bool exists = std::filesystem::is_regular_file(std::filesystem::path(dir) / "CURRENT", ec);
  if (!exists && (read_only || !create_if_missing)) {
    return Status::NotFound("no mediawatch database in " + dir);
  }

  const DbConfig config = MakeConfig(read_only, create_if_missing);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kNumCfs; ++i) {
    descriptors.emplace_back(std::string(kCfNames[i]),
                             i == kArticles ? config.articles : config.base);
  }
  if (exists) {
    std::vector<std::string> existing;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(config.db, dir, &existing);
    if (!s.ok()) return OpenError(s, dir);
    // A writable open must name every family; a newer build may have added
    // some, and we still want to reach its schema version record to refuse
    // it with a clear message rather than a RocksDB error.
    for (const std::string& name : existing) {
      if (std::find(kCfNames.begin(), kCfNames.end(), name) == kCfNames.end()) {
        descriptors.emplace_back(name, config.base);
      }
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

  rocksdb::DB* raw_db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  const rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(config.db, dir, descriptors, &raw_handles, &raw_db)
                : rocksdb::DB::Open(config.db, dir, descriptors, &raw_handles, &raw_db);
  OpenedDb opened;
  opened.db.reset(raw_db);
  for (rocksdb::ColumnFamilyHandle* handle : raw_handles) opened.handles.emplace_back(handle);
  if (!s.ok()) return OpenError(s, dir);
  if (opened.db == nullptr || opened.handles.size() != descriptors.size()) {
    return Status::Internal("RocksDB opened " + dir + " without all column family handles");
  }
  return opened;
}

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

// Ensures the database speaks our key layout; stamps a brand-new one.
Status CheckSchema(const OpenedDb& db, const std::string& dir, bool read_only) {
  const rocksdb::ReadOptions ro;
  Result<std::optional<std::string>> version = GetRaw(db, ro, kMeta, kSchemaVersionKey);
  if (!version.ok()) return version.status();
  if (version->has_value()) {
    const std::optional<int64_t> number = ParseDecimal(**version);
    if (!number.has_value()) {
      return Status::Corruption("unreadable schema version record \"" + **version + "\" in " + dir);
    }
    const std::string supported = std::to_string(kSchemaVersion);
    if (*number > kSchemaVersion) {
      return Status::Unsupported("database schema version " + std::to_string(*number) +
                                 " is newer than this build supports (" + supported +
                                 "); upgrade mediawatch");
    }
    if (*number < kSchemaVersion) {
      return Status::Unsupported("database schema version " + std::to_string(*number) +
                                 " is older than this build supports (" + supported +
                                 ") and cannot be migrated");
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
  rocksdb::WriteOptions wo;
  wo.sync = true;  // Once per database; later opens rely on it being there.
  return FromRocks(db.db->Write(wo, &batch), "writing schema version to " + dir);
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
  // Two records with one (watch-list, target) would share a key and the
  // second would silently replace the first.
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const MatchRecord& m : matches) {
    if (m.watchlist_id.empty()) return Status::InvalidArgument("match with an empty watchlist_id");
    if (m.watchlist_id.size() > kMaxWatchlistIdSize) {
      return Status::InvalidArgument("watchlist_id longer than 65535 bytes");
    }
    if (m.target_id.empty()) {
      return Status::InvalidArgument("match in watch-list " + m.watchlist_id +
                                     " with an empty target_id");
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
  RocksStore(OpenedDb db, std::string dir, bool read_only, int64_t articles, int64_t matches)
      : db_(std::move(db)),
        dir_(std::move(dir)),
        read_only_(read_only),
        article_count_(articles),
        match_count_(matches) {}

  ~RocksStore() override {
    db_.handles.clear();  // before the DB, as RocksDB requires
    db_.db.reset();
  }

  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  Result<bool> HasArticleUrl(std::string_view canonical_url) override {
    if (canonical_url.empty()) return false;
    Result<std::optional<std::string>> id =
        GetRaw(db_, rocksdb::ReadOptions(), kUrlIndex, canonical_url);
    if (!id.ok()) return id.status();
    return id->has_value();
  }

  Result<bool> PutArticle(const ArticleRecord& article,
                          const std::vector<MatchRecord>& matches) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(ValidateArticle(article, matches));

    const int64_t time = ArticleTime(article);
    rocksdb::WriteBatch batch;
    batch.Put(db_.cf(kArticles), article.id, EncodeArticle(article));
    batch.Put(db_.cf(kUrlIndex), article.url, article.id);
    batch.Put(db_.cf(kArticlesByTime), ArticleTimeKey(time, article.id), rocksdb::Slice());
    for (const MatchRecord& m : matches) {
      batch.Put(db_.cf(kMatches), MatchKey(m.watchlist_id, time, article.id, m.target_id),
                EncodeMatchValue(m));
    }

    // Check and insert under one lock: without it two crawler threads that
    // fetched the same URL could both see "absent" and both count it.
    std::lock_guard<std::mutex> lock(write_mu_);
    const rocksdb::ReadOptions ro;
    Result<std::optional<std::string>> indexed = GetRaw(db_, ro, kUrlIndex, article.url);
    if (!indexed.ok()) return indexed.status();
    if (indexed->has_value()) return false;

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

    const int64_t articles = article_count_ + 1;
    const int64_t match_total = match_count_ + static_cast<int64_t>(matches.size());
    batch.Put(db_.cf(kMeta), ToSlice(kArticleCountKey), std::to_string(articles));
    batch.Put(db_.cf(kMeta), ToSlice(kMatchCountKey), std::to_string(match_total));
    MW_RETURN_IF_ERROR(
        FromRocks(db_.db->Write(rocksdb::WriteOptions(), &batch), "storing article " + article.id));
    article_count_ = articles;
    match_count_ = match_total;
    return true;
  }

  Result<std::optional<ArticleRecord>> GetArticle(std::string_view id) override {
    if (!IsValidArticleId(id)) return std::optional<ArticleRecord>();
    return ReadArticle(rocksdb::ReadOptions(), id);
  }

  Status PutFeedState(const FeedState& state) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    if (state.feed_id.empty()) return Status::InvalidArgument("feed state with an empty feed_id");
    return FromRocks(db_.db->Put(rocksdb::WriteOptions(), db_.cf(kFeedState), state.feed_id,
                                 EncodeFeedState(state)),
                     "storing feed state " + state.feed_id);
  }

  Result<std::optional<FeedState>> GetFeedState(std::string_view feed_id) override {
    if (feed_id.empty()) return std::optional<FeedState>();
    Result<std::optional<std::string>> raw =
        GetRaw(db_, rocksdb::ReadOptions(), kFeedState, feed_id);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<FeedState>();
    Result<FeedState> state = DecodeFeedStateFor(feed_id, **raw);
    if (!state.ok()) return state.status();
    return std::optional<FeedState>(std::move(state).value());
  }

  Status PutHostState(const HostState& state) override {
    if (state.host.empty()) return Status::InvalidArgument("host state without a host");
    MW_RETURN_IF_ERROR(CheckWritable());
    return FromRocks(db_.db->Put(rocksdb::WriteOptions(), db_.cf(kHostState), state.host,
                                 EncodeHostState(state)),
                     "writing host state");
  }

  Result<std::optional<HostState>> GetHostState(std::string_view host) override {
    if (host.empty()) return std::optional<HostState>();
    Result<std::optional<std::string>> raw = GetRaw(db_, rocksdb::ReadOptions(), kHostState, host);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<HostState>();
    Result<HostState> state = DecodeHostState(**raw);
    if (!state.ok()) return state.status().WithContext("host " + std::string(host));
    return std::optional<HostState>(std::move(state).value());
  }

  Result<std::vector<FeedState>> ListFeedStates() override {
    std::vector<FeedState> states;
    std::unique_ptr<rocksdb::Iterator> it(
        db_.db->NewIterator(rocksdb::ReadOptions(), db_.cf(kFeedState)));
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
    if (query.since && query.until && *query.since >= *query.until) return hits;
    const bool all = !query.watchlist_id.has_value() || query.watchlist_id->empty();
    if (!all && query.watchlist_id->size() > kMaxWatchlistIdSize) return hits;

    // One snapshot for index and records: PutArticle writes both in one
    // batch, so every match key seen here has its article.
    rocksdb::ManagedSnapshot snapshot(db_.db.get());
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot.snapshot();

    std::vector<std::string> watchlists;
    if (all) {
      Result<std::vector<std::string>> listed = ListWatchlists(ro);
      if (!listed.ok()) return listed.status();
      watchlists = std::move(listed).value();
    } else {
      watchlists.push_back(*query.watchlist_id);
    }

    // Each watch-list contributes its `limit` newest articles; the global
    // `limit` newest are among them, since an article's rank within one
    // watch-list is never worse than its rank overall.
    Grouped grouped;
    for (const std::string& watchlist : watchlists) {
      MW_RETURN_IF_ERROR(ScanWatchlist(ro, watchlist, query, &grouped));
      while (grouped.size() > query.limit) grouped.erase(std::prev(grouped.end()));
    }

    hits.reserve(grouped.size());
    for (auto& [key, matches] : grouped) {
      Result<std::optional<ArticleRecord>> article = ReadArticle(ro, key.second);
      if (!article.ok()) return article.status();
      if (!article->has_value()) {
        return Status::Corruption("matches refer to article " + key.second +
                                  ", which is not stored");
      }
      MatchHit hit;
      hit.article = std::move(**article);
      hit.article.text.clear();
      hit.time = key.first;
      hit.matches = std::move(matches);
      std::sort(
          hit.matches.begin(), hit.matches.end(), [](const MatchRecord& a, const MatchRecord& b) {
            return std::tie(a.watchlist_id, a.target_id) < std::tie(b.watchlist_id, b.target_id);
          });
      hits.push_back(std::move(hit));
    }
    return hits;
  }

  Result<std::vector<ArticleRecord>> ListArticles(size_t limit) override {
    std::vector<ArticleRecord> articles;
    if (limit == 0) return articles;
    rocksdb::ManagedSnapshot snapshot(db_.db.get());
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot.snapshot();
    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kArticlesByTime)));
    for (it->SeekToLast(); it->Valid() && articles.size() < limit; it->Prev()) {
      const std::optional<ArticleTimeKeyParts> parts = DecodeArticleTimeKey(ToView(it->key()));
      if (!parts.has_value()) return Status::Corruption("malformed key in articles_by_time");
      Result<std::optional<ArticleRecord>> article = ReadArticle(ro, parts->article_id);
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
    Result<int64_t> feeds = CountKeys(db_, rocksdb::ReadOptions(), kFeedState);
    if (!feeds.ok()) return feeds.status();
    stats.feeds = *feeds;
    std::lock_guard<std::mutex> lock(write_mu_);
    stats.articles = article_count_;
    stats.matches = match_count_;
    return stats;
  }

 private:
  // (article time, article id) -> its matches; newest first, like the hits.
  using Grouped = std::map<std::pair<int64_t, std::string>, std::vector<MatchRecord>,
                           std::greater<std::pair<int64_t, std::string>>>;

  Status CheckWritable() const {
    if (read_only_) return Status::Unsupported("database " + dir_ + " was opened read-only");
    return Status::Ok();
  }

  Result<std::optional<ArticleRecord>> ReadArticle(const rocksdb::ReadOptions& ro,
                                                   std::string_view id) {
    Result<std::optional<std::string>> raw = GetRaw(db_, ro, kArticles, id);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<ArticleRecord>();
    Result<ArticleRecord> article = DecodeArticle(**raw);
    if (!article.ok()) return article.status().WithContext("article " + std::string(id));
    if (article->id != id) {
      return Status::Corruption("record stored under article " + std::string(id) + " carries id " +
                                article->id);
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
  // within [since, until) to `grouped`, walking its key range backwards.
  Status ScanWatchlist(const rocksdb::ReadOptions& base, const std::string& watchlist,
                       const MatchQuery& query, Grouped* grouped) {
    const std::string prefix = MatchKeyPrefix(watchlist);
    const std::string lower = query.since ? prefix + EncodeTime(*query.since) : prefix;
    const std::string upper =
        query.until ? prefix + EncodeTime(*query.until) : PrefixSuccessor(prefix);
    // The bounds must outlive the iterator.
    const rocksdb::Slice lower_slice = ToSlice(lower);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions ro = base;
    ro.iterate_lower_bound = &lower_slice;
    ro.iterate_upper_bound = upper.empty() ? nullptr : &upper_slice;

    std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.cf(kMatches)));
    size_t articles = 0;
    std::optional<std::pair<int64_t, std::string>> current;
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      const std::optional<MatchKeyParts> parts = DecodeMatchKey(ToView(it->key()));
      if (!parts.has_value() || parts->watchlist_id != watchlist) {
        return Status::Corruption("malformed key in matches (watch-list " + watchlist + ")");
      }
      if (!current || current->first != parts->time || current->second != parts->article_id) {
        if (articles == query.limit) break;
        ++articles;
        current.emplace(parts->time, std::string(parts->article_id));
      }
      MatchRecord match;
      match.watchlist_id = watchlist;
      match.target_id.assign(parts->target_id);
      Status decoded = DecodeMatchValue(ToView(it->value()), &match);
      if (!decoded.ok()) return decoded.WithContext("watch-list " + watchlist);
      (*grouped)[*current].push_back(std::move(match));
    }
    return FromRocks(it->status(), "scanning matches of watch-list " + watchlist);
  }

  OpenedDb db_;
  const std::string dir_;
  const bool read_only_;
  // Serializes PutArticle's check-and-insert; guards the counters, which
  // mirror the count.* records written in the same batches.
  std::mutex write_mu_;
  int64_t article_count_;
  int64_t match_count_;
};

Result<rocksdb::ColumnFamilyHandle*> FindFamily(const OpenedDb& db, std::string_view name) {
  for (const HandlePtr& handle : db.handles) {
    if (handle->GetName() == name) return handle.get();
  }
  return Status::NotFound("no column family " + std::string(name));
}

}  // namespace

Status WriteRawForTesting(const std::string& dir, std::string_view column_family,
                          std::string_view key, std::optional<std::string_view> value) {
  Result<OpenedDb> db = OpenDb(dir, /*read_only=*/false, /*create_if_missing=*/false);
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
  Result<OpenedDb> db = OpenDb(dir, /*read_only=*/true, /*create_if_missing=*/false);
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
  Result<OpenedDb> db = OpenDb(dir, options.read_only, options.create_if_missing);
  if (!db.ok()) return db.status();
  MW_RETURN_IF_ERROR(CheckSchema(*db, dir, options.read_only));
  Result<int64_t> articles = LoadCounter(*db, kArticleCountKey, kArticles);
  if (!articles.ok()) return articles.status();
  Result<int64_t> matches = LoadCounter(*db, kMatchCountKey, kMatches);
  if (!matches.ok()) return matches.status();
  return std::unique_ptr<Store>(std::make_unique<RocksStore>(
      std::move(db).value(), dir, options.read_only, *articles, *matches));
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
