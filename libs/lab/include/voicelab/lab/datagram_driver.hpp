#pragma once
// Binds a datagram engine to a netsim::Host: dhcp::Server / Client / RelayAgent,
// dns::Responder / Resolver, tftp::Server / Client / FailoverClient, and any later engine of the
// same shape:
//
//   void handle_datagram(Time, const D&)       D = {source{address,port}, destination{...},
//                                                   interface, payload}
//   void handle_timeout(Time); std::optional<Time> next_timeout() const;
//   std::optional<O> poll_transmit();           O = {destination{address,port}, source_port,
//                                                   optional interface, broadcast, payload
//                                                   [, optional link_destination]}
//   std::optional<E> poll_event();              E has describe() (and usually `time`)
//
// Receiving: every datagram reaching one of the engine's ports becomes a D (the payload is a
// view into the simulated frame, nothing is copied) with interface = the netsim InterfaceId it
// arrived on. The engine's interface numbers ARE the host's InterfaceIds: configure a server's
// or relay's interfaces with the ids Host::add_interface returned.
// Sending: from O.source_port (bound on first use, see UdpPorts), through O.interface when set,
// to 255.255.255.255 when O.broadcast, straight to O.link_destination's MAC when set (a DHCP
// reply to a client without an address). A refused send is counted and logged, never thrown:
// on a real network that datagram would just be lost.

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "voicelab/lab/engine_driver.hpp"
#include "voicelab/lab/udp_ports.hpp"

namespace voicelab::lab {

namespace detail {
template <class E, class D>
D datagram_argument(void (E::*)(Time, const D&));
// The engine's input datagram type, from the signature of its handle_datagram.
template <class Engine>
using datagram_of = decltype(datagram_argument(&Engine::handle_datagram));
}  // namespace detail

struct DatagramDriverConfig {
  std::string component;                    // log component; empty: the host's name
  std::vector<std::uint16_t> listen_ports;  // bound by open(): 67, 68, 53, 69, ...
  Duration idle_port_timeout = 60s;         // on-demand ports (UdpPorts); 0: never closed
  std::uint8_t dscp = 0;                    // of every datagram sent
};

template <class Engine>
class DatagramDriver final : public EngineDriver<Engine, DatagramDriver<Engine>>,
                             private UdpReceiver {
  using Base = EngineDriver<Engine, DatagramDriver<Engine>>;
  friend Base;

 public:
  using Datagram = detail::datagram_of<Engine>;
  using Output = detail::output_of<Engine>;

  DatagramDriver(netsim::Host& host, Engine& engine, DatagramDriverConfig config = {},
                 Log* log = nullptr)
      : Base(host, engine, config.component, log),
        listen_ports_(std::move(config.listen_ports)),
        ports_(host, *this, config.idle_port_timeout, config.dscp) {}

  // Binds the listen ports (again after a power cycle: call it once the host is up). Returns
  // the first error; the other ports are still tried. Also arms the engine's timer.
  std::error_code open() {
    std::error_code first;
    for (const auto port : listen_ports_) {
      if (const auto ec = ports_.bind(port)) {
        this->note("cannot bind UDP port " + std::to_string(port) + ": " + ec.message());
        if (!first) first = ec;
      }
    }
    this->pump();
    return first;
  }
  // Closes every socket; the engine is left as it is.
  void close() { ports_.close_all(); }

  [[nodiscard]] const UdpPorts& ports() const { return ports_; }

 private:
  void on_datagram(const netsim::UdpReceiveInfo& info, wire::Bytes payload) override {
    Datagram in{};
    in.source.address = info.source.ip;
    in.source.port = info.source.port;
    in.destination.address = info.destination;
    in.destination.port = info.destination_port;
    in.interface = static_cast<decltype(in.interface)>(info.interface_id);
    in.payload = payload;
    this->engine().handle_datagram(this->now(), in);
    this->pump();
  }

  void transmit(Output& out) {
    netsim::UdpSendOptions options;
    if (out.interface) {
      if (*out.interface < 0) {
        this->note("dropped a datagram for interface " + std::to_string(*out.interface));
        return;
      }
      options.interface_id = static_cast<netsim::InterfaceId>(*out.interface);
    }
    if constexpr (requires { out.link_destination; }) options.next_hop_mac = out.link_destination;
    const netsim::SocketAddress to{
        out.broadcast ? wire::Ipv4Address::broadcast() : out.destination.address,
        out.destination.port};
    if (const auto ec = ports_.send(out.source_port, to, out.payload, options)) {
      this->note("cannot send from UDP port " + std::to_string(out.source_port) + " to " +
                 to.ip.to_string() + ":" + std::to_string(to.port) + ": " + ec.message());
    }
  }

  std::vector<std::uint16_t> listen_ports_;
  UdpPorts ports_;
};

}  // namespace voicelab::lab
