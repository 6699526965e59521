#include "voicelab/cdp/phone_discovery.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cdp/lldp.hpp"

namespace voicelab::cdp {
namespace {

constexpr const char* source_cdp = "CDP";
constexpr const char* source_lldp = "LLDP-MED";

// LLDP-MED inventory subtype 6 (packet-lldp.c media_subtypes: "Inventory - Firmware Revision").
constexpr std::uint8_t med_firmware_revision = 6;
// Extended Power-via-MDI, PD power source 3: "PSE and local" (8800 guide).
constexpr std::uint8_t pd_source_pse_and_local = 3;
// Chassis ID subtype 5 value: the IANA address family (1 = IPv4), then the address.
constexpr std::uint8_t iana_family_ipv4 = 1;

// 0, 1 and 4095 are "untagged" for a Cisco phone (8800 guide, "Special VLANs").
bool usable_voice_vlan(std::uint16_t vlan) { return vlan >= 2 && vlan <= 4094; }

std::string watts(std::uint32_t milliwatts) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%u.%03u W", milliwatts / 1000, milliwatts % 1000);
  return buffer;
}

}  // namespace

std::string to_string(DiscoveryEventKind kind) {
  switch (kind) {
    case DiscoveryEventKind::voice_vlan_learned:
      return "voice_vlan_learned";
    case DiscoveryEventKind::voice_vlan_changed:
      return "voice_vlan_changed";
    case DiscoveryEventKind::no_voice_vlan:
      return "no_voice_vlan";
    case DiscoveryEventKind::power_negotiated:
      return "power_negotiated";
    case DiscoveryEventKind::neighbor_seen:
      return "neighbor_seen";
  }
  return "unknown";
}

std::string DiscoveryEvent::describe() const {
  const std::string prefix = source.empty() ? std::string{} : source + ": ";
  const std::string v = vlan ? std::to_string(*vlan) : std::string{"-"};
  switch (kind) {
    case DiscoveryEventKind::voice_vlan_learned:
      return prefix + "voice VLAN " + v + " learned";
    case DiscoveryEventKind::voice_vlan_changed:
      return prefix + "voice VLAN changed to " + v + " (" + detail + ")";
    case DiscoveryEventKind::no_voice_vlan:
      return prefix + "no voice VLAN offered (" + detail + "), staying untagged";
    case DiscoveryEventKind::power_negotiated:
      return prefix + "power negotiated: " + detail;
    case DiscoveryEventKind::neighbor_seen:
      return prefix + "neighbor " + detail;
  }
  return prefix + detail;
}

PhoneDiscovery::PhoneDiscovery(PhoneDiscoveryConfig config, Random& random)
    : config_(std::move(config)), random_(&random) {
  if (config_.mac.is_zero()) throw std::invalid_argument("PhoneDiscovery: zero MAC address");
  if (config_.cdp_interval.count() <= 0 || config_.lldp_interval.count() <= 0 ||
      config_.fast_start_interval.count() <= 0 || config_.voice_vlan_wait.count() < 0) {
    throw std::invalid_argument("PhoneDiscovery: intervals must be positive");
  }
  if (config_.cdp_fast_start < 1 || config_.lldp_fast_start < 1) {
    throw std::invalid_argument("PhoneDiscovery: fast-start counts must be at least 1");
  }
  // Strings that cannot be encoded are a configuration error, found now rather than on a timer.
  send_cdp();
  send_lldp();
  if (transmit_.size() != 2) {
    throw std::invalid_argument("PhoneDiscovery: platform / software version too long to encode");
  }
  transmit_.clear();
  counters_ = {};
}

std::string PhoneDiscovery::device_id() const { return "SEP" + config_.mac.to_hex_upper(); }

void PhoneDiscovery::start(Time now) {
  stop(now);
  running_ = true;
  started_ = now;
  request_id_ = static_cast<std::uint16_t>(1 + random_->below(0xffff));  // never 0
  wait_deadline_ = now + config_.voice_vlan_wait;
  if (config_.cdp) {
    cdp_fast_left_ = config_.cdp_fast_start;
    next_cdp_ = now;
  }
  if (config_.lldp_med) {
    lldp_fast_left_ = config_.lldp_fast_start;
    next_lldp_ = now;
  }
  handle_timeout(now);
}

