#pragma once
// ARP for IPv4 over Ethernet (RFC 826).

#include <cstdint>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::wire {

namespace arp_op {
inline constexpr std::uint16_t request = 1;
inline constexpr std::uint16_t reply = 2;
}  // namespace arp_op

struct ArpPacket {
  std::uint16_t operation = arp_op::request;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;
  Ipv4Address target_ip;

  static constexpr std::size_t size = 28;
  friend constexpr bool operator==(const ArpPacket&, const ArpPacket&) = default;
};

// Errors: truncated; unsupported when hardware is not Ethernet/6 or protocol not IPv4/4.
// Trailing bytes (frame padding) are ignored.
Result<ArpPacket> decode_arp(Bytes data) noexcept;
Result<std::size_t> encode_arp(MutableBytes out, const ArpPacket& packet) noexcept;

}  // namespace voicelab::wire
