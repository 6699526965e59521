// Playing the lab: phones plugged in at their power-on time, PoE from the switches, the fault
// timeline (fixed times and triggers), the end condition, and the result.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "runner_lab.hpp"
#include "voicelab/provisioning/models.hpp"

namespace voicelab::lab::detail {

namespace {

netsim::LinkParams to_link_params(const scenario::LinkParams& p) {
  netsim::LinkParams out;
  out.latency = p.latency;
  out.bandwidth_bps = p.bandwidth_bps;
  out.loss = p.loss;
  out.jitter = p.jitter;
  return out;
}

// "300ms", "1.5s", "2m": a short duration for event details.
std::string format_duration(Duration d) {
  const auto ns = d.count();
  char buf[48];
  if (ns % 1'000'000'000 == 0 && ns >= 60'000'000'000 && ns % 60'000'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(ns / 60'000'000'000));
  } else if (ns % 1'000'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ns / 1'000'000'000));
  } else if (ns % 1'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ns / 1'000'000));
  } else {
    std::snprintf(buf, sizeof buf, "%.3fms", static_cast<double>(ns) / 1e6);
  }
  return buf;
}

std::string format_bandwidth(std::uint64_t bps) {
  char buf[48];
  if (bps % 1'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%lluMbps", static_cast<unsigned long long>(bps / 1'000'000));
  } else if (bps % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%llukbps", static_cast<unsigned long long>(bps / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%llubps", static_cast<unsigned long long>(bps));
  }
  return buf;
}

std::string format_watts(double w) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f W", w);
  return buf;
}

bool final_state(phone::PhoneState s) {
  switch (s) {
    case phone::PhoneState::registered:
    case phone::PhoneState::rejected:
    case phone::PhoneState::unprovisioned:
    case phone::PhoneState::no_power:
    case phone::PhoneState::no_vlan:
    case phone::PhoneState::no_ip:
    case phone::PhoneState::no_tftp:
    case phone::PhoneState::config_failed:
    case phone::PhoneState::no_cucm:
    case phone::PhoneState::network_down:
      return true;
    default:
      return false;
  }
}

scenario::StepStatus to_report(phone::StepStatus s) {
  switch (s) {
    case phone::StepStatus::ok:
      return scenario::StepStatus::ok;
    case phone::StepStatus::failed:
      return scenario::StepStatus::failed;
    case phone::StepStatus::skipped:
      return scenario::StepStatus::skipped;
    default:
      return scenario::StepStatus::pending;
  }
}

std::uint8_t phone_poe_class(const phone::Phone& p) {
  const std::uint32_t mw = p.model().power_mw;
  if (mw == 0) return 0;
  if (mw <= 3840) return 1;
  if (mw <= 6490) return 2;
  if (mw <= 12950) return 3;
  return 4;
}

}  // namespace

Lab::Lab(const scenario::Scenario& sc, const scenario::RunOptions& options,
         const SimulatedRunnerOptions& runner_options)
    : sc_(sc), options_(options), ro_(runner_options), sim_(options.seed) {
  lab_log_ = log_.component("lab");
  check_supported();
  build_catalogue();
  build_database();
  build_switches();
  build_links();
  build_router();
  build_dhcp();
  build_dns();
  build_cucm();
  build_phones();
  build_captures();
  start_ladder();
  schedule_timeline();
}

Lab::~Lab() = default;

void Lab::lab_note(std::string text) { log_.write(sim_.now(), lab_log_, std::move(text)); }

// ---- phones on their ports ----------------------------------------------------------------

void Lab::plug_in(std::size_t k) {
  PhoneSlot& p = *phones_[k];
  SwitchSlot& sw = *switches_[p.switch_index];
  p.plugged = true;
  p.denied = false;
  last_change_ = sim_.now();
  p.link = &sw.sw->connect(p.port, p.host->port(0), to_link_params(sw.spec->access_link));
  if (p.capture != nullptr) {
    p.link->tap(1, *p.capture, p.spec->device, [this, k](wire::Bytes frame) {
      return annotate(frame, static_cast<std::int64_t>(k));
    });
  }
  lab_note(p.spec->device + " plugged into " + p.spec->port.to_string() +
           (p.spec->power == scenario::PowerSource::poe ? " (PoE)" : " (power adapter)"));
  if (p.spec->power == scenario::PowerSource::poe) {
    p.host->set_up(false);
    access_switch::PoweredDevice device;
    device.poe_class = phone_poe_class(*p.phone);
    device.power = [this, k](bool on) { on_power(k, on); };
    sw.sw->attach_powered_device(p.port, std::move(device));
  } else {
    p.host->set_up(true);
    p.powered_ever = true;
    p.power_at = sim_.now();
    p.registered_this_power = false;
    p.driver->power_on("AC power adapter");
  }
  update_settled(p);
}

