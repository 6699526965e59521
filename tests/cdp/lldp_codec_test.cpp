// LLDP + LLDP-MED codec. Layouts: IEEE 802.1AB (TLV header 7-bit type + 9-bit length, mandatory
// Chassis ID / Port ID / TTL first, End), ANSI/TIA-1057 for the TIA organizationally specific
// TLVs, as Wireshark's epan/dissectors/packet-lldp.c dissects them (TLV_TYPE_MASK 0xFE00,
// TLV_INFO_LEN_MASK 0x01FF; dissect_media_tlv; hf_media_* masks: policy U 0x800000, T 0x400000,
// VLAN 0x1FFE00, L2 priority 0x1C0, DSCP 0x3F; power type 0xC0, source 0x30, priority 0x0F,
// value in 0.1 W; the management address fields lldp.mgn.*).

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test_bytes.hpp"
#include "voicelab/cdp/lldp.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::test {
namespace {

using wire::Ipv4Address;
using wire::MacAddress;

// An LLDP-MED switch port: Chassis ID (MAC 0c:d0:f8:aa:bb:00), Port ID (interface name
// "Gi1/0/1"), TTL 120, Port Description, System Name, System Description, System Capabilities
// (bridge + router supported, bridge enabled), Management Address 10.1.10.1 (ifIndex 1), MED
// Capabilities (0x000f, network connectivity), Network Policy voice (T, VLAN 110, priority 5,
// DSCP 46), Network Policy voice signaling (T, VLAN 110, priority 3, DSCP 24), Extended Power
// (PSE, primary source, high priority, 15.4 W), End.
const ByteVector switch_bytes =
    Build{}
        .raw({0x02, 0x07, 0x04, 0x0c, 0xd0, 0xf8, 0xaa, 0xbb, 0x00})
        .raw({0x04, 0x08, 0x05})
        .text("Gi1/0/1")
        .raw({0x06, 0x02, 0x00, 0x78})
        .raw({0x08, 0x14})
        .text("GigabitEthernet1/0/1")
        .raw({0x0a, 0x07})
        .text("access1")
        .raw({0x0c, 0x12})
        .text("Cisco IOS Software")
        .raw({0x0e, 0x04, 0x00, 0x14, 0x00, 0x04})
        .raw({0x10, 0x0c, 0x05, 0x01, 0x0a, 0x01, 0x0a, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00})
        .raw({0xfe, 0x07, 0x00, 0x12, 0xbb, 0x01, 0x00, 0x0f, 0x04})
        .raw({0xfe, 0x08, 0x00, 0x12, 0xbb, 0x02, 0x01, 0x40, 0xdd, 0x6e})
        .raw({0xfe, 0x08, 0x00, 0x12, 0xbb, 0x02, 0x02, 0x40, 0xdc, 0xd8})
        .raw({0xfe, 0x07, 0x00, 0x12, 0xbb, 0x04, 0x12, 0x00, 0x9a})
        .raw({0x00, 0x00});

// A phone: Chassis ID (MAC 00:11:22:33:44:55), Port ID (locally assigned "SEP001122334455:P1"),
// TTL 180, System Name, System Capabilities (bridge + telephone, telephone enabled), MED
// Capabilities (0x0033, endpoint class III), Network Policy voice with U set (no policy yet),
// Extended Power (PD, PSE source, unknown priority, 13.0 W), MED hardware revision "1" (kept raw),
// End.
const ByteVector phone_bytes =
    Build{}
        .raw({0x02, 0x07, 0x04, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55})
        .raw({0x04, 0x13, 0x07})
        .text("SEP001122334455:P1")
        .raw({0x06, 0x02, 0x00, 0xb4})
        .raw({0x0a, 0x0f})
        .text("SEP001122334455")
        .raw({0x0e, 0x04, 0x00, 0x24, 0x00, 0x20})
        .raw({0xfe, 0x07, 0x00, 0x12, 0xbb, 0x01, 0x00, 0x33, 0x03})
        .raw({0xfe, 0x08, 0x00, 0x12, 0xbb, 0x02, 0x01, 0x80, 0x00, 0x00})
        .raw({0xfe, 0x07, 0x00, 0x12, 0xbb, 0x04, 0x50, 0x00, 0x82})
        .raw({0xfe, 0x05, 0x00, 0x12, 0xbb, 0x05, 0x31})
        .raw({0x00, 0x00});

lldp::Pdu decode_ok(const ByteVector& bytes) {
  auto pdu = lldp::decode_pdu(bytes);
  INFO("decode error: " << pdu.error().message());
  REQUIRE(pdu.ok());
  return std::move(pdu).value();
}

ByteVector encode_ok(const lldp::Pdu& pdu) {
  auto bytes = lldp::encode_pdu(pdu);
  INFO("encode error: " << bytes.error().message());
  REQUIRE(bytes.ok());
  return std::move(bytes).value();
}

std::error_code decode_error(const ByteVector& bytes) {
  auto pdu = lldp::decode_pdu(bytes);
  return pdu.ok() ? std::error_code{} : pdu.error();
}

// Chassis ID, Port ID, TTL 120, then `rest` (the caller adds End or not).
ByteVector mandatory(const ByteVector& rest) {
  return Build{}
      .raw({0x02, 0x02, 0x07, 'c'})
      .raw({0x04, 0x02, 0x07, 'p'})
      .raw({0x06, 0x02, 0x00, 0x78})
      .raw(rest);
}

}  // namespace

