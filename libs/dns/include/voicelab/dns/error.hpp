#pragma once
// Errors of the DNS codec that the wire layer has no word for, as an std::error_code category
// ("voicelab.dns"). A message or a field running past the end of the buffer is reported with
// voicelab::wire::errc::truncated, like every other codec.

#include <system_error>

namespace voicelab::dns {

enum class errc {
  ok = 0,
  bad_label,         // a label length with the reserved 0x40/0x80 bits, a '.' inside a label, or
                     // (encoding) an empty or over-63-byte label
  name_too_long,     // a name over 255 bytes on the wire
  bad_pointer,       // a compression pointer that does not point strictly backwards (loops)
  bad_rdata,         // an IN A record whose data is not 4 bytes
  too_many_records,  // encoding: a section with more than 65535 entries
};

const std::error_category& dns_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), dns_category()};
}

}  // namespace voicelab::dns

template <>
struct std::is_error_code_enum<voicelab::dns::errc> : std::true_type {};
