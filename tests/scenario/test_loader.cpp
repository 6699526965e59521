#include <chrono>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include "voicelab/scenario/loader.hpp"

using namespace voicelab;
using namespace voicelab::scenario;
using wire::Ipv4Address;

namespace {

LoadResult load(std::string_view text) { return load_scenario_text(text, "test.json"); }

std::string all_diagnostics(const LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.to_string() + "\n";
  return out;
}

// The one diagnostic containing `needle` (fails the test when there is none).
const Diagnostic& find_diagnostic(const LoadResult& r, std::string_view needle) {
  for (const auto& d : r.diagnostics) {
    if (d.to_string().find(needle) != std::string::npos) return d;
  }
  FAIL("no diagnostic contains \"" << needle << "\"; got:\n" << all_diagnostics(r));
  throw std::logic_error("unreachable");
}

const Scenario& ok(const LoadResult& r) {
  INFO(all_diagnostics(r));
  REQUIRE(r.ok());
  return *r.scenario;
}

}  // namespace

TEST_CASE("the smallest scenario is one phone; defaults fill the lab", "[loader]") {
  const auto r = load(R"({"phones": [{"mac": "00:11:22:33:44:55"}]})");
  const Scenario& s = ok(r);
  CHECK(r.diagnostics.empty());
  CHECK(s.name == "test");
  CHECK(s.seed == 1);
  CHECK(s.time_limit == std::chrono::minutes(10));

  // One access switch: 48 PoE ports with data VLAN 10 and voice VLAN 100, 4 uplinks, SVIs.
  REQUIRE(s.switches.size() == 1);
  const Switch& sw = s.switches[0];
  CHECK(sw.name == "access1");
  CHECK(sw.role == SwitchRole::access);
  CHECK(sw.ports.size() == 52);
  CHECK(sw.ports[0].name == "Gi1/0/1");
  CHECK(sw.ports[0].access_vlan == 10);
  CHECK(sw.ports[0].voice_vlan == std::optional<std::uint16_t>{100});
  CHECK(sw.ports[0].poe);
  CHECK(sw.ports[48].name == "Te1/1/1");
  CHECK(sw.ports[48].uplink);
  CHECK(sw.poe.enabled);
  CHECK(sw.cdp.interval == 60s);
  REQUIRE(sw.svis.size() == 3);
  CHECK(sw.svis[1].vlan == 100);
  CHECK(sw.svis[1].address.to_string() == "10.100.0.1/24");
  REQUIRE(sw.svis[1].helper_addresses.size() == 1);
  CHECK(sw.svis[1].helper_addresses[0] == Ipv4Address{10, 1, 1, 10});
  CHECK(sw.svis[2].vlan == 50);
  CHECK(sw.svis[2].helper_addresses.empty());  // the server LAN needs no relay

  // Servers in VLAN 50 on the highest ports.
  REQUIRE(s.dhcp_servers.size() == 1);
  const auto& dhcp = s.dhcp_servers[0];
  CHECK(dhcp.name == "dhcp1");
  CHECK(dhcp.host.address.to_string() == "10.1.1.10/24");
  CHECK(dhcp.host.gateway == Ipv4Address{10, 1, 1, 1});
  CHECK(dhcp.host.vlan == 50);
  CHECK(dhcp.host.port.to_string() == "access1:Gi1/0/48");
  CHECK(sw.ports[47].access_vlan == 50);
  CHECK_FALSE(sw.ports[47].voice_vlan.has_value());
  REQUIRE(dhcp.scopes.size() == 2);
  CHECK(dhcp.scopes[0].name == "vlan10");
  CHECK(dhcp.scopes[0].tftp_servers.empty());
  const DhcpScope& voice = dhcp.scopes[1];
  CHECK(voice.name == "vlan100");
  CHECK(voice.subnet.to_string() == "10.100.0.0/24");
  CHECK(voice.range_first == Ipv4Address{10, 100, 0, 11});
  CHECK(voice.range_last == Ipv4Address{10, 100, 0, 254});
  CHECK(voice.router == std::optional<Ipv4Address>{Ipv4Address{10, 100, 0, 1}});
  CHECK(voice.dns_servers == std::vector<Ipv4Address>{Ipv4Address{10, 1, 1, 53}});
  CHECK(voice.tftp_servers == std::vector<Ipv4Address>{Ipv4Address{10, 1, 1, 11}});  // option 150
  CHECK(voice.domain == "voicelab.test");
  REQUIRE(s.dns.servers.size() == 1);
  CHECK(s.dns.servers[0].host.port.to_string() == "access1:Gi1/0/47");

  // CUCM: publisher with TFTP, one subscriber with CallManager, A records for both.
  REQUIRE(s.cucm.nodes.size() == 2);
  CHECK(s.cucm.nodes[0].name == "cucm-pub");
  CHECK(s.cucm.nodes[0].publisher);
  CHECK(s.cucm.nodes[0].tftp);
  CHECK_FALSE(s.cucm.nodes[0].callmanager);
  CHECK(s.cucm.nodes[1].name == "cucm-sub1");
  CHECK(s.cucm.nodes[1].callmanager);
  CHECK(s.cucm.nodes[1].hostname == "cucm-sub1.voicelab.test");
  REQUIRE(s.dns.records.size() == 2);
  CHECK(s.dns.records[0].name == "cucm-pub.voicelab.test");
  CHECK(s.dns.records[0].address == Ipv4Address{10, 1, 1, 11});

  // The device database: Default pool and group, the phone's device with line 1001.
  const Database& db = s.cucm.database;
  CHECK(db.security_mode == SecurityMode::non_secure);
  CHECK_FALSE(db.autoregistration.enabled);
  REQUIRE(db.cm_groups.size() == 1);
  CHECK(db.cm_groups[0].nodes == std::vector<std::string>{"cucm-sub1"});
  REQUIRE(db.device_pools.size() == 1);
  CHECK(db.device_pools[0].cm_group == "Default");
  CHECK(db.default_load("CP-8861") == std::optional<std::string>{"sip88xx.12-8-1-0001-455"});
  REQUIRE(db.devices.size() == 1);
  const Device& dev = db.devices[0];
  CHECK(dev.name == "SEP001122334455");
  CHECK(dev.model == "CP-8861");
  CHECK(dev.device_pool == "Default");
  REQUIRE(dev.lines.size() == 1);
  CHECK(dev.lines[0].dn == "1001");
  CHECK(dev.lines[0].button == 1);

  REQUIRE(s.phones.size() == 1);
  const Phone& phone = s.phones[0];
  CHECK(phone.device == "SEP001122334455");
  CHECK(phone.model == "CP-8861");
  CHECK(phone.port.to_string() == "access1:Gi1/0/1");
  CHECK(phone.provisioned);
  CHECK(phone.active_load == "sip88xx.12-8-1-0001-455");
  CHECK(phone.power == PowerSource::poe);
  CHECK(s.find_phone("SEP001122334455") == std::optional<std::size_t>{0});
  CHECK(s.find_phone("0011.2233.4455") == std::optional<std::size_t>{0});
  CHECK(s.find_phone("sep001122334455") == std::optional<std::size_t>{0});
  CHECK_FALSE(s.find_phone("SEP001122334456").has_value());
}

