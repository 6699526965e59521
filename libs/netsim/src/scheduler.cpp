#include "voicelab/netsim/scheduler.hpp"

#include <algorithm>

namespace voicelab::netsim {
namespace {

// std::*_heap build a max-heap; "greater" puts the earliest (time, sequence) on top.
struct Later {
  template <class K>
  bool operator()(const K& a, const K& b) const noexcept {
    if (a.when != b.when) return a.when > b.when;
    return a.sequence > b.sequence;
  }
};

}  // namespace

EventId Scheduler::at(Time when, Callback fn) {
  if (when < now_) when = now_;
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
    // Every slot may be free at once: size the free list now so release_slot() never allocates.
    if (free_slots_.capacity() < slots_.capacity()) free_slots_.reserve(slots_.capacity());
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.live = true;
  heap_.push_back(Key{when, sequence_++, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  ++live_;
  return EventId{slot, s.generation};
}

bool Scheduler::pending(EventId id) const {
  return id.slot < slots_.size() && slots_[id.slot].live &&
         slots_[id.slot].generation == id.generation;
}

void Scheduler::release_slot(std::uint32_t slot) noexcept {
  Slot& s = slots_[slot];
  s.live = false;
  ++s.generation;  // every outstanding EventId and heap key for this slot is now stale
  free_slots_.push_back(slot);
  --live_;
}

void Scheduler::cancel(EventId id) {
  if (!pending(id)) return;
  // Take the callback out first: its destructor may run arbitrary code (release frames).
  Callback doomed = std::move(slots_[id.slot].fn);
  release_slot(id.slot);
  // Lazy deletion: the heap key stays until it reaches the top, unless stale keys pile up
  // (timers re-armed far in the future), then the heap is rebuilt in one O(n) pass.
  if (heap_.size() > 64 && heap_.size() > 2 * live_) {
    std::erase_if(heap_, [this](const Key& k) { return is_stale(k); });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  } else {
    drop_cancelled_top();
  }
}

void Scheduler::drop_cancelled_top() {
  while (!heap_.empty() && is_stale(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

bool Scheduler::step() {
  drop_cancelled_top();
  if (heap_.empty()) return false;
  const Key key = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  heap_.pop_back();
  // Invariant for next_event_time(): the top of the heap is always a live event.
  drop_cancelled_top();
  now_ = key.when;
  // Move the callback out before running it: it may schedule events, which can grow slots_.
  Callback fn = std::move(slots_[key.slot].fn);
  release_slot(key.slot);
  ++events_run_;
  fn();
  return true;
}

std::uint64_t Scheduler::run(Time limit, std::uint64_t max_events) {
  std::uint64_t ran = 0;
  while (ran < max_events) {
    drop_cancelled_top();
    if (heap_.empty() || heap_.front().when > limit) {
      if (limit != Time::max() && limit > now_) now_ = limit;
      break;
    }
    step();
    ++ran;
  }
  return ran;
}

Time Scheduler::next_event_time() const { return heap_.empty() ? Time::max() : heap_.front().when; }

void Scheduler::clear() {
  heap_.clear();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].live) continue;
    // Destroyed after the slot is released, so a destructor that cancels finds a consistent
    // scheduler. Generations keep counting: old EventIds stay stale.
    Callback doomed = std::move(slots_[i].fn);
    release_slot(static_cast<std::uint32_t>(i));
  }
}

void Timer::arm_at(Time when) {
  scheduler_->cancel(event_);
  deadline_ = std::max(when, scheduler_->now());
  event_ = scheduler_->at(deadline_, [this] {
    event_ = EventId{};
    on_fire_();
  });
}

void Timer::cancel() {
  scheduler_->cancel(event_);
  event_ = EventId{};
}

}  // namespace voicelab::netsim
