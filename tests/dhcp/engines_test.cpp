// Server, relay, phone client (and the DNS engines for option 66 host names) wired back to back
// in virtual time with a 1 ms link latency.

#include <catch2/catch.hpp>

#include "dhcp_test_util.hpp"
#include "lab_harness.hpp"

using namespace voicelab;
using namespace voicelab::test;
using dhcp::ClientEventKind;
using dhcp::ClientState;
using dhcp::MessageType;
using dhcp::ServerEventKind;
using dhcp::TftpSource;

namespace {

constexpr int voice_segment = 1;
constexpr int server_segment = 2;
const wire::Ipv4Address voice_gateway{10, 1, 100, 1};
const wire::Ipv4Address server_address{10, 0, 0, 10};
const wire::Ipv4Address router_server_side{10, 0, 0, 1};
const wire::Ipv4Address dns_address{10, 0, 0, 53};
const wire::Ipv4Address tftp1{10, 0, 0, 10};
const wire::Ipv4Address tftp2{10, 0, 0, 11};
const wire::Ipv4Address cucm{10, 0, 0, 20};

wire::Ipv4Address voice(std::uint8_t host) { return {10, 1, 100, host}; }

dhcp::Pool voice_pool() {
  dhcp::Pool pool;
  pool.name = "voice";
  pool.subnet = {voice(0), 24};
  pool.range = {voice(10), voice(99)};
  pool.options.set_routers({voice_gateway});
  pool.options.set_dns_servers({dns_address});
  pool.options.set_domain_name("voice.lab");
  return pool;
}

dhcp::ClientConfig phone_config(std::uint64_t n = 0) {
  dhcp::ClientConfig config;
  config.mac = wire::MacAddress::from_u64(0x001b54aabbccULL + n);
  return config;
}

// The server directly on the voice subnet (10.1.100.1/24), the DNS server elsewhere.
struct SameSubnetLab {
  explicit SameSubnetLab(dhcp::Pool pool = voice_pool(), bool start_server = true) {
    dhcp::ServerConfig config;
    config.interfaces = {{0, {voice_gateway, 24}}};
    config.pools = {std::move(pool)};
    server = &net.add<ServerNode>(
        "server", std::vector{NodeInterface{voice_segment, voice_gateway, {}}}, config);
    dns::ResponderConfig dns_config;
    dns_config.hosts = {{"cucm1.voice.lab", cucm}};
    dns = &net.add<DnsNode>("dns", std::vector{NodeInterface{server_segment, dns_address, {}}},
                            dns_config);
    if (start_server) server->server.start(0s);
  }
  PhoneNode& add_phone(std::uint64_t n = 0) {
    return net.add<PhoneNode>("phone" + std::to_string(n), voice_segment, phone_config(n), 100 + n);
  }

  Harness net;
  ServerNode* server = nullptr;
  DnsNode* dns = nullptr;
};

// Transmissions of one node, with their DHCP type.
std::vector<Transmission> sent_by(const Harness& net, const std::string& node) {
  std::vector<Transmission> result;
  for (const auto& t : net.log()) {
    if (t.from == node) result.push_back(t);
  }
  return result;
}

dhcp::Message decoded(const Transmission& t) {
  auto m = dhcp::decode_message(t.packet.payload);
  REQUIRE(m.ok());
  return *m;
}

}  // namespace

