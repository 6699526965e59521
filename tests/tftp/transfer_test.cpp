// Client and server engines talking through the in-memory network (tftp_test_util.hpp) with a
// latency and seeded loss, in virtual time: whole downloads, loss, the lost final ACK, server
// failover, refusals, and a boot storm against the Maximum Serving Count.

#include <algorithm>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "tftp_test_util.hpp"
#include "voicelab/tftp/client.hpp"
#include "voicelab/tftp/packet.hpp"
#include "voicelab/tftp/server.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;

const wire::Ipv4Address tftp1{10, 1, 1, 11};
const wire::Ipv4Address tftp2{10, 1, 1, 12};
const wire::Ipv4Address phone_ip{10, 1, 100, 23};
const std::string config_file = "SEP001122334455.cnf.xml";

struct Lab {
  explicit Lab(std::uint64_t seed, double loss = 0.0, tftp::ServerConfig server_config = {},
               tftp::ClientConfig client_config = {})
      : random(seed),
        network(seed + 1, 2ms, loss),
        server(server_config, files, random),
        client(client_config, random) {
    files.add(config_file, pattern_file(10 * 1024));
    network.attach(tftp1, server);
    network.attach(phone_ip, client);
  }

  tftp::DownloadResult download(const std::string& filename, Time limit = 600s) {
    client.start(network.now(), {{tftp1, 69}, {tftp2, 69}}, filename);
    REQUIRE(network.run(network.now() + limit));
    auto result = client.take_result();
    REQUIRE(result.has_value());
    return std::move(*result);
  }

  std::vector<tftp::ServerEvent> server_events() {
    std::vector<tftp::ServerEvent> out;
    while (auto e = server.poll_event()) out.push_back(std::move(*e));
    return out;
  }
  std::vector<tftp::ClientEvent> client_events() {
    std::vector<tftp::ClientEvent> out;
    while (auto e = client.poll_event()) out.push_back(std::move(*e));
    return out;
  }

  // DATA packets the server sent, by block number.
  std::size_t data_sent(std::uint16_t block) const {
    std::size_t n = 0;
    for (const auto& d : network.sent()) {
      if (d.from.address != tftp1) continue;
      auto p = tftp::decode_packet(d.payload);
      if (p && std::holds_alternative<tftp::Data>(*p) && std::get<tftp::Data>(*p).block == block) {
        ++n;
      }
    }
    return n;
  }

  tftp::MemoryFileSource files;
  Random random;
  Network network;
  tftp::Server server;
  tftp::FailoverClient client;
};

TEST_CASE("A 10 KB file with default 512-byte blocks", "[tftp][transfer]") {
  Lab lab{1};
  const auto result = lab.download(config_file);
  REQUIRE(result.ok());
  CHECK(result.bytes == pattern_file(10 * 1024));
  CHECK(result.blksize == 512);
  CHECK(result.blocks == 21);    // 20 full blocks and the empty one that ends the transfer
  CHECK(result.tsize == 10240);  // the client asks tsize by default
  CHECK(result.retransmissions == 0);
  CHECK(lab.server.counters().retransmissions == 0);
  CHECK(lab.server.counters().transfers_completed == 1);
  // OACK + 21 DATA from the server; RRQ + ACK 0 + 21 ACKs from the phone.
  CHECK(lab.network.sent().size() == 22 + 23);
  const auto events = lab.server_events();
  CHECK(events.back().describe() ==
        "Request for SEP001122334455.cnf.xml from 10.1.100.23: sent 10240 bytes in 21 blocks");
}

