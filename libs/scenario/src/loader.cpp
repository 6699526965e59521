// The loader: entry points, the root object, the topology and the server hosts.

#include "voicelab/scenario/loader.hpp"

#include <algorithm>
#include <deque>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "loader_internal.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario {
namespace detail {

Loader::Loader(std::string_view text, std::string file, const LoadOptions& options)
    : text_(text), file_(std::move(file)), options_(options) {}

LoadResult Loader::run() {
  try {
    root_ = json::parse(text_.begin(), text_.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the position of the character that could not be read.
    const std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while
    // parsing object - ..." -> keep what follows "parse error...: ".
    if (const auto colon = what.find(": "); colon != std::string::npos)
      what = what.substr(colon + 2);
    diagnostics_.push_back(Diagnostic{Severity::error, file_, "", position_of(text_, offset),
                                      "invalid JSON: " + what});
    return LoadResult{std::nullopt, std::move(diagnostics_)};
  }
  map_ = SourceMap::build(text_);
  for (const auto& d : map_.duplicate_keys()) {
    error(d.pointer,
          fmt::format("duplicate key (first at line {}, column {}); JSON keeps only the last one",
                      d.first.line, d.first.column),
          true);
  }
  if (!root_.is_object()) {
    error("", fmt::format("expected the scenario (an object), got {}", describe(root_)));
    return LoadResult{std::nullopt, std::move(diagnostics_)};
  }
  read_root();
  if (dropped_ > 0) {
    diagnostics_.push_back(Diagnostic{Severity::error, file_, "", std::nullopt,
                                      fmt::format("{} more errors not shown", dropped_)});
  }
  // Document order: by position, errors without one first.
  std::stable_sort(
      diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        const auto key = [](const Diagnostic& d) {
          return d.position ? std::pair{d.position->line, d.position->column} : std::pair{0U, 0U};
        };
        return key(a) < key(b);
      });
  if (errors_ > 0) return LoadResult{std::nullopt, std::move(diagnostics_)};
  s_.index();
  return LoadResult{std::move(s_), std::move(diagnostics_)};
}

std::vector<std::string> Loader::switch_names() const {
  std::vector<std::string> out;
  for (const auto& sw : s_.switches) out.push_back(sw.name);
  return out;
}

std::vector<std::string> Loader::host_names() const {
  std::vector<std::string> out;
  for (const auto& h : servers_) out.push_back(h.name);
  return out;
}

std::vector<std::string> Loader::link_names() const {
  std::vector<std::string> out;
  for (const auto& l : s_.links) out.push_back(l.name);
  return out;
}

std::size_t Loader::gateway_switch() const {
  for (std::size_t i = 0; i < s_.switches.size(); ++i) {
    if (s_.switches[i].role == SwitchRole::distribution) return i;
  }
  return 0;
}

// ---- root -----------------------------------------------------------------------------------

void Loader::read_root() {
  Obj o(*this, &root_, "",
        {"$schema", "name", "description", "seed", "time_limit", "topology", "dhcp", "dns", "cucm",
         "phones", "phone_groups", "timeline", "expect"},
        "the scenario");
  if (o.has("$schema")) (void)o.str("$schema");
  s_.file = file_;
  if (auto n = o.name("name")) {
    s_.name = *n;
  } else if (!o.has("name")) {
    // The file name without directories and ".json", made a valid name.
    std::string stem = std::filesystem::path(file_).stem().string();
    for (char& c : stem) {
      if (!valid_name(std::string(1, c))) c = '-';
    }
    s_.name = stem.empty() ? "scenario" : stem.substr(0, 64);
  }
  if (auto d = o.str("description", true)) s_.description = *d;
  if (auto seed = o.integer("seed", 0, std::numeric_limits<std::int64_t>::max())) {
    s_.seed = static_cast<std::uint64_t>(*seed);
  }
  if (auto t = o.duration("time_limit", false)) s_.time_limit = *t;

  // Errors in switches and links are counted apart: checks that depend on them (a server's SVI,
  // connectivity) stay quiet then, rather than echo them.
  std::size_t before = errors_;
  Obj topology(*this, o.get("topology"), "/topology", {"switches", "links"}, "the topology");
  read_switches(topology.array("switches"), "/topology/switches");
  if (s_.switches.empty()) return;  // nothing else can be resolved
  topology_errors_ = errors_ - before;
  read_server_hosts();
  default_svis();
  links_given_ = topology.has("links");
  before = errors_;
  read_links(topology.array("links"), "/topology/links");
  if (!links_given_) auto_links();
  topology_errors_ += errors_ - before;
  attach_servers();
  check_connectivity();
  read_dhcp_scopes();
  read_dns_records();
  read_database();
  read_phones();
  attach_pending_servers();
  assign_phone_ports();
  read_phone_groups();
  read_database_lines();
  check_database_references();
  read_timeline();
  read_expectations();
  final_checks();
}

// ---- switches -------------------------------------------------------------------------------

void Loader::read_switches(const json* switches, const std::string& pointer) {
  if (switches == nullptr) {
    // The default: one access switch with everything at its defaults.
    const json empty = json::object();
    read_switch(empty, pointer, 0);
    s_.switches.back().source = "";
    return;
  }
  if (switches->empty()) {
    error(pointer, "expected at least one switch");
    return;
  }
  for (std::size_t i = 0; i < switches->size(); ++i) {
    read_switch((*switches)[i], pointer_append(pointer, i), i);
  }
}

void Loader::read_switch(const json& j, const std::string& p, std::size_t index) {
  Obj o(*this, &j, p,
        {"name", "role", "model", "software", "ports", "uplinks", "interfaces", "vlans", "svis",
         "poe", "cdp", "lldp_med", "access_link"},
        "a switch");
  if (!o.ok()) return;
  Switch sw;
  sw.source = p;
  if (auto role = o.choice("role", {"access", "distribution"})) {
    sw.role = *role == "access" ? SwitchRole::access : SwitchRole::distribution;
  }
  const bool access = sw.role == SwitchRole::access;
  std::size_t same_role = 1;
  for (const auto& other : s_.switches) same_role += other.role == sw.role ? 1 : 0;
  sw.name = o.name("name").value_or(fmt::format("{}{}", access ? "access" : "dist", same_role));
  for (const auto& other : s_.switches) {
    if (other.name == sw.name) {
      error(o.has("name") ? o.at("name") : p,
            fmt::format("switch name \"{}\" is already used by {}", sw.name, other.source));
    }
  }
  sw.model = o.str("model").value_or(access ? "WS-C3850-48P" : "WS-C3850-24XS");
  sw.software = o.str("software").value_or("Cisco IOS-XE 16.12.4");
  if (auto l = o.boolean("lldp_med")) sw.lldp_med = *l;

  // VLANs: objects {"id", "name"} or bare ids. When an entry is wrong, membership checks below
  // would only echo that error, so they are skipped for this switch.
  const std::size_t errors_before_vlans = errors_;
  if (const json* vlans = o.array("vlans")) {
    for (std::size_t i = 0; i < vlans->size(); ++i) {
      const std::string vp = pointer_append(o.at("vlans"), i);
      const json& v = (*vlans)[i];
      Vlan vlan;
      if (v.is_number()) {
        auto id = read_vlan(v, vp);
        if (!id) continue;
        vlan = {*id, fmt::format("VLAN{:04}", *id)};
      } else {
        Obj vo(*this, &v, vp, {"id", "name"}, "a VLAN");
        if (!vo.ok()) continue;
        vo.require("id", "the VLAN id");
        auto id = vo.vlan("id");
        if (!id) continue;
        vlan = {*id, vo.str("name").value_or(fmt::format("VLAN{:04}", *id))};
      }
      if (sw.has_vlan(vlan.id)) {
        error(vp, fmt::format("VLAN {} is listed twice", vlan.id));
        continue;
      }
      sw.vlans.push_back(vlan);
    }
  } else if (!o.has("vlans")) {
    sw.vlans = {{default_data_vlan, "DATA"},
                {default_voice_vlan, "VOICE"},
                {default_server_vlan, "SERVERS"}};
  }
  const bool vlans_ok = errors_ == errors_before_vlans;

  // Access ports.
  Obj ports(*this, o.get("ports"), o.at("ports"),
            {"count", "prefix", "first", "access_vlan", "voice_vlan", "poe"}, "the port range");
  const auto count =
      static_cast<std::size_t>(ports.integer("count", 0, 65535).value_or(access ? 48 : 24));
  const std::string prefix = ports.str("prefix").value_or(access ? "Gi1/0/" : "Te1/0/");
  const auto first = static_cast<std::size_t>(ports.integer("first", 0, 65535).value_or(1));
  SwitchPort proto;
  proto.access_vlan =
      ports.vlan("access_vlan").value_or(access ? default_data_vlan : default_server_vlan);
  if (ports.is_null("voice_vlan")) {
    proto.voice_vlan.reset();
  } else if (ports.has("voice_vlan")) {
    proto.voice_vlan = ports.vlan("voice_vlan");
  } else if (access) {
    proto.voice_vlan = default_voice_vlan;
  }
  proto.poe = ports.boolean("poe").value_or(access);
  const std::string ports_ptr = ports.present() ? ports.pointer() : p;
  if (vlans_ok && !sw.has_vlan(proto.access_vlan)) {
    error(ports.has("access_vlan") ? ports.at("access_vlan") : ports_ptr,
          fmt::format("access VLAN {} of the ports of {} is not in its vlans ({})",
                      proto.access_vlan, sw.name, [&] {
                        std::vector<std::string> ids;
                        for (const auto& v : sw.vlans) ids.push_back(std::to_string(v.id));
                        return join_names(ids);
                      }()));
  }
  if (vlans_ok && proto.voice_vlan && !sw.has_vlan(*proto.voice_vlan)) {
    error(ports.has("voice_vlan") ? ports.at("voice_vlan") : ports_ptr,
          fmt::format("voice VLAN {} of the ports of {} is not in its vlans", *proto.voice_vlan,
                      sw.name));
  }
  for (std::size_t n = 0; n < count; ++n) {
    SwitchPort port = proto;
    port.name = prefix + std::to_string(first + n);
    sw.ports.push_back(std::move(port));
  }
  const std::size_t access_count = sw.ports.size();

  // Uplinks.
  Obj uplinks(*this, o.get("uplinks"), o.at("uplinks"), {"count", "prefix"}, "the uplink ports");
  const auto uplink_count =
      static_cast<std::size_t>(uplinks.integer("count", 0, 64).value_or(access ? 4 : 0));
  const std::string uplink_prefix = uplinks.str("prefix").value_or("Te1/1/");
  for (std::size_t n = 1; n <= uplink_count; ++n) {
    SwitchPort port;
    port.name = uplink_prefix + std::to_string(n);
    port.access_vlan = proto.access_vlan;
    port.poe = false;
    port.uplink = true;
    if (sw.find_port(port.name)) {
      error(uplinks.present() ? uplinks.pointer() : p,
            fmt::format("uplink port {} has the same name as an access port: change uplinks.prefix",
                        port.name));
      break;
    }
    sw.ports.push_back(std::move(port));
  }

  std::vector<PortExplicit> explicit_flags(sw.ports.size());
  // Interfaces: per-port overrides, or extra ports.
  if (const json* interfaces = o.array("interfaces")) {
    for (std::size_t i = 0; i < interfaces->size(); ++i) {
      const std::string ip = pointer_append(o.at("interfaces"), i);
      Obj io(*this, &(*interfaces)[i], ip,
             {"name", "mode", "access_vlan", "voice_vlan", "native_vlan", "allowed_vlans", "poe",
              "shutdown"},
             "an interface");
      if (!io.ok()) continue;
      io.require("name", "the port name, e.g. \"Gi1/0/5\"");
      auto name = io.str("name");
      if (!name) continue;
      if (name->find(':') != std::string::npos) {
        error(io.at("name"),
              fmt::format("a port name cannot contain ':' (it separates switch and port "
                          "in references), got \"{}\"",
                          *name));
        continue;
      }
      auto existing = sw.find_port(*name);
      if (!existing) {
        SwitchPort port = proto;
        port.name = *name;
        port.poe = proto.poe;
        sw.ports.push_back(std::move(port));
        explicit_flags.emplace_back();
        existing = sw.ports.size() - 1;
      }
      SwitchPort& port = sw.ports[*existing];
      PortExplicit& flags = explicit_flags[*existing];
      if (auto mode = io.choice("mode", {"access", "trunk"})) {
        port.mode = *mode == "access" ? PortMode::access : PortMode::trunk;
        flags.mode = true;
      }
      if (auto v = io.vlan("access_vlan")) {
        port.access_vlan = *v;
        flags.access_vlan = true;
        if (!sw.has_vlan(*v)) {
          error(io.at("access_vlan"),
                fmt::format("VLAN {} is not in the vlans of {}", *v, sw.name));
        }
      }
      if (io.is_null("voice_vlan")) {
        port.voice_vlan.reset();
        flags.voice_vlan = true;
      } else if (auto v = io.vlan("voice_vlan")) {
        port.voice_vlan = *v;
        flags.voice_vlan = true;
        if (!sw.has_vlan(*v)) {
          error(io.at("voice_vlan"), fmt::format("VLAN {} is not in the vlans of {}", *v, sw.name));
        }
      }
      if (auto v = io.vlan("native_vlan")) port.native_vlan = *v;
      if (auto v = io.vlan_list("allowed_vlans")) port.allowed_vlans = *v;
      if (auto v = io.boolean("poe")) port.poe = *v;
      if (auto v = io.boolean("shutdown")) port.shutdown = *v;
      if (port.mode == PortMode::access && (io.has("native_vlan") || io.has("allowed_vlans"))) {
        warning(ip,
                fmt::format("{} is an access port: native_vlan and allowed_vlans apply to trunks",
                            port.name));
      }
    }
  }

  // SVIs (helper addresses default later, once the DHCP servers are known).
  if (const json* svis = o.array("svis")) {
    for (std::size_t i = 0; i < svis->size(); ++i) {
      const std::string sp = pointer_append(o.at("svis"), i);
      Obj so(*this, &(*svis)[i], sp, {"vlan", "address", "helper_addresses"}, "an SVI");
      if (!so.ok()) continue;
      so.require("vlan", "the VLAN it routes");
      so.require("address", "its address with prefix length, e.g. \"10.100.0.1/24\"");
      auto vlan = so.vlan("vlan");
      std::optional<wire::Ipv4Prefix> address;
      if (const json* a = so.get("address")) address = read_prefix(*a, so.at("address"));
      auto helpers = so.ipv4_list("helper_addresses");
      if (!vlan || !address) continue;
      if (!sw.has_vlan(*vlan)) {
        error(so.at("vlan"), fmt::format("VLAN {} is not in the vlans of {}", *vlan, sw.name));
      }
      if (sw.find_svi(*vlan) != nullptr) {
        error(so.at("vlan"), fmt::format("{} already has an SVI for VLAN {}", sw.name, *vlan));
        continue;
      }
      if (address->length < 31 &&
          (address->address == address->network() || address->address == address->broadcast())) {
        error(so.at("address"),
              fmt::format("{} is the {} address of its subnet: an SVI needs a host address",
                          address->address.to_string(),
                          address->address == address->network() ? "network" : "broadcast"));
      }
      Svi svi{*vlan, *address, helpers.value_or(std::vector<wire::Ipv4Address>{})};
      sw.svis.push_back(svi);
      if (!so.has("helper_addresses")) {
        svi_default_helpers_.emplace_back(s_.switches.size(), sw.svis.size() - 1);
      }
    }
  }
  switch_has_svis_key_.push_back(o.has("svis"));

  Obj poe(*this, o.get("poe"), o.at("poe"), {"enabled", "budget_w", "power_up_delay"},
          "the PoE settings");
  if (auto v = poe.boolean("enabled")) sw.poe.enabled = *v;
  if (auto v = poe.number("budget_w", 0.0, 100000.0)) sw.poe.budget_w = *v;
  if (auto v = poe.duration("power_up_delay")) sw.poe.power_up_delay = *v;

  Obj cdp(*this, o.get("cdp"), o.at("cdp"), {"enabled", "interval", "holdtime"},
          "the CDP settings");
  if (auto v = cdp.boolean("enabled")) sw.cdp.enabled = *v;
  if (auto v = cdp.duration("interval", false)) sw.cdp.interval = *v;
  if (auto v = cdp.duration("holdtime", false)) sw.cdp.holdtime = *v;
  if (sw.cdp.holdtime < sw.cdp.interval) {
    warning(
        cdp.present() ? cdp.pointer() : p,
        fmt::format("CDP holdtime {} is shorter than the interval {}: neighbours expire between "
                    "advertisements",
                    format_duration(sw.cdp.holdtime), format_duration(sw.cdp.interval)));
  }

  Obj link(*this, o.get("access_link"), o.at("access_link"),
           {"latency", "bandwidth", "loss", "jitter"}, "the access link settings");
  if (auto v = link.duration("latency")) sw.access_link.latency = *v;
  if (auto v = link.bandwidth("bandwidth")) sw.access_link.bandwidth_bps = *v;
  if (auto v = link.loss("loss")) sw.access_link.loss = *v;
  if (auto v = link.duration("jitter")) sw.access_link.jitter = *v;

  (void)index;
  port_use_.emplace_back(sw.ports.size());
  port_explicit_.push_back(std::move(explicit_flags));
  access_port_count_.push_back(access_count);
  free_cursor_.push_back(0);
  s_.switches.push_back(std::move(sw));
}

// ---- server hosts ---------------------------------------------------------------------------

namespace {
// Reads the host part shared by DHCP servers, DNS servers and CUCM nodes.
void read_host_fields(Loader& l, Obj& o, ServerHost& h) {
  o.require("address", "its IPv4 address, e.g. \"10.1.1.10\"");
  if (const json* a = o.get("address")) {
    if (a->is_string() && a->get<std::string>().find('/') != std::string::npos) {
      if (auto p = l.read_prefix(*a, o.at("address"))) {
        h.address = p->address;
        h.prefix_length = p->length;
      }
    } else if (auto addr = l.read_ipv4(*a, o.at("address"))) {
      h.address = *addr;
    }
  }
  h.vlan = o.vlan("vlan");
  h.gateway = o.ipv4("gateway");
  h.attach = o.str("attach");
}
}  // namespace

void Loader::read_server_hosts() {
  // The DNS domain first: node host names default to <name>.<domain>.
  Obj dns(*this, root_.contains("dns") ? &root_["dns"] : nullptr, "/dns",
          {"domain", "servers", "records", "node_records"}, "the DNS settings");
  if (auto d = dns.str("domain")) {
    if (d->front() == '.' || d->back() == '.' || d->find("..") != std::string::npos ||
        !std::all_of(d->begin(), d->end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-';
        })) {
      error(dns.at("domain"),
            fmt::format("\"{}\" is not a domain name such as \"voicelab.test\"", *d));
    } else {
      s_.dns.domain = *d;
    }
  }

