#pragma once
// Errors of the TFTP codec, as an std::error_code category ("voicelab.tftp"), and the error codes
// TFTP itself carries in ERROR packets (RFC 1350 §5, RFC 2347 for code 8).
//
// A packet that ends before one of its fixed fields is reported with
// voicelab::wire::errc::truncated, like every other codec in voicelab.

#include <cstdint>
#include <string_view>
#include <system_error>

namespace voicelab::tftp {

enum class errc {
  ok = 0,
  bad_opcode,           // an opcode other than 1..6
  unterminated_string,  // a filename, mode, option, value or error message without its NUL
  empty_filename,       // a request for ""
  empty_mode,           // a request whose transfer mode is ""
  bad_option,           // an empty option name, or a name without a value
  bad_option_value,     // a known option (blksize, timeout, tsize, windowsize) whose value is not
                        // a decimal number in its RFC range, or that appears twice
  trailing_bytes,       // bytes after a complete ACK
  data_too_long,        // DATA carrying more than 65464 bytes (the largest RFC 2348 block)
  bad_text,             // encoding: a string holds a NUL, or a request has an empty filename
};

const std::error_category& tftp_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), tftp_category()};
}

// The error code field of an ERROR packet. Values outside 0..8 can arrive from the wire; they are
// kept as they are (a cast of the number).
enum class ErrorCode : std::uint16_t {
  undefined = 0,  // "not defined, see error message"
  file_not_found = 1,
  access_violation = 2,
  disk_full = 3,          // "disk full or allocation exceeded"
  illegal_operation = 4,  // "illegal TFTP operation"
  unknown_tid = 5,        // "unknown transfer ID"
  file_exists = 6,
  no_such_user = 7,
  option_negotiation = 8,  // RFC 2347: the transfer is terminated during option negotiation
};

// RFC 1350's wording of a code ("File not found", ...), "Unknown error N" outside 0..8.
std::string_view error_code_name(ErrorCode code) noexcept;

}  // namespace voicelab::tftp

template <>
struct std::is_error_code_enum<voicelab::tftp::errc> : std::true_type {};