TEST_CASE("DORA on the same subnet", "[dhcp][engines]") {
  auto pool = voice_pool();
  pool.options.set_tftp_server_addresses({tftp1, tftp2});
  SameSubnetLab lab(pool);
  auto& phone = lab.add_phone();
  phone.client.start(0s);
  lab.net.run_until(10s);

  REQUIRE(phone.client.state() == ClientState::bound);
  const auto& lease = *phone.client.lease();
  CHECK(lease.address == voice(10));
  CHECK(lease.prefix() == wire::Ipv4Prefix{voice(10), 24});
  CHECK(lease.routers == std::vector{voice_gateway});
  CHECK(lease.dns_servers == std::vector{dns_address});
  CHECK(lease.domain_name == "voice.lab");
  CHECK(lease.server_id == voice_gateway);
  CHECK(lease.lease_time == Duration{24h});
  CHECK(lease.obtained == Time{2ms});  // the REQUEST went out when the OFFER arrived
  CHECK(lease.renewal_time == Duration{12h});
  CHECK(lease.rebinding_time == Duration{21h});
  CHECK(lease.tftp.source == TftpSource::option150);
  CHECK(lease.tftp.servers == std::vector{tftp1, tftp2});

  // The exchange, packet by packet.
  const auto& log = lab.net.log();
  REQUIRE(log.size() == 4);
  CHECK(log[0].time == Time{0ms});
  CHECK(dhcp_type(log[0].packet) == MessageType::discover);
  CHECK(log[0].packet.broadcast);
  CHECK(log[0].packet.source_address.is_any());
  CHECK(log[1].time == Time{1ms});
  CHECK(dhcp_type(log[1].packet) == MessageType::offer);
  CHECK(log[2].time == Time{2ms});
  CHECK(dhcp_type(log[2].packet) == MessageType::request);
  CHECK(log[3].time == Time{3ms});
  CHECK(dhcp_type(log[3].packet) == MessageType::ack);

  // What the phone sent is the reference DISCOVER/REQUEST but for the random xid.
  auto discover = decoded(log[0]);
  CHECK(discover.xid == phone.client.xid());
  discover.xid = reference_xid;
  CHECK(*dhcp::encode_message(discover) == reference_discover());
  auto request = decoded(log[2]);
  request.xid = reference_xid;
  CHECK(*dhcp::encode_message(request) == reference_request());

  // Events a log or a timeline can be built from.
  const auto chosen = phone.of_kind(ClientEventKind::tftp_servers_chosen);
  REQUIRE(chosen.size() == 1);
  CHECK(chosen[0].time == Time{4ms});  // when the ACK arrived
  CHECK(chosen[0].describe() == "DHCP: TFTP from option 150: 10.0.0.10, 10.0.0.11");
  const auto acquired = phone.of_kind(ClientEventKind::lease_acquired);
  REQUIRE(acquired.size() == 1);
  CHECK(acquired[0].describe() ==
        "DHCP: bound to 10.1.100.10/24 by 10.1.100.1 with a lease of 86400 s, router 10.1.100.1");
  std::vector<std::string> states;
  for (const auto& e : phone.of_kind(ClientEventKind::state_changed)) {
    states.push_back(dhcp::to_string(e.to));
  }
  CHECK(states == std::vector<std::string>{"INIT", "SELECTING", "REQUESTING", "BOUND"});
  CHECK(lab.server->of_kind(ServerEventKind::acked).size() == 1);
}

TEST_CASE("DORA through a relay (ip helper-address)", "[dhcp][engines]") {
  auto pool = voice_pool();
  pool.options.set_tftp_server_addresses({tftp1});
  dhcp::ServerConfig config;
  config.interfaces = {{0, {server_address, 24}}};
  config.pools = {pool};
  Harness net;
  auto& server = net.add<ServerNode>(
      "server", std::vector{NodeInterface{server_segment, server_address, {}}}, config);
  dhcp::RelayConfig relay_config;
  relay_config.interfaces = {{0, {router_server_side, 24}, {}},
                             {1, {voice_gateway, 24}, {server_address}}};
  auto& router =
      net.add<RelayNode>("router",
                         std::vector{NodeInterface{server_segment, router_server_side, {}},
                                     NodeInterface{voice_segment, voice_gateway, {}}},
                         relay_config);
  auto& phone = net.add<PhoneNode>("phone", voice_segment, phone_config(), 1);
  server.server.start(0s);
  phone.client.start(0s);
  net.run_until(10s);

  REQUIRE(phone.client.state() == ClientState::bound);
  CHECK(phone.client.lease()->address == voice(10));
  CHECK(phone.client.lease()->server_id == server_address);
  CHECK(phone.client.lease()->tftp.servers == std::vector{tftp1});
  // Client broadcast -> relay unicast to the server -> server to the relay -> relay broadcast.
  const auto& log = net.log();
  REQUIRE(log.size() == 8);
  CHECK(log[1].from == "router");
  CHECK(log[1].packet.destination_address == server_address);
  CHECK(log[1].packet.destination_port == 67);
  CHECK(decoded(log[1]).giaddr == voice_gateway);
  CHECK(decoded(log[1]).hops == 1);
  CHECK(log[2].from == "server");
  CHECK(log[2].packet.destination_address == voice_gateway);
  CHECK(log[2].packet.destination_port == 67);
  CHECK(log[3].from == "router");
  CHECK(log[3].packet.broadcast);
  CHECK(log[3].packet.interface == 1);
  CHECK(log[7].time == Time{7ms});
  const auto received = server.of_kind(ServerEventKind::received);
  REQUIRE(received.size() == 2);
  CHECK_THAT(received[0].describe(), Catch::Contains("relayed by 10.1.100.1"));
  REQUIRE(router.events.size() == 4);
  CHECK(router.events[0].describe() ==
        "relaying DISCOVER from 00:1b:54:aa:bb:cc (interface 1, giaddr 10.1.100.1) to server "
        "10.0.0.10");
  CHECK(router.events[1].describe() ==
        "passing OFFER from 10.0.0.10 to 00:1b:54:aa:bb:cc on interface 1 as a broadcast");
}

