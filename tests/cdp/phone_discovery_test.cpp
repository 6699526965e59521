// cdp::PhoneDiscovery driven by hand with explicit time: what the phone sends and when, how it
// learns and follows the voice VLAN over CDP and LLDP-MED, the wait without one, and power.

#include "voicelab/cdp/phone_discovery.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cdp/lldp.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::test {
namespace {

using cdp::DiscoveryEvent;
using cdp::DiscoveryEventKind;
using cdp::PhoneDiscovery;
using cdp::PhoneDiscoveryConfig;
using wire::MacAddress;
using Frame = std::vector<std::uint8_t>;

const MacAddress phone_mac = MacAddress::from_u64(0x00aabbcc0001);
const MacAddress switch_mac = MacAddress::from_u64(0x0cd0f8000102);

PhoneDiscoveryConfig phone_config() {
  PhoneDiscoveryConfig c;
  c.mac = phone_mac;
  c.platform = "Cisco IP Phone 8861";
  c.software_version = "sip88xx.14-2-1-0001-14";
  c.power_requested_mw = 12900;
  return c;
}

std::vector<Frame> drain(PhoneDiscovery& p) {
  std::vector<Frame> out;
  while (auto f = p.poll_transmit()) out.push_back(std::move(*f));
  return out;
}

std::vector<DiscoveryEvent> events(PhoneDiscovery& p) {
  std::vector<DiscoveryEvent> out;
  while (auto e = p.poll_event()) out.push_back(std::move(*e));
  return out;
}

bool is_cdp(const Frame& f) { return cdp::decode_frame(f).ok(); }
bool is_lldp(const Frame& f) { return lldp::decode_frame(f).ok(); }

// What an access switch says on the phone's port.
cdp::Pdu switch_cdp(std::optional<std::uint16_t> voice_vlan) {
  cdp::Pdu pdu;
  pdu.device_id = "access1";
  pdu.port_id = "GigabitEthernet1/0/2";
  pdu.capabilities = cdp::capability::l2_switch | cdp::capability::igmp;
  pdu.software_version = "Cisco IOS XE Software, Version 16.12.10";
  pdu.platform = "cisco WS-C3850-48P";
  pdu.native_vlan = 10;
  pdu.duplex = cdp::duplex::full;
  if (voice_vlan) pdu.voip_vlan_reply = cdp::VoipVlan{1, *voice_vlan, {}};
  return pdu;
}

Frame cdp_frame(const cdp::Pdu& pdu) { return cdp::encode_frame(pdu, switch_mac).value(); }

lldp::Pdu switch_lldp(std::optional<lldp::med::NetworkPolicy> policy, bool med = true) {
  lldp::Pdu pdu;
  pdu.chassis_id = lldp::Id::mac(lldp::chassis_subtype::mac_address, switch_mac);
  pdu.port_id = lldp::Id::text(lldp::port_subtype::interface_name, "Gi1/0/2");
  pdu.port_description = "GigabitEthernet1/0/2";
  pdu.system_name = "access1";
  if (med) {
    pdu.med_capabilities = lldp::med::Capabilities{
        lldp::med::capability::lldp_med | lldp::med::capability::network_policy,
        lldp::med::device_type::network_connectivity};
  }
  if (policy) pdu.network_policies.push_back(*policy);
  return pdu;
}

lldp::med::NetworkPolicy voice_policy(std::uint16_t vlan, bool tagged = true) {
  lldp::med::NetworkPolicy p;
  p.application = lldp::med::application::voice;
  p.tagged = tagged;
  p.vlan_id = vlan;
  p.l2_priority = 5;
  p.dscp = 46;
  return p;
}

Frame lldp_frame(const lldp::Pdu& pdu) { return lldp::encode_frame(pdu, switch_mac).value(); }

}  // namespace

