#pragma once
// A Cisco SIP IP phone, sans-I/O: the 14-step start-up as voice engineers learn it, composed of
// the protocol engines that do the work, behind one poll-style surface.
//
//   1 PoE power-up             power_on() / power_denied()
//   2 firmware boot            the active load boots from flash (model boot time)
//   3 voice VLAN               cdp::PhoneDiscovery (CDP and/or LLDP-MED)
//   4 DHCP                     dhcp::Client (+ dns::Resolver for an option 66 host name)
//   5 CTL                      CTLSEP<MAC>.tlv      (HTTP 6970 first when the model does it,
//   6 ITL                      ITLSEP<MAC>.tlv       falling back to TFTP; TFTP walks the
//   7 configuration            SEP<MAC>.cnf.xml, or XMLDefault.cnf.xml   option 150 list)
//   8 firmware                 <load>.loads and its files when the configured load differs;
//                              then the loads swap and the phone reboots (back to step 2)
//   9 dial rules               the dial rules file the configuration names
//  10 TCP to CUCM              sip::RegistrationClient's connection to the first node
//  11 REGISTER                 200 OK for every line
//  12 localization             network and user locale files
//  13 softkeys                 the softkey file the configuration names
//  14 ringtones                the ring lists
//
// The phone owns its engines and exposes one I/O surface for a driver (the simulated host of
// libs/lab, a real-socket adapter, a test): inputs are administrative events (power, link),
// Ethernet frames for discovery, UDP datagrams, and TCP connection events; outputs, drained
// with poll_command() in order, are frames and datagrams to send, TCP connect/send/close
// commands, and interface changes (802.1Q tag, IPv4 address) the driver applies to the host.
// Observable events (steps, display, console lines, state) come from poll_event().
//
// Rules for the driver
// - Commands must be carried out in the order they come: an interface change precedes the
//   datagrams that depend on it.
// - UDP: deliver every datagram addressed to the phone's address (or broadcast) on any port the
//   phone has sent from, and to port 68. The phone sorts them out.
// - TCP: TcpConnect{id, remote}: open a connection, then call handle_connected(id, local port)
//   or handle_connect_failed(id, why); afterwards handle_bytes / handle_closed. TcpClose{id}:
//   close it (FIN) and call handle_closed(id) once it is gone (or not at all: the phone forgets
//   the id when it asks to close). Ids are the phone's, unique per phone.
// - Time: call handle_timeout(now) at next_timeout() (harmless early).
//
// Nothing here reads a clock or a random source: `now` comes in, randomness from the Random&
// handed to the constructor, which must outlive the phone.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "voicelab/http/client.hpp"
#include "voicelab/phone/model.hpp"
#include "voicelab/tftp/client.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::dhcp {
struct TftpChoice;
}
namespace voicelab::sip {
struct RegistrationEvent;
}

namespace voicelab::phone {

// --- steps ------------------------------------------------------------------------------------

inline constexpr int step_count = 14;

enum class StepStatus { pending, running, ok, failed, skipped };
std::string_view to_string(StepStatus status);  // "pending", "running", "ok", ...

// "PoE power-up", "Firmware boot", "Voice VLAN", "DHCP", "CTL", "ITL", "Configuration file",
// "Firmware check", "Dial rules", "TCP to CUCM", "SIP REGISTER", "Localization", "Softkeys",
// "Ringtones" for n = 1..14; "" otherwise.
std::string_view step_name(int n);

struct StepRecord {
  int n = 0;
  StepStatus status = StepStatus::pending;
  std::optional<Time> start;
  std::optional<Time> end;
  std::string detail;
  int boot = 1;  // which boot of the power cycle ran it (2 after one firmware upgrade, ...)

