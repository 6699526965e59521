// The phone's DHCP client engine driven directly with server messages and explicit time.

#include "voicelab/dhcp/client.hpp"

#include <catch2/catch.hpp>

#include "dhcp_test_util.hpp"

using namespace voicelab;
using namespace voicelab::dhcp;
using namespace std::chrono_literals;

namespace {

const wire::Ipv4Address server{10, 1, 100, 1};
const wire::Ipv4Address offered{10, 1, 100, 10};

ClientConfig config() {
  ClientConfig c;
  c.mac = test::reference_mac;
  c.interface = 3;
  return c;
}

struct Rig {
  explicit Rig(ClientConfig c = config()) : random(11), client(std::move(c), random) {}

  std::vector<OutgoingDatagram> sent() {
    std::vector<OutgoingDatagram> out;
    while (auto d = client.poll_transmit()) out.push_back(std::move(*d));
    return out;
  }
  std::vector<ClientEvent> drain() {
    std::vector<ClientEvent> out;
    while (auto e = client.poll_event()) out.push_back(std::move(*e));
    return out;
  }
  void receive(Time now, const Message& m) {
    const auto bytes = *encode_message(m);
    client.handle_datagram(
        now,
        Datagram{{server, server_port}, {wire::Ipv4Address::broadcast(), client_port}, 3, bytes});
  }
  Message reply(MessageType type, std::uint32_t lease_seconds = 3600) const {
    Message m;
    m.op = BootOp::reply;
    m.set_client_mac(test::reference_mac);
    m.xid = client.xid();
    m.yiaddr = type == MessageType::nak ? wire::Ipv4Address{} : offered;
    m.options.set_message_type(type);
    m.options.set_server_id(server);
    if (type != MessageType::nak) {
      m.options.set_lease_time(lease_seconds);
      m.options.set_subnet_mask(wire::Ipv4Address{255, 255, 255, 0});
    }
    return m;
  }
  // start -> DISCOVER -> OFFER -> REQUEST -> ACK at the given times.
  void bind(Time start, std::uint32_t lease_seconds = 3600) {
    client.start(start);
    sent();
    receive(start + 1s, reply(MessageType::offer));
    sent();
    receive(start + 2s, reply(MessageType::ack, lease_seconds));
    REQUIRE(client.state() == ClientState::bound);
  }

  Random random;
  Client client;
};

Message decoded(const OutgoingDatagram& d) {
  auto m = decode_message(d.payload);
  REQUIRE(m.ok());
  return *m;
}

}  // namespace

TEST_CASE("the phone's DISCOVER is the reference one, broadcast on its interface",
          "[dhcp][client]") {
  Rig rig;
  rig.client.start(0s);
  auto out = rig.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].broadcast);
  CHECK(out[0].interface == 3);
  CHECK(out[0].destination == dhcp::Endpoint{wire::Ipv4Address::broadcast(), server_port});
  CHECK(out[0].source_port == client_port);
  auto m = decoded(out[0]);
  CHECK(m.xid == rig.client.xid());
  m.xid = test::reference_xid;
  CHECK(*encode_message(m) == test::reference_discover());
  CHECK(rig.client.vendor_class() == "Cisco Systems, Inc. IP Phone CP-8861");
  CHECK(rig.client.host_name() == "SEP001B54AABBCC");
  CHECK(rig.client.next_timeout() >= Time{3s});
  CHECK(rig.client.next_timeout() <= Time{5s});
}

TEST_CASE("vendor class, host name, request list and broadcast flag are configurable",
          "[dhcp][client]") {
  auto c = config();
  c.model = "7841";
  c.host_name = "lobby-phone";
  c.parameter_request_list = {1, 3, 150};
  c.broadcast_flag = false;
  Rig rig(c);
  rig.client.start(0s);
  const auto m = decoded(rig.sent().at(0));
  CHECK(m.options.vendor_class() == "Cisco Systems, Inc. IP Phone CP-7841");
  CHECK(m.options.host_name() == "lobby-phone");
  CHECK(m.options.parameter_request_list() == std::vector<std::uint8_t>{1, 3, 150});
  CHECK_FALSE(m.broadcast());
  CHECK(default_parameter_request_list() == std::vector<std::uint8_t>{1, 66, 6, 3, 15, 150, 35});
}

TEST_CASE("replies for other phones or other exchanges are skipped silently", "[dhcp][client]") {
  Rig rig;
  rig.client.start(0s);
  rig.sent();
  rig.drain();
  auto other_xid = rig.reply(MessageType::offer);
  other_xid.xid ^= 1;
  rig.receive(1s, other_xid);
  auto other_mac = rig.reply(MessageType::offer);
  other_mac.set_client_mac(wire::MacAddress::from_u64(0x001b54000001ULL));
  rig.receive(1s, other_mac);
  CHECK(rig.client.state() == ClientState::selecting);
  CHECK(rig.drain().empty());
  CHECK(rig.client.counters().ignored == 2);
  // Garbage is reported.
  const std::vector<std::uint8_t> junk{2, 1, 6};
  rig.client.handle_datagram(1s,
                             Datagram{{server, 67}, {wire::Ipv4Address::broadcast(), 68}, 3, junk});
  const auto events = rig.drain();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == ClientEventKind::malformed);
}

