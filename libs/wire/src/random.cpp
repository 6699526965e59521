#include "voicelab/wire/random.hpp"

namespace voicelab {
namespace {

__extension__ using uint128 = unsigned __int128;

constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

// The splitmix64 output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

}  // namespace

Random::Random(std::uint64_t seed) noexcept : seed_(seed) {
  // splitmix64 sequence starting at the seed fills the xoshiro state; it is never all zero.
  std::uint64_t x = seed;
  for (auto& word : s_) {
    x += golden_gamma;
    word = mix64(x);
  }
}

std::uint64_t Random::next() noexcept {
  // xoshiro256** 1.0 (Blackman, Vigna).
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Random::below(std::uint64_t bound) noexcept {
  if (bound == 0) return 0;
  // Lemire, "Fast Random Integer Generation in an Interval" (2019): multiply-shift with a
  // rejection step that removes the bias exactly.
  uint128 m = uint128{next()} * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = uint128{next()} * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Random::unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

bool Random::chance(double p) noexcept {
  if (!(p > 0.0)) return false;  // also false for NaN
  if (p >= 1.0) return true;
  return unit() < p;
}

Duration Random::jitter(Duration max) noexcept {
  if (max.count() <= 0) return Duration{0};
  const auto span = static_cast<std::uint64_t>(max.count()) * 2 + 1;
  return Duration{static_cast<std::int64_t>(below(span)) - max.count()};
}

Random Random::fork(std::uint64_t stream) const noexcept {
  // Depends only on (seed_, stream): two rounds of mixing so that nearby seeds and nearby
  // streams give unrelated generators.
  const std::uint64_t derived =
      mix64(mix64(seed_ ^ 0x6a09e667f3bcc909ULL) + mix64(stream + golden_gamma));
  return Random(derived);
}

}  // namespace voicelab
