// mediawatch/base/toml_util.h
//
// The pieces every TOML configuration loader shares (feed lists, watch-lists,
// alerts.toml): parsing without exceptions, and error messages that name the
// file and line ("feeds/bbc.toml:12: feed #3: ...").
//
// Thread safety: stateless functions.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace mw {

// "source:line" for a node with a known position, else "source".
std::string TomlWhere(std::string_view source, const toml::node* node);

// kInvalidArgument "source:line: message".
Status TomlError(std::string_view source, const toml::node* node, const std::string& message);

// Parses `text`; a syntax error becomes kInvalidArgument "source:line: what"
// (toml++ reports it by exception, which stops here).
Result<toml::table> ParseTomlText(std::string_view text, std::string_view source_name);

// The array of tables `key` of `root`: nullptr when absent, an error when it
// is not written as [[key]] tables.
Result<const toml::array*> TomlTableArray(std::string_view source, const toml::table& root,
                                          std::string_view key);

}  // namespace mw
