// mediawatch/app/store_open.h
//
// Where a command's store lives: a directory (the embedded RocksDB store,
// `--db DIR`) or a PostgreSQL server (`--store postgresql://…`, or
// `store = "postgresql://…"` in the config), behind the one Store API.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "storage/store.h"

namespace mw {

// True when `location` names a PostgreSQL server ("postgresql://…" or
// "postgres://…") rather than a directory.
bool IsServerStore(const std::string& location);

// Opens the store at `location`: OpenPostgresStore for a PostgreSQL URI,
// OpenRocksStore for a directory. Errors as theirs; kUnsupported for a URI
// when this build has no PostgreSQL backend.
Result<std::unique_ptr<Store>> OpenStoreAt(const std::string& location,
                                           const StoreOptions& options);

// Creates or upgrades the schema at `location` (`mediawatch db migrate`).
// A directory is migrated by a writable open; a server by MigratePostgres.
Status MigrateStoreAt(const std::string& location);

}  // namespace mw
