#include <array>
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/netsim/random.hpp"

using namespace voicelab;
using netsim::Random;

namespace {
std::vector<std::uint64_t> draw(Random r, int n) {
  std::vector<std::uint64_t> v;
  for (int i = 0; i < n; ++i) v.push_back(r.next());
  return v;
}
}  // namespace

TEST_CASE("same seed, same numbers; another seed, other numbers", "[random]") {
  CHECK(draw(Random(42), 100) == draw(Random(42), 100));
  CHECK(draw(Random(42), 100) != draw(Random(43), 100));
  CHECK(draw(Random(0), 4) != std::vector<std::uint64_t>(4, 0));  // seed 0 is fine
}

TEST_CASE("fork depends on the seed and the stream only", "[random]") {
  Random a(7);
  Random b(7);
  for (int i = 0; i < 1000; ++i) (void)b.next();  // b has drawn, a has not
  CHECK(draw(a.fork(3), 50) == draw(b.fork(3), 50));
  CHECK(draw(a.fork(3), 50) != draw(a.fork(4), 50));
  CHECK(draw(a.fork(3), 50) != draw(Random(8).fork(3), 50));
  CHECK(draw(a.fork(0), 50) != draw(a, 50));
}

TEST_CASE("below is in range and roughly uniform", "[random]") {
  Random r(1234);
  CHECK(r.below(0) == 0);
  CHECK(r.below(1) == 0);
  constexpr int buckets = 10;
  constexpr int n = 200'000;
  std::array<int, buckets> count{};
  for (int i = 0; i < n; ++i) {
    auto v = r.below(buckets);
    REQUIRE(v < buckets);
    ++count[v];
  }
  for (int c : count) CHECK(std::abs(c - n / buckets) < n / buckets / 20);  // within 5%
  // A bound that is not a power of two and close to 2^64 still stays in range.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 1000; ++i) CHECK(r.below(big) < big);
}

TEST_CASE("unit, chance and jitter", "[random]") {
  Random r(99);
  double sum = 0;
  constexpr int n = 100'000;
  for (int i = 0; i < n; ++i) {
    const double u = r.unit();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  CHECK(sum / n == Approx(0.5).margin(0.01));

  int hits = 0;
  for (int i = 0; i < n; ++i) hits += r.chance(0.25) ? 1 : 0;
  CHECK(hits == Approx(n / 4).epsilon(0.03));
  for (int i = 0; i < 100; ++i) {
    CHECK_FALSE(r.chance(0.0));
    CHECK_FALSE(r.chance(-1.0));
    CHECK(r.chance(1.0));
  }

  bool saw_negative = false;
  bool saw_positive = false;
  for (int i = 0; i < 1000; ++i) {
    const Duration j = r.jitter(Duration{5});
    REQUIRE(j >= Duration{-5});
    REQUIRE(j <= Duration{5});
    saw_negative |= j < Duration{0};
    saw_positive |= j > Duration{0};
  }
  CHECK(saw_negative);
  CHECK(saw_positive);
  CHECK(r.jitter(Duration{0}) == Duration{0});
}
