#pragma once
// The CUCM device database, as far as the config server (TFTP 69 / HTTP 6970) and the registrar
// need it: plain records keyed by name, and a Database that holds them, answers lookups in
// O(log n) and counts every change in generation().
//
// The records follow CUCM's administration model (Cisco Unified CM Administration): a device
// (Phone: SEP<MAC>, model, protocol, device pool, phone load override, softkey template, common
// phone profile, SIP dial rules, lines) points by name at a device pool, which points at a
// CallManager group (up to three nodes in priority order), a date/time group, a region and the
// user/network locales. Enterprise settings hold the default load per model and
// autoregistration. The cluster security mode decides whether a CTL file exists.
//
// References are by name and may dangle: a device whose pool does not exist still gets a config
// file (without a CallManager group), as a CUCM with a broken database would serve one; the
// generators never throw on a missing reference.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/wire/address.hpp"

namespace voicelab::provisioning {

// Cluster security mode (CUCM "Cluster Security Mode"): 0 non-secure, 1 mixed. Only a mixed
// cluster has a CTL file; without one the phone's CTLSEP<MAC>.tlv request is a "file not found".
enum class ClusterSecurityMode { non_secure, mixed };

// <deviceSecurityMode> of SEP<MAC>.cnf.xml (from the device's security profile): 1 non-secure,
// 2 authenticated, 3 encrypted.
enum class DeviceSecurityMode : int { non_secure = 1, authenticated = 2, encrypted = 3 };

// The SIP phone security profile's transport, as <transportLayerProtocol> carries it:
// 1 TCP, 2 UDP, 3 TLS (usecallmanager.nz's annotated SEPMAC.cnf.xml template), 4 TCP+UDP (the
// value in a CUCM 11.x file for a phone with the default non-secure profile, whose transport is
// "TCP+UDP"). One public generator numbers UDP 1 and TCP 2; the Cisco-derived sources above win.
enum class TransportType : int { tcp = 1, udp = 2, tls = 3, tcp_udp = 4 };

// Services activated on a node (Cisco Unified Serviceability > Service Activation).
struct NodeServices {
  bool call_manager = true;  // SIP registrar; a CallManager group member
  bool tftp = true;          // Cisco TFTP: signs the config files, listed in the ITL as CCM+TFTP
  bool tvs = true;           // Trust Verification Service, port 2445
  bool capf = false;         // CAPF (publisher only, port 3804)
};

// A cluster node (System > Server, plus System > Cisco Unified CM for the SIP ports).
struct Node {
  std::string name;  // "cucm-sub1"
  std::string description;
  wire::Ipv4Address address;
  NodeServices services;
  std::uint16_t sip_port = 5060;         // "SIP Phone Port"
  std::uint16_t secure_sip_port = 5061;  // "SIP Phone Secure Port"
  // What <processNodeName> carries: CUCM writes the server's "Host Name/IP Address"; phones
  // need DNS when it is a name. true (the lab default): the IPv4 address; false: `name`.
  bool process_node_by_address = true;
};

// Up to three nodes in priority order (the first is the primary).
struct CallManagerGroup {
  std::string name;
  std::vector<std::string> nodes;
};

struct DateTimeGroup {
  std::string name;
  std::string date_template = "M/D/Y";
  std::string time_zone = "Pacific Standard/Daylight Time";
  std::string olson_time_zone = "America/Los_Angeles";
  std::vector<std::string> ntp_servers;  // addresses or names, in order
};

struct Region {
  std::string name;
  std::string description;
};

struct DevicePool {
  std::string name;
  std::string call_manager_group;
  std::string date_time_group;
  std::string region;
  std::string user_locale;     // empty: the phone keeps its built-in English
  std::string network_locale;  // empty: the phone keeps its built-in tones
  // Seconds a phone registered to a lower-priority node waits after the primary comes back
  // before it falls back (CUCM default 120 s).
  int connection_monitor_duration = 120;
};

// A user locale: its files live in the folder of the same name ("English_United_States/").
struct UserLocale {
  std::string name = "English_United_States";
  std::string lang_code = "en_US";
  std::string version = "14.0.0.0(1)";
  std::string char_set = "utf-8";
};

// A network locale (tones and cadences): folder "United_States/".
struct NetworkLocale {
  std::string name = "United_States";
  std::string version = "14.0.0.0(1)";
};

// One TEMPLATE of a SIP dial rule: digits matching `match` ('.' any digit, '*' any string) are
// sent after `timeout` seconds (0: at once); `rewrite` replaces them when not empty.
struct DialPattern {
  std::string match;
  int timeout = 0;
  std::string rewrite;
};

// CUCM's SIP Dial Rules (Call Routing > Dial Rules > SIP Dial Rules), served as
// "<name>.xml" (dial_rules_file_name()).
struct DialRules {
  std::string name;
  std::vector<DialPattern> patterns;
};

// The softkeys shown in one call state ("onHook", "connected", ...), in order.
struct SoftkeySet {
  std::string state;
  std::vector<std::string> keys;
};

// A softkey template, served as "SK<uuid>.xml" like CUCM names them (softkey_file_name()).
struct SoftkeyTemplate {
  std::string name;
  std::vector<SoftkeySet> sets;
};

struct CommonPhoneProfile {
  std::string name;
  std::string phone_password;
  bool background_image_access = true;
  int call_log_blf = 0;
};

struct Ring {
  std::string display_name;
  std::string file_name;  // served as a generated ring tone (generate_ring_tone())
};

// A ring list file (Ringlist.xml, DistinctiveRingList.xml, ...): the name is data, not code.
struct RingList {
  std::string file_name;
  std::vector<Ring> rings;
};

struct LoadFile {
  std::string name;  // "rootfs88xx.14-2-1-0001-14.sbn"
  std::uint64_t size = 0;
};

// A phone firmware load: "<load_id>.loads" lists the component files (see files.hpp).
struct FirmwareLoad {
  std::string load_id;  // "sip88xx.14-2-1-0001-14"
  std::vector<LoadFile> files;
};

struct Line {
  std::string dn;            // directory number, also the SIP user the phone registers
  std::string display_name;  // caller name shown to the called party
  std::string label;         // text next to the line button; empty: the DN
};

struct Device {
  std::string name;   // "SEP" + 12 upper-case hex digits of the MAC
  std::string model;  // CUCM product name ("Cisco 8861"); see models.hpp for other spellings
  std::string protocol = "SIP";
  std::string description;
  std::string device_pool;
  std::string phone_load;  // empty: the enterprise default for the model
  std::string softkey_template;
  std::string common_phone_profile;
  std::string dial_rules;      // SIP dial rules name, may be empty
  std::string user_locale;     // empty: the device pool's
  std::string network_locale;  // empty: the device pool's
  DeviceSecurityMode security_mode = DeviceSecurityMode::non_secure;
  TransportType transport = TransportType::tcp_udp;
  std::vector<Line> lines;  // button 1 first
};

// System > Cisco Unified CM > Auto-registration Information, and the enterprise parameter
// "Auto Registration Phone Protocol" (CUCM's default is SCCP: an unknown SIP phone is then
// rejected, Cisco document 70955).
struct AutoRegistration {
  bool enabled = false;
  std::string first_dn = "1000";
  std::string last_dn = "1999";
  bool sip = false;
};

struct EnterpriseDefaults {
  // Device > Device Settings > Device Defaults: the load a model runs when the device has no
  // override. Keyed by CUCM product name ("Cisco 8861").
  std::map<std::string, std::string, std::less<>> default_loads;
  // The CallManager group XMLDefault.cnf.xml names (CUCM's "Auto-registration Cisco Unified
  // Communications Manager Group"); empty: the first group by name.
  std::string default_call_manager_group;
  AutoRegistration auto_registration;
};

// Who signs the cluster's files. The lab does no real cryptography: these seed deterministic
// stand-ins for certificates and signatures (trust_list.hpp).
struct ClusterIdentity {
  std::string name = "voicelab";  // cluster id; different clusters have different keys
  // Seconds since 1970 written as the files' signing time. A lab constant, never the clock.
  std::uint32_t signing_time = 1700000000;
};

class Database {
 public:
  // Adds or replaces the record with the same name. put_device() throws std::invalid_argument
  // when the name is not "SEP" + 12 hex digits (upper case) or the protocol is not "SIP": a lab
  // configuration error, reported at start-up.
  void put_device(Device device);
  void put_node(Node node);
  void put_call_manager_group(CallManagerGroup group);
  void put_date_time_group(DateTimeGroup group);
  void put_region(Region region);
  void put_device_pool(DevicePool pool);
  void put_user_locale(UserLocale locale);
  void put_network_locale(NetworkLocale locale);
  void put_dial_rules(DialRules rules);
  void put_softkey_template(SoftkeyTemplate softkeys);
  void put_common_phone_profile(CommonPhoneProfile profile);
  void put_ring_list(RingList list);
  void put_load(FirmwareLoad load);
  void set_enterprise_defaults(EnterpriseDefaults defaults);
  void set_security_mode(ClusterSecurityMode mode);
  void set_identity(ClusterIdentity identity);

