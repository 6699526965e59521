#include "voicelab/sip/parser.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "lex.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/uri.hpp"

namespace voicelab::sip {
namespace {

std::string_view as_text(wire::Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// SIP-Version is case-insensitive (RFC 3261 §7.1); only 2.0 is understood.
bool is_sip_version(std::string_view s) {
  return s.size() == 7 && detail::iequals(s.substr(0, 4), "SIP/") && s.substr(4) == "2.0";
}
bool looks_like_version(std::string_view s) {
  return s.size() >= 4 && detail::iequals(s.substr(0, 4), "SIP/");
}

std::error_code parse_start_line(std::string_view line, Message& m) {
  if (looks_like_version(line.substr(0, line.find(' ')))) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return errc::bad_start_line;
    if (!is_sip_version(line.substr(0, sp))) return errc::bad_version;
    const auto rest = line.substr(sp + 1);
    const auto code_text = rest.substr(0, 3);
    const auto code = detail::parse_decimal(code_text, 3, 699);
    if (code_text.size() != 3 || !code || *code < 100) return errc::bad_status_code;
    if (rest.size() > 3 && rest[3] != ' ') return errc::bad_status_code;
    m.status_code = static_cast<int>(*code);
    m.reason = std::string(rest.size() > 4 ? rest.substr(4) : std::string_view{});
    return {};
  }
  // Request-Line = Method SP Request-URI SP SIP-Version
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return errc::bad_start_line;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return errc::bad_start_line;
  const auto method = line.substr(0, sp1);
  const auto uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (!detail::is_token(method) || uri.empty()) return errc::bad_start_line;
  for (char c : uri) {
    if (detail::is_ws(c)) return errc::bad_start_line;
  }
  if (!looks_like_version(version)) return errc::bad_start_line;
  if (!is_sip_version(version)) return errc::bad_version;
  const std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return errc::bad_uri;
  const auto scheme = uri.substr(0, colon);
  if (detail::iequals(scheme, "sip") || detail::iequals(scheme, "sips")) {
    if (!parse_uri(uri)) return errc::bad_uri;
  }
  m.method = std::string(method);
  m.request_uri = std::string(uri);
  return {};
}

// The one Content-Length of a message: nullopt when absent; an error when malformed or when
// duplicates disagree.
wire::Result<std::optional<std::size_t>> content_length(const Message& m) {
  std::optional<std::size_t> length;
  for (const auto& h : m.headers) {
    if (!detail::iequals(h.name, "Content-Length")) continue;
    // 1*DIGIT; ten digits already exceed any limit worth having.
    const auto value = detail::parse_decimal(h.value, 10, 0xffffffffULL);
    if (!value) return errc::bad_content_length;
    const auto n = static_cast<std::size_t>(*value);
    if (length && *length != n) return errc::bad_content_length;
    length = n;
  }
  return length;
}

}  // namespace

namespace {

// What the header scanner must look at a byte for: 0 a value character that is not CR (the
// common case), 1 CR, 2 anything is_value_char() refuses (CTLs but HTAB, DEL, a bare LF).
constexpr std::array<std::uint8_t, 256> head_byte_class = [] {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t i = 0; i < table.size(); ++i) {
    const char c = static_cast<char>(i);
    table[i] = c == '\r' ? 1 : detail::is_value_char(c) ? 0 : 2;
  }
  return table;
}();

}  // namespace

