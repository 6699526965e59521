// The phone engine against the real server engines (phone_lab.hpp), with explicit time.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "phone_lab.hpp"

namespace voicelab::test {
namespace {

using phone::PhoneState;
using phone::StepStatus;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<int> one_to_fourteen() {
  std::vector<int> v;
  for (int n = 1; n <= phone::step_count; ++n) v.push_back(n);
  return v;
}

}  // namespace

TEST_CASE("model catalogue: the built-in models and scenario additions", "[phone]") {
  auto catalogue = phone::ModelCatalogue::builtin();
  for (const char* name : {"7841", "7861", "8841", "8845", "8851", "8861", "8865", "9861"}) {
    INFO(name);
    const auto* m = catalogue.find(name);
    REQUIRE(m != nullptr);
    CHECK(m->product == std::string("CP-") + name);
    CHECK(m->boot_time > 0s);
    CHECK(phone::load_family(m->default_load) == m->load_prefix);
  }
  CHECK(catalogue.find("CP-8861")->model_id == "685");
  CHECK(catalogue.find("Cisco 8845")->load_prefix == "sip8845_65");
  CHECK(catalogue.find("cisco ip phone 7841")->load_prefix == "sip78xx");
  CHECK(catalogue.find("9861")->load_prefix == "PHONEOS");
  CHECK(catalogue.find("7960") == nullptr);

  phone::PhoneModel old;
  old.name = "7965";
  old.load_prefix = "SIP45";
  old.http_first = false;
  old.lldp_med = false;
  old.boot_time = 20s;
  catalogue.add(old);
  const auto* m = catalogue.find("CP-7965");
  REQUIRE(m != nullptr);
  CHECK(m->platform == "Cisco IP Phone 7965");
  CHECK(m->default_load == "SIP45.1-0-0-0001-1");
  CHECK_FALSE(m->http_first);
  CHECK(catalogue.size() == 9);
  CHECK_THROWS_AS(catalogue.add(phone::PhoneModel{}), std::invalid_argument);

  phone::PhoneConfig config;
  config.mac = phone_mac;
  config.model = "7960";
  Random random(1);
  CHECK_THROWS_AS(phone::Phone(config, catalogue, random), std::invalid_argument);
}

TEST_CASE("happy path: the 14 steps in order, CTL not found in a non-secure cluster", "[phone]") {
  PhoneLab lab;
  lab.power_on(1s);
  lab.run_until(300s);
  auto& p = lab.phone();

  CHECK(started_steps(lab.events()) == one_to_fourteen());
  for (const auto& s : p.steps()) {
    INFO("step " << s.n << " " << s.name() << ": " << phone::to_string(s.status) << " - "
                 << s.detail);
    CHECK((s.status == StepStatus::ok));
    REQUIRE(s.start);
    REQUIRE(s.end);
    CHECK(*s.start <= *s.end);
    CHECK(s.boot == 1);
  }
  for (int n = 2; n <= phone::step_count; ++n) CHECK(*p.step(n - 1).end <= *p.step(n).start);
  CHECK(p.step(5).detail == "file not found (non-secure cluster)");
  CHECK(contains(p.step(3).detail, "voice VLAN 100 from CDP"));
  // Step 2 lasts the model's boot time.
  CHECK(*p.step(2).end - *p.step(2).start == p.model().boot_time);

  CHECK(p.state() == PhoneState::registered);
  const auto& st = p.status();
  CHECK(st.registration == "Registered with Cisco Unified Communications Manager 10.1.1.11");
  REQUIRE(st.ipv4);
  CHECK(st.ipv4->to_string() == "10.1.100.100/24");
  CHECK(st.gateway == gateway);
  CHECK(st.voice_vlan == 100);
  CHECK(st.active_load == load_14);
  CHECK(st.inactive_load.empty());
  CHECK(st.download_status.empty());
  CHECK(st.registered_with == "cucm1");
  CHECK(st.lines == std::vector<std::string>{"1001"});
  CHECK(p.display() == "Alice 1001");
  CHECK(display_messages(lab.events()) ==
        std::vector<std::string>{"Configuring VLAN", "Configuring IP", "Configuring CM List",
                                 "Registering", "Alice 1001"});

  // What the phone did to its interface and what the servers saw.
  REQUIRE(lab.phone_vlan());
  CHECK(lab.phone_vlan()->vid == 100);
  CHECK(lab.phone_address() == st.ipv4);
  CHECK(lab.cdp_frames_from_phone() >= 1);
  REQUIRE(lab.registrar().binding(device, "1001") != nullptr);
  // No HTTP server: every file over TFTP, in the phone's order.
  CHECK(lab.requested_files() ==
        std::vector<std::string>{"tftp:CTLSEP001122334455.tlv", "tftp:ITLSEP001122334455.tlv",
                                 "tftp:SEP001122334455.cnf.xml", "tftp:LabDialRules.xml",
                                 "tftp:United_States/g3-tones.xml",
                                 "tftp:English_United_States/tags_file", lab.requested_files()[6],
                                 "tftp:Ringlist.xml", "tftp:DistinctiveRingList.xml"});
  CHECK(contains(lab.requested_files()[6], "tftp:SK"));

  // The console has the story in order.
  REQUIRE_FALSE(p.console().empty());
  CHECK(contains(p.console().front().text, "Step 1 PoE power-up"));
  CHECK(contains(phone::format_console_line(p.console().front()), "1.000 "));
}

TEST_CASE("HTTP 6970 first: the model fetches over HTTP when the node serves it", "[phone]") {
  LabOptions options;
  options.http = true;
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(300s);
  CHECK(lab.phone().state() == PhoneState::registered);
  REQUIRE(lab.requested_files().size() == 9);
  for (const auto& f : lab.requested_files()) CHECK(f.rfind("http:", 0) == 0);
  CHECK(lab.phone().step(5).detail == "file not found (non-secure cluster)");
  CHECK(contains(lab.phone().step(7).detail, "via HTTP 10.1.1.11:6970"));
}

TEST_CASE("a TFTP-only model never tries HTTP", "[phone]") {
  // A scenario adds a model whose firmware only speaks TFTP; the node does serve HTTP.
  auto catalogue = phone::ModelCatalogue::builtin();
  auto model = *catalogue.find("8861");
  model.name = "8861-tftp";
  model.http_first = false;
  catalogue.add(model);
  phone::PhoneConfig config = PhoneLab::default_config();
  config.model = "8861-tftp";
  LabOptions options;
  options.http = true;
  PhoneLab lab(options, config, catalogue);
  lab.power_on(0s);
  lab.run_until(300s);
  CHECK_FALSE(lab.phone().model().http_first);
  CHECK(lab.phone().state() == PhoneState::registered);
  REQUIRE(lab.requested_files().size() == 9);
  for (const auto& f : lab.requested_files()) CHECK(f.rfind("tftp:", 0) == 0);
  CHECK(lab.http_server().counters().connections == 0);

  // The per-phone override does the same for a built-in HTTP-first model.
  phone::PhoneConfig override_config = PhoneLab::default_config();
  override_config.http_first = false;
  PhoneLab lab2(options, override_config);
  lab2.power_on(0s);
  lab2.run_until(300s);
  CHECK(lab2.phone().state() == PhoneState::registered);
  CHECK(lab2.http_server().counters().connections == 0);
}

TEST_CASE("unprovisioned: SEP file not found, XMLDefault.cnf.xml", "[phone]") {
  LabOptions options;
  options.device_in_database = false;
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(300s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::unprovisioned);
  CHECK(p.display() == "Unprovisioned");
  CHECK(p.step(7).status == StepStatus::ok);
  CHECK(contains(p.step(7).detail, "XMLDefault.cnf.xml"));
  CHECK(contains(p.step(7).detail, "unprovisioned"));
  CHECK(p.step(8).status == StepStatus::ok);  // XMLDefault's load for the 8861 is the same
  for (int n = 9; n <= phone::step_count; ++n) {
    INFO(n);
    CHECK(p.step(n).status == StepStatus::skipped);
  }
  const auto& files = lab.requested_files();
  REQUIRE(files.size() >= 4);
  CHECK(files[2] == "tftp:SEP001122334455.cnf.xml");
  CHECK(files[3] == "tftp:XMLDefault.cnf.xml");
  CHECK(lab.registrar().counters().registers == 0);
}

TEST_CASE("no TFTP server from DHCP: no_tftp, and the phone starts over later", "[phone]") {
  LabOptions options;
  options.option150 = false;
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(120s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::no_tftp);
  CHECK(p.step(4).status == StepStatus::ok);
  CHECK(p.step(5).status == StepStatus::failed);
  CHECK(contains(p.step(5).detail, "no TFTP server"));
  for (int n = 6; n <= phone::step_count; ++n) CHECK(p.step(n).status == StepStatus::pending);
  CHECK(p.display() == "Configuring IP");  // where a phone without TFTP server stays
  CHECK(lab.requested_files().empty());
  const Time first_dhcp = *p.step(4).start;
  // retry_interval (60 s) later it runs DHCP again, with the same outcome.
  lab.run_until(400s);
  CHECK(p.state() == PhoneState::no_tftp);
  CHECK(*p.step(4).start > first_dhcp);
  CHECK(p.step(5).status == StepStatus::failed);
}

TEST_CASE("no DHCP answer: no_ip, or no_vlan when no voice VLAN came either", "[phone]") {
  for (const bool vlan : {true, false}) {
    INFO("voice VLAN offered: " << vlan);
    LabOptions options;
    options.dhcp_server = false;
    if (!vlan) options.voice_vlan = std::nullopt;
    PhoneLab lab(options);
    lab.power_on(0s);
    lab.run_until(400s);
    auto& p = lab.phone();
    CHECK(p.state() == (vlan ? PhoneState::no_ip : PhoneState::no_vlan));
    CHECK(p.step(4).status == StepStatus::failed);
    CHECK(contains(p.step(4).detail, "no answer after 6 DISCOVERs; still trying"));
    CHECK(p.display() == "Configuring IP");
    CHECK_FALSE(lab.phone_address());
    // The DHCP client's back-off (4, 8, 16, 32, 64 s, each +-1 s) puts the give-up 188 +- 5 s
    // after the first DISCOVER, i.e. the end of step 4 after its start.
    const auto took = *p.step(4).end - *p.step(4).start;
    CHECK(took >= 183s);
    CHECK(took <= 193s);
  }
}

TEST_CASE("TFTP failover: the first option 150 server never answers", "[phone]") {
  LabOptions options;
  options.dead_tftp_servers = {{10, 1, 1, 99}};
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(400s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::registered);
  CHECK(p.status().tftp_servers == std::vector<wire::Ipv4Address>{{10, 1, 1, 99}, cucm_address});
  // HTTP to the first server is refused at once; TFTP then walks the list: the RRQ to
  // 10.1.1.99 goes unanswered (3 s x 5 transmissions) before the node is asked.
  const auto& ctl = p.step(5);
  CHECK(ctl.status == StepStatus::ok);
  CHECK(*ctl.end - *ctl.start >= 15s);
  CHECK(*ctl.end - *ctl.start < 16s);
  // Every later file goes through the same walk (the phone does not remember a dead server
  // between files over TFTP).
  CHECK(p.step(6).status == StepStatus::ok);
}

TEST_CASE("option 66 host name and CallManager by name: resolved through DNS", "[phone]") {
  LabOptions options;
  options.option150 = false;
  options.option66_name = "tftp.lab";
  options.node_by_name = true;
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(300s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::registered);
  CHECK(contains(p.step(4).detail, "option 66 host name tftp.lab resolved to 10.1.1.11"));
  CHECK(lab.dns_queries() == std::vector<std::string>{"tftp.lab", "cucm1"});
  CHECK(p.status().registered_with == "cucm1");
  CHECK(p.status().registered_address == "10.1.1.11");
}

TEST_CASE("firmware upgrade: download, swap active/inactive, reboot once, register", "[phone]") {
  LabOptions options;
  options.phone_load = load_12;
  options.http = true;
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(600s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::registered);
  const auto& st = p.status();
  CHECK(st.active_load == load_14);
  CHECK(st.inactive_load == load_12);
  CHECK(st.download_status == "Successful");
  CHECK(contains(st.download_detail, "2 files, 10000 bytes"));
  CHECK(st.boots == 2);
  // The current records are the second boot's (step 1 stays the power cycle's).
  CHECK(p.step(1).boot == 1);
  for (int n = 2; n <= phone::step_count; ++n) CHECK(p.step(n).boot == 2);
  CHECK(p.step(8).status == StepStatus::ok);
  CHECK(contains(p.step(8).detail, "is the configured load"));
  CHECK(contains(p.step(2).detail, "after upgrade"));
  // The first boot's steps 2..8 are in the history; its step 8 did the upgrade.
  const auto& history = p.step_history();
  auto it = std::find_if(history.begin(), history.end(),
                         [](const phone::StepRecord& r) { return r.n == 8; });
  REQUIRE(it != history.end());
  CHECK(it->boot == 1);
  CHECK(contains(it->detail, std::string("upgraded ") + load_12 + " -> " + load_14));
  CHECK(std::none_of(history.begin(), history.end(),
                     [](const phone::StepRecord& r) { return r.n > 8; }));
  // Steps started: 1..8 in the first boot, then 2..14 after the reboot.
  std::vector<int> expected = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int n = 2; n <= phone::step_count; ++n) expected.push_back(n);
  CHECK(started_steps(lab.events()) == expected);
  const auto shown = display_messages(lab.events());
  CHECK(std::count(shown.begin(), shown.end(), "Upgrading") == 1);
  // The load files were fetched once; the reboot cleared the interface.
  const auto& files = lab.requested_files();
  CHECK(std::count(files.begin(), files.end(), std::string("http:") + load_14 + ".loads") == 1);
  CHECK(std::count(files.begin(), files.end(), "http:kern88xx.14-2-1-0001-14.sbn") == 1);
  CHECK(std::count(files.begin(), files.end(), "http:rootfs88xx.14-2-1-0001-14.sbn") == 1);
  CHECK(lab.set_address_commands() >= 3);  // set, cleared at the reboot, set again
  // The REGISTER carried the new load.
  CHECK(lab.registrar().binding(device, "1001") != nullptr);
}

