#include "voicelab/scenario/values.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include <fmt/core.h>

namespace voicelab::scenario {
namespace {

// A decimal number "<int>[.<frac>]" at the front of `text`: digits only, no sign, no exponent.
struct Decimal {
  std::uint64_t integer = 0;
  std::uint64_t fraction = 0;  // the digits after the point, as an integer
  int fraction_digits = 0;
};

std::optional<Decimal> take_decimal(std::string_view& text) {
  Decimal d;
  std::size_t i = 0;
  bool any = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (d.integer > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    d.integer = d.integer * 10 + digit;
    ++i;
    any = true;
  }
  if (!any) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    bool frac_any = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (d.fraction_digits == 9) return std::nullopt;  // below a nanosecond / a bit
      d.fraction = d.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
      ++d.fraction_digits;
      ++i;
      frac_any = true;
    }
    if (!frac_any) return std::nullopt;
  }
  text.remove_prefix(i);
  return d;
}

constexpr std::uint64_t pow10(int n) {
  std::uint64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

// integer * unit + fraction * unit / 10^digits, exactly, or nullopt (overflow or inexact).
std::optional<std::uint64_t> scale(const Decimal& d, std::uint64_t unit) {
  __extension__ typedef unsigned __int128 u128;  // GCC/Clang; exact products up to 2^128
  const u128 whole = static_cast<u128>(d.integer) * unit;
  const u128 frac_scaled = static_cast<u128>(d.fraction) * unit;
  const std::uint64_t div = pow10(d.fraction_digits);
  if (frac_scaled % div != 0) return std::nullopt;
  const u128 total = whole + frac_scaled / div;
  if (total > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
  return static_cast<std::uint64_t>(total);
}

struct Unit {
  std::string_view name;
  std::uint64_t ns;
};

// Two-letter names before "s" and "m", so that "ms" is not read as "m" followed by junk.
constexpr std::array<Unit, 9> duration_units{{
    {"\xC2\xB5s", 1'000},  // MICRO SIGN
    {"\xCE\xBCs", 1'000},  // GREEK SMALL LETTER MU
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
    {"d", 86'400'000'000'000},
}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return std::nullopt;
  std::uint64_t total = 0;
  std::uint64_t previous_unit = std::numeric_limits<std::uint64_t>::max();
  while (!text.empty()) {
    const auto number = take_decimal(text);
    if (!number) return std::nullopt;
    const Unit* unit = nullptr;
    for (const auto& u : duration_units) {
      if (text.substr(0, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    text.remove_prefix(unit->name.size());
    // Units strictly decreasing: "1m30s" yes, "30s1m" or "1s1s" no.
    if (unit->ns >= previous_unit) return std::nullopt;
    previous_unit = unit->ns;
    const auto part = scale(*number, unit->ns);
    if (!part) return std::nullopt;
    if (*part > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - total) {
      return std::nullopt;
    }
    total += *part;
  }
  return Duration{static_cast<std::int64_t>(total)};
}

std::string format_duration(Duration d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  constexpr std::int64_t second = 1'000'000'000;
  if (ns < second) {
    if (ns % 1'000'000 == 0) return out + fmt::format("{}ms", ns / 1'000'000);
    if (ns % 1'000 == 0) return out + fmt::format("{}us", ns / 1'000);
    return out + fmt::format("{}ns", ns);
  }
  std::int64_t seconds = ns / second;
  const std::int64_t sub = ns % second;
  const std::int64_t days = seconds / 86'400;
  seconds %= 86'400;
  const std::int64_t hours = seconds / 3'600;
  seconds %= 3'600;
  const std::int64_t minutes = seconds / 60;
  seconds %= 60;
  if (days != 0) out += fmt::format("{}d", days);
  if (hours != 0) out += fmt::format("{}h", hours);
  if (minutes != 0) out += fmt::format("{}m", minutes);
  if (sub != 0) {
    std::string frac = fmt::format("{:09}", sub);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out += fmt::format("{}.{}s", seconds, frac);
  } else if (seconds != 0) {
    out += fmt::format("{}s", seconds);
  }
  return out;
}

std::string format_ms(Duration d) {
  std::int64_t us = d.count() / 1'000;  // truncates toward zero
  std::string out;
  if (us < 0) {
    out = "-";
    us = -us;
  }
  const std::int64_t ms = us / 1'000;
  const std::int64_t frac = us % 1'000;
  if (frac == 0) return out + fmt::format("{}", ms);
  std::string f = fmt::format("{:03}", frac);
  while (f.back() == '0') f.pop_back();
  return out + fmt::format("{}.{}", ms, f);
}

std::string format_seconds(Duration d) {
  std::int64_t ms = d.count() / 1'000'000;
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  return out + fmt::format("{}.{:03}", ms / 1'000, ms % 1'000);
}

std::optional<std::uint64_t> parse_bandwidth(std::string_view text) {
  const auto number = take_decimal(text);
  if (!number) return std::nullopt;
  std::uint64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.front()) {
      case 'k':
      case 'K':
        multiplier = 1'000;
        text.remove_prefix(1);
        break;
      case 'm':
      case 'M':
        multiplier = 1'000'000;
        text.remove_prefix(1);
        break;
      case 'g':
      case 'G':
        multiplier = 1'000'000'000;
        text.remove_prefix(1);
        break;
      default:
        break;
    }
  }
  if (text != "bps" && text != "bit/s") return std::nullopt;
  const auto bps = scale(*number, multiplier);
  if (!bps || *bps == 0) return std::nullopt;
  return bps;
}

std::string format_bandwidth(std::uint64_t bps) {
  struct Step {
    std::uint64_t unit;
    std::string_view suffix;
  };
  constexpr std::array<Step, 3> steps{
      {{1'000'000'000, "Gbps"}, {1'000'000, "Mbps"}, {1'000, "kbps"}}};
  for (const auto& s : steps) {
    if (bps >= s.unit) {
      const std::uint64_t whole = bps / s.unit;
      const std::uint64_t rest = bps % s.unit;
      if (rest == 0) return fmt::format("{}{}", whole, s.suffix);
      // Exact decimals: the unit has 3, 6 or 9 digits below it.
      const int digits = s.unit == 1'000 ? 3 : (s.unit == 1'000'000 ? 6 : 9);
      std::string frac = fmt::format("{:0{}}", rest, digits);
      while (frac.back() == '0') frac.pop_back();
      return fmt::format("{}.{}{}", whole, frac, s.suffix);
    }
  }
  return fmt::format("{}bps", bps);
}

std::optional<double> parse_percent(std::string_view text) {
  if (text.empty() || text.back() != '%') return std::nullopt;
  text.remove_suffix(1);
  const auto number = take_decimal(text);
  if (!number || !text.empty()) return std::nullopt;
  const double value =
      static_cast<double>(number->integer) +
      static_cast<double>(number->fraction) / static_cast<double>(pow10(number->fraction_digits));
  if (value > 100.0) return std::nullopt;
  return value / 100.0;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows: the swap of adjacent characters looks two rows back.
  const std::size_t m = b.size();
  std::vector<std::size_t> two_back(m + 1);
  std::vector<std::size_t> prev(m + 1);
  std::vector<std::size_t> cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
      }
    }
    std::swap(two_back, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

}  // namespace voicelab::scenario
