#pragma once
// Bytes -> Message. Two framings (RFC 3261 §18.3):
//   - datagrams (UDP): one message per datagram, parse_datagram();
//   - streams (TCP, TLS): StreamParser, fed with whatever bytes arrive, in Beast's shape:
//     `put(bytes, ec)` returns how many bytes it consumed; `errc::need_more` asks for more.
// Both enforce the named Limits and report every malformed input as an `errc` of the
// voicelab.sip category; neither throws on input, reads past its buffer or grows without bound.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "voicelab/sip/error.hpp"
#include "voicelab/sip/message.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::sip {

// Upper bounds on what a parser accepts. The defaults fit any REGISTER/200 OK by a wide margin
// (a Cisco REGISTER is ~1 KiB) while keeping a hostile peer from making a connection buffer
// more than max_message bytes.
struct Limits {
  std::size_t max_line = 8 * 1024;          // one physical header line, CRLF excluded
  std::size_t max_header_count = 100;       // header fields (continuation lines not counted)
  std::size_t max_header_size = 16 * 1024;  // start line + header lines + CRLFs + blank line
  std::size_t max_body = 64 * 1024;
  std::size_t max_message = 72 * 1024;  // header section + body (below the two maxima added up)
};

// Parses the header section of a message: the start line and the header lines, each ending in
// CRLF, optionally followed by the blank line (CRLF) that ends the section. Folded lines are
// unfolded. The body is left empty and Content-Length is not interpreted. No limits are applied
// here (the framers apply them before calling this).
// Errors: bad_start_line, bad_version, bad_status_code, bad_uri (a sip:/sips: Request-URI that
// does not parse), bad_line_ending, bad_header, truncated (no CRLF after the last line).
wire::Result<Message> parse_head(std::string_view head);

// One message in one datagram (UDP). CRLFs before the start line are skipped; a datagram of
// nothing but CRLFs is errc::keepalive. Content-Length is optional: without it the body is the
// rest of the datagram; with it, bytes beyond it are discarded (RFC 3261 §18.3).
// Errors: keepalive; truncated (header section or body cut short); bad_content_length; the
// parse_head() errors; line_too_long, too_many_headers, headers_too_large, body_too_large,
// message_too_large. What to do: drop the datagram (a request may be answered 400).
wire::Result<Message> parse_datagram(wire::Bytes datagram, const Limits& limits = {});
// The same over text (tests, tools).
wire::Result<Message> parse_message(std::string_view text, const Limits& limits = {});

namespace detail {
// Finds the end of a header section while enforcing the header limits; the state carries over
// from one call to the next, so a section may arrive in pieces.
struct HeadScanner {
  std::size_t size = 0;
  std::size_t line_length = 0;
  std::size_t fields = 0;
  bool first_line = true;
  bool cr = false;

  // Consumes bytes of `data` up to and including the LF that ends the blank line (then sets
  // `complete`), the first byte that breaks a rule (then sets `error`: bad_line_ending,
  // line_too_long, too_many_headers, headers_too_large; that byte counts as consumed), or the
  // end of `data`. Returns how many bytes it consumed. `error` is errc::ok otherwise.
  std::size_t scan(std::string_view data, const Limits& limits, bool& complete, errc& error);
};
}  // namespace detail

// The incremental parser of a stream connection: one per connection, for the whole connection.
//
//   std::error_code ec;
//   while (!data.empty()) {
//     const std::size_t used = parser.put(data, ec);
//     data = data.subspan(used);
//     if (ec == sip::errc::need_more) break;             // everything consumed; wait for bytes
//     if (ec) { close the connection; break; }           // the stream cannot be re-synchronised
//     handle(parser.release());                          // a complete message
//   }
//
// The parser copies what it consumes (the caller need not keep bytes), and consumes no byte past
// the end of the message it completes, so the rest of `data` belongs to the next message.
// CRLF keep-alives between messages (RFC 5626 §3.5.1: a double CRLF "ping", a single CRLF
// "pong") are consumed and counted: compare pings() before and after put() to answer a ping.
// RFC 3261 §7.5 makes a receiver ignore CRLFs before a start line anyway.
class StreamParser {
 public:
  explicit StreamParser(Limits limits = {}) : limits_(limits) {}

  // Consumes bytes of `data` and returns how many. `ec` is set to:
  //   - success: a message is complete (has_message()); take it with release() before the next
  //     put() (a put() while a message waits consumes nothing and succeeds again);
  //   - errc::need_more: all of `data` was consumed, the message is not complete;
  //   - any other errc (bad_start_line, missing_content_length, a limit, ...): the stream is
  //     broken and every later put() fails with errc::parser_failed until reset(). Close the
  //     connection (a request may first be answered 400 when its headers parsed).
  std::size_t put(wire::Bytes data, std::error_code& ec);
  std::size_t put(std::string_view data, std::error_code& ec);

  [[nodiscard]] bool has_message() const { return state_ == State::done; }
  // The completed message; the parser is then ready for the next one. Precondition:
  // has_message().
  Message release();

  // Keep-alives seen so far: double-CRLF pings, and single-CRLF pongs (a pong is counted when the
  // next message starts, because until then it may be the first half of a ping).
  [[nodiscard]] std::uint64_t pings() const { return pings_; }
  [[nodiscard]] std::uint64_t pongs() const { return pongs_; }
  // Bytes of the message in progress held by the parser.
  [[nodiscard]] std::size_t buffered() const { return head_.size() + message_.body.size(); }

  // Forgets the message in progress and any error; the keep-alive counters stay.
  void reset();

 private:
  enum class State { idle, head, body, done, failed };

  std::error_code fail(std::error_code ec);
  std::error_code finish_head();

  Limits limits_;
  State state_ = State::idle;
  // idle: keep-alive scanning
  bool idle_cr_ = false;
  int idle_crlfs_ = 0;
  // head
  std::string head_;
  detail::HeadScanner scanner_;
  // body
  Message message_;
  std::size_t body_length_ = 0;
  std::uint64_t pings_ = 0;
  std::uint64_t pongs_ = 0;
};

}  // namespace voicelab::sip
