#include "voicelab/sip/registration_client.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"

namespace voicelab::sip {
namespace {

void earliest(std::optional<Time>& acc, std::optional<Time> t) {
  if (t && (!acc || *t < *acc)) acc = t;
}

bool due(const std::optional<Time>& t, Time now) { return t && *t <= now; }

// "115 s", "2.5 s", "40 ms": what a trainee reads in an event.
std::string describe(Duration d) {
  char buf[48];
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  } else if (ms % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(ms / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  }
  return buf;
}

const char* priority_word(std::size_t index) {
  switch (index) {
    case 0:
      return "primary";
    case 1:
      return "secondary";
    case 2:
      return "tertiary";
    default:
      return "backup";
  }
}

// "12.8.1" from "sip88xx.12-8-1-0001-455": the first three dash-separated fields after the
// family prefix, as the trace's User-Agent "Cisco-CP8851/12.1.1" shows for its load.
std::string version_of(std::string_view load_id) {
  if (const auto dot = load_id.find('.'); dot != std::string_view::npos) {
    load_id.remove_prefix(dot + 1);
  }
  std::string out;
  int fields = 0;
  for (const char c : load_id) {
    if (c == '-') {
      if (++fields == 3) break;
      out += '.';
    } else {
      out += c;
    }
  }
  return out;
}

// Days since 1970-01-01 to a proleptic Gregorian date, counting in 400-year eras that start on
// 1 March so that the leap day falls at the end of each year.
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;  // 0000-03-01 to 1970-01-01
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
  day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

std::vector<std::uint8_t> to_bytes(std::string_view text) { return {text.begin(), text.end()}; }

}  // namespace

const char* to_string(RegistrationEventKind kind) {
  switch (kind) {
    case RegistrationEventKind::connecting:
      return "connecting";
    case RegistrationEventKind::connect_failed:
      return "connect_failed";
    case RegistrationEventKind::line_registered:
      return "line_registered";
    case RegistrationEventKind::registered:
      return "registered";
    case RegistrationEventKind::rejected:
      return "rejected";
    case RegistrationEventKind::failover:
      return "failover";
    case RegistrationEventKind::fallback:
      return "fallback";
    case RegistrationEventKind::unregistered:
      return "unregistered";
    case RegistrationEventKind::refresh:
      return "refresh";
    case RegistrationEventKind::timeout:
      return "timeout";
    case RegistrationEventKind::protocol_error:
      return "protocol_error";
    case RegistrationEventKind::standby:
      return "standby";
  }
  return "?";
}

const char* to_string(LineState state) {
  switch (state) {
    case LineState::idle:
      return "idle";
    case LineState::registering:
      return "registering";
    case LineState::registered:
      return "registered";
    case LineState::unregistering:
      return "unregistering";
    case LineState::unregistered:
      return "unregistered";
  }
  return "?";
}

const char* to_string(ClientState state) {
  switch (state) {
    case ClientState::stopped:
      return "stopped";
    case ClientState::connecting:
      return "connecting";
    case ClientState::registering:
      return "registering";
    case ClientState::registered:
      return "registered";
    case ClientState::retry_wait:
      return "retry_wait";
    case ClientState::stopping:
      return "stopping";
  }
  return "?";
}

// --- construction and administration ---------------------------------------------------------

RegistrationClient::RegistrationClient(RegistrationClientConfig config, Random& random)
    : config_(std::move(config)), random_(random), layer_(config_.timers) {
  if (config_.lines.empty()) throw std::invalid_argument("RegistrationClient: no lines");
  if (config_.nodes.empty()) throw std::invalid_argument("RegistrationClient: no nodes");
  for (const auto& line : config_.lines) {
    if (line.dn.empty()) throw std::invalid_argument("RegistrationClient: empty DN");
  }
  const auto& t = config_.timers;
  if (t.t1 <= Duration::zero() || t.t2 < t.t1 || t.t4 < Duration::zero() ||
      config_.register_delta < Duration::zero() || config_.connect_timeout <= Duration::zero() ||
      config_.retry_delay <= Duration::zero() || config_.probe_interval <= Duration::zero()) {
    throw std::invalid_argument("RegistrationClient: timers must be positive (T2 >= T1)");
  }
  user_agent_ = config_.user_agent;
  if (user_agent_.empty()) {
    std::string model = config_.model;
    std::erase(model, '-');
    user_agent_ = "Cisco-" + model;
    if (const auto version = version_of(config_.load_id); !version.empty()) {
      user_agent_ += '/' + version;
    }
  }
  lines_.resize(config_.lines.size());
  runtime_.resize(config_.lines.size());
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    lines_[i].dn = config_.lines[i].dn;
    lines_[i].display_name = config_.lines[i].display_name;
  }
}

