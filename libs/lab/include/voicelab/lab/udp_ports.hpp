#pragma once
// The UDP sockets one datagram engine uses on a netsim::Host, keyed by local port.
//
// Sans-I/O engines pick their own local ports (a TFTP transfer ID, a resolver's random port,
// DHCP's 67/68) and say so in every datagram they want sent (`source_port`). UdpPorts therefore
// binds a port the first time the engine sends from it and keeps it while it is used; ports the
// engine must hear on before it ever sends (a server's 67, 69, 53) are bound up front with
// bind(). A port bound on demand and unused (nothing sent or received) for `idle_timeout` is
// closed again by a sweep every idle_timeout / 2 (so between 1 and 1.5 idle_timeout after its
// last use), and a phone that fetched twenty files does not keep twenty sockets. Choose the
// timeout above the longest silence the engine tolerates on a port (TFTP dally, DNS retries).
//
// Power: a host that is powered off loses its sockets (netsim). On-demand ports are rebound on
// the next send; ports bound with bind() need bind() again (DatagramDriver::open()) after the
// host is powered on.
//
// Hot path: a send or receive is a binary search over the bound ports and the netsim call; no
// allocation once the port table has grown.

#include <cstdint>
#include <system_error>
#include <vector>

#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/scheduler.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::lab {

// Receives every datagram that reaches one of the ports (the driver behind them).
class UdpReceiver {
 public:
  virtual void on_datagram(const netsim::UdpReceiveInfo& info, wire::Bytes payload) = 0;

 protected:
  ~UdpReceiver() = default;
};

struct UdpPortsCounters {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;  // netsim refused the send (host off, no route, too big, ...)
  std::uint64_t bind_errors = 0;  // the port was taken or the host was off
  std::uint64_t binds = 0;        // sockets opened (up front, on demand, or again after power)
  std::uint64_t idle_closes = 0;  // on-demand ports closed after idle_timeout
};

class UdpPorts {
 public:
  // `host` and `receiver` must outlive this object. idle_timeout 0: on-demand ports stay open.
  UdpPorts(netsim::Host& host, UdpReceiver& receiver, Duration idle_timeout = 60s,
           std::uint8_t dscp = 0);
  ~UdpPorts();  // closes every socket
  UdpPorts(const UdpPorts&) = delete;
  UdpPorts& operator=(const UdpPorts&) = delete;

  // Binds `port` (not 0) and keeps it until close_all(). Idempotent; a socket lost to a power
  // cycle is bound again. Errors: netsim's (address_in_use, network_down).
  std::error_code bind(std::uint16_t port);
  // Sends from `from_port`, binding it first if needed (0: one ephemeral port of the host,
  // bound once and reused). Errors: a bind error, or UdpSocket::send_to's.
  std::error_code send(std::uint16_t from_port, netsim::SocketAddress to, wire::Bytes payload,
                       const netsim::UdpSendOptions& options = {});
  void close_all();

  [[nodiscard]] bool is_open(std::uint16_t port) const;
  [[nodiscard]] std::size_t open_count() const { return entries_.size(); }
  [[nodiscard]] std::vector<std::uint16_t> open_ports() const;
  [[nodiscard]] const UdpPortsCounters& counters() const { return counters_; }
  [[nodiscard]] netsim::Host& host() const { return host_; }

 private:
  struct Entry {
    std::uint16_t port = 0;
    bool permanent = false;
    Time last_used{};
    netsim::UdpSocket socket;
  };
  // nullptr when `port` has no entry.
  Entry* find(std::uint16_t port);
  // Opens (or reopens) the socket of `port`; for port 0 the host picks one.
  std::error_code open(std::uint16_t port, bool permanent, Entry** out);
  void received(std::uint16_t port, const netsim::UdpReceiveInfo& info, wire::Bytes payload);
  void sweep();
  void arm_sweep();

  netsim::Host& host_;
  UdpReceiver& receiver_;
  Duration idle_timeout_;
  std::uint8_t dscp_;
  std::vector<Entry> entries_;  // sorted by port
  std::uint16_t ephemeral_port_ = 0;
  netsim::Timer sweep_timer_;
  UdpPortsCounters counters_;
};

}  // namespace voicelab::lab
