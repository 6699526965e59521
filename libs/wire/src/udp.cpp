#include "voicelab/wire/udp.hpp"

#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/error.hpp"
#include "voicelab/wire/ipv4.hpp"

namespace voicelab::wire {
namespace {

// What fits in one IPv4 packet without options.
constexpr std::size_t max_payload = 0xffff - Ipv4Header::min_size - UdpHeader::size;
constexpr std::size_t checksum_offset = 6;

}  // namespace

Result<UdpDatagram> decode_udp(Bytes segment, Ipv4Address src, Ipv4Address dst,
                               bool verify_checksum) noexcept {
  ByteReader reader{segment};
  UdpDatagram datagram;
  datagram.header.src_port = reader.u16();
  datagram.header.dst_port = reader.u16();
  datagram.header.length = reader.u16();
  datagram.header.checksum = reader.u16();
  if (!reader.ok()) return errc::truncated;

  const std::size_t length = datagram.header.length;
  if (length < UdpHeader::size || length > segment.size()) return errc::bad_length;
  // A zero checksum means the sender computed none (RFC 768).
  if (verify_checksum && datagram.header.checksum != 0 &&
      transport_checksum(src, dst, ip_protocol::udp, segment.first(length)) != 0) {
    return errc::bad_checksum;
  }
  datagram.payload = segment.subspan(UdpHeader::size, length - UdpHeader::size);
  return datagram;
}

Result<std::size_t> encode_udp(MutableBytes out, Ipv4Address src, Ipv4Address dst,
                               std::uint16_t src_port, std::uint16_t dst_port,
                               Bytes payload) noexcept {
  if (payload.size() > max_payload) return errc::bad_length;
  const auto length = static_cast<std::uint16_t>(UdpHeader::size + payload.size());
  ByteWriter writer{out};
  writer.u16(src_port);
  writer.u16(dst_port);
  writer.u16(length);
  writer.u16(0);  // checksum, filled in below
  writer.bytes(payload);
  if (!writer.ok()) return errc::buffer_too_small;
  std::uint16_t checksum = transport_checksum(src, dst, ip_protocol::udp, writer.written());
  // 0 on the wire means "no checksum", so a computed 0 goes out as its other form (RFC 768).
  if (checksum == 0) checksum = 0xffff;
  store_be16(out.data() + checksum_offset, checksum);
  return writer.size();
}

}  // namespace voicelab::wire