TEST_CASE("LLDP decode: an LLDP-MED switch port, every TLV", "[lldp]") {
  const lldp::Pdu pdu = decode_ok(switch_bytes);
  CHECK(pdu.chassis_id.subtype == lldp::chassis_subtype::mac_address);
  CHECK(pdu.chassis_id.as_mac() == MacAddress::from_u64(0x0cd0f8aabb00));
  CHECK(pdu.port_id == lldp::Id::text(lldp::port_subtype::interface_name, "Gi1/0/1"));
  CHECK(pdu.port_id.as_text() == "Gi1/0/1");
  CHECK(pdu.ttl == 120);
  CHECK(pdu.port_description == "GigabitEthernet1/0/1");
  CHECK(pdu.system_name == "access1");
  CHECK(pdu.system_description == "Cisco IOS Software");
  CHECK(pdu.system_capabilities ==
        lldp::SystemCapabilities{lldp::capability::bridge | lldp::capability::router,
                                 lldp::capability::bridge});
  REQUIRE(pdu.management_addresses.size() == 1);
  const auto& m = pdu.management_addresses[0];
  CHECK(m.as_ipv4() == Ipv4Address{10, 1, 10, 1});
  CHECK(m.interface_subtype == lldp::ManagementAddress::interface_ifindex);
  CHECK(m.interface_number == 1);
  CHECK(m.oid.empty());
  CHECK(m == lldp::ManagementAddress::ipv4(Ipv4Address{10, 1, 10, 1}, 2, 1));
  CHECK(pdu.med_capabilities ==
        lldp::med::Capabilities{0x000f, lldp::med::device_type::network_connectivity});
  REQUIRE(pdu.network_policies.size() == 2);
  const lldp::med::NetworkPolicy voice{
      lldp::med::application::voice, false, true, false, 110, 5, 46};
  CHECK(pdu.network_policies[0] == voice);
  CHECK(pdu.network_policies[1] == lldp::med::NetworkPolicy{lldp::med::application::voice_signaling,
                                                            false, true, false, 110, 3, 24});
  REQUIRE(pdu.policy(lldp::med::application::voice) != nullptr);
  CHECK(*pdu.policy(lldp::med::application::voice) == voice);
  CHECK(pdu.policy(lldp::med::application::video_conferencing) == nullptr);
  CHECK(pdu.extended_power == lldp::med::ExtendedPower{lldp::med::power_type::pse, 1,
                                                       lldp::med::power_priority::high, 154});
  CHECK(pdu.unknown_tlvs.empty());
  CHECK(encode_ok(pdu) == switch_bytes);
}

