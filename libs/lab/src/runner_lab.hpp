#pragma once
// The simulated lab of one run (SimulatedRunner): every host, switch, link, engine and driver a
// scenario describes, the fault timeline and the per-phone bookkeeping the result and the
// capture comments need. Internal to libs/lab.
//
// Member order is destruction order, reversed: captures outlive the simulation (links hold
// taps on them), the simulation outlives every host, driver and timer, drivers are destroyed
// before their engines and hosts (each slot declares host, engine, driver in that order).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "voicelab/cucm/node.hpp"
#include "voicelab/dhcp/relay.hpp"
#include "voicelab/dhcp/server.hpp"
#include "voicelab/dns/responder.hpp"
#include "voicelab/lab/datagram_driver.hpp"
#include "voicelab/lab/log.hpp"
#include "voicelab/lab/node_driver.hpp"
#include "voicelab/lab/phone_driver.hpp"
#include "voicelab/lab/simulated_runner.hpp"
#include "voicelab/netsim/host.hpp"
#include "voicelab/netsim/simulation.hpp"
#include "voicelab/phone/model.hpp"
#include "voicelab/phone/phone.hpp"
#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/scenario/model.hpp"
#include "voicelab/scenario/result.hpp"
#include "voicelab/scenario/runner.hpp"
#include "voicelab/switch/simulated_switch.hpp"
#include "voicelab/wire/pcapng.hpp"

namespace voicelab::lab::detail {

// The far end of a SPAN destination port: takes the mirrored frames and drops them.
class SinkPort final : public netsim::Port {
 public:
  using netsim::Port::Port;
  void on_frame(const netsim::FrameRef&) override {}
};

// What the capture comments need to know about a phone-side transport port.
struct PortNote {
  int step = 0;
  std::string what;  // the file name of a TFTP transfer or of the last HTTP GET
};

struct PhoneSlot {
  std::size_t index = 0;  // into Scenario::phones
  const scenario::Phone* spec = nullptr;
  std::size_t switch_index = 0;
  std::size_t port = 0;  // agent / fabric port of its switch
  Random random{0};
  std::unique_ptr<netsim::Host> host;
  std::unique_ptr<phone::Phone> phone;
  std::unique_ptr<PhoneDriver> driver;
  netsim::Link* link = nullptr;
  wire::PcapngWriter* capture = nullptr;  // its own port's capture, if it has one
  bool denied = false;                    // power_denied told since it was plugged in

  bool plugged = false;          // its cable is in (power_on time passed)
  bool powered_ever = false;     // power arrived at least once
  std::optional<Time> power_at;  // the last time power arrived
  std::optional<Duration> registration_time;
  bool registered_this_power = false;
  std::vector<std::string> displays;

  // Settling (end of run): a final state, no step running.
  std::array<bool, phone::step_count + 1> running{};
  int current_step = 0;  // the most recently started step still running; 0: none
  bool settled = false;
  std::string settled_key;  // state and node when last settled
  std::optional<wire::Ipv4Address> ip;

  // Capture comments: phone-side UDP (TFTP) and TCP (HTTP) ports -> what they carry.
  std::unordered_map<std::uint16_t, PortNote> udp_notes;
  std::unordered_map<std::uint16_t, PortNote> tcp_notes;
};

struct SwitchSlot {
  const scenario::Switch* spec = nullptr;
  std::unique_ptr<access_switch::SimulatedSwitch> sw;
  std::optional<std::size_t> router_port;
  std::optional<std::size_t> span_port;
  std::unique_ptr<SinkPort> span_sink;
  netsim::Link* span_link = nullptr;
  std::vector<std::size_t> span_sources;    // access ports with a phone
  std::vector<std::int64_t> phone_on_port;  // agent port -> phone slot, -1: none
  // set_poe_budget below what is in use: ports powered then keep their allocation (the
  // scenario's rule) and the agent's budget is the new one plus what they hold, until they
  // lose power.
  std::uint32_t budget_mw = 0;
  std::vector<std::uint32_t> kept_mw;  // per agent port
  void apply_budget();
};

struct RouterSlot {
  std::size_t switch_index = 0;
  std::unique_ptr<netsim::Host> host;
  std::unique_ptr<dhcp::RelayAgent> relay;
  std::unique_ptr<DatagramDriver<dhcp::RelayAgent>> driver;
};

struct DhcpSlot {
  const scenario::DhcpServer* spec = nullptr;
  dhcp::ServerConfig config;
  std::unique_ptr<netsim::Host> host;
  std::unique_ptr<dhcp::Server> server;
  std::unique_ptr<DatagramDriver<dhcp::Server>> driver;
  bool service_up = true;
};

struct DnsSlot {
  const scenario::DnsServer* spec = nullptr;
  std::unique_ptr<netsim::Host> host;
  std::unique_ptr<dns::Responder> responder;
  std::unique_ptr<DatagramDriver<dns::Responder>> driver;
};

struct NodeSlot {
  const scenario::CucmNode* spec = nullptr;
  Random random{0};
  std::unique_ptr<netsim::Host> host;
  std::unique_ptr<cucm::Node> node;
  std::unique_ptr<NodeDriver> driver;
};

// A timeline entry waiting for its trigger.
struct Trigger {
  std::size_t entry = 0;
  scenario::Scenario::Range range;
  std::size_t needed = 0;
  std::size_t count = 0;
  std::vector<bool> done;  // per phone of the range
  bool fired = false;
};

class Lab {
 public:
  Lab(const scenario::Scenario& sc, const scenario::RunOptions& options,
      const SimulatedRunnerOptions& runner_options);
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  scenario::RunResult run();

