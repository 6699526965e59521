// SEP<MAC>.cnf.xml and XMLDefault.cnf.xml: byte-exact golden files, well-formedness (pugixml
// and, when installed, xmllint), the generate -> parse round trip, and tolerant parsing of files
// shaped like the ones real CUCM releases write.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include "provisioning_test_util.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/error.hpp"
#include "voicelab/provisioning/files.hpp"

namespace voicelab::test {
namespace {

using provisioning::errc;
using provisioning::parse_device_config;

// Compares with the checked-in golden file. VOICELAB_UPDATE_GOLDEN=1 rewrites it instead (then
// review the diff before committing).
void check_golden(const std::string& name, const std::string& actual) {
  const auto path = golden_dir() / name;
  if (std::getenv("VOICELAB_UPDATE_GOLDEN") != nullptr) {
    std::ofstream{path, std::ios::binary} << actual;
    WARN("rewrote golden file " << path.string());
    return;
  }
  REQUIRE(std::filesystem::exists(path));
  CHECK(read_text(path) == actual);
}

bool well_formed(const std::string& xml) {
  pugi::xml_document doc;
  return static_cast<bool>(doc.load_buffer(xml.data(), xml.size()));
}

TEST_CASE("SEP<MAC>.cnf.xml of a two-line 8861 in a three-node group matches its golden file",
          "[provisioning][golden]") {
  const auto db = lab_database();
  const std::string xml = provisioning::generate_device_config(db, *db.device(golden_device));
  CHECK(well_formed(xml));
  check_golden("SEP001122334455.cnf.xml", xml);
  // The same database gives the same bytes (no clock, no randomness).
  CHECK(provisioning::generate_device_config(lab_database(), *db.device(golden_device)) == xml);
}

TEST_CASE("XMLDefault.cnf.xml matches its golden file", "[provisioning][golden]") {
  const auto db = lab_database();
  const std::string xml = provisioning::generate_default_config(db);
  CHECK(well_formed(xml));
  check_golden("XMLDefault.cnf.xml", xml);
}

TEST_CASE("Golden files pass xmllint --noout", "[provisioning][golden][xmllint]") {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    WARN("xmllint not installed (Debian package libxml2-utils): skipping the xmllint check");
    return;
  }
  for (const char* name : {"SEP001122334455.cnf.xml", "XMLDefault.cnf.xml"}) {
    const auto path = golden_dir() / name;
    const auto errors = std::filesystem::temp_directory_path() / "voicelab-xmllint.txt";
    const std::string command =
        "xmllint --noout '" + path.string() + "' 2>'" + errors.string() + "'";
    INFO(command);
    CHECK(std::system(command.c_str()) == 0);
    // Namespace errors only print: require silence too.
    CHECK(read_text(errors).empty());
    std::filesystem::remove(errors);
  }
}

TEST_CASE("Generate then parse gives back the nodes, lines, load and file names",
          "[provisioning][parse]") {
  const auto db = lab_database();
  const auto& device = *db.device(golden_device);
  const std::string xml = provisioning::generate_device_config(db, device);
  const auto config = parse_device_config(xml, device.model, "SEP001122334455.cnf.xml");
  REQUIRE(config.ok());
  CHECK(config->device_name == "SEP001122334455");
  CHECK_FALSE(config->unprovisioned);

  const auto nodes = db.call_manager_nodes(device);
  REQUIRE(config->call_managers.size() == 3);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    INFO(i);
    CHECK(config->call_managers[i].name == nodes[i]->name);
    CHECK(config->call_managers[i].address == nodes[i]->address.to_string());
    CHECK(config->call_managers[i].sip_port == 5060);
    CHECK(config->call_managers[i].secure_sip_port == 5061);
    CHECK(config->call_managers[i].priority == static_cast<int>(i));
  }
  CHECK(config->call_managers[0].name == "cucm-sub1");

  REQUIRE(config->lines.size() == 2);
  CHECK(config->lines[0].dn == "1001");
  CHECK(config->lines[0].display_name == "Alice Example");
  CHECK(config->lines[0].label == "Alice - 1001");
  CHECK(config->lines[0].button == 1);
  CHECK(config->lines[1].dn == "1002");
  CHECK(config->lines[1].label == "1002");  // no label: CUCM shows the DN
  CHECK(config->lines[1].button == 2);