  const auto add_host = [&](ServerHost h) {
    if (!host_name_set_.insert(h.name).second ||
        std::any_of(s_.switches.begin(), s_.switches.end(),
                    [&](const Switch& sw) { return sw.name == h.name; })) {
      error(h.pointer + "/name",
            fmt::format("name \"{}\" is already used by another switch or server", h.name), false);
    }
    servers_.push_back(std::move(h));
  };

  // DHCP servers.
  Obj dhcp(*this, root_.contains("dhcp") ? &root_["dhcp"] : nullptr, "/dhcp", {"servers"},
           "the DHCP settings");
  if (const json* list = dhcp.array("servers")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string sp = pointer_append("/dhcp/servers", i);
      Obj so(*this, &(*list)[i], sp, {"name", "address", "attach", "vlan", "gateway", "scopes"},
             "a DHCP server");
      if (!so.ok()) continue;
      DhcpServer server;
      server.name = so.name("name").value_or(fmt::format("dhcp{}", i + 1));
      server.source = sp;
      ServerHost h{server.name, "DHCP server", sp};
      read_host_fields(*this, so, h);
      dhcp_scope_json_.push_back(so.get("scopes"));
      s_.dhcp_servers.push_back(std::move(server));
      add_host(std::move(h));
    }
  } else if (!dhcp.has("servers")) {
    DhcpServer server;
    server.name = "dhcp1";
    s_.dhcp_servers.push_back(server);
    dhcp_scope_json_.push_back(nullptr);
    add_host(ServerHost{"dhcp1", "DHCP server", "/dhcp", wire::Ipv4Address{10, 1, 1, 10}});
  }

  // DNS servers.
  if (const json* list = dns.array("servers")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string sp = pointer_append("/dns/servers", i);
      Obj so(*this, &(*list)[i], sp, {"name", "address", "attach", "vlan", "gateway"},
             "a DNS server");
      if (!so.ok()) continue;
      DnsServer server;
      server.name = so.name("name").value_or(fmt::format("dns{}", i + 1));
      server.source = sp;
      ServerHost h{server.name, "DNS server", sp};
      read_host_fields(*this, so, h);
      s_.dns.servers.push_back(std::move(server));
      add_host(std::move(h));
    }
  } else if (!dns.has("servers")) {
    DnsServer server;
    server.name = "dns1";
    s_.dns.servers.push_back(server);
    add_host(ServerHost{"dns1", "DNS server", "/dns", wire::Ipv4Address{10, 1, 1, 53}});
  }

  // CUCM nodes.
  Obj cucm(*this, root_.contains("cucm") ? &root_["cucm"] : nullptr, "/cucm",
           {"cluster", "version", "nodes", "database"}, "the CUCM cluster");
  if (auto c = cucm.name("cluster")) s_.cucm.cluster = *c;
  if (auto v = cucm.str("version")) s_.cucm.version = *v;
  if (const json* list = cucm.array("nodes")) {
    if (list->empty())
      warning("/cucm/nodes", "no CUCM node: no phone can get a configuration or register");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string np = pointer_append("/cucm/nodes", i);
      Obj no(*this, &(*list)[i], np,
             {"name", "role", "address", "hostname", "services", "attach", "vlan", "gateway",
              "tftp", "sip"},
             "a CUCM node");
      if (!no.ok()) continue;
      CucmNode node;
      node.source = np;
      no.require("name", "the node name, e.g. \"cucm-sub1\"");
      node.name = no.name("name").value_or(fmt::format("cucm{}", i + 1));
      if (auto role = no.choice("role", {"publisher", "subscriber"})) {
        node.publisher = *role == "publisher";
      } else if (!no.has("role")) {
        node.publisher = i == 0;
      }
      if (auto h = no.str("hostname")) node.hostname = *h;
      if (const json* services = no.array("services")) {
        for (std::size_t k = 0; k < services->size(); ++k) {
          auto sv = read_choice((*services)[k], pointer_append(no.at("services"), k),
                                {"callmanager", "tftp"});
          if (sv == "callmanager") node.callmanager = true;
          if (sv == "tftp") node.tftp = true;
        }
      } else if (!no.has("services")) {
        node.tftp = node.publisher;
        node.callmanager = !node.publisher || list->size() == 1;
      }
      Obj tftp(*this, no.get("tftp"), no.at("tftp"), {"max_serving_count", "http"},
               "the TFTP settings");
      if (auto v = tftp.integer("max_serving_count", 1, 100000)) {
        node.tftp_settings.max_serving_count = static_cast<std::uint32_t>(*v);
      }
      if (auto v = tftp.boolean("http")) node.tftp_settings.http = *v;
      Obj sip(*this, no.get("sip"), no.at("sip"),
              {"tcp", "udp", "port", "keepalive", "max_registrations_per_second"},
              "the SIP settings");
      if (auto v = sip.boolean("tcp")) node.sip.tcp = *v;
      if (auto v = sip.boolean("udp")) node.sip.udp = *v;
      if (auto v = sip.integer("port", 1, 65535)) node.sip.port = static_cast<std::uint16_t>(*v);
      if (auto v = sip.duration("keepalive", false)) node.sip.keepalive = *v;
      if (auto v = sip.integer("max_registrations_per_second", 0, 1000000)) {
        node.sip.max_registrations_per_second = static_cast<std::uint32_t>(*v);
      }
      if (!node.sip.tcp && !node.sip.udp) {
        error(no.at("sip"), "SIP needs TCP or UDP (or both)");
      }
      ServerHost h{node.name, "CUCM node", np};
      read_host_fields(*this, no, h);
      s_.cucm.nodes.push_back(std::move(node));
      add_host(std::move(h));
    }
  } else if (!cucm.has("nodes")) {
    CucmNode pub;
    pub.name = "cucm-pub";
    pub.publisher = true;
    pub.tftp = true;
    CucmNode sub;
    sub.name = "cucm-sub1";
    sub.callmanager = true;
    s_.cucm.nodes = {pub, sub};
    add_host(ServerHost{"cucm-pub", "CUCM node", "/cucm", wire::Ipv4Address{10, 1, 1, 11}});
    add_host(ServerHost{"cucm-sub1", "CUCM node", "/cucm", wire::Ipv4Address{10, 1, 1, 12}});
  }
  std::size_t publishers = 0;
  for (auto& node : s_.cucm.nodes) {
    publishers += node.publisher ? 1 : 0;
    if (node.hostname.empty()) {
      node.hostname = node.name + "." + s_.dns.domain;
    } else if (node.hostname.find('.') == std::string::npos) {
      node.hostname += "." + s_.dns.domain;
    }
  }
  if (publishers > 1)
    error("/cucm/nodes", "a cluster has one publisher; several nodes say role \"publisher\"");

  // Bind each host to the attachment it resolves into.
  std::size_t next = 0;
  for (auto& server : s_.dhcp_servers) servers_[next++].target = &server.host;
  for (auto& server : s_.dns.servers) servers_[next++].target = &server.host;
  for (auto& node : s_.cucm.nodes) servers_[next++].target = &node.host;

  // Addresses must be distinct.
  std::unordered_map<std::uint32_t, std::size_t> by_address;
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    auto [it, inserted] = by_address.emplace(servers_[i].address.to_u32(), i);
    if (!inserted) {
      error(servers_[i].pointer + "/address",
            fmt::format("address {} is already used by {} {}", servers_[i].address.to_string(),
                        servers_[it->second].kind, servers_[it->second].name));
    }
  }
}

