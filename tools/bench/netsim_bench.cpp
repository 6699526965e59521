// Throughput of the simulated network (docs/performance.md):
//   udp_storm   1,000 hosts behind 20 access switches and a core switch send small UDP
//               datagrams across the core; each iteration is one datagram from every host.
//   tcp_storm   1,000 clients each open a TCP connection to one of 10 servers, send 10 KB and
//               close; each iteration is the whole storm, from the first SYN to the last FIN.
//   udp_codec   the per-datagram codec work alone (encode Ethernet/IPv4/UDP, then decode it),
//               the peer that the simulator's per-packet cost is compared with in the same run.
// Reported: sim_packets/s (frames delivered over links per wall-clock second) and events/s.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/netsim/switch_fabric.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/udp.hpp"

namespace {

using namespace voicelab;
using netsim::Host;
using netsim::SocketAddress;
using netsim::SwitchFabric;
using netsim::SwitchPortConfig;
using wire::Ipv4Address;
using wire::Ipv4Prefix;
using wire::MacAddress;

constexpr std::size_t hosts_per_switch = 50;
constexpr std::uint16_t bench_port = 9000;

Ipv4Address host_address(std::size_t index) {
  return Ipv4Address{static_cast<std::uint32_t>((10U << 24) + 0x100U + index)};  // 10.0.1.0/16 on
}

// Hosts on access switches that all uplink to one core switch, one VLAN, one /16 subnet.
// Server hosts (if any) hang off the core switch directly.
struct Campus {
  netsim::Simulation sim;
  std::unique_ptr<SwitchFabric> core;
  std::vector<std::unique_ptr<SwitchFabric>> access;
  std::vector<std::unique_ptr<Host>> hosts;    // clients on access switches
  std::vector<std::unique_ptr<Host>> servers;  // on the core switch

  Campus(std::size_t host_count, std::size_t server_count, std::uint64_t seed) : sim(seed) {
    const std::size_t switch_count = (host_count + hosts_per_switch - 1) / hosts_per_switch;
    core = std::make_unique<SwitchFabric>(sim, "core", switch_count + server_count);
    for (std::size_t s = 0; s < switch_count; ++s) {
      auto sw = std::make_unique<SwitchFabric>(sim, "access" + std::to_string(s + 1),
                                               hosts_per_switch + 1);
      sim.connect(sw->port(hosts_per_switch), core->port(s));
      access.push_back(std::move(sw));
    }
    for (std::size_t i = 0; i < host_count; ++i) {
      hosts.push_back(make_host("host" + std::to_string(i), i));
      sim.connect(hosts.back()->port(0), access[i / hosts_per_switch]->port(i % hosts_per_switch));
    }
    for (std::size_t i = 0; i < server_count; ++i) {
      servers.push_back(make_host("server" + std::to_string(i), host_count + i));
      sim.connect(servers.back()->port(0), core->port(switch_count + i));
    }
  }

