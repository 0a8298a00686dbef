// Fuzz target: RobotsRules::Parse and IsAllowed (crawler/robots.h).
//
// Input: byte 0 picks the product token (bits 0-1) and whether a small
// max_bytes applies (bit 2; byte 1 sets it); then the robots.txt body up to
// the first NUL; then the paths to ask about, NUL-separated (a fixed set
// when there are none).
//
// Invariants (robots.h):
//   - /robots.txt is always allowed; with no applicable group nothing is
//     refused and no rule is kept;
//   - the crawl delay is within [0, max_crawl_delay_s]; sitemaps are http(s)
//     URLs, without duplicates, at most max_sitemaps;
//   - truncated() exactly when the body exceeds max_bytes, and a truncated
//     body answers like its prefix up to the last complete line (deviation 6:
//     a cut line is dropped, never half-read);
//   - path normalisation: "" is "/", a missing leading '/' is added, a
//     fragment is ignored, %xx of an unreserved character equals the
//     character.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/robots.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using mw::fuzz::IsHttpUrl;

constexpr std::array<std::string_view, 4> kAgents = {
    "mediawatch", "MediaWatch/0.1 (+https://fuzz.test/bot)", "", "googlebot"};

constexpr std::array<std::string_view, 8> kDefaultPaths = {
    "/",           "/news/2026/01/05/story.html", "/private/", "/search?q=guan+heng",
    "/robots.txt", "/%E6%96%B0%E9%97%BB/",        "/a*b$",     "news/index.html",
};

constexpr size_t kMaxPaths = 16;

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// `path` with every unreserved character written as %xx (alternating hex
// case). Only meaningful for paths without '%' of their own.
std::string PercentEncodeUnreserved(std::string_view path) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  static constexpr char kLower[] = "0123456789abcdef";
  std::string out;
  bool upper = false;
  for (char c : path) {
    if (!IsUnreserved(c)) {
      out += c;
      continue;
    }
    const char* hex = upper ? kUpper : kLower;
    upper = !upper;
    const auto b = static_cast<unsigned char>(c);
    out += '%';
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

// The part of a body over `max_bytes` that Parse reads: cut back to the end
// of the last complete line (robots.h deviation 6).
std::string_view KeptPrefix(std::string_view body, size_t max_bytes) {
  if (body.size() <= max_bytes) return body;
  const std::string_view kept = body.substr(0, max_bytes);
  if (body[max_bytes] == '\n' || body[max_bytes] == '\r') return kept;
  const size_t last_break = kept.find_last_of("\r\n");
  return last_break == std::string_view::npos ? std::string_view() : kept.substr(0, last_break);
}

void CheckRules(const mw::RobotsRules& rules, const mw::RobotsOptions& options,
                const std::vector<std::string_view>& paths) {
  MW_FUZZ_CHECK(rules.IsAllowed("/robots.txt"));
  if (rules.group_match() == mw::RobotsGroupMatch::kNone) MW_FUZZ_CHECK(rules.rule_count() == 0);
  if (const std::optional<double> delay = rules.crawl_delay_seconds()) {
    MW_FUZZ_CHECK(std::isfinite(*delay));
    MW_FUZZ_CHECK(*delay >= 0 && *delay <= options.max_crawl_delay_s);
  }
  const std::vector<std::string>& sitemaps = rules.sitemaps();
  MW_FUZZ_CHECK(sitemaps.size() <= options.max_sitemaps);
  std::set<std::string_view> seen;
  for (const std::string& s : sitemaps) {
    MW_FUZZ_CHECK(IsHttpUrl(s));
    MW_FUZZ_CHECK(seen.insert(s).second);
  }

  for (std::string_view path : paths) {
    const bool allowed = rules.IsAllowed(path);
    if (rules.group_match() == mw::RobotsGroupMatch::kNone) MW_FUZZ_CHECK(allowed);
    if (path.empty()) MW_FUZZ_CHECK(allowed == rules.IsAllowed("/"));
    if (!path.empty() && path.front() != '/') {
      MW_FUZZ_CHECK(allowed == rules.IsAllowed("/" + std::string(path)));
    }
    if (path.find('#') == std::string_view::npos) {
      MW_FUZZ_CHECK(allowed == rules.IsAllowed(std::string(path) + "#fragment"));
    }
    if (path.find('%') == std::string_view::npos) {
      MW_FUZZ_CHECK(allowed == rules.IsAllowed(PercentEncodeUnreserved(path)));
    }
    if (!path.empty() && path.front() == '/') {
      mw::Result<bool> by_url = rules.IsAllowedUrl("http://fuzz.test" + std::string(path));
      if (by_url.ok() && path == "/robots.txt") MW_FUZZ_CHECK(*by_url);
    }
  }
}

// Both parses must answer every question the same way.
void CheckSameAnswers(const mw::RobotsRules& a, const mw::RobotsRules& b,
                      const std::vector<std::string_view>& paths) {
  MW_FUZZ_CHECK(a.group_match() == b.group_match());
  MW_FUZZ_CHECK(a.rule_count() == b.rule_count());
  MW_FUZZ_CHECK(a.crawl_delay_seconds() == b.crawl_delay_seconds());
  MW_FUZZ_CHECK(a.sitemaps() == b.sitemaps());
  for (std::string_view path : paths) MW_FUZZ_CHECK(a.IsAllowed(path) == b.IsAllowed(path));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mw::fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.TakeByte();
  const uint8_t limit = in.TakeByte();
  const std::string_view agent = kAgents[flags & 3];
  mw::RobotsOptions options;
  if ((flags & 4) != 0) options.max_bytes = 1 + limit;
  const std::string_view body = in.TakeUntil('\0');
  std::vector<std::string_view> paths;
  while (!in.empty() && paths.size() < kMaxPaths) paths.push_back(in.TakeUntil('\0'));
  if (paths.empty()) paths.assign(kDefaultPaths.begin(), kDefaultPaths.end());

  const mw::RobotsRules rules = mw::RobotsRules::Parse(body, agent, options);
  MW_FUZZ_CHECK(rules.truncated() == (body.size() > options.max_bytes));
  CheckRules(rules, options, paths);

  if (rules.truncated()) {
    mw::RobotsOptions unlimited = options;
    unlimited.max_bytes = body.size();
    const mw::RobotsRules prefix =
        mw::RobotsRules::Parse(KeptPrefix(body, options.max_bytes), agent, unlimited);
    MW_FUZZ_CHECK(!prefix.truncated());
    CheckSameAnswers(rules, prefix, paths);
  }
  return 0;
}
