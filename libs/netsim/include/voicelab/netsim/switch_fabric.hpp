#pragma once
// An 802.1Q learning switch: access ports with an optional voice VLAN (untagged data, tagged
// voice, as a Cisco IP phone's switch port sees it), trunks (native VLAN untagged, the others
// tagged), MAC learning with aging, flooding, SPAN, and a punt path to the switch's control plane
// for link-local protocols (CDP, LLDP, STP). It forwards; it does not speak any protocol itself:
// the switch role (libs/switch) plugs in as the SwitchControlPlane.
//
// Per-frame cost: no heap allocation once the MAC table and the frame pool are warm, one hash
// lookup to learn and one to forward, no scan over ports for known unicast. A frame is re-encoded
// (4-byte tag pushed, popped or rewritten) into a new pooled frame only when its tagging changes
// on the way out, at most once per distinct egress encoding; otherwise the FrameRef is shared.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/netsim/frame.hpp"
#include "voicelab/netsim/link.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::netsim {

class Simulation;

enum class SwitchPortMode : std::uint8_t { access, trunk };

// "switchport ..." of one port. VLAN ids are 1..4094.
struct SwitchPortConfig {
  bool enabled = true;  // false = "shutdown"
  SwitchPortMode mode = SwitchPortMode::access;
  // Access mode: untagged and priority-tagged (VID 0) frames belong to access_vlan; frames
  // tagged with voice_vlan (0 = none) belong to it and leave the port tagged. Other tags: dropped.
  std::uint16_t access_vlan = 1;
  std::uint16_t voice_vlan = 0;
  // Trunk mode: untagged (and priority-tagged) frames belong to native_vlan and leave untagged;
  // frames of other VLANs are tagged. allowed_vlans empty = all; the native VLAN is carried only
  // if allowed.
  std::uint16_t native_vlan = 1;
  std::vector<std::uint16_t> allowed_vlans;

  static SwitchPortConfig access(std::uint16_t vlan, std::uint16_t voice = 0) {
    SwitchPortConfig c;
    c.access_vlan = vlan;
    c.voice_vlan = voice;
    return c;
  }
  static SwitchPortConfig trunk(std::uint16_t native = 1, std::vector<std::uint16_t> allowed = {}) {
    SwitchPortConfig c;
    c.mode = SwitchPortMode::trunk;
    c.native_vlan = native;
    c.allowed_vlans = std::move(allowed);
    return c;
  }
};

// The switch's own software (CDP, LLDP, PoE...): told about control frames and port state.
class SwitchControlPlane {
 public:
  virtual ~SwitchControlPlane() = default;
  // A frame to a link-local control address (see SwitchFabric::is_control_address) arrived on
  // `port`; it is never forwarded. Keep the FrameRef to hold on to it.
  virtual void on_control_frame(std::size_t port, const FrameRef& frame) = 0;
  // The port's operational state changed: up = administratively enabled and carrier present
  // (e.g. send CDP on link-up). Called synchronously from the link event or set_enabled().
  virtual void on_port_state(std::size_t /*port*/, bool /*up*/) {}
};

// Per-port counters of the fabric (the Port's own counters() count what crossed the link).
struct SwitchPortCounters {
  std::uint64_t rx_frames = 0, rx_bytes = 0;  // handed to the fabric by the link
  std::uint64_t tx_frames = 0, tx_bytes = 0;  // handed to the link by the fabric (incl. SPAN)
  std::uint64_t rx_vlan_drops = 0;            // ingress filter: tag/VLAN not carried by this port
  std::uint64_t rx_discards = 0;  // port shut down, SPAN destination, or frame too short
  std::uint64_t tx_discards = 0;  // egress refused: port not up, VLAN not carried, too long
  std::uint64_t control_rx = 0;   // punted to the control plane
  std::uint64_t control_tx = 0;   // sent by the control plane (send_control)
  std::uint64_t span_tx = 0;      // mirrored copies sent out of this SPAN destination
};

// Fabric-wide forwarding decisions, per received frame.
struct SwitchCounters {
  std::uint64_t unicast_forwarded = 0;  // known unicast sent to the learned port
  std::uint64_t flooded = 0;            // unknown unicast, broadcast or multicast frames flooded
  std::uint64_t filtered = 0;           // destination learned on the ingress port: dropped
  std::uint64_t mac_learned = 0;        // new (VLAN, MAC) entries
  std::uint64_t mac_moves = 0;          // an address seen on another port than learned
  std::uint64_t mac_aged = 0;           // entries removed by aging
};

