#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/wire/error.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "wire_test_util.hpp"

using namespace voicelab::wire;
using testing::from_hex;

namespace {

// ARP request from 00:11:22:33:44:55 (10.1.1.5) for 10.1.1.1, padded to 60 bytes. Written by
// hand from RFC 826 / IEEE 802.3; tshark 4.0: "ARP 60 Who has 10.1.1.1? Tell 10.1.1.5".
const auto arp_frame = from_hex(
    "ff ff ff ff ff ff 00 11 22 33 44 55 08 06 | 00 01 08 00 06 04 00 01 00 11 22 33 44 55"
    "0a 01 01 05 00 00 00 00 00 00 0a 01 01 01 | 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00");

// The same UDP packet tagged for VLAN 100 with priority 5 (TCI a064), as a voice VLAN carries it.
const auto tagged_frame = from_hex(
    "00 aa bb cc dd ee 00 11 22 33 44 55 81 00 a0 64 08 00 | 45 60 00 21 12 34 00 00 40 11 52 31"
    "0a 01 01 05 0a 01 01 01 c3 50 c3 51 00 0d 1f 58 68 65 6c 6c 6f");

// A CDP frame: 802.3 length 0x0018 (24 = 8 LLC/SNAP + 16 CDP), LLC aa aa 03, SNAP 00000c/2000,
// CDP v2 TTL 180 with one Device ID TLV "SEPTEST1"; padded to 60 bytes. tshark 4.0 reads the
// CDP checksum as [correct] (even length: plain RFC 1071).
const auto cdp_frame = from_hex(
    "01 00 0c cc cc cc 00 11 22 33 44 55 00 18 | aa aa 03 00 00 0c 20 00 | 02 b4 c0 20 00 01 00 0c"
    "53 45 50 54 45 53 54 31 | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");

void check_invariants(Bytes input) {
  const auto frame = decode_ethernet(input);
  if (!frame) return;
  CHECK(testing::lies_within(frame->payload, input));
  CHECK(frame->header.size() + frame->payload.size() <= input.size());
  if (frame->header.is_8023_length()) {
    CHECK(frame->payload.size() == frame->header.type_or_length);
  } else {
    CHECK(frame->header.type_or_length >= 0x0600);
    CHECK(frame->header.size() + frame->payload.size() == input.size());
  }
  if (const auto llc = decode_llc_snap(frame->payload)) {
    CHECK(testing::lies_within(llc->payload, frame->payload));
    CHECK(llc->payload.size() + LlcSnapHeader::size == frame->payload.size());
  }
}

}  // namespace

TEST_CASE("decode an Ethernet II frame", "[wire][ethernet]") {
  const auto frame = decode_ethernet(arp_frame);
  REQUIRE(frame.ok());
  CHECK(frame->header.dst == MacAddress::broadcast());
  CHECK(frame->header.src == MacAddress::from_u64(0x001122334455));
  CHECK_FALSE(frame->header.vlan.has_value());
  CHECK(frame->header.type_or_length == ethertype::arp);
  CHECK_FALSE(frame->header.is_8023_length());
  CHECK(frame->header.size() == 14);
  // Ethernet II has no length: the padding stays in the payload for the upper layer to ignore.
  CHECK(frame->payload.size() == 46);
  CHECK(frame->payload.data() == arp_frame.data() + 14);
}

TEST_CASE("decode an 802.1Q tagged frame", "[wire][ethernet][vlan]") {
  const auto frame = decode_ethernet(tagged_frame);
  REQUIRE(frame.ok());
  REQUIRE(frame->header.vlan.has_value());
  CHECK(frame->header.vlan->vid == 100);
  CHECK(frame->header.vlan->priority == 5);
  CHECK_FALSE(frame->header.vlan->drop_eligible);
  CHECK(frame->header.type_or_length == ethertype::ipv4);
  CHECK(frame->header.size() == 18);
  CHECK(frame->payload.size() == 33);
  CHECK(frame->payload[0] == 0x45);
}

TEST_CASE("a second 802.1Q tag is left in the payload", "[wire][ethernet][vlan]") {
  const auto frame_bytes =
      from_hex("00 aa bb cc dd ee 00 11 22 33 44 55 81 00 00 0a | 81 00 30 14 08 00 45 00");
  const auto frame = decode_ethernet(frame_bytes);
  REQUIRE(frame.ok());
  CHECK(frame->header.vlan->vid == 10);
  CHECK(frame->header.type_or_length == ethertype::vlan);
  REQUIRE(frame->payload.size() == 6);
  CHECK(VlanTag::from_tci(load_be16(frame->payload.data())) == VlanTag{20, 1, true});
}