TEST_CASE("an empty object is a valid scenario too", "[loader]") {
  const auto r = load("{}");
  const Scenario& s = ok(r);
  CHECK(s.phones.empty());
  CHECK(s.switches.size() == 1);
}

TEST_CASE("unknown keys are reported at the key with a suggestion", "[loader]") {
  const auto r = load(
      "{\n"
      "  \"phones\": [\n"
      "    {\"mac\": \"00:11:22:33:44:55\", \"modle\": \"8861\"}\n"
      "  ]\n"
      "}\n");
  CHECK_FALSE(r.ok());
  const auto& d = find_diagnostic(r, "modle");
  CHECK_THAT(d.to_string(),
             Catch::StartsWith("test.json:3:34: /phones/0/modle: unknown key \"modle\" in a phone "
                               "(did you mean \"model\"?); expected one of: "));
}

TEST_CASE("wrong types say what was expected and what was found", "[loader]") {
  const auto r = load("{\n  \"seed\": \"1\",\n  \"time_limit\": 30,\n  \"phones\": {}\n}");
  CHECK(find_diagnostic(r, "/seed").to_string() ==
        "test.json:2:11: /seed: expected an integer, got string \"1\"");
  CHECK(find_diagnostic(r, "/time_limit").to_string() ==
        "test.json:3:17: /time_limit: expected a duration such as \"250ms\", \"30s\", \"2m\" or "
        "\"1m30s\", got "
        "number 30: durations need a unit");
  CHECK(find_diagnostic(r, "/phones").to_string() ==
        "test.json:4:13: /phones: expected an array, got an object");
  // Every problem is reported, in document order.
  REQUIRE(r.diagnostics.size() == 3);
  CHECK(r.diagnostics[0].pointer == "/seed");
  CHECK(r.diagnostics[2].pointer == "/phones");
}

