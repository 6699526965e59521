#include "voicelab/scenario/expectations.hpp"

#include <string_view>
#include <tuple>
#include <unordered_map>

#include <fmt/core.h>

#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario {
namespace {

constexpr std::size_t max_examples = 5;

using ResultIndex = std::unordered_map<std::string_view, const PhoneResult*>;

ResultIndex index_results(const RunResult& result) {
  ResultIndex index;
  index.reserve(result.phones.size());
  for (const auto& p : result.phones) index.emplace(p.device, &p);
  return index;
}

std::string at_time(const std::optional<Time>& t) {
  return t ? format_seconds(*t) + "s" : std::string{"-"};
}

// Why the first failed step failed, to explain a wrong state.
std::string first_failure(const PhoneResult& p) {
  const auto all = steps();
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    if (p.steps[i].status == StepStatus::failed) {
      return fmt::format("step {} ({}) failed{}{}", all[i].n, all[i].name,
                         p.steps[i].detail.empty() ? "" : ": ", p.steps[i].detail);
    }
  }
  return "";
}

// Every per-phone assertion of `e` on one phone; empty when all hold.
std::string check_phone(const Expectation& e, const PhoneResult& p) {
  std::string why;
  const auto add = [&](std::string s) { why += (why.empty() ? "" : ", ") + s; };
  if (e.state && p.state != *e.state) {
    const std::string cause = first_failure(p);
    add(fmt::format("state {}{}{}", p.state, cause.empty() ? "" : " after ", cause));
  }
  if (e.registered_with && p.registered_with != *e.registered_with) {
    add(p.registered_with.empty() ? std::string{"not registered"}
                                  : fmt::format("registered with {}", p.registered_with));
  }
  if (e.step && e.step->n >= 1 && e.step->n <= step_count) {
    const StepResult& s = p.steps[static_cast<std::size_t>(e.step->n - 1)];
    const std::string_view name = steps()[static_cast<std::size_t>(e.step->n - 1)].name;
    if (e.step->status && s.status != *e.step->status) {
      add(fmt::format("step {} ({}) {}{}{}", e.step->n, name, to_string(s.status),
                      s.detail.empty() ? "" : ": ", s.detail));
    }
    if (e.step->detail && s.detail.find(*e.step->detail) == std::string::npos) {
      add(fmt::format("step {} ({}) detail is \"{}\"", e.step->n, name, s.detail));
    }
    if (e.step->before && !(s.end && *s.end <= *e.step->before)) {
      add(s.end ? fmt::format("step {} ({}) ended at {}", e.step->n, name, at_time(s.end))
                : fmt::format("step {} ({}) never ended", e.step->n, name));
    }
  }
  if (e.display_seen) {
    bool seen = p.display.find(*e.display_seen) != std::string::npos;
    for (const auto& d : p.displays_seen)
      seen = seen || d.find(*e.display_seen) != std::string::npos;
    if (!seen)
      add(fmt::format("never showed \"{}\" (last display \"{}\")", *e.display_seen, p.display));
  }
  if (e.active_load && p.active_load != *e.active_load) {
    add(fmt::format("active load {}", p.active_load.empty() ? "(none)" : p.active_load));
  }
  if (e.inactive_load && p.inactive_load != *e.inactive_load) {
    add(fmt::format("inactive load {}", p.inactive_load.empty() ? "(none)" : p.inactive_load));
  }
  return why;
}

bool has_per_phone_checks(const Expectation& e) {
  return e.state || e.registered_with || e.step || e.display_seen || e.active_load ||
         e.inactive_load;
}

