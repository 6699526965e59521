#include "voicelab/cdp/cdp.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::cdp {
namespace {

using wire::ByteReader;
using wire::ByteWriter;
using wire::errc::bad_checksum;
using wire::errc::bad_length;
using wire::errc::bad_version;
using wire::errc::buffer_too_small;
using wire::errc::truncated;

// Smallest Addresses entry: protocol type, protocol length 0, address length 0.
constexpr std::size_t min_address_entry = 1 + 1 + 2;

std::string to_string(Bytes value) {
  return {reinterpret_cast<const char*>(value.data()), value.size()};
}

std::vector<std::uint8_t> to_vector(Bytes value) { return {value.begin(), value.end()}; }

// ---- decoding ----------------------------------------------------------------------------------

// Reads the count + entries of an Addresses / Management Addresses value. The count is checked
// against the value size before anything is reserved.
Result<std::vector<Address>> decode_addresses(Bytes value) {
  ByteReader r(value);
  const std::uint32_t count = r.u32();
  if (!r.ok()) return bad_length;
  if (count > r.remaining() / min_address_entry) return bad_length;
  std::vector<Address> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Address a;
    a.protocol_type = r.u8();
    const std::uint8_t protocol_length = r.u8();
    a.protocol = to_vector(r.take(protocol_length));
    const std::uint16_t address_length = r.u16();
    a.address = to_vector(r.take(address_length));
    if (!r.ok()) return bad_length;
    out.push_back(std::move(a));
  }
  if (r.remaining() != 0) return bad_length;
  return out;
}

Result<VoipVlan> decode_voip_vlan(Bytes value) {
  ByteReader r(value);
  VoipVlan v;
  v.data = r.u8();
  if (!r.ok()) return bad_length;
  if (r.remaining() >= 2) v.vlan = r.u16();
  v.trailing = to_vector(r.rest());
  return v;
}

Result<PowerRequested> decode_power_requested(Bytes value) {
  if (value.size() < 4 || value.size() % 4 != 0) return bad_length;
  ByteReader r(value);
  PowerRequested p;
  p.request_id = r.u16();
  p.management_id = r.u16();
  p.power_mw.reserve(r.remaining() / 4);
  while (r.remaining() != 0) p.power_mw.push_back(r.u32());
  return p;
}

Result<PowerAvailable> decode_power_available(Bytes value) {
  if (value.size() != 8 && value.size() != 12) return bad_length;
  ByteReader r(value);
  PowerAvailable p;
  p.request_id = r.u16();
  p.management_id = r.u16();
  p.available_mw = r.u32();
  if (r.remaining() != 0) {
    p.management_power_level = r.u32();
  } else {
    p.management_power_level.reset();
  }
  return p;
}

// Decodes a fixed-size big-endian integer value; its size must be exactly sizeof(T).
template <class T>
Result<T> decode_uint(Bytes value) {
  if (value.size() != sizeof(T)) return bad_length;
  ByteReader r(value);
  if constexpr (sizeof(T) == 1) {
    return r.u8();
  } else if constexpr (sizeof(T) == 2) {
    return r.u16();
  } else {
    return r.u32();
  }
}

// Stores a decoded value in `field` if the field is still empty, else keeps the TLV raw.
// Returns the error of `decoded`, if any.
template <class T, class U>
std::error_code assign(std::optional<T>& field, Result<U> decoded, std::uint16_t type, Bytes value,
                       Pdu& pdu) {
  if (!decoded) return decoded.error();
  if (field) {
    pdu.unknown_tlvs.push_back(RawTlv{type, to_vector(value)});
  } else {
    field = std::move(decoded).value();
  }
  return {};
}

