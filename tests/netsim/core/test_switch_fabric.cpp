#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "netsim_test_util.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/netsim/switch_fabric.hpp"

using namespace voicelab;
using namespace voicelab::netsim;
using voicelab::netsim::test::FrameSpec;
using voicelab::netsim::test::make_frame;
using voicelab::netsim::test::RecordingPort;
using voicelab::netsim::test::tci;
using voicelab::netsim::test::tci_of;

namespace {

constexpr std::uint64_t mac_a = 0x020000000001ULL;
constexpr std::uint64_t mac_b = 0x020000000002ULL;
constexpr std::uint64_t mac_c = 0x020000000003ULL;
constexpr std::uint64_t cdp_mac = 0x01000ccccccc;
constexpr std::uint64_t lldp_mac = 0x0180c200000e;

class RecordingControl : public SwitchControlPlane {
 public:
  void on_control_frame(std::size_t port, const FrameRef& frame) override {
    frames.emplace_back(port,
                        std::vector<std::uint8_t>(frame.bytes().begin(), frame.bytes().end()));
  }
  void on_port_state(std::size_t port, bool up) override { states.emplace_back(port, up); }
  std::vector<std::pair<std::size_t, std::vector<std::uint8_t>>> frames;
  std::vector<std::pair<std::size_t, bool>> states;
};

// A switch with one recording NIC on every port.
struct Lab {
  explicit Lab(std::size_t ports, SwitchControlPlane* control = nullptr) : sw(sim, "sw1", ports) {
    if (control != nullptr) sw.set_control_plane(control);
    for (std::size_t i = 0; i < ports; ++i) {
      nics.push_back(std::make_unique<RecordingPort>(sim, "host" + std::to_string(i)));
      sim.connect(*nics[i], sw.port(i), LinkParams{.latency = 1us, .bandwidth_bps = 0});
    }
    sim.run();
  }
  // Sends a frame from the NIC on `port` and runs the network until idle.
  void send(std::size_t port, const FrameSpec& spec) {
    nics[port]->send(make_frame(spec));
    sim.run();
  }
  // Ports whose NIC received something since the last call (and forgets it).
  std::set<std::size_t> receivers() {
    std::set<std::size_t> r;
    for (std::size_t i = 0; i < nics.size(); ++i) {
      if (!nics[i]->received.empty()) r.insert(i);
    }
    return r;
  }
  void clear() {
    for (auto& n : nics) n->received.clear();
  }
  std::vector<std::uint8_t> only_frame(std::size_t port) {
    REQUIRE(nics[port]->received.size() == 1);
    return nics[port]->received[0].bytes;
  }

  Simulation sim{1};
  SwitchFabric sw;
  std::vector<std::unique_ptr<RecordingPort>> nics;
};

FrameSpec from_to(std::uint64_t src, std::uint64_t dst) {
  FrameSpec s;
  s.src = src;
  s.dst = dst;
  return s;
}

FrameSpec tagged(FrameSpec s, std::uint16_t tag) {
  s.tci = tag;
  return s;
}

}  // namespace

TEST_CASE("switch ports are named and found", "[switch]") {
  Simulation sim(1);
  SwitchFabric sw(sim, "access1", 3);
  CHECK(sw.port_count() == 3);
  CHECK(sw.port(0).name() == "access1:Gi1/0/1");
  CHECK(sw.interface_name(2) == "Gi1/0/3");
  CHECK(sw.find_port("Gi1/0/2") == std::optional<std::size_t>{1});
  CHECK(sw.find_port("access1:Gi1/0/3") == std::optional<std::size_t>{2});
  CHECK_FALSE(sw.find_port("Gi1/0/4"));
  CHECK_THROWS_AS(sw.port(3), std::out_of_range);

  SwitchFabric custom(sim, "core", std::vector<std::string>{"Te1/1/1", "Te1/1/2"});
  CHECK(custom.port(1).name() == "core:Te1/1/2");
}

