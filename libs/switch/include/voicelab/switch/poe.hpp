#pragma once
// Power over Ethernet numbers the access switch works with.
//
// IEEE 802.3af (Type 1) classes 0-3 and 802.3at (Type 2) class 4: the minimum power the PSE
// supplies per class, and the range a PD of that class may draw:
//   class 0  15.4 W   (PD 0.44-12.95 W, the default when a PD does not classify)
//   class 1   4.0 W   (PD 0.44-3.84 W)
//   class 2   7.0 W   (PD 3.84-6.49 W)
//   class 3  15.4 W   (PD 6.49-12.95 W)
//   class 4  30.0 W   (PD 12.95-25.5 W; 802.3at only)
// (the 802.3af class table as printed in switch vendors' manuals, e.g. Allied Telesis AT-9424T/POE
// "IEEE 802.3af Class vs. Power Levels"; class 4 from 802.3at).
//
// What a Catalyst allocates at detection (Cisco Catalyst 9000 PoE configuration guide,
// "Guidelines for PoE"): 15.4 W for class 0, 3 and 4; a device that then asks for more over CDP
// or LLDP can get up to 30 W. Classes 1 and 2 get their IEEE PSE power (4.0 / 7.0 W). A CDP
// request for less lowers the allocation (a Catalyst `debug ilpower` log shows a 15.4 W initial
// allocation being lowered after the phone's CDP power TLV).

#include <cstdint>
#include <string_view>

#include "voicelab/wire/time.hpp"

namespace voicelab::access_switch {

inline constexpr std::uint8_t max_poe_class = 4;
inline constexpr std::uint32_t max_port_power_mw = 30000;  // 802.3at Type 2 PSE per port

// IEEE PSE minimum output power for a class (0..4); class values above 4 count as 4.
std::uint32_t ieee_pse_power_mw(std::uint8_t poe_class) noexcept;
// What the switch reserves when it detects a PD of this class (see above).
std::uint32_t initial_allocation_mw(std::uint8_t poe_class) noexcept;

// Detection (IEEE 802.3 clause 33: signature detection up to 500 ms, classification 10-75 ms,
// power applied within Tpon = 400 ms of a valid detection) rounded up: the delay between a PD
// being cabled and its power coming on.
inline constexpr Duration default_power_up_delay = std::chrono::seconds(1);

// "show power inline" Oper column.
enum class PoeOper : std::uint8_t {
  off,         // nothing detected (or PoE disabled / port shut down)
  detecting,   // PD detected, power allocated, waiting for the power-up delay
  on,          // powered
  power_deny,  // PD detected but the budget (or the port maximum) does not allow it
  faulty,      // a fault was reported on the port; cleared when the PD is removed
};
std::string_view to_string(PoeOper oper) noexcept;  // "off", "detecting", "on", "power-deny", ...

enum class PoeAdmin : std::uint8_t { auto_mode, never };  // "power inline auto" / "never"
std::string_view to_string(PoeAdmin admin) noexcept;      // "auto", "off"

}  // namespace voicelab::access_switch