TEST_CASE("the TFTP server the phone ends up with", "[dhcp][engines][tftp]") {
  auto pool = voice_pool();
  std::optional<dhcp::TftpChoice> expected;
  SECTION("only option 66 with an address") {
    pool.options.set_tftp_server_name("10.0.0.11");
    SameSubnetLab lab(pool);
    auto& phone = lab.add_phone();
    phone.client.start(0s);
    lab.net.run_until(10s);
    const auto choice = phone.tftp_choice();
    REQUIRE(choice);
    CHECK(choice->source == TftpSource::option66_address);
    CHECK(choice->servers == std::vector{tftp2});
    CHECK(phone.dns_events.empty());
  }
  SECTION("only option 66 with a resolvable host name") {
    pool.options.set_tftp_server_name("CUCM1.voice.lab");
    SameSubnetLab lab(pool);
    auto& phone = lab.add_phone();
    phone.client.start(0s);
    lab.net.run_until(10s);
    REQUIRE(phone.of_kind(ClientEventKind::tftp_name_pending).size() == 1);
    const auto choice = phone.tftp_choice();
    REQUIRE(choice);
    CHECK(choice->source == TftpSource::option66_name);
    CHECK(choice->resolution == dhcp::TftpResolution::resolved);
    CHECK(choice->servers == std::vector{cucm});
    CHECK(phone.client.lease()->tftp == *choice);
    // ACK delivered at 4 ms, query at 4 ms, answer back at 6 ms.
    CHECK(phone.of_kind(ClientEventKind::tftp_servers_chosen).at(0).time == Time{6ms});
    const auto queries = sent_by(lab.net, "phone0");
    CHECK(queries.back().packet.destination_address == dns_address);
    CHECK(queries.back().packet.destination_port == 53);
    REQUIRE(lab.dns->events.size() == 1);
    CHECK(lab.dns->events[0].kind == dns::ResponderEventKind::answered);
  }
  SECTION("only option 66 with a host name DNS does not know") {
    pool.options.set_tftp_server_name("nosuch.voice.lab");
    SECTION("and no siaddr: no TFTP server") {
      SameSubnetLab lab(pool);
      auto& phone = lab.add_phone();
      phone.client.start(0s);
      lab.net.run_until(10s);
      const auto choice = phone.tftp_choice();
      REQUIRE(choice);
      CHECK(choice->source == TftpSource::none);
      CHECK(choice->resolution == dhcp::TftpResolution::failed);
      CHECK(phone.dns_events.back().result->status == dns::ResolveStatus::name_error);
      CHECK(lab.dns->events.at(0).kind == dns::ResponderEventKind::name_error);
    }
    SECTION("with a next-server: siaddr") {
      pool.next_server = tftp2;
      SameSubnetLab lab(pool);
      auto& phone = lab.add_phone();
      phone.client.start(0s);
      lab.net.run_until(10s);
      const auto choice = phone.tftp_choice();
      REQUIRE(choice);
      CHECK(choice->source == TftpSource::siaddr);
      CHECK(choice->servers == std::vector{tftp2});
    }
  }
  SECTION("both 150 and 66: 150 is used") {
    pool.options.set_tftp_server_name("cucm1.voice.lab");
    pool.options.set_tftp_server_addresses({tftp2, tftp1});
    SameSubnetLab lab(pool);
    auto& phone = lab.add_phone();
    phone.client.start(0s);
    lab.net.run_until(10s);
    const auto choice = phone.tftp_choice();
    REQUIRE(choice);
    CHECK(choice->source == TftpSource::option150);
    CHECK(choice->servers == std::vector{tftp2, tftp1});
    CHECK(phone.dns_events.empty());
    CHECK(phone.client.lease()->options.tftp_server_name() == "cucm1.voice.lab");
  }
  SECTION("no TFTP option: the phone reports it has none") {
    SameSubnetLab lab(pool);
    auto& phone = lab.add_phone();
    phone.client.start(0s);
    lab.net.run_until(10s);
    const auto chosen = phone.of_kind(ClientEventKind::tftp_servers_chosen);
    REQUIRE(chosen.size() == 1);
    CHECK(chosen[0].tftp.source == TftpSource::none);
    CHECK(chosen[0].describe() == "DHCP: no TFTP server");
  }
}

