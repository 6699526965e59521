#include "voicelab/provisioning/device_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <set>

#include <pugixml.hpp>

#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/error.hpp"
#include "voicelab/provisioning/models.hpp"

namespace voicelab::provisioning {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool equal_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equal_ci(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The first child element named `name` (case-insensitive); an empty node when none.
pugi::xml_node child(pugi::xml_node parent, std::string_view name) {
  for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_element && equal_ci(n.name(), name)) return n;
  }
  return {};
}

pugi::xml_node path(pugi::xml_node from, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (!from) break;
    from = child(from, name);
  }
  return from;
}

// The trimmed text of an element (its first text or CDATA child), "" for an empty node.
std::string text(pugi::xml_node n) { return std::string(trim(n.text().get())); }

template <class T>
bool parse_number(std::string_view s, T& out) {
  s = trim(s);
  if (s.empty()) return false;
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return false;
  out = value;
  return true;
}

std::uint16_t port_or(pugi::xml_node n, std::uint16_t fallback) {
  unsigned value = 0;
  if (!parse_number(text(n), value) || value == 0 || value > 65535) return fallback;
  return static_cast<std::uint16_t>(value);
}

int int_or(std::string_view s, int fallback) {
  int value = 0;
  return parse_number(s, value) ? value : fallback;
}

void parse_call_managers(pugi::xml_node group, DeviceConfig& config) {
  int index = 0;
  for (pugi::xml_node m = child(group, "members").first_child(); m; m = m.next_sibling()) {
    if (m.type() != pugi::node_element || !equal_ci(m.name(), "member")) continue;
    const pugi::xml_node cm = child(m, "callManager");
    CallManagerEntry entry;
    entry.address = text(child(cm, "processNodeName"));
    ++index;
    if (entry.address.empty()) continue;  // nowhere to register: not a usable member
    entry.name = text(child(cm, "name"));
    const pugi::xml_node ports = child(cm, "ports");
    entry.sip_port = port_or(child(ports, "sipPort"), 5060);
    entry.secure_sip_port = port_or(child(ports, "securedSipPort"), 5061);
    entry.priority = int_or(m.attribute("priority").value(), index - 1);
    config.call_managers.push_back(std::move(entry));
  }
  std::stable_sort(
      config.call_managers.begin(), config.call_managers.end(),
      [](const CallManagerEntry& a, const CallManagerEntry& b) { return a.priority < b.priority; });
}

void parse_lines(pugi::xml_node sip_lines, DeviceConfig& config) {
  int index = 0;
  for (pugi::xml_node l = sip_lines.first_child(); l; l = l.next_sibling()) {
    if (l.type() != pugi::node_element || !equal_ci(l.name(), "line")) continue;
    ++index;
    const pugi::xml_node feature = child(l, "featureID");
    // featureID 9 is a line; speed dials (2, 21, ...) and others are not registrations.
    if (feature && trim(feature.text().get()) != "9") continue;
    ParsedLine line;
    line.dn = text(child(l, "name"));
    if (line.dn.empty()) continue;
    line.display_name = text(child(l, "displayName"));
    line.label = text(child(l, "featureLabel"));
    line.button = int_or(l.attribute("button").value(), index);
    config.lines.push_back(std::move(line));
  }
  std::stable_sort(config.lines.begin(), config.lines.end(),
                   [](const ParsedLine& a, const ParsedLine& b) { return a.button < b.button; });
}

bool model_matches(std::string_view attribute_model, std::string_view element_suffix,
                   std::string_view wanted) {
  if (wanted.empty()) return false;
  const PhoneModel* want = find_phone_model(wanted);
  if (want != nullptr) {
    if (find_phone_model(attribute_model) == want) return true;
    std::uint32_t type = 0;
    if (parse_number(element_suffix, type) && type == want->type) return true;
  }
  const std::string_view a = model_number(attribute_model);
  return !a.empty() && equal_ci(a, model_number(wanted));
}

std::string parse_default_load(pugi::xml_node root, std::string_view model) {
  std::string fallback;
  for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element) continue;
    const std::string_view name = n.name();
    if (!starts_with_ci(name, "loadInformation")) continue;
    const std::string_view suffix = name.substr(std::string_view("loadInformation").size());
    const std::string_view attribute_model = n.attribute("model").value();
    if (model_matches(attribute_model, suffix, model)) return text(n);
    if (suffix.empty() && attribute_model.empty() && fallback.empty()) fallback = text(n);
  }
  return fallback;
}