// One row of "show mac address-table".
struct MacTableEntry {
  std::uint16_t vlan = 0;
  wire::MacAddress mac;
  std::size_t port = 0;
  bool is_static = false;
  Duration age{0};  // since last seen (0 for static entries)
};

namespace detail {
// Open-addressing (linear probing, backward-shift deletion) map from (VLAN << 48 | MAC) to a
// port, sized to a power of two at most half full; key 0 marks an empty slot (VLAN 0 never
// occurs). Allocates only when it grows.
class MacTable {
 public:
  struct Entry {
    std::uint64_t key = 0;
    Time last_seen{0};
    std::uint32_t port = 0;
    bool is_static = false;
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void reserve(std::size_t entries);
  [[nodiscard]] std::size_t find(std::uint64_t key) const noexcept;
  Entry& insert(std::uint64_t key);  // precondition: not present
  void erase_at(std::size_t index) noexcept;
  [[nodiscard]] Entry& at(std::size_t index) noexcept { return slots_[index]; }
  [[nodiscard]] const std::vector<Entry>& slots() const noexcept { return slots_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // Removes every entry for which pred(entry) is true; returns how many.
  template <class Pred>
  std::size_t erase_if(Pred pred) {
    std::size_t erased = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      // Backward shift may move a later entry into slot i: look at it again.
      while (slots_[i].key != 0 && pred(slots_[i])) {
        erase_at(i);
        ++erased;
      }
    }
    return erased;
  }

 private:
  [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> shift_);
  }
  void rehash(std::size_t capacity);
  std::vector<Entry> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  int shift_ = 64;
};
}  // namespace detail

class SwitchFabric {
 public:
  struct Options {
    Duration mac_aging = std::chrono::seconds{300};  // 0 = entries never age
    std::size_t mac_table_reserve = 1024;            // entries, to avoid growing when warm
  };