TEST_CASE("A 10 KB file with blksize 1428", "[tftp][transfer]") {
  tftp::ClientConfig phone;
  phone.blksize = 1428;
  phone.timeout = 2;
  Lab lab{2, 0.0, {}, phone};
  const auto result = lab.download(config_file);
  REQUIRE(result.ok());
  CHECK(result.bytes == pattern_file(10 * 1024));
  CHECK(result.blksize == 1428);
  CHECK(result.blocks == 8);
  CHECK(lab.network.sent().size() == 9 + 10);
  // 2 ms each way, lock-step: RRQ -> OACK is one round trip, then each of the 8 blocks is one
  // (ACK n-1 -> DATA n); the phone has the file when the last DATA arrives.
  CHECK(result.finished - result.started == 4ms + 8 * 4ms);
}

TEST_CASE("30% loss in both directions still delivers the file byte for byte",
          "[tftp][transfer][loss]") {
  tftp::ServerConfig server;
  server.max_retransmits = 20;
  tftp::ClientConfig phone;
  phone.max_retransmits = 20;
  phone.timeout = 1;
  SECTION("512-byte blocks") {}
  SECTION("blksize 1428") { phone.blksize = 1428; }
  SECTION("blksize 1024 and a window of 4") {
    phone.blksize = 1024;
    phone.windowsize = 4;
  }
  for (const std::uint64_t seed : {11ULL, 12ULL, 13ULL}) {
    INFO("seed " << seed);
    Lab lab{seed, 0.30, server, phone};
    const auto result = lab.download(config_file);
    INFO(result.describe());
    REQUIRE(result.ok());
    CHECK(result.bytes == pattern_file(10 * 1024));
    CHECK(lab.network.lost() > 0);
    CHECK(lab.server.counters().retransmissions > 0);
    CHECK(lab.server.active_transfers() == 0);
  }
}

TEST_CASE("A lost final ACK: the server resends the last DATA, the phone ACKs it again",
          "[tftp][transfer]") {
  Lab lab{3};
  bool dropped = false;
  lab.network.drop = [&](const WireDatagram& d) {
    auto p = tftp::decode_packet(d.payload);
    if (!dropped && p && std::holds_alternative<tftp::Ack>(*p) &&
        std::get<tftp::Ack>(*p).block == 21) {
      dropped = true;
      return true;
    }
    return false;
  };
  const auto result = lab.download(config_file);
  REQUIRE(result.ok());
  CHECK(dropped);
  CHECK(result.bytes == pattern_file(10 * 1024));
  CHECK(lab.data_sent(21) == 2);  // once, then once on the server's timeout
  CHECK(lab.data_sent(20) == 1);
  CHECK(lab.server.counters().retransmissions == 1);
  CHECK(lab.server.counters().transfers_completed == 1);
  CHECK(lab.client.counters().dally_acks == 1);
  CHECK(lab.server.active_transfers() == 0);
}

TEST_CASE("TFTP server 1 silent: the phone fails over to server 2", "[tftp][transfer][failover]") {
  // Only tftp2 answers: the lab's server is moved there; datagrams to tftp1 are lost.
  tftp::MemoryFileSource files;
  files.add(config_file, pattern_file(10 * 1024));
  Random random{4};
  Network network{5, 2ms};
  tftp::Server server2({}, files, random);
  tftp::ClientConfig phone;
  phone.max_retransmits = 2;
  tftp::FailoverClient client(phone, random);
  network.attach(tftp2, server2);
  network.attach(phone_ip, client);

  client.start(0s, {{tftp1, 69}, {tftp2, 69}}, config_file);
  REQUIRE(network.run(120s));
  const auto result = client.take_result();
  REQUIRE(result);
  REQUIRE(result->ok());
  CHECK(result->server.address == tftp2);
  CHECK(result->servers_tried == std::vector<tftp::Endpoint>{{tftp1, 69}, {tftp2, 69}});
  CHECK(result->bytes == pattern_file(10 * 1024));
  CHECK(network.undeliverable() == 3);  // the RRQ and its two retransmissions
  // 3 RRQs x 3 s, then the failover.
  std::vector<std::string> lines;
  while (auto e = client.poll_event()) lines.push_back(e->describe());
  CHECK(std::find(lines.begin(), lines.end(),
                  "TFTP server 10.1.1.11 did not answer for SEP001122334455.cnf.xml; trying "
                  "10.1.1.12") != lines.end());
  CHECK(result->started == 9s);
}