TEST_CASE("LLDP decode: an LLDP-MED phone", "[lldp]") {
  const lldp::Pdu pdu = decode_ok(phone_bytes);
  CHECK(pdu.chassis_id ==
        lldp::Id::mac(lldp::chassis_subtype::mac_address, MacAddress::from_u64(0x001122334455)));
  CHECK(pdu.port_id.subtype == lldp::port_subtype::locally_assigned);
  CHECK(pdu.port_id.as_text() == "SEP001122334455:P1");
  CHECK(!pdu.port_id.as_mac());
  CHECK(pdu.ttl == 180);
  CHECK(pdu.system_name == "SEP001122334455");
  CHECK(pdu.system_capabilities ==
        lldp::SystemCapabilities{lldp::capability::bridge | lldp::capability::telephone,
                                 lldp::capability::telephone});
  CHECK(pdu.med_capabilities ==
        lldp::med::Capabilities{
            lldp::med::capability::lldp_med | lldp::med::capability::network_policy |
                lldp::med::capability::extended_power_pd | lldp::med::capability::inventory,
            lldp::med::device_type::endpoint_class_3});
  REQUIRE(pdu.network_policies.size() == 1);
  CHECK(pdu.network_policies[0].unknown_policy);
  CHECK_FALSE(pdu.network_policies[0].tagged);
  CHECK(pdu.network_policies[0].vlan_id == 0);
  CHECK(pdu.extended_power == lldp::med::ExtendedPower{lldp::med::power_type::pd, 1, 0, 130});
  REQUIRE(pdu.unknown_tlvs.size() == 1);  // MED inventory: hardware revision
  CHECK(pdu.unknown_tlvs[0] == lldp::RawTlv{127, {0x00, 0x12, 0xbb, 0x05, '1'}});
  CHECK(encode_ok(pdu) == phone_bytes);
}

TEST_CASE("LLDP-MED network policy bits", "[lldp][tlv]") {
  // 24 bits after the application type: U T X, 12-bit VLAN, 3-bit priority, 6-bit DSCP.
  struct Case {
    std::uint8_t b0, b1, b2;
    lldp::med::NetworkPolicy policy;
  };
  const Case cases[] = {
      {0x40, 0xdd, 0x6e, {1, false, true, false, 110, 5, 46}},
      {0x80, 0x00, 0x00, {1, true, false, false, 0, 0, 0}},
      {0x20, 0x00, 0x00, {1, false, false, true, 0, 0, 0}},
      {0x1f, 0xff, 0xff, {2, false, false, false, 4095, 7, 63}},
      {0x00, 0x02, 0x00, {2, false, false, false, 1, 0, 0}},
      {0x00, 0x01, 0x00, {3, false, false, false, 0, 4, 0}},
      {0x00, 0x00, 0xc1, {8, false, false, false, 0, 3, 1}},
  };
  for (const auto& c : cases) {
    const ByteVector bytes = mandatory(
        Build{}
            .raw({0xfe, 0x08, 0x00, 0x12, 0xbb, 0x02, c.policy.application, c.b0, c.b1, c.b2})
            .raw({0x00, 0x00}));
    const lldp::Pdu pdu = decode_ok(bytes);
    REQUIRE(pdu.network_policies.size() == 1);
    CHECK(pdu.network_policies[0] == c.policy);
    CHECK(encode_ok(pdu) == bytes);
  }
}

TEST_CASE("LLDP-MED extended power bits", "[lldp][tlv]") {
  for (unsigned b = 0; b < 256; b += 17) {
    const ByteVector bytes = mandatory(
        Build{}.raw({0xfe, 0x07, 0x00, 0x12, 0xbb, 0x04, b, 0x03, 0xff}).raw({0x00, 0x00}));
    const lldp::Pdu pdu = decode_ok(bytes);
    REQUIRE(pdu.extended_power.has_value());
    CHECK(pdu.extended_power->power_type == (b >> 6));
    CHECK(pdu.extended_power->power_source == ((b >> 4) & 3));
    CHECK(pdu.extended_power->priority == (b & 15));
    CHECK(pdu.extended_power->value_deciwatts == 1023);  // 102.3 W
    CHECK(encode_ok(pdu) == bytes);
  }
}

