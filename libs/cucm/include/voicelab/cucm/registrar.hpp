#pragma once
// The SIP registrar of one CUCM node, sans-I/O: REGISTER over TCP and UDP port 5060 from Cisco
// phones, one binding per line, refresh and expiry, rejections with CUCM-style status codes and
// Warning headers, registration throttling, a per-node device cap, node stop/start, a "Find and
// List Phones" view, events for the report and a trace line per SIP message.
//
// Driving it (the same for the simulated and the real-socket driver):
//   TCP   handle_accepted(now, conn, peer, port) when a phone's connection is accepted,
//         handle_bytes(now, conn, bytes) for every byte received on it, in order,
//         handle_closed(now, conn) when the peer closed or reset it.
//         Drain poll_stream(): SendBytes (write on that connection) and CloseConnection (send
//         what was queued before it, then close). After a CloseConnection the engine has
//         forgotten the connection; a later handle_closed() for it is ignored.
//   UDP   handle_datagram(now, from, from_port, payload) for every datagram to port 5060;
//         drain poll_datagram() (send from port 5060).
//   time  arm a timer for next_timeout(); call handle_timeout(now) when it fires (harmless when
//         early or late).
//   logs  drain poll_event() and poll_trace().
// Connection ids are the driver's; the engine only hands them back.
//
// What a REGISTER gets (docs/cucm.md has the sources and the assumptions):
//   - the device is named by the Contact parameter +u.sip!devicename.ccm.cisco.com, the line by
//     the user part of the To URI;
//   - 100 Trying (config.send_trying), then a final response built with sip::cisco;
//   - 200 OK granting min(requested, keepalive_interval) seconds (CUCM's SIP station keepalive
//     interval, 120 s by default) for the line's binding; Expires 0 removes the binding (or is
//     answered 200 / Expires 0 as a standby-node keepalive when there is none);
//   - rejections: see RejectReason and rejection().
// Over UDP a server transaction (RFC 3261 §17.2.2) absorbs retransmitted REGISTERs and answers
// them from its cached last response for 64*T1. Over TCP no retransmission exists and responses
// are sent at once. When a TCP connection closes, the bindings registered over it are dropped
// (CUCM unregisters a phone whose TCP connection drops).
//
// Input from the network never throws; malformed input is counted, traced and reported.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "voicelab/cucm/directory.hpp"
#include "voicelab/cucm/phone_list.hpp"
#include "voicelab/sip/message.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/sip/transaction.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::cucm {

using ConnectionId = std::uint64_t;

struct RegistrarConfig {
  // This node's name as the CallManager groups list it ("cucm-sub1"). Must not be empty.
  std::string node_name = "cucm1";
  // The agent written in Warning headers (a host name or address). Empty: node_name.
  std::string warning_agent;
  std::string server = "Cisco-CUCM11.5";                              // Server header
  std::string supported = "X-cisco-srtp-fallback,X-cisco-sis-8.0.0";  // Supported of a 200 OK
  // The Expires granted: CUCM answers with its SIP station keepalive interval whatever the phone
  // asked for (3600 in the trace), so phones refresh every ~2 minutes. 0: grant what is asked.
  std::uint32_t keepalive_interval = 120;
  // The Expires assumed when a REGISTER has neither an expires parameter nor an Expires header
  // (RFC 3261 §10.3 step 7 leaves it to the registrar).
  std::uint32_t default_expires = 3600;
  // A binding lives `granted + expiry_grace`.
  Duration expiry_grace = 0s;
  bool send_trying = true;  // 100 Trying before every final response to a REGISTER [trace]
  // Throttling of new device registrations (a REGISTER from a device with no binding on this
  // node; refreshes, further lines and unregistrations are never throttled): at most
  // `max_new_registrations_per_second` on average with bursts of `registration_burst`
  // (0: = the rate); more are refused 503 with Retry-After `throttle_retry_after` seconds.
  // 0 disables throttling.
  std::uint32_t max_new_registrations_per_second = 0;
  std::uint32_t registration_burst = 0;
  std::uint32_t throttle_retry_after = 10;
  // At most this many devices with a binding on this node; a new device beyond it is refused
  // 503 without Retry-After (so the phone tries its next node). 0: no cap.
  std::size_t max_devices = 0;
  // Unix time (seconds) of lab Time 0, for the Date header. nullopt: no Date header.
  std::optional<std::int64_t> date_epoch;
  sip::TimerConfig timers;  // the UDP server transactions (Timer J = 64*T1)
  sip::Limits limits;       // per TCP connection and per datagram
  bool trace = true;        // a TraceLine per message sent and received (drain poll_trace())
  bool trace_full_messages = false;  // TraceLine::message holds the whole message text
};

