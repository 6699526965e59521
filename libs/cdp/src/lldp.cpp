#include "voicelab/cdp/lldp.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "voicelab/wire/error.hpp"

namespace voicelab::lldp {
namespace {

using wire::ByteReader;
using wire::ByteWriter;
using wire::errc::bad_length;
using wire::errc::bad_value;
using wire::errc::buffer_too_small;
using wire::errc::truncated;

constexpr std::size_t max_id = 255;
constexpr std::size_t max_management_address = 31;
constexpr std::size_t max_oid = 128;
constexpr std::size_t org_header = 4;  // OUI + subtype

std::vector<std::uint8_t> to_vector(Bytes value) { return {value.begin(), value.end()}; }
std::string to_string(Bytes value) {
  return {reinterpret_cast<const char*>(value.data()), value.size()};
}

// ---- decoding ----------------------------------------------------------------------------------

Result<Id> decode_id(Bytes value) {
  if (value.size() < 2 || value.size() > 1 + max_id) return bad_length;
  return Id{value[0], to_vector(value.subspan(1))};
}

Result<ManagementAddress> decode_management_address(Bytes value) {
  ByteReader r(value);
  ManagementAddress m;
  const std::uint8_t string_length = r.u8();  // subtype + address
  if (!r.ok() || string_length < 2 || string_length > 1 + max_management_address) {
    return bad_length;
  }
  m.address_subtype = r.u8();
  m.address = to_vector(r.take(string_length - 1U));
  m.interface_subtype = r.u8();
  m.interface_number = r.u32();
  const std::uint8_t oid_length = r.u8();
  if (oid_length > max_oid) return bad_length;
  m.oid = to_vector(r.take(oid_length));
  if (!r.ok() || r.remaining() != 0) return bad_length;
  return m;
}

// The three LLDP-MED TLVs this codec decodes; false if `value` is another organizationally
// specific TLV (kept raw by the caller).
Result<bool> decode_med(Bytes value, Pdu& pdu) {
  ByteReader r(value);
  const std::uint32_t oui = (std::uint32_t{r.u16()} << 8) | r.u8();
  const std::uint8_t subtype = r.u8();
  if (!r.ok()) return bad_length;
  if (oui != med::tia_oui) return false;
  switch (subtype) {
    case med::subtype::capabilities: {
      if (pdu.med_capabilities) return false;
      if (r.remaining() != 3) return bad_length;
      med::Capabilities c;
      c.capabilities = r.u16();
      c.device_type = r.u8();
      pdu.med_capabilities = c;
      return true;
    }
    case med::subtype::network_policy: {
      if (r.remaining() != 4) return bad_length;
      med::NetworkPolicy p;
      p.application = r.u8();
      const std::uint32_t bits = (std::uint32_t{r.u16()} << 8) | r.u8();
      p.unknown_policy = (bits & 0x800000U) != 0;
      p.tagged = (bits & 0x400000U) != 0;
      p.reserved = (bits & 0x200000U) != 0;
      p.vlan_id = static_cast<std::uint16_t>((bits >> 9) & 0x0fffU);
      p.l2_priority = static_cast<std::uint8_t>((bits >> 6) & 0x7U);
      p.dscp = static_cast<std::uint8_t>(bits & 0x3fU);
      pdu.network_policies.push_back(p);
      return true;
    }
    case med::subtype::extended_power: {
      if (pdu.extended_power) return false;
      if (r.remaining() != 3) return bad_length;
      const std::uint8_t b = r.u8();
      med::ExtendedPower p;
      p.power_type = static_cast<std::uint8_t>(b >> 6);
      p.power_source = static_cast<std::uint8_t>((b >> 4) & 0x3U);
      p.priority = static_cast<std::uint8_t>(b & 0x0fU);
      p.value_deciwatts = r.u16();
      pdu.extended_power = p;
      return true;
    }
    default:
      return false;
  }
}

// Stores a decoded optional value unless the field is already set (then the TLV is kept raw).
template <class T>
void set_once(std::optional<T>& field, T value, std::uint8_t type, Bytes raw, Pdu& pdu) {
  if (field) {
    pdu.unknown_tlvs.push_back(RawTlv{type, to_vector(raw)});
  } else {
    field = std::move(value);
  }
}

std::error_code decode_optional_tlv(std::uint8_t type, Bytes value, Pdu& pdu) {
  switch (type) {
    case tlv::port_description:
      set_once(pdu.port_description, to_string(value), type, value, pdu);
      return {};
    case tlv::system_name:
      set_once(pdu.system_name, to_string(value), type, value, pdu);
      return {};
    case tlv::system_description:
      set_once(pdu.system_description, to_string(value), type, value, pdu);
      return {};
    case tlv::system_capabilities: {
      if (value.size() != 4) return make_error_code(bad_length);
      ByteReader r(value);
      SystemCapabilities c;
      c.supported = r.u16();
      c.enabled = r.u16();
      set_once(pdu.system_capabilities, c, type, value, pdu);
      return {};
    }
    case tlv::management_address: {
      auto m = decode_management_address(value);
      if (!m) return m.error();
      pdu.management_addresses.push_back(std::move(m).value());
      return {};
    }
    case tlv::org_specific: {
      auto decoded = decode_med(value, pdu);
      if (!decoded) return decoded.error();
      if (!*decoded) pdu.unknown_tlvs.push_back(RawTlv{type, to_vector(value)});
      return {};
    }
    default:
      // Chassis ID, Port ID and TTL again, or a type without a field.
      pdu.unknown_tlvs.push_back(RawTlv{type, to_vector(value)});
      return {};
  }
}

// ---- encoding ----------------------------------------------------------------------------------

struct Emitter {
  std::size_t total = 0;
  std::error_code error;
  ByteWriter* writer = nullptr;  // null: only measure

