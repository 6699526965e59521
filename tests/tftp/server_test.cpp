// The TFTP server engine driven by hand with explicit time: what it sends for each datagram,
// when its timers fire, and how it bounds its work like CUCM's Maximum Serving Count.

#include "voicelab/tftp/server.hpp"

#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "tftp_test_util.hpp"
#include "voicelab/tftp/packet.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;

const wire::Ipv4Address server_ip{10, 1, 1, 11};
const tftp::Endpoint phone{{10, 1, 100, 23}, 50001};

struct Sent {
  tftp::OutgoingDatagram datagram;
  tftp::Packet packet;
};

class Fixture {
 public:
  explicit Fixture(tftp::ServerConfig config = {}) : server(config, files, random) {
    files.add("SEP001122334455.cnf.xml", pattern_file(10240));
    files.add("small.txt", "hello\n");
  }

  void rrq(Time now, const tftp::Endpoint& from, std::string_view filename,
           const tftp::TransferOptions& options = {}, std::string_view mode = "octet") {
    tftp::Request request;
    request.filename = filename;
    request.mode = mode;
    request.options = options;
    raw(now, from, server.config().listen_port, tftp::encode_packet(tftp::Packet{request}).value());
  }
  void raw(Time now, const tftp::Endpoint& from, std::uint16_t to_port,
           const std::vector<std::uint8_t>& payload) {
    server.handle_datagram(now, {from, {server_ip, to_port}, 0, payload});
  }
  void ack(Time now, const tftp::Endpoint& from, std::uint16_t port, std::uint16_t block) {
    raw(now, from, port, tftp::encode_ack(block));
  }

  std::vector<Sent> sent() {
    std::vector<Sent> out;
    while (auto d = server.poll_transmit()) {
      auto packet = tftp::decode_packet(d->payload);
      REQUIRE(packet.ok());
      out.push_back({std::move(*d), std::move(*packet)});
    }
    return out;
  }
  std::vector<tftp::ServerEvent> events() {
    std::vector<tftp::ServerEvent> out;
    while (auto e = server.poll_event()) out.push_back(std::move(*e));
    return out;
  }

  tftp::MemoryFileSource files;
  Random random{2024};
  tftp::Server server;
};

const tftp::Data& data_of(const Sent& s) { return std::get<tftp::Data>(s.packet); }
const tftp::Error& error_of(const Sent& s) { return std::get<tftp::Error>(s.packet); }

TEST_CASE("Without options the server sends 512-byte blocks, one per ACK, from a fresh port",
          "[tftp][server]") {
  Fixture f;
  f.rrq(0s, phone, "SEP001122334455.cnf.xml");
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  const std::uint16_t tid = out[0].datagram.source_port;
  CHECK(tid >= 49152);
  CHECK(out[0].datagram.destination == phone);
  CHECK(data_of(out[0]).block == 1);
  CHECK(data_of(out[0]).payload.size() == 512);
  CHECK(f.server.transfer_ports() == std::vector<std::uint16_t>{tid});

  const auto file = pattern_file(10240);
  std::vector<std::uint8_t> received(data_of(out[0]).payload.begin(),
                                     data_of(out[0]).payload.end());
  // 10240 = 20 x 512: blocks 2..20 full, then an empty block 21 ends the transfer (RFC 1350).
  for (std::uint16_t block = 1; block <= 20; ++block) {
    f.ack(Time{block * 10ms}, phone, tid, block);
    out = f.sent();
    REQUIRE(out.size() == 1);
    CHECK(out[0].datagram.source_port == tid);
    CHECK(data_of(out[0]).block == block + 1);
    received.insert(received.end(), data_of(out[0]).payload.begin(), data_of(out[0]).payload.end());
  }
  CHECK(data_of(out[0]).payload.empty());
  CHECK(received == file);
  f.ack(300ms, phone, tid, 21);
  CHECK(f.sent().empty());
  const auto events = f.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == tftp::ServerEventKind::transfer_started);
  CHECK(events[1].kind == tftp::ServerEventKind::transfer_completed);
  CHECK(events[1].describe() ==
        "Request for SEP001122334455.cnf.xml from 10.1.100.23: sent 10240 bytes in 21 blocks");
  CHECK(f.server.active_transfers() == 0);
  CHECK_FALSE(f.server.next_timeout());
  CHECK(f.server.counters().transfers_completed == 1);
  CHECK(f.server.counters().data_packets == 21);
  CHECK(f.server.counters().bytes_sent == 10240);
}