std::string transport_name(std::string_view value) {
  int v = 0;
  if (!parse_number(value, v)) return {};
  switch (v) {
    case 1:
    case 4:
      return "TCP";
    case 2:
      return "UDP";
    case 3:
      return "TLS";
    default:
      return {};
  }
}

}  // namespace

wire::Result<DeviceConfig> parse_device_config(std::string_view xml, std::string_view model) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return errc::malformed_xml;
  const pugi::xml_node root = doc.document_element();
  DeviceConfig config;
  if (equal_ci(root.name(), "Default")) {
    config.unprovisioned = true;
  } else if (!equal_ci(root.name(), "device")) {
    return errc::not_a_config;
  }

  config.device_name = text(child(root, "deviceName"));
  const pugi::xml_node pool = child(root, "devicePool");
  pugi::xml_node group = child(pool, "callManagerGroup");
  if (!group) group = child(root, "callManagerGroup");
  parse_call_managers(group, config);
  config.connection_monitor_duration = int_or(text(child(pool, "connectionMonitorDuration")), 0);

  for (pugi::xml_node m = path(root, {"TVS", "members"}).first_child(); m; m = m.next_sibling()) {
    if (m.type() != pugi::node_element) continue;
    std::string address = text(child(m, "address"));
    if (!address.empty()) config.tvs_servers.push_back(std::move(address));
  }

  const pugi::xml_node sip = child(root, "sipProfile");
  parse_lines(child(sip, "sipLines"), config);
  config.dial_rules_file = text(child(sip, "dialTemplate"));
  config.softkey_file = text(child(sip, "softKeyFile"));
  if (config.softkey_file.empty()) config.softkey_file = text(child(root, "softKeyFile"));

  config.load_information =
      config.unprovisioned ? parse_default_load(root, model) : text(child(root, "loadInformation"));
  config.user_locale = text(path(root, {"userLocale", "name"}));
  config.network_locale = text(child(root, "networkLocale"));
  config.transport = transport_name(text(child(root, "transportLayerProtocol")));
  config.device_security_mode = int_or(text(child(root, "deviceSecurityMode")), 1);
  config.version_stamp = text(child(root, "versionStamp"));
  config.auto_registration = equal_ci(text(child(root, "autoRegistration")), "enabled");
  return config;
}

wire::Result<DeviceConfig> parse_device_config(std::string_view xml, std::string_view model,
                                               std::string_view file_name) {
  auto config = parse_device_config(xml, model);
  if (config && file_name.size() >= 15 && is_device_name(file_name.substr(0, 15)) &&
      (file_name.substr(15) == ".cnf.xml" || file_name.substr(15) == ".cnf.xml.sgn")) {
    config->device_name = std::string(file_name.substr(0, 15));
  }
  return config;
}

wire::Result<LoadDescriptor> parse_load_descriptor(std::string_view text_in) {
  LoadDescriptor out;
  LoadPlatform* platform = nullptr;
  bool in_load_section = false;
  std::set<std::string, std::less<>> seen;
  std::string_view rest = text_in;
  while (!rest.empty()) {
    const auto eol = rest.find('\n');
    std::string_view line = trim(rest.substr(0, eol));
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    if (line.empty() || line.front() == ';' || line.front() == '#') continue;
    if (line.front() == '[') {
      const auto close = line.find(']');
      if (close == std::string_view::npos) return errc::bad_load_descriptor;
      const std::string_view section = trim(line.substr(1, close - 1));
      in_load_section = equal_ci(section, "LOAD");
      platform = nullptr;
      int number = 0;
      if (starts_with_ci(section, "PLATFORM_") &&
          parse_number(section.substr(std::string_view("PLATFORM_").size()), number)) {
        out.platforms.push_back(LoadPlatform{number, {}});
        platform = &out.platforms.back();
      }
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;  // not a key: ignored, like an unknown key
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    if (in_load_section && equal_ci(key, "LoadId")) {
      out.load_id = std::string(value);
      continue;
    }
    if (platform == nullptr || !starts_with_ci(key, "File")) continue;
    const auto comma = value.rfind(',');
    if (comma == std::string_view::npos) return errc::bad_load_descriptor;
    const std::string_view name = trim(value.substr(0, comma));
    std::uint64_t size = 0;
    if (name.empty() || !parse_number(value.substr(comma + 1), size)) {
      return errc::bad_load_descriptor;
    }
    platform->files.emplace_back(std::string(name), size);
    if (seen.emplace(name).second) out.files.emplace_back(std::string(name), size);
  }
  if (out.load_id.empty()) return errc::bad_load_descriptor;
  return out;
}

}  // namespace voicelab::provisioning
