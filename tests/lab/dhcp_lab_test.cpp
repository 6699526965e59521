// Issue 4 at the network level: the DHCP engines bound to netsim hosts by lab::DatagramDriver,
// on a switch with VLANs and a router running the relay agent, captured and read back by tshark.

#include <catch2/catch.hpp>

#include "lab_test_util.hpp"
#include "support/tshark.hpp"
#include "voicelab/dhcp/client.hpp"
#include "voicelab/dhcp/relay.hpp"
#include "voicelab/dhcp/server.hpp"
#include "voicelab/dns/resolver.hpp"
#include "voicelab/dns/responder.hpp"
#include "voicelab/lab/datagram_driver.hpp"
#include "voicelab/lab/lease.hpp"

using namespace voicelab;
using namespace voicelab::lab;
using namespace voicelab::lab::test;
using voicelab::test::require_clean_capture;
using voicelab::test::run_tshark;
using voicelab::test::split_fields;

namespace {

const wire::MacAddress phone_mac = mac(0x001b54aabbccULL);

dhcp::ServerConfig server_config(netsim::InterfaceId interface, bool option150 = true) {
  dhcp::Pool voice;
  voice.name = "voice";
  voice.subnet = prefix("10.1.100.0/24");
  voice.range = {ip("10.1.100.20"), ip("10.1.100.99")};
  voice.options.set_routers({ip("10.1.100.1")});
  voice.options.set_dns_servers({ip("10.0.10.53")});
  voice.options.set_domain_name("voice.lab");
  if (option150) {
    voice.options.set_tftp_server_addresses({ip("10.0.10.11"), ip("10.0.10.12")});
  } else {
    voice.options.set_tftp_server_name("cucm1.voice.lab");
  }
  voice.options.set_lease_time(3600);
  dhcp::Pool servers = voice;
  servers.name = "servers";
  servers.subnet = prefix("10.0.10.0/24");
  servers.range = {ip("10.0.10.100"), ip("10.0.10.199")};
  servers.options.set_routers({ip("10.0.10.1")});
  dhcp::ServerConfig config;
  config.interfaces = {{static_cast<dhcp::InterfaceIndex>(interface), prefix("10.0.10.10/24")}};
  config.pools = {voice, servers};
  return config;
}

// The DHCP server role on its own host.
struct DhcpServerNode {
  DhcpServerNode(TestLab& lab, bool option150 = true)
      : host(lab.add_server("dhcp1", 0x0050568a0010ULL, "10.0.10.10")),
        server(server_config(0, option150)),
        driver(host, server, udp_config("dhcp1", {67}), &lab.log()) {}
  void start() {
    REQUIRE_FALSE(driver.open());
    driver.update([](dhcp::Server& s, Time now) { s.start(now); });
  }
  netsim::Host& host;
  dhcp::Server server;
  DatagramDriver<dhcp::Server> driver;
};

// The relay agent on the router: helpers on the voice VLAN subinterface (InterfaceId 1).
struct RelayNode {
  RelayNode(TestLab& lab, std::vector<wire::Ipv4Address> helpers)
      : host(lab.add_router()),
        relay(dhcp::RelayConfig{
            {{0, prefix("10.0.10.1/24"), {}}, {1, prefix("10.1.100.1/24"), std::move(helpers)}}}),
        driver(host, relay, udp_config("router:relay", {67}), &lab.log()) {
    REQUIRE_FALSE(driver.open());
  }
  netsim::Host& host;
  dhcp::RelayAgent relay;
  DatagramDriver<dhcp::RelayAgent> driver;
};

// The DHCP client of a phone, with its resolver for an option 66 host name; applies its lease
// to the host and records its events.
struct PhoneNode {
  PhoneNode(TestLab& lab, netsim::Host& phone_host, bool broadcast_flag = true)
      : host(phone_host),
        random(lab.sim().random().fork(0x70686f6e65)),
        client(make_config(broadcast_flag), random),
        resolver(dns::ResolverConfig{}, random),
        dhcp_driver(host, client, udp_config("phone1", {68}), &lab.log()),
        dns_driver(host, resolver, udp_config("phone1"), &lab.log()) {
    dhcp_driver.set_event_handler([this](const dhcp::ClientEvent& e) { on_dhcp(e); });
    dns_driver.set_event_handler([this](const dns::ResolverEvent& e) { on_dns(e); });
    REQUIRE_FALSE(dhcp_driver.open());
  }
  static dhcp::ClientConfig make_config(bool broadcast_flag) {
    dhcp::ClientConfig config;
    config.mac = phone_mac;
    config.interface = 0;
    config.broadcast_flag = broadcast_flag;
    return config;
  }
  void start() {
    dhcp_driver.update([](dhcp::Client& c, Time now) { c.start(now); });
  }
  void on_dhcp(const dhcp::ClientEvent& e) {
    events.push_back(e);
    if ((e.kind == dhcp::ClientEventKind::lease_acquired ||
         e.kind == dhcp::ClientEventKind::lease_renewed) &&
        e.lease) {
      apply_lease(host, 0, *e.lease);
    }
    if (e.kind == dhcp::ClientEventKind::lease_expired) remove_lease(host, 0);
    if (e.kind == dhcp::ClientEventKind::tftp_name_pending && client.lease()) {
      const auto servers = client.lease()->dns_servers;
      const auto name = e.tftp.name;
      dns_driver.update([&](dns::Resolver& r, Time now) {
        r.set_servers(now, servers);
        r.resolve(now, name);
      });
    }
    if (e.kind == dhcp::ClientEventKind::tftp_servers_chosen) tftp = e.tftp;
  }
  void on_dns(const dns::ResolverEvent& e) {
    if (e.kind != dns::ResolverEventKind::completed || !e.result) return;
    std::optional<wire::Ipv4Address> address;
    if (!e.result->addresses.empty()) address = e.result->addresses.front();
    dhcp_driver.update([&](dhcp::Client& c, Time now) { c.resolve_tftp_name(now, address); });
  }
  [[nodiscard]] std::vector<Time> discover_times() const {
    std::vector<Time> out;
    for (const auto& e : events) {
      if ((e.kind == dhcp::ClientEventKind::sent ||
           e.kind == dhcp::ClientEventKind::retransmitted) &&
          e.message_type == dhcp::MessageType::discover) {
        out.push_back(e.time);
      }
    }
    return out;
  }
  [[nodiscard]] std::optional<Time> lease_time() const {
    for (const auto& e : events) {
      if (e.kind == dhcp::ClientEventKind::lease_acquired) return e.time;
    }
    return std::nullopt;
  }

