#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/error.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/udp.hpp"
#include "wire_test_util.hpp"

using namespace voicelab::wire;
using testing::from_hex;

namespace {

const Ipv4Address src(10, 1, 1, 5);
const Ipv4Address dst(10, 1, 1, 1);

// 10.1.1.5:50000 -> 10.1.1.1:50001, payload "hello" (odd length): built by hand and read by
// tshark 4.0 as "Checksum: 0x1f58 [correct]".
const auto hello_datagram = from_hex("c3 50 c3 51 00 0d 1f 58 | 68 65 6c 6c 6f");

void check_invariants(Bytes input) {
  for (bool verify : {false, true}) {
    const auto datagram = decode_udp(input, src, dst, verify);
    if (!datagram) continue;
    CHECK(testing::lies_within(datagram->payload, input));
    CHECK(datagram->payload.size() + UdpHeader::size == datagram->header.length);
    CHECK(datagram->header.length <= input.size());
    if (verify && datagram->header.checksum != 0) {
      CHECK(transport_checksum(src, dst, ip_protocol::udp, input.first(datagram->header.length)) ==
            0);
    }
  }
}

}  // namespace

TEST_CASE("decode a UDP datagram", "[wire][udp]") {
  const auto datagram = decode_udp(hello_datagram, src, dst);
  REQUIRE(datagram.ok());
  CHECK(datagram->header.src_port == 50000);
  CHECK(datagram->header.dst_port == 50001);
  CHECK(datagram->header.length == 13);
  CHECK(datagram->header.checksum == 0x1f58);
  CHECK(testing::exact_copy(datagram->payload) == from_hex("68 65 6c 6c 6f"));
  // Checked against the pseudo-header: the same bytes between other hosts do not verify.
  CHECK(decode_udp(hello_datagram, src, Ipv4Address(10, 1, 1, 2)).error() == errc::bad_checksum);
  CHECK(decode_udp(hello_datagram, src, Ipv4Address(10, 1, 1, 2), false).ok());
}

TEST_CASE("encode a UDP datagram", "[wire][udp]") {
  const std::array<std::uint8_t, 5> hello{'h', 'e', 'l', 'l', 'o'};
  std::array<std::uint8_t, 13> out{};
  const auto written = encode_udp(out, src, dst, 50000, 50001, hello);
  REQUIRE(written.ok());
  CHECK(*written == 13);
  CHECK(testing::exact_copy(out) == hello_datagram);
  for (std::size_t size = 0; size < 13; ++size) {
    std::vector<std::uint8_t> small(size);
    CHECK(encode_udp(small, src, dst, 1, 2, hello).error() == errc::buffer_too_small);
  }
  std::array<std::uint8_t, 8> header_only{};
  REQUIRE(encode_udp(header_only, src, dst, 67, 68, {}).ok());
  CHECK(decode_udp(header_only, src, dst)->payload.empty());
}

TEST_CASE("a computed UDP checksum of zero is sent as ffff", "[wire][udp]") {
  // Search the last payload word that makes the sum come out as zero (RFC 768: "If the computed
  // checksum is zero, it is transmitted as all ones").
  std::array<std::uint8_t, 4> payload{0x12, 0x34, 0, 0};
  std::array<std::uint8_t, 12> out{};
  bool found = false;
  for (unsigned word = 0; word <= 0xffff && !found; ++word) {
    store_be16(payload.data() + 2, static_cast<std::uint16_t>(word));
    REQUIRE(encode_udp(out, src, dst, 5060, 5060, payload).ok());
    found = load_be16(out.data() + 6) == 0xffff;
  }
  REQUIRE(found);
  CHECK(decode_udp(out, src, dst).ok());  // ffff verifies like 0000 would
}

TEST_CASE("UDP without a checksum, lengths and refusals", "[wire][udp]") {
  auto no_checksum = hello_datagram;
  no_checksum[6] = 0;
  no_checksum[7] = 0;
  no_checksum[8] = 'J';  // would fail verification if there were a checksum
  REQUIRE(decode_udp(no_checksum, src, dst).ok());
  CHECK(decode_udp(no_checksum, src, dst)->header.checksum == 0);

  auto corrupted = hello_datagram;
  corrupted[8] = 'J';
  CHECK(decode_udp(corrupted, src, dst).error() == errc::bad_checksum);
  CHECK(decode_udp(corrupted, src, dst, false).ok());

  auto with_length = [&](std::uint16_t length) {
    auto bytes = hello_datagram;
    store_be16(bytes.data() + 4, length);
    return bytes;
  };
  CHECK(decode_udp(with_length(7), src, dst, false).error() == errc::bad_length);
  CHECK(decode_udp(with_length(0), src, dst, false).error() == errc::bad_length);
  CHECK(decode_udp(with_length(14), src, dst, false).error() == errc::bad_length);
  // A UDP length shorter than the IP payload: the rest is not the datagram's.
  const auto shorter = decode_udp(with_length(10), src, dst, false);
  REQUIRE(shorter.ok());
  CHECK(shorter->payload.size() == 2);
}

TEST_CASE("UDP encoder limits", "[wire][udp]") {
  std::vector<std::uint8_t> payload(65508);
  std::vector<std::uint8_t> out(8 + payload.size());
  CHECK(encode_udp(out, src, dst, 1, 2, Bytes{payload}).error() == errc::bad_length);
  const auto largest = encode_udp(out, src, dst, 1, 2, Bytes{payload}.first(65507));
  REQUIRE(largest.ok());
  CHECK(*largest == 65515);
  CHECK(decode_udp(Bytes{out}.first(65515), src, dst).ok());
}

TEST_CASE("UDP refuses every truncation", "[wire][udp][hostile]") {
  for (bool verify : {true, false}) {
    testing::require_error_for_every_prefix(
        hello_datagram, [&](Bytes bytes) { return decode_udp(bytes, src, dst, verify); });
  }
  for (std::size_t length = 0; length < 8; ++length) {
    const auto prefix = testing::exact_copy(Bytes{hello_datagram}.first(length));
    CHECK(decode_udp(prefix, src, dst).error() == errc::truncated);
  }
}

TEST_CASE("UDP survives garbage", "[wire][udp][hostile]") {
  testing::feed_garbage(31, 20000, 40, check_invariants);
  testing::feed_mutations(hello_datagram, 32, 20000, check_invariants);
}