TEST_CASE("firmware upgrade failure keeps the active load and registers", "[phone]") {
  LabOptions options;
  options.device_load = "sip88xx.99-9-9-0001-1";  // no such load on the TFTP server
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(300s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::registered);
  CHECK(p.step(8).status == StepStatus::failed);
  CHECK(contains(p.step(8).detail, "sip88xx.99-9-9-0001-1.loads"));
  CHECK(contains(p.step(8).detail, std::string("keeping ") + load_14));
  const auto& st = p.status();
  CHECK(st.active_load == load_14);
  CHECK(st.download_status == "Failed");
  CHECK(st.boots == 1);
  for (int n = 9; n <= phone::step_count; ++n) CHECK(p.step(n).status == StepStatus::ok);
}

TEST_CASE("registration rejected: state rejected, display Registration Rejected", "[phone]") {
  LabOptions options;
  options.device_in_directory = false;  // in the TFTP database, unknown to the registrar
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(200s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::rejected);
  CHECK(p.display() == "Registration Rejected");
  CHECK(p.step(10).status == StepStatus::ok);
  CHECK(p.step(11).status == StepStatus::failed);
  CHECK(contains(p.step(11).detail, "rejected by cucm1: 404"));
  CHECK(p.status().registration == "Not registered");
  for (int n = 12; n <= phone::step_count; ++n) CHECK(p.step(n).status == StepStatus::pending);
}

