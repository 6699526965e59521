#pragma once
// Errors of the DHCP codec that the wire layer has no word for, as an std::error_code category
// ("voicelab.dhcp"). Structural errors (a message or an option running past the end of the
// buffer) are reported with voicelab::wire::errc::truncated, like every other codec.

#include <system_error>

namespace voicelab::dhcp {

enum class errc {
  ok = 0,
  bad_magic_cookie,      // bytes 236..239 are not 99.130.83.99: BOOTP without DHCP options
  missing_end_option,    // an option area (options, or an overloaded file/sname) has no End (255)
  bad_option_length,     // a known option whose length its format forbids (150 not 4*n, 53 not 1)
  bad_overload,          // option 52 is not one byte of value 1, 2 or 3
  bad_hardware_length,   // hlen above 16, the size of chaddr
  bad_relay_agent_info,  // option 82's sub-options do not tile the option exactly
  field_too_long,        // encoding: sname over 64 or file over 128 bytes
};

const std::error_category& dhcp_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), dhcp_category()};
}

}  // namespace voicelab::dhcp

template <>
struct std::is_error_code_enum<voicelab::dhcp::errc> : std::true_type {};
