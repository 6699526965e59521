// Host stack: TCP through a SwitchFabric, and against a hand-driven raw peer.

#include <catch2/catch.hpp>

#include "host_test_util.hpp"

using namespace voicelab;
using namespace voicelab::netsim;
using namespace voicelab::netsim::test;

namespace {

constexpr std::uint8_t SYN = wire::tcp_flag::syn;
constexpr std::uint8_t ACK = wire::tcp_flag::ack;
constexpr std::uint8_t FIN = wire::tcp_flag::fin;
constexpr std::uint8_t RST = wire::tcp_flag::rst;
constexpr std::uint8_t CTL = SYN | ACK | FIN | RST;

struct Outcome {
  std::optional<TcpCloseReason> reason;
  Time closed_at{0};
  std::vector<std::uint8_t> data;
  bool connected = false;
};

// Client (switch port 0) and server (switch port 1); `client_link` is the phone-side link.
struct Pair {
  explicit Pair(std::uint64_t seed, HostConfig config = {},
                LinkParams client_link = {.latency = 1ms, .bandwidth_bps = 0})
      : lab(seed),
        client(lab.add_host("client", prefix("10.0.0.1/24"), config, client_link)),
        server(lab.add_host("server", prefix("10.0.0.2/24"), config)) {}
  SwitchedLab lab;
  Host& client;
  Host& server;
  Simulation& sim() { return lab.sim; }
};

// Server: accepts on `port`, collects data, records the close. Client: sends `data` and closes.
struct Transfer {
  Outcome client, server;
  TcpConnection client_conn, server_conn;

  void start(Pair& p, const std::vector<std::uint8_t>& data, std::uint16_t port = 5060) {
    auto listener = p.server.tcp_listen(port, [this, &p](TcpConnection c) {
      server_conn = c;
      server.connected = true;
      c.set_handlers({.on_data =
                          [this](TcpConnection, wire::Bytes d) {
                            server.data.insert(server.data.end(), d.begin(), d.end());
                          },
                      .on_closed =
                          [this, &p](TcpConnection, TcpCloseReason why) {
                            server.reason = why;
                            server.closed_at = p.sim().now();
                          }});
    });
    REQUIRE(listener.ok());
    auto conn = p.client.tcp_connect(
        {ip("10.0.0.2"), port}, {.on_connected =
                                     [this, &data](TcpConnection c) {
                                       client.connected = true;
                                       CHECK_FALSE(c.send(data));
                                       c.close();
                                     },
                                 .on_data =
                                     [this](TcpConnection, wire::Bytes d) {
                                       client.data.insert(client.data.end(), d.begin(), d.end());
                                     },
                                 .on_closed =
                                     [this, &p](TcpConnection, TcpCloseReason why) {
                                       client.reason = why;
                                       client.closed_at = p.sim().now();
                                     }});
    REQUIRE(conn.ok());
    client_conn = *conn;
  }
};

}  // namespace

TEST_CASE("TCP: 1 MB without loss, exact segment counts, graceful close", "[host][tcp]") {
  Pair p(41);
  Recorder rec_client(p.sim(), p.client);
  const auto data = pattern(1 << 20);
  Transfer t;
  t.start(p, data);
  p.sim().run_for(10s);
  REQUIRE(t.server.data.size() == data.size());
  CHECK((t.server.data == data));
  CHECK(t.client.reason == TcpCloseReason::closed);       // we closed first
  CHECK(t.server.reason == TcpCloseReason::peer_closed);  // it saw our FIN first
  CHECK_FALSE(t.client_conn.valid());                     // stale once on_closed returned
  CHECK(t.client_conn.send(bytes_of("x")) == std::errc::bad_file_descriptor);

  const std::size_t segments = (data.size() + 1459) / 1460;  // 719 full-MSS segments
  auto data_segments = rec_client.select([](const Seen& f) {
    auto s = f.tcp();
    return f.tx && s && !s->payload.empty();
  });
  CHECK(data_segments.size() == segments);
  for (const Seen* f : data_segments) CHECK(f->tcp()->payload.size() <= 1460);
  // SYN, 719 data segments (the first acknowledges the SYN-ACK, the last carries the FIN), ACK
  // of the peer's FIN.
  CHECK(p.client.counters().tcp_out == 1 + segments + 1);
  // SYN-ACK, one ACK per data segment except the last, which is answered by FIN|ACK.
  CHECK(p.server.counters().tcp_out == 1 + (segments - 1) + 1);
  CHECK(p.client.counters().tcp_retransmits == 0);
  CHECK(p.server.counters().tcp_retransmits == 0);
  auto syn = rec_client.tcp_tx(SYN, CTL);
  REQUIRE(syn.size() == 1);
  CHECK(syn[0]->tcp()->header.mss == 1460);
  CHECK(syn[0]->ipv4()->header.dont_fragment);
  auto fins = rec_client.tcp_tx(FIN | ACK, CTL);
  REQUIRE(fins.size() == 1);
  CHECK(fins[0]->tcp()->payload.size() == data.size() - (segments - 1) * 1460);

  // The client lingers in TIME-WAIT for 2 MSL (60 s), the server is gone.
  CHECK(p.client.tcp_connection_count() == 1);
  CHECK(p.server.tcp_connection_count() == 0);
  const Time closed = t.client.closed_at;
  p.sim().run_for(closed + 60s - p.sim().now() - 1ms);
  CHECK(p.client.tcp_connection_count() == 1);
  p.sim().run_for(2ms);
  CHECK(p.client.tcp_connection_count() == 0);
}

