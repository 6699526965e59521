// access_switch::SwitchAgent driven by hand with explicit time: what it advertises and when,
// the VoIP VLAN answer, the neighbour table and its holdtime, PoE budget and renegotiation, and
// run-time configuration. No simulator: frames are byte vectors.

#include "voicelab/switch/agent.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cdp/lldp.hpp"
#include "voicelab/cdp/phone_discovery.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::test {
namespace {

using namespace voicelab::access_switch;
using wire::MacAddress;
using Frame = std::vector<std::uint8_t>;

SwitchConfig small_switch(std::size_t ports = 4) {
  SwitchConfig c;
  c.hostname = "access1";
  c.port_count = ports;
  c.management_address = wire::Ipv4Address{10, 1, 10, 2};
  c.default_port = PortConfig::access(10, 110);
  return c;
}

std::vector<Transmit> sent(SwitchAgent& a) {
  std::vector<Transmit> out;
  while (auto t = a.poll_transmit()) out.push_back(std::move(*t));
  return out;
}

std::vector<Event> events(SwitchAgent& a) {
  std::vector<Event> out;
  while (auto e = a.poll_event()) out.push_back(std::move(*e));
  return out;
}

std::vector<EventKind> kinds(const std::vector<Event>& ev) {
  std::vector<EventKind> out;
  for (const auto& e : ev) out.push_back(e.kind);
  return out;
}

cdp::Pdu phone_cdp(std::uint16_t request_id = 0, std::vector<std::uint32_t> levels = {},
                   std::string device = "SEP00AABBCC0001") {
  cdp::Pdu pdu;
  pdu.device_id = std::move(device);
  pdu.port_id = "Port 1";
  pdu.capabilities = cdp::capability::host | cdp::capability::voip_phone;
  pdu.software_version = "sip88xx.14-2-1-0001-14";
  pdu.platform = "Cisco IP Phone 8861";
  pdu.duplex = cdp::duplex::full;
  pdu.voip_vlan_query = cdp::VoipVlan{1, 0, {}};
  if (request_id != 0) pdu.power_requested = cdp::PowerRequested{request_id, 0, std::move(levels)};
  return pdu;
}

Frame frame_of(const cdp::Pdu& pdu) {
  return cdp::encode_frame(pdu, MacAddress::from_u64(0x00aabbcc0001)).value();
}

// Runs the agent's timers from `from` up to `to`, collecting what it sends on `port`.
std::vector<std::pair<Time, Frame>> run(SwitchAgent& a, Time to, std::size_t port) {
  std::vector<std::pair<Time, Frame>> out;
  for (auto& t : sent(a)) {
    if (t.port == port) out.emplace_back(Time{-1}, std::move(t.frame));
  }
  while (auto next = a.next_timeout()) {
    if (*next > to) break;
    a.handle_timeout(*next);
    for (auto& t : sent(a)) {
      if (t.port == port) out.emplace_back(*next, std::move(t.frame));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("SwitchAgent: PoE class allocations", "[switch][poe]") {
  CHECK(ieee_pse_power_mw(0) == 15400);
  CHECK(ieee_pse_power_mw(1) == 4000);
  CHECK(ieee_pse_power_mw(2) == 7000);
  CHECK(ieee_pse_power_mw(3) == 15400);
  CHECK(ieee_pse_power_mw(4) == 30000);
  CHECK(initial_allocation_mw(0) == 15400);
  CHECK(initial_allocation_mw(1) == 4000);
  CHECK(initial_allocation_mw(2) == 7000);
  CHECK(initial_allocation_mw(3) == 15400);
  CHECK(initial_allocation_mw(4) == 15400);
  CHECK(to_string(PoeOper::power_deny) == "power-deny");
}

TEST_CASE("SwitchAgent: CDP on link-up carries the voice VLAN, then every 60 s", "[switch][cdp]") {
  SwitchAgent a(small_switch());
  CHECK(a.port_name(1) == "GigabitEthernet1/0/2");
  CHECK(a.short_port_name(1) == "Gi1/0/2");
  CHECK(a.find_port("Gi1/0/3") == std::size_t{2});
  CHECK(a.find_port("GigabitEthernet1/0/4") == std::size_t{3});
  CHECK_FALSE(a.find_port("Gi1/0/9").has_value());

  a.handle_port_state(2s, 1, true);
  const auto frames = run(a, 200s, 1);
  std::vector<Time> times;
  for (const auto& [t, f] : frames) times.push_back(t);
  // LLDP is off by default (IOS), so these are all CDP: link-up, then 60 s apart.
  CHECK(times == std::vector<Time>{Time{-1}, 62s, 122s, 182s});

  auto decoded = cdp::decode_frame(frames[0].second);
  REQUIRE(decoded.ok());
  CHECK(decoded->ethernet.src == a.port_mac(1));
  CHECK(decoded->ethernet.src == MacAddress::from_u64(0x0cd0f8000102));
  const cdp::Pdu& p = decoded->pdu;
  CHECK(p.ttl == 180);
  CHECK(p.device_id == "access1");
  CHECK(p.port_id == "GigabitEthernet1/0/2");
  CHECK(p.capabilities == (cdp::capability::l2_switch | cdp::capability::igmp));
  CHECK(p.platform == "cisco WS-C3850-48P");
  CHECK(p.software_version == "Cisco IOS XE Software, Version 16.12.10");
  CHECK(p.native_vlan == std::uint16_t{10});
  REQUIRE(p.voip_vlan_reply.has_value());
  CHECK(p.voip_vlan_reply->vlan == std::uint16_t{110});
  CHECK(p.trust_bitmap == std::uint8_t{0});
  CHECK(p.untrusted_port_cos == std::uint8_t{0});
  CHECK(p.addresses->at(0).as_ipv4() == wire::Ipv4Address{10, 1, 10, 2});
  CHECK_FALSE(p.power_available.has_value());  // nothing powered on this port
  CHECK(a.counters().cdp_sent == 4);

  // A trunk advertises its native VLAN and no voice VLAN.
  PortConfig trunk;
  trunk.mode = PortMode::trunk;
  trunk.native_vlan = 99;
  a.configure_port(200s, 3, trunk);
  const auto t = a.cdp_advertisement(3);
  CHECK(t.native_vlan == std::uint16_t{99});
  CHECK_FALSE(t.voip_vlan_reply.has_value());
}

TEST_CASE("SwitchAgent: answers a new phone's VoIP VLAN Query at once; tracks the neighbour",
          "[switch][cdp]") {
  SwitchAgent a(small_switch());
  a.handle_port_state(0s, 0, true);
  sent(a);
  events(a);

  a.handle_frame(1s, 0, frame_of(phone_cdp()));
  auto out = sent(a);
  REQUIRE(out.size() == 1);  // the answer
  CHECK(out[0].port == 0);
  CHECK(cdp::decode_frame(out[0].frame)->pdu.voip_vlan_reply->vlan == std::uint16_t{110});
  auto ev = events(a);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == EventKind::neighbor_added);
  CHECK(ev[0].neighbor == "SEP00AABBCC0001");
  CHECK(ev[0].line ==
        "00:00:01.000: access1 %CDP-6-NEIGHBOR: GigabitEthernet1/0/1 CDP neighbor "
        "SEP00AABBCC0001 added (Cisco IP Phone 8861, port Port 1)");
  CHECK(a.counters().voip_vlan_queries == 1);

  // Its periodic CDP is not answered again, and refreshes the holdtime.
  a.handle_frame(61s, 0, frame_of(phone_cdp()));
  CHECK(sent(a).empty());
  CHECK(events(a).empty());
  REQUIRE(a.neighbors(0).size() == 1);
  const Neighbor& n = a.neighbors(0)[0];
  CHECK(n.platform == "Cisco IP Phone 8861");
  CHECK(n.port_id == "Port 1");
  CHECK(n.expires == 241s);

  // A new load is a change.
  auto upgraded = phone_cdp();
  upgraded.software_version = "sip88xx.14-3-1-0001-20";
  a.handle_frame(62s, 0, frame_of(upgraded));
  ev = events(a);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == EventKind::neighbor_changed);

  // Silence: it expires 180 s after it was last heard.
  a.handle_port_state(62s, 0, true);  // no-op: already up
  while (auto next = a.next_timeout()) {
    if (*next > 300s) break;
    a.handle_timeout(*next);
  }
  ev = events(a);
  const auto expired = std::find_if(
      ev.begin(), ev.end(), [](const Event& e) { return e.kind == EventKind::neighbor_expired; });
  REQUIRE(expired != ev.end());
  CHECK(expired->at == 242s);
  CHECK(expired->neighbor == "SEP00AABBCC0001");
  CHECK(a.neighbors(0).empty());
}

TEST_CASE("SwitchAgent: port down removes neighbours; CDP disabled neither sends nor reads",
          "[switch][cdp]") {
  SwitchAgent a(small_switch());
  a.handle_port_state(0s, 0, true);
  a.handle_frame(1s, 0, frame_of(phone_cdp()));
  a.handle_port_state(5s, 0, false);
  auto ev = events(a);
  CHECK(kinds(ev) == std::vector<EventKind>{EventKind::port_up, EventKind::neighbor_added,
                                            EventKind::port_down, EventKind::neighbor_removed});
  CHECK(a.neighbors(0).empty());
  CHECK(a.next_timeout() == std::nullopt);  // no CDP timer on a down port
  sent(a);

  PortConfig c = a.port_config(0);
  c.cdp_enable = false;
  a.configure_port(6s, 0, c);
  a.handle_port_state(7s, 0, true);
  CHECK(sent(a).empty());
  a.handle_frame(8s, 0, frame_of(phone_cdp()));
  CHECK(sent(a).empty());
  CHECK(a.neighbors(0).empty());
  CHECK(a.counters().ignored == 1);
  ev = events(a);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == EventKind::log);
  CHECK(ev[0].detail == "CDP disabled");
  CHECK(ev[1].kind == EventKind::port_up);

  // Enabled again on an up port: advertises at once.
  c.cdp_enable = true;
  a.configure_port(9s, 0, c);
  CHECK(sent(a).size() == 1);
  CHECK(a.next_timeout() == 69s);

  // Globally off: nothing anywhere.
  a.set_cdp_run(10s, false);
  CHECK(a.next_timeout() == std::nullopt);
}

TEST_CASE("SwitchAgent: PoE detection, power-up delay, budget and denial", "[switch][poe]") {
  auto config = small_switch();
  config.poe_budget_mw = 35000;
  SwitchAgent a(config);
  a.handle_pd_detected(0s, 0, 3);
  a.handle_pd_detected(0s, 1, 2);
  a.handle_pd_detected(0s, 2, 3);  // 15.4 + 7.0 + 15.4 > 35
  CHECK(a.poe_status(0).oper == PoeOper::detecting);
  CHECK(a.poe_status(1).oper == PoeOper::detecting);
  CHECK(a.poe_status(2).oper == PoeOper::power_deny);
  CHECK(a.poe_summary().used_mw == 22400);
  CHECK(a.poe_summary().remaining_mw() == 12600);
  auto ev = events(a);
  CHECK(kinds(ev) == std::vector<EventKind>{EventKind::pd_detected, EventKind::pd_detected,
                                            EventKind::pd_detected, EventKind::power_denied});
  CHECK(ev[3].port == 2);
  CHECK(ev[3].line ==
        "00:00:00.000: access1 %POE-4-DENIED: GigabitEthernet1/0/3 power denied: needs 15.4 W, "
        "12.6 W left in the budget");

  CHECK(a.next_timeout() == 1s);
  a.handle_timeout(999ms);
  CHECK(events(a).empty());
  a.handle_timeout(1s);
  ev = events(a);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == EventKind::port_powered);
  CHECK(ev[0].port == 0);
  CHECK(ev[0].power_mw == 15400);
  CHECK(ev[1].port == 1);
  CHECK(ev[1].power_mw == 7000);
  CHECK(a.poe_status(0).oper == PoeOper::on);