  [[nodiscard]] std::string_view name() const { return step_name(n); }
};

// --- state and status -------------------------------------------------------------------------

enum class PhoneState {
  no_power,          // not powered (never, denied, or powered off)
  booting,           // step 2
  configuring_vlan,  // step 3
  configuring_ip,    // step 4
  configuring,       // steps 5-7, 9: fetching files
  upgrading,         // step 8: downloading a load, or rebooting into it
  registering,       // steps 10-11
  registered,        // every line registered
  rejected,          // the registrar refused a REGISTER
  unprovisioned,     // XMLDefault.cnf.xml: the device is not in the database
  no_vlan,           // DHCP failed and no voice VLAN was learned: the likely cause
  no_ip,             // DHCP failed (the phone keeps trying)
  no_tftp,           // no TFTP server from DHCP, or none answered
  config_failed,     // servers answered, but no usable configuration file
  no_cucm,           // no CallManager reachable (TCP failed to every node, or none usable)
  network_down,      // link down while powered
};
std::string_view to_string(PhoneState state);  // "no_power", "registered", ... (DESIGN §6)

// What the phone's Device Status page shows, plus what a report needs.
struct DeviceStatus {
  PhoneState state = PhoneState::no_power;
  // "Registered with Cisco Unified Communications Manager 10.1.1.11", or "Not registered".
  std::string registration = "Not registered";
  std::optional<wire::Ipv4Prefix> ipv4;  // address/prefix while the phone has one
  std::optional<wire::Ipv4Address> gateway;
  std::optional<std::uint16_t> voice_vlan;
  std::vector<wire::Ipv4Address> tftp_servers;
  std::string active_load;
  std::string inactive_load;  // empty: none
  // "" before any upgrade; "In Progress", "Successful", "Failed" after one was attempted in
  // this power cycle; download_detail says what and how far.
  std::string download_status;
  std::string download_detail;
  std::string display;             // the last display message
  std::string registered_with;     // node name, empty when not registered
  std::string registered_address;  // node address, empty when not registered
  std::vector<std::string> lines;  // DNs from the configuration
  int boots = 0;                   // boots in this power cycle (2 after one upgrade)
};

// --- I/O ----------------------------------------------------------------------------------

using ConnectionId = std::uint64_t;

struct Endpoint {
  wire::Ipv4Address address;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;
  friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
};

// A UDP datagram handed to the phone; `payload` is borrowed for the call.
struct Datagram {
  Endpoint source;
  Endpoint destination;
  wire::Bytes payload;
};

// Send a complete Ethernet frame (untagged; CDP/LLDP) out of the phone's network port.
struct SendFrame {
  std::vector<std::uint8_t> frame;
};
// Send a UDP datagram from `source_port`. `broadcast`: to 255.255.255.255 out of the phone's
// interface, from 0.0.0.0 when it has no address (DHCP).
struct SendDatagram {
  Endpoint destination;
  std::uint16_t source_port = 0;
  bool broadcast = false;
  std::vector<std::uint8_t> payload;
};
struct TcpConnect {
  ConnectionId id = 0;
  Endpoint remote;
};
struct TcpSend {
  ConnectionId id = 0;
  std::vector<std::uint8_t> bytes;
};
struct TcpClose {
  ConnectionId id = 0;
};
// Tag the phone's IP interface with `vlan` (802.1Q, the voice VLAN), or untag it (nullopt).
// Discovery frames stay untagged.
struct SetVlan {
  std::optional<wire::VlanTag> vlan;
};
// Configure (or, with nullopt, clear) the interface's IPv4 address and the default gateway.
struct SetAddress {
  std::optional<wire::Ipv4Prefix> address;
  std::optional<wire::Ipv4Address> gateway;
};
using Command =
    std::variant<SendFrame, SendDatagram, TcpConnect, TcpSend, TcpClose, SetVlan, SetAddress>;

// --- events -------------------------------------------------------------------------------

enum class EventKind {
  step_started,     // `step`
  step_finished,    // `step`, `status`, `text` = detail
  display_changed,  // `text` = the new display message
  console,          // `text` = one console line
  state_changed,    // `state`
};

struct Event {
  EventKind kind = EventKind::console;
  Time at{};
  int step = 0;
  StepStatus status = StepStatus::pending;
  PhoneState state = PhoneState::no_power;
  std::string text;
};

struct ConsoleLine {
  Time at{};
  std::string text;
};
// "  12.345 <text>" (seconds since the lab started).
std::string format_console_line(const ConsoleLine& line);

// --- configuration ----------------------------------------------------------------------

// File names the phone asks for. {MAC} is the upper-case hex MAC, {LOAD} a load id,
// {USER_LOCALE} / {NETWORK_LOCALE} the configuration's locales. Names are data (PROTOCOL-NOTES:
// the exact names for locales and ring lists are to be verified), so a scenario can change them.
struct FileNames {
  std::string ctl = "CTLSEP{MAC}.tlv";
  std::string itl = "ITLSEP{MAC}.tlv";
  std::string config = "SEP{MAC}.cnf.xml";
  std::string default_config = "XMLDefault.cnf.xml";
  std::string load = "{LOAD}.loads";
  // The names libs/provisioning serves (files.hpp). PROTOCOL-NOTES names "Ringlist-wb.xml" for
  // wideband phones: unverified, so the lab's ring list name is the default.
  std::vector<std::string> user_locale = {"{USER_LOCALE}/tags_file"};
  std::vector<std::string> network_locale = {"{NETWORK_LOCALE}/g3-tones.xml"};
  std::vector<std::string> ringtones = {"Ringlist.xml", "DistinctiveRingList.xml"};
};

struct PhoneConfig {
  wire::MacAddress mac;
  std::string model = "8861";                       // a catalogue name
  std::string active_load;                          // empty: the model's default load
  std::string inactive_load;                        // empty: none
  std::optional<wire::Ipv4Address> alternate_tftp;  // the phone's "Alternate TFTP" setting
  std::optional<bool> http_first;                   // overrides the model's
  std::uint16_t http_port = 6970;
  std::uint16_t tftp_port = 69;
  // A file that HTTP answered 404 is asked again over TFTP when true. Off by default: a 404 is
  // an answer (the same FileSource is behind both), and asking twice doubles a storm's load.
  bool tftp_after_http_404 = false;
  // After no_tftp / config_failed / no_cucm the phone starts over from DHCP after this long
  // (assumption: real phones retry; the interval is a lab choice). 0: never.
  Duration retry_interval = 60s;
  // Firmware upgrades (reboots) at most per power cycle, so a load that never matches does
  // not reboot the phone forever.
  int max_upgrades = 2;
  // How long the phone waits for a voice VLAN before going on in the access VLAN (passed to
  // cdp::PhoneDiscovery). Unset: the discovery engine's default.
  std::optional<Duration> voice_vlan_wait;
  // Time to write a downloaded load to flash before the reboot (assumption, lab choice).
  Duration flash_write_time = 5s;
  FileNames files;
  tftp::ClientConfig tftp;
  http::ClientConfig http;
  // Console lines kept by the phone (oldest dropped). A start-up writes about 70; a large run
  // should set 0 and take the lines from the console events instead (memory per phone).
  std::size_t console_limit = 200;
};

// --- the phone ------------------------------------------------------------------------------

namespace detail {
struct Engines;  // the sub-engines of one boot (src/engines.hpp)
struct FetchResult;
enum class Owner : std::uint8_t;
}  // namespace detail

class Phone {
 public:
  // Throws std::invalid_argument for a model the catalogue does not have, or a zero MAC. The
  // model is copied: the catalogue need not outlive the phone. `random` must.
  Phone(PhoneConfig config, const ModelCatalogue& catalogue, Random& random);
  ~Phone();
  Phone(const Phone&) = delete;
  Phone& operator=(const Phone&) = delete;

