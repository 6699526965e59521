// Fuzz target: a UDP datagram and a TCP segment straight from the input, without an IPv4 header
// in front, so that the fuzzer spends its effort on the transport headers and TCP options.
// The pseudo-header addresses are fixed; checksums are checked both on and off.

#include <cstddef>
#include <cstdint>

#include "wire_fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using voicelab::wire::Ipv4Address;
  const Ipv4Address src(10, 1, 1, 5);
  const Ipv4Address dst(10, 1, 1, 1);
  voicelab::wire::fuzz::check_udp({data, size}, src, dst);
  voicelab::wire::fuzz::check_tcp({data, size}, src, dst);
  return 0;
}
