#include "voicelab/dhcp/server.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace voicelab::dhcp {

// A decoded client message with what the server knows about where it came from.
struct Server::Request {
  Time now{};
  const Datagram* in = nullptr;
  Message message;
  MessageType type = MessageType::discover;
  const ServerInterface* interface = nullptr;
  std::string client;  // key: option 61 when present, else htype + chaddr
};

namespace {

std::string client_key(const Message& message) {
  if (auto id = message.options.client_id()) {
    std::string key = "i";
    key.append(id->begin(), id->end());
    return key;
  }
  std::string key = "h";
  key.push_back(static_cast<char>(message.htype));
  const std::size_t length = std::min<std::size_t>(message.hlen, message.chaddr.size());
  key.append(reinterpret_cast<const char*>(message.chaddr.data()), length);
  return key;
}

std::string as_key(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

std::uint32_t whole_seconds(Duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s <= 0) return 0;
  if (s >= static_cast<std::int64_t>(infinite_lease)) return infinite_lease - 1;
  return static_cast<std::uint32_t>(s);
}

std::string seconds_text(const std::optional<Duration>& d) {
  if (!d) return "an infinite lease";
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*d).count()) + " s";
}

std::uint64_t range_size(const AddressRange& r) {
  return std::uint64_t{r.last.to_u32()} - r.first.to_u32() + 1;
}

