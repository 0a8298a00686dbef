// mediawatch/tests/support/test_support.h
//
// Helpers shared by every test binary: a temporary directory that removes
// itself, the location of ../shared (the read-only corpora), and file I/O.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mw::testing {

// A fresh directory under the system temp dir; removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// The project source directory (compiled in).
std::filesystem::path SourceDir();

// The shared/ corpora directory: $MEDIAWATCH_SHARED_DIR, else
// <source>/../shared. Tests that need it call SharedDirOrSkip() through the
// MW_REQUIRE_SHARED macro: when MEDIAWATCH_NO_SHARED=1 the test is skipped
// with a clear message; otherwise a missing directory FAILS the test loudly.
std::filesystem::path SharedDir();
bool SharedDisabled();

std::string ReadFileOrDie(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, std::string_view contents);

}  // namespace mw::testing

// Use at the top of a TEST body that reads ../shared.
#define MW_REQUIRE_SHARED()                                                         \
  do {                                                                              \
    if (::mw::testing::SharedDisabled())                                            \
      GTEST_SKIP() << "MEDIAWATCH_NO_SHARED=1: skipping test that needs ../shared"; \
    ASSERT_TRUE(std::filesystem::is_directory(::mw::testing::SharedDir()))          \
        << "shared corpora missing at " << ::mw::testing::SharedDir()               \
        << " (set MEDIAWATCH_SHARED_DIR, or MEDIAWATCH_NO_SHARED=1 to skip)";       \
  } while (0)

namespace mw::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the process could not run or was killed
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is a path) with stdin from /dev/null, capturing stdout
// and stderr; waits at most `timeout_seconds` (then kills it, exit_code -1).
CommandResult RunCommand(const std::vector<std::string>& argv, int timeout_seconds = 120);

}  // namespace mw::testing
