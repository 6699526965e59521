// `voicelab run` end to end with a stand-in Runner: what the CLI does around a run (validation
// first, output folders, reports, JUnit, exit codes), independent of the lab.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "commands.hpp"
#include "support/temp_dir.hpp"
#include "voicelab/scenario/result.hpp"

using namespace voicelab;
namespace fs = std::filesystem;

namespace {

// Registers every phone 2 s after power-on, except the ones named in `fail`.
class FakeRunner : public scenario::Runner {
 public:
  std::vector<std::string> fail;
  std::vector<scenario::RunOptions> calls;

  scenario::RunResult run(const scenario::Scenario& s,
                          const scenario::RunOptions& options) override {
    calls.push_back(options);
    auto r = scenario::make_empty_result(s);
    r.seed = options.seed;
    r.sim_time = 2s;
    r.packets = 100;
    for (auto& p : r.phones) {
      if (std::find(fail.begin(), fail.end(), p.device) != fail.end()) {
        p.state = "no_ip";
        p.steps[3].status = scenario::StepStatus::failed;
        p.steps[3].detail = "no offer";
        continue;
      }
      p.state = "registered";
      p.registered_with = "cucm-sub1";
      p.registration_time = 2s;
      for (auto& step : p.steps) step = {scenario::StepStatus::ok, 0s, 2s, ""};
    }
    return r;
  }
};

struct Fixture {
  test::TempDir dir{"cli-run"};
  std::ostringstream out;
  std::ostringstream err;
  cli::Console console{out, err, false};
  cli::Clocks clocks;
  std::shared_ptr<FakeRunner> runner = std::make_shared<FakeRunner>();

  Fixture() {
    // 2024-05-01 12:34:56 UTC, and a steady clock that advances 5 ms per reading.
    clocks.wall = [] {
      return std::chrono::system_clock::time_point{std::chrono::seconds{1714566896}};
    };
    clocks.steady = [n = 0]() mutable {
      return std::chrono::steady_clock::time_point{std::chrono::milliseconds{5 * n++}};
    };
  }

  cli::RunnerFactory factory() {
    return [r = runner]() -> std::unique_ptr<scenario::Runner> {
      // Hand out a forwarding wrapper so the test keeps the fake and its record of calls.
      struct Forward : scenario::Runner {
        std::shared_ptr<FakeRunner> target;
        scenario::RunResult run(const scenario::Scenario& s,
                                const scenario::RunOptions& o) override {
          return target->run(s, o);
        }
      };
      auto f = std::make_unique<Forward>();
      f->target = r;
      return f;
    };
  }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir / name;
    std::ofstream(path) << text;
    return path.string();
  }
};

const char* const one_phone = R"({"name": "one", "phones": [{"mac": "00:11:22:33:44:55"}],
  "expect": [{"phone": "SEP001122334455", "state": "registered"}]})";
const char* const two_phones = R"({"name": "two", "seed": 9,
  "phones": [{"mac": "00:11:22:33:44:55"}, {"mac": "00:11:22:33:44:66"}],
  "expect": [{"state": "registered"}, {"count": {"registered": 2}}]})";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("run writes report.json and timeline.txt and exits 0 when every expectation passes",
          "[cli]") {
  Fixture f;
  cli::RunArgs args;
  args.inputs = {f.write("one.json", one_phone)};
  args.out = (f.dir / "out").string();
  CHECK(cli::run_scenarios(args, f.factory(), f.console, f.clocks) == 0);
  INFO(f.err.str());
  CHECK(f.err.str().empty());
  REQUIRE(fs::exists(f.dir / "out" / "report.json"));
  REQUIRE(fs::exists(f.dir / "out" / "timeline.txt"));
  const std::string report = slurp(f.dir / "out" / "report.json");
  CHECK(report.find("\"schema\": \"voicelab.report/1\"") != std::string::npos);
  CHECK(report.find("\"result\": \"pass\"") != std::string::npos);
  CHECK(report.find("\"wall_time_ms\": 5,") !=
        std::string::npos);  // one steady tick around the run
  CHECK(slurp(f.dir / "out" / "timeline.txt").find("voicelab run: one  seed 1  PASS") == 0);
  CHECK(f.out.str().find("one: pass (1 of 1 expectations met)") != std::string::npos);
  REQUIRE(f.runner->calls.size() == 1);
  CHECK(f.runner->calls[0].seed == 1);
  CHECK(f.runner->calls[0].pcap);
  CHECK(f.runner->calls[0].out_dir == f.dir / "out");
}

TEST_CASE("run exits 1 when an expectation fails; --seed, --no-pcap, --ladder reach the runner",
          "[cli]") {
  Fixture f;
  f.runner->fail = {"SEP001122334455"};
  cli::RunArgs args;
  args.inputs = {f.write("one.json", one_phone)};
  args.out = (f.dir / "out").string();
  args.seed = 77;
  args.no_pcap = true;
  args.quiet = true;
  args.ladder = "0011.2233.4455";
  CHECK(cli::run_scenarios(args, f.factory(), f.console, f.clocks) == 1);
  CHECK(f.out.str().empty());  // --quiet
  REQUIRE(f.runner->calls.size() == 1);
  CHECK(f.runner->calls[0].seed == 77);
  CHECK_FALSE(f.runner->calls[0].pcap);
  CHECK(f.runner->calls[0].quiet);
  CHECK(f.runner->calls[0].ladder_phone == std::optional<std::size_t>{0});
  const std::string report = slurp(f.dir / "out" / "report.json");
  CHECK(report.find("\"seed\": 77,") != std::string::npos);
  CHECK(report.find("\"result\": \"fail\"") != std::string::npos);
}

