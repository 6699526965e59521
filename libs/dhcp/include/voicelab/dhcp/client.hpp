#pragma once
// The DHCP client engine of a Cisco IP phone (RFC 2131 §4.4), sans-I/O.
//
// States (RFC 2131 figure 5): INIT -> SELECTING -> REQUESTING -> BOUND -> RENEWING (T1) ->
// REBINDING (T2) -> INIT (lease expired), and INIT-REBOOT (the RFC's INIT-REBOOT + REBOOTING:
// a REQUEST for a remembered address) -> BOUND, or -> INIT on NAK or silence. `stopped` is
// "not running" (before start, after stop/release).
//
// Messages (what the phone sends; sources and assumptions noted)
// - Every message: chaddr = MAC, client identifier 61 = type 1 + MAC, and except in DECLINE and
//   RELEASE (RFC 2131 table 5): vendor class 60 "Cisco Systems, Inc. IP Phone CP-<model>"
//   (PROTOCOL-NOTES), host name 12 "SEP<MAC>" (the phone's device name), parameter request list
//   55 (see default_parameter_request_list()).
// - Broadcast flag: set in DISCOVER and in REQUESTs sent without an address (SELECTING,
//   INIT-REBOOT), clear once the phone has its address (RENEWING, REBINDING). That phones set it
//   is an assumption (no capture), consistent with their stack not taking unicast before it is
//   configured.
// - secs: whole seconds since the current exchange began (first DISCOVER, INIT-REBOOT REQUEST,
//   or the T1 renewal), capped at 65535.
// - xid: a fresh random one for each exchange; retransmissions and the REQUEST answering an
//   offer keep it (RFC 2131 §4.1 leaves it to the implementation).
//
// Timing
// - DISCOVER and SELECTING/INIT-REBOOT REQUEST retransmissions (RFC 2131 §4.1): after 4 s, then
//   8, 16, 32, 64, 64, ... s, each randomised by ±1 s drawn from the lab's Random.
// - DISCOVER: after max_discover_attempts transmissions without an offer a `gave_up` event is
//   reported; with keep_trying the phone then starts over (new xid, 4 s again), as a phone
//   keeps showing "Configuring IP" rather than stopping; otherwise it stops.
// - REQUESTING and INIT-REBOOT: after max_request_attempts transmissions without an answer the
//   client goes back to INIT (RFC 2131 §3.2 suggests four).
// - BOUND: T1 from option 58 or 1/2 lease, T2 from 59 or 7/8 lease, counted from the time the
//   answered REQUEST was sent (RFC 2131 §4.4.1; retransmissions share the xid, so the latest
//   transmission is taken: at least 4 s, in RENEWING/REBINDING 60 s, separate them). RENEWING
//   unicasts to the server identifier, REBINDING broadcasts; both retransmit after half the time
//   left to T2 (resp. to the lease end), at least 60 s (RFC 2131 §4.4.5). Lease end -> INIT,
//   address gone.
// - NAK -> INIT immediately; DECLINE -> INIT after 10 s (RFC 2131 §3.1 step 5).
//
// TFTP: on every lease the engine applies choose_tftp_servers (tftp_choice.hpp). When option 66
// holds a host name it reports `tftp_name_pending`; the phone-level code resolves the name
// (dns::Resolver with the lease's DNS servers) and calls resolve_tftp_name(), after which
// `tftp_servers_chosen` is reported. Otherwise `tftp_servers_chosen` follows the lease at once.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/dhcp/datagram.hpp"
#include "voicelab/dhcp/message.hpp"
#include "voicelab/dhcp/options.hpp"
#include "voicelab/dhcp/tftp_choice.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::dhcp {

enum class ClientState {
  stopped,
  init,
  selecting,
  requesting,
  init_reboot,
  bound,
  renewing,
  rebinding,
};

std::string to_string(ClientState state);  // "INIT", "SELECTING", ..., "INIT-REBOOT", "STOPPED"

