#pragma once
// The seeded generator of a lab (xoshiro256**, seeded through splitmix64). Its output
// is defined by this code alone, not by a standard library's distributions, so a seed gives the
// same lab on every platform.

#include <cstdint>

#include "voicelab/wire/time.hpp"

namespace voicelab {

class Random {
 public:
  explicit Random(std::uint64_t seed) noexcept;

  std::uint64_t next() noexcept;
  // Uniform in [0, bound) without modulo bias; bound 0 returns 0.
  std::uint64_t below(std::uint64_t bound) noexcept;
  // Uniform in [0, 1).
  double unit() noexcept;
  // True with probability p (p <= 0 never, p >= 1 always).
  bool chance(double p) noexcept;
  // Uniform in [-max, +max].
  Duration jitter(Duration max) noexcept;
  // An independent generator for one component, derived from this one's seed and `stream`,
  // so adding a component does not shift the random numbers every other one sees.
  [[nodiscard]] Random fork(std::uint64_t stream) const noexcept;

 private:
  std::uint64_t seed_;
  std::uint64_t s_[4];
};

}  // namespace voicelab