TEST_CASE("configuration is validated", "[switch]") {
  Simulation sim(1);
  SwitchFabric sw(sim, "sw1", 2);
  CHECK_THROWS_AS(sw.configure(0, SwitchPortConfig::access(0)), std::invalid_argument);
  CHECK_THROWS_AS(sw.configure(0, SwitchPortConfig::access(4095)), std::invalid_argument);
  CHECK_THROWS_AS(sw.configure(0, SwitchPortConfig::access(10, 5000)), std::invalid_argument);
  CHECK_THROWS_AS(sw.configure(0, SwitchPortConfig::trunk(1, {10, 0})), std::invalid_argument);
  CHECK_THROWS_AS(sw.configure(2, SwitchPortConfig::access(10)), std::out_of_range);
  sw.configure(1, SwitchPortConfig::access(10, 100));
  CHECK(sw.config(1).access_vlan == 10);
  CHECK(sw.carries_vlan(1, 10));
  CHECK(sw.carries_vlan(1, 100));
  CHECK_FALSE(sw.carries_vlan(1, 1));
  CHECK(sw.carries_vlan(0, 1));
}

TEST_CASE("learning: unknown unicast floods, learned unicast goes to one port", "[switch]") {
  Lab lab(4);
  lab.send(0, from_to(mac_a, mac_b));
  CHECK(lab.receivers() == std::set<std::size_t>{1, 2, 3});
  lab.clear();

  lab.send(1, from_to(mac_b, mac_a));
  CHECK(lab.receivers() == std::set<std::size_t>{0});
  lab.clear();

  lab.send(0, from_to(mac_a, mac_b));
  CHECK(lab.receivers() == std::set<std::size_t>{1});
  lab.clear();

  CHECK(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_a)) == std::optional<std::size_t>{0});
  CHECK(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_b)) == std::optional<std::size_t>{1});
  CHECK_FALSE(lab.sw.lookup_mac(2, wire::MacAddress::from_u64(mac_a)));
  const auto table = lab.sw.mac_table();
  REQUIRE(table.size() == 2);
  CHECK(table[0].mac == wire::MacAddress::from_u64(mac_a));
  CHECK(table[0].vlan == 1);
  CHECK(table[0].port == 0);
  CHECK(table[1].port == 1);
  CHECK_FALSE(table[1].is_static);
  CHECK(lab.sw.counters().flooded == 1);
  CHECK(lab.sw.counters().unicast_forwarded == 2);
  CHECK(lab.sw.counters().mac_learned == 2);
  CHECK(lab.sw.port_counters(0).rx_frames == 2);
  CHECK(lab.sw.port_counters(1).tx_frames == 2);
  CHECK(lab.sim.frames().in_use() == 0);
}

TEST_CASE("broadcast floods to every other port of the VLAN only", "[switch]") {
  Lab lab(5);
  lab.sw.configure(0, SwitchPortConfig::access(10));
  lab.sw.configure(1, SwitchPortConfig::access(10));
  lab.sw.configure(2, SwitchPortConfig::access(20));
  lab.sw.configure(3, SwitchPortConfig::access(20));
  lab.send(0, from_to(mac_a, test::broadcast_mac));
  CHECK(lab.receivers() == std::set<std::size_t>{1});
  lab.clear();
  FrameSpec multicast = from_to(mac_c, 0x01005e000001ULL);
  lab.send(3, multicast);
  CHECK(lab.receivers() == std::set<std::size_t>{2});
  lab.clear();
  lab.send(4, from_to(mac_b, test::broadcast_mac));  // alone in VLAN 1
  CHECK(lab.receivers().empty());
  // The flooded frame is the very same bytes.
  lab.send(0, from_to(mac_a, test::broadcast_mac));
  CHECK(lab.only_frame(1) == make_frame(from_to(mac_a, test::broadcast_mac)));
}

TEST_CASE("a frame to a MAC learned on its ingress port is filtered", "[switch]") {
  Lab lab(3);
  lab.send(0, from_to(mac_a, mac_b));
  lab.clear();
  lab.send(0, from_to(mac_b, mac_c));  // b now learned on port 0 as well
  lab.clear();
  lab.send(0, from_to(mac_a, mac_b));
  CHECK(lab.receivers().empty());
  CHECK(lab.sw.counters().filtered == 1);
}

