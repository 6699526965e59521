// The phone's TFTP client driven by hand with explicit time: its RRQ, how it checks an OACK,
// acknowledges blocks, times out, and what its result says.

#include "voicelab/tftp/client.hpp"

#include <stdexcept>
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

const tftp::Endpoint server{{10, 1, 1, 11}, 69};
const tftp::Endpoint server_tid{{10, 1, 1, 11}, 51000};
const wire::Ipv4Address phone_ip{10, 1, 100, 23};

class Fixture {
 public:
  explicit Fixture(tftp::ClientConfig config = {}) : client(config, random) {}

  tftp::Packet next_packet(tftp::OutgoingDatagram* datagram = nullptr) {
    auto out = client.poll_transmit();
    REQUIRE(out.has_value());
    if (datagram != nullptr) *datagram = *out;
    auto packet = tftp::decode_packet(out->payload);
    REQUIRE(packet.ok());
    return *packet;
  }
  void from(Time now, const tftp::Endpoint& source, const std::vector<std::uint8_t>& payload) {
    client.handle_datagram(now, {source, {phone_ip, local_port}, 0, payload});
  }
  void oack(Time now, const tftp::TransferOptions& options) {
    from(now, server_tid, tftp::encode_packet(tftp::Packet{tftp::OptionAck{options, {}}}).value());
  }
  void data(Time now, std::uint16_t block, std::size_t size) {
    from(now, server_tid,
         tftp::encode_data(block, pattern_file(size, static_cast<std::uint8_t>(block))));
  }
  // Starts a download and returns its RRQ.
  tftp::Request start(std::string filename = "SEP001122334455.cnf.xml") {
    client.start(0s, server, std::move(filename));
    tftp::OutgoingDatagram d;
    auto packet = next_packet(&d);
    local_port = d.source_port;
    CHECK(d.destination == server);
    return std::get<tftp::Request>(packet);
  }

  Random random{99};
  tftp::Client client;
  std::uint16_t local_port = 0;
};

TEST_CASE("The RRQ carries the phone model's options", "[tftp][client]") {
  tftp::ClientConfig config;
  config.blksize = 1428;
  config.timeout = 2;
  config.windowsize = 4;
  Fixture f{config};
  const auto rrq = f.start();
  CHECK(rrq.opcode == tftp::Opcode::rrq);
  CHECK(rrq.filename == "SEP001122334455.cnf.xml");
  CHECK(rrq.mode == "octet");
  CHECK(rrq.options == tftp::TransferOptions{1428, 2, 0, 4});
  CHECK(f.local_port >= 49152);
  CHECK(f.client.next_timeout() == Time{3s});  // no timeout negotiated yet
  CHECK(f.client.busy());
  CHECK_THROWS_AS(f.client.start(0s, server, "other"), std::logic_error);

  f.oack(10ms, {1428, 2, 3000, 4});
  tftp::OutgoingDatagram d;
  const auto ack = f.next_packet(&d);
  CHECK(std::get<tftp::Ack>(ack).block == 0);
  CHECK(d.destination == server_tid);  // the server's TID
  CHECK(d.source_port == f.local_port);
  CHECK(f.client.next_timeout() == Time{10ms + 2s});  // the negotiated timeout
  // Window of 4: the ACK comes after the 4th block.
  f.data(20ms, 1, 1428);
  f.data(21ms, 2, 1428);
  f.data(22ms, 3, 1428);
  CHECK_FALSE(f.client.poll_transmit());
  f.data(23ms, 4, 1428);
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 4);
  f.data(30ms, 5, 4);  // short: the last block
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 5);
  auto result = f.client.take_result();
  REQUIRE(result);
  CHECK(result->ok());
  CHECK(result->bytes.size() == 4 * 1428 + 4);
  CHECK(result->blocks == 5);
  CHECK(result->tsize == 3000);
  CHECK(result->describe() == "SEP001122334455.cnf.xml from 10.1.1.11: 5716 bytes in 5 blocks");
  CHECK_FALSE(f.client.busy());
}

TEST_CASE("A server that ignores the options gets RFC 1350 defaults", "[tftp][client]") {
  tftp::ClientConfig config;
  config.blksize = 1428;
  Fixture f{config};
  f.start();
  f.data(10ms, 1, 512);
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 1);
  f.data(20ms, 2, 100);
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 2);
  const auto result = f.client.take_result();
  REQUIRE(result);
  CHECK(result->ok());
  CHECK(result->blksize == 512);
  CHECK(result->bytes.size() == 612);
}

