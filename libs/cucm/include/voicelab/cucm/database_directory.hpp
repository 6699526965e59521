#pragma once
// The registrar's Directory over the CUCM device database (provisioning::Database): what a node
// looks a registering device up in. Derived per device, on demand:
//   name, model, description  the device record;
//   line_dns                  its lines' directory numbers, button 1 first;
//   call_manager_group        the node names of its device pool's CallManager group, highest
//                             priority first, nodes missing from the database skipped
//                             (Database::call_manager_nodes(), which is also what the device's
//                             SEP<MAC>.cnf.xml lists, so the phone and the registrar agree).
//
// The database may change while the lab runs (a line added, a group edited, a device removed):
// every find() checks Database::device_generation() of the device, which moves when the device
// record or any shared record (pool, group, node) changes, and rebuilds that one entry when it
// moved. A lookup is O(log n) in the number of devices (three map lookups) plus, after a
// change, the cost of rebuilding one entry; nothing is ever rebuilt for all devices at once.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "voicelab/cucm/directory.hpp"
#include "voicelab/provisioning/database.hpp"

namespace voicelab::cucm {

// The entry of one device, as DatabaseDirectory builds it.
DirectoryDevice directory_device(const provisioning::Database& db,
                                 const provisioning::Device& device);

class DatabaseDirectory final : public Directory {
 public:
  // `db` must outlive the directory; it may change between calls (not during one).
  explicit DatabaseDirectory(const provisioning::Database& db) : db_(db) {}

  // The device as the database has it now, or nullptr. The pointer stays valid until the
  // database changes or the next find() of the same name, whichever comes first.
  const DirectoryDevice* find(std::string_view device_name) const override;

  // Entries held: devices looked up at least once and not found removed since. A name the
  // database does not know never gets an entry, so junk in REGISTERs cannot grow this.
  [[nodiscard]] std::size_t cached() const { return cache_.size(); }
  // Entries built: first lookups, and lookups after a change that affects the device.
  [[nodiscard]] std::uint64_t builds() const { return builds_; }
  [[nodiscard]] const provisioning::Database& database() const { return db_; }

 private:
  struct Entry {
    std::uint64_t generation = 0;  // Database::device_generation() it was built at
    DirectoryDevice device;
  };

  const provisioning::Database& db_;
  // Lookups are logically const; the cache is an implementation detail of find().
  mutable std::map<std::string, Entry, std::less<>> cache_;
  mutable std::uint64_t builds_ = 0;
};

}  // namespace voicelab::cucm
