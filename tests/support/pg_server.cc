#include "tests/support/pg_server.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

namespace mw::testing {
namespace {

namespace fs = std::filesystem;

// The cluster's superuser; trust authentication lets any OS user log in
// as it over the private socket.
constexpr const char* kSuperuser = "mwtest";
constexpr int kToolTimeoutSeconds = 60;

bool HasTools(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "initdb", ec) && fs::is_regular_file(dir / "pg_ctl", ec) &&
         fs::is_regular_file(dir / "postgres", ec);
}

std::string RunuserPath() {
  for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return path;
  }
  return "";
}

std::string Output(const CommandResult& r) { return r.out + r.err; }

// The shared server of this binary, and the Environment that stops it.
struct Shared {
  std::mutex mu;
  bool tried = false;
  std::unique_ptr<PgServer> server;
  std::string why;
  bool missing = false;
};

Shared& SharedState() {
  static Shared* shared = new Shared;  // outlives the Environment's TearDown
  return *shared;
}

class PgEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    Shared& shared = SharedState();
    std::lock_guard<std::mutex> lock(shared.mu);
    shared.server.reset();
  }
};

[[maybe_unused]] const bool kEnvironmentRegistered =
    (::testing::AddGlobalTestEnvironment(new PgEnvironment), true);

}  // namespace

std::string PgServer::FindBinDir() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/lib/postgresql/bin"}) {
    const fs::path pg_config = fs::path(dir) / "pg_config";
    std::error_code ec;
    if (!fs::is_regular_file(pg_config, ec)) continue;
    const CommandResult r = RunCommand({pg_config.string(), "--bindir"}, kToolTimeoutSeconds);
    std::string bindir = r.out;
    while (!bindir.empty() && (bindir.back() == '\n' || bindir.back() == ' ')) bindir.pop_back();
    if (r.exit_code == 0 && HasTools(bindir)) return bindir;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (HasTools(e.path() / "bin")) candidates.push_back(e.path() / "bin");
  }
  if (candidates.empty()) return "";
  // Newest major version: "15" > "13" (same digit count on one system).
  std::sort(candidates.begin(), candidates.end(), [](const fs::path& a, const fs::path& b) {
    const std::string va = a.parent_path().filename().string();
    const std::string vb = b.parent_path().filename().string();
    return va.size() != vb.size() ? va.size() < vb.size() : va < vb;
  });
  return candidates.back().string();
}

PgServer::PgServer(std::string bin_dir, bool as_postgres)
    : bin_dir_(std::move(bin_dir)), as_postgres_(as_postgres) {}

CommandResult PgServer::RunTool(const std::string& tool,
                                const std::vector<std::string>& args) const {
  std::vector<std::string> argv;
  if (as_postgres_) argv = {RunuserPath(), "-u", "postgres", "--"};
  argv.push_back((fs::path(bin_dir_) / tool).string());
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, kToolTimeoutSeconds);
}

Result<std::unique_ptr<PgServer>> PgServer::Start() {
  const std::string bin_dir = FindBinDir();
  if (bin_dir.empty()) {
    return Status::NotFound(
        "PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin); "
        "install postgresql to run these tests");
  }
  const bool root = ::geteuid() == 0;
  if (root) {
    if (RunuserPath().empty()) return Status::NotFound("running as root, but no runuser");
    if (::getpwnam("postgres") == nullptr) {
      return Status::NotFound("running as root, but there is no postgres system user");
    }
  }
  std::unique_ptr<PgServer> server(new PgServer(bin_dir, root));
  const std::string dir = server->dir_.str();
  if (dir.empty()) return Status::IoError("no temporary directory");
  if (root) {
    const passwd* pw = ::getpwnam("postgres");
    if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status::IoError("cannot chown " + dir + " to postgres");
    }
  }
  const std::string data = dir + "/data";
  const CommandResult init = server->RunTool(
      "initdb", {"-D", data, "-A", "trust", "-E", "UTF8", "--no-locale", "-U", kSuperuser});
  if (init.exit_code != 0) return Status::IoError("initdb failed: " + Output(init));
  // Unix socket only, in our directory; the data dies with the test.
  const std::string options = "-c listen_addresses='' -c unix_socket_directories=" + dir +
                              " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                              " -c max_connections=50 -k " +
                              dir;
  const CommandResult start = server->RunTool(
      "pg_ctl", {"-D", data, "-l", dir + "/server.log", "-w", "-t", "60", "-o", options, "start"});
  if (start.exit_code != 0) {
    std::string log;
    std::error_code ec;
    if (fs::is_regular_file(dir + "/server.log", ec)) log = ReadFileOrDie(dir + "/server.log");
    return Status::IoError("pg_ctl start failed: " + Output(start) + log);
  }
  server->started_ = true;
  // pg_ctl -w returns once the server accepts connections; a connection
  // proves it for this socket.
  try {
    pqxx::connection c(server->UriFor("postgres"));
  } catch (const std::exception& e) {
    return Status::IoError(std::string("the test server does not accept connections: ") + e.what());
  }
  return server;
}

PgServer::~PgServer() {
  if (started_) {
    RunTool("pg_ctl", {"-D", dir_.str() + "/data", "-m", "immediate", "-w", "stop"});
  }
  // dir_ removes the cluster.
}

std::string PgServer::UriFor(std::string_view db) const {
  return "postgresql://" + std::string(kSuperuser) + "@/" + std::string(db) + "?host=" + dir_.str();
}

Result<std::string> PgServer::CreateDatabase(const std::string& template_db) {
  const std::string name = "mw_test_" + std::to_string(next_db_.fetch_add(1));
  try {
    pqxx::connection c(UriFor("postgres"));
    pqxx::nontransaction tx(c);
    // FILE_COPY: with fsync off, copying the template's files is faster
    // than WAL-logging them block by block (PostgreSQL 15's default).
    tx.exec("CREATE DATABASE " + tx.quote_name(name) + " TEMPLATE " + tx.quote_name(template_db) +
            " ENCODING 'UTF8' STRATEGY FILE_COPY");
  } catch (const std::exception& e) {
    return Status::IoError("CREATE DATABASE " + name + ": " + e.what());
  }
  return UriFor(name);
}

PgServer* SharedPgServer(std::string* why, bool* missing) {
  Shared& shared = SharedState();
  std::lock_guard<std::mutex> lock(shared.mu);
  if (!shared.tried) {
    shared.tried = true;
    Result<std::unique_ptr<PgServer>> started = PgServer::Start();
    if (started.ok()) {
      shared.server = std::move(started).value();
    } else {
      shared.why = started.status().ToString();
      shared.missing = started.status().code() == StatusCode::kNotFound;
    }
  }
  if (shared.server == nullptr) {
    *why = shared.why.empty() ? "the PostgreSQL test server was stopped" : shared.why;
    *missing = shared.missing;
  }
  return shared.server.get();
}

bool PostgresRequired() {
  const char* env = std::getenv("MEDIAWATCH_REQUIRE_POSTGRES");
  return env != nullptr && std::string_view(env) == "1";
}

}  // namespace mw::testing