  std::unique_ptr<Host> make_host(std::string name, std::size_t index) {
    auto host = std::make_unique<Host>(sim, std::move(name));
    host->add_port(MacAddress::from_u64(0x020000000000ULL + index));
    host->add_interface(0, {}, Ipv4Prefix{host_address(index), 16});
    return host;
  }
};

void udp_storm(benchmark::State& state) {
  constexpr std::size_t host_count = 1000;
  Campus campus(host_count, 0, 1);
  std::uint64_t received = 0;
  std::vector<netsim::UdpSocket> sockets;
  for (auto& host : campus.hosts) {
    auto socket = host->udp_bind(
        bench_port, [&received](const netsim::UdpReceiveInfo&, wire::Bytes) { ++received; });
    sockets.push_back(socket.value());
  }
  const std::array<std::uint8_t, 64> payload{};
  auto send_round = [&] {
    for (std::size_t i = 0; i < host_count; ++i) {
      const SocketAddress peer{host_address((i + host_count / 2) % host_count), bench_port};
      (void)sockets[i].send_to(peer, payload);
    }
    campus.sim.run();
  };
  send_round();  // warm-up: ARP resolved, MAC tables learned, frame pool grown

  const std::uint64_t frames_before = campus.sim.frames_delivered();
  const std::uint64_t events_before = campus.sim.scheduler().events_run();
  received = 0;
  for (auto _ : state) send_round();
  const auto frames = static_cast<double>(campus.sim.frames_delivered() - frames_before);
  const auto events = static_cast<double>(campus.sim.scheduler().events_run() - events_before);
  if (received != host_count * static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("datagrams were lost");
  }
  state.counters["sim_packets/s"] = benchmark::Counter(frames, benchmark::Counter::kIsRate);
  state.counters["events/s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
  state.counters["packets/iter"] = benchmark::Counter(frames, benchmark::Counter::kAvgIterations);
}
BENCHMARK(udp_storm)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void tcp_storm(benchmark::State& state) {
  constexpr std::size_t client_count = 1000;
  constexpr std::size_t server_count = 10;
  constexpr std::size_t transfer_bytes = 10 * 1024;
  const std::vector<std::uint8_t> data(transfer_bytes, 0x5a);
  std::uint64_t frames = 0, events = 0, completed = 0;

  for (auto _ : state) {
    state.PauseTiming();
    auto campus = std::make_unique<Campus>(client_count, server_count, 7);
    std::uint64_t bytes_received = 0;
    std::vector<netsim::TcpListener> listeners;
    for (auto& server : campus->servers) {
      auto listener = server->tcp_listen(bench_port, [&bytes_received](netsim::TcpConnection c) {
        netsim::TcpHandlers handlers;
        handlers.on_data = [&bytes_received](netsim::TcpConnection, wire::Bytes bytes) {
          bytes_received += bytes.size();
        };
        handlers.on_peer_fin = [](netsim::TcpConnection conn) { conn.close(); };
        c.set_handlers(std::move(handlers));
      });
      listeners.push_back(listener.value());
    }
    std::size_t closed = 0;
    for (std::size_t i = 0; i < client_count; ++i) {
      netsim::TcpHandlers handlers;
      handlers.on_connected = [&data](netsim::TcpConnection conn) {
        (void)conn.send(data);
        conn.close();
      };
      handlers.on_closed = [&closed](netsim::TcpConnection, netsim::TcpCloseReason reason) {
        if (reason == netsim::TcpCloseReason::closed) ++closed;
      };
      const SocketAddress server{host_address(client_count + i % server_count), bench_port};
      (void)campus->hosts[i]->tcp_connect(server, std::move(handlers)).value();
    }
    const std::uint64_t frames_before = campus->sim.frames_delivered();
    const std::uint64_t events_before = campus->sim.scheduler().events_run();
    state.ResumeTiming();

    campus->sim.run();

    state.PauseTiming();
    frames += campus->sim.frames_delivered() - frames_before;
    events += campus->sim.scheduler().events_run() - events_before;
    if (bytes_received != client_count * transfer_bytes || closed != client_count) {
      state.SkipWithError("a transfer did not complete");
    }
    completed += closed;
    campus.reset();  // destruction is not what we measure
    state.ResumeTiming();
  }
  state.counters["sim_packets/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["transfers/s"] =
      benchmark::Counter(static_cast<double>(completed), benchmark::Counter::kIsRate);
}
BENCHMARK(tcp_storm)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// The codec work one simulated datagram needs at minimum (build the frame once, parse it once):
// the floor under the simulator's per-packet cost.
void udp_codec(benchmark::State& state) {
  std::array<std::uint8_t, 1536> frame{};
  const std::array<std::uint8_t, 64> payload{};
  const Ipv4Address src = host_address(1), dst = host_address(501);
  std::uint64_t packets = 0;
  for (auto _ : state) {
    wire::EthernetHeader eth{MacAddress::from_u64(0x020000000002ULL),
                             MacAddress::from_u64(0x020000000001ULL), std::nullopt,
                             wire::ethertype::ipv4};
    const std::size_t l2 = wire::encode_ethernet_header(frame, eth).value();
    wire::Ipv4Header ip;
    ip.protocol = wire::ip_protocol::udp;
    ip.src = src;
    ip.dst = dst;
    const std::size_t udp_size = wire::UdpHeader::size + payload.size();
    const std::size_t l3 =
        wire::encode_ipv4_header(std::span(frame).subspan(l2), ip, udp_size).value();
    (void)wire::encode_udp(std::span(frame).subspan(l2 + l3), src, dst, 40000, bench_port, payload)
        .value();
    const std::size_t length = l2 + l3 + udp_size;

    auto decoded = wire::decode_ethernet(std::span(frame).first(length));
    auto packet = wire::decode_ipv4(decoded->payload);
    auto datagram = wire::decode_udp(packet->payload, packet->header.src, packet->header.dst);
    benchmark::DoNotOptimize(datagram);
    ++packets;
  }
  state.counters["packets/s"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate);
}
BENCHMARK(udp_codec)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
