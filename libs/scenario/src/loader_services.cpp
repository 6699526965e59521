// The loader: DHCP scopes, DNS records and the CUCM device database.

#include <algorithm>
#include <cctype>

#include <fmt/core.h>

#include "loader_internal.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario::detail {
namespace {

// The pool a scope hands out by default: the subnet's hosts without the first ten (fewer in
// small subnets, kept for gateways and servers) and never the gateway's own address.
std::pair<wire::Ipv4Address, wire::Ipv4Address> default_range(
    const wire::Ipv4Prefix& subnet, std::optional<wire::Ipv4Address> gateway) {
  const std::uint32_t network = subnet.network().to_u32();
  const std::uint32_t broadcast = subnet.broadcast().to_u32();
  if (subnet.length >= 31) return {subnet.network(), subnet.broadcast()};
  const std::uint32_t hosts = broadcast - network - 1;
  const std::uint32_t reserve = std::min<std::uint32_t>(10, hosts / 4);
  std::uint32_t first = network + 1 + reserve;
  std::uint32_t last = broadcast - 1;
  if (gateway) {
    const std::uint32_t g = gateway->to_u32();
    if (g >= first && g <= last) {
      // Keep the larger side of the gateway.
      if (g - first >= last - g) {
        last = g - 1;
      } else {
        first = g + 1;
      }
    }
  }
  return {wire::Ipv4Address{first}, wire::Ipv4Address{last}};
}

bool valid_hostname(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.' ||
      name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  });
}

}  // namespace

std::vector<std::uint16_t> Loader::voice_vlans_in_use() const {
  std::vector<std::uint16_t> out;
  for (const auto& sw : s_.switches) {
    for (const auto& p : sw.ports) {
      if (p.voice_vlan && std::find(out.begin(), out.end(), *p.voice_vlan) == out.end()) {
        out.push_back(*p.voice_vlan);
      }
    }
  }
  return out;
}

