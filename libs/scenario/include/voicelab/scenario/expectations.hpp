#pragma once
// Expectation evaluation: a pure function of the scenario (which phones each expectation
// selects) and the run's result.

#include <vector>

#include "voicelab/scenario/model.hpp"
#include "voicelab/scenario/result.hpp"

namespace voicelab::scenario {

// Evaluates one expectation. Phones are matched to results by device name, so `result.phones`
// need not be in scenario order; a selected phone without a result fails the expectation.
// Linear in the number of selected phones (plus a sort for percentiles).
ExpectationResult evaluate(const Scenario& scenario, const Expectation& expectation,
                           const RunResult& result);

// Every expectation of the scenario, in order.
std::vector<ExpectationResult> evaluate_all(const Scenario& scenario, const RunResult& result);

}  // namespace voicelab::scenario
