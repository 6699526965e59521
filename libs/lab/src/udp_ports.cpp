#include "voicelab/lab/udp_ports.hpp"

#include <algorithm>

#include "voicelab/netsim/simulation.hpp"

namespace voicelab::lab {

UdpPorts::UdpPorts(netsim::Host& host, UdpReceiver& receiver, Duration idle_timeout,
                   std::uint8_t dscp)
    : host_(host),
      receiver_(receiver),
      idle_timeout_(idle_timeout),
      dscp_(dscp),
      sweep_timer_(host.simulation().scheduler(), [this] { sweep(); }) {}

UdpPorts::~UdpPorts() { close_all(); }

UdpPorts::Entry* UdpPorts::find(std::uint16_t port) {
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), port,
                                   [](const Entry& e, std::uint16_t p) { return e.port < p; });
  return it != entries_.end() && it->port == port ? &*it : nullptr;
}

bool UdpPorts::is_open(std::uint16_t port) const {
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), port,
                                   [](const Entry& e, std::uint16_t p) { return e.port < p; });
  return it != entries_.end() && it->port == port && it->socket.valid();
}

std::vector<std::uint16_t> UdpPorts::open_ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& e : entries_) {
    if (e.socket.valid()) out.push_back(e.port);
  }
  return out;
}

std::error_code UdpPorts::open(std::uint16_t port, bool permanent, Entry** out) {
  auto bound = host_.udp_bind(port, {});
  if (!bound.ok()) {
    ++counters_.bind_errors;
    return bound.error();
  }
  netsim::UdpSocket socket = *bound;
  const std::uint16_t actual = socket.local().port;
  socket.set_dscp(dscp_);
  // The handler knows its port, so a receive needs no lookup to find the engine.
  socket.set_handler([this, actual](const netsim::UdpReceiveInfo& info, wire::Bytes payload) {
    received(actual, info, payload);
  });
  ++counters_.binds;
  const Time now = host_.simulation().now();
  Entry* entry = find(actual);
  if (entry == nullptr) {
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), actual,
                                     [](const Entry& e, std::uint16_t p) { return e.port < p; });
    entry = &*entries_.insert(it, Entry{actual, permanent, now, socket});
  } else {
    entry->socket.close();  // stale after a power cycle; closing a stale handle is a no-op
    entry->socket = socket;
    entry->permanent = entry->permanent || permanent;
    entry->last_used = now;
  }
  if (!entry->permanent) arm_sweep();
  *out = entry;
  return {};
}

std::error_code UdpPorts::bind(std::uint16_t port) {
  if (port == 0) return std::make_error_code(std::errc::invalid_argument);
  if (Entry* e = find(port); e != nullptr && e->socket.valid()) {
    e->permanent = true;
    return {};
  }
  Entry* entry = nullptr;
  return open(port, true, &entry);
}

std::error_code UdpPorts::send(std::uint16_t from_port, netsim::SocketAddress to,
                               wire::Bytes payload, const netsim::UdpSendOptions& options) {
  const std::uint16_t port = from_port == 0 ? ephemeral_port_ : from_port;
  Entry* entry = port == 0 ? nullptr : find(port);
  if (entry == nullptr || !entry->socket.valid()) {
    if (const auto ec = open(port, false, &entry)) {
      ++counters_.send_errors;
      return ec;
    }
    if (from_port == 0) ephemeral_port_ = entry->port;
  }
  entry->last_used = host_.simulation().now();
  if (const auto ec = entry->socket.send_to(to, payload, options)) {
    ++counters_.send_errors;
    return ec;
  }
  ++counters_.sent;
  return {};
}

void UdpPorts::received(std::uint16_t port, const netsim::UdpReceiveInfo& info,
                        wire::Bytes payload) {
  if (Entry* e = find(port)) e->last_used = host_.simulation().now();
  ++counters_.received;
  receiver_.on_datagram(info, payload);
}

void UdpPorts::arm_sweep() {
  // A fixed period rather than a deadline per port: each sweep is one pass over the ports, and
  // there is at most one per half timeout however many transfers come and go.
  if (idle_timeout_ <= Duration::zero() || sweep_timer_.armed()) return;
  sweep_timer_.arm_after(idle_timeout_ / 2);
}

void UdpPorts::sweep() {
  const Time now = host_.simulation().now();
  bool on_demand_left = false;
  std::erase_if(entries_, [&](Entry& e) {
    if (e.permanent) return false;
    if (now - e.last_used < idle_timeout_ && e.socket.valid()) {
      on_demand_left = true;
      return false;
    }
    if (e.socket.valid()) ++counters_.idle_closes;
    e.socket.close();
    if (e.port == ephemeral_port_) ephemeral_port_ = 0;
    return true;
  });
  if (on_demand_left) arm_sweep();
}

void UdpPorts::close_all() {
  for (auto& e : entries_) e.socket.close();
  entries_.clear();
  ephemeral_port_ = 0;
  sweep_timer_.cancel();
}

}  // namespace voicelab::lab