void Loader::read_dhcp_scopes() {
  std::vector<wire::Ipv4Address> tftp_default;
  for (const auto& node : s_.cucm.nodes) {
    if (node.tftp) tftp_default.push_back(node.host.address.address);
  }
  std::vector<wire::Ipv4Address> dns_default;
  for (const auto& server : s_.dns.servers) dns_default.push_back(server.host.address.address);
  const auto voice_vlans = voice_vlans_in_use();

  for (std::size_t k = 0; k < s_.dhcp_servers.size(); ++k) {
    DhcpServer& server = s_.dhcp_servers[k];
    const wire::Ipv4Address self = servers_[k].address;
    const json* scopes = dhcp_scope_json_[k];
    if (scopes == nullptr) {
      // One scope per SVI that relays to this server.
      for (const auto& sw : s_.switches) {
        for (const auto& svi : sw.svis) {
          if (std::find(svi.helper_addresses.begin(), svi.helper_addresses.end(), self) ==
              svi.helper_addresses.end()) {
            continue;
          }
          DhcpScope scope;
          scope.name = fmt::format("vlan{}", svi.vlan);
          if (std::any_of(server.scopes.begin(), server.scopes.end(),
                          [&](const DhcpScope& s) { return s.name == scope.name; })) {
            scope.name += "-" + sw.name;
          }
          scope.subnet = wire::Ipv4Prefix{svi.address.network(), svi.address.length};
          std::tie(scope.range_first, scope.range_last) =
              default_range(scope.subnet, svi.address.address);
          scope.router = svi.address.address;
          scope.dns_servers = dns_default;
          scope.domain = s_.dns.domain;
          if (std::find(voice_vlans.begin(), voice_vlans.end(), svi.vlan) != voice_vlans.end()) {
            scope.tftp_servers = tftp_default;
          }
          server.scopes.push_back(std::move(scope));
        }
      }
      continue;
    }
    const std::string list_ptr = server.source + "/scopes";
    if (!expect_array(*scopes, list_ptr)) continue;
    for (std::size_t i = 0; i < scopes->size(); ++i) {
      const std::string sp = pointer_append(list_ptr, i);
      Obj so(*this, &(*scopes)[i], sp,
             {"name", "subnet", "range", "router", "dns_servers", "domain", "ntp_servers",
              "option150", "option66", "lease", "reservations"},
             "a DHCP scope");
      if (!so.ok()) continue;
      so.require("subnet", "the subnet it serves, e.g. \"10.100.0.0/24\"");
      DhcpScope scope;
      scope.name = so.name("name").value_or(fmt::format("scope{}", i + 1));
      if (std::any_of(server.scopes.begin(), server.scopes.end(),
                      [&](const DhcpScope& s) { return s.name == scope.name; })) {
        error(so.has("name") ? so.at("name") : sp,
              fmt::format("{} already has a scope named \"{}\"", server.name, scope.name));
      }
      std::optional<wire::Ipv4Prefix> subnet;
      if (const json* j = so.get("subnet")) subnet = read_prefix(*j, so.at("subnet"));
      if (!subnet) continue;
      scope.subnet = wire::Ipv4Prefix{subnet->network(), subnet->length};
      if (subnet->address != subnet->network()) {
        warning(so.at("subnet"), fmt::format("{} has host bits set; the scope serves {}",
                                             subnet->to_string(), scope.subnet.to_string()));
      }
      // The router: given, null (none), or the SVI of that subnet.
      const Svi* svi = nullptr;
      for (const auto& sw : s_.switches) {
        for (const auto& candidate : sw.svis) {
          if (candidate.address.network() == scope.subnet.network() &&
              candidate.address.length == scope.subnet.length) {
            svi = &candidate;
          }
        }
      }
      if (so.is_null("router")) {
        scope.router.reset();
      } else if (so.has("router")) {
        scope.router = so.ipv4("router");
        if (scope.router && !scope.subnet.contains(*scope.router)) {
          error(so.at("router"), fmt::format("router {} is outside the scope's subnet {}",
                                             scope.router->to_string(), scope.subnet.to_string()));
        }
      } else if (svi != nullptr) {
        scope.router = svi->address.address;
      }
      if (const json* range = so.array("range")) {
        if (range->size() != 2) {
          error(so.at("range"),
                fmt::format("expected [first, last] (two addresses), got {} elements",
                            range->size()));
        } else {
          auto first = read_ipv4((*range)[0], pointer_append(so.at("range"), 0));
          auto last = read_ipv4((*range)[1], pointer_append(so.at("range"), 1));
          if (first && last) {
            if (!scope.subnet.contains(*first) || !scope.subnet.contains(*last)) {
              error(so.at("range"),
                    fmt::format("range {} - {} is not inside {}", first->to_string(),
                                last->to_string(), scope.subnet.to_string()));
            } else if (*last < *first) {
              error(so.at("range"), fmt::format("range {} - {} ends before it starts",
                                                first->to_string(), last->to_string()));
            }
            scope.range_first = *first;
            scope.range_last = *last;
          }
        }
      } else {
        std::tie(scope.range_first, scope.range_last) = default_range(scope.subnet, scope.router);
      }
      scope.dns_servers = so.ipv4_list("dns_servers").value_or(dns_default);
      if (so.is_null("domain")) {
        scope.domain.clear();
      } else {
        scope.domain = so.str("domain").value_or(s_.dns.domain);
      }
      scope.ntp_servers = so.ipv4_list("ntp_servers").value_or(std::vector<wire::Ipv4Address>{});
      scope.tftp_servers = so.ipv4_list("option150").value_or(tftp_default);
      if (!so.is_null("option66")) scope.tftp_server_name = so.str("option66");
      if (auto lease = so.duration("lease", false)) scope.lease = *lease;
      if (const json* reservations = so.array("reservations")) {
        for (std::size_t r = 0; r < reservations->size(); ++r) {
          const std::string rp = pointer_append(so.at("reservations"), r);
          Obj ro(*this, &(*reservations)[r], rp, {"mac", "address"}, "a reservation");
          if (!ro.ok()) continue;
          ro.require("mac", "the client's MAC address");
          ro.require("address", "the address reserved for it");
          auto mac = ro.mac("mac");
          auto address = ro.ipv4("address");
          if (!mac || !address) continue;
          if (!scope.subnet.contains(*address)) {
            error(ro.at("address"), fmt::format("{} is outside the scope's subnet {}",
                                                address->to_string(), scope.subnet.to_string()));
            continue;
          }
          if (std::any_of(scope.reservations.begin(), scope.reservations.end(),
                          [&](const DhcpReservation& x) { return x.mac == *mac; })) {
            error(ro.at("mac"),
                  fmt::format("{} already has a reservation in this scope", mac->to_string()));
            continue;
          }
          scope.reservations.push_back({*mac, *address});
        }
      }
      // Reached through a relay (an SVI on that subnet naming this server), or directly?
      const bool direct = scope.subnet.contains(self);
      const bool relayed =
          svi != nullptr && std::find(svi->helper_addresses.begin(), svi->helper_addresses.end(),
                                      self) != svi->helper_addresses.end();
      if (!direct && !relayed) {
        warning(sp, fmt::format("no SVI relays {} to {}: clients there will not reach this scope",
                                scope.subnet.to_string(), server.name));
      }
      server.scopes.push_back(std::move(scope));
    }
  }
}

