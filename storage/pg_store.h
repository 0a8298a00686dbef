// mediawatch/storage/pg_store.h
//
// The PostgreSQL backend of Store (storage/store.h): the same API as the
// embedded RocksDB store, in a database server that several crawler workers
// on different machines share and that researchers query with SQL. The
// tables, their columns and example queries are in docs/postgresql.md.
//
//   Status migrated = MigratePostgres("postgresql://mw@db.example/mediawatch");
//   Result<std::unique_ptr<Store>> store =
//       OpenPostgresStore("postgresql://mw@db.example/mediawatch", {});
//
// Connection strings are libpq connection URIs: postgresql://user:password@
// host:port/dbname?param=value (also postgres://), e.g.
// postgresql:///mediawatch?host=/run/postgresql for a Unix socket. The
// password is never repeated in an error message.
//
// Thread safety: a Store from OpenPostgresStore may be called from any
// thread; it keeps a small pool of connections (at most
// kMaxPostgresConnections, opened on demand), one per call in flight. Any
// number of processes may open the same database: every write is one
// transaction, idempotent under concurrency (two workers storing the same
// canonical URL at once store it once; exactly one sees inserted=true).
// Leases (Store::ClaimLeases) are arbitrated by the server: of several
// workers, in any processes, claiming a free key at once exactly one gets
// it; workers are recorded (PutWorker) for `mediawatch workers`.
//
// Differences from the RocksDB store (docs/postgresql.md, "Limits"):
// strings must be valid UTF-8 without NUL bytes (else kInvalidArgument;
// lookups of such keys find nothing); ids and names that PostgreSQL indexes
// (watch-list, target, feed, outlet, host, sink) must fit a B-tree index row
// (~2,700 bytes); Backup() is kUnsupported (use pg_dump); StoreStats::
// schema_version is this backend's schema version (kPostgresSchemaVersion)
// and disk_bytes is pg_database_size(); StoreOptions::sync_writes is left to
// the server (synchronous_commit), and follow equals read_only (a server
// backend's view is always current, so Refresh() is Ok).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/store.h"

namespace mw {

// The schema version of this build's tables (the mediawatch_schema table).
inline constexpr int kPostgresSchemaVersion = 2;

// Connections a store opens at most; calls beyond that wait for one.
inline constexpr size_t kMaxPostgresConnections = 4;

// True when `s` starts with "postgresql://" or "postgres://" (the --store
// value names a PostgreSQL database rather than a RocksDB directory).
bool IsPostgresUri(std::string_view s);

// `uri` as messages may show it: its password replaced by "********".
// Checks the URI without connecting. Errors: kInvalidArgument (not a
// postgresql:// URI, or one libpq cannot parse; the message names the
// redacted URI).
Result<std::string> RedactedPostgresUri(const std::string& uri);

// Connects to the database at `uri` and checks its schema. A database
// without this build's tables, or with an older version of them, is
// migrated (MigratePostgres) when options.create_if_missing and the open is
// writable; otherwise kUnsupported telling to run `mediawatch db migrate`.
// options.read_only or options.follow: every write returns kUnsupported
// (and the connections are read-only). Errors: kInvalidArgument (not a
// connection URI, or a database not encoded in UTF-8), kIoError (the server
// is unreachable or refused the login: libpq's message, without the
// password), kUnsupported (schema missing, older and not migrating, or newer
// than this build).
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                 const StoreOptions& options);

// Creates this build's tables in the database at `uri`, or upgrades older
// ones, one migration step per transaction. Idempotent; concurrent callers
// (several workers starting at once) are serialized by an advisory lock and
// each step runs once. Errors: as OpenPostgresStore; kUnsupported for a
// schema newer than this build.
Status MigratePostgres(const std::string& uri);

}  // namespace mw
