// voicelab: the command line. Exit codes (docs/architecture.md): 0 success, 2 invalid input or
// usage, 3 internal error.
//
// Each subcommand is added by one function, `add_<name>_command(CLI::App&, Action&)`, called from
// add_commands(): it registers the subcommand and its options on the app and, from the
// subcommand's parse callback, stores the Action that main() runs once parsing succeeded.

#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#ifndef VOICELAB_VERSION
#error "VOICELAB_VERSION must be defined by the build (apps/voicelab/CMakeLists.txt)"
#endif

namespace {

namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int usage = 2;
inline constexpr int internal = 3;
}  // namespace exit_code

// What the selected subcommand does once the whole command line parsed; returns the exit code.
using Action = std::function<int()>;

// Printed as is at the top of --help: wrapped by hand, CLI11 does not wrap it.
constexpr const char* description =
    "voicelab replays how Cisco SIP IP phones power up and register with a Cisco Unified\n"
    "Communications Manager (CUCM) lab, packet by packet: PoE and CDP on the switch, DHCP,\n"
    "the TFTP/HTTP configuration server and SIP registration, on a deterministic simulated\n"
    "network with a virtual clock.\n";

constexpr const char* footer =
    "Exit status: 0 success, 2 invalid input or usage, 3 internal error.";

// Registers every subcommand onto `app`; the selected one stores its Action into `selected`.
void add_commands(CLI::App& /*app*/, Action& /*selected*/) {}

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