  // false when there was none (nothing changes then).
  bool remove_device(std::string_view name);
  bool remove_node(std::string_view name);

  // Lookups by name, nullptr when absent. O(log n).
  [[nodiscard]] const Device* device(std::string_view name) const;
  [[nodiscard]] const Node* node(std::string_view name) const;
  [[nodiscard]] const CallManagerGroup* call_manager_group(std::string_view name) const;
  [[nodiscard]] const DateTimeGroup* date_time_group(std::string_view name) const;
  [[nodiscard]] const Region* region(std::string_view name) const;
  [[nodiscard]] const DevicePool* device_pool(std::string_view name) const;
  [[nodiscard]] const UserLocale* user_locale(std::string_view name) const;
  [[nodiscard]] const NetworkLocale* network_locale(std::string_view name) const;
  [[nodiscard]] const DialRules* dial_rules(std::string_view name) const;
  [[nodiscard]] const SoftkeyTemplate* softkey_template(std::string_view name) const;
  [[nodiscard]] const CommonPhoneProfile* common_phone_profile(std::string_view name) const;
  [[nodiscard]] const RingList* ring_list(std::string_view file_name) const;
  [[nodiscard]] const FirmwareLoad* load(std::string_view load_id) const;

  template <class T>
  using Table = std::map<std::string, T, std::less<>>;
  [[nodiscard]] const Table<Device>& devices() const { return devices_; }
  [[nodiscard]] const Table<Node>& nodes() const { return nodes_; }
  [[nodiscard]] const Table<CallManagerGroup>& call_manager_groups() const { return groups_; }
  [[nodiscard]] const Table<UserLocale>& user_locales() const { return user_locales_; }
  [[nodiscard]] const Table<NetworkLocale>& network_locales() const { return network_locales_; }
  [[nodiscard]] const Table<DialRules>& all_dial_rules() const { return dial_rules_; }
  [[nodiscard]] const Table<SoftkeyTemplate>& softkey_templates() const { return softkeys_; }
  [[nodiscard]] const Table<RingList>& ring_lists() const { return ring_lists_; }
  [[nodiscard]] const Table<FirmwareLoad>& loads() const { return loads_; }
  [[nodiscard]] const EnterpriseDefaults& enterprise_defaults() const { return defaults_; }
  [[nodiscard]] ClusterSecurityMode security_mode() const { return security_mode_; }
  [[nodiscard]] const ClusterIdentity& identity() const { return identity_; }

