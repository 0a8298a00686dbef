// mediawatch/tests/support/process.cc

#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace mw::testing {

pid_t SpawnProcess(const std::vector<std::string>& args, const std::string& log_path,
                   const std::string& env) {
  // Prepared before fork: the child only calls async-signal-safe functions
  // (the parent may have other threads).
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  const std::string name = env.substr(0, env.find('=') + 1);  // "NAME="
  for (char** e = environ; *e != nullptr; ++e) {
    if (name.empty() || std::string_view(*e).substr(0, name.size()) != name) envp.push_back(*e);
  }
  if (!env.empty()) envp.push_back(const_cast<char*>(env.c_str()));
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log >= 0) {
    dup2(log, STDERR_FILENO);
    dup2(log, STDOUT_FILENO);
  }
  if (!args.empty()) execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

bool WaitForExit(pid_t pid, double seconds, int* status) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int st = 0;
  while (true) {
    const pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      if (status != nullptr) *status = st;
      return true;
    }
    if (r < 0 || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void KillProcess(pid_t pid) {
  if (pid <= 0) return;
  if (kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
}

}  // namespace mw::testing