void RegistrationClient::start(Time now, wire::Ipv4Address local_address) {
  if (state_ != ClientState::stopped) {
    throw std::logic_error("RegistrationClient::start: already running");
  }
  local_ip_ = local_address;
  layer_ = TransactionLayer(config_.timers);
  links_.clear();
  pending_.clear();
  contact_uuid_ = cisco::make_contact_uuid(random_);
  first_register_ = true;
  round_failures_ = 0;
  retry_at_.reset();
  aux_retry_at_.reset();
  fell_back_ = false;
  reset_lines();
  open_active(now, 0);
  pump(now);
}

void RegistrationClient::stop(Time now) {
  if (state_ == ClientState::stopped || state_ == ClientState::stopping) return;
  retry_at_.reset();
  aux_retry_at_.reset();
  if (const Link* aux = link_with_role(Role::aux)) drop_link(now, aux->id, true);
  if (const Link* old = link_with_role(Role::old)) drop_link(now, old->id, true);
  state_ = ClientState::stopping;
  stop_pending_ = 0;
  Link* active = link_with_role(Role::active);
  if (active != nullptr && active->open) {
    // Answers to REGISTERs still in flight no longer matter: the Expires: 0 (a higher CSeq in
    // the same dialog) decides.
    std::erase_if(pending_, [id = active->id](const auto& p) { return p.second.link == id; });
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (!active->bindings[i].created) continue;
      if (lines_[i].state != LineState::registered && lines_[i].state != LineState::registering) {
        continue;
      }
      lines_[i].state = LineState::unregistering;
      send_register(now, *active, i, Purpose::unregister_line, 0);
      ++stop_pending_;
    }
  }
  if (stop_pending_ == 0) finish_stop(now);
  pump(now);
}

void RegistrationClient::finish_stop(Time now) {
  std::vector<ConnectionId> ids;
  for (const auto& l : links_) ids.push_back(l.id);
  for (const auto id : ids) drop_link(now, id, true);
  pending_.clear();
  reset_lines();
  for (auto& line : lines_) line.state = LineState::unregistered;
  state_ = ClientState::stopped;
  retry_at_.reset();
  aux_retry_at_.reset();
  emit(now, RegistrationEventKind::unregistered, {}, {}, 0,
       "stopped: every line unregistered and every connection closed");
}

void RegistrationClient::reset_lines() {
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    auto& line = lines_[i];
    line.state = LineState::idle;
    line.node.clear();
    line.registered_at.reset();
    line.expires_at.reset();
    line.refresh_at.reset();
    runtime_[i] = LineRuntime{};
  }
}

// --- attempts ---------------------------------------------------------------------------------

void RegistrationClient::open_active(Time now, std::size_t node) {
  attempt_started_ = now;
  // A standby connection, or the one left by a fallback, may already be open to this node:
  // failing over onto it is immediate, as with the hot standby socket of a real phone.
  for (auto& l : links_) {
    if (l.node != node || l.role == Role::active || !l.open) continue;
    std::erase_if(pending_, [id = l.id](const auto& p) { return p.second.link == id; });
    l.role = Role::active;
    l.keepalive_at.reset();
    l.keepalive_pending = false;
    l.drains_pending = 0;
    state_ = ClientState::registering;
    emit(now, RegistrationEventKind::connecting, config_.nodes[node].name, {}, 0,
         "registering with " + node_label(node) + " over the connection already open to it");
    begin_registration(now);
    return;
  }
  std::vector<ConnectionId> stale;
  for (const auto& l : links_) {
    if (l.node == node) stale.push_back(l.id);
  }
  for (const auto id : stale) drop_link(now, id, true);

  Link& link = new_link(node, Role::active);
  if (config_.transport == Transport::udp) {
    link.open = true;
    link.local_port = config_.udp_port;
    state_ = ClientState::registering;
    emit(now, RegistrationEventKind::connecting, config_.nodes[node].name, {}, 0,
         "sending REGISTERs over UDP from port " + std::to_string(config_.udp_port) + " to " +
             node_label(node));
    begin_registration(now);
    return;
  }
  link.connect_deadline = now + config_.connect_timeout;
  commands_.push_back(Connect{link.id, config_.nodes[node]});
  state_ = ClientState::connecting;
  emit(now, RegistrationEventKind::connecting, config_.nodes[node].name, {}, 0,
       "opening a TCP connection to " + node_label(node) + " (gives up after " +
           describe(config_.connect_timeout) + " without an answer)");
}

