// Cisco's CDP checksum: RFC 1071 for even lengths; for odd lengths the last byte B is summed as the
// word 0x00BB, or 0xFF00 | (B - 1) when B >= 0x80 (Wireshark's packet-cdp.c; PROTOCOL-NOTES.md).
// The expected values below were worked out independently of this code with that rule (and with
// plain RFC 1071 zero padding, to show that they differ); discovery_tshark_test.cpp puts the same
// PDUs in a capture and checks that tshark 4.0 reads their checksums as good.

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "captured_vectors.hpp"
#include "test_bytes.hpp"
#include "voicelab/cdp/cdp.hpp"
#include "voicelab/wire/checksum.hpp"

namespace voicelab::test {
namespace {

// The PDU with its checksum field zeroed: cdp::checksum() of it is the value to store.
ByteVector zeroed(ByteVector pdu) {
  pdu[2] = 0;
  pdu[3] = 0;
  return pdu;
}

ByteVector with_checksum(ByteVector pdu, std::uint16_t sum) {
  pdu[2] = static_cast<std::uint8_t>(sum >> 8);
  pdu[3] = static_cast<std::uint8_t>(sum);
  return pdu;
}

}  // namespace

TEST_CASE("CDP checksum: a real Catalyst 2950 PDU (even length) verifies", "[cdp][checksum]") {
  const auto& pdu = scapy_c2950_pdu;
  REQUIRE(pdu.size() == 450);
  CHECK(cdp::checksum_ok(pdu));
  CHECK(cdp::checksum(pdu) == 0);
  CHECK(cdp::checksum(zeroed(pdu)) == 0x8cfa);  // the value in the capture
  // Even lengths are plain RFC 1071.
  CHECK(cdp::checksum(zeroed(pdu)) == wire::internet_checksum(zeroed(pdu)));
}

TEST_CASE("CDP checksum: the anonymised 7960 PDU does not verify", "[cdp][checksum]") {
  // scapy rebuilt it as 0xf3f1 after editing the device ID; the stored 0xd7db is stale.
  CHECK_FALSE(cdp::checksum_ok(scapy_7960_pdu));
  CHECK(cdp::checksum(zeroed(scapy_7960_pdu)) == 0xf3f1);
}

TEST_CASE("CDP checksum: even length equals RFC 1071", "[cdp][checksum]") {
  // 02 b4 .... | 00 0a 00 06 00 0a (Native VLAN 10): 10 bytes.
  const ByteVector pdu{0x02, 0xb4, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x06, 0x00, 0x0a};
  CHECK(cdp::checksum(pdu) == 0xfd31);
  CHECK(cdp::checksum(pdu) == wire::internet_checksum(pdu));
  CHECK(cdp::checksum_ok(with_checksum(pdu, 0xfd31)));
}

TEST_CASE("CDP checksum: odd length ending in a byte below 0x80", "[cdp][checksum]") {
  SECTION("0x58: Device ID \"X\"") {
    const ByteVector pdu{0x02, 0xb4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 0x58};
    CHECK(cdp::checksum(pdu) == 0xfced);            // last word summed as 0x0058
    CHECK(wire::internet_checksum(pdu) == 0xa545);  // RFC zero padding (0x5800): not CDP's
    CHECK(cdp::checksum_ok(with_checksum(pdu, 0xfced)));
    CHECK_FALSE(cdp::checksum_ok(with_checksum(pdu, 0xa545)));
  }
  SECTION("0x7f: Untrusted Port CoS 0x7f") {
    const ByteVector pdu{0x02, 0xb4, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x7f};
    CHECK(cdp::checksum(pdu) == 0xfcb4);
    CHECK(cdp::checksum_ok(with_checksum(pdu, 0xfcb4)));
  }
  SECTION("0x00: both rules agree") {
    const ByteVector pdu{0x02, 0xb4, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x00};
    CHECK(cdp::checksum(pdu) == 0xfd33);
    CHECK(wire::internet_checksum(pdu) == 0xfd33);
  }
  SECTION("0x35: a phone's Device ID SEP001122334455 (23 bytes)") {
    const ByteVector pdu = Build{}.raw({0x02, 0xb4, 0x00, 0x00}).cdp_tlv(0x0001, "SEP001122334455");
    REQUIRE(pdu.size() == 23);
    CHECK(cdp::checksum(pdu) == 0x5e8d);
    CHECK(wire::internet_checksum(pdu) == 0x29c2);
  }
}

TEST_CASE("CDP checksum: odd length ending in a byte of 0x80 or more", "[cdp][checksum]") {
  SECTION("0xa5: Trust Bitmap 0xa5") {
    const ByteVector pdu{0x02, 0xb4, 0x00, 0x00, 0x00, 0x12, 0x00, 0x05, 0xa5};
    CHECK(cdp::checksum(pdu) == 0xfd8f);            // last word summed as 0xffa4
    CHECK(wire::internet_checksum(pdu) == 0x5834);  // RFC zero padding: not CDP's
    CHECK(cdp::checksum_ok(with_checksum(pdu, 0xfd8f)));
    CHECK_FALSE(cdp::checksum_ok(with_checksum(pdu, 0x5834)));
  }
  SECTION("0x80: the smallest byte that takes the off-by-one") {
    const ByteVector pdu{0x02, 0xb4, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x80};
    CHECK(cdp::checksum(pdu) == 0xfdb3);  // last word 0xff7f
    CHECK(wire::internet_checksum(pdu) == 0x7d33);
  }
}

TEST_CASE("CDP checksum: encode_pdu stores a checksum that verifies, odd and even",
          "[cdp][checksum]") {
  for (std::size_t name_length = 1; name_length <= 40; ++name_length) {
    for (std::uint8_t last : {std::uint8_t{0x00}, std::uint8_t{0x41}, std::uint8_t{0x7f},
                              std::uint8_t{0x80}, std::uint8_t{0xa5}, std::uint8_t{0xff}}) {
      cdp::Pdu pdu;
      pdu.device_id = std::string(name_length - 1, 'a') + static_cast<char>(last);
      auto bytes = cdp::encode_pdu(pdu);
      REQUIRE(bytes.ok());
      INFO("PDU size " << bytes->size() << ", last byte " << int{last});
      CHECK(cdp::checksum_ok(*bytes));
      CHECK(cdp::decode_pdu(*bytes).ok());
    }
  }
}

}  // namespace voicelab::test
