#pragma once
// Small helpers for writing byte vectors in the CDP/LLDP tests.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/cdp/cdp.hpp"

namespace voicelab::test {

using ByteVector = std::vector<std::uint8_t>;

// Bytes from a list of values 0..255 and strings, in order: bytes({0x00, 0x01}, "abc").
class Build {
 public:
  Build& u8(unsigned v) {
    out_.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  Build& u16(unsigned v) { return u8(v >> 8).u8(v & 0xff); }
  Build& u32(std::uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  Build& raw(std::initializer_list<unsigned> list) {
    for (auto v : list) u8(v);
    return *this;
  }
  Build& raw(const ByteVector& v) {
    out_.insert(out_.end(), v.begin(), v.end());
    return *this;
  }
  Build& text(std::string_view s) {
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  // A CDP TLV: type, length including the 4-byte header, value.
  Build& cdp_tlv(unsigned type, const ByteVector& value) {
    return u16(type).u16(static_cast<unsigned>(value.size() + 4)).raw(value);
  }
  Build& cdp_tlv(unsigned type, std::string_view value) {
    return u16(type).u16(static_cast<unsigned>(value.size() + 4)).text(value);
  }
  // An LLDP TLV header: 7-bit type, 9-bit length.
  Build& lldp_header(unsigned type, std::size_t length) {
    return u16((type << 9) | static_cast<unsigned>(length));
  }
  [[nodiscard]] const ByteVector& bytes() const { return out_; }
  operator ByteVector() const { return out_; }  // NOLINT(google-explicit-constructor)

 private:
  ByteVector out_;
};

inline ByteVector text_bytes(std::string_view s) { return {s.begin(), s.end()}; }

// A CDP PDU: version 2, TTL 180, the checksum filled in with cdp::checksum, then `tlvs`.
inline ByteVector cdp_pdu(const ByteVector& tlvs) {
  ByteVector pdu{0x02, 0xb4, 0x00, 0x00};
  pdu.insert(pdu.end(), tlvs.begin(), tlvs.end());
  const auto sum = cdp::checksum(pdu);
  pdu[2] = static_cast<std::uint8_t>(sum >> 8);
  pdu[3] = static_cast<std::uint8_t>(sum);
  return pdu;
}

}  // namespace voicelab::test
