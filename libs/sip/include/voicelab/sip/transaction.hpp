#pragma once
// Non-INVITE transactions (RFC 3261 §17.1.2, §17.2.2), as REGISTER needs them, sans I/O:
// every input takes `now`; timers are a query (next_timeout()) the driver arms itself and
// answers with handle_timeout(now), which is harmless when called early or late; messages to
// send and events for the transaction user are drained with poll_transmit() / poll_event().
//
//   client (UAC)                           server (UAS)
//   Trying --1xx--> Proceeding             Trying --TU 1xx--> Proceeding
//     |  \                 |                 |  \                  |
//     |   --- 2xx-6xx ---> Completed          |   --- TU 2xx-6xx -> Completed
//     Timer F: timeout      | Timer K         |                     | Timer J
//                           v                 v                     v
//                       Terminated        Terminated            Terminated
//
// Over UDP the client retransmits on Timer E (T1, doubling to T2; T2 once a provisional arrived),
// gives up on Timer F (64*T1) and lingers T4 in Completed to absorb retransmitted responses
// (Timer K); the server lingers 64*T1 in Completed (Timer J), answering each retransmitted
// request with its last response. Over TCP there is no retransmission, Timer F still applies and
// Timers K and J are zero (the transaction ends at once).

#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include "voicelab/sip/message.hpp"
#include "voicelab/wire/result.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::sip {

enum class Transport { udp, tcp };  // TLS behaves as TCP here: reliable
constexpr bool is_reliable(Transport t) { return t != Transport::udp; }

// RFC 3261 §17.1.1.1 defaults; the CUCM SIP profile and phones may configure others.
struct TimerConfig {
  Duration t1 = 500ms;  // RTT estimate
  Duration t2 = 4s;     // maximum retransmit interval for non-INVITE requests
  Duration t4 = 5s;     // maximum time a message stays in the network
};

// What identifies a transaction. Server side (§17.2.3): the top Via's branch, its sent-by
// (host lower-cased, port defaulted to 5060) and the request method. Client side (§17.1.3): the
// branch and the CSeq method (sent_by empty).
struct TransactionKey {
  std::string branch;
  std::string sent_by;
  std::string method;

  friend auto operator<=>(const TransactionKey&, const TransactionKey&) = default;
  friend bool operator==(const TransactionKey&, const TransactionKey&) = default;
};

// Errors: missing_header / bad_header_value (Via, CSeq), no_magic_cookie (branch without
// z9hG4bK: RFC 2543 matching is not supported).
wire::Result<TransactionKey> server_transaction_key(const Message& request);
wire::Result<TransactionKey> client_transaction_key(const Message& message);

enum class TransactionState { trying, proceeding, completed, terminated };
const char* to_string(TransactionState state);

struct ClientEvent {
  enum class Kind {
    provisional,      // a 1xx for the TU
    final_response,   // the 2xx-6xx for the TU (once; retransmissions are absorbed)
    timeout,          // Timer F fired: no final response (the TU treats it as 408)
    transport_error,  // handle_transport_error() (the TU treats it as 503)
  };
  Kind kind;
  Message response;  // provisional / final_response only
};

class ClientTransaction {
 public:
  // Starts a client transaction for `request` (a non-INVITE request with a top Via whose branch
  // has the magic cookie, and a CSeq) and queues its first transmission.
  // Errors: those of client_transaction_key(). Throws std::invalid_argument for timers that are
  // not T1 > 0, T2 >= T1, T4 >= 0 (a configuration error).
  static wire::Result<ClientTransaction> start(Time now, Message request, Transport transport,
                                               const TimerConfig& timers = {});

  [[nodiscard]] const TransactionKey& key() const { return key_; }
  [[nodiscard]] const Message& request() const { return request_; }
  [[nodiscard]] TransactionState state() const { return state_; }
  [[nodiscard]] Transport transport() const { return transport_; }
  // Transmissions of the request so far (1 + retransmissions).
  [[nodiscard]] std::size_t transmissions() const { return transmissions_; }

  // True when `response` belongs to this transaction (§17.1.3) and it is not terminated.
  [[nodiscard]] bool matches(const Message& response) const;
  // A response from the transport. Returns false (and does nothing) when it does not match.
  bool handle_message(Time now, const Message& response);
  void handle_timeout(Time now);
  // The transport could not deliver the request (TCP connection refused or reset, ICMP).
  void handle_transport_error(Time now);

  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<Message> poll_transmit();
  std::optional<ClientEvent> poll_event();

 private:
  ClientTransaction() = default;
  void terminate();

