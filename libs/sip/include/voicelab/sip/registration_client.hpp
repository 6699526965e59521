#pragma once
// The SIP user agent of a Cisco 78xx/88xx phone as far as registration goes (steps 10-11 of the
// bring-up, then refresh, failover and fallback), sans-I/O and poll-style.
//
// What it does (docs/sip-registration.md has the timeline, the timers and their sources):
//   - start(): registers every line with the highest-priority node of the CallManager group,
//     over TCP (default: one connection per node, asked for with a Connect command) or UDP
//     (SendDatagram from the phone's SIP port). One REGISTER per line, line 1 first, each next
//     line once the previous one got its 200 OK. The REGISTERs are sip::cisco::build_register()
//     ones (Cisco Contact with +sip.instance, device name and model), Expires 3600 requested.
//   - The registration lasts what the 200 OK grants (the Contact's expires parameter, else the
//     Expires header, else what was asked); each line refreshes `register_delta` (CUCM SIP
//     profile "Timer Register Delta", 5 s) before it lapses: 115 s for CUCM's 120 s.
//   - A node fails on: connect failure (RST, or no answer within connect_timeout; the driver
//     reports the first, the engine times the second), connection closed, REGISTER timeout
//     (Timer F = 64*T1 through the transaction layer; UDP retransmits on Timer E), a final
//     non-2xx answer (rejection), or bytes that do not parse. The client then moves to the next
//     node in the group; after a full round without success it waits retry_delay and starts
//     again from the primary.
//   - Registered with the primary, it keeps a standby connection to the secondary and sends it
//     a REGISTER with Expires: 0 (line 1) every keepalive period (the trace in PROTOCOL-NOTES);
//     a failover to the secondary then reuses that connection.
//   - Registered with a lower-priority node, it probes the primary every probe_interval
//     (connect + REGISTER Expires: 0); on a 2xx it falls back: registers every line with the
//     primary, then sends Expires: 0 for every line to the node it leaves (dropping those
//     bindings); that connection stays as the standby when it is the secondary, else it closes.
//   - stop(): REGISTER Expires: 0 for every line, then Close.
//
// Driver contract: the engine chooses ConnectionIds. For each Connect, answer exactly one of
// handle_connected / handle_connect_failed (unless the engine sent Close for it first); report
// every byte received with handle_bytes and a peer close or reset with handle_closed. After
// Close, the engine ignores anything about that id. Over UDP the engine sends SendDatagram
// from `udp_port` and expects every datagram received on that port in handle_datagram.
//
// All identifiers (Call-ID, tags, branches, the Contact UUID) come from the Random handed in;
// the Date header is `date_epoch` + now, formatted as RFC 7231 IMF-fixdate. No clock is read.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "voicelab/sip/message.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/sip/transaction.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::sip {

// Transport (udp, tcp) is sip::Transport from transaction.hpp.

struct RegistrarNode {
  std::string name;  // "cucm1": how events and status name it
  wire::Ipv4Address address;
  std::uint16_t port = 5060;

  friend bool operator==(const RegistrarNode&, const RegistrarNode&) = default;
};

struct RegistrationLine {
  std::string dn;            // the directory number: user part of From/To
  std::string display_name;  // for status only: the Cisco REGISTER carries no display name
};

struct RegistrationClientConfig {
  wire::MacAddress mac;
  std::string model = "CP-8861";        // User-Agent "Cisco-CP8861/<version>"
  std::string load_id;                  // "sip88xx.12-8-1-0001-455": version 12.8.1, Reason text
  std::vector<RegistrationLine> lines;  // line 1 first; at least one
  std::vector<RegistrarNode> nodes;     // CallManager group, highest priority first; at least one
  Transport transport = Transport::tcp;

  // --- message details ----------------------------------------------------------------------
  std::string user_agent;  // empty: "Cisco-" + model without '-' + "/" + version of load_id
  // +u.sip!model.ccm.cisco.com: the CP-8851 trace carries "684"; the phone role passes the
  // right id from its model table.
  std::string model_id = "684";
  // Reason header of the very first REGISTER after start(). nullopt: derived from the load id
  // ("SIP;cause=200;text=\"cisco-alarm:25 Name=SEP... Load=... Last=initialized\"", the shape
  // sip::cisco documents as an assumption); an empty string: no Reason header.
  std::optional<std::string> reason;
  std::uint16_t udp_port = 5060;           // the phone's SIP port (UDP source port, Contact port)
  std::uint32_t requested_expires = 3600;  // Expires of a REGISTER [trace]
  std::int64_t date_epoch = 1763966400;    // Unix time of lab time 0 (2025-11-24 06:40:00 UTC)

