#pragma once
// The seam between `voicelab run` and the lab: the CLI validates, resolves the output folder and
// writes the reports; a Runner builds the lab from a Scenario and plays it.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "voicelab/scenario/model.hpp"
#include "voicelab/scenario/result.hpp"

namespace voicelab::scenario {

struct RunOptions {
  std::uint64_t seed = 1;                   // the seed to use (the scenario's unless --seed)
  std::filesystem::path out_dir;            // exists; the runner writes *.pcapng, logs/, the ladder
  bool pcap = true;                         // false: --no-pcap
  bool quiet = false;                       // no progress on stdout
  std::optional<std::size_t> ladder_phone;  // index into Scenario::phones (--ladder)
};

class Runner {
 public:
  virtual ~Runner() = default;

  // Plays `scenario` until every phone settled and the timeline is done, or until its
  // time_limit. Returns the raw outcome: scenario, file, seed, sim_time, packets,
  // time_limit_reached, phones (one per scenario phone, in order; make_empty_result() is the
  // starting point) and events. The caller measures wall_time and calls finish_run().
  // Throws on internal errors only (the CLI reports them with exit code 3): the scenario was
  // validated and must not be able to make a run fail to start.
  virtual RunResult run(const Scenario& scenario, const RunOptions& options) = 0;
};

}  // namespace voicelab::scenario
