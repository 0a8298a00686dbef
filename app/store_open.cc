#include "app/store_open.h"

#ifdef MEDIAWATCH_HAVE_POSTGRES
#include "storage/pg_store.h"
#endif

namespace mw {

bool IsServerStore(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Store>> OpenStoreAt(const std::string& location,
                                           const StoreOptions& options) {
  if (!IsServerStore(location)) return OpenRocksStore(location, options);
#ifdef MEDIAWATCH_HAVE_POSTGRES
  return OpenPostgresStore(location, options);
#else
  return Status::Unsupported(
      "this build of mediawatch has no PostgreSQL backend "
      "(configure with -DMEDIAWATCH_POSTGRES=ON)");
#endif
}

Status MigrateStoreAt(const std::string& location) {
  if (!IsServerStore(location)) {
    StoreOptions options;
    options.create_if_missing = true;
    Result<std::unique_ptr<Store>> store = OpenRocksStore(location, options);
    return store.ok() ? Status::Ok() : store.status();
  }
#ifdef MEDIAWATCH_HAVE_POSTGRES
  return MigratePostgres(location);
#else
  return Status::Unsupported(
      "this build of mediawatch has no PostgreSQL backend "
      "(configure with -DMEDIAWATCH_POSTGRES=ON)");
#endif
}

}  // namespace mw
