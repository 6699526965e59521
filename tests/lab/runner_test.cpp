// Issue 7, end to end: scenarios from scenarios/ loaded with the scenario loader and played by
// lab::SimulatedRunner on the simulated network; the result, the report, the captures (read
// back by tshark) and the logs. Run with VOICELAB_KEEP_CAPTURES=<dir> to keep the outputs of
// the basic run.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "support/tshark.hpp"
#include "voicelab/lab/simulated_runner.hpp"
#include "voicelab/scenario/loader.hpp"
#include "voicelab/scenario/report.hpp"

using namespace voicelab;
using voicelab::test::require_clean_capture;
using voicelab::test::run_tshark;
using voicelab::test::split_fields;
using voicelab::test::TempDir;

namespace {

namespace fs = std::filesystem;

scenario::Scenario load(const std::string& name) {
  const fs::path path = fs::path(VOICELAB_SOURCE_DIR) / "scenarios" / (name + ".json");
  scenario::LoadResult loaded = scenario::load_scenario_file(path);
  for (const auto& d : loaded.diagnostics) UNSCOPED_INFO(d.message);
  REQUIRE(loaded.ok());
  return std::move(*loaded.scenario);
}

scenario::Scenario load_text(const std::string& text) {
  scenario::LoadResult loaded = scenario::load_scenario_text(text, "inline.json");
  for (const auto& d : loaded.diagnostics) UNSCOPED_INFO(d.message);
  REQUIRE(loaded.ok());
  return std::move(*loaded.scenario);
}

struct Run {
  scenario::RunResult result;
  std::string report;  // report.json with wall_time_ms zeroed
};

Run play(const scenario::Scenario& sc, const fs::path& out, bool pcap = true) {
  fs::create_directories(out);
  scenario::RunOptions options;
  options.seed = sc.seed;
  options.out_dir = out;
  options.pcap = pcap;
  options.quiet = true;
  lab::SimulatedRunner runner;
  Run run;
  run.result = runner.run(sc, options);
  scenario::finish_run(sc, run.result);
  std::ostringstream json;
  scenario::write_report_json(json, run.result);
  run.report = std::regex_replace(json.str(), std::regex("\"wall_time_ms\": [0-9.]+"),
                                  "\"wall_time_ms\": 0");
  return run;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every regular file under `dir` (relative path -> bytes).
std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = slurp(e.path());
  }
  return out;
}

std::vector<fs::path> captures_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".pcapng") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const scenario::PhoneResult& phone(const scenario::RunResult& r, const std::string& device) {
  const auto it = std::find_if(r.phones.begin(), r.phones.end(),
                               [&](const auto& p) { return p.device == device; });
  REQUIRE(it != r.phones.end());
  return *it;
}

std::string timeline_text(const scenario::RunResult& r) {
  std::ostringstream out;
  scenario::write_timeline(out, r);
  return out.str();
}

void keep(const fs::path& dir, const std::string& name) {
  const char* keep_dir = std::getenv("VOICELAB_KEEP_CAPTURES");
  if (keep_dir == nullptr || *keep_dir == 0) return;
  const fs::path target = fs::path(keep_dir) / name;
  fs::create_directories(target);
  fs::copy(dir, target, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

// tshark rows (frame number, then the fields) of `filter` in a capture.
std::vector<std::vector<std::string>> rows(const fs::path& capture, const std::string& filter,
                                           std::vector<std::string> fields) {
  std::vector<std::string> args = {"-Y", filter, "-T", "fields", "-e", "frame.number"};
  for (auto& f : fields) {
    args.push_back("-e");
    args.push_back(std::move(f));
  }
  const auto result = run_tshark(capture, args);
  REQUIRE(result.exit_code == 0);
  return split_fields(result.output);
}

long first_frame(const fs::path& capture, const std::string& filter) {
  const auto r = rows(capture, filter, {});
  return r.empty() ? -1 : std::stol(r.front().front());
}

// One phone, a group of two subscribers, the primary dead from the start.
constexpr const char* failover_lab = R"({
  "name": "primary-down",
  "time_limit": "5m",
  "cucm": {
    "nodes": [
      { "name": "cucm-pub", "address": "10.1.1.11", "services": ["tftp"] },
      { "name": "cucm-sub1", "address": "10.1.1.12" },
      { "name": "cucm-sub2", "address": "10.1.1.13" }
    ],
    "database": { "callmanager_groups": [{ "name": "Default", "nodes": ["cucm-sub1", "cucm-sub2"] }] }
  },
  "phones": [{ "mac": "00:11:22:33:44:55" }],
  "timeline": [{ "at": "10s", "action": "node_down", "node": "cucm-sub1" }],
  "expect": [{ "phone": "SEP001122334455", "state": "registered", "registered_with": "cucm-sub2" }]
})";

}  // namespace