TEST_CASE("PhoneDiscovery: start sends the phone's CDP and LLDP-MED at once", "[cdp][discovery]") {
  Random random(7);
  PhoneDiscovery phone(phone_config(), random);
  REQUIRE(phone.next_timeout() == std::nullopt);
  phone.start(0s);
  const auto frames = drain(phone);
  REQUIRE(frames.size() == 2);

  auto c = cdp::decode_frame(frames[0]);
  REQUIRE(c.ok());
  CHECK(c->ethernet.dst == cdp::multicast_address);
  CHECK(c->ethernet.src == phone_mac);
  CHECK_FALSE(c->ethernet.vlan.has_value());  // untagged
  const cdp::Pdu& p = c->pdu;
  CHECK(p.ttl == 180);
  CHECK(p.device_id == "SEP00AABBCC0001");
  CHECK_FALSE(p.addresses.has_value());  // no address yet
  CHECK(p.port_id == "Port 1");
  CHECK(p.capabilities == (cdp::capability::host | cdp::capability::voip_phone));
  CHECK(p.software_version == "sip88xx.14-2-1-0001-14");
  CHECK(p.platform == "Cisco IP Phone 8861");
  CHECK(p.duplex == cdp::duplex::full);
  REQUIRE(p.voip_vlan_query.has_value());
  CHECK(p.voip_vlan_query->vlan == std::uint16_t{0});
  CHECK(p.power_consumption_mw == std::uint16_t{12900});
  REQUIRE(p.power_requested.has_value());
  CHECK(p.power_requested->request_id != 0);
  CHECK(p.power_requested->request_id == phone.power_request_id());
  CHECK(p.power_requested->power_mw == std::vector<std::uint32_t>{12900});

  auto l = lldp::decode_frame(frames[1]);
  REQUIRE(l.ok());
  CHECK(l->ethernet.dst == lldp::nearest_bridge_address);
  const lldp::Pdu& lp = l->pdu;
  CHECK(lp.chassis_id.subtype == lldp::chassis_subtype::network_address);
  CHECK(lp.chassis_id.value == std::vector<std::uint8_t>{1, 0, 0, 0, 0});  // 0.0.0.0
  CHECK(lp.port_id.subtype == lldp::port_subtype::mac_address);
  CHECK(lp.port_id.as_mac() == phone_mac);
  CHECK(lp.ttl == 180);
  CHECK(lp.port_description == "Port 1");
  CHECK(lp.system_name == "SEP00AABBCC0001");
  REQUIRE(lp.system_capabilities.has_value());
  CHECK(lp.system_capabilities->supported ==
        (lldp::capability::bridge | lldp::capability::telephone));
  REQUIRE(lp.med_capabilities.has_value());
  CHECK(lp.med_capabilities->capabilities == 0x0033);
  CHECK(lp.med_capabilities->device_type == lldp::med::device_type::endpoint_class_3);
  REQUIRE(lp.network_policies.size() == 1);
  CHECK(lp.network_policies[0].application == lldp::med::application::voice);
  CHECK(lp.network_policies[0].unknown_policy);
  CHECK_FALSE(lp.network_policies[0].tagged);
  CHECK(lp.network_policies[0].vlan_id == 0);
  REQUIRE(lp.extended_power.has_value());
  CHECK(lp.extended_power->power_type == lldp::med::power_type::pd);
  CHECK(lp.extended_power->power_source == 3);
  CHECK(lp.extended_power->value_deciwatts == 129);
  REQUIRE(lp.unknown_tlvs.size() == 1);  // Firmware Revision
  const auto& fw = lp.unknown_tlvs[0].value;
  CHECK(std::vector<std::uint8_t>(fw.begin(), fw.begin() + 4) ==
        std::vector<std::uint8_t>{0x00, 0x12, 0xbb, 0x06});
  CHECK(std::string(fw.begin() + 4, fw.end()) == "sip88xx.14-2-1-0001-14");
}

TEST_CASE("PhoneDiscovery: fast start, periodic advertisements and the voice VLAN wait",
          "[cdp][discovery]") {
  Random random(7);
  PhoneDiscovery phone(phone_config(), random);
  phone.start(5s);
  // What is sent at which time, until 70 s after start.
  std::vector<std::pair<Time, std::string>> sent;
  std::vector<std::pair<Time, DiscoveryEventKind>> seen;
  Time now = 5s;
  for (int guard = 0; guard < 100; ++guard) {
    for (auto& f : drain(phone)) sent.emplace_back(now - 5s, is_cdp(f) ? "CDP" : "LLDP");
    for (auto& e : events(phone)) seen.emplace_back(e.at - 5s, e.kind);
    auto next = phone.next_timeout();
    REQUIRE(next.has_value());
    if (*next > 75s) break;
    now = *next;
    phone.handle_timeout(now);
  }
  const std::vector<std::pair<Time, std::string>> expected = {
      {0s, "CDP"},  {0s, "LLDP"},  {1s, "CDP"},  {1s, "LLDP"},
      {2s, "LLDP"}, {32s, "LLDP"}, {61s, "CDP"}, {62s, "LLDP"}};
  CHECK(sent == expected);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::pair<Time, DiscoveryEventKind>{10s, DiscoveryEventKind::no_voice_vlan});
  CHECK_FALSE(phone.voice_vlan().has_value());
}

