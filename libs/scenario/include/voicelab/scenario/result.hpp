#pragma once
// What a run produced: the outcome per phone (state, status model, the 14 steps), the fault
// events that were applied, and, once finish_run() ran, the aggregate and the expectations.
// report.json, timeline.txt and JUnit XML are written from it (report.hpp).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "voicelab/scenario/steps.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::scenario {

struct Scenario;

struct StepResult {
  StepStatus status = StepStatus::pending;
  std::optional<Time> start;  // virtual time the step began
  std::optional<Time> end;    // virtual time it finished (ok, failed or skipped)
  std::string detail;         // e.g. "voice VLAN 100 from CDP", "SEP001122334455.cnf.xml 404"
};

struct PhoneResult {
  std::string device;  // SEP<MAC>
  wire::MacAddress mac;
  std::string model;               // "CP-8861"
  std::string group;               // empty for phones listed one by one
  std::string port;                // "access1:Gi1/0/1"
  std::string state = "no_power";  // one of phone_states(), normally
  std::optional<wire::Ipv4Address> ip;
  std::string registered_with;  // node name; empty when not registered
  std::string active_load;
  std::string inactive_load;
  std::string download_status;  // the phone's status screen, e.g. "Download complete"
  std::string display;          // the last display message
  // Every display message shown, in order, consecutive repeats folded.
  std::vector<std::string> displays_seen;
  std::array<StepResult, step_count> steps{};  // steps[0] is step 1
  // From power-on to every line registered (the last successful registration if it registered
  // more than once); nullopt when it never registered.
  std::optional<Duration> registration_time;
};

// A timeline entry as the lab applied it.
struct AppliedEvent {
  Time at{0};
  std::string action;  // "node_down", ...
  std::string detail;  // "cucm-sub1", "wan1 latency 150ms loss 5%", ...
};

struct ExpectationResult {
  std::string text;
  bool passed = false;
  std::string detail;  // what was observed; for failures, which phones and why
};

struct Percentiles {
  std::size_t samples = 0;
  Duration p50{0}, p90{0}, p99{0}, max{0};
};

// Nearest-rank percentiles (the smallest value with at least p% of the samples at or below it).
// `values` is sorted in place. nullopt when empty.
std::optional<Percentiles> percentiles(std::vector<Duration>& values);

struct Aggregate {
  std::size_t phones = 0;
  // Count per state: every state of phone_states() (zero included, in that order), then any
  // other state reported, in order of first appearance.
  std::vector<std::pair<std::string, std::size_t>> states;
  std::optional<Percentiles> registration_time;
};

struct RunResult {
  // Filled by the runner.
  std::string scenario;       // Scenario::name
  std::string file;           // Scenario::file
  std::uint64_t seed = 0;     // the seed actually used
  Time sim_time{0};           // virtual time when the run ended
  Duration wall_time{0};      // measured by the caller around Runner::run
  std::uint64_t packets = 0;  // frames delivered on the simulated network
  bool time_limit_reached = false;
  std::vector<PhoneResult> phones;  // in Scenario::phones order
  std::vector<AppliedEvent> events;

  // Filled by finish_run().
  Aggregate aggregate;
  std::vector<ExpectationResult> expectations;

  [[nodiscard]] bool passed() const;  // every expectation passed (true when there are none)
};

// Counts and percentiles over every phone of `result`.
Aggregate compute_aggregate(const RunResult& result);

// Fills `aggregate` and `expectations` (evaluating the scenario's expectations, see
// expectations.hpp). Call once the runner returned.
void finish_run(const Scenario& scenario, RunResult& result);

// A result with one PhoneResult per scenario phone, identity fields filled (device, mac, model,
// group, port, loads on flash), state "no_power" and every step pending: the starting point of a
// runner, and of tests.
RunResult make_empty_result(const Scenario& scenario);

}  // namespace voicelab::scenario
