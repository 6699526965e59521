#include "voicelab/cucm/registrar.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"

namespace voicelab::cucm {
namespace {

// The Contact parameter that names the device [trace, PROTOCOL-NOTES "SIP registration"].
constexpr std::string_view device_name_param = "+u.sip!devicename.ccm.cisco.com";
constexpr const char* allow_methods = "REGISTER, OPTIONS, REFER";

std::string_view as_text(wire::Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::vector<std::uint8_t> to_bytes(const std::string& text) { return {text.begin(), text.end()}; }

// A UDP flow of the transaction layer is where its responses go.
sip::FlowId flow_of(wire::Ipv4Address address, std::uint16_t port) {
  return (std::uint64_t{address.to_u32()} << 16) | port;
}
wire::Ipv4Address flow_address(sip::FlowId flow) {
  return wire::Ipv4Address{static_cast<std::uint32_t>(flow >> 16)};
}
std::uint16_t flow_port(sip::FlowId flow) { return static_cast<std::uint16_t>(flow & 0xffff); }

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

void set_param(std::vector<sip::Param>& params, std::string_view name, std::string value) {
  for (auto& p : params) {
    if (iequals(p.name, name)) {
      p.value = std::move(value);
      p.quoted = false;
      return;
    }
  }
  params.push_back(sip::Param{std::string(name), std::move(value), false});
}

// RFC 3261 §18.2.1: a server notes in the top Via where a request really came from (`received`
// when the sent-by host differs; RFC 3581 `rport` when the client asked for it). Returns the
// port a UDP response goes to (§18.2.2): the source port with rport, else the sent-by port
// (5060 when absent). nullopt when the message has no Via that parses.
std::optional<std::uint16_t> note_source(sip::Message& message, wire::Ipv4Address from,
                                         std::uint16_t from_port) {
  auto vias = sip::parse_vias(message);
  if (!vias || vias->empty()) return std::nullopt;
  sip::Via& top = vias->front();
  const std::string source = from.to_string();
  std::uint16_t reply_port = top.port.value_or(5060);
  bool changed = false;
  if (top.has_rport()) {
    set_param(top.params, "received", source);
    set_param(top.params, "rport", std::to_string(from_port));
    reply_port = from_port;
    changed = true;
  } else if (top.host != source) {
    set_param(top.params, "received", source);
    changed = true;
  }
  if (!changed) return reply_port;

  auto& headers = message.headers;
  const auto first = std::find_if(headers.begin(), headers.end(),
                                  [](const sip::Header& h) { return h.name == "Via"; });
  const auto at = static_cast<std::size_t>(first - headers.begin());
  std::erase_if(headers, [](const sip::Header& h) { return h.name == "Via"; });
  std::vector<sip::Header> rewritten;
  rewritten.reserve(vias->size());
  for (const auto& via : *vias) rewritten.push_back(sip::Header{"Via", via.to_string()});
  headers.insert(headers.begin() + static_cast<std::ptrdiff_t>(at), rewritten.begin(),
                 rewritten.end());
  return reply_port;
}

std::string start_line(const sip::Message& m) {
  if (m.is_request()) return m.method + ' ' + m.request_uri + " SIP/2.0";
  return "SIP/2.0 " + std::to_string(m.status_code) + ' ' + m.reason;
}

std::string summary_of(const sip::Message& m) {
  std::string out = start_line(m);
  if (const auto cseq = m.get("CSeq")) {
    out += " | CSeq: ";
    out += *cseq;
  }
  if (const auto call_id = m.get("Call-ID")) {
    out += " | Call-ID: ";
    out += *call_id;
  }
  return out;
}

std::string clock_of(Time at) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at).count();
  const long long total_ms = ms < 0 ? 0 : ms;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", total_ms / 3600000,
                (total_ms / 60000) % 60, (total_ms / 1000) % 60, total_ms % 1000);
  return buf;
}

// RFC 7231 IMF-fixdate, the form SIP's Date uses (RFC 3261 §20.17).
std::string http_date(std::int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> weekdays{"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::int64_t days = unix_seconds / 86400;
  std::int64_t seconds = unix_seconds % 86400;
  if (seconds < 0) {
    seconds += 86400;
    --days;
  }
  const std::chrono::sys_days day{std::chrono::days{days}};
  const std::chrono::year_month_day ymd{day};
  const std::chrono::weekday wd{day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", weekdays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(seconds / 3600),
                static_cast<int>((seconds / 60) % 60), static_cast<int>(seconds % 60));
  return buf;
}

const char* transport_name(sip::Transport t) { return t == sip::Transport::udp ? "UDP" : "TCP"; }

}  // namespace

// --- rejections --------------------------------------------------------------------------------