std::error_code decode_tlv(std::uint16_t type, Bytes value, Pdu& pdu) {
  switch (type) {
    case tlv::device_id:
      return assign(pdu.device_id, Result<std::string>(to_string(value)), type, value, pdu);
    case tlv::addresses:
      return assign(pdu.addresses, decode_addresses(value), type, value, pdu);
    case tlv::port_id:
      return assign(pdu.port_id, Result<std::string>(to_string(value)), type, value, pdu);
    case tlv::capabilities:
      return assign(pdu.capabilities, decode_uint<std::uint32_t>(value), type, value, pdu);
    case tlv::software_version:
      return assign(pdu.software_version, Result<std::string>(to_string(value)), type, value, pdu);
    case tlv::platform:
      return assign(pdu.platform, Result<std::string>(to_string(value)), type, value, pdu);
    case tlv::vtp_management_domain:
      return assign(pdu.vtp_management_domain, Result<std::string>(to_string(value)), type, value,
                    pdu);
    case tlv::native_vlan:
      return assign(pdu.native_vlan, decode_uint<std::uint16_t>(value), type, value, pdu);
    case tlv::duplex:
      return assign(pdu.duplex, decode_uint<std::uint8_t>(value), type, value, pdu);
    case tlv::voip_vlan_reply:
      return assign(pdu.voip_vlan_reply, decode_voip_vlan(value), type, value, pdu);
    case tlv::voip_vlan_query:
      return assign(pdu.voip_vlan_query, decode_voip_vlan(value), type, value, pdu);
    case tlv::power_consumption:
      return assign(pdu.power_consumption_mw, decode_uint<std::uint16_t>(value), type, value, pdu);
    case tlv::mtu:
      return assign(pdu.mtu, decode_uint<std::uint32_t>(value), type, value, pdu);
    case tlv::trust_bitmap:
      return assign(pdu.trust_bitmap, decode_uint<std::uint8_t>(value), type, value, pdu);
    case tlv::untrusted_port_cos:
      return assign(pdu.untrusted_port_cos, decode_uint<std::uint8_t>(value), type, value, pdu);
    case tlv::system_name:
      return assign(pdu.system_name, Result<std::string>(to_string(value)), type, value, pdu);
    case tlv::management_addresses:
      return assign(pdu.management_addresses, decode_addresses(value), type, value, pdu);
    case tlv::power_requested:
      return assign(pdu.power_requested, decode_power_requested(value), type, value, pdu);
    case tlv::power_available:
      return assign(pdu.power_available, decode_power_available(value), type, value, pdu);
    default:
      pdu.unknown_tlvs.push_back(RawTlv{type, to_vector(value)});
      return {};
  }
}

// ---- encoding ----------------------------------------------------------------------------------

// One TLV to emit: its type, the size of its value, and how to write the value.
struct Emitter {
  std::size_t total = header_size;
  bool too_long = false;
  ByteWriter* writer = nullptr;  // null: only measure

  template <class WriteValue>
  void tlv(std::uint16_t type, std::size_t value_size, WriteValue&& write_value) {
    if (value_size > max_tlv_value) {
      too_long = true;
      return;
    }
    total += tlv_header_size + value_size;
    if (writer == nullptr) return;
    writer->u16(type);
    writer->u16(static_cast<std::uint16_t>(value_size + tlv_header_size));
    write_value(*writer);
  }

  void text(std::uint16_t type, const std::optional<std::string>& s) {
    if (s) tlv(type, s->size(), [&](ByteWriter& w) { w.text(*s); });
  }
  void raw(std::uint16_t type, const std::vector<std::uint8_t>& v) {
    tlv(type, v.size(), [&](ByteWriter& w) { w.bytes(v); });
  }
  void u8(std::uint16_t type, const std::optional<std::uint8_t>& v) {
    if (v) tlv(type, 1, [&](ByteWriter& w) { w.u8(*v); });
  }
  void u16(std::uint16_t type, const std::optional<std::uint16_t>& v) {
    if (v) tlv(type, 2, [&](ByteWriter& w) { w.u16(*v); });
  }
  void u32(std::uint16_t type, const std::optional<std::uint32_t>& v) {
    if (v) tlv(type, 4, [&](ByteWriter& w) { w.u32(*v); });
  }

  void addresses(std::uint16_t type, const std::optional<std::vector<Address>>& list) {
    if (!list) return;
    std::size_t size = 4;
    for (const auto& a : *list) {
      if (a.protocol.size() > 0xff || a.address.size() > 0xffff) {
        too_long = true;
        return;
      }
      size += 1 + 1 + a.protocol.size() + 2 + a.address.size();
    }
    if (list->size() > std::numeric_limits<std::uint32_t>::max()) {
      too_long = true;
      return;
    }
    tlv(type, size, [&](ByteWriter& w) {
      w.u32(static_cast<std::uint32_t>(list->size()));
      for (const auto& a : *list) {
        w.u8(a.protocol_type);
        w.u8(static_cast<std::uint8_t>(a.protocol.size()));
        w.bytes(a.protocol);
        w.u16(static_cast<std::uint16_t>(a.address.size()));
        w.bytes(a.address);
      }
    });
  }

