// Host stack: interfaces, ARP, IPv4 and UDP through a SwitchFabric.

#include <catch2/catch.hpp>

#include "host_test_util.hpp"

using namespace voicelab;
using namespace voicelab::netsim;
using namespace voicelab::netsim::test;

namespace {

struct Inbox {
  struct Item {
    UdpReceiveInfo info;
    std::string payload;
    Time at;
  };
  std::vector<Item> items;
  UdpReceiveHandler handler(Simulation& sim) {
    return [this, &sim](const UdpReceiveInfo& info, wire::Bytes payload) {
      items.push_back({info, string_of(payload), sim.now()});
    };
  }
};

}  // namespace

TEST_CASE("UDP both ways and broadcasts through the switch", "[host][udp]") {
  SwitchedLab lab(1);
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"));
  Host& b = lab.add_host("b", prefix("10.0.0.2/24"));
  Host& c = lab.add_host("c", std::nullopt);  // unconfigured: a DHCP client

  Inbox at_a, at_b, at_c, at_a67;
  auto sa = a.udp_bind(0, at_a.handler(lab.sim));
  auto sb = b.udp_bind(5000, at_b.handler(lab.sim));
  auto sc = c.udp_bind(68, at_c.handler(lab.sim));
  auto sa67 = a.udp_bind(67, at_a67.handler(lab.sim));
  REQUIRE(sa.ok());
  REQUIRE(sb.ok());
  REQUIRE(sc.ok());
  REQUIRE(sa67.ok());
  const std::uint16_t a_port = sa->local().port;
  CHECK(a_port >= 49152);

  CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 5000}, bytes_of("hello")));
  lab.sim.run_for(100ms);
  REQUIRE(at_b.items.size() == 1);
  CHECK(at_b.items[0].payload == "hello");
  CHECK(at_b.items[0].info.source == SocketAddress{ip("10.0.0.1"), a_port});
  CHECK(at_b.items[0].info.destination == ip("10.0.0.2"));
  CHECK(at_b.items[0].info.destination_port == 5000);
  CHECK(at_b.items[0].info.interface_id == 0);

  // The reply goes back to the source, without a new ARP exchange (b learned a from its request).
  const auto b_arp_before = b.counters().arp_requests_out;
  CHECK_FALSE(sb->send_to(at_b.items[0].info.source, bytes_of("world")));
  lab.sim.run_for(100ms);
  REQUIRE(at_a.items.size() == 1);
  CHECK(at_a.items[0].payload == "world");
  CHECK(at_a.items[0].info.source == SocketAddress{ip("10.0.0.2"), 5000});
  CHECK(b.counters().arp_requests_out == b_arp_before);

  // a broadcasts to 255.255.255.255:68 (as a DHCP server answers): the unconfigured c gets it.
  CHECK_FALSE(
      sa67->send_to({wire::Ipv4Address::broadcast(), 68}, bytes_of("offer"), {.interface_id = 0}));
  // c, with no address, broadcasts from 0.0.0.0:68 to 67 (a DISCOVER); one interface: implicit.
  CHECK_FALSE(sc->send_to({wire::Ipv4Address::broadcast(), 67}, bytes_of("discover")));
  lab.sim.run_for(100ms);
  REQUIRE(at_c.items.size() == 1);
  CHECK(at_c.items[0].payload == "offer");
  CHECK(at_c.items[0].info.source == SocketAddress{ip("10.0.0.1"), 67});
  CHECK(at_c.items[0].info.destination == wire::Ipv4Address::broadcast());
  REQUIRE(at_a67.items.size() == 1);
  CHECK(at_a67.items[0].payload == "discover");
  CHECK(at_a67.items[0].info.source == SocketAddress{wire::Ipv4Address::any(), 68});
  // b has nothing on 67/68: counted as port unreachable, not delivered.
  CHECK(b.counters().drop_udp_no_port == 2);
  CHECK(at_b.items.size() == 1);

  // A directed broadcast (10.0.0.255) reaches every configured host without ARP.
  Inbox at_b2;
  auto sb2 = b.udp_bind(7000, at_b2.handler(lab.sim));
  REQUIRE(sb2.ok());
  const auto arp_before = a.counters().arp_requests_out;
  CHECK_FALSE(sa->send_to({ip("10.0.0.255"), 7000}, bytes_of("all")));
  lab.sim.run_for(100ms);
  REQUIRE(at_b2.items.size() == 1);
  CHECK(at_b2.items[0].info.destination == ip("10.0.0.255"));
  CHECK(a.counters().arp_requests_out == arp_before);
}

