#include "voicelab/http/server.hpp"

#include <algorithm>
#include <limits>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include "beast_util.hpp"
#include "voicelab/tftp/path.hpp"

namespace voicelab::http {

namespace bhttp = detail::bhttp;
namespace beast = detail::beast;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(),
                    s.end() - static_cast<std::ptrdiff_t>(suffix.size()), [](char a, char b) {
                      const auto lower = [](char c) {
                        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
                      };
                      return lower(a) == lower(b);
                    });
}

std::string seconds_text(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

std::string reason_of(unsigned status) {
  return std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(status)));
}

}  // namespace

std::optional<std::string> target_path(std::string_view target) {
  if (target.size() >= 7 && ends_with_ci(target.substr(0, 7), "http://")) {
    const auto slash = target.find('/', 7);
    target = slash == std::string_view::npos ? std::string_view{"/"} : target.substr(slash);
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  target = target.substr(0, target.find_first_of("?#"));
  target.remove_prefix(1);
  std::string path;
  path.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] != '%') {
      path.push_back(target[i]);
      continue;
    }
    if (i + 2 >= target.size()) return std::nullopt;
    const int high = hex_value(target[i + 1]);
    const int low = hex_value(target[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    path.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return path;
}

std::string ServerEvent::describe() const {
  const std::string who = peer.address.to_string();
  const std::string status_text =
      std::to_string(status) + " " + (status != 0 ? reason_of(status) : std::string{});
  switch (kind) {
    case ServerEventKind::served:
      return method + " " + target + " from " + who + ": " + status_text + ", " +
             std::to_string(bytes) + " bytes";
    case ServerEventKind::not_found:
    case ServerEventKind::method_not_allowed:
      return method + " " + target + " from " + who + ": " + status_text;
    case ServerEventKind::forbidden:
      return method + " " + target + " from " + who + ": " + status_text + ", " + reason;
    case ServerEventKind::bad_request:
      return "Request from " + who + " on connection " + std::to_string(connection) + ": " +
             status_text + ", " + reason;
    case ServerEventKind::closed:
      return "Connection " + std::to_string(connection) + " from " + who + " closed: " + reason;
    case ServerEventKind::idle_closed:
      return "Connection " + std::to_string(connection) + " from " + who + " closed after " +
             reason;
    case ServerEventKind::peer_closed:
      return "Connection " + std::to_string(connection) + " from " + who + " closed by the peer";
  }
  return "unknown HTTP server event";
}

struct Server::Connection {
  Endpoint peer;
  std::string buffer;  // received, not yet consumed by the parser
  std::optional<bhttp::request_parser<bhttp::string_body>> parser;
  bool closing = false;
  Time deadline{};
};

Server::Server(ServerConfig config, tftp::FileSource& files)
    : config_(std::move(config)), files_(files) {}

Server::~Server() = default;

std::optional<StreamOutput> Server::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  auto out = std::move(transmits_.front());
  transmits_.pop_front();
  return out;
}

std::optional<ServerEvent> Server::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Time> Server::next_timeout() const {
  if (idle_deadlines_.empty()) return std::nullopt;
  return idle_deadlines_.begin()->first;
}

Server::Connection& Server::connection(Time now, ConnectionId id) {
  auto& slot = connections_[id];
  if (!slot) {
    slot = std::make_unique<Connection>();
    ++counters_.connections;
    touch(id, *slot, now);
  }
  return *slot;
}

void Server::touch(ConnectionId id, Connection& c, Time now) {
  if (!config_.idle_timeout) return;
  idle_deadlines_.erase({c.deadline, id});
  c.deadline = now + *config_.idle_timeout;
  idle_deadlines_.insert({c.deadline, id});
}

void Server::handle_opened(Time now, ConnectionId id, Endpoint peer) {
  connection(now, id).peer = peer;
}

void Server::handle_bytes(Time now, ConnectionId id, wire::Bytes bytes) {
  counters_.bytes_received += bytes.size();
  if (closed_.count(id) != 0) {
    counters_.ignored_after_close += bytes.size();
    return;
  }
  Connection& c = connection(now, id);
  touch(id, c, now);
  c.buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  process(now, id, c);
  if (c.closing) {
    counters_.ignored_after_close += c.buffer.size();
    forget(id);
  }
}

void Server::forget(ConnectionId id) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  idle_deadlines_.erase({it->second->deadline, id});
  connections_.erase(it);
  closed_.insert(id);
}

void Server::handle_closed(Time now, ConnectionId id) {
  if (closed_.erase(id) != 0) return;  // we closed it first; the id may be reused from now on
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  ServerEvent e;
  e.kind = ServerEventKind::peer_closed;
  e.time = now;
  e.connection = id;
  e.peer = it->second->peer;
  events_.push_back(std::move(e));
  idle_deadlines_.erase({it->second->deadline, id});
  connections_.erase(it);
  transmits_.push_back({StreamOutput::Kind::close, id, {}, {}});
}

void Server::handle_timeout(Time now) {
  while (!idle_deadlines_.empty() && idle_deadlines_.begin()->first <= now) {
    const ConnectionId id = idle_deadlines_.begin()->second;
    idle_deadlines_.erase(idle_deadlines_.begin());
    close(now, id, ServerEventKind::idle_closed,
          seconds_text(*config_.idle_timeout) + " without a request");
    forget(id);
  }
}

void Server::send(ConnectionId id, std::vector<std::uint8_t> bytes) {
  counters_.bytes_sent += bytes.size();
  transmits_.push_back({StreamOutput::Kind::send, id, {}, std::move(bytes)});
}

