#include "voicelab/dhcp/client.hpp"

#include <algorithm>
#include <stdexcept>

namespace voicelab::dhcp {
namespace {

// "4.2 s"
std::string seconds_text(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  const auto whole = ms / 1000;
  const auto tenths = (ms % 1000) / 100;
  return std::to_string(whole) + "." + std::to_string(tenths < 0 ? -tenths : tenths) + " s";
}

std::string lease_text(const std::optional<Duration>& d) {
  if (!d) return "an infinite lease";
  return "a lease of " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*d).count()) + " s";
}

// Option 61 as the phone sends it: hardware type 1 (Ethernet), then the MAC (RFC 2132 §9.14).
std::vector<std::uint8_t> client_identifier(const wire::MacAddress& mac) {
  std::vector<std::uint8_t> id(1 + mac.octets().size());
  id[0] = 1;
  std::copy(mac.octets().begin(), mac.octets().end(), id.begin() + 1);
  return id;
}

bool is_lease_state(ClientState state) {
  return state == ClientState::bound || state == ClientState::renewing ||
         state == ClientState::rebinding;
}

}  // namespace

std::vector<std::uint8_t> default_parameter_request_list() {
  return {option::subnet_mask,
          option::tftp_server_name,
          option::domain_name_server,
          option::router,
          option::domain_name,
          option::tftp_server_address,
          35 /* ARP cache timeout */};
}

std::string to_string(ClientState state) {
  switch (state) {
    case ClientState::stopped:
      return "STOPPED";
    case ClientState::init:
      return "INIT";
    case ClientState::selecting:
      return "SELECTING";
    case ClientState::requesting:
      return "REQUESTING";
    case ClientState::init_reboot:
      return "INIT-REBOOT";
    case ClientState::bound:
      return "BOUND";
    case ClientState::renewing:
      return "RENEWING";
    case ClientState::rebinding:
      return "REBINDING";
  }
  return "UNKNOWN";
}

std::string to_string(ClientEventKind kind) {
  switch (kind) {
    case ClientEventKind::state_changed:
      return "state_changed";
    case ClientEventKind::sent:
      return "sent";
    case ClientEventKind::retransmitted:
      return "retransmitted";
    case ClientEventKind::offer_received:
      return "offer_received";
    case ClientEventKind::offer_ignored:
      return "offer_ignored";
    case ClientEventKind::lease_acquired:
      return "lease_acquired";
    case ClientEventKind::lease_renewed:
      return "lease_renewed";
    case ClientEventKind::nak_received:
      return "nak_received";
    case ClientEventKind::gave_up:
      return "gave_up";
    case ClientEventKind::lease_expired:
      return "lease_expired";
    case ClientEventKind::declined:
      return "declined";
    case ClientEventKind::released:
      return "released";
    case ClientEventKind::tftp_name_pending:
      return "tftp_name_pending";
    case ClientEventKind::tftp_servers_chosen:
      return "tftp_servers_chosen";
    case ClientEventKind::ignored:
      return "ignored";
    case ClientEventKind::malformed:
      return "malformed";
  }
  return "unknown";
}

wire::Ipv4Prefix Lease::prefix() const {
  if (subnet_mask) {
    if (auto p = wire::Ipv4Prefix::from_mask(address, *subnet_mask)) return *p;
  }
  return wire::Ipv4Prefix{address, 32};
}

std::optional<Time> Lease::expires_at() const {
  if (!lease_time) return std::nullopt;
  return obtained + *lease_time;
}

