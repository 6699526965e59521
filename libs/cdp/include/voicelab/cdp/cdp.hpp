#pragma once
// Cisco Discovery Protocol version 2: the PDU as a value type, its encoder and decoder, Cisco's
// checksum, and the 802.3 + LLC/SNAP framing. Sans-I/O: bytes in, values out.
//
// Layouts are those of Wireshark's epan/dissectors/packet-cdp.c (the type codes, the Addresses
// entry layout, the 6- and 7-byte VoIP VLAN forms, the Power Requested/Available lists, the
// capability bits that `tshark -G fields` registers for 4.0) and of
// ../shared/PROTOCOL-NOTES.md ("CDP"), checked against tshark 4.0 by tests/cdp.
//
// Encoding order: the typed fields in ascending type code, then `unknown_tlvs` in the order they
// were decoded (or appended). A PDU whose unknown TLVs came last therefore re-encodes byte for
// byte; one with unknown TLVs in between re-encodes with the same TLVs, the unknown ones moved
// to the end (CDP receivers do not depend on TLV order).
//
// Wireshark quirk (packet-cdp.c TYPE_PORT_ID, still in tshark 4.0): when the byte after a Port ID
// TLV is not 0x00, the dissector stretches the Port ID by 3 bytes and reports a malformed packet.
// Typed TLVs all have type codes < 0x0100, so this only shows when the Port ID is directly followed
// by an unknown TLV of type >= 0x0100; the bytes are valid CDP.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/cdp/error.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::cdp {

using wire::Bytes;
using wire::MutableBytes;
using wire::Result;

// 01:00:0c:cc:cc:cc, the CDP/VTP/DTP multicast address.
inline constexpr wire::MacAddress multicast_address = wire::MacAddress::from_u64(0x01000ccccccc);
inline constexpr std::uint32_t snap_oui = 0x00000c;        // Cisco
inline constexpr std::uint16_t snap_protocol_id = 0x2000;  // CDP
inline constexpr std::uint8_t default_version = 2;
inline constexpr std::uint8_t default_holdtime_s = 180;  // Catalyst `cdp holdtime`
inline constexpr std::uint32_t default_interval_s = 60;  // Catalyst `cdp timer`
inline constexpr std::size_t header_size = 4;            // version, TTL, checksum
inline constexpr std::size_t tlv_header_size = 4;        // type, length (header included)
inline constexpr std::size_t max_tlv_value = 0xffff - tlv_header_size;

// TLV type codes (packet-cdp.c TYPE_*).
namespace tlv {
inline constexpr std::uint16_t device_id = 0x0001;
inline constexpr std::uint16_t addresses = 0x0002;
inline constexpr std::uint16_t port_id = 0x0003;
inline constexpr std::uint16_t capabilities = 0x0004;
inline constexpr std::uint16_t software_version = 0x0005;
inline constexpr std::uint16_t platform = 0x0006;
inline constexpr std::uint16_t ip_prefix = 0x0007;       // not decoded: kept as unknown
inline constexpr std::uint16_t protocol_hello = 0x0008;  // not decoded: kept as unknown
inline constexpr std::uint16_t vtp_management_domain = 0x0009;
inline constexpr std::uint16_t native_vlan = 0x000a;
inline constexpr std::uint16_t duplex = 0x000b;
inline constexpr std::uint16_t voip_vlan_reply = 0x000e;
inline constexpr std::uint16_t voip_vlan_query = 0x000f;
inline constexpr std::uint16_t power_consumption = 0x0010;
inline constexpr std::uint16_t mtu = 0x0011;
inline constexpr std::uint16_t trust_bitmap = 0x0012;
inline constexpr std::uint16_t untrusted_port_cos = 0x0013;
inline constexpr std::uint16_t system_name = 0x0014;
inline constexpr std::uint16_t system_oid = 0x0015;  // not decoded: kept as unknown
inline constexpr std::uint16_t management_addresses = 0x0016;
inline constexpr std::uint16_t location = 0x0017;  // not decoded: kept as unknown
inline constexpr std::uint16_t power_requested = 0x0019;
inline constexpr std::uint16_t power_available = 0x001a;
}  // namespace tlv