  // Removing a device frees its power: the denied port is powered, in port order.
  a.handle_pd_removed(5s, 1);  // 12.6 + 7.0 W free now: enough for 15.4 W
  ev = events(a);
  CHECK(kinds(ev) == std::vector<EventKind>{EventKind::power_removed});
  CHECK(ev[0].detail == "device removed");
  CHECK(a.poe_status(1).oper == PoeOper::off);
  CHECK(a.poe_status(2).oper == PoeOper::detecting);
  CHECK(a.poe_summary().used_mw == 30800);
}

TEST_CASE("SwitchAgent: a denied port is powered when power is freed or the budget grows",
          "[switch][poe]") {
  auto config = small_switch();
  config.poe_budget_mw = 20000;
  SwitchAgent a(config);
  a.handle_pd_detected(0s, 0, 3);
  a.handle_pd_detected(0s, 1, 3);
  CHECK(a.poe_status(1).oper == PoeOper::power_deny);
  a.handle_pd_removed(2s, 0);
  CHECK(a.poe_status(0).oper == PoeOper::off);
  CHECK(a.poe_status(1).oper == PoeOper::detecting);
  CHECK(a.poe_summary().used_mw == 15400);

  a.handle_pd_detected(3s, 0, 3);
  CHECK(a.poe_status(0).oper == PoeOper::power_deny);
  events(a);
  a.set_poe_budget(4s, 40000);
  CHECK(a.poe_status(0).oper == PoeOper::detecting);
  // Shrinking takes power from the highest-numbered port first.
  a.set_poe_budget(5s, 16000);
  CHECK(a.poe_status(0).oper == PoeOper::detecting);
  CHECK(a.poe_status(1).oper == PoeOper::power_deny);
  auto ev = events(a);
  CHECK(kinds(ev) ==
        std::vector<EventKind>{EventKind::log, EventKind::log, EventKind::power_denied});
  CHECK(ev[2].detail == "PoE budget reduced");
}

