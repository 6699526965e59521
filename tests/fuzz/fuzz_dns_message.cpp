// Fuzz target: the input as a DNS UDP payload, through the codec, the lab's responder and the
// phone's resolver (with the id patched to match its lookup). Invariants: no crash or
// out-of-bounds read (ASan/UBSan), no exception, what decodes re-encodes to the same message, and
// whatever the responder sends decodes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "voicelab/dns/message.hpp"
#include "voicelab/dns/resolver.hpp"
#include "voicelab/dns/responder.hpp"

#define DNS_FUZZ_CHECK(condition)                                                            \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace {

using namespace voicelab;
using namespace std::chrono_literals;

const wire::Ipv4Address dns_server{10, 0, 0, 53};
const wire::Ipv4Address phone{10, 1, 100, 10};

void check_codec(wire::Bytes input) {
  auto message = dns::decode_message(input);
  if (!message) return;
  for (const auto& record : message->answers) (void)record.address();
  const auto once = dns::encode_message(*message);
  DNS_FUZZ_CHECK(once.ok());
  const auto again = dns::decode_message(*once);
  DNS_FUZZ_CHECK(again.ok() && *again == *message);
}

void check_responder(wire::Bytes input) {
  dns::ResponderConfig config;
  config.hosts = {{"cucm1.voice.lab", wire::Ipv4Address{10, 0, 0, 20}}};
  dns::Responder responder(config);
  responder.handle_datagram(0s, {{phone, 40000}, {dns_server, 53}, 0, input});
  while (auto out = responder.poll_transmit()) {
    DNS_FUZZ_CHECK(dns::decode_message(out->payload).ok());
  }
  while (responder.poll_event()) {
  }
}

void check_resolver(wire::Bytes input) {
  Random random(2);
  dns::Resolver resolver(dns::ResolverConfig{{dns_server}, 2s, 2, 40000}, random);
  resolver.resolve(0s, "cucm1.voice.lab");
  auto query = resolver.poll_transmit();
  DNS_FUZZ_CHECK(query.has_value());
  std::vector<std::uint8_t> patched(input.begin(), input.end());
  if (patched.size() >= 2) {
    patched[0] = query->payload[0];
    patched[1] = query->payload[1];
  }
  resolver.handle_datagram(1ms, {{dns_server, 53}, {phone, 40000}, 0, input});
  resolver.handle_datagram(2ms, {{dns_server, 53}, {phone, 40000}, 0, patched});
  while (auto next = resolver.next_timeout()) resolver.handle_timeout(*next);
  DNS_FUZZ_CHECK(resolver.pending() == 0);
  while (resolver.poll_transmit()) {
  }
  while (resolver.poll_event()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::Bytes input{data, size};
  check_codec(input);
  check_responder(input);
  check_resolver(input);
  return 0;
}
