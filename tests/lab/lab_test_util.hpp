#pragma once
// A small switched lab for the driver tests: one access switch, hosts on its ports (servers in
// VLAN 10, phones tagged in voice VLAN 100 behind an access port with a voice VLAN), an optional
// router-on-a-stick on a trunk, a Log, and a pcapng capture of chosen links written to a
// scratch directory for tshark.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "support/tshark.hpp"
#include "voicelab/lab/datagram_driver.hpp"
#include "voicelab/lab/log.hpp"
#include "voicelab/lab/stream_driver.hpp"
#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/netsim/switch_fabric.hpp"
#include "voicelab/wire/pcapng.hpp"

namespace voicelab::lab::test {

inline wire::Ipv4Address ip(std::string_view text) { return *wire::Ipv4Address::parse(text); }
inline wire::Ipv4Prefix prefix(std::string_view text) { return *wire::Ipv4Prefix::parse(text); }
inline wire::MacAddress mac(std::uint64_t value) { return wire::MacAddress::from_u64(value); }

inline std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}
inline std::string string_of(const std::vector<std::uint8_t>& bytes) {
  return {bytes.begin(), bytes.end()};
}

// Deterministic content where a reordered, dropped or duplicated block would show.
inline std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t salt = 0) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = 0x9e3779b9U ^ salt;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1664525U + 1013904223U;
    v[i] = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

// Driver configurations without designated initializers (GCC 12 warns about the omitted ones).
inline DatagramDriverConfig udp_config(std::string component,
                                       std::vector<std::uint16_t> listen_ports = {}) {
  DatagramDriverConfig config;
  config.component = std::move(component);
  config.listen_ports = std::move(listen_ports);
  return config;
}
inline StreamDriverConfig tcp_config(std::string component,
                                     std::optional<std::uint16_t> listen_port = std::nullopt) {
  StreamDriverConfig config;
  config.component = std::move(component);
  config.listen_port = listen_port;
  return config;
}

inline constexpr std::uint16_t server_vlan = 10;
inline constexpr std::uint16_t voice_vlan = 100;

struct HostSpec {
  std::string name;
  wire::MacAddress mac;
  netsim::SwitchPortConfig port = netsim::SwitchPortConfig::access(server_vlan);
  std::optional<wire::VlanTag> tag;         // the host's interface tag
  std::optional<wire::Ipv4Prefix> address;  // unset: a DHCP client
  std::optional<wire::Ipv4Address> gateway;
  netsim::LinkParams link{.latency = std::chrono::microseconds(200), .bandwidth_bps = 100'000'000};
  bool capture = true;  // tap the host's end of its link, interface named after the host
  netsim::HostConfig config{};
};

class TestLab {
 public:
  TestLab(std::uint64_t seed, std::string_view capture_name, std::size_t switch_ports = 8)
      : dir_("lab"),
        capture_path_(dir_ / (std::string(capture_name) + ".pcapng")),
        writer_(capture_path_.string()),
        sim_(seed),
        switch_(sim_, "access1", switch_ports) {}

  netsim::Host& add_host(const HostSpec& spec) {
    const std::size_t port = next_port_++;
    hosts_.push_back(std::make_unique<netsim::Host>(sim_, spec.name, spec.config));
    netsim::Host& host = *hosts_.back();
    host.add_port(spec.mac);
    host.add_interface(0, spec.tag, spec.address);
    host.set_default_gateway(spec.gateway);
    switch_.configure(port, spec.port);
    netsim::Link& link = sim_.connect(host.port(0), switch_.port(port), spec.link);
    links_.push_back(&link);
    if (spec.capture) link.tap(0, writer_, spec.name);
    return host;
  }

  // A server in VLAN 10 (10.0.10.0/24, gateway 10.0.10.1).
  netsim::Host& add_server(const std::string& name, std::uint64_t mac_value,
                           std::string_view address) {
    HostSpec spec;
    spec.name = name;
    spec.mac = mac(mac_value);
    spec.address = wire::Ipv4Prefix{ip(address), 24};
    spec.gateway = ip("10.0.10.1");
    return add_host(spec);
  }

