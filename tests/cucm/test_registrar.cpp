// The registrar engine with explicit time: registration of every line over TCP and UDP,
// retransmissions, rejections, refresh and expiry, unregistration, throttling, the device cap,
// node stop/start and connection loss.

#include <string>

#include <catch2/catch.hpp>

#include "harness.hpp"

namespace voicelab::test {
namespace {

using namespace cucm_bench;
using Kind = cucm::RegistrarEventKind;

std::size_t count(const std::vector<cucm::RegistrarEvent>& events, Kind kind) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.kind == kind ? 1 : 0;
  return n;
}

TEST_CASE("a two-line phone registers both lines over TCP", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(31);
  bench.directory.add(device_for(phone, {"1001", "1002"}));
  const Time t0 = 2s;

  const auto first = bench.tcp(t0, 7, phone, phone.next_register("1001", 3600, bench.phone_random));
  REQUIRE(first.size() == 2);
  CHECK(first[0].status_code == 100);
  CHECK(first[1].status_code == 200);
  // What CUCM grants: its keepalive interval, not the 3600 asked for [trace].
  CHECK(sip::expires_header(first[1]).value() == 120);
  CHECK(sip::parse_contacts(first[1])->contacts.at(0).expires() == 120);
  CHECK(first[1].get("Server") == "Cisco-CUCM11.5");
  const sip::NameAddress to = sip::to_header(first[1]).value();
  const auto tag = to.tag();
  REQUIRE(tag);
  CHECK(tag->find_first_not_of("0123456789") == std::string_view::npos);

  // One line of two: Find and List Phones says so.
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::partially_registered);
  CHECK(bench.registrar.registered_devices() == 1);

  const auto second =
      bench.tcp(t0 + 50ms, 7, phone, phone.next_register("1002", 3600, bench.phone_random));
  REQUIRE(second.size() == 2);
  CHECK(second[1].status_code == 200);

  const auto row = bench.registrar.phone(phone.name());
  CHECK(row.status == cucm::DeviceStatus::registered);
  CHECK(row.address == phone.ip);
  CHECK(row.lines_registered == 2);
  CHECK(row.lines_configured == 2);
  CHECK(bench.registrar.registered_devices() == 1);
  CHECK(bench.registrar.binding_count() == 2);

  const cucm::Binding* b = bench.registrar.binding(phone.name(), "1002");
  REQUIRE(b != nullptr);
  CHECK(b->transport == sip::Transport::tcp);
  CHECK(b->conn == cucm::ConnectionId{7});
  CHECK(b->address == phone.ip);
  CHECK(b->port == phone.port);
  CHECK(b->expires == 120);
  CHECK(b->expires_at == t0 + 50ms + 120s);
  CHECK(b->cseq == 101);
  CHECK(b->contact.find("+u.sip!devicename.ccm.cisco.com=\"" + phone.name() + '"') !=
        std::string::npos);
  CHECK(bench.registrar.bindings(phone.name()).size() == 2);

  const auto events = bench.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == Kind::registered);
  CHECK(events[0].line == "1001");
  CHECK(events[1].line == "1002");
  CHECK(events[1].expires == 120);
  CHECK(events[1].describe() ==
        "cucm1: " + phone.name() +
            " line 1002 registered from 10.10.20.31:51534 over TCP (expires 120 s)");
  CHECK(bench.registrar.next_timeout() == t0 + 120s);
}

TEST_CASE("UDP: a lost 200 OK is answered again from the server transaction", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(32, sip::Transport::udp);
  bench.directory.add(device_for(phone, {"2001"}));
  const std::string request = sip::serialize(phone.next_register("2001", 3600, bench.phone_random));

  const auto answers = bench.udp(1s, phone, request);
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].status_code == 100);
  REQUIRE(answers[1].status_code == 200);
  const auto ok_bytes = bench.datagrams.back().payload;
  CHECK(count(bench.events(), Kind::registered) == 1);

  // The 200 OK is lost; the phone's Timer E fires after T1 and it sends the same bytes again.
  const auto again = bench.udp(1s + 500ms, phone, request);
  REQUIRE(again.size() == 1);
  CHECK(again[0].status_code == 200);
  CHECK(bench.datagrams.back().payload == ok_bytes);  // the cached response, same To tag
  CHECK(bench.events().empty());                      // not processed twice
  CHECK(bench.registrar.counters().retransmissions == 1);
  CHECK(bench.registrar.counters().registers == 1);
  CHECK(bench.registrar.binding_count() == 1);

  // Timer J (64*T1) keeps the transaction 32 s; the registrar wakes for it before the binding
  // expires.
  CHECK(bench.registrar.next_timeout() == 1s + 32s);
  bench.registrar.handle_timeout(1s + 32s);
  CHECK(bench.registrar.next_timeout() == 1s + 120s);
  // Too late to be a retransmission: now it is a new request with a stale CSeq (RFC 3261 §10.3).
  const auto late = bench.udp(1s + 33s, phone, request);
  REQUIRE(late.size() == 2);
  CHECK(late[1].status_code == 500);
}

