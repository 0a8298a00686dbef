// `mediawatch backup --db DIR --to DIR`: a consistent copy of the database
// (a RocksDB checkpoint: unchanged files hard-linked when on the same file
// system) that is itself a database. Restoring is opening it: `--db BACKUP`
// with any command, or moving it into place while nothing runs.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "report/query_output.h"
#include "storage/store.h"

namespace mw {
namespace {

namespace fs = std::filesystem;

struct BackupFlags {
  StoreFlags store;  // --db DIR or --store DIR
  std::string to_dir;
};

struct DirSize {
  int64_t bytes = 0;
  int64_t files = 0;
};

DirSize SizeOf(const std::string& dir) {
  DirSize size;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    const uintmax_t bytes = it->file_size(error);
    if (error) break;
    size.bytes += static_cast<int64_t>(bytes);
    ++size.files;
  }
  return size;
}

// Backs up through a read-only open first: it works while a crawl holds the
// database. A backend that cannot checkpoint read-only gets a writable open,
// which needs the database to itself.
Status BackUp(const BackupFlags& flags, spdlog::logger& log) {
  StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  Result<std::unique_ptr<Store>> store = OpenStoreAt(flags.store.location, options);
  if (!store.ok())
    return store.status().WithContext("cannot open database " + flags.store.location);
  Status read_only = (*store)->Backup(flags.to_dir);
  if (read_only.ok()) return read_only;
  store->reset();
  std::error_code error;
  if (fs::exists(flags.to_dir, error) || read_only.code() == StatusCode::kInvalidArgument) {
    return read_only.WithContext("backup failed");
  }
  log.debug("read-only backup failed ({}); retrying with a writable open", read_only.ToString());
  options.read_only = false;
  store = OpenStoreAt(flags.store.location, options);
  if (!store.ok()) {
    return Status(store.status().code(), "a read-only backup failed (" + read_only.message() +
                                             ") and the database cannot be opened for writing (" +
                                             store.status().message() +
                                             "); is a crawl running on it?");
  }
  return (*store)->Backup(flags.to_dir).WithContext("backup failed");
}

int CmdBackup(const BackupFlags& flags, spdlog::logger& log) {
  if (IsServerStore(flags.store.location)) {
    // The server's own tools copy a live database consistently; a
    // directory copy of its rows would be neither faster nor restorable.
    log.error(
        "backup copies a database directory; back up the PostgreSQL store {} with pg_dump "
        "(pg_dump -Fc -f mediawatch.dump DBNAME; restore with pg_restore; docs/postgresql.md)",
        flags.store.display);
    return kExitUsage;
  }
  std::error_code error;
  if (fs::exists(flags.to_dir, error) || fs::is_symlink(flags.to_dir, error)) {
    log.error("--to {} already exists: a backup goes into a new directory", flags.to_dir);
    return kExitUsage;
  }
  fs::path parent = fs::path(flags.to_dir).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, error)) {
    log.error("--to {}: the directory {} does not exist", flags.to_dir, parent.string());
    return kExitUsage;
  }
  if (fs::weakly_canonical(flags.to_dir, error)
          .string()
          .starts_with(fs::weakly_canonical(flags.store.location, error).string() + "/")) {
    log.error("--to {} is inside the database directory {}", flags.to_dir, flags.store.location);
    return kExitUsage;
  }
  if (Status s = BackUp(flags, log); !s.ok()) {
    log.error("{}", s.ToString());
    return kExitFailure;
  }
  // Open the copy as a restore would: the backup is only a backup if it opens.
  std::unique_ptr<Store> copy = OpenStoreForReading(flags.to_dir, log);
  if (!copy) {
    log.error("the backup in {} was written but does not open", flags.to_dir);
    return kExitFailure;
  }
  Result<StoreStats> stats = copy->Stats();
  if (!stats.ok()) {
    log.error("the backup in {} was written but cannot be read: {}", flags.to_dir,
              stats.status().ToString());
    return kExitFailure;
  }
  copy.reset();
  const DirSize size = SizeOf(flags.to_dir);
  std::printf(
      "backup of %s written to %s\n"
      "  articles       %lld\n"
      "  match records  %lld\n"
      "  feeds          %lld\n"
      "  size           %s (%lld bytes in %lld files; on the same file system, unchanged "
      "files are hard links)\n"
      "restore: use it as --db (mediawatch query --db %s), or move it into place while no "
      "command runs\n",
      flags.store.location.c_str(), flags.to_dir.c_str(), static_cast<long long>(stats->articles),
      static_cast<long long>(stats->matches), static_cast<long long>(stats->feeds),
      FormatByteSize(size.bytes).c_str(), static_cast<long long>(size.bytes),
      static_cast<long long>(size.files), flags.to_dir.c_str());
  return kExitOk;
}

}  // namespace

void AddBackupCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<BackupFlags>();
  auto* cmd = app.add_subcommand(
      "backup",
      "A consistent copy of the database (safe while a crawl runs) that is itself a database: "
      "restore by using it as --db, or by moving it into place.");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  cmd->add_option("--to", flags->to_dir,
                  "New directory for the copy (must not exist; its parent must). On the same "
                  "file system, unchanged files are hard-linked, not copied")
      ->required();
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdBackup(*flags, log); }});
}

}  // namespace mw