bool overlaps(const wire::Ipv4Prefix& a, const wire::Ipv4Prefix& b) {
  return a.contains(b.network()) || b.contains(a.network());
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string to_string(ServerEventKind kind) {
  switch (kind) {
    case ServerEventKind::received:
      return "received";
    case ServerEventKind::offered:
      return "offered";
    case ServerEventKind::acked:
      return "acked";
    case ServerEventKind::nak_sent:
      return "nak_sent";
    case ServerEventKind::informed:
      return "informed";
    case ServerEventKind::declined:
      return "declined";
    case ServerEventKind::released:
      return "released";
    case ServerEventKind::offer_withdrawn:
      return "offer_withdrawn";
    case ServerEventKind::lease_expired:
      return "lease_expired";
    case ServerEventKind::decline_cleared:
      return "decline_cleared";
    case ServerEventKind::pool_exhausted:
      return "pool_exhausted";
    case ServerEventKind::no_subnet:
      return "no_subnet";
    case ServerEventKind::ignored:
      return "ignored";
    case ServerEventKind::malformed:
      return "malformed";
  }
  return "unknown";
}

std::string ServerEvent::describe() const {
  const std::string type = message_type ? to_string(*message_type) : std::string{"message"};
  std::string client = mac.to_string();
  if (host_name) client += " (" + *host_name + ")";
  const std::string via = relay.is_any() ? " on interface " + std::to_string(interface)
                                         : " relayed by " + relay.to_string();
  const std::string in_pool = pool.empty() ? std::string{} : " [pool " + pool + "]";
  switch (kind) {
    case ServerEventKind::received: {
      std::string text = type + " from " + client + via;
      if (vendor_class) text += ", vendor class \"" + *vendor_class + "\"";
      return text;
    }
    case ServerEventKind::offered:
      return "offering " + address.to_string() + " to " + client + " for " +
             seconds_text(lease_time) + via + in_pool;
    case ServerEventKind::acked:
      return address.to_string() + " leased to " + client + " for " + seconds_text(lease_time) +
             via + in_pool;
    case ServerEventKind::nak_sent:
      return "refusing " + type + " from " + client + via + ": " + reason;
    case ServerEventKind::informed:
      return "parameters sent to " + address.to_string() + " (" + client + ") answering its " +
             type + in_pool;
    case ServerEventKind::declined:
      return client + " reports " + address.to_string() +
             " already in use; it stays out of the pool for a while" +
             (reason.empty() ? std::string{} : " (" + reason + ")") + in_pool;
    case ServerEventKind::released:
      return client + " gave back " + address.to_string() + in_pool;
    case ServerEventKind::offer_withdrawn:
      return "offer of " + address.to_string() + " to " + client + " withdrawn: " + reason;
    case ServerEventKind::lease_expired:
      return "lease of " + address.to_string() + " held by " + client + " ran out" + in_pool;
    case ServerEventKind::decline_cleared:
      return address.to_string() + ", declined earlier, is available again" + in_pool;
    case ServerEventKind::pool_exhausted:
      return "no free address for " + client + via + in_pool + ": " + reason;
    case ServerEventKind::no_subnet:
      return "no pool for " + type + " from " + client + via + ": " + reason;
    case ServerEventKind::ignored:
      return "not answering " + type + " from " + client + via + ": " + reason;
    case ServerEventKind::malformed:
      return "undecodable datagram on interface " + std::to_string(interface) + ": " + reason;
  }
  return "unknown server event";
}

// --- construction and configuration ----------------------------------------------------------

Server::Server(ServerConfig config) {
  validate(config);
  config_ = std::move(config);
  rebuild_pools();
}

void Server::validate(const ServerConfig& config) const {
  auto fail = [](const std::string& what) { throw std::invalid_argument("DHCP server: " + what); };
  if (config.default_lease_time <= Duration::zero() || config.offer_hold <= Duration::zero() ||
      config.decline_hold <= Duration::zero()) {
    fail("lease time, offer hold and decline hold must be positive");
  }
  for (std::size_t i = 0; i < config.interfaces.size(); ++i) {
    for (std::size_t j = i + 1; j < config.interfaces.size(); ++j) {
      if (config.interfaces[i].index == config.interfaces[j].index) {
        fail("two interfaces with index " + std::to_string(config.interfaces[i].index));
      }
    }
  }
  for (std::size_t i = 0; i < config.pools.size(); ++i) {
    const Pool& pool = config.pools[i];
    const std::string name = "pool '" + pool.name + "': ";
    if (!pool.subnet.contains(pool.range.first) || !pool.subnet.contains(pool.range.last)) {
      fail(name + "range outside subnet " + pool.subnet.to_string());
    }
    if (pool.range.last < pool.range.first) fail(name + "range ends before it starts");
    if (pool.boot_file.size() > 128) fail(name + "boot file name over 128 bytes");
    std::set<std::uint32_t> addresses;
    std::set<std::uint64_t> macs;
    std::set<std::string> client_ids;
    for (const auto& reservation : pool.reservations) {
      const std::string what = name + "reservation " + reservation.address.to_string();
      if (!pool.subnet.contains(reservation.address)) fail(what + " outside the subnet");
      if (!reservation.mac && !reservation.client_id) fail(what + " names no client");
      if (!addresses.insert(reservation.address.to_u32()).second) fail(what + " given twice");
      if (reservation.mac && !macs.insert(reservation.mac->to_u64()).second) {
        fail(what + ": MAC " + reservation.mac->to_string() + " already has a reservation");
      }
      if (reservation.client_id && !client_ids.insert(as_key(*reservation.client_id)).second) {
        fail(what + ": client identifier already has a reservation");
      }
    }
    for (std::size_t j = i + 1; j < config.pools.size(); ++j) {
      if (overlaps(pool.subnet, config.pools[j].subnet)) {
        fail(name + "subnet overlaps pool '" + config.pools[j].name + "'");
      }
    }
  }
}

void Server::rebuild_pools() {
  pool_states_.assign(config_.pools.size(), PoolState{});
  for (std::size_t p = 0; p < config_.pools.size(); ++p) {
    const Pool& pool = config_.pools[p];
    PoolState& state = pool_states_[p];
    state.cursor = pool.range.first.to_u32();
    // Excluded addresses inside the range, overlapping exclusions merged.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    for (const auto& ex : pool.exclusions) {
      const std::uint64_t first = std::max(ex.first.to_u32(), pool.range.first.to_u32());
      const std::uint64_t last = std::min(ex.last.to_u32(), pool.range.last.to_u32());
      if (first <= last) spans.emplace_back(first, last);
    }
    std::sort(spans.begin(), spans.end());
    std::uint64_t excluded = 0;
    std::uint64_t covered_to = 0;  // one past the last counted address
    for (const auto& [first, last] : spans) {
      const std::uint64_t from = std::max(first, covered_to);
      if (from <= last) excluded += last - from + 1;
      covered_to = std::max(covered_to, last + 1);
    }
    state.excluded = static_cast<std::size_t>(excluded);
    for (std::size_t r = 0; r < pool.reservations.size(); ++r) {
      const Reservation& reservation = pool.reservations[r];
      const std::uint32_t a = reservation.address.to_u32();
      state.reservation_by_address[a] = r;
      if (reservation.mac) state.reservation_by_mac[reservation.mac->to_u64()] = r;
      if (reservation.client_id) {
        state.reservation_by_client_id[as_key(*reservation.client_id)] = r;
      }
      if (pool.range.contains(reservation.address)) {
        const bool excluded_address =
            std::any_of(pool.exclusions.begin(), pool.exclusions.end(),
                        [&](const AddressRange& ex) { return ex.contains(reservation.address); });
        if (!excluded_address) state.reserved.insert(a);
      }
    }
    state.dynamic_size =
        static_cast<std::size_t>(range_size(pool.range) - excluded - state.reserved.size());
  }
  // Re-attach the bindings that still fit a pool; count the active dynamic ones.
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    Binding& binding = it->second;
    auto pool = pool_for_subnet_of(binding.address);
    if (!pool) {
      if (binding.expires) expiries_.erase({*binding.expires, it->first});
      auto owner = by_client_.find(binding.client);
      if (owner != by_client_.end() && owner->second == it->first) by_client_.erase(owner);
      it = bindings_.erase(it);
      continue;
    }
    binding.pool = *pool;
    if (binding.state != BindingState::free && is_dynamic(*pool, it->first)) {
      ++pool_states_[*pool].active;
      if (binding.state == BindingState::declined) ++pool_states_[*pool].declined;
    }
    ++it;
  }
}