// Why a REGISTER was refused. rejection() gives what goes on the wire for each.
enum class RejectReason {
  bad_request,          // 400: missing/invalid Via, From, To, Call-ID, CSeq, Contact, Expires
  missing_device_name,  // 400: no +u.sip!devicename.ccm.cisco.com in the Contact (or `*`)
  unknown_device,       // 404: the device is not in the directory
  line_not_on_device,   // 403: the To user is not one of the device's directory numbers
  node_not_in_group,    // 503: the device's CallManager group does not list this node
  too_many_devices,     // 503: config.max_devices reached
  throttled,            // 503 + Retry-After: config.max_new_registrations_per_second
  out_of_order,         // 500: same Call-ID as the binding and a CSeq not above it (RFC 3261
                        //      §10.3 step 7)
};

struct Rejection {
  int status = 0;
  const char* phrase = "";
  const char* warning = "";  // the Warning text (code 399, agent = the node)
  bool retry_after = false;  // a Retry-After header is added
};
const Rejection& rejection(RejectReason reason);
// "bad request", "unknown device", ... for logs.
const char* to_string(RejectReason reason);

// --- outputs ---------------------------------------------------------------------------------

struct SendBytes {
  ConnectionId conn = 0;
  std::vector<std::uint8_t> bytes;
};
struct CloseConnection {
  ConnectionId conn = 0;
};
using StreamCommand = std::variant<CloseConnection, SendBytes>;

struct OutgoingDatagram {
  wire::Ipv4Address address;  // destination (RFC 3261 §18.2.2 with RFC 3581 rport)
  std::uint16_t port = 0;
  std::vector<std::uint8_t> payload;
};

// --- bindings ----------------------------------------------------------------------------------

struct Binding {
  std::string device;
  std::string line;     // directory number
  std::string contact;  // the Contact as the phone sent it
  std::string call_id;
  std::uint32_t cseq = 0;
  sip::Transport transport = sip::Transport::tcp;
  std::optional<ConnectionId> conn;  // TCP
  wire::Ipv4Address address;         // source of the REGISTER
  std::uint16_t port = 0;
  std::uint32_t expires = 0;  // granted, seconds
  Time registered_at{};
  Time refreshed_at{};
  Time expires_at{};

  friend bool operator==(const Binding&, const Binding&) = default;
};

// --- events and trace --------------------------------------------------------------------------

enum class RegistrarEventKind {
  registered,    // a line got a binding (new, or a new Call-ID replacing the old binding)
  refreshed,     // a line's binding was refreshed (same Call-ID, higher CSeq)
  unregistered,  // a binding was removed: Expires 0, its TCP connection closed, node stopped
  expired,       // a binding was not refreshed in time
  rejected,      // a REGISTER was refused; `reject`, `status`, `reason`
  keepalive,     // Expires 0 for a line without a binding here: a standby-node keepalive
  malformed,     // bytes or a datagram that do not parse; `reason`; a TCP connection is closed
  node_stopped,
  node_started,
};
const char* to_string(RegistrarEventKind kind);

struct RegistrarEvent {
  RegistrarEventKind kind = RegistrarEventKind::registered;
  Time at{};
  std::string node;
  std::string device;  // empty when unknown
  std::string line;
  sip::Transport transport = sip::Transport::tcp;
  std::optional<ConnectionId> conn;
  wire::Ipv4Address address;
  std::uint16_t port = 0;
  int status = 0;             // the final status sent, when one was sent
  std::uint32_t expires = 0;  // registered / refreshed: granted seconds
  std::optional<RejectReason> reject;
  std::string reason;  // rejected / unregistered / malformed: why, in words

  // One line for a component log, e.g.
  // "cucm1: SEP0041D25A0F3C line 1001 registered from 10.10.20.31:51534 over TCP (expires 120 s)"
  [[nodiscard]] std::string describe() const;
};

enum class TraceDirection { received, sent };

