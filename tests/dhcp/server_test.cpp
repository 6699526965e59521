// The DHCP server engine driven directly with client messages and explicit time.

#include "voicelab/dhcp/server.hpp"

#include <catch2/catch.hpp>

#include "dhcp_test_util.hpp"

using namespace voicelab;
using namespace voicelab::dhcp;
using namespace std::chrono_literals;

namespace {

const wire::Ipv4Address voice_gateway{10, 1, 100, 1};  // the server's own address on the voice VLAN
const wire::Ipv4Address server_lan{10, 0, 0, 10};
const wire::Ipv4Address relay_address{10, 1, 200, 1};
const wire::Ipv4Address any{};
const wire::Ipv4Address bcast = wire::Ipv4Address::broadcast();

wire::MacAddress mac(std::uint64_t n) { return wire::MacAddress::from_u64(0x001b54000000ULL + n); }

ServerConfig base_config() {
  Pool voice;
  voice.name = "voice";
  voice.subnet = {wire::Ipv4Address{10, 1, 100, 0}, 24};
  voice.range = {wire::Ipv4Address{10, 1, 100, 10}, wire::Ipv4Address{10, 1, 100, 99}};
  voice.options.set_routers({voice_gateway});
  voice.options.set_dns_servers({wire::Ipv4Address{10, 0, 0, 53}});
  voice.options.set_domain_name("voice.lab");
  voice.options.set_tftp_server_addresses(
      {wire::Ipv4Address{10, 0, 0, 10}, wire::Ipv4Address{10, 0, 0, 11}});
  Pool remote;
  remote.name = "remote";
  remote.subnet = {wire::Ipv4Address{10, 1, 200, 0}, 24};
  remote.range = {wire::Ipv4Address{10, 1, 200, 10}, wire::Ipv4Address{10, 1, 200, 11}};
  remote.options.set_routers({relay_address});
  remote.options.set_lease_time(600);
  ServerConfig config;
  config.interfaces = {{0, {voice_gateway, 24}}, {1, {server_lan, 24}}};
  config.pools = {voice, remote};
  return config;
}

Message client_message(MessageType type, wire::MacAddress client, std::uint32_t xid = 1) {
  Message m;
  m.op = BootOp::request;
  m.set_client_mac(client);
  m.xid = xid;
  m.set_broadcast(true);
  m.options.set_message_type(type);
  m.options.set_parameter_request_list({1, 3, 6, 15, 66, 150});
  return m;
}

class Rig {
 public:
  explicit Rig(ServerConfig config = base_config()) : server(std::move(config)) {
    server.start(0s);
  }

  std::vector<OutgoingDatagram> send(Time now, const Message& m, int interface = 0,
                                     dhcp::Endpoint source = {any, client_port},
                                     dhcp::Endpoint destination = {bcast, server_port}) {
    const auto bytes = *encode_message(m);
    return send_bytes(now, bytes, interface, source, destination);
  }
  std::vector<OutgoingDatagram> send_bytes(Time now, const std::vector<std::uint8_t>& bytes,
                                           int interface = 0,
                                           dhcp::Endpoint source = {any, client_port},
                                           dhcp::Endpoint destination = {bcast, server_port}) {
    server.handle_datagram(now, Datagram{source, destination, interface, bytes});
    std::vector<OutgoingDatagram> out;
    while (auto d = server.poll_transmit()) out.push_back(std::move(*d));
    drain();
    return out;
  }
  void drain() {
    while (auto e = server.poll_event()) events.push_back(std::move(*e));
  }
  std::vector<ServerEvent> of_kind(ServerEventKind kind) {
    drain();
    std::vector<ServerEvent> r;
    for (const auto& e : events) {
      if (e.kind == kind) r.push_back(e);
    }
    return r;
  }
  // DISCOVER + REQUEST; returns the address.
  wire::Ipv4Address lease(Time now, wire::MacAddress client, std::uint32_t xid = 1) {
    auto offer = send(now, client_message(MessageType::discover, client, xid));
    REQUIRE(offer.size() == 1);
    const auto o = *decode_message(offer[0].payload);
    auto request = client_message(MessageType::request, client, xid);
    request.options.set_requested_address(o.yiaddr);
    request.options.set_server_id(*o.options.server_id());
    auto ack = send(now, request);
    REQUIRE(ack.size() == 1);
    REQUIRE(decode_message(ack[0].payload)->type() == MessageType::ack);
    return o.yiaddr;
  }

