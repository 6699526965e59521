// The TFTP codec against byte layouts from the RFCs (the example exchanges of RFC 2347 §"Examples",
// RFC 2348 and RFC 2349, the ERROR format of RFC 1350 §5), then hostile input: every malformed or
// truncated packet is an error code, never an exception or an out-of-bounds read.

#include <string>
#include <string_view>
#include <variant>

#include <catch2/catch.hpp>

#include "tftp_test_util.hpp"
#include "voicelab/tftp/packet.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::test {
namespace {

using namespace std::string_view_literals;
using tftp::Packet;

// Literals are split after every "\0" so a digit that follows cannot extend the octal escape.
const auto rfc2347_rrq = bytes(
    "\0\1"sv
    "foofile\0"sv
    "octet\0"sv
    "blksize\0"sv
    "1432\0"sv);
const auto rfc2347_oack = bytes(
    "\0\6"sv
    "blksize\0"sv
    "1432\0"sv);
const auto rfc2347_ack0 = bytes("\0\4\0\0"sv);
const auto rfc2348_rrq = bytes(
    "\0\1"sv
    "foobar\0"sv
    "binary\0"sv
    "blksize\0"sv
    "1432\0"sv);
const auto rfc2349_rrq = bytes(
    "\0\1"sv
    "foobar\0"sv
    "octet\0"sv
    "timeout\0"sv
    "1\0"sv);
const auto rfc1350_error = bytes(
    "\0\5\0\1"sv
    "File not found\0"sv);

Packet decoded(const std::vector<std::uint8_t>& b) {
  auto result = tftp::decode_packet(b);
  INFO(result.error().message());
  REQUIRE(result.ok());
  return *result;
}

std::error_code decode_error(const std::vector<std::uint8_t>& b) {
  auto result = tftp::decode_packet(b);
  REQUIRE_FALSE(result.ok());
  return result.error();
}

TEST_CASE("RFC 2347 example read request decodes and re-encodes byte for byte", "[tftp][codec]") {
  const auto packet = decoded(rfc2347_rrq);
  const auto& request = std::get<tftp::Request>(packet);
  CHECK(request.opcode == tftp::Opcode::rrq);
  CHECK(request.filename == "foofile");
  CHECK(request.mode == "octet");
  CHECK(request.options.blksize == 1432);
  CHECK_FALSE(request.options.tsize);
  CHECK(request.other_options.empty());
  CHECK(tftp::encode_packet(packet).value() == rfc2347_rrq);
  CHECK(tftp::packet_name(packet) == "RRQ");
}

TEST_CASE("RFC 2347 example OACK, ACK 0 and DATA", "[tftp][codec]") {
  const auto oack = std::get<tftp::OptionAck>(decoded(rfc2347_oack));
  CHECK(oack.options.blksize == 1432);
  CHECK(tftp::encode_packet(Packet{oack}).value() == rfc2347_oack);

  CHECK(std::get<tftp::Ack>(decoded(rfc2347_ack0)).block == 0);
  CHECK(tftp::encode_ack(0) == rfc2347_ack0);

  // |3|1| 1432 octets of data |
  std::vector<std::uint8_t> data = {0, 3, 0, 1};
  const auto payload = pattern_file(1432);
  data.insert(data.end(), payload.begin(), payload.end());
  const auto packet = decoded(data);
  const auto& d = std::get<tftp::Data>(packet);
  CHECK(d.block == 1);
  REQUIRE(d.payload.size() == 1432);
  CHECK(std::equal(d.payload.begin(), d.payload.end(), payload.begin()));
  CHECK(tftp::encode_data(1, payload) == data);
  CHECK(tftp::encode_packet(packet).value() == data);
}

TEST_CASE("RFC 2348 and RFC 2349 example requests", "[tftp][codec]") {
  // RFC 2348's example asks in mode "binary", which RFC 1350 does not define: it decodes (the
  // mode is kept as sent) and transfer_mode() does not recognise it.
  const auto blksize = std::get<tftp::Request>(decoded(rfc2348_rrq));
  CHECK(blksize.filename == "foobar");
  CHECK(blksize.mode == "binary");
  CHECK(blksize.options.blksize == 1432);
  CHECK_FALSE(tftp::transfer_mode(blksize.mode));

  const auto timeout = std::get<tftp::Request>(decoded(rfc2349_rrq));
  CHECK(timeout.options.timeout == 1);
  CHECK(timeout.options.blksize == std::nullopt);
  CHECK(tftp::encode_packet(Packet{timeout}).value() == rfc2349_rrq);
}

TEST_CASE("RFC 1350 ERROR packet", "[tftp][codec]") {
  const auto error = std::get<tftp::Error>(decoded(rfc1350_error));
  CHECK(error.code == tftp::ErrorCode::file_not_found);
  CHECK(error.message == "File not found");
  CHECK(tftp::encode_error(tftp::ErrorCode::file_not_found, "File not found") == rfc1350_error);
  // An empty message is legal; codes outside 0..8 are kept.
  const auto odd = std::get<tftp::Error>(decoded(bytes("\0\5\0\x63\0"sv)));
  CHECK(static_cast<unsigned>(odd.code) == 99);
  CHECK(odd.message.empty());
  // Padding after the message's NUL is tolerated.
  CHECK(std::get<tftp::Error>(decoded(bytes("\0\5\0\2"sv
                                            "no\0\0\0"sv)))
            .message == "no");
}

TEST_CASE("Transfer modes and option names are case-insensitive", "[tftp][codec]") {
  const auto request =
      std::get<tftp::Request>(decoded(bytes("\0\1"sv
                                            "SEP001122334455.cnf.xml\0"sv
                                            "OCTET\0"sv
                                            "BlkSize\0"sv
                                            "1428\0"sv
                                            "TSIZE\0"sv
                                            "0\0"sv
                                            "Timeout\0"sv
                                            "3\0"sv
                                            "WINDOWSIZE\0"sv
                                            "8\0"sv)));
  CHECK(tftp::transfer_mode(request.mode) == tftp::TransferMode::octet);
  CHECK(tftp::transfer_mode("NetAscii") == tftp::TransferMode::netascii);
  CHECK(tftp::transfer_mode("mail") == tftp::TransferMode::mail);
  CHECK(request.options.blksize == 1428);
  CHECK(request.options.tsize == 0);
  CHECK(request.options.timeout == 3);
  CHECK(request.options.windowsize == 8);
}

TEST_CASE("Unknown options are kept aside, not refused (RFC 2347)", "[tftp][codec]") {
  // RFC 2090's multicast option has an empty value.
  const auto request =
      std::get<tftp::Request>(decoded(bytes("\0\1"sv
                                            "f\0"sv
                                            "octet\0"sv
                                            "multicast\0"sv
                                            "\0"sv
                                            "blksize\0"sv
                                            "512\0"sv
                                            "x-vendor\0"sv
                                            "anything goes\0"sv)));
  CHECK(request.options.blksize == 512);
  REQUIRE(request.other_options.size() == 2);
  CHECK(request.other_options[0] == tftp::Option{"multicast", ""});
  CHECK(request.other_options[1] == tftp::Option{"x-vendor", "anything goes"});
  // They survive a round trip (after the known ones).
  const auto again = std::get<tftp::Request>(decoded(tftp::encode_packet(Packet{request}).value()));
  CHECK(again == request);
}

TEST_CASE("Option values at the edges of their RFC ranges", "[tftp][codec]") {
  const auto option = [](std::string_view name, std::string_view value) {
    std::string raw("\0\6"sv);
    raw += name;
    raw.push_back('\0');
    raw += value;
    raw.push_back('\0');
    return bytes(raw);
  };
  CHECK(std::get<tftp::OptionAck>(decoded(option("blksize", "8"))).options.blksize == 8);
  CHECK(std::get<tftp::OptionAck>(decoded(option("blksize", "65464"))).options.blksize == 65464);
  CHECK(std::get<tftp::OptionAck>(decoded(option("blksize", "00512"))).options.blksize == 512);
  CHECK(std::get<tftp::OptionAck>(decoded(option("timeout", "255"))).options.timeout == 255);
  CHECK(std::get<tftp::OptionAck>(decoded(option("windowsize", "65535"))).options.windowsize ==
        65535);
  CHECK(std::get<tftp::OptionAck>(decoded(option("tsize", "18446744073709551615"))).options.tsize ==
        18446744073709551615ULL);

  const auto bad = make_error_code(tftp::errc::bad_option_value);
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"blksize", "7"},
           {"blksize", "65465"},
           {"blksize", "0"},
           {"blksize", ""},
           {"blksize", "abc"},
           {"blksize", "-512"},
           {"blksize", "+512"},
           {"blksize", " 512"},
           {"blksize", "512 "},
           {"blksize", "1e3"},
           {"blksize", "0x200"},
           {"blksize", "99999999999999999999999999"},
           {"timeout", "0"},
           {"timeout", "256"},
           {"windowsize", "0"},
           {"windowsize", "65536"},
           {"tsize", "18446744073709551616"},
           {"tsize", "-1"},
       }) {
    INFO(name << "=" << value);
    CHECK(decode_error(option(name, value)) == bad);
  }
  // A known option twice.
  CHECK(decode_error(bytes("\0\1"sv
                           "f\0"sv
                           "octet\0"sv
                           "blksize\0"sv
                           "512\0"sv
                           "BLKSIZE\0"sv
                           "1024\0"sv)) == bad);
}

