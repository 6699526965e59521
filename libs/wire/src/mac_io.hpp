#pragma once
// MAC addresses through ByteReader/ByteWriter, shared by the Ethernet and ARP codecs.

#include <array>
#include <cstdint>
#include <cstring>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::wire::detail {

// A failed read yields 00:00:00:00:00:00 and leaves the reader failed, like its other reads.
inline MacAddress read_mac(ByteReader& reader) noexcept {
  std::array<std::uint8_t, 6> octets{};
  const Bytes raw = reader.take(octets.size());
  if (!raw.empty()) std::memcpy(octets.data(), raw.data(), octets.size());
  return MacAddress{octets};
}

inline void write_mac(ByteWriter& writer, const MacAddress& mac) noexcept {
  writer.bytes(Bytes{mac.octets().data(), mac.octets().size()});
}

}  // namespace voicelab::wire::detail