void Loader::default_svis() {
  std::vector<wire::Ipv4Address> dhcp_addresses;
  for (std::size_t i = 0; i < s_.dhcp_servers.size(); ++i)
    dhcp_addresses.push_back(servers_[i].address);
  const auto helpers_for = [&](const wire::Ipv4Prefix& subnet) {
    // Every DHCP server that is not on this subnet already (a server LAN needs no relay).
    std::vector<wire::Ipv4Address> out;
    for (const auto& a : dhcp_addresses) {
      if (!subnet.contains(a)) out.push_back(a);
    }
    return out;
  };
  const std::size_t gw = gateway_switch();
  if (!switch_has_svis_key_[gw]) {
    Switch& sw = s_.switches[gw];
    const struct {
      std::uint16_t vlan;
      wire::Ipv4Prefix address;
    } defaults[] = {
        {default_data_vlan, {wire::Ipv4Address{10, 10, 0, 1}, 24}},
        {default_voice_vlan, {wire::Ipv4Address{10, 100, 0, 1}, 24}},
        {default_server_vlan, {wire::Ipv4Address{10, 1, 1, 1}, 24}},
    };
    for (const auto& d : defaults) {
      if (!sw.has_vlan(d.vlan)) continue;
      sw.svis.push_back(Svi{d.vlan, d.address, helpers_for(d.address)});
    }
  }
  for (const auto& [sw_index, svi_index] : svi_default_helpers_) {
    Svi& svi = s_.switches[sw_index].svis[svi_index];
    svi.helper_addresses = helpers_for(svi.address);
  }
}