  CHECK(config->load_information == "sip88xx.14-2-1-0001-14");
  CHECK(config->load_information == db.effective_load(device));
  CHECK(config->user_locale == "English_United_States");
  CHECK(config->network_locale == "United_States");
  CHECK(config->dial_rules_file == "DR-HQ.xml");
  CHECK(config->softkey_file ==
        provisioning::softkey_file_name(*db.softkey_template("Standard User")));
  CHECK(config->transport == "TCP");  // TCP+UDP (4): the phone registers over TCP
  CHECK(config->device_security_mode == 1);
  CHECK(config->connection_monitor_duration == 120);
  CHECK(config->tvs_servers == std::vector<std::string>{"10.1.1.11", "10.1.1.12", "10.1.1.10"});
  CHECK(config->version_stamp.starts_with("1700000000-"));
}

TEST_CASE("Device settings reach the file: load override, transport, security, group order",
          "[provisioning][parse]") {
  auto db = lab_database();
  auto device = *db.device(golden_device);
  device.phone_load = "sip88xx.12-8-1-0001-455";
  device.transport = provisioning::TransportType::udp;
  device.security_mode = provisioning::DeviceSecurityMode::encrypted;
  db.put_device(device);
  db.put_call_manager_group({"CMG-HQ", {"cucm-pub"}});
  const auto config =
      parse_device_config(provisioning::generate_device_config(db, *db.device(golden_device)), "");
  REQUIRE(config.ok());
  CHECK(config->load_information == "sip88xx.12-8-1-0001-455");
  CHECK(config->transport == "UDP");
  CHECK(config->device_security_mode == 3);
  REQUIRE(config->call_managers.size() == 1);
  CHECK(config->call_managers[0].address == "10.1.1.10");
  CHECK(config->device_name.empty());  // CUCM's file does not name the device
}

TEST_CASE("The version stamp changes exactly when the content does", "[provisioning]") {
  auto db = lab_database();
  const auto stamp = [&] {
    return parse_device_config(provisioning::generate_device_config(db, *db.device(golden_device)),
                               "")
        ->version_stamp;
  };
  const std::string before = stamp();
  CHECK(stamp() == before);
  auto device = *db.device(golden_device);
  device.lines[1].display_name = "Bob";
  db.put_device(device);
  CHECK(stamp() != before);
}

TEST_CASE("XMLDefault.cnf.xml gives each model its default load", "[provisioning][parse]") {
  const auto db = lab_database();
  const std::string xml = provisioning::generate_default_config(db);
  for (const auto& [model, load] : std::vector<std::pair<std::string, std::string>>{
           {"CP-8861", "sip88xx.14-2-1-0001-14"},
           {"Cisco 8861", "sip88xx.14-2-1-0001-14"},
           {"685", "sip88xx.14-2-1-0001-14"},
           {"Cisco IP Phone 7841", "sip78xx.14-2-1-0001-14"},
           {"CP-8845", "sip8845_65.14-2-1-0001-14"},
           {"CP-7832", "sip7832.14-2-1-0001-14"},
           {"CP-9971", ""},
           {"", ""},
       }) {
    INFO(model);
    const auto config = parse_device_config(xml, model);
    REQUIRE(config.ok());
    CHECK(config->unprovisioned);
    CHECK(config->load_information == load);
  }
  const auto config = parse_device_config(xml, "CP-8861");
  REQUIRE(config->call_managers.size() == 3);
  CHECK(config->call_managers[0].address == "10.1.1.11");
  CHECK(config->lines.empty());
  CHECK(config->auto_registration);
}

