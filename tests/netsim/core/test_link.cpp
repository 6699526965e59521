#include <memory>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "netsim_test_util.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/wire/pcapng.hpp"

using namespace voicelab;
using namespace voicelab::netsim;
using voicelab::netsim::test::FrameSpec;
using voicelab::netsim::test::make_frame;
using voicelab::netsim::test::RecordingPort;

namespace {
std::vector<std::uint8_t> frame_of_size(std::size_t size, std::uint8_t fill = 0) {
  FrameSpec spec;
  spec.payload = size - 14;
  spec.fill = fill;
  return make_frame(spec);
}
}  // namespace

TEST_CASE("carrier comes up through an event, not from the constructor", "[link]") {
  Simulation sim(1);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  Link& link = sim.connect(a, b);
  CHECK(a.link() == &link);
  CHECK(b.link_end() == 1);
  CHECK(a.carrier());
  CHECK(a.carrier_events.empty());
  sim.run();
  CHECK(a.carrier_events == std::vector<bool>{true});
  CHECK(b.carrier_events == std::vector<bool>{true});
  CHECK(&link.port(0) == &a);
  CHECK(&link.port(1) == &b);
}

TEST_CASE("a port is on one link at a time", "[link]") {
  Simulation sim(1);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  RecordingPort c(sim, "c");
  sim.connect(a, b);
  CHECK_THROWS_AS(sim.connect(a, c), std::logic_error);
  CHECK_THROWS_AS(sim.connect(c, b), std::logic_error);
  CHECK_THROWS_AS(sim.connect(c, c), std::logic_error);
  CHECK(sim.link_count() == 1);
  CHECK(c.link() == nullptr);
}

TEST_CASE("a port without a link drops and counts", "[link]") {
  Simulation sim(1);
  RecordingPort a(sim, "a");
  a.send(frame_of_size(60));
  CHECK(a.counters().tx_dropped == 1);
  CHECK(a.counters().tx_frames == 0);
  CHECK_FALSE(a.carrier());
}