TEST_CASE("PhoneDiscovery: learns the voice VLAN from the switch's CDP VoIP VLAN Reply",
          "[cdp][discovery]") {
  Random random(7);
  PhoneDiscovery phone(phone_config(), random);
  phone.start(0s);
  drain(phone);
  phone.handle_frame(300ms, cdp_frame(switch_cdp(110)));
  auto ev = events(phone);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == DiscoveryEventKind::neighbor_seen);
  CHECK(ev[0].source == "CDP");
  CHECK(ev[0].detail == "access1 port GigabitEthernet1/0/2 (cisco WS-C3850-48P)");
  CHECK(ev[1].kind == DiscoveryEventKind::voice_vlan_learned);
  CHECK(ev[1].at == 300ms);
  CHECK(ev[1].vlan == std::uint16_t{110});
  CHECK(ev[1].source == "CDP");
  CHECK(ev[1].describe() == "CDP: voice VLAN 110 learned");
  CHECK(phone.voice_vlan() == std::uint16_t{110});
  CHECK(phone.voice_vlan_source() == "CDP");

  // The next advertisements carry what was learned.
  phone.handle_timeout(1s);
  const auto frames = drain(phone);
  REQUIRE(frames.size() == 2);
  CHECK(cdp::decode_frame(frames[0])->pdu.voip_vlan_query->vlan == std::uint16_t{110});
  const auto policy = lldp::decode_frame(frames[1])->pdu.network_policies.at(0);
  CHECK_FALSE(policy.unknown_policy);
  CHECK(policy.tagged);
  CHECK(policy.vlan_id == 110);
  CHECK(policy.l2_priority == 5);
  CHECK(policy.dscp == 46);

  // The same reply again changes nothing; the wait ends quietly.
  phone.handle_frame(2s, cdp_frame(switch_cdp(110)));
  phone.handle_timeout(10s);
  CHECK(events(phone).empty());
}

TEST_CASE("PhoneDiscovery: VLAN 0, 1 and 4095 and a reply without VLAN are no voice VLAN",
          "[cdp][discovery]") {
  Random random(7);
  PhoneDiscovery phone(phone_config(), random);
  phone.start(0s);
  for (std::uint16_t vlan : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{4095}}) {
    phone.handle_frame(1s, cdp_frame(switch_cdp(vlan)));
  }
  phone.handle_frame(1s, cdp_frame(switch_cdp(std::nullopt)));
  cdp::Pdu six_bytes = switch_cdp(std::nullopt);
  six_bytes.voip_vlan_reply = cdp::VoipVlan{1, std::nullopt, {0x01}};  // 6-byte form, no VLAN
  phone.handle_frame(1s, cdp_frame(six_bytes));
  CHECK_FALSE(phone.voice_vlan().has_value());
  phone.handle_timeout(10s);
  auto ev = events(phone);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == DiscoveryEventKind::neighbor_seen);
  CHECK(ev[1].kind == DiscoveryEventKind::no_voice_vlan);
  CHECK(ev[1].at == 10s);
  CHECK(ev[1].describe() == "no voice VLAN offered (nothing heard in 10.0 s), staying untagged");
}

