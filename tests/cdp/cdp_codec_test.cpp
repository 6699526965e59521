// CDP v2 codec. Byte layouts of each TLV are those Wireshark's epan/dissectors/packet-cdp.c
// dissects (cited per test); the two real PDUs come from scapy's test/contrib/cdp.uts.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "captured_vectors.hpp"
#include "test_bytes.hpp"
#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cdp/lldp.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::test {
namespace {

using wire::Ipv4Address;
using wire::MacAddress;

cdp::Pdu decode_ok(const ByteVector& bytes, bool verify = true) {
  auto pdu = cdp::decode_pdu(bytes, cdp::DecodeOptions{verify});
  INFO("decode error: " << pdu.error().message());
  REQUIRE(pdu.ok());
  return std::move(pdu).value();
}

ByteVector encode_ok(const cdp::Pdu& pdu) {
  auto bytes = cdp::encode_pdu(pdu);
  INFO("encode error: " << bytes.error().message());
  REQUIRE(bytes.ok());
  return std::move(bytes).value();
}

std::error_code decode_error(const ByteVector& bytes, bool verify = false) {
  auto pdu = cdp::decode_pdu(bytes, cdp::DecodeOptions{verify});
  return pdu.ok() ? std::error_code{} : pdu.error();
}

// One TLV in a PDU: decodes into `check`ed fields, and the decoded PDU encodes to the same bytes.
template <class Check>
void tlv_round_trip(const ByteVector& tlv, Check check) {
  const ByteVector bytes = cdp_pdu(tlv);
  const cdp::Pdu pdu = decode_ok(bytes);
  check(pdu);
  CHECK(pdu.unknown_tlvs.empty());
  CHECK(encode_ok(pdu) == bytes);
}

// Offsets at which a PDU can end and still be well-formed: after the header and after each TLV.
std::vector<std::size_t> tlv_boundaries(const ByteVector& pdu) {
  std::vector<std::size_t> out{cdp::header_size};
  std::size_t at = cdp::header_size;
  while (at + 4 <= pdu.size()) {
    at += wire::load_be16(pdu.data() + at + 2);
    out.push_back(at);
  }
  return out;
}

cdp::Pdu switch_pdu() {
  cdp::Pdu pdu;
  pdu.device_id = "access1.lab.example";
  pdu.addresses = std::vector{cdp::Address::ipv4(Ipv4Address{10, 1, 10, 1})};
  pdu.port_id = "GigabitEthernet1/0/1";
  pdu.capabilities = cdp::capability::l2_switch | cdp::capability::igmp;
  pdu.software_version = "Cisco IOS Software [Cupertino], Version 17.9.4";
  pdu.platform = "cisco WS-C3850-48P";
  pdu.vtp_management_domain = "LAB";
  pdu.native_vlan = 10;
  pdu.duplex = cdp::duplex::full;
  pdu.voip_vlan_reply = cdp::VoipVlan{1, 110, {}};
  pdu.trust_bitmap = 0;
  pdu.untrusted_port_cos = 0;
  pdu.system_name = "access1";
  pdu.management_addresses = std::vector{cdp::Address::ipv4(Ipv4Address{10, 1, 10, 1})};
  pdu.power_available = cdp::PowerAvailable{1, 1, 15400, 0xffffffffU};
  return pdu;
}

}  // namespace

// ---- real captures ---------------------------------------------------------------------------

TEST_CASE("CDP decode: a real Catalyst 2950 PDU", "[cdp]") {
  const cdp::Pdu pdu = decode_ok(scapy_c2950_pdu);
  CHECK(pdu.version == 2);
  CHECK(pdu.ttl == 180);
  CHECK(pdu.device_id == "myswitch");
  REQUIRE(pdu.addresses.has_value());
  REQUIRE(pdu.addresses->size() == 1);
  CHECK(pdu.addresses->at(0).as_ipv4() == Ipv4Address{192, 168, 0, 253});
  CHECK(pdu.port_id == "FastEthernet0/1");
  CHECK(pdu.capabilities == (cdp::capability::l2_switch | cdp::capability::igmp));
  REQUIRE(pdu.software_version.has_value());
  CHECK(pdu.software_version->rfind("Cisco Internetwork Operating System Software \nIOS (tm)", 0) ==
        0);
  CHECK(pdu.software_version->size() == 0x0114 - 4);
  CHECK(pdu.platform == "cisco WS-C2950-12");
  CHECK(pdu.vtp_management_domain == "MYDOMAIN");
  CHECK(pdu.native_vlan == 1);
  CHECK(pdu.duplex == cdp::duplex::full);
  CHECK(pdu.voip_vlan_reply == cdp::VoipVlan{1, 10, {}});
  CHECK(pdu.trust_bitmap == 0);
  CHECK(pdu.untrusted_port_cos == 0);
  REQUIRE(pdu.management_addresses.has_value());
  CHECK(pdu.management_addresses->at(0).as_ipv4() == Ipv4Address{192, 168, 0, 253});
  // Protocol Hello (0x0008, cluster management: OUI 00-00-0C, protocol 0x0112) is kept raw.
  REQUIRE(pdu.unknown_tlvs.size() == 1);
  CHECK(pdu.unknown_tlvs[0].type == cdp::tlv::protocol_hello);
  CHECK(pdu.unknown_tlvs[0].value.size() == 0x24 - 4);
  CHECK(pdu.unknown_tlvs[0].value[0] == 0x00);
  CHECK(pdu.unknown_tlvs[0].value[2] == 0x0c);
  CHECK(!pdu.power_available);
  CHECK(!pdu.voip_vlan_query);
}

