#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "wire_test_util.hpp"

using namespace voicelab::wire;
using testing::from_hex;

TEST_CASE("RFC 1071 section 3 numerical example", "[wire][checksum]") {
  // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement); the checksum
  // stored in a header is its complement.
  const auto bytes = from_hex("00 01 f2 03 f4 f5 f6 f7");
  CHECK(internet_checksum(bytes) == static_cast<std::uint16_t>(~0xddf2));
  CHECK(internet_checksum(bytes) == 0x220d);

  // RFC 1071 §2(A): the sum may be split into groups as long as each keeps even/odd byte places.
  InternetChecksum pieces;
  pieces.add(Bytes{bytes}.first(2));
  pieces.add(Bytes{bytes}.subspan(2, 4));
  pieces.add(Bytes{bytes}.subspan(6));
  CHECK(pieces.finish() == 0x220d);

  InternetChecksum words;
  words.add_u16(0x0001);
  words.add_u32(0xf203f4f5);
  words.add_u16(0xf6f7);
  CHECK(words.finish() == 0x220d);
}

TEST_CASE("IPv4 header checksum, the usual worked example", "[wire][checksum]") {
  // The header used to explain the IPv4 checksum on Wikipedia ("Internet checksum", "IPv4 header
  // checksum"): 192.168.0.1 -> 192.168.0.199, UDP, checksum b861. tshark 4.0 reads it as
  // "Header Checksum: 0xb861 [correct]".
  auto header = from_hex("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7");
  CHECK(internet_checksum(header) == 0);  // a header holding its checksum verifies to zero
  header[10] = 0;
  header[11] = 0;
  CHECK(internet_checksum(header) == 0xb861);
}

TEST_CASE("checksum edge cases", "[wire][checksum]") {
  CHECK(internet_checksum({}) == 0xffff);
  // RFC 1071: an odd last byte is the high byte of a word padded with zero.
  CHECK(internet_checksum(from_hex("ab")) == static_cast<std::uint16_t>(~0xab00));
  CHECK(internet_checksum(from_hex("12 34 ab")) == static_cast<std::uint16_t>(~(0x1234 + 0xab00)));
  // Many carries: 4096 words of ffff fold back to ffff, whose complement is 0.
  const std::vector<std::uint8_t> all_ones(8192, 0xff);
  CHECK(internet_checksum(all_ones) == 0);
  // 0x8000 + 0x8000 carries once: 0x0001 -> checksum 0xfffe.
  CHECK(internet_checksum(from_hex("80 00 80 00")) == 0xfffe);
}

TEST_CASE("transport checksum with the IPv4 pseudo-header", "[wire][checksum]") {
  // UDP 10.1.1.5:50000 -> 10.1.1.1:50001, payload "hello": built by hand and read by tshark 4.0
  // as "Checksum: 0x1f58 [correct]".
  auto datagram = from_hex("c3 50 c3 51 00 0d 1f 58 68 65 6c 6c 6f");
  const Ipv4Address src(10, 1, 1, 5);
  const Ipv4Address dst(10, 1, 1, 1);
  CHECK(transport_checksum(src, dst, ip_protocol::udp, datagram) == 0);
  datagram[6] = 0;
  datagram[7] = 0;
  CHECK(transport_checksum(src, dst, ip_protocol::udp, datagram) == 0x1f58);
  // The pseudo-header matters: other addresses or another protocol give another sum.
  CHECK(transport_checksum(dst, Ipv4Address(10, 1, 1, 6), ip_protocol::udp, datagram) != 0x1f58);
  CHECK(transport_checksum(src, dst, ip_protocol::tcp, datagram) != 0x1f58);
}
