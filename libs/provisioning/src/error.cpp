#include "voicelab/provisioning/error.hpp"

#include <string>

namespace voicelab::provisioning {
namespace {

class Category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "voicelab.provisioning"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "success";
      case errc::malformed_xml:
        return "configuration file is not well-formed XML";
      case errc::not_a_config:
        return "XML root is neither <device> nor <Default>";
      case errc::bad_load_descriptor:
        return "load descriptor without a load id or with an unusable component line";
      case errc::truncated:
        return "TLV file ends inside a field";
      case errc::bad_tlv:
        return "TLV file header or record layout is not the documented one";
    }
    return "unknown voicelab.provisioning error";
  }
};

}  // namespace

const std::error_category& provisioning_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace voicelab::provisioning
