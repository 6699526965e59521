#pragma once
// IPv4 headers (RFC 791). Options are parsed past (and exposed raw), never emitted.

#include <cstdint>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::wire {

namespace ip_protocol {
inline constexpr std::uint8_t icmp = 1;
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
}  // namespace ip_protocol

namespace dscp {
inline constexpr std::uint8_t best_effort = 0;
inline constexpr std::uint8_t cs3 = 24;  // call signalling (SIP, SCCP)
inline constexpr std::uint8_t ef = 46;   // voice media
}  // namespace dscp

struct Ipv4Header {
  std::uint8_t dscp = 0;  // 6 bits
  std::uint8_t ecn = 0;   // 2 bits
  std::uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // in 8-byte units, 13 bits
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  Ipv4Address src;
  Ipv4Address dst;
  // Decoded only: the header's raw options (empty when IHL = 5). Never emitted by the encoder.
  Bytes options;

  static constexpr std::size_t min_size = 20;
  [[nodiscard]] bool is_fragment() const { return more_fragments || fragment_offset != 0; }
};

struct Ipv4Packet {
  Ipv4Header header;
  Bytes payload;  // exactly total_length - header length (link-layer padding removed)
};

// Errors: truncated; bad_version (not 4); bad_length (IHL < 5, total length shorter than the
// header or longer than the buffer); bad_checksum (only when verify_checksum).
Result<Ipv4Packet> decode_ipv4(Bytes data, bool verify_checksum = true) noexcept;

// Writes a 20-byte header (no options) for a payload of `payload_length` bytes, with the header
// checksum computed. Errors: buffer_too_small, bad_length (payload over 65515 bytes).
Result<std::size_t> encode_ipv4_header(MutableBytes out, const Ipv4Header& header,
                                       std::size_t payload_length) noexcept;

}  // namespace voicelab::wire
