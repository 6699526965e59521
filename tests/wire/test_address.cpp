#include <string>
#include <unordered_set>

#include <catch2/catch.hpp>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/error.hpp"
#include "wire_test_util.hpp"

using namespace voicelab::wire;

TEST_CASE("MacAddress::parse accepts the four written forms in either case", "[wire][address]") {
  const auto expected = MacAddress::from_u64(0x00a1b2c3d4e5);
  const char* accepted[] = {
      "00:a1:b2:c3:d4:e5", "00:A1:B2:C3:D4:E5", "00-a1-b2-c3-d4-e5", "00-A1-b2-C3-d4-E5",
      "00a1.b2c3.d4e5",    "00A1.B2C3.D4E5",    "00a1b2c3d4e5",      "00A1B2C3D4E5",
  };
  for (const char* text : accepted) {
    INFO(text);
    const auto parsed = MacAddress::parse(text);
    REQUIRE(parsed.ok());
    CHECK(*parsed == expected);
  }
  CHECK(*MacAddress::parse("ff:ff:ff:ff:ff:ff") == MacAddress::broadcast());
  CHECK(MacAddress::parse("000000000000")->is_zero());
}

TEST_CASE("MacAddress::parse refuses everything else", "[wire][address]") {
  const char* refused[] = {
      "",
      "01:02:03:04:05",        // five groups
      "01:02:03:04:05:06:07",  // seven groups
      "0011.2233.44556",       // a digit too many
      "0011.2233.445",         // a digit too few
      "00112233445",           // 11 digits
      "0011223344556",         // 13 digits
      "00:11:22:33:44:55 ",    // trailing space
      " 00:11:22:33:44:55",    // leading space
      "00:11:22:33:44:5g",     // not hex
      "00:11-22:33:44:55",     // mixed separators
      "00.11.22.33.44.55",     // dots between octets
      "0011:2233:4455",        // colons in the Cisco form
      "0:1:2:3:4:5:6:7:8",     // short groups, right length
      "0:11:22:33:44:555",     // misplaced separator
      "001122-334455",
      "+0:11:22:33:44:55",
      "00:11:22:33:44:55\n",
      "00_11_22_33_44_55",
  };
  for (const char* text : refused) {
    INFO('"' << text << '"');
    const auto parsed = MacAddress::parse(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error() == errc::bad_text);
  }
  // An embedded NUL is part of the text, not its end.
  CHECK_FALSE(MacAddress::parse(std::string_view("00:11:22:33:44:5\0", 17)).ok());
}

