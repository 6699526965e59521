// The packet path allocates nothing once warm: counted with a replaced global operator new.

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include <catch2/catch.hpp>

#include "host_test_util.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
}  // namespace

// Every non-aligned form is replaced (new with malloc, delete with free) so that they match.
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
using namespace voicelab::netsim;
using namespace voicelab::netsim::test;

namespace {
struct CountAllocations {
  CountAllocations() {
    allocations = 0;
    counting = true;
  }
  ~CountAllocations() { counting = false; }
  std::size_t count() const { return allocations.load(); }
};
}  // namespace

TEST_CASE("UDP echo through the switch allocates nothing once warm", "[host][udp][alloc]") {
  SwitchedLab lab(61);
  Host& a = lab.add_host("a", prefix("10.0.0.1/24"));
  Host& b = lab.add_host("b", prefix("10.0.0.2/24"));
  UdpSocket sb;
  auto rb = b.udp_bind(7, [&sb](const UdpReceiveInfo& info, wire::Bytes payload) {
    (void)sb.send_to(info.source, payload);
  });
  REQUIRE(rb.ok());
  sb = *rb;
  int pongs = 0;
  int limit = 100;
  UdpSocket sa;
  auto ra = a.udp_bind(0, [&](const UdpReceiveInfo&, wire::Bytes payload) {
    if (++pongs < limit) (void)sa.send_to({ip("10.0.0.2"), 7}, payload);
  });
  REQUIRE(ra.ok());
  sa = *ra;
  const auto payload = pattern(160);
  (void)sa.send_to({ip("10.0.0.2"), 7}, payload);
  lab.sim.run_for(10s);  // warm-up: ARP, MAC learning, pools
  REQUIRE(pongs == 100);
  limit = 1100;
  {
    CountAllocations counter;
    (void)sa.send_to({ip("10.0.0.2"), 7}, payload);
    lab.sim.run_for(10s);
    CHECK(counter.count() == 0);
  }
  CHECK(pongs == 1100);
}

TEST_CASE("TCP request/response allocates nothing once warm", "[host][tcp][alloc]") {
  SwitchedLab lab(62);
  Host& client = lab.add_host("client", prefix("10.0.0.1/24"));
  Host& server = lab.add_host("server", prefix("10.0.0.2/24"));
  auto listener = server.tcp_listen(5060, [](TcpConnection c) {
    c.set_handlers({.on_data = [](TcpConnection c2, wire::Bytes d) { (void)c2.send(d); }});
  });
  REQUIRE(listener.ok());
  int replies = 0;
  int limit = 100;
  const auto request = pattern(500);
  auto conn = client.tcp_connect({ip("10.0.0.2"), 5060},
                                 {.on_connected = [&](TcpConnection c) { (void)c.send(request); },
                                  .on_data =
                                      [&](TcpConnection c, wire::Bytes) {
                                        if (++replies < limit) (void)c.send(request);
                                      }});
  REQUIRE(conn.ok());
  lab.sim.run_for(10s);
  REQUIRE(replies == 100);
  limit = 1100;
  {
    CountAllocations counter;
    (void)conn->send(request);
    lab.sim.run_for(10s);
    CHECK(counter.count() == 0);
  }
  CHECK(replies == 1100);
}

TEST_CASE("The allocation counter counts", "[host][alloc]") {
  CountAllocations counter;
  auto v = std::make_unique<std::vector<int>>(10);
  CHECK(counter.count() == 2);
}
