// The Find and List Phones view (structured and as text), the trace lines, the directory, and the
// rejection table.

#include <string>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "voicelab/cucm/phone_list.hpp"

namespace voicelab::test {
namespace {

using namespace cucm_bench;

TEST_CASE("render_phone_list prints a fixed-width table", "[cucm][view]") {
  std::vector<cucm::PhoneRow> rows(3);
  rows[0].device = "SEP0041D25A0F3C";
  rows[0].description = "Lobby 8861";
  rows[0].status = cucm::DeviceStatus::registered;
  rows[0].address = wire::Ipv4Address{10, 10, 20, 31};
  rows[0].node = "cucm1";
  rows[1].device = "SEP0041D25A0F3D";
  rows[1].description = "";
  rows[1].status = cucm::DeviceStatus::partially_registered;
  rows[1].address = wire::Ipv4Address{10, 10, 20, 132};
  rows[1].node = "cucm-sub2";
  rows[2].device = "SEP00AABBCCDDEE";
  rows[2].description = "Spare";
  rows[2].status = cucm::DeviceStatus::unknown;
  rows[2].node = "";
  CHECK(cucm::render_phone_list(rows) ==
        "Device Name      Description  Status                IPv4 Address  Node\n"
        "---------------  -----------  --------------------  ------------  ---------\n"
        "SEP0041D25A0F3C  Lobby 8861   Registered            10.10.20.31   cucm1\n"
        "SEP0041D25A0F3D               Partially Registered  10.10.20.132  cucm-sub2\n"
        "SEP00AABBCCDDEE  Spare        Unknown               -\n");
  CHECK(cucm::render_phone_list({}) ==
        "Device Name  Description  Status  IPv4 Address  Node\n"
        "-----------  -----------  ------  ------------  ----\n");
}

TEST_CASE("find_and_list_phones shows what the node knows, sorted by name", "[cucm][view]") {
  Bench bench;
  Phone a = make_phone(80);
  Phone b = make_phone(81);
  Phone c = make_phone(82);
  Phone d = make_phone(83);
  bench.directory.add(device_for(a, {"8000"}));
  bench.directory.add(device_for(b, {"8100"}, {"cucm9"}));
  bench.directory.add(device_for(c, {"8200"}));
  bench.directory.add(device_for(d, {"8300"}));  // never heard from
  bench.tcp(0s, 1, c, c.next_register("8200", 3600, bench.phone_random));
  bench.tcp(0s, 2, b, b.next_register("8100", 3600, bench.phone_random));
  bench.tcp(0s, 3, a, a.next_register("8000", 3600, bench.phone_random));
  bench.tcp(1s, 3, a, a.next_register("8000", 0, bench.phone_random));

  const auto rows = bench.registrar.find_and_list_phones();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].device == a.name());
  CHECK(rows[0].status == cucm::DeviceStatus::unregistered);
  CHECK(rows[1].status == cucm::DeviceStatus::rejected);
  CHECK(rows[1].address == std::nullopt);  // never accepted here
  CHECK(rows[2].status == cucm::DeviceStatus::registered);
  CHECK(rows[2].model == "Cisco 8861");
  CHECK(cucm::render_phone_list(rows) ==
        "Device Name      Description        Status        IPv4 Address  Node\n"
        "---------------  -----------------  ------------  ------------  -----\n"
        "SEP0041D25A0F50  Phone 10.10.20.80  Unregistered  10.10.20.80   cucm1\n"
        "SEP0041D25A0F51  Phone 10.10.20.81  Rejected      -             cucm1\n"
        "SEP0041D25A0F52  Phone 10.10.20.82  Registered    10.10.20.82   cucm1\n");

  const auto unknown = bench.registrar.phone(d.name());
  CHECK(unknown.status == cucm::DeviceStatus::unknown);
  CHECK(unknown.description == "Phone 10.10.20.83");
  CHECK(unknown.lines_configured == 1);
}

