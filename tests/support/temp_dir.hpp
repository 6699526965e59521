#pragma once
// A scratch directory for one test, removed with everything in it when the test ends.

#include <filesystem>
#include <string_view>

namespace voicelab::test {

class TempDir {
 public:
  // Creates <system temp dir>/voicelab-<tag>-<pid>-<n>. Throws std::filesystem::filesystem_error
  // when it cannot.
  explicit TempDir(std::string_view tag = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(std::string_view name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace voicelab::test
