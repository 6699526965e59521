#include "voicelab/switch/agent.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "voicelab/wire/ethernet.hpp"

namespace voicelab::access_switch {
namespace {

constexpr std::uint16_t max_vlan = 4094;
constexpr std::uint32_t management_power_level_none = 0xffffffffU;  // "no preference"
constexpr std::uint8_t pse_source_primary = 1;  // Extended Power-via-MDI, PSE: primary source

std::string watts(std::uint32_t mw) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%u.%u W", mw / 1000, (mw % 1000) / 100);
  return buffer;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// An LLDP ID as text: MAC subtypes in Cisco dotted form, network addresses dotted, else the
// bytes when printable, else hex.
std::string id_text(const lldp::Id& id, bool chassis) {
  const bool mac_subtype = chassis ? id.subtype == lldp::chassis_subtype::mac_address
                                   : id.subtype == lldp::port_subtype::mac_address;
  if (mac_subtype) {
    if (auto mac = id.as_mac()) return mac->to_cisco();
  }
  const bool network = chassis ? id.subtype == lldp::chassis_subtype::network_address
                               : id.subtype == lldp::port_subtype::network_address;
  if (network && id.value.size() == 5 && id.value[0] == 1) {
    return wire::Ipv4Address{id.value[1], id.value[2], id.value[3], id.value[4]}.to_string();
  }
  const bool printable = std::all_of(id.value.begin(), id.value.end(),
                                     [](std::uint8_t c) { return c >= 0x20 && c < 0x7f; });
  return printable && !id.value.empty() ? id.as_text() : hex(id.value);
}

bool same_advertised(const Neighbor& a, const Neighbor& b) {
  return a.port_id == b.port_id && a.platform == b.platform &&
         a.software_version == b.software_version && a.addresses == b.addresses &&
         a.capabilities == b.capabilities;
}

std::uint16_t next_id(std::uint16_t id) {
  return static_cast<std::uint16_t>(id == 0xffff ? 1 : id + 1);
}

}  // namespace

std::string_view to_string(Trust trust) noexcept {
  switch (trust) {
    case Trust::none:
      return "none";
    case Trust::cos:
      return "cos";
    case Trust::dscp:
      return "dscp";
  }
  return "?";
}

std::string_view to_string(NeighborProtocol protocol) noexcept {
  return protocol == NeighborProtocol::cdp ? "CDP" : "LLDP";
}

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::port_up:
      return "port_up";
    case EventKind::port_down:
      return "port_down";
    case EventKind::pd_detected:
      return "pd_detected";
    case EventKind::port_powered:
      return "port_powered";
    case EventKind::power_denied:
      return "power_denied";
    case EventKind::power_removed:
      return "power_removed";
    case EventKind::power_changed:
      return "power_changed";
    case EventKind::neighbor_added:
      return "neighbor_added";
    case EventKind::neighbor_changed:
      return "neighbor_changed";
    case EventKind::neighbor_expired:
      return "neighbor_expired";
    case EventKind::neighbor_removed:
      return "neighbor_removed";
    case EventKind::log:
      return "log";
  }
  return "?";
}

// ---- construction and configuration ---------------------------------------------------------

void SwitchAgent::validate(const PortConfig& c) {
  const auto vlan_ok = [](std::uint16_t v) { return v >= 1 && v <= max_vlan; };
  if (!vlan_ok(c.access_vlan) || !vlan_ok(c.native_vlan) ||
      (c.voice_vlan != 0 && !vlan_ok(c.voice_vlan)) ||
      !std::all_of(c.allowed_vlans.begin(), c.allowed_vlans.end(), vlan_ok)) {
    throw std::invalid_argument("SwitchAgent: VLAN id outside 1..4094");
  }
  if (c.untrusted_port_cos > 7) throw std::invalid_argument("SwitchAgent: CoS outside 0..7");
}

SwitchAgent::SwitchAgent(SwitchConfig config) : config_(std::move(config)) {
  if (config_.port_count == 0 || config_.port_count > 4096) {
    throw std::invalid_argument("SwitchAgent: port_count must be 1..4096");
  }
  if (config_.base_mac.is_zero() || config_.base_mac.is_multicast()) {
    throw std::invalid_argument("SwitchAgent: base MAC must be a non-zero unicast address");
  }
  if (config_.cdp_timer.count() <= 0 || config_.lldp_timer.count() <= 0 ||
      config_.fast_start_interval.count() <= 0 || config_.power_up_delay.count() < 0 ||
      config_.cdp_holdtime_s == 0 || config_.lldp_holdtime_s == 0 ||
      config_.lldp_med_fast_start < 1) {
    throw std::invalid_argument("SwitchAgent: timers and holdtimes must be positive");
  }
  if (config_.voice_cos > 7 || config_.voice_dscp > 63) {
    throw std::invalid_argument("SwitchAgent: voice CoS/DSCP out of range");
  }
  validate(config_.default_port);
  ports_.resize(config_.port_count);
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    ports_[i].name = config_.interface_prefix + std::to_string(i + 1);
    ports_[i].config = config_.default_port;
  }
  if (!cdp::encode_frame(cdp_advertisement(0), port_mac(0)) ||
      !lldp::encode_frame(lldp_advertisement(0), port_mac(0))) {
    throw std::invalid_argument("SwitchAgent: hostname / version / model too long to advertise");
  }
}

