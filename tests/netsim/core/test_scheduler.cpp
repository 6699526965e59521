#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/netsim/scheduler.hpp"

using namespace voicelab;
using namespace voicelab::netsim;

TEST_CASE("scheduler runs events in time order, ties in insertion order", "[scheduler]") {
  Scheduler s;
  std::vector<std::string> log;
  s.at(Time{300}, [&] { log.push_back("c300"); });
  s.at(Time{100}, [&] { log.push_back("a100"); });
  s.at(Time{200}, [&] { log.push_back("b200-1"); });
  s.at(Time{200}, [&] { log.push_back("b200-2"); });
  s.at(Time{200}, [&] { log.push_back("b200-3"); });
  CHECK(s.pending_count() == 5);
  CHECK(s.next_event_time() == Time{100});
  CHECK(s.run() == 5);
  CHECK(log == std::vector<std::string>{"a100", "b200-1", "b200-2", "b200-3", "c300"});
  CHECK(s.now() == Time{300});
  CHECK(s.pending_count() == 0);
  CHECK(s.events_run() == 5);
  CHECK(s.next_event_time() == Time::max());
}

TEST_CASE("events scheduled in the past run at now(), after what is already due", "[scheduler]") {
  Scheduler s;
  std::vector<std::pair<std::string, Time>> log;
  s.at(Time{1000}, [&] {
    log.emplace_back("first", s.now());
    s.at(Time{10}, [&] { log.emplace_back("past", s.now()); });
    s.after(Duration{0}, [&] { log.emplace_back("zero delay", s.now()); });
  });
  s.at(Time{1000}, [&] { log.emplace_back("second", s.now()); });
  s.run();
  REQUIRE(log.size() == 4);
  CHECK(log[0] == std::pair<std::string, Time>{"first", Time{1000}});
  CHECK(log[1] == std::pair<std::string, Time>{"second", Time{1000}});
  CHECK(log[2] == std::pair<std::string, Time>{"past", Time{1000}});
  CHECK(log[3] == std::pair<std::string, Time>{"zero delay", Time{1000}});
}

TEST_CASE("cancel destroys the callback; stale ids are harmless", "[scheduler]") {
  Scheduler s;
  auto token = std::make_shared<int>(0);
  int fired = 0;
  EventId a = s.at(Time{10}, [token, &fired] { ++fired; });
  EventId b = s.at(Time{20}, [&fired] { fired += 10; });
  CHECK(token.use_count() == 2);
  CHECK(s.pending(a));
  s.cancel(a);
  CHECK_FALSE(s.pending(a));
  CHECK(token.use_count() == 1);  // destroyed at cancel, not when its time comes
  CHECK(s.pending_count() == 1);
  CHECK(s.next_event_time() == Time{20});
  s.cancel(a);  // twice: ignored
  s.cancel(EventId{});
  CHECK(s.run() == 1);
  CHECK(fired == 10);
  CHECK_FALSE(s.pending(b));

  // A fired event's slot is reused; its old id must not cancel the new event.
  EventId c = s.at(Time{30}, [&fired] { fired += 100; });
  CHECK(c.slot == b.slot);
  s.cancel(b);
  CHECK(s.pending(c));
  s.run();
  CHECK(fired == 110);
}

TEST_CASE("run(limit) stops before later events and advances now to the limit", "[scheduler]") {
  Scheduler s;
  std::vector<int> log;
  s.at(Time{100}, [&] { log.push_back(1); });
  s.at(Time{500}, [&] { log.push_back(2); });
  CHECK(s.run(Time{300}) == 1);
  CHECK(s.now() == Time{300});
  CHECK(log == std::vector<int>{1});
  CHECK(s.run(Time{500}) == 1);  // an event exactly at the limit runs
  CHECK(s.now() == Time{500});
  CHECK(s.run(Time{2000}) == 0);  // idle: time still advances to the limit
  CHECK(s.now() == Time{2000});
  CHECK(s.run(Time{1000}) == 0);  // never backwards
  CHECK(s.now() == Time{2000});
}

