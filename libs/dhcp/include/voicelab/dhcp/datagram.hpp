#pragma once
// What the DHCP engines (server, client, relay agent) exchange with their driver. A driver is
// whatever moves bytes: the simulated network, real UDP sockets, or a test harness.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::dhcp {

// The driver's number for a network interface of the host the engine runs on. The engines only
// compare these and hand them back.
using InterfaceIndex = int;

struct Endpoint {
  wire::Ipv4Address address;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;  // 10.1.1.1:67
  friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
};

// A datagram handed to an engine. `payload` is only borrowed for the duration of the call.
struct Datagram {
  Endpoint source;               // 0.0.0.0:68 for a client without an address
  Endpoint destination;          // 255.255.255.255 for a limited broadcast
  InterfaceIndex interface = 0;  // where it arrived
  wire::Bytes payload;
};

// A datagram an engine wants sent.
struct OutgoingDatagram {
  Endpoint destination;
  std::uint16_t source_port = 0;
  // The interface to send through. Always set for broadcasts and for `link_destination` sends;
  // otherwise the driver routes by destination address.
  std::optional<InterfaceIndex> interface;
  // A limited broadcast (255.255.255.255, link-layer broadcast) on `interface`.
  bool broadcast = false;
  // Deliver to this link-layer address without ARP: a server or relay answering a client that
  // has no address yet (RFC 2131 §4.1: IP to yiaddr, link layer to chaddr).
  std::optional<wire::MacAddress> link_destination;
  std::vector<std::uint8_t> payload;
};

}  // namespace voicelab::dhcp
