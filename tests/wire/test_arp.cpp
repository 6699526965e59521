#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/wire/arp.hpp"
#include "voicelab/wire/error.hpp"
#include "wire_test_util.hpp"

using namespace voicelab::wire;
using testing::from_hex;

namespace {

// The ARP part of a request "who has 10.1.1.1? tell 10.1.1.5" from 00:11:22:33:44:55, laid out
// by hand from RFC 826; tshark 4.0 reads the frame carrying it as "Who has 10.1.1.1? Tell
// 10.1.1.5".
const auto request_bytes = from_hex(
    "00 01 08 00 06 04 00 01 | 00 11 22 33 44 55 0a 01 01 05 | 00 00 00 00 00 00 0a 01 01 01");

void check_invariants(Bytes input) {
  const auto packet = decode_arp(input);
  if (!packet) return;
  // Only Ethernet/IPv4 decodes, so re-encoding must give back the input's first 28 bytes.
  REQUIRE(input.size() >= ArpPacket::size);
  std::array<std::uint8_t, ArpPacket::size> out{};
  REQUIRE(encode_arp(out, *packet).ok());
  CHECK(testing::exact_copy(out) == testing::exact_copy(input.first(ArpPacket::size)));
}

}  // namespace

TEST_CASE("decode an ARP request", "[wire][arp]") {
  const auto packet = decode_arp(request_bytes);
  REQUIRE(packet.ok());
  CHECK(packet->operation == arp_op::request);
  CHECK(packet->sender_mac == MacAddress::from_u64(0x001122334455));
  CHECK(packet->sender_ip == Ipv4Address(10, 1, 1, 5));
  CHECK(packet->target_mac.is_zero());
  CHECK(packet->target_ip == Ipv4Address(10, 1, 1, 1));
}

TEST_CASE("encode an ARP request and a reply", "[wire][arp]") {
  const ArpPacket request{arp_op::request, MacAddress::from_u64(0x001122334455),
                          Ipv4Address(10, 1, 1, 5), MacAddress{}, Ipv4Address(10, 1, 1, 1)};
  std::array<std::uint8_t, ArpPacket::size> out{};
  const auto written = encode_arp(out, request);
  REQUIRE(written.ok());
  CHECK(*written == 28);
  CHECK(testing::exact_copy(out) == request_bytes);

  const ArpPacket reply{arp_op::reply, MacAddress::from_u64(0x00aabbccddee),
                        Ipv4Address(10, 1, 1, 1), request.sender_mac, request.sender_ip};
  REQUIRE(encode_arp(out, reply).ok());
  CHECK(out[7] == 2);
  const auto decoded = decode_arp(out);
  REQUIRE(decoded.ok());
  CHECK(*decoded == reply);

  for (std::size_t size = 0; size < ArpPacket::size; ++size) {
    std::vector<std::uint8_t> small(size);
    CHECK(encode_arp(small, reply).error() == errc::buffer_too_small);
  }
}

TEST_CASE("ARP ignores frame padding and refuses other address types", "[wire][arp]") {
  auto padded = request_bytes;
  padded.resize(46);  // the payload of a minimum-size Ethernet frame
  CHECK(decode_arp(padded).ok());

  const auto with_byte = [&](std::size_t offset, std::uint8_t value) {
    auto changed = request_bytes;
    changed[offset] = value;
    return changed;
  };
  CHECK(decode_arp(with_byte(1, 6)).error() == errc::unsupported);     // IEEE 802 hardware
  CHECK(decode_arp(with_byte(2, 0x86)).error() == errc::unsupported);  // not IPv4
  CHECK(decode_arp(with_byte(4, 8)).error() == errc::unsupported);     // 8-byte hardware address
  CHECK(decode_arp(with_byte(5, 16)).error() == errc::unsupported);  // IPv6-sized protocol address
  // Operations other than request/reply (RARP, InARP) are the caller's to judge.
  CHECK(decode_arp(with_byte(7, 9))->operation == 9);
  // Another hardware type is refused as such even when too short for Ethernet/IPv4.
  CHECK(decode_arp(from_hex("00 06 08 00 06 04 00 01")).error() == errc::unsupported);
}

TEST_CASE("ARP refuses every truncation", "[wire][arp][hostile]") {
  testing::require_error_for_every_prefix(request_bytes, decode_arp);
  for (std::size_t length = 0; length < ArpPacket::size; ++length) {
    const auto prefix = testing::exact_copy(Bytes{request_bytes}.first(length));
    CHECK(decode_arp(prefix).error() == errc::truncated);
  }
}

TEST_CASE("ARP survives garbage", "[wire][arp][hostile]") {
  testing::feed_garbage(11, 20000, 40, check_invariants);
  testing::feed_mutations(request_bytes, 12, 20000, check_invariants);
}
