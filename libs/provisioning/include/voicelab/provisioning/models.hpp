#pragma once
// The phone models the lab knows: CUCM's product name, CUCM's numeric model type (the NNN of
// XMLDefault.cnf.xml's <loadInformationNNN model="..."> and of the REGISTER Contact's
// +u.sip!model.ccm.cisco.com), and the firmware family whose load ids name the model's loads.
//
// Sources: the model types and CUCM product names are those a public XMLDefault.cnf.xml
// generator emits for the 78xx/88xx enterprise loads (7811 36213, 7821 621, 7841 622, 7861 623,
// 7832 36247, 8811 36217, 8832 36258, 8841 683, 8851 684, 8861 685, 8845 36224, 8865 36225),
// the same 683/684/685 a public installer script lists for 8841/8851/8861, and 684 for a CP-8851
// in a real REGISTER trace (PROTOCOL-NOTES.md). Load families (sip78xx, sip7832, sip88xx,
// sip8832, sip8845_65) follow Cisco's release notes and firmware file names.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace voicelab::provisioning {

struct PhoneModel {
  std::string_view name;         // CUCM product name: "Cisco 8861"
  std::string_view number;       // "8861" (CP-8861, Cisco IP Phone 8861)
  std::uint32_t type = 0;        // CUCM model type: 685
  std::string_view load_family;  // "sip88xx": load ids are "<family>.<version>"
};

// Every known model, ordered by number.
std::span<const PhoneModel> phone_models() noexcept;

// Finds a model by any of the spellings a lab file, a phone or CUCM uses: "Cisco 8861",
// "CP-8861", "Cisco IP Phone 8861", "8861" or the model type "685" (case-insensitive). nullptr
// when unknown.
const PhoneModel* find_phone_model(std::string_view any) noexcept;

// The model number inside a spelling ("CP-8861" -> "8861", "Cisco 8861" -> "8861"): the last
// run of digits and what follows it up to the end or a space; empty when there are no digits.
std::string_view model_number(std::string_view any) noexcept;

}  // namespace voicelab::provisioning
