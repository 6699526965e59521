#pragma once
// A "phone" for the netsim switch tests: a netsim::Host with one port and one L3 interface, plus
// a cdp::PhoneDiscovery driven on the simulation's clock. Powering it (the PoweredDevice callback
// of SimulatedSwitch) starts discovery; a learned voice VLAN moves the interface into that VLAN
// (802.1Q tag), as the phone's voice traffic would be.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "voicelab/cdp/phone_discovery.hpp"
#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/scheduler.hpp"
#include "voicelab/netsim/simulation.hpp"

namespace voicelab::test {

inline std::uint64_t name_stream(const std::string& name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : name) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class TestPhone {
 public:
  TestPhone(netsim::Simulation& sim, std::string name, cdp::PhoneDiscoveryConfig config)
      : sim_(sim),
        random_(sim.random().fork(name_stream(name) ^ 0x5048u)),
        host_(sim, name),
        discovery_(std::move(config), random_),
        timer_(sim.scheduler(), [this] { on_timer(); }) {
    host_.add_port(discovery_.config().mac);
    iface_ = host_.add_interface(0);
    host_.set_l2_handler([this](std::size_t, const netsim::FrameRef& frame) {
      discovery_.handle_frame(sim_.now(), frame.bytes());
      pump();
    });
  }
  TestPhone(const TestPhone&) = delete;
  TestPhone& operator=(const TestPhone&) = delete;

  // The PoweredDevice callback (after SimulatedSwitch has set the host up or down).
  void power(bool on) {
    ++power_changes_;
    if (on) {
      discovery_.start(sim_.now());
    } else {
      discovery_.stop(sim_.now());
      host_.set_interface_vlan(iface_, std::nullopt);  // a reboot forgets the VLAN
    }
    pump();
  }

  netsim::Host& host() { return host_; }
  cdp::PhoneDiscovery& discovery() { return discovery_; }
  [[nodiscard]] netsim::InterfaceId interface_id() const { return iface_; }
  [[nodiscard]] const std::vector<cdp::DiscoveryEvent>& events() const { return events_; }
  [[nodiscard]] int power_changes() const { return power_changes_; }
  [[nodiscard]] std::optional<std::uint16_t> interface_vlan() const {
    auto tag = host_.interface_vlan(iface_);
    return tag ? std::optional<std::uint16_t>(tag->vid) : std::nullopt;
  }

 private:
  void pump() {
    while (auto f = discovery_.poll_transmit()) {
      host_.send_frame(0, sim_.frames().copy_of(*f));
    }
    while (auto e = discovery_.poll_event()) {
      if (e->kind == cdp::DiscoveryEventKind::voice_vlan_learned ||
          e->kind == cdp::DiscoveryEventKind::voice_vlan_changed) {
        host_.set_interface_vlan(iface_, wire::VlanTag{*e->vlan, 0, false});
      }
      events_.push_back(std::move(*e));
    }
    if (auto next = discovery_.next_timeout()) {
      timer_.arm_at(*next);
    } else {
      timer_.cancel();
    }
  }
  void on_timer() {
    discovery_.handle_timeout(sim_.now());
    pump();
  }

  netsim::Simulation& sim_;
  Random random_;
  netsim::Host host_;
  cdp::PhoneDiscovery discovery_;
  netsim::Timer timer_;
  netsim::InterfaceId iface_ = 0;
  std::vector<cdp::DiscoveryEvent> events_;
  int power_changes_ = 0;
};

}  // namespace voicelab::test