  void voip_vlan(std::uint16_t type, const std::optional<VoipVlan>& v) {
    if (!v) return;
    const std::size_t size = 1 + (v->vlan ? 2 : 0) + v->trailing.size();
    tlv(type, size, [&](ByteWriter& w) {
      w.u8(v->data);
      if (v->vlan) w.u16(*v->vlan);
      w.bytes(v->trailing);
    });
  }

  void power_requested(const std::optional<PowerRequested>& p) {
    if (!p) return;
    if (p->power_mw.size() > max_tlv_value / 4) {
      too_long = true;
      return;
    }
    tlv(tlv::power_requested, 4 + 4 * p->power_mw.size(), [&](ByteWriter& w) {
      w.u16(p->request_id);
      w.u16(p->management_id);
      for (auto mw : p->power_mw) w.u32(mw);
    });
  }

  void power_available(const std::optional<PowerAvailable>& p) {
    if (!p) return;
    tlv(tlv::power_available, p->management_power_level ? 12 : 8, [&](ByteWriter& w) {
      w.u16(p->request_id);
      w.u16(p->management_id);
      w.u32(p->available_mw);
      if (p->management_power_level) w.u32(*p->management_power_level);
    });
  }

  // Every TLV of `pdu`, in the documented order: type code ascending, then the unknown ones.
  void all(const Pdu& pdu) {
    text(tlv::device_id, pdu.device_id);
    addresses(tlv::addresses, pdu.addresses);
    text(tlv::port_id, pdu.port_id);
    u32(tlv::capabilities, pdu.capabilities);
    text(tlv::software_version, pdu.software_version);
    text(tlv::platform, pdu.platform);
    text(tlv::vtp_management_domain, pdu.vtp_management_domain);
    u16(tlv::native_vlan, pdu.native_vlan);
    u8(tlv::duplex, pdu.duplex);
    voip_vlan(tlv::voip_vlan_reply, pdu.voip_vlan_reply);
    voip_vlan(tlv::voip_vlan_query, pdu.voip_vlan_query);
    u16(tlv::power_consumption, pdu.power_consumption_mw);
    u32(tlv::mtu, pdu.mtu);
    u8(tlv::trust_bitmap, pdu.trust_bitmap);
    u8(tlv::untrusted_port_cos, pdu.untrusted_port_cos);
    text(tlv::system_name, pdu.system_name);
    addresses(tlv::management_addresses, pdu.management_addresses);
    power_requested(pdu.power_requested);
    power_available(pdu.power_available);
    for (const auto& t : pdu.unknown_tlvs) raw(t.type, t.value);
  }
};

}  // namespace

// ---- Address
// -------------------------------------------------------------------------------------

Address Address::ipv4(wire::Ipv4Address a) {
  Address out;
  out.address.resize(4);
  wire::store_be32(out.address.data(), a.to_u32());
  return out;
}

std::optional<wire::Ipv4Address> Address::as_ipv4() const {
  if (protocol_type != nlpid || protocol.size() != 1 || protocol[0] != nlpid_ipv4 ||
      address.size() != 4) {
    return std::nullopt;
  }
  return wire::Ipv4Address{wire::load_be32(address.data())};
}

// ---- checksum
// ------------------------------------------------------------------------------------

std::uint16_t checksum(Bytes pdu) noexcept {
  wire::InternetChecksum sum;
  const std::size_t even = pdu.size() & ~std::size_t{1};
  sum.add(pdu.first(even));
  if (even != pdu.size()) {
    // Odd length: the last byte B is the low byte of the last word; when B >= 0x80 both bytes
    // of that word are decremented (0x00BB -> 0xFF(BB-1)). packet-cdp.c, PROTOCOL-NOTES.md.
    const std::uint8_t last = pdu[even];
    const auto word = static_cast<std::uint16_t>(
        (last & 0x80) != 0 ? 0xff00U | static_cast<unsigned>(last - 1U) : last);
    sum.add_u16(word);
  }
  return sum.finish();
}

// ---- PDU
// -----------------------------------------------------------------------------------------

Result<Pdu> decode_pdu(Bytes bytes, const DecodeOptions& options) {
  ByteReader r(bytes);
  Pdu pdu;
  pdu.version = r.u8();
  pdu.ttl = r.u8();
  (void)r.u16();  // checksum
  if (!r.ok()) return truncated;
  if (pdu.version != 1 && pdu.version != 2) return bad_version;
  if (options.verify_checksum && !checksum_ok(bytes)) return bad_checksum;

  while (r.remaining() != 0) {
    const std::uint16_t type = r.u16();
    const std::uint16_t length = r.u16();
    if (!r.ok()) return truncated;
    if (length < tlv_header_size) return bad_length;
    const std::size_t value_size = length - tlv_header_size;
    if (value_size > r.remaining()) return bad_length;
    if (auto ec = decode_tlv(type, r.take(value_size), pdu)) return ec;
  }
  return pdu;
}

