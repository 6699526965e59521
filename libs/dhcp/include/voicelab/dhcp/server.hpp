#pragma once
// The DHCP server engine (RFC 2131 §4.3), sans-I/O: it is handed datagrams that arrived on UDP
// port 67 and the time, and returns datagrams to send, its next deadline and events. It neither
// knows nor cares whether a simulated network or real sockets carry them.
//
// Model
// - Interfaces: the driver declares each interface the server listens on with its address and
//   prefix. The address is the server identifier (option 54) of replies to requests that arrived
//   on that interface, relayed or not (RFC 2131 §4.1).
// - Pools: one per subnet. A request is served by the pool whose subnet contains giaddr when it
//   was relayed (giaddr != 0), else the pool whose subnet contains the receiving interface's
//   address. RENEWING/REBINDING requests are served by the pool holding ciaddr.
// - Options sent to a client: the pool's, then the first matching vendor class rule's (option 60
//   starts with the rule's prefix), then the client's reservation's, each overriding the former
//   code by code. Subnet mask (1) defaults to the pool's prefix. Lease time (51) defaults to
//   ServerConfig::default_lease_time; T1 (58) and T2 (59) default to 1/2 and 7/8 of it and are
//   always sent with a lease. Of the configured options, only those in the client's parameter
//   request list (55) are sent (all of them when it sent none, or with
//   send_unrequested_options); 1, 51, 54, 58, 59 always are. Option 61 (RFC 6842) and option 82
//   (RFC 3046 §2.2) are echoed.
// - Address choice for a DISCOVER (RFC 2131 §4.3.1, deterministic): the client's reservation;
//   else its current binding; else its previous (expired or released) address if free; else the
//   requested address (50) if free; else the lowest free address of the range. Clients are
//   identified by option 61 when present, else by chaddr.
// - Bindings: offered (held for offer_hold), bound (until the lease ends), declined (address
//   kept out of use for decline_hold), free (remembered for stickiness). All expiries are driven
//   by `now`: handle_timeout at next_timeout() processes them; every other call also does first.
// - Replies (RFC 2131 §4.1): to giaddr:67 when relayed (NAK with the broadcast bit set); else to
//   ciaddr:68 when set (not for NAK); else broadcast when the broadcast flag is set or for a NAK;
//   else unicast to yiaddr:68 at link-layer address chaddr.
// - Malformed or unexpected input is counted and reported as an event; it never throws.
// - The server starts stopped: call start(now). While stopped it ignores every datagram (like
//   a server that is down) but keeps its leases, as a server with a lease file would.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "voicelab/dhcp/datagram.hpp"
#include "voicelab/dhcp/message.hpp"
#include "voicelab/dhcp/options.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::dhcp {

struct ServerInterface {
  InterfaceIndex index = 0;
  wire::Ipv4Prefix address;  // the interface's own address and prefix, e.g. 10.0.0.10/24
};

// Inclusive range of addresses.
struct AddressRange {
  wire::Ipv4Address first;
  wire::Ipv4Address last;
  [[nodiscard]] bool contains(wire::Ipv4Address a) const { return first <= a && a <= last; }
};

// Options for the clients whose vendor class identifier (option 60) starts with `prefix`, e.g.
// "Cisco Systems, Inc. IP Phone" for every Cisco phone or "...CP-8861" for one model.
struct VendorClassRule {
  std::string prefix;
  Options options;
};

// A fixed address for one client, matched by client identifier (61) or by MAC address (chaddr);
// a client-identifier match is preferred when both would match different reservations.
struct Reservation {
  std::optional<wire::MacAddress> mac;
  std::optional<std::vector<std::uint8_t>> client_id;
  wire::Ipv4Address address;  // inside the pool's subnet (need not be inside its range)
  Options options;            // override the pool's and vendor class options
  std::string name;           // for logs
};

struct Pool {
  std::string name;
  wire::Ipv4Prefix subnet;               // the network, e.g. 10.1.100.0/24
  AddressRange range;                    // addresses handed out dynamically
  std::vector<AddressRange> exclusions;  // never handed out
  std::vector<Reservation> reservations;
  Options options;                               // 3, 6, 15, 42, 66, 150, 51, 58, 59, 2, 43, ...
  std::vector<VendorClassRule> vendor_classes;   // the first matching rule applies
  std::optional<wire::Ipv4Address> next_server;  // BOOTP siaddr of offers and acks
  std::string boot_file;                         // BOOTP 'file' of offers and acks
};

