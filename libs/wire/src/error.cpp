#include "voicelab/wire/error.hpp"

#include <string>

namespace voicelab::wire {
namespace {

class WireCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "voicelab.wire"; }

  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "success";
      case errc::truncated:
        return "truncated: the buffer ends before the structure does";
      case errc::bad_length:
        return "bad length: a length field contradicts the buffer or the protocol's limits";
      case errc::bad_version:
        return "bad version: a version this codec does not understand";
      case errc::bad_checksum:
        return "bad checksum";
      case errc::bad_value:
        return "bad value: a field holds a value the protocol forbids";
      case errc::unsupported:
        return "unsupported: valid on the wire but not decoded by this codec";
      case errc::buffer_too_small:
        return "buffer too small for the encoded result";
      case errc::bad_text:
        return "bad text: not in any accepted form";
    }
    return "unknown voicelab.wire error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& wire_category() noexcept {
  static const WireCategory category;
  return category;
}

}  // namespace voicelab::wire