TEST_CASE("invalid JSON gives the position of the syntax error", "[loader]") {
  const auto r = load("{\n  \"seed\": 1,\n}\n");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK_THAT(r.diagnostics[0].to_string(), Catch::StartsWith("test.json:3:1: /: invalid JSON: "));
  CHECK_THAT(load("[1, 2]").diagnostics.at(0).to_string(),
             Catch::Equals("test.json:1:1: /: expected the scenario (an object), got an array"));
}

TEST_CASE("duplicate keys are errors", "[loader]") {
  const auto r = load("{\"seed\": 1,\n \"seed\": 2}");
  CHECK(find_diagnostic(r, "duplicate").to_string() ==
        "test.json:2:2: /seed: duplicate key (first at line 1, column 2); JSON keeps only the last "
        "one");
}

TEST_CASE("dangling references name what exists", "[loader]") {
  SECTION("a phone on a port that does not exist") {
    const auto r =
        load(R"({"phones": [{"mac": "00:11:22:33:44:55", "attach": "access1:Gi1/0/99"}]})");
    CHECK(find_diagnostic(r, "no port").to_string() ==
          "test.json:1:52: /phones/0/attach: switch access1 has no port \"Gi1/0/99\" (did you mean "
          "\"Gi1/0/9\"?); "
          "its ports: Gi1/0/1 .. Te1/1/4");
  }
  SECTION("a phone on a switch that does not exist") {
    const auto r =
        load(R"({"phones": [{"mac": "00:11:22:33:44:55", "attach": "acess1:Gi1/0/1"}]})");
    CHECK_THAT(find_diagnostic(r, "no switch").to_string(),
               Catch::Contains(
                   "no switch named \"acess1\" (did you mean \"access1\"?); switches: access1"));
  }
  SECTION("a line on no device") {
    const auto r = load(R"({
      "phones": [{"mac": "00:11:22:33:44:55"}],
      "cucm": {"database": {"lines": [{"dn": "2000", "device": "SEP001122334456"}]}}
    })");
    CHECK(find_diagnostic(r, "on no device").to_string() ==
          "test.json:3:64: /cucm/database/lines/0/device: line 2000 is on no device: there is no "
          "device "
          "\"SEP001122334456\" (did you mean \"SEP001122334455\"?) (devices: SEP001122334455)");
  }
  SECTION("a device pool, a group, a node and a link that do not exist") {
    const auto r = load(R"({
      "cucm": {"database": {
        "device_pools": [{"name": "HQ", "callmanager_group": "Primary"}],
        "callmanager_groups": [{"name": "Main", "nodes": ["cucm-sub9"]}]
      }},
      "timeline": [{"at": "1s", "action": "link_down", "link": "wan1"}],
      "expect": [{"registered_with": "cucm-sub2"}]
    })");
    find_diagnostic(r, "no CallManager group named \"Primary\"");
    find_diagnostic(r, "no CUCM node named \"cucm-sub9\"");
    find_diagnostic(r, "no link \"wan1\"");
    find_diagnostic(r, "no CUCM node named \"cucm-sub2\"");
  }
  SECTION("two ports used twice") {
    const auto r = load(R"({"phones": [
      {"mac": "00:11:22:33:44:55", "attach": "access1:Gi1/0/3"},
      {"mac": "00:11:22:33:44:56", "attach": "access1:Gi1/0/3"}]})");
    CHECK_THAT(
        find_diagnostic(r, "already used").to_string(),
        Catch::Contains(
            "/phones/1/attach: port access1:Gi1/0/3 is already used by phone SEP001122334455"));
  }
}

