// mediawatch/base/duration.h
//
// Durations written by people in configuration files: feed intervals
// (crawler/config.h) and alert delivery and rate-limit windows
// (report/alert_config.h) share one syntax.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace mw {

// "90" / "90s" / "30m" / "2h" / "1d" -> seconds: 1 to 7 digits and an
// optional unit, surrounding spaces allowed. kInvalidArgument otherwise, with
// the text and the accepted forms in the message.
Result<int64_t> ParseInterval(std::string_view text);

}  // namespace mw