// ---- links ----------------------------------------------------------------------------------

std::optional<PortRef> Loader::find_port_ref(std::string_view text, const std::string& pointer) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    error(pointer,
          fmt::format("expected a port reference \"switch:port\" such as \"access1:Gi1/0/1\", "
                      "got \"{}\"",
                      text));
    return std::nullopt;
  }
  const std::string_view sw_name = text.substr(0, colon);
  const std::string_view port_name = text.substr(colon + 1);
  const auto sw = s_.find_switch(sw_name);
  if (!sw) {
    error(pointer, fmt::format("no switch named \"{}\"{}; switches: {}", sw_name,
                               suggestion(sw_name, switch_names()), join_names(switch_names())));
    return std::nullopt;
  }
  const Switch& s = s_.switches[*sw];
  const auto port = s.find_port(port_name);
  if (!port) {
    std::vector<std::string> names;
    for (const auto& p : s.ports) names.push_back(p.name);
    std::string range =
        s.ports.empty() ? "none" : s.ports.front().name + " .. " + s.ports.back().name;
    error(pointer, fmt::format("switch {} has no port \"{}\"{}; its ports: {}", s.name, port_name,
                               suggestion(port_name, names), range));
    return std::nullopt;
  }
  return PortRef{*sw, *port, s.name, s.ports[*port].name};
}

