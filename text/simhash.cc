#include "text/simhash.h"

#include <algorithm>
#include <array>
#include <bit>
#include <numeric>
#include <unordered_map>

#include "text/normalizer.h"

namespace mw {
namespace {

// splitmix64's finalizer (Steele, Lea & Flood 2014): a bijection in which
// every input bit affects every output bit. Applied to each token hash and to
// each shingle's combination, so that the bit votes are unbiased and
// independent even though FNV and the polynomial combination are weak in
// their low bits.
uint64_t Finalize(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// FNV-1a over the token's bytes, then finalized. Tokens are short (a word or
// one Han character), where byte-at-a-time hashing is as fast as any.
uint64_t HashToken(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Finalize(h);
}

// The hash of every token of `text`, in order (see SimHash64 for what a token
// is).
std::vector<uint64_t> TokenHashes(std::string_view text) {
  std::vector<uint64_t> tokens;
  tokens.reserve(text.size() / 6 + 1);
  size_t word_start = 0;
  bool in_word = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const unsigned char byte = static_cast<unsigned char>(text[pos]);
    bool word = false;
    bool unspaced = false;
    if (byte < 0x80) {
      ++pos;
      word = IsWordCodePoint(byte);
    } else {
      // A window of at most 4 bytes: DecodeUtf8At works in 32-bit offsets.
      size_t len = 0;
      const char32_t c = DecodeUtf8At(text.substr(pos, 4), &len);
      pos += len;
      unspaced = IsScriptWithoutSpaces(c);
      word = !unspaced && IsWordCodePoint(c);
    }
    if (word) {
      if (!in_word) word_start = start;
      in_word = true;
      continue;
    }
    if (in_word) tokens.push_back(HashToken(text.substr(word_start, start - word_start)));
    in_word = false;
    if (unspaced) tokens.push_back(HashToken(text.substr(start, pos - start)));
  }
  if (in_word) tokens.push_back(HashToken(text.substr(word_start)));
  return tokens;
}

// `text` cut to at most `max_bytes`, backing off (at most 3 bytes) so that a
// UTF-8 sequence is not split.
std::string_view CapBytes(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++i) {
    --end;
  }
  return text.substr(0, end);
}

}  // namespace

uint64_t SimHash64(std::string_view folded_text, const SimHashOptions& options) {
  const std::vector<uint64_t> tokens = TokenHashes(CapBytes(folded_text, options.max_bytes));
  if (tokens.empty()) return 0;
  const size_t k = std::clamp<size_t>(options.shingle_tokens, 1, tokens.size());

  // Each shingle is the polynomial sum t[i]*B^(k-1) + ... + t[i+k-1] (mod
  // 2^64), rolled along the tokens so that the cost does not grow with k.
  constexpr uint64_t kBase = 0x9e3779b97f4a7c15ULL;  // odd: B^m is invertible
  uint64_t top_power = 1;                            // B^(k-1)
  for (size_t i = 1; i < k; ++i) top_power *= kBase;
  uint64_t rolling = 0;
  for (size_t i = 0; i < k; ++i) rolling = rolling * kBase + tokens[i];

  // Bit votes, counted 8 at a time: byte k of lanes[j] counts the shingles
  // with bit 8k + j set, and is flushed into `ones` before it can overflow
  // (8 additions per shingle instead of 64; this loop is most of the cost).
  constexpr uint64_t kLowBitOfEachByte = 0x0101010101010101ULL;
  std::array<uint64_t, 64> ones{};
  std::array<uint64_t, 8> lanes{};
  auto flush = [&ones, &lanes] {
    for (int j = 0; j < 8; ++j) {
      for (int k = 0; k < 8; ++k) ones[8 * k + j] += (lanes[j] >> (8 * k)) & 0xFF;
      lanes[j] = 0;
    }
  };
  uint64_t shingles = 0;
  for (size_t i = 0;; ++i) {
    const uint64_t h = Finalize(rolling + 0x2545f4914f6cdd1dULL);
    for (int j = 0; j < 8; ++j) lanes[j] += (h >> j) & kLowBitOfEachByte;
    if (++shingles % 255 == 0) flush();
    if (i + k >= tokens.size()) break;
    rolling = (rolling - tokens[i] * top_power) * kBase + tokens[i + k];
  }
  flush();

  uint64_t result = 0;
  for (int b = 0; b < 64; ++b) {
    // Bit b is 1 when more shingles voted 1 than 0 (ties vote 0).
    if (ones[b] * 2 > shingles) result |= uint64_t{1} << b;
  }
  return result;
}

int HammingDistance(uint64_t a, uint64_t b) { return std::popcount(a ^ b); }

std::vector<uint64_t> SimHashBands(uint64_t hash, int max_distance) {
  const int bands = std::clamp(max_distance, 0, 63) + 1;
  if (bands == 1) return {hash};
  const int base_width = 64 / bands;
  const int wider = 64 % bands;  // the first `wider` bands get one more bit
  std::vector<uint64_t> keys;
  keys.reserve(bands);
  int shift = 0;
  for (int i = 0; i < bands; ++i) {
    const int width = base_width + (i < wider ? 1 : 0);  // <= 32 here
    const uint64_t bits = (hash >> shift) & ((uint64_t{1} << width) - 1);
    keys.push_back((static_cast<uint64_t>(i) << 56) | bits);
    shift += width;
  }
  return keys;
}

std::vector<size_t> ClusterBySimHash(const std::vector<uint64_t>& hashes, int max_distance) {
  const size_t n = hashes.size();
  std::vector<size_t> parent(n);
  std::iota(parent.begin(), parent.end(), size_t{0});
  if (max_distance < 0) return parent;
  if (max_distance >= 64) return std::vector<size_t>(n, 0);

  // Union-find whose root is always the smallest index of its set, so the
  // root is the cluster id the header promises.
  auto find = [&parent](size_t i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];  // path halving
      i = parent[i];
    }
    return i;
  };
  auto unite = [&](size_t a, size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  };

  // Equal fingerprints join directly; only distinct ones enter the band
  // index, so a flood of one value (e.g. 0 for empty texts) costs O(n).
  std::unordered_map<uint64_t, size_t> first_with_hash;
  std::unordered_map<uint64_t, std::vector<size_t>> band_index;
  for (size_t i = 0; i < n; ++i) {
    auto [it, inserted] = first_with_hash.try_emplace(hashes[i], i);
    if (!inserted) {
      unite(it->second, i);
      continue;
    }
    for (uint64_t key : SimHashBands(hashes[i], max_distance)) {
      std::vector<size_t>& bucket = band_index[key];
      for (size_t j : bucket) {
        if (HammingDistance(hashes[i], hashes[j]) <= max_distance) unite(i, j);
      }
      bucket.push_back(i);
    }
  }

  std::vector<size_t> cluster(n);
  for (size_t i = 0; i < n; ++i) cluster[i] = find(i);
  return cluster;
}

}  // namespace mw
