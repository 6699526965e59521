// Fuzz target: the input as text for the MAC, IPv4 address and IPv4 prefix parsers.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wire_fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  voicelab::wire::fuzz::check_text({reinterpret_cast<const char*>(data), size});
  return 0;
}
