#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/netsim/frame.hpp"

using namespace voicelab;
using namespace voicelab::netsim;

TEST_CASE("frame pool hands out empty frames with one reference", "[frame]") {
  FramePool pool;
  CHECK(pool.capacity() == 0);
  FrameRef f = pool.allocate();
  REQUIRE(f);
  CHECK(f.size() == 0);
  CHECK(f.use_count() == 1);
  CHECK(pool.capacity() == 256);
  CHECK(pool.in_use() == 1);

  f.storage()[0] = 0x42;
  f.resize(1);
  FrameRef g = f;  // shares
  CHECK(f.use_count() == 2);
  CHECK(g.bytes()[0] == 0x42);
  FrameRef h = std::move(g);
  CHECK_FALSE(g);
  CHECK(h.use_count() == 2);
  f = FrameRef{};
  CHECK(h.use_count() == 1);
  CHECK(pool.in_use() == 1);
  h = FrameRef{};
  CHECK(pool.in_use() == 0);

  FrameRef again = pool.allocate();
  CHECK(again.size() == 0);  // reused buffers come back empty
  CHECK(again.use_count() == 1);
}

TEST_CASE("frame pool grows in chunks and reuses freed frames", "[frame]") {
  FramePool pool;
  std::vector<FrameRef> held;
  for (int i = 0; i < 300; ++i) held.push_back(pool.allocate());
  CHECK(pool.capacity() == 512);
  CHECK(pool.in_use() == 300);
  held.clear();
  CHECK(pool.in_use() == 0);
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 500; ++i) held.push_back(pool.allocate());
    held.clear();
  }
  CHECK(pool.capacity() == 512);
}

TEST_CASE("copy_of copies at most frame_capacity bytes", "[frame]") {
  FramePool pool;
  std::vector<std::uint8_t> small{1, 2, 3};
  FrameRef f = pool.copy_of(small);
  CHECK(std::vector<std::uint8_t>(f.bytes().begin(), f.bytes().end()) == small);
  std::vector<std::uint8_t> huge(frame_capacity + 100, 7);
  CHECK(pool.copy_of(huge).size() == frame_capacity);
  CHECK(pool.copy_of({}).size() == 0);
}