// A file in the shape later CUCM releases write: elements this lab never generates (VPN, phone
// services, feature policy, user ids with attributes), comments, CDATA, CR LF line ends, a
// member listed before a higher-priority one, a speed dial among the lines, a lower-case
// loadinformation element, attributes on everything.
constexpr std::string_view cucm14_like =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<device xsi:type=\"axl:XIPPhone\" ctiid=\"91\" uuid=\"{aa}\">\r\n"
    "<fullConfig>true</fullConfig><portalDefaultServer>10.9.9.9</portalDefaultServer>\r\n"
    "<deviceProtocol>SIP</deviceProtocol><!-- a comment -->\r\n"
    "<featurePolicyFile>DefaultFP.xml</featurePolicyFile>\r\n"
    "<vpnGroup><mtu>1290</mtu><addresses><url1/></addresses></vpnGroup>\r\n"
    "<devicePool uuid=\"{bb}\"><revertPriority>0</revertPriority><name>DP</name>\r\n"
    " <callManagerGroup><name>G</name><tftpDefault>true</tftpDefault><members>\r\n"
    "  <member priority=\"1\"><callManager><name>sub2</name><ports>"
    "<ethernetPhonePort>2000</ethernetPhonePort><sipPort>5070</sipPort>"
    "<securedSipPort>5071</securedSipPort></ports>"
    "<processNodeName>cucm-sub2.example.com</processNodeName><extra a=\"b\"/></callManager>"
    "</member>\r\n"
    "  <member priority=\"0\"><callManager><name>sub1</name><ports><sipPort> 5060 </sipPort>"
    "</ports><processNodeName>10.2.2.2</processNodeName></callManager></member>\r\n"
    "  <member priority=\"2\"><callManager><name>broken</name></callManager></member>\r\n"
    " </members></callManagerGroup>\r\n"
    " <connectionMonitorDuration>300</connectionMonitorDuration>\r\n"
    "</devicePool>\r\n"
    "<sipProfile><sipLines>\r\n"
    " <line button=\"1\" lineIndex=\"1\"><featureID>9</featureID><featureLabel><![CDATA[Ann & "
    "Co]]></featureLabel><name>2001</name><displayName>Ann &amp; Co</displayName>"
    "<newThing>x</newThing></line>\r\n"
    " <line button=\"2\"><featureID>2</featureID><featureLabel>Speed</featureLabel>"
    "<speedDialNumber>5555</speedDialNumber></line>\r\n"
    " <line button=\"3\" lineIndex=\"2\"><featureID>9</featureID><name>2002</name></line>\r\n"
    "</sipLines><dialTemplate>dialplan.xml</dialTemplate><softKeyFile>Softkeys.xml</softKeyFile>"
    "</sipProfile>\r\n"
    "<phoneServices useHTTPS=\"true\"><provisioning>0</provisioning></phoneServices>\r\n"
    "<loadInformation>sip88xx.14-3-1-0001-100</loadInformation>\r\n"
    "<userId serviceProfileFile=\"SPDefault.cnf.xml\">ann</userId>\r\n"
    "<userLocale><name>French_France</name><uid>1</uid><langCode>fr_FR</langCode></userLocale>\r\n"
    "<networkLocale>France</networkLocale>\r\n"
    "<transportLayerProtocol>2</transportLayerProtocol>\r\n"
    "</device>\r\n";

TEST_CASE("Parsing tolerates elements, comments and orders a later CUCM adds",
          "[provisioning][parse]") {
  const auto config = parse_device_config(cucm14_like, "CP-8851");
  REQUIRE(config.ok());
  REQUIRE(config->call_managers.size() == 2);  // the member without processNodeName is skipped
  CHECK(config->call_managers[0].name == "sub1");
  CHECK(config->call_managers[0].address == "10.2.2.2");
  CHECK(config->call_managers[0].sip_port == 5060);
  CHECK(config->call_managers[0].secure_sip_port == 5061);  // absent: the default
  CHECK(config->call_managers[1].address == "cucm-sub2.example.com");
  CHECK(config->call_managers[1].sip_port == 5070);
  CHECK(config->call_managers[1].secure_sip_port == 5071);
  REQUIRE(config->lines.size() == 2);  // the speed dial is not a line
  CHECK(config->lines[0].label == "Ann & Co");
  CHECK(config->lines[0].display_name == "Ann & Co");
  CHECK(config->lines[1].dn == "2002");
  CHECK(config->lines[1].button == 3);
  CHECK(config->load_information == "sip88xx.14-3-1-0001-100");
  CHECK(config->user_locale == "French_France");
  CHECK(config->network_locale == "France");
  CHECK(config->dial_rules_file == "dialplan.xml");
  CHECK(config->softkey_file == "Softkeys.xml");
  CHECK(config->transport == "UDP");
  CHECK(config->connection_monitor_duration == 300);
}

