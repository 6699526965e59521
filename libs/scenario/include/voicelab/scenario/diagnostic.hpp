#pragma once
// A problem found in a scenario file, located by JSON pointer and, when the text has it, by line
// and column.

#include <optional>
#include <string>
#include <vector>

#include "voicelab/scenario/source_map.hpp"

namespace voicelab::scenario {

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;     // as given to the loader (empty for text without a file)
  std::string pointer;  // RFC 6901; "" is the whole document
  std::optional<Position> position;
  std::string message;  // what is wrong and what was expected

  // `file:line:col: /pointer: message`, with "warning: " before the message for warnings.
  // Without a position: `file: /pointer: message`. The root pointer prints as "/".
  [[nodiscard]] std::string to_string() const;
};

[[nodiscard]] bool has_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace voicelab::scenario
