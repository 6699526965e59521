#include "voicelab/sip/uri.hpp"

#include "lex.hpp"
#include "voicelab/sip/error.hpp"

namespace voicelab::sip {
namespace {

using detail::is_alnum;
using detail::is_digit;
using detail::is_hex;
using detail::is_unreserved;

// Every character of `s` is in the class `allowed` or part of a %HH escape.
template <class Allowed>
bool valid_escaped(std::string_view s, Allowed allowed) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      if (!is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
      continue;
    }
    if (!allowed(c)) return false;
  }
  return true;
}

bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

bool valid_user(std::string_view s) {
  return !s.empty() &&
         valid_escaped(s, [](char c) { return is_unreserved(c) || in(c, "&=+$,;?/"); });
}
bool valid_password(std::string_view s) {
  return valid_escaped(s, [](char c) { return is_unreserved(c) || in(c, "&=+$,"); });
}
bool valid_paramchars(std::string_view s) {
  return !s.empty() &&
         valid_escaped(s, [](char c) { return is_unreserved(c) || in(c, "[]/:&+$"); });
}
bool valid_hnv(std::string_view s) {
  return valid_escaped(s, [](char c) { return is_unreserved(c) || in(c, "[]/?:+$"); });
}

bool valid_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    const auto part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (!detail::parse_decimal(part, 3, 255)) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

// hostname = *( domainlabel "." ) toplabel [ "." ]; labels of alphanum and '-', neither first
// nor last. (The rule that the top label starts with a letter is what separates names from
// addresses: an all-digits-and-dots host must be IPv4.)
bool valid_hostname(std::string_view s) {
  if (s.empty()) return false;
  if (s.back() == '.') s.remove_suffix(1);
  if (s.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    const auto label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!is_alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace

bool detail::valid_host(std::string_view s) {
  if (s.empty()) return false;
  if (s.front() == '[') {
    if (s.size() < 4 || s.back() != ']') return false;
    for (char c : s.substr(1, s.size() - 2)) {
      if (!is_hex(c) && c != ':' && c != '.') return false;
    }
    return s.find(':') != std::string_view::npos;
  }
  bool digits_and_dots = true;
  for (char c : s) digits_and_dots = digits_and_dots && (is_digit(c) || c == '.');
  return digits_and_dots ? valid_ipv4(s) : valid_hostname(s);
}

const Param* find_param(const std::vector<Param>& params, std::string_view name) {
  for (const auto& p : params) {
    if (detail::iequals(p.name, name)) return &p;
  }
  return nullptr;
}

void append_params(std::string& out, const std::vector<Param>& params) {
  for (const auto& p : params) {
    out.push_back(';');
    out += p.name;
    if (!p.value) continue;
    out.push_back('=');
    if (p.quoted) {
      detail::append_quoted(out, *p.value);
    } else {
      out += *p.value;
    }
  }
}

std::optional<std::string_view> Uri::param(std::string_view name) const {
  const Param* p = find_param(params, name);
  if (p == nullptr) return std::nullopt;
  return p->value ? std::string_view{*p->value} : std::string_view{};
}

std::string Uri::transport() const {
  const auto t = param("transport");
  return t ? detail::lowered(*t) : std::string{};
}

std::string Uri::to_string() const {
  std::string out = scheme;
  out.push_back(':');
  if (!user.empty()) {
    out += user;
    if (password) {
      out.push_back(':');
      out += *password;
    }
    out.push_back('@');
  }
  out += host;
  if (port) {
    out.push_back(':');
    out += std::to_string(*port);
  }
  append_params(out, params);
  for (std::size_t i = 0; i < headers.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out += headers[i].first;
    out.push_back('=');
    out += headers[i].second;
  }
  return out;
}

wire::Result<Uri> parse_uri(std::string_view text) {
  Uri uri;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return errc::bad_uri;
  const auto scheme = text.substr(0, colon);
  if (detail::iequals(scheme, "sip")) {
    uri.scheme = "sip";
  } else if (detail::iequals(scheme, "sips")) {
    uri.scheme = "sips";
  } else {
    return errc::bad_uri;
  }
  std::string_view rest = text.substr(colon + 1);

  // '@' cannot appear unescaped after the userinfo (params and headers exclude it), so the first
  // one ends the userinfo.
  if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (const std::size_t pw = userinfo.find(':'); pw != std::string_view::npos) {
      const auto password = userinfo.substr(pw + 1);
      if (!valid_password(password)) return errc::bad_uri;
      uri.password = std::string(password);
      userinfo = userinfo.substr(0, pw);
    }
    if (!valid_user(userinfo)) return errc::bad_uri;
    uri.user = std::string(userinfo);
  }

  // hostport, up to ';' or '?'.
  const std::size_t host_end = rest.find_first_of(";?");
  auto hostport = rest.substr(0, host_end);
  rest = host_end == std::string_view::npos ? std::string_view{} : rest.substr(host_end);
  std::size_t port_colon = std::string_view::npos;
  if (!hostport.empty() && hostport.front() == '[') {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return errc::bad_uri;
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return errc::bad_uri;
      port_colon = close + 1;
    }
  } else {
    port_colon = hostport.find(':');
  }
  if (port_colon != std::string_view::npos) {
    const auto port = detail::parse_decimal(hostport.substr(port_colon + 1), 5, 65535);
    if (!port) return errc::bad_uri;
    uri.port = static_cast<std::uint16_t>(*port);
    hostport = hostport.substr(0, port_colon);
  }
  if (!detail::valid_host(hostport)) return errc::bad_uri;
  uri.host = std::string(hostport);

  // uri-parameters.
  while (!rest.empty() && rest.front() == ';') {
    rest.remove_prefix(1);
    const std::size_t end = rest.find_first_of(";?");
    const auto param = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    Param p;
    const std::size_t eq = param.find('=');
    const auto name = param.substr(0, eq);
    if (!valid_paramchars(name)) return errc::bad_uri;
    p.name = std::string(name);
    if (eq != std::string_view::npos) {
      const auto value = param.substr(eq + 1);
      if (!valid_paramchars(value)) return errc::bad_uri;
      p.value = std::string(value);
    }
    uri.params.push_back(std::move(p));
  }

  // headers.
  if (!rest.empty()) {
    if (rest.front() != '?') return errc::bad_uri;
    rest.remove_prefix(1);
    for (;;) {
      const std::size_t amp = rest.find('&');
      const auto header = rest.substr(0, amp);
      const std::size_t eq = header.find('=');
      if (eq == std::string_view::npos) return errc::bad_uri;
      const auto name = header.substr(0, eq);
      const auto value = header.substr(eq + 1);
      if (name.empty() || !valid_hnv(name) || !valid_hnv(value)) return errc::bad_uri;
      uri.headers.emplace_back(std::string(name), std::string(value));
      if (amp == std::string_view::npos) break;
      rest = rest.substr(amp + 1);
    }
  }
  return uri;
}

}  // namespace voicelab::sip