  netsim::Host& host;
  Random random;
  dhcp::Client client;
  dns::Resolver resolver;
  DatagramDriver<dhcp::Client> dhcp_driver;
  DatagramDriver<dns::Resolver> dns_driver;
  std::vector<dhcp::ClientEvent> events;
  std::optional<dhcp::TftpChoice> tftp;
};

// tshark fields of the DHCP packets seen on one capture interface, in order.
std::vector<std::vector<std::string>> dhcp_rows(const std::filesystem::path& capture,
                                                std::string_view interface,
                                                std::vector<std::string> fields) {
  std::vector<std::string> args = {
      "-Y", "dhcp && frame.interface_name == \"" + std::string(interface) + "\"", "-T", "fields"};
  for (auto& f : fields) {
    args.push_back("-e");
    args.push_back(std::move(f));
  }
  const auto result = run_tshark(capture, args);
  REQUIRE(result.exit_code == 0);
  return split_fields(result.output);
}

}  // namespace

TEST_CASE("DHCP DORA in the same subnet over netsim", "[lab][dhcp]") {
  TestLab lab(401, "dora-same-subnet");
  DhcpServerNode server(lab);
  HostSpec phone_spec;
  phone_spec.name = "phone1";
  phone_spec.mac = phone_mac;  // untagged in VLAN 10, next to the server
  PhoneNode phone(lab, lab.add_host(phone_spec));
  server.start();
  phone.start();
  lab.sim().run_for(10s);

  REQUIRE(phone.client.state() == dhcp::ClientState::bound);
  const dhcp::Lease& lease = *phone.client.lease();
  CHECK(lease.address == ip("10.0.10.100"));
  CHECK(lease.server_id == ip("10.0.10.10"));
  CHECK(phone.host.interface_address(0) == prefix("10.0.10.100/24"));
  CHECK(phone.host.default_gateway() == ip("10.0.10.1"));
  REQUIRE(phone.tftp);
  CHECK(phone.tftp->source == dhcp::TftpSource::option150);
  CHECK(phone.tftp->servers == std::vector{ip("10.0.10.11"), ip("10.0.10.12")});
  CHECK(server.server.counters().acks == 1);
  // Both sides logged their engine's events under their component names.
  CHECK(lab.log().contains("dhcp1", "DISCOVER"));
  CHECK_FALSE(lab.log().lines("phone1").empty());

  const auto& capture = lab.capture();
  require_clean_capture(capture);
  const auto rows = dhcp_rows(capture, "phone1",
                              {"dhcp.option.dhcp", "dhcp.option.tftp_server_address", "ip.src",
                               "ip.dst", "dhcp.hw.mac_addr"});
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].at(0) == "1");
  CHECK(rows[1].at(0) == "2");
  CHECK(rows[2].at(0) == "3");
  CHECK(rows[3].at(0) == "5");
  CHECK(rows[0].at(2) == "0.0.0.0");
  CHECK(rows[0].at(3) == "255.255.255.255");
  CHECK(rows[1].at(2) == "10.0.10.10");
  CHECK(rows[1].at(1) == "10.0.10.11,10.0.10.12");
  CHECK(rows[3].at(1) == "10.0.10.11,10.0.10.12");
  CHECK(rows[0].at(4).rfind("00:1b:54:aa:bb:cc", 0) == 0);
}

