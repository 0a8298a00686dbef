// mediawatch/tests/support/command_test.h
//
// A GoogleTest fixture for integration tests of one `mediawatch` subcommand
// run on files in a temporary directory:
//
//   class ExtractCommandTest : public testing::CommandTest {
//    protected:
//     ExtractCommandTest() : CommandTest({"extract"}) {}
//   };
//   TEST_F(ExtractCommandTest, X) { json j = RunJson({Write("a.html", html)}); }
//
// The binary is MEDIAWATCH_BINARY (set by tests/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/test_support.h"

namespace mw::testing {

class CommandTest : public ::testing::Test {
 protected:
  // `subcommand`: the words after the binary, e.g. {"feed", "parse"}.
  explicit CommandTest(std::vector<std::string> subcommand) : subcommand_(std::move(subcommand)) {}

  // Writes `contents` to `name` in the temporary directory; returns the path.
  std::string Write(const std::string& name, std::string_view contents) {
    const auto path = dir_.path() / name;
    WriteFile(path, contents);
    return path.string();
  }

  // Runs the subcommand with `args` (60 s timeout).
  CommandResult Run(std::vector<std::string> args) const {
    args.insert(args.begin(), subcommand_.begin(), subcommand_.end());
    args.insert(args.begin(), MEDIAWATCH_BINARY);
    return RunCommand(args, 60);
  }

  // Runs with --json; expects exit 0 and stdout to be exactly one JSON
  // object.
  nlohmann::json RunJson(std::vector<std::string> args) const {
    args.push_back("--json");
    const CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << r.out;
    return j;
  }

  TempDir dir_;

 private:
  std::vector<std::string> subcommand_;
};

}  // namespace mw::testing
