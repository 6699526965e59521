// Hostile and broken input on the registrar's TCP and UDP sides: nothing crashes, every byte the
// engine sends is well-framed SIP, a broken stream is closed (after a 400 when the request's
// headers parsed), a well-framed but invalid REGISTER is answered 400 and the connection stays.

#include <string>

#include <catch2/catch.hpp>

#include "harness.hpp"

namespace voicelab::test {
namespace {

using namespace cucm_bench;
using Kind = cucm::RegistrarEventKind;

TEST_CASE("a REGISTER without Content-Length over TCP is answered 400, then closed",
          "[cucm][hostile]") {
  Bench bench;
  Phone phone = make_phone(70);
  bench.directory.add(device_for(phone, {"1001"}));
  std::string text = sip::serialize(phone.next_register("1001", 3600, bench.phone_random));
  const auto at = text.find("Content-Length: 0\r\n");
  REQUIRE(at != std::string::npos);
  text.erase(at, std::string_view("Content-Length: 0\r\n").size());

  bench.registrar.handle_accepted(0s, 1, phone.ip, phone.port);
  // Split in two to show the header section is kept across reads.
  bench.registrar.handle_bytes(0s, 1, std::string_view(text).substr(0, 100));
  bench.registrar.handle_bytes(0s, 1, std::string_view(text).substr(100));
  bench.drain();
  const Peer& peer = bench.peers[1];
  REQUIRE(peer.messages.size() == 1);
  CHECK(peer.messages[0].status_code == 400);
  CHECK(sip::call_id_header(peer.messages[0]).value() ==
        sip::call_id_header(sip::parse_head(text).value()).value());
  CHECK(peer.closed);
  CHECK(bench.registrar.open_connections() == 0);
  const auto events = bench.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == Kind::rejected);
  CHECK(events[1].kind == Kind::malformed);
  CHECK(events[1].reason.find("(answered 400)") != std::string::npos);
  CHECK(bench.registrar.binding_count() == 0);
  // Bytes after the close are ignored.
  bench.registrar.handle_bytes(1s, 1, text);
  CHECK_FALSE(bench.registrar.poll_stream());
}

TEST_CASE("garbage on the TCP stream closes the connection without an answer", "[cucm][hostile]") {
  Bench bench;
  Phone phone = make_phone(71);
  bench.directory.add(device_for(phone, {"1001"}));
  bench.tcp(0s, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  REQUIRE(bench.registrar.binding_count() == 1);
  bench.events();

  static constexpr char raw[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not SIP\r\n\r\n";
  const std::string junk(raw, sizeof raw - 1);
  bench.registrar.handle_bytes(1s, 1, junk);
  bench.drain();
  CHECK(bench.peers[1].closed);
  CHECK(bench.peers[1].messages.size() == 2);  // only the earlier 100 + 200
  const auto events = bench.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == Kind::malformed);
  // The phone's binding was on that connection.
  CHECK(events[1].kind == Kind::unregistered);
  CHECK(bench.registrar.binding_count() == 0);
  CHECK(bench.registrar.counters().malformed == 1);
}

TEST_CASE("limits: an endless header line or body is cut off", "[cucm][hostile]") {
  cucm::RegistrarConfig config;
  config.limits.max_line = 256;
  config.limits.max_body = 1024;
  Bench bench(config);
  Phone phone = make_phone(72);

  bench.registrar.handle_accepted(0s, 1, phone.ip, phone.port);
  bench.registrar.handle_bytes(0s, 1, "REGISTER sip:10.10.10.11 SIP/2.0\r\nX-Long: ");
  const std::string chunk(100, 'a');
  for (int i = 0; i < 10 && !bench.peers[1].closed; ++i) {
    bench.registrar.handle_bytes(0s, 1, chunk);
    bench.drain();
  }
  CHECK(bench.peers[1].closed);
  CHECK(bench.peers[1].messages.empty());

  // A body larger than allowed: the headers parsed, so 400 and close.
  auto big = phone.next_register("1001", 3600, bench.phone_random);
  big.body = std::string(4096, 'x');
  bench.registrar.handle_accepted(0s, 2, phone.ip, phone.port);
  bench.registrar.handle_bytes(0s, 2, sip::serialize(big));
  bench.drain();
  REQUIRE(bench.peers[2].messages.size() == 1);
  CHECK(bench.peers[2].messages[0].status_code == 400);
  CHECK(bench.peers[2].closed);
}

TEST_CASE("a well-framed but invalid REGISTER gets 400 and the connection stays",
          "[cucm][hostile]") {
  Bench bench;
  Phone phone = make_phone(73);
  bench.directory.add(device_for(phone, {"1001"}));

  auto no_name = phone.next_register("1001", 3600, bench.phone_random);
  no_name.set("Contact", "<sip:1001@10.10.20.73:51534;transport=tcp>");
  auto answers = bench.tcp(0s, 1, phone, no_name);
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].status_code == 400);
  CHECK(warning_text(answers[1]) == "Missing device name in Contact");

  auto star = phone.next_register("1001", 0, bench.phone_random);
  star.set("Contact", "*");
  CHECK(bench.tcp(0s, 1, phone, star).at(1).status_code == 400);

  auto bad_expires = phone.next_register("1001", 3600, bench.phone_random);
  bad_expires.set("Expires", "soon");
  CHECK(bench.tcp(0s, 1, phone, bad_expires).at(1).status_code == 400);

