#include "voicelab/http/client.hpp"

#include <limits>
#include <stdexcept>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/http/verb.hpp>

#include "beast_util.hpp"

namespace voicelab::http {

namespace bhttp = detail::bhttp;
namespace beast = detail::beast;

std::string_view outcome_name(ResponseOutcome outcome) noexcept {
  switch (outcome) {
    case ResponseOutcome::ok:
      return "ok";
    case ResponseOutcome::connect_failed:
      return "connection failed";
    case ResponseOutcome::closed:
      return "connection closed before the response was complete";
    case ResponseOutcome::timed_out:
      return "timed out";
    case ResponseOutcome::bad_response:
      return "malformed response";
    case ResponseOutcome::too_large:
      return "response too large";
  }
  return "unknown";
}

std::string Response::status_line() const {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason;
}

std::string Response::describe() const {
  const std::string request = "GET http://" + server.to_string() + "/" + path + ": ";
  if (!ok())
    return request + std::string(outcome_name(outcome)) + (error.empty() ? "" : ", " + error);
  return request + status_line() + ", " + std::to_string(body.size()) + " bytes";
}

std::string encode_path(std::string_view path) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view{"-._~/!$&'()*+,;=:@"}.find(c) != std::string_view::npos;
    if (keep) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0x0f]);
    }
  }
  return out;
}

struct Client::Request {
  ConnectionId connection = 0;
  Endpoint server;
  std::string path;
  bool connected = false;
  Time started{};
  Time deadline{};
  std::string buffer;  // received, not yet consumed by the parser
  std::optional<bhttp::response_parser<bhttp::vector_body<std::uint8_t>>> parser;
};

Client::Client(ClientConfig config) : config_(std::move(config)) {}
Client::~Client() = default;

bool Client::busy() const { return request_ != nullptr; }

std::optional<Response> Client::take_result() {
  auto r = std::move(result_);
  result_.reset();
  return r;
}

std::optional<StreamOutput> Client::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  auto out = std::move(transmits_.front());
  transmits_.pop_front();
  return out;
}

std::optional<ClientEvent> Client::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Time> Client::next_timeout() const {
  if (!request_) return std::nullopt;
  return request_->deadline;
}

ConnectionId Client::get(Time now, Endpoint server, std::string path) {
  if (request_) throw std::logic_error("HTTP client: a request is already in progress");
  request_ = std::make_unique<Request>();
  request_->connection = next_connection_++;
  request_->server = server;
  request_->path = std::move(path);
  request_->started = now;
  request_->deadline = now + config_.timeout;
  result_.reset();
  transmits_.push_back({StreamOutput::Kind::open, request_->connection, server, {}});
  return request_->connection;
}

void Client::new_parser(Request& r) const {
  r.parser.emplace();
  r.parser->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(config_.header_limit, std::numeric_limits<std::uint32_t>::max())));
  r.parser->body_limit(config_.body_limit);
}

void Client::handle_connected(Time now, ConnectionId connection) {
  if (!request_ || request_->connection != connection || request_->connected) return;
  Request& r = *request_;
  r.connected = true;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/" + encode_path(r.path), 11};
  req.set(bhttp::field::host, r.server.to_string());
  if (!config_.user_agent.empty()) req.set(bhttp::field::user_agent, config_.user_agent);
  req.keep_alive(false);
  transmits_.push_back({StreamOutput::Kind::send, connection, {}, detail::serialize(req)});
  new_parser(r);
  events_.push_back({ClientEventKind::request_sent, now, connection,
                     "GET http://" + r.server.to_string() + "/" + r.path});
}

void Client::handle_bytes(Time now, ConnectionId connection, wire::Bytes bytes) {
  if (!request_ || request_->connection != connection || !request_->parser) return;
  Request& r = *request_;
  r.buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  while (!r.buffer.empty()) {
    beast::error_code ec;
    const std::size_t used = r.parser->put(detail::buffer_of(r.buffer.data(), r.buffer.size()), ec);
    r.buffer.erase(0, used);
    if (ec == bhttp::error::need_more) {
      if (used != 0) continue;
      if (!r.parser->is_header_done() && r.buffer.size() > config_.header_limit) {
        return finish(now, ResponseOutcome::too_large, "response header over the limit");
      }
      return;
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::body_limit) {
      return finish(now, ResponseOutcome::too_large, ec.message());
    }
    if (ec) return finish(now, ResponseOutcome::bad_response, ec.message());
    if (r.parser->is_done()) {
      const unsigned status = r.parser->get().result_int();
      if (status >= 100 && status < 200 && status != 101) {  // interim: the real one follows
        new_parser(r);
        continue;
      }
      return finish(now, ResponseOutcome::ok, "");
    }
    if (used == 0) return;
  }
}

void Client::handle_closed(Time now, ConnectionId connection) {
  if (!request_ || request_->connection != connection) return;
  Request& r = *request_;
  if (!r.connected)
    return finish(now, ResponseOutcome::connect_failed, "connection refused or lost");
  if (r.parser && r.parser->is_header_done() && r.buffer.empty()) {
    // A body delimited by the end of the connection (no Content-Length, not chunked).
    beast::error_code ec;
    r.parser->put_eof(ec);
    if (!ec && r.parser->is_done()) return finish(now, ResponseOutcome::ok, "");
  }
  finish(now, ResponseOutcome::closed, "");
}

void Client::handle_timeout(Time now) {
  if (!request_ || request_->deadline > now) return;
  finish(now, ResponseOutcome::timed_out, "no complete response after the timeout");
}

void Client::finish(Time now, ResponseOutcome outcome, std::string error) {
  Request& r = *request_;
  Response response;
  response.outcome = outcome;
  response.server = r.server;
  response.path = r.path;
  response.error = std::move(error);
  response.started = r.started;
  response.finished = now;
  if (r.parser && r.parser->is_header_done()) {
    auto& message = r.parser->get();
    response.status = message.result_int();
    response.reason = std::string(message.reason());
    if (const auto it = message.find(bhttp::field::content_type); it != message.end()) {
      response.content_type = std::string(it->value());
    }
    if (outcome == ResponseOutcome::ok) response.body = std::move(message.body());
  }
  // The connection is done in every case (a close after a close is harmless for a driver).
  transmits_.push_back({StreamOutput::Kind::close, r.connection, {}, {}});
  events_.push_back({outcome == ResponseOutcome::ok ? ClientEventKind::response_received
                                                    : ClientEventKind::failed,
                     now, r.connection, response.describe()});
  result_ = std::move(response);
  request_.reset();
}

}  // namespace voicelab::http
