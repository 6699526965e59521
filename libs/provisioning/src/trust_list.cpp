#include "voicelab/provisioning/trust_list.hpp"

#include <algorithm>
#include <string>

#include "digest.hpp"
#include "voicelab/provisioning/error.hpp"

namespace voicelab::provisioning {
namespace {

// Header tags.
constexpr std::uint8_t tag_version = 1;
constexpr std::uint8_t tag_header_length = 2;
constexpr std::uint8_t tag_signer_id = 3;
constexpr std::uint8_t tag_signer_name = 4;
constexpr std::uint8_t tag_serial_number = 5;
constexpr std::uint8_t tag_ca_name = 6;
constexpr std::uint8_t tag_signature_info = 7;
constexpr std::uint8_t tag_digest_algorithm = 8;
constexpr std::uint8_t tag_signature_algorithm_info = 9;
constexpr std::uint8_t tag_signature_algorithm = 10;
constexpr std::uint8_t tag_signature_modulus = 11;
constexpr std::uint8_t tag_signature = 12;
constexpr std::uint8_t tag_padding = 13;
constexpr std::uint8_t tag_filename = 14;
constexpr std::uint8_t tag_timestamp = 15;
constexpr std::uint8_t tag_signer_version = 28;

// Record tags.
constexpr std::uint8_t rec_length = 1;
constexpr std::uint8_t rec_dns_name = 2;
constexpr std::uint8_t rec_subject_name = 3;
constexpr std::uint8_t rec_function = 4;
constexpr std::uint8_t rec_issuer_name = 5;
constexpr std::uint8_t rec_serial_number = 6;
constexpr std::uint8_t rec_public_key = 7;
constexpr std::uint8_t rec_signature = 8;
constexpr std::uint8_t rec_certificate = 9;
constexpr std::uint8_t rec_ip_address = 10;

constexpr std::size_t signature_size = 256;  // a 2048-bit RSA key's
constexpr std::uint8_t signature_modulus_code = 2;

using Buffer = std::vector<std::uint8_t>;

void put_u16(Buffer& out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_field(Buffer& out, std::uint8_t tag, wire::Bytes value) {
  out.push_back(tag);
  put_u16(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

void put_string(Buffer& out, std::uint8_t tag, std::string_view text) {
  out.push_back(tag);
  put_u16(out, text.size() + 1);
  out.insert(out.end(), text.begin(), text.end());
  out.push_back(0);
}

void put_u8_field(Buffer& out, std::uint8_t tag, std::uint8_t value) {
  out.push_back(tag);
  put_u16(out, 1);
  out.push_back(value);
}

std::vector<std::uint8_t> lab_signature(wire::Bytes key, wire::Bytes covered_a,
                                        wire::Bytes covered_b) {
  detail::Fnv64 h;
  h.add(key).mark().add(covered_a).add(covered_b);
  return detail::expand(h.value(), signature_size);
}

// Header up to (not including) the signature, and where the signature goes.
struct HeaderParts {
  Buffer before_signature;
  Buffer after_signature;  // filename, timestamp, padding
};

HeaderParts build_header(std::string_view file_name, std::uint32_t timestamp,
                         const Certificate& signer, bool trust_list) {
  HeaderParts parts;
  Buffer& h = parts.before_signature;
  h.push_back(tag_version);
  put_u16(h, 2);
  h.push_back(1);
  h.push_back(2);
  h.push_back(tag_header_length);
  put_u16(h, 2);
  put_u16(h, 0);  // patched once the length is known
  if (trust_list) {
    h.push_back(tag_signer_version);
    put_u16(h, 2);
    h.push_back(1);
    h.push_back(0);
  }
  const std::size_t signer_id_length = 3 + signer.subject_name.size() + 1 + 3 +
                                       signer.serial_number.size() + 3 + signer.issuer_name.size() +
                                       1;
  h.push_back(tag_signer_id);
  put_u16(h, signer_id_length);
  put_string(h, tag_signer_name, signer.subject_name);
  put_field(h, tag_serial_number, signer.serial_number);
  put_string(h, tag_ca_name, signer.issuer_name);
  h.push_back(tag_signature_info);
  put_u16(h, 15);
  put_u8_field(h, tag_digest_algorithm, 1);
  h.push_back(tag_signature_algorithm_info);
  put_u16(h, 8);
  put_u8_field(h, tag_signature_algorithm, 0);
  put_u8_field(h, tag_signature_modulus, signature_modulus_code);

  Buffer& a = parts.after_signature;
  put_string(a, tag_filename, file_name);
  a.push_back(tag_timestamp);
  put_u16(a, 4);
  a.push_back(static_cast<std::uint8_t>(timestamp >> 24));
  a.push_back(static_cast<std::uint8_t>(timestamp >> 16));
  a.push_back(static_cast<std::uint8_t>(timestamp >> 8));
  a.push_back(static_cast<std::uint8_t>(timestamp));
  while ((h.size() + 3 + signature_size + a.size()) % 4 != 0) a.push_back(tag_padding);
  const std::size_t header_length = h.size() + 3 + signature_size + a.size();
  h[8] = static_cast<std::uint8_t>(header_length >> 8);
  h[9] = static_cast<std::uint8_t>(header_length);
  return parts;
}

std::vector<std::uint8_t> assemble(const HeaderParts& parts, const Certificate& signer,
                                   wire::Bytes body) {
  Buffer unsigned_part = parts.before_signature;
  unsigned_part.insert(unsigned_part.end(), parts.after_signature.begin(),
                       parts.after_signature.end());
  const auto signature = lab_signature(signer.public_key, unsigned_part, body);
  Buffer out = parts.before_signature;
  out.reserve(unsigned_part.size() + 3 + signature.size() + body.size());
  put_field(out, tag_signature, signature);
  out.insert(out.end(), parts.after_signature.begin(), parts.after_signature.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::string string_value(wire::Bytes value) {
  std::string s(value.begin(), value.end());
  if (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

struct ParsedHeader {
  SignedHeader header;
  std::size_t signature_offset = 0;  // of the SIGNATURE tag
  std::size_t signature_field = 0;   // 3 + signature length; 0 when absent
};

wire::Result<ParsedHeader> parse_header(wire::Bytes file) {
  ParsedHeader parsed;
  SignedHeader& h = parsed.header;
  wire::ByteReader r{file};
  if (r.u8() != tag_version || r.u16() != 2) return r.ok() ? errc::bad_tlv : errc::truncated;
  h.version_major = r.u8();
  h.version_minor = r.u8();
  if (r.u8() != tag_header_length || r.u16() != 2) {
    return r.ok() ? errc::bad_tlv : errc::truncated;
  }
  h.length = r.u16();
  if (!r.ok()) return errc::truncated;
  if (h.length < r.position() || h.length > file.size()) return errc::bad_tlv;
  while (r.position() < h.length) {
    const std::size_t at = r.position();
    const std::uint8_t tag = r.u8();
    if (tag == tag_padding) continue;
    const std::uint16_t length = r.u16();
    if (!r.ok()) return errc::truncated;
    // Groups: their length covers the fields that follow, which are read one by one.
    if (tag == tag_signer_id || tag == tag_signature_info || tag == tag_signature_algorithm_info) {
      continue;
    }
    const wire::Bytes value = r.take(length);
    if (!r.ok()) return errc::truncated;
    if (r.position() > h.length) return errc::bad_tlv;
    switch (tag) {
      case tag_signer_version:
        if (length != 2) return errc::bad_tlv;
        h.signer_version = wire::load_be16(value.data());
        break;
      case tag_signer_name:
        h.signer_name = string_value(value);
        break;
      case tag_serial_number:
        h.serial_number.assign(value.begin(), value.end());
        break;
      case tag_ca_name:
        h.ca_name = string_value(value);
        break;
      case tag_digest_algorithm:
        if (length != 1) return errc::bad_tlv;
        h.digest_algorithm = value[0];
        break;
      case tag_signature:
        h.signature.assign(value.begin(), value.end());
        parsed.signature_offset = at;
        parsed.signature_field = 3 + value.size();
        break;
      case tag_filename:
        h.file_name = string_value(value);
        break;
      case tag_timestamp:
        if (length != 4) return errc::bad_tlv;
        h.timestamp = wire::load_be32(value.data());
        break;
      default:  // signature algorithm and modulus, and tags this lab does not know
        break;
    }
  }
  return parsed;
}

wire::Result<TrustRecord> parse_record(wire::Bytes record) {
  TrustRecord rec;
  wire::ByteReader r{record};
  while (r.remaining() > 0) {
    const std::uint8_t tag = r.u8();
    const std::uint16_t length = r.u16();
    const wire::Bytes value = r.take(length);
    if (!r.ok()) return errc::truncated;
    switch (tag) {
      case rec_dns_name:
        rec.dns_name = string_value(value);
        break;
      case rec_subject_name:
        rec.certificate.subject_name = string_value(value);
        break;
      case rec_function:
        if (length != 2) return errc::bad_tlv;
        rec.function = static_cast<TrustFunction>(wire::load_be16(value.data()));
        break;
      case rec_issuer_name:
        rec.certificate.issuer_name = string_value(value);
        break;
      case rec_serial_number:
        rec.certificate.serial_number.assign(value.begin(), value.end());
        break;
      case rec_public_key:
        rec.certificate.public_key.assign(value.begin(), value.end());
        break;
      case rec_signature:
        rec.certificate.signature.assign(value.begin(), value.end());
        break;
      case rec_certificate:
        rec.certificate.der.assign(value.begin(), value.end());
        break;
      case rec_ip_address:
        if (length != 4) return errc::bad_tlv;
        rec.address = wire::Ipv4Address{wire::load_be32(value.data())};
        break;
      default:  // certificate hash, hash algorithm, unknown
        break;
    }
  }
  return rec;
}

bool may_sign(TrustFunction function, bool trust_list) {
  if (trust_list) return function == TrustFunction::sast;
  return function == TrustFunction::ccm_tftp || function == TrustFunction::tftp ||
         function == TrustFunction::sast;
}

}  // namespace

std::string_view to_string(TrustFunction function) noexcept {
  switch (function) {
    case TrustFunction::sast:
      return "SAST";
    case TrustFunction::ccm:
      return "CCM";
    case TrustFunction::ccm_tftp:
      return "CCM+TFTP";
    case TrustFunction::tftp:
      return "TFTP";
    case TrustFunction::capf:
      return "CAPF";
    case TrustFunction::https:
      return "HTTPS";
    case TrustFunction::tvs:
      return "TVS";
  }
  return "unknown";
}

Certificate lab_certificate(std::string_view cluster, std::string_view subject,
                            std::string_view usage) {
  Certificate c;
  c.subject_name =
      "CN=" + std::string(subject) + ";OU=" + std::string(usage) + ";O=" + std::string(cluster);
  // CUCM's certificates are self-signed: the issuer is the subject.
  c.issuer_name = c.subject_name;
  const std::uint64_t seed =
      detail::Fnv64{}.add(cluster).mark().add(subject).mark().add(usage).value();
  c.serial_number = detail::expand(seed ^ 0x5e5e5e5eULL, 16);
  c.serial_number[0] &= 0x7f;  // a positive ASN.1 integer, as real serials are
  // An RSA public key stand-in: 270 bytes, the size of a 2048-bit key's DER encoding.
  c.public_key = detail::expand(seed ^ 0x6b6b6b6bULL, 270);
  c.signature = detail::expand(seed ^ 0x7a7a7a7aULL, signature_size);
  c.der = detail::expand(seed ^ 0x1d1d1d1dULL, 880);
  return c;
}

std::vector<std::uint8_t> encode_trust_list(std::string_view file_name, std::uint32_t timestamp,
                                            const Certificate& signer,
                                            const std::vector<TrustRecord>& records) {
  const HeaderParts parts = build_header(file_name, timestamp, signer, true);
  Buffer body;
  for (const auto& rec : records) {
    const std::size_t start = body.size();
    body.push_back(rec_length);
    put_u16(body, 2);
    put_u16(body, 0);
    if (!rec.dns_name.empty()) put_string(body, rec_dns_name, rec.dns_name);
    put_string(body, rec_subject_name, rec.certificate.subject_name);
    body.push_back(rec_function);
    put_u16(body, 2);
    put_u16(body, static_cast<std::uint16_t>(rec.function));
    put_string(body, rec_issuer_name, rec.certificate.issuer_name);
    put_field(body, rec_serial_number, rec.certificate.serial_number);
    put_field(body, rec_public_key, rec.certificate.public_key);
    put_field(body, rec_signature, rec.certificate.signature);
    put_field(body, rec_certificate, rec.certificate.der);
    if (rec.address) {
      body.push_back(rec_ip_address);
      put_u16(body, 4);
      const std::uint32_t a = rec.address->to_u32();
      for (int shift = 24; shift >= 0; shift -= 8) {
        body.push_back(static_cast<std::uint8_t>(a >> shift));
      }
    }
    const std::size_t length = body.size() - start;
    body[start + 3] = static_cast<std::uint8_t>(length >> 8);
    body[start + 4] = static_cast<std::uint8_t>(length);
  }
  return assemble(parts, signer, body);
}

std::vector<std::uint8_t> encode_signed_file(std::string_view file_name, std::uint32_t timestamp,
                                             const Certificate& signer, wire::Bytes content) {
  return assemble(build_header(file_name, timestamp, signer, false), signer, content);
}

wire::Result<TrustList> parse_trust_list(wire::Bytes file) {
  auto parsed = parse_header(file);
  if (!parsed) return parsed.error();
  TrustList list;
  list.header = std::move(parsed->header);
  wire::ByteReader r{file.subspan(list.header.length)};
  while (r.remaining() > 0) {
    const wire::Bytes rest = r.rest();
    if (r.u8() != rec_length) return errc::bad_tlv;
    if (r.u16() != 2) return r.ok() ? errc::bad_tlv : errc::truncated;
    const std::uint16_t length = r.u16();
    if (!r.ok()) return errc::truncated;
    if (length < 5 || length > rest.size()) return errc::bad_tlv;
    auto rec = parse_record(rest.subspan(5, length - 5u));
    if (!rec) return rec.error();
    list.records.push_back(std::move(*rec));
    r.skip(length - 5u);
  }
  return list;
}

wire::Result<SignedFile> parse_signed_file(wire::Bytes file) {
  auto parsed = parse_header(file);
  if (!parsed) return parsed.error();
  SignedFile out;
  out.content = file.subspan(parsed->header.length);
  out.header = std::move(parsed->header);
  return out;
}

bool verify_signed_file(wire::Bytes file, const TrustList& trusted) {
  auto parsed = parse_header(file);
  if (!parsed || parsed->signature_field == 0) return false;
  const bool trust_list = parsed->header.signer_version.has_value();
  const auto signer =
      std::find_if(trusted.records.begin(), trusted.records.end(), [&](const TrustRecord& rec) {
        return rec.certificate.serial_number == parsed->header.serial_number &&
               may_sign(rec.function, trust_list);
      });
  if (signer == trusted.records.end()) return false;
  const wire::Bytes before = file.first(parsed->signature_offset);
  const wire::Bytes after = file.subspan(parsed->signature_offset + parsed->signature_field);
  return lab_signature(signer->certificate.public_key, before, after) == parsed->header.signature;
}

}  // namespace voicelab::provisioning