// Capabilities (0x0004) bits, as packet-cdp.c registers them (cdp.capabilities.*).
namespace capability {
inline constexpr std::uint32_t router = 0x001;
inline constexpr std::uint32_t transparent_bridge = 0x002;
inline constexpr std::uint32_t source_route_bridge = 0x004;
inline constexpr std::uint32_t l2_switch = 0x008;  // "Switch"
inline constexpr std::uint32_t host = 0x010;
inline constexpr std::uint32_t igmp = 0x020;  // "IGMP capable"
inline constexpr std::uint32_t repeater = 0x040;
inline constexpr std::uint32_t voip_phone = 0x080;
inline constexpr std::uint32_t remotely_managed = 0x100;
inline constexpr std::uint32_t cvta = 0x200;  // "CVTA/STP Dispute Resolution/Cisco VT Camera"
inline constexpr std::uint32_t two_port_mac_relay = 0x400;
}  // namespace capability

// Duplex (0x000B) values.
namespace duplex {
inline constexpr std::uint8_t half = 0;
inline constexpr std::uint8_t full = 1;
}  // namespace duplex

// One entry of the Addresses (0x0002) and Management Addresses (0x0016) TLVs: protocol type
// (1 byte: 1 = NLPID, 2 = 802.2), protocol length (1 byte), protocol, address length (2 bytes),
// address. IPv4 is NLPID 0xCC with a 4-byte address; every other entry is kept as it came.
struct Address {
  static constexpr std::uint8_t nlpid = 1;
  static constexpr std::uint8_t ieee_802_2 = 2;
  static constexpr std::uint8_t nlpid_ipv4 = 0xcc;

  std::uint8_t protocol_type = nlpid;
  std::vector<std::uint8_t> protocol{nlpid_ipv4};  // at most 255 bytes
  std::vector<std::uint8_t> address;               // at most 65535 bytes

  static Address ipv4(wire::Ipv4Address a);
  // The IPv4 address, if this entry is NLPID 0xCC with a 4-byte address.
  [[nodiscard]] std::optional<wire::Ipv4Address> as_ipv4() const;

  friend bool operator==(const Address&, const Address&) = default;
};

// VoIP VLAN Reply (0x000E) and Query (0x000F): one data byte (switches send 1), then the 2-byte
// VLAN id. packet-cdp.c reads the VLAN only from TLVs of 7 bytes or more; 6-byte ones (seen in
// captures) have none. Bytes beyond those are kept in `trailing`: a 7960's query is 8 bytes long
// (0x20, VLAN 0x0200, 0x01 — scapy's test/contrib/cdp.uts). Decoded as: data; the VLAN if at least
// 3 value bytes; the rest in `trailing` (so a 6-byte TLV is data + 1 trailing byte).
struct VoipVlan {
  std::uint8_t data = 1;
  std::optional<std::uint16_t> vlan;
  std::vector<std::uint8_t> trailing;

  friend bool operator==(const VoipVlan&, const VoipVlan&) = default;
};

// Power Requested (0x0019): request id, management id (2 bytes each), then a list of 4-byte
// power levels in mW the device can run at (packet-cdp.c "Power Requested: %u mW").
struct PowerRequested {
  std::uint16_t request_id = 0;
  std::uint16_t management_id = 0;
  std::vector<std::uint32_t> power_mw;

  friend bool operator==(const PowerRequested&, const PowerRequested&) = default;
};

// Power Available (0x001A): request id (echoing the device's), management id, power available
// in mW, and the management power level (Catalysts send 0xFFFFFFFF). packet-cdp.c shows every
// 4-byte value as "Power Available"; this codec accepts one or two values.
struct PowerAvailable {
  std::uint16_t request_id = 0;
  std::uint16_t management_id = 0;
  std::uint32_t available_mw = 0;
  std::optional<std::uint32_t> management_power_level = 0xffffffffU;

  friend bool operator==(const PowerAvailable&, const PowerAvailable&) = default;
};

// A TLV this codec does not decode into a field (an unknown type, or a second TLV of a type
// already decoded), kept so that it is re-emitted.
struct RawTlv {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> value;  // without the 4-byte TLV header

  friend bool operator==(const RawTlv&, const RawTlv&) = default;
};

struct Pdu {
  std::uint8_t version = default_version;
  std::uint8_t ttl = default_holdtime_s;  // holdtime, seconds