TEST_CASE("CDP encode: the Catalyst 2950 PDU re-encodes with its Protocol Hello moved last",
          "[cdp]") {
  const cdp::Pdu pdu = decode_ok(scapy_c2950_pdu);
  const ByteVector again = encode_ok(pdu);
  // The documented order puts unknown TLVs after the typed ones: the Protocol Hello TLV (36 bytes
  // at offset 347, after the Platform) moves to the end; every other byte but the checksum stays.
  ByteVector expected = scapy_c2950_pdu;
  const ByteVector hello_header{0x00, 0x08, 0x00, 0x24};
  const auto hello =
      std::search(expected.begin(), expected.end(), hello_header.begin(), hello_header.end());
  REQUIRE(hello != expected.end());
  const ByteVector hello_tlv(hello, hello + 0x24);
  expected.erase(hello, hello + 0x24);
  expected.insert(expected.end(), hello_tlv.begin(), hello_tlv.end());
  expected[2] = again[2];
  expected[3] = again[3];
  CHECK(again == expected);
  CHECK(cdp::checksum_ok(again));
  CHECK(decode_ok(again) == pdu);
}

TEST_CASE("CDP decode: a real 7960 phone PDU", "[cdp]") {
  CHECK(decode_error(scapy_7960_pdu, true) == wire::errc::bad_checksum);
  const cdp::Pdu pdu = decode_ok(scapy_7960_pdu, false);
  CHECK(pdu.device_id == "SIP001122334455");
  CHECK(pdu.addresses->at(0).as_ipv4() == Ipv4Address{192, 168, 1, 33});
  CHECK(pdu.port_id == "Port 1");
  CHECK(pdu.capabilities == cdp::capability::host);
  CHECK(pdu.software_version == "P003-08-2-00");
  CHECK(pdu.platform == "Cisco IP Phone 7960");
  CHECK(pdu.voip_vlan_query == cdp::VoipVlan{0x20, 0x0200, {0x01}});
  CHECK(pdu.duplex == cdp::duplex::full);
  CHECK(pdu.power_consumption_mw == 6300);
  CHECK(pdu.unknown_tlvs.empty());
  // Typed fields are emitted by type code: Duplex (0x0B) before the query (0x0F) here.
  const ByteVector again = encode_ok(pdu);
  CHECK(again.size() == scapy_7960_pdu.size());
  CHECK(decode_ok(again) == pdu);
}

// ---- every TLV, hand-assembled ---------------------------------------------------------------

TEST_CASE("CDP TLV 0x0001 Device ID", "[cdp][tlv]") {
  // packet-cdp.c TYPE_DEVICE_ID: a string filling the value.
  tlv_round_trip(Build{}.cdp_tlv(0x0001, "SEP001122334455"),
                 [](const cdp::Pdu& p) { CHECK(p.device_id == "SEP001122334455"); });
}