  Server server;
  std::vector<ServerEvent> events;
};

Message reply_of(const OutgoingDatagram& d) {
  auto m = decode_message(d.payload);
  REQUIRE(m.ok());
  return *m;
}

}  // namespace

TEST_CASE("the server answers the reference DISCOVER and REQUEST with the reference bytes",
          "[dhcp][server]") {
  auto config = base_config();
  config.pools[0].options.set_tftp_server_addresses(
      {wire::Ipv4Address{10, 0, 0, 10}, wire::Ipv4Address{10, 0, 0, 11}});
  Rig rig(config);
  auto offer = rig.send_bytes(0s, test::reference_discover());
  REQUIRE(offer.size() == 1);
  CHECK(offer[0].payload == test::reference_offer());
  CHECK(offer[0].broadcast);
  CHECK(offer[0].destination == dhcp::Endpoint{bcast, client_port});
  CHECK(offer[0].source_port == server_port);
  CHECK(offer[0].interface == 0);

  auto ack = rig.send_bytes(1s, test::reference_request());
  REQUIRE(ack.size() == 1);
  CHECK(ack[0].payload == test::reference_ack());

  const auto received = rig.of_kind(ServerEventKind::received);
  REQUIRE(received.size() == 2);
  CHECK(received[0].describe() ==
        "DISCOVER from 00:1b:54:aa:bb:cc (SEP001B54AABBCC) on interface 0, vendor class "
        "\"Cisco Systems, Inc. IP Phone CP-8861\"");
  const auto offered = rig.of_kind(ServerEventKind::offered);
  REQUIRE(offered.size() == 1);
  CHECK(offered[0].describe() ==
        "offering 10.1.100.10 to 00:1b:54:aa:bb:cc (SEP001B54AABBCC) for 86400 s on interface 0 "
        "[pool voice]");
  const auto acked = rig.of_kind(ServerEventKind::acked);
  REQUIRE(acked.size() == 1);
  CHECK(acked[0].address == wire::Ipv4Address{10, 1, 100, 10});
  const auto lease = rig.server.lease(wire::Ipv4Address{10, 1, 100, 10});
  REQUIRE(lease);
  CHECK(lease->state == LeaseInfo::State::bound);
  CHECK(lease->expires == Time{1s + 24h});
  CHECK(lease->host_name == "SEP001B54AABBCC");
}

