// DHCP message codec: the reference DORA bytes (hand-assembled from RFC 2131/2132/5859, see
// dhcp_test_util.hpp), round trips, hostile input, option overload and RFC 3396 long options.

#include <catch2/catch.hpp>

#include "dhcp_test_util.hpp"
#include "voicelab/dhcp/error.hpp"
#include "voicelab/dhcp/message.hpp"
#include "voicelab/wire/error.hpp"
#include "voicelab/wire/random.hpp"

using namespace voicelab;
using namespace voicelab::dhcp;
using voicelab::test::Build;
using voicelab::test::ByteVector;

namespace {

const wire::Ipv4Address offered{10, 1, 100, 10};
const wire::Ipv4Address server_address{10, 1, 100, 1};

std::vector<std::uint8_t> phone_client_id() { return {1, 0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc}; }

// The reference messages as a voicelab Message, built with the typed setters.
Message phone_message(MessageType type) {
  Message m;
  m.op = BootOp::request;
  m.set_client_mac(test::reference_mac);
  m.xid = test::reference_xid;
  m.set_broadcast(true);
  m.options.set_message_type(type);
  m.options.set_host_name(test::reference_host_name);
  if (type == MessageType::request) {
    m.options.set_requested_address(offered);
    m.options.set_server_id(server_address);
  }
  m.options.set_parameter_request_list({1, 66, 6, 3, 15, 150, 35});
  m.options.set_vendor_class(test::reference_vendor_class);
  m.options.set_client_id(phone_client_id());
  return m;
}

Message server_message(MessageType type) {
  Message m;
  m.op = BootOp::reply;
  m.set_client_mac(test::reference_mac);
  m.xid = test::reference_xid;
  m.set_broadcast(true);
  m.yiaddr = offered;
  m.options.set_message_type(type);
  m.options.set_subnet_mask(wire::Ipv4Address{255, 255, 255, 0});
  m.options.set_routers({server_address});
  m.options.set_dns_servers({wire::Ipv4Address{10, 0, 0, 53}});
  m.options.set_domain_name("voice.lab");
  m.options.set_lease_time(86400);
  m.options.set_server_id(server_address);
  m.options.set_renewal_time(43200);
  m.options.set_rebinding_time(75600);
  m.options.set_client_id(phone_client_id());
  m.options.set_tftp_server_addresses(
      {wire::Ipv4Address{10, 0, 0, 10}, wire::Ipv4Address{10, 0, 0, 11}});
  return m;
}

Message must_decode(const ByteVector& bytes) {
  auto m = decode_message(bytes);
  INFO(m.error().message());
  REQUIRE(m.ok());
  return *m;
}

// Index just past the End option of the options field (the reference messages have one area).
std::size_t end_of_options(const ByteVector& bytes) {
  std::size_t i = min_message_size;
  while (bytes.at(i) != option::end) i += bytes[i] == option::pad ? 1 : 2U + bytes.at(i + 1);
  return i + 1;
}

}  // namespace

TEST_CASE("the reference DISCOVER decodes field by field", "[dhcp][codec]") {
  const auto m = must_decode(test::reference_discover());
  CHECK(m.op == BootOp::request);
  CHECK(m.htype == 1);
  CHECK(m.hlen == 6);
  CHECK(m.hops == 0);
  CHECK(m.xid == 0xa1b2c3d4);
  CHECK(m.secs == 0);
  CHECK(m.broadcast());
  CHECK(m.ciaddr.is_any());
  CHECK(m.yiaddr.is_any());
  CHECK(m.client_mac() == test::reference_mac);
  CHECK(m.sname.empty());
  CHECK(m.file.empty());
  CHECK(m.type() == MessageType::discover);
  CHECK(m.options.host_name() == "SEP001B54AABBCC");
  CHECK(m.options.parameter_request_list() == std::vector<std::uint8_t>{1, 66, 6, 3, 15, 150, 35});
  CHECK(m.options.vendor_class() == "Cisco Systems, Inc. IP Phone CP-8861");
  CHECK(m.options.client_id() == phone_client_id());
  // Options keep their wire order.
  std::vector<std::uint8_t> codes;
  for (const auto& e : m.options.entries()) codes.push_back(e.code);
  CHECK(codes == std::vector<std::uint8_t>{53, 12, 55, 60, 61});
}