void Server::start(Time now) {
  expire(now);
  running_ = true;
}

void Server::stop(Time now) {
  expire(now);
  running_ = false;
}

void Server::reconfigure(Time now, ServerConfig config) {
  validate(config);
  expire(now);
  config_ = std::move(config);
  rebuild_pools();
}

// --- time ------------------------------------------------------------------------------------

std::optional<Time> Server::next_timeout() const {
  if (expiries_.empty()) return std::nullopt;
  return expiries_.begin()->first;
}

void Server::handle_timeout(Time now) { expire(now); }

void Server::set_expiry(Binding& binding, std::optional<Time> expires) {
  const std::uint32_t a = binding.address.to_u32();
  if (binding.expires) expiries_.erase({*binding.expires, a});
  binding.expires = expires;
  if (expires) expiries_.insert({*expires, a});
}

void Server::expire(Time now) {
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    const auto [at, address] = *expiries_.begin();
    expiries_.erase(expiries_.begin());
    Binding& binding = bindings_.at(address);
    binding.expires.reset();
    const BindingState was = binding.state;
    change_state(binding, BindingState::free);
    switch (was) {
      case BindingState::offered:
        emit_binding_event(ServerEventKind::offer_withdrawn, binding, at,
                           "no REQUEST within the offer hold time");
        break;
      case BindingState::bound:
        emit_binding_event(ServerEventKind::lease_expired, binding, at);
        break;
      case BindingState::declined:
        emit_binding_event(ServerEventKind::decline_cleared, binding, at);
        binding.client.clear();
        break;
      case BindingState::free:
        break;
    }
  }
}

// --- bookkeeping -----------------------------------------------------------------------------

void Server::change_state(Binding& binding, BindingState next) {
  const std::uint32_t a = binding.address.to_u32();
  if (is_dynamic(binding.pool, a)) {
    PoolState& state = pool_states_[binding.pool];
    const bool was_active = binding.state != BindingState::free;
    const bool now_active = next != BindingState::free;
    if (!was_active && now_active) {
      ++state.active;
      state.returned.erase(a);  // free below the cursor means "in returned"
    }
    if (was_active && !now_active) {
      --state.active;
      if (a < state.cursor) state.returned.insert(a);
    }
    if (binding.state == BindingState::declined) --state.declined;
    if (next == BindingState::declined) ++state.declined;
  }
  binding.state = next;
}

bool Server::is_dynamic(std::size_t pool, std::uint32_t address) const {
  const Pool& p = config_.pools[pool];
  if (!p.range.contains(wire::Ipv4Address{address})) return false;
  if (pool_states_[pool].reserved.contains(address)) return false;
  return std::none_of(p.exclusions.begin(), p.exclusions.end(), [address](const AddressRange& ex) {
    return ex.contains(wire::Ipv4Address{address});
  });
}

bool Server::is_active(std::uint32_t address) const {
  auto it = bindings_.find(address);
  return it != bindings_.end() && it->second.state != BindingState::free;
}

std::optional<wire::Ipv4Address> Server::lowest_free(std::size_t pool) {
  const Pool& p = config_.pools[pool];
  PoolState& state = pool_states_[pool];
  const std::uint64_t last = p.range.last.to_u32();
  while (state.cursor <= last) {
    const auto a = static_cast<std::uint32_t>(state.cursor);
    auto exclusion =
        std::find_if(p.exclusions.begin(), p.exclusions.end(),
                     [a](const AddressRange& ex) { return ex.contains(wire::Ipv4Address{a}); });
    if (exclusion != p.exclusions.end()) {
      state.cursor = std::uint64_t{exclusion->last.to_u32()} + 1;
      continue;
    }
    if (!state.reserved.contains(a) && !is_active(a)) break;
    ++state.cursor;
  }
  std::optional<std::uint32_t> best;
  if (state.cursor <= last) best = static_cast<std::uint32_t>(state.cursor);
  if (!state.returned.empty() && (!best || *state.returned.begin() < *best)) {
    best = *state.returned.begin();
  }
  if (!best) return std::nullopt;
  return wire::Ipv4Address{*best};
}

Server::Binding& Server::binding_for(std::size_t pool, wire::Ipv4Address address) {
  auto [it, inserted] = bindings_.try_emplace(address.to_u32());
  if (inserted) {
    it->second.address = address;
    it->second.pool = pool;
  }
  return it->second;
}

