#pragma once
// The DHCP message codec (RFC 2131 §2 BOOTP layout + RFC 2132 options).
//
// Layout (offsets in bytes): op 0, htype 1, hlen 2, hops 3, xid 4, secs 8, flags 10 (0x8000 =
// broadcast), ciaddr 12, yiaddr 16, siaddr 20, giaddr 24, chaddr 28 (16), sname 44 (64),
// file 108 (128), magic cookie 236 (99.130.83.99), options from 240.
//
// Decoding
// - The options field is read first; when it holds option 52 (overload) the 'file' field
//   (value 1 or 3) and then the 'sname' field (2 or 3) are read as options too, in that order
//   (RFC 2131 §4.1). Each option area must end with End (255); bytes after End are padding and
//   ignored. Repeated options are concatenated in that order (RFC 3396). Option 52 itself is
//   consumed: it is not left in `options`, and an overloaded field decodes as an empty string.
// - Every option whose format voicelab knows is validated (see validate_option).
// - Errors: wire::errc::truncated (fewer than 240 bytes, an option running past the end of its
//   area), errc::bad_hardware_length, errc::bad_magic_cookie, errc::missing_end_option,
//   errc::bad_option_length, errc::bad_overload, errc::bad_relay_agent_info. Input never makes
//   it throw (only std::bad_alloc could).
//
// Encoding
// - Deterministic: option 53 first, then ascending code, except 82 (relay agent information)
//   which goes last, where RFC 3046 §2.1 has the relay put it; then End. Values over 255 bytes
//   are split into consecutive instances of the same code (RFC 3396). The encoder never
//   overloads sname/file.
// - The message is zero-padded after End to at least 300 bytes: the size of a BOOTP message
//   (RFC 951: a 64-byte vendor area), which some BOOTP relays and clients still insist on and
//   which ISC dhcpd and dnsmasq also pad to.
// - Errors: errc::field_too_long (sname over 64 or file over 128 bytes), errc::bad_hardware_length.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "voicelab/dhcp/options.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::dhcp {

inline constexpr std::uint16_t server_port = 67;
inline constexpr std::uint16_t client_port = 68;

inline constexpr std::uint32_t magic_cookie = 0x63825363;
inline constexpr std::size_t fixed_header_size = 236;   // up to and including 'file'
inline constexpr std::size_t min_message_size = 240;    // with the magic cookie
inline constexpr std::size_t bootp_message_size = 300;  // encoder pads to this
inline constexpr std::uint16_t broadcast_flag = 0x8000;

enum class BootOp : std::uint8_t { request = 1, reply = 2 };

struct Message {
  BootOp op = BootOp::request;
  std::uint8_t htype = 1;  // Ethernet
  std::uint8_t hlen = 6;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;
  wire::Ipv4Address ciaddr;
  wire::Ipv4Address yiaddr;
  wire::Ipv4Address siaddr;
  wire::Ipv4Address giaddr;
  std::array<std::uint8_t, 16> chaddr{};
  std::string sname;  // text up to the first NUL (all 64 bytes if none)
  std::string file;   // text up to the first NUL (all 128 bytes if none)
  Options options;

  [[nodiscard]] bool broadcast() const { return (flags & broadcast_flag) != 0; }
  void set_broadcast(bool on) {
    flags = static_cast<std::uint16_t>(on ? (flags | broadcast_flag) : (flags & ~broadcast_flag));
  }
  // The first six bytes of chaddr (meaningful when htype = 1, hlen = 6).
  [[nodiscard]] wire::MacAddress client_mac() const;
  // Sets htype 1, hlen 6 and chaddr = mac followed by zeros.
  void set_client_mac(wire::MacAddress mac);
  // Option 53, if present.
  [[nodiscard]] std::optional<MessageType> type() const { return options.message_type(); }

  friend bool operator==(const Message&, const Message&) = default;
};

// Decodes a UDP payload. See the header comment for the rules and errors.
wire::Result<Message> decode_message(wire::Bytes payload);

// Encodes a message (see the header comment).
wire::Result<std::vector<std::uint8_t>> encode_message(const Message& message);

}  // namespace voicelab::dhcp