void Loader::read_dns_records() {
  Obj dns(*this, root_.contains("dns") ? &root_["dns"] : nullptr, "/dns");
  const auto qualify = [&](std::string name) {
    if (name.find('.') == std::string::npos) name += "." + s_.dns.domain;
    return name;
  };
  if (const json* records = dns.array("records")) {
    for (std::size_t i = 0; i < records->size(); ++i) {
      const std::string rp = pointer_append("/dns/records", i);
      Obj ro(*this, &(*records)[i], rp, {"name", "type", "address", "target", "ttl"},
             "a DNS record");
      if (!ro.ok()) continue;
      ro.require("name", "the host name, e.g. \"tftp.voicelab.test\"");
      DnsRecord record;
      auto name = ro.str("name");
      if (!name) continue;
      if (!valid_hostname(*name)) {
        error(ro.at("name"), fmt::format("\"{}\" is not a host name", *name));
        continue;
      }
      record.name = qualify(*name);
      const auto type = ro.choice("type", {"A", "CNAME"}).value_or("A");
      record.type = type == "A" ? DnsRecordType::a : DnsRecordType::cname;
      if (record.type == DnsRecordType::a) {
        ro.require("address", "the IPv4 address of an A record");
        if (ro.has("target"))
          error(ro.at("target"), "an A record has an address, not a target", true);
        if (auto a = ro.ipv4("address")) record.address = *a;
      } else {
        ro.require("target", "the name a CNAME points to");
        if (ro.has("address"))
          error(ro.at("address"), "a CNAME has a target, not an address", true);
        if (auto t = ro.str("target")) {
          if (valid_hostname(*t)) {
            record.target = qualify(*t);
          } else {
            error(ro.at("target"), fmt::format("\"{}\" is not a host name", *t));
          }
        }
      }
      if (auto ttl = ro.duration("ttl")) record.ttl = *ttl;
      for (const auto& other : s_.dns.records) {
        if (other.name == record.name &&
            (other.type == DnsRecordType::cname || record.type == DnsRecordType::cname)) {
          error(rp, fmt::format("{} has a CNAME and another record: a CNAME must stand alone",
                                record.name));
        }
      }
      s_.dns.records.push_back(std::move(record));
    }
  }
  if (dns.boolean("node_records").value_or(true)) {
    for (const auto& node : s_.cucm.nodes) {
      const bool named = std::any_of(s_.dns.records.begin(), s_.dns.records.end(),
                                     [&](const DnsRecord& r) { return r.name == node.hostname; });
      if (!named) {
        DnsRecord record;
        record.name = node.hostname;
        record.address = node.host.address.address;
        s_.dns.records.push_back(std::move(record));
      }
    }
  }
  // Every CNAME should end somewhere.
  for (const auto& r : s_.dns.records) {
    if (r.type != DnsRecordType::cname) continue;
    const bool found = std::any_of(s_.dns.records.begin(), s_.dns.records.end(),
                                   [&](const DnsRecord& o) { return o.name == r.target; });
    if (!found)
      warning("/dns/records",
              fmt::format("CNAME {} points to {}, which has no record", r.name, r.target));
  }
}

