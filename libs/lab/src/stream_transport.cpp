#include "voicelab/lab/stream_transport.hpp"

namespace voicelab::lab {

StreamTransport::StreamTransport(netsim::Host& host, StreamReceiver& receiver, std::uint8_t dscp)
    : host_(host), receiver_(receiver), dscp_(dscp) {}

StreamTransport::~StreamTransport() {
  listener_.close();
  for (auto& [id, entry] : connections_) {
    // The handlers point at this object: silence them before the RST's deferred on_closed.
    entry.connection.set_handlers({});
    entry.connection.abort();
  }
}

std::error_code StreamTransport::listen(std::uint16_t port) {
  if (listener_.valid()) return {};
  auto listener = host_.tcp_listen(port, [this](netsim::TcpConnection connection) {
    const ConnectionId id = next_accepted_++;
    connection.set_handlers(handlers(id));
    connections_[id] = Entry{connection, true, false, false};
    ++counters_.accepted;
    receiver_.on_stream_opened(id, connection.remote());
  });
  if (!listener.ok()) return listener.error();
  listener_ = *listener;
  listener_.set_dscp(dscp_);
  return {};
}

void StreamTransport::stop_listening() { listener_.close(); }

netsim::TcpHandlers StreamTransport::handlers(ConnectionId id) {
  // Each handler captures (this, id): small enough for std::function's inline storage.
  return {
      .on_connected =
          [this, id](netsim::TcpConnection connection) {
            const auto it = connections_.find(id);
            if (it == connections_.end()) return;
            it->second.established = true;
            ++counters_.connected;
            receiver_.on_stream_connected(id, connection.local());
          },
      .on_data = [this, id](netsim::TcpConnection, wire::Bytes bytes) { data(id, bytes); },
      .on_peer_fin = [this, id](netsim::TcpConnection) { peer_fin(id); },
      .on_closed = [this, id](netsim::TcpConnection,
                              netsim::TcpCloseReason reason) { closed(id, reason); },
  };
}

std::error_code StreamTransport::connect(ConnectionId id, netsim::SocketAddress remote) {
  std::error_code ec;
  if (connections_.count(id) != 0) {
    ec = std::make_error_code(std::errc::address_in_use);
  } else {
    auto connection = host_.tcp_connect(remote, handlers(id), {.dscp = dscp_});
    if (connection.ok()) {
      connections_[id] = Entry{*connection, false, false, false};
      ++counters_.connects;
      return {};
    }
    ec = connection.error();
  }
  ++counters_.connect_failures;
  receiver_.on_stream_closed(id, netsim::TcpCloseReason::aborted, false);
  return ec;
}

std::error_code StreamTransport::send(ConnectionId id, wire::Bytes bytes) {
  const auto it = connections_.find(id);
  if (it == connections_.end() || it->second.closing) {
    ++counters_.unknown_connection;
    return std::make_error_code(std::errc::not_connected);
  }
  if (const auto ec = it->second.connection.send(bytes)) {
    ++counters_.send_errors;
    return ec;
  }
  counters_.bytes_out += bytes.size();
  return {};
}

void StreamTransport::close(ConnectionId id) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) {
    ++counters_.unknown_connection;
    return;
  }
  if (it->second.closing) return;
  it->second.closing = true;
  it->second.connection.close();
}

void StreamTransport::abort(ConnectionId id) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) {
    ++counters_.unknown_connection;
    return;
  }
  it->second.closing = true;
  it->second.connection.abort();
}

std::optional<netsim::TcpConnection> StreamTransport::connection(ConnectionId id) const {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return std::nullopt;
  return it->second.connection;
}

void StreamTransport::data(ConnectionId id, wire::Bytes bytes) {
  const auto it = connections_.find(id);
  if (it == connections_.end() || it->second.notified) return;
  counters_.bytes_in += bytes.size();
  receiver_.on_stream_data(id, bytes);
}

void StreamTransport::peer_fin(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (!it->second.notified) {
    it->second.notified = true;
    ++counters_.closed;
    receiver_.on_stream_closed(id, netsim::TcpCloseReason::peer_closed, it->second.established);
    it = connections_.find(id);  // the receiver may have closed or aborted it
    if (it == connections_.end()) return;
  }
  // The engine was told the connection is over, so it will send nothing more: finish our side
  // (after whatever it queued in answer).
  close(id);
}

void StreamTransport::closed(ConnectionId id, netsim::TcpCloseReason reason) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const Entry entry = it->second;
  connections_.erase(it);
  if (entry.notified) return;
  if (entry.established) {
    ++counters_.closed;
  } else {
    ++counters_.connect_failures;
  }
  receiver_.on_stream_closed(id, reason, entry.established);
}

}  // namespace voicelab::lab