TEST_CASE("CDP TLV 0x0002 Addresses", "[cdp][tlv]") {
  // packet-cdp.c TYPE_ADDRESS + dissect_address_tlv: 4-byte count; per entry protocol type
  // (1 = NLPID), protocol length, protocol (0xCC = IP), 2-byte address length, address.
  SECTION("one IPv4 address") {
    tlv_round_trip(
        Build{}.cdp_tlv(0x0002, Build{}.u32(1).raw({0x01, 0x01, 0xcc, 0x00, 0x04, 10, 1, 10, 5})),
        [](const cdp::Pdu& p) {
          REQUIRE(p.addresses.has_value());
          REQUIRE(p.addresses->size() == 1);
          CHECK(p.addresses->at(0).protocol_type == cdp::Address::nlpid);
          CHECK(p.addresses->at(0).as_ipv4() == Ipv4Address{10, 1, 10, 5});
          CHECK(p.addresses->at(0) == cdp::Address::ipv4(Ipv4Address{10, 1, 10, 5}));
        });
  }
  SECTION("an IPv6 entry (802.2 protocol AA AA 03 00 00 00 86 DD) is kept raw") {
    const ByteVector v6(16, 0x20);
    tlv_round_trip(
        Build{}.cdp_tlv(0x0002, Build{}
                                    .u32(2)
                                    .raw({0x01, 0x01, 0xcc, 0x00, 0x04, 10, 1, 10, 5})
                                    .raw({0x02, 0x08, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86,
                                          0xdd, 0x00, 0x10})
                                    .raw(v6)),
        [&](const cdp::Pdu& p) {
          REQUIRE(p.addresses->size() == 2);
          const auto& a = p.addresses->at(1);
          CHECK(a.protocol_type == cdp::Address::ieee_802_2);
          CHECK(a.protocol == ByteVector{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd});
          CHECK(a.address == v6);
          CHECK(!a.as_ipv4());
        });
  }
  SECTION("no address") {
    tlv_round_trip(Build{}.cdp_tlv(0x0002, Build{}.u32(0)),
                   [](const cdp::Pdu& p) { CHECK(p.addresses == std::vector<cdp::Address>{}); });
  }
}

TEST_CASE("CDP TLV 0x0003 Port ID", "[cdp][tlv]") {
  // packet-cdp.c TYPE_PORT_ID: a string ("Sent through Interface").
  tlv_round_trip(Build{}.cdp_tlv(0x0003, "GigabitEthernet1/0/1"),
                 [](const cdp::Pdu& p) { CHECK(p.port_id == "GigabitEthernet1/0/1"); });
}

TEST_CASE("CDP TLV 0x0004 Capabilities", "[cdp][tlv]") {
  // packet-cdp.c dissect_capabilities: 4-byte mask; bits per `tshark -G fields`
  // (cdp.capabilities.*).
  tlv_round_trip(
      Build{}.cdp_tlv(0x0004, ByteVector{0x00, 0x00, 0x03, 0x90}), [](const cdp::Pdu& p) {
        CHECK(p.capabilities == (cdp::capability::host | cdp::capability::voip_phone |
                                 cdp::capability::remotely_managed | cdp::capability::cvta));
      });
  CHECK(cdp::capability::voip_phone == 0x80);
  CHECK(cdp::capability::remotely_managed == 0x100);
  CHECK(cdp::capability::cvta == 0x200);
}

TEST_CASE("CDP TLV 0x0005 Software Version and 0x0006 Platform", "[cdp][tlv]") {
  // packet-cdp.c TYPE_IOS_VERSION (multi-line string), TYPE_PLATFORM (string).
  tlv_round_trip(
      Build{}.cdp_tlv(0x0005, "sip88xx.12-8-1-0001-455").cdp_tlv(0x0006, "Cisco IP Phone 8861"),
      [](const cdp::Pdu& p) {
        CHECK(p.software_version == "sip88xx.12-8-1-0001-455");
        CHECK(p.platform == "Cisco IP Phone 8861");
      });
}

TEST_CASE("CDP TLV 0x0009 VTP Management Domain", "[cdp][tlv]") {
  tlv_round_trip(Build{}.cdp_tlv(0x0009, "MYDOMAIN"),
                 [](const cdp::Pdu& p) { CHECK(p.vtp_management_domain == "MYDOMAIN"); });
}

TEST_CASE("CDP TLV 0x000A Native VLAN and 0x000B Duplex", "[cdp][tlv]") {
  // packet-cdp.c TYPE_NATIVE_VLAN: 2 bytes; TYPE_DUPLEX: 1 byte, nonzero = full.
  tlv_round_trip(Build{}.cdp_tlv(0x000a, ByteVector{0x00, 0x0a}).cdp_tlv(0x000b, ByteVector{0x01}),
                 [](const cdp::Pdu& p) {
                   CHECK(p.native_vlan == 10);
                   CHECK(p.duplex == cdp::duplex::full);
                 });
}

