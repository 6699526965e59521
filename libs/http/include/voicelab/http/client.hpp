#pragma once
// The phone's HTTP client for the config server (TCP 6970), sans-I/O: one GET at a time, one
// request per connection.
//
//   get(now, server, path)   -> StreamOutput open(connection, server)
//   handle_connected(...)    -> StreamOutput send(GET request, "Connection: close")
//   handle_bytes(...)        -> the response is parsed incrementally (Boost.Beast's
//                               response_parser in buffer mode); when complete: the result is
//                               ready (take_result()) and StreamOutput close
//   handle_closed(...)       -> before connecting: connect_failed; a response delimited by the
//                               end of the connection: complete; otherwise: closed
//   handle_timeout(...)      -> `timeout` after get(): timed_out, and close
//
// One connection per request keeps the engine free of the stale keep-alive connection race (a
// request written on a connection the server is closing must be retried elsewhere); a phone
// fetches a handful of files at boot, so the extra handshakes cost little. The request says
// "Connection: close"; if the server keeps the connection open anyway, the client closes it as
// soon as the response is complete. 1xx interim responses are skipped.
// Malformed responses end the request with bad_response; nothing on the input path throws
// (except std::bad_alloc).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/http/stream.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::http {

struct ClientConfig {
  Duration timeout = 10s;  // from get() to the end of the response
  std::size_t header_limit = 16 * 1024;
  std::uint64_t body_limit = 64ULL * 1024 * 1024;
  std::string user_agent;  // a User-Agent header when not empty
};

enum class ResponseOutcome {
  ok,              // a complete response, whatever its status (404 is an answer)
  connect_failed,  // closed before the connection was established
  closed,          // closed before the response was complete
  timed_out,
  bad_response,  // Beast could not parse the response
  too_large,     // header or body over its limit
};

std::string_view outcome_name(ResponseOutcome outcome) noexcept;

struct Response {
  ResponseOutcome outcome = ResponseOutcome::ok;
  Endpoint server;
  std::string path;  // as asked, without the leading '/'
  unsigned status = 0;
  std::string reason;
  std::string content_type;
  std::vector<std::uint8_t> body;
  std::string error;  // what went wrong, when not ok
  Time started{};
  Time finished{};

  [[nodiscard]] bool ok() const { return outcome == ResponseOutcome::ok; }
  // "HTTP/1.1 404 Not Found"
  [[nodiscard]] std::string status_line() const;
  // "GET http://10.1.1.11:6970/SEP001122334455.cnf.xml: HTTP/1.1 200 OK, 4321 bytes"
  [[nodiscard]] std::string describe() const;
};

enum class ClientEventKind {
  request_sent,       // the GET went out on the connection
  response_received,  // a complete response (any status)
  failed,             // connect_failed, closed, timed_out, bad_response, too_large
};

struct ClientEvent {
  ClientEventKind kind = ClientEventKind::request_sent;
  Time time{};
  ConnectionId connection = 0;
  std::string text;  // the request line, or the response's describe()
  [[nodiscard]] std::string describe() const { return text; }
};

// The %-encoding of a path for a request target: unreserved characters, '/' and the sub-delims
// RFC 3986 allows in a path stay, everything else becomes %XX. "a b.xml" -> "a%20b.xml".
std::string encode_path(std::string_view path);

class Client {
 public:
  explicit Client(ClientConfig config = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts GET /<path> from `server` and returns the connection the driver must open. Throws
  // std::logic_error when a request is in progress.
  ConnectionId get(Time now, Endpoint server, std::string path);
  [[nodiscard]] bool busy() const;
  std::optional<Response> take_result();

  void handle_connected(Time now, ConnectionId connection);
  void handle_bytes(Time now, ConnectionId connection, wire::Bytes bytes);
  void handle_closed(Time now, ConnectionId connection);
  void handle_timeout(Time now);
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<StreamOutput> poll_transmit();
  std::optional<ClientEvent> poll_event();

 private:
  struct Request;
  void new_parser(Request& r) const;
  void finish(Time now, ResponseOutcome outcome, std::string error);

  ClientConfig config_;
  ConnectionId next_connection_ = 1;
  std::unique_ptr<Request> request_;
  std::optional<Response> result_;
  std::deque<StreamOutput> transmits_;
  std::deque<ClientEvent> events_;
};

}  // namespace voicelab::http
