// tshark 4.0 reads the CDP and LLDP-MED frames this library writes: no malformed packet, every CDP
// checksum good (tshark 4.0 always verifies CDP checksums; there is no preference for it), and
// the voice VLAN where a switch and a phone look for it.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "captured_vectors.hpp"
#include "support/temp_dir.hpp"
#include "support/tshark.hpp"
#include "test_bytes.hpp"
#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cdp/lldp.hpp"
#include "voicelab/wire/pcapng.hpp"

namespace voicelab::test {
namespace {

using wire::Ipv4Address;
using wire::MacAddress;

const MacAddress switch_mac = MacAddress::from_u64(0x0cd0f8aabb01);
const MacAddress phone_mac = MacAddress::from_u64(0x001122334455);

cdp::Pdu switch_cdp(const std::string& system_name) {
  cdp::Pdu pdu;
  pdu.device_id = "access1.lab.example";
  pdu.addresses = std::vector{cdp::Address::ipv4(Ipv4Address{10, 1, 10, 1})};
  pdu.port_id = "GigabitEthernet1/0/1";
  pdu.capabilities = cdp::capability::l2_switch | cdp::capability::igmp;
  pdu.software_version =
      "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.9.4";
  pdu.platform = "cisco WS-C3850-48P";
  pdu.vtp_management_domain = "LAB";
  pdu.native_vlan = 10;
  pdu.duplex = cdp::duplex::full;
  pdu.voip_vlan_reply = cdp::VoipVlan{1, 110, {}};
  pdu.trust_bitmap = 0;
  pdu.untrusted_port_cos = 0;
  pdu.system_name = system_name;
  pdu.management_addresses = std::vector{cdp::Address::ipv4(Ipv4Address{10, 1, 10, 1})};
  pdu.power_available = cdp::PowerAvailable{1, 1, 15400, 0xffffffffU};
  return pdu;
}

cdp::Pdu phone_cdp(const std::string& version) {
  cdp::Pdu pdu;
  pdu.device_id = "SEP001122334455";
  pdu.addresses = std::vector<cdp::Address>{};
  pdu.port_id = "Port 1";
  pdu.capabilities = cdp::capability::host | cdp::capability::voip_phone;
  pdu.software_version = version;
  pdu.platform = "Cisco IP Phone 8861";
  pdu.duplex = cdp::duplex::full;
  pdu.voip_vlan_query = cdp::VoipVlan{1, 110, {}};
  pdu.power_consumption_mw = 12900;
  pdu.power_requested = cdp::PowerRequested{1, 0, {12900}};
  return pdu;
}

lldp::Pdu switch_lldp() {
  lldp::Pdu pdu;
  pdu.chassis_id = lldp::Id::mac(lldp::chassis_subtype::mac_address, switch_mac);
  pdu.port_id = lldp::Id::text(lldp::port_subtype::interface_name, "Gi1/0/1");
  pdu.port_description = "GigabitEthernet1/0/1";
  pdu.system_name = "access1";
  pdu.system_description = "Cisco IOS Software";
  pdu.system_capabilities = lldp::SystemCapabilities{
      lldp::capability::bridge | lldp::capability::router, lldp::capability::bridge};
  pdu.management_addresses = {lldp::ManagementAddress::ipv4(Ipv4Address{10, 1, 10, 1}, 2, 1)};
  pdu.med_capabilities = lldp::med::Capabilities{lldp::med::capability::lldp_med |
                                                     lldp::med::capability::network_policy |
                                                     lldp::med::capability::extended_power_pse,
                                                 lldp::med::device_type::network_connectivity};
  pdu.network_policies = {
      {lldp::med::application::voice, false, true, false, 110, 5, 46},
      {lldp::med::application::voice_signaling, false, true, false, 110, 3, 24}};
  pdu.extended_power =
      lldp::med::ExtendedPower{lldp::med::power_type::pse, 1, lldp::med::power_priority::high, 154};
  return pdu;
}

lldp::Pdu phone_lldp() {
  lldp::Pdu pdu;
  pdu.chassis_id = lldp::Id::mac(lldp::chassis_subtype::mac_address, phone_mac);
  pdu.port_id = lldp::Id::text(lldp::port_subtype::locally_assigned, "SEP001122334455:P1");
  pdu.ttl = 180;
  pdu.system_name = "SEP001122334455";
  pdu.system_capabilities = lldp::SystemCapabilities{
      lldp::capability::bridge | lldp::capability::telephone, lldp::capability::telephone};
  pdu.med_capabilities = lldp::med::Capabilities{
      lldp::med::capability::lldp_med | lldp::med::capability::network_policy |
          lldp::med::capability::extended_power_pd | lldp::med::capability::inventory,
      lldp::med::device_type::endpoint_class_3};
  pdu.network_policies = {{lldp::med::application::voice, false, true, false, 110, 5, 46}};
  pdu.extended_power = lldp::med::ExtendedPower{lldp::med::power_type::pd, 1, 0, 130};
  return pdu;
}

// An 802.3 + LLC/SNAP frame around PDU bytes taken as they are (for the captured PDU).
ByteVector raw_cdp_frame(const ByteVector& pdu, MacAddress src) {
  Build b;
  for (auto o : cdp::multicast_address.octets()) b.u8(o);
  for (auto o : src.octets()) b.u8(o);
  b.u16(static_cast<unsigned>(8 + pdu.size()))
      .raw({0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00});
  ByteVector frame = b.raw(pdu);
  if (frame.size() < 60) frame.resize(60, 0);
  return frame;
}

struct Packet {
  std::string what;
  ByteVector frame;
};

}  // namespace

TEST_CASE("tshark reads CDP and LLDP-MED frames as good", "[cdp][lldp][tshark]") {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);

