#include "voicelab/wire/arp.hpp"

#include "mac_io.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::wire {

using detail::read_mac;
using detail::write_mac;

namespace {

constexpr std::uint16_t hardware_ethernet = 1;
constexpr std::uint16_t protocol_ipv4 = 0x0800;
constexpr std::uint8_t ethernet_address_length = 6;
constexpr std::uint8_t ipv4_address_length = 4;

}  // namespace

Result<ArpPacket> decode_arp(Bytes data) noexcept {
  ByteReader reader{data};
  const std::uint16_t hardware_type = reader.u16();
  const std::uint16_t protocol_type = reader.u16();
  const std::uint8_t hardware_length = reader.u8();
  const std::uint8_t protocol_length = reader.u8();
  if (!reader.ok()) return errc::truncated;
  // Checked before the addresses: other hardware/protocol pairs have other sizes.
  if (hardware_type != hardware_ethernet || protocol_type != protocol_ipv4 ||
      hardware_length != ethernet_address_length || protocol_length != ipv4_address_length) {
    return errc::unsupported;
  }

  ArpPacket packet;
  packet.operation = reader.u16();
  packet.sender_mac = read_mac(reader);
  packet.sender_ip = Ipv4Address{reader.u32()};
  packet.target_mac = read_mac(reader);
  packet.target_ip = Ipv4Address{reader.u32()};
  if (!reader.ok()) return errc::truncated;
  return packet;
}

Result<std::size_t> encode_arp(MutableBytes out, const ArpPacket& packet) noexcept {
  ByteWriter writer{out};
  writer.u16(hardware_ethernet);
  writer.u16(protocol_ipv4);
  writer.u8(ethernet_address_length);
  writer.u8(ipv4_address_length);
  writer.u16(packet.operation);
  write_mac(writer, packet.sender_mac);
  writer.u32(packet.sender_ip.to_u32());
  write_mac(writer, packet.target_mac);
  writer.u32(packet.target_ip.to_u32());
  if (!writer.ok()) return errc::buffer_too_small;
  return writer.size();
}

}  // namespace voicelab::wire
