#pragma once
// The simulated lab behind `voicelab run`: builds the hosts, switches, links and roles a
// validated scenario describes on one netsim::Simulation, plays its fault timeline, runs until
// every phone settled (or the time limit) and returns the outcome per phone. docs/lab.md,
// "The simulated runner", says how each part of the scenario becomes part of the lab, what the
// captures and logs hold, and which scenario settings the lab cannot honour yet (those make
// run() throw UnsupportedScenario before anything runs: the CLI's exit code 3).
//
// Outputs, into RunOptions::out_dir:
//   <device>.pcapng        the phone's switch port (the first `phone_captures` phones)
//   <node>.pcapng          each CUCM node's switch port
//   <switch>-span.pcapng   a SPAN of the access ports with a phone (the first span_max_ports),
//                          per switch with phones
//   logs/<component>.log   phone consoles (the first `phone_logs` phones), switch logs, DHCP
//                          server and relay, DNS, Cisco TFTP / HTTP / CallManager SIP trace,
//                          and lab.log (what the timeline did)
//   ladder.svg             the ladder diagram of RunOptions::ladder_phone (else the first
//                          phone): its registration's frames between it and its peers
// Captures are skipped with RunOptions::pcap false; logs are always written. Every packet of a
// capture that belongs to a phone's registration carries a pcapng comment naming the step
// ("step 4: DHCP DISCOVER", "step 11: SIP REGISTER line 1001").
//
// The same scenario with the same seed gives the same RunResult (wall time aside) and the same
// bytes in every capture and log.

#include <cstddef>
#include <stdexcept>

#include "voicelab/scenario/runner.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::lab {

// A scenario setting the simulated lab cannot reproduce faithfully. The message names the
// setting (its JSON pointer where the model keeps one) and why.
class UnsupportedScenario : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SimulatedRunnerOptions {
  // Phones (in scenario order) whose own port is captured to <device>.pcapng. The SPAN and
  // CUCM captures hold every phone's packets anyway; per-phone files are for reading one
  // phone's start-up without a filter.
  std::size_t phone_captures = 16;
  // The SPAN session of an access switch mirrors the ports of its first `span_max_ports`
  // phones (port order), like one monitor session per 48-port line card: in a storm every
  // broadcast is flooded to every phone port, and mirroring all of them would copy each
  // broadcast once per port into the capture.
  std::size_t span_max_ports = 48;
  // Phones (in scenario order) whose console is written to logs/<device>.log; the others run
  // with console_limit 0 (a storm's memory).
  std::size_t phone_logs = 64;
  // The registrars write a SIP trace line per message only while the lab has at most this
  // many phones (a 100,000-phone storm would write millions).
  std::size_t sip_trace_max_phones = 200;
  // The run ends when every phone is settled (a final state, no step running), every fixed-time
  // timeline entry and every triggered one has been applied, and nothing of that changed for
  // this long: long enough for what follows a fault by itself (a fallback probe every 30 s,
  // retries after 30 s and 60 s) to show.
  Duration settle_window = std::chrono::minutes(2);
  // How often the end condition is checked (virtual time).
  Duration check_interval = std::chrono::seconds(1);
};

class SimulatedRunner final : public scenario::Runner {
 public:
  explicit SimulatedRunner(SimulatedRunnerOptions options = {}) : options_(options) {}

  // Throws UnsupportedScenario (before the lab starts) for settings the lab cannot honour,
  // std::system_error / std::filesystem::filesystem_error when an output cannot be written.
  scenario::RunResult run(const scenario::Scenario& scenario,
                          const scenario::RunOptions& options) override;

 private:
  SimulatedRunnerOptions options_;
};

}  // namespace voicelab::lab
