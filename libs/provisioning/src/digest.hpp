#pragma once
// Deterministic, non-cryptographic digests for the lab's stand-ins (version stamps, uuids,
// certificate and signature bytes, firmware content). FNV-1a 64 and splitmix64: portable and
// stable across platforms and runs.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/wire/bytes.hpp"

namespace voicelab::provisioning::detail {

class Fnv64 {
 public:
  Fnv64& add(wire::Bytes bytes) noexcept {
    for (auto b : bytes) {
      hash_ ^= b;
      hash_ *= 0x100000001b3ULL;
    }
    return *this;
  }
  Fnv64& add(std::string_view text) noexcept {
    return add(wire::Bytes{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  }
  // A separator, so that ("ab","c") and ("a","bc") differ.
  Fnv64& mark() noexcept {
    hash_ ^= 0xff;
    hash_ *= 0x100000001b3ULL;
    return *this;
  }
  [[nodiscard]] std::uint64_t value() const noexcept { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// `size` pseudo-random bytes from `seed`.
inline std::vector<std::uint8_t> expand(std::uint64_t seed, std::size_t size) {
  std::vector<std::uint8_t> out(size);
  std::uint64_t state = seed;
  std::size_t i = 0;
  while (i < size) {
    std::uint64_t word = splitmix64(state);
    for (int k = 0; k < 8 && i < size; ++k, ++i) {
      out[i] = static_cast<std::uint8_t>(word);
      word >>= 8;
    }
  }
  return out;
}

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower-case, from a 64-bit digest.
inline std::string uuid_from_hash(std::uint64_t a) {
  std::uint64_t state = a;
  const std::uint64_t b = splitmix64(state);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                static_cast<unsigned>(a & 0xffff), static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buffer;
}

// The same, from a digest of `text`.
inline std::string uuid_from(std::string_view text) {
  return uuid_from_hash(Fnv64{}.add(text).value());
}

}  // namespace voicelab::provisioning::detail
