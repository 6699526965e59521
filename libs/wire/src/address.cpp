#include "voicelab/wire/address.hpp"

#include <bit>
#include <cstddef>
#include <optional>

#include "voicelab/wire/error.hpp"

namespace voicelab::wire {
namespace {

constexpr char lower_hex_digits[] = "0123456789abcdef";
constexpr char upper_hex_digits[] = "0123456789ABCDEF";

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_decimal_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal number of at most `max_digits` digits with no sign and no leading zero: "010" is
// refused rather than guessed at, since inet_aton() would read it as octal 8.
std::optional<unsigned> parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (!is_decimal_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

std::string format_mac(const std::array<std::uint8_t, 6>& octets, const char* digits,
                       std::size_t group_octets, char separator) {
  std::string text;
  text.reserve(17);
  for (std::size_t i = 0; i < octets.size(); ++i) {
    if (i != 0 && group_octets != 0 && i % group_octets == 0) text.push_back(separator);
    text.push_back(digits[octets[i] >> 4]);
    text.push_back(digits[octets[i] & 0x0f]);
  }
  return text;
}

}  // namespace

Result<MacAddress> MacAddress::parse(std::string_view text) {
  // Each accepted form is twelve hex digits with one kind of separator at fixed places, so the
  // length alone tells the form apart.
  std::size_t digits_per_group = 0;  // 0: no separators
  char separator = 0;
  switch (text.size()) {
    case 17:
      digits_per_group = 2;
      separator = text[2];
      if (separator != ':' && separator != '-') return errc::bad_text;
      break;
    case 14:
      digits_per_group = 4;
      separator = '.';
      break;
    case 12:
      break;
    default:
      return errc::bad_text;
  }

  std::array<std::uint8_t, 6> octets{};
  std::size_t digit_count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (digits_per_group != 0 && (i + 1) % (digits_per_group + 1) == 0) {
      if (text[i] != separator) return errc::bad_text;
      continue;
    }
    const int value = hex_digit_value(text[i]);
    if (value < 0) return errc::bad_text;
    auto& octet = octets[digit_count / 2];
    octet = static_cast<std::uint8_t>((octet << 4) | value);
    ++digit_count;
  }
  return MacAddress{octets};
}

std::string MacAddress::to_string() const { return format_mac(octets_, lower_hex_digits, 1, ':'); }

std::string MacAddress::to_cisco() const { return format_mac(octets_, lower_hex_digits, 2, '.'); }

std::string MacAddress::to_hex_upper() const { return format_mac(octets_, upper_hex_digits, 0, 0); }

Result<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    const std::size_t dot = text.find('.');
    const bool last = part == 3;
    if (last != (dot == std::string_view::npos)) return errc::bad_text;
    const auto octet = parse_decimal(text.substr(0, dot), 3);
    if (!octet || *octet > 255) return errc::bad_text;
    value = (value << 8) | *octet;
    if (!last) text.remove_prefix(dot + 1);
  }
  return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
  std::string text;
  text.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    text += std::to_string((value_ >> shift) & 0xff);
    if (shift != 0) text.push_back('.');
  }
  return text;
}

Result<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    auto address = Ipv4Address::parse(text.substr(0, slash));
    const auto length = parse_decimal(text.substr(slash + 1), 2);
    if (!address || !length || *length > 32) return errc::bad_text;
    return Ipv4Prefix{*address, static_cast<std::uint8_t>(*length)};
  }
  if (const std::size_t space = text.find(' '); space != std::string_view::npos) {
    auto address = Ipv4Address::parse(text.substr(0, space));
    auto mask = Ipv4Address::parse(text.substr(space + 1));
    if (!address || !mask) return errc::bad_text;
    auto prefix = from_mask(*address, *mask);
    if (!prefix) return errc::bad_text;
    return prefix;
  }
  return errc::bad_text;
}

Result<Ipv4Prefix> Ipv4Prefix::from_mask(Ipv4Address address, Ipv4Address mask) {
  const std::uint32_t host_bits = ~mask.to_u32();
  // Contiguous: the host part is a run of ones from bit 0 (2^k - 1).
  if ((host_bits & (host_bits + 1)) != 0) return errc::bad_value;
  return Ipv4Prefix{address, static_cast<std::uint8_t>(std::popcount(mask.to_u32()))};
}

std::string Ipv4Prefix::to_string() const {
  return address.to_string() + '/' + std::to_string(length);
}

}  // namespace voicelab::wire