  void fail(wire::errc e) {
    if (!error) error = make_error_code(e);
  }

  template <class WriteValue>
  void tlv(std::uint8_t type, std::size_t value_size, WriteValue&& write_value) {
    if (type > 127) return fail(bad_value);
    if (value_size > max_tlv_value) return fail(bad_length);
    total += tlv_header_size + value_size;
    if (writer == nullptr || error) return;
    writer->u16(static_cast<std::uint16_t>((unsigned{type} << 9) | value_size));
    write_value(*writer);
  }

  void id(std::uint8_t type, const Id& v) {
    if (v.value.empty() || v.value.size() > max_id) return fail(bad_length);
    tlv(type, 1 + v.value.size(), [&](ByteWriter& w) {
      w.u8(v.subtype);
      w.bytes(v.value);
    });
  }

  void text(std::uint8_t type, const std::optional<std::string>& s) {
    if (s) tlv(type, s->size(), [&](ByteWriter& w) { w.text(*s); });
  }

  void management_address(const ManagementAddress& m) {
    if (m.address.empty() || m.address.size() > max_management_address || m.oid.size() > max_oid) {
      return fail(bad_length);
    }
    tlv(tlv::management_address, 1 + 1 + m.address.size() + 1 + 4 + 1 + m.oid.size(),
        [&](ByteWriter& w) {
          w.u8(static_cast<std::uint8_t>(1 + m.address.size()));
          w.u8(m.address_subtype);
          w.bytes(m.address);
          w.u8(m.interface_subtype);
          w.u32(m.interface_number);
          w.u8(static_cast<std::uint8_t>(m.oid.size()));
          w.bytes(m.oid);
        });
  }

  template <class WriteData>
  void med_tlv(std::uint8_t subtype, std::size_t data_size, WriteData&& write_data) {
    tlv(tlv::org_specific, org_header + data_size, [&](ByteWriter& w) {
      w.u16(static_cast<std::uint16_t>(med::tia_oui >> 8));
      w.u8(static_cast<std::uint8_t>(med::tia_oui));
      w.u8(subtype);
      write_data(w);
    });
  }

