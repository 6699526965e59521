#include "voicelab/switch/simulated_switch.hpp"

#include <stdexcept>
#include <utility>

#include "voicelab/switch/render.hpp"

namespace voicelab::access_switch {
namespace {

std::vector<std::string> interface_names(const SwitchAgent& agent) {
  std::vector<std::string> names;
  names.reserve(agent.port_count());
  for (std::size_t i = 0; i < agent.port_count(); ++i) names.push_back(agent.short_port_name(i));
  return names;
}

}  // namespace

SimulatedSwitch::SimulatedSwitch(netsim::Simulation& sim, SwitchConfig config,
                                 netsim::SwitchFabric::Options fabric_options)
    : sim_(sim),
      agent_(std::move(config)),
      fabric_(sim, agent_.config().hostname, interface_names(agent_), fabric_options),
      timer_(sim.scheduler(), [this] { on_timer(); }),
      devices_(agent_.port_count()),
      powered_(agent_.port_count(), false) {
  for (std::size_t i = 0; i < agent_.port_count(); ++i) apply_fabric_config(i);
  fabric_.set_control_plane(this);
}

SimulatedSwitch::~SimulatedSwitch() { fabric_.set_control_plane(nullptr); }

// ---- cabling ------------------------------------------------------------------------------

void SimulatedSwitch::attach_powered_device(std::size_t port, PoweredDevice device) {
  (void)agent_.port_config(port);  // range check
  if (devices_[port]) detach_powered_device(port);
  devices_[port] = std::move(device);
  powered_[port] = false;
  update_link(port);
  agent_.handle_pd_detected(sim_.now(), port, devices_[port]->poe_class);
  pump();
}

void SimulatedSwitch::detach_powered_device(std::size_t port) {
  (void)agent_.port_config(port);
  if (!devices_[port]) return;
  agent_.handle_pd_removed(sim_.now(), port);
  pump();
  if (powered_[port]) set_power(port, false);  // in case the agent kept nothing to say
  devices_[port].reset();
  // The cable is out: no link until something is cabled again.
  if (netsim::Link* link = fabric_.port(port).link()) link->set_up(false);
}

netsim::Link& SimulatedSwitch::connect_powered_host(std::size_t port, netsim::Host& host,
                                                    std::size_t host_port, std::uint8_t poe_class,
                                                    std::function<void(bool on)> on_power,
                                                    netsim::LinkParams params) {
  netsim::Link& link = sim_.connect(fabric_.port(port), host.port(host_port), params);
  host.set_up(false);
  PoweredDevice device;
  device.poe_class = poe_class;
  device.power = [&host, on_power = std::move(on_power)](bool on) {
    host.set_up(on);
    if (on_power) on_power(on);
  };
  attach_powered_device(port, std::move(device));
  return link;
}

netsim::Link& SimulatedSwitch::connect(std::size_t port, netsim::Port& peer,
                                       netsim::LinkParams params) {
  return sim_.connect(fabric_.port(port), peer, params);
}

bool SimulatedSwitch::powered(std::size_t port) const {
  (void)agent_.port_config(port);
  return powered_[port];
}

bool SimulatedSwitch::link_allowed(std::size_t port) const {
  return fabric_.config(port).enabled && (!devices_[port] || powered_[port]);
}

void SimulatedSwitch::update_link(std::size_t port) {
  netsim::Link* link = fabric_.port(port).link();
  if (link == nullptr) return;
  const bool allowed = link_allowed(port);
  if (link->up() != allowed) link->set_up(allowed);
}

void SimulatedSwitch::set_power(std::size_t port, bool on) {
  if (powered_[port] == on) return;
  powered_[port] = on;
  if (on) {
    // The link first, then the device: the device starts talking on a link that is up, and the
    // switch's link-up CDP (delivered by a later event) finds it powered.
    update_link(port);
    if (devices_[port] && devices_[port]->power) devices_[port]->power(true);
  } else {
    update_link(port);
    if (devices_[port] && devices_[port]->power) devices_[port]->power(false);
  }
}

// ---- configuration ------------------------------------------------------------------------

void SimulatedSwitch::apply_fabric_config(std::size_t port) {
  const PortConfig& c = agent_.port_config(port);
  netsim::SwitchPortConfig f =
      c.mode == PortMode::access ? netsim::SwitchPortConfig::access(c.access_vlan, c.voice_vlan)
                                 : netsim::SwitchPortConfig::trunk(c.native_vlan, c.allowed_vlans);
  f.enabled = !c.shutdown;
  const netsim::SwitchPortConfig& now = fabric_.config(port);
  // Reconfiguring flushes the port's MAC entries: only do it when forwarding really changes.
  if (now.mode != f.mode || now.access_vlan != f.access_vlan || now.voice_vlan != f.voice_vlan ||
      now.native_vlan != f.native_vlan || now.allowed_vlans != f.allowed_vlans) {
    f.enabled = now.enabled;
    fabric_.configure(port, f);
  }
  if (now.enabled != !c.shutdown) fabric_.set_enabled(port, !c.shutdown);
  update_link(port);
}

void SimulatedSwitch::configure_port(std::size_t port, PortConfig config) {
  agent_.configure_port(sim_.now(), port, std::move(config));
  apply_fabric_config(port);
  pump();
}

void SimulatedSwitch::set_access_vlan(std::size_t port, std::uint16_t vlan) {
  PortConfig c = agent_.port_config(port);
  c.access_vlan = vlan;
  configure_port(port, std::move(c));
}

void SimulatedSwitch::set_voice_vlan(std::size_t port, std::uint16_t vlan) {
  PortConfig c = agent_.port_config(port);
  c.voice_vlan = vlan;
  configure_port(port, std::move(c));
}

void SimulatedSwitch::set_cdp_enabled(std::size_t port, bool on) {
  PortConfig c = agent_.port_config(port);
  c.cdp_enable = on;
  configure_port(port, std::move(c));
}

void SimulatedSwitch::set_lldp_enabled(std::size_t port, bool on) {
  PortConfig c = agent_.port_config(port);
  c.lldp_transmit = on;
  c.lldp_receive = on;
  configure_port(port, std::move(c));
}

void SimulatedSwitch::set_shutdown(std::size_t port, bool shut) {
  PortConfig c = agent_.port_config(port);
  c.shutdown = shut;
  configure_port(port, std::move(c));
}

void SimulatedSwitch::set_poe_admin(std::size_t port, PoeAdmin admin) {
  PortConfig c = agent_.port_config(port);
  c.poe = admin;
  configure_port(port, std::move(c));
}

void SimulatedSwitch::set_poe_budget(std::uint32_t milliwatts) {
  agent_.set_poe_budget(sim_.now(), milliwatts);
  pump();
}

void SimulatedSwitch::set_cdp_run(bool on) {
  agent_.set_cdp_run(sim_.now(), on);
  pump();
}

void SimulatedSwitch::set_lldp_run(bool on) {
  agent_.set_lldp_run(sim_.now(), on);
  pump();
}

void SimulatedSwitch::inject_pd_fault(std::size_t port, std::string_view reason) {
  agent_.handle_pd_fault(sim_.now(), port, reason);
  pump();
}

// ---- control plane ------------------------------------------------------------------------

void SimulatedSwitch::on_control_frame(std::size_t port, const netsim::FrameRef& frame) {
  agent_.handle_frame(sim_.now(), port, frame.bytes());
  pump();
}

void SimulatedSwitch::on_port_state(std::size_t port, bool up) {
  if (up && !link_allowed(port)) {
    // "no shutdown" brought up the link of an unpowered device: it has no PHY yet. Taking the
    // link down again reports a nested "down", which the agent (never told "up") ignores.
    if (netsim::Link* link = fabric_.port(port).link()) link->set_up(false);
    return;
  }
  agent_.handle_port_state(sim_.now(), port, up);
  pump();
}

void SimulatedSwitch::handle_event(const Event& e) {
  switch (e.kind) {
    case EventKind::port_powered:
      set_power(e.port, true);
      break;
    case EventKind::power_removed:
    case EventKind::power_denied:
      set_power(e.port, false);
      break;
    default:
      break;
  }
  if (keep_log_) log_.push_back(e.line);
  if (handler_) handler_(e);
}

void SimulatedSwitch::pump() {
  // Powering a device re-enters (link up -> on_port_state -> agent -> pump): the nested call only
  // asks the outer loop to go round again, so frames and events keep their order.
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  pumping_ = true;
  do {
    pump_again_ = false;
    while (auto t = agent_.poll_transmit()) {
      fabric_.send_control(t->port, sim_.frames().copy_of(t->frame));
    }
    while (auto e = agent_.poll_event()) {
      handle_event(*e);
      // Frames the event caused (CDP on link-up) go out before later events are handled.
      while (auto t = agent_.poll_transmit()) {
        fabric_.send_control(t->port, sim_.frames().copy_of(t->frame));
      }
    }
  } while (pump_again_);
  pumping_ = false;
  if (auto next = agent_.next_timeout()) {
    if (!timer_.armed() || timer_.deadline() != *next) timer_.arm_at(*next);
  } else {
    timer_.cancel();
  }
}

void SimulatedSwitch::on_timer() {
  agent_.handle_timeout(sim_.now());
  pump();
}

// ---- views --------------------------------------------------------------------------------

std::string SimulatedSwitch::show_cdp_neighbors() const {
  return render_cdp_neighbors(agent_, sim_.now());
}

std::string SimulatedSwitch::show_cdp_neighbors_detail() const {
  return render_cdp_neighbors_detail(agent_, sim_.now());
}

std::string SimulatedSwitch::show_power_inline() const { return render_power_inline(agent_); }

}  // namespace voicelab::access_switch
