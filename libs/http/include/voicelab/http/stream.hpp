#pragma once
// What the HTTP engines exchange with a stream driver (the simulated TCP of netsim, real Asio
// sockets, or a test): bytes per connection in, and requests to open, send on, or close a
// connection out.

#include <cstdint>
#include <vector>

#include "voicelab/tftp/datagram.hpp"

namespace voicelab::http {

// Endpoints are the TFTP library's (address + port): the config server's HTTP face shares its
// files and path rule with TFTP.
using Endpoint = tftp::Endpoint;

// A connection's number. For a server it is chosen by the driver when it accepts a connection;
// for a client, by the client engine when it asks for one (StreamOutput::Kind::open). Numbers
// are only compared; they need to be unique per engine, not globally.
using ConnectionId = std::uint64_t;

struct StreamOutput {
  enum class Kind {
    open,   // client only: connect to `remote`, then call handle_connected(connection)
    send,   // write `bytes` on `connection`, after everything asked before
    close,  // close `connection` after the bytes asked before are written (FIN, not RST)
  };
  Kind kind = Kind::send;
  ConnectionId connection = 0;
  Endpoint remote;                  // open
  std::vector<std::uint8_t> bytes;  // send
};

}  // namespace voicelab::http