TEST_CASE("MAC entries move and age", "[switch]") {
  Lab lab(3);
  lab.sw.set_mac_aging(10s);
  lab.send(0, from_to(mac_a, mac_b));
  lab.clear();
  // a moves to port 2
  lab.send(2, from_to(mac_a, mac_b));
  lab.clear();
  CHECK(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_a)) == std::optional<std::size_t>{2});
  CHECK(lab.sw.counters().mac_moves == 1);

  lab.sim.run(lab.sim.now() + 5s);
  lab.send(1, from_to(mac_b, mac_a));
  CHECK(lab.receivers() == std::set<std::size_t>{2});  // still known
  lab.clear();

  lab.sim.run(lab.sim.now() + 11s);  // a not seen for 16 s, b for 11 s
  CHECK(lab.sw.mac_table().empty());
  CHECK(lab.sw.mac_table_size() == 0);
  lab.send(1, from_to(mac_b, mac_a));
  CHECK(lab.receivers() == std::set<std::size_t>{0, 2});  // flooded again
  lab.clear();
  CHECK(lab.sw.counters().mac_aged >= 1);
  lab.sim.run(lab.sim.now() + 11s);
  CHECK(lab.sw.age_mac_table() == 1);  // b, re-learned by the last frame
  CHECK(lab.sw.mac_table_size() == 0);

  // Static entries never age; flushing keeps them.
  lab.sw.add_static_mac(1, wire::MacAddress::from_u64(mac_c), 1);
  lab.send(0, from_to(mac_a, mac_c));
  lab.sim.run(lab.sim.now() + 1000s);
  lab.sw.flush_mac_table();
  CHECK(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_c)) == std::optional<std::size_t>{1});
  CHECK_FALSE(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_a)));
  lab.clear();
  lab.send(2, from_to(mac_c, mac_a));  // a static entry does not move
  CHECK(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_c)) == std::optional<std::size_t>{1});
}

TEST_CASE("the MAC table holds thousands of entries", "[switch]") {
  Lab lab(3);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    lab.nics[i % 2]->send(make_frame(from_to(0x020000100000ULL + i, mac_c)));
  }
  lab.sim.run();
  CHECK(lab.sw.mac_table_size() == 5000);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    REQUIRE(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(0x020000100000ULL + i)) ==
            std::optional<std::size_t>{i % 2});
  }
  lab.sw.flush_mac_table(0);
  CHECK(lab.sw.mac_table_size() == 2500);
  for (std::uint64_t i = 1; i < 5000; i += 2) {
    REQUIRE(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(0x020000100000ULL + i)) ==
            std::optional<std::size_t>{1});
  }
}

namespace {
// Port 0: phone (access 10, voice 100). 1: PC-only port (access 10). 2: trunk, all VLANs,
// native 1. 3: another phone. 4: a port in VLAN 100 only (untagged).
struct VoiceLab : Lab {
  VoiceLab() : Lab(5) {
    sw.configure(0, SwitchPortConfig::access(10, 100));
    sw.configure(1, SwitchPortConfig::access(10));
    sw.configure(2, SwitchPortConfig::trunk(1));
    sw.configure(3, SwitchPortConfig::access(10, 100));
    sw.configure(4, SwitchPortConfig::access(100));
  }
};
}  // namespace

TEST_CASE("a frame in the voice VLAN never reaches an access-VLAN-only port", "[switch][voice]") {
  VoiceLab lab;
  // The PC behind port 1 is known in VLAN 10 under mac_b.
  lab.send(1, from_to(mac_b, mac_c));
  lab.clear();

  // Voice broadcast, voice unicast to an unknown MAC, voice unicast to the PC's MAC (known only
  // in the data VLAN): none of them reaches port 1.
  for (std::uint64_t dst : {test::broadcast_mac, mac_c, mac_b}) {
    lab.send(0, tagged(from_to(mac_a, dst), tci(100, 5)));
    const auto r = lab.receivers();
    CHECK(r.count(1) == 0);
    CHECK(r == std::set<std::size_t>{2, 3, 4});
    lab.clear();
  }
  // Voice from the trunk, tagged 100: the phones get it tagged, the PC port nothing.
  lab.send(2, tagged(from_to(mac_c, test::broadcast_mac), tci(100)));
  CHECK(lab.receivers() == std::set<std::size_t>{0, 3, 4});
  lab.clear();
  CHECK(lab.sw.port_counters(1).tx_frames == 0);
}

