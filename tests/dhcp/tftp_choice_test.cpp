// The phone's TFTP server choice as a pure function: alternate > 150 > 66 > siaddr > none.

#include "voicelab/dhcp/tftp_choice.hpp"

#include <catch2/catch.hpp>

using namespace voicelab;
using namespace voicelab::dhcp;

namespace {
const wire::Ipv4Address tftp1{10, 0, 0, 10};
const wire::Ipv4Address tftp2{10, 0, 0, 11};
const wire::Ipv4Address tftp3{10, 0, 0, 12};
const wire::Ipv4Address next_server{10, 0, 0, 99};
}  // namespace

TEST_CASE("option 150 gives every server in order", "[dhcp][tftp]") {
  Options o;
  o.set_tftp_server_addresses({tftp2, tftp1});
  const auto choice = choose_tftp_servers(std::nullopt, o, next_server);
  CHECK(choice.source == TftpSource::option150);
  CHECK(choice.servers == std::vector{tftp2, tftp1});
  CHECK_FALSE(choice.needs_resolution());
  CHECK(choice.describe() == "TFTP from option 150: 10.0.0.11, 10.0.0.10");
}

TEST_CASE("the phone's alternate TFTP server wins over everything", "[dhcp][tftp]") {
  Options o;
  o.set_tftp_server_addresses({tftp1});
  o.set_tftp_server_name("10.0.0.11");
  const auto choice = choose_tftp_servers(tftp3, o, next_server);
  CHECK(choice.source == TftpSource::alternate);
  CHECK(choice.servers == std::vector{tftp3});
}

TEST_CASE("150 is preferred to 66", "[dhcp][tftp]") {
  Options o;
  o.set_tftp_server_name("10.0.0.11");
  o.set_tftp_server_addresses({tftp1});
  CHECK(choose_tftp_servers(std::nullopt, o, {}).servers == std::vector{tftp1});
}

TEST_CASE("option 66 with a dotted address", "[dhcp][tftp]") {
  Options o;
  o.set_tftp_server_name(" 10.0.0.11 ");
  const auto choice = choose_tftp_servers(std::nullopt, o, next_server);
  CHECK(choice.source == TftpSource::option66_address);
  CHECK(choice.servers == std::vector{tftp2});
}

TEST_CASE("option 66 with a host name needs DNS, then completes", "[dhcp][tftp]") {
  Options o;
  o.set_tftp_server_name("cucm1.voice.lab");
  auto pending = choose_tftp_servers(std::nullopt, o, next_server);
  CHECK(pending.source == TftpSource::option66_name);
  CHECK(pending.needs_resolution());
  CHECK(pending.name == "cucm1.voice.lab");
  CHECK(pending.servers.empty());
  CHECK(pending.describe() == "option 66 host name cucm1.voice.lab: waiting for DNS");

  SECTION("resolved") {
    auto done = complete_tftp_resolution(pending, tftp3);
    CHECK(done.source == TftpSource::option66_name);
    CHECK(done.resolution == TftpResolution::resolved);
    CHECK(done.servers == std::vector{tftp3});
  }
  SECTION("not resolved: falls back to siaddr (assumption)") {
    auto done = complete_tftp_resolution(pending, std::nullopt);
    CHECK(done.source == TftpSource::siaddr);
    CHECK(done.resolution == TftpResolution::failed);
    CHECK(done.servers == std::vector{next_server});
    CHECK_THAT(done.describe(), Catch::Contains("did not resolve"));
  }
  SECTION("not resolved and no siaddr: no TFTP server") {
    auto no_siaddr = choose_tftp_servers(std::nullopt, o, {});
    auto done = complete_tftp_resolution(no_siaddr, std::nullopt);
    CHECK(done.source == TftpSource::none);
    CHECK_FALSE(done.has_server());
  }
  SECTION("completing a choice that is not pending changes nothing") {
    Options with150;
    with150.set_tftp_server_addresses({tftp1});
    auto fixed = choose_tftp_servers(std::nullopt, with150, {});
    CHECK(complete_tftp_resolution(fixed, tftp3) == fixed);
  }
}

TEST_CASE("siaddr, then nothing", "[dhcp][tftp]") {
  const Options none;
  auto by_siaddr = choose_tftp_servers(std::nullopt, none, next_server);
  CHECK(by_siaddr.source == TftpSource::siaddr);
  CHECK(by_siaddr.servers == std::vector{next_server});
  auto nothing = choose_tftp_servers(std::nullopt, none, {});
  CHECK(nothing.source == TftpSource::none);
  CHECK(nothing.describe() == "no TFTP server");
}

TEST_CASE("unusable values fall through to the next source", "[dhcp][tftp]") {
  Options o;
  o.set_tftp_server_addresses({wire::Ipv4Address{}});  // only 0.0.0.0
  o.set_tftp_server_name("   ");                       // blank
  CHECK(choose_tftp_servers(wire::Ipv4Address{}, o, next_server).source == TftpSource::siaddr);
}
