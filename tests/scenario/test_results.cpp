#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"
#include "voicelab/scenario/expectations.hpp"
#include "voicelab/scenario/loader.hpp"
#include "voicelab/scenario/report.hpp"

using namespace voicelab;
using namespace voicelab::scenario;

namespace {

Scenario load_ok(std::string_view text) {
  auto r = load_scenario_text(text, "lab.json");
  std::string diags;
  for (const auto& d : r.diagnostics) diags += d.to_string() + "\n";
  INFO(diags);
  REQUIRE(r.ok());
  return std::move(*r.scenario);
}

// A phone that went through all 14 steps, registering `at` after power-on.
void registered(PhoneResult& p, Duration at, std::string node = "cucm-sub1") {
  p.state = "registered";
  p.registered_with = std::move(node);
  p.ip = wire::Ipv4Address{10, 100, 0, 11};
  p.display = "Your current options";
  p.displays_seen = {"Configuring VLAN", "Configuring IP", "Registering"};
  p.registration_time = at;
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    p.steps[i].status = StepStatus::ok;
    p.steps[i].start = at * static_cast<std::int64_t>(i) / 14;
    p.steps[i].end = at * static_cast<std::int64_t>(i + 1) / 14;
  }
  p.steps[3].detail = "10.100.0.11 from 10.1.1.10";
}

void no_ip(PhoneResult& p) {
  p.state = "no_ip";
  p.display = "Configuring IP";
  p.displays_seen = {"Configuring VLAN", "Configuring IP"};
  p.steps[0] = {StepStatus::ok, 0s, 1s, "class 4"};
  p.steps[1] = {StepStatus::ok, 1s, 5s, ""};
  p.steps[2] = {StepStatus::ok, 5s, 6s, "voice VLAN 100 from CDP"};
  p.steps[3] = {StepStatus::failed, 6s, 70s, "no DHCPOFFER after 4 DISCOVERs"};
}

const char* const lab = R"({
  "phones": [{"mac": "00:11:22:33:44:55"}, {"mac": "00:11:22:33:44:56"}],
  "phone_groups": [{"name": "floor", "count": 10, "mac_start": "00:aa:00:00:00:01"}],
  "expect": [
    {"phone": "SEP001122334455", "state": "registered", "registered_with": "cucm-sub1"},
    {"phone": "SEP001122334456", "state": "registered"},
    {"phone": "SEP001122334455", "step": "dhcp", "detail": "from 10.1.1.10", "before": "2s"},
    {"group": "floor", "count": {"registered": 9, "no_ip": {"max": 1}}},
    {"group": "floor", "registration_time": {"p50": "5s", "p99": "8s"}},
    {"group": "floor", "state": "registered"},
    {"phone": "SEP001122334456", "display_seen": "Configuring IP"},
    {"phone": "SEP001122334455", "active_load": "sip88xx.12-8-1-0001-455", "inactive_load": ""}
  ]
})";

RunResult sample_run(const Scenario& s) {
  RunResult r = make_empty_result(s);
  r.sim_time = Duration{75'123'456'789};
  r.wall_time = Duration{3'250'000};
  r.packets = 4242;
  registered(r.phones[0], 3s);
  no_ip(r.phones[1]);
  for (std::size_t i = 0; i < 9; ++i)
    registered(r.phones[2 + i], std::chrono::seconds(static_cast<std::int64_t>(i) + 1));
  no_ip(r.phones[11]);  // the last of the group
  r.events.push_back({30s, "node_down", "cucm-sub1"});
  finish_run(s, r);
  return r;
}

}  // namespace

TEST_CASE("percentiles use the nearest rank", "[results]") {
  std::vector<Duration> v;
  for (int i = 100; i >= 1; --i) v.push_back(std::chrono::milliseconds(i));
  auto p = percentiles(v);
  REQUIRE(p);
  CHECK(p->samples == 100);
  CHECK(p->p50 == 50ms);
  CHECK(p->p90 == 90ms);
  CHECK(p->p99 == 99ms);
  CHECK(p->max == 100ms);
  std::vector<Duration> one{7ms};
  p = percentiles(one);
  CHECK(p->p50 == 7ms);
  CHECK(p->p99 == 7ms);
  std::vector<Duration> three{3ms, 1ms, 2ms};
  p = percentiles(three);
  CHECK(p->p50 == 2ms);  // rank ceil(1.5) = 2
  CHECK(p->p90 == 3ms);
  std::vector<Duration> none;
  CHECK_FALSE(percentiles(none).has_value());
}