TEST_CASE("a trace line per SIP message in and out", "[cucm][view]") {
  Bench bench;
  Phone phone = make_phone(84);
  bench.directory.add(device_for(phone, {"1001"}));
  auto reg = phone.next_register("1001", 3600, bench.phone_random);
  reg.set("Call-ID", "trace-1@10.10.20.84");
  bench.tcp(125s + 250ms, 7, phone, reg);
  std::vector<std::string> lines;
  while (auto t = bench.registrar.poll_trace()) lines.push_back(t->to_string());
  const std::string size_in = std::to_string(sip::serialize(reg).size());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "00:02:05.250 cucm1 SIP/TCP in  conn 7 from 10.10.20.84:51534 (" + size_in +
                        " bytes): REGISTER sip:10.10.10.11 SIP/2.0 | CSeq: 101 REGISTER | "
                        "Call-ID: trace-1@10.10.20.84");
  CHECK(lines[1].starts_with("00:02:05.250 cucm1 SIP/TCP out conn 7 to 10.10.20.84:51534 ("));
  CHECK(lines[1].ends_with(
      " bytes): SIP/2.0 100 Trying | CSeq: 101 REGISTER | Call-ID: trace-1@10.10.20.84"));
  CHECK(lines[2].ends_with(
      " bytes): SIP/2.0 200 OK | CSeq: 101 REGISTER | Call-ID: trace-1@10.10.20.84"));

  // The whole message on demand, and no trace at all when turned off.
  cucm::RegistrarConfig full;
  full.trace_full_messages = true;
  Bench verbose(full);
  verbose.tcp(0s, 1, phone, reg);
  const auto t = verbose.registrar.poll_trace();
  REQUIRE(t);
  CHECK(t->to_string().find("\nREGISTER sip:10.10.10.11 SIP/2.0\nVia: SIP/2.0/TCP") !=
        std::string::npos);
  cucm::RegistrarConfig quiet;
  quiet.trace = false;
  Bench silent(quiet);
  silent.tcp(0s, 1, phone, reg);
  CHECK_FALSE(silent.registrar.poll_trace());

  // UDP and unparseable input.
  Phone udp = make_phone(85, sip::Transport::udp);
  bench.udp(1s, udp, "junk\r\n\r\n");
  const auto junk = bench.registrar.poll_trace();
  REQUIRE(junk);
  CHECK(junk->to_string() ==
        "00:00:01.000 cucm1 SIP/UDP in  from 10.10.20.85:51534 (8 bytes): unparseable: " +
            sip::make_error_code(sip::errc::bad_start_line).message());
}

TEST_CASE("rejections and events describe themselves", "[cucm][view]") {
  CHECK(cucm::rejection(cucm::RejectReason::unknown_device).status == 404);
  CHECK(cucm::rejection(cucm::RejectReason::line_not_on_device).status == 403);
  CHECK(cucm::rejection(cucm::RejectReason::node_not_in_group).status == 503);
  CHECK(cucm::rejection(cucm::RejectReason::throttled).retry_after);
  CHECK_FALSE(cucm::rejection(cucm::RejectReason::too_many_devices).retry_after);

  Bench bench;
  Phone phone = make_phone(86);
  bench.tcp(0s, 1, phone, phone.next_register("1001", 3600, bench.phone_random));
  const auto e = bench.events().at(0);
  CHECK(e.describe() == "cucm1: " + phone.name() +
                            " line 1001 rejected from 10.10.20.86:51534 over TCP: 404 (unknown "
                            "device: Unable to find device/user in database)");
}

TEST_CASE("MemoryDirectory finds, replaces and removes devices", "[cucm][view]") {
  cucm::MemoryDirectory directory{{"SEPA", "Cisco 8861", "a", {"1"}, {"cucm1"}}};
  REQUIRE(directory.find("SEPA") != nullptr);
  CHECK(directory.find("SEPB") == nullptr);
  CHECK(directory.find("sepa") == nullptr);  // exact match
  directory.add({"SEPA", "Cisco 7841", "a2", {"1", "2"}, {"cucm2"}});
  CHECK(directory.size() == 1);
  CHECK(directory.find("SEPA")->model == "Cisco 7841");
  CHECK(directory.remove("SEPA"));
  CHECK_FALSE(directory.remove("SEPA"));
  CHECK(directory.size() == 0);
}

}  // namespace
}  // namespace voicelab::test
