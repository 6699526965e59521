#pragma once
// One CUCM node as a single sans-I/O engine: the config server (provisioning::ConfigFiles behind
// a tftp::Server on UDP 69 and an http::Server on TCP 6970) and the SIP registrar (Registrar on
// TCP and UDP 5060, looking devices up in a DatabaseDirectory), all over one device database.
// A driver maps it onto one host:
//
//   UDP   handle_datagram(now, {source, destination, ..., payload}) for every datagram to one of
//         listening_udp_ports() or to a TFTP transfer port (the tftp config's transfer range);
//         the node routes by destination port.
//   TCP   handle_accepted(now, conn, local_port, peer) when a connection to one of
//         listening_tcp_ports() is accepted (local_port says which: 6970 or 5060),
//         handle_bytes(now, conn, bytes) for every byte received, in order,
//         handle_closed(now, conn) once the connection is gone, whichever side closed it (the
//         peer's FIN or RST, or the driver carried out the node's CloseConnection). Only then may
//         the driver give `conn` to a new connection; output an engine still produces for the
//         old one (the HTTP server answers a peer's close with a close) is dropped.
//   out   drain poll_transmit(): tftp::OutgoingDatagram (send from its source_port: 69, a TFTP
//         transfer port, or 5060), SendBytes (write on conn), CloseConnection (close conn after
//         the bytes asked before, FIN).
//   time  arm one timer at next_timeout() (the earliest of the sub-engines'), call
//         handle_timeout(now) when it fires; early or late calls are harmless.
//   logs  drain poll_event(): NodeEvent, tagged with its component ("tftp", "http", "sip") for
//         logs/<component>.log; describe() gives the line.
//
// Services (Cisco Unified Serviceability): a node runs Cisco CallManager (the registrar) and/or
// Cisco TFTP (TFTP 69 and its HTTP face 6970). stop_service()/start_service() deactivate and
// activate one; stop()/start() take the whole node down and up again (activations are kept, so
// start() brings back what was active). After any of them, listening_udp_ports() and
// listening_tcp_ports() say which ports the host must answer on now; a driver stops listening
// on the others (connection attempts refused or timing out, datagrams unanswered), exactly as a
// host with the service down behaves. What each does to the engines:
//   - CallManager stops: Registrar::stop() (every SIP connection closed, every binding dropped,
//     `unregistered` events); started: Registrar::start() (serving again, no bindings).
//   - TFTP stops: transfers in flight are abandoned without a word (the service is gone),
//     output not yet polled is discarded, every 6970 connection is closed; started: a fresh TFTP
//     and HTTP server (their counters start again at zero, as a restarted service's would).
// Input for a service that is not running (a driver still delivering) is dropped and counted;
// a connection accepted on a port nobody serves is closed at once.
//
// The files. ConfigFiles generates every file from the database and caches it per generation.
// Its bytes are a pure function of the database (every file is signed with the cluster's first
// TFTP node's lab certificate, provisioning::tftp_certificate()), so every TFTP node of a
// cluster serves the same bytes: nodes of one cluster should share one ConfigFiles (the second
// constructor). Each file is then generated once per cluster instead of once per node, and the
// per-device file cache (4096 devices by default) is held once. What a client sees on the wire
// is the same either way; only ConfigFiles::counters() become cluster totals (the per-node
// figures are the TFTP and HTTP servers' counters).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "voicelab/cucm/database_directory.hpp"
#include "voicelab/cucm/registrar.hpp"
#include "voicelab/http/server.hpp"
#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/tftp/datagram.hpp"
#include "voicelab/tftp/server.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::cucm {

// The node services the lab models (Cisco Unified Serviceability names them "Cisco CallManager"
// and "Cisco TFTP").
enum class Service { call_manager, tftp };
const char* to_string(Service service);  // "Cisco CallManager", "Cisco TFTP"

// The log components of a node's events: logs/<component>.log.
enum class Component { tftp, http, sip };
const char* to_string(Component component);  // "tftp", "http", "sip"

struct NodeServices {
  bool call_manager = true;
  bool tftp = true;
};

struct NodeConfig {
  std::string name = "cucm1";      // as CallManager groups list it; the registrar's node name
  wire::Ipv4Address address;       // the host's address (events, logs)
  NodeServices services;           // activated at construction
  std::uint16_t sip_port = 5060;   // TCP and UDP ("SIP Phone Port")
  std::uint16_t http_port = 6970;  // the TFTP service's HTTP face
  // registrar.node_name is replaced by `name`. registrar.trace (on by default) makes a
  // TraceLine event per SIP message; turn it off for storms.
  RegistrarConfig registrar;
  tftp::ServerConfig tftp;  // listen_port (69) and the transfer port range
  http::ServerConfig http;
};

// A NodeConfig for a node of the database: name, address, the CallManager and TFTP activations
// and the SIP port; everything else default.
NodeConfig node_config(const provisioning::Node& node);

// What poll_transmit() gives.
using NodeOutput = std::variant<tftp::OutgoingDatagram, SendBytes, CloseConnection>;

// A service went down or came up (stop_service/start_service, stop/start). Component tftp for
// Cisco TFTP; for Cisco CallManager the registrar's own node_stopped / node_started events say
// it (component sip).
struct ServiceChange {
  Service service = Service::tftp;
  bool running = false;
  std::string reason;  // "service stopped", "node stopped", ...
};