void Loader::read_database() {
  Obj cucm(*this, root_.contains("cucm") ? &root_["cucm"] : nullptr, "/cucm");
  Obj db(
      *this, cucm.get("database"), "/cucm/database",
      {"security_mode", "autoregistration", "device_pools", "callmanager_groups", "default_loads",
       "locales", "dial_rules", "softkey_templates", "ringlists", "devices", "lines"},
      "the device database");
  Database& d = s_.cucm.database;
  if (auto mode = db.choice("security_mode", {"non-secure", "mixed"})) {
    d.security_mode = *mode == "mixed" ? SecurityMode::mixed : SecurityMode::non_secure;
  }

  // Default loads: the built-in table, overridden per model.
  for (const auto& m : phone_models()) d.default_loads.emplace_back(m.product, m.default_load);
  if (const json* loads = db.object("default_loads")) {
    for (const auto& [key, value] : loads->items()) {
      const std::string lp = pointer_append("/cucm/database/default_loads", key);
      const PhoneModel* model = find_phone_model(key);
      if (model == nullptr) {
        std::vector<std::string> names;
        for (const auto& m : phone_models()) names.emplace_back(m.number);
        error(lp,
              fmt::format("unknown phone model \"{}\"{}; known models: {}", key,
                          suggestion(key, names), join_names(names, 64)),
              true);
        continue;
      }
      auto load = read_load_id(value, lp);
      if (!load) continue;
      for (auto& [m, l] : d.default_loads) {
        if (m == model->product) l = *load;
      }
    }
  }

  // Locales: the first of each list is the cluster default.
  Obj locales(*this, db.get("locales"), db.at("locales"), {"user", "network"}, "the locales");
  d.user_locales =
      locales.str_list("user").value_or(std::vector<std::string>{"English_United_States"});
  d.network_locales =
      locales.str_list("network").value_or(std::vector<std::string>{"United_States"});
  if (d.user_locales.empty()) error(locales.at("user"), "expected at least one user locale");
  if (d.network_locales.empty())
    error(locales.at("network"), "expected at least one network locale");
  if (!d.user_locales.empty()) d.default_user_locale = d.user_locales.front();
  if (!d.network_locales.empty()) d.default_network_locale = d.network_locales.front();

  // CallManager groups.
  if (const json* groups = db.array("callmanager_groups")) {
    for (std::size_t i = 0; i < groups->size(); ++i) {
      const std::string gp = pointer_append("/cucm/database/callmanager_groups", i);
      Obj go(*this, &(*groups)[i], gp, {"name", "nodes"}, "a CallManager group");
      if (!go.ok()) continue;
      go.require("name", "the group name");
      go.require("nodes", "its nodes, highest priority first");
      CmGroup group;
      group.source = gp;
      group.name = go.str("name").value_or(fmt::format("Group{}", i + 1));
      if (d.find_cm_group(group.name) != nullptr) {
        error(go.at("name"), fmt::format("CallManager group \"{}\" is listed twice", group.name));
      }
      group.nodes = go.str_list("nodes").value_or(std::vector<std::string>{});
      d.cm_groups.push_back(std::move(group));
    }
  } else if (!db.has("callmanager_groups")) {
    CmGroup group;
    group.name = "Default";
    for (const auto& node : s_.cucm.nodes) {
      if (node.callmanager && group.nodes.size() < 3) group.nodes.push_back(node.name);
    }
    d.cm_groups.push_back(std::move(group));
  }

  // Softkey templates, dial rules, ring lists.
  if (const json* templates = db.array("softkey_templates")) {
    for (std::size_t i = 0; i < templates->size(); ++i) {
      const std::string tp = pointer_append("/cucm/database/softkey_templates", i);
      Obj to(*this, &(*templates)[i], tp, {"name", "description", "softkeys"},
             "a softkey template");
      if (!to.ok()) continue;
      to.require("name", "the template name");
      SoftkeyTemplate t;
      t.name = to.str("name").value_or("");
      t.description = to.str("description", true).value_or("");
      t.softkeys = to.str_list("softkeys").value_or(std::vector<std::string>{});
      if (std::any_of(d.softkey_templates.begin(), d.softkey_templates.end(),
                      [&](const SoftkeyTemplate& o) { return o.name == t.name; })) {
        error(to.at("name"), fmt::format("softkey template \"{}\" is listed twice", t.name));
      }
      d.softkey_templates.push_back(std::move(t));
    }
  } else if (!db.has("softkey_templates")) {
    d.softkey_templates.push_back({"Standard User", "Standard User", {}});
  }
  if (const json* rules = db.array("dial_rules")) {
    for (std::size_t i = 0; i < rules->size(); ++i) {
      const std::string rp = pointer_append("/cucm/database/dial_rules", i);
      Obj ro(*this, &(*rules)[i], rp, {"name", "rules"}, "a set of dial rules");
      if (!ro.ok()) continue;
      ro.require("name", "the dial rules name");
      DialRules set;
      set.name = ro.str("name").value_or("");
      if (const json* list = ro.array("rules")) {
        for (std::size_t k = 0; k < list->size(); ++k) {
          const std::string kp = pointer_append(ro.at("rules"), k);
          Obj ko(*this, &(*list)[k], kp, {"pattern", "timeout", "description"}, "a dial rule");
          if (!ko.ok()) continue;
          ko.require("pattern", "the digits it matches, e.g. \"9.@\"");
          DialRule rule;
          rule.pattern = ko.str("pattern").value_or("");
          if (auto t = ko.duration("timeout")) rule.timeout = *t;
          rule.description = ko.str("description", true).value_or("");
          set.rules.push_back(std::move(rule));
        }
      }
      if (std::any_of(d.dial_rules.begin(), d.dial_rules.end(),
                      [&](const DialRules& o) { return o.name == set.name; })) {
        error(ro.at("name"), fmt::format("dial rules \"{}\" are listed twice", set.name));
      }
      d.dial_rules.push_back(std::move(set));
    }
  }
  if (const json* ringlists = db.array("ringlists")) {
    for (std::size_t i = 0; i < ringlists->size(); ++i) {
      const std::string rp = pointer_append("/cucm/database/ringlists", i);
      Obj ro(*this, &(*ringlists)[i], rp, {"name", "rings"}, "a ring list");
      if (!ro.ok()) continue;
      ro.require("name", "the file name phones request, e.g. \"Ringlist-wb.xml\"");
      Ringlist list;
      list.name = ro.str("name").value_or("");
      if (const json* rings = ro.array("rings")) {
        for (std::size_t k = 0; k < rings->size(); ++k) {
          const std::string kp = pointer_append(ro.at("rings"), k);
          Obj ko(*this, &(*rings)[k], kp, {"file", "display"}, "a ring");
          if (!ko.ok()) continue;
          ko.require("file", "the ring tone file, e.g. \"Analog1.rwb\"");
          Ring ring;
          ring.file = ko.str("file").value_or("");
          ring.display = ko.str("display").value_or(ring.file);
          list.rings.push_back(std::move(ring));
        }
      }
      d.ringlists.push_back(std::move(list));
    }
  } else if (!db.has("ringlists")) {
    d.ringlists.push_back({"Ringlist-wb.xml",
                           {{"Analog1.rwb", "Analog Synth 1"}, {"Analog2.rwb", "Analog Synth 2"}}});
  }

  // Device pools.
  if (const json* pools = db.array("device_pools")) {
    for (std::size_t i = 0; i < pools->size(); ++i) {
      const std::string pp = pointer_append("/cucm/database/device_pools", i);
      Obj po(*this, &(*pools)[i], pp,
             {"name", "callmanager_group", "date_time_group", "region", "user_locale",
              "network_locale", "softkey_template", "connection_monitor_duration"},
             "a device pool");
      if (!po.ok()) continue;
      po.require("name", "the device pool name");
      DevicePool pool;
      pool.source = pp;
      pool.name = po.str("name").value_or(fmt::format("Pool{}", i + 1));
      if (d.find_device_pool(pool.name) != nullptr) {
        error(po.at("name"), fmt::format("device pool \"{}\" is listed twice", pool.name));
      }
      pool.cm_group = po.str("callmanager_group").value_or("");
      pool.date_time_group = po.str("date_time_group").value_or(pool.date_time_group);
      pool.region = po.str("region").value_or(pool.region);
      pool.user_locale = po.str("user_locale").value_or("");
      pool.network_locale = po.str("network_locale").value_or("");
      pool.softkey_template = po.str("softkey_template").value_or("");
      if (auto c = po.duration("connection_monitor_duration"))
        pool.connection_monitor_duration = *c;
      d.device_pools.push_back(std::move(pool));
    }
  } else if (!db.has("device_pools")) {
    DevicePool pool;
    pool.name = "Default";
    d.device_pools.push_back(std::move(pool));
  }
  for (auto& pool : d.device_pools) {
    if (pool.cm_group.empty() && !d.cm_groups.empty()) {
      pool.cm_group = d.find_cm_group("Default") != nullptr ? "Default" : d.cm_groups.front().name;
    }
    if (pool.softkey_template.empty() && !d.softkey_templates.empty()) {
      pool.softkey_template = d.softkey_templates.front().name;
    }
  }

  // Autoregistration.
  Obj auto_reg(*this, db.get("autoregistration"), db.at("autoregistration"),
               {"enabled", "device_pool", "dn_range", "protocol"}, "the autoregistration settings");
  if (auto v = auto_reg.boolean("enabled")) d.autoregistration.enabled = *v;
  if (auto v = auto_reg.str("device_pool")) {
    d.autoregistration.device_pool = *v;
  } else if (!d.device_pools.empty() && d.find_device_pool("Default") == nullptr) {
    d.autoregistration.device_pool = d.device_pools.front().name;
  }
  if (auto v = auto_reg.choice("protocol", {"SIP", "SCCP"})) d.autoregistration.protocol = *v;
  if (const json* range = auto_reg.array("dn_range")) {
    if (range->size() != 2) {
      error(auto_reg.at("dn_range"), "expected [first, last] (two directory numbers)");
    } else {
      auto first = read_dn((*range)[0], pointer_append(auto_reg.at("dn_range"), 0));
      auto last = read_dn((*range)[1], pointer_append(auto_reg.at("dn_range"), 1));
      if (first && last) {
        const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
        const bool digits = std::all_of(first->begin(), first->end(), is_digit) &&
                            std::all_of(last->begin(), last->end(), is_digit);
        if (!digits || first->size() != last->size() || *last < *first) {
          error(
              auto_reg.at("dn_range"),
              fmt::format("dn_range [{}, {}] must be two numbers of the same length, first <= last",
                          *first, *last));
        }
        d.autoregistration.dn_first = *first;
        d.autoregistration.dn_last = *last;
      }
    }
  }

  // Devices listed explicitly (phones add theirs later).
  if (const json* devices = db.array("devices")) {
    for (std::size_t i = 0; i < devices->size(); ++i) {
      const std::string dp = pointer_append("/cucm/database/devices", i);
      Obj dobj(*this, &(*devices)[i], dp,
               {"name", "model", "description", "device_pool", "load", "softkey_template",
                "dial_rules", "user_locale", "network_locale", "transport"},
               "a device");
      if (!dobj.ok()) continue;
      dobj.require("name", "the device name, \"SEP\" + MAC, e.g. \"SEP001122334455\"");
      auto name = dobj.str("name");
      if (!name) continue;
      std::string upper = *name;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      const bool shape = upper.size() == 15 && upper.rfind("SEP", 0) == 0 &&
                         std::all_of(upper.begin() + 3, upper.end(), [](char c) {
                           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
                         });
      if (!shape) {
        error(dobj.at("name"),
              fmt::format("\"{}\" is not a phone device name: expected \"SEP\" and 12 "
                          "hex digits of the MAC, e.g. \"SEP001122334455\"",
                          *name));
        continue;
      }
      if (upper != *name) {
        error(dobj.at("name"), fmt::format("device names are upper case: \"{}\"", upper));
        continue;
      }
      if (device_index_.count(*name) != 0) {
        error(dobj.at("name"), fmt::format("device {} is listed twice", *name));
        continue;
      }
      Device dev;
      dev.source = dp;
      dev.name = *name;
      dev.model = "CP-8861";
      if (const json* m = dobj.get("model"))
        dev.model = read_model(*m, dobj.at("model")).value_or(dev.model);
      dev.description = dobj.str("description", true).value_or("");
      dev.device_pool = dobj.str("device_pool").value_or("");
      if (const json* l = dobj.get("load")) dev.load = read_load_id(*l, dobj.at("load"));
      dev.softkey_template = dobj.str("softkey_template").value_or("");
      dev.dial_rules = dobj.str("dial_rules").value_or("");
      dev.user_locale = dobj.str("user_locale").value_or("");
      dev.network_locale = dobj.str("network_locale").value_or("");
      dev.transport = dobj.choice("transport", {"TCP", "UDP"}).value_or("TCP");
      device_index_.emplace(dev.name, d.devices.size());
      device_explicit_.push_back(true);
      d.devices.push_back(std::move(dev));
    }
  }
}

