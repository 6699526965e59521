#pragma once
// DNS messages (RFC 1035 §4), as much as a phone looking up its TFTP server needs: the header,
// questions, resource records (A records typed, the rest raw), NXDOMAIN and SERVFAIL.
//
// Names are dotted text without the final dot ("cucm1.lab.example"; "" is the root), case kept.
//
// Decoding
// - Compression pointers (RFC 1035 §4.1.4) are followed; each must point strictly before the
//   start of the label sequence it was read in, so a pointer loop cannot be built and decoding
//   always ends. Names over 255 bytes, labels with the reserved 0x40/0x80 length bits, and labels
//   containing a '.' (which the dotted form could not represent) are errors.
// - Section counts are checked against the bytes left before anything is reserved.
// - Record data is kept raw (names inside non-A records are not expanded); an IN A record must
//   have 4 bytes.
// - Errors: wire::errc::truncated, errc::bad_label, errc::name_too_long, errc::bad_pointer,
//   errc::bad_rdata. Input never makes it throw (only std::bad_alloc could).
// Encoding compresses names against earlier ones (exact, case-sensitive suffix match). Errors:
// errc::bad_label, errc::name_too_long, errc::too_many_records.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::dns {

inline constexpr std::uint16_t port = 53;
inline constexpr std::size_t header_size = 12;
inline constexpr std::size_t max_udp_message = 512;  // RFC 1035 §4.2.1, without EDNS

namespace rr_type {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t ns = 2;
inline constexpr std::uint16_t cname = 5;
inline constexpr std::uint16_t soa = 6;
inline constexpr std::uint16_t ptr = 12;
inline constexpr std::uint16_t aaaa = 28;
inline constexpr std::uint16_t any = 255;
}  // namespace rr_type

namespace rr_class {
inline constexpr std::uint16_t in = 1;
inline constexpr std::uint16_t any = 255;
}  // namespace rr_class

enum class Rcode : std::uint8_t {
  no_error = 0,
  format_error = 1,
  server_failure = 2,
  name_error = 3,  // NXDOMAIN
  not_implemented = 4,
  refused = 5,
};

std::string to_string(Rcode rcode);  // "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", ...

struct Question {
  std::string name;
  std::uint16_t type = rr_type::a;
  std::uint16_t qclass = rr_class::in;
  friend bool operator==(const Question&, const Question&) = default;
};

struct Record {
  std::string name;
  std::uint16_t type = rr_type::a;
  std::uint16_t rclass = rr_class::in;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> data;

  static Record a(std::string name, wire::Ipv4Address address, std::uint32_t ttl);
  // The address of an IN A record, else nullopt.
  [[nodiscard]] std::optional<wire::Ipv4Address> address() const;
  friend bool operator==(const Record&, const Record&) = default;
};

struct Message {
  std::uint16_t id = 0;
  bool is_response = false;
  std::uint8_t opcode = 0;  // 0 = QUERY
  bool authoritative = false;
  bool truncated = false;
  bool recursion_desired = false;
  bool recursion_available = false;
  Rcode rcode = Rcode::no_error;  // values above 5 are kept as they are
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authorities;
  std::vector<Record> additionals;

  friend bool operator==(const Message&, const Message&) = default;
};

wire::Result<Message> decode_message(wire::Bytes payload);
wire::Result<std::vector<std::uint8_t>> encode_message(const Message& message);

// Lower-cases ASCII letters and drops one final '.', for comparing names (RFC 1035 §2.3.3).
std::string canonical_name(std::string_view name);

}  // namespace voicelab::dns