void RegistrationClient::begin_registration(Time now) {
  Link* active = link_with_role(Role::active);
  if (active == nullptr) return;
  state_ = ClientState::registering;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    lines_[i].state = LineState::registering;
    lines_[i].node = config_.nodes[active->node].name;
    lines_[i].refresh_at.reset();
    runtime_[i].refresh_pending = false;
  }
  // Line 1 first, each further line once the previous one is registered: the first REGISTER
  // carries the device's details (Reason), and CUCM learns the device from it.
  next_line_ = 0;
  send_register(now, *active, 0, Purpose::register_line, config_.requested_expires);
}

void RegistrationClient::send_register(Time now, Link& link, std::size_t line, Purpose purpose,
                                       std::uint32_t expires) {
  Binding& b = link.bindings[line];
  if (!b.created) {
    b.created = true;
    b.from_tag = cisco::make_phone_tag(config_.mac, random_);
    b.call_id = cisco::make_call_id(config_.mac, local_ip_, random_, next_call_index_++);
    b.session_id = cisco::make_session_id(config_.mac, random_);
  }
  ++b.cseq;

  cisco::RegisterParams p;
  p.mac = config_.mac;
  p.phone_ip = local_ip_;
  p.phone_port = link.local_port;
  p.transport = config_.transport;
  p.line = config_.lines[line].dn;
  p.registrar = config_.nodes[link.node].address.to_string();
  p.user_agent = user_agent_;
  p.model_id = config_.model_id;
  p.cseq = b.cseq;
  p.expires = expires;
  p.date = date_header(now);
  if (first_register_ && purpose == Purpose::register_line) {
    first_register_ = false;
    if (config_.reason) {
      if (!config_.reason->empty()) p.reason = *config_.reason;
    } else if (!config_.load_id.empty()) {
      p.reason = "SIP;cause=200;text=\"cisco-alarm:25 Name=" + cisco::device_name(config_.mac) +
                 " Load=" + config_.load_id + " Last=initialized\"";
    }
  }
  p.branch = cisco::make_branch(random_);
  p.from_tag = b.from_tag;
  p.call_id = b.call_id;
  p.contact_uuid = contact_uuid_;
  p.session_id = b.session_id;

  auto id = layer_.send_request(now, link.id, config_.transport, cisco::build_register(p));
  if (!id) return;  // cannot happen: the builder always writes a Via branch and a CSeq
  pending_[*id] = Pending{link.id, line, purpose};
  ++counters_.registers_sent;
  if (purpose == Purpose::keepalive) ++counters_.keepalives;
}

void RegistrationClient::fail_active(Time now, const std::string& why, bool send_close) {
  if (state_ == ClientState::stopping) {
    finish_stop(now);
    return;
  }
  const Link* active = link_with_role(Role::active);
  const std::size_t failed = active != nullptr ? active->node : 0;
  if (active != nullptr) drop_link(now, active->id, send_close);
  reset_lines();
  fell_back_ = false;
  ++round_failures_;
  ++counters_.failovers;
  const std::size_t n = config_.nodes.size();
  if (round_failures_ >= n) {
    std::vector<ConnectionId> ids;
    for (const auto& l : links_) ids.push_back(l.id);
    for (const auto id : ids) drop_link(now, id, true);
    state_ = ClientState::retry_wait;
    retry_at_ = now + config_.retry_delay;
    aux_retry_at_.reset();
    emit(now, RegistrationEventKind::failover, config_.nodes[failed].name, {}, 0,
         node_label(failed) + " failed: " + why + "; no node of the CallManager group (" +
             std::to_string(n) + ") answered, starting again with " + node_label(0) + " in " +
             describe(config_.retry_delay));
    return;
  }
  const std::size_t next = (failed + 1) % n;
  emit(now, RegistrationEventKind::failover, config_.nodes[failed].name, {}, 0,
       node_label(failed) + " failed: " + why + "; trying " + node_label(next));
  open_active(now, next);
}

void RegistrationClient::setup_aux(Time now, bool due_now) {
  if (state_ != ClientState::registered) return;
  const Link* active = link_with_role(Role::active);
  if (active == nullptr) return;
  std::optional<std::size_t> target;
  if (active->node == 0) {
    if (config_.standby_keepalive && config_.nodes.size() > 1) target = 1;
  } else if (config_.fallback) {
    target = 0;
  }
  if (const Link* aux = link_with_role(Role::aux); aux != nullptr) {
    if (target && aux->node == *target) return;
    drop_link(now, aux->id, true);
  }
  if (!target) {
    aux_retry_at_.reset();
    return;
  }
  if (const Link* old = link_with_role(Role::old); old != nullptr && old->node == *target) {
    return;  // finish_drain() turns it into the standby connection
  }
  if (!due_now) {
    if (aux_retry_at_) return;
    // The primary just failed or never answered: the first probe waits one interval.
    if (*target == 0) {
      aux_retry_at_ = now + config_.probe_interval;
      return;
    }
  }
  aux_retry_at_.reset();
  Link& link = new_link(*target, Role::aux);
  if (config_.transport == Transport::udp) {
    link.open = true;
    link.local_port = config_.udp_port;
    send_keepalive(now, link);
    return;
  }
  link.connect_deadline = now + config_.connect_timeout;
  commands_.push_back(Connect{link.id, config_.nodes[*target]});
}

