#pragma once
// Small text helpers shared by the engines' describe() functions (not installed).

#include <cstdint>
#include <string>

#include "voicelab/wire/time.hpp"

namespace voicelab::tftp::detail {

// "1.250 s"
inline std::string seconds_text(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  const auto whole = ms / 1000;
  const auto frac = (ms < 0 ? -ms : ms) % 1000;
  std::string f = std::to_string(frac);
  while (f.size() < 3) f.insert(f.begin(), '0');
  return std::to_string(whole) + "." + f + " s";
}

inline std::string plural(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace voicelab::tftp::detail
