#include "voicelab/tftp/server.hpp"

#include <algorithm>
#include <stdexcept>

#include "text.hpp"
#include "voicelab/tftp/path.hpp"

namespace voicelab::tftp {
namespace {

// RFC 1350 netascii (RFC 764): line ends become CR LF, a bare CR becomes CR NUL.
FileContent to_netascii(const FileContent& content) {
  std::vector<std::uint8_t> out;
  out.reserve(content->size() + content->size() / 16);
  for (std::uint8_t b : *content) {
    if (b == '\n') {
      out.push_back('\r');
      out.push_back('\n');
    } else if (b == '\r') {
      out.push_back('\r');
      out.push_back(0);
    } else {
      out.push_back(b);
    }
  }
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(out));
}

Duration seconds(std::uint8_t s) { return std::chrono::seconds{s}; }

}  // namespace

std::string ServerEvent::describe() const {
  const std::string request = "Request for " + filename + " from " + client.address.to_string();
  const std::string error_text =
      error ? "error " + std::to_string(static_cast<unsigned>(*error)) : std::string{};
  switch (kind) {
    case ServerEventKind::transfer_started:
      return request + ": serving " + detail::plural(bytes, "byte", "bytes") + " from port " +
             std::to_string(local_port) + " (blksize " + std::to_string(blksize) + ", windowsize " +
             std::to_string(windowsize) + ", " + std::to_string(active) + " active, " +
             std::to_string(queue_depth) + " queued)";
    case ServerEventKind::transfer_completed:
      return request + ": sent " + detail::plural(bytes, "byte", "bytes") + " in " +
             detail::plural(blocks, "block", "blocks");
    case ServerEventKind::transfer_failed:
      return request + ": transfer abandoned after " + detail::seconds_text(elapsed) + ", " +
             reason;
    case ServerEventKind::file_not_found:
      return request + ": File not found (sent " + error_text + ")";
    case ServerEventKind::access_violation:
      return request + ": access violation, " + reason + " (sent " + error_text + ")";
    case ServerEventKind::request_rejected:
      return request + ": rejected, " + reason + " (sent " + error_text + ")";
    case ServerEventKind::request_queued:
      return request + ": queued behind " + std::to_string(active) + " active transfers (" +
             std::to_string(queue_depth) + " waiting)";
    case ServerEventKind::request_refused:
      return request + ": refused, server busy with " + std::to_string(queue_depth) +
             " requests queued (maximum serving count; Cisco logs a 503; sent " + error_text + ")";
    case ServerEventKind::request_expired:
      return request + ": dropped after " + detail::seconds_text(elapsed) + " in the queue";
    case ServerEventKind::duplicate_request:
      return request + ": retransmitted request from port " + std::to_string(client.port) +
             " ignored, " + reason;
    case ServerEventKind::unknown_tid:
      return "Datagram from " + client.to_string() + " to transfer port " +
             std::to_string(local_port) + ": unknown transfer ID (sent " + error_text + ")";
    case ServerEventKind::malformed:
      return "Malformed datagram from " + client.to_string() + ": " + reason +
             (error ? " (sent " + error_text + ")" : std::string{});
  }
  return "unknown TFTP server event";
}

Server::Server(ServerConfig config, FileSource& files, Random& random)
    : config_(config), files_(files), random_(random) {
  if (config_.workers == 0) throw std::invalid_argument("TFTP server: workers must be >= 1");
  if (config_.first_transfer_port > config_.last_transfer_port) {
    throw std::invalid_argument("TFTP server: empty transfer port range");
  }
  const std::size_t range_size =
      std::size_t{config_.last_transfer_port} - config_.first_transfer_port + 1;
  const bool listen_in_range = config_.listen_port >= config_.first_transfer_port &&
                               config_.listen_port <= config_.last_transfer_port;
  if (range_size - (listen_in_range ? 1 : 0) < config_.workers) {
    throw std::invalid_argument("TFTP server: transfer port range smaller than workers");
  }
  if (config_.max_blksize < min_block_size) {
    throw std::invalid_argument("TFTP server: max_blksize below 8");
  }
  if (config_.max_windowsize < 1) {
    throw std::invalid_argument("TFTP server: max_windowsize below 1");
  }
  if (config_.retransmit_timeout <= Duration::zero()) {
    throw std::invalid_argument("TFTP server: retransmit_timeout must be positive");
  }
}

ServerEvent Server::event(ServerEventKind kind, Time now, const Endpoint& client,
                          std::string_view filename) const {
  ServerEvent e;
  e.kind = kind;
  e.time = now;
  e.client = client;
  e.filename = filename;
  e.active = transfers_.size();
  e.queue_depth = queue_.size();
  return e;
}

void Server::emit(ServerEvent e) { events_.push_back(std::move(e)); }

