#pragma once
// A simulated host: Ethernet ports, L3 interfaces (optionally 802.1Q-tagged), ARP, IPv4 with
// optional forwarding (a router host), UDP sockets and a small but honest TCP.
//
// Model and rules
// - A Host has one or more ports (`Port`s with their own MAC, connected with Simulation::connect
//   or to a switch) and L3 interfaces: (port, optional 802.1Q tag, optional IPv4 address/prefix).
//   An interface without an address is "unconfigured" (0.0.0.0, a DHCP client): it sends
//   broadcasts from 0.0.0.0 and accepts every IPv4 packet addressed to its MAC or to a broadcast.
//   Tag and address can change at run time (CDP moves a phone to the voice VLAN, DHCP assigns its
//   address).
// - Weak host model: a packet for any of the host's addresses is accepted on any interface.
//   Also accepted: 255.255.255.255 and the receiving interface's directed broadcast. Anything else
//   is forwarded when forwarding is on (TTL decremented, header checksum recomputed, TTL reaching
//   0 is dropped), otherwise dropped and counted. Fragments are dropped and counted.
//   There is no ICMP: an expired TTL or an unreachable port is a silent drop (counted), so a
//   peer only ever sees timeouts or TCP RSTs. There is no loopback and no IP fragmentation.
// - Routing for sends: 255.255.255.255 leaves through the interface given in the send options
//   (or the host's only interface); a destination in a connected subnet goes there directly
//   (longest prefix, then lowest interface id); anything else goes to the default gateway.
//   Directed broadcasts of a connected subnet and 255.255.255.255 go to ff:ff:ff:ff:ff:ff without
//   ARP. Source address = the interface's address (0.0.0.0 when unconfigured).
// - Power: set_up(false) is a power cut. The host then receives and sends nothing; every socket,
//   listener and connection vanishes without a packet on the wire (no FIN, no RST), so peers see
//   timeouts. Connections still get on_closed(host_down) (deferred, see below) so their owners
//   can drop the handle. set_up(true) is a fresh boot: empty ARP cache, no sockets.
// - Randomness: each host draws from `sim.random().fork(fnv1a64(name))`, so hosts must have
//   distinct names and adding a host never changes the numbers another host sees. Used for TCP
//   initial sequence numbers and the first ephemeral port. Nothing reads a clock: all timing
//   comes from the simulation's scheduler.
//
// Handles and lifetimes
// - UdpSocket, TcpListener and TcpConnection are small copyable handles (host pointer, slot,
//   unique id). The Host owns the objects behind them. A handle goes stale when its object is
//   closed; every call on a stale or default-constructed handle is a harmless no-op (or returns
//   an error / empty value). The Host must outlive every use of its handles.
// - A TcpConnection handle is valid from connect() / the accept handler until on_closed has
//   returned. on_closed is called exactly once for every connection the user was given.
// - Re-entrancy: handlers may call anything on any handle (send, close, abort, connect, ...)
//   including on the connection being processed. API calls never invoke a handler synchronously:
//   on_closed is always delivered from a scheduler event at the current virtual time (so
//   abort() inside on_data is safe: the connection object lives until on_closed has returned).
//   on_connected, on_data and on_peer_fin run while a received segment is processed.
//
// TCP (RFC 9293): the full state machine (SYN-SENT ... TIME-WAIT, simultaneous open and close),
// MSS option (interface MTU - 40) and segmentation to min(own, peer's MSS), RFC 6298 RTO with
// Karn's rule and exponential backoff, go-back-N from snd_una after a timeout, Reno congestion
// control (slow start, congestion avoidance, 1 MSS after a timeout) with fast retransmit on 3
// duplicate ACKs, NewReno partial ACKs (RFC 6582) and limited transmit (RFC 3042); reassembly of
// out-of-order data. RSTs: a SYN to a closed port gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>,
// any other segment without a connection <SEQ=SEG.ACK><RST>; an RST is accepted when its
// sequence number is in the window (RFC 793 rule, not RFC 5961's exact match), a SYN on a
// synchronized connection gets a challenge ACK. Simplifications: every segment carrying data or
// a FIN is acknowledged at once (no delayed ACK); in-order data goes straight to on_data, so the
// receive buffer is always free and the advertised window is TcpConfig::receive_window (there
// is no application-side flow control); no SACK, timestamps, window scaling, urgent data,
// keep-alive or Nagle; data on a SYN is dropped (the peer sends it again).
//
// Hot path: UDP send/receive allocate nothing after warm-up (frames come from the simulation's
// FramePool and are encoded in place; handlers get views into the frame). Neither does TCP in
// steady state: each connection keeps a send ring (grown to the largest backlog, then reused)
// and, only once data arrives out of order, a reassembly ring of receive_window bytes.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "voicelab/netsim/frame.hpp"
#include "voicelab/netsim/link.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/result.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::netsim {