TEST_CASE("An OACK the client cannot accept is refused with error 8", "[tftp][client]") {
  const auto refused = [](tftp::ClientConfig config, const tftp::Packet& oack) {
    Fixture f{config};
    f.start();
    f.from(1ms, server_tid, tftp::encode_packet(oack).value());
    tftp::OutgoingDatagram d;
    const auto reply = f.next_packet(&d);
    CHECK(d.destination == server_tid);
    const auto result = f.client.take_result();
    REQUIRE(result);
    return std::pair{std::get<tftp::Error>(reply), *result};
  };
  tftp::ClientConfig config;
  config.blksize = 1024;
  config.timeout = 2;
  config.tsize = false;
  for (const auto& oack : std::vector<tftp::OptionAck>{
           {{1428, std::nullopt, std::nullopt, std::nullopt}, {}},  // larger blksize
           {{std::nullopt, 3, std::nullopt, std::nullopt}, {}},     // another timeout
           {{std::nullopt, std::nullopt, 10, std::nullopt}, {}},    // unrequested tsize
           {{std::nullopt, std::nullopt, std::nullopt, 2}, {}},     // unrequested windowsize
           {{}, {{"multicast", ""}}},                               // unknown option
       }) {
    const auto [error, result] = refused(config, tftp::Packet{oack});
    CHECK(error.code == tftp::ErrorCode::option_negotiation);
    CHECK(result.outcome == tftp::DownloadOutcome::protocol_error);
    CHECK(result.error == tftp::ErrorCode::option_negotiation);
  }
  // A file announced larger than the phone accepts: error 3 (RFC 2349).
  config.tsize = true;
  config.max_file_size = 1000;
  const auto [error, result] =
      refused(config, tftp::Packet{tftp::OptionAck{{1024, 2, 5000, std::nullopt}, {}}});
  CHECK(error.code == tftp::ErrorCode::disk_full);
  CHECK(result.outcome == tftp::DownloadOutcome::too_large);
}

TEST_CASE("The server's ERROR ends the download with its message", "[tftp][client]") {
  Fixture f;
  f.start("CTLSEP001122334455.tlv");
  f.from(5ms, {server.address, 69},
         tftp::encode_error(tftp::ErrorCode::file_not_found, "File not found"));
  CHECK_FALSE(f.client.poll_transmit());
  const auto result = f.client.take_result();
  REQUIRE(result);
  CHECK(result->outcome == tftp::DownloadOutcome::file_not_found);
  CHECK(result->answered);
  CHECK(result->message == "File not found");
  CHECK(result->describe() == "CTLSEP001122334455.tlv from 10.1.1.11: File not found (error 1)");
  CHECK_FALSE(f.client.next_timeout());
}

TEST_CASE("Unanswered RRQs are retransmitted, then the download times out", "[tftp][client]") {
  tftp::ClientConfig config;
  config.max_retransmits = 2;
  Fixture f{config};
  f.start();
  f.client.handle_timeout(2s);  // early
  CHECK_FALSE(f.client.poll_transmit());
  f.client.handle_timeout(3s);
  CHECK(std::holds_alternative<tftp::Request>(f.next_packet()));
  f.client.handle_timeout(6s);
  CHECK(std::holds_alternative<tftp::Request>(f.next_packet()));
  f.client.handle_timeout(9s);
  CHECK_FALSE(f.client.poll_transmit());
  const auto result = f.client.take_result();
  REQUIRE(result);
  CHECK(result->outcome == tftp::DownloadOutcome::timed_out);
  CHECK_FALSE(result->answered);
  CHECK(result->retransmissions == 2);
  CHECK(result->describe() ==
        "SEP001122334455.cnf.xml from 10.1.1.11: no answer after 2 retransmissions");
}

TEST_CASE("Duplicates are re-ACKed, strangers get error 5, silence resends the last ACK",
          "[tftp][client]") {
  Fixture f;
  f.start();
  f.data(10ms, 1, 512);
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 1);
  f.data(20ms, 1, 512);  // our ACK was lost: the server sent block 1 again
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 1);
  CHECK(f.client.counters().duplicate_blocks == 1);

  const tftp::Endpoint stranger{{10, 1, 1, 11}, 51001};
  f.from(25ms, stranger, tftp::encode_data(2, pattern_file(512)));
  tftp::OutgoingDatagram d;
  CHECK(std::get<tftp::Error>(f.next_packet(&d)).code == tftp::ErrorCode::unknown_tid);
  CHECK(d.destination == stranger);

  f.client.handle_timeout(Time{10ms + 3s});
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 1);
  f.data(3100ms, 2, 7);
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 2);
  const auto result = f.client.take_result();
  REQUIRE(result);
  CHECK(result->ok());
  CHECK(result->bytes.size() == 519);
  CHECK(result->retransmissions == 1);

  // Dallying: the last DATA again is answered with the final ACK again.
  f.data(3200ms, 2, 7);
  CHECK(std::get<tftp::Ack>(f.next_packet()).block == 2);
  CHECK(f.client.counters().dally_acks == 1);
  f.client.handle_timeout(20s);
  f.data(20s, 2, 7);
  CHECK_FALSE(f.client.poll_transmit());
  CHECK(f.client.counters().stray == 1);
}

TEST_CASE("A DATA block larger than blksize is a protocol error", "[tftp][client]") {
  Fixture f;
  f.start();
  f.data(1ms, 1, 600);
  CHECK(std::get<tftp::Error>(f.next_packet()).code == tftp::ErrorCode::illegal_operation);
  CHECK(f.client.take_result()->outcome == tftp::DownloadOutcome::protocol_error);
}

TEST_CASE("Client configuration and arguments are checked", "[tftp][client]") {
  Random random{1};
  tftp::ClientConfig config;
  config.first_local_port = 2000;
  config.last_local_port = 1999;
  CHECK_THROWS_AS(tftp::Client(config, random), std::invalid_argument);
  tftp::Client client({}, random);
  CHECK_THROWS_AS(client.start(0s, server, ""), std::invalid_argument);
  tftp::FailoverClient failover({}, random);
  CHECK_THROWS_AS(failover.start(0s, {}, "x"), std::invalid_argument);
}

}  // namespace
}  // namespace voicelab::test