const Rejection& rejection(RejectReason reason) {
  // Status codes and Warning texts: docs/cucm.md ("Rejections") gives the source or the
  // assumption behind each.
  static const Rejection bad_request{400, "Bad Request", "Malformed REGISTER", false};
  static const Rejection missing_name{400, "Bad Request", "Missing device name in Contact", false};
  static const Rejection unknown_device{404, "Not Found", "Unable to find device/user in database",
                                        false};
  static const Rejection line{403, "Forbidden", "Line not configured on this device", false};
  static const Rejection node{503, "Service Unavailable",
                              "Device not in the CallManager group of this node", false};
  static const Rejection full{503, "Service Unavailable",
                              "Maximum number of registered devices reached", false};
  static const Rejection throttled{503, "Service Unavailable", "Registration throttled", true};
  static const Rejection out_of_order{500, "Server Internal Error", "Out of order CSeq", false};
  switch (reason) {
    case RejectReason::bad_request:
      return bad_request;
    case RejectReason::missing_device_name:
      return missing_name;
    case RejectReason::unknown_device:
      return unknown_device;
    case RejectReason::line_not_on_device:
      return line;
    case RejectReason::node_not_in_group:
      return node;
    case RejectReason::too_many_devices:
      return full;
    case RejectReason::throttled:
      return throttled;
    case RejectReason::out_of_order:
      return out_of_order;
  }
  return bad_request;
}

const char* to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::bad_request:
      return "bad request";
    case RejectReason::missing_device_name:
      return "missing device name";
    case RejectReason::unknown_device:
      return "unknown device";
    case RejectReason::line_not_on_device:
      return "line not on device";
    case RejectReason::node_not_in_group:
      return "node not in CallManager group";
    case RejectReason::too_many_devices:
      return "too many devices";
    case RejectReason::throttled:
      return "throttled";
    case RejectReason::out_of_order:
      return "out of order";
  }
  return "?";
}

const char* to_string(RegistrarEventKind kind) {
  switch (kind) {
    case RegistrarEventKind::registered:
      return "registered";
    case RegistrarEventKind::refreshed:
      return "refreshed";
    case RegistrarEventKind::unregistered:
      return "unregistered";
    case RegistrarEventKind::expired:
      return "expired";
    case RegistrarEventKind::rejected:
      return "rejected";
    case RegistrarEventKind::keepalive:
      return "keepalive";
    case RegistrarEventKind::malformed:
      return "malformed";
    case RegistrarEventKind::node_stopped:
      return "node stopped";
    case RegistrarEventKind::node_started:
      return "node started";
  }
  return "?";
}

std::string RegistrarEvent::describe() const {
  const std::string from =
      address.to_string() + ':' + std::to_string(port) + " over " + transport_name(transport);
  const std::string who = (device.empty() ? std::string("?") : device) +
                          (line.empty() ? std::string() : " line " + line);
  std::string out = node + ": ";
  switch (kind) {
    case RegistrarEventKind::registered:
    case RegistrarEventKind::refreshed:
      out += who + ' ' + to_string(kind) + " from " + from + " (expires " +
             std::to_string(expires) + " s)";
      break;
    case RegistrarEventKind::unregistered:
    case RegistrarEventKind::expired:
      out += who + ' ' + to_string(kind) + " (" + reason + ')';
      break;
    case RegistrarEventKind::rejected:
      out += who + " rejected from " + from + ": " + std::to_string(status) + " (" +
             (reject ? cucm::to_string(*reject) : "?") + ": " + reason + ')';
      break;
    case RegistrarEventKind::keepalive:
      out += who + " keepalive (Expires 0, no binding here) from " + from;
      break;
    case RegistrarEventKind::malformed:
      out += "malformed input from " + from + ": " + reason;
      break;
    case RegistrarEventKind::node_stopped:
    case RegistrarEventKind::node_started:
      out += to_string(kind);
      break;
  }
  return out;
}