TEST_CASE("egress tagging on access ports with a voice VLAN and on trunks", "[switch][voice]") {
  VoiceLab lab;
  const auto phone_voice = tagged(from_to(mac_a, test::broadcast_mac), tci(100, 5));

  SECTION("tagged voice keeps its tag and PCP; untagged on a VLAN 100 access port") {
    lab.send(0, phone_voice);
    CHECK(lab.only_frame(3) == make_frame(phone_voice));  // same bytes
    CHECK(lab.only_frame(2) == make_frame(phone_voice));
    FrameSpec untagged = phone_voice;
    untagged.tci.reset();
    CHECK(lab.only_frame(4) == make_frame(untagged));
  }
  SECTION("untagged data: untagged on access ports, tagged with PCP 0 on the trunk") {
    const auto data = from_to(mac_a, test::broadcast_mac);
    lab.send(0, data);
    CHECK(lab.only_frame(1) == make_frame(data));
    CHECK(lab.only_frame(3) == make_frame(data));
    CHECK(lab.only_frame(2) == make_frame(tagged(data, tci(10, 0))));
    CHECK(lab.receivers() == std::set<std::size_t>{1, 2, 3});
  }
  SECTION("voice from an untagged VLAN 100 access port gets tagged with PCP 0") {
    lab.send(4, from_to(mac_c, test::broadcast_mac));
    CHECK(tci_of(lab.only_frame(0)) == std::optional<std::uint16_t>{tci(100, 0)});
    CHECK(tci_of(lab.only_frame(3)) == std::optional<std::uint16_t>{tci(100, 0)});
    CHECK(tci_of(lab.only_frame(2)) == std::optional<std::uint16_t>{tci(100, 0)});
  }
  SECTION("priority-tagged frames belong to the access VLAN; PCP kept on the trunk") {
    FrameSpec prio = tagged(from_to(mac_a, test::broadcast_mac), tci(0, 5));
    prio.payload = 42;  // 60 bytes tagged: 56 once the tag is popped, padded back to 60
    lab.send(0, prio);
    const auto pc = lab.only_frame(1);
    CHECK(pc.size() == 60);
    CHECK_FALSE(tci_of(pc));
    FrameSpec expected = from_to(mac_a, test::broadcast_mac);
    expected.payload = 46;
    auto expected_bytes = make_frame(expected);
    std::fill(expected_bytes.begin() + 14 + 42, expected_bytes.end(), 0);  // zero padding
    CHECK(pc == expected_bytes);
    CHECK(tci_of(lab.only_frame(2)) == std::optional<std::uint16_t>{tci(10, 5)});
    CHECK(lab.only_frame(2).size() == 60);
  }
  SECTION("tagged data from the trunk is untagged on access ports") {
    const auto from_trunk = tagged(from_to(mac_c, test::broadcast_mac), tci(10, 3));
    lab.send(2, from_trunk);
    FrameSpec untagged = from_trunk;
    untagged.tci.reset();
    CHECK(lab.only_frame(0) == make_frame(untagged));
    CHECK(lab.only_frame(1) == make_frame(untagged));
    CHECK(lab.receivers() == std::set<std::size_t>{0, 1, 3});
  }
  SECTION("untagged frames on the trunk belong to the native VLAN") {
    lab.send(2, from_to(mac_c, test::broadcast_mac));
    CHECK(lab.receivers().empty());  // nobody else is in VLAN 1
    lab.sw.configure(1, SwitchPortConfig::access(1));
    lab.send(2, from_to(mac_c, test::broadcast_mac));
    CHECK(lab.receivers() == std::set<std::size_t>{1});
  }
  SECTION("an access port drops frames tagged with any other VLAN") {
    lab.send(0, tagged(from_to(mac_a, test::broadcast_mac), tci(20)));
    lab.send(1, tagged(from_to(mac_a, test::broadcast_mac), tci(100)));  // no voice VLAN there
    CHECK(lab.receivers().empty());
    CHECK(lab.sw.port_counters(0).rx_vlan_drops == 1);
    CHECK(lab.sw.port_counters(1).rx_vlan_drops == 1);
  }
  SECTION("known unicast in the voice VLAN goes tagged to the phone") {
    lab.send(0, phone_voice);  // phone learned in VLAN 100
    lab.clear();
    const auto reply = tagged(from_to(mac_c, mac_a), tci(100, 5));
    lab.send(2, reply);
    CHECK(lab.receivers() == std::set<std::size_t>{0});
    CHECK(lab.only_frame(0) == make_frame(reply));
  }
}