class Simulation;
class Host;
namespace detail {
class HostImpl;
}

// Index of an L3 interface of a host (0, 1, ... in the order add_interface() was called).
using InterfaceId = std::uint32_t;

struct SocketAddress {
  wire::Ipv4Address ip;
  std::uint16_t port = 0;
  friend constexpr bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

struct ArpConfig {
  Duration cache_timeout = 60s;  // a resolved entry is re-confirmed (unicast probe) after this
  Duration retry_interval = 1s;  // between requests for one neighbour
  int max_requests = 3;          // requests before giving up (queued packets are then dropped)
  std::size_t max_pending = 3;   // packets queued per unresolved neighbour; the oldest is dropped
};

// TCP parameters. Defaults follow RFC 6298 and Linux where noted.
struct TcpConfig {
  Duration initial_rto = 1s;  // RFC 6298 (also Linux's TCP_TIMEOUT_INIT)
  Duration min_rto = 200ms;   // Linux TCP_RTO_MIN (RFC 6298 says 1 s)
  Duration max_rto = 60s;     // RFC 6298 upper bound (Linux: 120 s)
  // Retransmissions of one segment before the connection is dropped with on_closed(timed_out)
  // (no RST is sent). Linux: tcp_retries2 = 15.
  int max_retransmissions = 8;
  // SYN retransmissions before on_closed(connect_timeout): SYN at 0, 1, 3, 7, 15, 31 s, fail at
  // 63 s with the default 5 and initial_rto 1 s. Linux: tcp_syn_retries = 6 (fail at 127 s).
  // Also bounds SYN-ACK retransmissions of a passive open (Linux tcp_synack_retries = 5).
  int max_syn_retransmissions = 5;
  Duration msl = 30s;                    // TIME_WAIT lasts 2 * msl (Linux: 60 s in total)
  Duration fin_wait_2_timeout = 60s;     // after close(), waiting for the peer's FIN (Linux 60 s)
  std::uint32_t receive_window = 65535;  // advertised window; no window scaling (max 65535)
  std::size_t send_buffer_limit = 16 * 1024 * 1024;  // send() beyond this fails (no_buffer_space)
  std::uint32_t initial_cwnd_segments = 10;          // RFC 6928 / Linux IW10
  std::size_t max_half_open = 256;                   // SYN_RCVD connections per listener
  std::uint16_t mss = 0;                             // 0: interface MTU - 40 (1460)
};

struct HostConfig {
  ArpConfig arp;
  TcpConfig tcp;
  std::uint8_t ttl = 64;
};

// Debugging counters; drops are split by reason.
struct HostCounters {
  // L2
  std::uint64_t frames_in = 0, frames_out = 0;
  std::uint64_t drop_down = 0;          // frames received or sends attempted while powered off
  std::uint64_t drop_bad_frame = 0;     // Ethernet decode failed
  std::uint64_t drop_not_our_mac = 0;   // unicast for another MAC, or unhandled multicast
  std::uint64_t drop_no_interface = 0;  // no interface for the port/VLAN, nor an L2 handler
  std::uint64_t drop_unknown_type = 0;  // EtherType not ARP/IPv4 and no L2 handler
  std::uint64_t l2_delivered = 0;       // frames handed to the L2 handler
  // ARP
  std::uint64_t arp_requests_in = 0, arp_replies_in = 0;
  std::uint64_t arp_requests_out = 0, arp_replies_out = 0;
  std::uint64_t drop_arp_bad = 0;         // undecodable ARP
  std::uint64_t drop_arp_queue_full = 0;  // oldest queued packet pushed out
  std::uint64_t drop_arp_failed = 0;      // queued packets dropped after the last request
  // IPv4
  std::uint64_t ip_in = 0, ip_out = 0, ip_forwarded = 0;
  std::uint64_t drop_ip_bad = 0;  // undecodable, bad header checksum
  std::uint64_t drop_ip_fragment = 0;
  std::uint64_t drop_ip_not_for_us = 0;  // not ours and forwarding off (or not forwardable)
  std::uint64_t drop_ttl_expired = 0;
  std::uint64_t drop_no_route = 0;
  std::uint64_t drop_too_big = 0;  // does not fit the egress MTU (no fragmentation)
  std::uint64_t drop_unknown_protocol = 0;
  // UDP
  std::uint64_t udp_in = 0, udp_out = 0;
  std::uint64_t drop_udp_bad = 0;
  std::uint64_t drop_udp_no_port = 0;  // port unreachable (no ICMP is sent)
  // TCP
  std::uint64_t tcp_in = 0, tcp_out = 0;
  std::uint64_t drop_tcp_bad = 0;
  std::uint64_t tcp_rst_out = 0, tcp_rst_in = 0;
  std::uint64_t tcp_retransmits = 0;  // segments sent again (timeout or fast retransmit)
  std::uint64_t tcp_timeouts = 0;     // retransmission timer expirations
  std::uint64_t tcp_fast_retransmits = 0;
  std::uint64_t tcp_dropped_segments = 0;  // unacceptable / out of window / no listener, etc.
  std::uint64_t tcp_out_of_order = 0;      // segments stored for reassembly
  std::uint64_t tcp_duplicate = 0;         // segments that carried only already-received data
};

// ---------------------------------------------------------------------------------------------
// UDP

struct UdpReceiveInfo {
  SocketAddress source;
  wire::Ipv4Address destination;  // our address, 255.255.255.255 or a directed broadcast
  std::uint16_t destination_port = 0;
  InterfaceId interface_id = 0;  // where the datagram arrived
};

// Called for every datagram; `payload` is a view into the frame, valid during the call.
using UdpReceiveHandler = std::function<void(const UdpReceiveInfo& info, wire::Bytes payload)>;

struct UdpSendOptions {
  // Interface to send through; required for 255.255.255.255 when the host has several
  // interfaces (DHCP). For a unicast destination it forces the egress interface.
  std::optional<InterfaceId> interface_id{};
  // Sends straight to this MAC without ARP (a DHCP server answering a client that has no
  // address yet). Only with `interface_id`.
  std::optional<wire::MacAddress> next_hop_mac{};
};

class UdpSocket {
 public:
  UdpSocket() = default;