TEST_CASE("LLDP unknown TLVs are kept and re-emitted in order", "[lldp]") {
  // IEEE 802.1 Port VLAN ID (00-80-C2, subtype 1, PVID 10), IEEE 802.3 MAC/PHY (00-12-0F,
  // subtype 1), reserved type 9, LLDP-MED location (subtype 3, ELIN format 3 "911").
  const ByteVector extras =
      Build{}
          .raw({0xfe, 0x06, 0x00, 0x80, 0xc2, 0x01, 0x00, 0x0a})
          .raw({0xfe, 0x09, 0x00, 0x12, 0x0f, 0x01, 0x03, 0x6c, 0x00, 0x00, 0x10})
          .raw({0x12, 0x02, 0xab, 0xcd})
          .raw({0xfe, 0x08, 0x00, 0x12, 0xbb, 0x03, 0x03, '9', '1', '1'});
  const ByteVector bytes = mandatory(Build{}.raw(extras).raw({0x00, 0x00}));
  const lldp::Pdu pdu = decode_ok(bytes);
  REQUIRE(pdu.unknown_tlvs.size() == 4);
  CHECK(pdu.unknown_tlvs[0] == lldp::RawTlv{127, {0x00, 0x80, 0xc2, 0x01, 0x00, 0x0a}});
  CHECK(pdu.unknown_tlvs[1].value.size() == 9);
  CHECK(pdu.unknown_tlvs[2] == lldp::RawTlv{9, {0xab, 0xcd}});
  CHECK(pdu.unknown_tlvs[3].value[3] == lldp::med::subtype::location);
  CHECK(encode_ok(pdu) == bytes);
}

TEST_CASE("LLDP repeats: single TLVs kept raw, management addresses and policies listed",
          "[lldp]") {
  const ByteVector bytes =
      mandatory(Build{}
                    .raw({0x0a, 0x01, 'a'})
                    .raw({0x0a, 0x01, 'b'})
                    .raw({0x06, 0x02, 0x00, 0x01})  // a second TTL
                    .raw({0x10, 0x0c, 0x05, 0x01, 10, 0, 0, 1, 0x01, 0, 0, 0, 0, 0x00})
                    .raw({0x10, 0x0c, 0x05, 0x01, 10, 0, 0, 2, 0x01, 0, 0, 0, 0, 0x00})
                    .raw({0x00, 0x00}));
  const lldp::Pdu pdu = decode_ok(bytes);
  CHECK(pdu.system_name == "a");
  CHECK(pdu.ttl == 120);
  REQUIRE(pdu.unknown_tlvs.size() == 2);
  CHECK(pdu.unknown_tlvs[0] == lldp::RawTlv{5, {'b'}});
  CHECK(pdu.unknown_tlvs[1] == lldp::RawTlv{3, {0x00, 0x01}});
  REQUIRE(pdu.management_addresses.size() == 2);
  CHECK(pdu.management_addresses[1].as_ipv4() == Ipv4Address{10, 0, 0, 2});
  CHECK(decode_ok(encode_ok(pdu)) == pdu);
}

TEST_CASE("LLDP management address with an OID and a non-IPv4 address", "[lldp][tlv]") {
  // String length 7 (subtype + 6-byte MAC, family 6 = 802), interface subtype 3 (system port
  // number) 24, OID 1.3.6.1 (BER 2b 06 01).
  const ByteVector value{0x07, 0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x03,
                         0x00, 0x00, 0x00, 0x18, 0x03, 0x2b, 0x06, 0x01};
  const ByteVector bytes =
      mandatory(Build{}.lldp_header(8, value.size()).raw(value).raw({0x00, 0x00}));
  const lldp::Pdu pdu = decode_ok(bytes);
  REQUIRE(pdu.management_addresses.size() == 1);
  const auto& m = pdu.management_addresses[0];
  CHECK(m.address_subtype == 6);
  CHECK(m.address == ByteVector{0x00, 0x11, 0x22, 0x33, 0x44, 0x55});
  CHECK(!m.as_ipv4());
  CHECK(m.interface_subtype == lldp::ManagementAddress::interface_port_number);
  CHECK(m.interface_number == 24);
  CHECK(m.oid == ByteVector{0x2b, 0x06, 0x01});
  CHECK(encode_ok(pdu) == bytes);
}

TEST_CASE("LLDP End: optional at the end of the buffer, padding after it ignored", "[lldp]") {
  const ByteVector no_end = mandatory(Build{}.raw({0x0a, 0x01, 'a'}));
  CHECK(decode_ok(no_end).system_name == "a");
  ByteVector padded = mandatory(Build{}.raw({0x0a, 0x01, 'a'}).raw({0x00, 0x00}));
  padded.insert(padded.end(), {0x00, 0x00, 0xde, 0xad, 0xbe});
  CHECK(decode_ok(padded).system_name == "a");
}