TEST_CASE("trunks with an allowed VLAN list and a native VLAN", "[switch]") {
  Lab lab(4);
  lab.sw.configure(0, SwitchPortConfig::trunk(99, {10, 20, 99}));
  lab.sw.configure(1, SwitchPortConfig::trunk(1, {10}));
  lab.sw.configure(2, SwitchPortConfig::access(20));
  lab.sw.configure(3, SwitchPortConfig::access(99));

  lab.send(0, tagged(from_to(mac_a, test::broadcast_mac), tci(10)));
  CHECK(lab.receivers() == std::set<std::size_t>{1});
  CHECK(tci_of(lab.only_frame(1)) == std::optional<std::uint16_t>{tci(10)});
  lab.clear();

  lab.send(0, tagged(from_to(mac_a, test::broadcast_mac), tci(20)));
  CHECK(lab.receivers() == std::set<std::size_t>{2});  // trunk 1 does not allow 20
  CHECK_FALSE(tci_of(lab.only_frame(2)));
  lab.clear();

  lab.send(0, tagged(from_to(mac_a, test::broadcast_mac), tci(30)));  // not allowed
  CHECK(lab.receivers().empty());
  CHECK(lab.sw.port_counters(0).rx_vlan_drops == 1);

  lab.send(0, from_to(mac_a, test::broadcast_mac));  // untagged: native 99
  CHECK(lab.receivers() == std::set<std::size_t>{3});
  lab.clear();
  lab.send(3, from_to(mac_c, test::broadcast_mac));  // back out untagged on the native VLAN
  CHECK(lab.receivers() == std::set<std::size_t>{0});
  CHECK_FALSE(tci_of(lab.only_frame(0)));
  lab.clear();
  lab.send(1, from_to(mac_c, test::broadcast_mac));  // native 1 is not allowed on trunk 1
  CHECK(lab.receivers().empty());
  CHECK(lab.sw.port_counters(1).rx_vlan_drops == 1);
}

