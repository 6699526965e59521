#include "voicelab/switch/render.hpp"

#include <array>
#include <cstdio>
#include <string_view>

namespace voicelab::access_switch {
namespace {

std::string watts1(std::uint32_t mw) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%u.%u", mw / 1000, (mw % 1000) / 100);
  return buffer;
}

std::string watts3(std::uint32_t mw) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%u.%03u W", mw / 1000, mw % 1000);
  return buffer;
}

std::string pad(std::string_view s, std::size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string pad_left(std::string_view s, std::size_t width) {
  std::string out;
  if (s.size() < width) out.append(width - s.size(), ' ');
  out += s;
  return out;
}

long long seconds_left(const Neighbor& n, Time now) {
  if (n.expires <= now) return 0;
  // Rounded down, as a countdown is.
  return std::chrono::duration_cast<std::chrono::seconds>(n.expires - now).count();
}

std::string capability_letters(std::uint32_t bits) {
  static constexpr std::array<std::pair<std::uint32_t, char>, 7> letters{{
      {cdp::capability::router, 'R'},
      {cdp::capability::transparent_bridge, 'T'},
      {cdp::capability::source_route_bridge, 'B'},
      {cdp::capability::l2_switch, 'S'},
      {cdp::capability::host, 'H'},
      {cdp::capability::igmp, 'I'},
      {cdp::capability::voip_phone, 'P'},
  }};
  std::string out;
  for (const auto& [bit, letter] : letters) {
    if ((bits & bit) == 0) continue;
    if (!out.empty()) out += ' ';
    out += letter;
  }
  return out;
}

}  // namespace

std::string cdp_capability_words(std::uint32_t bits) {
  static constexpr std::array<std::pair<std::uint32_t, std::string_view>, 11> words{{
      {cdp::capability::router, "Router"},
      {cdp::capability::transparent_bridge, "Trans-Bridge"},
      {cdp::capability::source_route_bridge, "SR-Bridge"},
      {cdp::capability::l2_switch, "Switch"},
      {cdp::capability::host, "Host"},
      {cdp::capability::igmp, "IGMP"},
      {cdp::capability::repeater, "Repeater"},
      {cdp::capability::voip_phone, "Phone"},
      {cdp::capability::remotely_managed, "Remote-Managed"},
      {cdp::capability::cvta, "CVTA"},
      {cdp::capability::two_port_mac_relay, "Two-Port-MAC-Relay"},
  }};
  std::string out;
  for (const auto& [bit, word] : words) {
    if ((bits & bit) == 0) continue;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out.empty() ? "none" : out;
}

std::string render_cdp_neighbors(const SwitchAgent& agent, Time now) {
  std::string out =
      "Capabilities: R router, T trans-bridge, B sr-bridge, S switch, H host, "
      "I IGMP, P phone\n\n";
  out += pad("Neighbor", 24) + pad("Local port", 12) + pad("Hold", 6) + pad("Caps", 10) +
         pad("Platform", 24) + "Remote port\n";
  std::size_t rows = 0;
  for (std::size_t p = 0; p < agent.port_count(); ++p) {
    for (const Neighbor& n : agent.neighbors(p)) {
      if (n.protocol != NeighborProtocol::cdp) continue;
      ++rows;
      std::string line = pad(n.device_id, 23) + ' ' + pad(agent.short_port_name(p), 11) + ' ' +
                         pad(std::to_string(seconds_left(n, now)), 5) + ' ' +
                         pad(capability_letters(n.capabilities), 9) + ' ' + pad(n.platform, 23) +
                         ' ' + n.port_id;
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + '\n';
    }
  }
  out += "\n" + std::to_string(rows) + (rows == 1 ? " CDP neighbor\n" : " CDP neighbors\n");
  return out;
}

std::string render_cdp_neighbors_detail(const SwitchAgent& agent, Time now) {
  std::string out;
  std::size_t rows = 0;
  const auto field = [&out](std::string_view name, const std::string& value) {
    out += "  " + pad(name, 14) + ": " + value + '\n';
  };
  for (std::size_t p = 0; p < agent.port_count(); ++p) {
    for (const Neighbor& n : agent.neighbors(p)) {
      if (n.protocol != NeighborProtocol::cdp) continue;
      ++rows;
      out += std::string(60, '=') + '\n';
      out += agent.port_name(p) + " <-> " + n.device_id + '\n';
      field("Remote port", n.port_id);
      field("Platform", n.platform);
      field("Capabilities", cdp_capability_words(n.capabilities));
      std::string addresses;
      for (const auto& a : n.addresses) {
        if (!addresses.empty()) addresses += ", ";
        addresses += a.to_string();
      }
      field("IP addresses", addresses.empty() ? "none" : addresses);
      field("Software", n.software_version);
      field("CDP version", std::to_string(n.version));
      field("Holdtime left", std::to_string(seconds_left(n, now)) + " s");
      if (n.duplex) field("Duplex", *n.duplex == cdp::duplex::full ? "full" : "half");
      if (n.native_vlan) field("Native VLAN", std::to_string(*n.native_vlan));
      if (n.voip_vlan_query) {
        field("VoIP VLAN",
              "query (VLAN " + std::to_string(n.voip_vlan_query->vlan.value_or(0)) + ")");
      }
      if (n.power_consumption_mw) field("Power drawn", watts3(*n.power_consumption_mw));
      if (n.power_requested) {
        std::string levels;
        for (auto mw : n.power_requested->power_mw) {
          if (!levels.empty()) levels += ' ';
          levels += std::to_string(mw);
        }
        field("Power request",
              "id " + std::to_string(n.power_requested->request_id) + ", management id " +
                  std::to_string(n.power_requested->management_id) + ", levels (mW) " + levels);
      }
    }
  }
  if (rows == 0) return "No CDP neighbors on " + agent.config().hostname + ".\n";
  out += std::string(60, '=') + '\n';
  out += std::to_string(rows) + (rows == 1 ? " CDP neighbor on " : " CDP neighbors on ") +
         agent.config().hostname + '\n';
  return out;
}

std::string render_power_inline(const SwitchAgent& agent) {
  const PoeSummary s = agent.poe_summary();
  std::string out = "PoE on " + agent.config().hostname + " (" + agent.config().model + ")\n";
  out += "  Budget " + watts1(s.budget_mw) + " W, allocated " + watts1(s.used_mw) +
         " W, remaining " + watts1(s.remaining_mw()) + " W\n\n";
  out += "Port        Admin  Oper        Watts  Class    Max  Device\n";
  out += "----------  -----  ----------  -----  -----  -----  --------------------\n";
  for (std::size_t p = 0; p < agent.port_count(); ++p) {
    const PoeStatus st = agent.poe_status(p);
    std::string device;
    for (const Neighbor& n : agent.neighbors(p)) {
      if (n.protocol == NeighborProtocol::cdp) {
        device = n.device_id;
        break;
      }
    }
    if (device.empty() && st.pd_present) device = "IEEE PD";
    std::string line = pad(agent.short_port_name(p), 10) + "  " + pad(to_string(st.admin), 5) +
                       "  " + pad(to_string(st.oper), 10) + "  " +
                       pad_left(watts1(st.allocated_mw), 5) + "  " +
                       pad(st.pd_present ? std::to_string(st.pd_class) : "n/a", 5) + "  " +
                       pad_left(watts1(st.max_mw), 5) + "  " + device;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

}  // namespace voicelab::access_switch
