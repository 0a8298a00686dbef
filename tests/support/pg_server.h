// mediawatch/tests/support/pg_server.h
//
// A throw-away PostgreSQL server for tests of the PostgreSQL store: a fresh
// cluster (initdb) in a temporary directory, reachable through a Unix socket
// in that directory only (no TCP port is opened), with durability off
// (fsync, synchronous_commit, full_page_writes) because the data dies with
// the test. When running as root the cluster belongs to the `postgres`
// system user (PostgreSQL refuses to run as root): initdb and pg_ctl run
// through runuser.
//
//   TEST_P(StoreContract, ...) {
//     MW_REQUIRE_POSTGRES(server);      // skips, or fails, when unavailable
//     Result<std::string> uri = server->CreateDatabase();
//     ...OpenPostgresStore(*uri, {})...
//   }
//
// One server per test binary (SharedPgServer, started on first use and
// stopped by a gtest Environment after the last test), one new database per
// test: creating a database takes milliseconds, starting a cluster most of a
// second.
//
// Binaries: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
// When they are missing the tests are skipped with a message, unless
// MEDIAWATCH_REQUIRE_POSTGRES=1 (CI), which makes them fail.
//
// Thread safety: SharedPgServer and CreateDatabase may be called from any
// thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tests/support/test_support.h"

namespace mw::testing {

class PgServer {
 public:
  // The directory holding initdb, pg_ctl and postgres; "" when none is
  // installed.
  static std::string FindBinDir();

  // Creates and starts a cluster. Errors: kNotFound (no binaries),
  // kIoError (initdb or start failed; the message has their output).
  static Result<std::unique_ptr<PgServer>> Start();

  // Stops the server (immediate shutdown) and removes its directory.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // A new, empty UTF-8 database (a copy of `template_db`); its URI.
  Result<std::string> CreateDatabase(const std::string& template_db = "template0");

  // The connection URI of database `db` (superuser, Unix socket).
  std::string UriFor(std::string_view db) const;
  // The directory holding the server's socket.
  std::string socket_dir() const { return dir_.str(); }

 private:
  PgServer(std::string bin_dir, bool as_postgres);
  // Runs a PostgreSQL binary (as the postgres user when we are root).
  CommandResult RunTool(const std::string& tool, const std::vector<std::string>& args) const;

  TempDir dir_;  // data/ and the socket
  const std::string bin_dir_;
  const bool as_postgres_;
  bool started_ = false;
  std::atomic<int> next_db_{0};
};

// The test binary's server, started on the first call. nullptr when it is
// not available: then `why` says why and `missing` is true when the
// binaries are not installed (a skip), false when they failed (a failure).
PgServer* SharedPgServer(std::string* why, bool* missing);

// MEDIAWATCH_REQUIRE_POSTGRES=1: a missing PostgreSQL fails the tests.
bool PostgresRequired();

}  // namespace mw::testing

// At the top of a TEST body or SetUp(): declares `var`, the shared server;
// skips the test when PostgreSQL is not installed (fails with
// MEDIAWATCH_REQUIRE_POSTGRES=1), fails it when the server cannot start.
#define MW_REQUIRE_POSTGRES(var)                                                              \
  ::mw::testing::PgServer* var = nullptr;                                                     \
  do {                                                                                        \
    std::string mw_pg_why_;                                                                   \
    bool mw_pg_missing_ = false;                                                              \
    var = ::mw::testing::SharedPgServer(&mw_pg_why_, &mw_pg_missing_);                        \
    if (var == nullptr) {                                                                     \
      if (mw_pg_missing_ && !::mw::testing::PostgresRequired()) {                             \
        GTEST_SKIP() << mw_pg_why_ << " (set MEDIAWATCH_REQUIRE_POSTGRES=1 to fail instead)"; \
      }                                                                                       \
      FAIL() << mw_pg_why_;                                                                   \
    }                                                                                         \
  } while (0)
