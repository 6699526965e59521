#include "voicelab/lab/node_driver.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

namespace voicelab::lab {

namespace {

std::string base_component(const NodeDriverConfig& config, const cucm::Node& node) {
  return config.component.empty() ? node.name() : config.component;
}

std::size_t component_index(cucm::Component component) {
  switch (component) {
    case cucm::Component::tftp:
      return 0;
    case cucm::Component::http:
      return 1;
    case cucm::Component::sip:
      break;
  }
  return 2;
}

}  // namespace

NodeDriver::NodeDriver(netsim::Host& host, cucm::Node& node, NodeDriverConfig config, Log* log)
    : Base(host, node, base_component(config, node), log),
      config_(std::move(config)),
      ports_(host, *this, config_.idle_port_timeout),
      http_(*this, node.config().http_port, 0),
      sip_(*this, node.config().sip_port, 1) {
  if (log != nullptr) {
    log_ids_[0] = log->component(component() + ".tftp");
    log_ids_[1] = log->component(component() + ".http");
    log_ids_[2] = log->component(component() + ".sip");
  }
}

NodeDriver::~NodeDriver() = default;

bool NodeDriver::wanted(std::uint16_t tcp_port) const {
  const auto ports = engine().listening_tcp_ports();
  if (std::find(ports.begin(), ports.end(), tcp_port) == ports.end()) return false;
  if (tcp_port == engine().config().http_port) return config_.http;
  if (tcp_port == engine().config().sip_port) return config_.sip_tcp;
  return false;
}

bool NodeDriver::listening(std::uint16_t tcp_port) const {
  if (tcp_port == http_.port_) return http_.transport_.listening();
  if (tcp_port == sip_.port_) return sip_.transport_.listening();
  return false;
}

void NodeDriver::sync_listeners() {
  for (Listener* l : {&http_, &sip_}) {
    if (wanted(l->port_)) {
      if (const auto ec = l->transport_.listen(l->port_)) {
        note("cannot listen on TCP port " + std::to_string(l->port_) + ": " + ec.message());
      }
    } else if (l->transport_.listening()) {
      l->transport_.stop_listening();
    }
  }
}

std::error_code NodeDriver::open() {
  std::error_code first;
  for (const std::uint16_t port : engine().listening_udp_ports()) {
    if (port == engine().config().sip_port && !config_.sip_udp) continue;
    if (const auto ec = ports_.bind(port)) {
      note("cannot bind UDP port " + std::to_string(port) + ": " + ec.message());
      if (!first) first = ec;
    }
  }
  // The SIP UDP port stays bound while CallManager is stopped: the node drops what it gets,
  // which on the wire is the same silence as an unbound port (netsim sends no ICMP).
  sync_listeners();
  pump();
  return first;
}

void NodeDriver::stop_service(cucm::Service service) {
  engine().stop_service(now(), service);
  pump();
  sync_listeners();
}

void NodeDriver::start_service(cucm::Service service) {
  engine().start_service(now(), service);
  pump();
  sync_listeners();
}

void NodeDriver::node_down() {
  // Power first: whatever the stopping node asks for (FINs) can no longer leave the host.
  host().set_up(false);
  ports_.close_all();
  engine().stop(now());
  pump();
  sync_listeners();
}

void NodeDriver::node_up() {
  host().set_up(true);
  engine().start(now());
  (void)open();
}

NodeDriver::Listener& NodeDriver::listener_of(cucm::ConnectionId conn) {
  return conn % 2 == 0 ? http_ : sip_;
}

bool NodeDriver::drain() {
  bool any = false;
  while (auto out = engine().poll_transmit()) {
    count_transmit();
    transmit(*out);
    any = true;
  }
  while (auto event = engine().poll_event()) {
    any = true;
    if (log() != nullptr) {
      log()->write(event->at, log_ids_[component_index(event->component)], event->describe());
    }
  }
  return any;
}

void NodeDriver::transmit(cucm::NodeOutput& output) {
  std::visit(
      [this](auto& o) {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, tftp::OutgoingDatagram>) {
          netsim::UdpSendOptions options;
          if (o.interface && *o.interface >= 0) {
            options.interface_id = static_cast<netsim::InterfaceId>(*o.interface);
          }
          const netsim::SocketAddress to{o.destination.address, o.destination.port};
          if (const auto ec = ports_.send(o.source_port, to, o.payload, options)) {
            ++counters_.send_errors;
            note("cannot send from UDP port " + std::to_string(o.source_port) + " to " +
                 o.destination.to_string() + ": " + ec.message());
          } else {
            ++counters_.datagrams_out;
          }
        } else if constexpr (std::is_same_v<O, cucm::SendBytes>) {
          Listener& l = listener_of(o.conn);
          if (const auto ec = l.transport_.send(o.conn / 2, o.bytes)) {
            ++counters_.send_errors;
            note("cannot send " + std::to_string(o.bytes.size()) + " bytes on connection " +
                 std::to_string(o.conn) + ": " + ec.message());
          }
        } else if constexpr (std::is_same_v<O, cucm::CloseConnection>) {
          listener_of(o.conn).transport_.close(o.conn / 2);
        }
      },
      output);
}

void NodeDriver::on_datagram(const netsim::UdpReceiveInfo& info, wire::Bytes payload) {
  ++counters_.datagrams_in;
  tftp::Datagram in;
  in.source = {info.source.ip, info.source.port};
  in.destination = {info.destination, info.destination_port};
  in.interface = static_cast<tftp::InterfaceIndex>(info.interface_id);
  in.payload = payload;
  engine().handle_datagram(now(), in);
  pump();
}

void NodeDriver::Listener::on_stream_opened(ConnectionId id, netsim::SocketAddress peer) {
  ++driver_.counters_.connections;
  driver_.engine().handle_accepted(driver_.now(), node_id(id), port_, {peer.ip, peer.port});
  driver_.pump();
}

void NodeDriver::Listener::on_stream_data(ConnectionId id, wire::Bytes bytes) {
  driver_.engine().handle_bytes(driver_.now(), node_id(id), bytes);
  driver_.pump();
}

void NodeDriver::Listener::on_stream_closed(ConnectionId id, netsim::TcpCloseReason,
                                            bool established) {
  if (!established) return;  // the node never opens connections
  driver_.engine().handle_closed(driver_.now(), node_id(id));
  driver_.pump();
}

}  // namespace voicelab::lab