std::string ClientEvent::describe() const {
  const std::string type = message_type ? to_string(*message_type) : std::string{"message"};
  switch (kind) {
    case ClientEventKind::state_changed:
      return "DHCP: " + to_string(from) + " -> " + to_string(to);
    case ClientEventKind::sent:
      return "DHCP: " + type + " sent, next try in " + seconds_text(wait);
    case ClientEventKind::retransmitted:
      return "DHCP: no answer yet, " + type + " sent again (attempt " + std::to_string(attempt) +
             "), next try in " + seconds_text(wait);
    case ClientEventKind::offer_received:
      return "DHCP: " + address.to_string() + " offered by " + server.to_string();
    case ClientEventKind::offer_ignored:
      return "DHCP: offer of " + address.to_string() + " ignored: " + reason;
    case ClientEventKind::lease_acquired:
    case ClientEventKind::lease_renewed: {
      std::string text = "DHCP: ";
      text += kind == ClientEventKind::lease_acquired ? "bound to " : "renewed ";
      if (lease) {
        text += lease->prefix().to_string() + " by " + lease->server_id.to_string() + " with " +
                lease_text(lease->lease_time);
        if (!lease->routers.empty()) text += ", router " + lease->routers.front().to_string();
      }
      return text;
    }
    case ClientEventKind::nak_received:
      return "DHCP: " + server.to_string() + " refused the request" +
             (reason.empty() ? std::string{} : " (" + reason + ")") + "; starting over";
    case ClientEventKind::gave_up:
      return "DHCP: no answer to " + type + " after " + std::to_string(attempt) + " attempts" +
             (reason.empty() ? std::string{} : "; " + reason);
    case ClientEventKind::lease_expired:
      return "DHCP: lease of " + address.to_string() + " ran out; address dropped";
    case ClientEventKind::declined:
      return "DHCP: " + address.to_string() + " is already in use" +
             (reason.empty() ? std::string{} : " (" + reason + ")") + "; declined";
    case ClientEventKind::released:
      return "DHCP: " + address.to_string() + " released to " + server.to_string();
    case ClientEventKind::tftp_name_pending:
      return "DHCP: TFTP server name " + tftp.name + " must be looked up in DNS";
    case ClientEventKind::tftp_servers_chosen:
      return "DHCP: " + tftp.describe();
    case ClientEventKind::ignored:
      return "DHCP: ignored " + type + ": " + reason;
    case ClientEventKind::malformed:
      return "DHCP: undecodable datagram: " + reason;
  }
  return "DHCP: unknown event";
}

// --- construction ----------------------------------------------------------------------------

Client::Client(ClientConfig config, Random& random) : config_(std::move(config)), random_(random) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("DHCP client: " + what); };
  if (config_.mac.is_zero()) fail("no MAC address");
  if (config_.first_retransmit <= Duration::zero() ||
      config_.max_retransmit < config_.first_retransmit ||
      config_.retransmit_jitter < Duration::zero() ||
      config_.retransmit_jitter >= config_.first_retransmit ||
      config_.min_renew_retransmit <= Duration::zero() ||
      config_.startup_delay_max < Duration::zero() ||
      config_.decline_restart_delay < Duration::zero()) {
    fail("retransmission timers out of range");
  }
  if (config_.max_discover_attempts < 1 || config_.max_request_attempts < 1) {
    fail("attempts must be at least 1");
  }
  if (config_.parameter_request_list.empty()) fail("empty parameter request list");
}

std::string Client::vendor_class() const {
  if (!config_.vendor_class.empty()) return config_.vendor_class;
  return "Cisco Systems, Inc. IP Phone CP-" + config_.model;
}

std::string Client::host_name() const {
  if (!config_.host_name.empty()) return config_.host_name;
  return "SEP" + config_.mac.to_hex_upper();
}

// --- administrative --------------------------------------------------------------------------

void Client::start(Time now, std::optional<wire::Ipv4Address> remembered) {
  lease_.reset();
  retransmit_at_.reset();
  restart_at_.reset();
  attempts_ = 0;
  if (remembered && !remembered->is_any()) {
    reboot_address_ = *remembered;
    xid_ = static_cast<std::uint32_t>(random_.next());
    exchange_start_ = now;
    enter(now, ClientState::init_reboot);
    send_reboot_request(now);
    return;
  }
  enter(now, ClientState::init);
  Duration delay{};
  if (config_.startup_delay_max > Duration::zero()) {
    delay = Duration{static_cast<Duration::rep>(
        random_.below(static_cast<std::uint64_t>(config_.startup_delay_max.count()) + 1))};
  }
  if (delay == Duration::zero()) {
    begin_discover(now);
  } else {
    restart_at_ = now + delay;
  }
}

void Client::stop(Time now) {
  lease_.reset();
  retransmit_at_.reset();
  restart_at_.reset();
  transmits_.clear();  // a phone that lost power sends nothing more
  enter(now, ClientState::stopped);
}

void Client::release(Time now) {
  if (lease_ && is_lease_state(state_)) {
    xid_ = static_cast<std::uint32_t>(random_.next());
    exchange_start_ = now;
    Message m;
    m.op = BootOp::request;
    m.set_client_mac(config_.mac);
    m.xid = xid_;
    m.ciaddr = lease_->address;
    m.options.set_message_type(MessageType::release);
    m.options.set_server_id(lease_->server_id);
    m.options.set_client_id(client_identifier(config_.mac));
    transmit(m, false, lease_->server_id);
    ClientEvent event = make_event(now, ClientEventKind::released);
    event.message_type = MessageType::release;
    event.address = lease_->address;
    event.server = lease_->server_id;
    emit(std::move(event));
  }
  lease_.reset();
  retransmit_at_.reset();
  restart_at_.reset();
  enter(now, ClientState::stopped);
}