void Server::assign(Binding& binding, const Request& request, BindingState state,
                    std::optional<Time> expires) {
  const std::uint32_t a = binding.address.to_u32();
  if (!binding.client.empty() && binding.client != request.client) {
    // Taken over from a previous holder: it no longer gets this address back.
    auto owner = by_client_.find(binding.client);
    if (owner != by_client_.end() && owner->second == a) by_client_.erase(owner);
  }
  binding.client = request.client;
  binding.mac = request.message.client_mac();
  binding.host_name = request.message.options.host_name();
  binding.vendor_class = request.message.options.vendor_class();
  change_state(binding, state);
  set_expiry(binding, expires);
  by_client_[request.client] = a;
}

void Server::withdraw_other_offer(const Request& request, wire::Ipv4Address keep) {
  auto owner = by_client_.find(request.client);
  if (owner == by_client_.end() || owner->second == keep.to_u32()) return;
  auto it = bindings_.find(owner->second);
  if (it == bindings_.end()) return;
  Binding& other = it->second;
  if (other.client == request.client && other.state == BindingState::offered) {
    change_state(other, BindingState::free);
    set_expiry(other, std::nullopt);
  }
}

// --- lookups ---------------------------------------------------------------------------------

const ServerInterface* Server::find_interface(InterfaceIndex index) const {
  for (const auto& interface : config_.interfaces) {
    if (interface.index == index) return &interface;
  }
  return nullptr;
}

bool Server::is_our_address(wire::Ipv4Address address) const {
  return std::any_of(config_.interfaces.begin(), config_.interfaces.end(),
                     [address](const ServerInterface& i) { return i.address.address == address; });
}

std::optional<std::size_t> Server::pool_for_subnet_of(wire::Ipv4Address address) const {
  for (std::size_t p = 0; p < config_.pools.size(); ++p) {
    if (config_.pools[p].subnet.contains(address)) return p;
  }
  return std::nullopt;
}

std::optional<std::size_t> Server::select_pool(const Request& request) const {
  const Message& m = request.message;
  if (!m.giaddr.is_any()) return pool_for_subnet_of(m.giaddr);
  return pool_for_subnet_of(request.interface->address.address);
}

const Reservation* Server::reservation_for(std::size_t pool, const Request& request) const {
  const PoolState& state = pool_states_[pool];
  const auto& reservations = config_.pools[pool].reservations;
  if (const auto* id = request.message.options.find(option::client_id)) {
    auto it = state.reservation_by_client_id.find(as_key(*id));
    if (it != state.reservation_by_client_id.end()) return &reservations[it->second];
  }
  if (request.message.htype == 1 && request.message.hlen == 6) {
    auto it = state.reservation_by_mac.find(request.message.client_mac().to_u64());
    if (it != state.reservation_by_mac.end()) return &reservations[it->second];
  }
  return nullptr;
}

std::string Server::refusal(std::size_t pool, wire::Ipv4Address address,
                            const Request& request) const {
  const Pool& p = config_.pools[pool];
  if (!p.subnet.contains(address)) {
    return address.to_string() + " is not on subnet " + p.subnet.to_string();
  }
  if (const auto* own = reservation_for(pool, request)) {
    if (own->address == address) return {};
    return "the client's reserved address is " + own->address.to_string();
  }
  if (pool_states_[pool].reservation_by_address.contains(address.to_u32())) {
    return address.to_string() + " is reserved for another client";
  }
  if (!p.range.contains(address)) return address.to_string() + " is outside the pool's range";
  if (!is_dynamic(pool, address.to_u32())) return address.to_string() + " is excluded";
  auto it = bindings_.find(address.to_u32());
  if (it != bindings_.end() && it->second.state != BindingState::free &&
      it->second.client != request.client) {
    return it->second.state == BindingState::declined
               ? address.to_string() + " was declined and is out of use"
               : address.to_string() + " is leased to another client";
  }
  return {};
}

std::optional<wire::Ipv4Address> Server::choose_address(std::size_t pool, const Request& request) {
  if (const auto* reservation = reservation_for(pool, request)) {
    if (refusal(pool, reservation->address, request).empty()) return reservation->address;
    return std::nullopt;
  }
  auto previous = by_client_.find(request.client);
  if (previous != by_client_.end()) {
    const wire::Ipv4Address address{previous->second};
    const Binding& binding = bindings_.at(previous->second);
    if (binding.pool == pool && binding.client == request.client &&
        refusal(pool, address, request).empty()) {
      return address;  // current binding, or the previous one if still free
    }
  }
  if (auto requested = request.message.options.requested_address()) {
    if (refusal(pool, *requested, request).empty()) return *requested;
  }
  return lowest_free(pool);
}

// --- input -----------------------------------------------------------------------------------

