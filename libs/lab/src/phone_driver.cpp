#include "voicelab/lab/phone_driver.hpp"

#include <type_traits>
#include <utility>
#include <variant>

#include "voicelab/netsim/simulation.hpp"

namespace voicelab::lab {

namespace {
constexpr std::uint16_t dhcp_client_port = 68;
}

std::string describe_connect_failure(netsim::TcpCloseReason reason) {
  switch (reason) {
    case netsim::TcpCloseReason::connect_refused:
    case netsim::TcpCloseReason::reset_by_peer:
      return "connection refused (RST)";
    case netsim::TcpCloseReason::connect_timeout:
    case netsim::TcpCloseReason::timed_out:
      return "no answer (SYN retransmissions exhausted)";
    case netsim::TcpCloseReason::host_down:
      return "the phone's network stack went down";
    default:
      return "connection failed (" + std::string(netsim::to_string(reason)) + ")";
  }
}

PhoneDriver::PhoneDriver(netsim::Host& host, phone::Phone& phone, PhoneDriverConfig config,
                         Log* log)
    : Base(host, phone, config.component, log),
      config_(std::move(config)),
      ports_(host, *this, config_.idle_port_timeout),
      tcp_(host, *this) {
  host.set_l2_handler([this](std::size_t port, const netsim::FrameRef& frame) {
    if (port != config_.port) return;
    ++counters_.frames_received;
    engine().handle_frame(now(), frame.bytes());
    pump();
  });
}

PhoneDriver::~PhoneDriver() { host().set_l2_handler({}); }

void PhoneDriver::power_on(std::string source) {
  if (const auto ec = ports_.bind(dhcp_client_port)) {
    note("cannot bind UDP port 68: " + ec.message());
  }
  engine().power_on(now(), std::move(source));
  pump();
}

void PhoneDriver::power_off() {
  engine().power_off(now());
  ports_.close_all();
  clear_interface();
  pump();
}

void PhoneDriver::power_denied(std::string reason) {
  engine().power_denied(now(), std::move(reason));
  pump();
}

void PhoneDriver::clear_interface() {
  host().set_interface_vlan(config_.interface, std::nullopt);
  host().set_interface_address(config_.interface, std::nullopt);
  host().set_default_gateway(std::nullopt);
}

bool PhoneDriver::drain() {
  bool any = false;
  while (auto command = engine().poll_command()) {
    count_transmit();
    carry_out(*command);
    any = true;
  }
  while (auto event = engine().poll_event()) {
    any = true;
    if (event->kind == phone::EventKind::console && config_.log_console && log() != nullptr) {
      log()->write(event->at, component(), event->text);
    }
    if (handler_) handler_(*event);
  }
  return any;
}

void PhoneDriver::carry_out(phone::Command& command) {
  std::visit(
      [this](auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, phone::SendFrame>) {
          ++counters_.frames_sent;
          host().send_frame(config_.port, host().simulation().frames().copy_of(c.frame));
        } else if constexpr (std::is_same_v<C, phone::SendDatagram>) {
          netsim::UdpSendOptions options;
          options.interface_id = config_.interface;
          const netsim::SocketAddress to{
              c.broadcast ? wire::Ipv4Address::broadcast() : c.destination.address,
              c.destination.port};
          if (const auto ec = ports_.send(c.source_port, to, c.payload, options)) {
            ++counters_.datagram_errors;
            note("cannot send from UDP port " + std::to_string(c.source_port) + " to " +
                 to.ip.to_string() + ":" + std::to_string(to.port) + ": " + ec.message());
          } else {
            ++counters_.datagrams_sent;
          }
        } else if constexpr (std::is_same_v<C, phone::TcpConnect>) {
          ++counters_.connects;
          // A connect the host refuses at once is reported through on_stream_closed before
          // connect() returns; the phone hears handle_connect_failed from there.
          (void)tcp_.connect(c.id, {c.remote.address, c.remote.port});
        } else if constexpr (std::is_same_v<C, phone::TcpSend>) {
          if (const auto ec = tcp_.send(c.id, c.bytes)) {
            ++counters_.send_errors;
            note("cannot send " + std::to_string(c.bytes.size()) + " bytes on connection " +
                 std::to_string(c.id) + ": " + ec.message());
          }
        } else if constexpr (std::is_same_v<C, phone::TcpClose>) {
          tcp_.close(c.id);
        } else if constexpr (std::is_same_v<C, phone::SetVlan>) {
          host().set_interface_vlan(config_.interface, c.vlan);
        } else if constexpr (std::is_same_v<C, phone::SetAddress>) {
          host().set_interface_address(config_.interface, c.address);
          host().set_default_gateway(c.gateway);
        }
      },
      command);
}

void PhoneDriver::on_datagram(const netsim::UdpReceiveInfo& info, wire::Bytes payload) {
  ++counters_.datagrams_received;
  phone::Datagram in;
  in.source = {info.source.ip, info.source.port};
  in.destination = {info.destination, info.destination_port};
  in.payload = payload;
  engine().handle_datagram(now(), in);
  pump();
}

void PhoneDriver::on_stream_opened(ConnectionId id, netsim::SocketAddress) {
  // The phone never listens; nothing can be accepted.
  tcp_.abort(id);
}

void PhoneDriver::on_stream_connected(ConnectionId id, netsim::SocketAddress local) {
  engine().handle_connected(now(), id, local.port);
  pump();
}

void PhoneDriver::on_stream_data(ConnectionId id, wire::Bytes bytes) {
  engine().handle_bytes(now(), id, bytes);
  pump();
}

void PhoneDriver::on_stream_closed(ConnectionId id, netsim::TcpCloseReason reason,
                                   bool established) {
  if (established) {
    engine().handle_closed(now(), id);
  } else {
    ++counters_.connect_failures;
    engine().handle_connect_failed(now(), id, describe_connect_failure(reason));
  }
  pump();
}

}  // namespace voicelab::lab