  // Sends one datagram. Errors: bad_file_descriptor (stale handle), network_down (host off),
  // network_unreachable (no route, or broadcast without interface), message_size (payload does
  // not fit in one frame: more than MTU - 28 bytes), invalid_argument (bad interface id).
  // A packet waiting for ARP counts as sent; if ARP fails it is dropped silently (counted).
  std::error_code send_to(SocketAddress destination, wire::Bytes payload,
                          const UdpSendOptions& options = {});
  void set_dscp(std::uint8_t dscp);  // DSCP of the datagrams this socket sends (0..63)
  void set_handler(UdpReceiveHandler handler);
  void close();  // the handle (and its copies) become stale

  [[nodiscard]] bool valid() const;
  [[nodiscard]] SocketAddress local() const;  // {} when stale

  friend bool operator==(const UdpSocket&, const UdpSocket&) = default;

 private:
  friend class detail::HostImpl;
  UdpSocket(detail::HostImpl* host, std::uint32_t slot, std::uint64_t id)
      : host_(host), slot_(slot), id_(id) {}
  detail::HostImpl* host_ = nullptr;
  std::uint32_t slot_ = 0;
  std::uint64_t id_ = 0;
};

// ---------------------------------------------------------------------------------------------
// TCP

enum class TcpState : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};
std::string_view to_string(TcpState state);

enum class TcpCloseReason : std::uint8_t {
  closed,           // graceful close that we started (our FIN first, or simultaneous close)
  peer_closed,      // graceful close that the peer started (its FIN came before our close())
  reset_by_peer,    // RST received on a synchronized connection
  timed_out,        // retransmissions exhausted (or FIN_WAIT_2 timeout); no RST was sent
  aborted,          // abort() here (RST sent when synchronized), or close() while connecting
  connect_refused,  // RST answering our SYN (closed port)
  connect_timeout,  // SYN retransmissions exhausted (host down, unreachable)
  host_down,        // this host was powered off
};
std::string_view to_string(TcpCloseReason reason);

