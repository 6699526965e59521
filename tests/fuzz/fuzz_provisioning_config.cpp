// Fuzz target: the input as a config file a phone downloaded, through every provisioning parser:
// parse_device_config() (as SEP<MAC>.cnf.xml and as XMLDefault.cnf.xml for a model chosen by
// the first byte), parse_load_descriptor(), and the TLV parsers of ITL/CTL and .sgn files.
// Invariants: no crash or out-of-bounds read (ASan/UBSan), call managers come out in priority
// order and lines in button order, parsing is deterministic, and a .sgn's content is inside the
// input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/trust_list.hpp"

#define PROVISIONING_FUZZ_CHECK(condition)                                                   \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace {

using namespace voicelab;

void check_config(const provisioning::DeviceConfig& c) {
  for (std::size_t i = 1; i < c.call_managers.size(); ++i) {
    PROVISIONING_FUZZ_CHECK(c.call_managers[i - 1].priority <= c.call_managers[i].priority);
  }
  for (const auto& cm : c.call_managers) PROVISIONING_FUZZ_CHECK(!cm.address.empty());
  for (std::size_t i = 1; i < c.lines.size(); ++i) {
    PROVISIONING_FUZZ_CHECK(c.lines[i - 1].button <= c.lines[i].button);
  }
  for (const auto& line : c.lines) PROVISIONING_FUZZ_CHECK(!line.dn.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  constexpr std::string_view models[] = {"CP-8861", "Cisco 7841", "685", "", "CP-9999"};
  const std::string_view model = models[size == 0 ? 0 : data[0] % 5];

  const auto config = provisioning::parse_device_config(text, model, "SEP001122334455.cnf.xml");
  if (config) {
    check_config(*config);
    PROVISIONING_FUZZ_CHECK(config->device_name == "SEP001122334455");
    const auto again = provisioning::parse_device_config(text, model);
    PROVISIONING_FUZZ_CHECK(again.ok());
    PROVISIONING_FUZZ_CHECK(again->call_managers.size() == config->call_managers.size());
    PROVISIONING_FUZZ_CHECK(again->lines.size() == config->lines.size());
    PROVISIONING_FUZZ_CHECK(again->load_information == config->load_information);
  }

  if (const auto loads = provisioning::parse_load_descriptor(text)) {
    PROVISIONING_FUZZ_CHECK(!loads->load_id.empty());
    std::size_t platform_files = 0;
    for (const auto& p : loads->platforms) platform_files += p.files.size();
    PROVISIONING_FUZZ_CHECK(loads->files.size() <= platform_files);
  }

  const wire::Bytes bytes{data, size};
  if (const auto list = provisioning::parse_trust_list(bytes)) {
    PROVISIONING_FUZZ_CHECK(list->header.length <= size);
    (void)provisioning::verify_signed_file(bytes, *list);
  }
  if (const auto sgn = provisioning::parse_signed_file(bytes)) {
    PROVISIONING_FUZZ_CHECK(sgn->content.data() + sgn->content.size() == data + size);
  }
  return 0;
}
