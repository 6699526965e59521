// The loader: phones one by one, generated phone groups, and database lines.

#include <algorithm>
#include <unordered_set>

#include <fmt/core.h>

#include "loader_internal.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario::detail {
namespace {

// Placeholders in Phone::port.switch_index while the phones are read.
constexpr std::size_t port_to_assign = SIZE_MAX;  // no "attach": assign_phone_ports() places it
constexpr std::size_t unresolved_port = SIZE_MAX - 1;  // "attach" was wrong (already reported)

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "{n}", "{dn}" and "{mac}" in a group's display_name / label template.
std::string expand(std::string_view pattern, std::size_t n, std::string_view dn,
                   std::string_view mac) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.substr(i, 3) == "{n}") {
      out += std::to_string(n);
      i += 2;
    } else if (pattern.substr(i, 4) == "{dn}") {
      out += dn;
      i += 3;
    } else if (pattern.substr(i, 5) == "{mac}") {
      out += mac;
      i += 4;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

// Every DN written anywhere in the file, so generated numbers avoid them.
void collect_dns(const json& root, std::unordered_set<std::string>& used) {
  const auto take = [&](const json& v) {
    if (v.is_string()) used.insert(v.get<std::string>());
  };
  if (const auto phones = root.find("phones"); phones != root.end() && phones->is_array()) {
    for (const auto& p : *phones) {
      if (!p.is_object()) continue;
      const auto lines = p.find("lines");
      if (lines == p.end() || !lines->is_array()) continue;
      for (const auto& l : *lines) {
        if (l.is_object() && l.contains("dn")) {
          take(l["dn"]);
        } else {
          take(l);
        }
      }
    }
  }
  const auto cucm = root.find("cucm");
  if (cucm == root.end() || !cucm->is_object()) return;
  const auto db = cucm->find("database");
  if (db == cucm->end() || !db->is_object()) return;
  const auto lines = db->find("lines");
  if (lines == db->end() || !lines->is_array()) return;
  for (const auto& l : *lines) {
    if (l.is_object() && l.contains("dn")) take(l["dn"]);
  }
}

// Devices that database.lines gives lines to: their phones get no default line.
std::unordered_set<std::string> devices_with_db_lines(const json& root) {
  std::unordered_set<std::string> out;
  const auto cucm = root.find("cucm");
  if (cucm == root.end() || !cucm->is_object()) return out;
  const auto db = cucm->find("database");
  if (db == cucm->end() || !db->is_object()) return out;
  const auto lines = db->find("lines");
  if (lines == db->end() || !lines->is_array()) return out;
  for (const auto& l : *lines) {
    if (l.is_object() && l.contains("device") && l["device"].is_string()) {
      out.insert(l["device"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

std::string Loader::next_free_dn() {
  while (dns_used_.count(std::to_string(dn_counter_)) != 0) ++dn_counter_;
  std::string dn = std::to_string(dn_counter_++);
  dns_used_.insert(dn);
  return dn;
}

void Loader::add_phone_device(std::size_t phone_index, const std::string& device_pool,
                              const std::optional<std::string>& load, std::vector<Line> lines,
                              const std::string& description, const std::string& pointer) {
  const Phone& phone = s_.phones[phone_index];
  Device dev;
  dev.name = phone.device;
  dev.model = phone.model;
  dev.description = description;
  dev.device_pool = device_pool;
  dev.load = load;
  dev.lines = std::move(lines);
  dev.source = pointer;
  device_index_.emplace(dev.name, s_.cucm.database.devices.size());
  device_explicit_.push_back(false);
  s_.cucm.database.devices.push_back(std::move(dev));
}

void Loader::read_phones() {
  collect_dns(root_, dns_used_);
  const auto db_line_devices = devices_with_db_lines(root_);
  Obj root(*this, &root_, "");
  const json* phones = root.array("phones");
  if (phones == nullptr) return;
  const auto pool_names = [&] {
    std::vector<std::string> out;
    for (const auto& p : s_.cucm.database.device_pools) out.push_back(p.name);
    return out;
  }();

  for (std::size_t i = 0; i < phones->size(); ++i) {
    const std::string pp = pointer_append("/phones", i);
    Obj po(*this, &(*phones)[i], pp,
           {"mac", "model", "attach", "lines", "provisioned", "device_pool", "load", "description",
            "firmware", "power_on", "power", "cdp", "lldp_med", "alternate_tftp"},
           "a phone");
    if (!po.ok()) continue;
    po.require("mac", "the phone's MAC address");
    auto mac = po.mac("mac");
    if (!mac) continue;
    Phone phone;
    phone.source = pp;
    phone.mac = *mac;
    phone.device = "SEP" + mac->to_hex_upper();
    if (!macs_.insert(mac->to_u64()).second) {
      error(po.at("mac"), fmt::format("MAC {} is used by another phone", mac->to_string()));
      continue;
    }
    const auto explicit_device = device_index_.find(phone.device);
    const Device* device = explicit_device != device_index_.end()
                               ? &s_.cucm.database.devices[explicit_device->second]
                               : nullptr;
    phone.model = "CP-8861";
    if (const json* m = po.get("model")) {
      if (auto model = read_model(*m, po.at("model"))) {
        phone.model = *model;
        if (device != nullptr && device->model != phone.model) {
          error(po.at("model"), fmt::format("device {} is a {} in the database ({})", phone.device,
                                            device->model, device->source));
        }
      }
    } else if (device != nullptr) {
      phone.model = device->model;
    }
    phone.provisioned = po.boolean("provisioned").value_or(true);
    if (device != nullptr && !phone.provisioned) {
      error(po.at("provisioned"),
            fmt::format("phone {} says provisioned: false but the database lists "
                        "its device ({})",
                        phone.device, device->source));
    }
    if (device != nullptr) {
      for (const auto key : {"lines", "device_pool", "load", "description"}) {
        if (po.has(key)) {
          error(po.at(key),
                fmt::format("device {} is defined in {}: give its {} there", phone.device,
                            device->source, key),
                true);
        }
      }
    }
    if (!phone.provisioned) {
      for (const auto key : {"lines", "device_pool", "load", "description"}) {
        if (po.has(key)) {
          error(po.at(key),
                fmt::format("an unprovisioned phone has no device record, so no {}", key), true);
        }
      }
    }
    // What is on its flash.
    std::string model_default = s_.cucm.database.default_load(phone.model).value_or("");
    Obj firmware(*this, po.get("firmware"), po.at("firmware"), {"active", "inactive"},
                 "the phone's loads");
    phone.active_load = model_default;
    if (const json* a = firmware.get("active")) {
      phone.active_load = read_load_id(*a, firmware.at("active")).value_or(model_default);
    }
    if (const json* a = firmware.get("inactive")) {
      if (!(a->is_string() && a->get<std::string>().empty())) {
        phone.inactive_load = read_load_id(*a, firmware.at("inactive")).value_or("");
      }
    }
    if (auto t = po.duration("power_on")) {
      phone.power_on = *t;
      if (*t > s_.time_limit) {
        error(po.at("power_on"),
              fmt::format("power_on {} is after the time_limit {}: the phone would never start",
                          format_duration(*t), format_duration(s_.time_limit)));
      }
    }
    if (auto p = po.choice("power", {"poe", "adapter"})) {
      phone.power = *p == "poe" ? PowerSource::poe : PowerSource::adapter;
    }
    if (auto v = po.boolean("cdp")) phone.cdp = *v;
    if (auto v = po.boolean("lldp_med")) phone.lldp_med = *v;
    phone.alternate_tftp = po.ipv4("alternate_tftp");

    const std::size_t index = s_.phones.size();
    // Its port.
    if (const json* a = po.get("attach")) {
      // A bad port does not stop the rest of the phone from being checked; the port stays
      // unresolved (and the load fails with the error already reported).
      phone.port.switch_index = unresolved_port;
      if (auto ref = resolve_port(*a, po.at("attach"))) {
        if (s_.switches[ref->switch_index].ports[ref->port_index].mode == PortMode::trunk) {
          error(po.at("attach"),
                fmt::format("port {} is a trunk: a phone needs an access port", ref->to_string()));
        } else if (claim_port(*ref, {PortUse::Kind::phone, index}, po.at("attach"))) {
          phone.port = *ref;
        }
      }
    } else {
      // Explicit attachments come first: assign after the whole list was read.
      phone.port.switch_index = port_to_assign;
    }

    // Its lines and device.
    std::vector<Line> lines;
    if (const json* list = po.array("lines")) {
      for (std::size_t k = 0; k < list->size(); ++k) {
        const std::string lp = pointer_append(po.at("lines"), k);
        const json& l = (*list)[k];
        Line line;
        line.button = static_cast<int>(k + 1);
        line.source = lp;
        if (l.is_object()) {
          Obj lo(*this, &l, lp, {"dn", "display_name", "label", "partition"}, "a line");
          lo.require("dn", "its directory number");
          if (const json* dn = lo.get("dn")) line.dn = read_dn(*dn, lo.at("dn")).value_or("");
          line.display_name = lo.str("display_name", true).value_or("");
          line.label = lo.str("label", true).value_or("");
          line.partition = lo.str("partition", true).value_or("");
        } else {
          line.dn = read_dn(l, lp).value_or("");
        }
        if (line.dn.empty()) continue;
        if (std::any_of(lines.begin(), lines.end(), [&](const Line& o) {
              return o.dn == line.dn && o.partition == line.partition;
            })) {
          error(lp, fmt::format("DN {} is on this phone twice", line.dn));
          continue;
        }
        lines.push_back(std::move(line));
      }
    } else if (phone.provisioned && device == nullptr && db_line_devices.count(phone.device) == 0) {
      Line line;
      line.dn = next_free_dn();
      line.source = pp;
      lines.push_back(std::move(line));
    }
    std::string pool = po.str("device_pool").value_or("");
    if (!pool.empty() && s_.cucm.database.find_device_pool(pool) == nullptr) {
      error(po.at("device_pool"),
            fmt::format("no device pool named \"{}\"{}; device pools: {}", pool,
                        suggestion(pool, pool_names), join_names(pool_names)));
    }
    std::optional<std::string> load;
    if (const json* l = po.get("load")) load = read_load_id(*l, po.at("load"));
    const std::string description = po.str("description", true).value_or("");
    s_.phones.push_back(std::move(phone));
    if (s_.phones.back().provisioned && device == nullptr) {
      add_phone_device(index, pool, load, std::move(lines), description, pp);
    }
  }
}

void Loader::assign_phone_ports() {
  std::vector<std::size_t> access_switches;
  for (std::size_t i = 0; i < s_.switches.size(); ++i) {
    if (s_.switches[i].role == SwitchRole::access) access_switches.push_back(i);
  }
  if (access_switches.empty()) {
    for (std::size_t i = 0; i < s_.switches.size(); ++i) access_switches.push_back(i);
  }
  // Phones without "attach": the next free access port of the access switches, in order.
  std::size_t sw_cursor = 0;
  for (auto& phone : s_.phones) {
    if (phone.port.switch_index != port_to_assign) continue;
    std::optional<std::size_t> port;
    while (sw_cursor < access_switches.size() &&
           !(port = next_free_access_port(access_switches[sw_cursor], false))) {
      ++sw_cursor;
    }
    if (!port) {
      error(phone.source,
            fmt::format("no free access port left for phone {}: add ports or switches, or "
                        "give \"attach\"",
                        phone.device));
      phone.port.switch_index = 0;
      continue;
    }
    const std::size_t sw = access_switches[sw_cursor];
    port_use_[sw][*port] = {PortUse::Kind::phone,
                            static_cast<std::size_t>(&phone - s_.phones.data())};
    phone.port = PortRef{sw, *port, s_.switches[sw].name, s_.switches[sw].ports[*port].name};
  }
}

void Loader::read_phone_groups() {
  Obj root(*this, &root_, "");
  const json* groups = root.array("phone_groups");
  if (groups == nullptr) return;
  const auto pool_names = [&] {
    std::vector<std::string> out;
    for (const auto& p : s_.cucm.database.device_pools) out.push_back(p.name);
    return out;
  }();
  for (std::size_t g = 0; g < groups->size(); ++g) {
    const std::string gp = pointer_append("/phone_groups", g);
    Obj go(*this, &(*groups)[g], gp,
           {"name", "count", "mac_start", "models", "switches", "lines_per_phone", "dn_start",
            "display_name", "label", "provisioned", "device_pool", "load", "firmware", "power_on",
            "power", "cdp", "lldp_med", "alternate_tftp"},
           "a phone group");
    if (!go.ok()) continue;
    go.require("name", "the group name");
    go.require("count", "how many phones");
    go.require("mac_start", "the first MAC address; the others follow it");
    auto name = go.name("name");
    const std::size_t room =
        options_.max_phones > s_.phones.size() ? options_.max_phones - s_.phones.size() : 0;
    auto count = go.integer("count", 1, static_cast<std::int64_t>(std::max<std::size_t>(room, 1)));
    auto mac_start = go.mac("mac_start");
    if (!name || !count || !mac_start) continue;
    if (s_.find_group(*name)) {
      error(go.at("name"), fmt::format("phone group \"{}\" is listed twice", *name));
      continue;
    }
    const auto n = static_cast<std::size_t>(*count);
    // The MAC range must stay unicast and inside 48 bits.
    const std::uint64_t first_mac = mac_start->to_u64();
    const std::uint64_t last_mac = first_mac + n - 1;
    if (last_mac > 0xFFFFFFFFFFFFULL ||
        wire::MacAddress::from_u64(last_mac).octets()[0] != mac_start->octets()[0]) {
      error(go.at("count"),
            fmt::format("{} MAC addresses from {} leave the block of the first one "
                        "(the last would be {})",
                        n, mac_start->to_string(),
                        wire::MacAddress::from_u64(last_mac & 0xFFFFFFFFFFFFULL).to_string()));
      continue;
    }
    // Models: one name, or weights interleaved in proportion (smooth weighted round robin).
    struct Weighted {
      std::string model;
      std::int64_t weight;
      std::int64_t current = 0;
    };
    std::vector<Weighted> models;
    if (const json* m = go.get("models")) {
      if (m->is_object()) {
        for (const auto& [key, value] : m->items()) {
          const std::string mp = pointer_append(go.at("models"), key);
          auto model = read_model(json(key), mp);
          auto weight = read_integer(value, mp, 1, 1'000'000);
          if (model && weight) models.push_back({*model, *weight});
        }
        if (m->empty()) error(go.at("models"), "expected at least one model");
      } else if (auto model = read_model(*m, go.at("models"))) {
        models.push_back({*model, 1});
      }
    } else {
      models.push_back({"CP-8861", 1});
    }
    if (models.empty()) continue;
    std::int64_t total_weight = 0;
    for (const auto& w : models) total_weight += w.weight;

    // Switches whose free access ports the group takes, in order.
    std::vector<std::size_t> switches;
    if (const json* list = go.array("switches")) {
      for (std::size_t k = 0; k < list->size(); ++k) {
        if (auto sw = resolve_switch((*list)[k], pointer_append(go.at("switches"), k))) {
          switches.push_back(*sw);
        }
      }
      if (list->empty()) error(go.at("switches"), "expected at least one switch");
    } else {
      for (std::size_t i = 0; i < s_.switches.size(); ++i) {
        if (s_.switches[i].role == SwitchRole::access) switches.push_back(i);
      }
      if (switches.empty()) {
        for (std::size_t i = 0; i < s_.switches.size(); ++i) switches.push_back(i);
      }
    }
    if (switches.empty()) continue;

    const auto lines_per_phone =
        static_cast<std::size_t>(go.integer("lines_per_phone", 0, 16).value_or(1));
    std::optional<std::string> dn_start;
    if (const json* d = go.get("dn_start")) {
      dn_start = read_dn(*d, go.at("dn_start"));
      if (dn_start && !all_digits(*dn_start)) {
        error(go.at("dn_start"), "dn_start must be digits only: the numbers count up from it");
        dn_start.reset();
      }
    }
    const std::string display_name = go.str("display_name", true).value_or("");
    const std::string label = go.str("label", true).value_or("");
    const bool provisioned = go.boolean("provisioned").value_or(true);
    const std::string pool = go.str("device_pool").value_or("");
    if (!pool.empty() && s_.cucm.database.find_device_pool(pool) == nullptr) {
      error(go.at("device_pool"),
            fmt::format("no device pool named \"{}\"{}; device pools: {}", pool,
                        suggestion(pool, pool_names), join_names(pool_names)));
    }
    std::optional<std::string> load;
    if (const json* l = go.get("load")) load = read_load_id(*l, go.at("load"));
    if (!provisioned) {
      for (const auto key :
           {"lines_per_phone", "dn_start", "display_name", "label", "device_pool", "load"}) {
        if (go.has(key)) {
          error(go.at(key),
                fmt::format("unprovisioned phones have no device record, so no {}", key), true);
        }
      }
    }
    Obj firmware(*this, go.get("firmware"), go.at("firmware"), {"active", "inactive"},
                 "the phones' loads");
    std::optional<std::string> active;
    std::string inactive;
    if (const json* a = firmware.get("active")) active = read_load_id(*a, firmware.at("active"));
    if (const json* a = firmware.get("inactive")) {
      if (!(a->is_string() && a->get<std::string>().empty())) {
        inactive = read_load_id(*a, firmware.at("inactive")).value_or("");
      }
    }
    Duration power_at{0};
    Duration power_spread{0};
    if (const json* p = go.get("power_on")) {
      if (p->is_object()) {
        Obj po(*this, p, go.at("power_on"), {"at", "spread"}, "the power-on schedule");
        power_at = po.duration("at").value_or(Duration{0});
        power_spread = po.duration("spread").value_or(Duration{0});
      } else {
        power_at = read_duration(*p, go.at("power_on")).value_or(Duration{0});
      }
    }
    if (power_at > s_.time_limit) {
      error(go.at("power_on"),
            fmt::format("power_on {} is after the time_limit {}: the phones would never start",
                        format_duration(power_at), format_duration(s_.time_limit)));
    } else if (power_at + power_spread > s_.time_limit) {
      warning(go.at("power_on"), fmt::format("the last phones power on after the time_limit {}",
                                             format_duration(s_.time_limit)));
    }
    PowerSource power = PowerSource::poe;
    if (auto p = go.choice("power", {"poe", "adapter"}))
      power = *p == "poe" ? PowerSource::poe : PowerSource::adapter;
    const bool cdp = go.boolean("cdp").value_or(true);
    const bool lldp = go.boolean("lldp_med").value_or(true);
    const auto alternate_tftp = go.ipv4("alternate_tftp");
    if (error_count() > 0 && errors_ >= options_.max_errors) continue;

    PhoneGroup group{*name, s_.phones.size(), 0, gp};
    std::uint64_t dn_next = 0;
    std::size_t dn_width = 0;
    if (dn_start) {
      dn_next = std::stoull(*dn_start);
      dn_width = dn_start->size();
    }
    std::size_t sw_cursor = 0;
    bool failed = false;
    s_.phones.reserve(s_.phones.size() + n);
    if (provisioned) s_.cucm.database.devices.reserve(s_.cucm.database.devices.size() + n);
    for (std::size_t i = 0; i < n; ++i) {
      Phone phone;
      phone.mac = wire::MacAddress::from_u64(first_mac + i);
      phone.device = "SEP" + phone.mac.to_hex_upper();
      phone.group = *name;
      if (!macs_.insert(phone.mac.to_u64()).second) {
        error(go.at("mac_start"),
              fmt::format("the MAC range of group {} reaches {}, which another phone "
                          "already uses",
                          *name, phone.mac.to_string()));
        failed = true;
        break;
      }
      if (device_index_.count(phone.device) != 0) {
        error(go.at("mac_start"),
              fmt::format("group {} generates {}, which is already a device in the "
                          "database: list that phone on its own",
                          *name, phone.device));
        failed = true;
        break;
      }
      // Smooth weighted round robin: deterministic and evenly interleaved.
      Weighted* pick = nullptr;
      for (auto& w : models) {
        w.current += w.weight;
        if (pick == nullptr || w.current > pick->current) pick = &w;
      }
      pick->current -= total_weight;
      phone.model = pick->model;
      phone.provisioned = provisioned;
      phone.active_load = active.value_or(s_.cucm.database.default_load(phone.model).value_or(""));
      phone.inactive_load = inactive;
      if (power_spread.count() > 0) {
        __extension__ typedef __int128 i128;
        phone.power_on =
            power_at +
            Duration{static_cast<std::int64_t>(static_cast<i128>(power_spread.count()) *
                                               static_cast<i128>(i) / static_cast<i128>(n))};
      } else {
        phone.power_on = power_at;
      }
      phone.power = power;
      phone.cdp = cdp;
      phone.lldp_med = lldp;
      phone.alternate_tftp = alternate_tftp;
      std::optional<std::size_t> port;
      while (sw_cursor < switches.size() &&
             !(port = next_free_access_port(switches[sw_cursor], false))) {
        ++sw_cursor;
      }
      if (!port) {
        std::vector<std::string> names;
        for (auto sw : switches) names.push_back(s_.switches[sw].name);
        error(gp, fmt::format("group {} needs {} ports but only {} access ports are free on {}",
                              *name, n, i, join_names(names)));
        failed = true;
        break;
      }
      const std::size_t sw = switches[sw_cursor];
      port_use_[sw][*port] = {PortUse::Kind::phone, s_.phones.size()};
      phone.port = PortRef{sw, *port, s_.switches[sw].name, s_.switches[sw].ports[*port].name};
      const std::size_t index = s_.phones.size();
      s_.phones.push_back(std::move(phone));
      if (!provisioned) continue;
      std::vector<Line> lines;
      for (std::size_t k = 0; k < lines_per_phone; ++k) {
        Line line;
        line.button = static_cast<int>(k + 1);
        if (dn_start) {
          line.dn = fmt::format("{:0{}}", dn_next++, dn_width);
          if (!dns_used_.insert(line.dn).second) {
            error(go.at("dn_start"),
                  fmt::format("group {} generates DN {}, which is already used", *name, line.dn));
            failed = true;
            break;
          }
        } else {
          line.dn = next_free_dn();
        }
        line.display_name =
            expand(display_name, i + 1, line.dn, s_.phones[index].mac.to_hex_upper());
        line.label = expand(label, i + 1, line.dn, s_.phones[index].mac.to_hex_upper());
        lines.push_back(std::move(line));
      }
      if (failed) break;
      add_phone_device(index, pool, load, std::move(lines), "", "");
    }
    group.count = s_.phones.size() - group.first;
    s_.groups.push_back(std::move(group));
    if (failed) continue;
  }
}

std::optional<std::size_t> Loader::resolve_switch(const json& v, const std::string& pointer) {
  auto name = read_string(v, pointer);
  if (!name) return std::nullopt;
  if (auto sw = s_.find_switch(*name)) return sw;
  error(pointer, fmt::format("no switch named \"{}\"{}; switches: {}", *name,
                             suggestion(*name, switch_names()), join_names(switch_names())));
  return std::nullopt;
}

void Loader::read_database_lines() {
  Obj cucm(*this, root_.contains("cucm") ? &root_["cucm"] : nullptr, "/cucm");
  Obj db(*this, cucm.get("database"), "/cucm/database");
  const json* lines = db.array("lines");
  Database& d = s_.cucm.database;
  if (lines != nullptr) {
    for (std::size_t i = 0; i < lines->size(); ++i) {
      const std::string lp = pointer_append("/cucm/database/lines", i);
      Obj lo(*this, &(*lines)[i], lp,
             {"dn", "device", "button", "display_name", "label", "partition"}, "a line");
      if (!lo.ok()) continue;
      lo.require("dn", "its directory number");
      lo.require("device", "the device it is on, e.g. \"SEP001122334455\"");
      Line line;
      line.source = lp;
      if (const json* dn = lo.get("dn")) line.dn = read_dn(*dn, lo.at("dn")).value_or("");
      line.display_name = lo.str("display_name", true).value_or("");
      line.label = lo.str("label", true).value_or("");
      line.partition = lo.str("partition", true).value_or("");
      auto device_name = lo.str("device");
      const auto button = lo.integer("button", 1, 64);
      if (line.dn.empty() || !device_name) continue;
      const auto it = device_index_.find(*device_name);
      if (it == device_index_.end()) {
        std::vector<std::string> names;
        for (const auto& dev : d.devices) names.push_back(dev.name);
        error(lo.at("device"),
              fmt::format("line {} is on no device: there is no device \"{}\"{} (devices: {})",
                          line.dn, *device_name, suggestion(*device_name, names),
                          join_names(names, 8)));
        continue;
      }
      Device& dev = d.devices[it->second];
      if (button) {
        line.button = static_cast<int>(*button);
      } else {
        int next = 1;
        for (const auto& l : dev.lines) next = std::max(next, l.button + 1);
        line.button = next;
      }
      bool clash = false;
      for (const auto& l : dev.lines) {
        if (l.button == line.button) {
          error(lo.has("button") ? lo.at("button") : lp,
                fmt::format("button {} of {} already has line {}", line.button, dev.name, l.dn));
          clash = true;
        } else if (l.dn == line.dn && l.partition == line.partition) {
          error(lo.at("dn"), fmt::format("DN {} is on {} twice", line.dn, dev.name));
          clash = true;
        }
      }
      if (clash) continue;
      dev.lines.push_back(std::move(line));
    }
  }
  for (auto& dev : d.devices) {
    std::sort(dev.lines.begin(), dev.lines.end(),
              [](const Line& a, const Line& b) { return a.button < b.button; });
  }
}

}  // namespace voicelab::scenario::detail