TEST_CASE("UDP responses follow RFC 3261 §18.2 and RFC 3581", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(33, sip::Transport::udp);
  bench.directory.add(device_for(phone, {"2002"}));
  auto reg = phone.next_register("2002", 3600, bench.phone_random);
  // Behind a NAT: the phone writes a private address and asks for rport.
  reg.set("Via", "SIP/2.0/UDP 192.168.1.5:5060;branch=z9hG4bK12345678;rport");
  const auto answers = bench.udp(1s, phone, sip::serialize(reg));  // checks ip and port
  REQUIRE(answers.size() == 2);
  const auto via = sip::top_via(answers[1]).value();
  CHECK(via.received() == "10.10.20.33");
  CHECK(via.rport() == phone.port);
  CHECK(via.branch() == "z9hG4bK12345678");
}

TEST_CASE("an unknown device is rejected 404", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(34);
  const auto answers =
      bench.tcp(1s, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].status_code == 404);
  CHECK(answers[1].reason == "Not Found");
  CHECK(warning_text(answers[1]) == "Unable to find device/user in database");
  CHECK(sip::parse_warnings(answers[1])->front().code == 399);
  CHECK(sip::parse_warnings(answers[1])->front().agent == "cucm1");
  CHECK(sip::to_header(answers[1])->tag());

  const auto events = bench.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::rejected);
  CHECK(events[0].reject == cucm::RejectReason::unknown_device);
  CHECK(events[0].status == 404);
  CHECK(events[0].device == phone.name());
  CHECK(bench.registrar.binding_count() == 0);
  // Not in the database: not in the list either (as in CUCM).
  CHECK(bench.registrar.find_and_list_phones().empty());
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::unknown);
  CHECK_FALSE(bench.peers[1].closed);  // the connection stays up
}

TEST_CASE("a line that is not on the device is rejected 403", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(35);
  bench.directory.add(device_for(phone, {"1001"}));
  const auto answers =
      bench.tcp(1s, 1, phone, phone.next_register("1999", 3600, bench.phone_random));
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].status_code == 403);
  CHECK(warning_text(answers[1]) == "Line not configured on this device");
  const auto row = bench.registrar.phone(phone.name());
  CHECK(row.status == cucm::DeviceStatus::rejected);
  CHECK(row.reason == "Line not configured on this device");
  const auto events = bench.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].reject == cucm::RejectReason::line_not_on_device);
  CHECK(events[0].line == "1999");

  // The right line still registers; a bad one afterwards leaves the good binding alone.
  CHECK(bench.tcp(2s, 1, phone, phone.next_register("1001", 3600, bench.phone_random))[1]
            .status_code == 200);
  CHECK(bench.tcp(3s, 1, phone, phone.next_register("1999", 3600, bench.phone_random))[1]
            .status_code == 403);
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::registered);
}

TEST_CASE("a device whose CallManager group does not list this node is rejected 503",
          "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(36);
  bench.directory.add(device_for(phone, {"1001"}, {"cucm2", "cucm3"}));
  const auto answers =
      bench.tcp(1s, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].status_code == 503);
  CHECK(warning_text(answers[1]) == "Device not in the CallManager group of this node");
  CHECK_FALSE(answers[1].find("Retry-After"));  // go to the next node, do not wait for this one
  CHECK(bench.events().at(0).reject == cucm::RejectReason::node_not_in_group);
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::rejected);
}