Result<std::size_t> encoded_size(const Pdu& pdu) {
  Emitter e;
  e.all(pdu);
  if (e.too_long) return bad_length;
  return e.total;
}

Result<std::size_t> encode_pdu(MutableBytes out, const Pdu& pdu) {
  auto size = encoded_size(pdu);
  if (!size) return size.error();
  if (out.size() < *size) return buffer_too_small;

  ByteWriter w(out.first(*size));
  w.u8(pdu.version);
  w.u8(pdu.ttl);
  w.u16(0);  // checksum, patched below
  Emitter e;
  e.writer = &w;
  e.all(pdu);
  if (!w.ok() || w.size() != *size) return buffer_too_small;  // cannot happen: sized above

  const std::uint16_t sum = checksum(Bytes{out.data(), *size});
  wire::store_be16(out.data() + 2, sum);
  return *size;
}

Result<std::vector<std::uint8_t>> encode_pdu(const Pdu& pdu) {
  auto size = encoded_size(pdu);
  if (!size) return size.error();
  std::vector<std::uint8_t> out(*size);
  auto written = encode_pdu(MutableBytes{out}, pdu);
  if (!written) return written.error();
  return out;
}

// ---- frames
// --------------------------------------------------------------------------------------

Result<std::size_t> encode_frame(MutableBytes out, const Pdu& pdu, wire::MacAddress src,
                                 std::optional<wire::VlanTag> vlan) {
  auto pdu_size = encoded_size(pdu);
  if (!pdu_size) return pdu_size.error();
  if (*pdu_size > max_pdu_in_frame) return bad_length;

  wire::EthernetHeader eth;
  eth.dst = multicast_address;
  eth.src = src;
  eth.vlan = vlan;
  eth.type_or_length = static_cast<std::uint16_t>(wire::LlcSnapHeader::size + *pdu_size);
  const std::size_t unpadded = eth.size() + wire::LlcSnapHeader::size + *pdu_size;
  const std::size_t total = std::max(unpadded, wire::ethernet_min_frame);
  if (out.size() < total) return buffer_too_small;

  auto header = wire::encode_ethernet_header(out, eth);
  if (!header) return header.error();
  std::size_t at = *header;
  wire::LlcSnapHeader llc;
  llc.oui = snap_oui;
  llc.protocol_id = snap_protocol_id;
  auto llc_size = wire::encode_llc_snap(out.subspan(at), llc);
  if (!llc_size) return llc_size.error();
  at += *llc_size;
  auto body = encode_pdu(out.subspan(at), pdu);
  if (!body) return body.error();
  at += *body;
  // Zero padding up to the 60-byte minimum (the 802.3 length excludes it).
  if (at < total) std::memset(out.data() + at, 0, total - at);
  return total;
}

Result<std::vector<std::uint8_t>> encode_frame(const Pdu& pdu, wire::MacAddress src,
                                               std::optional<wire::VlanTag> vlan) {
  auto pdu_size = encoded_size(pdu);
  if (!pdu_size) return pdu_size.error();
  std::vector<std::uint8_t> out(std::max(wire::ethernet_header_size +
                                             (vlan ? wire::vlan_tag_size : 0) +
                                             wire::LlcSnapHeader::size + *pdu_size,
                                         wire::ethernet_min_frame));
  auto size = encode_frame(MutableBytes{out}, pdu, src, vlan);
  if (!size) return size.error();
  out.resize(*size);
  return out;
}

Result<Frame> decode_frame(Bytes frame, const DecodeOptions& options) {
  auto eth = wire::decode_ethernet(frame);
  if (!eth) return eth.error();
  if (!eth->header.is_8023_length()) return errc::not_cdp;
  auto llc = wire::decode_llc_snap(eth->payload);
  if (!llc) {
    if (llc.error() == wire::errc::unsupported) return errc::not_cdp;
    return llc.error();
  }
  if (llc->header.oui != snap_oui || llc->header.protocol_id != snap_protocol_id) {
    return errc::not_cdp;
  }
  auto pdu = decode_pdu(llc->payload, options);
  if (!pdu) return pdu.error();
  return Frame{eth->header, std::move(pdu).value()};
}

}  // namespace voicelab::cdp
