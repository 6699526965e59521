#pragma once
// Errors of the provisioning parsers (what a phone reads back from its config server), as an
// std::error_code category ("voicelab.provisioning"). The parsers never throw on file content;
// they return one of these.

#include <system_error>

namespace voicelab::provisioning {

enum class errc {
  ok = 0,
  malformed_xml,        // not well-formed XML (pugixml's parser refused it)
  not_a_config,         // well-formed, but the root is neither <device> nor <Default>
  bad_load_descriptor,  // a .loads text without a load id, or a component line that is unusable
  truncated,            // a binary TLV file (ITL, CTL, .sgn) ends inside a field
  bad_tlv,              // a TLV file whose header or record layout is not the one documented
};

const std::error_category& provisioning_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), provisioning_category()};
}

}  // namespace voicelab::provisioning

template <>
struct std::is_error_code_enum<voicelab::provisioning::errc> : std::true_type {};
