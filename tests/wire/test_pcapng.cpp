#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "voicelab/wire/pcapng.hpp"
#include "wire_test_util.hpp"

using namespace voicelab::wire;
using testing::from_hex;

namespace {

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
std::uint16_t load_le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

struct Option {
  std::uint16_t code;
  std::vector<std::uint8_t> value;
};

struct Block {
  std::uint32_t type;
  std::vector<std::uint8_t> body;  // between the total lengths
};

// An independent walk over a little-endian pcapng file: every block's two total lengths agree
// and are multiples of 4, and the blocks tile the file exactly.
std::vector<Block> read_blocks(const std::vector<std::uint8_t>& file) {
  std::vector<Block> blocks;
  std::size_t at = 0;
  while (at < file.size()) {
    REQUIRE(file.size() - at >= 12);
    const std::uint32_t length = load_le32(&file[at + 4]);
    REQUIRE(length % 4 == 0);
    REQUIRE(length >= 12);
    REQUIRE(length <= file.size() - at);
    REQUIRE(load_le32(&file[at + length - 4]) == length);
    blocks.push_back({load_le32(&file[at]),
                      {file.begin() + static_cast<std::ptrdiff_t>(at + 8),
                       file.begin() + static_cast<std::ptrdiff_t>(at + length - 4)}});
    at += length;
  }
  return blocks;
}

std::vector<Option> read_options(const std::vector<std::uint8_t>& body, std::size_t from) {
  std::vector<Option> options;
  std::size_t at = from;
  while (at < body.size()) {
    REQUIRE(body.size() - at >= 4);
    const std::uint16_t code = load_le16(&body[at]);
    const std::uint16_t length = load_le16(&body[at + 2]);
    if (code == 0) {
      REQUIRE(length == 0);
      REQUIRE(at + 4 == body.size());  // opt_endofopt is last
      return options;
    }
    const std::size_t padded = (length + 3U) / 4 * 4;
    REQUIRE(body.size() - at - 4 >= padded);
    options.push_back({code,
                       {body.begin() + static_cast<std::ptrdiff_t>(at + 4),
                        body.begin() + static_cast<std::ptrdiff_t>(at + 4 + length)}});
    for (std::size_t i = at + 4 + length; i < at + 4 + padded; ++i) REQUIRE(body[i] == 0);
    at += 4 + padded;
  }
  REQUIRE(options.empty());  // options, when present, end with opt_endofopt
  return options;
}

std::vector<std::uint8_t> text_bytes(std::string_view text) { return {text.begin(), text.end()}; }

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("pcapng bytes of a one-packet capture, laid out by hand from the spec",
          "[wire][pcapng]") {
  // draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB, §3.5 options; little-endian.
  const auto expected = from_hex(
      // SHB: type, length 44, byte-order magic, version 1.0, section length -1,
      // shb_userappl "voicelab", opt_endofopt, length
      "0a 0d 0d 0a 2c 00 00 00 4d 3c 2b 1a 01 00 00 00 ff ff ff ff ff ff ff ff"
      "04 00 08 00 76 6f 69 63 65 6c 61 62 00 00 00 00 2c 00 00 00"
      // IDB: type 1, length 40, LINKTYPE_ETHERNET, reserved, snaplen 0, if_name "eth0",
      // if_tsresol 9 (+3 padding), opt_endofopt, length
      "01 00 00 00 28 00 00 00 01 00 00 00 00 00 00 00"
      "02 00 04 00 65 74 68 30 09 00 01 00 09 00 00 00 00 00 00 00 28 00 00 00"
      // EPB: type 6, length 52, interface 0, timestamp 0x0000000123456789 as high/low,
      // captured 5, original 5, data (+3 padding), opt_comment "hi" (+2 padding),
      // opt_endofopt, length
      "06 00 00 00 34 00 00 00 00 00 00 00 01 00 00 00 89 67 45 23 05 00 00 00 05 00 00 00"
      "de ad be ef 01 00 00 00 01 00 02 00 68 69 00 00 00 00 00 00 34 00 00 00");
  PcapngWriter writer;
  CHECK(writer.add_interface("eth0") == 0);
  writer.write_packet(0, 0x0000000123456789ULL, from_hex("de ad be ef 01"), "hi");
  CHECK(writer.data() == expected);
  CHECK(writer.interface_count() == 1);
  CHECK(writer.packet_count() == 1);
}

TEST_CASE("pcapng blocks for many interfaces, lengths and comments", "[wire][pcapng]") {
  PcapngWriter writer;
  const auto first = writer.add_interface("phone1");
  const auto second = writer.add_interface("access1:Gi1/0/1", linktype::ethernet, 96);
  CHECK(first == 0);
  CHECK(second == 1);

  std::vector<std::uint8_t> frame(200);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i);
  struct Written {
    std::uint32_t interface_id;
    std::uint64_t timestamp;
    std::size_t length;
    std::string comment;
  };
  std::vector<Written> written;
  for (std::size_t length = 0; length <= 130; length += 13) {
    for (std::string comment : {"", "a", "ab", "abc", "abcd", "step 6: TFTP CTLSEP.tlv"}) {
      const auto interface_id = static_cast<std::uint32_t>(length % 2);
      const std::uint64_t timestamp = 5'000'000'000ULL * length + comment.size();
      writer.write_packet(interface_id, timestamp, Bytes{frame}.first(length), comment);
      written.push_back({interface_id, timestamp, length, comment});
    }
  }
  CHECK(writer.packet_count() == written.size());

