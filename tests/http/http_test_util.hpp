#pragma once
// Helpers of the HTTP tests: feeding text to the engines and collecting what they send, and a
// loss-free in-process "TCP" that connects the client engine to the server engine.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/http/client.hpp"
#include "voicelab/http/server.hpp"

namespace voicelab::test {

inline wire::Bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// What a server sent on one connection: the bytes, and whether it asked to close.
struct ConnectionOutput {
  std::string bytes;
  bool closed = false;
  std::size_t closes = 0;
  bool operator==(const ConnectionOutput&) const = default;
};

inline ConnectionOutput drain(http::Server& server, http::ConnectionId id) {
  ConnectionOutput out;
  while (auto o = server.poll_transmit()) {
    if (o->connection != id) continue;
    if (o->kind == http::StreamOutput::Kind::send) {
      out.bytes.append(o->bytes.begin(), o->bytes.end());
    } else if (o->kind == http::StreamOutput::Kind::close) {
      out.closed = true;
      ++out.closes;
    }
  }
  return out;
}

inline std::vector<http::ServerEvent> events(http::Server& server) {
  std::vector<http::ServerEvent> out;
  while (auto e = server.poll_event()) out.push_back(std::move(*e));
  return out;
}

// Connects a client engine to a server engine in memory: opens, bytes and closes are delivered
// at once, in order. `split` > 0 delivers every send in pieces of at most that many bytes.
// Calls `on_segment(from_client, bytes)` for every piece (to build a capture).
template <class OnSegment>
void pump(http::Client& client, http::Server& server, Time now, const http::Endpoint& phone,
          std::size_t split, OnSegment&& on_segment) {
  for (bool progress = true; progress;) {
    progress = false;
    while (auto o = client.poll_transmit()) {
      progress = true;
      switch (o->kind) {
        case http::StreamOutput::Kind::open:
          server.handle_opened(now, o->connection, phone);
          client.handle_connected(now, o->connection);
          break;
        case http::StreamOutput::Kind::send:
          for (std::size_t at = 0; at < o->bytes.size();) {
            const std::size_t n =
                split == 0 ? o->bytes.size() : std::min(split, o->bytes.size() - at);
            on_segment(true, wire::Bytes{o->bytes}.subspan(at, n));
            server.handle_bytes(now, o->connection, wire::Bytes{o->bytes}.subspan(at, n));
            at += n;
          }
          break;
        case http::StreamOutput::Kind::close:
          server.handle_closed(now, o->connection);
          break;
      }
    }
    while (auto o = server.poll_transmit()) {
      progress = true;
      if (o->kind == http::StreamOutput::Kind::send) {
        for (std::size_t at = 0; at < o->bytes.size();) {
          const std::size_t n =
              split == 0 ? o->bytes.size() : std::min(split, o->bytes.size() - at);
          on_segment(false, wire::Bytes{o->bytes}.subspan(at, n));
          client.handle_bytes(now, o->connection, wire::Bytes{o->bytes}.subspan(at, n));
          at += n;
        }
      } else if (o->kind == http::StreamOutput::Kind::close) {
        client.handle_closed(now, o->connection);
      }
    }
  }
}

inline void pump(http::Client& client, http::Server& server, Time now, const http::Endpoint& phone,
                 std::size_t split = 0) {
  pump(client, server, now, phone, split, [](bool, wire::Bytes) {});
}

}  // namespace voicelab::test