TEST_CASE("LLDP decode: mandatory TLVs missing or out of order", "[lldp][robustness]") {
  const ByteVector chassis{0x02, 0x02, 0x07, 'c'};
  const ByteVector port{0x04, 0x02, 0x07, 'p'};
  const ByteVector ttl{0x06, 0x02, 0x00, 0x78};
  const ByteVector end{0x00, 0x00};
  CHECK(decode_error(Build{}.raw(port).raw(chassis).raw(ttl).raw(end)) == cdp::errc::missing_tlv);
  CHECK(decode_error(Build{}.raw(chassis).raw(ttl).raw(port).raw(end)) == cdp::errc::missing_tlv);
  CHECK(decode_error(Build{}.raw(chassis).raw(port).raw(end)) == cdp::errc::missing_tlv);
  CHECK(decode_error(Build{}.raw(end)) == cdp::errc::missing_tlv);
  CHECK(decode_error(Build{}.raw(chassis).raw(port).raw({0x0a, 0x01, 'a'}).raw(ttl).raw(end)) ==
        cdp::errc::missing_tlv);
  CHECK(decode_error(Build{}.raw(chassis).raw(port)) == wire::errc::truncated);
  CHECK(decode_error({}) == wire::errc::truncated);
}

TEST_CASE("LLDP decode: length fields that lie", "[lldp][robustness]") {
  SECTION("past the end") {
    CHECK(decode_error(Build{}.raw({0x02, 0x09, 0x07, 'c'})) == wire::errc::bad_length);
    CHECK(decode_error(Build{}.raw({0x03, 0xff, 0x07, 'c'})) == wire::errc::bad_length);
    CHECK(decode_error(mandatory(Build{}.raw({0x0a, 0x05, 'a'}))) == wire::errc::bad_length);
  }
  SECTION("a header cut off") {
    CHECK(decode_error(mandatory(Build{}.raw({0x0a}))) == wire::errc::truncated);
  }
  SECTION("zero and too small for the type") {
    CHECK(decode_error(Build{}.raw({0x02, 0x00}).raw({0x04, 0x02, 0x07, 'p'})) ==
          wire::errc::bad_length);  // chassis ID without subtype
    CHECK(decode_error(Build{}.raw({0x02, 0x01, 0x07}).raw({0x04, 0x02, 0x07, 'p'})) ==
          wire::errc::bad_length);  // chassis ID without ID
    CHECK(decode_error(Build{}
                           .raw({0x02, 0x02, 0x07, 'c'})
                           .raw({0x04, 0x02, 0x07, 'p'})
                           .raw({0x06, 0x01, 0x00})
                           .raw({0x00, 0x00})) == wire::errc::bad_length);  // 1-byte TTL
    CHECK(decode_error(Build{}
                           .raw({0x02, 0x02, 0x07, 'c'})
                           .raw({0x04, 0x02, 0x07, 'p'})
                           .raw({0x06, 0x03, 0x00, 0x78, 0x00})
                           .raw({0x00, 0x00})) == wire::errc::bad_length);  // 3-byte TTL
    CHECK(decode_error(mandatory(Build{}.raw({0x0e, 0x03, 0, 4, 0}))) == wire::errc::bad_length);
    CHECK(decode_error(mandatory(Build{}.raw({0x0e, 0x05, 0, 4, 0, 4, 0}))) ==
          wire::errc::bad_length);
    CHECK(decode_error(mandatory(Build{}.raw({0x00, 0x01, 0x00}))) ==
          wire::errc::bad_length);  // End with a length
  }
  SECTION("a 256-byte ID is one too many") {
    const ByteVector id(255, 'x');
    CHECK(decode_ok(Build{}
                        .lldp_header(1, 256)
                        .u8(7)
                        .raw(id)
                        .raw({0x04, 0x02, 0x07, 'p'})
                        .raw({0x06, 0x02, 0x00, 0x78}))
              .chassis_id.value.size() == 255);
    CHECK(decode_error(Build{}
                           .lldp_header(1, 257)
                           .u8(7)
                           .raw(id)
                           .u8('x')
                           .raw({0x04, 0x02, 0x07, 'p'})
                           .raw({0x06, 0x02, 0x00, 0x78})) == wire::errc::bad_length);
  }
  SECTION("organizationally specific TLVs") {
    CHECK(decode_error(mandatory(Build{}.raw({0xfe, 0x03, 0x00, 0x12, 0xbb}))) ==
          wire::errc::bad_length);  // no subtype
    CHECK(decode_error(mandatory(Build{}.raw(
              {0xfe, 0x07, 0x00, 0x12, 0xbb, 0x02, 0x01, 0x40, 0xdd}))) == wire::errc::bad_length);
    CHECK(decode_error(mandatory(Build{}.raw({0xfe, 0x09, 0x00, 0x12, 0xbb, 0x02, 0x01, 0x40, 0xdd,
                                              0x6e, 0x00}))) == wire::errc::bad_length);
    CHECK(decode_error(mandatory(Build{}.raw({0xfe, 0x06, 0x00, 0x12, 0xbb, 0x01, 0x00, 0x33}))) ==
          wire::errc::bad_length);
    CHECK(decode_error(mandatory(Build{}.raw({0xfe, 0x06, 0x00, 0x12, 0xbb, 0x04, 0x50, 0x00}))) ==
          wire::errc::bad_length);
    // Another OUI's subtype 2 is not a network policy: kept raw whatever its size.
    CHECK(decode_ok(mandatory(Build{}.raw({0xfe, 0x05, 0x00, 0x12, 0xbc, 0x02, 0x01})))
              .unknown_tlvs.size() == 1);
  }
  SECTION("management address inner lengths") {
    // String length 0, 1, 33 (address 32 bytes), past the TLV; OID length past the TLV.
    for (unsigned string_length : {0U, 1U, 33U, 12U}) {
      CHECK(decode_error(mandatory(Build{}.raw({0x10, 0x0c, string_length, 0x01, 10, 0, 0, 1, 0x01,
                                                0, 0, 0, 0, 0x00}))) == wire::errc::bad_length);
    }
    CHECK(decode_error(mandatory(Build{}.raw({0x10, 0x0c, 0x05, 0x01, 10, 0, 0, 1, 0x01, 0, 0, 0, 0,
                                              0x01}))) == wire::errc::bad_length);
    CHECK(decode_error(mandatory(
              Build{}.raw({0x10, 0x0d, 0x05, 0x01, 10, 0, 0, 1, 0x01, 0, 0, 0, 0, 0x00, 0xff}))) ==
          wire::errc::bad_length);  // a byte left over
  }
}