TEST_CASE("impossible values are refused", "[loader]") {
  const auto check = [](std::string_view text, std::string_view pointer, std::string_view message) {
    const auto r = load(text);
    INFO(text);
    CHECK_FALSE(r.ok());
    const auto& d = find_diagnostic(r, message);
    CHECK(d.pointer == pointer);
    CHECK(d.position.has_value());
  };
  check(R"({"topology": {"switches": [{"vlans": [5000]}]}})", "/topology/switches/0/vlans/0",
        "VLAN 5000 is out of range: expected 1 to 4094");
  check(R"({"topology": {"switches": [{"name": "a"}, {"name": "b", "role": "distribution"}],
            "links": [{"a": "a:Te1/1/1", "b": "b:Te1/0/1", "loss": 2}]}})",
        "/topology/links/0/loss", "loss 2 is out of range");
  check(R"({"phones": [{"mac": "01:00:5e:00:00:01"}]})", "/phones/0/mac", "multicast");
  check(R"({"phones": [{"mac": "00:11:22:33:44:55"}, {"mac": "0011.2233.4455"}]})", "/phones/1/mac",
        "MAC 00:11:22:33:44:55 is used by another phone");
  check(R"({"phones": [{"mac": "00:11:22:33:44:55", "lines": ["10-01"]}]})", "/phones/0/lines/0",
        "is not a directory number");
  check(R"({"phones": [{"mac": "00:11:22:33:44:55", "lines": [1001]}]})", "/phones/0/lines/0",
        "expected a directory number as a string (\"1001\"), got number 1001");
  check(R"({"topology": {"switches": [{"role": "distrib"}]}})", "/topology/switches/0/role",
        "\"distrib\" is not one of: access, distribution (did you mean \"distribution\"?)");
  // A wrong port does not hide the phone's other mistakes.
  check(R"({"phones": [{"mac": "00:11:22:33:44:55", "attach": "access1:Gi9", "model": "8862"}]})",
        "/phones/0/model", "unknown phone model \"8862\" (did you mean \"8861\"?)");
  check(R"({"phones": [{"mac": "00:11:22:33:44:55", "provisioned": false, "lines": ["1001"]}]})",
        "/phones/0/lines", "an unprovisioned phone has no device record");
  check(
      R"({"time_limit": "1m", "timeline": [{"at": "2m", "action": "node_down", "node": "cucm-sub1"}]})",
      "/timeline/0/at", "at 2m is after the time_limit 1m: it would never happen");
  check(R"({"phones": [{"mac": "00:11:22:33:44:55"}], "expect": [{"count": {"registered": 2}}]})",
        "/expect/0/count/registered",
        "expects at least 2 registered but only 1 phones are selected");
  check(R"({"phones": [{"mac": "00:11:22:33:44:55"}], "expect": [{"state": "registred"}]})",
        "/expect/0/state", "unknown phone state \"registred\" (did you mean \"registered\"?)");
  check(R"({"topology": {"switches": [{"ports": {"count": 2}}]},
            "phones": [{"mac": "00:11:22:33:44:55"}, {"mac": "00:11:22:33:44:56"}, {"mac": "00:11:22:33:44:57"}]})",
        "/phones/2", "no free access port left for phone SEP001122334457");
  check(R"({"dhcp": {"servers": [{"name": "d", "address": "192.0.2.10"}]}})",
        "/dhcp/servers/0/address", "address 192.0.2.10 of DHCP server d is in no SVI's subnet");
  check(R"({"topology": {"switches": [{"name": "a"}, {"name": "b"}]}})", "/topology",
        "are not connected");
  check(R"({"cucm": {"database": {"autoregistration": {"dn_range": ["3999", "3000"]}}}})",
        "/cucm/database/autoregistration/dn_range", "first <= last");
  check(R"({"expect": [{"phone": "SEP001122334455"}]})", "/expect/0/phone",
        "no phone \"SEP001122334455\"");
  check(R"({"phones": [{"mac": "00:11:22:33:44:55"}], "expect": [{"phone": "SEP001122334455"}]})",
        "/expect/0", "an expectation needs something to check");
  check(
      R"({"phones": [{"mac": "00:11:22:33:44:55"}], "expect": [{"phone": "SEP001122334455", "step": 15}]})",
      "/expect/0/step", "expected a step number 1 to 14 or a step name");
  check(R"({"timeline": [{"at": "1s", "action": "node_dwn", "node": "cucm-sub1"}]})",
        "/timeline/0/action", "unknown action \"node_dwn\" (did you mean \"node_down\"?)");
  check(R"({"timeline": [{"action": "node_down", "node": "cucm-sub1"}]})", "/timeline/0",
        "needs exactly one of \"at\"");
  check(
      R"({"timeline": [{"at": "1s", "action": "node_down", "node": "cucm-sub1", "service": "tftp"}]})",
      "/timeline/0/service", "unknown key \"service\" in a node_down action");
  check(R"({"cucm": {"database": {"devices": [{"name": "SEP0011223344"}]}}})",
        "/cucm/database/devices/0/name", "is not a phone device name");
  check(
      R"({"cucm": {"database": {"callmanager_groups": [{"name": "G", "nodes": ["cucm-sub1", "cucm-sub1", "cucm-pub", "cucm-pub"]}]}}})",
      "/cucm/database/callmanager_groups/0/nodes", "a group has at most three");
}

