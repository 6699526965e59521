#pragma once
// What the DNS engines (responder, resolver) exchange with their driver. Same shape as the DHCP
// engines' (voicelab/dhcp/datagram.hpp), so one driver loop serves both.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::dns {

using InterfaceIndex = int;

struct Endpoint {
  wire::Ipv4Address address;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;  // 10.0.0.53:53
  friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
};

// A datagram handed to an engine. `payload` is only borrowed for the duration of the call.
struct Datagram {
  Endpoint source;
  Endpoint destination;
  InterfaceIndex interface = 0;
  wire::Bytes payload;
};

// A datagram an engine wants sent (always unicast; the driver routes by destination).
struct OutgoingDatagram {
  Endpoint destination;
  std::uint16_t source_port = 0;
  std::optional<InterfaceIndex> interface;  // unset: route by destination
  bool broadcast = false;                   // always false for DNS
  std::vector<std::uint8_t> payload;
};

}  // namespace voicelab::dns
