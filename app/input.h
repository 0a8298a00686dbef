// mediawatch/app/input.h
//
// Reading user-named input files for the commands that take one (extract,
// match, watchlist check): capped, with short reasons fit for
// "mediawatch CMD: FILE: reason".
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

// Reads `input` (a path, or "-" for stdin) whole. A regular file larger
// than `max_bytes` is refused from its size before reading; a stream is read
// up to max_bytes + 1 bytes, never more. `limit` names the limit in
// messages, e.g. "the limit of 8 MiB (8388608 bytes)".
// Errors (message = the reason): kNotFound "no such file", kInvalidArgument
// "is a directory", kIoError "cannot open: ..." / "read error", kTooLarge
// "file of N bytes is larger than LIMIT" / "input larger than LIMIT".
Result<std::string> ReadInputCapped(const std::string& input, size_t max_bytes,
                                    std::string_view limit);

// Why `path` cannot be read at all ("no such file", "is a directory",
// "cannot open: ..."), or nullopt when it can be opened.
std::optional<std::string> UnreadableReason(const std::filesystem::path& path);

}  // namespace mw