TEST_CASE("Garbage and truncated packets are errors", "[tftp][codec][hostile]") {
  using tftp::errc;
  const auto truncated = make_error_code(wire::errc::truncated);
  const std::vector<std::pair<std::vector<std::uint8_t>, std::error_code>> cases = {
      {{}, truncated},
      {bytes("\0"sv), truncated},
      {bytes("\0\0"sv), make_error_code(errc::bad_opcode)},
      {bytes("\0\7"sv), make_error_code(errc::bad_opcode)},
      {bytes("\xff\xff"
             "abc"sv),
       make_error_code(errc::bad_opcode)},
      {bytes("\1\1"sv
             "f\0octet\0"sv),
       make_error_code(errc::bad_opcode)},
      // requests
      {bytes("\0\1"sv), make_error_code(errc::unterminated_string)},
      {bytes("\0\1"sv
             "foofile"sv),
       make_error_code(errc::unterminated_string)},
      {bytes("\0\1"sv
             "foofile\0"sv),
       make_error_code(errc::unterminated_string)},
      {bytes("\0\1"sv
             "foofile\0"sv
             "octet"sv),
       make_error_code(errc::unterminated_string)},
      {bytes("\0\1"sv
             "\0"sv
             "octet\0"sv),
       make_error_code(errc::empty_filename)},
      {bytes("\0\2"sv
             "\0"sv
             "octet\0"sv),
       make_error_code(errc::empty_filename)},
      {bytes("\0\1"sv
             "f\0"sv
             "\0"sv),
       make_error_code(errc::empty_mode)},
      {bytes("\0\1"sv
             "f\0"sv
             "octet\0"sv
             "blksize"sv),
       make_error_code(errc::unterminated_string)},
      {bytes("\0\1"sv
             "f\0"sv
             "octet\0"sv
             "blksize\0"sv),
       make_error_code(errc::bad_option)},
      {bytes("\0\1"sv
             "f\0"sv
             "octet\0"sv
             "blksize\0"sv
             "512"sv),
       make_error_code(errc::unterminated_string)},
      {bytes("\0\1"sv
             "f\0"sv
             "octet\0"sv
             "\0"sv
             "512\0"sv),
       make_error_code(errc::bad_option)},
      {bytes("\0\1"sv
             "f\0"sv
             "octet\0"sv
             "\0"sv),
       make_error_code(errc::bad_option)},
      // DATA, ACK, ERROR, OACK
      {bytes("\0\3"sv), truncated},
      {bytes("\0\3\0"sv), truncated},
      {bytes("\0\4"sv), truncated},
      {bytes("\0\4\0"sv), truncated},
      {bytes("\0\4\0\1\0"sv), make_error_code(errc::trailing_bytes)},
      {bytes("\0\5"sv), truncated},
      {bytes("\0\5\0"sv), truncated},
      {bytes("\0\5\0\1"sv), make_error_code(errc::unterminated_string)},
      {bytes("\0\5\0\1"sv
             "File not found"sv),
       make_error_code(errc::unterminated_string)},
      {bytes("\0\6"sv
             "blksize\0"sv),
       make_error_code(errc::bad_option)},
      {bytes("\0\6"sv
             "blksize"sv),
       make_error_code(errc::unterminated_string)},
  };
  for (const auto& [input, expected] : cases) {
    INFO("input " << text(input).size() << " bytes: " << text(input));
    CHECK(decode_error(input) == expected);
  }
  // DATA one byte beyond the largest block.
  std::vector<std::uint8_t> huge = {0, 3, 0, 1};
  huge.resize(4 + 65465);
  CHECK(decode_error(huge) == make_error_code(errc::data_too_long));
  huge.resize(4 + 65464);
  CHECK(tftp::decode_packet(huge).ok());
  // An empty DATA block (the end of a file that is a multiple of blksize) and an empty OACK.
  CHECK(std::get<tftp::Data>(decoded(bytes("\0\3\0\x15"sv))).payload.empty());
  CHECK(std::get<tftp::OptionAck>(decoded(bytes("\0\6"sv))).options.empty());
}