TEST_CASE("SwitchAgent: power inline never, port maximum, shutdown and faults", "[switch][poe]") {
  SwitchAgent a(small_switch());
  PortConfig never = a.port_config(0);
  never.poe = PoeAdmin::never;
  a.configure_port(0s, 0, never);
  a.handle_pd_detected(0s, 0, 3);
  CHECK(a.poe_status(0).oper == PoeOper::off);

  PortConfig small = a.port_config(1);
  small.poe_max_mw = 7000;
  a.configure_port(0s, 1, small);
  a.handle_pd_detected(0s, 1, 3);
  CHECK(a.poe_status(1).oper == PoeOper::power_deny);
  a.handle_pd_detected(0s, 1, 2);  // reclassified as class 2: 7.0 W fits
  CHECK(a.poe_status(1).oper == PoeOper::detecting);

  a.handle_pd_detected(0s, 2, 3);
  a.handle_timeout(1s);
  events(a);
  PortConfig shut = a.port_config(2);
  shut.shutdown = true;
  a.configure_port(2s, 2, shut);
  CHECK(a.poe_status(2).oper == PoeOper::off);
  auto ev = events(a);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].kind == EventKind::power_removed);
  CHECK(ev[1].detail == "port shut down");
  shut.shutdown = false;
  a.configure_port(3s, 2, shut);
  CHECK(a.poe_status(2).oper == PoeOper::detecting);

  a.handle_timeout(4s);
  a.handle_pd_fault(5s, 2, "short circuit");
  CHECK(a.poe_status(2).oper == PoeOper::faulty);
  CHECK(a.poe_status(2).allocated_mw == 0);
  a.handle_pd_removed(6s, 2);
  CHECK(a.poe_status(2).oper == PoeOper::off);
  a.handle_pd_detected(7s, 2, 3);
  CHECK(a.poe_status(2).oper == PoeOper::detecting);
}

