#pragma once
// Typed views of the header fields a registration uses (RFC 3261 §20 and §25.1): Via, From/To,
// Contact, CSeq, Warning and the numeric ones. Each parse_* takes one list element (as
// Message::values() returns them); the Message overloads find the header themselves.
// Errors: errc::bad_header_value (or errc::bad_uri for the URI inside a name-addr) for a value
// that does not follow its grammar; errc::missing_header when the message lacks the header.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/sip/message.hpp"
#include "voicelab/sip/uri.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::sip {

// RFC 3261 §8.1.1.7: a branch starting with this is unique per transaction.
inline constexpr std::string_view magic_cookie = "z9hG4bK";

// Via: SIP/2.0/TCP 10.1.1.20:51534;branch=z9hG4bK1a2b3c4d;rport;received=10.1.1.20
struct Via {
  std::string protocol_name = "SIP";
  std::string protocol_version = "2.0";
  std::string transport = "UDP";  // as written; "UDP", "TCP", "TLS", ...
  std::string host;               // sent-by host as written (IPv6 with brackets)
  std::optional<std::uint16_t> port;
  std::vector<Param> params;

  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
  [[nodiscard]] std::optional<std::string_view> branch() const { return param("branch"); }
  [[nodiscard]] std::optional<std::string_view> received() const { return param("received"); }
  [[nodiscard]] bool has_rport() const { return param("rport").has_value(); }
  // The rport value a server filled in (RFC 3581), nullopt when absent or empty.
  [[nodiscard]] std::optional<std::uint16_t> rport() const;
  // `host[:port]` as written.
  [[nodiscard]] std::string sent_by() const;
  [[nodiscard]] std::string to_string() const;  // the header value

  friend bool operator==(const Via&, const Via&) = default;
};

// A name-addr or addr-spec with header parameters: From, To, Contact, Route, ...
// `"Alice" <sip:alice@example.com>;tag=88sja8x`
struct NameAddress {
  std::string display_name;  // unquoted; empty when none
  Uri uri;
  std::vector<Param> params;  // header parameters, after the URI

  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
  [[nodiscard]] std::optional<std::string_view> tag() const { return param("tag"); }
  // A Contact's `expires` parameter as delta-seconds (nullopt when absent or malformed).
  [[nodiscard]] std::optional<std::uint32_t> expires() const;
  // Always in name-addr form (<...>), the display name quoted.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const NameAddress&, const NameAddress&) = default;
};

// The Contact header(s) of a message: either `*` alone (remove all bindings, RFC 3261 §10.2.2)
// or a list of addresses.
struct ContactList {
  bool star = false;
  std::vector<NameAddress> contacts;
};

struct CSeq {
  std::uint32_t number = 0;  // < 2**31 (RFC 3261 §8.1.1.5)
  std::string method;

  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const CSeq&, const CSeq&) = default;
};

// Warning: 399 cucm.example.com "Unknown device"
struct Warning {
  int code = 0;       // three digits
  std::string agent;  // hostport or pseudonym
  std::string text;   // unquoted

  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const Warning&, const Warning&) = default;
};

wire::Result<Via> parse_via(std::string_view element);
wire::Result<NameAddress> parse_name_address(std::string_view element);
wire::Result<CSeq> parse_cseq(std::string_view value);
wire::Result<Warning> parse_warning(std::string_view element);
// delta-seconds (Expires, Max-Forwards, the expires parameter): 1*DIGIT; values above 2**32-1
// saturate to it.
wire::Result<std::uint32_t> parse_delta_seconds(std::string_view value);

// Every Via of the message, top first (one header may hold several, several headers may
// follow each other).
wire::Result<std::vector<Via>> parse_vias(const Message& message);
wire::Result<Via> top_via(const Message& message);
wire::Result<NameAddress> from_header(const Message& message);
wire::Result<NameAddress> to_header(const Message& message);
wire::Result<CSeq> cseq_header(const Message& message);
wire::Result<std::string> call_id_header(const Message& message);
// No Contact header gives an empty list. `*` together with other contacts is
// errc::bad_header_value.
wire::Result<ContactList> parse_contacts(const Message& message);
wire::Result<std::vector<Warning>> parse_warnings(const Message& message);
wire::Result<std::uint32_t> expires_header(const Message& message);
wire::Result<std::uint32_t> max_forwards_header(const Message& message);

}  // namespace voicelab::sip
