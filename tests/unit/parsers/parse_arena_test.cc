// The memory Gumbo parses with (parsers/parse_arena.h), alone and through
// ParseHtmlTree.
#include "parsers/parse_arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "parsers/html_tree.h"

namespace mw::html {
namespace {

bool Aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

TEST(ParseArenaTest, ChunksAreAlignedDistinctAndHoldWhatWasAskedFor) {
  ParseArena arena;
  std::vector<std::pair<char*, size_t>> chunks;
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{100}, size_t{1000},
        size_t{4096}, ParseArena::kMaxChunk - 16, ParseArena::kMaxChunk - 15, size_t{300000}}) {
    char* p = static_cast<char*>(arena.Allocate(size));
    ASSERT_NE(p, nullptr) << size;
    EXPECT_TRUE(Aligned16(p)) << size;
    std::memset(p, static_cast<int>(size & 0x7f), size);
    chunks.emplace_back(p, size);
  }
  // Every chunk still holds its own bytes: none overlaps another.
  for (const auto& [p, size] : chunks) {
    for (size_t i = 0; i < size; ++i) {
      ASSERT_EQ(p[i], static_cast<char>(size & 0x7f)) << size << " at " << i;
    }
  }
  std::set<char*> distinct;
  for (const auto& c : chunks) distinct.insert(c.first);
  EXPECT_EQ(distinct.size(), chunks.size());
  // The two requests over the chunk limit went to their own allocations.
  EXPECT_GE(arena.large_bytes(), ParseArena::kMaxChunk - 15 + size_t{300000});
  for (const auto& c : chunks) arena.Deallocate(c.first);
  EXPECT_EQ(arena.live_bytes(), 0u);
  EXPECT_EQ(arena.large_bytes(), 0u);
  arena.Deallocate(nullptr);  // as free(NULL)
}

TEST(ParseArenaTest, AFreedChunkIsReusedForTheSameSize) {
  ParseArena arena;
  void* a = arena.Allocate(40);
  void* b = arena.Allocate(40);
  arena.Deallocate(a);
  EXPECT_EQ(arena.Allocate(48), a);  // the same size class (64-byte chunks)
  EXPECT_NE(arena.Allocate(40), b);  // b is still live
  arena.Deallocate(b);
  EXPECT_EQ(arena.Allocate(33), b);
  void* big = arena.Allocate(1000);
  arena.Deallocate(big);
  EXPECT_NE(arena.Allocate(40), big);  // another class: a fresh chunk
}

TEST(ParseArenaTest, ResetReleasesEverythingAndKeepsABoundedReserve) {
  ParseArena arena;
  // 24 MB in chunks: more blocks than a reset keeps.
  for (int i = 0; i < 24 * 64; ++i) (void)arena.Allocate(16000);
  void* large = arena.Allocate(1 << 20);  // never freed by the "parser"
  ASSERT_NE(large, nullptr);
  EXPECT_GE(arena.block_bytes(), size_t{24} << 20);
  EXPECT_GE(arena.live_bytes(), size_t{25} << 20);
  arena.Reset();
  EXPECT_EQ(arena.live_bytes(), 0u);
  EXPECT_EQ(arena.large_bytes(), 0u);  // freed by the reset (LeakSanitizer would say otherwise)
  EXPECT_LE(arena.block_bytes(), ParseArena::kRetainedBytes);
  EXPECT_GT(arena.block_bytes(), 0u);
  // The reserve serves the next parse.
  void* p = arena.Allocate(100);
  EXPECT_TRUE(Aligned16(p));
  std::memset(p, 1, 100);
}

TEST(ParseArenaTest, EachThreadHasItsOwn) {
  ParseArena* main_arena = &ParseArena::ForThisThread();
  ParseArena* other = nullptr;
  std::thread([&other] { other = &ParseArena::ForThisThread(); }).join();
  EXPECT_NE(main_arena, other);
  EXPECT_EQ(main_arena, &ParseArena::ForThisThread());
}

// ParseHtmlTree parses from the thread's arena and leaves nothing in it:
// small nodes, a text node over the chunk limit (a large allocation), and
// attribute-heavy markup that grows Gumbo's vectors and string buffers.
TEST(ParseArenaTest, ParseHtmlTreeLeavesTheArenaEmptyAndTheTreeIntact) {
  std::string html = "<!doctype html><html><head><title>T</title></head><body>";
  for (int i = 0; i < 2000; ++i) {
    html += "<p class=\"c" + std::to_string(i) + "\" data-x=\"" + std::string(i % 50, 'x') +
            "\">para " + std::to_string(i) + " <b>bold</b> &amp; <i>it</i></p>";
  }
  const std::string long_text(200000, 'y');  // one text node of 200 KB
  html += "<div id=\"long\">" + long_text + "</div></body></html>";

  for (int round = 0; round < 3; ++round) {
    auto tree = ParseHtmlTree(html, {});
    ASSERT_TRUE(tree.ok()) << tree.status().ToString();
    EXPECT_EQ(ParseArena::ForThisThread().live_bytes(), 0u);
    EXPECT_EQ(ParseArena::ForThisThread().large_bytes(), 0u);
    EXPECT_LE(ParseArena::ForThisThread().block_bytes(), ParseArena::kRetainedBytes);
    size_t paragraphs = 0;
    bool long_found = false;
    for (size_t i = 0; i < tree->nodes.size(); ++i) {
      const HtmlNode& n = tree->nodes[i];
      if (n.tag == "p") {
        EXPECT_EQ(n.Attr("class"), "c" + std::to_string(paragraphs));
        EXPECT_EQ(n.Attr("data-x"), std::string(paragraphs % 50, 'x'));
        ++paragraphs;
      }
      if (n.tag == "div" && n.Attr("id") == "long") {
        ASSERT_EQ(n.children.size(), 1u);
        EXPECT_EQ(tree->nodes[n.children[0]].text, long_text);
        long_found = true;
      }
    }
    EXPECT_EQ(paragraphs, 2000u);
    EXPECT_TRUE(long_found);
  }
}

// Parsing on several threads at once: each uses its own arena.
TEST(ParseArenaTest, ConcurrentParsesDoNotShareMemory) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      std::string html = "<html><body>";
      for (int i = 0; i < 300; ++i) {
        html += "<p>thread " + std::to_string(t) + " item " + std::to_string(i) + "</p>";
      }
      html += "</body></html>";
      for (int round = 0; round < 20; ++round) {
        auto tree = ParseHtmlTree(html, {});
        if (!tree.ok()) return;
        int found = 0;
        for (const HtmlNode& n : tree->nodes) {
          if (n.is_text && n.text.rfind("thread " + std::to_string(t) + " ", 0) == 0) ++found;
        }
        if (found != 300) return;
      }
      ok[t] = 1;
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 1) << "thread " << t;
}

}  // namespace
}  // namespace mw::html
