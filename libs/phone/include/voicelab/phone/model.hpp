#pragma once
// The phone model catalogue: the model-specific facts the phone's state machine needs (how its
// loads are named, how long it takes to boot, whether it fetches files over HTTP 6970 first,
// which discovery protocols it speaks), as data. A scenario extends or overrides it with add().
//
// Sources, per field of the built-in table (docs/phone.md has the table):
// - model_id (the number CUCM uses for the model: the `+u.sip!model.ccm.cisco.com` Contact
//   parameter, the NNN of XMLDefault's `<loadInformationNNN model="Cisco 8861">`) and
//   load_prefix: public XMLDefault.cnf.xml files and phone catalogues (7841 622, 7861 623,
//   8841 683, 8851 684, 8861 685, 8845 36224, 8865 36225; sip78xx, sip88xx, sip8845_65); the
//   8851's 684 is also the value of the real trace in PROTOCOL-NOTES. 9861: prefix PHONEOS
//   (PhoneOS 3.x release notes, "PHONEOS.3-0-1-0001"); its model id is not known, so it is left
//   empty and the phone then sends none.
// - default_load: a plausible current load of the family (14-2-1 for 78xx/88xx, 3-2-1 for
//   PhoneOS), what a phone fresh from the factory is assumed to run. Not a statement about any
//   real unit.
// - boot_time, power_mw: ASSUMPTIONS (no public measurement found): a lab choice of the same
//   order as what engineers report, bigger phones slower. Override per scenario.
// - http_first: the notes say phones with recent firmware ask HTTP 6970 first; every built-in
//   model is taken to do so (assumption per model). TFTP-only models can be added.
// - cdp / lldp_med: every built-in model speaks both (the admin guides list CDP and LLDP-MED for
//   the 7800, 8800 and 9800 series).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/wire/time.hpp"

namespace voicelab::phone {

struct PhoneModel {
  std::string name;            // catalogue key: "8861"
  std::string product;         // "CP-8861": DHCP vendor class, SIP User-Agent "Cisco-CP8861/..."
  std::string platform;        // "Cisco IP Phone 8861": CDP Platform
  std::string xml_model;       // "Cisco 8861": XMLDefault's model attribute
  std::string model_id;        // "685"; empty when unknown
  std::string load_prefix;     // "sip88xx": load ids are "<prefix>.<version>"
  std::string default_load;    // the load a new phone runs, "sip88xx.14-2-1-0001-14"
  Duration boot_time{};        // power (or reboot) to the firmware running: step 2
  bool http_first = true;      // fetch files from HTTP 6970 before TFTP
  bool cdp = true;             // sends CDP and learns the voice VLAN from it
  bool lldp_med = true;        // sends LLDP-MED and learns the voice VLAN from it
  std::uint32_t power_mw = 0;  // CDP Power Requested; 0: not sent
};

// Models by name. Lookups accept the catalogue key ("8861"), the product ("CP-8861") and the
// XMLDefault model name ("Cisco 8861"), case-insensitively.
class ModelCatalogue {
 public:
  // An empty catalogue.
  ModelCatalogue() = default;
  // The built-in table: 7841, 7861, 8841, 8845, 8851, 8861, 8865, 9861.
  static ModelCatalogue builtin();

  // Adds a model, or replaces the one with the same name. Fields left empty are derived:
  // product "CP-<name>", platform "Cisco IP Phone <name>", xml_model "Cisco <name>",
  // default_load "<load_prefix>.1-0-0-0001-1" when only the prefix is given. Throws
  // std::invalid_argument for an empty name or a model without load_prefix and default_load.
  void add(PhoneModel model);

  [[nodiscard]] const PhoneModel* find(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> names() const;  // sorted
  [[nodiscard]] std::size_t size() const { return models_.size(); }

 private:
  std::map<std::string, PhoneModel, std::less<>> models_;
};

// "sip88xx" for "sip88xx.14-2-1-0001-14" (everything before the first '.'); the whole id when it
// has no '.'.
std::string_view load_family(std::string_view load_id);

}  // namespace voicelab::phone
