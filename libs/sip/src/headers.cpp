#include "voicelab/sip/headers.hpp"

#include <utility>

#include "lex.hpp"
#include "voicelab/sip/error.hpp"

namespace voicelab::sip {
namespace {

using detail::Scanner;

// gen-value = token / host / quoted-string. Unquoted values take token characters plus the
// `[`, `]` and `:` of an IPv6 host.
bool is_gen_value_char(char c) {
  return detail::is_token_char(c) || c == '[' || c == ']' || c == ':';
}

// *( SEMI generic-param ) until the end of the element. Returns false on a malformed one.
bool parse_header_params(Scanner& s, std::vector<Param>& out) {
  for (;;) {
    s.skip_ws();
    if (s.done()) return true;
    if (!s.consume(';')) return false;
    s.skip_ws();
    Param p;
    p.name = std::string(s.token());
    if (p.name.empty()) return false;
    if (s.consume('=')) {
      s.skip_ws();
      if (s.peek() == '"') {
        auto quoted = s.quoted_string();
        if (!quoted) return false;
        p.value = std::move(*quoted);
        p.quoted = true;
      } else {
        const std::size_t start = s.position();
        while (!s.done() && is_gen_value_char(s.peek())) s.advance();
        if (s.position() == start) return false;
        p.value = std::string(s.slice(start, s.position()));
      }
    }
    out.push_back(std::move(p));
  }
}

}  // namespace

std::optional<std::string_view> Via::param(std::string_view name) const {
  const Param* p = find_param(params, name);
  if (p == nullptr) return std::nullopt;
  return p->value ? std::string_view{*p->value} : std::string_view{};
}

std::optional<std::uint16_t> Via::rport() const {
  const auto value = param("rport");
  if (!value) return std::nullopt;
  const auto number = detail::parse_decimal(*value, 5, 65535);
  if (!number) return std::nullopt;
  return static_cast<std::uint16_t>(*number);
}

std::string Via::sent_by() const { return port ? host + ':' + std::to_string(*port) : host; }

std::string Via::to_string() const {
  std::string out = protocol_name + '/' + protocol_version + '/' + transport + ' ' + sent_by();
  append_params(out, params);
  return out;
}

wire::Result<Via> parse_via(std::string_view element) {
  Scanner s(element);
  Via via;
  s.skip_ws();
  via.protocol_name = std::string(s.token());
  if (via.protocol_name.empty() || !s.consume('/')) return errc::bad_header_value;
  s.skip_ws();
  via.protocol_version = std::string(s.token());
  if (via.protocol_version.empty() || !s.consume('/')) return errc::bad_header_value;
  s.skip_ws();
  via.transport = std::string(s.token());
  if (via.transport.empty() || !detail::is_ws(s.peek())) return errc::bad_header_value;
  s.skip_ws();
  std::string_view host;
  if (s.peek() == '[') {
    host = s.until_any("]");
    if (!s.consume(']')) return errc::bad_header_value;
    host = std::string_view{host.data(), host.size() + 1};
  } else {
    host = s.until_any(" \t:;");
  }
  if (!detail::valid_host(host)) return errc::bad_header_value;
  via.host = std::string(host);
  if (s.consume(':')) {
    s.skip_ws();
    const auto port = detail::parse_decimal(s.until_any(" \t;"), 5, 65535);
    if (!port) return errc::bad_header_value;
    via.port = static_cast<std::uint16_t>(*port);
  }
  if (!parse_header_params(s, via.params)) return errc::bad_header_value;
  // Values the transaction layer relies on must be well-formed (and are never quoted-strings
  // in the via-params grammar).
  for (const auto* name : {"branch", "received", "rport", "maddr", "ttl"}) {
    const Param* p = find_param(via.params, name);
    if (p != nullptr && p->quoted) return errc::bad_header_value;
  }
  if (const auto branch = via.branch(); branch && !detail::is_token(*branch)) {
    return errc::bad_header_value;
  }
  if (const auto rport = via.param("rport"); rport && !rport->empty() && !via.rport()) {
    return errc::bad_header_value;
  }
  // received = IPv4address / IPv6address (RFC 3261 §25.1: IPv6 without brackets); hosts in
  // brackets and names are tolerated.
  const auto bare_ipv6 = [](std::string_view v) {
    if (v.find(':') == std::string_view::npos) return false;
    for (char c : v) {
      if (!detail::is_hex(c) && c != ':' && c != '.') return false;
    }
    return true;
  };
  if (const auto received = via.received();
      received && !detail::valid_host(*received) && !bare_ipv6(*received)) {
    return errc::bad_header_value;
  }
  return via;
}

std::optional<std::string_view> NameAddress::param(std::string_view name) const {
  const Param* p = find_param(params, name);
  if (p == nullptr) return std::nullopt;
  return p->value ? std::string_view{*p->value} : std::string_view{};
}

std::optional<std::uint32_t> NameAddress::expires() const {
  const auto value = param("expires");
  if (!value) return std::nullopt;
  const auto seconds = parse_delta_seconds(*value);
  if (!seconds) return std::nullopt;
  return *seconds;
}

std::string NameAddress::to_string() const {
  std::string out;
  if (!display_name.empty()) {
    detail::append_quoted(out, display_name);
    out.push_back(' ');
  }
  out.push_back('<');
  out += uri.to_string();
  out.push_back('>');
  append_params(out, params);
  return out;
}

wire::Result<NameAddress> parse_name_address(std::string_view element) {
  Scanner s(element);
  NameAddress na;
  s.skip_ws();
  bool angle = false;
  if (s.peek() == '"') {
    auto display = s.quoted_string();
    if (!display) return errc::bad_header_value;
    na.display_name = std::move(*display);
    if (!s.consume('<')) return errc::bad_header_value;
    angle = true;
  } else {
    // display-name = *(token LWS): look ahead for '<'; otherwise it is an addr-spec.
    const std::size_t start = s.position();
    Scanner look = s;
    while (!look.token().empty()) look.skip_ws();
    if (look.peek() == '<' && !look.done()) {
      na.display_name = std::string(detail::trim(element.substr(start, look.position() - start)));
      s = look;
      s.advance();
      angle = true;
    }
  }
  std::string_view uri_text;
  if (angle) {
    uri_text = s.until_any(">");
    if (!s.consume('>')) return errc::bad_header_value;
  } else {
    // addr-spec: the URI cannot hold ';', ',' or '?' here, so parameters after it are header
    // parameters (RFC 3261 §20.10).
    uri_text = s.until_any(" \t;,");
  }
  auto uri = parse_uri(uri_text);
  if (!uri) return uri.error();
  na.uri = std::move(uri).value();
  if (!parse_header_params(s, na.params)) return errc::bad_header_value;
  return na;
}

std::string CSeq::to_string() const { return std::to_string(number) + ' ' + method; }

wire::Result<CSeq> parse_cseq(std::string_view value) {
  Scanner s(value);
  s.skip_ws();
  const auto number = detail::parse_decimal(s.until_any(" \t"), 10, 0x7fffffffULL);
  if (!number || !detail::is_ws(s.peek())) return errc::bad_header_value;
  s.skip_ws();
  CSeq cseq;
  cseq.number = static_cast<std::uint32_t>(*number);
  cseq.method = std::string(s.token());
  s.skip_ws();
  if (cseq.method.empty() || !s.done()) return errc::bad_header_value;
  return cseq;
}

std::string Warning::to_string() const {
  // warn-code = 3DIGIT: keep leading zeros.
  std::string out = std::to_string(code);
  out.insert(0, out.size() < 3 ? 3 - out.size() : 0, '0');
  out += ' ' + agent + ' ';
  detail::append_quoted(out, text);
  return out;
}

wire::Result<Warning> parse_warning(std::string_view element) {
  Scanner s(element);
  s.skip_ws();
  const auto code_text = s.until_any(" \t");
  const auto code = detail::parse_decimal(code_text, 3, 999);
  if (!code || code_text.size() != 3) return errc::bad_header_value;
  s.skip_ws();
  Warning w;
  w.code = static_cast<int>(*code);
  w.agent = std::string(s.until_any(" \t"));
  if (w.agent.empty()) return errc::bad_header_value;
  for (char c : w.agent) {
    if (!detail::is_token_char(c) && c != ':' && c != '[' && c != ']') {
      return errc::bad_header_value;
    }
  }
  s.skip_ws();
  auto text = s.quoted_string();
  if (!text) return errc::bad_header_value;
  s.skip_ws();
  if (!s.done()) return errc::bad_header_value;
  w.text = std::move(*text);
  return w;
}

wire::Result<std::uint32_t> parse_delta_seconds(std::string_view value) {
  value = detail::trim(value);
  if (value.empty()) return errc::bad_header_value;
  std::uint64_t n = 0;
  for (char c : value) {
    if (!detail::is_digit(c)) return errc::bad_header_value;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > 0xffffffffULL) n = 0xffffffffULL + 1;  // saturated; keeps the loop overflow-free
  }
  return n > 0xffffffffULL ? 0xffffffffU : static_cast<std::uint32_t>(n);
}