TEST_CASE("the reference OFFER and ACK carry option 150 with two servers in order",
          "[dhcp][codec]") {
  for (auto type : {MessageType::offer, MessageType::ack}) {
    const auto m = must_decode(test::reference_reply(static_cast<unsigned>(type)));
    CHECK(m.op == BootOp::reply);
    CHECK(m.type() == type);
    CHECK(m.yiaddr == offered);
    CHECK(m.options.subnet_mask() == wire::Ipv4Address{255, 255, 255, 0});
    CHECK(m.options.routers() == std::vector{server_address});
    CHECK(m.options.dns_servers() == std::vector{wire::Ipv4Address{10, 0, 0, 53}});
    CHECK(m.options.domain_name() == "voice.lab");
    CHECK(m.options.lease_time() == 86400U);
    CHECK(m.options.renewal_time() == 43200U);
    CHECK(m.options.rebinding_time() == 75600U);
    CHECK(m.options.server_id() == server_address);
    CHECK(m.options.tftp_server_addresses() ==
          std::vector{wire::Ipv4Address{10, 0, 0, 10}, wire::Ipv4Address{10, 0, 0, 11}});
    CHECK_FALSE(m.options.tftp_server_name());
  }
}

TEST_CASE("the encoder produces the reference bytes exactly", "[dhcp][codec]") {
  CHECK(*encode_message(phone_message(MessageType::discover)) == test::reference_discover());
  CHECK(*encode_message(phone_message(MessageType::request)) == test::reference_request());
  CHECK(*encode_message(server_message(MessageType::offer)) == test::reference_offer());
  CHECK(*encode_message(server_message(MessageType::ack)) == test::reference_ack());
}

TEST_CASE("decode then encode gives the same bytes back", "[dhcp][codec]") {
  for (const auto& bytes : {test::reference_discover(), test::reference_request(),
                            test::reference_offer(), test::reference_ack()}) {
    const auto m = must_decode(bytes);
    CHECK(*encode_message(m) == bytes);
    CHECK(must_decode(*encode_message(m)) == m);
  }
}

TEST_CASE("encoding: 53 first, then ascending codes, 82 last, End, padding to 300",
          "[dhcp][codec]") {
  Message m;
  m.options.set(150, {10, 0, 0, 10});
  m.options.set_relay_agent_info({{1, {0x01, 0x02}}});
  m.options.set(200, {0xaa});
  m.options.set_subnet_mask(wire::Ipv4Address{255, 255, 0, 0});
  m.options.set_message_type(MessageType::inform);
  const auto bytes = *encode_message(m);
  REQUIRE(bytes.size() == 300);
  const ByteVector expected_options = Build()
                                          .raw({53, 1, 8})
                                          .raw({1, 4, 255, 255, 0, 0})
                                          .raw({150, 4, 10, 0, 0, 10})
                                          .raw({200, 1, 0xaa})
                                          .raw({82, 4, 1, 2, 1, 2})
                                          .u8(255);
  CHECK(ByteVector(bytes.begin() + 240, bytes.begin() + 240 + 25) == expected_options);
  CHECK(std::all_of(bytes.begin() + 265, bytes.end(), [](auto b) { return b == 0; }));

  SECTION("a message over 300 bytes is not padded further") {
    m.options.set(224, ByteVector(100, 0x55));
    const auto big = *encode_message(m);
    CHECK(big.size() == 240 + 25 + 102);
    CHECK(must_decode(big).options.find(224)->size() == 100);
  }
}

TEST_CASE("sname and file are NUL-terminated text fields", "[dhcp][codec]") {
  Message m;
  m.options.set_message_type(MessageType::offer);
  m.sname = "tftp-server";
  m.file = "SEP001B54AABBCC.cnf.xml";
  const auto bytes = *encode_message(m);
  CHECK(bytes[44] == 't');
  CHECK(bytes[44 + 11] == 0);
  CHECK(bytes[108] == 'S');
  const auto back = must_decode(bytes);
  CHECK(back.sname == "tftp-server");
  CHECK(back.file == "SEP001B54AABBCC.cnf.xml");

  SECTION("over-long fields are refused") {
    m.sname = std::string(65, 'x');
    CHECK(encode_message(m).error() == errc::field_too_long);
    m.sname = std::string(64, 'x');  // exactly full: no NUL, still decodable
    CHECK(must_decode(*encode_message(m)).sname == std::string(64, 'x'));
    m.file = std::string(129, 'y');
    CHECK(encode_message(m).error() == errc::field_too_long);
  }
}

