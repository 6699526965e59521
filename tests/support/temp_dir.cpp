#include "support/temp_dir.hpp"

#include <unistd.h>

#include <atomic>
#include <string>
#include <system_error>

namespace voicelab::test {

TempDir::TempDir(std::string_view tag) {
  // The pid keeps parallel test processes (ctest -j) apart, the counter the TempDirs of one.
  static std::atomic<unsigned> counter{0};
  const auto base = std::filesystem::temp_directory_path();
  for (;;) {
    path_ = base / ("voicelab-" + std::string(tag) + '-' + std::to_string(::getpid()) + '-' +
                    std::to_string(counter++));
    if (std::filesystem::create_directory(path_)) return;
  }
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace voicelab::test