TEST_CASE("Requested options are answered with an OACK; DATA waits for ACK 0", "[tftp][server]") {
  Fixture f;
  // A vendor option the server does not know is ignored (RFC 2347).
  tftp::Request request;
  request.filename = "SEP001122334455.cnf.xml";
  request.options = {1428, 3, 0, 4};
  request.other_options = {{"x-cisco", "1"}};
  f.raw(0s, phone, 69, tftp::encode_packet(tftp::Packet{request}).value());
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  const auto& oack = std::get<tftp::OptionAck>(out[0].packet);
  CHECK(oack.options.blksize == 1428);
  CHECK(oack.options.timeout == 3);
  CHECK(oack.options.tsize == 10240);  // tsize answered with the file's size (RFC 2349)
  CHECK(oack.options.windowsize == 4);
  CHECK(oack.other_options.empty());
  CHECK(f.server.next_timeout() == Time{3s});  // the negotiated timeout
  const std::uint16_t tid = out[0].datagram.source_port;

  f.ack(10ms, phone, tid, 0);
  out = f.sent();
  REQUIRE(out.size() == 4);  // one window
  for (std::uint16_t i = 0; i < 4; ++i) {
    CHECK(data_of(out[i]).block == i + 1);
    CHECK(data_of(out[i]).payload.size() == 1428);
  }
  f.ack(20ms, phone, tid, 4);
  out = f.sent();
  REQUIRE(out.size() == 4);  // blocks 5..8; 8 is the last (10240 - 7 x 1428 = 244 bytes)
  CHECK(data_of(out[3]).block == 8);
  CHECK(data_of(out[3]).payload.size() == 244);
  f.ack(30ms, phone, tid, 8);
  const auto events = f.events();
  REQUIRE(events.back().kind == tftp::ServerEventKind::transfer_completed);
  CHECK(events.back().blocks == 8);
}

TEST_CASE("Options are clamped to the server's limits, or ignored when negotiation is off",
          "[tftp][server]") {
  SECTION("clamped") {
    tftp::ServerConfig config;
    config.max_blksize = 1468;
    config.max_windowsize = 8;
    Fixture f{config};
    f.rrq(0s, phone, "small.txt", {65464, std::nullopt, std::nullopt, 1000});
    const auto out = f.sent();
    REQUIRE(out.size() == 1);
    const auto& oack = std::get<tftp::OptionAck>(out[0].packet);
    CHECK(oack.options.blksize == 1468);
    CHECK(oack.options.windowsize == 8);
    CHECK_FALSE(oack.options.tsize);
    CHECK(f.server.next_timeout() == Time{1s});  // the configured default
  }
  SECTION("RFC 1350 only") {
    tftp::ServerConfig config;
    config.negotiate_options = false;
    Fixture f{config};
    f.rrq(0s, phone, "SEP001122334455.cnf.xml", {1428, 3, 0, 4});
    const auto out = f.sent();
    REQUIRE(out.size() == 1);
    CHECK(data_of(out[0]).block == 1);
    CHECK(data_of(out[0]).payload.size() == 512);
  }
}

