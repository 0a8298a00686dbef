// mediawatch/storage/html_cache.h
//
// Private to storage/ (and its tests): a worker-local key-value cache of
// archived raw pages (ArticleWrite::raw_html) in a RocksDB directory of its
// own, keyed by article id. The PostgreSQL store uses it when
// StoreOptions::raw_html_cache_dir is set, so that the bulky pages stay on
// the worker's disk instead of the shared server; the server stays the index
// of record.
//
//   Result<std::unique_ptr<HtmlCache>> cache = HtmlCache::Open(dir, {});
//   MW_RETURN_IF_ERROR((*cache)->Put(id, page));
//   Result<std::optional<std::string>> page = (*cache)->Get(id);
//
// A cache directory holds a marker key that only this class writes; Open
// refuses any directory that lacks it (a mediawatch RocksDB store, some
// other RocksDB database, a directory of other files, a regular file), so a
// mistyped --html-cache never writes into someone else's data.
//
// Values are compressed (LZ4, ZSTD for the bottommost level, when the
// librocksdb build has them). Writes go to the write-ahead log without
// fsync: a page survives the process being killed, not a power cut — it is
// a cache.
//
// Thread safety: all methods may be called from any thread at once. One
// process at a time may open a directory for writing (RocksDB's lock: a
// second writable open fails with kIoError); read-only opens take no lock
// and see the cache as of their open.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

struct HtmlCacheOptions {
  // Open without write access: Put returns kUnsupported, and the directory
  // must hold a cache already (else kNotFound). Default: false.
  bool read_only = false;
};

class HtmlCache {
 public:
  // Opens the cache in `dir`, creating the directory and the cache when
  // writable and `dir` is missing or empty. Errors: kInvalidArgument (`dir`
  // is empty, a regular file, a non-empty directory that is not a cache, or
  // a RocksDB database without this cache's marker, such as a mediawatch
  // store: left untouched), kNotFound (read-only and no cache there),
  // kIoError (cannot create or open; locked by another process),
  // kCorruption.
  static Result<std::unique_ptr<HtmlCache>> Open(const std::string& dir,
                                                 const HtmlCacheOptions& options);

  ~HtmlCache();
  HtmlCache(const HtmlCache&) = delete;
  HtmlCache& operator=(const HtmlCache&) = delete;

  // Stores `bytes` under `article_id`, replacing what was there. Errors:
  // kInvalidArgument (an empty id, or one starting with NUL — the marker's
  // key space), kTooLarge (more than kMaxRawHtmlBytes), kUnsupported
  // (read-only), kIoError.
  Status Put(std::string_view article_id, std::string_view bytes);

  // The bytes stored under `article_id`; std::nullopt when none (also for an
  // id Put would refuse). Errors: kIoError, kCorruption.
  Result<std::optional<std::string>> Get(std::string_view article_id) const;

  const std::string& dir() const { return dir_; }

 private:
  struct Db;
  HtmlCache(std::unique_ptr<Db> db, std::string dir, bool read_only);

  std::unique_ptr<Db> db_;
  const std::string dir_;
  const bool read_only_;
  std::mutex write_mu_;  // serializes Put
};

}  // namespace mw
