// mediawatch/storage/pg_store.cc
//
// The PostgreSQL implementation of Store (storage/pg_store.h). The tables are
// documented for researchers in docs/postgresql.md; this file owns the
// connection pool, the migrations and the queries.
//
// libpqxx reports errors by throwing: every pqxx call runs inside Run(),
// which converts exceptions to Status, so none crosses the Store API.
// Every value travels as a bound parameter (exec_params); the only SQL built
// at run time is QueryMatches' WHERE clause, assembled from fixed fragments
// with $n placeholders.
//
// Concurrency. Writes are single transactions at READ COMMITTED. The claim
// of an article's URL is an INSERT ... ON CONFLICT DO NOTHING on the URL
// table's primary key: of two workers storing one URL at once, the second
// waits for the first to commit and then inserts nothing, so exactly one
// sees inserted=true. Clustering takes a transaction-scoped advisory lock on
// each of the article's SimHash band keys (sorted, so no two writers wait on
// each other in a cycle) before looking for candidates: near-duplicates
// share a band (pigeonhole), so a copy stored concurrently is seen, as in the
// RocksDB store's locked lookup. Deadlocks between writers (aliases claimed
// in opposite orders) and serialization failures are retried a bounded
// number of times.
#include "storage/pg_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "storage/codec.h"
#include "storage/html_cache.h"
#include "storage/store.h"
#include "text/simhash.h"

namespace mw {
namespace {

using storage_internal::ArticleTime;
using storage_internal::IsValidArticleId;
using storage_internal::kMaxIndexNameSize;
using storage_internal::kMaxWatchlistIdSize;
using storage_internal::PrimaryLanguageSubtag;

// Attempts of one call when PostgreSQL aborts it for a deadlock or a
// serialization failure (both say "try again").
constexpr int kMaxAttempts = 8;

// pg_advisory_xact_lock(int, int) key of the migrations. The two-int key
// space does not overlap the bigint one that the band locks use.
constexpr int kMigrationLockKey1 = 0x6d77;  // "mw"
constexpr int kMigrationLockKey2 = 1;

// --- Schema -----------------------------------------------------------------
//
// kMigrations[i] takes the schema from version i to i + 1, in one
// transaction. Append only: a released step never changes.
//
// Times are bigint Unix seconds, as in the API (exact, and any int64 a
// hostile feed produces is storable); docs/postgresql.md shows
// to_timestamp() for reading them. Identifier columns use the "C" collation
// so that ORDER BY is byte order, as in the RocksDB store, whatever the
// database's locale. Strings that come from the network as raw bytes
// (robots.txt, HTTP validators, error texts) are bytea.
constexpr const char* kMigrationV1 = R"SQL(
CREATE TABLE articles (
  id text COLLATE "C" PRIMARY KEY,
  url text COLLATE "C" NOT NULL,
  fetched_url text NOT NULL,
  feed_id text COLLATE "C" NOT NULL,
  source text COLLATE "C" NOT NULL,
  language text COLLATE "C" NOT NULL,
  language_primary text COLLATE "C" NOT NULL,
  language_norm text COLLATE "C" NOT NULL,
  title text NOT NULL,
  text text NOT NULL,
  byline text NOT NULL,
  charset text NOT NULL,
  published bigint,
  fetched_at bigint NOT NULL,
  article_time bigint NOT NULL,
  simhash bigint NOT NULL,
  cluster_id text COLLATE "C" NOT NULL
);
CREATE INDEX articles_time ON articles (article_time, id);
CREATE INDEX articles_feed_time ON articles (feed_id, article_time, id);
CREATE INDEX articles_source_time ON articles (source, article_time, id);
CREATE INDEX articles_language_time ON articles (language_primary, article_time, id);
CREATE INDEX articles_cluster ON articles (cluster_id, article_time, id) WHERE cluster_id <> '';
CREATE INDEX articles_url ON articles USING hash (url);

CREATE TABLE article_urls (
  url_sha256 bytea PRIMARY KEY,
  url text COLLATE "C" NOT NULL,
  article_id text COLLATE "C" NOT NULL
    REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
  is_alias boolean NOT NULL
);
CREATE INDEX article_urls_url ON article_urls USING hash (url);
CREATE INDEX article_urls_article ON article_urls (article_id);

CREATE TABLE raw_html (
  article_id text COLLATE "C" PRIMARY KEY REFERENCES articles (id),
  html bytea NOT NULL
);

CREATE TABLE matches (
  article_id text COLLATE "C" NOT NULL REFERENCES articles (id),
  watchlist_id text COLLATE "C" NOT NULL,
  target_id text COLLATE "C" NOT NULL,
  kind text NOT NULL,
  term text NOT NULL,
  field text NOT NULL,
  snippet text NOT NULL,
  count integer NOT NULL,
  article_time bigint NOT NULL,
  PRIMARY KEY (article_id, watchlist_id, target_id)
);
CREATE INDEX matches_watchlist_time ON matches (watchlist_id, article_time, article_id);
CREATE INDEX matches_target_time ON matches (target_id, article_time, article_id);

CREATE TABLE simhash_bands (
  band bigint NOT NULL,
  article_time bigint NOT NULL,
  article_id text COLLATE "C" NOT NULL REFERENCES articles (id),
  simhash bigint NOT NULL,
  cluster_id text COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX simhash_bands_key ON simhash_bands (band, article_time DESC, article_id);

CREATE TABLE versions (
  article_id text COLLATE "C" NOT NULL REFERENCES articles (id),
  number integer NOT NULL,
  found_at bigint NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  text text NOT NULL,
  diff text NOT NULL,
  reason text NOT NULL,
  http_status integer NOT NULL,
  PRIMARY KEY (article_id, number)
);

CREATE TABLE events (
  time bigint NOT NULL,
  article_id text COLLATE "C" NOT NULL REFERENCES articles (id),
  kind text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  PRIMARY KEY (time, article_id, kind)
);

CREATE TABLE rechecks (
  due_at bigint NOT NULL,
  article_id text COLLATE "C" NOT NULL REFERENCES articles (id),
  step integer NOT NULL,
  PRIMARY KEY (due_at, article_id)
);

CREATE TABLE feed_state (
  feed_id text COLLATE "C" PRIMARY KEY,
  url text NOT NULL DEFAULT '',
  etag bytea NOT NULL DEFAULT '',
  last_modified bytea NOT NULL DEFAULT '',
  last_fetch_at bigint NOT NULL DEFAULT 0,
  last_success_at bigint NOT NULL DEFAULT 0,
  last_http_status integer NOT NULL DEFAULT 0,
  last_error bytea NOT NULL DEFAULT '',
  consecutive_failures integer NOT NULL DEFAULT 0,
  articles_stored bigint NOT NULL DEFAULT 0,
  config_url text NOT NULL DEFAULT '',
  next_poll_at bigint NOT NULL DEFAULT 0,
  interval_seconds bigint NOT NULL DEFAULT 0,
  last_new_entry_at bigint NOT NULL DEFAULT 0,
  polls bigint NOT NULL DEFAULT 0,
  retired boolean NOT NULL DEFAULT false
);

CREATE TABLE host_state (
  host text COLLATE "C" PRIMARY KEY,
  robots_body bytea NOT NULL,
  robots_status integer NOT NULL,
  robots_fetched_at bigint NOT NULL,
  robots_expires_at bigint NOT NULL
);

CREATE TABLE run_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  pid bigint NOT NULL,
  host text NOT NULL,
  started_at bigint NOT NULL,
  heartbeat_at bigint NOT NULL,
  stopped_at bigint NOT NULL,
  passes bigint NOT NULL,
  feeds_polled bigint NOT NULL,
  articles_stored bigint NOT NULL,
  matched_articles bigint NOT NULL,
  errors bigint NOT NULL,
  feeds_failing bigint NOT NULL,
  next_due_at bigint NOT NULL,
  last_error bytea NOT NULL
);

CREATE TABLE alerts (
  id text COLLATE "C" PRIMARY KEY,
  watchlist_id text COLLATE "C" NOT NULL,
  article_id text COLLATE "C" NOT NULL REFERENCES articles (id),
  event text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  created_at bigint NOT NULL,
  target_ids text[] COLLATE "C" NOT NULL
);
CREATE INDEX alerts_created ON alerts (created_at, id);

CREATE TABLE alert_deliveries (
  alert_id text COLLATE "C" NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  sink text COLLATE "C" NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at bigint NOT NULL,
  delivered_at bigint NOT NULL,
  batch_id text NOT NULL,
  last_error bytea NOT NULL,
  PRIMARY KEY (alert_id, sink)
);

CREATE TABLE alert_history (
  id text COLLATE "C" PRIMARY KEY,
  watchlist_id text COLLATE "C" NOT NULL,
  article_id text COLLATE "C" NOT NULL,
  event text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  created_at bigint NOT NULL,
  target_ids text[] COLLATE "C" NOT NULL,
  completed_at bigint NOT NULL,
  delivered_to text[] COLLATE "C" NOT NULL
);
CREATE INDEX alert_history_watchlist ON alert_history (watchlist_id, created_at DESC, id);
CREATE INDEX alert_history_created ON alert_history (created_at DESC, id);

CREATE TABLE app_state (
  key bytea PRIMARY KEY,
  value bytea NOT NULL
);
)SQL";

// Version 2: work shared between processes (store.h, "Sharing work between
// processes"). A released or expired lease keeps its row (its not_before
// still matters); worker = '' once released.
constexpr const char* kMigrationV2 = R"SQL(
CREATE TABLE leases (
  key text COLLATE "C" PRIMARY KEY,
  worker text COLLATE "C" NOT NULL,
  until bigint NOT NULL,
  not_before bigint NOT NULL
);
CREATE INDEX leases_worker ON leases (worker);

CREATE TABLE workers (
  id text COLLATE "C" PRIMARY KEY,
  host text NOT NULL,
  pid bigint NOT NULL,
  started_at bigint NOT NULL,
  heartbeat_at bigint NOT NULL,
  stopped_at bigint NOT NULL,
  passes bigint NOT NULL,
  feeds_polled bigint NOT NULL,
  articles_stored bigint NOT NULL,
  matched_articles bigint NOT NULL,
  errors bigint NOT NULL
);
CREATE INDEX workers_heartbeat ON workers (heartbeat_at);
)SQL";