std::string TraceLine::to_string() const {
  std::string out = clock_of(at) + ' ' + node + " SIP/" + transport_name(transport) +
                    (direction == TraceDirection::received ? " in  " : " out ");
  if (conn) out += "conn " + std::to_string(*conn) + ' ';
  out += direction == TraceDirection::received ? "from " : "to ";
  out += peer.to_string() + ':' + std::to_string(peer_port) + " (" + std::to_string(bytes) +
         " bytes): " + summary;
  if (!message.empty()) {
    out += '\n';
    for (std::size_t i = 0; i < message.size(); ++i) {
      if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
      out += message[i];
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
  }
  return out;
}

// --- construction ------------------------------------------------------------------------------

Registrar::Registrar(RegistrarConfig config, const Directory& directory, Random& random)
    : config_(std::move(config)), directory_(directory), random_(random), udp_(config_.timers) {
  if (config_.node_name.empty()) throw std::invalid_argument("cucm::Registrar: empty node name");
  if (config_.warning_agent.empty()) config_.warning_agent = config_.node_name;
  // The transaction layer checks its timers only when a transaction starts; fail now instead.
  if (config_.timers.t1 <= Duration::zero() || config_.timers.t2 < config_.timers.t1 ||
      config_.timers.t4 < Duration::zero()) {
    throw std::invalid_argument("cucm::Registrar: need T1 > 0, T2 >= T1, T4 >= 0");
  }
}

// --- TCP
// -------------------------------------------------------------------------------------------

void Registrar::handle_accepted(Time now, ConnectionId conn, wire::Ipv4Address peer,
                                std::uint16_t port) {
  if (!running_) {
    ++counters_.dropped_while_stopped;
    stream_out_.push_back(CloseConnection{conn});
    return;
  }
  if (connections_.contains(conn)) close_connection(now, conn, "connection id reused", false);
  Connection c;
  c.peer = peer;
  c.port = port;
  c.parser = sip::StreamParser(config_.limits);
  connections_.emplace(conn, std::move(c));
  ++counters_.connections_accepted;
}

void Registrar::handle_bytes(Time now, ConnectionId conn, wire::Bytes bytes) {
  handle_bytes(now, conn, as_text(bytes));
}

void Registrar::handle_bytes(Time now, ConnectionId id, std::string_view data) {
  if (!running_) {
    ++counters_.dropped_while_stopped;
    return;
  }
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;  // closed by us, or never accepted
  Connection& conn = it->second;
  while (!data.empty()) {
    const std::uint64_t pings = conn.parser.pings();
    std::error_code ec;
    const std::size_t used = conn.parser.put(data, ec);
    record_head(conn, data.substr(0, used));
    data.remove_prefix(used);
    // RFC 5626 §3.5.1: a double-CRLF ping is answered with a single-CRLF pong.
    for (std::uint64_t n = pings; n < conn.parser.pings(); ++n) {
      ++counters_.pings;
      stream_out_.push_back(SendBytes{id, {'\r', '\n'}});
    }
    if (ec == sip::errc::need_more) break;
    if (ec) {
      stream_error(now, id, conn, ec);
      return;  // `conn` is gone
    }
    sip::Message message = conn.parser.release();
    // Idle connections (a phone sends a REGISTER every two minutes) keep no copy around.
    std::string().swap(conn.head);
    conn.head_done = false;
    handle_stream_message(now, id, conn, std::move(message));
  }
}

void Registrar::record_head(Connection& conn, std::string_view consumed) const {
  if (conn.head_done) return;
  if (conn.head.empty()) {
    // CRLF keep-alives between messages are not part of the next one.
    const auto start = consumed.find_first_not_of("\r\n");
    if (start == std::string_view::npos) return;
    consumed.remove_prefix(start);
  }
  // The parser fails a header section this long anyway; keep no more than it would.
  const std::size_t limit = config_.limits.max_header_size;
  if (conn.head.size() >= limit) return;
  const std::size_t old = conn.head.size();
  conn.head.append(consumed.substr(0, limit - old));
  // The blank line may straddle two reads: look back three bytes.
  const auto end = conn.head.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
  if (end != std::string::npos) {
    conn.head.resize(end + 4);  // what follows is body
    conn.head_done = true;
  }
}

void Registrar::handle_stream_message(Time now, ConnectionId id, Connection& conn,
                                      sip::Message message) {
  const Origin origin{sip::Transport::tcp, id, conn.peer, conn.port};
  if (config_.trace) {
    const std::string text = sip::serialize(message);
    trace(now, TraceDirection::received, origin, text.size(), &message,
          config_.trace_full_messages ? std::string_view(text) : std::string_view());
  }
  if (message.is_response()) {
    ++counters_.stray;
    return;
  }
  note_source(message, conn.peer, conn.port);
  if (message.method == "REGISTER" && config_.send_trying && message.find("Via") != nullptr) {
    send_stream(id, conn, trying(message), now);
  }
  if (auto response = answer(now, message, origin)) send_stream(id, conn, *response, now);
}

void Registrar::stream_error(Time now, ConnectionId id, Connection& conn, std::error_code ec) {
  ++counters_.malformed;
  const Origin origin{sip::Transport::tcp, id, conn.peer, conn.port};
  trace(now, TraceDirection::received, origin, conn.head.size(), nullptr, {},
        "unparseable: " + ec.message());
  std::string reason = ec.message();
  // The framing failed after the header section parsed (no Content-Length, a body over the
  // limit): the request can still be answered before the connection goes.
  if (conn.head_done) {
    auto head = sip::parse_head(conn.head);
    if (head && head->is_request() && head->find("Via") != nullptr) {
      note_source(*head, conn.peer, conn.port);
      const sip::Message response =
          reject(now, *head, origin, RejectReason::bad_request, {}, {}, nullptr, ec.message());
      send_stream(id, conn, response, now);
      reason += " (answered 400)";
    }
  }
  RegistrarEvent e = event(now, RegistrarEventKind::malformed, origin);
  e.reason = std::move(reason);
  emit(std::move(e));
  close_connection(now, id, "connection closed after malformed input", true);
}

void Registrar::handle_closed(Time now, ConnectionId conn) {
  if (!running_) {
    ++counters_.dropped_while_stopped;
    return;
  }
  close_connection(now, conn, "TCP connection closed", false);
}

void Registrar::close_connection(Time now, ConnectionId id, std::string_view reason,
                                 bool by_engine) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const auto bound = std::move(it->second.bindings);
  connections_.erase(it);
  ++counters_.connections_closed;
  if (by_engine) stream_out_.push_back(CloseConnection{id});
  // CUCM unregisters a phone whose TCP connection drops (Cisco document 217220).
  for (const auto& [state, binding_id] : bound) {
    auto& lines = state->lines;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].id == binding_id && lines[i].binding.conn == id) {
        remove_binding(now, *state, i, RegistrarEventKind::unregistered, std::string(reason));
        break;
      }
    }
  }
}

