#pragma once
// Where `voicelab run` gets its lab from: the simulated lab (libs/lab). A build without a lab
// returns nullptr here, and `voicelab run` then exits 3 with "runner not available" after
// validating its inputs.

#include <memory>

#include "voicelab/scenario/runner.hpp"

namespace voicelab::cli {

std::unique_ptr<scenario::Runner> make_runner();

}  // namespace voicelab::cli