TEST_CASE("DHCP DORA through a relay: phone in voice VLAN 100, server in VLAN 10",
          "[lab][dhcp][relay]") {
  TestLab lab(402, "dora-relayed");
  DhcpServerNode server(lab);
  RelayNode relay(lab, {ip("10.0.10.10")});
  PhoneNode phone(lab, lab.add_phone("phone1", phone_mac));
  server.start();
  phone.start();
  lab.sim().run_for(10s);

  REQUIRE(phone.client.state() == dhcp::ClientState::bound);
  const dhcp::Lease& lease = *phone.client.lease();
  CHECK(lease.address == ip("10.1.100.20"));
  CHECK(lease.routers == std::vector{ip("10.1.100.1")});
  CHECK(lease.server_id == ip("10.0.10.10"));
  CHECK(phone.host.interface_address(0) == prefix("10.1.100.20/24"));
  REQUIRE(phone.tftp);
  CHECK(phone.tftp->servers == std::vector{ip("10.0.10.11"), ip("10.0.10.12")});
  CHECK(relay.relay.counters().requests_forwarded == 2);  // DISCOVER, REQUEST
  CHECK(relay.relay.counters().replies_delivered == 2);   // OFFER, ACK
  CHECK(relay.host.counters().ip_forwarded == 0);         // the relay answered; nothing was routed
  const auto leases = server.server.leases();
  REQUIRE(leases.size() == 1);
  CHECK(leases[0].pool == "voice");
  CHECK(lab.log().contains("router:relay", "10.1.100.1"));

  const auto& capture = lab.capture();
  require_clean_capture(capture);
  // The phone's wire: tagged VLAN 100 both ways, giaddr 0 (the relay's business), option 150.
  const auto phone_rows = dhcp_rows(
      capture, "phone1",
      {"dhcp.option.dhcp", "vlan.id", "dhcp.ip.relay", "dhcp.option.tftp_server_address"});
  REQUIRE(phone_rows.size() == 4);
  for (const auto& row : phone_rows) CHECK(row.at(1) == "100");
  CHECK(phone_rows[1].at(0) == "2");
  CHECK(phone_rows[1].at(2) == "10.1.100.1");
  CHECK(phone_rows[1].at(3) == "10.0.10.11,10.0.10.12");
  CHECK(phone_rows[0].at(2) == "0.0.0.0");
  // The server's wire: relayed unicast from the router, giaddr set, hops 1 on requests.
  const auto server_rows =
      dhcp_rows(capture, "dhcp1",
                {"dhcp.option.dhcp", "ip.src", "ip.dst", "dhcp.ip.relay", "dhcp.hops",
                 "dhcp.option.tftp_server_address", "udp.srcport", "udp.dstport"});
  REQUIRE(server_rows.size() == 4);
  CHECK(server_rows[0] == std::vector<std::string>{"1", "10.0.10.1", "10.0.10.10", "10.1.100.1",
                                                   "1", "", "67", "67"});
  CHECK(server_rows[1] == std::vector<std::string>{"2", "10.0.10.10", "10.1.100.1", "10.1.100.1",
                                                   "0", "10.0.10.11,10.0.10.12", "67", "67"});
  CHECK(server_rows[2].at(0) == "3");
  CHECK(server_rows[3].at(0) == "5");
  CHECK(server_rows[3].at(5) == "10.0.10.11,10.0.10.12");
  // And the dissector names option 150 for what it is.
  const auto verbose = run_tshark(
      capture, {"-V", "-Y", "dhcp.option.dhcp == 5 && frame.interface_name == \"phone1\""});
  REQUIRE(verbose.exit_code == 0);
  CHECK_THAT(verbose.output, Catch::Contains("Option: (150) TFTP Server Address"));
  CHECK_THAT(verbose.output, Catch::Contains("TFTP Server Address: 10.0.10.11"));
  CHECK_THAT(verbose.output, Catch::Contains("TFTP Server Address: 10.0.10.12"));
}

