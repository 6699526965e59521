#pragma once
// Binds a stream engine to netsim TCP on a host: http::Server and http::Client now, the SIP
// registrar and the phone's SIP client later.
//
// The engine side (all optional members are detected at compile time):
//   void handle_bytes(Time, ConnectionId, wire::Bytes);
//   void handle_closed(Time, ConnectionId);
//   void handle_timeout(Time); std::optional<Time> next_timeout() const;
//   std::optional<O> poll_transmit();  std::optional<E> poll_event();
//   [optional] void handle_opened(Time, ConnectionId, Endpoint peer);   (accepted connections)
//   [optional] void handle_connected(Time, ConnectionId[, std::uint16_t local_port]);
//   [optional] void handle_connect_failed(Time, ConnectionId, std::string reason);
//              (without it a failed connect is reported as handle_closed)
// where Endpoint is any {address, port} aggregate, and O is mapped onto the transport by
// StreamOutputAdapter<O>: specialize it for a new output type; the one for http::StreamOutput
// is below. Engines with several output queues or UDP and TCP at once (the registrar, the SIP
// client) get a driver of their own built from EngineDriver, StreamTransport and UdpPorts
// (docs/lab.md shows one).
//
// Closing rule (see StreamTransport): the engine hears handle_closed exactly once per
// connection, at the peer's FIN at the latest, and the driver then closes our side after
// whatever the engine queued in answer. So an engine never sees a half-closed connection.

#include <cstdint>
#include <string>
#include <system_error>

#include "voicelab/http/stream.hpp"
#include "voicelab/lab/engine_driver.hpp"
#include "voicelab/lab/stream_transport.hpp"

namespace voicelab::lab {

// Maps an engine's stream output onto the transport. Specialize for each output type:
//   static void apply(O& out, StreamTransport& transport, Note note);
// where note(std::string) writes a line into the component's log.
template <class Output>
struct StreamOutputAdapter;

template <>
struct StreamOutputAdapter<http::StreamOutput> {
  template <class Note>
  static void apply(http::StreamOutput& out, StreamTransport& transport, Note&& note) {
    switch (out.kind) {
      case http::StreamOutput::Kind::open:
        if (const auto ec =
                transport.connect(out.connection, {out.remote.address, out.remote.port})) {
          note("cannot connect #" + std::to_string(out.connection) + " to " +
               out.remote.to_string() + ": " + ec.message());
        }
        break;
      case http::StreamOutput::Kind::send:
        if (const auto ec = transport.send(out.connection, out.bytes)) {
          note("cannot send " + std::to_string(out.bytes.size()) + " bytes on #" +
               std::to_string(out.connection) + ": " + ec.message());
        }
        break;
      case http::StreamOutput::Kind::close:
        transport.close(out.connection);
        break;
    }
  }
};

namespace detail {
template <class E, class P>
P opened_peer_argument(void (E::*)(Time, ConnectionId, P));
}  // namespace detail

struct StreamDriverConfig {
  std::string component;                     // log component; empty: the host's name
  std::optional<std::uint16_t> listen_port;  // a server's port (6970, 5060); unset: client only
  std::uint8_t dscp = 0;                     // of the connections' segments
  bool log_connections = true;               // a log line per accepted/connected/closed connection
};

template <class Engine>
class StreamDriver final : public EngineDriver<Engine, StreamDriver<Engine>>,
                           private StreamReceiver {
  using Base = EngineDriver<Engine, StreamDriver<Engine>>;
  friend Base;

 public:
  using Output = detail::output_of<Engine>;

  StreamDriver(netsim::Host& host, Engine& engine, StreamDriverConfig config = {},
               Log* log = nullptr)
      : Base(host, engine, config.component, log),
        listen_port_(config.listen_port),
        log_connections_(config.log_connections),
        transport_(host, *this, config.dscp) {}

  // Starts listening when a listen port is configured (again after a power cycle); arms the
  // engine's timer.
  std::error_code open() {
    std::error_code ec;
    if (listen_port_) {
      ec = transport_.listen(*listen_port_);
      if (ec)
        this->note("cannot listen on TCP port " + std::to_string(*listen_port_) + ": " +
                   ec.message());
    }
    this->pump();
    return ec;
  }
  void close() { transport_.stop_listening(); }

  [[nodiscard]] const StreamTransport& transport() const { return transport_; }
  [[nodiscard]] StreamTransport& transport() { return transport_; }

 private:
  static std::string text(netsim::SocketAddress a) {
    return a.ip.to_string() + ":" + std::to_string(a.port);
  }

  void on_stream_opened(ConnectionId id, netsim::SocketAddress peer) override {
    if (log_connections_) this->note("TCP #" + std::to_string(id) + " accepted from " + text(peer));
    if constexpr (requires { &Engine::handle_opened; }) {
      using Peer = decltype(detail::opened_peer_argument(&Engine::handle_opened));
      Peer endpoint{};
      endpoint.address = peer.ip;
      endpoint.port = peer.port;
      this->engine().handle_opened(this->now(), id, endpoint);
    }
    this->pump();
  }

  void on_stream_connected(ConnectionId id, netsim::SocketAddress local) override {
    if (log_connections_)
      this->note("TCP #" + std::to_string(id) + " connected from " + text(local));
    Engine& e = this->engine();
    if constexpr (requires { e.handle_connected(this->now(), id, local.port); }) {
      e.handle_connected(this->now(), id, local.port);
    } else if constexpr (requires { e.handle_connected(this->now(), id); }) {
      e.handle_connected(this->now(), id);
    }
    this->pump();
  }

  void on_stream_data(ConnectionId id, wire::Bytes bytes) override {
    this->engine().handle_bytes(this->now(), id, bytes);
    this->pump();
  }

  void on_stream_closed(ConnectionId id, netsim::TcpCloseReason reason, bool established) override {
    const std::string why(netsim::to_string(reason));
    if (log_connections_) {
      this->note("TCP #" + std::to_string(id) +
                 (established ? " closed (" : " could not connect (") + why + ")");
    }
    Engine& e = this->engine();
    if constexpr (requires { e.handle_connect_failed(this->now(), id, std::string{}); }) {
      if (!established) {
        e.handle_connect_failed(this->now(), id, why);
        this->pump();
        return;
      }
    }
    e.handle_closed(this->now(), id);
    this->pump();
  }

  void transmit(Output& out) {
    StreamOutputAdapter<Output>::apply(out, transport_,
                                       [this](std::string line) { this->note(std::move(line)); });
  }

  std::optional<std::uint16_t> listen_port_;
  bool log_connections_;
  StreamTransport transport_;
};

}  // namespace voicelab::lab