void Client::decline(Time now, std::string_view reason) {
  if (!lease_ || state_ != ClientState::bound) return;
  xid_ = static_cast<std::uint32_t>(random_.next());
  Message m;
  m.op = BootOp::request;
  m.set_client_mac(config_.mac);
  m.xid = xid_;
  m.options.set_message_type(MessageType::decline);
  m.options.set_requested_address(lease_->address);
  m.options.set_server_id(lease_->server_id);
  m.options.set_client_id(client_identifier(config_.mac));
  if (!reason.empty()) m.options.set_message(reason);
  transmit(m, true, wire::Ipv4Address::broadcast());
  ClientEvent event = make_event(now, ClientEventKind::declined);
  event.message_type = MessageType::decline;
  event.address = lease_->address;
  event.server = lease_->server_id;
  event.reason = std::string{reason};
  emit(std::move(event));
  lease_.reset();
  retransmit_at_.reset();
  enter(now, ClientState::init);
  restart_at_ = now + config_.decline_restart_delay;
}

void Client::resolve_tftp_name(Time now, std::optional<wire::Ipv4Address> address) {
  if (!lease_ || !lease_->tftp.needs_resolution()) return;
  lease_->tftp = complete_tftp_resolution(lease_->tftp, address);
  ClientEvent event = make_event(now, ClientEventKind::tftp_servers_chosen);
  event.tftp = lease_->tftp;
  emit(std::move(event));
}

// --- sending ---------------------------------------------------------------------------------

void Client::enter(Time now, ClientState next) {
  if (next == state_) return;
  ClientEvent event = make_event(now, ClientEventKind::state_changed);
  event.from = state_;
  event.to = next;
  state_ = next;
  emit(std::move(event));
}

Message Client::base_message(Time now, MessageType type) const {
  Message m;
  m.op = BootOp::request;
  m.set_client_mac(config_.mac);
  m.xid = xid_;
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - exchange_start_);
  m.secs = static_cast<std::uint16_t>(std::clamp<std::int64_t>(elapsed.count(), 0, 65535));
  m.options.set_message_type(type);
  m.options.set_client_id(client_identifier(config_.mac));
  m.options.set_vendor_class(vendor_class());
  m.options.set_host_name(host_name());
  m.options.set_parameter_request_list(config_.parameter_request_list);
  return m;
}

void Client::transmit(const Message& message, bool broadcast, wire::Ipv4Address to) {
  auto payload = encode_message(message);
  if (!payload) return;  // cannot fail: no sname/file, hlen 6
  OutgoingDatagram out;
  out.source_port = client_port;
  out.destination = {broadcast ? wire::Ipv4Address::broadcast() : to, server_port};
  out.broadcast = broadcast;
  if (broadcast) out.interface = config_.interface;
  out.payload = std::move(payload).value();
  transmits_.push_back(std::move(out));
  ++counters_.sent;
}

Duration Client::backoff(int attempt) {
  Duration base = config_.first_retransmit;
  for (int i = 1; i < attempt && base < config_.max_retransmit; ++i) base *= 2;
  base = std::min(base, config_.max_retransmit);
  return base + random_.jitter(config_.retransmit_jitter);
}

void Client::schedule_retransmit(Time now, MessageType type) {
  const Duration wait = backoff(attempts_);
  retransmit_at_ = now + wait;
  ClientEvent event =
      make_event(now, attempts_ == 1 ? ClientEventKind::sent : ClientEventKind::retransmitted);
  event.message_type = type;
  event.attempt = attempts_;
  event.wait = wait;
  if (attempts_ > 1) ++counters_.retransmissions;
  emit(std::move(event));
}

void Client::begin_discover(Time now) {
  restart_at_.reset();
  retransmit_at_.reset();
  xid_ = static_cast<std::uint32_t>(random_.next());
  exchange_start_ = now;
  attempts_ = 0;
  enter(now, ClientState::init);
  enter(now, ClientState::selecting);
  send_discover(now);
}

