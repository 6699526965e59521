#include "support/tshark.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace voicelab::test {
namespace {

// Wireshark's expert severity PI_ERROR (epan/proto.h): malformed packets, bad checksums, and
// protocol violations the dissectors are sure of.
constexpr std::string_view expert_severity_error = "8388608";

std::string shell_quote(std::string_view argument) {
  std::string quoted = "'";
  for (char c : argument) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted.push_back(c);
    }
  }
  quoted.push_back('\'');
  return quoted;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

std::filesystem::path find_tshark() {
  const char* path_variable = std::getenv("PATH");
  if (path_variable == nullptr) return {};
  for (const auto& directory : split(path_variable, ':')) {
    if (directory.empty()) continue;
    auto candidate = std::filesystem::path(directory) / "tshark";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::vector<std::string> checksum_preferences() {
  return {"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
          "-o", "tcp.check_checksum:TRUE"};
}

TsharkResult run_tshark(const std::filesystem::path& capture,
                        const std::vector<std::string>& extra_args) {
  TsharkResult result;
  const auto tshark = find_tshark();
  if (tshark.empty()) {
    result.errors = tshark_missing_advice;
    return result;
  }
  const TempDir scratch{"tshark"};
  const auto errors_file = scratch / "stderr.txt";

  std::string command = shell_quote(tshark.string()) + " -r " + shell_quote(capture.string());
  for (const auto& argument : extra_args) command += ' ' + shell_quote(argument);
  command += " 2>" + shell_quote(errors_file.string());

  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.errors = "cannot start tshark: " + command;
    return result;
  }
  char chunk[4096];
  std::size_t count = 0;
  while ((count = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) result.output.append(chunk, count);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.errors = read_file(errors_file);
  return result;
}

std::vector<std::vector<std::string>> split_fields(std::string_view output) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : split(output, '\n')) {
    if (!line.empty()) rows.push_back(split(line, '\t'));
  }
  return rows;
}

CaptureCheck check_capture(const std::filesystem::path& capture) {
  const std::vector<std::string> checksum_fields = {"ip.checksum.status", "icmp.checksum.status",
                                                    "udp.checksum.status", "tcp.checksum.status",
                                                    "cdp.checksum.status"};
  std::vector<std::string> args = checksum_preferences();
  for (const char* argument :
       {"-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number", "-e",
        "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.expert.message"}) {
    args.emplace_back(argument);
  }
  for (const auto& field : checksum_fields) {
    args.emplace_back("-e");
    args.push_back(field);
  }

  CaptureCheck check;
  check.tshark = run_tshark(capture, args);
  for (const auto& row : split_fields(check.tshark.output)) {
    ++check.packets;
    if (row.size() != 4 + checksum_fields.size()) {
      check.problems.push_back("unexpected tshark output line with " + std::to_string(row.size()) +
                               " fields");
      continue;
    }
    const std::string prefix = "frame " + row[0] + ": ";
    if (!row[1].empty()) check.problems.push_back(prefix + "malformed (" + row[1] + ")");
    for (const auto& severity : split(row[2], ',')) {
      if (severity == expert_severity_error) {
        check.problems.push_back(prefix + "error-level expert info: " + row[3]);
        break;
      }
    }
    for (std::size_t i = 0; i < checksum_fields.size(); ++i) {
      // Checksum status 0 is PROTO_CHECKSUM_E_BAD (1 good, 2 unverified, 3 not present).
      for (const auto& status : split(row[4 + i], ',')) {
        if (status == "0") check.problems.push_back(prefix + "bad " + checksum_fields[i]);
      }
    }
  }
  return check;
}

void require_clean_capture(const std::filesystem::path& capture,
                           std::optional<std::size_t> expected_packets) {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);
  const CaptureCheck check = check_capture(capture);
  INFO("tshark -r " << capture.string() << "\nstderr: " << check.tshark.errors);
  REQUIRE(check.tshark.exit_code == 0);
  if (expected_packets) CHECK(check.packets == *expected_packets);
  std::string problems;
  for (const auto& problem : check.problems) problems += problem + '\n';
  INFO("problems:\n" << problems);
  CHECK(check.problems.empty());
}

}  // namespace voicelab::test
