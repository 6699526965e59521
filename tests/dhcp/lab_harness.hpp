#pragma once
// A tiny virtual-time network for wiring sans-I/O engines back to back in tests.
//
// Nodes have interfaces on numbered segments (broadcast domains). A datagram an engine emits is
// delivered after a fixed latency: a broadcast to every other node on the sending interface's
// segment, a link-layer send (dhcp::OutgoingDatagram::link_destination) to the node with that
// MAC on the segment, a unicast to the node owning the destination address wherever it is
// (routers are implied). Only nodes listening on the destination port receive it. Events are
// processed in (time, order of scheduling); the run fails after a step limit so a livelock
// ends the test instead of hanging it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/dhcp/client.hpp"
#include "voicelab/dhcp/relay.hpp"
#include "voicelab/dhcp/server.hpp"
#include "voicelab/dns/resolver.hpp"
#include "voicelab/dns/responder.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::test {

using namespace std::chrono_literals;

struct Packet {
  wire::Ipv4Address source_address;
  std::uint16_t source_port = 0;
  wire::Ipv4Address destination_address;
  std::uint16_t destination_port = 0;
  std::optional<int> interface;  // sending interface (broadcast / link sends)
  bool broadcast = false;
  std::optional<wire::MacAddress> link_destination;
  std::vector<std::uint8_t> payload;
};

inline Packet from_dhcp(const dhcp::OutgoingDatagram& out) {
  return {{},
          out.source_port,
          out.destination.address,
          out.destination.port,
          out.interface,
          out.broadcast,
          out.link_destination,
          out.payload};
}
inline Packet from_dns(const dns::OutgoingDatagram& out) {
  return {{},
          out.source_port,
          out.destination.address,
          out.destination.port,
          out.interface,
          out.broadcast,
          std::nullopt,
          out.payload};
}
inline dhcp::Datagram to_dhcp(const Packet& p, int interface) {
  return {{p.source_address, p.source_port},
          {p.destination_address, p.destination_port},
          interface,
          p.payload};
}
inline dns::Datagram to_dns(const Packet& p, int interface) {
  return {{p.source_address, p.source_port},
          {p.destination_address, p.destination_port},
          interface,
          p.payload};
}

struct NodeInterface {
  int segment = 0;
  wire::Ipv4Address address;  // static address; 0.0.0.0 for a DHCP client's interface
  wire::MacAddress mac;
};

class Node {
 public:
  Node(std::string name, std::vector<NodeInterface> interfaces)
      : name_(std::move(name)), interfaces_(std::move(interfaces)) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual void deliver(Time now, const Packet& packet, int interface) = 0;
  virtual std::optional<Packet> poll() = 0;
  [[nodiscard]] virtual std::optional<Time> next_timeout() const = 0;
  virtual void timeout(Time now) = 0;
  [[nodiscard]] virtual bool listens(std::uint16_t port) const = 0;
  // Called after every step: drain events, react to them.
  virtual void after_step(Time now) { (void)now; }
  // The address an interface has now (a DHCP client's changes).
  [[nodiscard]] virtual wire::Ipv4Address address_of(int interface) const {
    return interfaces_.at(static_cast<std::size_t>(interface)).address;
  }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<NodeInterface>& interfaces() const { return interfaces_; }

 private:
  std::string name_;
  std::vector<NodeInterface> interfaces_;
};

struct Transmission {
  Time time{};
  std::string from;
  Packet packet;
};

class Harness {
 public:
  explicit Harness(Duration latency = 1ms) : latency_(latency) {}

  template <class N, class... Args>
  N& add(Args&&... args) {
    auto node = std::make_unique<N>(std::forward<Args>(args)...);
    N& ref = *node;
    nodes_.push_back(std::move(node));
    return ref;
  }

  [[nodiscard]] Time now() const { return now_; }
  [[nodiscard]] const std::vector<Transmission>& log() const { return log_; }

  // Drains what the nodes want to send right now (call after acting on an engine directly).
  void flush() {
    // A node reacting to its events (after_step) may queue more datagrams: repeat until quiet.
    for (bool sent = true; sent;) {
      sent = false;
      for (auto& node : nodes_) {
        node->after_step(now_);
        while (auto packet = node->poll()) {
          send(*node, std::move(*packet));
          sent = true;
        }
      }
    }
  }

