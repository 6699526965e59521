#pragma once
// The work behind `voicelab validate` and `voicelab run`, apart from CLI11 so that tests can call
// it with their own streams, clock and Runner (tests/cli). main.cpp only parses the command line.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "voicelab/scenario/runner.hpp"

namespace voicelab::cli {

namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int failed = 1;    // an expectation failed
inline constexpr int usage = 2;     // invalid input or usage
inline constexpr int internal = 3;  // internal error (also: no runner in this build)
}  // namespace exit_code

struct Console {
  std::ostream& out;
  std::ostream& err;
  bool colour = false;  // stdout is a terminal and NO_COLOR is not set
};

// Files as given, and every *.json directly inside a directory (sorted by name). Problems
// (missing path, empty directory) are appended to `problems` as "path: message".
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs,
                                       std::vector<std::string>& problems);

// `voicelab validate FILE|DIR...`: 0 when every file is valid, 2 otherwise. Diagnostics go to
// err as `file:line:col: /pointer: message`; "FILE: ok" lines to out unless quiet.
int validate_files(const std::vector<std::string>& inputs, bool quiet, Console& console);

struct RunArgs {
  std::vector<std::string> inputs;
  std::optional<std::string> out;     // --out DIR
  std::optional<std::uint64_t> seed;  // --seed N
  std::optional<std::string> junit;   // --junit FILE
  bool no_pcap = false;
  bool quiet = false;
  std::optional<std::string> ladder;         // --ladder PHONE (device name or MAC)
  std::optional<std::size_t> report_phones;  // --report-phones N
};

// Makes the lab's Runner; returns nullptr when this build has none.
using RunnerFactory = std::function<std::unique_ptr<scenario::Runner>()>;

struct Clocks {
  std::function<std::chrono::system_clock::time_point()> wall = [] {
    return std::chrono::system_clock::now();
  };
  std::function<std::chrono::steady_clock::time_point()> steady = [] {
    return std::chrono::steady_clock::now();
  };
};

// "runs/<scenario>-<YYYYmmdd-HHMMSS>" (UTC) under `base`.
std::string default_output_dir(const std::string& scenario_name,
                               std::chrono::system_clock::time_point when,
                               const std::string& base = "runs");

// `voicelab run`: validates every input first (2 on any error, nothing created), checks --ladder,
// asks the factory for a Runner (3 "runner not available" when there is none, nothing created),
// creates the output folders, runs each scenario, writes report.json and timeline.txt into its
// folder and the JUnit file if asked. 0 when every expectation passed, 1 otherwise.
int run_scenarios(const RunArgs& args, const RunnerFactory& factory, Console& console,
                  const Clocks& clocks = {});

}  // namespace voicelab::cli
