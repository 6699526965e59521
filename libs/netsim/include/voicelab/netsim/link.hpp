#pragma once
// Ports and point-to-point full-duplex links with latency, bandwidth (serialization delay and a
// FIFO per direction), loss, jitter and up/down state; taps on either end write pcapng.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "voicelab/netsim/frame.hpp"
#include "voicelab/netsim/random.hpp"
#include "voicelab/netsim/scheduler.hpp"
#include "voicelab/wire/pcapng.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::netsim {

class Simulation;
class Link;

// One Ethernet port of a device (a host NIC, a switch port). Devices derive from it (or own
// objects that do) and receive frames through on_frame().
class Port {
 public:
  explicit Port(std::string name) : name_(std::move(name)) {}
  // Detaches from the link, if any: ports and links may be destroyed in either order (the link
  // then drops what would go to or come from the missing port, and the peer gets
  // on_carrier(false) from an event at now()).
  virtual ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  // A frame arrived on this port. The bytes are valid for the call; keep the FrameRef to hold on.
  virtual void on_frame(const FrameRef& frame) = 0;
  // Carrier went up or down (link state changed, or the peer end was attached/detached).
  virtual void on_carrier(bool /*up*/) {}

  // Sends a frame out of this port. Dropped (and counted in tx_dropped) when no link is attached,
  // it is down, or its transmit queue is full. Never allocates; never calls on_frame() of the
  // peer synchronously (delivery is an event, even with zero latency).
  void transmit(FrameRef frame);

  [[nodiscard]] const std::string& name() const { return name_; }
  // Attached to a link that is up and has a port at the other end.
  [[nodiscard]] bool carrier() const;
  [[nodiscard]] Link* link() const { return link_; }
  [[nodiscard]] int link_end() const { return end_; }  // which end of link() this port is (0, 1)

  struct Counters {
    std::uint64_t tx_frames = 0, tx_bytes = 0, rx_frames = 0, rx_bytes = 0, tx_dropped = 0;
  };
  [[nodiscard]] const Counters& counters() const { return counters_; }

 private:
  friend class Link;
  std::string name_;
  Link* link_ = nullptr;
  int end_ = 0;  // which end of link_ this port is
  Counters counters_;
};

// Timing model of one direction: a frame handed to transmit() at `now` starts serializing at
// max(now, end of the previous frame's serialization), takes ceil(bits * 1e9 / bandwidth_bps) ns
// (frame bytes only: no preamble, FCS or inter-frame gap), and arrives `latency` plus a jitter
// drawn uniformly in [0, jitter] after its serialization ended, but never before the previous
// frame of that direction (FIFO). Loss is drawn per frame; a lost frame still uses the wire.
struct LinkParams {
  Duration latency = 1us;                       // propagation delay, one way
  std::uint64_t bandwidth_bps = 1'000'000'000;  // 0 = infinite (no serialization delay)
  double loss = 0.0;                            // probability that a frame is lost, per direction
  Duration jitter{0};                 // added uniformly in [0, jitter] (order is kept: FIFO)
  std::size_t queue_limit_bytes = 0;  // drop-tail limit of the transmit FIFO; 0 = unbounded
};

// Adds a capture point to one end of a link: every frame sent from that end (at the time it is
// handed to the link, also if it is later lost on the way; frames refused because the link is
// down or the queue is full are not on the wire and not captured) and every frame delivered to
// that end (at its arrival). `annotate`, when set, may return a comment for a frame (e.g.
// "step 4: DHCP DISCOVER"); it is only called for tapped links.
using FrameAnnotator = std::function<std::string(wire::Bytes frame)>;

// Randomness: each link draws loss and jitter from its own generator,
// sim.random().fork(link_random_stream + n) where n counts the links created in that simulation
// (0, 1, 2...). So adding a tap, a host or a link after this one never changes what this link
// draws, and a link without loss and jitter draws nothing at all.
inline constexpr std::uint64_t link_random_stream = 0x4c494e4b00000000ULL;  // "LINK"

class Link {
 public:
  // Attaches both ports (a is end 0, b is end 1). Throws std::logic_error when a port is
  // already on a link or a and b are the same port. Both ports get on_carrier(true) from an
  // event at now(), not from inside this constructor. Prefer Simulation::connect(), which owns
  // the link; a link must not outlive its simulation.
  Link(Simulation& sim, Port& a, Port& b, LinkParams params = {});
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Both directions, or one (end 0 = a → b, end 1 = b → a).
  void set_params(const LinkParams& params);
  void set_params(int from_end, const LinkParams& params);
  [[nodiscard]] const LinkParams& params(int from_end) const { return direction_[from_end].params; }

  // Down: frames in flight are lost, new ones are dropped, both ports see carrier down
  // (synchronously, end 0 first). Up again: both ports see carrier up. No-op if unchanged.
  void set_up(bool up);
  [[nodiscard]] bool up() const { return up_; }

  // Declares `interface_name` on `writer` (which must outlive the link or the capture) and
  // captures that end from now on; tapping an end again replaces its tap. untap() stops it.
  void tap(int end, wire::PcapngWriter& writer, std::string_view interface_name,
           FrameAnnotator annotate = {});
  void untap(int end);

  // The port at an end. Precondition: that port still exists (has not been destroyed).
  [[nodiscard]] Port& port(int end) const { return end == 0 ? *a_ : *b_; }

  // Bytes handed to the link from `from_end` whose serialization has not finished yet.
  [[nodiscard]] std::size_t queued_bytes(int from_end) const;

  // delivered: frames handed to a port. lost: random loss. queue_drops: refused by the
  // drop-tail limit. down_drops: refused while down plus frames in flight when it went down.
  struct Counters {
    std::uint64_t delivered = 0, lost = 0, queue_drops = 0, down_drops = 0;
  };
  [[nodiscard]] const Counters& counters() const { return counters_; }

 private:
  friend class Port;
  void send(int from_end, FrameRef frame);
  void deliver(int to_end, const FrameRef& frame, std::uint64_t epoch);
  void capture(int end, const FrameRef& frame);
  void detach(int end) noexcept;
  void announce_carrier();

  struct Direction {
    LinkParams params;
    Time busy_until{0};
    Time last_arrival{0};
  };
  struct Tap {
    wire::PcapngWriter* writer = nullptr;
    std::uint32_t interface_id = 0;
    FrameAnnotator annotate;
  };
  Simulation& sim_;
  Port* a_;
  Port* b_;
  Direction direction_[2];
  Tap taps_[2];
  bool up_ = true;
  std::uint64_t epoch_ = 0;  // bumped on down: frames in flight from an older epoch are lost
  Counters counters_;
  Random random_;
  EventId carrier_event_;
  EventId peer_gone_event_;
};

}  // namespace voicelab::netsim