TEST_CASE("UDP send errors and port binding", "[host][udp]") {
  SwitchedLab lab(2);
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"));
  a.add_port(mac(0x02000000aa01ULL));
  a.add_interface(1, std::nullopt, prefix("10.0.1.1/24"));
  auto s = a.udp_bind(5060, {});
  REQUIRE(s.ok());
  CHECK(a.udp_bind(5060, {}).error() == std::errc::address_in_use);
  CHECK(a.udp_bind(5060, {}, ip("10.0.0.1")).error() == std::errc::address_in_use);
  // Off-subnet without gateway: no route. Broadcast with two interfaces: say which.
  CHECK(s->send_to({ip("192.168.1.1"), 1}, bytes_of("x")) == std::errc::network_unreachable);
  CHECK(s->send_to({wire::Ipv4Address::broadcast(), 1}, bytes_of("x")) ==
        std::errc::network_unreachable);
  CHECK(s->send_to({ip("10.0.0.2"), 1}, bytes_of("x"), {.interface_id = 7}) ==
        std::errc::invalid_argument);
  std::vector<std::uint8_t> big(1473);
  CHECK(s->send_to({ip("10.0.0.2"), 1}, big) == std::errc::message_size);
  big.resize(1472);
  CHECK_FALSE(s->send_to({ip("10.0.0.2"), 1}, big));
  CHECK(a.counters().drop_no_route == 2);

  // Closing makes every copy of the handle stale, and the port free again.
  UdpSocket copy = *s;
  s->close();
  CHECK_FALSE(copy.valid());
  CHECK(copy.send_to({ip("10.0.0.2"), 1}, bytes_of("x")) == std::errc::bad_file_descriptor);
  CHECK(a.udp_bind(5060, {}).ok());
  CHECK(UdpSocket{}.send_to({ip("10.0.0.2"), 1}, {}) == std::errc::bad_file_descriptor);
}

TEST_CASE("ARP resolves across the switch with one request and one reply", "[host][arp]") {
  SwitchedLab lab(3);
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"));
  Host& b = lab.add_host("b", prefix("10.0.0.2/24"));
  Recorder rec_a(lab.sim, a);
  Inbox at_b;
  auto sb = b.udp_bind(9, at_b.handler(lab.sim));
  REQUIRE(sb.ok());
  auto sa = a.udp_bind(0, {});
  CHECK_FALSE(a.arp_lookup(0, ip("10.0.0.2")));
  // Three datagrams before the address is known: all wait for the one ARP exchange.
  for (int i = 0; i < 3; ++i) CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 9}, bytes_of("p")));
  lab.sim.run_for(1s);
  CHECK(at_b.items.size() == 3);
  CHECK(a.arp_lookup(0, ip("10.0.0.2")) == b.mac(0));
  CHECK(b.arp_lookup(0, ip("10.0.0.1")) == a.mac(0));  // learned from the request for itself
  auto requests = rec_a.select([](const Seen& f) {
    auto x = f.arp();
    return x && x->operation == wire::arp_op::request;
  });
  auto replies = rec_a.select([](const Seen& f) {
    auto x = f.arp();
    return x && x->operation == wire::arp_op::reply;
  });
  REQUIRE(requests.size() == 1);
  REQUIRE(replies.size() == 1);
  CHECK(requests[0]->tx);
  CHECK_FALSE(replies[0]->tx);
  CHECK(requests[0]->eth()->header.dst.is_broadcast());
  CHECK(replies[0]->arp()->sender_mac == b.mac(0));
  CHECK(replies[0]->eth()->header.dst == a.mac(0));  // the reply is unicast
  CHECK(a.counters().arp_requests_out == 1);
  CHECK(b.counters().arp_replies_out == 1);
  CHECK(b.counters().arp_requests_out == 0);
}