  const auto blocks = read_blocks(writer.data());
  REQUIRE(blocks.size() == 3 + written.size());
  CHECK(blocks[0].type == 0x0a0d0d0a);
  CHECK(load_le32(&blocks[0].body[0]) == 0x1a2b3c4d);

  const auto check_interface = [](const Block& block, std::string_view name,
                                  std::uint32_t snap_length) {
    REQUIRE(block.type == 1);
    CHECK(load_le16(&block.body[0]) == linktype::ethernet);
    CHECK(load_le32(&block.body[4]) == snap_length);
    const auto options = read_options(block.body, 8);
    REQUIRE(options.size() == 2);
    CHECK(options[0].code == 2);
    CHECK(options[0].value == text_bytes(name));
    CHECK(options[1].code == 9);
    CHECK(options[1].value == std::vector<std::uint8_t>{9});
  };
  check_interface(blocks[1], "phone1", 0);
  check_interface(blocks[2], "access1:Gi1/0/1", 96);

  for (std::size_t i = 0; i < written.size(); ++i) {
    const auto& block = blocks[3 + i];
    const auto& packet = written[i];
    INFO("packet " << i);
    REQUIRE(block.type == 6);
    CHECK(load_le32(&block.body[0]) == packet.interface_id);
    CHECK((std::uint64_t{load_le32(&block.body[4])} << 32 | load_le32(&block.body[8])) ==
          packet.timestamp);
    const std::size_t captured =
        packet.interface_id == 1 ? std::min<std::size_t>(packet.length, 96) : packet.length;
    CHECK(load_le32(&block.body[12]) == captured);
    CHECK(load_le32(&block.body[16]) == packet.length);
    CHECK(std::equal(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(captured),
                     block.body.begin() + 20));
    const auto options = read_options(block.body, 20 + (captured + 3) / 4 * 4);
    if (packet.comment.empty()) {
      CHECK(options.empty());
    } else {
      REQUIRE(options.size() == 1);
      CHECK(options[0].code == 1);
      CHECK(options[0].value == text_bytes(packet.comment));
    }
  }
}

TEST_CASE("pcapng comments over 65535 bytes are cut at a character boundary", "[wire][pcapng]") {
  PcapngWriter writer;
  writer.add_interface("x");
  std::string comment(65534, 'a');
  comment += "\xc3\xa9\xc3\xa9";  // "éé": the cut at 65535 falls inside the first one
  writer.write_packet(0, 0, {}, comment);
  const auto blocks = read_blocks(writer.data());
  const auto options = read_options(blocks.back().body, 20);
  REQUIRE(options.size() == 1);
  CHECK(options[0].value.size() == 65534);
}

TEST_CASE("pcapng refuses packets for undeclared interfaces", "[wire][pcapng]") {
  PcapngWriter writer;
  CHECK_THROWS_AS(writer.write_packet(0, 0, {}), std::out_of_range);
  writer.add_interface("one");
  CHECK_NOTHROW(writer.write_packet(0, 0, {}));
  CHECK_THROWS_AS(writer.write_packet(1, 0, {}), std::out_of_range);
  CHECK(writer.packet_count() == 1);
}

TEST_CASE("pcapng file output equals memory output, flushed in chunks", "[wire][pcapng]") {
  const voicelab::test::TempDir dir{"pcapng"};
  const auto path = dir / "capture.pcapng";
  std::vector<std::uint8_t> frame(1514);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i * 7);

  PcapngWriter memory;
  {
    PcapngWriter file{path.string()};
    for (auto* writer : {&memory, &file}) {
      writer->add_interface("a");
      writer->add_interface("b");
    }
    std::uintmax_t size_seen = 0;
    for (int i = 0; i < 300; ++i) {
      const auto length = static_cast<std::size_t>(60 + i * 5 % 1455);
      const std::string comment = i % 7 == 0 ? "packet " + std::to_string(i) : "";
      for (auto* writer : {&memory, &file}) {
        writer->write_packet(static_cast<std::uint32_t>(i % 2), 1000ULL * static_cast<unsigned>(i),
                             Bytes{frame}.first(length), comment);
      }
      // Data reaches the file in chunks of at least 64 KiB, not packet by packet.
      const auto size_now = std::filesystem::file_size(path);
      if (size_now != size_seen) {
        CHECK(size_now - size_seen >= 64 * 1024);
        size_seen = size_now;
      }
    }
    CHECK(size_seen > 0);
    CHECK(size_seen < memory.data().size());
    file.flush();
    CHECK(std::filesystem::file_size(path) == memory.data().size());
    CHECK_FALSE(file.write_failed());
    file.write_packet(0, 1, Bytes{frame}.first(60));
    memory.write_packet(0, 1, Bytes{frame}.first(60));
  }  // the destructor flushes the rest
  CHECK(read_file(path) == memory.data());
}

TEST_CASE("pcapng writer reports a file it cannot create", "[wire][pcapng]") {
  const voicelab::test::TempDir dir{"pcapng"};
  CHECK_THROWS_AS(PcapngWriter{(dir / "no" / "such" / "dir.pcapng").string()}, std::system_error);
}
