// mediawatch/text/simhash.h
//
// Near-duplicate fingerprints for syndication clusters ("the same wire story
// at 12 outlets"): a 64-bit SimHash (Charikar 2002; Manku, Jain & Das Sarma,
// "Detecting near-duplicates for web crawling", WWW 2007) over shingles of
// consecutive tokens of folded text, plus the band keys that find every
// fingerprint within a Hamming distance without comparing against all of them.
//
//   Result<std::unique_ptr<TextNormalizer>> n = TextNormalizer::Create({});
//   uint64_t a = SimHash64((*n)->Fold(story_at_outlet_a));
//   uint64_t b = SimHash64((*n)->Fold(story_at_outlet_b));
//   if (HammingDistance(a, b) <= kSimHashMaxDistance) { /* same story */ }
//
//   // Candidate lookup in an index: store `id` under every band key; a new
//   // article's candidates are the ids stored under any of its band keys,
//   // kept when HammingDistance() <= kSimHashMaxDistance.
//   for (uint64_t key : SimHashBands(a, kSimHashMaxDistance)) index.Put(key, id);
//
// What the distance means. Each fingerprint bit is the sign of a sum of +-1
// votes, one per shingle occurrence, so two texts differ in about
// 64 * angle / pi bits, where cos(angle) is the cosine similarity of their
// shingle-count vectors. A copy that keeps a fraction f of the shingles and
// adds none has cos = sqrt(f): appending a copyright line to a 400-word story
// (f ~ 0.99) moves ~2 bits, a new headline ~3-5, an added sentence (f ~ 0.95)
// ~4-5, dropping a tenth of the text ~6, a third ~13. Two unrelated texts
// differ like two random numbers (binomial, mean 32, sd 4) even when they
// share topic, names and vocabulary, because they share few 4-token
// shingles. Measured figures and the choice of kSimHashMaxDistance: below.
//
// Thread safety: every function here is pure (no state); call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mw {

// Recommended max_distance for "same story" between 64-bit fingerprints of
// folded article text of at least ~150 tokens (words; Han characters), in
// English, Chinese or Uyghur. Measured with the default options
// (simhash_test.cc prints the figures):
//
//   light edit of a story                  distance (median / p90 / max)
//   RFA feeds 2019 (../shared), 44 stories, 214 edits:
//     boilerplate line appended            2 / 6 / 8
//     headline replaced                    5 / 9 / 12
//     headline + boilerplate               4 / 9 / 14
//     one sentence added                   4 / 7 / 12
//     last paragraph (<= 15%) removed      3 / 7 / 13
//     all 214 light edits                  4 / 7 / 14; within 3: 50%,
//                                          within 6: 84%, within 8: 93%
//     last paragraph (> 15%) removed       14 / 19 / 19 (6 Uyghur stories)
//   test stories: English (~450 words) 1-5, Chinese (~650 characters) 3-8,
//   Uyghur (~240 words) 2-8; Traditional copy of a Simplified story,
//   Uyghur copy with look-alike letters and invisible characters: 0.
//
//   unrelated stories of one feed (301 pairs): min 22, median 32, max 43;
//   two hand-written stories on the same topic (floods) with shared words:
//   35 (English), 28 (Chinese).
//
// 3, the usual choice for web pages (Manku et al.), finds only half of these
// copies. 8 finds 93% of them, while two unrelated texts fall within 8 bits
// with probability sum(k<=8) C(64,k) / 2^64 = 2.8e-10: one false link per
// ~36,000 articles when each is compared with 100,000 others (e.g. a
// time window); 10 would find 98% at 36 times that rate. Shorter texts move
// further per edit: treat clusters of texts under ~50 tokens with caution.
// Cost of 8 in an index: SimHashBands(hash, 8) is 9 keys of 7-8 bits, so a
// lookup meets ~N/14 candidates among N random fingerprints; restrict the
// lookup (time window, language) or accept more candidates.
inline constexpr int kSimHashMaxDistance = 8;