TEST_CASE("SwitchAgent: CDP power renegotiation and the Power Available answer",
          "[switch][poe][cdp]") {
  auto config = small_switch();
  config.poe_budget_mw = 40000;
  SwitchAgent a(config);
  a.handle_pd_detected(0s, 0, 3);
  a.handle_pd_detected(0s, 1, 3);
  a.handle_timeout(1s);
  a.handle_port_state(1s, 0, true);
  auto out = sent(a);
  REQUIRE(out.size() == 1);
  auto pa = cdp::decode_frame(out[0].frame)->pdu.power_available;
  REQUIRE(pa.has_value());
  CHECK(*pa == cdp::PowerAvailable{0, 1, 15400, 0xffffffffU});  // link-up: class allocation
  events(a);

  // The phone asks for 12.9 W: allocated, answered at once with its request id.
  a.handle_frame(2s, 0, frame_of(phone_cdp(4711, {12900})));
  out = sent(a);
  REQUIRE(out.size() == 1);
  pa = cdp::decode_frame(out[0].frame)->pdu.power_available;
  CHECK(pa->request_id == 4711);
  CHECK(pa->available_mw == 12900);
  CHECK(pa->management_id == 3);  // +1 for the new request, +1 for the new allocation
  CHECK(a.poe_status(0).allocated_mw == 12900);
  CHECK(a.poe_summary().used_mw == 28300);
  auto ev = events(a);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].kind == EventKind::power_changed);
  CHECK(ev[1].detail == "15.4 W -> 12.9 W");

  // Same request id again: nothing to do.
  a.handle_frame(3s, 0, frame_of(phone_cdp(4711, {12900})));
  CHECK(sent(a).empty());
  // More than fits (40 - 15.4 = 24.6 W left for this port): the first level that fits wins.
  a.handle_frame(4s, 0, frame_of(phone_cdp(4712, {30000, 20000, 12900})));
  CHECK(a.poe_status(0).allocated_mw == 20000);
  // Nothing fits: the allocation stays, the answer still comes.
  a.handle_frame(5s, 0, frame_of(phone_cdp(4713, {30000})));
  CHECK(a.poe_status(0).allocated_mw == 20000);
  out = sent(a);
  REQUIRE(out.size() == 2);
  pa = cdp::decode_frame(out[1].frame)->pdu.power_available;
  CHECK(pa->request_id == 4713);
  CHECK(pa->available_mw == 20000);
  CHECK(a.counters().power_requests == 3);

  // An older phone with only Power Consumption (0x0010): the allocation follows it.
  a.handle_port_state(5s, 1, true);
  auto old = phone_cdp(0, {}, "SEP00AABBCC0002");
  old.power_consumption_mw = 6300;
  a.handle_frame(6s, 1, frame_of(old));
  CHECK(a.poe_status(1).allocated_mw == 6300);
}

