#pragma once
// The loader's machinery, shared by loader*.cpp: diagnostics with positions, typed readers that
// explain what they expected, and the resolution state that lives only while one file loads.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "voicelab/scenario/diagnostic.hpp"
#include "voicelab/scenario/loader.hpp"
#include "voicelab/scenario/model.hpp"
#include "voicelab/scenario/source_map.hpp"

namespace voicelab::scenario::detail {

using json = nlohmann::ordered_json;

// Defaults of the smallest lab (docs/scenario-format.md, "Defaults").
inline constexpr std::uint16_t default_data_vlan = 10;
inline constexpr std::uint16_t default_voice_vlan = 100;
inline constexpr std::uint16_t default_server_vlan = 50;

// "number 30", "string \"30 sec\"", "an object", ... for "got ..." in messages.
std::string describe(const json& v);
// " (did you mean \"x\"?)" or "".
std::string suggestion(std::string_view wrong, const std::vector<std::string>& candidates);
// "a, b, c" (at most `limit`, then ", ...").
std::string join_names(const std::vector<std::string>& names, std::size_t limit = 12);
bool valid_name(std::string_view name);  // [A-Za-z0-9._-]+

class Loader;

// One JSON object being read: checks its keys on construction and reads members with the
// loader's typed readers. An absent object (nullptr) reads as empty.
class Obj {
 public:
  Obj(Loader& loader, const json* value, std::string pointer,
      std::initializer_list<std::string_view> keys, std::string_view what);
  Obj(Loader& loader, const json* value, std::string pointer,
      const std::vector<std::string_view>& keys, std::string_view what);
  // Re-opens an object whose keys were checked already (no second round of diagnostics).
  Obj(Loader& loader, const json* value, std::string pointer);

  [[nodiscard]] bool ok() const { return ok_; }  // absent or an object
  [[nodiscard]] bool present() const { return value_ != nullptr; }
  [[nodiscard]] const std::string& pointer() const { return pointer_; }
  [[nodiscard]] std::string at(std::string_view key) const { return pointer_append(pointer_, key); }
  [[nodiscard]] const json* get(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return get(key) != nullptr; }
  [[nodiscard]] bool is_null(std::string_view key) const;

  // Each returns nullopt when the key is absent or its value is wrong (then with a diagnostic).
  std::optional<std::string> str(std::string_view key, bool allow_empty = false);
  std::optional<std::string> name(std::string_view key);  // a valid_name()
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<double> number(std::string_view key, double min, double max);
  std::optional<bool> boolean(std::string_view key);
  std::optional<Duration> duration(std::string_view key, bool allow_zero = true);
  std::optional<wire::Ipv4Address> ipv4(std::string_view key);
  std::optional<wire::MacAddress> mac(std::string_view key);
  std::optional<std::uint16_t> vlan(std::string_view key);
  std::optional<std::string> choice(std::string_view key,
                                    std::initializer_list<std::string_view> options);
  std::optional<std::uint64_t> bandwidth(std::string_view key);
  std::optional<double> loss(std::string_view key);
  std::optional<std::vector<wire::Ipv4Address>> ipv4_list(std::string_view key);
  std::optional<std::vector<std::uint16_t>> vlan_list(std::string_view key);
  std::optional<std::vector<std::string>> str_list(std::string_view key);
  const json* array(std::string_view key);   // nullptr when absent or not an array
  const json* object(std::string_view key);  // nullptr when absent or not an object

  // An error at the object itself for a missing key.
  void require(std::string_view key, std::string_view what);

 private:
  void check_keys(const std::vector<std::string_view>& keys, std::string_view what);

  Loader& loader_;
  const json* value_;
  std::string pointer_;
  bool ok_ = true;
};

// Who uses a switch port, for "already used by" errors and port assignment.
struct PortUse {
  enum class Kind { none, link, server, phone };
  Kind kind = Kind::none;
  std::size_t index = 0;  // into links, servers_ (loader's list) or phones
};

// What an `interfaces` entry set explicitly (attachments must not silently override it).
struct PortExplicit {
  bool mode = false;
  bool access_vlan = false;
  bool voice_vlan = false;
};

// A server host before it is attached: DHCP, DNS and CUCM nodes alike.
struct ServerHost {
  ServerHost(std::string name_, std::string kind_, std::string pointer_,
             wire::Ipv4Address address_ = {})
      : name(std::move(name_)),
        kind(std::move(kind_)),
        pointer(std::move(pointer_)),
        address(address_) {}
  std::string name;
  std::string kind;  // "dhcp server", "dns server", "cucm node"
  std::string pointer;
  wire::Ipv4Address address;
  std::optional<std::uint8_t> prefix_length;
  std::optional<std::uint16_t> vlan;
  std::optional<wire::Ipv4Address> gateway;
  std::optional<std::string> attach;  // "switch:port" as written
  HostAttachment* target = nullptr;   // where the resolved attachment goes
};

class Loader {
 public:
  Loader(std::string_view text, std::string file, const LoadOptions& options);
  LoadResult run();

  // ---- diagnostics ----
  void error(std::string_view pointer, std::string message, bool at_key = false);
  void warning(std::string_view pointer, std::string message, bool at_key = false);
  [[nodiscard]] std::size_t error_count() const { return errors_; }

