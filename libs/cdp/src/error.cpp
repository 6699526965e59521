#include "voicelab/cdp/error.hpp"

#include <string>

namespace voicelab::cdp {
namespace {

class Category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "voicelab.cdp"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "success";
      case errc::not_cdp:
        return "not a CDP frame (802.3 LLC/SNAP, OUI 00-00-0C, protocol 0x2000)";
      case errc::not_lldp:
        return "not an LLDP frame (EtherType 0x88CC)";
      case errc::missing_tlv:
        return "LLDPDU does not start with the Chassis ID, Port ID and TTL TLVs";
    }
    return "unknown voicelab.cdp error";
  }
};

}  // namespace

const std::error_category& cdp_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace voicelab::cdp