void SwitchAgent::check_port(std::size_t port) const {
  if (port >= ports_.size()) throw std::out_of_range("SwitchAgent: no such port");
}

const PortConfig& SwitchAgent::port_config(std::size_t port) const {
  check_port(port);
  return ports_[port].config;
}

const std::string& SwitchAgent::port_name(std::size_t port) const {
  check_port(port);
  return ports_[port].name;
}

std::string SwitchAgent::short_port_name(std::size_t port) const {
  const std::string& name = port_name(port);
  const auto digit = name.find_first_of("0123456789");
  if (digit == std::string::npos) return name;
  return name.substr(0, std::min<std::size_t>(2, digit)) + name.substr(digit);
}

std::optional<std::size_t> SwitchAgent::find_port(std::string_view name) const {
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    if (ports_[i].name == name || short_port_name(i) == name) return i;
  }
  return std::nullopt;
}

wire::MacAddress SwitchAgent::port_mac(std::size_t port) const {
  return wire::MacAddress::from_u64(config_.base_mac.to_u64() + port + 1);
}

bool SwitchAgent::port_up(std::size_t port) const {
  check_port(port);
  return ports_[port].up;
}

PoeStatus SwitchAgent::poe_status(std::size_t port) const {
  check_port(port);
  const PortState& st = ports_[port];
  PoeStatus s;
  s.admin = st.config.poe;
  s.oper = st.oper;
  s.pd_present = st.pd_present;
  s.pd_class = st.pd_class;
  s.allocated_mw = st.allocated_mw;
  s.max_mw = port_max_mw(st);
  s.request_id = st.request_id;
  s.management_id = st.management_id;
  return s;
}

PoeSummary SwitchAgent::poe_summary() const { return {config_.poe_budget_mw, used_mw_}; }

Trust SwitchAgent::effective_trust(std::size_t port) const {
  check_port(port);
  const PortState& st = ports_[port];
  if (!st.config.trust_cisco_phone) return st.config.trust;
  const bool phone = std::any_of(st.neighbors.begin(), st.neighbors.end(), [](const Neighbor& n) {
    return n.protocol == NeighborProtocol::cdp && (n.capabilities & cdp::capability::voip_phone);
  });
  return phone ? st.config.trust : Trust::none;
}

const std::vector<Neighbor>& SwitchAgent::neighbors(std::size_t port) const {
  check_port(port);
  return ports_[port].neighbors;
}

std::vector<Neighbor> SwitchAgent::neighbors() const {
  std::vector<Neighbor> all;
  for (const PortState& st : ports_)
    all.insert(all.end(), st.neighbors.begin(), st.neighbors.end());
  return all;
}

void SwitchAgent::configure_port(Time now, std::size_t port, PortConfig config) {
  check_port(port);
  validate(config);
  PortState& st = ports_[port];
  const PortConfig old = std::exchange(st.config, std::move(config));
  const PortConfig& c = st.config;
  const auto note = [&](std::string text) {
    Event e;
    e.kind = EventKind::log;
    e.at = now;
    e.port = port;
    e.detail = std::move(text);
    e.line = "%CONFIG-5-PORT: " + st.name + " " + e.detail;
    emit(std::move(e));
  };
  if (old.voice_vlan != c.voice_vlan) {
    note("voice VLAN " + (old.voice_vlan ? std::to_string(old.voice_vlan) : "none") + " -> " +
         (c.voice_vlan ? std::to_string(c.voice_vlan) : "none"));
  }
  if (old.access_vlan != c.access_vlan) {
    note("access VLAN " + std::to_string(old.access_vlan) + " -> " + std::to_string(c.access_vlan));
  }
  if (old.shutdown != c.shutdown) note(c.shutdown ? "shut down" : "enabled");
  if (old.cdp_enable != c.cdp_enable) note(c.cdp_enable ? "CDP enabled" : "CDP disabled");
  if (old.lldp_transmit != c.lldp_transmit || old.lldp_receive != c.lldp_receive) {
    note(std::string("LLDP transmit ") + (c.lldp_transmit ? "on" : "off") + ", receive " +
         (c.lldp_receive ? "on" : "off"));
  }
  if (old.poe != c.poe || old.poe_max_mw != c.poe_max_mw) {
    note("power inline " + std::string(to_string(c.poe)) +
         (c.poe_max_mw ? " max " + watts(*c.poe_max_mw) : std::string{}));
  }
  // Protocols switched on send at once (like a link-up); switched off stop their timers.
  const std::uint32_t p = static_cast<std::uint32_t>(port);
  if (cdp_active(st) != (config_.cdp_run && old.cdp_enable)) {
    if (cdp_active(st) && st.up) {
      send_cdp(port);
      arm(p, TimerKind::cdp, now + config_.cdp_timer);
    } else {
      arm(p, TimerKind::cdp, std::nullopt);
    }
  }
  if (lldp_tx_active(st) != (config_.lldp_run && old.lldp_transmit)) {
    if (lldp_tx_active(st) && st.up) {
      send_lldp(port);
      arm(p, TimerKind::lldp, now + config_.lldp_timer);
    } else {
      arm(p, TimerKind::lldp, std::nullopt);
      st.lldp_fast_left = 0;
    }
  }
  evaluate_power(now, port);
}

