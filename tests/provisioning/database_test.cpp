// The device database (generations, lookups, resolution), the model catalog, and the .loads
// descriptor parser.

#include "voicelab/provisioning/database.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "provisioning_test_util.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/error.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/provisioning/models.hpp"

namespace voicelab::test {
namespace {

using namespace provisioning;

TEST_CASE("generation() moves on every change, device changes leave shared_generation",
          "[provisioning][database]") {
  Database db;
  CHECK(db.generation() == 0);
  db.put_node({"cucm-pub", "", {10, 1, 1, 10}, {}, 5060, 5061});
  CHECK(db.generation() == 1);
  CHECK(db.shared_generation() == 1);
  Device d;
  d.name = "SEP001122334455";
  d.model = "Cisco 8861";
  db.put_device(d);
  CHECK(db.generation() == 2);
  CHECK(db.shared_generation() == 1);
  CHECK(db.device_generation("SEP001122334455") == 2);
  db.put_region({"R", ""});
  CHECK(db.device_generation("SEP001122334455") == 3);
  CHECK(db.device_generation("SEP000000000000") == 0);
  db.set_security_mode(ClusterSecurityMode::mixed);
  CHECK(db.generation() == 4);
  CHECK_FALSE(db.remove_device("SEP000000000000"));
  CHECK(db.generation() == 4);
  CHECK(db.remove_device("SEP001122334455"));
  CHECK(db.generation() == 5);
  CHECK(db.device("SEP001122334455") == nullptr);
}

TEST_CASE("Device names and protocols are validated at put time", "[provisioning][database]") {
  Database db;
  Device d;
  d.model = "Cisco 8861";
  for (const char* bad : {"", "SEP0011223344", "SEP001122334455X", "sep001122334455",
                          "SEP00112233445g", "SEP00112233445a", "ATA001122334455"}) {
    d.name = bad;
    INFO(bad);
    CHECK_THROWS_AS(db.put_device(d), std::invalid_argument);
  }
  d.name = "SEP001122334455";
  d.protocol = "SCCP";
  CHECK_THROWS_AS(db.put_device(d), std::invalid_argument);
  CHECK(db.generation() == 0);
}

TEST_CASE("Lookups by name over a 250-phone database", "[provisioning][database]") {
  Database db;
  for (int i = 0; i < 250; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "SEP0000000%05X", i);
    Device d;
    d.name = name;
    d.model = "Cisco 7841";
    d.lines = {{std::to_string(1000 + i), "", ""}};
    db.put_device(d);
  }
  CHECK(db.devices().size() == 250);
  const Device* d = db.device("SEP00000000007B");
  REQUIRE(d != nullptr);
  CHECK(d->lines[0].dn == "1123");
}

TEST_CASE("The load a device runs: override, else the model's default",
          "[provisioning][database]") {
  auto db = lab_database();
  Device d = *db.device(golden_device);
  CHECK(db.effective_load(d) == "sip88xx.14-2-1-0001-14");
  d.model = "CP-7841";  // another spelling of a known model
  CHECK(db.effective_load(d) == "sip78xx.14-2-1-0001-14");
  d.model = "Cisco 9971";
  CHECK(db.effective_load(d).empty());
  d.phone_load = "sip88xx.12-8-1-0001-455";
  CHECK(db.effective_load(d) == "sip88xx.12-8-1-0001-455");
}

TEST_CASE("Dangling references still give a file", "[provisioning][database]") {
  Database db;
  Device d;
  d.name = "SEP001122334455";
  d.model = "Cisco 8861";
  d.device_pool = "missing";
  d.lines = {{"1001", "", ""}};
  db.put_device(d);
  const auto config = parse_device_config(generate_device_config(db, d), "CP-8861");
  REQUIRE(config.ok());
  CHECK(config->call_managers.empty());
  CHECK(config->lines.size() == 1);
  CHECK(parse_device_config(generate_default_config(db), "CP-8861").ok());
}

TEST_CASE("Model spellings", "[provisioning][models]") {
  for (const char* spelling :
       {"Cisco 8861", "CP-8861", "cp-8861", "Cisco IP Phone 8861", "8861", "685", "cisco 8861"}) {
    INFO(spelling);
    const PhoneModel* m = find_phone_model(spelling);
    REQUIRE(m != nullptr);
    CHECK(m->type == 685);
    CHECK(m->load_family == "sip88xx");
  }
  CHECK(find_phone_model("CP-8851")->type == 684);
  CHECK(find_phone_model("Cisco 7811")->type == 36213);
  CHECK(find_phone_model("CP-8865")->load_family == "sip8845_65");
  CHECK(find_phone_model("CP-9999") == nullptr);
  CHECK(find_phone_model("") == nullptr);
  CHECK(find_phone_model("Cisco") == nullptr);
  CHECK(model_number("CP-8861") == "8861");
  CHECK(model_number("Cisco IP Phone 7841 ") == "7841");
}

TEST_CASE("Reference loads name Cisco's component files", "[provisioning][loads]") {
  const auto l88 = reference_load("sip88xx.14-2-1-0001-14");
  REQUIRE(l88.files.size() == 5);
  CHECK(l88.files[0].name == "fbi88xx.BE-01-010.sbn");
  CHECK(l88.files[1].name == "kern88xx.14-2-1-0001-14.sbn");
  CHECK(l88.files[2].name == "rootfs88xx.14-2-1-0001-14.sbn");
  const auto l78 = reference_load("sip78xx.14-2-1-0101-26");
  REQUIRE(l78.files.size() == 5);
  CHECK(l78.files[2].name == "rootfs2.78xx.14-2-1-0101-26.sbn");
  const auto other = reference_load("sip8845_65.14-2-1-0001-14");
  CHECK(other.files[0].name == "kern8845_65.14-2-1-0001-14.sbn");
}

TEST_CASE("A load descriptor round-trips and parses tolerantly", "[provisioning][loads]") {
  const auto load = reference_load("sip88xx.14-2-1-0001-14");
  const auto parsed = parse_load_descriptor(generate_load_descriptor(load));
  REQUIRE(parsed.ok());
  CHECK(parsed->load_id == load.load_id);
  REQUIRE(parsed->files.size() == load.files.size());
  for (std::size_t i = 0; i < load.files.size(); ++i) {
    CHECK(parsed->files[i].first == load.files[i].name);
    CHECK(parsed->files[i].second == load.files[i].size);
  }
  REQUIRE(parsed->platforms.size() == 1);
  CHECK(parsed->platforms[0].number == 1);

  // Two platforms sharing a boot loader, CR LF, comments, unknown keys and sections.
  const auto multi = parse_load_descriptor(
      "# comment\r\n[LOAD]\r\nLoadId = sip88xx.X\r\nSigned=1\r\n[NOTES]\r\nFile1=ignored,1\r\n"
      "[PLATFORM_1]\r\nFile1=a.sbn,10\r\nFile2=boot.sbn,5\r\n[PLATFORM_2]\r\nFile1=b.sbn,20\r\n"
      "File2=boot.sbn,5\r\nOther=x\r\n");
  REQUIRE(multi.ok());
  CHECK(multi->load_id == "sip88xx.X");
  REQUIRE(multi->platforms.size() == 2);
  CHECK(multi->platforms[1].number == 2);
  CHECK(multi->platforms[1].files.size() == 2);
  REQUIRE(multi->files.size() == 3);
  CHECK(multi->files[2].first == "b.sbn");

  for (const char* bad :
       {"", "[LOAD]\n", "[PLATFORM_1]\nFile1=a.sbn,1\n",
        "[LOAD]\nLoadId=x\n[PLATFORM_1]\nFile1=a.sbn\n",
        "[LOAD]\nLoadId=x\n[PLATFORM_1]\nFile1=,5\n",
        "[LOAD]\nLoadId=x\n[PLATFORM_1]\nFile1=a,-5\n",
        "[LOAD]\nLoadId=x\n[PLATFORM_1]\nFile1=a,99999999999999999999999\n", "[LOAD\nLoadId=x\n"}) {
    INFO(bad);
    const auto result = parse_load_descriptor(bad);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error() == errc::bad_load_descriptor);
  }
}

}  // namespace
}  // namespace voicelab::test
