#include "voicelab/dns/error.hpp"

#include <string>

namespace voicelab::dns {
namespace {

class Category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "voicelab.dns"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "success";
      case errc::bad_label:
        return "DNS label malformed (reserved length bits, a dot inside, empty or over 63 bytes)";
      case errc::name_too_long:
        return "DNS name longer than 255 bytes";
      case errc::bad_pointer:
        return "DNS compression pointer does not point backwards";
      case errc::bad_rdata:
        return "DNS A record data is not 4 bytes";
      case errc::too_many_records:
        return "DNS section with more than 65535 entries";
    }
    return "unknown voicelab.dns error";
  }
};

}  // namespace

const std::error_category& dns_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace voicelab::dns
