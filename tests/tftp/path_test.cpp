// The path rule shared by the TFTP and HTTP config servers: a table of names a phone really
// asks for (allowed) and of traversal attempts (each refused for a named reason).

#include "voicelab/tftp/path.hpp"

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace voicelab::test {
namespace {

using tftp::PathProblem;

TEST_CASE("Names a Cisco phone asks its config server for are allowed", "[tftp][path]") {
  for (const std::string path : {
           "SEP001122334455.cnf.xml",
           "SEP001122334455.cnf.xml.sgn",
           "CTLSEP001122334455.tlv",
           "ITLSEP001122334455.tlv",
           "XMLDefault.cnf.xml",
           "sip88xx.12-8-1-0001-455.loads",
           "English_United_States/mk-sccp.jar",
           "United_States/g3-tones.xml",
           "Desktops/320x212x12/List.xml",
           "Ringlist-wb.xml",
           "a",
           "file.",
           ".hidden",
           "..a",
           "a..",
           "a.b..c",
           "name with spaces.xml",
           "percent%2e%2e",  // TFTP does not decode: a literal name
           "ab:c",           // a colon that is not the second character is not a drive
           "\xc3\xa9t\xc3\xa9.xml",
       }) {
    INFO(path);
    CHECK(tftp::check_path(path) == PathProblem::none);
  }
  CHECK(tftp::check_path(std::string(255, 'a')) == PathProblem::none);
}

TEST_CASE("Paths that leave the root or need interpreting are refused", "[tftp][path]") {
  const std::vector<std::pair<std::string, PathProblem>> cases = {
      {"", PathProblem::empty},
      {std::string(256, 'a'), PathProblem::too_long},
      {"..", PathProblem::dot_segment},
      {".", PathProblem::dot_segment},
      {"../etc/passwd", PathProblem::dot_segment},
      {"../../../../etc/shadow", PathProblem::dot_segment},
      {"English_United_States/../../etc/passwd", PathProblem::dot_segment},
      {"a/..", PathProblem::dot_segment},
      {"a/../b", PathProblem::dot_segment},
      {"./SEP001122334455.cnf.xml", PathProblem::dot_segment},
      {"a/./b", PathProblem::dot_segment},
      {"...", PathProblem::dot_segment},
      {"a/.../b", PathProblem::dot_segment},
      {".. ", PathProblem::dot_segment},
      {". .", PathProblem::dot_segment},
      {" ", PathProblem::dot_segment},
      {"/etc/passwd", PathProblem::absolute},
      {"/SEP001122334455.cnf.xml", PathProblem::absolute},
      {"//server/share", PathProblem::absolute},
      {"/", PathProblem::absolute},
      {"C:/Windows/win.ini", PathProblem::drive_letter},
      {"c:boot.ini", PathProblem::drive_letter},
      {"Z:", PathProblem::drive_letter},
      {"..\\..\\windows\\win.ini", PathProblem::backslash},
      {"\\etc\\passwd", PathProblem::backslash},
      {"C:\\boot.ini", PathProblem::backslash},
      {"a\\b", PathProblem::backslash},
      {std::string("SEP.cnf.xml\0../../etc/passwd", 28), PathProblem::nul},
      {std::string("\0", 1), PathProblem::nul},
      {"a\nb", PathProblem::control_character},
      {"a\rb", PathProblem::control_character},
      {"\x1b[2J", PathProblem::control_character},
      {"a\x7f", PathProblem::control_character},
      {"a\tb", PathProblem::control_character},
      {"a//b", PathProblem::empty_segment},
      {"dir/", PathProblem::empty_segment},
      {"a/b//", PathProblem::empty_segment},
  };
  for (const auto& [path, problem] : cases) {
    INFO("path '" << path << "' expected " << tftp::describe(problem));
    CHECK(tftp::check_path(path) == problem);
    CHECK(tftp::describe(tftp::check_path(path)) != tftp::describe(PathProblem::none));
  }
}

TEST_CASE("Every path problem has a description", "[tftp][path]") {
  for (int p = 0; p <= static_cast<int>(PathProblem::dot_segment); ++p) {
    CHECK(tftp::describe(static_cast<PathProblem>(p)) != "unknown path problem");
  }
}

}  // namespace
}  // namespace voicelab::test
