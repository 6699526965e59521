#include "voicelab/wire/ethernet.hpp"

#include <cstring>

#include "mac_io.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::wire {

using detail::read_mac;
using detail::write_mac;

namespace {

// EtherTypes start at 0x0600; 1501..1535 is neither a length nor a type.
constexpr std::uint16_t first_ethertype = 0x0600;

}  // namespace

Result<EthernetFrame> decode_ethernet(Bytes frame) noexcept {
  ByteReader reader{frame};
  EthernetFrame decoded;
  decoded.header.dst = read_mac(reader);
  decoded.header.src = read_mac(reader);
  decoded.header.type_or_length = reader.u16();
  if (reader.ok() && decoded.header.type_or_length == ethertype::vlan) {
    decoded.header.vlan = VlanTag::from_tci(reader.u16());
    decoded.header.type_or_length = reader.u16();
  }
  if (!reader.ok()) return errc::truncated;

  const std::uint16_t type_or_length = decoded.header.type_or_length;
  if (decoded.header.is_8023_length()) {
    if (type_or_length > reader.remaining()) return errc::bad_length;
    decoded.payload = reader.take(type_or_length);
  } else if (type_or_length < first_ethertype) {
    return errc::unsupported;
  } else {
    decoded.payload = reader.rest();
  }
  return decoded;
}

Result<std::size_t> encode_ethernet_header(MutableBytes out,
                                           const EthernetHeader& header) noexcept {
  ByteWriter writer{out};
  write_mac(writer, header.dst);
  write_mac(writer, header.src);
  if (header.vlan) {
    writer.u16(ethertype::vlan);
    writer.u16(header.vlan->tci());
  }
  writer.u16(header.type_or_length);
  if (!writer.ok()) return errc::buffer_too_small;
  return writer.size();
}

std::size_t pad_ethernet_frame(MutableBytes buffer, std::size_t length) noexcept {
  if (length >= ethernet_min_frame || buffer.size() < ethernet_min_frame) return length;
  std::memset(buffer.data() + length, 0, ethernet_min_frame - length);
  return ethernet_min_frame;
}

Result<LlcSnapPdu> decode_llc_snap(Bytes data) noexcept {
  ByteReader reader{data};
  LlcSnapPdu pdu;
  pdu.header.dsap = reader.u8();
  pdu.header.ssap = reader.u8();
  pdu.header.control = reader.u8();
  const std::uint32_t oui_high = reader.u8();
  pdu.header.oui = (oui_high << 16) | reader.u16();
  pdu.header.protocol_id = reader.u16();
  if (!reader.ok()) return errc::truncated;
  const LlcSnapHeader snap{};
  if (pdu.header.dsap != snap.dsap || pdu.header.ssap != snap.ssap ||
      pdu.header.control != snap.control) {
    return errc::unsupported;
  }
  pdu.payload = reader.rest();
  return pdu;
}

Result<std::size_t> encode_llc_snap(MutableBytes out, const LlcSnapHeader& header) noexcept {
  ByteWriter writer{out};
  writer.u8(header.dsap);
  writer.u8(header.ssap);
  writer.u8(header.control);
  writer.u8(static_cast<std::uint8_t>(header.oui >> 16));
  writer.u16(static_cast<std::uint16_t>(header.oui));
  writer.u16(header.protocol_id);
  if (!writer.ok()) return errc::buffer_too_small;
  return writer.size();
}

}  // namespace voicelab::wire