TEST_CASE("no power: no_power, nothing happens", "[phone]") {
  PhoneLab lab;
  lab.run_until(10s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::no_power);
  CHECK_FALSE(p.next_timeout());
  for (const auto& s : p.steps()) CHECK(s.status == StepStatus::pending);

  p.power_denied(lab.now(), "PoE budget exhausted on access1");
  lab.drain();
  lab.run_until(100s);
  CHECK(p.state() == PhoneState::no_power);
  CHECK(p.step(1).status == StepStatus::failed);
  CHECK(contains(p.step(1).detail, "PoE budget exhausted"));
  for (int n = 2; n <= phone::step_count; ++n) CHECK(p.step(n).status == StepStatus::pending);
  CHECK(p.display().empty());
  CHECK(lab.cdp_frames_from_phone() == 0);
}

TEST_CASE("no voice VLAN is not fatal: the phone registers from the access VLAN", "[phone]") {
  LabOptions options;
  options.voice_vlan = std::nullopt;
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(300s);
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::registered);
  CHECK(p.step(3).status == StepStatus::failed);
  CHECK(contains(p.step(3).detail, "no voice VLAN"));
  CHECK(contains(p.step(3).detail, "access VLAN"));
  CHECK_FALSE(lab.phone_vlan());
  CHECK_FALSE(p.status().voice_vlan);
  // The wait is the discovery engine's (10 s by default).
  CHECK(*p.step(3).end - *p.step(3).start == 10s);
}

