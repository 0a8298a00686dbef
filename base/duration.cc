#include "base/duration.h"

#include <regex>
#include <string>

namespace mw {

Result<int64_t> ParseInterval(std::string_view text) {
  static const std::regex kInterval("\\s*([0-9]{1,7})\\s*([smhd]?)\\s*");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, kInterval)) {
    return Status::InvalidArgument("interval '" + std::string(text) +
                                   "' is not like 90, \"90s\", \"30m\", \"2h\" or \"1d\"");
  }
  const int64_t n = std::stoll(m[1].str());
  switch (m[2].str().empty() ? 's' : m[2].str()[0]) {
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    default:
      return n;
  }
}

}  // namespace mw
