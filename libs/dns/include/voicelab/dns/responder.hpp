#pragma once
// The lab's DNS server, sans-I/O: an authoritative table of host name -> IPv4 addresses
// answering queries that arrived on UDP port 53.
//
// - A query (opcode QUERY, one question) for a known name (case-insensitive, final dot
//   optional): type A or ANY -> NOERROR with its A records (AA set); another type -> NOERROR
//   without answers. An unknown name -> NXDOMAIN. Class other than IN/ANY -> REFUSED; another
//   opcode -> NOTIMP; not exactly one question -> FORMERR.
// - set_failing(true) makes every answer SERVFAIL (a broken server, for fault scenarios).
// - Undecodable queries: FORMERR when at least the header could be read, else dropped; counted
//   and reported. Responses (QR = 1) are never answered. Nothing throws on input.
// - Replies go to the query's source endpoint from port 53; the question is echoed, RD copied,
//   RA clear (no recursion offered).

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/dns/datagram.hpp"
#include "voicelab/dns/message.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::dns {

struct HostRecord {
  std::string name;
  wire::Ipv4Address address;
};

struct ResponderConfig {
  std::vector<HostRecord> hosts;  // a name may appear several times (several A records)
  std::uint32_t ttl = 3600;
};

enum class ResponderEventKind {
  answered,        // NOERROR with `addresses` (possibly none: another record type)
  name_error,      // NXDOMAIN
  server_failure,  // SERVFAIL because set_failing(true)
  rejected,        // FORMERR, NOTIMP or REFUSED; `reason`
  malformed,       // undecodable; `reason`
};

struct ResponderEvent {
  ResponderEventKind kind = ResponderEventKind::answered;
  Time time{};
  Endpoint client;
  std::string name;
  std::uint16_t type = 0;
  std::vector<wire::Ipv4Address> addresses;
  std::string reason;

  [[nodiscard]] std::string describe() const;
};

struct ResponderCounters {
  std::uint64_t queries = 0, answered = 0, name_errors = 0, server_failures = 0, rejected = 0;
  std::uint64_t malformed = 0, ignored = 0;
};

class Responder {
 public:
  // Throws std::invalid_argument for an empty host name.
  explicit Responder(ResponderConfig config);

  // Table changes at run time (a fault scenario renaming a server, ...). add_host throws
  // std::invalid_argument for an empty name.
  void add_host(Time now, std::string_view name, wire::Ipv4Address address);
  void remove_host(Time now, std::string_view name);  // every address of the name
  void set_failing(Time now, bool failing);

  void handle_datagram(Time now, const Datagram& in);
  void handle_timeout(Time now) { (void)now; }  // no timers
  [[nodiscard]] std::optional<Time> next_timeout() const { return std::nullopt; }
  std::optional<OutgoingDatagram> poll_transmit();
  std::optional<ResponderEvent> poll_event();

  [[nodiscard]] const ResponderCounters& counters() const { return counters_; }
  [[nodiscard]] std::vector<wire::Ipv4Address> lookup(std::string_view name) const;

 private:
  void insert(std::string_view name, wire::Ipv4Address address);
  void reply(const Datagram& in, const Message& response);

  std::map<std::string, std::vector<wire::Ipv4Address>> hosts_;  // canonical name -> addresses
  std::uint32_t ttl_ = 3600;
  bool failing_ = false;
  std::deque<OutgoingDatagram> transmits_;
  std::deque<ResponderEvent> events_;
  ResponderCounters counters_;
};

}  // namespace voicelab::dns
