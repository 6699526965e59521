#pragma once
// The lab cluster the provisioning tests share: three nodes, a CallManager group that prefers
// the subscribers, and a CP-8861 with two lines (the device of the golden files).

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/provisioning/database.hpp"

namespace voicelab::test {

inline constexpr std::string_view golden_device = "SEP001122334455";

inline provisioning::Database lab_database() {
  using namespace provisioning;
  Database db;
  db.set_identity({"voicelab-hq", 1700000000});
  add_reference_data(db, "14-2-1-0001-14");
  db.put_node({"cucm-pub", "Publisher", {10, 1, 1, 10}, {true, true, true, true}, 5060, 5061});
  db.put_node({"cucm-sub1", "Subscriber 1", {10, 1, 1, 11}, {}, 5060, 5061});
  db.put_node({"cucm-sub2", "Subscriber 2", {10, 1, 1, 12}, {}, 5060, 5061});
  db.put_call_manager_group({"CMG-HQ", {"cucm-sub1", "cucm-sub2", "cucm-pub"}});
  db.put_date_time_group({"CMLocal-HQ",
                          "M/D/Y",
                          "Pacific Standard/Daylight Time",
                          "America/Los_Angeles",
                          {"10.1.1.1"}});
  db.put_region({"R-HQ", "Headquarters"});
  db.put_device_pool(
      {"DP-HQ", "CMG-HQ", "CMLocal-HQ", "R-HQ", "English_United_States", "United_States", 120});
  db.put_dial_rules(
      {"DR-HQ", {{"911", 0, ""}, {"9.......", 0, ""}, {"1...", 0, ""}, {"*", 15, ""}}});
  db.put_common_phone_profile({"Standard Common Phone Profile", "", true, 0});
  EnterpriseDefaults defaults = db.enterprise_defaults();
  defaults.default_call_manager_group = "CMG-HQ";
  defaults.auto_registration = {true, "2000", "2099", true};
  db.set_enterprise_defaults(defaults);

  Device phone;
  phone.name = std::string(golden_device);
  phone.model = "Cisco 8861";
  phone.description = "Alice Example - HQ 8861";
  phone.device_pool = "DP-HQ";
  phone.softkey_template = "Standard User";
  phone.common_phone_profile = "Standard Common Phone Profile";
  phone.dial_rules = "DR-HQ";
  phone.lines = {{"1001", "Alice Example", "Alice - 1001"}, {"1002", "Alice Example", ""}};
  db.put_device(phone);
  return db;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string as_text(const std::vector<std::uint8_t>& bytes) {
  return {bytes.begin(), bytes.end()};
}

inline std::filesystem::path golden_dir() {
  return std::filesystem::path(VOICELAB_SOURCE_DIR) / "tests" / "provisioning" / "golden";
}

}  // namespace voicelab::test