void Lab::on_power(std::size_t k, bool on) {
  PhoneSlot& p = *phones_[k];
  SwitchSlot& sw = *switches_[p.switch_index];
  p.host->set_up(on);
  if (on) {
    p.powered_ever = true;
    p.denied = false;
    p.power_at = sim_.now();
    p.registered_this_power = false;
    const auto status = sw.sw->agent().poe_status(p.port);
    p.driver->power_on("PoE class " + std::to_string(status.pd_class) + ", " +
                       format_watts(status.allocated_mw / 1000.0) + " from " +
                       p.spec->port.to_string());
  } else {
    p.driver->power_off();
  }
}

void SwitchSlot::apply_budget() {
  std::uint64_t total = budget_mw;
  for (const auto kept : kept_mw) total += kept;
  sw->set_poe_budget(static_cast<std::uint32_t>(std::min<std::uint64_t>(total, UINT32_MAX)));
}

void Lab::on_switch_event(std::size_t i, const access_switch::Event& e) {
  SwitchSlot& sw = *switches_[i];
  if (!e.line.empty()) log_.write(e.at, sw.spec->name, e.line);
  if (e.kind == access_switch::EventKind::power_removed && e.port < sw.kept_mw.size() &&
      sw.kept_mw[e.port] != 0) {
    sw.kept_mw[e.port] = 0;  // what it kept across a budget cut goes with its power
    sw.apply_budget();
  }
  if (e.kind == access_switch::EventKind::power_denied && e.port < sw.phone_on_port.size() &&
      sw.phone_on_port[e.port] >= 0) {
    PhoneSlot& p = *phones_[static_cast<std::size_t>(sw.phone_on_port[e.port])];
    if (!p.denied && !p.phone->powered()) {
      p.denied = true;
      p.driver->power_denied(e.detail.empty() ? "power denied by " + p.spec->port.to_string()
                                              : e.detail);
    }
  }
}

void Lab::on_phone_event(std::size_t k, const phone::Event& e) {
  PhoneSlot& p = *phones_[k];
  switch (e.kind) {
    case phone::EventKind::step_started:
      if (e.step >= 1 && e.step <= phone::step_count) {
        p.running[static_cast<std::size_t>(e.step)] = true;
        p.current_step = e.step;
      }
      if (e.step == 1) {  // a new power cycle: the transfers of the last one are over
        p.udp_notes.clear();
        p.tcp_notes.clear();
      }
      break;
    case phone::EventKind::step_finished:
      if (e.step >= 1 && e.step <= phone::step_count) {
        p.running[static_cast<std::size_t>(e.step)] = false;
        if (p.current_step == e.step) {
          p.current_step = 0;
          for (int n = phone::step_count; n >= 1; --n) {
            if (p.running[static_cast<std::size_t>(n)]) {
              p.current_step = n;
              break;
            }
          }
        }
      }
      break;
    case phone::EventKind::display_changed:
      if (!e.text.empty() && (p.displays.empty() || p.displays.back() != e.text)) {
        p.displays.push_back(e.text);
      }
      break;
    case phone::EventKind::state_changed:
      if (e.state == phone::PhoneState::registered && !p.registered_this_power && p.power_at) {
        p.registration_time = e.at - *p.power_at;
        p.registered_this_power = true;
      }
      if (e.state == phone::PhoneState::no_power) {
        std::fill(p.running.begin(), p.running.end(), false);
        p.current_step = 0;
      }
      break;
    case phone::EventKind::console:
      break;
  }
  // The phone's address, for telling its packets apart at shared capture points.
  const auto& ipv4 = p.phone->status().ipv4;
  const std::optional<wire::Ipv4Address> ip =
      ipv4 ? std::optional<wire::Ipv4Address>(ipv4->address) : std::nullopt;
  if (ip != p.ip) {
    if (p.ip) {
      const auto it = ip_to_phone_.find(p.ip->to_u32());
      if (it != ip_to_phone_.end() && it->second == k) ip_to_phone_.erase(it);
    }
    if (ip) ip_to_phone_[ip->to_u32()] = k;
    p.ip = ip;
  }
  if (e.kind != phone::EventKind::console) update_settled(p);
  check_triggers(k, e);
}

