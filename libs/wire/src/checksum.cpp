#include "voicelab/wire/checksum.hpp"

#include <cstddef>

namespace voicelab::wire {

void InternetChecksum::add(Bytes data) noexcept {
  // 64 bits of accumulator cannot overflow for any buffer that fits in memory, so the carries
  // are folded once, in finish().
  const std::size_t even_length = data.size() & ~std::size_t{1};
  for (std::size_t i = 0; i < even_length; i += 2) sum_ += load_be16(data.data() + i);
  if (even_length != data.size()) sum_ += std::uint64_t{data[even_length]} << 8;
}

std::uint16_t InternetChecksum::finish() const noexcept {
  std::uint64_t folded = sum_;
  while (folded >> 16) folded = (folded & 0xffff) + (folded >> 16);
  return static_cast<std::uint16_t>(~folded);
}

std::uint16_t internet_checksum(Bytes data) noexcept {
  InternetChecksum checksum;
  checksum.add(data);
  return checksum.finish();
}

std::uint16_t transport_checksum(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                                 Bytes segment) noexcept {
  InternetChecksum checksum;
  checksum.add_u32(src.to_u32());
  checksum.add_u32(dst.to_u32());
  checksum.add_u16(protocol);
  // The pseudo-header length is 16 bits; callers keep segments within an IPv4 packet.
  checksum.add_u16(static_cast<std::uint16_t>(segment.size()));
  checksum.add(segment);
  return checksum.finish();
}

}  // namespace voicelab::wire