TEST_CASE("make_empty_result carries every phone's identity", "[results]") {
  const Scenario s = load_ok(lab);
  const RunResult r = make_empty_result(s);
  REQUIRE(r.phones.size() == 12);
  CHECK(r.phones[0].device == "SEP001122334455");
  CHECK(r.phones[0].port == "access1:Gi1/0/1");
  CHECK(r.phones[0].state == "no_power");
  CHECK(r.phones[2].group == "floor");
  CHECK(r.phones[0].steps[13].status == StepStatus::pending);
  CHECK(r.scenario == "lab");
}

TEST_CASE("aggregate counts every state and registration times", "[results]") {
  const Scenario s = load_ok(lab);
  const RunResult r = sample_run(s);
  const Aggregate& a = r.aggregate;
  CHECK(a.phones == 12);
  REQUIRE(a.states.size() == phone_states().size());
  CHECK(a.states[0] == std::pair<std::string, std::size_t>{"registered", 10});
  const auto no_ip_count =
      std::find_if(a.states.begin(), a.states.end(), [](auto& x) { return x.first == "no_ip"; });
  CHECK(no_ip_count->second == 2);
  REQUIRE(a.registration_time);
  CHECK(a.registration_time->samples == 10);
  CHECK(a.registration_time->max == 9s);

  RunResult odd = r;
  odd.phones[0].state = "haunted";
  const Aggregate b = compute_aggregate(odd);
  CHECK(b.states.back() == std::pair<std::string, std::size_t>{"haunted", 1});
}

TEST_CASE("expectations pass and fail with details", "[results][expectations]") {
  const Scenario s = load_ok(lab);
  const RunResult r = sample_run(s);
  REQUIRE(r.expectations.size() == 8);
  const auto& e = r.expectations;
  CHECK(e[0].passed);
  CHECK(e[0].text == "SEP001122334455 is registered; SEP001122334455 registered with cucm-sub1");
  CHECK(e[0].detail == "SEP001122334455: state registered, registered with cucm-sub1");
  CHECK_FALSE(e[1].passed);
  CHECK(e[1].detail ==
        "SEP001122334456: state no_ip after step 4 (dhcp) failed: no DHCPOFFER after 4 DISCOVERs");
  CHECK(e[2].passed);  // step 4 ended at 4/14 of 3 s
  CHECK(e[3].passed);
  CHECK(e[3].detail == "9 registered; 1 no_ip");
  // The group registered in 1..9 s: p50 5 s passes, p99 9 s > 8 s fails.
  CHECK_FALSE(e[4].passed);
  CHECK(
      e[4].detail ==
      "p99 9.000s > 8s (p50 5.000s, p90 9.000s, p99 9.000s, max 9.000s over 9 registered phones)");
  CHECK_FALSE(e[5].passed);
  CHECK(e[5].detail ==
        "1 of 10 phones do not match: SEP00AA0000000A: state no_ip after step 4 (dhcp) failed: no "
        "DHCPOFFER after 4 "
        "DISCOVERs");
  CHECK(e[6].passed);
  CHECK(e[7].passed);
  CHECK_FALSE(r.passed());
}

TEST_CASE("a phone without a result fails its expectations", "[results][expectations]") {
  const Scenario s = load_ok(lab);
  RunResult r = make_empty_result(s);
  r.phones.erase(r.phones.begin());
  const auto result = evaluate(s, s.expectations[0], r);
  CHECK_FALSE(result.passed);
  CHECK(result.detail == "SEP001122334455: no result");
  // Many failures are summarised, not listed in full.
  const auto group = evaluate(s, s.expectations[5], r);
  CHECK(group.detail.find("10 of 10 phones do not match: ") == 0);
  CHECK(group.detail.find("; and 5 more") != std::string::npos);
}