  // CDP PDUs of both parities from both ends, and the two odd-length checksum vectors of
  // cdp_checksum_test.cpp (last byte 0x58 and 0xa5).
  const cdp::Pdu switch_even = switch_cdp("access1");
  const cdp::Pdu switch_odd = switch_cdp("access12");
  const cdp::Pdu phone_a = phone_cdp("sip88xx.12-8-1-0001-455");
  const cdp::Pdu phone_b = phone_cdp("sip88xx.12-8-1-0001-4550");
  cdp::Pdu ends_58;
  ends_58.device_id = "X";
  cdp::Pdu ends_a5;
  ends_a5.trust_bitmap = 0xa5;

  const auto size_of = [](const cdp::Pdu& p) { return cdp::encoded_size(p).value(); };
  REQUIRE(size_of(switch_even) % 2 == 0);
  REQUIRE(size_of(switch_odd) % 2 == 1);
  REQUIRE(size_of(phone_a) % 2 != size_of(phone_b) % 2);
  REQUIRE(cdp::encode_pdu(ends_58).value() ==
          ByteVector{0x02, 0xb4, 0xfc, 0xed, 0x00, 0x01, 0x00, 0x05, 0x58});
  REQUIRE(cdp::encode_pdu(ends_a5).value() ==
          ByteVector{0x02, 0xb4, 0xfd, 0x8f, 0x00, 0x12, 0x00, 0x05, 0xa5});

  const std::vector<Packet> packets = {
      {"switch CDP, even", cdp::encode_frame(switch_even, switch_mac).value()},
      {"switch CDP, odd", cdp::encode_frame(switch_odd, switch_mac).value()},
      {"phone CDP A", cdp::encode_frame(phone_a, phone_mac).value()},
      {"phone CDP B, priority-tagged",
       cdp::encode_frame(phone_b, phone_mac, wire::VlanTag{0, 5, false}).value()},
      {"CDP ending in 0x58", cdp::encode_frame(ends_58, phone_mac).value()},
      {"CDP ending in 0xa5", cdp::encode_frame(ends_a5, phone_mac).value()},
      {"captured Catalyst 2950 PDU", raw_cdp_frame(scapy_c2950_pdu, switch_mac)},
      {"switch LLDP-MED", lldp::encode_frame(switch_lldp(), switch_mac).value()},
      {"phone LLDP-MED", lldp::encode_frame(phone_lldp(), phone_mac).value()},
  };

