#include "voicelab/netsim/simulation.hpp"

namespace voicelab::netsim {

Simulation::~Simulation() {
  // Pending events may hold FrameRefs into frames_ and pointers to links: drop them first.
  scheduler_.clear();
  links_.clear();
}

Link& Simulation::connect(Port& a, Port& b, LinkParams params) {
  links_.push_back(std::make_unique<Link>(*this, a, b, params));
  return *links_.back();
}

}  // namespace voicelab::netsim