TEST_CASE("a refresh before expiry keeps the binding, without one it expires",
          "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(37);
  bench.directory.add(device_for(phone, {"1001"}));
  CHECK(bench.tcp(0s, 1, phone, phone.next_register("1001", 3600, bench.phone_random))[1]
            .status_code == 200);
  bench.events();

  // Cisco phones refresh 5 s before the granted 120 s run out.
  bench.registrar.handle_timeout(115s);  // nothing is due yet
  CHECK(bench.events().empty());
  const auto refresh =
      bench.tcp(115s, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  CHECK(refresh[1].status_code == 200);
  auto events = bench.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::refreshed);
  const cucm::Binding* b = bench.registrar.binding(phone.name(), "1001");
  REQUIRE(b != nullptr);
  CHECK(b->cseq == 102);
  CHECK(b->registered_at == 0s);
  CHECK(b->refreshed_at == 115s);
  CHECK(b->expires_at == 235s);

  // The first expiry time passes harmlessly (the refreshed binding replaced it).
  bench.registrar.handle_timeout(120s);
  CHECK(bench.events().empty());
  CHECK(bench.registrar.binding_count() == 1);

  // No second refresh: the binding expires at 235 s, not a nanosecond earlier.
  REQUIRE(bench.registrar.next_timeout());
  bench.registrar.handle_timeout(235s - 1ns);
  CHECK(bench.registrar.binding_count() == 1);
  bench.registrar.handle_timeout(235s);
  events = bench.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::expired);
  CHECK(events[0].reason == "not refreshed within 120 s");
  CHECK(bench.registrar.binding_count() == 0);
  CHECK(bench.registrar.registered_devices() == 0);
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::unregistered);
  CHECK(bench.registrar.counters().expired == 1);
  CHECK_FALSE(bench.registrar.next_timeout());
}

TEST_CASE("Expires 0 unregisters, and is a keepalive to a standby node", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(38);
  bench.directory.add(device_for(phone, {"1001", "1002"}));
  bench.tcp(0s, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  bench.tcp(0s, 1, phone, phone.next_register("1002", 3600, bench.phone_random));
  bench.events();

  const auto bye = bench.tcp(10s, 1, phone, phone.next_register("1001", 0, bench.phone_random));
  REQUIRE(bye.size() == 2);
  CHECK(bye[1].status_code == 200);
  CHECK(sip::expires_header(bye[1]).value() == 0);
  auto events = bench.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::unregistered);
  CHECK(events[0].reason == "Expires: 0");
  CHECK(bench.registrar.binding(phone.name(), "1001") == nullptr);
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::partially_registered);

  // Expires 0 for a line with no binding here: what a phone sends its secondary node [trace].
  const auto keepalive =
      bench.tcp(11s, 1, phone, phone.next_register("1001", 0, bench.phone_random));
  CHECK(keepalive[1].status_code == 200);
  CHECK(sip::expires_header(keepalive[1]).value() == 0);
  events = bench.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::keepalive);

  bench.tcp(12s, 1, phone, phone.next_register("1002", 0, bench.phone_random));
  CHECK(bench.registrar.registered_devices() == 0);
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::unregistered);
  CHECK(bench.registrar.phone(phone.name()).reason == "Expires: 0");
}

TEST_CASE("new registrations beyond the configured rate are refused 503 with Retry-After",
          "[cucm][registrar]") {
  cucm::RegistrarConfig config;
  config.max_new_registrations_per_second = 2;  // burst 2
  config.throttle_retry_after = 30;
  Bench bench(config);
  std::vector<Phone> phones;
  for (std::uint8_t n = 40; n < 44; ++n) {
    phones.push_back(make_phone(n));
    bench.directory.add(
        device_for(phones.back(), {"1" + std::to_string(n), "2" + std::to_string(n)}));
  }
  const Time t = 5s;
  auto reg = [&](std::size_t i, Time at, const std::string& dn) {
    return bench.tcp(at, i + 1, phones[i], phones[i].next_register(dn, 3600, bench.phone_random))
        .at(1);
  };
  CHECK(reg(0, t, "140").status_code == 200);
  CHECK(reg(1, t, "141").status_code == 200);
  const auto refused = reg(2, t, "142");
  CHECK(refused.status_code == 503);
  CHECK(refused.get("Retry-After") == "30");
  CHECK(warning_text(refused) == "Registration throttled");
  // The second line of an admitted phone is not a new device: never throttled.
  CHECK(reg(0, t, "240").status_code == 200);
  // Half a second later one new registration fits again (2 per second), not two.
  CHECK(reg(2, t + 500ms, "142").status_code == 200);
  CHECK(reg(3, t + 500ms, "143").status_code == 503);
  CHECK(reg(3, t + 1s, "143").status_code == 200);
  CHECK(bench.registrar.counters().throttled == 2);
  CHECK(bench.registrar.registered_devices() == 4);
}