TEST_CASE("File not found is an answer: no failover", "[tftp][transfer][failover]") {
  tftp::MemoryFileSource files2;
  Random random2{6};
  tftp::Server server2({}, files2, random2);
  Lab lab{7};
  lab.network.attach(tftp2, server2);
  const auto result = lab.download("CTLSEP001122334455.tlv");
  CHECK(result.outcome == tftp::DownloadOutcome::file_not_found);
  CHECK(result.error == tftp::ErrorCode::file_not_found);
  CHECK(result.message == "File not found");
  CHECK(result.servers_tried.size() == 1);
  CHECK(server2.counters().requests == 0);
  const auto events = lab.server_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == tftp::ServerEventKind::file_not_found);
}

TEST_CASE("Traversal attempts through the client end in access violations", "[tftp][transfer]") {
  Lab lab{8};
  for (const std::string name :
       {"../etc/passwd", "/etc/passwd", "..\\boot.ini", "C:/x", "a/../../b"}) {
    INFO(name);
    const auto result = lab.download(name);
    CHECK(result.outcome == tftp::DownloadOutcome::access_violation);
    CHECK(result.servers_tried.size() == 1);
  }
  CHECK(lab.files.lookups() == 0);
}

TEST_CASE("A boot storm meets the Maximum Serving Count", "[tftp][transfer][capacity]") {
  tftp::MemoryFileSource files;
  files.add(config_file, pattern_file(10 * 1024));
  Random random{9};
  Network network{10, 2ms};
  tftp::ServerConfig config;
  config.max_serving_count = 3;
  tftp::Server server(config, files, random);
  network.attach(tftp1, server);
  std::vector<std::unique_ptr<tftp::Client>> phones;
  for (std::uint8_t i = 0; i < 10; ++i) {
    phones.push_back(std::make_unique<tftp::Client>(tftp::ClientConfig{}, random));
    network.attach(wire::Ipv4Address{10, 1, 100, static_cast<std::uint8_t>(20 + i)},
                   *phones.back());
  }
  for (std::size_t i = 0; i < phones.size(); ++i) {
    phones[i]->start(Time{i * 100us}, {tftp1, 69}, config_file);
  }
  REQUIRE(network.run(300s));
  std::size_t ok = 0, busy = 0;
  for (auto& phone : phones) {
    const auto result = phone->take_result();
    REQUIRE(result);
    if (result->ok()) {
      ++ok;
      CHECK(result->bytes == pattern_file(10 * 1024));
    } else {
      CHECK(result->outcome == tftp::DownloadOutcome::server_error);
      CHECK(result->error == tftp::ErrorCode::undefined);
      CHECK(result->message.find("Server busy") == 0);
      ++busy;
    }
  }
  CHECK(ok == 8);  // 5 served at once, 3 from the queue
  CHECK(busy == 2);
  CHECK(server.counters().queued == 3);
  CHECK(server.counters().refused == 2);
  CHECK(server.counters().transfers_completed == 8);
}

TEST_CASE("Runs are reproducible from the seed", "[tftp][transfer]") {
  const auto trace = [](std::uint64_t seed) {
    tftp::ClientConfig phone;
    phone.max_retransmits = 20;
    tftp::ServerConfig server;
    server.max_retransmits = 20;
    Lab lab{seed, 0.2, server, phone};
    (void)lab.download(config_file);
    std::vector<std::pair<Time, std::uint16_t>> out;
    for (const auto& d : lab.network.sent()) out.emplace_back(d.sent, d.from.port);
    return out;
  };
  CHECK(trace(21) == trace(21));
  CHECK(trace(21) != trace(22));
}

}  // namespace
}  // namespace voicelab::test
