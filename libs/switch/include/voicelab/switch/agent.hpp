#pragma once
// The control plane of an access switch (registration steps 1 and 3): PoE, CDP v2 and LLDP(-MED)
// on every port, the neighbour table, and the port configuration a phone's port needs
// (access VLAN, voice VLAN, trust). Sans-I/O and poll-style: the driver hands in control frames,
// port state, PD detection and `now`; it drains frames to send, events, and the next deadline.
// The forwarding plane is not here: netsim::SwitchFabric (driven by SimulatedSwitch) or real
// hardware applies PortConfig.
//
// CDP (PROTOCOL-NOTES "CDP"; Catalyst defaults `cdp timer 60`, `cdp holdtime 180`)
// - Sent out of every up port with CDP enabled (global `cdp run` and per port `cdp enable`):
//   at link-up, then every cdp_timer. A first CDP from a neighbour that asks something (VoIP VLAN
//   Query or Power Requested) and every new Power Requested request id is answered at once (the
//   HPE/Aruba CDP notes: "the switch immediately responds with the voice VLAN"). A configuration
//   change (e.g. a new voice VLAN) is advertised at the next periodic CDP, not at once.
// - Contents: Device ID = hostname, Addresses (management address, when set), Port ID = the full
//   interface name, Capabilities switch + IGMP, Software Version, Platform "cisco <model>", VTP
//   domain (when set), Native VLAN (the access VLAN, or the trunk's native VLAN), Duplex full,
//   VoIP VLAN Reply (access ports with a voice VLAN), Trust Bitmap + Untrusted Port CoS (ports with
//   a voice VLAN), System Name, Management Addresses, Power Available (powered ports: the last
//   request id heard, the management id, the allocation, management power level 0xFFFFFFFF).
// - The management id starts at 1 and goes up by one (skipping 0) when the allocation changes,
//   a new request id arrives or the port goes down (Cisco Small Business switch guides, "Power
//   TLV"). A CDP disabled port neither sends nor reads CDP.
//
// LLDP (IEEE 802.1AB; LLDP-MED per ANSI/TIA-1057)
// - Only with lldp_run (IOS default: off) and per-port transmit/receive. At link-up, then every
//   lldp_timer (30 s), TTL lldp_holdtime_s (120 s). The LLDP-MED TLVs (capabilities, a voice
//   network policy with the voice VLAN, CoS 5, DSCP 46, tagged; extended power PSE with the
//   allocation) are added once an LLDP-MED endpoint has been heard on the port (a network
//   connectivity device sends them only then: TIA-1057), and that moment starts a fast start of
//   lldp_med_fast_start LLDPDUs 1 s apart (TIA-1057 default 3).
//
// Neighbours: one table entry per (port, protocol, device); refreshed by each advertisement,
// removed when its holdtime passes (neighbor_expired) or the port goes down (neighbor_removed).
// A TTL of 0 (LLDP shutdown) removes it at once.
//
// PoE (see poe.hpp): handle_pd_detected() reserves initial_allocation_mw(class) if the port is
// PoE-enabled, not shut down, within its maximum and the budget has room; the power comes on
// after power_up_delay (event port_powered). Otherwise the port shows power-deny and the device
// never boots; denied ports are retried, in port order, whenever power is freed or the budget
// grows. A smaller budget takes power away from the highest-numbered powered ports first.
// Renegotiation: a CDP Power Requested (the first level that fits the budget and the port maximum;
// none fitting keeps the allocation), else a CDP Power Consumption, else an LLDP-MED Extended
// Power (PD) value sets the allocation.
//
// Cost: per received frame one decode and a scan of that port's (few) neighbours; timers sit in a
// min-heap, so next_timeout() and handle_timeout() never walk all ports.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cdp/lldp.hpp"
#include "voicelab/switch/poe.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::access_switch {

enum class PortMode : std::uint8_t { access, trunk };
// "mls qos trust ...": what the port trusts in frames it receives.
enum class Trust : std::uint8_t { none, cos, dscp };
std::string_view to_string(Trust trust) noexcept;  // "none", "cos", "dscp"

