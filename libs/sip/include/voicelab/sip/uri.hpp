#pragma once
// SIP and SIPS URIs (RFC 3261 §19.1, grammar §25.1) and the `;name=value` parameters that URIs and
// header fields share.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "voicelab/wire/result.hpp"

namespace voicelab::sip {

// One `;name[=value]` parameter. Names compare case-insensitively (RFC 3261 §19.1.4, §7.3.1).
struct Param {
  std::string name;
  std::optional<std::string> value;  // nullopt: a flag such as `;lr` or `;rport`
  // The value was a quoted-string (header parameters only); `value` holds it unescaped and the
  // serializer quotes it again. Example: `+sip.instance="<urn:uuid:...>"`.
  bool quoted = false;

  friend bool operator==(const Param&, const Param&) = default;
};

// The first parameter named `name` (case-insensitive), or nullptr.
const Param* find_param(const std::vector<Param>& params, std::string_view name);
// Appends `;name`, `;name=value` or `;name="value"` for each parameter.
void append_params(std::string& out, const std::vector<Param>& params);

struct Uri {
  std::string scheme = "sip";           // "sip" or "sips", lower case
  std::string user;                     // as written, %-escapes kept; empty: no userinfo
  std::optional<std::string> password;  // as written
  std::string host;                     // hostname, IPv4 address or [IPv6] reference, as written
  std::optional<std::uint16_t> port;
  std::vector<Param> params;                                 // uri-parameters, values as written
  std::vector<std::pair<std::string, std::string>> headers;  // `?name=value&...`, as written

  // The value of a URI parameter (an empty view for a flag), or nullopt when absent.
  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
  // The `transport` parameter lower-cased, or "" when absent.
  [[nodiscard]] std::string transport() const;
  // `sip:user:password@host:port;params?headers`.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const Uri&, const Uri&) = default;
};

// Parses a complete `sip:` or `sips:` URI (the scheme case-insensitively). Characters of each
// part are checked against their RFC 3261 class; %-escapes must be `%` HEX HEX. The port is
// 0..65535; an all-digits host must be a dotted quad. Errors: errc::bad_uri (anything else,
// including other schemes and trailing junk).
wire::Result<Uri> parse_uri(std::string_view text);

}  // namespace voicelab::sip
