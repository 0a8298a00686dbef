// mediawatch/base/toml_util.cc
#include "base/toml_util.h"

namespace mw {

std::string TomlWhere(std::string_view source, const toml::node* node) {
  std::string out(source);
  if (node != nullptr && node->source().begin.line > 0) {
    out += ":" + std::to_string(node->source().begin.line);
  }
  return out;
}

Status TomlError(std::string_view source, const toml::node* node, const std::string& message) {
  return Status::InvalidArgument(TomlWhere(source, node) + ": " + message);
}

Result<toml::table> ParseTomlText(std::string_view text, std::string_view source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    std::string where(source_name);
    if (e.source().begin.line > 0) where += ":" + std::to_string(e.source().begin.line);
    return Status::InvalidArgument(where + ": " + std::string(e.description()));
  }
}

Result<const toml::array*> TomlTableArray(std::string_view source, const toml::table& root,
                                          std::string_view key) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return static_cast<const toml::array*>(nullptr);
  if (!node->is_array_of_tables()) {
    return TomlError(
        source, node,
        "'" + std::string(key) + "' must be written as [[" + std::string(key) + "]] tables");
  }
  return node->as_array();
}

}  // namespace mw
