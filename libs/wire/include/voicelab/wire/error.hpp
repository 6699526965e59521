#pragma once
// Errors of the wire codecs, as an std::error_code category ("voicelab.wire").
// Decoders never throw on input from the network: they return one of these.

#include <system_error>

namespace voicelab::wire {

enum class errc {
  ok = 0,
  truncated,         // the buffer ends before the structure does
  bad_length,        // a length field contradicts the buffer or the protocol's limits
  bad_version,       // version field is not one this codec understands (IPv4 != 4, ...)
  bad_checksum,      // a checksum did not verify
  bad_value,         // a field holds a value the protocol forbids
  unsupported,       // valid on the wire but not something this codec decodes
  buffer_too_small,  // encoding: the output span cannot hold the result
  bad_text,          // parsing text (addresses): not in any accepted form
};

const std::error_category& wire_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), wire_category()};
}

}  // namespace voicelab::wire

template <>
struct std::is_error_code_enum<voicelab::wire::errc> : std::true_type {};
