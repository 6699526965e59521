#pragma once
// The scenario model: what one lab run is made of, with every default already filled in and
// every reference checked and resolved. The loader (loader.hpp) produces it from JSON
// (docs/scenario-format.md); a lab driver builds hosts, links and roles from it and never has to
// guess a value or look a name up that might not exist.
//
// Names are unique per kind and resolved references carry indices into the owning vectors, so
// the lab can index instead of searching. `source` members hold the JSON pointer the item came
// from, for messages that point back into the scenario file.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "voicelab/scenario/steps.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::scenario {

// ---- topology -------------------------------------------------------------------------------

// Impairments of a link, applied in each direction.
struct LinkParams {
  Duration latency{0};                          // one-way propagation delay
  std::uint64_t bandwidth_bps = 1'000'000'000;  // serialization rate
  double loss = 0.0;                            // probability a frame is dropped, 0..1
  Duration jitter{0};                           // extra delay drawn uniformly in [0, jitter]
  friend bool operator==(const LinkParams&, const LinkParams&) = default;
};

enum class SwitchRole { access, distribution };
enum class PortMode { access, trunk };

struct Vlan {
  std::uint16_t id = 1;
  std::string name;
};

// A switched virtual interface: the switch routes for this VLAN and relays DHCP broadcasts to
// its helper addresses (`ip helper-address`, giaddr = the SVI address).
struct Svi {
  std::uint16_t vlan = 1;
  wire::Ipv4Prefix address;  // the gateway address with the subnet's length: 10.100.0.1/24
  std::vector<wire::Ipv4Address> helper_addresses;
};

struct SwitchPort {
  std::string name;  // "Gi1/0/1", "Te1/1/1"
  PortMode mode = PortMode::access;
  std::uint16_t access_vlan = 1;             // access mode: untagged VLAN (the PC / data VLAN)
  std::optional<std::uint16_t> voice_vlan;   // access mode: tagged VLAN offered to phones by CDP
  std::uint16_t native_vlan = 1;             // trunk mode
  std::vector<std::uint16_t> allowed_vlans;  // trunk mode; empty = every VLAN of the switch
  bool poe = true;                           // can power a device
  bool shutdown = false;                     // administratively down
  bool uplink = false;                       // from the switch's uplink range
};

struct PoeSettings {
  bool enabled = true;
  double budget_w = 370.0;     // total power the switch can deliver
  Duration power_up_delay{0};  // from detection/classification to power on the pairs
};