void Server::handle_datagram(Time now, const Datagram& in) {
  expire(now);
  if (!running_) {
    ++counters_.dropped_while_stopped;
    return;
  }
  ++counters_.received;
  auto decoded = decode_message(in.payload);
  if (!decoded) {
    ++counters_.malformed;
    ServerEvent event;
    event.kind = ServerEventKind::malformed;
    event.time = now;
    event.interface = in.interface;
    event.reason = "from " + in.source.to_string() + ": " + decoded.error().message();
    emit(std::move(event));
    return;
  }
  Request request;
  request.now = now;
  request.in = &in;
  request.message = std::move(decoded).value();
  request.interface = find_interface(in.interface);
  request.client = client_key(request.message);
  const auto type = request.message.type();
  auto ignore = [&](std::string reason) {
    ++counters_.ignored;
    ServerEvent event = make_event(ServerEventKind::ignored, request);
    event.message_type = type;
    event.reason = std::move(reason);
    emit(std::move(event));
  };
  if (request.message.op != BootOp::request) return ignore("not a BOOTREQUEST");
  if (!type) return ignore("BOOTP request without a DHCP message type");
  request.type = *type;
  if (request.interface == nullptr) {
    return ignore("arrived on interface " + std::to_string(in.interface) +
                  ", which the server does not serve");
  }
  emit(make_event(ServerEventKind::received, request));
  switch (request.type) {
    case MessageType::discover:
      return on_discover(request);
    case MessageType::request:
      return on_request(request);
    case MessageType::decline:
      return on_decline(request);
    case MessageType::release:
      return on_release(request);
    case MessageType::inform:
      return on_inform(request);
    default:
      return ignore("a server does not expect this message type");
  }
}

void Server::on_discover(const Request& request) {
  ++counters_.discovers;
  auto pool = select_pool(request);
  if (!pool) {
    ServerEvent event = make_event(ServerEventKind::no_subnet, request);
    event.reason =
        request.message.giaddr.is_any()
            ? "interface address " + request.interface->address.to_string() +
                  " is in no pool's subnet"
            : "relay address " + request.message.giaddr.to_string() + " is in no pool's subnet";
    emit(std::move(event));
    return;
  }
  auto address = choose_address(*pool, request);
  if (!address) {
    ++counters_.pool_exhausted;
    const Pool& p = config_.pools[*pool];
    const PoolState& state = pool_states_[*pool];
    ServerEvent event = make_event(ServerEventKind::pool_exhausted, request);
    event.pool = p.name;
    if (const auto* reservation = reservation_for(*pool, request)) {
      event.reason =
          "its reserved address " + reservation->address.to_string() + " is held by another client";
    } else {
      event.reason = "all " + std::to_string(state.dynamic_size) + " dynamic addresses of " +
                     p.range.first.to_string() + "-" + p.range.last.to_string() + " are in use (" +
                     std::to_string(state.active - state.declined) + " offered or leased, " +
                     std::to_string(state.declined) + " declined; " +
                     std::to_string(state.excluded) + " excluded, " +
                     std::to_string(state.reserved.size()) + " reserved)";
    }
    emit(std::move(event));
    return;
  }
  withdraw_other_offer(request, *address);
  Binding& binding = binding_for(*pool, *address);
  const Options options = options_for(*pool, request);
  const auto lease_seconds = options.lease_time();
  std::optional<Duration> lease = config_.default_lease_time;
  if (lease_seconds) {
    lease = *lease_seconds == infinite_lease
                ? std::nullopt
                : std::optional<Duration>{std::chrono::seconds(*lease_seconds)};
  }
  if (!(binding.state == BindingState::bound && binding.client == request.client)) {
    assign(binding, request, BindingState::offered, request.now + config_.offer_hold);
  }
  send_reply(request, build_reply(request, MessageType::offer, *pool, *address, lease));
  ++counters_.offers;
  ServerEvent event = make_event(ServerEventKind::offered, request);
  event.address = *address;
  event.pool = config_.pools[*pool].name;
  event.lease_time = lease;
  emit(std::move(event));
}

void Server::acknowledge(const Request& request, std::size_t pool, wire::Ipv4Address address) {
  withdraw_other_offer(request, address);
  Binding& binding = binding_for(pool, address);
  const Options options = options_for(pool, request);
  std::optional<Duration> lease = config_.default_lease_time;
  if (auto seconds = options.lease_time()) {
    lease = *seconds == infinite_lease ? std::nullopt
                                       : std::optional<Duration>{std::chrono::seconds(*seconds)};
  }
  assign(binding, request, BindingState::bound,
         lease ? std::optional<Time>{request.now + *lease} : std::nullopt);
  send_reply(request, build_reply(request, MessageType::ack, pool, address, lease));
  ++counters_.acks;
  ServerEvent event = make_event(ServerEventKind::acked, request);
  event.address = address;
  event.pool = config_.pools[pool].name;
  event.lease_time = lease;
  emit(std::move(event));
}