void Registrar::send_stream(ConnectionId id, const Connection& conn, const sip::Message& message,
                            Time now) {
  std::string text = sip::serialize(message);
  if (config_.trace) {
    const Origin origin{sip::Transport::tcp, id, conn.peer, conn.port};
    trace(now, TraceDirection::sent, origin, text.size(), &message,
          config_.trace_full_messages ? std::string_view(text) : std::string_view());
  }
  stream_out_.push_back(SendBytes{id, to_bytes(text)});
}

std::optional<StreamCommand> Registrar::poll_stream() {
  if (stream_out_.empty()) return std::nullopt;
  std::optional<StreamCommand> out;
  out.emplace(std::move(stream_out_.front()));
  stream_out_.pop_front();
  return out;
}

// --- UDP
// -------------------------------------------------------------------------------------------

void Registrar::handle_datagram(Time now, wire::Ipv4Address from, std::uint16_t from_port,
                                wire::Bytes payload) {
  handle_datagram(now, from, from_port, as_text(payload));
}

void Registrar::handle_datagram(Time now, wire::Ipv4Address from, std::uint16_t from_port,
                                std::string_view payload) {
  if (!running_) {
    ++counters_.dropped_while_stopped;
    return;
  }
  const Origin origin{sip::Transport::udp, std::nullopt, from, from_port};
  auto parsed = sip::parse_message(payload, config_.limits);
  if (!parsed) {
    if (parsed.error() == sip::errc::keepalive) return;
    ++counters_.malformed;
    trace(now, TraceDirection::received, origin, payload.size(), nullptr, {},
          "unparseable: " + parsed.error().message());
    RegistrarEvent e = event(now, RegistrarEventKind::malformed, origin);
    e.reason = parsed.error().message();
    emit(std::move(e));
    return;
  }
  sip::Message message = std::move(parsed).value();
  trace(now, TraceDirection::received, origin, payload.size(), &message,
        config_.trace_full_messages ? payload : std::string_view());
  if (message.is_response()) {
    ++counters_.stray;
    return;
  }
  const std::uint16_t reply_port = note_source(message, from, from_port).value_or(from_port);
  const sip::FlowId flow = flow_of(from, reply_port);

  if (const auto ec = udp_.handle_message(now, flow, sip::Transport::udp, message)) {
    // No server transaction can hold it (no usable Via, no RFC 3261 branch, no CSeq): answered
    // 400 once, outside any transaction.
    const sip::Message response =
        reject(now, message, origin, RejectReason::bad_request, {}, {}, nullptr, ec.message());
    std::string text = sip::serialize(response);
    const Origin to{sip::Transport::udp, std::nullopt, from, reply_port};
    trace(now, TraceDirection::sent, to, text.size(), &response,
          config_.trace_full_messages ? std::string_view(text) : std::string_view());
    datagrams_out_.push_back(OutgoingDatagram{from, reply_port, to_bytes(text)});
    return;
  }
  bool handled = false;
  while (auto e = udp_.poll_event()) {
    handled = true;
    if (e->kind == sip::TransactionEvent::Kind::request) {
      const sip::Message& request = e->message;
      if (request.method == "REGISTER" && config_.send_trying)
        udp_.respond(now, e->id, trying(request));
      if (auto response = answer(now, request, origin))
        udp_.respond(now, e->id, std::move(*response));
    } else {
      ++counters_.stray;  // ACK, INVITE: this registrar has no INVITE transactions
    }
  }
  if (!handled) ++counters_.retransmissions;
  flush_udp(now);
}