std::size_t detail::HeadScanner::scan(std::string_view data, const Limits& limits, bool& complete,
                                      errc& error) {
  complete = false;
  error = errc::ok;
  const std::size_t n = data.size();
  std::size_t i = 0;
  while (i < n) {
    // Inside a line, a run of plain value characters can break no rule until the section or
    // the line reaches its limit, so it is skipped without the per-byte checks below (which it
    // would pass one by one).
    if (!cr && line_length != 0) {
      std::size_t room = n - i;
      room = std::min(room, size < limits.max_header_size ? limits.max_header_size - size : 0);
      room = std::min(room, line_length < limits.max_line ? limits.max_line - line_length : 0);
      std::size_t k = 0;
      while (k < room && head_byte_class[static_cast<unsigned char>(data[i + k])] == 0) ++k;
      size += k;
      line_length += k;
      i += k;
      if (i == n) break;
    }
    const char c = data[i++];
    if (++size > limits.max_header_size) {
      error = errc::headers_too_large;
      break;
    }
    if (cr) {
      cr = false;
      if (c != '\n') {
        error = errc::bad_line_ending;
        break;
      }
      if (line_length == 0 && !first_line) {
        complete = true;
        break;
      }
      first_line = false;
      line_length = 0;
      continue;
    }
    if (c == '\r') {
      cr = true;
      continue;
    }
    if (!detail::is_value_char(c)) {
      error = errc::bad_line_ending;
      break;
    }
    if (line_length == 0 && !first_line && !detail::is_ws(c) &&
        ++fields > limits.max_header_count) {
      error = errc::too_many_headers;
      break;
    }
    if (++line_length > limits.max_line) {
      error = errc::line_too_long;
      break;
    }
  }
  return i;
}

namespace {

// `checked`: every byte already passed HeadScanner (the framers), which refuses what the
// character check below refuses.
wire::Result<Message> parse_head(std::string_view head, bool checked) {
  Message m;
  // One header per line at most: the vector is sized once instead of growing (and moving every
  // header it holds) as lines come.
  m.headers.reserve(static_cast<std::size_t>(std::count(head.begin(), head.end(), '\n')));
  bool first = true;
  bool ended = false;
  while (!head.empty()) {
    if (ended) return errc::bad_header;  // bytes after the blank line
    const std::size_t end = head.find("\r\n");
    if (end == std::string_view::npos) return errc::truncated;
    const auto line = head.substr(0, end);
    head.remove_prefix(end + 2);
    if (!checked) {
      for (char c : line) {
        if (!detail::is_value_char(c)) return errc::bad_line_ending;
      }
    }
    if (first) {
      if (const auto ec = parse_start_line(line, m)) return ec;
      first = false;
      continue;
    }
    if (line.empty()) {
      ended = true;
      continue;
    }
    if (detail::is_ws(line.front())) {
      // Continuation: the CRLF and leading whitespace become one SP (RFC 3261 §7.3.1).
      if (m.headers.empty()) return errc::bad_header;
      const auto more = detail::trim(line);
      if (more.empty()) continue;
      auto& value = m.headers.back().value;
      if (!value.empty()) value.push_back(' ');
      value += more;
      continue;
    }
    // header = field-name HCOLON field-value; HCOLON = *( SP / HTAB ) ":" SWS
    std::size_t i = 0;
    while (i < line.size() && detail::is_token_char(line[i])) ++i;
    const auto name = line.substr(0, i);
    while (i < line.size() && detail::is_ws(line[i])) ++i;
    if (name.empty() || i >= line.size() || line[i] != ':') return errc::bad_header;
    m.headers.push_back(Header{std::string(detail::canonical_name(name)),
                               std::string(detail::trim(line.substr(i + 1)))});
  }
  if (first) return errc::truncated;
  return m;
}

}  // namespace

wire::Result<Message> parse_head(std::string_view head) { return parse_head(head, false); }

wire::Result<Message> parse_datagram(wire::Bytes datagram, const Limits& limits) {
  std::string_view text = as_text(datagram);
  while (text.size() >= 2 && text[0] == '\r' && text[1] == '\n') text.remove_prefix(2);
  if (text.empty()) return errc::keepalive;

  detail::HeadScanner scanner;
  bool complete = false;
  errc error = errc::ok;
  const std::size_t head_size = scanner.scan(text, limits, complete, error);
  if (error != errc::ok) return error;
  if (!complete) return errc::truncated;
  auto message = parse_head(text.substr(0, head_size), true);
  if (!message) return message.error();
  const auto length = content_length(*message);
  if (!length) return length.error();
  const std::size_t available = text.size() - head_size;
  const std::size_t body_size = length->value_or(available);
  if (body_size > limits.max_body) return errc::body_too_large;
  if (head_size + body_size > limits.max_message) return errc::message_too_large;
  if (body_size > available) return errc::truncated;
  message->body = std::string(text.substr(head_size, body_size));
  return message;
}

