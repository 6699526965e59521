#include "voicelab/tftp/file_source.hpp"

namespace voicelab::tftp {

void MemoryFileSource::add(std::string path, std::vector<std::uint8_t> content) {
  files_[std::move(path)] = std::make_shared<const std::vector<std::uint8_t>>(std::move(content));
}

void MemoryFileSource::add(std::string path, std::string_view content) {
  add(std::move(path), std::vector<std::uint8_t>(content.begin(), content.end()));
}

bool MemoryFileSource::remove(std::string_view path) {
  const auto it = files_.find(path);
  if (it == files_.end()) return false;
  files_.erase(it);
  return true;
}

FileContent MemoryFileSource::lookup(std::string_view path) {
  ++lookups_;
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : it->second;
}

}  // namespace voicelab::tftp
