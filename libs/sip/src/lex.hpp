#pragma once
// Character classes and small scanners of the RFC 3261 §25 grammar, shared by the parsers.
// Everything works on std::string_view and never reads outside it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace voicelab::sip::detail {

constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_ws(char c) { return c == ' ' || c == '\t'; }

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
constexpr bool is_token_char(char c) {
  if (is_alnum(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~':
      return true;
    default:
      return false;
  }
}

// unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
constexpr bool is_unreserved(char c) {
  if (is_alnum(c)) return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '!':
    case '~':
    case '*':
    case '\'':
    case '(':
    case ')':
      return true;
    default:
      return false;
  }
}

// Bytes allowed inside a header value after unfolding: visible ASCII, SP, HTAB and any byte
// >= 0x80 (UTF8-NONASCII is not validated further). No CTL.
constexpr bool is_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

inline std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = to_lower(c);
  return out;
}

inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

// Decimal digits only, at most `max_digits`, value <= max. Empty, signs, spaces -> nullopt.
inline std::optional<std::uint64_t> parse_decimal(std::string_view s, std::size_t max_digits,
                                                  std::uint64_t max) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1); defined in uri.cpp.
bool valid_host(std::string_view s);

// canonical_header_name() without the copy: a view of the static spelling of a known name, or
// `name` itself; defined in message.cpp.
std::string_view canonical_name(std::string_view name);

// A cursor over a header value: skips whitespace, reads tokens and quoted strings.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  [[nodiscard]] bool done() const { return pos_ >= text_.size(); }
  [[nodiscard]] std::size_t position() const { return pos_; }
  [[nodiscard]] std::string_view rest() const { return text_.substr(pos_); }
  [[nodiscard]] std::string_view slice(std::size_t from, std::size_t to) const {
    return text_.substr(from, to - from);
  }
  [[nodiscard]] char peek() const { return done() ? '\0' : text_[pos_]; }
  void advance(std::size_t n = 1) { pos_ = pos_ + n > text_.size() ? text_.size() : pos_ + n; }

  void skip_ws() {
    while (!done() && is_ws(text_[pos_])) ++pos_;
  }
  // Skips whitespace and then consumes `c` if it is next.
  bool consume(char c) {
    skip_ws();
    if (peek() != c || done()) return false;
    ++pos_;
    return true;
  }
  // 1*token-char, possibly empty when none is next.
  std::string_view token() {
    const std::size_t start = pos_;
    while (!done() && is_token_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // Characters up to (not including) any of `stops`, or the end.
  std::string_view until_any(std::string_view stops) {
    const std::size_t start = pos_;
    while (!done() && stops.find(text_[pos_]) == std::string_view::npos) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // quoted-string, positioned on the opening DQUOTE: returns the unescaped contents, or nullopt
  // (position unspecified) when it is unterminated or holds a quoted-pair of CR/LF.
  std::optional<std::string> quoted_string() {
    if (peek() != '"' || done()) return std::nullopt;
    ++pos_;
    std::string out;
    while (!done()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) return std::nullopt;
        const char escaped = text_[pos_++];
        if (escaped == '\r' || escaped == '\n') return std::nullopt;
        out.push_back(escaped);
        continue;
      }
      if (!is_value_char(c)) return std::nullopt;
      out.push_back(c);
    }
    return std::nullopt;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Writes `s` as a quoted-string, escaping DQUOTE and backslash.
inline void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace voicelab::sip::detail
