// Building the simulated lab from a scenario: the CUCM database, switches, links, the SVI
// router with its DHCP relay, DHCP, DNS and CUCM hosts, and the phones on their ports.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "runner_lab.hpp"
#include "voicelab/provisioning/models.hpp"

namespace voicelab::lab::detail {

namespace {

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint32_t whole_seconds(Duration d) {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

netsim::LinkParams link_params(const scenario::LinkParams& p) {
  netsim::LinkParams out;
  out.latency = p.latency;
  out.bandwidth_bps = p.bandwidth_bps;
  out.loss = p.loss;
  out.jitter = p.jitter;
  return out;
}

// "Gi1/0/" for "Gi1/0/7": a port name without its trailing number.
std::string port_prefix(std::string_view name) {
  std::size_t end = name.size();
  while (end > 0 && name[end - 1] >= '0' && name[end - 1] <= '9') --end;
  return std::string(name.substr(0, end));
}

// IOS's long interface names for the abbreviations scenarios use; the switch agent names its
// ports "<long prefix><n>" and abbreviates them back to two letters.
std::string long_prefix(const std::string& short_prefix) {
  static const std::pair<const char*, const char*> names[] = {
      {"Gi", "GigabitEthernet"},    {"Te", "TenGigabitEthernet"},
      {"Fa", "FastEthernet"},       {"Fo", "FortyGigabitEthernet"},
      {"Tw", "TwoGigabitEthernet"}, {"Hu", "HundredGigE"},
      {"Et", "Ethernet"},
  };
  const auto digit = short_prefix.find_first_of("0123456789");
  const std::string letters = short_prefix.substr(0, digit);
  for (const auto& [abbreviation, full] : names) {
    if (letters == abbreviation) return full + short_prefix.substr(letters.size());
  }
  return short_prefix;
}

// CUCM's product name for a canonical scenario model ("CP-8861" -> "Cisco 8861").
std::string cucm_model(std::string_view model) {
  if (const auto* m = provisioning::find_phone_model(model)) return std::string(m->name);
  return "Cisco " + std::string(provisioning::model_number(model));
}

std::string lang_code(std::string_view locale) {
  static const std::pair<const char*, const char*> codes[] = {
      {"English_United_States", "en_US"}, {"English_United_Kingdom", "en_GB"},
      {"French_France", "fr_FR"},         {"French_Canada", "fr_CA"},
      {"German_Germany", "de_DE"},        {"Spanish_Spain", "es_ES"},
      {"Italian_Italy", "it_IT"},         {"Dutch_Netherlands", "nl_NL"},
      {"Japanese_Japan", "ja_JP"},        {"Portuguese_Brazil", "pt_BR"},
  };
  for (const auto& [name, code] : codes) {
    if (locale == name) return code;
  }
  return "en_US";  // assumption for locales the table does not know
}

// The softkeys of a template that lists none: the abridged standard set (onHook, offHook,
// connected, ringIn) a registration's softkey file needs.
std::vector<provisioning::SoftkeySet> standard_softkeys() {
  return {{"onHook", {"redial", "newcall", "cfwdall"}},
          {"offHook", {"redial", "endcall", "cfwdall"}},
          {"connected", {"hold", "endcall", "trnsfer", "confrn"}},
          {"ringIn", {"answer", "dnd"}}};
}

}  // namespace

// ---- what the lab cannot honour ---------------------------------------------------------------

void Lab::check_supported() const {
  std::size_t svi_switches = 0;
  for (const auto& sw : sc_.switches) {
    if (!sw.svis.empty()) ++svi_switches;
  }
  if (svi_switches > 1) {
    throw UnsupportedScenario(
        "topology.switches[].svis: SVIs on more than one switch; the simulated lab routes "
        "through one router (the SVIs of one switch) and has no routing between several");
  }
  const auto& autoreg = sc_.cucm.database.autoregistration;
  if (autoreg.enabled) {
    for (const auto& p : sc_.phones) {
      if (!p.provisioned) {
        throw UnsupportedScenario(
            "cucm.database.autoregistration: " + p.device +
            " is unprovisioned in a cluster with autoregistration on, which cannot be simulated "
            "yet: the phone does not try to register from XMLDefault.cnf.xml (it stays "
            "unprovisioned) and the registrar does not create device records, so neither an "
            "autoregistration (protocol SIP) nor its refusal (protocol " +
            autoreg.protocol + ") would happen");
      }
    }
  }
  for (const auto& sw : sc_.switches) {
    const auto holdtime = std::chrono::duration_cast<std::chrono::seconds>(sw.cdp.holdtime);
    if (holdtime.count() < 1 || holdtime.count() > 255 ||
        std::chrono::duration_cast<Duration>(holdtime) != sw.cdp.holdtime) {
      throw UnsupportedScenario(sw.source +
                                "/cdp/holdtime: CDP carries the holdtime in whole "
                                "seconds from 1 to 255");
    }
  }
  for (const auto& p : sc_.phones) {
    const auto& sw = sc_.switches[p.port.switch_index];
    const std::string prefix = sw.ports.empty() ? std::string() : port_prefix(sw.ports[0].name);
    const std::string expected = prefix + std::to_string(p.port.port_index + 1);
    if (p.port.port_name != expected) {
      throw UnsupportedScenario(p.source + ": " + p.device + " is on " + p.port.to_string() +
                                ", but the simulated switch numbers its ports " + prefix + "1.." +
                                prefix + std::to_string(sw.ports.size()) +
                                " in order, so CDP would announce that port as " + expected +
                                "; put phones on the numbered access ports starting at 1");
    }
  }
}

// ---- phone models ---------------------------------------------------------------------------

void Lab::build_catalogue() {
  catalogue_ = phone::ModelCatalogue::builtin();
  // Models the scenario language knows and the phone catalogue does not (7811, 7821, 8811):
  // derived from the scenario's model table and provisioning's model types; boot time and
  // power like the family's catalogue models (assumptions, as the catalogue's own).
  for (const auto& m : scenario::phone_models()) {
    if (catalogue_.find(m.number) != nullptr) continue;
    phone::PhoneModel pm;
    pm.name = std::string(m.number);
    pm.product = std::string(m.product);
    pm.platform = std::string(m.platform);
    pm.load_prefix = std::string(m.family);
    pm.default_load = std::string(m.default_load);
    if (const auto* pv = provisioning::find_phone_model(m.product)) {
      pm.model_id = std::to_string(pv->type);
    }
    const bool is78 = m.number.substr(0, 2) == "78";
    pm.boot_time = is78 ? std::chrono::seconds(30) : std::chrono::seconds(45);
    pm.power_mw = is78 ? 3500 : 5000;
    catalogue_.add(std::move(pm));
  }
  // Per-phone discovery settings ("cdp": false, "lldp_med": false) become model variants: the
  // phone engine takes CDP/LLDP-MED from its model.
  for (const auto& p : sc_.phones) {
    const phone::PhoneModel* base = catalogue_.find(p.model);
    if (base == nullptr) throw UnsupportedScenario(p.source + ": unknown phone model " + p.model);
    const std::string key = p.model + (p.cdp ? "+cdp" : "-cdp") + (p.lldp_med ? "+lldp" : "-lldp");
    if (model_names_.count(key) != 0) continue;
    if (base->cdp == p.cdp && base->lldp_med == p.lldp_med) {
      model_names_[key] = base->name;
      continue;
    }
    phone::PhoneModel variant = *base;
    variant.name = base->name + (p.cdp ? "+cdp" : "-cdp") + (p.lldp_med ? "+lldp" : "-lldp");
    variant.cdp = p.cdp;
    variant.lldp_med = p.lldp_med;
    model_names_[key] = variant.name;
    catalogue_.add(std::move(variant));
  }
}

// ---- the CUCM database ----------------------------------------------------------------------

void Lab::build_database() {
  const auto& c = sc_.cucm;
  const auto& d = c.database;
  provisioning::ClusterIdentity identity;
  identity.name = c.cluster;
  db_.set_identity(identity);
  db_.set_security_mode(d.security_mode == scenario::SecurityMode::mixed
                            ? provisioning::ClusterSecurityMode::mixed
                            : provisioning::ClusterSecurityMode::non_secure);

  for (const auto& n : c.nodes) {
    provisioning::Node node;
    node.name = n.name;
    node.description = n.hostname;
    node.address = n.host.address.address;
    node.services.call_manager = n.callmanager;
    node.services.tftp = n.tftp;
    node.services.capf = n.publisher;
    node.sip_port = n.sip.port;
    db_.put_node(node);
    ip_to_node_[node.address.to_u32()] = n.name;
  }
  for (const auto& g : d.cm_groups) db_.put_call_manager_group({g.name, g.nodes});

  for (const auto& name : d.user_locales) {
    provisioning::UserLocale locale;
    locale.name = name;
    locale.lang_code = lang_code(name);
    db_.put_user_locale(locale);
  }
  for (const auto& name : d.network_locales) {
    provisioning::NetworkLocale locale;
    locale.name = name;
    db_.put_network_locale(locale);
  }
  for (const auto& r : d.dial_rules) {
    provisioning::DialRules rules;
    rules.name = r.name;
    for (const auto& rule : r.rules) {
      rules.patterns.push_back({rule.pattern, static_cast<int>(whole_seconds(rule.timeout)), {}});
    }
    db_.put_dial_rules(rules);
  }
  for (const auto& t : d.softkey_templates) {
    provisioning::SoftkeyTemplate softkeys;
    softkeys.name = t.name;
    if (t.softkeys.empty()) {
      softkeys.sets = standard_softkeys();
    } else {
      softkeys.sets = {{"onHook", t.softkeys}};
    }
    db_.put_softkey_template(softkeys);
  }
  for (const auto& r : d.ringlists) {
    provisioning::RingList list;
    list.file_name = r.name;
    for (const auto& ring : r.rings) list.rings.push_back({ring.display, ring.file});
    db_.put_ring_list(list);
    ringlist_names_.push_back(r.name);
  }

  std::set<std::string> date_time_groups, regions;
  for (const auto& pool : d.device_pools) {
    provisioning::DevicePool p;
    p.name = pool.name;
    p.call_manager_group = pool.cm_group;
    p.date_time_group = pool.date_time_group;
    p.region = pool.region;
    p.user_locale = pool.user_locale.empty() ? d.default_user_locale : pool.user_locale;
    p.network_locale = pool.network_locale.empty() ? d.default_network_locale : pool.network_locale;
    p.connection_monitor_duration =
        static_cast<int>(whole_seconds(pool.connection_monitor_duration));
    db_.put_device_pool(p);
    date_time_groups.insert(pool.date_time_group);
    regions.insert(pool.region);
  }
  for (const auto& name : date_time_groups) {
    provisioning::DateTimeGroup g;
    g.name = name;
    db_.put_date_time_group(g);
  }
  for (const auto& name : regions) db_.put_region({name, {}});

  // Every load a configuration can name must be there to be served (its .loads file and
  // components): the model defaults, device overrides, and those the timeline sets.
  std::set<std::string> loads;
  provisioning::EnterpriseDefaults defaults;
  for (const auto& [model, load] : d.default_loads) {
    defaults.default_loads[cucm_model(model)] = load;
    loads.insert(load);
  }
  for (const auto& dev : d.devices) {
    if (dev.load) loads.insert(*dev.load);
  }
  for (const auto& entry : sc_.timeline) {
    if (const auto* a = std::get_if<scenario::SetDefaultLoadAction>(&entry.action)) {
      loads.insert(a->load);
    }
    if (const auto* a = std::get_if<scenario::SetDeviceLoadAction>(&entry.action)) {
      if (a->load) loads.insert(*a->load);
    }
  }
  for (const auto& load : loads) db_.put_load(provisioning::reference_load(load));
  if (d.find_cm_group("Default") != nullptr) {
    defaults.default_call_manager_group = "Default";
  } else if (!d.cm_groups.empty()) {
    defaults.default_call_manager_group = d.cm_groups.front().name;
  }
  defaults.auto_registration.enabled = d.autoregistration.enabled;
  defaults.auto_registration.first_dn = d.autoregistration.dn_first;
  defaults.auto_registration.last_dn = d.autoregistration.dn_last;
  defaults.auto_registration.sip = d.autoregistration.protocol == "SIP";
  db_.set_enterprise_defaults(defaults);

  for (const auto& dev : d.devices) {
    provisioning::Device device;
    device.name = dev.name;
    device.model = cucm_model(dev.model);
    device.description = dev.description;
    device.device_pool = dev.device_pool;
    device.phone_load = dev.load.value_or("");
    device.softkey_template = dev.softkey_template;
    if (device.softkey_template.empty()) {
      if (const auto* pool = d.find_device_pool(dev.device_pool)) {
        device.softkey_template = pool->softkey_template;
      }
    }
    device.dial_rules = dev.dial_rules;
    device.user_locale = dev.user_locale;
    device.network_locale = dev.network_locale;
    device.transport = dev.transport == "UDP" ? provisioning::TransportType::udp
                                              : provisioning::TransportType::tcp;
    std::vector<const scenario::Line*> lines;
    for (const auto& l : dev.lines) lines.push_back(&l);
    std::stable_sort(lines.begin(), lines.end(),
                     [](const auto* a, const auto* b) { return a->button < b->button; });
    for (const auto* l : lines) device.lines.push_back({l->dn, l->display_name, l->label});
    db_.put_device(device);
  }
  files_ = std::make_shared<provisioning::ConfigFiles>(db_);
}

// ---- switches, links, router --------------------------------------------------------------

void Lab::build_switches() {
  std::optional<std::size_t> svi_switch;
  for (std::size_t i = 0; i < sc_.switches.size(); ++i) {
    if (!sc_.switches[i].svis.empty()) svi_switch = i;
  }
  std::vector<bool> has_phones(sc_.switches.size(), false);
  for (const auto& p : sc_.phones) has_phones[p.port.switch_index] = true;

  for (std::size_t i = 0; i < sc_.switches.size(); ++i) {
    const auto& spec = sc_.switches[i];
    auto slot = std::make_unique<SwitchSlot>();
    slot->spec = &spec;
    std::size_t count = spec.ports.size();
    if (svi_switch == i) slot->router_port = count++;
    // The monitor port exists with or without captures, so that --no-pcap changes nothing
    // else in the lab (port numbers, link random streams, logs).
    if (has_phones[i]) slot->span_port = count++;

    access_switch::SwitchConfig config;
    config.hostname = spec.name;
    config.model = spec.model;
    config.software_version = spec.software;
    // One MAC block per switch: port N sends from base + N.
    config.base_mac = wire::MacAddress::from_u64(0x0c0000000000ULL | ((i + 1) << 24));
    config.port_count = count;
    if (!spec.ports.empty()) config.interface_prefix = long_prefix(port_prefix(spec.ports[0].name));
    config.cdp_run = spec.cdp.enabled;
    config.cdp_timer = spec.cdp.interval;
    config.cdp_holdtime_s = static_cast<std::uint8_t>(whole_seconds(spec.cdp.holdtime));
    config.lldp_run = spec.lldp_med;
    config.poe_budget_mw =
        static_cast<std::uint32_t>(std::llround(std::max(0.0, spec.poe.budget_w) * 1000.0));
    config.power_up_delay = spec.poe.power_up_delay;
    netsim::SwitchFabric::Options fabric;
    fabric.mac_table_reserve = std::max<std::size_t>(1024, 4 * sc_.phones.size());
    const std::uint32_t budget_mw = config.poe_budget_mw;
    slot->sw = std::make_unique<access_switch::SimulatedSwitch>(sim_, std::move(config), fabric);
    slot->sw->set_keep_log(false);  // its lines go to the Log through the handler
    slot->phone_on_port.assign(count, -1);
    slot->budget_mw = budget_mw;
    slot->kept_mw.assign(count, 0);

    for (std::size_t j = 0; j < spec.ports.size(); ++j) {
      const auto& port = spec.ports[j];
      access_switch::PortConfig pc;
      pc.mode = port.mode == scenario::PortMode::trunk ? access_switch::PortMode::trunk
                                                       : access_switch::PortMode::access;
      pc.access_vlan = port.access_vlan;
      pc.voice_vlan = port.voice_vlan.value_or(0);
      pc.native_vlan = port.native_vlan;
      pc.allowed_vlans = port.allowed_vlans;
      pc.shutdown = port.shutdown;
      pc.poe = spec.poe.enabled && port.poe ? access_switch::PoeAdmin::auto_mode
                                            : access_switch::PoeAdmin::never;
      slot->sw->configure_port(j, std::move(pc));
    }
    if (slot->router_port) {
      access_switch::PortConfig pc;
      pc.mode = access_switch::PortMode::trunk;
      for (const auto& svi : spec.svis) pc.allowed_vlans.push_back(svi.vlan);
      pc.cdp_enable = false;  // the SVIs are the switch itself
      pc.lldp_transmit = pc.lldp_receive = false;
      pc.poe = access_switch::PoeAdmin::never;
      slot->sw->configure_port(*slot->router_port, std::move(pc));
    }
    if (slot->span_port) {
      access_switch::PortConfig pc;
      pc.cdp_enable = false;  // a monitor destination sends only the mirrored frames
      pc.lldp_transmit = pc.lldp_receive = false;
      pc.poe = access_switch::PoeAdmin::never;
      slot->sw->configure_port(*slot->span_port, std::move(pc));
    }
    slot->sw->set_event_handler(
        [this, i](const access_switch::Event& e) { on_switch_event(i, e); });
    switches_.push_back(std::move(slot));
  }
}

void Lab::build_links() {
  for (const auto& l : sc_.links) {
    netsim::Port& a = switches_[l.a.switch_index]->sw->port(l.a.port_index);
    netsim::Port& b = switches_[l.b.switch_index]->sw->port(l.b.port_index);
    netsim::Link& link = sim_.connect(a, b, link_params(l.params));
    if (!l.up) link.set_up(false);
    links_.push_back(&link);
  }
}

void Lab::build_router() {
  for (std::size_t i = 0; i < switches_.size(); ++i) {
    auto& slot = *switches_[i];
    if (!slot.router_port) continue;
    const auto& spec = *slot.spec;
    router_ = std::make_unique<RouterSlot>();
    router_->switch_index = i;
    router_->host = std::make_unique<netsim::Host>(sim_, spec.name + ":svi");
    netsim::Host& host = *router_->host;
    host.add_port(wire::MacAddress::from_u64(0x0c0000000000ULL | ((i + 1) << 24) | 0xfff000));
    dhcp::RelayConfig relay;
    for (const auto& svi : spec.svis) {
      const netsim::InterfaceId id =
          host.add_interface(0, wire::VlanTag{svi.vlan, 0, false}, svi.address);
      relay.interfaces.push_back(
          {static_cast<dhcp::InterfaceIndex>(id), svi.address, svi.helper_addresses});
    }
    host.set_forwarding(true);
    netsim::LinkParams inside;  // the switch's own backplane: no serialization delay
    inside.bandwidth_bps = 0;
    slot.sw->connect(*slot.router_port, host.port(0), inside);
    router_->relay = std::make_unique<dhcp::RelayAgent>(std::move(relay));
    DatagramDriverConfig dc;
    dc.component = spec.name + ":svi";
    dc.listen_ports = {67};
    router_->driver =
        std::make_unique<DatagramDriver<dhcp::RelayAgent>>(host, *router_->relay, dc, &log_);
    (void)router_->driver->open();
  }
}

std::unique_ptr<netsim::Host> Lab::add_server_host(const std::string& name,
                                                   const scenario::HostAttachment& at) {
  auto& slot = *switches_[at.port.switch_index];
  auto host = std::make_unique<netsim::Host>(sim_, name);
  host->add_port(wire::MacAddress::from_u64(next_server_mac_++));
  host->add_interface(0, std::nullopt, at.address);
  host->set_default_gateway(at.gateway);
  access_switch::PortConfig pc = slot.sw->agent().port_config(at.port.port_index);
  pc.mode = access_switch::PortMode::access;
  pc.access_vlan = at.vlan;
  pc.voice_vlan = 0;
  slot.sw->configure_port(at.port.port_index, std::move(pc));
  slot.sw->connect(at.port.port_index, host->port(0), link_params(slot.spec->access_link));
  return host;
}

// ---- DHCP, DNS, CUCM ------------------------------------------------------------------------

dhcp::Pool Lab::make_pool(const scenario::DhcpScope& scope) const {
  dhcp::Pool pool;
  pool.name = scope.name;
  pool.subnet = wire::Ipv4Prefix{scope.subnet.network(), scope.subnet.length};
  pool.range = {scope.range_first, scope.range_last};
  for (const auto& r : scope.reservations) {
    dhcp::Reservation reservation;
    reservation.mac = r.mac;
    reservation.address = r.address;
    reservation.name = r.mac.to_string();
    pool.reservations.push_back(std::move(reservation));
  }
  if (scope.router) pool.options.set_routers({*scope.router});
  if (!scope.dns_servers.empty()) pool.options.set_dns_servers(scope.dns_servers);
  if (!scope.domain.empty()) pool.options.set_domain_name(scope.domain);
  if (!scope.ntp_servers.empty()) pool.options.set_ntp_servers(scope.ntp_servers);
  if (!scope.tftp_servers.empty()) pool.options.set_tftp_server_addresses(scope.tftp_servers);
  if (scope.tftp_server_name) pool.options.set_tftp_server_name(*scope.tftp_server_name);
  pool.options.set_lease_time(whole_seconds(scope.lease));
  return pool;
}

void Lab::build_dhcp() {
  for (const auto& spec : sc_.dhcp_servers) {
    auto slot = std::make_unique<DhcpSlot>();
    slot->spec = &spec;
    slot->host = add_server_host(spec.name, spec.host);
    slot->config.interfaces = {{0, spec.host.address}};
    for (const auto& scope : spec.scopes) slot->config.pools.push_back(make_pool(scope));
    slot->server = std::make_unique<dhcp::Server>(slot->config);
    DatagramDriverConfig dc;
    dc.component = spec.name;
    dc.listen_ports = {67};
    slot->driver =
        std::make_unique<DatagramDriver<dhcp::Server>>(*slot->host, *slot->server, dc, &log_);
    (void)slot->driver->open();
    slot->driver->update([](dhcp::Server& s, Time now) { s.start(now); });
    dhcp_.push_back(std::move(slot));
  }
}

void Lab::build_dns() {
  // The responder answers A records with one TTL; CNAMEs are answered with the addresses
  // they lead to (flattened). Both are written into the DNS log so nobody is surprised.
  dns::ResponderConfig config;
  std::map<std::string, const scenario::DnsRecord*> by_name;
  for (const auto& r : sc_.dns.records) by_name.emplace(r.name, &r);
  std::optional<Duration> ttl;
  bool mixed_ttl = false;
  std::vector<std::string> notes;
  for (const auto& r : sc_.dns.records) {
    if (ttl && *ttl != r.ttl) mixed_ttl = true;
    if (!ttl || r.ttl < *ttl) ttl = r.ttl;
    const scenario::DnsRecord* target = &r;
    for (int hops = 0;
         target != nullptr && target->type == scenario::DnsRecordType::cname && hops < 8; ++hops) {
      std::string name = target->target;
      auto it = by_name.find(name);
      if (it == by_name.end() && !sc_.dns.domain.empty())
        it = by_name.find(name + "." + sc_.dns.domain);
      target = it == by_name.end() ? nullptr : it->second;
    }
    if (target == nullptr || target->type != scenario::DnsRecordType::a) {
      notes.push_back("CNAME " + r.name + " -> " + r.target + " leads to no A record: not served");
      continue;
    }
    if (r.type == scenario::DnsRecordType::cname) {
      notes.push_back("CNAME " + r.name + " -> " + r.target + " is answered as A " +
                      target->address.to_string() + " (the responder has no CNAME records)");
    }
    config.hosts.push_back({r.name, target->address});
  }
  config.ttl = ttl ? whole_seconds(*ttl) : 3600;
  if (mixed_ttl) {
    notes.push_back("records have different TTLs; every answer carries the smallest, " +
                    std::to_string(config.ttl) + " s (one TTL per responder)");
  }
  for (const auto& spec : sc_.dns.servers) {
    auto slot = std::make_unique<DnsSlot>();
    slot->spec = &spec;
    slot->host = add_server_host(spec.name, spec.host);
    slot->responder = std::make_unique<dns::Responder>(config);
    DatagramDriverConfig dc;
    dc.component = spec.name;
    dc.listen_ports = {53};
    slot->driver =
        std::make_unique<DatagramDriver<dns::Responder>>(*slot->host, *slot->responder, dc, &log_);
    for (const auto& n : notes) slot->driver->note(n);
    (void)slot->driver->open();
    dns_.push_back(std::move(slot));
  }
}

void Lab::build_cucm() {
  const bool trace = sc_.phones.size() <= ro_.sip_trace_max_phones;
  for (const auto& spec : sc_.cucm.nodes) {
    auto slot = std::make_unique<NodeSlot>();
    slot->spec = &spec;
    slot->random = sim_.random().fork(fnv1a("cucm:" + spec.name));
    slot->host = add_server_host(spec.name, spec.host);
    cucm::NodeConfig config = cucm::node_config(*db_.node(spec.name));
    config.registrar.keepalive_interval = whole_seconds(spec.sip.keepalive);
    config.registrar.max_new_registrations_per_second = spec.sip.max_registrations_per_second;
    config.registrar.trace = trace;
    config.tftp.max_serving_count = spec.tftp_settings.max_serving_count;
    slot->node = std::make_unique<cucm::Node>(std::move(config), db_, files_, slot->random);
    NodeDriverConfig dc;
    dc.component = spec.name;
    dc.sip_tcp = spec.sip.tcp;
    dc.sip_udp = spec.sip.udp;
    dc.http = spec.tftp_settings.http;
    slot->driver = std::make_unique<NodeDriver>(*slot->host, *slot->node, dc, &log_);
    (void)slot->driver->open();
    nodes_.push_back(std::move(slot));
  }
}

// ---- phones ---------------------------------------------------------------------------------

void Lab::build_phones() {
  for (std::size_t k = 0; k < sc_.phones.size(); ++k) {
    const auto& spec = sc_.phones[k];
    auto slot = std::make_unique<PhoneSlot>();
    slot->index = k;
    slot->spec = &spec;
    slot->switch_index = spec.port.switch_index;
    slot->port = spec.port.port_index;
    slot->random = sim_.random().fork(fnv1a("phone:" + spec.device));
    slot->host = std::make_unique<netsim::Host>(sim_, spec.device);
    slot->host->add_port(spec.mac);
    slot->host->add_interface(0);
    slot->host->set_up(false);  // not plugged in yet

    phone::PhoneConfig config;
    config.mac = spec.mac;
    config.model = model_names_.at(spec.model + (spec.cdp ? "+cdp" : "-cdp") +
                                   (spec.lldp_med ? "+lldp" : "-lldp"));
    config.active_load = spec.active_load;
    config.inactive_load = spec.inactive_load;
    config.alternate_tftp = spec.alternate_tftp;
    config.files.ringtones = ringlist_names_;
    const bool logged = k < ro_.phone_logs;
    config.console_limit = logged ? 200 : 0;
    slot->phone = std::make_unique<phone::Phone>(std::move(config), catalogue_, slot->random);

    PhoneDriverConfig dc;
    dc.component = spec.device;
    dc.log_console = logged;
    slot->driver = std::make_unique<PhoneDriver>(*slot->host, *slot->phone, dc, &log_);
    slot->driver->set_event_handler([this, k](const phone::Event& e) { on_phone_event(k, e); });

    auto& sw = *switches_[slot->switch_index];
    sw.phone_on_port[slot->port] = static_cast<std::int64_t>(k);
    mac_to_phone_[spec.mac.to_u64()] = k;
    mac_to_phone_[sw.sw->agent().port_mac(slot->port).to_u64()] = k;
    if (sw.span_port && sw.span_sources.size() < ro_.span_max_ports) {
      sw.span_sources.push_back(slot->port);
    }

    sim_.scheduler().at(spec.power_on, [this, k] { plug_in(k); });
    ++unsettled_;
    phones_.push_back(std::move(slot));
  }
}

// ---- captures -------------------------------------------------------------------------------

void Lab::build_captures() {
  for (auto& sw : switches_) {
    if (!sw->span_port) continue;
    std::sort(sw->span_sources.begin(), sw->span_sources.end());
    sw->span_sink = std::make_unique<SinkPort>(sw->spec->name + ":span-sink");
    netsim::LinkParams inside;
    inside.bandwidth_bps = 0;
    sw->span_link = &sw->sw->connect(*sw->span_port, *sw->span_sink, inside);
  }
  if (!options_.pcap) return;
  const auto open = [this](const std::string& name) -> wire::PcapngWriter& {
    writers_.push_back(
        std::make_unique<wire::PcapngWriter>((options_.out_dir / (name + ".pcapng")).string()));
    return *writers_.back();
  };
  for (auto& node : nodes_) {
    // The node's own end of its cable: what the server's NIC sent and received.
    netsim::Link* link = node->host->port(0).link();
    if (link == nullptr) continue;
    const int end = &link->port(0) == &node->host->port(0) ? 0 : 1;
    link->tap(end, open(node->spec->name),
              node->spec->host.port.to_string() + " (" + node->spec->name + ")",
              [this](wire::Bytes frame) { return annotate(frame, -1); });
  }
  for (auto& sw : switches_) {
    if (sw->span_link == nullptr || sw->span_sources.empty()) continue;
    sw->sw->fabric().add_span_session({sw->span_sources, *sw->span_port});
    sw->span_link->tap(0, open(sw->spec->name + "-span"), sw->spec->name + " SPAN",
                       [this](wire::Bytes frame) { return annotate(frame, -1); });
  }
  // Per-phone captures are tapped when the phone is plugged in (its cable appears then).
  for (std::size_t k = 0; k < phones_.size() && k < ro_.phone_captures; ++k) {
    phones_[k]->capture = &open(phones_[k]->spec->device);
  }
}

}  // namespace voicelab::lab::detail