TEST_CASE("A duplicate ACK never causes duplicate DATA (Sorcerer's Apprentice)", "[tftp][server]") {
  Fixture f;
  f.rrq(0s, phone, "SEP001122334455.cnf.xml");
  const std::uint16_t tid = f.sent().at(0).datagram.source_port;
  f.ack(10ms, phone, tid, 1);
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(data_of(out[0]).block == 2);
  // The ACK of block 1 again (delayed in the network): nothing is sent.
  f.ack(20ms, phone, tid, 1);
  f.ack(25ms, phone, tid, 1);
  CHECK(f.sent().empty());
  CHECK(f.server.counters().duplicate_acks == 2);
  // An ACK of a block not yet sent is ignored too.
  f.ack(26ms, phone, tid, 9);
  CHECK(f.sent().empty());
  // Only the timer retransmits, once per expiry.
  CHECK(f.server.next_timeout() == Time{10ms + 1s});
  f.server.handle_timeout(Time{900ms});  // early: harmless
  CHECK(f.sent().empty());
  f.server.handle_timeout(Time{10ms + 1s});
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(data_of(out[0]).block == 2);
  CHECK(f.server.counters().retransmissions == 1);
  f.ack(1100ms, phone, tid, 2);
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(data_of(out[0]).block == 3);
}

TEST_CASE("Retransmission follows the negotiated timeout and gives up after N retries",
          "[tftp][server]") {
  tftp::ServerConfig config;
  config.max_retransmits = 3;
  Fixture f{config};
  f.rrq(0s, phone, "small.txt", {std::nullopt, 5, std::nullopt, std::nullopt});
  auto out = f.sent();
  REQUIRE(std::holds_alternative<tftp::OptionAck>(out.at(0).packet));
  for (int i = 1; i <= 3; ++i) {
    CHECK(f.server.next_timeout() == Time{i * 5s});
    f.server.handle_timeout(Time{i * 5s} - 1ms);
    CHECK(f.sent().empty());
    f.server.handle_timeout(Time{i * 5s});
    out = f.sent();
    REQUIRE(out.size() == 1);  // the OACK again
    CHECK(std::holds_alternative<tftp::OptionAck>(out[0].packet));
  }
  f.server.handle_timeout(20s);
  CHECK(f.sent().empty());
  const auto events = f.events();
  REQUIRE(events.back().kind == tftp::ServerEventKind::transfer_failed);
  CHECK(events.back().describe().find("no acknowledgement after 3 retransmissions") !=
        std::string::npos);
  CHECK(f.server.active_transfers() == 0);
  CHECK_FALSE(f.server.next_timeout());
}

TEST_CASE("A stranger on a transfer's port gets error 5; the transfer goes on", "[tftp][server]") {
  Fixture f;
  f.rrq(0s, phone, "SEP001122334455.cnf.xml");
  const std::uint16_t tid = f.sent().at(0).datagram.source_port;
  const tftp::Endpoint stranger{{10, 1, 100, 23}, 50002};  // same host, another port
  f.ack(10ms, stranger, tid, 1);
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].datagram.destination == stranger);
  CHECK(out[0].datagram.source_port == tid);
  CHECK(error_of(out[0]).code == tftp::ErrorCode::unknown_tid);
  CHECK(f.server.counters().unknown_tid == 1);
  f.ack(20ms, phone, tid, 1);
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(data_of(out[0]).block == 2);
  // A datagram for a port without a transfer is dropped.
  f.ack(30ms, phone, static_cast<std::uint16_t>(tid == 60000 ? 60001 : 60000), 1);
  CHECK(f.sent().empty());
  CHECK(f.server.counters().stray == 1);
}

