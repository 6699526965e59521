#include "voicelab/dhcp/options.hpp"

#include <algorithm>
#include <stdexcept>

#include "voicelab/dhcp/error.hpp"

namespace voicelab::dhcp {

std::string to_string(MessageType type) {
  switch (type) {
    case MessageType::discover:
      return "DISCOVER";
    case MessageType::offer:
      return "OFFER";
    case MessageType::request:
      return "REQUEST";
    case MessageType::decline:
      return "DECLINE";
    case MessageType::ack:
      return "ACK";
    case MessageType::nak:
      return "NAK";
    case MessageType::release:
      return "RELEASE";
    case MessageType::inform:
      return "INFORM";
  }
  return "type " + std::to_string(static_cast<unsigned>(type));
}

namespace {

std::error_code validate_relay_agent_info(wire::Bytes data) noexcept {
  if (data.empty()) return errc::bad_option_length;
  wire::ByteReader reader(data);
  while (reader.remaining() > 0) {
    reader.u8();
    const std::size_t length = reader.u8();
    reader.skip(length);
    if (!reader.ok()) return errc::bad_relay_agent_info;
  }
  return {};
}

}  // namespace

std::error_code validate_option(std::uint8_t code, wire::Bytes data) noexcept {
  const std::size_t size = data.size();
  auto exactly = [size](std::size_t n) -> std::error_code {
    return size == n ? std::error_code{} : make_error_code(errc::bad_option_length);
  };
  auto at_least = [size](std::size_t n) -> std::error_code {
    return size >= n ? std::error_code{} : make_error_code(errc::bad_option_length);
  };
  switch (code) {
    case option::subnet_mask:
    case option::time_offset:
    case option::requested_address:
    case option::lease_time:
    case option::server_id:
    case option::renewal_time:
    case option::rebinding_time:
      return exactly(4);
    case option::message_type:
      return exactly(1);
    case option::max_message_size:
      return exactly(2);
    case option::overload:
      if (size != 1 || data[0] < 1 || data[0] > 3) return errc::bad_overload;
      return {};
    case option::router:
    case option::domain_name_server:
    case option::ntp_servers:
    case option::tftp_server_address:
      return (size >= 4 && size % 4 == 0) ? std::error_code{}
                                          : make_error_code(errc::bad_option_length);
    case option::host_name:
    case option::domain_name:
    case option::vendor_class:
    case option::tftp_server_name:
    case option::parameter_request_list:
    case option::message:
    case option::bootfile_name:
      return at_least(1);
    case option::client_id:
      return at_least(2);
    case option::relay_agent_info:
      return validate_relay_agent_info(data);
    default:
      return {};
  }
}

// --- raw access ------------------------------------------------------------------------------

const std::vector<std::uint8_t>* Options::find(std::uint8_t code) const {
  for (const auto& entry : entries_) {
    if (entry.code == code) return &entry.data;
  }
  return nullptr;
}

void Options::set(std::uint8_t code, std::vector<std::uint8_t> data) {
  if (code == option::pad || code == option::end) {
    throw std::invalid_argument("DHCP option codes 0 and 255 carry no value");
  }
  for (auto& entry : entries_) {
    if (entry.code == code) {
      entry.data = std::move(data);
      return;
    }
  }
  entries_.push_back(Option{code, std::move(data)});
}

void Options::append(std::uint8_t code, wire::Bytes data) {
  if (code == option::pad || code == option::end) {
    throw std::invalid_argument("DHCP option codes 0 and 255 carry no value");
  }
  for (auto& entry : entries_) {
    if (entry.code == code) {
      entry.data.insert(entry.data.end(), data.begin(), data.end());
      return;
    }
  }
  entries_.push_back(Option{code, {data.begin(), data.end()}});
}

void Options::erase(std::uint8_t code) {
  std::erase_if(entries_, [code](const Option& entry) { return entry.code == code; });
}

void Options::merge(const Options& overrides) {
  for (const auto& entry : overrides.entries_) set(entry.code, entry.data);
}

// --- typed getters ---------------------------------------------------------------------------

std::optional<wire::Ipv4Address> Options::address_of(std::uint8_t code) const {
  const auto* data = find(code);
  if (data == nullptr || data->size() != 4) return std::nullopt;
  return wire::Ipv4Address{wire::load_be32(data->data())};
}

std::vector<wire::Ipv4Address> Options::addresses_of(std::uint8_t code) const {
  std::vector<wire::Ipv4Address> result;
  const auto* data = find(code);
  if (data == nullptr || data->size() % 4 != 0) return result;
  result.reserve(data->size() / 4);
  for (std::size_t i = 0; i < data->size(); i += 4) {
    result.emplace_back(wire::load_be32(data->data() + i));
  }
  return result;
}

std::optional<std::uint32_t> Options::u32_of(std::uint8_t code) const {
  const auto* data = find(code);
  if (data == nullptr || data->size() != 4) return std::nullopt;
  return wire::load_be32(data->data());
}

std::optional<std::string> Options::text_of(std::uint8_t code) const {
  const auto* data = find(code);
  if (data == nullptr) return std::nullopt;
  // RFC 2132 text is not NUL-terminated, but some senders add one (or pad with several).
  std::string text(data->begin(), data->end());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

std::optional<MessageType> Options::message_type() const {
  const auto* data = find(option::message_type);
  if (data == nullptr || data->size() != 1) return std::nullopt;
  return static_cast<MessageType>((*data)[0]);
}

std::optional<wire::Ipv4Address> Options::subnet_mask() const {
  return address_of(option::subnet_mask);
}

std::optional<std::int32_t> Options::time_offset() const {
  auto raw = u32_of(option::time_offset);
  if (!raw) return std::nullopt;
  return static_cast<std::int32_t>(*raw);  // two's complement (C++20)
}

std::vector<wire::Ipv4Address> Options::routers() const { return addresses_of(option::router); }
std::vector<wire::Ipv4Address> Options::dns_servers() const {
  return addresses_of(option::domain_name_server);
}
std::optional<std::string> Options::host_name() const { return text_of(option::host_name); }
std::optional<std::string> Options::domain_name() const { return text_of(option::domain_name); }
std::vector<wire::Ipv4Address> Options::ntp_servers() const {
  return addresses_of(option::ntp_servers);
}

std::optional<std::vector<std::uint8_t>> Options::vendor_specific() const {
  const auto* data = find(option::vendor_specific);
  if (data == nullptr) return std::nullopt;
  return *data;
}

std::optional<wire::Ipv4Address> Options::requested_address() const {
  return address_of(option::requested_address);
}
std::optional<std::uint32_t> Options::lease_time() const { return u32_of(option::lease_time); }
std::optional<wire::Ipv4Address> Options::server_id() const {
  return address_of(option::server_id);
}

std::vector<std::uint8_t> Options::parameter_request_list() const {
  const auto* data = find(option::parameter_request_list);
  if (data == nullptr) return {};
  return *data;
}

std::optional<std::string> Options::message() const { return text_of(option::message); }
std::optional<std::uint32_t> Options::renewal_time() const { return u32_of(option::renewal_time); }
std::optional<std::uint32_t> Options::rebinding_time() const {
  return u32_of(option::rebinding_time);
}
std::optional<std::string> Options::vendor_class() const { return text_of(option::vendor_class); }

std::optional<std::vector<std::uint8_t>> Options::client_id() const {
  const auto* data = find(option::client_id);
  if (data == nullptr) return std::nullopt;
  return *data;
}

std::optional<std::string> Options::tftp_server_name() const {
  return text_of(option::tftp_server_name);
}

std::optional<std::vector<RelaySubOption>> Options::relay_agent_info() const {
  const auto* data = find(option::relay_agent_info);
  if (data == nullptr) return std::nullopt;
  std::vector<RelaySubOption> result;
  wire::ByteReader reader(*data);
  while (reader.remaining() > 0) {
    const auto code = reader.u8();
    const auto length = reader.u8();
    const auto value = reader.take(length);
    if (!reader.ok()) return std::nullopt;
    result.push_back(RelaySubOption{code, {value.begin(), value.end()}});
  }
  return result;
}

std::vector<wire::Ipv4Address> Options::tftp_server_addresses() const {
  return addresses_of(option::tftp_server_address);
}

// --- typed setters ---------------------------------------------------------------------------

void Options::set_address(std::uint8_t code, wire::Ipv4Address address) {
  std::vector<std::uint8_t> data(4);
  wire::store_be32(data.data(), address.to_u32());
  set(code, std::move(data));
}

void Options::set_addresses(std::uint8_t code, const std::vector<wire::Ipv4Address>& addresses) {
  if (addresses.empty()) throw std::invalid_argument("DHCP address list options need an address");
  std::vector<std::uint8_t> data(addresses.size() * 4);
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    wire::store_be32(data.data() + 4 * i, addresses[i].to_u32());
  }
  set(code, std::move(data));
}

void Options::set_u32(std::uint8_t code, std::uint32_t value) {
  std::vector<std::uint8_t> data(4);
  wire::store_be32(data.data(), value);
  set(code, std::move(data));
}

void Options::set_text(std::uint8_t code, std::string_view text) {
  if (text.empty()) throw std::invalid_argument("DHCP text options need at least one character");
  set(code, {text.begin(), text.end()});
}

void Options::set_message_type(MessageType type) {
  set(option::message_type, {static_cast<std::uint8_t>(type)});
}
void Options::set_subnet_mask(wire::Ipv4Address mask) { set_address(option::subnet_mask, mask); }
void Options::set_time_offset(std::int32_t seconds) {
  set_u32(option::time_offset, static_cast<std::uint32_t>(seconds));
}
void Options::set_routers(const std::vector<wire::Ipv4Address>& routers) {
  set_addresses(option::router, routers);
}
void Options::set_dns_servers(const std::vector<wire::Ipv4Address>& servers) {
  set_addresses(option::domain_name_server, servers);
}
void Options::set_host_name(std::string_view name) { set_text(option::host_name, name); }
void Options::set_domain_name(std::string_view name) { set_text(option::domain_name, name); }
void Options::set_ntp_servers(const std::vector<wire::Ipv4Address>& servers) {
  set_addresses(option::ntp_servers, servers);
}
void Options::set_vendor_specific(std::vector<std::uint8_t> data) {
  set(option::vendor_specific, std::move(data));
}
void Options::set_requested_address(wire::Ipv4Address address) {
  set_address(option::requested_address, address);
}
void Options::set_lease_time(std::uint32_t seconds) { set_u32(option::lease_time, seconds); }
void Options::set_server_id(wire::Ipv4Address address) { set_address(option::server_id, address); }
void Options::set_parameter_request_list(std::vector<std::uint8_t> codes) {
  if (codes.empty()) throw std::invalid_argument("DHCP parameter request list is empty");
  set(option::parameter_request_list, std::move(codes));
}
void Options::set_message(std::string_view text) { set_text(option::message, text); }
void Options::set_renewal_time(std::uint32_t seconds) { set_u32(option::renewal_time, seconds); }
void Options::set_rebinding_time(std::uint32_t seconds) {
  set_u32(option::rebinding_time, seconds);
}
void Options::set_vendor_class(std::string_view text) { set_text(option::vendor_class, text); }
void Options::set_client_id(std::vector<std::uint8_t> id) {
  if (id.size() < 2) throw std::invalid_argument("DHCP client identifier needs 2 bytes or more");
  set(option::client_id, std::move(id));
}
void Options::set_tftp_server_name(std::string_view name_or_address) {
  set_text(option::tftp_server_name, name_or_address);
}
void Options::set_relay_agent_info(const std::vector<RelaySubOption>& sub_options) {
  std::vector<std::uint8_t> data;
  for (const auto& sub : sub_options) {
    if (sub.data.size() > 255) throw std::invalid_argument("relay agent sub-option over 255 bytes");
    data.push_back(sub.code);
    data.push_back(static_cast<std::uint8_t>(sub.data.size()));
    data.insert(data.end(), sub.data.begin(), sub.data.end());
  }
  if (data.empty()) throw std::invalid_argument("relay agent information needs a sub-option");
  set(option::relay_agent_info, std::move(data));
}
void Options::set_tftp_server_addresses(const std::vector<wire::Ipv4Address>& servers) {
  set_addresses(option::tftp_server_address, servers);
}

}  // namespace voicelab::dhcp