// One "interface GigabitEthernet1/0/N" block. VLAN ids are 1..4094 (0 = none for voice_vlan).
struct PortConfig {
  std::string description;
  bool shutdown = false;
  PortMode mode = PortMode::access;
  std::uint16_t access_vlan = 1;
  std::uint16_t voice_vlan = 0;              // "switchport voice vlan N"; 0 = none
  std::uint16_t native_vlan = 1;             // trunk
  std::vector<std::uint16_t> allowed_vlans;  // trunk; empty = all
  Trust trust = Trust::none;
  bool trust_cisco_phone = false;  // "mls qos trust device cisco-phone": trust only with a phone
  bool extend_trust = false;       // CDP Trust Bitmap 0x01: the phone may trust its PC port
  std::uint8_t untrusted_port_cos = 0;  // CDP Untrusted Port CoS
  bool cdp_enable = true;               // "cdp enable"
  bool lldp_transmit = true;            // "lldp transmit"
  bool lldp_receive = true;             // "lldp receive"
  PoeAdmin poe = PoeAdmin::auto_mode;
  std::optional<std::uint32_t> poe_max_mw;  // "power inline auto max N"; nullopt = 30 W

  static PortConfig access(std::uint16_t vlan, std::uint16_t voice = 0) {
    PortConfig c;
    c.access_vlan = vlan;
    c.voice_vlan = voice;
    return c;
  }
};

struct SwitchConfig {
  std::string hostname = "access1";
  std::string model = "WS-C3850-48P";
  std::string software_version = "Cisco IOS XE Software, Version 16.12.10";
  wire::MacAddress base_mac = wire::MacAddress::from_u64(0x0cd0f8000100);  // port N sends from +N
  std::optional<wire::Ipv4Address> management_address;
  std::string vtp_domain;
  std::size_t port_count = 48;
  std::string interface_prefix = "GigabitEthernet1/0/";  // port N (from 1) is prefix + N
  PortConfig default_port;                               // every port starts with this

  bool cdp_run = true;
  Duration cdp_timer = std::chrono::seconds(60);
  std::uint8_t cdp_holdtime_s = 180;
  bool lldp_run = false;  // IOS: LLDP is off until "lldp run"
  Duration lldp_timer = std::chrono::seconds(30);
  std::uint16_t lldp_holdtime_s = 120;
  int lldp_med_fast_start = 3;
  Duration fast_start_interval = std::chrono::seconds(1);
  std::uint8_t voice_cos = 5, voice_dscp = 46;  // LLDP-MED voice network policy
  // Bounds the table against a peer inventing device ids; new neighbours beyond it are dropped.
  std::size_t max_neighbors_per_port = 16;

  std::uint32_t poe_budget_mw = 370000;  // a plausible lab figure; set per lab
  Duration power_up_delay = default_power_up_delay;
};

enum class NeighborProtocol : std::uint8_t { cdp, lldp };
std::string_view to_string(NeighborProtocol protocol) noexcept;  // "CDP", "LLDP"

// One row of the neighbour table (what "show cdp/lldp neighbors detail" prints).
struct Neighbor {
  NeighborProtocol protocol = NeighborProtocol::cdp;
  std::size_t port = 0;   // local port
  std::string device_id;  // CDP Device ID, or LLDP System Name (else the chassis id)
  std::string port_id;    // the neighbour's port (CDP Port ID / LLDP Port Description or ID)
  std::string platform;   // CDP Platform / LLDP System Description
  std::string software_version;
  std::uint32_t capabilities = 0;  // CDP capability bits (LLDP: System Capabilities enabled)
  std::vector<wire::Ipv4Address> addresses;
  std::uint8_t version = 2;  // CDP version
  std::optional<std::uint8_t> duplex;
  std::optional<std::uint16_t> native_vlan;
  std::optional<cdp::VoipVlan> voip_vlan_query;
  std::optional<std::uint16_t> power_consumption_mw;
  std::optional<cdp::PowerRequested> power_requested;
  std::optional<lldp::med::Capabilities> med_capabilities;
  std::optional<lldp::med::ExtendedPower> extended_power;
  Duration holdtime{};
  Time last_heard{};
  Time expires{};
};

struct PoeStatus {
  PoeAdmin admin = PoeAdmin::auto_mode;
  PoeOper oper = PoeOper::off;
  bool pd_present = false;
  std::uint8_t pd_class = 0;
  std::uint32_t allocated_mw = 0;
  std::uint32_t max_mw = max_port_power_mw;
  std::uint16_t request_id = 0;     // last CDP Power Requested id heard
  std::uint16_t management_id = 0;  // the switch's current management id
};

