#pragma once
// UDP (RFC 768) with the IPv4 pseudo-header checksum.

#include <cstdint>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::wire {

struct UdpHeader {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t length = 0;    // decoded: header + payload
  std::uint16_t checksum = 0;  // decoded: as on the wire (0 = none sent)

  static constexpr std::size_t size = 8;
};

struct UdpDatagram {
  UdpHeader header;
  Bytes payload;  // exactly length - 8 bytes
};

// `segment` is the IPv4 payload. Errors: truncated; bad_length (length < 8 or beyond the
// segment); bad_checksum (only when verify_checksum and the checksum is not 0).
Result<UdpDatagram> decode_udp(Bytes segment, Ipv4Address src, Ipv4Address dst,
                               bool verify_checksum = true) noexcept;

// Writes header + payload with the checksum computed (a computed 0 is sent as 0xFFFF).
// Errors: buffer_too_small, bad_length (payload over 65507 bytes).
Result<std::size_t> encode_udp(MutableBytes out, Ipv4Address src, Ipv4Address dst,
                               std::uint16_t src_port, std::uint16_t dst_port,
                               Bytes payload) noexcept;

}  // namespace voicelab::wire
