// mediawatch/parsers/date.h
//
// Date parsing for feeds and pages: RFC 822 / RFC 1123 (with the usual
// violations: missing weekday, two-digit years, single-digit days, named and
// military zones, missing seconds), W3C-DTF / ISO 8601 (date only, with or
// without zone, fractional seconds). Pure functions, no locale, no global state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mw {

// Returns Unix seconds (UTC), or nullopt when `text` is not a date we read.
std::optional<int64_t> ParseRfc822Date(std::string_view text);
std::optional<int64_t> ParseIso8601Date(std::string_view text);
// Tries ISO 8601 then RFC 822.
std::optional<int64_t> ParseAnyDate(std::string_view text);

// "2026-01-28T09:30:00Z"
std::string FormatIso8601Utc(int64_t unix_seconds);

}  // namespace mw
