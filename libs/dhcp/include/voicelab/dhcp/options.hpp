#pragma once
// DHCP options (RFC 2132 and the few later ones a Cisco phone lab needs) as an ordered bag of
// (code, bytes) with typed accessors.
//
// One entry per code: the decoder concatenates repeated instances (RFC 3396) before storing
// them, so `find(code)` always sees the whole value. Entries keep the order in which their codes
// first appeared on the wire; unknown codes are kept untouched. The encoder does not use that
// order (see message.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"

namespace voicelab::dhcp {

// Option codes used by voicelab. Anything else is still carried, as raw bytes.
namespace option {
inline constexpr std::uint8_t pad = 0;
inline constexpr std::uint8_t subnet_mask = 1;
inline constexpr std::uint8_t time_offset = 2;  // signed seconds east of UTC
inline constexpr std::uint8_t router = 3;
inline constexpr std::uint8_t domain_name_server = 6;
inline constexpr std::uint8_t host_name = 12;
inline constexpr std::uint8_t domain_name = 15;
inline constexpr std::uint8_t ntp_servers = 42;
inline constexpr std::uint8_t vendor_specific = 43;
inline constexpr std::uint8_t requested_address = 50;
inline constexpr std::uint8_t lease_time = 51;
inline constexpr std::uint8_t overload = 52;  // handled by the codec, never left in Options
inline constexpr std::uint8_t message_type = 53;
inline constexpr std::uint8_t server_id = 54;
inline constexpr std::uint8_t parameter_request_list = 55;
inline constexpr std::uint8_t message = 56;
inline constexpr std::uint8_t max_message_size = 57;
inline constexpr std::uint8_t renewal_time = 58;    // T1
inline constexpr std::uint8_t rebinding_time = 59;  // T2
inline constexpr std::uint8_t vendor_class = 60;
inline constexpr std::uint8_t client_id = 61;
inline constexpr std::uint8_t tftp_server_name = 66;  // text: a dotted IPv4 address or a host name
inline constexpr std::uint8_t bootfile_name = 67;
inline constexpr std::uint8_t relay_agent_info = 82;
inline constexpr std::uint8_t tftp_server_address = 150;  // list of IPv4 addresses (RFC 5859)
inline constexpr std::uint8_t end = 255;
}  // namespace option

// Option 53 values (RFC 2132 §9.6). Other values may arrive and are kept as they are.
enum class MessageType : std::uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};

// "DISCOVER", "OFFER", ... or "type 42" for a value outside 1..8.
std::string to_string(MessageType type);

// Lease times are unsigned seconds; this value means "infinite" (RFC 2131 §3.3).
inline constexpr std::uint32_t infinite_lease = 0xffffffffU;

struct Option {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> data;
  friend bool operator==(const Option&, const Option&) = default;
};

// One sub-option of the relay agent information option (RFC 3046), kept raw.
struct RelaySubOption {
  std::uint8_t code = 0;  // 1 circuit id, 2 remote id, ...
  std::vector<std::uint8_t> data;
  friend bool operator==(const RelaySubOption&, const RelaySubOption&) = default;
};

// Checks a whole (concatenated) option value against its format: fixed sizes (1, 2, 50, 51, 53,
// 54, 58, 59: exact; 52: one byte 1..3), address lists (3, 6, 42, 150: a non-empty multiple of
// 4), text and byte strings with RFC 2132 minimums (12, 15, 60, 66: at least 1; 55: at least 1;
// 61: at least 2), 82's sub-option framing. Unknown codes are always valid. Returns
// errc::bad_option_length, errc::bad_overload or errc::bad_relay_agent_info.
std::error_code validate_option(std::uint8_t code, wire::Bytes data) noexcept;

