// mediawatch/app/db_command.cc
//
// `mediawatch db migrate`: creates or upgrades a store's schema, so that
// an operator (or a deployment script) prepares a PostgreSQL database once
// before starting workers on several machines, rather than the first worker
// to start doing it.
#include <cstdio>
#include <memory>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "storage/store.h"

namespace mw {
namespace {

struct DbFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
};

int CmdMigrate(const DbFlags& flags, spdlog::logger& log) {
  if (Status s = MigrateStoreAt(flags.store.location); !s.ok()) {
    log.error("cannot migrate {}: {}", flags.store.display, s.ToString());
    return kExitFailure;
  }
  // The version as the store reports it after the migration.
  StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  Result<std::unique_ptr<Store>> store = OpenStoreAt(flags.store.location, options);
  if (!store.ok()) {
    log.error("migrated {}, but cannot open it: {}", flags.store.display,
              store.status().ToString());
    return kExitFailure;
  }
  Result<StoreStats> stats = (*store)->Stats();
  if (!stats.ok()) {
    log.error("migrated {}, but cannot read it: {}", flags.store.display,
              stats.status().ToString());
    return kExitFailure;
  }
  std::printf("%s: %s store, schema version %d (up to date)\n", flags.store.display.c_str(),
              IsServerStore(flags.store.location) ? "PostgreSQL" : "RocksDB",
              stats->schema_version);
  return kExitOk;
}

}  // namespace

void AddDbCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<DbFlags>();
  auto* db = app.add_subcommand("db", "Database administration: `db migrate`.");
  db->require_subcommand(1);
  auto* migrate = db->add_subcommand(
      "migrate",
      "Creates the store's tables, or upgrades them to this build's schema, and prints the\n"
      "schema version. Idempotent, and safe while other processes migrate or use the store\n"
      "(PostgreSQL: one step per transaction, serialized by a lock). Run it once before\n"
      "starting workers on a new PostgreSQL database (docs/postgresql.md); a directory is\n"
      "created if missing. Exit codes: 0 migrated or already current; 1 the store cannot be\n"
      "reached or migrated (e.g. its schema is newer than this build); 2 usage.");
  AddStoreFlags(migrate, &flags->store, StoreDirRule::kMayCreate);
  commands->push_back({migrate, [flags](spdlog::logger& log) { return CmdMigrate(*flags, log); }});
}

}  // namespace mw