  const TempDir dir{"cdp"};
  const auto capture = dir / "discovery.pcapng";
  {
    wire::PcapngWriter writer{capture.string()};
    const auto interface = writer.add_interface("access1:Gi1/0/1");
    std::uint64_t t = 0;
    for (const auto& p : packets) writer.write_packet(interface, t += 1'000'000, p.frame, p.what);
  }

  require_clean_capture(capture, packets.size());

  const auto result = run_tshark(capture, {"-T", "fields",
                                           "-E", "occurrence=a",
                                           "-E", "aggregator=,",
                                           "-e", "frame.number",
                                           "-e", "cdp.checksum.status",
                                           "-e", "cdp.voice_vlan",
                                           "-e", "cdp.native_vlan",
                                           "-e", "cdp.deviceid",
                                           "-e", "cdp.platform",
                                           "-e", "cdp.capabilities",
                                           "-e", "cdp.power_available",
                                           "-e", "cdp.power_requested",
                                           "-e", "lldp.media.vlan_id",
                                           "-e", "lldp.media.tag_flag",
                                           "-e", "lldp.media.l2_prio",
                                           "-e", "lldp.media.dscp",
                                           "-e", "lldp.media.app_type",
                                           "-e", "lldp.media.power.value",
                                           "-e", "_ws.malformed"});
  INFO("tshark stdout:\n" << result.output << "\nstderr:\n" << result.errors);
  REQUIRE(result.exit_code == 0);
  const auto rows = split_fields(result.output);
  REQUIRE(rows.size() == packets.size());
  enum Column {
    number,
    checksum,
    voice_vlan,
    native_vlan,
    device_id,
    platform,
    capabilities,
    power_available,
    power_requested,
    med_vlan,
    med_tagged,
    med_priority,
    med_dscp,
    med_app,
    med_power,
    malformed,
    columns
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO(packets[i].what);
    REQUIRE(rows[i].size() == columns);
    CHECK(rows[i][malformed].empty());
    if (i < 7) CHECK(rows[i][checksum] == "1");  // PROTO_CHECKSUM_E_GOOD
  }

  // Switch: VoIP VLAN Reply 110, Native VLAN 10, Power Available 15400 mW, switch + IGMP.
  for (std::size_t i : {0U, 1U}) {
    CHECK(rows[i][voice_vlan] == "110");
    CHECK(rows[i][native_vlan] == "10");
    CHECK(rows[i][device_id] == "access1.lab.example");
    CHECK(rows[i][capabilities] == "0x00000028");
    CHECK(rows[i][power_available] == "15400,4294967295");
  }
  // Phone: Device ID, platform, host + phone, the query, Power Requested.
  for (std::size_t i : {2U, 3U}) {
    CHECK(rows[i][device_id] == "SEP001122334455");
    CHECK(rows[i][platform] == "Cisco IP Phone 8861");
    CHECK(rows[i][capabilities] == "0x00000090");
    CHECK(rows[i][voice_vlan] == "110");
    CHECK(rows[i][power_requested] == "12900");
  }
  // The captured 2950: VoIP VLAN Reply 10, native VLAN 1.
  CHECK(rows[6][voice_vlan] == "10");
  CHECK(rows[6][native_vlan] == "1");
  // LLDP-MED: the switch's voice policy is VLAN 110, tagged, priority 5, DSCP 46.
  CHECK(rows[7][med_app] == "1,2");
  CHECK(rows[7][med_vlan] == "110,110");
  CHECK(rows[7][med_tagged] == "1,1");
  CHECK(rows[7][med_priority] == "5,3");
  CHECK(rows[7][med_dscp] == "46,24");
  CHECK(rows[7][med_power] == "154");
  CHECK(rows[8][med_app] == "1");
  CHECK(rows[8][med_vlan] == "110");
  CHECK(rows[8][med_power] == "130");
}

}  // namespace voicelab::test
