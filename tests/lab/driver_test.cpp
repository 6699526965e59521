// The drivers themselves: port binding on demand and idle closing, the engine timer, power
// cycles, connect failures, and the Log.

#include <fstream>
#include <sstream>
#include <type_traits>
#include <variant>

#include <catch2/catch.hpp>

#include "lab_test_util.hpp"
#include "support/tshark.hpp"
#include "voicelab/http/client.hpp"
#include "voicelab/lab/datagram_driver.hpp"
#include "voicelab/lab/log.hpp"
#include "voicelab/lab/stream_driver.hpp"
#include "voicelab/tftp/datagram.hpp"

using namespace voicelab;
using namespace voicelab::lab;
using namespace voicelab::lab::test;
using voicelab::test::require_clean_capture;

namespace {

// A datagram engine written for the test: echoes every datagram from the port it arrived on,
// and at each deadline sends "tick" to a fixed peer from a new port (10000, 10001, ...).
class EchoEngine {
 public:
  struct Event {
    Time time{};
    std::string text;
    [[nodiscard]] std::string describe() const { return text; }
  };

  void handle_datagram(Time now, const tftp::Datagram& in) {
    received.push_back({now, {in.payload.begin(), in.payload.end()}});
    if (!echo) return;
    tftp::OutgoingDatagram out;
    out.destination = in.source;
    out.source_port = in.destination.port;
    out.payload.assign(in.payload.begin(), in.payload.end());
    transmits_.push_back(std::move(out));
    events_.push_back({now, "echo to " + in.source.to_string()});
  }
  void handle_timeout(Time now) {
    if (!deadlines.empty() && deadlines.front() <= now) {
      deadlines.erase(deadlines.begin());
      tftp::OutgoingDatagram out;
      out.destination = peer;
      out.source_port = next_port++;
      out.payload = {'t', 'i', 'c', 'k'};
      transmits_.push_back(std::move(out));
      ++ticks;
    }
  }
  [[nodiscard]] std::optional<Time> next_timeout() const {
    if (deadlines.empty()) return std::nullopt;
    return deadlines.front();
  }
  std::optional<tftp::OutgoingDatagram> poll_transmit() {
    if (transmits_.empty()) return std::nullopt;
    auto out = std::move(transmits_.front());
    transmits_.erase(transmits_.begin());
    return out;
  }
  std::optional<Event> poll_event() {
    if (events_.empty()) return std::nullopt;
    auto e = std::move(events_.front());
    events_.erase(events_.begin());
    return e;
  }

  bool echo = true;
  std::vector<Time> deadlines;
  tftp::Endpoint peer;
  std::uint16_t next_port = 10000;
  int ticks = 0;
  std::vector<std::pair<Time, std::vector<std::uint8_t>>> received;

 private:
  std::vector<tftp::OutgoingDatagram> transmits_;
  std::vector<Event> events_;
};

}  // namespace

