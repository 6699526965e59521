// JUnit XML in the Ant/Jenkins dialect (tests/scenario/junit/JUnit.xsd is the schema the tests
// validate against): one <testsuite> per scenario, one <testcase> per expectation.

#include <fmt/core.h>
#include <pugixml.hpp>

#include "report_internal.hpp"
#include "voicelab/scenario/report.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario {

void write_junit(std::ostream& out, std::span<const RunResult> results,
                 const JunitOptions& options) {
  using detail::xml_safe;
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto suites = doc.append_child("testsuites");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    std::size_t failures = 0;
    for (const auto& e : r.expectations) failures += e.passed ? 0 : 1;
    auto suite = suites.append_child("testsuite");
    suite.append_attribute("name") = xml_safe(r.scenario.empty() ? "scenario" : r.scenario).c_str();
    suite.append_attribute("package") = "voicelab";
    suite.append_attribute("id") = static_cast<unsigned long long>(i);
    suite.append_attribute("timestamp") = options.timestamp.c_str();
    suite.append_attribute("hostname") = xml_safe(options.hostname).c_str();
    suite.append_attribute("tests") = static_cast<unsigned long long>(r.expectations.size());
    suite.append_attribute("failures") = static_cast<unsigned long long>(failures);
    suite.append_attribute("errors") = 0;
    suite.append_attribute("time") = format_seconds(r.wall_time).c_str();

    auto properties = suite.append_child("properties");
    const auto property = [&](const char* name, const std::string& value) {
      auto p = properties.append_child("property");
      p.append_attribute("name") = name;
      p.append_attribute("value") = xml_safe(value).c_str();
    };
    property("file", r.file);
    property("seed", std::to_string(r.seed));
    property("sim_time_ms", format_ms(r.sim_time));
    property("packets", std::to_string(r.packets));
    property("phones", std::to_string(r.phones.size()));

    const std::string classname =
        "voicelab." + xml_safe(r.scenario.empty() ? "scenario" : r.scenario);
    for (const auto& e : r.expectations) {
      auto tc = suite.append_child("testcase");
      tc.append_attribute("name") = xml_safe(e.text).c_str();
      tc.append_attribute("classname") = classname.c_str();
      tc.append_attribute("time") = "0";
      if (!e.passed) {
        auto failure = tc.append_child("failure");
        failure.append_attribute("type") = "expectation";
        failure.append_attribute("message") = xml_safe(e.detail).c_str();
        failure.text().set(xml_safe(e.detail).c_str());
      }
    }
    suite.append_child("system-out")
        .text()
        .set(fmt::format("{}: {} of {} expectations met, {} phones, simulated {}s",
                         xml_safe(r.scenario), r.expectations.size() - failures,
                         r.expectations.size(), r.phones.size(), format_seconds(r.sim_time))
                 .c_str());
    suite.append_child("system-err");
  }
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
}

}  // namespace voicelab::scenario
