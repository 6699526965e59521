#pragma once
// Discrete-event scheduler: virtual time in nanoseconds, events ordered by (time, insertion
// sequence) so equal-time events run in the order they were scheduled, on any platform.
// Steady state allocates nothing: callbacks live in a slot pool, the heap holds small keys.

#include <cstdint>
#include <limits>
#include <vector>

#include "voicelab/netsim/small_function.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::netsim {

using Callback = SmallFunction<void(), 48>;

// Identifies a scheduled event so it can be cancelled. Stale ids are harmless.
struct EventId {
  std::uint32_t slot = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t generation = 0;
  [[nodiscard]] bool valid() const { return slot != std::numeric_limits<std::uint32_t>::max(); }
};

class Scheduler {
 public:
  [[nodiscard]] Time now() const { return now_; }

  // Runs `fn` at `when`; a time in the past runs at now(), after what is already due.
  EventId at(Time when, Callback fn);
  EventId after(Duration delay, Callback fn) { return at(now_ + delay, std::move(fn)); }
  // Cancels a pending event (its callback is destroyed now). Unknown or fired ids are ignored.
  void cancel(EventId id);
  [[nodiscard]] bool pending(EventId id) const;

  // Runs events in order until none is left, the next one is later than `limit`, or
  // `max_events` ran (a guard against livelock). Returns events run. Unless it stopped on
  // `max_events`, now() then becomes `limit` (when limit is not Time::max()), also when idle:
  // run(t) means "simulate up to t".
  std::uint64_t run(Time limit = Time::max(),
                    std::uint64_t max_events = std::numeric_limits<std::uint64_t>::max());
  // Runs the next event, if any; returns whether one ran.
  bool step();

  [[nodiscard]] std::size_t pending_count() const { return live_; }
  [[nodiscard]] std::uint64_t events_run() const { return events_run_; }
  [[nodiscard]] Time next_event_time() const;  // Time::max() when idle

  // Destroys every pending event without running it (EventIds stay stale). Used when a
  // simulation is torn down, so callbacks holding frames release them before the pool goes.
  void clear();

  // Pool sizes, for tests and benchmarks that check nothing grows in steady state.
  [[nodiscard]] std::size_t slot_capacity() const { return slots_.size(); }
  [[nodiscard]] std::size_t heap_capacity() const { return heap_.capacity(); }

 private:
  struct Key {
    Time when;
    std::uint64_t sequence;
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Slot {
    Callback fn;
    std::uint32_t generation = 0;
    bool live = false;
  };
  void drop_cancelled_top();
  void release_slot(std::uint32_t slot) noexcept;
  [[nodiscard]] bool is_stale(const Key& key) const noexcept {
    const Slot& s = slots_[key.slot];
    return !s.live || s.generation != key.generation;
  }

  Time now_{0};
  std::uint64_t sequence_ = 0;
  std::uint64_t events_run_ = 0;
  std::size_t live_ = 0;
  std::vector<Key> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
};

// A re-armable one-shot timer owned by an object; destroying it cancels it.
class Timer {
 public:
  Timer(Scheduler& scheduler, Callback on_fire)
      : scheduler_(&scheduler), on_fire_(std::move(on_fire)) {}
  ~Timer() { cancel(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void arm_at(Time when);  // re-arming replaces the previous deadline
  void arm_after(Duration delay) { arm_at(scheduler_->now() + delay); }
  void cancel();
  [[nodiscard]] bool armed() const { return scheduler_->pending(event_); }
  [[nodiscard]] Time deadline() const { return deadline_; }

 private:
  Scheduler* scheduler_;
  Callback on_fire_;
  EventId event_;
  Time deadline_{0};
};

}  // namespace voicelab::netsim