struct ServerConfig {
  std::vector<ServerInterface> interfaces;
  std::vector<Pool> pools;
  Duration default_lease_time = std::chrono::hours(24);  // Cisco IOS and ISC dhcpd: one day
  Duration offer_hold = std::chrono::seconds(60);    // an offered address stays reserved this long
  Duration decline_hold = std::chrono::minutes(10);  // a declined address stays out of use
  bool send_unrequested_options = false;  // send configured options not in the client's 55
};

enum class ServerEventKind {
  received,         // a client message arrived (type, client, relay)
  offered,          // OFFER sent
  acked,            // ACK for a REQUEST sent (new, renewed or rebound lease)
  nak_sent,         // NAK sent; `reason` says why
  informed,         // ACK for an INFORM sent
  declined,         // the client said the address is in use; kept out for decline_hold
  released,         // the client gave its address back
  offer_withdrawn,  // the client chose another server, or the offer timed out
  lease_expired,    // a bound lease ran out
  decline_cleared,  // a declined address is usable again
  pool_exhausted,   // no address for a DISCOVER; `reason` gives the pool's numbers
  no_subnet,        // no pool for the interface/giaddr/ciaddr of a request
  ignored,          // a valid message the server chose not to answer; `reason` says why
  malformed,        // undecodable; `reason` holds the decoder's error
};

std::string to_string(ServerEventKind kind);

struct ServerEvent {
  ServerEventKind kind = ServerEventKind::received;
  Time time{};
  std::optional<MessageType> message_type;  // of the message that caused the event
  wire::MacAddress mac;
  std::optional<std::string> host_name;     // option 12 of the client
  std::optional<std::string> vendor_class;  // option 60 of the client
  wire::Ipv4Address address;                // offered/assigned/declined/released address
  wire::Ipv4Address relay;                  // giaddr, 0.0.0.0 when not relayed
  InterfaceIndex interface = 0;
  std::string pool;
  std::optional<Duration> lease_time;  // offered/acked; nullopt for an infinite lease
  std::string reason;                  // for nak_sent, ignored, pool_exhausted, malformed

  // One line for a log, e.g. "DISCOVER from 00:11:22:33:44:55 (SEP001122334455) relayed by
  // 10.1.100.1 on interface 0".
  [[nodiscard]] std::string describe() const;
};

struct ServerCounters {
  std::uint64_t received = 0, malformed = 0, ignored = 0, dropped_while_stopped = 0;
  std::uint64_t discovers = 0, requests = 0, declines = 0, releases = 0, informs = 0;
  std::uint64_t offers = 0, acks = 0, naks = 0;
  std::uint64_t pool_exhausted = 0;
};

// A snapshot of one binding, for reports and tests.
struct LeaseInfo {
  enum class State { offered, bound, declined, free };
  wire::Ipv4Address address;
  State state = State::free;
  wire::MacAddress mac;
  std::string pool;
  std::optional<std::string> host_name;
  std::optional<std::string> vendor_class;
  std::optional<Time> expires;  // nullopt: infinite lease, or free
};

class Server {
 public:
  // Throws std::invalid_argument for a configuration that cannot work: a range or reservation
  // outside its pool's subnet, a range with first > last, overlapping pool subnets, two
  // interfaces with one index, two reservations of a pool sharing an address, MAC or client
  // identifier, zero durations.
  explicit Server(ServerConfig config);

  // --- administrative ---------------------------------------------------------------------
  void start(Time now);
  void stop(Time now);
  [[nodiscard]] bool running() const { return running_; }
  // Replaces the configuration. Bindings whose address still falls in a pool's subnet are kept;
  // the others are dropped. Throws like the constructor (the old configuration then stays).
  void reconfigure(Time now, ServerConfig config);

  // --- input ------------------------------------------------------------------------------
  void handle_datagram(Time now, const Datagram& in);
  void handle_timeout(Time now);

  // --- output -----------------------------------------------------------------------------
  std::optional<OutgoingDatagram> poll_transmit();
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<ServerEvent> poll_event();

  // --- inspection -------------------------------------------------------------------------
  [[nodiscard]] const ServerCounters& counters() const { return counters_; }
  [[nodiscard]] const ServerConfig& config() const { return config_; }
  [[nodiscard]] std::optional<LeaseInfo> lease(wire::Ipv4Address address) const;
  [[nodiscard]] std::vector<LeaseInfo> leases() const;  // every known binding, by address
  // Addresses of a pool that are neither offered, bound, declined, excluded nor reserved.
  [[nodiscard]] std::size_t free_addresses(const std::string& pool_name) const;