 private:
  // runner_build.cpp
  void check_supported() const;
  void build_catalogue();
  void build_database();
  void build_switches();
  void build_links();
  void build_router();
  std::unique_ptr<netsim::Host> add_server_host(const std::string& name,
                                                const scenario::HostAttachment& at);
  void build_dhcp();
  void build_dns();
  void build_cucm();
  void build_phones();
  void build_captures();
  [[nodiscard]] dhcp::Pool make_pool(const scenario::DhcpScope& scope) const;

  // runner_run.cpp
  void schedule_timeline();
  void plug_in(std::size_t slot);
  void on_switch_event(std::size_t switch_index, const access_switch::Event& e);
  void on_power(std::size_t slot, bool on);
  void on_phone_event(std::size_t slot, const phone::Event& e);
  void update_settled(PhoneSlot& p);
  void check_triggers(std::size_t slot, const phone::Event& e);
  void apply(std::size_t entry);
  std::string apply_action(const scenario::Action& action);
  void restart_phone(PhoneSlot& p, bool power_cycle);
  [[nodiscard]] bool finished() const;
  scenario::RunResult collect() const;
  void write_outputs();
  void lab_note(std::string text);

  // runner_notes.cpp: the pcapng comment of a frame; `known` is the phone whose own port the
  // capture point is, or -1 for shared capture points (SPAN, CUCM ports).
  std::string annotate(wire::Bytes frame, std::int64_t known);
  // The comment without the device suffix; `phone` gets the phone it belongs to.
  std::string describe_frame(wire::Bytes frame, std::int64_t known, std::int64_t& phone);

  // runner_ladder.cpp: the ladder diagram of one phone (ladder.svg).
  void start_ladder();
  void record_ladder(bool tx, wire::Bytes frame);
  void write_ladder() const;
  [[nodiscard]] std::int64_t phone_by_mac(wire::MacAddress mac) const;
  [[nodiscard]] std::int64_t phone_by_ip(wire::Ipv4Address ip) const;
  [[nodiscard]] int step_of_file(const PhoneSlot& p, std::string_view file) const;

  const scenario::Scenario& sc_;
  scenario::RunOptions options_;
  SimulatedRunnerOptions ro_;

  std::vector<std::unique_ptr<wire::PcapngWriter>> writers_;
  Log log_;
  Log::ComponentId lab_log_ = 0;
  phone::ModelCatalogue catalogue_;
  std::unordered_map<std::string, std::string> model_names_;  // variant key -> catalogue name
  provisioning::Database db_;
  std::shared_ptr<provisioning::ConfigFiles> files_;

  netsim::Simulation sim_;
  std::vector<std::unique_ptr<SwitchSlot>> switches_;
  std::vector<netsim::Link*> links_;  // per Scenario::links
  std::unique_ptr<RouterSlot> router_;
  std::vector<std::unique_ptr<DhcpSlot>> dhcp_;
  std::vector<std::unique_ptr<DnsSlot>> dns_;
  std::vector<std::unique_ptr<NodeSlot>> nodes_;
  std::vector<std::unique_ptr<PhoneSlot>> phones_;
  std::uint64_t next_server_mac_ = 0x005056a10000ULL;

  // Lookups for capture comments.
  std::unordered_map<std::uint64_t, std::size_t> mac_to_phone_;  // phone MACs, switch port MACs
  std::unordered_map<std::uint32_t, std::size_t> ip_to_phone_;
  std::unordered_map<std::uint32_t, std::string> ip_to_node_;
  std::vector<std::string> ringlist_names_;

  // Timeline and settling.
  std::vector<Trigger> triggers_;
  std::size_t pending_entries_ = 0;  // scheduled (fixed or fired) but not applied yet
  std::vector<scenario::AppliedEvent> applied_;
  std::size_t unsettled_ = 0;
  Time last_change_{0};

  // The ladder diagram.
  struct LadderRow {
    Time at{};
    std::size_t from = 0, to = 0;  // columns
    std::string label;
  };
  std::optional<std::size_t> ladder_phone_;
  std::vector<std::string> ladder_columns_;  // [0] the phone
  std::unordered_map<std::string, std::size_t> ladder_column_of_;
  std::unordered_map<std::uint32_t, std::string> ip_names_;  // servers, nodes, the SVIs
  std::vector<LadderRow> ladder_;
};

}  // namespace voicelab::lab::detail