  void run_until(Time end) {
    flush();
    for (int step = 0;; ++step) {
      REQUIRE(step < 1'000'000);
      std::optional<Time> next;
      if (!in_flight_.empty()) next = in_flight_.begin()->first.first;
      for (auto& node : nodes_) {
        auto t = node->next_timeout();
        if (t && (!next || *t < *next)) next = t;
      }
      if (!next || *next > end) break;
      now_ = std::max(now_, *next);
      if (!in_flight_.empty() && in_flight_.begin()->first.first <= now_) {
        auto delivery = std::move(in_flight_.begin()->second);
        in_flight_.erase(in_flight_.begin());
        delivery.node->deliver(now_, delivery.packet, delivery.interface);
      } else {
        for (auto& node : nodes_) {
          auto t = node->next_timeout();
          if (t && *t <= now_) node->timeout(now_);
        }
      }
      flush();
    }
    now_ = std::max(now_, end);
  }

 private:
  struct Delivery {
    Node* node = nullptr;
    int interface = 0;
    Packet packet;
  };

  void schedule(Node& node, int interface, const Packet& packet) {
    in_flight_.emplace(std::make_pair(now_ + latency_, sequence_++),
                       Delivery{&node, interface, packet});
  }

  void send(Node& from, Packet packet) {
    const int out_interface = packet.interface.value_or(0);
    if (packet.broadcast || packet.link_destination) {
      packet.source_address = from.address_of(out_interface);
    } else {
      // The first interface with an address (a host's routing choice is not modelled).
      for (int i = 0; i < static_cast<int>(from.interfaces().size()); ++i) {
        if (!from.address_of(i).is_any()) {
          packet.source_address = from.address_of(i);
          break;
        }
      }
    }
    log_.push_back({now_, from.name(), packet});
    const int segment = from.interfaces().at(static_cast<std::size_t>(out_interface)).segment;
    for (auto& node : nodes_) {
      if (!node->listens(packet.destination_port)) continue;
      for (int i = 0; i < static_cast<int>(node->interfaces().size()); ++i) {
        const auto& interface = node->interfaces()[static_cast<std::size_t>(i)];
        bool reaches = false;
        if (packet.broadcast) {
          reaches = node.get() != &from && interface.segment == segment;
        } else if (packet.link_destination) {
          reaches = interface.segment == segment && interface.mac == *packet.link_destination;
        } else {
          reaches = node->address_of(i) == packet.destination_address;
        }
        if (reaches) {
          schedule(*node, i, packet);
          break;
        }
      }
    }
  }

  Duration latency_;
  Time now_{};
  std::uint64_t sequence_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::pair<Time, std::uint64_t>, Delivery> in_flight_;
  std::vector<Transmission> log_;
};

// --- nodes wrapping the engines ----------------------------------------------------------------

class ServerNode final : public Node {
 public:
  ServerNode(std::string name, std::vector<NodeInterface> interfaces, dhcp::ServerConfig config)
      : Node(std::move(name), std::move(interfaces)), server(std::move(config)) {}
  void deliver(Time now, const Packet& p, int i) override {
    server.handle_datagram(now, to_dhcp(p, i));
  }
  std::optional<Packet> poll() override {
    auto out = server.poll_transmit();
    if (!out) return std::nullopt;
    return from_dhcp(*out);
  }
  [[nodiscard]] std::optional<Time> next_timeout() const override { return server.next_timeout(); }
  void timeout(Time now) override { server.handle_timeout(now); }
  [[nodiscard]] bool listens(std::uint16_t port) const override {
    return port == dhcp::server_port;
  }
  void after_step(Time now) override {
    (void)now;
    while (auto e = server.poll_event()) events.push_back(std::move(*e));
  }
  [[nodiscard]] std::vector<dhcp::ServerEvent> of_kind(dhcp::ServerEventKind kind) const {
    std::vector<dhcp::ServerEvent> result;
    for (const auto& e : events) {
      if (e.kind == kind) result.push_back(e);
    }
    return result;
  }

  dhcp::Server server;
  std::vector<dhcp::ServerEvent> events;
};

class RelayNode final : public Node {
 public:
  RelayNode(std::string name, std::vector<NodeInterface> interfaces, dhcp::RelayConfig config)
      : Node(std::move(name), std::move(interfaces)), relay(std::move(config)) {}
  void deliver(Time now, const Packet& p, int i) override {
    relay.handle_datagram(now, to_dhcp(p, i));
  }
  std::optional<Packet> poll() override {
    auto out = relay.poll_transmit();
    if (!out) return std::nullopt;
    return from_dhcp(*out);
  }
  [[nodiscard]] std::optional<Time> next_timeout() const override { return relay.next_timeout(); }
  void timeout(Time now) override { relay.handle_timeout(now); }
  [[nodiscard]] bool listens(std::uint16_t port) const override {
    return port == dhcp::server_port;
  }
  void after_step(Time now) override {
    (void)now;
    while (auto e = relay.poll_event()) events.push_back(std::move(*e));
  }

  dhcp::RelayAgent relay;
  std::vector<dhcp::RelayEvent> events;
};