TEST_CASE("PhoneDiscovery: LLDP-MED alone gives the voice VLAN; untagged or unknown do not",
          "[cdp][discovery][lldp]") {
  Random random(7);
  auto config = phone_config();
  config.cdp = false;
  PhoneDiscovery phone(config, random);
  phone.start(0s);
  const auto frames = drain(phone);
  REQUIRE(frames.size() == 1);
  CHECK(is_lldp(frames[0]));

  phone.handle_frame(1s, lldp_frame(switch_lldp(voice_policy(120), /*med=*/false)));  // no MED
  phone.handle_frame(1s, lldp_frame(switch_lldp(voice_policy(120, /*tagged=*/false))));
  auto unknown = voice_policy(120);
  unknown.unknown_policy = true;
  phone.handle_frame(1s, lldp_frame(switch_lldp(unknown)));
  phone.handle_frame(1s, cdp_frame(switch_cdp(110)));  // CDP is off on this phone
  CHECK_FALSE(phone.voice_vlan().has_value());
  CHECK(phone.counters().ignored == 1);

  phone.handle_frame(2s, lldp_frame(switch_lldp(voice_policy(120))));
  CHECK(phone.voice_vlan() == std::uint16_t{120});
  auto ev = events(phone);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == DiscoveryEventKind::neighbor_seen);
  CHECK(ev[0].source == "LLDP-MED");
  CHECK(ev[0].detail == "access1 port GigabitEthernet1/0/2");
  CHECK(ev[1].kind == DiscoveryEventKind::voice_vlan_learned);
  CHECK(ev[1].source == "LLDP-MED");
  CHECK(ev[1].vlan == std::uint16_t{120});
}

TEST_CASE("PhoneDiscovery: follows a voice VLAN change at the next advertisement",
          "[cdp][discovery]") {
  Random random(7);
  PhoneDiscovery phone(phone_config(), random);
  phone.start(0s);
  phone.handle_frame(0s, cdp_frame(switch_cdp(110)));
  events(phone);
  phone.handle_frame(60s, cdp_frame(switch_cdp(120)));
  auto ev = events(phone);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == DiscoveryEventKind::voice_vlan_changed);
  CHECK(ev[0].at == 60s);
  CHECK(ev[0].vlan == std::uint16_t{120});
  CHECK(ev[0].describe() == "CDP: voice VLAN changed to 120 (was 110)");
  CHECK(phone.voice_vlan() == std::uint16_t{120});
}

TEST_CASE("PhoneDiscovery: with CDP and LLDP-MED, the latest set or changed policy wins",
          "[cdp][discovery][lldp]") {
  Random random(7);
  PhoneDiscovery phone(phone_config(), random);
  phone.start(0s);
  phone.handle_frame(1s, cdp_frame(switch_cdp(110)));
  phone.handle_frame(2s, lldp_frame(switch_lldp(voice_policy(120))));
  CHECK(phone.voice_vlan() == std::uint16_t{120});
  CHECK(phone.voice_vlan_source() == "LLDP-MED");
  // CDP repeating its old value does not take over again...
  phone.handle_frame(61s, cdp_frame(switch_cdp(110)));
  CHECK(phone.voice_vlan() == std::uint16_t{120});
  // ...a CDP change does.
  phone.handle_frame(62s, cdp_frame(switch_cdp(130)));
  CHECK(phone.voice_vlan() == std::uint16_t{130});
  std::vector<std::optional<std::uint16_t>> vlans;
  for (auto& e : events(phone)) {
    if (e.kind != DiscoveryEventKind::neighbor_seen) vlans.push_back(e.vlan);
  }
  CHECK(vlans == std::vector<std::optional<std::uint16_t>>{110, 120, 130});
}

TEST_CASE("PhoneDiscovery: power negotiated only by a Power Available for our request",
          "[cdp][discovery][power]") {
  Random random(7);
  PhoneDiscovery phone(phone_config(), random);
  phone.start(0s);
  drain(phone);
  cdp::Pdu first = switch_cdp(110);
  first.power_available = cdp::PowerAvailable{0, 1, 15400, 0xffffffffU};  // link-up CDP
  phone.handle_frame(0s, cdp_frame(first));
  for (auto& e : events(phone)) CHECK(e.kind != DiscoveryEventKind::power_negotiated);

  cdp::Pdu answer = switch_cdp(110);
  answer.power_available = cdp::PowerAvailable{phone.power_request_id(), 2, 12900, 0xffffffffU};
  phone.handle_frame(100ms, cdp_frame(answer));
  auto ev = events(phone);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == DiscoveryEventKind::power_negotiated);
  CHECK(ev[0].power_mw == 12900);
  CHECK(ev[0].describe() == "CDP: power negotiated: requested 12.900 W, 12.900 W available");
  CHECK(phone.power_available_mw() == 12900u);

  // The phone echoes the switch's management id in its next request.
  phone.handle_timeout(1s);
  const auto frames = drain(phone);
  REQUIRE_FALSE(frames.empty());
  CHECK(cdp::decode_frame(frames[0])->pdu.power_requested->management_id == 2);
  phone.handle_timeout(2s);  // the last fast-start LLDPDU
  drain(phone);

  // An accessory: a new request id goes out at once.
  const std::uint16_t old_id = phone.power_request_id();
  phone.request_power(5s, 15400);
  CHECK(phone.power_request_id() != old_id);
  const auto now_frames = drain(phone);
  REQUIRE(now_frames.size() == 2);
  const auto req = cdp::decode_frame(now_frames[0])->pdu.power_requested;
  CHECK(req->request_id == phone.power_request_id());
  CHECK(req->power_mw == std::vector<std::uint32_t>{15400});
}