TEST_CASE("MacAddress formats and converts", "[wire][address]") {
  const auto mac = MacAddress::from_u64(0x0a1b2c3d4e5f);
  CHECK(mac.to_string() == "0a:1b:2c:3d:4e:5f");
  CHECK(mac.to_cisco() == "0a1b.2c3d.4e5f");
  CHECK(mac.to_hex_upper() == "0A1B2C3D4E5F");
  CHECK(mac.to_u64() == 0x0a1b2c3d4e5fULL);
  CHECK(mac.octets() == std::array<std::uint8_t, 6>{0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f});
  CHECK(MacAddress::from_u64(0xffff'0011'2233'4455ULL).to_u64() == 0x001122334455ULL);
  for (const auto& text : {mac.to_string(), mac.to_cisco(), mac.to_hex_upper()}) {
    CHECK(*MacAddress::parse(text) == mac);
  }
  CHECK(MacAddress::broadcast().is_broadcast());
  CHECK(MacAddress::broadcast().is_multicast());
  CHECK(MacAddress::from_u64(0x01000ccccccc).is_multicast());  // CDP's destination
  CHECK_FALSE(mac.is_multicast());
  CHECK(MacAddress::from_u64(1) < MacAddress::from_u64(2));
  const std::unordered_set<MacAddress> set{mac, mac, MacAddress::broadcast()};
  CHECK(set.size() == 2);
}

TEST_CASE("Ipv4Address::parse accepts dotted quads", "[wire][address]") {
  CHECK(*Ipv4Address::parse("10.1.1.5") == Ipv4Address(10, 1, 1, 5));
  CHECK(*Ipv4Address::parse("0.0.0.0") == Ipv4Address::any());
  CHECK(*Ipv4Address::parse("255.255.255.255") == Ipv4Address::broadcast());
  CHECK(Ipv4Address::parse("192.168.100.254")->to_u32() == 0xc0a864feU);
  CHECK(Ipv4Address::parse("224.0.0.1")->is_multicast());
}

TEST_CASE("Ipv4Address::parse refuses everything else", "[wire][address]") {
  const char* refused[] = {"",           "1.2.3",    "1.2.3.4.5", "256.1.1.1", "1.2.3.256",
                           "1.2.3.1000", "1.2.3.4 ", " 1.2.3.4",  "1.2.3.4\n", "1..3.4",
                           ".1.2.3",     "1.2.3.",   "01.2.3.4",  "1.2.3.00",  "1.2.3.-4",
                           "+1.2.3.4",   "1.2.3.4a", "a.b.c.d",   "1,2,3,4",   "0x1.2.3.4",
                           "1.2.3.4/24", "1.2.3. 4", "....",      "1.2.3.4.",  "4294967295"};
  for (const char* text : refused) {
    INFO('"' << text << '"');
    const auto parsed = Ipv4Address::parse(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error() == errc::bad_text);
  }
}

TEST_CASE("Ipv4Address formats and classifies", "[wire][address]") {
  CHECK(Ipv4Address(10, 1, 1, 5).to_string() == "10.1.1.5");
  CHECK(Ipv4Address::broadcast().to_string() == "255.255.255.255");
  CHECK(Ipv4Address::any().to_string() == "0.0.0.0");
  CHECK(Ipv4Address::any().is_any());
  CHECK(Ipv4Address(239, 255, 255, 255).is_multicast());
  CHECK_FALSE(Ipv4Address(240, 0, 0, 0).is_multicast());
  CHECK(Ipv4Address(10, 0, 0, 1) < Ipv4Address(10, 0, 0, 2));
  const std::unordered_set<Ipv4Address> set{Ipv4Address(1, 2, 3, 4), Ipv4Address(0x01020304)};
  CHECK(set.size() == 1);
}

TEST_CASE("Ipv4Prefix::parse accepts CIDR and address-mask forms", "[wire][address]") {
  const auto cidr = Ipv4Prefix::parse("10.1.1.5/24");
  REQUIRE(cidr.ok());
  CHECK(cidr->address == Ipv4Address(10, 1, 1, 5));  // host bits kept: an interface address
  CHECK(cidr->length == 24);
  CHECK(cidr->mask() == Ipv4Address(255, 255, 255, 0));
  CHECK(cidr->network() == Ipv4Address(10, 1, 1, 0));
  CHECK(cidr->broadcast() == Ipv4Address(10, 1, 1, 255));
  CHECK(cidr->contains(Ipv4Address(10, 1, 1, 200)));
  CHECK_FALSE(cidr->contains(Ipv4Address(10, 1, 2, 1)));
  CHECK(cidr->to_string() == "10.1.1.5/24");

  CHECK(*Ipv4Prefix::parse("10.1.1.5 255.255.255.0") == *cidr);
  CHECK(Ipv4Prefix::parse("10.0.0.1 255.255.255.255")->length == 32);
  CHECK(Ipv4Prefix::parse("10.0.0.1 0.0.0.0")->length == 0);
  CHECK(Ipv4Prefix::parse("172.16.0.0 255.240.0.0")->length == 12);

  const auto everything = Ipv4Prefix::parse("0.0.0.0/0");
  REQUIRE(everything.ok());
  CHECK(everything->mask() == Ipv4Address::any());
  CHECK(everything->contains(Ipv4Address(203, 0, 113, 9)));
  const auto host = Ipv4Prefix::parse("1.2.3.4/32");
  REQUIRE(host.ok());
  CHECK(host->contains(Ipv4Address(1, 2, 3, 4)));
  CHECK_FALSE(host->contains(Ipv4Address(1, 2, 3, 5)));
  CHECK(host->broadcast() == Ipv4Address(1, 2, 3, 4));
}

TEST_CASE("Ipv4Prefix::parse refuses everything else", "[wire][address]") {
  const char* refused[] = {
      "",
      "10.1.1.5",
      "10.1.1.5/",
      "/24",
      "10.1.1.5/33",
      "10.1.1.5/024",
      "10.1.1.5/-1",
      "10.1.1.5/+8",
      "10.1.1.5/24 ",
      " 10.1.1.5/24",
      "10.1.1.5/2 4",
      "10.1.1/24",
      "10.1.1.5/24/8",
      "10.1.1.5 255.0.255.0",    // non-contiguous mask
      "10.1.1.5 0.255.255.255",  // non-contiguous mask
      "10.1.1.5  255.255.255.0",
      "10.1.1.5 255.255.255.0 ",
      "10.1.1.5 255.255.255",
      "10.1.1.5 24",
  };
  for (const char* text : refused) {
    INFO('"' << text << '"');
    const auto parsed = Ipv4Prefix::parse(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error() == errc::bad_text);
  }
}

TEST_CASE("Ipv4Prefix::from_mask takes contiguous masks only", "[wire][address]") {
  for (int length = 0; length <= 32; ++length) {
    const Ipv4Prefix prefix{Ipv4Address(192, 0, 2, 1), static_cast<std::uint8_t>(length)};
    const auto from_mask = Ipv4Prefix::from_mask(prefix.address, prefix.mask());
    REQUIRE(from_mask.ok());
    CHECK(*from_mask == prefix);
  }
  CHECK(Ipv4Prefix::from_mask(Ipv4Address(10, 0, 0, 1), Ipv4Address(255, 0, 255, 0)).error() ==
        errc::bad_value);
  CHECK(Ipv4Prefix::from_mask(Ipv4Address(10, 0, 0, 1), Ipv4Address(0, 0, 0, 255)).error() ==
        errc::bad_value);
}

TEST_CASE("address parsers survive random text", "[wire][address][hostile]") {
  // Text from the characters the parsers care about, so that some inputs come close to valid.
  constexpr std::string_view alphabet = "0123456789abcdefABCDEF:-./ x";
  testing::feed_garbage(20240601, 20000, 20, [&](Bytes raw) {
    std::string text;
    for (auto byte : raw) text.push_back(alphabet[byte % alphabet.size()]);
    if (auto mac = MacAddress::parse(text)) CHECK(*MacAddress::parse(mac->to_string()) == *mac);
    if (auto ip = Ipv4Address::parse(text)) CHECK(ip->to_string() == text);
    if (auto prefix = Ipv4Prefix::parse(text)) {
      CHECK(prefix->length <= 32);
      CHECK(*Ipv4Prefix::parse(prefix->to_string()) == *prefix);
    }
  });
  testing::feed_garbage(7, 5000, 24, [](Bytes raw) {
    const std::string_view text{reinterpret_cast<const char*>(raw.data()), raw.size()};
    (void)MacAddress::parse(text);
    (void)Ipv4Address::parse(text);
    (void)Ipv4Prefix::parse(text);
  });
}
