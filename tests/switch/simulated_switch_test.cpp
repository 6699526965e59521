// SimulatedSwitch on netsim with phones (netsim::Host + cdp::PhoneDiscovery): PoE power-up or
// refusal, CDP/LLDP-MED, the phone moving into the voice VLAN, and proof on the wire that its
// frames then belong to the voice VLAN (a broadcast reaches a host in the voice VLAN and not one
// that is only in the access VLAN). Run-time configuration changes included.

#include "voicelab/switch/simulated_switch.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "phone_harness.hpp"
#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/simulation.hpp"

namespace voicelab::test {
namespace {

using namespace voicelab::access_switch;
using cdp::DiscoveryEventKind;
using wire::MacAddress;

constexpr std::uint16_t data_vlan = 10;
constexpr std::uint16_t voice_vlan = 110;
constexpr std::uint16_t listen_port = 9999;

cdp::PhoneDiscoveryConfig phone_config(std::uint64_t n) {
  cdp::PhoneDiscoveryConfig c;
  c.mac = MacAddress::from_u64(0x00aabbcc0000 + n);
  c.software_version = "sip88xx.14-2-1-0001-14";
  c.power_requested_mw = 12900;
  return c;
}

// A host on one access port that counts the UDP broadcasts it hears.
class Listener {
 public:
  Listener(netsim::Simulation& sim, std::string name, std::uint64_t mac) : host_(sim, name) {
    host_.add_port(MacAddress::from_u64(mac));
    host_.add_interface(0);
    socket_ =
        host_
            .udp_bind(listen_port, [this](const netsim::UdpReceiveInfo&, wire::Bytes) { ++heard_; })
            .value();
  }
  netsim::Host& host() { return host_; }
  [[nodiscard]] int heard() const { return heard_; }

 private:
  netsim::Host host_;
  netsim::UdpSocket socket_;
  int heard_ = 0;
};

// Port 1 (index 0..3): phones; Gi1/0/5 a host in the voice VLAN, Gi1/0/6 a host only in the
// access VLAN, Gi1/0/7 a host in VLAN 120 (for the change test).
struct Lab {
  explicit Lab(SwitchConfig config) : sw(sim, std::move(config)) {
    sw.configure_port(4, PortConfig::access(voice_vlan));
    sw.configure_port(5, PortConfig::access(data_vlan));
    sw.configure_port(6, PortConfig::access(120));
    sw.connect(4, voice_host.host().port(0));
    sw.connect(5, data_host.host().port(0));
    sw.connect(6, vlan120_host.host().port(0));
  }
  TestPhone& plug_phone(std::size_t port, std::uint8_t poe_class = 3) {
    auto phone = std::make_unique<TestPhone>(sim, "phone" + std::to_string(port + 1),
                                             phone_config(port + 1));
    TestPhone& p = *phone;
    phones.push_back(std::move(phone));
    sw.connect_powered_host(port, p.host(), 0, poe_class, [&p](bool on) { p.power(on); });
    return p;
  }
  // The phone sends one UDP broadcast from its interface (whatever VLAN it is in now).
  void broadcast_from(TestPhone& phone) {
    auto socket = phone.host().udp_bind(5000, {}).value();
    const std::uint8_t payload[] = {'h', 'i'};
    REQUIRE_FALSE(socket.send_to({wire::Ipv4Address::broadcast(), listen_port}, payload,
                                 {phone.interface_id(), {}}));
    sim.run_for(10ms);
    socket.close();
  }

