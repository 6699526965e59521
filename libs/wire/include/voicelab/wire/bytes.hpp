#pragma once
// Bounds-checked big-endian reading and writing over byte spans. Every codec in voicelab reads
// and writes through these two types, so no decoder indexes a buffer by hand.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace voicelab::wire {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// Reads from a span. A read past the end sets the failed flag, returns zero, and every later
// read fails too: decoders read a whole structure, then check `ok()` once.
class ByteReader {
 public:
  explicit ByteReader(Bytes data) noexcept : data_(data) {}

  [[nodiscard]] bool ok() const noexcept { return !failed_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return failed_ ? 0 : data_.size() - pos_; }
  [[nodiscard]] Bytes rest() const noexcept { return failed_ ? Bytes{} : data_.subspan(pos_); }

  std::uint8_t u8() noexcept {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t u16() noexcept {
    if (!need(2)) return 0;
    auto v = load_be16(data_.data() + pos_);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() noexcept {
    if (!need(4)) return 0;
    auto v = load_be32(data_.data() + pos_);
    pos_ += 4;
    return v;
  }
  // A view of the next n bytes (empty and failed if fewer remain).
  Bytes take(std::size_t n) noexcept {
    if (!need(n)) return {};
    auto v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  void skip(std::size_t n) noexcept { (void)take(n); }

 private:
  bool need(std::size_t n) noexcept {
    if (failed_ || data_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  Bytes data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

// Writes into a caller-owned span (no allocation). Overflow sets the failed flag and stops
// writing; encoders check `ok()` once at the end.
class ByteWriter {
 public:
  explicit ByteWriter(MutableBytes out) noexcept : out_(out) {}

  [[nodiscard]] bool ok() const noexcept { return !failed_; }
  [[nodiscard]] std::size_t size() const noexcept { return pos_; }
  [[nodiscard]] MutableBytes written() const noexcept { return out_.first(pos_); }
  // Position of the next byte written, for patching lengths and checksums later.
  [[nodiscard]] std::uint8_t* cursor() noexcept { return out_.data() + pos_; }

  void u8(std::uint8_t v) noexcept {
    if (need(1)) out_[pos_++] = v;
  }
  void u16(std::uint16_t v) noexcept {
    if (!need(2)) return;
    store_be16(out_.data() + pos_, v);
    pos_ += 2;
  }
  void u32(std::uint32_t v) noexcept {
    if (!need(4)) return;
    store_be32(out_.data() + pos_, v);
    pos_ += 4;
  }
  void bytes(Bytes v) noexcept {
    if (!need(v.size())) return;
    if (!v.empty()) std::memcpy(out_.data() + pos_, v.data(), v.size());
    pos_ += v.size();
  }
  void text(std::string_view v) noexcept {
    bytes(Bytes{reinterpret_cast<const std::uint8_t*>(v.data()), v.size()});
  }
  void zeros(std::size_t n) noexcept {
    if (!need(n)) return;
    std::memset(out_.data() + pos_, 0, n);
    pos_ += n;
  }

 private:
  bool need(std::size_t n) noexcept {
    if (failed_ || out_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  MutableBytes out_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace voicelab::wire