TEST_CASE("SPAN copies both directions of the source ports, as on their wire", "[switch][span]") {
  Lab lab(5);
  lab.sw.configure(0, SwitchPortConfig::trunk(1));
  lab.sw.configure(1, SwitchPortConfig::access(10, 100));
  lab.sw.configure(2, SwitchPortConfig::access(10));
  lab.sw.configure(3, SwitchPortConfig::access(10));
  const auto id = lab.sw.add_span_session({.sources = {0}, .destination = 4});

  // Received on the trunk: mirrored tagged, as it was received.
  const auto in = tagged(from_to(mac_a, test::broadcast_mac), tci(10, 2));
  lab.send(0, in);
  CHECK(lab.only_frame(4) == make_frame(in));
  lab.clear();

  // Sent out of the trunk: mirrored as sent (tag pushed), exactly once although port 4 is in
  // the same VLAN (a SPAN destination is no flooding target).
  const auto out = from_to(mac_b, test::broadcast_mac);
  lab.send(2, out);
  CHECK(lab.receivers() == std::set<std::size_t>{0, 1, 3, 4});
  CHECK(lab.only_frame(4) == make_frame(tagged(out, tci(10))));
  CHECK(lab.only_frame(4) == lab.only_frame(0));
  lab.clear();

  // Traffic not touching the source port is not mirrored.
  lab.send(3, from_to(mac_c, mac_b));  // known unicast to port 2
  CHECK(lab.receivers() == std::set<std::size_t>{2});
  lab.clear();

  // What the destination port receives is discarded.
  lab.send(4, from_to(0x02000000aaaaULL, test::broadcast_mac));
  CHECK(lab.receivers().empty());
  CHECK(lab.sw.port_counters(4).rx_discards == 1);
  CHECK(lab.sw.port_counters(4).span_tx == 2);

  CHECK_THROWS_AS(lab.sw.add_span_session({.sources = {4}, .destination = 3}),
                  std::invalid_argument);
  CHECK_THROWS_AS(lab.sw.add_span_session({.sources = {1}, .destination = 0}),
                  std::invalid_argument);
  CHECK_THROWS_AS(lab.sw.add_span_session({.sources = {1}, .destination = 1}),
                  std::invalid_argument);

  lab.sw.remove_span_session(id);
  lab.sw.configure(4, SwitchPortConfig::access(10));
  lab.send(2, out);
  CHECK(lab.receivers() == std::set<std::size_t>{0, 1, 3, 4});
  CHECK_FALSE(tci_of(lab.only_frame(4)));  // an ordinary flood copy now
}

TEST_CASE("link-local control frames are punted, never flooded", "[switch][control]") {
  RecordingControl control;
  Lab lab(3, &control);
  lab.send(0, from_to(mac_a, cdp_mac));
  lab.send(1, from_to(mac_b, lldp_mac));
  lab.send(2, from_to(mac_c, 0x0180c2000000ULL));  // STP
  CHECK(lab.receivers().empty());
  REQUIRE(control.frames.size() == 3);
  CHECK(control.frames[0].first == 0);
  CHECK(control.frames[0].second == make_frame(from_to(mac_a, cdp_mac)));
  CHECK(control.frames[1].first == 1);
  CHECK(control.frames[2].first == 2);
  CHECK(lab.sw.port_counters(0).control_rx == 1);
  CHECK_FALSE(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_a)));  // no learning either

  // Just outside the reserved range: an ordinary multicast, flooded.
  lab.send(0, from_to(mac_a, 0x0180c2000010ULL));
  CHECK(lab.receivers() == std::set<std::size_t>{1, 2});
  lab.clear();

  // The control plane sends out of one port, unchanged (no tagging applied).
  lab.sw.configure(1, SwitchPortConfig::access(10, 100));
  const auto cdp = tagged(from_to(0x0200000000ffULL, cdp_mac), tci(100));
  lab.sw.send_control(1, lab.sim.frames().copy_of(make_frame(cdp)));
  lab.sim.run();
  CHECK(lab.receivers() == std::set<std::size_t>{1});
  CHECK(lab.only_frame(1) == make_frame(cdp));
  CHECK(lab.sw.port_counters(1).control_tx == 1);

  CHECK(SwitchFabric::is_control_address(make_frame(from_to(0, cdp_mac)).data()));
  CHECK_FALSE(SwitchFabric::is_control_address(make_frame(from_to(0, 0x01000cccccceULL)).data()));
}

TEST_CASE("control frames are dropped without a control plane", "[switch][control]") {
  Lab lab(2);
  lab.send(0, from_to(mac_a, cdp_mac));
  CHECK(lab.receivers().empty());
  CHECK(lab.sw.port_counters(0).control_rx == 1);
}

