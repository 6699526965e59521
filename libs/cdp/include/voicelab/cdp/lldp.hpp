#pragma once
// LLDP (IEEE 802.1AB) with the LLDP-MED extensions a phone and its access switch use
// (ANSI/TIA-1057, organizationally specific TLVs with the TIA OUI 00-12-BB): the LLDPDU as a
// value type, its encoder and decoder, and Ethernet II framing. Sans-I/O: bytes in, values out.
//
// Bit layouts follow Wireshark's epan/dissectors/packet-lldp.c (TLV header masks 0xFE00 type /
// 0x01FF length; dissect_media_tlv and the hf_media_* registrations: Network Policy flags
// U 0x800000, T 0x400000, VLAN 0x1FFE00, L2 priority 0x1C0, DSCP 0x3F over the 3 bytes after the
// application type; Extended Power-via-MDI type 0xC0, source 0x30, priority 0x0F, then a 2-byte
// value in 0.1 W), which tshark 4.0's `-G fields` confirms; tests/cdp checks them against tshark.
//
// Encoding order: Chassis ID, Port ID, TTL; Port Description, System Name, System Description,
// System Capabilities, the Management Addresses; the LLDP-MED TLVs (Capabilities, the Network
// Policies in order, Extended Power-via-MDI); then `unknown_tlvs` in the order they were decoded;
// End. A PDU decoded from that order re-encodes byte for byte.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/cdp/error.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::lldp {

using wire::Bytes;
using wire::MutableBytes;
using wire::Result;

// 01:80:c2:00:00:0e, the nearest-bridge group address (not forwarded by bridges).
inline constexpr wire::MacAddress nearest_bridge_address =
    wire::MacAddress::from_u64(0x0180c200000e);
inline constexpr std::uint16_t default_ttl_s = 120;  // 4 x 30 s (msgTxInterval x msgTxHold)
inline constexpr std::uint32_t default_interval_s = 30;
inline constexpr std::size_t tlv_header_size = 2;
inline constexpr std::size_t max_tlv_value = 0x1ff;  // 9-bit length

namespace tlv {
inline constexpr std::uint8_t end = 0;
inline constexpr std::uint8_t chassis_id = 1;
inline constexpr std::uint8_t port_id = 2;
inline constexpr std::uint8_t ttl = 3;
inline constexpr std::uint8_t port_description = 4;
inline constexpr std::uint8_t system_name = 5;
inline constexpr std::uint8_t system_description = 6;
inline constexpr std::uint8_t system_capabilities = 7;
inline constexpr std::uint8_t management_address = 8;
inline constexpr std::uint8_t org_specific = 127;
}  // namespace tlv

namespace chassis_subtype {
inline constexpr std::uint8_t chassis_component = 1;
inline constexpr std::uint8_t interface_alias = 2;
inline constexpr std::uint8_t port_component = 3;
inline constexpr std::uint8_t mac_address = 4;
inline constexpr std::uint8_t network_address = 5;
inline constexpr std::uint8_t interface_name = 6;
inline constexpr std::uint8_t locally_assigned = 7;
}  // namespace chassis_subtype

namespace port_subtype {
inline constexpr std::uint8_t interface_alias = 1;
inline constexpr std::uint8_t port_component = 2;
inline constexpr std::uint8_t mac_address = 3;
inline constexpr std::uint8_t network_address = 4;
inline constexpr std::uint8_t interface_name = 5;
inline constexpr std::uint8_t agent_circuit_id = 6;
inline constexpr std::uint8_t locally_assigned = 7;
}  // namespace port_subtype

// System Capabilities bits (lldp.tlv.system_cap.*).
namespace capability {
inline constexpr std::uint16_t other = 0x0001;
inline constexpr std::uint16_t repeater = 0x0002;
inline constexpr std::uint16_t bridge = 0x0004;
inline constexpr std::uint16_t wlan_access_point = 0x0008;
inline constexpr std::uint16_t router = 0x0010;
inline constexpr std::uint16_t telephone = 0x0020;
inline constexpr std::uint16_t docsis_cable_device = 0x0040;
inline constexpr std::uint16_t station_only = 0x0080;
}  // namespace capability

// Chassis ID (subtype + 1..255 bytes) and Port ID (same layout, other subtype numbers).
struct Id {
  std::uint8_t subtype = 0;
  std::vector<std::uint8_t> value;