TEST_CASE("a node registers at most max_devices devices", "[cucm][registrar]") {
  cucm::RegistrarConfig config;
  config.max_devices = 1;
  Bench bench(config);
  Phone a = make_phone(50);
  Phone b = make_phone(51);
  bench.directory.add(device_for(a, {"5000", "5001"}));
  bench.directory.add(device_for(b, {"5100"}));
  CHECK(bench.tcp(0s, 1, a, a.next_register("5000", 3600, bench.phone_random))[1].status_code ==
        200);
  const auto full = bench.tcp(0s, 2, b, b.next_register("5100", 3600, bench.phone_random))[1];
  CHECK(full.status_code == 503);
  CHECK_FALSE(full.find("Retry-After"));
  CHECK(warning_text(full) == "Maximum number of registered devices reached");
  // More lines of the registered device are fine.
  CHECK(bench.tcp(0s, 1, a, a.next_register("5001", 3600, bench.phone_random))[1].status_code ==
        200);
  // Once `a` leaves, `b` fits.
  bench.registrar.handle_closed(1s, 1);
  CHECK(bench.registrar.registered_devices() == 0);
  CHECK(bench.tcp(2s, 2, b, b.next_register("5100", 3600, bench.phone_random))[1].status_code ==
        200);
}

TEST_CASE("the phone's TCP connection closing unregisters its lines", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(52);
  bench.directory.add(device_for(phone, {"1001", "1002"}));
  bench.tcp(0s, 9, phone, phone.next_register("1001", 3600, bench.phone_random));
  bench.tcp(0s, 9, phone, phone.next_register("1002", 3600, bench.phone_random));
  bench.events();
  bench.registrar.handle_closed(30s, 9);
  const auto events = bench.events();
  CHECK(count(events, Kind::unregistered) == 2);
  CHECK(events.at(0).reason == "TCP connection closed");
  CHECK(bench.registrar.binding_count() == 0);
  CHECK(bench.registrar.open_connections() == 0);
  CHECK(bench.registrar.phone(phone.name()).status == cucm::DeviceStatus::unregistered);
  bench.registrar.handle_closed(31s, 9);  // twice, or never accepted: ignored
  CHECK(bench.events().empty());
}

TEST_CASE("a refresh over a new connection moves the binding", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(53);
  bench.directory.add(device_for(phone, {"1001"}));
  bench.tcp(0s, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  // The phone reconnected (new source port) before the old connection was reported closed.
  phone.port = 51600;
  CHECK(bench.tcp(60s, 2, phone, phone.next_register("1001", 3600, bench.phone_random))[1]
            .status_code == 200);
  CHECK(bench.registrar.binding(phone.name(), "1001")->conn == cucm::ConnectionId{2});
  bench.registrar.handle_closed(61s, 1);  // the old one: the binding is not on it any more
  CHECK(bench.registrar.binding_count() == 1);
  bench.registrar.handle_closed(62s, 2);
  CHECK(bench.registrar.binding_count() == 0);
}

TEST_CASE("stopping the node closes every connection and drops every binding",
          "[cucm][registrar]") {
  Bench bench;
  Phone a = make_phone(60);
  Phone b = make_phone(61, sip::Transport::udp);
  Phone c = make_phone(62);
  bench.directory.add(device_for(a, {"6000"}));
  bench.directory.add(device_for(b, {"6100"}));
  bench.directory.add(device_for(c, {"6200"}));
  bench.tcp(0s, 4, a, a.next_register("6000", 3600, bench.phone_random));
  bench.udp(0s, b, sip::serialize(b.next_register("6100", 3600, bench.phone_random)));
  bench.registrar.handle_accepted(0s, 3, c.ip, c.port);  // connected, not registered yet
  bench.events();
  REQUIRE(bench.registrar.binding_count() == 2);

  bench.registrar.stop(10s);
  CHECK_FALSE(bench.registrar.running());
  // Closes in connection order, nothing else.
  std::vector<cucm::ConnectionId> closed;
  while (auto command = bench.registrar.poll_stream()) {
    REQUIRE(std::holds_alternative<cucm::CloseConnection>(*command));
    closed.push_back(std::get<cucm::CloseConnection>(*command).conn);
  }
  CHECK(closed == std::vector<cucm::ConnectionId>{3, 4});
  auto events = bench.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == Kind::node_stopped);
  CHECK(events[1].kind == Kind::unregistered);
  CHECK(events[1].reason == "node stopped");
  CHECK(bench.registrar.binding_count() == 0);
  CHECK(bench.registrar.registered_devices() == 0);
  CHECK(bench.registrar.open_connections() == 0);
  CHECK(bench.registrar.phone(a.name()).status == cucm::DeviceStatus::unregistered);
  CHECK_FALSE(bench.registrar.next_timeout());

  // Stopped: nothing is answered; a connection the driver still accepts is closed at once.
  bench.registrar.handle_datagram(
      11s, b.ip, b.port, sip::serialize(b.next_register("6100", 3600, bench.phone_random)));
  CHECK_FALSE(bench.registrar.poll_datagram());
  bench.registrar.handle_accepted(11s, 5, a.ip, a.port);
  bench.registrar.handle_bytes(11s, 5,
                               sip::serialize(a.next_register("6000", 3600, bench.phone_random)));
  auto command = bench.registrar.poll_stream();
  REQUIRE(command);
  CHECK(std::get<cucm::CloseConnection>(*command).conn == 5);
  CHECK_FALSE(bench.registrar.poll_stream());
  CHECK(bench.events().empty());
  CHECK(bench.registrar.counters().dropped_while_stopped == 3);

  bench.registrar.start(20s);
  CHECK(bench.events().at(0).kind == Kind::node_started);
  bench.peers.clear();
  CHECK(bench.tcp(21s, 6, a, a.next_register("6000", 3600, bench.phone_random))[1].status_code ==
        200);
  CHECK(bench.registrar.phone(a.name()).status == cucm::DeviceStatus::registered);
}

