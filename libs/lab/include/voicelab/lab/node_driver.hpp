#pragma once
// Binds a cucm::Node (TFTP 69 + transfer ports, HTTP 6970, SIP 5060 over TCP and UDP, one
// engine) to a netsim::Host.
//
//   UDP   69 and the SIP port are bound by open(); TFTP transfer ports are bound when the node
//         first sends from them (UdpPorts) and closed when idle. Every datagram goes to
//         Node::handle_datagram, which routes by destination port and drops (counts) what no
//         running service takes: with no ICMP in netsim that is what a port without a service
//         looks like on the wire too.
//   TCP   one listener per port (6970 and the SIP port), each a StreamTransport; the node's
//         connection ids are the transport's numbers times two plus the transport (0: 6970,
//         1: SIP), so they never collide. A listener exists only while its service runs: a
//         stopped CallManager refuses SIP connections with RST, as a host without the service.
//   out   tftp::OutgoingDatagram -> from its source port; SendBytes; CloseConnection (FIN).
//   logs  NodeEvents under "<component>.tftp", "<component>.http", "<component>.sip" (the SIP
//         trace and the registrar's events); the driver's own lines under "<component>".
//
// Services and power (the fault timeline): stop_service / start_service change one service and
// the listeners with it; node_down() powers the host off first (nothing more leaves it: no FIN,
// no RST) and then stops the node, which forgets its bindings and transfers; node_up() powers it
// on, starts the node and listens again.

#include <array>
#include <cstdint>
#include <string>
#include <system_error>

#include "voicelab/cucm/node.hpp"
#include "voicelab/lab/engine_driver.hpp"
#include "voicelab/lab/stream_transport.hpp"
#include "voicelab/lab/udp_ports.hpp"

namespace voicelab::lab {

struct NodeDriverConfig {
  std::string component;  // log component prefix; empty: the node's name
  // What the lab serves of what the node runs (a scenario's "sip": {"tcp": false}, "tftp":
  // {"http": false}): a port not served is never bound or listened on.
  bool sip_tcp = true;
  bool sip_udp = true;
  bool http = true;
  Duration idle_port_timeout = 60s;  // TFTP transfer ports
};

struct NodeDriverCounters {
  std::uint64_t datagrams_in = 0, datagrams_out = 0, send_errors = 0;
  std::uint64_t connections = 0;
};

class NodeDriver final : public EngineDriver<cucm::Node, NodeDriver>, private UdpReceiver {
  using Base = EngineDriver<cucm::Node, NodeDriver>;
  friend Base;

 public:
  NodeDriver(netsim::Host& host, cucm::Node& node, NodeDriverConfig config = {},
             Log* log = nullptr);
  ~NodeDriver();

  // Binds the UDP ports and listens on the TCP ports the running services need (call once the
  // host is up, again after a power cycle). Returns the first error (logged).
  std::error_code open();

  void stop_service(cucm::Service service);
  void start_service(cucm::Service service);
  void node_down();
  void node_up();

  [[nodiscard]] const NodeDriverCounters& counters() const { return counters_; }
  [[nodiscard]] const UdpPorts& ports() const { return ports_; }
  [[nodiscard]] bool listening(std::uint16_t tcp_port) const;

 private:
  // One TCP port's transport and its receiver.
  class Listener final : public StreamReceiver {
   public:
    Listener(NodeDriver& driver, std::uint16_t port, std::uint64_t index)
        : driver_(driver), port_(port), index_(index), transport_(driver.host(), *this) {}
    void on_stream_opened(ConnectionId id, netsim::SocketAddress peer) override;
    void on_stream_connected(ConnectionId, netsim::SocketAddress) override {}
    void on_stream_data(ConnectionId id, wire::Bytes bytes) override;
    void on_stream_closed(ConnectionId id, netsim::TcpCloseReason reason,
                          bool established) override;
    [[nodiscard]] cucm::ConnectionId node_id(ConnectionId id) const { return id * 2 + index_; }

    NodeDriver& driver_;
    std::uint16_t port_;
    std::uint64_t index_;
    StreamTransport transport_;
  };

  bool drain();  // hides EngineDriver::drain()
  void transmit(cucm::NodeOutput& output);
  void sync_listeners();
  [[nodiscard]] bool wanted(std::uint16_t tcp_port) const;
  Listener& listener_of(cucm::ConnectionId conn);

  void on_datagram(const netsim::UdpReceiveInfo& info, wire::Bytes payload) override;

  NodeDriverConfig config_;
  std::array<Log::ComponentId, 3> log_ids_{};  // tftp, http, sip
  UdpPorts ports_;
  Listener http_;
  Listener sip_;
  NodeDriverCounters counters_;
};

}  // namespace voicelab::lab