TEST_CASE("port state reaches the control plane; shutdown takes the link down",
          "[switch][control]") {
  RecordingControl control;
  Lab lab(2, &control);
  CHECK(control.states == std::vector<std::pair<std::size_t, bool>>{{0, true}, {1, true}});
  CHECK(lab.sw.port_up(0));
  control.states.clear();

  lab.send(1, from_to(mac_b, mac_a));  // b learned on port 1
  lab.clear();
  lab.sw.set_enabled(1, false);
  CHECK(control.states == std::vector<std::pair<std::size_t, bool>>{{1, false}});
  CHECK(lab.nics[1]->carrier_events.back() == false);
  CHECK_FALSE(lab.sw.port_up(1));
  CHECK_FALSE(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_b)));  // flushed
  lab.send(0, from_to(mac_a, mac_b));
  CHECK(lab.receivers().empty());
  lab.nics[1]->send(make_frame(from_to(mac_b, mac_a)));
  CHECK(lab.nics[1]->counters().tx_dropped == 1);

  control.states.clear();
  lab.sw.set_enabled(1, true);
  CHECK(control.states == std::vector<std::pair<std::size_t, bool>>{{1, true}});
  CHECK(lab.nics[1]->carrier_events.back() == true);
  lab.send(0, from_to(mac_a, mac_b));
  CHECK(lab.receivers() == std::set<std::size_t>{1});
  lab.clear();

  // A link failure is reported the same way.
  control.states.clear();
  lab.nics[0]->link()->set_up(false);
  CHECK(control.states == std::vector<std::pair<std::size_t, bool>>{{0, false}});
  lab.nics[0]->link()->set_up(true);
  CHECK(control.states == std::vector<std::pair<std::size_t, bool>>{{0, false}, {0, true}});
}

TEST_CASE("a port shut before it is connected keeps its link down", "[switch][control]") {
  Simulation sim(1);
  SwitchFabric sw(sim, "sw1", 1);
  SwitchPortConfig shut = SwitchPortConfig::access(10);
  shut.enabled = false;
  sw.configure(0, shut);
  RecordingPort nic(sim, "nic");
  sim.connect(nic, sw.port(0));
  sim.run();
  CHECK_FALSE(nic.carrier());
  CHECK_FALSE(sw.port_up(0));
  sw.set_enabled(0, true);
  CHECK(nic.carrier());
  CHECK(sw.port_up(0));
}

TEST_CASE("switching does not grow pools in steady state", "[switch]") {
  Lab lab(4);
  lab.sw.configure(0, SwitchPortConfig::access(10, 100));
  lab.sw.configure(1, SwitchPortConfig::trunk(1));
  lab.sw.configure(2, SwitchPortConfig::access(10, 100));
  lab.sw.configure(3, SwitchPortConfig::access(10));
  const auto voice = make_frame(tagged(from_to(mac_a, mac_b), tci(100, 5)));
  const auto back = make_frame(from_to(mac_b, mac_a));  // untagged: VLAN 1 on the trunk
  const auto voice_back = make_frame(tagged(from_to(mac_b, mac_a), tci(100)));
  const auto data = make_frame(from_to(mac_c, test::broadcast_mac));
  auto round = [&] {
    for (int i = 0; i < 50; ++i) {
      lab.nics[0]->send(voice);
      lab.nics[1]->send(voice_back);
      lab.nics[1]->send(back);
      lab.nics[3]->send(data);
    }
    lab.sim.run();
    lab.clear();
  };
  round();
  const auto frames = lab.sim.frames().capacity();
  const auto slots = lab.sim.scheduler().slot_capacity();
  for (int i = 0; i < 50; ++i) round();
  CHECK(lab.sim.frames().capacity() == frames);
  CHECK(lab.sim.scheduler().slot_capacity() == slots);
  CHECK(lab.sim.frames().in_use() == 0);
  CHECK(lab.sw.counters().unicast_forwarded > 5000);
}

TEST_CASE("removing a device takes its switch port down", "[switch][control]") {
  RecordingControl control;
  Lab lab(2, &control);
  lab.send(0, from_to(mac_a, mac_b));
  control.states.clear();
  lab.nics[0].reset();
  lab.sim.run();
  CHECK(control.states == std::vector<std::pair<std::size_t, bool>>{{0, false}});
  CHECK_FALSE(lab.sw.port_up(0));
  CHECK_FALSE(lab.sw.lookup_mac(1, wire::MacAddress::from_u64(mac_a)));
  lab.nics.erase(lab.nics.begin());
}
