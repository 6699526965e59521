#include "voicelab/tftp/error.hpp"

#include <string>

namespace voicelab::tftp {
namespace {

class Category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "voicelab.tftp"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "success";
      case errc::bad_opcode:
        return "TFTP opcode is not 1..6";
      case errc::unterminated_string:
        return "TFTP string field without its terminating NUL";
      case errc::empty_filename:
        return "TFTP request for an empty filename";
      case errc::empty_mode:
        return "TFTP request with an empty transfer mode";
      case errc::bad_option:
        return "TFTP option with an empty name or without a value";
      case errc::bad_option_value:
        return "TFTP option value out of its RFC range, not a decimal number, or repeated";
      case errc::trailing_bytes:
        return "bytes after a complete TFTP packet";
      case errc::data_too_long:
        return "TFTP DATA longer than 65464 bytes";
      case errc::bad_text:
        return "TFTP string to encode is empty or holds a NUL";
    }
    return "unknown voicelab.tftp error";
  }
};

}  // namespace

const std::error_category& tftp_category() noexcept {
  static const Category category;
  return category;
}

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::undefined:
      return "Not defined";
    case ErrorCode::file_not_found:
      return "File not found";
    case ErrorCode::access_violation:
      return "Access violation";
    case ErrorCode::disk_full:
      return "Disk full or allocation exceeded";
    case ErrorCode::illegal_operation:
      return "Illegal TFTP operation";
    case ErrorCode::unknown_tid:
      return "Unknown transfer ID";
    case ErrorCode::file_exists:
      return "File already exists";
    case ErrorCode::no_such_user:
      return "No such user";
    case ErrorCode::option_negotiation:
      return "Option negotiation failed";
  }
  return "Unknown error";
}

}  // namespace voicelab::tftp