void RegistrationClient::aux_failed(Time now, const std::string& why, bool send_close) {
  const Link* aux = link_with_role(Role::aux);
  if (aux == nullptr) return;
  const bool was_up = aux->standby_up;
  const std::size_t node = aux->node;
  drop_link(now, aux->id, send_close);
  aux_retry_at_ = now + config_.probe_interval;
  // A probe of a primary that is still down fails every interval: not worth an event each time.
  if (node != 0 && was_up) {
    emit(now, RegistrationEventKind::standby, config_.nodes[node].name, {}, 0,
         "standby connection to " + node_label(node) + " lost: " + why + "; trying again in " +
             describe(config_.probe_interval));
  }
}

void RegistrationClient::send_keepalive(Time now, Link& link) {
  link.keepalive_at.reset();
  link.keepalive_pending = true;
  send_register(now, link, 0, Purpose::keepalive, 0);
}

void RegistrationClient::do_fallback(Time now) {
  if (const Link* old = link_with_role(Role::old)) drop_link(now, old->id, true);
  Link* aux = link_with_role(Role::aux);
  Link* active = link_with_role(Role::active);
  if (aux == nullptr) return;
  const std::string from = active != nullptr ? node_label(active->node) : std::string("nowhere");
  ++counters_.fallbacks;
  emit(now, RegistrationEventKind::fallback, config_.nodes[aux->node].name, {}, 200,
       "the primary " + node_label(aux->node) +
           " answered the keepalive REGISTER (Expires: 0) with 200 OK: registering there again, "
           "then dropping the registrations with " +
           from);
  if (active != nullptr) {
    active->role = Role::old;
    active->drains_pending = 0;
  }
  aux->role = Role::active;
  aux->keepalive_at.reset();
  aux->keepalive_pending = false;
  aux->standby_up = false;
  aux_retry_at_.reset();
  fell_back_ = true;
  round_failures_ = 0;
  attempt_started_ = now;
  begin_registration(now);
}

void RegistrationClient::start_drain(Time now) {
  Link* old = link_with_role(Role::old);
  if (old == nullptr) {
    setup_aux(now, false);
    return;
  }
  old->drains_pending = 0;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (!old->bindings[i].created) continue;
    send_register(now, *old, i, Purpose::unregister_line, 0);
    ++old->drains_pending;
  }
  if (old->drains_pending == 0) finish_drain(now);
}

void RegistrationClient::finish_drain(Time now) {
  Link* old = link_with_role(Role::old);
  if (old == nullptr) return;
  const Link* active = link_with_role(Role::active);
  const bool keep = active != nullptr && active->node == 0 && config_.standby_keepalive &&
                    old->node == 1 && old->open && link_with_role(Role::aux) == nullptr;
  if (keep) {
    // The node we left is the secondary: its connection becomes the standby one, and the
    // Expires: 0 REGISTERs just answered were its first keepalives.
    old->role = Role::aux;
    old->standby_up = true;
    old->keepalive_pending = false;
    old->keepalive_at = now + keepalive_interval();
    emit(now, RegistrationEventKind::standby, config_.nodes[old->node].name, {}, 0,
         "registrations with " + node_label(old->node) +
             " dropped; its connection stays open as the standby, keepalive every " +
             describe(keepalive_interval()));
  } else {
    drop_link(now, old->id, true);
  }
  setup_aux(now, false);
}

// --- input ------------------------------------------------------------------------------------

void RegistrationClient::handle_connected(Time now, ConnectionId id, std::uint16_t local_port) {
  Link* link = find_link(id);
  if (link == nullptr || link->open) return;
  link->open = true;
  link->local_port = local_port;
  link->connect_deadline.reset();
  if (link->role == Role::active) {
    begin_registration(now);
  } else if (link->role == Role::aux) {
    send_keepalive(now, *link);
  }
  pump(now);
}

void RegistrationClient::handle_connect_failed(Time now, ConnectionId id, std::string reason) {
  connect_failed(now, id, reason, false);
  pump(now);
}

void RegistrationClient::connect_failed(Time now, ConnectionId id, const std::string& reason,
                                        bool send_close) {
  const Link* link = find_link(id);
  if (link == nullptr || link->open) return;
  ++counters_.connect_failures;
  const std::string why = "TCP connection failed (" + reason + ")";
  if (link->role == Role::active) {
    emit(now, RegistrationEventKind::connect_failed, config_.nodes[link->node].name, {}, 0,
         "could not connect to " + node_label(link->node) + ": " + reason);
  }
  on_link_failure(now, id, why, send_close);
}