void Lab::update_settled(PhoneSlot& p) {
  bool idle = true;
  for (const bool r : p.running) idle = idle && !r;
  const auto& status = p.phone->status();
  const bool settled = p.plugged && idle && final_state(status.state);
  if (settled != p.settled) {
    if (settled) {
      --unsettled_;
    } else {
      ++unsettled_;
    }
    p.settled = settled;
  }
  if (settled) {
    std::string key = std::string(phone::to_string(status.state)) + "|" + status.registered_with;
    if (key != p.settled_key) {
      p.settled_key = std::move(key);
      last_change_ = sim_.now();
    }
  }
}

// ---- the timeline -----------------------------------------------------------------------------

void Lab::schedule_timeline() {
  for (std::size_t i = 0; i < sc_.timeline.size(); ++i) {
    const auto& entry = sc_.timeline[i];
    if (entry.at) {
      ++pending_entries_;
      sim_.scheduler().at(*entry.at, [this, i] { apply(i); });
    } else if (entry.when) {
      Trigger t;
      t.entry = i;
      t.range = sc_.select(entry.when->subject);
      t.needed =
          entry.when->count == 0 ? t.range.count : std::min(entry.when->count, t.range.count);
      t.done.assign(t.range.count, false);
      triggers_.push_back(std::move(t));
    }
  }
}

void Lab::check_triggers(std::size_t k, const phone::Event& e) {
  for (auto& t : triggers_) {
    if (t.fired || k < t.range.first || k >= t.range.first + t.range.count) continue;
    const auto& when = *sc_.timeline[t.entry].when;
    bool match = false;
    switch (when.event) {
      case scenario::EventTrigger::Event::registered:
        match =
            e.kind == phone::EventKind::state_changed && e.state == phone::PhoneState::registered;
        break;
      case scenario::EventTrigger::Event::state:
        match =
            e.kind == phone::EventKind::state_changed && phone::to_string(e.state) == when.state;
        break;
      case scenario::EventTrigger::Event::step:
        match = e.kind == phone::EventKind::step_finished && e.step == when.step &&
                to_report(e.status) == when.step_status;
        break;
    }
    if (!match || t.done[k - t.range.first]) continue;
    t.done[k - t.range.first] = true;
    if (++t.count < t.needed) continue;
    t.fired = true;
    ++pending_entries_;
    const std::size_t entry = t.entry;
    lab_note("timeline entry " + std::to_string(entry) +
             (sc_.timeline[entry].name.empty() ? "" : " (" + sc_.timeline[entry].name + ")") +
             " triggered; applies in " + format_duration(sc_.timeline[entry].after));
    sim_.scheduler().after(sc_.timeline[entry].after, [this, entry] { apply(entry); });
  }
}

void Lab::apply(std::size_t entry) {
  const auto& e = sc_.timeline[entry];
  std::string detail = apply_action(e.action);
  lab_note(e.action_name + " " + detail + (e.name.empty() ? "" : " (" + e.name + ")"));
  applied_.push_back({sim_.now(), e.action_name, std::move(detail)});
  --pending_entries_;
  last_change_ = sim_.now();
}

void Lab::restart_phone(PhoneSlot& p, bool power_cycle) {
  if (!p.plugged) return;
  SwitchSlot& sw = *switches_[p.switch_index];
  const std::size_t k = p.index;
  if (power_cycle && p.spec->power == scenario::PowerSource::poe) {
    // Pull the cable and plug it back: power goes, detection and classification run again
    // against the budget as it is now.
    sw.sw->detach_powered_device(p.port);
    if (p.phone->powered()) on_power(k, false);
    p.denied = false;
    access_switch::PoweredDevice device;
    device.poe_class = phone_poe_class(*p.phone);
    device.power = [this, k](bool on) { on_power(k, on); };
    sw.sw->attach_powered_device(p.port, std::move(device));
    return;
  }
  if (!p.phone->powered()) return;  // nothing to restart
  // A restart with power kept (phone_reset) or an adapter's power cycle: the phone's PHY goes
  // down and up with it, so the switch sees the link bounce and sends its link-up CDP.
  p.host->set_up(false);
  p.driver->power_off();
  p.link->set_up(false);
  p.link->set_up(true);
  p.host->set_up(true);
  p.power_at = sim_.now();
  p.registered_this_power = false;
  p.driver->power_on(power_cycle ? "AC power adapter (power cycled)"
                                 : "restarted by phone_reset (power kept)");
}

