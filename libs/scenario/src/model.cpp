#include "voicelab/scenario/model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include <fmt/core.h>

#include "voicelab/scenario/diagnostic.hpp"
#include "voicelab/scenario/steps.hpp"

namespace voicelab::scenario {

// ---- steps and states -----------------------------------------------------------------------

namespace {
constexpr std::array<StepInfo, step_count> step_table{{
    {1, "power", "Obtain power (PoE)"},
    {2, "image", "Load the stored firmware image"},
    {3, "vlan", "Learn the voice VLAN (CDP / LLDP-MED)"},
    {4, "dhcp", "Obtain an IP address (DHCP)"},
    {5, "ctl", "Request the CTL file"},
    {6, "itl", "Request the ITL file"},
    {7, "config", "Request the configuration file"},
    {8, "firmware", "Check the load, upgrade the firmware"},
    {9, "dial_rules", "Request the dial rules"},
    {10, "connect", "Connect to the CallManager"},
    {11, "register", "Register the lines"},
    {12, "locale", "Request the locale files"},
    {13, "softkeys", "Request the softkey template"},
    {14, "ringlist", "Request the ring list"},
}};

constexpr std::array<std::string_view, 16> state_table{
    "registered",       "registering",    "rejected",     "unprovisioned",
    "no_power",         "no_vlan",        "no_ip",        "no_tftp",
    "config_failed",    "no_cucm",        "network_down", "booting",
    "configuring_vlan", "configuring_ip", "configuring",  "upgrading",
};
}  // namespace

std::span<const StepInfo, step_count> steps() { return step_table; }

std::optional<int> find_step(std::string_view text) {
  for (const auto& s : step_table) {
    if (s.name == text || std::to_string(s.n) == text) return s.n;
  }
  return std::nullopt;
}

std::string_view to_string(StepStatus s) {
  switch (s) {
    case StepStatus::pending:
      return "pending";
    case StepStatus::ok:
      return "ok";
    case StepStatus::failed:
      return "failed";
    case StepStatus::skipped:
      return "skipped";
  }
  return "pending";
}

std::optional<StepStatus> parse_step_status(std::string_view text) {
  for (auto s : {StepStatus::pending, StepStatus::ok, StepStatus::failed, StepStatus::skipped}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::span<const std::string_view> phone_states() { return state_table; }

bool is_phone_state(std::string_view s) {
  return std::find(state_table.begin(), state_table.end(), s) != state_table.end();
}

std::string_view to_string(Service s) {
  switch (s) {
    case Service::callmanager:
      return "callmanager";
    case Service::tftp:
      return "tftp";
    case Service::dhcp:
      return "dhcp";
    case Service::dns:
      return "dns";
  }
  return "callmanager";
}

// ---- diagnostics ----------------------------------------------------------------------------

std::string Diagnostic::to_string() const {
  std::string out = file.empty() ? std::string{"<scenario>"} : file;
  if (position) out += fmt::format(":{}:{}", position->line, position->column);
  out += ": ";
  out += pointer.empty() ? std::string{"/"} : pointer;
  out += ": ";
  if (severity == Severity::warning) out += "warning: ";
  out += message;
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

// ---- lookups --------------------------------------------------------------------------------

std::optional<std::size_t> Switch::find_port(std::string_view port_name) const {
  for (std::size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == port_name) return i;
  }
  return std::nullopt;
}

bool Switch::has_vlan(std::uint16_t id) const {
  return std::any_of(vlans.begin(), vlans.end(), [id](const Vlan& v) { return v.id == id; });
}

const Svi* Switch::find_svi(std::uint16_t vlan) const {
  for (const auto& s : svis) {
    if (s.vlan == vlan) return &s;
  }
  return nullptr;
}

namespace {
template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}
}  // namespace

const Device* Database::find_device(std::string_view name) const {
  return find_named(devices, name);
}
const DevicePool* Database::find_device_pool(std::string_view name) const {
  return find_named(device_pools, name);
}
const CmGroup* Database::find_cm_group(std::string_view name) const {
  return find_named(cm_groups, name);
}
std::optional<std::string> Database::default_load(std::string_view model) const {
  for (const auto& [m, load] : default_loads) {
    if (m == model) return load;
  }
  return std::nullopt;
}

const CucmNode* Cucm::find_node(std::string_view name) const { return find_named(nodes, name); }

void Scenario::index() {
  phone_by_device_.clear();
  phone_by_mac_.clear();
  phone_by_device_.reserve(phones.size());
  phone_by_mac_.reserve(phones.size());
  for (std::size_t i = 0; i < phones.size(); ++i) {
    phone_by_device_.emplace(phones[i].device, i);
    phone_by_mac_.emplace(phones[i].mac.to_u64(), i);
  }
}

std::optional<std::size_t> Scenario::find_phone(std::string_view device_or_mac) const {
  if (const auto it = phone_by_device_.find(std::string{device_or_mac});
      it != phone_by_device_.end()) {
    return it->second;
  }
  // "sep001122334455" in any case, or the MAC in any common form.
  std::string_view text = device_or_mac;
  if (text.size() == 15 && (text[0] == 'S' || text[0] == 's') &&
      (text[1] == 'E' || text[1] == 'e') && (text[2] == 'P' || text[2] == 'p')) {
    text.remove_prefix(3);
  }
  if (auto mac = wire::MacAddress::parse(text)) {
    if (const auto it = phone_by_mac_.find(mac->to_u64()); it != phone_by_mac_.end()) {
      return it->second;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> Scenario::find_group(std::string_view group_name) const {
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].name == group_name) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> Scenario::find_switch(std::string_view switch_name) const {
  for (std::size_t i = 0; i < switches.size(); ++i) {
    if (switches[i].name == switch_name) return i;
  }
  return std::nullopt;
}

Scenario::Range Scenario::select(const PhoneSelector& s) const {
  switch (s.kind) {
    case PhoneSelector::Kind::all:
      return {0, phones.size()};
    case PhoneSelector::Kind::phone:
      return {s.index, s.index < phones.size() ? std::size_t{1} : std::size_t{0}};
    case PhoneSelector::Kind::group:
      if (s.index < groups.size()) return {groups[s.index].first, groups[s.index].count};
      return {0, 0};
  }
  return {0, 0};
}

// ---- phone models ---------------------------------------------------------------------------

const std::vector<PhoneModel>& phone_models() {
  // Load ids follow the pattern of Cisco's SIP loads (family.major-minor-maint-build-n); the
  // versions are lab defaults, not a statement about what Cisco currently ships.
  static const std::vector<PhoneModel> models{
      {"CP-7811", "7811", "Cisco IP Phone 7811", "sip78xx", "sip78xx.12-8-1-0001-455"},
      {"CP-7821", "7821", "Cisco IP Phone 7821", "sip78xx", "sip78xx.12-8-1-0001-455"},
      {"CP-7841", "7841", "Cisco IP Phone 7841", "sip78xx", "sip78xx.12-8-1-0001-455"},
      {"CP-7861", "7861", "Cisco IP Phone 7861", "sip78xx", "sip78xx.12-8-1-0001-455"},
      {"CP-8811", "8811", "Cisco IP Phone 8811", "sip88xx", "sip88xx.12-8-1-0001-455"},
      {"CP-8841", "8841", "Cisco IP Phone 8841", "sip88xx", "sip88xx.12-8-1-0001-455"},
      {"CP-8845", "8845", "Cisco IP Phone 8845", "sip8845_65", "sip8845_65.12-8-1-0001-455"},
      {"CP-8851", "8851", "Cisco IP Phone 8851", "sip88xx", "sip88xx.12-8-1-0001-455"},
      {"CP-8861", "8861", "Cisco IP Phone 8861", "sip88xx", "sip88xx.12-8-1-0001-455"},
      {"CP-8865", "8865", "Cisco IP Phone 8865", "sip8845_65", "sip8845_65.12-8-1-0001-455"},
  };
  return models;
}

const PhoneModel* find_phone_model(std::string_view name) {
  std::string upper;
  upper.reserve(name.size());
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& m : phone_models()) {
    std::string product{m.product};
    std::string platform;
    for (char c : m.platform)
      platform += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == m.number || upper == product || upper == platform) return &m;
  }
  return nullptr;
}

}  // namespace voicelab::scenario
