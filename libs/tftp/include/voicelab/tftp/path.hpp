#pragma once
// Which requested paths a config server may serve: the rule shared by TFTP (port 69) and HTTP
// (port 6970), so both answer "access violation" / 403 for exactly the same names.
//
// A path is relative to the server's root, made of segments separated by '/'. It is refused,
// never normalised, when it:
//   - is empty or longer than max_path_length bytes;
//   - is absolute ('/' first) or starts with a drive letter ("C:", "c:foo");
//   - contains a backslash (a Windows separator: "..\\x"), a NUL, or another control character
//     (0x01-0x1F, 0x7F);
//   - has an empty segment ("a//b", a trailing '/');
//   - has a segment made only of dots and spaces: "." and ".." and also "...", ". ." or ".. ",
//     which Windows file systems reduce to "." or "..".
// Anything else (letters, digits, '-', '_', '.', '%', ':' after the first segment character,
// bytes >= 0x80) passes; whether the file exists is the FileSource's business.

#include <cstddef>
#include <string_view>

namespace voicelab::tftp {

inline constexpr std::size_t max_path_length = 255;

enum class PathProblem {
  none = 0,
  empty,
  too_long,
  absolute,
  drive_letter,
  backslash,
  nul,
  control_character,
  empty_segment,
  dot_segment,
};

// Checks `path` against the rules above; `none` when it may be served.
PathProblem check_path(std::string_view path) noexcept;

// "absolute path", "'..' segment", ... for logs and ERROR messages.
std::string_view describe(PathProblem problem) noexcept;

}  // namespace voicelab::tftp
