#include "base/config_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace mw {

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9'))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Result<std::string> ReadConfigFile(const std::filesystem::path& path, size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::InvalidArgument(path.string() + ": cannot read: " + ec.message());
  if (size > max_bytes) {
    return Status::InvalidArgument(path.string() + ": file larger than " +
                                   std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::vector<std::filesystem::path>> ListConfigFiles(const std::filesystem::path& dir,
                                                           std::string_view extension) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::InvalidArgument(dir.string() + ": not a directory");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) {
      files.push_back(entry.path());
    }
  }
  if (ec) return Status::InvalidArgument(dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace mw
