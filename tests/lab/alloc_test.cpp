// The drivers add no heap allocation per packet: with a log-less driver, everything allocated
// while packets flow is what the engines themselves allocate (one payload vector per output
// here). Counted with a replaced global operator new, as in the netsim host tests.

#include <atomic>
#include <cstdlib>
#include <new>

#include <catch2/catch.hpp>

#include "lab_test_util.hpp"
#include "voicelab/http/stream.hpp"
#include "voicelab/lab/datagram_driver.hpp"
#include "voicelab/lab/stream_driver.hpp"
#include "voicelab/tftp/datagram.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return ::operator new(n, t);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace voicelab;
using namespace voicelab::lab;
using namespace voicelab::lab::test;

namespace {

struct CountAllocations {
  CountAllocations() {
    allocations = 0;
    counting = true;
  }
  ~CountAllocations() { counting = false; }
  [[nodiscard]] std::size_t count() const { return allocations.load(); }
};

struct NoEvent {
  Time time{};
  [[nodiscard]] std::string describe() const { return {}; }
};

// Answers every datagram with one of the same size from the same port: one allocation (the
// payload vector) per datagram sent, nothing else.
class PingPong {
 public:
  void handle_datagram(Time, const tftp::Datagram& in) {
    out_.emplace();
    out_->destination = in.source;
    out_->source_port = in.destination.port;
    out_->payload.assign(in.payload.begin(), in.payload.end());
    ++sends;
  }
  void handle_timeout(Time) {}
  [[nodiscard]] std::optional<Time> next_timeout() const { return std::nullopt; }
  std::optional<tftp::OutgoingDatagram> poll_transmit() { return std::exchange(out_, {}); }
  std::optional<NoEvent> poll_event() { return std::nullopt; }
  void serve(tftp::Endpoint to, std::uint16_t from) {
    out_.emplace();
    out_->destination = to;
    out_->source_port = from;
    out_->payload.assign(200, 0x55);
  }
  std::uint64_t sends = 0;

 private:
  std::optional<tftp::OutgoingDatagram> out_;
};

// The same over a stream: echoes every chunk back on its connection.
class StreamPingPong {
 public:
  void handle_connected(Time, lab::ConnectionId id) {
    queue(id, std::vector<std::uint8_t>(300, 7));
  }
  void handle_bytes(Time, lab::ConnectionId id, wire::Bytes bytes) {
    queue(id, {bytes.begin(), bytes.end()});
  }
  void handle_closed(Time, lab::ConnectionId) {}
  void handle_timeout(Time) {}
  [[nodiscard]] std::optional<Time> next_timeout() const { return std::nullopt; }
  std::optional<http::StreamOutput> poll_transmit() { return std::exchange(out_, {}); }
  std::optional<NoEvent> poll_event() { return std::nullopt; }
  void connect(tftp::Endpoint to) {
    out_ = http::StreamOutput{http::StreamOutput::Kind::open, 1, to, {}};
  }
  std::uint64_t sends = 0;

 private:
  void queue(lab::ConnectionId id, std::vector<std::uint8_t> bytes) {
    out_ = http::StreamOutput{http::StreamOutput::Kind::send, id, {}, std::move(bytes)};
    ++sends;
  }
  std::optional<http::StreamOutput> out_;
};

}  // namespace

TEST_CASE("DatagramDriver adds no allocation per datagram", "[lab][alloc]") {
  TestLab lab(701, "alloc-udp");
  netsim::Host& a = lab.add_server("a", 0x020000000001ULL, "10.0.10.1");
  netsim::Host& b = lab.add_server("b", 0x020000000002ULL, "10.0.10.2");
  PingPong engine_a;
  PingPong engine_b;
  DatagramDriver<PingPong> driver_a(a, engine_a, udp_config("a", {7}));
  DatagramDriver<PingPong> driver_b(b, engine_b, udp_config("b", {7}));
  REQUIRE_FALSE(driver_a.open());
  REQUIRE_FALSE(driver_b.open());
  driver_a.update([](PingPong& e, Time) { e.serve({ip("10.0.10.2"), 7}, 7); });
  lab.sim().run_for(100ms);  // warm up: ARP, frame pool, scheduler slots
  const std::uint64_t before = engine_a.sends + engine_b.sends;
  std::size_t counted = 0;
  {
    CountAllocations count;
    lab.sim().run_for(500ms);
    counted = count.count();
  }
  const std::uint64_t sends = engine_a.sends + engine_b.sends - before;
  INFO(sends << " datagrams, " << counted << " allocations");
  CHECK(sends > 1000);
  CHECK(counted == sends);  // exactly the engines' payload vectors
}

TEST_CASE("StreamDriver adds no allocation per segment", "[lab][alloc]") {
  TestLab lab(702, "alloc-tcp");
  netsim::Host& a = lab.add_server("a", 0x020000000001ULL, "10.0.10.1");
  netsim::Host& b = lab.add_server("b", 0x020000000002ULL, "10.0.10.2");
  StreamPingPong client;
  StreamPingPong server;
  StreamDriver<StreamPingPong> driver_a(a, client, tcp_config("a"));
  StreamDriver<StreamPingPong> driver_b(b, server, tcp_config("b", 5060));
  REQUIRE_FALSE(driver_a.open());
  REQUIRE_FALSE(driver_b.open());
  driver_a.update([](StreamPingPong& e, Time) { e.connect({ip("10.0.10.2"), 5060}); });
  lab.sim().run_for(100ms);
  REQUIRE(driver_b.transport().connection_count() == 1);
  const std::uint64_t before = client.sends + server.sends;
  std::size_t counted = 0;
  {
    CountAllocations count;
    lab.sim().run_for(500ms);
    counted = count.count();
  }
  const std::uint64_t sends = client.sends + server.sends - before;
  INFO(sends << " chunks, " << counted << " allocations");
  CHECK(sends > 1000);
  CHECK(counted == sends);
}
