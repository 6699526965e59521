// voicelab: the command line. Exit codes (docs/architecture.md): 0 success, 1 an expectation
// failed (run), 2 invalid input or usage, 3 internal error.
//
// Each subcommand is added by one function, `add_<name>_command(CLI::App&, Action&)`, called from
// add_commands(): it registers the subcommand and its options on the app and, from the
// subcommand's parse callback, stores the Action that main() runs once parsing succeeded.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "runner_factory.hpp"

#ifndef VOICELAB_VERSION
#error "VOICELAB_VERSION must be defined by the build (apps/voicelab/CMakeLists.txt)"
#endif

namespace {

namespace exit_code = voicelab::cli::exit_code;

// What the selected subcommand does once the whole command line parsed; returns the exit code.
using Action = std::function<int()>;

// Printed as is at the top of --help: wrapped by hand, CLI11 does not wrap it.
constexpr const char* description =
    "voicelab replays how Cisco SIP IP phones power up and register with a Cisco Unified\n"
    "Communications Manager (CUCM) lab, packet by packet: PoE and CDP on the switch, DHCP,\n"
    "the TFTP/HTTP configuration server and SIP registration, on a deterministic simulated\n"
    "network with a virtual clock.\n";

constexpr const char* footer =
    "Exit status: 0 success, 1 an expectation failed (run), 2 invalid input or usage,\n"
    "3 internal error. `voicelab COMMAND --help` describes each command.";

// Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org).
bool stdout_wants_colour() {
  return isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
}

void add_validate_command(CLI::App& app, Action& selected) {
  auto* cmd = app.add_subcommand(
      "validate",
      "Check scenario files without running them: every key, type, value and reference.\n"
      "Problems are printed as FILE:LINE:COLUMN: /json/pointer: message.");
  auto files = std::make_shared<std::vector<std::string>>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("FILE", *files, "Scenario files (*.json), or directories of them")->required();
  cmd->add_flag("-q,--quiet", *quiet, "Print nothing for valid files");
  cmd->footer(
      "Exit status: 0 every file is valid, 2 a file is invalid or unreadable.\n"
      "The scenario language is documented in docs/scenario-format.md.");
  cmd->callback([&selected, files, quiet] {
    selected = [files, quiet] {
      voicelab::cli::Console console{std::cout, std::cerr, false};
      return voicelab::cli::validate_files(*files, *quiet, console);
    };
  });
}

void add_run_command(CLI::App& app, Action& selected) {
  auto* cmd = app.add_subcommand(
      "run",
      "Run scenarios on the simulated lab and check their expectations. Every input is\n"
      "validated first: if one is invalid, nothing runs.");
  auto args = std::make_shared<voicelab::cli::RunArgs>();
  cmd->add_option("FILE", args->inputs, "Scenario files (*.json), or directories of them")
      ->required();
  cmd->add_option("--out", args->out,
                  "Output folder (default runs/<scenario>-<YYYYmmdd-HHMMSS>, UTC; with several\n"
                  "scenarios, one subfolder per scenario)")
      ->type_name("DIR");
  cmd->add_option("--seed", args->seed, "Seed of the random generator, instead of the scenario's")
      ->type_name("N");
  cmd->add_option("--junit", args->junit,
                  "Also write the expectations as JUnit XML (one testsuite per scenario)")
      ->type_name("FILE");
  cmd->add_flag("--no-pcap", args->no_pcap, "Do not write packet captures");
  cmd->add_flag("-q,--quiet", args->quiet,
                "Print nothing on standard output (problems still go to standard error)");
  cmd->add_option("--ladder", args->ladder,
                  "Draw the ladder diagram of this phone (device name or MAC)")
      ->type_name("PHONE");
  cmd->add_option("--report-phones", args->report_phones,
                  "List at most N phones in report.json and timeline.txt (phones not registered\n"
                  "first); the aggregate always counts every phone")
      ->type_name("N");
  cmd->footer(
      "The output folder receives report.json (docs/report-format.md), timeline.txt, packet\n"
      "captures, logs and the ladder diagram.\n"
      "Exit status: 0 every expectation met, 1 an expectation failed, 2 invalid input or usage,\n"
      "3 internal error (also when this build has no lab to run on).");
  cmd->callback([&selected, args] {
    selected = [args] {
      voicelab::cli::Console console{std::cout, std::cerr, stdout_wants_colour()};
      return voicelab::cli::run_scenarios(*args, voicelab::cli::make_runner, console);
    };
  });
}

// Registers every subcommand onto `app`; the selected one stores its Action into `selected`.
void add_commands(CLI::App& app, Action& selected) {
  add_validate_command(app, selected);
  add_run_command(app, selected);
}

int run(int argc, char** argv) {
  CLI::App app{description, "voicelab"};
  app.footer(footer);
  app.set_version_flag("--version", "voicelab " VOICELAB_VERSION, "Print the version and exit");

  Action selected;
  add_commands(app, selected);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a callback chose the exit code and already reported
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help/version on stdout, errors on stderr
    return code == static_cast<int>(CLI::ExitCodes::Success) ? exit_code::ok : exit_code::usage;
  }

  if (!selected) {
    // Nothing to do: show what can be done, as a usage error so that scripts notice.
    std::cerr << app.help();
    return exit_code::usage;
  }
  return selected();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "voicelab: internal error: {}\n", e.what());
  } catch (...) {
    fmt::print(stderr, "voicelab: internal error: unknown exception\n");
  }
  return exit_code::internal;
}
