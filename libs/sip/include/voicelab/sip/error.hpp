#pragma once
// Errors of the SIP codec and framing, as an std::error_code category ("voicelab.sip").
//
// Everything here comes from input on the wire: the parsers return these, never throw. What the
// caller does about each is documented per value. `need_more` is the one value that is not a
// failure (Beast's `http::error::need_more`): the stream parser consumed what it was given and
// waits for more bytes.

#include <system_error>

namespace voicelab::sip {

enum class errc {
  ok = 0,
  // Stream: every byte given was consumed, the message is not complete yet. Feed more bytes.
  need_more,
  // A datagram (or buffer parsed as one message) holds nothing but CRLF keep-alives (RFC 5626
  // §3.5.1). Not the sender's mistake: ignore it.
  keepalive,
  // The input ends before the message does: a datagram cut inside the header section, or with
  // fewer body bytes than Content-Length (RFC 3261 §18.3). A request deserves 400; a response is
  // discarded.
  truncated,
  // The first line is neither `Method SP Request-URI SP SIP/2.0` nor `SIP/2.0 SP Code SP Reason`.
  bad_start_line,
  // The SIP-Version is not SIP/2.0 (a 505 for a request).
  bad_version,
  // A status code outside 100..699 or not three digits.
  bad_status_code,
  // A bare CR or LF, or a control character (NUL, ...) where the grammar allows none.
  bad_line_ending,
  // A header line without a valid token name and colon, or a continuation line with no header
  // before it.
  bad_header,
  // A header value that does not parse as its type (Via, CSeq, From/To, Contact, Warning, a
  // number, ...). Only the typed accessors report this; the message itself still parsed.
  bad_header_value,
  // A SIP/SIPS URI that does not parse (RFC 3261 §25.1), or a scheme other than sip/sips.
  bad_uri,
  // Content-Length is not a decimal number, is out of range, or appears twice with different
  // values.
  bad_content_length,
  // A message on a stream transport without Content-Length (RFC 3261 §18.3: it is mandatory
  // there). The stream cannot be framed any more: close the connection.
  missing_content_length,
  // A header the operation needs (Via, CSeq, Call-ID, From, To) is absent.
  missing_header,
  // Limits (voicelab::sip::Limits) — each closes the connection on a stream; on a datagram the
  // message is dropped.
  line_too_long,
  too_many_headers,
  headers_too_large,
  body_too_large,
  message_too_large,
  // put() was called again after an error without reset(): the stream is out of sync.
  parser_failed,
  // Transactions: the request's top Via branch lacks the RFC 3261 magic cookie `z9hG4bK`
  // (RFC 2543 peers), which this transaction layer does not match.
  no_magic_cookie,
};

const std::error_category& sip_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sip_category()};
}

}  // namespace voicelab::sip

template <>
struct std::is_error_code_enum<voicelab::sip::errc> : std::true_type {};