TEST_CASE("CDP TLV 0x000E VoIP VLAN Reply", "[cdp][tlv]") {
  // packet-cdp.c TYPE_VOIP_VLAN_REPLY: 1 data byte at +4, the VLAN at +5 when length >= 7.
  SECTION("7-byte form, VLAN 110") {
    tlv_round_trip(Build{}.cdp_tlv(0x000e, ByteVector{0x01, 0x00, 0x6e}), [](const cdp::Pdu& p) {
      CHECK(p.voip_vlan_reply == cdp::VoipVlan{1, 110, {}});
    });
  }
  SECTION("6-byte form: no VLAN") {
    tlv_round_trip(Build{}.cdp_tlv(0x000e, ByteVector{0x01, 0x00}), [](const cdp::Pdu& p) {
      REQUIRE(p.voip_vlan_reply.has_value());
      CHECK(p.voip_vlan_reply->data == 1);
      CHECK(!p.voip_vlan_reply->vlan);
      CHECK(p.voip_vlan_reply->trailing == ByteVector{0x00});
    });
  }
  SECTION("5-byte form: the data byte only") {
    tlv_round_trip(Build{}.cdp_tlv(0x000e, ByteVector{0x01}), [](const cdp::Pdu& p) {
      CHECK(p.voip_vlan_reply == cdp::VoipVlan{1, std::nullopt, {}});
    });
  }
}

TEST_CASE("CDP TLV 0x000F VoIP VLAN Query", "[cdp][tlv]") {
  // Same layout as the reply; a 7960 sends 8 bytes: 0x20, 0x0200, 0x01 (scapy cdp.uts).
  tlv_round_trip(Build{}.cdp_tlv(0x000f, ByteVector{0x20, 0x02, 0x00, 0x01}),
                 [](const cdp::Pdu& p) {
                   CHECK(p.voip_vlan_query == cdp::VoipVlan{0x20, 0x0200, {0x01}});
                 });
}

TEST_CASE("CDP TLVs 0x0010 Power, 0x0011 MTU, 0x0012 Trust Bitmap, 0x0013 Untrusted CoS",
          "[cdp][tlv]") {
  // packet-cdp.c: TYPE_POWER 2 bytes mW; TYPE_MTU 4 bytes; TYPE_TRUST_BITMAP and
  // TYPE_UNTRUSTED_COS 1 byte each.
  tlv_round_trip(Build{}
                     .cdp_tlv(0x0010, ByteVector{0x18, 0x9c})
                     .cdp_tlv(0x0011, ByteVector{0x00, 0x00, 0x05, 0xdc})
                     .cdp_tlv(0x0012, ByteVector{0x01})
                     .cdp_tlv(0x0013, ByteVector{0x03}),
                 [](const cdp::Pdu& p) {
                   CHECK(p.power_consumption_mw == 6300);
                   CHECK(p.mtu == 1500);
                   CHECK(p.trust_bitmap == 1);
                   CHECK(p.untrusted_port_cos == 3);
                 });
}

TEST_CASE("CDP TLV 0x0014 System Name and 0x0016 Management Addresses", "[cdp][tlv]") {
  // packet-cdp.c TYPE_SYSTEM_NAME (string), TYPE_MANAGEMENT_ADDR (same layout as 0x0002).
  tlv_round_trip(
      Build{}
          .cdp_tlv(0x0014, "access1")
          .cdp_tlv(0x0016, Build{}.u32(1).raw({0x01, 0x01, 0xcc, 0x00, 0x04, 10, 1, 10, 1})),
      [](const cdp::Pdu& p) {
        CHECK(p.system_name == "access1");
        REQUIRE(p.management_addresses.has_value());
        CHECK(p.management_addresses->at(0).as_ipv4() == Ipv4Address{10, 1, 10, 1});
      });
}

TEST_CASE("CDP TLV 0x0019 Power Requested", "[cdp][tlv]") {
  // packet-cdp.c TYPE_POWER_REQUESTED: Request-ID (2), Management-ID (2), then 4-byte mW values.
  tlv_round_trip(Build{}.cdp_tlv(0x0019, Build{}.u16(1).u16(0).u32(12900).u32(9600)),
                 [](const cdp::Pdu& p) {
                   CHECK(p.power_requested == cdp::PowerRequested{1, 0, {12900, 9600}});
                 });
  tlv_round_trip(Build{}.cdp_tlv(0x0019, Build{}.u16(7).u16(2)), [](const cdp::Pdu& p) {
    CHECK(p.power_requested == cdp::PowerRequested{7, 2, {}});
  });
}

TEST_CASE("CDP TLV 0x001A Power Available", "[cdp][tlv]") {
  // packet-cdp.c TYPE_POWER_AVAILABLE: Request-ID (2), Management-ID (2), then 4-byte values
  // (power available, management power level).
  tlv_round_trip(Build{}.cdp_tlv(0x001a, Build{}.u16(1).u16(1).u32(15400).u32(0xffffffff)),
                 [](const cdp::Pdu& p) {
                   CHECK(p.power_available == cdp::PowerAvailable{1, 1, 15400, 0xffffffffU});
                 });
  tlv_round_trip(Build{}.cdp_tlv(0x001a, Build{}.u16(1).u16(1).u32(15400)), [](const cdp::Pdu& p) {
    CHECK(p.power_available == cdp::PowerAvailable{1, 1, 15400, std::nullopt});
  });
}