TEST_CASE("PhoneDiscovery: address, stop, malformed input and disabled protocols",
          "[cdp][discovery]") {
  Random random(7);
  auto config = phone_config();
  config.power_requested_mw = 0;
  PhoneDiscovery phone(config, random);
  phone.handle_frame(0s, cdp_frame(switch_cdp(110)));  // not started: ignored
  CHECK_FALSE(phone.voice_vlan().has_value());

  phone.start(0s);
  drain(phone);
  phone.set_address(500ms, wire::Ipv4Address{10, 1, 110, 23});
  phone.handle_timeout(1s);
  auto frames = drain(phone);
  REQUIRE(frames.size() == 2);
  const auto c = cdp::decode_frame(frames[0])->pdu;
  REQUIRE(c.addresses.has_value());
  CHECK(c.addresses->at(0).as_ipv4() == wire::Ipv4Address{10, 1, 110, 23});
  CHECK_FALSE(c.power_requested.has_value());  // nothing asked
  CHECK_FALSE(c.power_consumption_mw.has_value());
  const auto l = lldp::decode_frame(frames[1])->pdu;
  CHECK(l.chassis_id.value == std::vector<std::uint8_t>{1, 10, 1, 110, 23});
  CHECK_FALSE(l.extended_power.has_value());

  Frame bad = cdp_frame(switch_cdp(110));
  bad[22 + 2] ^= 0x01;  // the checksum's high byte, after 14 + 8 header bytes and 2 PDU bytes
  phone.handle_frame(2s, bad);
  CHECK(phone.counters().malformed == 1);
  CHECK_FALSE(phone.voice_vlan().has_value());
  phone.handle_frame(2s, Frame(60, 0xff));  // a broadcast of something else
  phone.handle_frame(2s, Frame(5, 0x00));   // runt
  CHECK(phone.counters().ignored == 3);     // with the frame before start()

  phone.stop(3s);
  CHECK_FALSE(phone.running());
  CHECK(phone.next_timeout() == std::nullopt);
  phone.handle_frame(4s, cdp_frame(switch_cdp(110)));
  CHECK_FALSE(phone.voice_vlan().has_value());

  auto silent = phone_config();
  silent.cdp = false;
  silent.lldp_med = false;
  PhoneDiscovery mute(silent, random);
  mute.start(0s);
  CHECK(drain(mute).empty());
  CHECK(mute.next_timeout() == 10s);
}

TEST_CASE("PhoneDiscovery: same seed, same request id; bad configuration throws",
          "[cdp][discovery]") {
  Random a(42), b(42);
  PhoneDiscovery pa(phone_config(), a), pb(phone_config(), b);
  pa.start(0s);
  pb.start(0s);
  CHECK(pa.power_request_id() == pb.power_request_id());
  CHECK(drain(pa) == drain(pb));

  auto zero = phone_config();
  zero.mac = MacAddress{};
  CHECK_THROWS_AS(PhoneDiscovery(zero, a), std::invalid_argument);
  auto fast = phone_config();
  fast.cdp_fast_start = 0;
  CHECK_THROWS_AS(PhoneDiscovery(fast, a), std::invalid_argument);
  auto huge = phone_config();
  huge.platform = std::string(70000, 'x');
  CHECK_THROWS_AS(PhoneDiscovery(huge, a), std::invalid_argument);
}

}  // namespace voicelab::test
