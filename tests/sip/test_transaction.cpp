// Non-INVITE transactions (RFC 3261 §17.1.2, §17.2.2) driven with explicit time: no clock, no
// network, every step a line of the transcript.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/transaction.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;
using sip::TransactionState;
using sip::Transport;

sip::Message make_register(Transport transport) {
  sip::cisco::RegisterParams p;
  p.mac = wire::MacAddress::from_u64(0x0041d25a0f3cULL);
  p.phone_ip = wire::Ipv4Address{10, 10, 20, 31};
  p.phone_port = transport == Transport::udp ? 5060 : 51534;
  p.transport = transport;
  p.registrar = "10.10.10.11";
  p.date = "Mon, 24 Nov 2025 06:40:00 GMT";
  Random random{42};
  sip::cisco::make_register_ids(p, random);
  return sip::cisco::build_register(p);
}

sip::Message make_ok(const sip::Message& reg) {
  sip::cisco::CucmReply reply;
  reply.to_tag = "1425238398";
  return sip::cisco::build_register_ok(reg, reply);
}

sip::Message make_trying(const sip::Message& reg) {
  return sip::cisco::build_trying(reg, sip::cisco::CucmReply{});
}

template <class T>
T ok(wire::Result<T> r) {
  INFO("error: " << r.error().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

template <class Transaction>
std::vector<sip::Message> drain(Transaction& t) {
  std::vector<sip::Message> out;
  while (auto m = t.poll_transmit()) out.push_back(std::move(*m));
  return out;
}

// Runs the client's timers until it terminates (or `until`), recording when it retransmitted.
std::vector<Time> run_timers(sip::ClientTransaction& client, Time until) {
  std::vector<Time> sent;
  while (auto deadline = client.next_timeout()) {
    if (*deadline > until) break;
    client.handle_timeout(*deadline);
    for (std::size_t n = drain(client).size(); n > 0; --n) sent.push_back(*deadline);
  }
  return sent;
}

TEST_CASE("UDP REGISTER, 200 OK lost: retransmission absorbed, response resent",
          "[sip][transaction]") {
  const auto reg = make_register(Transport::udp);
  auto client = ok(sip::ClientTransaction::start(0ms, reg, Transport::udp));
  CHECK(client.state() == TransactionState::trying);
  REQUIRE(drain(client).size() == 1);     // t = 0: the REGISTER
  CHECK(client.next_timeout() == 500ms);  // Timer E = T1

  // t = 5 ms: CUCM receives it; its TU answers 200 OK at 10 ms, which the network loses.
  auto server = ok(sip::ServerTransaction::start(5ms, reg, Transport::udp));
  CHECK(server.state() == TransactionState::trying);
  CHECK(server.respond(10ms, make_ok(reg)));
  CHECK(server.state() == TransactionState::completed);
  REQUIRE(drain(server).size() == 1);          // lost
  CHECK(server.next_timeout() == 10ms + 32s);  // Timer J = 64*T1

  // t = 500 ms: Timer E, the client retransmits.
  client.handle_timeout(499ms);  // early: nothing
  CHECK(drain(client).empty());
  client.handle_timeout(500ms);
  const auto retransmitted = drain(client);
  REQUIRE(retransmitted.size() == 1);
  CHECK(retransmitted[0] == reg);
  CHECK(client.transmissions() == 2);
  CHECK(client.next_timeout() == 1500ms);  // min(2*T1, T2) later

  // t = 505 ms: the server absorbs it and sends its 200 OK again.
  CHECK(server.matches(retransmitted[0]));
  CHECK(server.handle_message(505ms, retransmitted[0]));
  CHECK(server.absorbed() == 1);
  const auto resent = drain(server);
  REQUIRE(resent.size() == 1);
  CHECK(resent[0].status_code == 200);

  // t = 510 ms: the client gets it: Completed, the TU gets the 200 once.
  CHECK(client.handle_message(510ms, resent[0]));
  CHECK(client.state() == TransactionState::completed);
  auto event = client.poll_event();
  REQUIRE(event);
  CHECK(event->kind == sip::ClientEvent::Kind::final_response);
  CHECK(event->response.status_code == 200);
  CHECK_FALSE(client.poll_event());
  CHECK(client.next_timeout() == 510ms + 5s);  // Timer K = T4; Timer E stopped

  // A duplicate 200 in Completed is absorbed, not passed up.
  CHECK(client.handle_message(600ms, resent[0]));
  CHECK_FALSE(client.poll_event());
  client.handle_timeout(5510ms);
  CHECK(client.state() == TransactionState::terminated);
  CHECK_FALSE(client.next_timeout());
  CHECK_FALSE(client.matches(resent[0]));

  // The server lingers 32 s, then terminates; a late retransmission then matches nothing.
  server.handle_timeout(32009ms);
  CHECK(server.state() == TransactionState::completed);
  server.handle_timeout(32010ms);
  CHECK(server.state() == TransactionState::terminated);
  CHECK_FALSE(server.handle_message(40s, reg));
}

TEST_CASE("UDP REGISTER unanswered: Timer E doubles to T2, Timer F times out at 32 s",
          "[sip][transaction]") {
  auto client =
      ok(sip::ClientTransaction::start(0ms, make_register(Transport::udp), Transport::udp));
  drain(client);
  const auto sent = run_timers(client, 60s);
  const std::vector<Time> expected{500ms,   1500ms,  3500ms,  7500ms,  11500ms,
                                   15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  CHECK(sent == expected);
  CHECK(client.transmissions() == 11);
  CHECK(client.state() == TransactionState::terminated);
  auto event = client.poll_event();
  REQUIRE(event);
  CHECK(event->kind == sip::ClientEvent::Kind::timeout);
}

TEST_CASE("UDP: a provisional moves to Proceeding, retransmissions every T2",
          "[sip][transaction]") {
  const auto reg = make_register(Transport::udp);
  auto client = ok(sip::ClientTransaction::start(0ms, reg, Transport::udp));
  drain(client);
  CHECK(client.handle_message(100ms, make_trying(reg)));
  CHECK(client.state() == TransactionState::proceeding);
  auto event = client.poll_event();
  REQUIRE(event);
  CHECK(event->kind == sip::ClientEvent::Kind::provisional);
  CHECK(event->response.status_code == 100);
  const auto sent = run_timers(client, 60s);
  const std::vector<Time> expected{500ms,   4500ms,  8500ms,  12500ms,
                                   16500ms, 20500ms, 24500ms, 28500ms};
  CHECK(sent == expected);
  CHECK(client.poll_event()->kind == sip::ClientEvent::Kind::timeout);
}

TEST_CASE("configured timers: T1 = 100 ms, T2 = 1 s, T4 = 2 s", "[sip][transaction]") {
  const sip::TimerConfig timers{100ms, 1s, 2s};
  auto client =
      ok(sip::ClientTransaction::start(0ms, make_register(Transport::udp), Transport::udp, timers));
  drain(client);
  const auto sent = run_timers(client, 60s);
  // 0.1, 0.3, 0.7, 1.5, then every second until Timer F at 6.4 s.
  const std::vector<Time> expected{100ms, 300ms, 700ms, 1500ms, 2500ms, 3500ms, 4500ms, 5500ms};
  CHECK(sent == expected);
  CHECK(client.state() == TransactionState::terminated);
  CHECK_THROWS_AS(sip::ClientTransaction::start(0ms, make_register(Transport::udp), Transport::udp,
                                                sip::TimerConfig{0ms, 4s, 5s}),
                  std::invalid_argument);
}

TEST_CASE("TCP: no retransmission, Timer F still applies, K and J are zero", "[sip][transaction]") {
  const auto reg = make_register(Transport::tcp);
  SECTION("unanswered: one transmission, timeout at 32 s") {
    auto client = ok(sip::ClientTransaction::start(0ms, reg, Transport::tcp));
    CHECK(drain(client).size() == 1);
    CHECK(client.next_timeout() == 32s);
    const auto sent = run_timers(client, 60s);
    CHECK(sent.empty());
    CHECK(client.transmissions() == 1);
    CHECK(client.poll_event()->kind == sip::ClientEvent::Kind::timeout);
  }
  SECTION("100 Trying then 200 OK: terminated at once") {
    auto client = ok(sip::ClientTransaction::start(0ms, reg, Transport::tcp));
    drain(client);
    auto server = ok(sip::ServerTransaction::start(1ms, reg, Transport::tcp));
    CHECK(server.respond(1ms, make_trying(reg)));
    CHECK(server.state() == TransactionState::proceeding);
    CHECK(server.respond(2ms, make_ok(reg)));
    CHECK(server.state() == TransactionState::terminated);  // Timer J = 0
    CHECK_FALSE(server.next_timeout());
    const auto responses = drain(server);
    REQUIRE(responses.size() == 2);
    CHECK(client.handle_message(3ms, responses[0]));
    CHECK(client.state() == TransactionState::proceeding);
    CHECK(client.next_timeout() == 32s);  // no Timer E over TCP
    CHECK(client.handle_message(4ms, responses[1]));
    CHECK(client.state() == TransactionState::terminated);  // Timer K = 0
    CHECK(client.poll_event()->kind == sip::ClientEvent::Kind::provisional);
    CHECK(client.poll_event()->kind == sip::ClientEvent::Kind::final_response);
    CHECK(drain(client).empty());
  }
  SECTION("transport error") {
    auto client = ok(sip::ClientTransaction::start(0ms, reg, Transport::tcp));
    client.handle_transport_error(1ms);
    CHECK(client.state() == TransactionState::terminated);
    CHECK(client.poll_event()->kind == sip::ClientEvent::Kind::transport_error);
  }
}

TEST_CASE("server: retransmissions in Trying are discarded, in Proceeding answered",
          "[sip][transaction]") {
  const auto reg = make_register(Transport::udp);
  auto server = ok(sip::ServerTransaction::start(0ms, reg, Transport::udp));
  CHECK(server.handle_message(1ms, reg));
  CHECK(drain(server).empty());
  CHECK(server.respond(2ms, make_trying(reg)));
  drain(server);
  CHECK(server.handle_message(3ms, reg));
  const auto again = drain(server);
  REQUIRE(again.size() == 1);
  CHECK(again[0].status_code == 100);
  CHECK(server.respond(4ms, make_ok(reg)));
  CHECK_FALSE(server.respond(5ms, make_ok(reg)));  // one final response only
  CHECK(drain(server).size() == 1);
  CHECK(server.absorbed() == 2);
  REQUIRE(server.last_response());
  CHECK(server.last_response()->status_code == 200);
}

TEST_CASE("matching: branch, sent-by and method (§17.2.3); branch and CSeq method (§17.1.3)",
          "[sip][transaction]") {
  const auto reg = make_register(Transport::udp);
  const auto key = ok(sip::server_transaction_key(reg));
  CHECK(key.branch.substr(0, 7) == "z9hG4bK");
  CHECK(key.sent_by == "10.10.20.31:5060");
  CHECK(key.method == "REGISTER");

  auto server = ok(sip::ServerTransaction::start(0ms, reg, Transport::udp));
  auto other_branch = reg;
  other_branch.set("Via", "SIP/2.0/UDP 10.10.20.31:5060;branch=z9hG4bKother");
  CHECK_FALSE(server.matches(other_branch));
  auto other_sent_by = reg;
  other_sent_by.set("Via", "SIP/2.0/UDP 10.10.20.32:5060;branch=" + key.branch);
  CHECK_FALSE(server.matches(other_sent_by));
  auto default_port = reg;  // 5060 written or implied is the same sent-by
  default_port.set("Via", "SIP/2.0/UDP 10.10.20.31;branch=" + key.branch);
  CHECK(server.matches(default_port));
  auto other_method = reg;
  other_method.method = "OPTIONS";
  CHECK_FALSE(server.matches(other_method));

  auto rfc2543 = reg;
  rfc2543.set("Via", "SIP/2.0/UDP 10.10.20.31:5060;branch=1234");
  CHECK(sip::server_transaction_key(rfc2543).error() == sip::errc::no_magic_cookie);
  auto no_via = reg;
  no_via.remove("Via");
  CHECK(sip::server_transaction_key(no_via).error() == sip::errc::missing_header);

  auto client = ok(sip::ClientTransaction::start(0ms, reg, Transport::udp));
  auto ok_response = make_ok(reg);
  CHECK(client.matches(ok_response));
  auto wrong_method = ok_response;
  wrong_method.set("CSeq", "101 OPTIONS");
  CHECK_FALSE(client.matches(wrong_method));
  CHECK_FALSE(client.handle_message(1ms, wrong_method));
  auto wrong_branch = ok_response;
  wrong_branch.set("Via", "SIP/2.0/UDP 10.10.20.31:5060;branch=z9hG4bKother");
  CHECK_FALSE(client.matches(wrong_branch));
  CHECK_FALSE(client.matches(reg));  // a request is not a response
}

TEST_CASE("transaction layer: phone and CUCM over a lossy UDP path", "[sip][transaction]") {
  sip::TransactionLayer phone;
  sip::TransactionLayer cucm;
  constexpr sip::FlowId to_cucm = 1;
  constexpr sip::FlowId to_phone = 7;
  const auto reg = make_register(Transport::udp);

  const auto id = ok(phone.send_request(0ms, to_cucm, Transport::udp, reg));
  CHECK(phone.size() == 1);
  auto out = phone.poll_transmit();
  REQUIRE(out);
  CHECK(out->flow == to_cucm);

  // CUCM: a new request for the TU, answered with a 200 OK that is lost.
  REQUIRE_FALSE(cucm.handle_message(5ms, to_phone, Transport::udp, out->message));
  auto event = cucm.poll_event();
  REQUIRE(event);
  CHECK(event->kind == sip::TransactionEvent::Kind::request);
  const auto server_id = event->id;
  CHECK(cucm.respond(6ms, server_id, make_ok(event->message)));
  auto lost = cucm.poll_transmit();
  REQUIRE(lost);
  CHECK(lost->flow == to_phone);
  CHECK(cucm.next_timeout() == 6ms + 32s);

  // Timer E on the phone: the retransmission reaches CUCM, which answers from its transaction
  // without bothering the TU.
  CHECK(phone.next_timeout() == 500ms);
  phone.handle_timeout(500ms);
  out = phone.poll_transmit();
  REQUIRE(out);
  REQUIRE_FALSE(cucm.handle_message(505ms, to_phone, Transport::udp, out->message));
  CHECK_FALSE(cucm.poll_event());
  auto resent = cucm.poll_transmit();
  REQUIRE(resent);
  CHECK(resent->message.status_code == 200);

  REQUIRE_FALSE(phone.handle_message(510ms, to_cucm, Transport::udp, resent->message));
  event = phone.poll_event();
  REQUIRE(event);
  CHECK(event->kind == sip::TransactionEvent::Kind::final_response);
  CHECK(event->id == id);
  CHECK(phone.next_timeout() == 5510ms);
  phone.handle_timeout(5510ms);
  CHECK(phone.size() == 0);
  CHECK_FALSE(phone.next_timeout());

  // A late duplicate is a stray now.
  REQUIRE_FALSE(phone.handle_message(6s, to_cucm, Transport::udp, resent->message));
  CHECK(phone.poll_event()->kind == sip::TransactionEvent::Kind::stray);

  cucm.handle_timeout(32006ms);
  CHECK(cucm.size() == 0);
  CHECK_FALSE(cucm.respond(33s, server_id, make_ok(reg)));

  // Garbage requests are refused with the key's error, and start nothing.
  auto bad = reg;
  bad.set("Via", "SIP/2.0/UDP 10.10.20.31;branch=old");
  CHECK(cucm.handle_message(40s, to_phone, Transport::udp, bad) == sip::errc::no_magic_cookie);
  CHECK(cucm.size() == 0);
}

TEST_CASE("transaction layer: a closed TCP connection fails its transactions",
          "[sip][transaction]") {
  sip::TransactionLayer phone;
  const auto reg = make_register(Transport::tcp);
  const auto id = ok(phone.send_request(0ms, 3, Transport::tcp, reg));
  phone.handle_transport_error(1ms, 4);  // another connection
  CHECK(phone.size() == 1);
  phone.handle_transport_error(1ms, 3);
  CHECK(phone.size() == 0);
  phone.poll_transmit();
  auto event = phone.poll_event();
  REQUIRE(event);
  CHECK(event->kind == sip::TransactionEvent::Kind::transport_error);
  CHECK(event->id == id);
}

}  // namespace
}  // namespace voicelab::test
