// The host's TCP (RFC 9293): state machine, retransmission (RFC 6298, Karn), Reno congestion
// control with NewReno partial acks (RFC 5681, 6582), reassembly of out-of-order segments.
//
// Simplifications (documented in host.hpp where user-visible):
// - every segment that carries data or a FIN is acknowledged at once (no delayed ACK);
// - received in-order data goes straight to on_data, so the receive buffer is always free and
//   the advertised window is TcpConfig::receive_window; out-of-order data is held in a
//   reassembly ring of that size (allocated on first need);
// - no SACK, timestamps, window scaling, urgent data, keep-alive or Nagle;
// - after a retransmission timeout, go-back-N from snd_una (snd_nxt is pulled back).

#include <algorithm>
#include <cstring>

#include "host_internal.hpp"
#include "voicelab/netsim/host.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/tcp.hpp"

namespace voicelab::netsim {

namespace {

std::error_code make_error(std::errc e) { return std::make_error_code(e); }

constexpr std::uint8_t kFin = wire::tcp_flag::fin;
constexpr std::uint8_t kSyn = wire::tcp_flag::syn;
constexpr std::uint8_t kRst = wire::tcp_flag::rst;
constexpr std::uint8_t kPsh = wire::tcp_flag::psh;
constexpr std::uint8_t kAck = wire::tcp_flag::ack;

constexpr std::uint32_t kDefaultPeerMss = 536;  // RFC 9293 3.7.1: no MSS option
constexpr Duration kClockGranularity = 1ms;     // "G" of RFC 6298

}  // namespace

std::string_view to_string(TcpState state) {
  switch (state) {
    case TcpState::closed:
      return "CLOSED";
    case TcpState::listen:
      return "LISTEN";
    case TcpState::syn_sent:
      return "SYN-SENT";
    case TcpState::syn_received:
      return "SYN-RECEIVED";
    case TcpState::established:
      return "ESTABLISHED";
    case TcpState::fin_wait_1:
      return "FIN-WAIT-1";
    case TcpState::fin_wait_2:
      return "FIN-WAIT-2";
    case TcpState::close_wait:
      return "CLOSE-WAIT";
    case TcpState::closing:
      return "CLOSING";
    case TcpState::last_ack:
      return "LAST-ACK";
    case TcpState::time_wait:
      return "TIME-WAIT";
  }
  return "?";
}

std::string_view to_string(TcpCloseReason reason) {
  switch (reason) {
    case TcpCloseReason::closed:
      return "closed";
    case TcpCloseReason::peer_closed:
      return "peer_closed";
    case TcpCloseReason::reset_by_peer:
      return "reset_by_peer";
    case TcpCloseReason::timed_out:
      return "timed_out";
    case TcpCloseReason::aborted:
      return "aborted";
    case TcpCloseReason::connect_refused:
      return "connect_refused";
    case TcpCloseReason::connect_timeout:
      return "connect_timeout";
    case TcpCloseReason::host_down:
      return "host_down";
  }
  return "?";
}

namespace detail {

namespace {
ConnKey key_of(const TcpConn& c) {
  return {c.local.ip.to_u32(), c.remote.ip.to_u32(), c.local.port, c.remote.port};
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// Objects and lookups

TcpConn* HostImpl::conn_get(std::uint32_t slot, std::uint64_t id) const {
  if (slot >= conns_.size() || !conns_[slot]) return nullptr;
  TcpConn* c = conns_[slot].get();
  if (c->id != id || !c->user_attached || c->user_released) return nullptr;
  return c;
}

Listener* HostImpl::listener_get(std::uint32_t slot, std::uint64_t id) const {
  if (slot >= listeners_.size() || !listeners_[slot]) return nullptr;
  Listener* l = listeners_[slot].get();
  return l->id == id && l->open ? l : nullptr;
}

TcpConn& HostImpl::conn_create() {
  std::uint32_t slot;
  if (!conn_free_.empty()) {
    slot = conn_free_.back();
    conn_free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(conns_.size());
    conns_.emplace_back();
  }
  conns_[slot] = std::make_unique<TcpConn>();
  TcpConn& c = *conns_[slot];
  c.id = next_id_++;
  c.slot = slot;
  c.rto = config_.tcp.initial_rto;
  return c;
}

std::uint16_t HostImpl::window_to_advertise(const TcpConn& /*c*/) const {
  return static_cast<std::uint16_t>(
      std::clamp<std::uint32_t>(config_.tcp.receive_window, 1, 65535));
}

std::uint16_t HostImpl::own_mss(InterfaceId iface) const {
  if (config_.tcp.mss != 0) return config_.tcp.mss;
  return static_cast<std::uint16_t>(interfaces_[iface].mtu - 40);
}

// ---------------------------------------------------------------------------------------------
// User calls

wire::Result<TcpListener> HostImpl::tcp_listen(std::uint16_t port, TcpAcceptHandler on_accept) {
  if (!up_) return make_error(std::errc::network_down);
  if (port == 0) return make_error(std::errc::invalid_argument);
  if (listen_ports_.count(port) != 0) return make_error(std::errc::address_in_use);
  std::uint32_t slot;
  if (!listener_free_.empty()) {
    slot = listener_free_.back();
    listener_free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(listeners_.size());
    listeners_.emplace_back();
  }
  auto l = std::make_unique<Listener>();
  l->id = next_id_++;
  l->slot = slot;
  l->open = true;
  l->port = port;
  l->on_accept = std::move(on_accept);
  const std::uint64_t id = l->id;
  listeners_[slot] = std::move(l);
  listen_ports_[port] = slot;
  return TcpListener(this, slot, id);
}

void HostImpl::listener_close(Listener& l) {
  if (!l.open) return;
  l.open = false;
  listen_ports_.erase(l.port);
  listener_dead_.push_back(l.slot);
  garbage_ = true;
  // Half-open connections die with their listener (Linux resets them too).
  for (auto& c : conns_) {
    if (c && c->state == TcpState::syn_received && c->passive && c->listener_id == l.id) {
      tcp_send_rst(*c, c->snd_max, true);
      tcp_finish(*c, TcpCloseReason::aborted);
    }
  }
}

wire::Result<TcpConnection> HostImpl::tcp_connect(SocketAddress remote, TcpHandlers handlers,
                                                  const TcpConnectOptions& options) {
  if (!up_) return make_error(std::errc::network_down);
  if (remote.port == 0 || remote.ip.is_any() || remote.ip.is_broadcast() ||
      remote.ip.is_multicast()) {
    return make_error(std::errc::invalid_argument);
  }
  auto r = route(remote.ip, std::nullopt);
  if (!r || r->broadcast || r->source.is_any()) {
    ++counters_.drop_no_route;
    return make_error(std::errc::network_unreachable);
  }
  std::uint16_t port = options.local_port;
  if (port != 0) {
    if (demux_.count(ConnKey{r->source.to_u32(), remote.ip.to_u32(), port, remote.port}) != 0) {
      return make_error(std::errc::address_in_use);
    }
  } else {
    for (int i = 0; i < 16384 && port == 0; ++i) {
      const std::uint16_t candidate = tcp_next_ephemeral_;
      tcp_next_ephemeral_ =
          candidate == 65535 ? std::uint16_t{49152} : static_cast<std::uint16_t>(candidate + 1);
      if (listen_ports_.count(candidate) == 0 && tcp_port_refs_.count(candidate) == 0) {
        port = candidate;
      }
    }
    if (port == 0) return make_error(std::errc::address_in_use);
  }
  TcpConn& c = conn_create();
  c.state = TcpState::syn_sent;
  c.local = {r->source, port};
  c.remote = remote;
  c.dscp = options.dscp & 0x3f;
  c.handlers = std::move(handlers);
  c.user_attached = true;
  c.counts_port = true;
  ++tcp_port_refs_[port];
  c.iss = static_cast<std::uint32_t>(random_.next());
  c.snd_una = c.iss;
  c.snd_nxt = c.snd_max = c.iss + 1;
  c.buf_seq = c.iss + 1;
  c.recover = c.iss;
  c.own_mss = own_mss(r->interface);
  c.mss = c.own_mss;
  demux_[key_of(c)] = c.slot;
  tcp_send_syn(c);
  c.rtt_timing = true;
  c.rtt_seq = c.iss + 1;
  c.rtt_start = sim_.now();
  tcp_arm_rtx(c);
  return handle(c);
}

std::error_code HostImpl::tcp_send(TcpConn& c, wire::Bytes data) {
  switch (c.state) {
    case TcpState::syn_sent:
    case TcpState::syn_received:
    case TcpState::established:
    case TcpState::close_wait:
      break;
    default:
      return make_error(std::errc::not_connected);
  }
  if (c.fin_queued) return make_error(std::errc::not_connected);
  if (c.send_buffer.size() + data.size() > config_.tcp.send_buffer_limit) {
    return make_error(std::errc::no_buffer_space);
  }
  c.send_buffer.push(data);
  if (c.state == TcpState::established || c.state == TcpState::close_wait) tcp_output(c);
  return {};
}

void HostImpl::tcp_close(TcpConn& c) {
  switch (c.state) {
    case TcpState::syn_sent:
      tcp_finish(c, TcpCloseReason::aborted);
      return;
    case TcpState::syn_received:  // simultaneous open, not yet established
      tcp_abort(c);
      return;
    case TcpState::established:
      c.fin_queued = true;
      c.we_closed_first = true;
      c.state = TcpState::fin_wait_1;
      tcp_output(c);
      return;
    case TcpState::close_wait:
      c.fin_queued = true;
      c.state = TcpState::last_ack;
      tcp_output(c);
      return;
    default:
      return;  // already closing
  }
}

void HostImpl::tcp_abort(TcpConn& c) {
  switch (c.state) {
    case TcpState::closed:
      return;
    case TcpState::syn_received:
    case TcpState::established:
    case TcpState::fin_wait_1:
    case TcpState::fin_wait_2:
    case TcpState::close_wait:
      tcp_send_rst(c, c.snd_max, true);
      break;
    default:
      break;
  }
  tcp_finish(c, TcpCloseReason::aborted);
}

// ---------------------------------------------------------------------------------------------
// Closing, notification, reaping

void HostImpl::tcp_unlink(TcpConn& c) {
  auto it = demux_.find(key_of(c));
  if (it != demux_.end() && it->second == c.slot) demux_.erase(it);
  tcp_stop_rtx(c);
  sim_.scheduler().cancel(c.state_timer);
  c.state_timer = EventId{};
  if (c.counts_port) {
    auto p = tcp_port_refs_.find(c.local.port);
    if (p != tcp_port_refs_.end() && --p->second == 0) tcp_port_refs_.erase(p);
    c.counts_port = false;
  }
  if (c.passive && c.state == TcpState::syn_received && c.listener_slot < listeners_.size()) {
    auto& l = listeners_[c.listener_slot];
    if (l && l->id == c.listener_id && l->half_open > 0) --l->half_open;
  }
}

void HostImpl::tcp_finish(TcpConn& c, TcpCloseReason reason) {
  if (c.state == TcpState::closed) return;
  const bool notified = c.state == TcpState::time_wait;  // told at entry to TIME_WAIT
  tcp_unlink(c);
  c.state = TcpState::closed;
  c.send_buffer.clear();
  if (!notified) tcp_notify(c, reason);
  tcp_maybe_reap(c);
}

void HostImpl::tcp_notify(TcpConn& c, TcpCloseReason reason) {
  if (!c.user_attached || c.notify_queued) return;
  c.notify_queued = true;
  c.close_reason = reason;
  notify_queue_.push_back(c.slot);
  if (!sim_.scheduler().pending(flush_event_)) {
    flush_event_ = sim_.scheduler().after(Duration{0}, [this] { tcp_flush(); });
  }
}

void HostImpl::tcp_flush() {
  Guard guard(*this);
  flush_event_ = EventId{};
  // Handlers may queue more notifications (e.g. abort another connection): index, not iterate.
  for (std::size_t i = 0; i < notify_queue_.size(); ++i) {
    TcpConn* c = conns_[notify_queue_[i]].get();
    if (c->handlers.on_closed) c->handlers.on_closed(handle(*c), c->close_reason);
    c->user_released = true;
    tcp_maybe_reap(*c);
  }
  notify_queue_.clear();
}

void HostImpl::tcp_maybe_reap(TcpConn& c) {
  if (c.state != TcpState::closed || c.dead) return;
  if (c.user_attached && !c.user_released) return;
  c.dead = true;
  conn_dead_.push_back(c.slot);
  garbage_ = true;
}

void HostImpl::tcp_clear() {
  for (auto& c : conns_) {
    if (c && c->state != TcpState::closed) tcp_finish(*c, TcpCloseReason::host_down);
  }
}

void HostImpl::tcp_enter_time_wait(TcpConn& c) {
  c.state = TcpState::time_wait;
  tcp_stop_rtx(c);
  sim_.scheduler().cancel(c.state_timer);
  c.state_timer = sim_.scheduler().after(2 * config_.tcp.msl, [this, conn = &c] {
    Guard guard(*this);
    conn->state_timer = EventId{};
    tcp_state_timeout(*conn);
  });
  tcp_notify(c, TcpCloseReason::closed);
}

void HostImpl::tcp_state_timeout(TcpConn& c) {
  if (c.state == TcpState::time_wait) {
    tcp_finish(c, TcpCloseReason::closed);
  } else if (c.state == TcpState::fin_wait_2) {
    tcp_finish(c, TcpCloseReason::timed_out);
  }
}

// ---------------------------------------------------------------------------------------------
// Timers

void HostImpl::tcp_arm_rtx(TcpConn& c) {
  auto& sched = sim_.scheduler();
  sched.cancel(c.rtx_timer);
  c.rtx_timer = sched.after(c.rto, [this, conn = &c] {
    Guard guard(*this);
    conn->rtx_timer = EventId{};
    tcp_rtx_timeout(*conn);
  });
}

void HostImpl::tcp_stop_rtx(TcpConn& c) {
  sim_.scheduler().cancel(c.rtx_timer);
  c.rtx_timer = EventId{};
}

void HostImpl::tcp_rtt_sample(TcpConn& c, Duration r) {
  if (!c.have_rtt) {
    c.srtt = r;
    c.rttvar = r / 2;
    c.have_rtt = true;
  } else {
    const Duration delta = c.srtt > r ? c.srtt - r : r - c.srtt;
    c.rttvar = (3 * c.rttvar + delta) / 4;
    c.srtt = (7 * c.srtt + r) / 8;
  }
  c.rto = std::clamp(c.srtt + std::max(kClockGranularity, 4 * c.rttvar), config_.tcp.min_rto,
                     config_.tcp.max_rto);
}

void HostImpl::tcp_rtx_timeout(TcpConn& c) {
  if (c.state == TcpState::closed) return;
  ++c.retries;
  ++counters_.tcp_timeouts;
  c.rtt_timing = false;  // Karn: never time a retransmitted segment
  if (c.state == TcpState::syn_sent || c.state == TcpState::syn_received) {
    if (c.retries > config_.tcp.max_syn_retransmissions) {
      tcp_finish(c, TcpCloseReason::connect_timeout);
      return;
    }
    c.rto = std::min(2 * c.rto, config_.tcp.max_rto);
    ++counters_.tcp_retransmits;
    ++c.stats.retransmits;
    tcp_send_syn(c);
    tcp_arm_rtx(c);
    return;
  }
  const std::uint32_t data_end = c.buf_seq + static_cast<std::uint32_t>(c.send_buffer.size());
  const bool fin_outstanding = c.fin_queued && (!c.fin_sent || seq_leq(c.snd_una, c.fin_seq));
  if (c.snd_una == c.snd_max && c.snd_una == data_end && !fin_outstanding) return;  // nothing
  if (c.retries > config_.tcp.max_retransmissions) {
    tcp_finish(c, TcpCloseReason::timed_out);  // silently: no RST
    return;
  }
  // RFC 5681 3.1 / RFC 6298 5.5-5.6: back off, collapse the window, resend from snd_una.
  const std::uint32_t flight = c.snd_max - c.snd_una;
  c.ssthresh = std::max(flight / 2, 2 * c.mss);
  c.cwnd = c.mss;
  c.dupacks = 0;
  c.in_recovery = false;
  c.recover = c.snd_max - 1;
  c.rto = std::min(2 * c.rto, config_.tcp.max_rto);
  c.snd_nxt = c.snd_una;
  // A zero window gets a one-byte probe; otherwise one segment.
  const std::uint32_t used = tcp_transmit(c, c.snd_una, c.snd_wnd == 0 ? 1 : c.mss);
  if (used != 0) {
    if (seq_lt(c.snd_una, c.snd_max)) {
      ++counters_.tcp_retransmits;
      ++c.stats.retransmits;
    }
    c.snd_nxt = c.snd_una + used;
    if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
  }
  tcp_arm_rtx(c);
  tcp_output(c);
}

// ---------------------------------------------------------------------------------------------
// Output

void HostImpl::tcp_emit(const TcpOut& out) {
  if (!up_) return;
  auto r = route(out.remote.ip, std::nullopt);
  if (!r || r->broadcast) {
    ++counters_.drop_no_route;
    return;
  }
  const std::size_t offset = l2_header_size(r->interface) + wire::Ipv4Header::min_size;
  wire::Bytes payload = out.data1;
  if (!out.data2.empty()) {
    scratch_.resize(out.data1.size() + out.data2.size());
    std::memcpy(scratch_.data(), out.data1.data(), out.data1.size());
    std::memcpy(scratch_.data() + out.data1.size(), out.data2.data(), out.data2.size());
    payload = wire::Bytes{scratch_.data(), scratch_.size()};
  }
  wire::TcpHeader h;
  h.src_port = out.local.port;
  h.dst_port = out.remote.port;
  h.seq = out.seq;
  h.ack = out.ack;
  h.flags = out.flags;
  h.window = out.window;
  h.mss = out.mss;
  if (offset + h.size() + payload.size() > frame_capacity) {
    ++counters_.drop_too_big;
    return;
  }
  FrameRef frame = sim_.frames().allocate();
  auto n =
      wire::encode_tcp(frame.storage().subspan(offset), out.local.ip, out.remote.ip, h, payload);
  if (!n) return;
  ++counters_.tcp_out;
  if ((out.flags & kRst) != 0) ++counters_.tcp_rst_out;
  send_ipv4(std::move(frame), *r, out.local.ip, out.remote.ip, wire::ip_protocol::tcp, out.dscp,
            true, *n);
}

void HostImpl::tcp_send_segment(TcpConn& c, std::uint32_t seq, std::size_t length,
                                std::uint8_t flags) {
  TcpOut o;
  o.local = c.local;
  o.remote = c.remote;
  o.seq = seq;
  o.ack = c.rcv_nxt;
  o.flags = static_cast<std::uint8_t>(flags | kAck);
  o.window = window_to_advertise(c);
  o.dscp = c.dscp;
  if (length != 0) {
    auto [a, b] = c.send_buffer.view(static_cast<std::uint32_t>(seq - c.buf_seq), length);
    o.data1 = a;
    o.data2 = b;
  }
  tcp_emit(o);
  c.ack_pending = false;
}

void HostImpl::tcp_send_syn(TcpConn& c) {
  TcpOut o;
  o.local = c.local;
  o.remote = c.remote;
  o.seq = c.iss;
  o.flags = kSyn;
  if (c.state == TcpState::syn_received) {
    o.flags = kSyn | kAck;
    o.ack = c.rcv_nxt;
  }
  o.window = window_to_advertise(c);
  o.mss = static_cast<std::uint16_t>(c.own_mss);
  o.dscp = c.dscp;
  tcp_emit(o);
}

void HostImpl::tcp_send_ack(TcpConn& c) { tcp_send_segment(c, c.snd_max, 0, kAck); }

void HostImpl::tcp_send_rst(const TcpConn& c, std::uint32_t seq, bool with_ack) {
  TcpOut o;
  o.local = c.local;
  o.remote = c.remote;
  o.seq = seq;
  o.flags = kRst;
  if (with_ack) {
    o.flags = kRst | kAck;
    o.ack = c.rcv_nxt;
  }
  o.dscp = c.dscp;
  tcp_emit(o);
}

void HostImpl::tcp_send_rst_for(const wire::Ipv4Header& ip, const wire::TcpSegment& seg) {
  const auto& h = seg.header;
  if (h.has(kRst)) return;
  TcpOut o;
  o.local = {ip.dst, h.dst_port};
  o.remote = {ip.src, h.src_port};
  if (h.has(kAck)) {
    o.seq = h.ack;
    o.flags = kRst;
  } else {
    const auto seg_len = static_cast<std::uint32_t>(seg.payload.size()) + (h.has(kSyn) ? 1U : 0U) +
                         (h.has(kFin) ? 1U : 0U);
    o.seq = 0;
    o.ack = h.seq + seg_len;
    o.flags = kRst | kAck;
  }
  tcp_emit(o);
}

std::uint32_t HostImpl::tcp_transmit(TcpConn& c, std::uint32_t seq, std::uint32_t max_data) {
  const std::uint32_t data_end = c.buf_seq + static_cast<std::uint32_t>(c.send_buffer.size());
  std::uint32_t n = 0;
  if (seq_lt(seq, data_end)) n = std::min(max_data, data_end - seq);
  const bool fin = c.fin_queued && seq + n == data_end;
  if (n == 0 && !fin) return 0;
  const std::uint32_t used = n + (fin ? 1U : 0U);
  // Karn: no sample from a retransmission. Any retransmission stops the timing: a cumulative
  // ACK covering the timed segment could have been released by the retransmitted hole.
  if (seq_lt(seq, c.snd_max)) c.rtt_timing = false;
  std::uint8_t flags = kAck;
  if (n != 0 && seq + n == data_end) flags |= kPsh;
  if (fin) flags |= kFin;
  tcp_send_segment(c, seq, n, flags);
  if (fin) {
    c.fin_sent = true;
    c.fin_seq = data_end;
  }
  return used;
}

void HostImpl::tcp_output(TcpConn& c) {
  if (!up_) return;
  switch (c.state) {
    case TcpState::established:
    case TcpState::close_wait:
    case TcpState::fin_wait_1:
    case TcpState::closing:
    case TcpState::last_ack:
      break;
    case TcpState::fin_wait_2:
    case TcpState::time_wait:
      if (c.ack_pending) tcp_send_ack(c);
      return;
    default:
      return;
  }
  for (;;) {
    const std::uint32_t data_end = c.buf_seq + static_cast<std::uint32_t>(c.send_buffer.size());
    const std::uint32_t remaining = seq_lt(c.snd_nxt, data_end) ? data_end - c.snd_nxt : 0;
    const bool fin_pending = c.fin_queued && (!c.fin_sent || seq_leq(c.snd_nxt, c.fin_seq));
    if (remaining == 0 && !fin_pending) break;
    const std::uint32_t flight = c.snd_nxt - c.snd_una;
    // Limited transmit (RFC 3042): each of the first two duplicate ACKs lets one new segment
    // out, so that a small window still produces the third duplicate ACK.
    const std::uint32_t allowance =
        c.in_recovery ? 0U : static_cast<std::uint32_t>(std::min(c.dupacks, 2)) * c.mss;
    const std::uint32_t wnd = std::min(c.cwnd + allowance, c.snd_wnd);
    const std::uint32_t usable = wnd > flight ? wnd - flight : 0;
    std::uint32_t n = 0;
    if (remaining != 0) {
      if (usable == 0) {
        // Zero window and nothing in flight: the retransmission timer doubles as the persist
        // timer and sends a one-byte probe.
        if (flight == 0 && !sim_.scheduler().pending(c.rtx_timer)) tcp_arm_rtx(c);
        break;
      }
      n = std::min({c.mss, remaining, usable});
      if (n < c.mss && n < remaining && flight != 0) break;  // sender-side SWS avoidance
    }
    const std::uint32_t used = tcp_transmit(c, c.snd_nxt, n);
    if (used == 0) break;
    if (seq_lt(c.snd_nxt, c.snd_max)) {
      ++counters_.tcp_retransmits;
      ++c.stats.retransmits;
    } else {
      c.stats.bytes_sent += n;
      if (!c.rtt_timing) {
        c.rtt_timing = true;
        c.rtt_seq = c.snd_nxt + used;
        c.rtt_start = sim_.now();
      }
    }
    c.snd_nxt += used;
    if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
    if (!sim_.scheduler().pending(c.rtx_timer)) tcp_arm_rtx(c);
  }
  if (c.ack_pending) tcp_send_ack(c);
}

// ---------------------------------------------------------------------------------------------
// Input

void HostImpl::receive_tcp(InterfaceId iface, const wire::Ipv4Packet& p) {
  auto decoded = wire::decode_tcp(p.payload, p.header.src, p.header.dst, true);
  if (!decoded) {
    ++counters_.drop_tcp_bad;
    return;
  }
  ++counters_.tcp_in;
  const wire::TcpSegment& seg = *decoded;
  const auto& h = seg.header;
  if (h.has(kRst)) ++counters_.tcp_rst_in;
  const ConnKey key{p.header.dst.to_u32(), p.header.src.to_u32(), h.dst_port, h.src_port};
  auto it = demux_.find(key);
  if (it != demux_.end()) {
    TcpConn& c = *conns_[it->second];
    const bool new_syn = h.has(kSyn) && !h.has(kAck) && !h.has(kRst);
    if (c.state == TcpState::time_wait && new_syn && seq_gt(h.seq, c.rcv_nxt) &&
        listen_ports_.count(h.dst_port) != 0) {
      // A new incarnation of a connection in TIME-WAIT (RFC 6191 style): the old one goes.
      tcp_finish(c, TcpCloseReason::closed);
    } else {
      if (c.state == TcpState::syn_sent) {
        tcp_syn_sent_input(c, seg);
      } else {
        tcp_input(c, seg);
      }
      return;
    }
  }
  auto lit = listen_ports_.find(h.dst_port);
  if (lit == listen_ports_.end()) {
    ++counters_.tcp_dropped_segments;
    tcp_send_rst_for(p.header, seg);  // closed port: RST (RST|ACK answering a SYN)
    return;
  }
  tcp_listen_input(iface, *listeners_[lit->second], p.header, seg);
}

void HostImpl::tcp_listen_input(InterfaceId iface, Listener& l, const wire::Ipv4Header& ip,
                                const wire::TcpSegment& seg) {
  const auto& h = seg.header;
  if (h.has(kRst)) return;
  if (h.has(kAck)) {
    ++counters_.tcp_dropped_segments;
    tcp_send_rst_for(ip, seg);
    return;
  }
  if (!h.has(kSyn) || l.half_open >= config_.tcp.max_half_open) {
    ++counters_.tcp_dropped_segments;
    return;
  }
  TcpConn& c = conn_create();
  c.passive = true;
  c.listener_slot = l.slot;
  c.listener_id = l.id;
  ++l.half_open;
  c.state = TcpState::syn_received;
  c.local = {ip.dst, l.port};
  c.remote = {ip.src, h.src_port};
  c.dscp = l.dscp;
  c.irs = h.seq;
  c.rcv_nxt = h.seq + 1;
  c.iss = static_cast<std::uint32_t>(random_.next());
  c.snd_una = c.iss;
  c.snd_nxt = c.snd_max = c.iss + 1;
  c.buf_seq = c.iss + 1;
  c.recover = c.iss;
  c.own_mss = own_mss(iface);
  c.mss = std::min<std::uint32_t>(c.own_mss, h.mss.value_or(kDefaultPeerMss));
  c.snd_wnd = h.window;
  c.snd_wl1 = h.seq;
  c.snd_wl2 = c.iss;
  demux_[key_of(c)] = c.slot;
  // Data on a SYN is not queued (the peer sends it again once established).
  tcp_send_syn(c);
  c.rtt_timing = true;
  c.rtt_seq = c.iss + 1;
  c.rtt_start = sim_.now();
  tcp_arm_rtx(c);
}

void HostImpl::tcp_established(TcpConn& c) {
  if (c.passive && c.state == TcpState::syn_received && c.listener_slot < listeners_.size()) {
    auto& l = listeners_[c.listener_slot];
    if (l && l->id == c.listener_id && l->half_open > 0) --l->half_open;
  }
  c.state = TcpState::established;
  c.retries = 0;
  // RFC 6298 5.7: a retransmitted SYN gave no sample; do not keep its backed-off RTO (the RFC
  // says 3 s, Linux uses its initial 1 s: we use TcpConfig::initial_rto).
  if (!c.have_rtt) c.rto = config_.tcp.initial_rto;
  c.cwnd = config_.tcp.initial_cwnd_segments * c.mss;
  c.ssthresh = 0xffffffffU;
  c.dupacks = 0;
  tcp_stop_rtx(c);
}

void HostImpl::tcp_syn_sent_input(TcpConn& c, const wire::TcpSegment& seg) {
  const auto& h = seg.header;
  bool ack_ok = false;
  if (h.has(kAck)) {
    if (seq_leq(h.ack, c.iss) || seq_gt(h.ack, c.snd_max)) {
      ++counters_.tcp_dropped_segments;
      if (!h.has(kRst)) tcp_send_rst(c, h.ack, false);
      return;
    }
    ack_ok = true;
  }
  if (h.has(kRst)) {
    if (ack_ok) tcp_finish(c, TcpCloseReason::connect_refused);
    return;
  }
  if (!h.has(kSyn)) return;
  c.irs = h.seq;
  c.rcv_nxt = h.seq + 1;
  c.mss = std::min<std::uint32_t>(c.own_mss, h.mss.value_or(kDefaultPeerMss));
  c.snd_wnd = h.window;
  c.snd_wl1 = h.seq;
  c.snd_wl2 = h.ack;
  if (!ack_ok) {
    c.state = TcpState::syn_received;  // simultaneous open
    tcp_send_syn(c);
    return;
  }
  c.snd_una = h.ack;
  if (c.rtt_timing && seq_geq(h.ack, c.rtt_seq)) {
    tcp_rtt_sample(c, sim_.now() - c.rtt_start);
    c.rtt_timing = false;
  }
  tcp_established(c);
  c.ack_pending = true;
  if (c.handlers.on_connected) c.handlers.on_connected(handle(c));
  if (c.state == TcpState::closed) return;
  tcp_output(c);  // the handshake's ACK, with queued data when there is some
}

void HostImpl::tcp_input(TcpConn& c, const wire::TcpSegment& seg) {
  const auto& h = seg.header;
  std::uint32_t seq = h.seq;
  wire::Bytes data = seg.payload;
  bool syn = h.has(kSyn);
  bool fin = h.has(kFin);
  const bool rst = h.has(kRst);

  // Our SYN-ACK was lost and the peer sent its SYN again: answer with the SYN-ACK again.
  if (c.state == TcpState::syn_received && syn && !h.has(kAck) && !rst && seq == c.irs) {
    tcp_send_syn(c);
    return;
  }

  // Simultaneous open: the peer's SYN-ACK repeats the SYN we already took; keep its ACK part.
  if (c.state == TcpState::syn_received && !c.passive && syn && h.has(kAck) && !rst &&
      seq == c.irs) {
    syn = false;
    ++seq;
  }

  // First: is the segment in the receive window (RFC 9293 3.10.7.4)?
  const std::uint32_t wnd = window_to_advertise(c);
  const auto seg_len = static_cast<std::uint32_t>(data.size()) + (syn ? 1U : 0U) + (fin ? 1U : 0U);
  auto in_window = [&](std::uint32_t s) {
    return seq_geq(s, c.rcv_nxt) && seq_lt(s, c.rcv_nxt + wnd);
  };
  const bool acceptable =
      seg_len == 0 ? in_window(seq) : in_window(seq) || in_window(seq + seg_len - 1);
  if (!acceptable) {
    if (seg_len != 0 && seq_lt(seq + seg_len - 1, c.rcv_nxt)) {
      ++counters_.tcp_duplicate;
    } else {
      ++counters_.tcp_dropped_segments;
    }
    if (!rst) {
      tcp_send_ack(c);
      if (c.state == TcpState::time_wait && fin) {  // a retransmitted FIN restarts TIME-WAIT
        sim_.scheduler().cancel(c.state_timer);
        c.state_timer = sim_.scheduler().after(2 * config_.tcp.msl, [this, conn = &c] {
          Guard guard(*this);
          conn->state_timer = EventId{};
          tcp_state_timeout(*conn);
        });
      }
    }
    return;
  }
  // Trim what was already received and what lies beyond the window.
  if (seq_lt(seq, c.rcv_nxt)) {
    std::uint32_t skip = c.rcv_nxt - seq;
    if (syn) {
      syn = false;
      --skip;
      ++seq;
    }
    const std::uint32_t cut =
        std::min<std::uint32_t>(skip, static_cast<std::uint32_t>(data.size()));
    data = data.subspan(cut);
    seq += cut;
    if (seq_lt(seq, c.rcv_nxt)) {  // only an old FIN is left
      fin = false;
      seq = c.rcv_nxt;
    }
  }
  const std::uint32_t right = c.rcv_nxt + wnd;
  if (seq_gt(seq + static_cast<std::uint32_t>(data.size()), right)) {
    data = data.first(right - seq);
    fin = false;
  }

  // Second: RST.
  if (rst) {
    if (c.state == TcpState::syn_received) {
      tcp_finish(c, TcpCloseReason::connect_refused);  // passive: back to LISTEN, nobody told
    } else {
      tcp_finish(c, TcpCloseReason::reset_by_peer);
    }
    return;
  }
  // Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 4, RFC 9293).
  if (syn) {
    tcp_send_ack(c);
    return;
  }
  // Fifth: ACK.
  if (!h.has(kAck)) return;
  if (c.state == TcpState::syn_received) {
    if (!(seq_gt(h.ack, c.snd_una) && seq_leq(h.ack, c.snd_max))) {
      ++counters_.tcp_dropped_segments;
      tcp_send_rst(c, h.ack, false);
      return;
    }
    c.snd_una = h.ack;
    if (c.rtt_timing && seq_geq(h.ack, c.rtt_seq)) {
      tcp_rtt_sample(c, sim_.now() - c.rtt_start);
      c.rtt_timing = false;
    }
    c.snd_wnd = h.window;
    c.snd_wl1 = h.seq;
    c.snd_wl2 = h.ack;
    const bool passive = c.passive;
    tcp_established(c);
    c.user_attached = true;
    if (passive) {
      Listener* l = listener_get(c.listener_slot, c.listener_id);
      if (l && l->on_accept) l->on_accept(handle(c));
    } else if (c.handlers.on_connected) {
      c.handlers.on_connected(handle(c));
    }
    if (c.state == TcpState::closed) return;
  }
  if (!tcp_ack_input(c, seg)) return;

  // Seventh and eighth: data and FIN.
  if (!data.empty() || fin) {
    tcp_data_input(c, seq, data, fin);
    if (c.state == TcpState::closed) return;
  }
  tcp_output(c);
}

bool HostImpl::tcp_ack_input(TcpConn& c, const wire::TcpSegment& seg) {
  const auto& h = seg.header;
  const std::uint32_t ack = h.ack;
  if (seq_gt(ack, c.snd_max)) {  // acknowledges something never sent
    ++counters_.tcp_dropped_segments;
    tcp_send_ack(c);
    return false;
  }
  const bool window_changed = h.window != c.snd_wnd;
  if (seq_gt(ack, c.snd_una)) {
    const std::uint32_t acked = ack - c.snd_una;
    if (seq_gt(ack, c.buf_seq)) {
      const auto n = std::min<std::uint32_t>(ack - c.buf_seq,
                                             static_cast<std::uint32_t>(c.send_buffer.size()));
      c.send_buffer.pop(n);
      c.buf_seq += n;
    }
    c.snd_una = ack;
    if (seq_lt(c.snd_nxt, c.snd_una)) c.snd_nxt = c.snd_una;
    if (c.rtt_timing && seq_geq(ack, c.rtt_seq)) {
      tcp_rtt_sample(c, sim_.now() - c.rtt_start);
      c.rtt_timing = false;
    }
    c.retries = 0;
    const std::uint32_t mss = c.mss;
    if (c.in_recovery) {
      if (seq_gt(ack, c.recover)) {  // full ACK: leave fast recovery
        const std::uint32_t flight = c.snd_max - c.snd_una;
        c.cwnd = std::min(c.ssthresh, std::max(flight, mss) + mss);
        c.in_recovery = false;
        c.dupacks = 0;
      } else {  // partial ACK (RFC 6582): the next hole is lost too, resend it now
        if (tcp_transmit(c, c.snd_una, mss) != 0) {
          ++counters_.tcp_retransmits;
          ++c.stats.retransmits;
        }
        c.cwnd = (c.cwnd > acked ? c.cwnd - acked : 0) + mss;
      }
    } else {
      c.dupacks = 0;
      if (c.cwnd < c.ssthresh) {
        c.cwnd += std::min(acked, mss);  // slow start
      } else {
        c.cwnd += std::max<std::uint32_t>(1, mss * mss / c.cwnd);  // congestion avoidance
      }
      c.cwnd = std::min(c.cwnd, 1U << 30);
    }
    if (c.snd_una == c.snd_max) {
      tcp_stop_rtx(c);
    } else {
      tcp_arm_rtx(c);
    }
  } else if (ack == c.snd_una && seg.payload.empty() && !h.has(kFin) && !window_changed &&
             c.snd_max != c.snd_una) {
    ++c.dupacks;
    if (c.in_recovery) {
      c.cwnd += c.mss;  // each further dupack: a segment has left the network
    } else if (c.dupacks == 3 && seq_gt(ack, c.recover)) {
      // Fast retransmit (RFC 5681 3.2).
      const std::uint32_t flight = c.snd_max - c.snd_una;
      c.ssthresh = std::max(flight / 2, 2 * c.mss);
      c.recover = c.snd_max - 1;
      c.in_recovery = true;
      ++counters_.tcp_fast_retransmits;
      if (tcp_transmit(c, c.snd_una, c.mss) != 0) {
        ++counters_.tcp_retransmits;
        ++c.stats.retransmits;
      }
      c.cwnd = c.ssthresh + 3 * c.mss;
      tcp_arm_rtx(c);
    }
  }
  if (h.window == 0 && ack == c.snd_una) c.retries = 0;  // the peer is alive, just full
  // Window update (RFC 9293 3.10.7.4, fifth, ESTABLISHED).
  if (seq_lt(c.snd_wl1, h.seq) || (c.snd_wl1 == h.seq && seq_leq(c.snd_wl2, ack))) {
    c.snd_wnd = h.window;
    c.snd_wl1 = h.seq;
    c.snd_wl2 = ack;
  }
  const bool fin_acked = c.fin_sent && seq_gt(c.snd_una, c.fin_seq);
  switch (c.state) {
    case TcpState::fin_wait_1:
      if (fin_acked) {
        c.state = TcpState::fin_wait_2;
        tcp_stop_rtx(c);
        sim_.scheduler().cancel(c.state_timer);
        c.state_timer = sim_.scheduler().after(config_.tcp.fin_wait_2_timeout, [this, conn = &c] {
          Guard guard(*this);
          conn->state_timer = EventId{};
          tcp_state_timeout(*conn);
        });
      }
      return true;
    case TcpState::closing:
      if (fin_acked) {
        tcp_enter_time_wait(c);
        return false;
      }
      return true;
    case TcpState::last_ack:
      if (fin_acked) {
        tcp_finish(c, TcpCloseReason::peer_closed);
        return false;
      }
      return true;
    default:
      return true;
  }
}

void HostImpl::tcp_deliver(TcpConn& c, wire::Bytes data) {
  const auto n = static_cast<std::uint32_t>(data.size());
  c.rcv_nxt += n;
  c.rcv_offset += n;
  c.stats.bytes_received += n;
  if (c.handlers.on_data) c.handlers.on_data(handle(c), data);
}

void HostImpl::tcp_store_out_of_order(TcpConn& c, std::uint64_t offset, wire::Bytes data) {
  const std::size_t cap = window_to_advertise(c);
  if (c.ooo_buffer.size() != cap) c.ooo_buffer.assign(cap, 0);
  const std::size_t start = static_cast<std::size_t>(offset % cap);
  const std::size_t first = std::min(data.size(), cap - start);
  std::memcpy(c.ooo_buffer.data() + start, data.data(), first);
  if (first < data.size())
    std::memcpy(c.ooo_buffer.data(), data.data() + first, data.size() - first);
  // Merge [offset, end) into the sorted, disjoint list of held ranges.
  std::uint64_t begin = offset;
  std::uint64_t end = offset + data.size();
  auto& ranges = c.ooo_ranges;
  auto it = std::lower_bound(ranges.begin(), ranges.end(), begin,
                             [](const auto& r, std::uint64_t v) { return r.second < v; });
  while (it != ranges.end() && it->first <= end) {
    begin = std::min(begin, it->first);
    end = std::max(end, it->second);
    it = ranges.erase(it);
  }
  ranges.insert(it, {begin, end});
}

void HostImpl::tcp_drain_reassembly(TcpConn& c) {
  const std::size_t cap = c.ooo_buffer.size();
  while (!c.ooo_ranges.empty() && c.ooo_ranges.front().first <= c.rcv_offset) {
    const std::uint64_t end = c.ooo_ranges.front().second;
    c.ooo_ranges.erase(c.ooo_ranges.begin());
    if (end <= c.rcv_offset) continue;
    auto n = static_cast<std::size_t>(end - c.rcv_offset);
    const auto start = static_cast<std::size_t>(c.rcv_offset % cap);
    const std::size_t first = std::min(n, cap - start);
    tcp_deliver(c, wire::Bytes{c.ooo_buffer.data() + start, first});
    if (c.state == TcpState::closed) return;
    if (n > first) {
      tcp_deliver(c, wire::Bytes{c.ooo_buffer.data(), n - first});
      if (c.state == TcpState::closed) return;
    }
  }
}

void HostImpl::tcp_data_input(TcpConn& c, std::uint32_t seq, wire::Bytes data, bool fin) {
  switch (c.state) {
    case TcpState::established:
    case TcpState::fin_wait_1:
    case TcpState::fin_wait_2:
      break;
    default:
      return;  // the peer's FIN came already: nothing after it counts
  }
  c.ack_pending = true;
  if (c.state == TcpState::fin_wait_2 && sim_.scheduler().pending(c.state_timer)) {
    sim_.scheduler().cancel(c.state_timer);  // the peer is alive: restart the FIN-WAIT-2 timer
    c.state_timer = sim_.scheduler().after(config_.tcp.fin_wait_2_timeout, [this, conn = &c] {
      Guard guard(*this);
      conn->state_timer = EventId{};
      tcp_state_timeout(*conn);
    });
  }
  if (seq != c.rcv_nxt) {
    // A hole before this segment: hold it; the immediate (duplicate) ACK reports the hole.
    const std::uint64_t offset = c.rcv_offset + static_cast<std::uint32_t>(seq - c.rcv_nxt);
    if (!data.empty()) tcp_store_out_of_order(c, offset, data);
    if (fin) {
      c.ooo_fin = true;
      c.ooo_fin_offset = offset + data.size();
    }
    ++counters_.tcp_out_of_order;
    return;
  }
  if (!data.empty()) {
    tcp_deliver(c, data);
    if (c.state == TcpState::closed) return;
  }
  if (fin) {
    c.ooo_ranges.clear();
    c.ooo_fin = false;
    tcp_fin_input(c);
    return;
  }
  tcp_drain_reassembly(c);
  if (c.state == TcpState::closed) return;
  if (c.ooo_fin && c.ooo_fin_offset == c.rcv_offset) {
    c.ooo_fin = false;
    tcp_fin_input(c);
  }
}

void HostImpl::tcp_fin_input(TcpConn& c) {
  c.rcv_nxt += 1;
  c.ack_pending = true;
  switch (c.state) {
    case TcpState::established:
      c.state = TcpState::close_wait;
      if (c.handlers.on_peer_fin) {
        c.handlers.on_peer_fin(handle(c));
      } else {
        tcp_close(c);
      }
      return;
    case TcpState::fin_wait_1:  // our FIN is not acknowledged yet: simultaneous close
      c.state = TcpState::closing;
      return;
    case TcpState::fin_wait_2:
      tcp_enter_time_wait(c);
      return;
    default:
      return;
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Handles

std::error_code TcpConnection::send(wire::Bytes data) {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  if (!c) return make_error(std::errc::bad_file_descriptor);
  auto ec = host_->tcp_send(*c, data);
  host_->maybe_collect();
  return ec;
}

void TcpConnection::close() {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  if (!c) return;
  host_->tcp_close(*c);
  host_->maybe_collect();
}

void TcpConnection::abort() {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  if (!c) return;
  host_->tcp_abort(*c);
  host_->maybe_collect();
}

void TcpConnection::set_handlers(TcpHandlers handlers) {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  if (!c) return;
  // The old handlers may be running right now: keep them alive until it is safe.
  host_->old_tcp_handlers_.push_back(std::move(c->handlers));
  host_->garbage_ = true;
  c->handlers = std::move(handlers);
  host_->maybe_collect();
}

void TcpConnection::set_dscp(std::uint8_t dscp) {
  if (auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr) c->dscp = dscp & 0x3f;
}

bool TcpConnection::valid() const { return host_ && host_->conn_get(slot_, id_) != nullptr; }

TcpState TcpConnection::state() const {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  return c ? c->state : TcpState::closed;
}

SocketAddress TcpConnection::local() const {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  return c ? c->local : SocketAddress{};
}

SocketAddress TcpConnection::remote() const {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  return c ? c->remote : SocketAddress{};
}

std::size_t TcpConnection::send_queued() const {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  return c ? c->send_buffer.size() : 0;
}

TcpStats TcpConnection::stats() const {
  auto* c = host_ ? host_->conn_get(slot_, id_) : nullptr;
  if (!c) return {};
  TcpStats s = c->stats;
  s.srtt = c->srtt;
  s.rttvar = c->rttvar;
  s.rto = c->rto;
  s.cwnd = c->cwnd;
  s.ssthresh = c->ssthresh;
  s.snd_wnd = c->snd_wnd;
  s.mss = c->mss;
  return s;
}

void TcpListener::close() {
  auto* l = host_ ? host_->listener_get(slot_, id_) : nullptr;
  if (!l) return;
  host_->listener_close(*l);
  host_->maybe_collect();
}

void TcpListener::set_dscp(std::uint8_t dscp) {
  if (auto* l = host_ ? host_->listener_get(slot_, id_) : nullptr) l->dscp = dscp & 0x3f;
}

bool TcpListener::valid() const { return host_ && host_->listener_get(slot_, id_) != nullptr; }

SocketAddress TcpListener::local() const {
  auto* l = host_ ? host_->listener_get(slot_, id_) : nullptr;
  return l ? SocketAddress{wire::Ipv4Address::any(), l->port} : SocketAddress{};
}

}  // namespace voicelab::netsim