constexpr const char* kMigrations[] = {kMigrationV1, kMigrationV2};
static_assert(std::size(kMigrations) == kPostgresSchemaVersion,
              "one migration step per schema version");

// --- Strings ------------------------------------------------------------------

// Whether `s` can be a PostgreSQL text value: valid UTF-8 (no overlong forms,
// surrogates or code points above U+10FFFF, which the server refuses too) and
// no NUL byte (which libpq's text parameters would silently cut at).
bool Storable(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

Status CheckStorable(std::string_view value, std::string_view what) {
  if (Storable(value)) return Status::Ok();
  return Status::InvalidArgument(std::string(what) +
                                 " is not valid UTF-8 or holds a NUL byte (PostgreSQL text)");
}

// A PostgreSQL array literal of `items` (each quoted; '"' and '\' escaped):
// the value of a text[] parameter. Items must be Storable().
std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

template <typename Int>
std::string IntArray(const std::vector<Int>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(items[i]);
  }
  out += '}';
  return out;
}

std::vector<std::string> ParseTextArray(const pqxx::field& f) {
  std::vector<std::string> items;
  if (f.is_null()) return items;
  pqxx::array_parser parser = f.as_array();
  for (;;) {
    std::pair<pqxx::array_parser::juncture, std::string> next = parser.get_next();
    if (next.first == pqxx::array_parser::done) break;
    if (next.first == pqxx::array_parser::string_value) items.push_back(std::move(next.second));
  }
  return items;
}

std::string Text(const pqxx::field& f) { return std::string(f.c_str(), f.size()); }
std::string Bytes(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

// LIMIT parameters: size_t beyond bigint means "no limit".
int64_t SqlLimit(size_t limit) {
  return limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(limit);
}

// The language tag as the query filter compares it: ASCII lower case, '_'
// as '-' (storage/codec.h LanguageMatches).
std::string NormalizedLanguage(std::string_view tag) {
  std::string out(tag);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  return out;
}

// --- Connections ----------------------------------------------------------------

// What OpenPostgresStore was given, with the password found in it so that
// no message repeats it.
struct Target {
  std::string uri;
  std::vector<std::string> secrets;  // strings to redact from messages
  std::string display;               // the URI with its password replaced
};

constexpr std::string_view kRedacted = "********";

std::string Redact(std::string message, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = message.find(secret); pos != std::string::npos;
         pos = message.find(secret, pos + kRedacted.size())) {
      message.replace(pos, secret.size(), kRedacted);
    }
  }
  return message;
}

Result<Target> ParseTarget(const std::string& uri) {
  if (!IsPostgresUri(uri)) {
    return Status::InvalidArgument("not a PostgreSQL connection URI (postgresql://...)");
  }
  Target target;
  target.uri = uri;
  // The raw password of the URI's user info (percent-encoded or not).
  const size_t scheme_end = uri.find("://") + 3;
  const size_t authority_end = uri.find_first_of("/?", scheme_end);
  const std::string authority =
      uri.substr(scheme_end, authority_end == std::string::npos ? std::string::npos
                                                                : authority_end - scheme_end);
  target.display = uri;
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    const size_t colon = authority.find(':');
    if (colon != std::string::npos && colon < at) {
      target.secrets.push_back(authority.substr(colon + 1, at - colon - 1));
      target.display = uri.substr(0, scheme_end) + authority.substr(0, colon + 1) +
                       std::string(kRedacted) + uri.substr(scheme_end + at);
    }
  }
  // A password=... query parameter.
  const size_t query = uri.find('?');
  for (size_t pos = query; pos != std::string::npos && pos < uri.size();) {
    const size_t start = pos + 1;
    const size_t end = uri.find('&', start);
    const std::string param = uri.substr(start, end == std::string::npos ? end : end - start);
    if (param.rfind("password=", 0) == 0) {
      target.secrets.push_back(param.substr(9));
      target.display = Redact(target.display, {param.substr(9)});
    }
    pos = end;
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    if (error != nullptr) PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Status::InvalidArgument("bad PostgreSQL URI " + target.display + ": " +
                                   Redact(message, target.secrets));
  }
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
      target.secrets.emplace_back(o->val);
    }
  }
  PQconninfoFree(options);
  // Longest first, so that a password containing another is redacted whole.
  std::sort(target.secrets.begin(), target.secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return target;
}

std::string Trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

// A SQL error as a Status: the caller's data (constraints, bad values,
// too-long index rows) is kInvalidArgument, a damaged schema kCorruption,
// lost connections and server trouble kIoError.
Status FromSqlError(const pqxx::sql_error& e, const Target& target) {
  const std::string state = e.sqlstate();
  std::string message = Redact(Trimmed(e.what()), target.secrets);
  if (!state.empty()) message += " (SQLSTATE " + state + ")";
  if (state.rfind("23", 0) == 0 || state.rfind("22", 0) == 0 || state == "54000") {
    return Status::InvalidArgument(std::move(message));
  }
  if (state == "42P01" || state == "42703") {
    return Status::Corruption(message + "; the mediawatch tables are damaged or missing");
  }
  if (state == "25006") return Status::Unsupported(std::move(message));
  if (state == "42501" || state.rfind("28", 0) == 0) return Status::Forbidden(std::move(message));
  if (state.rfind("42", 0) == 0) return Status::Internal(std::move(message));
  return Status::IoError(std::move(message));
}

Result<std::unique_ptr<pqxx::connection>> Connect(const Target& target, bool read_only) {
  try {
    auto connection = std::make_unique<pqxx::connection>(target.uri);
    // libpqxx 6 would otherwise reconnect a broken connection silently,
    // without the session settings below; the pool opens a new one instead.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    connection->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    pqxx::nontransaction tx(*connection);
    // Notices (e.g. "relation already exists, skipping") would go to stderr.
    tx.exec("SET client_min_messages TO warning");
    if (read_only) tx.exec("SET default_transaction_read_only TO on");
    const pqxx::result encoding = tx.exec("SHOW server_encoding");
    if (encoding.empty() || Text(encoding[0][0]) != "UTF8") {
      return Status::InvalidArgument("PostgreSQL database " + target.display + " is encoded in " +
                                     (encoding.empty() ? std::string("?") : Text(encoding[0][0])) +
                                     "; mediawatch needs UTF8 (createdb -E UTF8 -T template0 ...)");
    }
    return connection;
  } catch (const pqxx::sql_error& e) {
    return FromSqlError(e, target).WithContext("connecting to " + target.display);
  } catch (const std::exception& e) {
    return Status::IoError("cannot connect to PostgreSQL " + target.display + ": " +
                           Redact(Trimmed(e.what()), target.secrets));
  }
}

// At most `max` connections, opened on demand and kept for reuse. A
// pqxx::connection is used by one thread at a time: a Lease owns it for the
// duration of one Store call.
class ConnectionPool {
 public:
  ConnectionPool(Target target, bool read_only, size_t max)
      : target_(std::move(target)), read_only_(read_only), max_(max) {}

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (connection_ != nullptr) pool_->Release(std::move(connection_));
    }
    pqxx::connection& connection() { return *connection_; }
    // Closes the connection instead of returning it (its state is unknown).
    void Discard() {
      connection_.reset();
      pool_->Forget();
    }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
  };

  Result<Lease> Acquire() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
      if (!idle_.empty()) {
        std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(connection));
      }
      ++open_;  // reserved while connecting, outside the lock
    }
    Result<std::unique_ptr<pqxx::connection>> connection = Connect(target_, read_only_);
    if (!connection.ok()) {
      Forget();
      return connection.status();
    }
    return Lease(this, std::move(connection).value());
  }

  const Target& target() const { return target_; }

  // Closes the idle connections (leased ones are kept).
  void CloseIdle() {
    std::vector<std::unique_ptr<pqxx::connection>> closing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing.swap(idle_);
      open_ -= closing.size();
      cv_.notify_all();
    }
    // Destroyed here, outside the lock.
  }

 private:
  void Release(std::unique_ptr<pqxx::connection> connection) {
    if (!connection->is_open()) {
      connection.reset();
      Forget();
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(connection));
    cv_.notify_one();
  }

  void Forget() {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
  }

  const Target target_;
  const bool read_only_;
  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;  // idle + leased + being opened
};

// Runs `fn(connection)` and converts what libpqxx throws into a Status:
// deadlocks and serialization failures are retried (up to kMaxAttempts), a
// broken connection is dropped from the pool. `fn` returns Status or
// Result<T>.
template <typename Fn>
auto RunOn(ConnectionPool& pool, std::string_view what, Fn&& fn)
    -> decltype(fn(std::declval<pqxx::connection&>())) {
  using R = decltype(fn(std::declval<pqxx::connection&>()));
  const Target& target = pool.target();
  Status last;
  int broken = 0;
  for (int attempt = 1;; ++attempt) {
    Result<ConnectionPool::Lease> lease = pool.Acquire();
    if (!lease.ok()) return R(lease.status().WithContext(what));
    try {
      return fn(lease->connection());
    } catch (const pqxx::serialization_failure& e) {
      last = Status::IoError(Redact(Trimmed(e.what()), target.secrets));
    } catch (const pqxx::deadlock_detected& e) {
      last = Status::IoError(Redact(Trimmed(e.what()), target.secrets));
    } catch (const pqxx::broken_connection& e) {
      lease->Discard();
      last = Status::IoError("lost the connection to PostgreSQL " + target.display + ": " +
                             Redact(Trimmed(e.what()), target.secrets));
      // A pooled connection may have died while idle (server restart,
      // idle timeout), and then its idle siblings likely did too: they are
      // closed, and the call runs once more on a new connection. Nothing
      // was committed (a failed commit throws in_doubt_error).
      pool.CloseIdle();
      if (++broken > 1) return R(last.WithContext(what));
      continue;
    } catch (const pqxx::in_doubt_error& e) {
      lease->Discard();
      return R(Status::IoError("the outcome of a commit is unknown (connection lost): " +
                               Redact(Trimmed(e.what()), target.secrets))
                   .WithContext(what));
    } catch (const pqxx::sql_error& e) {
      return R(FromSqlError(e, target).WithContext(what));
    } catch (const std::exception& e) {
      lease->Discard();
      return R(Status::IoError(Redact(Trimmed(e.what()), target.secrets)).WithContext(what));
    }
    if (attempt >= kMaxAttempts) {
      return R(last.WithContext(std::string(what) + " (gave up after " +
                                std::to_string(kMaxAttempts) + " attempts)"));
    }
    // Back off a little more each time, so that the writers that collided
    // do not collide again at once.
    std::this_thread::sleep_for(std::chrono::milliseconds(2 * attempt * attempt));
  }
}