TEST_CASE("run validates every input before running any", "[cli]") {
  Fixture f;
  cli::RunArgs args;
  args.inputs = {f.write("one.json", one_phone), f.write("bad.json", R"({"seed": -1})")};
  args.out = (f.dir / "out").string();
  CHECK(cli::run_scenarios(args, f.factory(), f.console, f.clocks) == 2);
  CHECK(f.runner->calls.empty());
  CHECK_FALSE(fs::exists(f.dir / "out"));
  CHECK(f.err.str().find("bad.json:1:10: /seed: -1 is out of range") != std::string::npos);
}

TEST_CASE("run without a runner exits 3 and creates nothing", "[cli]") {
  Fixture f;
  cli::RunArgs args;
  args.inputs = {f.write("one.json", one_phone)};
  args.out = (f.dir / "out").string();
  args.junit = (f.dir / "junit.xml").string();
  CHECK(cli::run_scenarios(
            args, [] { return std::unique_ptr<scenario::Runner>{}; }, f.console, f.clocks) == 3);
  CHECK(f.err.str().find("runner not available") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir / "out"));
  CHECK_FALSE(fs::exists(f.dir / "junit.xml"));
}

TEST_CASE("several scenarios: one folder each, one JUnit file valid against its XSD", "[cli]") {
  Fixture f;
  cli::RunArgs args;
  fs::create_directories(f.dir / "in");
  std::ofstream(f.dir / "in" / "a.json") << one_phone;
  std::ofstream(f.dir / "in" / "b.json") << two_phones;
  args.inputs = {(f.dir / "in").string()};
  args.out = (f.dir / "out").string();
  args.junit = (f.dir / "reports" / "junit.xml").string();
  f.runner->fail = {"SEP001122334466"};
  CHECK(cli::run_scenarios(args, f.factory(), f.console, f.clocks) == 1);
  CHECK(fs::exists(f.dir / "out" / "one" / "report.json"));
  CHECK(fs::exists(f.dir / "out" / "two" / "report.json"));
  CHECK(f.runner->calls.at(1).seed == 9);
  const std::string xml = slurp(f.dir / "reports" / "junit.xml");
  CHECK(xml.find("timestamp=\"2024-05-01T12:34:56\"") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"two\" package=\"voicelab\" id=\"1\"") != std::string::npos);
  const std::string xsd = std::string(VOICELAB_SOURCE_DIR) + "/tests/scenario/junit/JUnit.xsd";
  const std::string command = "xmllint --noout --schema '" + xsd + "' '" +
                              (f.dir / "reports" / "junit.xml").string() + "' > '" +
                              (f.dir / "xmllint.txt").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  INFO(slurp(f.dir / "xmllint.txt"));
  CHECK(status == 0);
}

TEST_CASE("run refuses two scenarios with the same name", "[cli]") {
  Fixture f;
  cli::RunArgs args;
  args.inputs = {f.write("a.json", one_phone), f.write("b.json", one_phone)};
  CHECK(cli::run_scenarios(args, f.factory(), f.console, f.clocks) == 2);
  CHECK(f.err.str().find("are both named \"one\"") != std::string::npos);
  CHECK(f.runner->calls.empty());
}

TEST_CASE("the default output folder is runs/<scenario>-<UTC timestamp>", "[cli]") {
  const auto when = std::chrono::system_clock::time_point{std::chrono::seconds{1714566896}};
  CHECK(cli::default_output_dir("basic-registration", when) ==
        "runs/basic-registration-20240501-123456");
  Fixture f;
  const auto cwd = fs::current_path();
  fs::current_path(f.dir.path());
  cli::RunArgs args;
  args.inputs = {f.write("one.json", one_phone)};
  const int code = cli::run_scenarios(args, f.factory(), f.console, f.clocks);
  const int again = cli::run_scenarios(args, f.factory(), f.console, f.clocks);  // same second
  fs::current_path(cwd);
  CHECK(code == 0);
  CHECK(again == 0);
  CHECK(fs::exists(f.dir / "runs" / "one-20240501-123456" / "report.json"));
  CHECK(fs::exists(f.dir / "runs" / "one-20240501-123456-2" / "report.json"));
  CHECK(f.out.str().find("-> runs/one-20240501-123456\n") != std::string::npos);
}

TEST_CASE("validate_files reports every problem and counts", "[cli]") {
  Fixture f;
  const std::vector<std::string> inputs{f.write("one.json", one_phone),
                                        (f.dir / "missing.json").string(),
                                        f.write("broken.json", "{\"phones\": [}")};
  CHECK(cli::validate_files(inputs, false, f.console) == 2);
  CHECK(
      f.out.str().find("one.json: ok (one: 1 switch, 1 phone, 0 timeline events, 1 expectation)") !=
      std::string::npos);
  CHECK(f.err.str().find("missing.json: cannot read: no such file or directory") !=
        std::string::npos);
  CHECK(f.err.str().find("broken.json:1:13: /: invalid JSON: ") != std::string::npos);
}