void Server::on_request(const Request& request) {
  ++counters_.requests;
  const Message& m = request.message;
  const auto server_id = m.options.server_id();
  const auto requested = m.options.requested_address();
  auto ignore = [&](std::string reason) {
    ++counters_.ignored;
    ServerEvent event = make_event(ServerEventKind::ignored, request);
    event.reason = std::move(reason);
    emit(std::move(event));
  };
  auto no_subnet = [&](std::string reason) {
    ServerEvent event = make_event(ServerEventKind::no_subnet, request);
    event.reason = std::move(reason);
    emit(std::move(event));
  };

  if (server_id) {
    // SELECTING: the client answers one server's offer.
    if (!is_our_address(*server_id)) {
      auto owner = by_client_.find(request.client);
      if (owner != by_client_.end()) {
        Binding& binding = bindings_.at(owner->second);
        if (binding.client == request.client && binding.state == BindingState::offered) {
          change_state(binding, BindingState::free);
          set_expiry(binding, std::nullopt);
          emit_binding_event(ServerEventKind::offer_withdrawn, binding, request.now,
                             "the client chose server " + server_id->to_string());
          return;
        }
      }
      return ignore("it selected server " + server_id->to_string());
    }
    if (!requested) return ignore("REQUEST with a server identifier but no requested address");
    auto pool = select_pool(request);
    if (!pool) return no_subnet("no pool for the client's subnet");
    if (auto why = refusal(*pool, *requested, request); !why.empty()) {
      return send_nak(request, why);
    }
    return acknowledge(request, *pool, *requested);
  }

  if (m.ciaddr.is_any()) {
    // INIT-REBOOT: the client checks an address it remembers.
    if (!requested) return ignore("REQUEST with neither ciaddr nor a requested address");
    auto pool = select_pool(request);
    if (!pool) return no_subnet("no pool for the client's subnet");
    const Pool& p = config_.pools[*pool];
    if (!p.subnet.contains(*requested)) {
      return send_nak(request, "wrong network: " + requested->to_string() + " is not on " +
                                   p.subnet.to_string());
    }
    const auto* reservation = reservation_for(*pool, request);
    auto owner = by_client_.find(request.client);
    const bool known = reservation != nullptr || owner != by_client_.end();
    if (owner != by_client_.end() && owner->second != requested->to_u32()) {
      const Binding& current = bindings_.at(owner->second);
      if (current.pool == *pool && current.client == request.client &&
          current.state == BindingState::bound) {
        return send_nak(request, "the client's lease is for " + current.address.to_string());
      }
    }
    auto why = refusal(*pool, *requested, request);
    if (!why.empty()) return send_nak(request, why);
    if (!known) {
      return ignore("no record of this client for " + requested->to_string() +
                    "; staying silent (RFC 2131 4.3.2)");
    }
    return acknowledge(request, *pool, *requested);
  }

  // RENEWING (unicast to us) or REBINDING (broadcast): the client holds ciaddr.
  auto pool = pool_for_subnet_of(m.ciaddr);
  if (!pool) return no_subnet("ciaddr " + m.ciaddr.to_string() + " is in no pool's subnet");
  if (auto why = refusal(*pool, m.ciaddr, request); !why.empty()) return send_nak(request, why);
  // A renewal for an address the server has no record of (its state was lost) is granted when
  // the address is free for this client: better than cutting a working phone off.
  return acknowledge(request, *pool, m.ciaddr);
}

void Server::on_decline(const Request& request) {
  ++counters_.declines;
  const Message& m = request.message;
  auto ignore = [&](std::string reason) {
    ++counters_.ignored;
    ServerEvent event = make_event(ServerEventKind::ignored, request);
    event.reason = std::move(reason);
    emit(std::move(event));
  };
  const auto server_id = m.options.server_id();
  if (!server_id || !is_our_address(*server_id)) return ignore("DECLINE meant for another server");
  const auto address = m.options.requested_address();
  if (!address) return ignore("DECLINE without the declined address (50)");
  auto pool = pool_for_subnet_of(*address);
  if (!pool) return ignore(address->to_string() + " is in no pool's subnet");
  auto existing = bindings_.find(address->to_u32());
  if (existing != bindings_.end() && existing->second.state != BindingState::free &&
      existing->second.client != request.client) {
    return ignore(address->to_string() + " is not held by this client");
  }
  Binding& binding = binding_for(*pool, *address);
  auto owner = by_client_.find(request.client);
  if (owner != by_client_.end() && owner->second == address->to_u32()) by_client_.erase(owner);
  binding.client.clear();  // nobody gets it back by stickiness
  binding.mac = m.client_mac();
  change_state(binding, BindingState::declined);
  set_expiry(binding, request.now + config_.decline_hold);
  ServerEvent event = make_event(ServerEventKind::declined, request);
  event.address = *address;
  event.pool = config_.pools[*pool].name;
  event.reason = m.options.message().value_or("");
  emit(std::move(event));
}