// The schema version: 0 when the database has no mediawatch tables.
int ReadSchemaVersion(pqxx::transaction_base& tx) {
  const pqxx::result exists = tx.exec("SELECT to_regclass('mediawatch_schema') IS NOT NULL");
  if (exists.empty() || !exists[0][0].as<bool>()) return 0;
  const pqxx::result version = tx.exec("SELECT max(version) FROM mediawatch_schema");
  if (version.empty() || version[0][0].is_null()) return 0;
  return version[0][0].as<int>();
}

Status NewerSchemaError(int version) {
  return Status::Unsupported("the PostgreSQL database has mediawatch schema version " +
                             std::to_string(version) + ", newer than this build's (" +
                             std::to_string(kPostgresSchemaVersion) + "); upgrade mediawatch");
}

Status MigrateOn(pqxx::connection& connection) {
  for (;;) {
    pqxx::work tx(connection);
    tx.exec_params("SELECT pg_advisory_xact_lock($1, $2)", kMigrationLockKey1, kMigrationLockKey2);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS mediawatch_schema ("
        " version integer PRIMARY KEY,"
        " migrated_at timestamptz NOT NULL DEFAULT now())");
    const int version = ReadSchemaVersion(tx);
    if (version > kPostgresSchemaVersion) return NewerSchemaError(version);
    if (version == kPostgresSchemaVersion) {
      tx.commit();
      return Status::Ok();
    }
    tx.exec(kMigrations[version]);
    tx.exec_params("INSERT INTO mediawatch_schema (version) VALUES ($1)", version + 1);
    tx.commit();
  }
}

// --- Rows -----------------------------------------------------------------------

// Article columns in the order ArticleFromRow reads them; the text column
// is '' in kArticleColumnsNoText.
constexpr const char* kArticleColumns =
    "a.id, a.url, a.fetched_url, a.feed_id, a.source, a.language, a.title, a.text, a.byline, "
    "a.charset, a.published, a.fetched_at, a.simhash, a.cluster_id, a.article_time";
constexpr const char* kArticleColumnsNoText =
    "a.id, a.url, a.fetched_url, a.feed_id, a.source, a.language, a.title, ''::text, a.byline, "
    "a.charset, a.published, a.fetched_at, a.simhash, a.cluster_id, a.article_time";
constexpr int kArticleColumnCount = 15;

ArticleRecord ArticleFromRow(const pqxx::row& row) {
  ArticleRecord a;
  a.id = Text(row[0]);
  a.url = Text(row[1]);
  a.fetched_url = Text(row[2]);
  a.feed_id = Text(row[3]);
  a.source = Text(row[4]);
  a.language = Text(row[5]);
  a.title = Text(row[6]);
  a.text = Text(row[7]);
  a.byline = Text(row[8]);
  a.charset = Text(row[9]);
  if (!row[10].is_null()) a.published = row[10].as<int64_t>();
  a.fetched_at = row[11].as<int64_t>();
  a.simhash = static_cast<uint64_t>(row[12].as<int64_t>());
  a.cluster_id = Text(row[13]);
  return a;
}

MatchRecord MatchFromRow(const pqxx::row& row, int first) {
  MatchRecord m;
  m.watchlist_id = Text(row[first]);
  m.target_id = Text(row[first + 1]);
  m.kind = Text(row[first + 2]);
  m.term = Text(row[first + 3]);
  m.field = Text(row[first + 4]);
  m.snippet = Text(row[first + 5]);
  m.count = row[first + 6].as<int>();
  return m;
}
constexpr const char* kMatchColumns =
    "m.watchlist_id, m.target_id, m.kind, m.term, m.field, m.snippet, m.count";

constexpr const char* kAlertColumns =
    "a.id, a.watchlist_id, a.article_id, a.event, a.version, a.created_at, a.target_ids";

AlertRecord AlertFromRow(const pqxx::row& row) {
  AlertRecord a;
  a.id = Text(row[0]);
  a.watchlist_id = Text(row[1]);
  a.article_id = Text(row[2]);
  a.event = Text(row[3]);
  a.version = row[4].as<int>();
  a.created_at = row[5].as<int64_t>();
  a.target_ids = ParseTextArray(row[6]);
  return a;
}

// Same checks as the RocksDB store (storage/rocksdb_store.cc), so that both
// refuse the same writes, plus PostgreSQL's text rules.
Status ValidateArticle(const ArticleWrite& write) {
  const ArticleRecord& article = write.article;
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
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const MatchRecord& m : write.matches) {
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
  if (write.raw_html.size() > kMaxRawHtmlBytes) {
    return Status::InvalidArgument("raw HTML of " + article.url + " is larger than " +
                                   std::to_string(kMaxRawHtmlBytes) + " bytes");
  }
  for (const std::string& alias : write.alias_urls) {
    if (alias.empty()) return Status::InvalidArgument("empty alias URL of " + article.url);
    MW_RETURN_IF_ERROR(CheckStorable(alias, "an alias URL of " + article.url));
  }
  const std::pair<const std::string*, const char*> fields[] = {
      {&article.url, "url"},           {&article.fetched_url, "fetched_url"},
      {&article.feed_id, "feed_id"},   {&article.source, "source"},
      {&article.language, "language"}, {&article.title, "title"},
      {&article.text, "text"},         {&article.byline, "byline"},
      {&article.charset, "charset"}};
  for (const auto& [value, name] : fields) {
    MW_RETURN_IF_ERROR(CheckStorable(*value, std::string("article ") + name));
  }
  for (const MatchRecord& m : write.matches) {
    for (const std::string* value :
         {&m.watchlist_id, &m.target_id, &m.kind, &m.term, &m.field, &m.snippet}) {
      MW_RETURN_IF_ERROR(CheckStorable(*value, "a match of watch-list " + m.watchlist_id));
    }
  }
  return Status::Ok();
}

// One alert per watch-list among `matches` (sorted target ids), as the
// RocksDB store writes them.
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
    std::sort(a.target_ids.begin(), a.target_ids.end());
    a.id = AlertIdFor(a.watchlist_id, a.article_id, a.event, a.version);
    alerts.push_back(std::move(a));
  }
  return alerts;
}

// Writes `alerts` to the outbox unless written before (pending or already
// completed): the ids are deterministic, so a retried write adds nothing.
void InsertAlerts(pqxx::work& tx, const std::vector<AlertRecord>& alerts) {
  for (const AlertRecord& a : alerts) {
    tx.exec_params(
        "INSERT INTO alerts (id, watchlist_id, article_id, event, version, created_at, target_ids)"
        " SELECT $1, $2, $3, $4, $5, $6, $7::text[]"
        " WHERE NOT EXISTS (SELECT 1 FROM alert_history WHERE id = $1)"
        " ON CONFLICT (id) DO NOTHING",
        a.id, a.watchlist_id, a.article_id, a.event, a.version, a.created_at,
        TextArray(a.target_ids));
  }
}

// QueryMatches' and Timeline's filters as a WHERE clause over `articles a`
// with bound parameters. `empty` is set when no article can pass (over-long
// or unstorable filter values, an empty time range).
struct SqlFilter {
  std::string where;
  std::vector<std::string> params;
  bool empty = false;

  std::string Param(std::string value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  }
  void And(const std::string& condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  }
};

bool Flagged(const MatchQuery& q) {
  return q.flagged_only || (q.watchlist_id && !q.watchlist_id->empty()) ||
         (q.target_id && !q.target_id->empty());
}

Result<SqlFilter> BuildFilter(const MatchQuery& q, bool with_cursor) {
  SqlFilter f;
  const std::string watchlist = q.watchlist_id.value_or("");
  const std::string target = q.target_id.value_or("");
  const std::string language = q.language.value_or("");
  const std::string source = q.source.value_or("");
  // In the RocksDB store's order: an empty range or an impossible filter
  // before the cursor check.
  if ((q.since && q.until && *q.since >= *q.until) || watchlist.size() > kMaxWatchlistIdSize ||
      target.size() > kMaxIndexNameSize || source.size() > kMaxIndexNameSize ||
      language.size() > kMaxIndexNameSize || !Storable(watchlist) || !Storable(target) ||
      !Storable(language) || !Storable(source)) {
    f.empty = true;
    return f;
  }
  if (with_cursor && q.after && !IsValidArticleId(q.after->article_id)) {
    return Status::InvalidArgument("malformed cursor: article id \"" + q.after->article_id + "\"");
  }
  if (q.since) f.And("a.article_time >= " + f.Param(std::to_string(*q.since)) + "::bigint");
  if (q.until) f.And("a.article_time < " + f.Param(std::to_string(*q.until)) + "::bigint");
  if (with_cursor && q.after) {
    const std::string time = f.Param(std::to_string(q.after->time));
    const std::string id = f.Param(q.after->article_id);
    f.And("(a.article_time, a.id) < (" + time + "::bigint, " + id + ")");
  }
  if (!language.empty()) {
    if (language.find_first_of("-_") != std::string::npos) {
      f.And("a.language_norm = " + f.Param(NormalizedLanguage(language)));
    } else {
      f.And("a.language_primary = " + f.Param(PrimaryLanguageSubtag(language)));
    }
  }
  if (!source.empty()) {
    const std::string p = f.Param(source);
    f.And("(a.feed_id = " + p + " OR a.source = " + p + ")");
  }
  if (Flagged(q)) {
    std::string exists = "EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id";
    if (!watchlist.empty()) exists += " AND m.watchlist_id = " + f.Param(watchlist);
    if (!target.empty()) exists += " AND m.target_id = " + f.Param(target);
    f.And(exists + ")");
  }
  return f;
}