namespace {

struct LossyRun {
  std::vector<std::uint8_t> pcap;
  Transfer transfer;
  std::uint64_t retransmits = 0;
  Time end{0};
};

void lossy_transfer(std::uint64_t seed, LossyRun& out, std::size_t size = 1 << 20) {
  HostConfig config;
  // 30% loss each way makes nine lost copies of one segment in a row likely enough over a
  // thousand segments that the default limit (8) could end the test; Linux allows 15.
  config.tcp.max_retransmissions = 15;
  // Likewise six lost SYN exchanges (each needs ARP too) are not rare enough at 30% each way.
  config.tcp.max_syn_retransmissions = 8;
  Pair p(seed, config, {.latency = 1ms, .bandwidth_bps = 100'000'000, .loss = 0.3});
  wire::PcapngWriter writer;
  p.lab.links[0]->tap(0, writer, "client");
  p.lab.links[0]->tap(1, writer, "sw1:Gi1/0/1");
  const auto data = pattern(size, static_cast<std::uint32_t>(seed));
  out.transfer.start(p, data);
  p.sim().run();
  out.end = p.sim().now();
  out.retransmits = p.client.counters().tcp_retransmits;
  const auto reason = [](const std::optional<TcpCloseReason>& r) {
    return r ? std::string(to_string(*r)) : std::string("-");
  };
  INFO("seed " << seed << ": client " << reason(out.transfer.client.reason) << ", server "
               << reason(out.transfer.server.reason) << ", received "
               << out.transfer.server.data.size() << ", virtual ms " << out.end.count() / 1000000
               << ", timeouts " << p.client.counters().tcp_timeouts);
  CHECK((out.transfer.server.data == data));
  out.pcap = writer.data();
}

}  // namespace

TEST_CASE("TCP: 1 MB over a link with 30% loss both ways arrives complete and in order",
          "[host][tcp][loss]") {
  LossyRun run;
  lossy_transfer(42, run);
  CHECK(run.transfer.server.data.size() == (1U << 20));
  CHECK(run.transfer.client.reason == TcpCloseReason::closed);
  CHECK(run.transfer.server.reason == TcpCloseReason::peer_closed);
  CHECK(run.retransmits > 100);
  INFO("virtual time " << std::chrono::duration_cast<std::chrono::milliseconds>(run.end).count()
                       << " ms, retransmits " << run.retransmits);
  // Without SACK or timestamps, 51% of exchanges failing means long exponential backoffs (up to
  // max_rto): this takes the better part of an hour of virtual time (0.1 s of real time).
  CHECK(run.end < 3h);
}

