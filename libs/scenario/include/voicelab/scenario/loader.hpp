#pragma once
// Reads a scenario file (docs/scenario-format.md): checks every key, type, value and reference,
// fills the defaults, and returns the resolved model or every problem found.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/scenario/diagnostic.hpp"
#include "voicelab/scenario/model.hpp"

namespace voicelab::scenario {

struct LoadResult {
  std::optional<Scenario> scenario;     // set when there is no error (warnings allowed)
  std::vector<Diagnostic> diagnostics;  // errors and warnings, in document order
  [[nodiscard]] bool ok() const { return scenario.has_value(); }
};

struct LoadOptions {
  std::size_t max_errors = 100;        // stop collecting after this many (one more says how many)
  std::size_t max_phones = 1'000'000;  // refuse scenarios that generate more
};

// `file` labels the diagnostics and names the scenario when it has no "name". Never throws for
// bad input; std::bad_alloc may escape.
LoadResult load_scenario_text(std::string_view text, std::string file,
                              const LoadOptions& options = {});

// Reads the file; an unreadable file is one diagnostic ("cannot read: ...").
LoadResult load_scenario_file(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace voicelab::scenario
