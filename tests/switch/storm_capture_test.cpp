// A 48-port access switch with 48 phones plugged in one after the other: every phone is powered
// and tags with the voice VLAN; the pcapng capture of all 48 ports is byte-identical for the
// same seed; and tshark 4.0 decodes every frame as CDP or LLDP, with good CDP checksums, no
// malformed packet, and VoIP VLAN 110 where the switch advertises it.

#include <cstdint>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "phone_harness.hpp"
#include "support/temp_dir.hpp"
#include "support/tshark.hpp"
#include "voicelab/cdp/cdp.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/switch/simulated_switch.hpp"
#include "voicelab/wire/pcapng.hpp"

namespace voicelab::test {
namespace {

using namespace voicelab::access_switch;

constexpr std::size_t phone_count = 48;

struct StormResult {
  std::vector<std::uint8_t> pcapng;
  std::uint64_t packets = 0;
  std::size_t tagged_phones = 0;
  std::size_t powered_ports = 0;
  std::uint32_t poe_used_mw = 0;
  std::size_t cdp_neighbors = 0;
};

std::string annotate(wire::Bytes frame) {
  if (frame.size() < 14) return {};
  if (frame[0] == 0x01 && frame[1] == 0x00 && frame[2] == 0x0c) return "step 3: CDP";
  if (frame[12] == 0x88 && frame[13] == 0xcc) return "step 3: LLDP-MED";
  return {};
}

StormResult run_storm(std::uint64_t seed) {
  wire::PcapngWriter writer;  // outlives the links that tap into it
  netsim::Simulation sim(seed);
  SwitchConfig config;
  config.port_count = phone_count;
  config.default_port = PortConfig::access(10, 110);
  config.lldp_run = true;
  config.poe_budget_mw = 800000;
  config.management_address = wire::Ipv4Address{10, 1, 10, 2};
  SimulatedSwitch sw(sim, config);
  sw.set_keep_log(false);

  std::vector<std::unique_ptr<TestPhone>> phones;
  for (std::size_t i = 0; i < phone_count; ++i) {
    cdp::PhoneDiscoveryConfig pc;
    pc.mac = wire::MacAddress::from_u64(0x00aabbcc0000 + i + 1);
    pc.software_version = "sip88xx.14-2-1-0001-14";
    pc.power_requested_mw = 12900;
    phones.push_back(std::make_unique<TestPhone>(sim, "phone" + std::to_string(i + 1), pc));
    TestPhone* phone = phones.back().get();
    // Plugged in 250 ms apart, as someone walking along the desks would not manage.
    sim.scheduler().at(Time{std::chrono::milliseconds(250) * static_cast<int>(i)},
                       [&sw, &writer, phone, i] {
                         netsim::Link& link = sw.connect_powered_host(
                             i, phone->host(), 0, 3, [phone](bool on) { phone->power(on); });
                         link.tap(0, writer, "access1:" + sw.agent().short_port_name(i), annotate);
                       });
  }
  sim.run(200s);

  StormResult r;
  r.pcapng = writer.data();
  r.packets = writer.packet_count();
  for (std::size_t i = 0; i < phone_count; ++i) {
    if (phones[i]->interface_vlan() == std::optional<std::uint16_t>{110}) ++r.tagged_phones;
    if (sw.agent().poe_status(i).oper == PoeOper::on) ++r.powered_ports;
    for (const auto& n : sw.agent().neighbors(i)) {
      if (n.protocol == NeighborProtocol::cdp) ++r.cdp_neighbors;
    }
  }
  r.poe_used_mw = sw.agent().poe_summary().used_mw;
  return r;
}

}  // namespace

TEST_CASE("48 phones on a 48-port switch: powered, tagged, deterministic capture",
          "[switch][netsim][storm]") {
  const StormResult a = run_storm(42);
  CHECK(a.tagged_phones == phone_count);
  CHECK(a.powered_ports == phone_count);
  CHECK(a.cdp_neighbors == phone_count);
  CHECK(a.poe_used_mw == phone_count * 12900);
  CHECK(a.packets > phone_count * 20);

  const StormResult b = run_storm(42);
  CHECK(b.packets == a.packets);
  CHECK(b.pcapng == a.pcapng);  // same seed: the same bytes

  // Another seed draws other CDP power request ids: the capture differs.
  const StormResult c = run_storm(43);
  CHECK(c.packets == a.packets);
  CHECK(c.pcapng != a.pcapng);
}

TEST_CASE("48 phones: tshark decodes CDP and LLDP-MED with the right VoIP VLAN",
          "[switch][netsim][storm][tshark]") {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);
  const StormResult run = run_storm(42);
  const TempDir dir{"switch"};
  const auto capture = dir / "access1.pcapng";
  {
    std::ofstream out(capture, std::ios::binary);
    out.write(reinterpret_cast<const char*>(run.pcapng.data()),
              static_cast<std::streamsize>(run.pcapng.size()));
  }
  require_clean_capture(capture, run.packets);