void Server::on_release(const Request& request) {
  ++counters_.releases;
  const Message& m = request.message;
  auto ignore = [&](std::string reason) {
    ++counters_.ignored;
    ServerEvent event = make_event(ServerEventKind::ignored, request);
    event.reason = std::move(reason);
    emit(std::move(event));
  };
  if (auto server_id = m.options.server_id(); server_id && !is_our_address(*server_id)) {
    return ignore("RELEASE meant for another server");
  }
  auto it = bindings_.find(m.ciaddr.to_u32());
  if (it == bindings_.end() || it->second.state != BindingState::bound ||
      it->second.client != request.client) {
    return ignore(m.ciaddr.to_string() + " is not leased to this client");
  }
  Binding& binding = it->second;
  change_state(binding, BindingState::free);  // the client stays its previous holder
  set_expiry(binding, std::nullopt);
  ServerEvent event = make_event(ServerEventKind::released, request);
  event.address = binding.address;
  event.pool = config_.pools[binding.pool].name;
  emit(std::move(event));
}

void Server::on_inform(const Request& request) {
  ++counters_.informs;
  const Message& m = request.message;
  std::optional<std::size_t> pool;
  if (!m.giaddr.is_any()) {
    pool = pool_for_subnet_of(m.giaddr);
  } else if (!m.ciaddr.is_any()) {
    pool = pool_for_subnet_of(m.ciaddr);
  }
  if (!pool) pool = pool_for_subnet_of(request.interface->address.address);
  if (!pool) {
    ServerEvent event = make_event(ServerEventKind::no_subnet, request);
    event.reason = "no pool for " + m.ciaddr.to_string();
    emit(std::move(event));
    return;
  }
  send_reply(request, build_reply(request, MessageType::ack, *pool, {}, std::nullopt));
  ++counters_.acks;
  ServerEvent event = make_event(ServerEventKind::informed, request);
  event.address = m.ciaddr;
  event.pool = config_.pools[*pool].name;
  emit(std::move(event));
}

// --- replies ---------------------------------------------------------------------------------

Options Server::options_for(std::size_t pool, const Request& request) const {
  const Pool& p = config_.pools[pool];
  Options options = p.options;
  if (auto vendor_class = request.message.options.vendor_class()) {
    for (const auto& rule : p.vendor_classes) {
      if (starts_with(*vendor_class, rule.prefix)) {
        options.merge(rule.options);
        break;
      }
    }
  }
  if (const auto* reservation = reservation_for(pool, request)) {
    options.merge(reservation->options);
  }
  if (!options.contains(option::subnet_mask)) options.set_subnet_mask(p.subnet.mask());
  return options;
}

Message Server::build_reply(const Request& request, MessageType type, std::size_t pool,
                            wire::Ipv4Address yiaddr, std::optional<Duration> lease) const {
  const Message& m = request.message;
  const Pool& p = config_.pools[pool];
  const bool inform = request.type == MessageType::inform;
  Message reply;
  reply.op = BootOp::reply;
  reply.htype = m.htype;
  reply.hlen = m.hlen;
  reply.xid = m.xid;
  reply.flags = m.flags;
  reply.giaddr = m.giaddr;
  reply.chaddr = m.chaddr;
  reply.ciaddr = type == MessageType::ack ? m.ciaddr : wire::Ipv4Address{};
  reply.yiaddr = yiaddr;
  reply.siaddr = p.next_server.value_or(wire::Ipv4Address{});
  reply.file = p.boot_file;

  const Options configured = options_for(pool, request);
  Options& out = reply.options;
  out.set_message_type(type);
  out.set_server_id(request.interface->address.address);
  if (!inform) {
    if (lease) {
      const std::uint32_t seconds = whole_seconds(*lease);
      out.set_lease_time(seconds);
      out.set_renewal_time(configured.renewal_time().value_or(seconds / 2));
      out.set_rebinding_time(configured.rebinding_time().value_or(
          static_cast<std::uint32_t>(std::uint64_t{seconds} * 7 / 8)));
    } else {
      out.set_lease_time(infinite_lease);
    }
  }
  out.set_subnet_mask(*configured.subnet_mask());
  const auto requested = m.options.parameter_request_list();
  const bool send_all = config_.send_unrequested_options || requested.empty();
  for (const auto& entry : configured.entries()) {
    switch (entry.code) {
      case option::subnet_mask:
      case option::lease_time:
      case option::renewal_time:
      case option::rebinding_time:
      case option::message_type:
      case option::server_id:
      case option::client_id:
      case option::relay_agent_info:
        continue;  // set above or echoed below
      default:
        break;
    }
    if (send_all || std::find(requested.begin(), requested.end(), entry.code) != requested.end()) {
      out.set(entry.code, entry.data);
    }
  }
  if (const auto* id = m.options.find(option::client_id)) out.set(option::client_id, *id);
  if (const auto* info = m.options.find(option::relay_agent_info)) {
    out.set(option::relay_agent_info, *info);
  }
  return reply;
}

