#pragma once
// The vocabulary shared by scenarios, the phone and the reports: the 14 registration steps of a
// Cisco SIP phone, the status of a step, and the phone states a run can end in.

#include <array>
#include <optional>
#include <span>
#include <string_view>

namespace voicelab::scenario {

inline constexpr int step_count = 14;

struct StepInfo {
  int n;                   // 1..14
  std::string_view name;   // stable identifier used in scenarios and report.json
  std::string_view title;  // for people (timeline.txt)
};

// In order: power (PoE), stored image, voice VLAN (CDP / LLDP-MED), IP address (DHCP), CTL,
// ITL, configuration file (SEP<MAC>.cnf.xml or XMLDefault.cnf.xml), firmware (load file and
// upgrade), dial rules, connect to the highest-priority CallManager, register every line, then
// the files a registered phone asks for: locale, softkeys, ring list.
[[nodiscard]] std::span<const StepInfo, step_count> steps();

// By number ("4") or name ("dhcp"); nullopt when neither.
[[nodiscard]] std::optional<int> find_step(std::string_view number_or_name);

enum class StepStatus { pending, ok, failed, skipped };
[[nodiscard]] std::string_view to_string(StepStatus s);
[[nodiscard]] std::optional<StepStatus> parse_step_status(std::string_view text);

// The states a phone ends a run in (report.json `state`), as the phone (libs/phone, PhoneState)
// names them. The list is what scenarios may name in expectations; a runner reporting a state
// outside it still gets it written to the reports.
//   registered        every line registered with a CallManager
//   registering       still trying (connecting, REGISTER outstanding, failing over)
//   rejected          the registrar refused a REGISTER
//   unprovisioned     XMLDefault.cnf.xml: the device is not in the database
//   no_power          not powered: never, denied (no PoE, budget exhausted), or powered off
//   no_vlan           DHCP failed and no voice VLAN was learned, the likely cause
//   no_ip             DHCP failed (the phone keeps trying)
//   no_tftp           no TFTP server from DHCP, or none answered
//   config_failed     servers answered, but no usable configuration file
//   no_cucm           no CallManager of its group reachable
//   network_down      link down while powered
//   booting           loading its firmware image (step 2)
//   configuring_vlan  waiting for the voice VLAN (step 3)
//   configuring_ip    waiting for DHCP (step 4)
//   configuring       fetching its files (steps 5-7, 9)
//   upgrading         downloading a load, or rebooting into it (step 8)
[[nodiscard]] std::span<const std::string_view> phone_states();
[[nodiscard]] bool is_phone_state(std::string_view s);

}  // namespace voicelab::scenario