TEST_CASE("SwitchAgent: LLDP-MED only after an endpoint is heard, with a fast start",
          "[switch][lldp]") {
  auto config = small_switch();
  config.lldp_run = true;
  config.cdp_run = false;
  SwitchAgent a(config);
  a.handle_pd_detected(0s, 0, 3);
  a.handle_timeout(1s);
  a.handle_port_state(1s, 0, true);
  auto out = sent(a);
  REQUIRE(out.size() == 1);
  auto first = lldp::decode_frame(out[0].frame);
  REQUIRE(first.ok());
  CHECK(first->pdu.system_name == "access1");
  CHECK(first->pdu.port_id.as_text() == "Gi1/0/1");
  CHECK(first->pdu.ttl == 120);
  CHECK_FALSE(first->pdu.med_capabilities.has_value());  // no endpoint heard yet
  CHECK(first->pdu.network_policies.empty());

  // The phone's LLDP-MED (as PhoneDiscovery sends it).
  Random random(3);
  cdp::PhoneDiscoveryConfig pc;
  pc.mac = MacAddress::from_u64(0x00aabbcc0001);
  pc.software_version = "sip88xx.14-2-1-0001-14";
  pc.power_requested_mw = 12900;
  pc.cdp = false;
  cdp::PhoneDiscovery phone(pc, random);
  phone.start(1500ms);
  a.handle_frame(1500ms, 0, *phone.poll_transmit());
  auto ev = events(a);
  REQUIRE_FALSE(ev.empty());
  CHECK(ev.back().kind == EventKind::power_changed);  // Extended Power-via-MDI: 12.9 W
  CHECK(a.poe_status(0).allocated_mw == 12900);
  REQUIRE(a.neighbors(0).size() == 1);
  CHECK(a.neighbors(0)[0].protocol == NeighborProtocol::lldp);
  CHECK(a.neighbors(0)[0].device_id == "SEP00AABBCC0001");
  CHECK(a.neighbors(0)[0].port_id == "Port 1");

  const auto frames = run(a, 40s, 0);
  std::vector<Time> times;
  for (const auto& [t, f] : frames) times.push_back(t);
  // At once, then 1 s apart (3 in all), then every 30 s.
  CHECK(times == std::vector<Time>{Time{-1}, 2500ms, 3500ms, 33500ms});
  const auto med = lldp::decode_frame(frames[0].second);
  REQUIRE(med.ok());
  REQUIRE(med->pdu.med_capabilities.has_value());
  CHECK(med->pdu.med_capabilities->device_type == lldp::med::device_type::network_connectivity);
  const auto* voice = med->pdu.policy(lldp::med::application::voice);
  REQUIRE(voice != nullptr);
  CHECK(voice->tagged);
  CHECK_FALSE(voice->unknown_policy);
  CHECK(voice->vlan_id == 110);
  CHECK(voice->l2_priority == 5);
  CHECK(voice->dscp == 46);
  REQUIRE(med->pdu.extended_power.has_value());
  CHECK(med->pdu.extended_power->power_type == lldp::med::power_type::pse);
  CHECK(med->pdu.extended_power->value_deciwatts == 129);

  // And the phone takes the VLAN from it.
  phone.handle_frame(1600ms, frames[0].second);
  CHECK(phone.voice_vlan() == std::uint16_t{110});
  CHECK(phone.voice_vlan_source() == "LLDP-MED");
}

