// mediawatch/parsers/parse_arena.cc

#include "parsers/parse_arena.h"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#define MW_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MW_ARENA_ASAN 1
#endif
#endif

#if defined(MW_ARENA_ASAN)
#include <sanitizer/asan_interface.h>
// Under ASan a chunk is addressable only while Gumbo holds it, and only the
// bytes it asked for: overflows and use-after-free inside a block are still
// reported.
#define MW_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define MW_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define MW_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define MW_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace mw::html {
namespace {

[[noreturn]] void OutOfMemory(size_t size) {
  std::fprintf(stderr, "mediawatch: out of memory (HTML parser asked for %zu bytes)\n", size);
  std::abort();
}

// The smallest class whose chunk (32 << class bytes) holds `bytes` (> 0).
int ClassFor(size_t bytes) {
  return bytes <= 32 ? 0 : static_cast<int>(std::bit_width(bytes - 1)) - 5;
}

}  // namespace

ParseArena::~ParseArena() {
  Reset();
  for (char* b : blocks_) {
    MW_ARENA_UNPOISON(b, kBlockSize);
    std::free(b);
  }
}

ParseArena& ParseArena::ForThisThread() {
  thread_local ParseArena arena;
  return arena;
}

void* ParseArena::GumboAllocate(void* arena, size_t size) {
  return static_cast<ParseArena*>(arena)->Allocate(size);
}

void ParseArena::GumboDeallocate(void* arena, void* p) {
  static_cast<ParseArena*>(arena)->Deallocate(p);
}

char* ParseArena::Bump(size_t bytes) {
  if (!blocks_.empty() && offset_ + bytes <= kBlockSize) {
    char* p = blocks_[block_] + offset_;
    offset_ += bytes;
    return p;
  }
  // The rest of the current block is too small: carve the next one.
  if (!blocks_.empty()) ++block_;
  if (block_ == blocks_.size()) {
    void* b = std::malloc(kBlockSize);
    if (b == nullptr) OutOfMemory(kBlockSize);
    MW_ARENA_POISON(b, kBlockSize);
    blocks_.push_back(static_cast<char*>(b));
  }
  offset_ = bytes;
  return blocks_[block_];
}

void* ParseArena::Allocate(size_t size) {
  if (size > kMaxChunk - kHeader) return AllocateLarge(size);
  const int c = ClassFor(size + kHeader);
  const size_t chunk = size_t{32} << c;
  Header* h = free_[c];
  if (h != nullptr) {
    MW_ARENA_UNPOISON(h, kHeader + sizeof(Header*));
    std::memcpy(&free_[c], h + 1, sizeof(Header*));
  } else {
    h = reinterpret_cast<Header*>(Bump(chunk));
    MW_ARENA_UNPOISON(h, kHeader);
    h->size_class = static_cast<uint32_t>(c);
  }
  MW_ARENA_POISON(h, chunk);
  MW_ARENA_UNPOISON(h + 1, size);
  live_bytes_ += chunk;
  return h + 1;
}

void* ParseArena::AllocateLarge(size_t size) {
  if (size > SIZE_MAX - kHeader) OutOfMemory(size);
  auto* h = static_cast<Header*>(std::malloc(size + kHeader));
  if (h == nullptr) OutOfMemory(size);
  h->size_class = kLargeClass;
  h->large_index = static_cast<uint32_t>(large_.size());
  h->large_size = size + kHeader;
  large_.push_back(h);
  large_bytes_ += size + kHeader;
  live_bytes_ += size + kHeader;
  return h + 1;
}

void ParseArena::Deallocate(void* p) {
  if (p == nullptr) return;
  Header* h = static_cast<Header*>(p) - 1;
  MW_ARENA_UNPOISON(h, kHeader + sizeof(Header*));
  if (h->size_class == kLargeClass) {
    large_[h->large_index] = nullptr;
    large_bytes_ -= h->large_size;
    live_bytes_ -= h->large_size;
    std::free(h);
    return;
  }
  const size_t chunk = size_t{32} << h->size_class;
  live_bytes_ -= chunk;
  std::memcpy(p, &free_[h->size_class], sizeof(Header*));
  free_[h->size_class] = h;
  MW_ARENA_POISON(h, chunk);
}

void ParseArena::Reset() {
  for (Header* h : large_) std::free(h);
  large_.clear();
  large_bytes_ = 0;
  live_bytes_ = 0;
  free_.fill(nullptr);
  const size_t keep = kRetainedBytes / kBlockSize;
  while (blocks_.size() > keep) {
    MW_ARENA_UNPOISON(blocks_.back(), kBlockSize);
    std::free(blocks_.back());
    blocks_.pop_back();
  }
  for (char* b : blocks_) MW_ARENA_POISON(b, kBlockSize);
  block_ = 0;
  offset_ = 0;
}

}  // namespace mw::html
