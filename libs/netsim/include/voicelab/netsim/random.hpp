#pragma once
// The simulation's generator is the one every engine uses: voicelab::Random (wire/random.hpp),
// so protocol engines can take randomness without depending on the simulator.

#include "voicelab/wire/random.hpp"

namespace voicelab::netsim {
using Random = voicelab::Random;
}  // namespace voicelab::netsim