  // Strings are kept as the bytes that came (no NUL stripping, no charset check).
  std::optional<std::string> device_id;                      // 0x0001, e.g. SEP001122334455
  std::optional<std::vector<Address>> addresses;             // 0x0002
  std::optional<std::string> port_id;                        // 0x0003, e.g. GigabitEthernet1/0/1
  std::optional<std::uint32_t> capabilities;                 // 0x0004, capability::* bits
  std::optional<std::string> software_version;               // 0x0005
  std::optional<std::string> platform;                       // 0x0006
  std::optional<std::string> vtp_management_domain;          // 0x0009
  std::optional<std::uint16_t> native_vlan;                  // 0x000A
  std::optional<std::uint8_t> duplex;                        // 0x000B, duplex::*
  std::optional<VoipVlan> voip_vlan_reply;                   // 0x000E
  std::optional<VoipVlan> voip_vlan_query;                   // 0x000F
  std::optional<std::uint16_t> power_consumption_mw;         // 0x0010
  std::optional<std::uint32_t> mtu;                          // 0x0011
  std::optional<std::uint8_t> trust_bitmap;                  // 0x0012
  std::optional<std::uint8_t> untrusted_port_cos;            // 0x0013
  std::optional<std::string> system_name;                    // 0x0014
  std::optional<std::vector<Address>> management_addresses;  // 0x0016
  std::optional<PowerRequested> power_requested;             // 0x0019
  std::optional<PowerAvailable> power_available;             // 0x001A
  std::vector<RawTlv> unknown_tlvs;                          // encoded last, in this order

  friend bool operator==(const Pdu&, const Pdu&) = default;
};

// ---- Checksum --------------------------------------------------------------------------------

// The CDP checksum of `pdu` as it is: RFC 1071 over the whole PDU, except for an odd length,
// where the last byte B is summed as the word 0x00BB, or as 0xFF00 | (B - 1) when B >= 0x80
// (Cisco's quirk, as packet-cdp.c verifies it; PROTOCOL-NOTES.md). A PDU that holds its correct
// checksum yields 0; with the checksum field zeroed it yields the value to store.
std::uint16_t checksum(Bytes pdu) noexcept;
inline bool checksum_ok(Bytes pdu) noexcept { return checksum(pdu) == 0; }

// ---- PDU -------------------------------------------------------------------------------------

struct DecodeOptions {
  bool verify_checksum = true;
};

// Decodes a CDP PDU (version byte to the end of the last TLV; `pdu` must hold nothing else).
// Errors (wire::errc): truncated (shorter than the header, or a TLV header cut off); bad_version
// (version not 1 or 2); bad_checksum; bad_length (a TLV length < 4 or past the end, a value whose
// size does not fit its type, an address count larger than what fits, bytes left over in an
// Addresses TLV).
Result<Pdu> decode_pdu(Bytes pdu, const DecodeOptions& options = {});

// Size of the encoded PDU, or bad_length if a field cannot be encoded (a value over 65531 bytes,
// a protocol over 255 bytes, more than 2^32-1 addresses).
Result<std::size_t> encoded_size(const Pdu& pdu);
// Encodes into `out` with the checksum filled in; returns the size. Errors: bad_length as above,
// buffer_too_small.
Result<std::size_t> encode_pdu(MutableBytes out, const Pdu& pdu);
Result<std::vector<std::uint8_t>> encode_pdu(const Pdu& pdu);

// ---- Frames ----------------------------------------------------------------------------------

// The largest PDU that fits one untagged 802.3 frame (1500 bytes less the 8-byte LLC/SNAP header).
inline constexpr std::size_t max_pdu_in_frame =
    wire::ethernet_max_payload - wire::LlcSnapHeader::size;

// A whole 802.3 frame: dst 01:00:0c:cc:cc:cc, `src`, the optional 802.1Q tag (phones send CDP
// untagged or priority-tagged), the 802.3 length, LLC/SNAP (AA AA 03, 00-00-0C, 0x2000), the PDU,
// zero padding up to the 60-byte minimum. No FCS. Errors: as encode_pdu, and bad_length if the
// PDU does not fit one frame.
Result<std::vector<std::uint8_t>> encode_frame(const Pdu& pdu, wire::MacAddress src,
                                               std::optional<wire::VlanTag> vlan = {});
Result<std::size_t> encode_frame(MutableBytes out, const Pdu& pdu, wire::MacAddress src,
                                 std::optional<wire::VlanTag> vlan = {});

struct Frame {
  wire::EthernetHeader ethernet;  // dst, src, the tag if there was one, the 802.3 length
  Pdu pdu;
};

// Decodes a frame as captured (with or without one 802.1Q tag; padding ignored). Errors: those of
// wire::decode_ethernet and wire::decode_llc_snap, errc::not_cdp for an Ethernet II frame or one
// with another SNAP OUI/protocol, then those of decode_pdu. The destination address is not
// checked.
Result<Frame> decode_frame(Bytes frame, const DecodeOptions& options = {});

}  // namespace voicelab::cdp
