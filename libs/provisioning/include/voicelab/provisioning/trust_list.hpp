#pragma once
// CUCM's signed binary files: the trust lists ITLFile.tlv / ITLSEP<MAC>.tlv (Identity Trust
// List, every cluster since CUCM 8 "Security by Default") and CTLFile.tlv / CTLSEP<MAC>.tlv
// (Certificate Trust List, mixed-mode clusters only), and the signed variant "<file>.sgn" of a
// config file.
//
// Layout (the one usecallmanager.nz's certutils `tlvfile` and `sgnfile` read and write; CUCM's
// files parse with them). Every field is tag (1 byte), length (2 bytes, big-endian), value;
// strings end with a NUL that the length counts.
//
//   header   1 VERSION (2: major 1, minor 2)   2 HEADER_LENGTH (2: bytes of the whole header)
//            28 SIGNER_VERSION (2: "1.0"; trust lists only)
//            3 SIGNER_ID, a group whose length covers: 4 SIGNER_NAME, 5 SERIAL_NUMBER, 6 CA_NAME
//            7 SIGNATURE_INFO, a group (length 15): 8 DIGEST_ALGORITHM (1: 1 = SHA-1),
//              9 SIGNATURE_ALGORITHM_INFO, a group (length 8): 10 SIGNATURE_ALGORITHM (1: 0),
//              11 SIGNATURE_MODULUS (1: 0/1/2/3 for a 64/128/256/512-byte signature)
//            12 SIGNATURE   14 FILENAME   15 TIMESTAMP (4: seconds since 1970)
//            13 PADDING: a lone tag byte, repeated until the header length is a multiple of 4
//   records  (trust lists) each: 1 RECORD_LENGTH (2: bytes of the record, this field included),
//            then 2 DNS_NAME, 3 SUBJECT_NAME, 4 FUNCTION (2), 5 ISSUER_NAME, 6 SERIAL_NUMBER,
//            7 PUBLIC_KEY, 8 SIGNATURE, 9 CERTIFICATE, 10 IP_ADDRESS, 11 CERTIFICATE_HASH,
//            12 HASH_ALGORITHM, in any order
//   content  (.sgn) the file's bytes follow the header unchanged.
// The signature covers every byte of the file except the SIGNATURE field itself.
//
// What is not real: the lab does no cryptography. A "key" is a deterministic byte string
// derived from the cluster identity and the certificate's subject, the CERTIFICATE field is
// not DER, and a "signature" is a 256-byte digest of (key, covered bytes) that anyone holding the
// record's PUBLIC_KEY can recompute (verify_signed_file()). What is modelled: which certificates
// a list holds, who signed a file, and that a phone holding another cluster's ITL cannot verify
// this cluster's files (the classic ITL mismatch).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/wire/address.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/result.hpp"

namespace voicelab::provisioning {

// RECORD FUNCTION values (certutils tlvfile).
enum class TrustFunction : std::uint16_t {
  sast = 0,      // System Administrator Security Token: signs trust lists
  ccm = 1,       // SIP-TLS to the registrar
  ccm_tftp = 2,  // the CallManager certificate of a TFTP server: signs config files
  tftp = 3,
  capf = 4,
  https = 7,
  tvs = 21,  // Trust Verification Service
};

std::string_view to_string(TrustFunction function) noexcept;

// A certificate stand-in: the fields a trust list record carries.
struct Certificate {
  std::string subject_name;  // "CN=cucm-pub;OU=VOICELAB;O=voicelab"
  std::string issuer_name;
  std::vector<std::uint8_t> serial_number;
  std::vector<std::uint8_t> public_key;  // also the lab's signing key (see above)
  std::vector<std::uint8_t> signature;   // the certificate's own signature (opaque)
  std::vector<std::uint8_t> der;         // CERTIFICATE field (opaque, not DER)

  friend bool operator==(const Certificate&, const Certificate&) = default;
};

// Derives the lab certificate of `subject` (a node name, "ITLRECOVERY_cucm-pub", ...) for a
// `usage` ("CallManager", "TVS", "CAPF", "ITLRecovery") in cluster `cluster`: subject name
// "CN=<subject>;OU=<usage>;O=<cluster>", self-issued like CUCM's. The same inputs always give
// the same bytes, another cluster other bytes.
Certificate lab_certificate(std::string_view cluster, std::string_view subject,
                            std::string_view usage);

struct TrustRecord {
  Certificate certificate;
  TrustFunction function = TrustFunction::ccm_tftp;
  std::string dns_name;                      // empty: not written
  std::optional<wire::Ipv4Address> address;  // IP_ADDRESS (4 bytes), CTL records carry it

  friend bool operator==(const TrustRecord&, const TrustRecord&) = default;
};

struct SignedHeader {
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 2;
  std::optional<std::uint16_t> signer_version;  // trust lists: 0x0100 ("1.0")
  std::string signer_name;
  std::vector<std::uint8_t> serial_number;
  std::string ca_name;
  std::uint8_t digest_algorithm = 1;  // SHA-1
  std::vector<std::uint8_t> signature;
  std::string file_name;
  std::uint32_t timestamp = 0;
  std::size_t length = 0;  // HEADER_LENGTH (parsing only)
};

struct TrustList {
  SignedHeader header;
  std::vector<TrustRecord> records;
};

// Encodes a trust list signed by `signer` (whose subject/serial/issuer fill the header). The
// signature is 256 bytes (a 2048-bit key's).
std::vector<std::uint8_t> encode_trust_list(std::string_view file_name, std::uint32_t timestamp,
                                            const Certificate& signer,
                                            const std::vector<TrustRecord>& records);

// "<file>.sgn": the signed header (without SIGNER_VERSION) followed by `content`.
std::vector<std::uint8_t> encode_signed_file(std::string_view file_name, std::uint32_t timestamp,
                                             const Certificate& signer, wire::Bytes content);

// Parses a trust list. Errors: errc::truncated (a field runs past the end), errc::bad_tlv (the
// first fields are not VERSION and HEADER_LENGTH, a header length shorter than what precedes it
// or longer than the file, a record without RECORD_LENGTH or whose length does not fit). Unknown
// tags are skipped.
wire::Result<TrustList> parse_trust_list(wire::Bytes file);

struct SignedFile {
  SignedHeader header;
  wire::Bytes content;  // a view into the parsed buffer
};
// Parses a .sgn file: its header, and the content after it. Same errors as parse_trust_list().
wire::Result<SignedFile> parse_signed_file(wire::Bytes file);

// The lab's verification of a signed file (a .sgn, or a trust list) against a trust list the
// phone holds: the header's signer serial number must be that of a record whose function may
// sign such a file (SAST for trust lists; CCM+TFTP, TFTP or SAST otherwise), and the signature
// must match that record's key. False for anything unparsable.
bool verify_signed_file(wire::Bytes file, const TrustList& trusted);

}  // namespace voicelab::provisioning
