#pragma once
// MAC and IPv4 address value types.

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "voicelab/wire/result.hpp"

namespace voicelab::wire {

class MacAddress {
 public:
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const std::array<std::uint8_t, 6>& octets) : octets_(octets) {}
  // From the low 48 bits of `value` (0x001122334455 -> 00:11:22:33:44:55).
  static constexpr MacAddress from_u64(std::uint64_t value) {
    MacAddress m;
    for (int i = 5; i >= 0; --i) {
      m.octets_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value);
      value >>= 8;
    }
    return m;
  }
  static constexpr MacAddress broadcast() { return from_u64(0xffffffffffffULL); }

  // Accepts `00:11:22:33:44:55`, `00-11-22-33-44-55`, Cisco `0011.2233.4455` and bare
  // `001122334455`, in either case.
  static Result<MacAddress> parse(std::string_view text);

  [[nodiscard]] constexpr const std::array<std::uint8_t, 6>& octets() const { return octets_; }
  [[nodiscard]] constexpr std::uint64_t to_u64() const {
    std::uint64_t v = 0;
    for (auto o : octets_) v = (v << 8) | o;
    return v;
  }
  [[nodiscard]] constexpr bool is_broadcast() const { return to_u64() == 0xffffffffffffULL; }
  [[nodiscard]] constexpr bool is_multicast() const { return (octets_[0] & 1) != 0; }
  [[nodiscard]] constexpr bool is_zero() const { return to_u64() == 0; }

  [[nodiscard]] std::string to_string() const;     // 00:11:22:33:44:55
  [[nodiscard]] std::string to_cisco() const;      // 0011.2233.4455
  [[nodiscard]] std::string to_hex_upper() const;  // 001122334455, as in SEP001122334455

  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<std::uint8_t, 6> octets_{};
};

class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(std::uint32_t host_order) : value_(host_order) {}
  constexpr Ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
      : value_((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d) {}
  static constexpr Ipv4Address any() { return Ipv4Address{}; }
  static constexpr Ipv4Address broadcast() { return Ipv4Address{0xffffffffU}; }

  // Dotted quad, exactly four decimal parts 0..255, no leading/trailing junk.
  static Result<Ipv4Address> parse(std::string_view text);

  [[nodiscard]] constexpr std::uint32_t to_u32() const { return value_; }
  [[nodiscard]] constexpr bool is_any() const { return value_ == 0; }
  [[nodiscard]] constexpr bool is_broadcast() const { return value_ == 0xffffffffU; }
  [[nodiscard]] constexpr bool is_multicast() const { return (value_ >> 28) == 0xe; }
  [[nodiscard]] std::string to_string() const;

  friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;

 private:
  std::uint32_t value_ = 0;
};

// An address with a prefix length: an interface address (10.1.1.5/24) or a subnet.
struct Ipv4Prefix {
  Ipv4Address address;
  std::uint8_t length = 0;  // 0..32

  // `10.1.1.5/24` or `10.1.1.5 255.255.255.0`.
  static Result<Ipv4Prefix> parse(std::string_view text);
  static Result<Ipv4Prefix> from_mask(Ipv4Address address, Ipv4Address mask);  // contiguous masks only

  [[nodiscard]] constexpr Ipv4Address mask() const {
    return Ipv4Address{length == 0 ? 0U : ~0U << (32 - length)};
  }
  [[nodiscard]] constexpr Ipv4Address network() const {
    return Ipv4Address{address.to_u32() & mask().to_u32()};
  }
  [[nodiscard]] constexpr Ipv4Address broadcast() const {
    return Ipv4Address{address.to_u32() | ~mask().to_u32()};
  }
  [[nodiscard]] constexpr bool contains(Ipv4Address a) const {
    return (a.to_u32() & mask().to_u32()) == network().to_u32();
  }
  [[nodiscard]] std::string to_string() const;  // 10.1.1.5/24

  friend constexpr bool operator==(const Ipv4Prefix&, const Ipv4Prefix&) = default;
};

}  // namespace voicelab::wire

template <>
struct std::hash<voicelab::wire::MacAddress> {
  std::size_t operator()(const voicelab::wire::MacAddress& m) const noexcept {
    return std::hash<std::uint64_t>{}(m.to_u64());
  }
};
template <>
struct std::hash<voicelab::wire::Ipv4Address> {
  std::size_t operator()(const voicelab::wire::Ipv4Address& a) const noexcept {
    return std::hash<std::uint32_t>{}(a.to_u32());
  }
};