struct PoeSummary {
  std::uint32_t budget_mw = 0, used_mw = 0;
  [[nodiscard]] std::uint32_t remaining_mw() const {
    return used_mw >= budget_mw ? 0 : budget_mw - used_mw;
  }
};

enum class EventKind {
  port_up,
  port_down,
  pd_detected,       // a PD of class `poe_class` cabled to `port`
  port_powered,      // power applied (`power_mw` allocated): power the device now
  power_denied,      // no power for the PD (budget, port maximum); `detail` says why
  power_removed,     // power taken away (PD removed, port shut, PoE disabled, fault, budget)
  power_changed,     // renegotiated allocation (`power_mw`)
  neighbor_added,    // `neighbor` (device id) heard on `port` over `protocol`
  neighbor_changed,  // its advertised platform / version / addresses / port changed
  neighbor_expired,  // holdtime passed
  neighbor_removed,  // port went down (or LLDP TTL 0)
  log,               // other notable things (configuration changes)
};
std::string_view to_string(EventKind kind) noexcept;

struct Event {
  EventKind kind = EventKind::log;
  Time at{};
  std::size_t port = 0;
  std::string neighbor;
  NeighborProtocol protocol = NeighborProtocol::cdp;
  std::uint32_t power_mw = 0;
  std::uint8_t poe_class = 0;
  std::string detail;
  std::string line;  // the switch log line for this event (syslog style, our own wording)
};

struct Transmit {
  std::size_t port = 0;
  std::vector<std::uint8_t> frame;  // complete, untagged
};

struct AgentCounters {
  std::uint64_t cdp_sent = 0, cdp_received = 0, lldp_sent = 0, lldp_received = 0;
  std::uint64_t malformed = 0;  // undecodable CDP/LLDP (bad checksum, ...)
  std::uint64_t ignored = 0;    // disabled protocol, other control frames, port down
  std::uint64_t voip_vlan_queries = 0;
  std::uint64_t power_requests = 0;     // distinct CDP power request ids handled
  std::uint64_t neighbors_dropped = 0;  // new neighbours refused: the port's table was full
};

class SwitchAgent {
 public:
  // Throws std::invalid_argument for a bad configuration (no ports, a VLAN id outside 1..4094,
  // non-positive timers, a zero base MAC, strings too long for CDP).
  explicit SwitchAgent(SwitchConfig config);

  // --- input -------------------------------------------------------------------------------
  // A control frame (to 01:00:0c:cc:cc:cc or 01:80:c2:00:00:0x) received on `port`.
  void handle_frame(Time now, std::size_t port, wire::Bytes frame);
  // The port's link went up / down (operational state: enabled and carrier).
  void handle_port_state(Time now, std::size_t port, bool up);
  // A powered device of IEEE class `poe_class` was cabled to / removed from `port`.
  void handle_pd_detected(Time now, std::size_t port, std::uint8_t poe_class);
  void handle_pd_removed(Time now, std::size_t port);
  // A fault (short circuit, overload) on the port: power off, oper faulty until the PD goes.
  void handle_pd_fault(Time now, std::size_t port, std::string_view reason);
  void handle_timeout(Time now);

  // --- configuration, at any time ------------------------------------------------------------
  // Throws std::out_of_range for a bad port, std::invalid_argument for bad VLAN ids.
  void configure_port(Time now, std::size_t port, PortConfig config);
  void set_poe_budget(Time now, std::uint32_t milliwatts);
  void set_cdp_run(Time now, bool on);
  void set_lldp_run(Time now, bool on);

  // --- output ------------------------------------------------------------------------------
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<Transmit> poll_transmit();
  std::optional<Event> poll_event();