TEST_CASE("VlanTag packs and unpacks every TCI", "[wire][ethernet][vlan]") {
  for (unsigned tci = 0; tci <= 0xffff; ++tci) {
    const auto tag = VlanTag::from_tci(static_cast<std::uint16_t>(tci));
    REQUIRE(tag.tci() == tci);
  }
  CHECK(VlanTag{100, 5, false}.tci() == 0xa064);
  CHECK(VlanTag{4095, 7, true}.tci() == 0xffff);
  CHECK(VlanTag{0x1fff, 9, false}.tci() == 0x2fff);  // out-of-range fields are masked
}

TEST_CASE("decode an 802.3 frame with LLC/SNAP (CDP)", "[wire][ethernet][llc]") {
  const auto frame = decode_ethernet(cdp_frame);
  REQUIRE(frame.ok());
  CHECK(frame->header.is_8023_length());
  CHECK(frame->header.type_or_length == 24);
  CHECK(frame->header.dst == MacAddress::from_u64(0x01000ccccccc));
  CHECK(frame->payload.size() == 24);  // the padding is gone

  const auto llc = decode_llc_snap(frame->payload);
  REQUIRE(llc.ok());
  CHECK(llc->header == LlcSnapHeader{0xaa, 0xaa, 0x03, 0x00000c, 0x2000});
  REQUIRE(llc->payload.size() == 16);
  CHECK(llc->payload[0] == 2);    // CDP version
  CHECK(llc->payload[1] == 180);  // TTL
}

TEST_CASE("802.3 length and type boundaries", "[wire][ethernet]") {
  auto frame = from_hex("01 00 0c cc cc cc 00 11 22 33 44 55 00 00");
  frame.resize(14 + 1500);
  const auto set_type = [&](std::uint16_t value) { store_be16(frame.data() + 12, value); };

  set_type(1500);
  REQUIRE(decode_ethernet(frame).ok());
  CHECK(decode_ethernet(frame)->payload.size() == 1500);
  set_type(0);
  CHECK(decode_ethernet(frame)->payload.empty());
  set_type(1501);
  CHECK(decode_ethernet(frame).error() == errc::unsupported);
  set_type(1535);
  CHECK(decode_ethernet(frame).error() == errc::unsupported);
  set_type(1536);
  REQUIRE(decode_ethernet(frame).ok());
  CHECK(decode_ethernet(frame)->payload.size() == 1500);

  frame.resize(14 + 100);
  set_type(101);
  CHECK(decode_ethernet(frame).error() == errc::bad_length);
  set_type(100);
  CHECK(decode_ethernet(frame).ok());
}

TEST_CASE("encode Ethernet headers", "[wire][ethernet]") {
  std::array<std::uint8_t, 18> out{};
  EthernetHeader header{MacAddress::from_u64(0x00aabbccddee), MacAddress::from_u64(0x001122334455),
                        std::nullopt, ethertype::ipv4};
  auto written = encode_ethernet_header(out, header);
  REQUIRE(written.ok());
  CHECK(*written == 14);
  CHECK(testing::exact_copy(Bytes{out}.first(14)) ==
        from_hex("00 aa bb cc dd ee 00 11 22 33 44 55 08 00"));

  header.vlan = VlanTag{100, 5, false};
  written = encode_ethernet_header(out, header);
  REQUIRE(written.ok());
  CHECK(*written == 18);
  CHECK(std::vector<std::uint8_t>(out.begin(), out.end()) ==
        testing::exact_copy(Bytes{tagged_frame}.first(18)));

  for (std::size_t size = 0; size < 18; ++size) {
    std::vector<std::uint8_t> small(size);
    CHECK(encode_ethernet_header(small, header).error() == errc::buffer_too_small);
  }
  header.vlan.reset();
  std::vector<std::uint8_t> exact(14);
  CHECK(encode_ethernet_header(exact, header).ok());
}