void Registrar::flush_udp(Time now) {
  while (auto out = udp_.poll_transmit()) {
    std::string text = sip::serialize(out->message);
    const wire::Ipv4Address address = flow_address(out->flow);
    const std::uint16_t port = flow_port(out->flow);
    if (config_.trace) {
      const Origin to{sip::Transport::udp, std::nullopt, address, port};
      trace(now, TraceDirection::sent, to, text.size(), &out->message,
            config_.trace_full_messages ? std::string_view(text) : std::string_view());
    }
    datagrams_out_.push_back(OutgoingDatagram{address, port, to_bytes(text)});
  }
}

std::optional<OutgoingDatagram> Registrar::poll_datagram() {
  if (datagrams_out_.empty()) return std::nullopt;
  OutgoingDatagram out = std::move(datagrams_out_.front());
  datagrams_out_.pop_front();
  return out;
}

// --- requests ------------------------------------------------------------------------------------

namespace {

// Via, From, To (tagged), Date, Call-ID, CSeq, Server: the head of every final response here.
sip::Message response_head(const sip::Message& request, int status, std::string phrase,
                           const std::string& date, const std::string& server, std::string tag) {
  const sip::Message base = sip::make_response(request, status, std::move(phrase));
  sip::Message m = sip::Message::response(base.status_code, base.reason);
  for (const auto& h : base.headers) {
    if (h.name == "Via" || h.name == "From") m.headers.push_back(h);
  }
  if (const auto to = base.get("To")) {
    std::string value(*to);
    const auto parsed = sip::parse_name_address(value);
    if (!(parsed && parsed->tag())) value += ";tag=" + tag;
    m.add("To", std::move(value));
  }
  if (!date.empty()) m.add("Date", date);
  if (const auto call_id = base.get("Call-ID")) m.add("Call-ID", std::string(*call_id));
  if (const auto cseq = base.get("CSeq")) m.add("CSeq", std::string(*cseq));
  m.add("Server", server);
  return m;
}

}  // namespace

sip::Message Registrar::trying(const sip::Message& request) const {
  sip::cisco::CucmReply reply;
  reply.server = config_.server;
  return sip::cisco::build_trying(request, reply);
}

std::optional<sip::Message> Registrar::answer(Time now, const sip::Message& request,
                                              const Origin& origin) {
  if (request.method == "REGISTER") return process_register(now, request, origin);
  if (request.method == "INVITE" || request.method == "ACK") {
    ++counters_.stray;
    return std::nullopt;
  }
  ++counters_.other_requests;
  int status = 405;
  const char* phrase = "Method Not Allowed";
  if (request.method == "OPTIONS") {
    status = 200;
    phrase = "OK";
  } else if (request.method == "REFER") {
    // Cisco phones REFER their alarm (x-cisco-alarm) after registering; CUCM accepts it.
    status = 202;
    phrase = "Accepted";
  } else if (request.method == "CANCEL") {
    // Nothing here can be cancelled (RFC 3261 §9.2).
    status = 481;
    phrase = "Call/Transaction Does Not Exist";
  }
  sip::Message m = response_head(request, status, phrase, date(now), config_.server, to_tag());
  if (status == 200 || status == 405) m.add("Allow", allow_methods);
  m.add("Content-Length", "0");
  return m;
}

