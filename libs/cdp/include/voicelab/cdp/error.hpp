#pragma once
// Errors of the discovery codecs that the wire layer has no word for, as an std::error_code
// category ("voicelab.cdp"). Structural errors (truncated, bad_length, bad_checksum, bad_version,
// buffer_too_small) are reported with voicelab::wire::errc, like every other codec.

#include <system_error>

namespace voicelab::cdp {

enum class errc {
  ok = 0,
  not_cdp,      // a frame that is not CDP (not 802.3 + LLC/SNAP with OUI 00-00-0C, PID 0x2000)
  not_lldp,     // a frame that is not LLDP (EtherType is not 0x88CC)
  missing_tlv,  // LLDP: Chassis ID, Port ID and TTL are not the first three TLVs
};

const std::error_category& cdp_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), cdp_category()};
}

}  // namespace voicelab::cdp

template <>
struct std::is_error_code_enum<voicelab::cdp::errc> : std::true_type {};