TEST_CASE("ARP queue is bounded and unresolved neighbours fail after three requests",
          "[host][arp]") {
  SwitchedLab lab(4);
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"));
  Host& b = lab.add_host("b", prefix("10.0.0.2/24"));
  Recorder rec_a(lab.sim, a);
  Inbox at_b;
  auto sb = b.udp_bind(9, at_b.handler(lab.sim));
  REQUIRE(sb.ok());
  auto sa = a.udp_bind(0, {});

  SECTION("five queued: the two oldest are pushed out") {
    for (int i = 0; i < 5; ++i) {
      CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 9}, bytes_of(std::to_string(i))));
    }
    lab.sim.run_for(1s);
    REQUIRE(at_b.items.size() == 3);
    CHECK(at_b.items[0].payload == "2");
    CHECK(at_b.items[2].payload == "4");
    CHECK(a.counters().drop_arp_queue_full == 2);
  }
  SECTION("nobody answers: requests at 0, 1, 2 s, the packet dropped at 3 s") {
    const Time t0 = lab.sim.now();
    CHECK_FALSE(sa->send_to({ip("10.0.0.99"), 9}, bytes_of("lost")));
    lab.sim.run_for(10s);
    auto requests = rec_a.select([](const Seen& f) { return f.tx && f.arp(); });
    REQUIRE(requests.size() == 3);
    CHECK(requests[0]->at == t0);
    CHECK(requests[1]->at == t0 + 1s);
    CHECK(requests[2]->at == t0 + 2s);
    CHECK(a.counters().drop_arp_failed == 1);
    CHECK(a.arp_cache_size() == 0);
  }
}

TEST_CASE("ARP entries are re-confirmed by a unicast probe after the cache timeout",
          "[host][arp]") {
  SwitchedLab lab(5);
  HostConfig config;
  config.arp.cache_timeout = 5s;
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"), config);
  Host& b = lab.add_host("b", prefix("10.0.0.2/24"));
  Recorder rec_a(lab.sim, a);
  Inbox at_b;
  auto sb = b.udp_bind(9, at_b.handler(lab.sim));
  REQUIRE(sb.ok());
  auto sa = a.udp_bind(0, {});
  CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 9}, bytes_of("1")));
  lab.sim.run_for(6s);
  rec_a.frames.clear();
  // Stale: the datagram goes out at once to the known MAC, with a unicast probe first.
  CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 9}, bytes_of("2")));
  lab.sim.run_for(1s);
  CHECK(at_b.items.size() == 2);
  auto probes = rec_a.select([](const Seen& f) { return f.tx && f.arp(); });
  REQUIRE(probes.size() == 1);
  CHECK(probes[0]->eth()->header.dst == b.mac(0));
  CHECK(a.arp_lookup(0, ip("10.0.0.2")) == b.mac(0));
}

TEST_CASE("Interfaces move to the voice VLAN and get an address at run time", "[host][vlan]") {
  SwitchedLab lab(6);
  lab.sw.configure(0, SwitchPortConfig::access(10, 100));  // the phone's port
  lab.sw.configure(1, SwitchPortConfig::access(10));       // data VLAN host
  lab.sw.configure(2, SwitchPortConfig::access(100));      // voice VLAN host (a CUCM)
  Host& phone = lab.add_host("phone", std::nullopt);
  Host& pc = lab.add_host("data", prefix("10.0.10.2/24"));
  Host& cucm = lab.add_host("cucm", prefix("10.0.100.2/24"));
  Recorder rec(lab.sim, phone);
  Inbox at_pc, at_cucm;
  auto spc = pc.udp_bind(9, at_pc.handler(lab.sim));
  REQUIRE(spc.ok());
  auto scucm = cucm.udp_bind(5060, at_cucm.handler(lab.sim));
  auto sp = phone.udp_bind(5060, {});
  scucm->set_dscp(0);
  sp->set_dscp(wire::dscp::cs3);

  // Untagged: in VLAN 10.
  phone.set_interface_address(0, prefix("10.0.10.9/24"));
  CHECK_FALSE(sp->send_to({ip("10.0.10.2"), 9}, bytes_of("data vlan")));
  lab.sim.run_for(100ms);
  CHECK(at_pc.items.size() == 1);

  // CDP said voice VLAN 100, DHCP gave 10.0.100.9: now tagged, CoS 5.
  phone.set_interface_vlan(0, wire::VlanTag{100, 5});
  phone.set_interface_address(0, prefix("10.0.100.9/24"));
  rec.frames.clear();
  CHECK_FALSE(sp->send_to({ip("10.0.100.2"), 5060}, bytes_of("REGISTER")));
  lab.sim.run_for(100ms);
  REQUIRE(at_cucm.items.size() == 1);
  CHECK(at_cucm.items[0].info.source == SocketAddress{ip("10.0.100.9"), 5060});
  auto sent = rec.select([](const Seen& f) { return f.tx && f.udp(); });
  REQUIRE(sent.size() == 1);
  auto eth = sent[0]->eth();
  REQUIRE(eth->header.vlan);
  CHECK(eth->header.vlan->vid == 100);
  CHECK(eth->header.vlan->priority == 5);
  CHECK(sent[0]->ipv4()->header.dscp == wire::dscp::cs3);
  // Tagged ARP too.
  auto arp = rec.select([](const Seen& f) { return f.tx && f.arp(); });
  REQUIRE_FALSE(arp.empty());
  CHECK(arp[0]->eth()->header.vlan->vid == 100);
  // The data VLAN is no longer reachable from the phone's only interface.
  CHECK(sp->send_to({ip("10.0.10.2"), 9}, bytes_of("x")) == std::errc::network_unreachable);
}