TEST_CASE("Every packet kind survives encode then decode", "[tftp][codec]") {
  const auto payload = pattern_file(100);
  tftp::Request wrq;
  wrq.opcode = tftp::Opcode::wrq;
  wrq.filename = "English_United_States/mk-sccp.jar";
  wrq.mode = "netascii";
  wrq.options.tsize = 123456789012ULL;
  wrq.options.windowsize = 16;
  tftp::OptionAck oack;
  oack.options = {1428, 3, 4321, 4};
  const std::vector<Packet> packets = {
      wrq,
      tftp::Data{65535, payload},
      tftp::Ack{65535},
      tftp::Error{tftp::ErrorCode::option_negotiation, "Option negotiation failed"},
      oack,
  };
  for (const auto& packet : packets) {
    INFO(tftp::packet_name(packet));
    const auto encoded = tftp::encode_packet(packet);
    REQUIRE(encoded.ok());
    CHECK(decoded(*encoded) == packet);
  }
}

TEST_CASE("The encoder refuses what it cannot put on the wire", "[tftp][codec]") {
  const auto bad_text = make_error_code(tftp::errc::bad_text);
  tftp::Request request;
  request.filename = "";
  CHECK(tftp::encode_packet(Packet{request}).error() == bad_text);
  request.filename = std::string("a\0b", 3);
  CHECK(tftp::encode_packet(Packet{request}).error() == bad_text);
  request.filename = "ok";
  request.other_options = {{"", "x"}};
  CHECK(tftp::encode_packet(Packet{request}).error() == bad_text);
  CHECK(tftp::encode_packet(Packet{tftp::Error{tftp::ErrorCode::undefined, std::string("a\0", 2)}})
            .error() == bad_text);
  const std::vector<std::uint8_t> big(65465);
  CHECK(tftp::encode_packet(Packet{tftp::Data{1, big}}).error() ==
        make_error_code(tftp::errc::data_too_long));
  // The shorthand cuts a message at a NUL instead.
  CHECK(tftp::encode_error(tftp::ErrorCode::undefined, std::string("ab\0cd", 5)) ==
        bytes("\0\5\0\0"sv
              "ab\0"sv));
}

TEST_CASE("The voicelab.tftp category names every error", "[tftp][codec]") {
  const auto& category = tftp::tftp_category();
  CHECK(std::string(category.name()) == "voicelab.tftp");
  for (int e = 0; e <= static_cast<int>(tftp::errc::bad_text); ++e) {
    CHECK(category.message(e) != "unknown voicelab.tftp error");
  }
  CHECK(tftp::error_code_name(tftp::ErrorCode::file_not_found) == "File not found");
  CHECK(tftp::error_code_name(static_cast<tftp::ErrorCode>(42)) == "Unknown error");
}

}  // namespace
}  // namespace voicelab::test
