// Fuzz target: the input as a DHCP UDP payload, through the codec and then through every engine
// that reads such payloads (server, relay agent, phone client), also with xid and chaddr patched
// so that the client looks at it. Invariants: no crash or out-of-bounds read (ASan/UBSan), no
// exception, what decodes re-encodes stably, and whatever the server or relay sends decodes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "voicelab/dhcp/client.hpp"
#include "voicelab/dhcp/message.hpp"
#include "voicelab/dhcp/relay.hpp"
#include "voicelab/dhcp/server.hpp"

#define DHCP_FUZZ_CHECK(condition)                                                           \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace {

using namespace voicelab;
using namespace std::chrono_literals;

const wire::Ipv4Address voice_gateway{10, 1, 100, 1};
const wire::Ipv4Address server_address{10, 0, 0, 10};
const wire::MacAddress phone_mac = wire::MacAddress::from_u64(0x001b54aabbccULL);

void check_codec(wire::Bytes input) {
  auto message = dhcp::decode_message(input);
  if (!message) return;
  // Every typed getter copes with whatever was decoded.
  const auto& o = message->options;
  (void)o.message_type(), (void)o.subnet_mask(), (void)o.time_offset(), (void)o.routers();
  (void)o.dns_servers(), (void)o.host_name(), (void)o.domain_name(), (void)o.ntp_servers();
  (void)o.vendor_specific(), (void)o.requested_address(), (void)o.lease_time();
  (void)o.server_id(), (void)o.parameter_request_list(), (void)o.message();
  (void)o.renewal_time(), (void)o.rebinding_time(), (void)o.vendor_class(), (void)o.client_id();
  (void)o.tftp_server_name(), (void)o.relay_agent_info(), (void)o.tftp_server_addresses();
  const auto once = dhcp::encode_message(*message);
  DHCP_FUZZ_CHECK(once.ok());
  const auto again = dhcp::decode_message(*once);
  DHCP_FUZZ_CHECK(again.ok());
  const auto twice = dhcp::encode_message(*again);
  DHCP_FUZZ_CHECK(twice.ok() && *twice == *once);
}

void check_server(wire::Bytes input) {
  dhcp::Pool pool;
  pool.name = "voice";
  pool.subnet = {wire::Ipv4Address{10, 1, 100, 0}, 24};
  pool.range = {wire::Ipv4Address{10, 1, 100, 10}, wire::Ipv4Address{10, 1, 100, 12}};
  pool.options.set_tftp_server_addresses({server_address});
  pool.options.set_tftp_server_name("cucm1.voice.lab");
  dhcp::ServerConfig config;
  config.interfaces = {{0, {voice_gateway, 24}}, {1, {server_address, 24}}};
  config.pools = {pool};
  dhcp::Server server(config);
  server.start(0s);
  const wire::Ipv4Address any{};
  const auto broadcast = wire::Ipv4Address::broadcast();
  server.handle_datagram(1s, {{any, 68}, {broadcast, 67}, 0, input});
  server.handle_datagram(2s, {{voice_gateway, 67}, {server_address, 67}, 1, input});
  while (auto out = server.poll_transmit()) {
    DHCP_FUZZ_CHECK(dhcp::decode_message(out->payload).ok());  // the server only sends valid DHCP
  }
  while (server.poll_event()) {
  }
  server.handle_timeout(48h);
  DHCP_FUZZ_CHECK(!server.next_timeout());
}

void check_relay(wire::Bytes input) {
  dhcp::RelayConfig config;
  config.interfaces = {{0, {wire::Ipv4Address{10, 0, 0, 1}, 24}, {}},
                       {1, {voice_gateway, 24}, {server_address}}};
  dhcp::RelayAgent relay(config);
  relay.handle_datagram(
      0s, {{wire::Ipv4Address{}, 68}, {wire::Ipv4Address::broadcast(), 67}, 1, input});
  relay.handle_datagram(0s, {{server_address, 67}, {voice_gateway, 67}, 0, input});
  while (auto out = relay.poll_transmit()) {
    DHCP_FUZZ_CHECK(out->payload.size() == input.size());  // relayed, never rebuilt
  }
  while (relay.poll_event()) {
  }
}

void check_client(wire::Bytes input) {
  Random random(1);
  dhcp::ClientConfig config;
  config.mac = phone_mac;
  dhcp::Client client(config, random);
  client.start(0s);
  const dhcp::Datagram plain{{voice_gateway, 67}, {wire::Ipv4Address::broadcast(), 68}, 0, input};
  client.handle_datagram(1s, plain);
  // The same bytes made to look like an answer to this client, in two states.
  std::vector<std::uint8_t> patched(input.begin(), input.end());
  if (patched.size() >= dhcp::min_message_size) {
    patched[0] = 2;
    patched[2] = 6;
    wire::store_be32(patched.data() + 4, client.xid());
    std::copy(phone_mac.octets().begin(), phone_mac.octets().end(), patched.begin() + 28);
  }
  dhcp::Datagram answer = plain;
  answer.payload = patched;
  for (int round = 0; round < 3; ++round) {
    client.handle_datagram(Time{std::chrono::seconds(2 + round)}, answer);
    if (patched.size() >= dhcp::min_message_size)
      wire::store_be32(patched.data() + 4, client.xid());
  }
  while (client.poll_transmit()) {
  }
  while (client.poll_event()) {
  }
  // Time runs on without trouble whatever state the input left the client in.
  for (int step = 0; step < 50; ++step) {
    auto next = client.next_timeout();
    if (!next) break;
    client.handle_timeout(*next);
    while (client.poll_transmit()) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::Bytes input{data, size};
  check_codec(input);
  check_server(input);
  check_relay(input);
  check_client(input);
  return 0;
}