TEST_CASE("server silent: the DISCOVER retransmission timeline of RFC 2131 4.1",
          "[dhcp][engines][timing]") {
  SameSubnetLab lab(voice_pool(), /*start_server=*/false);
  auto& phone = lab.add_phone();
  phone.client.start(0s);
  lab.net.run_until(400s);

  const auto sent = sent_by(lab.net, "phone0");
  REQUIRE(sent.size() >= 9);
  const Duration base[] = {4s, 8s, 16s, 32s, 64s};  // after transmissions 1..5
  // First cycle: 6 transmissions, then `gave_up` and a fresh cycle.
  const auto first_xid = decoded(sent[0]).xid;
  for (std::size_t i = 1; i < 6; ++i) {
    const Duration gap = sent[i].time - sent[i - 1].time;
    INFO("retransmission " << i << " after " << gap.count() << " ns");
    CHECK(gap >= base[i - 1] - 1s);
    CHECK(gap <= base[i - 1] + 1s);
    CHECK(decoded(sent[i]).xid == first_xid);
    // secs counts from the first DISCOVER of the cycle.
    CHECK(decoded(sent[i]).secs ==
          std::chrono::duration_cast<std::chrono::seconds>(sent[i].time - sent[0].time).count());
  }
  const auto gave_up = phone.of_kind(ClientEventKind::gave_up);
  REQUIRE(!gave_up.empty());
  const Duration last_wait = gave_up[0].time - sent[5].time;
  CHECK(last_wait >= 63s);
  CHECK(last_wait <= 65s);
  CHECK(gave_up[0].attempt == 6);
  CHECK(gave_up[0].describe() == "DHCP: no answer to DISCOVER after 6 attempts; starting over");
  // The phone keeps trying: a new cycle with a new xid and a 4 s first wait.
  CHECK(sent[6].time == gave_up[0].time);
  CHECK(decoded(sent[6]).xid != first_xid);
  CHECK(decoded(sent[6]).secs == 0);
  CHECK(sent[7].time - sent[6].time >= 3s);
  CHECK(sent[7].time - sent[6].time <= 5s);
  const auto retransmitted = phone.of_kind(ClientEventKind::retransmitted);
  REQUIRE(!retransmitted.empty());
  CHECK_THAT(
      retransmitted[0].describe(),
      Catch::StartsWith("DHCP: no answer yet, DISCOVER sent again (attempt 2), next try in"));
  CHECK(phone.client.state() == ClientState::selecting);
}