struct NodeEvent {
  Time at{};
  std::string node;  // the node's name
  Component component = Component::sip;
  std::variant<ServiceChange, tftp::ServerEvent, http::ServerEvent, RegistrarEvent, TraceLine>
      detail;

  // The log line, without a time stamp (the log adds one): "<node>: " and the sub-engine's
  // describe(), or for a TraceLine its to_string() without the clock ("cucm1: SIP/TCP in  conn 7
  // from 10.10.20.31:51534 (812 bytes): REGISTER sip:10.10.10.11 SIP/2.0 | CSeq: ...").
  [[nodiscard]] std::string describe() const;
};

struct NodeCounters {
  std::uint64_t datagrams = 0;            // handed to handle_datagram()
  std::uint64_t datagrams_dropped = 0;    // to a port no running service listens on
  std::uint64_t connections = 0;          // handed to handle_accepted()
  std::uint64_t connections_refused = 0;  // accepted on a port nobody serves: closed at once
  std::uint64_t bytes_ignored = 0;        // on a connection the node closed, or never accepted
  std::uint64_t service_changes = 0;      // a service went down or came up
};

class Node {
 public:
  // A node with a ConfigFiles of its own. `db` and `random` must outlive the node. Throws
  // std::invalid_argument for an empty name, a zero port, port clashes (sip_port equal to the
  // TFTP listen port or inside its transfer range, sip_port equal to http_port), or a
  // configuration a sub-engine refuses.
  Node(NodeConfig config, const provisioning::Database& db, Random& random);
  // A node serving from `files` (shared by the nodes of a cluster; it must have been built over
  // `db`). Throws std::invalid_argument for a null `files`, and as above.
  Node(NodeConfig config, const provisioning::Database& db,
       std::shared_ptr<provisioning::ConfigFiles> files, Random& random);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // --- UDP ---
  void handle_datagram(Time now, const tftp::Datagram& in);

  // --- TCP ---
  void handle_accepted(Time now, ConnectionId conn, std::uint16_t local_port, tftp::Endpoint peer);
  void handle_bytes(Time now, ConnectionId conn, wire::Bytes bytes);
  void handle_closed(Time now, ConnectionId conn);

  // --- time ---
  void handle_timeout(Time now);
  [[nodiscard]] std::optional<Time> next_timeout() const;

  // --- outputs ---
  std::optional<NodeOutput> poll_transmit();
  std::optional<NodeEvent> poll_event();

  // --- services ---
  void stop_service(Time now, Service service);
  void start_service(Time now, Service service);
  void stop(Time now);   // the whole node: every service stops; activations are kept
  void start(Time now);  // every activated service starts again
  [[nodiscard]] bool running() const { return up_; }
  [[nodiscard]] bool service_active(Service service) const;   // activated
  [[nodiscard]] bool service_running(Service service) const;  // activated and the node up
  // The ports the host must listen on now, ascending: the TFTP listen port and sip_port (UDP);
  // http_port and sip_port (TCP) — each while its service runs.
  [[nodiscard]] std::vector<std::uint16_t> listening_udp_ports() const;
  [[nodiscard]] std::vector<std::uint16_t> listening_tcp_ports() const;
  // The TFTP transfers' own ports in use now (the driver may also simply route the whole
  // transfer range here).
  [[nodiscard]] std::vector<std::uint16_t> tftp_transfer_ports() const;

  // --- observations ---
  [[nodiscard]] const NodeConfig& config() const { return config_; }
  [[nodiscard]] const std::string& name() const { return config_.name; }
  [[nodiscard]] const Registrar& registrar() const { return registrar_; }
  // nullptr while Cisco TFTP is not running.
  [[nodiscard]] const tftp::Server* tftp_server() const;
  [[nodiscard]] const http::Server* http_server() const;
  [[nodiscard]] const provisioning::ConfigFiles& files() const { return *files_; }
  [[nodiscard]] const DatabaseDirectory& directory() const { return directory_; }
  [[nodiscard]] const provisioning::Database& database() const { return db_; }
  [[nodiscard]] const NodeCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t open_connections() const { return connections_.size(); }

 private:
  struct Connection {
    Component component = Component::sip;
    bool close_sent = false;  // a CloseConnection for it went out (engine's or node's)
    bool detached = false;    // its service stopped: the engine that had it is gone
  };

  static NodeConfig validated(NodeConfig config);
  void set_running(Time now, Service service, bool run, const std::string& reason);
  void collect_events();  // moves every sub-engine event into events_, in engine order
  void push_service_event(Time now, Service service, bool running, const std::string& reason);
  void detach(Component component);    // its service stopped
  void note_close(ConnectionId conn);  // a CloseConnection is being handed out
  [[nodiscard]] bool tftp_port(std::uint16_t port) const;

  NodeConfig config_;
  const provisioning::Database& db_;
  Random& random_;
  std::shared_ptr<provisioning::ConfigFiles> files_;
  DatabaseDirectory directory_;
  Registrar registrar_;
  std::optional<tftp::Server> tftp_;
  std::optional<http::Server> http_;
  bool up_ = true;
  bool call_manager_active_ = true;
  bool tftp_active_ = true;

  std::unordered_map<ConnectionId, Connection> connections_;
  std::deque<NodeOutput> outputs_;  // the node's own closes
  std::deque<NodeEvent> events_;    // service changes, and events saved from stopped engines
  NodeCounters counters_;
};

}  // namespace voicelab::cucm