wire::Result<Message> parse_message(std::string_view text, const Limits& limits) {
  return parse_datagram(
      wire::Bytes{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, limits);
}

std::error_code StreamParser::fail(std::error_code ec) {
  state_ = State::failed;
  return ec;
}

std::error_code StreamParser::finish_head() {
  auto message = parse_head(head_, true);
  if (!message) return fail(message.error());
  const auto length = content_length(*message);
  if (!length) return fail(length.error());
  if (!length->has_value()) return fail(errc::missing_content_length);
  body_length_ = **length;
  if (body_length_ > limits_.max_body) return fail(errc::body_too_large);
  if (head_.size() + body_length_ > limits_.max_message) return fail(errc::message_too_large);
  message_ = std::move(message).value();
  message_.body.reserve(body_length_);
  state_ = body_length_ == 0 ? State::done : State::body;
  return {};
}

std::size_t StreamParser::put(std::string_view data, std::error_code& ec) {
  std::size_t used = 0;
  while (used < data.size()) {
    switch (state_) {
      case State::failed:
        ec = errc::parser_failed;
        return used;
      case State::done:
        ec = {};
        return used;
      case State::idle: {
        const char c = data[used];
        if (idle_cr_) {
          if (c != '\n') {
            ec = fail(errc::bad_line_ending);
            return used;
          }
          ++used;
          idle_cr_ = false;
          if (++idle_crlfs_ == 2) {
            ++pings_;
            idle_crlfs_ = 0;
          }
          continue;
        }
        if (c == '\r') {
          ++used;
          idle_cr_ = true;
          continue;
        }
        if (idle_crlfs_ == 1) ++pongs_;
        idle_crlfs_ = 0;
        state_ = State::head;
        scanner_ = {};
        head_.clear();
        continue;
      }
      case State::head: {
        bool complete = false;
        errc broken = errc::ok;
        const std::size_t n = scanner_.scan(data.substr(used), limits_, complete, broken);
        // The byte that broke a rule is consumed but not kept.
        head_.append(data.substr(used, broken == errc::ok ? n : n - 1));
        used += n;
        if (broken != errc::ok) {
          ec = fail(broken);
          return used;
        }
        if (complete) {
          if (const auto error = finish_head()) {
            ec = error;
            return used;
          }
        }
        continue;
      }
      case State::body: {
        const std::size_t want = body_length_ - message_.body.size();
        const std::size_t take = std::min(want, data.size() - used);
        message_.body.append(data.substr(used, take));
        used += take;
        if (message_.body.size() == body_length_) state_ = State::done;
        continue;
      }
    }
  }
  if (state_ == State::done) {
    ec = {};
  } else if (state_ == State::failed) {
    ec = errc::parser_failed;
  } else {
    ec = errc::need_more;
  }
  return used;
}

std::size_t StreamParser::put(wire::Bytes data, std::error_code& ec) {
  return put(as_text(data), ec);
}

Message StreamParser::release() {
  Message out = std::move(message_);
  message_ = Message{};
  head_.clear();
  scanner_ = {};
  body_length_ = 0;
  state_ = State::idle;
  return out;
}

void StreamParser::reset() {
  message_ = Message{};
  head_.clear();
  scanner_ = {};
  body_length_ = 0;
  idle_cr_ = false;
  idle_crlfs_ = 0;
  state_ = State::idle;
}

}  // namespace voicelab::sip