TEST_CASE("every truncation of a valid message fails cleanly or decodes identically",
          "[dhcp][codec][hostile]") {
  for (const auto& bytes : {test::reference_discover(), test::reference_request(),
                            test::reference_offer(), test::reference_ack()}) {
    const auto full = must_decode(bytes);
    const std::size_t end = end_of_options(bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      // An exact-size heap copy, so AddressSanitizer sees any read past the end.
      const ByteVector prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      auto m = decode_message(prefix);
      INFO("length " << n);
      if (n < min_message_size) {
        CHECK(m.error() == wire::errc::truncated);
      } else if (n < end) {
        CHECK_FALSE(m.ok());
      } else {
        REQUIRE(m.ok());
        CHECK(*m == full);  // only padding was cut
      }
    }
  }
}

TEST_CASE("random garbage never crashes the decoder", "[dhcp][codec][hostile]") {
  Random random(20260);
  for (int round = 0; round < 3000; ++round) {
    ByteVector bytes(random.below(700));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(random.next());
    if (bytes.size() >= 240 && random.chance(0.8)) {
      // Mostly past the cookie, so the option parser sees the garbage.
      bytes[236] = 0x63;
      bytes[237] = 0x82;
      bytes[238] = 0x53;
      bytes[239] = 0x63;
      bytes[2] = 6;
    }
    auto m = decode_message(bytes);
    if (m) {
      // Whatever decodes must encode, and the encoding must be stable from then on (the first
      // encoding may reorder options and move overloaded ones into the options field).
      auto once = encode_message(*m);
      REQUIRE(once.ok());
      auto twice = encode_message(must_decode(*once));
      REQUIRE(twice.ok());
      CHECK(*twice == *once);
    }
  }
}

TEST_CASE("hostile options are error values", "[dhcp][codec][hostile]") {
  auto with_options = [](const ByteVector& options) {
    return Build(test::bootp_header(1, 1, 0, {}, {}, {}, {})).raw(options).pad_to(300).bytes();
  };
  auto decode_error = [&](const ByteVector& options) {
    return decode_message(with_options(options)).error();
  };
  SECTION("an option running past the end of the message") {
    auto bytes =
        Build(test::bootp_header(1, 1, 0, {}, {}, {}, {})).raw({53, 1, 1, 12, 20}).text("abc");
    CHECK(decode_message(bytes.bytes()).error() == wire::errc::truncated);
    auto no_length = Build(test::bootp_header(1, 1, 0, {}, {}, {}, {})).raw({53, 1, 1, 12});
    CHECK(decode_message(no_length.bytes()).error() == wire::errc::truncated);
  }
  SECTION("no End option") {
    auto bytes = Build(test::bootp_header(1, 1, 0, {}, {}, {}, {})).raw({53, 1, 1, 0, 0, 0});
    CHECK(decode_message(bytes.bytes()).error() == errc::missing_end_option);
    auto empty = Build(test::bootp_header(1, 1, 0, {}, {}, {}, {}));
    CHECK(decode_message(empty.bytes()).error() == errc::missing_end_option);
  }
  SECTION("option 150 whose length is not a multiple of 4") {
    CHECK(decode_error({53, 1, 2, 150, 6, 10, 0, 0, 10, 10, 0, 255}) == errc::bad_option_length);
    CHECK(decode_error({53, 1, 2, 150, 0, 255}) == errc::bad_option_length);
  }
  SECTION("fixed-size options of the wrong size") {
    CHECK(decode_error({53, 2, 1, 1, 255}) == errc::bad_option_length);
    CHECK(decode_error({53, 1, 1, 1, 3, 255, 255, 255, 255}) == errc::bad_option_length);
    CHECK(decode_error({53, 1, 1, 51, 2, 0, 1, 255}) == errc::bad_option_length);
    CHECK(decode_error({53, 1, 1, 54, 5, 1, 2, 3, 4, 5, 255}) == errc::bad_option_length);
    CHECK(decode_error({53, 1, 1, 3, 5, 1, 2, 3, 4, 5, 255}) == errc::bad_option_length);
    CHECK(decode_error({53, 1, 1, 61, 1, 1, 255}) == errc::bad_option_length);
    CHECK(decode_error({53, 1, 1, 12, 0, 255}) == errc::bad_option_length);
  }
  SECTION("option overload with a bad value") {
    CHECK(decode_error({53, 1, 1, 52, 1, 4, 255}) == errc::bad_overload);
    CHECK(decode_error({53, 1, 1, 52, 2, 1, 1, 255}) == errc::bad_overload);
  }
  SECTION("relay agent information whose sub-options overrun it") {
    CHECK(decode_error({53, 1, 1, 82, 3, 1, 5, 0, 255}) == errc::bad_relay_agent_info);
  }
  SECTION("hardware address length above chaddr") {
    auto bytes = with_options({53, 1, 1, 255});
    bytes[2] = 17;
    CHECK(decode_message(bytes).error() == errc::bad_hardware_length);
  }
  SECTION("no magic cookie: plain BOOTP") {
    auto bytes = with_options({53, 1, 1, 255});
    bytes[239] = 0x64;
    CHECK(decode_message(bytes).error() == errc::bad_magic_cookie);
  }
  SECTION("unknown options are kept, in order, whatever their length") {
    auto m = decode_message(with_options({53, 1, 1, 250, 0, 99, 3, 1, 2, 3, 255}));
    REQUIRE(m.ok());
    REQUIRE(m->options.size() == 3);
    CHECK(m->options.entries()[1] == Option{250, {}});
    CHECK(m->options.entries()[2] == Option{99, {1, 2, 3}});
  }
}

