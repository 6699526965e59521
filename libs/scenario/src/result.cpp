#include "voicelab/scenario/result.hpp"

#include <algorithm>
#include <unordered_map>

#include "voicelab/scenario/expectations.hpp"
#include "voicelab/scenario/model.hpp"

namespace voicelab::scenario {

bool RunResult::passed() const {
  return std::all_of(expectations.begin(), expectations.end(),
                     [](const ExpectationResult& e) { return e.passed; });
}

std::optional<Percentiles> percentiles(std::vector<Duration>& values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  // Nearest rank: ceil(p/100 * n), 1-based; exact in integers.
  const auto at = [&](std::size_t p) {
    std::size_t r = (p * n + 99) / 100;
    if (r == 0) r = 1;
    return values[r - 1];
  };
  Percentiles out;
  out.samples = n;
  out.p50 = at(50);
  out.p90 = at(90);
  out.p99 = at(99);
  out.max = values.back();
  return out;
}

Aggregate compute_aggregate(const RunResult& result) {
  Aggregate a;
  a.phones = result.phones.size();
  for (const auto s : phone_states()) a.states.emplace_back(std::string{s}, 0);
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < a.states.size(); ++i) index.emplace(a.states[i].first, i);
  std::vector<Duration> times;
  times.reserve(result.phones.size());
  for (const auto& p : result.phones) {
    auto it = index.find(p.state);
    if (it == index.end()) {
      it = index.emplace(p.state, a.states.size()).first;
      a.states.emplace_back(p.state, 0);
    }
    ++a.states[it->second].second;
    if (p.registration_time) times.push_back(*p.registration_time);
  }
  a.registration_time = percentiles(times);
  return a;
}

void finish_run(const Scenario& scenario, RunResult& result) {
  result.aggregate = compute_aggregate(result);
  result.expectations = evaluate_all(scenario, result);
}

RunResult make_empty_result(const Scenario& scenario) {
  RunResult r;
  r.scenario = scenario.name;
  r.file = scenario.file;
  r.seed = scenario.seed;
  r.phones.reserve(scenario.phones.size());
  for (const auto& phone : scenario.phones) {
    PhoneResult p;
    p.device = phone.device;
    p.mac = phone.mac;
    p.model = phone.model;
    p.group = phone.group;
    p.port = phone.port.to_string();
    p.active_load = phone.active_load;
    p.inactive_load = phone.inactive_load;
    r.phones.push_back(std::move(p));
  }
  return r;
}

}  // namespace voicelab::scenario