void RegistrationClient::handle_closed(Time now, ConnectionId id) {
  if (find_link(id) == nullptr) return;
  on_link_failure(now, id, "the connection was closed by the peer", false);
  pump(now);
}

void RegistrationClient::handle_bytes(Time now, ConnectionId id, wire::Bytes bytes) {
  Link* link = find_link(id);
  if (link == nullptr || !link->open || config_.transport != Transport::tcp) return;
  const auto pings = link->parser.pings();
  std::error_code ec;
  while (!bytes.empty()) {
    const std::size_t used = link->parser.put(bytes, ec);
    bytes = bytes.subspan(used);
    if (ec == errc::need_more) break;
    if (ec) break;
    // The layer only queues what it learns; pump() below acts on it once parsing is done.
    if (layer_.handle_message(now, id, Transport::tcp, link->parser.release())) ++counters_.stray;
  }
  if (ec && ec != errc::need_more) {
    ++counters_.protocol_errors;
    emit(now, RegistrationEventKind::protocol_error, config_.nodes[link->node].name, {}, 0,
         node_label(link->node) + " sent bytes that are not SIP (" + ec.message() +
             "); closing the connection");
    on_link_failure(now, id, "it sent bytes that are not SIP (" + ec.message() + ")", true);
  } else if (link->parser.pings() > pings) {
    // RFC 5626 §3.5.1: a double-CRLF ping is answered with a single-CRLF pong.
    commands_.push_back(SendBytes{id, to_bytes("\r\n")});
  }
  pump(now);
}

void RegistrationClient::handle_datagram(Time now, wire::Ipv4Address from, std::uint16_t from_port,
                                         wire::Bytes payload) {
  if (config_.transport != Transport::udp) return;
  const Link* link = nullptr;
  for (const Role role : {Role::active, Role::aux, Role::old}) {
    const Link* l = link_with_role(role);
    if (l != nullptr && config_.nodes[l->node].address == from &&
        config_.nodes[l->node].port == from_port) {
      link = l;
      break;
    }
  }
  if (link == nullptr) {
    ++counters_.stray;
    return;
  }
  const ConnectionId id = link->id;
  auto message = parse_datagram(payload);
  if (!message) {
    if (message.error() == errc::keepalive) return;
    ++counters_.protocol_errors;
    emit(now, RegistrationEventKind::protocol_error, config_.nodes[link->node].name, {}, 0,
         node_label(link->node) + " sent a datagram that is not SIP (" + message.error().message() +
             ")");
    on_link_failure(
        now, id, "it sent a datagram that is not SIP (" + message.error().message() + ")", false);
    pump(now);
    return;
  }
  if (layer_.handle_message(now, id, Transport::udp, *message)) ++counters_.stray;
  pump(now);
}

void RegistrationClient::handle_timeout(Time now) {
  if (state_ == ClientState::stopped) return;
  layer_.handle_timeout(now);
  pump(now);

  std::vector<ConnectionId> expired;
  for (const auto& l : links_) {
    if (!l.open && due(l.connect_deadline, now)) expired.push_back(l.id);
  }
  for (const auto id : expired) {
    connect_failed(now, id, "no answer within " + describe(config_.connect_timeout), true);
  }

  if (state_ == ClientState::retry_wait && due(retry_at_, now)) {
    retry_at_.reset();
    round_failures_ = 0;
    open_active(now, 0);
  }
  if (due(aux_retry_at_, now)) {
    aux_retry_at_.reset();
    setup_aux(now, true);
  }
  if (state_ != ClientState::stopping) {
    if (Link* aux = link_with_role(Role::aux);
        aux != nullptr && aux->open && !aux->keepalive_pending && due(aux->keepalive_at, now)) {
      send_keepalive(now, *aux);
    }
    if (Link* active = link_with_role(Role::active); active != nullptr && active->open) {
      for (std::size_t i = 0; i < lines_.size(); ++i) {
        if (lines_[i].state != LineState::registered || runtime_[i].refresh_pending) continue;
        if (!due(lines_[i].refresh_at, now)) continue;
        runtime_[i].refresh_pending = true;
        send_register(now, *active, i, Purpose::refresh_line, config_.requested_expires);
      }
    }
  }
  pump(now);
}

// --- results ----------------------------------------------------------------------------------