std::optional<PortRef> Loader::resolve_port(const json& v, const std::string& pointer) {
  auto text = read_string(v, pointer);
  if (!text) return std::nullopt;
  return find_port_ref(*text, pointer);
}

std::string Loader::describe_use(const PortUse& use) const {
  switch (use.kind) {
    case PortUse::Kind::none:
      return "nothing";
    case PortUse::Kind::link:
      return fmt::format("link {}", use.index < s_.links.size() ? s_.links[use.index].name : "?");
    case PortUse::Kind::server:
      return use.index < servers_.size()
                 ? fmt::format("{} {}", servers_[use.index].kind, servers_[use.index].name)
                 : "a server";
    case PortUse::Kind::phone:
      return use.index < s_.phones.size() ? fmt::format("phone {}", s_.phones[use.index].device)
                                          : "a phone";
  }
  return "something";
}

bool Loader::claim_port(const PortRef& ref, PortUse use, const std::string& pointer) {
  PortUse& slot = port_use_[ref.switch_index][ref.port_index];
  if (slot.kind != PortUse::Kind::none) {
    error(pointer,
          fmt::format("port {} is already used by {}", ref.to_string(), describe_use(slot)));
    return false;
  }
  slot = use;
  return true;
}

std::optional<std::size_t> Loader::next_free_access_port(std::size_t sw, bool from_top) {
  const auto& uses = port_use_[sw];
  const auto& ports = s_.switches[sw].ports;
  const std::size_t n = access_port_count_[sw];
  if (from_top) {
    for (std::size_t i = n; i-- > 0;) {
      if (uses[i].kind == PortUse::Kind::none && ports[i].mode == PortMode::access) return i;
    }
    return std::nullopt;
  }
  // Ascending, remembering where the last search stopped: linear over a whole storm.
  for (std::size_t& i = free_cursor_[sw]; i < n; ++i) {
    if (uses[i].kind == PortUse::Kind::none && ports[i].mode == PortMode::access &&
        !ports[i].shutdown) {
      return i;
    }
  }
  return std::nullopt;
}

