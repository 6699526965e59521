#pragma once
// Private to the host stack (host.cpp, host_tcp.cpp): the state behind voicelab::netsim::Host.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/random.hpp"
#include "voicelab/netsim/scheduler.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/tcp.hpp"

namespace voicelab::netsim::detail {

// Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4).
inline std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}
inline bool seq_lt(std::uint32_t a, std::uint32_t b) { return seq_diff(a, b) < 0; }
inline bool seq_leq(std::uint32_t a, std::uint32_t b) { return seq_diff(a, b) <= 0; }
inline bool seq_gt(std::uint32_t a, std::uint32_t b) { return seq_diff(a, b) > 0; }
inline bool seq_geq(std::uint32_t a, std::uint32_t b) { return seq_diff(a, b) >= 0; }

// A growable FIFO of bytes (power-of-two capacity); memory is kept once grown.
class ByteRing {
 public:
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  void push(wire::Bytes data);
  void pop(std::size_t n);
  // The bytes [offset, offset + n) as one or two spans (the second is empty unless it wraps).
  [[nodiscard]] std::pair<wire::Bytes, wire::Bytes> view(std::size_t offset, std::size_t n) const;
  void clear() { head_ = size_ = 0; }

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

class HostImpl;

class HostPort final : public Port {
 public:
  HostPort(HostImpl& host, std::size_t index, wire::MacAddress mac, std::string name)
      : Port(std::move(name)), host_(host), index_(index), mac_(mac) {}
  void on_frame(const FrameRef& frame) override;
  void on_carrier(bool up) override;
  [[nodiscard]] wire::MacAddress mac() const { return mac_; }

 private:
  HostImpl& host_;
  std::size_t index_;
  wire::MacAddress mac_;
};

struct Interface {
  std::size_t port = 0;
  std::optional<wire::VlanTag> vlan;
  std::optional<wire::Ipv4Prefix> address;
  std::uint16_t mtu = 1500;

  [[nodiscard]] std::uint16_t vid() const { return vlan ? vlan->vid : 0; }
  [[nodiscard]] wire::Ipv4Address ip() const {
    return address ? address->address : wire::Ipv4Address::any();
  }
};

struct Route {
  InterfaceId interface = 0;
  wire::Ipv4Address next_hop;  // meaningless when broadcast
  bool broadcast = false;      // send to ff:ff:ff:ff:ff:ff
  wire::Ipv4Address source;    // the interface's address (0.0.0.0 when unconfigured)
};

struct ArpEntry {
  enum class State : std::uint8_t { incomplete, reachable, probing };
  State state = State::incomplete;
  wire::MacAddress mac;
  Time expires{0};
  int requests = 0;
  std::vector<FrameRef> pending;  // oldest first
  EventId timer;
};

struct UdpSock {
  std::uint64_t id = 0;
  bool open = false;
  wire::Ipv4Address local;
  std::uint16_t port = 0;
  std::uint8_t dscp = 0;
  UdpReceiveHandler handler;
};

struct Listener {
  std::uint64_t id = 0;
  std::uint32_t slot = 0;
  bool open = false;
  std::uint16_t port = 0;
  std::uint8_t dscp = 0;
  std::size_t half_open = 0;
  TcpAcceptHandler on_accept;
};

struct ConnKey {
  std::uint32_t local_ip = 0, remote_ip = 0;
  std::uint16_t local_port = 0, remote_port = 0;
  friend bool operator==(const ConnKey&, const ConnKey&) = default;
};
struct ConnKeyHash {
  std::size_t operator()(const ConnKey& k) const noexcept {
    std::uint64_t h = (std::uint64_t{k.local_ip} << 32) ^ k.remote_ip;
    h ^= (std::uint64_t{k.local_port} << 16 | k.remote_port) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    return static_cast<std::size_t>(h * 0xbf58476d1ce4e5b9ULL);
  }
};

// One TCP control block (RFC 9293 3.3.1 names).
struct TcpConn {
  std::uint64_t id = 0;
  std::uint32_t slot = 0;
  TcpState state = TcpState::closed;
  SocketAddress local, remote;
  std::uint8_t dscp = 0;
  TcpHandlers handlers;