TEST_CASE("basic-registration: the phone registers with the subscriber, 14 steps in order",
          "[lab][runner]") {
  const scenario::Scenario sc = load("basic-registration");
  TempDir dir("runner-basic");
  const Run run = play(sc, dir.path());
  keep(dir.path(), "basic-registration");
  INFO(timeline_text(run.result));

  const auto& p = phone(run.result, "SEP001122334455");
  CHECK(p.state == "registered");
  CHECK(p.registered_with == "cucm-sub1");
  REQUIRE(p.ip);
  CHECK(wire::Ipv4Prefix{wire::Ipv4Address(10, 100, 0, 0), 24}.contains(*p.ip));
  CHECK(p.model == "CP-8861");
  CHECK(p.active_load == "sip88xx.12-8-1-0001-455");
  CHECK(p.display == "1001");
  CHECK(p.displays_seen == std::vector<std::string>{"Configuring VLAN", "Configuring IP",
                                                    "Configuring CM List", "Registering", "1001"});
  REQUIRE(p.registration_time);

  // Every step ran, in order; the default database names no dial rules, so 9 is skipped.
  std::optional<Time> previous_start;
  for (int n = 1; n <= scenario::step_count; ++n) {
    const auto& s = p.steps[static_cast<std::size_t>(n - 1)];
    INFO("step " << n << ": " << s.detail);
    CHECK(s.status == (n == 9 ? scenario::StepStatus::skipped : scenario::StepStatus::ok));
    REQUIRE(s.start);
    REQUIRE(s.end);
    CHECK(*s.start <= *s.end);
    if (previous_start) CHECK(*previous_start <= *s.start);
    previous_start = s.start;
    if (n > 1 && n != 12) {
      // Each step starts when the one before it ended (12-14 follow the registration).
      CHECK(*s.start == *p.steps[static_cast<std::size_t>(n - 2)].end);
    }
  }
  CHECK(p.steps[2].detail == "voice VLAN 100 from CDP");
  CHECK(p.steps[3].detail.find("from 10.1.1.10") != std::string::npos);
  CHECK(p.steps[3].detail.find("option 150: 10.1.1.11") != std::string::npos);
  CHECK(p.steps[4].detail == "file not found (non-secure cluster)");
  CHECK(p.steps[6].detail.find("SEP001122334455.cnf.xml") != std::string::npos);
  CHECK(p.steps[9].detail.find("cucm-sub1 10.1.1.12:5060") != std::string::npos);
  CHECK(p.steps[10].detail == "1 line registered with cucm-sub1 (10.1.1.12)");
  CHECK(p.steps[13].detail.find("Ringlist-wb.xml") != std::string::npos);
  CHECK(*p.registration_time == *p.steps[10].end - *p.steps[0].start);

  CHECK_FALSE(run.result.time_limit_reached);
  CHECK(run.result.packets > 100);
  CHECK(run.result.events.empty());
  REQUIRE(run.result.expectations.size() == 3);
  CHECK(run.result.passed());

  // Logs: the phone's console, the switch, DHCP, the relay, Cisco TFTP's HTTP face, the SIP trace.
  const fs::path logs = dir.path() / "logs";
  const std::string console = slurp(logs / "SEP001122334455.log");
  CHECK(console.find("Step 11 SIP REGISTER: ok") != std::string::npos);
  CHECK(slurp(logs / "access1.log").find("GigabitEthernet1/0/1 power on") != std::string::npos);
  CHECK(slurp(logs / "dhcp1.log").find("leased to 00:11:22:33:44:55") != std::string::npos);
  CHECK(slurp(logs / "access1_svi.log").find("relaying DISCOVER") != std::string::npos);
  CHECK(slurp(logs / "cucm-pub.http.log").find("GET /SEP001122334455.cnf.xml") !=
        std::string::npos);
  const std::string sip = slurp(logs / "cucm-sub1.sip.log");
  CHECK(sip.find("REGISTER sip:10.1.1.12") != std::string::npos);
  CHECK(sip.find("SEP001122334455 line 1001 registered from " + p.ip->to_string()) !=
        std::string::npos);

  // The ladder diagram of the (only) phone: its columns and the registration's arrows.
  const std::string ladder = slurp(dir / "ladder.svg");
  CHECK(ladder.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") == 0);
  for (const char* text :
       {">SEP001122334455<", ">access1<", ">dhcp1 (relayed)<", ">cucm-pub<", ">cucm-sub1<",
        ">step 4: DHCP DISCOVER<", ">step 5: HTTP GET /CTLSEP001122334455.tlv<",
        ">step 11: SIP REGISTER line 1001<", ">step 11: SIP 200 OK line 1001<"}) {
    INFO(text);
    CHECK(ladder.find(text) != std::string::npos);
  }
  CHECK(ladder.find("ARP") == std::string::npos);
}

TEST_CASE("basic-registration: every capture is clean and shows the steps in order",
          "[lab][runner][tshark]") {
  const scenario::Scenario sc = load("basic-registration");
  TempDir dir("runner-captures");
  const Run run = play(sc, dir.path());
  REQUIRE(run.result.phones.front().state == "registered");

  const auto captures = captures_in(dir.path());
  std::vector<std::string> names;
  for (const auto& c : captures) names.push_back(c.filename().string());
  CHECK(names == std::vector<std::string>{"SEP001122334455.pcapng", "access1-span.pcapng",
                                          "cucm-pub.pcapng", "cucm-sub1.pcapng"});
  for (const auto& c : captures) {
    INFO(c.filename());
    require_clean_capture(c);
  }

  // The phone's port: CDP, then DHCP, then the files over HTTP 6970, then TCP to 5060 and SIP.
  const fs::path own = dir / "SEP001122334455.pcapng";
  const long cdp = first_frame(own, "cdp");
  const long dhcp = first_frame(own, "dhcp");
  const long http = first_frame(own, "http.request");
  const long syn = first_frame(own, "tcp.dstport == 5060 && tcp.flags.syn == 1");
  const long sip = first_frame(own, "sip.Method == \"REGISTER\"");
  const long ok = first_frame(own, "sip.Status-Code == 200");
  CHECK(cdp > 0);
  CHECK(cdp < dhcp);
  CHECK(dhcp < http);
  CHECK(http < syn);
  CHECK(syn < sip);
  CHECK(sip < ok);
  CHECK(first_frame(own, "cdp.voice_vlan == 100") > 0);  // VoIP VLAN Reply from the switch

  // Comments name the step; their first appearances come in step order.
  const auto commented = rows(own, "frame.comment", {"frame.comment"});
  REQUIRE(commented.size() > 20);
  std::vector<int> first_seen;
  for (const auto& row : commented) {
    REQUIRE(row.size() == 2);
    std::smatch m;
    REQUIRE(std::regex_search(row[1], m, std::regex("^step ([0-9]+): ")));
    const int n = std::stoi(m[1]);
    if (std::find(first_seen.begin(), first_seen.end(), n) == first_seen.end()) {
      first_seen.push_back(n);
    }
  }
  CHECK(first_seen == std::vector<int>{3, 4, 5, 6, 7, 10, 11, 12, 13, 14});
  const auto comment_of = [&](const std::string& filter) {
    const auto r = rows(own, filter, {"frame.comment"});
    return r.empty() || r.front().size() < 2 ? std::string() : r.front()[1];
  };
  CHECK(comment_of("dhcp.option.dhcp == 1") == "step 4: DHCP DISCOVER");
  CHECK(comment_of("dhcp.option.dhcp == 5") == "step 4: DHCP ACK");
  CHECK(comment_of("http.request.uri contains \"CTLSEP\"") ==
        "step 5: HTTP GET /CTLSEP001122334455.tlv");
  CHECK(comment_of("http.response.code == 404") ==
        "step 5: HTTP/1.1 404 Not Found (HTTP CTLSEP001122334455.tlv)");
  CHECK(comment_of("http.request.uri contains \"cnf.xml\"") ==
        "step 7: HTTP GET /SEP001122334455.cnf.xml");
  CHECK(comment_of("tcp.dstport == 5060 && tcp.flags.syn == 1") ==
        "step 10: TCP SYN to cucm-sub1 (SIP)");
  CHECK(comment_of("sip.Method == \"REGISTER\"") == "step 11: SIP REGISTER line 1001");
  CHECK(comment_of("sip.Status-Code == 200") == "step 11: SIP 200 OK line 1001");

  // Shared capture points name the phone too; the subscriber sees the SIP exchange, the
  // publisher the files, the SPAN everything of the phone's port.
  CHECK(rows(dir / "cucm-sub1.pcapng", "sip.Method == \"REGISTER\"", {"frame.comment"})
            .front()
            .at(1) == "step 11: SIP REGISTER line 1001 [SEP001122334455]");
  CHECK(first_frame(dir / "cucm-pub.pcapng", "http.request.uri contains \"cnf.xml\"") > 0);
  CHECK(first_frame(dir / "cucm-pub.pcapng", "sip") < 0);
  const fs::path span = dir / "access1-span.pcapng";
  CHECK(first_frame(span, "cdp") < first_frame(span, "dhcp"));
  CHECK(first_frame(span, "dhcp") < first_frame(span, "sip"));
  CHECK(comment_of("dhcp.option.dhcp == 2") == "step 4: DHCP OFFER");
}

TEST_CASE("basic-registration: the same seed gives the same report and the same bytes",
          "[lab][runner]") {
  const scenario::Scenario sc = load("basic-registration");
  TempDir a("runner-same-a");
  TempDir b("runner-same-b");
  const Run first = play(sc, a.path());
  const Run second = play(sc, b.path());
  CHECK(first.report == second.report);
  const auto files_a = contents(a.path());
  const auto files_b = contents(b.path());
  REQUIRE(files_a.size() == files_b.size());
  std::size_t pcaps = 0;
  for (const auto& [name, bytes] : files_a) {
    INFO(name);
    REQUIRE(files_b.count(name) == 1);
    CHECK(bytes == files_b.at(name));  // captures and logs alike
    if (name.size() > 7 && name.substr(name.size() - 7) == ".pcapng") ++pcaps;
  }
  CHECK(pcaps == 4);

  // Another seed changes the random numbers (xids, ports, tags), not the outcome.
  scenario::Scenario other = sc;
  other.seed = 99;
  TempDir c("runner-seed-99");
  const Run third = play(other, c.path());
  CHECK(third.report != first.report);
  CHECK(third.result.phones.front().state == "registered");
}

TEST_CASE("without captures (--no-pcap): the same result, no pcapng", "[lab][runner]") {
  const scenario::Scenario sc = load("basic-registration");
  TempDir a("runner-pcap");
  TempDir b("runner-nopcap");
  const Run with = play(sc, a.path(), true);
  const Run without = play(sc, b.path(), false);
  CHECK(captures_in(b.path()).empty());
  CHECK(fs::exists(b / "logs" / "SEP001122334455.log"));
  // The SPAN copies are not packets of the lab: the counts agree.
  CHECK(with.report == without.report);
}

TEST_CASE("the primary CUCM is down: the phone registers with the secondary", "[lab][runner]") {
  // The node powered off: the phone's SYNs go unanswered until its 5 s connect timeout. Only
  // the CallManager service stopped: the host answers the SYN with an RST, and the phone moves
  // on at once.
  const bool whole_node = GENERATE(true, false);
  std::string text = failover_lab;
  if (!whole_node) {
    const std::string from = R"("action": "node_down", "node": "cucm-sub1")";
    text.replace(text.find(from), from.size(),
                 R"("action": "service_down", "node": "cucm-sub1", "service": "callmanager")");
  }
  const scenario::Scenario sc = load_text(text);
  TempDir dir("runner-primary-down");
  const Run run = play(sc, dir.path());
  INFO(timeline_text(run.result));
  const auto& p = phone(run.result, "SEP001122334455");
  CHECK(p.state == "registered");
  CHECK(p.registered_with == "cucm-sub2");
  CHECK(p.steps[9].status == scenario::StepStatus::ok);
  CHECK(p.steps[9].detail.find("cucm-sub2") != std::string::npos);
  CHECK(p.steps[10].detail == "1 line registered with cucm-sub2 (10.1.1.13)");
  REQUIRE(run.result.events.size() == 1);
  CHECK(run.result.events[0].action == (whole_node ? "node_down" : "service_down"));
  CHECK(run.result.events[0].detail == (whole_node ? "cucm-sub1" : "cucm-sub1 callmanager"));
  CHECK(run.result.events[0].at == 10s);
  CHECK(run.result.passed());
  // The phone tried cucm-sub1 first.
  const fs::path span = dir / "access1-span.pcapng";
  const long syn1 = first_frame(span, "ip.dst == 10.1.1.12 && tcp.flags.syn == 1");
  const long syn2 = first_frame(span, "ip.dst == 10.1.1.13 && tcp.flags.syn == 1");
  CHECK(syn1 > 0);
  CHECK(syn1 < syn2);
  REQUIRE(p.registration_time);
  const Time start_of_10 = *p.steps[9].start;
  if (whole_node) {
    CHECK(first_frame(span, "ip.src == 10.1.1.12") < 0);  // silence: the host is off
    CHECK(*p.steps[9].end - start_of_10 >= 5s);           // the connect timeout
  } else {
    CHECK(first_frame(span, "ip.src == 10.1.1.12 && tcp.flags.reset == 1") > syn1);
    CHECK(*p.steps[9].end - start_of_10 < 1s);
  }
  require_clean_capture(span);
}

TEST_CASE("cucm-failover: fail over to cucm-sub2, fall back to cucm-sub1", "[lab][runner]") {
  const scenario::Scenario sc = load("cucm-failover");
  TempDir dir("runner-cucm-failover");
  const Run run = play(sc, dir.path(), false);
  INFO(timeline_text(run.result));
  for (const auto& e : run.result.expectations) {
    INFO(e.text << ": " << e.detail);
    CHECK(e.passed);
  }
  // The triggered node_down came 10 s after the last of the six phones first registered.
  REQUIRE(run.result.events.size() == 4);
  const auto down = std::find_if(run.result.events.begin(), run.result.events.end(),
                                 [](const auto& e) { return e.action == "node_down"; });
  REQUIRE(down != run.result.events.end());
  CHECK(down->detail == "cucm-sub1");
  Time last_registered{0};
  for (const auto& p : run.result.phones) {
    REQUIRE(p.registration_time);
    last_registered = std::max(last_registered, *p.steps[0].start + *p.registration_time);
  }
  CHECK(down->at == last_registered + 10s);
  // While cucm-sub1 was down every phone registered with cucm-sub2.
  const std::string sub2 = slurp(dir / "logs" / "cucm-sub2.sip.log");
  for (const auto& p : run.result.phones) {
    INFO(p.device);
    CHECK(sub2.find(p.device + " line") != std::string::npos);
  }
  CHECK(sub2.find("registered from") != std::string::npos);
}

TEST_CASE("access-faults: DHCP option fix, voice VLAN change, PoE budget cut", "[lab][runner]") {
  const scenario::Scenario sc = load("access-faults");
  TempDir dir("runner-access-faults");
  const Run run = play(sc, dir.path(), false);
  INFO(timeline_text(run.result));
  for (const auto& e : run.result.expectations) {
    INFO(e.text << ": " << e.detail);
    CHECK(e.passed);
  }
  // The cut kept the powered phones' allocations; the power-cycled one got nothing.
  const auto cut = std::find_if(run.result.events.begin(), run.result.events.end(),
                                [](const auto& e) { return e.action == "set_poe_budget"; });
  REQUIRE(cut != run.result.events.end());
  CHECK(cut->detail.find("access1 5.0 W (") == 0);
  const auto& p2 = phone(run.result, "SEP001B54600002");
  CHECK(p2.steps[0].status == scenario::StepStatus::failed);
  CHECK(p2.steps[0].detail.find("budget") != std::string::npos);
  // The front desk phone: no TFTP server at 10.1.1.99 first, then the reservation after the fix.
  const auto& p1 = phone(run.result, "SEP001B54600001");
  CHECK(p1.ip == wire::Ipv4Address(10, 100, 0, 50));
  CHECK(slurp(dir / "logs" / "SEP001B54600001.log").find("no_tftp") != std::string::npos);
}

TEST_CASE("settings the lab cannot honour stop the run before it starts", "[lab][runner]") {
  const scenario::Scenario sc = load("autoregistration");
  TempDir dir("runner-unsupported");
  scenario::RunOptions options;
  options.out_dir = dir.path();
  lab::SimulatedRunner runner;
  CHECK_THROWS_WITH(runner.run(sc, options),
                    Catch::Matchers::Contains("cucm.database.autoregistration"));
  CHECK_THROWS_AS(runner.run(sc, options), lab::UnsupportedScenario);
  CHECK(captures_in(dir.path()).empty());
}

// DESIGN §7: every scenario in scenarios/ runs and meets its expectations (captures off; the
// 960-phone storm is tagged [.storm], minutes under ASan, seconds in a release build).
TEST_CASE("every shipped scenario meets its expectations", "[lab][runner][scenarios]") {
  const std::string name =
      GENERATE(as<std::string>{}, "basic-registration", "cucm-failover", "access-faults",
               "branch-wan", "firmware-upgrade", "unknown-phone");
  const scenario::Scenario sc = load(name);
  TempDir dir("runner-" + name);
  const Run run = play(sc, dir.path(), false);
  INFO(timeline_text(run.result));
  CHECK_FALSE(run.result.time_limit_reached);
  for (const auto& e : run.result.expectations) {
    INFO(name << ": " << e.text << ": " << e.detail);
    CHECK(e.passed);
  }
}

TEST_CASE("boot-storm: 960 phones meet their expectations", "[.storm]") {
  const scenario::Scenario sc = load("boot-storm");
  TempDir dir("runner-boot-storm");
  const Run run = play(sc, dir.path(), false);
  for (const auto& e : run.result.expectations) {
    INFO(e.text << ": " << e.detail);
    CHECK(e.passed);
  }
}

// Wall time of the one-phone lab in this process (docs/performance.md): `test_lab "[.bench]"`
// in a release build. Tests nothing; prints the medians.
TEST_CASE("bench: basic-registration wall time", "[.bench]") {
  const scenario::Scenario sc = load("basic-registration");
  for (const bool pcap : {false, true}) {
    std::vector<double> ms;
    for (int i = 0; i < 31; ++i) {
      TempDir dir("runner-bench");
      scenario::RunOptions options;
      options.seed = sc.seed;
      options.out_dir = dir.path();
      options.pcap = pcap;
      lab::SimulatedRunner runner;
      const auto t0 = std::chrono::steady_clock::now();
      const auto result = runner.run(sc, options);
      const auto t1 = std::chrono::steady_clock::now();
      REQUIRE(result.phones.front().state == "registered");
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    WARN("basic-registration, " << (pcap ? "with captures" : "--no-pcap") << ": median "
                                << ms[ms.size() / 2] << " ms, min " << ms.front() << " ms, max "
                                << ms.back() << " ms over " << ms.size() << " runs");
  }
}