class DnsNode final : public Node {
 public:
  DnsNode(std::string name, std::vector<NodeInterface> interfaces, dns::ResponderConfig config)
      : Node(std::move(name), std::move(interfaces)), responder(std::move(config)) {}
  void deliver(Time now, const Packet& p, int i) override {
    responder.handle_datagram(now, to_dns(p, i));
  }
  std::optional<Packet> poll() override {
    auto out = responder.poll_transmit();
    if (!out) return std::nullopt;
    return from_dns(*out);
  }
  [[nodiscard]] std::optional<Time> next_timeout() const override {
    return responder.next_timeout();
  }
  void timeout(Time now) override { responder.handle_timeout(now); }
  [[nodiscard]] bool listens(std::uint16_t port) const override { return port == dns::port; }
  void after_step(Time now) override {
    (void)now;
    while (auto e = responder.poll_event()) events.push_back(std::move(*e));
  }

  dns::Responder responder;
  std::vector<dns::ResponderEvent> events;
};

// A phone's network start-up: the DHCP client, and the DNS resolver it uses when option 66
// names its TFTP server by host name — the composition the phone role will do.
class PhoneNode final : public Node {
 public:
  PhoneNode(std::string name, int segment, dhcp::ClientConfig config, std::uint64_t seed)
      : Node(std::move(name), {NodeInterface{segment, {}, config.mac}}),
        random_(seed),
        client(std::move(config), random_),
        resolver(dns::ResolverConfig{}, random_) {}

  void deliver(Time now, const Packet& p, int i) override {
    if (p.destination_port == dhcp::client_port) {
      client.handle_datagram(now, to_dhcp(p, i));
    } else if (p.destination_port == resolver.local_port()) {
      resolver.handle_datagram(now, to_dns(p, i));
    }
  }
  std::optional<Packet> poll() override {
    if (auto out = client.poll_transmit()) return from_dhcp(*out);
    if (auto out = resolver.poll_transmit()) return from_dns(*out);
    return std::nullopt;
  }
  [[nodiscard]] std::optional<Time> next_timeout() const override {
    auto a = client.next_timeout();
    auto b = resolver.next_timeout();
    if (a && b) return std::min(*a, *b);
    return a ? a : b;
  }
  void timeout(Time now) override {
    if (auto t = client.next_timeout(); t && *t <= now) client.handle_timeout(now);
    if (auto t = resolver.next_timeout(); t && *t <= now) resolver.handle_timeout(now);
  }
  [[nodiscard]] bool listens(std::uint16_t port) const override {
    return port == dhcp::client_port || port == resolver.local_port();
  }
  [[nodiscard]] wire::Ipv4Address address_of(int interface) const override {
    (void)interface;
    return client.lease() ? client.lease()->address : wire::Ipv4Address{};
  }
  void after_step(Time now) override {
    bool again = true;
    while (again) {
      again = false;
      while (auto e = client.poll_event()) {
        if (e->kind == dhcp::ClientEventKind::tftp_name_pending && client.lease()) {
          resolver.set_servers(now, client.lease()->dns_servers);
          lookup_ = resolver.resolve(now, e->tftp.name);
          again = true;
        }
        events.push_back(std::move(*e));
      }
      while (auto e = resolver.poll_event()) {
        if (e->kind == dns::ResolverEventKind::completed && e->result && lookup_ &&
            e->query == *lookup_) {
          std::optional<wire::Ipv4Address> address;
          if (!e->result->addresses.empty()) address = e->result->addresses.front();
          client.resolve_tftp_name(now, address);
          lookup_.reset();
          again = true;
        }
        dns_events.push_back(std::move(*e));
      }
    }
  }

  [[nodiscard]] std::vector<dhcp::ClientEvent> of_kind(dhcp::ClientEventKind kind) const {
    std::vector<dhcp::ClientEvent> result;
    for (const auto& e : events) {
      if (e.kind == kind) result.push_back(e);
    }
    return result;
  }
  // The final TFTP choice reported, if any.
  [[nodiscard]] std::optional<dhcp::TftpChoice> tftp_choice() const {
    std::optional<dhcp::TftpChoice> choice;
    for (const auto& e : events) {
      if (e.kind == dhcp::ClientEventKind::tftp_servers_chosen) choice = e.tftp;
    }
    return choice;
  }

 private:
  Random random_;

 public:
  dhcp::Client client;
  dns::Resolver resolver;
  std::vector<dhcp::ClientEvent> events;
  std::vector<dns::ResolverEvent> dns_events;

 private:
  std::optional<dns::QueryId> lookup_;
};

// The DHCP message type of a logged packet, if it decodes.
inline std::optional<dhcp::MessageType> dhcp_type(const Packet& p) {
  auto m = dhcp::decode_message(p.payload);
  if (!m) return std::nullopt;
  return m->type();
}

}  // namespace voicelab::test