TEST_CASE("reply destinations follow RFC 2131 4.1", "[dhcp][server]") {
  Rig rig;
  SECTION("broadcast flag clear: unicast to yiaddr at the client's MAC") {
    auto discover = client_message(MessageType::discover, mac(1));
    discover.set_broadcast(false);
    auto out = rig.send(0s, discover);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].broadcast);
    CHECK(out[0].destination == dhcp::Endpoint{wire::Ipv4Address{10, 1, 100, 10}, client_port});
    CHECK(out[0].link_destination == mac(1));
    CHECK(out[0].interface == 0);
  }
  SECTION("relayed: to giaddr port 67, whatever the flag") {
    auto discover = client_message(MessageType::discover, mac(1));
    discover.giaddr = relay_address;
    discover.hops = 1;
    auto out = rig.send(0s, discover, 1, {relay_address, server_port}, {server_lan, server_port});
    REQUIRE(out.size() == 1);
    CHECK(out[0].destination == dhcp::Endpoint{relay_address, server_port});
    CHECK_FALSE(out[0].broadcast);
    const auto offer = reply_of(out[0]);
    CHECK(offer.yiaddr == wire::Ipv4Address{10, 1, 200, 10});  // the pool of giaddr's subnet
    CHECK(offer.giaddr == relay_address);
    CHECK(offer.options.server_id() == server_lan);  // the receiving interface's address
    CHECK(offer.options.lease_time() == 600U);
    CHECK(offer.options.renewal_time() == 300U);
    CHECK(offer.options.rebinding_time() == 525U);
    CHECK(rig.of_kind(ServerEventKind::received).at(0).describe() ==
          "DISCOVER from 00:1b:54:00:00:01 relayed by 10.1.200.1");
  }
  SECTION("ciaddr set (renewal): unicast to ciaddr") {
    const auto address = rig.lease(0s, mac(1));
    auto renew = client_message(MessageType::request, mac(1), 2);
    renew.set_broadcast(false);
    renew.ciaddr = address;
    auto out = rig.send(100s, renew, 0, {address, client_port}, {voice_gateway, server_port});
    REQUIRE(out.size() == 1);
    CHECK(out[0].destination == dhcp::Endpoint{address, client_port});
    CHECK_FALSE(out[0].link_destination);
    const auto ack = reply_of(out[0]);
    CHECK(ack.type() == MessageType::ack);
    CHECK(ack.ciaddr == address);
    CHECK(rig.server.lease(address)->expires == Time{100s + 24h});
  }
  SECTION("NAK: broadcast, or to the relay with the broadcast bit set") {
    auto reboot = client_message(MessageType::request, mac(1));
    reboot.set_broadcast(false);
    reboot.options.set_requested_address(wire::Ipv4Address{192, 168, 1, 50});
    auto out = rig.send(0s, reboot);
    REQUIRE(out.size() == 1);
    CHECK(out[0].broadcast);
    CHECK(reply_of(out[0]).type() == MessageType::nak);

    reboot.giaddr = relay_address;
    out = rig.send(0s, reboot, 1, {relay_address, server_port}, {server_lan, server_port});
    REQUIRE(out.size() == 1);
    CHECK(out[0].destination == dhcp::Endpoint{relay_address, server_port});
    const auto nak = reply_of(out[0]);
    CHECK(nak.type() == MessageType::nak);
    CHECK(nak.broadcast());
    CHECK(nak.yiaddr.is_any());
    CHECK(nak.options.server_id() == server_lan);
    CHECK(nak.options.message() == "wrong network: 192.168.1.50 is not on 10.1.200.0/24");
    CHECK_FALSE(nak.options.lease_time());
  }
}

TEST_CASE("address choice: lowest free, sticky, requested, exclusions", "[dhcp][server]") {
  auto config = base_config();
  config.pools[0].exclusions = {
      {wire::Ipv4Address{10, 1, 100, 10}, wire::Ipv4Address{10, 1, 100, 12}}};
  Rig rig(config);
  CHECK(rig.lease(0s, mac(1)) == wire::Ipv4Address{10, 1, 100, 13});
  CHECK(rig.lease(0s, mac(2)) == wire::Ipv4Address{10, 1, 100, 14});
  CHECK(rig.server.free_addresses("voice") == 90 - 3 - 2);

  SECTION("a client asking again gets its current address") {
    CHECK(rig.lease(5s, mac(1)) == wire::Ipv4Address{10, 1, 100, 13});
  }
  SECTION("the requested address (50) in a DISCOVER is honoured when free") {
    auto discover = client_message(MessageType::discover, mac(3));
    discover.options.set_requested_address(wire::Ipv4Address{10, 1, 100, 42});
    CHECK(reply_of(rig.send(0s, discover).at(0)).yiaddr == wire::Ipv4Address{10, 1, 100, 42});
    discover.options.set_requested_address(wire::Ipv4Address{10, 1, 100, 13});  // taken
    discover.set_client_mac(mac(4));
    CHECK(reply_of(rig.send(0s, discover).at(0)).yiaddr == wire::Ipv4Address{10, 1, 100, 15});
  }
  SECTION("after expiry the previous holder gets its address back; others the lowest free") {
    rig.server.handle_timeout(24h + 1s);
    CHECK(rig.of_kind(ServerEventKind::lease_expired).size() == 2);
    CHECK(rig.lease(25h, mac(2)) == wire::Ipv4Address{10, 1, 100, 14});
    CHECK(rig.lease(25h, mac(9)) == wire::Ipv4Address{10, 1, 100, 13});  // takes mac(1)'s
    CHECK(rig.lease(25h, mac(1)) == wire::Ipv4Address{10, 1, 100, 15});
  }
}