  static Id mac(std::uint8_t subtype, wire::MacAddress mac);
  static Id text(std::uint8_t subtype, std::string_view text);
  [[nodiscard]] std::optional<wire::MacAddress> as_mac() const;  // when 6 bytes long
  [[nodiscard]] std::string as_text() const;

  friend bool operator==(const Id&, const Id&) = default;
};

struct SystemCapabilities {
  std::uint16_t supported = 0;
  std::uint16_t enabled = 0;

  friend bool operator==(const SystemCapabilities&, const SystemCapabilities&) = default;
};

// Management Address (8): address string length (1 + address size), address subtype (IANA
// address family: 1 IPv4, 2 IPv6, 6 802), address (1..31 bytes), interface numbering subtype
// (1 unknown, 2 ifIndex, 3 system port number), interface number (4 bytes), OID length, OID
// (0..128 bytes).
struct ManagementAddress {
  static constexpr std::uint8_t family_ipv4 = 1;
  static constexpr std::uint8_t interface_unknown = 1;
  static constexpr std::uint8_t interface_ifindex = 2;
  static constexpr std::uint8_t interface_port_number = 3;

  std::uint8_t address_subtype = family_ipv4;
  std::vector<std::uint8_t> address;
  std::uint8_t interface_subtype = interface_unknown;
  std::uint32_t interface_number = 0;
  std::vector<std::uint8_t> oid;

  static ManagementAddress ipv4(wire::Ipv4Address a, std::uint8_t interface_subtype = 1,
                                std::uint32_t interface_number = 0);
  [[nodiscard]] std::optional<wire::Ipv4Address> as_ipv4() const;

  friend bool operator==(const ManagementAddress&, const ManagementAddress&) = default;
};

// LLDP-MED (ANSI/TIA-1057).
namespace med {

inline constexpr std::uint32_t tia_oui = 0x0012bb;

namespace subtype {
inline constexpr std::uint8_t capabilities = 1;
inline constexpr std::uint8_t network_policy = 2;
inline constexpr std::uint8_t location = 3;        // not decoded: kept as unknown
inline constexpr std::uint8_t extended_power = 4;  // Extended Power-via-MDI
// 5..11: inventory (hardware/firmware/software revision, serial, manufacturer, model, asset id);
// not decoded: kept as unknown.
}  // namespace subtype

// LLDP-MED Capabilities bits (lldp.media.subtype.caps.*).
namespace capability {
inline constexpr std::uint16_t lldp_med = 0x0001;
inline constexpr std::uint16_t network_policy = 0x0002;
inline constexpr std::uint16_t location = 0x0004;
inline constexpr std::uint16_t extended_power_pse = 0x0008;
inline constexpr std::uint16_t extended_power_pd = 0x0010;
inline constexpr std::uint16_t inventory = 0x0020;
}  // namespace capability

namespace device_type {
inline constexpr std::uint8_t not_defined = 0;
inline constexpr std::uint8_t endpoint_class_1 = 1;  // generic endpoint
inline constexpr std::uint8_t endpoint_class_2 = 2;  // media endpoint
inline constexpr std::uint8_t endpoint_class_3 = 3;  // communication device (IP phone)
inline constexpr std::uint8_t network_connectivity = 4;
}  // namespace device_type

namespace application {
inline constexpr std::uint8_t voice = 1;
inline constexpr std::uint8_t voice_signaling = 2;
inline constexpr std::uint8_t guest_voice = 3;
inline constexpr std::uint8_t guest_voice_signaling = 4;
inline constexpr std::uint8_t softphone_voice = 5;
inline constexpr std::uint8_t video_conferencing = 6;
inline constexpr std::uint8_t streaming_video = 7;
inline constexpr std::uint8_t video_signaling = 8;
}  // namespace application

// Extended Power-via-MDI power type (2 bits) and priority (4 bits).
namespace power_type {
inline constexpr std::uint8_t pse = 0;
inline constexpr std::uint8_t pd = 1;
}  // namespace power_type
namespace power_priority {
inline constexpr std::uint8_t unknown = 0;
inline constexpr std::uint8_t critical = 1;
inline constexpr std::uint8_t high = 2;
inline constexpr std::uint8_t low = 3;
}  // namespace power_priority

// Subtype 1: 2-byte capability bits, 1-byte device type.
struct Capabilities {
  std::uint16_t capabilities = 0;
  std::uint8_t device_type = device_type::not_defined;

  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

// Subtype 2: application type (1 byte), then 24 bits: U (unknown policy), T (tagged), X
// (reserved), 12-bit VLAN id, 3-bit L2 priority, 6-bit DSCP. A phone applies the VLAN only when
// `tagged` is set (PROTOCOL-NOTES.md, lldpd issue #88). Encoding rejects out-of-range fields.
struct NetworkPolicy {
  std::uint8_t application = application::voice;
  bool unknown_policy = false;
  bool tagged = false;
  bool reserved = false;
  std::uint16_t vlan_id = 0;     // 0..4095 (0: priority-tagged)
  std::uint8_t l2_priority = 0;  // 0..7
  std::uint8_t dscp = 0;         // 0..63