  const auto result = run_tshark(capture, {"-T", "fields",
                                           "-E", "occurrence=a",
                                           "-E", "aggregator=,",
                                           "-e", "frame.interface_name",
                                           "-e", "frame.protocols",
                                           "-e", "eth.src",
                                           "-e", "cdp.deviceid",
                                           "-e", "cdp.checksum.status",
                                           "-e", "cdp.voice_vlan",
                                           "-e", "lldp.media.vlan_id",
                                           "-e", "lldp.media.tag_flag",
                                           "-e", "frame.comment",
                                           "-e", "_ws.malformed"});
  INFO("tshark stderr:\n" << result.errors);
  REQUIRE(result.exit_code == 0);
  const auto rows = split_fields(result.output);
  REQUIRE(rows.size() == run.packets);
  enum Column {
    iface,
    protocols,
    src,
    device,
    checksum,
    voice,
    med_vlan,
    med_tag,
    comment,
    malformed,
    columns
  };

  std::set<std::string> interfaces;
  std::size_t switch_cdp = 0, phone_cdp = 0, switch_lldp_med = 0, phone_lldp = 0;
  for (const auto& row : rows) {
    REQUIRE(row.size() == columns);
    INFO(row[iface] << " " << row[protocols] << " from " << row[src]);
    CHECK(row[malformed].empty());
    interfaces.insert(row[iface]);
    const bool from_switch = row[src].rfind("0c:d0:f8", 0) == 0;
    if (row[protocols].find(":cdp") != std::string::npos) {
      CHECK(row[checksum] == "1");  // good
      CHECK(row[comment] == "step 3: CDP");
      if (from_switch) {
        ++switch_cdp;
        CHECK(row[device] == "access1");
        CHECK(row[voice] == "110");
      } else {
        ++phone_cdp;
        CHECK(row[device].rfind("SEP00AABBCC00", 0) == 0);
        CHECK((row[voice] == "0" || row[voice] == "110"));  // the query: before / after
      }
    } else {
      REQUIRE(row[protocols].find(":lldp") != std::string::npos);
      CHECK(row[comment] == "step 3: LLDP-MED");
      if (from_switch) {
        if (!row[med_vlan].empty()) {
          ++switch_lldp_med;
          CHECK(row[med_vlan] == "110");
          CHECK(row[med_tag] == "1");
        }
      } else {
        ++phone_lldp;
        CHECK((row[med_vlan] == "0" || row[med_vlan] == "110"));
      }
    }
  }
  CHECK(interfaces.size() == phone_count);
  // Per port at least: the link-up CDP, the answer and periodic ones; two fast-start CDPs;
  // three LLDP-MED fast-start LLDPDUs each way.
  CHECK(switch_cdp >= phone_count * 4);
  CHECK(phone_cdp >= phone_count * 4);
  CHECK(switch_lldp_med >= phone_count * 3);
  CHECK(phone_lldp >= phone_count * 3);
}

}  // namespace voicelab::test
