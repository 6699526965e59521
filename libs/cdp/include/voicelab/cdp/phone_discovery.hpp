#pragma once
// The phone side of registration step 3: a Cisco IP phone's CDP and LLDP-MED on its network
// port. It advertises the phone, asks for the voice VLAN, learns it from the access switch,
// follows changes, and gives up waiting after `voice_vlan_wait`. Sans-I/O: whole Ethernet frames
// in and out, `now` handed in, no clock, no socket, no simulator.
//
// What the phone sends (sources; "assumed" = no primary source or capture found)
// - CDP v2 (PROTOCOL-NOTES "CDP"; the field list of a phone entry in a public
//   `show cdp neighbors detail` of a CP-7941: Host Phone capabilities, Port ID "Port 1", power
//   drawn, power request id + management id + levels): Device ID SEP<MAC>, Addresses (only once
//   the phone has an address), Port ID, Capabilities host | voip_phone, Software Version (the
//   active load), Platform, Duplex full, VoIP VLAN Query, and when power_requested_mw > 0 Power
//   consumption (0x0010) and Power Requested (0x0019: our request id, the management id last
//   heard from the switch, one level). TTL cdp_holdtime_s. The query carries VLAN 0 until a voice
//   VLAN is known, then that VLAN (assumed: captures show both forms).
// - LLDP-MED, as the Cisco IP Phone 8800 Series Administration Guide ("LLDP-MED" TLV list)
//   describes it: Chassis ID subtype 5 (network address: IANA family 1 + IPv4, 0.0.0.0 while
//   unknown), Port ID subtype 3 (the MAC), TTL 180 s, Port Description = the CDP Port ID,
//   System Name SEP<MAC>, System Capabilities bridge + telephone (telephone only without a PC
//   port), LLDP-MED Capabilities (LLDP-MED, network policy, extended power PD, inventory; class
//   III endpoint), one Network Policy for application voice, Extended Power-via-MDI (PD, source
//   "PSE and local", priority unknown, the requested power) and the Firmware Revision inventory
//   TLV. The network policy IS sent by the phone: with the Unknown flag set and everything else
//   zero until a policy is known, then tagged with the VLAN, CoS and DSCP in use (same guide).
//   The IEEE 802.3 MAC/PHY TLV the guide also lists is not sent (no codec for it yet).
//
// What it learns
// - CDP VoIP VLAN Reply (0x000E) with a VLAN id, or an LLDP-MED voice Network Policy that is not
//   "unknown" and has the Tagged flag (an untagged policy gives no voice VLAN: lldpd issue #88,
//   the 8800 guide). VLAN 0, 1 and 4095 mean "untagged" (8800 guide, "Special VLANs") and are no
//   voice VLAN. An LLDPDU without LLDP-MED Capabilities is ignored (8800 guide).
// - With both protocols, the policy most recently set or changed by either wins (8800 guide,
//   "Coexistence with CDP"): a source repeating its value does not take over from the other.
// - A VLAN that goes away (a reply without the TLV, a neighbour that expires) is kept: what a
//   phone then does is not documented; the phone role may restart discovery.
// - CDP Power Available echoing our request id -> power_negotiated (the allocation in mW).
//
// Timing (defaults; see docs/switch.md for sources)
// - start(): CDP at once and cdp_fast_start - 1 more, fast_start_interval apart (2 x 1 s: a
//   phone's CDP event log in a Cisco community article shows two triggers 1 s apart at boot),
//   then every cdp_interval (60 s, the CDP default). LLDP-MED at once and lldp_fast_start - 1
//   more at 1 s (ANSI/TIA-1057 fast start, medFastStartRepeatCount default 3), then every
//   lldp_interval (30 s, IEEE 802.1AB msgTxInterval).
// - voice_vlan_wait = 10 s: the same CDP event log selects its VLAN about 9.6 s after its first
//   trigger (ticks read as 10 ms: an assumption). Afterwards the engine keeps listening: a VLAN
//   learned later is still reported.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::cdp {

struct PhoneDiscoveryConfig {
  wire::MacAddress mac;                          // device id is "SEP" + MAC
  std::string platform = "Cisco IP Phone 8861";  // CDP Platform
  std::string software_version;                  // active load id, e.g. "sip88xx.14-2-1-0001-14"
  bool cdp = true, lldp_med = true;
  std::uint32_t power_requested_mw = 0;  // 0: do not send Power Requested / Extended Power
  Duration voice_vlan_wait = std::chrono::seconds(10);  // then outcome no_voice_vlan

  std::string port_id = "Port 1";            // CDP Port ID and LLDP Port Description
  bool pc_port = true;                       // LLDP System Capabilities: bridge + telephone
  std::optional<wire::Ipv4Address> address;  // CDP Addresses / LLDP Chassis ID when known

  std::uint8_t cdp_holdtime_s = 180;
  Duration cdp_interval = std::chrono::seconds(60);
  int cdp_fast_start = 2;  // CDPs sent fast_start_interval apart from start() (first included)
  std::uint16_t lldp_ttl_s = 180;
  Duration lldp_interval = std::chrono::seconds(30);
  int lldp_fast_start = 3;  // LLDPDUs sent fast_start_interval apart from start()
  Duration fast_start_interval = std::chrono::seconds(1);

