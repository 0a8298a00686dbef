// mediawatch/base/config_files.h
//
// Small helpers shared by the loaders of configuration files (feed lists,
// watch-lists): identifier syntax, capped file reads and directory listing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace mw {

// True for identifiers of the form [a-z0-9][a-z0-9_-]*, at most 128 bytes:
// the syntax of feed, watch-list, entity and keyword ids.
bool IsValidId(std::string_view id);

// Reads a whole file of at most `max_bytes`. Errors: kInvalidArgument naming
// the path (missing, unreadable, too large).
Result<std::string> ReadConfigFile(const std::filesystem::path& path, size_t max_bytes);

// Regular files in `dir` (not recursive) whose extension is `extension`
// (".toml"), sorted by name. Errors: kInvalidArgument when `dir` is not a
// readable directory.
Result<std::vector<std::filesystem::path>> ListConfigFiles(const std::filesystem::path& dir,
                                                           std::string_view extension);

}  // namespace mw