std::string Lab::apply_action(const scenario::Action& action) {
  if (const auto* a = std::get_if<scenario::NodeAction>(&action)) {
    for (auto& n : nodes_) {
      if (n->spec->name != a->node) continue;
      if (a->up) {
        n->driver->node_up();
      } else {
        n->driver->node_down();
      }
      return a->node;
    }
    for (auto& d : dhcp_) {
      if (d->spec->name != a->node) continue;
      if (a->up) {
        // Back from a power cut with nothing remembered: a new server over the same config.
        d->host->set_up(true);
        d->driver.reset();
        d->server = std::make_unique<dhcp::Server>(d->config);
        DatagramDriverConfig dc;
        dc.component = d->spec->name;
        dc.listen_ports = {67};
        d->driver = std::make_unique<DatagramDriver<dhcp::Server>>(*d->host, *d->server, dc, &log_);
        (void)d->driver->open();
        if (d->service_up) d->driver->update([](dhcp::Server& s, Time t) { s.start(t); });
      } else {
        d->host->set_up(false);
        d->driver->close();
        d->driver->update([](dhcp::Server& s, Time t) { s.stop(t); });
      }
      return a->node;
    }
    for (auto& d : dns_) {
      if (d->spec->name != a->node) continue;
      d->host->set_up(a->up);
      if (a->up) {
        (void)d->driver->open();
      } else {
        d->driver->close();
      }
      return a->node;
    }
    throw std::logic_error("node_down/up: no node " + a->node);
  }
  if (const auto* a = std::get_if<scenario::ServiceAction>(&action)) {
    const std::string detail = a->node + " " + std::string(scenario::to_string(a->service));
    if (a->service == scenario::Service::callmanager || a->service == scenario::Service::tftp) {
      const cucm::Service service = a->service == scenario::Service::callmanager
                                        ? cucm::Service::call_manager
                                        : cucm::Service::tftp;
      for (auto& n : nodes_) {
        if (n->spec->name != a->node) continue;
        if (a->up) {
          n->driver->start_service(service);
        } else {
          n->driver->stop_service(service);
        }
        return detail;
      }
    } else if (a->service == scenario::Service::dhcp) {
      for (auto& d : dhcp_) {
        if (d->spec->name != a->node) continue;
        d->service_up = a->up;
        if (a->up) {
          (void)d->driver->open();
          d->driver->update([](dhcp::Server& s, Time t) { s.start(t); });
        } else {
          d->driver->update([](dhcp::Server& s, Time t) { s.stop(t); });
          d->driver->close();
        }
        return detail;
      }
    } else {
      for (auto& d : dns_) {
        if (d->spec->name != a->node) continue;
        if (a->up) {
          (void)d->driver->open();
        } else {
          d->driver->close();
        }
        return detail;
      }
    }
    throw std::logic_error("service_down/up: no node " + a->node);
  }
  if (const auto* a = std::get_if<scenario::LinkAction>(&action)) {
    links_.at(a->link)->set_up(a->up);
    return sc_.links[a->link].name;
  }
  if (const auto* a = std::get_if<scenario::LinkImpairAction>(&action)) {
    netsim::Link& link = *links_.at(a->link);
    netsim::LinkParams params = link.params(0);
    std::string detail = sc_.links[a->link].name;
    if (a->latency) {
      params.latency = *a->latency;
      detail += " latency " + format_duration(*a->latency);
    }
    if (a->bandwidth_bps) {
      params.bandwidth_bps = *a->bandwidth_bps;
      detail += " bandwidth " + format_bandwidth(*a->bandwidth_bps);
    }
    if (a->loss) {
      params.loss = *a->loss;
      char buf[32];
      std::snprintf(buf, sizeof buf, " loss %g%%", *a->loss * 100.0);
      detail += buf;
    }
    if (a->jitter) {
      params.jitter = *a->jitter;
      detail += " jitter " + format_duration(*a->jitter);
    }
    link.set_params(params);
    return detail;
  }
  if (const auto* a = std::get_if<scenario::SetDefaultLoadAction>(&action)) {
    if (db_.load(a->load) == nullptr) db_.put_load(provisioning::reference_load(a->load));
    provisioning::EnterpriseDefaults defaults = db_.enterprise_defaults();
    const auto* m = provisioning::find_phone_model(a->model);
    defaults.default_loads[m != nullptr ? std::string(m->name) : a->model] = a->load;
    db_.set_enterprise_defaults(std::move(defaults));
    return a->model + " " + a->load;
  }
  if (const auto* a = std::get_if<scenario::SetDeviceLoadAction>(&action)) {
    const provisioning::Device* d = db_.device(a->device);
    if (d == nullptr) return a->device + " (not in the database)";
    provisioning::Device device = *d;
    device.phone_load = a->load.value_or("");
    if (a->load && db_.load(*a->load) == nullptr) {
      db_.put_load(provisioning::reference_load(*a->load));
    }
    db_.put_device(std::move(device));
    return a->device + " " + (a->load ? *a->load : "model default");
  }
  if (const auto* a = std::get_if<scenario::SetCmGroupAction>(&action)) {
    db_.put_call_manager_group({a->group, a->nodes});
    std::string detail = a->group + ":";
    for (const auto& n : a->nodes) detail += " " + n;
    return detail;
  }
  if (const auto* a = std::get_if<scenario::SetVoiceVlanAction>(&action)) {
    SwitchSlot& sw = *switches_.at(a->switch_index);
    std::vector<std::size_t> ports = a->ports;
    if (ports.empty()) {
      for (std::size_t j = 0; j < sw.spec->ports.size(); ++j) {
        const auto& port = sw.spec->ports[j];
        if (!port.uplink && port.mode == scenario::PortMode::access) ports.push_back(j);
      }
    }
    for (const auto j : ports) sw.sw->set_voice_vlan(j, a->vlan.value_or(0));
    std::string detail = sw.spec->name;
    if (!a->ports.empty()) {
      for (const auto j : a->ports) detail += " " + sw.spec->ports[j].name;
    }
    return detail + " vlan " + (a->vlan ? std::to_string(*a->vlan) : "none");
  }
  if (const auto* a = std::get_if<scenario::SetDhcpOptionAction>(&action)) {
    for (auto& d : dhcp_) {
      if (d->spec->name != a->server) continue;
      dhcp::Pool* pool = nullptr;
      for (auto& p : d->config.pools) {
        if (a->scope.empty() ? d->config.pools.size() == 1 : p.name == a->scope) pool = &p;
      }
      if (pool == nullptr) throw std::logic_error("set_dhcp_option: no scope " + a->scope);
      auto& o = pool->options;
      const auto code = static_cast<std::uint8_t>(a->option);
      std::string value = "none";
      if (a->remove) {
        o.erase(code);
      } else {
        switch (a->option) {
          case 3:
            o.set_routers(a->addresses);
            break;
          case 6:
            o.set_dns_servers(a->addresses);
            break;
          case 42:
            o.set_ntp_servers(a->addresses);
            break;
          case 150:
            o.set_tftp_server_addresses(a->addresses);
            break;
          case 15:
            o.set_domain_name(a->text.value_or(""));
            break;
          case 66:
            o.set_tftp_server_name(a->text.value_or(""));
            break;
          default:
            throw std::logic_error("set_dhcp_option: option " + std::to_string(a->option));
        }
        if (a->text) {
          value = *a->text;
        } else {
          value.clear();
          for (const auto& ip : a->addresses) value += (value.empty() ? "" : ",") + ip.to_string();
        }
      }
      d->driver->update([&](dhcp::Server& s, Time t) { s.reconfigure(t, d->config); });
      return a->server + " " + pool->name + " option " + std::to_string(a->option) + " " + value;
    }
    throw std::logic_error("set_dhcp_option: no server " + a->server);
  }
  if (const auto* a = std::get_if<scenario::PhoneRestartAction>(&action)) {
    const auto range = sc_.select(a->phones);
    for (std::size_t k = range.first; k < range.first + range.count; ++k) {
      restart_phone(*phones_[k], a->power_cycle);
    }
    return a->phones.label.empty() ? "every phone" : a->phones.label;
  }
  if (const auto* a = std::get_if<scenario::SetPoeBudgetAction>(&action)) {
    SwitchSlot& sw = *switches_.at(a->switch_index);
    sw.budget_mw = static_cast<std::uint32_t>(std::llround(std::max(0.0, a->budget_w) * 1000.0));
    std::fill(sw.kept_mw.begin(), sw.kept_mw.end(), 0);
    std::string detail = sw.spec->name + " " + format_watts(a->budget_w);
    if (sw.budget_mw < sw.sw->agent().poe_summary().used_mw) {
      // "Phones already powered keep their power, new requests are checked against it."
      std::uint32_t kept = 0;
      for (std::size_t port = 0; port < sw.kept_mw.size(); ++port) {
        const auto status = sw.sw->agent().poe_status(port);
        if (status.oper == access_switch::PoeOper::on ||
            status.oper == access_switch::PoeOper::detecting) {
          sw.kept_mw[port] = status.allocated_mw;
          kept += status.allocated_mw;
        }
      }
      detail += " (" + format_watts(kept / 1000.0) + " kept by the devices powered now)";
    }
    sw.apply_budget();
    return detail;
  }
  throw std::logic_error("unknown timeline action");
}

