#pragma once
// Helpers for the host stack tests: a lab of hosts behind a SwitchFabric, a frame recorder
// (Host::set_trace) with decoding, and a raw peer that crafts TCP segments by hand.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/netsim/switch_fabric.hpp"
#include "voicelab/wire/arp.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/tcp.hpp"
#include "voicelab/wire/udp.hpp"

namespace voicelab::netsim::test {

inline wire::Ipv4Address ip(std::string_view text) { return *wire::Ipv4Address::parse(text); }
inline wire::Ipv4Prefix prefix(std::string_view text) { return *wire::Ipv4Prefix::parse(text); }
inline wire::MacAddress mac(std::uint64_t value) { return wire::MacAddress::from_u64(value); }

inline std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}
inline std::string string_of(wire::Bytes bytes) { return {bytes.begin(), bytes.end()}; }

// Deterministic, position-dependent content so reordering or duplication would show.
inline std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t salt = 0) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = 0x12345678U ^ salt;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1664525U + 1013904223U;
    v[i] = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

// One decoded frame as seen by a host's trace.
struct Seen {
  Time at;
  bool tx = false;
  std::vector<std::uint8_t> bytes;

  [[nodiscard]] std::optional<wire::EthernetFrame> eth() const {
    auto e = wire::decode_ethernet(bytes);
    if (!e) return std::nullopt;
    return *e;
  }
  [[nodiscard]] std::optional<wire::ArpPacket> arp() const {
    auto e = eth();
    if (!e || e->header.type_or_length != wire::ethertype::arp) return std::nullopt;
    auto a = wire::decode_arp(e->payload);
    if (!a) return std::nullopt;
    return *a;
  }
  [[nodiscard]] std::optional<wire::Ipv4Packet> ipv4() const {
    auto e = eth();
    if (!e || e->header.type_or_length != wire::ethertype::ipv4) return std::nullopt;
    auto p = wire::decode_ipv4(e->payload);
    if (!p) return std::nullopt;
    return *p;
  }
  [[nodiscard]] std::optional<wire::TcpSegment> tcp() const {
    auto p = ipv4();
    if (!p || p->header.protocol != wire::ip_protocol::tcp) return std::nullopt;
    auto t = wire::decode_tcp(p->payload, p->header.src, p->header.dst);
    if (!t) return std::nullopt;
    return *t;
  }
  [[nodiscard]] std::optional<wire::UdpDatagram> udp() const {
    auto p = ipv4();
    if (!p || p->header.protocol != wire::ip_protocol::udp) return std::nullopt;
    auto u = wire::decode_udp(p->payload, p->header.src, p->header.dst);
    if (!u) return std::nullopt;
    return *u;
  }
};

// Records every frame a host sends and receives. Note: the decoded views returned by Seen point
// into Seen::bytes, so keep the Seen alive while using them.
class Recorder {
 public:
  Recorder(Simulation& sim, Host& host) : sim_(sim) {
    host.set_trace([this](bool tx, std::size_t, wire::Bytes frame) {
      frames.push_back({sim_.now(), tx, {frame.begin(), frame.end()}});
    });
  }
  std::vector<Seen> frames;

  template <class Pred>
  [[nodiscard]] std::vector<const Seen*> select(Pred pred) const {
    std::vector<const Seen*> out;
    for (const auto& f : frames) {
      if (pred(f)) out.push_back(&f);
    }
    return out;
  }
  // Transmitted TCP segments with exactly these flags set among SYN/FIN/RST/ACK.
  [[nodiscard]] std::vector<const Seen*> tcp_tx(std::uint8_t flags, std::uint8_t mask) const {
    return select([&](const Seen& f) {
      if (!f.tx) return false;
      auto t = f.tcp();
      return t && (t->header.flags & mask) == flags;
    });
  }

 private:
  Simulation& sim_;
};

// A switch with N ports and hosts on it (each host one port, one untagged interface).
struct SwitchedLab {
  explicit SwitchedLab(std::uint64_t seed, std::size_t ports = 8)
      : sim(seed), sw(sim, "sw1", ports) {}

  Simulation sim;
  SwitchFabric sw;
  std::vector<std::unique_ptr<Host>> hosts;
  std::vector<Link*> links;  // links[i]: host i (end 0) <-> switch port i (end 1)

  Host& add_host(const std::string& name, std::optional<wire::Ipv4Prefix> address,
                 HostConfig config = {}, LinkParams params = {.latency = 1ms, .bandwidth_bps = 0},
                 std::optional<wire::Ipv4Address> gateway = {}) {
    const std::size_t i = hosts.size();
    hosts.push_back(std::make_unique<Host>(sim, name, config));
    Host& h = *hosts.back();
    h.add_port(mac(0x020000000001ULL + i));
    h.add_interface(0, std::nullopt, address);
    h.set_default_gateway(gateway);
    links.push_back(&sim.connect(h.port(0), sw.port(i), params));
    return h;
  }
};

// A hand-driven TCP/IP endpoint on a bare port: answers ARP, records everything, sends crafted
// segments. For sequence-level tests (reordering, duplicates, RST fields).
class RawPeer : public Port {
 public:
  RawPeer(Simulation& sim, wire::MacAddress mac, wire::Ipv4Address address)
      : Port("raw"), sim_(sim), mac_(mac), ip_(address) {}

  void on_frame(const FrameRef& frame) override {
    Seen s{sim_.now(), false, {frame.bytes().begin(), frame.bytes().end()}};
    if (auto e = s.eth()) peer_mac = e->header.src;
    if (auto a = s.arp(); a && a->operation == wire::arp_op::request && a->target_ip == ip_) {
      std::vector<std::uint8_t> out(60, 0);
      wire::EthernetHeader eh{a->sender_mac, mac_, std::nullopt, wire::ethertype::arp};
      (void)wire::encode_ethernet_header(out, eh);
      wire::ArpPacket r{wire::arp_op::reply, mac_, ip_, a->sender_mac, a->sender_ip};
      (void)wire::encode_arp(wire::MutableBytes{out}.subspan(14), r);
      transmit(sim_.frames().copy_of(out));
      return;
    }
    received.push_back(std::move(s));
  }

  void send_tcp(wire::Ipv4Address dst, const wire::TcpHeader& h, wire::Bytes payload = {}) {
    std::vector<std::uint8_t> out(14 + 20 + h.size() + payload.size(), 0);
    auto n = wire::encode_tcp(wire::MutableBytes{out}.subspan(34), ip_, dst, h, payload);
    wire::Ipv4Header ih;
    ih.protocol = wire::ip_protocol::tcp;
    ih.src = ip_;
    ih.dst = dst;
    (void)wire::encode_ipv4_header(wire::MutableBytes{out}.subspan(14), ih, *n);
    wire::EthernetHeader eh{peer_mac, mac_, std::nullopt, wire::ethertype::ipv4};
    (void)wire::encode_ethernet_header(out, eh);
    if (out.size() < 60) out.resize(60, 0);
    transmit(sim_.frames().copy_of(out));
  }

  // TCP segments received so far (decoded views into `received`).
  [[nodiscard]] std::vector<wire::TcpSegment> tcp() const {
    std::vector<wire::TcpSegment> out;
    for (const auto& s : received) {
      if (auto t = s.tcp()) out.push_back(*t);
    }
    return out;
  }

  std::vector<Seen> received;
  wire::MacAddress peer_mac = wire::MacAddress::broadcast();

 private:
  Simulation& sim_;
  wire::MacAddress mac_;
  wire::Ipv4Address ip_;
};

}  // namespace voicelab::netsim::test