void SwitchAgent::set_poe_budget(Time now, std::uint32_t milliwatts) {
  const std::uint32_t old = std::exchange(config_.poe_budget_mw, milliwatts);
  Event e;
  e.kind = EventKind::log;
  e.at = now;
  e.detail = "PoE budget " + watts(old) + " -> " + watts(milliwatts);
  e.line = "%POE-5-BUDGET: " + e.detail;
  emit(std::move(e));
  if (used_mw_ > milliwatts) {
    enforce_budget(now);
  } else {
    retry_denied(now);
  }
}

void SwitchAgent::set_cdp_run(Time now, bool on) {
  if (config_.cdp_run == on) return;
  config_.cdp_run = on;
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    PortState& st = ports_[i];
    const auto p = static_cast<std::uint32_t>(i);
    if (cdp_active(st) && st.up) {
      send_cdp(i);
      arm(p, TimerKind::cdp, now + config_.cdp_timer);
    } else {
      arm(p, TimerKind::cdp, std::nullopt);
    }
  }
}

void SwitchAgent::set_lldp_run(Time now, bool on) {
  if (config_.lldp_run == on) return;
  config_.lldp_run = on;
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    PortState& st = ports_[i];
    const auto p = static_cast<std::uint32_t>(i);
    if (lldp_tx_active(st) && st.up) {
      send_lldp(i);
      arm(p, TimerKind::lldp, now + config_.lldp_timer);
    } else {
      arm(p, TimerKind::lldp, std::nullopt);
      st.lldp_fast_left = 0;
      st.med_neighbor = false;
    }
  }
}

// ---- timers ---------------------------------------------------------------------------------

std::optional<Time>& SwitchAgent::slot(PortState& st, TimerKind kind) {
  switch (kind) {
    case TimerKind::cdp:
      return st.next_cdp;
    case TimerKind::lldp:
      return st.next_lldp;
    case TimerKind::power_up:
      return st.power_up_at;
    case TimerKind::neighbors:
      break;
  }
  return st.neighbor_expiry;
}

std::optional<Time> SwitchAgent::slot_value(const PortState& st, TimerKind kind) {
  switch (kind) {
    case TimerKind::cdp:
      return st.next_cdp;
    case TimerKind::lldp:
      return st.next_lldp;
    case TimerKind::power_up:
      return st.power_up_at;
    case TimerKind::neighbors:
      break;
  }
  return st.neighbor_expiry;
}

void SwitchAgent::arm(std::uint32_t port, TimerKind kind, std::optional<Time> when) {
  std::optional<Time>& s = slot(ports_[port], kind);
  if (s == when) return;
  s = when;
  // The old heap entry, if any, goes stale: it no longer matches the slot.
  if (when) timers_.push(Deadline{*when, port, kind});
}

std::optional<Time> SwitchAgent::next_timeout() const {
  // Drops stale entries on the way (the heap is a cache of the per-port slots).
  while (!timers_.empty()) {
    const Deadline& top = timers_.top();
    if (slot_value(ports_[top.port], top.kind) == top.when) return top.when;
    timers_.pop();
  }
  return std::nullopt;
}

void SwitchAgent::handle_timeout(Time now) {
  while (!timers_.empty() && timers_.top().when <= now) {
    const Deadline d = timers_.top();
    timers_.pop();
    PortState& st = ports_[d.port];
    if (slot_value(st, d.kind) != d.when) continue;  // stale
    switch (d.kind) {
      case TimerKind::cdp:
        if (cdp_active(st) && st.up) {
          send_cdp(d.port);
          Time next = d.when + config_.cdp_timer;
          arm(d.port, d.kind, next <= now ? now + config_.cdp_timer : next);
        } else {
          arm(d.port, d.kind, std::nullopt);
        }
        break;
      case TimerKind::lldp:
        if (lldp_tx_active(st) && st.up) {
          send_lldp(d.port);
          if (st.lldp_fast_left > 0) --st.lldp_fast_left;
          const Duration step =
              st.lldp_fast_left > 0 ? config_.fast_start_interval : config_.lldp_timer;
          const Time next = d.when + step;
          arm(d.port, d.kind, next <= now ? now + step : next);
        } else {
          arm(d.port, d.kind, std::nullopt);
        }
        break;
      case TimerKind::power_up:
        arm(d.port, d.kind, std::nullopt);
        if (st.oper == PoeOper::detecting) {
          st.oper = PoeOper::on;
          Event e;
          e.kind = EventKind::port_powered;
          e.at = now;
          e.port = d.port;
          e.power_mw = st.allocated_mw;
          e.poe_class = st.pd_class;
          e.line = "%POE-5-ON: " + st.name + " power on, " + watts(st.allocated_mw) +
                   " allocated (class " + std::to_string(st.pd_class) + ")";
          emit(std::move(e));
        }
        break;
      case TimerKind::neighbors:
        expire_neighbors(now, d.port);
        break;
    }
  }
}