TEST_CASE("REQUESTING: retransmitted, then back to INIT", "[dhcp][client]") {
  Rig rig;
  rig.client.start(0s);
  rig.sent();
  rig.receive(1s, rig.reply(MessageType::offer));
  auto out = rig.sent();
  REQUIRE(out.size() == 1);
  const auto request = decoded(out[0]);
  CHECK(request.options.requested_address() == offered);
  CHECK(request.options.server_id() == server);
  CHECK(request.secs == 1);
  CHECK(rig.client.state() == ClientState::requesting);
  // An offer now is too late.
  rig.receive(1500ms, rig.reply(MessageType::offer));
  Time now = 1s;
  int requests = 1;
  while (rig.client.state() == ClientState::requesting) {
    now = *rig.client.next_timeout();
    rig.client.handle_timeout(now);
    for (const auto& d : rig.sent()) {
      if (decoded(d).type() == MessageType::request) ++requests;
    }
  }
  CHECK(requests == 4);
  CHECK(rig.client.state() == ClientState::selecting);  // a new DISCOVER went out
  const auto events = rig.drain();
  CHECK(std::count_if(events.begin(), events.end(), [](const ClientEvent& e) {
          return e.kind == ClientEventKind::offer_ignored;
        }) == 1);
  CHECK(std::any_of(events.begin(), events.end(), [](const ClientEvent& e) {
    return e.kind == ClientEventKind::gave_up && e.message_type == MessageType::request &&
           e.attempt == 4;
  }));
}

TEST_CASE("without keep_trying the phone stops after max_discover_attempts", "[dhcp][client]") {
  auto c = config();
  c.max_discover_attempts = 2;
  c.keep_trying = false;
  Rig rig(c);
  rig.client.start(0s);
  while (auto t = rig.client.next_timeout()) rig.client.handle_timeout(*t);
  CHECK(rig.sent().size() == 2);
  CHECK(rig.client.state() == ClientState::stopped);
  CHECK(rig.client.counters().give_ups == 1);
}

TEST_CASE("the startup delay is drawn in [0, startup_delay_max]", "[dhcp][client]") {
  auto c = config();
  c.startup_delay_max = 10s;
  Rig rig(c);
  rig.client.start(100s);
  CHECK(rig.sent().empty());
  CHECK(rig.client.state() == ClientState::init);
  const auto t = rig.client.next_timeout();
  REQUIRE(t);
  CHECK(*t >= Time{100s});
  CHECK(*t <= Time{110s});
  rig.client.handle_timeout(*t);
  CHECK(rig.sent().size() == 1);
}

TEST_CASE("T1 and T2 from the server when sensible, else 1/2 and 7/8", "[dhcp][client]") {
  SECTION("given") {
    Rig rig;
    rig.client.start(0s);
    rig.sent();
    rig.receive(1s, rig.reply(MessageType::offer));
    rig.sent();
    auto ack = rig.reply(MessageType::ack, 1000);
    ack.options.set_renewal_time(100);
    ack.options.set_rebinding_time(200);
    rig.receive(2s, ack);
    CHECK(rig.client.lease()->renewal_time == Duration{100s});
    CHECK(rig.client.lease()->rebinding_time == Duration{200s});
    CHECK(rig.client.next_timeout() == Time{101s});
  }
  SECTION("nonsense (T2 beyond the lease)") {
    Rig rig;
    rig.client.start(0s);
    rig.sent();
    rig.receive(1s, rig.reply(MessageType::offer));
    rig.sent();
    auto ack = rig.reply(MessageType::ack, 1000);
    ack.options.set_renewal_time(100);
    ack.options.set_rebinding_time(5000);
    rig.receive(2s, ack);
    CHECK(rig.client.lease()->renewal_time == Duration{500s});
    CHECK(rig.client.lease()->rebinding_time == Duration{875s});
  }
  SECTION("an infinite lease has no timers") {
    Rig rig;
    rig.bind(0s, infinite_lease);
    CHECK_FALSE(rig.client.lease()->lease_time);
    CHECK_FALSE(rig.client.next_timeout());
  }
}

