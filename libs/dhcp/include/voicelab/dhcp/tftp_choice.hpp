#pragma once
// Which TFTP server(s) a Cisco phone uses after DHCP, as a pure function.
//
// Rule, in order (PROTOCOL-NOTES "DHCP"; Cisco CCIE Collaboration material on phone start-up):
//   1. an alternate TFTP server configured on the phone wins;
//   2. option 150: every address of the list, in order (0.0.0.0 entries are skipped);
//   3. option 66: a dotted IPv4 address is used as is; anything else is a host name that has to
//      be resolved through DNS first (the phone-level code does it with dns::Resolver and calls
//      complete_tftp_resolution);
//   4. the BOOTP 'siaddr' field when it is not 0.0.0.0 — believed, not verified against a Cisco
//      administration guide or a capture;
//   5. otherwise: no TFTP server.
// A 66 host name that does not resolve falls back to siaddr (step 4), then to none: an
// assumption, as no source says what the phone does then.

#include <optional>
#include <string>
#include <vector>

#include "voicelab/dhcp/options.hpp"
#include "voicelab/wire/address.hpp"

namespace voicelab::dhcp {

enum class TftpSource {
  none,              // no TFTP server: the phone cannot get its configuration
  alternate,         // the phone's own "Alternate TFTP" setting
  option150,         // TFTP Server Address list (RFC 5859)
  option66_address,  // TFTP Server Name holding a dotted address
  option66_name,     // TFTP Server Name holding a host name (see `name`, `resolution`)
  siaddr,            // BOOTP next-server address
};

enum class TftpResolution {
  not_needed,  // not option66_name
  pending,     // the name has to be resolved: call complete_tftp_resolution
  resolved,    // servers holds the resolved address
  failed,      // the name did not resolve; source is now siaddr (servers = {siaddr}) or none
};

std::string to_string(TftpSource source);

struct TftpChoice {
  TftpSource source = TftpSource::none;
  std::vector<wire::Ipv4Address> servers;  // in order of preference
  std::string name;                        // the option 66 host name, when source is option66_name
  TftpResolution resolution = TftpResolution::not_needed;
  wire::Ipv4Address siaddr;  // kept for the fallback after a failed resolution

  [[nodiscard]] bool needs_resolution() const { return resolution == TftpResolution::pending; }
  [[nodiscard]] bool has_server() const { return !servers.empty(); }
  // "option 150: 10.0.0.10, 10.0.0.11", "option 66 name cucm1.lab: waiting for DNS", ...
  [[nodiscard]] std::string describe() const;

  friend bool operator==(const TftpChoice&, const TftpChoice&) = default;
};

// Applies the rule to a lease's options and siaddr.
TftpChoice choose_tftp_servers(const std::optional<wire::Ipv4Address>& alternate,
                               const Options& options, wire::Ipv4Address siaddr);

// Completes a pending option 66 host name choice with what DNS said (nullopt: did not resolve,
// whatever the reason). Any other choice is returned unchanged.
TftpChoice complete_tftp_resolution(TftpChoice choice,
                                    const std::optional<wire::Ipv4Address>& resolved);

}  // namespace voicelab::dhcp