  friend bool operator==(const NetworkPolicy&, const NetworkPolicy&) = default;
};

// Subtype 4: power type (2 bits), power source (2 bits), power priority (4 bits), then the power
// value in units of 0.1 W (0..102.3 W).
struct ExtendedPower {
  std::uint8_t power_type = power_type::pse;        // 0..3
  std::uint8_t power_source = 0;                    // 0..3; meaning depends on the type
  std::uint8_t priority = power_priority::unknown;  // 0..15
  std::uint16_t value_deciwatts = 0;

  friend bool operator==(const ExtendedPower&, const ExtendedPower&) = default;
};

}  // namespace med

// A TLV not decoded into a field: a type without a field (9..126), an organizationally specific
// TLV other than the three LLDP-MED ones above (value = OUI, subtype, data), or a repeat of a
// TLV that occurs once. Kept so that it is re-emitted.
struct RawTlv {
  std::uint8_t type = 0;  // 7 bits
  std::vector<std::uint8_t> value;

  friend bool operator==(const RawTlv&, const RawTlv&) = default;
};

struct Pdu {
  Id chassis_id;
  Id port_id;
  std::uint16_t ttl = default_ttl_s;
  std::optional<std::string> port_description;
  std::optional<std::string> system_name;
  std::optional<std::string> system_description;
  std::optional<SystemCapabilities> system_capabilities;
  std::vector<ManagementAddress> management_addresses;
  std::optional<med::Capabilities> med_capabilities;
  std::vector<med::NetworkPolicy> network_policies;
  std::optional<med::ExtendedPower> extended_power;
  std::vector<RawTlv> unknown_tlvs;

  // The first network policy for `application` (e.g. med::application::voice), or null.
  [[nodiscard]] const med::NetworkPolicy* policy(std::uint8_t application) const;

  friend bool operator==(const Pdu&, const Pdu&) = default;
};

// Decodes an LLDPDU. Chassis ID, Port ID and TTL must come first, in that order (errc::missing_tlv
// otherwise). Decoding stops at the End TLV; what follows it (frame padding) is ignored. A buffer
// that ends on a TLV boundary without an End TLV is accepted. Errors (wire::errc): truncated (a TLV
// header cut off); bad_length (a TLV length past the end, a value whose size does not fit its
// type, an End TLV with a length, a Management Address whose inner lengths contradict the TLV).
Result<Pdu> decode_pdu(Bytes pdu);

// Size of the encoded LLDPDU including the End TLV, or bad_length (a value over 511 bytes, an ID
// outside 1..255 bytes, a management address outside 1..31 bytes or an OID over 128), or bad_value
// (a network policy or power field out of range; a raw TLV type over 127 or of type 0).
Result<std::size_t> encoded_size(const Pdu& pdu);
Result<std::size_t> encode_pdu(MutableBytes out, const Pdu& pdu);
Result<std::vector<std::uint8_t>> encode_pdu(const Pdu& pdu);

// Ethernet II to 01:80:c2:00:00:0e from `src`, EtherType 0x88CC, the optional 802.1Q tag, padded
// to 60 bytes. No FCS. Errors: as encode_pdu, bad_length if the LLDPDU exceeds 1500 bytes.
Result<std::vector<std::uint8_t>> encode_frame(const Pdu& pdu, wire::MacAddress src,
                                               std::optional<wire::VlanTag> vlan = {});
Result<std::size_t> encode_frame(MutableBytes out, const Pdu& pdu, wire::MacAddress src,
                                 std::optional<wire::VlanTag> vlan = {});

struct Frame {
  wire::EthernetHeader ethernet;
  Pdu pdu;
};

// Errors: those of wire::decode_ethernet, cdp::errc::not_lldp if the EtherType (after one
// optional tag) is not 0x88CC, then those of decode_pdu. The destination is not checked (LLDP
// also uses 01:80:c2:00:00:00 and :03).
Result<Frame> decode_frame(Bytes frame);

}  // namespace voicelab::lldp
