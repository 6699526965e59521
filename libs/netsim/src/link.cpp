#include "voicelab/netsim/link.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "voicelab/netsim/simulation.hpp"

namespace voicelab::netsim {
namespace {

// ceil(bytes * 8 * 1e9 / bps) in integer nanoseconds; bytes <= frame_capacity keeps the
// product far below 2^64.
Duration serialization_time(std::size_t bytes, std::uint64_t bandwidth_bps) noexcept {
  if (bandwidth_bps == 0) return Duration{0};
  const std::uint64_t bit_ns = static_cast<std::uint64_t>(bytes) * 8ULL * 1'000'000'000ULL;
  return Duration{static_cast<std::int64_t>((bit_ns + bandwidth_bps - 1) / bandwidth_bps)};
}

}  // namespace

// --- Port --------------------------------------------------------------------------------------

Port::~Port() {
  if (link_ != nullptr) link_->detach(end_);
}

void Port::transmit(FrameRef frame) {
  if (link_ == nullptr || !frame) {
    ++counters_.tx_dropped;
    return;
  }
  link_->send(end_, std::move(frame));
}

bool Port::carrier() const {
  return link_ != nullptr && link_->up() && link_->a_ != nullptr && link_->b_ != nullptr;
}

// --- Link --------------------------------------------------------------------------------------

Link::Link(Simulation& sim, Port& a, Port& b, LinkParams params)
    : sim_(sim), a_(&a), b_(&b), random_(0) {
  if (&a == &b) throw std::logic_error("netsim: cannot link port " + a.name() + " to itself");
  for (Port* p : {&a, &b}) {
    if (p->link_ != nullptr) {
      throw std::logic_error("netsim: port " + p->name() + " is already on a link");
    }
  }
  random_ = sim.random().fork(link_random_stream + sim.links_created_++);
  direction_[0].params = params;
  direction_[1].params = params;
  a.link_ = this;
  a.end_ = 0;
  b.link_ = this;
  b.end_ = 1;
  carrier_event_ = sim.scheduler().at(sim.now(), [this] { announce_carrier(); });
}

Link::~Link() {
  sim_.scheduler().cancel(carrier_event_);
  sim_.scheduler().cancel(peer_gone_event_);
  if (a_ != nullptr) a_->link_ = nullptr;
  if (b_ != nullptr) b_->link_ = nullptr;
}

void Link::detach(int end) noexcept {
  if (end == 0) {
    a_ = nullptr;
  } else {
    b_ = nullptr;
  }
  // The peer loses carrier, told from an event (not from inside a destructor), and only if it
  // still exists then. Scheduling may allocate only while the scheduler's pools grow; a
  // failure there would terminate, which is acceptable for a device being torn down.
  const int other = 1 - end;
  if (up_ && (other == 0 ? a_ : b_) != nullptr && !sim_.scheduler().pending(peer_gone_event_)) {
    peer_gone_event_ = sim_.scheduler().at(sim_.now(), [this, other] {
      peer_gone_event_ = EventId{};
      Port* p = other == 0 ? a_ : b_;
      if (up_ && p != nullptr) p->on_carrier(false);
    });
  }
}

void Link::announce_carrier() {
  carrier_event_ = EventId{};
  // Re-checked before each call: a handler may take the link down (then the other port has
  // already been told).
  if (up_ && a_ != nullptr) a_->on_carrier(true);
  if (up_ && b_ != nullptr) b_->on_carrier(true);
}

void Link::set_params(const LinkParams& params) {
  direction_[0].params = params;
  direction_[1].params = params;
}

void Link::set_params(int from_end, const LinkParams& params) {
  if (from_end != 0 && from_end != 1) throw std::out_of_range("netsim: link end must be 0 or 1");
  direction_[from_end].params = params;
}

void Link::set_up(bool up) {
  if (up == up_) return;
  up_ = up;
  sim_.scheduler().cancel(carrier_event_);
  carrier_event_ = EventId{};
  if (!up) {
    ++epoch_;  // everything in flight is lost
    for (Direction& d : direction_) {
      d.busy_until = sim_.now();
      d.last_arrival = sim_.now();
    }
  }
  if (up_ == up && a_ != nullptr) a_->on_carrier(up);
  if (up_ == up && b_ != nullptr) b_->on_carrier(up);
}

void Link::tap(int end, wire::PcapngWriter& writer, std::string_view interface_name,
               FrameAnnotator annotate) {
  if (end != 0 && end != 1) throw std::out_of_range("netsim: link end must be 0 or 1");
  Tap& t = taps_[end];
  t.writer = &writer;
  t.interface_id = writer.add_interface(interface_name);
  t.annotate = std::move(annotate);
}

void Link::untap(int end) {
  if (end != 0 && end != 1) throw std::out_of_range("netsim: link end must be 0 or 1");
  taps_[end] = Tap{};
}

std::size_t Link::queued_bytes(int from_end) const {
  const Direction& d = direction_[from_end];
  const std::uint64_t bps = d.params.bandwidth_bps;
  if (bps == 0 || d.busy_until <= sim_.now()) return 0;
  __extension__ using uint128 = unsigned __int128;
  const auto backlog_ns = static_cast<std::uint64_t>((d.busy_until - sim_.now()).count());
  // Bytes not yet serialized: the backlog in time at the line rate, rounded up.
  const uint128 bits_e9 = uint128{backlog_ns} * bps;
  return static_cast<std::size_t>((bits_e9 + 8'000'000'000ULL - 1) / 8'000'000'000ULL);
}

void Link::send(int from_end, FrameRef frame) {
  Port* from = from_end == 0 ? a_ : b_;
  const int to_end = 1 - from_end;
  const Port* to = to_end == 0 ? a_ : b_;
  if (!up_ || to == nullptr) {
    ++counters_.down_drops;
    ++from->counters_.tx_dropped;
    return;
  }
  Direction& d = direction_[from_end];
  const LinkParams& p = d.params;
  const std::size_t size = frame.size();
  if (p.queue_limit_bytes != 0 && queued_bytes(from_end) + size > p.queue_limit_bytes) {
    ++counters_.queue_drops;
    ++from->counters_.tx_dropped;
    return;
  }
  const Time now = sim_.now();
  d.busy_until = std::max(now, d.busy_until) + serialization_time(size, p.bandwidth_bps);
  ++from->counters_.tx_frames;
  from->counters_.tx_bytes += size;
  if (taps_[from_end].writer != nullptr) capture(from_end, frame);

  if (p.loss > 0.0 && random_.chance(p.loss)) {
    ++counters_.lost;
    return;
  }
  Time arrival = d.busy_until + p.latency;
  if (p.jitter.count() > 0) {
    arrival += Duration{
        static_cast<std::int64_t>(random_.below(static_cast<std::uint64_t>(p.jitter.count()) + 1))};
  }
  arrival = std::max(arrival, d.last_arrival);  // FIFO: jitter never reorders a direction
  d.last_arrival = arrival;
  sim_.scheduler().at(
      arrival, [this, to_end, f = std::move(frame), epoch = epoch_] { deliver(to_end, f, epoch); });
}

void Link::deliver(int to_end, const FrameRef& frame, std::uint64_t epoch) {
  Port* to = to_end == 0 ? a_ : b_;
  if (epoch != epoch_ || to == nullptr) {
    ++counters_.down_drops;
    return;
  }
  ++counters_.delivered;
  ++sim_.frames_delivered_;
  ++to->counters_.rx_frames;
  to->counters_.rx_bytes += frame.size();
  if (taps_[to_end].writer != nullptr) capture(to_end, frame);
  to->on_frame(frame);
}

void Link::capture(int end, const FrameRef& frame) {
  Tap& t = taps_[end];
  const auto bytes = frame.bytes();
  const std::string comment = t.annotate ? t.annotate(bytes) : std::string{};
  t.writer->write_packet(t.interface_id, static_cast<std::uint64_t>(sim_.now().count()), bytes,
                         comment);
}

}  // namespace voicelab::netsim
