#include "runner_factory.hpp"

#include "voicelab/lab/simulated_runner.hpp"

namespace voicelab::cli {

// `voicelab run` plays scenarios on the simulated lab (libs/lab).
std::unique_ptr<scenario::Runner> make_runner() { return std::make_unique<lab::SimulatedRunner>(); }

}  // namespace voicelab::cli