TEST_CASE("CDP unknown TLVs are kept and re-emitted in order, after the known ones", "[cdp]") {
  // 0x0007 IP Prefix (ODR gateway), 0x1234 unknown, an empty unknown; then a Device ID.
  const ByteVector bytes = cdp_pdu(Build{}
                                       .cdp_tlv(0x0007, ByteVector{10, 1, 10, 1})
                                       .cdp_tlv(0x1234, "opaque")
                                       .cdp_tlv(0xfffe, ByteVector{})
                                       .cdp_tlv(0x0001, "r1"));
  const cdp::Pdu pdu = decode_ok(bytes);
  CHECK(pdu.device_id == "r1");
  REQUIRE(pdu.unknown_tlvs.size() == 3);
  CHECK(pdu.unknown_tlvs[0] == cdp::RawTlv{0x0007, {10, 1, 10, 1}});
  CHECK(pdu.unknown_tlvs[1] == cdp::RawTlv{0x1234, text_bytes("opaque")});
  CHECK(pdu.unknown_tlvs[2] == cdp::RawTlv{0xfffe, {}});
  CHECK(encode_ok(pdu) == cdp_pdu(Build{}
                                      .cdp_tlv(0x0001, "r1")
                                      .cdp_tlv(0x0007, ByteVector{10, 1, 10, 1})
                                      .cdp_tlv(0x1234, "opaque")
                                      .cdp_tlv(0xfffe, ByteVector{})));
}

TEST_CASE("CDP a repeated TLV: the first fills the field, the others are kept raw", "[cdp]") {
  const ByteVector bytes = cdp_pdu(
      Build{}.cdp_tlv(0x0001, "first").cdp_tlv(0x0001, "second").cdp_tlv(0x000a, ByteVector{0, 5}));
  const cdp::Pdu pdu = decode_ok(bytes);
  CHECK(pdu.device_id == "first");
  REQUIRE(pdu.unknown_tlvs.size() == 1);
  CHECK(pdu.unknown_tlvs[0] == cdp::RawTlv{0x0001, text_bytes("second")});
  CHECK(decode_ok(encode_ok(pdu)) == pdu);
}

TEST_CASE("CDP encode order: ascending type codes, then the unknown TLVs", "[cdp]") {
  cdp::Pdu pdu = switch_pdu();
  pdu.voip_vlan_query = cdp::VoipVlan{1, 110, {}};
  pdu.power_consumption_mw = 15400;
  pdu.mtu = 1500;
  pdu.power_requested = cdp::PowerRequested{1, 0, {15400}};
  pdu.unknown_tlvs = {{0x0100, {1}}, {0x0007, {2}}};
  const ByteVector bytes = encode_ok(pdu);
  std::vector<std::uint16_t> types;
  for (std::size_t at = 4; at < bytes.size(); at += wire::load_be16(bytes.data() + at + 2)) {
    types.push_back(wire::load_be16(bytes.data() + at));
  }
  CHECK(types == std::vector<std::uint16_t>{0x01, 0x02, 0x03, 0x04, 0x05, 0x06,   0x09,
                                            0x0a, 0x0b, 0x0e, 0x0f, 0x10, 0x11,   0x12,
                                            0x13, 0x14, 0x16, 0x19, 0x1a, 0x0100, 0x0007});
  CHECK(decode_ok(bytes) == pdu);
  CHECK(cdp::encoded_size(pdu).value() == bytes.size());
}

TEST_CASE("CDP round trip of a switch and a phone PDU", "[cdp]") {
  cdp::Pdu phone;
  phone.device_id = "SEP001122334455";
  phone.addresses = std::vector<cdp::Address>{};
  phone.port_id = "Port 1";
  phone.capabilities = cdp::capability::host | cdp::capability::voip_phone;
  phone.software_version = "sip88xx.12-8-1-0001-455";
  phone.platform = "Cisco IP Phone 8861";
  phone.duplex = cdp::duplex::full;
  phone.voip_vlan_query = cdp::VoipVlan{0x20, 0x0200, {0x01}};
  phone.power_consumption_mw = 12900;
  phone.power_requested = cdp::PowerRequested{1, 0, {12900}};
  phone.ttl = 150;
  for (const auto& pdu : {switch_pdu(), phone, cdp::Pdu{}}) {
    CHECK(decode_ok(encode_ok(pdu)) == pdu);
  }
  cdp::Pdu v1;
  v1.version = 1;
  CHECK(decode_ok(encode_ok(v1)).version == 1);
}

