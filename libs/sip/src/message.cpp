#include "voicelab/sip/message.hpp"

#include <array>
#include <utility>

#include "lex.hpp"

namespace voicelab::sip {
namespace {

struct Compact {
  char letter;
  std::string_view full;
};

// RFC 3261 §7.3.3 and §20, plus: a/j/d RFC 3841, b RFC 3892, n/y RFC 4474, o/u RFC 6665,
// r RFC 3515, x RFC 4028.
constexpr std::array<Compact, 20> compact_forms{{
    {'a', "Accept-Contact"},
    {'b', "Referred-By"},
    {'c', "Content-Type"},
    {'d', "Request-Disposition"},
    {'e', "Content-Encoding"},
    {'f', "From"},
    {'i', "Call-ID"},
    {'j', "Reject-Contact"},
    {'k', "Supported"},
    {'l', "Content-Length"},
    {'m', "Contact"},
    {'n', "Identity-Info"},
    {'o', "Event"},
    {'r', "Refer-To"},
    {'s', "Subject"},
    {'t', "To"},
    {'u', "Allow-Events"},
    {'v', "Via"},
    {'x', "Session-Expires"},
    {'y', "Identity"},
}};

// Usual spellings of the headers voicelab meets (RFC 3261 §20 and the extensions above).
constexpr std::array<std::string_view, 49> known_names{
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Alert-Info",
    "Allow",
    "Authentication-Info",
    "Authorization",
    "Call-ID",
    "Call-Info",
    "Contact",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Type",
    "CSeq",
    "Date",
    "Error-Info",
    "Expires",
    "From",
    "In-Reply-To",
    "Max-Forwards",
    "MIME-Version",
    "Min-Expires",
    "Organization",
    "Priority",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Proxy-Require",
    "Record-Route",
    "Reply-To",
    "Require",
    "Retry-After",
    "Route",
    "Server",
    "Subject",
    "Supported",
    "Timestamp",
    "To",
    "Unsupported",
    "User-Agent",
    "Via",
    "Warning",
    "WWW-Authenticate",
    "Reason",
    "Session-ID",
    "Event",
    "Allow-Events",
    "Path",
};

}  // namespace

std::string canonical_header_name(std::string_view name) {
  if (name.size() == 1) {
    const char c = detail::to_lower(name[0]);
    for (const auto& compact : compact_forms) {
      if (compact.letter == c) return std::string(compact.full);
    }
    return std::string(name);
  }
  for (const auto& compact : compact_forms) {
    if (detail::iequals(compact.full, name)) return std::string(compact.full);
  }
  for (const auto known : known_names) {
    if (detail::iequals(known, name)) return std::string(known);
  }
  return std::string(name);
}

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  bool quoted = false;
  bool angle = false;
  auto emit = [&](std::size_t end) {
    const auto element = detail::trim(value.substr(start, end - start));
    if (!element.empty()) out.push_back(element);
    start = end + 1;
  };
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (angle) {
      if (c == '>') angle = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      angle = true;
    } else if (c == ',') {
      emit(i);
    }
  }
  if (start <= value.size()) emit(value.size());
  return out;
}

Message Message::request(std::string method, std::string request_uri) {
  Message m;
  m.method = std::move(method);
  m.request_uri = std::move(request_uri);
  return m;
}

Message Message::response(int status_code, std::string reason) {
  Message m;
  m.status_code = status_code;
  m.reason = std::move(reason);
  return m;
}

const Header* Message::find(std::string_view name) const {
  const std::string wanted = canonical_header_name(name);
  for (const auto& h : headers) {
    if (detail::iequals(h.name, wanted)) return &h;
  }
  return nullptr;
}

std::optional<std::string_view> Message::get(std::string_view name) const {
  const Header* h = find(name);
  if (h == nullptr) return std::nullopt;
  return std::string_view{h->value};
}

std::size_t Message::count(std::string_view name) const {
  const std::string wanted = canonical_header_name(name);
  std::size_t n = 0;
  for (const auto& h : headers) n += detail::iequals(h.name, wanted) ? 1U : 0U;
  return n;
}

std::vector<std::string_view> Message::values(std::string_view name) const {
  const std::string wanted = canonical_header_name(name);
  std::vector<std::string_view> out;
  for (const auto& h : headers) {
    if (!detail::iequals(h.name, wanted)) continue;
    for (auto element : split_list(h.value)) out.push_back(element);
  }
  return out;
}

Message& Message::add(std::string_view name, std::string value) {
  headers.push_back(Header{canonical_header_name(name), std::move(value)});
  return *this;
}

Message& Message::set(std::string_view name, std::string value) {
  const std::string wanted = canonical_header_name(name);
  bool replaced = false;
  for (auto it = headers.begin(); it != headers.end();) {
    if (!detail::iequals(it->name, wanted)) {
      ++it;
    } else if (!replaced) {
      it->value = std::move(value);
      replaced = true;
      ++it;
    } else {
      it = headers.erase(it);
    }
  }
  if (!replaced) headers.push_back(Header{wanted, std::move(value)});
  return *this;
}

std::size_t Message::remove(std::string_view name) {
  const std::string wanted = canonical_header_name(name);
  return std::erase_if(headers, [&](const Header& h) { return detail::iequals(h.name, wanted); });
}

Message make_response(const Message& request, int status_code, std::string reason) {
  Message response = Message::response(status_code, std::move(reason));
  for (const auto& h : request.headers) {
    if (h.name == "Via") response.headers.push_back(h);
  }
  for (const auto name : {"From", "To", "Call-ID", "CSeq"}) {
    if (const Header* h = request.find(name)) response.headers.push_back(*h);
  }
  return response;
}

std::string serialize(const Message& message) {
  std::string out;
  std::size_t size = 64 + message.body.size();
  for (const auto& h : message.headers) size += h.name.size() + h.value.size() + 4;
  out.reserve(size);

  if (message.is_request()) {
    out += message.method;
    out.push_back(' ');
    out += message.request_uri;
    out += " SIP/2.0\r\n";
  } else {
    out += "SIP/2.0 ";
    out += std::to_string(message.status_code);
    out.push_back(' ');
    out += message.reason;
    out += "\r\n";
  }
  const std::string length = std::to_string(message.body.size());
  bool length_written = false;
  for (const auto& h : message.headers) {
    const bool is_length = detail::iequals(h.name, "Content-Length");
    if (is_length && length_written) continue;
    out += h.name;
    out += ": ";
    out += is_length ? length : h.value;
    out += "\r\n";
    length_written = length_written || is_length;
  }
  if (!length_written) out += "Content-Length: " + length + "\r\n";
  out += "\r\n";
  out += message.body;
  return out;
}

}  // namespace voicelab::sip