void PhoneDiscovery::stop(Time /*now*/) {
  running_ = false;
  next_cdp_.reset();
  next_lldp_.reset();
  wait_deadline_.reset();
  cdp_fast_left_ = lldp_fast_left_ = 0;
  current_vlan_.reset();
  current_source_.clear();
  cdp_vlan_.reset();
  lldp_vlan_.reset();
  wait_reported_ = false;
  cdp_neighbor_.clear();
  lldp_neighbor_.clear();
  management_id_ = 0;
  power_available_.reset();
  transmit_.clear();
}

void PhoneDiscovery::set_address(Time /*now*/, std::optional<wire::Ipv4Address> address) {
  config_.address = address;
}

void PhoneDiscovery::request_power(Time now, std::uint32_t milliwatts) {
  config_.power_requested_mw = milliwatts;
  if (!running_) return;
  request_id_ = static_cast<std::uint16_t>(request_id_ == 0xffff ? 1 : request_id_ + 1);
  if (config_.cdp) send_cdp();
  if (config_.lldp_med) send_lldp();
  handle_timeout(now);
}

void PhoneDiscovery::handle_timeout(Time now) {
  if (!running_) return;
  // Each timer advances from its own deadline so a late call does not shift the schedule; if it
  // is more than one period late it restarts from `now` instead of sending a burst.
  const auto advance = [now](std::optional<Time>& deadline, int& fast_left, Duration fast,
                             Duration period) {
    if (fast_left > 0) --fast_left;
    const Duration step = fast_left > 0 ? fast : period;
    Time next = *deadline + step;
    if (next <= now) next = now + step;
    deadline = next;
  };
  if (next_cdp_ && *next_cdp_ <= now) {
    send_cdp();
    advance(next_cdp_, cdp_fast_left_, config_.fast_start_interval, config_.cdp_interval);
  }
  if (next_lldp_ && *next_lldp_ <= now) {
    send_lldp();
    advance(next_lldp_, lldp_fast_left_, config_.fast_start_interval, config_.lldp_interval);
  }
  if (wait_deadline_ && *wait_deadline_ <= now) {
    wait_deadline_.reset();
    if (!current_vlan_ && !wait_reported_) {
      wait_reported_ = true;
      DiscoveryEvent e;
      e.kind = DiscoveryEventKind::no_voice_vlan;
      e.at = now;
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
      e.detail = "nothing heard in " + std::to_string(ms.count() / 1000) + "." +
                 std::to_string(ms.count() % 1000 / 100) + " s";
      emit(std::move(e));
    }
  }
}

std::optional<Time> PhoneDiscovery::next_timeout() const {
  if (!running_) return std::nullopt;
  std::optional<Time> t;
  for (const auto& d : {next_cdp_, next_lldp_, wait_deadline_}) {
    if (d && (!t || *d < *t)) t = d;
  }
  return t;
}

std::optional<std::vector<std::uint8_t>> PhoneDiscovery::poll_transmit() {
  if (transmit_.empty()) return std::nullopt;
  auto frame = std::move(transmit_.front());
  transmit_.pop_front();
  return frame;
}

std::optional<DiscoveryEvent> PhoneDiscovery::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void PhoneDiscovery::emit(DiscoveryEvent event) { events_.push_back(std::move(event)); }

void PhoneDiscovery::send_cdp() {
  Pdu pdu;
  pdu.ttl = config_.cdp_holdtime_s;
  pdu.device_id = device_id();
  if (config_.address) pdu.addresses = std::vector{Address::ipv4(*config_.address)};
  pdu.port_id = config_.port_id;
  pdu.capabilities = capability::host | capability::voip_phone;
  pdu.software_version = config_.software_version;
  pdu.platform = config_.platform;
  pdu.duplex = duplex::full;
  pdu.voip_vlan_query = VoipVlan{1, current_vlan_.value_or(0), {}};
  if (config_.power_requested_mw > 0) {
    pdu.power_consumption_mw =
        static_cast<std::uint16_t>(std::min<std::uint32_t>(config_.power_requested_mw, 0xffff));
    pdu.power_requested = PowerRequested{request_id_, management_id_, {config_.power_requested_mw}};
  }
  auto frame = encode_frame(pdu, config_.mac);
  if (!frame) return;
  transmit_.push_back(std::move(frame).value());
  ++counters_.cdp_sent;
}

