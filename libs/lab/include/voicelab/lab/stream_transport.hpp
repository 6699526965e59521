#pragma once
// The TCP connections one stream engine uses on a netsim::Host, under the engine's connection
// numbers (ConnectionId).
//
// - Passive side: listen(port); each accepted connection gets the next number (1, 2, 3, ...;
//   never reused) and is announced with on_stream_opened.
// - Active side: connect(id, remote) under the number the engine chose; on_stream_connected
//   when the handshake completes.
// - Close: close(id) is a graceful close (FIN after the queued bytes); abort(id) sends RST.
// - on_stream_closed comes exactly once per connection, telling the engine the connection is
//   over for it: when the peer's FIN arrives (the transport then closes its side too, once the
//   engine has had the chance to queue a last answer: no half-closed connections), when a
//   connect fails (`established` false: refused, timed out, or refused synchronously by the
//   host), or when the connection ends otherwise (RST, retransmissions exhausted, host down,
//   or our own close completing).
// Callbacks run from netsim events, except that a connect() the host refuses at once reports
// on_stream_closed from inside connect().
//
// The receiver and host must outlive this object. Destroying it drops every connection with an
// RST and no callback.

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>

#include "voicelab/netsim/host.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::lab {

using ConnectionId = std::uint64_t;

class StreamReceiver {
 public:
  virtual void on_stream_opened(ConnectionId id, netsim::SocketAddress peer) = 0;
  virtual void on_stream_connected(ConnectionId id, netsim::SocketAddress local) = 0;
  virtual void on_stream_data(ConnectionId id, wire::Bytes bytes) = 0;
  virtual void on_stream_closed(ConnectionId id, netsim::TcpCloseReason reason,
                                bool established) = 0;

 protected:
  ~StreamReceiver() = default;
};

struct StreamCounters {
  std::uint64_t accepted = 0, connects = 0, connected = 0, connect_failures = 0;
  std::uint64_t closed = 0;  // on_stream_closed for established connections
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::uint64_t send_errors = 0;         // netsim refused the bytes (closing, buffer full)
  std::uint64_t unknown_connection = 0;  // send/close/abort for a number with no connection
};

class StreamTransport {
 public:
  StreamTransport(netsim::Host& host, StreamReceiver& receiver, std::uint8_t dscp = 0);
  ~StreamTransport();
  StreamTransport(const StreamTransport&) = delete;
  StreamTransport& operator=(const StreamTransport&) = delete;

  // Listens on `port` (replacing a listener lost to a power cycle). Errors: netsim's.
  std::error_code listen(std::uint16_t port);
  void stop_listening();
  [[nodiscard]] bool listening() const { return listener_.valid(); }

  // Opens a connection numbered `id`. Errors (also reported through on_stream_closed with
  // established = false, before this returns): address_in_use when `id` is taken, netsim's
  // tcp_connect errors (network_down, network_unreachable, ...).
  std::error_code connect(ConnectionId id, netsim::SocketAddress remote);
  // Errors: not_connected (no such connection, or closing), netsim's send errors.
  std::error_code send(ConnectionId id, wire::Bytes bytes);
  void close(ConnectionId id);
  void abort(ConnectionId id);

  [[nodiscard]] std::size_t connection_count() const { return connections_.size(); }
  // The netsim handle of a connection (state, addresses, TCP statistics).
  [[nodiscard]] std::optional<netsim::TcpConnection> connection(ConnectionId id) const;
  [[nodiscard]] const StreamCounters& counters() const { return counters_; }

 private:
  struct Entry {
    netsim::TcpConnection connection;
    bool established = false;
    bool closing = false;   // close() or abort() asked, or done after the peer's FIN
    bool notified = false;  // on_stream_closed delivered
  };
  netsim::TcpHandlers handlers(ConnectionId id);
  void data(ConnectionId id, wire::Bytes bytes);
  void peer_fin(ConnectionId id);
  void closed(ConnectionId id, netsim::TcpCloseReason reason);

  netsim::Host& host_;
  StreamReceiver& receiver_;
  std::uint8_t dscp_;
  netsim::TcpListener listener_;
  ConnectionId next_accepted_ = 1;
  std::unordered_map<ConnectionId, Entry> connections_;
  StreamCounters counters_;
};

}  // namespace voicelab::lab
