#pragma once
// What every simulated driver does for its sans-I/O engine, whatever carries the bytes:
//
//   input (a datagram, stream bytes, a timer) -> engine.handle_*(now, ...) -> pump()
//   pump(): drain engine.poll_transmit() into the transport and engine.poll_event() into the
//           Log and the owner's event handler, until both are empty; then keep one netsim Timer
//           armed at engine.next_timeout() (cancelled when it has none).
//
// The owner may call the engine directly (start a download, start a DHCP client) but must then
// call pump(), or do it through update(), which does both.
//
// Re-entrancy: the event handler runs inside pump() and may call anything, including update()
// on this driver (the nested pump() returns at once; the outer one keeps draining) and other
// drivers. The engine is never called while one of its own methods runs.
//
// The engine is not owned (the phone role will be one engine made of several). Engine, host
// and Log must outlive the driver; the driver must not outlive the Simulation (it owns a Timer).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "voicelab/lab/log.hpp"
#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/scheduler.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::lab {

namespace detail {
template <class Engine>
using output_of = typename decltype(std::declval<Engine&>().poll_transmit())::value_type;
template <class Engine>
using event_of = typename decltype(std::declval<Engine&>().poll_event())::value_type;
}  // namespace detail

struct DriverCounters {
  std::uint64_t transmits = 0;  // outputs drained (poll_transmit(), or count_transmit())
  std::uint64_t events = 0;     // events drained from poll_event()
  std::uint64_t timeouts = 0;   // handle_timeout() calls from the timer
};

// CRTP base. Derived either implements `void transmit(Output&)` for the engine's
// poll_transmit() outputs, or defines its own `bool drain()` (hiding the one below) for an
// engine with other output queues (the registrar's poll_stream()/poll_datagram(), the SIP
// client's poll_command()), built from drain_events() and emit().
template <class Engine, class Derived>
class EngineDriver {
 public:
  using Event = detail::event_of<Engine>;
  using EventHandler = std::function<void(const Event&)>;

  EngineDriver(const EngineDriver&) = delete;
  EngineDriver& operator=(const EngineDriver&) = delete;

  [[nodiscard]] Engine& engine() { return engine_; }
  [[nodiscard]] const Engine& engine() const { return engine_; }
  [[nodiscard]] netsim::Host& host() const { return host_; }
  [[nodiscard]] Time now() const { return host_.simulation().now(); }
  [[nodiscard]] const std::string& component() const { return component_; }
  [[nodiscard]] Log* log() const { return log_; }
  [[nodiscard]] const DriverCounters& driver_counters() const { return counters_; }
  // The deadline the timer is armed at, if any (for tests).
  [[nodiscard]] std::optional<Time> armed_deadline() const {
    return timer_.armed() ? std::optional<Time>(timer_.deadline()) : std::nullopt;
  }

  // Called for every engine event after it was logged.
  void set_event_handler(EventHandler handler) { handler_ = std::move(handler); }

  // Runs fn(engine, now), then pump(); returns what fn returns.
  template <class F>
  auto update(F&& fn) {
    using R = std::invoke_result_t<F, Engine&, Time>;
    if constexpr (std::is_void_v<R>) {
      std::forward<F>(fn)(engine_, now());
      pump();
    } else {
      R result = std::forward<F>(fn)(engine_, now());
      pump();
      return result;
    }
  }

  void pump() {
    if (pumping_) return;  // the outer pump() keeps draining
    pumping_ = true;
    while (static_cast<Derived*>(this)->drain()) {
    }
    pumping_ = false;
    rearm();
  }

  // A line in this component's log from the driver itself (I/O trouble, connections).
  void note(std::string text) {
    if (log_ != nullptr) log_->write(now(), log_id_, std::move(text));
  }

 protected:
  EngineDriver(netsim::Host& host, Engine& engine, std::string component, Log* log)
      : host_(host),
        engine_(engine),
        component_(component.empty() ? host.name() : std::move(component)),
        log_(log),
        log_id_(log != nullptr ? log->component(component_) : 0),
        timer_(host.simulation().scheduler(), [this] { fire(); }) {}
  ~EngineDriver() = default;

  // One round: every pending output, then every pending event. Returns whether there was any
  // (an event handler may have made the engine produce more).
  bool drain() {
    bool any = false;
    while (auto out = engine_.poll_transmit()) {
      ++counters_.transmits;
      static_cast<Derived*>(this)->transmit(*out);
      any = true;
    }
    return drain_events() || any;
  }

  bool drain_events() {
    bool any = false;
    while (auto event = engine_.poll_event()) {
      emit(*event);
      any = true;
    }
    return any;
  }

  // Logs an event and hands it to the handler.
  void emit(const Event& event) {
    ++counters_.events;
    log_line(event);
    if (handler_) handler_(event);
  }

  // Logs anything with describe() (and `time` when it has one): an event, a trace line.
  template <class Line>
  void log_line(const Line& line) {
    if (log_ == nullptr) return;
    if constexpr (requires { line.time; }) {
      log_->write(line.time, log_id_, line.describe());
    } else {
      log_->write(now(), log_id_, line.describe());
    }
  }

  void count_transmit() { ++counters_.transmits; }

 private:
  void fire() {
    ++counters_.timeouts;
    engine_.handle_timeout(now());
    pump();
  }

  void rearm() {
    const std::optional<Time> next = engine_.next_timeout();
    if (!next) {
      timer_.cancel();
    } else if (!timer_.armed() || timer_.deadline() != *next) {
      timer_.arm_at(*next);  // a deadline already past runs at now()
    }
  }

  netsim::Host& host_;
  Engine& engine_;
  std::string component_;
  Log* log_;
  Log::ComponentId log_id_;
  EventHandler handler_;
  netsim::Timer timer_;
  bool pumping_ = false;
  DriverCounters counters_;
};

}  // namespace voicelab::lab
