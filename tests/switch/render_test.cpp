// The IOS-style text views, compared as whole strings.

#include "voicelab/switch/render.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/cdp/cdp.hpp"
#include "voicelab/switch/agent.hpp"

namespace voicelab::test {
namespace {

using namespace voicelab::access_switch;
using wire::MacAddress;

cdp::Pdu phone(std::string device, std::uint16_t request_id) {
  cdp::Pdu pdu;
  pdu.device_id = std::move(device);
  pdu.addresses = std::vector{cdp::Address::ipv4(wire::Ipv4Address{10, 1, 110, 23})};
  pdu.port_id = "Port 1";
  pdu.capabilities = cdp::capability::host | cdp::capability::voip_phone;
  pdu.software_version = "sip88xx.14-2-1-0001-14";
  pdu.platform = "Cisco IP Phone 8861";
  pdu.duplex = cdp::duplex::full;
  pdu.voip_vlan_query = cdp::VoipVlan{1, 110, {}};
  pdu.power_consumption_mw = 12900;
  pdu.power_requested = cdp::PowerRequested{request_id, 2, {12900}};
  return pdu;
}

// Four ports: Gi1/0/1 a phone (12.9 W after CDP), Gi1/0/2 refused, Gi1/0/3 empty, Gi1/0/4 an
// IEEE PD without CDP; and an uplink switch heard on Gi1/0/3.
SwitchAgent lab_agent() {
  SwitchConfig c;
  c.port_count = 4;
  c.poe_budget_mw = 32000;
  c.default_port = PortConfig::access(10, 110);
  SwitchAgent a(c);
  a.handle_pd_detected(0s, 0, 3);
  a.handle_pd_detected(0s, 3, 2);
  a.handle_pd_detected(0s, 1, 3);  // 15.4 + 7.0 + 15.4 > 32: refused
  a.handle_timeout(1s);
  a.handle_port_state(1s, 0, true);
  a.handle_frame(
      2s, 0, cdp::encode_frame(phone("SEP00AABBCC0001", 4711), MacAddress::from_u64(1)).value());
  a.handle_port_state(1s, 2, true);
  cdp::Pdu uplink;
  uplink.device_id = "dist1.lab.example";
  uplink.addresses = std::vector{cdp::Address::ipv4(wire::Ipv4Address{10, 1, 1, 1}),
                                 cdp::Address::ipv4(wire::Ipv4Address{10, 1, 1, 2})};
  uplink.port_id = "TenGigabitEthernet1/1/1";
  uplink.capabilities =
      cdp::capability::router | cdp::capability::l2_switch | cdp::capability::igmp;
  uplink.software_version = "Cisco IOS XE Software, Version 17.9.4";
  uplink.platform = "cisco C9500-24Y4C";
  uplink.native_vlan = 1;
  uplink.duplex = cdp::duplex::full;
  uplink.ttl = 120;
  a.handle_frame(3s, 2, cdp::encode_frame(uplink, MacAddress::from_u64(2)).value());
  return a;
}

}  // namespace

TEST_CASE("render: show power inline", "[switch][render]") {
  const SwitchAgent a = lab_agent();
  const std::string expected =
      "PoE on access1 (WS-C3850-48P)\n"
      "  Budget 32.0 W, allocated 19.9 W, remaining 12.1 W\n"
      "\n"
      "Port        Admin  Oper        Watts  Class    Max  Device\n"
      "----------  -----  ----------  -----  -----  -----  --------------------\n"
      "Gi1/0/1     auto   on           12.9  3       30.0  SEP00AABBCC0001\n"
      "Gi1/0/2     auto   power-deny    0.0  3       30.0  IEEE PD\n"
      "Gi1/0/3     auto   off           0.0  n/a     30.0  dist1.lab.example\n"
      "Gi1/0/4     auto   on            7.0  2       30.0  IEEE PD\n";
  CHECK(render_power_inline(a) == expected);
}

TEST_CASE("render: show cdp neighbors detail", "[switch][render]") {
  const SwitchAgent a = lab_agent();
  const std::string expected =
      "============================================================\n"
      "GigabitEthernet1/0/1 <-> SEP00AABBCC0001\n"
      "  Remote port   : Port 1\n"
      "  Platform      : Cisco IP Phone 8861\n"
      "  Capabilities  : Host Phone\n"
      "  IP addresses  : 10.1.110.23\n"
      "  Software      : sip88xx.14-2-1-0001-14\n"
      "  CDP version   : 2\n"
      "  Holdtime left : 177 s\n"
      "  Duplex        : full\n"
      "  VoIP VLAN     : query (VLAN 110)\n"
      "  Power drawn   : 12.900 W\n"
      "  Power request : id 4711, management id 2, levels (mW) 12900\n"
      "============================================================\n"
      "GigabitEthernet1/0/3 <-> dist1.lab.example\n"
      "  Remote port   : TenGigabitEthernet1/1/1\n"
      "  Platform      : cisco C9500-24Y4C\n"
      "  Capabilities  : Router Switch IGMP\n"
      "  IP addresses  : 10.1.1.1, 10.1.1.2\n"
      "  Software      : Cisco IOS XE Software, Version 17.9.4\n"
      "  CDP version   : 2\n"
      "  Holdtime left : 118 s\n"
      "  Duplex        : full\n"
      "  Native VLAN   : 1\n"
      "============================================================\n"
      "2 CDP neighbors on access1\n";
  CHECK(render_cdp_neighbors_detail(a, 5s) == expected);

  SwitchConfig empty;
  empty.port_count = 2;
  CHECK(render_cdp_neighbors_detail(SwitchAgent(empty), 0s) == "No CDP neighbors on access1.\n");
}

TEST_CASE("render: show cdp neighbors", "[switch][render]") {
  const SwitchAgent a = lab_agent();
  const std::string expected =
      "Capabilities: R router, T trans-bridge, B sr-bridge, S switch, H host, I IGMP, P phone\n"
      "\n"
      "Neighbor                Local port  Hold  Caps      Platform                Remote port\n"
      "SEP00AABBCC0001         Gi1/0/1     177   H P       Cisco IP Phone 8861     Port 1\n"
      "dist1.lab.example       Gi1/0/3     118   R S I     cisco C9500-24Y4C       "
      "TenGigabitEthernet1/1/1\n"
      "\n"
      "2 CDP neighbors\n";
  CHECK(render_cdp_neighbors(a, 5s) == expected);
  CHECK(cdp_capability_words(0) == "none");
  CHECK(cdp_capability_words(0x490) == "Host Phone Two-Port-MAC-Relay");
}

}  // namespace voicelab::test