struct CdpSettings {
  bool enabled = true;
  Duration interval{60'000'000'000};   // advertisement period (60 s)
  Duration holdtime{180'000'000'000};  // TTL carried in each advertisement (180 s)
};

struct Switch {
  std::string name;
  SwitchRole role = SwitchRole::access;
  std::string model;     // CDP Platform, e.g. "cisco WS-C3850-48P"
  std::string software;  // CDP Software Version
  PoeSettings poe;
  CdpSettings cdp;
  bool lldp_med = false;
  std::vector<Vlan> vlans;
  std::vector<Svi> svis;
  std::vector<SwitchPort> ports;  // access ports first, then uplinks, then extra interfaces
  LinkParams access_link;         // the cable between an access port and the host on it
  std::string source;

  // Index of `port_name` in `ports`, if any. Linear: switches are small and this is setup time.
  [[nodiscard]] std::optional<std::size_t> find_port(std::string_view port_name) const;
  [[nodiscard]] bool has_vlan(std::uint16_t id) const;
  [[nodiscard]] const Svi* find_svi(std::uint16_t vlan) const;
};

// A resolved "switch:port" reference.
struct PortRef {
  std::size_t switch_index = 0;
  std::size_t port_index = 0;
  std::string switch_name;
  std::string port_name;
  [[nodiscard]] std::string to_string() const { return switch_name + ":" + port_name; }
  friend bool operator==(const PortRef& a, const PortRef& b) {
    return a.switch_index == b.switch_index && a.port_index == b.port_index;
  }
};

// A cable between two switch ports (both ends are trunks unless configured otherwise).
struct Link {
  std::string name;
  PortRef a;
  PortRef b;
  LinkParams params;
  bool up = true;
  std::string source;
};

// Where a server sits: its switch port, VLAN and addressing.
struct HostAttachment {
  PortRef port;
  std::uint16_t vlan = 1;     // access VLAN of its port
  wire::Ipv4Prefix address;   // 10.1.1.10/24
  wire::Ipv4Address gateway;  // the SVI of its VLAN
};

// ---- services -------------------------------------------------------------------------------

struct DhcpReservation {
  wire::MacAddress mac;
  wire::Ipv4Address address;
};

struct DhcpScope {
  std::string name;
  wire::Ipv4Prefix subnet;  // network address and length (matched against giaddr)
  wire::Ipv4Address range_first;
  wire::Ipv4Address range_last;
  std::optional<wire::Ipv4Address> router;      // option 3
  std::vector<wire::Ipv4Address> dns_servers;   // option 6
  std::string domain;                           // option 15 (empty: not sent)
  std::vector<wire::Ipv4Address> ntp_servers;   // option 42
  std::vector<wire::Ipv4Address> tftp_servers;  // option 150 (empty: not sent)
  std::optional<std::string> tftp_server_name;  // option 66
  Duration lease{86'400'000'000'000};           // option 51 (1 day)
  std::vector<DhcpReservation> reservations;
};

struct DhcpServer {
  std::string name;
  HostAttachment host;
  std::vector<DhcpScope> scopes;
  std::string source;
};

enum class DnsRecordType { a, cname };

struct DnsRecord {
  std::string name;  // fully qualified, without the trailing dot
  DnsRecordType type = DnsRecordType::a;
  wire::Ipv4Address address;  // type a
  std::string target;         // type cname
  Duration ttl{3'600'000'000'000};
};

struct DnsServer {
  std::string name;
  HostAttachment host;
  std::string source;
};

struct Dns {
  std::string domain = "voicelab.test";
  std::vector<DnsServer> servers;
  std::vector<DnsRecord> records;  // includes one A record per CUCM node unless turned off
};

// ---- CUCM -----------------------------------------------------------------------------------

enum class Service { callmanager, tftp, dhcp, dns };
[[nodiscard]] std::string_view to_string(Service s);

struct TftpSettings {
  std::uint32_t max_serving_count = 1500;  // Cisco's value for a single-processor TFTP server
  bool http = true;                        // also serve the files over HTTP on port 6970
};

struct SipSettings {
  bool tcp = true;
  bool udp = true;
  std::uint16_t port = 5060;
  Duration keepalive{120'000'000'000};  // Expires returned in 200 OK (SIP station keepalive)
  std::uint32_t max_registrations_per_second = 0;  // registration throttle; 0 = none
};

struct CucmNode {
  std::string name;
  std::string hostname;  // fully qualified (name + "." + DNS domain unless given)
  bool publisher = false;
  HostAttachment host;
  bool callmanager = false;  // the Cisco CallManager service (SIP registrar) runs
  bool tftp = false;         // the Cisco TFTP service (TFTP 69 + HTTP 6970) runs
  TftpSettings tftp_settings;
  SipSettings sip;
  std::string source;
};

enum class SecurityMode { non_secure, mixed };

struct DevicePool {
  std::string name;
  std::string cm_group;
  std::string date_time_group = "CMLocal";
  std::string region = "Default";
  std::string user_locale;     // empty: the cluster default
  std::string network_locale;  // empty: the cluster default
  std::string softkey_template;
  Duration connection_monitor_duration{120'000'000'000};
  std::string source;
};

// A CallManager group: up to three nodes, highest priority first.
struct CmGroup {
  std::string name;
  std::vector<std::string> nodes;
  std::string source;
};

struct Line {
  std::string dn;
  std::string partition;
  std::string display_name;
  std::string label;
  int button = 1;  // 1-based line button
  std::string source;
};

struct Device {
  std::string name;   // SEP<MAC>
  std::string model;  // canonical product name, "CP-8861"
  std::string description;
  std::string device_pool;
  std::optional<std::string> load;  // phone load override; default: the model's default load
  std::string softkey_template;     // empty: the device pool's
  std::string dial_rules;           // empty: none
  std::string user_locale;          // empty: the device pool's
  std::string network_locale;       // empty: the device pool's
  std::string transport = "TCP";    // SIP transport: "TCP" or "UDP"
  std::vector<Line> lines;          // ordered by button
  std::string source;
};

struct DialRule {
  std::string pattern;  // e.g. "9.@", "1...": matched by the phone as digits are dialled
  Duration timeout{0};
  std::string description;
};

struct DialRules {
  std::string name;
  std::vector<DialRule> rules;
};

struct SoftkeyTemplate {
  std::string name;
  std::string description;
  std::vector<std::string> softkeys;  // empty: the standard set
};

struct Ring {
  std::string file;     // "Analog1.rwb"
  std::string display;  // "Analog Synth 1"
};

struct Ringlist {
  std::string name;  // the file phones request, e.g. "Ringlist-wb.xml"
  std::vector<Ring> rings;
};

struct Autoregistration {
  bool enabled = false;
  std::string device_pool = "Default";
  std::string dn_first = "3000";
  std::string dn_last = "3999";
  std::string protocol = "SIP";  // enterprise parameter "Auto Registration Phone Protocol"
};

struct Database {
  SecurityMode security_mode = SecurityMode::non_secure;
  Autoregistration autoregistration;
  std::vector<DevicePool> device_pools;
  std::vector<CmGroup> cm_groups;
  // canonical model ("CP-8861") -> default load id; every known model has one.
  std::vector<std::pair<std::string, std::string>> default_loads;
  std::string default_user_locale = "English_United_States";
  std::string default_network_locale = "United_States";
  std::vector<std::string> user_locales;
  std::vector<std::string> network_locales;
  std::vector<DialRules> dial_rules;
  std::vector<SoftkeyTemplate> softkey_templates;
  std::vector<Ringlist> ringlists;
  std::vector<Device> devices;

  [[nodiscard]] const Device* find_device(std::string_view name) const;
  [[nodiscard]] const DevicePool* find_device_pool(std::string_view name) const;
  [[nodiscard]] const CmGroup* find_cm_group(std::string_view name) const;
  [[nodiscard]] std::optional<std::string> default_load(std::string_view model) const;
};

struct Cucm {
  std::string cluster = "CUCM-LAB";
  std::string version = "14.0";
  std::vector<CucmNode> nodes;
  Database database;

  [[nodiscard]] const CucmNode* find_node(std::string_view name) const;
};

// ---- phones ---------------------------------------------------------------------------------

enum class PowerSource { poe, adapter };

struct Phone {
  std::string device;  // "SEP" + MAC, upper case: the identity everywhere else
  wire::MacAddress mac;
  std::string model;  // canonical, "CP-8861"
  PortRef port;
  std::string group;          // empty for phones listed one by one
  bool provisioned = true;    // a device record for it exists in the database
  std::string active_load;    // on flash when the run starts
  std::string inactive_load;  // the other partition; may be empty
  Time power_on{0};           // when it is plugged in / powered
  PowerSource power = PowerSource::poe;
  bool cdp = true;
  bool lldp_med = true;
  std::optional<wire::Ipv4Address> alternate_tftp;  // the phone's "Alternate TFTP" setting
  std::string source;
};

// A generated group: `count` consecutive entries of Scenario::phones starting at `first`.
struct PhoneGroup {
  std::string name;
  std::size_t first = 0;
  std::size_t count = 0;
  std::string source;
};

// Which phones an expectation, a trigger or an action is about.
struct PhoneSelector {
  enum class Kind { all, phone, group };
  Kind kind = Kind::all;
  std::size_t index = 0;  // into Scenario::phones (phone) or Scenario::groups (group)
  std::string label;      // device or group name as written, for messages
};

// ---- fault timeline -------------------------------------------------------------------------

struct NodeAction {  // node_down / node_up: the whole host goes silent or comes back
  std::string node;  // a CUCM node, DHCP server or DNS server
  bool up = false;
};
struct ServiceAction {  // service_down / service_up: the host stays, one service stops
  std::string node;
  Service service = Service::callmanager;
  bool up = false;
};
struct LinkAction {  // link_down / link_up
  std::size_t link = 0;
  bool up = false;
};
struct LinkImpairAction {  // link_impair: only the given parameters change
  std::size_t link = 0;
  std::optional<Duration> latency;
  std::optional<std::uint64_t> bandwidth_bps;
  std::optional<double> loss;
  std::optional<Duration> jitter;
};
struct SetDefaultLoadAction {
  std::string model;  // canonical
  std::string load;
};
struct SetDeviceLoadAction {
  std::string device;
  std::optional<std::string> load;  // nullopt: back to the model's default
};
struct SetCmGroupAction {
  std::string group;
  std::vector<std::string> nodes;
};
struct SetVoiceVlanAction {
  std::size_t switch_index = 0;
  std::vector<std::size_t> ports;     // empty: every access port of the switch
  std::optional<std::uint16_t> vlan;  // nullopt: no voice VLAN
};
struct SetDhcpOptionAction {
  std::string server;
  std::string scope;
  int option = 150;                          // 3, 6, 15, 42, 66 or 150
  std::vector<wire::Ipv4Address> addresses;  // 3, 6, 42, 150
  std::optional<std::string> text;           // 15, 66
  bool remove = false;                       // value null: stop sending the option
};
struct PhoneRestartAction {  // phone_reset (soft restart) / phone_power_cycle
  PhoneSelector phones;
  bool power_cycle = false;
};
struct SetPoeBudgetAction {
  std::size_t switch_index = 0;
  double budget_w = 0;
};

using Action =
    std::variant<NodeAction, ServiceAction, LinkAction, LinkImpairAction, SetDefaultLoadAction,
                 SetDeviceLoadAction, SetCmGroupAction, SetVoiceVlanAction, SetDhcpOptionAction,
                 PhoneRestartAction, SetPoeBudgetAction>;

// What a trigger waits for when it is not a fixed time.
struct EventTrigger {
  enum class Event { registered, state, step };
  PhoneSelector subject;  // a phone or a group (never all)
  Event event = Event::registered;
  std::string state;                        // Event::state
  int step = 0;                             // Event::step: 1..14
  StepStatus step_status = StepStatus::ok;  // Event::step
  std::size_t count = 0;  // groups: how many phones of the group must have done it (0 = all)
};

struct TimelineEntry {
  std::string name;                  // optional label, for logs
  std::optional<Time> at;            // fixed virtual time, or
  std::optional<EventTrigger> when;  // when an event happened ...
  Duration after{0};                 // ... plus this delay
  std::string action_name;           // as written: "node_down", "set_cm_group", ...
  Action action;
  std::string source;
};

// ---- expectations ---------------------------------------------------------------------------

struct CountBound {
  std::uint64_t min = 0;
  std::uint64_t max = UINT64_MAX;
};

struct StepCheck {
  int n = 0;                          // 1..14
  std::optional<StepStatus> status;   // default when nothing else is asked: ok
  std::optional<std::string> detail;  // substring of the step's detail
  std::optional<Duration> before;     // the step ended at or before this virtual time
};

struct RegistrationTimeBounds {  // upper bounds, any subset
  std::optional<Duration> p50, p90, p99, max;
};

// One expectation object of the scenario: every assertion it holds must be true of the
// selected phones (or of their aggregate) for it to pass.
struct Expectation {
  std::string text;  // given, or generated from the assertions
  PhoneSelector subject;
  std::optional<std::string> state;
  std::optional<std::string> registered_with;
  std::optional<StepCheck> step;
  std::optional<std::string> display_seen;  // substring of any display message shown
  std::optional<std::string> active_load;
  std::optional<std::string> inactive_load;
  std::vector<std::pair<std::string, CountBound>> counts;  // state -> bound
  std::optional<RegistrationTimeBounds> registration_time;
  std::string source;
};

// ---- the scenario ---------------------------------------------------------------------------

struct Scenario {
  std::string name;  // default: the file name without ".json"
  std::string description;
  std::string file;  // as given to the loader
  std::uint64_t seed = 1;
  Duration time_limit{600'000'000'000};  // 10 min of virtual time

  std::vector<Switch> switches;
  std::vector<Link> links;
  std::vector<DhcpServer> dhcp_servers;
  Dns dns;
  Cucm cucm;
  std::vector<Phone> phones;
  std::vector<PhoneGroup> groups;
  std::vector<TimelineEntry> timeline;
  std::vector<Expectation> expectations;

  // Lookups built by the loader (call index() after editing the vectors by hand).
  [[nodiscard]] std::optional<std::size_t> find_phone(std::string_view device_or_mac) const;
  [[nodiscard]] std::optional<std::size_t> find_group(std::string_view name) const;
  [[nodiscard]] std::optional<std::size_t> find_switch(std::string_view name) const;
  // The phones a selector names, as a range of indices into `phones` (all, one, or a group).
  struct Range {
    std::size_t first = 0;
    std::size_t count = 0;
  };
  [[nodiscard]] Range select(const PhoneSelector& s) const;
  void index();

 private:
  std::unordered_map<std::string, std::size_t> phone_by_device_;
  std::unordered_map<std::uint64_t, std::size_t> phone_by_mac_;
};

// ---- phone models ---------------------------------------------------------------------------

struct PhoneModel {
  std::string_view product;   // "CP-8861"
  std::string_view number;    // "8861"
  std::string_view platform;  // CDP platform string, "Cisco IP Phone 8861"
  std::string_view family;    // load family, "sip88xx"
  std::string_view default_load;
};

// The models voicelab knows (Cisco 78xx and 88xx SIP phones).
[[nodiscard]] const std::vector<PhoneModel>& phone_models();
// Accepts "8861", "CP-8861", "cp-8861" and "Cisco IP Phone 8861".
[[nodiscard]] const PhoneModel* find_phone_model(std::string_view name);

}  // namespace voicelab::scenario