  // Ownership and notification.
  bool passive = false;  // created by a listener
  std::uint32_t listener_slot = 0;
  std::uint64_t listener_id = 0;
  bool user_attached = false;    // the user holds a handle (connect() or accept)
  bool notify_queued = false;    // on_closed is queued
  bool user_released = false;    // on_closed has returned: handles are stale
  bool dead = false;             // queued for destruction
  bool counts_port = false;      // holds a reference in HostImpl::tcp_port_refs_
  bool we_closed_first = false;  // close() before the peer's FIN
  TcpCloseReason close_reason = TcpCloseReason::closed;

  // Send side.
  std::uint32_t iss = 0, snd_una = 0, snd_nxt = 0, snd_max = 0;
  std::uint32_t snd_wnd = 0, snd_wl1 = 0, snd_wl2 = 0;
  ByteRing send_buffer;       // bytes from buf_seq on (unacknowledged + unsent)
  std::uint32_t buf_seq = 0;  // sequence number of send_buffer's first byte
  bool fin_queued = false;    // close(): send FIN after the buffer
  bool fin_sent = false;
  std::uint32_t fin_seq = 0;
  std::uint32_t own_mss = 1460, mss = 536;  // mss = min(own, peer's)
  bool ack_pending = false;

  // Congestion control (Reno with NewReno partial acks, RFC 5681 / 6582).
  std::uint32_t cwnd = 0, ssthresh = 0xffffffffU;
  int dupacks = 0;
  bool in_recovery = false;
  std::uint32_t recover = 0;

  // RTT and retransmission (RFC 6298, Karn).
  bool rtt_timing = false;
  std::uint32_t rtt_seq = 0;
  Time rtt_start{0};
  bool have_rtt = false;
  Duration srtt{0}, rttvar{0}, rto{0};
  int retries = 0;  // consecutive expirations for the same snd_una
  EventId rtx_timer;
  EventId state_timer;  // TIME_WAIT, FIN_WAIT_2

  // Receive side.
  std::uint32_t irs = 0, rcv_nxt = 0;
  std::uint64_t rcv_offset = 0;          // stream offset of rcv_nxt (data bytes delivered)
  std::vector<std::uint8_t> ooo_buffer;  // reassembly ring, allocated on first need
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ooo_ranges;  // sorted [begin, end)
  bool ooo_fin = false;
  std::uint64_t ooo_fin_offset = 0;

  TcpStats stats;
};

// What a TCP segment to emit looks like (built from a connection or for a bare RST).
struct TcpOut {
  SocketAddress local, remote;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::optional<std::uint16_t> mss;
  std::uint8_t dscp = 0;
  wire::Bytes data1, data2;  // payload, possibly in two pieces
};

class HostImpl {
 public:
  HostImpl(Simulation& sim, std::string name, HostConfig config);
  ~HostImpl();

  // --- configuration (Host forwards here) ---
  Simulation& sim_;
  std::string name_;
  HostConfig config_;
  Random random_;
  std::vector<std::unique_ptr<HostPort>> ports_;
  std::vector<Interface> interfaces_;
  std::optional<wire::Ipv4Address> gateway_;
  bool forwarding_ = false;
  bool up_ = true;
  L2FrameHandler l2_handler_;
  FrameTraceHandler trace_;
  CarrierHandler carrier_handler_;
  HostCounters counters_;

  void set_up(bool up);
  void check_interface(InterfaceId id) const;
  void flush_arp_interface(InterfaceId id);

