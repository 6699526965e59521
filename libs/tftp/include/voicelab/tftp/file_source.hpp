#pragma once
// Where a config server's files come from. The TFTP server (port 69) and the HTTP server (port
// 6970) of a CUCM node serve the same FileSource; the provisioning library implements it over
// the device database (generated SEP<MAC>.cnf.xml, ITL, loads, ...), tests over a map.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace voicelab::tftp {

// A file's bytes, shared: a transfer keeps the version it started with even if the source
// replaces the file meanwhile, and many transfers of one file share one copy.
using FileContent = std::shared_ptr<const std::vector<std::uint8_t>>;

class FileSource {
 public:
  virtual ~FileSource() = default;

  // The file at `path` (already checked by check_path(): relative, no '..', no backslash), or
  // nullptr when there is none: the servers answer "file not found" (TFTP error 1, HTTP 404).
  // Called once per request, when the server starts working on it. Must not throw for a missing
  // file.
  virtual FileContent lookup(std::string_view path) = 0;
};

// Files held in memory, matched by exact path (case-sensitive).
class MemoryFileSource final : public FileSource {
 public:
  // Adds or replaces a file.
  void add(std::string path, std::vector<std::uint8_t> content);
  void add(std::string path, std::string_view content);
  // Removes a file; false when there was none.
  bool remove(std::string_view path);

  FileContent lookup(std::string_view path) override;
  [[nodiscard]] std::size_t size() const { return files_.size(); }
  // How many lookups were made (served or not), for tests.
  [[nodiscard]] std::uint64_t lookups() const { return lookups_; }

 private:
  std::map<std::string, FileContent, std::less<>> files_;
  std::uint64_t lookups_ = 0;
};

}  // namespace voicelab::tftp