 private:
  enum class BindingState { offered, bound, declined, free };
  struct Binding {
    wire::Ipv4Address address;
    BindingState state = BindingState::free;
    std::string client;  // client key; empty for a declined address nobody owns
    wire::MacAddress mac;
    std::optional<std::string> host_name;
    std::optional<std::string> vendor_class;
    std::size_t pool = 0;
    std::optional<Time> expires;  // nullopt: never (infinite lease, or free)
  };
  struct PoolState {
    // "Dynamic" addresses are those of the range that are neither excluded nor reserved.
    // Every dynamic address at or above `cursor` without an active binding is free; below it,
    // the free ones are exactly those in `returned`. This keeps "lowest free" O(log n) without
    // a set holding every free address of a large range.
    std::uint64_t cursor = 0;
    std::set<std::uint32_t> returned;
    std::set<std::uint32_t> reserved;  // reservation addresses inside the range, not excluded
    // Reservation lookups (index into Pool::reservations), so that a pool with a reservation
    // per phone does not make every request scan them all.
    std::map<std::uint64_t, std::size_t> reservation_by_mac;
    std::map<std::string, std::size_t> reservation_by_client_id;  // the identifier's bytes
    std::map<std::uint32_t, std::size_t> reservation_by_address;
    std::size_t dynamic_size = 0;  // range size minus excluded and reserved addresses
    std::size_t excluded = 0;      // excluded addresses inside the range
    std::size_t active = 0;        // dynamic addresses offered, bound or declined
    std::size_t declined = 0;      // dynamic addresses declined
  };
  struct Request;  // a decoded client message with its context (server.cpp)

  void validate(const ServerConfig& config) const;
  void rebuild_pools();
  void expire(Time now);
  void set_expiry(Binding& binding, std::optional<Time> expires);
  // Moves a binding to `next`, keeping the pool's free-address bookkeeping in step.
  void change_state(Binding& binding, BindingState next);

  void on_discover(const Request& request);
  void on_request(const Request& request);
  void on_decline(const Request& request);
  void on_release(const Request& request);
  void on_inform(const Request& request);

  [[nodiscard]] const ServerInterface* find_interface(InterfaceIndex index) const;
  [[nodiscard]] bool is_our_address(wire::Ipv4Address address) const;
  [[nodiscard]] std::optional<std::size_t> pool_for_subnet_of(wire::Ipv4Address address) const;
  [[nodiscard]] std::optional<std::size_t> select_pool(const Request& request) const;
  [[nodiscard]] const Reservation* reservation_for(std::size_t pool, const Request& request) const;
  [[nodiscard]] bool is_dynamic(std::size_t pool, std::uint32_t address) const;
  [[nodiscard]] bool is_active(std::uint32_t address) const;
  // Why `address` cannot be given to the client (empty: it can).
  [[nodiscard]] std::string refusal(std::size_t pool, wire::Ipv4Address address,
                                    const Request& request) const;
  std::optional<wire::Ipv4Address> choose_address(std::size_t pool, const Request& request);
  std::optional<wire::Ipv4Address> lowest_free(std::size_t pool);
  Binding& binding_for(std::size_t pool, wire::Ipv4Address address);
  void assign(Binding& binding, const Request& request, BindingState state,
              std::optional<Time> expires);
  void withdraw_other_offer(const Request& request, wire::Ipv4Address keep);
  void acknowledge(const Request& request, std::size_t pool, wire::Ipv4Address address);

  [[nodiscard]] Options options_for(std::size_t pool, const Request& request) const;
  [[nodiscard]] Message build_reply(const Request& request, MessageType type, std::size_t pool,
                                    wire::Ipv4Address yiaddr, std::optional<Duration> lease) const;
  void send_reply(const Request& request, const Message& reply);
  void send_nak(const Request& request, const std::string& reason);

  [[nodiscard]] ServerEvent make_event(ServerEventKind kind, const Request& request) const;
  void emit(ServerEvent event);
  void emit_binding_event(ServerEventKind kind, const Binding& binding, Time at,
                          std::string reason = {});

  ServerConfig config_;
  bool running_ = false;
  std::vector<PoolState> pool_states_;
  std::map<std::uint32_t, Binding> bindings_;                 // by address
  std::unordered_map<std::string, std::uint32_t> by_client_;  // client key -> last address
  std::set<std::pair<Time, std::uint32_t>> expiries_;
  std::deque<OutgoingDatagram> transmits_;
  std::deque<ServerEvent> events_;
  ServerCounters counters_;
};

}  // namespace voicelab::dhcp