  // --- administrative ---------------------------------------------------------------------
  // Power arrives (PoE granted, or an external supply): step 1 ok, step 2 starts. `source`
  // goes to step 1's detail ("PoE 802.3af class 3 from access1 Gi1/0/1"). Ignored when on.
  void power_on(Time now, std::string source = "PoE");
  // The switch refused power (budget, policy): step 1 failed, state no_power.
  void power_denied(Time now, std::string reason);
  // Power is cut: everything stops silently (no FIN, no RELEASE), state no_power.
  void power_off(Time now);
  // The link's carrier. Down while powered: the network stack stops (state network_down);
  // up again: start over from step 3 (a PoE-powered phone loses power instead: call
  // power_off). The link is up initially.
  void link_down(Time now);
  void link_up(Time now);

  // --- input ------------------------------------------------------------------------------
  void handle_frame(Time now, wire::Bytes frame);  // any frame received on the port
  void handle_datagram(Time now, const Datagram& datagram);
  void handle_connected(Time now, ConnectionId id, std::uint16_t local_port);
  void handle_connect_failed(Time now, ConnectionId id, std::string reason);
  void handle_bytes(Time now, ConnectionId id, wire::Bytes bytes);
  void handle_closed(Time now, ConnectionId id);
  void handle_timeout(Time now);

  // --- output -----------------------------------------------------------------------------
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<Command> poll_command();
  std::optional<Event> poll_event();