void RegistrationClient::on_transaction_event(Time now, TransactionEvent event) {
  switch (event.kind) {
    case TransactionEvent::Kind::request: {
      // CUCM may ping with OPTIONS; anything else is beyond a registration-only UA.
      const bool options = event.message.method == "OPTIONS";
      Message response =
          make_response(event.message, options ? 200 : 501, options ? "OK" : "Not Implemented");
      if (auto to = response.get("To"); to && to->find(";tag=") == std::string_view::npos) {
        response.set("To", std::string(*to) + ";tag=" + cisco::make_cucm_tag(random_));
      }
      response.add("Content-Length", "0");
      layer_.respond(now, event.id, std::move(response));
      return;
    }
    case TransactionEvent::Kind::provisional:
      return;
    case TransactionEvent::Kind::stray:
      ++counters_.stray;
      return;
    case TransactionEvent::Kind::final_response:
    case TransactionEvent::Kind::timeout:
    case TransactionEvent::Kind::transport_error:
      break;
  }
  const auto it = pending_.find(event.id);
  if (it == pending_.end()) return;
  const Pending pending = it->second;
  pending_.erase(it);
  switch (event.kind) {
    case TransactionEvent::Kind::final_response:
      on_result(now, pending, event.message.status_code, &event.message);
      break;
    case TransactionEvent::Kind::timeout:
      on_result(now, pending, 0, nullptr);
      break;
    default:
      on_result(now, pending, -1, nullptr);
      break;
  }
}

void RegistrationClient::on_result(Time now, const Pending& pending, int status,
                                   const Message* response) {
  Link* link = find_link(pending.link);
  if (link == nullptr) return;
  const std::size_t node = link->node;
  const std::string& name = config_.nodes[node].name;
  const std::string& dn = lines_[pending.line].dn;
  const bool ok = status >= 200 && status < 300 && response != nullptr;

  switch (pending.purpose) {
    case Purpose::register_line:
    case Purpose::refresh_line: {
      if (link->role != Role::active) return;
      if (ok) {
        on_line_ok(now, pending.line, pending.purpose, *response);
        return;
      }
      runtime_[pending.line].refresh_pending = false;
      if (status > 0) {
        lines_[pending.line].last_status = status;
        ++counters_.rejections;
        std::string detail = node_label(node) + " answered the REGISTER for " + dn + " with " +
                             std::to_string(status) + ' ' + response->reason;
        if (auto warnings = parse_warnings(*response); warnings && !warnings->empty()) {
          detail += " (Warning: " + warnings->front().text + ')';
        }
        emit(now, RegistrationEventKind::rejected, name, dn, status, detail);
        fail_active(now, "it rejected line " + dn + " (" + std::to_string(status) + ' ' +
                             response->reason + ')');
      } else if (status == 0) {
        ++counters_.timeouts;
        const Duration f = 64 * config_.timers.t1;
        emit(now, RegistrationEventKind::timeout, name, dn, 0,
             "no final answer from " + node_label(node) + " to the REGISTER for " + dn +
                 " within " + describe(f) + " (Timer F)");
        fail_active(now, "no answer to a REGISTER within " + describe(f));
      } else {
        fail_active(now, "the connection failed under a REGISTER");
      }
      return;
    }
    case Purpose::unregister_line: {
      const std::string outcome = ok           ? std::string("answered 200 OK")
                                  : status > 0 ? "answered " + std::to_string(status)
                                               : std::string("no answer");
      if (state_ == ClientState::stopping && link->role == Role::active) {
        lines_[pending.line].state = LineState::unregistered;
        if (status > 0) lines_[pending.line].last_status = status;
        emit(now, RegistrationEventKind::unregistered, name, dn, std::max(status, 0),
             "REGISTER Expires: 0 for " + dn + " to " + node_label(node) + ": " + outcome);
        if (stop_pending_ > 0 && --stop_pending_ == 0) finish_stop(now);
        return;
      }
      if (link->role == Role::old) {
        emit(now, RegistrationEventKind::unregistered, name, dn, std::max(status, 0),
             dn + " dropped from " + node_label(node) +
                 " after the fallback (REGISTER Expires: 0 " + outcome + ")");
        if (link->drains_pending > 0 && --link->drains_pending == 0) finish_drain(now);
      }
      return;
    }
    case Purpose::keepalive: {
      if (link->role != Role::aux) return;
      link->keepalive_pending = false;
      if (node == 0) {
        // Probe of the primary while registered elsewhere.
        if (ok && config_.fallback) {
          do_fallback(now);
        } else {
          aux_failed(now, status > 0 ? "it answered " + std::to_string(status) : "no answer", true);
        }
        return;
      }
      if (status > 0) {
        // Any answer shows the standby node alive (CUCM answers 200 with Expires: 0).
        if (!link->standby_up) {
          link->standby_up = true;
          emit(now, RegistrationEventKind::standby, name, {}, status,
               "standby connection to " + node_label(node) + " up: REGISTER Expires: 0 answered " +
                   std::to_string(status) + ", keepalive every " + describe(keepalive_interval()));
        }
        link->keepalive_at = now + keepalive_interval();
      } else {
        aux_failed(now, "its keepalive REGISTER was not answered", true);
      }
      return;
    }
  }
}