TEST_CASE("a server that comes up late still gives a lease", "[dhcp][engines][timing]") {
  SameSubnetLab lab(voice_pool(), /*start_server=*/false);
  auto& phone = lab.add_phone();
  phone.client.start(0s);
  lab.net.run_until(30s);
  CHECK(phone.client.state() == ClientState::selecting);
  // DISCOVERs at about 0, 4, 12 and 28 s reached a server that was down.
  CHECK(lab.server->server.counters().dropped_while_stopped == sent_by(lab.net, "phone0").size());
  CHECK(sent_by(lab.net, "phone0").size() >= 3);
  lab.server->server.start(lab.net.now());
  lab.net.run_until(200s);
  REQUIRE(phone.client.state() == ClientState::bound);
  const auto acquired = phone.of_kind(ClientEventKind::lease_acquired);
  REQUIRE(acquired.size() == 1);
  // The fifth DISCOVER, 4+8+16+32 = 60 s (+-4 s of jitter) after the first.
  CHECK(acquired[0].time >= Time{56s});
  CHECK(acquired[0].time <= Time{64s + 3ms});
}

TEST_CASE("pool exhausted: the last phone gets nothing and the server says why",
          "[dhcp][engines]") {
  auto pool = voice_pool();
  pool.range = {voice(10), voice(11)};
  SameSubnetLab lab(pool);
  auto& a = lab.add_phone(1);
  auto& b = lab.add_phone(2);
  auto& c = lab.add_phone(3);
  a.client.start(0s);
  b.client.start(1s);
  c.client.start(2s);
  lab.net.run_until(30s);
  CHECK(a.client.state() == ClientState::bound);
  CHECK(b.client.state() == ClientState::bound);
  CHECK(c.client.state() == ClientState::selecting);
  CHECK_FALSE(c.client.lease());
  const auto exhausted = lab.server->of_kind(ServerEventKind::pool_exhausted);
  REQUIRE(exhausted.size() >= 1);
  CHECK(exhausted[0].mac == phone_config(3).mac);
  CHECK_THAT(exhausted[0].reason, Catch::Contains("all 2 dynamic addresses"));
}

