// Fuzz target: the input as SIP bytes, through the datagram parser, the stream parser (split at a
// point taken from the input), the typed header parsers and a transaction layer.
// Invariants: no crash or out-of-bounds read (ASan/UBSan), the stream parser never claims more
// bytes than it was given, serialisation is idempotent, and typed values re-serialise to values
// that parse to the same thing.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/message.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/sip/transaction.hpp"

#define SIP_FUZZ_CHECK(condition)                                                            \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace {

using namespace voicelab;

void check_typed(const sip::Message& m) {
  if (const auto vias = sip::parse_vias(m)) {
    for (const auto& via : *vias) {
      const auto again = sip::parse_via(via.to_string());
      SIP_FUZZ_CHECK(again.ok() && *again == via);
    }
  }
  if (const auto contacts = sip::parse_contacts(m)) {
    for (const auto& contact : contacts->contacts) {
      const auto again = sip::parse_name_address(contact.to_string());
      SIP_FUZZ_CHECK(again.ok() && *again == contact);
    }
  }
  for (const auto& address : {sip::from_header(m), sip::to_header(m)}) {
    if (!address) continue;
    const auto again = sip::parse_name_address(address->to_string());
    SIP_FUZZ_CHECK(again.ok() && *again == *address);
  }
  if (const auto cseq = sip::cseq_header(m)) {
    const auto again = sip::parse_cseq(cseq->to_string());
    SIP_FUZZ_CHECK(again.ok() && *again == *cseq);
  }
  if (const auto warnings = sip::parse_warnings(m)) {
    for (const auto& warning : *warnings) {
      const auto again = sip::parse_warning(warning.to_string());
      SIP_FUZZ_CHECK(again.ok() && *again == warning);
    }
  }
  (void)sip::expires_header(m);
  (void)sip::max_forwards_header(m);
  (void)sip::call_id_header(m);
  if (m.is_request()) (void)sip::parse_uri(m.request_uri);

  sip::TransactionLayer layer;
  (void)layer.handle_message(Time{}, 1, sip::Transport::udp, m);
  while (layer.poll_event()) {
  }
}

void check_message(const sip::Message& m) {
  const std::string canonical = sip::serialize(m);
  const auto again = sip::parse_message(canonical);
  SIP_FUZZ_CHECK(again.ok());
  SIP_FUZZ_CHECK(sip::serialize(*again) == canonical);
  check_typed(m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  if (const auto m = sip::parse_datagram({data, size})) check_message(*m);

  sip::StreamParser parser;
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  for (auto chunk : {text.substr(0, split), text.substr(split)}) {
    while (!chunk.empty()) {
      std::error_code ec;
      const std::size_t used = parser.put(chunk, ec);
      SIP_FUZZ_CHECK(used <= chunk.size());
      chunk.remove_prefix(used);
      if (ec == sip::errc::need_more) {
        SIP_FUZZ_CHECK(chunk.empty());
        break;
      }
      if (ec) return 0;
      SIP_FUZZ_CHECK(parser.has_message());
      check_message(parser.release());
    }
  }
  return 0;
}