void RegistrationClient::on_line_ok(Time now, std::size_t line, Purpose purpose,
                                    const Message& response) {
  const Link* active = link_with_role(Role::active);
  if (active == nullptr) return;
  const std::size_t node = active->node;
  const std::string& name = config_.nodes[node].name;
  const std::uint32_t granted = granted_expires(response, config_.requested_expires);
  auto& status = lines_[line];
  status.last_status = response.status_code;
  if (granted == 0) {
    ++counters_.rejections;
    emit(now, RegistrationEventKind::rejected, name, status.dn, response.status_code,
         node_label(node) + " accepted the REGISTER for " + status.dn +
             " but granted 0 s: the line is not registered there");
    fail_active(now, "it granted an expiry of 0 s to line " + status.dn);
    return;
  }
  const Duration refresh = refresh_after(granted);
  status.state = LineState::registered;
  status.node = name;
  status.expires_at = now + std::chrono::seconds(granted);
  status.refresh_at = now + refresh;
  runtime_[line].granted = granted;
  runtime_[line].refresh_pending = false;
  const std::string timing = "expires in " + describe(std::chrono::seconds(granted)) +
                             ", next refresh in " + describe(refresh);

  if (purpose == Purpose::refresh_line) {
    ++counters_.refreshes;
    emit(now, RegistrationEventKind::refresh, name, status.dn, response.status_code,
         status.dn + " refreshed with " + node_label(node) + ": " + timing);
    return;
  }
  status.registered_at = now;
  emit(now, RegistrationEventKind::line_registered, name, status.dn, response.status_code,
       status.dn + " registered with " + node_label(node) + ": " + timing);
  next_line_ = line + 1;
  if (next_line_ < lines_.size()) {
    Link* link = link_with_role(Role::active);
    send_register(now, *link, next_line_, Purpose::register_line, config_.requested_expires);
    return;
  }
  state_ = ClientState::registered;
  round_failures_ = 0;
  retry_at_.reset();
  emit(now, RegistrationEventKind::registered, name, {}, response.status_code,
       std::string(lines_.size() == 1 ? "the line is"
                                      : "all " + std::to_string(lines_.size()) + " lines are") +
           " registered with " + node_label(node) + ", " + describe(now - attempt_started_) +
           (fell_back_ ? " after falling back to it" : " after the attempt with it began"));
  fell_back_ = false;
  if (link_with_role(Role::old) != nullptr) {
    start_drain(now);
  } else {
    setup_aux(now, false);
  }
}

void RegistrationClient::on_link_failure(Time now, ConnectionId id, const std::string& why,
                                         bool send_close) {
  const Link* link = find_link(id);
  if (link == nullptr) return;
  switch (link->role) {
    case Role::active:
      fail_active(now, why, send_close);
      return;
    case Role::aux:
      aux_failed(now, why, send_close);
      return;
    case Role::old:
      drop_link(now, id, send_close);
      setup_aux(now, false);
      return;
  }
}

// --- plumbing ---------------------------------------------------------------------------------