TEST_CASE("step deadlines and loads", "[results][expectations]") {
  const Scenario s = load_ok(lab);
  RunResult r = make_empty_result(s);
  registered(r.phones[0], 30s);  // step 4 ends at 30*4/14 s: after the 2 s deadline
  r.phones[0].active_load = "sip88xx.14-1-1-0001-100";
  const auto late = evaluate(s, s.expectations[2], r);
  CHECK_FALSE(late.passed);
  CHECK(late.detail == "SEP001122334455: step 4 (dhcp) ended at 8.571s");
  const auto load = evaluate(s, s.expectations[7], r);
  CHECK_FALSE(load.passed);
  CHECK(load.detail == "SEP001122334455: active load sip88xx.14-1-1-0001-100");
}

TEST_CASE("report.json has the documented shape", "[results][report]") {
  const Scenario s = load_ok(lab);
  const RunResult r = sample_run(s);
  std::ostringstream out;
  write_report_json(out, r);
  const std::string text = out.str();
  const auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"schema", "scenario", "file", "seed", "result",
                                         "sim_time_ms", "wall_time_ms", "packets",
                                         "time_limit_reached", "phones_total", "phones_listed",
                                         "aggregate", "expectations", "events", "phones"});
  CHECK(j["schema"] == "voicelab.report/1");
  CHECK(j["scenario"] == "lab");
  CHECK(j["result"] == "fail");
  CHECK(j["seed"] == 1);
  CHECK(text.find("\"sim_time_ms\": 75123.456,") != std::string::npos);  // exact, no float noise
  CHECK(text.find("\"wall_time_ms\": 3.25,") != std::string::npos);
  CHECK(j["packets"] == 4242);
  CHECK(j["aggregate"]["states"]["registered"] == 10);
  CHECK(j["aggregate"]["registration_time_ms"]["p50"] == 4000);  // of 1,2,3,3,4,5,6,7,8,9 s
  CHECK(j["expectations"].size() == 8);
  CHECK(j["expectations"][1]["result"] == "fail");
  CHECK(j["events"][0]["at_ms"] == 30000);
  REQUIRE(j["phones"].size() == 12);
  // Phones not registered come first.
  CHECK(j["phones"][0]["device"] == "SEP001122334456");
  CHECK(j["phones"][0]["ip"].is_null());
  CHECK(j["phones"][0]["registered_with"].is_null());
  CHECK(j["phones"][0]["group"].is_null());
  const auto& phone = j["phones"][2];
  CHECK(phone["device"] == "SEP001122334455");
  CHECK(phone["mac"] == "00:11:22:33:44:55");
  CHECK(phone["model"] == "CP-8861");
  CHECK(phone["state"] == "registered");
  CHECK(phone["ip"] == "10.100.0.11");
  CHECK(phone["registered_with"] == "cucm-sub1");
  CHECK(phone["active_load"] == "sip88xx.12-8-1-0001-455");
  REQUIRE(phone["steps"].size() == 14);
  for (std::size_t i = 0; i < 14; ++i) {
    CHECK(phone["steps"][i]["n"] == i + 1);
    CHECK(phone["steps"][i]["name"] == std::string{steps()[i].name});
  }
  CHECK(phone["steps"][13]["end_ms"] == 3000);
  CHECK(j["phones"][0]["steps"][4]["status"] == "pending");
  CHECK(j["phones"][0]["steps"][4]["start_ms"].is_null());
  // Deterministic: the same result writes the same bytes.
  std::ostringstream again;
  write_report_json(again, r);
  CHECK(again.str() == text);
}

TEST_CASE("report.json can limit its per-phone entries", "[results][report]") {
  const Scenario s = load_ok(lab);
  const RunResult r = sample_run(s);
  std::ostringstream out;
  write_report_json(out, r, ReportOptions{3});
  const auto j = nlohmann::json::parse(out.str());
  CHECK(j["phones_total"] == 12);
  CHECK(j["phones_listed"] == 3);
  REQUIRE(j["phones"].size() == 3);
  CHECK(j["phones"][0]["state"] == "no_ip");
  CHECK(j["phones"][1]["state"] == "no_ip");
  CHECK(j["phones"][2]["state"] == "registered");
  CHECK(j["aggregate"]["phones"] == 12);
}

