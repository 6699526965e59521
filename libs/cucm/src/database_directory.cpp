#include "voicelab/cucm/database_directory.hpp"

#include <utility>

namespace voicelab::cucm {

DirectoryDevice directory_device(const provisioning::Database& db,
                                 const provisioning::Device& device) {
  DirectoryDevice out;
  out.name = device.name;
  out.model = device.model;
  out.description = device.description;
  out.line_dns.reserve(device.lines.size());
  for (const auto& line : device.lines) out.line_dns.push_back(line.dn);
  const auto nodes = db.call_manager_nodes(device);
  out.call_manager_group.reserve(nodes.size());
  for (const provisioning::Node* node : nodes) out.call_manager_group.push_back(node->name);
  return out;
}

const DirectoryDevice* DatabaseDirectory::find(std::string_view device_name) const {
  // 0 exactly when the database has no such device.
  const std::uint64_t generation = db_.device_generation(device_name);
  const auto it = cache_.find(device_name);
  if (generation == 0) {
    if (it != cache_.end()) cache_.erase(it);
    return nullptr;
  }
  if (it != cache_.end() && it->second.generation == generation) return &it->second.device;
  const provisioning::Device* device = db_.device(device_name);
  if (device == nullptr) return nullptr;  // not reached: the generation says it exists
  ++builds_;
  Entry entry{generation, directory_device(db_, *device)};
  if (it != cache_.end()) {
    it->second = std::move(entry);
    return &it->second.device;
  }
  return &cache_.emplace(std::string(device_name), std::move(entry)).first->second.device;
}

}  // namespace voicelab::cucm
