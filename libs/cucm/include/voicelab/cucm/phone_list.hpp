#pragma once
// A "Find and List Phones"-style view of the devices one node has dealt with, as structured rows
// and as a fixed-width text table for logs.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/wire/address.hpp"

namespace voicelab::cucm {

// The Status column of CUCM's Find and List Phones page, as seen by one node.
enum class DeviceStatus {
  registered,            // every configured line has a binding on this node
  partially_registered,  // some lines, not all (CUCM shows "Partially Registered")
  unregistered,          // was registered here, has no binding left (unregistered, expired,
                         // connection closed, node stopped)
  rejected,              // the last REGISTER was refused and no line is bound
  unknown,               // this node has not heard from the device
};

// "Registered", "Partially Registered", "Unregistered", "Rejected", "Unknown".
const char* to_string(DeviceStatus status);

struct PhoneRow {
  std::string device;       // SEP...
  std::string description;  // from the directory
  std::string model;        // from the directory
  DeviceStatus status = DeviceStatus::unknown;
  // Where the device registered from (the source address of its last accepted REGISTER).
  std::optional<wire::Ipv4Address> address;
  std::string node;  // the node this row comes from
  std::size_t lines_registered = 0;
  std::size_t lines_configured = 0;
  std::string reason;  // why it was last rejected / unregistered; empty otherwise

  friend bool operator==(const PhoneRow&, const PhoneRow&) = default;
};

// The rows as a text table, one line per row after a header and a rule, columns
// Device Name / Description / Status / IPv4 Address / Node, each as wide as its widest cell and
// separated by two spaces; no trailing spaces; every line ends in '\n'. An absent address prints
// as "-". Example:
//
//   Device Name      Description  Status      IPv4 Address  Node
//   ---------------  -----------  ----------  ------------  -----
//   SEP0041D25A0F3C  Lobby 8861   Registered  10.10.20.31   cucm1
std::string render_phone_list(const std::vector<PhoneRow>& rows);

}  // namespace voicelab::cucm