  // --- timers (sources in docs/sip-registration.md) -----------------------------------------
  TimerConfig timers;  // T1 500 ms, T2 4 s: Timer E (UDP retransmit) and Timer F = 64*T1
  // Refresh this long before the granted expiry (CUCM SIP profile "Timer Register Delta",
  // default 5 s); when the grant is not longer than twice this, refresh at half the grant.
  Duration register_delta = std::chrono::seconds(5);
  // A TCP connect nobody answers (no SYN-ACK, no RST) is abandoned after this [assumption].
  Duration connect_timeout = std::chrono::seconds(5);
  // After every node of the group failed in one round, wait this before starting again from
  // the primary (Cisco phones' "Reg Retry Intvl", default 30 s, on the MPP firmware).
  Duration retry_delay = std::chrono::seconds(30);
  // While registered with a lower-priority node: how often the primary is probed, and after a
  // failed standby keepalive, when the standby connection is tried again [assumption: the SCCP
  // station keepalive default, 30 s].
  Duration probe_interval = std::chrono::seconds(30);
  bool standby_keepalive = true;  // keep a standby connection to the secondary [trace]
  bool fallback = true;           // return to the primary when it answers again
};

using ConnectionId = std::uint64_t;  // chosen by the engine, never 0

struct Connect {
  ConnectionId id = 0;
  RegistrarNode node;
};
struct SendBytes {
  ConnectionId id = 0;
  std::vector<std::uint8_t> bytes;
};
struct Close {
  ConnectionId id = 0;
};
struct SendDatagram {
  RegistrarNode node;
  std::uint16_t source_port = 0;
  std::vector<std::uint8_t> payload;
};
using ClientCommand = std::variant<Connect, SendBytes, Close, SendDatagram>;

enum class RegistrationEventKind {
  connecting,       // a registration attempt with `node` begins (TCP: connect sent)
  connect_failed,   // the TCP connection to `node` could not be made (detail: why)
  line_registered,  // `line` registered with `node` (detail: granted expiry, next refresh)
  registered,       // every line registered with `node`
  rejected,         // `node` answered `line`'s REGISTER with `status` (>= 300)
  failover,         // `node` failed; detail says why and which node is tried next
  fallback,         // the primary `node` answers again: moving back to it
  unregistered,     // `line` unregistered (Expires: 0 answered); line empty: stop() finished
  refresh,          // `line`'s registration with `node` was refreshed
  // Added to the APIS.md B list:
  timeout,         // `node` did not answer `line`'s REGISTER (Timer F)
  protocol_error,  // `node` sent bytes that do not parse (detail: the parser's error)
  standby,         // the standby connection to `node` is up, or was lost (detail)
};

const char* to_string(RegistrationEventKind kind);

struct RegistrationEvent {
  RegistrationEventKind kind = RegistrationEventKind::connecting;
  Time at{};
  std::string node;  // node name; empty when none
  std::string line;  // DN; empty when about the device
  int status = 0;    // SIP status when there was one
  std::string detail;
};

enum class LineState { idle, registering, registered, unregistering, unregistered };
const char* to_string(LineState state);

struct LineStatus {
  std::string dn;
  std::string display_name;
  LineState state = LineState::idle;
  std::string node;     // where it is registered / registering; empty when idle
  int last_status = 0;  // last final status for this line's REGISTER (0: none yet)
  std::optional<Time> registered_at;
  std::optional<Time> expires_at;  // when the registrar drops it without a refresh
  std::optional<Time> refresh_at;  // when the next refresh goes out
};

enum class ClientState {
  stopped,      // before start(), after stop() finished
  connecting,   // TCP connect to the node being tried
  registering,  // REGISTERs under way
  registered,   // every line registered
  retry_wait,   // every node failed; waiting retry_delay
  stopping,     // stop(): waiting for the Expires: 0 answers
};
const char* to_string(ClientState state);

struct RegistrationCounters {
  std::uint64_t registers_sent = 0;  // REGISTER requests started (not retransmissions)
  std::uint64_t refreshes = 0;
  std::uint64_t keepalives = 0;  // Expires: 0 REGISTERs to a standby or probed node
  std::uint64_t rejections = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t failovers = 0;
  std::uint64_t fallbacks = 0;
  std::uint64_t stray = 0;  // datagrams from unknown peers, responses matching nothing
};

class RegistrationClient {
 public:
  // `random` must outlive the client. Throws std::invalid_argument for a configuration without
  // lines or nodes, an empty DN, or unusable timers.
  RegistrationClient(RegistrationClientConfig config, Random& random);

  // Begins registering with nodes[0] from `local_address` (the phone's IPv4 address). Throws
  // std::logic_error when not stopped.
  void start(Time now, wire::Ipv4Address local_address);
  // Unregisters every line (Expires: 0) with the node it is registered with, then closes every
  // connection; poll_event() reports `unregistered` (line empty) when done. No-op when stopped.
  void stop(Time now);

  void handle_connected(Time now, ConnectionId id, std::uint16_t local_port);
  void handle_connect_failed(Time now, ConnectionId id, std::string reason);  // timeout or RST
  void handle_bytes(Time now, ConnectionId id, wire::Bytes bytes);
  void handle_closed(Time now, ConnectionId id);
  void handle_datagram(Time now, wire::Ipv4Address from, std::uint16_t from_port,
                       wire::Bytes payload);
  // Harmless when called early or late.
  void handle_timeout(Time now);

  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<ClientCommand> poll_command();
  std::optional<RegistrationEvent> poll_event();

