#pragma once
// What the wire fuzz targets assert about any input: decoders return errors instead of crashing
// (AddressSanitizer and UBSan watch the reads), decoded views stay inside the input, and what
// decodes re-encodes to the same bytes where the format allows it.

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/arp.hpp"
#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/tcp.hpp"
#include "voicelab/wire/udp.hpp"

// Unlike assert(), active in every build type: a fuzzer must stop on the first broken invariant.
#define WIRE_FUZZ_CHECK(condition)                                                           \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace voicelab::wire::fuzz {

inline bool lies_within(Bytes inner, Bytes outer) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

inline bool same_bytes(Bytes a, Bytes b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

inline void check_udp(Bytes segment, Ipv4Address src, Ipv4Address dst) {
  for (bool verify : {false, true}) {
    const auto datagram = decode_udp(segment, src, dst, verify);
    if (!datagram) continue;
    WIRE_FUZZ_CHECK(lies_within(datagram->payload, segment));
    WIRE_FUZZ_CHECK(datagram->payload.size() + UdpHeader::size == datagram->header.length);
    if (verify && datagram->header.checksum != 0) {
      // The checksum that verifies is unique but for 0000/ffff, both zero in one's complement;
      // 0000 means "none" and the pseudo-header makes a computed ffff impossible, so the
      // encoder must reproduce the datagram exactly.
      std::array<std::uint8_t, 65535> out;
      const auto written = encode_udp(out, src, dst, datagram->header.src_port,
                                      datagram->header.dst_port, datagram->payload);
      WIRE_FUZZ_CHECK(written.ok());
      WIRE_FUZZ_CHECK(same_bytes(Bytes{out}.first(*written), segment.first(*written)));
    }
  }
}

inline void check_tcp(Bytes segment, Ipv4Address src, Ipv4Address dst) {
  for (bool verify : {false, true}) {
    const auto decoded = decode_tcp(segment, src, dst, verify);
    if (!decoded) continue;
    WIRE_FUZZ_CHECK(lies_within(decoded->payload, segment));
    const std::size_t header_length = (std::size_t{segment[12]} >> 4) * 4;
    WIRE_FUZZ_CHECK(header_length >= TcpHeader::min_size);
    WIRE_FUZZ_CHECK(header_length + decoded->payload.size() == segment.size());
    if (verify) {
      WIRE_FUZZ_CHECK(transport_checksum(src, dst, ip_protocol::tcp, segment) == 0);
    }
    // The fields the encoder writes survive a round trip (options other than MSS do not).
    std::array<std::uint8_t, 65535> out;
    const auto written = encode_tcp(out, src, dst, decoded->header, decoded->payload);
    if (!written) continue;  // over 65515 bytes: too large for an IPv4 packet
    const auto again = decode_tcp(Bytes{out}.first(*written), src, dst, true);
    WIRE_FUZZ_CHECK(again.ok());
    WIRE_FUZZ_CHECK(again->header.seq == decoded->header.seq);
    WIRE_FUZZ_CHECK(again->header.ack == decoded->header.ack);
    WIRE_FUZZ_CHECK(again->header.flags == decoded->header.flags);
    WIRE_FUZZ_CHECK(again->header.mss == decoded->header.mss);
    WIRE_FUZZ_CHECK(same_bytes(again->payload, decoded->payload));
  }
}

inline void check_ipv4(Bytes data) {
  // Decoded without verification first: a fuzzer rarely gets a checksum right, and the layers
  // above must still be reached.
  const auto packet = decode_ipv4(data, false);
  const auto verified = decode_ipv4(data, true);
  if (!packet) {
    WIRE_FUZZ_CHECK(!verified.ok());
    return;
  }
  const auto& header = packet->header;
  const std::size_t header_length = Ipv4Header::min_size + header.options.size();
  WIRE_FUZZ_CHECK(lies_within(header.options, data));
  WIRE_FUZZ_CHECK(lies_within(packet->payload, data));
  WIRE_FUZZ_CHECK(header_length % 4 == 0);
  WIRE_FUZZ_CHECK(header_length + packet->payload.size() == load_be16(data.data() + 2));
  WIRE_FUZZ_CHECK(verified.ok() == (internet_checksum(data.first(header_length)) == 0));
  // A verified header without options and with the reserved flag clear re-encodes to the same
  // bytes, except that a received checksum of ffff (one's complement -0) verifies like the 0000
  // the encoder computes (RFC 1624 §3).
  if (verified && header.options.empty() && (data[6] & 0x80) == 0) {
    std::array<std::uint8_t, Ipv4Header::min_size> out{};
    WIRE_FUZZ_CHECK(encode_ipv4_header(out, header, packet->payload.size()).ok());
    if (load_be16(data.data() + 10) == 0xffff && load_be16(out.data() + 10) == 0) {
      store_be16(out.data() + 10, 0xffff);
    }
    WIRE_FUZZ_CHECK(same_bytes(out, data.first(Ipv4Header::min_size)));
  }
  if (header.protocol == ip_protocol::udp) check_udp(packet->payload, header.src, header.dst);
  if (header.protocol == ip_protocol::tcp) check_tcp(packet->payload, header.src, header.dst);
}

inline void check_arp(Bytes data) {
  const auto packet = decode_arp(data);
  if (!packet) return;
  std::array<std::uint8_t, ArpPacket::size> out{};
  WIRE_FUZZ_CHECK(encode_arp(out, *packet).ok());
  WIRE_FUZZ_CHECK(same_bytes(out, data.first(ArpPacket::size)));
}

inline void check_llc_snap(Bytes data) {
  const auto pdu = decode_llc_snap(data);
  if (!pdu) return;
  WIRE_FUZZ_CHECK(lies_within(pdu->payload, data));
  std::array<std::uint8_t, LlcSnapHeader::size> out{};
  WIRE_FUZZ_CHECK(encode_llc_snap(out, pdu->header).ok());
  WIRE_FUZZ_CHECK(same_bytes(out, data.first(LlcSnapHeader::size)));
  // RFC 1042: an EtherType in the SNAP protocol id.
  if (pdu->header.oui == 0 && pdu->header.protocol_id == ethertype::ipv4) check_ipv4(pdu->payload);
}

inline void check_frame(Bytes frame) {
  const auto decoded = decode_ethernet(frame);
  if (!decoded) return;
  const auto& header = decoded->header;
  WIRE_FUZZ_CHECK(lies_within(decoded->payload, frame));
  std::array<std::uint8_t, ethernet_header_size + vlan_tag_size> out{};
  const auto written = encode_ethernet_header(out, header);
  WIRE_FUZZ_CHECK(written.ok() && *written == header.size());
  WIRE_FUZZ_CHECK(same_bytes(Bytes{out}.first(*written), frame.first(*written)));
  if (header.is_8023_length()) {
    WIRE_FUZZ_CHECK(decoded->payload.size() == header.type_or_length);
    check_llc_snap(decoded->payload);
  } else if (header.type_or_length == ethertype::arp) {
    check_arp(decoded->payload);
  } else if (header.type_or_length == ethertype::ipv4) {
    check_ipv4(decoded->payload);
  }
}

inline void check_text(std::string_view text) {
  if (const auto mac = MacAddress::parse(text)) {
    for (const auto& form : {mac->to_string(), mac->to_cisco(), mac->to_hex_upper()}) {
      const auto again = MacAddress::parse(form);
      WIRE_FUZZ_CHECK(again.ok() && *again == *mac);
    }
  }
  if (const auto address = Ipv4Address::parse(text)) {
    WIRE_FUZZ_CHECK(address->to_string() == text);  // only the canonical form parses
  }
  if (const auto prefix = Ipv4Prefix::parse(text)) {
    WIRE_FUZZ_CHECK(prefix->length <= 32);
    const auto again = Ipv4Prefix::parse(prefix->to_string());
    WIRE_FUZZ_CHECK(again.ok() && *again == *prefix);
  }
}

}  // namespace voicelab::wire::fuzz