// One SIP message in or out, for a CallManager SDI-trace-like log.
struct TraceLine {
  Time at{};
  std::string node;
  TraceDirection direction = TraceDirection::received;
  sip::Transport transport = sip::Transport::tcp;
  std::optional<ConnectionId> conn;
  wire::Ipv4Address peer;
  std::uint16_t peer_port = 0;
  std::size_t bytes = 0;
  std::string summary;  // start line | CSeq | Call-ID (or what did not parse)
  std::string message;  // the whole message when trace_full_messages

  // "00:02:05.250 cucm1 SIP/TCP in  conn 7 from 10.10.20.31:51534 (812 bytes): REGISTER
  // sip:10.10.10.11 SIP/2.0 | CSeq: 101 REGISTER | Call-ID: ..." (one line; the message, when
  // kept, follows on the next lines).
  [[nodiscard]] std::string to_string() const;
};

struct RegistrarCounters {
  std::uint64_t registers = 0;  // REGISTER requests processed (retransmissions excluded)
  std::uint64_t registered = 0;
  std::uint64_t refreshed = 0;
  std::uint64_t unregistered = 0;
  std::uint64_t expired = 0;
  std::uint64_t keepalives = 0;
  std::uint64_t rejected = 0;
  std::uint64_t throttled = 0;        // also counted in rejected
  std::uint64_t other_requests = 0;   // OPTIONS, REFER, ... answered
  std::uint64_t retransmissions = 0;  // UDP requests absorbed by a server transaction
  std::uint64_t stray = 0;            // responses, ACK, INVITE, CANCEL: not answered
  std::uint64_t malformed = 0;        // unparseable datagrams and broken TCP streams
  std::uint64_t pings = 0;            // TCP double-CRLF keep-alives answered
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_closed = 0;     // by the peer or by the engine
  std::uint64_t dropped_while_stopped = 0;  // inputs ignored because the node is stopped
};

class Registrar {
 public:
  // `directory` and `random` must outlive the registrar. Throws std::invalid_argument for an
  // empty node name or bad timers.
  Registrar(RegistrarConfig config, const Directory& directory, Random& random);

  // --- TCP ---
  void handle_accepted(Time now, ConnectionId conn, wire::Ipv4Address peer, std::uint16_t port);
  void handle_bytes(Time now, ConnectionId conn, wire::Bytes bytes);
  void handle_bytes(Time now, ConnectionId conn, std::string_view bytes);
  void handle_closed(Time now, ConnectionId conn);
  std::optional<StreamCommand> poll_stream();

  // --- UDP ---
  void handle_datagram(Time now, wire::Ipv4Address from, std::uint16_t from_port,
                       wire::Bytes payload);
  void handle_datagram(Time now, wire::Ipv4Address from, std::uint16_t from_port,
                       std::string_view payload);
  std::optional<OutgoingDatagram> poll_datagram();

  // --- time ---
  void handle_timeout(Time now);
  [[nodiscard]] std::optional<Time> next_timeout() const;

  // --- node service ---
  // Stop: closes every TCP connection (a CloseConnection each), drops every binding (an
  // `unregistered` event each), forgets UDP transactions and throttling state, and discards
  // output not yet polled. While stopped every input is ignored and counted, except that a
  // connection the driver still accepts is closed at once; the driver of a stopped node should
  // not listen at all (connections refused, datagrams unanswered). Start: serve again, with no
  // bindings. Both are no-ops when already in that state.
  void stop(Time now);
  void start(Time now);
  [[nodiscard]] bool running() const { return running_; }

  // --- observations ---
  std::optional<RegistrarEvent> poll_event();
  std::optional<TraceLine> poll_trace();

  // Devices with at least one binding on this node.
  [[nodiscard]] std::size_t registered_devices() const { return registered_devices_; }
  [[nodiscard]] std::size_t binding_count() const { return binding_count_; }
  // The binding of one line, or nullptr.
  [[nodiscard]] const Binding* binding(std::string_view device, std::string_view line) const;
  // Every binding of a device, in registration order.
  [[nodiscard]] std::vector<Binding> bindings(std::string_view device) const;
  // One device as Find and List Phones shows it on this node (status unknown when the node never
  // heard of it; description and model then come from the directory when it knows the device).
  [[nodiscard]] PhoneRow phone(std::string_view device) const;
  // Every device of the directory this node has heard from, sorted by name.
  [[nodiscard]] std::vector<PhoneRow> find_and_list_phones() const;

