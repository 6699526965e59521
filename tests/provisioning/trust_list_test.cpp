// The ITL/CTL/.sgn TLV format: the header layout certutils' tlvfile reads, the records a CUCM
// ITL holds, signature checks, and hostile input (every truncation, byte flips) refused with an
// error, never a crash.

#include "voicelab/provisioning/trust_list.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "provisioning_test_util.hpp"
#include "voicelab/provisioning/error.hpp"
#include "voicelab/provisioning/files.hpp"

namespace voicelab::test {
namespace {

using provisioning::TrustFunction;

TEST_CASE("ITL header: VERSION 1.2, HEADER_LENGTH a multiple of 4, signed by ITLRecovery",
          "[provisioning][tlv]") {
  const auto db = lab_database();
  const auto itl = provisioning::generate_itl(db, "ITLSEP001122334455.tlv");
  // tag 1, length 2, 1.2 / tag 2, length 2, header length (tlvfile's first two fields)
  REQUIRE(itl.size() > 8);
  CHECK(itl[0] == 1);
  CHECK(itl[1] == 0);
  CHECK(itl[2] == 2);
  CHECK(itl[3] == 1);
  CHECK(itl[4] == 2);
  CHECK(itl[5] == 2);
  CHECK(itl[6] == 0);
  CHECK(itl[7] == 2);
  const std::size_t header_length = (std::size_t{itl[8]} << 8) | itl[9];
  CHECK(header_length % 4 == 0);
  // SIGNER_VERSION (tag 28) follows in a trust list.
  CHECK(itl[10] == 28);

  const auto list = provisioning::parse_trust_list(itl);
  REQUIRE(list.ok());
  CHECK(list->header.length == header_length);
  CHECK(list->header.signer_version == 0x0100);
  CHECK(list->header.file_name == "ITLSEP001122334455.tlv");
  CHECK(list->header.timestamp == 1700000000);
  CHECK(list->header.digest_algorithm == 1);
  CHECK(list->header.signature.size() == 256);
  CHECK(list->header.signer_name == "CN=ITLRECOVERY_cucm-pub;OU=ITLRecovery;O=voicelab-hq");

  // SAST (ITLRecovery), CCM+TFTP x3, TVS x3, CAPF x1, in that order.
  REQUIRE(list->records.size() == 8);
  CHECK(list->records[0].function == TrustFunction::sast);
  CHECK(list->records[0].certificate.serial_number == list->header.serial_number);
  for (std::size_t i = 1; i <= 3; ++i) CHECK(list->records[i].function == TrustFunction::ccm_tftp);
  for (std::size_t i = 4; i <= 6; ++i) CHECK(list->records[i].function == TrustFunction::tvs);
  CHECK(list->records[7].function == TrustFunction::capf);
  CHECK(list->records == provisioning::itl_records(db));
  CHECK(provisioning::verify_signed_file(itl, *list));
}

TEST_CASE("Any changed byte breaks the signature", "[provisioning][tlv]") {
  const auto db = lab_database();
  const auto itl = provisioning::generate_itl(db, "ITLFile.tlv");
  const auto list = provisioning::parse_trust_list(itl);
  REQUIRE(list.ok());
  for (const std::size_t at : {std::size_t{12}, itl.size() / 2, itl.size() - 1}) {
    auto copy = itl;
    copy[at] ^= 0x01;
    INFO(at);
    CHECK_FALSE(provisioning::verify_signed_file(copy, *list));
  }
}

TEST_CASE("A .sgn wraps the file unchanged after a header without SIGNER_VERSION",
          "[provisioning][tlv]") {
  const auto signer = provisioning::lab_certificate("c", "cucm-pub", "CallManager");
  const std::string content = "<device></device>\n";
  const auto sgn = provisioning::encode_signed_file(
      "SEP001122334455.cnf.xml.sgn", 42, signer,
      {reinterpret_cast<const std::uint8_t*>(content.data()), content.size()});
  const auto parsed = provisioning::parse_signed_file(sgn);
  REQUIRE(parsed.ok());
  CHECK_FALSE(parsed->header.signer_version.has_value());
  CHECK(parsed->header.length % 4 == 0);
  CHECK(parsed->header.timestamp == 42);
  CHECK(std::string(parsed->content.begin(), parsed->content.end()) == content);
  provisioning::TrustList trusted;
  trusted.records.push_back({signer, TrustFunction::ccm_tftp, {}, std::nullopt});
  CHECK(provisioning::verify_signed_file(sgn, trusted));
  // A CCM-only certificate may not sign config files.
  trusted.records[0].function = TrustFunction::ccm;
  CHECK_FALSE(provisioning::verify_signed_file(sgn, trusted));
}

TEST_CASE("Every truncation of a trust list is an error, not a crash", "[provisioning][tlv]") {
  auto db = lab_database();
  db.set_security_mode(provisioning::ClusterSecurityMode::mixed);
  const auto ctl = provisioning::generate_ctl(db, "CTLFile.tlv");
  REQUIRE(provisioning::parse_trust_list(ctl).ok());
  std::size_t failures = 0;
  for (std::size_t size = 0; size < ctl.size(); ++size) {
    const auto result = provisioning::parse_trust_list(wire::Bytes{ctl.data(), size});
    // A cut exactly between two records is a shorter, valid list.
    if (!result.ok()) {
      ++failures;
      CHECK((result.error() == provisioning::errc::truncated ||
             result.error() == provisioning::errc::bad_tlv));
    }
  }
  CHECK(failures >= ctl.size() - 10);
  // Byte flips anywhere: parse or fail, never crash (ASan watches).
  for (std::size_t at = 0; at < ctl.size(); at += 7) {
    auto copy = ctl;
    copy[at] = static_cast<std::uint8_t>(copy[at] ^ 0xa5);
    (void)provisioning::parse_trust_list(copy);
    (void)provisioning::parse_signed_file(copy);
  }
}

TEST_CASE("Lab certificates are deterministic per cluster", "[provisioning][tlv]") {
  const auto a = provisioning::lab_certificate("hq", "cucm-pub", "CallManager");
  CHECK(a == provisioning::lab_certificate("hq", "cucm-pub", "CallManager"));
  CHECK(a.public_key !=
        provisioning::lab_certificate("branch", "cucm-pub", "CallManager").public_key);
  CHECK(a.serial_number != provisioning::lab_certificate("hq", "cucm-pub", "TVS").serial_number);
  CHECK(a.subject_name == "CN=cucm-pub;OU=CallManager;O=hq");
  CHECK(provisioning::to_string(TrustFunction::ccm_tftp) == "CCM+TFTP");
}

}  // namespace
}  // namespace voicelab::test
