#include "voicelab/dns/resolver.hpp"

#include <algorithm>
#include <stdexcept>

namespace voicelab::dns {
namespace {

constexpr std::uint16_t ephemeral_first = 49152;  // RFC 6335 dynamic ports

std::string addresses_text(const std::vector<wire::Ipv4Address>& addresses) {
  std::string text;
  for (const auto& a : addresses) {
    if (!text.empty()) text += ", ";
    text += a.to_string();
  }
  return text;
}

}  // namespace

std::string to_string(ResolveStatus status) {
  switch (status) {
    case ResolveStatus::resolved:
      return "resolved";
    case ResolveStatus::no_address:
      return "no address";
    case ResolveStatus::name_error:
      return "no such name";
    case ResolveStatus::server_failure:
      return "server failure";
    case ResolveStatus::timed_out:
      return "timed out";
    case ResolveStatus::no_servers:
      return "no DNS server";
    case ResolveStatus::bad_name:
      return "invalid name";
  }
  return "unknown";
}

std::string ResolveResult::describe() const {
  std::string text = "DNS: " + name + " ";
  if (status == ResolveStatus::resolved) {
    text += "is " + addresses_text(addresses) + " (from " + server.to_string() + ")";
  } else {
    text += "not resolved: " + to_string(status);
  }
  return text + " after " + std::to_string(transmissions) + " quer" +
         (transmissions == 1 ? "y" : "ies");
}

std::string ResolverEvent::describe() const {
  switch (kind) {
    case ResolverEventKind::sent:
      return "DNS: asking " + server.to_string() + " for " + name + " (try " +
             std::to_string(transmission) + ")";
    case ResolverEventKind::completed:
      return result ? result->describe() : "DNS: lookup finished";
    case ResolverEventKind::ignored:
      return "DNS: ignored a datagram: " + reason;
    case ResolverEventKind::malformed:
      return "DNS: undecodable answer: " + reason;
  }
  return "DNS: unknown event";
}

Resolver::Resolver(ResolverConfig config, Random& random)
    : config_(std::move(config)), random_(random) {
  if (config_.timeout <= Duration::zero()) {
    throw std::invalid_argument("DNS resolver: timeout must be positive");
  }
  if (config_.attempts < 1) throw std::invalid_argument("DNS resolver: attempts must be >= 1");
  local_port_ =
      config_.local_port != 0
          ? config_.local_port
          : static_cast<std::uint16_t>(ephemeral_first + random_.below(65536U - ephemeral_first));
}

void Resolver::set_servers(Time now, std::vector<wire::Ipv4Address> servers) {
  (void)now;
  config_.servers = std::move(servers);
}

QueryId Resolver::resolve(Time now, std::string_view name) {
  const QueryId id = next_query_++;
  ++counters_.lookups;
  Lookup lookup;
  lookup.name = std::string{name};
  lookup.servers = config_.servers;
  lookup.started = now;
  // A fresh id, distinct from the other lookups in flight.
  do {
    lookup.id = static_cast<std::uint16_t>(random_.below(65536));
  } while (std::any_of(lookups_.begin(), lookups_.end(),
                       [&](const auto& entry) { return entry.second.id == lookup.id; }));
  Message query;
  query.id = lookup.id;
  query.recursion_desired = true;
  query.questions.push_back(Question{lookup.name, rr_type::a, rr_class::in});
  auto encoded = encode_message(query);
  auto [it, inserted] = lookups_.emplace(id, std::move(lookup));
  if (!encoded || canonical_name(name).empty()) {
    complete(now, id, it->second, ResolveStatus::bad_name, {}, {});
    return id;
  }
  it->second.query = std::move(encoded).value();
  if (it->second.servers.empty()) {
    complete(now, id, it->second, ResolveStatus::no_servers, {}, {});
    return id;
  }
  transmit(now, id, it->second);
  return id;
}

void Resolver::cancel(Time now, QueryId query) {
  (void)now;
  lookups_.erase(query);
}

void Resolver::transmit(Time now, QueryId id, Lookup& lookup) {
  const auto server =
      lookup.servers[static_cast<std::size_t>(lookup.transmissions) % lookup.servers.size()];
  ++lookup.transmissions;
  lookup.deadline = now + config_.timeout;
  OutgoingDatagram out;
  out.destination = {server, port};
  out.source_port = local_port_;
  out.payload = lookup.query;
  transmits_.push_back(std::move(out));
  ++counters_.transmissions;
  ResolverEvent event;
  event.kind = ResolverEventKind::sent;
  event.time = now;
  event.query = id;
  event.name = lookup.name;
  event.server = server;
  event.transmission = lookup.transmissions;
  events_.push_back(std::move(event));
}

void Resolver::advance(Time now, QueryId id, Lookup& lookup) {
  const auto budget = static_cast<std::size_t>(config_.attempts) * lookup.servers.size();
  if (static_cast<std::size_t>(lookup.transmissions) < budget) return transmit(now, id, lookup);
  complete(now, id, lookup,
           lookup.server_failed ? ResolveStatus::server_failure : ResolveStatus::timed_out, {}, {});
}

void Resolver::complete(Time now, QueryId id, Lookup& lookup, ResolveStatus status,
                        std::vector<wire::Ipv4Address> addresses, wire::Ipv4Address server) {
  ResolveResult result;
  result.query = id;
  result.name = lookup.name;
  result.status = status;
  result.addresses = std::move(addresses);
  result.server = server;
  result.transmissions = lookup.transmissions;
  result.started = lookup.started;
  result.finished = now;
  if (status == ResolveStatus::resolved) {
    ++counters_.resolved;
  } else {
    ++counters_.failed;
  }
  ResolverEvent event;
  event.kind = ResolverEventKind::completed;
  event.time = now;
  event.query = id;
  event.name = lookup.name;
  event.server = server;
  event.transmission = lookup.transmissions;
  event.result = std::move(result);
  events_.push_back(std::move(event));
  lookups_.erase(id);  // `lookup` dangles from here on
}

void Resolver::ignore(Time now, const Datagram& in, std::string reason) {
  ++counters_.ignored;
  ResolverEvent event;
  event.kind = ResolverEventKind::ignored;
  event.time = now;
  event.server = in.source.address;
  event.reason = std::move(reason);
  events_.push_back(std::move(event));
}

void Resolver::handle_datagram(Time now, const Datagram& in) {
  handle_timeout(now);
  auto decoded = decode_message(in.payload);
  if (!decoded) {
    ++counters_.malformed;
    ResolverEvent event;
    event.kind = ResolverEventKind::malformed;
    event.time = now;
    event.server = in.source.address;
    event.reason = "from " + in.source.to_string() + ": " + decoded.error().message();
    events_.push_back(std::move(event));
    return;
  }
  const Message& response = *decoded;
  if (!response.is_response) return ignore(now, in, "a query, not a response");
  if (in.destination.port != local_port_ || in.source.port != port) {
    return ignore(now, in, "not between port 53 and the resolver's port");
  }
  auto it = std::find_if(lookups_.begin(), lookups_.end(),
                         [&](const auto& entry) { return entry.second.id == response.id; });
  if (it == lookups_.end()) return ignore(now, in, "id matches no lookup in progress");
  const QueryId id = it->first;
  Lookup& lookup = it->second;
  const std::size_t asked =
      std::min(static_cast<std::size_t>(lookup.transmissions), lookup.servers.size());
  if (std::find(lookup.servers.begin(), lookup.servers.begin() + static_cast<std::ptrdiff_t>(asked),
                in.source.address) == lookup.servers.begin() + static_cast<std::ptrdiff_t>(asked)) {
    return ignore(now, in, "from a server this lookup did not ask");
  }
  if (response.questions.size() != 1 ||
      canonical_name(response.questions.front().name) != canonical_name(lookup.name)) {
    return ignore(now, in, "question does not match the lookup");
  }
  ++counters_.responses;
  if (response.rcode == Rcode::name_error) {
    return complete(now, id, lookup, ResolveStatus::name_error, {}, in.source.address);
  }
  if (response.rcode == Rcode::no_error && !response.truncated) {
    std::vector<wire::Ipv4Address> addresses;
    for (const auto& record : response.answers) {
      if (auto address = record.address()) addresses.push_back(*address);
    }
    const auto status = addresses.empty() ? ResolveStatus::no_address : ResolveStatus::resolved;
    return complete(now, id, lookup, status, std::move(addresses), in.source.address);
  }
  lookup.server_failed = true;
  advance(now, id, lookup);
}

void Resolver::handle_timeout(Time now) {
  // Collect first: advance() may complete (erase) lookups.
  std::vector<QueryId> due;
  for (const auto& [id, lookup] : lookups_) {
    if (lookup.deadline <= now) due.push_back(id);
  }
  for (QueryId id : due) {
    auto it = lookups_.find(id);
    if (it != lookups_.end()) advance(now, id, it->second);
  }
}

std::optional<Time> Resolver::next_timeout() const {
  std::optional<Time> next;
  for (const auto& [id, lookup] : lookups_) {
    if (!next || lookup.deadline < *next) next = lookup.deadline;
  }
  return next;
}

std::optional<OutgoingDatagram> Resolver::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  OutgoingDatagram out = std::move(transmits_.front());
  transmits_.pop_front();
  return out;
}

std::optional<ResolverEvent> Resolver::poll_event() {
  if (events_.empty()) return std::nullopt;
  ResolverEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

}  // namespace voicelab::dns
