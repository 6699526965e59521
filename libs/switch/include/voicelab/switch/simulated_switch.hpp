#pragma once
// An access switch on the simulated network: a netsim::SwitchFabric for forwarding, a
// SwitchAgent as its control plane (CDP/LLDP punted to it, its frames sent with send_control),
// the agent's timers on the simulation's scheduler, and PoE that really powers devices.
//
// Power and links: a powered device (PD) attached to a port is powered by its callback when the
// agent's power-up delay ends, and unpowered when the agent takes power away. While a PD has no
// power its link is held down, as an unpowered phone's PHY has no link: the switch sees the
// port come up (and sends CDP on link-up) only once the phone is powered. A port without a PD
// (a PC, an uplink) behaves like a plain fabric port.
//
// Configuration changes go through this class so that the agent (what is advertised) and the
// fabric (what is forwarded) stay in step.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/link.hpp"
#include "voicelab/netsim/scheduler.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/netsim/switch_fabric.hpp"
#include "voicelab/switch/agent.hpp"

namespace voicelab::access_switch {

// Something cabled to a PoE port that wants power.
struct PoweredDevice {
  std::uint8_t poe_class = 3;  // IEEE class it signals at detection (0..4)
  // Called with true when power is applied, false when it is taken away. Must not destroy the
  // switch; may do anything else (boot a host, start engines).
  std::function<void(bool on)> power;
};

class SimulatedSwitch : private netsim::SwitchControlPlane {
 public:
  using EventHandler = std::function<void(const Event&)>;

  // Fabric ports are named "<hostname>:Gi1/0/N" (the agent's short names). Throws what
  // SwitchAgent throws for a bad configuration.
  SimulatedSwitch(netsim::Simulation& sim, SwitchConfig config,
                  netsim::SwitchFabric::Options fabric_options);
  SimulatedSwitch(netsim::Simulation& sim, SwitchConfig config)
      : SimulatedSwitch(sim, std::move(config), netsim::SwitchFabric::Options{}) {}
  ~SimulatedSwitch() override;
  SimulatedSwitch(const SimulatedSwitch&) = delete;
  SimulatedSwitch& operator=(const SimulatedSwitch&) = delete;

  [[nodiscard]] netsim::SwitchFabric& fabric() { return fabric_; }
  [[nodiscard]] const SwitchAgent& agent() const { return agent_; }
  [[nodiscard]] netsim::Port& port(std::size_t index) { return fabric_.port(index); }
  [[nodiscard]] std::size_t port_count() const { return agent_.port_count(); }
  [[nodiscard]] const std::string& name() const { return agent_.config().hostname; }

  // --- cabling --------------------------------------------------------------------------------
  // A PD on `port` (its link, if any, is held down until it has power); detection runs now.
  // Replaces an earlier device on that port. Throws std::out_of_range for a bad port.
  void attach_powered_device(std::size_t port, PoweredDevice device);
  // The PD's cable is pulled: power off, link down.
  void detach_powered_device(std::size_t port);
  // Cables `host`'s port `host_port` to `port` as a PD that powers the host: the host is off
  // until the switch powers it (Host::set_up), then `on_power` runs (e.g. start the phone).
  netsim::Link& connect_powered_host(std::size_t port, netsim::Host& host, std::size_t host_port,
                                     std::uint8_t poe_class,
                                     std::function<void(bool on)> on_power = {},
                                     netsim::LinkParams params = {});
  // A device that draws no power (a PC, a server, an uplink).
  netsim::Link& connect(std::size_t port, netsim::Port& peer, netsim::LinkParams params = {});
  [[nodiscard]] bool powered(std::size_t port) const;

  // --- run-time configuration (agent + fabric) ----------------------------------------------
  void configure_port(std::size_t port, PortConfig config);
  void set_access_vlan(std::size_t port, std::uint16_t vlan);
  void set_voice_vlan(std::size_t port, std::uint16_t vlan);  // 0 = none
  void set_cdp_enabled(std::size_t port, bool on);            // "[no] cdp enable"
  void set_lldp_enabled(std::size_t port, bool on);           // lldp transmit + receive
  void set_shutdown(std::size_t port, bool shut);
  void set_poe_admin(std::size_t port, PoeAdmin admin);
  void set_poe_budget(std::uint32_t milliwatts);
  void set_cdp_run(bool on);
  void set_lldp_run(bool on);
  // A PoE fault on the port (short circuit...): power off until the PD is detached.
  void inject_pd_fault(std::size_t port, std::string_view reason);

  // --- observation ----------------------------------------------------------------------------
  // Called for every agent event, after the switch acted on it.
  void set_event_handler(EventHandler handler) { handler_ = std::move(handler); }
  // Every event's log line so far (the switch's log), unless disabled (large storms).
  [[nodiscard]] const std::vector<std::string>& log() const { return log_; }
  void set_keep_log(bool keep) { keep_log_ = keep; }

  [[nodiscard]] std::string show_cdp_neighbors() const;
  [[nodiscard]] std::string show_cdp_neighbors_detail() const;
  [[nodiscard]] std::string show_power_inline() const;

 private:
  // netsim::SwitchControlPlane
  void on_control_frame(std::size_t port, const netsim::FrameRef& frame) override;
  void on_port_state(std::size_t port, bool up) override;

  void apply_fabric_config(std::size_t port);
  void update_link(std::size_t port);
  [[nodiscard]] bool link_allowed(std::size_t port) const;
  void handle_event(const Event& e);
  void set_power(std::size_t port, bool on);
  void pump();
  void on_timer();

  netsim::Simulation& sim_;
  SwitchAgent agent_;
  netsim::SwitchFabric fabric_;
  netsim::Timer timer_;
  std::vector<std::optional<PoweredDevice>> devices_;
  std::vector<bool> powered_;
  EventHandler handler_;
  std::vector<std::string> log_;
  bool keep_log_ = true;
  bool pumping_ = false;
  bool pump_again_ = false;
};

}  // namespace voicelab::access_switch