  // Every line registered with one node.
  [[nodiscard]] bool registered() const { return state_ == ClientState::registered; }
  [[nodiscard]] std::optional<RegistrarNode> registered_with() const;
  [[nodiscard]] ClientState state() const { return state_; }
  [[nodiscard]] const std::vector<LineStatus>& lines() const { return lines_; }
  [[nodiscard]] const RegistrationCounters& counters() const { return counters_; }
  [[nodiscard]] const RegistrationClientConfig& config() const { return config_; }
  // The node being registered with or registered with (index into config().nodes).
  [[nodiscard]] std::optional<std::size_t> active_node() const;
  // The node of the standby / probe connection, if one is open or opening.
  [[nodiscard]] std::optional<std::size_t> standby_node() const;

 private:
  enum class Role { active, aux, old };
  enum class Purpose { register_line, refresh_line, unregister_line, keepalive };

  // One line's registration dialog with one node (RFC 3261 §10.2: same Call-ID, CSeq + 1).
  struct Binding {
    bool created = false;
    std::string call_id;
    std::string from_tag;
    std::string session_id;
    std::uint32_t cseq = 100;  // the first REGISTER takes 101
  };

  // A TCP connection to a node, or over UDP the exchange with one node.
  struct Link {
    ConnectionId id = 0;
    std::size_t node = 0;
    Role role = Role::active;
    bool open = false;  // TCP: connected; UDP: always
    std::uint16_t local_port = 0;
    StreamParser parser;
    std::optional<Time> connect_deadline;
    std::vector<Binding> bindings;  // one per line
    std::optional<Time> keepalive_at;
    bool keepalive_pending = false;
    bool standby_up = false;
    std::size_t drains_pending = 0;
  };

  struct Pending {
    ConnectionId link = 0;
    std::size_t line = 0;
    Purpose purpose = Purpose::register_line;
  };

  struct LineRuntime {
    bool refresh_pending = false;
    std::uint32_t granted = 0;
  };

  // attempts
  void open_active(Time now, std::size_t node);
  void begin_registration(Time now);
  void send_register(Time now, Link& link, std::size_t line, Purpose purpose,
                     std::uint32_t expires);
  void fail_active(Time now, const std::string& why, bool send_close = true);
  // Opens the standby (registered with the primary) or probe (registered elsewhere) connection
  // when there should be one; `due_now`: its retry timer fired.
  void setup_aux(Time now, bool due_now);
  void aux_failed(Time now, const std::string& why, bool send_close);
  void connect_failed(Time now, ConnectionId id, const std::string& reason, bool send_close);
  void send_keepalive(Time now, Link& link);
  void do_fallback(Time now);
  void start_drain(Time now);
  void finish_drain(Time now);
  void finish_stop(Time now);

  // results
  void on_transaction_event(Time now, TransactionEvent event);
  void on_result(Time now, const Pending& pending, int status, const Message* response);
  void on_line_ok(Time now, std::size_t line, Purpose purpose, const Message& response);
  void on_link_failure(Time now, ConnectionId id, const std::string& why, bool send_close);

  // plumbing
  Link* find_link(ConnectionId id);
  const Link* find_link(ConnectionId id) const;
  Link* link_with_role(Role role);
  const Link* link_with_role(Role role) const;
  Link& new_link(std::size_t node, Role role);
  void drop_link(Time now, ConnectionId id, bool send_close);
  void pump(Time now);
  void emit(Time now, RegistrationEventKind kind, std::string node, std::string line, int status,
            std::string detail);
  [[nodiscard]] std::uint32_t granted_expires(const Message& response,
                                              std::uint32_t requested) const;
  [[nodiscard]] Duration refresh_after(std::uint32_t granted) const;
  [[nodiscard]] Duration keepalive_interval() const;
  [[nodiscard]] std::string node_label(std::size_t node) const;
  [[nodiscard]] std::string date_header(Time now) const;
  void reset_lines();

  RegistrationClientConfig config_;
  Random& random_;
  wire::Ipv4Address local_ip_;
  TransactionLayer layer_;
  ClientState state_ = ClientState::stopped;

  std::vector<LineStatus> lines_;
  std::vector<LineRuntime> runtime_;
  std::vector<Link> links_;  // at most three: active, aux (standby or probe), old (draining)
  std::map<TransactionId, Pending> pending_;
  ConnectionId next_id_ = 1;
  std::uint16_t next_call_index_ = 2;
  std::string contact_uuid_;
  std::string user_agent_;
  bool first_register_ = true;

  std::size_t next_line_ = 0;       // sequential registration progress on the active link
  std::size_t round_failures_ = 0;  // nodes failed since the last success
  Time attempt_started_{};
  std::optional<Time> retry_at_;      // retry_wait: when the next round starts
  std::optional<Time> aux_retry_at_;  // when the standby / probe connection is tried again
  std::size_t stop_pending_ = 0;
  bool fell_back_ = false;  // the current attempt is a fallback (for the event text)

  std::deque<ClientCommand> commands_;
  std::deque<RegistrationEvent> events_;
  RegistrationCounters counters_;
};

}  // namespace voicelab::sip
