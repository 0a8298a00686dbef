// Fuzz target: the request handling of `mediawatch serve` (server/api.h),
// which takes its path and query parameters from anyone who can reach the
// port. Api::Handle runs against a small real store (RocksDB in a temporary
// directory, written once at start: flagged articles in English, Chinese and
// Uyghur, a syndication copy, an unflagged one).
//
// Input: byte 0 picks the method and the Authorization header; the rest,
// split at '\n', is the path and then one query parameter per line
// ("name=value", or a bare name). Bytes are passed as they are: the
// transport has already percent-decoded them, so NULs, invalid UTF-8 and
// over-long values must all be handled here.
//
// Invariants:
//   - no crash, no sanitizer report, no 5xx (a client can only be wrong:
//     the store is healthy);
//   - every response carries the Content-Security-Policy header;
//   - /api/ responses are JSON (nlohmann accepts the body) in valid UTF-8;
//     errors are {"error":{"status": <the HTTP status>, ...}};
//   - a 200 from /api/v1/matches has items, and its next_cursor (when not
//     null) decodes and re-encodes to itself;
//   - DecodeCursor on every parameter value: a decoded cursor re-encodes to
//     a string that decodes to the same cursor.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "server/api.h"
#include "storage/store.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// Never closed: closing RocksDB from an exit handler can run after
// librocksdb's own static objects are gone (an abort in its task scheduler).
// Both stay reachable, so LeakSanitizer does not report them.
std::string* g_dir = nullptr;
mw::Store* g_store = nullptr;
mw::server::Api* g_api = nullptr;

void RemoveDir() {
  std::error_code ec;
  if (g_dir != nullptr) std::filesystem::remove_all(*g_dir, ec);
}

void Put(mw::Store& store, const std::string& url, const char* source, const char* language,
         int64_t time, const char* title, const char* text, uint64_t simhash, bool flagged) {
  mw::ArticleWrite w;
  mw::ArticleRecord& a = w.article;
  a.url = url;
  a.id = mw::ArticleIdForUrl(url);
  a.fetched_url = url;
  a.source = source;
  a.feed_id = std::string("feed-") + language;
  a.language = language;
  a.published = time;
  a.fetched_at = time + 60;
  a.title = title;
  a.text = text;
  a.simhash = simhash;
  if (flagged) {
    w.matches.push_back({"case", "guan-heng", "entity", "Guan Heng", "text", text, 1});
  }
  mw::Result<mw::PutResult> put = store.PutArticle(w);
  MW_FUZZ_CHECK(put.ok());
}

bool Setup() {
  char pattern[] = "/tmp/mw-api-fuzz-XXXXXX";
  const char* dir = mkdtemp(pattern);
  MW_FUZZ_CHECK(dir != nullptr);
  g_dir = new std::string(dir);
  std::atexit(RemoveDir);
  {
    auto store = mw::OpenRocksStore(*g_dir + "/db", {});
    MW_FUZZ_CHECK(store.ok());
    const int64_t t = 1769400000;  // 2026-01-26
    Put(**store, "http://wire.test/1", "Wire", "en", t, "Guan Heng speaks",
        "Guan Heng filmed the camps.", 0x0123456789abcdefULL, true);
    Put(**store, "http://daily.test/1", "Daily", "en", t + 3600, "Guan Heng speaks (Wire)",
        "Guan Heng filmed the camps.", 0x0123456789abcdecULL, true);
    Put(**store, "http://zh.test/1", "华语日报", "zh", t + 86400, "关恒", "关恒说。", 0x1111ULL,
        true);
    Put(**store, "http://ug.test/1", "ئاۋاز", "ug", t + 2 * 86400, "گۇەن خېڭ", "گۇەن خېڭ.",
        0x2222ULL, true);
    Put(**store, "http://daily.test/weather", "Daily", "en", t + 7200, "Weather", "Rain.", 0,
        false);
  }
  auto store = mw::OpenRocksStore(*g_dir + "/db", {.read_only = true});
  MW_FUZZ_CHECK(store.ok());
  g_store = store->release();
  mw::server::ApiOptions options;
  options.token = "fuzz-token";
  auto api = mw::server::Api::Create(g_store, options);
  MW_FUZZ_CHECK(api.ok());
  g_api = api->release();
  return true;
}

void CheckCursorRoundTrip(std::string_view text) {
  mw::Result<mw::QueryCursor> cursor = mw::server::DecodeCursor(text);
  if (!cursor.ok()) return;
  const std::string again = mw::server::EncodeCursor(*cursor);
  mw::Result<mw::QueryCursor> decoded = mw::server::DecodeCursor(again);
  MW_FUZZ_CHECK(decoded.ok());
  MW_FUZZ_CHECK(decoded->time == cursor->time && decoded->article_id == cursor->article_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = Setup();
  (void)ready;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  mw::server::ApiRequest request;
  switch (data[0] % 4) {
    case 0:
      request.method = "GET";
      break;
    case 1:
      request.method = "HEAD";
      break;
    case 2:
      request.method = "POST";
      break;
    default:
      request.method = "GET";
      break;
  }
  switch ((data[0] >> 2) % 3) {
    case 0:
      request.authorization = "Bearer fuzz-token";
      break;
    case 1:
      request.authorization = "";
      break;
    default:
      request.authorization = "Bearer wrong";
      break;
  }
  size_t start = 0;
  bool first = true;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    if (first) {
      request.path = std::string(line);
      first = false;
    } else {
      const size_t eq = line.find('=');
      std::string name(line.substr(0, eq));
      std::string value(eq == std::string_view::npos ? std::string_view() : line.substr(eq + 1));
      CheckCursorRoundTrip(value);
      request.params.emplace_back(std::move(name), std::move(value));
    }
    start = end + 1;
  }

  const mw::server::ApiResponse response = g_api->Handle(request);
  MW_FUZZ_CHECK(response.status >= 200 && response.status < 500);
  bool has_csp = false;
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Security-Policy") has_csp = !value.empty();
  }
  MW_FUZZ_CHECK(has_csp);
  if (request.path.rfind("/api/", 0) == 0) {
    MW_FUZZ_CHECK(mw::fuzz::IsValidUtf8(response.body));
    const nlohmann::json j =
        nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    MW_FUZZ_CHECK(!j.is_discarded());
    if (response.status != 200) {
      MW_FUZZ_CHECK(j.contains("error") && j["error"].value("status", 0) == response.status);
    } else if (request.path == "/api/v1/matches") {
      MW_FUZZ_CHECK(j.contains("items") && j["items"].is_array());
      if (j.contains("next_cursor") && j["next_cursor"].is_string()) {
        const std::string next = j["next_cursor"].get<std::string>();
        MW_FUZZ_CHECK(mw::server::DecodeCursor(next).ok());
        CheckCursorRoundTrip(next);
      }
    }
  }
  return 0;
}