// ---- hostile input ---------------------------------------------------------------------------

TEST_CASE("CDP decode: truncation at every length", "[cdp][robustness]") {
  for (const ByteVector& full : {scapy_c2950_pdu, encode_ok(switch_pdu())}) {
    const auto boundaries = tlv_boundaries(full);
    REQUIRE(boundaries.back() == full.size());
    for (std::size_t n = 0; n < full.size(); ++n) {
      const ByteVector cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto pdu = cdp::decode_pdu(cut, cdp::DecodeOptions{false});
      INFO("cut at " << n << " of " << full.size());
      const bool at_boundary =
          std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
      CHECK(pdu.ok() == at_boundary);  // a PDU cut between TLVs is a shorter valid PDU
      if (n < cdp::header_size) CHECK(pdu.error() == wire::errc::truncated);
      // With verification on (the default), no cut of these PDUs passes.
      CHECK_FALSE(cdp::decode_pdu(cut).ok());
    }
  }
}

TEST_CASE("CDP decode: TLV length fields that lie", "[cdp][robustness]") {
  const ByteVector device = Build{}.cdp_tlv(0x0001, "sw");
  SECTION("zero, and every length below the 4-byte header") {
    for (unsigned length : {0U, 1U, 2U, 3U}) {
      CHECK(decode_error(cdp_pdu(Build{}.raw(device).u16(0x0001).u16(length).text("abcd"))) ==
            wire::errc::bad_length);
    }
  }
  SECTION("past the end of the PDU") {
    CHECK(decode_error(cdp_pdu(Build{}.u16(0x0001).u16(9).text("abcd"))) == wire::errc::bad_length);
    CHECK(decode_error(cdp_pdu(Build{}.u16(0x0001).u16(0xffff).text("abcd"))) ==
          wire::errc::bad_length);
  }
  SECTION("a TLV header cut off") {
    CHECK(decode_error(cdp_pdu(Build{}.raw(device).u16(0x0001))) == wire::errc::truncated);
    CHECK(decode_error(cdp_pdu(Build{}.raw(device).u8(0x00))) == wire::errc::truncated);
  }
  SECTION("too small or too big for fixed-size types") {
    for (unsigned type : {0x0004U, 0x000aU, 0x000bU, 0x0010U, 0x0011U, 0x0012U, 0x0013U}) {
      for (std::size_t size : {0U, 3U, 5U}) {
        const std::size_t right = type == 0x0004U || type == 0x0011U   ? 4
                                  : type == 0x000aU || type == 0x0010U ? 2
                                                                       : 1;
        if (size == right) continue;
        INFO("type " << type << " value size " << size);
        CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(type, ByteVector(size, 0)))) ==
              wire::errc::bad_length);
      }
    }
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x000e, ByteVector{}))) == wire::errc::bad_length);
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x0019, ByteVector(6, 0)))) ==
          wire::errc::bad_length);
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x0019, ByteVector(2, 0)))) ==
          wire::errc::bad_length);
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x001a, ByteVector(10, 0)))) ==
          wire::errc::bad_length);
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x001a, ByteVector(16, 0)))) ==
          wire::errc::bad_length);
  }
  SECTION("address counts and lengths") {
    const ByteVector entry{0x01, 0x01, 0xcc, 0x00, 0x04, 10, 0, 0, 1};
    // A count larger than what fits (smallest entry is 4 bytes).
    for (std::uint32_t count : {2U, 3U, 1000U, 0xffffffffU}) {
      CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x0002, Build{}.u32(count).raw(entry)))) ==
            wire::errc::bad_length);
      CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x0016, Build{}.u32(count).raw(entry)))) ==
            wire::errc::bad_length);
    }
    // A count smaller than the entries: bytes left over.
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x0002, Build{}.u32(0).raw(entry)))) ==
          wire::errc::bad_length);
    // No room for the count.
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x0002, ByteVector{0, 0, 1}))) ==
          wire::errc::bad_length);
    // Address length past the TLV (but not past the PDU: a Device ID follows).
    CHECK(decode_error(cdp_pdu(
              Build{}
                  .cdp_tlv(0x0002, Build{}.u32(1).raw({0x01, 0x01, 0xcc, 0x00, 0x08, 10, 0, 0, 1}))
                  .raw(device))) == wire::errc::bad_length);
    // Protocol length past the TLV.
    CHECK(decode_error(cdp_pdu(Build{}.cdp_tlv(0x0002, Build{}.u32(1).raw({0x01, 0x40, 0xcc})))) ==
          wire::errc::bad_length);
  }
  SECTION("header: version and size") {
    CHECK(decode_error(ByteVector{}) == wire::errc::truncated);
    CHECK(decode_error(ByteVector{0x02, 0xb4, 0x00}) == wire::errc::truncated);
    ByteVector v3 = cdp_pdu(device);
    v3[0] = 3;
    CHECK(decode_error(v3) == wire::errc::bad_version);
    v3[0] = 0;
    CHECK(decode_error(v3) == wire::errc::bad_version);
    CHECK(decode_ok(cdp_pdu({})) == cdp::Pdu{});  // a header alone is a valid, empty PDU
  }
  SECTION("a flipped bit fails the checksum") {
    ByteVector bytes = cdp_pdu(device);
    bytes.back() ^= 0x01;
    CHECK(decode_error(bytes, true) == wire::errc::bad_checksum);
    CHECK(decode_error(bytes, false) == std::error_code{});
  }
}

