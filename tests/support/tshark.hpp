#pragma once
// tshark over capture files, for the tests of any library that writes pcapng. tshark is a
// required test dependency (tools/setup-deps.sh installs it): when it is missing, the checks
// fail with that advice; they never skip silently.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voicelab::test {

inline constexpr std::string_view tshark_missing_advice =
    "tshark is not on PATH: it is a required test dependency, run tools/setup-deps.sh";

struct TsharkResult {
  int exit_code = -1;  // -1: tshark is missing, could not be started, or was killed
  std::string output;  // standard output
  std::string errors;  // standard error (tshark also warns there when run as root)
};

// tshark's path when it is on PATH, otherwise empty.
std::filesystem::path find_tshark();

// `-o` preferences that make tshark verify the IPv4, UDP and TCP checksums (off by default).
std::vector<std::string> checksum_preferences();

// Runs `tshark -r CAPTURE EXTRA_ARGS...`; every argument reaches tshark as is, whatever shell
// characters it holds.
TsharkResult run_tshark(const std::filesystem::path& capture,
                        const std::vector<std::string>& extra_args = {});

// Splits `-T fields` output into rows of tab-separated fields.
std::vector<std::vector<std::string>> split_fields(std::string_view output);

struct CaptureCheck {
  TsharkResult tshark;
  std::size_t packets = 0;
  // "frame N: ..." for each malformed packet, bad IPv4/ICMP/UDP/TCP/CDP checksum (verification
  // on), or error-level expert info. Empty when the capture is clean.
  std::vector<std::string> problems;
};

// Dissects a whole capture with checksum verification on and collects its problems.
CaptureCheck check_capture(const std::filesystem::path& capture);

// Catch2 assertions over check_capture(): tshark is on PATH, reads the file (exit 0), counts
// `expected_packets` packets (when given) and finds no problem.
void require_clean_capture(const std::filesystem::path& capture,
                           std::optional<std::size_t> expected_packets = std::nullopt);

}  // namespace voicelab::test
