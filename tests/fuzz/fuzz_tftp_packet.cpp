// Fuzz target: the input as a TFTP UDP payload, through the codec, then through the server
// (on its request port, and on a transfer's port from the client and from a stranger) and the
// phone's client (as the server's first answer, and in the middle of a download). Invariants: no
// crash or out-of-bounds read (ASan/UBSan), no exception, what decodes re-encodes to the same
// packet, everything the engines send decodes, and every timer chain ends.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "voicelab/tftp/client.hpp"
#include "voicelab/tftp/packet.hpp"
#include "voicelab/tftp/server.hpp"

#define TFTP_FUZZ_CHECK(condition)                                                           \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace {

using namespace voicelab;
using namespace std::chrono_literals;

const wire::Ipv4Address server_ip{10, 1, 1, 11};
const tftp::Endpoint phone{{10, 1, 100, 23}, 50000};

void check_codec(wire::Bytes input) {
  const auto packet = tftp::decode_packet(input);
  if (!packet) return;
  (void)tftp::packet_name(*packet);
  const auto once = tftp::encode_packet(*packet);
  TFTP_FUZZ_CHECK(once.ok());
  const auto again = tftp::decode_packet(*once);
  TFTP_FUZZ_CHECK(again.ok() && *again == *packet);
}

template <class Engine>
void drain(Engine& engine) {
  while (auto out = engine.poll_transmit()) {
    TFTP_FUZZ_CHECK(tftp::decode_packet(out->payload).ok());
  }
  while (auto e = engine.poll_event()) (void)e->describe();
}

// Runs every timer to its end; the engines must run out of timers.
template <class Engine>
void expire(Engine& engine) {
  for (int i = 0; i < 1000; ++i) {
    const auto next = engine.next_timeout();
    if (!next) return;
    engine.handle_timeout(*next);
    drain(engine);
  }
  const bool timers_ended = false;
  TFTP_FUZZ_CHECK(timers_ended);
}

void check_server(wire::Bytes input) {
  tftp::MemoryFileSource files;
  files.add("SEP001122334455.cnf.xml", std::vector<std::uint8_t>(3000, 0x41));
  Random random{7};
  tftp::ServerConfig config;
  config.workers = 1;
  config.max_serving_count = 1;
  tftp::Server server(config, files, random);
  server.handle_datagram(0s, {phone, {server_ip, 69}, 0, input});
  drain(server);
  // A transfer with options, then the input on its port from the client and from a stranger.
  tftp::Request request;
  request.filename = "SEP001122334455.cnf.xml";
  request.options = {1024, 1, 0, 2};
  const tftp::Endpoint other{{10, 1, 100, 24}, 50001};
  server.handle_datagram(
      1ms, {other, {server_ip, 69}, 0, tftp::encode_packet(tftp::Packet{request}).value()});
  std::uint16_t tid = 0;
  while (auto out = server.poll_transmit()) {
    TFTP_FUZZ_CHECK(tftp::decode_packet(out->payload).ok());
    if (out->destination == other) tid = out->source_port;
  }
  if (tid != 0) {
    server.handle_datagram(2ms, {other, {server_ip, tid}, 0, tftp::encode_ack(0)});
    server.handle_datagram(3ms, {other, {server_ip, tid}, 0, input});
    server.handle_datagram(4ms, {phone, {server_ip, tid}, 0, input});
  }
  drain(server);
  expire(server);
  TFTP_FUZZ_CHECK(server.active_transfers() == 0);
}

void check_client(wire::Bytes input) {
  Random random{8};
  tftp::ClientConfig config;
  config.blksize = 1024;
  config.windowsize = 2;
  config.max_retransmits = 2;
  // As the first answer to the RRQ.
  {
    tftp::Client client(config, random);
    client.start(0s, {server_ip, 69}, "SEP001122334455.cnf.xml");
    const auto rrq = client.poll_transmit();
    TFTP_FUZZ_CHECK(rrq.has_value());
    client.handle_datagram(1ms, {{server_ip, 51000}, {phone.address, rrq->source_port}, 0, input});
    drain(client);
    expire(client);
    TFTP_FUZZ_CHECK(!client.busy());
    TFTP_FUZZ_CHECK(client.take_result().has_value());
  }
  // In the middle of a download.
  {
    tftp::Client client(config, random);
    client.start(0s, {server_ip, 69}, "SEP001122334455.cnf.xml");
    const auto rrq = client.poll_transmit();
    const tftp::Endpoint to{phone.address, rrq->source_port};
    const tftp::Endpoint tid{server_ip, 51000};
    client.handle_datagram(1ms, {tid, to, 0, tftp::encode_data(1, std::vector<std::uint8_t>(512))});
    client.handle_datagram(2ms, {tid, to, 0, input});
    drain(client);
    expire(client);
    TFTP_FUZZ_CHECK(!client.busy());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::Bytes input{data, size};
  check_codec(input);
  check_server(input);
  check_client(input);
  return 0;
}