void Loader::read_links(const json* links, const std::string& pointer) {
  if (links == nullptr) return;
  for (std::size_t i = 0; i < links->size(); ++i) {
    const std::string lp = pointer_append(pointer, i);
    Obj lo(*this, &(*links)[i], lp,
           {"name", "a", "b", "latency", "bandwidth", "loss", "jitter", "up", "native_vlan",
            "allowed_vlans"},
           "a link");
    if (!lo.ok()) continue;
    lo.require("a", "one end, \"switch:port\"");
    lo.require("b", "the other end, \"switch:port\"");
    Link link;
    link.source = lp;
    link.name = lo.name("name").value_or(fmt::format("link{}", i + 1));
    for (const auto& other : s_.links) {
      if (other.name == link.name) {
        error(lo.has("name") ? lo.at("name") : lp,
              fmt::format("link name \"{}\" is already used", link.name));
      }
    }
    link.params.bandwidth_bps = 1'000'000'000;
    if (auto v = lo.duration("latency")) link.params.latency = *v;
    if (auto v = lo.bandwidth("bandwidth")) link.params.bandwidth_bps = *v;
    if (auto v = lo.loss("loss")) link.params.loss = *v;
    if (auto v = lo.duration("jitter")) link.params.jitter = *v;
    if (auto v = lo.boolean("up")) link.up = *v;
    const auto native = lo.vlan("native_vlan");
    const auto allowed = lo.vlan_list("allowed_vlans");
    std::optional<PortRef> a;
    std::optional<PortRef> b;
    if (const json* j = lo.get("a")) a = resolve_port(*j, lo.at("a"));
    if (const json* j = lo.get("b")) b = resolve_port(*j, lo.at("b"));
    if (!a || !b) continue;
    if (a->switch_index == b->switch_index) {
      error(lo.at("b"),
            fmt::format("both ends of the link are on switch {}: a link joins two switches",
                        a->switch_name));
      continue;
    }
    const std::size_t index = s_.links.size();
    const bool claimed_a = claim_port(*a, {PortUse::Kind::link, index}, lo.at("a"));
    const bool claimed_b = claim_port(*b, {PortUse::Kind::link, index}, lo.at("b"));
    if (!claimed_a || !claimed_b) continue;
    for (const PortRef* end : {&*a, &*b}) {
      SwitchPort& port = s_.switches[end->switch_index].ports[end->port_index];
      const PortExplicit& flags = port_explicit_[end->switch_index][end->port_index];
      if (!flags.mode) port.mode = PortMode::trunk;
      port.voice_vlan.reset();
      port.poe = false;
      if (native) port.native_vlan = *native;
      if (allowed) {
        port.allowed_vlans = *allowed;
        for (auto v : *allowed) {
          if (!s_.switches[end->switch_index].has_vlan(v)) {
            warning(lo.at("allowed_vlans"),
                    fmt::format("VLAN {} is allowed on the link but not defined on {}", v,
                                end->switch_name));
          }
        }
      }
    }
    link.a = *a;
    link.b = *b;
    s_.links.push_back(std::move(link));
  }
}