TEST_CASE("Requests the server refuses are answered from port 69", "[tftp][server]") {
  Fixture f;
  SECTION("file not found") {
    f.rrq(0s, phone, "CTLSEP001122334455.tlv");
    const auto out = f.sent();
    REQUIRE(out.size() == 1);
    CHECK(out[0].datagram.source_port == 69);
    CHECK(error_of(out[0]).code == tftp::ErrorCode::file_not_found);
    CHECK(error_of(out[0]).message == "File not found");
    const auto events = f.events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == tftp::ServerEventKind::file_not_found);
    CHECK(events[0].describe() ==
          "Request for CTLSEP001122334455.tlv from 10.1.100.23: File not found (sent error 1)");
    CHECK(f.server.active_transfers() == 0);
  }
  SECTION("write request: the server is read-only") {
    tftp::Request wrq;
    wrq.opcode = tftp::Opcode::wrq;
    wrq.filename = "upload.bin";
    f.raw(0s, phone, 69, tftp::encode_packet(tftp::Packet{wrq}).value());
    const auto out = f.sent();
    REQUIRE(out.size() == 1);
    CHECK(error_of(out[0]).code == tftp::ErrorCode::illegal_operation);
    CHECK(f.events().at(0).kind == tftp::ServerEventKind::request_rejected);
  }
  SECTION("mail mode and unknown modes") {
    f.rrq(0s, phone, "small.txt", {}, "mail");
    f.rrq(0s, phone, "small.txt", {}, "binary");
    const auto out = f.sent();
    REQUIRE(out.size() == 2);
    CHECK(error_of(out[0]).code == tftp::ErrorCode::illegal_operation);
    CHECK(error_of(out[1]).message.find("'binary'") != std::string::npos);
  }
  SECTION("an option value out of its range: error 8") {
    f.raw(0s, phone, 69,
          bytes("\0\1"sv
                "small.txt\0"sv
                "octet\0"sv
                "blksize\0"sv
                "65465\0"sv));
    const auto out = f.sent();
    REQUIRE(out.size() == 1);
    CHECK(error_of(out[0]).code == tftp::ErrorCode::option_negotiation);
    CHECK(f.server.counters().malformed == 1);
  }
  SECTION("an unreadable request: error 4") {
    f.raw(0s, phone, 69,
          bytes("\0\1"sv
                "small.txt"sv));
    const auto out = f.sent();
    REQUIRE(out.size() == 1);
    CHECK(error_of(out[0]).code == tftp::ErrorCode::illegal_operation);
  }
  SECTION("garbage that is not a request gets no answer") {
    f.raw(0s, phone, 69, bytes("\x47\x45\x54 / HTTP/1.0\r\n\r\n"sv));
    f.raw(0s, phone, 69, tftp::encode_ack(1));
    f.raw(0s, phone, 69, {});
    CHECK(f.sent().empty());
    CHECK(f.server.counters().malformed == 3);
    for (const auto& e : f.events()) CHECK(e.kind == tftp::ServerEventKind::malformed);
  }
}

TEST_CASE("Path traversal attempts are refused with error 2 before the file source is asked",
          "[tftp][server][path]") {
  Fixture f;
  f.files.add("etc/passwd", "root:x:0:0");  // would be found if the rule let it through
  const std::vector<std::string> attempts = {
      "../etc/passwd",
      "../../../../../../etc/passwd",
      "/etc/passwd",
      "//etc/passwd",
      "English_United_States/../../etc/passwd",
      "..\\..\\windows\\win.ini",
      "C:/Windows/win.ini",
      "c:\\boot.ini",
      "./etc/passwd",
      "etc/./passwd",
      "etc//passwd",
      "...",
      ".. /etc/passwd",
      "SEP001122334455.cnf.xml\n",
      "..",
  };
  std::uint16_t port = 40000;
  for (const auto& name : attempts) {
    f.rrq(0s, {phone.address, port++}, name);
  }
  // And one with a NUL inside the filename: the codec ends the name at the NUL, so the rest is
  // read as the mode ("../etc/passwd") and an option without a value: an unreadable request.
  f.raw(0s, {phone.address, port++}, 69,
        bytes("\0\1"sv
              "x\0"sv
              "../etc/passwd\0"sv
              "octet\0"sv));
  const auto out = f.sent();
  REQUIRE(out.size() == attempts.size() + 1);
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    INFO(attempts[i]);
    CHECK(error_of(out[i]).code == tftp::ErrorCode::access_violation);
    CHECK(error_of(out[i]).message.rfind("Access violation: ", 0) == 0);
  }
  CHECK(error_of(out.back()).code == tftp::ErrorCode::illegal_operation);
  CHECK(f.files.lookups() == 0);
  CHECK(f.server.counters().access_violations == attempts.size());
  const auto events = f.events();
  CHECK(events.at(0).describe() ==
        "Request for ../etc/passwd from 10.1.100.23: access violation, '.' or '..' segment "
        "(sent error 2)");
}