TEST_CASE("renewal at T1 (unicast) and rebinding at T2 (broadcast)", "[dhcp][engines][timing]") {
  auto pool = voice_pool();
  pool.options.set_lease_time(1000);  // T1 500 s, T2 875 s
  SameSubnetLab lab(pool);
  auto& phone = lab.add_phone();
  phone.client.start(0s);
  lab.net.run_until(1s);
  REQUIRE(phone.client.state() == ClientState::bound);
  const Time obtained = phone.client.lease()->obtained;
  REQUIRE(obtained == Time{2ms});

  SECTION("the server answers the renewal") {
    lab.net.run_until(600s);
    const auto sent = sent_by(lab.net, "phone0");
    REQUIRE(sent.size() == 3);
    CHECK(sent[2].time == obtained + 500s);
    CHECK_FALSE(sent[2].packet.broadcast);
    CHECK(sent[2].packet.destination_address == voice_gateway);
    CHECK(sent[2].packet.source_address == voice(10));
    const auto renew = decoded(sent[2]);
    CHECK(renew.ciaddr == voice(10));
    CHECK_FALSE(renew.options.server_id());
    CHECK_FALSE(renew.options.requested_address());
    CHECK_FALSE(renew.broadcast());
    CHECK(phone.client.state() == ClientState::bound);
    REQUIRE(phone.of_kind(ClientEventKind::lease_renewed).size() == 1);
    CHECK(phone.client.lease()->obtained == obtained + 500s);
    CHECK(phone.client.next_timeout() == obtained + 1000s);  // the next T1
    // The server answered straight to ciaddr.
    CHECK(sent_by(lab.net, "server").back().packet.destination_address == voice(10));
  }
  SECTION("the server is down at T1 and back before the lease ends: rebinding works") {
    lab.net.run_until(400s);
    lab.server->server.stop(lab.net.now());
    lab.net.run_until(900s);
    lab.server->server.start(lab.net.now());
    lab.net.run_until(1200s);
    const auto sent = sent_by(lab.net, "phone0");
    REQUIRE(sent.size() >= 8);
    // RENEWING: T1, then half the time left to T2 (at least 60 s), all unicast.
    CHECK(sent[2].time == obtained + 500s);
    CHECK(sent[3].time == obtained + 687500ms);
    CHECK(sent[4].time == obtained + 781250ms);
    CHECK(sent[5].time == obtained + 841250ms);
    for (int i = 2; i <= 5; ++i) CHECK_FALSE(sent[static_cast<std::size_t>(i)].packet.broadcast);
    // REBINDING at T2: broadcast; the next try after max(62.5 s, 60 s) reaches the server.
    CHECK(sent[6].time == obtained + 875s);
    CHECK(sent[6].packet.broadcast);
    CHECK(decoded(sent[6]).ciaddr == voice(10));
    CHECK(sent[7].time == obtained + 937500ms);
    const auto renewed = phone.of_kind(ClientEventKind::lease_renewed);
    REQUIRE(renewed.size() == 1);
    CHECK(renewed[0].time == obtained + 937500ms + 2ms);
    CHECK(phone.client.lease()->address == voice(10));
    std::vector<std::string> states;
    for (const auto& e : phone.of_kind(ClientEventKind::state_changed)) {
      states.push_back(dhcp::to_string(e.to));
    }
    CHECK(states == std::vector<std::string>{"INIT", "SELECTING", "REQUESTING", "BOUND", "RENEWING",
                                             "REBINDING", "BOUND"});
  }
  SECTION("the server never comes back: the lease ends and the phone starts over") {
    lab.server->server.stop(1s);
    lab.net.run_until(1010s);
    const auto expired = phone.of_kind(ClientEventKind::lease_expired);
    REQUIRE(expired.size() == 1);
    CHECK(expired[0].time == obtained + 1000s);
    CHECK_FALSE(phone.client.lease());
    CHECK(phone.client.state() == ClientState::selecting);
    const auto sent = sent_by(lab.net, "phone0");
    auto first_after = std::find_if(sent.begin(), sent.end(), [&](const Transmission& t) {
      return t.time >= obtained + 1000s;
    });
    REQUIRE(first_after != sent.end());
    CHECK(first_after->time == obtained + 1000s);
    CHECK(dhcp_type(first_after->packet) == MessageType::discover);
    CHECK(first_after->packet.source_address.is_any());
  }
}

TEST_CASE("NAK: a phone rebooting with an address from another subnet starts over",
          "[dhcp][engines]") {
  SameSubnetLab lab;
  auto& phone = lab.add_phone();
  phone.client.start(0s, wire::Ipv4Address{10, 9, 9, 9});
  lab.net.run_until(10s);
  const auto sent = sent_by(lab.net, "phone0");
  REQUIRE(sent.size() == 3);
  const auto reboot = decoded(sent[0]);
  CHECK(reboot.type() == MessageType::request);
  CHECK(reboot.options.requested_address() == wire::Ipv4Address{10, 9, 9, 9});
  CHECK_FALSE(reboot.options.server_id());
  CHECK(reboot.ciaddr.is_any());
  const auto naks = phone.of_kind(ClientEventKind::nak_received);
  REQUIRE(naks.size() == 1);
  CHECK(naks[0].describe() ==
        "DHCP: 10.1.100.1 refused the request (wrong network: 10.9.9.9 is not on 10.1.100.0/24); "
        "starting over");
  CHECK(dhcp_type(sent[1].packet) == MessageType::discover);
  CHECK(phone.client.state() == ClientState::bound);
  CHECK(phone.client.lease()->address == voice(10));
  CHECK(lab.server->of_kind(ServerEventKind::nak_sent).size() == 1);
}

TEST_CASE("INIT-REBOOT with the phone's own address: one REQUEST, one ACK", "[dhcp][engines]") {
  SameSubnetLab lab;
  auto& phone = lab.add_phone();
  phone.client.start(0s);
  lab.net.run_until(20s);
  const auto address = phone.client.lease()->address;
  phone.client.stop(20s);  // power cut; the phone remembers its address
  lab.net.run_until(30s);
  phone.client.start(30s, address);
  lab.net.run_until(40s);
  REQUIRE(phone.client.state() == ClientState::bound);
  CHECK(phone.client.lease()->address == address);
  const auto sent = sent_by(lab.net, "phone0");
  REQUIRE(sent.size() == 3);  // DISCOVER, REQUEST, then the reboot REQUEST
  CHECK(sent[2].time == Time{30s});
  CHECK(phone.client.lease()->obtained == Time{30s});
}

