#include "voicelab/cucm/directory.hpp"

#include <utility>

namespace voicelab::cucm {

MemoryDirectory::MemoryDirectory(std::initializer_list<DirectoryDevice> devices) {
  for (const auto& device : devices) add(device);
}

void MemoryDirectory::add(DirectoryDevice device) {
  std::string name = device.name;
  devices_.insert_or_assign(std::move(name), std::move(device));
}

bool MemoryDirectory::remove(std::string_view device_name) {
  const auto it = devices_.find(device_name);
  if (it == devices_.end()) return false;
  devices_.erase(it);
  return true;
}

const DirectoryDevice* MemoryDirectory::find(std::string_view device_name) const {
  const auto it = devices_.find(device_name);
  return it == devices_.end() ? nullptr : &it->second;
}

}  // namespace voicelab::cucm