TEST_CASE("Maximum Serving Count: five workers, a bounded queue, then 'server busy'",
          "[tftp][server][capacity]") {
  tftp::ServerConfig config;
  config.max_serving_count = 3;  // CUCM's default is 1500; small here to reach it
  Fixture f{config};
  std::vector<tftp::Endpoint> phones;
  for (std::uint8_t i = 0; i < 10; ++i) {
    phones.push_back({{10, 1, 100, static_cast<std::uint8_t>(20 + i)}, 50000});
    f.rrq(Time{i * 1ms}, phones.back(), "SEP001122334455.cnf.xml");
  }
  auto out = f.sent();
  REQUIRE(out.size() == 7);  // 5 x DATA 1, 2 x ERROR 0
  std::set<std::uint16_t> ports;
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(out[i].datagram.destination == phones[i]);
    CHECK(data_of(out[i]).block == 1);
    ports.insert(out[i].datagram.source_port);
  }
  CHECK(ports.size() == 5);  // a distinct TID per transfer
  CHECK(ports.count(69) == 0);
  for (std::size_t i = 5; i < 7; ++i) {
    CHECK(out[i].datagram.destination == phones[i + 3]);
    CHECK(out[i].datagram.source_port == 69);
    CHECK(error_of(out[i]).code == tftp::ErrorCode::undefined);
    CHECK(error_of(out[i]).message.find("Server busy") == 0);
  }
  CHECK(f.server.active_transfers() == 5);
  CHECK(f.server.queued_requests() == 3);
  auto events = f.events();
  std::size_t queued = 0, refused = 0;
  for (const auto& e : events) {
    if (e.kind == tftp::ServerEventKind::request_queued) ++queued;
    if (e.kind == tftp::ServerEventKind::request_refused) {
      ++refused;
      CHECK(e.describe().find("503") != std::string::npos);
    }
  }
  CHECK(queued == 3);
  CHECK(refused == 2);

  // A queued phone retransmits its RRQ: still one place in the queue.
  f.rrq(10ms, phones[5], "SEP001122334455.cnf.xml");
  CHECK(f.sent().empty());
  CHECK(f.server.queued_requests() == 3);
  CHECK(f.server.counters().duplicate_requests == 1);
  CHECK(f.events().at(0).kind == tftp::ServerEventKind::duplicate_request);

  // The first transfer fails (its phone sends ERROR): its worker takes the first queued request.
  f.raw(20ms, phones[0], out[0].datagram.source_port,
        tftp::encode_error(tftp::ErrorCode::undefined, "abort"));
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].datagram.destination == phones[5]);
  CHECK(data_of(out[0]).block == 1);
  CHECK(f.server.queued_requests() == 2);
  events = f.events();
  CHECK(events.at(0).kind == tftp::ServerEventKind::transfer_failed);
  CHECK(events.at(0).error == tftp::ErrorCode::undefined);
  CHECK(events.at(1).kind == tftp::ServerEventKind::transfer_started);
  CHECK(f.server.counters().refused == 2);
}

TEST_CASE("Queued requests older than max_queue_wait are dropped", "[tftp][server][capacity]") {
  tftp::ServerConfig config;
  config.workers = 1;
  config.max_queue_wait = 5s;
  Fixture f{config};
  const tftp::Endpoint other{{10, 1, 100, 24}, 50000};
  f.rrq(0s, phone, "small.txt");
  f.rrq(0s, other, "small.txt");
  const auto tid = f.sent().at(0).datagram.source_port;
  CHECK(f.server.queued_requests() == 1);
  f.ack(6s, phone, tid, 1);  // the first completes after the second waited 6 s
  CHECK(f.sent().empty());
  const auto events = f.events();
  CHECK(events.back().kind == tftp::ServerEventKind::request_expired);
  CHECK(f.server.queued_requests() == 0);
}