  auto no_call_id = phone.next_register("1001", 3600, bench.phone_random);
  no_call_id.remove("Call-ID");
  CHECK(bench.tcp(0s, 1, phone, no_call_id).at(1).status_code == 400);

  auto wrong_cseq = phone.next_register("1001", 3600, bench.phone_random);
  wrong_cseq.set("CSeq", "7 OPTIONS");
  CHECK(bench.tcp(0s, 1, phone, wrong_cseq).at(1).status_code == 400);

  auto no_user = phone.next_register("1001", 3600, bench.phone_random);
  no_user.set("To", "<sip:10.10.10.11>");
  CHECK(bench.tcp(0s, 1, phone, no_user).at(1).status_code == 400);

  CHECK_FALSE(bench.peers[1].closed);
  CHECK(bench.tcp(1s, 1, phone, phone.next_register("1001", 3600, bench.phone_random))
            .at(1)
            .status_code == 200);
  CHECK(bench.registrar.counters().rejected == 6);
}

TEST_CASE("a REGISTER split at every byte offset registers the same way", "[cucm][hostile]") {
  Phone phone = make_phone(74);
  Random ids(3);
  const std::string text = "\r\n\r\n" + sip::serialize(phone.next_register("1001", 3600, ids));
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Bench bench;
    bench.directory.add(device_for(phone, {"1001"}));
    bench.registrar.handle_accepted(0s, 1, phone.ip, phone.port);
    bench.registrar.handle_bytes(0s, 1, std::string_view(text).substr(0, cut));
    bench.registrar.handle_bytes(0s, 1, std::string_view(text).substr(cut));
    bench.drain();
    INFO("cut at " << cut);
    const Peer& peer = bench.peers[1];
    // The leading double CRLF is a keep-alive ping: a CRLF pong goes first.
    CHECK(peer.raw.substr(0, 2) == "\r\n");
    REQUIRE(peer.messages.size() == 2);
    CHECK(peer.messages[1].status_code == 200);
    CHECK(bench.registrar.binding_count() == 1);
    CHECK(bench.registrar.counters().pings == 1);
  }
}

TEST_CASE("UDP: junk, truncated and response datagrams are dropped", "[cucm][hostile]") {
  Bench bench;
  Phone phone = make_phone(75, sip::Transport::udp);
  bench.directory.add(device_for(phone, {"1001"}));
  CHECK(bench.udp(0s, phone, "\r\n\r\n").empty());  // keep-alive
  CHECK(bench.udp(0s, phone, std::string("\x00\xff garbage", 10)).empty());
  const std::string text = sip::serialize(phone.next_register("1001", 3600, bench.phone_random));
  CHECK(bench.udp(0s, phone, text.substr(0, text.size() / 2)).empty());
  CHECK(bench.udp(0s, phone, "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n").empty());
  CHECK(bench.registrar.counters().malformed == 2);
  CHECK(bench.registrar.counters().stray == 1);

  // A REGISTER whose Via has no RFC 3261 branch cannot be matched to a transaction: 400, once.
  auto old = phone.next_register("1001", 3600, bench.phone_random);
  old.set("Via", "SIP/2.0/UDP 10.10.20.75:51534;branch=1234");
  const auto answers = bench.udp(0s, phone, sip::serialize(old));
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status_code == 400);
  CHECK(bench.registrar.binding_count() == 0);
}

TEST_CASE("random bytes on many connections never crash the engine", "[cucm][hostile]") {
  cucm::RegistrarConfig config;
  config.limits.max_message = 4096;
  config.limits.max_header_size = 2048;
  config.limits.max_body = 1024;
  Bench bench(config);
  Phone phone = make_phone(76);
  bench.directory.add(device_for(phone, {"1001"}));
  Random fuzz(2024);
  const std::string valid = sip::serialize(phone.next_register("1001", 3600, bench.phone_random));
  static constexpr char letters[] =
      "REGISTER SIP/2.0\r\n:;<>@=\"Content-Length: 12 Via CSeq\x00\xff";
  const std::string alphabet(letters, sizeof letters - 1);
  for (cucm::ConnectionId conn = 1; conn <= 300; ++conn) {
    bench.registrar.handle_accepted(0s, conn, phone.ip, phone.port);
    for (int chunk = 0; chunk < 8; ++chunk) {
      std::string bytes;
      const auto size = fuzz.below(200);
      if (fuzz.chance(0.3)) {
        // A valid REGISTER with a few bytes flipped.
        bytes = valid;
        for (int flips = 0; flips < 3; ++flips) {
          bytes[fuzz.below(bytes.size())] = alphabet[fuzz.below(alphabet.size())];
        }
      } else {
        for (std::uint64_t i = 0; i < size; ++i) bytes += alphabet[fuzz.below(alphabet.size())];
      }
      bench.registrar.handle_bytes(Time{chunk * 1ms}, conn, bytes);
      bench.drain();  // REQUIREs every message sent to be well-framed
    }
    if (fuzz.chance(0.5)) bench.registrar.handle_closed(10ms, conn);
    bench.registrar.handle_timeout(Time{conn * 1s});
  }
  bench.events();
  while (bench.registrar.poll_trace()) {
  }
  CHECK(bench.registrar.counters().malformed > 0);
}

}  // namespace
}  // namespace voicelab::test
