#pragma once
// Helpers of the TFTP tests: byte vectors from text, and an in-memory network that moves
// datagrams between TFTP engines with a latency and seeded loss, in virtual time.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "voicelab/tftp/datagram.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::test {

// Bytes of a string literal that may hold NULs: bytes("\0\1foo\0octet\0"s).
inline std::vector<std::uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

inline std::string text(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

// A file of `size` bytes whose content depends on the position (so a misplaced block shows).
inline std::vector<std::uint8_t> pattern_file(std::size_t size, std::uint8_t seed = 7) {
  std::vector<std::uint8_t> out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::uint8_t>((i * 31 + seed + (i >> 8)) & 0xff);
  }
  return out;
}

// One datagram on the simulated wire.
struct WireDatagram {
  Time sent{};
  tftp::Endpoint from;
  tftp::Endpoint to;
  std::vector<std::uint8_t> payload;
};

// Moves datagrams between engines (anything with the datagram-engine shape) attached at IPv4
// addresses. A datagram to an address nobody is attached at is lost (a silent server).
class Network {
 public:
  Network(std::uint64_t seed, Duration latency, double loss = 0.0)
      : random_(seed), latency_(latency), loss_(loss) {}

  template <class Engine>
  void attach(wire::Ipv4Address address, Engine& engine) {
    Node node;
    node.address = address;
    node.deliver = [&engine](Time now, const tftp::Datagram& d) { engine.handle_datagram(now, d); };
    node.poll = [&engine]() -> std::optional<tftp::OutgoingDatagram> {
      return engine.poll_transmit();
    };
    node.next_timeout = [&engine]() { return engine.next_timeout(); };
    node.timeout = [&engine](Time now) { engine.handle_timeout(now); };
    nodes_.push_back(std::move(node));
  }

  // Extra, deterministic drops on top of the random loss: return true to lose the datagram.
  std::function<bool(const WireDatagram&)> drop;
  // Called for every datagram sent (before loss), e.g. to write a capture.
  std::function<void(const WireDatagram&)> on_send;

  // Advances virtual time until nothing is in flight and no timer is due before `until`.
  // Returns false when max_steps ran out (a livelock).
  bool run(Time until, std::size_t max_steps = 2'000'000) {
    for (std::size_t step = 0; step < max_steps; ++step) {
      collect();
      std::optional<Time> next;
      if (!in_flight_.empty()) next = in_flight_.begin()->first.first;
      for (const auto& node : nodes_) {
        const auto t = node.next_timeout();
        if (t && (!next || *t < *next)) next = t;
      }
      if (!next || *next > until) {
        now_ = until;
        return true;
      }
      now_ = std::max(now_, *next);
      while (!in_flight_.empty() && in_flight_.begin()->first.first <= now_) {
        const WireDatagram d = std::move(in_flight_.begin()->second);
        in_flight_.erase(in_flight_.begin());
        Node* target = find(d.to.address);
        if (target == nullptr) {
          ++undeliverable_;
          continue;
        }
        ++delivered_;
        target->deliver(now_, tftp::Datagram{d.from, d.to, 0, d.payload});
        collect();
      }
      for (auto& node : nodes_) {
        const auto t = node.next_timeout();
        if (t && *t <= now_) node.timeout(now_);
      }
    }
    return false;
  }

  [[nodiscard]] Time now() const { return now_; }
  [[nodiscard]] const std::vector<WireDatagram>& sent() const { return sent_; }
  [[nodiscard]] std::size_t lost() const { return lost_; }
  [[nodiscard]] std::size_t delivered() const { return delivered_; }
  [[nodiscard]] std::size_t undeliverable() const { return undeliverable_; }

 private:
  struct Node {
    wire::Ipv4Address address;
    std::function<void(Time, const tftp::Datagram&)> deliver;
    std::function<std::optional<tftp::OutgoingDatagram>()> poll;
    std::function<std::optional<Time>()> next_timeout;
    std::function<void(Time)> timeout;
  };

  Node* find(wire::Ipv4Address address) {
    for (auto& node : nodes_) {
      if (node.address == address) return &node;
    }
    return nullptr;
  }

  void collect() {
    for (auto& node : nodes_) {
      while (auto out = node.poll()) {
        WireDatagram d{
            now_, {node.address, out->source_port}, out->destination, std::move(out->payload)};
        if (on_send) on_send(d);
        sent_.push_back(d);
        if (random_.chance(loss_) || (drop && drop(d))) {
          ++lost_;
          continue;
        }
        in_flight_.emplace(std::pair{now_ + latency_, sequence_++}, std::move(d));
      }
    }
  }

  Random random_;
  Duration latency_;
  double loss_;
  Time now_{};
  std::uint64_t sequence_ = 0;
  std::vector<Node> nodes_;
  std::map<std::pair<Time, std::uint64_t>, WireDatagram> in_flight_;
  std::vector<WireDatagram> sent_;
  std::size_t lost_ = 0, delivered_ = 0, undeliverable_ = 0;
};

}  // namespace voicelab::test
