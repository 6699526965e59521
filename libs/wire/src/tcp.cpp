#include "voicelab/wire/tcp.hpp"

#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/error.hpp"
#include "voicelab/wire/ipv4.hpp"

namespace voicelab::wire {
namespace {

namespace option_kind {
constexpr std::uint8_t end_of_list = 0;
constexpr std::uint8_t no_operation = 1;
constexpr std::uint8_t mss = 2;
}  // namespace option_kind

constexpr std::uint8_t mss_option_length = 4;
constexpr std::size_t checksum_offset = 16;
// What fits in one IPv4 packet without options (the pseudo-header length is 16 bits too).
constexpr std::size_t max_segment = 0xffff - Ipv4Header::min_size;

// Walks the options area; only MSS is kept.
Result<std::optional<std::uint16_t>> decode_options(Bytes options) noexcept {
  ByteReader reader{options};
  std::optional<std::uint16_t> mss;
  while (reader.remaining() > 0) {
    const std::uint8_t kind = reader.u8();
    if (kind == option_kind::end_of_list) break;
    if (kind == option_kind::no_operation) continue;
    const std::uint8_t length = reader.u8();
    if (!reader.ok() || length < 2 || length - 2U > reader.remaining()) return errc::bad_length;
    if (kind == option_kind::mss) {
      if (length != mss_option_length) return errc::bad_length;
      mss = reader.u16();
    } else {
      reader.skip(length - 2U);
    }
  }
  return mss;
}

}  // namespace

Result<TcpSegment> decode_tcp(Bytes segment, Ipv4Address src, Ipv4Address dst,
                              bool verify_checksum) noexcept {
  ByteReader reader{segment};
  TcpSegment decoded;
  TcpHeader& header = decoded.header;
  header.src_port = reader.u16();
  header.dst_port = reader.u16();
  header.seq = reader.u32();
  header.ack = reader.u32();
  const std::uint8_t data_offset_byte = reader.u8();
  header.flags = reader.u8();
  header.window = reader.u16();
  reader.skip(2);  // checksum, verified over the whole segment below
  header.urgent = reader.u16();
  if (!reader.ok()) return errc::truncated;

  const std::size_t header_length = (std::size_t{data_offset_byte} >> 4) * 4;
  if (header_length < TcpHeader::min_size || header_length > segment.size()) {
    return errc::bad_length;
  }
  auto mss =
      decode_options(segment.subspan(TcpHeader::min_size, header_length - TcpHeader::min_size));
  if (!mss) return mss.error();
  header.mss = *mss;

  if (verify_checksum && transport_checksum(src, dst, ip_protocol::tcp, segment) != 0) {
    return errc::bad_checksum;
  }
  decoded.payload = segment.subspan(header_length);
  return decoded;
}

Result<std::size_t> encode_tcp(MutableBytes out, Ipv4Address src, Ipv4Address dst,
                               const TcpHeader& header, Bytes payload) noexcept {
  const std::size_t header_length = header.size();
  if (payload.size() > max_segment - header_length) return errc::bad_length;
  ByteWriter writer{out};
  writer.u16(header.src_port);
  writer.u16(header.dst_port);
  writer.u32(header.seq);
  writer.u32(header.ack);
  writer.u8(static_cast<std::uint8_t>(header_length / 4 << 4));
  writer.u8(header.flags);
  writer.u16(header.window);
  writer.u16(0);  // checksum, filled in below
  writer.u16(header.urgent);
  if (header.mss) {
    writer.u8(option_kind::mss);
    writer.u8(mss_option_length);
    writer.u16(*header.mss);
  }
  writer.bytes(payload);
  if (!writer.ok()) return errc::buffer_too_small;
  store_be16(out.data() + checksum_offset,
             transport_checksum(src, dst, ip_protocol::tcp, writer.written()));
  return writer.size();
}

}  // namespace voicelab::wire
