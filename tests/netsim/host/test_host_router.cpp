// A router host: VLAN subinterfaces on one trunk port, forwarding between them.

#include <catch2/catch.hpp>

#include "host_test_util.hpp"

using namespace voicelab;
using namespace voicelab::netsim;
using namespace voicelab::netsim::test;

namespace {

// Switch: port 0 = host in VLAN 10, port 1 = host in VLAN 20, port 2 = trunk to the router
// ("router on a stick" with subinterfaces .10 and .20).
struct RoutedLab {
  explicit RoutedLab(std::uint64_t seed, HostConfig a_config = {}) : lab(seed) {
    lab.sw.configure(0, SwitchPortConfig::access(10));
    lab.sw.configure(1, SwitchPortConfig::access(20));
    lab.sw.configure(2, SwitchPortConfig::trunk(1, {10, 20}));
    a = &lab.add_host("a", prefix("10.0.10.5/24"), a_config, {.latency = 1ms, .bandwidth_bps = 0},
                      ip("10.0.10.1"));
    b = &lab.add_host("b", prefix("10.0.20.5/24"), {}, {.latency = 1ms, .bandwidth_bps = 0},
                      ip("10.0.20.1"));
    router = std::make_unique<Host>(lab.sim, "router");
    router->add_port(mac(0x0200000000feULL));
    router->add_interface(0, wire::VlanTag{10, 0}, prefix("10.0.10.1/24"));
    router->add_interface(0, wire::VlanTag{20, 0}, prefix("10.0.20.1/24"));
    router->set_forwarding(true);
    lab.sim.connect(router->port(0), lab.sw.port(2), {.latency = 1ms, .bandwidth_bps = 0});
  }
  SwitchedLab lab;
  Host* a = nullptr;
  Host* b = nullptr;
  std::unique_ptr<Host> router;
};

}  // namespace

TEST_CASE("A router host forwards between two VLANs and decrements the TTL", "[host][router]") {
  RoutedLab r(21);
  Recorder rec_b(r.lab.sim, *r.b);
  std::vector<UdpReceiveInfo> got;
  auto sb = r.b->udp_bind(9, [&](const UdpReceiveInfo& info, wire::Bytes) { got.push_back(info); });
  REQUIRE(sb.ok());
  auto sa = r.a->udp_bind(0, {});
  CHECK_FALSE(sa->send_to({ip("10.0.20.5"), 9}, bytes_of("across")));
  r.lab.sim.run_for(1s);
  REQUIRE(got.size() == 1);
  CHECK(got[0].source.ip == ip("10.0.10.5"));
  auto in = rec_b.select([](const Seen& f) { return !f.tx && f.udp(); });
  REQUIRE(in.size() == 1);
  CHECK(in[0]->ipv4()->header.ttl == 63);
  CHECK(in[0]->eth()->header.src == r.router->mac(0));  // rewritten by the router
  CHECK(r.router->counters().ip_forwarded == 1);
  // The router resolved both sides on the right subinterface.
  CHECK(r.router->arp_lookup(1, ip("10.0.20.5")) == r.b->mac(0));
  CHECK(r.a->arp_lookup(0, ip("10.0.10.1")) == r.router->mac(0));

  // TCP across the router too.
  std::string received;
  auto listener = r.b->tcp_listen(80, [&](TcpConnection c) {
    c.set_handlers({.on_data = [&](TcpConnection, wire::Bytes d) { received += string_of(d); }});
  });
  REQUIRE(listener.ok());
  TcpCloseReason reason{};
  auto conn =
      r.a->tcp_connect({ip("10.0.20.5"), 80},
                       {.on_connected =
                            [](TcpConnection c) {
                              (void)c.send(bytes_of("GET / HTTP/1.0\r\n\r\n"));
                              c.close();
                            },
                        .on_closed = [&](TcpConnection, TcpCloseReason why) { reason = why; }});
  REQUIRE(conn.ok());
  r.lab.sim.run_for(1s);
  CHECK(received == "GET / HTTP/1.0\r\n\r\n");
  CHECK(reason == TcpCloseReason::closed);
}

TEST_CASE("A router drops what it cannot forward", "[host][router]") {
  SECTION("TTL 1 expires at the router (no ICMP)") {
    HostConfig config;
    config.ttl = 1;
    RoutedLab r(22, config);
    int got = 0;
    auto sb = r.b->udp_bind(9, [&](const UdpReceiveInfo&, wire::Bytes) { ++got; });
    REQUIRE(sb.ok());
    auto sa = r.a->udp_bind(0, {});
    CHECK_FALSE(sa->send_to({ip("10.0.20.5"), 9}, bytes_of("x")));
    r.lab.sim.run_for(1s);
    CHECK(got == 0);
    CHECK(r.router->counters().drop_ttl_expired == 1);
    CHECK(r.router->counters().ip_forwarded == 0);
  }
  SECTION("forwarding off") {
    RoutedLab r(23);
    r.router->set_forwarding(false);
    auto sa = r.a->udp_bind(0, {});
    CHECK_FALSE(sa->send_to({ip("10.0.20.5"), 9}, bytes_of("x")));
    r.lab.sim.run_for(1s);
    CHECK(r.router->counters().drop_ip_not_for_us == 1);
  }
  SECTION("no route") {
    RoutedLab r(24);
    auto sa = r.a->udp_bind(0, {});
    CHECK_FALSE(sa->send_to({ip("192.0.2.1"), 9}, bytes_of("x")));
    r.lab.sim.run_for(1s);
    CHECK(r.router->counters().drop_no_route == 1);
  }
  SECTION("the router itself answers on both subinterfaces") {
    RoutedLab r(25);
    std::vector<UdpReceiveInfo> got;
    auto s = r.router->udp_bind(
        67, [&](const UdpReceiveInfo& info, wire::Bytes) { got.push_back(info); });
    REQUIRE(s.ok());
    auto sa = r.a->udp_bind(68, {});
    auto sb = r.b->udp_bind(68, {});
    CHECK_FALSE(sa->send_to({wire::Ipv4Address::broadcast(), 67}, bytes_of("from 10")));
    CHECK_FALSE(sb->send_to({ip("10.0.20.1"), 67}, bytes_of("from 20")));
    r.lab.sim.run_for(1s);
    REQUIRE(got.size() == 2);
    CHECK(got[0].interface_id == 0);
    CHECK(got[0].destination == wire::Ipv4Address::broadcast());
    CHECK(got[1].interface_id == 1);
    CHECK(got[1].destination == ip("10.0.20.1"));
  }
}
