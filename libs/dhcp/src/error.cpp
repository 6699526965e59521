#include "voicelab/dhcp/error.hpp"

#include <string>

namespace voicelab::dhcp {
namespace {

class Category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "voicelab.dhcp"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "success";
      case errc::bad_magic_cookie:
        return "no DHCP magic cookie (99.130.83.99) after the BOOTP header";
      case errc::missing_end_option:
        return "DHCP option area not terminated by the End option (255)";
      case errc::bad_option_length:
        return "DHCP option length not allowed by the option's format";
      case errc::bad_overload:
        return "DHCP option overload (52) is not a single byte of value 1, 2 or 3";
      case errc::bad_hardware_length:
        return "BOOTP hardware address length above 16";
      case errc::bad_relay_agent_info:
        return "relay agent information (82) sub-options do not fill the option exactly";
      case errc::field_too_long:
        return "BOOTP sname or file field longer than its fixed size";
    }
    return "unknown voicelab.dhcp error";
  }
};

}  // namespace

const std::error_category& dhcp_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace voicelab::dhcp
