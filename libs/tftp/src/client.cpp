#include "voicelab/tftp/client.hpp"

#include <stdexcept>

#include "text.hpp"

namespace voicelab::tftp {

std::string_view outcome_name(DownloadOutcome outcome) noexcept {
  switch (outcome) {
    case DownloadOutcome::ok:
      return "ok";
    case DownloadOutcome::file_not_found:
      return "file not found";
    case DownloadOutcome::access_violation:
      return "access violation";
    case DownloadOutcome::server_error:
      return "server error";
    case DownloadOutcome::timed_out:
      return "timed out";
    case DownloadOutcome::protocol_error:
      return "protocol error";
    case DownloadOutcome::too_large:
      return "file too large";
  }
  return "unknown";
}

std::string DownloadResult::describe() const {
  std::string text = filename + " from " + server.address.to_string() + ": ";
  if (ok()) {
    return text + detail::plural(bytes.size(), "byte", "bytes") + " in " +
           detail::plural(blocks, "block", "blocks");
  }
  if (outcome == DownloadOutcome::timed_out) {
    return text + (answered ? "server stopped answering" : "no answer") + " after " +
           detail::plural(retransmissions, "retransmission", "retransmissions");
  }
  text += message.empty() ? std::string(outcome_name(outcome)) : message;
  if (error) text += " (error " + std::to_string(static_cast<unsigned>(*error)) + ")";
  return text;
}

std::string ClientEvent::describe() const {
  switch (kind) {
    case ClientEventKind::request_sent:
      return "RRQ " + filename + " to " + server.to_string() +
             (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : std::string{});
    case ClientEventKind::options_accepted:
      return "Options for " + filename + " accepted from " + server.address.to_string() + ": " +
             reason;
    case ClientEventKind::download_complete:
      return "Download of " + filename + " from " + server.address.to_string() +
             " complete: " + detail::plural(bytes, "byte", "bytes");
    case ClientEventKind::download_failed:
      return "Download of " + filename + " from " + server.address.to_string() +
             " failed: " + std::string(outcome_name(outcome)) +
             (reason.empty() ? "" : ", " + reason);
    case ClientEventKind::failover:
      return "TFTP server " + server.address.to_string() + " did not answer for " + filename +
             (next_server ? "; trying " + next_server->address.to_string() : std::string{});
    case ClientEventKind::unknown_tid:
      return "Datagram from " + peer.to_string() + " during the download of " + filename +
             ": unknown transfer ID (sent error 5)";
    case ClientEventKind::malformed:
      return "Malformed datagram from " + peer.to_string() + ": " + reason;
  }
  return "unknown TFTP client event";
}

Client::Client(ClientConfig config, Random& random) : config_(config), random_(random) {
  if (config_.first_local_port > config_.last_local_port || config_.first_local_port == 0) {
    throw std::invalid_argument("TFTP client: empty local port range");
  }
  if (config_.retransmit_timeout <= Duration::zero()) {
    throw std::invalid_argument("TFTP client: retransmit_timeout must be positive");
  }
}

void Client::start(Time now, Endpoint server, std::string filename) {
  if (download_) throw std::logic_error("TFTP client: a download is already in progress");
  if (filename.empty() || filename.find('\0') != std::string::npos) {
    throw std::invalid_argument("TFTP client: empty filename or NUL in it");
  }
  Download d;
  d.server = server;
  d.filename = std::move(filename);
  d.timeout = config_.retransmit_timeout;
  d.started = now;
  d.asked.blksize = config_.blksize;
  d.asked.timeout = config_.timeout;
  d.asked.windowsize = config_.windowsize;
  if (config_.tsize) d.asked.tsize = 0;
  const std::uint64_t range = std::uint64_t{config_.last_local_port} - config_.first_local_port + 1;
  for (;;) {
    d.local_port = static_cast<std::uint16_t>(config_.first_local_port + random_.below(range));
    if (!dally_ || dally_->local_port != d.local_port || range == 1) break;
  }
  d.deadline = now + d.timeout;
  download_ = std::move(d);
  result_.reset();
  ++counters_.downloads;
  send_request();
  ClientEvent e;
  e.kind = ClientEventKind::request_sent;
  e.time = now;
  e.server = server;
  e.filename = download_->filename;
  e.attempt = 1;
  events_.push_back(std::move(e));
}

std::optional<DownloadResult> Client::take_result() {
  auto r = std::move(result_);
  result_.reset();
  return r;
}

std::optional<OutgoingDatagram> Client::poll_transmit() {
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
  std::optional<Time> next;
  if (download_) next = download_->deadline;
  if (dally_ && (!next || dally_->until < *next)) next = dally_->until;
  return next;
}

void Client::send(const Endpoint& to, std::uint16_t from_port, std::vector<std::uint8_t> payload) {
  transmits_.push_back({to, from_port, std::nullopt, false, std::move(payload)});
}

void Client::send_request() {
  Request request;
  request.opcode = Opcode::rrq;
  request.filename = download_->filename;
  request.mode = "octet";
  request.options = download_->asked;
  send(download_->server, download_->local_port, encode_packet(Packet{request}).value());
}

void Client::send_ack(std::uint16_t block) {
  send(*download_->tid, download_->local_port, encode_ack(block));
  download_->since_ack = 0;
}

void Client::handle_datagram(Time now, const Datagram& in) {
  if (!download_ || in.destination.port != download_->local_port) {
    if (dally_ && in.destination.port == dally_->local_port && in.source == dally_->tid) {
      const auto decoded = decode_packet(in.payload);
      const auto* data = decoded ? std::get_if<Data>(&*decoded) : nullptr;
      if (data != nullptr && data->block == dally_->last_block) {
        ++counters_.dally_acks;
        send(dally_->tid, dally_->local_port, encode_ack(dally_->last_block));
      }
      return;
    }
    ++counters_.stray;
    return;
  }
  Download& d = *download_;

  const bool from_server = d.tid ? in.source == *d.tid : in.source.address == d.server.address;
  if (!from_server) {
    ++counters_.unknown_tid;
    send(in.source, d.local_port, encode_error(ErrorCode::unknown_tid, "Unknown transfer ID"));
    ClientEvent e;
    e.kind = ClientEventKind::unknown_tid;
    e.time = now;
    e.server = d.server;
    e.peer = in.source;
    e.filename = d.filename;
    events_.push_back(std::move(e));
    return;
  }

  auto decoded = decode_packet(in.payload);
  const auto malformed = [&](std::string reason) {
    ++counters_.malformed;
    ClientEvent e;
    e.kind = ClientEventKind::malformed;
    e.time = now;
    e.server = d.server;
    e.peer = in.source;
    e.filename = d.filename;
    e.reason = std::move(reason);
    events_.push_back(std::move(e));
  };
  if (!decoded) {
    malformed(decoded.error().message());
    return;
  }
  if (const auto* error = std::get_if<Error>(&*decoded)) {
    d.tid = in.source;
    const auto outcome = error->code == ErrorCode::file_not_found ? DownloadOutcome::file_not_found
                         : error->code == ErrorCode::access_violation
                             ? DownloadOutcome::access_violation
                             : DownloadOutcome::server_error;
    fail(now, outcome, error->message, error->code);
    return;
  }
  if (const auto* oack = std::get_if<OptionAck>(&*decoded)) {
    if (d.state == State::requesting) {
      d.tid = in.source;
      handle_oack(now, *oack);
    } else if (d.blocks == 0) {
      send_ack(0);  // our ACK 0 was lost and the server sent its OACK again
    }
    return;
  }
  if (const auto* data = std::get_if<Data>(&*decoded)) {
    if (d.state == State::requesting) {
      if (data->block != 1) {
        malformed("DATA " + std::to_string(data->block) + " before DATA 1");
        return;
      }
      d.tid = in.source;
      d.state = State::receiving;  // the server ignored our options: RFC 1350 defaults
    }
    handle_data(now, *data);
    return;
  }
  malformed(std::string(packet_name(*decoded)) + " sent to a reading client");
}

void Client::handle_oack(Time now, const OptionAck& oack) {
  Download& d = *download_;
  const auto refuse = [&](std::string why) {
    abort_with(now, DownloadOutcome::protocol_error, ErrorCode::option_negotiation,
               "option negotiation failed: " + why);
  };
  if (!oack.other_options.empty())
    return refuse("unrequested option " + oack.other_options[0].name);
  const auto& got = oack.options;
  if (got.blksize && (!d.asked.blksize || *got.blksize > *d.asked.blksize)) {
    return refuse("blksize " + std::to_string(*got.blksize));
  }
  if (got.timeout && (!d.asked.timeout || *got.timeout != *d.asked.timeout)) {
    return refuse("timeout " + std::to_string(*got.timeout));
  }
  if (got.windowsize && (!d.asked.windowsize || *got.windowsize > *d.asked.windowsize)) {
    return refuse("windowsize " + std::to_string(*got.windowsize));
  }
  if (got.tsize && !d.asked.tsize) return refuse("unrequested tsize");
  if (got.tsize && *got.tsize > config_.max_file_size) {
    return abort_with(now, DownloadOutcome::too_large, ErrorCode::disk_full,
                      "file of " + std::to_string(*got.tsize) + " bytes is too large");
  }
  if (got.blksize) d.blksize = *got.blksize;
  if (got.windowsize) d.windowsize = *got.windowsize;
  if (got.timeout) d.timeout = std::chrono::seconds{*got.timeout};
  d.tsize = got.tsize;
  if (d.tsize) d.bytes.reserve(static_cast<std::size_t>(*d.tsize));
  d.state = State::receiving;
  d.retries = 0;
  send_ack(0);
  d.deadline = now + d.timeout;

  ClientEvent e;
  e.kind = ClientEventKind::options_accepted;
  e.time = now;
  e.server = d.server;
  e.filename = d.filename;
  e.reason = "blksize " + std::to_string(d.blksize) + ", windowsize " +
             std::to_string(d.windowsize) + ", timeout " + detail::seconds_text(d.timeout) +
             (d.tsize ? ", tsize " + std::to_string(*d.tsize) : std::string{});
  events_.push_back(std::move(e));
}

void Client::handle_data(Time now, const Data& data) {
  Download& d = *download_;
  if (data.payload.size() > d.blksize) {
    return abort_with(now, DownloadOutcome::protocol_error, ErrorCode::illegal_operation,
                      "DATA block of " + std::to_string(data.payload.size()) +
                          " bytes, above blksize " + std::to_string(d.blksize));
  }
  const auto expected = static_cast<std::uint16_t>(d.blocks + 1);
  if (data.block != expected) {
    // A duplicate (our ACK was lost) or a block after a gap (window mode): ACK what we have, so
    // the server restarts after it.
    ++counters_.duplicate_blocks;
    send_ack(static_cast<std::uint16_t>(d.blocks));
    return;
  }
  if (d.bytes.size() + data.payload.size() > config_.max_file_size) {
    return abort_with(now, DownloadOutcome::too_large, ErrorCode::disk_full,
                      "file larger than " + std::to_string(config_.max_file_size) + " bytes");
  }
  d.bytes.insert(d.bytes.end(), data.payload.begin(), data.payload.end());
  ++d.blocks;
  ++d.since_ack;
  d.retries = 0;
  d.deadline = now + d.timeout;
  if (data.payload.size() < d.blksize) {
    send_ack(data.block);
    complete(now);
    return;
  }
  if (d.since_ack >= d.windowsize) send_ack(data.block);
}

void Client::handle_timeout(Time now) {
  if (dally_ && dally_->until <= now) dally_.reset();
  if (!download_ || download_->deadline > now) return;
  Download& d = *download_;
  if (d.retries >= config_.max_retransmits) {
    fail(now, DownloadOutcome::timed_out,
         d.state == State::requesting ? "no answer from " + d.server.to_string()
                                      : "server stopped answering");
    return;
  }
  ++d.retries;
  ++d.retransmissions;
  ++counters_.retransmissions;
  d.deadline = now + d.timeout;
  if (d.state == State::requesting) {
    send_request();
    ClientEvent e;
    e.kind = ClientEventKind::request_sent;
    e.time = now;
    e.server = d.server;
    e.filename = d.filename;
    e.attempt = d.retries + 1;
    events_.push_back(std::move(e));
  } else {
    send_ack(static_cast<std::uint16_t>(d.blocks));
  }
}

void Client::abort_with(Time now, DownloadOutcome outcome, ErrorCode code, std::string message) {
  send(*download_->tid, download_->local_port, encode_error(code, message));
  fail(now, outcome, std::move(message), code);
}

void Client::fail(Time now, DownloadOutcome outcome, std::string message,
                  std::optional<ErrorCode> error) {
  Download& d = *download_;
  DownloadResult r;
  r.outcome = outcome;
  r.filename = d.filename;
  r.server = d.server;
  r.servers_tried = {d.server};
  r.answered = d.tid.has_value();
  r.error = error;
  r.message = std::move(message);
  r.blocks = d.blocks;
  r.blksize = d.blksize;
  r.windowsize = d.windowsize;
  r.tsize = d.tsize;
  r.retransmissions = d.retransmissions;
  r.started = d.started;
  r.finished = now;
  ++counters_.failed;

  ClientEvent e;
  e.kind = ClientEventKind::download_failed;
  e.time = now;
  e.server = d.server;
  e.filename = d.filename;
  e.outcome = outcome;
  e.reason = r.message;
  if (error) e.reason += " (error " + std::to_string(static_cast<unsigned>(*error)) + ")";
  events_.push_back(std::move(e));
  result_ = std::move(r);
  download_.reset();
}

void Client::complete(Time now) {
  Download& d = *download_;
  dally_ = Dally{d.local_port, *d.tid, static_cast<std::uint16_t>(d.blocks),
                 now + config_.dally.value_or(3 * d.timeout)};
  DownloadResult r;
  r.outcome = DownloadOutcome::ok;
  r.filename = d.filename;
  r.server = d.server;
  r.servers_tried = {d.server};
  r.answered = true;
  r.blocks = d.blocks;
  r.blksize = d.blksize;
  r.windowsize = d.windowsize;
  r.tsize = d.tsize;
  r.retransmissions = d.retransmissions;
  r.started = d.started;
  r.finished = now;
  r.bytes = std::move(d.bytes);
  ++counters_.completed;

  ClientEvent e;
  e.kind = ClientEventKind::download_complete;
  e.time = now;
  e.server = d.server;
  e.filename = d.filename;
  e.bytes = r.bytes.size();
  events_.push_back(std::move(e));
  result_ = std::move(r);
  download_.reset();
}

// --- FailoverClient -------------------------------------------------------------------------

FailoverClient::FailoverClient(ClientConfig config, Random& random) : client_(config, random) {}

void FailoverClient::start(Time now, std::vector<Endpoint> servers, std::string filename) {
  if (servers.empty()) throw std::invalid_argument("TFTP failover client: no server");
  if (active_) throw std::logic_error("TFTP failover client: a download is already in progress");
  servers_ = std::move(servers);
  index_ = 0;
  filename_ = std::move(filename);
  tried_ = {servers_[0]};
  result_.reset();
  client_.start(now, servers_[0], filename_);
  active_ = true;
  pump(now);
}

std::optional<DownloadResult> FailoverClient::take_result() {
  auto r = std::move(result_);
  result_.reset();
  return r;
}

void FailoverClient::handle_datagram(Time now, const Datagram& in) {
  client_.handle_datagram(now, in);
  pump(now);
}

void FailoverClient::handle_timeout(Time now) {
  client_.handle_timeout(now);
  pump(now);
}

std::optional<ClientEvent> FailoverClient::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void FailoverClient::pump(Time now) {
  while (auto e = client_.poll_event()) events_.push_back(std::move(*e));
  auto r = client_.take_result();
  if (!r) return;
  if (r->outcome == DownloadOutcome::timed_out && index_ + 1 < servers_.size()) {
    ClientEvent e;
    e.kind = ClientEventKind::failover;
    e.time = now;
    e.server = servers_[index_];
    e.next_server = servers_[index_ + 1];
    e.filename = filename_;
    e.outcome = r->outcome;
    events_.push_back(std::move(e));
    ++index_;
    tried_.push_back(servers_[index_]);
    client_.start(now, servers_[index_], filename_);
    while (auto next = client_.poll_event()) events_.push_back(std::move(*next));
    return;
  }
  r->servers_tried = tried_;
  result_ = std::move(r);
  active_ = false;
}

}  // namespace voicelab::tftp