void Client::send_discover(Time now) {
  ++attempts_;
  Message m = base_message(now, MessageType::discover);
  m.set_broadcast(config_.broadcast_flag);
  transmit(m, true, {});
  schedule_retransmit(now, MessageType::discover);
}

void Client::send_selecting_request(Time now) {
  ++attempts_;
  request_sent_ = now;
  Message m = base_message(now, MessageType::request);
  m.set_broadcast(config_.broadcast_flag);
  m.options.set_requested_address(offered_address_);
  m.options.set_server_id(offering_server_);
  transmit(m, true, {});
  schedule_retransmit(now, MessageType::request);
}

void Client::send_reboot_request(Time now) {
  ++attempts_;
  request_sent_ = now;
  Message m = base_message(now, MessageType::request);
  m.set_broadcast(config_.broadcast_flag);
  m.options.set_requested_address(reboot_address_);
  transmit(m, true, {});
  schedule_retransmit(now, MessageType::request);
}

void Client::send_renew_request(Time now, bool broadcast) {
  ++attempts_;
  request_sent_ = now;
  Message m = base_message(now, MessageType::request);
  m.ciaddr = lease_->address;
  transmit(m, broadcast, lease_->server_id);
  schedule_renew_retransmit(now);
}

void Client::schedule_renew_retransmit(Time now) {
  const Time target = state_ == ClientState::renewing ? lease_->obtained + lease_->rebinding_time
                                                      : lease_->expires_at().value_or(now);
  const Duration wait = std::max((target - now) / 2, config_.min_renew_retransmit);
  retransmit_at_ = now + wait;
  ClientEvent event =
      make_event(now, attempts_ == 1 ? ClientEventKind::sent : ClientEventKind::retransmitted);
  event.message_type = MessageType::request;
  event.attempt = attempts_;
  event.wait = wait;
  if (attempts_ > 1) ++counters_.retransmissions;
  emit(std::move(event));
}

// --- time ------------------------------------------------------------------------------------