void PhoneDiscovery::send_lldp() {
  lldp::Pdu pdu;
  const wire::Ipv4Address address = config_.address.value_or(wire::Ipv4Address::any());
  pdu.chassis_id.subtype = lldp::chassis_subtype::network_address;
  pdu.chassis_id.value = {iana_family_ipv4};
  for (int shift = 24; shift >= 0; shift -= 8) {
    pdu.chassis_id.value.push_back(static_cast<std::uint8_t>(address.to_u32() >> shift));
  }
  pdu.port_id = lldp::Id::mac(lldp::port_subtype::mac_address, config_.mac);
  pdu.ttl = config_.lldp_ttl_s;
  pdu.port_description = config_.port_id;
  pdu.system_name = device_id();
  const std::uint16_t caps = config_.pc_port
                                 ? lldp::capability::bridge | lldp::capability::telephone
                                 : lldp::capability::telephone;
  pdu.system_capabilities = lldp::SystemCapabilities{caps, caps};
  pdu.med_capabilities = lldp::med::Capabilities{
      static_cast<std::uint16_t>(
          lldp::med::capability::lldp_med | lldp::med::capability::network_policy |
          lldp::med::capability::extended_power_pd | lldp::med::capability::inventory),
      lldp::med::device_type::endpoint_class_3};
  lldp::med::NetworkPolicy policy;
  policy.application = lldp::med::application::voice;
  if (current_vlan_) {
    policy.tagged = true;
    policy.vlan_id = *current_vlan_;
    policy.l2_priority = config_.voice_cos;
    policy.dscp = config_.voice_dscp;
  } else {
    policy.unknown_policy = true;  // "tell me": every other field zero
  }
  pdu.network_policies.push_back(policy);
  if (config_.power_requested_mw > 0) {
    pdu.extended_power = lldp::med::ExtendedPower{
        lldp::med::power_type::pd, pd_source_pse_and_local, lldp::med::power_priority::unknown,
        static_cast<std::uint16_t>(
            std::min<std::uint32_t>(config_.power_requested_mw / 100, 1023))};
  }
  lldp::RawTlv firmware;
  firmware.type = lldp::tlv::org_specific;
  firmware.value = {0x00, 0x12, 0xbb, med_firmware_revision};
  // The TLV value holds at most 511 bytes: OUI and subtype take 4 of them.
  const std::size_t room = lldp::max_tlv_value - 4;
  const std::string& version = config_.software_version;
  firmware.value.insert(
      firmware.value.end(), version.begin(),
      version.begin() + static_cast<std::ptrdiff_t>(std::min(room, version.size())));
  pdu.unknown_tlvs.push_back(std::move(firmware));
  auto frame = lldp::encode_frame(pdu, config_.mac);
  if (!frame) return;
  transmit_.push_back(std::move(frame).value());
  ++counters_.lldp_sent;
}

void PhoneDiscovery::handle_frame(Time now, wire::Bytes frame) {
  if (frame.size() < wire::ethernet_header_size) {
    ++counters_.ignored;
    return;
  }
  if (!running_) {
    ++counters_.ignored;
    return;
  }
  const wire::MacAddress dst{
      std::array<std::uint8_t, 6>{frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]}};
  if (dst == multicast_address) {
    handle_cdp(now, frame);
    return;
  }
  // LLDP: EtherType 0x88CC, possibly after one 802.1Q tag.
  std::size_t type_at = 12;
  if (wire::load_be16(frame.data() + type_at) == wire::ethertype::vlan &&
      frame.size() >= wire::ethernet_header_size + wire::vlan_tag_size) {
    type_at += wire::vlan_tag_size;
  }
  if (wire::load_be16(frame.data() + type_at) == wire::ethertype::lldp) {
    handle_lldp(now, frame);
    return;
  }
  ++counters_.ignored;
}