  TransactionKey key_;
  Message request_;
  Transport transport_ = Transport::udp;
  TimerConfig timers_;
  TransactionState state_ = TransactionState::trying;
  std::optional<Time> timer_e_;
  Duration interval_e_{};
  std::optional<Time> timer_f_;
  std::optional<Time> timer_k_;
  std::size_t transmissions_ = 0;
  std::deque<Message> transmit_;
  std::deque<ClientEvent> events_;
};

class ServerTransaction {
 public:
  // Starts a server transaction for a request that arrived (non-INVITE, not ACK). The TU gets
  // the request from the caller, not from the transaction. Errors: those of
  // server_transaction_key(). Throws std::invalid_argument for bad timers, as the client does.
  static wire::Result<ServerTransaction> start(Time now, const Message& request,
                                               Transport transport, const TimerConfig& timers = {});

  [[nodiscard]] const TransactionKey& key() const { return key_; }
  [[nodiscard]] TransactionState state() const { return state_; }
  [[nodiscard]] Transport transport() const { return transport_; }
  // Retransmitted requests absorbed so far.
  [[nodiscard]] std::size_t absorbed() const { return absorbed_; }
  // The last response sent (nullptr before any).
  [[nodiscard]] const Message* last_response() const {
    return last_response_ ? &*last_response_ : nullptr;
  }

  [[nodiscard]] bool matches(const Message& request) const;
  // A request from the transport: when it matches, it is a retransmission and is absorbed (the
  // last response, if any, is queued again) and true is returned.
  bool handle_message(Time now, const Message& retransmission);
  // The TU's response. A 1xx moves Trying to Proceeding; a 2xx-6xx moves to Completed (and
  // starts Timer J). Returns false, sending nothing, once a final response was sent.
  bool respond(Time now, Message response);
  void handle_timeout(Time now);
  void handle_transport_error(Time now);

  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<Message> poll_transmit();

 private:
  ServerTransaction() = default;

  TransactionKey key_;
  Transport transport_ = Transport::udp;
  TimerConfig timers_;
  TransactionState state_ = TransactionState::trying;
  std::optional<Time> timer_j_;
  std::optional<Message> last_response_;
  std::size_t absorbed_ = 0;
  std::deque<Message> transmit_;
};

// Many transactions behind one entry point: what a registrar or a UA talks to. Flows are the
// driver's names for where messages go and come from (a TCP connection, a UDP peer address);
// the layer only hands them back.
using TransactionId = std::uint64_t;
using FlowId = std::uint64_t;

struct Outgoing {
  FlowId flow = 0;
  Message message;
};

struct TransactionEvent {
  enum class Kind {
    request,          // a new request for the TU; answer it with respond(id, ...)
    provisional,      // a 1xx to a request sent with send_request()
    final_response,   // the final response to it
    timeout,          // Timer F: no final response
    transport_error,  // the flow failed under a transaction
    stray,            // a message that matches nothing and starts nothing (a late response,
                      // an ACK, an INVITE: this layer has no INVITE transactions)
  };
  Kind kind;
  TransactionId id = 0;  // 0 for stray
  FlowId flow = 0;
  Message message;  // request / responses / stray
};

class TransactionLayer {
 public:
  explicit TransactionLayer(TimerConfig timers = {}) : timers_(timers) {}

  // A message received on `flow`. A request that matches a server transaction is absorbed; a
  // new non-INVITE request starts one and yields a `request` event; a response goes to its
  // client transaction. Errors (the message is dropped, nothing else happens): those of the
  // key functions — a request the TU may answer 400 itself.
  std::error_code handle_message(Time now, FlowId flow, Transport transport,
                                 const Message& message);
  // Starts a client transaction. Errors: those of client_transaction_key().
  wire::Result<TransactionId> send_request(Time now, FlowId flow, Transport transport,
                                           Message request);
  // Answers the request of a server transaction. False when there is no such transaction or
  // it already sent a final response.
  bool respond(Time now, TransactionId id, Message response);
  void handle_timeout(Time now);
  // Every transaction on `flow` sees a transport error (a TCP connection closed).
  void handle_transport_error(Time now, FlowId flow);

  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<Outgoing> poll_transmit();
  std::optional<TransactionEvent> poll_event();

  // Transactions alive (not yet terminated).
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    FlowId flow = 0;
    std::variant<ClientTransaction, ServerTransaction> transaction;
    std::optional<Time> deadline;  // as indexed in timers_by_deadline_
  };
  void settle(TransactionId id);  // drains queues, reindexes the deadline, erases when over

  TimerConfig timers_;
  TransactionId next_id_ = 1;
  std::map<TransactionId, Entry> entries_;
  std::map<TransactionKey, TransactionId> clients_;
  std::map<TransactionKey, TransactionId> servers_;
  std::set<std::pair<Time, TransactionId>> timers_by_deadline_;
  std::deque<Outgoing> transmit_;
  std::deque<TransactionEvent> events_;
};

}  // namespace voicelab::sip