TEST_CASE("DHCP replies to a client without the broadcast flag go to chaddr without ARP",
          "[lab][dhcp][relay]") {
  // RFC 2131 §4.1 / RFC 1542 §5.4: OFFER and ACK are unicast to yiaddr at link-layer address
  // chaddr, which the driver sends with netsim's next_hop_mac (OutgoingDatagram::link_destination).
  const bool relayed = GENERATE(false, true);
  INFO((relayed ? "relayed" : "same subnet"));
  TestLab lab(relayed ? 407 : 406, "dora-unicast");
  DhcpServerNode server(lab);
  std::optional<RelayNode> relay;
  netsim::Host* phone_host = nullptr;
  if (relayed) {
    relay.emplace(lab, std::vector{ip("10.0.10.10")});
    phone_host = &lab.add_phone("phone1", phone_mac);
  } else {
    HostSpec spec;
    spec.name = "phone1";
    spec.mac = phone_mac;
    phone_host = &lab.add_host(spec);
  }
  PhoneNode phone(lab, *phone_host, /*broadcast_flag=*/false);
  server.start();
  phone.start();
  lab.sim().run_for(10s);

  REQUIRE(phone.client.state() == dhcp::ClientState::bound);
  const std::string yiaddr = relayed ? "10.1.100.20" : "10.0.10.100";
  CHECK(phone.client.lease()->address == ip(yiaddr));
  const auto& capture = lab.capture();
  require_clean_capture(capture);
  const auto rows =
      dhcp_rows(capture, "phone1", {"dhcp.option.dhcp", "dhcp.flags.bc", "ip.dst", "eth.dst"});
  REQUIRE(rows.size() == 4);
  for (const std::size_t reply : {1U, 3U}) {
    CHECK(rows[reply].at(1) == "0");
    CHECK(rows[reply].at(2) == yiaddr);
    CHECK(rows[reply].at(3) == "00:1b:54:aa:bb:cc");
  }
  // Nobody asked who has the client's new address: it could not have answered yet.
  const auto arp = run_tshark(
      capture, {"-Y", "arp.dst.proto_ipv4 == " + yiaddr, "-T", "fields", "-e", "frame.number"});
  REQUIRE(arp.exit_code == 0);
  CHECK(split_fields(arp.output).empty());
}

TEST_CASE("DHCP option 66 host name resolved through the DNS responder", "[lab][dhcp][dns]") {
  TestLab lab(403, "option66-dns");
  DhcpServerNode server(lab, /*option150=*/false);
  netsim::Host& dns_host = lab.add_server("dns1", 0x0050568a0053ULL, "10.0.10.53");
  dns::Responder responder(dns::ResponderConfig{{{"cucm1.voice.lab", ip("10.0.10.11")}}});
  DatagramDriver<dns::Responder> dns_driver(dns_host, responder, udp_config("dns1", {53}),
                                            &lab.log());
  REQUIRE_FALSE(dns_driver.open());
  RelayNode relay(lab, {ip("10.0.10.10")});
  PhoneNode phone(lab, lab.add_phone("phone1", phone_mac));
  server.start();
  phone.start();
  lab.sim().run_for(10s);

  REQUIRE(phone.client.state() == dhcp::ClientState::bound);
  REQUIRE(phone.tftp);
  CHECK(phone.tftp->source == dhcp::TftpSource::option66_name);
  CHECK(phone.tftp->name == "cucm1.voice.lab");
  CHECK(phone.tftp->resolution == dhcp::TftpResolution::resolved);
  CHECK(phone.tftp->servers == std::vector{ip("10.0.10.11")});
  CHECK(responder.counters().answered == 1);
  // The resolver's port was bound on demand, from the phone's new address, through the router.
  CHECK(phone.dns_driver.ports().counters().binds == 1);
  CHECK(relay.host.counters().ip_forwarded >= 2);
  CHECK(lab.log().contains("dns1", "cucm1.voice.lab"));

  const auto& capture = lab.capture();
  require_clean_capture(capture);
  const auto offer = dhcp_rows(
      capture, "phone1",
      {"dhcp.option.dhcp", "dhcp.option.tftp_server_name", "dhcp.option.tftp_server_address"});
  REQUIRE(offer.size() == 4);
  CHECK(offer[3].at(0) == "5");
  CHECK(offer[3].at(1) == "cucm1.voice.lab");
  CHECK(offer[3].at(2).empty());
  const auto dns = run_tshark(
      capture, {"-Y", "dns && frame.interface_name == \"phone1\"", "-T", "fields", "-e", "ip.src",
                "-e", "dns.qry.name", "-e", "dns.flags.response", "-e", "dns.a"});
  REQUIRE(dns.exit_code == 0);
  const auto rows = split_fields(dns.output);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::vector<std::string>{"10.1.100.20", "cucm1.voice.lab", "0", ""});
  CHECK(rows[1] == std::vector<std::string>{"10.0.10.53", "cucm1.voice.lab", "1", "10.0.10.11"});
}

