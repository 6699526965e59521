#pragma once
// The sub-engines of one boot of a phone and what they produced, kept out of the public header.
// A boot (power-up or the reboot after an upgrade) starts with a fresh Engines.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fetcher.hpp"
#include "voicelab/cdp/phone_discovery.hpp"
#include "voicelab/dhcp/client.hpp"
#include "voicelab/dns/resolver.hpp"
#include "voicelab/phone/phone.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/sip/registration_client.hpp"

namespace voicelab::phone::detail {

enum class Owner : std::uint8_t { http, sip };

struct Engines {
  std::optional<cdp::PhoneDiscovery> discovery;
  std::optional<dhcp::Client> dhcp;
  std::optional<dns::Resolver> dns;
  std::optional<Fetcher> fetcher;
  std::optional<sip::RegistrationClient> sip;

  // Phone connection ids <-> (owner, the owner's id).
  std::map<ConnectionId, std::pair<Owner, std::uint64_t>> connections;
  std::map<std::pair<Owner, std::uint64_t>, ConnectionId> by_owner;

  // DNS lookups in progress.
  std::optional<dns::QueryId> tftp_query;
  std::map<dns::QueryId, std::size_t> cm_queries;  // -> index into cm_entries

  // What this boot learned.
  bool voice_vlan_learned = false;
  std::optional<dhcp::Lease> lease;
  std::optional<wire::Ipv4Address> remembered;  // for INIT-REBOOT on a network restart
  std::optional<provisioning::DeviceConfig> config;
  bool default_config = false;  // the configuration is XMLDefault.cnf.xml
  std::string config_file;      // which file it came from
  std::string config_via;       // "HTTP 10.1.1.11:6970" / "TFTP 10.1.1.11"
  std::string secure_note;      // what steps 5/6 found, for the console

  // Step 8.
  std::string target_load;
  std::vector<std::pair<std::string, std::uint64_t>> load_files;
  std::size_t load_index = 0;
  std::uint64_t load_bytes = 0;

  // Steps 10-11.
  std::vector<provisioning::CallManagerEntry> cm_entries;
  std::vector<std::optional<sip::RegistrarNode>> cm_nodes;  // per entry, once known
  std::vector<std::string> failed_nodes;                    // connect failures in the current round
  bool registered_once = false;

  // Steps 12-14: files of the current step, fetched one after the other.
  int group_step = 0;
  std::vector<std::string> group_files;
  std::size_t group_index = 0;
  std::vector<std::string> group_ok;
  std::vector<std::string> group_problems;
  std::uint64_t group_bytes = 0;
};

}  // namespace voicelab::phone::detail