class Options {
 public:
  // --- raw access -------------------------------------------------------------------------
  [[nodiscard]] const std::vector<Option>& entries() const { return entries_; }
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] bool contains(std::uint8_t code) const { return find(code) != nullptr; }
  // The value of `code`, or nullptr.
  [[nodiscard]] const std::vector<std::uint8_t>* find(std::uint8_t code) const;

  // Replaces the value of `code` in place, or appends it. Codes 0 (pad) and 255 (end) are not
  // options: passing them throws std::invalid_argument (a programming error).
  void set(std::uint8_t code, std::vector<std::uint8_t> data);
  // Appends `data` to the value of `code` (creating it): RFC 3396 concatenation.
  void append(std::uint8_t code, wire::Bytes data);
  void erase(std::uint8_t code);
  // Sets every option of `overrides` here (more specific configuration wins, code by code).
  void merge(const Options& overrides);

  // --- typed getters ----------------------------------------------------------------------
  // Absent options give nullopt or an empty list. A present value of the wrong length (only
  // possible in Options built by hand; decoded ones are validated) also gives nullopt/empty.
  [[nodiscard]] std::optional<MessageType> message_type() const;
  [[nodiscard]] std::optional<wire::Ipv4Address> subnet_mask() const;
  [[nodiscard]] std::optional<std::int32_t> time_offset() const;
  [[nodiscard]] std::vector<wire::Ipv4Address> routers() const;
  [[nodiscard]] std::vector<wire::Ipv4Address> dns_servers() const;
  [[nodiscard]] std::optional<std::string> host_name() const;
  [[nodiscard]] std::optional<std::string> domain_name() const;
  [[nodiscard]] std::vector<wire::Ipv4Address> ntp_servers() const;
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> vendor_specific() const;
  [[nodiscard]] std::optional<wire::Ipv4Address> requested_address() const;
  [[nodiscard]] std::optional<std::uint32_t> lease_time() const;  // seconds
  [[nodiscard]] std::optional<wire::Ipv4Address> server_id() const;
  [[nodiscard]] std::vector<std::uint8_t> parameter_request_list() const;
  [[nodiscard]] std::optional<std::string> message() const;  // 56, text for the administrator
  [[nodiscard]] std::optional<std::uint32_t> renewal_time() const;    // T1, seconds
  [[nodiscard]] std::optional<std::uint32_t> rebinding_time() const;  // T2, seconds
  [[nodiscard]] std::optional<std::string> vendor_class() const;
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> client_id() const;
  [[nodiscard]] std::optional<std::string> tftp_server_name() const;  // 66
  [[nodiscard]] std::optional<std::vector<RelaySubOption>> relay_agent_info() const;
  [[nodiscard]] std::vector<wire::Ipv4Address> tftp_server_addresses() const;  // 150, in order

  // --- typed setters ----------------------------------------------------------------------
  // Lists must not be empty and text must not be empty (RFC 2132 minimum lengths); both throw
  // std::invalid_argument otherwise, since a configuration error is found at start-up.
  void set_message_type(MessageType type);
  void set_subnet_mask(wire::Ipv4Address mask);
  void set_time_offset(std::int32_t seconds);
  void set_routers(const std::vector<wire::Ipv4Address>& routers);
  void set_dns_servers(const std::vector<wire::Ipv4Address>& servers);
  void set_host_name(std::string_view name);
  void set_domain_name(std::string_view name);
  void set_ntp_servers(const std::vector<wire::Ipv4Address>& servers);
  void set_vendor_specific(std::vector<std::uint8_t> data);
  void set_requested_address(wire::Ipv4Address address);
  void set_lease_time(std::uint32_t seconds);
  void set_server_id(wire::Ipv4Address address);
  void set_parameter_request_list(std::vector<std::uint8_t> codes);
  void set_message(std::string_view text);
  void set_renewal_time(std::uint32_t seconds);
  void set_rebinding_time(std::uint32_t seconds);
  void set_vendor_class(std::string_view text);
  void set_client_id(std::vector<std::uint8_t> id);
  void set_tftp_server_name(std::string_view name_or_address);
  void set_relay_agent_info(const std::vector<RelaySubOption>& sub_options);
  void set_tftp_server_addresses(const std::vector<wire::Ipv4Address>& servers);

  friend bool operator==(const Options&, const Options&) = default;

 private:
  std::optional<wire::Ipv4Address> address_of(std::uint8_t code) const;
  std::vector<wire::Ipv4Address> addresses_of(std::uint8_t code) const;
  std::optional<std::uint32_t> u32_of(std::uint8_t code) const;
  std::optional<std::string> text_of(std::uint8_t code) const;
  void set_address(std::uint8_t code, wire::Ipv4Address address);
  void set_addresses(std::uint8_t code, const std::vector<wire::Ipv4Address>& addresses);
  void set_u32(std::uint8_t code, std::uint32_t value);
  void set_text(std::uint8_t code, std::string_view text);

  std::vector<Option> entries_;
};

}  // namespace voicelab::dhcp