TEST_CASE("LLDP decode: truncation at every length", "[lldp][robustness]") {
  for (const ByteVector& full : {switch_bytes, phone_bytes}) {
    // Valid cut points: after each TLV from the TTL on (no End needed at the end of the buffer).
    std::vector<std::size_t> boundaries;
    std::size_t tlv_count = 0;
    for (std::size_t at = 0; at + 2 <= full.size();) {
      at += 2 + (wire::load_be16(full.data() + at) & 0x1ffU);
      if (++tlv_count >= 3) boundaries.push_back(at);
    }
    REQUIRE(boundaries.back() == full.size());
    for (std::size_t n = 0; n < full.size(); ++n) {
      INFO("cut at " << n << " of " << full.size());
      const ByteVector cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      const bool at_boundary =
          std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
      CHECK(lldp::decode_pdu(cut).ok() == at_boundary);
    }
  }
}

TEST_CASE("LLDP decode: garbage never crashes, and what decodes re-encodes", "[lldp][robustness]") {
  std::mt19937 rng(8021);  // fixed seed
  std::uniform_int_distribution<int> byte(0, 255);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    ByteVector input;
    if (i % 2 == 0) {
      input = mandatory({});
      const std::size_t extra = std::uniform_int_distribution<std::size_t>(0, 200)(rng);
      for (std::size_t k = 0; k < extra; ++k) input.push_back(static_cast<std::uint8_t>(byte(rng)));
      if (i % 4 == 0) input.erase(input.begin(), input.begin() + 12);  // garbage from byte 0
    } else {
      input = i % 3 == 0 ? switch_bytes : phone_bytes;
      for (int f = 0; f < 1 + i % 4; ++f) {
        input[std::uniform_int_distribution<std::size_t>(0, input.size() - 1)(rng)] =
            static_cast<std::uint8_t>(byte(rng));
      }
    }
    auto pdu = lldp::decode_pdu(input);
    if (!pdu) continue;
    ++decoded;
    auto again = lldp::encode_pdu(*pdu);
    REQUIRE(again.ok());
    auto twice = lldp::decode_pdu(*again);
    REQUIRE(twice.ok());
    CHECK(*twice == *pdu);
  }
  CHECK(decoded > 0);
}