  // `port_count` ports named "<name>:Gi1/0/1", "<name>:Gi1/0/2"...; all access VLAN 1, enabled.
  SwitchFabric(Simulation& sim, std::string name, std::size_t port_count, Options options);
  SwitchFabric(Simulation& sim, std::string name, std::size_t port_count)
      : SwitchFabric(sim, std::move(name), port_count, Options{}) {}
  // One port per interface name ("Gi1/0/1", "Fa0/1"...); each Port is named "<name>:<ifname>".
  SwitchFabric(Simulation& sim, std::string name, std::vector<std::string> interface_names,
               Options options);
  SwitchFabric(Simulation& sim, std::string name, std::vector<std::string> interface_names)
      : SwitchFabric(sim, std::move(name), std::move(interface_names), Options{}) {}
  ~SwitchFabric();
  SwitchFabric(const SwitchFabric&) = delete;
  SwitchFabric& operator=(const SwitchFabric&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::size_t port_count() const { return state_.size(); }
  // The port to connect (Simulation::connect). Throws std::out_of_range for a bad index.
  [[nodiscard]] Port& port(std::size_t index);
  [[nodiscard]] const std::string& interface_name(std::size_t index) const;  // "Gi1/0/1"
  // By interface name ("Gi1/0/3") or full port name ("sw1:Gi1/0/3").
  [[nodiscard]] std::optional<std::size_t> find_port(std::string_view name) const;

  // --- configuration (throws std::out_of_range for a bad port, std::invalid_argument for a
  // VLAN id outside 1..4094). Reconfiguring a port flushes the MAC entries learned on it.
  void configure(std::size_t port, const SwitchPortConfig& config);
  [[nodiscard]] const SwitchPortConfig& config(std::size_t port) const;
  // "shutdown" / "no shutdown". A shut port takes its link down (the peer loses carrier, as a
  // real port stops signalling) and a link that comes up on a shut port is taken down again;
  // "no shutdown" brings the link back up.
  void set_enabled(std::size_t port, bool enabled);
  // Enabled and carrier present.
  [[nodiscard]] bool port_up(std::size_t port) const;
  // Whether the port carries `vlan` (its access or voice VLAN, or allowed on the trunk).
  [[nodiscard]] bool carries_vlan(std::size_t port, std::uint16_t vlan) const;

  // --- control plane
  // Frames to 01:00:0c:cc:cc:cc (CDP/VTP/DTP) and 01:80:c2:00:00:00..0f (STP, LACP, 802.1X,
  // LLDP...) are punted, never forwarded (dropped when no control plane is set).
  static bool is_control_address(const std::uint8_t* dst) noexcept;
  // Sets (or clears, with nullptr) the control plane; it must outlive the fabric or be cleared.
  void set_control_plane(SwitchControlPlane* control) { control_ = control; }
  // Sends `frame` out of `port` exactly as given (no tagging applied; SPAN sees it). Dropped and
  // counted in tx_discards when the port is shut down.
  void send_control(std::size_t port, FrameRef frame);

  // --- SPAN ("monitor session"): every frame received on or sent out of a source port is
  // copied, as it is on that port's wire (its tagging there), to the destination port. The
  // destination port only sends mirrored frames: what it receives is discarded, it is never a
  // flooding target and nothing is learned on it. Throws std::invalid_argument when the
  // destination is also a source or already a destination, std::out_of_range for bad ports.
  struct SpanSession {
    std::vector<std::size_t> sources;
    std::size_t destination = 0;
  };
  std::size_t add_span_session(SpanSession session);  // returns the session id
  void remove_span_session(std::size_t id);           // unknown ids are ignored

  // --- MAC address table, keyed by (VLAN, MAC). Entries are refreshed by every frame from that
  // source; an entry not refreshed for mac_aging() is gone (checked on lookup, and purged by
  // age_mac_table() or when the table grows). Entries of a port are flushed when it goes down.
  [[nodiscard]] std::optional<std::size_t> lookup_mac(std::uint16_t vlan,
                                                      wire::MacAddress mac) const;
  void add_static_mac(std::uint16_t vlan, wire::MacAddress mac, std::size_t port);
  void flush_mac_table();                  // dynamic entries of every port
  void flush_mac_table(std::size_t port);  // dynamic entries of one port
  std::size_t age_mac_table();             // purges expired entries now; returns how many
  void set_mac_aging(Duration aging) { options_.mac_aging = aging; }
  [[nodiscard]] Duration mac_aging() const { return options_.mac_aging; }
  // Live entries sorted by (VLAN, MAC), for show-style output.
  [[nodiscard]] std::vector<MacTableEntry> mac_table() const;
  [[nodiscard]] std::size_t mac_table_size() const;  // live entries

  [[nodiscard]] const SwitchPortCounters& port_counters(std::size_t port) const;
  [[nodiscard]] const SwitchCounters& counters() const { return counters_; }

 private:
  class FabricPort;
  friend class FabricPort;
  struct PortState {
    SwitchPortConfig config;
    std::vector<std::uint64_t> allowed;       // trunk: 64-word bitmap; empty = all VLANs
    std::vector<std::uint32_t> span_targets;  // SPAN destinations this port is a source of
    bool oper_up = false;
    bool span_destination = false;
    SwitchPortCounters counters;
  };
  struct Egress;

  void ingress(std::uint32_t in, const FrameRef& frame);
  void carrier_changed(std::uint32_t port, bool up);
  void update_oper_state(std::uint32_t port);
  void learn(std::uint64_t key, std::uint32_t port);
  void send(std::uint32_t out, Egress& egress);
  void transmit(std::uint32_t out, const FrameRef& frame);
  void rebuild_vlan_members();
  void rebuild_span();
  [[nodiscard]] std::uint16_t classify(const PortState& st, bool tagged,
                                       std::uint16_t vid) const noexcept;
  // 0: not carried; 1: untagged; 2: tagged.
  [[nodiscard]] static int egress_encoding(const PortState& st, std::uint16_t vlan) noexcept;
  [[nodiscard]] bool expired(const detail::MacTable::Entry& e) const noexcept;
  void check_port(std::size_t port) const;

  Simulation& sim_;
  std::string name_;
  Options options_;
  std::vector<std::string> interface_names_;
  std::vector<std::unique_ptr<FabricPort>> ports_;
  std::vector<PortState> state_;
  detail::MacTable macs_;
  SwitchControlPlane* control_ = nullptr;
  std::vector<std::optional<SpanSession>> span_sessions_;
  // Flooding: per VLAN, the access ports and the trunks with an allowed list that carry it,
  // plus the trunks that carry every VLAN; both sorted by port index. Rebuilt after a
  // configuration change, before the next frame.
  std::vector<std::vector<std::uint32_t>> vlan_members_;
  std::vector<std::uint32_t> all_vlan_trunks_;
  bool members_dirty_ = true;
  SwitchCounters counters_;
};

}  // namespace voicelab::netsim