TEST_CASE("warnings do not stop a scenario", "[loader]") {
  const auto r = load(
      R"({"cucm": {"database": {"callmanager_groups": [{"name": "Default", "nodes": ["cucm-pub"]}]}}})");
  const Scenario& s = ok(r);
  CHECK(s.cucm.database.cm_groups[0].nodes[0] == "cucm-pub");
  const auto& d = find_diagnostic(r, "does not run the CallManager service");
  CHECK(d.severity == Severity::warning);
  CHECK_THAT(d.to_string(), Catch::Contains(": warning: "));
}

TEST_CASE("phone groups: MAC range, model mix, ports in order across switches, DNs", "[loader]") {
  const auto r = load(R"({
    "topology": {"switches": [
      {"name": "dist1", "role": "distribution"},
      {"name": "floor1", "ports": {"count": 6}},
      {"name": "floor2", "ports": {"count": 6}}
    ]},
    "phone_groups": [{
      "name": "sales", "count": 10, "mac_start": "00:aa:00:00:00:fe",
      "models": {"8861": 3, "7841": 1}, "switches": ["floor1", "floor2"],
      "lines_per_phone": 2, "dn_start": "2000", "display_name": "Sales {n}", "label": "{dn}",
      "power_on": {"at": "1s", "spread": "10s"}
    }]
  })");
  const Scenario& s = ok(r);
  REQUIRE(s.phones.size() == 10);
  REQUIRE(s.groups.size() == 1);
  CHECK(s.groups[0].first == 0);
  CHECK(s.groups[0].count == 10);
  CHECK(s.phones[0].mac.to_string() == "00:aa:00:00:00:fe");
  CHECK(s.phones[2].mac.to_string() == "00:aa:00:00:01:00");  // carries into the next octet
  CHECK(s.phones[2].device == "SEP00AA00000100");
  // 3:1 interleaved: A A B A, A A B A, A A
  std::string mix;
  for (const auto& p : s.phones) mix += p.model == "CP-8861" ? 'A' : 'B';
  CHECK(mix == "AABAAABAAA");
  // Ports: floor1 first, then floor2 (the servers sit on dist1, which routes their VLAN).
  CHECK(s.phones[0].port.to_string() == "floor1:Gi1/0/1");
  CHECK(s.phones[5].port.to_string() == "floor1:Gi1/0/6");
  CHECK(s.phones[6].port.to_string() == "floor2:Gi1/0/1");
  CHECK(s.phones[0].group == "sales");
  // Power-on spread linearly over 10 s from 1 s.
  CHECK(s.phones[0].power_on == 1s);
  CHECK(s.phones[5].power_on == 6s);
  // Two lines each, numbered from 2000.
  const Device* dev = s.cucm.database.find_device(s.phones[1].device);
  REQUIRE(dev != nullptr);
  REQUIRE(dev->lines.size() == 2);
  CHECK(dev->lines[0].dn == "2002");
  CHECK(dev->lines[1].dn == "2003");
  CHECK(dev->lines[1].button == 2);
  CHECK(dev->lines[0].display_name == "Sales 2");
  CHECK(dev->lines[0].label == "2002");
  // Auto links: each access switch uplinks to the distribution switch.
  REQUIRE(s.links.size() == 2);
  CHECK(s.links[0].a.to_string() == "floor1:Te1/1/1");
  CHECK(s.links[0].b.to_string() == "dist1:Te1/0/1");
  CHECK(s.switches[1].ports[s.links[0].a.port_index].mode == PortMode::trunk);
}

