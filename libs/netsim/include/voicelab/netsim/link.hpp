#pragma once
// Ports and point-to-point full-duplex links with latency, bandwidth (serialization delay and a
// FIFO per direction), loss, jitter and up/down state; taps on either end write pcapng.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "voicelab/netsim/frame.hpp"
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
  virtual ~Port() = default;
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  // A frame arrived on this port. The bytes are valid for the call; keep the FrameRef to hold on.
  virtual void on_frame(const FrameRef& frame) = 0;
  // Carrier went up or down (link state changed, or the peer end was attached/detached).
  virtual void on_carrier(bool /*up*/) {}

  // Sends a frame out of this port. Dropped (and counted) when no link is attached or it is down.
  void transmit(FrameRef frame);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool carrier() const;
  [[nodiscard]] Link* link() const { return link_; }

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

struct LinkParams {
  Duration latency = 1us;         // propagation delay, one way
  std::uint64_t bandwidth_bps = 1'000'000'000;  // 0 = infinite (no serialization delay)
  double loss = 0.0;              // probability that a frame is lost, per direction
  Duration jitter{0};             // added uniformly in [0, jitter] (order is kept: FIFO)
  std::size_t queue_limit_bytes = 0;  // drop-tail limit of the transmit FIFO; 0 = unbounded
};

// Adds a capture point to one end of a link: every frame sent from and delivered to that end.
// `annotate`, when set, may return a comment for a frame (e.g. "step 4: DHCP DISCOVER").
using FrameAnnotator = std::function<std::string(wire::Bytes frame)>;

class Link {
 public:
  Link(Simulation& sim, Port& a, Port& b, LinkParams params = {});
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Both directions, or one (end 0 = a → b, end 1 = b → a).
  void set_params(const LinkParams& params);
  void set_params(int from_end, const LinkParams& params);
  [[nodiscard]] const LinkParams& params(int from_end) const { return direction_[from_end].params; }

  // Down: frames in flight are lost, new ones are dropped, both ports see carrier down.
  void set_up(bool up);
  [[nodiscard]] bool up() const { return up_; }

  void tap(int end, wire::PcapngWriter& writer, std::string_view interface_name,
           FrameAnnotator annotate = {});

  [[nodiscard]] Port& port(int end) const { return end == 0 ? *a_ : *b_; }

  struct Counters {
    std::uint64_t delivered = 0, lost = 0, queue_drops = 0, down_drops = 0;
  };
  [[nodiscard]] const Counters& counters() const { return counters_; }

 private:
  friend class Port;
  void send(int from_end, FrameRef frame);
  void deliver(int to_end, const FrameRef& frame, std::uint64_t epoch);
  void capture(int end, const FrameRef& frame);

  struct Direction {
    LinkParams params;
    Time busy_until{0};
    Time last_arrival{0};
    std::size_t queued_bytes = 0;
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
};

}  // namespace voicelab::netsim