class TcpConnection;

struct TcpHandlers {
  // Active open: the handshake completed. (Not called for accepted connections.)
  std::function<void(TcpConnection)> on_connected{};
  // In-order bytes from the peer; a view valid during the call.
  std::function<void(TcpConnection, wire::Bytes)> on_data{};
  // The peer sent FIN (it will send no more). If unset, the connection calls close() itself
  // (after sending what is buffered); if set, the handler decides (it may keep sending).
  std::function<void(TcpConnection)> on_peer_fin{};
  // The last call for this connection; the handle goes stale after it returns.
  std::function<void(TcpConnection, TcpCloseReason)> on_closed{};
};

struct TcpStats {
  Duration srtt{0}, rttvar{0}, rto{0};
  std::uint32_t cwnd = 0, ssthresh = 0, snd_wnd = 0, mss = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;  // payload, first transmissions / delivered
  std::uint64_t retransmits = 0;
};

class TcpConnection {
 public:
  TcpConnection() = default;

  // Queues bytes for sending (copied). Errors: bad_file_descriptor (stale), not_connected
  // (closing or closed: close() was called or the connection is gone), no_buffer_space
  // (TcpConfig::send_buffer_limit would be exceeded; nothing is queued).
  // Allowed in SYN_SENT (sent once established).
  std::error_code send(wire::Bytes data);
  // Graceful close: FIN after everything queued has been sent. Data from the peer still arrives
  // until its FIN. on_closed(closed | peer_closed) once both directions are finished.
  void close();
  // Sends RST (when synchronized) and drops everything. on_closed(aborted) follows (deferred).
  void abort();
  void set_handlers(TcpHandlers handlers);  // for accepted connections (in the accept handler)
  void set_dscp(std::uint8_t dscp);

  [[nodiscard]] bool valid() const;
  [[nodiscard]] TcpState state() const;  // closed when stale
  [[nodiscard]] SocketAddress local() const;
  [[nodiscard]] SocketAddress remote() const;
  [[nodiscard]] std::size_t send_queued() const;  // bytes not yet acknowledged by the peer
  [[nodiscard]] TcpStats stats() const;

  friend bool operator==(const TcpConnection&, const TcpConnection&) = default;

 private:
  friend class detail::HostImpl;
  TcpConnection(detail::HostImpl* host, std::uint32_t slot, std::uint64_t id)
      : host_(host), slot_(slot), id_(id) {}
  detail::HostImpl* host_ = nullptr;
  std::uint32_t slot_ = 0;
  std::uint64_t id_ = 0;
};

// A new connection completed its handshake. Call conn.set_handlers() here (without handlers
// incoming data is discarded and a peer FIN closes the connection).
using TcpAcceptHandler = std::function<void(TcpConnection)>;

class TcpListener {
 public:
  TcpListener() = default;
  // Stops accepting: half-open (SYN-RECEIVED) connections are reset, established ones are not
  // affected.
  void close();
  void set_dscp(std::uint8_t dscp);  // inherited by accepted connections
  [[nodiscard]] bool valid() const;
  [[nodiscard]] SocketAddress local() const;
  friend bool operator==(const TcpListener&, const TcpListener&) = default;

 private:
  friend class detail::HostImpl;
  TcpListener(detail::HostImpl* host, std::uint32_t slot, std::uint64_t id)
      : host_(host), slot_(slot), id_(id) {}
  detail::HostImpl* host_ = nullptr;
  std::uint32_t slot_ = 0;
  std::uint64_t id_ = 0;
};

struct TcpConnectOptions {
  std::uint16_t local_port = 0;  // 0: ephemeral (49152..65535)
  std::uint8_t dscp = 0;
};

// ---------------------------------------------------------------------------------------------
// Host

// Frames that the IP stack does not consume (802.3/LLC frames such as CDP, LLDP, multicast MACs,
// unknown EtherTypes, VLANs without an interface) go to this handler when set.
using L2FrameHandler = std::function<void(std::size_t port, const FrameRef& frame)>;
// Observes every frame the host sends (tx = true) or receives (tx = false), for tests and traces.
using FrameTraceHandler = std::function<void(bool tx, std::size_t port, wire::Bytes frame)>;
using CarrierHandler = std::function<void(std::size_t port, bool up)>;

