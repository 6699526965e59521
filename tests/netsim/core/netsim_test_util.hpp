#pragma once
// Test devices for netsim core tests: a port that records what it receives, and a raw Ethernet
// frame builder (tags written by hand, so the tests do not depend on the codecs under test).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/netsim/simulation.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::netsim::test {

struct Received {
  Time at;
  std::vector<std::uint8_t> bytes;
};

// A NIC that records every frame and carrier change, with the virtual time it happened.
class RecordingPort : public Port {
 public:
  RecordingPort(Simulation& sim, std::string name) : Port(std::move(name)), sim_(sim) {}
  void on_frame(const FrameRef& frame) override {
    received.push_back({sim_.now(), {frame.bytes().begin(), frame.bytes().end()}});
  }
  void on_carrier(bool up) override { carrier_events.push_back(up); }
  void send(wire::Bytes bytes) { transmit(sim_.frames().copy_of(bytes)); }

  std::vector<Received> received;
  std::vector<bool> carrier_events;

 private:
  Simulation& sim_;
};

inline constexpr std::uint64_t broadcast_mac = 0xffffffffffffULL;

struct FrameSpec {
  std::uint64_t dst = broadcast_mac;
  std::uint64_t src = 0x020000000001ULL;
  std::optional<std::uint16_t> tci;  // 802.1Q tag control information, when tagged
  std::uint16_t ethertype = 0x0800;
  std::size_t payload = 46;
  std::uint8_t fill = 0xab;
};

inline std::vector<std::uint8_t> make_frame(const FrameSpec& spec) {
  std::vector<std::uint8_t> f;
  auto put_mac = [&f](std::uint64_t mac) {
    for (int shift = 40; shift >= 0; shift -= 8)
      f.push_back(static_cast<std::uint8_t>(mac >> shift));
  };
  auto put16 = [&f](std::uint16_t v) {
    f.push_back(static_cast<std::uint8_t>(v >> 8));
    f.push_back(static_cast<std::uint8_t>(v));
  };
  put_mac(spec.dst);
  put_mac(spec.src);
  if (spec.tci) {
    put16(0x8100);
    put16(*spec.tci);
  }
  put16(spec.ethertype);
  f.insert(f.end(), spec.payload, spec.fill);
  return f;
}

// The 802.1Q TCI of a received frame, if tagged.
inline std::optional<std::uint16_t> tci_of(const std::vector<std::uint8_t>& frame) {
  if (frame.size() >= 18 && wire::load_be16(frame.data() + 12) == 0x8100) {
    return wire::load_be16(frame.data() + 14);
  }
  return std::nullopt;
}

inline std::uint16_t tci(std::uint16_t vid, std::uint8_t pcp = 0) {
  return static_cast<std::uint16_t>((pcp << 13) | vid);
}

}  // namespace voicelab::netsim::test