TEST_CASE("CDP decode: garbage never crashes, and what decodes re-encodes", "[cdp][robustness]") {
  std::mt19937 rng(20240611);  // fixed seed: the same inputs every run
  std::uniform_int_distribution<int> byte(0, 255);
  const ByteVector valid = encode_ok(switch_pdu());
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    ByteVector input;
    if (i % 2 == 0) {
      input.resize(std::uniform_int_distribution<std::size_t>(0, 300)(rng));
      for (auto& b : input) b = static_cast<std::uint8_t>(byte(rng));
      if (input.size() >= 4 && i % 4 == 0) input[0] = 2;  // get past the version check
    } else {
      input = valid;  // a valid PDU with a few bytes changed
      const int flips = 1 + i % 4;
      for (int f = 0; f < flips; ++f) {
        input[std::uniform_int_distribution<std::size_t>(0, input.size() - 1)(rng)] =
            static_cast<std::uint8_t>(byte(rng));
      }
    }
    for (bool verify : {false, true}) {
      auto pdu = cdp::decode_pdu(input, cdp::DecodeOptions{verify});
      if (!pdu) continue;
      ++decoded;
      auto again = cdp::encode_pdu(*pdu);
      REQUIRE(again.ok());
      auto twice = cdp::decode_pdu(*again);
      REQUIRE(twice.ok());
      CHECK(*twice == *pdu);
    }
  }
  CHECK(decoded > 0);
}

// ---- encode errors ---------------------------------------------------------------------------

TEST_CASE("CDP encode: sizes it cannot encode", "[cdp]") {
  cdp::Pdu pdu;
  pdu.device_id = std::string(cdp::max_tlv_value, 'x');
  CHECK(cdp::encode_pdu(pdu).ok());
  pdu.device_id->push_back('x');
  CHECK(cdp::encode_pdu(pdu).error() == wire::errc::bad_length);

  cdp::Pdu bad_protocol;
  cdp::Address a;
  a.protocol.assign(256, 0);
  bad_protocol.addresses = std::vector{a};
  CHECK(cdp::encoded_size(bad_protocol).error() == wire::errc::bad_length);

  const cdp::Pdu small = switch_pdu();
  std::vector<std::uint8_t> buffer(cdp::encoded_size(small).value() - 1);
  CHECK(cdp::encode_pdu(wire::MutableBytes{buffer}, small).error() == wire::errc::buffer_too_small);
  buffer.push_back(0);
  CHECK(cdp::encode_pdu(wire::MutableBytes{buffer}, small).value() == buffer.size());
}

// ---- frames ----------------------------------------------------------------------------------

TEST_CASE("CDP frame: 802.3 + LLC/SNAP, padded to 60 bytes", "[cdp][frame]") {
  const MacAddress src = MacAddress::from_u64(0x001122334455);
  cdp::Pdu pdu;
  pdu.device_id = "SEP001122334455";  // PDU of 23 bytes: odd
  const ByteVector body = encode_ok(pdu);
  REQUIRE(body.size() == 23);
  const auto frame = cdp::encode_frame(pdu, src);
  REQUIRE(frame.ok());
  // dst 01:00:0c:cc:cc:cc, src, 802.3 length 8 + 23 = 31, LLC AA AA 03, SNAP 00-00-0C 0x2000.
  const ByteVector header{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, 0x00, 0x11, 0x22, 0x33, 0x44,
                          0x55, 0x00, 0x1f, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00};
  ByteVector expected = header;
  expected.insert(expected.end(), body.begin(), body.end());
  expected.resize(60, 0x00);
  CHECK(*frame == expected);

  auto decoded = cdp::decode_frame(*frame);
  REQUIRE(decoded.ok());
  CHECK(decoded->pdu == pdu);
  CHECK(decoded->ethernet.src == src);
  CHECK(decoded->ethernet.dst == cdp::multicast_address);
  CHECK(!decoded->ethernet.vlan);

  // Into a caller's buffer: too small, then exact.
  std::vector<std::uint8_t> buffer(59);
  CHECK(cdp::encode_frame(wire::MutableBytes{buffer}, pdu, src).error() ==
        wire::errc::buffer_too_small);
  buffer.resize(60);
  CHECK(cdp::encode_frame(wire::MutableBytes{buffer}, pdu, src).value() == 60);
  CHECK(buffer == expected);
}