void Server::send_nak(const Request& request, const std::string& reason) {
  const Message& m = request.message;
  Message reply;
  reply.op = BootOp::reply;
  reply.htype = m.htype;
  reply.hlen = m.hlen;
  reply.xid = m.xid;
  reply.flags = m.flags;
  reply.giaddr = m.giaddr;
  reply.chaddr = m.chaddr;
  // Relayed: the broadcast bit makes the relay broadcast it (RFC 2131 §4.3.2).
  if (!m.giaddr.is_any()) reply.set_broadcast(true);
  reply.options.set_message_type(MessageType::nak);
  reply.options.set_server_id(request.interface->address.address);
  reply.options.set_message(reason);
  if (const auto* id = m.options.find(option::client_id)) {
    reply.options.set(option::client_id, *id);
  }
  if (const auto* info = m.options.find(option::relay_agent_info)) {
    reply.options.set(option::relay_agent_info, *info);
  }
  send_reply(request, reply);
  ++counters_.naks;
  ServerEvent event = make_event(ServerEventKind::nak_sent, request);
  event.reason = reason;
  event.address = m.options.requested_address().value_or(m.ciaddr);
  emit(std::move(event));
}

void Server::send_reply(const Request& request, const Message& reply) {
  auto payload = encode_message(reply);
  if (!payload) return;  // only an over-long boot file could fail, and validate() rejects it
  const Message& m = request.message;
  const bool nak = reply.type() == MessageType::nak;
  OutgoingDatagram out;
  out.source_port = server_port;
  out.payload = std::move(payload).value();
  if (!m.giaddr.is_any()) {
    out.destination = {m.giaddr, server_port};
  } else if (!nak && !m.ciaddr.is_any()) {
    out.destination = {m.ciaddr, client_port};
  } else if (nak || m.broadcast() || reply.yiaddr.is_any()) {
    out.destination = {wire::Ipv4Address::broadcast(), client_port};
    out.broadcast = true;
    out.interface = request.in->interface;
  } else {
    out.destination = {reply.yiaddr, client_port};
    out.interface = request.in->interface;
    out.link_destination = m.client_mac();
  }
  transmits_.push_back(std::move(out));
}

// --- output ----------------------------------------------------------------------------------

std::optional<OutgoingDatagram> Server::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  OutgoingDatagram out = std::move(transmits_.front());
  transmits_.pop_front();
  return out;
}

std::optional<ServerEvent> Server::poll_event() {
  if (events_.empty()) return std::nullopt;
  ServerEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

ServerEvent Server::make_event(ServerEventKind kind, const Request& request) const {
  ServerEvent event;
  event.kind = kind;
  event.time = request.now;
  event.message_type = request.message.type();
  event.mac = request.message.client_mac();
  event.host_name = request.message.options.host_name();
  event.vendor_class = request.message.options.vendor_class();
  event.relay = request.message.giaddr;
  event.interface = request.in->interface;
  return event;
}

void Server::emit(ServerEvent event) { events_.push_back(std::move(event)); }

void Server::emit_binding_event(ServerEventKind kind, const Binding& binding, Time at,
                                std::string reason) {
  ServerEvent event;
  event.kind = kind;
  event.time = at;
  event.mac = binding.mac;
  event.host_name = binding.host_name;
  event.vendor_class = binding.vendor_class;
  event.address = binding.address;
  event.pool = config_.pools[binding.pool].name;
  event.reason = std::move(reason);
  emit(std::move(event));
}

// --- inspection ------------------------------------------------------------------------------

std::optional<LeaseInfo> Server::lease(wire::Ipv4Address address) const {
  auto it = bindings_.find(address.to_u32());
  if (it == bindings_.end()) return std::nullopt;
  const Binding& b = it->second;
  LeaseInfo info;
  info.address = b.address;
  switch (b.state) {
    case BindingState::offered:
      info.state = LeaseInfo::State::offered;
      break;
    case BindingState::bound:
      info.state = LeaseInfo::State::bound;
      break;
    case BindingState::declined:
      info.state = LeaseInfo::State::declined;
      break;
    case BindingState::free:
      info.state = LeaseInfo::State::free;
      break;
  }
  info.mac = b.mac;
  info.pool = config_.pools[b.pool].name;
  info.host_name = b.host_name;
  info.vendor_class = b.vendor_class;
  info.expires = b.expires;
  return info;
}

std::vector<LeaseInfo> Server::leases() const {
  std::vector<LeaseInfo> result;
  result.reserve(bindings_.size());
  for (const auto& [address, binding] : bindings_) {
    result.push_back(*lease(binding.address));
  }
  return result;
}

std::size_t Server::free_addresses(const std::string& pool_name) const {
  for (std::size_t p = 0; p < config_.pools.size(); ++p) {
    if (config_.pools[p].name == pool_name) {
      return pool_states_[p].dynamic_size - pool_states_[p].active;
    }
  }
  return 0;
}

}  // namespace voicelab::dhcp