TEST_CASE("option overload: options continue in file, then sname", "[dhcp][codec]") {
  // RFC 2131 §4.1: options field first, then 'file' (overload 1 or 3), then 'sname' (2 or 3);
  // each area ends with End and is padded. RFC 3396: instances concatenate in that order.
  Build b;
  b.u8(2).u8(1).u8(6).u8(0).u32(7).u16(0).u16(0);
  b.zeros(4).raw({10, 1, 100, 10}).zeros(8);  // ciaddr 0, yiaddr, siaddr 0, giaddr 0
  b.zeros(16);                                // chaddr
  // sname (64): the second half of option 150, then End.
  Build sname;
  sname.raw({150, 4, 10, 0, 0, 12}).u8(255).pad_to(64);
  // file (128): TFTP server name, the first half of option 150, End.
  Build file;
  file.raw({66, 8}).text("tftp.lab").raw({150, 8, 10, 0, 0, 10, 10, 0, 0, 11}).u8(255).pad_to(128);
  b.raw(sname.bytes()).raw(file.bytes());
  b.raw({0x63, 0x82, 0x53, 0x63});
  b.raw({53, 1, 5, 52, 1, 3, 255});
  const auto m = must_decode(b.pad_to(300).bytes());
  CHECK(m.type() == MessageType::ack);
  CHECK(m.options.tftp_server_name() == "tftp.lab");
  CHECK(m.options.tftp_server_addresses() == std::vector{wire::Ipv4Address{10, 0, 0, 10},
                                                         wire::Ipv4Address{10, 0, 0, 11},
                                                         wire::Ipv4Address{10, 0, 0, 12}});
  CHECK_FALSE(m.options.contains(option::overload));  // consumed by the codec
  CHECK(m.sname.empty());
  CHECK(m.file.empty());

  SECTION("overload 1 reads only 'file'; sname stays text") {
    auto bytes = b.bytes();
    bytes[240 + 5] = 1;
    const auto only_file = must_decode(bytes);
    CHECK(only_file.options.tftp_server_addresses().size() == 2);
    CHECK(only_file.sname == std::string("\x96\x04\x0a", 3));  // up to the first NUL
  }
  SECTION("an overloaded field without End is an error") {
    auto bytes = b.bytes();
    bytes[44 + 6] = 0;  // sname's End becomes a pad: the field runs out
    CHECK(decode_message(bytes).error() == errc::missing_end_option);
  }
  SECTION("an option may not straddle two areas") {
    auto bytes = b.bytes();
    bytes[108 + 1] = 200;  // option 66's length now runs past the end of 'file'
    CHECK(decode_message(bytes).error() == wire::errc::truncated);
  }
  SECTION("option 52 repeated inside an overloaded field") {
    auto bytes = b.bytes();
    bytes[44 + 6] = 52;  // sname: ..., 52, 1, ?, End
    bytes[44 + 7] = 1;
    bytes[44 + 8] = 3;
    bytes[44 + 9] = 255;
    CHECK(decode_message(bytes).error() == errc::bad_overload);
  }
}