  // --- L2 / L3 ---
  void receive(std::size_t port, const FrameRef& frame);
  void carrier(std::size_t port, bool up);
  void transmit(std::size_t port, FrameRef frame);
  std::optional<InterfaceId> find_interface(std::size_t port, std::uint16_t vid) const;
  [[nodiscard]] bool is_own_address(wire::Ipv4Address ip) const;
  std::optional<Route> route(wire::Ipv4Address dst, std::optional<InterfaceId> forced) const;
  [[nodiscard]] std::size_t l2_header_size(InterfaceId id) const;
  // Writes the Ethernet (+ tag) and IPv4 headers in front of `transport_length` bytes already
  // written at offset l2_header_size + 20, then sends (through ARP if needed).
  void send_ipv4(FrameRef frame, const Route& route, wire::Ipv4Address src, wire::Ipv4Address dst,
                 std::uint8_t protocol, std::uint8_t dscp, bool dont_fragment,
                 std::size_t transport_length, std::optional<wire::MacAddress> next_hop_mac = {});
  // Sends an encoded frame (dst MAC patched here) to `route`.
  void deliver_frame(FrameRef frame, std::size_t length, const Route& route,
                     std::optional<wire::MacAddress> next_hop_mac);
  void receive_ipv4(InterfaceId iface, const FrameRef& frame, wire::Bytes packet,
                    bool l2_broadcast);
  void forward_ipv4(const wire::Ipv4Packet& packet, wire::Bytes raw);

  // --- ARP ---
  std::unordered_map<std::uint64_t, ArpEntry> arp_;
  static std::uint64_t arp_key(InterfaceId id, wire::Ipv4Address ip) {
    return (std::uint64_t{id} << 32) | ip.to_u32();
  }
  void receive_arp(InterfaceId iface, wire::Bytes payload);
  void arp_output(InterfaceId iface, wire::Ipv4Address next_hop, FrameRef frame);
  void arp_send(InterfaceId iface, std::uint16_t op, wire::MacAddress dst_mac,
                wire::MacAddress target_mac, wire::Ipv4Address target_ip);
  void arp_arm(std::uint64_t key, ArpEntry& entry);
  void arp_timer(std::uint64_t key);
  void arp_resolved(std::uint64_t key, ArpEntry& entry, wire::MacAddress mac);
  void arp_clear();

  // --- UDP ---
  std::vector<std::unique_ptr<UdpSock>> udp_;
  std::vector<std::uint32_t> udp_free_;
  std::unordered_map<std::uint16_t, std::vector<std::uint32_t>> udp_ports_;
  std::uint16_t udp_next_ephemeral_ = 49152;
  UdpSock* udp_get(std::uint32_t slot, std::uint64_t id) const;
  wire::Result<UdpSocket> udp_bind(std::uint16_t port, UdpReceiveHandler handler,
                                   wire::Ipv4Address local);
  void udp_close(UdpSock& sock);
  std::error_code udp_send(UdpSock& sock, SocketAddress dst, wire::Bytes payload,
                           const UdpSendOptions& options);
  void receive_udp(InterfaceId iface, const wire::Ipv4Packet& packet);

  // --- TCP (host_tcp.cpp) ---
  std::vector<std::unique_ptr<TcpConn>> conns_;
  std::vector<std::uint32_t> conn_free_;
  std::unordered_map<ConnKey, std::uint32_t, ConnKeyHash> demux_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::uint32_t> listener_free_;
  std::unordered_map<std::uint16_t, std::uint32_t> listen_ports_;
  std::unordered_map<std::uint16_t, std::uint32_t> tcp_port_refs_;  // active-open local ports
  std::uint16_t tcp_next_ephemeral_ = 49152;
  std::vector<std::uint32_t> notify_queue_;
  EventId flush_event_;

  TcpConn* conn_get(std::uint32_t slot, std::uint64_t id) const;  // user-visible only
  Listener* listener_get(std::uint32_t slot, std::uint64_t id) const;
  wire::Result<TcpListener> tcp_listen(std::uint16_t port, TcpAcceptHandler on_accept);
  void listener_close(Listener& listener);
  wire::Result<TcpConnection> tcp_connect(SocketAddress remote, TcpHandlers handlers,
                                          const TcpConnectOptions& options);
  std::error_code tcp_send(TcpConn& c, wire::Bytes data);
  void tcp_close(TcpConn& c);
  void tcp_abort(TcpConn& c);
  TcpConnection handle(const TcpConn& c) { return TcpConnection(this, c.slot, c.id); }

