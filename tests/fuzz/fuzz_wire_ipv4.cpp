// Fuzz target: an IPv4 packet (as carried in an Ethernet payload), then its UDP or TCP segment.

#include <cstddef>
#include <cstdint>

#include "wire_fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  voicelab::wire::fuzz::check_ipv4({data, size});
  return 0;
}
