#include "voicelab/dns/responder.hpp"

#include <algorithm>
#include <stdexcept>

namespace voicelab::dns {
namespace {

std::string addresses_text(const std::vector<wire::Ipv4Address>& addresses) {
  std::string text;
  for (const auto& a : addresses) {
    if (!text.empty()) text += ", ";
    text += a.to_string();
  }
  return text;
}

}  // namespace

std::string ResponderEvent::describe() const {
  const std::string query =
      "query from " + client.to_string() + " for " + name + " (type " + std::to_string(type) + ")";
  switch (kind) {
    case ResponderEventKind::answered:
      return addresses.empty() ? query + ": no records of that type"
                               : query + ": " + addresses_text(addresses);
    case ResponderEventKind::name_error:
      return query + ": no such name";
    case ResponderEventKind::server_failure:
      return query + ": failing on purpose (SERVFAIL)";
    case ResponderEventKind::rejected:
      return query + ": rejected, " + reason;
    case ResponderEventKind::malformed:
      return "undecodable query from " + client.to_string() + ": " + reason;
  }
  return "unknown DNS responder event";
}

Responder::Responder(ResponderConfig config) : ttl_(config.ttl) {
  for (const auto& host : config.hosts) insert(host.name, host.address);
}

void Responder::add_host(Time now, std::string_view name, wire::Ipv4Address address) {
  (void)now;
  insert(name, address);
}

void Responder::insert(std::string_view name, wire::Ipv4Address address) {
  auto key = canonical_name(name);
  if (key.empty()) throw std::invalid_argument("DNS responder: empty host name");
  auto& addresses = hosts_[key];
  if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
    addresses.push_back(address);
  }
}

void Responder::remove_host(Time now, std::string_view name) {
  (void)now;
  hosts_.erase(canonical_name(name));
}

void Responder::set_failing(Time now, bool failing) {
  (void)now;
  failing_ = failing;
}

std::vector<wire::Ipv4Address> Responder::lookup(std::string_view name) const {
  auto it = hosts_.find(canonical_name(name));
  if (it == hosts_.end()) return {};
  return it->second;
}

void Responder::handle_datagram(Time now, const Datagram& in) {
  ResponderEvent event;
  event.time = now;
  event.client = in.source;
  auto decoded = decode_message(in.payload);
  if (!decoded) {
    ++counters_.malformed;
    event.kind = ResponderEventKind::malformed;
    event.reason = decoded.error().message();
    events_.push_back(event);
    // Answer FORMERR when the header is there and is a query (RFC 1035 §4.1.1).
    if (in.payload.size() >= header_size && (in.payload[2] & 0x80) == 0) {
      Message response;
      response.id = wire::load_be16(in.payload.data());
      response.is_response = true;
      response.opcode = static_cast<std::uint8_t>((in.payload[2] >> 3) & 0x0f);
      response.rcode = Rcode::format_error;
      reply(in, response);
    }
    return;
  }
  const Message& query = *decoded;
  if (query.is_response) {
    ++counters_.ignored;
    return;
  }
  ++counters_.queries;
  Message response;
  response.id = query.id;
  response.is_response = true;
  response.opcode = query.opcode;
  response.recursion_desired = query.recursion_desired;
  response.questions = query.questions;
  if (!query.questions.empty()) {
    event.name = query.questions.front().name;
    event.type = query.questions.front().type;
  }
  auto reject = [&](Rcode rcode, std::string reason) {
    ++counters_.rejected;
    response.rcode = rcode;
    event.kind = ResponderEventKind::rejected;
    event.reason = to_string(rcode) + ": " + std::move(reason);
    events_.push_back(event);
    reply(in, response);
  };
  if (query.opcode != 0) return reject(Rcode::not_implemented, "only standard queries");
  if (query.questions.size() != 1) return reject(Rcode::format_error, "not exactly one question");
  const Question& question = query.questions.front();
  if (question.qclass != rr_class::in && question.qclass != rr_class::any) {
    return reject(Rcode::refused, "class " + std::to_string(question.qclass));
  }
  if (failing_) {
    ++counters_.server_failures;
    response.rcode = Rcode::server_failure;
    event.kind = ResponderEventKind::server_failure;
    events_.push_back(event);
    return reply(in, response);
  }
  response.authoritative = true;
  auto it = hosts_.find(canonical_name(question.name));
  if (it == hosts_.end()) {
    ++counters_.name_errors;
    response.rcode = Rcode::name_error;
    event.kind = ResponderEventKind::name_error;
    events_.push_back(event);
    return reply(in, response);
  }
  ++counters_.answered;
  event.kind = ResponderEventKind::answered;
  if (question.type == rr_type::a || question.type == rr_type::any) {
    for (const auto& address : it->second) {
      response.answers.push_back(Record::a(question.name, address, ttl_));
      event.addresses.push_back(address);
    }
  }
  events_.push_back(event);
  reply(in, response);
}

void Responder::reply(const Datagram& in, const Message& response) {
  auto payload = encode_message(response);
  if (!payload) return;  // the question came from a decoded message: it encodes again
  OutgoingDatagram out;
  out.destination = in.source;
  out.source_port = port;
  out.payload = std::move(payload).value();
  transmits_.push_back(std::move(out));
}

std::optional<OutgoingDatagram> Responder::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  OutgoingDatagram out = std::move(transmits_.front());
  transmits_.pop_front();
  return out;
}

std::optional<ResponderEvent> Responder::poll_event() {
  if (events_.empty()) return std::nullopt;
  ResponderEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

}  // namespace voicelab::dns