wire::Result<std::vector<Via>> parse_vias(const Message& message) {
  std::vector<Via> out;
  for (const auto element : message.values("Via")) {
    auto via = parse_via(element);
    if (!via) return via.error();
    out.push_back(std::move(via).value());
  }
  if (out.empty()) return errc::missing_header;
  return out;
}

wire::Result<Via> top_via(const Message& message) {
  const auto values = message.values("Via");
  if (values.empty()) return errc::missing_header;
  return parse_via(values.front());
}

wire::Result<NameAddress> from_header(const Message& message) {
  const auto value = message.get("From");
  if (!value) return errc::missing_header;
  return parse_name_address(*value);
}

wire::Result<NameAddress> to_header(const Message& message) {
  const auto value = message.get("To");
  if (!value) return errc::missing_header;
  return parse_name_address(*value);
}

wire::Result<CSeq> cseq_header(const Message& message) {
  const auto value = message.get("CSeq");
  if (!value) return errc::missing_header;
  return parse_cseq(*value);
}

wire::Result<std::string> call_id_header(const Message& message) {
  const auto value = message.get("Call-ID");
  if (!value) return errc::missing_header;
  // callid = word [ "@" word ]: no whitespace inside.
  if (value->empty()) return errc::bad_header_value;
  for (char c : *value) {
    if (detail::is_ws(c)) return errc::bad_header_value;
  }
  return std::string(*value);
}

wire::Result<ContactList> parse_contacts(const Message& message) {
  ContactList list;
  const auto values = message.values("Contact");
  for (const auto element : values) {
    if (element == "*") {
      if (values.size() != 1) return errc::bad_header_value;
      list.star = true;
      continue;
    }
    auto contact = parse_name_address(element);
    if (!contact) return contact.error();
    list.contacts.push_back(std::move(contact).value());
  }
  return list;
}

wire::Result<std::vector<Warning>> parse_warnings(const Message& message) {
  std::vector<Warning> out;
  for (const auto element : message.values("Warning")) {
    auto warning = parse_warning(element);
    if (!warning) return warning.error();
    out.push_back(std::move(warning).value());
  }
  return out;
}

wire::Result<std::uint32_t> expires_header(const Message& message) {
  const auto value = message.get("Expires");
  if (!value) return errc::missing_header;
  return parse_delta_seconds(*value);
}

wire::Result<std::uint32_t> max_forwards_header(const Message& message) {
  const auto value = message.get("Max-Forwards");
  if (!value) return errc::missing_header;
  return parse_delta_seconds(*value);
}

}  // namespace voicelab::sip
