#include "voicelab/sip/message.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
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

constexpr bool table_names_fit(std::size_t max_length) {
  for (const auto& compact : compact_forms) {
    if (compact.full.size() > max_length || !detail::is_alpha(compact.full[0])) return false;
  }
  for (const auto known : known_names) {
    if (known.size() > max_length || !detail::is_alpha(known[0])) return false;
  }
  return true;
}

// Every full name above once, bucketed by length and lower-case first letter: a lookup compares
// the name with the one or two names of its bucket only, and allocates nothing.
class NameIndex {
 public:
  static constexpr std::size_t max_length = 31;
  static_assert(table_names_fit(max_length));

  NameIndex() {
    std::vector<std::string_view> all;
    for (const auto& compact : compact_forms) all.push_back(compact.full);
    for (const auto known : known_names) all.push_back(known);
    // Stable, and the spellings of a name in both tables are the same: the first copy stays.
    std::stable_sort(all.begin(), all.end(),
                     [](std::string_view a, std::string_view b) { return bucket(a) < bucket(b); });
    for (const auto name : all) {
      const std::size_t k = bucket(name);
      const auto [first, last] = ranges_[k];
      const bool seen = std::any_of(names_.begin() + first, names_.begin() + last,
                                    [&](std::string_view n) { return detail::iequals(n, name); });
      if (seen) continue;
      if (first == last) ranges_[k].first = static_cast<std::uint16_t>(names_.size());
      names_.push_back(name);
      ranges_[k].second = static_cast<std::uint16_t>(names_.size());
    }
  }

  [[nodiscard]] std::string_view find(std::string_view name) const {
    if (name.size() < 2 || name.size() > max_length || !detail::is_alpha(name[0])) return name;
    const auto [first, last] = ranges_[bucket(name)];
    for (std::size_t i = first; i < last; ++i) {
      // Names mostly come spelled canonically already (builders, Cisco phones, CUCM): an
      // exact comparison settles them before the case-folding one.
      if (names_[i] == name || detail::iequals(names_[i], name)) return names_[i];
    }
    return name;
  }

 private:
  // Only for names of 2..max_length characters starting with a letter (all the table's are).
  static std::size_t bucket(std::string_view name) {
    return name.size() * 26 + static_cast<std::size_t>(detail::to_lower(name[0]) - 'a');
  }

  std::vector<std::string_view> names_;
  std::array<std::pair<std::uint16_t, std::uint16_t>, (max_length + 1) * 26> ranges_{};
};

}  // namespace

std::string_view detail::canonical_name(std::string_view name) {
  if (name.size() == 1) {
    const char c = detail::to_lower(name[0]);
    for (const auto& compact : compact_forms) {
      if (compact.letter == c) return compact.full;
    }
    return name;
  }
  static const NameIndex index;
  return index.find(name);
}

std::string canonical_header_name(std::string_view name) {
  return std::string(detail::canonical_name(name));
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
  const std::string_view wanted = detail::canonical_name(name);
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
  const std::string_view wanted = detail::canonical_name(name);
  std::size_t n = 0;
  for (const auto& h : headers) n += detail::iequals(h.name, wanted) ? 1U : 0U;
  return n;
}

std::vector<std::string_view> Message::values(std::string_view name) const {
  const std::string_view wanted = detail::canonical_name(name);
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
  // A copy: `name` may point into a header that the loop below moves or erases.
  const std::string wanted(detail::canonical_name(name));
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
  // A copy: `name` may point into a header that the loop below moves or erases.
  const std::string wanted(detail::canonical_name(name));
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
