#include "voicelab/sip/transaction.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "lex.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"

namespace voicelab::sip {
namespace {

bool has_magic_cookie(std::string_view branch) {
  return branch.size() > magic_cookie.size() &&
         branch.substr(0, magic_cookie.size()) == magic_cookie;
}

bool due(const std::optional<Time>& timer, Time now) { return timer && *timer <= now; }

// Timer values that would make the timers spin are a configuration error (EXAMPLES: exceptions
// are for programmer errors and bad configuration).
void check_timers(const TimerConfig& timers) {
  if (timers.t1 <= Duration::zero() || timers.t2 < timers.t1 || timers.t4 < Duration::zero()) {
    throw std::invalid_argument("sip::TimerConfig: need T1 > 0, T2 >= T1, T4 >= 0");
  }
}

void earliest(std::optional<Time>& acc, const std::optional<Time>& t) {
  if (t && (!acc || *t < *acc)) acc = t;
}

}  // namespace

const char* to_string(TransactionState state) {
  switch (state) {
    case TransactionState::trying:
      return "Trying";
    case TransactionState::proceeding:
      return "Proceeding";
    case TransactionState::completed:
      return "Completed";
    case TransactionState::terminated:
      return "Terminated";
  }
  return "?";
}

wire::Result<TransactionKey> server_transaction_key(const Message& request) {
  auto via = top_via(request);
  if (!via) return via.error();
  const auto branch = via->branch();
  if (!branch || !has_magic_cookie(*branch)) return errc::no_magic_cookie;
  const bool tls = detail::iequals(via->transport, "TLS");
  TransactionKey key;
  key.branch = std::string(*branch);
  key.sent_by = detail::lowered(via->host) + ':' +
                std::to_string(via->port.value_or(tls ? std::uint16_t{5061} : std::uint16_t{5060}));
  key.method = request.method;
  return key;
}

wire::Result<TransactionKey> client_transaction_key(const Message& message) {
  auto via = top_via(message);
  if (!via) return via.error();
  const auto branch = via->branch();
  if (!branch || !has_magic_cookie(*branch)) return errc::no_magic_cookie;
  auto cseq = cseq_header(message);
  if (!cseq) return cseq.error();
  TransactionKey key;
  key.branch = std::string(*branch);
  key.method = cseq->method;
  return key;
}

// --- client -----------------------------------------------------------------------------------

wire::Result<ClientTransaction> ClientTransaction::start(Time now, Message request,
                                                         Transport transport,
                                                         const TimerConfig& timers) {
  check_timers(timers);
  auto key = client_transaction_key(request);
  if (!key) return key.error();
  ClientTransaction t;
  t.key_ = std::move(key).value();
  t.request_ = std::move(request);
  t.transport_ = transport;
  t.timers_ = timers;
  t.timer_f_ = now + 64 * timers.t1;
  if (!is_reliable(transport)) {
    t.interval_e_ = timers.t1;
    t.timer_e_ = now + timers.t1;
  }
  t.transmit_.push_back(t.request_);
  t.transmissions_ = 1;
  return t;
}

bool ClientTransaction::matches(const Message& response) const {
  if (state_ == TransactionState::terminated || !response.is_response()) return false;
  const auto key = client_transaction_key(response);
  return key && *key == key_;
}

void ClientTransaction::terminate() {
  state_ = TransactionState::terminated;
  timer_e_.reset();
  timer_f_.reset();
  timer_k_.reset();
}

bool ClientTransaction::handle_message(Time now, const Message& response) {
  if (!matches(response)) return false;
  const bool provisional = response.status_code < 200;
  switch (state_) {
    case TransactionState::trying:
    case TransactionState::proceeding:
      if (provisional) {
        state_ = TransactionState::proceeding;
        events_.push_back({ClientEvent::Kind::provisional, response});
        return true;
      }
      events_.push_back({ClientEvent::Kind::final_response, response});
      timer_e_.reset();
      timer_f_.reset();
      if (is_reliable(transport_)) {
        terminate();  // Timer K is zero over a reliable transport
      } else {
        state_ = TransactionState::completed;
        timer_k_ = now + timers_.t4;
      }
      return true;
    case TransactionState::completed:
      return true;  // a retransmitted response: absorbed
    case TransactionState::terminated:
      return false;
  }
  return false;
}

void ClientTransaction::handle_timeout(Time now) {
  for (;;) {
    if (state_ == TransactionState::terminated) return;
    if (due(timer_f_, now)) {
      terminate();
      events_.push_back({ClientEvent::Kind::timeout, {}});
      return;
    }
    if (due(timer_k_, now)) {
      terminate();
      return;
    }
    if (!due(timer_e_, now)) return;
    // Timer E: retransmit; Trying doubles the interval up to T2, Proceeding uses T2.
    transmit_.push_back(request_);
    ++transmissions_;
    interval_e_ =
        state_ == TransactionState::proceeding ? timers_.t2 : std::min(2 * interval_e_, timers_.t2);
    timer_e_ = now + interval_e_;
  }
}

void ClientTransaction::handle_transport_error(Time /*now*/) {
  if (state_ == TransactionState::terminated) return;
  const bool tell = state_ != TransactionState::completed;
  terminate();
  if (tell) events_.push_back({ClientEvent::Kind::transport_error, {}});
}

std::optional<Time> ClientTransaction::next_timeout() const {
  std::optional<Time> t;
  earliest(t, timer_e_);
  earliest(t, timer_f_);
  earliest(t, timer_k_);
  return t;
}

std::optional<Message> ClientTransaction::poll_transmit() {
  if (transmit_.empty()) return std::nullopt;
  Message m = std::move(transmit_.front());
  transmit_.pop_front();
  return m;
}

std::optional<ClientEvent> ClientTransaction::poll_event() {
  if (events_.empty()) return std::nullopt;
  ClientEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

// --- server -----------------------------------------------------------------------------------

wire::Result<ServerTransaction> ServerTransaction::start(Time /*now*/, const Message& request,
                                                         Transport transport,
                                                         const TimerConfig& timers) {
  check_timers(timers);
  if (!request.is_request()) return errc::bad_start_line;
  auto key = server_transaction_key(request);
  if (!key) return key.error();
  ServerTransaction t;
  t.key_ = std::move(key).value();
  t.transport_ = transport;
  t.timers_ = timers;
  return t;
}

bool ServerTransaction::matches(const Message& request) const {
  if (state_ == TransactionState::terminated || !request.is_request()) return false;
  const auto key = server_transaction_key(request);
  return key && *key == key_;
}

bool ServerTransaction::handle_message(Time /*now*/, const Message& retransmission) {
  if (!matches(retransmission)) return false;
  ++absorbed_;
  // Trying: discarded. Proceeding / Completed: the last response again.
  if (last_response_) transmit_.push_back(*last_response_);
  return true;
}

bool ServerTransaction::respond(Time now, Message response) {
  if (state_ == TransactionState::completed || state_ == TransactionState::terminated) {
    return false;
  }
  const bool provisional = response.status_code < 200;
  last_response_ = std::move(response);
  transmit_.push_back(*last_response_);
  if (provisional) {
    state_ = TransactionState::proceeding;
  } else if (is_reliable(transport_)) {
    state_ = TransactionState::terminated;  // Timer J is zero over a reliable transport
  } else {
    state_ = TransactionState::completed;
    timer_j_ = now + 64 * timers_.t1;
  }
  return true;
}

void ServerTransaction::handle_timeout(Time now) {
  if (state_ == TransactionState::completed && due(timer_j_, now)) {
    state_ = TransactionState::terminated;
    timer_j_.reset();
  }
}

void ServerTransaction::handle_transport_error(Time /*now*/) {
  state_ = TransactionState::terminated;
  timer_j_.reset();
}

std::optional<Time> ServerTransaction::next_timeout() const { return timer_j_; }

std::optional<Message> ServerTransaction::poll_transmit() {
  if (transmit_.empty()) return std::nullopt;
  Message m = std::move(transmit_.front());
  transmit_.pop_front();
  return m;
}

// --- layer ------------------------------------------------------------------------------------

void TransactionLayer::settle(TransactionId id) {
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  bool over = false;
  std::optional<Time> deadline;
  if (auto* client = std::get_if<ClientTransaction>(&entry.transaction)) {
    while (auto m = client->poll_transmit()) transmit_.push_back({entry.flow, std::move(*m)});
    while (auto e = client->poll_event()) {
      TransactionEvent event{TransactionEvent::Kind::timeout, id, entry.flow,
                             std::move(e->response)};
      switch (e->kind) {
        case ClientEvent::Kind::provisional:
          event.kind = TransactionEvent::Kind::provisional;
          break;
        case ClientEvent::Kind::final_response:
          event.kind = TransactionEvent::Kind::final_response;
          break;
        case ClientEvent::Kind::timeout:
          event.kind = TransactionEvent::Kind::timeout;
          break;
        case ClientEvent::Kind::transport_error:
          event.kind = TransactionEvent::Kind::transport_error;
          break;
      }
      events_.push_back(std::move(event));
    }
    over = client->state() == TransactionState::terminated;
    deadline = client->next_timeout();
    if (over) clients_.erase(client->key());
  } else {
    auto& server = std::get<ServerTransaction>(entry.transaction);
    while (auto m = server.poll_transmit()) transmit_.push_back({entry.flow, std::move(*m)});
    over = server.state() == TransactionState::terminated;
    deadline = server.next_timeout();
    if (over) servers_.erase(server.key());
  }
  if (entry.deadline) timers_by_deadline_.erase({*entry.deadline, id});
  entry.deadline.reset();
  if (over) {
    entries_.erase(it);
    return;
  }
  if (deadline) {
    entry.deadline = deadline;
    timers_by_deadline_.insert({*deadline, id});
  }
}

std::error_code TransactionLayer::handle_message(Time now, FlowId flow, Transport transport,
                                                 const Message& message) {
  if (message.is_response()) {
    const auto key = client_transaction_key(message);
    const auto found = key ? clients_.find(*key) : clients_.end();
    if (found == clients_.end()) {
      events_.push_back({TransactionEvent::Kind::stray, 0, flow, message});
      return key ? std::error_code{} : key.error();
    }
    auto& client = std::get<ClientTransaction>(entries_.at(found->second).transaction);
    client.handle_message(now, message);
    settle(found->second);
    return {};
  }
  if (message.method == "ACK" || message.method == "INVITE") {
    events_.push_back({TransactionEvent::Kind::stray, 0, flow, message});
    return {};
  }
  auto key = server_transaction_key(message);
  if (!key) return key.error();
  if (const auto found = servers_.find(*key); found != servers_.end()) {
    auto& server = std::get<ServerTransaction>(entries_.at(found->second).transaction);
    server.handle_message(now, message);
    settle(found->second);
    return {};
  }
  auto server = ServerTransaction::start(now, message, transport, timers_);
  if (!server) return server.error();
  const TransactionId id = next_id_++;
  servers_.emplace(std::move(key).value(), id);
  entries_.emplace(id, Entry{flow, std::move(server).value(), std::nullopt});
  events_.push_back({TransactionEvent::Kind::request, id, flow, message});
  return {};
}

wire::Result<TransactionId> TransactionLayer::send_request(Time now, FlowId flow,
                                                           Transport transport, Message request) {
  auto client = ClientTransaction::start(now, std::move(request), transport, timers_);
  if (!client) return client.error();
  const TransactionId id = next_id_++;
  clients_[client->key()] = id;
  entries_.emplace(id, Entry{flow, std::move(client).value(), std::nullopt});
  settle(id);
  return id;
}

bool TransactionLayer::respond(Time now, TransactionId id, Message response) {
  const auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  auto* server = std::get_if<ServerTransaction>(&it->second.transaction);
  if (server == nullptr) return false;
  const bool sent = server->respond(now, std::move(response));
  settle(id);
  return sent;
}

void TransactionLayer::handle_timeout(Time now) {
  while (!timers_by_deadline_.empty() && timers_by_deadline_.begin()->first <= now) {
    const TransactionId id = timers_by_deadline_.begin()->second;
    Entry& entry = entries_.at(id);
    std::visit([now](auto& t) { t.handle_timeout(now); }, entry.transaction);
    settle(id);
  }
}

void TransactionLayer::handle_transport_error(Time now, FlowId flow) {
  std::vector<TransactionId> ids;
  for (const auto& [id, entry] : entries_) {
    if (entry.flow == flow) ids.push_back(id);
  }
  for (const auto id : ids) {
    std::visit([now](auto& t) { t.handle_transport_error(now); }, entries_.at(id).transaction);
    settle(id);
  }
}

std::optional<Time> TransactionLayer::next_timeout() const {
  if (timers_by_deadline_.empty()) return std::nullopt;
  return timers_by_deadline_.begin()->first;
}

std::optional<Outgoing> TransactionLayer::poll_transmit() {
  if (transmit_.empty()) return std::nullopt;
  Outgoing o = std::move(transmit_.front());
  transmit_.pop_front();
  return o;
}

std::optional<TransactionEvent> TransactionLayer::poll_event() {
  if (events_.empty()) return std::nullopt;
  TransactionEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

}  // namespace voicelab::sip