TEST_CASE(
    "SwitchAgent: engine to engine, the phone learns, follows a change, and the timer "
    "drives it",
    "[switch][cdp]") {
  SwitchAgent sw(small_switch());
  Random random(11);
  cdp::PhoneDiscoveryConfig pc;
  pc.mac = MacAddress::from_u64(0x00aabbcc0001);
  pc.software_version = "sip88xx.14-2-1-0001-14";
  pc.power_requested_mw = 12900;
  cdp::PhoneDiscovery phone(pc, random);

  sw.handle_pd_detected(0s, 0, 3);
  // A zero-latency wire between switch port 0 and the phone.
  const auto shuttle = [&](Time now) {
    for (int guard = 0; guard < 50; ++guard) {
      bool moved = false;
      while (auto t = sw.poll_transmit()) {
        if (t->port == 0) phone.handle_frame(now, t->frame);
        moved = true;
      }
      while (auto f = phone.poll_transmit()) {
        sw.handle_frame(now, 0, *f);
        moved = true;
      }
      if (!moved) return;
    }
  };
  Time now = 0s;
  bool changed = false;
  for (int step = 0; step < 1000; ++step) {
    const auto a = sw.next_timeout();
    const auto b = phone.next_timeout();
    std::optional<Time> next = a;
    if (b && (!next || *b < *next)) next = b;
    if (!next || *next > 130s) break;
    if (!changed && *next >= 30s) {
      // The administrator moves the port to voice VLAN 120 at 30 s.
      changed = true;
      now = 30s;
      PortConfig c = sw.port_config(0);
      c.voice_vlan = 120;
      sw.configure_port(now, 0, c);
      shuttle(now);
      continue;
    }
    now = *next;
    sw.handle_timeout(now);
    if (phone.running()) phone.handle_timeout(now);
    for (auto& e : events(sw)) {
      if (e.kind == EventKind::port_powered) {
        sw.handle_port_state(now, 0, true);
        phone.start(now);
      }
    }
    shuttle(now);
  }
  std::vector<std::pair<Time, std::optional<std::uint16_t>>> vlans;
  std::optional<std::uint32_t> power;
  while (auto e = phone.poll_event()) {
    if (e->kind == cdp::DiscoveryEventKind::voice_vlan_learned ||
        e->kind == cdp::DiscoveryEventKind::voice_vlan_changed) {
      vlans.emplace_back(e->at, e->vlan);
    }
    if (e->kind == cdp::DiscoveryEventKind::power_negotiated) power = e->power_mw;
  }
  // Learned at power-up (1 s), changed at the switch's next periodic CDP (61 s), not at 30 s.
  CHECK(vlans == std::vector<std::pair<Time, std::optional<std::uint16_t>>>{{1s, 110}, {61s, 120}});
  CHECK(power == 12900u);
  CHECK(sw.poe_status(0).allocated_mw == 12900);
}

TEST_CASE("SwitchAgent: bad configuration throws", "[switch]") {
  auto c = small_switch();
  c.port_count = 0;
  CHECK_THROWS_AS(SwitchAgent(c), std::invalid_argument);
  c = small_switch();
  c.default_port.voice_vlan = 4095;
  CHECK_THROWS_AS(SwitchAgent(c), std::invalid_argument);
  c = small_switch();
  c.base_mac = MacAddress{};
  CHECK_THROWS_AS(SwitchAgent(c), std::invalid_argument);
  c = small_switch();
  c.hostname = std::string(70000, 'h');
  CHECK_THROWS_AS(SwitchAgent(c), std::invalid_argument);
  SwitchAgent a(small_switch());
  CHECK_THROWS_AS(a.configure_port(0s, 9, PortConfig{}), std::out_of_range);
  CHECK_THROWS_AS(a.configure_port(0s, 0, PortConfig::access(0)), std::invalid_argument);
  CHECK_THROWS_AS(a.handle_frame(0s, 4, Frame(60)), std::out_of_range);
}

}  // namespace voicelab::test