TEST_CASE("Ethernet header round trip", "[wire][ethernet]") {
  std::array<std::uint8_t, 64> out{};
  for (const auto& vlan :
       {std::optional<VlanTag>{}, std::optional<VlanTag>{VlanTag{4094, 3, true}}}) {
    const EthernetHeader header{MacAddress::from_u64(0x020000000001),
                                MacAddress::from_u64(0x020000000002), vlan, ethertype::lldp};
    const std::size_t size = *encode_ethernet_header(out, header);
    const auto decoded = decode_ethernet(Bytes{out}.first(size + 10));
    REQUIRE(decoded.ok());
    CHECK(decoded->header.dst == header.dst);
    CHECK(decoded->header.src == header.src);
    CHECK(decoded->header.vlan == header.vlan);
    CHECK(decoded->header.type_or_length == header.type_or_length);
    CHECK(decoded->payload.size() == 10);
  }
}

TEST_CASE("pad_ethernet_frame", "[wire][ethernet]") {
  std::vector<std::uint8_t> buffer(ethernet_max_frame, 0xee);
  CHECK(pad_ethernet_frame(buffer, 42) == 60);
  CHECK(std::all_of(buffer.begin() + 42, buffer.begin() + 60, [](auto b) { return b == 0; }));
  CHECK(buffer[60] == 0xee);
  CHECK(buffer[41] == 0xee);
  CHECK(pad_ethernet_frame(buffer, 60) == 60);
  CHECK(pad_ethernet_frame(buffer, 61) == 61);
  CHECK(pad_ethernet_frame(buffer, 0) == 60);
  std::vector<std::uint8_t> small(59, 0xee);
  CHECK(pad_ethernet_frame(small, 20) == 20);  // cannot pad: left alone
  CHECK(small[20] == 0xee);
}

TEST_CASE("LLC/SNAP encode, decode and refusals", "[wire][llc]") {
  std::array<std::uint8_t, LlcSnapHeader::size> out{};
  const LlcSnapHeader snap{0xaa, 0xaa, 0x03, 0x000000, ethertype::ipv4};  // RFC 1042
  REQUIRE(encode_llc_snap(out, snap).ok());
  CHECK(testing::exact_copy(out) == from_hex("aa aa 03 00 00 00 08 00"));
  const auto decoded = decode_llc_snap(out);
  REQUIRE(decoded.ok());
  CHECK(decoded->header == snap);
  CHECK(decoded->payload.empty());

  std::array<std::uint8_t, 7> small{};
  CHECK(encode_llc_snap(small, snap).error() == errc::buffer_too_small);

  // STP's LLC header (42 42 03) is plain 802.2, not SNAP.
  CHECK(decode_llc_snap(from_hex("42 42 03 00 00 00 00 00 00")).error() == errc::unsupported);
  CHECK(decode_llc_snap(from_hex("aa aa 13 00 00 0c 20 00")).error() == errc::unsupported);
  CHECK(decode_llc_snap(from_hex("aa ab 03 00 00 0c 20 00")).error() == errc::unsupported);
  CHECK(decode_llc_snap(from_hex("aa aa 03 00 00 0c 20")).error() == errc::truncated);
}

TEST_CASE("Ethernet and LLC/SNAP refuse every truncation", "[wire][ethernet][hostile]") {
  // Ethernet II has no length field, so only a cut inside the header is detectable.
  testing::require_error_for_every_prefix(Bytes{arp_frame}.first(14), decode_ethernet);
  testing::require_error_for_every_prefix(Bytes{tagged_frame}.first(18), decode_ethernet);
  // 802.3 carries its length: every cut before the end of the LLC payload is refused.
  testing::require_error_for_every_prefix(Bytes{cdp_frame}.first(14 + 24), decode_ethernet);
  testing::require_error_for_every_prefix(Bytes{cdp_frame}.subspan(14, 8), decode_llc_snap);
  for (std::size_t length = 0; length < 14; ++length) {
    const auto prefix = testing::exact_copy(Bytes{arp_frame}.first(length));
    CHECK(decode_ethernet(prefix).error() == errc::truncated);
  }
}

TEST_CASE("Ethernet and LLC/SNAP survive garbage", "[wire][ethernet][hostile]") {
  testing::feed_garbage(1, 20000, 80, check_invariants);
  testing::feed_mutations(arp_frame, 2, 5000, check_invariants);
  testing::feed_mutations(tagged_frame, 3, 5000, check_invariants);
  testing::feed_mutations(cdp_frame, 4, 5000, check_invariants);
  testing::feed_garbage(5, 5000, 16, [](Bytes input) {
    if (const auto llc = decode_llc_snap(input)) {
      CHECK(input.size() >= LlcSnapHeader::size);
      CHECK(testing::lies_within(llc->payload, input));
    }
  });
}
