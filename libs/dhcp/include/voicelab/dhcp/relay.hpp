#pragma once
// A BOOTP/DHCP relay agent (RFC 1542 §4, RFC 2131 §4.1) doing what Cisco IOS's
// `ip helper-address` does for DHCP, sans-I/O. It is handed every datagram for UDP port 67 that
// reaches the router host it runs on.
//
// - A BOOTREQUEST arriving on an interface that has helper addresses: giaddr is set to that
//   interface's address when it is 0 (an upstream relay's giaddr is kept), hops is incremented,
//   and the datagram is unicast to port 67 of every helper address, from port 67. Requests with
//   hops already at max_hops, or arriving on an interface without helpers, are dropped.
// - A BOOTREPLY whose giaddr is one of the relay's interface addresses: delivered on that
//   interface to port 68, broadcast when the broadcast flag is set, else unicast to yiaddr at
//   link-layer address chaddr (RFC 1542 §5.4).
// Only the fixed BOOTP header is interpreted and patched; options pass through untouched (no
// option 82 is added). Malformed datagrams are counted and reported, never thrown.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/dhcp/datagram.hpp"
#include "voicelab/dhcp/message.hpp"
#include "voicelab/dhcp/options.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::dhcp {

struct RelayInterface {
  InterfaceIndex index = 0;
  wire::Ipv4Prefix address;                         // the router's address on that subnet
  std::vector<wire::Ipv4Address> helper_addresses;  // empty: no relaying from this interface
};

struct RelayConfig {
  std::vector<RelayInterface> interfaces;
  std::uint8_t max_hops = 16;  // RFC 1542 §4.1.1: discard at or above the configured limit
};

enum class RelayEventKind {
  forwarded,  // a client request went to `server` (one event per helper address)
  delivered,  // a server reply went to the client on `interface`
  dropped,    // see `reason`
};

struct RelayEvent {
  RelayEventKind kind = RelayEventKind::forwarded;
  Time time{};
  std::optional<MessageType> message_type;  // when the options could be read
  wire::MacAddress mac;
  wire::Ipv4Address giaddr;
  wire::Ipv4Address server;  // forwarded: helper address; delivered: the reply's source
  InterfaceIndex interface = 0;
  bool broadcast = false;  // delivered as a broadcast
  std::string reason;

  [[nodiscard]] std::string describe() const;
};

struct RelayCounters {
  std::uint64_t requests_forwarded = 0, replies_delivered = 0;
  std::uint64_t dropped_malformed = 0, dropped_no_helper = 0, dropped_hops = 0;
  std::uint64_t dropped_unknown_giaddr = 0;
};

class RelayAgent {
 public:
  // Throws std::invalid_argument when two interfaces share an index.
  explicit RelayAgent(RelayConfig config);

  void handle_datagram(Time now, const Datagram& in);
  void handle_timeout(Time now) { (void)now; }  // the relay keeps no timers
  [[nodiscard]] std::optional<Time> next_timeout() const { return std::nullopt; }
  std::optional<OutgoingDatagram> poll_transmit();
  std::optional<RelayEvent> poll_event();

  [[nodiscard]] const RelayCounters& counters() const { return counters_; }
  [[nodiscard]] const RelayConfig& config() const { return config_; }

 private:
  void drop(Time now, const Datagram& in, std::string reason);
  void forward_request(Time now, const Datagram& in, const RelayInterface& interface);
  void deliver_reply(Time now, const Datagram& in);

  RelayConfig config_;
  std::deque<OutgoingDatagram> transmits_;
  std::deque<RelayEvent> events_;
  RelayCounters counters_;
};

}  // namespace voicelab::dhcp
