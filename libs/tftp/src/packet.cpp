#include "voicelab/tftp/packet.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "voicelab/wire/error.hpp"

namespace voicelab::tftp {
namespace {

std::string_view as_text(wire::Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// Reads NUL-terminated strings off the rest of a datagram.
class StringReader {
 public:
  explicit StringReader(wire::Bytes data) : data_(data) {}
  [[nodiscard]] bool at_end() const { return pos_ == data_.size(); }
  // The next string without its NUL, or nullopt when no NUL follows.
  std::optional<std::string_view> next() {
    const auto rest = data_.subspan(pos_);
    if (rest.empty()) return std::nullopt;
    const auto* nul = static_cast<const std::uint8_t*>(std::memchr(rest.data(), 0, rest.size()));
    if (nul == nullptr) return std::nullopt;
    const auto length = static_cast<std::size_t>(nul - rest.data());
    pos_ += length + 1;
    return as_text(rest.first(length));
  }

 private:
  wire::Bytes data_;
  std::size_t pos_ = 0;
};

// A decimal number without sign, spaces or exponent, at most `max`.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (value > max) return std::nullopt;
  return value;
}

// Parses name/value pairs into known options and the others.
std::error_code parse_options(StringReader& reader, TransferOptions& known,
                              std::vector<Option>& others) {
  while (!reader.at_end()) {
    const auto name = reader.next();
    if (!name) return errc::unterminated_string;
    if (name->empty()) return errc::bad_option;
    if (reader.at_end()) return errc::bad_option;  // a name with no value
    const auto value = reader.next();
    if (!value) return errc::unterminated_string;

    const auto range = [&](std::uint64_t low, std::uint64_t high) -> std::optional<std::uint64_t> {
      auto v = parse_decimal(*value, high);
      if (!v || *v < low) return std::nullopt;
      return v;
    };
    if (iequals(*name, "blksize")) {
      const auto v = range(min_block_size, max_block_size);
      if (!v || known.blksize) return errc::bad_option_value;
      known.blksize = static_cast<std::uint16_t>(*v);
    } else if (iequals(*name, "timeout")) {
      const auto v = range(min_timeout_seconds, max_timeout_seconds);
      if (!v || known.timeout) return errc::bad_option_value;
      known.timeout = static_cast<std::uint8_t>(*v);
    } else if (iequals(*name, "tsize")) {
      const auto v = range(0, std::numeric_limits<std::uint64_t>::max());
      if (!v || known.tsize) return errc::bad_option_value;
      known.tsize = *v;
    } else if (iequals(*name, "windowsize")) {
      const auto v = range(min_window_size, max_window_size);
      if (!v || known.windowsize) return errc::bad_option_value;
      known.windowsize = static_cast<std::uint16_t>(*v);
    } else {
      others.push_back({std::string(*name), std::string(*value)});
    }
  }
  return {};
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

void put_string(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
  out.push_back(0);
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

std::error_code put_options(std::vector<std::uint8_t>& out, const TransferOptions& known,
                            const std::vector<Option>& others) {
  if (known.blksize) {
    put_string(out, "blksize");
    put_string(out, std::to_string(*known.blksize));
  }
  if (known.tsize) {
    put_string(out, "tsize");
    put_string(out, std::to_string(*known.tsize));
  }
  if (known.timeout) {
    put_string(out, "timeout");
    put_string(out, std::to_string(*known.timeout));
  }
  if (known.windowsize) {
    put_string(out, "windowsize");
    put_string(out, std::to_string(*known.windowsize));
  }
  for (const auto& option : others) {
    if (option.name.empty() || has_nul(option.name) || has_nul(option.value)) {
      return errc::bad_text;
    }
    put_string(out, option.name);
    put_string(out, option.value);
  }
  return {};
}

}  // namespace

std::optional<TransferMode> transfer_mode(std::string_view mode) noexcept {
  if (iequals(mode, "octet")) return TransferMode::octet;
  if (iequals(mode, "netascii")) return TransferMode::netascii;
  if (iequals(mode, "mail")) return TransferMode::mail;
  return std::nullopt;
}

wire::Result<Packet> decode_packet(wire::Bytes datagram) {
  wire::ByteReader reader{datagram};
  const std::uint16_t opcode = reader.u16();
  if (!reader.ok()) return wire::errc::truncated;

  switch (static_cast<Opcode>(opcode)) {
    case Opcode::rrq:
    case Opcode::wrq: {
      Request request;
      request.opcode = static_cast<Opcode>(opcode);
      StringReader strings{reader.rest()};
      const auto filename = strings.next();
      if (!filename) return errc::unterminated_string;
      if (filename->empty()) return errc::empty_filename;
      const auto mode = strings.next();
      if (!mode) return errc::unterminated_string;
      if (mode->empty()) return errc::empty_mode;
      request.filename = *filename;
      request.mode = *mode;
      if (auto ec = parse_options(strings, request.options, request.other_options)) return ec;
      return Packet{std::move(request)};
    }
    case Opcode::data: {
      Data data;
      data.block = reader.u16();
      if (!reader.ok()) return wire::errc::truncated;
      data.payload = reader.rest();
      if (data.payload.size() > max_block_size) return errc::data_too_long;
      return Packet{data};
    }
    case Opcode::ack: {
      Ack ack;
      ack.block = reader.u16();
      if (!reader.ok()) return wire::errc::truncated;
      if (reader.remaining() != 0) return errc::trailing_bytes;
      return Packet{ack};
    }
    case Opcode::error: {
      Error error;
      error.code = static_cast<ErrorCode>(reader.u16());
      if (!reader.ok()) return wire::errc::truncated;
      StringReader strings{reader.rest()};
      const auto message = strings.next();
      if (!message) return errc::unterminated_string;
      error.message = *message;
      // Bytes after the message's NUL are tolerated: some stacks pad ERROR packets.
      return Packet{std::move(error)};
    }
    case Opcode::oack: {
      OptionAck oack;
      StringReader strings{reader.rest()};
      if (auto ec = parse_options(strings, oack.options, oack.other_options)) return ec;
      return Packet{std::move(oack)};
    }
  }
  return errc::bad_opcode;
}

wire::Result<std::vector<std::uint8_t>> encode_packet(const Packet& packet) {
  std::vector<std::uint8_t> out;
  if (const auto* request = std::get_if<Request>(&packet)) {
    if (request->filename.empty() || request->mode.empty() || has_nul(request->filename) ||
        has_nul(request->mode)) {
      return errc::bad_text;
    }
    put_u16(out, static_cast<std::uint16_t>(request->opcode));
    put_string(out, request->filename);
    put_string(out, request->mode);
    if (auto ec = put_options(out, request->options, request->other_options)) return ec;
  } else if (const auto* data = std::get_if<Data>(&packet)) {
    if (data->payload.size() > max_block_size) return errc::data_too_long;
    out.reserve(4 + data->payload.size());
    put_u16(out, static_cast<std::uint16_t>(Opcode::data));
    put_u16(out, data->block);
    out.insert(out.end(), data->payload.begin(), data->payload.end());
  } else if (const auto* ack = std::get_if<Ack>(&packet)) {
    put_u16(out, static_cast<std::uint16_t>(Opcode::ack));
    put_u16(out, ack->block);
  } else if (const auto* error = std::get_if<Error>(&packet)) {
    if (has_nul(error->message)) return errc::bad_text;
    put_u16(out, static_cast<std::uint16_t>(Opcode::error));
    put_u16(out, static_cast<std::uint16_t>(error->code));
    put_string(out, error->message);
  } else if (const auto* oack = std::get_if<OptionAck>(&packet)) {
    put_u16(out, static_cast<std::uint16_t>(Opcode::oack));
    if (auto ec = put_options(out, oack->options, oack->other_options)) return ec;
  }
  return out;
}

std::vector<std::uint8_t> encode_data(std::uint16_t block, wire::Bytes payload) {
  if (payload.size() > max_block_size) payload = payload.first(max_block_size);
  std::vector<std::uint8_t> out;
  out.reserve(4 + payload.size());
  put_u16(out, static_cast<std::uint16_t>(Opcode::data));
  put_u16(out, block);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<std::uint8_t> encode_ack(std::uint16_t block) {
  std::vector<std::uint8_t> out;
  put_u16(out, static_cast<std::uint16_t>(Opcode::ack));
  put_u16(out, block);
  return out;
}

std::vector<std::uint8_t> encode_error(ErrorCode code, std::string_view message) {
  std::vector<std::uint8_t> out;
  put_u16(out, static_cast<std::uint16_t>(Opcode::error));
  put_u16(out, static_cast<std::uint16_t>(code));
  put_string(out, message.substr(0, message.find('\0')));
  return out;
}

std::string_view packet_name(const Packet& packet) noexcept {
  switch (packet.index()) {
    case 0:
      return std::get<Request>(packet).opcode == Opcode::wrq ? "WRQ" : "RRQ";
    case 1:
      return "DATA";
    case 2:
      return "ACK";
    case 3:
      return "ERROR";
    case 4:
      return "OACK";
  }
  return "?";
}

}  // namespace voicelab::tftp