ExpectationResult evaluate_indexed(const Scenario& scenario, const Expectation& e,
                                   const RunResult& result, const ResultIndex& index) {
  (void)result;
  ExpectationResult out;
  out.text = e.text;
  const auto range = scenario.select(e.subject);
  const std::size_t total = range.count;
  std::vector<std::string> examples;  // per-phone failures, at most max_examples
  std::size_t phone_failures = 0;     // phones missing or not matching
  std::vector<std::string> aggregate_failures;
  std::vector<std::string> notes;  // what was observed, for a pass
  std::vector<const PhoneResult*> selected;
  selected.reserve(total);
  for (std::size_t i = range.first; i < range.first + total; ++i) {
    const auto it = index.find(scenario.phones[i].device);
    if (it == index.end()) {
      ++phone_failures;
      if (examples.size() < max_examples)
        examples.push_back(fmt::format("{}: no result", scenario.phones[i].device));
      continue;
    }
    selected.push_back(it->second);
  }

  if (has_per_phone_checks(e)) {
    for (const PhoneResult* p : selected) {
      std::string why = check_phone(e, *p);
      if (why.empty()) continue;
      ++phone_failures;
      if (examples.size() < max_examples) examples.push_back(fmt::format("{}: {}", p->device, why));
    }
    if (phone_failures == 0) {
      if (total == 1) {
        const PhoneResult& p = *selected.front();
        std::string seen = fmt::format("{}: state {}", p.device, p.state);
        if (!p.registered_with.empty())
          seen += fmt::format(", registered with {}", p.registered_with);
        if (e.step) {
          const StepResult& st = p.steps[static_cast<std::size_t>(e.step->n - 1)];
          seen +=
              fmt::format(", step {} {} at {}", e.step->n, to_string(st.status), at_time(st.end));
        }
        if (e.active_load || e.inactive_load) {
          seen += fmt::format(", loads {} / {}", p.active_load,
                              p.inactive_load.empty() ? "(none)" : p.inactive_load);
        }
        notes.push_back(std::move(seen));
      } else {
        notes.push_back(fmt::format("{} of {} phones match", total, total));
      }
    }
  }

  for (const auto& [state, bound] : e.counts) {
    std::uint64_t n = 0;
    for (const PhoneResult* p : selected) {
      if (p->state == state) ++n;
    }
    if (n >= bound.min && n <= bound.max) {
      notes.push_back(fmt::format("{} {}", n, state));
      continue;
    }
    const std::string expected = bound.min == bound.max    ? std::to_string(bound.min)
                                 : bound.max == UINT64_MAX ? fmt::format("at least {}", bound.min)
                                 : bound.min == 0          ? fmt::format("at most {}", bound.max)
                                                  : fmt::format("{} to {}", bound.min, bound.max);
    aggregate_failures.push_back(fmt::format("{} {}, expected {}", n, state, expected));
  }

  if (e.registration_time) {
    std::vector<Duration> times;
    times.reserve(selected.size());
    for (const PhoneResult* p : selected) {
      if (p->registration_time) times.push_back(*p->registration_time);
    }
    if (const auto pct = percentiles(times)) {
      const auto& b = *e.registration_time;
      // Measured times to the millisecond; the bounds as the scenario wrote them.
      const auto secs = [](Duration d) { return format_seconds(d) + "s"; };
      const std::string measured =
          fmt::format("p50 {}, p90 {}, p99 {}, max {} over {} registered phones", secs(pct->p50),
                      secs(pct->p90), secs(pct->p99), secs(pct->max), pct->samples);
      std::string over;
      const std::tuple<const char*, std::optional<Duration>, Duration> checks[] = {
          {"p50", b.p50, pct->p50},
          {"p90", b.p90, pct->p90},
          {"p99", b.p99, pct->p99},
          {"max", b.max, pct->max}};
      for (const auto& [label, bound, value] : checks) {
        if (bound && value > *bound) {
          over += fmt::format("{}{} {} > {}", over.empty() ? "" : ", ", label, secs(value),
                              format_duration(*bound));
        }
      }
      if (over.empty()) {
        notes.push_back(measured);
      } else {
        aggregate_failures.push_back(fmt::format("{} ({})", over, measured));
      }
    } else {
      aggregate_failures.push_back("no phone registered, so there is no registration time");
    }
  }

  out.passed = phone_failures == 0 && aggregate_failures.empty();
  std::vector<std::string> parts;
  if (out.passed) {
    parts = std::move(notes);
  } else {
    if (phone_failures > 0) {
      std::string list;
      for (const auto& x : examples) list += (list.empty() ? "" : "; ") + x;
      if (phone_failures > examples.size())
        list += fmt::format("; and {} more", phone_failures - examples.size());
      parts.push_back(
          total > 1 ? fmt::format("{} of {} phones do not match: {}", phone_failures, total, list)
                    : list);
    }
    for (auto& f : aggregate_failures) parts.push_back(std::move(f));
  }
  for (const auto& part : parts) out.detail += (out.detail.empty() ? "" : "; ") + part;
  return out;
}

}  // namespace

ExpectationResult evaluate(const Scenario& scenario, const Expectation& expectation,
                           const RunResult& result) {
  return evaluate_indexed(scenario, expectation, result, index_results(result));
}

std::vector<ExpectationResult> evaluate_all(const Scenario& scenario, const RunResult& result) {
  const ResultIndex index = index_results(result);
  std::vector<ExpectationResult> out;
  out.reserve(scenario.expectations.size());
  for (const auto& e : scenario.expectations)
    out.push_back(evaluate_indexed(scenario, e, result, index));
  return out;
}

}  // namespace voicelab::scenario