TEST_CASE("latency and serialization delay are exact", "[link]") {
  Simulation sim(1);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  Link& link = sim.connect(a, b, LinkParams{.latency = 1us, .bandwidth_bps = 1'000'000'000});
  sim.run();
  a.send(frame_of_size(1000));  // 8000 bits at 1 Gb/s = 8000 ns
  a.send(frame_of_size(1000));  // queued behind the first
  CHECK(link.queued_bytes(0) == 2000);
  sim.run();
  REQUIRE(b.received.size() == 2);
  CHECK(b.received[0].at == Time{8000 + 1000});
  CHECK(b.received[1].at == Time{16000 + 1000});
  CHECK(link.queued_bytes(0) == 0);

  // A frame sent after the line went idle starts at once.
  sim.run(Time{100'000});
  a.send(frame_of_size(125));  // 1000 bits = 1000 ns
  sim.run();
  CHECK(b.received[2].at == Time{100'000 + 1000 + 1000});

  // Rounding up: 64 bytes = 512 bits at 3 Mb/s = 170666.67 ns -> 170667 ns.
  link.set_params(1, LinkParams{.latency = 0ns, .bandwidth_bps = 3'000'000});
  const Time t0 = sim.now();
  b.send(frame_of_size(64));
  sim.run();
  REQUIRE(a.received.size() == 1);
  CHECK(a.received[0].at - t0 == Duration{170667});
  CHECK(link.params(0).bandwidth_bps == 1'000'000'000);  // the other direction unchanged

  // Infinite bandwidth: latency only.
  link.set_params(LinkParams{.latency = 250ns, .bandwidth_bps = 0});
  const Time t1 = sim.now();
  a.send(frame_of_size(1500));
  a.send(frame_of_size(1500));
  sim.run();
  CHECK(b.received[3].at - t1 == Duration{250});
  CHECK(b.received[4].at - t1 == Duration{250});

  CHECK(link.counters().delivered == 6);
  CHECK(sim.frames_delivered() == 6);
  CHECK(a.counters().tx_frames == 5);
  CHECK(a.counters().tx_bytes == 1000 + 1000 + 125 + 1500 + 1500);
  CHECK(b.counters().rx_frames == 5);
  CHECK(a.counters().rx_frames == 1);
}

TEST_CASE("jitter keeps each direction in FIFO order", "[link]") {
  Simulation sim(5);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  sim.connect(a, b, LinkParams{.latency = 10us, .bandwidth_bps = 100'000'000, .jitter = 50us});
  sim.run();
  // One 64-byte frame (5120 ns on the wire) every 10 us: the line is idle between frames, so
  // only jitter (and the FIFO rule) decides the arrival times.
  for (int i = 0; i < 500; ++i) {
    a.send(frame_of_size(64, static_cast<std::uint8_t>(i)));
    sim.run(sim.now() + 10us);
  }
  sim.run();
  REQUIRE(b.received.size() == 500);
  int jittered = 0;
  for (std::size_t i = 0; i < b.received.size(); ++i) {
    CHECK(b.received[i].bytes.back() == static_cast<std::uint8_t>(i));
    const Time at = b.received[i].at;
    const Time earliest = Time{static_cast<std::int64_t>(i) * 10'000 + 5120 + 10'000};
    CHECK(at >= earliest);
    if (i == 0) continue;
    const Time previous = b.received[i - 1].at;
    CHECK(at >= previous);
    // Held back behind the previous frame or not, never later than its own latest draw.
    CHECK(at <= earliest + 50us);
    if (at > earliest) ++jittered;
  }
  CHECK(jittered > 400);
}

TEST_CASE("loss rate follows the probability, reproducibly", "[link]") {
  auto run_once = [](std::uint64_t seed) {
    Simulation sim(seed);
    RecordingPort a(sim, "a");
    RecordingPort b(sim, "b");
    Link& link = sim.connect(a, b, LinkParams{.latency = 1us, .bandwidth_bps = 0, .loss = 0.1});
    for (int i = 0; i < 20'000; ++i) a.send(frame_of_size(60));
    sim.run();
    CHECK(link.counters().lost + link.counters().delivered == 20'000);
    CHECK(a.counters().tx_frames == 20'000);  // lost frames were still sent
    return link.counters().lost;
  };
  const auto lost = run_once(77);
  CHECK(lost > 1800);
  CHECK(lost < 2200);
  CHECK(run_once(77) == lost);
  CHECK(run_once(78) != lost);
}

TEST_CASE("each link draws from its own stream", "[link]") {
  // Link 0's loss pattern is the same whether or not another lossy link is busy too.
  auto pattern = [](bool second_link_busy) {
    Simulation sim(3);
    RecordingPort a(sim, "a");
    RecordingPort b(sim, "b");
    RecordingPort c(sim, "c");
    RecordingPort d(sim, "d");
    sim.connect(a, b, LinkParams{.latency = 1us, .bandwidth_bps = 0, .loss = 0.5});
    sim.connect(c, d, LinkParams{.latency = 1us, .bandwidth_bps = 0, .loss = 0.5});
    for (int i = 0; i < 200; ++i) {
      a.send(frame_of_size(60, static_cast<std::uint8_t>(i)));
      if (second_link_busy) c.send(frame_of_size(60));
      (void)sim.random().next();  // and others drawing from the lab's generator
    }
    sim.run();
    std::vector<std::uint8_t> seen;
    for (const auto& r : b.received) seen.push_back(r.bytes.back());
    return seen;
  };
  CHECK(pattern(false) == pattern(true));
}

TEST_CASE("drop-tail queue limit", "[link]") {
  Simulation sim(1);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  // 8 Mb/s: one byte per microsecond.
  Link& link = sim.connect(
      a, b, LinkParams{.latency = 0ns, .bandwidth_bps = 8'000'000, .queue_limit_bytes = 2500});
  sim.run();
  a.send(frame_of_size(1000));
  a.send(frame_of_size(1000));
  a.send(frame_of_size(1000));  // 2000 queued + 1000 > 2500: dropped
  CHECK(link.counters().queue_drops == 1);
  CHECK(a.counters().tx_dropped == 1);
  CHECK(link.queued_bytes(0) == 2000);
  sim.run(sim.now() + 600us);  // 600 bytes serialized: 1400 queued
  CHECK(link.queued_bytes(0) == 1400);
  a.send(frame_of_size(1000));  // 2400: fits
  CHECK(link.counters().queue_drops == 1);
  sim.run();
  CHECK(b.received.size() == 3);
  CHECK(b.received[2].at == Time{3000us});
}

TEST_CASE("link down loses frames in flight and drops new ones", "[link]") {
  Simulation sim(1);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  Link& link = sim.connect(a, b, LinkParams{.latency = 1ms, .bandwidth_bps = 0});
  sim.run();
  a.send(frame_of_size(60));
  b.send(frame_of_size(60));
  sim.run(sim.now() + 500us);
  link.set_up(false);
  CHECK_FALSE(link.up());
  CHECK_FALSE(a.carrier());
  CHECK(a.carrier_events == std::vector<bool>{true, false});
  CHECK(b.carrier_events == std::vector<bool>{true, false});
  a.send(frame_of_size(60));
  CHECK(a.counters().tx_dropped == 1);
  sim.run();
  CHECK(a.received.empty());
  CHECK(b.received.empty());
  CHECK(link.counters().down_drops == 3);
  CHECK(link.counters().delivered == 0);

  link.set_up(false);  // no change, no event
  CHECK(a.carrier_events.size() == 2);
  link.set_up(true);
  CHECK(a.carrier_events == std::vector<bool>{true, false, true});
  CHECK(b.carrier_events == std::vector<bool>{true, false, true});
  const Time t = sim.now();
  a.send(frame_of_size(60));
  sim.run();
  REQUIRE(b.received.size() == 1);
  CHECK(b.received[0].at == t + 1ms);
}

TEST_CASE("devices may be destroyed before the simulation", "[link]") {
  Simulation sim(1);
  auto a = std::make_unique<RecordingPort>(sim, "a");
  RecordingPort b(sim, "b");
  Link& link = sim.connect(*a, b);
  sim.run();
  a->send(frame_of_size(60));
  a.reset();  // a frame to b is still in flight
  CHECK_FALSE(b.carrier());
  CHECK(b.carrier_events == std::vector<bool>{true});  // told by an event, not synchronously
  b.send(frame_of_size(60));                           // nobody at the other end
  CHECK(b.counters().tx_dropped == 1);
  sim.run();
  CHECK(b.received.size() == 1);  // what was already on the wire still arrives
  CHECK(b.carrier_events == std::vector<bool>{true, false});
  CHECK(link.counters().down_drops == 1);
}

TEST_CASE("the per-frame path does not grow pools in steady state", "[link]") {
  Simulation sim(1);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  sim.connect(a, b, LinkParams{.latency = 10us, .bandwidth_bps = 1'000'000'000});
  const auto frame = frame_of_size(100);
  auto burst = [&] {
    for (int i = 0; i < 100; ++i) a.send(frame);
    sim.run();
    b.received.clear();
  };
  burst();
  const auto pool = sim.frames().capacity();
  const auto slots = sim.scheduler().slot_capacity();
  for (int i = 0; i < 100; ++i) burst();
  CHECK(sim.frames().capacity() == pool);
  CHECK(sim.scheduler().slot_capacity() == slots);
  CHECK(sim.frames().in_use() == 0);
}

namespace {
// A tapped lossy, jittery exchange; returns the capture.
std::vector<std::uint8_t> capture(std::uint64_t seed) {
  wire::PcapngWriter writer;
  Simulation sim(seed);
  RecordingPort a(sim, "phone1");
  RecordingPort b(sim, "access1:Gi1/0/1");
  Link& link = sim.connect(
      a, b, LinkParams{.latency = 2us, .bandwidth_bps = 100'000'000, .loss = 0.3, .jitter = 3us});
  link.tap(0, writer, "phone1", [](wire::Bytes f) {
    return f.back() % 2 == 0 ? std::string("step 4: even") : std::string();
  });
  link.tap(1, writer, "access1:Gi1/0/1");
  for (int i = 0; i < 50; ++i) {
    a.send(frame_of_size(80, static_cast<std::uint8_t>(i)));
    b.send(frame_of_size(70, static_cast<std::uint8_t>(i)));
    sim.run(sim.now() + 10us);
  }
  sim.run();
  // transmitted by a: 50 on if 0; delivered to a: on if 0 too; and the same on if 1.
  const auto expected = 100 + link.counters().delivered;
  CHECK(writer.packet_count() == expected);
  CHECK(writer.interface_count() == 2);
  return writer.data();
}
}  // namespace

TEST_CASE("taps write reproducible pcapng", "[link][pcapng]") {
  const auto first = capture(11);
  CHECK(first.size() > 1000);
  CHECK(first == capture(11));
  CHECK(first != capture(12));
  // Section header block magic.
  REQUIRE(first.size() > 12);
  CHECK(first[0] == 0x0a);
  CHECK(first[1] == 0x0d);
  CHECK(first[2] == 0x0d);
  CHECK(first[3] == 0x0a);
}

TEST_CASE("tap records transmit time and arrival time with comments", "[link][pcapng]") {
  wire::PcapngWriter writer;
  Simulation sim(1);
  RecordingPort a(sim, "a");
  RecordingPort b(sim, "b");
  Link& link = sim.connect(a, b, LinkParams{.latency = 5us, .bandwidth_bps = 0});
  link.tap(1, writer, "b", [](wire::Bytes) { return std::string("hello"); });
  sim.run(Time{1000});
  a.send(frame_of_size(60));
  sim.run();
  CHECK(writer.packet_count() == 1);  // only the delivery to b; a's end is not tapped
  const auto& d = writer.data();
  // Find the Enhanced Packet Block (type 6) and check its timestamp: 1000 + 5000 ns.
  std::size_t pos = 0;
  bool found = false;
  while (pos + 12 <= d.size()) {
    auto le32 = [&d](std::size_t p) {
      return std::uint32_t{d[p]} | std::uint32_t{d[p + 1]} << 8 | std::uint32_t{d[p + 2]} << 16 |
             std::uint32_t{d[p + 3]} << 24;
    };
    const std::uint32_t type = le32(pos);
    const std::uint32_t length = le32(pos + 4);
    if (type == 6) {
      const std::uint64_t ts = (std::uint64_t{le32(pos + 12)} << 32) | le32(pos + 16);
      CHECK(ts == 6000);
      const std::string text(d.begin(), d.end());
      CHECK(text.find("hello") != std::string::npos);
      found = true;
      break;
    }
    REQUIRE(length >= 12);
    pos += length;
  }
  CHECK(found);
  link.untap(1);
  a.send(frame_of_size(60));
  sim.run();
  CHECK(writer.packet_count() == 1);
}