// Option 55 sent by the phone: 1 subnet mask, 66 TFTP server name, 6 DNS, 3 router, 15 domain,
// 150 TFTP server address, 35 ARP cache timeout. Codes 1, 3, 6, 15, 66 and 150 are what voicelab
// relies on (PROTOCOL-NOTES); the order and the 35 come from public DHCP fingerprint lists for
// older Cisco phones and are NOT verified: there is no capture of a current phone yet.
std::vector<std::uint8_t> default_parameter_request_list();

struct ClientConfig {
  wire::MacAddress mac;
  InterfaceIndex interface = 0;  // where broadcasts go out
  std::string model = "8861";    // vendor class "Cisco Systems, Inc. IP Phone CP-<model>"
  std::string vendor_class;      // non-empty: sent instead of the one built from `model`
  std::string host_name;         // non-empty: sent instead of "SEP<MAC>"
  std::vector<std::uint8_t> parameter_request_list = default_parameter_request_list();
  bool broadcast_flag = true;
  std::optional<wire::Ipv4Address> alternate_tftp_server;  // the phone's own setting

  Duration startup_delay_max{};  // RFC 2131 §4.4.1 suggests a random 1..10 s; 0 = send at once
  Duration first_retransmit = std::chrono::seconds(4);
  Duration max_retransmit = std::chrono::seconds(64);
  Duration retransmit_jitter = std::chrono::seconds(1);
  int max_discover_attempts = 6;  // transmissions before `gave_up`
  bool keep_trying = true;        // after `gave_up`, start a new DISCOVER cycle
  int max_request_attempts = 4;   // REQUESTING / INIT-REBOOT transmissions before INIT
  Duration min_renew_retransmit = std::chrono::seconds(60);
  Duration decline_restart_delay = std::chrono::seconds(10);
};

// What the phone got from DHCP.
struct Lease {
  wire::Ipv4Address address;
  std::optional<wire::Ipv4Address> subnet_mask;
  std::vector<wire::Ipv4Address> routers;
  std::vector<wire::Ipv4Address> dns_servers;
  std::optional<std::string> domain_name;
  wire::Ipv4Address server_id;  // the server that granted it (renewals go there)
  wire::Ipv4Address siaddr;
  std::string boot_file;
  std::optional<Duration> lease_time;  // nullopt: infinite
  Duration renewal_time{};             // T1 after `obtained` (unused when infinite)
  Duration rebinding_time{};           // T2 after `obtained`
  Time obtained{};                     // when the REQUEST that got it was (last) sent
  TftpChoice tftp;
  Options options;  // every option of the ACK

  // address/prefix when the mask is contiguous, else address/32.
  [[nodiscard]] wire::Ipv4Prefix prefix() const;
  [[nodiscard]] std::optional<Time> expires_at() const;
};

enum class ClientEventKind {
  state_changed,        // `from` -> `to`
  sent,                 // first transmission of a message (`message_type`)
  retransmitted,        // attempt `attempt` of `message_type`; next wait `wait`
  offer_received,       // `address` offered by `server`
  offer_ignored,        // an offer while not SELECTING, or without a server identifier
  lease_acquired,       // `lease` (from REQUESTING or INIT-REBOOT)
  lease_renewed,        // `lease` (from RENEWING or REBINDING)
  nak_received,         // `server`, `reason` = its message (56)
  gave_up,              // no answer after `attempt` transmissions of `message_type`
  lease_expired,        // the address is gone
  declined,             // DECLINE sent for `address`; `reason` from the caller
  released,             // RELEASE sent for `address`
  tftp_name_pending,    // `tftp.name` needs DNS: resolve it, then call resolve_tftp_name()
  tftp_servers_chosen,  // `tftp` is final (servers, or none)
  ignored,              // a reply not for us, or not expected now; `reason`
  malformed,            // undecodable; `reason`
};

std::string to_string(ClientEventKind kind);

struct ClientEvent {
  ClientEventKind kind = ClientEventKind::state_changed;
  Time time{};
  ClientState from = ClientState::stopped;
  ClientState to = ClientState::stopped;
  std::optional<MessageType> message_type;
  int attempt = 0;
  Duration wait{};
  wire::Ipv4Address address;
  wire::Ipv4Address server;
  std::optional<Lease> lease;
  TftpChoice tftp;
  std::string reason;