TEST_CASE("DatagramDriver: timer at next_timeout, ports bound on first send, idle ports closed",
          "[lab][driver]") {
  TestLab lab(601, "echo");
  netsim::Host& a = lab.add_server("a", 0x020000000001ULL, "10.0.10.1");
  netsim::Host& b = lab.add_server("b", 0x020000000002ULL, "10.0.10.2");
  EchoEngine engine_a;
  engine_a.peer = {ip("10.0.10.2"), 7};
  engine_a.echo = false;
  engine_a.deadlines = {1s, 2s, 100s};
  EchoEngine engine_b;
  DatagramDriverConfig config_a = udp_config("a");
  config_a.idle_port_timeout = 10s;
  DatagramDriver<EchoEngine> driver_a(a, engine_a, config_a, &lab.log());
  DatagramDriver<EchoEngine> driver_b(b, engine_b, udp_config("b", {7}), &lab.log());
  REQUIRE_FALSE(driver_a.open());
  REQUIRE_FALSE(driver_b.open());
  CHECK(driver_a.armed_deadline() == 1s);
  CHECK(driver_b.armed_deadline() == std::nullopt);
  CHECK(driver_b.ports().open_ports() == std::vector<std::uint16_t>{7});
  CHECK(driver_b.ports().is_open(7));
  CHECK_FALSE(driver_b.ports().is_open(8));
  CHECK(driver_a.ports().open_count() == 0);

  lab.sim().run_for(3s);
  // Two ticks from ports 10000 and 10001, echoed back to those ports by b.
  CHECK(engine_a.ticks == 2);
  CHECK(driver_a.armed_deadline() == 100s);
  CHECK(driver_a.ports().open_ports() == std::vector<std::uint16_t>{10000, 10001});
  REQUIRE(engine_b.received.size() == 2);
  REQUIRE(engine_a.received.size() == 2);
  CHECK(engine_a.received[0].first > 1s);
  CHECK(lab.log().lines("b").size() == 2);
  CHECK(lab.log().contains("b", "echo to 10.0.10.1:10000"));

  // Idle for 10 s: closed by the sweep (every 5 s) between 10 and 15 s after the last use.
  lab.sim().run_for(20s);
  CHECK(driver_a.ports().open_count() == 0);
  CHECK(driver_a.ports().counters().idle_closes == 2);
  CHECK(driver_b.ports().open_ports() == std::vector<std::uint16_t>{7});  // listen ports stay

  // Power cycle of b: its listen port is gone until open().
  b.set_up(false);
  b.set_up(true);
  CHECK(driver_b.ports().open_ports().empty());
  CHECK_FALSE(driver_b.ports().is_open(7));
  lab.sim().run_for(100s);  // the tick at 100 s gets no echo
  CHECK(engine_a.ticks == 3);
  CHECK(engine_b.received.size() == 2);
  CHECK(b.counters().drop_udp_no_port == 1);
  REQUIRE_FALSE(driver_b.open());
  CHECK(driver_b.ports().open_ports() == std::vector<std::uint16_t>{7});
  engine_a.deadlines = {lab.sim().now() + 1s};
  driver_a.pump();  // the engine changed behind the driver's back
  lab.sim().run_for(2s);
  CHECK(engine_b.received.size() == 3);

  // A send the host refuses is logged and counted, not thrown.
  a.set_up(false);
  engine_a.deadlines = {lab.sim().now()};
  driver_a.pump();
  lab.sim().run_for(1s);
  CHECK(driver_a.ports().counters().send_errors == 1);
  CHECK(lab.log().contains("a", "cannot send from UDP port"));
}

TEST_CASE("StreamDriver: connect failures reach the engine", "[lab][driver][http]") {
  TestLab lab(602, "stream-fail");
  netsim::Host& server = lab.add_server("server", 0x020000000001ULL, "10.0.10.1");
  netsim::Host& phone = lab.add_server("phone", 0x020000000002ULL, "10.0.10.2");
  http::ClientConfig client_config;
  client_config.timeout = 5s;
  http::Client client(client_config);
  StreamDriver<http::Client> driver(phone, client, tcp_config("phone"), &lab.log());
  REQUIRE_FALSE(driver.open());
  std::vector<http::Response> responses;
  driver.set_event_handler([&](const http::ClientEvent& e) {
    if (e.kind != http::ClientEventKind::request_sent) responses.push_back(*client.take_result());
  });

  SECTION("closed port: RST, connect_failed at once") {
    driver.update([](http::Client& c, Time now) {
      return c.get(now, {ip("10.0.10.1"), 6970}, "SEP001B54AABBCC.cnf.xml");
    });
    lab.sim().run_for(1s);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].outcome == http::ResponseOutcome::connect_failed);
    CHECK(responses[0].finished < 10ms);
    CHECK(driver.transport().counters().connect_failures == 1);
    CHECK(lab.log().contains("phone", "could not connect (connect_refused)"));
  }
  SECTION("server powered off: the engine's timeout, and the connection is dropped") {
    server.set_up(false);
    driver.update([](http::Client& c, Time now) {
      return c.get(now, {ip("10.0.10.1"), 6970}, "SEP001B54AABBCC.cnf.xml");
    });
    lab.sim().run_for(30s);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].outcome == http::ResponseOutcome::timed_out);
    CHECK(responses[0].finished == 5s);
    CHECK(driver.transport().connection_count() == 0);
  }
  SECTION("no route: refused by the host inside connect()") {
    phone.set_default_gateway(std::nullopt);
    driver.update([](http::Client& c, Time now) {
      return c.get(now, {ip("192.0.2.1"), 6970}, "SEP001B54AABBCC.cnf.xml");
    });
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].outcome == http::ResponseOutcome::connect_failed);
    CHECK(lab.log().contains("phone", "cannot connect #1"));
  }
}