std::optional<Time> Client::next_timeout() const {
  std::optional<Time> next;
  auto consider = [&next](std::optional<Time> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(restart_at_);
  consider(retransmit_at_);
  if (lease_ && is_lease_state(state_)) {
    consider(lease_->expires_at());
    if (lease_->lease_time) {
      if (state_ != ClientState::rebinding) consider(lease_->obtained + lease_->rebinding_time);
      if (state_ == ClientState::bound) consider(lease_->obtained + lease_->renewal_time);
    }
  }
  return next;
}

void Client::handle_timeout(Time now) {
  // Each step changes a timer or the state, so the loop ends.
  for (;;) {
    if (restart_at_ && *restart_at_ <= now) {
      begin_discover(now);
      continue;
    }
    if (lease_ && is_lease_state(state_) && lease_->lease_time) {
      const Time expires = lease_->obtained + *lease_->lease_time;
      const Time t2 = lease_->obtained + lease_->rebinding_time;
      const Time t1 = lease_->obtained + lease_->renewal_time;
      if (now >= expires) {
        lose_lease(now);
        continue;
      }
      if (state_ != ClientState::rebinding && now >= t2) {
        retransmit_at_.reset();
        xid_ = static_cast<std::uint32_t>(random_.next());
        attempts_ = 0;
        enter(now, ClientState::rebinding);
        send_renew_request(now, true);
        continue;
      }
      if (state_ == ClientState::bound && now >= t1) {
        retransmit_at_.reset();
        xid_ = static_cast<std::uint32_t>(random_.next());
        exchange_start_ = now;
        attempts_ = 0;
        enter(now, ClientState::renewing);
        send_renew_request(now, false);
        continue;
      }
    }
    if (retransmit_at_ && *retransmit_at_ <= now) {
      retransmit_at_.reset();
      on_retransmit_timer(now);
      continue;
    }
    break;
  }
}

void Client::on_retransmit_timer(Time now) {
  switch (state_) {
    case ClientState::selecting:
      if (attempts_ >= config_.max_discover_attempts) {
        ++counters_.give_ups;
        ClientEvent event = make_event(now, ClientEventKind::gave_up);
        event.message_type = MessageType::discover;
        event.attempt = attempts_;
        event.reason = config_.keep_trying ? "starting over" : "stopping";
        emit(std::move(event));
        if (config_.keep_trying) {
          begin_discover(now);
        } else {
          enter(now, ClientState::stopped);
        }
        return;
      }
      send_discover(now);
      return;
    case ClientState::requesting:
    case ClientState::init_reboot:
      if (attempts_ >= config_.max_request_attempts) {
        ++counters_.give_ups;
        ClientEvent event = make_event(now, ClientEventKind::gave_up);
        event.message_type = MessageType::request;
        event.attempt = attempts_;
        event.reason = "back to INIT";
        emit(std::move(event));
        begin_discover(now);
        return;
      }
      if (state_ == ClientState::requesting) {
        send_selecting_request(now);
      } else {
        send_reboot_request(now);
      }
      return;
    case ClientState::renewing:
      send_renew_request(now, false);
      return;
    case ClientState::rebinding:
      send_renew_request(now, true);
      return;
    default:
      return;
  }
}

// --- receiving -------------------------------------------------------------------------------

void Client::handle_datagram(Time now, const Datagram& in) {
  handle_timeout(now);
  if (state_ == ClientState::stopped) return;
  ++counters_.received;
  auto decoded = decode_message(in.payload);
  if (!decoded) {
    ++counters_.malformed;
    ClientEvent event = make_event(now, ClientEventKind::malformed);
    event.reason = "from " + in.source.to_string() + ": " + decoded.error().message();
    emit(std::move(event));
    return;
  }
  const Message& m = *decoded;
  // Replies to other phones arrive too when servers broadcast: skip them without a word.
  if (m.op != BootOp::reply || m.xid != xid_ || m.hlen != 6 || m.client_mac() != config_.mac) {
    ++counters_.ignored;
    return;
  }
  const auto type = m.type();
  if (type == MessageType::offer) return on_offer(now, m);
  if (type == MessageType::ack) return on_ack(now, m);
  if (type == MessageType::nak) return on_nak(now, m);
  ++counters_.ignored;
  ClientEvent event = make_event(now, ClientEventKind::ignored);
  event.message_type = type;
  event.reason = "not a reply a client expects";
  emit(std::move(event));
}

void Client::on_offer(Time now, const Message& m) {
  const auto server = m.options.server_id();
  std::string problem;
  if (state_ != ClientState::selecting) {
    problem = "already past SELECTING (" + to_string(state_) + ")";
  } else if (!server) {
    problem = "no server identifier";
  } else if (m.yiaddr.is_any() || m.yiaddr.is_broadcast()) {
    problem = "no usable address";
  }
  if (!problem.empty()) {
    ++counters_.ignored;
    ClientEvent event = make_event(now, ClientEventKind::offer_ignored);
    event.message_type = MessageType::offer;
    event.address = m.yiaddr;
    event.server = server.value_or(wire::Ipv4Address{});
    event.reason = std::move(problem);
    emit(std::move(event));
    return;
  }
  ++counters_.offers;
  offered_address_ = m.yiaddr;
  offering_server_ = *server;
  ClientEvent event = make_event(now, ClientEventKind::offer_received);
  event.message_type = MessageType::offer;
  event.address = m.yiaddr;
  event.server = *server;
  emit(std::move(event));
  retransmit_at_.reset();
  attempts_ = 0;
  enter(now, ClientState::requesting);
  send_selecting_request(now);
}

void Client::on_ack(Time now, const Message& m) {
  auto ignore = [&](std::string reason) {
    ++counters_.ignored;
    ClientEvent event = make_event(now, ClientEventKind::ignored);
    event.message_type = MessageType::ack;
    event.address = m.yiaddr;
    event.reason = std::move(reason);
    emit(std::move(event));
  };
  const bool renewal = state_ == ClientState::renewing || state_ == ClientState::rebinding;
  if (state_ != ClientState::requesting && state_ != ClientState::init_reboot && !renewal) {
    return ignore("not waiting for an ACK in " + to_string(state_));
  }
  if (m.yiaddr.is_any()) return ignore("ACK without an address");
  if (!m.options.lease_time()) return ignore("ACK without a lease time");
  if (state_ == ClientState::requesting) {
    if (auto server = m.options.server_id(); server && *server != offering_server_) {
      return ignore("ACK from " + server->to_string() + ", not the selected server");
    }
  }
  ++counters_.acks;
  bind(now, m, renewal && lease_ && lease_->address == m.yiaddr);
}

void Client::on_nak(Time now, const Message& m) {
  if (state_ != ClientState::requesting && state_ != ClientState::init_reboot &&
      state_ != ClientState::renewing && state_ != ClientState::rebinding) {
    ++counters_.ignored;
    ClientEvent event = make_event(now, ClientEventKind::ignored);
    event.message_type = MessageType::nak;
    event.reason = "not waiting for an answer in " + to_string(state_);
    emit(std::move(event));
    return;
  }
  ++counters_.naks;
  ClientEvent event = make_event(now, ClientEventKind::nak_received);
  event.message_type = MessageType::nak;
  event.server = m.options.server_id().value_or(wire::Ipv4Address{});
  event.reason = m.options.message().value_or("");
  emit(std::move(event));
  lease_.reset();
  begin_discover(now);
}

void Client::bind(Time now, const Message& ack, bool renewal) {
  Lease lease;
  lease.address = ack.yiaddr;
  lease.options = ack.options;
  lease.subnet_mask = ack.options.subnet_mask();
  lease.routers = ack.options.routers();
  lease.dns_servers = ack.options.dns_servers();
  lease.domain_name = ack.options.domain_name();
  lease.server_id =
      ack.options.server_id().value_or(renewal && lease_ ? lease_->server_id : offering_server_);
  lease.siaddr = ack.siaddr;
  lease.boot_file = ack.file;
  lease.obtained = request_sent_;
  const std::uint32_t seconds = *ack.options.lease_time();
  if (seconds != infinite_lease) {
    const Duration total = std::chrono::seconds(seconds);
    lease.lease_time = total;
    Duration t1 = total / 2;
    Duration t2 = total * 7 / 8;
    const auto given_t1 = ack.options.renewal_time();
    const auto given_t2 = ack.options.rebinding_time();
    if (given_t1 && given_t2 && *given_t1 < *given_t2 && *given_t2 < seconds) {
      t1 = std::chrono::seconds(*given_t1);
      t2 = std::chrono::seconds(*given_t2);
    } else if (given_t1 && !given_t2 && std::chrono::seconds(*given_t1) < t2) {
      t1 = std::chrono::seconds(*given_t1);
    } else if (given_t2 && !given_t1 && t1 < std::chrono::seconds(*given_t2) &&
               *given_t2 < seconds) {
      t2 = std::chrono::seconds(*given_t2);
    }
    lease.renewal_time = t1;
    lease.rebinding_time = t2;
  }
  lease.tftp = choose_tftp_servers(config_.alternate_tftp_server, lease.options, lease.siaddr);
  // A renewal with the same option 66 name keeps what DNS said the first time.
  if (renewal && lease_ && lease.tftp.needs_resolution() &&
      lease_->tftp.resolution != TftpResolution::pending && lease_->tftp.name == lease.tftp.name) {
    lease.tftp = lease_->tftp;
  }
  lease_ = std::move(lease);
  retransmit_at_.reset();
  attempts_ = 0;
  enter(now, ClientState::bound);
  if (renewal) {
    ++counters_.renewals;
  } else {
    ++counters_.leases;
  }
  ClientEvent event =
      make_event(now, renewal ? ClientEventKind::lease_renewed : ClientEventKind::lease_acquired);
  event.address = lease_->address;
  event.server = lease_->server_id;
  event.lease = lease_;
  event.tftp = lease_->tftp;
  emit(std::move(event));
  if (!renewal) report_tftp_choice(now);
}

void Client::report_tftp_choice(Time now) {
  ClientEvent event =
      make_event(now, lease_->tftp.needs_resolution() ? ClientEventKind::tftp_name_pending
                                                      : ClientEventKind::tftp_servers_chosen);
  event.tftp = lease_->tftp;
  emit(std::move(event));
}

void Client::lose_lease(Time now) {
  ++counters_.expiries;
  ClientEvent event = make_event(now, ClientEventKind::lease_expired);
  event.address = lease_->address;
  event.server = lease_->server_id;
  emit(std::move(event));
  lease_.reset();
  begin_discover(now);
}

// --- output ----------------------------------------------------------------------------------

std::optional<OutgoingDatagram> Client::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  OutgoingDatagram out = std::move(transmits_.front());
  transmits_.pop_front();
  return out;
}

std::optional<ClientEvent> Client::poll_event() {
  if (events_.empty()) return std::nullopt;
  ClientEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

ClientEvent Client::make_event(Time now, ClientEventKind kind) const {
  ClientEvent event;
  event.kind = kind;
  event.time = now;
  event.from = state_;
  event.to = state_;
  return event;
}

void Client::emit(ClientEvent event) { events_.push_back(std::move(event)); }

}  // namespace voicelab::dhcp