  // What the phone marks voice with once a policy is known (PROTOCOL-NOTES "802.1Q").
  std::uint8_t voice_cos = 5;
  std::uint8_t voice_dscp = 46;
};

enum class DiscoveryEventKind {
  voice_vlan_learned,  // the first voice VLAN: tag voice traffic with `vlan`
  voice_vlan_changed,  // a different voice VLAN; `detail` names the old one
  no_voice_vlan,       // voice_vlan_wait passed without one: stay untagged
  power_negotiated,    // the switch granted `detail` (Power Available for our request)
  neighbor_seen,       // a new switch / port heard on `source`; `detail` describes it
};

std::string to_string(DiscoveryEventKind kind);

struct DiscoveryEvent {
  DiscoveryEventKind kind = DiscoveryEventKind::neighbor_seen;
  Time at{};
  std::optional<std::uint16_t> vlan;
  std::string source;  // "CDP" / "LLDP-MED" (empty for no_voice_vlan)
  std::string detail;
  std::uint32_t power_mw = 0;  // power_negotiated: the power available to the phone

  // One line for the phone's console log.
  [[nodiscard]] std::string describe() const;
};

struct DiscoveryCounters {
  std::uint64_t cdp_sent = 0, lldp_sent = 0;
  std::uint64_t cdp_received = 0, lldp_received = 0;
  std::uint64_t malformed = 0;  // CDP/LLDP frames that did not decode (bad checksum, ...)
  std::uint64_t ignored = 0;    // other frames, or discovery frames while stopped / disabled
};

class PhoneDiscovery {
 public:
  // `random` must outlive the engine (it draws the CDP power request id). Throws
  // std::invalid_argument for a zero MAC, non-positive intervals or fast-start counts below 1.
  PhoneDiscovery(PhoneDiscoveryConfig config, Random& random);

  // Link up / powered: sends CDP (and LLDP-MED) now and starts the voice VLAN wait. Calling it
  // again restarts everything (a reboot): what was learned is forgotten.
  void start(Time now);
  // Power off / link down: silent; forgets what was learned; queued frames are dropped.
  void stop(Time now);

  // Every frame received on the phone port; anything that is not CDP or LLDP is ignored.
  void handle_frame(Time now, wire::Bytes frame);
  void handle_timeout(Time now);

  // The phone got (or lost) an IPv4 address: later advertisements carry it.
  void set_address(Time now, std::optional<wire::Ipv4Address> address);
  // Asks for a different power level (an accessory attached): a new request id, sent at once.
  void request_power(Time now, std::uint32_t milliwatts);

  [[nodiscard]] std::optional<Time> next_timeout() const;
  // Complete untagged Ethernet frames to send (CDP 802.3 + SNAP, LLDP Ethernet II).
  std::optional<std::vector<std::uint8_t>> poll_transmit();
  std::optional<DiscoveryEvent> poll_event();

  [[nodiscard]] std::optional<std::uint16_t> voice_vlan() const { return current_vlan_; }
  // Where the current voice VLAN came from ("CDP" / "LLDP-MED"), empty when none.
  [[nodiscard]] const std::string& voice_vlan_source() const { return current_source_; }
  [[nodiscard]] bool running() const { return running_; }
  [[nodiscard]] std::optional<std::uint32_t> power_available_mw() const { return power_available_; }
  [[nodiscard]] std::uint16_t power_request_id() const { return request_id_; }
  [[nodiscard]] const PhoneDiscoveryConfig& config() const { return config_; }
  [[nodiscard]] const DiscoveryCounters& counters() const { return counters_; }
  [[nodiscard]] std::string device_id() const;  // "SEP" + MAC

 private:
  void send_cdp();
  void send_lldp();
  void handle_cdp(Time now, wire::Bytes frame);
  void handle_lldp(Time now, wire::Bytes frame);
  void offer_vlan(Time now, std::optional<std::uint16_t>& last_from_source, std::uint16_t vlan,
                  const char* source);
  void emit(DiscoveryEvent event);

  PhoneDiscoveryConfig config_;
  Random* random_;
  bool running_ = false;
  Time started_{};

  std::optional<Time> next_cdp_, next_lldp_, wait_deadline_;
  int cdp_fast_left_ = 0, lldp_fast_left_ = 0;

  std::optional<std::uint16_t> current_vlan_;
  std::string current_source_;
  std::optional<std::uint16_t> cdp_vlan_, lldp_vlan_;  // last value each source gave
  bool wait_reported_ = false;

  std::string cdp_neighbor_, lldp_neighbor_;  // identity of the last neighbour heard
  std::uint16_t request_id_ = 0;
  std::uint16_t management_id_ = 0;  // echoed from the switch's Power Available
  std::optional<std::uint32_t> power_available_;

  std::deque<std::vector<std::uint8_t>> transmit_;
  std::deque<DiscoveryEvent> events_;
  DiscoveryCounters counters_;
};

}  // namespace voicelab::cdp