sip::Message Registrar::process_register(Time now, const sip::Message& request,
                                         const Origin& origin) {
  ++counters_.registers;
  const auto via = sip::top_via(request);
  const auto cseq = sip::cseq_header(request);
  const auto call_id = sip::call_id_header(request);
  const auto from = sip::from_header(request);
  const auto to = sip::to_header(request);
  if (!via || !cseq || !call_id || !from || !to) {
    const char* what = !via ? "Via" : !cseq ? "CSeq" : !call_id ? "Call-ID" : !from ? "From" : "To";
    return reject(now, request, origin, RejectReason::bad_request, {}, {}, nullptr,
                  std::string("missing or invalid ") + what);
  }
  if (cseq->method != "REGISTER") {
    return reject(now, request, origin, RejectReason::bad_request, {}, {}, nullptr,
                  "CSeq method is not REGISTER");
  }
  const std::string& line = to->uri.user;
  if (line.empty()) {
    return reject(now, request, origin, RejectReason::bad_request, {}, {}, nullptr,
                  "To URI has no user part (the line)");
  }
  const auto contacts = sip::parse_contacts(request);
  if (!contacts) {
    return reject(now, request, origin, RejectReason::bad_request, {}, line, nullptr,
                  "Contact does not parse");
  }
  const sip::NameAddress* contact = nullptr;
  std::string device_name;
  if (!contacts->star) {
    for (const auto& c : contacts->contacts) {
      if (const auto name = c.param(device_name_param); name && !name->empty()) {
        contact = &c;
        device_name = std::string(*name);
        break;
      }
    }
  }
  if (contact == nullptr) {
    return reject(now, request, origin, RejectReason::missing_device_name, {}, line, nullptr);
  }

  // RFC 3261 §10.2.1.1: the contact's expires parameter wins over the Expires header.
  std::uint32_t requested = config_.default_expires;
  if (const auto e = contact->expires()) {
    requested = *e;
  } else if (request.find("Expires") != nullptr) {
    const auto header = sip::expires_header(request);
    if (!header) {
      return reject(now, request, origin, RejectReason::bad_request, device_name, line, nullptr,
                    "Expires does not parse");
    }
    requested = *header;
  }

  const DirectoryDevice* device = directory_.find(device_name);
  if (device == nullptr) {
    return reject(now, request, origin, RejectReason::unknown_device, device_name, line, nullptr);
  }
  DeviceState& state = device_state(*device);
  const auto& group = device->call_manager_group;
  if (std::find(group.begin(), group.end(), config_.node_name) == group.end()) {
    return reject(now, request, origin, RejectReason::node_not_in_group, device_name, line, &state);
  }
  const auto& dns = device->line_dns;
  if (std::find(dns.begin(), dns.end(), line) == dns.end()) {
    return reject(now, request, origin, RejectReason::line_not_on_device, device_name, line,
                  &state);
  }
  state.lines_configured = dns.size();

  auto existing = std::find_if(state.lines.begin(), state.lines.end(),
                               [&](const LineBinding& b) { return b.binding.line == line; });
  // RFC 3261 §10.3 step 7: a request of the same Call-ID must come with a higher CSeq.
  if (existing != state.lines.end() && existing->binding.call_id == *call_id &&
      cseq->number <= existing->binding.cseq) {
    return reject(now, request, origin, RejectReason::out_of_order, device_name, line, &state);
  }

  sip::cisco::CucmReply reply;
  reply.server = config_.server;
  reply.supported = config_.supported;
  reply.date = date(now);

  if (requested == 0) {
    if (existing == state.lines.end()) {
      // What a phone sends its standby node to keep that connection alive [trace].
      ++counters_.keepalives;
      RegistrarEvent e = event(now, RegistrarEventKind::keepalive, origin);
      e.device = device_name;
      e.line = line;
      e.status = 200;
      emit(std::move(e));
    } else {
      remove_binding(now, state, static_cast<std::size_t>(existing - state.lines.begin()),
                     RegistrarEventKind::unregistered, "Expires: 0");
    }
    reply.to_tag = to_tag();
    reply.expires = 0;
    return sip::cisco::build_register_ok(request, reply);
  }

  if (state.lines.empty()) {
    if (const auto refused = [&]() -> std::optional<RejectReason> {
          if (config_.max_devices != 0 && registered_devices_ >= config_.max_devices) {
            return RejectReason::too_many_devices;
          }
          if (!admit_new_device(now)) return RejectReason::throttled;
          return std::nullopt;
        }()) {
      return reject(now, request, origin, *refused, device_name, line, &state);
    }
  }

  const std::uint32_t granted =
      config_.keepalive_interval == 0 ? requested : std::min(requested, config_.keepalive_interval);
  const Time expires_at = now + std::chrono::seconds(granted) + config_.expiry_grace;

  RegistrarEventKind kind = RegistrarEventKind::registered;
  LineBinding* lb = nullptr;
  if (existing == state.lines.end()) {
    state.lines.push_back(LineBinding{next_binding_id_++, Binding{}});
    lb = &state.lines.back();
    lb->binding.device = device_name;
    lb->binding.line = line;
    lb->binding.registered_at = now;
    ++binding_count_;
    if (state.lines.size() == 1) ++registered_devices_;
    ++counters_.registered;
  } else {
    lb = &*existing;
    if (lb->binding.call_id == *call_id) {
      kind = RegistrarEventKind::refreshed;
      ++counters_.refreshed;
    } else {
      lb->binding.registered_at = now;  // a new registration (the phone restarted)
      ++counters_.registered;
    }
    if (lb->binding.conn && lb->binding.conn != origin.conn) {
      detach_from_connection(*lb->binding.conn, &state, lb->id);
    }
  }
  Binding& b = lb->binding;
  const bool attach = origin.conn && b.conn != origin.conn;
  b.contact = contact->to_string();
  b.call_id = *call_id;
  b.cseq = cseq->number;
  b.transport = origin.transport;
  b.conn = origin.conn;
  b.address = origin.address;
  b.port = origin.port;
  b.expires = granted;
  b.refreshed_at = now;
  b.expires_at = expires_at;
  if (attach) {
    if (const auto c = connections_.find(*origin.conn); c != connections_.end()) {
      c->second.bindings.emplace_back(&state, lb->id);
    }
  }
  expiries_.push(Expiry{expires_at, lb->id, &state});
  state.address = origin.address;
  state.outcome = Outcome::accepted;
  state.reason.clear();

  RegistrarEvent e = event(now, kind, origin);
  e.device = device_name;
  e.line = line;
  e.status = 200;
  e.expires = granted;
  emit(std::move(e));

  reply.to_tag = to_tag();
  reply.expires = granted;
  return sip::cisco::build_register_ok(request, reply);
}