// ---- output ---------------------------------------------------------------------------------

std::optional<Transmit> SwitchAgent::poll_transmit() {
  if (transmit_.empty()) return std::nullopt;
  Transmit t = std::move(transmit_.front());
  transmit_.pop_front();
  return t;
}

std::optional<Event> SwitchAgent::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::string SwitchAgent::timestamp(Time now) const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  char buffer[40];
  std::snprintf(buffer, sizeof buffer,
                "%02lld:%02lld:%02lld.%03lld: ", static_cast<long long>(ms / 3600000),
                static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60),
                static_cast<long long>(ms % 1000));
  return buffer;
}

void SwitchAgent::emit(Event e) {
  e.line = timestamp(e.at) + config_.hostname + " " + e.line;
  events_.push_back(std::move(e));
}

// ---- advertisements -------------------------------------------------------------------------

bool SwitchAgent::cdp_active(const PortState& st) const {
  return config_.cdp_run && st.config.cdp_enable;
}

bool SwitchAgent::lldp_tx_active(const PortState& st) const {
  return config_.lldp_run && st.config.lldp_transmit;
}

cdp::Pdu SwitchAgent::cdp_advertisement(std::size_t port) const {
  check_port(port);
  const PortState& st = ports_[port];
  const PortConfig& c = st.config;
  cdp::Pdu pdu;
  pdu.ttl = config_.cdp_holdtime_s;
  pdu.device_id = config_.hostname;
  if (config_.management_address) {
    pdu.addresses = std::vector{cdp::Address::ipv4(*config_.management_address)};
  }
  pdu.port_id = st.name;
  pdu.capabilities = cdp::capability::l2_switch | cdp::capability::igmp;
  pdu.software_version = config_.software_version;
  pdu.platform = "cisco " + config_.model;
  if (!config_.vtp_domain.empty()) pdu.vtp_management_domain = config_.vtp_domain;
  pdu.native_vlan = c.mode == PortMode::access ? c.access_vlan : c.native_vlan;
  pdu.duplex = cdp::duplex::full;
  if (c.mode == PortMode::access && c.voice_vlan != 0) {
    pdu.voip_vlan_reply = cdp::VoipVlan{1, c.voice_vlan, {}};
    pdu.trust_bitmap = c.extend_trust ? 0x01 : 0x00;
    pdu.untrusted_port_cos = c.untrusted_port_cos;
  }
  pdu.system_name = config_.hostname;
  if (config_.management_address) {
    pdu.management_addresses = std::vector{cdp::Address::ipv4(*config_.management_address)};
  }
  if (st.oper == PoeOper::on) {
    pdu.power_available = cdp::PowerAvailable{st.request_id, st.management_id, st.allocated_mw,
                                              management_power_level_none};
  }
  return pdu;
}

lldp::Pdu SwitchAgent::lldp_advertisement(std::size_t port) const {
  check_port(port);
  const PortState& st = ports_[port];
  const PortConfig& c = st.config;
  lldp::Pdu pdu;
  pdu.chassis_id = lldp::Id::mac(lldp::chassis_subtype::mac_address, config_.base_mac);
  pdu.port_id = lldp::Id::text(lldp::port_subtype::interface_name, short_port_name(port));
  pdu.ttl = config_.lldp_holdtime_s;
  pdu.port_description = st.name;
  pdu.system_name = config_.hostname;
  pdu.system_description = config_.software_version;
  pdu.system_capabilities = lldp::SystemCapabilities{
      lldp::capability::bridge | lldp::capability::router, lldp::capability::bridge};
  if (config_.management_address) {
    pdu.management_addresses = {lldp::ManagementAddress::ipv4(
        *config_.management_address, lldp::ManagementAddress::interface_unknown, 0)};
  }
  if (st.med_neighbor) {
    pdu.med_capabilities = lldp::med::Capabilities{
        static_cast<std::uint16_t>(lldp::med::capability::lldp_med |
                                   lldp::med::capability::network_policy |
                                   lldp::med::capability::extended_power_pse),
        lldp::med::device_type::network_connectivity};
    if (c.mode == PortMode::access && c.voice_vlan != 0) {
      lldp::med::NetworkPolicy voice;
      voice.application = lldp::med::application::voice;
      voice.tagged = true;
      voice.vlan_id = c.voice_vlan;
      voice.l2_priority = config_.voice_cos;
      voice.dscp = config_.voice_dscp;
      pdu.network_policies.push_back(voice);
    }
    if (st.oper == PoeOper::on) {
      pdu.extended_power = lldp::med::ExtendedPower{
          lldp::med::power_type::pse, pse_source_primary, lldp::med::power_priority::low,
          static_cast<std::uint16_t>(std::min<std::uint32_t>(st.allocated_mw / 100, 1023))};
    }
  }
  return pdu;
}