TEST_CASE("offers are held for a while, then withdrawn", "[dhcp][server]") {
  Rig rig;
  auto offer = rig.send(0s, client_message(MessageType::discover, mac(1)));
  CHECK(reply_of(offer.at(0)).yiaddr == wire::Ipv4Address{10, 1, 100, 10});
  // Another client meanwhile gets the next address.
  CHECK(reply_of(rig.send(1s, client_message(MessageType::discover, mac(2))).at(0)).yiaddr ==
        wire::Ipv4Address{10, 1, 100, 11});
  CHECK(rig.server.next_timeout() == Time{60s});
  rig.server.handle_timeout(60s);
  const auto withdrawn = rig.of_kind(ServerEventKind::offer_withdrawn);
  REQUIRE(withdrawn.size() == 1);
  CHECK(withdrawn[0].time == Time{60s});
  CHECK(withdrawn[0].describe() ==
        "offer of 10.1.100.10 to 00:1b:54:00:00:01 withdrawn: no REQUEST within the offer hold "
        "time");
  CHECK(reply_of(rig.send(62s, client_message(MessageType::discover, mac(3))).at(0)).yiaddr ==
        wire::Ipv4Address{10, 1, 100, 10});
}

TEST_CASE("a REQUEST for another server releases our offer", "[dhcp][server]") {
  Rig rig;
  rig.send(0s, client_message(MessageType::discover, mac(1)));
  auto request = client_message(MessageType::request, mac(1));
  request.options.set_requested_address(wire::Ipv4Address{10, 1, 100, 200});
  request.options.set_server_id(wire::Ipv4Address{10, 1, 100, 2});
  CHECK(rig.send(1s, request).empty());
  const auto withdrawn = rig.of_kind(ServerEventKind::offer_withdrawn);
  REQUIRE(withdrawn.size() == 1);
  CHECK(withdrawn[0].reason == "the client chose server 10.1.100.2");
  CHECK(rig.server.lease(wire::Ipv4Address{10, 1, 100, 10})->state == LeaseInfo::State::free);
}

TEST_CASE("pool exhausted: no offer, and the event says why", "[dhcp][server]") {
  Rig rig;
  auto relayed = [&](std::uint64_t n) {
    auto discover = client_message(MessageType::discover, mac(n));
    discover.giaddr = relay_address;
    return rig.send(0s, discover, 1, {relay_address, server_port}, {server_lan, server_port});
  };
  CHECK(relayed(1).size() == 1);
  CHECK(relayed(2).size() == 1);
  CHECK(relayed(3).empty());
  const auto exhausted = rig.of_kind(ServerEventKind::pool_exhausted);
  REQUIRE(exhausted.size() == 1);
  CHECK(exhausted[0].pool == "remote");
  CHECK(exhausted[0].describe() ==
        "no free address for 00:1b:54:00:00:03 relayed by 10.1.200.1 [pool remote]: all 2 dynamic "
        "addresses of 10.1.200.10-10.1.200.11 are in use (2 offered or leased, 0 declined; 0 "
        "excluded, 0 reserved)");
  CHECK(rig.server.counters().pool_exhausted == 1);
}

TEST_CASE("REQUEST in INIT-REBOOT", "[dhcp][server]") {
  Rig rig;
  const auto address = rig.lease(0s, mac(1));
  auto reboot = client_message(MessageType::request, mac(1), 7);
  SECTION("the client's own address: ACK") {
    reboot.options.set_requested_address(address);
    CHECK(reply_of(rig.send(10s, reboot).at(0)).type() == MessageType::ack);
  }
  SECTION("another address than its lease: NAK") {
    reboot.options.set_requested_address(wire::Ipv4Address{10, 1, 100, 50});
    auto nak = reply_of(rig.send(10s, reboot).at(0));
    CHECK(nak.type() == MessageType::nak);
    CHECK(nak.options.message() == "the client's lease is for 10.1.100.10");
  }
  SECTION("an address leased to another client: NAK") {
    reboot.set_client_mac(mac(2));
    reboot.options.set_requested_address(address);
    auto nak = reply_of(rig.send(10s, reboot).at(0));
    CHECK(nak.options.message() == "10.1.100.10 is leased to another client");
  }
  SECTION("a client the server has no record of: silence") {
    reboot.set_client_mac(mac(3));
    reboot.options.set_requested_address(wire::Ipv4Address{10, 1, 100, 60});
    CHECK(rig.send(10s, reboot).empty());
    CHECK_THAT(rig.of_kind(ServerEventKind::ignored).at(0).reason,
               Catch::Contains("no record of this client"));
  }
}