bool Registrar::admit_new_device(Time now) {
  const std::uint32_t rate = config_.max_new_registrations_per_second;
  if (rate == 0) return true;
  // GCRA (a token bucket in integer time): one registration per `interval` on average, up to
  // `burst` back to back.
  const Duration interval = std::chrono::duration_cast<Duration>(std::chrono::seconds(1)) / rate;
  const std::uint32_t burst = config_.registration_burst == 0 ? rate : config_.registration_burst;
  const Duration tolerance = interval * (burst - 1);
  if (throttle_tat_ < now) throttle_tat_ = now;
  if (throttle_tat_ - tolerance > now) return false;
  throttle_tat_ += interval;
  return true;
}

sip::Message Registrar::reject(Time now, const sip::Message& request, const Origin& origin,
                               RejectReason why, std::string_view device, std::string_view line,
                               DeviceState* state, std::string detail) {
  const Rejection& r = rejection(why);
  sip::Message m = response_head(request, r.status, r.phrase, date(now), config_.server, to_tag());
  m.add("Warning", sip::Warning{399, config_.warning_agent, r.warning}.to_string());
  if (r.retry_after) m.add("Retry-After", std::to_string(config_.throttle_retry_after));
  m.add("Content-Length", "0");

  ++counters_.rejected;
  if (why == RejectReason::throttled) ++counters_.throttled;
  if (state != nullptr) {
    state->outcome = Outcome::rejected;
    state->reason = r.warning;
  }
  RegistrarEvent e = event(now, RegistrarEventKind::rejected, origin);
  e.device = std::string(device);
  e.line = std::string(line);
  e.status = r.status;
  e.reject = why;
  e.reason = detail.empty() ? std::string(r.warning) : std::move(detail);
  emit(std::move(e));
  return m;
}

// --- bindings ----------------------------------------------------------------------------------

Registrar::DeviceState& Registrar::device_state(const DirectoryDevice& device) {
  auto [it, inserted] = devices_.try_emplace(device.name);
  DeviceState& state = it->second;
  if (inserted) state.name = device.name;
  if (state.description != device.description) state.description = device.description;
  if (state.model != device.model) state.model = device.model;
  return state;
}

void Registrar::remove_binding(Time now, DeviceState& state, std::size_t index,
                               RegistrarEventKind kind, std::string reason) {
  LineBinding removed = std::move(state.lines[index]);
  state.lines.erase(state.lines.begin() + static_cast<std::ptrdiff_t>(index));
  --binding_count_;
  if (state.lines.empty()) {
    --registered_devices_;
    state.outcome = Outcome::unbound;
    state.reason = reason;
  }
  const Binding& b = removed.binding;
  if (b.conn) detach_from_connection(*b.conn, &state, removed.id);
  if (kind == RegistrarEventKind::expired) {
    ++counters_.expired;
  } else {
    ++counters_.unregistered;
  }
  const Origin origin{b.transport, b.conn, b.address, b.port};
  RegistrarEvent e = event(now, kind, origin);
  e.device = b.device;
  e.line = b.line;
  e.reason = std::move(reason);
  emit(std::move(e));
}

void Registrar::detach_from_connection(ConnectionId conn, const DeviceState* state,
                                       std::uint64_t id) {
  const auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  std::erase_if(it->second.bindings,
                [&](const auto& entry) { return entry.first == state && entry.second == id; });
}

// --- time
// ------------------------------------------------------------------------------------------

void Registrar::handle_timeout(Time now) {
  if (!running_) return;
  udp_.handle_timeout(now);
  flush_udp(now);
  while (!expiries_.empty() && expiries_.top().at <= now) {
    const Expiry due = expiries_.top();
    expiries_.pop();
    auto& lines = due.device->lines;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      // A refreshed binding left its old entry behind: only the latest one counts.
      if (lines[i].id == due.id && lines[i].binding.expires_at == due.at) {
        remove_binding(now, *due.device, i, RegistrarEventKind::expired,
                       "not refreshed within " + std::to_string(lines[i].binding.expires) + " s");
        break;
      }
    }
  }
}

std::optional<Time> Registrar::next_timeout() const {
  if (!running_) return std::nullopt;
  std::optional<Time> next = udp_.next_timeout();
  if (!expiries_.empty() && (!next || expiries_.top().at < *next)) next = expiries_.top().at;
  return next;
}

// --- node service ------------------------------------------------------------------------------