  TcpConn& conn_create();
  void receive_tcp(InterfaceId iface, const wire::Ipv4Packet& packet);
  void tcp_listen_input(InterfaceId iface, Listener& listener, const wire::Ipv4Header& ip,
                        const wire::TcpSegment& seg);
  void tcp_syn_sent_input(TcpConn& c, const wire::TcpSegment& seg);
  void tcp_input(TcpConn& c, const wire::TcpSegment& seg);
  bool tcp_ack_input(TcpConn& c, const wire::TcpSegment& seg);
  void tcp_send_rst(const TcpConn& c, std::uint32_t seq, bool with_ack);
  void tcp_data_input(TcpConn& c, std::uint32_t seq, wire::Bytes data, bool fin);
  void tcp_fin_input(TcpConn& c);
  void tcp_deliver(TcpConn& c, wire::Bytes data);
  void tcp_output(TcpConn& c);
  void tcp_send_segment(TcpConn& c, std::uint32_t seq, std::size_t length, std::uint8_t flags);
  // Sends what starts at `seq` (up to max_data bytes, and the FIN if it follows); returns the
  // sequence space used (0: nothing to send there).
  std::uint32_t tcp_transmit(TcpConn& c, std::uint32_t seq, std::uint32_t max_data);
  void tcp_drain_reassembly(TcpConn& c);
  void tcp_store_out_of_order(TcpConn& c, std::uint64_t offset, wire::Bytes data);
  void tcp_send_syn(TcpConn& c);
  void tcp_send_ack(TcpConn& c);
  void tcp_send_rst_for(const wire::Ipv4Header& ip, const wire::TcpSegment& seg);
  void tcp_emit(const TcpOut& out);
  void tcp_rtt_sample(TcpConn& c, Duration sample);
  void tcp_arm_rtx(TcpConn& c);
  void tcp_restart_rtx(TcpConn& c);
  void tcp_stop_rtx(TcpConn& c);
  void tcp_rtx_timeout(TcpConn& c);
  void tcp_state_timeout(TcpConn& c);
  void tcp_enter_time_wait(TcpConn& c);
  void tcp_established(TcpConn& c);
  // The TCB is closed (unless in TIME_WAIT); queue on_closed(reason) if the user holds a handle.
  void tcp_finish(TcpConn& c, TcpCloseReason reason);
  void tcp_notify(TcpConn& c, TcpCloseReason reason);
  void tcp_unlink(TcpConn& c);
  void tcp_maybe_reap(TcpConn& c);
  void tcp_flush();
  void tcp_clear();
  std::uint16_t window_to_advertise(const TcpConn& c) const;
  std::uint16_t own_mss(InterfaceId iface) const;

  // --- object lifetime: nothing is destroyed while a handler may be running ---
  int depth_ = 0;
  bool garbage_ = false;
  struct Guard {
    explicit Guard(HostImpl& h) : host(h) { ++host.depth_; }
    ~Guard() {
      if (--host.depth_ == 0 && host.garbage_) host.collect();
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    HostImpl& host;
  };
  void collect();
  std::vector<std::uint32_t> udp_dead_, listener_dead_, conn_dead_;
  std::vector<UdpReceiveHandler> old_udp_handlers_;  // replaced while possibly running
  std::vector<TcpHandlers> old_tcp_handlers_;
  void maybe_collect() {
    if (depth_ == 0 && garbage_) collect();
  }

  std::uint64_t next_id_ = 1;
  std::uint16_t ip_id_ = 0;
  std::vector<std::uint8_t> scratch_;  // linearizes a wrapped TCP payload (grown on first use)
};

}  // namespace voicelab::netsim::detail