  // Resolution as the TFTP service does it when it builds a device's file.
  // The device's load: its override, else the enterprise default for its model, else "".
  [[nodiscard]] std::string effective_load(const Device& device) const;
  // The device pool's CallManager group as nodes in priority order (missing nodes skipped).
  [[nodiscard]] std::vector<const Node*> call_manager_nodes(const Device& device) const;
  // The CallManager group of XMLDefault.cnf.xml (EnterpriseDefaults), nullptr when none.
  [[nodiscard]] const CallManagerGroup* default_call_manager_group() const;

  // Changes on every successful put/set/remove (a counter from 1; 0 is an empty database).
  [[nodiscard]] std::uint64_t generation() const { return generation_; }
  // The generation of the last change to anything except a device record: every generated
  // file other than a device's own depends only on these.
  [[nodiscard]] std::uint64_t shared_generation() const { return shared_generation_; }
  // The generation a device's SEP<MAC>.cnf.xml was last affected at: the later of its own last
  // change and shared_generation(); 0 when the device does not exist.
  [[nodiscard]] std::uint64_t device_generation(std::string_view name) const;

 private:
  template <class T>
  void put_shared(Table<T>& table, T record);
  void changed_shared();

  Table<Device> devices_;
  Table<std::uint64_t> device_changed_;  // generation of each device's last put
  Table<Node> nodes_;
  Table<CallManagerGroup> groups_;
  Table<DateTimeGroup> date_time_groups_;
  Table<Region> regions_;
  Table<DevicePool> pools_;
  Table<UserLocale> user_locales_;
  Table<NetworkLocale> network_locales_;
  Table<DialRules> dial_rules_;
  Table<SoftkeyTemplate> softkeys_;
  Table<CommonPhoneProfile> profiles_;
  Table<RingList> ring_lists_;
  Table<FirmwareLoad> loads_;
  EnterpriseDefaults defaults_;
  ClusterSecurityMode security_mode_ = ClusterSecurityMode::non_secure;
  ClusterIdentity identity_;
  std::uint64_t generation_ = 0;
  std::uint64_t shared_generation_ = 0;
};

// True for "SEP" + 12 upper-case hex digits.
bool is_device_name(std::string_view name) noexcept;

// A plausible lab cluster's reference data, the things every CUCM ships with: the
// English_United_States user locale, the United_States network locale, Ringlist.xml and
// DistinctiveRingList.xml with a few rings, a "Standard User" softkey template, and for every
// model in models.hpp a firmware load "<family>.<version>" (reference_load()) set as the
// model's enterprise default. Loads already present are kept; the other records are replaced.
void add_reference_data(Database& db, std::string_view load_version = "14-2-1-0001-14");

// A firmware load with the component file names Cisco ships for `load_id`'s family and lab
// sizes (files.hpp documents both). Unknown families get a kernel and a root file system named
// after the family.
FirmwareLoad reference_load(std::string_view load_id);

}  // namespace voicelab::provisioning