  // One line for the phone's console log, e.g. "DHCP: no answer to DISCOVER (attempt 3),
  // trying again in 16.4 s".
  [[nodiscard]] std::string describe() const;
};

struct ClientCounters {
  std::uint64_t sent = 0, retransmissions = 0, received = 0, malformed = 0, ignored = 0;
  std::uint64_t offers = 0, acks = 0, naks = 0, leases = 0, renewals = 0, expiries = 0;
  std::uint64_t give_ups = 0;
};

class Client {
 public:
  // `random` must outlive the client. Throws std::invalid_argument for an unusable
  // configuration (zero MAC, non-positive timers, attempts below 1).
  Client(ClientConfig config, Random& random);

  // --- administrative ---------------------------------------------------------------------
  // Boots: INIT-REBOOT with `remembered` (an address kept from before), else INIT.
  void start(Time now, std::optional<wire::Ipv4Address> remembered = std::nullopt);
  // Power off: silent, forgets the lease (remember lease()->address first if wanted).
  void stop(Time now);
  // Sends a RELEASE for the current lease (if any) and stops.
  void release(Time now);
  // The address is in use by someone else (e.g. an ARP probe answered): sends a DECLINE and
  // goes back to INIT after decline_restart_delay. Ignored when not BOUND.
  void decline(Time now, std::string_view reason = {});
  // Completes a pending option 66 host name: the address DNS gave, or nullopt if it did not
  // resolve. Ignored when no resolution is pending.
  void resolve_tftp_name(Time now, std::optional<wire::Ipv4Address> address);

  // --- input ------------------------------------------------------------------------------
  void handle_datagram(Time now, const Datagram& in);
  void handle_timeout(Time now);

  // --- output -----------------------------------------------------------------------------
  std::optional<OutgoingDatagram> poll_transmit();
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<ClientEvent> poll_event();

  // --- inspection -------------------------------------------------------------------------
  [[nodiscard]] ClientState state() const { return state_; }
  // The lease while BOUND, RENEWING or REBINDING.
  [[nodiscard]] const std::optional<Lease>& lease() const { return lease_; }
  [[nodiscard]] const ClientCounters& counters() const { return counters_; }
  [[nodiscard]] const ClientConfig& config() const { return config_; }
  [[nodiscard]] std::uint32_t xid() const { return xid_; }
  [[nodiscard]] std::string vendor_class() const;
  [[nodiscard]] std::string host_name() const;

 private:
  void enter(Time now, ClientState next);
  void begin_discover(Time now);
  void send_discover(Time now);
  void send_selecting_request(Time now);
  void send_reboot_request(Time now);
  void send_renew_request(Time now, bool broadcast);
  void transmit(const Message& message, bool broadcast, wire::Ipv4Address to);
  [[nodiscard]] Message base_message(Time now, MessageType type) const;
  Duration backoff(int attempt);  // wait after transmission number `attempt` (1-based)
  void schedule_retransmit(Time now, MessageType type);
  void schedule_renew_retransmit(Time now);

  void on_offer(Time now, const Message& message);
  void on_ack(Time now, const Message& message);
  void on_nak(Time now, const Message& message);
  void on_retransmit_timer(Time now);
  void bind(Time now, const Message& ack, bool renewal);
  void lose_lease(Time now);
  void report_tftp_choice(Time now);

  void emit(ClientEvent event);
  ClientEvent make_event(Time now, ClientEventKind kind) const;

  ClientConfig config_;
  Random& random_;
  ClientState state_ = ClientState::stopped;
  std::uint32_t xid_ = 0;
  Time exchange_start_{};  // for secs
  Time request_sent_{};    // latest REQUEST transmission (lease start)
  int attempts_ = 0;       // transmissions in the current exchange
  std::optional<Time> retransmit_at_;
  std::optional<Time> restart_at_;  // INIT: when to send the first DISCOVER
  wire::Ipv4Address offered_address_;
  wire::Ipv4Address offering_server_;
  wire::Ipv4Address reboot_address_;
  std::optional<Lease> lease_;
  std::deque<OutgoingDatagram> transmits_;
  std::deque<ClientEvent> events_;
  ClientCounters counters_;
};

}  // namespace voicelab::dhcp
