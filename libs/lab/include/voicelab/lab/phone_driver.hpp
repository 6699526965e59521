#pragma once
// Binds a phone::Phone (the whole 14-step phone, one engine) to a netsim::Host.
//
//   the phone's port   Ethernet frames the IP stack does not take (CDP, LLDP) -> handle_frame;
//                      SendFrame -> Host::send_frame (untagged, as the phone sends discovery)
//   UDP                every datagram to port 68 or to a port the phone sent from ->
//   handle_datagram;
//                      SendDatagram -> from its source port, to 255.255.255.255 when broadcast
//                      (from 0.0.0.0 while the interface has no address: DHCP)
//   TCP                TcpConnect / TcpSend / TcpClose under the phone's connection ids;
//                      handle_connected(local port), handle_connect_failed(why), handle_bytes,
//                      handle_closed
//   interface          SetVlan -> the interface's 802.1Q tag; SetAddress -> its address and the
//                      host's default gateway (what lab::apply_lease does for a bare DHCP client)
//   power              power_on()/power_off()/power_denied() from the switch's PoE callback (or
//                      an adapter); the host itself is powered by whoever cabled it
//   time               one timer at next_timeout() (EngineDriver)
//
// Console lines go to the Log under the driver's component; every phone event is also handed
// to the event handler (the runner follows steps and states there).
//
// The host must already have port `port` and interface `interface` (untagged, no address); the
// driver installs the host's L2 handler. Engine, host and Log must outlive the driver.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "voicelab/lab/engine_driver.hpp"
#include "voicelab/lab/stream_transport.hpp"
#include "voicelab/lab/udp_ports.hpp"
#include "voicelab/netsim/host.hpp"
#include "voicelab/phone/phone.hpp"

namespace voicelab::lab {

struct PhoneDriverConfig {
  std::string component;              // log component; empty: the host's name
  std::size_t port = 0;               // the host port the phone's network jack is
  netsim::InterfaceId interface = 0;  // the phone's IP interface on that port
  bool log_console = true;            // console lines into the Log (when there is one)
  // On-demand UDP ports (TFTP client ports, the resolver's) are closed after this long unused.
  // Above the longest silence the phone tolerates on a port (TFTP: 15 s per server).
  Duration idle_port_timeout = 60s;
};

struct PhoneDriverCounters {
  std::uint64_t frames_sent = 0, frames_received = 0;
  std::uint64_t datagrams_sent = 0, datagrams_received = 0, datagram_errors = 0;
  std::uint64_t connects = 0, connect_failures = 0, send_errors = 0;
};

class PhoneDriver final : public EngineDriver<phone::Phone, PhoneDriver>,
                          private UdpReceiver,
                          private StreamReceiver {
  using Base = EngineDriver<phone::Phone, PhoneDriver>;
  friend Base;

 public:
  using PhoneEventHandler = std::function<void(const phone::Event&)>;

  PhoneDriver(netsim::Host& host, phone::Phone& phone, PhoneDriverConfig config = {},
              Log* log = nullptr);
  ~PhoneDriver();

  // Every phone event, after its console line (if any) was logged. Hides the base's
  // set_event_handler: phone events have no describe().
  void set_event_handler(PhoneEventHandler handler) { handler_ = std::move(handler); }

  // Power arrives (the host must be up): binds port 68 and starts the phone (step 1 ok).
  void power_on(std::string source);
  // Power is cut. The host should already be down (a power cut sends nothing); the interface
  // loses its tag, address and gateway, the phone forgets everything.
  void power_off();
  // The switch refused power: step 1 failed, state no_power.
  void power_denied(std::string reason);

  [[nodiscard]] const PhoneDriverCounters& counters() const { return counters_; }
  [[nodiscard]] const UdpPorts& ports() const { return ports_; }
  [[nodiscard]] const StreamTransport& transport() const { return tcp_; }

 private:
  bool drain();  // hides EngineDriver::drain(): commands, then events
  void carry_out(phone::Command& command);
  void clear_interface();

  void on_datagram(const netsim::UdpReceiveInfo& info, wire::Bytes payload) override;
  void on_stream_opened(ConnectionId id, netsim::SocketAddress peer) override;
  void on_stream_connected(ConnectionId id, netsim::SocketAddress local) override;
  void on_stream_data(ConnectionId id, wire::Bytes bytes) override;
  void on_stream_closed(ConnectionId id, netsim::TcpCloseReason reason, bool established) override;

  PhoneDriverConfig config_;
  UdpPorts ports_;
  StreamTransport tcp_;
  PhoneEventHandler handler_;
  PhoneDriverCounters counters_;
};

// What a failed connect says to the phone ("connection refused (RST)", ...).
std::string describe_connect_failure(netsim::TcpCloseReason reason);

}  // namespace voicelab::lab
