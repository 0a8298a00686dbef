// `mediawatch serve --db DIR`: the JSON API and the web dashboard over one
// database (server/server.h, docs/api.md), read-only, until SIGINT/SIGTERM.
// It follows the database (StoreOptions::follow): what a concurrently
// running `mediawatch run` stores shows up within --refresh-ms.
#include <pthread.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "app/store_open.h"
#include "server/server.h"
#include "storage/store.h"
#include "watch/watchlist.h"

namespace mw {
namespace {

// A token file holds one line; anything longer is not a token.
constexpr size_t kMaxTokenFileBytes = 4096;

struct ServeFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  std::string config_dir;
  std::string listen = "127.0.0.1:8080";
  std::string token_env;
  std::string token_file;
  size_t threads = 8;
  int refresh_ms = 2000;
};

// The token from --token-env or --token-file ("" when neither). Never from
// the command line, where every user of the machine can read it (ps).
Result<std::string> ReadToken(const ServeFlags& flags, spdlog::logger& log) {
  std::string token;
  if (!flags.token_env.empty()) {
    const char* value = std::getenv(flags.token_env.c_str());
    if (value == nullptr || *value == '\0') {
      return Status::InvalidArgument("--token-env: the environment variable " + flags.token_env +
                                     " is not set or empty");
    }
    token = value;
  } else if (!flags.token_file.empty()) {
    std::ifstream in(flags.token_file, std::ios::binary);
    if (!in) return Status::InvalidArgument("--token-file: cannot read " + flags.token_file);
    token.resize(kMaxTokenFileBytes + 1);
    in.read(token.data(), static_cast<std::streamsize>(token.size()));
    token.resize(static_cast<size_t>(in.gcount()));
    if (token.size() > kMaxTokenFileBytes) {
      return Status::InvalidArgument("--token-file: " + flags.token_file +
                                     " is too large to hold a token");
    }
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' ||
                              token.back() == '\t')) {
      token.pop_back();
    }
    struct stat st {};
    if (::stat(flags.token_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      log.warn("--token-file {} can be read by other users (chmod 600 it)", flags.token_file);
    }
  } else {
    return std::string();
  }
  Status valid = server::CheckToken(token);
  if (!valid.ok())
    return valid.WithContext(flags.token_env.empty() ? "--token-file" : "--token-env");
  return token;
}

int CmdServe(const ServeFlags& flags, spdlog::logger& log) {
  Result<std::pair<std::string, int>> listen = server::ParseListenAddress(flags.listen);
  if (!listen.ok()) {
    log.error("{}", listen.status().message());
    return kExitUsage;
  }
  Result<std::string> token = ReadToken(flags, log);
  if (!token.ok()) {
    log.error("{}", token.status().message());
    return kExitUsage;
  }
  // Refused before anything is opened or bound.
  if (!server::IsLoopbackHost(listen->first) && token->empty()) {
    log.error(
        "--listen {}: not a loopback address; anyone who can reach it could read the database. "
        "Give a token with --token-env VAR or --token-file FILE, or listen on 127.0.0.1",
        flags.listen);
    return kExitUsage;
  }

  server::ServerOptions options;
  options.host = listen->first;
  options.port = listen->second;
  options.token = *token;
  options.threads = flags.threads;
  options.refresh_interval_ms = flags.refresh_ms;
  // The logger is single-threaded and the callback runs on a worker thread:
  // every log call from the moment the server starts holds log_mu.
  std::mutex log_mu;
  options.on_refresh_error = [&log, &log_mu, db = flags.store.display](const Status& status) {
    std::lock_guard<std::mutex> lock(log_mu);
    if (status.ok()) {
      log.info("following {} again", db);
    } else {
      log.warn("cannot catch up with {} ({}); serving the data as of the last refresh", db,
               status.ToString());
    }
  };
  if (!flags.config_dir.empty()) {
    const std::filesystem::path dir(flags.config_dir);
    if (std::filesystem::is_directory(dir / "watchlists")) {
      Result<std::vector<Watchlist>> lists = LoadWatchlistDir(dir / "watchlists");
      if (!lists.ok()) {
        log.error("invalid configuration: {}", lists.status().message());
        return kExitUsage;
      }
      options.watchlists = std::move(lists).value();
    }
    Result<std::vector<FeedConfig>> feeds = LoadFeedDir(dir);
    if (!feeds.ok()) {
      log.error("invalid configuration: {}", feeds.status().message());
      return kExitUsage;
    }
    for (const FeedConfig& f : *feeds) options.feed_names[f.id] = f.source;
  }

  // Blocked before the store opens: every thread started from here on —
  // RocksDB's background threads included — inherits this mask, so
  // SIGINT/SIGTERM reach only the sigwait below (a clean stop, no handler, no
  // global). Blocked after the open, a signal could land on a RocksDB thread
  // and kill the process by its default action.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // A read-only follower: never writes, works while `mediawatch run` holds
  // the database, and catches up with it (the server refreshes it).
  StoreOptions store_options;
  store_options.follow = true;
  Result<std::unique_ptr<Store>> opened = OpenStoreAt(flags.store.location, store_options);
  if (!opened.ok()) {
    log.error("cannot open database {}: {}", flags.store.display, opened.status().ToString());
    return kExitFailure;
  }
  std::unique_ptr<Store> store = std::move(opened).value();

  Result<std::unique_ptr<server::Server>> srv = server::Server::Start(store.get(), options);
  if (!srv.ok()) {
    log.error("{}", srv.status().message());
    return srv.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::printf("listening on %s\n", (*srv)->url().c_str());
  std::fflush(stdout);
  {
    std::lock_guard<std::mutex> lock(log_mu);
    log.info("serving {} read-only, following its writer every {} ms; SIGINT/SIGTERM stop",
             flags.store.display, flags.refresh_ms);
  }

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  {
    std::lock_guard<std::mutex> lock(log_mu);
    log.info("signal {}: stopping", signal_number);
  }
  (*srv)->Stop();
  (*srv)->Wait();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand(
      "serve",
      "The web dashboard and a read-only JSON API (docs/api.md) over one database, on "
      "http://127.0.0.1:8080/ by default.");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  cmd->add_option("--config", flags->config_dir,
                  "Configuration directory: watch-list names, and highlighting of every "
                  "spelling of a term (DIR/watchlists/*.toml); feed names (DIR/*.toml)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--listen", flags->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 = any free port; "
                  "[::1]:PORT for IPv6). Not loopback: a token is required");
  auto* env = cmd->add_option("--token-env", flags->token_env,
                              "Require 'Authorization: Bearer TOKEN' on /api/, with the token "
                              "from this environment variable");
  cmd->add_option("--token-file", flags->token_file,
                  "As --token-env, the token read from this file (first line)")
      ->excludes(env);
  cmd->add_option("--threads", flags->threads, "Requests served at once (default: 8)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--refresh-ms", flags->refresh_ms,
                  "Catch up with the database's writer (a running `run` or `crawl`) before an "
                  "API request at most every MS milliseconds (default: 2000; 0 = before every "
                  "API request)")
      ->check(CLI::Range(0, 3600000));
  cmd->footer(
      "Prints 'listening on http://HOST:PORT/' once it listens; SIGINT/SIGTERM stop it (exit "
      "0). The database is opened read-only, as a follower: serve works while `run` writes "
      "to it and shows what `run` stores within --refresh-ms, without a restart.");
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdServe(*flags, log); }});
}

}  // namespace mw