  // A phone in voice VLAN 100: the switch port is access VLAN 1 with voice VLAN 100, the phone's
  // interface is tagged 100 and unconfigured (DHCP), as after CDP told it its voice VLAN.
  netsim::Host& add_phone(const std::string& name, wire::MacAddress phone_mac,
                          netsim::LinkParams link = {.latency = std::chrono::microseconds(200),
                                                     .bandwidth_bps = 100'000'000}) {
    HostSpec spec;
    spec.name = name;
    spec.mac = phone_mac;
    spec.port = netsim::SwitchPortConfig::access(1, voice_vlan);
    spec.tag = wire::VlanTag{voice_vlan, 0};
    spec.link = link;
    return add_host(spec);
  }

  // Router on a stick: one trunk port, subinterface VLAN 10 = 10.0.10.1/24 (InterfaceId 0) and
  // VLAN 100 = 10.1.100.1/24 (InterfaceId 1), forwarding on.
  netsim::Host& add_router(const std::string& name = "router") {
    const std::size_t port = next_port_++;
    hosts_.push_back(std::make_unique<netsim::Host>(sim_, name));
    netsim::Host& router = *hosts_.back();
    router.add_port(mac(0x00000c07ac01ULL));
    router.add_interface(0, wire::VlanTag{server_vlan, 0}, prefix("10.0.10.1/24"));
    router.add_interface(0, wire::VlanTag{voice_vlan, 0}, prefix("10.1.100.1/24"));
    router.set_forwarding(true);
    switch_.configure(port, netsim::SwitchPortConfig::trunk(1, {server_vlan, voice_vlan}));
    netsim::Link& link = sim_.connect(router.port(0), switch_.port(port),
                                      {.latency = std::chrono::microseconds(100)});
    links_.push_back(&link);
    link.tap(0, writer_, name);
    return router;
  }

  netsim::Simulation& sim() { return sim_; }
  netsim::SwitchFabric& fabric() { return switch_; }
  Log& log() { return log_; }
  // links()[i] joins the i-th host added (end 0) to its switch port (end 1).
  [[nodiscard]] const std::vector<netsim::Link*>& links() const { return links_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

  // Flushes the capture and returns its path (the file stays valid while the lab lives). With
  // VOICELAB_KEEP_CAPTURES=<dir> in the environment the capture is also copied there, to open
  // it in Wireshark when a test fails.
  const std::filesystem::path& capture() {
    writer_.flush();
    if (const char* keep = std::getenv("VOICELAB_KEEP_CAPTURES"); keep != nullptr && *keep != 0) {
      std::filesystem::create_directories(keep);
      std::filesystem::copy_file(capture_path_,
                                 std::filesystem::path(keep) / capture_path_.filename(),
                                 std::filesystem::copy_options::overwrite_existing);
    }
    return capture_path_;
  }

  // The frames of one capture point only, as a capture file of their own (written by tshark).
  // A capture with several taps holds each TCP segment once per tap, which tshark's TCP
  // analysis reads as retransmissions (and then does not hand their payload to HTTP); one tap's
  // view is what a capture on that port would have shown.
  std::filesystem::path capture_of(std::string_view interface) {
    const auto path = dir_ / (std::string(interface) + ".pcapng");
    const auto result = voicelab::test::run_tshark(
        capture(),
        {"-Y", "frame.interface_name == \"" + std::string(interface) + "\"", "-w", path.string()});
    REQUIRE(result.exit_code == 0);
    return path;
  }

 private:
  voicelab::test::TempDir dir_;
  std::filesystem::path capture_path_;
  wire::PcapngWriter writer_;
  netsim::Simulation sim_;
  netsim::SwitchFabric switch_;
  std::vector<std::unique_ptr<netsim::Host>> hosts_;
  std::vector<netsim::Link*> links_;
  std::size_t next_port_ = 0;
  Log log_;
};

}  // namespace voicelab::lab::test
