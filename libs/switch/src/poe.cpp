#include "voicelab/switch/poe.hpp"

namespace voicelab::access_switch {

std::uint32_t ieee_pse_power_mw(std::uint8_t poe_class) noexcept {
  switch (poe_class) {
    case 0:
      return 15400;
    case 1:
      return 4000;
    case 2:
      return 7000;
    case 3:
      return 15400;
    default:
      return 30000;
  }
}

std::uint32_t initial_allocation_mw(std::uint8_t poe_class) noexcept {
  // Class 4 starts at 15.4 W like class 0 and 3; more only on request (Catalyst 9000 guide).
  return poe_class >= max_poe_class ? 15400 : ieee_pse_power_mw(poe_class);
}

std::string_view to_string(PoeOper oper) noexcept {
  switch (oper) {
    case PoeOper::off:
      return "off";
    case PoeOper::detecting:
      return "detecting";
    case PoeOper::on:
      return "on";
    case PoeOper::power_deny:
      return "power-deny";
    case PoeOper::faulty:
      return "faulty";
  }
  return "?";
}

std::string_view to_string(PoeAdmin admin) noexcept {
  return admin == PoeAdmin::auto_mode ? "auto" : "off";
}

}  // namespace voicelab::access_switch
