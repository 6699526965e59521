// The relay agent (ip helper-address) driven directly.

#include "voicelab/dhcp/relay.hpp"

#include <catch2/catch.hpp>

#include "dhcp_test_util.hpp"

using namespace voicelab;
using namespace voicelab::dhcp;
using namespace std::chrono_literals;

namespace {

const wire::Ipv4Address voice_gateway{10, 1, 100, 1};
const wire::Ipv4Address server_side{10, 0, 0, 1};
const wire::Ipv4Address server1{10, 0, 0, 10};
const wire::Ipv4Address server2{10, 0, 0, 11};

RelayAgent make_relay() {
  RelayConfig config;
  config.interfaces = {{0, {server_side, 24}, {}}, {1, {voice_gateway, 24}, {server1, server2}}};
  return RelayAgent(config);
}

std::vector<OutgoingDatagram> drain(RelayAgent& relay) {
  std::vector<OutgoingDatagram> out;
  while (auto d = relay.poll_transmit()) out.push_back(std::move(*d));
  return out;
}

Datagram from_client(const std::vector<std::uint8_t>& bytes, int interface = 1) {
  return {{wire::Ipv4Address{}, client_port},
          {wire::Ipv4Address::broadcast(), server_port},
          interface,
          bytes};
}

}  // namespace

TEST_CASE("a client broadcast goes to every helper with giaddr and hops set", "[dhcp][relay]") {
  auto relay = make_relay();
  const auto discover = test::reference_discover();
  relay.handle_datagram(0s, from_client(discover));
  const auto out = drain(relay);
  REQUIRE(out.size() == 2);
  CHECK(out[0].destination == dhcp::Endpoint{server1, server_port});
  CHECK(out[1].destination == dhcp::Endpoint{server2, server_port});
  CHECK(out[0].source_port == server_port);
  CHECK_FALSE(out[0].broadcast);
  // Only hops (byte 3) and giaddr (24..27) change; the options are untouched.
  auto expected = discover;
  expected[3] = 1;
  expected[24] = 10;
  expected[25] = 1;
  expected[26] = 100;
  expected[27] = 1;
  CHECK(out[0].payload == expected);
  CHECK(relay.counters().requests_forwarded == 2);
  const auto event = relay.poll_event();
  REQUIRE(event);
  CHECK(event->kind == RelayEventKind::forwarded);
  CHECK(event->message_type == MessageType::discover);

  SECTION("a giaddr set by an earlier relay is kept") {
    auto relayed = discover;
    relayed[3] = 1;
    relayed[24] = 172;
    relayed[25] = 16;
    relayed[26] = 0;
    relayed[27] = 1;
    relay.handle_datagram(1s, from_client(relayed));
    const auto again = drain(relay);
    REQUIRE(again.size() == 2);
    CHECK(again[0].payload[3] == 2);
    CHECK(std::vector<std::uint8_t>(again[0].payload.begin() + 24, again[0].payload.begin() + 28) ==
          std::vector<std::uint8_t>{172, 16, 0, 1});
  }
}

TEST_CASE("requests the relay must not forward", "[dhcp][relay]") {
  auto relay = make_relay();
  auto discover = test::reference_discover();
  SECTION("hop count at the limit") {
    discover[3] = 16;
    relay.handle_datagram(0s, from_client(discover));
    CHECK(drain(relay).empty());
    CHECK(relay.counters().dropped_hops == 1);
  }
  SECTION("an interface without helper addresses") {
    relay.handle_datagram(0s, from_client(discover, 0));
    CHECK(drain(relay).empty());
    CHECK(relay.counters().dropped_no_helper == 1);
    const auto event = relay.poll_event();
    REQUIRE(event);
    CHECK(event->describe() ==
          "dropping DISCOVER on interface 0: no helper address on this interface");
  }
  SECTION("too short for a BOOTP header") {
    discover.resize(100);
    relay.handle_datagram(0s, from_client(discover));
    CHECK(drain(relay).empty());
    CHECK(relay.counters().dropped_malformed == 1);
  }
}

TEST_CASE("server replies go to the client's interface", "[dhcp][relay]") {
  auto relay = make_relay();
  auto offer = test::reference_offer();
  offer[24] = 10;  // giaddr = 10.1.100.1
  offer[25] = 1;
  offer[26] = 100;
  offer[27] = 1;
  const Datagram from_server{{server1, server_port}, {voice_gateway, server_port}, 0, offer};
  SECTION("broadcast flag set: broadcast") {
    relay.handle_datagram(0s, from_server);
    const auto out = drain(relay);
    REQUIRE(out.size() == 1);
    CHECK(out[0].broadcast);
    CHECK(out[0].interface == 1);
    CHECK(out[0].destination == dhcp::Endpoint{wire::Ipv4Address::broadcast(), client_port});
    CHECK(out[0].payload == offer);
  }
  SECTION("broadcast flag clear: unicast to yiaddr at chaddr") {
    offer[10] = 0;
    relay.handle_datagram(0s, Datagram{from_server.source, from_server.destination, 0, offer});
    const auto out = drain(relay);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].broadcast);
    CHECK(out[0].destination == dhcp::Endpoint{wire::Ipv4Address{10, 1, 100, 10}, client_port});
    CHECK(out[0].link_destination == test::reference_mac);
    CHECK(out[0].interface == 1);
  }
  SECTION("a giaddr that is not the relay's: dropped") {
    offer[27] = 2;
    relay.handle_datagram(0s, Datagram{from_server.source, from_server.destination, 0, offer});
    CHECK(drain(relay).empty());
    CHECK(relay.counters().dropped_unknown_giaddr == 1);
  }
}

TEST_CASE("relay configuration errors", "[dhcp][relay]") {
  RelayConfig config;
  config.interfaces = {{0, {server_side, 24}, {}}, {0, {voice_gateway, 24}, {}}};
  CHECK_THROWS_AS(RelayAgent(config), std::invalid_argument);
}