TEST_CASE("Log: components, time format, files", "[lab][log]") {
  Log log;
  const auto phone = log.component("phone1");
  CHECK(log.component("phone1") == phone);
  log.write(4s + 123456789ns, phone, "DHCP DISCOVER");
  log.write(5s, "access1:Gi1/0/1", "CDP sent");
  log.write(1234s, phone, "Registered");
  CHECK(log.component_count() == 2);
  CHECK(log.lines("phone1") == std::vector<std::string_view>{"DHCP DISCOVER", "Registered"});
  CHECK(log.lines("nobody").empty());
  CHECK(Log::format_time(4s + 123456789ns) == "    4.123456");
  CHECK(Log::format_time(Time{0}) == "    0.000000");
  CHECK(Log::format_time(123456s) == "123456.000000");
  CHECK(Log::file_name("access1:Gi1/0/1") == "access1_Gi1_0_1.log");
  CHECK(Log::file_name("..") == "_...log");
  CHECK(log.render(phone) == "    4.123456 DHCP DISCOVER\n 1234.000000 Registered\n");

  log.write(6s, "access1/Gi1:0/1", "collides with the sanitized name above");
  voicelab::test::TempDir dir("lab-log");
  const auto files = log.write_files(dir / "logs");
  REQUIRE(files.size() == 3);
  CHECK(files[0].filename() == "phone1.log");
  CHECK(files[1].filename() == "access1_Gi1_0_1.log");
  CHECK(files[2].filename() == "access1_Gi1_0_1-2.log");
  std::ifstream in(files[0]);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == log.render(phone));
}

namespace {

// An engine with the SIP client's shape: one command queue mixing TCP and UDP (like
// sip::RegistrationClient::poll_command()), and handle_connected with the local port.
class MixedEngine {
 public:
  struct Connect {
    lab::ConnectionId id = 0;
    netsim::SocketAddress to;
  };
  struct SendBytes {
    lab::ConnectionId id = 0;
    std::vector<std::uint8_t> bytes;
  };
  struct SendDatagram {
    netsim::SocketAddress to;
    std::uint16_t source_port = 0;
    std::vector<std::uint8_t> payload;
  };
  using Command = std::variant<Connect, SendBytes, SendDatagram>;
  struct Event {
    std::string text;
    [[nodiscard]] std::string describe() const { return text; }
  };

  void start(netsim::SocketAddress peer) {
    commands_.push_back(Connect{1, peer});
    commands_.push_back(SendDatagram{{peer.ip, 5060}, 5060, bytes_of("OPTIONS over UDP")});
  }
  void handle_connected(Time, lab::ConnectionId id, std::uint16_t local_port) {
    connected_port = local_port;
    commands_.push_back(SendBytes{id, bytes_of("REGISTER over TCP")});
    events_.push_back({"connected from port " + std::to_string(local_port)});
  }
  void handle_connect_failed(Time, lab::ConnectionId, std::string reason) {
    events_.push_back({"connect failed: " + reason});
  }
  void handle_bytes(Time, lab::ConnectionId, wire::Bytes bytes) {
    tcp_in.append(bytes.begin(), bytes.end());
  }
  void handle_closed(Time, lab::ConnectionId) { events_.push_back({"closed"}); }
  void handle_datagram(Time, netsim::SocketAddress from, wire::Bytes payload) {
    udp_in.emplace_back(from, std::string(payload.begin(), payload.end()));
  }
  void handle_timeout(Time) {}
  [[nodiscard]] std::optional<Time> next_timeout() const { return std::nullopt; }
  std::optional<Command> poll_command() {
    if (commands_.empty()) return std::nullopt;
    Command c = std::move(commands_.front());
    commands_.erase(commands_.begin());
    return c;
  }
  std::optional<Event> poll_event() {
    if (events_.empty()) return std::nullopt;
    Event e = std::move(events_.front());
    events_.erase(events_.begin());
    return e;
  }

  std::uint16_t connected_port = 0;
  std::string tcp_in;
  std::vector<std::pair<netsim::SocketAddress, std::string>> udp_in;