TEST_CASE("power off and on: a new power cycle starts from step 1", "[phone]") {
  PhoneLab lab;
  lab.power_on(0s);
  lab.run_until(20s);  // still booting
  auto& p = lab.phone();
  CHECK(p.state() == PhoneState::booting);
  p.power_off(lab.now());
  lab.drain();
  CHECK(p.state() == PhoneState::no_power);
  CHECK(p.step(2).status == StepStatus::failed);
  CHECK(contains(p.step(2).detail, "power lost"));
  CHECK_FALSE(p.next_timeout());
  lab.power_on(30s);
  lab.run_until(400s);
  CHECK(p.state() == PhoneState::registered);
  CHECK(*p.step(1).start == 30s);
  CHECK_FALSE(p.step_history().empty());
}

TEST_CASE("link down and up: the phone starts over from step 3", "[phone]") {
  PhoneLab lab;
  lab.power_on(0s);
  lab.run_until(300s);
  auto& p = lab.phone();
  REQUIRE(p.state() == PhoneState::registered);
  p.link_down(lab.now());
  lab.drain();
  CHECK(p.state() == PhoneState::network_down);
  CHECK_FALSE(lab.phone_address());
  lab.run_until(310s);
  p.link_up(lab.now());
  lab.drain();
  lab.run_until(600s);
  CHECK(p.state() == PhoneState::registered);
  CHECK(*p.step(3).start == 310s);
}