// Floor division of the article time by a day, in SQL without overflow for
// any bigint.
constexpr const char* kDayIndexSql =
    "CASE WHEN a.article_time >= 0 THEN a.article_time / 86400"
    " ELSE -((-(a.article_time + 1)) / 86400) - 1 END";

class PgStore final : public Store {
 public:
  // `html_cache` (may be null): StoreOptions::raw_html_cache_dir, opened.
  PgStore(Target target, bool read_only, std::unique_ptr<HtmlCache> html_cache)
      : pool_(std::move(target), read_only, kMaxPostgresConnections),
        read_only_(read_only),
        html_cache_(std::move(html_cache)) {}

  Result<std::optional<std::string>> FindArticleIdByUrl(std::string_view canonical_url) override {
    using Out = std::optional<std::string>;
    if (canonical_url.empty() || !Storable(canonical_url)) return Out();
    const std::string url(canonical_url);
    return Run("looking up a URL", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          "SELECT article_id FROM article_urls WHERE url_sha256 = sha256(convert_to($1, 'UTF8'))",
          url);
      if (r.empty()) return Out();
      return Out(Text(r[0][0]));
    });
  }

  Result<PutResult> PutArticle(const ArticleWrite& write) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(ValidateArticle(write));
    const ArticleRecord& article = write.article;
    const int64_t time = ArticleTime(article);
    std::vector<int64_t> bands;  // SimHashBands order: "ties: the first found"
    if (article.simhash != 0) {
      for (uint64_t band : SimHashBands(article.simhash, kSimHashMaxDistance)) {
        bands.push_back(static_cast<int64_t>(band));
      }
    }
    std::vector<int64_t> lock_order = bands;
    std::sort(lock_order.begin(), lock_order.end());
    lock_order.erase(std::unique(lock_order.begin(), lock_order.end()), lock_order.end());

    auto transaction = [&](pqxx::connection& c) -> Result<PutResult> {
      pqxx::work tx(c);
      const pqxx::result claimed = tx.exec_params(
          "INSERT INTO article_urls (url_sha256, url, article_id, is_alias)"
          " VALUES (sha256(convert_to($1, 'UTF8')), $1, $2, false)"
          " ON CONFLICT DO NOTHING RETURNING 1",
          article.url, article.id);
      if (claimed.empty()) {
        // Stored already (perhaps by another worker a moment ago): only
        // the new aliases are recorded.
        const pqxx::result known = tx.exec_params(
            "SELECT article_id FROM article_urls WHERE url_sha256 = sha256(convert_to($1, 'UTF8'))",
            article.url);
        if (known.empty()) {
          return Status::Internal("URL " + article.url + " is both claimed and absent");
        }
        const std::string id = Text(known[0][0]);
        InsertAliases(tx, write, id);
        tx.commit();
        return PutResult{false, id};
      }
      // The URL is new, so its id should be too (else two URLs share a
      // 64-bit hash, and overwriting would destroy the stored article).
      const pqxx::result collision =
          tx.exec_params("SELECT url FROM articles WHERE id = $1", article.id);
      if (!collision.empty()) {
        return Status::Internal("article id " + article.id + " of " + article.url +
                                " collides with stored URL " + Text(collision[0][0]));
      }
      InsertAliases(tx, write, article.id);

      std::string cluster_id;
      if (article.simhash != 0) {
        tx.exec_params("SELECT pg_advisory_xact_lock(b) FROM unnest($1::bigint[]) AS b",
                       IntArray(lock_order));
        cluster_id = FindCluster(tx, article.simhash, bands, time);
        if (cluster_id.empty()) cluster_id = article.id;
      }
      std::string published;
      if (article.published) published = std::to_string(*article.published);
      tx.exec_params(
          "INSERT INTO articles (id, url, fetched_url, feed_id, source, language,"
          " language_primary, language_norm, title, text, byline, charset, published, fetched_at,"
          " article_time, simhash, cluster_id)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::bigint, $14, $15, $16,"
          " $17)",
          article.id, article.url, article.fetched_url, article.feed_id, article.source,
          article.language, PrimaryLanguageSubtag(article.language),
          NormalizedLanguage(article.language), article.title, article.text, article.byline,
          article.charset, article.published ? published.c_str() : nullptr, article.fetched_at,
          time, static_cast<int64_t>(article.simhash), cluster_id);
      if (!write.matches.empty()) {
        std::vector<std::string> w, t, k, te, fi, sn;
        std::vector<int> counts;
        for (const MatchRecord& m : write.matches) {
          w.push_back(m.watchlist_id);
          t.push_back(m.target_id);
          k.push_back(m.kind);
          te.push_back(m.term);
          fi.push_back(m.field);
          sn.push_back(m.snippet);
          counts.push_back(m.count);
        }
        tx.exec_params(
            "INSERT INTO matches (article_id, watchlist_id, target_id, kind, term, field, snippet,"
            " count, article_time)"
            " SELECT $1, u.w, u.t, u.k, u.te, u.fi, u.sn, u.n, $2"
            " FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],"
            " $9::integer[]) AS u(w, t, k, te, fi, sn, n)",
            article.id, time, TextArray(w), TextArray(t), TextArray(k), TextArray(te),
            TextArray(fi), TextArray(sn), IntArray(counts));
      }
      if (article.simhash != 0) {
        tx.exec_params(
            "INSERT INTO simhash_bands (band, article_time, article_id, simhash, cluster_id)"
            " SELECT b, $2, $3, $4, $5 FROM unnest($1::bigint[]) AS b ON CONFLICT DO NOTHING",
            IntArray(bands), time, article.id, static_cast<int64_t>(article.simhash), cluster_id);
      }
      if (!write.raw_html.empty() && !html_cache_) {
        tx.exec_params("INSERT INTO raw_html (article_id, html) VALUES ($1, $2)", article.id,
                       pqxx::binarystring(write.raw_html.data(), write.raw_html.size()));
      }
      if (write.recheck_at) {
        tx.exec_params(
            "INSERT INTO rechecks (due_at, article_id, step) VALUES ($1, $2, 0)"
            " ON CONFLICT (due_at, article_id) DO UPDATE SET step = 0",
            *write.recheck_at, article.id);
      }
      if (!article.feed_id.empty()) {
        tx.exec_params(
            "INSERT INTO feed_state (feed_id, articles_stored) VALUES ($1, 1)"
            " ON CONFLICT (feed_id) DO UPDATE SET articles_stored = feed_state.articles_stored + 1",
            article.feed_id);
      }
      InsertAlerts(tx, AlertsFor(write.matches, article.id, "match", 1, article.fetched_at));
      tx.commit();
      return PutResult{true, article.id};
    };
    Result<PutResult> put = Run("storing article " + article.id, transaction);
    // The page goes to the local cache only once the article is committed,
    // and only by the store that inserted it. The server never refers to
    // the cache, so a crash in between leaves an article without an
    // archived page (as if stored without --archive-html), never a
    // reference to a missing page; a failed transaction leaves no orphan
    // page behind.
    if (put.ok() && put->inserted && html_cache_ && !write.raw_html.empty()) {
      Status cached = html_cache_->Put(article.id, write.raw_html);
      if (!cached.ok()) {
        return cached.WithContext("article " + article.id +
                                  " is stored, but its archived page is not");
      }
    }
    return put;
  }

  Result<std::optional<ArticleRecord>> GetArticle(std::string_view id) override {
    using Out = std::optional<ArticleRecord>;
    if (!IsValidArticleId(id)) return Out();
    const std::string key(id);
    return Run("reading article " + key, [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          std::string("SELECT ") + kArticleColumns + " FROM articles a WHERE a.id = $1", key);
      if (r.empty()) return Out();
      return Out(ArticleFromRow(r[0]));
    });
  }

  Result<std::vector<MatchRecord>> GetMatches(std::string_view id) override {
    using Out = std::vector<MatchRecord>;
    if (!IsValidArticleId(id)) return Out();
    const std::string key(id);
    return Run("reading matches of " + key, [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(std::string("SELECT ") + kMatchColumns +
                                                " FROM matches m WHERE m.article_id = $1"
                                                " ORDER BY m.watchlist_id, m.target_id",
                                            key);
      Out matches;
      for (const pqxx::row& row : r) matches.push_back(MatchFromRow(row, 0));
      return matches;
    });
  }

  Result<std::optional<std::string>> GetRawHtml(std::string_view id) override {
    using Out = std::optional<std::string>;
    if (!IsValidArticleId(id)) return Out();
    const std::string key(id);
    if (html_cache_) {
      Result<Out> cached = html_cache_->Get(key);
      if (!cached.ok() || cached->has_value()) return cached;
      // Not cached here: archived without a cache, or before it existed.
    }
    return Run("reading the raw HTML of " + key, [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params("SELECT html FROM raw_html WHERE article_id = $1", key);
      if (r.empty()) return Out();
      return Out(Bytes(r[0][0]));
    });
  }

  Result<std::vector<std::string>> UrlsOf(std::string_view id) override {
    using Out = std::vector<std::string>;
    if (!IsValidArticleId(id)) return Out();
    const std::string key(id);
    return Run("reading the URLs of " + key, [&](pqxx::connection& c) -> Result<Out> {
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
      Out urls;
      const pqxx::result own = tx.exec_params("SELECT url FROM articles WHERE id = $1", key);
      if (own.empty()) return urls;
      urls.push_back(Text(own[0][0]));
      const pqxx::result aliases = tx.exec_params(
          "SELECT url FROM article_urls WHERE article_id = $1 AND is_alias ORDER BY url", key);
      for (const pqxx::row& row : aliases) {
        std::string url = Text(row[0]);
        if (url != urls.front()) urls.push_back(std::move(url));
      }
      tx.commit();
      return urls;
    });
  }

  Status PutFeedState(const FeedState& s) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    if (s.feed_id.empty()) return Status::InvalidArgument("feed state with an empty feed_id");
    MW_RETURN_IF_ERROR(CheckStorable(s.feed_id, "feed id"));
    MW_RETURN_IF_ERROR(CheckStorable(s.url, "feed URL"));
    MW_RETURN_IF_ERROR(CheckStorable(s.config_url, "feed config URL"));
    return Run("storing feed state " + s.feed_id, [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      // The stored article count is kept (PutArticle maintains it).
      tx.exec_params(
          "INSERT INTO feed_state (feed_id, url, etag, last_modified, last_fetch_at,"
          " last_success_at, last_http_status, last_error, consecutive_failures, articles_stored,"
          " config_url, next_poll_at, interval_seconds, last_new_entry_at, polls, retired)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
          " ON CONFLICT (feed_id) DO UPDATE SET url = EXCLUDED.url, etag = EXCLUDED.etag,"
          " last_modified = EXCLUDED.last_modified, last_fetch_at = EXCLUDED.last_fetch_at,"
          " last_success_at = EXCLUDED.last_success_at,"
          " last_http_status = EXCLUDED.last_http_status, last_error = EXCLUDED.last_error,"
          " consecutive_failures = EXCLUDED.consecutive_failures,"
          " config_url = EXCLUDED.config_url, next_poll_at = EXCLUDED.next_poll_at,"
          " interval_seconds = EXCLUDED.interval_seconds,"
          " last_new_entry_at = EXCLUDED.last_new_entry_at, polls = EXCLUDED.polls,"
          " retired = EXCLUDED.retired",
          s.feed_id, s.url, Binary(s.etag), Binary(s.last_modified), s.last_fetch_at,
          s.last_success_at, s.last_http_status, Binary(s.last_error), s.consecutive_failures,
          s.articles_stored, s.config_url, s.next_poll_at, s.interval_seconds, s.last_new_entry_at,
          s.polls, s.retired);
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::optional<FeedState>> GetFeedState(std::string_view feed_id) override {
    using Out = std::optional<FeedState>;
    if (feed_id.empty() || !Storable(feed_id)) return Out();
    const std::string key(feed_id);
    return Run("reading feed state " + key, [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          std::string("SELECT ") + kFeedColumns + " FROM feed_state WHERE feed_id = $1", key);
      if (r.empty()) return Out();
      return Out(FeedFromRow(r[0]));
    });
  }

  Result<std::vector<FeedState>> ListFeedStates() override {
    using Out = std::vector<FeedState>;
    return Run("listing feed states", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r =
          tx.exec(std::string("SELECT ") + kFeedColumns + " FROM feed_state ORDER BY feed_id");
      Out states;
      for (const pqxx::row& row : r) states.push_back(FeedFromRow(row));
      return states;
    });
  }

  Status PutRunState(const RunState& s) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(CheckStorable(s.host, "run state host"));
    return Run("storing the run state", [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      tx.exec_params(
          "INSERT INTO run_state (singleton, pid, host, started_at, heartbeat_at, stopped_at,"
          " passes, feeds_polled, articles_stored, matched_articles, errors, feeds_failing,"
          " next_due_at, last_error)"
          " VALUES (true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
          " ON CONFLICT (singleton) DO UPDATE SET pid = EXCLUDED.pid, host = EXCLUDED.host,"
          " started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at,"
          " stopped_at = EXCLUDED.stopped_at, passes = EXCLUDED.passes,"
          " feeds_polled = EXCLUDED.feeds_polled, articles_stored = EXCLUDED.articles_stored,"
          " matched_articles = EXCLUDED.matched_articles, errors = EXCLUDED.errors,"
          " feeds_failing = EXCLUDED.feeds_failing, next_due_at = EXCLUDED.next_due_at,"
          " last_error = EXCLUDED.last_error",
          s.pid, s.host, s.started_at, s.heartbeat_at, s.stopped_at, s.passes, s.feeds_polled,
          s.articles_stored, s.matched_articles, s.errors, s.feeds_failing, s.next_due_at,
          Binary(s.last_error));
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::optional<RunState>> GetRunState() override {
    using Out = std::optional<RunState>;
    return Run("reading the run state", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec(
          "SELECT pid, host, started_at, heartbeat_at, stopped_at, passes, feeds_polled,"
          " articles_stored, matched_articles, errors, feeds_failing, next_due_at, last_error"
          " FROM run_state");
      if (r.empty()) return Out();
      const pqxx::row row = r[0];
      RunState s;
      s.pid = row[0].as<int64_t>();
      s.host = Text(row[1]);
      s.started_at = row[2].as<int64_t>();
      s.heartbeat_at = row[3].as<int64_t>();
      s.stopped_at = row[4].as<int64_t>();
      s.passes = row[5].as<int64_t>();
      s.feeds_polled = row[6].as<int64_t>();
      s.articles_stored = row[7].as<int64_t>();
      s.matched_articles = row[8].as<int64_t>();
      s.errors = row[9].as<int64_t>();
      s.feeds_failing = row[10].as<int64_t>();
      s.next_due_at = row[11].as<int64_t>();
      s.last_error = Bytes(row[12]);
      return Out(std::move(s));
    });
  }

  Status PutHostState(const HostState& s) override {
    if (s.host.empty()) return Status::InvalidArgument("host state without a host");
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(CheckStorable(s.host, "host"));
    return Run("writing host state", [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      tx.exec_params(
          "INSERT INTO host_state (host, robots_body, robots_status, robots_fetched_at,"
          " robots_expires_at) VALUES ($1, $2, $3, $4, $5)"
          " ON CONFLICT (host) DO UPDATE SET robots_body = EXCLUDED.robots_body,"
          " robots_status = EXCLUDED.robots_status,"
          " robots_fetched_at = EXCLUDED.robots_fetched_at,"
          " robots_expires_at = EXCLUDED.robots_expires_at",
          s.host, Binary(s.robots_body), s.robots_status, s.robots_fetched_at, s.robots_expires_at);
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::optional<HostState>> GetHostState(std::string_view host) override {
    using Out = std::optional<HostState>;
    if (host.empty() || !Storable(host)) return Out();
    const std::string key(host);
    return Run("reading host state", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          "SELECT host, robots_body, robots_status, robots_fetched_at, robots_expires_at"
          " FROM host_state WHERE host = $1",
          key);
      if (r.empty()) return Out();
      HostState s;
      s.host = Text(r[0][0]);
      s.robots_body = Bytes(r[0][1]);
      s.robots_status = r[0][2].as<int>();
      s.robots_fetched_at = r[0][3].as<int64_t>();
      s.robots_expires_at = r[0][4].as<int64_t>();
      return Out(std::move(s));
    });
  }

  Result<std::vector<MatchHit>> QueryMatches(const MatchQuery& query) override {
    using Out = std::vector<MatchHit>;
    if (query.limit == 0) return Out();
    Result<SqlFilter> built = BuildFilter(query, /*with_cursor=*/true);
    if (!built.ok()) return built.status();
    SqlFilter& f = *built;
    if (f.empty) return Out();
    const std::string watchlist = query.watchlist_id.value_or("");
    const std::string limit = f.Param(std::to_string(SqlLimit(query.limit)));
    const std::string sql =
        std::string("SELECT ") + (query.with_text ? kArticleColumns : kArticleColumnsNoText) +
        // "c.cluster_id <> ''" lets the planner use the partial index
        // articles_cluster, which it cannot infer from the join alone.
        ", CASE WHEN a.cluster_id = '' THEN 0 ELSE (SELECT count(*) FROM (SELECT 1 FROM articles"
        " c WHERE c.cluster_id = a.cluster_id AND c.cluster_id <> '' LIMIT " +
        std::to_string(kMaxClusterSizeCount) + ") s) END FROM articles a" + f.where +
        " ORDER BY a.article_time DESC, a.id DESC LIMIT " + limit + "::bigint";
    return Run("querying matches", [&](pqxx::connection& c) -> Result<Out> {
      // One snapshot: the hits and their matches agree.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
      const pqxx::result r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(f.params));
      Out hits;
      std::map<std::string, size_t> index;
      std::vector<std::string> ids;
      for (const pqxx::row& row : r) {
        MatchHit hit;
        hit.article = ArticleFromRow(row);
        hit.time = row[kArticleColumnCount - 1].as<int64_t>();
        hit.cluster_size = row[kArticleColumnCount].as<size_t>();
        index[hit.article.id] = hits.size();
        ids.push_back(hit.article.id);
        hits.push_back(std::move(hit));
      }
      if (!ids.empty()) {
        std::string sql_matches = std::string("SELECT m.article_id, ") + kMatchColumns +
                                  " FROM matches m WHERE m.article_id = ANY($1::text[])";
        std::vector<std::string> params{TextArray(ids)};
        if (!watchlist.empty()) {
          sql_matches += " AND m.watchlist_id = $2";
          params.push_back(watchlist);
        }
        sql_matches += " ORDER BY m.article_id, m.watchlist_id, m.target_id";
        const pqxx::result m =
            tx.exec_params(sql_matches, pqxx::prepare::make_dynamic_params(params));
        for (const pqxx::row& row : m) {
          auto it = index.find(Text(row[0]));
          if (it != index.end()) hits[it->second].matches.push_back(MatchFromRow(row, 1));
        }
      }
      tx.commit();
      return hits;
    });
  }

  Result<std::vector<Recheck>> DueRechecks(int64_t now, size_t limit) override {
    using Out = std::vector<Recheck>;
    if (limit == 0) return Out();
    return Run("reading re-fetches", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          "SELECT article_id, due_at, step FROM rechecks WHERE due_at <= $1"
          " ORDER BY due_at, article_id LIMIT $2",
          now, SqlLimit(limit));
      Out due;
      for (const pqxx::row& row : r) {
        due.push_back({Text(row[0]), row[1].as<int64_t>(), row[2].as<int>()});
      }
      return due;
    });
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
    if (change) {
      for (const std::string* value :
           {&change->title, &change->text, &change->diff, &change->reason}) {
        MW_RETURN_IF_ERROR(CheckStorable(*value, "a version of article " + done.article_id));
      }
    }
    return Run("recording a re-fetch", [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      // Locks the article: concurrent re-fetches of one article number
      // their versions one after the other.
      const pqxx::result stored =
          tx.exec_params("SELECT 1 FROM articles WHERE id = $1 FOR NO KEY UPDATE", done.article_id);
      if (stored.empty()) return Status::NotFound("article " + done.article_id + " is not stored");
      if (next && (next->step < 0 || next->step > 1000000)) {
        return Status::InvalidArgument("re-fetch step out of range");
      }
      tx.exec_params("DELETE FROM rechecks WHERE due_at = $1 AND article_id = $2", done.due_at,
                     done.article_id);
      if (change) {
        const pqxx::result last = tx.exec_params(
            "SELECT coalesce(max(number), 1) + 1 FROM versions WHERE article_id = $1",
            done.article_id);
        const int number = last[0][0].as<int>();
        tx.exec_params(
            "INSERT INTO versions (article_id, number, found_at, kind, title, text, diff, reason,"
            " http_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            done.article_id, number, change->found_at, change->kind, change->title, change->text,
            change->diff, change->reason, change->http_status);
        tx.exec_params(
            "INSERT INTO events (time, article_id, kind, version) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (time, article_id, kind) DO UPDATE SET version = EXCLUDED.version",
            change->found_at, done.article_id, change->kind, number);
        const pqxx::result m = tx.exec_params(
            std::string("SELECT ") + kMatchColumns + " FROM matches m WHERE m.article_id = $1",
            done.article_id);
        std::vector<MatchRecord> matches;
        for (const pqxx::row& row : m) matches.push_back(MatchFromRow(row, 0));
        InsertAlerts(tx,
                     AlertsFor(matches, done.article_id, change->kind, number, change->found_at));
      }
      if (next) {
        tx.exec_params(
            "INSERT INTO rechecks (due_at, article_id, step) VALUES ($1, $2, $3)"
            " ON CONFLICT (due_at, article_id) DO UPDATE SET step = EXCLUDED.step",
            next->due_at, done.article_id, next->step);
      }
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::vector<ArticleVersion>> GetVersions(std::string_view id) override {
    using Out = std::vector<ArticleVersion>;
    if (!IsValidArticleId(id)) return Out();
    const std::string key(id);
    return Run("reading versions of " + key, [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          "SELECT number, found_at, kind, title, text, diff, reason, http_status FROM versions"
          " WHERE article_id = $1 ORDER BY number",
          key);
      Out versions;
      for (const pqxx::row& row : r) {
        ArticleVersion v;
        v.number = row[0].as<int>();
        v.found_at = row[1].as<int64_t>();
        v.kind = Text(row[2]);
        v.title = Text(row[3]);
        v.text = Text(row[4]);
        v.diff = Text(row[5]);
        v.reason = Text(row[6]);
        v.http_status = row[7].as<int>();
        versions.push_back(std::move(v));
      }
      return versions;
    });
  }

  Result<std::vector<ArticleEvent>> ListEvents(int64_t since, int64_t until,
                                               size_t limit) override {
    using Out = std::vector<ArticleEvent>;
    if (limit == 0 || since >= until) return Out();
    return Run("reading events", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          "SELECT time, article_id, kind, version FROM events WHERE time >= $1 AND time < $2"
          " ORDER BY time, article_id, kind LIMIT $3",
          since, until, SqlLimit(limit));
      Out events;
      for (const pqxx::row& row : r) {
        events.push_back({row[0].as<int64_t>(), Text(row[1]), Text(row[2]), row[3].as<int>()});
      }
      return events;
    });
  }

  Result<std::vector<TimelineCount>> Timeline(const TimelineQuery& query) override {
    using Out = std::vector<TimelineCount>;
    Result<SqlFilter> built = BuildFilter(query.filters, /*with_cursor=*/false);
    if (!built.ok()) return built.status();
    const SqlFilter& f = *built;
    if (f.empty) return Out();
    std::string group = "''::text";
    if (query.split == TimelineSplit::kLanguage) group = "a.language";
    if (query.split == TimelineSplit::kSource) {
      group = "CASE WHEN a.source <> '' THEN a.source ELSE a.feed_id END";
    }
    // Days in SQL (every bucket is a union of whole days), buckets here
    // with BucketStart, so both backends bucket alike.
    const std::string sql = std::string("SELECT ") + kDayIndexSql + " AS day, " + group +
                            " AS grp, count(*) FROM articles a" + f.where + " GROUP BY 1, 2";
    return Run("counting the timeline", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(f.params));
      std::map<std::pair<int64_t, std::string>, int64_t> buckets;
      // Days beyond this are clamped by BucketStart anyway; bounding them
      // keeps day * 86400 within int64.
      constexpr int64_t kMaxDay = 100'000'000'000;
      for (const pqxx::row& row : r) {
        const int64_t day = std::clamp(row[0].as<int64_t>(), -kMaxDay, kMaxDay);
        buckets[{BucketStart(query.bucket, day * 86400), Text(row[1])}] += row[2].as<int64_t>();
      }
      Out counts;
      for (auto& [key, n] : buckets) counts.push_back({key.first, key.second, n});
      return counts;
    });
  }

  Result<std::vector<ArticleRecord>> ClusterMembers(std::string_view cluster_id,
                                                    size_t limit) override {
    using Out = std::vector<ArticleRecord>;
    if (limit == 0 || !IsValidArticleId(cluster_id)) return Out();
    const std::string key(cluster_id);
    return Run("reading cluster " + key, [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r =
          tx.exec_params(std::string("SELECT ") + kArticleColumnsNoText +
                             " FROM articles a WHERE a.cluster_id = $1 AND a.cluster_id <> '' "
                             "ORDER BY a.article_time, a.id LIMIT $2",
                         key, SqlLimit(limit));
      Out members;
      for (const pqxx::row& row : r) members.push_back(ArticleFromRow(row));
      return members;
    });
  }

  Result<std::vector<ArticleRecord>> ListArticles(size_t limit) override {
    using Out = std::vector<ArticleRecord>;
    if (limit == 0) return Out();
    return Run("listing articles", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r =
          tx.exec_params(std::string("SELECT ") + kArticleColumns +
                             " FROM articles a ORDER BY a.article_time DESC, a.id DESC LIMIT $1",
                         SqlLimit(limit));
      Out articles;
      for (const pqxx::row& row : r) articles.push_back(ArticleFromRow(row));
      return articles;
    });
  }

  Result<StoreStats> Stats() override {
    return Run("reading statistics", [&](pqxx::connection& c) -> Result<StoreStats> {
      // One snapshot: the counts agree with each other.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
      StoreStats stats;
      const pqxx::result totals = tx.exec(
          "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM matches),"
          " (SELECT count(*) FROM feed_state), (SELECT count(*) FROM alerts),"
          " pg_database_size(current_database())");
      stats.articles = totals[0][0].as<int64_t>();
      stats.matches = totals[0][1].as<int64_t>();
      stats.feeds = totals[0][2].as<int64_t>();
      stats.alerts_pending = totals[0][3].as<int64_t>();
      stats.disk_bytes = totals[0][4].as<int64_t>();
      stats.schema_version = ReadSchemaVersion(tx);
      for (const pqxx::row& row : tx.exec("SELECT feed_id, count(*) FROM articles"
                                          " WHERE feed_id <> '' GROUP BY feed_id")) {
        stats.articles_per_feed[Text(row[0])] = row[1].as<int64_t>();
      }
      for (const pqxx::row& row :
           tx.exec("SELECT language, count(*) FROM articles GROUP BY language")) {
        stats.articles_per_language[Text(row[0])] = row[1].as<int64_t>();
      }
      for (const pqxx::row& row : tx.exec("SELECT watchlist_id, count(DISTINCT article_id)"
                                          " FROM matches GROUP BY watchlist_id")) {
        stats.articles_per_watchlist[Text(row[0])] = row[1].as<int64_t>();
      }
      for (const pqxx::row& row : tx.exec("SELECT watchlist_id, target_id, count(*) FROM matches"
                                          " GROUP BY watchlist_id, target_id")) {
        stats.articles_per_target[{Text(row[0]), Text(row[1])}] = row[2].as<int64_t>();
      }
      tx.commit();
      return stats;
    });
  }

  Status Backup(const std::string& to_dir) override {
    return Status::Unsupported(
        "a PostgreSQL store is backed up with the server's tools, e.g. pg_dump -Fc -f "
        "mediawatch.dump '" +
        pool_.target().display + "' (restore with pg_restore); not into " + to_dir);
  }

  Result<std::vector<PendingAlert>> PendingAlerts(size_t limit) override {
    using Out = std::vector<PendingAlert>;
    if (limit == 0) return Out();
    return Run("reading the alert outbox", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
      const pqxx::result r = tx.exec_params(std::string("SELECT ") + kAlertColumns +
                                                " FROM alerts a ORDER BY a.created_at, a.id"
                                                " LIMIT $1",
                                            SqlLimit(limit));
      Out alerts;
      std::map<std::string, size_t> index;
      for (const pqxx::row& row : r) {
        PendingAlert p;
        p.alert = AlertFromRow(row);
        index[p.alert.id] = alerts.size();
        alerts.push_back(std::move(p));
      }
      if (!alerts.empty()) {
        const pqxx::result d = tx.exec_params(
            "SELECT d.alert_id, d.sink, d.attempts, d.next_attempt_at, d.delivered_at,"
            " d.batch_id, d.last_error FROM alert_deliveries d"
            " JOIN (SELECT id FROM alerts ORDER BY created_at, id LIMIT $1) a ON a.id = d.alert_id"
            " ORDER BY d.alert_id, d.sink",
            SqlLimit(limit));
        for (const pqxx::row& row : d) {
          auto it = index.find(Text(row[0]));
          if (it == index.end()) continue;
          AlertDelivery delivery;
          delivery.sink = Text(row[1]);
          delivery.attempts = row[2].as<int>();
          delivery.next_attempt_at = row[3].as<int64_t>();
          delivery.delivered_at = row[4].as<int64_t>();
          delivery.batch_id = Text(row[5]);
          delivery.last_error = Bytes(row[6]);
          alerts[it->second].deliveries.push_back(std::move(delivery));
        }
      }
      tx.commit();
      return alerts;
    });
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
    std::vector<std::string> ids;
    for (const std::string& id : std::set<std::string>(alert_ids.begin(), alert_ids.end())) {
      // An id PostgreSQL cannot hold was never pending: skipped, like
      // every id that is not.
      if (!id.empty() && Storable(id)) ids.push_back(id);
    }
    if (ids.empty()) return Status::Ok();
    const std::string array = TextArray(ids);
    return Run("completing alerts", [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      // Row locks first (in id order, as WriteDeliveries takes them): a
      // delivery state being written is committed before it is read below.
      tx.exec_params("SELECT id FROM alerts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
                     array);
      tx.exec_params(
          "INSERT INTO alert_history (id, watchlist_id, article_id, event, version, created_at,"
          " target_ids, completed_at, delivered_to)"
          " SELECT a.id, a.watchlist_id, a.article_id, a.event, a.version, a.created_at,"
          " a.target_ids, $2, coalesce((SELECT array_agg(d.sink ORDER BY d.sink)"
          " FROM alert_deliveries d WHERE d.alert_id = a.id AND d.delivered_at <> 0), '{}')"
          " FROM alerts a WHERE a.id = ANY($1::text[]) ON CONFLICT (id) DO NOTHING",
          array, completed_at);
      tx.exec_params("DELETE FROM alerts WHERE id = ANY($1::text[])", array);
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::vector<AlertRecord>> AlertHistory(std::string_view watchlist_id,
                                                size_t limit) override {
    using Out = std::vector<AlertRecord>;
    if (limit == 0 || watchlist_id.size() > kMaxWatchlistIdSize || !Storable(watchlist_id)) {
      return Out();
    }
    const std::string watchlist(watchlist_id);
    return Run("reading the alert history", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const std::string columns = std::string(kAlertColumns) + ", a.completed_at, a.delivered_to";
      const pqxx::result r =
          watchlist.empty()
              ? tx.exec_params("SELECT " + columns +
                                   " FROM alert_history a ORDER BY a.created_at DESC, a.id"
                                   " LIMIT $1",
                               SqlLimit(limit))
              : tx.exec_params("SELECT " + columns +
                                   " FROM alert_history a WHERE a.watchlist_id = $1"
                                   " ORDER BY a.created_at DESC, a.id LIMIT $2",
                               watchlist, SqlLimit(limit));
      Out history;
      for (const pqxx::row& row : r) {
        AlertRecord a = AlertFromRow(row);
        a.completed_at = row[7].as<int64_t>();
        a.delivered_to = ParseTextArray(row[8]);
        history.push_back(std::move(a));
      }
      return history;
    });
  }

  Result<size_t> CountPendingAlerts() override {
    return Run("counting pending alerts", [&](pqxx::connection& c) -> Result<size_t> {
      pqxx::nontransaction tx(c);
      return tx.exec("SELECT count(*) FROM alerts")[0][0].as<size_t>();
    });
  }

  // --- Leases and workers ---
  //
  // How a claim stays race-free. One transaction at READ COMMITTED:
  //  1. New keys: INSERT ... ON CONFLICT DO NOTHING. Of several workers
  //     inserting one key, the first inserts it; the others wait for its
  //     commit and then insert nothing (the unique index decides).
  //  2. Existing rows that are free for this worker: SELECT ... FOR UPDATE
  //     SKIP LOCKED, then UPDATE those. A row that another worker is
  //     claiming at this moment is locked, so it is skipped rather than
  //     waited for (the issue's queue pattern: a worker takes other feeds
  //     instead of queueing behind its peers). A row whose lock was taken
  //     and released meanwhile is re-checked against the WHERE on its
  //     newest version (READ COMMITTED's re-evaluation), so a key another
  //     worker has just taken is not free any more.
  // A single upsert (ON CONFLICT DO UPDATE ... WHERE free) would be as
  // exact but waits on every contended row; SKIP LOCKED never waits on one.
  // New keys are inserted in sorted order, so two claimers of overlapping
  // new keys wait on each other in one order (no deadlock cycle).
  Result<std::vector<std::string>> ClaimLeases(std::string_view worker,
                                               const std::vector<std::string>& keys, int64_t now,
                                               int64_t until) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(CheckLeaseName(worker, "worker id"));
    for (const std::string& key : keys) MW_RETURN_IF_ERROR(CheckLeaseName(key, "lease key"));
    if (until <= now) {
      return Status::InvalidArgument("lease until " + std::to_string(until) + " is not after now " +
                                     std::to_string(now));
    }
    using Out = std::vector<std::string>;
    if (keys.empty()) return Out();
    const std::string id(worker);
    const std::string key_array = TextArray(keys);
    return Run("claiming leases", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::work tx(c);
      std::set<std::string> held;
      const pqxx::result inserted = tx.exec_params(
          "INSERT INTO leases (key, worker, until, not_before)"
          " SELECT k, $1::text, $2::bigint, 0 FROM (SELECT DISTINCT k FROM unnest($3::text[]) AS "
          "k) d"
          " ORDER BY k COLLATE \"C\" ON CONFLICT (key) DO NOTHING RETURNING key",
          id, until, key_array);
      for (const pqxx::row& row : inserted) held.insert(Text(row[0]));
      const pqxx::result updated = tx.exec_params(
          "UPDATE leases SET worker = $1, until = $2 WHERE key IN ("
          " SELECT key FROM leases WHERE key = ANY($3::text[])"
          " AND (worker = $1 OR until <= $4) AND not_before <= $4"
          " ORDER BY key FOR UPDATE SKIP LOCKED) RETURNING key",
          id, until, key_array, now);
      for (const pqxx::row& row : updated) held.insert(Text(row[0]));
      tx.commit();
      Out out;
      for (const std::string& key : keys) {
        if (held.count(key) != 0) out.push_back(key);
      }
      return out;
    });
  }

  Status ReleaseLeases(std::string_view worker, const std::vector<std::string>& keys,
                       int64_t not_before) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(CheckLeaseName(worker, "worker id"));
    for (const std::string& key : keys) MW_RETURN_IF_ERROR(CheckLeaseName(key, "lease key"));
    const std::string id(worker);
    return Run("releasing leases", [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      // The row stays (its not_before holds off the next claim); worker = ''
      // and until = 0 say that nobody holds it.
      if (keys.empty()) {
        tx.exec_params(
            "UPDATE leases SET worker = '', until = 0, not_before = $2 WHERE worker = $1", id,
            not_before);
      } else {
        tx.exec_params(
            "UPDATE leases SET worker = '', until = 0, not_before = $2"
            " WHERE worker = $1 AND key = ANY($3::text[])",
            id, not_before, TextArray(keys));
      }
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::vector<Lease>> ListLeases() override {
    using Out = std::vector<Lease>;
    return Run("listing leases", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r =
          tx.exec("SELECT key, worker, until, not_before FROM leases ORDER BY key");
      Out out;
      out.reserve(r.size());
      for (const pqxx::row& row : r) {
        Lease lease;
        lease.key = Text(row[0]);
        lease.worker = Text(row[1]);
        lease.until = row[2].as<int64_t>();
        lease.not_before = row[3].as<int64_t>();
        out.push_back(std::move(lease));
      }
      return out;
    });
  }

  Status PutWorker(const WorkerInfo& w) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(CheckLeaseName(w.id, "worker id"));
    MW_RETURN_IF_ERROR(CheckStorable(w.host, "worker host"));
    return Run("recording worker " + w.id, [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      tx.exec_params(
          "INSERT INTO workers (id, host, pid, started_at, heartbeat_at, stopped_at, passes,"
          " feeds_polled, articles_stored, matched_articles, errors)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
          " ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid,"
          " started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at,"
          " stopped_at = EXCLUDED.stopped_at, passes = EXCLUDED.passes,"
          " feeds_polled = EXCLUDED.feeds_polled, articles_stored = EXCLUDED.articles_stored,"
          " matched_articles = EXCLUDED.matched_articles, errors = EXCLUDED.errors",
          w.id, w.host, w.pid, w.started_at, w.heartbeat_at, w.stopped_at, w.passes, w.feeds_polled,
          w.articles_stored, w.matched_articles, w.errors);
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::vector<WorkerInfo>> ListWorkers(int64_t stale_before) override {
    using Out = std::vector<WorkerInfo>;
    return Run("listing workers", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r = tx.exec_params(
          "SELECT id, host, pid, started_at, heartbeat_at, stopped_at, passes, feeds_polled,"
          " articles_stored, matched_articles, errors FROM workers"
          " WHERE $1::bigint = 0 OR heartbeat_at >= $1::bigint ORDER BY id",
          stale_before);
      Out out;
      out.reserve(r.size());
      for (const pqxx::row& row : r) {
        WorkerInfo w;
        w.id = Text(row[0]);
        w.host = Text(row[1]);
        w.pid = row[2].as<int64_t>();
        w.started_at = row[3].as<int64_t>();
        w.heartbeat_at = row[4].as<int64_t>();
        w.stopped_at = row[5].as<int64_t>();
        w.passes = row[6].as<int64_t>();
        w.feeds_polled = row[7].as<int64_t>();
        w.articles_stored = row[8].as<int64_t>();
        w.matched_articles = row[9].as<int64_t>();
        w.errors = row[10].as<int64_t>();
        out.push_back(std::move(w));
      }
      return out;
    });
  }

  Status PutAppState(std::string_view key, std::string_view value) override {
    MW_RETURN_IF_ERROR(CheckWritable());
    MW_RETURN_IF_ERROR(CheckAppStateKey(key));
    if (value.size() > kMaxAppStateValueSize) {
      return Status::InvalidArgument("app state value of " + std::to_string(value.size()) +
                                     " bytes (at most " + std::to_string(kMaxAppStateValueSize) +
                                     ")");
    }
    return Run("storing app state", [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      tx.exec_params(
          "INSERT INTO app_state (key, value) VALUES ($1, $2)"
          " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
          Binary(key), Binary(value));
      tx.commit();
      return Status::Ok();
    });
  }

  Result<std::optional<std::string>> GetAppState(std::string_view key) override {
    using Out = std::optional<std::string>;
    MW_RETURN_IF_ERROR(CheckAppStateKey(key));
    return Run("reading app state", [&](pqxx::connection& c) -> Result<Out> {
      pqxx::nontransaction tx(c);
      const pqxx::result r =
          tx.exec_params("SELECT value FROM app_state WHERE key = $1", Binary(key));
      if (r.empty()) return Out();
      return Out(Bytes(r[0][0]));
    });
  }

 private:
  static constexpr const char* kFeedColumns =
      "feed_id, url, etag, last_modified, last_fetch_at, last_success_at, last_http_status,"
      " last_error, consecutive_failures, articles_stored, config_url, next_poll_at,"
      " interval_seconds, last_new_entry_at, polls, retired";

  static FeedState FeedFromRow(const pqxx::row& row) {
    FeedState s;
    s.feed_id = Text(row[0]);
    s.url = Text(row[1]);
    s.etag = Bytes(row[2]);
    s.last_modified = Bytes(row[3]);
    s.last_fetch_at = row[4].as<int64_t>();
    s.last_success_at = row[5].as<int64_t>();
    s.last_http_status = row[6].as<int>();
    s.last_error = Bytes(row[7]);
    s.consecutive_failures = row[8].as<int>();
    s.articles_stored = row[9].as<int64_t>();
    s.config_url = Text(row[10]);
    s.next_poll_at = row[11].as<int64_t>();
    s.interval_seconds = row[12].as<int64_t>();
    s.last_new_entry_at = row[13].as<int64_t>();
    s.polls = row[14].as<int64_t>();
    s.retired = row[15].as<bool>();
    return s;
  }

  static pqxx::binarystring Binary(std::string_view bytes) {
    return pqxx::binarystring(bytes.data(), bytes.size());
  }

  // Lease keys and worker ids: 1..kMaxLeaseKeySize bytes of PostgreSQL text.
  static Status CheckLeaseName(std::string_view name, std::string_view what) {
    if (name.empty() || name.size() > kMaxLeaseKeySize) {
      return Status::InvalidArgument(std::string(what) + " of " + std::to_string(name.size()) +
                                     " bytes (1 to " + std::to_string(kMaxLeaseKeySize) + ")");
    }
    return CheckStorable(name, what);
  }

  static Status CheckAppStateKey(std::string_view key) {
    if (key.empty() || key.size() > kMaxAppStateKeySize) {
      return Status::InvalidArgument("app state key of " + std::to_string(key.size()) +
                                     " bytes (1 to " + std::to_string(kMaxAppStateKeySize) + ")");
    }
    return Status::Ok();
  }

  Status CheckWritable() const {
    if (read_only_) {
      return Status::Unsupported("PostgreSQL store " + pool_.target().display +
                                 " was opened read-only");
    }
    return Status::Ok();
  }

  template <typename Fn>
  auto Run(std::string_view what, Fn&& fn) -> decltype(fn(std::declval<pqxx::connection&>())) {
    return RunOn(pool_, what, std::forward<Fn>(fn));
  }

  // url rows for the aliases of `write` that no article has yet, pointing
  // at `id`.
  static void InsertAliases(pqxx::work& tx, const ArticleWrite& write, const std::string& id) {
    std::set<std::string_view> done{write.article.url};
    for (const std::string& alias : write.alias_urls) {
      if (!done.insert(alias).second) continue;
      tx.exec_params(
          "INSERT INTO article_urls (url_sha256, url, article_id, is_alias)"
          " VALUES (sha256(convert_to($1, 'UTF8')), $1, $2, true) ON CONFLICT DO NOTHING",
          alias, id);
    }
  }

  // The cluster of the nearest stored fingerprint within
  // kSimHashMaxDistance among the kClusterCandidatesPerBand newest entries
  // of each band key within kClusterWindowSeconds of `time` (store.h
  // PutArticle); "" when none. Bands are read in SimHashBands order and
  // each newest first (ties by id), so "ties: the first found" picks the
  // same candidate as the RocksDB store.
  static std::string FindCluster(pqxx::work& tx, uint64_t simhash,
                                 const std::vector<int64_t>& bands, int64_t time) {
    const int64_t newest = time > std::numeric_limits<int64_t>::max() - kClusterWindowSeconds
                               ? std::numeric_limits<int64_t>::max()
                               : time + kClusterWindowSeconds;
    const int64_t oldest = time < std::numeric_limits<int64_t>::min() + kClusterWindowSeconds + 1
                               ? std::numeric_limits<int64_t>::min()
                               : time - kClusterWindowSeconds;
    const pqxx::result r = tx.exec_params(
        "SELECT c.simhash, c.cluster_id FROM unnest($1::bigint[]) WITH ORDINALITY AS b(band, ord)"
        " CROSS JOIN LATERAL (SELECT s.simhash, s.cluster_id, s.article_time, s.article_id"
        " FROM simhash_bands s WHERE s.band = b.band AND s.article_time <= $2"
        " AND s.article_time >= $3 ORDER BY s.article_time DESC, s.article_id LIMIT $4) c"
        " ORDER BY b.ord, c.article_time DESC, c.article_id",
        IntArray(bands), newest, oldest, static_cast<int64_t>(kClusterCandidatesPerBand));
    std::string best;
    int best_distance = kSimHashMaxDistance + 1;
    for (const pqxx::row& row : r) {
      const int distance = HammingDistance(simhash, static_cast<uint64_t>(row[0].as<int64_t>()));
      if (distance < best_distance) {
        best_distance = distance;
        best = Text(row[1]);
      }
    }
    return best;
  }

  // Upserts `updates` in one transaction after checking that every alert
  // of `ids` (which holds those of `updates`) is pending.
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
      MW_RETURN_IF_ERROR(CheckStorable(d.sink, "sink name"));
      MW_RETURN_IF_ERROR(CheckStorable(d.batch_id, "delivery batch id"));
    }
    for (const std::string& id : ids) {
      if (id.empty() || !Storable(id)) return Status::NotFound("alert " + id + " is not pending");
    }
    return Run("storing alert deliveries", [&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      // Share locks, in id order: CompleteAlerts cannot move an alert to
      // the history between this check and the write.
      for (const std::string& id : ids) {
        const pqxx::result r = tx.exec_params("SELECT 1 FROM alerts WHERE id = $1 FOR SHARE", id);
        if (r.empty()) return Status::NotFound("alert " + id + " is not pending");
      }
      for (const auto& [id, d] : updates) {
        tx.exec_params(
            "INSERT INTO alert_deliveries (alert_id, sink, attempts, next_attempt_at,"
            " delivered_at, batch_id, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (alert_id, sink) DO UPDATE SET attempts = EXCLUDED.attempts,"
            " next_attempt_at = EXCLUDED.next_attempt_at, delivered_at = EXCLUDED.delivered_at,"
            " batch_id = EXCLUDED.batch_id, last_error = EXCLUDED.last_error",
            id, d.sink, d.attempts, d.next_attempt_at, d.delivered_at, d.batch_id,
            Binary(d.last_error));
      }
      tx.commit();
      return Status::Ok();
    });
  }

  ConnectionPool pool_;
  const bool read_only_;
  const std::unique_ptr<HtmlCache> html_cache_;  // null: pages go to the server
};

}  // namespace