void SwitchAgent::send_cdp(std::size_t port) {
  auto frame = cdp::encode_frame(cdp_advertisement(port), port_mac(port));
  if (!frame) return;  // checked at construction: the strings fit
  transmit_.push_back(Transmit{port, std::move(frame).value()});
  ++counters_.cdp_sent;
}

void SwitchAgent::send_lldp(std::size_t port) {
  auto frame = lldp::encode_frame(lldp_advertisement(port), port_mac(port));
  if (!frame) return;
  transmit_.push_back(Transmit{port, std::move(frame).value()});
  ++counters_.lldp_sent;
}

void SwitchAgent::start_protocols(Time now, std::size_t port) {
  PortState& st = ports_[port];
  const auto p = static_cast<std::uint32_t>(port);
  if (cdp_active(st)) {
    send_cdp(port);
    arm(p, TimerKind::cdp, now + config_.cdp_timer);
  }
  if (lldp_tx_active(st)) {
    send_lldp(port);
    arm(p, TimerKind::lldp, now + config_.lldp_timer);
  }
}

// ---- input ----------------------------------------------------------------------------------

void SwitchAgent::handle_port_state(Time now, std::size_t port, bool up) {
  check_port(port);
  PortState& st = ports_[port];
  if (st.up == up) return;
  st.up = up;
  Event e;
  e.kind = up ? EventKind::port_up : EventKind::port_down;
  e.at = now;
  e.port = port;
  e.line =
      "%PORT-5-" + std::string(up ? "UP: " : "DOWN: ") + st.name + " link " + (up ? "up" : "down");
  emit(std::move(e));
  const auto p = static_cast<std::uint32_t>(port);
  if (up) {
    start_protocols(now, port);
    return;
  }
  arm(p, TimerKind::cdp, std::nullopt);
  arm(p, TimerKind::lldp, std::nullopt);
  st.lldp_fast_left = 0;
  st.med_neighbor = false;
  st.request_id = 0;  // "0 if no Power Requested TLV was received since the port came up"
  bump_management_id(st);
  remove_neighbors(now, port, EventKind::neighbor_removed);
}

void SwitchAgent::handle_frame(Time now, std::size_t port, wire::Bytes frame) {
  check_port(port);
  if (!ports_[port].up || frame.size() < wire::ethernet_header_size) {
    ++counters_.ignored;
    return;
  }
  if (std::equal(frame.begin(), frame.begin() + 6, cdp::multicast_address.octets().begin())) {
    handle_cdp(now, port, frame);
    return;
  }
  std::size_t type_at = 12;
  if (wire::load_be16(frame.data() + type_at) == wire::ethertype::vlan &&
      frame.size() >= wire::ethernet_header_size + wire::vlan_tag_size) {
    type_at += wire::vlan_tag_size;
  }
  if (wire::load_be16(frame.data() + type_at) == wire::ethertype::lldp) {
    handle_lldp(now, port, frame);
    return;
  }
  ++counters_.ignored;  // STP, LACP, DTP...: not spoken here
}

void SwitchAgent::handle_cdp(Time now, std::size_t port, wire::Bytes frame) {
  PortState& st = ports_[port];
  if (!cdp_active(st)) {
    ++counters_.ignored;
    return;
  }
  auto decoded = cdp::decode_frame(frame);
  if (!decoded) {
    ++counters_.malformed;
    return;
  }
  ++counters_.cdp_received;
  const cdp::Pdu& pdu = decoded->pdu;
  Neighbor n;
  n.protocol = NeighborProtocol::cdp;
  n.port = port;
  n.device_id = pdu.device_id.value_or(decoded->ethernet.src.to_cisco());
  n.port_id = pdu.port_id.value_or("");
  n.platform = pdu.platform.value_or("");
  n.software_version = pdu.software_version.value_or("");
  n.capabilities = pdu.capabilities.value_or(0);
  if (pdu.addresses) {
    for (const auto& a : *pdu.addresses) {
      if (auto ip = a.as_ipv4()) n.addresses.push_back(*ip);
    }
  }
  n.version = pdu.version;
  n.duplex = pdu.duplex;
  n.native_vlan = pdu.native_vlan;
  n.voip_vlan_query = pdu.voip_vlan_query;
  n.power_consumption_mw = pdu.power_consumption_mw;
  n.power_requested = pdu.power_requested;
  n.holdtime = std::chrono::seconds(pdu.ttl);
  if (pdu.ttl == 0) {  // a neighbour leaving: drop it now
    auto& list = st.neighbors;
    const auto before = list.size();
    std::erase_if(list, [&](const Neighbor& x) {
      return x.protocol == NeighborProtocol::cdp && x.device_id == n.device_id;
    });
    if (list.size() != before) refresh_neighbor_timer(static_cast<std::uint32_t>(port));
    return;
  }
  bool added = false;
  if (upsert_neighbor(now, port, std::move(n), added) == nullptr) return;
  if (pdu.voip_vlan_query) ++counters_.voip_vlan_queries;
  bool answer = added && (pdu.voip_vlan_query || pdu.power_requested);

  if (st.oper == PoeOper::on || st.oper == PoeOper::detecting) {
    if (pdu.power_requested && pdu.power_requested->request_id != st.request_id) {
      ++counters_.power_requests;
      st.request_id = pdu.power_requested->request_id;
      bump_management_id(st);
      // The first level that fits the port maximum and what the budget has left.
      const std::uint32_t others = used_mw_ - st.allocated_mw;
      for (std::uint32_t level : pdu.power_requested->power_mw) {
        if (level == 0 || level > port_max_mw(st)) continue;
        if (others + level > config_.poe_budget_mw) continue;
        renegotiate(now, port, level);
        break;
      }
      answer = true;
    } else if (!pdu.power_requested && pdu.power_consumption_mw &&
               *pdu.power_consumption_mw != st.allocated_mw) {
      renegotiate(now, port, *pdu.power_consumption_mw);
    }
  }
  if (answer) send_cdp(port);
}