void Loader::auto_links() {
  if (s_.switches.size() < 2) return;
  std::optional<std::size_t> dist;
  for (std::size_t i = 0; i < s_.switches.size(); ++i) {
    if (s_.switches[i].role == SwitchRole::distribution) {
      dist = i;
      break;
    }
  }
  if (!dist) {
    error("/topology",
          fmt::format("switches {} are not connected: add topology.links, or a switch with "
                      "role \"distribution\" that the others uplink to",
                      join_names(switch_names())));
    return;
  }
  for (std::size_t i = 0; i < s_.switches.size(); ++i) {
    if (i == *dist) continue;
    Switch& sw = s_.switches[i];
    std::optional<std::size_t> up;
    for (std::size_t p = 0; p < sw.ports.size(); ++p) {
      if (sw.ports[p].uplink && port_use_[i][p].kind == PortUse::Kind::none) {
        up = p;
        break;
      }
    }
    const auto down = next_free_access_port(*dist, false);
    if (!up || !down) {
      error(sw.source.empty() ? "/topology" : sw.source,
            fmt::format(
                "cannot uplink {} to {} automatically: {}; add topology.links", sw.name,
                s_.switches[*dist].name,
                !up ? "it has no free uplink port" : "the distribution switch has no free port"));
      continue;
    }
    Link link;
    link.name = fmt::format("{}-{}", sw.name, s_.switches[*dist].name);
    link.a = PortRef{i, *up, sw.name, sw.ports[*up].name};
    link.b = PortRef{*dist, *down, s_.switches[*dist].name, s_.switches[*dist].ports[*down].name};
    link.params.bandwidth_bps = 10'000'000'000;
    link.source = "/topology";
    const std::size_t index = s_.links.size();
    port_use_[i][*up] = {PortUse::Kind::link, index};
    port_use_[*dist][*down] = {PortUse::Kind::link, index};
    for (const PortRef* end : {&link.a, &link.b}) {
      SwitchPort& port = s_.switches[end->switch_index].ports[end->port_index];
      port.mode = PortMode::trunk;
      port.voice_vlan.reset();
      port.poe = false;
    }
    s_.links.push_back(std::move(link));
  }
}

// ---- attaching the servers ------------------------------------------------------------------

const Svi* Loader::svi_for_address(wire::Ipv4Address a, std::uint16_t* vlan_out) const {
  for (const auto& sw : s_.switches) {
    for (const auto& svi : sw.svis) {
      if (svi.address.contains(a)) {
        if (vlan_out != nullptr) *vlan_out = svi.vlan;
        return &svi;
      }
    }
  }
  return nullptr;
}