bool IsPostgresUri(std::string_view s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

Result<std::string> RedactedPostgresUri(const std::string& uri) {
  Result<Target> target = ParseTarget(uri);
  if (!target.ok()) return target.status();
  return target->display;
}

Status MigratePostgres(const std::string& uri) {
  Result<Target> target = ParseTarget(uri);
  if (!target.ok()) return target.status();
  ConnectionPool pool(*target, /*read_only=*/false, 1);
  return RunOn(pool, "migrating " + target->display,
               [&](pqxx::connection& c) -> Status { return MigrateOn(c); });
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                 const StoreOptions& options) {
  Result<Target> target = ParseTarget(uri);
  if (!target.ok()) return target.status();
  const bool read_only = options.read_only || options.follow;
  ConnectionPool probe(*target, read_only, 1);
  Result<int> version =
      RunOn(probe, "opening " + target->display, [&](pqxx::connection& c) -> Result<int> {
        pqxx::nontransaction tx(c);
        return ReadSchemaVersion(tx);
      });
  if (!version.ok()) return version.status();
  if (*version > kPostgresSchemaVersion) return NewerSchemaError(*version);
  if (*version < kPostgresSchemaVersion) {
    if (read_only || !options.create_if_missing) {
      return Status::Unsupported(
          std::string("the PostgreSQL database ") + target->display +
          (*version == 0
               ? " has no mediawatch tables"
               : " has mediawatch schema version " + std::to_string(*version) +
                     ", older than this build's (" + std::to_string(kPostgresSchemaVersion) + ")") +
          "; run: mediawatch db migrate --store '" + target->display + "'");
    }
    MW_RETURN_IF_ERROR(MigratePostgres(uri));
  }
  // Opened after the server checks, so a failed open creates no directory.
  std::unique_ptr<HtmlCache> html_cache;
  if (!options.raw_html_cache_dir.empty()) {
    HtmlCacheOptions cache_options;
    cache_options.read_only = read_only;
    Result<std::unique_ptr<HtmlCache>> opened =
        HtmlCache::Open(options.raw_html_cache_dir, cache_options);
    if (!opened.ok()) return opened.status();
    html_cache = std::move(opened).value();
  }
  return std::unique_ptr<Store>(
      std::make_unique<PgStore>(*target, read_only, std::move(html_cache)));
}

}  // namespace mw