TEST_CASE("LLDP encode: fields out of range", "[lldp]") {
  lldp::Pdu pdu = decode_ok(phone_bytes);
  auto with_policy = [&](lldp::med::NetworkPolicy p) {
    lldp::Pdu copy = pdu;
    copy.network_policies = {p};
    return lldp::encode_pdu(copy);
  };
  CHECK(with_policy({1, false, true, false, 4095, 7, 63}).ok());
  CHECK(with_policy({1, false, true, false, 4096, 0, 0}).error() == wire::errc::bad_value);
  CHECK(with_policy({1, false, true, false, 0, 8, 0}).error() == wire::errc::bad_value);
  CHECK(with_policy({1, false, true, false, 0, 0, 64}).error() == wire::errc::bad_value);

  lldp::Pdu power = pdu;
  power.extended_power = lldp::med::ExtendedPower{4, 0, 0, 0};
  CHECK(lldp::encode_pdu(power).error() == wire::errc::bad_value);
  power.extended_power = lldp::med::ExtendedPower{0, 0, 16, 0};
  CHECK(lldp::encode_pdu(power).error() == wire::errc::bad_value);

  lldp::Pdu ids = pdu;
  ids.chassis_id.value.clear();
  CHECK(lldp::encode_pdu(ids).error() == wire::errc::bad_length);
  ids.chassis_id.value.assign(256, 'x');
  CHECK(lldp::encode_pdu(ids).error() == wire::errc::bad_length);
  ids.chassis_id.value.assign(255, 'x');
  CHECK(lldp::encode_pdu(ids).ok());

  lldp::Pdu text = pdu;
  text.system_description = std::string(511, 'd');
  CHECK(lldp::encode_pdu(text).ok());
  text.system_description->push_back('d');
  CHECK(lldp::encode_pdu(text).error() == wire::errc::bad_length);

  lldp::Pdu raw = pdu;
  raw.unknown_tlvs = {{0, {}}};
  CHECK(lldp::encode_pdu(raw).error() == wire::errc::bad_value);
  raw.unknown_tlvs = {{128, {}}};
  CHECK(lldp::encode_pdu(raw).error() == wire::errc::bad_value);

  lldp::Pdu mgmt = pdu;
  mgmt.management_addresses = {lldp::ManagementAddress{}};
  CHECK(lldp::encode_pdu(mgmt).error() == wire::errc::bad_length);

  std::vector<std::uint8_t> small(phone_bytes.size() - 1);
  CHECK(lldp::encode_pdu(wire::MutableBytes{small}, pdu).error() == wire::errc::buffer_too_small);
}

TEST_CASE("LLDP frame: Ethernet II to 01:80:c2:00:00:0e, EtherType 0x88cc", "[lldp][frame]") {
  const MacAddress src = MacAddress::from_u64(0x001122334455);
  lldp::Pdu pdu;
  pdu.chassis_id = lldp::Id::mac(lldp::chassis_subtype::mac_address, src);
  pdu.port_id = lldp::Id::text(lldp::port_subtype::locally_assigned, "P1");
  const ByteVector body = encode_ok(pdu);
  const auto frame = lldp::encode_frame(pdu, src).value();
  ByteVector expected{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, 0x00,
                      0x11, 0x22, 0x33, 0x44, 0x55, 0x88, 0xcc};
  expected.insert(expected.end(), body.begin(), body.end());
  expected.resize(60, 0x00);
  CHECK(frame == expected);
  auto decoded = lldp::decode_frame(frame);
  REQUIRE(decoded.ok());
  CHECK(decoded->pdu == pdu);
  CHECK(decoded->ethernet.dst == lldp::nearest_bridge_address);

  const auto tagged = lldp::encode_frame(decode_ok(switch_bytes), src, wire::VlanTag{0, 6}).value();
  auto decoded_tagged = lldp::decode_frame(tagged);
  REQUIRE(decoded_tagged.ok());
  CHECK(decoded_tagged->pdu == decode_ok(switch_bytes));
  CHECK(decoded_tagged->ethernet.vlan->priority == 6);

  cdp::Pdu c;
  c.device_id = "x";
  CHECK(lldp::decode_frame(cdp::encode_frame(c, src).value()).error() == cdp::errc::not_lldp);
  CHECK(lldp::decode_frame(wire::Bytes{frame.data(), 10}).error() == wire::errc::truncated);
}

}  // namespace voicelab::test
