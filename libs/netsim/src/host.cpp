// Host: ports, interfaces, ARP, IPv4 (receive, send, forwarding) and UDP. TCP is in host_tcp.cpp.

#include "voicelab/netsim/host.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "host_internal.hpp"
#include "voicelab/wire/arp.hpp"
#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/udp.hpp"

namespace voicelab::netsim {

namespace {

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char ch : text) {
    h ^= static_cast<std::uint8_t>(ch);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::error_code make_error(std::errc e) { return std::make_error_code(e); }

void write_mac(FrameRef& frame, wire::MacAddress mac) {
  std::memcpy(frame.storage().data(), mac.octets().data(), 6);
}

}  // namespace

namespace detail {

// ---------------------------------------------------------------------------------------------
// ByteRing

void ByteRing::push(wire::Bytes data) {
  if (data.empty()) return;
  if (size_ + data.size() > buffer_.size()) {
    std::size_t capacity = std::max<std::size_t>(buffer_.size(), 1024);
    while (capacity < size_ + data.size()) capacity *= 2;
    std::vector<std::uint8_t> grown(capacity);
    auto [a, b] = view(0, size_);
    if (!a.empty()) std::memcpy(grown.data(), a.data(), a.size());
    if (!b.empty()) std::memcpy(grown.data() + a.size(), b.data(), b.size());
    buffer_ = std::move(grown);
    head_ = 0;
  }
  const std::size_t cap = buffer_.size();
  const std::size_t tail = (head_ + size_) & (cap - 1);
  const std::size_t first = std::min(data.size(), cap - tail);
  std::memcpy(buffer_.data() + tail, data.data(), first);
  if (first < data.size()) std::memcpy(buffer_.data(), data.data() + first, data.size() - first);
  size_ += data.size();
}

void ByteRing::pop(std::size_t n) {
  n = std::min(n, size_);
  if (n == 0) return;
  head_ = (head_ + n) & (buffer_.size() - 1);
  size_ -= n;
  if (size_ == 0) head_ = 0;
}

std::pair<wire::Bytes, wire::Bytes> ByteRing::view(std::size_t offset, std::size_t n) const {
  if (n == 0 || offset >= size_) return {};
  n = std::min(n, size_ - offset);
  const std::size_t cap = buffer_.size();
  const std::size_t start = (head_ + offset) & (cap - 1);
  const std::size_t first = std::min(n, cap - start);
  wire::Bytes a{buffer_.data() + start, first};
  wire::Bytes b{buffer_.data(), n - first};
  return {a, b};
}

// ---------------------------------------------------------------------------------------------
// Ports

void HostPort::on_frame(const FrameRef& frame) { host_.receive(index_, frame); }
void HostPort::on_carrier(bool up) { host_.carrier(index_, up); }

// ---------------------------------------------------------------------------------------------
// HostImpl: life cycle

HostImpl::HostImpl(Simulation& sim, std::string name, HostConfig config)
    : sim_(sim),
      name_(std::move(name)),
      config_(config),
      random_(sim.random().fork(fnv1a64(name_))) {
  udp_next_ephemeral_ = static_cast<std::uint16_t>(49152 + random_.below(16384));
  tcp_next_ephemeral_ = static_cast<std::uint16_t>(49152 + random_.below(16384));
}

HostImpl::~HostImpl() {
  auto& sched = sim_.scheduler();
  for (auto& [key, entry] : arp_) sched.cancel(entry.timer);
  for (auto& c : conns_) {
    if (!c) continue;
    sched.cancel(c->rtx_timer);
    sched.cancel(c->state_timer);
  }
  sched.cancel(flush_event_);
}

void HostImpl::collect() {
  garbage_ = false;
  for (auto slot : udp_dead_) {
    udp_[slot].reset();
    udp_free_.push_back(slot);
  }
  udp_dead_.clear();
  for (auto slot : listener_dead_) {
    listeners_[slot].reset();
    listener_free_.push_back(slot);
  }
  listener_dead_.clear();
  for (auto slot : conn_dead_) {
    conns_[slot].reset();
    conn_free_.push_back(slot);
  }
  conn_dead_.clear();
  old_udp_handlers_.clear();
  old_tcp_handlers_.clear();
}

void HostImpl::set_up(bool up) {
  if (up == up_) return;
  up_ = up;
  if (!up) {
    // A power cut: nothing goes on the wire, every object vanishes.
    tcp_clear();
    for (auto& s : udp_) {
      if (s && s->open) udp_close(*s);
    }
    for (auto& l : listeners_) {
      if (l && l->open) listener_close(*l);
    }
    arp_clear();
  }
  maybe_collect();
}

void HostImpl::check_interface(InterfaceId id) const {
  if (id >= interfaces_.size()) throw std::invalid_argument("netsim::Host: no such interface");
}

// ---------------------------------------------------------------------------------------------
// L2

void HostImpl::receive(std::size_t port, const FrameRef& frame) {
  if (!up_) {
    ++counters_.drop_down;
    return;
  }
  Guard guard(*this);
  ++counters_.frames_in;
  if (trace_) trace_(false, port, frame.bytes());
  auto eth = wire::decode_ethernet(frame.bytes());
  if (!eth) {
    ++counters_.drop_bad_frame;
    return;
  }
  const auto& h = eth->header;
  const bool broadcast = h.dst.is_broadcast();
  const bool for_us = broadcast || h.dst == ports_[port]->mac();
  const auto iface = find_interface(port, h.vlan ? h.vlan->vid : 0);
  if (for_us && iface && !h.is_8023_length()) {
    if (h.type_or_length == wire::ethertype::ipv4) {
      receive_ipv4(*iface, frame, eth->payload, broadcast);
      return;
    }
    if (h.type_or_length == wire::ethertype::arp) {
      receive_arp(*iface, eth->payload);
      return;
    }
  }
  if (l2_handler_) {
    ++counters_.l2_delivered;
    l2_handler_(port, frame);
    return;
  }
  if (!for_us) {
    ++counters_.drop_not_our_mac;
  } else if (!iface) {
    ++counters_.drop_no_interface;
  } else {
    ++counters_.drop_unknown_type;
  }
}

void HostImpl::carrier(std::size_t port, bool up) {
  Guard guard(*this);
  if (!up) {
    for (InterfaceId id = 0; id < interfaces_.size(); ++id) {
      if (interfaces_[id].port == port) flush_arp_interface(id);
    }
  }
  if (up_ && carrier_handler_) carrier_handler_(port, up);
}

void HostImpl::transmit(std::size_t port, FrameRef frame) {
  ++counters_.frames_out;
  if (trace_) trace_(true, port, frame.bytes());
  ports_[port]->transmit(std::move(frame));
}

std::optional<InterfaceId> HostImpl::find_interface(std::size_t port, std::uint16_t vid) const {
  for (InterfaceId id = 0; id < interfaces_.size(); ++id) {
    if (interfaces_[id].port == port && interfaces_[id].vid() == vid) return id;
  }
  return std::nullopt;
}

std::size_t HostImpl::l2_header_size(InterfaceId id) const {
  return wire::ethernet_header_size + (interfaces_[id].vlan ? wire::vlan_tag_size : 0);
}

// ---------------------------------------------------------------------------------------------
// IPv4

bool HostImpl::is_own_address(wire::Ipv4Address ip) const {
  return std::any_of(interfaces_.begin(), interfaces_.end(),
                     [ip](const Interface& i) { return i.address && i.address->address == ip; });
}

namespace {
bool is_directed_broadcast(const Interface& i, wire::Ipv4Address dst) {
  return i.address && i.address->length < 31 && dst == i.address->broadcast();
}
}  // namespace

std::optional<Route> HostImpl::route(wire::Ipv4Address dst,
                                     std::optional<InterfaceId> forced) const {
  if (forced) {
    if (*forced >= interfaces_.size()) return std::nullopt;
    const Interface& i = interfaces_[*forced];
    Route r{*forced, dst, false, i.ip()};
    if (dst.is_broadcast() || is_directed_broadcast(i, dst)) {
      r.broadcast = true;
    } else if (i.address && !i.address->contains(dst) && gateway_ &&
               i.address->contains(*gateway_)) {
      r.next_hop = *gateway_;
    }
    return r;
  }
  if (dst.is_broadcast()) {
    if (interfaces_.size() != 1) return std::nullopt;  // ambiguous: say which interface
    return Route{0, dst, true, interfaces_[0].ip()};
  }
  // Longest matching connected prefix; ties go to the lowest interface id.
  std::optional<InterfaceId> best;
  for (InterfaceId id = 0; id < interfaces_.size(); ++id) {
    const auto& a = interfaces_[id].address;
    if (!a || !a->contains(dst)) continue;
    if (!best || a->length > interfaces_[*best].address->length) best = id;
  }
  if (best) {
    const Interface& i = interfaces_[*best];
    return Route{*best, dst, is_directed_broadcast(i, dst), i.ip()};
  }
  if (gateway_) {
    for (InterfaceId id = 0; id < interfaces_.size(); ++id) {
      const auto& a = interfaces_[id].address;
      if (!a || !a->contains(*gateway_)) continue;
      if (!best || a->length > interfaces_[*best].address->length) best = id;
    }
    if (best) return Route{*best, *gateway_, false, interfaces_[*best].ip()};
  }
  return std::nullopt;
}

void HostImpl::send_ipv4(FrameRef frame, const Route& r, wire::Ipv4Address src,
                         wire::Ipv4Address dst, std::uint8_t protocol, std::uint8_t dscp,
                         bool dont_fragment, std::size_t transport_length,
                         std::optional<wire::MacAddress> next_hop_mac) {
  const Interface& iface = interfaces_[r.interface];
  const std::size_t l2 = l2_header_size(r.interface);
  auto storage = frame.storage();
  wire::Ipv4Header ip;
  ip.dscp = dscp;
  ip.identification = ip_id_++;
  ip.dont_fragment = dont_fragment;
  ip.ttl = config_.ttl;
  ip.protocol = protocol;
  ip.src = src;
  ip.dst = dst;
  if (!wire::encode_ipv4_header(storage.subspan(l2), ip, transport_length)) return;
  wire::EthernetHeader eh;
  eh.src = ports_[iface.port]->mac();
  eh.vlan = iface.vlan;
  eh.type_or_length = wire::ethertype::ipv4;
  if (!wire::encode_ethernet_header(storage, eh)) return;
  ++counters_.ip_out;
  deliver_frame(std::move(frame), l2 + wire::Ipv4Header::min_size + transport_length, r,
                next_hop_mac);
}

void HostImpl::deliver_frame(FrameRef frame, std::size_t length, const Route& r,
                             std::optional<wire::MacAddress> next_hop_mac) {
  frame.resize(wire::pad_ethernet_frame(frame.storage(), length));
  const std::size_t port = interfaces_[r.interface].port;
  if (r.broadcast) {
    write_mac(frame, wire::MacAddress::broadcast());
    transmit(port, std::move(frame));
  } else if (next_hop_mac) {
    write_mac(frame, *next_hop_mac);
    transmit(port, std::move(frame));
  } else {
    arp_output(r.interface, r.next_hop, std::move(frame));
  }
}

void HostImpl::receive_ipv4(InterfaceId iface, const FrameRef& /*frame*/, wire::Bytes packet,
                            bool l2_broadcast) {
  auto decoded = wire::decode_ipv4(packet, true);
  if (!decoded) {
    ++counters_.drop_ip_bad;
    return;
  }
  ++counters_.ip_in;
  const wire::Ipv4Packet& p = *decoded;
  if (p.header.is_fragment()) {
    ++counters_.drop_ip_fragment;
    return;
  }
  const Interface& in = interfaces_[iface];
  const wire::Ipv4Address dst = p.header.dst;
  // An unconfigured interface (a DHCP client) takes whatever reaches its MAC or a broadcast.
  const bool local =
      !in.address || dst.is_broadcast() || is_own_address(dst) || is_directed_broadcast(in, dst);
  if (!local) {
    if (forwarding_ && !l2_broadcast) {
      const std::size_t raw =
          wire::Ipv4Header::min_size + p.header.options.size() + p.payload.size();
      forward_ipv4(p, packet.first(raw));
    } else {
      ++counters_.drop_ip_not_for_us;
    }
    return;
  }
  switch (p.header.protocol) {
    case wire::ip_protocol::udp:
      receive_udp(iface, p);
      return;
    case wire::ip_protocol::tcp:
      if (dst.is_broadcast() || is_directed_broadcast(in, dst)) {
        ++counters_.drop_tcp_bad;
        return;
      }
      receive_tcp(iface, p);
      return;
    default:
      ++counters_.drop_unknown_protocol;
      return;
  }
}

void HostImpl::forward_ipv4(const wire::Ipv4Packet& p, wire::Bytes raw) {
  const auto& h = p.header;
  if (h.dst.is_broadcast() || h.dst.is_multicast() || h.dst.is_any() || h.src.is_any() ||
      h.src.is_broadcast()) {
    ++counters_.drop_ip_not_for_us;
    return;
  }
  if (h.ttl <= 1) {
    ++counters_.drop_ttl_expired;  // no ICMP time exceeded: a silent drop
    return;
  }
  auto r = route(h.dst, std::nullopt);
  if (!r) {
    ++counters_.drop_no_route;
    return;
  }
  if (r->broadcast) {  // "no ip directed-broadcast", as Cisco routers default to
    ++counters_.drop_ip_not_for_us;
    return;
  }
  const std::size_t l2 = l2_header_size(r->interface);
  if (raw.size() > interfaces_[r->interface].mtu || l2 + raw.size() > frame_capacity) {
    ++counters_.drop_too_big;
    return;
  }
  FrameRef frame = sim_.frames().allocate();
  auto storage = frame.storage();
  std::memcpy(storage.data() + l2, raw.data(), raw.size());
  std::uint8_t* ip = storage.data() + l2;
  const std::size_t header_length = wire::Ipv4Header::min_size + h.options.size();
  ip[8] = static_cast<std::uint8_t>(h.ttl - 1);
  ip[10] = 0;
  ip[11] = 0;
  wire::store_be16(ip + 10, wire::internet_checksum(wire::Bytes{ip, header_length}));
  const Interface& out = interfaces_[r->interface];
  wire::EthernetHeader eh;
  eh.src = ports_[out.port]->mac();
  eh.vlan = out.vlan;
  eh.type_or_length = wire::ethertype::ipv4;
  if (!wire::encode_ethernet_header(storage, eh)) return;
  ++counters_.ip_forwarded;
  deliver_frame(std::move(frame), l2 + raw.size(), *r, std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// ARP (RFC 826)

void HostImpl::receive_arp(InterfaceId iface, wire::Bytes payload) {
  auto decoded = wire::decode_arp(payload);
  if (!decoded) {
    ++counters_.drop_arp_bad;
    return;
  }
  const wire::ArpPacket& a = *decoded;
  if (a.operation == wire::arp_op::request) {
    ++counters_.arp_requests_in;
  } else if (a.operation == wire::arp_op::reply) {
    ++counters_.arp_replies_in;
  } else {
    ++counters_.drop_arp_bad;
    return;
  }
  // Merge: refresh an entry we already have for the sender, whoever the packet is for.
  bool merged = false;
  if (!a.sender_ip.is_any() && !a.sender_mac.is_multicast()) {
    auto it = arp_.find(arp_key(iface, a.sender_ip));
    if (it != arp_.end()) {
      arp_resolved(it->first, it->second, a.sender_mac);
      merged = true;
    }
  }
  const Interface& in = interfaces_[iface];
  if (!in.address || a.target_ip != in.address->address) return;
  if (!merged && !a.sender_ip.is_any() && !a.sender_mac.is_multicast()) {
    ArpEntry& e = arp_[arp_key(iface, a.sender_ip)];
    e.state = ArpEntry::State::reachable;
    e.mac = a.sender_mac;
    e.expires = sim_.now() + config_.arp.cache_timeout;
  }
  if (a.operation == wire::arp_op::request) {
    arp_send(iface, wire::arp_op::reply, a.sender_mac, a.sender_mac, a.sender_ip);
  }
}

void HostImpl::arp_send(InterfaceId iface, std::uint16_t op, wire::MacAddress dst_mac,
                        wire::MacAddress target_mac, wire::Ipv4Address target_ip) {
  const Interface& i = interfaces_[iface];
  const std::size_t l2 = l2_header_size(iface);
  FrameRef frame = sim_.frames().allocate();
  auto storage = frame.storage();
  wire::EthernetHeader eh;
  eh.dst = dst_mac;
  eh.src = ports_[i.port]->mac();
  eh.vlan = i.vlan;
  eh.type_or_length = wire::ethertype::arp;
  if (!wire::encode_ethernet_header(storage, eh)) return;
  wire::ArpPacket a;
  a.operation = op;
  a.sender_mac = eh.src;
  a.sender_ip = i.ip();
  a.target_mac = target_mac;
  a.target_ip = target_ip;
  if (!wire::encode_arp(storage.subspan(l2), a)) return;
  frame.resize(wire::pad_ethernet_frame(storage, l2 + wire::ArpPacket::size));
  if (op == wire::arp_op::request) {
    ++counters_.arp_requests_out;
  } else {
    ++counters_.arp_replies_out;
  }
  transmit(i.port, std::move(frame));
}

void HostImpl::arp_output(InterfaceId iface, wire::Ipv4Address next_hop, FrameRef frame) {
  const std::uint64_t key = arp_key(iface, next_hop);
  auto [it, inserted] = arp_.try_emplace(key);
  ArpEntry& e = it->second;
  const std::size_t port = interfaces_[iface].port;
  switch (e.state) {
    case ArpEntry::State::reachable:
      if (sim_.now() >= e.expires) {
        // Stale: keep using the address while a unicast probe confirms it.
        e.state = ArpEntry::State::probing;
        e.requests = 1;
        arp_send(iface, wire::arp_op::request, e.mac, wire::MacAddress{}, next_hop);
        arp_arm(key, e);
      }
      [[fallthrough]];
    case ArpEntry::State::probing:
      write_mac(frame, e.mac);
      transmit(port, std::move(frame));
      return;
    case ArpEntry::State::incomplete:
      break;
  }
  if (inserted) e.pending.reserve(config_.arp.max_pending);
  if (config_.arp.max_pending == 0) {
    ++counters_.drop_arp_queue_full;
  } else {
    if (e.pending.size() >= config_.arp.max_pending) {
      e.pending.erase(e.pending.begin());
      ++counters_.drop_arp_queue_full;
    }
    e.pending.push_back(std::move(frame));
  }
  if (inserted) {
    e.requests = 1;
    arp_send(iface, wire::arp_op::request, wire::MacAddress::broadcast(), wire::MacAddress{},
             next_hop);
    arp_arm(key, e);
  }
}

void HostImpl::arp_arm(std::uint64_t key, ArpEntry& e) {
  sim_.scheduler().cancel(e.timer);
  e.timer = sim_.scheduler().after(config_.arp.retry_interval, [this, key] { arp_timer(key); });
}

void HostImpl::arp_timer(std::uint64_t key) {
  Guard guard(*this);
  auto it = arp_.find(key);
  if (it == arp_.end()) return;
  ArpEntry& e = it->second;
  e.timer = EventId{};
  if (e.state == ArpEntry::State::reachable) return;
  const auto iface = static_cast<InterfaceId>(key >> 32);
  const wire::Ipv4Address ip{static_cast<std::uint32_t>(key)};
  if (e.requests >= config_.arp.max_requests) {
    counters_.drop_arp_failed += e.pending.size();
    arp_.erase(it);
    return;
  }
  ++e.requests;
  const bool probing = e.state == ArpEntry::State::probing;
  arp_send(iface, wire::arp_op::request, probing ? e.mac : wire::MacAddress::broadcast(),
           wire::MacAddress{}, ip);
  arp_arm(key, e);
}

void HostImpl::arp_resolved(std::uint64_t key, ArpEntry& e, wire::MacAddress mac) {
  sim_.scheduler().cancel(e.timer);
  e.timer = EventId{};
  e.state = ArpEntry::State::reachable;
  e.mac = mac;
  e.expires = sim_.now() + config_.arp.cache_timeout;
  e.requests = 0;
  if (e.pending.empty()) return;
  const std::size_t port = interfaces_[static_cast<InterfaceId>(key >> 32)].port;
  for (auto& frame : e.pending) {
    write_mac(frame, mac);
    transmit(port, std::move(frame));
  }
  e.pending.clear();
}

void HostImpl::arp_clear() {
  for (auto& [key, e] : arp_) sim_.scheduler().cancel(e.timer);
  arp_.clear();
}

void HostImpl::flush_arp_interface(InterfaceId id) {
  for (auto it = arp_.begin(); it != arp_.end();) {
    if ((it->first >> 32) == id) {
      sim_.scheduler().cancel(it->second.timer);
      it = arp_.erase(it);
    } else {
      ++it;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// UDP

UdpSock* HostImpl::udp_get(std::uint32_t slot, std::uint64_t id) const {
  if (slot >= udp_.size() || !udp_[slot]) return nullptr;
  UdpSock* s = udp_[slot].get();
  return s->id == id && s->open ? s : nullptr;
}

wire::Result<UdpSocket> HostImpl::udp_bind(std::uint16_t port, UdpReceiveHandler handler,
                                           wire::Ipv4Address local) {
  if (!up_) return make_error(std::errc::network_down);
  auto conflicts = [this, local](std::uint16_t p) {
    auto it = udp_ports_.find(p);
    if (it == udp_ports_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](std::uint32_t slot) {
      const auto& s = *udp_[slot];
      return s.local.is_any() || local.is_any() || s.local == local;
    });
  };
  if (port == 0) {
    for (int i = 0; i < 16384 && port == 0; ++i) {
      const std::uint16_t candidate = udp_next_ephemeral_;
      udp_next_ephemeral_ =
          candidate == 65535 ? std::uint16_t{49152} : static_cast<std::uint16_t>(candidate + 1);
      if (!conflicts(candidate)) port = candidate;
    }
    if (port == 0) return make_error(std::errc::address_in_use);
  } else if (conflicts(port)) {
    return make_error(std::errc::address_in_use);
  }
  std::uint32_t slot;
  if (!udp_free_.empty()) {
    slot = udp_free_.back();
    udp_free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(udp_.size());
    udp_.emplace_back();
  }
  auto sock = std::make_unique<UdpSock>();
  sock->id = next_id_++;
  sock->open = true;
  sock->local = local;
  sock->port = port;
  sock->handler = std::move(handler);
  const std::uint64_t id = sock->id;
  udp_[slot] = std::move(sock);
  udp_ports_[port].push_back(slot);
  return UdpSocket(this, slot, id);
}

void HostImpl::udp_close(UdpSock& sock) {
  if (!sock.open) return;
  sock.open = false;
  auto it = udp_ports_.find(sock.port);
  if (it != udp_ports_.end()) {
    auto& slots = it->second;
    for (auto s = slots.begin(); s != slots.end(); ++s) {
      if (udp_[*s].get() == &sock) {
        udp_dead_.push_back(*s);
        slots.erase(s);
        break;
      }
    }
    if (slots.empty()) udp_ports_.erase(it);
  }
  garbage_ = true;
}

std::error_code HostImpl::udp_send(UdpSock& sock, SocketAddress dst, wire::Bytes payload,
                                   const UdpSendOptions& options) {
  if (!up_) {
    ++counters_.drop_down;
    return make_error(std::errc::network_down);
  }
  if ((options.interface_id && *options.interface_id >= interfaces_.size()) ||
      (options.next_hop_mac && !options.interface_id)) {
    return make_error(std::errc::invalid_argument);
  }
  auto r = route(dst.ip, options.interface_id);
  if (!r) {
    ++counters_.drop_no_route;
    return make_error(std::errc::network_unreachable);
  }
  const std::size_t l2 = l2_header_size(r->interface);
  const std::size_t overhead = wire::Ipv4Header::min_size + wire::UdpHeader::size;
  if (payload.size() + overhead > interfaces_[r->interface].mtu ||
      l2 + overhead + payload.size() > frame_capacity) {
    return make_error(std::errc::message_size);
  }
  const wire::Ipv4Address src = sock.local.is_any() ? r->source : sock.local;
  FrameRef frame = sim_.frames().allocate();
  auto n = wire::encode_udp(frame.storage().subspan(l2 + wire::Ipv4Header::min_size), src, dst.ip,
                            sock.port, dst.port, payload);
  if (!n) return make_error(std::errc::message_size);
  ++counters_.udp_out;
  send_ipv4(std::move(frame), *r, src, dst.ip, wire::ip_protocol::udp, sock.dscp, false, *n,
            options.next_hop_mac);
  return {};
}

void HostImpl::receive_udp(InterfaceId iface, const wire::Ipv4Packet& p) {
  auto d = wire::decode_udp(p.payload, p.header.src, p.header.dst, true);
  if (!d) {
    ++counters_.drop_udp_bad;
    return;
  }
  ++counters_.udp_in;
  const wire::Ipv4Address dst = p.header.dst;
  UdpSock* match = nullptr;
  auto it = udp_ports_.find(d->header.dst_port);
  if (it != udp_ports_.end()) {
    for (auto slot : it->second) {
      UdpSock* s = udp_[slot].get();
      if (s->local == dst) {
        match = s;
        break;
      }
      if (s->local.is_any()) match = s;
    }
  }
  if (!match) {
    ++counters_.drop_udp_no_port;  // port unreachable; no ICMP
    return;
  }
  if (!match->handler) return;
  UdpReceiveInfo info;
  info.source = {p.header.src, d->header.src_port};
  info.destination = dst;
  info.destination_port = d->header.dst_port;
  info.interface_id = iface;
  match->handler(info, d->payload);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// UdpSocket

std::error_code UdpSocket::send_to(SocketAddress destination, wire::Bytes payload,
                                   const UdpSendOptions& options) {
  auto* s = host_ ? host_->udp_get(slot_, id_) : nullptr;
  if (!s) return make_error(std::errc::bad_file_descriptor);
  return host_->udp_send(*s, destination, payload, options);
}

void UdpSocket::set_dscp(std::uint8_t dscp) {
  if (auto* s = host_ ? host_->udp_get(slot_, id_) : nullptr) s->dscp = dscp & 0x3f;
}

void UdpSocket::set_handler(UdpReceiveHandler handler) {
  auto* s = host_ ? host_->udp_get(slot_, id_) : nullptr;
  if (!s) return;
  // The old handler may be the one running right now: keep it alive until it is safe.
  host_->old_udp_handlers_.push_back(std::move(s->handler));
  host_->garbage_ = true;
  s->handler = std::move(handler);
  host_->maybe_collect();
}

void UdpSocket::close() {
  auto* s = host_ ? host_->udp_get(slot_, id_) : nullptr;
  if (!s) return;
  host_->udp_close(*s);
  host_->maybe_collect();
}

bool UdpSocket::valid() const { return host_ && host_->udp_get(slot_, id_) != nullptr; }

SocketAddress UdpSocket::local() const {
  auto* s = host_ ? host_->udp_get(slot_, id_) : nullptr;
  return s ? SocketAddress{s->local, s->port} : SocketAddress{};
}

// ---------------------------------------------------------------------------------------------
// Host

Host::Host(Simulation& sim, std::string name, HostConfig config)
    : impl_(std::make_unique<detail::HostImpl>(sim, std::move(name), config)) {}

Host::~Host() = default;

const std::string& Host::name() const { return impl_->name_; }
Simulation& Host::simulation() const { return impl_->sim_; }
const HostConfig& Host::config() const { return impl_->config_; }

std::size_t Host::add_port(wire::MacAddress mac, std::string port_name) {
  const std::size_t index = impl_->ports_.size();
  if (port_name.empty()) port_name = "eth" + std::to_string(index);
  impl_->ports_.push_back(
      std::make_unique<detail::HostPort>(*impl_, index, mac, impl_->name_ + ":" + port_name));
  return index;
}

Port& Host::port(std::size_t index) {
  if (index >= impl_->ports_.size()) throw std::invalid_argument("netsim::Host: no such port");
  return *impl_->ports_[index];
}

std::size_t Host::port_count() const { return impl_->ports_.size(); }

wire::MacAddress Host::mac(std::size_t port) const {
  if (port >= impl_->ports_.size()) throw std::invalid_argument("netsim::Host: no such port");
  return impl_->ports_[port]->mac();
}

InterfaceId Host::add_interface(std::size_t port, std::optional<wire::VlanTag> vlan,
                                std::optional<wire::Ipv4Prefix> address) {
  if (port >= impl_->ports_.size()) throw std::invalid_argument("netsim::Host: no such port");
  if (impl_->find_interface(port, vlan ? vlan->vid : 0)) {
    throw std::invalid_argument("netsim::Host: interface exists for this port and VLAN");
  }
  detail::Interface i;
  i.port = port;
  i.vlan = vlan;
  i.address = address;
  impl_->interfaces_.push_back(i);
  return static_cast<InterfaceId>(impl_->interfaces_.size() - 1);
}

void Host::set_interface_vlan(InterfaceId id, std::optional<wire::VlanTag> vlan) {
  impl_->check_interface(id);
  auto& i = impl_->interfaces_[id];
  const std::uint16_t vid = vlan ? vlan->vid : 0;
  if (auto other = impl_->find_interface(i.port, vid); other && *other != id) {
    throw std::invalid_argument("netsim::Host: interface exists for this port and VLAN");
  }
  if (i.vid() != vid) impl_->flush_arp_interface(id);
  i.vlan = vlan;
}

void Host::set_interface_address(InterfaceId id, std::optional<wire::Ipv4Prefix> address) {
  impl_->check_interface(id);
  auto& i = impl_->interfaces_[id];
  if (i.address != address) impl_->flush_arp_interface(id);
  i.address = address;
}

void Host::set_interface_mtu(InterfaceId id, std::uint16_t mtu) {
  impl_->check_interface(id);
  if (mtu < 68 || mtu > wire::ethernet_max_payload) {
    throw std::invalid_argument("netsim::Host: MTU out of range 68..1500");
  }
  impl_->interfaces_[id].mtu = mtu;
}

std::size_t Host::interface_count() const { return impl_->interfaces_.size(); }

std::optional<wire::Ipv4Prefix> Host::interface_address(InterfaceId id) const {
  impl_->check_interface(id);
  return impl_->interfaces_[id].address;
}

std::optional<wire::VlanTag> Host::interface_vlan(InterfaceId id) const {
  impl_->check_interface(id);
  return impl_->interfaces_[id].vlan;
}

std::size_t Host::interface_port(InterfaceId id) const {
  impl_->check_interface(id);
  return impl_->interfaces_[id].port;
}

void Host::set_default_gateway(std::optional<wire::Ipv4Address> gateway) {
  impl_->gateway_ = gateway;
}
std::optional<wire::Ipv4Address> Host::default_gateway() const { return impl_->gateway_; }
void Host::set_forwarding(bool on) { impl_->forwarding_ = on; }

void Host::set_up(bool up) { impl_->set_up(up); }
bool Host::up() const { return impl_->up_; }

void Host::set_l2_handler(L2FrameHandler handler) { impl_->l2_handler_ = std::move(handler); }

void Host::send_frame(std::size_t port, FrameRef frame) {
  if (port >= impl_->ports_.size()) throw std::invalid_argument("netsim::Host: no such port");
  if (!impl_->up_) {
    ++impl_->counters_.drop_down;
    return;
  }
  impl_->transmit(port, std::move(frame));
}

void Host::set_carrier_handler(CarrierHandler handler) {
  impl_->carrier_handler_ = std::move(handler);
}
void Host::set_trace(FrameTraceHandler handler) { impl_->trace_ = std::move(handler); }

std::optional<wire::MacAddress> Host::arp_lookup(InterfaceId id, wire::Ipv4Address ip) const {
  auto it = impl_->arp_.find(detail::HostImpl::arp_key(id, ip));
  if (it == impl_->arp_.end() || it->second.state == detail::ArpEntry::State::incomplete) {
    return std::nullopt;
  }
  return it->second.mac;
}

std::size_t Host::arp_cache_size() const { return impl_->arp_.size(); }

wire::Result<UdpSocket> Host::udp_bind(std::uint16_t port, UdpReceiveHandler handler,
                                       wire::Ipv4Address local) {
  return impl_->udp_bind(port, std::move(handler), local);
}

wire::Result<TcpListener> Host::tcp_listen(std::uint16_t port, TcpAcceptHandler on_accept) {
  return impl_->tcp_listen(port, std::move(on_accept));
}

wire::Result<TcpConnection> Host::tcp_connect(SocketAddress remote, TcpHandlers handlers,
                                              const TcpConnectOptions& options) {
  return impl_->tcp_connect(remote, std::move(handlers), options);
}

std::size_t Host::tcp_connection_count() const {
  return static_cast<std::size_t>(
      std::count_if(impl_->conns_.begin(), impl_->conns_.end(),
                    [](const auto& c) { return c && c->state != TcpState::closed; }));
}

const HostCounters& Host::counters() const { return impl_->counters_; }

}  // namespace voicelab::netsim
