#pragma once
// One simulated lab: the scheduler, the seeded random generator, the frame pool and the links.
// No globals: many simulations can live in one process (and one test binary).

#include <cstdint>
#include <memory>
#include <vector>

#include "voicelab/netsim/frame.hpp"
#include "voicelab/netsim/link.hpp"
#include "voicelab/netsim/random.hpp"
#include "voicelab/netsim/scheduler.hpp"

namespace voicelab::netsim {

class Simulation {
 public:
  explicit Simulation(std::uint64_t seed) : random_(seed) {}
  // Destroys pending events first (they may hold frames of the pool), then the links.
  // Devices holding FrameRefs or Timers must be destroyed before their simulation.
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  [[nodiscard]] Time now() const { return scheduler_.now(); }
  Scheduler& scheduler() { return scheduler_; }
  Random& random() { return random_; }
  FramePool& frames() { return frames_; }

  // Connects two ports; the simulation owns the link. Throws std::logic_error when a port is
  // already connected (see Link::Link).
  Link& connect(Port& a, Port& b, LinkParams params = {});
  [[nodiscard]] std::size_t link_count() const { return links_.size(); }

  // Runs until idle or until `limit`.
  std::uint64_t run(Time limit = Time::max()) { return scheduler_.run(limit); }
  std::uint64_t run_for(Duration d) { return scheduler_.run(now() + d); }

  // Frames delivered over all links so far (the "simulated packets" of the benchmarks).
  [[nodiscard]] std::uint64_t frames_delivered() const { return frames_delivered_; }

 private:
  friend class Link;
  Scheduler scheduler_;
  Random random_;
  FramePool frames_;
  std::vector<std::unique_ptr<Link>> links_;
  std::uint64_t frames_delivered_ = 0;
  std::uint64_t links_created_ = 0;  // numbers each link's random stream
};

}  // namespace voicelab::netsim
