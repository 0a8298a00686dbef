// mediawatch/tests/support/process.h
//
// Child processes for the integration tests and benchmarks that run the
// real `mediawatch` binary (run, workers): start one with its output in a
// log file, wait for it with a deadline, stop it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mw::testing {

// Starts args[0] (a path, not searched in PATH) with `args`, its stdout and
// stderr appended to `log_path`, and `env` ("NAME=value", or empty) added
// to the inherited environment. The child is killed (SIGKILL) if the thread
// that started it ends first, so a crashed test leaves no crawler behind.
// Returns the pid, or -1 when fork failed; a failed exec exits 127.
pid_t SpawnProcess(const std::vector<std::string>& args, const std::string& log_path,
                   const std::string& env = "");

// Waits up to `seconds` for `pid` to end; true (and its waitpid status in
// *status, when given) if it did.
bool WaitForExit(pid_t pid, double seconds, int* status = nullptr);

// SIGKILL and reap; a pid <= 0 or one already gone is ignored.
void KillProcess(pid_t pid);

}  // namespace mw::testing