namespace voicelab::test {

TEST_CASE("SwitchAgent: trust follows a CDP phone when trust_cisco_phone is set", "[switch]") {
  SwitchAgent a(small_switch());
  PortConfig c = a.port_config(0);
  c.trust = Trust::cos;
  c.trust_cisco_phone = true;
  c.extend_trust = true;
  c.untrusted_port_cos = 3;
  a.configure_port(0s, 0, c);
  CHECK(a.effective_trust(0) == Trust::none);
  a.handle_port_state(0s, 0, true);
  const auto out = sent(a);
  REQUIRE(out.size() == 1);
  const auto pdu = cdp::decode_frame(out[0].frame)->pdu;
  CHECK(pdu.trust_bitmap == std::uint8_t{1});
  CHECK(pdu.untrusted_port_cos == std::uint8_t{3});
  a.handle_frame(1s, 0, frame_of(phone_cdp()));
  CHECK(a.effective_trust(0) == Trust::cos);
  a.handle_port_state(2s, 0, false);
  CHECK(a.effective_trust(0) == Trust::none);
  CHECK(a.effective_trust(1) == Trust::none);
}

TEST_CASE("SwitchAgent and PhoneDiscovery survive mangled and random frames",
          "[switch][robustness]") {
  // Valid frames of both protocols, then bit flips, truncations and random bytes: nothing may
  // throw or crash (ASan/UBSan runs watch the rest), and the engines keep working afterwards.
  SwitchAgent a(small_switch());
  a.handle_port_state(0s, 0, true);
  Random random(2024);
  cdp::PhoneDiscoveryConfig pc;
  pc.mac = MacAddress::from_u64(0x00aabbcc0001);
  pc.software_version = "sip88xx.14-2-1-0001-14";
  pc.power_requested_mw = 12900;
  cdp::PhoneDiscovery phone(pc, random);
  phone.start(0s);
  std::vector<Frame> seeds;
  while (auto f = phone.poll_transmit()) seeds.push_back(std::move(*f));
  for (auto& t : sent(a)) seeds.push_back(std::move(t.frame));
  a.set_lldp_run(0s, true);
  for (auto& t : sent(a)) seeds.push_back(std::move(t.frame));
  REQUIRE(seeds.size() == 4);

  Random fuzz(99);
  for (int i = 0; i < 20000; ++i) {
    Frame f = seeds[fuzz.below(seeds.size())];
    switch (fuzz.below(4)) {
      case 0:  // flip bits
        for (int n = 0; n < 3; ++n)
          f[fuzz.below(f.size())] ^= static_cast<std::uint8_t>(1u << fuzz.below(8));
        break;
      case 1:  // truncate
        f.resize(fuzz.below(f.size() + 1));
        break;
      case 2:  // overwrite a length / count byte region with random bytes
        for (std::size_t k = 14 + fuzz.below(20); k < f.size() && k < 64; ++k) {
          f[k] = static_cast<std::uint8_t>(fuzz.next());
        }
        break;
      default:  // random bytes with a discovery destination
        f.assign(fuzz.below(200), 0);
        for (auto& b : f) b = static_cast<std::uint8_t>(fuzz.next());
        if (f.size() >= 6) std::copy_n(seeds[0].begin(), 6, f.begin());
        break;
    }
    const Time now = std::chrono::milliseconds(i);
    a.handle_frame(now, 0, f);
    phone.handle_frame(now, f);
  }
  sent(a);
  events(a);
  CHECK(a.counters().malformed > 0);
  CHECK(phone.counters().malformed > 0);
  CHECK(a.neighbors(0).size() <= a.config().max_neighbors_per_port);
  // Still answering a real phone.
  a.handle_frame(30s, 1, frame_of(phone_cdp()));  // port 1 is down: ignored
  a.handle_port_state(30s, 1, true);
  sent(a);
  a.handle_frame(30s, 1, frame_of(phone_cdp()));
  CHECK(sent(a).size() == 1);
}

}  // namespace voicelab::test