  // --- inspection -------------------------------------------------------------------------
  [[nodiscard]] PhoneState state() const { return status_.state; }
  [[nodiscard]] const DeviceStatus& status() const { return status_; }
  [[nodiscard]] const std::string& display() const { return status_.display; }
  // Always the 14, of the latest boot (step 1 of the power cycle).
  [[nodiscard]] const std::vector<StepRecord>& steps() const { return steps_; }
  [[nodiscard]] const StepRecord& step(int n) const;
  // Records replaced by a reboot or a new power cycle, oldest first.
  [[nodiscard]] const std::vector<StepRecord>& step_history() const { return history_; }
  [[nodiscard]] const std::deque<ConsoleLine>& console() const { return console_; }
  [[nodiscard]] const PhoneModel& model() const { return model_; }
  [[nodiscard]] const PhoneConfig& config() const { return config_; }
  [[nodiscard]] std::string device_name() const;  // SEP<MAC>
  [[nodiscard]] bool powered() const { return powered_; }

 private:
  enum class Phase {
    off,
    booting,
    vlan,
    dhcp,
    ctl,
    itl,
    config,
    default_config,
    firmware,
    load_descriptor,
    load_files,
    flash_write,
    dial_rules,
    cm_dns,
    registering,
    files,
    done,
    failed,
    link_down,
  };

  // records
  StepRecord& record(int n);
  void step_begin(Time now, int n, std::string detail = {});
  void step_end(Time now, int n, StepStatus status, std::string detail);
  void skip_steps(Time now, int first, int last, const std::string& detail);
  void reset_steps(int first);
  void archive_steps(int first);
  void set_state(Time now, PhoneState state);
  void set_display(Time now, std::string text);
  void log(Time now, std::string text);
  void emit(Event event);
  [[nodiscard]] std::string expand(const std::string& pattern) const;

  // the start-up, in order
  void start_boot(Time now);
  void boot_finished(Time now);
  void start_vlan(Time now);
  void vlan_done(Time now, StepStatus status, std::string detail);
  void apply_vlan(Time now, std::uint16_t vlan);
  void start_dhcp(Time now);
  void lease_ready(Time now, const dhcp::TftpChoice& choice);
  void start_tftp_phase(Time now);
  void fetch(Time now, std::string filename);
  static std::string describe_fetch(const detail::FetchResult& result);
  void on_fetched(Time now, detail::FetchResult result);
  void after_config(Time now, std::size_t bytes);
  void start_firmware(Time now);
  void next_load_file(Time now);
  void firmware_failed(Time now, const std::string& why);
  void firmware_done(Time now);
  void start_registration(Time now);
  void ensure_resolver(Time now);
  void launch_registration(Time now);
  void on_registration(Time now, const sip::RegistrationEvent& event);
  void clear_registration();
  void start_file_step(Time now, int n);
  void next_in_group(Time now);
  void group_finished(Time now);

  // failures and restarts
  void fail(Time now, PhoneState state, const std::string& why);
  void retry(Time now);
  void restart_network(Time now);
  void stop_network(Time now);
  void close_connections();
  void clear_network_status();
  void reboot(Time now);

  // plumbing
  ConnectionId open_connection(detail::Owner owner, std::uint64_t inner);
  [[nodiscard]] std::optional<ConnectionId> connection_of(detail::Owner owner,
                                                          std::uint64_t inner) const;
  void forget_connection(ConnectionId id);
  void pump(Time now);
  bool pump_discovery(Time now);
  bool pump_dhcp(Time now);
  bool pump_dns(Time now);
  bool pump_fetcher(Time now);
  bool pump_sip(Time now);

  PhoneConfig config_;
  PhoneModel model_;
  Random& random_;
  std::unique_ptr<detail::Engines> engines_;  // null while off

  bool powered_ = false;
  bool link_ = true;
  Phase phase_ = Phase::off;
  int boot_ = 0;
  int upgrades_ = 0;
  int attempt_ = 0;  // start-overs since the boot (retries)
  std::optional<Time> boot_done_at_;
  std::optional<Time> retry_at_;
  std::optional<Time> flash_done_at_;

  DeviceStatus status_;
  std::vector<StepRecord> steps_;
  std::vector<StepRecord> history_;
  std::deque<ConsoleLine> console_;
  std::deque<Command> commands_;
  std::deque<Event> events_;
  ConnectionId next_connection_ = 1;
};

}  // namespace voicelab::phone