TEST_CASE("TCP: a lossy transfer is deterministic per seed (pcapng byte for byte)",
          "[host][tcp][determinism]") {
  LossyRun a, b, c;
  lossy_transfer(7, a, 200'000);
  lossy_transfer(7, b, 200'000);
  lossy_transfer(8, c, 200'000);
  REQUIRE(a.pcap.size() > 100'000);
  CHECK((a.pcap == b.pcap));
  CHECK((a.pcap != c.pcap));
}

TEST_CASE("TCP: connecting to a host that is down times out after the SYN retransmissions",
          "[host][tcp]") {
  HostConfig config;
  config.arp.cache_timeout = 600s;  // keep the server's MAC so every SYN reaches the wire
  Pair p(43, config);
  // Learn the server's MAC, then cut its power.
  auto s = p.client.udp_bind(0, {});
  CHECK_FALSE(s->send_to({ip("10.0.0.2"), 9}, bytes_of("ping")));
  p.sim().run_for(1s);
  REQUIRE(p.client.arp_lookup(0, ip("10.0.0.2")));
  p.server.set_up(false);

  Recorder rec(p.sim(), p.client);
  const Time t0 = p.sim().now();
  Outcome out;
  auto conn = p.client.tcp_connect({ip("10.0.0.2"), 5060},
                                   {.on_closed = [&](TcpConnection c, TcpCloseReason why) {
                                     CHECK(c.valid());  // valid during on_closed
                                     CHECK(c.state() == TcpState::closed);
                                     out.reason = why;
                                     out.closed_at = p.sim().now();
                                   }});
  REQUIRE(conn.ok());
  CHECK(conn->state() == TcpState::syn_sent);
  p.sim().run_for(100s);
  CHECK(out.reason == TcpCloseReason::connect_timeout);
  CHECK(out.closed_at == t0 + 63s);  // 1 + 2 + 4 + 8 + 16 + 32
  auto syns = rec.tcp_tx(SYN, CTL);
  REQUIRE(syns.size() == 6);
  const Duration expected[] = {0s, 1s, 3s, 7s, 15s, 31s};
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(syns[i]->at - t0 == expected[i]);
    CHECK(syns[i]->tcp()->header.seq == syns[0]->tcp()->header.seq);  // same ISN each time
  }
  CHECK(p.client.tcp_connection_count() == 0);
}

TEST_CASE("TCP: connecting to an unknown host also ends with connect_timeout at 63 s",
          "[host][tcp]") {
  Pair p(44);
  p.server.set_up(false);  // never seen: ARP fails, no SYN ever reaches the wire
  const Time t0 = p.sim().now();
  Outcome out;
  auto conn = p.client.tcp_connect({ip("10.0.0.2"), 5060},
                                   {.on_closed = [&](TcpConnection, TcpCloseReason why) {
                                     out.reason = why;
                                     out.closed_at = p.sim().now();
                                   }});
  REQUIRE(conn.ok());
  p.sim().run_for(100s);
  CHECK(out.reason == TcpCloseReason::connect_timeout);
  CHECK(out.closed_at == t0 + 63s);
  CHECK(p.client.counters().drop_arp_failed > 0);
}

TEST_CASE("TCP: a closed port answers the SYN with RST|ACK: connect_refused within RTTs",
          "[host][tcp]") {
  Pair p(45);
  Recorder rec_server(p.sim(), p.server);
  const Time t0 = p.sim().now();
  Outcome out;
  auto conn = p.client.tcp_connect({ip("10.0.0.2"), 5061},
                                   {.on_closed =
                                        [&](TcpConnection, TcpCloseReason why) {
                                          out.reason = why;
                                          out.closed_at = p.sim().now();
                                        }},
                                   {.dscp = wire::dscp::cs3});
  REQUIRE(conn.ok());
  p.sim().run_for(1s);
  CHECK(out.reason == TcpCloseReason::connect_refused);
  // ARP exchange (4 ms) + SYN and RST (4 ms) over two 1 ms links each way.
  CHECK(out.closed_at - t0 == 8ms);
  auto rst = rec_server.tcp_tx(RST | ACK, CTL);
  REQUIRE(rst.size() == 1);
  auto syn = rec_server.select([](const Seen& f) { return !f.tx && f.tcp(); });
  REQUIRE(syn.size() == 1);
  CHECK(syn[0]->ipv4()->header.dscp == wire::dscp::cs3);  // SIP signalling marks CS3
  CHECK(rst[0]->tcp()->header.seq == 0);
  CHECK(rst[0]->tcp()->header.ack == syn[0]->tcp()->header.seq + 1);
}

TEST_CASE("TCP: the server loses power, the client times out or is reset after the reboot",
          "[host][tcp][power]") {
  Pair p(46);
  Recorder rec_server(p.sim(), p.server);
  Transfer t;
  // An echo-less server that keeps the connection open; the client sends 10 kB then waits.
  auto listener = p.server.tcp_listen(5060, [&](TcpConnection c) {
    t.server_conn = c;
    c.set_handlers(
        {.on_data =
             [&](TcpConnection, wire::Bytes d) {
               t.server.data.insert(t.server.data.end(), d.begin(), d.end());
             },
         .on_closed = [&](TcpConnection, TcpCloseReason why) { t.server.reason = why; }});
  });
  REQUIRE(listener.ok());
  auto conn = p.client.tcp_connect(
      {ip("10.0.0.2"), 5060},
      {.on_connected = [](TcpConnection c) { CHECK_FALSE(c.send(pattern(10000))); },
       .on_closed =
           [&](TcpConnection, TcpCloseReason why) {
             t.client.reason = why;
             t.client.closed_at = p.sim().now();
           }});
  REQUIRE(conn.ok());
  p.sim().run_for(1s);
  REQUIRE(t.server.data.size() == 10000);
  REQUIRE(conn->state() == TcpState::established);
  CHECK(conn->stats().rto == 200ms);  // RTT 4 ms: clamped to the minimum

  p.server.set_up(false);
  const auto server_tx = rec_server.select([](const Seen& f) { return f.tx; }).size();
  p.sim().run_for(1ms);
  CHECK(t.server.reason == TcpCloseReason::host_down);  // told locally, nothing on the wire
  const Time t1 = p.sim().now();
  CHECK_FALSE(conn->send(bytes_of("are you there?")));

  SECTION("it stays off: timed_out after 9 expirations (200 ms doubling), no RST") {
    p.sim().run_for(200s);
    CHECK(t.client.reason == TcpCloseReason::timed_out);
    // 0.2 + 0.4 + ... + 51.2 s
    CHECK(t.client.closed_at - t1 == 102200ms);
    CHECK(p.client.counters().tcp_rst_out == 0);
    CHECK(p.client.counters().tcp_timeouts == 9);
    CHECK(rec_server.select([](const Seen& f) { return f.tx; }).size() == server_tx);
  }
  SECTION("it comes back: the next retransmission meets no connection and gets a RST") {
    p.sim().run_for(5s);
    p.server.set_up(true);
    p.sim().run_for(10s);
    CHECK(t.client.reason == TcpCloseReason::reset_by_peer);
    // Retransmissions at +0.2, 0.6, 1.4, 3.0, 6.2 s; the rebooted server ARPs (4 ms) then RSTs.
    CHECK(t.client.closed_at - t1 == 6200ms + 2ms + 4ms + 2ms);
    CHECK(p.server.counters().tcp_rst_out == 1);
    auto rst = rec_server.tcp_tx(RST, CTL);
    REQUIRE(rst.size() == 1);
  }
}

TEST_CASE("TCP: simultaneous close goes through CLOSING to TIME-WAIT on both sides",
          "[host][tcp]") {
  Pair p(47);
  TcpConnection server_conn;
  Outcome client_out, server_out;
  auto listener = p.server.tcp_listen(80, [&](TcpConnection c) {
    server_conn = c;
    c.set_handlers(
        {.on_closed = [&](TcpConnection, TcpCloseReason why) { server_out.reason = why; }});
  });
  REQUIRE(listener.ok());
  auto conn = p.client.tcp_connect(
      {ip("10.0.0.2"), 80},
      {.on_closed = [&](TcpConnection, TcpCloseReason why) { client_out.reason = why; }});
  p.sim().run_for(1s);
  REQUIRE(server_conn.state() == TcpState::established);
  TcpConnection client_conn = *conn;
  p.sim().scheduler().after(0ns, [&client_conn, &server_conn] {
    client_conn.close();
    server_conn.close();
  });
  p.sim().run_for(1ms);
  CHECK(client_conn.state() == TcpState::fin_wait_1);
  CHECK(server_conn.state() == TcpState::fin_wait_1);
  p.sim().run_for(2ms);  // both FINs arrived, the ACKs are on their way
  CHECK(client_conn.state() == TcpState::closing);
  CHECK(server_conn.state() == TcpState::closing);
  p.sim().run_for(2ms);
  CHECK(client_out.reason == TcpCloseReason::closed);
  CHECK(server_out.reason == TcpCloseReason::closed);
  CHECK(p.client.tcp_connection_count() == 1);  // TIME-WAIT
  CHECK(p.server.tcp_connection_count() == 1);
  p.sim().run_for(61s);
  CHECK(p.client.tcp_connection_count() == 0);
  CHECK(p.server.tcp_connection_count() == 0);
}

TEST_CASE("TCP: half-close, the server answers after the client's FIN", "[host][tcp]") {
  Pair p(48);
  const auto request = pattern(1000, 1);
  const auto response = pattern(50'000, 2);
  std::vector<std::uint8_t> got_request;
  Outcome client_out, server_out;
  auto listener = p.server.tcp_listen(80, [&](TcpConnection c) {
    c.set_handlers(
        {.on_data =
             [&](TcpConnection, wire::Bytes d) {
               got_request.insert(got_request.end(), d.begin(), d.end());
             },
         .on_peer_fin =
             [&](TcpConnection c2) {
               CHECK(c2.state() == TcpState::close_wait);
               CHECK((got_request == request));
               CHECK_FALSE(c2.send(response));  // still allowed in CLOSE-WAIT
               c2.close();
             },
         .on_closed = [&](TcpConnection, TcpCloseReason why) { server_out.reason = why; }});
  });
  REQUIRE(listener.ok());
  auto conn = p.client.tcp_connect(
      {ip("10.0.0.2"), 80},
      {.on_connected =
           [&](TcpConnection c) {
             CHECK_FALSE(c.send(request));
             c.close();
             CHECK(c.send(bytes_of("late")) == std::errc::not_connected);
           },
       .on_data =
           [&](TcpConnection c, wire::Bytes d) {
             CHECK(c.state() == TcpState::fin_wait_2);  // our FIN is acked, theirs not yet here
             client_out.data.insert(client_out.data.end(), d.begin(), d.end());
           },
       .on_closed = [&](TcpConnection, TcpCloseReason why) { client_out.reason = why; }});
  REQUIRE(conn.ok());
  p.sim().run_for(5s);
  CHECK((client_out.data == response));
  CHECK(client_out.reason == TcpCloseReason::closed);
  CHECK(server_out.reason == TcpCloseReason::peer_closed);
}

TEST_CASE("TCP: close and abort from inside handlers", "[host][tcp][reentrancy]") {
  Pair p(49);
  Outcome client_out, server_out;
  std::size_t server_data_calls = 0;

  SECTION("server aborts inside on_data: the client is reset") {
    auto listener = p.server.tcp_listen(80, [&](TcpConnection c) {
      c.set_handlers({.on_data =
                          [&](TcpConnection c2, wire::Bytes) {
                            ++server_data_calls;
                            c2.abort();
                            c2.abort();  // twice: harmless
                            CHECK(c2.send(bytes_of("x")) == std::errc::not_connected);
                            c2.close();
                          },
                      .on_closed =
                          [&](TcpConnection c2, TcpCloseReason why) {
                            server_out.reason = why;
                            c2.abort();  // nothing left to do
                          }});
    });
    REQUIRE(listener.ok());
    auto conn = p.client.tcp_connect(
        {ip("10.0.0.2"), 80},
        {.on_connected = [](TcpConnection c) { CHECK_FALSE(c.send(pattern(20000))); },
         .on_closed = [&](TcpConnection, TcpCloseReason why) { client_out.reason = why; }});
    REQUIRE(conn.ok());
    p.sim().run_for(2s);
    CHECK(server_data_calls == 1);
    CHECK(server_out.reason == TcpCloseReason::aborted);
    CHECK(client_out.reason == TcpCloseReason::reset_by_peer);
    CHECK(p.server.counters().tcp_rst_out >= 1);
  }
  SECTION("client aborts inside on_connected: the half-open server side goes silently") {
    int accepted = 0;
    auto listener = p.server.tcp_listen(80, [&](TcpConnection) { ++accepted; });
    REQUIRE(listener.ok());
    auto conn = p.client.tcp_connect(
        {ip("10.0.0.2"), 80},
        {.on_connected = [](TcpConnection c) { c.abort(); },
         .on_closed = [&](TcpConnection, TcpCloseReason why) { client_out.reason = why; }});
    REQUIRE(conn.ok());
    p.sim().run_for(2s);
    CHECK(client_out.reason == TcpCloseReason::aborted);
    CHECK(accepted == 0);
    CHECK(p.server.tcp_connection_count() == 0);
  }
  SECTION("server closes inside the accept handler: the client sees a graceful close") {
    auto listener = p.server.tcp_listen(80, [&](TcpConnection c) {
      c.set_handlers(
          {.on_closed = [&](TcpConnection, TcpCloseReason why) { server_out.reason = why; }});
      c.close();
    });
    REQUIRE(listener.ok());
    auto conn = p.client.tcp_connect(
        {ip("10.0.0.2"), 80},
        {.on_closed = [&](TcpConnection, TcpCloseReason why) { client_out.reason = why; }});
    REQUIRE(conn.ok());
    p.sim().run_for(2s);
    CHECK(server_out.reason == TcpCloseReason::closed);
    CHECK(client_out.reason == TcpCloseReason::peer_closed);
  }
  SECTION("on_closed reconnects (failover) and replaces handlers from inside on_data") {
    int accepted = 0;
    std::string log;
    auto listener = p.server.tcp_listen(80, [&](TcpConnection c) {
      ++accepted;
      c.set_handlers({.on_data = [&](TcpConnection c2, wire::Bytes) {
        log += "first;";
        // Replace the running handler; the old one must stay alive until it returns.
        c2.set_handlers({.on_data = [&](TcpConnection, wire::Bytes) { log += "second;"; }});
        log += "still here;";
        c2.abort();
      }});
    });
    REQUIRE(listener.ok());
    int closes = 0;
    std::function<void()> dial;
    dial = [&] {
      auto conn = p.client.tcp_connect(
          {ip("10.0.0.2"), 80},
          {.on_connected = [](TcpConnection c) { CHECK_FALSE(c.send(bytes_of("hi"))); },
           .on_closed =
               [&](TcpConnection, TcpCloseReason why) {
                 CHECK(why == TcpCloseReason::reset_by_peer);
                 if (++closes < 3) dial();
               }});
      REQUIRE(conn.ok());
    };
    dial();
    p.sim().run_for(5s);
    CHECK(accepted == 3);
    CHECK(closes == 3);
    CHECK(log == "first;still here;first;still here;first;still here;");
  }
  SECTION("the server powers off from inside on_data") {
    auto listener = p.server.tcp_listen(80, [&](TcpConnection c) {
      c.set_handlers(
          {.on_data = [&](TcpConnection, wire::Bytes) { p.server.set_up(false); },
           .on_closed = [&](TcpConnection, TcpCloseReason why) { server_out.reason = why; }});
    });
    auto conn = p.client.tcp_connect({ip("10.0.0.2"), 80}, {.on_connected = [](TcpConnection c) {
                                       CHECK_FALSE(c.send(pattern(5000)));
                                     }});
    REQUIRE(conn.ok());
    p.sim().run_for(2s);
    CHECK(server_out.reason == TcpCloseReason::host_down);
    CHECK(p.server.tcp_connection_count() == 0);
    CHECK_FALSE(listener->valid());
  }
}

// --- sequence-level tests against a raw peer -------------------------------------------------

namespace {

struct RawLab {
  explicit RawLab(std::uint64_t seed, HostConfig config = {}) : lab(seed) {
    host = &lab.add_host("host", prefix("10.0.0.1/24"), config);
    raw = std::make_unique<RawPeer>(lab.sim, mac(0x02000000bb01ULL), ip("10.0.0.9"));
    lab.sim.connect(*raw, lab.sw.port(1), {.latency = 1ms, .bandwidth_bps = 0});
  }
  SwitchedLab lab;
  Host* host = nullptr;
  std::unique_ptr<RawPeer> raw;

  void send(std::uint16_t src_port, std::uint16_t dst_port, std::uint32_t seq, std::uint32_t ack,
            std::uint8_t flags, std::string_view payload = {},
            std::optional<std::uint16_t> mss = {}, std::uint16_t window = 65535) {
    wire::TcpHeader h;
    h.src_port = src_port;
    h.dst_port = dst_port;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = window;
    h.mss = mss;
    const auto bytes = bytes_of(payload);
    raw->send_tcp(ip("10.0.0.1"), h, bytes);
    lab.sim.run_for(10ms);
  }
  [[nodiscard]] wire::TcpHeader last() const {
    auto segs = raw->tcp();
    REQUIRE_FALSE(segs.empty());
    return segs.back().header;
  }
};

}  // namespace

TEST_CASE("TCP: out-of-order, duplicate and overlapping segments are delivered once, in order",
          "[host][tcp][reassembly]") {
  RawLab r(51);
  std::string got;
  std::optional<TcpCloseReason> reason;
  auto listener = r.host->tcp_listen(80, [&](TcpConnection c) {
    c.set_handlers({.on_data = [&](TcpConnection, wire::Bytes d) { got += string_of(d); },
                    .on_closed = [&](TcpConnection, TcpCloseReason why) { reason = why; }});
  });
  REQUIRE(listener.ok());
  // The host has not seen the raw peer yet; let it learn its MAC from an ARP exchange first.
  r.raw->peer_mac = r.host->mac(0);
  r.send(4000, 80, 1000, 0, SYN, {}, 1460);
  auto synack = r.last();
  CHECK(synack.flags == (SYN | ACK));
  CHECK(synack.ack == 1001);
  CHECK(synack.mss == 1460);
  CHECK(synack.window == 65535);
  const std::uint32_t iss = synack.seq;
  // Our SYN-ACK "got lost": the peer sends its SYN again and gets the same SYN-ACK.
  r.send(4000, 80, 1000, 0, SYN, {}, 1460);
  CHECK(r.last().flags == (SYN | ACK));
  CHECK(r.last().seq == iss);

  r.send(4000, 80, 1001, iss + 1, ACK);           // handshake done
  r.send(4000, 80, 1007, iss + 1, ACK, "world");  // hole at 1001..1006
  CHECK(got.empty());
  CHECK(r.last().ack == 1001);  // duplicate ACK reports the hole
  r.send(4000, 80, 1001, iss + 1, ACK, "hello ");
  CHECK(got == "hello world");
  CHECK(r.last().ack == 1012);
  r.send(4000, 80, 1001, iss + 1, ACK, "hello ");  // duplicate
  CHECK(got == "hello world");
  CHECK(r.last().ack == 1012);
  CHECK(r.host->counters().tcp_duplicate == 1);
  r.send(4000, 80, 1004, iss + 1, ACK, "lo world!");  // overlaps: only "!" is new
  CHECK(got == "hello world!");
  CHECK(r.last().ack == 1013);
  // Data and FIN out of order: "456"+FIN first, then "123".
  r.send(4000, 80, 1016, iss + 1, ACK | FIN, "456");
  CHECK(got == "hello world!");
  CHECK(r.last().ack == 1013);
  r.send(4000, 80, 1013, iss + 1, ACK, "123");
  CHECK(got == "hello world!123456");
  // FIN consumed: the host closes its side in the same breath (no on_peer_fin handler).
  auto fin = r.last();
  CHECK(fin.flags == (FIN | ACK));
  CHECK(fin.ack == 1020);
  CHECK(fin.seq == iss + 1);
  CHECK_FALSE(reason);
  r.send(4000, 80, 1020, iss + 2, ACK);
  CHECK(reason == TcpCloseReason::peer_closed);
  CHECK(r.host->tcp_connection_count() == 0);
}

TEST_CASE("TCP: RST fields for closed ports and unknown connections", "[host][tcp][rst]") {
  RawLab r(52);
  auto listener = r.host->tcp_listen(80, [](TcpConnection) {});
  REQUIRE(listener.ok());
  r.raw->peer_mac = r.host->mac(0);
  // SYN to a closed port: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>.
  r.send(4000, 81, 5000, 0, SYN, {}, 1460);
  auto rst = r.last();
  CHECK(rst.flags == (RST | ACK));
  CHECK(rst.seq == 0);
  CHECK(rst.ack == 5001);
  // An ACK for a connection that does not exist (even on a listening port): <SEQ=SEG.ACK><RST>.
  r.send(4001, 80, 7000, 123456, ACK, "stale");
  rst = r.last();
  CHECK(rst.flags == RST);
  CHECK(rst.seq == 123456);
  // A RST is never answered.
  const auto before = r.raw->tcp().size();
  r.send(4002, 81, 1, 0, RST);
  CHECK(r.raw->tcp().size() == before);
  CHECK(r.host->counters().tcp_rst_out == 2);
}

TEST_CASE("TCP: segmentation follows the peer's MSS and window, fast retransmit on 3 dupacks",
          "[host][tcp]") {
  RawLab r(53);
  r.raw->peer_mac = r.host->mac(0);
  auto conn = r.host->tcp_connect({ip("10.0.0.9"), 80}, {});
  REQUIRE(conn.ok());
  r.lab.sim.run_for(10ms);
  auto syn = r.last();
  REQUIRE(syn.flags == SYN);
  const std::uint16_t port = syn.src_port;
  const std::uint32_t iss = syn.seq;
  // SYN-ACK with MSS 500 and a 1000-byte window.
  r.send(80, port, 9000, iss + 1, SYN | ACK, {}, 500, 1000);
  REQUIRE(conn->state() == TcpState::established);
  CHECK(conn->stats().mss == 500);
  const auto count = r.raw->tcp().size();
  CHECK_FALSE(conn->send(pattern(3000)));
  r.lab.sim.run_for(10ms);
  auto segs = r.raw->tcp();
  REQUIRE(segs.size() == count + 2);  // the window allows two 500-byte segments
  CHECK(segs[count].payload.size() == 500);
  CHECK(segs[count].header.seq == iss + 1);
  CHECK(segs[count + 1].header.seq == iss + 501);
  // A window update (not a duplicate ACK) lets the other four go; then the first segment "is
  // lost": three duplicate ACKs.
  r.send(80, port, 9001, iss + 1, ACK, {}, {}, 4000);
  segs = r.raw->tcp();
  REQUIRE(segs.size() == count + 6);
  const auto before = r.host->counters().tcp_retransmits;
  r.send(80, port, 9001, iss + 1, ACK, {}, {}, 4000);
  r.send(80, port, 9001, iss + 1, ACK, {}, {}, 4000);
  CHECK(r.host->counters().tcp_retransmits == before);
  r.send(80, port, 9001, iss + 1, ACK, {}, {}, 4000);
  CHECK(r.host->counters().tcp_fast_retransmits == 1);
  CHECK(r.host->counters().tcp_retransmits == before + 1);
  CHECK(r.last().seq == iss + 1);  // resent at once, not after the RTO
  // A partial ACK (NewReno) resends the next hole at once; the full ACK ends recovery.
  r.send(80, port, 9001, iss + 2001, ACK, {}, {}, 65535);
  CHECK(r.host->counters().tcp_retransmits == before + 2);
  CHECK(r.last().seq == iss + 2001);
  r.send(80, port, 9001, iss + 3001, ACK, {}, {}, 65535);
  CHECK(conn->send_queued() == 0);
  CHECK(r.host->counters().tcp_timeouts == 0);
}

TEST_CASE("TCP: simultaneous open (both ends connect to each other at once)", "[host][tcp]") {
  Pair p(54);
  int connected = 0;
  std::string at_client, at_server;
  auto a = p.client.tcp_connect(
      {ip("10.0.0.2"), 6000},
      {.on_connected =
           [&](TcpConnection c) {
             ++connected;
             CHECK_FALSE(c.send(bytes_of("from client")));
           },
       .on_data = [&](TcpConnection, wire::Bytes d) { at_client += string_of(d); }},
      {.local_port = 5000});
  auto b = p.server.tcp_connect(
      {ip("10.0.0.1"), 5000},
      {.on_connected =
           [&](TcpConnection c) {
             ++connected;
             CHECK_FALSE(c.send(bytes_of("from server")));
           },
       .on_data = [&](TcpConnection, wire::Bytes d) { at_server += string_of(d); }},
      {.local_port = 6000});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  p.sim().run_for(100ms);
  CHECK(connected == 2);
  CHECK(a->state() == TcpState::established);
  CHECK(b->state() == TcpState::established);
  CHECK(at_client == "from server");
  CHECK(at_server == "from client");
  CHECK(p.client.counters().tcp_retransmits == 0);
}

TEST_CASE("TCP: FIN-WAIT-2 times out, TIME-WAIT re-acknowledges a retransmitted FIN",
          "[host][tcp]") {
  RawLab r(55);
  r.raw->peer_mac = r.host->mac(0);
  std::optional<TcpCloseReason> reason;
  Time closed_at{0};
  auto conn = r.host->tcp_connect({ip("10.0.0.9"), 80},
                                  {.on_closed = [&](TcpConnection, TcpCloseReason why) {
                                    reason = why;
                                    closed_at = r.lab.sim.now();
                                  }});
  REQUIRE(conn.ok());
  r.lab.sim.run_for(10ms);
  const auto syn = r.last();
  const std::uint16_t port = syn.src_port;
  const std::uint32_t iss = syn.seq;
  r.send(80, port, 9000, iss + 1, SYN | ACK, {}, 1460);
  REQUIRE(conn->state() == TcpState::established);

  SECTION("the peer acknowledges our FIN but never sends its own") {
    conn->close();
    r.lab.sim.run_for(10ms);
    CHECK(r.last().flags == (FIN | ACK));
    r.send(80, port, 9001, iss + 2, ACK);
    CHECK(conn->state() == TcpState::fin_wait_2);
    const Time t = r.lab.sim.now() - 10ms + 2ms;  // when our host received that ACK
    r.lab.sim.run_for(61s);
    CHECK(reason == TcpCloseReason::timed_out);
    CHECK(closed_at - t == 60s);
  }
  SECTION("the peer closes first: CLOSE-WAIT, our FIN at once (no on_peer_fin), LAST-ACK") {
    r.send(80, port, 9001, iss + 1, FIN | ACK);
    CHECK(r.last().flags == (FIN | ACK));
    r.send(80, port, 9002, iss + 2, ACK);
    CHECK(reason == TcpCloseReason::peer_closed);
    CHECK(r.host->tcp_connection_count() == 0);
  }
  SECTION("we close first; in TIME-WAIT a retransmitted FIN gets the ACK again") {
    conn->close();
    r.lab.sim.run_for(10ms);
    r.send(80, port, 9001, iss + 2, FIN | ACK);  // acknowledges our FIN and sends its own
    CHECK(reason == TcpCloseReason::closed);
    CHECK(r.last().flags == ACK);
    CHECK(r.last().ack == 9002);
    const auto before = r.raw->tcp().size();
    r.send(80, port, 9001, iss + 2, FIN | ACK);  // our ACK "was lost"
    REQUIRE(r.raw->tcp().size() == before + 1);
    CHECK(r.last().flags == ACK);
    CHECK(r.last().ack == 9002);
    CHECK(r.host->tcp_connection_count() == 1);
    r.lab.sim.run_for(61s);
    CHECK(r.host->tcp_connection_count() == 0);
  }
}