TEST_CASE("ACKs that cannot be used are ignored", "[dhcp][client]") {
  Rig rig;
  rig.client.start(0s);
  rig.sent();
  rig.receive(1s, rig.reply(MessageType::offer));
  rig.sent();
  rig.drain();
  auto no_lease = rig.reply(MessageType::ack);
  no_lease.options.erase(option::lease_time);
  rig.receive(2s, no_lease);
  auto other_server = rig.reply(MessageType::ack);
  other_server.options.set_server_id(wire::Ipv4Address{10, 1, 100, 2});
  rig.receive(2s, other_server);
  CHECK(rig.client.state() == ClientState::requesting);
  const auto events = rig.drain();
  REQUIRE(events.size() == 2);
  CHECK(events[0].describe() == "DHCP: ignored ACK: ACK without a lease time");
  CHECK(events[1].describe() == "DHCP: ignored ACK: ACK from 10.1.100.2, not the selected server");
}

TEST_CASE("a NAK while RENEWING drops the address", "[dhcp][client]") {
  Rig rig;
  rig.bind(0s, 100);
  rig.client.handle_timeout(52s);  // T1 = 1 s (REQUEST sent) + 50 s
  CHECK(rig.client.state() == ClientState::renewing);
  const auto renew = rig.sent();
  REQUIRE(renew.size() == 1);
  CHECK(renew[0].destination == dhcp::Endpoint{server, server_port});
  CHECK_FALSE(renew[0].broadcast);
  rig.drain();
  rig.receive(53s, rig.reply(MessageType::nak));
  CHECK_FALSE(rig.client.lease());
  CHECK(rig.client.state() == ClientState::selecting);
  const auto events = rig.drain();
  CHECK(events.at(0).kind == ClientEventKind::nak_received);
}

TEST_CASE("stop is a power cut: nothing more is sent", "[dhcp][client]") {
  Rig rig;
  rig.client.start(0s);
  rig.client.stop(1s);
  CHECK(rig.sent().empty());
  CHECK_FALSE(rig.client.next_timeout());
  rig.receive(2s, rig.reply(MessageType::offer));
  CHECK(rig.client.state() == ClientState::stopped);
}

TEST_CASE("option 66 host names wait for the phone's DNS lookup", "[dhcp][client][tftp]") {
  Rig rig;
  rig.client.start(0s);
  rig.sent();
  rig.receive(1s, rig.reply(MessageType::offer));
  rig.sent();
  auto ack = rig.reply(MessageType::ack);
  ack.options.set_tftp_server_name("cucm1.voice.lab");
  rig.drain();
  rig.receive(2s, ack);
  auto events = rig.drain();
  REQUIRE(events.back().kind == ClientEventKind::tftp_name_pending);
  CHECK(events.back().describe() ==
        "DHCP: TFTP server name cucm1.voice.lab must be looked up in DNS");
  CHECK(rig.client.lease()->tftp.needs_resolution());
  rig.client.resolve_tftp_name(3s, wire::Ipv4Address{10, 0, 0, 20});
  events = rig.drain();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == ClientEventKind::tftp_servers_chosen);
  CHECK(events[0].tftp.servers == std::vector{wire::Ipv4Address{10, 0, 0, 20}});
  rig.client.resolve_tftp_name(4s, std::nullopt);  // nothing pending any more
  CHECK(rig.drain().empty());
}

TEST_CASE("the phone's alternate TFTP server overrides DHCP", "[dhcp][client][tftp]") {
  auto c = config();
  c.alternate_tftp_server = wire::Ipv4Address{192, 168, 0, 5};
  Rig rig(c);
  rig.client.start(0s);
  rig.sent();
  rig.receive(1s, rig.reply(MessageType::offer));
  rig.sent();
  auto ack = rig.reply(MessageType::ack);
  ack.options.set_tftp_server_addresses({wire::Ipv4Address{10, 0, 0, 10}});
  rig.receive(2s, ack);
  CHECK(rig.client.lease()->tftp.source == TftpSource::alternate);
  CHECK(rig.client.lease()->tftp.servers == std::vector{wire::Ipv4Address{192, 168, 0, 5}});
}

TEST_CASE("client configuration errors are found at start-up", "[dhcp][client]") {
  Random random(1);
  CHECK_THROWS_AS(Client(ClientConfig{}, random), std::invalid_argument);
  auto c = config();
  c.retransmit_jitter = 4s;
  CHECK_THROWS_AS(Client(c, random), std::invalid_argument);
  c = config();
  c.max_request_attempts = 0;
  CHECK_THROWS_AS(Client(c, random), std::invalid_argument);
}

TEST_CASE("every client event describes itself", "[dhcp][client]") {
  for (int k = 0; k <= static_cast<int>(ClientEventKind::malformed); ++k) {
    ClientEvent e;
    e.kind = static_cast<ClientEventKind>(k);
    CHECK_FALSE(e.describe().empty());
    CHECK(to_string(e.kind) != "unknown");
  }
  for (int s = 0; s <= static_cast<int>(ClientState::rebinding); ++s) {
    CHECK(to_string(static_cast<ClientState>(s)) != "UNKNOWN");
  }
}