TEST_CASE("RENEWING for an address the server lost track of", "[dhcp][server]") {
  Rig rig;
  auto renew = client_message(MessageType::request, mac(1));
  renew.ciaddr = wire::Ipv4Address{10, 1, 100, 33};
  // Free and in range: granted again, so a working phone is not cut off.
  CHECK(reply_of(rig.send(0s, renew, 0, {renew.ciaddr, client_port}).at(0)).type() ==
        MessageType::ack);
  // Held by someone else now: NAK.
  renew.set_client_mac(mac(2));
  CHECK(reply_of(rig.send(1s, renew, 0, {renew.ciaddr, client_port}).at(0)).type() ==
        MessageType::nak);
  // Outside every pool: silence.
  renew.ciaddr = wire::Ipv4Address{172, 16, 0, 5};
  CHECK(rig.send(2s, renew, 0, {renew.ciaddr, client_port}).empty());
  CHECK(rig.of_kind(ServerEventKind::no_subnet).size() == 1);
}

TEST_CASE("DECLINE keeps the address out of use for decline_hold", "[dhcp][server]") {
  Rig rig;
  const auto address = rig.lease(0s, mac(1));
  auto decline = client_message(MessageType::decline, mac(1), 9);
  decline.options.set_requested_address(address);
  decline.options.set_server_id(voice_gateway);
  decline.options.set_message("ARP reply from 00:aa:bb:cc:dd:ee");
  CHECK(rig.send(5s, decline).empty());
  const auto declined = rig.of_kind(ServerEventKind::declined);
  REQUIRE(declined.size() == 1);
  CHECK(declined[0].describe() ==
        "00:1b:54:00:00:01 reports 10.1.100.10 already in use; it stays out of the pool for a "
        "while (ARP reply from 00:aa:bb:cc:dd:ee) [pool voice]");
  CHECK(rig.server.lease(address)->state == LeaseInfo::State::declined);
  // The same client is not given it back.
  CHECK(rig.lease(6s, mac(1)) == wire::Ipv4Address{10, 1, 100, 11});
  rig.server.handle_timeout(5s + 10min);
  CHECK(rig.of_kind(ServerEventKind::decline_cleared).size() == 1);
  CHECK(rig.lease(11min, mac(5)) == address);
}

TEST_CASE("RELEASE frees the address; the client keeps its claim", "[dhcp][server]") {
  Rig rig;
  const auto address = rig.lease(0s, mac(1));
  auto release = client_message(MessageType::release, mac(1), 3);
  release.ciaddr = address;
  release.options.set_server_id(voice_gateway);
  CHECK(rig.send(5s, release, 0, {address, client_port}, {voice_gateway, server_port}).empty());
  REQUIRE(rig.of_kind(ServerEventKind::released).size() == 1);
  CHECK(rig.server.lease(address)->state == LeaseInfo::State::free);
  CHECK_FALSE(rig.server.next_timeout());
  CHECK(rig.lease(10s, mac(1)) == address);
  // A RELEASE from a client that does not hold it changes nothing.
  release.set_client_mac(mac(2));
  rig.send(11s, release);
  CHECK(rig.server.lease(address)->state == LeaseInfo::State::bound);
}