TEST_CASE("CDP frame: a large PDU is not padded; with a priority tag", "[cdp][frame]") {
  const MacAddress src = MacAddress::from_u64(0x0cd0f8aabbcc);
  const cdp::Pdu pdu = switch_pdu();
  const auto size = cdp::encoded_size(pdu).value();
  const auto plain = cdp::encode_frame(pdu, src).value();
  CHECK(plain.size() == 14 + 8 + size);
  CHECK(wire::load_be16(plain.data() + 12) == 8 + size);

  const auto tagged = cdp::encode_frame(pdu, src, wire::VlanTag{0, 5, false}).value();
  CHECK(tagged.size() == 18 + 8 + size);
  CHECK(wire::load_be16(tagged.data() + 12) == 0x8100);
  CHECK(wire::load_be16(tagged.data() + 14) == 0xa000);  // PCP 5, VID 0
  auto decoded = cdp::decode_frame(tagged);
  REQUIRE(decoded.ok());
  CHECK(decoded->pdu == pdu);
  REQUIRE(decoded->ethernet.vlan.has_value());
  CHECK(decoded->ethernet.vlan->priority == 5);
}

TEST_CASE("CDP frame: truncation at every length, and padding ignored", "[cdp][frame]") {
  cdp::Pdu pdu;
  pdu.device_id = "SEP001122334455";
  const auto frame = cdp::encode_frame(pdu, MacAddress::from_u64(0x001122334455)).value();
  const std::size_t end_of_pdu = 14 + 8 + 23;
  for (std::size_t n = 0; n <= frame.size(); ++n) {
    INFO("cut at " << n);
    auto decoded = cdp::decode_frame(wire::Bytes{frame.data(), n});
    CHECK(decoded.ok() == (n >= end_of_pdu));
  }
}

TEST_CASE("CDP frame: other frames are not CDP", "[cdp][frame]") {
  const MacAddress src = MacAddress::from_u64(0x001122334455);
  cdp::Pdu pdu;
  pdu.device_id = "x";
  auto frame = cdp::encode_frame(pdu, src).value();

  SECTION("another SNAP protocol (0x2004 DTP)") {
    frame[21] = 0x04;
    CHECK(cdp::decode_frame(frame).error() == cdp::errc::not_cdp);
  }
  SECTION("another OUI") {
    frame[19] = 0x0d;
    CHECK(cdp::decode_frame(frame).error() == cdp::errc::not_cdp);
  }
  SECTION("LLC without SNAP (STP: 42 42 03)") {
    frame[14] = 0x42;
    frame[15] = 0x42;
    CHECK(cdp::decode_frame(frame).error() == cdp::errc::not_cdp);
  }
  SECTION("an Ethernet II frame (LLDP)") {
    lldp::Pdu l;
    l.chassis_id = lldp::Id::mac(lldp::chassis_subtype::mac_address, src);
    l.port_id = lldp::Id::text(lldp::port_subtype::locally_assigned, "Port 1");
    CHECK(cdp::decode_frame(lldp::encode_frame(l, src).value()).error() == cdp::errc::not_cdp);
  }
  SECTION("a bad checksum inside a good frame") {
    frame[22 + 4 + 4] ^= 0x20;  // the Device ID's first byte
    CHECK(cdp::decode_frame(frame).error() == wire::errc::bad_checksum);
    CHECK(cdp::decode_frame(frame, cdp::DecodeOptions{false}).ok());
  }
  SECTION("a PDU too big for one frame") {
    cdp::Pdu big;
    big.software_version = std::string(cdp::max_pdu_in_frame - 8 + 1, 'v');
    CHECK(cdp::encode_frame(big, src).error() == wire::errc::bad_length);
    big.software_version->pop_back();
    CHECK(cdp::encode_frame(big, src).value().size() == 1514);
  }
}

TEST_CASE("CDP error messages name their category", "[cdp]") {
  const std::error_code ec = cdp::errc::not_cdp;
  CHECK(std::string(ec.category().name()) == "voicelab.cdp");
  CHECK_FALSE(ec.message().empty());
  CHECK(std::error_code(cdp::errc::missing_tlv).message() != ec.message());
}

}  // namespace voicelab::test