  netsim::Simulation sim{1};
  SimulatedSwitch sw;
  Listener voice_host{sim, "voice-host", 0x020000000005};
  Listener data_host{sim, "data-host", 0x020000000006};
  Listener vlan120_host{sim, "vlan120-host", 0x020000000007};
  std::vector<std::unique_ptr<TestPhone>> phones;
};

SwitchConfig lab_switch() {
  SwitchConfig c;
  c.port_count = 8;
  c.default_port = PortConfig::access(data_vlan, voice_vlan);
  return c;
}

std::vector<DiscoveryEventKind> kinds(const TestPhone& p) {
  std::vector<DiscoveryEventKind> out;
  for (const auto& e : p.events()) out.push_back(e.kind);
  return out;
}

}  // namespace

TEST_CASE("SimulatedSwitch: a phone is powered, learns the voice VLAN over CDP and tags with it",
          "[switch][netsim]") {
  Lab lab(lab_switch());
  TestPhone& phone = lab.plug_phone(0);

  lab.sim.run_for(500ms);  // detecting: no power yet, no link
  CHECK_FALSE(phone.host().up());
  CHECK(lab.sw.agent().poe_status(0).oper == PoeOper::detecting);
  CHECK_FALSE(lab.sw.fabric().port_up(0));

  lab.sim.run_for(1500ms);  // powered at 1 s
  CHECK(phone.host().up());
  CHECK(lab.sw.powered(0));
  CHECK(lab.sw.agent().poe_status(0).oper == PoeOper::on);
  CHECK(lab.sw.fabric().port_up(0));

  // The phone heard the switch and asked for 12.9 W; it tags with VLAN 110 now.
  CHECK(phone.discovery().voice_vlan() == std::uint16_t{voice_vlan});
  CHECK(phone.interface_vlan() == std::uint16_t{voice_vlan});
  const auto& ev = phone.events();
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].kind == DiscoveryEventKind::neighbor_seen);
  CHECK(ev[0].detail == "access1 port GigabitEthernet1/0/1 (cisco WS-C3850-48P)");
  CHECK(ev[1].kind == DiscoveryEventKind::voice_vlan_learned);
  CHECK(ev[1].source == "CDP");
  CHECK(ev[1].at > 1s);
  CHECK(ev[1].at < 1001ms);  // the link-up CDP, one link delay after power-up
  CHECK(ev[2].kind == DiscoveryEventKind::power_negotiated);
  CHECK(ev[2].power_mw == 12900);
  CHECK(lab.sw.agent().poe_status(0).allocated_mw == 12900);
  REQUIRE(lab.sw.agent().neighbors(0).size() == 1);
  CHECK(lab.sw.agent().neighbors(0)[0].device_id == "SEP00AABBCC0001");

  // On the wire: the phone's broadcast belongs to VLAN 110.
  lab.broadcast_from(phone);
  CHECK(lab.voice_host.heard() == 1);
  CHECK(lab.data_host.heard() == 0);
  CHECK(lab.vlan120_host.heard() == 0);

  // The switch's log tells the story.
  const auto& log = lab.sw.log();
  REQUIRE(log.size() >= 6);
  CHECK(log[0].find("%CONFIG-5-PORT: GigabitEthernet1/0/5 voice VLAN 110 -> none") !=
        std::string::npos);
  const auto has = [&log](std::string_view what) {
    for (const auto& line : log) {
      if (line.find(what) != std::string::npos) return true;
    }
    return false;
  };
  CHECK(
      has("00:00:00.000: access1 %POE-6-DETECT: GigabitEthernet1/0/1 powered device "
          "detected (IEEE class 3)"));
  CHECK(
      has("00:00:01.000: access1 %POE-5-ON: GigabitEthernet1/0/1 power on, 15.4 W allocated "
          "(class 3)"));
  CHECK(has("%PORT-5-UP: GigabitEthernet1/0/1 link up"));
  CHECK(has("%POE-6-ALLOCATION: GigabitEthernet1/0/1 allocation 15.4 W -> 12.9 W"));
}

TEST_CASE("SimulatedSwitch: CDP disabled on the port leaves the phone untagged in the access VLAN",
          "[switch][netsim]") {
  Lab lab(lab_switch());
  lab.sw.set_cdp_enabled(0, false);
  TestPhone& phone = lab.plug_phone(0);
  lab.sim.run_for(12s);
  CHECK(phone.host().up());
  CHECK_FALSE(phone.discovery().voice_vlan().has_value());
  CHECK_FALSE(phone.interface_vlan().has_value());
  CHECK(kinds(phone) == std::vector<DiscoveryEventKind>{DiscoveryEventKind::no_voice_vlan});
  CHECK(phone.events()[0].at == 11s);  // powered at 1 s, waited 10 s
  CHECK(lab.sw.agent().neighbors(0).empty());
  CHECK(lab.sw.agent().poe_status(0).allocated_mw == 15400);  // no CDP: class allocation stays

  lab.broadcast_from(phone);
  CHECK(lab.data_host.heard() == 1);
  CHECK(lab.voice_host.heard() == 0);
}

TEST_CASE("SimulatedSwitch: LLDP-MED alone gives the phone its voice VLAN", "[switch][netsim]") {
  auto config = lab_switch();
  config.cdp_run = false;
  config.lldp_run = true;
  Lab lab(config);
  TestPhone& phone = lab.plug_phone(0);
  lab.sim.run_for(3s);
  CHECK(phone.discovery().voice_vlan() == std::uint16_t{voice_vlan});
  CHECK(phone.discovery().voice_vlan_source() == "LLDP-MED");
  CHECK(phone.interface_vlan() == std::uint16_t{voice_vlan});
  REQUIRE(lab.sw.agent().neighbors(0).size() == 1);
  CHECK(lab.sw.agent().neighbors(0)[0].protocol == NeighborProtocol::lldp);
  // Extended Power-via-MDI set the allocation to what the phone asked for.
  CHECK(lab.sw.agent().poe_status(0).allocated_mw == 12900);
  lab.broadcast_from(phone);
  CHECK(lab.voice_host.heard() == 1);
  CHECK(lab.data_host.heard() == 0);
}