TEST_CASE("A retransmitted RRQ during a transfer is ignored; another file replaces it",
          "[tftp][server]") {
  Fixture f;
  f.rrq(0s, phone, "SEP001122334455.cnf.xml");
  const auto tid = f.sent().at(0).datagram.source_port;
  f.rrq(5ms, phone, "SEP001122334455.cnf.xml");
  CHECK(f.sent().empty());
  CHECK(f.server.counters().duplicate_requests == 1);
  f.rrq(6ms, phone, "small.txt");
  const auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].datagram.source_port != tid);
  CHECK(f.server.active_transfers() == 1);
  CHECK(f.server.counters().transfers_failed == 1);
}

TEST_CASE("An ACK inside a window restarts the window after it (RFC 7440)", "[tftp][server]") {
  Fixture f;
  f.rrq(0s, phone, "SEP001122334455.cnf.xml", {std::nullopt, std::nullopt, std::nullopt, 8});
  const auto tid = f.sent().at(0).datagram.source_port;
  f.ack(1ms, phone, tid, 0);
  CHECK(f.sent().size() == 8);
  f.ack(2ms, phone, tid, 3);  // block 4 lost: the client acknowledges 3
  auto out = f.sent();
  REQUIRE(out.size() == 8);
  CHECK(data_of(out.front()).block == 4);
  CHECK(data_of(out.back()).block == 11);
  CHECK(f.server.counters().retransmissions == 5);  // 4..8 again
  f.ack(3ms, phone, tid, 3);                        // the same ACK again: ignored
  CHECK(f.sent().empty());
}

TEST_CASE("netascii transfers convert line ends", "[tftp][server]") {
  Fixture f;
  f.files.add("dial.txt", "a\nb\rc");
  f.rrq(0s, phone, "dial.txt", {std::nullopt, std::nullopt, 0, std::nullopt}, "netascii");
  const auto out = f.sent();
  CHECK(std::get<tftp::OptionAck>(out.at(0).packet).options.tsize == 7);
  f.ack(1ms, phone, out[0].datagram.source_port, 0);
  const auto data = f.sent();
  const auto payload = data_of(data.at(0)).payload;
  CHECK(std::string(payload.begin(), payload.end()) == std::string("a\r\nb\r\0c", 7));
}

TEST_CASE("Block numbers wrap from 65535 to 0 on a file of more than 65535 blocks",
          "[tftp][server]") {
  Fixture f;
  const auto file = pattern_file(65536 * 8 + 3);
  f.files.add("big.bin", file);
  f.rrq(0s, phone, "big.bin", {8, std::nullopt, std::nullopt, std::nullopt});
  const auto tid = f.sent().at(0).datagram.source_port;
  std::vector<std::uint8_t> received;
  std::uint16_t block = 0;
  for (std::uint32_t i = 0; i < 65537; ++i) {
    f.ack(Time{i * 1us}, phone, tid, block);
    auto out = f.sent();
    REQUIRE(out.size() == 1);
    const auto& d = data_of(out[0]);
    REQUIRE(d.block == static_cast<std::uint16_t>(block + 1));
    received.insert(received.end(), d.payload.begin(), d.payload.end());
    block = d.block;
  }
  CHECK(block == 1);  // 65537 blocks: ..., 65535, 0, 1
  CHECK(received == file);
  f.ack(1s, phone, tid, block);
  CHECK(f.events().back().kind == tftp::ServerEventKind::transfer_completed);
}

TEST_CASE("Configurations that cannot work are refused at construction", "[tftp][server]") {
  tftp::MemoryFileSource files;
  Random random{1};
  tftp::ServerConfig no_workers;
  no_workers.workers = 0;
  CHECK_THROWS_AS(tftp::Server(no_workers, files, random), std::invalid_argument);
  tftp::ServerConfig tiny_range;
  tiny_range.first_transfer_port = 5000;
  tiny_range.last_transfer_port = 5003;
  CHECK_THROWS_AS(tftp::Server(tiny_range, files, random), std::invalid_argument);
  tiny_range.last_transfer_port = 5004;
  CHECK_NOTHROW(tftp::Server(tiny_range, files, random));
}

}  // namespace
}  // namespace voicelab::test
