#pragma once
// What the TFTP engines (server, client) exchange with their driver. Same shape as the DHCP and
// DNS engines' (voicelab/dhcp/datagram.hpp), so one driver loop serves them all.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::tftp {

using InterfaceIndex = int;

struct Endpoint {
  wire::Ipv4Address address;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;  // 10.1.1.11:69
  friend constexpr auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// A datagram handed to an engine. `payload` is only borrowed for the duration of the call.
struct Datagram {
  Endpoint source;
  Endpoint destination;
  InterfaceIndex interface = 0;
  wire::Bytes payload;
};

// A datagram an engine wants sent (always unicast; the driver routes by destination and sends
// from `source_port` of the host the engine runs on).
struct OutgoingDatagram {
  Endpoint destination;
  std::uint16_t source_port = 0;
  std::optional<InterfaceIndex> interface;  // unset: route by destination
  bool broadcast = false;                   // always false for TFTP
  std::vector<std::uint8_t> payload;
};

}  // namespace voicelab::tftp