void Registrar::stop(Time now) {
  if (!running_) return;
  stream_out_.clear();
  datagrams_out_.clear();
  emit(event(now, RegistrarEventKind::node_stopped, Origin{}));
  std::vector<ConnectionId> ids;
  ids.reserve(connections_.size());
  for (const auto& entry : connections_) ids.push_back(entry.first);
  std::sort(ids.begin(), ids.end());  // a deterministic order, whatever the hash map's
  for (const ConnectionId id : ids) stream_out_.push_back(CloseConnection{id});
  counters_.connections_closed += ids.size();
  connections_.clear();
  for (auto& entry : devices_) {
    DeviceState& state = entry.second;
    while (!state.lines.empty()) {
      remove_binding(now, state, state.lines.size() - 1, RegistrarEventKind::unregistered,
                     "node stopped");
    }
  }
  expiries_ = {};
  udp_ = sip::TransactionLayer(config_.timers);
  throttle_tat_ = Time{};
  running_ = false;
}

void Registrar::start(Time now) {
  if (running_) return;
  running_ = true;
  emit(event(now, RegistrarEventKind::node_started, Origin{}));
}

// --- observations ------------------------------------------------------------------------------

std::optional<RegistrarEvent> Registrar::poll_event() {
  if (events_.empty()) return std::nullopt;
  RegistrarEvent out = std::move(events_.front());
  events_.pop_front();
  return out;
}

std::optional<TraceLine> Registrar::poll_trace() {
  if (traces_.empty()) return std::nullopt;
  TraceLine out = std::move(traces_.front());
  traces_.pop_front();
  return out;
}

void Registrar::emit(RegistrarEvent event) { events_.push_back(std::move(event)); }

RegistrarEvent Registrar::event(Time now, RegistrarEventKind kind, const Origin& origin) const {
  RegistrarEvent e;
  e.kind = kind;
  e.at = now;
  e.node = config_.node_name;
  e.transport = origin.transport;
  e.conn = origin.conn;
  e.address = origin.address;
  e.port = origin.port;
  return e;
}

void Registrar::trace(Time now, TraceDirection direction, const Origin& origin, std::size_t bytes,
                      const sip::Message* message, std::string_view text, std::string_view error) {
  if (!config_.trace) return;
  TraceLine t;
  t.at = now;
  t.node = config_.node_name;
  t.direction = direction;
  t.transport = origin.transport;
  t.conn = origin.conn;
  t.peer = origin.address;
  t.peer_port = origin.port;
  t.bytes = bytes;
  t.summary = message != nullptr ? summary_of(*message) : std::string(error);
  t.message = std::string(text);
  traces_.push_back(std::move(t));
}

std::string Registrar::date(Time now) const {
  if (!config_.date_epoch) return {};
  return http_date(*config_.date_epoch +
                   std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

std::string Registrar::to_tag() { return sip::cisco::make_cucm_tag(random_); }

const Binding* Registrar::binding(std::string_view device, std::string_view line) const {
  const auto it = devices_.find(device);
  if (it == devices_.end()) return nullptr;
  for (const auto& lb : it->second.lines) {
    if (lb.binding.line == line) return &lb.binding;
  }
  return nullptr;
}

std::vector<Binding> Registrar::bindings(std::string_view device) const {
  std::vector<Binding> out;
  const auto it = devices_.find(device);
  if (it == devices_.end()) return out;
  for (const auto& lb : it->second.lines) out.push_back(lb.binding);
  return out;
}

DeviceStatus Registrar::status_of(const DeviceState& state) const {
  if (!state.lines.empty()) {
    return state.lines.size() >= state.lines_configured ? DeviceStatus::registered
                                                        : DeviceStatus::partially_registered;
  }
  switch (state.outcome) {
    case Outcome::rejected:
      return DeviceStatus::rejected;
    case Outcome::accepted:
    case Outcome::unbound:
      return DeviceStatus::unregistered;
    case Outcome::none:
      break;
  }
  return DeviceStatus::unknown;
}

PhoneRow Registrar::row_of(const DeviceState& state) const {
  PhoneRow row;
  row.device = state.name;
  row.description = state.description;
  row.model = state.model;
  row.status = status_of(state);
  row.address = state.address;
  row.node = config_.node_name;
  row.lines_registered = state.lines.size();
  row.lines_configured = state.lines_configured;
  row.reason = state.reason;
  return row;
}

PhoneRow Registrar::phone(std::string_view device) const {
  if (const auto it = devices_.find(device); it != devices_.end()) return row_of(it->second);
  PhoneRow row;
  row.device = std::string(device);
  row.node = config_.node_name;
  if (const DirectoryDevice* known = directory_.find(device)) {
    row.description = known->description;
    row.model = known->model;
    row.lines_configured = known->line_dns.size();
  }
  return row;
}

std::vector<PhoneRow> Registrar::find_and_list_phones() const {
  std::vector<PhoneRow> rows;
  rows.reserve(devices_.size());
  for (const auto& entry : devices_) rows.push_back(row_of(entry.second));
  return rows;
}

}  // namespace voicelab::cucm
