#include "voicelab/tftp/path.hpp"

namespace voicelab::tftp {
namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool only_dots_and_spaces(std::string_view segment) {
  for (char c : segment) {
    if (c != '.' && c != ' ') return false;
  }
  return true;
}

}  // namespace

PathProblem check_path(std::string_view path) noexcept {
  if (path.empty()) return PathProblem::empty;
  if (path.size() > max_path_length) return PathProblem::too_long;
  // Character rules first, so "\\..\\x" is named for its backslash and "a\0/../b" for its NUL.
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u == 0) return PathProblem::nul;
    if (c == '\\') return PathProblem::backslash;
    if (u < 0x20 || u == 0x7f) return PathProblem::control_character;
  }
  if (path.front() == '/') return PathProblem::absolute;
  if (path.size() >= 2 && is_letter(path[0]) && path[1] == ':') return PathProblem::drive_letter;

  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find('/', start);
    const std::string_view segment =
        path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (segment.empty()) return PathProblem::empty_segment;
    if (only_dots_and_spaces(segment)) return PathProblem::dot_segment;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return PathProblem::none;
}

std::string_view describe(PathProblem problem) noexcept {
  switch (problem) {
    case PathProblem::none:
      return "allowed";
    case PathProblem::empty:
      return "empty path";
    case PathProblem::too_long:
      return "path longer than 255 bytes";
    case PathProblem::absolute:
      return "absolute path";
    case PathProblem::drive_letter:
      return "drive letter";
    case PathProblem::backslash:
      return "backslash in path";
    case PathProblem::nul:
      return "NUL in path";
    case PathProblem::control_character:
      return "control character in path";
    case PathProblem::empty_segment:
      return "empty path segment";
    case PathProblem::dot_segment:
      return "'.' or '..' segment";
  }
  return "unknown path problem";
}

}  // namespace voicelab::tftp
