#pragma once
// TCP segments (RFC 9293) with the MSS option and the IPv4 pseudo-header checksum.

#include <cstdint>
#include <optional>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::wire {

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
}  // namespace tcp_flag

struct TcpHeader {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint16_t urgent = 0;
  std::optional<std::uint16_t> mss;  // the MSS option (kind 2); emitted when set

  static constexpr std::size_t min_size = 20;
  [[nodiscard]] constexpr bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
  [[nodiscard]] constexpr std::size_t size() const { return min_size + (mss ? 4 : 0); }
};

struct TcpSegment {
  TcpHeader header;
  Bytes payload;
};

// `segment` is the IPv4 payload. Options: MSS is decoded; NOP/EOL and unknown kinds with a valid
// length are skipped. Errors: truncated; bad_length (data offset < 5 or past the segment, an
// option length that is < 2 or runs past the header, an MSS option whose length is not 4);
// bad_checksum (only when verify_checksum).
Result<TcpSegment> decode_tcp(Bytes segment, Ipv4Address src, Ipv4Address dst,
                              bool verify_checksum = true) noexcept;

// Writes header (+ MSS option when set) + payload with the checksum computed.
Result<std::size_t> encode_tcp(MutableBytes out, Ipv4Address src, Ipv4Address dst,
                               const TcpHeader& header, Bytes payload) noexcept;

}  // namespace voicelab::wire
