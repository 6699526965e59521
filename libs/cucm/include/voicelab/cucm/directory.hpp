#pragma once
// The device database as the registrar sees it: a lookup by device name (APIS.md section D). The
// registrar depends on this interface only: tests and tools hand it a MemoryDirectory, a node
// (node.hpp) the provisioning database through DatabaseDirectory (database_directory.hpp).

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace voicelab::cucm {

// One phone as configured in CUCM.
struct DirectoryDevice {
  std::string name;         // "SEP" + MAC, upper-case hex: what the phone puts in its Contact
  std::string model;        // "Cisco 8861"
  std::string description;  // free text shown by Find and List Phones
  // Directory numbers of the device's lines, line 1 first. A REGISTER whose To user is not in
  // this list is rejected.
  std::vector<std::string> line_dns;
  // Node names of the device pool's CallManager group, highest priority first. A node accepts
  // registrations only from devices whose group lists it.
  std::vector<std::string> call_manager_group;

  friend bool operator==(const DirectoryDevice&, const DirectoryDevice&) = default;
};

class Directory {
 public:
  virtual ~Directory() = default;
  // The device named `device_name` (exact, case-sensitive match), or nullptr. The pointer must
  // stay valid until the directory changes; the registrar does not keep it across calls.
  virtual const DirectoryDevice* find(std::string_view device_name) const = 0;
};

// A Directory held in memory: tests, tools and small labs.
class MemoryDirectory final : public Directory {
 public:
  MemoryDirectory() = default;
  MemoryDirectory(std::initializer_list<DirectoryDevice> devices);

  // Adds the device, or replaces the one with the same name.
  void add(DirectoryDevice device);
  // Removes the device; false when there was none.
  bool remove(std::string_view device_name);

  const DirectoryDevice* find(std::string_view device_name) const override;
  [[nodiscard]] std::size_t size() const { return devices_.size(); }

 private:
  std::map<std::string, DirectoryDevice, std::less<>> devices_;
};

}  // namespace voicelab::cucm