void SwitchAgent::handle_lldp(Time now, std::size_t port, wire::Bytes frame) {
  PortState& st = ports_[port];
  if (!config_.lldp_run || !st.config.lldp_receive) {
    ++counters_.ignored;
    return;
  }
  auto decoded = lldp::decode_frame(frame);
  if (!decoded) {
    ++counters_.malformed;
    return;
  }
  ++counters_.lldp_received;
  const lldp::Pdu& pdu = decoded->pdu;
  Neighbor n;
  n.protocol = NeighborProtocol::lldp;
  n.port = port;
  n.device_id = pdu.system_name.value_or(id_text(pdu.chassis_id, true));
  n.port_id = pdu.port_description.value_or(id_text(pdu.port_id, false));
  n.platform = pdu.system_description.value_or("");
  if (pdu.system_capabilities) n.capabilities = pdu.system_capabilities->enabled;
  for (const auto& m : pdu.management_addresses) {
    if (auto ip = m.as_ipv4()) n.addresses.push_back(*ip);
  }
  if (pdu.chassis_id.subtype == lldp::chassis_subtype::network_address &&
      pdu.chassis_id.value.size() == 5 && pdu.chassis_id.value[0] == 1) {
    const auto& v = pdu.chassis_id.value;
    const wire::Ipv4Address ip{v[1], v[2], v[3], v[4]};
    if (!ip.is_any()) n.addresses.push_back(ip);
  }
  n.med_capabilities = pdu.med_capabilities;
  n.extended_power = pdu.extended_power;
  n.holdtime = std::chrono::seconds(pdu.ttl);
  if (pdu.ttl == 0) {  // shutdown LLDPDU
    const auto before = st.neighbors.size();
    const std::string id = n.device_id;
    std::erase_if(st.neighbors, [&](const Neighbor& x) {
      return x.protocol == NeighborProtocol::lldp && x.device_id == id;
    });
    if (st.neighbors.size() != before) {
      Event e;
      e.kind = EventKind::neighbor_removed;
      e.at = now;
      e.port = port;
      e.protocol = NeighborProtocol::lldp;
      e.neighbor = id;
      e.detail = "shutdown (TTL 0)";
      e.line = "%LLDP-5-NEIGHBOR: " + st.name + " LLDP neighbor " + id + " left";
      emit(std::move(e));
      refresh_neighbor_timer(static_cast<std::uint32_t>(port));
    }
    return;
  }
  bool added = false;
  if (upsert_neighbor(now, port, std::move(n), added) == nullptr) return;

  // Power first, so that the answer below already carries the new allocation.
  if (pdu.extended_power && pdu.extended_power->power_type == lldp::med::power_type::pd &&
      st.request_id == 0 && (st.oper == PoeOper::on || st.oper == PoeOper::detecting)) {
    const std::uint32_t wanted = std::uint32_t{pdu.extended_power->value_deciwatts} * 100;
    if (wanted != 0 && wanted != st.allocated_mw) renegotiate(now, port, wanted);
  }
  // An LLDP-MED endpoint (class I-III) switches the MED TLVs on and starts a fast start.
  const bool endpoint = pdu.med_capabilities && pdu.med_capabilities->device_type >= 1 &&
                        pdu.med_capabilities->device_type <= 3;
  if (endpoint && !st.med_neighbor) {
    st.med_neighbor = true;
    if (lldp_tx_active(st)) {
      send_lldp(port);
      st.lldp_fast_left = config_.lldp_med_fast_start - 1;
      const Duration step =
          st.lldp_fast_left > 0 ? config_.fast_start_interval : config_.lldp_timer;
      arm(static_cast<std::uint32_t>(port), TimerKind::lldp, now + step);
    }
  }
}

// ---- neighbours -----------------------------------------------------------------------------

