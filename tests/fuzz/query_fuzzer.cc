// Fuzz target: Query::Parse, ToString and Evaluate (watch/query.h), the
// rule language of watch-lists.
//
// Input: byte 0 seeds the occurrences of the article the query is evaluated
// on; the rest is the query. Ids starting with a..m (or a digit) are
// entity/keyword ids, ids starting with r..z are rule ids, the others are
// unknown.
//
// Invariants when the query parses:
//   - Parse(ToString()) succeeds and has the same ToString() (query.h);
//   - both parses use the same ids and phrases (sorted, unique) and give
//     the same truth value for the same article;
//   - ids and phrases stay within max_operands.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_check.h"
#include "watch/query.h"

namespace {

bool IsTarget(std::string_view id) {
  return !id.empty() && ((id[0] >= 'a' && id[0] <= 'm') || (id[0] >= '0' && id[0] <= '9'));
}
bool IsRule(std::string_view id) { return !id.empty() && id[0] >= 'r' && id[0] <= 'z'; }

bool SortedUnique(const std::vector<std::string>& v) {
  return std::adjacent_find(v.begin(), v.end(), std::greater_equal<>()) == v.end();
}

uint64_t Hash(std::string_view s, uint8_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// A made-up article: each id or phrase occurs 0-3 times at tokens derived
// from its hash; each rule is true or false by its hash. Lists are built
// unordered on purpose (Evaluate must sort copies).
class Article {
 public:
  explicit Article(uint8_t seed) : seed_(seed) {}

  const std::vector<mw::Occurrence>* Occurrences(std::string_view key) {
    auto it = cache_.find(key);
    if (it != cache_.end()) return &it->second;
    uint64_t h = Hash(key, seed_);
    std::vector<mw::Occurrence> occ;
    const int n = static_cast<int>(h & 3);
    for (int i = 0; i < n; ++i) {
      h = h * 6364136223846793005ull + 1442695040888963407ull;
      occ.push_back({.in_title = ((h >> 40) & 3) == 0, .token = static_cast<uint32_t>(h >> 50)});
    }
    return &cache_.emplace(std::string(key), std::move(occ)).first->second;
  }

  bool Rule(std::string_view id) const { return (Hash(id, seed_) >> 7 & 1) != 0; }

 private:
  uint8_t seed_;
  std::map<std::string, std::vector<mw::Occurrence>, std::less<>> cache_;
};

bool Evaluate(const mw::Query& q, Article* article) {
  return q.Evaluate(
      [&](std::string_view id) { return article->Occurrences("id:" + std::string(id)); },
      [&](std::string_view p) { return article->Occurrences("p:" + std::string(p)); },
      [&](std::string_view id) { return article->Rule(id); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mw::fuzz::FuzzInput in(data, size);
  const uint8_t seed = in.TakeByte();
  const mw::QueryLimits limits;
  mw::Result<mw::Query> q = mw::Query::Parse(in.rest(), IsTarget, IsRule, limits);
  if (!q.ok()) {
    MW_FUZZ_CHECK(q.status().code() == mw::StatusCode::kInvalidArgument);
    return 0;
  }
  MW_FUZZ_CHECK(SortedUnique(q->target_ids()));
  MW_FUZZ_CHECK(SortedUnique(q->rule_ids()));
  MW_FUZZ_CHECK(SortedUnique(q->phrases()));
  MW_FUZZ_CHECK(q->target_ids().size() + q->rule_ids().size() + q->phrases().size() <=
                limits.max_operands);
  for (const std::string& id : q->target_ids()) MW_FUZZ_CHECK(IsTarget(id));
  for (const std::string& id : q->rule_ids()) MW_FUZZ_CHECK(IsRule(id) && !IsTarget(id));

  const std::string canonical = q->ToString();
  mw::Result<mw::Query> again = mw::Query::Parse(canonical, IsTarget, IsRule, limits);
  MW_FUZZ_CHECK(again.ok());
  MW_FUZZ_CHECK(again->ToString() == canonical);
  MW_FUZZ_CHECK(again->target_ids() == q->target_ids());
  MW_FUZZ_CHECK(again->rule_ids() == q->rule_ids());
  MW_FUZZ_CHECK(again->phrases() == q->phrases());

  Article article(seed);
  MW_FUZZ_CHECK(Evaluate(*q, &article) == Evaluate(*again, &article));
  return 0;
}