TEST_CASE("SimulatedSwitch: a voice VLAN change reaches the phone at the next advertisement",
          "[switch][netsim]") {
  Lab lab(lab_switch());
  TestPhone& phone = lab.plug_phone(0);
  lab.sim.run_for(20s);
  REQUIRE(phone.interface_vlan() == std::uint16_t{voice_vlan});

  lab.sw.set_voice_vlan(0, 120);  // at 20 s
  lab.sim.run_for(40s);           // 60 s: the switch's next periodic CDP is at 61 s
  CHECK(phone.interface_vlan() == std::uint16_t{voice_vlan});
  lab.sim.run_for(2s);  // 62 s
  CHECK(phone.interface_vlan() == std::uint16_t{120});
  const auto& last = phone.events().back();
  CHECK(last.kind == DiscoveryEventKind::voice_vlan_changed);
  CHECK(last.at > 61s);
  CHECK(last.at < 61001ms);
  CHECK(last.detail == "was 110");

  lab.broadcast_from(phone);
  CHECK(lab.vlan120_host.heard() == 1);
  CHECK(lab.voice_host.heard() == 0);
  CHECK(lab.data_host.heard() == 0);
}

TEST_CASE("SimulatedSwitch: an exhausted PoE budget refuses a phone, which never boots",
          "[switch][netsim][poe]") {
  auto config = lab_switch();
  config.poe_budget_mw = 20000;
  Lab lab(config);
  TestPhone& first = lab.plug_phone(0);
  TestPhone& second = lab.plug_phone(1);
  lab.sim.run_for(30s);
  CHECK(first.host().up());
  CHECK(first.interface_vlan() == std::uint16_t{voice_vlan});
  CHECK(lab.sw.agent().poe_status(1).oper == PoeOper::power_deny);
  CHECK_FALSE(second.host().up());
  CHECK(second.power_changes() == 0);
  CHECK(second.events().empty());
  CHECK_FALSE(lab.sw.fabric().port_up(1));
  CHECK(lab.sw.agent().neighbors(1).empty());
  // The first phone's CDP request lowered its allocation to 12.9 W, still not enough for 15.4 W.
  CHECK(lab.sw.agent().poe_summary().used_mw == 12900);

  // More budget at run time: the second phone powers up and registers its VLAN.
  lab.sw.set_poe_budget(40000);
  lab.sim.run_for(3s);
  CHECK(second.host().up());
  CHECK(second.interface_vlan() == std::uint16_t{voice_vlan});
  CHECK(lab.sw.agent().poe_status(1).oper == PoeOper::on);
}

TEST_CASE("SimulatedSwitch: run-time CDP off, shutdown and unplugging", "[switch][netsim]") {
  Lab lab(lab_switch());
  TestPhone& phone = lab.plug_phone(0);
  lab.sim.run_for(5s);
  REQUIRE(lab.sw.agent().neighbors(0).size() == 1);

  // CDP off on the port: the switch stops reading the phone, its entry ages out 180 s after the
  // last CDP it took (the phone's second fast-start CDP at 2 s), the phone keeps its VLAN.
  lab.sw.set_cdp_enabled(0, false);
  std::optional<Time> expired_at;
  lab.sw.set_event_handler([&](const Event& e) {
    if (e.kind == EventKind::neighbor_expired) expired_at = e.at;
  });
  lab.sim.run_for(200s);
  REQUIRE(expired_at.has_value());
  CHECK(*expired_at > 182s);
  CHECK(*expired_at < 182001ms);
  CHECK(phone.interface_vlan() == std::uint16_t{voice_vlan});

  // Shutdown takes the power away; no shutdown brings it back after the power-up delay.
  lab.sw.set_shutdown(0, true);
  CHECK_FALSE(phone.host().up());
  CHECK(lab.sw.agent().poe_status(0).oper == PoeOper::off);
  CHECK_FALSE(phone.interface_vlan().has_value());
  lab.sim.run_for(5s);
  lab.sw.set_shutdown(0, false);
  CHECK_FALSE(lab.sw.fabric().port_up(0));  // no link until the phone has power
  lab.sim.run_for(500ms);
  CHECK_FALSE(phone.host().up());
  lab.sim.run_for(1s);
  CHECK(phone.host().up());
  CHECK(lab.sw.fabric().port_up(0));

  // Pulling the cable: power off, link down, power back in the budget.
  lab.sw.detach_powered_device(0);
  CHECK_FALSE(phone.host().up());
  CHECK_FALSE(lab.sw.fabric().port_up(0));
  CHECK(lab.sw.agent().poe_summary().used_mw == 0);
  CHECK(lab.sw.agent().poe_status(0).oper == PoeOper::off);
}

}  // namespace voicelab::test