void Loader::check_database_references() {
  Database& d = s_.cucm.database;
  const auto names_of = [](const auto& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name);
    return out;
  };
  const auto check_ref = [&](const std::string& value, const std::vector<std::string>& names,
                             const std::string& pointer, std::string_view what) {
    if (value.empty()) return;
    if (std::find(names.begin(), names.end(), value) == names.end()) {
      error(pointer, fmt::format("no {} named \"{}\"{}; {}s: {}", what, value,
                                 suggestion(value, names), what, join_names(names)));
    }
  };
  const auto node_names = [&] {
    std::vector<std::string> out;
    for (const auto& n : s_.cucm.nodes) out.push_back(n.name);
    return out;
  }();
  for (std::size_t i = 0; i < d.cm_groups.size(); ++i) {
    const CmGroup& g = d.cm_groups[i];
    const std::string gp = g.source.empty() ? "/cucm" : g.source + "/nodes";
    if (g.nodes.size() > 3) {
      error(gp, fmt::format("CallManager group {} lists {} nodes: a group has at most three",
                            g.name, g.nodes.size()));
    }
    if (g.nodes.empty() && !g.source.empty()) {
      error(gp, fmt::format("CallManager group {} has no node", g.name));
    }
    for (std::size_t k = 0; k < g.nodes.size(); ++k) {
      const std::string np = g.source.empty() ? gp : pointer_append(gp, k);
      const CucmNode* node = s_.cucm.find_node(g.nodes[k]);
      if (node == nullptr) {
        check_ref(g.nodes[k], node_names, np, "CUCM node");
        continue;
      }
      if (std::count(g.nodes.begin(), g.nodes.end(), g.nodes[k]) > 1) {
        error(np, fmt::format("{} is listed twice in CallManager group {}", g.nodes[k], g.name));
      }
      if (!node->callmanager) {
        warning(np,
                fmt::format("{} does not run the CallManager service: phones cannot register there",
                            node->name));
      }
    }
  }
  const auto pools = names_of(d.device_pools);
  const auto groups = names_of(d.cm_groups);
  const auto templates = names_of(d.softkey_templates);
  const auto rules = names_of(d.dial_rules);
  for (const auto& pool : d.device_pools) {
    if (pool.source.empty()) continue;
    check_ref(pool.cm_group, groups, pool.source + "/callmanager_group", "CallManager group");
    check_ref(pool.softkey_template, templates, pool.source + "/softkey_template",
              "softkey template");
    check_ref(pool.user_locale, d.user_locales, pool.source + "/user_locale", "user locale");
    check_ref(pool.network_locale, d.network_locales, pool.source + "/network_locale",
              "network locale");
  }
  if (d.device_pools.empty())
    error("/cucm/database/device_pools", "expected at least one device pool");
  if (!d.device_pools.empty()) {
    check_ref(d.autoregistration.device_pool, pools, "/cucm/database/autoregistration/device_pool",
              "device pool");
  }
  for (std::size_t i = 0; i < d.devices.size(); ++i) {
    Device& dev = d.devices[i];
    if (dev.device_pool.empty() && !d.device_pools.empty()) {
      dev.device_pool =
          d.find_device_pool("Default") != nullptr ? "Default" : d.device_pools.front().name;
    }
    if (!device_explicit_[i]) continue;
    check_ref(dev.device_pool, pools, dev.source + "/device_pool", "device pool");
    check_ref(dev.softkey_template, templates, dev.source + "/softkey_template",
              "softkey template");
    check_ref(dev.dial_rules, rules, dev.source + "/dial_rules", "dial rules");
    check_ref(dev.user_locale, d.user_locales, dev.source + "/user_locale", "user locale");
    check_ref(dev.network_locale, d.network_locales, dev.source + "/network_locale",
              "network locale");
  }
}

}  // namespace voicelab::scenario::detail