TEST_CASE("phone groups refuse impossible sizes", "[loader]") {
  const auto too_many = load(R"({"topology": {"switches": [{"ports": {"count": 8}}]},
    "phone_groups": [{"name": "g", "count": 5, "mac_start": "00:aa:00:00:00:01"}]})");
  CHECK_THAT(
      find_diagnostic(too_many, "needs 5 ports").to_string(),
      Catch::Contains(
          "/phone_groups/0: group g needs 5 ports but only 4 access ports are free on access1"));
  const auto overflow =
      load(R"({"phone_groups": [{"name": "g", "count": 3, "mac_start": "02:ff:ff:ff:ff:fe"}]})");
  find_diagnostic(overflow, "leave the block of the first one");
  const auto clash = load(R"({"phones": [{"mac": "00:aa:00:00:00:03"}],
    "phone_groups": [{"name": "g", "count": 5, "mac_start": "00:aa:00:00:00:01"}]})");
  find_diagnostic(clash, "reaches 00:aa:00:00:00:03, which another phone already uses");
}

TEST_CASE("an explicit database device and phone agree", "[loader]") {
  const auto r = load(R"({
    "cucm": {"database": {
      "devices": [{"name": "SEP001122334455", "model": "7841", "description": "lobby"}],
      "lines": [{"dn": "1500", "device": "SEP001122334455", "display_name": "Lobby", "label": "Lobby"},
                {"dn": "1501", "device": "SEP001122334455", "button": 3}]
    }},
    "phones": [{"mac": "00:11:22:33:44:55"}]
  })");
  const Scenario& s = ok(r);
  CHECK(s.phones[0].model == "CP-7841");  // from the device record
  const Device* dev = s.cucm.database.find_device("SEP001122334455");
  REQUIRE(dev != nullptr);
  REQUIRE(dev->lines.size() == 2);  // no default line on top
  CHECK(dev->lines[0].dn == "1500");
  CHECK(dev->lines[0].label == "Lobby");
  CHECK(dev->lines[1].button == 3);
  const auto conflict = load(R"({
    "cucm": {"database": {"devices": [{"name": "SEP001122334455", "model": "7841"}]}},
    "phones": [{"mac": "00:11:22:33:44:55", "model": "8861", "lines": ["1"]}]
  })");
  find_diagnostic(conflict, "device SEP001122334455 is a CP-7841 in the database");
  find_diagnostic(conflict, "give its lines there");
}

TEST_CASE("timeline entries resolve their targets", "[loader]") {
  const auto r = load(R"({
    "topology": {
      "switches": [{"name": "core", "role": "distribution"}, {"name": "branch"}],
      "links": [{"name": "wan1", "a": "branch:Te1/1/1", "b": "core:Te1/0/1", "latency": "40ms",
                 "bandwidth": "2Mbps", "loss": "1%", "jitter": "5ms"}]
    },
    "phones": [{"mac": "00:11:22:33:44:55"}],
    "phone_groups": [{"name": "g", "count": 4, "mac_start": "00:aa:00:00:00:01"}],
    "timeline": [
      {"at": "10s", "action": "node_down", "node": "cucm-sub1"},
      {"when": {"phone": "SEP001122334455", "event": "registered"}, "after": "5s",
       "action": "service_down", "node": "cucm-pub", "service": "tftp"},
      {"when": {"group": "g", "event": "step", "step": "dhcp", "status": "ok", "count": 2},
       "action": "link_impair", "link": "branch:Te1/1/1", "latency": "150ms"},
      {"at": "1m", "action": "set_dhcp_option", "server": "dhcp1", "scope": "vlan100", "option": 150,
       "value": ["10.1.1.12"]},
      {"at": "1m", "action": "set_voice_vlan", "switch": "branch", "ports": ["Gi1/0/1"], "vlan": null},
      {"at": "2m", "action": "phone_power_cycle", "group": "g"},
      {"at": "2m", "action": "set_poe_budget", "switch": "branch", "budget_w": 30}
    ]
  })");
  const Scenario& s = ok(r);
  REQUIRE(s.timeline.size() == 7);
  CHECK(s.timeline[0].at == std::optional<Time>{10s});
  CHECK(std::get<NodeAction>(s.timeline[0].action).node == "cucm-sub1");
  REQUIRE(s.timeline[1].when.has_value());
  CHECK(s.timeline[1].when->subject.kind == PhoneSelector::Kind::phone);
  CHECK(s.timeline[1].after == 5s);
  CHECK(std::get<ServiceAction>(s.timeline[1].action).service == Service::tftp);
  CHECK(s.timeline[2].when->event == EventTrigger::Event::step);
  CHECK(s.timeline[2].when->step == 4);
  CHECK(s.timeline[2].when->count == 2);
  const auto& impair = std::get<LinkImpairAction>(s.timeline[2].action);
  CHECK(impair.link == 0);
  CHECK(impair.latency == std::optional<Duration>{150ms});
  CHECK_FALSE(impair.loss.has_value());
  CHECK(s.links[0].params.loss == Approx(0.01));
  CHECK(s.links[0].params.bandwidth_bps == 2'000'000U);
  const auto& option = std::get<SetDhcpOptionAction>(s.timeline[3].action);
  CHECK(option.addresses == std::vector<Ipv4Address>{Ipv4Address{10, 1, 1, 12}});
  const auto& vlan = std::get<SetVoiceVlanAction>(s.timeline[4].action);
  CHECK_FALSE(vlan.vlan.has_value());
  CHECK(vlan.ports == std::vector<std::size_t>{0});
  CHECK(std::get<PhoneRestartAction>(s.timeline[5].action).power_cycle);
  CHECK(std::get<SetPoeBudgetAction>(s.timeline[6].action).budget_w == Approx(30.0));
}

