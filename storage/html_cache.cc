// mediawatch/storage/html_cache.cc
#include "storage/html_cache.h"

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/store.h"

namespace mw {
namespace {

// The marker: its key starts with NUL, which no article id does (Put
// refuses such ids), and its value is the cache's format version.
constexpr std::string_view kMarkerKey("\0mediawatch.html_cache", 22);
constexpr std::string_view kFormatVersion = "1";

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

Status FromRocks(const rocksdb::Status& s, const std::string& context) {
  if (s.ok()) return Status::Ok();
  std::string message = context + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(message));
  if (s.IsNotFound()) return Status::NotFound(std::move(message));
  if (s.IsNotSupported()) return Status::Unsupported(std::move(message));
  return Status::IoError(std::move(message));
}

bool Has(const std::vector<rocksdb::CompressionType>& supported, rocksdb::CompressionType type) {
  return std::find(supported.begin(), supported.end(), type) != supported.end();
}

// HTML compresses well (often 5-10x); LZ4 keeps writes cheap and ZSTD packs
// the bulk of the data, which sits in the bottommost level.
rocksdb::Options CacheOptions(bool create) {
  rocksdb::Options options;
  options.create_if_missing = create;
  options.create_missing_column_families = false;
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  const rocksdb::CompressionType fast =
      Has(supported, rocksdb::kLZ4Compression)      ? rocksdb::kLZ4Compression
      : Has(supported, rocksdb::kSnappyCompression) ? rocksdb::kSnappyCompression
                                                    : rocksdb::kNoCompression;
  options.compression = fast;
  options.bottommost_compression = Has(supported, rocksdb::kZSTD) ? rocksdb::kZSTD : fast;
  // A long-running worker should not collect info logs without bound.
  options.keep_log_file_num = 2;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return options;
}

Status NotACache(const std::string& dir, std::string_view what) {
  return Status::InvalidArgument("directory " + dir + " is not a mediawatch HTML cache (" +
                                 std::string(what) +
                                 "); give a new or empty directory, or one an earlier "
                                 "--html-cache created");
}

}  // namespace

struct HtmlCache::Db {
  std::unique_ptr<rocksdb::DB> db;
};

HtmlCache::HtmlCache(std::unique_ptr<Db> db, std::string dir, bool read_only)
    : db_(std::move(db)), dir_(std::move(dir)), read_only_(read_only) {}

HtmlCache::~HtmlCache() {
  if (db_ && db_->db) {
    // Close errors cannot be reported from a destructor; the WAL holds
    // every acknowledged Put anyway.
    (void)db_->db->Close();
  }
}

