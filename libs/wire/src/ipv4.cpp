#include "voicelab/wire/ipv4.hpp"

#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::wire {
namespace {

constexpr std::uint8_t ip_version = 4;
constexpr std::uint16_t flag_dont_fragment = 0x4000;
constexpr std::uint16_t flag_more_fragments = 0x2000;
constexpr std::uint16_t fragment_offset_mask = 0x1fff;
constexpr std::size_t max_total_length = 0xffff;
constexpr std::size_t checksum_offset = 10;

}  // namespace

Result<Ipv4Packet> decode_ipv4(Bytes data, bool verify_checksum) noexcept {
  ByteReader reader{data};
  const std::uint8_t version_and_ihl = reader.u8();
  const std::uint8_t tos = reader.u8();
  const std::uint16_t total_length = reader.u16();
  Ipv4Packet packet;
  Ipv4Header& header = packet.header;
  header.identification = reader.u16();
  const std::uint16_t flags_and_offset = reader.u16();
  header.ttl = reader.u8();
  header.protocol = reader.u8();
  reader.skip(2);  // checksum, verified over the raw header below
  header.src = Ipv4Address{reader.u32()};
  header.dst = Ipv4Address{reader.u32()};
  if (!reader.ok()) return errc::truncated;

  if ((version_and_ihl >> 4) != ip_version) return errc::bad_version;
  const std::size_t header_length = (std::size_t{version_and_ihl} & 0x0f) * 4;
  if (header_length < Ipv4Header::min_size) return errc::bad_length;
  if (total_length < header_length || total_length > data.size()) return errc::bad_length;

  const Bytes raw_header = data.first(header_length);
  if (verify_checksum && internet_checksum(raw_header) != 0) return errc::bad_checksum;

  header.dscp = static_cast<std::uint8_t>(tos >> 2);
  header.ecn = static_cast<std::uint8_t>(tos & 0x03);
  header.dont_fragment = (flags_and_offset & flag_dont_fragment) != 0;
  header.more_fragments = (flags_and_offset & flag_more_fragments) != 0;
  header.fragment_offset = static_cast<std::uint16_t>(flags_and_offset & fragment_offset_mask);
  header.options = raw_header.subspan(Ipv4Header::min_size);
  packet.payload = data.subspan(header_length, total_length - header_length);
  return packet;
}

Result<std::size_t> encode_ipv4_header(MutableBytes out, const Ipv4Header& header,
                                       std::size_t payload_length) noexcept {
  if (payload_length > max_total_length - Ipv4Header::min_size) return errc::bad_length;
  ByteWriter writer{out};
  writer.u8(ip_version << 4 | Ipv4Header::min_size / 4);
  writer.u8(static_cast<std::uint8_t>((header.dscp & 0x3f) << 2 | (header.ecn & 0x03)));
  writer.u16(static_cast<std::uint16_t>(Ipv4Header::min_size + payload_length));
  writer.u16(header.identification);
  writer.u16(static_cast<std::uint16_t>((header.dont_fragment ? flag_dont_fragment : 0) |
                                        (header.more_fragments ? flag_more_fragments : 0) |
                                        (header.fragment_offset & fragment_offset_mask)));
  writer.u8(header.ttl);
  writer.u8(header.protocol);
  writer.u16(0);  // checksum, filled in below
  writer.u32(header.src.to_u32());
  writer.u32(header.dst.to_u32());
  if (!writer.ok()) return errc::buffer_too_small;
  store_be16(out.data() + checksum_offset, internet_checksum(writer.written()));
  return writer.size();
}

}  // namespace voicelab::wire
