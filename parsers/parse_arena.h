// mediawatch/parsers/parse_arena.h
//
// Internal to parsers/: the memory Gumbo uses during one parse (passed as
// GumboOptions::allocator / deallocator). Gumbo makes tens of thousands of
// small allocations per page (nodes, vectors and string buffers that grow by
// allocate-copy-free) and frees them all again when the output is destroyed.
// Through malloc that is ~10% of the parse on one thread and more when the
// crawler's fetch thread and workers share the heap (fragmentation, chunk
// coalescing); from a ParseArena it is a bump of a pointer or a pop from a
// free list, and the whole output is released at once by Reset() — no walk
// over the tree (gumbo_destroy_output is not called).
//
// Chunks are power-of-two sizes from 32 bytes (16 of them a header) to
// kMaxChunk, carved from kBlockSize blocks; a freed chunk goes on its size's
// free list and is reused within the same parse. Larger requests get their
// own malloc'ed chunk, freed at once when Gumbo frees it and at Reset()
// otherwise. Reset() keeps up to kRetainedBytes of blocks for the next parse
// on the thread and returns the rest to the system, so one huge page does not
// pin its memory.
//
// Not thread-safe: one arena per thread (ParseArena::ForThisThread()).
#ifndef MEDIAWATCH_PARSERS_PARSE_ARENA_H_
#define MEDIAWATCH_PARSERS_PARSE_ARENA_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mw::html {

class ParseArena {
 public:
  static constexpr size_t kBlockSize = size_t{256} << 10;
  static constexpr size_t kMaxChunk = size_t{64} << 10;  // header included
  static constexpr size_t kRetainedBytes = size_t{8} << 20;

  ParseArena() = default;
  ~ParseArena();
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;

  // 16-byte aligned, never null (aborts when the system is out of memory,
  // as Gumbo cannot handle a failed allocation).
  void* Allocate(size_t size);
  // `p` from Allocate since the last Reset, or null.
  void Deallocate(void* p);
  // Releases everything allocated since the last Reset.
  void Reset();

  // Bytes of blocks held (in use or retained) and of large chunks in use.
  size_t block_bytes() const { return blocks_.size() * kBlockSize; }
  size_t large_bytes() const { return large_bytes_; }
  // Bytes handed out since the last Reset and not freed (chunk sizes).
  size_t live_bytes() const { return live_bytes_; }

  // The calling thread's arena.
  static ParseArena& ForThisThread();

  // For GumboOptions (userdata = the arena).
  static void* GumboAllocate(void* arena, size_t size);
  static void GumboDeallocate(void* arena, void* p);

 private:
  static constexpr size_t kHeader = 16;
  static constexpr int kClasses = 12;  // 32 B .. 64 KB
  static constexpr uint32_t kLargeClass = 0xffffffff;

  struct Header {
    uint32_t size_class;   // index into free_, or kLargeClass
    uint32_t large_index;  // into large_, for kLargeClass
    uint64_t large_size;   // bytes malloc'ed, header included, for kLargeClass
  };
  static_assert(sizeof(Header) == kHeader, "chunk header keeps 16-byte alignment");

  void* AllocateLarge(size_t size);
  char* Bump(size_t bytes);

  std::vector<char*> blocks_;             // kBlockSize each
  size_t block_ = 0;                      // the block being carved
  size_t offset_ = 0;                     // in blocks_[block_]
  std::array<Header*, kClasses> free_{};  // linked through the freed payloads
  std::vector<Header*> large_;            // null once freed
  size_t large_bytes_ = 0;
  size_t live_bytes_ = 0;
};

}  // namespace mw::html

#endif  // MEDIAWATCH_PARSERS_PARSE_ARENA_H_