void Server::close(Time now, ConnectionId id, ServerEventKind kind, std::string reason) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  it->second->closing = true;
  transmits_.push_back({StreamOutput::Kind::close, id, {}, {}});
  ServerEvent e;
  e.kind = kind;
  e.time = now;
  e.connection = id;
  e.peer = it->second->peer;
  e.reason = std::move(reason);
  events_.push_back(std::move(e));
}

void Server::process(Time now, ConnectionId id, Connection& c) {
  while (!c.closing) {
    if (!c.parser) {
      c.parser.emplace();
      c.parser->header_limit(static_cast<std::uint32_t>(
          std::min<std::size_t>(config_.header_limit, std::numeric_limits<std::uint32_t>::max())));
      c.parser->body_limit(config_.body_limit);
    }
    if (c.buffer.empty()) break;
    beast::error_code ec;
    const std::size_t used = c.parser->put(detail::buffer_of(c.buffer.data(), c.buffer.size()), ec);
    c.buffer.erase(0, used);
    if (ec == bhttp::error::need_more) {
      if (used != 0) continue;
      // Beast needs the rest of the header section before it consumes any of it: bound what
      // is kept meanwhile.
      if (!c.parser->is_header_done() && c.buffer.size() > config_.header_limit) {
        fail(now, id, c, 431,
             "header section over " + std::to_string(config_.header_limit) + " bytes");
      }
      break;
    }
    if (ec == bhttp::error::header_limit) {
      fail(now, id, c, 431,
           "header section over " + std::to_string(config_.header_limit) + " bytes");
      break;
    }
    if (ec == bhttp::error::body_limit) {
      fail(now, id, c, 413, "body over " + std::to_string(config_.body_limit) + " bytes");
      break;
    }
    if (ec) {
      fail(now, id, c, 400, ec.message());
      break;
    }
    if (c.parser->is_done()) {
      respond(now, id, c);
      c.parser.reset();
    } else if (used == 0) {
      break;
    }
  }
}

void Server::fail(Time now, ConnectionId id, Connection& c, unsigned status, std::string reason) {
  ++counters_.bad_requests;
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "text/plain");
  if (!config_.server_name.empty()) res.set(bhttp::field::server, config_.server_name);
  res.keep_alive(false);
  res.body() = std::to_string(status) + " " + reason_of(status) + "\n";
  res.prepare_payload();
  send(id, detail::serialize(res));
  ServerEvent e;
  e.kind = ServerEventKind::bad_request;
  e.time = now;
  e.connection = id;
  e.peer = c.peer;
  e.status = status;
  e.reason = reason;
  events_.push_back(std::move(e));
  close(now, id, ServerEventKind::closed,
        "after " + std::to_string(status) + " " + reason_of(status));
}

void Server::respond(Time now, ConnectionId id, Connection& c) {
  const auto& req = c.parser->get();
  ++counters_.requests;
  ServerEvent e;
  e.time = now;
  e.connection = id;
  e.peer = c.peer;
  e.method = std::string(req.method_string());
  e.target = std::string(req.target());
  const bool keep_alive = req.keep_alive();

  if (req.version() >= 11 && req.find(bhttp::field::host) == req.end()) {
    return fail(now, id, c, 400, "HTTP/1.1 request without Host");
  }
  const auto path = target_path(req.target());
  if (!path) return fail(now, id, c, 400, "bad request target '" + e.target + "'");
  e.path = *path;

  const bool head = req.method() == bhttp::verb::head;
  tftp::FileContent content;
  std::string body;  // error responses
  bhttp::status status = bhttp::status::ok;
  if (req.method() != bhttp::verb::get && !head) {
    status = bhttp::status::method_not_allowed;
    e.kind = ServerEventKind::method_not_allowed;
    ++counters_.method_not_allowed;
  } else if (const auto problem = tftp::check_path(*path); problem != tftp::PathProblem::none) {
    status = bhttp::status::forbidden;
    e.kind = ServerEventKind::forbidden;
    e.reason = std::string(tftp::describe(problem));
    ++counters_.forbidden;
  } else if (content = files_.lookup(*path); !content) {
    status = bhttp::status::not_found;
    e.kind = ServerEventKind::not_found;
    ++counters_.not_found;
  } else {
    e.kind = ServerEventKind::served;
    ++counters_.ok;
  }

  bhttp::response<bhttp::empty_body> res{status, 11};
  if (!config_.server_name.empty()) res.set(bhttp::field::server, config_.server_name);
  std::uint64_t length = 0;
  if (content) {
    res.set(bhttp::field::content_type,
            ends_with_ci(*path, ".xml") ? "text/xml" : "application/octet-stream");
    length = content->size();
  } else {
    res.set(bhttp::field::content_type, "text/plain");
    body = std::to_string(static_cast<unsigned>(status)) + " " +
           reason_of(static_cast<unsigned>(status)) + "\n";
    length = body.size();
    if (status == bhttp::status::method_not_allowed) res.set(bhttp::field::allow, "GET, HEAD");
  }
  res.content_length(length);
  res.keep_alive(keep_alive);
  // Beast writes no Connection header for a persistent HTTP/1.1 response; an HTTP/1.0 client
  // needs "keep-alive" spelled out to keep the connection (RFC 9112 §9.3, RFC 7230 appendix A).
  if (keep_alive && req.version() < 11) res.set(bhttp::field::connection, "keep-alive");
  auto bytes = detail::serialize(res);
  if (!head) {
    if (content) {
      bytes.insert(bytes.end(), content->begin(), content->end());
    } else {
      bytes.insert(bytes.end(), body.begin(), body.end());
    }
  }
  send(id, std::move(bytes));
  e.status = static_cast<unsigned>(status);
  e.bytes = length;
  events_.push_back(std::move(e));
  if (!keep_alive) close(now, id, ServerEventKind::closed, "Connection: close");
}

}  // namespace voicelab::http
