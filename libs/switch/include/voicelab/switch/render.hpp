#pragma once
// Text views of an access switch's state, in the spirit of the IOS commands an engineer would
// type at the switch (field names and layout are voicelab's own). Pure functions of the agent's
// state and `now`, so scenario reports and tests can print them.

#include <string>

#include "voicelab/switch/agent.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::access_switch {

// "show cdp neighbors": one line per CDP neighbour, port order.
std::string render_cdp_neighbors(const SwitchAgent& agent, Time now);
// "show cdp neighbors detail": a block per CDP neighbour, port order.
std::string render_cdp_neighbors_detail(const SwitchAgent& agent, Time now);
// "show power inline": the budget, then one line per port.
std::string render_power_inline(const SwitchAgent& agent);

// CDP capability bits as words ("Switch IGMP", "Host Phone"), bit order.
std::string cdp_capability_words(std::uint32_t bits);

}  // namespace voicelab::access_switch
