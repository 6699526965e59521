#pragma once
// The HTTP face of a CUCM node's TFTP service (TCP 6970), sans-I/O: GET and HEAD of the files
// the TFTP server serves, from the same FileSource under the same path rule.
//
// Per connection, bytes are fed as they arrive (handle_bytes) to Boost.Beast's request parser
// used in buffer mode (no Asio I/O object is involved); every complete request is answered at
// once, in order, so pipelined requests get their responses in request order.
//
// Answers:
//   GET / HEAD of a path that check_path() allows and the FileSource has   200, the file (HEAD:
//       the same headers, no body), Content-Length, Content-Type text/xml for ".xml" (any case),
//       application/octet-stream otherwise;
//   ... a path that check_path() allows but the FileSource does not have    404 (exactly where
//       TFTP answers error 1 file not found);
//   ... a path check_path() refuses                                         403 (TFTP: error 2);
//   another method                                                          405, Allow: GET, HEAD;
//   a request Beast cannot parse, an HTTP/1.1 request without Host, a target
//       that is not origin-form ("/...") or absolute-form ("http://host/..."),
//       a bad %-escape                                                      400, then close;
//   header section over header_limit                                        431, then close;
//   body over body_limit                                                    413, then close.
// The target's path is %-decoded, its query ("?...") dropped, and its leading '/' removed before
// check_path(), so "/%2e%2e/x" is refused like "../x".
//
// Keep-alive: HTTP/1.1 connections stay open unless the request says "Connection: close";
// HTTP/1.0 ones close unless it says "Connection: keep-alive" (RFC 9112 §9.3), which the
// response then repeats. After the server's close, further bytes on the connection are ignored. A
// connection idle for idle_timeout (nothing received, whether or not a request was started) is
// closed. No Date header is sent: the engine has no clock (RFC 9110 §6.6.1 lets a server without a
// clock omit it).
// Malformed requests are counted and reported as events; nothing on the input path throws
// (except std::bad_alloc).

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "voicelab/http/stream.hpp"
#include "voicelab/tftp/file_source.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::http {

struct ServerConfig {
  std::size_t header_limit = 8 * 1024;         // request line + header fields
  std::uint64_t body_limit = 64 * 1024;        // a request body (read and ignored)
  std::optional<Duration> idle_timeout = 60s;  // unset: never close idle connections
  std::string server_name;                     // a Server header when not empty
};

enum class ServerEventKind {
  served,              // 200
  not_found,           // 404
  forbidden,           // 403: the path rule refused the path; `reason`
  method_not_allowed,  // 405
  bad_request,         // 400 / 413 / 431 and close; `reason`
  closed,              // the server closed the connection (Connection: close, error)
  idle_closed,         // closed after idle_timeout
  peer_closed,         // handle_closed(): the peer closed or reset
};

struct ServerEvent {
  ServerEventKind kind = ServerEventKind::served;
  Time time{};
  ConnectionId connection = 0;
  Endpoint peer;       // from handle_opened(), or 0.0.0.0:0
  std::string method;  // "GET", "HEAD", ...
  std::string target;  // as received
  std::string path;    // decoded, without the leading '/'
  unsigned status = 0;
  std::uint64_t bytes = 0;  // Content-Length of the response
  std::string reason;

  // "GET /SEP001122334455.cnf.xml from 10.1.100.23: 200 OK, 4321 bytes"
  [[nodiscard]] std::string describe() const;
};

struct ServerCounters {
  std::uint64_t connections = 0;  // seen (opened or first bytes)
  std::uint64_t requests = 0;
  std::uint64_t ok = 0, not_found = 0, forbidden = 0, method_not_allowed = 0, bad_requests = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t ignored_after_close = 0;  // bytes received after the server decided to close
};

// The path a request target names, as check_path() expects it: "/a/b%20c.xml?x" -> "a/b c.xml",
// "http://10.1.1.11:6970/a" -> "a". nullopt for a target that is not origin-form or
// absolute-form http, or with a bad %-escape. Exposed for tests.
std::optional<std::string> target_path(std::string_view target);

class Server {
 public:
  // `files` must outlive the server.
  Server(ServerConfig config, tftp::FileSource& files);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Optional: names the peer of a new connection for events. A connection also starts with its
  // first bytes.
  void handle_opened(Time now, ConnectionId connection, Endpoint peer);
  void handle_bytes(Time now, ConnectionId connection, wire::Bytes bytes);
  // The connection is gone: the peer closed or reset it (the engine then answers with a close,
  // after any response already queued), or the driver carried out the engine's own close. Call
  // it in both cases: after its own close the engine ignores the connection's bytes until this
  // call, and only then may the driver give the same ConnectionId to a new connection.
  void handle_closed(Time now, ConnectionId connection);
  void handle_timeout(Time now);  // idle connections; harmless when early
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<StreamOutput> poll_transmit();
  std::optional<ServerEvent> poll_event();

  [[nodiscard]] const ServerCounters& counters() const { return counters_; }
  // Connections with state (receiving or idle); closed ones awaiting handle_closed() excluded.
  [[nodiscard]] std::size_t open_connections() const { return connections_.size(); }

 private:
  struct Connection;
  Connection& connection(Time now, ConnectionId id);
  void process(Time now, ConnectionId id, Connection& c);
  void respond(Time now, ConnectionId id, Connection& c);
  void fail(Time now, ConnectionId id, Connection& c, unsigned status, std::string reason);
  void send(ConnectionId id, std::vector<std::uint8_t> bytes);
  void close(Time now, ConnectionId id, ServerEventKind kind, std::string reason);
  void touch(ConnectionId id, Connection& c, Time now);
  void forget(ConnectionId id);  // after close(): drop the state, remember the id

  ServerConfig config_;
  tftp::FileSource& files_;
  std::map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::set<ConnectionId> closed_;  // closed by the engine, handle_closed() not yet called
  std::set<std::pair<Time, ConnectionId>> idle_deadlines_;
  std::deque<StreamOutput> transmits_;
  std::deque<ServerEvent> events_;
  ServerCounters counters_;
};

}  // namespace voicelab::http