// ---- the end ----------------------------------------------------------------------------------

bool Lab::finished() const {
  return pending_entries_ == 0 && unsettled_ == 0 && sim_.now() - last_change_ >= ro_.settle_window;
}

scenario::RunResult Lab::collect() const {
  scenario::RunResult result = scenario::make_empty_result(sc_);
  result.sim_time = sim_.now();
  std::uint64_t mirrored = 0;
  for (const auto& sw : switches_) {
    if (sw->span_link != nullptr) mirrored += sw->span_link->counters().delivered;
  }
  result.packets = sim_.frames_delivered() - mirrored;
  result.events = applied_;
  for (std::size_t k = 0; k < phones_.size() && k < result.phones.size(); ++k) {
    const PhoneSlot& p = *phones_[k];
    scenario::PhoneResult& out = result.phones[k];
    const phone::DeviceStatus& st = p.phone->status();
    out.state = p.plugged ? std::string(phone::to_string(st.state)) : "off";
    if (st.ipv4) out.ip = st.ipv4->address;
    out.registered_with = st.registered_with;
    if (p.powered_ever) {
      out.active_load = st.active_load;
      out.inactive_load = st.inactive_load;
    }
    out.download_status = st.download_status;
    out.display = st.display;
    out.displays_seen = p.displays;
    out.registration_time = p.registration_time;
    for (const auto& r : p.phone->steps()) {
      if (r.n < 1 || r.n > scenario::step_count) continue;
      auto& s = out.steps[static_cast<std::size_t>(r.n - 1)];
      s.status = to_report(r.status);
      s.start = r.start;
      s.end = r.end;
      s.detail = r.detail;
    }
  }
  return result;
}

void Lab::write_outputs() {
  for (auto& w : writers_) {
    w->flush();
    if (w->write_failed()) throw std::runtime_error("a capture could not be written completely");
  }
  log_.write_files(options_.out_dir / "logs");
  write_ladder();
}

scenario::RunResult Lab::run() {
  const Time limit = sc_.time_limit;
  bool reached = false;
  for (;;) {
    const Time next = std::min(sim_.now() + ro_.check_interval, limit);
    sim_.run(next);
    if (finished()) break;
    if (sim_.now() >= limit) {
      reached = true;
      break;
    }
  }
  lab_note(reached ? "time limit reached" : "every phone settled; the run ends");
  scenario::RunResult result = collect();
  result.time_limit_reached = reached;
  write_outputs();
  return result;
}

}  // namespace voicelab::lab::detail

namespace voicelab::lab {

scenario::RunResult SimulatedRunner::run(const scenario::Scenario& scenario,
                                         const scenario::RunOptions& options) {
  detail::Lab lab(scenario, options, options_);
  scenario::RunResult result = lab.run();
  result.scenario = scenario.name;
  result.file = scenario.file;
  result.seed = options.seed;
  return result;
}

}  // namespace voicelab::lab