TEST_CASE("run stops after max_events (livelock guard)", "[scheduler]") {
  Scheduler s;
  std::uint64_t count = 0;
  // An event that always reschedules itself at the same instant.
  struct Loop {
    Scheduler* s;
    std::uint64_t* count;
    void operator()() const {
      ++*count;
      s->after(Duration{0}, Loop{s, count});
    }
  };
  s.at(Time{7}, Loop{&s, &count});
  CHECK(s.run(Time::max(), 1000) == 1000);
  CHECK(count == 1000);
  CHECK(s.now() == Time{7});
  CHECK(s.pending_count() == 1);
  CHECK(s.step());
  CHECK(count == 1001);
}

TEST_CASE("step runs exactly one event", "[scheduler]") {
  Scheduler s;
  int n = 0;
  CHECK_FALSE(s.step());
  s.at(Time{5}, [&] { ++n; });
  s.at(Time{6}, [&] { ++n; });
  CHECK(s.step());
  CHECK(n == 1);
  CHECK(s.now() == Time{5});
}

TEST_CASE("timer: re-arming replaces the deadline; cancel; destruction cancels", "[scheduler]") {
  Scheduler s;
  std::vector<Time> fired;
  {
    Timer t(s, [&] { fired.push_back(s.now()); });
    CHECK_FALSE(t.armed());
    t.arm_at(Time{100});
    CHECK(t.armed());
    t.arm_at(Time{50});  // replaces
    CHECK(t.deadline() == Time{50});
    CHECK(s.pending_count() == 1);
    s.run();
    CHECK(fired == std::vector<Time>{Time{50}});
    CHECK_FALSE(t.armed());

    t.arm_after(10ns);
    CHECK(t.deadline() == Time{60});
    t.cancel();
    CHECK_FALSE(t.armed());
    s.run();
    CHECK(fired.size() == 1);

    t.arm_at(Time{70});
  }  // destroyed while armed
  CHECK(s.pending_count() == 0);
  s.run();
  CHECK(fired.size() == 1);
}

TEST_CASE("timer can re-arm itself from its callback", "[scheduler]") {
  Scheduler s;
  std::vector<Time> fired;
  Timer* self = nullptr;
  Timer t(s, [&] {
    fired.push_back(s.now());
    CHECK_FALSE(self->armed());
    if (fired.size() < 3) self->arm_after(1ms);
  });
  self = &t;
  t.arm_at(Time{0});
  s.run();
  CHECK(fired == std::vector<Time>{Time{0}, Time{1'000'000}, Time{2'000'000}});
}

TEST_CASE("scheduler pools do not grow in steady state", "[scheduler]") {
  Scheduler s;
  // 200 self-rescheduling events plus a timer re-armed on every event (cancel + schedule: the
  // pattern of a retransmission timer pushed back by every ACK).
  std::uint64_t count = 0;
  Timer idle(s, [] {});
  struct Tick {
    Scheduler* s;
    Timer* idle;
    std::uint64_t* count;
    std::uint64_t period;
    void operator()() const {
      ++*count;
      idle->arm_after(Duration{1'000'000'000});
      s->after(Duration{static_cast<std::int64_t>(period)}, *this);
    }
  };
  for (std::uint64_t i = 0; i < 200; ++i) s.after(Duration{0}, Tick{&s, &idle, &count, 97 + i});
  s.run(Time::max(), 20'000);  // warm up
  const std::size_t slots = s.slot_capacity();
  const std::size_t heap = s.heap_capacity();
  s.run(Time::max(), 500'000);
  CHECK(count == 520'000);
  CHECK(s.slot_capacity() == slots);
  CHECK(s.heap_capacity() == heap);
  CHECK(s.pending_count() == 201);
}