TEST_CASE("report.json escapes every string", "[results][report]") {
  const Scenario s = load_ok(R"({"phones": [{"mac": "00:11:22:33:44:55"}]})");
  RunResult r = make_empty_result(s);
  r.phones[0].display = "quote \" backslash \\ tab \t bell \x07 bad \xff utf8 \xC3\xA9";
  finish_run(s, r);
  std::ostringstream out;
  write_report_json(out, r);
  const auto j = nlohmann::json::parse(out.str());
  CHECK(j["phones"][0]["display"] ==
        "quote \" backslash \\ tab \t bell \x07 bad \xEF\xBF\xBD utf8 \xC3\xA9");
  CHECK(j["result"] == "pass");  // no expectations
}

TEST_CASE("timeline.txt lists the 14 steps, in colour only when asked", "[results][timeline]") {
  const Scenario s = load_ok(lab);
  const RunResult r = sample_run(s);
  std::ostringstream plain;
  write_timeline(plain, r);
  const std::string text = plain.str();
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("voicelab run: lab  seed 1  FAIL") == 0);
  CHECK(text.find("simulated 75.123s, wall 3.25 ms, 4242 packets, 12 phones (10 registered)") !=
        std::string::npos);
  for (const auto& step : steps()) CHECK(text.find(std::string{step.title}) != std::string::npos);
  CHECK(text.find("    4 Obtain an IP address (DHCP)") != std::string::npos);
  CHECK(text.find("6.000s    70.000s  failed   no DHCPOFFER after 4 DISCOVERs") !=
        std::string::npos);
  CHECK(text.find("  FAIL  SEP001122334456 is registered") != std::string::npos);
  CHECK(text.find("30.000s  node_down  cucm-sub1") != std::string::npos);

  std::ostringstream colour;
  write_timeline(colour, r, TimelineOptions{true});
  CHECK(colour.str().find("\x1b[1;31mFAIL\x1b[0m") != std::string::npos);
  CHECK(colour.str().find("\x1b[32mok      \x1b[0m") != std::string::npos);

  std::ostringstream limited;
  write_timeline(limited, r, TimelineOptions{false, 2});
  CHECK(limited.str().find("(10 more phones not shown)") != std::string::npos);
}

TEST_CASE("JUnit XML validates against the published JUnit schema", "[results][junit]") {
  const Scenario s = load_ok(lab);
  std::vector<RunResult> results{sample_run(s)};
  // A second, passing suite, with characters XML must escape or cannot carry.
  const Scenario s2 = load_ok(R"({"name": "second", "phones": [{"mac": "00:11:22:33:44:57"}],
                                  "expect": [{"text": "<&> \"quoted\" \u0001", "state": "registered"}]})");
  RunResult r2 = make_empty_result(s2);
  registered(r2.phones[0], 2s);
  finish_run(s2, r2);
  results.push_back(r2);

  voicelab::test::TempDir dir("junit");
  const auto path = dir / "junit.xml";
  {
    std::ofstream out(path);
    write_junit(out, results, JunitOptions{"2024-05-01T12:00:00", "localhost"});
  }
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string xml = buffer.str();
  CHECK(xml.find("<testsuite name=\"lab\" package=\"voicelab\" id=\"0\"") != std::string::npos);
  CHECK(xml.find("tests=\"8\" failures=\"3\" errors=\"0\"") != std::string::npos);
  CHECK(xml.find("<failure type=\"expectation\" message=\"SEP001122334456: state no_ip") !=
        std::string::npos);
  CHECK(xml.find("name=\"&lt;&amp;> &quot;quoted&quot; ?\"") != std::string::npos);
  CHECK(xml.find('\x01') == std::string::npos);

  const std::string xsd = std::string(VOICELAB_SOURCE_DIR) + "/tests/scenario/junit/JUnit.xsd";
  const std::string command = "xmllint --noout --schema '" + xsd + "' '" + path.string() + "' > '" +
                              (dir / "xmllint.txt").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log(dir / "xmllint.txt");
  std::stringstream log_text;
  log_text << log.rdbuf();
  INFO("xmllint (libxml2-utils, installed by tools/setup-deps.sh) said:\n" << log_text.str());
  CHECK(status == 0);
}
