// Reference data a lab cluster starts from, and the component lists of firmware loads.

#include <string>

#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/models.hpp"

namespace voicelab::provisioning {
namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;

// One component of a family's load: a name pattern and a lab size. "{v}" is the load's
// version. Boot-loader components carry their own version (Cisco ships them unchanged across
// loads), written literally.
struct Component {
  std::string_view pattern;
  std::uint64_t size;
};

// sip88xx: the component names a Cisco IOS CME configuration lists for sip88xx.12-0-1MN-113
// (tftp-server lines: fbi88xx.BE-01-010.sbn, kern88xx.<v>.sbn, rootfs88xx.<v>.sbn,
// sb288xx.BE-01-020.sbn, vc488xx.<v>.sbn). sip78xx: the names a FreePBX endpoint-manager list
// gives for sip78xx.14-2-1-0101-26 (kern78xx, rootfs78xx, rootfs2.78xx, sboot78xx,
// sboot2.78xx). Other families: kern<family>/rootfs<family> by analogy (an assumption).
//
// Sizes are lab sizes, deliberately smaller than Cisco's: a real 88xx root file system image is
// 60-80 MB (public reverse-engineering notes on 12.0.7 and 14.4.1 report 61.7 MB and 72.8 MB),
// which would make every simulated upgrade storm move gigabytes. They keep the real proportions
// (root file system >> kernel >> boot loaders); a scenario that wants real transfer times sets
// real sizes on its loads.
constexpr Component components_88xx[] = {
    {"fbi88xx.BE-01-010.sbn", 192 * KiB}, {"kern88xx.{v}.sbn", 1536 * KiB},
    {"rootfs88xx.{v}.sbn", 4 * MiB},      {"sb288xx.BE-01-020.sbn", 256 * KiB},
    {"vc488xx.{v}.sbn", 640 * KiB},
};
constexpr Component components_78xx[] = {
    {"kern78xx.{v}.sbn", 1536 * KiB},   {"rootfs78xx.{v}.sbn", 3 * MiB},
    {"rootfs2.78xx.{v}.sbn", 3 * MiB},  {"sboot78xx.{v}.sbn", 160 * KiB},
    {"sboot2.78xx.{v}.sbn", 160 * KiB},
};

std::string expand_pattern(std::string_view pattern, std::string_view version) {
  std::string out;
  const auto at = pattern.find("{v}");
  if (at == std::string_view::npos) return std::string(pattern);
  out.append(pattern.substr(0, at));
  out.append(version);
  out.append(pattern.substr(at + 3));
  return out;
}

}  // namespace

FirmwareLoad reference_load(std::string_view load_id) {
  FirmwareLoad load;
  load.load_id = std::string(load_id);
  const auto dot = load_id.find('.');
  const std::string_view family = load_id.substr(0, dot);
  const std::string_view version =
      dot == std::string_view::npos ? std::string_view{} : load_id.substr(dot + 1);
  auto add_all = [&](const auto& table) {
    for (const Component& c : table) {
      load.files.push_back({expand_pattern(c.pattern, version), c.size});
    }
  };
  if (family == "sip88xx") {
    add_all(components_88xx);
  } else if (family == "sip78xx") {
    add_all(components_78xx);
  } else {
    // "sip8845_65" -> "8845_65"
    const std::string_view suffix = family.starts_with("sip") ? family.substr(3) : family;
    const std::string v(version);
    load.files.push_back({"kern" + std::string(suffix) + "." + v + ".sbn", 1536 * KiB});
    load.files.push_back({"rootfs" + std::string(suffix) + "." + v + ".sbn", 4 * MiB});
  }
  return load;
}

void add_reference_data(Database& db, std::string_view load_version) {
  db.put_user_locale(UserLocale{});
  db.put_network_locale(NetworkLocale{});

  // The ring names follow the ring files CUCM installs (the "Chirp"/"Piano" family); the lab
  // generates their audio.
  db.put_ring_list(
      {"Ringlist.xml",
       {{"Chirp 1", "Chirp1.raw"}, {"Chirp 2", "Chirp2.raw"}, {"Piano 1", "Piano1.raw"}}});
  db.put_ring_list(
      {"DistinctiveRingList.xml", {{"Analog Synth 1", "Analog1.raw"}, {"Bell", "Bell.raw"}}});

  // CUCM's "Standard User" template, abridged to the states and keys a registration needs.
  db.put_softkey_template({"Standard User",
                           {{"onHook", {"redial", "newcall", "cfwdall"}},
                            {"connected", {"hold", "endcall", "trnsfer", "confrn"}},
                            {"offHook", {"redial", "endcall", "cfwdall"}},
                            {"ringIn", {"answer", "dnd"}}}});

  EnterpriseDefaults defaults = db.enterprise_defaults();
  for (const PhoneModel& model : phone_models()) {
    const std::string load_id = std::string(model.load_family) + "." + std::string(load_version);
    if (db.load(load_id) == nullptr) db.put_load(reference_load(load_id));
    defaults.default_loads.insert_or_assign(std::string(model.name), load_id);
  }
  db.set_enterprise_defaults(std::move(defaults));
}

}  // namespace voicelab::provisioning
