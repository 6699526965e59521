#pragma once
// What a phone reads back from its config server: SEP<MAC>.cnf.xml (or XMLDefault.cnf.xml when
// it has none) and a firmware load descriptor "<load id>.loads".
//
// parse_device_config() is tolerant the way phone firmware has to be: CUCM versions add, move
// and drop elements between releases, so it looks only for the elements it needs, anywhere they
// are expected, ignores everything else, compares element names case-insensitively
// ("loadinformation685" as some generators write it), and treats a missing element as empty.
// It fails only for XML that is not well-formed, or whose root is neither <device> nor
// <Default>. It never throws on file content (std::bad_alloc aside).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "voicelab/wire/result.hpp"

namespace voicelab::provisioning {

struct CallManagerEntry {
  std::string name;     // <callManager><name>, may be empty
  std::string address;  // <processNodeName>: an IPv4 address or a host name
  std::uint16_t sip_port = 5060;
  std::uint16_t secure_sip_port = 5061;
  int priority = 0;  // <member priority="N">, 0 first
};

struct ParsedLine {
  std::string dn;  // <name>
  std::string display_name;
  std::string label;  // <featureLabel>
  int button = 1;
};

struct DeviceConfig {
  std::string device_name;                      // see parse_device_config(); may be empty
  std::vector<CallManagerEntry> call_managers;  // priority order (stable for equal priorities)
  std::string load_information;                 // load id for this model, may be empty
  std::string user_locale, network_locale;      // folder names, may be empty
  std::string dial_rules_file, softkey_file;    // file names to fetch, may be empty
  std::vector<ParsedLine> lines;                // button order; only featureID 9 (a line)
  // "TCP" / "UDP" / "TLS" from <transportLayerProtocol> (1 TCP, 2 UDP, 3 TLS; 4 "TCP+UDP" reads
  // as "TCP": a phone given both registers over TCP). Empty when absent or unknown.
  std::string transport;
  bool unprovisioned = false;  // the file was XMLDefault.cnf.xml (root <Default>)
  // Additions to the contract:
  int device_security_mode = 1;          // <deviceSecurityMode>, 1 when absent
  int connection_monitor_duration = 0;   // seconds, 0 when absent
  bool auto_registration = false;        // XMLDefault: <autoRegistration>enabled
  std::string version_stamp;             // <versionStamp>
  std::vector<std::string> tvs_servers;  // <TVS> member addresses, priority order
};

// Parses a device configuration. `model` selects, in XMLDefault.cnf.xml, the
// <loadInformationNNN model="..."> element of the phone's model: it may be spelled "Cisco 8861",
// "CP-8861", "8861" or be the model type "685" (models.hpp); a model-less <loadInformation> is
// used when none matches. In a device file <loadInformation> is taken as it is.
// device_name is filled from a <deviceName> element when one exists (CUCM does not write one:
// use the overload with the file name).
// Errors: errc::malformed_xml, errc::not_a_config.
wire::Result<DeviceConfig> parse_device_config(std::string_view xml, std::string_view model);
// The same, with device_name taken from `file_name` when it is "SEP<MAC>.cnf.xml[.sgn]".
wire::Result<DeviceConfig> parse_device_config(std::string_view xml, std::string_view model,
                                               std::string_view file_name);

// A firmware load: the component files the phone must fetch, with their sizes.
struct LoadPlatform {
  int number = 1;  // [PLATFORM_n]
  std::vector<std::pair<std::string, std::uint64_t>> files;
};
struct LoadDescriptor {
  std::string load_id;
  // Every component of every platform, in file order, each name once.
  std::vector<std::pair<std::string, std::uint64_t>> files;
  std::vector<LoadPlatform> platforms;
};

// Parses the text of "<load id>.loads" in the format generate_load_descriptor() writes
// (files.hpp): an INI file; comments start with ';' or '#'; CR LF or LF; unknown sections and
// keys are ignored. Errors: errc::bad_load_descriptor when there is no load id, or a File line
// has no name or a size that is not a decimal number.
wire::Result<LoadDescriptor> parse_load_descriptor(std::string_view text);

}  // namespace voicelab::provisioning