  [[nodiscard]] const RegistrarCounters& counters() const { return counters_; }
  [[nodiscard]] const RegistrarConfig& config() const { return config_; }
  [[nodiscard]] std::size_t open_connections() const { return connections_.size(); }

 private:
  struct DeviceState;
  struct LineBinding {
    std::uint64_t id = 0;
    Binding binding;
  };
  enum class Outcome { none, accepted, rejected, unbound };
  struct DeviceState {
    std::string name;
    std::string description;
    std::string model;
    std::vector<LineBinding> lines;
    std::size_t lines_configured = 0;
    std::optional<wire::Ipv4Address> address;
    Outcome outcome = Outcome::none;
    std::string reason;
  };
  struct Connection {
    wire::Ipv4Address peer;
    std::uint16_t port = 0;
    sip::StreamParser parser;
    // The header section of the message in progress, kept so that a request whose framing
    // fails after its headers parsed (no Content-Length, ...) can still be answered 400.
    std::string head;
    bool head_done = false;
    std::vector<std::pair<DeviceState*, std::uint64_t>> bindings;
  };
  struct Origin {
    sip::Transport transport = sip::Transport::tcp;
    std::optional<ConnectionId> conn;
    wire::Ipv4Address address;
    std::uint16_t port = 0;
  };
  struct Expiry {
    Time at{};
    std::uint64_t id = 0;
    DeviceState* device = nullptr;
    friend bool operator>(const Expiry& a, const Expiry& b) {
      return a.at != b.at ? a.at > b.at : a.id > b.id;
    }
  };

  void handle_stream_message(Time now, ConnectionId id, Connection& conn, sip::Message message);
  void stream_error(Time now, ConnectionId id, Connection& conn, std::error_code ec);
  void record_head(Connection& conn, std::string_view consumed) const;
  void close_connection(Time now, ConnectionId id, std::string_view reason, bool by_engine);
  // The final response to a request (REGISTER or another method); nullopt: none is due.
  std::optional<sip::Message> answer(Time now, const sip::Message& request, const Origin& origin);
  sip::Message process_register(Time now, const sip::Message& request, const Origin& origin);
  sip::Message reject(Time now, const sip::Message& request, const Origin& origin, RejectReason why,
                      std::string_view device, std::string_view line, DeviceState* state,
                      std::string detail = {});
  sip::Message unregister(Time now, const sip::Message& request, const Origin& origin,
                          DeviceState& state, std::string_view line);
  sip::Message trying(const sip::Message& request) const;
  bool admit_new_device(Time now);
  void remove_binding(Time now, DeviceState& state, std::size_t index, RegistrarEventKind kind,
                      std::string reason);
  void detach_from_connection(ConnectionId conn, const DeviceState* state, std::uint64_t id);
  DeviceState& device_state(const DirectoryDevice& device);
  void send_stream(ConnectionId id, const Connection& conn, const sip::Message& message, Time now);
  void flush_udp(Time now);
  void trace(Time now, TraceDirection direction, const Origin& origin, std::size_t bytes,
             const sip::Message* message, std::string_view text, std::string_view error = {});
  void emit(RegistrarEvent event);
  RegistrarEvent event(Time now, RegistrarEventKind kind, const Origin& origin) const;
  std::string date(Time now) const;
  std::string to_tag();
  [[nodiscard]] DeviceStatus status_of(const DeviceState& state) const;
  [[nodiscard]] PhoneRow row_of(const DeviceState& state) const;

  RegistrarConfig config_;
  const Directory& directory_;
  Random& random_;
  bool running_ = true;

  std::unordered_map<ConnectionId, Connection> connections_;
  sip::TransactionLayer udp_;
  std::map<std::string, DeviceState, std::less<>> devices_;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
  std::uint64_t next_binding_id_ = 1;
  std::size_t registered_devices_ = 0;
  std::size_t binding_count_ = 0;
  Time throttle_tat_{};  // GCRA theoretical arrival time

  std::deque<StreamCommand> stream_out_;
  std::deque<OutgoingDatagram> datagrams_out_;
  std::deque<RegistrarEvent> events_;
  std::deque<TraceLine> traces_;
  RegistrarCounters counters_;
};

}  // namespace voicelab::cucm