void PhoneDiscovery::handle_cdp(Time now, wire::Bytes frame) {
  if (!config_.cdp) {
    ++counters_.ignored;
    return;
  }
  auto decoded = decode_frame(frame);
  if (!decoded) {
    ++counters_.malformed;
    return;
  }
  ++counters_.cdp_received;
  const Pdu& pdu = decoded->pdu;
  const std::string identity = pdu.device_id.value_or("?") + " port " + pdu.port_id.value_or("?");
  if (identity != cdp_neighbor_) {
    cdp_neighbor_ = identity;
    DiscoveryEvent e;
    e.kind = DiscoveryEventKind::neighbor_seen;
    e.at = now;
    e.source = source_cdp;
    e.detail = identity;
    if (pdu.platform) e.detail += " (" + *pdu.platform + ")";
    emit(std::move(e));
  }
  if (pdu.power_available) {
    const PowerAvailable& pa = *pdu.power_available;
    management_id_ = pa.management_id;
    // Only an answer to our own request counts: the switch's first CDP (request id 0) still
    // shows the class-based allocation.
    if (config_.power_requested_mw > 0 && pa.request_id == request_id_ &&
        power_available_ != pa.available_mw) {
      power_available_ = pa.available_mw;
      DiscoveryEvent e;
      e.kind = DiscoveryEventKind::power_negotiated;
      e.at = now;
      e.source = source_cdp;
      e.power_mw = pa.available_mw;
      e.detail = "requested " + watts(config_.power_requested_mw) + ", " + watts(pa.available_mw) +
                 " available";
      emit(std::move(e));
    }
  }
  if (pdu.voip_vlan_reply && pdu.voip_vlan_reply->vlan &&
      usable_voice_vlan(*pdu.voip_vlan_reply->vlan)) {
    offer_vlan(now, cdp_vlan_, *pdu.voip_vlan_reply->vlan, source_cdp);
  }
}

void PhoneDiscovery::handle_lldp(Time now, wire::Bytes frame) {
  if (!config_.lldp_med) {
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
  // The phone discards LLDPDUs without LLDP-MED Capabilities (8800 guide), and a TTL of 0 is a
  // neighbour shutting down.
  if (!pdu.med_capabilities || pdu.ttl == 0) return;
  std::string identity = pdu.system_name.value_or("?") + " port ";
  identity += pdu.port_description.value_or(pdu.port_id.as_text());
  if (identity != lldp_neighbor_) {
    lldp_neighbor_ = identity;
    DiscoveryEvent e;
    e.kind = DiscoveryEventKind::neighbor_seen;
    e.at = now;
    e.source = source_lldp;
    e.detail = identity;
    emit(std::move(e));
  }
  if (pdu.extended_power && pdu.extended_power->power_type == lldp::med::power_type::pse &&
      config_.power_requested_mw > 0 && cdp_neighbor_.empty()) {
    const std::uint32_t mw = std::uint32_t{pdu.extended_power->value_deciwatts} * 100;
    if (power_available_ != mw) {
      power_available_ = mw;
      DiscoveryEvent e;
      e.kind = DiscoveryEventKind::power_negotiated;
      e.at = now;
      e.source = source_lldp;
      e.power_mw = mw;
      e.detail = "requested " + watts(config_.power_requested_mw) + ", " + watts(mw) + " available";
      emit(std::move(e));
    }
  }
  const lldp::med::NetworkPolicy* voice = pdu.policy(lldp::med::application::voice);
  if (voice != nullptr && !voice->unknown_policy && voice->tagged &&
      usable_voice_vlan(voice->vlan_id)) {
    offer_vlan(now, lldp_vlan_, voice->vlan_id, source_lldp);
  }
}

void PhoneDiscovery::offer_vlan(Time now, std::optional<std::uint16_t>& last_from_source,
                                std::uint16_t vlan, const char* source) {
  if (last_from_source == vlan) return;  // a repeat: does not take over from the other source
  last_from_source = vlan;
  if (current_vlan_ == vlan) {
    current_source_ = source;
    return;
  }
  const std::optional<std::uint16_t> old = current_vlan_;
  current_vlan_ = vlan;
  current_source_ = source;
  DiscoveryEvent e;
  e.kind = old ? DiscoveryEventKind::voice_vlan_changed : DiscoveryEventKind::voice_vlan_learned;
  e.at = now;
  e.vlan = vlan;
  e.source = source;
  if (old) e.detail = "was " + std::to_string(*old);
  emit(std::move(e));
}

}  // namespace voicelab::cdp
