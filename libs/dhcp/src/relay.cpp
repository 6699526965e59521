#include "voicelab/dhcp/relay.hpp"

#include <algorithm>
#include <stdexcept>

#include "voicelab/dhcp/message.hpp"

namespace voicelab::dhcp {
namespace {

// Offsets into the fixed BOOTP header (RFC 2131 §2).
constexpr std::size_t op_offset = 0;
constexpr std::size_t hlen_offset = 2;
constexpr std::size_t hops_offset = 3;
constexpr std::size_t flags_offset = 10;
constexpr std::size_t yiaddr_offset = 16;
constexpr std::size_t giaddr_offset = 24;
constexpr std::size_t chaddr_offset = 28;

wire::MacAddress chaddr_mac(wire::Bytes payload) {
  std::array<std::uint8_t, 6> octets{};
  const wire::Bytes chaddr = payload.subspan(chaddr_offset, octets.size());
  std::copy(chaddr.begin(), chaddr.end(), octets.begin());
  return wire::MacAddress{octets};
}

std::optional<MessageType> type_of(wire::Bytes payload) {
  auto decoded = decode_message(payload);
  if (!decoded) return std::nullopt;
  return decoded->type();
}

}  // namespace

std::string RelayEvent::describe() const {
  const std::string type = message_type ? to_string(*message_type) : std::string{"BOOTP"};
  switch (kind) {
    case RelayEventKind::forwarded:
      return "relaying " + type + " from " + mac.to_string() + " (interface " +
             std::to_string(interface) + ", giaddr " + giaddr.to_string() + ") to server " +
             server.to_string();
    case RelayEventKind::delivered:
      return "passing " + type + " from " + server.to_string() + " to " + mac.to_string() +
             " on interface " + std::to_string(interface) +
             (broadcast ? " as a broadcast" : " by unicast");
    case RelayEventKind::dropped:
      return "dropping " + type + " on interface " + std::to_string(interface) + ": " + reason;
  }
  return "unknown relay event";
}

RelayAgent::RelayAgent(RelayConfig config) : config_(std::move(config)) {
  for (std::size_t i = 0; i < config_.interfaces.size(); ++i) {
    for (std::size_t j = i + 1; j < config_.interfaces.size(); ++j) {
      if (config_.interfaces[i].index == config_.interfaces[j].index) {
        throw std::invalid_argument("DHCP relay: two interfaces with index " +
                                    std::to_string(config_.interfaces[i].index));
      }
    }
  }
}

void RelayAgent::drop(Time now, const Datagram& in, std::string reason) {
  RelayEvent event;
  event.kind = RelayEventKind::dropped;
  event.time = now;
  event.interface = in.interface;
  if (in.payload.size() >= min_message_size) {
    event.message_type = type_of(in.payload);
    event.mac = chaddr_mac(in.payload);
  }
  event.reason = std::move(reason);
  events_.push_back(std::move(event));
}

void RelayAgent::handle_datagram(Time now, const Datagram& in) {
  // The relay only needs the fixed header; a datagram too short for it cannot be relayed.
  if (in.payload.size() < fixed_header_size) {
    ++counters_.dropped_malformed;
    return drop(now, in, "shorter than a BOOTP header");
  }
  if (in.payload[hlen_offset] > 16) {
    ++counters_.dropped_malformed;
    return drop(now, in, "hardware address length above 16");
  }
  const auto op = static_cast<BootOp>(in.payload[op_offset]);
  if (op == BootOp::request) {
    auto interface = std::find_if(config_.interfaces.begin(), config_.interfaces.end(),
                                  [&](const RelayInterface& i) { return i.index == in.interface; });
    if (interface == config_.interfaces.end() || interface->helper_addresses.empty()) {
      ++counters_.dropped_no_helper;
      return drop(now, in, "no helper address on this interface");
    }
    return forward_request(now, in, *interface);
  }
  if (op == BootOp::reply) return deliver_reply(now, in);
  ++counters_.dropped_malformed;
  return drop(now, in, "op is neither BOOTREQUEST nor BOOTREPLY");
}

void RelayAgent::forward_request(Time now, const Datagram& in, const RelayInterface& interface) {
  const std::uint8_t hops = in.payload[hops_offset];
  if (hops >= config_.max_hops) {
    ++counters_.dropped_hops;
    return drop(now, in, "hop count " + std::to_string(hops) + " at the limit");
  }
  wire::Ipv4Address giaddr{wire::load_be32(in.payload.data() + giaddr_offset)};
  if (giaddr.is_any()) giaddr = interface.address.address;
  // The client's bytes as they are, but for hops and giaddr.
  std::vector<std::uint8_t> payload(in.payload.begin(), in.payload.end());
  wire::MutableBytes header = wire::MutableBytes(payload).first(fixed_header_size);
  header[hops_offset] = static_cast<std::uint8_t>(hops + 1);
  wire::store_be32(header.subspan(giaddr_offset, 4).data(), giaddr.to_u32());
  const auto type = type_of(payload);
  for (const auto& helper : interface.helper_addresses) {
    OutgoingDatagram out;
    out.destination = {helper, server_port};
    out.source_port = server_port;
    out.payload = payload;
    transmits_.push_back(std::move(out));
    ++counters_.requests_forwarded;
    RelayEvent event;
    event.kind = RelayEventKind::forwarded;
    event.time = now;
    event.message_type = type;
    event.mac = chaddr_mac(payload);
    event.giaddr = giaddr;
    event.server = helper;
    event.interface = in.interface;
    events_.push_back(std::move(event));
  }
}

void RelayAgent::deliver_reply(Time now, const Datagram& in) {
  const wire::Ipv4Address giaddr{wire::load_be32(in.payload.data() + giaddr_offset)};
  auto interface =
      std::find_if(config_.interfaces.begin(), config_.interfaces.end(),
                   [&](const RelayInterface& i) { return i.address.address == giaddr; });
  if (giaddr.is_any() || interface == config_.interfaces.end()) {
    ++counters_.dropped_unknown_giaddr;
    return drop(now, in, "reply for giaddr " + giaddr.to_string() + ", not one of ours");
  }
  const bool broadcast = (wire::load_be16(in.payload.data() + flags_offset) & broadcast_flag) != 0;
  const wire::Ipv4Address yiaddr{wire::load_be32(in.payload.data() + yiaddr_offset)};
  OutgoingDatagram out;
  out.source_port = server_port;
  out.interface = interface->index;
  // A NAK carries no yiaddr: only a broadcast can reach the client then.
  if (broadcast || yiaddr.is_any()) {
    out.destination = {wire::Ipv4Address::broadcast(), client_port};
    out.broadcast = true;
  } else {
    out.destination = {yiaddr, client_port};
    out.link_destination = chaddr_mac(in.payload);
  }
  out.payload.assign(in.payload.begin(), in.payload.end());
  transmits_.push_back(std::move(out));
  ++counters_.replies_delivered;
  RelayEvent event;
  event.kind = RelayEventKind::delivered;
  event.time = now;
  event.message_type = type_of(in.payload);
  event.mac = chaddr_mac(in.payload);
  event.giaddr = giaddr;
  event.server = in.source.address;
  event.interface = interface->index;
  event.broadcast = out.broadcast;
  events_.push_back(std::move(event));
}

std::optional<OutgoingDatagram> RelayAgent::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  OutgoingDatagram out = std::move(transmits_.front());
  transmits_.pop_front();
  return out;
}

std::optional<RelayEvent> RelayAgent::poll_event() {
  if (events_.empty()) return std::nullopt;
  RelayEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

}  // namespace voicelab::dhcp