TEST_CASE("INFORM: options without a lease, straight to ciaddr", "[dhcp][server]") {
  Rig rig;
  auto inform = client_message(MessageType::inform, mac(1));
  inform.set_broadcast(false);
  inform.ciaddr = wire::Ipv4Address{10, 1, 100, 200};  // configured by hand, outside the range
  auto out = rig.send(0s, inform, 0, {inform.ciaddr, client_port});
  REQUIRE(out.size() == 1);
  CHECK(out[0].destination == dhcp::Endpoint{inform.ciaddr, client_port});
  const auto ack = reply_of(out[0]);
  CHECK(ack.type() == MessageType::ack);
  CHECK(ack.yiaddr.is_any());
  CHECK(ack.ciaddr == inform.ciaddr);
  CHECK_FALSE(ack.options.lease_time());
  CHECK_FALSE(ack.options.renewal_time());
  CHECK(ack.options.tftp_server_addresses().size() == 2);
  CHECK(ack.options.routers() == std::vector{voice_gateway});
  CHECK(rig.of_kind(ServerEventKind::informed).size() == 1);
  CHECK_FALSE(rig.server.lease(inform.ciaddr));  // no binding was made
}

TEST_CASE("reservations and vendor classes choose options", "[dhcp][server]") {
  auto config = base_config();
  Reservation by_mac;
  by_mac.mac = mac(7);
  by_mac.address = wire::Ipv4Address{10, 1, 100, 5};  // outside the range
  by_mac.options.set_tftp_server_addresses({wire::Ipv4Address{10, 0, 0, 77}});
  Reservation by_id;
  by_id.client_id = std::vector<std::uint8_t>{0, 'l', 'o', 'b', 'b', 'y'};
  by_id.address = wire::Ipv4Address{10, 1, 100, 50};  // inside the range: never dynamic
  config.pools[0].reservations = {by_mac, by_id};
  VendorClassRule cisco;
  cisco.prefix = "Cisco Systems, Inc. IP Phone";
  cisco.options.set_tftp_server_name("cucm-pub.voice.lab");
  cisco.options.set_lease_time(7200);
  config.pools[0].vendor_classes = {cisco};
  Rig rig(config);

  auto discover = client_message(MessageType::discover, mac(7));
  discover.options.set_vendor_class("Cisco Systems, Inc. IP Phone CP-7841");
  auto offer = reply_of(rig.send(0s, discover).at(0));
  CHECK(offer.yiaddr == wire::Ipv4Address{10, 1, 100, 5});
  CHECK(offer.options.tftp_server_addresses() == std::vector{wire::Ipv4Address{10, 0, 0, 77}});
  CHECK(offer.options.tftp_server_name() == "cucm-pub.voice.lab");
  CHECK(offer.options.lease_time() == 7200U);

  auto other = client_message(MessageType::discover, mac(8));
  other.options.set_client_id({0, 'l', 'o', 'b', 'b', 'y'});
  auto lobby = reply_of(rig.send(0s, other).at(0));
  CHECK(lobby.yiaddr == wire::Ipv4Address{10, 1, 100, 50});
  CHECK_FALSE(lobby.options.tftp_server_name());  // no vendor class: pool options only
  CHECK(lobby.options.lease_time() == 86400U);
  CHECK(lobby.options.client_id() == std::vector<std::uint8_t>{0, 'l', 'o', 'b', 'b', 'y'});

  // 89 dynamic addresses (.50 is reserved); a PC asking for .50 does not get it.
  CHECK(rig.server.free_addresses("voice") == 89);
  auto pc = client_message(MessageType::discover, mac(9));
  pc.options.set_requested_address(wire::Ipv4Address{10, 1, 100, 50});
  CHECK(reply_of(rig.send(0s, pc).at(0)).yiaddr == wire::Ipv4Address{10, 1, 100, 10});
}

TEST_CASE("only requested options are sent, unless configured otherwise", "[dhcp][server]") {
  auto discover = client_message(MessageType::discover, mac(1));
  discover.options.set_parameter_request_list({1, 3});
  {
    Rig rig;
    const auto offer = reply_of(rig.send(0s, discover).at(0));
    CHECK(offer.options.routers().size() == 1);
    CHECK_FALSE(offer.options.contains(option::tftp_server_address));
    CHECK_FALSE(offer.options.contains(option::domain_name_server));
    CHECK(offer.options.contains(option::lease_time));  // always
  }
  auto config = base_config();
  config.send_unrequested_options = true;
  Rig rig(config);
  CHECK(reply_of(rig.send(0s, discover).at(0)).options.contains(option::tftp_server_address));
}