  void network_policy(const med::NetworkPolicy& p) {
    if (p.vlan_id > 0x0fff || p.l2_priority > 7 || p.dscp > 63) return fail(bad_value);
    const std::uint32_t bits = (p.unknown_policy ? 0x800000U : 0U) | (p.tagged ? 0x400000U : 0U) |
                               (p.reserved ? 0x200000U : 0U) | (std::uint32_t{p.vlan_id} << 9) |
                               (std::uint32_t{p.l2_priority} << 6) | p.dscp;
    med_tlv(med::subtype::network_policy, 4, [&](ByteWriter& w) {
      w.u8(p.application);
      w.u16(static_cast<std::uint16_t>(bits >> 8));
      w.u8(static_cast<std::uint8_t>(bits));
    });
  }

  void extended_power(const med::ExtendedPower& p) {
    if (p.power_type > 3 || p.power_source > 3 || p.priority > 15) return fail(bad_value);
    med_tlv(med::subtype::extended_power, 3, [&](ByteWriter& w) {
      w.u8(static_cast<std::uint8_t>((p.power_type << 6) | (p.power_source << 4) | p.priority));
      w.u16(p.value_deciwatts);
    });
  }

  void all(const Pdu& pdu) {
    id(tlv::chassis_id, pdu.chassis_id);
    id(tlv::port_id, pdu.port_id);
    tlv(tlv::ttl, 2, [&](ByteWriter& w) { w.u16(pdu.ttl); });
    text(tlv::port_description, pdu.port_description);
    text(tlv::system_name, pdu.system_name);
    text(tlv::system_description, pdu.system_description);
    if (const auto& c = pdu.system_capabilities) {
      tlv(tlv::system_capabilities, 4, [&](ByteWriter& w) {
        w.u16(c->supported);
        w.u16(c->enabled);
      });
    }
    for (const auto& m : pdu.management_addresses) management_address(m);
    if (const auto& c = pdu.med_capabilities) {
      med_tlv(med::subtype::capabilities, 3, [&](ByteWriter& w) {
        w.u16(c->capabilities);
        w.u8(c->device_type);
      });
    }
    for (const auto& p : pdu.network_policies) network_policy(p);
    if (pdu.extended_power) extended_power(*pdu.extended_power);
    for (const auto& t : pdu.unknown_tlvs) {
      if (t.type == tlv::end) {
        fail(bad_value);
        continue;
      }
      tlv(t.type, t.value.size(), [&](ByteWriter& w) { w.bytes(t.value); });
    }
    tlv(tlv::end, 0, [](ByteWriter&) {});
  }
};

}  // namespace

// ---- value helpers
// -------------------------------------------------------------------------------

Id Id::mac(std::uint8_t subtype, wire::MacAddress mac) {
  return Id{subtype, {mac.octets().begin(), mac.octets().end()}};
}

Id Id::text(std::uint8_t subtype, std::string_view text) {
  return Id{subtype, {text.begin(), text.end()}};
}

std::optional<wire::MacAddress> Id::as_mac() const {
  if (value.size() != 6) return std::nullopt;
  std::array<std::uint8_t, 6> octets{};
  std::copy(value.begin(), value.end(), octets.begin());
  return wire::MacAddress{octets};
}

std::string Id::as_text() const { return {value.begin(), value.end()}; }

ManagementAddress ManagementAddress::ipv4(wire::Ipv4Address a, std::uint8_t interface_subtype,
                                          std::uint32_t interface_number) {
  ManagementAddress m;
  m.address_subtype = family_ipv4;
  m.address.resize(4);
  wire::store_be32(m.address.data(), a.to_u32());
  m.interface_subtype = interface_subtype;
  m.interface_number = interface_number;
  return m;
}

std::optional<wire::Ipv4Address> ManagementAddress::as_ipv4() const {
  if (address_subtype != family_ipv4 || address.size() != 4) return std::nullopt;
  return wire::Ipv4Address{wire::load_be32(address.data())};
}

const med::NetworkPolicy* Pdu::policy(std::uint8_t application) const {
  for (const auto& p : network_policies) {
    if (p.application == application) return &p;
  }
  return nullptr;
}

// ---- PDU
// -----------------------------------------------------------------------------------------

Result<Pdu> decode_pdu(Bytes bytes) {
  ByteReader r(bytes);
  Pdu pdu;
  for (std::size_t index = 0;; ++index) {
    if (r.remaining() == 0) {
      // Ended on a TLV boundary without an End TLV: accepted once the mandatory three are in.
      if (index < 3) return truncated;
      return pdu;
    }
    const std::uint16_t header = r.u16();
    if (!r.ok()) return truncated;
    const auto type = static_cast<std::uint8_t>(header >> 9);
    const std::size_t length = header & 0x01ffU;
    if (length > r.remaining()) return bad_length;
    const Bytes value = r.take(length);

    if (index < 3) {
      // 802.1AB: Chassis ID, Port ID, TTL, in this order, first.
      if (std::size_t{type} != index + 1) return cdp::errc::missing_tlv;
      if (type == tlv::ttl) {
        if (value.size() != 2) return bad_length;
        pdu.ttl = wire::load_be16(value.data());
      } else {
        auto id = decode_id(value);
        if (!id) return id.error();
        (type == tlv::chassis_id ? pdu.chassis_id : pdu.port_id) = std::move(id).value();
      }
      continue;
    }
    if (type == tlv::end) {
      if (length != 0) return bad_length;
      return pdu;  // anything after End is padding
    }
    if (auto ec = decode_optional_tlv(type, value, pdu)) return ec;
  }
}

Result<std::size_t> encoded_size(const Pdu& pdu) {
  Emitter e;
  e.all(pdu);
  if (e.error) return e.error;
  return e.total;
}

Result<std::size_t> encode_pdu(MutableBytes out, const Pdu& pdu) {
  auto size = encoded_size(pdu);
  if (!size) return size.error();
  if (out.size() < *size) return buffer_too_small;
  ByteWriter w(out.first(*size));
  Emitter e;
  e.writer = &w;
  e.all(pdu);
  if (e.error) return e.error;
  if (!w.ok() || w.size() != *size) return buffer_too_small;  // cannot happen: sized above
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
  if (*pdu_size > wire::ethernet_max_payload) return bad_length;
  wire::EthernetHeader eth;
  eth.dst = nearest_bridge_address;
  eth.src = src;
  eth.vlan = vlan;
  eth.type_or_length = wire::ethertype::lldp;
  const std::size_t total = std::max(eth.size() + *pdu_size, wire::ethernet_min_frame);
  if (out.size() < total) return buffer_too_small;
  auto header = wire::encode_ethernet_header(out, eth);
  if (!header) return header.error();
  auto body = encode_pdu(out.subspan(*header), pdu);
  if (!body) return body.error();
  const std::size_t at = *header + *body;
  if (at < total) std::memset(out.data() + at, 0, total - at);
  return total;
}

Result<std::vector<std::uint8_t>> encode_frame(const Pdu& pdu, wire::MacAddress src,
                                               std::optional<wire::VlanTag> vlan) {
  auto pdu_size = encoded_size(pdu);
  if (!pdu_size) return pdu_size.error();
  std::vector<std::uint8_t> out(
      std::max(wire::ethernet_header_size + (vlan ? wire::vlan_tag_size : 0) + *pdu_size,
               wire::ethernet_min_frame));
  auto size = encode_frame(MutableBytes{out}, pdu, src, vlan);
  if (!size) return size.error();
  out.resize(*size);
  return out;
}

Result<Frame> decode_frame(Bytes frame) {
  auto eth = wire::decode_ethernet(frame);
  if (!eth) return eth.error();
  if (eth->header.type_or_length != wire::ethertype::lldp) return cdp::errc::not_lldp;
  auto pdu = decode_pdu(eth->payload);
  if (!pdu) return pdu.error();
  return Frame{eth->header, std::move(pdu).value()};
}

}  // namespace voicelab::lldp