TEST_CASE("DHCP server comes up late: the client backs off, then gets a lease",
          "[lab][dhcp][relay]") {
  TestLab lab(404, "server-late");
  DhcpServerNode server(lab);
  RelayNode relay(lab, {ip("10.0.10.10")});
  PhoneNode phone(lab, lab.add_phone("phone1", phone_mac));
  server.host.set_up(false);  // powered off: ARP for it goes unanswered
  phone.start();
  lab.sim().run_for(45s);
  CHECK(phone.client.state() == dhcp::ClientState::selecting);
  CHECK_FALSE(phone.client.lease());
  const auto before = phone.discover_times();
  REQUIRE(before.size() == 4);  // 0, ~4, ~12, ~28 s
  CHECK(relay.relay.counters().requests_forwarded == 4);

  server.host.set_up(true);
  server.start();  // open() binds port 67 again: the power cycle dropped every socket
  lab.sim().run_for(60s);

  REQUIRE(phone.client.state() == dhcp::ClientState::bound);
  const auto leased_at = phone.lease_time();
  REQUIRE(leased_at);
  // The fifth DISCOVER (about 60 s: 4 + 8 + 16 + 32 with ±1 s each) is the first one answered.
  CHECK(*leased_at > 45s);
  CHECK(*leased_at < 70s);
  CHECK(phone.discover_times().size() == 5);
  CHECK(phone.host.interface_address(0) == prefix("10.1.100.20/24"));
  require_clean_capture(lab.capture());
}

TEST_CASE("DHCP relay without a helper address: no lease, the client keeps backing off",
          "[lab][dhcp][relay]") {
  TestLab lab(405, "no-helper");
  DhcpServerNode server(lab);
  RelayNode relay(lab, {});  // no "ip helper-address" on the voice VLAN interface
  PhoneNode phone(lab, lab.add_phone("phone1", phone_mac));
  server.start();
  phone.start();
  lab.sim().run_for(600s);

  CHECK_FALSE(phone.client.lease());
  CHECK(phone.client.state() == dhcp::ClientState::selecting);
  CHECK(phone.host.interface_address(0) == std::nullopt);
  CHECK(server.server.counters().received == 0);
  const auto times = phone.discover_times();
  CHECK(relay.relay.counters().dropped_no_helper == times.size());
  CHECK(phone.client.counters().give_ups >= 2);
  // RFC 2131 §4.1 backoff, 4 s doubling to 64 s with ±1 s, and after the sixth DISCOVER a new
  // cycle (keep_trying) 64 s later: 4, 8, 16, 32, 64, 64, 4, 8, ...
  REQUIRE(times.size() >= 12);
  const std::int64_t pattern_s[] = {4, 8, 16, 32, 64, 64};
  for (std::size_t i = 1; i < times.size(); ++i) {
    const auto gap = times[i] - times[i - 1];
    const auto expected = std::chrono::seconds(pattern_s[(i - 1) % 6]);
    INFO("gap " << i << ": " << gap.count() << " ns");
    CHECK(gap >= expected - 1s);
    CHECK(gap <= expected + 1s);
  }

  const auto& capture = lab.capture();
  require_clean_capture(capture);
  const auto rows = dhcp_rows(capture, "phone1", {"dhcp.option.dhcp"});
  CHECK(rows.size() == times.size());
  for (const auto& row : rows) CHECK(row.at(0) == "1");
  CHECK(dhcp_rows(capture, "dhcp1", {"dhcp.option.dhcp"}).empty());
}