TEST_CASE("bad input is counted and reported, never fatal", "[dhcp][server]") {
  Rig rig;
  CHECK(rig.send_bytes(0s, {1, 2, 3}).empty());
  auto bad150 = test::reference_discover();
  bad150[240 + 3] = 150;  // option 12 becomes 150 with a length of 15
  CHECK(rig.send_bytes(0s, bad150).empty());
  CHECK(rig.server.counters().malformed == 2);
  const auto malformed = rig.of_kind(ServerEventKind::malformed);
  REQUIRE(malformed.size() == 2);
  CHECK(
      malformed[0].describe() ==
      "undecodable datagram on interface 0: from 0.0.0.0:68: truncated: the buffer ends before the "
      "structure does");
  // A reply from another server, a message without type, an unknown interface.
  auto offer = client_message(MessageType::offer, mac(1));
  offer.op = BootOp::reply;
  CHECK(rig.send(0s, offer).empty());
  auto untyped = client_message(MessageType::discover, mac(1));
  untyped.options.erase(option::message_type);
  CHECK(rig.send(0s, untyped).empty());
  CHECK(rig.send(0s, client_message(MessageType::discover, mac(1)), 5).empty());
  CHECK(rig.server.counters().ignored == 3);
}

TEST_CASE("a stopped server ignores everything but keeps its leases", "[dhcp][server]") {
  Rig rig;
  const auto address = rig.lease(0s, mac(1));
  rig.server.stop(1s);
  CHECK(rig.send(2s, client_message(MessageType::discover, mac(2))).empty());
  CHECK(rig.server.counters().dropped_while_stopped == 1);
  rig.server.start(3s);
  CHECK(rig.lease(4s, mac(1)) == address);
}

TEST_CASE("reconfiguration keeps the leases that still fit", "[dhcp][server]") {
  Rig rig;
  const auto address = rig.lease(0s, mac(1));
  auto config = base_config();
  config.pools[0].range.first = wire::Ipv4Address{10, 1, 100, 20};
  rig.server.reconfigure(1s, config);
  CHECK(rig.server.lease(address)->state == LeaseInfo::State::bound);
  CHECK(rig.lease(2s, mac(2)) == wire::Ipv4Address{10, 1, 100, 20});
  config.pools.erase(config.pools.begin());
  rig.server.reconfigure(3s, config);
  CHECK_FALSE(rig.server.lease(address));
}

TEST_CASE("configuration errors are found at start-up", "[dhcp][server]") {
  auto config = base_config();
  config.pools[0].range.last = wire::Ipv4Address{10, 1, 101, 1};
  CHECK_THROWS_AS(Server(config), std::invalid_argument);
  config = base_config();
  config.pools[1].subnet = {wire::Ipv4Address{10, 1, 0, 0}, 16};  // overlaps "voice"
  config.pools[1].range = {wire::Ipv4Address{10, 1, 0, 10}, wire::Ipv4Address{10, 1, 0, 20}};
  CHECK_THROWS_AS(Server(config), std::invalid_argument);
  config = base_config();
  config.interfaces.push_back({0, {wire::Ipv4Address{10, 9, 9, 9}, 24}});
  CHECK_THROWS_AS(Server(config), std::invalid_argument);
  config = base_config();
  config.pools[0].reservations.push_back(Reservation{});
  CHECK_THROWS_AS(Server(config), std::invalid_argument);
}

TEST_CASE("every event describes itself", "[dhcp][server]") {
  for (int k = 0; k <= static_cast<int>(ServerEventKind::malformed); ++k) {
    ServerEvent e;
    e.kind = static_cast<ServerEventKind>(k);
    CHECK_FALSE(e.describe().empty());
    CHECK(to_string(e.kind) != "unknown");
  }
}
