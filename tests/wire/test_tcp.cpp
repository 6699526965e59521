#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/error.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/tcp.hpp"
#include "wire_test_util.hpp"

using namespace voicelab::wire;
using testing::from_hex;

namespace {

const Ipv4Address src(10, 1, 1, 5);
const Ipv4Address dst(10, 1, 1, 1);

// SYN 10.1.1.5:50010 -> 10.1.1.1:50020, seq 0x01020304, window 65535, MSS 1460: built by hand;
// tshark 4.0: "[SYN] Seq=0 Win=65535 Len=0 MSS=1460", "Checksum: 0xf759 [correct]".
const auto syn_segment =
    from_hex("c3 5a c3 64 01 02 03 04 00 00 00 00 60 02 ff ff f7 59 00 00 | 02 04 05 b4");

// Stores the right checksum into a hand-made segment.
std::vector<std::uint8_t> with_checksum(std::vector<std::uint8_t> segment) {
  store_be16(segment.data() + 16, 0);
  store_be16(segment.data() + 16, transport_checksum(src, dst, ip_protocol::tcp, segment));
  return segment;
}

// A segment with the given options area (a multiple of 4 bytes) and payload.
std::vector<std::uint8_t> segment_with_options(std::string_view options_hex,
                                               std::string_view payload_hex = "") {
  auto segment = from_hex("c3 5a c3 64 00 00 00 01 00 00 00 00 00 12 20 00 00 00 00 00");
  const auto options = from_hex(options_hex);
  segment[12] = static_cast<std::uint8_t>((20 + options.size()) / 4 << 4);
  segment.insert(segment.end(), options.begin(), options.end());
  const auto payload = from_hex(payload_hex);
  segment.insert(segment.end(), payload.begin(), payload.end());
  return with_checksum(segment);
}

void check_invariants(Bytes input) {
  for (bool verify : {false, true}) {
    const auto segment = decode_tcp(input, src, dst, verify);
    if (!segment) continue;
    CHECK(testing::lies_within(segment->payload, input));
    const std::size_t header_length = (std::size_t{input[12]} >> 4) * 4;
    CHECK(header_length >= TcpHeader::min_size);
    CHECK(header_length + segment->payload.size() == input.size());
    if (verify) CHECK(transport_checksum(src, dst, ip_protocol::tcp, input) == 0);
  }
}

}  // namespace

TEST_CASE("decode a TCP SYN with MSS", "[wire][tcp]") {
  const auto segment = decode_tcp(syn_segment, src, dst);
  REQUIRE(segment.ok());
  const auto& header = segment->header;
  CHECK(header.src_port == 50010);
  CHECK(header.dst_port == 50020);
  CHECK(header.seq == 0x01020304);
  CHECK(header.ack == 0);
  CHECK(header.flags == tcp_flag::syn);
  CHECK(header.has(tcp_flag::syn));
  CHECK_FALSE(header.has(tcp_flag::ack));
  CHECK(header.window == 65535);
  CHECK(header.urgent == 0);
  REQUIRE(header.mss.has_value());
  CHECK(*header.mss == 1460);
  CHECK(header.size() == 24);
  CHECK(segment->payload.empty());
}

TEST_CASE("encode a TCP SYN with MSS", "[wire][tcp]") {
  TcpHeader header;
  header.src_port = 50010;
  header.dst_port = 50020;
  header.seq = 0x01020304;
  header.flags = tcp_flag::syn;
  header.window = 65535;
  header.mss = 1460;
  std::array<std::uint8_t, 24> out{};
  const auto written = encode_tcp(out, src, dst, header, {});
  REQUIRE(written.ok());
  CHECK(*written == 24);
  CHECK(testing::exact_copy(out) == syn_segment);
  for (std::size_t size = 0; size < 24; ++size) {
    std::vector<std::uint8_t> small(size);
    CHECK(encode_tcp(small, src, dst, header, {}).error() == errc::buffer_too_small);
  }
}

TEST_CASE("TCP round trip of every flag with a payload", "[wire][tcp]") {
  const auto payload = from_hex("52 45 47 49 53 54 45 52 20");  // "REGISTER " (odd length)
  std::array<std::uint8_t, 64> out{};
  for (unsigned flags = 0; flags <= 0xff; ++flags) {
    TcpHeader header;
    header.src_port = 5060;
    header.dst_port = 49152;
    header.seq = 0xfffffff0;
    header.ack = 0x80000000 + flags;
    header.flags = static_cast<std::uint8_t>(flags);
    header.window = 29200;
    header.urgent = 7;
    const auto written = encode_tcp(out, src, dst, header, payload);
    REQUIRE(written.ok());
    const auto decoded = decode_tcp(Bytes{out}.first(*written), src, dst);
    REQUIRE(decoded.ok());
    CHECK(decoded->header.flags == flags);
    CHECK(decoded->header.seq == header.seq);
    CHECK(decoded->header.ack == header.ack);
    CHECK(decoded->header.window == header.window);
    CHECK(decoded->header.urgent == 7);
    CHECK_FALSE(decoded->header.mss.has_value());
    CHECK(testing::exact_copy(decoded->payload) == payload);
  }
}