TEST_CASE("expectations get a readable text", "[loader]") {
  const auto r = load(R"({
    "phones": [{"mac": "00:11:22:33:44:55"}],
    "phone_groups": [{"name": "g", "count": 4, "mac_start": "00:aa:00:00:00:01"}],
    "expect": [
      {"phone": "SEP001122334455", "state": "registered", "registered_with": "cucm-sub1"},
      {"phone": "00:11:22:33:44:55", "step": 7, "before": "20s"},
      {"group": "g", "count": {"registered": 4, "no_ip": {"max": 0}}},
      {"registration_time": {"p90": "30s", "max": "1m"}},
      {"text": "custom words", "group": "g", "display_seen": "Registering"}
    ]
  })");
  const Scenario& s = ok(r);
  REQUIRE(s.expectations.size() == 5);
  CHECK(s.expectations[0].text ==
        "SEP001122334455 is registered; SEP001122334455 registered with cucm-sub1");
  CHECK(s.expectations[1].text == "SEP001122334455: step 7 (config) ok, done by 20s");
  CHECK(s.expectations[2].text == "group g: 4 registered, 0 no_ip");
  CHECK(s.expectations[3].text == "all phones: registration time p90 <= 30s, max <= 1m");
  CHECK(s.expectations[4].text == "custom words");
  CHECK(s.expectations[2].subject.kind == PhoneSelector::Kind::group);
  CHECK(s.select(s.expectations[2].subject).count == 4);
}

TEST_CASE("a 100,000-phone storm loads in linear time", "[loader][storm]") {
  const auto start = std::chrono::steady_clock::now();
  const auto r = load(R"({
    "topology": {"switches": [{"name": "dist1", "role": "distribution"},
                              {"name": "big", "ports": {"count": 50000}},
                              {"name": "big2", "ports": {"count": 50000}}],
                 "links": [{"a": "big:Te1/1/1", "b": "dist1:Te1/0/1"}, {"a": "big2:Te1/1/1", "b": "dist1:Te1/0/2"}]},
    "phone_groups": [{"name": "storm", "count": 100000, "mac_start": "00:aa:00:00:00:00",
                      "models": {"8861": 1, "7841": 1, "8845": 1}, "switches": ["big", "big2"],
                      "power_on": {"at": "0s", "spread": "60s"}}],
    "expect": [{"group": "storm", "count": {"registered": {"min": 99000}}}]
  })");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Scenario& s = ok(r);
  CHECK(s.phones.size() == 100000);
  CHECK(s.cucm.database.devices.size() == 100000);
  CHECK(s.phones.back().port.to_string() == "big2:Gi1/0/50000");
  WARN(fmt::format("100,000 phones loaded in {:.2f} s", seconds));
  CHECK(seconds < 60.0);  // generous for sanitizer builds on a busy machine; about 1 s in release
}