 private:
  std::vector<Command> commands_;
  std::vector<Event> events_;
};

// The driver docs/lab.md describes for such engines: EngineDriver with its own drain(), over
// UdpPorts and StreamTransport.
class MixedDriver final : public EngineDriver<MixedEngine, MixedDriver>,
                          private UdpReceiver,
                          private StreamReceiver {
  using Base = EngineDriver<MixedEngine, MixedDriver>;
  friend Base;

 public:
  MixedDriver(netsim::Host& host, MixedEngine& engine, Log* log)
      : Base(host, engine, "mixed", log), udp_(host, *this), tcp_(host, *this) {}
  std::error_code open() {
    auto ec = udp_.bind(5060);
    pump();
    return ec;
  }

 private:
  bool drain() {
    bool any = false;
    while (auto command = engine().poll_command()) {
      count_transmit();
      std::visit(
          [this](auto& c) {
            using C = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<C, MixedEngine::Connect>) {
              (void)tcp_.connect(c.id, c.to);
            } else if constexpr (std::is_same_v<C, MixedEngine::SendBytes>) {
              (void)tcp_.send(c.id, c.bytes);
            } else {
              (void)udp_.send(c.source_port, c.to, c.payload);
            }
          },
          *command);
      any = true;
    }
    return drain_events() || any;
  }
  void on_datagram(const netsim::UdpReceiveInfo& info, wire::Bytes payload) override {
    engine().handle_datagram(now(), info.source, payload);
    pump();
  }
  void on_stream_opened(lab::ConnectionId, netsim::SocketAddress) override {}
  void on_stream_connected(lab::ConnectionId id, netsim::SocketAddress local) override {
    engine().handle_connected(now(), id, local.port);
    pump();
  }
  void on_stream_data(lab::ConnectionId id, wire::Bytes bytes) override {
    engine().handle_bytes(now(), id, bytes);
    pump();
  }
  void on_stream_closed(lab::ConnectionId id, netsim::TcpCloseReason reason,
                        bool established) override {
    if (established) {
      engine().handle_closed(now(), id);
    } else {
      engine().handle_connect_failed(now(), id, std::string(netsim::to_string(reason)));
    }
    pump();
  }

  UdpPorts udp_;
  StreamTransport tcp_;
};

}  // namespace

TEST_CASE("A driver with its own drain(): one engine on UDP and TCP at once", "[lab][driver]") {
  TestLab lab(603, "mixed");
  netsim::Host& registrar = lab.add_server("registrar", 0x020000000001ULL, "10.0.10.1");
  netsim::Host& phone = lab.add_server("phone", 0x020000000002ULL, "10.0.10.2");
  // The registrar side: a raw UDP socket and TCP listener echoing what they get.
  std::string tcp_seen;
  auto udp = registrar.udp_bind(5060, {});
  REQUIRE(udp.ok());
  netsim::UdpSocket udp_socket = *udp;
  udp_socket.set_handler([&](const netsim::UdpReceiveInfo& info, wire::Bytes payload) {
    (void)udp_socket.send_to(info.source, payload);
  });
  auto listener = registrar.tcp_listen(5060, [&](netsim::TcpConnection c) {
    c.set_handlers({.on_data = [&](netsim::TcpConnection conn, wire::Bytes bytes) {
      tcp_seen.append(bytes.begin(), bytes.end());
      (void)conn.send(bytes_of("200 OK"));
    }});
  });
  REQUIRE(listener.ok());

  MixedEngine engine;
  MixedDriver driver(phone, engine, &lab.log());
  REQUIRE_FALSE(driver.open());
  driver.update([](MixedEngine& e, Time) { e.start({ip("10.0.10.1"), 5060}); });
  lab.sim().run_for(1s);

  CHECK(tcp_seen == "REGISTER over TCP");
  CHECK(engine.tcp_in == "200 OK");
  CHECK(engine.connected_port >= 49152);
  REQUIRE(engine.udp_in.size() == 1);
  CHECK(engine.udp_in[0].second == "OPTIONS over UDP");
  CHECK(engine.udp_in[0].first == netsim::SocketAddress{ip("10.0.10.1"), 5060});
  CHECK(driver.driver_counters().transmits == 3);
  CHECK(lab.log().contains("mixed", "connected from port"));
  require_clean_capture(lab.capture());
}