TEST_CASE("DECLINE: the phone finds its address in use and gets another", "[dhcp][engines]") {
  SameSubnetLab lab;
  auto& phone = lab.add_phone();
  phone.client.start(0s);
  lab.net.run_until(5s);
  REQUIRE(phone.client.lease()->address == voice(10));
  // The phone-level code saw an ARP reply for its new address.
  phone.client.decline(lab.net.now(), "ARP reply from 00:11:22:33:44:55");
  CHECK(phone.client.state() == ClientState::init);
  lab.net.flush();
  lab.net.run_until(30s);
  const auto declined = lab.server->of_kind(ServerEventKind::declined);
  REQUIRE(declined.size() == 1);
  CHECK(declined[0].address == voice(10));
  CHECK(declined[0].reason == "ARP reply from 00:11:22:33:44:55");
  // 10 s later the phone starts over and is given the next address.
  const auto sent = sent_by(lab.net, "phone0");
  CHECK(dhcp_type(sent[2].packet) == MessageType::decline);
  CHECK(sent[2].packet.broadcast);
  CHECK(sent[3].time == sent[2].time + 10s);
  CHECK(phone.client.state() == ClientState::bound);
  CHECK(phone.client.lease()->address == voice(11));
  CHECK(lab.server->server.lease(voice(10))->state == dhcp::LeaseInfo::State::declined);
}

TEST_CASE("RELEASE: the address goes back, and the phone gets it again", "[dhcp][engines]") {
  SameSubnetLab lab;
  auto& phone = lab.add_phone();
  phone.client.start(0s);
  lab.net.run_until(5s);
  phone.client.release(lab.net.now());
  CHECK(phone.client.state() == ClientState::stopped);
  lab.net.run_until(6s);
  const auto sent = sent_by(lab.net, "phone0");
  REQUIRE(sent.size() == 3);
  CHECK_FALSE(sent[2].packet.broadcast);
  CHECK(sent[2].packet.destination_address == voice_gateway);
  CHECK(decoded(sent[2]).ciaddr == voice(10));
  REQUIRE(lab.server->of_kind(ServerEventKind::released).size() == 1);
  CHECK(lab.server->server.lease(voice(10))->state == dhcp::LeaseInfo::State::free);
  lab.net.run_until(10s);
  phone.client.start(10s);
  lab.net.run_until(20s);
  CHECK(phone.client.lease()->address == voice(10));
}

TEST_CASE("INFORM to the lab's server: options for a host with a static address",
          "[dhcp][engines]") {
  // A hand-configured host asks for the TFTP servers only (RFC 2131 3.4).
  auto pool = voice_pool();
  pool.options.set_tftp_server_addresses({tftp1, tftp2});
  SameSubnetLab lab(pool);
  dhcp::Message inform;
  inform.set_client_mac(phone_config(5).mac);
  inform.xid = 42;
  inform.ciaddr = voice(200);
  inform.options.set_message_type(MessageType::inform);
  inform.options.set_parameter_request_list({1, 150});
  const auto bytes = *dhcp::encode_message(inform);
  lab.server->server.handle_datagram(
      0s, dhcp::Datagram{{voice(200), 68}, {voice_gateway, 67}, 0, bytes});
  auto out = lab.server->server.poll_transmit();
  REQUIRE(out);
  CHECK(out->destination == dhcp::Endpoint{voice(200), 68});
  const auto ack = *dhcp::decode_message(out->payload);
  CHECK(ack.type() == MessageType::ack);
  CHECK(ack.options.tftp_server_addresses() == std::vector{tftp1, tftp2});
  CHECK_FALSE(ack.options.lease_time());
  CHECK(ack.options.routers().empty());  // not requested
}