struct SimHashOptions {
  // Tokens per shingle. 4 is long enough that texts on the same topic share
  // few shingles (common words and names alone do not make a duplicate), and
  // short enough that one edited word disturbs only 4 shingles. Values below
  // 1 are read as 1; a text with fewer tokens is one shingle of all of them.
  // Fingerprints are comparable only when made with the same value.
  // Default: 4.
  size_t shingle_tokens = 4;
  // Only the first max_bytes bytes of the text are fingerprinted (cut back to
  // a UTF-8 sequence start), bounding time and memory on hostile input: two
  // texts that agree on their first max_bytes bytes get the same fingerprint.
  // News articles are 2-50 KiB, so 1 MiB never cuts a real article. 0 reads
  // nothing (fingerprint 0). Default: 1 MiB.
  size_t max_bytes = size_t{1} << 20;
};

// The SimHash of `folded_text`, which should be the output of
// TextNormalizer::Fold() (text/normalizer.h) so that case, full-width forms,
// Traditional/Simplified Chinese and Arabic-script look-alikes do not count as
// differences.
//
// Tokens are runs of word code points (IsWordCodePoint: letters, digits,
// combining marks) in spaced scripts, and single code points in scripts
// written without spaces (IsScriptWithoutSpaces: Han, kana, Thai...), so
// Chinese text gets one token per character. Everything else (spaces,
// punctuation, symbols, U+FFFD for invalid UTF-8) only separates tokens.
// Each run of `shingle_tokens` consecutive tokens is hashed (a 64-bit hash of
// each token's bytes, combined in order, then a splitmix64-style finalizer)
// and votes +1/-1 on every bit, once per occurrence; a bit of the result is 1
// when its votes sum to more than zero.
//
// Returns 0 for text without tokens (empty, only spaces or punctuation); a
// text with tokens gets 0 only with probability ~2^-64, so callers may treat
// 0 as "no fingerprint" and leave such texts out of clustering.
// Invalid UTF-8 is accepted (invalid bytes separate tokens).
// Cost: O(min(size, max_bytes)) time, 8 bytes of memory per token; about
// 90-120 MB/s on folded English, Chinese and Uyghur text (release build, one
// core), about as fast as Fold() itself.
uint64_t SimHash64(std::string_view folded_text, const SimHashOptions& options = {});

// The number of differing bits, 0..64.
int HammingDistance(uint64_t a, uint64_t b);

// Band keys for candidate lookup. The 64 bits are cut into max_distance + 1
// bands of consecutive bits (widths differ by at most one); by the pigeonhole
// principle, two hashes that differ in at most max_distance bits agree
// exactly on at least one band, so they share at least one key. Returns
// max_distance + 1 keys, key i = (i << 56) | (bits of band i): keys of
// different bands never collide. With max_distance 0 the only key is the hash
// itself. max_distance is clamped to 0..63 (63: 64 one-bit bands).
// Keys are comparable only between calls with the same max_distance.
// Band width is 64 / (max_distance + 1) bits: 16 for the default 3, so in an
// index of N random fingerprints each key has ~N / 65536 chance candidates.
std::vector<uint64_t> SimHashBands(uint64_t hash, int max_distance);

// Groups fingerprints whose Hamming distance is <= max_distance, single-link
// (a chain of close pairs joins one cluster even when its ends are far apart).
// Returns, for each input, the index of the first input of its cluster, so
// result[i] == i marks a cluster's first member and singletons.
// max_distance < 0 puts every input in its own cluster; >= 64 puts all in one.
// Equal fingerprints (including 0, "no text": filter those out first if they
// should not cluster) always share a cluster.
// Cost: a band index (SimHashBands) over the distinct fingerprints, then one
// popcount per candidate pair: O(n * candidates per fingerprint), about
// O(n * (1 + n * (max_distance + 1) / 2^(64 / (max_distance + 1)))) for
// random fingerprints; O(n^2) when many distinct fingerprints share a band.
std::vector<size_t> ClusterBySimHash(const std::vector<uint64_t>& hashes, int max_distance);

}  // namespace mw