Neighbor* SwitchAgent::upsert_neighbor(Time now, std::size_t port, Neighbor incoming, bool& added) {
  PortState& st = ports_[port];
  incoming.last_heard = now;
  incoming.expires = now + incoming.holdtime;
  const std::string_view proto = to_string(incoming.protocol);
  auto it = std::find_if(st.neighbors.begin(), st.neighbors.end(), [&](const Neighbor& n) {
    return n.protocol == incoming.protocol && n.device_id == incoming.device_id;
  });
  Event e;
  e.at = now;
  e.port = port;
  e.protocol = incoming.protocol;
  e.neighbor = incoming.device_id;
  const std::string where = st.name + " " + std::string(proto) + " neighbor " + incoming.device_id;
  if (it == st.neighbors.end()) {
    if (st.neighbors.size() >= config_.max_neighbors_per_port) {
      ++counters_.neighbors_dropped;
      return nullptr;
    }
    added = true;
    e.kind = EventKind::neighbor_added;
    e.detail = incoming.platform + ", port " + incoming.port_id;
    e.line = "%" + std::string(proto) + "-6-NEIGHBOR: " + where + " added (" + e.detail + ")";
    st.neighbors.push_back(std::move(incoming));
    it = st.neighbors.end() - 1;
    emit(std::move(e));
  } else {
    const bool changed = !same_advertised(*it, incoming);
    *it = std::move(incoming);
    if (changed) {
      e.kind = EventKind::neighbor_changed;
      e.detail = it->platform + ", port " + it->port_id + ", version " + it->software_version;
      e.line = "%" + std::string(proto) + "-6-NEIGHBOR: " + where + " changed (" + e.detail + ")";
      emit(std::move(e));
    }
  }
  refresh_neighbor_timer(static_cast<std::uint32_t>(port));
  return &*it;
}

void SwitchAgent::refresh_neighbor_timer(std::uint32_t port) {
  const PortState& st = ports_[port];
  std::optional<Time> earliest;
  for (const Neighbor& n : st.neighbors) {
    if (!earliest || n.expires < *earliest) earliest = n.expires;
  }
  arm(port, TimerKind::neighbors, earliest);
}

void SwitchAgent::expire_neighbors(Time now, std::size_t port) {
  PortState& st = ports_[port];
  for (auto it = st.neighbors.begin(); it != st.neighbors.end();) {
    if (it->expires > now) {
      ++it;
      continue;
    }
    Event e;
    e.kind = EventKind::neighbor_expired;
    e.at = now;
    e.port = port;
    e.protocol = it->protocol;
    e.neighbor = it->device_id;
    e.detail =
        "holdtime " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(it->holdtime).count()) +
        " s passed";
    e.line = "%" + std::string(to_string(it->protocol)) + "-5-HOLDTIME: " + st.name + " " +
             std::string(to_string(it->protocol)) + " neighbor " + it->device_id + " expired (" +
             e.detail + ")";
    emit(std::move(e));
    it = st.neighbors.erase(it);
  }
  refresh_neighbor_timer(static_cast<std::uint32_t>(port));
}

void SwitchAgent::remove_neighbors(Time now, std::size_t port, EventKind why) {
  PortState& st = ports_[port];
  for (const Neighbor& n : st.neighbors) {
    Event e;
    e.kind = why;
    e.at = now;
    e.port = port;
    e.protocol = n.protocol;
    e.neighbor = n.device_id;
    e.detail = "link down";
    e.line = "%" + std::string(to_string(n.protocol)) + "-5-NEIGHBOR: " + st.name + " " +
             std::string(to_string(n.protocol)) + " neighbor " + n.device_id +
             " removed (link down)";
    emit(std::move(e));
  }
  st.neighbors.clear();
  refresh_neighbor_timer(static_cast<std::uint32_t>(port));
}

// ---- PoE ------------------------------------------------------------------------------------

std::uint32_t SwitchAgent::port_max_mw(const PortState& st) const {
  return std::min(st.config.poe_max_mw.value_or(max_port_power_mw), max_port_power_mw);
}

void SwitchAgent::bump_management_id(PortState& st) {
  st.management_id = next_id(st.management_id);
}

void SwitchAgent::handle_pd_detected(Time now, std::size_t port, std::uint8_t poe_class) {
  check_port(port);
  PortState& st = ports_[port];
  const std::uint8_t cls = std::min(poe_class, max_poe_class);
  if (st.pd_present && st.pd_class == cls) return;
  if (st.pd_present)
    release_power(now, port, PoeOper::off, "device reclassified", EventKind::power_removed, true);
  st.pd_present = true;
  st.pd_class = cls;
  Event e;
  e.kind = EventKind::pd_detected;
  e.at = now;
  e.port = port;
  e.poe_class = cls;
  e.line = "%POE-6-DETECT: " + st.name + " powered device detected (IEEE class " +
           std::to_string(cls) + ")";
  emit(std::move(e));
  evaluate_power(now, port);
}

void SwitchAgent::handle_pd_removed(Time now, std::size_t port) {
  check_port(port);
  PortState& st = ports_[port];
  if (!st.pd_present) return;
  st.pd_present = false;
  if (st.oper == PoeOper::faulty || st.oper == PoeOper::power_deny) st.oper = PoeOper::off;
  evaluate_power(now, port);
}

void SwitchAgent::handle_pd_fault(Time now, std::size_t port, std::string_view reason) {
  check_port(port);
  PortState& st = ports_[port];
  if (!st.pd_present || st.oper == PoeOper::faulty) return;
  release_power(now, port, PoeOper::faulty, "fault: " + std::string(reason),
                EventKind::power_removed, true);
}