TEST_CASE("An unconfigured interface takes unicast to its MAC (DHCP offer without ARP)",
          "[host][udp]") {
  SwitchedLab lab(7);
  Host& server = lab.add_host("dhcp", prefix("10.0.0.1/24"));
  Host& client = lab.add_host("client", std::nullopt);
  Inbox at_client;
  auto sc = client.udp_bind(68, at_client.handler(lab.sim));
  REQUIRE(sc.ok());
  auto ss = server.udp_bind(67, {});
  CHECK_FALSE(ss->send_to({ip("10.0.0.50"), 68}, bytes_of("offer"),
                          {.interface_id = 0, .next_hop_mac = client.mac(0)}));
  lab.sim.run_for(100ms);
  REQUIRE(at_client.items.size() == 1);
  CHECK(at_client.items[0].info.destination == ip("10.0.0.50"));
  CHECK(server.counters().arp_requests_out == 0);
}

TEST_CASE("A powered-off host receives and sends nothing, power on is a fresh boot",
          "[host][power]") {
  SwitchedLab lab(8);
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"));
  Host& b = lab.add_host("b", prefix("10.0.0.2/24"));
  Inbox at_b;
  auto sb = b.udp_bind(9, at_b.handler(lab.sim));
  auto sa = a.udp_bind(0, {});
  CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 9}, bytes_of("1")));
  lab.sim.run_for(100ms);
  REQUIRE(at_b.items.size() == 1);
  CHECK(b.arp_cache_size() == 1);

  b.set_up(false);
  CHECK_FALSE(sb->valid());  // sockets vanish
  CHECK(b.udp_bind(9, {}).error() == std::errc::network_down);
  const auto b_out = b.counters().frames_out;
  CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 9}, bytes_of("2")));
  lab.sim.run_for(100ms);
  CHECK(b.counters().drop_down == 1);
  CHECK(b.counters().frames_out == b_out);
  CHECK(at_b.items.size() == 1);

  b.set_up(true);
  CHECK(b.arp_cache_size() == 0);
  Inbox again;
  auto sb2 = b.udp_bind(9, again.handler(lab.sim));
  REQUIRE(sb2.ok());
  CHECK_FALSE(sa->send_to({ip("10.0.0.2"), 9}, bytes_of("3")));
  lab.sim.run_for(100ms);
  REQUIRE(again.items.size() == 1);
  CHECK(again.items[0].payload == "3");
}

TEST_CASE("UDP ping-pong reaches a steady state without growing the frame pool",
          "[host][udp][perf]") {
  SwitchedLab lab(9);
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"));
  Host& b = lab.add_host("b", prefix("10.0.0.2/24"));
  int pongs = 0;
  UdpSocket sb;
  auto rb = b.udp_bind(7, [&sb](const UdpReceiveInfo& info, wire::Bytes payload) {
    (void)sb.send_to(info.source, payload);  // echo from inside the handler
  });
  sb = *rb;
  UdpSocket sa;
  auto ra = a.udp_bind(0, [&](const UdpReceiveInfo&, wire::Bytes payload) {
    ++pongs;
    if (pongs < 2000) (void)sa.send_to({ip("10.0.0.2"), 7}, payload);
  });
  sa = *ra;
  const auto payload = pattern(160);
  (void)sa.send_to({ip("10.0.0.2"), 7}, payload);
  lab.sim.run_for(1s);
  REQUIRE(pongs > 100);
  const auto capacity = lab.sim.frames().capacity();
  lab.sim.run();
  CHECK(pongs == 2000);
  CHECK(lab.sim.frames().capacity() == capacity);
  CHECK(lab.sim.frames().in_use() == 0);
}