std::optional<OutgoingDatagram> Server::poll_transmit() {
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
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

std::vector<std::uint16_t> Server::transfer_ports() const {
  std::vector<std::uint16_t> ports;
  ports.reserve(transfers_.size());
  for (const auto& [port, transfer] : transfers_) ports.push_back(port);
  return ports;
}

void Server::reply_error(const Endpoint& to, std::uint16_t from_port, ErrorCode code,
                         std::string_view message) {
  transmits_.push_back({to, from_port, std::nullopt, false, encode_error(code, message)});
}

std::optional<std::uint16_t> Server::allocate_port() {
  const std::uint64_t size =
      std::uint64_t{config_.last_transfer_port} - config_.first_transfer_port + 1;
  std::uint64_t offset = random_.below(size);
  // Linear probing from a random start: uniform enough, and bounded by the range size.
  for (std::uint64_t tries = 0; tries < size; ++tries, offset = (offset + 1) % size) {
    const auto port = static_cast<std::uint16_t>(config_.first_transfer_port + offset);
    if (port == config_.listen_port || transfers_.count(port) != 0) continue;
    return port;
  }
  return std::nullopt;
}

void Server::handle_datagram(Time now, const Datagram& in) {
  if (in.destination.port != config_.listen_port) {
    const auto it = transfers_.find(in.destination.port);
    if (it == transfers_.end()) {
      ++counters_.stray;
      return;
    }
    handle_transfer_datagram(now, in, it->second);
    return;
  }

  auto decoded = decode_packet(in.payload);
  if (!decoded) {
    ++counters_.malformed;
    auto e = event(ServerEventKind::malformed, now, in.source, "");
    e.reason = decoded.error().message();
    // A request the server could not read is answered, so the client does not wait in vain:
    // ERROR 8 for an option value out of its range (RFC 2347), ERROR 4 otherwise.
    wire::ByteReader peek{in.payload};
    const auto opcode = static_cast<Opcode>(peek.u16());
    if (peek.ok() && (opcode == Opcode::rrq || opcode == Opcode::wrq)) {
      const bool option_error = decoded.error() == make_error_code(errc::bad_option_value);
      e.error = option_error ? ErrorCode::option_negotiation : ErrorCode::illegal_operation;
      reply_error(in.source, config_.listen_port, *e.error,
                  std::string(error_code_name(*e.error)) + ": " + e.reason);
    }
    emit(std::move(e));
    return;
  }
  if (auto* request = std::get_if<Request>(&*decoded)) {
    handle_request(now, in, std::move(*request));
    return;
  }
  ++counters_.malformed;
  auto e = event(ServerEventKind::malformed, now, in.source, "");
  e.reason = std::string(packet_name(*decoded)) + " sent to the request port " +
             std::to_string(config_.listen_port);
  emit(std::move(e));
}

void Server::handle_request(Time now, const Datagram& in, Request request) {
  ++counters_.requests;
  const Endpoint& client = in.source;

  const auto reject = [&](ServerEventKind kind, ErrorCode code, std::string reason) {
    auto e = event(kind, now, client, request.filename);
    e.error = code;
    e.reason = std::move(reason);
    reply_error(client, config_.listen_port, code,
                std::string(error_code_name(code)) + ": " + e.reason);
    emit(std::move(e));
  };

  if (request.opcode == Opcode::wrq) {
    ++counters_.rejected;
    reject(ServerEventKind::request_rejected, ErrorCode::illegal_operation,
           "write request to a read-only server");
    return;
  }
  const auto mode = transfer_mode(request.mode);
  if (!mode || *mode == TransferMode::mail) {
    ++counters_.rejected;
    reject(ServerEventKind::request_rejected, ErrorCode::illegal_operation,
           "unsupported transfer mode '" + request.mode + "'");
    return;
  }
  if (const auto problem = check_path(request.filename); problem != PathProblem::none) {
    ++counters_.access_violations;
    reject(ServerEventKind::access_violation, ErrorCode::access_violation,
           std::string(describe(problem)));
    return;
  }

  // A retransmission of a request already in hand, or a new request from the same endpoint.
  if (const auto it = transfer_by_client_.find(client); it != transfer_by_client_.end()) {
    Transfer& transfer = transfers_.at(it->second);
    if (transfer.filename == request.filename) {
      ++counters_.duplicate_requests;
      auto e = event(ServerEventKind::duplicate_request, now, client, request.filename);
      e.local_port = transfer.port;
      e.reason = "transfer in progress";
      emit(std::move(e));
      return;
    }
    finish(now, transfer, ServerEventKind::transfer_failed,
           "superseded by a request for " + request.filename);
  }
  if (queued_clients_.count(client) != 0) {
    for (auto& pending : queue_) {
      if (pending.client != client) continue;
      if (pending.request.filename == request.filename) {
        ++counters_.duplicate_requests;
        auto e = event(ServerEventKind::duplicate_request, now, client, request.filename);
        e.reason = "request queued";
        emit(std::move(e));
      } else {
        pending.request = std::move(request);  // keeps its place in the queue
      }
      return;
    }
  }

  Pending pending{client, std::move(request), now};
  if (transfers_.size() < config_.workers && queue_.empty()) {
    start(now, std::move(pending));
    return;
  }
  if (queue_.size() >= config_.max_serving_count) {
    ++counters_.refused;
    auto e = event(ServerEventKind::request_refused, now, client, pending.request.filename);
    e.error = ErrorCode::undefined;
    reply_error(client, config_.listen_port, ErrorCode::undefined,
                "Server busy: maximum serving count reached, try again later");
    emit(std::move(e));
    return;
  }
  ++counters_.queued;
  queued_clients_.insert(client);
  queue_.push_back(std::move(pending));
  emit(event(ServerEventKind::request_queued, now, client, queue_.back().request.filename));
}

void Server::start_next(Time now) {
  while (transfers_.size() < config_.workers && !queue_.empty()) {
    Pending pending = std::move(queue_.front());
    queue_.pop_front();
    queued_clients_.erase(pending.client);
    if (config_.max_queue_wait && now - pending.arrived > *config_.max_queue_wait) {
      ++counters_.expired;
      auto e =
          event(ServerEventKind::request_expired, now, pending.client, pending.request.filename);
      e.elapsed = now - pending.arrived;
      emit(std::move(e));
      continue;
    }
    start(now, std::move(pending));
  }
}

void Server::start(Time now, Pending pending) {
  const Request& request = pending.request;
  FileContent content = files_.lookup(request.filename);
  if (!content) {
    ++counters_.files_not_found;
    auto e = event(ServerEventKind::file_not_found, now, pending.client, request.filename);
    e.error = ErrorCode::file_not_found;
    reply_error(pending.client, config_.listen_port, ErrorCode::file_not_found, "File not found");
    emit(std::move(e));
    return;
  }
  if (transfer_mode(request.mode) == TransferMode::netascii) content = to_netascii(content);

  const auto port = allocate_port();
  if (!port) {  // unreachable with a valid configuration; answered like a full queue
    ++counters_.refused;
    auto e = event(ServerEventKind::request_refused, now, pending.client, request.filename);
    e.error = ErrorCode::undefined;
    reply_error(pending.client, config_.listen_port, ErrorCode::undefined,
                "Server busy: no transfer port free");
    emit(std::move(e));
    return;
  }

  Transfer transfer;
  transfer.client = pending.client;
  transfer.port = *port;
  transfer.filename = request.filename;
  transfer.content = std::move(content);
  transfer.timeout = config_.retransmit_timeout;
  transfer.started = now;
  if (config_.negotiate_options) {
    OptionAck oack;
    const auto& asked = request.options;
    if (asked.blksize) {
      transfer.blksize = std::min(*asked.blksize, config_.max_blksize);
      oack.options.blksize = transfer.blksize;
    }
    if (asked.timeout) {
      transfer.timeout = seconds(*asked.timeout);
      oack.options.timeout = asked.timeout;
    }
    if (asked.tsize) oack.options.tsize = transfer.content->size();
    if (asked.windowsize) {
      transfer.windowsize = std::min(*asked.windowsize, config_.max_windowsize);
      oack.options.windowsize = transfer.windowsize;
    }
    if (!oack.options.empty()) transfer.oack = std::move(oack);
  }
  transfer.total_blocks = transfer.content->size() / transfer.blksize + 1;

  auto [it, inserted] = transfers_.emplace(transfer.port, std::move(transfer));
  Transfer& t = it->second;
  transfer_by_client_[t.client] = t.port;
  ++counters_.transfers_started;

  auto e = event(ServerEventKind::transfer_started, now, t.client, t.filename);
  e.local_port = t.port;
  e.bytes = t.content->size();
  e.blocks = t.total_blocks;
  e.blksize = t.blksize;
  e.windowsize = t.windowsize;
  emit(std::move(e));

  if (t.oack) {
    transmits_.push_back(
        {t.client, t.port, std::nullopt, false, encode_packet(Packet{*t.oack}).value()});
  } else {
    send_window(t, false);
  }
  arm(t, now + t.timeout);
}

void Server::send_window(Transfer& t, bool retransmission) {
  const std::uint64_t last = std::min(t.acked + t.windowsize, t.total_blocks);
  const auto& bytes = *t.content;
  for (std::uint64_t block = t.acked + 1; block <= last; ++block) {
    const std::uint64_t begin = (block - 1) * t.blksize;
    const std::uint64_t end = std::min<std::uint64_t>(bytes.size(), begin + t.blksize);
    const wire::Bytes payload = wire::Bytes{bytes}.subspan(begin, end - begin);
    transmits_.push_back({t.client, t.port, std::nullopt, false,
                          encode_data(static_cast<std::uint16_t>(block & 0xffff), payload)});
    ++counters_.data_packets;
    counters_.bytes_sent += payload.size();
    if (retransmission || block <= t.sent) ++counters_.retransmissions;
  }
  t.sent = std::max(t.sent, last);
}

void Server::arm(Transfer& t, Time deadline) {
  deadlines_.erase({t.deadline, t.port});
  t.deadline = deadline;
  deadlines_.insert({t.deadline, t.port});
}

void Server::finish(Time now, Transfer& t, ServerEventKind kind, std::string reason,
                    std::optional<ErrorCode> error) {
  auto e = event(kind, now, t.client, t.filename);
  e.local_port = t.port;
  e.blocks = t.acked;
  e.blksize = t.blksize;
  e.windowsize = t.windowsize;
  e.bytes = kind == ServerEventKind::transfer_completed
                ? t.content->size()
                : std::min<std::uint64_t>(t.content->size(), t.acked * t.blksize);
  e.elapsed = now - t.started;
  e.reason = std::move(reason);
  e.error = error;
  if (kind == ServerEventKind::transfer_completed) {
    ++counters_.transfers_completed;
  } else {
    ++counters_.transfers_failed;
  }
  deadlines_.erase({t.deadline, t.port});
  transfer_by_client_.erase(t.client);
  transfers_.erase(t.port);  // t is gone from here on
  e.active = transfers_.size();
  emit(std::move(e));
  start_next(now);
}

void Server::handle_transfer_datagram(Time now, const Datagram& in, Transfer& t) {
  if (in.source != t.client) {
    ++counters_.unknown_tid;
    auto e = event(ServerEventKind::unknown_tid, now, in.source, t.filename);
    e.local_port = t.port;
    e.error = ErrorCode::unknown_tid;
    reply_error(in.source, t.port, ErrorCode::unknown_tid, "Unknown transfer ID");
    emit(std::move(e));
    return;
  }
  auto decoded = decode_packet(in.payload);
  if (!decoded) {
    ++counters_.malformed;
    auto e = event(ServerEventKind::malformed, now, in.source, t.filename);
    e.local_port = t.port;
    e.reason = decoded.error().message();
    emit(std::move(e));
    return;
  }
  if (const auto* error = std::get_if<Error>(&*decoded)) {
    finish(now, t, ServerEventKind::transfer_failed,
           "client sent error " + std::to_string(static_cast<unsigned>(error->code)) + " '" +
               error->message + "'",
           error->code);
    return;
  }
  const auto* ack = std::get_if<Ack>(&*decoded);
  if (ack == nullptr) {
    ++counters_.malformed;
    auto e = event(ServerEventKind::malformed, now, in.source, t.filename);
    e.local_port = t.port;
    e.reason = std::string(packet_name(*decoded)) + " on a read transfer";
    emit(std::move(e));
    return;
  }

  if (t.oack) {
    if (ack->block != 0) {  // not the answer to the OACK: ignore, the timer resends the OACK
      ++counters_.duplicate_acks;
      return;
    }
    t.oack.reset();
    t.retries = 0;
    send_window(t, false);
    arm(t, now + t.timeout);
    return;
  }

  const auto diff = static_cast<std::uint16_t>(ack->block - static_cast<std::uint16_t>(t.acked));
  const std::uint64_t acked = t.acked + diff;
  if (diff == 0 || acked > t.sent) {
    // The block already acknowledged (a duplicate: never answered, RFC 1123 §4.2.3.1), or an
    // old ACK from before a block-number wrap.
    ++counters_.duplicate_acks;
    return;
  }
  t.acked = acked;
  t.retries = 0;
  if (t.acked == t.total_blocks) {
    finish(now, t, ServerEventKind::transfer_completed, "");
    return;
  }
  send_window(t, false);
  arm(t, now + t.timeout);
}

void Server::handle_timeout(Time now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const std::uint16_t port = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    Transfer& t = transfers_.at(port);
    if (t.retries >= config_.max_retransmits) {
      finish(now, t, ServerEventKind::transfer_failed,
             "timed out: no acknowledgement after " +
                 detail::plural(t.retries, "retransmission", "retransmissions"));
      continue;
    }
    ++t.retries;
    if (t.oack) {
      transmits_.push_back(
          {t.client, t.port, std::nullopt, false, encode_packet(Packet{*t.oack}).value()});
      ++counters_.retransmissions;
    } else {
      send_window(t, true);
    }
    t.deadline = now + t.timeout;
    deadlines_.insert({t.deadline, t.port});
  }
}

}  // namespace voicelab::tftp
