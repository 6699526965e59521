// Fuzz target: the input as a CDP PDU (checksum verified and not), an LLDPDU, a CDP frame and an
// LLDP frame (libs/cdp). Invariants: no crash or out-of-bounds read (ASan/UBSan), no exception,
// what decodes re-encodes, the re-encoded bytes decode (CDP: with a checksum that verifies) to the
// same value, and encoding that value again gives the same bytes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cdp/lldp.hpp"

#define CDP_FUZZ_CHECK(condition)                                                            \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace {

using namespace voicelab;

const wire::MacAddress source = wire::MacAddress::from_u64(0x001122334455ULL);

void check_cdp(const cdp::Pdu& pdu) {
  const auto once = cdp::encode_pdu(pdu);
  CDP_FUZZ_CHECK(once.ok());
  CDP_FUZZ_CHECK(cdp::checksum_ok(*once));
  const auto again = cdp::decode_pdu(*once);
  CDP_FUZZ_CHECK(again.ok() && *again == pdu);
  const auto twice = cdp::encode_pdu(*again);
  CDP_FUZZ_CHECK(twice.ok() && *twice == *once);
  if (once->size() <= cdp::max_pdu_in_frame) {
    const auto frame = cdp::encode_frame(pdu, source);
    CDP_FUZZ_CHECK(frame.ok());
    const auto decoded = cdp::decode_frame(*frame);
    CDP_FUZZ_CHECK(decoded.ok() && decoded->pdu == pdu);
  }
}

void check_lldp(const lldp::Pdu& pdu) {
  const auto once = lldp::encode_pdu(pdu);
  CDP_FUZZ_CHECK(once.ok());
  const auto again = lldp::decode_pdu(*once);
  CDP_FUZZ_CHECK(again.ok() && *again == pdu);
  const auto twice = lldp::encode_pdu(*again);
  CDP_FUZZ_CHECK(twice.ok() && *twice == *once);
  if (once->size() <= wire::ethernet_max_payload) {
    const auto frame = lldp::encode_frame(pdu, source);
    CDP_FUZZ_CHECK(frame.ok());
    const auto decoded = lldp::decode_frame(*frame);
    CDP_FUZZ_CHECK(decoded.ok() && decoded->pdu == pdu);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::Bytes input{data, size};
  for (bool verify : {true, false}) {
    if (auto pdu = cdp::decode_pdu(input, cdp::DecodeOptions{verify})) check_cdp(*pdu);
    if (auto frame = cdp::decode_frame(input, cdp::DecodeOptions{verify})) check_cdp(frame->pdu);
  }
  if (auto pdu = lldp::decode_pdu(input)) check_lldp(*pdu);
  if (auto frame = lldp::decode_frame(input)) check_lldp(frame->pdu);
  return 0;
}