  // ---- typed readers (value at `pointer`) ----
  std::optional<std::string> read_string(const json& v, const std::string& pointer,
                                         bool allow_empty = false);
  std::optional<std::string> read_name(const json& v, const std::string& pointer);
  std::optional<std::int64_t> read_integer(const json& v, const std::string& pointer,
                                           std::int64_t min, std::int64_t max);
  std::optional<double> read_number(const json& v, const std::string& pointer, double min,
                                    double max);
  std::optional<bool> read_bool(const json& v, const std::string& pointer);
  std::optional<Duration> read_duration(const json& v, const std::string& pointer,
                                        bool allow_zero = true);
  std::optional<wire::Ipv4Address> read_ipv4(const json& v, const std::string& pointer);
  std::optional<wire::Ipv4Prefix> read_prefix(const json& v, const std::string& pointer);
  std::optional<wire::MacAddress> read_mac(const json& v, const std::string& pointer);
  std::optional<std::uint16_t> read_vlan(const json& v, const std::string& pointer);
  std::optional<std::string> read_choice(const json& v, const std::string& pointer,
                                         std::initializer_list<std::string_view> options);
  std::optional<std::uint64_t> read_bandwidth(const json& v, const std::string& pointer);
  std::optional<double> read_loss(const json& v, const std::string& pointer);
  std::optional<std::string> read_dn(const json& v, const std::string& pointer);
  std::optional<std::string> read_model(const json& v, const std::string& pointer);
  std::optional<std::string> read_load_id(const json& v, const std::string& pointer);
  bool expect_array(const json& v, const std::string& pointer);
  bool expect_object(const json& v, const std::string& pointer);

 private:
  friend class Obj;

  // ---- sections, in resolution order ----
  void read_root();
  void read_switches(const json* switches, const std::string& pointer);
  void read_switch(const json& j, const std::string& pointer, std::size_t index);
  void read_server_hosts();
  void default_svis();
  void read_links(const json* links, const std::string& pointer);
  void auto_links();
  void attach_servers();
  void attach_pending_servers();
  void configure_server_port(std::size_t server, const PortRef& ref);
  void assign_phone_ports();
  void check_connectivity();
  void read_dhcp_scopes();
  void read_dns_records();
  void read_database();
  void read_phones();
  void read_phone_groups();
  void read_database_lines();
  void check_database_references();
  void read_timeline();
  void read_expectations();
  void final_checks();

  // helpers
  std::optional<PortRef> resolve_port(const json& v, const std::string& pointer);
  std::optional<PortRef> find_port_ref(std::string_view text, const std::string& pointer);
  bool claim_port(const PortRef& ref, PortUse use, const std::string& pointer);
  std::string describe_use(const PortUse& use) const;
  std::optional<std::size_t> next_free_access_port(std::size_t switch_index, bool from_top);
  std::optional<std::size_t> resolve_switch(const json& v, const std::string& pointer);
  std::optional<std::size_t> resolve_link(const json& v, const std::string& pointer);
  std::optional<PhoneSelector> resolve_selector(Obj& o, bool allow_all, std::string_view what);
  std::optional<std::string> resolve_node(const json& v, const std::string& pointer,
                                          bool include_servers);
  std::string next_free_dn();
  void add_phone_device(std::size_t phone_index, const std::string& device_pool,
                        const std::optional<std::string>& load, std::vector<Line> lines,
                        const std::string& description, const std::string& pointer);
  std::vector<std::uint16_t> voice_vlans_in_use() const;
  [[nodiscard]] std::size_t gateway_switch() const;
  const Svi* svi_for_address(wire::Ipv4Address a, std::uint16_t* vlan_out) const;
  std::vector<std::string> switch_names() const;
  std::vector<std::string> host_names() const;
  std::vector<std::string> link_names() const;

  std::string_view text_;
  std::string file_;
  LoadOptions options_;
  SourceMap map_;
  json root_;
  std::vector<Diagnostic> diagnostics_;
  std::size_t errors_ = 0;
  std::size_t dropped_ = 0;

  Scenario s_;
  // resolution state
  std::vector<std::vector<PortUse>> port_use_;            // per switch, per port
  std::vector<std::vector<PortExplicit>> port_explicit_;  // per switch, per port
  std::vector<std::size_t> free_cursor_;                  // per switch: next access port to try
  std::vector<bool> switch_has_svis_key_;
  std::vector<ServerHost> servers_;
  std::unordered_set<std::string> host_name_set_;
  std::unordered_set<std::string> dns_used_;
  std::uint64_t dn_counter_ = 1001;
  std::unordered_set<std::uint64_t> macs_;
  std::unordered_map<std::string, std::size_t> device_index_;  // database device name -> index
  std::vector<bool> device_explicit_;           // per database device: listed in database.devices
  std::vector<std::size_t> access_port_count_;  // per switch: ports[0, n) are the access range
  std::vector<std::pair<std::size_t, std::size_t>> svi_default_helpers_;  // (switch, svi)
  std::vector<const json*> dhcp_scope_json_;
  std::vector<std::size_t> pending_servers_;  // servers without "attach", placed after phones'  //
                                              // per DHCP server: its "scopes", if given
  std::size_t topology_errors_ = 0;           // errors found while reading switches and links
  bool links_given_ = false;
};

}  // namespace voicelab::scenario::detail
