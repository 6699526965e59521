// Counts every operator new in this test binary, to prove that the per-frame path (links,
// scheduler, switch fabric) does not allocate once warm. Replacing the global operator new is
// allowed by the standard; the replacement forwards to malloc, so ASan still checks the heap.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include <catch2/catch.hpp>

#include "netsim_test_util.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/netsim/switch_fabric.hpp"

namespace {
std::uint64_t allocations = 0;

void* counted_alloc(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* counted_aligned_alloc(std::size_t size, std::align_val_t align) {
  ++allocations;
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  return counted_aligned_alloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return counted_aligned_alloc(size, align);
}
// The nothrow forms too: otherwise the sanitizer runtime's own nothrow new would pair with our
// free-based delete.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  ++allocations;
  const auto a = static_cast<std::size_t>(align);
  return std::aligned_alloc(a, (size + a - 1) / a * a);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  ++allocations;
  const auto a = static_cast<std::size_t>(align);
  return std::aligned_alloc(a, (size + a - 1) / a * a);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace voicelab;
using namespace voicelab::netsim;
using voicelab::netsim::test::FrameSpec;
using voicelab::netsim::test::make_frame;

namespace {

// Answers every frame with its own prepared reply (a shared FrameRef: no copy).
class EchoPort : public Port {
 public:
  using Port::Port;
  void on_frame(const FrameRef&) override {
    ++received;
    if (reply && echo) transmit(reply);
  }
  FrameRef reply;
  bool echo = true;
  std::uint64_t received = 0;
};

FrameSpec spec(std::uint64_t src, std::uint64_t dst, std::optional<std::uint16_t> tci = {}) {
  FrameSpec s;
  s.src = src;
  s.dst = dst;
  s.tci = tci;
  s.payload = 200;
  return s;
}

}  // namespace

TEST_CASE("links and the scheduler do not allocate per frame", "[alloc][link]") {
  Simulation sim(1);
  EchoPort a("a");
  EchoPort b("b");
  a.echo = false;
  b.echo = false;
  sim.connect(
      a, b,
      LinkParams{.latency = 3us, .bandwidth_bps = 1'000'000'000, .loss = 0.01, .jitter = 1us});
  a.reply = sim.frames().copy_of(make_frame(spec(1, 2)));
  b.reply = sim.frames().copy_of(make_frame(spec(2, 1)));
  // Both ends send every 2 us (a 228-byte frame takes 1824 ns); a timer paces it and one
  // re-armed on every frame (a retransmission timer pattern) sits far in the future.
  Timer far(sim.scheduler(), [] {});
  Timer* pace_self = nullptr;
  Timer pace(sim.scheduler(), [&] {
    a.transmit(a.reply);
    b.transmit(b.reply);
    far.arm_after(1s);
    pace_self->arm_after(2us);
  });
  pace_self = &pace;
  pace.arm_at(sim.now());
  sim.run(Time{10ms});  // warm up
  const auto before = allocations;
  const auto delivered = sim.frames_delivered();
  sim.run(Time{100ms});
  const auto during = allocations - before;
  CHECK(sim.frames_delivered() - delivered > 85'000);  // 90,000 sent, 1% lost
  CHECK(sim.scheduler().pending_count() < 20);
  CHECK(during == 0);
}

TEST_CASE("switching does not allocate per frame once warm", "[alloc][switch]") {
  Simulation sim(1);
  SwitchFabric sw(sim, "sw1", 8);
  // Phones on even ports (data 10, voice 100), trunks on odd ports: every hop re-tags.
  for (std::size_t i = 0; i < 8; ++i) {
    sw.configure(i, i % 2 == 0 ? SwitchPortConfig::access(10, 100) : SwitchPortConfig::trunk(1));
  }
  std::vector<std::unique_ptr<EchoPort>> hosts;
  for (std::size_t i = 0; i < 8; ++i) {
    hosts.push_back(std::make_unique<EchoPort>("h" + std::to_string(i)));
    sim.connect(*hosts[i], sw.port(i), LinkParams{.latency = 1us, .bandwidth_bps = 0});
  }
  for (std::uint64_t i = 0; i < 8; ++i) {
    const std::uint64_t me = 0x020000000000ULL + i;
    const std::uint64_t peer = 0x020000000000ULL + (i ^ 1);
    // Even ports send untagged data (tag pushed towards the trunk), odd ports send tagged
    // VLAN 10 with PCP 3 (tag popped towards the phone).
    hosts[i]->reply = sim.frames().copy_of(make_frame(spec(
        me, peer, i % 2 == 0 ? std::nullopt : std::optional<std::uint16_t>{test::tci(10, 3)})));
  }
  sim.run();
  // A broadcaster on the side keeps flooding going too.
  for (std::size_t i = 0; i < 8; ++i) {
    for (int k = 0; k < 4; ++k) hosts[i]->transmit(hosts[i]->reply);
  }
  sim.run(sim.now() + 5ms);  // warm up: MAC table, frame pool, scheduler slots, heap
  const auto before = allocations;
  const auto forwarded = sw.counters().unicast_forwarded;
  sim.run(sim.now() + 50ms);
  const auto during = allocations - before;
  CHECK(sw.counters().unicast_forwarded - forwarded > 10'000);
  CHECK(during == 0);
  CHECK(hosts[0]->received > 1000);
}