TEST_CASE("RFC 3396: long options are split on encode and concatenated on decode",
          "[dhcp][codec]") {
  SECTION("split instances in the options field") {
    auto bytes = Build(test::bootp_header(2, 1, 0, {}, {}, {}, {}))
                     .raw({53, 1, 5, 150, 4, 10, 0, 0, 10, 3, 4, 10, 1, 1, 1, 150, 4, 10, 0, 0, 11})
                     .u8(255)
                     .pad_to(300);
    const auto m = must_decode(bytes.bytes());
    CHECK(m.options.tftp_server_addresses() ==
          std::vector{wire::Ipv4Address{10, 0, 0, 10}, wire::Ipv4Address{10, 0, 0, 11}});
    // One entry per code, at the place of its first instance.
    std::vector<std::uint8_t> codes;
    for (const auto& e : m.options.entries()) codes.push_back(e.code);
    CHECK(codes == std::vector<std::uint8_t>{53, 150, 3});
  }
  SECTION("a value concatenated into an invalid length is rejected") {
    auto bytes = Build(test::bootp_header(2, 1, 0, {}, {}, {}, {}))
                     .raw({53, 1, 5, 150, 2, 10, 0, 150, 4, 0, 10, 10, 0})
                     .u8(255)
                     .pad_to(300);
    // 2 + 4 bytes = 6: not a list of addresses, even though neither half alone says so.
    CHECK(decode_message(bytes.bytes()).error() == errc::bad_option_length);
  }
  SECTION("a 70-address option 150 goes out as 255 + 25 bytes and comes back whole") {
    std::vector<wire::Ipv4Address> servers;
    for (std::uint32_t i = 0; i < 70; ++i) servers.emplace_back(0x0a000000U + i + 1);
    Message m;
    m.options.set_message_type(MessageType::ack);
    m.options.set_tftp_server_addresses(servers);
    const auto bytes = *encode_message(m);
    CHECK(bytes[243] == 150);
    CHECK(bytes[244] == 255);
    CHECK(bytes[245 + 255] == 150);
    CHECK(bytes[246 + 255] == 25);
    CHECK(bytes[247 + 255 + 25] == 255);
    CHECK(must_decode(bytes).options.tftp_server_addresses() == servers);
  }
}

TEST_CASE("typed option accessors", "[dhcp][codec]") {
  Options o;
  o.set_time_offset(-18000);  // UTC-5
  CHECK(o.time_offset() == -18000);
  CHECK(*o.find(option::time_offset) == std::vector<std::uint8_t>{0xff, 0xff, 0xb9, 0xb0});
  o.set(option::tftp_server_name, {'c', 'u', 'c', 'm', 0});
  CHECK(o.tftp_server_name() == "cucm");  // a trailing NUL some servers add is dropped
  o.set_relay_agent_info({{1, {'G', 'i', '1'}}, {2, {0xde, 0xad}}});
  REQUIRE(o.relay_agent_info());
  CHECK(o.relay_agent_info()->at(1) == RelaySubOption{2, {0xde, 0xad}});
  o.set_ntp_servers({wire::Ipv4Address{10, 0, 0, 1}});
  CHECK(o.ntp_servers().size() == 1);
  o.set_vendor_specific({1, 2, 3});
  CHECK(o.vendor_specific() == std::vector<std::uint8_t>{1, 2, 3});
  o.set(option::router, {1, 2, 3});  // hand-built and invalid: the getter says nothing
  CHECK(o.routers().empty());
  CHECK_THROWS_AS(o.set(0, {}), std::invalid_argument);
  CHECK_THROWS_AS(o.set_routers({}), std::invalid_argument);
  CHECK_THROWS_AS(o.set_host_name(""), std::invalid_argument);
  CHECK(to_string(MessageType::inform) == "INFORM");
  CHECK(to_string(static_cast<MessageType>(13)) == "type 13");
}

TEST_CASE("every voicelab.dhcp error has a name and a message", "[dhcp][codec]") {
  for (int v = 0; v <= static_cast<int>(errc::field_too_long); ++v) {
    const std::error_code ec = static_cast<errc>(v);
    CHECK(std::string(ec.category().name()) == "voicelab.dhcp");
    CHECK_FALSE(ec.message().empty());
    CHECK(ec.message() != "unknown voicelab.dhcp error");
  }
}
