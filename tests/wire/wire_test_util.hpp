#pragma once
// Helpers for the wire codec tests: hex byte vectors, and hostile-input drivers that hand every
// decoder exact-size heap copies, so that AddressSanitizer catches any read past the end.

#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/wire/bytes.hpp"

namespace voicelab::wire::testing {

// "45 00 00 73 ..." (spaces, newlines and '|' between digits are ignored) to bytes.
inline std::vector<std::uint8_t> from_hex(std::string_view text) {
  std::vector<std::uint8_t> bytes;
  int high = -1;
  for (char c : text) {
    int value = -1;
    if (c >= '0' && c <= '9') value = c - '0';
    if (c >= 'a' && c <= 'f') value = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') value = c - 'A' + 10;
    if (value < 0) {
      if (c == ' ' || c == '\n' || c == '|') continue;
      throw std::invalid_argument("from_hex: not a hex digit");
    }
    if (high < 0) {
      high = value;
    } else {
      bytes.push_back(static_cast<std::uint8_t>(high << 4 | value));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("from_hex: odd number of digits");
  return bytes;
}

inline std::vector<std::uint8_t> exact_copy(Bytes bytes) { return {bytes.begin(), bytes.end()}; }

// True when `inner` is a view into `outer` (decoders return views, never copies).
inline bool lies_within(Bytes inner, Bytes outer) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

// Every strict prefix of `packet` must be refused by `decode` (a callable Bytes -> Result<...>).
template <class Decode>
void require_error_for_every_prefix(Bytes packet, Decode&& decode) {
  for (std::size_t length = 0; length < packet.size(); ++length) {
    const auto prefix = exact_copy(packet.first(length));
    INFO("prefix length " << length << " of " << packet.size());
    REQUIRE_FALSE(decode(Bytes{prefix}).ok());
  }
}

// Random buffers of 0..max_length bytes. `check` (Bytes -> void) decodes and asserts invariants.
template <class Check>
void feed_garbage(std::uint32_t seed, int rounds, std::size_t max_length, Check&& check) {
  std::mt19937 random{seed};
  std::uniform_int_distribution<std::size_t> length_of(0, max_length);
  std::uniform_int_distribution<unsigned> byte_of(0, 255);
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::uint8_t> garbage(length_of(random));
    for (auto& byte : garbage) byte = static_cast<std::uint8_t>(byte_of(random));
    check(Bytes{garbage});
  }
}

// `valid` with 1..4 random bytes overwritten and sometimes cut short: closer to real corruption
// than pure garbage, so the decoders get past their first checks.
template <class Check>
void feed_mutations(Bytes valid, std::uint32_t seed, int rounds, Check&& check) {
  if (valid.empty()) return;
  std::mt19937 random{seed};
  std::uniform_int_distribution<std::size_t> position_of(0, valid.size() - 1);
  std::uniform_int_distribution<unsigned> byte_of(0, 255);
  std::uniform_int_distribution<int> count_of(1, 4);
  for (int round = 0; round < rounds; ++round) {
    auto mutated = exact_copy(valid);
    for (int i = count_of(random); i > 0; --i) {
      mutated[position_of(random)] = static_cast<std::uint8_t>(byte_of(random));
    }
    if (round % 4 == 0) mutated.resize(position_of(random));
    check(Bytes{mutated});
  }
}

}  // namespace voicelab::wire::testing