void Loader::attach_servers() {
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    ServerHost& h = servers_[i];
    HostAttachment& at = *h.target;
    const std::string addr_ptr = h.pointer == "/dhcp" || h.pointer == "/dns" || h.pointer == "/cucm"
                                     ? h.pointer
                                     : h.pointer + "/address";
    // VLAN, prefix and gateway from the SVI whose subnet holds the address.
    const Svi* svi = nullptr;
    std::uint16_t vlan = 0;
    if (h.vlan) {
      vlan = *h.vlan;
      for (const auto& sw : s_.switches) {
        const Svi* candidate = sw.find_svi(vlan);
        if (candidate != nullptr && candidate->address.contains(h.address)) svi = candidate;
      }
    } else {
      svi = svi_for_address(h.address, &vlan);
    }
    if (svi == nullptr && !(h.vlan && h.prefix_length)) {
      if (topology_errors_ > 0) continue;  // its SVI may be what failed
      const bool is_default = addr_ptr == h.pointer;
      error(addr_ptr,
            fmt::format(
                "{}address {} of {} {} is in no SVI's subnet{}: add an SVI for its subnet, or {}",
                is_default ? "the default " : "", h.address.to_string(), h.kind, h.name,
                h.vlan ? fmt::format(" on VLAN {}", *h.vlan) : "",
                is_default ? "list the servers with their addresses"
                           : "give \"vlan\" and the address with its prefix length"));
      continue;
    }
    at.vlan = vlan;
    at.address.address = h.address;
    at.address.length = h.prefix_length.value_or(svi != nullptr ? svi->address.length : 24);
    if (svi != nullptr && h.prefix_length && *h.prefix_length != svi->address.length) {
      warning(addr_ptr, fmt::format("prefix length /{} differs from the SVI's /{}",
                                    *h.prefix_length, svi->address.length));
    }
    if (h.gateway) {
      at.gateway = *h.gateway;
    } else if (svi != nullptr) {
      at.gateway = svi->address.address;
    } else {
      warning(addr_ptr, fmt::format("{} has no gateway: no SVI routes VLAN {}", h.name, vlan));
    }
    if (svi != nullptr && h.address == svi->address.address) {
      error(addr_ptr,
            fmt::format("{} {} has the address of the SVI of VLAN {}", h.kind, h.name, vlan));
      continue;
    }
    if (at.address.length < 31 &&
        (h.address == at.address.network() || h.address == at.address.broadcast())) {
      error(addr_ptr, fmt::format("{} is not a host address of {}", h.address.to_string(),
                                  at.address.to_string()));
      continue;
    }
    // The port: given now; otherwise the highest free access port of the switch routing its
    // VLAN, once the phones with a given port have theirs (attach_pending_servers).
    if (!h.attach) {
      pending_servers_.push_back(i);
      continue;
    }
    const std::string attach_ptr = h.pointer + "/attach";
    auto ref = find_port_ref(*h.attach, attach_ptr);
    if (!ref) continue;
    if (!claim_port(*ref, {PortUse::Kind::server, i}, attach_ptr)) continue;
    configure_server_port(i, *ref);
  }
}

void Loader::attach_pending_servers() {
  for (const std::size_t i : pending_servers_) {
    const ServerHost& h = servers_[i];
    const std::uint16_t vlan = h.target->vlan;
    std::size_t sw = gateway_switch();
    for (std::size_t k = 0; k < s_.switches.size(); ++k) {
      if (s_.switches[k].find_svi(vlan) != nullptr) {
        sw = k;
        break;
      }
    }
    const auto port = next_free_access_port(sw, true);
    if (!port) {
      error(h.pointer, fmt::format("no free access port on {} for {} {}: give \"attach\"",
                                   s_.switches[sw].name, h.kind, h.name));
      continue;
    }
    port_use_[sw][*port] = {PortUse::Kind::server, i};
    configure_server_port(
        i, PortRef{sw, *port, s_.switches[sw].name, s_.switches[sw].ports[*port].name});
  }
  pending_servers_.clear();
}

void Loader::configure_server_port(std::size_t i, const PortRef& ref) {
  const ServerHost& h = servers_[i];
  HostAttachment& at = *h.target;
  const std::uint16_t vlan = at.vlan;
  const std::string where = h.attach ? h.pointer + "/attach" : h.pointer;
  Switch& sw = s_.switches[ref.switch_index];
  SwitchPort& port = sw.ports[ref.port_index];
  const PortExplicit& flags = port_explicit_[ref.switch_index][ref.port_index];
  if (port.mode == PortMode::trunk) {
    error(where, fmt::format("port {} is a trunk: a server needs an access port", ref.to_string()));
    return;
  }
  if (flags.access_vlan && port.access_vlan != vlan) {
    error(where, fmt::format("port {} is configured for VLAN {} but {} is on VLAN {}",
                             ref.to_string(), port.access_vlan, h.name, vlan));
    return;
  }
  if (!sw.has_vlan(vlan)) {
    error(where, fmt::format("VLAN {} of {} is not defined on switch {}", vlan, h.name, sw.name));
    return;
  }
  port.access_vlan = vlan;
  if (!flags.voice_vlan) port.voice_vlan.reset();
  at.port = ref;
}

void Loader::check_connectivity() {
  const std::size_t n = s_.switches.size();
  std::vector<std::vector<std::size_t>> adjacent(n);
  for (const auto& l : s_.links) {
    adjacent[l.a.switch_index].push_back(l.b.switch_index);
    adjacent[l.b.switch_index].push_back(l.a.switch_index);
  }
  std::vector<bool> seen(n, false);
  std::deque<std::size_t> queue{gateway_switch()};
  seen[gateway_switch()] = true;
  while (!queue.empty()) {
    const std::size_t k = queue.front();
    queue.pop_front();
    for (auto next : adjacent[k]) {
      if (!seen[next]) {
        seen[next] = true;
        queue.push_back(next);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!seen[i] && topology_errors_ == 0) {
      error(s_.switches[i].source.empty() ? "/topology" : s_.switches[i].source,
            fmt::format("switch {} is not connected to {} (where the servers are): add a link",
                        s_.switches[i].name, s_.switches[gateway_switch()].name));
    }
  }
}

}  // namespace detail

LoadResult load_scenario_text(std::string_view text, std::string file, const LoadOptions& options) {
  return detail::Loader(text, std::move(file), options).run();
}

LoadResult load_scenario_file(const std::filesystem::path& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    std::error_code ec;
    const bool is_dir = std::filesystem::is_directory(path, ec);
    return LoadResult{std::nullopt,
                      {Diagnostic{Severity::error, path.string(), "", std::nullopt,
                                  is_dir ? "cannot read: is a directory"
                                         : (std::filesystem::exists(path, ec)
                                                ? "cannot read: permission denied or I/O error"
                                                : "cannot read: no such file")}}};
  }
  const std::string text = buffer.str();
  return load_scenario_text(text, path.string(), options);
}

}  // namespace voicelab::scenario
