#include "voicelab/provisioning/database.hpp"

#include <stdexcept>

#include "voicelab/provisioning/models.hpp"

namespace voicelab::provisioning {
namespace {

template <class T>
const T* find_in(const std::map<std::string, T, std::less<>>& table, std::string_view name) {
  const auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

}  // namespace

bool is_device_name(std::string_view name) noexcept {
  if (name.size() != 15 || name.substr(0, 3) != "SEP") return false;
  for (char c : name.substr(3)) {
    if (!upper_hex(c)) return false;
  }
  return true;
}

template <class T>
void Database::put_shared(Table<T>& table, T record) {
  std::string key = record.name;
  table.insert_or_assign(std::move(key), std::move(record));
  changed_shared();
}

void Database::changed_shared() {
  ++generation_;
  shared_generation_ = generation_;
}

void Database::put_device(Device device) {
  if (!is_device_name(device.name)) {
    throw std::invalid_argument("device name must be SEP + 12 upper-case hex digits: " +
                                device.name);
  }
  if (device.protocol != "SIP") {
    throw std::invalid_argument("device " + device.name + ": only SIP devices are modelled, not " +
                                device.protocol);
  }
  ++generation_;
  device_changed_.insert_or_assign(device.name, generation_);
  std::string key = device.name;
  devices_.insert_or_assign(std::move(key), std::move(device));
}

void Database::put_node(Node node) { put_shared(nodes_, std::move(node)); }
void Database::put_call_manager_group(CallManagerGroup group) {
  put_shared(groups_, std::move(group));
}
void Database::put_date_time_group(DateTimeGroup group) {
  put_shared(date_time_groups_, std::move(group));
}
void Database::put_region(Region region) { put_shared(regions_, std::move(region)); }
void Database::put_device_pool(DevicePool pool) { put_shared(pools_, std::move(pool)); }
void Database::put_user_locale(UserLocale locale) { put_shared(user_locales_, std::move(locale)); }
void Database::put_network_locale(NetworkLocale locale) {
  put_shared(network_locales_, std::move(locale));
}
void Database::put_dial_rules(DialRules rules) { put_shared(dial_rules_, std::move(rules)); }
void Database::put_softkey_template(SoftkeyTemplate softkeys) {
  put_shared(softkeys_, std::move(softkeys));
}
void Database::put_common_phone_profile(CommonPhoneProfile profile) {
  put_shared(profiles_, std::move(profile));
}

void Database::put_ring_list(RingList list) {
  std::string key = list.file_name;
  ring_lists_.insert_or_assign(std::move(key), std::move(list));
  changed_shared();
}

void Database::put_load(FirmwareLoad load) {
  std::string key = load.load_id;
  loads_.insert_or_assign(std::move(key), std::move(load));
  changed_shared();
}

void Database::set_enterprise_defaults(EnterpriseDefaults defaults) {
  defaults_ = std::move(defaults);
  changed_shared();
}

void Database::set_security_mode(ClusterSecurityMode mode) {
  security_mode_ = mode;
  changed_shared();
}

void Database::set_identity(ClusterIdentity identity) {
  identity_ = std::move(identity);
  changed_shared();
}

bool Database::remove_device(std::string_view name) {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return false;
  devices_.erase(it);
  device_changed_.erase(device_changed_.find(name));
  ++generation_;
  return true;
}

bool Database::remove_node(std::string_view name) {
  const auto it = nodes_.find(name);
  if (it == nodes_.end()) return false;
  nodes_.erase(it);
  changed_shared();
  return true;
}

const Device* Database::device(std::string_view name) const { return find_in(devices_, name); }
const Node* Database::node(std::string_view name) const { return find_in(nodes_, name); }
const CallManagerGroup* Database::call_manager_group(std::string_view name) const {
  return find_in(groups_, name);
}
const DateTimeGroup* Database::date_time_group(std::string_view name) const {
  return find_in(date_time_groups_, name);
}
const Region* Database::region(std::string_view name) const { return find_in(regions_, name); }
const DevicePool* Database::device_pool(std::string_view name) const {
  return find_in(pools_, name);
}
const UserLocale* Database::user_locale(std::string_view name) const {
  return find_in(user_locales_, name);
}
const NetworkLocale* Database::network_locale(std::string_view name) const {
  return find_in(network_locales_, name);
}
const DialRules* Database::dial_rules(std::string_view name) const {
  return find_in(dial_rules_, name);
}
const SoftkeyTemplate* Database::softkey_template(std::string_view name) const {
  return find_in(softkeys_, name);
}
const CommonPhoneProfile* Database::common_phone_profile(std::string_view name) const {
  return find_in(profiles_, name);
}
const RingList* Database::ring_list(std::string_view file_name) const {
  return find_in(ring_lists_, file_name);
}
const FirmwareLoad* Database::load(std::string_view load_id) const {
  return find_in(loads_, load_id);
}

std::string Database::effective_load(const Device& device) const {
  if (!device.phone_load.empty()) return device.phone_load;
  if (const auto it = defaults_.default_loads.find(device.model);
      it != defaults_.default_loads.end()) {
    return it->second;
  }
  // The model may be spelled otherwise than the defaults are keyed ("CP-8861").
  if (const PhoneModel* model = find_phone_model(device.model)) {
    if (const auto it = defaults_.default_loads.find(model->name);
        it != defaults_.default_loads.end()) {
      return it->second;
    }
  }
  return {};
}

std::vector<const Node*> Database::call_manager_nodes(const Device& device) const {
  std::vector<const Node*> out;
  const DevicePool* pool = device_pool(device.device_pool);
  const CallManagerGroup* group = pool ? call_manager_group(pool->call_manager_group) : nullptr;
  if (group == nullptr) return out;
  for (const auto& name : group->nodes) {
    if (const Node* n = node(name)) out.push_back(n);
  }
  return out;
}

const CallManagerGroup* Database::default_call_manager_group() const {
  if (!defaults_.default_call_manager_group.empty()) {
    return call_manager_group(defaults_.default_call_manager_group);
  }
  return groups_.empty() ? nullptr : &groups_.begin()->second;
}

std::uint64_t Database::device_generation(std::string_view name) const {
  const auto it = device_changed_.find(name);
  if (it == device_changed_.end()) return 0;
  return std::max(it->second, shared_generation_);
}

}  // namespace voicelab::provisioning