void SwitchAgent::evaluate_power(Time now, std::size_t port) {
  PortState& st = ports_[port];
  const bool wanted = st.pd_present && !st.config.shutdown &&
                      st.config.poe == PoeAdmin::auto_mode && st.oper != PoeOper::faulty;
  if (!wanted) {
    if (st.oper == PoeOper::on || st.oper == PoeOper::detecting) {
      const char* why = !st.pd_present       ? "device removed"
                        : st.config.shutdown ? "port shut down"
                                             : "power inline never";
      release_power(now, port, PoeOper::off, why, EventKind::power_removed, true);
    } else if (st.oper == PoeOper::power_deny) {
      st.oper = PoeOper::off;
    }
    return;
  }
  const auto deny = [&](std::string why) {
    if (st.oper == PoeOper::power_deny) return;
    st.oper = PoeOper::power_deny;
    Event e;
    e.kind = EventKind::power_denied;
    e.at = now;
    e.port = port;
    e.poe_class = st.pd_class;
    e.detail = std::move(why);
    e.line = "%POE-4-DENIED: " + st.name + " power denied: " + e.detail;
    emit(std::move(e));
  };
  if (st.oper == PoeOper::on || st.oper == PoeOper::detecting) {
    if (st.allocated_mw > port_max_mw(st)) {
      release_power(now, port, PoeOper::power_deny, "allocation above the port maximum",
                    EventKind::power_denied, true);
    }
    return;
  }
  if (auto problem = allocation_problem(st)) {
    deny(std::move(*problem));
    return;
  }
  const std::uint32_t want = initial_allocation_mw(st.pd_class);
  used_mw_ += want;
  st.allocated_mw = want;
  st.oper = PoeOper::detecting;
  arm(static_cast<std::uint32_t>(port), TimerKind::power_up, now + config_.power_up_delay);
}

std::optional<std::string> SwitchAgent::allocation_problem(const PortState& st) const {
  const std::uint32_t want = initial_allocation_mw(st.pd_class);
  if (want > port_max_mw(st)) {
    return "class " + std::to_string(st.pd_class) + " needs " + watts(want) + ", port maximum " +
           watts(port_max_mw(st));
  }
  if (std::uint64_t{used_mw_} + want > config_.poe_budget_mw) {
    return "needs " + watts(want) + ", " + watts(poe_summary().remaining_mw()) +
           " left in the budget";
  }
  return std::nullopt;
}

void SwitchAgent::release_power(Time now, std::size_t port, PoeOper new_oper, std::string_view why,
                                EventKind kind, bool retry) {
  PortState& st = ports_[port];
  const bool had_power = st.oper == PoeOper::on || st.oper == PoeOper::detecting;
  used_mw_ -= st.allocated_mw;
  st.allocated_mw = 0;
  st.oper = new_oper;
  st.request_id = 0;
  arm(static_cast<std::uint32_t>(port), TimerKind::power_up, std::nullopt);
  if (had_power) {
    bump_management_id(st);
    Event e;
    e.kind = kind;
    e.at = now;
    e.port = port;
    e.poe_class = st.pd_class;
    e.detail = std::string(why);
    e.line = (kind == EventKind::power_denied ? "%POE-4-DENIED: " : "%POE-5-OFF: ") + st.name +
             " power off: " + e.detail;
    emit(std::move(e));
  }
  if (retry) retry_denied(now);
}

void SwitchAgent::retry_denied(Time now) {
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    PortState& st = ports_[i];
    if (st.oper != PoeOper::power_deny || !st.pd_present) continue;
    // Only a port that now fits leaves power-deny: the others keep it without a second event.
    if (allocation_problem(st)) continue;
    st.oper = PoeOper::off;
    evaluate_power(now, i);
  }
}

void SwitchAgent::enforce_budget(Time now) {
  for (std::size_t i = ports_.size(); i-- > 0 && used_mw_ > config_.poe_budget_mw;) {
    PortState& st = ports_[i];
    if (st.oper == PoeOper::on || st.oper == PoeOper::detecting) {
      release_power(now, i, PoeOper::power_deny, "PoE budget reduced", EventKind::power_denied,
                    false);
    }
  }
  retry_denied(now);
}

void SwitchAgent::renegotiate(Time now, std::size_t port, std::uint32_t requested_mw) {
  PortState& st = ports_[port];
  if (requested_mw == st.allocated_mw || requested_mw > port_max_mw(st)) return;
  if (std::uint64_t{used_mw_} - st.allocated_mw + requested_mw > config_.poe_budget_mw) return;
  const std::uint32_t old = st.allocated_mw;
  used_mw_ = used_mw_ - old + requested_mw;
  st.allocated_mw = requested_mw;
  bump_management_id(st);
  Event e;
  e.kind = EventKind::power_changed;
  e.at = now;
  e.port = port;
  e.power_mw = requested_mw;
  e.poe_class = st.pd_class;
  e.detail = watts(old) + " -> " + watts(requested_mw);
  e.line = "%POE-6-ALLOCATION: " + st.name + " allocation " + e.detail;
  emit(std::move(e));
  if (requested_mw < old) retry_denied(now);
}

}  // namespace voicelab::access_switch
