// ConfigFiles: which names exist (CTL only in mixed mode, case-sensitive names), caching and
// regeneration per generation, and the consistency of everything a parsed config or a load
// descriptor names.

#include "voicelab/provisioning/files.hpp"

#include <string>

#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include "provisioning_test_util.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/trust_list.hpp"

namespace voicelab::test {
namespace {

using provisioning::ClusterSecurityMode;
using provisioning::ConfigFiles;

std::string text_of(const tftp::FileContent& content) {
  REQUIRE(content);
  return {content->begin(), content->end()};
}

TEST_CASE("The CTL exists only in a mixed-mode cluster, the ITL always",
          "[provisioning][files][ctl]") {
  auto db = lab_database();
  ConfigFiles files{db};
  CHECK(files.lookup("CTLSEP001122334455.tlv") == nullptr);  // TFTP error 1 / HTTP 404
  CHECK(files.lookup("CTLFile.tlv") == nullptr);
  REQUIRE(files.lookup("ITLSEP001122334455.tlv") != nullptr);
  REQUIRE(files.lookup("ITLFile.tlv") != nullptr);
  CHECK(files.lookup("ITLSEP00112233445A.tlv") == nullptr);  // not in the database

  db.set_security_mode(ClusterSecurityMode::mixed);
  const auto ctl = files.lookup("CTLSEP001122334455.tlv");
  REQUIRE(ctl != nullptr);
  REQUIRE(files.lookup("CTLFile.tlv") != nullptr);
  const auto list = provisioning::parse_trust_list(*ctl);
  REQUIRE(list.ok());
  CHECK(list->header.file_name == "CTLSEP001122334455.tlv");
  std::size_t with_address = 0;
  for (const auto& record : list->records) {
    if (record.address) ++with_address;
  }
  CHECK(with_address == 4);  // three nodes + CAPF on the publisher
  CHECK(provisioning::verify_signed_file(*ctl, *list));

  db.set_security_mode(ClusterSecurityMode::non_secure);
  CHECK(files.lookup("CTLSEP001122334455.tlv") == nullptr);
  CHECK(files.lookup("CTLFile.tlv") == nullptr);
}

TEST_CASE("Names are case-sensitive, as on CUCM's TFTP service", "[provisioning][files]") {
  const auto db = lab_database();
  ConfigFiles files{db};
  CHECK(files.lookup("SEP001122334455.cnf.xml") != nullptr);
  CHECK(files.lookup("sep001122334455.cnf.xml") == nullptr);
  CHECK(files.lookup("SEP001122334455.CNF.XML") == nullptr);
  CHECK(files.lookup("SEP001122334455.cnf.xml.SGN") == nullptr);
  CHECK(files.lookup("xmldefault.cnf.xml") == nullptr);
  CHECK(files.lookup("SEP001122334456.cnf.xml") == nullptr);  // unknown device
  CHECK(files.lookup("SEP0011223344.cnf.xml") == nullptr);
  CHECK(files.counters().lookups == 7);
  CHECK(files.counters().served == 1);
  CHECK(files.counters().not_found == 6);
}

TEST_CASE("A changed device regenerates its file, other devices stay cached",
          "[provisioning][files][cache]") {
  auto db = lab_database();
  auto other = *db.device(golden_device);
  other.name = "SEP00AABBCCDDEE";
  other.lines = {{"1003", "Bob", ""}};
  db.put_device(other);
  ConfigFiles files{db};

  const auto alice1 = files.lookup("SEP001122334455.cnf.xml");
  const auto bob1 = files.lookup("SEP00AABBCCDDEE.cnf.xml");
  CHECK(files.counters().generated == 2);
  CHECK(files.lookup("SEP001122334455.cnf.xml") == alice1);  // the same shared buffer
  CHECK(files.counters().cache_hits == 1);

  auto alice = *db.device(golden_device);
  alice.lines[0].label = "Alice (new label)";
  db.put_device(alice);
  const auto alice2 = files.lookup("SEP001122334455.cnf.xml");
  CHECK(alice2 != alice1);
  CHECK(text_of(alice2).find("Alice (new label)") != std::string::npos);
  CHECK(text_of(alice1).find("Alice (new label)") == std::string::npos);  // a transfer's copy
  CHECK(files.lookup("SEP00AABBCCDDEE.cnf.xml") == bob1);
  CHECK(files.counters().generated == 3);

  // A shared record (the date/time group) affects every device.
  db.put_date_time_group(
      {"CMLocal-HQ", "D/M/Y", "GMT Standard/Daylight Time", "Europe/London", {}});
  CHECK(files.lookup("SEP00AABBCCDDEE.cnf.xml") != bob1);
  CHECK(text_of(files.lookup("SEP001122334455.cnf.xml")).find("Europe/London") !=
        std::string::npos);

  CHECK(db.remove_device(golden_device));
  CHECK(files.lookup("SEP001122334455.cnf.xml") == nullptr);
  CHECK(files.lookup("SEP001122334455.cnf.xml.sgn") == nullptr);
}

TEST_CASE("Device files are cached for a bounded number of devices", "[provisioning][cache]") {
  auto db = lab_database();
  auto device = *db.device(golden_device);
  for (const char* name : {"SEP000000000001", "SEP000000000002", "SEP000000000003"}) {
    device.name = name;
    db.put_device(device);
  }
  ConfigFiles files{db, 2};
  const auto first = files.lookup("SEP000000000001.cnf.xml");
  files.lookup("SEP000000000002.cnf.xml");
  files.lookup("SEP000000000003.cnf.xml");  // evicts 001
  CHECK(files.counters().generated == 3);
  const auto again = files.lookup("SEP000000000001.cnf.xml");
  CHECK(files.counters().generated == 4);
  CHECK(*again == *first);  // rebuilt, same bytes
}

TEST_CASE("Every file a parsed config names is served", "[provisioning][files]") {
  const auto db = lab_database();
  ConfigFiles files{db};
  const auto config = provisioning::parse_device_config(
      text_of(files.lookup("SEP001122334455.cnf.xml")), "CP-8861");
  REQUIRE(config.ok());
  CHECK(files.lookup(config->dial_rules_file) != nullptr);
  CHECK(files.lookup(config->softkey_file) != nullptr);
  CHECK(files.lookup(config->user_locale + "/tags_file") != nullptr);
  CHECK(files.lookup(config->network_locale + "/g3-tones.xml") != nullptr);
  REQUIRE(files.lookup(config->load_information + ".loads") != nullptr);

  pugi::xml_document dial;
  const std::string dial_text = text_of(files.lookup(config->dial_rules_file));
  REQUIRE(dial.load_string(dial_text.c_str()));
  CHECK(dial.child("DIALTEMPLATE").child("TEMPLATE").attribute("MATCH").value() ==
        std::string("911"));

  // The ring lists and every ring they name.
  for (const char* list_name : {"Ringlist.xml", "DistinctiveRingList.xml"}) {
    INFO(list_name);
    pugi::xml_document list;
    const std::string list_text = text_of(files.lookup(list_name));
    REQUIRE(list.load_string(list_text.c_str()));
    std::size_t rings = 0;
    for (auto ring : list.child("CiscoIPPhoneRingList").children("Ring")) {
      const auto tone = files.lookup(ring.child_value("FileName"));
      REQUIRE(tone != nullptr);
      CHECK(tone->size() == 16000);  // 2 s of 8 kHz mu-law
      ++rings;
    }
    CHECK(rings >= 2);
  }
}

TEST_CASE("Load descriptors and their component files agree", "[provisioning][files][loads]") {
  const auto db = lab_database();
  ConfigFiles files{db};
  REQUIRE(db.loads().size() >= 5);
  for (const auto& [load_id, load] : db.loads()) {
    INFO(load_id);
    const auto descriptor =
        provisioning::parse_load_descriptor(text_of(files.lookup(load_id + ".loads")));
    REQUIRE(descriptor.ok());
    CHECK(descriptor->load_id == load_id);
    REQUIRE(descriptor->files.size() == load.files.size());
    for (const auto& [name, size] : descriptor->files) {
      INFO(name);
      const auto content = files.lookup(name);
      REQUIRE(content != nullptr);
      CHECK(content->size() == size);
      CHECK(files.lookup(name) == content);  // built once, shared
    }
  }
  const auto kernel = files.lookup("kern88xx.14-2-1-0001-14.sbn");
  REQUIRE(kernel != nullptr);
  CHECK(*kernel ==
        provisioning::generate_load_component("kern88xx.14-2-1-0001-14.sbn", kernel->size()));
  CHECK(files.lookup("rootfs88xx.14-2-1-0001-14.sbn")->size() == 4 * 1024 * 1024);
}

TEST_CASE("Signed variants verify against this cluster's ITL and not another's",
          "[provisioning][files][sgn]") {
  const auto db = lab_database();
  ConfigFiles files{db};
  const auto plain = files.lookup("SEP001122334455.cnf.xml");
  const auto sgn = files.lookup("SEP001122334455.cnf.xml.sgn");
  REQUIRE(sgn != nullptr);
  const auto parsed = provisioning::parse_signed_file(*sgn);
  REQUIRE(parsed.ok());
  CHECK(std::vector<std::uint8_t>(parsed->content.begin(), parsed->content.end()) == *plain);
  CHECK(parsed->header.file_name == "SEP001122334455.cnf.xml.sgn");

  const auto itl = provisioning::parse_trust_list(*files.lookup("ITLSEP001122334455.tlv"));
  REQUIRE(itl.ok());
  CHECK(provisioning::verify_signed_file(*sgn, *itl));
  CHECK(provisioning::verify_signed_file(*files.lookup("XMLDefault.cnf.xml.sgn"), *itl));

  // The phone moved from another cluster keeps that cluster's ITL: nothing verifies.
  auto other_db = lab_database();
  other_db.set_identity({"voicelab-branch", 1700000000});
  ConfigFiles other{other_db};
  const auto other_itl = provisioning::parse_trust_list(*other.lookup("ITLFile.tlv"));
  REQUIRE(other_itl.ok());
  CHECK_FALSE(provisioning::verify_signed_file(*sgn, *other_itl));

  // Trust lists, ring tones and firmware have no .sgn variant.
  CHECK(files.lookup("ITLFile.tlv.sgn") == nullptr);
  CHECK(files.lookup("Chirp1.raw.sgn") == nullptr);
  CHECK(files.lookup("sip88xx.14-2-1-0001-14.loads.sgn") == nullptr);
  CHECK(files.lookup("Ringlist.xml.sgn") != nullptr);
}

TEST_CASE("file_names() lists exactly what is served", "[provisioning][files]") {
  auto db = lab_database();
  db.set_security_mode(ClusterSecurityMode::mixed);
  ConfigFiles files{db};
  const auto names = files.file_names();
  CHECK(names.size() > 30);
  for (const auto& name : names) {
    INFO(name);
    CHECK(files.lookup(name) != nullptr);
  }
  CHECK(std::find(names.begin(), names.end(), "CTLSEP001122334455.tlv") != names.end());
  CHECK(std::find(names.begin(), names.end(), "XMLDefault.cnf.xml") != names.end());
}

TEST_CASE("A removed load's files are no longer served", "[provisioning][files][loads]") {
  auto db = lab_database();
  ConfigFiles files{db};
  REQUIRE(files.lookup("kern88xx.14-2-1-0001-14.sbn") != nullptr);
  db.put_load(provisioning::reference_load("sip88xx.14-3-1-0001-100"));
  CHECK(files.lookup("kern88xx.14-3-1-0001-100.sbn") != nullptr);
  CHECK(files.lookup("kern88xx.14-2-1-0001-14.sbn") != nullptr);  // both loads exist
  provisioning::FirmwareLoad empty{"sip88xx.14-2-1-0001-14", {}};
  db.put_load(empty);
  CHECK(files.lookup("kern88xx.14-2-1-0001-14.sbn") == nullptr);
  CHECK(files.lookup("fbi88xx.BE-01-010.sbn") != nullptr);  // still part of the new load
}

}  // namespace
}  // namespace voicelab::test
