// Fuzz target: an Ethernet frame, decoded down through 802.1Q, LLC/SNAP, ARP, IPv4, UDP and TCP
// as far as each layer decodes.

#include <cstddef>
#include <cstdint>

#include "wire_fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  voicelab::wire::fuzz::check_frame({data, size});
  return 0;
}