TEST_CASE("A minimal hand-written file and a lower-case XMLDefault parse too",
          "[provisioning][parse]") {
  const auto minimal = parse_device_config(
      "<device><devicePool><callManagerGroup><members><member priority=\"0\"><callManager>"
      "<ports><sipPort>5060</sipPort></ports><processNodeName>192.0.2.1</processNodeName>"
      "</callManager></member></members></callManagerGroup></devicePool><sipProfile><sipLines>"
      "<line button=\"1\"><name>100</name></line></sipLines></sipProfile></device>",
      "CP-7841");
  REQUIRE(minimal.ok());
  REQUIRE(minimal->call_managers.size() == 1);
  REQUIRE(minimal->lines.size() == 1);
  CHECK(minimal->lines[0].dn == "100");
  CHECK(minimal->transport.empty());
  CHECK(minimal->load_information.empty());

  // As a Ruby (Nokogiri) XMLDefault generator writes it.
  const auto lower = parse_device_config(
      "<Default><callManagerGroup><members><member priority=\"0\"><callManager>"
      "<processNodeName>192.0.2.1</processNodeName></callManager></member></members>"
      "</callManagerGroup><loadinformation684 model=\"Cisco 8851\">sip88xx.12-5-1SR2-2"
      "</loadinformation684><loadinformation622 model=\"Cisco 7841\">sip78xx.12-5-1SR2-2"
      "</loadinformation622></Default>",
      "CP-7841");
  REQUIRE(lower.ok());
  CHECK(lower->unprovisioned);
  CHECK(lower->load_information == "sip78xx.12-5-1SR2-2");
}

TEST_CASE("Files that are not configurations are refused with an error, never thrown",
          "[provisioning][parse]") {
  CHECK(parse_device_config("", "CP-8861").error() == errc::malformed_xml);
  CHECK(parse_device_config("<device><a></device>", "CP-8861").error() == errc::malformed_xml);
  CHECK(parse_device_config("<html><body>404</body></html>", "").error() == errc::not_a_config);
  CHECK(parse_device_config("404 Not Found\n", "").error() == errc::malformed_xml);
  // Garbage in numeric fields falls back to the defaults.
  const auto odd = parse_device_config(
      "<device><devicePool><callManagerGroup><members><member priority=\"x\"><callManager>"
      "<ports><sipPort>99999</sipPort></ports><processNodeName>h</processNodeName></callManager>"
      "</member></members></callManagerGroup></devicePool>"
      "<transportLayerProtocol>tcp</transportLayerProtocol></device>",
      "");
  REQUIRE(odd.ok());
  CHECK(odd->call_managers[0].sip_port == 5060);
  CHECK(odd->call_managers[0].priority == 0);
  CHECK(odd->transport.empty());
}

}  // namespace
}  // namespace voicelab::test

namespace voicelab::test {
namespace {

// Not run by default: `test_provisioning "[.write-corpus]"` rewrites the seed corpus of the
// fuzz_provisioning_config target from the generators and the documents above.
TEST_CASE("Write the fuzz seed corpus", "[.write-corpus]") {
  auto db = lab_database();
  db.set_security_mode(provisioning::ClusterSecurityMode::mixed);
  provisioning::ConfigFiles files{db};
  const auto dir = std::filesystem::path(VOICELAB_SOURCE_DIR) / "tests" / "fuzz" / "corpus" /
                   "fuzz_provisioning_config";
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream{dir / name, std::ios::binary} << bytes;
  };
  const auto served = [&](const std::string& name) { return as_text(*files.lookup(name)); };
  write("sep-cnf-xml", served("SEP001122334455.cnf.xml"));
  write("sep-cnf-xml-sgn", served("SEP001122334455.cnf.xml.sgn"));
  write("xmldefault", served("XMLDefault.cnf.xml"));
  write("itl", served("ITLSEP001122334455.tlv"));
  write("ctl", served("CTLFile.tlv"));
  write("loads-88xx", served("sip88xx.14-2-1-0001-14.loads"));
  write("dial-rules", served("DR-HQ.xml"));
  write("cucm14-like", std::string(cucm14_like));
  write("xmldefault-lowercase",
        "<Default><callManagerGroup><members><member priority=\"0\"><callManager>"
        "<processNodeName>192.0.2.1</processNodeName></callManager></member></members>"
        "</callManagerGroup><loadinformation684 model=\"Cisco 8851\">sip88xx.12-5-1SR2-2"
        "</loadinformation684></Default>");
  write("loads-two-platforms",
        "[LOAD]\nLoadId=sip88xx.X\n[PLATFORM_1]\nFile1=a.sbn,10\nFile2=boot.sbn,5\n"
        "[PLATFORM_2]\nFile1=b.sbn,20\nFile2=boot.sbn,5\n");
  write("not-found-html", "<html><body>404 Not Found</body></html>");
  write("unclosed", "<device><devicePool><callManagerGroup>");
}

}  // namespace
}  // namespace voicelab::test
