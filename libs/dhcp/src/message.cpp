#include "voicelab/dhcp/message.hpp"

#include <algorithm>
#include <cstring>

#include "voicelab/dhcp/error.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::dhcp {
namespace {

constexpr std::size_t sname_size = 64;
constexpr std::size_t file_size = 128;
constexpr std::size_t max_option_chunk = 255;

// Reads one option area (the options field, or an overloaded file/sname field) into `out`,
// concatenating repeated codes. The area must end with End; what follows End is padding.
std::error_code read_option_area(wire::Bytes area, Options& out) {
  wire::ByteReader reader(area);
  while (true) {
    if (reader.remaining() == 0) return errc::missing_end_option;
    const std::uint8_t code = reader.u8();
    if (code == option::pad) continue;
    if (code == option::end) return {};
    if (reader.remaining() == 0) return wire::errc::truncated;
    const std::size_t length = reader.u8();
    const wire::Bytes value = reader.take(length);
    if (!reader.ok()) return wire::errc::truncated;
    out.append(code, value);
  }
}

// A fixed-size text field: everything up to the first NUL.
std::string field_text(wire::Bytes field) {
  const auto* begin = field.data();
  const auto* end = std::find(begin, begin + field.size(), std::uint8_t{0});
  return {begin, end};
}

void write_field_text(wire::ByteWriter& writer, const std::string& text, std::size_t size) {
  writer.text(text);
  writer.zeros(size - text.size());
}

std::size_t encoded_option_size(const Option& option) {
  if (option.data.empty()) return 2;
  const std::size_t chunks = (option.data.size() + max_option_chunk - 1) / max_option_chunk;
  return option.data.size() + 2 * chunks;
}

void write_option(wire::ByteWriter& writer, const Option& option) {
  if (option.data.empty()) {
    writer.u8(option.code);
    writer.u8(0);
    return;
  }
  const wire::Bytes data(option.data);
  for (std::size_t offset = 0; offset < data.size(); offset += max_option_chunk) {
    const std::size_t length = std::min(max_option_chunk, data.size() - offset);
    writer.u8(option.code);
    writer.u8(static_cast<std::uint8_t>(length));
    writer.bytes(data.subspan(offset, length));
  }
}

// Encoding order: 53 first, then ascending code, 82 last.
int encoding_rank(std::uint8_t code) {
  if (code == option::message_type) return -1;
  if (code == option::relay_agent_info) return 256;
  return code;
}

}  // namespace

wire::MacAddress Message::client_mac() const {
  std::array<std::uint8_t, 6> octets{};
  std::copy_n(chaddr.begin(), octets.size(), octets.begin());
  return wire::MacAddress{octets};
}

void Message::set_client_mac(wire::MacAddress mac) {
  htype = 1;
  hlen = 6;
  chaddr.fill(0);
  std::copy(mac.octets().begin(), mac.octets().end(), chaddr.begin());
}

wire::Result<Message> decode_message(wire::Bytes payload) {
  if (payload.size() < min_message_size) return wire::errc::truncated;
  wire::ByteReader reader(payload);
  Message message;
  message.op = static_cast<BootOp>(reader.u8());
  message.htype = reader.u8();
  message.hlen = reader.u8();
  message.hops = reader.u8();
  message.xid = reader.u32();
  message.secs = reader.u16();
  message.flags = reader.u16();
  message.ciaddr = wire::Ipv4Address{reader.u32()};
  message.yiaddr = wire::Ipv4Address{reader.u32()};
  message.siaddr = wire::Ipv4Address{reader.u32()};
  message.giaddr = wire::Ipv4Address{reader.u32()};
  const wire::Bytes chaddr = reader.take(message.chaddr.size());
  std::copy(chaddr.begin(), chaddr.end(), message.chaddr.begin());
  const wire::Bytes sname = reader.take(sname_size);
  const wire::Bytes file = reader.take(file_size);
  const std::uint32_t cookie = reader.u32();
  if (!reader.ok()) return wire::errc::truncated;  // unreachable after the size check
  if (message.hlen > message.chaddr.size()) return errc::bad_hardware_length;
  if (cookie != magic_cookie) return errc::bad_magic_cookie;

  Options options;
  if (auto ec = read_option_area(reader.rest(), options)) return ec;

  std::uint8_t overload = 0;
  if (const auto* value = options.find(option::overload)) {
    if (auto ec = validate_option(option::overload, *value)) return ec;
    overload = (*value)[0];
  }
  // RFC 2131 §4.1: 'file' is interpreted before 'sname'.
  if ((overload & 1) != 0) {
    if (auto ec = read_option_area(file, options)) return ec;
  }
  if ((overload & 2) != 0) {
    if (auto ec = read_option_area(sname, options)) return ec;
  }
  // Validated after concatenation: a 52 repeated inside file/sname fails here too.
  for (const auto& entry : options.entries()) {
    if (auto ec = validate_option(entry.code, entry.data)) return ec;
  }
  options.erase(option::overload);

  message.sname = (overload & 2) != 0 ? std::string{} : field_text(sname);
  message.file = (overload & 1) != 0 ? std::string{} : field_text(file);
  message.options = std::move(options);
  return message;
}

wire::Result<std::vector<std::uint8_t>> encode_message(const Message& message) {
  if (message.hlen > message.chaddr.size()) return errc::bad_hardware_length;
  if (message.sname.size() > sname_size || message.file.size() > file_size) {
    return errc::field_too_long;
  }

  std::vector<const Option*> order;
  order.reserve(message.options.size());
  std::size_t options_size = 1;  // End
  for (const auto& entry : message.options.entries()) {
    order.push_back(&entry);
    options_size += encoded_option_size(entry);
  }
  std::stable_sort(order.begin(), order.end(), [](const Option* a, const Option* b) {
    return encoding_rank(a->code) < encoding_rank(b->code);
  });

  std::vector<std::uint8_t> out(std::max(min_message_size + options_size, bootp_message_size));
  wire::ByteWriter writer(out);
  writer.u8(static_cast<std::uint8_t>(message.op));
  writer.u8(message.htype);
  writer.u8(message.hlen);
  writer.u8(message.hops);
  writer.u32(message.xid);
  writer.u16(message.secs);
  writer.u16(message.flags);
  writer.u32(message.ciaddr.to_u32());
  writer.u32(message.yiaddr.to_u32());
  writer.u32(message.siaddr.to_u32());
  writer.u32(message.giaddr.to_u32());
  writer.bytes(message.chaddr);
  write_field_text(writer, message.sname, sname_size);
  write_field_text(writer, message.file, file_size);
  writer.u32(magic_cookie);
  for (const Option* entry : order) write_option(writer, *entry);
  writer.u8(option::end);
  // The vector was zero-initialised: the rest is already padding.
  if (!writer.ok()) return wire::errc::buffer_too_small;  // unreachable: sized above
  return out;
}

}  // namespace voicelab::dhcp