TEST_CASE("a repeated CSeq on the same Call-ID is refused (RFC 3261 §10.3)", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(63);
  bench.directory.add(device_for(phone, {"1001"}));
  auto reg = phone.next_register("1001", 3600, bench.phone_random);
  CHECK(bench.tcp(0s, 1, phone, reg)[1].status_code == 200);
  // TCP has no server transaction to absorb it: the same request again is out of order.
  const auto again = bench.tcp(1s, 1, phone, reg);
  CHECK(again[1].status_code == 500);
  CHECK(bench.registrar.binding(phone.name(), "1001")->cseq == 101);
}

TEST_CASE("other methods: OPTIONS, the phone's alarm REFER, the rest", "[cucm][registrar]") {
  Bench bench;
  Phone phone = make_phone(64);
  auto request = [&](std::string method) {
    sip::Message m = phone.next_register("1001", 3600, bench.phone_random);
    m.method = method;
    m.set("CSeq", "1000 " + method);
    return m;
  };
  CHECK(bench.tcp(0s, 1, phone, request("OPTIONS")).at(0).status_code == 200);
  CHECK(bench.tcp(0s, 1, phone, request("REFER")).at(0).status_code == 202);
  const auto other = bench.tcp(0s, 1, phone, request("SUBSCRIBE"));
  CHECK(other.at(0).status_code == 405);
  CHECK(other.at(0).get("Allow") == "REGISTER, OPTIONS, REFER");
  CHECK(bench.tcp(0s, 1, phone, request("INVITE")).empty());  // no INVITE handling here
  CHECK(bench.registrar.counters().stray == 1);
}

TEST_CASE("the Date header follows the lab clock from a configured epoch", "[cucm][registrar]") {
  cucm::RegistrarConfig config;
  config.date_epoch = 1763966400;  // Mon, 24 Nov 2025 06:40:00 GMT
  Bench bench(config);
  Phone phone = make_phone(65);
  bench.directory.add(device_for(phone, {"1001"}));
  const auto answers =
      bench.tcp(3661s + 999ms, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  CHECK(answers.at(1).get("Date") == "Mon, 24 Nov 2025 07:41:01 GMT");
  Bench leap(config);
  leap.directory.add(device_for(phone, {"1001"}));
  // 2028-02-29 is a leap day: 826 days after the epoch's date (+ 17h20m).
  const auto later = leap.tcp(std::chrono::hours(24 * 826 + 17) + 20min, 1, phone,
                              phone.next_register("1001", 3600, leap.phone_random));
  CHECK(later.at(1).get("Date") == "Tue, 29 Feb 2028 00:00:00 GMT");
}

}  // namespace
}  // namespace voicelab::test
