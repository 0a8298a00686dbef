// mediawatch/app/input.cc

#include "app/input.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace mw {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads at most max_bytes + 1 bytes: one more than the limit is enough to
// know the input is too large, so a huge stream is never held.
Result<std::string> ReadCapped(std::FILE* in, size_t max_bytes, std::string_view limit) {
  constexpr size_t kChunk = 64 << 10;
  std::string data;
  while (data.size() <= max_bytes) {
    const size_t want = std::min(kChunk, max_bytes + 1 - data.size());
    const size_t old_size = data.size();
    data.resize(old_size + want);
    const size_t got = std::fread(data.data() + old_size, 1, want, in);
    data.resize(old_size + got);
    if (got < want) break;
  }
  if (std::ferror(in)) return Status::IoError("read error");
  if (data.size() > max_bytes) return Status::TooLarge("input larger than " + std::string(limit));
  return data;
}

}  // namespace

std::optional<std::string> UnreadableReason(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return "no such file";
  if (std::filesystem::is_directory(status)) return "is a directory";
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) return "cannot open: " + std::generic_category().message(errno);
  return std::nullopt;
}

Result<std::string> ReadInputCapped(const std::string& input, size_t max_bytes,
                                    std::string_view limit) {
  if (input == "-") return ReadCapped(stdin, max_bytes, limit);
  const std::filesystem::path path(input);
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return Status::NotFound("no such file");
  if (std::filesystem::is_directory(status)) return Status::InvalidArgument("is a directory");
  // A regular file's size is known: refuse a huge one before reading it.
  // Pipes and devices have no size and are read with the cap instead.
  if (std::filesystem::is_regular_file(status)) {
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes) {
      return Status::TooLarge("file of " + std::to_string(size) + " bytes is larger than " +
                              std::string(limit));
    }
  }
  File file(std::fopen(input.c_str(), "rb"));
  if (!file) return Status::IoError("cannot open: " + std::generic_category().message(errno));
  return ReadCapped(file.get(), max_bytes, limit);
}

}  // namespace mw