Result<std::unique_ptr<HtmlCache>> HtmlCache::Open(const std::string& dir,
                                                   const HtmlCacheOptions& options) {
  namespace fs = std::filesystem;
  if (dir.empty()) return Status::InvalidArgument("empty HTML cache directory");
  const fs::path path(dir);
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    return Status::InvalidArgument("HTML cache " + dir + " is not a directory");
  }
  bool exists = false;
  if (fs::is_regular_file(path / "CURRENT", ec)) {
    // A RocksDB database: decide from a read-only look, which changes
    // nothing, before a writable open that would add its own files.
    std::vector<std::string> families;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::Options(), dir, &families);
    if (!s.ok()) return FromRocks(s, "cannot open HTML cache " + dir);
    if (families.size() != 1 || families[0] != rocksdb::kDefaultColumnFamilyName) {
      return NotACache(dir, "it holds another RocksDB database, such as a mediawatch store");
    }
    rocksdb::DB* raw = nullptr;
    s = rocksdb::DB::OpenForReadOnly(CacheOptions(false), dir, &raw);
    if (!s.ok()) return FromRocks(s, "cannot open HTML cache " + dir);
    std::unique_ptr<rocksdb::DB> probe(raw);
    std::string version;
    s = probe->Get(rocksdb::ReadOptions(), ToSlice(kMarkerKey), &version);
    if (s.IsNotFound()) {
      // Empty: a creation interrupted before the marker was written is
      // finished below; anything else belongs to someone else.
      std::unique_ptr<rocksdb::Iterator> it(probe->NewIterator(rocksdb::ReadOptions()));
      it->SeekToFirst();
      if (it->Valid()) return NotACache(dir, "it holds a RocksDB database without the marker");
      if (!it->status().ok()) return FromRocks(it->status(), "reading HTML cache " + dir);
    } else if (!s.ok()) {
      return FromRocks(s, "reading HTML cache " + dir);
    } else if (version != kFormatVersion) {
      return Status::Unsupported("HTML cache " + dir + " has format version " + version +
                                 ", not this build's (" + std::string(kFormatVersion) + ")");
    } else {
      exists = true;
    }
    (void)probe->Close();
  } else if (fs::is_directory(status) && !fs::is_empty(path, ec)) {
    return NotACache(dir, "it holds other files");
  }
  if (options.read_only && !exists) {
    return Status::NotFound("no HTML cache in " + dir);
  }
  auto db = std::make_unique<Db>();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(CacheOptions(false), dir, &raw);
  } else {
    fs::create_directories(path, ec);
    if (ec) return Status::IoError("cannot create HTML cache " + dir + ": " + ec.message());
    s = rocksdb::DB::Open(CacheOptions(true), dir, &raw);
  }
  if (!s.ok()) {
    const std::string text = s.ToString();
    if (s.IsIOError() && (text.find("While lock file") != std::string::npos ||
                          text.find("lock hold by current process") != std::string::npos)) {
      return Status::IoError("HTML cache " + dir + " is in use by another store (" + text + ")");
    }
    return FromRocks(s, "cannot open HTML cache " + dir);
  }
  db->db.reset(raw);
  if (!exists) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = db->db->Put(sync, ToSlice(kMarkerKey), ToSlice(kFormatVersion));
    if (!s.ok()) return FromRocks(s, "initializing HTML cache " + dir);
  }
  return std::unique_ptr<HtmlCache>(new HtmlCache(std::move(db), dir, options.read_only));
}

Status HtmlCache::Put(std::string_view article_id, std::string_view bytes) {
  if (read_only_) return Status::Unsupported("HTML cache " + dir_ + " is open read-only");
  if (article_id.empty() || article_id.front() == '\0') {
    return Status::InvalidArgument("HTML cache: invalid article id");
  }
  if (bytes.size() > kMaxRawHtmlBytes) {
    return Status::TooLarge("HTML cache: page of " + std::string(article_id) + " has " +
                            std::to_string(bytes.size()) + " bytes, more than " +
                            std::to_string(kMaxRawHtmlBytes));
  }
  // One writer at a time, as in the store (rocksdb_store.cc write_mu_):
  // RocksDB serializes concurrent writers itself, but inside the library,
  // where ThreadSanitizer cannot see it (its WAL buffer looked raced in the
  // tsan run); a page write is rare next to the fetch that produced it.
  std::lock_guard<std::mutex> lock(write_mu_);
  const rocksdb::Status s =
      db_->db->Put(rocksdb::WriteOptions(), ToSlice(article_id), ToSlice(bytes));
  return FromRocks(s, "writing the page of " + std::string(article_id) + " to HTML cache " + dir_);
}

Result<std::optional<std::string>> HtmlCache::Get(std::string_view article_id) const {
  using Out = std::optional<std::string>;
  if (article_id.empty() || article_id.front() == '\0') return Out();
  std::string value;
  const rocksdb::Status s = db_->db->Get(rocksdb::ReadOptions(), ToSlice(article_id), &value);
  if (s.IsNotFound()) return Out();
  if (!s.ok()) {
    return FromRocks(s,
                     "reading the page of " + std::string(article_id) + " from HTML cache " + dir_);
  }
  return Out(std::move(value));
}

}  // namespace mw
