#pragma once
// RFC 1071 Internet checksum, incremental so pseudo-headers need no copy.

#include <cstdint>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::wire {

class InternetChecksum {
 public:
  // Adds bytes as big-endian 16-bit words. An odd trailing byte is padded with zero (RFC 1071);
  // only the last call may pass an odd length.
  void add(Bytes data) noexcept;
  void add_u16(std::uint16_t v) noexcept { sum_ += v; }
  void add_u32(std::uint32_t v) noexcept { sum_ += (v >> 16) + (v & 0xffff); }
  // The one's-complement of the folded sum, ready to store in a header.
  [[nodiscard]] std::uint16_t finish() const noexcept;

 private:
  std::uint64_t sum_ = 0;
};

// Checksum of one buffer (for IPv4 headers). A buffer that already holds its correct checksum
// yields 0.
std::uint16_t internet_checksum(Bytes data) noexcept;

// UDP/TCP checksum including the IPv4 pseudo-header. `segment` is the whole UDP/TCP header and
// payload as it is (or will be) on the wire with its checksum field as stored.
std::uint16_t transport_checksum(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                                 Bytes segment) noexcept;

}  // namespace voicelab::wire