  // --- inspection --------------------------------------------------------------------------
  [[nodiscard]] const SwitchConfig& config() const { return config_; }
  [[nodiscard]] std::size_t port_count() const { return ports_.size(); }
  [[nodiscard]] const PortConfig& port_config(std::size_t port) const;
  [[nodiscard]] const std::string& port_name(std::size_t port) const;  // GigabitEthernet1/0/N
  [[nodiscard]] std::string short_port_name(std::size_t port) const;   // Gi1/0/N
  [[nodiscard]] std::optional<std::size_t> find_port(std::string_view name) const;  // either form
  [[nodiscard]] wire::MacAddress port_mac(std::size_t port) const;
  [[nodiscard]] bool port_up(std::size_t port) const;
  [[nodiscard]] PoeStatus poe_status(std::size_t port) const;
  [[nodiscard]] PoeSummary poe_summary() const;
  // The trust in force: `trust`, unless trust_cisco_phone is set and no CDP phone is heard.
  [[nodiscard]] Trust effective_trust(std::size_t port) const;
  // Neighbours of one port / of all ports (port order, then as heard).
  [[nodiscard]] const std::vector<Neighbor>& neighbors(std::size_t port) const;
  [[nodiscard]] std::vector<Neighbor> neighbors() const;
  [[nodiscard]] const AgentCounters& counters() const { return counters_; }

  // The PDUs this switch advertises on `port` right now (for tests and renderers).
  [[nodiscard]] cdp::Pdu cdp_advertisement(std::size_t port) const;
  [[nodiscard]] lldp::Pdu lldp_advertisement(std::size_t port) const;

 private:
  enum class TimerKind : std::uint8_t { cdp, lldp, power_up, neighbors };
  struct Deadline {
    Time when;
    std::uint32_t port;
    TimerKind kind;
    friend bool operator>(const Deadline& a, const Deadline& b) {
      if (a.when != b.when) return a.when > b.when;
      if (a.port != b.port) return a.port > b.port;
      return a.kind > b.kind;
    }
  };
  struct PortState {
    std::string name;
    PortConfig config;
    bool up = false;
    // PoE
    bool pd_present = false;
    std::uint8_t pd_class = 0;
    PoeOper oper = PoeOper::off;
    std::uint32_t allocated_mw = 0;
    std::uint16_t request_id = 0;
    std::uint16_t management_id = 1;
    // timers (nullopt = not armed)
    std::optional<Time> next_cdp, next_lldp, power_up_at, neighbor_expiry;
    int lldp_fast_left = 0;
    bool med_neighbor = false;  // an LLDP-MED endpoint was heard since link-up
    std::vector<Neighbor> neighbors;
  };

  void check_port(std::size_t port) const;
  static void validate(const PortConfig& config);
  void arm(std::uint32_t port, TimerKind kind, std::optional<Time> when);
  static std::optional<Time>& slot(PortState& st, TimerKind kind);
  static std::optional<Time> slot_value(const PortState& st, TimerKind kind);
  void send_cdp(std::size_t port);
  void send_lldp(std::size_t port);
  [[nodiscard]] bool cdp_active(const PortState& st) const;
  [[nodiscard]] bool lldp_tx_active(const PortState& st) const;
  void start_protocols(Time now, std::size_t port);
  void handle_cdp(Time now, std::size_t port, wire::Bytes frame);
  void handle_lldp(Time now, std::size_t port, wire::Bytes frame);
  // Adds or refreshes; nullptr when the port's table is full and `incoming` is new.
  Neighbor* upsert_neighbor(Time now, std::size_t port, Neighbor incoming, bool& added);
  void remove_neighbors(Time now, std::size_t port, EventKind why);
  void refresh_neighbor_timer(std::uint32_t port);
  void expire_neighbors(Time now, std::size_t port);
  // PoE
  void evaluate_power(Time now, std::size_t port);
  // Why a PD on this port cannot get its initial allocation now, or nullopt if it can.
  [[nodiscard]] std::optional<std::string> allocation_problem(const PortState& st) const;
  void release_power(Time now, std::size_t port, PoeOper new_oper, std::string_view why,
                     EventKind kind, bool retry);
  void retry_denied(Time now);
  void enforce_budget(Time now);
  void renegotiate(Time now, std::size_t port, std::uint32_t requested_mw);
  void bump_management_id(PortState& st);
  [[nodiscard]] std::uint32_t port_max_mw(const PortState& st) const;
  void emit(Event e);
  [[nodiscard]] std::string timestamp(Time now) const;

  SwitchConfig config_;
  std::vector<PortState> ports_;
  std::uint32_t used_mw_ = 0;
  mutable std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> timers_;
  std::deque<Transmit> transmit_;
  std::deque<Event> events_;
  AgentCounters counters_;
};

}  // namespace voicelab::access_switch
