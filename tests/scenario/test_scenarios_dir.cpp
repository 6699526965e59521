// Every scenario shipped in scenarios/ loads without errors or warnings.

#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

#include "voicelab/scenario/loader.hpp"

using namespace voicelab::scenario;

TEST_CASE("every scenario in scenarios/ is valid", "[scenarios]") {
  const std::filesystem::path dir = std::filesystem::path(VOICELAB_SOURCE_DIR) / "scenarios";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    const auto r = load_scenario_file(file);
    std::string diags;
    for (const auto& d : r.diagnostics) diags += d.to_string() + "\n";
    INFO(file.string() << ":\n" << diags);
    CHECK(r.ok());
    CHECK(r.diagnostics.empty());
    if (r.ok()) {
      CHECK(r.scenario->name == file.stem().string());
      CHECK_FALSE(r.scenario->expectations.empty());
    }
  }
}

TEST_CASE("every example in tests/scenario/invalid/ is refused with a located error",
          "[scenarios]") {
  const std::filesystem::path dir =
      std::filesystem::path(VOICELAB_SOURCE_DIR) / "tests" / "scenario" / "invalid";
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    const auto r = load_scenario_file(entry.path());
    INFO(entry.path().string());
    CHECK_FALSE(r.ok());
    REQUIRE_FALSE(r.diagnostics.empty());
    CHECK(r.diagnostics.front().severity == Severity::error);
    CHECK(r.diagnostics.front().position.has_value());
  }
  CHECK(count >= 10);
}