RegistrationClient::Link* RegistrationClient::find_link(ConnectionId id) {
  for (auto& l : links_) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

const RegistrationClient::Link* RegistrationClient::find_link(ConnectionId id) const {
  for (const auto& l : links_) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

RegistrationClient::Link* RegistrationClient::link_with_role(Role role) {
  for (auto& l : links_) {
    if (l.role == role) return &l;
  }
  return nullptr;
}

const RegistrationClient::Link* RegistrationClient::link_with_role(Role role) const {
  for (const auto& l : links_) {
    if (l.role == role) return &l;
  }
  return nullptr;
}

RegistrationClient::Link& RegistrationClient::new_link(std::size_t node, Role role) {
  Link link;
  link.id = next_id_++;
  link.node = node;
  link.role = role;
  link.bindings.resize(lines_.size());
  links_.push_back(std::move(link));
  return links_.back();
}

void RegistrationClient::drop_link(Time now, ConnectionId id, bool send_close) {
  std::erase_if(pending_, [id](const auto& p) { return p.second.link == id; });
  // Ends the link's transactions; their events find no pending entry and are ignored.
  layer_.handle_transport_error(now, id);
  if (send_close && config_.transport == Transport::tcp) commands_.push_back(Close{id});
  std::erase_if(links_, [id](const Link& l) { return l.id == id; });
}

void RegistrationClient::pump(Time now) {
  for (;;) {
    bool any = false;
    while (auto out = layer_.poll_transmit()) {
      any = true;
      const Link* link = find_link(out->flow);
      if (link == nullptr || !link->open) continue;
      const std::string text = serialize(out->message);
      if (config_.transport == Transport::tcp) {
        commands_.push_back(SendBytes{link->id, to_bytes(text)});
      } else {
        commands_.push_back(
            SendDatagram{config_.nodes[link->node], config_.udp_port, to_bytes(text)});
      }
    }
    while (auto event = layer_.poll_event()) {
      any = true;
      on_transaction_event(now, std::move(*event));
    }
    if (!any) return;
  }
}

void RegistrationClient::emit(Time now, RegistrationEventKind kind, std::string node,
                              std::string line, int status, std::string detail) {
  events_.push_back(
      RegistrationEvent{kind, now, std::move(node), std::move(line), status, std::move(detail)});
}

std::uint32_t RegistrationClient::granted_expires(const Message& response,
                                                  std::uint32_t requested) const {
  // RFC 3261 §10.2.4: our Contact's expires parameter, else the Expires header, else what we
  // asked for. Our Contact is the one carrying our UUID (or our +sip.instance).
  const std::string instance = cisco::instance_id(config_.mac);
  if (auto contacts = parse_contacts(response)) {
    for (const auto& c : contacts->contacts) {
      const auto* inst = find_param(c.params, "+sip.instance");
      const bool ours = c.uri.user == contact_uuid_ || (inst != nullptr && inst->value == instance);
      if (!ours) continue;
      if (const auto e = c.expires()) return *e;
    }
  }
  if (auto expires = expires_header(response)) return *expires;
  return requested;
}

Duration RegistrationClient::refresh_after(std::uint32_t granted) const {
  const Duration g = std::chrono::seconds(granted);
  if (g > 2 * config_.register_delta) return g - config_.register_delta;
  return g / 2;
}

Duration RegistrationClient::keepalive_interval() const {
  const std::uint32_t granted =
      runtime_[0].granted > 0 ? runtime_[0].granted : config_.requested_expires;
  return refresh_after(granted);
}

std::string RegistrationClient::node_label(std::size_t node) const {
  const auto& n = config_.nodes[node];
  return n.name + " (" + n.address.to_string() + ':' + std::to_string(n.port) + '/' +
         (config_.transport == Transport::tcp ? "TCP" : "UDP") + ", " + priority_word(node) + ')';
}

std::string RegistrationClient::date_header(Time now) const {
  static constexpr const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t t =
      config_.date_epoch + std::chrono::duration_cast<std::chrono::seconds>(now).count();
  std::int64_t days = t / 86400;
  std::int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 1;
  unsigned day = 1;
  civil_from_days(days, year, month, day);
  const auto weekday = static_cast<std::size_t>(((days % 7) + 11) % 7);  // 1970-01-01: Thursday
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %lld %02lld:%02lld:%02lld GMT", weekdays[weekday],
                day, months[month - 1], static_cast<long long>(year),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

std::optional<RegistrarNode> RegistrationClient::registered_with() const {
  if (state_ != ClientState::registered) return std::nullopt;
  const Link* active = link_with_role(Role::active);
  if (active == nullptr) return std::nullopt;
  return config_.nodes[active->node];
}

std::optional<std::size_t> RegistrationClient::active_node() const {
  const Link* active = link_with_role(Role::active);
  if (active == nullptr) return std::nullopt;
  return active->node;
}

std::optional<std::size_t> RegistrationClient::standby_node() const {
  const Link* aux = link_with_role(Role::aux);
  if (aux == nullptr) return std::nullopt;
  return aux->node;
}

std::optional<Time> RegistrationClient::next_timeout() const {
  if (state_ == ClientState::stopped) return std::nullopt;
  std::optional<Time> t = layer_.next_timeout();
  for (const auto& l : links_) {
    if (!l.open) earliest(t, l.connect_deadline);
    if (l.role == Role::aux && l.open && !l.keepalive_pending) earliest(t, l.keepalive_at);
  }
  if (state_ == ClientState::retry_wait) earliest(t, retry_at_);
  earliest(t, aux_retry_at_);
  if (state_ != ClientState::stopping && link_with_role(Role::active) != nullptr) {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].state == LineState::registered && !runtime_[i].refresh_pending) {
        earliest(t, lines_[i].refresh_at);
      }
    }
  }
  return t;
}

std::optional<ClientCommand> RegistrationClient::poll_command() {
  if (commands_.empty()) return std::nullopt;
  ClientCommand c = std::move(commands_.front());
  commands_.pop_front();
  return c;
}

std::optional<RegistrationEvent> RegistrationClient::poll_event() {
  if (events_.empty()) return std::nullopt;
  RegistrationEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

}  // namespace voicelab::sip
