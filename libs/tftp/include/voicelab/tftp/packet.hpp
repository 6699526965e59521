#pragma once
// The TFTP packet codec: RRQ/WRQ with RFC 2347 options, DATA, ACK, ERROR and OACK.
//
//   RRQ/WRQ  | 1/2 | filename | 0 | mode | 0 | opt1 | 0 | value1 | 0 | ... (RFC 1350, RFC 2347)
//   DATA     | 3 | block | 0..blksize bytes |
//   ACK      | 4 | block |
//   ERROR    | 5 | code | message | 0 |
//   OACK     | 6 | opt1 | 0 | value1 | 0 | ...                        (RFC 2347)
//
// Opcodes, block numbers and error codes are 16-bit big-endian. Option names are
// case-insensitive (RFC 2347); the options this library knows are parsed and checked against
// their RFC ranges: blksize 8..65464 (RFC 2348), timeout 1..255 and tsize (RFC 2349),
// windowsize 1..65535 (RFC 7440). Options it does not know are kept aside, untouched, so a
// server can ignore them as RFC 2347 asks and a client can refuse them in an OACK.
//
// Decoding never throws on input from the wire (only std::bad_alloc can escape) and never reads
// past the buffer. DATA is decoded as a view into the input buffer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "voicelab/tftp/error.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::tftp {

enum class Opcode : std::uint16_t { rrq = 1, wrq = 2, data = 3, ack = 4, error = 5, oack = 6 };

inline constexpr std::uint16_t default_block_size = 512;  // RFC 1350
inline constexpr std::uint16_t min_block_size = 8;        // RFC 2348
inline constexpr std::uint16_t max_block_size = 65464;    // RFC 2348
inline constexpr std::uint8_t min_timeout_seconds = 1;    // RFC 2349
inline constexpr std::uint8_t max_timeout_seconds = 255;  // RFC 2349
inline constexpr std::uint16_t min_window_size = 1;       // RFC 7440
inline constexpr std::uint16_t max_window_size = 65535;   // RFC 7440

// An option as it appeared on the wire (name and value as sent, case preserved).
struct Option {
  std::string name;
  std::string value;
  friend bool operator==(const Option&, const Option&) = default;
};

// The options this library understands. Unset: not present.
struct TransferOptions {
  std::optional<std::uint16_t> blksize;     // 8..65464 octets per DATA block
  std::optional<std::uint8_t> timeout;      // 1..255 seconds before retransmitting
  std::optional<std::uint64_t> tsize;       // file size in octets (0 in a read request)
  std::optional<std::uint16_t> windowsize;  // 1..65535 blocks per window

  [[nodiscard]] bool empty() const { return !blksize && !timeout && !tsize && !windowsize; }
  friend bool operator==(const TransferOptions&, const TransferOptions&) = default;
};

// RRQ or WRQ.
struct Request {
  Opcode opcode = Opcode::rrq;  // rrq or wrq
  std::string filename;         // never empty when decoded; may hold any byte but NUL
  std::string mode = "octet";   // as sent; compare with transfer_mode()
  TransferOptions options;
  std::vector<Option> other_options;  // options this library does not know, in wire order

  friend bool operator==(const Request&, const Request&) = default;
};

struct Data {
  std::uint16_t block = 0;
  wire::Bytes payload;  // decoded: a view into the decoded buffer

  friend bool operator==(const Data& a, const Data& b) {
    return a.block == b.block &&
           std::string_view{reinterpret_cast<const char*>(a.payload.data()), a.payload.size()} ==
               std::string_view{reinterpret_cast<const char*>(b.payload.data()), b.payload.size()};
  }
};

struct Ack {
  std::uint16_t block = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};

struct Error {
  ErrorCode code = ErrorCode::undefined;
  std::string message;
  friend bool operator==(const Error&, const Error&) = default;
};

struct OptionAck {
  TransferOptions options;
  std::vector<Option> other_options;  // a client must refuse these (RFC 2347: error 8)
  friend bool operator==(const OptionAck&, const OptionAck&) = default;
};

using Packet = std::variant<Request, Data, Ack, Error, OptionAck>;

// The transfer modes of RFC 1350, matched case-insensitively. "mail" is obsolete (RFC 1350 §1).
enum class TransferMode { netascii, octet, mail };
std::optional<TransferMode> transfer_mode(std::string_view mode) noexcept;

// Decodes one TFTP datagram payload.
// Errors (what to do: count the datagram and drop it, or answer ERROR 4 / ERROR 8 to a request):
//   wire::errc::truncated   shorter than its opcode and fixed fields;
//   bad_opcode              opcode not 1..6;
//   unterminated_string     a string field runs to the end of the datagram without a NUL;
//   empty_filename, empty_mode;
//   bad_option              an empty option name, or a name with no value after it;
//   bad_option_value        a known option out of range, not decimal, or repeated;
//   trailing_bytes          an ACK longer than 4 bytes;
//   data_too_long           DATA with more than 65464 bytes.
wire::Result<Packet> decode_packet(wire::Bytes datagram);

// Encodes a packet. Known options are written first (blksize, tsize, timeout, windowsize), then
// other_options in order. Errors: bad_text (an empty filename or mode, a NUL inside a string),
// data_too_long (a DATA payload over 65464 bytes).
wire::Result<std::vector<std::uint8_t>> encode_packet(const Packet& packet);

// Shorthands for the packets engines send; they cannot fail on valid arguments (a payload over
// 65464 bytes or a message with a NUL is a programming error and is cut / truncated).
std::vector<std::uint8_t> encode_data(std::uint16_t block, wire::Bytes payload);
std::vector<std::uint8_t> encode_ack(std::uint16_t block);
std::vector<std::uint8_t> encode_error(ErrorCode code, std::string_view message);

// The name of a packet's opcode ("RRQ", "DATA", ...), for logs.
std::string_view packet_name(const Packet& packet) noexcept;

}  // namespace voicelab::tftp