// A host on a simulation. Destroy hosts before their Simulation (they hold frames and events);
// the Host owns its ports, which detach from their links when destroyed.
class Host {
 public:
  // `name` must be unique in the simulation (it seeds the host's random stream).
  Host(Simulation& sim, std::string name, HostConfig config = {});
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  [[nodiscard]] const std::string& name() const;
  [[nodiscard]] Simulation& simulation() const;
  [[nodiscard]] const HostConfig& config() const;

  // --- ports and interfaces (configuration) ---
  // Adds a port named `<host>:<port_name>` (default eth0, eth1, ...). Returns its index.
  std::size_t add_port(wire::MacAddress mac, std::string port_name = {});
  [[nodiscard]] Port& port(std::size_t index);
  [[nodiscard]] std::size_t port_count() const;
  [[nodiscard]] wire::MacAddress mac(std::size_t port) const;

  // An L3 interface on `port`, untagged (no `vlan`) or 802.1Q-tagged. The tag's priority is the
  // PCP of every frame sent through it. `address` unset = unconfigured (0.0.0.0).
  // Throws std::invalid_argument for a bad port or a (port, VLAN) pair that already exists.
  InterfaceId add_interface(std::size_t port, std::optional<wire::VlanTag> vlan = {},
                            std::optional<wire::Ipv4Prefix> address = {});
  void set_interface_vlan(InterfaceId id, std::optional<wire::VlanTag> vlan);
  void set_interface_address(InterfaceId id, std::optional<wire::Ipv4Prefix> address);
  void set_interface_mtu(InterfaceId id, std::uint16_t mtu);  // default 1500
  [[nodiscard]] std::size_t interface_count() const;
  [[nodiscard]] std::optional<wire::Ipv4Prefix> interface_address(InterfaceId id) const;
  [[nodiscard]] std::optional<wire::VlanTag> interface_vlan(InterfaceId id) const;
  [[nodiscard]] std::size_t interface_port(InterfaceId id) const;

  void set_default_gateway(std::optional<wire::Ipv4Address> gateway);
  [[nodiscard]] std::optional<wire::Ipv4Address> default_gateway() const;
  void set_forwarding(bool on);

  // Power. Off: see the header comment. On: a fresh boot.
  void set_up(bool up);
  [[nodiscard]] bool up() const;

  // --- L2 access for non-IP protocols (CDP, LLDP) ---
  void set_l2_handler(L2FrameHandler handler);
  // Sends a complete frame out of a port (dropped and counted while powered off).
  void send_frame(std::size_t port, FrameRef frame);
  void set_carrier_handler(CarrierHandler handler);
  void set_trace(FrameTraceHandler handler);

  // --- ARP ---
  [[nodiscard]] std::optional<wire::MacAddress> arp_lookup(InterfaceId id,
                                                           wire::Ipv4Address ip) const;
  [[nodiscard]] std::size_t arp_cache_size() const;  // entries, resolved or not

  // --- sockets ---
  // Binds a UDP socket to (`local` or any, `port`; 0 = ephemeral). Errors: address_in_use,
  // network_down (host off).
  wire::Result<UdpSocket> udp_bind(std::uint16_t port, UdpReceiveHandler handler,
                                   wire::Ipv4Address local = wire::Ipv4Address::any());
  // Listens on `port` (any local address). Errors: address_in_use, network_down,
  // invalid_argument (port 0).
  wire::Result<TcpListener> tcp_listen(std::uint16_t port, TcpAcceptHandler on_accept);
  // Starts an active open (the SYN leaves now, or once ARP resolves). Errors: network_down,
  // network_unreachable (no route now, or the egress interface has no address),
  // address_in_use (local_port taken / no ephemeral port left), invalid_argument (port 0, or
  // a 0.0.0.0 / broadcast / multicast destination). Handlers are never called from inside this
  // call; failures after it arrive as on_closed(connect_refused | connect_timeout).
  wire::Result<TcpConnection> tcp_connect(SocketAddress remote, TcpHandlers handlers,
                                          const TcpConnectOptions& options = {});
  [[nodiscard]] std::size_t tcp_connection_count() const;  // TCBs, including TIME_WAIT

  [[nodiscard]] const HostCounters& counters() const;

 private:
  std::unique_ptr<detail::HostImpl> impl_;
};

}  // namespace voicelab::netsim