TEST_CASE("the same seed gives the same start-up", "[phone]") {
  auto run = [] {
    PhoneLab lab;
    lab.power_on(0s);
    lab.run_until(300s);
    std::vector<std::string> out;
    for (const auto& line : lab.phone().console()) out.push_back(phone::format_console_line(line));
    return out;
  };
  const auto a = run();
  const auto b = run();
  CHECK(a == b);
  CHECK(a.size() > 20);
}

// Not a check: prints a start-up's console and steps (`test_phone "[.dump]" -s`), for docs.
TEST_CASE("dump: console of an upgrade start-up", "[.dump]") {
  LabOptions options;
  options.phone_load = load_12;
  options.http = true;
  PhoneLab lab(options);
  lab.power_on(0s);
  lab.run_until(600s);
  for (const auto& line : lab.phone().console()) UNSCOPED_INFO(phone::format_console_line(line));
  for (const auto& line : lab.registrar_log()) UNSCOPED_INFO("registrar: " << line);
  for (const auto& s : lab.phone().steps()) {
    UNSCOPED_INFO(s.n << " " << s.name() << " " << phone::to_string(s.status) << " ["
                      << (s.start ? s.start->count() / 1000000 : -1) << ".."
                      << (s.end ? s.end->count() / 1000000 : -1) << " ms] " << s.detail);
  }
  CHECK(false);
}

}  // namespace voicelab::test

namespace voicelab::test {

// Not a check: wall time of whole one-phone start-ups (phone + servers), `test_phone "[.bench]"
// -s` in a release build.
TEST_CASE("bench: one-phone lab start-ups", "[.bench]") {
  constexpr int runs = 200;
  const auto start = std::chrono::steady_clock::now();
  std::size_t events = 0;
  for (int i = 0; i < runs; ++i) {
    LabOptions options;
    options.http = (i % 2) == 0;
    PhoneLab lab(options);
    lab.power_on(0s);
    lab.run_until(300s);
    REQUIRE(lab.phone().state() == phone::PhoneState::registered);
    events += lab.events().size();
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  WARN(runs << " start-ups (half HTTP, half TFTP): " << us / runs << " us each, " << events / runs
            << " phone events each");
}

}  // namespace voicelab::test
