#pragma once
// A stub resolver for the phone, sans-I/O: A queries over UDP with retries.
//
// - Servers are tried in order (the DHCP option 6 list), the whole list `attempts` times, each
//   transmission waiting `timeout` for its answer: with 2 s, 3 attempts and two servers the
//   queries go out at 0 s (A), 2 s (B), 4 s (A), 6 s (B), 8 s (A), 10 s (B) and the lookup times
//   out at 12 s. (glibc's stub resolver works this way; its defaults are 5 s and 2 attempts.)
// - A response is accepted from any server already asked for this lookup, to the resolver's
//   port, with the query's id and question. NOERROR ends the lookup with its A records (none:
//   `no_address`); NXDOMAIN ends it at once (`name_error`). SERVFAIL, REFUSED, NOTIMP, FORMERR
//   and truncated answers move on to the next transmission immediately; when none is left the
//   lookup ends with `server_failure` (or `timed_out` when no server answered at all).
// - One local UDP port per resolver (random 49152..65535 unless configured); a fresh random id
//   per lookup. Lookups run concurrently and independently.
// - Undecodable or unmatched datagrams are counted and reported; nothing throws on input.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/dns/datagram.hpp"
#include "voicelab/dns/message.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::dns {

struct ResolverConfig {
  std::vector<wire::Ipv4Address> servers;
  Duration timeout = std::chrono::seconds(2);
  int attempts = 3;
  std::uint16_t local_port = 0;  // 0: random in 49152..65535, drawn at construction
};

using QueryId = std::uint64_t;

enum class ResolveStatus {
  resolved,        // `addresses` holds at least one address
  no_address,      // the name exists but has no A record
  name_error,      // NXDOMAIN
  server_failure,  // every transmission failed, at least one with SERVFAIL/REFUSED/...
  timed_out,       // no server answered
  no_servers,      // no DNS server configured
  bad_name,        // the name cannot be put in a query (empty label, over 255 bytes)
};

std::string to_string(ResolveStatus status);

struct ResolveResult {
  QueryId query = 0;
  std::string name;
  ResolveStatus status = ResolveStatus::timed_out;
  std::vector<wire::Ipv4Address> addresses;
  wire::Ipv4Address server;  // the server whose answer ended the lookup
  int transmissions = 0;
  Time started{};
  Time finished{};

  [[nodiscard]] std::string describe() const;
};

enum class ResolverEventKind {
  sent,       // transmission `transmission` of `query` to `server`
  completed,  // `result`
  ignored,    // a datagram that matches no lookup; `reason`
  malformed,  // undecodable; `reason`
};

struct ResolverEvent {
  ResolverEventKind kind = ResolverEventKind::sent;
  Time time{};
  QueryId query = 0;
  std::string name;
  wire::Ipv4Address server;
  int transmission = 0;  // 1-based
  std::optional<ResolveResult> result;
  std::string reason;

  [[nodiscard]] std::string describe() const;
};

struct ResolverCounters {
  std::uint64_t lookups = 0, transmissions = 0, responses = 0, malformed = 0, ignored = 0;
  std::uint64_t resolved = 0, failed = 0;
};

class Resolver {
 public:
  // `random` must outlive the resolver. Throws std::invalid_argument for a non-positive timeout
  // or attempts below 1.
  Resolver(ResolverConfig config, Random& random);

  // Servers for lookups started from now on.
  void set_servers(Time now, std::vector<wire::Ipv4Address> servers);
  // Starts a lookup of the A records of `name`. Without servers, or for a name that cannot be
  // encoded, the lookup completes at once (its `completed` event is queued).
  QueryId resolve(Time now, std::string_view name);
  // Forgets a lookup; no `completed` event follows.
  void cancel(Time now, QueryId query);

  void handle_datagram(Time now, const Datagram& in);
  void handle_timeout(Time now);
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<OutgoingDatagram> poll_transmit();
  std::optional<ResolverEvent> poll_event();

  [[nodiscard]] std::uint16_t local_port() const { return local_port_; }
  [[nodiscard]] const ResolverCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t pending() const { return lookups_.size(); }

 private:
  struct Lookup {
    std::string name;
    std::vector<wire::Ipv4Address> servers;
    std::uint16_t id = 0;
    int transmissions = 0;
    Time started{};
    Time deadline{};
    bool server_failed = false;
    std::vector<std::uint8_t> query;  // encoded once, sent as is each time
  };

  void transmit(Time now, QueryId id, Lookup& lookup);
  void advance(Time now, QueryId id, Lookup& lookup);  // next transmission, or give up
  void complete(Time now, QueryId id, Lookup& lookup, ResolveStatus status,
                std::vector<wire::Ipv4Address> addresses, wire::Ipv4Address server);
  void ignore(Time now, const Datagram& in, std::string reason);

  ResolverConfig config_;
  Random& random_;
  std::uint16_t local_port_ = 0;
  QueryId next_query_ = 1;
  std::map<QueryId, Lookup> lookups_;
  std::deque<OutgoingDatagram> transmits_;
  std::deque<ResolverEvent> events_;
  ResolverCounters counters_;
};

}  // namespace voicelab::dns
