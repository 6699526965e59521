#pragma once
// Ethernet II and IEEE 802.3 (length) frames, 802.1Q tags, LLC/SNAP. Frames are handled without
// the FCS, as capture files and Wireshark show them.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::wire {

namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t arp = 0x0806;
inline constexpr std::uint16_t vlan = 0x8100;  // 802.1Q TPID
inline constexpr std::uint16_t lldp = 0x88cc;
}  // namespace ethertype

inline constexpr std::size_t ethernet_header_size = 14;
inline constexpr std::size_t vlan_tag_size = 4;
inline constexpr std::size_t ethernet_min_frame = 60;   // without FCS; shorter frames are padded
inline constexpr std::size_t ethernet_max_payload = 1500;
inline constexpr std::size_t ethernet_max_frame = 1518;  // with one 802.1Q tag, without FCS

// 802.1Q tag control information.
struct VlanTag {
  std::uint16_t vid = 0;     // 12 bits; 0 = priority-tagged only
  std::uint8_t priority = 0; // PCP / CoS, 3 bits
  bool drop_eligible = false;

  [[nodiscard]] constexpr std::uint16_t tci() const {
    return static_cast<std::uint16_t>((priority & 7) << 13 | (drop_eligible ? 1 << 12 : 0) |
                                      (vid & 0x0fff));
  }
  static constexpr VlanTag from_tci(std::uint16_t tci) {
    return {static_cast<std::uint16_t>(tci & 0x0fff), static_cast<std::uint8_t>(tci >> 13),
            (tci & 0x1000) != 0};
  }
  friend constexpr bool operator==(const VlanTag&, const VlanTag&) = default;
};

struct EthernetHeader {
  MacAddress dst;
  MacAddress src;
  std::optional<VlanTag> vlan;
  // >= 0x0600: an EtherType (Ethernet II). <= 1500: the 802.3 length of the payload (LLC follows).
  std::uint16_t type_or_length = 0;

  [[nodiscard]] constexpr bool is_8023_length() const { return type_or_length <= 1500; }
  [[nodiscard]] constexpr std::size_t size() const {
    return ethernet_header_size + (vlan ? vlan_tag_size : 0);
  }
};

struct EthernetFrame {
  EthernetHeader header;
  // Ethernet II: everything after the header (may end in padding; upper layers have their own
  // lengths). 802.3: exactly `type_or_length` bytes, padding removed.
  Bytes payload;
};

// Decodes one frame. Only a single 802.1Q tag is understood (a second one is returned as the
// EtherType 0x8100 with the inner tag in the payload). Errors: truncated, bad_length (802.3 length
// beyond the frame), unsupported (type/length field in the undefined 1501..1535 range).
Result<EthernetFrame> decode_ethernet(Bytes frame) noexcept;

// Writes the header (14 or 18 bytes) and returns its size.
Result<std::size_t> encode_ethernet_header(MutableBytes out, const EthernetHeader& header) noexcept;

// Zero-pads a frame that is `length` bytes long in `buffer` to the 60-byte minimum; returns the
// new length (or `length` if already long enough, or if the buffer is too small).
std::size_t pad_ethernet_frame(MutableBytes buffer, std::size_t length) noexcept;

// IEEE 802.2 LLC with a SNAP extension, as CDP uses (DSAP 0xAA, SSAP 0xAA, UI control 0x03).
struct LlcSnapHeader {
  std::uint8_t dsap = 0xaa;
  std::uint8_t ssap = 0xaa;
  std::uint8_t control = 0x03;
  std::uint32_t oui = 0;  // 24 bits
  std::uint16_t protocol_id = 0;

  static constexpr std::size_t size = 8;
  friend constexpr bool operator==(const LlcSnapHeader&, const LlcSnapHeader&) = default;
};

struct LlcSnapPdu {
  LlcSnapHeader header;
  Bytes payload;
};

// Errors: truncated; unsupported when DSAP/SSAP are not 0xAA or control is not UI.
Result<LlcSnapPdu> decode_llc_snap(Bytes data) noexcept;
Result<std::size_t> encode_llc_snap(MutableBytes out, const LlcSnapHeader& header) noexcept;

}  // namespace voicelab::wire