TEST_CASE("TCP options walk", "[wire][tcp]") {
  const auto mss_of = [](const std::vector<std::uint8_t>& segment) {
    const auto decoded = decode_tcp(segment, src, dst);
    REQUIRE(decoded.ok());
    return decoded->header.mss;
  };
  // NOP NOP MSS; window scale (RFC 7323) NOP; SACK permitted (RFC 2018) and timestamps
  // (RFC 7323) skipped as unknown.
  CHECK(mss_of(segment_with_options("01 01 02 04 05 78 01 01")) == 1400);
  CHECK(mss_of(segment_with_options("03 03 07 01 02 04 02 18")) == 536);
  CHECK(mss_of(segment_with_options("04 02 08 0a 00 00 00 01 00 00 00 00 02 04 05 b4")) == 1460);
  // EOL ends the walk: what follows is padding, even when it looks like an option.
  CHECK(mss_of(segment_with_options("00 02 04 05")) == std::nullopt);
  CHECK(mss_of(segment_with_options("01 01 01 00")) == std::nullopt);

  const auto with_payload = segment_with_options("02 04 05 b4", "aa bb cc");
  const auto decoded = decode_tcp(with_payload, src, dst);
  REQUIRE(decoded.ok());
  CHECK(testing::exact_copy(decoded->payload) == from_hex("aa bb cc"));
}

TEST_CASE("TCP refusals", "[wire][tcp]") {
  const auto error_of = [](const std::vector<std::uint8_t>& segment) {
    return decode_tcp(segment, src, dst).error();
  };
  CHECK(error_of(segment_with_options("01 02 04 05")) == errc::bad_length);        // runs past
  CHECK(error_of(segment_with_options("02 03 05 01")) == errc::bad_length);        // MSS length 3
  CHECK(error_of(segment_with_options("02 06 05 b4 00 00")) == errc::bad_length);  // MSS length 6
  CHECK(error_of(segment_with_options("08 01 00 00")) == errc::bad_length);        // length 1
  CHECK(error_of(segment_with_options("08 00 00 00")) == errc::bad_length);        // length 0
  CHECK(error_of(segment_with_options("01 01 01 08")) == errc::bad_length);        // no length byte
  CHECK(error_of(segment_with_options("08 05 00 00")) == errc::bad_length);  // past the header

  auto offset_of = [](std::uint8_t data_offset) {
    auto segment = syn_segment;
    segment[12] = static_cast<std::uint8_t>(data_offset << 4);
    return with_checksum(segment);
  };
  CHECK(error_of(offset_of(4)) == errc::bad_length);
  CHECK(error_of(offset_of(0)) == errc::bad_length);
  CHECK(error_of(offset_of(7)) == errc::bad_length);               // 28 bytes of header in 24
  CHECK(decode_tcp(offset_of(5), src, dst)->payload.size() == 4);  // the MSS option as data

  auto corrupted = syn_segment;
  corrupted[4] ^= 0x80;
  CHECK(error_of(corrupted) == errc::bad_checksum);
  CHECK(decode_tcp(corrupted, src, dst, false).ok());
}

TEST_CASE("TCP encoder limits", "[wire][tcp]") {
  TcpHeader header;
  header.mss = 1460;
  std::vector<std::uint8_t> payload(65535 - 20 - 24 + 1);
  std::vector<std::uint8_t> out(24 + payload.size());
  CHECK(encode_tcp(out, src, dst, header, payload).error() == errc::bad_length);
  payload.pop_back();
  const auto largest = encode_tcp(out, src, dst, header, payload);
  REQUIRE(largest.ok());
  CHECK(*largest == 65515);
  CHECK(decode_tcp(Bytes{out}.first(65515), src, dst).ok());
}

TEST_CASE("TCP refuses every truncation", "[wire][tcp][hostile]") {
  // TCP has no length of its own: a cut in the payload only shows in the checksum.
  const auto segment = segment_with_options("01 01 02 04 05 b4 01 01", "01 02 03 04 05 06 07");
  testing::require_error_for_every_prefix(
      segment, [&](Bytes bytes) { return decode_tcp(bytes, src, dst, true); });
  testing::require_error_for_every_prefix(
      Bytes{segment}.first(28), [&](Bytes bytes) { return decode_tcp(bytes, src, dst, false); });
  for (std::size_t length = 0; length < 20; ++length) {
    const auto prefix = testing::exact_copy(Bytes{segment}.first(length));
    CHECK(decode_tcp(prefix, src, dst).error() == errc::truncated);
  }
}

TEST_CASE("TCP survives garbage", "[wire][tcp][hostile]") {
  testing::feed_garbage(41, 20000, 64, check_invariants);
  // Garbage with a plausible data offset reaches the option walk more often.
  testing::feed_garbage(42, 20000, 64, [](Bytes raw) {
    auto bytes = testing::exact_copy(raw);
    if (bytes.size() >= 20) {
      const std::size_t offsets = std::min<std::size_t>(15, bytes.size() / 4) - 4;
      bytes[12] = static_cast<std::uint8_t>((5 + bytes[12] % offsets) << 4);
    }
    check_invariants(bytes);
  });
  testing::feed_mutations(syn_segment, 43, 20000, check_invariants);
  testing::feed_mutations(segment_with_options("03 03 07 01 02 04 02 18 04 02 01 00", "ff"), 44,
                          20000, check_invariants);
}
