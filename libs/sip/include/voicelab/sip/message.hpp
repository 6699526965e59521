#pragma once
// A SIP message (RFC 3261 §7) as a value: start line, header fields in their original order,
// body. Header names are stored in one canonical spelling so that lookups work whatever the
// sender wrote (`v`, `VIA`, `Via`); values are stored unfolded and trimmed, not interpreted.
// Typed views of the values (Via, CSeq, Contact, ...) are in headers.hpp; parsing bytes into a
// Message is in parser.hpp.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voicelab::sip {

struct Header {
  // Canonical name: the full name in its usual spelling for a known header or a compact form
  // (`i`, `call-id` -> `Call-ID`); otherwise the name as received.
  std::string name;
  // The value with folding replaced by a single SP (RFC 3261 §7.3.1) and surrounding
  // whitespace removed.
  std::string value;

  friend bool operator==(const Header&, const Header&) = default;
};

// The canonical spelling of a header name (see Header::name): compact forms of RFC 3261 §7.3.3
// (c e f i k l m s t v) and of later RFCs (a b d j n o r u x y) map to their full names, and
// known names are respelled in their usual case. Unknown names are returned unchanged.
std::string canonical_header_name(std::string_view name);

// Splits a header value into its comma-separated elements (RFC 3261 §7.3.1), ignoring commas
// inside quoted strings (with backslash escapes) and inside <...>; elements are trimmed and
// empty ones dropped. An unterminated quote or `<` extends its element to the end; the typed
// parsers reject it later. Use this only for headers whose grammar is a list (Via, Contact,
// Supported, Allow, Warning, ...): Date, for one, holds a comma that is not a separator.
std::vector<std::string_view> split_list(std::string_view value);

struct Message {
  // Request: `method` and `request_uri` set, `status_code` 0.
  std::string method;
  std::string request_uri;  // as written; parse with parse_uri() when it is sip:/sips:
  // Response: `status_code` 100..699 and `reason`.
  int status_code = 0;
  std::string reason;

  std::vector<Header> headers;  // in wire order
  std::string body;             // raw bytes

  static Message request(std::string method, std::string request_uri);
  static Message response(int status_code, std::string reason);

  [[nodiscard]] bool is_request() const { return status_code == 0; }
  [[nodiscard]] bool is_response() const { return status_code != 0; }

  // The first header with this name, in any spelling or compact form; nullptr if none.
  [[nodiscard]] const Header* find(std::string_view name) const;
  // Its value, or nullopt.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
  [[nodiscard]] std::size_t count(std::string_view name) const;
  // Every list element (split_list) of every header with this name, in order: the way to read
  // Via, Contact and other list headers, which may be split over lines or combined in one.
  [[nodiscard]] std::vector<std::string_view> values(std::string_view name) const;

  // Appends a header (name canonicalised).
  Message& add(std::string_view name, std::string value);
  // Replaces the value of the first header with this name and removes the others; appends
  // when there is none.
  Message& set(std::string_view name, std::string value);
  // Removes every header with this name; returns how many.
  std::size_t remove(std::string_view name);

  friend bool operator==(const Message&, const Message&) = default;
};

// A response to `request` (RFC 3261 §8.2.6.2): its Via headers (all, in order), From, To,
// Call-ID and CSeq copied, nothing else; the caller adds a To tag and the rest.
Message make_response(const Message& request, int status_code, std::string reason);

// The message in canonical form: start line, one `Name: value` line per header in order, the
// blank line, the body; CRLF line ends. Content-Length is always right: the first Content-Length
// header gets the body's size (others are dropped) and one is appended after the other headers
// when the message has none. Never fails; a Message built with CR/LF or NUL inside a value
// produces a message a peer will reject, so builders must not do that.
std::string serialize(const Message& message);

}  // namespace voicelab::sip
